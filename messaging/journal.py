"""The campaign journal: one SQLite row per recipient, so a campaign can stop and resume.

A recipient moves through these states::

    pending ──claim──▶ sending ──▶ sent      (Twilio's message SID recorded)
       ▲                  │  ├───▶ failed    (a permanent error code; never retried)
       └──── release ─────┘  └───▶ unknown   (the request may have gone out: reconcile
                                              with Twilio's message list before any retry)
    pending ──▶ skipped                       (opted out)

``sending`` is committed *before* the request goes out, so after a crash (kill -9, power
cut with ``durable=True``) a row left in ``sending`` is treated as ``unknown``: the next run
asks Twilio whether the message exists before sending it again. That is what makes a
campaign exactly-once across interruptions.

Rendered texts are stored once per language in ``texts`` and referred to by each recipient
row (a million recipients in eight languages store eight texts); the ``messages`` view
joins them back into one row per recipient with its text, language and segments.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import InputError

STATES = ("pending", "sending", "sent", "failed", "unknown", "skipped")
#: states in which a recipient may still get a message from this campaign
OPEN_STATES = ("pending", "sending", "unknown")

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS texts (
    id INTEGER PRIMARY KEY,
    language TEXT NOT NULL,          -- the recipient's language, resolved
    language_used TEXT NOT NULL,     -- the language the text is in (after fallback)
    text TEXT NOT NULL,
    encoding TEXT NOT NULL,
    segments INTEGER NOT NULL,
    unreviewed INTEGER NOT NULL,
    UNIQUE (language)
);
CREATE TABLE IF NOT EXISTS recipients (
    id INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,           -- line of the recipients CSV
    phone TEXT NOT NULL UNIQUE,      -- E.164
    language_asked TEXT NOT NULL,    -- as the CSV wrote it
    fell_back INTEGER NOT NULL,      -- language missing or unknown: resolved to another
    text_id INTEGER NOT NULL REFERENCES texts (id),
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    sid TEXT,
    error_code INTEGER,
    error TEXT,
    first_attempt_at TEXT,           -- UTC, when the first request started
    attempt_at TEXT,                 -- UTC, when the latest request started
    updated_at TEXT,
    name TEXT                        -- as the list wrote it (for emsg export)
);
CREATE INDEX IF NOT EXISTS recipients_state ON recipients (state, id);
CREATE TABLE IF NOT EXISTS rejected (
    line INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL,
    kind TEXT NOT NULL               -- invalid | duplicate
);
CREATE VIEW IF NOT EXISTS messages AS
    SELECT r.id, r.line, r.phone, r.language_asked, t.language, t.language_used, r.fell_back,
           t.text, t.encoding, t.segments, t.unreviewed, r.state, r.attempts, r.sid,
           r.error_code, r.error, r.first_attempt_at, r.attempt_at, r.updated_at
    FROM recipients r JOIN texts t ON t.id = r.text_id;
"""


class JournalError(InputError):
    """The journal cannot be opened or written, or belongs to another campaign."""


#: columns an older emsg's journal lacks (added when it is next opened for writing)
_ADDED_LATER = {"recipients": {"name"}, "replies": {"channel"}}


@lru_cache(maxsize=1)
def _expected_columns() -> dict[str, set[str]]:
    """Table or view → the columns emsg reads, from the schemas themselves (the
    campaign's and the tracking tables of :mod:`messaging.tracking`)."""
    from .tracking import SCHEMA as TRACKING_SCHEMA

    db = sqlite3.connect(":memory:")
    try:
        db.executescript(_SCHEMA + TRACKING_SCHEMA)
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        return {name: {r[1] for r in db.execute(f"PRAGMA table_info({name})")}
                - _ADDED_LATER.get(name, set()) for name in names}
    finally:
        db.close()


def check_columns(db: sqlite3.Connection, path: str) -> None:
    """Refuse a file with emsg's table names but other columns (another program's
    database, a damaged journal) in one line, before any query fails on it later. A table
    that is missing is not an error here (a new journal creates it)."""
    for table, columns in _expected_columns().items():
        found = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        missing = sorted(columns - found) if found else []
        if missing:
            raise JournalError(f"not a campaign journal: its table {table!r} has no column "
                               f"{', '.join(missing)} (written by another program?)",
                               path=path, field="--journal")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Text:
    id: int
    language: str
    language_used: str
    text: str
    encoding: str
    segments: int
    unreviewed: bool


