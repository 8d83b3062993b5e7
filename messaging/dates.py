"""Dates and times as each audience reads them, written or spoken, in the event's zone.

- The date in full words of the audience's language ("jueves 3 de diciembre", "Thursday,
  December 3"), never abbreviated: "mar" is also "sea" in Spanish, "ven." is "twenty" in
  Haitian Creole.
- Written channels give a 24-hour time ("18:00"), the same digits in every language, and
  in a 12-hour language the word for noon after "12:00" ("12:00 (mediodía)").
  Voice gives the time as the language says it: languages that prefer a 12-hour clock
  hear CLDR's day period ("6 de la tarde") and a word, never "12 p.m.", for noon.
- Midnight is named by the night it ends, the same in every channel: "la medianoche del
  martes 20 al miércoles 21 de octubre", never "miércoles 21, 00:00" (read as Wednesday
  night) nor "martes 20, medianoche" (read as the start of Tuesday).
- The zone is named by place ("hora de Guatemala", "lè Gwatemala", "توقيت غواتيمالا"),
  the same in summer and winter, never "UTC-6" nor "Central Standard Time".

Where the words come from: a language's catalog entry (see :mod:`messaging.date_words`)
first, then CLDR through Babel - but only the CLDR data written in that language itself.
Babel fills gaps from CLDR's root locale (English "Thu", "M12") or, through a formatting
locale such as ``fr_HT``, from another language; neither is the audience's language, so
here such gaps are gaps. A gap raises :class:`MissingWords` and the renderer falls back
along the language's chain, as for any untranslated sentence.
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from . import date_words as W
from .facts import zone
from .languages import Language


class Words(Protocol):
    """A language's catalog as formatting sees it."""

    def find(self, context: str, msgid: str) -> str | None:
        """The catalog's translation, or ``None`` (no entry, or the source language)."""

    def text(self, context: str, msgid: str) -> str:
        """A translated sentence (the msgid in the source language); raises when missing."""


class MissingWords(LookupError):
    """Neither the catalog nor the language's own CLDR data has this date word."""

    def __init__(self, context: str, msgid: str) -> None:
        self.context, self.msgid = context, msgid
        super().__init__(f"no {context} {msgid!r} in the catalog or in CLDR")


# -- what CLDR has in the language's own words -----------------------------------------------

def _lookup(data, keys: tuple[str, ...]):
    for key in keys:
        try:
            data = data[key]
        except (KeyError, TypeError):
            return None
    if hasattr(data, "items"):
        return dict(data.items())
    return getattr(data, "pattern", data)  # a DateTimePattern compares by its pattern


def _own(locale_id: str, *keys: str):
    """CLDR's value for ``keys`` in ``locale_id`` when it is the locale's own - not what
    Babel filled in from CLDR's root (English "Thu", "M12", "%s"). A locale's parents are
    the same language (``es_MX`` < ``es_419`` < ``es``), so what is not root's is the
    language's own words."""
    from babel.localedata import get_locale_data

    value = _lookup(get_locale_data(locale_id), keys)
    if not value or value == _lookup(get_locale_data("root"), keys):
        return None
    return value


@dataclass(frozen=True)
class CldrDates:
    """What CLDR says about dates in one language, in that language's own words."""

    #: the Babel locale id the words are taken from; ``None`` when CLDR has the language not
    locale: str | None
    weekdays: bool = False
    months: bool = False
    pattern: bool = False
    #: the language's preferred clock is 12-hour (``h:mm a``), for what voice says
    twelve_hour: bool = False

    def zone_phrase(self, tz_name: str) -> str | None:
        """The zone named by place in CLDR's own words for this language, or ``None``."""
        return _cldr_zone_phrase(self.locale, tz_name) if self.locale else None


