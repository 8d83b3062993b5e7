"""The scenario's times checked against each other, the zone and the clock (chronology.py).

The same check refuses contradictions in draft, check, preview, send and cap export; a live
real send of an expired alert is refused against the fake Twilio, before any request.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from messaging.chronology import check_chronology, freshness
from messaging.cli import cli
from messaging.scenarios import load_scenario

from .conftest import EARTHQUAKE, HURRICANE
from .fake_twilio import FakeTwilio

# line numbers of the times in scenarios/hurricane-tapachula.toml
LINE = {"issued": 18, "onset": 19, "expires": 20, "evacuate_by": 21, "ended": 22}


def scenario_with(tmp_path: Path, name: str = "s.toml", **times: str) -> Path:
    """The bundled hurricane with some times replaced (same lines as the original)."""
    lines = HURRICANE.read_text(encoding="utf-8").splitlines()
    for key, value in times.items():
        number = LINE.get(key)
        if number is None:  # a [scenario] key
            lines = [f"{key} = {value}" if line.startswith(f"{key} =") else line
                     for line in lines]
            continue
        assert lines[number - 1].startswith(f"{key} =")
        lines[number - 1] = f"{key} = {value}"
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bundled_line_numbers_are_what_the_tests_assume():
    lines = HURRICANE.read_text(encoding="utf-8").splitlines()
    for key, number in LINE.items():
        assert lines[number - 1].startswith(f"{key} =")


@pytest.mark.parametrize(("times", "field", "other", "why"), [
    ({"expires": "2026-09-15T12:00:00-06:00"}, "expires", "onset",
     "the alert would expire before the hazard starts"),
    ({"expires": "2026-09-15T18:00:00-06:00"}, "expires", "onset", "at the same time as"),
    ({"issued": "2026-09-15T19:00:00-06:00"}, "onset", "issued",
     "cannot be issued after the hazard"),
    ({"evacuate_by": "2026-09-16T13:00:00-06:00"}, "expires", "evacuate_by",
     "told to leave after the alert expires"),
    ({"ended": "2026-09-15T17:00:00-06:00"}, "ended", "onset",
     "would end before it starts"),
])
def test_draft_refuses_contradicting_times_naming_both_fields(tmp_path, runner, times, field,
                                                              other, why):
    path = scenario_with(tmp_path, **times)
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", str(path),
                                 "--lang", "es", "--channel", "sms"])
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {path}:{LINE[field]}: {field}: ")
    assert f"{other} " in line and f"({path}:{LINE[other]})" in line
    assert why in line
    assert "Traceback" not in result.output


def test_every_command_applies_the_same_check(tmp_path, runner):
    path = scenario_with(tmp_path, expires="2026-09-15T12:00:00-06:00")
    expected = f"Error: {path}:{LINE['expires']}: expires: "
    commands = [
        ["draft", "evacuation", "--scenario", str(path)],
        ["preview", "early_warning", "--scenario", str(path), "-o", str(tmp_path / "p.html")],
        ["cap", "export", "early_warning", "--scenario", str(path), "-o",
         str(tmp_path / "a.xml")],
        ["send", "early_warning", "--scenario", str(path), "--recipients",
         str(tmp_path / "none.csv")],
    ]
    for args in commands:
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip().splitlines()[-1].startswith(expected), result.output
    assert not (tmp_path / "p.html").exists() and not (tmp_path / "a.xml").exists()


def test_check_lists_every_contradiction_and_exits_1(tmp_path, runner):
    path = scenario_with(tmp_path, expires="2026-09-15T12:00:00-06:00",
                         ended="2026-09-15T17:00:00-06:00")
    result = runner.invoke(cli, ["check", "early_warning", "--scenario", str(path),
                                 "--no-catalogs", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    chronology = [f for f in report["findings"] if f["check"] == "chronology"]
    fields = sorted(f["reason"].split(": ")[1] for f in chronology if f["severity"] == "error")
    assert fields == ["ended", "expires", "expires"]  # vs onset; vs onset and evacuate_by


def test_evacuate_by_after_onset_is_a_warning(tmp_path, runner):
    path = scenario_with(tmp_path, evacuate_by="2026-09-15T19:00:00-06:00")
    result = runner.invoke(cli, ["draft", "evacuation", "--scenario", str(path), "--lang", "es",
                                 "--channel", "sms"])
    assert result.exit_code == 0, result.output
    [warning] = [x for x in result.stderr.splitlines() if x.startswith("! ")]
    assert warning.startswith(f"! {path}:{LINE['evacuate_by']}: evacuate_by: ")
    assert "after onset" in warning and f"({path}:{LINE['onset']})" in warning
    data = json.loads(runner.invoke(cli, ["draft", "evacuation", "--scenario", str(path),
                                          "--lang", "es", "--channel", "sms",
                                          "--format", "json"]).stdout)
    assert any("evacuate_by" in w for w in data[0]["warnings"])


def test_an_earthquake_is_issued_after_it_strikes():
    """No forecast: issued after onset, and leaving buildings after it, are right."""
    scenario = load_scenario(EARTHQUAKE)
    assert scenario.facts["issued"] > scenario.facts["onset"]
    assert check_chronology(scenario, forecast=False).problems == []
    forecast = [p.field for p in check_chronology(scenario, forecast=True).problems]
    assert "onset" in forecast  # the same times for a hurricane would be wrong


def test_an_offset_that_is_not_the_zones_is_a_warning_with_both_readings(tmp_path, runner):
    path = scenario_with(tmp_path, onset="2026-09-15T20:00:00-05:00",
                         timezone='"America/Tegucigalpa"')
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", str(path),
                                 "--lang", "es", "--channel", "sms"])
    assert result.exit_code == 0, result.output
    [warning] = [x for x in result.stderr.splitlines() if x.startswith("! ")]
    assert warning.startswith(f"! {path}:{LINE['onset']}: onset: 2026-09-15T20:00:00-05:00")
    assert "America/Tegucigalpa is at -06:00" in warning
    assert "will say 19:00" in warning and "2026-09-15T20:00:00-06:00" in warning
    assert "19:00" in result.stdout
    # the zone's own offset: no warning
    ok = scenario_with(tmp_path, "ok.toml", timezone='"America/Tegucigalpa"')
    quiet = runner.invoke(cli, ["draft", "early_warning", "--scenario", str(ok), "--lang", "es",
                                "--channel", "sms"])
    assert quiet.exit_code == 0 and "! " not in quiet.stderr.replace("  ! ", "")


def test_an_offset_the_zone_has_at_another_time_of_year_is_a_warning(tmp_path):
    """Houston in November: -05:00 before the clocks go back, -06:00 after."""
    houston = load_scenario(Path(__file__).parent / "data" / "scenarios" / "houston-dst.toml")
    assert check_chronology(houston).problems == []
    wrong = houston.with_overrides(["expires=2026-11-01T12:00:00-05:00"])
    [problem] = check_chronology(wrong).problems
    assert problem.field == "expires" and "America/Chicago is at -06:00" in problem.reason


# -- freshness ---------------------------------------------------------------------------------

NOW = dt.datetime(2026, 9, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6)))


def test_freshness_reads_expires_and_for_an_evacuation_evacuate_by():
    scenario = load_scenario(HURRICANE)
    fresh = freshness(scenario, "early_warning", NOW)
    assert fresh.field == "expires" and not fresh.expired
    assert fresh.describe() == "expires in 27 h"
    evacuation = freshness(scenario, "evacuation", NOW)
    assert evacuation.field == "evacuate_by"
    assert evacuation.describe() == "evacuate_by is in 5 h"
    later = freshness(scenario, "evacuation", NOW + dt.timedelta(hours=6))
    assert later.expired and later.describe() == "evacuate_by passed 1 h ago"
    assert freshness(scenario, "early_warning", NOW + dt.timedelta(days=60)).describe() \
        == "expired 58 days ago"


def test_check_mode_real_refuses_an_expired_alert(tmp_path, runner):
    path = scenario_with(tmp_path, issued="2020-01-01T09:00:00-06:00",
                         onset="2020-01-02T09:00:00-06:00",
                         evacuate_by="2020-01-02T08:00:00-06:00",
                         expires="2020-01-03T09:00:00-06:00", ended="2020-01-04T09:00:00-06:00")
    args = ["check", "early_warning", "--scenario", str(path), "--lang", "en", "--channel",
            "sms", "--no-catalogs", "--format", "json"]
    real = runner.invoke(cli, [*args, "--mode", "real"])
    assert real.exit_code == 1, real.output
    [finding] = [f for f in json.loads(real.output)["findings"] if f["check"] == "expired"]
    assert finding["severity"] == "error"
    assert finding["reason"].startswith(f"{path}:{LINE['expires']}: expires: "
                                        "2020-01-03T09:00:00-06:00 passed ")
    assert "--allow-expired" in finding["reason"]
    allowed = runner.invoke(cli, [*args, "--mode", "real", "--allow-expired"])
    assert allowed.exit_code == 0, allowed.output
    assert [f["severity"] for f in json.loads(allowed.output)["findings"]
            if f["check"] == "expired"] == ["warning"]
    drill = runner.invoke(cli, [*args, "--mode", "exercise"])
    assert drill.exit_code == 0, drill.output
    assert not [f for f in json.loads(drill.output)["findings"] if f["check"] == "expired"]


# -- live sends against the fake Twilio ---------------------------------------------------------

@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def _people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text("phone,language\n+529621000001,es\n+529621000002,en\n", encoding="utf-8")
    return path


def test_live_real_send_of_an_expired_alert_is_refused(tmp_path, runner, fake, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["send", "early_warning", "--scenario", "hurricane-tapachula", "--recipients",
            str(_people(tmp_path)), "--via", "twilio", "--yes", "--allow-unreviewed",
            "--journal", str(tmp_path / "j.sqlite"), "--opt-outs", str(tmp_path / "stop.txt")]
    refused = runner.invoke(cli, args, env=fake.env())
    assert refused.exit_code == 2, refused.output
    [line] = refused.output.strip().splitlines()
    assert line.startswith(f"Error: {HURRICANE}:{LINE['expires']}: expires: "
                           "2026-09-16T12:00:00-06:00 passed ")
    assert "a live send of an expired alert is refused" in line and "--allow-expired" in line
    assert fake.posts == [] and not (tmp_path / "j.sqlite").exists()
    # an exercise of the same past scenario is a drill, not a stale alert
    drill = runner.invoke(cli, [*args, "--exercise"], env=fake.env())
    assert drill.exit_code == 0, drill.output
    assert len(fake.received) == 2
    # told to, it sends the real alert
    forced = runner.invoke(cli, [*args[:-4], "--journal", str(tmp_path / "k.sqlite"),
                                 "--allow-expired"], env=fake.env())
    assert forced.exit_code == 0, forced.output
    assert len(fake.received) == 4


def test_live_send_confirmation_shows_the_expiry(tmp_path, runner, fake, monkeypatch):
    monkeypatch.chdir(tmp_path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    times = {"issued": now - dt.timedelta(hours=1), "onset": now + dt.timedelta(hours=1),
             "evacuate_by": now + dt.timedelta(minutes=30),
             "expires": now + dt.timedelta(hours=3, minutes=20),
             "ended": now + dt.timedelta(hours=5)}
    args = ["send", "early_warning", "--scenario", "hurricane-tapachula", "--recipients",
            str(_people(tmp_path)), "--via", "twilio", "--allow-unreviewed", "--journal",
            str(tmp_path / "j.sqlite"), "--opt-outs", str(tmp_path / "stop.txt"),
            *[f"--var={k}={v.isoformat()}" for k, v in times.items()]]
    no = runner.invoke(cli, args, env=fake.env(), input="n\n")
    assert no.exit_code == 2 and fake.posts == []
    assert "About to send 2 SMS via Twilio (REAL ALERT):" in no.stderr
    assert "  expires in 3 h " in no.stderr  # 3 h and some minutes, to the second
    assert f"(expires {times['expires'].isoformat()})" in no.stderr
