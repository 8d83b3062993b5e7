"""The campaign journal: one SQLite row per recipient, so a campaign can stop and resume.

A recipient moves through these states::

    pending ──claim──▶ sending ──▶ sent      (Twilio's message SID recorded)
       ▲                  │  ├───▶ failed    (a permanent error code; never retried)
       └──── release ─────┘  └───▶ unknown   (the request may have gone out: reconcile
                                              with Twilio's message list before any retry)
    pending ──▶ skipped                       (opted out)

``sending`` is committed *before* the request goes out, with ``inflight_until`` (the time
its deadline passes), so after a crash (kill -9, power cut with ``durable=True``) a row left
in ``sending`` is treated as ``unknown``: the next run waits until it cannot be in flight any
more plus a settle margin, then asks Twilio whether the message exists before sending it
again (see :mod:`messaging.dispatch`). That is what makes a campaign exactly-once across
interruptions.

The schema and its migrations are in :mod:`messaging.journal_schema`, the one-sender lock in
:mod:`messaging.journal_lock`, the counts ``emsg status`` prints in
:mod:`messaging.journal_summary`.

Rendered texts are stored once per language in ``texts`` and referred to by each recipient
row (a million recipients in eight languages store eight texts); the ``messages`` view
joins them back into one row per recipient with its text, language and segments.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .journal_lock import exclusive_lock
from .journal_schema import (
    OPEN_STATES,
    SCHEMA_VERSION,
    STATES,
    JournalError,
    check_columns,
    migrate,
)
from .journal_summary import Summary, summarise

__all__ = ["OPEN_STATES", "STATES", "Ingest", "Journal", "JournalError", "Row", "Summary",
           "Text"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


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
    #: when the latest request's deadline passes: it cannot be in flight after that
    inflight_until: dt.datetime | None = None


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
                self._lockfile = exclusive_lock(self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None,
                                      check_same_thread=False, timeout=10)
            if not memory:
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            check_columns(self.db, self.path)
            migrate(self.db)
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

    @classmethod
    def scratch(cls) -> Journal:
        """A journal in a temporary folder, removed on close: a drafts campaign without
        ``--journal`` still streams a million rows through disk, not memory."""
        import tempfile

        folder = tempfile.mkdtemp(prefix="emsg-drafts-")
        journal = cls(Path(folder) / "journal.sqlite", durable=False)
        journal._scratch = folder
        return journal

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
        with self._lock:
            db = getattr(self, "db", None)
            if db is not None:
                db.close()
                self.db = None  # type: ignore[assignment]
            if self._lockfile is not None:
                self._lockfile.close()
                self._lockfile = None
            scratch, self._scratch = getattr(self, "_scratch", None), None
        if scratch:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)

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

    def set_meta(self, key: str, value: str) -> None:
        """Record a decision of this run (``allow_unreviewed``: emsg listen follows it)."""
        with self._lock:
            self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def ingested(self) -> bool:
        return self.meta().get("ingested") == "1"

    def check_campaign(self, identity: dict[str, str]) -> None:
        """Refuse to resume a journal made for another campaign.

        ``identity`` holds what the campaign *is* (message type, facts, exercise mode,
        backend, the recipients' contents), never where its files are: the same campaign
        resumes from any folder, by any path, or from a copy of its files.
        """
        meta = self.meta()
        if not meta:
            return
        for key, value in identity.items():
            if key in meta and meta[key] != value:
                what = {"fingerprint": "the scenario's facts or the message changed",
                        "recipients_sha256": "the recipients file changed"}.get(
                    key, f"{key} was {meta[key]!r}, now {value!r}")
                with self._lock:
                    sent, total = self.db.execute(
                        "SELECT count(*) FILTER (WHERE state='sent'), count(*) "
                        "FROM recipients").fetchone()
                if total == 0:
                    # A list with no valid recipient left only its rejected rows: nobody
                    # can have been texted, so the corrected list starts afresh here.
                    self._forget_empty_ingest(identity)
                    return
                reached = (f"it has already texted {sent} of {total} recipient(s), and a "
                           "new --journal would text them again: resume with the "
                           "original files, or start a new journal only for a new message"
                           if sent else "it has texted nobody yet: give a new --journal "
                           "path to start the new campaign")
                raise JournalError(f"this journal belongs to another campaign ({what}); "
                                   f"{reached}", path=self.path, field="--journal")

    def _forget_empty_ingest(self, identity: dict[str, str]) -> None:
        with self._lock:
            self._write("BEGIN IMMEDIATE")
            try:
                self.db.execute("DELETE FROM rejected")
                self.db.execute("DELETE FROM texts")
                self.db.executemany("DELETE FROM meta WHERE key=?",
                                    [(key,) for key in (*identity, "ingested")])
                self._write("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    # -- ingest ---------------------------------------------------------------------------

    def ingest(self, identity: dict[str, str]) -> Ingest:
        """A single transaction that adds texts and recipients; see :class:`Ingest`."""
        return Ingest(self, identity)

    # -- the dispatcher's state changes ------------------------------------------------

    def claim(self, row_id: int, deadline: float = 0.0) -> dt.datetime | None:
        """pending/unknown → sending, committed before the request; the attempt's time.

        ``deadline`` (seconds) is how long the request can stay in flight: recorded as
        ``inflight_until`` so that a later run, whatever its own timeout, reconciles this
        attempt only once it cannot land any more.
        """
        now = utcnow()
        until = now + dt.timedelta(seconds=deadline)
        with self._lock:
            cur = self._write(
                "UPDATE recipients SET state='sending', attempts=attempts+1, attempt_at=?, "
                "first_attempt_at=coalesce(first_attempt_at, ?), inflight_until=?, "
                "updated_at=? WHERE id=? AND state IN ('pending', 'unknown')",
                (_iso(now), _iso(now), _iso(until), _iso(now), row_id))
        return now if cur.rowcount == 1 else None

    def mark_sent(self, row_id: int, sid: str) -> None:
        self._set(row_id, "sent", sid=sid, error_code=None, error=None)

    def mark_failed(self, row_id: int, code: int | None, error: str) -> None:
        self._set(row_id, "failed", error_code=code, error=error)

    def mark_unknown(self, row_id: int, error: str) -> None:
        """sending/unknown → unknown; a row found sent meanwhile stays sent."""
        values = (error, _iso(utcnow()), row_id)
        with self._lock:
            self._write("UPDATE recipients SET state='unknown', error=?, updated_at=? "
                        "WHERE id=? AND state IN ('sending', 'unknown')", values)

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
                    f"SELECT id, phone, state, attempts, first_attempt_at, text_id, "
                    f"coalesce(inflight_until, attempt_at) FROM recipients "
                    f"WHERE state IN ({marks}) AND id > ? ORDER BY id LIMIT ?",
                    (*states, last, batch)).fetchall()
            if not found:
                return
            for row_id, phone, state, attempts, first_at, text_id, until in found:
                yield Row(row_id, phone, state, attempts, _moment(first_at), texts[text_id],
                          _moment(until))
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
            return summarise(self.db, self.path)


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
