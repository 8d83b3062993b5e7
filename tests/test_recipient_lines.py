"""No row lost silently: every physical line of a list is accounted for (issue 9, item 7).

Stray quotes, quoted fields spanning lines, NUL bytes, oversize lines and bad bytes each
cost at most their own row, reported with its physical line(s); the tally adds up; lists
read from standard input, /dev/stdin and pipes work, read once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from messaging.cli import cli
from messaging.list_formats import MAX_LINE
from messaging.recipients import InvalidRow, Recipient, RecipientsError, read_recipients

ROOT = Path(__file__).resolve().parent.parent


def phone(n: int) -> str:
    return f"+52962{1000000 + n}"


def read_all(path, renderer, region="MX"):
    rows = read_recipients(path, renderer.languages, region=region)
    items = list(rows)
    assert rows.tally.accounted, rows.tally
    return items, rows.tally


def test_a_stray_quote_costs_no_row(tmp_path, renderer):
    """The reported case: a '"' at the start of a name on line 11 of a 2,108-line list."""
    lines = ["phone,language,name"]
    for n in range(2, 2109):
        name = '"Ana López' if n == 11 else f"Person {n}"
        if n == 40:
            name = 'Luis "El Güero'  # a second stray quote, further down
        lines.append(f"{phone(n)},es,{name}")
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items, tally = read_all(path, renderer)
    assert all(isinstance(r, Recipient) for r in items)
    assert len(items) == 2107 and len({r.phone for r in items}) == 2107
    assert tally.physical_lines == 2108 and tally.rows == 2107
    stray = tally.notes["stray_quote"]
    assert [(n.line, n.field) for n in stray] == [(11, "name")]
    assert 'a quote (") that never closes' in str(stray[0])
    assert str(stray[0]).startswith("line 11: name: ")


def test_a_stray_quote_that_a_later_quote_would_close(tmp_path, renderer):
    """Lines 3-4 would parse as one row, but line 4 is a whole row of its own."""
    path = tmp_path / "people.csv"
    path.write_text("phone,language,name\n"
                    f"{phone(1)},es,Ana\n"
                    f'{phone(2)},es,"Bea\n'
                    f'{phone(3)},ht,Carl"\n'
                    f"{phone(4)},fr,Dan\n", encoding="utf-8")
    items, tally = read_all(path, renderer)
    assert [(r.line, r.phone, r.language) for r in items] == [
        (2, phone(1), "es"), (3, phone(2), "es"), (4, phone(3), "ht"), (5, phone(4), "fr")]
    assert tally.counts == {"stray_quote": 1}


def test_a_quoted_field_with_line_breaks_is_one_row_reported_with_its_lines(tmp_path,
                                                                          renderer):
    path = tmp_path / "people.csv"
    path.write_text("name,address,phone,language\r\n"
                    f'Ana,"Calle 5\r\nColonia Centro\r\nTapachula",{phone(1)},es\r\n'
                    f"Bea,Av. 2,{phone(2)},ht\r\n", encoding="utf-8", newline="")
    items, tally = read_all(path, renderer)
    assert [(r.line, r.phone) for r in items] == [(2, phone(1)), (5, phone(2))]
    assert tally.physical_lines == 5 and tally.rows == 2 and tally.continuation_lines == 2
    note = tally.notes["spans_lines"][0]
    assert (note.line, note.last_line, note.field) == (2, 4, "address")
    assert str(note).startswith("lines 2-4: address: one row on 3 lines")


def test_an_invalid_row_spanning_lines_names_all_its_lines(tmp_path, renderer):
    path = tmp_path / "people.csv"
    path.write_text(f'phone,language,name\n"not\na phone",es,x\n{phone(1)},es,y\n',
                    encoding="utf-8")
    items, _ = read_all(path, renderer)
    assert isinstance(items[0], InvalidRow) and str(items[0]).startswith("lines 2-3: phone:")
    assert items[1] == Recipient(4, phone(1), "es", "es", False, "y")


def test_nul_bytes_cost_their_line_only(tmp_path, renderer):
    path = tmp_path / "people.csv"
    path.write_bytes(f"phone,language\n{phone(1)},es\n{phone(2)},e\x00s\n{phone(3)},ht\n"
                     .encode())
    items, tally = read_all(path, renderer)
    assert [type(r).__name__ for r in items] == ["Recipient", "InvalidRow", "Recipient"]
    assert items[1].line == 3 and "NUL" in items[1].reason
    assert tally.invalid == 1


def test_an_oversize_line_is_reported_and_the_next_rows_read(tmp_path, renderer):
    path = tmp_path / "people.csv"
    path.write_text(f"phone,language,name\n{phone(1)},es,{'x' * (MAX_LINE + 10)}\n"
                    f"{phone(2)},es,Bea\n", encoding="utf-8")
    items, tally = read_all(path, renderer)
    assert isinstance(items[0], InvalidRow) and items[0].line == 2
    assert "longer than 65,536 characters" in items[0].reason
    assert items[1] == Recipient(3, phone(2), "es", "es", False, "Bea")
    assert tally.physical_lines == 3


def test_a_quote_that_never_closes_is_bounded(tmp_path, renderer):
    """A quote opened on line 2 with no other quote in the file: 1 note, 500 rows."""
    rows = [f"{phone(n)},es,n{n}" for n in range(500)]
    rows[0] = f'{phone(0)},"es,n0'
    path = tmp_path / "people.csv"
    path.write_text("phone,language,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    items, tally = read_all(path, renderer)
    assert len(items) == 500 and tally.counts["stray_quote"] == 1
    assert isinstance(items[0], Recipient) and items[0].asked == '"es'


def test_a_bad_byte_names_its_real_line(tmp_path, renderer):
    """UTF-8 text with one damaged line: that line is reported, the others read."""
    body = [f"{phone(n)},es,José {n}" for n in range(2, 1600)]
    path = tmp_path / "people.csv"
    data = ("phone,language,name\n" + "\n".join(body) + "\n").encode()
    lines = data.split(b"\n")
    lines[1500] = lines[1500].replace(b"Jos\xc3\xa9", b"Jos\xe9")  # line 1501
    path.write_bytes(b"\n".join(lines))
    items, _ = read_all(path, renderer)
    bad = [r for r in items if isinstance(r, InvalidRow)]
    assert [(r.line, r.field) for r in bad] == [(1501, "line")]
    assert "not UTF-8 text at character" in bad[0].reason
    assert len(items) == 1598


def test_a_file_of_another_encoding_names_the_first_line_that_is_not_utf8(tmp_path,
                                                                         renderer):
    body = [f"{phone(n)},es,Person {n}" for n in range(2, 1600)]
    body[1499] = f"{phone(0)},es,José"  # line 1501
    path = tmp_path / "people.csv"
    path.write_bytes(("phone,language,name\n" + "\n".join(body) + "\n").encode("cp1252"))
    rows = read_recipients(path, renderer.languages, region="MX")
    names = {r.line: r.name for r in rows}
    assert len(names) == 1598 and names[1501] == "José"
    assert rows.tally.encoding == "Windows-1252"
    assert rows.tally.notices[0].startswith("not UTF-8 (byte 0xE9 on line 1501): read as "
                                            "Windows-1252")


def test_lone_carriage_returns_end_lines(tmp_path, renderer):
    path = tmp_path / "mac.csv"
    path.write_bytes(f"phone,language\r{phone(1)},es\r\r{phone(2)},ht\r".encode())
    items, tally = read_all(path, renderer)
    assert [r.line for r in items] == [2, 4] and tally.blank_lines == 1


def test_rows_of_empty_cells_are_blank_lines(tmp_path, renderer):
    path = tmp_path / "people.csv"
    path.write_text(f"phone,language,name\n{phone(1)},es,a\n,,\n\n ,, \n", encoding="utf-8")
    items, tally = read_all(path, renderer)
    assert len(items) == 1 and tally.blank_lines == 3 and tally.rows == 1


@pytest.mark.parametrize("header, message", [
    ("phone,language,Phone", "2 phone columns (column 1 'phone' and column 3 'Phone')"),
    ("phone,language,language", "2 language columns (column 2 'language' and column 3 "
                                "'language')"),
    ("teléfono;idioma;celular", "2 phone columns (column 1 'teléfono' and column 3 "
                                "'celular')"),
])
def test_a_duplicate_column_is_an_error(tmp_path, renderer, header, message):
    path = tmp_path / "people.csv"
    path.write_text(f"{header}\n{phone(1)},es,es\n", encoding="utf-8")
    with pytest.raises(RecipientsError, match=re.escape(message)) as info:
        list(read_recipients(path, renderer.languages, region="MX"))
    assert info.value.line == 1


# -- the summary, and lists that can be read only once ------------------------------------

def _send(runner, recipients: str, *extra, stdin=None):
    return runner.invoke(cli, ["send", "early_warning", "--scenario", "hurricane-tapachula",
                               "--recipients", recipients, *extra], input=stdin)


def _list_text() -> str:
    return ("phone,language,name\n"
            f"{phone(1)},es,Ana\n"
            f'{phone(2)},ht,"Bea\nBaptiste"\n'
            "\n"
            f"{phone(1)},es,Ana again\n"
            f'{phone(3)},fr,"Carl\n'
            "12345,es,wrong\n")


def test_the_summary_accounts_for_every_line(tmp_path, runner):
    path = tmp_path / "people.csv"
    path.write_text(_list_text(), encoding="utf-8")
    result = _send(runner, str(path))
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert (f"List {path} (UTF-8, comma): 8 line(s) = 1 header + 5 row(s) + 1 blank + 1 more "
            "line(s) inside 1 row(s) that span lines") in err
    assert "  5 row(s) = 3 recipient(s) + 1 duplicate(s) collapsed + 1 invalid" in err
    assert "lines 3-4: name: one row on 2 lines" in err
    assert "line 6: phone: duplicate of line 2" in err
    assert "line 7: name: a quote (\") that never closes" in err
    assert "line 8: phone: not a valid phone number: '12345'" in err


def test_the_summary_in_json(tmp_path, runner):
    path = tmp_path / "people.csv"
    path.write_text(_list_text(), encoding="utf-8")
    result = _send(runner, str(path), "--format", "json", "--outbox", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["list"]
    assert {k: data[k] for k in ("physical_lines", "header_lines", "blank_lines", "rows",
                                 "continuation_lines", "invalid_rows")} == {
        "physical_lines": 8, "header_lines": 1, "blank_lines": 1, "rows": 5,
        "continuation_lines": 1, "invalid_rows": 1}
    assert [(n["kind"], n["line"], n["last_line"]) for n in data["notes"]] == [
        ("spans_lines", 3, 4), ("stray_quote", 7, 7)]


def test_recipients_from_standard_input(runner, tmp_path):
    result = _send(runner, "-", "--format", "json", "--outbox", str(tmp_path),
                   stdin=_list_text())
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["recipients"] == 3 and data["list"]["path"] == "<stdin>"


def _emsg(args, **kwargs):
    return subprocess.run([sys.executable, "-m", "messaging.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, **kwargs)


SEND = ["send", "early_warning", "--scenario", "hurricane-tapachula", "--format", "json",
        "--outbox"]


@pytest.mark.skipif(not Path("/dev/stdin").exists(), reason="no /dev/stdin on this system")
def test_recipients_from_dev_stdin_through_a_pipe(tmp_path):
    """A pipe is read once: the campaign's fingerprint and the rows see the same bytes."""
    proc = _emsg([*SEND, str(tmp_path), "--recipients", "/dev/stdin", "--journal",
                  str(tmp_path / "j.sqlite")], input=_list_text())
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["recipients"] == 3 and data["list"]["physical_lines"] == 8


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_recipients_from_a_named_pipe(tmp_path):
    fifo = tmp_path / "people.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as f:
            f.write(_list_text())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    proc = _emsg([*SEND, str(tmp_path), "--recipients", str(fifo)])
    writer.join(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["recipients"] == 3
