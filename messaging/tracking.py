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
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from .journal import JournalError
from .keywords import Classified
from .optouts import OptOutList

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
    received_at TEXT NOT NULL
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
    phone: str  # From
    body: str


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
        if not Path(self.path).is_file():
            raise JournalError("journal not found (emsg send creates it)", path=self.path,
                               field="--journal")
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None,
                                      check_same_thread=False, timeout=30)
            tables = {r[0] for r in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            if not {"meta", "texts", "recipients"} <= tables:
                self.db.close()
                raise JournalError("not a campaign journal (an SQLite file without emsg's "
                                   "tables)", path=self.path, field="--journal")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self.db.executescript(SCHEMA)
            self.meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot open journal ({exc})", path=self.path,
                               field="--journal") from None
        self.safety_check = self.meta.get("type") == "safety_check"
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._max_batch = max_batch
        self.batches = 0
        self._writer = threading.Thread(target=self._run, name="emsg-journal-writer",
                                        daemon=True)
        self._writer.start()

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
            if classified.kind == "stop":
                self.opt_outs.add(message.phone, "replied STOP")
                db.execute("UPDATE recipients SET state='skipped', error='opted out (replied "
                           "STOP)', updated_at=? WHERE phone=? AND state='pending'",
                           (now, message.phone))
            elif classified.kind == "start" and message.phone in self.opt_outs:
                from .optins import opt_back_in

                changed = self.opt_outs = opt_back_in(self.opt_outs, message.phone,
                                                      "replied START")
            db.execute("INSERT INTO replies (message_sid, phone, recipient_id, body, kind, "
                       "language, needs_person, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (message.sid, message.phone, recipient_id, message.body,
                        classified.kind, language, int(classified.needs_person), now))
            return InboundOutcome(False, recipient_id, language, changed)
        return work

    def record_inbound(self, message: Inbound, classified: Classified,
                       guessed_language: str | None = None) -> InboundOutcome:
        return self.submit(self.inbound_work(message, classified, guessed_language)).result()


# -- reading --------------------------------------------------------------------------------

def has_tracking(db: sqlite3.Connection) -> bool:
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {"deliveries", "replies"} <= names


@dataclass
class TrackingReport:
    #: per language: delivered / undelivered / failed / awaiting (sent, no final status
    #: yet) and Twilio error codes (failures at send time included)
    delivery: dict[str, dict] = field(default_factory=dict)
    callbacks: int = 0
    unmatched_callbacks: int = 0  # callbacks for SIDs no recipient has
    opted_out: list[dict] = field(default_factory=list)  # replied STOP (and not START)
    to_read: list[dict] = field(default_factory=list)  # replies flagged for a person
    safety_check: dict | None = None

    def to_dict(self) -> dict:
        return {"delivery": self.delivery, "callbacks": self.callbacks,
                "unmatched_callbacks": self.unmatched_callbacks,
                "replied_stop": self.opted_out, "replies_to_read": self.to_read,
                "safety_check": self.safety_check}


def tracking_report(db: sqlite3.Connection, *, campaign_type: str | None = None
                    ) -> TrackingReport:
    """What the callbacks and replies say, for ``emsg status``. Works on a journal that
    has no tracking tables yet (nothing arrived): delivery then shows what was sent."""
    report = TrackingReport()
    tracked = has_tracking(db)
    deliveries = "deliveries" if tracked else \
        "(SELECT NULL AS sid, NULL AS status, NULL AS error_code, 0 AS callbacks)"
    for language, state, status, code, n in db.execute(
            f"SELECT t.language, r.state, d.status, coalesce(d.error_code, r.error_code), "
            f"count(*) FROM recipients r JOIN texts t ON t.id = r.text_id "
            f"LEFT JOIN {deliveries} d ON d.sid = r.sid "
            f"WHERE r.state IN ('sent', 'failed') "
            f"GROUP BY t.language, r.state, d.status, coalesce(d.error_code, r.error_code) "
            f"ORDER BY t.id"):
        entry = report.delivery.setdefault(language, {
            "messages": 0, "delivered": 0, "undelivered": 0, "failed": 0, "awaiting": 0,
            "error_codes": {}})
        outcome = "failed" if state == "failed" else FINAL.get(status or "", "awaiting")
        entry["messages"] += n
        entry[outcome] += n
        if code is not None and outcome != "delivered":
            codes = entry["error_codes"]
            codes[str(code)] = codes.get(str(code), 0) + n
    if not tracked:
        return report
    report.callbacks = db.execute("SELECT coalesce(sum(callbacks), 0) FROM deliveries")\
        .fetchone()[0]
    report.unmatched_callbacks = db.execute(
        "SELECT coalesce(sum(callbacks), 0) FROM deliveries d WHERE NOT EXISTS "
        "(SELECT 1 FROM recipients r WHERE r.sid = d.sid)").fetchone()[0]
    for phone, language, body, at in db.execute(
            "SELECT phone, language, body, received_at FROM replies WHERE id IN "
            "(SELECT max(id) FROM replies WHERE kind IN ('stop', 'start') GROUP BY phone) "
            "AND kind='stop' ORDER BY id"):
        report.opted_out.append({"phone": phone, "language": language, "reply": body,
                                 "at": at})
    for phone, language, body, kind, at, rid in db.execute(
            "SELECT phone, language, body, kind, received_at, recipient_id FROM replies "
            "WHERE needs_person ORDER BY id"):
        report.to_read.append({"phone": phone, "language": language, "reply": body,
                               "taken_as": kind, "at": at, "in_campaign": rid is not None})
    if campaign_type == "safety_check" or db.execute(
            "SELECT 1 FROM replies WHERE kind IN ('safe', 'need_help') LIMIT 1").fetchone():
        report.safety_check = _safety(db)
    return report


