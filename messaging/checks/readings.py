"""How dates, times, zones and phone numbers read (SPEC.md "Dates, times, numbers and
direction"): what a blind back-translation found people misread.

- Date words in full and in the audience's own language: "mar 15 de sep" ("mar" is also
  "sea"), "jeu. 3 déc.", or French "mardi" in a Haitian Creole message, are errors.
- The zone named by place: a UTC offset ("UTC-6", "-06:00"), a zone abbreviation
  ("CST") or a North American zone name ("hora estándar central") is an error in sms,
  long, voice and CAP text (CAP's own time elements keep their numeric offsets).
- "12 p.m." / "12 a.m." (heard as noon or midnight) anywhere, a 12-hour time in a written
  channel, and in voice a "+", a dash or a slash left between digits.
- A time in the hour repeated when clocks go back (01:30 on 1 November in Houston
  happens twice): no wording can say which, so the scenario must say another time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import date_words, dates
from ..facts import Facts
from ..message_types import MessageType
from .design import _at, _strip_links
from .findings import ERROR, Finding
from .messages import Message

#: CLDR locales whose date words and zone names are looked for in every message, besides
#: the message language's own: the languages of the corridor's host countries and English
_FOREIGN_LOCALES = ("en", "es", "fr", "pt")
_DAY = r"\d{1,2}"


def _fold(word: str) -> str:
    return word.casefold().rstrip(".")


@lru_cache(maxsize=32)
def _names(locale_id: str, width: str) -> frozenset[str]:
    """Weekday and month names of ``locale_id`` in ``width`` (format and stand-alone)."""
    from babel import Locale

    locale = Locale.parse(locale_id)
    out: set[str] = set()
    for table in (locale.days, locale.months):
        for context in ("format", "stand-alone"):
            try:
                out |= {_fold(n) for n in table[context][width].values()}
            except KeyError:
                continue
    return frozenset(n for n in out if n)


def _beside_a_day(words: set[str]) -> re.Pattern[str] | None:
    """A date word next to a day number: "mar 15", "15 de sep", "jeu. 3"."""
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternation})\.?,?\s+{_DAY}(?!\d)|(?<!\d){_DAY}\.?\s+"
                      rf"(?:de\s+)?({alternation})\.?(?!\w)", re.IGNORECASE)


def _locales(message: Message) -> list[str]:
    own = dates.cldr_locale(message.language) if message.language else None
    return [x for x in dict.fromkeys([*(own and [own] or []), *_FOREIGN_LOCALES])]


def _without_facts(message: Message, keep: tuple[str, ...] = ("datetime",)) -> str:
    """The text with the facts (place names, phone numbers ...) masked, but the kinds in
    ``keep``: "Calle 5 de Mayo" is a street, not a date."""
    text = _strip_links(message.text)
    for name, value in sorted(message.values.items(), key=lambda kv: -len(kv[1])):
        if value and message.kinds.get(name) not in keep:
            text = text.replace(value, " ")
    return text


def check_date_words(message: Message) -> list[Finding]:
    """Abbreviated date words, and date words of another language than the message's."""
    if message.result.channel == "cap" and not message.text:
        return []
    own = {_fold(w) for w in message.date_words}
    text = _without_facts(message)
    abbreviated: set[str] = set()
    foreign: dict[str, str] = {}
    for locale_id in _locales(message):
        wide = _names(locale_id, "wide")
        for width in ("abbreviated", "short"):
            abbreviated |= {w for w in _names(locale_id, width)
                            if len(w) >= 3 and w not in wide and w not in own}
        for word in wide - own:
            foreign.setdefault(word, locale_id)
    out: list[Finding] = []
    seen: set[str] = set()
    for words, reason in ((abbreviated, "abbreviated date word {!r}: write it in full"),
                          (set(foreign), "date word {!r} is not in the message's language "
                                         "({}): use the language's own word")):
        pattern = _beside_a_day(words)
        for m in pattern.finditer(text) if pattern else ():
            word = m.group(1) or m.group(2)
            if _fold(word) in seen:
                continue
            seen.add(_fold(word))
            out.append(_at(message, ERROR, "date-words",
                           reason.format(word, foreign.get(_fold(word), ""))))
    return out


_OFFSET = re.compile(r"(?<!\w)(?:UTC|GMT|UT)(?:\s*[+\-−±]\s*\d{1,2}(?::?\d{2})?)?(?!\w)")
_CLOCK_OFFSET = re.compile(r"\d{1,2}:\d{2}\s?[+\-−]\d{1,2}(?::?\d{2})?(?!\d)")
_ABBREVIATION = re.compile(r"(?<![\w])(?:AK|[ACEHMP])[SD]T(?!\w)")


