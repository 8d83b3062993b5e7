"""A new language: its empty catalog, written to fit its plural rule, and its languages.toml
entry, written with a TOML library.

The catalog is built with Babel's own :class:`~babel.messages.catalog.Catalog` from the
``.pot``, not by editing the template's text: a plural entry then has exactly as many
``msgstr[N]`` as the header's ``Plural-Forms`` allows (a ``.po`` whose entry has more
forms than its header is one Babel refuses to read, though ``msgfmt --check`` passes it).
The plural rule comes from CLDR when Babel knows the language, otherwise from the caller.
``languages.toml`` is edited with tomlkit, which keeps its comments and quotes any name
(``Tz'utujil``, ``Q'anjob'al``) correctly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import CatalogError

DEFAULT_PLURAL_FORMS = "nplurals=1; plural=0;"
_CODE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]+)*")


@dataclass(frozen=True)
class PluralRule:
    forms: str
    #: where it came from: "CLDR" or "--plural-forms"
    source: str

    @property
    def count(self) -> int:
        return int(re.search(r"nplurals\s*=\s*(\d+)", self.forms).group(1))  # type: ignore[union-attr]


def check_code(code: str) -> None:
    if not _CODE.fullmatch(code):
        raise CatalogError(f"{code!r} is not a language code such as 'cak' or 'pt-BR'",
                           field="code")


def cldr_knows(code: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def plural_rule(code: str, given: str | None = None) -> PluralRule:
    """CLDR's plural rule for ``code`` where Babel has one, else ``given`` (checked), else
    one form."""
    if cldr_knows(code):
        from babel.messages.plurals import get_plural

        return PluralRule(get_plural(code.replace("-", "_")).plural_forms, "CLDR")
    forms = (given or DEFAULT_PLURAL_FORMS).strip()
    if not forms.endswith(";"):
        forms += ";"
    m = re.fullmatch(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;", forms)
    if not m or int(m.group(1)) < 1:
        raise CatalogError(f"{forms!r} is not a gettext Plural-Forms such as "
                           f"{DEFAULT_PLURAL_FORMS!r}", field="--plural-forms")
    count = int(m.group(1))
    try:
        rule = gettext.c2py(m.group(2))
        out_of_range = [n for n in range(0, 1001) if not 0 <= rule(n) < count]
    except (ValueError, SyntaxError, ZeroDivisionError):
        raise CatalogError(f"plural expression {m.group(2)!r} is not valid C",
                           field="--plural-forms") from None
    if out_of_range:
        raise CatalogError(f"plural expression gives a form outside 0..{count - 1} for "
                           f"n={out_of_range[0]}", field="--plural-forms")
    return PluralRule(forms, "--plural-forms")


def new_catalog(pot: Path, code: str, *, name: str, rule: PluralRule,
                comment: str | None = None, now: dt.datetime | None = None) -> bytes:
    """The ``.po`` text of an empty catalog for ``code``: every entry of ``pot``, untranslated,
    with as many plural forms as ``rule`` has."""
    from babel.messages.pofile import read_po, write_po

    with pot.open("rb") as f:
        catalog = read_po(f)
    catalog.locale = code.replace("-", "_")
    catalog.mime_headers = [("Plural-Forms", rule.forms)]
    catalog.language_team = name
    catalog.revision_date = now or dt.datetime.now(dt.UTC)
    catalog.fuzzy = False
    catalog.last_translator = "none yet (empty catalog)"
    header = re.sub(r"^# .* for emsg\.$", f"# {name} translations for emsg.",
                    catalog.header_comment, count=1, flags=re.M)
    if comment:
        header = header.rstrip("#\n") + "\n" + "".join(
            f"# {line}\n" if line else "#\n" for line in comment.splitlines()) + "#"
    catalog.header_comment = header
    out = io.BytesIO()
    write_po(out, catalog, width=76, ignore_obsolete=True)
    return out.getvalue()


def language_entry(*, name: str, native: str, direction: str, formatting_locale: str,
                   fallback: list[str], plural_forms: str | None):
    import tomlkit

    table = tomlkit.table()
    table.add("name", name)
    table.add("native", native)
    table.add("direction", direction)
    table.add("formatting_locale", formatting_locale)
    table.add("fallback", fallback)
    if plural_forms:
        table.add("plural_forms", plural_forms)
    return table


LANGUAGES_HEADER = """\
# Languages added to this catalog folder; each table adds a language or replaces the
# bundled one of the same code. Fields as in emsg's bundled languages.toml: name, native,
# direction, formatting_locale, fallback, plural_forms, tags, cap_language.
"""


def add_language(text: str | None, code: str, table, path: Path) -> str:
    """``text`` (a languages.toml, or ``None`` for a new one) with ``[code]`` appended."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        doc = tomlkit.parse(text if text is not None else LANGUAGES_HEADER)
    except TOMLKitError as exc:
        raise CatalogError(f"not valid TOML ({exc})", path=str(path)) from None
    if code in doc:
        raise CatalogError(f"language {code!r} already exists", path=str(path))
    doc.add(tomlkit.nl())
    doc.add(code, table)
    out = tomlkit.dumps(doc)
    tomllib.loads(out)  # what tomlkit wrote, the standard reader reads
    return out


