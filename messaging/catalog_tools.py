"""The gettext workflow, with the options our runtime needs: extract, update, init.

These are ``pybabel`` commands with the project's settings filled in (``babel.cfg``, the
``N_:1c,2`` keyword of the hazard glossary, translator comments), so a maintainer cannot
extract with options that differ from what the renderer uses. They work on a checkout.
"""

from __future__ import annotations

import contextlib
import io
from contextlib import chdir, redirect_stderr, redirect_stdout
from pathlib import Path

from .catalogs import catalog_path, template_path
from .errors import CatalogError
from .resources import locales_dir

KEYWORDS = ["-k", "N_:1c,2"]


def _checkout() -> Path:
    root = locales_dir().parent
    if not (root / "babel.cfg").is_file():
        raise CatalogError("catalog maintenance needs a checkout (babel.cfg not found)",
                           path=str(root))
    return root


def _pybabel(*args: str) -> str:
    from babel.messages.frontend import CommandLineInterface

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        try:
            CommandLineInterface().run(["pybabel", "-q", *args])
        except SystemExit as exc:
            if exc.code:
                raise CatalogError(f"pybabel {args[0]} failed: {out.getvalue().strip()}") \
                    from None
    return out.getvalue().strip()


def extract() -> str:
    root = _checkout()
    pot = template_path(root / "locales")
    with chdir(root):  # references in the catalogs stay relative to the checkout
        _pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--add-comments=Translators:",
                 "--sort-by-file", "--project=emsg", "--version=0.1",
                 "--copyright-holder=emsg contributors",
                 "--msgid-bugs-address=https://github.com/emsg/emsg/issues",
                 "-o", str(pot.relative_to(root)), ".")
    return f"wrote {pot}"


def update() -> str:
    root = _checkout()
    _pybabel("update", "-i", str(template_path(root / "locales")), "-d",
             str(root / "locales"), "-D", "messages", "--no-fuzzy-matching")
    return f"updated catalogs in {root / 'locales'}"


def init_language(code: str, *, name: str, native: str, fallback: list[str], direction: str,
                  formatting_locale: str | None = None, plural_forms: str | None = None,
                  locales: Path | None = None) -> str:
    """Create ``locales/<code>/LC_MESSAGES/messages.po`` and register the language.

    Nothing is reported as done before the new language has been read back the way every
    command reads it: ``languages.toml`` parsed, the catalog loaded by Babel. If that
    fails, both files are put back as they were.
    """
    from babel import Locale, UnknownLocaleError

    from .catalog_init import (
        add_language,
        check_code,
        cldr_knows,
        language_entry,
        new_catalog,
        plural_rule,
    )
    from .catalogs import load_catalog
    from .languages import LanguageRegistry

    check_code(code)
    if locales is None:
        locales = _checkout() / "locales"
    languages_toml = locales / "languages.toml"
    registry = LanguageRegistry.load(locales)
    if code in registry:
        raise CatalogError(f"language {code!r} already exists", path=str(languages_toml))
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
    body = new_catalog(template_path(locales), code, name=name, rule=rule)
    old_toml = languages_toml.read_text(encoding="utf-8")
    table = language_entry(name=name, native=native, direction=direction,
                           formatting_locale=formatting_locale, fallback=fallback,
                           plural_forms=rule.forms if rule.source != "CLDR" else None)
    new_toml = add_language(old_toml, code, table, languages_toml)
    created = not po.parent.exists()
    po.parent.mkdir(parents=True, exist_ok=True)
    try:
        po.write_bytes(body)
        languages_toml.write_text(new_toml, encoding="utf-8")
        LanguageRegistry.load(locales).get(code)
        catalog = load_catalog(po, code)
    except BaseException:
        languages_toml.write_text(old_toml, encoding="utf-8")
        po.unlink(missing_ok=True)
        if created:
            for folder in (po.parent, po.parent.parent):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise
    strings = len(load_catalog(template_path(locales), "", template=True).entries)
    plural = (f"{rule.count} plural form(s), {rule.forms!r} from "
              + ("CLDR" if rule.source == "CLDR" else "--plural-forms"))
    if plural_forms and rule.source == "CLDR" and plural_forms.strip() != rule.forms:
        plural += " (CLDR knows this language: --plural-forms ignored)"
    return (f"created {po} ({plural}; {strings} strings to translate, "
            f"{len(catalog.problems)} problem(s)) and added [{code}] to {languages_toml}.\n"
            f"Messages in {code} fall back to {' > '.join(registry_chain(locales, code))} "
            "until translated; translate the .po, marking unreviewed entries '#, fuzzy'.")


def registry_chain(locales: Path, code: str) -> list[str]:
    from .languages import LanguageRegistry

    return LanguageRegistry.load(locales).chain(code)[1:]
