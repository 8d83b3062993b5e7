"""The scenario file ``emsg cap import`` writes: facts, area, provenance, what is missing.

An alert is untrusted text, and the file it becomes is read back as TOML by every later
command. So every value written into it, comments included, is escaped: newlines, every
other control character and DEL, surrogates and the Unicode line separators become TOML
escapes (``\\u007F``) in strings and visible ``\\uXXXX`` in comments. No value can end its
line and start a key or a table (an ``[area]`` circle smuggled in an ``<identifier>``), and
the file always reads back. Facts that still hold a control character are refused when
drafted (:func:`messaging.facts.parse_value`), before any SMS or CAP is written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from .cap_import import ImportedAlert
from .scenarios import STATUSES

FACT_ORDER = ("source", "hazard", "area", "issued", "onset", "expires", "evacuate_by",
              "ended", "shelter", "shelters_open", "hotline", "url", "id_required")

#: TOML's short escapes; every other control character is written as \uXXXX
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
            "\f": "\\f", "\r": "\\r"}


def _unsafe(ch: str) -> bool:
    """A character that must not appear raw in a TOML file: C0 and C1 controls, DEL,
    surrogates, and the Unicode line and paragraph separators some editors break at."""
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029"


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string that reads back exactly (no raw control character,
    so nothing in it can end the line and start a key or a table)."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif unicodedata.category(ch) == "Cs":
            out.append("\\uFFFD")  # not a character TOML (or XML) can hold
        elif _unsafe(ch):
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return toml_string(str(value))


def _comment(text: object) -> str:
    """``text`` on one comment line: whitespace collapsed, control characters shown as
    \\uXXXX (a raw one would end the comment, or make the file unreadable)."""
    flat = " ".join(str(text).split())
    return "".join(f"\\u{ord(ch):04X}" if _unsafe(ch) else ch for ch in flat)


def scenario_toml(imported: ImportedAlert, renderer=None) -> str:
    """The scenario file for ``imported``: facts, area, provenance, and what is missing."""
    out = [
        f"# Imported by `emsg cap import` from {_comment(Path(imported.path).name)}",
        f"# CAP {_comment(imported.version)} {_comment(imported.msg_type)} "
        f"{_comment(imported.identifier)} from {_comment(imported.sender)}, sent "
        f"{_comment(imported.sent)} ({_comment(imported.status)}).",
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
    if imported.status in STATUSES and imported.status != "Actual":
        out.append(f"status = {_toml(imported.status)}   # the alert's CAP status: drafted, "
                   "sent and exported as an exercise unless --real")
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
