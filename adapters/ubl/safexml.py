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

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
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
        raise InputError(
            f"refusing {refused.what}: UBL documents never need a DTD and entity declarations "
            "can expand without bound",
            file=source,
            line=refused.line,
        ) from None
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
