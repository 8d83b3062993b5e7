"""The languages emsg ships, read from ``locales/languages.toml``.

CLDR (through Babel) knows most of our languages, but not Mam; ``languages.toml`` carries
what a language needs whether CLDR knows it or not: names, direction, the locale used to
format dates and numbers, and the fallback chain.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CatalogError, UnknownName

SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    native: str
    direction: str = "ltr"
    formatting_locale: str = "en_US"
    fallback: tuple[str, ...] = ()
    plural_forms: str | None = None
    #: other BCP 47 tags that mean exactly this language (``zh-CN``, ``zh-Hans`` for ``zh``)
    tags: tuple[str, ...] = ()
    #: other names recipients' lists give it, beyond ``name``, ``native`` and CLDR's
    names: tuple[str, ...] = ()
    #: the CAP ``<language>`` of an ``<info>`` in this language, when not the bare code
    cap_language: str | None = None
    #: "12h" or "24h": the clock the audience reads, where CLDR does not say it (its data
    #: for Haitian Creole and K'iche' is root's "HH:mm"); ``None``: CLDR's
    clock: str | None = None

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def _check_locale(name: object, path: Path, text: str, code: str) -> None:
    """A formatting locale CLDR has (``es_GT``); else dates would silently lose their words.

    A language without ``formatting_locale`` uses its own code, which CLDR may not know
    (Mam): only a locale written in the file must exist.
    """
    from babel import localedata

    from .scenarios import key_lines

    line = key_lines(text, code).get("formatting_locale")
    if not isinstance(name, str) or not localedata.exists(name):
        raise CatalogError(f"unknown CLDR locale {name!r} (write e.g. es_GT or fr_HT)",
                           path=str(path), line=line, field=f"{code}.formatting_locale")


@dataclass
class LanguageRegistry:
    """All languages of one ``locales/`` folder, in file order, and of an overlay folder
    (``--locales``), whose tables add languages or replace bundled ones of the same code."""

    path: Path
    languages: dict[str, Language] = field(default_factory=dict)
    #: the file each language was read from
    sources: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def load(cls, locales_dir: Path, overlay: Path | None = None) -> LanguageRegistry:
        path = locales_dir / "languages.toml"
        registry = cls(path)
        registry._read(path, required=True)
        if overlay is not None:
            registry._read(overlay / "languages.toml", required=False)
        for lang in registry.languages.values():
            for code in lang.fallback:
                if code not in registry.languages:
                    raise CatalogError(f"fallback {code!r} is not a language emsg knows",
                                       path=str(registry.sources[lang.code]),
                                       field=f"{lang.code}.fallback")
        return registry

    def _read(self, path: Path, *, required: bool) -> None:
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except FileNotFoundError:
            if not required:
                return
            raise CatalogError("file not found", path=str(path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogError(f"cannot read file ({exc})", path=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"not valid TOML ({exc})", path=str(path)) from None
        registry = self
        for code, entry in data.items():
            if not isinstance(entry, dict) or "name" not in entry:
                raise CatalogError("each language needs a table with at least 'name'",
                                   path=str(path), field=code)
            direction = entry.get("direction", "ltr")
            if direction not in ("ltr", "rtl"):
                raise CatalogError(f"direction must be 'ltr' or 'rtl', not {direction!r}",
                                   path=str(path), field=f"{code}.direction")
            if "formatting_locale" in entry:
                _check_locale(entry["formatting_locale"], path, text, code)
            clock = entry.get("clock")
            if clock not in (None, "12h", "24h"):
                raise CatalogError(f"clock must be '12h' or '24h', not {clock!r}",
                                   path=str(path), field=f"{code}.clock")
            registry.languages[code] = Language(
                code=code,
                name=entry["name"],
                native=entry.get("native", entry["name"]),
                direction=direction,
                formatting_locale=entry.get("formatting_locale", code),
                fallback=tuple(entry.get("fallback", ())),
                plural_forms=entry.get("plural_forms"),
                tags=tuple(entry.get("tags", ())),
                names=tuple(entry.get("names", ())),
                cap_language=entry.get("cap_language"),
                clock=clock,
            )
            registry.sources[code] = path

    def __contains__(self, code: object) -> bool:
        return code in self.languages

    def __iter__(self):
        return iter(self.languages.values())

    def codes(self) -> list[str]:
        return list(self.languages)

    def get(self, code: str) -> Language:
        """The language of ``code``, in any case (``ES`` is ``es``)."""
        from .names import canonical, unknown

        found = self.languages.get(code)
        if found is None:
            spelled = canonical(str(code), self.languages)
            if spelled is None:
                raise UnknownName(unknown("language", str(code), self.languages,
                                          aliases=self.aliases()), field="language")
            found = self.languages[spelled]
        return found

    def aliases(self) -> dict[str, str]:
        """Each language's English and native name → its code (for "did you mean")."""
        out: dict[str, str] = {}
        for lang in self.languages.values():
            for alias in (lang.name, lang.native, *lang.tags):
                out.setdefault(alias, lang.code)
                for word in alias.split()[:1]:  # "Kreyòl" of "Kreyòl ayisyen"
                    out.setdefault(word, lang.code)
        return out

    def chain(self, code: str) -> list[str]:
        """``code``, then its fallbacks (depth first), then English; no repeats."""
        seen: list[str] = []

        def visit(c: str) -> None:
            if c in seen:
                return
            seen.append(c)
            for f in self.get(c).fallback:
                visit(f)

        visit(code)
        if SOURCE_LANGUAGE not in seen:
            seen.append(SOURCE_LANGUAGE)
        return seen

    def resolve(self, code: str | None) -> tuple[str, bool]:
        """The language to use for a recipient's ``code``: (code, whether it fell back).

        A tag a language lists in ``tags`` (``zh-CN``, ``zh-Hans``) is that language; an
        unknown tag such as ``es-GT``, ``pt_BR`` or ``zh-TW`` falls back to its base
        language; anything else unknown, or nothing, to English, visibly.
        """
        if code and code in self.languages:
            return code, False
        if code:
            wanted = code.replace("_", "-").lower()
            for lang in self.languages.values():
                if wanted == lang.code.lower() or wanted in (t.lower() for t in lang.tags):
                    return lang.code, False
            base = wanted.split("-")[0]
            if base in self.languages:
                return base, True
        return SOURCE_LANGUAGE, True
