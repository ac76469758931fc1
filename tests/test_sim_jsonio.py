"""The simulators' one exact-decimal JSON (jsonio): what goes in comes back, digit for digit,
on orjson's fast path and on the standard library's path for what orjson refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ledgerpact.generators.simulators.jsonio import NotJson, dumps, has_fraction, loads

EXACT = {"amount": Decimal("1234.50"), "exp": Decimal("1E+2"), "tiny": Decimal("1E-36"),
         "neg": Decimal("-0.10"), "int": 7, "flag": False, "none": None,
         "text": "Müller \"GmbH\" 10:17:12.25Z", "nested": [{"x": Decimal("0.0")}, []]}


@pytest.mark.parametrize("extra", [{}, {"huge": 2**80}, {"lone": "a \ud800 b"}],
                         ids=["orjson", "big-integer", "lone-surrogate"])
def test_values_round_trip_with_their_digits(extra: dict[str, object]) -> None:
    value = EXACT | extra
    raw = dumps(value)
    assert isinstance(raw, bytes)
    for data in (raw, raw.decode("utf-8")):
        back = loads(data)
        assert back == value
        assert {k: str(v) for k, v in back.items() if isinstance(v, Decimal)} == {
            "amount": "1234.50", "exp": "1E+2", "tiny": "1E-36", "neg": "-0.10"}
        assert type(back["int"]) is int and str(back["nested"][0]["x"]) == "0.0"


def test_decimals_are_bare_numbers_in_the_text() -> None:
    assert dumps({"a": Decimal("1234.50"), "s": "1234.50", "b": [Decimal("1E+3")]}) == \
        b'{"a":1234.50,"s":"1234.50","b":[1E+3]}'
    assert json.loads(dumps({"n": 2**70, "d": Decimal("2.5")})) == {"n": 2**70, "d": 2.5}


def test_what_would_not_come_back_is_refused() -> None:
    for bad in (Decimal("NaN"), Decimal("-Infinity"), datetime(2026, 1, 1, tzinfo=UTC),
                object(), float("nan")):
        with pytest.raises(NotJson) as caught:
            dumps({"x": bad, "big": 2**70} if isinstance(bad, float) else {"x": bad})
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    for text in ("NaN", '{"x": Infinity}', "{", '{"a": 1,}'):
        with pytest.raises(ValueError):
            loads(text)


def test_fraction_detection_never_misses_a_fraction() -> None:
    """has_fraction may say yes for text inside a string, never no for a real fraction."""
    for text in ("1.5", " -2e3 ", "[1,2.0]", '{"a" : 1E+2 }', '{"a":[{"b":-0.5}]}',
                 "[0.1,\n 2]"):
        assert has_fraction(text) and has_fraction(text.encode()), text
        assert any(isinstance(v, Decimal) for v in _leaves(loads(text))), text
    for text in ('{"t":"10:17:12.25Z","n":[1,-2,30]}', '{"s":"2985.40"}', "[]", '{"a":1}\n'):
        assert not has_fraction(text), text
        assert not any(isinstance(v, Decimal) for v in _leaves(loads(text))), text
    # a string that looks like a fraction costs the exact path, and still reads as a string
    assert has_fraction('{"s":"x:1.5,y"}') and loads('{"s":"x:1.5,y"}') == {"s": "x:1.5,y"}
    assert loads("7") == 7 and type(loads("7")) is int  # a bare number: the exact path
    # what the caller already knows is trusted
    assert loads('{"a":1.5}', True) == {"a": Decimal("1.5")}


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]
