"""Message-design checks: is a rendered message fit to send?

The checks follow ``SPEC.md`` "Message design" (Mileti & Sorensen; Sutton & Kuligowski's
short-warning templates): the five elements of a warning (source, hazard, location,
guidance, time) present and in order, a time zone on every time, the channel's length
limit, no leftover placeholder, not mostly capitals, the same numbers, times and links in
every language, the exercise marker exactly when in exercise mode, and the catalogs'
own problems (missing, fuzzy, broken placeholders, ``msgfmt --check``).

Each ``check_*`` function is pure: it looks at :class:`Message` objects (a
``RenderResult`` plus what each fact looks like in that language and channel) or at a
catalog, and returns :class:`Finding` objects. :func:`run_checks` renders and collects;
``emsg check`` prints the findings and ``emsg preview`` puts them on the page.

Severities. *error*: not fit to send (a missing element, a time without a zone, over the
channel limit, a leftover placeholder, a number that differs between languages, a wrong
exercise marker, a broken catalog entry). *warning*: worth a look, not a defect (element
order, capitals, acronyms, a wireless-alert profile exceeded, a visible fallback, unreviewed
(fuzzy) strings - every bundled translation is honestly fuzzy today).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .errors import CatalogError, RenderRefused, TemplateError
from .facts import Facts, format_value
from .glossary import HAZARD_CONTEXT, HAZARDS
from .languages import SOURCE_LANGUAGE
from .message_types import MessageType
from .rendering import Renderer, RenderResult
from .scenarios import Scenario

ERROR = "error"
WARNING = "warning"
#: the elements of a warning, in the order research recommends
ELEMENTS = ("source", "hazard", "location", "guidance", "time")
#: Twilio's maximum body, and the wireless-alert profiles (WEA: 90 and 360 characters)
TWILIO_MAX_CHARACTERS = 1600
ALERT_PROFILE_SHORT = 90
ALERT_PROFILE_LONG = 360
#: share of cased letters in capitals above which a message reads as shouting
CAPITALS_RATIO = 0.5
CAPITALS_MIN_LETTERS = 20
#: capitalised words that need no explanation
KNOWN_ACRONYMS = frozenset({"UTC", "GMT", "AM", "PM", "SMS", "ID", "OK", "WhatsApp"})


@dataclass(frozen=True)
class Finding:
    """One problem with one message (or one catalog, or one message type)."""

    severity: str
    check: str
    reason: str
    type: str | None = None
    language: str | None = None
    channel: str | None = None
    #: ``True``/``False`` for a message rendered in exercise/real mode; ``None`` otherwise
    exercise: bool | None = None
    scenario: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = "/".join(x for x in (self.type, self.language, self.channel) if x) or "-"
        mode = " (exercise)" if self.exercise else ""
        return f"{self.severity}: {where}{mode}: {self.check}: {self.reason}"


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

    @property
    def text(self) -> str:
        """The text as written (for SMS: before smart encoding or accent folding)."""
        r = self.result
        return r.sms.raw.text if r.sms else r.text

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


def _needle(value: str) -> re.Pattern[str]:
    pattern = re.escape(value)
    if value[:1].isalnum():
        pattern = r"(?<!\w)" + pattern
    if value[-1:].isalnum():
        pattern += r"(?!\w)"
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

def exercise_marker(renderer: Renderer, language: str) -> str:
    """The catalog's translation of "EXERCISE" in ``language`` (English when none)."""
    catalog = renderer.catalog(language)
    entry = catalog.lookup(None, "EXERCISE") if catalog else None
    return entry.strings[0] if entry else "EXERCISE"


def hazard_term(renderer: Renderer, language: str, key: str) -> str:
    msgid = HAZARDS.get(key, key)
    catalog = renderer.catalog(language)
    entry = catalog.lookup(HAZARD_CONTEXT, msgid) if catalog else None
    return entry.strings[0] if entry else msgid


