"""What generated models do at run time with what they read and write (a QA review of
``ledgerpact generate models``): decimal strings are judged on their text as written, JSON
strings are not JSON numbers, JSON is held to the contract's JSON types (no lax conversion of
"2024" to an integer), ``model_dump_json`` writes no null for a property never set, a
``duration`` stays the string it was, and a registry contract given by its path is that
contract (its id, version and hash) while a missing path is reported as a missing file.

The registry's own contracts are generated in-process and imported, as ``test_models.py``
does; the command line runs the installed ``ledgerpact`` in real Git registries in temp dirs.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import types
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from ledgerpact.generators.models import postprocess, support
from ledgerpact.generators.models.generate import (
    GeneratedModels,
    contract_from_entry,
    contract_from_file,
    generate_models,
)
from ledgerpact.generators.models.header import read_header
from ledgerpact.generators.models.stale import stale_models
from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.cli_support import file_workspace
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import commit_all, init_repo, run, write_metadata

REPO = Path(__file__).resolve().parents[1]
MONEY = REPO / "contracts" / "schemas" / "money" / "money.schema.json"

# A decimal string whose pattern allows leading zeros: only its maxLength can refuse them.
PROBE = """\
openapi: 3.1.0
info: {title: Runtime Probe, version: 1.0.0}
paths: {}
components:
  schemas:
    Fee:
      type: object
      additionalProperties: false
      properties:
        amount: {type: string, pattern: '^-?[0-9]+(\\.[0-9]+)?$', maxLength: 6}
        plain: {type: string, pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$'}
        rate: {type: number}
        count: {type: integer}
        note: {type: [string, 'null']}
        label: {type: string}
        when: {type: string, format: date}
        period: {type: string, format: duration}
        tags: {type: array, items: {type: integer}}
        either: {oneOf: [{type: integer}, {type: array, items: {type: boolean}}]}
        flag: {type: [number, boolean]}
        int: {type: integer}
"""


class Loaded:
    """Packages generated into a temp dir on ``sys.path`` and imported."""

    def __init__(self, out: Path, generated: list[GeneratedModels]) -> None:
        self.out = out
        self.packages = [g.package for g in generated]
        for models in generated:
            for rel, data in models.files.items():
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                (out / rel).write_bytes(data)
        sys.path.insert(0, str(out))
        importlib.invalidate_caches()
        self.modules = {g.contract_id: importlib.import_module(g.package) for g in generated}

    def close(self) -> None:
        sys.path.remove(str(self.out))
        for package in self.packages:
            for name in [m for m in sys.modules if m.split(".")[0] == package]:
                del sys.modules[name]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    tmp = tmp_path_factory.mktemp("runtime")
    ws = Registry.open(REPO).workspace()
    catalog = Catalog(ws)
    generated = [generate_models(contract_from_entry(ws, catalog.get(contract_id)))
                 for contract_id in ("money", "erp-finance", "netsuite-rest")]
    spec = tmp / "probe.yaml"
    spec.write_text(PROBE, encoding="utf-8")
    file_ws, rel, _ = file_workspace(str(spec))
    generated.append(generate_models(contract_from_file(file_ws, rel, str(spec))))
    result = Loaded(tmp / "out", generated)
    yield result
    result.close()


@pytest.fixture
def erp(loaded: Loaded) -> types.ModuleType:
    return loaded.modules["erp-finance"]


@pytest.fixture
def probe(loaded: Loaded) -> types.ModuleType:
    return loaded.modules["runtime-probe"]


def errors(call: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, type) of each error ``call`` raises; it must raise."""
    with pytest.raises(ValidationError) as caught:
        call()
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def exact(module: types.ModuleType, type_: Any) -> Any:
    return importlib.import_module(f"{module.__name__}._types").ExactAdapter(type_)


# -- 1. decimal strings: pattern and length on the text as written ------------------------------


@pytest.mark.parametrize("text", ["01.00", "-00.50", "0001250.00", "0" * 60 + "1.00"])
def test_money_refuses_leading_zeros_its_pattern_forbids(erp: types.ModuleType,
                                                         text: str) -> None:
    payload = json.dumps({"amount": text, "currency": "EUR"})
    assert errors(lambda: erp.Money.model_validate_json(payload)) == [
        (("amount",), "decimal_text")]
    assert errors(lambda: exact(erp, erp.Money).validate_json(payload)) == [
        (("amount",), "decimal_text")]
    assert errors(lambda: erp.Money(amount=text, currency="EUR")) == [
        (("amount",), "decimal_text")]
    # pydantic's own JSON path judged the text all along: the three paths now agree
    assert errors(lambda: TypeAdapter(erp.Money).validate_json(payload))
    # what the pattern allows still comes back with the same digits
    for good in ("1250.00", "-0.50", "0.00", "-0.001"):
        sent = json.dumps({"amount": good, "currency": "KWD"}, separators=(",", ":"))
        assert erp.Money.model_validate_json(sent).model_dump_json() == sent


def test_a_decimal_strings_max_length_counts_the_characters_sent(
        probe: types.ModuleType) -> None:
    assert errors(lambda: probe.Fee.model_validate_json('{"amount": "0001.00"}')) == [
        (("amount",), "decimal_text")]
    assert errors(lambda: probe.Fee(amount="0001.00")) == [(("amount",), "decimal_text")]
    fee = probe.Fee.model_validate_json('{"amount": "001.00"}')  # six characters: allowed
    assert fee.amount == Decimal("1.00") and fee.amount + 1 == Decimal("2.00")
    # written back as it came: the leading zeros the pattern allows are the contract's text
    assert fee.model_dump_json() == '{"amount":"001.00"}'
    assert exact(probe, probe.Fee).dump_json(fee) == '{"amount":"001.00"}'
    assert probe.Fee(amount="-00.5").model_dump(mode="json", exclude_unset=True) == {
        "amount": "-00.5"}
    assert probe.Fee(amount=Decimal("1.00")).amount == Decimal("1.00")  # its own digits
    # carried into a field whose pattern forbids leading zeros, the text is judged again
    assert errors(lambda: probe.Fee(plain=fee.amount)) == [(("plain",), "decimal_text")]
    # another package's models know nothing of this text: they judge and write the digits
    erp = sys.modules["ledgerpact_models_erp_finance"]
    assert erp.Money(amount=fee.amount, currency="EUR").model_dump_json() == (
        '{"amount":"1.00","currency":"EUR"}')


# -- 2. a JSON string is not a JSON number --------------------------------------------------------


def test_json_number_fields_refuse_json_strings(loaded: Loaded) -> None:
    netsuite = loaded.modules["netsuite-rest"]
    line = '{"line": 1, "quantity": %s, "rate": %s, "amount": %s}'
    strings = line % ('"2"', '"10.005"', '"20.01"')
    wanted = [(("quantity",), "decimal_type"), (("rate",), "decimal_type"),
              (("amount",), "decimal_type")]
    assert errors(lambda: netsuite.PurchaseOrderLine.model_validate_json(strings)) == wanted
    assert errors(lambda: exact(netsuite, netsuite.PurchaseOrderLine).validate_json(
        strings)) == wanted
    assert errors(lambda: TypeAdapter(netsuite.PurchaseOrderLine).validate_json(strings))
    numbers = netsuite.PurchaseOrderLine.model_validate_json(line % ("2", "10.005", "20.01"))
    assert (numbers.quantity, numbers.rate, numbers.amount) == (
        Decimal("2"), Decimal("10.005"), Decimal("20.01"))
    assert numbers.model_dump_json() == '{"line":1,"quantity":2,"rate":10.005,"amount":20.01}'
    # built in Python, a decimal's text is still a way to write the Decimal
    assert netsuite.PurchaseOrderLine(line=1, quantity="2", rate="10.005",
                                      amount=Decimal("20.01")).rate == Decimal("10.005")


# -- 3. JSON is held to the contract's JSON types --------------------------------------------------


@pytest.mark.parametrize(("model", "payload", "where"), [
    ("PostingPeriod", '{"fiscalYear": "2024", "period": 3}', ("fiscalYear",)),
    ("PostingPeriod", '{"fiscalYear": true, "period": 3}', ("fiscalYear",)),
    ("InvoiceValidationResult", '{"valid": "true", "checkedAt": "2024-01-01T00:00:00Z", '
     '"checks": [], "findings": []}', ("valid",)),
    ("InvoiceValidationResult", '{"valid": true, "checkedAt": 1700000000, "checks": [], '
     '"findings": []}', ("checkedAt",)),
    ("InvoiceValidationResult", '{"valid": true, "checkedAt": "2024-01-01T00:00:00Z", '
     '"checks": ["vat-number", 7], "findings": []}', ("checks", 1)),
    ("Period", '{"startDate": 0, "endDate": "2024-03-01"}', ("startDate",)),
])
def test_json_of_another_type_is_a_type_error(erp: types.ModuleType, model: str,
                                              payload: str,
                                              where: tuple[str | int, ...]) -> None:
    cls = getattr(erp, model)
    assert errors(lambda: cls.model_validate_json(payload)) == [(where, "json_type")]
    assert errors(lambda: exact(erp, list[cls]).validate_json(f"[{payload}]")) == [
        ((0, *where), "json_type")]


def test_a_nested_models_json_types_are_checked_where_they_are(erp: types.ModuleType) -> None:
    period = {"startDate": "2024-03-01", "endDate": "2024-03-31"}
    valid = {"postingPeriod": {"fiscalYear": 2024, "period": 3}, "period": period}
    cls = erp.PostingPeriod
    assert cls.model_validate_json(json.dumps(valid["postingPeriod"])).fiscalYear == 2024
    assert cls.model_validate_json('{"fiscalYear": 2024.0, "period": 3}').fiscalYear == 2024
    nested = exact(erp, dict[str, erp.Period])
    assert errors(lambda: nested.validate_json(json.dumps(
        {"march": {"startDate": "2024-03-01", "endDate": 20240331}}))) == [
        (("march", "endDate"), "json_type")]
    assert nested.validate_json(json.dumps({"march": period}))["march"].endDate == date(
        2024, 3, 31)


def test_json_types_in_unions_lists_and_nullable_fields(probe: types.ModuleType) -> None:
    good = probe.Fee.model_validate_json(
        '{"count": 3, "note": null, "label": "x", "when": "2024-03-15", "tags": [1, 2], '
        '"either": [true]}')
    assert (good.count, good.note, good.when, good.tags) == (3, None, date(2024, 3, 15),
                                                             [1, 2])
    cases = {
        '{"count": "3"}': [(("count",), "json_type")],
        '{"label": 3}': [(("label",), "json_type")],
        '{"note": 3}': [(("note",), "json_type")],
        '{"when": 20240315}': [(("when",), "json_type")],
        '{"tags": [1, "2"]}': [(("tags", 1), "json_type")],
        '{"either": "3"}': [(("either",), "json_type")],
        '{"either": [true, "false"]}': [(("either", 1), "json_type")],
        '{"count": "3", "label": 4}': [(("count",), "json_type"), (("label",), "json_type")],
    }
    for payload, wanted in cases.items():
        assert errors(lambda p=payload: probe.Fee.model_validate_json(p)) == wanted, payload


def test_python_construction_takes_python_objects_and_their_json_text(
        erp: types.ModuleType) -> None:
    """The choice the generated module's docstring documents: Python is not JSON."""
    period = erp.Period(startDate=date(2024, 3, 1), endDate="2024-03-31")
    assert (period.startDate, period.endDate) == (date(2024, 3, 1), date(2024, 3, 31))
    assert erp.PostingPeriod(fiscalYear="2024", period=3).fiscalYear == 2024
    assert erp.PostingPeriod.model_validate({"fiscalYear": 2024, "period": "3"}).period == 3
    runtime = importlib.import_module(f"{erp.__name__}._types")
    assert "JSON and Python are held to different rules" in (runtime.__doc__ or "")


# -- 4. no null for a property never set -----------------------------------------------------------


def test_model_dump_json_writes_what_the_contract_accepts(erp: types.ModuleType,
                                                          probe: types.ModuleType) -> None:
    status = erp.SupplierStatus(supplierNumber="S1", status="active",
                                since="2024-01-01T00:00:00Z")
    written = json.loads(status.model_dump_json())
    assert written == {"supplierNumber": "S1", "status": "active",
                       "since": "2024-01-01T00:00:00Z"}
    ws = Registry.open(REPO).workspace()
    document = bundle(ws, Catalog(ws).get("erp-finance").document_path).document
    schema = {**document, "$ref": "#/components/schemas/SupplierStatus"}
    assert list(Draft202012Validator(schema).iter_errors(written)) == []
    assert json.loads(status.model_dump_json(exclude_unset=False))["reason"] is None
    # a None that was set on a nullable property is the caller's value: it stays
    assert probe.Fee(note=None, count=2).model_dump_json() == '{"count":2,"note":null}'
    assert probe.Fee(count=2).model_dump_json(indent=1) == '{\n "count": 2\n}'


# -- 5. format: duration stays the string it was ---------------------------------------------------


@pytest.mark.parametrize("text", ["P1M", "PT36H", "P1Y2M10DT2H30M"])
def test_a_duration_comes_back_as_it_was_sent(probe: types.ModuleType, text: str) -> None:
    assert probe.Fee.model_fields["period"].annotation == str | None
    payload = json.dumps({"period": text}, separators=(",", ":"))
    assert probe.Fee.model_validate_json(payload).model_dump_json() == payload


# -- 6. and 7. targets given by path --------------------------------------------------------------

PAYMENTS = """\
openapi: 3.1.0
info: {title: Payments Platform API, version: 2.1.0}
paths: {}
components:
  schemas:
    Payment:
      type: object
      properties:
        amount: {$ref: '../schemas/money/money.schema.json'}
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """Money 1.0.0 and a payments API whose title is not its id, committed."""
    root = init_repo(tmp_path / "reg")
    money = root / "contracts" / "schemas" / "money"
    money.mkdir(parents=True)
    shutil.copy(MONEY, money)
    write_metadata(money, "money", "json-schema", "money.schema.json", version="1.0.0")
    api = root / "contracts" / "payments"
    api.mkdir(parents=True)
    (api / "openapi.yaml").write_text(PAYMENTS)
    write_metadata(api, "payments", "openapi", "openapi.yaml")
    commit_all(root, "money 1.0.0, payments 2.1.0")
    return root


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_registry_contract_given_by_path_is_that_contract(registry: Path) -> None:
    by_path = registry / "adapters" / "by-path"
    result = run("generate", "models", "contracts/schemas/money/money.schema.json",
                 "contracts/payments/openapi.yaml", "--out", by_path, cwd=registry)
    assert result.returncode == 0, result.stderr
    assert sorted({p.split("/")[0] for p in files_under(by_path)}) == [
        "ledgerpact_models_money", "ledgerpact_models_payments"]
    header = read_header((by_path / "ledgerpact_models_money" / "__init__.py").read_text())
    assert header is not None and (header.contract, header.version) == ("money", "1.0.0")
    by_id = registry.parent / "by-id"
    assert run("generate", "models", "money", "payments", "--out", by_id,
               "--registry", registry).returncode == 0
    assert files_under(by_path) == files_under(by_id)
    # from elsewhere, by an absolute path: the same contract again
    outside = registry.parent / "outside"
    assert run("generate", "models", registry / "contracts" / "payments" / "openapi.yaml",
               "--out", outside, cwd=registry.parent).returncode == 0
    assert files_under(outside) == {k: v for k, v in files_under(by_id).items()
                                    if k.startswith("ledgerpact_models_payments/")}
    commit_all(registry, "adapter models generated by path")
    reg = Registry.open(registry)
    assert stale_models(reg, "money") == []
    assert stale_models(reg, "payments") == []
    check = run("check", "--registry", registry, "--format", "json", cwd=registry)
    assert "generated-code-stale" not in check.stdout, check.stdout + check.stderr
    # a file outside any registry is still named after its title
    spec = registry.parent / "vendor.yaml"
    spec.write_text(PAYMENTS.replace("{$ref: '../schemas/money/money.schema.json'}",
                                     "{type: string}"))
    vendor = registry.parent / "vendor"
    result = run("generate", "models", spec, "--out", vendor, cwd=registry.parent)
    assert result.returncode == 0, result.stderr
    assert (vendor / "ledgerpact_models_payments_platform_api").is_dir()


def refused(result: Any) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return str(lines[0])


@pytest.mark.parametrize("inside", [False, True])
def test_a_missing_file_or_a_folder_is_not_called_an_unknown_contract(
        registry: Path, tmp_path: Path, inside: bool) -> None:
    cwd = registry if inside else tmp_path
    missing = tmp_path / "specs" / "nonexist.yaml"
    (tmp_path / "specs").mkdir()
    out = tmp_path / "out"
    assert refused(run("generate", "models", missing, "--out", out, cwd=cwd)) == (
        f"error: {missing}: file not found")
    assert refused(run("generate", "models", "nonexist.json", "money", "--out", out,
                       "--registry", registry, cwd=cwd)) == "error: nonexist.json: file not found"
    line = refused(run("generate", "models", tmp_path / "specs", "--out", out, cwd=cwd))
    assert line.startswith(f"error: {tmp_path / 'specs'}: is a directory")
    assert not out.exists()
    # an id is still an id, even beside a folder of that name
    (cwd / "money").mkdir()
    assert run("generate", "models", "money", "--out", out, "--registry", registry,
               cwd=cwd).returncode == 0
    line = refused(run("generate", "models", "nosuch", "--out", tmp_path / "o2",
                       "--registry", registry, cwd=cwd))
    assert "no contract 'nosuch'" in line


def test_the_package_exports_exact_adapter(erp: types.ModuleType) -> None:
    """The README and the models' own errors send users to the package's ``ExactAdapter``:
    ``from ledgerpact_models_<id> import ExactAdapter`` must work, and be the real one."""
    assert erp.ExactAdapter is importlib.import_module(f"{erp.__name__}._types").ExactAdapter
    money = erp.ExactAdapter(erp.Money)
    assert money.validate_json('{"amount": "12.50", "currency": "EUR"}').amount == \
        Decimal("12.50")
    with pytest.raises(ValidationError):
        money.validate_json('{"amount": 12.5, "currency": "EUR"}')


# -- 8. what model_dump_json writes: booleans as booleans, the contract's property names ----------


def test_a_boolean_of_a_number_or_boolean_union_is_written_as_a_boolean(
        probe: types.ModuleType) -> None:
    for text in ('{"flag":true}', '{"flag":false}', '{"flag":1.50}', '{"flag":2}'):
        assert probe.Fee.model_validate_json(text).model_dump_json() == text
        assert exact(probe, probe.Fee).dump_json(exact(probe, probe.Fee).validate_json(
            text)) == text
    assert probe.Fee(flag=True).model_dump() == {"flag": True, **{k: None for k in (
        "amount", "plain", "rate", "count", "note", "label", "when", "period", "tags",
        "either", "int_")}}


def test_json_is_written_with_the_contracts_property_names(probe: types.ModuleType) -> None:
    assert probe.Fee.model_fields["int_"].alias == "int"
    fee = probe.Fee.model_validate_json('{"int": 3}')
    assert fee.model_dump_json() == '{"int":3}'
    assert exact(probe, probe.Fee).dump_json(fee) == '{"int":3}'
    assert exact(probe, list[probe.Fee]).dump_json([fee]) == '[{"int":3}]'
    # the caller's explicit choice wins
    assert fee.model_dump_json(by_alias=False) == '{"int_":3}'
    assert exact(probe, probe.Fee).dump_json(fee, by_alias=False) == '{"int_":3}'


# -- 9. JSON null only where the contract allows it -----------------------------------------------

NULLS = {
    "openapi": "3.1.0",
    "info": {"title": "Nulls", "version": "1.0.0"},
    "paths": {},
    "components": {"schemas": {
        "Code": {"type": "string", "maxLength": 3},
        "MaybeCode": {"anyOf": [{"$ref": "#/components/schemas/Code"}, {"type": "null"}]},
        "Fee": {"type": "object", "properties": {
            "label": {"type": "string"},
            "note": {"type": ["string", "null"]},
            "legacy": {"type": "string", "nullable": True},
            "int": {"type": "integer"},
            "either": {"type": ["number", "string"]},
            "code": {"$ref": "#/components/schemas/Code"},
            "maybe": {"$ref": "#/components/schemas/MaybeCode"},
            "kind": {"enum": ["a", None]},
            "strict": {"allOf": [{"$ref": "#/components/schemas/MaybeCode"},
                                 {"type": "string"}]},
        }},
    }},
}

# What datamodel-code-generator writes for ``NULLS`` (every optional field is ``T | None``),
# before ``postprocess.finish``.
NULLS_CODE = """\
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ledgerpact_models_nulls._types import ContractModel, DecimalNumber


class Fee(ContractModel):
    label: str | None = None
    note: str | None = None
    legacy: str | None = None
    int_: Annotated[int | None, Field(alias='int')] = None
    either: DecimalNumber | str | None = None
    code: Annotated[str | None, Field(max_length=3)] = None
    maybe: Annotated[str | None, Field(max_length=3)] = None
    kind: Literal['a'] | None = None
    strict: Annotated[str | None, Field(max_length=3)] = None
"""


@pytest.fixture
def nulls(tmp_path: Path) -> Iterator[types.ModuleType]:
    """The package of ``NULLS_CODE`` as ``postprocess.finish`` completes it, with its
    ``_types``, written to a temp dir and imported."""
    package = tmp_path / "ledgerpact_models_nulls"
    package.mkdir()
    code = postprocess.finish(NULLS_CODE, "ledgerpact_models_nulls._types", {},
                              {"/components/schemas/Fee": "Fee"}, document=NULLS)
    (package / "__init__.py").write_text(code, encoding="utf-8")
    (package / "_types.py").write_text(support.render("# test", {}), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module("ledgerpact_models_nulls")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == "ledgerpact_models_nulls"]:
            del sys.modules[name]


def test_json_null_is_refused_where_the_contract_has_no_null(nulls: types.ModuleType) -> None:
    assert nulls.Fee.__contract_nullable__ == frozenset({"note", "legacy", "maybe", "kind"})
    validator = Draft202012Validator({**NULLS, "$ref": "#/components/schemas/Fee"})
    for name in ("label", "int", "either", "code", "strict"):
        payload = json.dumps({name: None})
        assert not validator.is_valid({name: None}), name
        assert errors(lambda p=payload: nulls.Fee.model_validate_json(p)) == [
            ((name,), "json_type")], name
        assert errors(lambda p=payload: exact(nulls, nulls.Fee).validate_json(p)) == [
            ((name,), "json_type")], name
    with pytest.raises(ValidationError, match="Input should be a JSON number or string, not "
                                              "a JSON null"):
        nulls.Fee.model_validate_json('{"either": null}')


def test_json_null_is_taken_and_written_where_the_contract_allows_it(
        nulls: types.ModuleType) -> None:
    validator = Draft202012Validator({**NULLS, "$ref": "#/components/schemas/Fee"})
    for name in ("note", "legacy", "maybe", "kind"):
        # OpenAPI 3.0's ``nullable`` (no keyword to JSON Schema) is taken as allowing null
        assert validator.is_valid({name: None}) or name == "legacy", name
        payload = json.dumps({name: None}, separators=(",", ":"))
        assert nulls.Fee.model_validate_json(payload).model_dump_json() == payload
    # Python construction is not JSON: None still means "no value" there
    assert nulls.Fee(label=None).label is None


@pytest.mark.parametrize(("schema", "nullable"), [
    ({"type": "string"}, False),
    ({"type": ["string", "null"]}, True),
    ({"type": "string", "nullable": True}, True),
    ({"enum": ["a", None]}, True),
    ({"const": None}, True),
    ({"const": "a"}, False),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, True),
    ({"allOf": [{"type": ["string", "null"]}, {"type": "string"}]}, False),
    ({"$ref": "#/$defs/Missing"}, True),
    ({}, True),
])
def test_which_schemas_allow_null(schema: dict[str, Any], nullable: bool) -> None:
    assert postprocess.allows_null(schema, {"$defs": {}}) is nullable
