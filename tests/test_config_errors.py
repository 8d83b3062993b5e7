"""Configuration errors stop the run: one line naming the cause and what to check, exit 2,
every recipient left pending (never failed), and emsg status shows the last error."""

from __future__ import annotations

import json

import pytest

from messaging.cli import cli
from messaging.journal import Journal

from .fake_twilio import FakeTwilio
from .test_dispatch import live_args, people, phones


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def errors(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error:")]


def assert_all_pending(journal, n: int) -> None:
    with Journal(journal, readonly=True) as j:
        states = j.summary().states
    assert states["pending"] == n and states["failed"] == 0 and states["sending"] == 0


@pytest.mark.parametrize("fault", ["redirect", "proxy"])
def test_a_redirect_or_a_proxy_page_stops_the_run_and_a_fixed_url_resumes(
        tmp_path, runner, fake, fault):
    numbers = phones(12)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    if fault == "redirect":
        fake.redirect_next(count=1000)
        why = "HTTP 307 from {where} (a redirect, not Twilio's API)"
    else:
        fake.proxy_error_next(403, count=1000)
        why = "HTTP 403 from {where} (an answer without a Twilio error code, not Twilio's API)"
    where = fake.url.removeprefix("http://")
    result = runner.invoke(cli, live_args(csv, journal, "--concurrency", "2"), env=fake.env())
    assert result.exit_code == 2
    assert errors(result) == [f"Error: {why.format(where=where)}: check TWILIO_API_BASE_URL"]
    assert "Traceback" not in result.output
    assert_all_pending(journal, 12)
    status = runner.invoke(cli, ["status", "--journal", str(journal)])
    assert "last error (pending, " in status.output and "not Twilio's API" in status.output
    data = json.loads(runner.invoke(cli, ["status", "--journal", str(journal), "--format",
                                          "json"]).output)
    assert "check TWILIO_API_BASE_URL" in data["last_errors"]["pending"]["error"]
    fake._failures.clear()  # the URL is fixed
    again = runner.invoke(cli, live_args(csv, journal), env=fake.env())
    assert again.exit_code == 0, again.output
    assert fake.counts() == {p: 1 for p in numbers}


def test_connection_refused_stops_the_run_in_one_line(tmp_path, runner, fake):
    csv = people(tmp_path, phones(20))
    journal = tmp_path / "j.sqlite"
    env = fake.env(TWILIO_API_BASE_URL="http://127.0.0.1:1")
    result = runner.invoke(cli, live_args(csv, journal), env=env)
    assert result.exit_code == 2
    assert errors(result) == ["Error: could not connect to 127.0.0.1:1 (connection refused): "
                              "check TWILIO_API_BASE_URL"]
    assert_all_pending(journal, 20)


def test_an_unusable_base_url_is_refused_before_anything(tmp_path, runner, fake):
    csv = people(tmp_path, phones(2))
    result = runner.invoke(cli, live_args(csv, tmp_path / "j.sqlite"),
                           env=fake.env(TWILIO_API_BASE_URL="ftp://127.0.0.1:21"))
    assert result.exit_code == 2
    assert errors(result) == ["Error: TWILIO_API_BASE_URL must be an http:// or https:// URL "
                              "with a host, got 'ftp://127.0.0.1:21'"]
    assert fake.posts == []


def test_a_run_in_which_everyone_failed_does_not_exit_0(tmp_path, runner, fake):
    numbers = phones(3)
    fake.number_errors.update({p: 21211 for p in numbers})
    csv = people(tmp_path, numbers)
    result = runner.invoke(cli, live_args(csv, tmp_path / "j.sqlite"), env=fake.env())
    assert result.exit_code == 1
    assert "Nobody was texted: all 3 recipient(s) failed" in result.stderr
    status = runner.invoke(cli, ["status", "--journal", str(tmp_path / "j.sqlite")])
    assert "last error (failed, 3 row(s) with one): invalid 'To' phone number" in status.output
