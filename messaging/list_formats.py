"""Where a recipients list comes from and how its bytes become lines.

This module knows files, not recipients: a :class:`ListSource` is what the user named
(a path, ``-`` for standard input, ``/dev/stdin``, a pipe), copied once into a temporary
file when it cannot be read twice, so that the campaign's fingerprint and the reader see
the same bytes. :func:`physical_lines` turns a text file into its physical lines, as an
editor numbers them, each decoded on its own so that a bad byte, a NUL or an oversize line
costs that line only and is reported with its number. :mod:`messaging.recipients` makes
rows of them.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

#: a physical line longer than this (in characters) is reported, not parsed: a recipients
#: row is a few dozen characters, and Excel's cells stop at 32,767
MAX_LINE = 65_536

#: a quoted field may hold line breaks (an address typed with Alt+Enter), but one row
#: spanning more physical lines than this is a quote that never closed
MAX_SPAN = 20

_CHUNK = 1 << 20
#: magic numbers of files people pick by mistake instead of the CSV
_NOT_TEXT = [
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (.xls) or other OLE2 file: save it as .xlsx or CSV"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
]


class RecipientsError(InputError):
    """The recipients file as a whole cannot be read (missing, binary, not text)."""


@dataclass(frozen=True)
class PhysicalLine:
    number: int
    text: str  # with its line terminator, if it had one
    problem: str | None = None  # why this line cannot be read, if it cannot


class ListSource(os.PathLike):
    """A recipients list as the user named it, backed by a regular file read as often
    as needed (the file itself, or a copy of standard input or a pipe, made once)."""

    def __init__(self, name: str, path: Path, sha256: str | None = None) -> None:
        self.name = name
        self.path = path
        self._sha256 = sha256

    @classmethod
    def open(cls, arg: str | os.PathLike) -> ListSource:
        if isinstance(arg, ListSource):
            return arg
        text = os.fspath(arg)
        if text == "-":
            return cls._spool("<stdin>", sys.stdin.buffer)
        try:
            mode = os.stat(text).st_mode
        except FileNotFoundError:
            raise RecipientsError("file not found", path=text) from None
        except OSError as exc:
            raise RecipientsError(f"cannot read file ({exc.strerror})", path=text) from None
        if stat.S_ISDIR(mode):
            raise RecipientsError("is a folder, not a recipients list", path=text)
        if stat.S_ISREG(mode):
            return cls(text, Path(text))
        try:  # /dev/stdin, a FIFO, <(process substitution): readable once
            with open(text, "rb") as stream:
                return cls._spool(text, stream)
        except OSError as exc:
            raise RecipientsError(f"cannot read file ({exc.strerror})", path=text) from None

    @classmethod
    def _spool(cls, name: str, stream) -> ListSource:
        import hashlib

        digest = hashlib.sha256()
        fd, temp = tempfile.mkstemp(prefix="emsg-list-", suffix=".spool")
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        source = cls(name, Path(temp), digest.hexdigest())
        weakref.finalize(source, _unlink, temp)
        return source

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"ListSource({self.name!r})"

    @property
    def stem(self) -> str:
        return Path(self.name.strip("<>")).stem

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def sha256(self) -> str:
        if self._sha256 is None:
            import hashlib

            digest = hashlib.sha256()
            with self._open() as f:
                for chunk in iter(lambda: f.read(_CHUNK), b""):
                    digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256

    def _open(self):
        try:
            return open(self.path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            raise RecipientsError("file not found", path=self.name) from None
        except IsADirectoryError:
            raise RecipientsError("is a folder, not a recipients list", path=self.name) from None
        except OSError as exc:
            raise RecipientsError(f"cannot read file ({exc.strerror})", path=self.name) from None

    def head(self, size: int = 8192) -> bytes:
        with self._open() as f:
            return f.read(size)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@dataclass(frozen=True)
class TextEncoding:
    """How a text list is decoded, and what to tell the user about it (or ``None``)."""

    codec: str  # a Python codec name
    label: str  # as shown: "UTF-8", "UTF-8 with BOM", "UTF-16", "Windows-1252"
    notice: str | None = None

    @property
    def name(self) -> str:
        """"UTF-8" for both UTF-8 labels: what a bad byte is not."""
        return self.label.split(" with ")[0]


def check_text(source: ListSource, head: bytes) -> None:
    """Refuse a file that is plainly not text, naming what it looks like."""
    for magic, what in _NOT_TEXT:
        if head.startswith(magic):
            raise RecipientsError(f"not a text file: this looks like {what}", path=source.name)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if head.count(b"\x00") > max(2, len(head) // 100):
        raise RecipientsError("not a text file (binary data, NUL bytes); save the list as "
                            "CSV UTF-8", path=source.name)


def detect_encoding(source: ListSource, head: bytes) -> TextEncoding:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise Windows-1252 (what Excel
    on Windows saves as "CSV"), with a notice naming the first line that is not UTF-8.

    A file with valid UTF-8 before its first bad byte is damaged UTF-8, not Windows-1252:
    it is read as UTF-8 and each bad line is reported as an invalid row.
    """
    if head.startswith(codecs.BOM_UTF8):
        label, codec = "UTF-8 with BOM", "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextEncoding("utf-16", "UTF-16")
    else:
        label, codec = "UTF-8", "utf-8"
    bad = _first_bad_utf8(source)
    if bad is None:
        return TextEncoding(codec, label)
    line, byte, saw_utf8 = bad
    if saw_utf8:  # physical_lines reports each bad line
        return TextEncoding(codec, label)
    return TextEncoding("cp1252", "Windows-1252", notice=(
        f"not UTF-8 (byte 0x{byte:02X} on line {line}): read as Windows-1252, as Excel "
        "saves CSV on Windows; if names look wrong, save the list as CSV UTF-8"))


