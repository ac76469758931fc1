"""Generated pydantic models of every registry contract: they import, money is Decimal, every
example round-trips to equal JSON, extensible enums accept new values, constraints hold, and
the code passes ``mypy --strict`` and ruff.

The models are generated once for the module, into a temp dir on ``sys.path``, exactly as
``ledgerpact generate models --all`` writes them (the CLI itself is tested in
``test_models_cli.py``).
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin
from urllib.parse import unquote

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from ledgerpact.generators.models.generate import (
    GeneratedModels,
    contract_from_entry,
    generate_models,
)
from ledgerpact.generators.models.header import read_header
from ledgerpact.governance.approvals.content import content_hash
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.bundle import Bundle, bundle
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.examples import Example, collect
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class Generated:
    """Every registry contract's models, written and imported."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.ws: Workspace = Registry.open(REPO).workspace()
        self.catalog = Catalog(self.ws)
        self.models: dict[str, GeneratedModels] = {}
        self.modules: dict[str, types.ModuleType] = {}
        self.bundles: dict[str, Bundle] = {}
        for entry in self.catalog:
            models = generate_models(contract_from_entry(self.ws, entry))
            for rel, data in models.files.items():
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                (out / rel).write_bytes(data)
            self.models[entry.id] = models
            self.bundles[entry.id] = bundle(self.ws, entry.document_path)
        sys.path.insert(0, str(out))
        importlib.invalidate_caches()
        for contract_id, models in self.models.items():
            self.modules[contract_id] = importlib.import_module(models.package)

    def close(self) -> None:
        sys.path.remove(str(self.out))
        for models in self.models.values():
            for name in [m for m in sys.modules if m.split(".")[0] == models.package]:
                del sys.modules[name]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    g = Generated(tmp_path_factory.mktemp("models"))
    yield g
    g.close()


def test_models_for_every_registry_contract_import(generated: Generated) -> None:
    assert set(generated.modules) == {e.id for e in generated.catalog}
    assert len(generated.modules) >= 19
    for contract_id, module in generated.modules.items():
        names = generated.models[contract_id].schema_names
        assert names, contract_id
        for name in names.values():  # every generated class or alias is there
            assert hasattr(module, name), (contract_id, name)


def test_headers_name_contract_version_and_content_hash(generated: Generated) -> None:
    for entry in generated.catalog:
        models = generated.models[entry.id]
        for rel, data in models.files.items():
            if not rel.endswith(".py"):
                continue
            header = read_header(data.decode())
            assert header is not None, rel
            assert header.contract == entry.id
            assert header.version == entry.version(generated.ws)
            assert header.content_hash == content_hash(generated.ws, entry)
            assert "datamodel-code-generator" in header.generator


def test_money_amount_is_decimal_and_round_trips_as_the_same_string(
        generated: Generated) -> None:
    for contract_id in ("money", "erp-finance", "finance-events", "invoice"):
        money = generated.modules[contract_id].Money
        value = money.model_validate_json('{"amount": "1250.00", "currency": "EUR"}')
        assert type(value.amount) is Decimal
        assert value.amount == Decimal("1250.00")
        assert value.model_dump_json() == '{"amount":"1250.00","currency":"EUR"}'
        # Never an exponent on the way out, even for a Decimal built in Python.
        tiny = money(amount=Decimal("0.0000001"), currency="XNEW")  # no minor-unit rule
        assert json.loads(tiny.model_dump_json())["amount"] == "0.0000001"
        assert money(amount=Decimal("1E+3"), currency="EUR").model_dump(mode="json")[
            "amount"] == "1000"


@pytest.mark.parametrize("amount", [12.5, "1e5", "+1", " 1", "1,50", "NaN", "Infinity", 7])
def test_money_amount_refuses_floats_and_what_the_pattern_forbids(generated: Generated,
                                                                  amount: object) -> None:
    money = generated.modules["money"].Money
    with pytest.raises(ValidationError):
        money.model_validate({"amount": amount, "currency": "EUR"})
    with pytest.raises(ValidationError):
        money.model_validate_json(json.dumps({"amount": amount, "currency": "EUR"}))


