"""Phone numbers as people dial them: written in international form, read digit by digit.

Written channels give the international form ("+52 962 620 1000"), identical in every
language. Voice reads the digits one by one, in the groups people dial them in, with the
language's word for the "+" ("más 5 2, 9 6 2, 6 2 0, 1 0 0 0"): a number heard without
its "plus" fails when dialled from abroad, and a dash or a bracket left in the script is
read aloud or swallowed by the text-to-speech engine. When the number is in the country
of the event, the local form follows ("..., or from a local phone: 9 6 2, 6 2 0, 1 0 0
0"), since that is what a local phone dials.
"""

from __future__ import annotations

import re

from .glossary import N_

PHONE = "phone"

# Translators: a phone number read aloud. %(number)s is its digits one by one, in groups
# ("5 0 2, 7 7 6 1, 2 0 0 0"); put before it the word people say for the "+" key.
SPOKEN_INTERNATIONAL = N_("phone", "plus %(number)s")
# Translators: read aloud after a phone number in the country of the emergency.
# %(international)s is the number with "plus" and the country code, %(local)s the same
# number as a phone in that country dials it.
SPOKEN_WITH_LOCAL = N_("phone", "%(international)s, or from a local phone: %(local)s")

_GROUPS = re.compile(r"\d+")


def _parse(e164: str):
    import phonenumbers

    return phonenumbers.parse(e164, None)


def international(e164: str) -> str:
    """"+52 962 620 1000": what written channels and CAP ``<contact>`` show. A short
    number (911) has no international form: it is shown as dialled."""
    import phonenumbers

    if not e164.startswith("+"):
        return e164

    return phonenumbers.format_number(_parse(e164),
                                      phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digit_groups(formatted: str) -> str:
    """"+52 962-620 (1000)" -> "5 2, 9 6 2, 6 2 0, 1 0 0 0": digits only, one by one."""
    return ", ".join(" ".join(group) for group in _GROUPS.findall(formatted))


def spoken(e164: str, words, event_region: str | None = None) -> str:
    """The number read aloud in the language of ``words`` (see :class:`dates.Words`)."""
    import phonenumbers

    if not e164.startswith("+"):  # a short number (911): its digits, no "plus"
        return digit_groups(e164)
    number = _parse(e164)
    text = words.text(PHONE, SPOKEN_INTERNATIONAL) % {"number": digit_groups(
        international(e164))}
    region = phonenumbers.region_code_for_number(number)
    if event_region and region and region == event_region.upper():
        local = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        text = words.text(PHONE, SPOKEN_WITH_LOCAL) % {"international": text,
                                                       "local": digit_groups(local)}
    return text