def describe(renderer: Renderer, message_type: MessageType, facts: Facts,
             result: RenderResult) -> Message:
    """A :class:`Message`: the result plus each fact as it reads in the result's language."""
    used = result.language_used
    locale = renderer.languages.get(used).formatting_locale
    values: dict[str, str] = {}
    canonical: dict[str, str] = {}
    for name, value in facts.values.items():
        kind = facts.types[name]
        if value is None or kind == "bool":
            continue
        if kind == "hazard":
            shown: object = hazard_term(renderer, used, str(value))
        else:
            shown = format_value(kind, value, locale, result.channel, facts.timezone)
        values[name] = _ws(str(shown))
        canonical[name] = value.isoformat() if kind == "datetime" else str(value)  # type: ignore[attr-defined]
    roles = {v.name: v.role for v in message_type.variables.values() if v.role}
    return Message(result, values, dict(facts.types), canonical, exercise_marker(renderer, used),
                   roles)


# -- checks on one message type ----------------------------------------------------------------

def check_template(message_type: MessageType) -> list[Finding]:
    """What ``template.toml`` declares: every element carried by a variable; times typed."""
    out: list[Finding] = []
    t = message_type.name
    for role in message_type.order:
        if role not in ELEMENTS:
            out.append(Finding(ERROR, "template", f"order lists {role!r}, not one of "
                               f"{', '.join(ELEMENTS)}", type=t))
    roles = message_type.roles()
    for role in ELEMENTS:
        if role not in roles:
            out.append(Finding(WARNING, "elements", f"no variable in template.toml has the "
                               f"{role} role, so its presence cannot be checked", type=t))
    for name in roles.get("time", []):
        kind = message_type.variables[name].type
        if kind != "datetime":
            out.append(Finding(ERROR, "time-zone", f"{name} carries the time but is a {kind}, "
                               "not a datetime: it has no time zone", type=t))
    return out


# -- checks on one message -----------------------------------------------------------------------

def _at(message: Message, severity: str, check: str, reason: str) -> Finding:
    r = message.result
    return Finding(severity, check, reason, type=r.type, language=r.language, channel=r.channel,
                   exercise=r.exercise)


def check_elements(message: Message, order: Sequence[str] = ELEMENTS) -> list[Finding]:
    """Every declared element present; in the template's order (except CAP's fixed parts)."""
    out: list[Finding] = []
    elements = message.elements()
    for role, position in elements.items():
        if position is None:
            names = ", ".join(n for n, r in message.roles.items() if r == role)
            out.append(_at(message, ERROR, "elements", f"no {role}: {names} not in the message"))
    if message.result.channel == "cap":
        return out  # headline, description and instruction have their own structure
    present = [(elements[r], r) for r in (order or ELEMENTS) if elements.get(r) is not None]
    actual = [r for _, r in sorted(present, key=lambda pr: pr[0])]
    expected = [r for _, r in present]
    if actual != expected:
        out.append(_at(message, WARNING, "order", f"elements read {' > '.join(actual)}; "
                       f"recommended {' > '.join(expected)}"))
    return out


_LINK = re.compile(r"https?://[^\s<>\"']+")
_CLOCK = re.compile(r"(?<![\w:.])\d{1,2}(?::\d{2}|\s?h\s?\d{2})(?![\w:])")
_ZONE_AFTER = re.compile(
    r"\s*(?:[^\s\d(.,;:]{1,5}\.?\s*){0,3}(?:UTC|GMT|\(|[+-]\d{2}:?\d{2}|Z\b)")


def _strip_links(text: str) -> str:
    return _LINK.sub(" ", text)


def check_time_zone(message: Message) -> list[Finding]:
    """Every clock time in the text is followed by its zone ("18:00 UTC-6", "6:00 PM (CST)")."""
    out: list[Finding] = []
    text = _strip_links(message.text)
    for m in _CLOCK.finditer(text):
        if not _ZONE_AFTER.match(text, m.end()):
            out.append(_at(message, ERROR, "time-zone",
                           f"time {m.group(0)!r} has no time zone"))
    return out


