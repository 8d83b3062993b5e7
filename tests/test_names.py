"""Names a user types: an unknown one is an error with the closest known name.

A misspelled ``--var`` used to be ignored, and the message named the old shelter.
"""

from __future__ import annotations

import json

import pytest

from messaging.cli import cli
from messaging.names import closest

from .conftest import HURRICANE
from .conftest import one_error_line as _error


def test_a_misspelled_var_is_an_error_naming_the_fact_meant(runner):
    result = runner.invoke(cli, ["draft", "evacuation", "--scenario", "hurricane-tapachula",
                                 "--var", "shleter=Escuela 5", "--lang", "es"])
    assert _error(result) == "Error: --var: shleter: unknown fact (did you mean shelter?)"


@pytest.mark.parametrize("command", [
    ["draft", "evacuation"],
    ["check", "evacuation", "--no-catalogs"],
    ["cap", "export", "evacuation"],
    ["send", "evacuation", "--recipients", "none.csv"],
])
def test_every_command_refuses_an_unknown_var(runner, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, [*command, "--scenario", "hurricane-tapachula",
                                 "--var", "hotlien=+52 962 620 2000"])
    assert "--var: hotlien: unknown fact (did you mean hotline?)" in _error(result)


def test_a_misspelled_scenario_key_is_named_with_its_line(runner, tmp_path):
    text = HURRICANE.read_text(encoding="utf-8").replace("shelters_open = 4",
                                                         "shelter_open = 4")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("shelter_open = 4") + 1
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", str(path)])
    assert _error(result) == (f"Error: {path}:{line}: shelter_open: unknown fact "
                              "(did you mean shelters_open?)")


def test_an_unknown_fact_with_nothing_close_lists_the_known_ones(runner):
    line = _error(runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                      "hurricane-tapachula", "--var", "zzz=1"]))
    assert "--var: zzz: unknown fact (known: " in line
    assert "shelter" in line and "timezone" in line


def test_timezone_is_a_known_fact(runner):
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--var", "timezone=America/Guatemala", "--lang", "es",
                                 "--channel", "sms"])
    assert result.exit_code == 0, result.output
    assert "hora de Guatemala" in result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["draft", "early_warnin"], "Error: type: unknown message type 'early_warnin' "
     "(did you mean early_warning? known: all_clear, awareness, early_warning, evacuation, "
     "relief_assistance, safety_check)"),
    (["draft", "early_warning", "--lang", "es,hx"], "Error: --lang: unknown language 'hx' "
     "(did you mean ht? known: en, es, fr, ht, pt, quc, mam, "),
    (["draft", "early_warning", "--lang", "spanish"], "did you mean es?"),
    (["draft", "early_warning", "--lang", "Kreyol"], "did you mean ht?"),
    (["draft", "early_warning", "--channel", "smss"], "Error: --channel: unknown channel "
     "'smss' (did you mean sms? known: sms, long, voice, cap)"),
    (["check", "evacuaton", "--no-catalogs"], "did you mean evacuation?"),
    (["check", "early_warning", "--channel", "voise", "--no-catalogs"],
     "did you mean voice?"),
    (["cap", "export", "early_warning", "--lang", "quq"], "did you mean quc?"),
    (["preview", "early_warning", "--lang", "mma", "-o", "-"], "did you mean mam?"),
])
def test_did_you_mean_for_types_languages_and_channels(runner, args, expected):
    result = runner.invoke(cli, [*args, "--scenario", "hurricane-tapachula"])
    line = _error(result)
    assert line.startswith(expected) if expected.startswith("Error:") else expected in line


def test_a_misspelled_bundled_scenario_lists_the_bundled_ones(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = _error(runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                      "hurricane-tapachla"]))
    assert line == ("Error: --scenario: unknown scenario 'hurricane-tapachla' (did you mean "
                    "hurricane-tapachula? bundled: earthquake-guatemala, hurricane-tapachula): "
                    "not a file either")


def test_language_codes_in_any_case(runner):
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--lang", "ES,Ht", "--channel", "SMS", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["language"], r["language_used"], r["channel"]) for r in rows] == [
        ("es", "es", "sms"), ("ht", "ht", "sms")]
    same = json.loads(runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                          "hurricane-tapachula", "--lang", "es,ht",
                                          "--channel", "sms", "--format", "json"]).output)
    assert [r["text"] for r in rows] == [r["text"] for r in same]


def test_scenario_languages_in_any_case_and_unknown_ones_named(runner, tmp_path):
    text = HURRICANE.read_text(encoding="utf-8")
    upper = tmp_path / "upper.toml"
    upper.write_text(text.replace('languages = ["es", "ht",', 'languages = ["ES", "HT",'),
                     encoding="utf-8")
    rows = json.loads(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(upper),
                                          "--channel", "sms", "--format", "json"]).output)
    assert [r["language"] for r in rows][:2] == ["es", "ht"]
    assert all(r["language_used"] == r["language"] for r in rows[:2])
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('languages = ["es", "ht",', 'languages = ["es", "hat",'),
                   encoding="utf-8")
    line = text.splitlines().index(
        next(x for x in text.splitlines() if x.startswith("languages ="))) + 1
    assert _error(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(bad)])) \
        .startswith(f"Error: {bad}:{line}: scenario.languages: unknown language 'hat' (did "
                    "you mean ht? known: en, es, fr, ht, pt, quc, mam, ar, zh")


def test_closest_prefers_a_name_that_starts_alike():
    assert closest("ep", ["pt", "es"]) == "es"
    assert closest("xyz", ["es", "ht"]) is None
    assert closest("SHELTER", ["shelter"]) == "shelter"
