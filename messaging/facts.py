"""Typed facts: parse what a scenario says, then format it for one audience.

Parsing happens once per message type and scenario and fails loudly: a missing fact, an
empty place name, a time without a UTC offset, a phone number that is not one. Formatting
happens per language and channel, with Babel in the language's formatting locale and in
the event's time zone. Places, names and links are never translated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    timezone: str | None = None

    @cached_property
    def key(self) -> tuple:
        """Hashable identity of these facts, for the render cache."""
        return tuple(sorted((k, repr(v)) for k, v in self.values.items())) + (self.timezone,)


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

    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r} ({exc._msg})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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


def parse_facts(message_type: MessageType, scenario: Scenario) -> Facts:
    """Check and type every fact ``message_type`` needs. Raises on the first problem."""
    values: dict[str, object] = {}
    tz = scenario.facts.get("timezone", scenario.timezone)
    if tz is not None:
        try:
            zone(str(tz))
        except (ValueError, KeyError):
            raise ScenarioError(f"unknown time zone {tz!r} (use an IANA name such as "
                                "America/Mexico_City)", path=scenario.path,
                                field="timezone") from None
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
    return Facts(values, types, str(tz) if tz else None)


@lru_cache(maxsize=64)
def zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(name) from None


def _offset_label(value: dt.datetime) -> str:
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def format_datetime(value: dt.datetime, locale: str, channel: str, tz: str | None) -> str:
    """A time people can act on: local to the event, always with its zone.

    Written channels give the locale's short date, a 24-hour time and the UTC offset
    ("jue, 27 nov, 18:00 UTC-6"), identical digits in every language. The voice channel
    gives the full date and the locale's spoken time with the zone's name.
    """
    from babel import dates

    if tz:
        value = value.astimezone(zone(tz))
    if channel == "voice":
        day = dates.format_date(value, "full", locale=locale)
        time = dates.format_time(value, "short", locale=locale)
        try:
            zone_name = dates.get_timezone_name(value, "long", locale=locale) if tz else ""
        except (LookupError, ValueError):
            zone_name = ""
        return f"{day}, {time} ({zone_name or _offset_label(value)})"
    day = dates.format_skeleton("MMMEd", value, locale=locale)
    return f"{day}, {value:%H:%M} {_offset_label(value)}"


def format_phone(e164: str, channel: str) -> str:
    import phonenumbers

    number = phonenumbers.parse(e164, None)
    text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if channel == "voice":
        # Read digit by digit: "9 6 2", not "nine hundred and sixty-two".
        return ", ".join(" ".join(group) for group in text.lstrip("+").split())
    return text


def format_value(kind: str, value: object, locale: str, channel: str,
                 tz: str | None) -> object:
    """A typed value as one audience reads it (hazards are translated by the renderer)."""
    if value is None:
        return None
    if kind == "datetime":
        return format_datetime(value, locale, channel, tz)  # type: ignore[arg-type]
    if kind == "phone":
        return format_phone(str(value), channel)
    return value  # counts stay numbers: ngettext chooses the plural form from them