def check_length(message: Message, limits: dict[str, int]) -> list[Finding]:
    """The channel's limit from ``template.toml`` ``[limits]``, Twilio's, and alert profiles."""
    out: list[Finding] = []
    r = message.result
    name = r.type
    if r.sms is not None:
        sent = r.sms.sent
        limit = limits.get("sms_segments")
        if limit and sent.segments > limit:
            out.append(_at(message, ERROR, "length", f"{sent.segments} SMS segments "
                           f"({sent.encoding}), over the {name} limit of {limit}"))
        if len(r.text) > TWILIO_MAX_CHARACTERS:
            out.append(_at(message, ERROR, "length", f"{len(r.text)} characters, over "
                           f"Twilio's {TWILIO_MAX_CHARACTERS:,} maximum"))
        if len(r.text) > ALERT_PROFILE_LONG:
            out.append(_at(message, WARNING, "length", f"{len(r.text)} characters: too long "
                           f"for a {ALERT_PROFILE_LONG}-character wireless alert"))
        return out
    if r.parts is not None:
        headline = r.parts.get("headline", "")
        limit = limits.get("cap_headline_characters", 160)
        if len(headline) > limit:
            out.append(_at(message, ERROR, "length", f"CAP headline has {len(headline)} "
                           f"characters, over {limit}"))
        if len(headline) > ALERT_PROFILE_SHORT:
            out.append(_at(message, WARNING, "length", f"CAP headline has {len(headline)} "
                           f"characters: too long for a {ALERT_PROFILE_SHORT}-character "
                           "wireless alert"))
        return out
    limit = limits.get(f"{r.channel}_characters")
    if limit and len(r.text) > limit:
        out.append(_at(message, ERROR, "length", f"{len(r.text)} characters, over the "
                       f"{r.channel} limit of {limit}"))
    return out


_PLACEHOLDER = re.compile(r"%\(\w*\)[-#0 +]*\d*[a-zA-Z]?|%[sdr](?!\w)|\{\{|\}\}|\{%|%\}|\{#|#\}")


def check_placeholders(message: Message) -> list[Finding]:
    """No gettext or Jinja placeholder left in the text."""
    found = list(dict.fromkeys(m.group(0) for m in _PLACEHOLDER.finditer(message.text)))
    if not found:
        return []
    return [_at(message, ERROR, "placeholder",
                f"leftover placeholder {', '.join(repr(f) for f in found)}")]


def _without_marker(message: Message) -> str:
    return message.text.replace(message.marker, " ") if message.marker else message.text


def check_capitals(message: Message) -> list[Finding]:
    """Not mostly capitals (the exercise marker, capitals by design, aside)."""
    letters = [c for c in _without_marker(message) if c.isupper() or c.islower()]
    if len(letters) < CAPITALS_MIN_LETTERS:
        return []
    ratio = sum(c.isupper() for c in letters) / len(letters)
    if ratio <= CAPITALS_RATIO:
        return []
    return [_at(message, WARNING, "capitals", f"{ratio:.0%} of letters are capitals: "
                "mixed case is easier to read")]


_ACRONYM = re.compile(r"(?<!\w)[^\W\d_]*[A-Z][^\W\d_]*[A-Z][^\W\d_]*(?!\w)")


def check_acronyms(message: Message) -> list[Finding]:
    """Acronyms a reader may not know ("INM"), unless explained: "... Migración (INM)"."""
    text = _strip_links(_without_marker(message))
    out = []
    seen: set[str] = set()
    for m in _ACRONYM.finditer(text):
        word = m.group(0)
        if (word in seen or word in KNOWN_ACRONYMS or not word.isupper()
                or f"({word})" in text or len(word) > 6):
            continue
        seen.add(word)
        out.append(_at(message, WARNING, "acronym", f"unexplained acronym {word!r}"))
    return out


