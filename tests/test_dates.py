"""Dates, times, zones and phone numbers, for every shipped language and channel.

Two scenarios hold the hard cases: the hurricane (onset 18:00, expiry at noon) and a flood
in Houston on the night clocks go back (tests/data/scenarios/houston-dst.toml: onset 00:30
CDT, expiry 12:00 CST). The expected forms are written out per language: they are the
specification (SPEC.md "Dates, times, numbers and direction"), not what the code happens
to produce.
"""

from __future__ import annotations

import re

import pytest

from messaging import bidi
from messaging.checks import describe
from messaging.checks.readings import check_readings, check_repeated_hour
from messaging.date_words import ZONES
from messaging.dates import cldr_dates, provided_keys
from messaging.errors import ScenarioError
from messaging.scenarios import Scenario, load_scenario

from .conftest import ROOT

HOUSTON = ROOT / "tests" / "data" / "scenarios" / "houston-dst.toml"
LANGUAGES = ["en", "es", "fr", "ht", "pt", "quc", "mam", "ar", "zh"]
CHANNELS = ["sms", "long", "voice", "cap"]

#: Sunday 1 November 2026, in full words
HOUSTON_DATE = {
    "en": "Sunday, November 1", "es": "domingo, 1 de noviembre", "fr": "dimanche 1 novembre",
    "ht": "dimanch 1 novanm", "pt": "domingo, 1 de novembro",
    "quc": "Nabʼe qʼij (domingo) 1 rech noviembre", "mam": "tnejil qʼij (domingo), 1 te noviembre",
    "ar": "الأحد، 1 نوفمبر", "zh": "11月1日（星期日）",
}
#: Tuesday 15 September 2026
HURRICANE_DATE = {
    "en": "Tuesday, September 15", "es": "martes, 15 de septiembre", "fr": "mardi 15 septembre",
    "ht": "madi 15 septanm", "pt": "terça-feira, 15 de setembro",
    "quc": "Urox qʼij (martes) 15 rech septiembre",
    "mam": "toxin qʼij (martes), 15 te septiembre",
    "ar": "الثلاثاء، 15 سبتمبر", "zh": "9月15日（星期二）",
}
CHICAGO = {
    "en": "Chicago Time", "es": "hora de Chicago", "fr": "heure : Chicago", "ht": "lè Chikago",
    "pt": "Horário Chicago", "quc": "Uqʼijil Chicago", "mam": "Tqʼijil Chicago",
    "ar": "توقيت شيكاغو", "zh": "芝加哥时间",
}
MEXICO_CITY = {
    "en": "Mexico City Time", "es": "hora de Ciudad de México", "fr": "heure : Mexico",
    "ht": "lè Vil Meksik", "pt": "Horário Cidade do México", "quc": "Uqʼijil Ciudad de México",
    "mam": "Tqʼijil Ciudad de México", "ar": "توقيت مكسيكو سيتي", "zh": "墨西哥城时间",
}
#: noon, said aloud: a word in 12-hour languages, 24-hour digits elsewhere
NOON = {"en": "noon", "es": "mediodía", "ar": "الثانية عشرة ظهرًا", "ht": "midi",
        "quc": "nikʼaj qʼij", "mam": "mediodía"}
#: 18:00, said aloud in 12-hour languages (CLDR's day period)
SIX_PM = {"en": "6 in the evening", "es": "6 de la tarde", "ar": "6 مساءً"}
PLUS = {"en": "plus", "es": "más", "fr": "plus", "ht": "plis", "pt": "mais", "quc": "más",
        "mam": "más", "ar": "زائد", "zh": "加"}
#: Chinese is written without spaces between words
SPACE = {code: "" if code == "zh" else " " for code in PLUS}
OFFSET = re.compile(r"UTC|GMT|[+-]\d{1,2}:\d{2}\b|\(-?\d\)")


@pytest.fixture(scope="module")
def houston():
    return load_scenario(HOUSTON)


def _text(result) -> str:
    """The text as written (SMS before smart encoding), without bidi isolates."""
    return bidi.strip(result.sms.raw.text if result.sms else result.text)


def _render(renderer, scenario, language, channel, type_name="early_warning"):
    result = renderer.render(type_name, language, channel, scenario)
    assert result.language_used == language, result.warnings
    return _text(result)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_houston_on_the_night_clocks_go_back(renderer, houston, language, channel):
    text = _render(renderer, houston, language, channel)
    assert HOUSTON_DATE[language] in text
    assert CHICAGO[language] in text
    assert not OFFSET.search(text), text
    if channel == "voice":
        # 00:30 in 24-hour digits, in every language (see dates.spoken_time)
        assert "00:30" in text
        assert f"{PLUS[language]}{SPACE[language]}1, 7 1 3, 5 5 5, 0 1 4 2" in text  # digits
        assert text.count("7 1 3, 5 5 5, 0 1 4 2") == 2  # ... and the local form
        assert "+" not in text and "713-555" not in text
    else:
        assert "00:30" in text  # the onset, before the change (UTC-5)
        assert "+1 713-555-0142" in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", ["long", "voice"])
