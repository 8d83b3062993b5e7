"""Right-to-left text as a phone displays it: left-to-right runs in Unicode isolates.

A phone lays out an SMS with the Unicode Bidirectional Algorithm (UAX #9). Inside Arabic
text, a phone number such as "+502 7761 2000" is three runs of European digits separated
by spaces; the algorithm resolves those spaces right-to-left and the reader sees
"2000 7761 502+". A Latin place name followed by a house number, a time, a link ending
in "/", a paragraph that happens to start with a Latin name (the whole line then reads
left-to-right) fail the same way. Wrapping each left-to-right run in LEFT-TO-RIGHT
ISOLATE ... POP DIRECTIONAL ISOLATE (U+2066 ... U+2069) makes the run one neutral unit
to the text around it and a left-to-right paragraph of its own inside: it displays as
written, and the line keeps its right-to-left direction.

A run starts at a strong left-to-right character (a Latin letter) or a European digit
(or a "+" or "-" right before one) and extends over letters, digits, spaces and
punctuation up to the last letter or digit before the next right-to-left character or
line break: trailing punctuation belongs to the sentence around it, except a closing
bracket the run opened. A run never crosses the end of a sentence (".", "!" or "?" and a
space, after a word that is not an abbreviation such as "Av."): in "في Chamelecón, San
Pedro Sula. 3 ملاجئ" the count belongs to the next, Arabic, sentence, and one isolate
over both would display it beside the place name. Links are taken whole. Text already
inside isolates is left as it is, so :func:`isolate` can be applied twice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

LRI = "\u2066"
RLI = "\u2067"
FSI = "\u2068"
PDI = "\u2069"
ISOLATES = (LRI, RLI, FSI, PDI)
#: embeddings and overrides (LRE RLE PDF LRO RLO): isolates replace them (UAX #9 6.3)
EMBEDDINGS = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e")
#: marks (LRM RLM ALM): invisible, directional, nothing to compare
MARKS = ("\u200e", "\u200f", "\u061c")
CONTROLS = frozenset(ISOLATES + EMBEDDINGS + MARKS)

_STRONG_RTL = ("R", "AL")
_OPENING = {"(": ")", "[": "]", "{": "}"}
_LINK = re.compile(r"https?://[^\s<>\"'\u2066-\u2069]+")
_LINK_TAIL = ".,;:!?)»”'"


def strip(text: str) -> str:
    """``text`` without bidirectional controls: what a comparison across languages sees."""
    return "".join(c for c in text if c not in CONTROLS)


def _kind(char: str) -> str:
    return unicodedata.bidirectional(char)


def _starts_run(text: str, i: int) -> bool:
    kind = _kind(text[i])
    if kind in ("L", "EN"):
        return True
    return kind in ("ES", "ET") and i + 1 < len(text) and _kind(text[i + 1]) == "EN"


def _ends_sentence(text: str, start: int, j: int) -> bool:
    """Whether ``text[j]`` ends a sentence inside the run that starts at ``start``: a full
    stop, "!" or "?" before a space, not after an abbreviation ("Av.", "St.", "U.S.": at
    most three letters, the first a capital)."""
    if text[j] not in ".!?" or j + 1 >= len(text) or not text[j + 1].isspace():
        return False
    k = j
    while k > start and text[k - 1].isalpha():
        k -= 1
    word = text[k:j]
    return not (text[j] == "." and 0 < len(word) <= 3 and word[0].isupper())


def _run_end(text: str, start: int) -> int:
    """End of the left-to-right run starting at ``start`` (see the module docstring)."""
    end = start
    previous = ""
    for j in range(start, len(text)):
        kind = _kind(text[j])
        if kind in _STRONG_RTL or kind in ("B", "AN", "LRI", "RLI", "FSI", "PDI") \
                or text[j] in EMBEDDINGS or _ends_sentence(text, start, j):
            break
        if kind in ("L", "EN") or (kind == "NSM" and end == j) \
                or (kind == "ET" and previous == "EN") or (j == start):
            end = j + 1
        previous = kind
    opened = [c for c in text[start:end] if c in _OPENING]
    closed = sum(text[start:end].count(c) for c in _OPENING.values())
    while len(opened) > closed and end < len(text) and text[end] == _OPENING[opened[closed]]:
        end += 1
        closed += 1
    return end


def _link_end(text: str, i: int) -> int | None:
    if i and (text[i - 1].isalnum() or text[i - 1] in "/.-_"):
        return None
    m = _LINK.match(text, i)
    if not m:
        return None
    return i + len(m.group(0).rstrip(_LINK_TAIL))


@dataclass(frozen=True)
class Run:
    """A left-to-right run outside any isolate: ``text[start:end]``."""

    start: int
    end: int
    text: str


def ltr_runs(text: str) -> list[Run]:
    """Every left-to-right run of ``text`` that is not inside an isolate."""
    runs: list[Run] = []
    depth = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif char == "\n":
            depth = 0  # an isolate ends with its paragraph
        elif depth == 0:
            end = _link_end(text, i) if char in "hH" else None
            if end is None and _starts_run(text, i):
                end = _run_end(text, i)
            if end is not None and end > i:
                runs.append(Run(i, end, text[i:end]))
                i = end
                continue
        i += 1
    return runs


def isolate(text: str) -> str:
    """``text`` with every left-to-right run outside an isolate wrapped in LRI ... PDI."""
    out: list[str] = []
    last = 0
    for run in ltr_runs(text):
        out.append(text[last:run.start])
        out.append(f"{LRI}{run.text}{PDI}")
        last = run.end
    out.append(text[last:])
    return "".join(out)


def paragraph_direction(line: str) -> str | None:
    """``"rtl"`` or ``"ltr"``: the first strong character outside isolates (UAX #9 P2-P3),
    the direction a phone gives a paragraph it has no other hint for; ``None`` if none."""
    depth = 0
    for char in line:
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = _kind(char)
            if kind in _STRONG_RTL:
                return "rtl"
            if kind == "L":
                return "ltr"
    return None


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds any right-to-left letter (Arabic, Hebrew ...)."""
    return any(_kind(c) in _STRONG_RTL for c in text)


def unbalanced(text: str) -> list[str]:
    """What is wrong with the isolates of each line: a PDI with no isolate open, or an
    isolate still open at the end of its line (it would swallow the rest)."""
    problems: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        depth = 0
        for char in line:
            if char in (LRI, RLI, FSI):
                depth += 1
            elif char == PDI:
                if depth == 0:
                    problems.append(f"line {number}: U+2069 POP DIRECTIONAL ISOLATE with no "
                                    "isolate open")
                depth = max(0, depth - 1)
        if depth:
            problems.append(f"line {number}: {depth} isolate(s) never closed")
    return problems