def _first_bad_utf8(source: ListSource) -> tuple[int, int, bool] | None:
    """(line, byte, whether valid non-ASCII UTF-8 came before it), or None if all is UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines = 0
    saw_non_ascii = False
    with source._open() as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # the decoder may hold back up to 3 bytes of the previous chunk
                start = max(exc.start, 0)
                before = chunk[:start]
                line = newlines + _line_ends(before) + 1
                saw = saw_non_ascii or not before.isascii()
                return line, chunk[start] if start < len(chunk) else 0, saw
            newlines += _line_ends(chunk)
            saw_non_ascii = saw_non_ascii or not chunk.isascii()
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return newlines + 1, 0, saw_non_ascii
    return None


DELIMITERS = ",;\t"


def sniff_delimiter(lines: list[str], is_header: Callable[[list[str]], bool]) -> str:
    """Comma, semicolon (Excel's CSV where the decimal mark is a comma: Spanish, French,
    Portuguese) or tab, as :class:`csv.Sniffer` reads the first lines; the header row has
    the last word, since it must name a phone column."""
    sample = "".join(lines)
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = ","
    header = next((line for line in lines if line.strip()), "").rstrip("\r\n")
    for delimiter in dict.fromkeys([guess, *DELIMITERS]):
        if is_header(next(csv.reader([header], delimiter=delimiter), [])):
            return delimiter
    return guess


def _line_ends(data: bytes) -> int:
    """Line terminators in ``data``: ``\\n``, ``\\r\\n`` and a lone ``\\r``."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def physical_lines(source: ListSource, encoding: TextEncoding) -> Iterator[PhysicalLine]:
    """Every physical line of a text list, numbered from 1, with its problem if it has one.

    Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (older Excel for Mac), as editors
    count them. A line that does not decode, holds a NUL or is longer than
    :data:`MAX_LINE` is still yielded (so that it is counted and reported), with
    ``problem`` saying why it cannot be read.
    """
    raw = source._open()
    # errors="replace": a bad byte becomes U+FFFD on its own line, which is reported.
    stream = io.TextIOWrapper(raw, encoding=encoding.codec, errors="replace", newline="")
    number = 0
    with stream:
        while True:
            text = stream.readline(MAX_LINE)
            if not text:
                return
            number += 1
            if len(text) >= MAX_LINE and not text.endswith("\n"):
                while text and not text.endswith(("\n", "\r")):  # skip the rest of it
                    text = stream.readline(MAX_LINE)
                yield PhysicalLine(number, "", f"line longer than {MAX_LINE:,} characters "
                                               "(a quote never closed, or not a list)")
                continue
            if "\ufffd" in text:
                at = text.find("\ufffd") + 1
                yield PhysicalLine(number, text, f"not {encoding.name} text at character "
                                                 f"{at} (a byte that is not {encoding.name})")
            elif "\x00" in text:
                yield PhysicalLine(number, text, "a NUL byte (\\0) in the line; is this a "
                                                 "text file?")
            else:
                yield PhysicalLine(number, text)


