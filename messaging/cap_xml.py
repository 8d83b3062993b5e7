"""Untrusted CAP XML, read safely: at most :data:`MAX_BYTES` bytes, no entities.

The file is read up to the size limit and no further (a stream such as ``/dev/zero`` or a
pipe that never ends is refused after 5 MB, not read until memory runs out), then parsed
with ``defusedxml``, so entity declarations (the "billion laughs" bomb) and external
entities are refused before anything is expanded or fetched. Every element remembers the
line it starts on, for errors that name it.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from .cap import NAMESPACES, CapError, local, namespace

#: a CAP alert is a few kilobytes; a file this large is not one
MAX_BYTES = 5 * 1024 * 1024


def read_limited(path: str | Path) -> bytes:
    """The bytes of ``path``, or :class:`CapError` once it holds more than MAX_BYTES."""
    name = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise CapError("file not found", path=name) from None
    except IsADirectoryError:
        raise CapError("is a folder, not a CAP file", path=name) from None
    except OSError as exc:
        raise CapError(f"cannot read file ({exc.strerror or exc})", path=name) from None
    if len(data) > MAX_BYTES:
        raise CapError(f"more than {MAX_BYTES:,} bytes: too large for a CAP alert (read "
                       "stopped there)", path=name)
    return data


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


def root_alert(root: ET.Element, path: str) -> str:
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
