"""Single UBL values turned into canonical ones: amounts, dates, identifiers, flags.

Each function takes the `Node` holding the value, so a bad value is reported at its exact
location instead of surfacing later as a schema error with no link to the XML.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ledgerpact.adapters.ubl.nodes import Node

_DATE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$")


def money(node: Node, default_currency: str) -> dict[str, str]:
    """A Money object; UBL puts the currency on every amount (currencyID)."""
    return {"amount": node.decimal(), "currency": node.attr("currencyID") or default_currency}


def day(node: Node) -> str:
    """An xsd:date as a plain calendar date; a time-zone suffix is dropped because issue and
    due dates are legal dates, not instants."""
    match = _DATE.match(node.text)
    if match is not None:
        try:
            return date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            pass
    raise node.error(f"expected a date as YYYY-MM-DD, found {node.line_text[:40]!r}")


def optional_day(parent: Node, name: str) -> str | None:
    node = parent.child(name)
    return day(node) if node is not None and node.text else None


def schemed_id(node: Node) -> dict[str, str]:
    """An identifier with its schemeID (ISO 6523 ICD, EAS code...) when the XML gives one."""
    if not node.line_text:
        raise node.error("identifier is empty")
    result = {"id": node.line_text}
    if (scheme := node.attr("schemeID")) is not None:
        result["scheme"] = scheme
    if (version := node.attr("schemeVersionID")) is not None:
        result["schemeVersion"] = version
    return result


def indicator(node: Node) -> bool:
    """An xsd:boolean, which allows 1/0 as well as true/false."""
    text = node.text.lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise node.error(f"expected true or false, found {node.line_text[:40]!r}")


def put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` only when there is something to say: the canonical model has no nulls."""
    if value is not None and value != [] and value != {}:
        target[key] = value
