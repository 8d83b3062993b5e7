"""The campaign journal: states, one transaction per ingest, resuming, locking, emsg status."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from messaging.campaign import Campaign, prepare
from messaging.cli import cli
from messaging.journal import OPEN_STATES, Journal, JournalError

IDENTITY = {"type": "early_warning", "exercise": "yes", "backend": "twilio"}


def fill(journal: Journal, phones: list[str], identity=IDENTITY) -> None:
    with journal.ingest(identity) as ingest:
        es = ingest.add_text("es", "es", "Hola", "GSM-7", 1, True)
        for line, phone in enumerate(phones, start=2):
            ingest.add(line, phone, "es", False, es)


def test_states_move_as_the_dispatcher_says(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        fill(journal, ["+529621000001", "+529621000002", "+529621000003"])
        rows = list(journal.rows(OPEN_STATES))
        assert [r.state for r in rows] == ["pending"] * 3
        first = journal.claim(rows[0].id)
        assert first is not None
        assert journal.claim(rows[0].id) is None  # already sending: not claimable
        journal.mark_sent(rows[0].id, "SM1")
        journal.claim(rows[1].id)
        journal.mark_failed(rows[1].id, 21211, "invalid number")
        journal.claim(rows[2].id)
        journal.mark_unknown(rows[2].id, "timed out")
        assert journal.claim(rows[2].id) is not None  # unknown may be tried again
        record = journal.get(rows[0].id)
        assert record["state"] == "sent" and record["sid"] == "SM1"
        assert record["text"] == "Hola" and record["segments"] == 1
        assert record["first_attempt_at"] == record["attempt_at"]
        assert journal.get(rows[1].id)["error_code"] == 21211
        assert journal.state_of("+529621000003") == "sending"


def test_a_row_left_sending_is_still_open_after_reopening(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        fill(journal, ["+529621000001"])
        row = next(journal.rows(OPEN_STATES))
        journal.claim(row.id)
    # The process died here, mid-request.
    with Journal(path) as journal:
        rows = list(journal.rows(OPEN_STATES))
        assert [(r.state, r.attempts) for r in rows] == [("sending", 1)]
        assert rows[0].first_attempt_at is not None


def test_ingest_is_one_transaction(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        with pytest.raises(RuntimeError):
            with journal.ingest(IDENTITY) as ingest:
                text = ingest.add_text("es", "es", "Hola", "GSM-7", 1, False)
                ingest.add(2, "+529621000001", "es", False, text)
                raise RuntimeError("killed mid-ingest")
        assert not journal.ingested
        assert journal.summary().recipients == 0
        fill(journal, ["+529621000001"])
        assert journal.ingested and journal.summary().recipients == 1


def test_duplicates_are_collapsed_and_remembered(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        fill(journal, ["+529621000001", "+529621000002", "+529621000001"])
        summary = journal.summary()
        assert summary.recipients == 2 and summary.duplicates == 1
        assert journal.rejected() == [{"line": 4, "field": "phone", "value": "+529621000001",
                                       "reason": "duplicate of line 2 (+529621000001)",
                                       "kind": "duplicate"}]


def test_texts_are_stored_once_per_language(tmp_path, renderer, hurricane):
    csv = tmp_path / "people.csv"
    csv.write_text("phone,language\n" + "".join(
        f"+52962100{n:04d},{lang}\n" for n in range(300) for lang in [("es", "ht", "quc")[n % 3]]),
        encoding="utf-8")
    campaign = Campaign("early_warning", renderer.facts("early_warning", hurricane), csv,
                        True, "drafts", region="MX")
    with Journal(tmp_path / "j.sqlite") as journal:
        prepared = prepare(journal, renderer, campaign)
        assert prepared.added == 300 and not prepared.resumed
        texts = journal.texts()
        assert sorted(t.language for t in texts) == ["es", "ht", "quc"]
        summary = journal.summary()
        assert {k: v["recipients"] for k, v in summary.languages.items()} == {
            "es": 100, "ht": 100, "quc": 100}
        assert summary.segments["total"] == sum(100 * t.segments for t in texts)
        again = prepare(journal, renderer, campaign)
        assert again.resumed and journal.summary().recipients == 300


def test_a_journal_refuses_another_campaign(tmp_path, renderer, hurricane):
    csv = tmp_path / "people.csv"
    csv.write_text("phone,language\n+529621000001,es\n", encoding="utf-8")
    facts = renderer.facts("early_warning", hurricane)
    with Journal(tmp_path / "j.sqlite") as journal:
        prepare(journal, renderer, Campaign("early_warning", facts, csv, True, "twilio"))
        changed = renderer.facts("early_warning", hurricane.with_overrides(
            ["onset=2026-09-15T20:00:00-06:00"]))
        with pytest.raises(JournalError, match="scenario's facts or the message changed"):
            prepare(journal, renderer, Campaign("early_warning", changed, csv, True, "twilio"))
        with pytest.raises(JournalError, match="backend was 'twilio', now 'drafts'"):
            prepare(journal, renderer, Campaign("early_warning", facts, csv, True, "drafts"))
        csv.write_text("phone,language\n+529621000002,es\n", encoding="utf-8")
        with pytest.raises(JournalError, match="recipients file changed"):
            prepare(journal, renderer, Campaign("early_warning", facts, csv, True, "twilio"))


def test_one_process_at_a_time(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path):
        with pytest.raises(JournalError, match="another emsg process is using this journal"):
            Journal(path)
        with Journal(path, readonly=True) as reader:  # emsg status may look meanwhile
            assert reader.summary().recipients == 0
    Journal(path).close()  # released


def test_unwritable_or_foreign_journals(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(JournalError, match="cannot write journal") as info:
        Journal(blocker / "j.sqlite")
    assert str(blocker / "j.sqlite") in str(info.value)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database at all, just some bytes" * 100)
    with pytest.raises(JournalError, match="cannot open journal"):
        Journal(garbage)
    with pytest.raises(JournalError, match="not a campaign journal"):
        Journal(garbage, readonly=True)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(JournalError, match="without emsg's tables"):
        Journal(other, readonly=True)
    with pytest.raises(JournalError, match="journal not found"):
        Journal(tmp_path / "missing.sqlite", readonly=True)
    assert not (tmp_path / "missing.sqlite").exists()


def test_status_summarises_by_state_and_language(tmp_path, runner):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        fill(journal, ["+529621000001", "+529621000002", "+529621000003"])
        rows = list(journal.rows(OPEN_STATES))
        journal.claim(rows[0].id)
        journal.mark_sent(rows[0].id, "SM1")
        journal.claim(rows[1].id)
        journal.mark_failed(rows[1].id, 21610, "unsubscribed")
    result = runner.invoke(cli, ["status", "--journal", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["states"] == {"pending": 1, "sending": 0, "sent": 1, "failed": 1,
                              "unknown": 0, "skipped": 0}
    assert data["languages"]["es"]["recipients"] == 3
    assert data["languages"]["es"]["sent"] == 1
    assert data["failures_by_code"] == {"21610": 1}
    assert data["campaign"]["type"] == "early_warning"
    text = runner.invoke(cli, ["status", "--journal", str(path)])
    assert text.exit_code == 0
    assert "Summary: 3 recipient(s); sent 1, failed 1" in text.output
    assert "failures by Twilio code: 21610 x1" in text.output


def test_status_of_a_missing_journal_is_one_line(tmp_path, runner):
    result = runner.invoke(cli, ["status", "--journal", str(tmp_path / "nope.sqlite")])
    assert result.exit_code == 2
    assert result.output.strip() == \
        f"Error: {tmp_path / 'nope.sqlite'}: --journal: journal not found"


def test_one_sender_whatever_the_path(tmp_path, monkeypatch):
    """A symlink, a relative path from another folder: the same file, the same lock."""
    path = tmp_path / "j.sqlite"
    link = tmp_path / "elsewhere" / "link.sqlite"
    link.parent.mkdir()
    with Journal(path) as journal:
        fill(journal, ["+529621000001"])
        link.symlink_to(path)
        with pytest.raises(JournalError,
                           match=r"another emsg process is using this journal \(pid \d+ on "):
            Journal(link)
        monkeypatch.chdir(link.parent)
        with pytest.raises(JournalError, match="the same file, whatever the path"):
            Journal("../j.sqlite")
    with Journal(link) as journal:  # released: the symlink opens the same journal
        assert journal.summary().recipients == 1


def test_a_hard_linked_journal_is_refused_for_sending(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        fill(journal, ["+529621000001"])
    os.link(path, tmp_path / "hard.sqlite")
    for name in ("j.sqlite", "hard.sqlite"):
        with pytest.raises(JournalError, match="2 hard links"):
            Journal(tmp_path / name)
    with Journal(tmp_path / "hard.sqlite", readonly=True) as reader:
        assert reader.summary().recipients == 1