def test_decimal_constraints_of_narrower_schemas_are_kept(generated: Generated) -> None:
    module = generated.modules["money"]
    assert module.UnitPrice.model_validate_json(
        '{"amount": "0.00880", "currency": "EUR"}').amount == Decimal("0.00880")
    with pytest.raises(ValidationError, match="pattern"):  # non-negative
        module.UnitPrice.model_validate_json('{"amount": "-1.00", "currency": "EUR"}')
    with pytest.raises(ValidationError):  # maxLength 40 on the text
        module.Money.model_validate_json(json.dumps({"amount": "1" * 41, "currency": "EUR"}))
    po = generated.modules["purchase-order"]
    assert po.PositiveQuantity.model_validate_json(
        '{"value": "40", "unitCode": "BX"}').value == Decimal(40)
    with pytest.raises(ValidationError):  # the narrowing pattern of a $ref sibling
        po.PositiveQuantity.model_validate_json('{"value": "0", "unitCode": "BX"}')


@pytest.mark.parametrize(("amount", "currency", "ok"), [
    ("1.5", "JPY", False), ("150000", "JPY", True), ("1.50", "EUR", True),
    ("1.505", "EUR", False), ("1.500", "KWD", True), ("1.5000", "KWD", False),
    ("0.0001", "CLF", True), ("1.123456", "XNEW", True)])
def test_money_minor_units_per_currency_are_enforced(generated: Generated, amount: str,
                                                     currency: str, ok: bool) -> None:
    """Money's if/then rules (minor units per ISO 4217 currency) hold in every contract
    that uses Money, on every way in: JSON, Python and pydantic's own adapters."""
    payload = json.dumps({"amount": amount, "currency": currency})
    for contract_id in ("money", "erp-finance", "invoice"):
        money = generated.modules[contract_id].Money
        ways = [functools.partial(money.model_validate_json, payload),
                functools.partial(money, amount=Decimal(amount), currency=currency),
                functools.partial(TypeAdapter(money).validate_json, payload)]
        for way in ways:
            if ok:
                assert format(way().amount, "f") == amount
            else:
                with pytest.raises(ValidationError, match="conditional rule"):
                    way()


def test_money_rules_come_from_the_schema_data(generated: Generated) -> None:
    """The rules are the schema's if/then data, copied into the class: the currencies of
    each rule are the schema's own enum (nothing hard-coded in the generator)."""
    money = generated.modules["money"].Money
    schema = generated.bundles["money"].document
    rules = [member for member in schema["allOf"] if "if" in member]
    conditions = money.__contract_conditions__
    assert len(conditions) == len(rules) == 4
    for condition, rule in zip(conditions, rules, strict=True):
        assert condition.if_["properties"]["currency"]["enum"] == \
            rule["if"]["properties"]["currency"]["enum"]
        assert condition.then["properties"]["amount"]["pattern"] == \
            rule["then"]["properties"]["amount"]["pattern"]



def test_money_rules_hold_inside_other_documents(generated: Generated) -> None:
    invoice = generated.modules["invoice"].Invoice
    example = copy.deepcopy(generated.bundles["invoice"].document["examples"][0])
    invoice.model_validate_json(json.dumps(example))
    money = _first_money(example)
    money.update(amount="1.5", currency="JPY")
    with pytest.raises(ValidationError, match="conditional rule"):
        invoice.model_validate_json(json.dumps(example))
    money.update(amount="2")
    invoice.model_validate_json(json.dumps(example))
    euros = generated.modules["money"].Money(amount=Decimal("1.50"), currency="EUR")
    with pytest.raises(ValidationError, match="conditional rule"):  # assignment is checked
        euros.currency = "JPY"


