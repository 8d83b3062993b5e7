"""The emsg command line: output people read, JSON programs read, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from messaging.cli import cli

from .conftest import EARTHQUAKE, HURRICANE, ROOT


def _ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def _bad(result, *fragments: str):
    """Exit 2, one 'Error:' line naming the problem, no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_draft_json_has_the_documented_fields(runner):
    out = _ok(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(HURRICANE),
                                  "--lang", "es,ht", "--channel", "sms,long",
                                  "--format", "json"]))
    rows = json.loads(out)
    assert [(r["language"], r["channel"]) for r in rows] == [
        ("es", "sms"), ("es", "long"), ("ht", "sms"), ("ht", "long")]
    for row in rows:
        for key in ("type", "language", "language_used", "channel", "text", "unreviewed",
                    "warnings"):
            assert key in row
        assert row["type"] == "early_warning"
    sms = rows[0]
    assert sms["encoding"] == "UCS-2" and sms["segments"] >= 2
    assert "encoding" not in rows[1]


def test_draft_text_output_and_exercise(runner):
    out = _ok(runner.invoke(cli, ["draft", "evacuation", "--scenario", "hurricane-tapachula",
                                  "--lang", "fr", "--channel", "sms", "--exercise"]))
    assert out.startswith("== evacuation / fr (français) / sms ==")
    assert "EXERCICE" in out
    assert "UNREVIEWED" in out


def test_draft_var_overrides_a_fact(runner):
    out = _ok(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(EARTHQUAKE),
                                  "--var", "shelter=Estadio Cementos Progreso", "--lang", "en",
                                  "--channel", "sms"]))
    assert "Estadio Cementos Progreso" in out
    assert "Parque de la Industria" not in out


def test_draft_all_languages_and_channels(runner):
    rows = json.loads(_ok(runner.invoke(cli, ["draft", "safety_check", "--scenario",
                                              str(HURRICANE), "--lang", "all", "--channel",
                                              "all", "--format", "json"])))
    # en es fr ht pt quc mam ar zh, and kek kjb cak knj cac cab miq (empty: Spanish)
    assert len(rows) == 16 * 3
    assert {r["channel"] for r in rows} == {"sms", "long", "voice"}


def test_draft_cap_channel(runner):
    rows = json.loads(_ok(runner.invoke(cli, ["draft", "early_warning", "--scenario",
                                              str(HURRICANE), "--lang", "es", "--channel",
                                              "cap", "--format", "json"])))
    assert set(rows[0]["parts"]) == {"headline", "description", "instruction"}


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["draft", "tornado", "--scenario", str(HURRICANE)], ["unknown message type 'tornado'"]),
        (["draft", "early_warning", "--scenario", str(HURRICANE), "--lang", "xx"],
         ["unknown language 'xx'"]),
        (["draft", "early_warning", "--scenario", str(HURRICANE), "--channel", "fax"],
         ["unknown channel 'fax'"]),
        (["draft", "early_warning", "--var", "source=Consulado"], ["hazard", "missing fact"]),
        (["draft", "early_warning", "--scenario", str(HURRICANE), "--var", "onset=tomorrow"],
         ["--var: onset:"]),
        (["draft", "early_warning", "--scenario", str(HURRICANE), "--var", "oops"],
         ["NAME=VALUE"]),
        (["draft", "early_warning", "--scenario", "/nonexistent/s.toml"], ["file not found"]),
    ],
)
def test_draft_bad_input(runner, args, fragments):
    _bad(runner.invoke(cli, args), *fragments)


def test_malformed_scenario_names_file_and_line(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[facts]\nsource = "Consulado"\nhazard = hurricane\n', encoding="utf-8")
    line = _bad(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(bad)]))
    assert f"{bad}:3:" in line and "not valid TOML" in line


def test_invalid_datetime_in_scenario_names_line_and_field(runner, tmp_path):
    text = HURRICANE.read_text(encoding="utf-8").replace(
        "onset = 2026-09-15T18:00:00-06:00", 'onset = "2026-09-15 6pm"')
    bad = tmp_path / "s.toml"
    bad.write_text(text, encoding="utf-8")
    number = text.splitlines().index('onset = "2026-09-15 6pm"') + 1
    _bad(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(bad)]),
         f"{bad}:{number}: onset:")


def test_naive_datetime_is_refused(runner, tmp_path):
    text = HURRICANE.read_text(encoding="utf-8").replace(
        "expires = 2026-09-16T12:00:00-06:00", "expires = 2026-09-16T12:00:00")
    bad = tmp_path / "s.toml"
    bad.write_text(text, encoding="utf-8")
    _bad(runner.invoke(cli, ["draft", "early_warning", "--scenario", str(bad)]),
         "expires:", "no UTC offset")


