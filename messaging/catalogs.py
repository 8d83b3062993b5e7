"""Translation catalogs, read straight from the ``.po`` files translators edit.

Reading ``.po`` rather than compiled ``.mo`` keeps what matters for safety: which strings
are fuzzy (drafted but unreviewed), and where each entry is, so a problem can be reported
as ``file:line``. Every translation is checked against its msgid when the catalog loads;
one that drops or invents a placeholder is recorded as a problem and never used.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CatalogError

DOMAIN = "messages"
#: the translator comment a review adds (``emsg catalog import``): who, and when
REVIEWED = re.compile(r"^reviewed by (?P<name>.+) on (?P<date>\d{4}-\d{2}-\d{2})\s*$")
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")


def placeholders(text: str) -> set[str]:
    """Named new-style gettext placeholders in ``text`` (``%(name)s``); ``%%`` is not one."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(text) if m.group(2) != "%" and m.group(1)}


@dataclass(frozen=True)
class Entry:
    msgid: str
    context: str | None
    #: one string, or one per plural form
    strings: tuple[str, ...]
    plural: bool
    fuzzy: bool
    line: int
    #: who reviewed it and when ("reviewed by NAME on DATE", added by ``catalog import``)
    reviewer: str | None = None
    reviewed_on: str | None = None

    @property
    def reviewed(self) -> bool:
        return not self.fuzzy and self.reviewer is not None


@dataclass(frozen=True)
class Problem:
    """Something wrong with one catalog entry; ``emsg check`` reports these."""

    path: str
    line: int
    msgid: str
    reason: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason} (msgid {self.msgid!r})"


