"""Exactly once when Twilio is slow: settle before reconciling, a total deadline per request.

The fake runs in slow mode (``FakeTwilio.slow``): a message is created only when the
provider's latency has passed, whether or not the client still waits, as real Twilio
under load can. Reading the message list sooner finds nothing.
"""

from __future__ import annotations

import datetime as dt
import signal

import pytest

from messaging.backends import UncertainOutcome
from messaging.backends.memory import MemoryBackend
from messaging.cli import cli
from messaging.dispatch import DispatchOptions
from messaging.journal import Journal

from .fake_twilio import FakeTwilio, Received
from .test_dispatch import (
    _spawn,
    _wait_for,
    live_args,
    people,
    phones,
    run_campaign,
    twilio_backend,
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def slow():
    with FakeTwilio.slow(3.0) as server:
        yield server


def test_kill_9_with_requests_in_flight_then_an_immediate_resume(tmp_path, slow):
    numbers = phones(8)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    options = ("--timeout", "4", "--settle", "1")
    proc = _spawn(csv, journal, slow.env(), tmp_path, *options)
    _wait_for(lambda: len(slow.posts) >= 4)  # 4 in flight, none created yet
    assert slow.received == []
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    with Journal(journal, readonly=True) as j:
        assert j.summary().states["sending"] == 4
    again = _spawn(csv, journal, slow.env(), tmp_path, *options)  # at once
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert slow.counts() == {p: 1 for p in numbers}  # nobody texted twice, nobody missed
    assert len(slow.posts) == 8
    with Journal(journal, readonly=True) as j:
        assert j.summary().states["sent"] == 8


def test_a_timeout_shorter_than_the_latency_texts_nobody_twice(tmp_path, runner, slow):
    numbers = phones(4)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    result = runner.invoke(cli, live_args(csv, journal, "--timeout", "1", "--settle", "3",
                                          "--concurrency", "4"), env=slow.env())
    assert result.exit_code == 0, result.output
    assert slow.counts() == {p: 1 for p in numbers}
    assert len(slow.posts) == 4  # looked up, never sent again
    assert "4 unknown outcome" in result.stderr
    assert "message(s) whose outcome is unknown to settle" in result.stderr
    with Journal(journal, readonly=True) as j:
        assert j.summary().states["sent"] == 4


class LateBackend(MemoryBackend):
    """Accepts every message but says so only through its list, and only on the second
    look: what a provider that is slow to show a message does."""

    def __init__(self) -> None:
        super().__init__()
        self.looks = 0

    def send(self, message):
        super().send(message)
        raise UncertainOutcome("timed out")

    def find_sent(self, to, body, since):
        self.looks += 1
        return None if self.looks == 1 else super().find_sent(to, body, since)


def test_a_second_look_before_concluding_not_sent(tmp_path, renderer, hurricane):
    numbers = phones(1)
    csv = people(tmp_path, numbers)
    backend = LateBackend()
    options = DispatchOptions(concurrency=1, settle=0.05, backoff_base=0.01)
    report, summary = run_campaign(tmp_path, renderer, hurricane, backend, csv, options)
    assert backend.looks == 2 and backend.sent_to(numbers[0]) == 1
    assert report.reconciled == {"found": 1} and summary.states["sent"] == 1


def test_reconciliation_pages_through_the_list_and_matches_the_body(fake_and_backend):
    fake, backend = fake_and_backend
    to, body = "+529621000001", "SIMULACRO: evacúe ahora"
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def add(text, when):
        fake.received.append(Received(f"SM{len(fake.received):032x}", to, text,
                                      "+15005550006", None, {}, when, 0.0))

    add("an older message with the same body", since - dt.timedelta(hours=1))
    add(body, created)
    for n in range(250):  # newer messages to the same number: three pages of them
        add(f"another message {n}", created)
    assert backend.find_sent(to, body, since) == "SM" + f"{1:032x}"
    assert backend.find_sent(to, "a body never sent", since) is None
    # the same text as Twilio may store it (decomposed accent, other line breaks)
    assert backend.find_sent(to, "SIMULACRO:\n evacu\u0301e ahora", since) is not None


@pytest.fixture
def fake_and_backend():
    with FakeTwilio() as fake:
        yield fake, twilio_backend(fake, timeout=(2.0, 5.0))


def test_a_trickling_answer_is_cut_at_the_total_deadline(fake_and_backend):
    """One byte every 50 ms never trips a per-read timeout; the deadline (1 s) cuts it."""
    fake, _ = fake_and_backend
    backend = twilio_backend(fake, timeout=(2.0, 1.0))
    fake.trickle_next(1, 0.05)
    with pytest.raises(UncertainOutcome, match="timed out"):
        backend.send(_message())
    assert len(fake.received) == 1  # it went out: reconcile, never resend at once


def test_an_oversize_answer_is_refused(fake_and_backend):
    fake, backend = fake_and_backend
    fake.huge_next(1, 8 << 20)
    with pytest.raises(UncertainOutcome, match="bytes"):
        backend.send(_message())


def _message():
    from messaging.backends import Outgoing

    return Outgoing(to="+529621000001", body="Hola", segments=1, language="es")
