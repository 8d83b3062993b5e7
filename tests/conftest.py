"""Shared fixtures: the bundled renderer, scenarios, a CLI runner, and ../shared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from messaging.rendering import Renderer
from messaging.scenarios import load_scenario

ROOT = Path(__file__).resolve().parent.parent
HURRICANE = ROOT / "scenarios" / "hurricane-tapachula.toml"
EARTHQUAKE = ROOT / "scenarios" / "earthquake-guatemala.toml"


def shared_dir() -> Path | None:
    """The team's ../shared folder (Twilio's OpenAPI spec, the CAP schema), if present.

    ``EMSG_SHARED`` wins; otherwise a ``shared/`` beside the checkout or any parent of it,
    or of the local repository it was cloned from.
    """
    env = os.environ.get("EMSG_SHARED")
    if env:
        return Path(env) if Path(env).is_dir() else None
    # Beside this checkout, or beside the repository it was cloned from (CI clones main).
    for root in (ROOT, *_origin()):
        for parent in root.parents:
            candidate = parent / "shared"
            if (candidate / "SPEC.md").is_file():
                return candidate
    return None


def _origin() -> list[Path]:
    """The local folder this checkout was cloned from, if it was cloned from one."""
    import configparser

    config = configparser.ConfigParser(strict=False)
    try:
        config.read(ROOT / ".git" / "config", encoding="utf-8")
        url = config.get('remote "origin"', "url", fallback="")
    except (OSError, configparser.Error):
        return []
    url = url.removeprefix("file://")
    return [Path(url).resolve()] if url.startswith("/") and Path(url).is_dir() else []


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("../shared (Twilio OpenAPI spec, CAP schema) is not beside this "
                    "checkout; set EMSG_SHARED to its path")
    return path


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="session")
def hurricane():
    return load_scenario(HURRICANE)


@pytest.fixture(scope="session")
def earthquake():
    return load_scenario(EARTHQUAKE)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data_copy(tmp_path) -> tuple[Path, Path]:
    """A private copy of message_templates/ and locales/, for a test to break."""
    templates = tmp_path / "message_templates"
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "message_templates", templates)
    shutil.copytree(ROOT / "locales", locales)
    return templates, locales


def one_error_line(result) -> str:
    """The one ``Error:`` line of a refused command: exit status 2, no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]
