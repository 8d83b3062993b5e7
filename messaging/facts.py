"""Typed facts: parse what a scenario says, once per message type and scenario.

Parsing fails loudly: a missing fact, an empty place name, a control character (DEL, NUL,
ESC ...: no SMS carries one and CAP's XML cannot), a time without a UTC offset or without
the event's time zone to name it by, a phone number that is not one. Formatting
for one audience (language, channel) is :mod:`messaging.formatting`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .errors import MissingVariable, ScenarioError
from .glossary import HAZARDS
from .message_types import MessageType, Variable
from .scenarios import Scenario


@dataclass(frozen=True)
class Facts:
    """The typed values one message type needs, ready to be formatted."""

    values: dict[str, object]
    types: dict[str, str]
    #: the event's IANA time zone: times are shown in it, and it is named by place
    timezone: str | None = None
    #: the event's country (ISO 3166 alpha-2): a phone number there is also read locally
    region: str | None = None
    #: what the scenario's times say against each other and the zone (see chronology.py):
    #: worth a look, not wrong; never part of the render cache's key
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def key(self) -> tuple:
        """Hashable identity of these facts, for the render cache."""
        return tuple(sorted((k, repr(v)) for k, v in self.values.items())) + (
            self.timezone, self.region)


def _error(scenario: Scenario, name: str, reason: str) -> ScenarioError:
    path, line = scenario.origin(name)
    return ScenarioError(reason, path=path, line=line, field=name)


def _parse_datetime(raw: object) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        value = dt.datetime.fromisoformat(raw.strip())
    else:
        raise ValueError(f"expected an ISO 8601 date and time, got {raw!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset (write e.g. "
                         f"{value.isoformat()}-06:00)")
    return value


def _parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _parse_phone(raw: object, region: str | None) -> str:
    import phonenumbers

    short = _short_number(str(raw), region)
    if short:  # 911, 112, 119: dialled as is, only in the region (phonenumbers' short data)
        return short
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r} ({exc._msg})") from None
    if not phonenumbers.is_valid_number(number):
        hint = "" if region else " (a short number such as 911 needs the scenario's region)"
        raise ValueError(f"not a valid phone number: {raw!r}{hint}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _short_number(raw: str, region: str | None) -> str | None:
    """The digits of an emergency or service short number valid in ``region``, or None."""
    import phonenumbers

    digits = raw.strip()
    if not region or not digits.isdigit() or len(digits) > 6:
        return None
    try:
        number = phonenumbers.parse(digits, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_short_number_for_region(number, region.upper()):
        return digits
    return None


def parse_value(var: Variable, raw: object, region: str | None = None) -> object:
    """One raw value → its typed form, or ``ValueError`` saying what is wrong."""
    kind = var.type
    if kind == "datetime":
        return _parse_datetime(raw)
    if kind == "bool":
        return _parse_bool(raw)
    if kind == "count":
        if isinstance(raw, bool):
            raise ValueError(f"expected a whole number, got {raw!r}")
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
        least = var.minimum if var.minimum is not None else 0
        if number < least:
            raise ValueError(f"expected a number of {least} or more, got {number}")
        return number
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
        raise ValueError(f"expected text, got {raw!r}")
    text = " ".join(str(raw).split())
    if not text:
        raise ValueError("is empty")
    from .encoding import lone_surrogate

    surrogate = lone_surrogate(text)
    if surrogate:
        raise ValueError(surrogate)
    control = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if control is not None:  # an SMS cannot carry it, and it makes CAP XML ill-formed
        raise ValueError(f"contains the control character U+{ord(control):04X} (character "
                         f"{text.index(control) + 1}); remove it")
    if kind == "phone":
        return _parse_phone(text, region)
    if kind == "url":
        if not text.startswith(("https://", "http://")):
            raise ValueError(f"expected a link starting with https://, got {text!r}")
        return text
    if kind == "hazard":
        if text not in HAZARDS:
            raise ValueError(f"unknown hazard {text!r} (known: {', '.join(HAZARDS)})")
        return text
    return text


def parse_facts(message_type: MessageType, scenario: Scenario, *,
                chronology: bool = True) -> Facts:
    """Check and type every fact ``message_type`` needs. Raises on the first problem.

    Then the scenario's times against each other (:mod:`messaging.chronology`): an error
    raises, warnings travel with the facts. ``chronology=False`` for a caller that has
    already reported them (``emsg check``).
    """
    values: dict[str, object] = {}
    tz = scenario.facts.get("timezone", scenario.timezone)
    if tz is not None:
        from .scenarios import check_timezone

        key = "timezone" if "timezone" in scenario.facts else "scenario.timezone"
        path, line = scenario.origin(key)
        check_timezone(tz, path, line, "timezone")
    for name, var in message_type.variables.items():
        if name not in scenario.facts:
            if var.required:
                path, _ = scenario.origin(name)
                where = f" (add it to [facts] in {path} or pass --var {name}=...)" if path \
                    else f" (pass --var {name}=... or --scenario FILE)"
                raise MissingVariable(f"missing fact needed by {message_type.name}{where}",
                                      field=name)
            values[name] = var.default
            continue
        try:
            values[name] = parse_value(var, scenario.facts[name], scenario.region)
        except ValueError as exc:
            raise _error(scenario, name, str(exc)) from None
    types = {name: var.type for name, var in message_type.variables.items()}
    if tz is None:
        timed = [n for n, v in values.items() if types[n] == "datetime" and v is not None]
        if timed:
            raise ScenarioError(
                f"{message_type.name} states times ({', '.join(timed)}) and needs the event's "
                "time zone to name them by place (\"hora de Guatemala\"): set timezone = "
                "\"America/Guatemala\" (an IANA name) under [scenario], or pass --var "
                "timezone=...", path=scenario.path, field="timezone")
    region = str(scenario.region).upper() if scenario.region else None
    warnings: tuple[str, ...] = ()
    if chronology:
        from .chronology import check_chronology

        found = check_chronology(scenario, forecast=forecast(message_type, scenario))
        found.raise_first()
        warnings = tuple(str(w) for w in found.warnings)
    return Facts(values, types, str(tz) if tz else None, region, warnings)


def check_fact_names(scenario: Scenario, known: list[str]) -> None:
    """Every fact of the scenario is one some message type takes: ``--var shleter=...``
    must not leave the old shelter in the message."""
    from .names import closest

    for name in scenario.facts:
        if name in known:
            continue
        guess = closest(name, known)
        hint = f"did you mean {guess}?" if guess else f"known: {', '.join(known)}"
        raise _error(scenario, name, f"unknown fact ({hint})")


def forecast(message_type: MessageType, scenario: Scenario) -> bool:
    """Whether the scenario's hazard is forecast before it strikes (an earthquake is not)."""
    from .errors import TemplateError
    from .protective_actions import load_hazards

    hazard = scenario.facts.get("hazard")
    if not isinstance(hazard, str):
        return True
    try:
        return load_hazards(message_type.path.parent).get(hazard.strip()).forecast
    except TemplateError:
        return True


@lru_cache(maxsize=64)
def zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: "America" is a folder of tzdata, not a zone (IsADirectoryError)
        raise ValueError(name) from None