@dataclass(frozen=True)
class Row:
    """A recipient as the dispatcher needs it."""

    id: int
    phone: str
    state: str
    attempts: int
    #: when the first request for this recipient started (reconciliation looks from here)
    first_attempt_at: dt.datetime | None
    text: Text


@dataclass
class Summary:
    path: str
    meta: dict[str, str]
    states: dict[str, int]
    #: per language: recipients, segments, count per state, "in" (the language the
    #: text is in, after fallback) and "encoding"
    languages: dict[str, dict]
    segments: dict[str, int]
    invalid: int
    duplicates: int
    fell_back: int
    unreviewed_languages: list[str] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def recipients(self) -> int:
        return sum(self.states.values())

    @property
    def open(self) -> int:
        return sum(self.states.get(s, 0) for s in OPEN_STATES)

    def to_dict(self) -> dict:
        return {
            "journal": self.path,
            "campaign": self.meta,
            "recipients": self.recipients,
            "states": self.states,
            "languages": self.languages,
            "segments": self.segments,
            "invalid_rows": self.invalid,
            "duplicate_rows": self.duplicates,
            "fell_back": self.fell_back,
            "unreviewed_languages": self.unreviewed_languages,
            "failures_by_code": self.failures,
        }


class Journal:
    """One campaign's journal. Thread-safe: every method takes the journal's lock.

    ``durable=True`` makes each commit reach the disk (``synchronous=FULL``) so that a
    power cut, not only a killed process, loses no state; live sends use it.
    """

    def __init__(self, path: str | Path, *, durable: bool = True,
                 readonly: bool = False) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._lockfile = None
        memory = self.path == ":memory:"
        if readonly:
            self._open_readonly()
            return
        try:
            if not memory:
                parent = Path(self.path).parent
                if not parent.is_dir():
                    parent.mkdir(parents=True, exist_ok=True)
                self._lockfile = _exclusive_lock(Path(self.path + ".lock"), self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None,
                                      check_same_thread=False, timeout=10)
            if not memory:
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            check_columns(self.db, self.path)
            self.db.executescript(_SCHEMA)
            if "name" not in {r[1] for r in self.db.execute("PRAGMA table_info(recipients)")}:
                self.db.execute("ALTER TABLE recipients ADD COLUMN name TEXT")  # older ones
        except JournalError:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:
            self.close()
            raise JournalError(f"cannot open journal ({exc})", path=self.path,
                               field="--journal") from None
        except OSError as exc:
            self.close()
            raise JournalError(f"cannot write journal ({exc.strerror or exc})",
                               path=self.path, field="--journal") from None

    def _open_readonly(self) -> None:
        """For ``emsg status``: no lock (a send may be running), no schema changes."""
        if not Path(self.path).is_file():
            raise JournalError("journal not found", path=self.path, field="--journal")
        try:
            self.db = sqlite3.connect(f"{Path(self.path).resolve().as_uri()}?mode=ro",
                                      uri=True, isolation_level=None,
                                      check_same_thread=False, timeout=10)
            tables = {r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        except sqlite3.DatabaseError as exc:
            self.close()
            raise JournalError(f"not a campaign journal ({exc})", path=self.path,
                               field="--journal") from None
        if not {"meta", "texts", "recipients", "rejected", "messages"} <= tables:
            self.close()
            raise JournalError("not a campaign journal (an SQLite file without emsg's "
                               "tables)", path=self.path, field="--journal")
        try:
            check_columns(self.db, self.path)
        except (JournalError, sqlite3.DatabaseError) as exc:
            self.close()
            if isinstance(exc, JournalError):
                raise
            raise JournalError(f"not a campaign journal ({exc})", path=self.path,
                               field="--journal") from None

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None  # type: ignore[assignment]
        if self._lockfile is not None:
            self._lockfile.close()
            self._lockfile = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            raise JournalError(f"cannot write journal ({exc})", path=self.path) from None

    # -- campaign identity ----------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    @property
    def ingested(self) -> bool:
        return self.meta().get("ingested") == "1"

    def check_campaign(self, identity: dict[str, str]) -> None:
        """Refuse to resume a journal made for another campaign."""
        meta = self.meta()
        if not meta:
            return
        for key, value in identity.items():
            if key in meta and meta[key] != value:
                what = {"fingerprint": "the scenario's facts or the message changed",
                        "recipients_sha256": "the recipients file changed"}.get(
                    key, f"{key} was {meta[key]!r}, now {value!r}")
                raise JournalError(f"this journal belongs to another campaign ({what}); "
                                   "give a new --journal path to start a new campaign",
                                   path=self.path, field="--journal")

    # -- ingest ---------------------------------------------------------------------------

    def ingest(self, identity: dict[str, str]) -> Ingest:
        """A single transaction that adds texts and recipients; see :class:`Ingest`."""
        return Ingest(self, identity)

    # -- the dispatcher's state changes ------------------------------------------------

    def claim(self, row_id: int) -> dt.datetime | None:
        """pending/unknown → sending, committed before the request; the attempt's time."""
        now = utcnow()
        with self._lock:
            cur = self._write(
                "UPDATE recipients SET state='sending', attempts=attempts+1, attempt_at=?, "
                "first_attempt_at=coalesce(first_attempt_at, ?), updated_at=? "
                "WHERE id=? AND state IN ('pending', 'unknown')",
                (_iso(now), _iso(now), _iso(now), row_id))
        return now if cur.rowcount == 1 else None

    def mark_sent(self, row_id: int, sid: str) -> None:
        self._set(row_id, "sent", sid=sid, error_code=None, error=None)

    def mark_failed(self, row_id: int, code: int | None, error: str) -> None:
        self._set(row_id, "failed", error_code=code, error=error)

    def mark_unknown(self, row_id: int, error: str) -> None:
        self._set(row_id, "unknown", error=error)

    def release(self, row_id: int, error: str | None = None, code: int | None = None) -> None:
        """sending → pending: the message certainly did not go out."""
        self._set(row_id, "pending", error=error, error_code=code)

    def skip(self, row_id: int, reason: str) -> None:
        self._set(row_id, "skipped", error=reason)

    def _set(self, row_id: int, state: str, **values: object) -> None:
        values["updated_at"] = _iso(utcnow())
        assignments = ", ".join(f"{k}=?" for k in values)
        with self._lock:
            self._write(f"UPDATE recipients SET state=?, {assignments} WHERE id=?",
                        (state, *values.values(), row_id))

    # -- reading ----------------------------------------------------------------------------

    def _texts(self) -> dict[int, Text]:
        rows = self.db.execute("SELECT id, language, language_used, text, encoding, segments,"
                               " unreviewed FROM texts").fetchall()
        return {r[0]: Text(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows}

    def texts(self) -> list[Text]:
        with self._lock:
            return list(self._texts().values())

    def rows(self, states: tuple[str, ...], *, batch: int = 1000) -> Iterator[Row]:
        """Rows in ``states``, by id, read in batches (the table may be huge)."""
        with self._lock:
            texts = self._texts()
        marks = ",".join("?" * len(states))
        last = 0
        while True:
            with self._lock:
                found = self.db.execute(
                    f"SELECT id, phone, state, attempts, first_attempt_at, text_id "
                    f"FROM recipients "
                    f"WHERE state IN ({marks}) AND id > ? ORDER BY id LIMIT ?",
                    (*states, last, batch)).fetchall()
            if not found:
                return
            for row_id, phone, state, attempts, first_at, text_id in found:
                when = dt.datetime.fromisoformat(first_at) if first_at else None
                yield Row(row_id, phone, state, attempts, when, texts[text_id])
            last = found[-1][0]

    def get(self, row_id: int) -> dict:
        with self._lock:
            cur = self.db.execute("SELECT * FROM messages WHERE id=?", (row_id,))
            names = [d[0] for d in cur.description]
            row = cur.fetchone()
        return dict(zip(names, row, strict=True)) if row else {}

    def state_of(self, phone: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT state FROM recipients WHERE phone=?",
                                  (phone,)).fetchone()
        return row[0] if row else None

    def rejected(self, limit: int | None = None) -> list[dict]:
        with self._lock:
            cur = self.db.execute("SELECT line, field, value, reason, kind FROM rejected "
                                  "ORDER BY line LIMIT ?", (limit if limit else -1,))
            return [dict(zip(("line", "field", "value", "reason", "kind"), r, strict=True))
                    for r in cur.fetchall()]

    def summary(self) -> Summary:
        with self._lock:
            db = self.db
            states = {s: 0 for s in STATES}
            for state, n in db.execute("SELECT state, count(*) FROM recipients GROUP BY state"):
                states[state] = n
            languages: dict[str, dict] = {}
            segments = {"total": 0, "sent": 0}
            for language, used, encoding, state, n, segs in db.execute(
                    "SELECT t.language, t.language_used, t.encoding, r.state, count(*), "
                    "sum(t.segments) FROM recipients r JOIN texts t ON t.id = r.text_id "
                    "GROUP BY t.id, r.state ORDER BY t.id"):
                entry = languages.setdefault(language, {"recipients": 0, "segments": 0})
                entry["in"] = used  # type: ignore[assignment]
                entry["encoding"] = encoding  # type: ignore[assignment]
                entry["recipients"] += n
                entry["segments"] += segs
                entry[state] = entry.get(state, 0) + n
                segments["total"] += segs
                if state == "sent":
                    segments["sent"] += segs
            kinds = dict(db.execute("SELECT kind, count(*) FROM rejected GROUP BY kind")
                         .fetchall())
            fell_back = db.execute("SELECT count(*) FROM recipients WHERE fell_back")\
                .fetchone()[0]
            unreviewed = [r[0] for r in db.execute(
                "SELECT language FROM texts WHERE unreviewed AND id IN "
                "(SELECT DISTINCT text_id FROM recipients) ORDER BY id")]
            failures = {str(code if code is not None else "none"): n for code, n in db.execute(
                "SELECT error_code, count(*) FROM recipients WHERE state='failed' "
                "GROUP BY error_code")}
        return Summary(self.path, self.meta(), states, languages, segments,
                       kinds.get("invalid", 0), kinds.get("duplicate", 0), fell_back,
                       unreviewed, failures)


class Ingest:
    """Adds a campaign's texts and recipients in one transaction.

    Either the whole recipients file is in the journal (and ``meta.ingested`` is 1), or,
    after an error or a kill, none of it is: a re-run ingests again from the start.
    Duplicates are collapsed by the unique phone index and recorded in ``rejected``.
    """

    def __init__(self, journal: Journal, identity: dict[str, str]) -> None:
        self.journal = journal
        self.identity = identity
        self.db = journal.db
        self.added = 0
        self.duplicates = 0
        self.invalid = 0

    def __enter__(self) -> Ingest:
        self.journal._lock.acquire()
        try:
            self.journal._write("BEGIN IMMEDIATE")
        except BaseException:
            self.journal._lock.release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                meta = {**self.identity, "ingested": "1", "schema": SCHEMA_VERSION,
                        "created_at": _iso(utcnow())}
                self.db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                    list(meta.items()))
                self.journal._write("COMMIT")
            else:
                self.db.execute("ROLLBACK")
        finally:
            self.journal._lock.release()

    def add_text(self, language: str, language_used: str, text: str, encoding: str,
                 segments: int, unreviewed: bool) -> int:
        cur = self.db.execute(
            "INSERT INTO texts (language, language_used, text, encoding, segments, unreviewed)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (language, language_used, text, encoding, segments, int(unreviewed)))
        return int(cur.lastrowid or 0)

    def add(self, line: int, phone: str, language_asked: str, fell_back: bool,
            text_id: int, state: str = "pending", error: str | None = None,
            name: str = "") -> bool:
        """Add one recipient; ``False`` (and a ``rejected`` row) for a duplicate phone."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO recipients (line, phone, language_asked, fell_back, "
            "text_id, state, error, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (line, phone, language_asked, int(fell_back), text_id, state, error, name))
        if cur.rowcount == 1:
            self.added += 1
            return True
        first = self.db.execute("SELECT line FROM recipients WHERE phone=?",
                                (phone,)).fetchone()
        self.db.execute("INSERT INTO rejected (line, field, value, reason, kind) "
                        "VALUES (?, 'phone', ?, ?, 'duplicate')",
                        (line, phone, f"duplicate of line {first[0]} ({phone})"))
        self.duplicates += 1
        return False

    def add_invalid(self, line: int, field_name: str, value: str, reason: str) -> None:
        self.db.execute("INSERT INTO rejected (line, field, value, reason, kind) "
                        "VALUES (?, ?, ?, ?, 'invalid')", (line, field_name, value, reason))
        self.invalid += 1


def _exclusive_lock(lock_path: Path, journal: str):
    """Hold an exclusive lock for as long as this journal is open (released on any exit,
    kill -9 included): two ``emsg send`` on one journal would text people twice."""
    handle = open(lock_path, "a+")  # noqa: SIM115
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one process at a time is on the user
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise JournalError("another emsg process is using this journal; wait for it to "
                           "finish (or stop it) before resuming", path=journal,
                           field="--journal") from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid()}))
    handle.flush()
    return handle
