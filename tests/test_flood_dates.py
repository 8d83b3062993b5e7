"""What the blind back-translation of the San Pedro Sula flood found in dates and times.

tests/data/scenarios/flood-sps.toml: the flood is expected at 00:00 on Wednesday 21
October. The voice said "Tuesday 20, midnight" while the SMS said "Wednesday 21, 00:00":
listeners and readers were given different days. Every channel now names the night by
both its days. The alert expires at 12:00 on Thursday 22 October: written "12:00" was read
as noon or midnight by readers of a 12-hour clock. The expected phrases are written out
per language: they are the specification, not what the code happens to produce.
"""

from __future__ import annotations

import pytest

from messaging import bidi
from messaging.dates import local_time, night
from messaging.scenarios import load_scenario

from .conftest import ROOT

FLOOD = ROOT / "tests" / "data" / "scenarios" / "flood-sps.toml"
LANGUAGES = ["en", "es", "fr", "ht", "pt", "quc", "mam", "ar", "zh"]
CHANNELS = ["sms", "long", "voice"]

#: 00:00 on Wednesday 21 October 2026, in every channel
NIGHT = {
    "en": "midnight, the night of Tuesday 20 to Wednesday 21 October",
    # Spanish and French name the day that ends first, so that the sentences around the
    # phrase ("a partir del ...", "à partir du ...", "hasta el ...") stay grammatical.
    "es": "martes 20 de octubre a medianoche (noche del martes al miércoles 21)",
    "fr": "mardi 20 octobre à minuit (nuit du mardi au mercredi 21)",
    "ht": "minwi, lannwit madi 20 pou mèkredi 21 oktòb",
    "pt": "00h (meia-noite) da noite de terça-feira 20 para quarta-feira 21 de outubro",
    "ar": "منتصف الليل الفاصل بين الثلاثاء 20 والأربعاء 21 أكتوبر",
    "zh": "10月20日（星期二）至21日（星期三）之间的午夜",
}
#: words that give the night to one day only: what the voice and the SMS said before
ONE_DAY = {
    "en": ["Tuesday, October 20, midnight", "October 21, 00:00"],
    "es": ["martes, 20 de octubre, medianoche", "21 de octubre, 00:00"],
    "ar": ["الثلاثاء، 20 أكتوبر، منتصف الليل", "أكتوبر، 00:00"],
}


@pytest.fixture(scope="module")
def flood():
    return load_scenario(FLOOD)


