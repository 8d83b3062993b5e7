"""Outputs never destroy inputs: every -o, --outbox and --journal (issue 9, item 8).

Each test points an output at something the command reads — by its own path, through a
symlink and through a hard link — and checks that the command refuses with one line, exit
status 2, and that the input is byte for byte what it was.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from messaging.cli import cli
from messaging.outputs import OutputError, atomic_writer, write_atomic

from .conftest import HURRICANE

PEOPLE = "phone,language\n+52 962 100 0001,es\n+52 962 100 0002,ht\n"


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_bytes(HURRICANE.read_bytes())
    return path


@pytest.fixture
def journal(tmp_path, runner, scenario) -> Path:
    """A real campaign journal, from a drafts send."""
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    path = tmp_path / "campaign.sqlite"
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", str(scenario),
                                 "--recipients", str(people), "--journal", str(path),
                                 "--exercise", "--opt-outs", str(tmp_path / "optouts.txt")])
    assert result.exit_code == 0, result.output
    return path


def _aliases(tmp_path: Path, target: Path) -> list[Path]:
    """The same file under two other names: a symlink and a hard link."""
    link = tmp_path / f"link-to-{target.name}"
    link.symlink_to(target)
    hard = tmp_path / f"hard-{target.name}"
    os.link(target, hard)
    return [target, link, hard]


def _one_error_line(result, path: Path) -> str:
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {path}: ") and "Traceback" not in result.output
    return line


def _journal_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM recipients").fetchone()[0]


def test_export_never_replaces_its_journal(runner, journal, tmp_path):
    before = journal.read_bytes()
    for alias in _aliases(tmp_path, journal):
        for force in ([], ["--force"]):
            result = runner.invoke(cli, ["export", "--journal", str(journal), "-o",
                                         str(alias), *force])
            line = _one_error_line(result, alias)
            assert "same file as the input" in line
    assert journal.read_bytes() == before
    assert _journal_rows(journal) == 2


def test_export_refuses_an_existing_file_unless_forced(runner, journal, tmp_path):
    out = tmp_path / "outcome.csv"
    out.write_text("kept\n", encoding="utf-8")
    result = runner.invoke(cli, ["export", "--journal", str(journal), "-o", str(out)])
    assert "already exists (pass --force" in _one_error_line(result, out)
    assert out.read_text(encoding="utf-8") == "kept\n"
    result = runner.invoke(cli, ["export", "--journal", str(journal), "-o", str(out),
                                 "--force"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("command", [
    ["cap", "export", "early_warning", "--lang", "es", "--exercise"],
    ["preview", "early_warning", "--lang", "es"],
])
def test_cap_export_and_preview_never_overwrite_their_scenario(runner, scenario, tmp_path,
                                                               command):
    before = scenario.read_bytes()
    for alias in _aliases(tmp_path, scenario):
        result = runner.invoke(cli, [*command, "--scenario", str(scenario), "-o", str(alias),
                                     "--force"])
        assert "same file as the input" in _one_error_line(result, alias)
    assert scenario.read_bytes() == before


def test_preview_never_writes_into_its_templates(runner, data_copy):
    templates, locales = data_copy
    target = next((templates / "early_warning").glob("sms*"))
    before = target.read_bytes()
    result = runner.invoke(cli, ["preview", "early_warning", "--lang", "es", "--templates",
                                 str(templates), "--locales", str(locales), "-o", str(target),
                                 "--force"])
    assert f"is inside the input {templates}" in _one_error_line(result, target)
    assert target.read_bytes() == before


def test_cap_import_never_overwrites_the_alert_it_reads(runner, scenario, tmp_path):
    alert = tmp_path / "alert.xml"
    assert runner.invoke(cli, ["cap", "export", "early_warning", "--scenario", str(scenario),
                               "--lang", "es", "--exercise", "-o", str(alert)]).exit_code == 0
    before = alert.read_bytes()
    result = runner.invoke(cli, ["cap", "import", str(alert), "-o", str(alert), "--force"])
    assert "same file as the input" in _one_error_line(result, alert)
    assert alert.read_bytes() == before


@pytest.mark.parametrize("option", ["--journal", "--opt-outs", "--outbox"])
def test_send_never_writes_over_its_recipients_or_scenario(runner, scenario, tmp_path, option):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    before = {p: p.read_bytes() for p in (people, scenario)}
    for victim in (people, scenario):
        if option == "--outbox":  # the outbox file inside DIR is what would be written
            folder = tmp_path / f"outbox-{victim.stem}"
            folder.mkdir()
            (folder / "outbox.jsonl").symlink_to(victim)
            value, shown = folder, folder / "outbox.jsonl"
        else:
            value = shown = tmp_path / f"alias-{option[2:]}-{victim.name}"
            value.symlink_to(victim)
        args = ["send", "early_warning", "--scenario", str(scenario), "--recipients",
                str(people), "--exercise", option, str(value)]
        if option != "--opt-outs":
            args += ["--opt-outs", str(tmp_path / "optouts.txt")]
        result = runner.invoke(cli, args)
        assert "same file as the input" in _one_error_line(result, shown)
    assert {p: p.read_bytes() for p in before} == before


def test_send_refuses_a_journal_that_is_its_opt_out_list(runner, scenario, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    optouts = tmp_path / "optouts.txt"
    optouts.write_text("+529621000009\n", encoding="utf-8")
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", str(scenario),
                                 "--recipients", str(people), "--exercise", "--journal",
                                 str(optouts), "--opt-outs", str(optouts)])
    assert result.exit_code == 2 and "same file as the input" in result.output
    assert optouts.read_text(encoding="utf-8") == "+529621000009\n"


def test_a_resumed_journal_is_not_an_overwrite(runner, scenario, journal, tmp_path):
    """--journal is resumed, not replaced: an existing journal needs no --force."""
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", str(scenario),
                                 "--recipients", str(tmp_path / "people.csv"), "--journal",
                                 str(journal), "--exercise", "--opt-outs",
                                 str(tmp_path / "optouts.txt")])
    assert result.exit_code == 0, result.output
    assert "Nothing left to send" in result.output


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_users_umask(tmp_path, umask):
    """Written through a child process, so the test's own umask stays as it was."""
    out = tmp_path / "page.html"
    code = (f"import os; os.umask({umask}); from messaging.outputs import write_atomic; "
            f"write_atomic({str(out)!r}, 'x')")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    out = tmp_path / "alert.xml"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_writer(out, force=True) as f:
        f.write("half of the new")
        raise RuntimeError("the disk filled up")
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alert.xml"]


def test_a_file_that_appears_meanwhile_is_not_replaced_unforced(tmp_path):
    out = tmp_path / "scenario.toml"
    with pytest.raises(OutputError, match="already exists"), atomic_writer(out) as f:
        f.write("generated")
        out.write_text("written by someone else meanwhile\n", encoding="utf-8")
    assert out.read_text(encoding="utf-8") == "written by someone else meanwhile\n"
    write_atomic(out, "replaced", force=True)
    assert out.read_text(encoding="utf-8") == "replaced"