def _word(marker: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(marker) + r"(?!\w)")


def check_exercise(message: Message) -> list[Finding]:
    """The marker ("SIMULACRO") opens every exercise message, and no real one."""
    marker, text = message.marker, message.text
    if not marker:
        return []
    present = _word(marker).search(text) is not None
    if message.result.exercise:
        if not present:
            return [_at(message, ERROR, "exercise",
                        f"exercise message without the marker {marker!r}")]
        if not text.lstrip().startswith(marker):
            return [_at(message, WARNING, "exercise",
                        f"exercise marker {marker!r} is not at the start")]
        return []
    if present:
        return [_at(message, ERROR, "exercise",
                    f"real message carries the exercise marker {marker!r}")]
    return []


def check_review(message: Message) -> list[Finding]:
    """Visible fallbacks and unreviewed (fuzzy) strings: warnings, never errors."""
    r = message.result
    out = []
    if r.fell_back:
        out.append(_at(message, WARNING, "fallback", f"not available in {r.language}: "
                       f"shown in {r.language_used}"))
    if r.unreviewed:
        out.append(_at(message, WARNING, "unreviewed",
                       f"uses unreviewed (fuzzy) translations in {r.language_used}"))
    return out


def check_message(message: Message, message_type: MessageType) -> list[Finding]:
    """Every check that needs only this one message."""
    return [
        *check_elements(message, message_type.order),
        *check_time_zone(message),
        *check_length(message, message_type.limits),
        *check_placeholders(message),
        *check_capitals(message),
        *check_acronyms(message),
        *check_exercise(message),
        *check_review(message),
    ]


# -- numbers, times and links across languages -----------------------------------------------------

_PHONE = re.compile(r"\+\d[\d \-.]{5,}\d")
_ZONED_TIME = re.compile(r"(?<![\w:])\d{1,2}:\d{2}(?:\s?(?:UTC|GMT)(?:[+-]\d{1,2}(?::\d{2})?)?)?")
_NUMBER = re.compile(r"\d+")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _digits(text: str) -> str:
    return "+" + "".join(c for c in _ascii_digits(text) if c.isdigit())


def fact_tokens(message: Message) -> set[tuple[str, str]]:
    """The numbers, times, phone numbers and links a message states, language-neutral.

    Written channels (SMS, long, CAP) show times as "HH:MM UTC-6" in every language, so a
    time is compared as written. Voice speaks times and numbers the audience's way ("6:00
    p.m. (hora estándar central)", "5 2, 9 6 2 ..."), so the facts it was given are compared
    by value (the instant, the E.164 number); anything else, in both, digit by digit.
    """
    text = message.text
    tokens: set[tuple[str, str]] = set()

    def take(value: str, token: tuple[str, str]) -> None:
        nonlocal text
        pattern = _needle(value)
        if pattern.search(text):
            text = pattern.sub(" ", text)
            tokens.add(token)

    for m in _LINK.finditer(text):
        tokens.add(("link", m.group(0).rstrip(".,;:!?)»”'")))
    text = _strip_links(text)
    voice = message.result.channel == "voice"
    for name, value in sorted(message.values.items(), key=lambda kv: -len(kv[1])):
        kind = message.kinds.get(name)
        if kind == "datetime":
            if voice:
                take(value, ("time", message.canonical[name]))
            else:
                clock = _ZONED_TIME.search(value)
                take(value, ("time", _ascii_digits(clock.group(0)) if clock else
                             message.canonical[name]))
        elif kind == "phone":
            take(value, ("phone", message.canonical[name]))
    for m in _PHONE.finditer(text):
        tokens.add(("phone", _digits(m.group(0))))
    text = _PHONE.sub(" ", text)
    for m in _ZONED_TIME.finditer(text):
        tokens.add(("time", _ascii_digits(m.group(0))))
    text = _ZONED_TIME.sub(" ", text)
    for m in _NUMBER.finditer(text):
        tokens.add(("number", _ascii_digits(m.group(0))))
    return tokens


