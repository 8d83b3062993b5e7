"""What the exercise marker alone costs an SMS: its encoding, and its segments.

A drill must cost what the real message costs, or the drill teaches the wrong budget: the
Haitian Creole marker "EGZÈSIS" alone turns a 2-segment GSM-7 message into a 5-segment
UCS-2 one (capital È is outside GSM-7; lowercase è is inside). ``emsg check`` warns when
this happens and ``emsg demo`` makes a lesson of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import encoding


@dataclass(frozen=True)
class MarkerCost:
    marker: str
    #: the SMS as sent, with and without the marker
    with_marker: encoding.SmsCount
    without_marker: encoding.SmsCount
    #: characters of the marker that force UCS-2 (after the policy's replacements)
    characters: tuple[str, ...]

    @property
    def changes_encoding(self) -> bool:
        return self.with_marker.encoding != self.without_marker.encoding

    @property
    def extra_segments(self) -> int:
        return self.with_marker.segments - self.without_marker.segments

    def describe(self) -> str:
        """One line: what the marker costs and why."""
        w, wo = self.with_marker, self.without_marker
        if self.changes_encoding:
            chars = " ".join(self.characters)
            return (f"the exercise marker {self.marker!r} alone makes this SMS {w.encoding} "
                    f"({chars} outside GSM-7): {w.segments} segments instead of "
                    f"{wo.segments}")
        return (f"the exercise marker {self.marker!r} alone adds "
                f"{self.extra_segments} segment(s): {w.segments} instead of {wo.segments}")


def strip_marker(text: str, marker: str) -> str | None:
    """The text without its leading marker ("SIMULACRO: ..."); ``None`` if it has none."""
    match = re.match(r"\s*" + re.escape(marker) + r"\s*[:：،]?\s*", text)
    return text[match.end():] if match else None


def marker_cost(text: str, marker: str, policy: str = "smart") -> MarkerCost | None:
    """The cost of ``marker`` in the SMS ``text`` (as written), or ``None`` when it changes
    neither the encoding nor the number of segments (or the text does not start with it)."""
    rest = strip_marker(text, marker)
    if rest is None or not marker:
        return None
    full = encoding.analyse(text, policy).sent
    bare = encoding.analyse(rest, policy).sent
    if full.encoding == bare.encoding and full.segments == bare.segments:
        return None
    sent_marker = encoding.analyse(marker, policy).sent
    return MarkerCost(marker, full, bare, sent_marker.non_gsm)
