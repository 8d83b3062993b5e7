"""Which column of a recipients list is which, from header names in the users' languages.

Offices write their headers in their own language: ``teléfono;idioma;nombre``,
``Celular``, ``WhatsApp``, ``Língua``. Each known header name below maps to one of the
columns emsg reads; names are compared without case, accents, spaces or punctuation
(``Teléfono móvil`` = ``telefonomovil``). Two columns of the same kind (``teléfono`` and
``celular``) are an error: emsg cannot know which number to text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .list_formats import RecipientsError

PHONE, LANGUAGE, NAME = "phone", "language", "name"

#: header names, as people write them, for each column emsg reads (docs/recipient-lists.md)
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    PHONE: ("phone", "phone number", "telephone", "tel", "mobile", "mobile phone", "cell",
            "cell phone", "WhatsApp", "teléfono", "número de teléfono", "celular",
            "número de celular", "móvil", "teléfono móvil", "telefone", "número de telefone",
            "téléphone", "numéro de téléphone", "portable", "telefòn", "nimewo telefòn"),
    LANGUAGE: ("language", "lang", "language code", "idioma", "lengua", "langue", "língua",
               "lingua", "lenga"),
    NAME: ("name", "full name", "nombre", "nombre completo", "nom", "nom complet", "nome",
           "nome completo", "non"),
}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in text if not unicodedata.combining(c)))


_KIND = {_key(name): kind for kind, names in COLUMN_NAMES.items() for name in names}


class ColumnsError(RecipientsError):
    """The header row cannot be used (no phone column, two of one kind)."""


@dataclass(frozen=True)
class Columns:
    """The header row: each cell as written, and where the columns emsg reads are."""

    names: list[str]
    phone: int
    language: int | None
    name: int | None

    @property
    def width(self) -> int:
        """Columns a row needs for the ones that must be there."""
        return max(self.phone, self.language or 0) + 1

    def label(self, index: int) -> str:
        """How a column is named in messages: its header as written, or "column N"."""
        return self.names[index] if index < len(self.names) and self.names[index] \
            else f"column {index + 1}"

    @classmethod
    def parse(cls, cells: list[str], *, path: str, line: int) -> Columns:
        names = [cell.strip() for cell in cells]
        found: dict[str, list[int]] = {PHONE: [], LANGUAGE: [], NAME: []}
        for index, cell in enumerate(names):
            kind = _KIND.get(_key(cell))
            if kind:
                found[kind].append(index)
        if not found[PHONE]:
            shown = ", ".join(repr(h) for h in names[:8]) + (" ..." if len(names) > 8 else "")
            raise ColumnsError(f"no 'phone' column in the header (found {shown}); is this a "
                               "recipients list? (docs/recipient-lists.md lists the header "
                               "names emsg knows)", path=path, line=line, field=PHONE)
        for kind, indexes in found.items():
            if len(indexes) > 1 and kind != NAME:
                shown = " and ".join(f"column {i + 1} {names[i]!r}" for i in indexes)
                raise ColumnsError(f"{len(indexes)} {kind} columns ({shown}): keep one, or "
                                   "rename the others", path=path, line=line, field=kind)
        return cls(names, found[PHONE][0], found[LANGUAGE][0] if found[LANGUAGE] else None,
                   found[NAME][0] if found[NAME] else None)

    @classmethod
    def matches(cls, cells: list[str]) -> bool:
        """Whether a row names a phone column: the header, when the delimiter is in doubt."""
        return any(_KIND.get(_key(cell)) == PHONE for cell in cells)
