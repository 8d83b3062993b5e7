"""Render a message type, in one language, for one channel, from the facts of an emergency.

Jinja2 renders with ``StrictUndefined`` (a missing value is an error, never a blank) and
the i18n extension with new-style gettext, exactly as ``babel.cfg`` extracts. Our gettext
callables are strict: a string that the language's catalog does not translate, or
translates with a broken placeholder, stops the rendering, and the whole message is
rendered again in the next language of the fallback chain. A message is therefore never a
patchwork of two languages, and ``language_used`` says which one it is in.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import bidi, encoding
from .action_context import guidance_context
from .catalogs import Catalog, catalog_path, load_catalog, template_path
from .dates import MissingWords
from .errors import CatalogError, InputError, RenderRefused, TemplateError, UnknownName
from .facts import Facts, check_fact_names, parse_facts
from .formatting import CatalogWords, Reader, format_value
from .glossary import HAZARD_CONTEXT, HAZARDS
from .languages import SOURCE_LANGUAGE, LanguageRegistry
from .message_types import CHANNELS, MessageType, load_type
from .protective_actions import HazardData, load_hazards
from .resources import locales_dir as default_locales_dir
from .resources import templates_dir as default_templates_dir
from .scenarios import Scenario

CAP_PARTS = ("headline", "description", "instruction")


@dataclass(frozen=True)
class RenderResult:
    """One message, as an audience would receive it, and what to know before sending it."""

    type: str
    language: str
    language_used: str
    channel: str
    text: str
    direction: str = "ltr"
    unreviewed: bool = False
    exercise: bool = False
    warnings: tuple[str, ...] = ()
    #: the CAP channel's headline, description and instruction
    parts: dict[str, str] | None = None
    #: SMS only: the text as written, smart-encoded and accent-folded
    sms: encoding.SmsAnalysis | None = None
    #: msgids rendered from fuzzy (unreviewed) catalog entries
    fuzzy_strings: tuple[str, ...] = ()
    #: every (context, msgid) the rendering asked for, in order (the review sheet's
    #: "used in" and "rendered" columns come from these)
    strings_used: tuple[tuple[str | None, str], ...] = ()

    @property
    def fell_back(self) -> bool:
        return self.language_used != self.language

    @property
    def encoding(self) -> str | None:
        return self.sms.sent.encoding if self.sms else None

    @property
    def segments(self) -> int | None:
        return self.sms.sent.segments if self.sms else None

    def to_dict(self) -> dict:
        data: dict = {
            "type": self.type,
            "language": self.language,
            "language_used": self.language_used,
            "channel": self.channel,
            "direction": self.direction,
            "exercise": self.exercise,
            "text": self.text,
            "characters": len(self.text),
            "unreviewed": self.unreviewed,
            "warnings": list(self.warnings),
        }
        if self.parts is not None:
            data["parts"] = dict(self.parts)
        if self.sms is not None:
            a = self.sms
            data.update({
                "encoding": a.sent.encoding,
                "segments": a.sent.segments,
                "policy": a.policy,
                "as_written": {"encoding": a.raw.encoding, "segments": a.raw.segments,
                               "non_gsm": list(a.raw.non_gsm)},
                "smart": {"encoding": a.smart.encoding, "segments": a.smart.segments},
                "folded": {"text": a.folded.text, "encoding": a.folded.encoding,
                           "segments": a.folded.segments},
            })
        return data


class _Untranslated(Exception):
    def __init__(self, language: str, msgid: str, reason: str) -> None:
        self.language, self.msgid, self.reason = language, msgid, reason
        super().__init__(f"{language}: {reason}")


@dataclass
class _Attempt:
    """The language being tried, and what its rendering used."""

    language: str
    catalog: Catalog | None
    fuzzy: list[str] = field(default_factory=list)
    used: list[tuple[str | None, str]] = field(default_factory=list)


_ATTEMPT: contextvars.ContextVar[_Attempt] = contextvars.ContextVar("emsg_attempt")


#: a space after these (full-width punctuation, CJK brackets) or between two Han characters
#: is layout, not text: Chinese is written without spaces
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\uff00-\uffef])\s+|(?<=[\u3400-\u9fff])\s+"
                        r"(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])")


def _join(words: list[str]) -> str:
    return _CJK_SPACE.sub("", " ".join(words))


def _normalize(text: str, channel: str) -> str:
    """Template layout → message layout: SMS and CAP on one line; paragraphs elsewhere."""
    if channel in ("sms", "cap"):
        return _capitalize(_join(text.split()))
    lines = [_join(line.split()) for line in text.strip().splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(_capitalize(line) for line in lines))
    return text.strip()


def _capitalize(line: str) -> str:
    """A sentence that opens with a glossary term ("hurricane warning …") starts upper-case."""
    return line[:1].upper() + line[1:] if line[:1].islower() else line


class Renderer:
    """Renders messages from one templates folder and one locales folder, with caches.

    Rendering is deterministic for (type, language, channel, facts, exercise), so results
    are cached: a campaign to 100,000 people in 8 languages renders 8 messages.
    """

    def __init__(self, templates_dir: Path | str | None = None,
                 locales_dir: Path | str | None = None, *, policy: str = "smart") -> None:
        if policy not in encoding.POLICIES:
            raise UnknownName(f"unknown encoding policy {policy!r} "
                              f"(choose from {', '.join(encoding.POLICIES)})", field="policy")
        self.templates_dir = Path(templates_dir) if templates_dir else default_templates_dir()
        #: the bundled catalogs, always the base; ``locales_dir`` (``--locales``) overlays
        #: them per language: its languages.toml tables and catalogs win where present
        self.bundled_locales_dir = default_locales_dir()
        self.overlay_dir = Path(locales_dir) if locales_dir else None
        self.locales_dir = self.overlay_dir or self.bundled_locales_dir
        for what, folder in (("templates", self.templates_dir), ("locales", self.locales_dir)):
            if not folder.is_dir():
                hint = (" (create it, or add a language into it with emsg catalog init "
                        "CODE ... --locales DIR; it also takes EMSG_LOCALES)"
                        if what == "locales" else "")
                raise InputError("folder not found" + hint, path=str(folder),
                                 field=f"--{what}")
        self.policy = policy
        self._types: dict[str, MessageType] = {}
        self._catalogs: dict[str, Catalog | None] = {}
        self._broken: dict[str, CatalogError] = {}
        self._cache: dict[tuple, RenderResult] = {}
        self._fact_names: list[str] | None = None

    # -- what there is -----------------------------------------------------------------

    @cached_property
    def languages(self) -> LanguageRegistry:
        return LanguageRegistry.load(self.bundled_locales_dir, self.overlay_dir)

    def catalog_path(self, language: str) -> Path:
        """The overlay's catalog of ``language`` if it has one, else the bundled one."""
        if self.overlay_dir is not None:
            path = catalog_path(self.overlay_dir, language)
            if path.is_file():
                return path
        return catalog_path(self.bundled_locales_dir, language)

    def template_path(self) -> Path:
        """The overlay's ``messages.pot`` if it has one, else the bundled one."""
        if self.overlay_dir is not None and template_path(self.overlay_dir).is_file():
            return template_path(self.overlay_dir)
        return template_path(self.bundled_locales_dir)

    def message_type(self, name: str) -> MessageType:
        if name not in self._types:
            self._types[name] = load_type(self.templates_dir, name)
        return self._types[name]

    def catalog(self, language: str) -> Catalog | None:
        """The language's catalog; ``None`` for English (the source), a missing file or a
        file that cannot be read (:meth:`catalog_error` says why).

        One unreadable catalog must not stop the other languages: a message in that
        language falls back, visibly, naming the file and line.
        """
        if language not in self._catalogs:
            path = self.catalog_path(language)
            self._catalogs[language] = None
            if language != SOURCE_LANGUAGE and path.is_file():
                try:
                    self._catalogs[language] = load_catalog(path, language)
                except CatalogError as exc:
                    self._broken[language] = exc
        return self._catalogs[language]

    def catalog_error(self, language: str) -> CatalogError | None:
        """Why ``language``'s catalog could not be read, if it could not."""
        self.catalog(language)
        return self._broken.get(language)

    def hazards(self) -> HazardData:
        """The protective actions beside the templates (``hazards.toml``)."""
        return load_hazards(self.templates_dir)

    def template_catalog(self) -> Catalog:
        return load_catalog(self.template_path(), "", template=True)

    @cached_property
    def environment(self):
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        env = Environment(
            loader=FileSystemLoader(str(self.templates_dir)),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            autoescape=False,
            lstrip_blocks=True,
        )
        env.policies["ext.i18n.trimmed"] = True
        env.install_gettext_callables(  # type: ignore[attr-defined]
            self._gettext, self._ngettext, newstyle=True,
            pgettext=self._pgettext, npgettext=self._npgettext,
        )
        return env

    # -- strict gettext ------------------------------------------------------------------

    def _entry(self, context: str | None, msgid: str):
        attempt = _ATTEMPT.get()
        attempt.used.append((context, msgid))
        if attempt.language == SOURCE_LANGUAGE:
            return None
        catalog = attempt.catalog
        entry = catalog.lookup(context, msgid) if catalog else None
        if entry is None:
            reason = "no catalog" if catalog is None else "not translated"
            broken = self._broken.get(attempt.language)
            if broken is not None:
                reason = f"catalog cannot be read: {broken}"
            if catalog is not None:
                for problem in catalog.problems:
                    if problem.msgid == msgid:
                        reason = f"broken translation at {problem.path}:{problem.line}: " \
                                 f"{problem.reason}"
                        break
            raise _Untranslated(attempt.language, msgid, f"{reason}: {msgid!r}")
        if entry.fuzzy:
            attempt.fuzzy.append(msgid)
        return entry

    def _find(self, context: str, msgid: str) -> str | None:
        """The attempt's catalog entry, or ``None`` (none, or the source language): for the
        date words CLDR may give instead."""
        attempt = _ATTEMPT.get()
        attempt.used.append((context, msgid))
        entry = attempt.catalog.lookup(context, msgid) if attempt.catalog else None
        if entry is None or attempt.language == SOURCE_LANGUAGE:
            return None
        if entry.fuzzy:
            attempt.fuzzy.append(msgid)
        return entry.strings[0]

    def words(self, language: str) -> CatalogWords:
        """``language``'s words outside a rendering (the checks format facts with them)."""
        return CatalogWords(self.catalog(language), language == SOURCE_LANGUAGE)

    def _gettext(self, message: str) -> str:
        entry = self._entry(None, message)
        return message if entry is None else entry.strings[0]

    def _pgettext(self, context: str, message: str) -> str:
        entry = self._entry(context, message)
        return message if entry is None else entry.strings[0]

    def _ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._npgettext(None, singular, plural, n)

    def _npgettext(self, context: str | None, singular: str, plural: str, n: int) -> str:
        entry = self._entry(context, singular)
        if entry is None:
            return singular if n == 1 else plural
        catalog = _ATTEMPT.get().catalog
        index = catalog.plural(n) if catalog else int(n != 1)
        return entry.strings[min(index, len(entry.strings) - 1)]

    # -- rendering -----------------------------------------------------------------------

    def facts(self, type_name: str, scenario: Scenario, *, chronology: bool = True) -> Facts:
        """The typed facts ``type_name`` needs; a fact no message type knows is an error."""
        message_type = self.message_type(type_name)
        check_fact_names(scenario, self.fact_names())
        return parse_facts(message_type, scenario, chronology=chronology)

    def fact_names(self) -> list[str]:
        """Every fact some message type of this templates folder takes, and ``timezone``."""
        if self._fact_names is None:
            from .message_types import list_types

            names = {"timezone"}
            for name in list_types(self.templates_dir):
                names.update(self.message_type(name).variables)
            self._fact_names = sorted(names)
        return self._fact_names

    def render(self, type_name: str, language: str, channel: str,
               facts: Facts | Scenario | dict, *, exercise: bool = False) -> RenderResult:
        """Render one message; falls back along the language's chain, visibly."""
        if isinstance(facts, Facts):
            cached = self._cache.get((type_name, language, channel, facts.key, exercise))
            if cached is not None:
                return cached
        message_type = self.message_type(type_name)
        if channel not in CHANNELS:
            from .names import unknown

            raise UnknownName(unknown("channel", channel, CHANNELS), field="channel")
        language = self.languages.get(language).code  # ``ES`` is ``es``
        if channel not in message_type.channels():
            raise UnknownName(f"message type {type_name!r} has no {channel!r} template",
                              field="channel")
        if isinstance(facts, dict):
            facts = Scenario(facts=facts)
        if isinstance(facts, Scenario):
            facts = parse_facts(message_type, facts)
        key = (type_name, language, channel, facts.key, exercise)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._render(message_type, language, channel, facts,
                                                     exercise)
        return cached

    def _render(self, message_type: MessageType, language: str, channel: str, facts: Facts,
                exercise: bool) -> RenderResult:
        skipped: list[_Untranslated] = []
        for candidate in self.languages.chain(language):
            attempt = _Attempt(candidate, self.catalog(candidate))
            token = _ATTEMPT.set(attempt)
            try:
                text, parts = self._render_in(message_type, candidate, channel, facts, exercise)
            except _Untranslated as exc:
                skipped.append(exc)
                continue
            finally:
                _ATTEMPT.reset(token)
            return self._result(message_type, language, candidate, channel, text, parts,
                                attempt, skipped, exercise)
        raise RenderRefused(f"{message_type.name} cannot be rendered in {language} or any "
                            f"fallback: {skipped[-1] if skipped else 'unknown reason'}")

    def _render_in(self, message_type: MessageType, language: str, channel: str,
                   facts: Facts, exercise: bool) -> tuple[str, dict[str, str] | None]:
        from jinja2 import TemplateError as JinjaTemplateError
        from jinja2 import TemplateSyntaxError, UndefinedError

        lang = self.languages.get(language)
        context: dict[str, object] = {"exercise": exercise, "language": language,
                                      "channel": channel}
        reader = Reader(lang, channel, _AttemptWords(self), facts.timezone, facts.region)
        for name, value in facts.values.items():
            kind = facts.types[name]
            if kind == "hazard":
                context[name] = self._pgettext(HAZARD_CONTEXT, HAZARDS[str(value)])
                continue
            try:
                context[name] = format_value(kind, value, reader)
            except MissingWords as exc:
                raise _Untranslated(language, exc.msgid, f"not translated: {exc.context} "
                                    f"{exc.msgid!r} (not in the catalog nor in CLDR)") from None
        context.update(guidance_context(self.hazards, message_type, facts, self._pgettext,
                                        context))
        name = message_type.template_name(channel)
        isolate = bidi.isolate if lang.rtl else str
        try:
            template = self.environment.get_template(name)
            if channel == "cap":
                module = template.make_module(context)
                parts = {p: isolate(_normalize(str(getattr(module, p, "")), "cap"))
                         for p in CAP_PARTS}
                missing = [p for p, v in parts.items() if not v]
                if missing:
                    raise TemplateError(f"CAP template must set {', '.join(missing)}",
                                        path=str(self.templates_dir / name))
                return "\n\n".join(parts.values()), parts
            return isolate(_normalize(template.render(context), channel)), None
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}",
                                path=exc.filename or str(self.templates_dir / name),
                                line=exc.lineno) from None
        except UndefinedError as exc:
            path, line = _template_frame(exc, str(self.templates_dir / name))
            raise TemplateError(f"{exc.message} (declare it in template.toml and the "
                                "scenario)", path=path, line=line) from None
        except RecursionError as exc:
            path, line = _template_frame(exc, str(self.templates_dir / name), outermost=True)
            raise TemplateError("includes or imports itself (directly or through another "
                                "template): it would never end", path=path, line=line) from None
        except (JinjaTemplateError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            path, line = _template_frame(exc, str(self.templates_dir / name))
            raise TemplateError(f"cannot render: {exc}", path=path, line=line) from None

    def _result(self, message_type: MessageType, language: str, used: str, channel: str,
                text: str, parts: dict[str, str] | None, attempt: _Attempt,
                skipped: list[_Untranslated], exercise: bool) -> RenderResult:
        warnings: list[str] = []
        for exc in skipped:
            warnings.append(f"not rendered in {exc.language} ({exc.reason}); "
                            f"fell back to {used}")
        if attempt.fuzzy:
            warnings.append(f"{len(set(attempt.fuzzy))} unreviewed (fuzzy) "
                            f"string(s) in {used}")
        sms = None
        limits = message_type.limits
        if channel == "sms":
            sms = encoding.analyse(text, self.policy)
            text = sms.sent.text
            limit = limits.get("sms_segments")
            if limit and sms.sent.segments > limit:
                warnings.append(f"{sms.sent.segments} SMS segments, over the "
                                f"{message_type.name} limit of {limit}")
            if len(text) > 1600:
                warnings.append(f"{len(text)} characters, over Twilio's 1,600 maximum")
        else:
            limit = limits.get(f"{channel}_characters")
            if limit and len(text) > limit:
                warnings.append(f"{len(text)} characters, over the {channel} limit of {limit}")
        if parts and len(parts["headline"]) > limits.get("cap_headline_characters", 160):
            warnings.append(f"CAP headline has {len(parts['headline'])} characters, "
                            f"over {limits.get('cap_headline_characters', 160)}")
        return RenderResult(
            type=message_type.name, language=language, language_used=used, channel=channel,
            text=text, direction=self.languages.get(used).direction,
            unreviewed=bool(attempt.fuzzy), exercise=exercise, warnings=tuple(warnings),
            parts=parts, sms=sms, fuzzy_strings=tuple(dict.fromkeys(attempt.fuzzy)),
            strings_used=tuple(dict.fromkeys(attempt.used)),
        )


class _AttemptWords:
    """The words of the language being rendered (:class:`messaging.dates.Words`): strict,
    fuzzy entries recorded, as every other string of the message."""

    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer

    def find(self, context: str, msgid: str) -> str | None:
        return self._renderer._find(context, msgid)

    def text(self, context: str, msgid: str) -> str:
        return self._renderer._pgettext(context, msgid)


def _template_frame(exc: BaseException, default: str,
                    outermost: bool = False) -> tuple[str, int | None]:
    """The innermost (or outermost: where an endless include starts) template file and
    line in a Jinja traceback."""
    path, line = default, None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            path, line = filename, tb.tb_lineno
            if outermost:
                break
        tb = tb.tb_next
    return path, line


_DEFAULT: Renderer | None = None


def default_renderer() -> Renderer:
    """A renderer over the bundled templates and locales, made on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Renderer()
    return _DEFAULT


def render(type_name: str, language: str, channel: str, facts: Facts | Scenario | dict,
           *, exercise: bool = False) -> RenderResult:
    """Render one message with the bundled templates and catalogs."""
    return default_renderer().render(type_name, language, channel, facts, exercise=exercise)