@dataclass(frozen=True)
class Record:
    """One row as read: its physical lines, cells, and why it cannot be read if not."""

    first: int
    last: int
    cells: list[str] | None
    problem: str | None = None
    stray_quote: bool = False


def csv_records(lines: Iterator[PhysicalLine], delimiter: str,
             looks_like_row: Callable[[list[str]], bool]) -> Iterator[Record]:
    """Physical lines → rows. A line whose quoted field is still open at its end is joined
    with the next ones (at most :data:`MAX_SPAN` lines) while the result parses as one
    row; when it never does, or when the lines it would swallow are rows of their own,
    the quote is a stray one: that line is read with quotes as ordinary characters and
    the lines after it are read as usual."""
    strict = {"delimiter": delimiter, "quotechar": '"', "doublequote": True, "strict": True}
    literal = {"delimiter": delimiter, "quoting": csv.QUOTE_NONE}
    pending: list[PhysicalLine] = []  # lines put back, next one last

    def parse(text: str, dialect: dict) -> list[str]:
        return next(csv.reader([text.rstrip("\r\n")], **dialect), [])

    while True:
        line = pending.pop() if pending else next(lines, None)
        if line is None:
            return
        if line.problem:
            yield Record(line.number, line.number, None, line.problem)
            continue
        text = line.text
        if '"' not in text:
            yield Record(line.number, line.number, text.rstrip("\r\n").split(delimiter))
            continue
        try:
            yield Record(line.number, line.number, parse(text, strict))
            continue
        except csv.Error as exc:
            still_open = "unexpected end of data" in str(exc)
        span = [line]
        joined = text
        cells = None
        while still_open and len(span) < MAX_SPAN:
            nxt = pending.pop() if pending else next(lines, None)
            if nxt is None:
                break
            if nxt.problem:
                pending.append(nxt)
                break
            span.append(nxt)
            joined += nxt.text
            try:
                cells = parse(joined, strict)
                break
            except csv.Error as exc:
                still_open = "unexpected end of data" in str(exc)
        if cells is not None and not any(looks_like_row(parse(p.text, literal))
                                         for p in span[1:]):
            yield Record(line.number, span[-1].number, cells)
            continue
        pending.extend(reversed(span[1:]))
        yield Record(line.number, line.number, parse(text, literal), stray_quote=True)


XLSX_MAGIC = b"PK\x03\x04"


def xlsx_records(source: ListSource) -> Iterator[Record]:
    """The first sheet of an Excel workbook, one :class:`Record` per sheet row (numbered as
    Excel numbers them). Numbers Excel stored as numbers (a phone typed without ``+``)
    come back as their digits, never as ``5.2196e+12``."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    stream = source._open()  # a file object: openpyxl would refuse a spool's file name
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        stream.close()
        raise RecipientsError(f"not a readable .xlsx workbook ({exc}); save it as .xlsx or "
                              "CSV UTF-8", path=source.name) from None
    try:
        if not book.worksheets:
            raise RecipientsError("the workbook has no sheet", path=source.name)
        sheet = book.worksheets[0]
        first = sheet.min_row or 1
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=first):
            yield Record(number, number, [_cell_text(v) for v in values])
    finally:
        book.close()
        stream.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
