"""Sending campaigns: drafts, and Twilio through twilio-python against a fake Twilio over HTTP.

Every test that sends asserts exactly-once delivery from what the fake server received.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from messaging.backends import TransientFailure, UncertainOutcome
from messaging.backends.memory import MemoryBackend
from messaging.backends.twilio import TwilioBackend
from messaging.campaign import Campaign, prepare
from messaging.cli import cli
from messaging.dispatch import Dispatcher, DispatchOptions
from messaging.journal import Journal
from messaging.optouts import OptOutList

from .fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["es", "ht", "quc", "mam", "fr", "pt", "ar", "en"]
FAST = DispatchOptions(concurrency=8, backoff_base=0.01, backoff_cap=0.05,
                       settle=0.01)


def phones(n: int, start: int = 0) -> list[str]:
    return [f"+52962{1000000 + start + i}" for i in range(n)]


def people(tmp_path: Path, numbers: list[str], extra: str = "", name="people.csv") -> Path:
    path = tmp_path / name
    rows = "".join(f"{p},{LANGS[i % len(LANGS)]}\n" for i, p in enumerate(numbers))
    path.write_text("phone,language,name\n".replace(",name", "") + rows + extra,
                    encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Default journals and opt-out lists land in the working folder: use a fresh one."""
    monkeypatch.chdir(tmp_path)
    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def send_args(csv: Path, *extra: str) -> list[str]:
    return ["send", "early_warning", "--scenario", "hurricane-tapachula", "--recipients",
            str(csv), "--exercise", *extra]


def live_args(csv: Path, journal: Path, *extra: str) -> list[str]:
    return send_args(csv, "--via", "twilio", "--journal", str(journal), "--yes",
                     "--allow-unreviewed", *extra)


def campaign_for(renderer, hurricane, csv: Path, backend: str = "twilio") -> Campaign:
    return Campaign("early_warning", renderer.facts("early_warning", hurricane), csv,
                    exercise=True, backend=backend, region="MX",
                    scenario="hurricane-tapachula")


def run_campaign(tmp_path, renderer, hurricane, backend, csv, options=FAST, opt_outs=None,
                 journal_name="j.sqlite"):
    with Journal(tmp_path / journal_name) as journal:
        prepare(journal, renderer, campaign_for(renderer, hurricane, csv), opt_outs=opt_outs)
        report = Dispatcher(journal, backend, options, opt_outs=opt_outs).run()
        return report, journal.summary()


def twilio_backend(fake: FakeTwilio, **options) -> TwilioBackend:
    return TwilioBackend(ACCOUNT_SID, AUTH_TOKEN, from_number="+15005550006",
                         base_url=fake.url, **options)


# -- drafts ------------------------------------------------------------------------------

