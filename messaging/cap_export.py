"""Export one CAP 1.2 alert with one ``<info>`` block per language.

Each ``<info>`` takes its ``headline``, ``description`` and ``instruction`` from the
message type's ``cap`` channel, rendered in that language; ``category``, ``urgency``,
``severity``, ``certainty`` and ``responseType`` from the ``[cap]`` table of its
``template.toml``; the ``<area>`` from the scenario's ``area`` fact (``areaDesc``) and its
``[area]`` table (``polygon``, ``circle``). Facts CAP has no element for (shelter,
deadlines, counts) travel as ``emsg:<fact>`` parameters, and the hazard as an
``emsg:hazard`` event code, so that ``cap import`` recovers every fact.

The ``<language>`` of an ``<info>`` is the language its text is *in*: when a language
falls back (K'iche' not yet translated → Spanish), its block is Spanish and says so, and a
block that would repeat another language is left out, with a warning. An alerting system
must never send Spanish labelled as K'iche'.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from .cap import (
    CAP_12,
    EMSG_PREFIX,
    MSG_TYPES,
    SCOPES,
    CapError,
    check_rules,
    format_time,
    language_tag,
    parse_circle,
    parse_polygon,
)
from .errors import ScenarioError, TemplateError
from .facts import Facts, parse_value, zone
from .glossary import HAZARD_CONTEXT, HAZARDS
from .message_types import MessageType, Variable
from .phones import international
from .scenarios import Scenario

#: facts that have their own CAP element (``issued`` is the alert's ``sent``); every other
#: fact becomes an emsg: parameter
CAP_ELEMENT_FACTS = ("source", "hazard", "area", "issued", "onset", "expires", "hotline", "url")

#: the CAP category of each hazard in the glossary
HAZARD_CATEGORY = {
    "hurricane": "Met", "tropical_storm": "Met", "flood": "Met",
    "landslide": "Geo", "earthquake": "Geo", "tsunami": "Geo", "volcanic_eruption": "Geo",
    "wildfire": "Fire", "extreme_heat": "Met",
}
#: categories that name a kind of natural hazard: replaced by the hazard's own category
#: (early_warning says "Met", which an earthquake warning is not)
HAZARD_CATEGORIES = ("Met", "Geo", "Fire")

CAP_ENUMS = {
    "category": ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                 "Transport", "Infra", "CBRNE", "Other"),
    "responseType": ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor",
                     "Assess", "AllClear", "None"),
    "urgency": ("Immediate", "Expected", "Future", "Past", "Unknown"),
    "severity": ("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
}


@dataclass(frozen=True)
class AlertOptions:
    """The alert-level choices of one export (everything but the message content)."""

    exercise: bool = False
    msg_type: str = "Alert"
    #: ``sender,identifier,sent`` of each alert an Update or Cancel refers to
    references: tuple[str, ...] = ()
    scope: str = "Public"
    restriction: str | None = None
    addresses: str | None = None
    sender: str | None = None
    identifier: str | None = None
    #: when the alert is sent; default the scenario's ``issued`` fact, else now
    sent: dt.datetime | None = None


@dataclass(frozen=True)
class ExportedInfo:
    language: str
    language_used: str
    tag: str
    unreviewed: bool


@dataclass(frozen=True)
class CapExport:
    xml: bytes
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    infos: tuple[ExportedInfo, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def reference(self) -> str:
        """How an Update or Cancel of this alert refers to it."""
        return f"{self.sender},{self.identifier},{self.sent}"


def _q(name: str) -> str:
    return f"{{{CAP_12}}}{name}"


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    return element


def _pair(parent: ET.Element, name: str, value_name: str, value: str) -> None:
    element = _sub(parent, name)
    _sub(element, "valueName", value_name)
    _sub(element, "value", value)


def template_cap(message_type: MessageType) -> dict[str, list[str]]:
    """The ``[cap]`` table of a template, checked against CAP's enumerations."""
    path = str(message_type.path / "template.toml")
    out: dict[str, list[str]] = {}
    for name, allowed in CAP_ENUMS.items():
        raw = message_type.cap.get(name)
        values = raw if isinstance(raw, list) else [raw] if raw is not None else []
        if not values and name != "responseType":
            raise TemplateError(f"missing (one of {', '.join(allowed)})", path=path,
                                field=f"cap.{name}")
        for value in values:
            if value not in allowed:
                raise TemplateError(f"{value!r} is not a CAP {name} (one of "
                                    f"{', '.join(allowed)})", path=path, field=f"cap.{name}")
        out[name] = [str(v) for v in values]
    return out


