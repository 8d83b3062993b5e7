"""Shared fixtures: the bundled renderer, scenarios, a CLI runner, and ../shared."""

from __future__ import annotations

import os
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

    ``EMSG_SHARED`` wins; otherwise a ``shared/`` beside the checkout or any parent.
    """
    env = os.environ.get("EMSG_SHARED")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in ROOT.parents:
        candidate = parent / "shared"
        if (candidate / "SPEC.md").is_file():
            return candidate
    return None


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