def test_drafts_print_every_message_and_send_nothing(tmp_path, runner, fake, monkeypatch,
                                                     renderer, hurricane):
    numbers = phones(16)
    csv = people(tmp_path, numbers)

    def no_network(*args, **kwargs):
        raise AssertionError("the drafts backend opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    result = runner.invoke(cli, send_args(csv), env=fake.env())
    assert result.exit_code == 0, result.output
    assert fake.posts == [] and fake.log == []
    for phone in numbers:
        assert result.stdout.count(f"-- to {phone} ") == 1
    facts = renderer.facts("early_warning", hurricane)
    for lang in LANGS:
        drill = renderer.render("early_warning", lang, "sms", facts, exercise=True).text
        assert result.stdout.count(drill + "\n") == 2  # two recipients per language
    assert "Summary: 16 recipient(s); drafted 16" in result.stdout
    # in the order of the file
    assert result.stdout.index(numbers[0]) < result.stdout.index(numbers[-1])


def test_exercise_marker_only_in_exercise_mode(tmp_path, runner, renderer, hurricane):
    csv = people(tmp_path, phones(8))
    facts = renderer.facts("early_warning", hurricane)
    for exercise in (True, False):
        outbox = tmp_path / f"outbox-{exercise}"
        args = send_args(csv, "--outbox", str(outbox))
        if not exercise:
            args.remove("--exercise")
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        lines = (outbox / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 8
        for line in lines:
            message = json.loads(line)
            drill = renderer.render("early_warning", message["language"], "sms", facts,
                                    exercise=True).text
            real = renderer.render("early_warning", message["language"], "sms", facts).text
            assert drill != real
            assert message["body"] == (drill if exercise else real)


def test_fallback_languages_are_counted(tmp_path, runner):
    csv = tmp_path / "people.csv"
    csv.write_text("phone,language\n+529621000001,es-MX\n+529621000002,\n+529621000003,xx\n"
                   "+529621000004,ht\n", encoding="utf-8")
    result = runner.invoke(cli, send_args(csv, "--format", "json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{\n"):])
    assert data["fell_back"] == 3
    # blank and unknown get the scenario's first audience language, Spanish, not English
    assert data["languages"]["es"]["recipients"] == 3
    assert "en" not in data["languages"]
    assert data["states"]["sent"] == 4


def test_invalid_and_duplicate_rows_are_reported_and_skipped(tmp_path, runner):
    csv = tmp_path / "people.csv"
    csv.write_text("phone,language\n+529621000001,es\n+52 962 100 0001,es\nnonsense,es\n"
                   "+529621000002,ht\n", encoding="utf-8")
    result = runner.invoke(cli, send_args(csv))
    assert result.exit_code == 0, result.output
    assert "line 3: phone: duplicate of line 2 (+529621000001)" in result.stderr
    assert "line 4: phone: not a phone number: 'nonsense'" in result.stderr
    assert "Summary: 2 recipient(s); drafted 2" in result.stdout
    assert "1 invalid row(s) skipped" in result.stdout
    assert "1 duplicate(s) collapsed" in result.stdout


# -- Twilio through the fake: the CLI ----------------------------------------------------

def test_live_send_reaches_everyone_once_with_validity_and_callback(tmp_path, runner, fake):
    numbers = phones(24)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "c.sqlite"
    result = runner.invoke(cli, live_args(csv, journal, "--validity-period", "900",
                                          "--status-callback", "https://example.org/status",
                                          "--concurrency", "6"), env=fake.env())
    assert result.exit_code == 0, result.output
    assert fake.counts() == {p: 1 for p in numbers}
    for record in fake.received:
        assert record.params["ValidityPeriod"] == "900"
        assert record.params["StatusCallback"] == "https://example.org/status"
        assert record.params["From"] == "+15005550006"
    with Journal(journal, readonly=True) as j:
        assert j.summary().states["sent"] == 24
        sids = {j.get(i)["sid"] for i in range(1, 25)}
    assert sids == {r.sid for r in fake.received}
    assert "Summary: 24 recipient(s); sent 24" in result.stdout
    # Credentials never appear: not in output, not in the journal.
    for secret in (AUTH_TOKEN, ACCOUNT_SID):
        assert secret not in result.output and secret not in result.stderr
        assert secret.encode() not in journal.read_bytes()
    # Re-running the same command sends nothing more.
    again = runner.invoke(cli, live_args(csv, journal), env=fake.env())
    assert again.exit_code == 0, again.output
    assert "Nothing left to send" in again.stderr
    assert len(fake.received) == 24


def test_default_journal_is_per_campaign_and_backend(tmp_path, runner, fake):
    csv = people(tmp_path, phones(3))
    drafts = runner.invoke(cli, send_args(csv, "--journal", "drafts.sqlite"))
    assert drafts.exit_code == 0
    live = runner.invoke(cli, send_args(csv, "--via", "twilio", "--yes", "--allow-unreviewed"),
                         env=fake.env())
    assert live.exit_code == 0, live.output
    assert len(fake.received) == 3  # a drafts run marks nobody as texted
    made = sorted(p.name for p in (tmp_path / "emsg-campaigns").iterdir())
    assert "early_warning-hurricane-tapachula-people-exercise-twilio.sqlite" in made


def test_edge_and_region_do_not_mangle_the_base_url(tmp_path, runner, fake):
    csv = people(tmp_path, phones(2))
    env = fake.env(TWILIO_EDGE="sydney", TWILIO_REGION="au1")
    result = runner.invoke(cli, live_args(csv, tmp_path / "j.sqlite"), env=env)
    assert result.exit_code == 0, result.output
    assert len(fake.received) == 2


def test_missing_credentials_are_one_line_and_touch_nothing(tmp_path, runner, fake):
    csv = people(tmp_path, phones(2))
    env = {**fake.env(), "TWILIO_AUTH_TOKEN": "", "TWILIO_FROM_NUMBER": ""}
    result = runner.invoke(cli, live_args(csv, tmp_path / "j.sqlite"), env=env)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: --via twilio needs TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER or "
        "TWILIO_MESSAGING_SERVICE_SID in the environment")
    assert not (tmp_path / "j.sqlite").exists() and fake.posts == []


