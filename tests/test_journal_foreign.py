"""A file with emsg's table names but other columns is refused in one line by every command
that opens a journal, and left as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from messaging.cli import cli

TOKEN = "test-auth-token-0123456789abcdef"

#: the names emsg uses, with another program's columns
FOREIGN = """
CREATE TABLE meta (key TEXT, value TEXT);
CREATE TABLE texts (id INTEGER PRIMARY KEY, body TEXT);
CREATE TABLE recipients (id INTEGER PRIMARY KEY, phone TEXT, language_asked TEXT);
CREATE TABLE rejected (line INTEGER, why TEXT);
CREATE VIEW messages AS SELECT id, phone FROM recipients;
INSERT INTO recipients (phone, language_asked) VALUES ('+529621234567', 'es');
"""


def foreign_journal(tmp_path: Path, script: str = FOREIGN) -> Path:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(script)
    db.close()
    return path


def dump(path: Path) -> list:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    db.close()
    return rows


def commands(journal: Path, tmp_path: Path) -> dict[str, list[str]]:
    people = tmp_path / "people.csv"
    people.write_text("phone,language\n+529621234567,es\n", encoding="utf-8")
    return {
        "status": ["status", "--journal", str(journal)],
        "status-json": ["status", "--journal", str(journal), "--format", "json"],
        "export": ["export", "--journal", str(journal), "-o", str(tmp_path / "out.csv")],
        "listen": ["listen", "--journal", str(journal), "--public-url", "https://example.org",
                   "--port", "0"],
        "send": ["send", "early_warning", "--scenario", "hurricane-tapachula", "--recipients",
                 str(people), "--journal", str(journal), "--exercise", "--var",
                 "expires=2099-09-16T18:00:00-06:00"],
    }


@pytest.mark.parametrize("command", ["status", "status-json", "export", "listen", "send"])
def test_emsgs_table_names_with_other_columns_is_one_line(command, runner, tmp_path):
    journal = foreign_journal(tmp_path)
    before = dump(journal)
    result = runner.invoke(cli, commands(journal, tmp_path)[command],
                           env={"TWILIO_AUTH_TOKEN": TOKEN})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"Error: {journal}: --journal: not a campaign journal")
    assert "table 'recipients' has no column" in result.output or \
        "table 'texts' has no column" in result.output or \
        "table 'rejected' has no column" in result.output
    assert dump(journal) == before
    assert not (tmp_path / "out.csv").exists()


def test_foreign_tracking_tables_are_refused_too(runner, tmp_path, renderer, hurricane):
    """A real journal whose 'replies' table is someone else's: status and export refuse it
    in one line instead of failing on a missing column."""
    from messaging.campaign import Campaign, prepare
    from messaging.journal import Journal

    people = tmp_path / "people.csv"
    people.write_text("phone,language\n+529621234567,es\n", encoding="utf-8")
    journal = tmp_path / "j.sqlite"
    scenario = hurricane.with_overrides(("expires=2099-09-16T18:00:00-06:00",))
    with Journal(journal, durable=False) as j:
        prepare(j, renderer, Campaign("early_warning", renderer.facts("early_warning",
                                                                      scenario),
                                      people, True, "drafts", region="MX"))
    with sqlite3.connect(journal) as db:
        db.execute("CREATE TABLE replies (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("CREATE TABLE deliveries (sid TEXT)")
    db.close()
    for args in (["status", "--journal", str(journal)],
                 ["export", "--journal", str(journal), "-o", str(tmp_path / "o.csv")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
        assert "not a campaign journal: its table 'deliveries' has no column" in \
            result.output or "its table 'replies' has no column" in result.output