def cldr_locale(language: Language) -> str | None:
    """The CLDR locale whose words are this language's: the formatting locale when it is
    the same language (``es`` -> ``es_MX``), else the language itself if CLDR has it
    (``ht``, ``quc``; not ``fr_HT``, ``es_GT``), else ``None`` (Mam)."""
    from babel import Locale, UnknownLocaleError

    code = language.code.replace("-", "_")
    try:
        formatting = Locale.parse(language.formatting_locale)
        own = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return None
    if formatting.language == own.language:
        return str(formatting)
    return str(own)


@lru_cache(maxsize=64)
def _cldr_dates(locale_id: str | None) -> CldrDates:
    if locale_id is None:
        return CldrDates(None)
    from babel import Locale

    weekdays = _own(locale_id, "days", "format", "wide") or {}
    months = _own(locale_id, "months", "format", "wide") or {}
    skeletons = {k for k in ("MMMMEd", "MMMEd") if _own(locale_id, "datetime_skeletons", k)}
    times = _own(locale_id, "time_formats", "short")
    short_time = Locale.parse(locale_id).time_formats["short"].pattern if times else "HH:mm"
    return CldrDates(
        locale_id,
        weekdays=len(weekdays) == 7,
        months=len(months) == 12,
        pattern=bool(skeletons),
        twelve_hour="h" in short_time.replace("'h'", "") or "K" in short_time,
    )


def cldr_dates(language: Language) -> CldrDates:
    return _cldr_dates(cldr_locale(language))


def canonical_zone(tz_name: str) -> str:
    from babel.core import get_global

    return get_global("zone_aliases").get(tz_name, tz_name)


#: own exemplar cities above which a locale's zone names count as translated by CLDR
ZONE_NAMES_MIN = 10


@lru_cache(maxsize=64)
def _has_zone_names(locale_id: str) -> bool:
    """Whether CLDR translated this language's zone names. CLDR leaves out an exemplar city
    its translators found right as it is (``Chicago`` in Spanish, root's ``Ciudad de
    México``); that only means something in a locale where they translated the others."""
    from babel.localedata import get_locale_data

    root = get_locale_data("root")["time_zones"]
    own = [z for z, info in get_locale_data(locale_id)["time_zones"].items()
           if "city" in info and info["city"] != (root.get(z) or {}).get("city")]
    return len(own) >= ZONE_NAMES_MIN


@lru_cache(maxsize=512)
def _cldr_zone_phrase(locale_id: str, tz_name: str) -> str | None:
    """CLDR's location format ("hora de Guatemala"), from the language's own data only.

    The place is the country when it has one zone, the zone's exemplar city when it has
    several ("hora de Ciudad de México", not "hora de México (Ciudad de México)"), as
    ``get_timezone_location(..., return_city=True)`` gives it. The
    region format is the language's base one: Babel's data for ``es_419`` (parent of
    ``es_MX`` and ``es_GT``) has the daylight-saving variant ("hora de verano de %s"),
    which would give Guatemala, which has no summer time, "hora de verano de Guatemala".
    """
    from babel import Locale
    from babel.core import get_global
    from babel.dates import get_timezone_location

    zone_id = canonical_zone(tz_name)
    if zone_id in ("Etc/UTC", "Etc/GMT"):
        return _own(locale_id, "time_zones", "Etc/UTC", "long", "standard")
    region_format = _own(locale_id.split("_")[0], "zone_formats", "region")
    if not region_format or region_format.strip() == "%s":
        return None
    territory = get_global("zone_territories").get(zone_id)
    if territory and len(get_global("territory_zones").get(territory, ())) == 1:
        place = _own(locale_id, "territories", territory)
    elif _has_zone_names(locale_id):
        place = get_timezone_location(zone(zone_id), locale=Locale.parse(locale_id),
                                      return_city=True)
    else:
        place = None
    if not place:
        return None
    return region_format % place


# -- formatting ---------------------------------------------------------------------------