def test_noon_is_unambiguous(renderer, houston, language, channel):
    """Noon after the change (12:00 CST, UTC-6): never "12:00 p.m."."""
    noon = houston.with_overrides(["onset=2026-11-01T12:00:00-06:00",
                                   "expires=2026-11-01T18:00:00-06:00"])
    text = _render(renderer, noon, language, channel)
    assert not re.search(r"12(:00)?\s?[ap]\.?\s?m", text, re.I)
    if channel == "voice" and language in NOON:
        assert f", {NOON[language]}," in text.replace("،", ","), text
    else:
        assert "12:00" in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_hurricane_dates_zone_and_phone(renderer, hurricane, language, channel):
    text = _render(renderer, hurricane, language, channel)
    assert HURRICANE_DATE[language] in text
    assert MEXICO_CITY[language] in text
    assert not OFFSET.search(text), text
    if channel != "voice":
        assert "18:00" in text and "+52 962 620 1000" in text
        return
    assert f"{PLUS[language]}{SPACE[language]}5 2, 9 6 2, 6 2 0, 1 0 0 0" in text
    assert text.count("9 6 2, 6 2 0, 1 0 0 0") == 2  # and the local form (event in MX)
    assert "+" not in text
    assert SIX_PM.get(language, "18:00") in text


def test_the_zone_is_named_the_same_in_summer_and_winter(renderer, houston):
    """Before and after the change the zone has one name (no "daylight"/"standard")."""
    for language in ("en", "es", "ar"):
        text = _render(renderer, houston, language, "long")
        assert text.count(CHICAGO[language]) == 2
        assert not re.search(r"daylight|standard|verano|estándar|التوقيت الصيفي|"
                             r"التوقيت الرسمي", text, re.I)


def test_utc_input_is_shown_local_on_both_sides_of_the_change(renderer, houston):
    utc = houston.with_overrides(["onset=2026-11-01T05:30:00+00:00",
                                  "expires=2026-11-01T18:00:00+00:00"])
    for channel in CHANNELS:
        assert _render(renderer, utc, "es", channel) == _render(renderer, houston, "es",
                                                                 channel)


def test_a_time_in_the_repeated_hour_is_an_error(renderer, houston):
    mt = renderer.message_type("early_warning")
    for onset, fires in (("2026-11-01T01:30:00-05:00", True),   # first 01:30 (CDT)
                         ("2026-11-01T01:30:00-06:00", True),   # second 01:30 (CST)
                         ("2026-11-01T02:00:00-06:00", False),
                         ("2026-11-01T00:59:00-05:00", False)):
        facts = renderer.facts("early_warning", houston.with_overrides([f"onset={onset}"]))
        found = check_repeated_hour(mt, facts)
        assert bool(found) is fires, onset
        if fires:
            assert "happens twice in America/Chicago" in found[0].reason


def test_midnight_is_named_by_both_days_in_every_channel(renderer, hurricane):
    """Not "Tuesday, midnight" in voice and "Wednesday, 00:00" in writing: the same night,
    by both its days (more in tests/test_flood_dates.py)."""
    midnight = hurricane.with_overrides(["onset=2026-09-16T00:00:00-06:00"])
    for channel in ("sms", "long", "voice"):
        en = _render(renderer, midnight, "en", channel)
        assert "midnight, the night of Tuesday 15 to Wednesday 16 September" in en
        es = _render(renderer, midnight, "es", channel)
        assert "martes 15 de septiembre a medianoche (noche del martes al miércoles 16)" in es
        assert "00:00" not in en + es


def test_every_render_passes_the_reading_checks(renderer, hurricane, houston):
    for scenario in (hurricane, houston):
        for language in LANGUAGES:
            for channel in CHANNELS:
                facts = renderer.facts("early_warning", scenario)
                result = renderer.render("early_warning", language, channel, facts)
                message = describe(renderer, renderer.message_type("early_warning"), facts,
                                   result)
                found = check_readings(message)
                # K'iche' and Mam write the Spanish month names (the back-translators'
                # suggestion, for a native speaker to decide): the check says so, as a
                # warning for the reviewer, and nothing else
                expected = [f for f in found if language in ("quc", "mam")
                            and f.severity == "warning" and "is also es's word" in f.reason]
                assert found == expected, (language, channel)


