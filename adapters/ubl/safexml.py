"""Parse untrusted XML without letting it declare anything.

E-invoices arrive from outside (suppliers, access points, mailboxes). A document type
declaration is the one XML feature that lets such a file make the parser do unbounded work
(entity expansion, the "billion laughs") or reach out for other files, and UBL never needs
one, so any DTD is refused before a tree is built. The check runs in expat itself, which
sees the declaration whatever the document's encoding, and aborts at the declaration's
start, before any entity could be expanded.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from ledgerpact.registry.errors import InputError

MAX_BYTES = 50 * 1024 * 1024
# Elements nested deeper than this are refused, as JSON and YAML deeper than 256 levels are:
# a UBL invoice is about a dozen levels deep, and every walk over the tree (the reader, the
# simulator's amount check) would otherwise pay for a million-level chain of unknown
# elements a client can send in a few megabytes.
MAX_DEPTH = 256


class _Refused(Exception):
    """Raised from inside expat's callbacks to stop the parse at a forbidden construct."""

    def __init__(self, what: str, line: int) -> None:
        super().__init__(what)
        self.what = what
        self.line = line


def _refuse_declarations(xml: bytes) -> None:
    parser = expat.ParserCreate()

    def doctype(*_args: object) -> None:
        raise _Refused("a DOCTYPE declaration", parser.CurrentLineNumber)

    def entity(*_args: object) -> None:
        raise _Refused("an ENTITY declaration", parser.CurrentLineNumber)

    depth = 0

    def start(*_args: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_DEPTH} levels",
                           parser.CurrentLineNumber)

    def end(*_args: object) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(xml, True)


def parse(xml: bytes, source: str) -> ET.Element:
    """The document's root element, or `InputError` for anything that is not plain, safe XML."""
    if len(xml) > MAX_BYTES:
        raise InputError(
            f"document is {len(xml):,} bytes, over the {MAX_BYTES:,}-byte limit", file=source
        )
    try:
        _refuse_declarations(xml)
    except _Refused as refused:
        why = ("a UBL document is a few dozen levels deep at most" if "nested" in refused.what
               else "UBL documents never need a DTD and entity declarations can expand "
                    "without bound")
        raise InputError(f"refusing {refused.what}: {why}", file=source,
                         line=refused.line) from None
    except expat.ExpatError as exc:
        raise InputError(
            f"malformed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})",
            file=source,
            line=exc.lineno,
        ) from None
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:  # pragma: no cover - expat already accepted the bytes
        line, column = exc.position
        raise InputError(f"malformed XML (column {column + 1})", file=source, line=line) from None
