"""Schema-driven data for the generic simulator: every generated instance must pass the same
kind of validation a client would apply, over the registry contracts and two large vendor
specifications (Xero, Stripe: OpenAPI 3.0, recursive), plus the keywords one by one.

Instances are checked with the Python ``jsonschema`` package (Draft 2020-12, the bundled
document as a ``referencing`` resource, OpenAPI 3.0 ``nullable`` spelt as the engine spells it)
and with jsonschema-rs with format validation on, which is what the simulator engine runs.
"""

from __future__ import annotations

import ipaddress
import json
import random
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ledgerpact.generators.simulators.datagen import (
    generate,
    generate_string_for_pattern,
    is_valid,
)
from ledgerpact.generators.simulators.spec import nullable_to_type
from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.cli_support import catalog_for, open_registry

REPO = Path(__file__).resolve().parents[1]
URI = "urn:test:document"
REGISTRY_CONTRACTS = ("erp-finance", "invoice-automation", "tax-engine")


@pytest.fixture(scope="session")
def registry_documents() -> dict[str, dict[str, Any]]:
    ws = open_registry(REPO).workspace()
    catalog = catalog_for(ws)
    out = {}
    for cid in REGISTRY_CONTRACTS:
        entry = catalog.get(cid)
        assert entry is not None, cid
        out[cid] = bundle(ws, entry.document_path).document
    return out


class Checker:
    """Both validators over one document; ``errors`` lists what either one refuses."""

    def __init__(self, document: dict[str, Any]) -> None:
        is30 = str(document.get("openapi", "")).startswith("3.0")
        self.doc = nullable_to_type(document) if is30 else document
        self.registry = Registry().with_resource(
            URI, Resource(contents=self.doc, specification=DRAFT202012))
        self.rs_registry = jsonschema_rs.Registry(
            [(URI, self.doc)],
            draft=jsonschema_rs.Draft4 if is30 else jsonschema_rs.Draft202012)

    def errors(self, pointer: str, instance: Any) -> list[str]:
        wrapper = {"$ref": f"{URI}#{pointer}"}
        py = Draft202012Validator(wrapper, registry=self.registry,
                                  format_checker=Draft202012Validator.FORMAT_CHECKER)
        found = [f"jsonschema {list(e.absolute_path)}: {e.message[:200]}"
                 for e in py.iter_errors(instance)]
        rs = jsonschema_rs.validator_for(wrapper, registry=self.rs_registry,
                                         base_uri="urn:test:wrapper", validate_formats=True)
        found += [f"jsonschema-rs {e.instance_path}: {e.message[:200]}"
                  for e in rs.iter_errors(instance)]
        return found


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _no_floats(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(_no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_floats(v) for v in value)
    return True


def _sweep(document: dict[str, Any], seeds: range) -> tuple[int, list[str]]:
    checker = Checker(document)
    count, failures = 0, []
    for name in document["components"]["schemas"]:
        pointer = f"/components/schemas/{_escape(name)}"
        for seed in seeds:
            instance = generate({"$ref": f"#{pointer}"}, document, random.Random(seed))
            count += 1
            errors = checker.errors(pointer, instance)
            if not _no_floats(instance):
                errors.append("a float in the instance")
            if errors:
                failures.append(f"{name} seed {seed}: {errors[:3]}")
    return count, failures


# --------------------------------------------------------------------------- corpora

@pytest.mark.parametrize("contract", REGISTRY_CONTRACTS)
def test_every_registry_schema_generates_valid_instances(
        registry_documents: dict[str, dict[str, Any]], contract: str) -> None:
    count, failures = _sweep(registry_documents[contract], range(5))
    assert count >= 5 * 25
    assert failures == []


def test_every_xero_schema_generates_valid_instances(corpora: Path) -> None:
    text = (corpora / "xero" / "xero_accounting-3.0.2.yaml").read_text()
    document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    count, failures = _sweep(document, range(2))
    print(f"\nxero: {count} instances, {len(failures)} invalid")
    assert count == 2 * len(document["components"]["schemas"]) > 200
    assert failures == []


def test_every_stripe_schema_generates_valid_instances(corpora: Path) -> None:
    document = json.loads((corpora / "stripe" / "spec3-2022-04-12.json").read_text())
    count, failures = _sweep(document, range(1))
    print(f"\nstripe: {count} instances, {len(failures)} invalid")
    assert count == len(document["components"]["schemas"]) > 500
    assert failures == []


# --------------------------------------------------------------------------- keywords

def _doc(schemas: dict[str, Any], openapi: str = "3.1.0") -> dict[str, Any]:
    return {"openapi": openapi, "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": schemas}}


