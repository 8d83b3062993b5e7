"""Direction and punctuation of the script a message is written in.

- Right-to-left text (Arabic): every left-to-right run (phone number, time, date digits,
  link, Latin-script name) inside Unicode isolates, the isolates balanced, no embedding
  or override controls (isolates replaced them), and every line displaying right-to-left
  on a phone that guesses a paragraph's direction from its first strong letter. A text
  that reads right-to-left in a language ``languages.toml`` calls "ltr" is an error too:
  nothing isolates it.
- Arabic sentences take Arabic punctuation (``،`` ``؛`` ``؟``), not a Latin comma after
  an Arabic word; Chinese takes full-width punctuation (``，`` ``：`` ``（）``) and no
  spaces between words.
"""

from __future__ import annotations

import re

from .. import bidi
from .design import _at
from .findings import ERROR, Finding
from .messages import Message

#: runs quoted in a finding
_SHOWN = 3


def _outside_isolates(text: str) -> str:
    """``text`` with what is inside isolates blanked, and the isolates themselves."""
    out = []
    depth = 0
    for char in text:
        if char in (bidi.LRI, bidi.RLI, bidi.FSI):
            depth += 1
            out.append(" ")
        elif char == bidi.PDI:
            depth = max(0, depth - 1)
            out.append(" ")
        elif char == "\n":
            depth = 0
            out.append(char)
        else:
            out.append(" " if depth else char)
    return "".join(out)


def check_isolates(message: Message) -> list[Finding]:
    """Left-to-right runs isolated in right-to-left text, and every line right-to-left."""
    text = message.written
    rtl = message.result.direction == "rtl"
    lines = text.split("\n")
    reversed_lines = [ln for ln in lines if bidi.paragraph_direction(ln) == "rtl"]
    if not rtl and not reversed_lines:
        return []
    out: list[Finding] = []
    if not rtl:
        out.append(_at(message, ERROR, "bidi", f"{len(reversed_lines)} line(s) read right-to-"
                       "left but the language's direction is ltr (languages.toml): nothing "
                       f"isolates their left-to-right runs ({reversed_lines[0][:40]!r})"))
    for problem in bidi.unbalanced(text):
        out.append(_at(message, ERROR, "bidi", f"unbalanced isolates: {problem}"))
    if any(c in bidi.EMBEDDINGS for c in text):
        out.append(_at(message, ERROR, "bidi", "embedding or override controls "
                       "(U+202A-U+202E): use isolates (U+2066-U+2069)"))
    runs = [r.text for line in lines if bidi.has_rtl(line) for r in bidi.ltr_runs(line)]
    if runs:
        shown = ", ".join(repr(r) for r in runs[:_SHOWN])
        more = f" and {len(runs) - _SHOWN} more" if len(runs) > _SHOWN else ""
        out.append(_at(message, ERROR, "bidi", f"{len(runs)} left-to-right run(s) not in "
                       f"isolates ({shown}{more}): a phone displays them reordered"))
    if rtl:
        ltr = [ln for ln in lines if bidi.paragraph_direction(ln) == "ltr"]
        if ltr:
            out.append(_at(message, ERROR, "bidi", f"{len(ltr)} line(s) display left-to-"
                           f"right (first strong letter outside isolates is Latin): "
                           f"{ltr[0][:40]!r}"))
    return out


_ARABIC_LETTER = r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
_LATIN_AFTER_ARABIC = re.compile(rf"(?<={_ARABIC_LETTER})\s?([,;?])")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_HALF_WIDTH_BY_HAN = re.compile(rf"(?<={_HAN})\s?([,;:?!()])|([,;:?!()])\s?(?={_HAN})")
_SPACE_BETWEEN_HAN = re.compile(rf"(?:{_HAN}|[\u3001-\u3011\uff01-\uff1f])[ \u00a0]+{_HAN}")
_ARABIC_PUNCTUATION = {",": "،", ";": "؛", "?": "؟"}


def check_punctuation(message: Message) -> list[Finding]:
    """Arabic punctuation in Arabic sentences; full-width punctuation, no spaces, in Chinese."""
    text = _outside_isolates(message.written)
    out: list[Finding] = []
    latin = list(dict.fromkeys(m.group(1) for m in _LATIN_AFTER_ARABIC.finditer(text)))
    if latin:
        out.append(_at(message, ERROR, "punctuation", "Latin punctuation after Arabic words "
                       f"({' '.join(latin)}): use "
                       + " ".join(_ARABIC_PUNCTUATION[c] for c in latin)))
    half = list(dict.fromkeys(m.group(1) or m.group(2)
                              for m in _HALF_WIDTH_BY_HAN.finditer(text)))
    if half:
        out.append(_at(message, ERROR, "punctuation", "half-width punctuation in Chinese "
                       f"text ({' '.join(half)}): use the full-width forms (，；：？！（）)"))
    spaced = _SPACE_BETWEEN_HAN.search(text)
    if spaced:
        out.append(_at(message, ERROR, "punctuation", f"a space between Chinese words "
                       f"({spaced.group(0)!r}): Chinese is written without spaces"))
    return out


def check_scripts(message: Message) -> list[Finding]:
    """Every check of this module."""
    return [*check_isolates(message), *check_punctuation(message)]
