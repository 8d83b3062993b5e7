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
from .findings import ERROR, WARNING, Finding
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
    return re.compile(rf"(?<!\w)({alternation})\.?,?\s+(?={_DAY}(?!\d))|(?<!\d){_DAY}\.?\s+"
                      rf"(?:de\s+)?({alternation})\.?(?!\w)", re.IGNORECASE)


def _own_locale(message: Message) -> str | None:
    return dates.cldr_locale(message.language) if message.language else None


def _locales(message: Message) -> list[str]:
    own = _own_locale(message)
    return list(dict.fromkeys([*([own] if own else []), *_FOREIGN_LOCALES]))


def _without_facts(message: Message, keep: tuple[str, ...] = ("datetime",)) -> str:
    """The text with the facts (place names, phone numbers ...) masked, but the kinds in
    ``keep``: "Calle 5 de Mayo" is a street, not a date."""
    text = _strip_links(message.text)
    for name, value in sorted(message.values.items(), key=lambda kv: -len(kv[1])):
        if value and message.kinds.get(name) not in keep:
            text = text.replace(value, " ")
    return text


def _found(pattern: re.Pattern[str] | None, text: str) -> list[str]:
    words = [m.group(1) or m.group(2) for m in pattern.finditer(text)] if pattern else []
    return list(dict.fromkeys(words))


def check_date_words(message: Message) -> list[Finding]:
    """Date words next to a day number must be the language's own, in full.

    - an abbreviation of CLDR's (in the message's language, the host countries' or
      English) that is not a full name in the message's own CLDR locale: error;
    - a full name of another language that is not one of the message's own date words
      (its catalog or CLDR): error ("mardi 15" written into a Haitian Creole sentence);
    - a date word of the language's own (its catalog) that is another language's name for
      the same day or month: warning - Haitian Creole "avril" is right, "mardi" is French.
    """
    own_locale = _own_locale(message)
    own_wide = _names(own_locale, "wide") if own_locale else frozenset()
    own = {_fold(w) for w in message.date_words.values()}
    text = _without_facts(message)
    abbreviated: set[str] = set()
    foreign: dict[str, str] = {}
    for locale_id in _locales(message):
        wide = _names(locale_id, "wide")
        for width in ("abbreviated", "short"):
            abbreviated |= {w for w in _names(locale_id, width) if len(w) >= 3
                            and not any(c.isdigit() for c in w) and w not in wide
                            and w not in own_wide}
        if locale_id != own_locale:
            for word in wide - own - own_wide:
                foreign.setdefault(word, locale_id)
    out = [_at(message, ERROR, "date-words", f"abbreviated date word {w!r}: write it in full")
           for w in _found(_beside_a_day(abbreviated), text)]
    out += [_at(message, ERROR, "date-words", f"date word {w!r} is not in the message's "
                f"language ({foreign[_fold(w)]}): use the language's own word")
            for w in _found(_beside_a_day(set(foreign)), text)]
    for locale_id in _FOREIGN_LOCALES:
        if own_locale and own_locale.split("_")[0] == locale_id:
            continue
        theirs = dates.cldr_names(locale_id)
        for msgid, word in message.date_words.items():
            if _fold(theirs.get(msgid, "")) == _fold(word) and _fold(word) not in own_wide \
                    and _beside_a_day({_fold(word)}).search(text):
                out.append(_at(message, WARNING, "date-words", f"{word!r} ({msgid}) is also "
                               f"{locale_id}'s word: make sure it is the language's own"))
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
    """CLDR's place names for zones in the message's language ("hora de Colombia" is also a
    zone-system name in CLDR): never the catalog's, which is what is being checked."""
    if message.language is None:
        return frozenset()
    cldr = dates.cldr_dates(message.language)
    return frozenset(p.casefold() for z in date_words.ZONES if (p := cldr.zone_phrase(z)))


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
