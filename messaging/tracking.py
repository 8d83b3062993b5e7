"""Delivery status and replies, recorded in the campaign journal beside the sends.

Two tables, created if missing (a journal written before them still opens, and ``emsg
status`` reads one without them)::

    deliveries  one row per Twilio message SID: its furthest status, the error code that
                came with it, how many callbacks arrived
    replies     one row per inbound SMS (unique by Twilio's MessageSid): who, what, what it
                was taken to be (stop / start / help / safe / need_help / text), and whether
                a person should read it

Statuses only move forward (``queued → sending → sent → failed → undelivered → delivered →
read``), so callbacks arriving late, twice or out of order leave the same result as in
order: the merge is a maximum. Callbacks for a SID not in the journal are kept (a callback
can overtake the dispatcher recording the SID) but count for no recipient unless the SID
turns up; ``emsg status`` shows how many there were.

Writes go through one writer thread that commits whatever has queued up in a single
transaction (group commit): each callback is on disk (``synchronous=FULL``) before it is
answered, without one disk flush per request. The store takes no campaign lock: ``emsg
listen`` runs while ``emsg send`` is still sending, and SQLite (WAL) lets both write.
"""

from __future__ import annotations

import datetime as dt
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from .journal import JournalError, check_columns
from .keywords import Classified
from .optouts import OptOutList, is_e164

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    sid TEXT PRIMARY KEY,
    status TEXT NOT NULL,            -- the furthest status reported
    rank INTEGER NOT NULL,
    error_code INTEGER,
    error_message TEXT,
    callbacks INTEGER NOT NULL DEFAULT 1,
    first_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY,
    message_sid TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL,
    recipient_id INTEGER,            -- NULL: the number is not in this campaign
    body TEXT NOT NULL,
    kind TEXT NOT NULL,              -- stop | start | help | safe | need_help | text
    language TEXT,                   -- the sender's language, as far as known
    needs_person INTEGER NOT NULL,   -- a person should read it
    received_at TEXT NOT NULL,
    channel TEXT                     -- sms | whatsapp | ... (Twilio's From prefix)
);
CREATE INDEX IF NOT EXISTS replies_phone ON replies (phone, id);
CREATE INDEX IF NOT EXISTS recipients_sid ON recipients (sid);
"""

#: Twilio's message statuses, in the order a message moves through them. The three
#: outcomes are ordered too, so that the merge of any callbacks is the same in any order:
#: a "delivered" report is never undone by a late "failed" or "undelivered".
RANK = {"accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
        "canceled": 5, "failed": 6, "undelivered": 7, "delivered": 8, "read": 9,
        "partially_delivered": 7, "receiving": 2, "received": 8}
FINAL = {"delivered": "delivered", "read": "delivered", "received": "delivered",
         "undelivered": "undelivered", "partially_delivered": "undelivered",
         "failed": "failed", "canceled": "failed"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StatusCallback:
    sid: str
    status: str
    error_code: int | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class Inbound:
    sid: str
    phone: str  # From, without its channel prefix (whatsapp:+504... is +504...)
    body: str
    channel: str = "sms"


@dataclass(frozen=True)
class StatusOutcome:
    #: updated | duplicate (same status again) | stale (behind what is known) | ignored
    #: (a status emsg does not know)
    result: str
    known: bool  # the SID belongs to a recipient of this campaign
    status: str | None = None  # the status now on record


@dataclass(frozen=True)
class InboundOutcome:
    duplicate: bool
    recipient_id: int | None
    language: str | None
    opted_out: OptOutList | None = None


class TrackingStore:
    """The journal as ``emsg listen`` writes it. Thread-safe; see the module docstring."""

    def __init__(self, path: str | Path, *, opt_outs: OptOutList | None = None,
                 durable: bool = True, max_batch: int = 512) -> None:
        self.path = str(path)
        self.opt_outs = opt_outs if opt_outs is not None else OptOutList()
        if not Path(self.path).exists():
            # listening may start before the campaign: create the journal emsg send will
            # fill, so that no early callback is lost
            from .journal import Journal

            Journal(self.path).close()
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None,
                                      check_same_thread=False, timeout=30)
            tables = {r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            if not {"meta", "texts", "recipients"} <= tables:
                self.db.close()
                raise JournalError("not a campaign journal (an SQLite file without emsg's "
                                   "tables)", path=self.path, field="--journal")
            try:
                check_columns(self.db, self.path)
            except JournalError:
                self.db.close()
                raise
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self.db.executescript(SCHEMA)
            if "channel" not in {r[1] for r in self.db.execute("PRAGMA table_info(replies)")}:
                self.db.execute("ALTER TABLE replies ADD COLUMN channel TEXT")
            self._meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            self._meta_read = time.monotonic()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot open journal ({exc})", path=self.path,
                               field="--journal") from None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._max_batch = max_batch
        self.batches = 0
        self._writer = threading.Thread(target=self._run, name="emsg-journal-writer",
                                        daemon=True)
        self._writer.start()

    # -- the campaign -----------------------------------------------------------------------

    @property
    def meta(self) -> dict[str, str]:
        """The campaign's identity and the decisions its send recorded (``type``,
        ``exercise``, ``allow_unreviewed`` ...). Empty while no campaign is in the journal:
        read again, through a connection of its own (the writer's is busy), on every call
        until the campaign is in and its send recorded ``allow_unreviewed``, then at most
        once a second (a resumed send may decide again)."""
        now = time.monotonic()
        settled = self._meta.get("ingested") == "1" and "allow_unreviewed" in self._meta
        if settled and now - self._meta_read < 1.0:
            return self._meta
        self._meta_read = now
        try:
            reader = sqlite3.connect(f"{Path(self.path).resolve().as_uri()}?mode=ro",
                                     uri=True, timeout=5)
            try:
                self._meta = dict(reader.execute("SELECT key, value FROM meta").fetchall())
            finally:
                reader.close()
        except sqlite3.Error:
            pass  # keep what was read last; the next request tries again
        return self._meta

    @property
    def safety_check(self) -> bool:
        return self.meta.get("type") == "safety_check"

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        if self.db is not None:
            self.db.close()
            self.db = None  # type: ignore[assignment]

    def __enter__(self) -> TrackingStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the writer -----------------------------------------------------------------------

    def submit(self, work: Callable[[sqlite3.Connection], object]) -> Future:
        """Run ``work(db)`` in the writer's next transaction; its result once committed."""
        future: Future = Future()
        self._queue.put((work, future))
        return future

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable, Future]]) -> None:
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            error = JournalError(f"cannot write journal ({exc})", path=self.path)
            for _, future in batch:
                future.set_exception(error)
            return
        results: list[tuple[Future, object, BaseException | None]] = []
        for work, future in batch:
            db.execute("SAVEPOINT one")
            try:
                value = work(db)
            except Exception as exc:  # handed to the request that asked; the batch goes on
                db.execute("ROLLBACK TO one")
                db.execute("RELEASE one")
                results.append((future, None, exc))
                continue
            db.execute("RELEASE one")
            results.append((future, value, None))
        try:
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            db.execute("ROLLBACK")
            error = JournalError(f"cannot write journal ({exc})", path=self.path)
            for future, _, _ in results:
                future.set_exception(error)
            return
        self.batches += 1
        for future, value, exc in results:
            if exc is None:
                future.set_result(value)
            else:
                future.set_exception(exc)

    # -- status callbacks -----------------------------------------------------------------

    def status_work(self, callback: StatusCallback) -> Callable[[sqlite3.Connection],
                                                                  StatusOutcome]:
        def work(db: sqlite3.Connection) -> StatusOutcome:
            known = db.execute("SELECT 1 FROM recipients WHERE sid=?",
                               (callback.sid,)).fetchone() is not None
            rank = RANK.get(callback.status)
            if rank is None:
                return StatusOutcome("ignored", known)
            now = _now()
            row = db.execute("SELECT status, rank FROM deliveries WHERE sid=?",
                             (callback.sid,)).fetchone()
            if row is None:
                db.execute("INSERT INTO deliveries (sid, status, rank, error_code, "
                           "error_message, first_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (callback.sid, callback.status, rank, callback.error_code,
                            callback.error_message, now, now))
                return StatusOutcome("updated", known, callback.status)
            status, current = row
            if rank > current:
                db.execute("UPDATE deliveries SET status=?, rank=?, error_code=?, "
                           "error_message=?, callbacks=callbacks+1, updated_at=? WHERE sid=?",
                           (callback.status, rank, callback.error_code,
                            callback.error_message, now, callback.sid))
                return StatusOutcome("updated", known, callback.status)
            db.execute("UPDATE deliveries SET callbacks=callbacks+1 WHERE sid=?",
                       (callback.sid,))
            return StatusOutcome("duplicate" if callback.status == status else "stale",
                                 known, status)
        return work

    def apply_status(self, callback: StatusCallback) -> StatusOutcome:
        return self.submit(self.status_work(callback)).result()

    # -- inbound messages -----------------------------------------------------------------

    def inbound_work(self, message: Inbound, classified: Classified,
                     guessed_language: str | None) -> Callable[[sqlite3.Connection],
                                                               InboundOutcome]:
        def work(db: sqlite3.Connection) -> InboundOutcome:
            if db.execute("SELECT 1 FROM replies WHERE message_sid=?",
                          (message.sid,)).fetchone():
                return InboundOutcome(True, None, None)
            found = db.execute("SELECT r.id, t.language FROM recipients r JOIN texts t "
                               "ON t.id = r.text_id WHERE r.phone=?",
                               (message.phone,)).fetchone()
            recipient_id, language = found if found else (None, guessed_language)
            now = _now()
            changed = None
            if classified.kind == "stop" and is_e164(message.phone):
                reason = "replied STOP" + (f" on {message.channel}"
                                           if message.channel != "sms" else "")
                self.opt_outs.add(message.phone, reason)
                db.execute("UPDATE recipients SET state='skipped', error='opted out (replied "
                           "STOP)', updated_at=? WHERE phone=? AND state='pending'",
                           (now, message.phone))
            elif classified.kind == "start" and message.phone in self.opt_outs:
                from .optins import opt_back_in

                changed = self.opt_outs = opt_back_in(self.opt_outs, message.phone,
                                                      "replied START")
            db.execute("INSERT INTO replies (message_sid, phone, recipient_id, body, kind, "
                       "language, needs_person, received_at, channel) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (message.sid, message.phone, recipient_id, message.body,
                        classified.kind, language, int(classified.needs_person), now,
                        message.channel))
            return InboundOutcome(False, recipient_id, language, changed)
        return work

    def record_inbound(self, message: Inbound, classified: Classified,
                       guessed_language: str | None = None) -> InboundOutcome:
        return self.submit(self.inbound_work(message, classified, guessed_language)).result()
