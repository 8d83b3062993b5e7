"""Where the bundled data lives: inside the installed package, or beside it in a checkout.

A wheel carries ``message_templates/``, ``locales/`` and ``scenarios/`` inside the
``messaging`` package (see ``[tool.hatch.build]`` in pyproject.toml); a checkout or an
editable install has them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The bundled folder ``name`` (``message_templates``, ``locales`` or ``scenarios``)."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled data folder {name!r} not found beside {_PACKAGE}")


def templates_dir() -> Path:
    return data_dir("message_templates")


def locales_dir() -> Path:
    return data_dir("locales")


def scenarios_dir() -> Path:
    return data_dir("scenarios")
