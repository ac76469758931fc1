"""Exact-decimal JSON for the simulators: one writer and one reader shared by the store, the
event envelopes and (later) the engine, so money keeps its digits on every path.

Why not the standard library alone: it is several times slower than orjson, and the store and
the outbox parse and write JSON on every posting. Why not orjson alone: it cannot write a
``Decimal`` exactly, reads fractions as floats, and refuses what JSON allows (integers beyond
64 bits, lone surrogates such as ``"\\ud800"``). So orjson does the common case and the
standard library the rest, with the same output.

Numbers: a ``Decimal`` is written with its own digits (``str``: ``1234.50`` stays ``1234.50``,
``1E+2`` stays ``1E+2``), never through a float; on reading, every number with a fraction or
an exponent becomes a ``Decimal`` with exactly the digits it was written with, integers stay
``int``. Values that would not come back as they went in (NaN, dates, arbitrary objects) are
refused with ``NotJson``, which is both a ``TypeError`` and a ``ValueError`` so that callers
written against either keep working.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["NotJson", "dumps", "has_fraction", "loads"]


class NotJson(TypeError, ValueError):
    """A value JSON cannot carry exactly (NaN, Infinity, a date, an arbitrary object)."""


# Dates, UUIDs and dataclasses would be written by orjson natively but read back as strings:
# passed through to ``_default``, which refuses them.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# A number token with a fraction or an exponent: after ``:``, ``,`` or ``[`` (where a value
# can start) up to where a value can end (``,``, ``}``, ``]`` or the end). A document that is a
# bare number is checked apart (a leading ``^`` alternative makes the search three times
# slower). Text inside a string may match ("x:1.5,y"); that only takes the exact, slower path.
# A time such as "10:17:12.25Z" does not: a "Z" cannot follow a number.
_NUMBER = r"[:,\[]\s*-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)\s*(?:[,}\]]|\Z)"
_FRACTION = re.compile(_NUMBER)
_FRACTION_BYTES = re.compile(_NUMBER.encode())
_NUMBER_START = frozenset("-0123456789")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotJson(f"{value} is not a JSON number")
        return orjson.Fragment(str(value))
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise NotJson(f"{type(value).__name__} cannot be written as JSON exactly")


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; Decimals as bare numbers with exactly their digits."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:
        cause = exc.__cause__
        if isinstance(cause, NotJson):
            raise NotJson(str(cause)) from None
        reason = str(exc)
        if "64-bit" not in reason and "surrogates" not in reason:
            raise NotJson(reason) from None
    return _stdlib_dumps(value)


def _stdlib_dumps(value: Any) -> bytes:
    """What orjson refuses but JSON allows: integers beyond 64 bits, lone surrogates.
    Decimals go out as strings marked with a fresh token no data can contain, then unquoted."""
    token = secrets.token_hex(12)

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal) and obj.is_finite():
            return token + str(obj)
        return _default(obj)

    try:
        text = json.dumps(value, default=default, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:  # NaN float or a circular reference
        raise NotJson(str(exc)) from None
    return re.sub(f'"{token}([^"]*)"', r"\1", text).encode("ascii")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def has_fraction(data: bytes | str) -> bool:
    """Whether JSON text may hold a number with a fraction or exponent (then ``loads`` must
    take the exact path); False is certain. Callers that read one text often (the store's
    cache) keep the answer and pass it to ``loads``."""
    head = data.lstrip()[:1]
    if isinstance(head, bytes | bytearray):
        head = head.decode("latin-1")
    if head in _NUMBER_START:
        return bool(head)
    fraction = _FRACTION_BYTES if isinstance(data, bytes | bytearray) else _FRACTION
    return fraction.search(data) is not None  # type: ignore[arg-type]


def loads(data: bytes | str, fractions: bool | None = None) -> Any:
    """JSON with every number that has a fraction or exponent as an exact ``Decimal``.

    ``fractions``: what ``has_fraction(data)`` said, if the caller knows it already.
    Invalid JSON (including NaN and Infinity) raises ``ValueError``."""
    if not (has_fraction(data) if fractions is None else fractions):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # big integers and lone surrogates are JSON too; the stdlib reads them
    return json.loads(data, parse_float=Decimal, parse_constant=_refuse_constant)
