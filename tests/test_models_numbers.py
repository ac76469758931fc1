"""JSON numbers in generated models are exact (issue 6): never a float on the way in, in
Python or on the way out. The spec is a reviewer's ``pay.yaml`` reduced to what matters: a
``type: number`` beside decimal strings, nested in a union and a list."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ledgerpact.generators.models.generate import contract_from_file, generate_models
from ledgerpact.registry.cli_support import file_workspace

SPEC = """\
openapi: 3.1.0
info: {title: Number Probe, version: 1.0.0}
paths: {}
components:
  schemas:
    Card:
      type: object
      required: [kind, amount]
      properties:
        kind: {type: string, const: card}
        amount: {type: string, pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$'}
        rate: {type: number}
    Holder:
      type: object
      properties:
        n: {type: number}
        label: {type: string}
        count: {type: integer}
        dec: {type: string, format: decimal}
        card: {$ref: '#/components/schemas/Card'}
        rates: {type: array, items: {type: number}}
        extra: {type: object, additionalProperties: true}
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp_path = tmp_path_factory.mktemp("numbers")
    spec = tmp_path / "probe.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    ws, rel, _ = file_workspace(str(spec))
    models = generate_models(contract_from_file(ws, rel, str(spec)))
    out = tmp_path / "out"
    for name, data in models.files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(models.package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == models.package]:
            del sys.modules[name]


# -- (1) Python floats are refused -------------------------------------------------------------


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan"), True, "1e3", "abc", [1]])
def test_a_json_number_field_refuses_floats_and_what_is_not_a_decimal(probe: Any,
                                                                       value: object) -> None:
    with pytest.raises(ValidationError):
        probe.Holder(n=value)
    with pytest.raises(ValidationError):
        probe.Holder.model_validate({"rates": [Decimal("1"), value]})


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1.10"), "1.10"), (7, "7"), ("2.50", "2.50"), ("-0.001", "-0.001"),
    (10**30, "1000000000000000000000000000000")])
def test_a_json_number_field_takes_decimals_ints_and_decimal_text(probe: Any, value: object,
                                                                  expected: str) -> None:
    n = probe.Holder(n=value).n
    assert type(n) is Decimal and format(n, "f") == expected


def test_infinite_decimals_are_refused(probe: Any) -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(ValidationError):
            probe.Holder(n=value)


# -- (2) exact reading from JSON ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["12345678901234567890.12", "0.12345678901234567890123",
                                  "0.1000000000000000055511151231257827", "1.10", "100.0",
                                  "-0.000000000000000000001"])
def test_json_numbers_are_read_with_every_digit(probe: Any, text: str) -> None:
    holder = probe.Holder.model_validate_json(f'{{"n": {text}, "rates": [{text}, 3]}}')
    assert holder.n == Decimal(text) and format(holder.n, "f") == text
    assert holder.rates == [Decimal(text), Decimal(3)]
    assert all(type(r) is Decimal for r in holder.rates)


def test_nested_models_and_untyped_values_are_read_exactly(probe: Any) -> None:
    holder = probe.Holder.model_validate_json(
        '{"card": {"kind": "card", "amount": "0.10", "rate": 12345678901234567890.12},'
        ' "extra": {"fee": 0.12345678901234567890123}}')
    assert holder.card.rate == Decimal("12345678901234567890.12")
    assert holder.card.amount == Decimal("0.10")
    assert holder.extra == {"fee": Decimal("0.12345678901234567890123")}
    assert probe.Card.model_validate_json(b'{"kind": "card", "amount": "1", "rate": 0.5}'
                                          ).rate == Decimal("0.5")


@pytest.mark.parametrize("payload", [
    '{"dec": 1.5}', '{"dec": 15}', '{"card": {"kind": "card", "amount": 0.10}}',
    '{"n": NaN}', '{"n": Infinity}', '{"n": 1', '{"label": 5}', '{"count": 1.5}', b'\xff',
    '{"n": "1e3"}'])
def test_json_the_contract_forbids_is_still_refused(probe: Any, payload: str | bytes) -> None:
    """A decimal *string* sent as a JSON number, NaN, broken JSON and wrong types fail as
    pydantic's own JSON reader failed: a ValidationError, never a crash or a silent float."""
    with pytest.raises(ValidationError):
        probe.Holder.model_validate_json(payload)


def test_context_and_strict_options_still_reach_validation(probe: Any) -> None:
    with pytest.raises(ValidationError):
        probe.Holder.model_validate_json('{"count": "3"}', strict=True)
    assert probe.Holder.model_validate_json('{"count": "3"}', context={"x": 1}).count == 3


# -- (3) exact writing -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["12345678901234567890.12", "0.12345678901234567890123",
                                  "1.10", "100.0", "0.10", "-0.000000000000000000001", "7"])
def test_json_numbers_are_written_with_their_digits(probe: Any, text: str) -> None:
    payload = (f'{{"n":{text},"card":{{"kind":"card","amount":"0.10","rate":{text}}},'
               f'"rates":[{text},1],"extra":{{"fee":{text},"note":"x"}}}}')
    holder = probe.Holder.model_validate_json(payload)
    assert holder.model_dump_json(exclude_unset=True) == payload
    assert probe.Holder(n=Decimal(text)).model_dump_json(exclude_none=True) == f'{{"n":{text}}}'


def test_writing_honours_pydantic_options(probe: Any) -> None:
    holder = probe.Holder(n=Decimal("1.50"), label='say "hé"\n', dec="2.00")
    assert holder.model_dump_json(exclude_none=True) == (
        '{"n":1.50,"label":"say \\"hé\\"\\n","dec":"2.00"}')
    assert holder.model_dump_json(exclude_none=True, include={"n"}) == '{"n":1.50}'
    assert holder.model_dump_json(exclude={"label", "dec"}) == (
        '{"n":1.50,"count":null,"card":null,"rates":null,"extra":null}')
    indented = holder.model_dump_json(exclude_none=True, indent=2)
    assert indented == '{\n  "n": 1.50,\n  "label": "say \\"hé\\"\\n",\n  "dec": "2.00"\n}'
    assert json.loads(indented, parse_float=Decimal) == {
        "n": Decimal("1.50"), "label": 'say "hé"\n', "dec": "2.00"}
    assert probe.Holder().model_dump_json(exclude_unset=True) == "{}"


def test_a_string_cannot_pose_as_a_number(probe: Any) -> None:
    """The writer marks exact numbers with a token of its own; text of the data that looks
    like a number, or like an earlier call's mark, stays a string."""
    holder = probe.Holder(label="1.5", extra={"a": "2"}, n=Decimal("3"))
    first = holder.model_dump_json(exclude_none=True)
    assert first == '{"n":3,"label":"1.5","extra":{"a":"2"}}'
    assert holder.model_dump_json(exclude_none=True) == first  # same bytes every time


def test_python_dumps_keep_decimals(probe: Any) -> None:
    holder = probe.Holder(n=Decimal("0.10"), dec="1.50")
    dumped = holder.model_dump(exclude_none=True)
    assert dumped == {"n": Decimal("0.10"), "dec": Decimal("1.50")}
    assert type(dumped["n"]) is Decimal and type(dumped["dec"]) is Decimal
