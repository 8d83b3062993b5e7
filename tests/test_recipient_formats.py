"""Lists as offices keep them (issue 12, item 4): delimiters, encodings, header names and
language values in the users' languages, and the scenario's first audience language for
rows without a known one, each listed."""

from __future__ import annotations

import codecs
import json

import pytest

from messaging.cli import cli
from messaging.language_names import LanguageNames, first_audience_language
from messaging.languages import LanguageRegistry
from messaging.recipients import Recipient, RecipientsError, read_recipients

from .conftest import HURRICANE


def read(path, renderer, default="es"):
    rows = read_recipients(path, renderer.languages, region="MX", default_language=default,
                           default_why="the scenario's first audience language")
    items = list(rows)
    assert rows.tally.accounted
    return items, rows.tally


@pytest.mark.parametrize("delimiter, name", [(",", "comma"), (";", "semicolon"),
                                             ("\t", "tab")])
def test_the_delimiter_is_sniffed(tmp_path, renderer, delimiter, name):
    path = tmp_path / "people.csv"
    rows = [["teléfono", "idioma", "nombre"], ["+52 962 123 4567", "es", "López, Ana"],
            ["962 765 4321", "ht", "Jean; Pierre"], ["+502 5512 3456", "mam", "Ixchel"]]
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c or "," in c or ";" in c
                                    else c for c in row) for row in rows)
    path.write_text(text + "\n", encoding="utf-8")
    items, tally = read(path, renderer)
    assert tally.delimiter == delimiter
    assert [(r.phone, r.language, r.name) for r in items] == [
        ("+529621234567", "es", "López, Ana"), ("+529627654321", "ht", "Jean; Pierre"),
        ("+50255123456", "mam", "Ixchel")]


def test_a_one_column_list_needs_no_delimiter(tmp_path, renderer):
    path = tmp_path / "people.csv"
    path.write_text("Celular\n+529621234567\n", encoding="utf-8")
    items, _ = read(path, renderer)
    assert items == [Recipient(2, "+529621234567", "es", "", True)]


SPANISH = "teléfono;idioma;nombre\r\n+52 962 123 4567;español;José Pérez\r\n"


@pytest.mark.parametrize("encoding, label, notice", [
    ("utf-8", "UTF-8", False),
    ("utf-8-sig", "UTF-8 with BOM", False),
    ("utf-16", "UTF-16", False),  # Python writes the BOM
    ("utf-16-be", "UTF-16", False),
    ("cp1252", "Windows-1252", True),
])
def test_encodings(tmp_path, renderer, encoding, label, notice):
    path = tmp_path / "people.csv"
    data = SPANISH.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)
    items, tally = read(path, renderer)
    assert [(r.line, r.phone, r.language, r.name) for r in items] == [
        (2, "+529621234567", "es", "José Pérez")]
    assert tally.encoding == label and tally.delimiter == ";"
    assert bool(tally.notices) == notice
    if notice:
        assert tally.notices == ["not UTF-8 (byte 0xE9 on line 1): read as Windows-1252, as "
                                 "Excel saves CSV on Windows; if names look wrong, save the "
                                 "list as CSV UTF-8"]


@pytest.mark.parametrize("phone, language, name", [
    ("phone", "language", "name"), ("Teléfono", "Idioma", "Nombre"),
    ("TELEFONE", "Língua", "Nome"), ("téléphone", "langue", "nom"),
    ("Celular", "idioma", "nombre completo"), ("Móvil", "Lengua", "Nombre"),
    ("WhatsApp", "Language", "Full name"), ("Número de teléfono", "idioma", "nombre"),
])
def test_header_names_in_the_users_languages(tmp_path, renderer, phone, language, name):
    path = tmp_path / "people.csv"
    path.write_text(f"{name},{language},{phone}\nAna,ht,+52 962 123 4567\n", encoding="utf-8")
    items, _ = read(path, renderer)
    assert items == [Recipient(2, "+529621234567", "ht", "ht", False, "Ana")]


