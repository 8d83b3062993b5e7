"""The checks for dates, zones, spoken numbers, direction and punctuation, each firing on a
deliberately broken copy of the bundled data (conftest's ``data_copy``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from messaging.checks import ERROR, run_checks
from messaging.rendering import Renderer

from .conftest import ROOT

HOUSTON = ROOT / "tests" / "data" / "scenarios" / "houston-dst.toml"


def set_entry(locales: Path, language: str, context: str | None, msgid: str,
              text: str) -> None:
    """Give one catalog entry of the copy a new translation."""
    po = locales / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    message = catalog.get(msgid, context=context)
    assert message is not None, (language, context, msgid)
    message.string = text
    with po.open("wb") as f:
        write_po(f, catalog)


def run(data, scenario, languages, channels=("sms", "long", "voice"), types=("early_warning",)):
    templates, locales = data
    return run_checks(Renderer(templates, locales), scenario, types=types,
                      languages=["en", *languages], channels=channels, catalogs=False)


def errors(report, check, language=None) -> list[str]:
    return [f.reason for f in report.findings if f.severity == ERROR and f.check == check
            and (language is None or f.language == language)]


def test_shipped_content_reads_right(renderer, hurricane):
    report = run_checks(renderer, hurricane, types=["early_warning", "evacuation"],
                        languages=renderer.languages.codes(),
                        channels=["sms", "long", "voice", "cap"], catalogs=False)
    for check in ("date-words", "zone", "clock", "spoken", "bidi", "punctuation"):
        assert errors(report, check) == [], check


def test_abbreviated_date_word(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "ht", "month", "September", "sept.")
    report = run(data_copy, hurricane, ["ht"])
    assert "abbreviated date word 'sept': write it in full" in errors(report, "date-words", "ht")


def test_date_word_of_another_language(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "ht", "onset:hurricane:expected", "The hurricane is expected from "
              "%(onset)s.", "Yo prevwa siklòn nan apati %(onset)s (mardi 15 septembre).")
    report = run(data_copy, hurricane, ["ht"], channels=("long",))
    assert errors(report, "date-words", "ht") == [
        "date word 'mardi' is not in the message's language (fr): use the language's own "
        "word", "date word 'septembre' is not in the message's language (fr): use the "
        "language's own word"]


def test_catalog_date_word_borrowed_from_another_language(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "ht", "weekday", "Tuesday", "mardi")
    report = run(data_copy, hurricane, ["ht"])
    found = [f.reason for f in report.findings if f.check == "date-words"]
    assert "'mardi' (Tuesday) is also fr's word: make sure it is the language's own" in found
    assert errors(report, "date-words") == []  # Haitian "avril" is also French's


def test_a_street_named_for_a_date_is_not_a_date(renderer, hurricane):
    street = hurricane.with_overrides(["shelter=Escuela Calle 5 de Mayo"])
    report = run_checks(renderer, street, types=["early_warning"], languages=["en", "ht"],
                        channels=["sms"], catalogs=False)
    assert errors(report, "date-words") == []


def test_zone_as_an_offset(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "es", "datetime", "%(date)s, %(time)s (%(zone)s)",
              "%(date)s, %(time)s UTC-6 (%(zone)s)")
    report = run(data_copy, hurricane, ["es"])
    assert any("offset ('UTC-6')" in r for r in errors(report, "zone", "es"))


def test_zone_with_a_north_american_name(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "fr", "zone", "Mexico City Time",
              "heure normale du centre nord-américain")
    report = run(data_copy, hurricane, ["fr"])
    assert any("'heure normale du centre nord-américain', not by place" in r
               for r in errors(report, "zone", "fr"))


def test_noon_heard_as_midnight(data_copy, houston_noon):
    _, locales = data_copy
    set_entry(locales, "es", "time", "noon", "12:00 p. m.")
    report = run(data_copy, houston_noon, ["es"], channels=("voice",))
    assert any("heard as noon or as midnight" in r for r in errors(report, "clock", "es"))


def test_voice_with_a_plus_sign_left(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "es", "phone", "plus %(number)s", "+%(number)s")
    report = run(data_copy, hurricane, ["es"], channels=("voice",))
    assert any("a '+' before digits" in r for r in errors(report, "spoken", "es"))


def test_rtl_language_marked_ltr_is_not_isolated(data_copy, hurricane):
    _, locales = data_copy
    toml = locales / "languages.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('native = "العربية"\ndirection = "rtl"',
                                 'native = "العربية"\ndirection = "ltr"'), encoding="utf-8")
    report = run(data_copy, hurricane, ["ar"])
    found = errors(report, "bidi", "ar")
    assert any("left-to-right run(s) not in isolates ('Consulado de Guatemala en Tapachula'"
               in r for r in found)
    assert any("the language's direction is ltr" in r for r in found)


def test_unbalanced_isolate_in_a_translation(data_copy, hurricane):
    _, locales = data_copy
    po = locales / "ar" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    [message] = [m for m in catalog if m.id == "Free help: %(hotline)s"]
    message.string = "\u2066" + message.string
    with po.open("wb") as f:
        write_po(f, catalog)
    report = run(data_copy, hurricane, ["ar"], channels=("sms",))
    assert any("isolate(s) never closed" in r for r in errors(report, "bidi", "ar"))


def test_latin_comma_after_arabic(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "ar", "datetime", "%(date)s, %(time)s (%(zone)s)",
              "%(date)s, %(time)s (%(zone)s)")
    report = run(data_copy, hurricane, ["ar"], channels=("long",))
    [reason] = errors(report, "punctuation", "ar")
    assert reason == "Latin punctuation after Arabic words (,): use ،"


def test_half_width_punctuation_and_spaces_in_chinese(data_copy, hurricane):
    _, locales = data_copy
    set_entry(locales, "zh", "datetime", "%(date)s, %(time)s (%(zone)s)",
              "%(date)s, %(time)s (%(zone)s)")
    report = run(data_copy, hurricane, ["zh"], channels=("long",))
    assert any("half-width punctuation" in r for r in errors(report, "punctuation", "zh"))
    # Spaces between Chinese words are layout: rendering takes them out ...
    set_entry(locales, "zh", "weekday", "Tuesday", "星期 二")
    templates, _ = data_copy
    text = Renderer(templates, locales).render("early_warning", "zh", "sms", hurricane).text
    assert "（星期二）" in text and "。 " not in text
    # ... and the check finds one that got through (a pure check on a made-up message)
    from messaging.checks import Message
    from messaging.checks.scripts import check_punctuation
    from messaging.rendering import RenderResult

    made = Message(RenderResult("early_warning", "zh", "zh", "long", "飓风警报。 请前往 避难所"),
                   {}, {}, {}, "【演习】")
    assert [f.reason for f in check_punctuation(made)] == [
        "a space between Chinese words ('。 请'): Chinese is written without spaces"]


def test_numbers_differ_once_isolates_are_removed(data_copy, hurricane):
    """Isolates alone never make Arabic differ from English; a changed number does."""
    _, locales = data_copy
    report = run(data_copy, hurricane, ["ar"], channels=("sms",))
    assert errors(report, "consistency", "ar") == []
    po = locales / "ar" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    [message] = [m for m in catalog if m.id == "Free help: %(hotline)s"]
    message.string += " 911"
    with po.open("wb") as f:
        write_po(f, catalog)
    report = run(data_copy, hurricane, ["ar"], channels=("sms",))
    assert errors(report, "consistency", "ar") == [
        "numbers, times or links differ from en: not in English: 911"]


def test_repeated_hour_in_emsg_check(runner):
    from messaging.cli import cli

    result = runner.invoke(cli, ["check", "early_warning", "--scenario", str(HOUSTON),
                                 "--var", "onset=2026-11-01T01:30:00-05:00", "--lang", "en",
                                 "--channel", "sms"])
    assert result.exit_code == 1
    assert "repeated-hour: onset 2026-11-01 01:30 happens twice in America/Chicago" \
        in result.output


@pytest.fixture
def houston_noon():
    from messaging.scenarios import load_scenario

    return load_scenario(HOUSTON).with_overrides(["onset=2026-11-01T12:00:00-06:00",
                                                  "expires=2026-11-01T18:00:00-06:00"])