def test_a_401_stops_the_campaign_with_the_journal_intact(tmp_path, runner, fake):
    numbers = phones(6)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    bad = runner.invoke(cli, live_args(csv, journal),
                        env={**fake.env(), "TWILIO_AUTH_TOKEN": "wrong-token-123"})
    assert bad.exit_code == 2
    errors = [line for line in bad.output.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: authentication failed: check TWILIO_ACCOUNT_SID and "
                      "TWILIO_AUTH_TOKEN (HTTP 401, Twilio error 20003)"]
    assert "Traceback" not in bad.output and "wrong-token-123" not in bad.output
    with Journal(journal, readonly=True) as j:
        states = j.summary().states
    assert states["pending"] == 6 and states["sending"] == 0
    good = runner.invoke(cli, live_args(csv, journal), env=fake.env())
    assert good.exit_code == 0, good.output
    assert fake.counts() == {p: 1 for p in numbers}


def test_unreviewed_translations_need_explicit_consent(tmp_path, runner, fake):
    csv = people(tmp_path, phones(4))
    args = send_args(csv, "--via", "twilio", "--yes", "--journal", str(tmp_path / "j.sqlite"))
    result = runner.invoke(cli, args, env=fake.env())
    assert result.exit_code == 2
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: unreviewed (fuzzy) translations in es, ht")
    assert "--allow-unreviewed" in error
    assert fake.posts == []


def test_live_send_asks_first(tmp_path, runner, fake):
    csv = people(tmp_path, phones(8))
    args = send_args(csv, "--via", "twilio", "--allow-unreviewed", "--journal",
                     str(tmp_path / "j.sqlite"))
    no = runner.invoke(cli, args, env=fake.env(), input="n\n")
    assert no.exit_code == 2 and fake.posts == []
    assert "About to send 8 SMS via Twilio (EXERCISE)" in no.stderr
    assert "es: 1 recipient(s), 6 segment(s) each" in no.stderr
    assert "total: " in no.stderr and "Send now?" in no.stderr
    yes = runner.invoke(cli, args, env=fake.env(), input="y\n")
    assert yes.exit_code == 0, yes.output
    assert len(fake.received) == 8


def test_permanent_errors_are_recorded_never_retried_and_21610_opts_out(tmp_path, runner, fake):
    numbers = phones(10)
    codes = dict(zip(numbers[:5], (21211, 21408, 21610, 21614, 21617), strict=True))
    fake.number_errors.update(codes)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    result = runner.invoke(cli, live_args(csv, journal, "--opt-outs", "stop.txt"),
                           env=fake.env())
    assert result.exit_code == 0, result.output
    for phone, code in codes.items():
        assert fake.posts.count(phone) == 1, f"{code} was retried"
    assert fake.counts() == {p: 1 for p in numbers[5:]}
    with Journal(journal, readonly=True) as j:
        summary = j.summary()
        assert summary.failures == {str(c): 1 for c in codes.values()}
        assert j.get(3)["state"] == "failed" and j.get(3)["error_code"] == 21610
    assert numbers[2] in OptOutList(tmp_path / "stop.txt")
    assert "1 number(s) added to the opt-out list" in result.stderr
    # The opt-out is honoured by the next campaign: nobody texts that number again.
    csv2 = people(tmp_path, [numbers[2], *phones(2, start=100)], name="second.csv")
    second = runner.invoke(cli, live_args(csv2, tmp_path / "j2.sqlite", "--opt-outs",
                                          "stop.txt"), env=fake.env())
    assert second.exit_code == 0, second.output
    assert fake.posts.count(numbers[2]) == 1
    assert "1 opted out" in second.stderr


def test_resuming_with_changed_facts_is_refused(tmp_path, runner, fake):
    csv = people(tmp_path, phones(2))
    journal = tmp_path / "j.sqlite"
    assert runner.invoke(cli, live_args(csv, journal), env=fake.env()).exit_code == 0
    changed = runner.invoke(cli, live_args(csv, journal, "--var",
                                           "shelter=Escuela 5"), env=fake.env())
    assert changed.exit_code == 2
    assert "belongs to another campaign (the scenario's facts or the message changed)" \
        in changed.output
    assert len(fake.received) == 2


# -- Twilio through the fake: faults, with the library's dispatcher -----------------------