def check_consistency(message: Message, reference: Message) -> list[Finding]:
    """The same numbers, times, phone numbers and links as the source-language message."""
    if message.result.language_used == reference.result.language_used:
        return []
    mine, theirs = fact_tokens(message), fact_tokens(reference)
    # A plural form may leave out the number "1" ("un refugio abierto"), nothing else.
    ones = {("number", v) for n, v in message.canonical.items()
            if message.kinds.get(n) == "count" and v == "1"}
    missing, extra = theirs - mine - ones, mine - theirs
    if not missing and not extra:
        return []
    bits = []
    if missing:
        bits.append("missing " + ", ".join(v for _, v in sorted(missing)))
    if extra:
        bits.append("not in English: " + ", ".join(v for _, v in sorted(extra)))
    return [_at(message, ERROR, "consistency", "numbers, times or links differ from "
                f"{reference.result.language_used}: " + "; ".join(bits))]


# -- catalogs ------------------------------------------------------------------------------------

def check_catalog(row: dict, problems: Iterable, path: Path | None) -> list[Finding]:
    """One language's catalog: broken entries (errors), missing and fuzzy strings (warnings).

    ``row`` has the counts of :meth:`messaging.catalogs.Catalog.stats` (as a row of
    :func:`messaging.catalogs.language_report` does), the ``code`` and the fallback ``chain``.
    """
    code = row["code"]
    out: list[Finding] = []
    where = f" ({path})" if path else ""
    for problem in problems:
        out.append(Finding(getattr(problem, "severity", ERROR), "catalog", str(problem),
                           language=code))
    if row["missing"]:
        chain = " > ".join(row["chain"][1:])
        out.append(Finding(WARNING, "catalog", f"{row['missing']} of {row['total']} strings "
                           f"not translated{where}; messages using them fall back to {chain}",
                           language=code))
    if row["fuzzy"]:
        out.append(Finding(WARNING, "catalog", f"{row['fuzzy']} of {row['total']} strings "
                           f"unreviewed (fuzzy){where}", language=code))
    return out


_MSGFMT_LINE = re.compile(r"^(?P<path>.+?):(?:(?P<line>\d+):)? (?P<warning>warning: )?(?P<msg>.*)$")


def parse_msgfmt(output: str, language: str) -> list[Finding]:
    """``msgfmt --check`` diagnostics → findings ("warning:" lines are warnings)."""
    out: list[Finding] = []
    for raw in output.splitlines():
        if not raw.strip() or raw.startswith("msgfmt: found"):
            continue
        if raw[:1].isspace() and out:  # continuation of the previous diagnostic
            last = out[-1]
            out[-1] = replace(last, reason=f"{last.reason} {raw.strip()}")
            continue
        m = _MSGFMT_LINE.match(raw)
        if not m:
            out.append(Finding(ERROR, "msgfmt", raw.strip(), language=language))
            continue
        where = m["path"] + (f":{m['line']}" if m["line"] else "")
        severity = WARNING if m["warning"] else ERROR
        out.append(Finding(severity, "msgfmt", f"{where}: {m['msg'].strip()}",
                           language=language))
    return out


