"""Mandarin Chinese (Simplified), ``zh``: every message type drafted, CJK written properly,
the recipients who get it, CAP's ``zh-CN``, and the reply keywords."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from messaging.cap_export import export_alert
from messaging.keywords import KeywordBook
from messaging.message_types import MESSAGE_TYPES

from .conftest import ROOT

CHANNELS = ["sms", "long", "voice", "cap"]
HAN = r"[\u3400-\u9fff]"
HALF_WIDTH_BY_HAN = re.compile(rf"{HAN}[,;:?!()]|[,;:?!()]{HAN}")
PO = ROOT / "locales" / "zh" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize("type_name", MESSAGE_TYPES)
def test_every_type_is_drafted_in_chinese(renderer, hurricane, type_name):
    for exercise in (False, True):
        for channel in CHANNELS:
            result = renderer.render(type_name, "zh", channel, hurricane, exercise=exercise)
            assert result.language_used == "zh", result.warnings
            assert result.unreviewed  # machine drafts, honestly flagged
            text = result.text
            assert re.search(HAN, text)
            assert not HALF_WIDTH_BY_HAN.search(text), text
            assert not re.search(rf"{HAN} +{HAN}|[。，：；！？）】] ", text), text
            assert "Tapachula y Suchiate, Chiapas" in text  # places never translated
            if channel == "sms":
                assert result.encoding == "UCS-2"
                assert result.segments <= renderer.message_type(type_name).limits[
                    "sms_segments"]
            if exercise:
                assert text.startswith("【演习】")


def test_dates_are_written_the_chinese_way(renderer, hurricane):
    text = renderer.render("early_warning", "zh", "long", hurricane).text
    assert "9月15日（星期二）18:00（墨西哥城时间）" in text
    voice = renderer.render("early_warning", "zh", "voice", hurricane).text
    assert "9月15日（星期二）18:00，墨西哥城时间" in voice
    assert "加5 2, 9 6 2, 6 2 0, 1 0 0 0，本地电话请拨：9 6 2, 6 2 0, 1 0 0 0" in voice


def test_every_entry_is_a_fuzzy_machine_draft():
    with PO.open("rb") as f:
        catalog = read_po(f)
    assert catalog.locale.language == "zh" and catalog.num_plurals == 1
    drafted = [m for m in catalog if m.id and m.string]
    assert len(drafted) > 150
    for message in drafted:
        assert message.fuzzy, message.id
        assert "Machine-drafted, not reviewed by a native speaker." in message.user_comments


@pytest.mark.parametrize("tag, exact", [("zh", True), ("zh-CN", True), ("zh-Hans", True),
                                        ("zh_CN", True), ("ZH-hans-cn", True),
                                        ("zh-TW", False), ("zh-Hant", False)])
def test_recipients_tags_reach_chinese(renderer, tag, exact):
    assert renderer.languages.resolve(tag) == ("zh", not exact)


def test_cap_language_is_zh_cn(renderer, hurricane):
    result = export_alert(renderer, "early_warning", hurricane, ["es", "zh"])
    xml = result.xml.decode("utf-8")
    assert "<language>zh-CN</language>" in xml and "<language>es-MX</language>" in xml


def test_chinese_reply_keywords(renderer):
    book = KeywordBook.load(renderer, allow_unreviewed=True)
    assert book.classify("退订").kind == "stop"
    assert book.classify("TD").kind == "stop"
    assert book.classify("订阅").kind == "start"
    assert book.classify("安全", safety_check=True).kind == "safe"
    assert book.classify("需要帮助，我在河边", safety_check=True).kind == "need_help"
    reply = book.reply("stop", "zh")
    assert reply.language == "zh" and "订阅" in reply.text and reply.unreviewed