@lru_cache(maxsize=32)
def _metazone_names(locale_ids: tuple[str, ...], own_phrases: frozenset[str]) -> \
        re.Pattern[str] | None:
    """CLDR's names of zones that are not places ("Central Standard Time", "hora estándar
    central"), in these locales, less the place names the message may rightly use."""
    from babel import Locale

    names: set[str] = set()
    for locale_id in locale_ids:
        for info in Locale.parse(locale_id).meta_zones.values():
            for kind in ("generic", "standard", "daylight"):
                name = (info.get("long") or {}).get(kind)
                if name and name.casefold() not in own_phrases:
                    names.add(name.casefold())
    if not names:
        return None
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def _own_zone_phrases(message: Message) -> frozenset[str]:
    phrases = {v.casefold() for n, v in message.values.items()
               if message.kinds.get(n) == "datetime"}
    if message.language is not None:
        cldr = dates.cldr_dates(message.language)
        phrases |= {p.casefold() for z in date_words.ZONES if (p := cldr.zone_phrase(z))}
    phrases |= {p.casefold() for p in message.zone_phrases}
    return frozenset(phrases)


def check_zones(message: Message) -> list[Finding]:
    """The zone named by place: no UTC offset, zone abbreviation or zone-system name."""
    text = _without_facts(message, keep=("datetime",))
    out: list[Finding] = []
    found = [m.group(0).strip() for m in _CLOCK_OFFSET.finditer(text)]
    found += [m.group(0).strip() for m in _OFFSET.finditer(text)]
    for offset in dict.fromkeys(found):
        out.append(_at(message, ERROR, "zone", f"time zone given as an offset ({offset!r}): "
                       "name it by place (\"Guatemala Time\")"))
    for m in dict.fromkeys(x.group(0) for x in _ABBREVIATION.finditer(text)):
        out.append(_at(message, ERROR, "zone", f"time zone abbreviation {m!r}: name the "
                       "zone by place"))
    pattern = _metazone_names(tuple(_locales(message)), _own_zone_phrases(message))
    for m in dict.fromkeys(x.group(0) for x in pattern.finditer(text)) if pattern else ():
        out.append(_at(message, ERROR, "zone", f"time zone named {m!r}, not by place: "
                       "people on the move do not know zone names"))
    return out


_NOON_MIDNIGHT = re.compile(r"(?<![\w:])12(?::00)?\s?(?:[ap])\.?\s?m\.?(?!\w)", re.IGNORECASE)
_TWELVE_HOUR = re.compile(r"(?<![\w:])\d{1,2}:\d{2}\s?(?:[ap])\.?\s?m\.?(?!\w)", re.IGNORECASE)
_SPOKEN_LEFTOVERS = (
    (re.compile(r"\+\s?\d"), "a '+' before digits: say the word for it"),
    (re.compile(r"\d\s?[-‐‑–—]\s?\d"), "a dash between digits"),
    (re.compile(r"\d\s?/\s?\d"), "a slash between digits"),
    (re.compile(r"\(\s?\d"), "digits in brackets"),
)


def check_clock(message: Message) -> list[Finding]:
    """No "12 p.m." (noon or midnight?); written channels use 24-hour times; voice leaves
    no punctuation between digits for the speech engine to read or swallow."""
    text = _without_facts(message, keep=("datetime", "phone"))
    out: list[Finding] = []
    for m in dict.fromkeys(x.group(0) for x in _NOON_MIDNIGHT.finditer(text)):
        out.append(_at(message, ERROR, "clock", f"{m!r} is heard as noon or as midnight: "
                       "use the word"))
    if message.result.channel != "voice":
        for m in dict.fromkeys(x.group(0) for x in _TWELVE_HOUR.finditer(text)):
            out.append(_at(message, ERROR, "clock", f"12-hour time {m!r} in a written "
                           "message: write it in 24-hour form"))
        return out
    for pattern, what in _SPOKEN_LEFTOVERS:
        m = pattern.search(text)
        if m:
            out.append(_at(message, ERROR, "spoken", f"voice script has {what} "
                           f"({m.group(0)!r}): numbers are read digit by digit, in words"))
    return out


def check_readings(message: Message) -> list[Finding]:
    """Every check of this module that looks at one message."""
    return [*check_date_words(message), *check_zones(message), *check_clock(message)]


def check_repeated_hour(message_type: MessageType, facts: Facts) -> list[Finding]:
    """A fact time that happens twice (clocks going back) cannot be stated unambiguously."""
    if not facts.timezone:
        return []
    out = []
    for name, value in facts.values.items():
        if facts.types.get(name) == "datetime" and value is not None \
                and dates.repeated_hour(value, facts.timezone):  # type: ignore[arg-type]
            local = dates.local_time(value, facts.timezone)  # type: ignore[arg-type]
            out.append(Finding(ERROR, "repeated-hour", f"{name} {local:%Y-%m-%d %H:%M} happens "
                               f"twice in {facts.timezone} (clocks go back that night): no "
                               "message can say which; give a time outside that hour",
                               type=message_type.name))
    return out
