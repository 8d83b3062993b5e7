"""Protective actions by hazard and phase, the sentences that say one thing each, and the
checks that guard them (guidance, documents, the exercise marker's cost)."""

from __future__ import annotations

import io
import itertools
import re

import pytest
from babel.messages.pofile import read_po, write_po

from messaging import bidi
from messaging.checks import (
    DOCUMENTS,
    ERROR,
    WARNING,
    check_marker_cost,
    describe,
    run_checks,
    translated,
)
from messaging.demo import lessons
from messaging.errors import ScenarioError, TemplateError
from messaging.glossary import HAZARDS
from messaging.marker_cost import marker_cost
from messaging.message_types import ACTIONS, MESSAGE_TYPES, PHASES
from messaging.protective_actions import (
    extract,
    forecastable,
    load_hazards,
    parse_hazards,
)
from messaging.rendering import Renderer

from .conftest import ROOT

LANGUAGES = ["en", "es", "fr", "ht", "pt", "quc", "mam", "ar"]
CHANNELS = ["sms", "long", "voice", "cap"]
DATA = ROOT / "message_templates" / "hazards.toml"


def _ws(text: str) -> str:
    """Whitespace collapsed, and bidi isolates (right-to-left renders) removed."""
    return " ".join(bidi.strip(text).split())


def _facts(scenario, hazard: str):
    """The scenario with another hazard; an unforecast one struck before it was issued."""
    extra = [f"hazard={hazard}"]
    if not forecastable(hazard):
        extra.append("onset=2026-09-14T06:00:00-06:00")
    return scenario.with_overrides(extra)


def _phase_types(renderer: Renderer) -> list[tuple[str, str, tuple[str, ...]]]:
    out = []
    for name in MESSAGE_TYPES:
        spec = renderer.message_type(name).actions
        if spec is not None:
            out.append((name, spec.phase, spec.channels))
    return out


# -- the data ----------------------------------------------------------------------------------

def test_every_glossary_hazard_has_every_phase_with_one_key_action(renderer):
    data = renderer.hazards()
    assert set(data.hazards) == set(HAZARDS)
    assert "extreme_heat" in HAZARDS
    for hazard in data.hazards.values():
        for phase in PHASES:
            actions = hazard.actions[phase]
            assert 1 <= len(actions) <= 4, (hazard.key, phase)
            assert [a.key for a in actions] == [True] + [False] * (len(actions) - 1)
            for action in actions:
                assert action.context == f"action:{hazard.key}:{phase}"
                assert action.comment and action.follows, (hazard.key, action.text)
                assert "(" not in action.text


def test_forecast_flags_and_the_library_function():
    assert forecastable("earthquake") is False
    assert forecastable("landslide") is False
    for key in ("hurricane", "tropical_storm", "flood", "tsunami", "volcanic_eruption",
                "wildfire", "extreme_heat"):
        assert forecastable(key) is True, key
    with pytest.raises(TemplateError, match="no protective actions for hazard 'tornado'"):
        forecastable("tornado")