def _many(schema: Any, document: dict[str, Any], seeds: int = 40) -> list[Any]:
    return [generate(schema, document, random.Random(s)) for s in range(seeds)]


def _assert_valid(document: dict[str, Any], name: str, values: list[Any]) -> None:
    checker = Checker(document)
    for value in values:
        assert checker.errors(f"/components/schemas/{name}", value) == [], value


PATTERNS = [
    r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$",  # IBAN-like
    r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$",  # BIC
    r"^-?(0|[1-9][0-9]*)(\.[0-9]{1,2})?$",  # money amount
    r"^(0\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\.[0-9]+)?)$",
    r"^[0-9]{1,2}$|^ZZZ$",
    r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$",
    r"^(/([^~/]|~[01])*)+$",
    r"^[a-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$",
    r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    r"^\d{3}-\d{2}-\d{4}$",
    r"^(['\"])[a-z]+\1$",  # a backreference
    r"^\w+@\w+\.(com|org|net)$",
    r"^(ab|cd){2,3}x*?y+$",
    r"[A-Z]{3}",  # unanchored: re.search semantics
    r"^[^aeiou0-9\W]{5}$",
    r"^\S+\s\S+$",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_strings_match(pattern: str) -> None:
    seen = set()
    for seed in range(30):
        s = generate_string_for_pattern(pattern, random.Random(seed))
        assert s is not None and re.search(pattern, s), (pattern, s)
        seen.add(s)
    assert len(seen) > 1  # generated, not a constant


def test_pattern_with_length_bounds() -> None:
    doc = _doc({"Code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$", "minLength": 5,
                         "maxLength": 7}})
    values = _many({"$ref": "#/components/schemas/Code"}, doc)
    assert all(5 <= len(v) <= 7 for v in values)
    _assert_valid(doc, "Code", values)


def test_formats_parse() -> None:
    formats = ["date", "date-time", "time", "email", "uri", "uri-reference", "uuid", "ipv4",
               "ipv6", "hostname"]
    doc = _doc({f: {"type": "string", "format": f} for f in formats})
    parse: dict[str, Callable[[str], Any]] = {
        "date": date.fromisoformat, "date-time": datetime.fromisoformat, "uuid": uuid.UUID,
        "ipv4": ipaddress.IPv4Address, "ipv6": ipaddress.IPv6Address,
        "email": lambda s: s.split("@")[1] or None,
        "uri": lambda s: re.match(r"^[a-z][a-z0-9+.-]*://\S+$", s) or None}
    for f in formats:
        values = _many({"$ref": f"#/components/schemas/{f}"}, doc, 10)
        _assert_valid(doc, f, values)
        for v in values:
            assert isinstance(v, str)
            if f in parse:
                assert parse[f](v) is not None


def test_numbers_respect_bounds_and_stay_exact() -> None:
    doc = _doc({
        "Rate": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.05},
        "Qty": {"type": "integer", "exclusiveMinimum": 10, "maximum": 13},
        "Big": {"type": "number", "minimum": 1000000},
        "Even": {"type": "integer", "multipleOf": 2, "minimum": -5, "maximum": 5},
    })
    rates = _many({"$ref": "#/components/schemas/Rate"}, doc)
    assert all(isinstance(r, Decimal) and 0 <= r < 1 and r % Decimal("0.05") == 0
               for r in rates)
    qty = _many({"$ref": "#/components/schemas/Qty"}, doc)
    assert set(qty) <= {11, 12, 13} and all(type(q) is int for q in qty)
    assert all(b >= 1000000 for b in _many({"$ref": "#/components/schemas/Big"}, doc))
    assert all(e % 2 == 0 for e in _many({"$ref": "#/components/schemas/Even"}, doc))


def test_money_amounts_are_decimal_strings(
        registry_documents: dict[str, dict[str, Any]]) -> None:
    doc = registry_documents["erp-finance"]
    values = _many({"$ref": "#/components/schemas/Money"}, doc)
    for money in values:
        assert isinstance(money["amount"], str)
        Decimal(money["amount"])  # parses
        assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", money["amount"])
    assert len({m["currency"] for m in values}) > 5
    checker = Checker(doc)
    assert all(checker.errors("/components/schemas/Money", m) == [] for m in values)


