"""A rendered message as the checks see it: the text, and where each fact reads in it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import bidi, dates
from ..facts import Facts
from ..formatting import Reader, format_value
from ..glossary import HAZARD_CONTEXT, HAZARDS
from ..languages import Language
from ..message_types import ACTIONS, MessageType
from ..rendering import Renderer, RenderResult

#: the elements of a warning, in the order research recommends
ELEMENTS = ("source", "hazard", "location", "guidance", "time")
#: the one documents sentence (``_macros.j2``), by the value of ``id_required``
DOCUMENTS = {
    True: "Bring an identity document if you have one.",
    False: "You do not need identity or migration documents.",
}


@dataclass(frozen=True)
class Message:
    """A rendered message and what its facts look like in its language and channel."""

    result: RenderResult
    #: each fact as this language and channel render it (whitespace as in the message)
    values: dict[str, str]
    #: each fact's variable type (``datetime``, ``phone`` ...)
    kinds: dict[str, str]
    #: each fact in a form that is the same in every language (ISO time, E.164, the link)
    canonical: dict[str, str]
    #: the exercise marker in the language the message is in ("SIMULACRO")
    marker: str
    #: variable name → design role, for the variables that have one
    roles: dict[str, str] = field(default_factory=dict)
    #: the documents sentence this message must carry, in its language (``None``: the
    #: type does not say whether help needs documents, so it must carry neither)
    documents: str | None = None
    #: the documents sentences it must not carry
    documents_not: tuple[str, ...] = ()
    #: the language the message is in (``result.language_used``)
    language: Language | None = None
    #: that language's weekday and month names by English msgid ("Tuesday" -> "madi")
    date_words: dict[str, str] = field(default_factory=dict)

    @property
    def written(self) -> str:
        """The text as written (for SMS: before smart encoding or accent folding)."""
        r = self.result
        return r.sms.raw.text if r.sms else r.text

    @property
    def text(self) -> str:
        """The text as written, without its bidirectional controls (the isolates around
        left-to-right runs in right-to-left text): what the words and facts are."""
        return bidi.strip(self.written)

    def positions(self) -> dict[str, int]:
        """Where each fact first appears in the text (a longer value claims its span first)."""
        return locate(self.text, {n: v for n, v in self.values.items() if n in self.kinds
                                  and self.kinds[n] != "bool"})

    def elements(self) -> dict[str, int | None]:
        """Design element → position of the first fact carrying it; ``None`` when absent.

        Elements no variable declares are left out: their presence cannot be checked.
        """
        found = self.positions()
        out: dict[str, int | None] = {}
        for role in ELEMENTS:
            names = [n for n, r in self.roles.items() if r == role]
            if names:
                hits = [found[n] for n in names if n in found]
                out[role] = min(hits) if hits else None
        return out


# -- locating facts in a text ----------------------------------------------------------------

def _ws(text: str) -> str:
    return " ".join(text.split())


_UNSPACED = "\u3040-\u9fff\uf900-\ufaff"


def _unspaced(char: str) -> bool:
    """A letter of a script written without spaces between words (Chinese, Japanese)."""
    return "\u3040" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _needle(value: str) -> re.Pattern[str]:
    """``value`` as a whole word; next to Chinese, where nothing separates words, a Latin
    name or a number ends where the Chinese begins ("前往Albergue Municipal。")."""
    pattern = re.escape(value)
    if value[:1].isalnum() and not _unspaced(value[0]):
        pattern = rf"(?<![^\W{_UNSPACED}])" + pattern
    if value[-1:].isalnum() and not _unspaced(value[-1]):
        pattern += rf"(?![^\W{_UNSPACED}])"
    return re.compile(pattern, re.IGNORECASE)


def locate(text: str, values: dict[str, str]) -> dict[str, int]:
    """First position of each value in ``text``; a value does not match inside another.

    ``Tapachula`` the area is not found inside ``Consulado de Guatemala en Tapachula`` the
    source: longer values claim their spans first.
    """
    claimed: list[tuple[int, int]] = []
    found: dict[str, int] = {}
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[1])):
        if not value:
            continue
        for m in _needle(value).finditer(text):
            if not any(m.start() < end and start < m.end() for start, end in claimed):
                found[name] = m.start()
                claimed.append(m.span())
                break
    return found


# -- building messages -----------------------------------------------------------------------

def translated(renderer: Renderer, language: str, msgid: str,
               context: str | None = None) -> str:
    """The catalog's translation of ``msgid`` in ``language`` (the msgid when none)."""
    catalog = renderer.catalog(language)
    entry = catalog.lookup(context, msgid) if catalog else None
    return entry.strings[0] if entry else msgid


def exercise_marker(renderer: Renderer, language: str) -> str:
    """The catalog's translation of "EXERCISE" in ``language`` (English when none)."""
    return translated(renderer, language, "EXERCISE")


def hazard_term(renderer: Renderer, language: str, key: str) -> str:
    return translated(renderer, language, HAZARDS.get(key, key), HAZARD_CONTEXT)


def describe(renderer: Renderer, message_type: MessageType, facts: Facts,
             result: RenderResult) -> Message:
    """A :class:`Message`: the result plus each fact as it reads in the result's language."""
    used = result.language_used
    reader = Reader(renderer.languages.get(used), result.channel, renderer.words(used),
                    facts.timezone, facts.region)
    values: dict[str, str] = {}
    canonical: dict[str, str] = {}
    for name, value in facts.values.items():
        kind = facts.types[name]
        if value is None or kind == "bool":
            continue
        if kind == "hazard":
            shown: object = hazard_term(renderer, used, str(value))
        else:
            shown = format_value(kind, value, reader)
        values[name] = _ws(str(shown))
        canonical[name] = value.isoformat() if kind == "datetime" else str(value)  # type: ignore[attr-defined]
    kinds = dict(facts.types)
    roles = {name: role for role, names in message_type.roles(result.channel).items()
             for name in names}
    hazards = [str(v) for n, v in facts.values.items() if facts.types[n] == "hazard"]
    if ACTIONS in roles and hazards:
        key = renderer.hazards().get(hazards[0]).key_action(message_type.actions.phase)  # type: ignore[union-attr]
        values[ACTIONS] = _ws(translated(renderer, used, key.text, key.context))
        canonical[ACTIONS] = key.text
        kinds[ACTIONS] = "action"
    documents, documents_not = None, tuple(translated(renderer, used, s)
                                           for s in DOCUMENTS.values())
    if "id_required" in message_type.variables:
        wanted = bool(facts.values.get("id_required"))
        documents = translated(renderer, used, DOCUMENTS[wanted])
        documents_not = (translated(renderer, used, DOCUMENTS[not wanted]),)
    return Message(result, values, kinds, canonical, exercise_marker(renderer, used), roles,
                   documents, documents_not, reader.language,
                   dates.vocabulary(reader.language, reader.words))
