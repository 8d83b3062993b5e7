"""Checks on one message type and on one rendered message: the design rules of a warning."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..message_types import MessageType
from .findings import ERROR, WARNING, Finding
from .messages import ELEMENTS, Message

#: Twilio's maximum body, and the wireless-alert profiles (WEA: 90 and 360 characters)
TWILIO_MAX_CHARACTERS = 1600
ALERT_PROFILE_SHORT = 90
ALERT_PROFILE_LONG = 360
#: share of cased letters in capitals above which a message reads as shouting
CAPITALS_RATIO = 0.5
CAPITALS_MIN_LETTERS = 20
#: capitalised words that need no explanation
KNOWN_ACRONYMS = frozenset({"UTC", "GMT", "AM", "PM", "SMS", "ID", "OK", "WhatsApp"})


# -- checks on one message type ----------------------------------------------------------------

def check_template(message_type: MessageType) -> list[Finding]:
    """What ``template.toml`` declares: every element carried by a variable; times typed."""
    out: list[Finding] = []
    t = message_type.name
    for role in message_type.order:
        if role not in ELEMENTS:
            out.append(Finding(ERROR, "template", f"order lists {role!r}, not one of "
                               f"{', '.join(ELEMENTS)}", type=t))
    roles = message_type.roles()
    for role in ELEMENTS:
        if role not in roles:
            out.append(Finding(WARNING, "elements", f"no variable in template.toml has the "
                               f"{role} role, so its presence cannot be checked", type=t))
    for name in roles.get("time", []):
        kind = message_type.variables[name].type
        if kind != "datetime":
            out.append(Finding(ERROR, "time-zone", f"{name} carries the time but is a {kind}, "
                               "not a datetime: it has no time zone", type=t))
    return out


# -- checks on one message -----------------------------------------------------------------------

def _at(message: Message, severity: str, check: str, reason: str) -> Finding:
    r = message.result
    return Finding(severity, check, reason, type=r.type, language=r.language, channel=r.channel,
                   exercise=r.exercise)


def check_elements(message: Message, order: Sequence[str] = ELEMENTS) -> list[Finding]:
    """Every declared element present; in the template's order (except CAP's fixed parts)."""
    out: list[Finding] = []
    elements = message.elements()
    for role, position in elements.items():
        if position is None:
            names = ", ".join(n for n, r in message.roles.items() if r == role)
            out.append(_at(message, ERROR, "elements", f"no {role}: {names} not in the message"))
    if message.result.channel == "cap":
        return out  # headline, description and instruction have their own structure
    present = [(elements[r], r) for r in (order or ELEMENTS) if elements.get(r) is not None]
    actual = [r for _, r in sorted(present, key=lambda pr: pr[0])]
    expected = [r for _, r in present]
    if actual != expected:
        out.append(_at(message, WARNING, "order", f"elements read {' > '.join(actual)}; "
                       f"recommended {' > '.join(expected)}"))
    return out


_LINK = re.compile(r"https?://[^\s<>\"']+")
_CLOCK = re.compile(r"(?<![\w:.])\d{1,2}(?::\d{2}|\s?h\s?\d{2})(?![\w:])")
_ZONE_AFTER = re.compile(
    r"\s*(?:[^\s\d(.,;:]{1,5}\.?\s*){0,3}(?:UTC|GMT|\(|[+-]\d{2}:?\d{2}|Z\b)")


def _strip_links(text: str) -> str:
    return _LINK.sub(" ", text)


def check_time_zone(message: Message) -> list[Finding]:
    """Every clock time carries its zone. The times of the facts are formatted with theirs
    ("18:00 (hora de Guatemala)"); any other clock time in the text (one a translator or
    a template wrote) must be followed by one. How the zone is named is checked by
    :func:`messaging.checks.readings.check_zones`."""
    out: list[Finding] = []
    text = _strip_links(message.text)
    for name, value in message.values.items():
        if message.kinds.get(name) == "datetime" and value:
            text = text.replace(value, " ")
    for m in _CLOCK.finditer(text):
        if not _ZONE_AFTER.match(text, m.end()):
            out.append(_at(message, ERROR, "time-zone",
                           f"time {m.group(0)!r} has no time zone"))
    return out


def check_length(message: Message, limits: dict[str, int]) -> list[Finding]:
    """The channel's limit from ``template.toml`` ``[limits]``, Twilio's, and alert profiles."""
    out: list[Finding] = []
    r = message.result
    name = r.type
    if r.sms is not None:
        sent = r.sms.sent
        limit = limits.get("sms_segments")
        if limit and sent.segments > limit:
            out.append(_at(message, ERROR, "length", f"{sent.segments} SMS segments "
                           f"({sent.encoding}), over the {name} limit of {limit}"))
        if len(r.text) > TWILIO_MAX_CHARACTERS:
            out.append(_at(message, ERROR, "length", f"{len(r.text)} characters, over "
                           f"Twilio's {TWILIO_MAX_CHARACTERS:,} maximum"))
        if len(r.text) > ALERT_PROFILE_LONG:
            out.append(_at(message, WARNING, "length", f"{len(r.text)} characters: too long "
                           f"for a {ALERT_PROFILE_LONG}-character wireless alert"))
        return out
    if r.parts is not None:
        headline = r.parts.get("headline", "")
        limit = limits.get("cap_headline_characters", 160)
        if len(headline) > limit:
            out.append(_at(message, ERROR, "length", f"CAP headline has {len(headline)} "
                           f"characters, over {limit}"))
        if len(headline) > ALERT_PROFILE_SHORT:
            out.append(_at(message, WARNING, "length", f"CAP headline has {len(headline)} "
                           f"characters: too long for a {ALERT_PROFILE_SHORT}-character "
                           "wireless alert"))
        return out
    limit = limits.get(f"{r.channel}_characters")
    if limit and len(r.text) > limit:
        out.append(_at(message, ERROR, "length", f"{len(r.text)} characters, over the "
                       f"{r.channel} limit of {limit}"))
    return out


_PLACEHOLDER = re.compile(r"%\(\w*\)[-#0 +]*\d*[a-zA-Z]?|%[sdr](?!\w)|\{\{|\}\}|\{%|%\}|\{#|#\}")


def check_placeholders(message: Message) -> list[Finding]:
    """No gettext or Jinja placeholder left in the text."""
    found = list(dict.fromkeys(m.group(0) for m in _PLACEHOLDER.finditer(message.text)))
    if not found:
        return []
    return [_at(message, ERROR, "placeholder",
                f"leftover placeholder {', '.join(repr(f) for f in found)}")]


def _without_marker(message: Message) -> str:
    return message.text.replace(message.marker, " ") if message.marker else message.text


def check_capitals(message: Message) -> list[Finding]:
    """Not mostly capitals (the exercise marker, capitals by design, aside)."""
    letters = [c for c in _without_marker(message) if c.isupper() or c.islower()]
    if len(letters) < CAPITALS_MIN_LETTERS:
        return []
    ratio = sum(c.isupper() for c in letters) / len(letters)
    if ratio <= CAPITALS_RATIO:
        return []
    return [_at(message, WARNING, "capitals", f"{ratio:.0%} of letters are capitals: "
                "mixed case is easier to read")]


_ACRONYM = re.compile(r"(?<!\w)[^\W\d_]*[A-Z][^\W\d_]*[A-Z][^\W\d_]*(?!\w)")


def check_acronyms(message: Message) -> list[Finding]:
    """Acronyms a reader may not know ("INM"), unless explained: "... Migración (INM)"."""
    text = _strip_links(_without_marker(message))
    out = []
    seen: set[str] = set()
    for m in _ACRONYM.finditer(text):
        word = m.group(0)
        if (word in seen or word in KNOWN_ACRONYMS or not word.isupper()
                or f"({word})" in text or len(word) > 6):
            continue
        seen.add(word)
        out.append(_at(message, WARNING, "acronym", f"unexplained acronym {word!r}"))
    return out


def _word(marker: str) -> re.Pattern[str]:
    """The marker as a word; a marker that ends in punctuation ("【演习】") ends there."""
    pattern = re.escape(marker)
    if marker[:1].isalnum():
        pattern = r"(?<!\w)" + pattern
    if marker[-1:].isalnum():
        pattern += r"(?!\w)"
    return re.compile(pattern)


def check_exercise(message: Message) -> list[Finding]:
    """The marker ("SIMULACRO") opens every exercise message, and no real one."""
    marker, text = message.marker, message.text
    if not marker:
        return []
    present = _word(marker).search(text) is not None
    if message.result.exercise:
        if not present:
            return [_at(message, ERROR, "exercise",
                        f"exercise message without the marker {marker!r}")]
        if not text.lstrip().startswith(marker):
            return [_at(message, WARNING, "exercise",
                        f"exercise marker {marker!r} is not at the start")]
        return []
    if present:
        return [_at(message, ERROR, "exercise",
                    f"real message carries the exercise marker {marker!r}")]
    return []


def check_review(message: Message) -> list[Finding]:
    """Visible fallbacks and unreviewed (fuzzy) strings: warnings, never errors."""
    r = message.result
    out = []
    if r.fell_back:
        out.append(_at(message, WARNING, "fallback", f"not available in {r.language}: "
                       f"shown in {r.language_used}"))
    if r.unreviewed:
        out.append(_at(message, WARNING, "unreviewed",
                       f"uses unreviewed (fuzzy) translations in {r.language_used}"))
    return out


def check_message(message: Message, message_type: MessageType) -> list[Finding]:
    """Every check that needs only this one message."""
    return [
        *check_elements(message, message_type.order),
        *check_time_zone(message),
        *check_length(message, message_type.limits),
        *check_placeholders(message),
        *check_capitals(message),
        *check_acronyms(message),
        *check_exercise(message),
        *check_review(message),
    ]