def test_oneof_matches_exactly_one_variant() -> None:
    doc = _doc({
        "Either": {"type": "object", "additionalProperties": False,
                   "properties": {"a": {"type": "string"}, "b": {"type": "string"},
                                  "c": {"type": "integer"}},
                   "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
        "Overlap": {"oneOf": [{"type": "integer", "maximum": 10},
                              {"type": "integer", "minimum": 5}]},
    })
    either = _many({"$ref": "#/components/schemas/Either"}, doc)
    assert all(("a" in v) != ("b" in v) for v in either)
    assert {("a" in v) for v in either} == {True, False}  # both variants used
    _assert_valid(doc, "Either", either)
    overlap = _many({"$ref": "#/components/schemas/Overlap"}, doc)
    assert all(not 5 <= v <= 10 for v in overlap)


def test_discriminator_sets_the_mapping_key() -> None:
    doc = _doc({
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"},
                          {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "petType",
                                  "mapping": {"kitty": "#/components/schemas/Cat",
                                              "doggo": "#/components/schemas/Dog"}}},
        "Cat": {"type": "object", "required": ["petType", "purrs"],
                "additionalProperties": False,
                "properties": {"petType": {"type": "string"}, "purrs": {"type": "boolean"}}},
        "Dog": {"type": "object", "required": ["petType", "barks"],
                "additionalProperties": False,
                "properties": {"petType": {"type": "string"}, "barks": {"type": "boolean"}}},
    })
    pets = _many({"$ref": "#/components/schemas/Pet"}, doc)
    for pet in pets:
        assert pet["petType"] == ("kitty" if "purrs" in pet else "doggo")
    assert {p["petType"] for p in pets} == {"kitty", "doggo"}
    _assert_valid(doc, "Pet", pets)


def test_not_if_then_else_and_allof(registry_documents: dict[str, dict[str, Any]]) -> None:
    doc = _doc({
        "NotTwo": {"type": "integer", "minimum": 0, "maximum": 3, "not": {"const": 2}},
        "Cond": {"type": "object", "required": ["kind"],
                 "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "string"},
                                "y": {"type": "integer"}},
                 "if": {"properties": {"kind": {"const": "a"}}},
                 "then": {"required": ["x"], "not": {"required": ["y"]}},
                 "else": {"required": ["y"]}},
        "Both": {"allOf": [{"type": "object", "required": ["p"],
                            "properties": {"p": {"type": "string", "maxLength": 3}}},
                           {"required": ["q"], "properties": {"q": {"const": 7},
                                                              "p": {"minLength": 2}}}]},
    })
    assert 2 not in _many({"$ref": "#/components/schemas/NotTwo"}, doc)
    cond = _many({"$ref": "#/components/schemas/Cond"}, doc)
    assert all(("x" in c and "y" not in c) if c["kind"] == "a" else "y" in c for c in cond)
    both = _many({"$ref": "#/components/schemas/Both"}, doc)
    assert all(2 <= len(b["p"]) <= 3 and b["q"] == 7 for b in both)
    for name, values in (("NotTwo", []), ("Cond", cond), ("Both", both)):
        _assert_valid(doc, name, values)
    # The purchase-order change: add carries newValue and never previousValue.
    erp = registry_documents["erp-finance"]
    changes = _many({"$ref": "#/components/schemas/PurchaseOrder/$defs/Change"}, erp, 60)
    adds = [c for c in changes if c["operation"] == "add"]
    assert adds and all("newValue" in c and "previousValue" not in c for c in adds)


