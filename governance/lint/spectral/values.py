"""The JavaScript value semantics Spectral's functions and messages are written in.

A team's ``.spectral.yaml`` was tuned against Spectral's output, and Spectral is JavaScript:
"truthy" means JavaScript truthiness (an empty object is truthy, ``0`` and ``""`` are not), a
missing property is ``undefined`` (not ``null``), string length counts UTF-16 code units, and
messages print values the way Spectral's ``printValue`` does. Keeping those rules in one place
is what lets the same ruleset give the same findings here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final


class _Undefined:
    """JavaScript's ``undefined``: the value of a property that is not there at all."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Final = _Undefined()


def is_object(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_array(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def is_number(value: Any) -> bool:
    """A JSON number (Python's ``bool`` is an ``int``, but ``true`` is not a number)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def is_primitive(value: Any) -> bool:
    return value is None or isinstance(value, str | bool) or is_number(value)


def js_truthy(value: Any) -> bool:
    """``if (value)`` in JavaScript: objects and arrays are truthy even when empty."""
    if value is UNDEFINED or value is None or value is False:
        return False
    if is_number(value):
        return not (value == 0 or (isinstance(value, float) and math.isnan(value)))
    if isinstance(value, str):
        return value != ""
    return True


def js_number(value: int | float | Decimal) -> str:
    """A number as JavaScript prints it (``2.0`` is ``2``)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def to_js_number(value: Any) -> float:
    """``Number(value)`` for the strings and numbers rules compare (NaN when not numeric)."""
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        if text in ("Infinity", "+Infinity", "-Infinity"):
            return -math.inf if text.startswith("-") else math.inf
        lowered = text.lower()
        if "inf" in lowered or "nan" in lowered or "_" in text:
            return math.nan  # Python's float() accepts these; JavaScript's Number() does not
        try:
            if lowered.startswith(("0x", "0o", "0b")):
                return float(int(text, 0))
            return float(text)
        except ValueError:
            return math.nan
    return math.nan


def print_value(value: Any) -> str:
    """Spectral's ``printValue``: strings quoted as JSON, containers as ``Object{}`` or
    ``Array[]``, ``undefined`` spelled out."""
    if value is UNDEFINED:
        return "undefined"
    if is_object(value):
        return "Object{}"
    if is_array(value):
        return "Array[]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if is_number(value):
        return js_number(value)
    return json.dumps(str(value), ensure_ascii=False)


def js_string(value: Any) -> str:
    """``String(value)``: what ``{{value}}`` puts into a message."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return js_number(value)
    if isinstance(value, str):
        return value
    if is_object(value):
        return "[object Object]"
    if is_array(value):
        return ",".join("" if item is None or item is UNDEFINED else js_string(item)
                        for item in value)
    return str(value)


def js_type_name(value: Any) -> str:
    """The capitalised ``typeof`` that Spectral's schema messages start with."""
    if isinstance(value, str):
        return "String"
    if isinstance(value, bool):
        return "Boolean"
    if is_number(value):
        return "Number"
    return "Object"


def utf16_length(text: str) -> int:
    """``text.length`` in JavaScript: UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2