def test_what_must_be_there():
    """The actions the issue names, in the source language."""
    data = load_hazards(DATA.parent)

    def texts(key: str, phase: str | None = None) -> str:
        hazard = data.get(key)
        phases = [phase] if phase else PHASES
        return " ".join(a.text for p in phases for a in hazard.actions[p]).lower()

    assert "drop, cover and hold on" in texts("earthquake", "prepare")
    assert "aftershock" in texts("earthquake", "after")
    assert "high ground at once" in texts("earthquake", "warning")
    assert "never walk, swim or drive through flood water" in texts("flood", "warning")
    assert "higher roads" in texts("flood", "evacuate")
    assert "go up as high as you can and call for help" in texts("flood", "evacuate")
    assert "switch off the electricity" in texts("flood")
    assert "high ground or inland now" in texts("tsunami", "warning")
    assert "nose and mouth" in texts("volcanic_eruption", "warning")
    assert "lahars" in texts("volcanic_eruption", "warning")
    assert "away from the volcano" in texts("volcanic_eruption", "evacuate")
    assert "rumbling" in texts("landslide", "warning")
    assert "leave early" in texts("wildfire", "warning")
    assert "smoke" in texts("wildfire")
    assert "storm surge" in texts("hurricane", "warning")
    assert "drink water often" in texts("extreme_heat", "warning")
    assert "heat stroke" in texts("extreme_heat")
    assert "shade" in texts("extreme_heat")


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda s: s.replace("key = true\n", "key = false\n", 1), "exactly one action must have key"),
    (lambda s: s.replace("[extreme_heat]", "[heatwave]", 1), "not a hazard of the glossary"),
    (lambda s: s.replace("forecast = false", "forecast = maybe", 1), "not valid TOML"),
    (lambda s: s.replace('text = "Drink water often, even if you are not thirsty."',
                         'text = "Drink water (often)."', 1), "no parentheses"),
    (lambda s: s.replace('text = "Use the stairs, never the lifts."',
                         'text = "Use the stairs by %(evacuate_by)s."', 1),
     "may use only no placeholder"),
])
def test_bad_hazard_data_is_one_clear_error(edit, reason):
    text = edit(DATA.read_text(encoding="utf-8"))
    with pytest.raises(TemplateError, match=re.escape(reason)) as info:
        parse_hazards(text, DATA)
    assert info.value.path == str(DATA)


def test_extraction_mirrors_the_runtime(renderer):
    """The Babel extractor yields exactly the (context, msgid) pairs the renderer asks for,
    and the committed .pot has them with the translator note and the guidance followed."""
    with DATA.open("rb") as f:
        extracted = list(extract(f, [], [], {}))
    pairs = {(ctx, msgid) for _, func, (ctx, msgid), _ in extracted if func == "pgettext"}
    data = renderer.hazards()
    expected = {(s.context, s.text) for s in data.sentences()}
    assert pairs == expected
    assert len(pairs) >= 9 * 4 * 2
    template = renderer.template_catalog()
    assert pairs <= set(template.entries)
    with (ROOT / "locales" / "messages.pot").open("rb") as f:
        pot = read_po(f)
    key = data.get("earthquake").key_action("prepare")
    entry = pot.get(key.text, context=key.context)
    comments = " ".join(entry.auto_comments)
    assert "Follows:" in comments and "ShakeOut" in comments
    assert entry.locations[0][0] == "message_templates/hazards.toml"


# -- templates take their guidance from them --------------------------------------------------

@pytest.mark.parametrize("hazard", list(HAZARDS))
def test_each_hazards_actions_appear_in_each_channel_of_each_phase(renderer, hurricane, hazard):
    data = renderer.hazards()
    facts = _facts(hurricane, hazard)
    for type_name, phase, channels in _phase_types(renderer):
        actions = data.get(hazard).actions[phase]
        for language in LANGUAGES:
            for channel in channels:
                result = renderer.render(type_name, language, channel, facts)
                assert result.language_used == language, result.warnings
                text = _ws(result.sms.raw.text if result.sms else result.text)
                shown = [_ws(translated(renderer, language, a.text, a.context))
                         for a in actions]
                assert shown[0] in text, (type_name, language, channel)
                shelter = hurricane.facts["shelter"]
                if channel == "sms" and shelter in text:  # the key action leads the SMS
                    assert text.index(shown[0]) < text.index(shelter), (type_name, language)
                if channel == "long":
                    least = 2 if type_name == "relief_assistance" else len(actions)
                    if type_name != "safety_check":
                        assert all(s in text for s in shown[:least]), (type_name, language)
                if channel == "voice" and type_name not in ("relief_assistance",
                                                            "safety_check"):
                    assert text.count(shown[0]) == 2, (type_name, language)  # repeated


def test_actions_differ_between_hazards(renderer, hurricane):
    data = renderer.hazards()
    for type_name, phase, _ in _phase_types(renderer):
        keys = {h: data.get(h).key_action(phase).text for h in HAZARDS}
        assert len(set(keys.values())) == len(keys), (type_name, keys)
        for language in LANGUAGES:
            texts = {h: renderer.render(type_name, language, "long", _facts(hurricane, h)).text
                     for h in HAZARDS}
            for a, b in itertools.combinations(HAZARDS, 2):
                other = data.get(b).key_action(phase)
                assert _ws(translated(renderer, language, other.text, other.context)) \
                    not in _ws(texts[a]), (type_name, language, a, b)


