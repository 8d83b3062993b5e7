"""What ``emsg status`` and ``emsg send`` print about a journal: counts by state and language."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from .journal_schema import OPEN_STATES, STATES


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
    #: per state but sent: the latest error, its code and time, rows with an error
    errors: dict[str, dict] = field(default_factory=dict)

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
            "last_errors": self.errors,
        }


def summarise(db: sqlite3.Connection, path: str) -> Summary:
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
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    return Summary(path, meta, states, languages, segments, kinds.get("invalid", 0),
                   kinds.get("duplicate", 0), fell_back, unreviewed, failures,
                   last_errors(db))


def last_errors(db: sqlite3.Connection) -> dict[str, dict]:
    """For each state but ``sent``: the latest error recorded, when, and how many rows of
    that state carry an error (why recipients are pending, unknown or failed)."""
    found: dict[str, dict] = {}
    for state in STATES:
        if state == "sent":
            continue
        row = db.execute("SELECT error, error_code, updated_at FROM recipients "
                         "WHERE state=? AND error IS NOT NULL "
                         "ORDER BY updated_at DESC LIMIT 1", (state,)).fetchone()
        if row is None:
            continue
        n = db.execute("SELECT count(*) FROM recipients WHERE state=? AND error IS NOT NULL",
                       (state,)).fetchone()[0]
        found[state] = {"error": row[0], "code": row[1], "at": row[2], "rows": n}
    return found

