"""What the status callbacks and replies in a journal say, for ``emsg status``.

Read-only, and works on a journal that has no tracking tables yet (nothing arrived): the
delivery section then shows what was sent. :mod:`messaging.tracking` writes these tables;
:mod:`messaging.export` turns them into a spreadsheet.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from .tracking import FINAL


def has_tracking(db: sqlite3.Connection) -> bool:
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {"deliveries", "replies"} <= names


def opted_out_phones(db: sqlite3.Connection) -> set[str]:
    """Numbers whose latest STOP/START reply is a STOP (so still opted out)."""
    return {r[0] for r in db.execute(
        "SELECT phone FROM replies WHERE id IN (SELECT max(id) FROM replies "
        "WHERE kind IN ('stop', 'start') GROUP BY phone) AND kind='stop'")}


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
    """What the callbacks and replies say, for ``emsg status``."""
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
    """Per recipient: the latest answer (safe / need help), else free text, else opted
    out (replied STOP: not someone who has yet to answer), else nothing."""
    replies: dict[str, list[tuple]] = {}
    for phone, kind, body, at, language in db.execute(
            "SELECT phone, kind, body, received_at, language FROM replies "
            "WHERE kind NOT IN ('stop', 'start', 'help') ORDER BY id"):
        replies.setdefault(phone, []).append((kind, body, at, language))
    stopped = opted_out_phones(db)
    need_help, unclear, safe, no_answer, opted_out, unknown = [], [], [], [], [], []
    in_campaign = set()
    for phone, language, state, status in db.execute(
            "SELECT r.phone, t.language, r.state, d.status FROM recipients r "
            "JOIN texts t ON t.id = r.text_id LEFT JOIN deliveries d ON d.sid = r.sid "
            "ORDER BY r.id"):
        in_campaign.add(phone)
        mine = replies.get(phone)
        item = {"phone": phone, "language": language}
        if not mine:
            if phone in stopped:
                opted_out.append(item)
            elif state == "sent":
                no_answer.append({**item, "delivery": status or "sent"})
            continue
        _place(item, mine, need_help, safe, unclear)
    for phone, mine in replies.items():
        if phone not in in_campaign:
            item = {"phone": phone, "language": mine[-1][3], "in_campaign": False}
            _place(item, mine, need_help, safe, unclear)
            unknown.append(phone)
    return {"need_help": need_help, "unclear": unclear, "safe": safe, "no_answer": no_answer,
            "opted_out": opted_out,
            "counts": {"need_help": len(need_help), "unclear": len(unclear),
                       "safe": len(safe), "no_answer": len(no_answer),
                       "opted_out": len(opted_out)},
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