def test_template_syntax_error_is_one_line(runner, tmp_path):
    import shutil

    templates = tmp_path / "t"
    shutil.copytree(ROOT / "message_templates", templates)
    (templates / "awareness" / "sms.j2").write_text("{% trans %}Hello {{ x {% endtrans %}")
    _bad(runner.invoke(cli, ["draft", "awareness", "--scenario", str(HURRICANE),
                             "--templates", str(templates), "--channel", "sms"]),
         "awareness/sms.j2:1:", "template syntax error")


def test_segments_text_and_json(runner):
    out = _ok(runner.invoke(cli, ["segments", "Evacúe ahora"]))
    assert out.splitlines()[0] == "UCS-2, 1 segment(s), 12 characters"
    assert "outside GSM-7: ú" in out
    data = json.loads(_ok(runner.invoke(cli, ["segments", "Kʼicheʼ", "--format", "json"])))
    assert data["encoding"] == "UCS-2"
    assert data["smart"] == {"text": "K'iche'", "encoding": "GSM-7", "segments": 1}


def test_segments_jsonl_streams_one_object_per_line(runner, tmp_path):
    path = tmp_path / "texts.jsonl"
    path.write_text('"a"\n"' + "a" * 161 + '"\n"á"\n', encoding="utf-8")
    lines = _ok(runner.invoke(cli, ["segments", "--jsonl", str(path)])).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [(r["encoding"], r["segments"]) for r in rows] == [
        ("GSM-7", 1), ("GSM-7", 2), ("UCS-2", 1)]


def test_segments_jsonl_bad_line_keeps_what_was_done(runner, tmp_path):
    path = tmp_path / "texts.jsonl"
    path.write_text('"ok"\n{"not": "a string"}\n', encoding="utf-8")
    result = runner.invoke(cli, ["segments", "--jsonl", str(path)])
    assert result.exit_code == 2
    first, error = result.output.splitlines()
    assert json.loads(first)["text"] == "ok"
    assert error == f"Error: {path}:2: expected a JSON string, got dict"


def test_segments_jsonl_missing_file(runner, tmp_path):
    missing = tmp_path / "nope.jsonl"
    _bad(runner.invoke(cli, ["segments", "--jsonl", str(missing)]), f"{missing}: cannot read")


def test_segments_needs_exactly_one_input(runner):
    _bad(runner.invoke(cli, ["segments"]), "TEXT or --jsonl")


def test_demo_shows_every_language_and_lessons(runner):
    out = _ok(runner.invoke(cli, ["demo"]))
    for code in ("es", "ht", "fr", "quc", "mam", "pt", "ar", "en"):
        assert f"\n{code} " in out
    assert "What the numbers show:" in out
    assert "UCS-2" in out and "GSM-7" in out
    data = json.loads(_ok(runner.invoke(cli, ["demo", "--format", "json"])))
    assert len(data["messages"]) == 8
    assert data["lessons"]


def test_languages_reports_review_status(runner):
    rows = json.loads(_ok(runner.invoke(cli, ["languages", "--format", "json"])))
    by_code = {r["code"]: r for r in rows}
    assert by_code["mam"]["chain"] == ["mam", "es", "en"]
    assert by_code["ar"]["direction"] == "rtl"
    assert by_code["quc"]["status"] == "unreviewed (fuzzy)"
    assert by_code["quc"]["fuzzy"] == by_code["quc"]["total"]
    assert by_code["en"]["status"] == "source language"
    text = _ok(runner.invoke(cli, ["languages"]))
    assert "Kʼicheʼ" in text


def test_templates_lists_types(runner):
    rows = json.loads(_ok(runner.invoke(cli, ["templates", "--format", "json"])))
    assert [r["type"] for r in rows] == sorted(["awareness", "early_warning", "evacuation",
                                                "relief_assistance", "safety_check",
                                                "all_clear"])
    ew = next(r for r in rows if r["type"] == "early_warning")
    assert ew["variables"]["onset"] == {"type": "datetime", "role": "time", "required": True}
    assert ew["cap"]["responseType"] == "Prepare"


def test_every_command_has_help(runner):
    for name in cli.list_commands(None):
        out = _ok(runner.invoke(cli, [name, "--help"]))
        assert "Usage:" in out


def test_checkout_entry_point_and_fast_draft_path():
    """``python cli.py`` works from a checkout, and drafting never imports twilio."""
    code = (
        "import sys, runpy; sys.argv = ['cli.py', 'draft', 'early_warning', '--scenario', "
        f"{str(HURRICANE)!r}, '--lang', 'es', '--channel', 'sms']\n"
        "try:\n    runpy.run_path('cli.py', run_name='__main__')\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = [m for m in ('twilio', 'starlette', 'uvicorn', 'playwright', 'lxml') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "alerta de huracán" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY []"
