"""The journal's SQLite schema, and the changes that bring an older journal up to date.

Columns added after a journal was first written are added here with ``ALTER TABLE`` when
the journal is opened for writing (``emsg status`` reads old journals as they are).
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from .errors import InputError

STATES = ("pending", "sending", "sent", "failed", "unknown", "skipped")
#: states in which a recipient may still get a message from this campaign
OPEN_STATES = ("pending", "sending", "unknown")

SCHEMA_VERSION = "1"

SCHEMA = """
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
    inflight_until TEXT,             -- UTC, when that request's deadline passes
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


#: columns added since the first schema: (table, column, declaration)
_ADDED = [
    ("recipients", "name", "TEXT"),
    ("recipients", "inflight_until", "TEXT"),
]


def migrate(db: sqlite3.Connection) -> None:
    """Create what is missing: tables, views, and columns added since."""
    db.executescript(SCHEMA)
    for table, column, declaration in _ADDED:
        if column not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


#: columns an older emsg's journal lacks (added when it is next opened for writing)
_ADDED_LATER = {"recipients": {column for table, column, _ in _ADDED if table == "recipients"},
                "replies": {"channel"}}


@lru_cache(maxsize=1)
def _expected_columns() -> dict[str, set[str]]:
    """Table or view → the columns emsg reads, from the schemas themselves (the
    campaign's and the tracking tables of :mod:`messaging.tracking`)."""
    from .tracking import SCHEMA as TRACKING_SCHEMA

    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA + TRACKING_SCHEMA)
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
