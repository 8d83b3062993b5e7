"""SMS encoding and segments, on the boundaries where counters usually go wrong."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from messaging import encoding
from messaging.encoding import GSM7, UCS2, analyse, count, fold_accents, smart_encode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (GSM7, 1)),
        ("a" * 152, (GSM7, 1)),
        ("a" * 153, (GSM7, 1)),
        ("a" * 160, (GSM7, 1)),
        ("a" * 161, (GSM7, 2)),
        ("a" * 306, (GSM7, 2)),
        ("a" * 307, (GSM7, 3)),
        ("á" * 70, (UCS2, 1)),
        ("á" * 71, (UCS2, 2)),
        ("á" * 134, (UCS2, 2)),
        ("á" * 135, (UCS2, 3)),
    ],
)
def test_segment_boundaries(text, expected):
    result = count(text)
    assert (result.encoding, result.segments) == expected


def test_extension_character_costs_two_septets():
    assert count("€" * 80).segments == 1  # 160 septets
    assert count("€" * 80 + "a").segments == 2
    assert count("a" * 159 + "€").segments == 2  # 161 septets
    assert count("a" * 159 + "€").characters == 161


def test_extension_character_never_split_across_segments():
    # 152 basic septets leave one septet in the first concatenated segment: the euro sign
    # (two septets) moves whole to the second, which therefore holds 2 + 152 septets → 3.
    text = "a" * 152 + "€" + "a" * 152
    assert count(text).segments == 3
    # With one less trailing letter it fits in two segments of 153.
    assert count("a" * 151 + "€" + "a" * 151).segments == 2


def test_emoji_at_ucs2_boundary_is_not_split():
    # 70 units exactly (68 + a surrogate pair) still fit one segment.
    assert count("á" * 68 + "😀").segments == 1
    assert count("á" * 68 + "😀").units == 70
    # 134 units would fill two concatenated segments of 67 exactly, but the pair would
    # straddle units 67 and 68: it moves whole to segment 2, and one unit spills into a 3rd.
    text = "á" * 66 + "😀" + "á" * 66
    result = count(text)
    assert (result.encoding, result.units, result.segments) == (UCS2, 134, 3)
    # Without the emoji in the way, 134 units are two segments.
    assert count("á" * 134).segments == 2


def test_grapheme_clusters_stay_whole():
    skin = "👍🏽"  # 4 UTF-16 units, one grapheme
    flag = "🇲🇽"
    family = "👨‍👩‍👧"
    assert encoding.graphemes(skin + flag + family) == [skin, flag, family]
    assert count(skin).units == 4
    assert count(skin).characters == 1


def test_one_accent_makes_the_whole_message_ucs2():
    plain = "Evacue ahora. " * 11  # 154 characters, GSM-7
    assert count(plain).encoding == GSM7
    accented = plain.replace("Evacue", "Evacúe", 1)
    result = count(accented)
    assert result.encoding == UCS2
    assert result.non_gsm == ("ú",)
    assert result.segments == 3


def test_gsm_accents_stay_gsm():
    assert count("é ñ ü ¿ ¡ à è ò ì ù Ñ Ü Ç").encoding == GSM7
    for char in "á í ó ú ã õ ç ê â ʼ “ ” – — … \u00a0".split(" "):
        assert count(char or "\u00a0").encoding == UCS2, char


def test_smart_encoding_modifier_apostrophe():
    text = "Kʼicheʼ: chʼaqapaʼ"
    assert count(text).encoding == UCS2
    assert smart_encode(text) == "K'iche': ch'aqapa'"
    a = analyse(text)
    assert a.smart.encoding == GSM7
    assert a.sent is a.smart


def test_smart_encoding_is_lossless_lookalikes_only():
    assert smart_encode("“Hola” — ya… ‘sí’") == "\"Hola\" - ya... 'sí'"
    assert smart_encode("a\u200bb") == "ab"
    # Accented letters are not look-alikes: smart encoding leaves them.
    assert smart_encode("Evacúe") == "Evacúe"


def test_accent_folding_is_explicit_and_reports_savings():
    text = "Evacúe ahora hacia el albergue más cercano. " * 4
    a = analyse(text, "smart")
    assert a.smart.encoding == UCS2
    assert a.folded.encoding == GSM7
    assert a.fold_saves == a.smart.segments - a.folded.segments > 0
    assert a.sent is a.smart  # folding is never applied unless chosen
    assert analyse(text, "fold").sent.text == fold_accents(text)
    assert "Evacue" in fold_accents(text)
    # GSM-7 accents are kept, and scripts without a Latin base are left alone.
    assert fold_accents("¿Está él aquí? ñ") == "¿Esta él aqui? ñ"
    assert fold_accents("إخلاء") == "إخلاء"


def test_unknown_policy_is_an_error():
    with pytest.raises(ValueError, match="unknown encoding policy"):
        analyse("x", "shout")


def test_crlf_counts_as_two_gsm_characters():
    assert count("a\r\nb").encoding == GSM7
    assert count("a\r\nb").characters == 4


CALCULATOR = shutil.which("node") and shutil.which("npm")


def _corpus(renderer, hurricane) -> list[str]:
    texts = [
        "a" * 152, "a" * 153, "a" * 160, "a" * 161, "a" * 159 + "€", "a" * 152 + "€" + "a" * 152,
        "á" * 70, "á" * 71, "á" * 66 + "😀" + "á" * 2, "a" * 68 + "👍🏽", "🇲🇽" * 40,
        "👨‍👩‍👧‍👦" * 10, "Kʼicheʼ ʼ" * 20, "“hola” — ya…", "e\u0301" * 50, "a\r\nb" * 60,
        "tab\tx", "\u00a0" * 100, "ٱلْعَرَبِيَّة" * 20,
    ]
    for lang in renderer.languages.codes():
        result = renderer.render("early_warning", lang, "sms", hurricane, exercise=True)
        texts += [result.sms.raw.text, result.sms.folded.text]
    return texts


def test_counts_agree_with_twilios_calculator(renderer, hurricane, shared, tmp_path):
    """Cross-check against Twilio's own calculator (npm sms-segments-calculator)."""
    tool = shared / "tools" / "twilio-segments"
    if not CALCULATOR or not tool.exists():
        pytest.skip("node/npm or ../shared/tools/twilio-segments missing: cannot run "
                    "Twilio's segment calculator")
    texts = _corpus(renderer, hurricane)
    jsonl = tmp_path / "texts.jsonl"
    jsonl.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts),
                     encoding="utf-8")
    proc = subprocess.run([str(tool), "--jsonl", str(jsonl)], capture_output=True, text=True,
                          timeout=300)
    if proc.returncode != 0 and "npm" in proc.stderr + proc.stdout:
        pytest.skip(f"Twilio's calculator could not be installed: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(rows) == len(texts)
    for text, row in zip(texts, rows, strict=True):
        a = analyse(text)
        assert (a.raw.encoding, a.raw.segments) == (row["encoding"], row["segments"]), text
        assert (a.smart.encoding, a.smart.segments) == (
            row["smart"]["encoding"], row["smart"]["segments"]), text
