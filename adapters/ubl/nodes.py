"""Walk a UBL tree while remembering where we are, so every error can say where.

UBL puts everything in two namespaces (cac for aggregates, cbc for basic values); the
reader asks for children by their prefixed names ("cac:Party", "cbc:ID") and every value
it reads comes with an XPath-like location such as
``/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount``, which is what an `InputError`
reports.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from ledgerpact.registry.errors import InputError

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PREFIXES = {"cac": CAC, "cbc": CBC}

_CANONICAL_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def _clark(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{PREFIXES[prefix]}}}{local}"


def canonical_decimal(text: str) -> str | None:
    """The decimal string the canonical model uses, or None if ``text`` is not a decimal.

    Canonical text is kept byte for byte (trailing zeros say how precise a value is);
    other spellings XML Schema allows ("+5", "05", ".5") are rewritten without exponent.
    """
    text = text.strip()
    if _CANONICAL_DECIMAL.match(text):
        return text
    if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        return None
    rendered = format(value, "f")
    return "0" + rendered[rendered.index(".") :] if rendered.startswith(".") else rendered


class Node:
    """An element plus its location in the document."""

    def __init__(self, element: ET.Element, path: str, source: str) -> None:
        self.element = element
        self.path = path
        self.source = source

    def error(self, message: str, path: str | None = None) -> InputError:
        return InputError(message, file=self.source, pointer=path or self.path)

    def children(self, name: str) -> Iterator[Node]:
        found = self.element.findall(_clark(name))
        for index, element in enumerate(found, start=1):
            suffix = f"[{index}]" if len(found) > 1 else ""
            yield Node(element, f"{self.path}/{name}{suffix}", self.source)

    def child(self, name: str) -> Node | None:
        return next(self.children(name), None)

    def missing(self, name: str, term: str) -> InputError:
        """The error for a mandatory child ``name`` (business term ``term``) that is absent."""
        return self.error(
            f"missing {name} ({term}), which EN 16931 requires", f"{self.path}/{name}"
        )

    def require(self, name: str, term: str) -> Node:
        node = self.child(name)
        if node is None:
            raise self.missing(name, term)
        return node

    @property
    def text(self) -> str:
        return (self.element.text or "").strip()

    @property
    def line_text(self) -> str:
        """The text as one line: names and codes wrapped in the XML are not multi-line values."""
        return " ".join(self.text.split())

    @property
    def block_text(self) -> str:
        """Multi-line text with the XML's indentation taken out of every line."""
        lines = [line.strip() for line in self.text.splitlines()]
        return "\n".join(line for line in lines if line)

    def attr(self, name: str) -> str | None:
        value = self.element.get(name)
        return value.strip() if value is not None and value.strip() else None

    def value(self, name: str) -> str | None:
        """The one-line text of child ``name``, or None when absent or empty."""
        node = self.child(name)
        return (node.line_text or None) if node is not None else None

    def require_value(self, name: str, term: str) -> str:
        node = self.require(name, term)
        if not node.line_text:
            raise node.error(f"{name} ({term}) is empty")
        return node.line_text

    def decimal(self) -> str:
        value = canonical_decimal(self.text)
        if value is None:
            raise self.error(f"expected a decimal number, found {self.line_text[:40]!r}")
        return value