def test_arrays_objects_and_maps() -> None:
    doc = _doc({
        "Tags": {"type": "array", "items": {"enum": ["x", "y", "z"]}, "minItems": 2,
                 "maxItems": 3, "uniqueItems": True},
        "Pair": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}],
                 "items": False, "minItems": 2},
        "Map": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 4},
                "minProperties": 1},
        "Closed": {"type": "object", "additionalProperties": False, "minProperties": 2,
                   "properties": {"a": {"type": "boolean"}, "b": {"type": "boolean"},
                                  "c": {"type": "boolean"}}},
        "Multi": {"type": ["integer", "string"]},
    })
    tags = _many({"$ref": "#/components/schemas/Tags"}, doc)
    assert all(2 <= len(t) <= 3 and len(set(t)) == len(t) for t in tags)
    pairs = _many({"$ref": "#/components/schemas/Pair"}, doc)
    assert all(isinstance(p[0], int) and isinstance(p[1], str) and len(p) == 2 for p in pairs)
    maps = _many({"$ref": "#/components/schemas/Map"}, doc)
    assert all(len(m) >= 1 and all(len(v) <= 4 for v in m.values()) for m in maps)
    closed = _many({"$ref": "#/components/schemas/Closed"}, doc)
    assert all(len(c) >= 2 and set(c) <= {"a", "b", "c"} for c in closed)
    multi = _many({"$ref": "#/components/schemas/Multi"}, doc)
    assert {type(m) for m in multi} == {int, str}
    for name, values in (("Tags", tags), ("Pair", pairs), ("Map", maps), ("Closed", closed)):
        _assert_valid(doc, name, values)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_recursion_is_bounded_and_valid() -> None:
    doc = _doc({
        "Node": {"type": "object", "required": ["name", "children", "parent"],
                 "properties": {"name": {"type": "string"},
                                "children": {"type": "array", "minItems": 1,
                                             "items": {"$ref": "#/components/schemas/Node"}},
                                "parent": {"anyOf": [{"$ref": "#/components/schemas/Node"},
                                                     {"type": "null"}]}}},
        "Tree": {"type": "object", "required": ["kids"],
                 "properties": {"kids": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/Tree"}}}},
    })
    for depth in (2, 8):
        trees = [generate({"$ref": "#/components/schemas/Tree"}, doc, random.Random(s),
                          max_depth=depth) for s in range(10)]
        assert all(_depth(t) <= 2 * depth + 2 for t in trees)
        _assert_valid(doc, "Tree", trees)
    # Node needs at least one child forever: unsatisfiable, but generation still ends.
    generate({"$ref": "#/components/schemas/Node"}, doc, random.Random(0), max_depth=3)


def test_openapi30_nullable() -> None:
    doc = _doc({"N": {"type": "object", "required": ["v", "e"],
                      "properties": {"v": {"type": "string", "nullable": True},
                                     "e": {"type": "string", "enum": ["a"],
                                           "nullable": True}}},
                "L": {"type": ["integer", "null"]}}, openapi="3.0.3")
    values = _many({"$ref": "#/components/schemas/N"}, doc, 80)
    assert None in {v["v"] for v in values} and any(isinstance(v["v"], str) for v in values)
    assert all(v["e"] in ("a", None) for v in values)
    _assert_valid(doc, "N", values)
    assert None in _many({"$ref": "#/components/schemas/L"}, doc, 80)


def test_same_seed_same_instance(registry_documents: dict[str, dict[str, Any]]) -> None:
    doc = registry_documents["invoice-automation"]
    ref = {"$ref": "#/components/schemas/InvoiceRecord"}
    a = [generate(ref, doc, random.Random(s)) for s in range(5)]
    b = [generate(ref, doc, random.Random(s)) for s in range(5)]
    assert a == b
    assert len({json.dumps(x, sort_keys=True, default=str) for x in a}) == 5


def test_is_valid_agrees_with_the_validators(
        registry_documents: dict[str, dict[str, Any]]) -> None:
    doc = registry_documents["erp-finance"]
    ref = {"$ref": "#/components/schemas/Money"}
    assert is_valid(ref, doc, {"amount": "1.50", "currency": "EUR"})
    assert not is_valid(ref, doc, {"amount": "1.505", "currency": "EUR"})  # 2 decimals
    assert not is_valid(ref, doc, {"amount": 1.5, "currency": "EUR"})


def test_checker_refuses_invalid_instances(
        registry_documents: dict[str, dict[str, Any]]) -> None:
    # The sweeps above mean something only if the checker can say no.
    checker = Checker(registry_documents["erp-finance"])
    assert checker.errors("/components/schemas/Money", {"amount": "1"}) != []
    assert checker.errors("/components/schemas/Supplier", {"name": "x", "status": "gone"})


def test_same_seed_same_instance_in_another_process(
        registry_documents: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    # A restarted simulator must serve the same data: nothing may hang on set order or on
    # what the process generated before.
    import subprocess
    import sys

    doc_path = tmp_path / "doc.json"
    doc_path.write_text(json.dumps(registry_documents["erp-finance"]))
    script = (
        "import json, random, sys\n"
        "from ledgerpact.generators.simulators.datagen import generate\n"
        "doc = json.load(open(sys.argv[1]))\n"
        "names = list(doc['components']['schemas'])\n"
        "if sys.argv[2] == 'warm':\n"
        "    for n in reversed(names):\n"
        "        generate({'$ref': '#/components/schemas/' + n}, doc, random.Random(9))\n"
        "out = [generate({'$ref': '#/components/schemas/' + n}, doc, random.Random(1),\n"
        "                max_depth=3) for n in names]\n"
        "print(json.dumps(out, default=str, sort_keys=True))\n")
    outputs = set()
    for hash_seed, mode in (("1", "cold"), ("2", "warm")):
        run = subprocess.run([sys.executable, "-c", script, str(doc_path), mode],
                             capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"})
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_dependent_required() -> None:
    doc = _doc({"Card": {"type": "object", "required": ["number"],
                         "properties": {"number": {"type": "string"},
                                        "cvc": {"type": "string"},
                                        "expiry": {"type": "string", "format": "date"}},
                         "dependentRequired": {"cvc": ["expiry"]}}})
    cards = _many({"$ref": "#/components/schemas/Card"}, doc)
    assert any("cvc" in c for c in cards)
    assert all("expiry" in c for c in cards if "cvc" in c)
    _assert_valid(doc, "Card", cards)
