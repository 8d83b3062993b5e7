"""Protective actions: what people must do, per hazard and phase, from ``hazards.toml``.

The data lives beside the templates (``message_templates/hazards.toml``) because it is
content, written and translated like the templates: every action is a whole sentence, a
gettext msgid with the context ``action:<hazard>:<phase>``, a translator note and the public
guidance it follows. :func:`extract` is the Babel extractor ``babel.cfg`` names for that
file; it yields exactly the (context, msgid) pairs the renderer asks for, so extraction
mirrors the runtime as it does for the templates.

A hazard also says whether it is forecast before it strikes (:func:`forecastable`): an early
warning for an earthquake, which strikes without a forecast, is a warning of aftershocks
issued after the fact, and says so.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .catalogs import placeholders
from .errors import TemplateError
from .glossary import HAZARDS
from .message_types import PHASES

DATA_FILE = "hazards.toml"
#: the early warning's time sentences: when it is expected, when it struck, what follows
ONSET_PARTS = ("expected", "struck", "then")
#: the only placeholder a time sentence may use
ONSET_PLACEHOLDER = "onset"


@dataclass(frozen=True)
class Sentence:
    """One translatable sentence of the hazard data."""

    context: str
    text: str
    comment: str
    line: int
    #: the public guidance an action follows ("" for time sentences)
    follows: str = ""
    #: the action that leads the SMS and is repeated in voice
    key: bool = False


@dataclass(frozen=True)
class Hazard:
    key: str
    forecast: bool
    #: phase → its actions, the key action first
    actions: dict[str, tuple[Sentence, ...]]
    #: "expected" / "struck" / "then" → sentence
    onset: dict[str, Sentence] = field(default_factory=dict)

    def key_action(self, phase: str) -> Sentence:
        return self.actions[phase][0]

    def struck(self, onset: dt.datetime | None, issued: dt.datetime | None) -> bool:
        """Whether an early warning speaks of the hazard as having struck.

        Only a hazard that strikes without a forecast can have struck before the warning
        was issued; one with no "expected" sentence (an earthquake) always has. A forecast
        hazard whose onset is past is a chronology error, not a wording choice.
        """
        if self.forecast:
            return False
        if "expected" not in self.onset:
            return True
        return onset is not None and issued is not None and onset <= issued


@dataclass(frozen=True)
class HazardData:
    path: Path
    hazards: dict[str, Hazard]

    def get(self, key: str) -> Hazard:
        try:
            return self.hazards[key]
        except KeyError:
            raise TemplateError(f"no protective actions for hazard {key!r}",
                                path=str(self.path), field=key) from None

    def sentences(self) -> Iterator[Sentence]:
        """Every translatable sentence, in file order."""
        items = [s for h in self.hazards.values() for s in h.onset.values()]
        items += [a for h in self.hazards.values() for acts in h.actions.values() for a in acts]
        return iter(sorted(items, key=lambda s: s.line))


def action_context(hazard: str, phase: str) -> str:
    return f"action:{hazard}:{phase}"


def onset_context(hazard: str, part: str) -> str:
    return f"onset:{hazard}:{part}"


# -- reading and checking the file -------------------------------------------------------------

class _Lines:
    """Line numbers of the sentences, for error messages and the .pot's references."""

    _QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')

    def __init__(self, text: str) -> None:
        self.where: dict[str, list[int]] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if "text" in line:
                for m in self._QUOTED.finditer(line):
                    self.where.setdefault(m.group(0), []).append(number)

    def of(self, sentence: str) -> int:
        """The first line not yet claimed that holds ``sentence`` as a TOML string; 0 if none."""
        quoted = '"' + sentence.replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines = self.where.get(quoted)
        return lines.pop(0) if lines else 0


def _sentence(spec: object, context: str, where: str, path: Path, lines: _Lines, *,
              action: bool) -> Sentence:
    def fail(reason: str, line: int | None = None) -> TemplateError:
        return TemplateError(reason, path=str(path), line=line, field=where)

    if not isinstance(spec, dict):
        raise fail("must be a table with text and comment")
    text = spec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail("needs a text: one whole sentence")
    line = lines.of(text)
    if text != " ".join(text.split()) or text[-1] not in ".!?":
        raise fail("text must be one sentence on one line, ending with a full stop", line)
    bare = re.sub(r"%\(\w+\)s", "", text)
    if "(" in bare or ")" in bare:
        raise fail("no parentheses: they cannot be read aloud", line)
    comment = spec.get("comment")
    if not isinstance(comment, str) or not comment.strip():
        raise fail("needs a comment for translators", line)
    allowed = set() if action else {ONSET_PLACEHOLDER}
    stray = "%" in bare.replace("%%", "")
    if stray or placeholders(text) - allowed:
        only = ", ".join(f"%({n})s" for n in allowed) or "no placeholder"
        raise fail(f"may use only {only} (write a literal % as %%)", line)
    follows = spec.get("follows", "")
    if action:
        if not isinstance(follows, str) or not follows.strip():
            raise fail("needs follows: the public guidance the action follows", line)
        key = spec.get("key", False)
        if not isinstance(key, bool):
            raise fail("key must be true or false", line)
    else:
        key = False
    return Sentence(context, text, comment.strip(), line, str(follows).strip(), key)