def msgfmt_check(path: Path, language: str) -> list[Finding] | None:
    """Run GNU ``msgfmt --check`` (fuzzy entries included: drafts use them); ``None`` if
    msgfmt is not installed."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return None
    proc = subprocess.run([msgfmt, "--check", "--use-fuzzy", "-o", "/dev/null", str(path)],
                          capture_output=True, text=True, check=False)
    findings = parse_msgfmt(proc.stderr + proc.stdout, language)
    if proc.returncode and not any(f.is_error for f in findings):
        findings.append(Finding(ERROR, "msgfmt", f"{path}: msgfmt --check failed "
                                f"(exit {proc.returncode})", language=language))
    return findings


# -- running everything ------------------------------------------------------------------------

@dataclass
class Report:
    """Every finding of one run, and the messages checked."""

    findings: list[Finding] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def add(self, findings: Iterable[Finding]) -> None:
        seen = set(self.findings)
        for f in findings:
            if f not in seen:
                self.findings.append(f)
                seen.add(f)

    def merge(self, other: Report) -> None:
        self.add(other.findings)
        self.messages.extend(other.messages)
        self.notes.extend(n for n in other.notes if n not in self.notes)


def check_catalogs(renderer: Renderer, languages: Sequence[str], *,
                   msgfmt: bool = True) -> Report:
    """Catalog findings for ``languages`` (English, the source, has no catalog).

    A catalog that cannot even be read is an error finding, not the end of the run.
    """
    from .catalogs import Catalog, catalog_path

    report = Report()
    try:
        template: Catalog | None = renderer.template_catalog()
    except CatalogError as exc:
        report.add([Finding(ERROR, "catalog", str(exc))])
        template = None
    for code in languages:
        if code == SOURCE_LANGUAGE:
            continue
        path = catalog_path(renderer.locales_dir, code)
        try:
            catalog = renderer.catalog(code)
        except CatalogError as exc:
            report.add([Finding(ERROR, "catalog", str(exc), language=code)])
        else:
            stats = (catalog or Catalog(code, path)).stats(template)
            row = {"code": code, "chain": renderer.languages.chain(code), **stats}
            report.add(check_catalog(row, catalog.problems if catalog else (),
                                     path if path.is_file() else None))
        if msgfmt and path.is_file():
            found = msgfmt_check(path, code)
            if found is None:
                note = "msgfmt (GNU gettext) not installed: msgfmt --check skipped"
                if note not in report.notes:
                    report.notes.append(note)
            else:
                report.add(found)
    return report


def run_checks(renderer: Renderer, scenario: Scenario, *, types: Sequence[str],
               languages: Sequence[str], channels: Sequence[str],
               modes: Sequence[bool] = (False,), catalogs: bool = True,
               msgfmt: bool = True) -> Report:
    """Render every type × language × channel × mode and check each message.

    A template or catalog that cannot be rendered becomes an error finding, and the other
    messages are still checked. Unknown types, languages or missing facts raise, as in
    ``emsg draft``.
    """
    report = Report()
    label = scenario.path or scenario.title
    for code in languages:
        renderer.languages.get(code)
    for type_name in types:
        message_type = renderer.message_type(type_name)
        facts = renderer.facts(type_name, scenario)
        report.add(check_template(message_type))
        available = message_type.channels()
        for channel in [c for c in channels if c in available]:
            for exercise in modes:
                reference = _checked(renderer, report, message_type, facts, SOURCE_LANGUAGE,
                                     channel, exercise, keep=SOURCE_LANGUAGE in languages)
                for code in languages:
                    message = reference if code == SOURCE_LANGUAGE else _checked(
                        renderer, report, message_type, facts, code, channel, exercise)
                    if message is not None and reference is not None:
                        report.add(check_consistency(message, reference))
    if catalogs:
        report.merge(check_catalogs(renderer, languages, msgfmt=msgfmt))
    report.findings = [replace(f, scenario=label) if f.type else f for f in report.findings]
    return report


def _checked(renderer: Renderer, report: Report, message_type: MessageType, facts: Facts,
             code: str, channel: str, exercise: bool, keep: bool = True) -> Message | None:
    try:
        result = renderer.render(message_type.name, code, channel, facts, exercise=exercise)
    except (TemplateError, CatalogError, RenderRefused) as exc:
        report.add([Finding(ERROR, "render", str(exc), type=message_type.name, language=code,
                            channel=channel, exercise=exercise)])
        return None
    message = describe(renderer, message_type, facts, result)
    if keep:
        report.messages.append(message)
        report.add(check_message(message, message_type))
    return message