def _pattern_date(pattern: str, weekday: str, day: int, month_name: str, month: int) -> str:
    """A CLDR date pattern ("EEEE, d 'de' MMMM") filled with our words: E and c are the
    weekday, M and L the month (the name from three letters up, else its number)."""
    from babel.dates import tokenize_pattern

    out = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "chars":
            out.append(value)
            continue
        char, count = value
        if char in "Ec":
            out.append(weekday)
        elif char in "ML":
            out.append(month_name if count >= 3 else f"{month:0{count}d}")
        elif char == "d":
            out.append(f"{day:0{count}d}")
    return "".join(out)


def _skeleton_pattern(locale_id: str) -> str:
    from babel import Locale

    skeletons = Locale.parse(locale_id).datetime_skeletons
    return str((skeletons.get("MMMMEd") or skeletons["MMMEd"]).pattern)


def _day_names(day: dt.date, language: Language, words: Words) -> tuple[str, str]:
    """The weekday's and the month's names of ``day`` in full."""
    cldr = cldr_dates(language)
    weekday = _word(words, W.WEEKDAY, W.WEEKDAYS[day.weekday()],
                    cldr.weekdays and cldr.locale, "days", day.weekday())
    month = _word(words, W.MONTH, W.MONTHS[day.month - 1], cldr.months and cldr.locale,
                  "months", day.month)
    return weekday, month


def written_date(day: dt.date, language: Language, words: Words) -> str:
    """The weekday and the date in full words ("martes, 15 de septiembre")."""
    cldr = cldr_dates(language)
    weekday, month = _day_names(day, language, words)
    pattern = words.find(W.DATE_PATTERN, W.DATE)
    if pattern is not None:
        return pattern % {"weekday": weekday, "day": day.day, "month": month}
    if cldr.pattern and cldr.locale:
        return _pattern_date(_skeleton_pattern(cldr.locale), weekday, day.day, month,
                             day.month)
    raise MissingWords(W.DATE_PATTERN, W.DATE)


def night(day: dt.date, language: Language, words: Words) -> str:
    """Midnight at the start of ``day``, named by both days of the night it ends ("the
    night of Tuesday 20 to Wednesday 21 October").

    "Wednesday 21, 00:00" is read as Wednesday night, 24 hours late, and "Tuesday 20,
    midnight" as the start of Tuesday, 24 hours early; a voice saying one and the SMS the
    other gave listeners and readers different days. Every channel says this instead.
    """
    eve = day - dt.timedelta(days=1)
    eve_weekday, eve_month = _day_names(eve, language, words)
    weekday, month = _day_names(day, language, words)
    values = {"eve_weekday": eve_weekday, "eve_day": eve.day, "weekday": weekday,
              "day": day.day, "month": month}
    if eve.month == day.month:
        return words.text(W.DATETIME, W.NIGHT) % values
    return words.text(W.DATETIME, W.NIGHT_MONTHS) % {**values, "eve_month": eve_month}


def _word(words: Words, context: str, msgid: str, locale_id: str | None | bool, table: str,
          index: int) -> str:
    """The catalog's word, else CLDR's wide name from ``locale_id`` (when it has its own)."""
    found = words.find(context, msgid)
    if found is not None:
        return found
    if locale_id:
        from babel import Locale

        return getattr(Locale.parse(locale_id), table)["format"]["wide"][index]
    raise MissingWords(context, msgid)


def zone_phrase(tz_name: str, language: Language, words: Words) -> str:
    """The zone named by place, as the language says it ("hora de Guatemala")."""
    zone_id = canonical_zone(tz_name)
    msgid = W.ZONES.get(zone_id)
    if msgid is not None:
        found = words.find(W.ZONE, msgid)
        if found is not None:
            return found
    phrase = cldr_dates(language).zone_phrase(zone_id)
    if phrase:
        return phrase
    raise MissingWords(W.ZONE, msgid or zone_id)