def _text(renderer, scenario, language, channel, type_name="early_warning"):
    result = renderer.render(type_name, language, channel, scenario)
    assert result.language_used == language, result.warnings
    return bidi.strip(result.text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_midnight_is_the_same_night_in_every_channel(renderer, flood, language):
    texts = {c: _text(renderer, flood, language, c) for c in CHANNELS}
    for channel, text in texts.items():
        assert "00:00" not in text, (channel, text)
        for wrong in ONE_DAY.get(language, []):
            assert wrong not in text, (channel, text)
        if language in NIGHT:
            assert NIGHT[language] in text, (channel, text)
    nights = {c: _night(renderer, flood, language, c) for c in CHANNELS}
    assert nights["sms"] == nights["long"] == nights["voice"], nights


def _night(renderer, scenario, language, channel):
    """The night phrase in the rendered text: the day the channel gives the onset."""
    facts = renderer.facts("early_warning", scenario)
    local = local_time(facts.values["onset"], facts.timezone)
    phrase = night(local.date(), renderer.languages.get(language), renderer.words(language))
    assert phrase in _text(renderer, scenario, language, channel)
    return phrase


def test_a_night_that_ends_a_month_names_both_months(renderer, flood):
    halloween = flood.with_overrides(["onset=2026-11-01T00:00:00-06:00",
                                      "expires=2026-11-02T12:00:00-06:00",
                                      "ended=2026-11-03T09:00:00-06:00"])
    en = _text(renderer, halloween, "en", "sms")
    assert "midnight, the night of Saturday 31 October to Sunday 1 November" in en
    es = _text(renderer, halloween, "es", "voice")
    assert "sábado 31 de octubre a medianoche (noche del sábado al domingo 1 de " \
        "noviembre), hora de Honduras" in es
    zh = _text(renderer, halloween, "zh", "long")
    assert "10月31日（星期六）至11月1日（星期日）之间的午夜" in zh


@pytest.mark.parametrize("language, broken", [
    ("es", ["del la ", "de la medianoche del", "el la ", "hasta la medianoche del"]),
    ("fr", ["du minuit", "au minuit", "le minuit"]),
])
def test_the_sentences_around_midnight_stay_grammatical(renderer, flood, language, broken):
    """Every time of the flood at midnight: "a partir del la medianoche" was the result when
    the night phrase began with an article the sentence's own "del" did not expect."""
    night = flood.with_overrides([f"{fact}=2026-10-21T00:00:00-06:00"
                                  for fact in ("onset", "evacuate_by")] +
                                 ["expires=2026-10-22T00:00:00-06:00",
                                  "ended=2026-10-23T00:00:00-06:00"])
    for message_type in ("awareness", "early_warning", "evacuation", "safety_check",
                         "all_clear"):
        for channel in CHANNELS:
            text = renderer.render(message_type, language, channel, night).text
            assert not [b for b in broken if b in text], (message_type, channel, text)
            assert ("medianoche" if language == "es" else "minuit") in text


def test_one_minute_past_midnight_is_not_the_night_phrase(renderer, flood):
    later = flood.with_overrides(["onset=2026-10-21T00:01:00-06:00"])
    for channel in CHANNELS:
        text = _text(renderer, later, "es", channel)
        assert "00:01" in text and "medianoche" not in text


#: 12:00 in writing: the word for noon where the audience reads a 12-hour clock
NOON_WRITTEN = {"en": "12:00 noon", "es": "12:00 (mediodía)", "ar": "12:00 ظهرًا",
                "ht": "12:00 (midi)", "quc": "12:00 (nikʼaj qʼij)", "mam": "12:00 (mediodía)"}
#: a 24-hour clock has one 12:00, noon: nothing added (SMS segments)
NOON_24H = {"fr": "midi", "pt": "meio-dia", "zh": "中午"}
#: and aloud
NOON_SPOKEN = {"en": "noon", "es": "mediodía", "ar": "الثانية عشرة ظهرًا", "ht": "midi",
               "quc": "nikʼaj qʼij", "mam": "mediodía"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("type_name", ["awareness", "relief_assistance", "safety_check"])
def test_noon_is_said_in_writing_where_the_clock_is_12_hour(renderer, flood, language,
                                                          type_name):
    sms, long, voice = (_text(renderer, flood, language, c, type_name) for c in CHANNELS)
    for text in (sms, long):
        if language in NOON_WRITTEN:
            assert NOON_WRITTEN[language] in text, text
        else:  # a 24-hour clock has one 12:00: noon
            assert "12:00" in text and NOON_24H[language] not in text, text
    if language in NOON_SPOKEN:
        assert NOON_SPOKEN[language] in voice and "12:00" not in voice, voice
    else:
        assert "12:00" in voice, voice


def test_the_clock_can_be_declared_where_cldr_does_not_know_it(renderer):
    from messaging.dates import cldr_dates, twelve_hour

    ht = renderer.languages.get("ht")
    assert ht.clock == "12h" and not cldr_dates(ht).twelve_hour and twelve_hour(ht)
    assert not twelve_hour(renderer.languages.get("fr"))
    assert twelve_hour(renderer.languages.get("es"))  # CLDR's es_MX: "h:mm a"


def test_a_bad_clock_is_one_error_line(tmp_path):
    from messaging.errors import CatalogError
    from messaging.languages import LanguageRegistry

    (tmp_path / "languages.toml").write_text('[xx]\nname = "X"\nclock = "13h"\n')
    with pytest.raises(CatalogError, match="clock must be '12h' or '24h'"):
        LanguageRegistry.load(tmp_path)


#: the evacuation deadline, Tuesday 20 October: the numbered Mayan day ("third day") was
#: counted from Monday by readers, a day late; the Spanish name makes it one day
DEADLINE_DAY = {"quc": "Urox qʼij (martes) 20 rech octubre",
                "mam": "toxin qʼij (martes), 20 te octubre"}


@pytest.mark.parametrize("language", ["quc", "mam"])
def test_mayan_day_names_carry_the_spanish_name(renderer, flood, language):
    texts = [_text(renderer, flood, language, c, "evacuation") for c in CHANNELS]
    for text in texts:
        assert DEADLINE_DAY[language] in text, text
        assert "Ulajuj ikʼ" not in text and "tlajin xjaw" not in text  # "tenth month"
    # the three channels name the same day
    assert len({t.count("(martes)") for t in texts}) == 1


def test_voice_says_the_day_period_in_full(renderer, flood):
    """AR-8: "9 ص" (the short day period) is read aloud as the letter ṣād, or skipped."""
    voice = _text(renderer, flood, "ar", "voice", "all_clear")
    assert "9 صباحًا" in voice and "9 ص " not in voice and "9 ص،" not in voice
    assert "9 de la mañana" in _text(renderer, flood, "es", "voice", "all_clear")