def test_429_bursts_5xx_and_dropped_connections_still_deliver_exactly_once(
        tmp_path, renderer, hurricane, fake):
    numbers = phones(40)
    csv = people(tmp_path, numbers)
    fake.fail_next(429, 20429, count=12)
    fake.fail_next(503, None, count=3)
    fake.fail_next(500, None, count=2)
    fake.drop_next(4)
    backend = twilio_backend(fake, timeout=(2.0, 2.0), pool_size=8)
    report, summary = run_campaign(tmp_path, renderer, hurricane, backend, csv)
    assert fake.counts() == {p: 1 for p in numbers}
    assert summary.states["sent"] == 40 and summary.open == 0
    assert report.retries["throttled"] == 12
    assert report.retries["transient"] == 3
    assert report.retries["uncertain"] == 6  # 2 x 500 and 4 drops: asked before resending
    assert report.reconciled["found"] == 4  # the dropped ones had been accepted
    assert report.reconciled["absent"] == 2  # the 500s had not
    assert sum(1 for m, _, s in fake.log if m == "POST" and s == 429) == 12


def test_a_timeout_after_the_request_went_out_is_reconciled_not_resent(
        tmp_path, renderer, hurricane, fake):
    numbers = phones(6)
    csv = people(tmp_path, numbers)
    fake.latency = 0.6
    backend = twilio_backend(fake, timeout=(2.0, 0.2))
    report, summary = run_campaign(tmp_path, renderer, hurricane, backend, csv)
    assert fake.counts() == {p: 1 for p in numbers}
    assert report.reconciled["found"] == 6 and report.requests == 6
    assert summary.states["sent"] == 6


def test_unreachable_reconciliation_leaves_unknown_until_a_later_run(
        tmp_path, renderer, hurricane, fake):
    numbers = phones(3)
    csv = people(tmp_path, numbers)
    fake.drop_next(1)
    fake.list_failures = 1000
    options = DispatchOptions(concurrency=1, backoff_base=0.01, backoff_cap=0.02,
                              settle=0.01, max_attempts=3)
    report, summary = run_campaign(tmp_path, renderer, hurricane, twilio_backend(fake),
                                   csv, options)
    assert summary.states["unknown"] == 1 and summary.states["sent"] == 2
    assert report.reconciled["unresolved"] == 1
    fake.list_failures = 0
    report, summary = run_campaign(tmp_path, renderer, hurricane, twilio_backend(fake),
                                   csv, options)
    assert report.reconciled["found"] == 1 and report.requests == 0
    assert summary.states["sent"] == 3
    assert fake.counts() == {p: 1 for p in numbers}


def test_transient_failures_past_the_limit_stay_pending(tmp_path, renderer, hurricane):
    numbers = phones(3)
    csv = people(tmp_path, numbers)
    backend = MemoryBackend()
    backend.fail(numbers[0], *[TransientFailure("busy", status=503)] * 10)
    backend.fail(numbers[1], UncertainOutcome("timed out"))  # accepted all the same
    options = DispatchOptions(concurrency=2, max_attempts=3, backoff_base=0.001,
                              backoff_cap=0.002, settle=0.001)
    report, summary = run_campaign(tmp_path, renderer, hurricane, backend, csv, options)
    assert summary.states["pending"] == 1 and summary.states["sent"] == 2
    assert report.outcomes["pending"] == 1
    assert backend.sent_to(numbers[0]) == 0 and backend.sent_to(numbers[1]) == 1
    backend.failures.clear()
    report, summary = run_campaign(tmp_path, renderer, hurricane, backend, csv, options)
    assert summary.states["sent"] == 3
    assert [backend.sent_to(p) for p in numbers] == [1, 1, 1]


def test_opted_out_numbers_are_skipped(tmp_path, renderer, hurricane):
    numbers = phones(4)
    csv = people(tmp_path, numbers)
    stop = tmp_path / "stop.txt"
    stop.write_text(f"# opted out\n{numbers[1]}  # replied STOP\n", encoding="utf-8")
    backend = MemoryBackend()
    report, summary = run_campaign(tmp_path, renderer, hurricane, backend, csv,
                                   opt_outs=OptOutList(stop))
    assert summary.states["skipped"] == 1 and summary.states["sent"] == 3
    assert backend.sent_to(numbers[1]) == 0


# -- a real kill -9, and Ctrl-C --------------------------------------------------------------