def categories(template: list[str], hazard: object) -> list[str]:
    """The template's categories, with a natural-hazard category made the hazard's own."""
    own = HAZARD_CATEGORY.get(str(hazard)) if hazard else None
    out: list[str] = []
    for value in template:
        value = own if own and value in HAZARD_CATEGORIES else value
        if value not in out:
            out.append(value)
    return out


def _area_lines(scenario: Scenario) -> dict[str, int]:
    lines: dict[str, int] = {}
    if not scenario.path:
        return lines
    try:
        with open(scenario.path, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError:
        return lines
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip()
        elif current == "area":
            match = re.match(r"([A-Za-z_][A-Za-z0-9_-]*)\s*=", stripped)
            if match:
                lines.setdefault(match.group(1), number)
    return lines


def scenario_area(scenario: Scenario) -> dict[str, list[str]]:
    """The ``[area]`` table: ``polygon`` and ``circle``, each a string or a list, checked."""
    table = scenario.extra.get("area")
    if table is None:
        return {"polygon": [], "circle": []}
    lines = _area_lines(scenario)
    if not isinstance(table, dict):
        raise ScenarioError("[area] must be a table with polygon and/or circle",
                            path=scenario.path, field="area")
    out: dict[str, list[str]] = {"polygon": [], "circle": []}
    for key, raw in table.items():
        where = {"path": scenario.path, "line": lines.get(key), "field": f"area.{key}"}
        if key not in out:
            raise ScenarioError("unknown key (use polygon or circle)", **where)
        values = raw if isinstance(raw, list) else [raw]
        for value in values:
            if not isinstance(value, str):
                raise ScenarioError(f"expected a string, got {value!r}", **where)
            try:
                if key == "polygon":
                    parse_polygon(value)
                else:
                    parse_circle(value)
            except ValueError as exc:
                raise ScenarioError(str(exc), **where) from None
            out[key].append(" ".join(value.split()))
    return out


def _sent(scenario: Scenario, options: AlertOptions) -> dt.datetime:
    if options.sent is not None:
        if options.sent.tzinfo is None:
            raise CapError("needs a UTC offset, e.g. 2026-09-14T09:00:00-06:00",
                           field="--sent")
        return options.sent
    if "issued" in scenario.facts:
        try:
            value = parse_value(Variable("issued", "datetime"), scenario.facts["issued"])
        except ValueError as exc:
            path, line = scenario.origin("issued")
            raise ScenarioError(str(exc), path=path, line=line, field="issued") from None
        return value  # type: ignore[return-value]
    return dt.datetime.now().astimezone().replace(microsecond=0)


def _hazard_term(renderer, language: str, hazard: str) -> str:
    term = HAZARDS[hazard]
    catalog = renderer.catalog(language)
    entry = catalog.lookup(HAZARD_CONTEXT, term) if catalog else None
    if entry is not None and entry.strings[0]:
        term = entry.strings[0]
    return term[:1].upper() + term[1:]


def _check_options(options: AlertOptions) -> None:
    if options.msg_type not in MSG_TYPES:
        raise CapError(f"unknown CAP msgType {options.msg_type!r} "
                       f"(one of {', '.join(MSG_TYPES)})", field="--msg-type")
    if options.scope not in SCOPES:
        raise CapError(f"unknown CAP scope {options.scope!r} (one of {', '.join(SCOPES)})",
                       field="--scope")
    for name, value in (("--sender", options.sender), ("--identifier", options.identifier)):
        if value is not None and (not value or re.search(r"[\s,<&]", value)):
            raise CapError(f"{value!r} must be non-empty, without spaces, commas, '<' or '&'",
                           field=name)


def export_alert(renderer, type_name: str, scenario: Scenario, languages: list[str],
                 options: AlertOptions | None = None) -> CapExport:
    """Build one CAP 1.2 alert for ``type_name`` in ``languages``; raise if it breaks CAP."""
    options = options or AlertOptions()
    _check_options(options)
    if not languages:
        raise CapError("no language chosen", field="--lang")
    message_type = renderer.message_type(type_name)
    cap = template_cap(message_type)
    facts: Facts = renderer.facts(type_name, scenario)
    values = facts.values
    tz = zone(facts.timezone) if facts.timezone else None
    area = scenario_area(scenario)
    sent_value = _sent(scenario, options)
    sent = format_time(sent_value, tz)
    status = "Exercise" if options.exercise else "Actual"
    url = values.get("url")
    sender = options.sender or (urlsplit(str(url)).hostname if url else None) or "emsg"

    infos: list[ExportedInfo] = []
    blocks: list[tuple[str, str, dict[str, str]]] = []
    warnings: list[str] = list(facts.warnings)
    if not options.exercise:
        from .chronology import freshness

        fresh = freshness(scenario, type_name)
        if fresh is not None and fresh.expired:
            warnings.append(f"a real alert that {fresh.describe()} "
                            f"({fresh.field} {fresh.deadline.isoformat()})")
    for code in languages:
        result = renderer.render(type_name, code, "cap", facts, exercise=options.exercise)
        used = result.language_used
        tag = language_tag(used, scenario.region, renderer.languages.get(used).cap_language)
        for warning in result.warnings:
            warnings.append(f"{code}: {warning}")
        if any(info.language_used == used for info in infos):
            warnings.append(f"{code}: its <info> would repeat the {used} ({tag}) block; "
                            "left out")
            continue
        if result.fell_back:
            warnings.append(f"{code}: <info> is in {used} ({tag}), not {code}")
        infos.append(ExportedInfo(code, used, tag, result.unreviewed))
        blocks.append((used, tag, dict(result.parts or {})))

    digest = hashlib.sha256(repr((type_name, options, sent, sorted(values.items(), key=str),
                                  area, blocks)).encode()).hexdigest()[:10]
    identifier = options.identifier or f"emsg-{type_name}-{sent_value:%Y%m%dT%H%M%S}-{digest}"

    alert = ET.Element(_q("alert"))
    _sub(alert, "identifier", identifier)
    _sub(alert, "sender", sender)
    _sub(alert, "sent", sent)
    _sub(alert, "status", status)
    _sub(alert, "msgType", options.msg_type)
    _sub(alert, "scope", options.scope)
    if options.restriction:
        _sub(alert, "restriction", options.restriction)
    if options.addresses:
        _sub(alert, "addresses", options.addresses)
    if options.exercise:
        _sub(alert, "note", "Exercise: a drill, not a real emergency.")
    if options.references:
        _sub(alert, "references", " ".join(options.references))

    hazard = values.get("hazard")
    for used, tag, parts in blocks:
        info = _sub(alert, "info")
        _sub(info, "language", tag)
        for category in categories(cap["category"], hazard):
            _sub(info, "category", category)
        _sub(info, "event", _hazard_term(renderer, used, str(hazard)) if hazard
             else str(message_type.cap.get("event", message_type.title)))
        for response in cap["responseType"]:
            _sub(info, "responseType", response)
        for name in ("urgency", "severity", "certainty"):
            _sub(info, name, cap[name][0])
        if hazard:
            _pair(info, "eventCode", f"{EMSG_PREFIX}hazard", str(hazard))
        _pair(info, "eventCode", f"{EMSG_PREFIX}type", type_name)
        for name in ("onset", "expires"):
            if values.get(name) is not None:
                _sub(info, name, format_time(values[name], tz))  # type: ignore[arg-type]
        if values.get("source"):
            _sub(info, "senderName", str(values["source"]))
        for part in ("headline", "description", "instruction"):
            _sub(info, part, parts[part])
        if url:
            _sub(info, "web", str(url))
        if values.get("hotline"):
            _sub(info, "contact", international(str(values["hotline"])))
        for name, value in values.items():
            if name in CAP_ELEMENT_FACTS or value is None:
                continue
            _pair(info, "parameter", f"{EMSG_PREFIX}{name}", _parameter(value, tz))
        if facts.timezone:
            _pair(info, "parameter", f"{EMSG_PREFIX}timezone", facts.timezone)
        area_element = _sub(info, "area")
        _sub(area_element, "areaDesc", str(values["area"]))
        for polygon in area["polygon"]:
            _sub(area_element, "polygon", polygon)
        for circle in area["circle"]:
            _sub(area_element, "circle", circle)

    problems = check_rules(alert)
    if problems:
        raise CapError("the alert would break CAP 1.2: " + "; ".join(problems))
    ET.indent(alert)
    xml = ET.tostring(alert, encoding="utf-8", xml_declaration=True,
                      default_namespace=CAP_12) + b"\n"
    return CapExport(xml, identifier, sender, sent, status, options.msg_type, tuple(infos),
                     tuple(warnings))


def _parameter(value: object, tz: dt.tzinfo | None) -> str:
    if isinstance(value, dt.datetime):
        return format_time(value, tz)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
