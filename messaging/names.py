"""Names a user types (facts, types, languages, channels, scenarios): the closest known one.

An officer who types ``--var shleter=...`` must not send the old shelter: an unknown name
is an error that says which known name was probably meant ("did you mean shelter?"), found
with :mod:`difflib`, the standard library's similarity matcher.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name`` (case-insensitive), or ``None`` if none is close."""
    lowered = {_fold(k): k for k in known}
    wanted = _fold(name)
    # two- and three-letter codes differ by one letter at a ratio of 0.5 ("ep" / "es")
    cutoff = 0.5 if len(name) <= 3 else 0.6
    best, best_score = None, (cutoff, -1)
    for candidate in lowered:
        ratio = difflib.SequenceMatcher(None, wanted, candidate).ratio()
        # on a tie, the one that starts alike: "ep" is more likely "es" than "pt"
        prefix = len(_common_prefix(wanted, candidate))
        if (ratio, prefix) > best_score and ratio >= cutoff:
            best, best_score = candidate, (ratio, prefix)
    return lowered[best] if best is not None else None


def _fold(text: str) -> str:
    """Lower case without accents: "Kreyol" is "Kreyòl"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def unknown(what: str, name: str, known: Iterable[str], *, listing: bool = True,
            aliases: dict[str, str] | None = None, known_as: str = "known") -> str:
    """``unknown language 'ep' (did you mean es? known: en, es, ...)``.

    ``aliases`` maps other spellings to a known name (a language's name to its code):
    ``spanish`` gets "did you mean es?" too.
    """
    known = list(known)
    guess = closest(name, known)
    if guess is None and aliases:
        alias = closest(name, aliases)
        guess = aliases[alias] if alias is not None else None
    hints = []
    if guess is not None:
        hints.append(f"did you mean {guess}?")
    if listing or guess is None:
        hints.append(f"{known_as}: {', '.join(known) or 'none'}")
    return f"unknown {what} {name!r} ({' '.join(hints)})"


def canonical(name: str, known: Iterable[str]) -> str | None:
    """``name`` as it is spelled in ``known``, ignoring case (``ES`` → ``es``)."""
    known = list(known)
    for k in known:
        if k == name:
            return k
    lowered = name.lower()
    for k in known:
        if k.lower() == lowered:
            return k
    return None