def test_missing_action_translation_falls_back_whole(data_copy, hurricane):
    """An action is translated through the same strict gettext as a {% trans %} block."""
    templates, locales = data_copy
    po = locales / "mam" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    key = load_hazards(templates).get("hurricane").key_action("warning")
    assert catalog.get(key.text, context=key.context) is not None
    catalog.delete(key.text, context=key.context)
    buf = io.BytesIO()
    write_po(buf, catalog)
    po.write_bytes(buf.getvalue())
    renderer = Renderer(templates, locales)
    result = renderer.render("early_warning", "mam", "sms", hurricane)
    assert result.language_used == "es"
    assert result.text == renderer.render("early_warning", "es", "sms", hurricane).text
    assert any("not rendered in mam" in w for w in result.warnings)
    # only the sentences a message shows count as its unreviewed strings
    sms = renderer.render("early_warning", "es", "sms", hurricane)
    second = load_hazards(templates).get("hurricane").actions["warning"][1]
    assert key.text in sms.fuzzy_strings and second.text not in sms.fuzzy_strings


# -- hazards that strike without a forecast ----------------------------------------------------

def test_earthquake_early_warning_with_past_onset_speaks_of_aftershocks(renderer, earthquake):
    facts = renderer.facts("early_warning", earthquake)
    assert facts.values["onset"] < facts.values["issued"]
    data = renderer.hazards().get("earthquake")
    for language in LANGUAGES:
        for channel in CHANNELS:
            result = renderer.render("early_warning", language, channel, facts)
            text = _ws(result.sms.raw.text if result.sms else result.text)
            then = _ws(translated(renderer, language, data.onset["then"].text,
                                  data.onset["then"].context))
            struck = translated(renderer, language, data.onset["struck"].text,
                                data.onset["struck"].context).split("%(onset)s")[0]
            assert then in text and _ws(struck) in text, (language, channel)
            if language == "en":
                assert "aftershocks" in text.lower() and "expected from" not in text.lower()


def test_forecast_wording_follows_onset_and_issued(renderer, hurricane, earthquake):
    ahead = hurricane.with_overrides(["hazard=landslide"])  # onset after issued
    text = renderer.render("early_warning", "en", "sms", ahead).text
    assert "Landslides are likely from" in text and "struck" not in text
    past = earthquake.with_overrides(["hazard=landslide"])
    text = renderer.render("early_warning", "en", "sms", past).text
    assert "The landslide struck on" in text and "More slides can follow" in text
    text = renderer.render("early_warning", "en", "sms", hurricane).text
    assert "The hurricane is expected from" in text
    with pytest.raises(ScenarioError, match="an earthquake strikes without a forecast") as info:
        renderer.render("early_warning", "en", "sms", hurricane.with_overrides(
            ["hazard=earthquake"]))
    assert info.value.field == "onset"


# -- sentences that say one thing -------------------------------------------------------------

@pytest.mark.parametrize("id_required", [True, False])
def test_documents_sentence_agrees_across_channels(renderer, hurricane, id_required):
    scenario = hurricane.with_overrides([f"id_required={str(id_required).lower()}"])
    for language in LANGUAGES:
        wanted = _ws(translated(renderer, language, DOCUMENTS[id_required]))
        other = _ws(translated(renderer, language, DOCUMENTS[not id_required]))
        for channel in CHANNELS:
            result = renderer.render("relief_assistance", language, channel, scenario)
            text = _ws(result.sms.raw.text if result.sms else result.text)
            assert text.count(wanted) == 1, (language, channel)
            assert other not in text, (language, channel)
        for type_name in MESSAGE_TYPES:  # only where documents matter
            if type_name == "relief_assistance":
                continue
            for channel in CHANNELS:
                text = _ws(renderer.render(type_name, language, channel, scenario).text)
                assert wanted not in text and other not in text, (type_name, language)


