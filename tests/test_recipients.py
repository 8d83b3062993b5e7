"""Recipients CSV: E.164, invalid rows with their lines, fallback languages, streaming."""

from __future__ import annotations

import tracemalloc

import pytest

from messaging.cli import cli
from messaging.recipients import InvalidRow, Recipient, RecipientsError, read_recipients


def write(tmp_path, text: str, name: str = "people.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


def read(path, renderer, region="MX"):
    return list(read_recipients(path, renderer.languages, region=region))


def test_phones_become_e164_with_the_default_region(tmp_path, renderer):
    path = write(tmp_path, "phone,language\n"
                           "+52 962 123 4567,es\n"
                           "962 765 4321,ht\n"
                           "(962) 555-0101,fr\n"
                           "+502 5512 3456,mam\n")
    rows = read(path, renderer)
    assert [r.phone for r in rows] == ["+529621234567", "+529627654321", "+529625550101",
                                       "+50255123456"]
    assert [r.line for r in rows] == [2, 3, 4, 5]
    assert all(isinstance(r, Recipient) and not r.fell_back for r in rows)


def test_invalid_rows_name_their_line_field_and_reason(tmp_path, renderer):
    path = write(tmp_path, "name,phone,language\n"
                           "Ana,+52 962 123 4567,es\n"
                           "Bad,+52 12345,es\n"
                           "Empty,,es\n"
                           "Letters,call me,es\n"
                           "NoRegion,962 765 4321,ht\n")
    rows = read(path, renderer, region=None)
    invalid = [r for r in rows if isinstance(r, InvalidRow)]
    assert [(r.line, r.field) for r in invalid] == [(3, "phone"), (4, "phone"), (5, "phone"),
                                                    (6, "phone")]
    assert invalid[0].reason == "not a valid phone number: '+52 12345'"
    assert invalid[1].reason == "empty"
    assert "no country code" in invalid[3].reason and "--region" in invalid[3].reason
    assert str(invalid[0]).startswith("line 3: phone: ")


def test_unknown_or_missing_languages_fall_back_visibly(tmp_path, renderer):
    path = write(tmp_path, "phone,language\n"
                           "+529621234567,es-MX\n"
                           "+529621234568,\n"
                           "+529621234569,zz\n"
                           "+529621234570,quc\n")
    rows = read(path, renderer)
    assert [(r.language, r.asked, r.fell_back) for r in rows] == [
        ("es", "es-MX", True), ("en", "", True), ("en", "zz", True), ("quc", "quc", False)]


def test_no_language_column_means_every_row_falls_back(tmp_path, renderer):
    rows = read(write(tmp_path, "phone\n+529621234567\n"), renderer)
    assert rows[0].language == "en" and rows[0].fell_back


def test_bom_and_header_case_are_accepted(tmp_path, renderer):
    path = write(tmp_path, "Phone,Language,Group\n+529621234567,ht,A\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read(path, renderer)
    assert rows == [Recipient(2, "+529621234567", "ht", "ht", False)]


def test_line_numbers_count_physical_lines(tmp_path, renderer):
    path = write(tmp_path, 'phone,language,name\n'
                           '+529621234567,es,"two\nlines"\n'
                           '\n'
                           'nonsense,es,x\n')
    rows = read(path, renderer)
    assert isinstance(rows[1], InvalidRow) and rows[1].line == 5


def test_short_rows_are_invalid_not_fatal(tmp_path, renderer):
    rows = read(write(tmp_path, "language,phone\nes\n+529621234567,\n"), renderer)
    assert isinstance(rows[0], InvalidRow) and rows[0].line == 2
    assert "1 column(s)" in rows[0].reason


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("\n\n", "empty file"),
    ("name,language\nAna,es\n", "no 'phone' column"),
])
def test_files_that_are_not_recipient_lists(tmp_path, renderer, content, message):
    path = write(tmp_path, content)
    with pytest.raises(RecipientsError, match=message) as info:
        read(path, renderer)
    assert str(path) in str(info.value)


def test_binary_file_is_a_clear_error_and_latin1_is_read_with_a_notice(tmp_path, renderer):
    path = tmp_path / "people.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x00\x80")
    with pytest.raises(RecipientsError, match="not a readable .xlsx workbook"):
        read(path, renderer)
    latin = write(tmp_path, "phone,language\n+529621234567,es\n+529621234568,español\n",
                  encoding="latin-1")
    rows = read_recipients(latin, renderer.languages, region="MX")
    assert [r.language for r in rows] == ["es", "es"]  # read as Windows-1252
    assert "not UTF-8 (byte 0xF1 on line 3): read as Windows-1252" in rows.tally.notices[0]


def test_missing_file_and_folder(tmp_path, renderer):
    with pytest.raises(RecipientsError, match="file not found"):
        read(tmp_path / "nope.csv", renderer)
    with pytest.raises(RecipientsError, match="folder"):
        read(tmp_path, renderer)


def test_unknown_region_is_an_error(tmp_path, renderer):
    with pytest.raises(RecipientsError.__mro__[1], match="unknown region"):
        read(write(tmp_path, "phone\n+529621234567\n"), renderer, region="XX")


def test_rows_are_streamed_not_loaded(tmp_path, renderer):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("phone,language\n")
        for n in range(20_000):
            f.write(f"+52962{1000000 + n},es\n")
    assert path.stat().st_size > 300_000
    rows = read_recipients(path, renderer.languages, region="MX")
    next(rows)  # phonenumbers' metadata is loaded by now
    tracemalloc.start()
    count = 1 + sum(1 for _ in rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 20_000
    assert peak < 300_000, f"reading 20,000 rows held {peak} bytes at once"


# -- the CLI: bad input is one line and exit status 2 ------------------------------------

@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"name,language\nAna,es\n", "no 'phone' column"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "not a text file"),
    (b"phone,phone\n+529621234567,+529621234568\n",
     "2 phone columns (column 1 'phone' and column 2 'phone')"),
])
def test_cli_rejects_bad_files_in_one_line(tmp_path, runner, content, message):
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--recipients", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert str(path) in lines[0]
    assert "Traceback" not in result.output


def test_cli_missing_recipients_file(tmp_path, runner):
    result = runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                                 "--recipients", str(tmp_path / "nobody.csv")])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {tmp_path / 'nobody.csv'}: file not found"
