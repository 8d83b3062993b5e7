"""A typed fact as one audience reads it: one language, one channel, the event's place.

The parse side is :mod:`messaging.facts`; the forms are in :mod:`messaging.dates` (dates,
times, zones) and :mod:`messaging.phones`. Places, names and links are never translated;
hazards are translated by the renderer from the glossary; counts stay numbers, for
``ngettext`` to choose the plural form. Right-to-left isolation is applied to the whole
rendered text (:mod:`messaging.bidi`), not here, so that it also covers what translators
wrote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import dates, phones
from .catalogs import Catalog
from .dates import MissingWords, Words
from .languages import Language


@dataclass(frozen=True)
class Reader:
    """Who reads a message: its language, its channel, the language's words, and where
    the event is (its IANA time zone and its country, for the local phone form)."""

    language: Language
    channel: str
    words: Words
    timezone: str | None = None
    region: str | None = None


def format_value(kind: str, value: object, reader: Reader) -> object:
    """``value`` of variable type ``kind`` as ``reader`` reads it.

    Raises :class:`messaging.dates.MissingWords` when the language lacks a date word.
    """
    if value is None:
        return None
    if kind == "datetime":
        if not reader.timezone or not isinstance(value, dt.datetime):
            raise ValueError("a time needs the event's time zone (parse_facts checks it)")
        return dates.format_datetime(value, reader.language, reader.channel, reader.timezone,
                                     reader.words)
    if kind == "phone":
        if reader.channel == "voice":
            return phones.spoken(str(value), reader.words, reader.region)
        return phones.international(str(value))
    return value


@dataclass(frozen=True)
class CatalogWords:
    """One catalog's words (:class:`messaging.dates.Words`) outside a rendering."""

    catalog: Catalog | None
    source: bool = False

    def find(self, context: str, msgid: str) -> str | None:
        if self.source or self.catalog is None:
            return None
        entry = self.catalog.lookup(context, msgid)
        return entry.strings[0] if entry else None

    def text(self, context: str, msgid: str) -> str:
        if self.source:
            return msgid
        found = self.find(context, msgid)
        if found is None:
            raise MissingWords(context, msgid)
        return found