def parse_hazards(text: str, path: Path) -> HazardData:
    """The hazard data in ``text`` (the contents of ``path``), checked; raises TemplateError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        raise TemplateError(f"not valid TOML ({exc})", path=str(path),
                            line=int(match.group(1)) if match else None) from None
    lines = _Lines(text)
    hazards: dict[str, Hazard] = {}
    for key in HAZARDS:
        if key not in data:
            raise TemplateError("no protective actions for this glossary hazard",
                                path=str(path), field=key)
    for key, spec in data.items():
        if key not in HAZARDS:
            raise TemplateError(f"not a hazard of the glossary ({', '.join(HAZARDS)})",
                                path=str(path), field=key)
        if not isinstance(spec, dict) or not isinstance(spec.get("forecast"), bool):
            raise TemplateError("forecast must be true or false", path=str(path),
                                field=f"{key}.forecast")
        unknown = set(spec) - {"forecast", *ONSET_PARTS, *PHASES}
        if unknown:
            raise TemplateError(f"unknown key(s) {', '.join(sorted(unknown))}", path=str(path),
                                field=key)
        onset = {part: _sentence(spec[part], onset_context(key, part), f"{key}.{part}", path,
                                 lines, action=False)
                 for part in ONSET_PARTS if part in spec}
        if spec["forecast"] and "expected" not in onset:
            raise TemplateError("a forecast hazard needs an expected sentence",
                                path=str(path), field=f"{key}.expected")
        if not spec["forecast"] and not {"struck", "then"} <= set(onset):
            raise TemplateError("a hazard that strikes without a forecast needs struck and "
                                "then sentences", path=str(path), field=key)
        for part, sentence in onset.items():
            if part != "then" and ONSET_PLACEHOLDER not in placeholders(sentence.text):
                raise TemplateError(f"must name the time: %({ONSET_PLACEHOLDER})s",
                                    path=str(path), line=sentence.line,
                                    field=f"{key}.{part}")
        actions: dict[str, tuple[Sentence, ...]] = {}
        for phase in PHASES:
            specs = spec.get(phase)
            if not isinstance(specs, list) or not specs:
                raise TemplateError("needs at least one action ([[...]] tables)",
                                    path=str(path), field=f"{key}.{phase}")
            parsed = [_sentence(s, action_context(key, phase), f"{key}.{phase}", path, lines,
                                action=True) for s in specs]
            keys = [a for a in parsed if a.key]
            if len(keys) != 1:
                raise TemplateError(f"exactly one action must have key = true (found "
                                    f"{len(keys)})", path=str(path), field=f"{key}.{phase}")
            texts = [a.text for a in parsed]
            if len(set(texts)) != len(texts):
                raise TemplateError("the same action twice", path=str(path),
                                    field=f"{key}.{phase}")
            actions[phase] = (keys[0], *[a for a in parsed if not a.key])
        hazards[key] = Hazard(key, spec["forecast"], actions, onset)
    return HazardData(path, hazards)


def load_hazards(templates_dir: Path | str) -> HazardData:
    """The protective actions of a templates folder (``<dir>/hazards.toml``)."""
    path = Path(templates_dir) / DATA_FILE
    return _load(path, *_stamp(path))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise TemplateError("protective actions file not found", path=str(path)) from None
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=8)
def _load(path: Path, mtime: int, size: int) -> HazardData:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read file ({exc})", path=str(path)) from None
    return parse_hazards(text, path)


def forecastable(hazard: str, templates_dir: Path | str | None = None) -> bool:
    """Whether ``hazard`` (a glossary key) is forecast before it strikes.

    ``False`` for an earthquake (and, in the bundled data, a landslide): its onset can
    rightly be before the warning is issued. ``templates_dir`` defaults to the bundled one.
    """
    if templates_dir is None:
        from .resources import templates_dir as bundled

        templates_dir = bundled()
    return load_hazards(templates_dir).get(hazard).forecast


# -- Babel extraction ---------------------------------------------------------------------------

def extract(fileobj, keywords, comment_tags, options):
    """Babel extraction method for ``hazards.toml`` (named in ``babel.cfg``).

    Yields ``(lineno, "pgettext", (context, msgid), comments)``: the translator note and
    the guidance an action follows become the entry's extracted comments.
    """
    raw = fileobj.read()
    text = raw.decode(options.get("encoding", "utf-8")) if isinstance(raw, bytes) else raw
    data = parse_hazards(text, Path(getattr(fileobj, "name", DATA_FILE)))
    for sentence in data.sentences():
        comments = [sentence.comment]
        if sentence.key:
            comments.append("Key action: it leads the SMS; keep it short.")
        if sentence.follows:
            comments.append(f"Follows: {sentence.follows}")
        yield sentence.line, "pgettext", (sentence.context, sentence.text), comments
