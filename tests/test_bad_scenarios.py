"""Bad scenarios, templates and languages: one line naming file, line and field; exit 2.

Each case here used to end in a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from messaging.cli import cli

from .conftest import HURRICANE
from .conftest import one_error_line as _error


def _scenario(tmp_path: Path, key: str, value: str) -> tuple[Path, int]:
    lines = HURRICANE.read_text(encoding="utf-8").splitlines()
    [number] = [i for i, line in enumerate(lines, start=1) if line.startswith(f"{key} =")]
    lines[number - 1] = f"{key} = {value}"
    path = tmp_path / "s.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, number


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("region", "52", 'scenario.region: expected a two-letter country code such as "GT", '
     "got 52"),
    ("region", '["GT"]', 'scenario.region: expected a two-letter country code such as "GT", '
     'got ["GT"]'),
    ("region", '"Guatemala"', "scenario.region: expected a two-letter country code"),
    ("timezone", '"America"', 'scenario.timezone: unknown time zone "America" (use an IANA '
     'name such as "America/Mexico_City")'),
    ("timezone", "6", "scenario.timezone: unknown time zone 6"),
    ("timezone", '"../../etc/passwd"', "scenario.timezone: unknown time zone"),
])
@pytest.mark.parametrize("command", [["draft", "early_warning"],
                                     ["check", "early_warning", "--no-catalogs"],
                                     ["cap", "export", "early_warning"]])
def test_bad_region_or_timezone_in_a_scenario(tmp_path, runner, key, value, reason, command):
    path, line = _scenario(tmp_path, key, value)
    result = runner.invoke(cli, [*command, "--scenario", str(path)])
    assert _error(result).startswith(f"Error: {path}:{line}: {reason}")


def test_a_region_in_lower_case_is_read(tmp_path, runner):
    path, _ = _scenario(tmp_path, "region", '"mx"')
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", str(path),
                                 "--lang", "es", "--channel", "voice"])
    assert result.exit_code == 0, result.output


def test_a_timezone_folder_in_var(runner):
    line = _error(runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                      "hurricane-tapachula", "--var", "timezone=America"]))
    assert line.startswith('Error: --var: timezone: unknown time zone "America"')


def test_a_limit_that_is_not_a_number(runner, data_copy):
    templates, _ = data_copy
    path = templates / "early_warning" / "template.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("sms_segments = 7", 'sms_segments = "six"'), encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), start=1)
                if x.startswith("sms_segments = 7"))
    for command in (["draft", "early_warning"], ["check", "early_warning", "--no-catalogs"]):
        result = runner.invoke(cli, [*command, "--scenario", "hurricane-tapachula",
                                     "--templates", str(templates)])
        assert _error(result) == (f"Error: {path}:{line}: limits.sms_segments: expected a "
                                  "whole number of 1 or more, got 'six'")


def test_a_template_that_includes_itself(runner, data_copy):
    templates, _ = data_copy
    path = templates / "early_warning" / "sms.j2"
    with path.open("a", encoding="utf-8") as f:
        f.write('{% include "early_warning/sms.j2" %}\n')
    line = len(path.read_text(encoding="utf-8").splitlines())
    result = runner.invoke(cli, ["draft", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--templates", str(templates), "--lang", "en",
                                 "--channel", "sms"])
    assert _error(result) == (f"Error: {path}:{line}: includes or imports itself (directly or "
                              "through another template): it would never end")
    # check reports it as a finding of that message, and goes on with the others
    checked = runner.invoke(cli, ["check", "early_warning", "--scenario", "hurricane-tapachula",
                                  "--templates", str(templates), "--lang", "en",
                                  "--no-catalogs", "--format", "json"])
    assert checked.exit_code == 1, checked.output
    findings = json.loads(checked.output)["findings"]
    assert any(f["check"] == "render" and f["channel"] == "sms" and "itself" in f["reason"]
               for f in findings)


def test_an_unknown_formatting_locale(runner, data_copy):
    _, locales = data_copy
    path = locales / "languages.toml"
    text = path.read_text(encoding="utf-8")
    assert 'formatting_locale = "es_MX"' in text
    path.write_text(text.replace('formatting_locale = "es_MX"', 'formatting_locale = "es_XX"'),
                    encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), start=1)
                if x.startswith('formatting_locale = "es_MX"'))
    for command in (["draft", "early_warning", "--scenario", "hurricane-tapachula"],
                    ["languages"]):
        result = runner.invoke(cli, [*command, "--locales", str(locales)])
        assert _error(result) == (f"Error: {path}:{line}: es.formatting_locale: unknown CLDR "
                                  "locale 'es_XX' (write e.g. es_GT or fr_HT)")


def test_a_lone_surrogate_in_var(runner):
    line = _error(runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                      "hurricane-tapachula", "--var", "shelter=Escuela \ud800"]))
    assert line == ("Error: --var: shelter: a lone surrogate U+D800 at character 9 is not text "
                    "(half of a character, or a byte that is not UTF-8)")


def test_a_lone_surrogate_in_segments(runner, tmp_path):
    path = tmp_path / "texts.jsonl"
    path.write_text('"fine"\n"half \\ud800 of it"\n', encoding="utf-8")
    result = runner.invoke(cli, ["segments", "--jsonl", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert json.loads(lines[0])["text"] == "fine"  # what came before is kept
    assert lines[1] == (f"Error: {path}:2: text: a lone surrogate U+D800 at character 6 is not "
                        "text (half of a character, or a byte that is not UTF-8)")
    assert "Traceback" not in result.output
    line = _error(runner.invoke(cli, ["segments", "a\udcff"]))
    assert line.startswith("Error: TEXT: a lone surrogate U+DCFF at character 2")