def twelve_hour(language: Language) -> bool:
    """Whether the audience reads a 12-hour clock: ``languages.toml``'s ``clock`` where it
    says, else CLDR's own time format for the language."""
    if language.clock:
        return language.clock == "12h"
    return cldr_dates(language).twelve_hour


def written_time(local: dt.datetime, language: Language, words: Words) -> str:
    """A 24-hour time, the same digits in every language; 12:00 with the word for noon in
    a 12-hour language ("12:00 (mediodía)"), where "12:00" alone reads as noon or as
    midnight. A 24-hour clock has one 12:00, noon: nothing is added."""
    time = f"{local:%H:%M}"
    if (local.hour, local.minute) == (12, 0) and twelve_hour(language):
        return words.text(W.TIME, W.NOON_WRITTEN) % {"time": time}
    return time


def spoken_time(local: dt.datetime, language: Language, words: Words) -> tuple[dt.date, str]:
    """The day and the time as the language says them aloud.

    A 12-hour language hears the word for noon at 12:00 and, where CLDR has them in its
    words, CLDR's flexible day periods ("6 de la tarde", "7:30 in the morning"); the hour
    after midnight "00:30". A 24-hour language hears "18:00". Midnight itself is
    :func:`night`, in every channel.
    """
    cldr = cldr_dates(language)
    if not twelve_hour(language):
        return local.date(), f"{local:%H:%M}"
    if (local.hour, local.minute) == (12, 0):
        return local.date(), words.text(W.TIME, W.NOON)
    if local.hour == 0 or not (cldr.twelve_hour and cldr.locale):
        # "12:30" needs a day period, and CLDR's for the hour after midnight is not always
        # one (Arabic: "في المساء", "in the evening"); 24-hour "00:30" cannot be misheard.
        # A language whose clock CLDR does not know has no day periods there either.
        return local.date(), f"{local:%H:%M}"
    from babel.dates import format_time

    # the day period in full ("BBBB"): Arabic's short one for the morning is "ص", a letter
    # a voice reads out or skips; the full word is "صباحًا"
    pattern = "h BBBB" if local.minute == 0 else "h:mm BBBB"
    return local.date(), format_time(local, pattern, locale=cldr.locale)


def local_time(value: dt.datetime, tz_name: str) -> dt.datetime:
    return value.astimezone(zone(tz_name))


def format_datetime(value: dt.datetime, language: Language, channel: str, tz_name: str,
                    words: Words) -> str:
    """A time people can act on: local to the event, in their words, with the zone."""
    local = local_time(value, tz_name)
    zone_name = zone_phrase(tz_name, language, words)
    if (local.hour, local.minute) == (0, 0):
        pattern = W.NIGHT_SPOKEN if channel == "voice" else W.NIGHT_WRITTEN
        return words.text(W.DATETIME, pattern) % {
            "night": night(local.date(), language, words), "zone": zone_name}
    if channel == "voice":
        day, time = spoken_time(local, language, words)
        pattern = words.text(W.DATETIME, W.DATETIME_SPOKEN)
    else:
        day, time = local.date(), written_time(local, language, words)
        pattern = words.text(W.DATETIME, W.DATETIME_WRITTEN)
    return pattern % {"date": written_date(day, language, words), "time": time,
                      "zone": zone_name}


def repeated_hour(value: dt.datetime, tz_name: str) -> bool:
    """Whether the local time occurs twice (the hour repeated when clocks go back)."""
    local = local_time(value, tz_name).replace(tzinfo=None)
    tz = zone(tz_name)
    return local.replace(fold=0, tzinfo=tz).utcoffset() != \
        local.replace(fold=1, tzinfo=tz).utcoffset()


