"""CAP import against hostile alerts: no value may change the scenario's structure, control
characters never reach an SMS or a CAP file, and input is read up to the size limit only."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path

import pytest

from messaging.cap_import import read_alert
from messaging.cap_scenario import scenario_toml, toml_string
from messaging.cap_xml import MAX_BYTES
from messaging.cli import cli
from messaging.scenarios import load_scenario

from .conftest import ROOT

DATA = Path(__file__).parent / "data" / "cap"
EARTHQUAKE = (DATA / "earthquake-gt.xml").read_text(encoding="utf-8")

#: a newline in <identifier> that, written raw into the header comment, would end it and
#: add a table: an [area] circle around Tokyo that cap export would then use
IDENTIFIER = 'GT-PC-2026-SIS-0042\n[area]\ncircle = "35.6762,139.6503 50"\n#'
#: the same through character references, which XML keeps as CR LF
SENDER_XML = ("proteccioncivil.example.org&#13;&#10;[area]&#13;&#10;"
              "polygon = \"35.6,139.6 35.7,139.6 35.7,139.7 35.6,139.6\"&#13;&#10;#")
SENDER = SENDER_XML.replace("&#13;", "\r").replace("&#10;", "\n")


def hostile_alert() -> str:
    xml = EARTHQUAKE.replace("<circle>14.6349,-90.5069 25</circle>", "")
    xml = xml.replace("<identifier>GT-PC-2026-SIS-0042</identifier>",
                      f"<identifier>{IDENTIFIER}</identifier>")
    xml = xml.replace("<sender>proteccioncivil.example.org</sender>",
                      f"<sender>{SENDER_XML}</sender>")
    # DEL in the headline (once written raw, a scenario TOML cannot read back), DEL in the
    # sender's name and a C1 control (Windows-1252's en dash read as Latin-1) in the area
    xml = xml.replace("<headline>Sismo de magnitud", "<headline>Sismo&#127; de magnitud")
    xml = xml.replace("<senderName>Coordinadora", "<senderName>Coordinadora&#127;")
    xml = xml.replace("<areaDesc>Mixco</areaDesc>", "<areaDesc>Mixco &#150; zona 1</areaDesc>")
    return xml


@pytest.fixture
def imported_toml(tmp_path, renderer) -> Path:
    alert = tmp_path / "hostile.xml"
    alert.write_text(hostile_alert(), encoding="utf-8")
    target = tmp_path / "scenario.toml"
    target.write_text(scenario_toml(read_alert(alert, renderer=renderer), renderer),
                      encoding="utf-8")
    return target


def test_no_alert_value_can_add_a_key_or_a_table(imported_toml):
    text = imported_toml.read_text(encoding="utf-8")
    data = tomllib.loads(text)  # it reads back, DEL and all
    assert "area" not in data, text  # the alert has no geometry; nothing smuggled one in
    assert set(data) == {"scenario", "facts", "cap"}
    assert data["cap"]["identifier"] == IDENTIFIER
    assert data["cap"]["sender"] == SENDER
    assert data["cap"]["headline"].startswith("Sismo\x7f de magnitud")
    assert data["facts"]["source"].startswith("Coordinadora\x7f")
    # no raw control character anywhere but the line ends, comments included
    for line in text.split("\n"):
        assert not [c for c in line if unicodedata.category(c) == "Cc"], repr(line)
    header = text.split("\n[scenario]", 1)[0]
    assert all(line.startswith("#") for line in header.splitlines())
    assert "GT-PC-2026-SIS-0042\\u000A[area]" not in header  # whitespace collapsed ...
    assert "GT-PC-2026-SIS-0042 [area] circle" in header  # ... in the comment, one line
    scenario = load_scenario(imported_toml)
    assert "area" not in scenario.extra


@pytest.mark.parametrize("value", ["a\nb", "a\r\nb", "tab\there", "del\x7f", "nul\x00",
                                   "esc\x1b[31m", "c1\x96", "nel\x85", "ls\u2028ps\u2029",
                                   'quote " and \\ backslash', "ʼ ñ 中文 🌀"])
def test_toml_strings_read_back_exactly(value):
    written = toml_string(value)
    assert "\n" not in written and "\r" not in written and "\x7f" not in written
    assert tomllib.loads(f"x = {written}\n")["x"] == value


@pytest.mark.parametrize("command", [["draft", "early_warning"],
                                     ["cap", "export", "early_warning"]])
def test_control_characters_in_imported_facts_are_refused_before_sms_or_cap(
        command, imported_toml, runner, tmp_path):
    out = tmp_path / "alert.xml"
    args = [*command, "--scenario", str(imported_toml), "--var", "shelter=Escuela 5",
            "--var", "expires=2026-03-03T06:00:00-06:00", "--lang", "es", "--exercise"]
    if command[0] == "cap":
        args += ["-o", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "source: contains the control character U+007F" in result.output
    assert str(imported_toml) in result.output
    assert not out.exists()


@pytest.mark.parametrize(("value", "code"), [
    ("Escuela\x7f5", "U+007F"), ("Escuela \x1b[31m5", "U+001B"), ("Escuela\x00", "U+0000"),
    ("Escuela \x96 5", "U+0096")])
@pytest.mark.parametrize("command", ["draft", "cap"])
def test_control_characters_in_var_are_one_line(value, code, command, runner, tmp_path):
    out = tmp_path / "alert.xml"
    args = (["draft", "early_warning"] if command == "draft"
            else ["cap", "export", "early_warning", "-o", str(out)])
    result = runner.invoke(cli, [*args, "--scenario", "hurricane-tapachula", "--lang", "es",
                                 "--var", f"shelter={value}"])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert f"shelter: contains the control character {code}" in result.output
    assert not out.exists()


def test_a_file_over_the_limit_is_refused_one_line(runner, tmp_path):
    big = tmp_path / "big.xml"
    with big.open("wb") as f:
        f.write(b"<alert>")
        f.truncate(MAX_BYTES + 1)
    out = tmp_path / "s.toml"
    result = runner.invoke(cli, ["cap", "import", str(big), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output == (f"Error: {big}: more than {MAX_BYTES:,} bytes: too large for a "
                             "CAP alert (read stopped there)\n")
    assert not out.exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_stream_is_read_up_to_the_limit_and_no_further(tmp_path):
    """/dev/zero never ends: read whole, it would fill memory. The child runs under a
    memory cap (4x the limit above its start-up) and a timeout, so a regression fails
    here instead of exhausting the machine."""
    limit = 512 * 1024 * 1024

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", "from messaging.cli import main; main()", "cap", "import",
         "/dev/zero", "-o", str(tmp_path / "s.toml")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        preexec_fn=cap_memory)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr == (f"Error: /dev/zero: more than {MAX_BYTES:,} bytes: too large for "
                           "a CAP alert (read stopped there)\n")
    assert not (tmp_path / "s.toml").exists()
