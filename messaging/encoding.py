"""SMS encoding and segment counting, as Twilio counts them.

A message is GSM-7 when every character is in the GSM 03.38 basic or extension table,
otherwise the *whole* message is UCS-2. A single segment carries 1,120 bits (160 septets
or 70 UTF-16 units); a concatenated one loses 48 bits to the user data header (153
septets, 67 units). Nothing is ever split across segments: an extension character (two
septets) or a grapheme cluster (an emoji with its skin tone, a flag, a letter with a
combining accent) moves whole to the next segment. These are the rules of Twilio's own
segment calculator, which the tests cross-check.

Smart encoding (Twilio's ``SmartEncoded``) replaces look-alikes losslessly: curly quotes,
dashes, ``…``, the modifier-letter apostrophe ``ʼ`` of K'iche' and Mam spelling. It is sent
when it reaches GSM-7 or saves a segment: a message that stays UCS-2 keeps its own
punctuation.
Accent folding (``á`` → ``a``) changes spelling, so it is a separate, explicit policy.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field

from ._gsm_tables import GSM7_BASIC, GSM7_EXTENSION, SMART_ENCODING

__all__ = [
    "GSM7",
    "UCS2",
    "POLICIES",
    "SmsCount",
    "SmsAnalysis",
    "count",
    "analyse",
    "smart_encode",
    "fold_accents",
    "graphemes",
]

GSM7 = "GSM-7"
UCS2 = "UCS-2"
POLICIES = ("none", "smart", "fold")

_SEGMENT_BITS = 1120  # 140 octets
_UDH_BITS = 48  # concatenation header: 6 octets
_GSM7_CHARS = GSM7_BASIC | GSM7_EXTENSION


@dataclass(frozen=True)
class SmsCount:
    """How one text travels as SMS."""

    text: str
    encoding: str
    segments: int
    #: characters as a phone shows the limit: septets in GSM-7, grapheme clusters in UCS-2
    characters: int
    #: septets (GSM-7) or UTF-16 code units (UCS-2) actually sent
    units: int
    #: the distinct characters that forced UCS-2, in order of first appearance
    non_gsm: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["non_gsm"] = list(self.non_gsm)
        return data


@dataclass(frozen=True)
class SmsAnalysis:
    """A text as written, after smart encoding, and after accent folding."""

    raw: SmsCount
    smart: SmsCount
    folded: SmsCount
    policy: str = "smart"
    sent: SmsCount = field(init=False)

    def __post_init__(self) -> None:
        chosen = {"none": self.raw, "smart": self.smart, "fold": self.folded}[self.policy]
        if chosen is self.smart and self.smart.encoding != GSM7 \
                and self.smart.segments >= self.raw.segments:
            # Replacing look-alikes in a message that stays UCS-2 and as costly changes its
            # text for nothing: Chinese "，" "（）" or K'iche' "ʼ" would go out as ASCII.
            chosen = self.raw
        object.__setattr__(self, "sent", chosen)

    @property
    def sent_as(self) -> str:
        """How the sent text was made: "as written", "smart-encoded" or "accent-folded"."""
        if self.sent is self.raw:
            return "as written"
        return "smart-encoded" if self.sent is self.smart else "accent-folded"

    @property
    def smart_saves(self) -> int:
        return self.raw.segments - self.smart.segments

    @property
    def fold_saves(self) -> int:
        return self.smart.segments - self.folded.segments


def lone_surrogate(text: str) -> str | None:
    """Why ``text`` is not text, or ``None``: a surrogate (U+D800-U+DFFF) on its own - half
    a character from JSON's ``"\\ud800"``, or a byte that was not UTF-8 in a command's
    argument - cannot be encoded, sent or counted."""
    for index, char in enumerate(text):
        if "\ud800" <= char <= "\udfff":
            return (f"a lone surrogate U+{ord(char):04X} at character {index + 1} is not text "
                    "(half of a character, or a byte that is not UTF-8)")
    return None


def _is_extend(char: str) -> bool:
    code = ord(char)
    if code == 0x200D or code == 0x200C:  # ZWJ, ZWNJ
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, tag chars
        return True
    return unicodedata.category(char) in ("Mn", "Me", "Mc")


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """Split text into grapheme clusters, close enough to UAX #29 for SMS counting.

    Combining marks, variation selectors, skin-tone modifiers and tag characters join the
    preceding cluster; a zero-width joiner joins the next character too; regional
    indicators pair into flags. CR LF stays two characters, as in Twilio's calculator.
    """
    clusters: list[str] = []
    joined = False  # previous char was a ZWJ
    for char in text:
        if clusters and (joined or _is_extend(char)):
            clusters[-1] += char
        elif (
            clusters
            and _is_regional_indicator(char)
            and len(clusters[-1]) == 1
            and _is_regional_indicator(clusters[-1])
        ):
            clusters[-1] += char
        else:
            clusters.append(char)
        joined = char == "\u200d"
    return clusters


def _utf16_units(cluster: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in cluster)


def _segments(costs: list[int]) -> int:
    """Greedy packing, never splitting a character: Twilio's calculator, restated."""
    if sum(costs) <= _SEGMENT_BITS:
        return 1
    capacity = _SEGMENT_BITS - _UDH_BITS
    segments, used = 1, 0
    for bits in costs:
        if used + bits > capacity:
            segments += 1
            used = 0
        used += bits
    return segments


def count(text: str) -> SmsCount:
    """Encoding and segments of ``text`` exactly as sent (no replacement)."""
    if all(c in _GSM7_CHARS for c in text):
        costs = [14 if c in GSM7_EXTENSION else 7 for c in text]
        septets = sum(costs) // 7
        return SmsCount(text, GSM7, _segments(costs), septets, septets)
    clusters = graphemes(text)
    units = [_utf16_units(c) for c in clusters]
    non_gsm: dict[str, None] = {}
    for cluster in clusters:
        if len(cluster) > 1 or cluster not in _GSM7_CHARS:
            non_gsm.setdefault(cluster, None)
    return SmsCount(
        text, UCS2, _segments([16 * u for u in units]), len(clusters), sum(units), tuple(non_gsm)
    )


def smart_encode(text: str) -> str:
    """Twilio's lossless look-alike replacement (``SmartEncoded``)."""
    return "".join(SMART_ENCODING.get(c, c) for c in text)


def fold_accents(text: str) -> str:
    """Smart-encode, then drop accents from letters outside GSM-7 (``á`` → ``a``).

    Letters that GSM-7 carries (``é ñ ü à è ò ì ù``) keep their accents; characters with no
    unaccented GSM-7 look-alike (Arabic, emoji) are left as they are.
    """
    out = []
    for char in smart_encode(text):
        if char in _GSM7_CHARS:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if unicodedata.category(c) != "Mn"
        )
        out.append(base if base and all(c in _GSM7_CHARS for c in base) else char)
    return "".join(out)


def analyse(text: str, policy: str = "smart") -> SmsAnalysis:
    """Count ``text`` as written, smart-encoded and accent-folded; ``policy`` picks what is sent."""
    if policy not in POLICIES:
        raise ValueError(f"unknown encoding policy {policy!r} (choose from {', '.join(POLICIES)})")
    raw = count(text)
    smart_text = smart_encode(text)
    smart = raw if smart_text == text else count(smart_text)
    folded_text = fold_accents(text)
    folded = smart if folded_text == smart_text else count(folded_text)
    return SmsAnalysis(raw, smart, folded, policy)
