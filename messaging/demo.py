"""The facilitator's tour: one early warning in every language, and what its numbers teach.

The lessons are computed from this run's renderings, not written in advance: if a
translation changes, the lesson changes with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .marker_cost import marker_cost
from .rendering import Renderer, RenderResult
from .scenarios import Scenario


@dataclass
class Tour:
    scenario: Scenario
    type: str
    sms: list[RenderResult] = field(default_factory=list)
    lessons: list[str] = field(default_factory=list)


def _chars(chars: tuple[str, ...]) -> str:
    shown = [f"U+{ord(c):04X}" if c.isspace() or len(c) != 1 else c for c in chars[:6]]
    return " ".join(shown) + (" ..." if len(chars) > 6 else "")


def lessons(results: list[RenderResult], exercise: bool,
            markers: dict[str, str] | None = None) -> list[str]:
    """What a facilitator can point at in this table.

    ``markers`` maps a language (the one a message is in) to its exercise marker, so that
    what the marker alone costs can be shown where it changes the cost.
    """
    out: list[str] = []
    gsm = [r for r in results if r.sms and r.sms.raw.encoding == "GSM-7"]
    ucs = [r for r in results if r.sms and r.sms.raw.encoding == "UCS-2"]
    if gsm and ucs:
        g = min(gsm, key=lambda r: r.sms.raw.segments)  # type: ignore[union-attr]
        u = max(ucs, key=lambda r: r.sms.raw.segments)  # type: ignore[union-attr]
        out.append(
            f"Encoding decides the cost. The {g.language_used} text fits GSM-7 "
            f"(160 characters a segment): {g.sms.raw.segments} segment(s). "  # type: ignore[union-attr]
            f"The {u.language_used} text has {_chars(u.sms.raw.non_gsm)} outside GSM-7, "  # type: ignore[union-attr]
            f"so the whole message is UCS-2 (70 a segment): "
            f"{u.sms.raw.segments} segments for {u.sms.raw.characters} characters."  # type: ignore[union-attr]
        )
    smart = [r for r in results if r.sms and r.sms.smart_saves > 0]
    if smart:
        r = max(smart, key=lambda r: r.sms.smart_saves)  # type: ignore[union-attr]
        out.append(
            f"Smart encoding is lossless: in {r.language_used}, replacing look-alikes "
            f"({_chars(_replaced(r))}) "
            f"takes it from {r.sms.raw.segments} to {r.sms.smart.segments} segments."  # type: ignore[union-attr]
        )
    partial = [r for r in results if r.sms and _replaced(r) and r.sms.smart.non_gsm
               and r.sms.smart_saves == 0]
    if partial:
        r = partial[0]
        a = r.sms
        out.append(
            f"Smart encoding alone may not be enough: in {r.language_used} it replaces "
            f"{_chars(_replaced(r))} losslessly, but {_chars(a.smart.non_gsm)} still "  # type: ignore[union-attr]
            f"force{'s' if len(a.smart.non_gsm) == 1 else ''} UCS-2: "  # type: ignore[union-attr]
            f"{a.smart.segments} segments either way"  # type: ignore[union-attr]
            + (f"; only accent folding gets it to {a.folded.encoding}, "  # type: ignore[union-attr]
               f"{a.folded.segments} segments." if a.folded.encoding == "GSM-7" else ".")  # type: ignore[union-attr]
        )
    fold = [r for r in results if r.sms and r.sms.fold_saves > 0]
    if fold:
        r = max(fold, key=lambda r: r.sms.fold_saves)  # type: ignore[union-attr]
        out.append(
            f"Accent folding is a choice, not a fix: in {r.language_used} it would save "
            f"{r.sms.fold_saves} of {r.sms.smart.segments} segments, but it changes spelling "  # type: ignore[union-attr]
            f"(\"{_first_diff(r.sms.smart.text, r.sms.folded.text)}\"). "  # type: ignore[union-attr]
            f"Decide per audience; emsg never folds silently."
        )
    fallbacks = [r for r in results if r.fell_back]
    if fallbacks:
        names = ", ".join(f"{r.language}→{r.language_used}" for r in fallbacks)
        out.append(f"Missing translations are visible: {names} fell back along the chain "
                   "in languages.toml rather than sending a half-translated text.")
    unreviewed = [r for r in results if r.unreviewed]
    if unreviewed:
        out.append(f"{len(unreviewed)} of {len(results)} renderings use machine-drafted "
                   "strings no native speaker has reviewed (fuzzy in their .po files); a "
                   "live send refuses them unless told otherwise.")
    if exercise:
        out.append("Exercise mode: every message starts with the localized marker "
                   "(SIMULACRO, EXERCICE, ...), so a drill is never mistaken for a real alert.")
        out.extend(_marker_lessons(results, markers or {}))
    return out


def _marker_lessons(results: list[RenderResult], markers: dict[str, str]) -> list[str]:
    """The marker that changes the encoding, and the one that only adds a segment."""
    costs = []
    for r in results:
        marker = markers.get(r.language_used)
        if r.sms and marker:
            cost = marker_cost(r.sms.raw.text, marker, r.sms.policy)
            if cost is not None:
                costs.append((r, cost))
    out = []
    encoding = [(r, c) for r, c in costs if c.changes_encoding]
    if encoding:
        r, c = max(encoding, key=lambda rc: rc[1].extra_segments)
        out.append(
            f"A drill must cost what the real alert costs: in {r.language_used}, the marker "
            f"{c.marker!r} alone has {' '.join(c.characters)} outside GSM-7, so the whole "
            f"SMS is {c.with_marker.encoding}: {c.with_marker.segments} segments instead of "
            f"{c.without_marker.segments}. Spell the marker within GSM-7 (lowercase è is in "
            "it, capital È is not), and let a speaker of the language decide the spelling."
        )
    longer = [(r, c) for r, c in costs if not c.changes_encoding]
    if longer:
        r, c = max(longer, key=lambda rc: rc[1].extra_segments)
        out.append(
            f"Even a plain marker has a length: in {r.language_used}, {c.marker!r} pushes the "
            f"SMS from {c.without_marker.segments} to {c.with_marker.segments} segments; a "
            "drill budgets for it, or trims the text."
        )
    return out


def _replaced(r: RenderResult) -> tuple[str, ...]:
    """Characters that forced UCS-2 as written and that smart encoding replaced."""
    assert r.sms is not None
    return tuple(c for c in r.sms.raw.non_gsm if c not in r.sms.smart.non_gsm)


def _first_diff(a: str, b: str) -> str:
    for wa, wb in zip(a.split(), b.split(), strict=False):
        if wa != wb:
            return f"{wa} → {wb}"
    return ""


def tour(renderer: Renderer, scenario: Scenario, *, type_name: str = "early_warning",
         languages: list[str] | None = None, exercise: bool = False) -> Tour:
    facts = renderer.facts(type_name, scenario)
    codes = languages or scenario.languages or renderer.languages.codes()
    result = Tour(scenario, type_name)
    result.sms = [renderer.render(type_name, code, "sms", facts, exercise=exercise)
                  for code in codes]
    from .checks.messages import exercise_marker

    markers = {r.language_used: exercise_marker(renderer, r.language_used) for r in result.sms}
    result.lessons = lessons(result.sms, exercise, markers)
    return result
