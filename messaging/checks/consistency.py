"""The same numbers, times, phone numbers and links in every language.

Compared on the text without its bidirectional isolates (:attr:`Message.text`): the
isolates around "+502 7761 2000" in Arabic change how it displays, not what it says.
"""

from __future__ import annotations

import re
import unicodedata

from .design import _LINK, _at, _strip_links
from .findings import ERROR, Finding
from .messages import Message, _needle

_PHONE = re.compile(r"\+\d[\d \-.]{5,}\d")
_TIME = re.compile(r"(?<![\w:])\d{1,2}:\d{2}(?![\d:])")
_NUMBER = re.compile(r"\d+")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _digits(text: str) -> str:
    return "+" + "".join(c for c in _ascii_digits(text) if c.isdigit())


def fact_tokens(message: Message) -> set[tuple[str, str]]:
    """The numbers, times, phone numbers and links a message states, language-neutral.

    Written channels (SMS, long, CAP) show a time as the same 24-hour "HH:MM" in every
    language (the zone's name is the language's), so a time is compared by its digits.
    Voice speaks times and numbers the audience's way ("6 de la tarde, hora de Ciudad de
    México", "más 5 2, 9 6 2 ..."), so the facts it was given are compared by value (the
    instant, the E.164 number); anything else, in both, digit by digit.
    """
    text = message.text
    tokens: set[tuple[str, str]] = set()

    def take(value: str, token: tuple[str, str]) -> None:
        nonlocal text
        pattern = _needle(value)
        if pattern.search(text):
            text = pattern.sub(" ", text)
            tokens.add(token)

    for m in _LINK.finditer(text):
        tokens.add(("link", m.group(0).rstrip(".,;:!?)»”'")))
    text = _strip_links(text)
    voice = message.result.channel == "voice"
    for name, value in sorted(message.values.items(), key=lambda kv: -len(kv[1])):
        kind = message.kinds.get(name)
        if kind == "datetime":
            if voice:
                take(value, ("time", message.canonical[name]))
            else:
                clock = _TIME.search(value)
                take(value, ("time", _ascii_digits(clock.group(0)) if clock else
                             message.canonical[name]))
        elif kind == "phone":
            take(value, ("phone", message.canonical[name]))
    for m in _PHONE.finditer(text):
        tokens.add(("phone", _digits(m.group(0))))
    text = _PHONE.sub(" ", text)
    for m in _TIME.finditer(text):
        tokens.add(("time", _ascii_digits(m.group(0))))
    text = _TIME.sub(" ", text)
    for m in _NUMBER.finditer(text):
        tokens.add(("number", _ascii_digits(m.group(0))))
    return tokens


def check_consistency(message: Message, reference: Message) -> list[Finding]:
    """The same numbers, times, phone numbers and links as the source-language message."""
    if message.result.language_used == reference.result.language_used:
        return []
    mine, theirs = fact_tokens(message), fact_tokens(reference)
    # A plural form may leave out the number "1" ("un refugio abierto"), nothing else.
    ones = {("number", v) for n, v in message.canonical.items()
            if message.kinds.get(n) == "count" and v == "1"}
    missing, extra = theirs - mine - ones, mine - theirs
    if not missing and not extra:
        return []
    bits = []
    if missing:
        bits.append("missing " + ", ".join(v for _, v in sorted(missing)))
    if extra:
        bits.append("not in English: " + ", ".join(v for _, v in sorted(extra)))
    return [_at(message, ERROR, "consistency", "numbers, times or links differ from "
                f"{reference.result.language_used}: " + "; ".join(bits))]