def test_phone_local_form_only_in_the_same_country(renderer, hurricane):
    abroad = hurricane.with_overrides(["hotline=+502 2420 3400"])  # Guatemala, event in MX
    text = _render(renderer, abroad, "es", "voice")
    assert "más 5 0 2, 2 4 2 0, 3 4 0 0" in text and "teléfono local" not in text
    home = _render(renderer, hurricane, "es", "voice")
    assert "o desde un teléfono local: 9 6 2, 6 2 0, 1 0 0 0" in home


def test_times_need_the_events_time_zone(renderer, hurricane):
    facts = dict(hurricane.facts)
    with pytest.raises(ScenarioError, match="timezone.*IANA name"):
        renderer.render("early_warning", "es", "sms", Scenario(facts=facts, region="MX"))


def test_zone_msgids_are_cldrs_english_location_names():
    from messaging.languages import Language

    english = cldr_dates(Language("en", "English", "English", formatting_locale="en_US"))
    for zone_id, msgid in ZONES.items():
        assert english.zone_phrase(zone_id) == msgid, zone_id


def test_no_summer_time_for_guatemala(renderer):
    """Babel's es_419 data has the daylight region format; we take the base language's."""
    spanish = cldr_dates(renderer.languages.get("es"))
    assert spanish.zone_phrase("America/Guatemala") == "hora de Guatemala"


def test_reading_own_cldr_data_leaves_babels_cache_alone(renderer):
    from babel import Locale

    cldr_dates(renderer.languages.get("quc"))  # quc's own data, told from root's
    assert Locale.parse("quc").time_formats["short"].pattern == "HH:mm"
    assert Locale.parse("es_MX").days["format"]["wide"][1] == "martes"


def test_date_words_are_never_borrowed(data_copy, hurricane):
    """Without its month names, Haitian Creole falls back whole and visibly, to French;
    a Haitian Creole message never carries French (or CLDR root) date words."""
    from babel.messages.pofile import read_po, write_po

    from messaging.catalogs import language_report
    from messaging.rendering import Renderer

    templates, locales = data_copy
    po = locales / "ht" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if message.context == "month":
            message.string = ""
    with po.open("wb") as f:
        write_po(f, catalog)
    renderer = Renderer(templates, locales)
    result = renderer.render("early_warning", "ht", "sms", hurricane)
    assert result.language_used == "fr"
    assert any("not rendered in ht" in w and "month 'September'" in w for w in result.warnings)
    assert "mardi 15 septembre" in result.text
    rows = {r["code"]: r for r in language_report(renderer)}
    assert rows["ht"]["date_sources"]["months"] == "missing"
    assert rows["ht"]["dates"] == "incomplete"


def test_languages_say_where_date_data_comes_from(runner):
    import json

    from messaging.cli import cli

    result = runner.invoke(cli, ["languages", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.output)}
    assert rows["es"]["date_sources"] == {part: "CLDR es_MX" for part in
                                          ("weekdays", "months", "date pattern", "zones")}
    assert rows["ht"]["date_sources"] == {part: "catalog (fuzzy)" for part in
                                          ("weekdays", "months", "date pattern", "zones")}
    assert rows["mam"]["dates"] == "catalog"
    quc = rows["quc"]["date_sources"]
    # the catalog's own (fuzzy) names win over CLDR's numbered ones
    assert quc["weekdays"] == "catalog (fuzzy)" and quc["date pattern"] == "catalog (fuzzy)"
    assert rows["quc"]["dates"] == "CLDR+catalog"
    text = runner.invoke(cli, ["languages"]).output
    assert re.search(r"^ht .* catalog .*unreviewed", text, re.M)


def test_cldr_languages_need_no_date_entries(renderer):
    spanish = provided_keys(renderer.languages.get("es"))
    assert ("weekday", "Thursday") in spanish and ("zone", "Guatemala Time") in spanish
    assert ("time", "noon") not in spanish  # 12-hour: Spanish says "mediodía"
    assert ("time", "noon") in provided_keys(renderer.languages.get("fr"))  # 24-hour
    assert not {k for k in provided_keys(renderer.languages.get("mam")) if k[0] != "time"}


def test_date_written_in_ar_has_arabic_comma_and_isolated_digits(renderer, hurricane):
    result = renderer.render("early_warning", "ar", "long", hurricane)
    assert "الثلاثاء، \u206615\u2069 سبتمبر، \u206618:00\u2069 (توقيت مكسيكو سيتي)" \
        in result.text
