"""Signals sent to a real `emsg send` subprocess: SIGTERM and SIGHUP stop as gently as
Ctrl-C; a second Ctrl-C stops at once and leaves the requests in flight unknown."""

from __future__ import annotations

import signal
import sys

import pytest

from messaging.journal import Journal

from .fake_twilio import FakeTwilio
from .test_dispatch import _spawn, _wait_for, people, phones

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_gracefully_and_a_rerun_finishes(tmp_path, signum, status):
    numbers = phones(40)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    with FakeTwilio(latency=0.3) as fake:
        proc = _spawn(csv, journal, fake.env(), tmp_path)
        _wait_for(lambda: len(fake.received) >= 8)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == status, err
        assert "stopping; no new messages" in err
        assert "Interrupted." in err and "run the same command again to resume" in err
        assert "Traceback" not in err
        with Journal(journal, readonly=True) as j:
            states = j.summary().states
        # requests in flight finished and were recorded: nothing left sending or unknown
        assert states["sending"] == 0 and states["unknown"] == 0
        assert states["sent"] == len(fake.received) < 40
        final = _spawn(csv, journal, fake.env(), tmp_path)
        final.communicate(timeout=120)
        assert final.returncode == 0
        assert fake.counts() == {p: 1 for p in numbers}


def test_a_second_ctrl_c_stops_at_once_and_nobody_is_texted_twice(tmp_path):
    numbers = phones(8)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    options = ("--timeout", "5", "--settle", "1")
    with FakeTwilio.slow(3.0) as fake:
        proc = _spawn(csv, journal, fake.env(), tmp_path, *options)
        _wait_for(lambda: len(fake.posts) >= 4)
        proc.send_signal(signal.SIGINT)
        seen = []
        for line in proc.stderr:  # wait until the first Ctrl-C was handled
            seen.append(line)
            if "stopping; no new messages" in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        err = "".join(seen) + err
        assert proc.returncode == 130, err
        assert "Stopping at once" in err and "Traceback" not in err
        # It did not wait: the 4 requests in flight had not been created yet, and their
        # rows are unknown, to be looked up before anything is sent again.
        assert fake.received == []
        with Journal(journal, readonly=True) as j:
            states = j.summary().states
        assert states["unknown"] + states["sending"] == 4
        final = _spawn(csv, journal, fake.env(), tmp_path, *options)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err
        assert len(fake.posts) == 8
        assert fake.counts() == {p: 1 for p in numbers}

