"""Right-to-left renders as a phone displays them: the Unicode Bidirectional Algorithm
(python-bidi, which wraps the maintained Rust ``unicode-bidi`` crate) run on every
right-to-left render, line by line with the paragraph direction found from the text, as
phones do. The displayed phone number, times and link must read exactly as in the
left-to-right (English) render."""

from __future__ import annotations

import re

import pytest

from messaging import bidi
from messaging.message_types import MESSAGE_TYPES
from messaging.scenarios import load_scenario

from .conftest import EARTHQUAKE, HURRICANE, ROOT

CHANNELS = ["sms", "long", "voice", "cap"]
SCENARIOS = [HURRICANE, EARTHQUAKE, ROOT / "tests" / "data" / "scenarios" / "houston-dst.toml"]
_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
_LINK = re.compile(r"https?://\S+?(?=[.,]?(?:\s|$))")
_PHONE = re.compile(r"\+\d[\d \-]{6,}\d")
_SPOKEN_PHONE = re.compile(r"\d(?:,? \d)+")


def _display(text: str) -> list[str]:
    """Each line of ``text`` in the order a phone shows it, without the controls."""
    get_display = pytest.importorskip(
        "bidi", reason="python-bidi is not installed (pip install -e '.[test]')").get_display
    return [bidi.strip(get_display(line)) for line in text.split("\n")]


def _rtl_renders(renderer):
    for path in SCENARIOS:
        scenario = load_scenario(path)
        for type_name in MESSAGE_TYPES:
            if any(v.type == "datetime" for v in renderer.message_type(type_name)
                   .variables.values()) and not scenario.timezone:
                continue
            for channel in CHANNELS:
                for code in (lang.code for lang in renderer.languages if lang.rtl):
                    yield path.stem, type_name, channel, code, scenario


def _facts_shown(text: str, channel: str) -> set[str]:
    found = set(_TIME.findall(text)) | set(_LINK.findall(text))
    found |= set(_PHONE.findall(text))
    if channel == "voice":
        found |= {m for m in _SPOKEN_PHONE.findall(text) if len(m) > 8}
    return found


def test_every_rtl_render_displays_phone_time_and_link_as_written(renderer):
    checked = 0
    for scenario_name, type_name, channel, code, scenario in _rtl_renders(renderer):
        result = renderer.render(type_name, code, channel, scenario)
        assert result.direction == "rtl" and result.language_used == code, result.warnings
        english = renderer.render(type_name, "en", channel, scenario).text
        wanted = _facts_shown(english, channel)
        logical = bidi.strip(result.text)
        shown = "\n".join(_display(result.text))
        for fact in wanted:
            if fact in logical:  # what the Arabic text states ...
                assert fact in shown, (scenario_name, type_name, channel, fact, shown)
                checked += 1      # ... displays as written
        # the phone and every link of the English text are stated in Arabic too
        for fact in (f for f in wanted if f.startswith(("+", "http"))):
            assert fact in logical, (scenario_name, type_name, channel, fact)
    assert checked > 100


def test_without_isolates_the_algorithm_reorders_the_phone(renderer, hurricane):
    """The test above can fail: the same text without its isolates displays the phone
    backwards, as the blind review found."""
    result = renderer.render("early_warning", "ar", "sms", hurricane)
    assert "+52 962 620 1000" in "\n".join(_display(result.text))
    assert "+52 962 620 1000" not in "\n".join(_display(bidi.strip(result.text)))
    assert "1000 620 962 52+" in "\n".join(_display(bidi.strip(result.text)))


def test_every_rtl_line_displays_right_to_left(renderer):
    for _name, type_name, channel, code, scenario in _rtl_renders(renderer):
        text = renderer.render(type_name, code, channel, scenario).text
        for line in text.split("\n"):
            assert bidi.paragraph_direction(line) in ("rtl", None), (type_name, channel, line)


def test_sms_segments_count_the_isolates(renderer, hurricane):
    from messaging.encoding import count

    result = renderer.render("early_warning", "ar", "sms", hurricane)
    assert bidi.LRI in result.text and result.encoding == "UCS-2"
    assert result.sms.sent.units == len(result.text.encode("utf-16-le")) // 2
    assert count(result.text).units > count(bidi.strip(result.text)).units


# -- the isolating itself ----------------------------------------------------------------------

def _marked(text: str) -> str:
    return bidi.isolate(text).replace(bidi.LRI, "[").replace(bidi.PDI, "]")


@pytest.mark.parametrize("text, expected", [
    ("اتصل بالرقم +502 7761 2000 الآن.", "اتصل بالرقم [+502 7761 2000] الآن."),
    ("من Consulado de México: تحذير", "من [Consulado de México]: تحذير"),
    ("اذهب إلى Albergue (zona 9).", "اذهب إلى [Albergue (zona 9)]."),
    ("ثق: https://example.org/a/.", "ثق: [https://example.org/a/]."),
    ("الساعة 18:00 (توقيت غواتيمالا)", "الساعة [18:00] (توقيت غواتيمالا)"),
    ("خصم 50% اليوم", "خصم [50%] اليوم"),
    ("سطر\nLine two 2", "سطر\n[Line two 2]"),
    ("لا شيء هنا", "لا شيء هنا"),
    # a run ends with its sentence (AR-2): the count is the next sentence's
    ("في Chamelecón, San Pedro Sula. 3 ملاجئ مفتوحة",
     "في [Chamelecón, San Pedro Sula]. [3] ملاجئ مفتوحة"),
    ("اذهب إلى Albergue, Av. Central Norte 12. اتصل",
     "اذهب إلى [Albergue, Av. Central Norte 12]. اتصل"),
])
def test_isolate_wraps_each_left_to_right_run(text, expected):
    assert _marked(text) == expected


def test_isolate_is_idempotent_and_keeps_existing_isolates():
    text = "اتصل \u2066+1 713-555-0142\u2069 أو Houston"
    once = bidi.isolate(text)
    assert once == bidi.isolate(once)
    assert once == "اتصل \u2066+1 713-555-0142\u2069 أو \u2066Houston\u2069"


def test_paragraph_direction_skips_isolates():
    assert bidi.paragraph_direction("Consulado: تحذير") == "ltr"
    assert bidi.paragraph_direction("\u2066Consulado\u2069: تحذير") == "rtl"
    assert bidi.paragraph_direction("\u2066https://example.org\u2069") is None


def test_unbalanced_isolates_are_reported():
    assert bidi.unbalanced("a \u2066b\u2069 c") == []
    assert bidi.unbalanced("a \u2066b c") == ["line 1: 1 isolate(s) never closed"]
    assert "no isolate open" in bidi.unbalanced("a\nb\u2069")[0]


def test_a_count_after_a_latin_place_displays_with_its_sentence(renderer):
    """AR-2 of the flood back-translation: "⁦Chamelecón, San Pedro Sula. 3⁩ ملاجئ" put the
    number of shelters next to "في", cut off from "ملاجئ" by the place name."""
    flood = load_scenario(ROOT / "tests" / "data" / "scenarios" / "flood-sps.toml")
    text = renderer.render("relief_assistance", "ar", "sms", flood).text
    assert "\u2066Chamelecón, San Pedro Sula\u2069" in text
    assert "\u20663\u2069 ملاجئ" in text
    shown = " ".join(_display(text))
    # displayed right to left: "ملاجئ" stands just left of the 3, the place name whole
    assert re.search(r"ئجالم\s*3", shown), shown
    assert "Chamelecón, San Pedro Sula" in shown
    assert "Sula. 3" not in shown and "Sula 3" not in shown
