"""JSON numbers in generated models are exact (issue 6): never a float on the way in, in
Python or on the way out. The spec is a reviewer's ``pay.yaml`` reduced to what matters: a
``type: number`` beside decimal strings, nested in a union and a list."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

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
    Rate: {type: number, minimum: 0.1, default: 0.5}
    Fee:
      type: object
      properties:
        rate: {type: number, default: 0.1, minimum: 0.1, maximum: 99.99, multipleOf: 0.01}
        textRate: {type: number, default: "12.5"}
        level: {type: number, enum: [0.1, 0.25, 1]}
        half: {type: number, const: 0.5}
        open: {type: number, enum: [1.5], x-extensible-enum: true}
        amount: {type: string, pattern: '^-?[0-9]+(\\.[0-9]+)?$', default: "1.50"}
        maybe: {type: [number, "null"]}
        ref: {$ref: '#/components/schemas/Rate'}
        steps: {type: array, items: {type: number}, default: [0.1, 2]}
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
        module = importlib.import_module(models.package)
        module.OUT = out  # type: ignore[attr-defined]
        module.SUPPORT = importlib.import_module(f"{models.package}._types")
        yield module
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
    assert probe.Holder.model_validate_json('{"count": 3}', context={"x": 1}).count == 3
    with pytest.raises(ValidationError):  # a JSON string is not a JSON integer, strict or not
        probe.Holder.model_validate_json('{"count": "3"}', context={"x": 1})


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
    # fields never set are not written as null (the contract does not accept null there);
    # one set to None explicitly is
    assert holder.model_dump_json(exclude={"label", "dec"}) == '{"n":1.50}'
    assert probe.Holder(n=Decimal("1.50"), count=None).model_dump_json() == \
        '{"n":1.50,"count":null}'
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


# -- (4) pydantic's own entry points: exact, or refused -----------------------------------------

BIG = "12345678901234567890.12"


@pytest.mark.parametrize("payload", [
    f'{{"n": {BIG}}}', '{"rates": [0.5]}', '{"card": {"kind": "card", "amount": "1", '
    '"rate": 0.1}}', '{"extra": {"fee": 0.5}}'])
def test_pydantics_json_reader_refuses_fractions_it_has_made_floats(probe: Any,
                                                                    payload: str) -> None:
    """``TypeAdapter(Model).validate_json`` and a model inside a plain pydantic type never see
    the JSON text: the fraction is a float already, so it is refused, never rounded."""
    for adapter in (TypeAdapter(probe.Holder), TypeAdapter(list[probe.Holder])):
        data = payload if adapter is TypeAdapter(probe.Holder) else f"[{payload}]"
        with pytest.raises(ValidationError, match="model_validate_json"):
            adapter.validate_json(data)
    assert probe.Holder.model_validate_json(payload)  # the model's own reader is exact


def test_pydantics_json_reader_keeps_what_it_reads_exactly(probe: Any) -> None:
    holder = TypeAdapter(probe.Holder).validate_json(
        '{"n": 12345678901234567890123, "dec": "12345678901234567890.12", "rates": [7]}')
    assert holder.n == Decimal("12345678901234567890123") and type(holder.n) is Decimal
    assert holder.dec == Decimal(BIG) and holder.rates == [Decimal(7)]
    rate = TypeAdapter(probe.Rate)
    with pytest.raises(ValidationError, match="float"):
        rate.validate_json("0.5")
    assert probe.SUPPORT.ExactAdapter(probe.Rate).validate_json("0.5") == Decimal("0.5")


@pytest.mark.parametrize(("text", "number"), [("0.1", 0.1), ("1.50", 1.5), ("-2.75", -2.75),
                                              ("100", 100), ("1E+3", 1000)])
def test_pydantics_json_writer_writes_numbers_a_float_says_exactly(probe: Any, text: str,
                                                                   number: float) -> None:
    holder = probe.Holder(n=Decimal(text), dec=Decimal(BIG))
    dumped = holder.model_dump(mode="json", exclude_none=True)
    assert dumped == {"n": number, "dec": BIG} and type(dumped["n"]) is type(number)
    written = json.loads(TypeAdapter(probe.Holder).dump_json(holder, exclude_none=True),
                         parse_float=Decimal)
    assert written == {"n": Decimal(text), "dec": BIG}


@pytest.mark.parametrize("text", [BIG, "0.12345678901234567890123", "1.0000000000000001"])
def test_pydantics_json_writer_refuses_what_a_float_would_round(probe: Any, text: str) -> None:
    holder = probe.Holder(n=Decimal(text))
    with pytest.raises(PydanticSerializationError, match="losing digits"):
        holder.model_dump(mode="json")
    with pytest.raises(PydanticSerializationError, match="losing digits"):
        TypeAdapter(list[probe.Holder]).dump_json([holder])
    assert json.loads(holder.model_dump_json(), parse_float=Decimal)["n"] == Decimal(text)
    exact = probe.SUPPORT.ExactAdapter(list[probe.Holder])
    assert exact.dump_json([holder], exclude_none=True) == f'[{{"n":{text}}}]'
    assert exact.validate_json(f'[{{"n":{text}}}]')[0].n == Decimal(text)


# -- (5) what else could bring a float in: defaults, bounds, enums, nullable numbers -----------


def test_number_and_decimal_defaults_are_decimals(probe: Any) -> None:
    fee = probe.Fee()
    for name, text in (("rate", "0.1"), ("textRate", "12.5"), ("amount", "1.50"),
                       ("ref", "0.5")):
        value = getattr(fee, name)
        assert type(value) is Decimal and format(value, "f") == text, name
    assert fee.steps == [Decimal("0.1"), Decimal(2)]
    assert all(type(s) is Decimal for s in fee.steps)
    assert fee.model_dump_json(exclude_none=True) == (
        '{"rate":0.1,"textRate":12.5,"amount":"1.50","ref":0.5,"steps":[0.1,2]}')


@pytest.mark.parametrize(("rate", "ok"), [("0.1", True), ("0.15", True), ("99.99", True),
                                          ("0.105", False), ("0.09", False), ("100", False)])
def test_number_bounds_compare_as_decimals(probe: Any, rate: str, ok: bool) -> None:
    """``minimum: 0.1`` as a float bound refused Decimal("0.1") (the float is a little more)
    and ``multipleOf: 0.01`` as a float refused every decimal."""
    payload = f'{{"rate": {rate}}}'
    if ok:
        assert probe.Fee.model_validate_json(payload).rate == Decimal(rate)
    else:
        with pytest.raises(ValidationError):
            probe.Fee.model_validate_json(payload)


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("level", "0.25", True), ("level", "1.0", True), ("level", "0.3", False),
    ("half", "0.5", True), ("half", "0.25", False), ("open", "7.5", True)])
def test_enums_and_consts_of_numbers_hold_as_decimals(probe: Any, field: str, value: str,
                                                      ok: bool) -> None:
    """The generator dropped a number's enum (any number passed) and wrote a const field as
    a required ``None``; an extensible enum accepts a value added later."""
    payload = f'{{"{field}": {value}}}'
    if ok:
        assert getattr(probe.Fee.model_validate_json(payload), field) == Decimal(value)
        assert probe.Fee.model_validate_json(payload).model_dump_json(
            exclude_unset=True) == payload.replace(" ", "")
    else:
        with pytest.raises(ValidationError, match="one of"):
            probe.Fee.model_validate_json(payload)
    with pytest.raises(ValidationError):  # the float 0.25 is not the decimal 0.25
        probe.Fee(**{field: float(value)})


def test_a_nullable_number_is_a_decimal_or_none(probe: Any) -> None:
    """``type: [number, "null"]`` came out as ``float | None``."""
    assert probe.Fee.model_validate_json('{"maybe": 0.1000000000000000055511}').maybe == \
        Decimal("0.1000000000000000055511")
    assert probe.Fee.model_validate_json('{"maybe": null}').maybe is None
    with pytest.raises(ValidationError):
        probe.Fee(maybe=0.5)


def test_the_probe_passes_mypy_strict_and_ruff(probe: Any, tmp_path: Any) -> None:
    """Decimal defaults and bounds, number enums and conditions are typed code too."""
    bin_dir = Path(sys.executable).parent
    package = probe.__name__
    mypy = subprocess.run([str(bin_dir / "mypy"), "--strict", "--no-incremental",
                           "--cache-dir", str(tmp_path), package], cwd=probe.OUT,
                          capture_output=True, text=True, check=False)
    assert mypy.returncode == 0, mypy.stdout[-3000:]
    ruff = subprocess.run([str(bin_dir / "ruff"), "check", "--isolated", "--no-cache", package],
                          cwd=probe.OUT, capture_output=True, text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout[-3000:]


def test_assignments_are_validated_too(probe: Any) -> None:
    """pydantic does not validate assignments by default: ``holder.n = 0.1`` stored a float."""
    holder = probe.Holder(n=Decimal("1.10"))
    with pytest.raises(ValidationError):
        holder.n = 0.1
    holder.n = "2.50"
    assert holder.n == Decimal("2.50") and type(holder.n) is Decimal