def _spawn(csv: Path, journal: Path, env: dict[str, str], cwd: Path,
           *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "messaging.cli", *live_args(csv, journal,
                                                              "--concurrency", "4", *extra)]
    return subprocess.Popen(args, cwd=cwd, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never came true")
        time.sleep(0.01)


def test_kill_9_at_any_moment_then_rerun_texts_everyone_exactly_once(tmp_path, fake):
    numbers = phones(60)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    fake.latency = 0.05
    fake.drop_next(2)
    kills = 0
    for threshold in (8, 23, 41):  # kill while requests are in flight, three times
        proc = _spawn(csv, journal, fake.env(), tmp_path)
        _wait_for(lambda t=threshold, p=proc: len(fake.received) >= t or p.poll() is not None)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=30)
    assert kills == 3
    assert len(fake.received) < 60
    final = _spawn(csv, journal, fake.env(), tmp_path)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert fake.counts() == {p: 1 for p in numbers}
    with Journal(journal, readonly=True) as j:
        assert j.summary().states["sent"] == 60


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child needs POSIX signals")
def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(tmp_path, fake):
    numbers = phones(40)
    csv = people(tmp_path, numbers)
    journal = tmp_path / "j.sqlite"
    fake.latency = 0.05
    proc = _spawn(csv, journal, fake.env(), tmp_path)
    _wait_for(lambda: len(fake.received) >= 10)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Interrupted." in err and "run the same command again to resume" in err
    assert "Traceback" not in err
    with Journal(journal, readonly=True) as j:
        states = j.summary().states
    assert states["sending"] == 0 and states["sent"] == len(fake.received)
    final = _spawn(csv, journal, fake.env(), tmp_path)
    final.communicate(timeout=60)
    assert final.returncode == 0
    assert fake.counts() == {p: 1 for p in numbers}


def test_a_campaign_is_its_contents_not_its_paths(tmp_path, runner, fake, monkeypatch):
    """Resume from another folder, by absolute path, with copies of the scenario and the
    list: the same campaign. A different list is refused, saying whom the journal reached."""
    numbers = phones(6)
    first = tmp_path / "first"
    first.mkdir()
    csv = people(first, numbers)
    journal = first / "j.sqlite"
    monkeypatch.chdir(first)
    fake.number_errors[numbers[-1]] = 21211  # one permanent failure: the rest are sent
    args = ["send", "early_warning", "--scenario", "hurricane-tapachula", "--recipients",
            "people.csv", "--exercise", "--via", "twilio", "--journal", "j.sqlite", "--yes",
            "--allow-unreviewed"]
    assert runner.invoke(cli, args, env=fake.env()).exit_code == 0
    with Journal(journal) as j:  # as if the run had stopped before the last three
        for row_id in (3, 4, 5):
            j.db.execute("UPDATE recipients SET state='pending', sid=NULL WHERE id=?",
                         (row_id,))
        for n in (2, 3, 4):
            fake.received = [r for r in fake.received if r.to != numbers[n]]
    second = tmp_path / "second"
    second.mkdir()
    copy = second / "list-copy.csv"
    copy.write_bytes(csv.read_bytes())
    scenario = second / "same-scenario.toml"
    scenario.write_bytes((ROOT / "scenarios" / "hurricane-tapachula.toml").read_bytes())
    monkeypatch.chdir(second)
    resumed = runner.invoke(cli, ["send", "early_warning", "--scenario", str(scenario),
                                  "--recipients", str(copy), "--exercise", "--via", "twilio",
                                  "--journal", str(journal), "--yes", "--allow-unreviewed"],
                            env=fake.env())
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming the campaign" in resumed.stderr
    assert fake.counts() == {p: 1 for p in numbers[:-1]}
    other = people(second, phones(3, start=50), name="other.csv")
    refused = runner.invoke(cli, live_args(other, journal), env=fake.env())
    assert refused.exit_code == 2
    assert ("this journal belongs to another campaign (the recipients file changed); it has "
            "already texted 5 of 6 recipient(s), and a new --journal would text them again"
            ) in refused.output


def test_a_list_corrected_after_no_valid_recipient_is_sent(runner, tmp_path, fake):
    """A list with no valid number leaves a journal that texted nobody: the corrected list
    is sent through it, instead of being refused as "another campaign"."""
    journal = tmp_path / "campaign.sqlite"
    broken = tmp_path / "people.csv"
    broken.write_text("phone,language\n12,es\n962 abc,es\n", encoding="utf-8")
    first = runner.invoke(cli, live_args(broken, journal), env=fake.env())
    assert first.exit_code == 2 and "no valid recipient" in first.output
    assert fake.counts() == {}
    numbers = phones(2, start=70)
    people(tmp_path, numbers)  # the same file, corrected
    second = runner.invoke(cli, live_args(broken, journal), env=fake.env())
    assert second.exit_code == 0, second.output
    assert fake.counts() == {p: 1 for p in numbers}
    third = runner.invoke(cli, live_args(broken, journal), env=fake.env())
    assert third.exit_code == 0 and fake.counts() == {p: 1 for p in numbers}