@pytest.mark.parametrize("value, code", [
    ("es", "es"), ("ES", "es"), ("Es", "es"), ("Spanish", "es"), ("español", "es"),
    ("ESPAÑOL", "es"), ("Espanol", "es"), ("espagnol", "es"), ("Kreyòl", "ht"),
    ("Kreyòl ayisyen", "ht"), ("criollo haitiano", "ht"), ("créole haïtien", "ht"),
    ("K'iche'", "quc"), ("Kʼicheʼ", "quc"), ("quiché", "quc"), ("Mam", "mam"),
    ("Chinese", "zh"), ("中文", "zh"), ("chino", "zh"), ("Mandarin", "zh"), ("ZH-cn", "zh"),
    ("português", "pt"), ("Portugués", "pt"), ("árabe", "ar"), ("العربية", "ar"),
    ("French", "fr"), ("francés", "fr"), ("Q'eqchi'", "kek"), ("Kaqchikel", "cak"),
    ("Garifuna", "cab"), ("Miskitu", "miq"),
])
def test_language_values_as_codes_or_names(renderer, value, code):
    found = LanguageNames(renderer.languages, "es").resolve(value)
    assert (found.code, found.fell_back) == (code, False), value


@pytest.mark.parametrize("value, code, how", [
    ("es-GT", "es", "base"), ("pt_BR", "pt", "base"), ("Spanish (Mexico)", "es", "base"),
    ("", "ht", "blank"), ("Klingon", "ht", "unknown"), ("xx", "ht", "unknown"),
])
def test_variants_blank_and_unknown_values(renderer, value, code, how):
    found = LanguageNames(renderer.languages, "ht").resolve(value)
    assert (found.code, found.fell_back, found.how) == (code, True, how)


def test_names_come_from_languages_toml(tmp_path):
    """A language added to languages.toml is found by its name, native name and names."""
    (tmp_path / "languages.toml").write_text(
        '[en]\nname = "English"\n\n[es]\nname = "Spanish"\nnative = "español"\n\n'
        '[tst]\nname = "Testish"\nnative = "Tëstìsh"\nnames = ["Probe language"]\n'
        'fallback = ["es"]\n', encoding="utf-8")
    names = LanguageNames(LanguageRegistry.load(tmp_path), "es")
    assert [names.resolve(v).code for v in ("testish", "TESTISH", "Testish", "tëstìsh",
                                            "probe-language", "TST", "español")] == [
        "tst", "tst", "tst", "tst", "tst", "tst", "es"]


def test_the_first_audience_language(hurricane, renderer):
    assert first_audience_language(hurricane, renderer.languages) == (
        "es", "the scenario's first audience language")
    hurricane_ht = type(hurricane)(audiences=[{"languages": ["ht", "fr"]}], languages=["es"])
    assert first_audience_language(hurricane_ht, renderer.languages)[0] == "ht"
    assert first_audience_language(type(hurricane)(), renderer.languages) == (
        "en", "no scenario audience")


# -- the CLI: each defaulted row listed, in text and JSON ----------------------------------

LIST = ("Teléfono;Idioma;Nombre\n"
        "+52 962 123 4567;Spanish;Ana\n"
        "+52 962 123 4568;;Sin idioma\n"
        "+52 962 123 4569;Klingon;Worf\n"
        "+52 962 123 4570;Kreyòl;Jean\n")


