"""Rendering: every type × language × channel, fallback, formatting, and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from messaging import Renderer, render
from messaging.errors import MissingVariable, ScenarioError, TemplateError, UnknownName
from messaging.message_types import MESSAGE_TYPES
from messaging.scenarios import Scenario

from .conftest import ROOT

LANGUAGES = ["en", "es", "fr", "ht", "pt", "quc", "mam", "ar"]
CHANNELS = ["sms", "long", "voice", "cap"]
LEFTOVER = re.compile(r"%\(\w+\)[sd]|\{\{|\}\}|\{%|%\}|Undefined")


def _hazard_term(language: str, key: str = "hurricane") -> str:
    """The glossary term as the .po file says, read independently of the renderer."""
    if language == "en":
        return key
    with open(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    message = catalog.get(key, context="hazard")
    assert message is not None and message.string, f"{language} has no term for {key}"
    return message.string


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("type_name", MESSAGE_TYPES)
def test_every_type_language_channel_renders(renderer, hurricane, type_name, language):
    for channel in CHANNELS:
        result = renderer.render(type_name, language, channel, hurricane)
        assert result.language_used == language, result.warnings
        assert result.text.strip()
        assert not LEFTOVER.search(result.text), result.text
        # Facts are there, formatted: the place, the phone number, the translated hazard.
        assert "Tapachula y Suchiate, Chiapas" in result.text
        assert "620 1000" in result.text or "6 2 0, 1 0 0 0" in result.text
        assert _hazard_term(language).lower() in result.text.lower()
        if channel == "sms":
            assert result.encoding in ("GSM-7", "UCS-2") and result.segments >= 1
        if channel == "cap":
            assert set(result.parts) == {"headline", "description", "instruction"}
            assert all(result.parts.values())


def test_translations_differ_from_english(renderer, hurricane):
    english = renderer.render("early_warning", "en", "sms", hurricane).text
    for language in LANGUAGES[1:]:
        assert renderer.render("early_warning", language, "sms", hurricane).text != english


def test_rtl_language_reports_direction(renderer, hurricane):
    result = renderer.render("evacuation", "ar", "sms", hurricane)
    assert result.direction == "rtl"
    assert result.encoding == "UCS-2"
    assert re.search(r"[\u0600-\u06ff]", result.text)


def test_unreviewed_strings_are_flagged(renderer, hurricane):
    result = renderer.render("early_warning", "quc", "sms", hurricane)
    assert result.unreviewed
    assert result.fuzzy_strings
    assert any("unreviewed" in w for w in result.warnings)
    assert not renderer.render("early_warning", "en", "sms", hurricane).unreviewed


def test_exercise_marker_only_in_exercise_mode(renderer, hurricane):
    real = renderer.render("early_warning", "es", "sms", hurricane)
    drill = renderer.render("early_warning", "es", "sms", hurricane, exercise=True)
    assert "SIMULACRO" in drill.text
    assert "SIMULACRO" not in real.text
    assert drill.text.startswith("SIMULACRO")


def test_datetime_in_event_time_zone_with_zone_label(renderer):
    facts = dict(_minimal_facts(), onset="2026-09-16T00:00:00+00:00")
    scenario = Scenario(facts=facts, timezone="America/Mexico_City")
    result = renderer.render("early_warning", "es", "long", scenario)
    # Midnight UTC is 18:00 the day before in Mexico City (UTC-6), a zone named by place.
    assert "martes, 15 de septiembre, 18:00 (hora de Ciudad de México)" in result.text
    assert "UTC" not in result.text
    voice = renderer.render("early_warning", "en", "voice", scenario)
    assert "Tuesday, September 15, 6 in the evening, Mexico City Time" in voice.text


def test_plural_aware_counts(renderer, hurricane):
    one = hurricane.with_overrides(["shelters_open=1"])
    many = hurricane.with_overrides(["shelters_open=4"])
    assert "1 shelter is open" in renderer.render("relief_assistance", "en", "long", one).text
    assert "4 shelters are open" in renderer.render("relief_assistance", "en", "long",
                                                     many).text
    assert "4 refugios" in renderer.render("relief_assistance", "es", "long", many).text


def test_relief_needs_an_open_shelter(renderer, hurricane):
    with pytest.raises(ScenarioError, match="shelters_open: expected a number of 1 or more"):
        renderer.render("relief_assistance", "pt", "sms",
                        hurricane.with_overrides(["shelters_open=0"]))


def test_hazard_glossary_uses_context(renderer, earthquake):
    result = renderer.render("early_warning", "es", "sms", earthquake)
    assert _hazard_term("es", "earthquake") in result.text


def test_render_function_uses_bundled_data(hurricane):
    result = render("all_clear", "pt", "sms", hurricane)
    assert result.language_used == "pt"


def test_results_are_cached_per_facts(renderer, hurricane):
    a = renderer.render("early_warning", "es", "sms", hurricane)
    b = renderer.render("early_warning", "es", "sms", renderer.facts("early_warning", hurricane))
    assert a is b
    c = renderer.render("early_warning", "es", "sms", hurricane.with_overrides(
        ["shelter=Escuela Primaria 5"]))
    assert c is not a and "Escuela Primaria 5" in c.text


# -- fallback -------------------------------------------------------------------------------

def _drop_entry(po: Path, msgid: str) -> None:
    text = po.read_text(encoding="utf-8")
    pattern = re.compile(r'(msgid "' + re.escape(msgid) + r'"\nmsgstr )"[^\n]*"', re.M)
    new, n = pattern.subn(r'\1""', text)
    assert n == 1, f"{msgid!r} not found once in {po}"
    po.write_text(new, encoding="utf-8")


def test_missing_string_falls_back_whole_message(data_copy, hurricane):
    templates, locales = data_copy
    _drop_entry(locales / "mam" / "LC_MESSAGES" / "messages.po", "Free help: %(hotline)s")
    renderer = Renderer(templates, locales)
    result = renderer.render("early_warning", "mam", "sms", hurricane)
    assert result.language == "mam"
    assert result.language_used == "es"  # mam → es, per languages.toml
    assert result.fell_back
    assert any("not rendered in mam" in w and "not translated" in w for w in result.warnings)
    spanish = renderer.render("early_warning", "es", "sms", hurricane)
    assert result.text == spanish.text  # the whole message, never a patchwork


def test_dropped_placeholder_is_caught_not_rendered(data_copy, hurricane):
    templates, locales = data_copy
    po = locales / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    # A translator drops the phone number from the help line.
    pattern = re.compile(r'(msgid "Free help: %\(hotline\)s"\nmsgstr )"[^\n]*"')
    po.write_text(pattern.sub(r'\1"Ayuda gratuita."', text), encoding="utf-8")
    renderer = Renderer(templates, locales)
    problems = renderer.catalog("es").problems
    assert any("drops %(hotline)s" in p.reason for p in problems)
    result = renderer.render("early_warning", "es", "sms", hurricane)
    assert result.language_used == "en"
    assert "+52 962 620 1000" in result.text
    assert any("broken translation" in w for w in result.warnings)


def test_invented_placeholder_is_caught(data_copy, hurricane):
    templates, locales = data_copy
    po = locales / "pt" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    pattern = re.compile(r'(msgid "Free help: %\(hotline\)s"\nmsgstr )"[^\n]*"')
    po.write_text(pattern.sub(r'\1"Ajuda: %(telefone)s"', text), encoding="utf-8")
    renderer = Renderer(templates, locales)
    assert any("invents %(telefone)s" in p.reason for p in renderer.catalog("pt").problems)
    result = renderer.render("early_warning", "pt", "sms", hurricane)
    assert result.language_used == "es"  # pt → es


def test_language_without_catalog_falls_back(data_copy, hurricane):
    templates, locales = data_copy
    with (locales / "languages.toml").open("a", encoding="utf-8") as f:
        f.write('\n[tzj]\nname = "Tz\'utujil"\nnative = "Tzʼutujil"\n'
                'formatting_locale = "es_GT"\nfallback = ["es"]\n')
    renderer = Renderer(templates, locales)
    result = renderer.render("evacuation", "tzj", "sms", hurricane)
    assert result.language_used == "es"
    assert any("no catalog" in w for w in result.warnings)


# -- bad input ------------------------------------------------------------------------------

def _minimal_facts() -> dict:
    return {
        "source": "Consulado", "hazard": "hurricane", "area": "Tapachula",
        "shelter": "Albergue 1", "onset": "2026-09-15T18:00:00-06:00",
        "expires": "2026-09-16T12:00:00-06:00", "hotline": "+52 962 620 1000",
        "url": "https://example.org",
    }


def test_missing_variable_is_an_error_never_blank(renderer):
    facts = _minimal_facts()
    del facts["shelter"]
    with pytest.raises(MissingVariable, match="shelter"):
        renderer.render("early_warning", "es", "sms", facts)


def test_empty_fact_is_an_error(renderer):
    with pytest.raises(ScenarioError, match="shelter: is empty"):
        renderer.render("early_warning", "es", "sms", dict(_minimal_facts(), shelter="  "))


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("onset", "2026-09-15T18:00:00", "no UTC offset"),
        ("onset", "next tuesday", "Invalid isoformat"),
        ("hotline", "12", "phone number"),
        ("url", "example.org", "https://"),
        ("hazard", "zombies", "unknown hazard"),
    ],
)
def test_bad_values_name_the_field(renderer, name, value, reason):
    with pytest.raises(ScenarioError, match=reason) as info:
        renderer.render("early_warning", "es", "sms", dict(_minimal_facts(), **{name: value}))
    assert info.value.field == name


def test_unknown_names(renderer, hurricane):
    with pytest.raises(UnknownName, match="unknown message type 'tornado'"):
        renderer.render("tornado", "es", "sms", hurricane)
    with pytest.raises(UnknownName, match="unknown language 'xx'"):
        renderer.render("early_warning", "xx", "sms", hurricane)
    with pytest.raises(UnknownName, match="unknown channel 'fax'"):
        renderer.render("early_warning", "es", "fax", hurricane)


def test_template_syntax_error_names_file_and_line(data_copy, hurricane):
    templates, locales = data_copy
    sms = templates / "early_warning" / "sms.j2"
    lines = sms.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "{% if %}")
    sms.write_text("\n".join(lines), encoding="utf-8")
    renderer = Renderer(templates, locales)
    with pytest.raises(TemplateError) as info:
        renderer.render("early_warning", "en", "sms", hurricane)
    assert info.value.path.endswith("early_warning/sms.j2")
    assert info.value.line == 3


def test_template_undefined_variable_is_an_error(data_copy, hurricane):
    templates, locales = data_copy
    sms = templates / "early_warning" / "sms.j2"
    sms.write_text(sms.read_text(encoding="utf-8") + "\n{{ shelter_phone }}\n",
                   encoding="utf-8")
    with pytest.raises(TemplateError, match="shelter_phone"):
        Renderer(templates, locales).render("early_warning", "en", "sms", hurricane)