def test_documents_check_fires_on_a_contradiction(data_copy, hurricane):
    templates, locales = data_copy
    sms = templates / "relief_assistance" / "sms.j2"
    sms.write_text(sms.read_text(encoding="utf-8").replace(
        "{{ m.documents() }}",
        "{% trans %}Bring an identity document if you have one.{% endtrans %}"),
        encoding="utf-8")
    report = run_checks(Renderer(templates, locales), hurricane, types=["relief_assistance"],
                        languages=["en", "es"], channels=["sms", "long"], catalogs=False)
    found = [f for f in report.findings if f.check == "documents"]
    assert {(f.language, f.channel) for f in found} == {("en", "sms"), ("es", "sms")}
    assert all(f.severity == ERROR for f in found)
    assert any("contradicts its id_required" in f.reason for f in found)


def test_reply_free_only_when_the_fact_says_so(renderer, hurricane):
    for value, expected in (("false", False), ("true", True)):
        scenario = hurricane.with_overrides([f"reply_free={value}"])
        for language in LANGUAGES:
            free = translated(renderer, language, "Replying is free.")
            for channel in ("long", "voice"):
                text = renderer.render("safety_check", language, channel, scenario).text
                assert (free in text) is expected, (language, channel, value)


def test_voice_safety_check_says_how_to_answer(renderer, hurricane):
    text = renderer.render("safety_check", "en", "voice", hurricane).text
    assert "On a phone call: press 1 if you are safe, 2 if you need help." in text
    assert "If you hear this on the radio, call plus 5 2, 9 6 2, 6 2 0, 1 0 0 0, or from a "\
        "local phone: 9 6 2, 6 2 0, 1 0 0 0, or send an SMS with 1 or 2" in text
    assert "Reply 1" not in text


def test_no_parentheses_around_hazards_and_a_sender_line(renderer, hurricane):
    for language in LANGUAGES:
        term = translated(renderer, language, HAZARDS["hurricane"], "hazard")
        sender = translated(renderer, language, "Message from: %(source)s.")
        for type_name in MESSAGE_TYPES:
            for channel in CHANNELS:
                text = renderer.render(type_name, language, channel, hurricane).text
                assert f"({term})" not in text.lower(), (type_name, language, channel)
            voice = _ws(renderer.render(type_name, language, "voice", hurricane).text)
            assert voice.startswith(sender % {"source": hurricane.facts["source"]})


# -- the checks ----------------------------------------------------------------------------------

def test_guidance_check_fires_when_the_key_action_is_missing_or_not_first(data_copy, hurricane):
    templates, locales = data_copy
    sms = templates / "early_warning" / "sms.j2"
    original = sms.read_text(encoding="utf-8")
    sms.write_text(original.replace("{{ actions.key }}\n", ""), encoding="utf-8")
    report = run_checks(Renderer(templates, locales), hurricane, types=["early_warning"],
                        languages=["en"], channels=["sms", "long"], catalogs=False)
    [missing] = [f for f in report.findings if f.check == "guidance"]
    assert missing.severity == ERROR and missing.channel == "sms"
    assert "key protective action is missing" in missing.reason
    shelter = "{% trans %}If told to leave, go to {{ shelter }}.{% endtrans %}\n"
    sms.write_text(original.replace(shelter, "").replace("{{ actions.key }}\n",
                                                         shelter + "{{ actions.key }}\n"),
                   encoding="utf-8")
    report = run_checks(Renderer(templates, locales), hurricane, types=["early_warning"],
                        languages=["en"], channels=["sms"], catalogs=False)
    [late] = [f for f in report.findings if f.check == "guidance"]
    assert late.severity == WARNING and "shelter comes first" in late.reason


def test_a_type_without_actions_has_no_guidance_to_check(data_copy, hurricane):
    """Take the actions out of safety_check: its guidance can no longer be checked ("?")."""
    templates, locales = data_copy
    toml = templates / "safety_check" / "template.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"\n\[actions\]\n(?:.*\n)*?(?=\n\[cap\])", "\n", text),
                    encoding="utf-8")
    for channel in CHANNELS:
        path = templates / "safety_check" / f"{channel}.j2"
        path.write_text(path.read_text(encoding="utf-8").replace("{{ actions.key }}", ""),
                        encoding="utf-8")
    renderer = Renderer(templates, locales)
    assert renderer.message_type("safety_check").actions is None
    report = run_checks(renderer, hurricane, types=["safety_check"], languages=["en"],
                        channels=["sms", "long"], catalogs=False)
    assert any(f.check == "elements" and "guidance role" in f.reason for f in report.findings)
    assert not [f for f in report.findings if f.check == "guidance"]
    from messaging.preview import _checklist

    [guidance] = [i for i in _checklist(report.messages) if i.element == "guidance"]
    assert guidance.state == "unknown"