def _scenario(tmp_path, first: str):
    text = HURRICANE.read_text(encoding="utf-8").replace(
        'languages = ["es", "quc", "mam"]', f'languages = ["{first}"]')
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("first", ["es", "fr"])
def test_rows_without_a_known_language_get_the_first_audience_language(tmp_path, runner,
                                                                      first):
    people = tmp_path / "people.csv"
    people.write_text(LIST, encoding="utf-8")
    args = ["send", "early_warning", "--scenario", str(_scenario(tmp_path, first)),
            "--recipients", str(people), "--outbox", str(tmp_path / "out")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    why = "the scenario's first audience language"
    assert f"line 3: Idioma: no language: sent in {first} ({why})" in result.stderr
    assert f"line 4: Idioma: unknown language 'Klingon': sent in {first} ({why})" \
        in result.stderr
    assert "(UTF-8, semicolon)" in result.stderr
    result = runner.invoke(cli, [*args[:-1], str(tmp_path / "out2"), "--format", "json"])
    data = json.loads(result.stdout)
    notes = [(n["line"], n["value"], n["language_used"]) for n in data["list"]["notes"]
             if n["kind"] == "language"]
    assert notes == [(3, "", first), (4, "Klingon", first)]
    assert data["list"]["note_counts"]["language"] == 2
    counts = {code: e["recipients"] for code, e in data["languages"].items()}
    assert counts == ({"es": 3, "ht": 1} if first == "es" else {"es": 1, "fr": 2, "ht": 1})
    assert "en" not in counts


# -- .xlsx, landlines, a list with nobody to text -------------------------------------------

def _workbook(path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Connacionales"
    sheet.append(["Teléfono", "Idioma", "Nombre"])
    sheet.append([529621234567, "Spanish", "Ana"])  # a number cell, as Excel keeps phones
    sheet.append([None, None, None])
    sheet.append(["+502 5512 3456", "K'iche'", "Ixchel"])
    sheet.append(["+52 962 123 4568", "", "Sin idioma"])
    sheet.append(["+52 962 123 4569", "中文", "Li"])
    book.create_sheet("Otra hoja").append(["phone", "language"])
    book.save(path)


def test_an_xlsx_workbook_is_read_directly(tmp_path, renderer):
    path = tmp_path / "people.xlsx"
    _workbook(path)
    items, tally = read(path, renderer)
    assert [(r.line, r.phone, r.language, r.name) for r in items] == [
        (2, "+529621234567", "es", "Ana"), (4, "+50255123456", "quc", "Ixchel"),
        (5, "+529621234568", "es", "Sin idioma"), (6, "+529621234569", "zh", "Li")]
    assert (tally.format, tally.physical_lines, tally.blank_lines, tally.rows) == (
        "xlsx", 6, 1, 4)
    assert [(n.line, n.language_used) for n in tally.notes["language"]] == [(5, "es")]


def test_an_xlsx_from_standard_input_and_in_the_summary(tmp_path, runner):
    path = tmp_path / "people.xlsx"
    _workbook(path)
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--recipients", "-", "--outbox", str(tmp_path / "out")],
                           input=path.read_bytes())
    assert result.exit_code == 0, result.output
    assert ("List <stdin> (.xlsx, first sheet): 6 sheet row(s) = 1 header + 4 row(s) + "
            "1 blank") in result.stderr


def test_a_zip_that_is_not_a_workbook(tmp_path, renderer):
    import zipfile

    path = tmp_path / "people.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(RecipientsError, match="not a readable .xlsx workbook"):
        read(path, renderer)


def test_landlines_are_kept_warned_and_counted(tmp_path, runner):
    people = tmp_path / "people.csv"
    people.write_text("phone,language\n+502 2212 3456,es\n+502 5512 3456,es\n"
                      "+504 2234 5678,es\n+52 962 123 4567,es\n", encoding="utf-8")
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--recipients", str(people), "--outbox", str(tmp_path / "o"),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["recipients"] == 4  # kept: the list's owner decides
    assert data["list"]["note_counts"] == {"landline": 2}
    assert [(n["line"], n["value"]) for n in data["list"]["notes"]] == [
        (2, "+502 2212 3456"), (4, "+504 2234 5678")]
    text = runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                               "--recipients", str(people), "--outbox", str(tmp_path / "p")])
    assert "2 landline(s) (FIXED_LINE) kept" in text.stderr
    assert "line 2: phone: +50222123456 is a landline (phonenumbers: FIXED_LINE)" \
        in text.stderr


def test_a_list_with_no_valid_recipient_is_exit_2(tmp_path, runner):
    people = tmp_path / "people.csv"
    people.write_text("teléfono;idioma\n12345;es\nnadie;es\n", encoding="utf-8")
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--recipients", str(people)])
    assert result.exit_code == 2, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last == (f"Error: {people}: no valid recipient (2 row(s): 2 invalid, 0 "
                    "duplicate(s)); nothing to send")
    assert "line 2: phone: not a valid phone number: '12345'" in result.stderr
    assert "Traceback" not in result.output
