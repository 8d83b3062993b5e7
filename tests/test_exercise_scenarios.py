"""A scenario from an Exercise, Test or Draft CAP alert stays an exercise.

``cap import`` records the alert's status; draft, preview, send and cap export then run in
exercise mode unless ``--real``, and a live send of it as a real alert is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from messaging.cli import cli
from messaging.scenarios import load_scenario

from .conftest import HURRICANE, ROOT
from .conftest import one_error_line as _error
from .fake_twilio import FakeTwilio

CAP = ROOT / "tests" / "data" / "cap" / "hurricane-warning-es.xml"


def drill(tmp_path: Path, status: str = "Exercise") -> tuple[Path, int]:
    """The bundled hurricane as if imported from an exercise alert."""
    lines = HURRICANE.read_text(encoding="utf-8").splitlines()
    at = lines.index("[scenario]") + 1
    lines.insert(at, f'status = "{status}"')
    path = tmp_path / "drill.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, at + 1


@pytest.mark.parametrize("status", ["Exercise", "Test", "Draft"])
def test_cap_import_records_a_status_that_is_not_actual(tmp_path, runner, status):
    source = tmp_path / "alert.xml"
    source.write_text(CAP.read_text(encoding="utf-8").replace(
        "<status>Actual</status>", f"<status>{status}</status>"), encoding="utf-8")
    out = tmp_path / "scenario.toml"
    result = runner.invoke(cli, ["cap", "import", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    scenario = load_scenario(out)
    assert scenario.status == status and scenario.exercise_only
    actual = tmp_path / "actual.toml"
    assert runner.invoke(cli, ["cap", "import", str(CAP), "-o", str(actual)]).exit_code == 0
    assert load_scenario(actual).status is None and not load_scenario(actual).exercise_only


def test_draft_of_an_exercise_scenario_is_an_exercise_unless_real(tmp_path, runner):
    path, _ = drill(tmp_path)
    args = ["draft", "early_warning", "--scenario", str(path), "--lang", "es", "--channel",
            "sms"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "SIMULACRO" in result.stdout
    assert "scenario status Exercise: every message is an exercise (--real to override)" \
        in result.stderr
    real = runner.invoke(cli, [*args, "--real"])
    assert real.exit_code == 0 and "SIMULACRO" not in real.stdout
    plain = runner.invoke(cli, ["draft", "early_warning", "--scenario", str(HURRICANE),
                                "--lang", "es", "--channel", "sms"])
    assert "SIMULACRO" not in plain.stdout  # an ordinary scenario is real by default


def test_preview_and_cap_export_of_an_exercise_scenario(tmp_path, runner):
    path, _ = drill(tmp_path, "Test")
    page = runner.invoke(cli, ["preview", "early_warning", "--scenario", str(path), "--lang",
                               "es", "-o", "-"])
    assert page.exit_code == 0, page.output
    assert "SIMULACRO" in page.stdout
    exported = runner.invoke(cli, ["cap", "export", "early_warning", "--scenario", str(path),
                                   "--lang", "es", "-o", str(tmp_path / "a.xml"),
                                   "--format", "json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["status"] == "Exercise"
    assert "<status>Exercise</status>" in (tmp_path / "a.xml").read_text(encoding="utf-8")
    real = runner.invoke(cli, ["cap", "export", "early_warning", "--scenario", str(path),
                               "--lang", "es", "--real", "-o", str(tmp_path / "b.xml"),
                               "--format", "json"])
    assert real.exit_code == 0 and json.loads(real.stdout)["status"] == "Actual"


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def test_live_send_of_an_exercise_scenario(tmp_path, runner, fake, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, line = drill(tmp_path)
    people = tmp_path / "people.csv"
    people.write_text("phone,language\n+529621000001,es\n+529621000002,en\n", encoding="utf-8")
    args = ["send", "early_warning", "--scenario", str(path), "--recipients", str(people),
            "--via", "twilio", "--yes", "--allow-unreviewed", "--opt-outs",
            str(tmp_path / "stop.txt")]
    refused = runner.invoke(cli, [*args, "--real", "--allow-expired", "--journal",
                                  str(tmp_path / "real.sqlite")], env=fake.env())
    assert _error(refused) == (
        f"Error: {path}:{line}: scenario.status: Exercise: this scenario comes from a CAP alert "
        "that is not Actual; a live send as a real alert is refused (send it as an exercise: "
        "without --real)")
    assert fake.posts == [] and not (tmp_path / "real.sqlite").exists()
    sent = runner.invoke(cli, [*args, "--journal", str(tmp_path / "drill.sqlite")],
                         env=fake.env())
    assert sent.exit_code == 0, sent.output
    assert len(fake.received) == 2
    assert all(r.body.startswith(("SIMULACRO", "EXERCISE")) for r in fake.received), \
        [r.body[:20] for r in fake.received]


def test_an_unknown_status_is_named(tmp_path, runner):
    path, line = drill(tmp_path, "Excercise")
    assert _error(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(path)])) \
        .startswith(f"Error: {path}:{line}: scenario.status: unknown CAP status 'Excercise' "
                    "(did you mean Exercise?")
