"""Read a recipients list, one row at a time: phone numbers to E.164, languages resolved.

The list needs a ``phone`` column and usually a ``language`` column; a ``name`` column is
kept for ``emsg export``, and ``group`` and any other column are ignored. Rows are streamed:
a file of a million rows is never held in memory, and duplicates are collapsed by whoever
stores the rows (the campaign journal has a unique index on the phone number). How bytes
become physical lines is :mod:`messaging.list_formats`; this module makes rows of them and
checks each row.

No row is lost silently. A bad row is not fatal: :func:`read_recipients` yields an
:class:`InvalidRow` naming its line, field and reason, and goes on. A quoted field that
spans lines is one row (noted with its lines); a stray quote that never closes is read
as an ordinary character (noted), never allowed to swallow the rest of the file. The
list's :class:`ListTally` accounts for every physical line: header, blank, rows and the
extra lines of rows that span several. A file that cannot be read as a list at all
(missing, binary, no ``phone`` column, two of them, empty) raises
:class:`RecipientsError`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .errors import InputError
from .language_names import LanguageNames
from .languages import LanguageRegistry
from .list_columns import LANGUAGE, NAME, PHONE, Columns
from .list_formats import (
    XLSX_MAGIC,
    ListSource,
    RecipientsError,
    Record,
    check_text,
    csv_records,
    detect_encoding,
    physical_lines,
    sniff_delimiter,
    xlsx_records,
)

__all__ = ["PHONE", "LANGUAGE", "NAME", "InvalidRow", "ListSource", "ListTally", "PhoneParser",
           "Recipient", "RecipientList", "RecipientsError", "RowNote", "file_digest",
           "read_recipients"]

#: lines read to guess the delimiter
SNIFF_LINES = 50
#: notes of each kind kept for the report (all are counted)
KEEP_NOTES = 20


@dataclass(frozen=True)
class Recipient:
    line: int
    phone: str  # E.164
    language: str  # the language we render for (resolved)
    asked: str  # the language the row asked for, as written ("" if none)
    fell_back: bool  # the asked language is missing or unknown: resolved to another
    name: str = ""  # as written, if the list has a name column


@dataclass(frozen=True)
class InvalidRow:
    line: int
    field: str
    value: str
    reason: str
    last_line: int | None = None  # when the row spans physical lines

    def __str__(self) -> str:
        return f"{_where(self.line, self.last_line)}: {self.field}: {self.reason}"


@dataclass(frozen=True)
class RowNote:
    """Something the user should know about a row that was read (it is not invalid)."""

    line: int
    last_line: int
    kind: str  # "spans_lines", "stray_quote", "language", "landline"
    field: str
    value: str
    message: str
    language_used: str = ""  # for "language": what the row gets instead

    def __str__(self) -> str:
        return f"{_where(self.line, self.last_line)}: {self.field}: {self.message}"

    def to_dict(self) -> dict:
        data = {"line": self.line, "last_line": self.last_line, "kind": self.kind,
                "field": self.field, "value": self.value, "message": self.message}
        if self.language_used:
            data["language_used"] = self.language_used
        return data


def _where(line: int, last: int | None) -> str:
    return f"lines {line}-{last}" if last and last != line else f"line {line}"


@dataclass
class ListTally:
    """Where every physical line of the list went; filled while the rows are read.

    ``physical_lines == header_lines + blank_lines + rows + continuation_lines``, where
    ``rows`` counts every data row, valid or not, once, and ``continuation_lines`` the
    physical lines after the first of each row that spans several.
    """

    name: str
    format: str = "csv"
    encoding: str = ""
    delimiter: str = ","
    physical_lines: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    rows: int = 0
    continuation_lines: int = 0
    invalid: int = 0
    #: one-line notices about the file as a whole (how it was decoded)
    notices: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    notes: dict[str, list[RowNote]] = field(default_factory=dict)

    def note(self, note: RowNote) -> None:
        self.counts[note.kind] += 1
        kept = self.notes.setdefault(note.kind, [])
        if len(kept) < KEEP_NOTES:
            kept.append(note)

    @property
    def accounted(self) -> bool:
        return self.physical_lines == (self.header_lines + self.blank_lines + self.rows
                                       + self.continuation_lines)

    def to_dict(self) -> dict:
        return {
            "path": self.name, "format": self.format, "encoding": self.encoding,
            "delimiter": self.delimiter, "physical_lines": self.physical_lines,
            "header_lines": self.header_lines, "blank_lines": self.blank_lines,
            "rows": self.rows, "continuation_lines": self.continuation_lines,
            "invalid_rows": self.invalid, "notices": list(self.notices),
            "note_counts": dict(self.counts),
            "notes": [n.to_dict() for kept in self.notes.values() for n in kept],
        }


class PhoneParser:
    """Phone numbers → E.164 with phonenumbers, for one default region."""

    def __init__(self, region: str | None) -> None:
        import phonenumbers

        self._pn = phonenumbers
        self.region = region.upper() if region else None
        if self.region and self.region not in phonenumbers.SUPPORTED_REGIONS:
            raise InputError(f"unknown region {region!r} (an ISO 3166 code such as MX, GT)",
                             field="--region")

    def parse(self, raw: str) -> str:
        """E.164, or ``ValueError`` saying why not."""
        return self.parse_typed(raw)[0]

    def parse_typed(self, raw: str) -> tuple[str, bool]:
        """(E.164, whether it is a landline), or ``ValueError`` saying why not. A landline
        is phonenumbers' ``FIXED_LINE``; ``FIXED_LINE_OR_MOBILE`` (Mexico, the US: the
        number alone cannot tell) is not."""
        pn = self._pn
        text = raw.strip()
        if not text:
            raise ValueError("empty")
        try:
            number = pn.parse(text, self.region)
        except pn.NumberParseException as exc:
            reason = str(exc._msg).rstrip(".")
            if exc.error_type == pn.NumberParseException.INVALID_COUNTRY_CODE:
                reason = ("no country code; write +CC... or give --region"
                          if not text.startswith("+") else "unknown country code")
            raise ValueError(f"not a phone number: {raw!r}: {reason}") from None
        kind = pn.number_type(number)  # what is_valid_number computes, and its answer
        if kind == pn.PhoneNumberType.UNKNOWN:
            raise ValueError(f"not a valid phone number: {raw!r}")
        # format_number(E164) spelled out: twice as fast, and this runs a million times.
        zeros = "0" * (number.number_of_leading_zeros or 1) if number.italian_leading_zero \
            else ""
        return (f"+{number.country_code}{zeros}{number.national_number}",
                kind == pn.PhoneNumberType.FIXED_LINE)


def read_recipients(path: str | os.PathLike, languages: LanguageRegistry, *,
                    region: str | None = None, default_language: str | None = None,
                    default_why: str = "the default language") -> RecipientList:
    """The rows of a list, each a :class:`Recipient` or an :class:`InvalidRow`, as an
    iterator whose ``tally`` says where every physical line went once it is read.

    Line numbers are the file's physical lines (the header is line 1), as an editor shows
    them. Duplicates are not removed here. A row with a blank or unknown language gets
    ``default_language`` (English if none; ``default_why`` says why in the report) and is
    listed in the tally's notes.
    """
    return RecipientList(ListSource.open(path), LanguageNames(languages, default_language),
                         PhoneParser(region), default_why)


class RecipientList:
    """One pass over a list (an iterator); ``tally`` is complete after the pass."""

    def __init__(self, source: ListSource, names: LanguageNames, parser: PhoneParser,
                 default_why: str = "the default language") -> None:
        self.source = source
        self.names = names
        self.parser = parser
        self.default_why = default_why
        self.tally = ListTally(source.name)
        self._rows = self._read()

    def __iter__(self) -> RecipientList:
        return self

    def __next__(self) -> Recipient | InvalidRow:
        return next(self._rows)

    def _read(self) -> Iterator[Recipient | InvalidRow]:
        source, tally = self.source, self.tally
        head = source.head()
        header: Columns | None = None
        if head.startswith(XLSX_MAGIC):
            tally.format, tally.encoding, tally.delimiter = "xlsx", ".xlsx, first sheet", ""
            records = xlsx_records(source)
        else:
            check_text(source, head)
            encoding = detect_encoding(source, head)
            tally.encoding = encoding.label
            if encoding.notice:
                tally.notices.append(encoding.notice)
            first = physical_lines(source, encoding)
            sample = [line.text for line in islice(first, SNIFF_LINES) if not line.problem]
            first.close()
            tally.delimiter = sniff_delimiter(sample, Columns.matches)
            records = csv_records(physical_lines(source, encoding), tally.delimiter,
                                  lambda cells: header is not None and self._whole_row(
                                      cells, header))
        for rec in records:
            tally.physical_lines = rec.last
            if rec.cells is not None and not any(c.strip() for c in rec.cells):
                tally.blank_lines += 1
                continue
            if header is None:
                if rec.problem:
                    raise RecipientsError(f"header: {rec.problem}", path=source.name,
                                          line=rec.first)
                header = Columns.parse(rec.cells or [], path=source.name, line=rec.first)
                tally.header_lines = rec.last - rec.first + 1
                if header.language is None:
                    tally.notices.append(
                        f"no language column: every row gets {self.names.default} "
                        f"({self.default_why})")
                continue
            tally.rows += 1
            tally.continuation_lines += rec.last - rec.first
            item = self._row(rec, header)
            if isinstance(item, InvalidRow):
                tally.invalid += 1
            yield item
        if header is None:
            raise RecipientsError("empty file: expected a header row with 'phone' and "
                                  "'language' columns", path=source.name)

    def _row(self, rec: Record, header: Columns) -> Recipient | InvalidRow:
        last = rec.last if rec.last != rec.first else None
        if rec.problem:
            return InvalidRow(rec.first, "line", "", rec.problem, last)
        cells = rec.cells
        assert cells is not None
        if last:
            at = next((i for i, c in enumerate(cells) if "\n" in c or "\r" in c), 0)
            self.tally.note(RowNote(rec.first, rec.last, "spans_lines", header.label(at),
                                    cells[at][:80], f"one row on {rec.last - rec.first + 1} "
                                    "lines (a quoted field with line breaks)"))
        if rec.stray_quote:
            at = next((i for i, c in enumerate(cells) if '"' in c), 0)
            self.tally.note(RowNote(rec.first, rec.first, "stray_quote", header.label(at),
                                    cells[at][:80], 'a quote (") that never closes: read as '
                                    "an ordinary character"))
        if len(cells) < header.width:
            return InvalidRow(rec.first, PHONE if len(cells) <= header.phone else LANGUAGE,
                              "", f"row has {len(cells)} column(s), the header "
                                  f"{len(header.names)}", last)
        raw_phone = cells[header.phone]
        try:
            phone, landline = self.parser.parse_typed(raw_phone)
        except ValueError as exc:
            return InvalidRow(rec.first, PHONE, raw_phone, str(exc), last)
        if landline:
            self.tally.note(RowNote(rec.first, rec.last, "landline", header.label(header.phone),
                                    raw_phone, f"{phone} is a landline (phonenumbers: "
                                    "FIXED_LINE): kept, but an SMS to it will probably not "
                                    "arrive"))
        asked = cells[header.language].strip() if header.language is not None else ""
        found = self.names.resolve(asked)
        if found.how in ("blank", "unknown") and header.language is not None:
            what = "no language" if found.how == "blank" else f"unknown language {asked!r}"
            self.tally.note(RowNote(rec.first, rec.last, "language",
                                    header.label(header.language), asked,
                                    f"{what}: sent in {found.code} ({self.default_why})",
                                    found.code))
        who = cells[header.name].strip() if header.name is not None \
            and header.name < len(cells) else ""
        return Recipient(rec.first, phone, found.code, asked, found.fell_back, who)

    def _whole_row(self, cells: list[str], header: Columns) -> bool:
        """Whether ``cells``, one physical line read alone, is a whole recipient row: then
        a quote that would join it to the line before is a stray quote, not a line break
        inside a field."""
        if len(cells) != len(header.names):
            return False
        try:
            self.parser.parse(cells[header.phone])
        except ValueError:
            return False
        return True


def file_digest(path: str | os.PathLike | Path) -> str:
    """SHA-256 of the list: a resumed campaign checks that its recipients did not change.
    A list read from standard input or a pipe is hashed as it was copied, once."""
    return ListSource.open(path).sha256()
