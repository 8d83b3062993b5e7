"""Read a CAP alert published by an authority and turn it into a scenario.

Tolerant of real feeds: CAP 1.1 or 1.2, any language, several ``<info>`` blocks, missing
optional elements. Strict where safety needs it: the file is read and parsed by
:mod:`messaging.cap_xml` (a size limit, no XML entities); a file that is not XML, or not a
CAP alert, or lacks a required alert element, is one clear error naming the file and line.
Which hazard the alert names is :mod:`messaging.cap_hazards`; writing the scenario file,
every value escaped, is :mod:`messaging.cap_scenario`.

The facts follow the scenario vocabulary (see ``scenarios.py``): ``senderName`` →
``source``, ``event`` → ``hazard`` (a glossary key), ``areaDesc`` → ``area``,
``polygon``/``circle`` → ``[area]``, ``sent`` → ``issued``, ``onset``, ``expires``,
``contact`` → ``hotline`` (when it holds a phone number), ``web`` → ``url``; the official
headline, description and instruction are kept in a ``[cap]`` table for the officer.
Everything that could not be mapped is listed, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from .cap import (
    EMSG_PREFIX,
    CapError,
    check_rules,
    children,
    parse_circle,
    parse_polygon,
    parse_time,
    text_of,
)
from .cap_hazards import SAME_CODES, hazard_terms, match_hazard
from .cap_xml import parse_xml, read_limited, root_alert
from .glossary import HAZARDS

__all__ = ["ImportedAlert", "alert_reference", "hazard_terms", "match_hazard", "read_alert",
           "variable_types"]

REQUIRED = ("identifier", "sender", "sent", "status", "msgType", "scope")

@dataclass
class ImportedAlert:
    """What one CAP alert says, in the scenario vocabulary, and what did not fit."""

    path: str
    version: str
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    references: str | None
    language: str
    title: str
    description: str
    facts: dict[str, object] = field(default_factory=dict)
    area: dict[str, list[str]] = field(default_factory=dict)
    #: the official wording and metadata, kept for the officer
    cap: dict[str, object] = field(default_factory=dict)
    region: str | None = None
    timezone: str | None = None
    #: "fact <- element: value" for each fact taken from the alert
    mapped: list[str] = field(default_factory=list)
    #: what the alert carries that has no place in a scenario, or could not be read
    unmapped: list[str] = field(default_factory=list)
    #: things to know: rule breaks, exercise status, disagreements between <info> blocks
    notes: list[str] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


# -- mapping -------------------------------------------------------------------------------

def _phone(contact: str, region: str | None) -> str | None:
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(contact, region):
        return phonenumbers.format_number(match.number,
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return None


def _pairs(element: ET.Element, name: str) -> list[tuple[str, str]]:
    out = []
    for child in children(element, name):
        out.append((text_of(child, "valueName") or "", text_of(child, "value") or ""))
    return out


def _typed(name: str, value: str, types: dict[str, str]) -> object:
    kind = types.get(name, "text")
    if kind == "datetime":
        return parse_time(value)
    if kind == "bool" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "count" and value.isdigit():
        return int(value)
    return value


def _only_zone(region: str) -> str | None:
    """The IANA zone of a country that has just one (GT, HN, SV ...); ``None`` otherwise."""
    from babel.core import get_global

    zones = get_global("territory_zones").get(region.upper(), ())
    return zones[0] if len(zones) == 1 else None


def _known_zone(name: str) -> bool:
    from .facts import zone

    try:
        zone(name)
    except (ValueError, KeyError):
        return False
    return True


def variable_types(renderer) -> dict[str, str]:
    """Fact name → type, over every message type the renderer knows."""
    from .message_types import list_types

    types: dict[str, str] = {}
    if renderer is None:
        return types
    for name in list_types(renderer.templates_dir):
        for var in renderer.message_type(name).variables.values():
            types.setdefault(var.name, var.type)
    return types


def read_alert(path: str | Path, *, renderer=None, info_language: str | None = None,
               timezone: str | None = None, region: str | None = None,
               data: bytes | None = None) -> ImportedAlert:
    """Read one CAP alert file (or ``data``) into scenario facts, with a report."""
    name = str(path)
    if timezone is not None and not _known_zone(timezone):
        raise CapError(f"unknown time zone {timezone!r} (use an IANA name such as "
                       "America/Guatemala)", field="--timezone")
    if data is None:
        data = read_limited(path)
    root, lines = parse_xml(data, name)
    version = root_alert(root, name)
    line_of = lambda element: lines.get(id(element))  # noqa: E731
    for required in REQUIRED:
        if text_of(root, required) is None:
            raise CapError(f"missing required <{required}>", path=name,
                           line=line_of(root), field="<alert>")
    sent_text = text_of(root, "sent") or ""
    try:
        sent_value = parse_time(sent_text)
    except ValueError as exc:
        element = children(root, "sent")[0]
        raise CapError(str(exc), path=name, line=line_of(element), field="<sent>") from None
    infos = children(root, "info")
    if not infos:
        raise CapError("the alert has no <info> block: there is nothing to draft from",
                       path=name, line=line_of(root), field="<alert>")

    def tag(info: ET.Element) -> str:
        return text_of(info, "language") or "en-US"  # CAP's default

    primary = infos[0]
    if info_language:
        wanted = info_language.lower()
        matches = [i for i in infos if tag(i).lower() == wanted
                   or tag(i).lower().split("-")[0] == wanted.split("-")[0]]
        if not matches:
            raise CapError(f"no <info> in {info_language!r} (the alert has "
                           f"{', '.join(tag(i) for i in infos)})", path=name,
                           field="--info-lang")
        primary = matches[0]
    language = tag(primary)
    subtags = language.split("-")
    if region is None and len(subtags) > 1 and re.fullmatch(r"[A-Za-z]{2}", subtags[1]):
        region = subtags[1].upper()

    imported = ImportedAlert(
        path=name, version=version, identifier=text_of(root, "identifier") or "",
        sender=text_of(root, "sender") or "", sent=sent_text,
        status=text_of(root, "status") or "", msg_type=text_of(root, "msgType") or "",
        references=text_of(root, "references"), language=language,
        title=text_of(primary, "headline") or text_of(primary, "event") or Path(name).stem,
        description=text_of(primary, "description") or "", region=region,
        timezone=timezone,
    )
    notes, mapped, unmapped = imported.notes, imported.mapped, imported.unmapped
    facts = imported.facts
    if version == "1.1":
        notes.append("CAP 1.1 alert (read with the same rules as 1.2)")
    notes.extend(f"CAP rule: {p}" for p in check_rules(root))
    if imported.status in ("Exercise", "Test", "Draft", "System"):
        notes.append(f"status is {imported.status}, not Actual: draft with --exercise, "
                     "and never send it as a real warning")
    if imported.msg_type in ("Update", "Cancel"):
        notes.append(f"msgType {imported.msg_type} of {imported.references or '(no references)'}"
                     + (": the warning is cancelled; consider an all_clear message"
                        if imported.msg_type == "Cancel" else ""))
    if len(infos) > 1:
        notes.append(f"{len(infos)} <info> blocks ({', '.join(tag(i) for i in infos)}); "
                     f"facts taken from the {language} block")

    # source
    sender_name = text_of(primary, "senderName")
    if sender_name:
        facts["source"] = sender_name
        mapped.append(f"source <- senderName: {sender_name}")
    else:
        unmapped.append("no <senderName>: set source (who is speaking) by hand")

    # hazard
    terms = hazard_terms(renderer)
    hazard, how = None, ""
    for value_name, value in _pairs(primary, "eventCode"):
        if value_name == f"{EMSG_PREFIX}hazard" and value in HAZARDS:
            hazard, how = value, f"eventCode {value_name}"
        elif value_name.upper() == "SAME" and value.upper() in SAME_CODES and not hazard:
            hazard, how = SAME_CODES[value.upper()], f"eventCode SAME {value}"
    candidates = [(i, part) for i in [primary, *[x for x in infos if x is not primary]]
                  for part in ("event", "headline")]
    for info, part in candidates:
        if hazard:
            break
        text = text_of(info, part)
        if text:
            key, named = match_hazard(text, terms)
            if key:
                hazard, how = key, f"{part} {text!r}"
                if len(named) > 1:
                    notes.append(f"{part} {text!r} names {', '.join(named)}; used {key}")
    if hazard:
        facts["hazard"] = hazard
        mapped.append(f"hazard <- {how}: {hazard}")
    else:
        event = text_of(primary, "event") or "(none)"
        unmapped.append(f"event {event!r} matches no hazard in the glossary "
                        f"({', '.join(HAZARDS)}): set hazard by hand")

    # area
    descs: list[str] = []
    polygons: list[str] = []
    circles: list[str] = []
    geocodes: list[str] = []
    for area in children(primary, "area"):
        desc = text_of(area, "areaDesc")
        if desc and desc not in descs:
            descs.append(desc)
        for kind, parse, bucket in (("polygon", parse_polygon, polygons),
                                    ("circle", parse_circle, circles)):
            for element in children(area, kind):
                value = " ".join((element.text or "").split())
                try:
                    parse(value)
                except ValueError as exc:
                    unmapped.append(f"<{kind}> on line {line_of(element)}: {exc}")
                    continue
                bucket.append(value)
        for value_name, value in _pairs(area, "geocode"):
            unmapped.append(f"geocode {value_name}={value} (kept in [cap])")
            geocodes.append(f"{value_name}={value}")
        for extent in ("altitude", "ceiling"):
            if text_of(area, extent):
                unmapped.append(f"<{extent}> {text_of(area, extent)}")
    if descs:
        facts["area"] = ", ".join(descs)
        mapped.append(f"area <- areaDesc: {facts['area']}")
    else:
        unmapped.append("no <areaDesc>: set area by hand")
    if polygons:
        imported.area["polygon"] = polygons
        mapped.append(f"[area] polygon <- {len(polygons)} polygon(s)")
    if circles:
        imported.area["circle"] = circles
        mapped.append(f"[area] circle <- {len(circles)} circle(s)")

    # times
    facts["issued"] = sent_value
    mapped.append(f"issued <- sent: {sent_text}")
    for part in ("onset", "expires"):
        value = text_of(primary, part)
        if value is None:
            continue
        try:
            when = parse_time(value)
        except ValueError as exc:
            unmapped.append(f"<{part}>: {exc}")
            continue
        facts[part] = when
        mapped.append(f"{part} <- {part}: {value}")
    if text_of(primary, "effective"):
        unmapped.append(f"<effective> {text_of(primary, 'effective')} (scenarios have no "
                        "such fact; kept in [cap])")

    # help and verification
    contact = text_of(primary, "contact")
    if contact:
        phone = _phone(contact, region)
        if phone:
            facts["hotline"] = phone
            mapped.append(f"hotline <- contact: {phone}")
        else:
            unmapped.append(f"contact {contact!r} holds no phone number emsg can dial"
                            + ("" if region else " (a local number needs --region)"))
    web = text_of(primary, "web")
    if web:
        if web.startswith(("https://", "http://")):
            facts["url"] = web
            mapped.append(f"url <- web: {web}")
        else:
            unmapped.append(f"web {web!r} is not an http(s) link")

    # emsg's own parameters (a round trip); others are listed
    types = variable_types(renderer)
    for value_name, value in _pairs(primary, "parameter"):
        fact = value_name[len(EMSG_PREFIX):] if value_name.startswith(EMSG_PREFIX) else None
        if fact == "timezone":
            if imported.timezone is None and _known_zone(value):
                imported.timezone = value
                mapped.append(f"timezone <- parameter {value_name}: {value}")
            elif imported.timezone is None:
                unmapped.append(f"parameter {value_name}={value} is not an IANA time zone")
            continue
        # a TOML bare key (ASCII), so that no name can change the scenario's structure
        if fact and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", fact) and fact not in facts:
            try:
                facts[fact] = _typed(fact, value, types)
            except ValueError as exc:
                unmapped.append(f"parameter {value_name}: {exc}")
                continue
            mapped.append(f"{fact} <- parameter {value_name}: {value}")
        else:
            unmapped.append(f"parameter {value_name}={value}")
    if imported.timezone is None and imported.region:
        only = _only_zone(imported.region)
        if only:
            imported.timezone = only
            mapped.append(f"timezone <- the only time zone of {imported.region}: {only}")
    for resource in children(primary, "resource"):
        unmapped.append(f"resource {text_of(resource, 'resourceDesc') or ''!r} "
                        f"{text_of(resource, 'uri') or ''}".rstrip())

    # what differs between <info> blocks, where facts should be the same
    for other in infos:
        if other is primary:
            continue
        for part in ("onset", "expires", "web", "contact"):
            if text_of(other, part) != text_of(primary, part):
                notes.append(f"the {tag(other)} block has a different <{part}> "
                             f"({text_of(other, part)!r}); used {text_of(primary, part)!r}")

    cap = imported.cap
    cap.update({"identifier": imported.identifier, "sender": imported.sender,
                "sent": sent_text, "status": imported.status, "msgType": imported.msg_type,
                "scope": text_of(root, "scope") or ""})
    if imported.references:
        cap["references"] = imported.references
    cap["language"] = language
    for part in ("event", "category", "urgency", "severity", "certainty", "responseType",
                 "effective", "headline", "description", "instruction"):
        values = [(c.text or "").strip() for c in children(primary, part)]
        values = [v for v in values if v]
        if len(values) == 1:
            cap[part] = values[0]
        elif values:
            cap[part] = values
    if geocodes:
        cap["geocodes"] = geocodes
    return imported


def alert_reference(path: str | Path) -> str:
    """``sender,identifier,sent`` of the alert in ``path``, for an Update or Cancel."""
    name = str(path)
    root, lines = parse_xml(read_limited(path), name)
    root_alert(root, name)
    parts = []
    for required in ("sender", "identifier", "sent"):
        value = text_of(root, required)
        if value is None:
            raise CapError(f"missing required <{required}>", path=name, field="<alert>")
        parts.append(value)
    return ",".join(parts)