def _safety(db: sqlite3.Connection) -> dict:
    """Per recipient: the latest answer (safe / need help), else free text, else nothing."""
    replies: dict[str, list[tuple]] = {}
    for phone, kind, body, at, language in db.execute(
            "SELECT phone, kind, body, received_at, language FROM replies "
            "WHERE kind NOT IN ('stop', 'start', 'help') ORDER BY id"):
        replies.setdefault(phone, []).append((kind, body, at, language))
    need_help, unclear, safe, no_answer, unknown = [], [], [], [], []
    in_campaign = set()
    for phone, language, state, status in db.execute(
            "SELECT r.phone, t.language, r.state, d.status FROM recipients r "
            "JOIN texts t ON t.id = r.text_id LEFT JOIN deliveries d ON d.sid = r.sid "
            "ORDER BY r.id"):
        in_campaign.add(phone)
        mine = replies.get(phone)
        item = {"phone": phone, "language": language}
        if not mine:
            if state == "sent":
                no_answer.append({**item, "delivery": status or "sent"})
            continue
        _place(item, mine, need_help, safe, unclear)
    for phone, mine in replies.items():
        if phone not in in_campaign:
            item = {"phone": phone, "language": mine[-1][3], "in_campaign": False}
            _place(item, mine, need_help, safe, unclear)
            unknown.append(phone)
    return {"need_help": need_help, "unclear": unclear, "safe": safe, "no_answer": no_answer,
            "counts": {"need_help": len(need_help), "unclear": len(unclear),
                       "safe": len(safe), "no_answer": len(no_answer)},
            "from_numbers_not_in_campaign": len(unknown)}


def _place(item: dict, mine: list[tuple], need_help: list, safe: list, unclear: list) -> None:
    answers = [r for r in mine if r[0] in ("safe", "need_help")]
    item["replies"] = [{"text": body, "at": at} for _, body, at, _ in mine]
    if not answers:
        unclear.append(item)
    elif answers[-1][0] == "need_help":
        need_help.append(item)
    else:
        safe.append(item)


# -- export ---------------------------------------------------------------------------------

EXPORT_COLUMNS = ("line", "phone", "language", "language_used", "send_state", "sid",
                  "delivery", "error_code", "error", "opted_out", "check_in",
                  "needs_person", "replies", "last_reply", "last_reply_at")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    """Free text as a spreadsheet shows it, never as a formula (CSV injection)."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA) else text


def export_rows(db: sqlite3.Connection) -> Iterator[dict[str, object]]:
    """One row per recipient (then one per number not in the campaign that replied)."""
    tracked = has_tracking(db)
    per_phone: dict[str, dict] = {}
    if tracked:
        for phone, kind, body, at, flagged in db.execute(
                "SELECT phone, kind, body, received_at, needs_person FROM replies ORDER BY id"):
            p = per_phone.setdefault(phone, {"count": 0, "stop": None, "answer": "",
                                             "needs_person": False, "last": "", "at": ""})
            p["count"] += 1
            p["last"], p["at"] = body, at
            p["needs_person"] = p["needs_person"] or bool(flagged)
            if kind in ("stop", "start"):
                p["stop"] = kind == "stop"
            elif kind in ("safe", "need_help"):
                p["answer"] = kind
    deliveries = "deliveries" if tracked else \
        "(SELECT NULL AS sid, NULL AS status, NULL AS error_code, NULL AS error_message)"
    seen = set()
    for (line, phone, language, used, state, sid, status, code, error) in db.execute(
            f"SELECT r.line, r.phone, t.language, t.language_used, r.state, r.sid, "
            f"d.status, coalesce(d.error_code, r.error_code), "
            f"coalesce(d.error_message, r.error) FROM recipients r "
            f"JOIN texts t ON t.id = r.text_id LEFT JOIN {deliveries} d ON d.sid = r.sid "
            f"ORDER BY r.id"):
        seen.add(phone)
        p = per_phone.get(phone, {})
        yield {"line": line, "phone": phone, "language": language, "language_used": used,
               "send_state": state, "sid": sid or "",
               "delivery": FINAL.get(status or "", status or "") if state == "sent" else "",
               "error_code": "" if code is None else code, "error": _cell(error),
               "opted_out": "yes" if p.get("stop") else "",
               "check_in": p.get("answer", ""),
               "needs_person": "yes" if p.get("needs_person") else "",
               "replies": p.get("count", 0), "last_reply": _cell(p.get("last")),
               "last_reply_at": p.get("at", "")}
    for phone, p in per_phone.items():
        if phone in seen:
            continue
        yield {"line": "", "phone": phone, "language": "", "language_used": "",
               "send_state": "not in campaign", "sid": "", "delivery": "", "error_code": "",
               "error": "", "opted_out": "yes" if p["stop"] else "", "check_in": p["answer"],
               "needs_person": "yes" if p["needs_person"] else "", "replies": p["count"],
               "last_reply": _cell(p["last"]), "last_reply_at": p["at"]}

