"""Scenarios: the facts of one emergency, in a TOML file, shared by every message type.

The vocabulary maps to CAP: ``source`` → senderName, ``hazard`` → event, ``area`` →
areaDesc, ``onset``/``expires`` → onset/expires, ``hotline`` → contact, ``url`` → web.
``--var NAME=VALUE`` overrides any fact. Values are checked against the types a message
type declares when it is rendered (see ``facts.py``), so the error can name the field and
the line of the file it came from.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ScenarioError

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")

#: CAP ``<status>`` values; a scenario from an alert that is not ``Actual`` records it
STATUSES = ("Actual", "Exercise", "Test", "Draft", "System")


@dataclass
class Scenario:
    title: str = "(no scenario)"
    description: str = ""
    path: str | None = None
    timezone: str | None = None
    region: str | None = None
    languages: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)
    #: where each fact came from: a line of the file, or "--var"
    origins: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    audiences: list[dict] = field(default_factory=list)
    #: anything else in the file, for other commands (``[area]`` for CAP export)
    extra: dict[str, object] = field(default_factory=dict)
    #: the CAP status of the alert the scenario comes from (``[scenario] status``)
    status: str | None = None

    @property
    def exercise_only(self) -> bool:
        """From an Exercise, Test, Draft or System alert: never a real warning."""
        return self.status not in (None, "Actual")

    def exercise_mode(self, requested: bool | None) -> bool:
        """``--exercise`` (True), ``--real`` (False), or neither (None): the scenario's own
        mode, an exercise when it comes from an exercise alert."""
        return self.exercise_only if requested is None else requested

    def refuse_real_send(self) -> None:
        """A live send of an exercise scenario as a real alert: one line, nothing sent."""
        if self.exercise_only:
            path, line = self.origin("scenario.status")
            raise ScenarioError(
                f"{self.status}: this scenario comes from a CAP alert that is not Actual; a "
                "live send as a real alert is refused (send it as an exercise: without --real)",
                path=path, line=line, field="scenario.status")

    def origin(self, name: str) -> tuple[str | None, int | None]:
        return self.origins.get(name, (self.path, None))

    def with_overrides(self, assignments: list[str] | tuple[str, ...]) -> Scenario:
        """A copy with ``NAME=VALUE`` overrides applied (values stay strings until typed)."""
        facts = dict(self.facts)
        origins = dict(self.origins)
        for item in assignments:
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ScenarioError(f"expected NAME=VALUE, got {item!r}", field="--var")
            facts[name] = value
            origins[name] = ("--var", None)
        copy = Scenario(**{**self.__dict__, "facts": facts, "origins": origins})
        return copy


def key_lines(text: str, table: str) -> dict[str, int]:
    """Line numbers of ``key = ...`` inside ``[table]``; good enough for error messages."""
    lines: dict[str, int] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
            continue
        if current == table:
            match = re.match(r"([A-Za-z_][A-Za-z0-9_-]*)\s*=", stripped)
            if match:
                lines.setdefault(match.group(1), number)
    return lines


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def check_timezone(name: object, path: str | None, line: int | None, field: str) -> None:
    """An IANA zone name (``America/Guatemala``): not a region folder of tzdata
    (``America``), not a file path, not a number."""
    from .facts import zone

    try:
        if not isinstance(name, str):
            raise ValueError(name)
        zone(name)
    except ValueError:
        raise ScenarioError(f"unknown time zone {_shown(name)} (use an IANA name such as "
                            "\"America/Mexico_City\")", path=path, line=line,
                            field=field) from None


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read file ({exc})", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        reason = _TOML_LINE.sub("", str(exc)).strip()
        raise ScenarioError(f"not valid TOML: {reason}", path=str(path),
                            line=int(match.group(1)) if match else None) from None
    meta = data.pop("scenario", {})
    facts = data.pop("facts", None)
    if not isinstance(facts, dict):
        raise ScenarioError("missing [facts] table", path=str(path))
    if not isinstance(meta, dict):
        raise ScenarioError("[scenario] must be a table", path=str(path))
    lines = key_lines(text, "facts")
    meta_lines = key_lines(text, "scenario")
    languages = meta.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise ScenarioError("must be a list of language codes", path=str(path),
                            line=meta_lines.get("languages"), field="scenario.languages")
    region = meta.get("region")
    if region is not None:
        if not isinstance(region, str) or not re.fullmatch(r"[A-Za-z]{2}", region.strip()):
            raise ScenarioError(f"expected a two-letter country code such as \"GT\", got "
                                f"{_shown(region)}", path=str(path),
                                line=meta_lines.get("region"), field="scenario.region")
        region = region.strip().upper()
    timezone = meta.get("timezone")
    if timezone is not None:
        check_timezone(timezone, str(path), meta_lines.get("timezone"), "scenario.timezone")
    status = meta.get("status")
    if status is not None and status not in STATUSES:
        from .names import unknown

        raise ScenarioError(unknown("CAP status", str(status), STATUSES), path=str(path),
                            line=meta_lines.get("status"), field="scenario.status")
    audiences = data.pop("audiences", [])
    return Scenario(
        title=str(meta.get("title", path.stem)),
        description=str(meta.get("description", "")),
        path=str(path),
        timezone=timezone,
        region=region,
        languages=list(languages),
        facts=dict(facts),
        origins={**{k: (str(path), lines.get(k)) for k in facts},
                 **{f"scenario.{k}": (str(path), meta_lines.get(k)) for k in meta}},
        audiences=audiences if isinstance(audiences, list) else [],
        extra=data,
        status=status,
    )
