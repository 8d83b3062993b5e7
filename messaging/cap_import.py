"""Read a CAP alert published by an authority and turn it into a scenario.

Tolerant of real feeds: CAP 1.1 or 1.2, any language, several ``<info>`` blocks, missing
optional elements. Strict where safety needs it: the file is parsed with ``defusedxml``,
so entity declarations (the "billion laughs" bomb) and external entities are refused
before anything is expanded or fetched; a file that is not XML, or not a CAP alert, or
lacks a required alert element, is one clear error naming the file and line.

The facts follow the scenario vocabulary (see ``scenarios.py``): ``senderName`` →
``source``, ``event`` → ``hazard`` (a glossary key), ``areaDesc`` → ``area``,
``polygon``/``circle`` → ``[area]``, ``sent`` → ``issued``, ``onset``, ``expires``,
``contact`` → ``hotline`` (when it holds a phone number), ``web`` → ``url``; the official
headline, description and instruction are kept in a ``[cap]`` table for the officer.
Everything that could not be mapped is listed, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from .cap import (
    EMSG_PREFIX,
    NAMESPACES,
    CapError,
    check_rules,
    children,
    local,
    namespace,
    parse_circle,
    parse_polygon,
    parse_time,
    text_of,
)
from .glossary import HAZARD_CONTEXT, HAZARDS

#: a CAP alert is a few kilobytes; a file this large is not one
MAX_BYTES = 5 * 1024 * 1024
REQUIRED = ("identifier", "sender", "sent", "status", "msgType", "scope")

#: how authorities in the region name our hazards, besides the catalogs' translations
#: (compared without accents or case, as whole words)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "hurricane": ("hurricane", "huracan", "huracanes", "ouragan", "furacao", "siklon"),
    "tropical_storm": ("tropical storm", "tormenta tropical", "tempete tropicale",
                       "tempestade tropical", "tanpet tropikal"),
    "flood": ("flood", "floods", "flooding", "flash flood", "inundacion", "inundaciones",
              "crecida", "crecidas", "inondation", "inondations", "inundacao", "inundacoes",
              "inondasyon", "lavalas"),
    "landslide": ("landslide", "landslides", "mudslide", "deslave", "deslaves",
                  "deslizamiento", "deslizamientos", "derrumbe", "derrumbes",
                  "glissement de terrain", "deslizamento", "glisman teren"),
    "earthquake": ("earthquake", "sismo", "sismos", "terremoto", "temblor", "seisme",
                   "tremblement de terre", "tranblemannte", "goudougoudou"),
    "tsunami": ("tsunami", "maremoto", "raz de maree"),
    "volcanic_eruption": ("volcanic eruption", "volcanic", "eruption", "erupcion",
                          "erupcion volcanica", "actividad volcanica", "volcan",
                          "eruption volcanique", "erupcao"),
    "wildfire": ("wildfire", "wildfires", "forest fire", "incendio forestal",
                 "incendios forestales", "feu de foret", "incendie de foret",
                 "incendio florestal"),
    "extreme_heat": ("extreme heat", "excessive heat", "heat wave", "calor extremo",
                     "ola de calor", "onda de calor", "canicule", "chaleur extreme"),
}

#: SAME / EAS event codes (US NWS and others) some feeds carry as <eventCode>
SAME_CODES = {
    "HUW": "hurricane", "HUA": "hurricane", "HLS": "hurricane",
    "TRW": "tropical_storm", "TRA": "tropical_storm",
    "FFW": "flood", "FFA": "flood", "FFS": "flood", "FLW": "flood", "FLA": "flood",
    "FLS": "flood", "EQW": "earthquake", "TSW": "tsunami", "TSA": "tsunami",
    "VOW": "volcanic_eruption", "FRW": "wildfire", "LSW": "landslide",
    "EHW": "extreme_heat", "EHA": "extreme_heat",
}


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


# -- hardened parsing ----------------------------------------------------------------------

class _LineBuilder(ET.TreeBuilder):
    """A tree builder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.expat = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        if self.expat is not None:
            self.lines[id(element)] = self.expat.CurrentLineNumber
        return element


