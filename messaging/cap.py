"""OASIS CAP 1.2 vocabulary shared by export and import, and the rules the XSD cannot check.

The schema (``CAP-v1.2.xsd``) checks element order, enumerations and the shape of times.
It cannot check what the CAP 1.2 specification says in prose, so :func:`check_rules` does:

- ``scope`` Restricted needs ``restriction``; Private needs ``addresses``;
- ``msgType`` Update, Cancel, Ack and Error need ``references`` (``sender,identifier,sent``
  triples separated by spaces);
- a ``polygon`` is at least four ``lat,lon`` pairs, the first equal to the last, in range;
  a ``circle`` is ``lat,lon radius`` with a radius in kilometres;
- a ``headline`` is at most 160 characters;
- ``identifier`` and ``sender`` have no spaces, commas, ``<`` or ``&``;
- times carry a numeric UTC offset, never ``Z`` (UTC is written ``-00:00``).

Pure functions over ``xml.etree.ElementTree`` elements; both CAP 1.1 and 1.2 namespaces.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from .errors import InputError

CAP_12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_11 = "urn:oasis:names:tc:emergency:cap:1.1"
NAMESPACES = {CAP_12: "1.2", CAP_11: "1.1"}

HEADLINE_LIMIT = 160
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
NEEDS_REFERENCES = ("Update", "Cancel", "Ack", "Error")

#: ``valueName`` of the ``eventCode``/``parameter`` pairs emsg writes, so a round trip
#: export → import recovers every fact, not only those CAP has an element for.
EMSG_PREFIX = "emsg:"

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")
_FORBIDDEN_ID = re.compile(r"[\s,<&]")


class CapError(InputError):
    """A CAP alert that cannot be read, or one that would break the CAP rules."""


# -- times -------------------------------------------------------------------------------

def format_time(value: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """A CAP time: seconds, a numeric offset, UTC as ``-00:00`` (never ``Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset")
    if tz is not None:
        value = value.astimezone(tz)
    offset = value.utcoffset() or dt.timedelta(0)
    if offset.total_seconds() % 60:
        raise ValueError(f"{value.isoformat()}: CAP offsets are whole minutes")
    text = value.replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def parse_time(text: str) -> dt.datetime:
    """A time from an alert; tolerant of what CAP forbids (``Z``, fractions of seconds),
    which :func:`check_rules` reports."""
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date and time: {text!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return value


# -- areas ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    def __str__(self) -> str:
        return f"{_num(self.lat)},{_num(self.lon)}"


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _point(text: str) -> Point:
    lat_text, sep, lon_text = text.partition(",")
    try:
        if not sep:
            raise ValueError
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise ValueError(f"{text!r} is not a 'latitude,longitude' pair") from None
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude {lat_text} is outside -90..90")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude {lon_text} is outside -180..180")
    return Point(lat, lon)


def parse_polygon(text: str) -> list[Point]:
    """``"lat,lon lat,lon ..."``: at least 4 pairs, closed (first == last), in range."""
    points = [_point(pair) for pair in text.split()]
    if len(points) < 4:
        raise ValueError(f"a polygon needs at least 4 points (the first repeated last), "
                         f"got {len(points)}")
    if points[0] != points[-1]:
        raise ValueError(f"polygon is not closed: first point {points[0]}, "
                         f"last {points[-1]}")
    return points


def parse_circle(text: str) -> tuple[Point, float]:
    """``"lat,lon radius"`` with the radius in kilometres."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"a circle is 'latitude,longitude radius_km', got {text!r}")
    centre = _point(parts[0])
    try:
        radius = float(parts[1])
    except ValueError:
        raise ValueError(f"radius {parts[1]!r} is not a number of kilometres") from None
    if radius < 0:
        raise ValueError(f"radius {parts[1]} is negative")
    return centre, radius


# -- reading elements in either namespace ----------------------------------------------------

def namespace(element: Element) -> str:
    return element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""


def local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child) == name]


def text_of(element: Element, name: str) -> str | None:
    """Stripped text of the first child ``name``; ``None`` when absent or blank."""
    for child in children(element, name):
        value = (child.text or "").strip()
        return value or None
    return None


# -- the rules -------------------------------------------------------------------------------

def check_rules(alert: Element) -> list[str]:
    """What ``alert`` breaks of the CAP 1.2 rules the schema cannot express ([] if none)."""
    problems: list[str] = []
    for name in ("identifier", "sender"):
        value = text_of(alert, name)
        if value and _FORBIDDEN_ID.search(value):
            problems.append(f"<{name}> {value!r} must not contain spaces, commas, '<' or '&'")
    scope = text_of(alert, "scope")
    if scope == "Restricted" and not text_of(alert, "restriction"):
        problems.append("<scope> Restricted needs a <restriction>")
    if scope == "Private" and not text_of(alert, "addresses"):
        problems.append("<scope> Private needs <addresses>")
    msg_type = text_of(alert, "msgType")
    references = text_of(alert, "references")
    if msg_type in NEEDS_REFERENCES and not references:
        problems.append(f"<msgType> {msg_type} needs <references> to the alert(s) it "
                        "updates or cancels")
    for reference in (references or "").split():
        if len(reference.split(",")) != 3:
            problems.append(f"<references> entry {reference!r} is not sender,identifier,sent")
    times = [("", "sent", text_of(alert, "sent"))]
    for number, info in enumerate(children(alert, "info"), start=1):
        where = f"info {number}"
        language = text_of(info, "language")
        if language:
            where += f" ({language})"
        headline = text_of(info, "headline")
        if headline and len(headline) > HEADLINE_LIMIT:
            problems.append(f"{where}: <headline> has {len(headline)} characters, over "
                            f"{HEADLINE_LIMIT}")
        times += [(f"{where}: ", n, text_of(info, n)) for n in ("effective", "onset",
                                                                "expires")]
        for area_number, area in enumerate(children(info, "area"), start=1):
            for kind, parse in (("polygon", parse_polygon), ("circle", parse_circle)):
                for element in children(area, kind):
                    try:
                        parse((element.text or "").strip())
                    except ValueError as exc:
                        problems.append(f"{where}: area {area_number}: <{kind}>: {exc}")
    for where, name, value in times:
        if value and not _TIME.fullmatch(value):
            problems.append(f"{where}<{name}> {value!r} must be YYYY-MM-DDThh:mm:ss with a numeric "
                            "offset such as -06:00 (never Z)")
    return problems


def language_tag(code: str, region: str | None, tag: str | None = None) -> str:
    """The ``<language>`` of an ``<info>`` written in our language ``code``.

    Spanish is written as the country the alert is for writes it, so it carries the
    scenario's region (``es-GT``, ``es-MX``); a language whose ``languages.toml`` entry
    gives a ``cap_language`` (``tag``) has that (Chinese: ``zh-CN``); every other language
    is the bare code, since its readers are migrants whose variety is not the host
    country's (``ht``, ``quc``, ``mam``, ``pt``, ``fr``, ``ar``, ``en``).
    """
    if tag:
        return tag
    if code == "es" and region and re.fullmatch(r"[A-Za-z]{2}|\d{3}", region):
        return f"es-{region.upper()}"
    return code
