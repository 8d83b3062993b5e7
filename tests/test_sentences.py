"""Sentences fixed after the blind back-translations of a flood scenario: what readers of
every language understood the old ones to say, and what the new ones must no longer say."""

from __future__ import annotations

import pytest

from messaging import bidi
from messaging.checks import translated
from messaging.glossary import HAZARDS
from messaging.protective_actions import load_hazards

from .conftest import ROOT

LANGUAGES = ["en", "es", "fr", "ht", "pt", "quc", "mam", "ar", "zh"]
CHANNELS = ["sms", "long", "voice", "cap"]

# The old flood evacuation key action ("Move to higher ground now.") as each catalog had
# it: readers took it as an order to climb where they were, against "go to the shelter".
OLD_GO_UP_NOW = {
    "en": "Move to higher ground now.", "es": "Suba ahora a un lugar alto.",
    "fr": "Montez en hauteur maintenant.", "pt": "Suba agora para um lugar alto.",
    "zh": "立即转移到高处。", "ht": "Monte sou wotè kounye a.",
    "ar": "اصعد إلى مكان مرتفع الآن.", "quc": "Chatpakiʼk chi ajsik wakamik.",
    "mam": "Jawa tuj jun lugar alto jaʼlin.",
}


def _ws(text: str) -> str:
    return " ".join(bidi.strip(text).split())


def _text(renderer, type_name, language, channel, scenario) -> str:
    return _ws(renderer.render(type_name, language, channel, scenario).text)


@pytest.fixture(scope="module")
def flood(hurricane):
    return hurricane.with_overrides(["hazard=flood"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_flood_evacuation_no_longer_says_go_up_now_and_go_to_the_shelter(renderer, flood,
                                                                        language):
    sms = _text(renderer, "evacuation", language, "sms", flood)
    go_to = translated(renderer, language, "Go to %(shelter)s.")
    assert go_to % {"shelter": flood.facts["shelter"]} in sms
    for channel in CHANNELS:
        text = _text(renderer, "evacuation", language, channel, flood)
        assert OLD_GO_UP_NOW[language] not in text, (language, channel)
        assert "higher ground now" not in text
    key = translated(renderer, language, "Take the higher roads; if water blocks your way, go "
                     "up as high as you can and call for help.", "action:flood:evacuate")
    assert key in sms


def test_no_evacuate_key_action_names_another_place_to_go():
    """The evacuation message sends people to its shelter; the hazard's key action says how
    to get there (or what to do if they cannot), never "go to <some other place>" now."""
    hazards = load_hazards(ROOT / "message_templates")
    for key in HAZARDS:
        action = hazards.get(key).key_action("evacuate").text
        lowered = action.lower()
        for other_place in ("move to higher ground", "go to an open space", "go to a cool place",
                            "go to high ground or inland now"):
            assert not lowered.startswith(other_place), (key, action)


# "Aid is available until <expires>" as each catalog had it: expires is the alert's expiry,
# and readers concluded that aid stops a day before the emergency is over.
OLD_AID_UNTIL = {
    "en": "Aid is available until", "es": "La ayuda está disponible hasta",
    "fr": "L'aide est disponible jusqu'au", "pt": "A ajuda está disponível até",
    "zh": "援助提供至", "ht": "Ou ka jwenn èd jiska", "ar": "المساعدات متاحة حتى",
    "quc": "Kʼo toʼbʼal kʼa", "mam": "At onbʼil hasta",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_relief_no_longer_says_aid_ends_when_the_alert_expires(renderer, flood, language):
    valid = translated(renderer, language, "This information is valid until %(expires)s.")
    head = valid.split("%(expires)s")[0].strip()
    assert head and head != "This information is valid until" or language == "en"
    for channel in CHANNELS:
        text = _text(renderer, "relief_assistance", language, channel, flood)
        assert OLD_AID_UNTIL[language] not in text, (language, channel)
        assert head in text, (language, channel)


# "On the radio: call ..." as each catalog had it, heard as "call on the radio".
OLD_ON_THE_RADIO = {
    "en": "On the radio: call", "es": "Por radio: llame", "fr": "À la radio: appelez",
    "pt": "No rádio: ligue", "zh": "收听广播的人：请拨打", "ht": "Nan radyo: rele",
    "ar": "عبر الراديو: اتصل", "quc": "Pa radio: chasikʼij", "mam": "Tuj radio: tzʼoka",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_voice_safety_check_says_if_you_hear_this_on_the_radio(renderer, flood, language):
    voice = _text(renderer, "safety_check", language, "voice", flood)
    radio = translated(renderer, language, "If you hear this on the radio, call %(hotline)s, or "
                       "send an SMS with 1 or 2 to that number.")
    opening = radio.split("%(hotline)s")[0].strip()
    assert voice.count(opening) == 2  # said, and repeated
    assert OLD_ON_THE_RADIO[language] not in voice


def test_flood_warning_says_get_ready_now_and_go_up_if_the_water_rises(renderer, flood):
    sms = _text(renderer, "early_warning", "en", "sms", flood)
    assert "Get ready now to go to higher ground at once if the water rises" in sms
    assert "Be ready to move to higher ground at once" not in sms