@dataclass
class Catalog:
    """One language's translations. Lookups return ``None`` for what is not usable."""

    language: str
    path: Path
    entries: dict[tuple[str | None, str], Entry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    plural: Callable[[int], int] = lambda n: int(n != 1)
    header_fuzzy: bool = False

    def lookup(self, context: str | None, msgid: str) -> Entry | None:
        return self.entries.get((context, msgid))

    def stats(self, template: Catalog | None = None,
              provided: Collection[tuple[str | None, str]] = ()) -> dict:
        """Counts of translated (not fuzzy), fuzzy and missing strings, against the ``.pot``;
        of those translated, how many a named reviewer approved, who, and when last.

        Keys in ``provided`` (date words CLDR gives this language) are not counted when the
        catalog leaves them out: the language does not need them.
        """
        keys = list(template.entries) if template else list(self.entries)
        translated = fuzzy = missing = reviewed = 0
        reviewers: set[str] = set()
        dates: list[str] = []
        for key in keys:
            entry = self.entries.get(key)
            if entry is None:
                if key in provided:
                    continue
                missing += 1
            elif entry.fuzzy:
                fuzzy += 1
            else:
                translated += 1
                if entry.reviewed:
                    reviewed += 1
                    reviewers.add(entry.reviewer or "")
                    dates.append(entry.reviewed_on or "")
        return {"total": translated + fuzzy + missing, "translated": translated, "fuzzy": fuzzy,
                "missing": missing, "problems": len(self.problems), "reviewed": reviewed,
                "reviewers": sorted(reviewers), "last_reviewed": max(dates, default=None)}


def _check(msgid: str, plural_id: str | None, strings: tuple[str, ...]) -> str | None:
    expected = placeholders(msgid)
    if plural_id is None:
        got = placeholders(strings[0])
        if got != expected:
            return _mismatch(expected, got)
        return None
    expected |= placeholders(plural_id)
    for form in strings:
        got = placeholders(form)
        # A plural form may leave out the number ("one shelter") but nothing else.
        if not got <= expected or (expected - got) - {"count", "num"}:
            return _mismatch(expected, got)
    return None


def _mismatch(expected: set[str], got: set[str]) -> str:
    parts = []
    if expected - got:
        parts.append("drops " + ", ".join(f"%({n})s" for n in sorted(expected - got)))
    if got - expected:
        parts.append("invents " + ", ".join(f"%({n})s" for n in sorted(got - expected)))
    return "translation " + " and ".join(parts)


def load_catalog(path: Path, language: str, *, template: bool = False) -> Catalog:
    """Read one ``.po`` (or, with ``template``, the ``.pot``) file."""
    from babel.messages.pofile import PoFileError, read_po

    try:
        with path.open("rb") as f:
            po = read_po(f, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogError("catalog not found", path=str(path)) from None
    except PoFileError as exc:
        # Babel's message ends "on N", N the 0-based line; say it as file:line instead.
        reason = str(exc).removesuffix(f" on {exc.lineno}")
        raise CatalogError(f"not a valid PO file ({reason})", path=str(path),
                           line=exc.lineno + 1) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"not a valid PO file ({exc})", path=str(path)) from None

    catalog = Catalog(language, path, header_fuzzy=bool(po.fuzzy))
    try:
        catalog.plural = gettext.c2py(po.plural_expr)
    except (ValueError, SyntaxError):
        raise CatalogError(f"invalid Plural-Forms {po.plural_expr!r}", path=str(path)) from None
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            msgid, plural_id = message.id[0], message.id[1]
            strings = tuple(message.string or ())
        else:
            msgid, plural_id = message.id, None
            strings = (message.string or "",)
        line = message.lineno or 0
        key = (message.context, msgid)
        if template:
            catalog.entries[key] = Entry(msgid, message.context, (), plural_id is not None,
                                         False, line)
            continue
        if not any(strings) or not all(strings):
            continue  # untranslated: a missing string, falls back
        if plural_id is not None and len(strings) != po.num_plurals:
            catalog.problems.append(Problem(
                str(path), line, msgid,
                f"has {len(strings)} plural forms, Plural-Forms says {po.num_plurals}"))
            continue
        reason = _check(msgid, plural_id, strings)
        if reason:
            catalog.problems.append(Problem(str(path), line, msgid, reason))
            continue
        stamp = next((m for m in map(REVIEWED.match, reversed(message.user_comments)) if m),
                     None)
        catalog.entries[key] = Entry(msgid, message.context, strings, plural_id is not None,
                                     message.fuzzy, line,
                                     stamp["name"].strip() if stamp else None,
                                     stamp["date"] if stamp else None)
    return catalog


def catalog_path(locales_dir: Path, language: str) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path(locales_dir: Path) -> Path:
    return locales_dir / f"{DOMAIN}.pot"


def review_status(stats: dict[str, int], is_source: bool = False) -> str:
    if is_source:
        return "source language"
    if stats["problems"]:
        return f"broken ({stats['problems']} problem(s))"
    if stats["missing"] == stats["total"]:
        return "not translated"
    if stats["missing"]:
        return f"incomplete ({stats['missing']} missing)"
    reviewed = stats.get("reviewed", 0)
    if stats["fuzzy"]:
        if reviewed:
            return f"partly reviewed ({reviewed} reviewed, {stats['fuzzy']} fuzzy)"
        return "unreviewed (fuzzy)"
    if reviewed < stats["translated"]:
        return f"translated ({reviewed} with a named reviewer)"
    return "reviewed"


def language_report(renderer) -> list[dict]:
    """One row per language: names, fallback chain, and catalog completeness and review."""
    from . import dates

    template = renderer.template_catalog()
    rows = []
    for lang in renderer.languages:
        is_source = lang.code == "en"
        catalog = renderer.catalog(lang.code)
        error = renderer.catalog_error(lang.code)
        if is_source:
            total = len(template.entries)
            stats = {"total": total, "translated": total, "fuzzy": 0, "missing": 0,
                     "problems": 0, "reviewed": 0, "reviewers": [], "last_reviewed": None}
        else:
            stats = (catalog or Catalog(lang.code, Path())).stats(
                template, dates.provided_keys(lang))
        sources = dates.date_sources(lang, catalog)
        rows.append({
            "code": lang.code, "name": lang.name, "native": lang.native,
            "direction": lang.direction, "formatting_locale": lang.formatting_locale,
            "fallback": list(lang.fallback), "chain": renderer.languages.chain(lang.code),
            **stats, "status": f"broken: {error}" if error else review_status(stats, is_source),
            "error": str(error) if error else None,
            "dates": dates.summary(sources), "date_sources": sources,
        })
    return rows
