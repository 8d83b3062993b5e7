"""The demo's lessons come from the numbers of the run, not from canned text."""

from __future__ import annotations

from messaging import encoding
from messaging.demo import lessons
from messaging.rendering import RenderResult


def _sms(language: str, text: str, used: str | None = None) -> RenderResult:
    analysis = encoding.analyse(text)
    return RenderResult(type="early_warning", language=language, language_used=used or language,
                        channel="sms", text=analysis.sent.text, sms=analysis)


def test_lessons_follow_the_numbers():
    results = [
        _sms("en", "Hurricane warning. Go to the shelter now. " * 3),
        _sms("es", "Alerta de huracán. Vaya al albergue ahora. " * 3),
        _sms("quc", "Kʼax: chatel wakamik. " * 8),  # only ʼ: smart encoding saves segments
        _sms("mam", "Alerta huracán. Qʼij. " * 8),  # ʼ and á: smart alone is not enough
        _sms("cak", "Alerta. " * 3, used="es"),
    ]
    text = "\n".join(lessons(results, exercise=False))
    assert "The en text fits GSM-7" in text
    assert "in quc, replacing look-alikes (ʼ)" in text
    assert "in mam it replaces ʼ losslessly, but á still forces UCS-2" in text
    assert "in es it would save 1 of 2 segments" in text and "huracán. → huracan." in text
    assert "cak→es fell back" in text
    assert "Exercise mode" not in text
    assert "Exercise mode" in "\n".join(lessons(results, exercise=True))


def test_no_lesson_without_evidence():
    results = [_sms("en", "Go to the shelter now.")]
    assert lessons(results, exercise=False) == []
