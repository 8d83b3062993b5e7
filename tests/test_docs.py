"""Every command is documented in the README, and the Quickstart holds two commands."""

from __future__ import annotations

import re

from messaging.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    for name in cli.list_commands(None):
        assert f"emsg {name}" in README, f"`emsg {name}` is not documented in README.md"


def test_quickstart_has_exactly_two_commands():
    section = README.split("## Quickstart", 1)[1]
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("emsg demo")
    assert "pytest" in commands[1]


def test_linked_docs_exist():
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).is_file(), link
