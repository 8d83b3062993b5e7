"""Bounded memory for drafts without --journal, and honest progress."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from messaging.cli import cli
from messaging.cli_progress import Progress
from messaging.journal import Journal

from .fake_twilio import FakeTwilio
from .test_dispatch import live_args, people, phones, send_args


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_drafts_without_a_journal_go_through_disk_and_leave_nothing(tmp_path, runner,
                                                                    monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    journal = Journal.scratch()
    assert Path(journal.path).is_file() and Path(journal.path).parent.parent == scratch
    journal.close()
    assert list(scratch.iterdir()) == []
    result = runner.invoke(cli, send_args(people(tmp_path, phones(5))))
    assert result.exit_code == 0, result.output
    assert "Summary: 5 recipient(s); drafted 5" in result.stdout
    assert list(scratch.iterdir()) == []


def test_progress_counts_finished_sends_only():
    progress = Progress(3, show=False)
    for outcome in ("pending", "unknown", "sent", "failed", "skipped"):
        progress.update(outcome, None)
    assert progress.done == 3  # cancelled or unsettled work is not progress
    progress.event("retry", {"why": "throttled"})
    progress.event("waiting", {"why": "rate limit", "seconds": 0.5})
    assert progress.summary_line() == ("Retries: 1 429; waited 0.5 s for the rate limit "
                                       "(summed over the workers)")


def test_retries_are_shown(tmp_path, runner):
    numbers = phones(6)
    with FakeTwilio() as fake:
        fake.fail_next(429, 20429, count=3)
        fake.fail_next(503, None, count=2)
        result = runner.invoke(cli, live_args(people(tmp_path, numbers), tmp_path / "j.sqlite",
                                              "--concurrency", "1"), env=fake.env())
        assert result.exit_code == 0, result.output
        assert "Retries: 3 429, 2 5xx" in result.stderr
        assert fake.counts() == {p: 1 for p in numbers}
