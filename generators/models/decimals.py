"""Which string schemas hold decimal numbers.

The canonical contracts write money, quantities, rates and percentages as decimal strings
(``"1250.00"``) so that no binary float ever touches them; the models must read those into
``Decimal``. No keyword says "this string is a number", so the pattern does: a pattern built
only from digits, an optional sign and a decimal point, that accepts a fraction and refuses
dates, exponents and stray characters, describes a decimal. ``format: decimal`` says so
explicitly and is honoured too.
"""

from __future__ import annotations

import re
from typing import Any

# Regex syntax plus the only characters a decimal is written with.
_DECIMAL_PATTERN_CHARS = frozenset("^$?()|[]0123456789.*+{},-:")
_ACCEPTS_ONE_OF = ("1.5", "0.5", "12.34", "0.0022")
_REFUSES_ALL = ("2024-01-31", "1.2.3", "1e5", "+1", "abc", " 1", "1,5", "1-2")


def is_decimal_pattern(pattern: str) -> bool:
    """True when ``pattern`` (a JSON Schema ``pattern``) describes decimal numbers. JSON Schema
    patterns are not anchored, so the refusals use ``search``: ``[0-9]+`` restricts nothing."""
    stripped = pattern.replace("\\d", "0").replace("\\.", ".")
    if not set(stripped) <= _DECIMAL_PATTERN_CHARS or "." not in stripped:
        return False
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return (any(compiled.fullmatch(s) for s in _ACCEPTS_ONE_OF)
            and not any(compiled.search(s) for s in _REFUSES_ALL))


def _types(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list) and all(isinstance(k, str) for k in kind):
        return set(kind)
    return None


def is_decimal_string(schema: dict[str, Any]) -> bool:
    """A string schema whose values are decimal numbers. A schema without ``type`` counts when
    its pattern is a decimal's: it narrows a decimal string it is combined with (a ``$ref``
    sibling or an ``allOf`` member), and the pattern must reach the decimal's text."""
    if _types(schema) not in ({"string"}, None):
        return False
    if schema.get("format") == "decimal":
        return True
    pattern = schema.get("pattern")
    return isinstance(pattern, str) and is_decimal_pattern(pattern)


def is_json_number(schema: dict[str, Any]) -> bool:
    """A JSON number that may have a fraction (``type: number``); integers stay ``int``."""
    return _types(schema) == {"number"}


def is_nullable_json_number(schema: dict[str, Any]) -> bool:
    """``type: [number, "null"]``: the generator would write ``float | None``."""
    return _types(schema) == {"number", "null"}
