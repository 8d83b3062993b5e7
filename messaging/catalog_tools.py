"""The gettext workflow, with the options our runtime needs: extract, update, init.

These are ``pybabel`` commands with the project's settings filled in (``babel.cfg``, the
``N_:1c,2`` keyword of the hazard glossary, translator comments), so a maintainer cannot
extract with options that differ from what the renderer uses. They work on a checkout.
"""

from __future__ import annotations

import io
import re
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
                  formatting_locale: str, plural_forms: str) -> str:
    """Create ``locales/<code>/LC_MESSAGES/messages.po`` and register the language."""
    if not re.fullmatch(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]+)*", code):
        raise CatalogError(f"{code!r} is not a language code such as 'cak' or 'pt-BR'",
                           field="code")
    root = _checkout()
    locales = root / "locales"
    languages_toml = locales / "languages.toml"
    text = languages_toml.read_text(encoding="utf-8")
    if re.search(rf"^\[{re.escape(code)}\]\s*$", text, re.M):
        raise CatalogError(f"language {code!r} already exists", path=str(languages_toml))
    po = catalog_path(locales, code)
    template = template_path(locales).read_text(encoding="utf-8")
    header = (f'"Language: {code}\\n"\n"Language-Team: {name}\\n"\n'
              f'"Plural-Forms: {plural_forms}\\n"\n')
    body = template.replace('"Language-Team: LANGUAGE <LL@li.org>\\n"\n', header, 1)
    body = body.replace("# Translations template for emsg.", f"# {name} translations for emsg.")
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(body, encoding="utf-8")
    entry = (f'\n[{code}]\nname = "{name}"\nnative = "{native}"\ndirection = "{direction}"\n'
             f'formatting_locale = "{formatting_locale}"\nfallback = {fallback!r}\n'
             f'plural_forms = "{plural_forms}"\n').replace("'", '"')
    with languages_toml.open("a", encoding="utf-8") as f:
        f.write(entry)
    return f"created {po} and added [{code}] to {languages_toml}; translate the .po, " \
           "marking unreviewed entries '#, fuzzy'"