def _first_money(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        if set(value) == {"amount", "currency"}:
            return value
        value = list(value.values())
    for item in value if isinstance(value, list) else []:
        try:
            return _first_money(item)
        except LookupError:
            continue
    raise LookupError("no Money")


def test_string_constraints_and_closed_objects_are_kept(generated: Generated) -> None:
    common = generated.modules["common"]
    identifier = TypeAdapter(common.Identifier)
    assert identifier.validate_python("INV-1") == "INV-1"
    for bad in ("", " padded", "x" * 201):
        with pytest.raises(ValidationError):
            identifier.validate_python(bad)
    money = generated.modules["money"].Money
    with pytest.raises(ValidationError, match="extra"):  # additionalProperties: false
        money.model_validate({"amount": "1.00", "currency": "EUR", "rate": "2"})


def test_extensible_enums_accept_values_added_later(generated: Generated) -> None:
    module = generated.modules["money"]
    currency = module.CurrencyCode
    assert currency("EUR") is currency.EUR
    value = module.Money.model_validate_json('{"amount": "1.00", "currency": "XNEW"}')
    assert isinstance(value.currency, currency)
    assert value.currency == "XNEW"
    assert value.currency == currency("XNEW") and hash(value.currency) == hash("XNEW")
    assert value.model_dump_json() == '{"amount":"1.00","currency":"XNEW"}'
    assert module.Money(amount=Decimal(1), currency="XNEW").currency.value == "XNEW"


def test_unknown_enum_values_are_not_stored_on_the_class(generated: Generated) -> None:
    """Unknown values come from the wire: a class that kept each one grew without limit
    (200,000 unknown currencies held about 106 MB)."""
    currency = generated.modules["money"].CurrencyCode
    known = dict(currency._value2member_map_)
    for n in range(2000):
        assert currency(f"X{n:05d}") == f"X{n:05d}"
    assert currency._value2member_map_ == known
    assert len(currency) == len(known)
    assert currency("EUR") is currency.EUR  # known values are still the members

    support = importlib.import_module(f"{generated.models['money'].package}._types")
    number = support.ExtensibleEnum("Number", {"ONE": 1})
    assert number(7) == number(7) and number(7) != number(8) and number(7) != 7
    assert len({number(7), number(7), number(1)}) == 2
    assert number(1) is number.ONE and number._value2member_map_ == {1: number.ONE}
    # New values of the members' JSON type only: an integer enum refuses the rest (``True``
    # is ``1`` to Python's own lookup; pydantic's path refuses it, test_models_hostile.py).
    for other in ([1], "7", 7.5, None, {"a": 1}):
        with pytest.raises(ValueError):
            number(other)


def test_closed_enums_still_refuse_unknown_values(generated: Generated) -> None:
    module = generated.modules["approval-state"]  # "Not extensible: a new state ... breaks"
    state = next(getattr(module, n) for n in ("InvoiceState", "State")
                 if hasattr(module, n))
    with pytest.raises(ValueError):
        state("teleported")


# -- round trip of every example --------------------------------------------------------------


def _unwrap(t: Any) -> Any:
    """The type behind aliases, ``Annotated`` and ``X | None``."""
    while True:
        if type(t).__name__ == "TypeAliasType":
            t = t.__value__
        elif get_origin(t) is Annotated:
            t = get_args(t)[0]
        elif get_origin(t) in (typing.Union, types.UnionType) and \
                len([a for a in get_args(t) if a is not type(None)]) == 1:
            t = next(a for a in get_args(t) if a is not type(None))
        else:
            return t


def _field(model: Any, name: str) -> Any:
    assert isinstance(model, type) and issubclass(model, BaseModel), model
    for field_name, info in model.model_fields.items():
        if (info.alias or field_name) == name:
            return Annotated[info.annotation, info]
    raise LookupError(f"{model.__name__} has no field {name}")


def _type_at(doc: Any, names: dict[str, str], module: types.ModuleType, pointer: str) -> Any:
    """The generated type for the schema at ``pointer``: its own class or alias, else the
    type of the field that holds it, walking down from the nearest generated model."""
    for _ in range(16):
        if pointer in names:
            return getattr(module, names[pointer])
        node = jp.resolve(doc, pointer)
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            break
        pointer = unquote(ref[1:])
    parts = jp.split(pointer)
    cut = next((n for n in range(len(parts) - 1, -1, -1) if jp.join(parts[:n]) in names), None)
    if cut is None:
        raise LookupError(f"no generated model around {pointer}")
    t: Any = getattr(module, names[jp.join(parts[:cut])])
    rest = parts[cut:]
    while rest:
        inner = _unwrap(t)
        if rest[0] == "properties" and len(rest) > 1:
            t, rest = _field(inner, rest[1]), rest[2:]
        elif rest[0] == "items":
            t, rest = get_args(inner)[0], rest[1:]
        elif rest[0] == "additionalProperties":
            t, rest = get_args(inner)[1], rest[1:]
        else:
            raise LookupError(f"cannot follow {rest[0]!r} in {pointer}")
    return t


def _round_trip(generated: Generated, contract_id: str, example: Example) -> str | None:
    """None when the example parses into its model and serializes back to equal JSON."""
    b = generated.bundles[contract_id]
    models = generated.models[contract_id]
    try:
        t = _type_at(b.document, models.schema_names, generated.modules[contract_id],
                     example.schema_pointer)
    except LookupError:
        # A definition this contract imports but never uses has no model here; it has one
        # in the contract that owns its file (Money's Rate in the money contract).
        file, pointer = b.locate(example.schema_pointer)
        owner = next((e.id for e in generated.catalog if e.document_path == file), None)
        if owner is None or owner == contract_id:
            raise
        t = _type_at(generated.bundles[owner].document, generated.models[owner].schema_names,
                     generated.modules[owner], pointer)
    # The exact adapter of the package: pydantic's own JSON reader would see floats.
    support = importlib.import_module(f"{models.package}._types")
    adapter = support.ExactAdapter(t)
    value = adapter.validate_json(json.dumps(example.value))
    back = json.loads(adapter.dump_json(value, by_alias=True, exclude_unset=True),
                      parse_float=Decimal)
    # The example as JSON text read exactly: YAML gave its fractions as floats, and a float
    # never equals the Decimal of the digits it was written with.
    if back != json.loads(json.dumps(example.value), parse_float=Decimal):
        return (f"{json.dumps(example.value, default=str)[:300]} came back as "
                f"{json.dumps(back, default=str)[:300]}")
    return None


def test_every_example_round_trips_through_its_generated_model(generated: Generated) -> None:
    """Every example of every contract, parameters, headers and XML and multipart bodies
    included: none is left out."""
    failures: list[str] = []
    checked = total = 0
    by_place: dict[str, int] = {}
    for entry in generated.catalog:
        for example in collect(generated.bundles[entry.id]):
            total += 1
            place = next((p for p in ("/parameters/", "/headers/", "/content/")
                          if p in example.pointer), "schema")
            by_place[place.strip("/")] = by_place.get(place.strip("/"), 0) + 1
            try:
                problem = _round_trip(generated, entry.id, example)
            except (LookupError, ValidationError) as exc:
                problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
            checked += 1
            if problem:
                failures.append(f"{entry.id} {example.pointer}: {problem}")
    print(f"\nround trip: {checked} of {total} registry examples checked ({by_place})")
    assert not failures, f"{len(failures)} of {checked} examples:\n" + "\n".join(failures[:20])
    assert checked == total >= 1200
    assert by_place["parameters"] >= 45 and by_place["headers"] >= 14  # they are counted


def test_round_trip_keeps_dates_times_and_unknown_currencies(generated: Generated) -> None:
    invoice = generated.modules["invoice"].Invoice
    example = copy.deepcopy(generated.bundles["invoice"].document["examples"][0])
    example["currency"] = "XNEW"  # extensible: must survive the trip too
    parsed = invoice.model_validate_json(json.dumps(example))
    assert json.loads(parsed.model_dump_json(by_alias=True, exclude_unset=True)) == example


# -- the code itself ------------------------------------------------------------------------------


def test_generated_code_passes_mypy_strict_and_ruff(generated: Generated,
                                                    tmp_path: Path) -> None:
    packages = sorted(m.package for m in generated.models.values())
    mypy = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", "--cache-dir", str(tmp_path),
         *packages], cwd=generated.out, capture_output=True, text=True, check=False)
    assert mypy.returncode == 0, mypy.stdout[-3000:] + mypy.stderr[-2000:]
    ruff = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--no-cache", *packages],
        cwd=generated.out, capture_output=True, text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout[-3000:] + ruff.stderr[-2000:]
