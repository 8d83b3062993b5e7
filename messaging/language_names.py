"""Language values as offices write them: codes in any case, or names in any shipped language.

A recipients list says ``es``, ``ES``, ``es-MX``, ``Spanish``, ``español``, ``Kreyòl``,
``K'iche'`` or ``中文``. Codes and tags come from ``languages.toml``; names from
``languages.toml`` too (``name``, ``native``, ``names``) and from CLDR through Babel: the
name of every shipped language in every shipped language CLDR knows. Adding a language to
``languages.toml`` is enough for its names to work. Names are compared without case,
accents, apostrophe style (``'`` ``’`` ``ʼ``) or spacing.

A blank or unknown value is not English: it gets the *default* language, the scenario's
first audience language (:func:`first_audience_language`), and the caller lists the row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .languages import SOURCE_LANGUAGE, LanguageRegistry

_APOSTROPHES = re.compile(r"['’ʼ‘`´\"]")
_SPACES = re.compile(r"[\s_\-.]+")
_QUALIFIER = re.compile(r"\s*[(\[].*?[)\]]\s*$")  # "Spanish (Mexico)", "español [MX]"


def normalize(text: str) -> str:
    """``"Kʼicheʼ"`` and ``"k'iche'"`` → ``"kiche"``; ``"Español "`` → ``"espanol"``."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Resolved:
    """The language a row gets for what it asked, and how it was found."""

    code: str
    #: the row gets another language than the one it asked for (or asked for none)
    fell_back: bool
    #: "code", "name", "base" (es-GT → es), "blank" or "unknown" (both: the default)
    how: str


class LanguageNames:
    """Resolves language values of one list against one ``languages.toml``."""

    def __init__(self, registry: LanguageRegistry, default: str | None = None) -> None:
        self.registry = registry
        self.default = default if default in registry else SOURCE_LANGUAGE
        self._codes: dict[str, str] = {}
        for lang in registry:
            for tag in (lang.code, *lang.tags):
                self._codes.setdefault(tag.replace("_", "-").lower(), lang.code)
        self._names = self._index(registry)
        self._cache: dict[str, Resolved] = {}

    @staticmethod
    def _index(registry: LanguageRegistry) -> dict[str, str]:
        """normalised name → code; a name two languages share is left out (ambiguous)."""
        own: dict[str, set[str]] = {}
        for lang in registry:
            for name in (lang.name, lang.native, *lang.names):
                own.setdefault(normalize(name), set()).add(lang.code)
        cldr: dict[str, set[str]] = {}
        for display in _cldr_locales([lang.code for lang in registry]):
            for lang in registry:
                name = display.languages.get(lang.code)
                if name:
                    cldr.setdefault(normalize(name), set()).add(lang.code)
        index = {name: codes.pop() for name, codes in cldr.items() if len(codes) == 1}
        # languages.toml wins over CLDR, and decides what it calls ambiguous
        for name, codes in own.items():
            if len(codes) == 1:
                index[name] = next(iter(codes))
            else:
                index.pop(name, None)
        index.pop("", None)
        return index

    def resolve(self, value: str) -> Resolved:
        value = value.strip()
        found = self._cache.get(value)
        if found is None:
            found = self._cache[value] = self._resolve(value)
        return found

    def _resolve(self, value: str) -> Resolved:
        if not value:
            return Resolved(self.default, True, "blank")
        tag = value.replace("_", "-").lower()
        if tag in self._codes:
            return Resolved(self._codes[tag], False, "code")
        name = normalize(value)
        if name in self._names:
            return Resolved(self._names[name], False, "name")
        base = tag.split("-")[0]
        if base != tag and base in self._codes and re.fullmatch(r"[a-z]{2,3}(-\w+)+", tag):
            return Resolved(self._codes[base], True, "base")
        bare = normalize(_QUALIFIER.sub("", value))
        if bare != name and bare in self._names:
            return Resolved(self._names[bare], True, "base")
        return Resolved(self.default, True, "unknown")


def _cldr_locales(codes: list[str]):
    from babel import Locale, UnknownLocaleError

    for code in dict.fromkeys([SOURCE_LANGUAGE, *codes]):
        try:
            yield Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue


def first_audience_language(scenario, registry: LanguageRegistry) -> tuple[str, str]:
    """(code, where it came from): the first language of the scenario's first audience,
    else the scenario's first language, else English — what a row without a known
    language gets."""
    for audience in getattr(scenario, "audiences", None) or []:
        languages = audience.get("languages") if isinstance(audience, dict) else None
        if isinstance(languages, list) and languages and isinstance(languages[0], str):
            return _known(languages[0], registry), "the scenario's first audience language"
        break
    languages = getattr(scenario, "languages", None) or []
    if languages:
        return _known(languages[0], registry), "the scenario's first language"
    return SOURCE_LANGUAGE, "no scenario audience"


def _known(code: str, registry: LanguageRegistry) -> str:
    found = LanguageNames(registry, SOURCE_LANGUAGE).resolve(code)
    return found.code