def vocabulary(language: Language, words: Words) -> dict[str, str]:
    """The language's weekday and month names by English msgid ("Tuesday" -> "madi"), as
    far as it has them: the checks tell its own date words from another language's."""
    names: dict[str, str] = {}
    cldr = cldr_dates(language)
    for i, msgid in enumerate(W.WEEKDAYS):
        with suppress(MissingWords):
            names[msgid] = _word(words, W.WEEKDAY, msgid, cldr.weekdays and cldr.locale,
                                 "days", i)
    for i, msgid in enumerate(W.MONTHS, start=1):
        with suppress(MissingWords):
            names[msgid] = _word(words, W.MONTH, msgid, cldr.months and cldr.locale,
                                 "months", i)
    return names


def cldr_names(locale_id: str, width: str = "wide") -> dict[str, str]:
    """CLDR's weekday and month names in ``locale_id`` by English msgid ("Tuesday")."""
    from babel import Locale

    locale = Locale.parse(locale_id)
    out = {}
    with suppress(KeyError):
        out.update({W.WEEKDAYS[i]: n for i, n in locale.days["format"][width].items()})
    with suppress(KeyError):
        out.update({W.MONTHS[i - 1]: n for i, n in locale.months["format"][width].items()})
    return out


# -- where a language's date data comes from ------------------------------------------------

def provided_keys(language: Language) -> set[tuple[str, str]]:
    """Catalog keys (context, msgid) this language does not need from its catalog: what
    CLDR has in its own words, and noon for a 24-hour language."""
    cldr = cldr_dates(language)
    keys: set[tuple[str, str]] = set()
    if cldr.weekdays:
        keys |= {(W.WEEKDAY, w) for w in W.WEEKDAYS}
    if cldr.months:
        keys |= {(W.MONTH, m) for m in W.MONTHS}
    if cldr.pattern:
        keys.add((W.DATE_PATTERN, W.DATE))
    keys |= {(W.ZONE, msgid) for z, msgid in W.ZONES.items() if cldr.zone_phrase(z)}
    if not twelve_hour(language):
        keys |= {(W.TIME, W.NOON), (W.TIME, W.NOON_WRITTEN)}
    return keys


def date_sources(language: Language, catalog) -> dict[str, str]:
    """Where each part of the language's dates comes from, for ``emsg languages``:
    ``"CLDR <locale>"``, ``"catalog"``, ``"catalog (fuzzy)"`` or ``"missing"`` (and a
    count when the parts of one kind come from several places)."""
    cldr = cldr_dates(language)
    parts = {
        "weekdays": ([(W.WEEKDAY, w) for w in W.WEEKDAYS], cldr.weekdays),
        "months": ([(W.MONTH, m) for m in W.MONTHS], cldr.months),
        "date pattern": ([(W.DATE_PATTERN, W.DATE)], cldr.pattern),
    }
    out = {name: _source(keys, lambda key, c=covered: c, catalog, cldr)
           for name, (keys, covered) in parts.items()}
    zone_keys = [(W.ZONE, msgid) for msgid in W.ZONES.values()]
    by_msgid = {msgid: z for z, msgid in W.ZONES.items()}
    out["zones"] = _source(zone_keys, lambda key: bool(cldr.zone_phrase(by_msgid[key[1]])),
                           catalog, cldr)
    return out


def _source(keys, covered, catalog, cldr: CldrDates) -> str:
    counts: dict[str, int] = {}
    for key in keys:
        entry = catalog.lookup(*key) if catalog is not None else None
        if entry is not None:
            where = "catalog (fuzzy)" if entry.fuzzy else "catalog"
        elif covered(key):
            where = f"CLDR {cldr.locale}"
        else:
            where = "missing"
        counts[where] = counts.get(where, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{where} {n}/{len(keys)}" for where, n in counts.items())


def summary(sources: dict[str, str]) -> str:
    """One word for a table: CLDR, catalog, CLDR+catalog, or incomplete."""
    values = " ".join(sources.values())
    if "missing" in values:
        return "incomplete"
    kinds = [k for k in ("CLDR", "catalog") if k in values]
    return "+".join(kinds)