def init_language(code: str, *, name: str, native: str, fallback: list[str], direction: str,
                  formatting_locale: str | None = None, plural_forms: str | None = None,
                  locales: Path | None = None) -> str:
    """Create ``locales/<code>/LC_MESSAGES/messages.po`` and register the language.

    Nothing is reported as done before the new language has been read back the way every
    command reads it: ``languages.toml`` parsed, the catalog loaded by Babel. If that
    fails, both files are put back as they were.
    """
    from babel import Locale, UnknownLocaleError

    from .catalog_tools import overlay_of, writable_locales
    from .catalogs import catalog_path, load_catalog, template_path
    from .languages import LanguageRegistry
    from .resources import locales_dir

    check_code(code)
    locales = writable_locales(locales)
    bundled, overlay = locales_dir(), overlay_of(locales)
    languages_toml = locales / "languages.toml"
    registry = LanguageRegistry.load(bundled, overlay)
    if code in registry:
        raise CatalogError(f"language {code!r} already exists",
                           path=str(registry.sources[code]))
    for other in fallback:
        if other not in registry:
            raise CatalogError(f"{other!r} is not a language emsg knows "
                               f"(known: {', '.join(registry.codes())})", field="--fallback")
    if formatting_locale is None:
        # The language's own CLDR locale, else its first fallback's (Guatemalan Spanish
        # for a Mayan language falling back to es).
        formatting_locale = (code.replace("-", "_") if cldr_knows(code) else
                             registry.get(fallback[0]).formatting_locale if fallback else None)
        if formatting_locale is None:
            raise CatalogError(f"CLDR does not know {code!r}: name the locale its dates and "
                               "numbers follow (e.g. --formatting-locale es_GT) or a "
                               "--fallback", field="--formatting-locale")
    try:
        Locale.parse(formatting_locale)
    except (UnknownLocaleError, ValueError):
        raise CatalogError(f"{formatting_locale!r} is not a CLDR locale (e.g. es_GT)",
                           field="--formatting-locale") from None
    po = catalog_path(locales, code)
    if po.exists():
        raise CatalogError("already exists; remove it or choose another code", path=str(po))
    rule = plural_rule(code, plural_forms)
    pot = template_path(locales) if template_path(locales).is_file() else template_path(bundled)
    body = new_catalog(pot, code, name=name, rule=rule)
    old_toml = (languages_toml.read_text(encoding="utf-8") if languages_toml.is_file()
                else None)
    table = language_entry(name=name, native=native, direction=direction,
                           formatting_locale=formatting_locale, fallback=fallback,
                           plural_forms=rule.forms if rule.source != "CLDR" else None)
    new_toml = add_language(old_toml, code, table, languages_toml)
    created = not po.parent.exists()
    po.parent.mkdir(parents=True, exist_ok=True)
    try:
        po.write_bytes(body)
        languages_toml.write_text(new_toml, encoding="utf-8")
        chain = LanguageRegistry.load(bundled, overlay).chain(code)[1:]
        catalog = load_catalog(po, code)
    except BaseException:
        if old_toml is None:
            languages_toml.unlink(missing_ok=True)
        else:
            languages_toml.write_text(old_toml, encoding="utf-8")
        po.unlink(missing_ok=True)
        if created:
            for folder in (po.parent, po.parent.parent):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise
    strings = len(load_catalog(pot, "", template=True).entries)
    plural = (f"{rule.count} plural form(s), {rule.forms!r} from "
              + ("CLDR" if rule.source == "CLDR" else "--plural-forms"))
    if plural_forms and rule.source == "CLDR" and plural_forms.strip() != rule.forms:
        plural += " (CLDR knows this language: --plural-forms ignored)"
    return (f"created {po} ({plural}; {strings} strings to translate, "
            f"{len(catalog.problems)} problem(s)) and added [{code}] to {languages_toml}.\n"
            f"Messages in {code} fall back to {' > '.join(chain)} until translated; "
            "translate the .po, marking unreviewed entries '#, fuzzy'"
            + (f", and pass --locales {locales} (or set EMSG_LOCALES) to use it."
               if overlay else "."))
