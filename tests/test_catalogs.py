"""Catalogs: GNU gettext accepts them, the .pot matches the templates, honesty flags hold."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from babel.messages.pofile import read_po

from messaging.catalog_tools import KEYWORDS
from messaging.catalogs import load_catalog, placeholders
from messaging.dates import provided_keys
from messaging.languages import LanguageRegistry

from .conftest import ROOT

LOCALES = ROOT / "locales"
PO_FILES = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
REQUIRED = {"es", "fr", "ht", "pt", "quc", "mam", "ar"}
#: the corridor's other languages: known by name, catalogs empty until a translator fills them
EMPTY = {"kek": "Q'eqchi'", "kjb": "Q'anjob'al", "cak": "Kaqchikel", "knj": "Akateko",
         "cac": "Chuj", "cab": "Garifuna", "miq": "Miskito"}


def test_required_languages_ship():
    assert REQUIRED <= {p.parts[-3] for p in PO_FILES}


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parts[-3])
def test_msgfmt_check_passes(po, tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext's msgfmt is not installed (tests/setup_tools.py installs it)")
    # --use-fuzzy so that the fuzzy (unreviewed) entries are format-checked too.
    proc = subprocess.run(["msgfmt", "--check", "--use-fuzzy", "-o", str(tmp_path / "m.mo"),
                           str(po)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parts[-3])
def test_catalog_complete_and_placeholders_match(po):
    language = po.parts[-3]
    catalog = load_catalog(po, language)
    template = load_catalog(LOCALES / "messages.pot", "", template=True)
    assert catalog.problems == []
    if language in EMPTY:
        assert catalog.entries == {}  # no invented translations
        assert set(template.entries) <= {(m.context, m.id if isinstance(m.id, str)
                                          else m.id[0]) for m in _read(po) if m.id}
        return
    # Date words CLDR has in the language's own words need no entry (see messaging/dates.py).
    stats = catalog.stats(template, provided_keys(LanguageRegistry.load(LOCALES).get(language)))
    assert stats["missing"] == 0, f"{language}: {stats}"
    for entry in catalog.entries.values():
        for form in entry.strings:
            assert placeholders(form) <= placeholders(entry.msgid) | {"count"}


def _read(po):
    with po.open("rb") as f:
        return read_po(f, abort_invalid=True)


@pytest.mark.parametrize("code", sorted(EMPTY))
def test_corridor_language_falls_back_visibly_to_spanish(code, renderer, hurricane):
    lang = renderer.languages.get(code)
    assert lang.name == EMPTY[code]
    assert lang.fallback == ("es",) and lang.direction == "ltr"
    assert lang.formatting_locale.startswith("es_")
    # Every plural entry has exactly the forms its header allows (Babel reads it strictly).
    catalog = _read(LOCALES / code / "LC_MESSAGES" / "messages.po")
    assert all(len(m.string) == catalog.num_plurals for m in catalog if m.pluralizable)
    result = renderer.render("early_warning", code, "sms", hurricane)
    assert result.language_used == "es" and result.fell_back
    assert any(w.startswith(f"not rendered in {code}") for w in result.warnings)


def test_corridor_languages_are_known_by_code_and_listed():
    registry = LanguageRegistry.load(LOCALES)
    for code in EMPTY:
        assert registry.resolve(code) == (code, False)
    assert EMPTY.keys() <= {p.parts[-3] for p in PO_FILES}


@pytest.mark.parametrize("language", ["quc", "mam"])
def test_unverifiable_translations_are_fuzzy_with_a_comment(language):
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    entries = [m for m in catalog if m.id and m.string]  # an empty entry claims nothing
    assert entries
    for message in entries:
        assert message.fuzzy, f"{language}: {message.id!r} claims a review"
        assert any("not reviewed by a native speaker" in c for c in message.user_comments), \
            message.id


def test_no_bundled_translation_claims_a_review():
    """Nobody on the team is a native speaker of these languages: every entry is fuzzy."""
    for po in PO_FILES:
        with po.open("rb") as f:
            catalog = read_po(f)
        reviewed = [m.id for m in catalog if m.id and _translated(m) and not m.fuzzy]
        assert reviewed == [], f"{po}: {reviewed[:3]}"


def test_pot_is_up_to_date_with_templates(tmp_path):
    """Extraction with babel.cfg finds exactly the msgids of the committed .pot."""
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "fresh.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                                *KEYWORDS, "-o", str(out), str(ROOT)])
    with out.open("rb") as f:
        fresh = {(m.context, m.id if isinstance(m.id, str) else m.id[0])
                 for m in read_po(f) if m.id}
    committed = set(load_catalog(LOCALES / "messages.pot", "", template=True).entries)
    assert fresh == committed


def test_runtime_uses_only_extracted_strings(renderer, hurricane):
    """Every string the renderer asks for is in the .pot (extraction mirrors runtime)."""
    template = renderer.template_catalog()
    for type_name in ("awareness", "early_warning", "evacuation", "relief_assistance",
                      "safety_check", "all_clear"):
        for channel in ("sms", "long", "voice", "cap"):
            for exercise in (False, True):
                result = renderer.render(type_name, "quc", channel, hurricane,
                                         exercise=exercise)
                for msgid in result.fuzzy_strings:
                    assert any(key[1] == msgid for key in template.entries), msgid


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return any(strings)
