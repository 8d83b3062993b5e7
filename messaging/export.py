"""``emsg export``: each recipient's outcome as a CSV a spreadsheet opens safely.

Replies are written by strangers (anyone can text the number), so every cell is treated as
hostile, following OWASP's CSV-injection guidance: every cell is quoted, and a cell whose
text, or any line inside it, begins with ``= + - @``, a tab or a carriage return (or their
full-width forms) is prefixed with ``'`` so that no spreadsheet runs it as a formula. A CR
or LF inside a quoted cell stays inside it for a CSV reader, but some spreadsheets split
rows there: guarding each line keeps a formula from starting the new row. That includes
the phone column (E.164 numbers begin with ``+``): ``'+529621234567`` is also what keeps a
spreadsheet from turning the number into 5.29621E+11.

Columns are named by what they mean, and a yes/no column is never left blank (a blank
``needs_person`` for "AYUDA" once read as "does not need help").
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import Iterable, Iterator
from typing import TextIO

from .tracking import FINAL
from .tracking_report import has_tracking, opted_out_phones

COLUMNS = ("line", "phone", "name", "language_as_written", "language", "message_language",
           "send_state", "message_sid", "delivery", "error_code", "error", "opted_out",
           "needs_help", "needs_a_person_to_read", "replies", "last_reply", "last_reply_at")

#: what makes a spreadsheet read a cell as a formula (OWASP), and the full-width forms
#: some spreadsheets also accept
_FORMULA = "=+-@\uff1d\uff0b\uff0d\uff20"
_LINE = re.compile(r"(\r\n|\r|\n)")


def guard(value: object) -> str:
    """``value`` as text no spreadsheet runs: each line that would start a formula
    (after leading spaces) gets a leading ``'``; so does a cell starting with a tab, CR
    or LF."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    parts = _LINE.split(text)
    for i in range(0, len(parts), 2):  # even indexes are lines, odd ones the breaks
        part = parts[i]
        if part.lstrip(" ")[:1] in tuple(_FORMULA) or (i == 0 and part[:1] == "\t"):
            parts[i] = "'" + part
    guarded = "".join(parts)
    return "'" + guarded if guarded[:1] in ("\r", "\n") else guarded


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def export_rows(db: sqlite3.Connection) -> Iterator[dict[str, object]]:
    """One row per recipient (then one per number not in the campaign that replied),
    with raw values; :func:`write_csv` guards them."""
    tracked = has_tracking(db)
    safety = dict(db.execute("SELECT key, value FROM meta")).get("type") == "safety_check"
    per_phone: dict[str, dict] = {}
    stopped: set[str] = set()
    if tracked:
        stopped = opted_out_phones(db)
        for phone, kind, body, at, flagged in db.execute(
                "SELECT phone, kind, body, received_at, needs_person FROM replies ORDER BY id"):
            p = per_phone.setdefault(phone, {"count": 0, "answer": None, "flagged": False,
                                             "last": "", "at": ""})
            p["count"] += 1
            p["last"], p["at"] = body, at
            p["flagged"] = p["flagged"] or bool(flagged)
            if kind in ("safe", "need_help"):
                p["answer"] = kind
            safety = safety or kind in ("safe", "need_help")

    def outcome(phone: str) -> dict[str, object]:
        p = per_phone.get(phone, {})
        answer = p.get("answer")
        if answer:
            needs_help = "yes" if answer == "need_help" else "no"
        else:
            needs_help = "no answer" if safety else "not asked"
        # an answer "I need help" goes to a person (the reply to it promises so)
        to_read = bool(p.get("flagged")) or answer == "need_help"
        return {"opted_out": "yes" if phone in stopped else "no", "needs_help": needs_help,
                "needs_a_person_to_read": "yes" if to_read else "no",
                "replies": p.get("count", 0), "last_reply": p.get("last", ""),
                "last_reply_at": p.get("at", "")}

    deliveries = "deliveries" if tracked else \
        "(SELECT NULL AS sid, NULL AS status, NULL AS error_code, NULL AS error_message)"
    name = "r.name" if "name" in _columns(db, "recipients") else "''"
    seen = set()
    for (line, phone, who, asked, language, used, state, sid, status, code, error) in \
            db.execute(
            f"SELECT r.line, r.phone, {name}, r.language_asked, t.language, t.language_used, "
            f"r.state, r.sid, d.status, coalesce(d.error_code, r.error_code), "
            f"coalesce(d.error_message, r.error) FROM recipients r "
            f"JOIN texts t ON t.id = r.text_id LEFT JOIN {deliveries} d ON d.sid = r.sid "
            f"ORDER BY r.id"):
        seen.add(phone)
        yield {"line": line, "phone": phone, "name": who or "", "language_as_written": asked,
               "language": language, "message_language": used,
               "send_state": state, "message_sid": sid or "",
               "delivery": (FINAL.get(status or "", status or "awaiting")
                            if state == "sent" else ""),
               "error_code": "" if code is None else code,
               "error": error or "",
               **outcome(phone)}
    for phone in per_phone:
        if phone not in seen:
            yield {"line": "", "phone": phone, "name": "", "language_as_written": "",
                   "language": "", "message_language": "", "send_state": "not in campaign",
                   "message_sid": "", "delivery": "", "error_code": "", "error": "",
                   **outcome(phone)}


def write_csv(stream: TextIO, rows: Iterable[dict[str, object]],
              columns: tuple[str, ...] = COLUMNS) -> int:
    """Write ``rows`` with every cell quoted and guarded; the number of rows written."""
    writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([guard(row.get(c)) for c in columns])
        count += 1
    return count
