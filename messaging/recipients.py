"""Read a recipients CSV, one row at a time: phone numbers to E.164, languages resolved.

The file needs a ``phone`` column and usually a ``language`` column; a ``name`` column is
kept for ``emsg export``, and ``group`` and any other column are ignored. UTF-8 with or
without a byte-order mark. Rows are streamed: a file of a million rows is never held in
memory, and duplicates are collapsed by whoever stores the rows (the campaign journal has a
unique index on the phone number).

A bad row is not fatal: :func:`read_recipients` yields an :class:`InvalidRow` naming its
line, field and reason, and goes on. A file that cannot be read as CSV at all (missing,
not UTF-8, binary, no ``phone`` column, empty) raises :class:`RecipientsError`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .languages import LanguageRegistry

#: Columns we read; any other column is ignored.
PHONE, LANGUAGE, NAME = "phone", "language", "name"


class RecipientsError(InputError):
    """The recipients file as a whole cannot be read."""


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

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


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
        if not pn.is_valid_number(number):
            raise ValueError(f"not a valid phone number: {raw!r}")
        # format_number(E164) spelled out: twice as fast, and this runs a million times.
        zeros = "0" * (number.number_of_leading_zeros or 1) if number.italian_leading_zero \
            else ""
        return f"+{number.country_code}{zeros}{number.national_number}"


def read_recipients(path: str | Path, languages: LanguageRegistry, *,
                    region: str | None = None) -> Iterator[Recipient | InvalidRow]:
    """Yield each data row as a :class:`Recipient` or an :class:`InvalidRow`.

    Line numbers are the file's physical lines (the header is line 1), as an editor shows
    them. Duplicates are not removed here.
    """
    name = str(path)
    parser = PhoneParser(region)
    resolved: dict[str, tuple[str, bool]] = {}
    try:
        stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except FileNotFoundError:
        raise RecipientsError("file not found", path=name) from None
    except IsADirectoryError:
        raise RecipientsError("is a folder, not a CSV file", path=name) from None
    except OSError as exc:
        raise RecipientsError(f"cannot read file ({exc.strerror})", path=name) from None
    with stream:
        reader = csv.reader(stream)
        try:
            header = _header(reader, name)
            phone_at = header.index(PHONE)
            lang_at = header.index(LANGUAGE) if LANGUAGE in header else None
            name_at = header.index(NAME) if NAME in header else None
            width = max(phone_at, lang_at or 0) + 1
            line = reader.line_num
            for row in reader:
                start, line = line + 1, reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if len(row) < width:
                    yield InvalidRow(start, PHONE if len(row) <= phone_at else LANGUAGE, "",
                                     f"row has {len(row)} column(s), the header {len(header)}")
                    continue
                raw_phone = row[phone_at]
                try:
                    phone = parser.parse(raw_phone)
                except ValueError as exc:
                    yield InvalidRow(start, PHONE, raw_phone, str(exc))
                    continue
                asked = row[lang_at].strip() if lang_at is not None else ""
                if asked not in resolved:
                    resolved[asked] = languages.resolve(asked or None)
                language, fell_back = resolved[asked]
                who = row[name_at].strip() if name_at is not None and name_at < len(row) else ""
                yield Recipient(start, phone, language, asked, fell_back, who)
        except UnicodeDecodeError as exc:
            raise RecipientsError(f"not UTF-8 text ({exc.reason} after line "
                                  f"{reader.line_num}); save it as CSV UTF-8",
                                  path=name) from None
        except csv.Error as exc:
            raise RecipientsError(f"not a CSV file ({exc})", path=name,
                                  line=reader.line_num + 1) from None


def _header(reader, name: str) -> list[str]:
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            break
    else:
        raise RecipientsError("empty file: expected a header row with 'phone' and "
                              "'language' columns", path=name)
    if PHONE not in header:
        shown = ", ".join(repr(h) for h in header[:8]) + (" ..." if len(header) > 8 else "")
        raise RecipientsError(f"no 'phone' column in the header (found {shown}); is this a "
                              "recipients CSV?", path=name, line=reader.line_num,
                              field=PHONE)
    return header


def file_digest(path: str | Path) -> str:
    """SHA-256 of the file: a resumed campaign checks that its recipients did not change."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        raise RecipientsError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise RecipientsError("is a folder, not a CSV file", path=str(path)) from None
    except OSError as exc:
        raise RecipientsError(f"cannot read file ({exc.strerror})", path=str(path)) from None
    return digest.hexdigest()
