"""The words of dates and times that are catalog entries, with their gettext contexts.

Weekday and month names, the date pattern and the zone named by place come from CLDR
(through Babel) where CLDR has them in the language's own words, and from these catalog
entries where it does not: CLDR has no month names in Haitian Creole, only some date data
in K'iche' and none at all in Mam. An entry a catalog translates wins over CLDR, so a
reviewer can correct CLDR too. Nothing is ever borrowed from another language: a
language that has neither the entry nor the CLDR data falls back, whole and visibly,
along its fallback chain, like any untranslated sentence.

The patterns that join date, time and zone, midnight named by the night it ends ("the
night of Tuesday 20 to Wednesday 21 October", the same in every channel), and the word
for noon in 12-hour languages, are ordinary sentences every catalog translates (CLDR has no such
pattern), with the punctuation of the language ("،" in Arabic, "（）" in Chinese).

The English msgids are what English reads (the zone names are CLDR's English location
names, which a test keeps in step); ``pybabel extract -k N_:1c,2`` (``babel.cfg``) takes
them, with their translator comments, into ``messages.pot``.
"""

from __future__ import annotations

from .glossary import N_

WEEKDAY = "weekday"
MONTH = "month"
DATE_PATTERN = "date pattern"
ZONE = "zone"
DATETIME = "datetime"
TIME = "time"

#: Monday first, as ``datetime.date.weekday()`` counts
WEEKDAYS: tuple[str, ...] = (
    # Translators: a day of the week in full, as written in a date ("Thursday 3 December").
    # Never abbreviate it; your language's own word, not a borrowed one. Left empty, CLDR's
    # name is used where CLDR has one in your language (see `emsg languages`).
    N_("weekday", "Monday"),
    N_("weekday", "Tuesday"),
    N_("weekday", "Wednesday"),
    N_("weekday", "Thursday"),
    N_("weekday", "Friday"),
    N_("weekday", "Saturday"),
    N_("weekday", "Sunday"),
)

#: January first
MONTHS: tuple[str, ...] = (
    # Translators: a month in full, as written in a date ("3 December"). Never abbreviate
    # it; your language's own word, not a borrowed one. Left empty, CLDR's name is used
    # where CLDR has one in your language (see `emsg languages`).
    N_("month", "January"),
    N_("month", "February"),
    N_("month", "March"),
    N_("month", "April"),
    N_("month", "May"),
    N_("month", "June"),
    N_("month", "July"),
    N_("month", "August"),
    N_("month", "September"),
    N_("month", "October"),
    N_("month", "November"),
    N_("month", "December"),
)

# Translators: how a date is written. %(weekday)s is the day's name, %(day)s the day of the
# month in digits, %(month)s the month's name, all from this catalog. Put them in your
# language's order with its own small words (Spanish: "%(weekday)s %(day)s de %(month)s").
# Left empty, CLDR's pattern is used where CLDR has one in your language.
DATE = N_("date pattern", "%(weekday)s %(day)s %(month)s")

# Translators: a date and time in a written message (SMS, WhatsApp, web). %(date)s is the
# date ("Thursday 3 December"), %(time)s a 24-hour time ("18:00"), %(zone)s the time zone
# named by place ("Guatemala Time"). Keep all three, with your language's punctuation.
DATETIME_WRITTEN = N_("datetime", "%(date)s, %(time)s (%(zone)s)")
# Translators: a date and time read aloud (voice calls, radio). %(time)s is the time as
# your language says it ("6 in the evening", "noon", or a 24-hour time). No brackets.
DATETIME_SPOKEN = N_("datetime", "%(date)s, %(time)s, %(zone)s")

# Translators: 12:00 in the day, read aloud in a language that uses a 12-hour clock, in
# place of "12 p.m." (heard as noon or as midnight). Spanish: "mediodía".
NOON = N_("time", "noon")
# Translators: 12:00 in a written message (SMS, WhatsApp, web) in a language whose readers
# use a 12-hour clock, where "12:00" alone is read as noon or as midnight. %(time)s is
# "12:00"; add your word for noon (English "12:00 noon", Spanish "12:00 (mediodía)").
NOON_WRITTEN = N_("time", "%(time)s noon")
# Translators: midnight (00:00), named by the night it ends: %(eve_weekday)s and %(eve_day)s
# are the day that ends ("Tuesday", "20"), %(weekday)s, %(day)s and %(month)s the day that
# starts ("Wednesday", "21", "October"), all from this catalog. Used in every channel in
# place of "00:00" or "Tuesday, midnight", which readers take for the wrong day. The
# sentence around it says "before ...", "from ..." (Spanish: "la medianoche del
# %(eve_weekday)s %(eve_day)s al %(weekday)s %(day)s de %(month)s").
NIGHT = N_("datetime", "midnight, the night of %(eve_weekday)s %(eve_day)s to %(weekday)s "
           "%(day)s %(month)s")
# Translators: as "midnight, the night of ...", when the night ends a month: %(eve_month)s
# is the month of the day that ends ("Saturday 31 October to Sunday 1 November").
NIGHT_MONTHS = N_("datetime", "midnight, the night of %(eve_weekday)s %(eve_day)s "
                  "%(eve_month)s to %(weekday)s %(day)s %(month)s")
# Translators: midnight in a written message: %(night)s is "midnight, the night of ...",
# %(zone)s the time zone named by place. Keep both, with your language's punctuation.
NIGHT_WRITTEN = N_("datetime", "%(night)s (%(zone)s)")
# Translators: midnight read aloud (voice calls, radio), as "%(night)s (%(zone)s)". No
# brackets.
NIGHT_SPOKEN = N_("datetime", "%(night)s, %(zone)s")

#: IANA zone -> its name by place (CLDR's English location format), for the corridor's zones
ZONES: dict[str, str] = {
    # Translators: a time zone named by the place people know it by, as in "18:00 (Mexico City
    # Time)"; Spanish "hora de Ciudad de México", Haitian Creole "lè Meksiko". Never a
    # North American zone name ("Central Standard Time") and never a UTC offset. Left empty,
    # CLDR's name is used where CLDR has one in your language.
    "America/Mexico_City": N_("zone", "Mexico City Time"),
    "America/Cancun": N_("zone", "Cancún Time"),
    "America/Tijuana": N_("zone", "Tijuana Time"),
    "America/Guatemala": N_("zone", "Guatemala Time"),
    "America/Belize": N_("zone", "Belize Time"),
    "America/El_Salvador": N_("zone", "El Salvador Time"),
    "America/Tegucigalpa": N_("zone", "Honduras Time"),
    "America/Managua": N_("zone", "Nicaragua Time"),
    "America/Costa_Rica": N_("zone", "Costa Rica Time"),
    "America/Panama": N_("zone", "Panama Time"),
    "America/Bogota": N_("zone", "Colombia Time"),
    "America/Port-au-Prince": N_("zone", "Haiti Time"),
    "America/Havana": N_("zone", "Cuba Time"),
    "America/Chicago": N_("zone", "Chicago Time"),
    "America/New_York": N_("zone", "New York Time"),
    "America/Los_Angeles": N_("zone", "Los Angeles Time"),
}

#: the entries CLDR can provide instead of the catalog
CLDR_CONTEXTS = (WEEKDAY, MONTH, DATE_PATTERN, ZONE)
