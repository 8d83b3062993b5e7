"""The protective actions as a template sees them: sentences translated when printed.

The renderer puts two objects in a template's context. ``actions`` is the hazard's
protective actions for the message type's phase (``actions.key`` the most important one,
iterating gives them all, key first). ``hazard_time`` is the early warning's time line:
``hazard_time.sentence`` says when the hazard is expected, or, for a hazard that struck
without a forecast, when it struck, and then ``hazard_time.struck`` is true and
``hazard_time.then`` says what follows (aftershocks, more slides).

Each sentence is translated through the renderer's strict gettext only when the template
prints it: a missing or broken translation then re-renders the whole message in the next
language of the chain, exactly as for a ``{% trans %}`` block, and only the sentences a
message shows count as its unreviewed (fuzzy) strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from .errors import ScenarioError
from .protective_actions import Hazard, HazardData, Sentence

if TYPE_CHECKING:
    from .facts import Facts
    from .message_types import MessageType

Translate = Callable[[str, str], str]


class LazySentence:
    """One sentence of the hazard data; ``str()`` translates and fills in the facts."""

    __slots__ = ("_translate", "_sentence", "_values")

    def __init__(self, translate: Translate, sentence: Sentence,
                 values: Mapping[str, object]) -> None:
        self._translate, self._sentence, self._values = translate, sentence, values

    def __str__(self) -> str:
        # As Jinja's new-style gettext does: always %-format, so "%%" is a literal "%".
        return self._translate(self._sentence.context, self._sentence.text) % self._values

    def __repr__(self) -> str:
        return f"LazySentence({self._sentence.context!r}, {self._sentence.text!r})"


class ActionList:
    """The protective actions of one hazard and phase, the key one first."""

    def __init__(self, sentences: list[LazySentence]) -> None:
        self._sentences = sentences

    @property
    def key(self) -> LazySentence:
        return self._sentences[0]

    def __iter__(self) -> Iterator[LazySentence]:
        return iter(self._sentences)

    def __len__(self) -> int:
        return len(self._sentences)

    def __getitem__(self, index):  # an index or a slice ("actions[:2]" in a template)
        return self._sentences[index]


class HazardTime:
    """The early warning's time line for one hazard."""

    def __init__(self, struck: bool, sentence: LazySentence, then: LazySentence | str) -> None:
        self.struck, self.sentence, self.then = struck, sentence, then


def action_list(hazard: Hazard, phase: str, translate: Translate,
                values: Mapping[str, object]) -> ActionList:
    return ActionList([LazySentence(translate, a, values) for a in hazard.actions[phase]])


def hazard_time(hazard: Hazard, onset: dt.datetime | None, issued: dt.datetime | None,
                translate: Translate, values: Mapping[str, object]) -> HazardTime:
    """``expected`` for a forecast hazard; ``struck`` + ``then`` for one that struck."""
    struck = hazard.struck(onset, issued)
    if struck and "expected" not in hazard.onset and onset and issued and onset > issued:
        term = hazard.key.replace("_", " ")
        article = "an" if term[:1] in "aeiou" else "a"
        raise ScenarioError(f"{onset.isoformat()} is after issued ({issued.isoformat()}), "
                            f"but {article} {term} strikes without a forecast: onset must be "
                            "when it struck", field="onset")
    if struck:
        return HazardTime(True, LazySentence(translate, hazard.onset["struck"], values),
                          LazySentence(translate, hazard.onset["then"], values))
    return HazardTime(False, LazySentence(translate, hazard.onset["expected"], values), "")


def guidance_context(hazards: Callable[[], HazardData], message_type: MessageType,
                     facts: Facts, translate: Translate,
                     values: Mapping[str, object]) -> dict[str, object]:
    """What a template of ``message_type`` gets: ``actions`` when the type names a phase,
    ``hazard_time`` when it has an onset; nothing for a type without a hazard."""
    keys = [str(v) for n, v in facts.values.items() if facts.types[n] == "hazard"]
    wants_time = "onset" in facts.values
    if not keys or not (message_type.actions or wants_time):
        return {}
    hazard = hazards().get(keys[0])
    out: dict[str, object] = {}
    if message_type.actions:
        out["actions"] = action_list(hazard, message_type.actions.phase, translate, values)
    if wants_time:
        onset, issued = facts.values["onset"], facts.values.get("issued")
        out["hazard_time"] = hazard_time(hazard, onset, issued,  # type: ignore[arg-type]
                                         translate, values)
    return out