def test_marker_cost_warning_fires_on_a_marker_that_forces_ucs2(data_copy, hurricane):
    templates, locales = data_copy
    po = locales / "ht" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgid "EXERCISE"\nmsgstr "Egzèsis"' in text
    po.write_text(text.replace('msgid "EXERCISE"\nmsgstr "Egzèsis"',
                               'msgid "EXERCISE"\nmsgstr "EGZÈSIS"').replace(
        '"Egzèsis: sa a se', '"EGZÈSIS: sa a se'), encoding="utf-8")
    renderer = Renderer(templates, locales)
    report = run_checks(renderer, hurricane, types=["early_warning"], languages=["ht"],
                        channels=["sms", "long"], modes=(False, True), catalogs=False)
    [cost] = [f for f in report.findings if f.check == "marker-cost"]
    assert cost.severity == WARNING and cost.exercise is True and cost.channel == "sms"
    assert "'EGZÈSIS' alone makes this SMS UCS-2 (È outside GSM-7)" in cost.reason
    real = renderer.render("early_warning", "ht", "sms", hurricane)
    drill = renderer.render("early_warning", "ht", "sms", hurricane, exercise=True)
    assert (real.encoding, drill.encoding) == ("GSM-7", "UCS-2")
    assert f"{drill.segments} segments instead of {real.segments}" in cost.reason
    # the shipped draft spelling costs nothing
    bundled = Renderer()
    message = describe(bundled, bundled.message_type("early_warning"),
                       bundled.facts("early_warning", hurricane),
                       bundled.render("early_warning", "ht", "sms", hurricane, exercise=True))
    assert check_marker_cost(message) == []


def test_marker_cost_of_length_alone_and_the_demo_lesson():
    from messaging import encoding
    from messaging.rendering import RenderResult

    body = "Alèt siklòn. Ale nan abri a kounye a. " * 4  # 152 GSM-7 characters
    assert marker_cost("Egzèsis: " + body, "Egzèsis").extra_segments == 1
    assert not marker_cost("Egzèsis: " + body, "Egzèsis").changes_encoding
    assert marker_cost("EGZÈSIS: " + body, "EGZÈSIS").characters == ("È",)
    assert marker_cost("Egzèsis: Ale.", "Egzèsis") is None
    assert marker_cost("Ale.", "Egzèsis") is None  # no marker at the start

    def sms(language: str, text: str) -> RenderResult:
        analysis = encoding.analyse(text)
        return RenderResult(type="early_warning", language=language, language_used=language,
                            channel="sms", text=analysis.sent.text, sms=analysis,
                            exercise=True)

    results = [sms("ht", "EGZÈSIS: " + body), sms("es", "SIMULACRO: " + body)]
    text = "\n".join(lessons(results, True, {"ht": "EGZÈSIS", "es": "SIMULACRO"}))
    assert "in ht, the marker 'EGZÈSIS' alone has È outside GSM-7" in text
    assert "in es, 'SIMULACRO' pushes the SMS from 1 to 2 segments" in text
    assert "A drill must cost" not in "\n".join(lessons(results, False, {"ht": "EGZÈSIS"}))


def test_shipped_templates_declare_the_actions_as_guidance(renderer):
    for name in MESSAGE_TYPES:
        mt = renderer.message_type(name)
        assert mt.actions is not None, name
        assert ACTIONS in mt.roles()["guidance"]
        if name == "relief_assistance":
            assert ACTIONS not in mt.roles("sms").get("guidance", [])
        assert "id_required" in mt.variables if name == "relief_assistance" else \
            "id_required" not in mt.variables

