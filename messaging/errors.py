"""Exceptions raised by the library. The CLI turns each into one ``Error: ...`` line.

    EmsgError
    ├── InputError            bad input from a user's file or option (exit status 2)
    │   ├── ScenarioError     a scenario file or --var value
    │   ├── MissingVariable   a fact a template needs is absent
    │   ├── UnknownName       unknown message type, language or channel
    │   ├── TemplateError     a template cannot be parsed or rendered
    │   └── CatalogError      a catalog or languages.toml cannot be read
    └── RenderRefused         a message cannot be rendered safely in any language
"""

from __future__ import annotations


class EmsgError(Exception):
    """Root of every error emsg raises on purpose."""


class InputError(EmsgError, ValueError):
    """Bad input; the message names the file, line and field where there is one."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.reason = message
        self.path = path
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.reason}"


class ScenarioError(InputError):
    """A scenario file, or a ``--var`` override, is malformed."""


class MissingVariable(InputError, KeyError):
    """A template needs a fact that was not given. Never rendered as an empty string."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self._format()


class UnknownName(InputError, LookupError):
    """Unknown message type, language or channel."""


class TemplateError(InputError):
    """A message template has a syntax error or refers to something undefined."""


class CatalogError(InputError):
    """A catalog (``.po``) or ``languages.toml`` is unreadable or inconsistent."""


class RenderRefused(EmsgError):
    """No language in the fallback chain can render the message safely."""
