"""The facilitator's preview: one self-contained HTML page, every language side by side.

The page is rendered by Jinja2 with autoescaping on (a ``<script>`` in a place name is
shown, never run), carries its CSS inline and loads nothing: it opens from a USB stick on
a projector with no network, and its Content-Security-Policy forbids scripts and remote
resources outright. The content comes from a :class:`~messaging.checks.Report`, so the
page shows exactly what ``emsg check`` found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import bidi, encoding
from .checks import ELEMENTS, Finding, Message, Report
from .errors import CatalogError
from .rendering import Renderer
from .scenarios import Scenario

TEMPLATES = Path(__file__).resolve().parent / "preview_templates"
CHANNEL_LABELS = {"sms": "SMS", "long": "Long text (WhatsApp, web, email)",
                  "voice": "Voice script", "cap": "CAP alert"}
#: above this share of non-GSM characters the text is a non-Latin script: no highlighting
SCRIPT_SHARE = 0.3
#: non-GSM characters listed one by one
MAX_LISTED = 12
#: findings shown as badges rather than in the findings list
_BADGE_CHECKS = ("fallback", "unreviewed")


@dataclass(frozen=True)
class Chunk:
    text: str
    #: a character that forced UCS-2
    mark: bool = False


@dataclass
class Badge:
    text: str
    kind: str = "info"  # info | good | bad | warn
    title: str = ""


@dataclass
class ChannelView:
    channel: str
    label: str
    direction: str = "ltr"
    lang: str = ""
    text: str = ""
    chunks: list[Chunk] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)
    badges: list[Badge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    non_gsm: list[tuple[str, str]] = field(default_factory=list)
    more_non_gsm: int = 0
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None


@dataclass
class CheckItem:
    element: str
    state: str  # yes | no | unknown
    detail: str = ""

    @property
    def symbol(self) -> str:
        return {"yes": "\u2713", "no": "\u2717"}.get(self.state, "?")


@dataclass
class Column:
    code: str
    name: str
    native: str
    direction: str
    flags: list[Badge] = field(default_factory=list)
    checklist: list[CheckItem] = field(default_factory=list)
    channels: list[ChannelView] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Section:
    name: str
    title: str
    purpose: str
    columns: list[Column] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def highlight(text: str, chars: Sequence[str]) -> list[Chunk]:
    """``text`` in runs, runs of the grapheme clusters in ``chars`` (non-GSM) marked.

    Consecutive marked clusters form one run, so a word stays one word (Arabic letters
    keep their joined forms).
    """
    marked = set(chars)
    chunks: list[Chunk] = []
    for cluster in encoding.graphemes(text):
        mark = cluster in marked
        if chunks and chunks[-1].mark == mark:
            chunks[-1] = Chunk(chunks[-1].text + cluster, mark)
        else:
            chunks.append(Chunk(cluster, mark))
    return chunks


def _codepoints(cluster: str) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in cluster)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _sms_view(view: ChannelView, message: Message, limit: int | None) -> None:
    a = message.result.sms
    assert a is not None
    sent = a.sent
    clusters = encoding.graphemes(sent.text)
    outside = sum(c in set(a.raw.non_gsm) for c in clusters)
    if outside > len(clusters) * SCRIPT_SHARE:
        # A script with no GSM-7 letters (Arabic): nothing to point at, every letter counts.
        view.chunks = [Chunk(sent.text)]
        view.notes.append(f"{outside} of {len(clusters)} characters are outside GSM-7: this "
                          "script cannot be sent as GSM-7.")
    else:
        view.chunks = highlight(sent.text, a.raw.non_gsm)
    view.non_gsm = [(c, _codepoints(c)) for c in a.raw.non_gsm[:MAX_LISTED]]
    view.more_non_gsm = max(0, len(a.raw.non_gsm) - MAX_LISTED)
    over = bool(limit and sent.segments > limit)
    view.badges += [
        Badge(sent.encoding, "good" if sent.encoding == encoding.GSM7 else "warn",
              "160 characters a segment (153 when split)" if sent.encoding == encoding.GSM7
              else "70 characters a segment (67 when split)"),
        Badge(_plural(sent.segments, "segment") + (f" / {limit}" if limit else ""),
              "bad" if over else "info", "the template's limit" if limit else ""),
        Badge(_plural(sent.characters, "character"), "info"),
    ]
    view.notes.append(f"Sent {a.sent_as}. As written: {a.raw.encoding}, "
                      f"{_plural(a.raw.segments, 'segment')}.")
    saves = a.raw.segments - a.smart.segments
    view.notes.append(
        f"Smart encoding (lossless): {a.smart.encoding}, {_plural(a.smart.segments, 'segment')}"
        + (f" - saves {_plural(saves, 'segment')}." if saves > 0 else " - no saving."))
    fold = a.smart.segments - a.folded.segments
    view.notes.append(
        f"Accent folding (changes spelling): {a.folded.encoding}, "
        f"{_plural(a.folded.segments, 'segment')}"
        + (f" - would save {_plural(fold, 'more segment')}." if fold > 0 else " - no saving."))


def _channel_view(message: Message | None, channel: str, limits: dict[str, int],
                  findings: list[Finding]) -> ChannelView:
    view = ChannelView(channel, CHANNEL_LABELS.get(channel, channel),
                       findings=[f for f in findings if f.check not in _BADGE_CHECKS])
    if message is None:
        errors = [f.reason for f in findings if f.check == "render"]
        view.error = errors[0] if errors else "not rendered"
        return view
    r = message.result
    view.direction, view.lang, view.text = r.direction, r.language_used, r.text
    runs = r.text.count(bidi.LRI) + r.text.count(bidi.FSI)
    if runs:
        view.notes.append(f"Right-to-left: {_plural(runs, 'left-to-right run')} (phone "
                          "numbers, times, links, Latin names) in Unicode isolates "
                          "(U+2066 ... U+2069), so a phone displays them as written; "
                          f"{2 * runs} invisible characters, counted.")
    if r.sms is not None:
        _sms_view(view, message, limits.get("sms_segments"))
    else:
        view.chunks = [Chunk(r.text)]
        limit = limits.get(f"{channel}_characters")
        over = bool(limit and len(r.text) > limit)
        view.badges.append(Badge(f"{len(r.text)} characters" + (f" / {limit}" if limit else ""),
                                 "bad" if over else "info"))
        if r.parts:
            view.parts = [(name, value) for name, value in r.parts.items()]
    if r.fell_back:
        view.badges.append(Badge(f"fallback: {r.language_used}", "warn",
                                 f"not available in {r.language}; shown in {r.language_used}"))
    if r.unreviewed:
        view.badges.append(Badge("unreviewed", "warn",
                                 "rendered from fuzzy catalog entries: "
                                 + "; ".join(r.fuzzy_strings[:5])))
    return view


def _checklist(messages: list[Message]) -> list[CheckItem]:
    items = []
    for element in ELEMENTS:
        states = {m.result.channel: m.elements().get(element, "undeclared") for m in messages}
        if not messages or all(v == "undeclared" for v in states.values()):
            items.append(CheckItem(element, "unknown",
                                   f"no variable in template.toml carries the {element}"))
            continue
        missing = [ch for ch, pos in states.items() if pos is None]
        if missing:
            items.append(CheckItem(element, "no", "missing in " + ", ".join(missing)))
        else:
            items.append(CheckItem(element, "yes", "present in " + ", ".join(states)))
    return items


def build_sections(renderer: Renderer, report: Report, *, types: Sequence[str],
                   languages: Sequence[str], channels: Sequence[str],
                   exercise: bool) -> list[Section]:
    """The page's content: one section per type, one column per language."""
    messages = {(m.result.type, m.result.language, m.result.channel, m.result.exercise): m
                for m in report.messages}
    sections = []
    for type_name in types:
        mt = renderer.message_type(type_name)
        section = Section(mt.name, mt.title, mt.purpose,
                          findings=[f for f in report.findings
                                    if f.type == type_name and f.language is None])
        available = [c for c in channels if c in mt.channels()]
        for code in languages:
            lang = renderer.languages.get(code)
            found = [f for f in report.findings if f.type == type_name and f.language == code]
            column = Column(code, lang.name, lang.native, lang.direction,
                            findings=[f for f in found if f.check not in _BADGE_CHECKS])
            rendered = []
            for channel in available:
                message = messages.get((type_name, code, channel, exercise))
                if message is not None:
                    rendered.append(message)
                column.channels.append(_channel_view(
                    message, channel, mt.limits, [f for f in found if f.channel == channel]))
            column.checklist = _checklist(rendered)
            used = sorted({m.result.language_used for m in rendered if m.result.fell_back})
            if used:
                column.flags.append(Badge(f"fallback to {', '.join(used)}", "warn",
                                          f"{lang.name} is not (fully) translated: shown in "
                                          f"{', '.join(used)}"))
            if any(m.result.unreviewed for m in rendered):
                column.flags.append(Badge("unreviewed", "warn",
                                          "contains fuzzy (machine-drafted, unreviewed) "
                                          "translations"))
            if lang.rtl:
                column.flags.append(Badge("right-to-left", "info"))
            section.columns.append(column)
        sections.append(section)
    return sections


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape=True, not select_autoescape(): the file is "preview.html.j2", whose
    # extension select_autoescape would not recognise as HTML.
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_page(renderer: Renderer, scenario: Scenario, report: Report, *,
                types: Sequence[str], languages: Sequence[str], channels: Sequence[str],
                exercise: bool = False, generated: dt.datetime | None = None) -> str:
    """The preview page as one HTML string."""
    from .catalogs import language_report

    sections = build_sections(renderer, report, types=types, languages=languages,
                              channels=channels, exercise=exercise)
    try:
        catalogs = [row for row in language_report(renderer) if row["code"] in languages]
    except CatalogError:
        catalogs = []  # the findings say which catalog cannot be read
    catalog_findings = [f for f in report.findings if f.type is None]
    template = _environment().get_template("preview.html.j2")
    return template.render(
        scenario=scenario, sections=sections, catalogs=catalogs,
        catalog_findings=catalog_findings, exercise=exercise, channels=channels,
        errors=len(report.errors), warnings=len(report.warnings), notes=report.notes,
        policy=renderer.policy, elements=ELEMENTS,
        generated=(generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
    )