def parse_xml(data: bytes, path: str) -> tuple[ET.Element, dict[int, int]]:
    """Parse untrusted XML: no entity declarations, no external entities, no huge files."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    if len(data) > MAX_BYTES:
        raise CapError(f"{len(data):,} bytes is too large for a CAP alert (at most "
                       f"{MAX_BYTES:,})", path=path)
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True,
                              forbid_external=True)
    builder.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        line = parser.parser.CurrentLineNumber
        kind = type(exc).__name__
        what = ("declares XML entities (an entity-expansion bomb or an external entity "
                "could hide there)" if kind == "EntitiesForbidden"
                else "refers to an external resource" if "External" in kind
                else f"uses a forbidden XML construct ({kind})")
        raise CapError(f"refused: the file {what}; CAP alerts need neither", path=path,
                       line=line) from None
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise CapError(f"not XML ({reason} at column {column + 1})", path=path,
                       line=line) from None
    return root, builder.lines


def _root_alert(root: ET.Element, path: str) -> str:
    ns, name = namespace(root), local(root)
    if name == "alert" and ns in NAMESPACES:
        return NAMESPACES[ns]
    if name in ("feed", "rss"):
        raise CapError(f"this is an {'Atom' if name == 'feed' else 'RSS'} feed, not a CAP "
                       "alert: download the CAP file one of its entries links to",
                       path=path, line=1)
    found = f"<{name}>" + (f" in namespace {ns}" if ns else " without a namespace")
    raise CapError(f"not a CAP alert: the root element is {found}, expected <alert> in "
                   "the CAP 1.1 or 1.2 namespace", path=path, line=1)


# -- mapping -------------------------------------------------------------------------------

def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("ʼ", "'").replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def hazard_terms(renderer=None) -> dict[str, str]:
    """Folded term → glossary key: English, our catalogs' translations, known synonyms."""
    terms: dict[str, str] = {}
    for key, english in HAZARDS.items():
        terms[_fold(english)] = key
        terms[_fold(key.replace("_", " "))] = key
        for synonym in SYNONYMS.get(key, ()):
            terms.setdefault(_fold(synonym), key)
    if renderer is not None:
        for code in renderer.languages.codes():
            catalog = renderer.catalog(code)
            if catalog is None:
                continue
            for key, english in HAZARDS.items():
                entry = catalog.lookup(HAZARD_CONTEXT, english)
                if entry is not None and entry.strings[0].strip():
                    terms.setdefault(_fold(entry.strings[0]), key)
    return terms


def match_hazard(text: str, terms: dict[str, str]) -> tuple[str | None, list[str]]:
    """The hazard ``text`` names (the earliest, longest term), and every hazard it names."""
    folded = _fold(text)
    found: list[tuple[int, int, str]] = []
    for term, key in terms.items():
        for m in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
            found.append((m.start(), -len(term), key))
    if not found:
        return None, []
    found.sort()
    keys = list(dict.fromkeys(key for _, _, key in found))
    return found[0][2], keys


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
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise CapError("file not found", path=name) from None
        except OSError as exc:
            raise CapError(f"cannot read file ({exc.strerror})", path=name) from None
    root, lines = parse_xml(data, name)
    version = _root_alert(root, name)
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
        if fact and re.fullmatch(r"[A-Za-z_]\w*", fact) and fact not in facts:
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
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CapError(f"cannot read file ({exc.strerror})", path=name) from None
    root, lines = parse_xml(data, name)
    _root_alert(root, name)
    parts = []
    for required in ("sender", "identifier", "sent"):
        value = text_of(root, required)
        if value is None:
            raise CapError(f"missing required <{required}>", path=name, field="<alert>")
        parts.append(value)
    return ",".join(parts)


# -- writing the scenario ------------------------------------------------------------------

FACT_ORDER = ("source", "hazard", "area", "issued", "onset", "expires", "evacuate_by",
              "ended", "shelter", "shelters_open", "hotline", "url", "id_required")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    # JSON strings are TOML basic strings (same escapes), kept readable
    return json.dumps(str(value), ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())


def scenario_toml(imported: ImportedAlert, renderer=None) -> str:
    """The scenario file for ``imported``: facts, area, provenance, and what is missing."""
    out = [
        f"# Imported by `emsg cap import` from {Path(imported.path).name}",
        f"# CAP {imported.version} {imported.msg_type} {imported.identifier} "
        f"from {imported.sender}, sent {imported.sent} ({imported.status}).",
        "# Check every fact against the alert before drafting. The official wording is in",
        "# [cap] at the end.",
    ]
    if imported.unmapped:
        out.append("# Not mapped:")
        out += [f"#   - {_comment(item)}" for item in imported.unmapped]
    out += ["", "[scenario]", f"title = {_toml(imported.title)}"]
    if imported.description:
        out.append(f"description = {_toml(imported.description)}")
    if imported.timezone:
        out.append(f"timezone = {_toml(imported.timezone)}")
    else:
        out.append('# timezone = "..."   # the event\'s IANA zone (e.g. America/Mexico_City): '
                   "needed to draft any message that states a time")
    if imported.region:
        out.append(f"region = {_toml(imported.region)}")
    out.append('# languages = ["es", "quc", "mam"]   # your nationals\' languages '
               "(default: all)")
    out += ["", "[facts]"]
    names = [n for n in FACT_ORDER if n in imported.facts]
    names += [n for n in imported.facts if n not in names]
    for name in names:
        out.append(f"{name} = {_toml(imported.facts[name])}")
    missing = _missing(imported, renderer)
    if missing:
        out.append("# Not in the alert; add before drafting the message types that need "
                   "them:")
        for name, users in missing.items():
            out.append(f"# {name} = ...   # needed by {', '.join(users)}")
    if imported.area:
        out += ["", "[area]"]
        for kind, values in imported.area.items():
            out.append(f"{kind} = {_toml(values[0] if len(values) == 1 else values)}")
    out += ["", "# The alert this scenario comes from (not used for drafting).", "[cap]"]
    for key, value in imported.cap.items():
        out.append(f"{key} = {_toml(value)}")
    return "\n".join(out) + "\n"


def _missing(imported: ImportedAlert, renderer) -> dict[str, list[str]]:
    from .message_types import list_types

    missing: dict[str, list[str]] = {}
    if renderer is None:
        return missing
    for type_name in list_types(renderer.templates_dir):
        for var in renderer.message_type(type_name).variables.values():
            if var.required and var.name not in imported.facts:
                missing.setdefault(var.name, []).append(type_name)
    return missing
