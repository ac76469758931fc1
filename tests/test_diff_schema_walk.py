"""The schema walker on what the review of issue 4 found it getting wrong: keywords of later
allOf members, a referrer closing its members' properties, a thousand-deep allOf chain, JSON
Schema keywords no rule classified, reordered unnamed variants, schema-registry semantics for
data the application receives, schemas of the wrong JSON type, Zalando's extensible enums, and
changes inside ``not``.

Each test diffs real documents: small ones written here, and the registry's own contracts
(money, invoice, credit note, the ERP finance API) copied into a temp folder and changed.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.governance.diff.catalog import diff_rule, get_rule
from ledgerpact.governance.diff.engine import DocSide
from ledgerpact.governance.diff.model import Change, Direction, Level
from ledgerpact.governance.diff.run import diff_sides
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace
from tests.cli_helpers import run
from tests.diff_helpers import diff_texts

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
REQ, RESP = Direction.REQUEST, Direction.RESPONSE
PUB, SUB = Direction.PUBLISH, Direction.SUBSCRIBE


def api(schemas: dict[str, Any], *, post_only: bool = False) -> str:
    """An OpenAPI 3.1 document whose ``Invoice`` component is read by ``POST /invoices``
    and (unless ``post_only``) written by ``GET /invoices``."""
    ref = {"$ref": "#/components/schemas/Invoice"}
    ops: dict[str, Any] = {"post": {
        "operationId": "createInvoice",
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
        "responses": {"201": {"description": "Created."}}}}
    if not post_only:
        ops["get"] = {"operationId": "listInvoices", "responses": {"200": {
            "description": "The invoices.", "content": {"application/json": {"schema": ref}}}}}
    return json.dumps({"openapi": "3.1.0", "info": {"title": "Invoices", "version": "1.0.0"},
                       "paths": {"/invoices": ops}, "components": {"schemas": schemas}},
                      indent=1)


def diff(tmp_path: Path, base: dict[str, Any], rev: dict[str, Any], **kw: Any) -> list[Change]:
    return diff_texts(tmp_path, api(base, **kw), api(rev, **kw), suffix=".json")


def seen(changes: list[Change]) -> list[tuple[str, str, str]]:
    return sorted((c.rule, c.direction.value, c.level.label) for c in changes)


def both_ways(rule: str, request: str, response: str) -> list[tuple[str, str, str]]:
    return sorted([(rule, "request", request), (rule, "response", response)])


def _copy_contracts(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(CONTRACTS, target)
    return target


def _edit_json(path: Path, edit: Any) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=2))


def registry_diff(tmp_path: Path, document: str, edit_file: str, edit: Any,
                  directions: tuple[Direction, ...] = (PUB, SUB)) -> list[Change]:
    """Diff a registry contract document against a copy of the registry in which
    ``edit_file`` (a path under contracts/) was changed by ``edit``."""
    base, rev = _copy_contracts(tmp_path, "base"), _copy_contracts(tmp_path, "revision")
    _edit_json(rev / edit_file, edit)
    kind = "json-schema" if document.endswith(".schema.json") else ""
    sides = [DocSide(Workspace(DirectorySource(root)), document, root.name, kind=kind)
             for root in (base, rev)]
    return diff_sides(*sides, directions=directions)


# -- 1. every keyword of every allOf member is compared ---------------------------------------

def _total(second_max: int, third_pattern: str) -> dict[str, Any]:
    return {"Decimal": {"type": "string", "maxLength": 20, "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
            "Invoice": {"type": "object", "properties": {"total": {"allOf": [
                {"$ref": "#/components/schemas/Decimal"}, {"maxLength": second_max},
                {"pattern": third_pattern}]}}}}


def test_keywords_of_later_allof_members_are_compared(tmp_path: Path) -> None:
    changes = diff(tmp_path, _total(18, "^-?[0-9]+(\\.[0-9]{1,2})?$"),
                   _total(10, "^-?[0-9]+$"))
    assert seen(changes) == sorted(both_ways("max-length-tightened", "breaking", "info")
                                   + both_ways("pattern-changed", "breaking", "breaking"))
    at = "/components/schemas/Invoice/properties/total/allOf"
    assert {(c.rule, c.base.pointer, c.revision.pointer) for c in changes} == {
        ("max-length-tightened", f"{at}/1/maxLength", f"{at}/1/maxLength"),
        ("pattern-changed", f"{at}/2/pattern", f"{at}/2/pattern")}
    assert {c.message for c in changes if c.rule == "max-length-tightened"} == {
        "maxLength lowered from 18 to 10"}


def test_every_allof_member_with_if_then_is_compared(tmp_path: Path) -> None:
    """As money.schema.json does: one allOf member per group of currencies."""
    def money(three_decimals: str) -> dict[str, Any]:
        def rule(code: str, pattern: str) -> dict[str, Any]:
            return {"if": {"properties": {"currency": {"const": code}}},
                    "then": {"properties": {"amount": {"pattern": pattern}}}}
        return {"Money": {"type": "object", "properties": {"amount": {"type": "string"},
                                                           "currency": {"type": "string"}},
                          "allOf": [rule("JPY", "^-?[0-9]+$"), rule("KWD", three_decimals)]},
                "Invoice": {"type": "object",
                            "properties": {"total": {"$ref": "#/components/schemas/Money"}}}}
    changes = diff(tmp_path, money("^-?[0-9]+(\\.[0-9]{1,3})?$"),
                   money("^-?[0-9]+(\\.[0-9]{1,2})?$"))
    assert seen(changes) == both_ways("pattern-changed", "breaking", "breaking")
    assert {c.base.pointer for c in changes} == {
        "/components/schemas/Money/allOf/1/then/properties/amount/pattern"}


def test_a_property_several_members_define_is_all_of_its_definitions(tmp_path: Path) -> None:
    def two_members(enum: list[str]) -> dict[str, Any]:
        return {"Base": {"type": "object", "properties": {"status": {"type": "string"}}},
                "Invoice": {"allOf": [{"$ref": "#/components/schemas/Base"},
                                      {"properties": {"status": {"enum": enum}}}]}}
    changes = diff(tmp_path, two_members(["draft", "sent", "paid"]), two_members(["draft", "sent"]))
    assert seen(changes) == both_ways("enum-value-removed", "breaking", "info")
    assert {c.base.pointer for c in changes} == {
        "/components/schemas/Invoice/allOf/1/properties/status/enum/2"}

    def own_and_member(least: int) -> dict[str, Any]:
        return {"Invoice": {"type": "object", "properties": {"ref": {"type": "string"}},
                            "allOf": [{"properties": {"ref": {"minLength": least}}}]}}
    changes = diff(tmp_path, own_and_member(1), own_and_member(5))
    assert seen(changes) == both_ways("min-length-tightened", "breaking", "info")


def test_the_invoice_type_code_pattern_in_its_shared_definitions_is_compared(
        tmp_path: Path) -> None:
    """The registry's invoice declares typeCode itself and in $defs/DocumentProperties (which
    it merges through a sibling $ref): narrowing the shared one used to go unnoticed."""
    def narrow(doc: dict[str, Any]) -> None:
        doc["$defs"]["DocumentProperties"]["properties"]["typeCode"]["pattern"] = "^[0-9]{3}$"
    changes = registry_diff(tmp_path, "schemas/invoice/invoice.schema.json",
                            "schemas/invoice/invoice.schema.json", narrow)
    assert seen(changes) == [("pattern-changed", "publish", "breaking"),
                             ("pattern-changed", "subscribe", "breaking")]
    assert {c.base.pointer for c in changes} == {
        "/$defs/DocumentProperties/properties/typeCode/pattern"}


def test_money_three_decimal_currencies_narrowed_is_breaking(tmp_path: Path) -> None:
    def narrow(doc: dict[str, Any]) -> None:
        member = doc["allOf"][2]
        assert "KWD" in member["if"]["properties"]["currency"]["enum"]
        member["then"]["properties"]["amount"]["pattern"] = "^-?(0|[1-9][0-9]*)(\\.[0-9]{1,2})?$"
    changes = registry_diff(tmp_path, "schemas/money/money.schema.json",
                            "schemas/money/money.schema.json", narrow)
    assert seen(changes) == [("pattern-changed", "publish", "breaking"),
                             ("pattern-changed", "subscribe", "breaking")]
    assert {c.base.pointer for c in changes} == {"/allOf/2/then/properties/amount/pattern"}


def test_the_same_keyword_in_the_referrer_and_a_member_is_no_change_when_dropped_once(
        tmp_path: Path) -> None:
    """``type: object`` said by a schema and by its member: saying it once is no change."""
    base = {"Base": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Invoice": {"type": "object", "allOf": [{"$ref": "#/components/schemas/Base"}]}}
    rev = copy.deepcopy(base)
    del rev["Invoice"]["type"]
    assert diff(tmp_path, base, rev) == []


def test_a_change_in_a_member_shared_by_two_schemas_is_one_change(tmp_path: Path) -> None:
    base = {"Document": {"type": "object", "properties": {"number": {"type": "string"},
                                                          "fax": {"type": "string"}}},
            "Invoice": {"allOf": [{"$ref": "#/components/schemas/Document"}],
                        "properties": {"total": {"type": "string"}}},
            "CreditNote": {"allOf": [{"$ref": "#/components/schemas/Document"}],
                           "properties": {"credited": {"type": "string"}}}}
    doc = json.loads(api(base))
    doc["paths"]["/credit-notes"] = {"get": {"operationId": "listCreditNotes", "responses": {
        "200": {"description": "Credit notes.", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/CreditNote"}}}}}}}
    rev = copy.deepcopy(doc)
    del rev["components"]["schemas"]["Document"]["properties"]["fax"]
    changes = diff_texts(tmp_path, json.dumps(doc), json.dumps(rev), suffix=".json")
    assert seen(changes) == both_ways("property-removed", "warning", "breaking")
    response = next(c for c in changes if c.direction is RESP)
    assert response.affects == ["GET /credit-notes", "GET /invoices"]
    assert response.revision.pointer == "/components/schemas/Document"


# -- 2. a referrer's closed content model applies to what its members bring -------------------

def _closed_by_referrer(props: list[str], description: str = "An invoice.",
                        allof: bool = False) -> dict[str, Any]:
    doc = {"type": "object", "properties": {p: {"type": "string"} for p in props}}
    ref = {"$ref": "#/components/schemas/Doc"}
    invoice: dict[str, Any] = ({"allOf": [ref]} if allof else dict(ref))
    invoice.update({"unevaluatedProperties": False, "description": description})
    return {"Doc": doc, "Invoice": invoice}


@pytest.mark.parametrize("allof", [False, True], ids=["sibling-ref", "allof"])
def test_a_property_removed_from_a_member_of_a_closed_referrer(tmp_path: Path,
                                                               allof: bool) -> None:
    changes = diff(tmp_path, _closed_by_referrer(["number", "dueDate"], allof=allof),
                   _closed_by_referrer(["number"], allof=allof))
    assert seen(changes) == both_ways("property-removed-from-closed-schema", "breaking",
                                      "breaking")


def test_editing_the_closed_referrers_description_changes_no_verdict(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = diff(tmp_path / "a", _closed_by_referrer(["number", "dueDate"]),
                 _closed_by_referrer(["number"]))
    edited = diff(tmp_path / "b", _closed_by_referrer(["number", "dueDate"]),
                  _closed_by_referrer(["number"], description="An invoice, edited."))
    assert seen(plain) == seen(edited) and plain


def test_a_property_added_to_a_member_of_a_closed_referrer_breaks_responses(
        tmp_path: Path) -> None:
    changes = diff(tmp_path, _closed_by_referrer(["number"]),
                   _closed_by_referrer(["number", "dueDate"]))
    assert seen(changes) == [("property-added", "request", "info"),
                             ("property-added-to-closed-schema", "response", "breaking")]


def test_credit_note_closed_like_the_invoice_gets_the_same_verdict(tmp_path: Path) -> None:
    """The credit note merges the invoice's DocumentProperties and closes them with
    unevaluatedProperties: false, as the invoice does."""
    def drop_due_date(doc: dict[str, Any]) -> None:
        del doc["$defs"]["DocumentProperties"]["properties"]["dueDate"]
    for document in ("schemas/credit-note/credit-note.schema.json",
                     "schemas/invoice/invoice.schema.json"):
        changes = registry_diff(tmp_path / document.split("/")[1], document,
                                "schemas/invoice/invoice.schema.json", drop_due_date,
                                directions=(SUB,))
        assert seen(changes) == [("property-removed-from-closed-schema", "subscribe",
                                  "breaking")], document


def test_erp_finance_reports_the_removal_once_per_direction(tmp_path: Path) -> None:
    def drop_due_date(doc: dict[str, Any]) -> None:
        del doc["$defs"]["DocumentProperties"]["properties"]["dueDate"]
    changes = registry_diff(tmp_path, "erp-finance/openapi.yaml",
                            "schemas/invoice/invoice.schema.json", drop_due_date)
    found = [c for c in changes if "dueDate" in c.message]
    by_direction: dict[Direction, list[str]] = {}
    for c in found:
        by_direction.setdefault(c.direction, []).append(c.rule)
    assert by_direction and all(rules == ["property-removed-from-closed-schema"]
                                for rules in by_direction.values()), by_direction


# -- 3. a thousand-deep allOf chain -----------------------------------------------------------

def _chain(depth: int, top: str, leaf: str) -> dict[str, Any]:
    """C0 (a property ``top`` of its own) merges C1, which merges C2... down to C<depth>:
    comparing C0 folds the whole chain into one view."""
    schemas: dict[str, Any] = {f"C{i}": {"allOf": [{"$ref": f"#/components/schemas/C{i + 1}"}]}
                               for i in range(depth)}
    schemas["C0"]["properties"] = {"top": {"type": top}}
    schemas[f"C{depth}"] = {"type": "object", "properties": {"leaf": {"type": leaf}}}
    return schemas


def test_an_allof_chain_deeper_than_the_recursion_limit(tmp_path: Path) -> None:
    depth = sys.getrecursionlimit() + 500
    base = {**_chain(depth, "string", "string"), "Invoice": {"$ref": "#/components/schemas/C0"}}
    rev = {**_chain(depth, "integer", "number"), "Invoice": {"$ref": "#/components/schemas/C0"}}
    changes = diff(tmp_path, base, rev)
    assert seen(changes) == sorted(both_ways("type-changed", "breaking", "breaking")
                                   + both_ways("type-changed", "breaking", "breaking"))
    assert {c.base.pointer for c in changes} == {
        "/components/schemas/C0/properties/top/type",
        f"/components/schemas/C{depth}/properties/leaf/type"}


def test_the_reviewers_allof_chain_runs_from_the_command_line(tmp_path: Path) -> None:
    def doc(top: str) -> str:
        return json.dumps({"openapi": "3.1.0", "info": {"title": "t", "version": "1.0.0"},
                           "paths": {"/a": {"get": {"responses": {"200": {
                               "description": "ok", "content": {"application/json": {
                                   "schema": {"$ref": "#/components/schemas/C0"}}}}}}}},
                           "components": {"schemas": _chain(1000, top, "string")}})
    (tmp_path / "a.json").write_text(doc("string"))
    (tmp_path / "b.json").write_text(doc("integer"))
    result = run("diff", tmp_path / "a.json", tmp_path / "b.json", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert [c["rule"] for c in json.loads(result.stdout)["changes"]] == ["type-changed"]


def test_a_recursive_model_written_with_allof_terminates(tmp_path: Path) -> None:
    def node(name_type: str) -> dict[str, Any]:
        return {"Node": {"type": "object", "properties": {
            "name": {"type": name_type},
            "children": {"type": "array", "items": {
                "allOf": [{"$ref": "#/components/schemas/Node"}], "description": "A child."}}}},
            "Invoice": {"$ref": "#/components/schemas/Node"}}
    changes = diff(tmp_path, node("string"), node("integer"))
    assert seen(changes) == both_ways("type-changed", "breaking", "breaking")


# -- 4. keywords beyond the everyday ones ------------------------------------------------------

_LINES = {"type": "array"}
KEYWORD_CASES = [
    ("items-added", {"lines": _LINES}, {"lines": {**_LINES, "items": {"type": "string"}}}),
    ("items-removed", {"lines": {**_LINES, "items": {"type": "string"}}}, {"lines": _LINES}),
    ("items-added", {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}},
     {"pair": {"type": "array", "prefixItems": [{"type": "string"}], "items": False}}),
    ("items-added", {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}},
     {"pair": {"type": "array", "prefixItems": [{"type": "string"}],
               "unevaluatedItems": False}}),
    ("contains-added", {"lines": _LINES}, {"lines": {**_LINES, "contains": {"type": "string"}}}),
    ("contains-removed", {"lines": {**_LINES, "contains": {"type": "string"}}}, {"lines": _LINES}),
    ("min-contains-tightened", {"lines": {**_LINES, "contains": {}, "minContains": 1}},
     {"lines": {**_LINES, "contains": {}, "minContains": 3}}),
    ("min-contains-loosened", {"lines": {**_LINES, "contains": {}, "minContains": 2}},
     {"lines": {**_LINES, "contains": {}}}),
    ("max-contains-tightened", {"lines": {**_LINES, "contains": {}}},
     {"lines": {**_LINES, "contains": {}, "maxContains": 1}}),
    ("max-contains-loosened", {"lines": {**_LINES, "contains": {}, "maxContains": 1}},
     {"lines": {**_LINES, "contains": {}, "maxContains": 2}}),
    ("dependent-required-added", {}, {"dependentRequired": {"iban": ["bic"]}}),
    ("dependent-required-removed", {"dependentRequired": {"iban": ["bic"]}}, {}),
    ("dependent-schema-added", {}, {"dependentSchemas": {"iban": {"required": ["bic"]}}}),
    ("dependent-schema-removed", {"dependentSchemas": {"iban": {"required": ["bic"]}}}, {}),
    ("pattern-property-added", {}, {"patternProperties": {"^x-": {"type": "integer"}}}),
    ("pattern-property-removed", {"patternProperties": {"^x-": {"type": "integer"}}}, {}),
    ("property-names-added", {}, {"propertyNames": {"pattern": "^[a-z]+$"}}),
    ("property-names-removed", {"propertyNames": {"pattern": "^[a-z]+$"}}, {}),
    ("conditional-added", {}, {"if": {"properties": {"iban": {"const": "x"}}},
                               "then": {"required": ["bic"]}}),
    ("conditional-removed", {"if": {"properties": {"iban": {"const": "x"}}},
                             "else": {"required": ["bic"]}}, {}),
    ("content-encoding-changed", {"pdf": {"type": "string", "contentEncoding": "base64"}},
     {"pdf": {"type": "string", "contentEncoding": "base32"}}),
    ("content-media-type-changed",
     {"pdf": {"type": "string", "contentMediaType": "application/pdf"}},
     {"pdf": {"type": "string", "contentMediaType": "image/png"}}),
    # an if that makes an existing branch apply
    ("conditional-added", {"then": {"required": ["bic"]}},
     {"if": {"properties": {"iban": {"const": "x"}}}, "then": {"required": ["bic"]}}),
    # What no specific rule can classify:
    ("schema-keyword-changed", {"pair": {"type": "array", "prefixItems": [{}]}},
     {"pair": {"type": "array", "prefixItems": [{}, {"type": "string"}]}}),
    ("schema-keyword-changed", {"doc": {"type": "string"}},
     {"doc": {"type": "string", "contentMediaType": "application/pdf"}}),
    ("schema-keyword-changed", {"ref": {"$dynamicRef": "#node"}},
     {"ref": {"$dynamicRef": "#leaf"}}),
]


# The keys of KEYWORD_CASES that name a property of the example object; others are keywords.
_PROPERTIES = frozenset({"lines", "pair", "pdf", "doc", "ref"})


def _bank(extra: dict[str, Any]) -> dict[str, Any]:
    """An object schema with iban and bic, plus the properties and keywords of ``extra``."""
    schema: dict[str, Any] = {"type": "object", "properties": {"iban": {"type": "string"},
                                                               "bic": {"type": "string"}}}
    for key, value in extra.items():
        if key in _PROPERTIES:
            schema["properties"][key] = value
        else:
            schema[key] = value
    return {"Invoice": schema}


@pytest.mark.parametrize(("rule", "base", "rev"), KEYWORD_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KEYWORD_CASES)])
def test_every_validation_keyword_change_is_classified(tmp_path: Path, rule: str,
                                                       base: dict[str, Any],
                                                       rev: dict[str, Any]) -> None:
    changes = diff(tmp_path, _bank(base), _bank(rev))
    assert {c.rule for c in changes} == {rule}, seen(changes)
    expected = get_rule(rule)
    assert {(c.direction, c.level) for c in changes} == {
        (d, expected.level(d)) for d in (REQ, RESP)}


def test_draft_07_dependencies_are_a_keyword_change(tmp_path: Path) -> None:
    def doc(dependencies: list[str]) -> str:
        return (api({"Invoice": {"type": "object", "dependencies": {"iban": dependencies}}})
                .replace('"3.1.0"', '"3.0.3"'))
    changes = diff_texts(tmp_path, doc(["bic"]), doc(["bic", "bank"]), suffix=".json")
    assert seen(changes) == both_ways("schema-keyword-changed", "warning", "warning")


def test_annotations_stay_silent(tmp_path: Path) -> None:
    base = {"Invoice": {"type": "object", "title": "Invoice", "description": "An invoice.",
                        "properties": {"id": {"type": "string", "examples": ["INV-1"],
                                              "$comment": "ours", "x-owner": "ap"}}}}
    rev = {"Invoice": {"type": "object", "title": "Sales invoice", "description": "Edited.",
                       "properties": {"id": {"type": "string", "examples": ["INV-2"],
                                             "$comment": "theirs", "x-owner": "ar"}}}}
    assert diff(tmp_path, base, rev) == []


# -- 5. unnamed oneOf/anyOf variants ------------------------------------------------------------

def test_reordered_unnamed_variants_are_no_change(tmp_path: Path) -> None:
    number = {"type": "string", "pattern": "^[0-9]+$"}
    base = {"Invoice": {"type": "object", "properties": {"amount": {
        "anyOf": [number, {"type": "integer"}]}}}}
    rev = {"Invoice": {"type": "object", "properties": {"amount": {
        "anyOf": [{"type": "integer"}, number]}}}}
    assert diff(tmp_path, base, rev) == []


def test_two_thousand_reordered_variants_are_no_change(tmp_path: Path) -> None:
    variants = [{"type": "object", "required": [f"k{i}"],
                 "properties": {f"k{i}": {"type": "string"}}} for i in range(2000)]
    base = {"Invoice": {"oneOf": variants}}
    rev = {"Invoice": {"oneOf": variants[::-1]}}
    assert diff(tmp_path, base, rev) == []


def test_a_changed_unnamed_variant_is_paired_by_its_shape(tmp_path: Path) -> None:
    card = {"type": "object", "required": ["cardToken"],
            "properties": {"cardToken": {"type": "string"}}}
    bank = {"type": "object", "required": ["iban"], "properties": {"iban": {"type": "string"}}}
    narrower = copy.deepcopy(bank)
    narrower["properties"]["iban"]["maxLength"] = 34
    changes = diff(tmp_path, {"Invoice": {"oneOf": [card, bank]}},
                   {"Invoice": {"oneOf": [narrower, card]}})
    assert seen(changes) == both_ways("max-length-tightened", "breaking", "info")
    assert {c.base.pointer for c in changes} == {
        "/components/schemas/Invoice/oneOf/1/properties/iban"}


# -- 6. schema-registry semantics where the application reads old data ------------------------

def _received(payload: dict[str, Any], action: str = "receive") -> str:
    return json.dumps({
        "asyncapi": "3.0.0", "info": {"title": "Payment events", "version": "1.0.0"},
        "channels": {"payments": {"address": "finance.payments", "messages": {
            "paymentReceived": {"payload": payload}}}},
        "operations": {"onPayment": {"action": action,
                                     "channel": {"$ref": "#/channels/payments"},
                                     "messages": [{"$ref":
                                                   "#/channels/payments/messages/paymentReceived"}]}}})


_OPEN = {"type": "object", "properties": {"paymentId": {"type": "string"}}}


def _with(schema: dict[str, Any], **props: Any) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out["properties"].update(props)
    return out


def test_a_constrained_property_added_to_an_open_received_schema_breaks(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _received(_OPEN),
                         _received(_with(_OPEN, reference={"type": "integer"})), suffix=".json")
    assert seen(changes) == [("property-added-to-open-content-model", "subscribe", "breaking")]


@pytest.mark.parametrize("case", ["accepts-anything", "closed", "sent", "http-request"])
def test_when_a_property_added_is_not_the_open_content_model_case(tmp_path: Path,
                                                                  case: str) -> None:
    if case == "http-request":
        changes = diff(tmp_path, {"Invoice": _OPEN},
                       {"Invoice": _with(_OPEN, reference={"type": "integer"})}, post_only=True)
        assert seen(changes) == [("property-added", "request", "info")]
        return
    base, action = _OPEN, "receive"
    new: dict[str, Any] = {"type": "integer"}
    if case == "accepts-anything":
        new = {"description": "Anything the payer wrote."}
    elif case == "closed":
        base = {**_OPEN, "additionalProperties": False}
    else:
        action = "send"
    changes = diff_texts(tmp_path, _received(base, action),
                         _received(_with(base, reference=new), action), suffix=".json")
    assert [c.rule for c in changes] == ["property-added"], seen(changes)
    assert all(c.level is Level.INFO for c in changes)


@pytest.mark.parametrize(("schema", "added", "rule"), [
    ("problem", {"type": "string", "pattern": "^[0-9a-f]{32}$"},
     ("property-added-to-open-content-model", "subscribe", "breaking")),
    ("approval-state", {"type": "string", "pattern": "^[0-9a-f]{32}$"},
     ("property-added", "subscribe", "info")),  # closed: old data cannot hold it
    ("event-envelope", {"type": ["string", "integer", "boolean"]},
     ("property-added", "subscribe", "info")),  # what additionalProperties already said
    ("event-envelope", {"type": "string"},
     ("property-added-to-open-content-model", "subscribe", "breaking")),
], ids=["open", "closed", "covered-by-additional-properties", "partially-open"])
def test_a_json_schema_checked_backward_and_a_property_added(
        tmp_path: Path, schema: str, added: dict[str, Any], rule: tuple[str, str, str]) -> None:
    """Confluent's BACKWARD: the new schema must read what old writers wrote (the registry's
    problem details are open, its approval state closed, its event envelope lets further
    attributes be strings, integers or booleans)."""
    document = f"schemas/{schema}/{schema}.schema.json"

    def add_property(doc: dict[str, Any]) -> None:
        assert "sequence" not in doc["properties"]
        doc["properties"]["sequence"] = added
    changes = registry_diff(tmp_path, document, document, add_property, directions=(SUB,))
    assert seen(changes) == [rule]


def test_subscribe_and_publish_levels_can_be_given_apart() -> None:
    rule = get_rule("property-added-to-open-content-model")
    assert rule.levels[SUB] is Level.BREAKING
    assert rule.levels[REQ] is rule.levels[PUB] is rule.levels[RESP] is Level.INFO
    assert rule.levels[Direction.NONE] is Level.BREAKING
    with pytest.raises(ValueError, match="override request/response"):
        diff_rule("never-registered", kind="schema", level="info", subscribe="breaking",
                  summary="s", why="w", base="b", revision="r")(lambda pair: iter(()))


# -- 7. schemas of the wrong JSON type are bad input ------------------------------------------

BAD = [
    ("properties-5", lambda s: s.__setitem__("properties", 5), "/properties"),
    ("type-list-of-ints", lambda s: s["properties"]["id"].__setitem__("type", [1, None]),
     "/properties/id/type"),
    ("required-true", lambda s: s.__setitem__("required", True), "/required"),
    ("enum-string", lambda s: s["properties"]["id"].__setitem__("enum", "x"),
     "/properties/id/enum"),
    ("max-length-string", lambda s: s["properties"]["id"].__setitem__("maxLength", "10"),
     "/properties/id/maxLength"),
    ("multiple-of-zero", lambda s: s["properties"]["id"].__setitem__("multipleOf", 0),
     "/properties/id/multipleOf"),
    ("all-of-object", lambda s: s.__setitem__("allOf", {"a": 1}), "/allOf"),
    ("ref-int", lambda s: s["properties"]["id"].__setitem__("$ref", 5),
     "/properties/id/$ref"),
    ("property-null", lambda s: s["properties"].__setitem__("id", None), "/properties"),
    ("items-array-in-3-1", lambda s: s["properties"]["id"].__setitem__(
        "items", [{"type": "string"}]), "/properties/id/items"),
    ("ref-to-paths", lambda s: s["properties"]["id"].update({"$ref": "#/paths"}),
     "/properties/id/$ref"),
]


@pytest.mark.parametrize(("name", "spoil", "pointer"), BAD, ids=[b[0] for b in BAD])
def test_a_schema_keyword_of_the_wrong_type_is_bad_input(tmp_path: Path, name: str, spoil: Any,
                                                        pointer: str) -> None:
    good = {"Invoice": {"type": "object", "properties": {"id": {"type": "string"}}}}
    bad = copy.deepcopy(good)
    spoil(bad["Invoice"])
    with pytest.raises(InputError) as found:
        diff(tmp_path, good, bad)
    error = found.value
    assert error.pointer == "/components/schemas/Invoice" + pointer, str(error)
    assert error.line is not None and error.file and error.file.endswith("contract.json")
    assert "\n" not in str(error)


def test_bad_input_from_the_command_line_is_one_line_and_exit_2(tmp_path: Path) -> None:
    good = {"Invoice": {"type": "object", "properties": {"id": {"type": "string"}}}}
    (tmp_path / "a.json").write_text(api(good))
    (tmp_path / "b.json").write_text(api({"Invoice": {"type": "object", "properties": 5}}))
    result = run("diff", tmp_path / "a.json", tmp_path / "b.json")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "/components/schemas/Invoice/properties" in lines[0]
    assert "must be an object whose values are schemas, found a number (5)" in lines[0]


def test_an_items_array_is_a_tuple_where_the_dialect_allows_it(tmp_path: Path) -> None:
    """Draft-07 (OpenAPI 3.0's dialect, AsyncAPI 2's) writes tuples as items arrays."""
    def doc(second: str) -> str:
        return api({"Invoice": {"type": "object", "properties": {"pair": {
            "type": "array", "items": [{"type": "string"}, {"type": second}]}}}}
        ).replace('"3.1.0"', '"3.0.3"')
    changes = diff_texts(tmp_path, doc("integer"), doc("number"), suffix=".json")
    assert seen(changes) == both_ways("type-widened", "info", "breaking")


# -- 8. Zalando's x-extensible-enum list ------------------------------------------------------

def _status(values: list[str]) -> dict[str, Any]:
    return {"Invoice": {"type": "object", "properties": {"status": {
        "type": "string", "x-extensible-enum": values}}}}


def test_a_value_dropped_from_a_zalando_extensible_enum(tmp_path: Path) -> None:
    changes = diff(tmp_path, _status(["DRAFT", "SENT", "PAID"]), _status(["DRAFT", "SENT"]))
    assert seen(changes) == both_ways("enum-value-removed", "breaking", "info")
    assert {c.base.pointer for c in changes} == {
        "/components/schemas/Invoice/properties/status/x-extensible-enum/2"}


def test_a_value_added_to_a_zalando_extensible_enum_is_expected_growth(tmp_path: Path) -> None:
    changes = diff(tmp_path, _status(["DRAFT", "SENT"]), _status(["DRAFT", "SENT", "PAID"]))
    assert seen(changes) == both_ways("extensible-enum-value-added", "info", "info")


# -- 9. changes inside not ----------------------------------------------------------------------

def _currency(excluded: list[str]) -> dict[str, Any]:
    return {"Invoice": {"type": "object", "properties": {"currency": {
        "type": "string", "not": {"enum": excluded}}}}}


def test_a_value_excluded_by_not_is_reported_in_the_outer_direction(tmp_path: Path) -> None:
    changes = diff(tmp_path, _currency(["XXX"]), _currency(["XXX", "GBP"]), post_only=True)
    assert [(c.rule, c.direction, c.level) for c in changes] == [
        ("enum-value-added", REQ, Level.BREAKING)]
    assert changes[0].message == ("within 'not': enum value 'GBP' added, so values it now "
                                  "matches are no longer accepted")


def test_a_value_no_longer_excluded_by_not_widens(tmp_path: Path) -> None:
    changes = diff(tmp_path, _currency(["XXX", "GBP"]), _currency(["XXX"]))
    assert seen(changes) == both_ways("enum-value-removed", "info", "breaking")
    assert all(c.message.startswith("within 'not': enum value 'GBP' removed, so values it no "
                                    "longer matches") for c in changes)


def test_a_not_inside_a_not_is_judged_as_it_is(tmp_path: Path) -> None:
    def doc(excluded: list[str]) -> dict[str, Any]:
        return {"Invoice": {"type": "object", "properties": {"currency": {
            "type": "string", "not": {"not": {"enum": excluded}}}}}}
    changes = diff(tmp_path, doc(["EUR", "GBP"]), doc(["EUR"]), post_only=True)
    assert [(c.rule, c.direction, c.level, c.message) for c in changes] == [
        ("enum-value-removed", REQ, Level.BREAKING, "enum value 'GBP' removed")]


def test_an_asyncapi_2_discriminator_names_the_property_alone(tmp_path: Path) -> None:
    """AsyncAPI 2's Schema Object writes ``discriminator: method``: valid input, compared as
    the discriminator it is."""
    def doc(name: str) -> str:
        return json.dumps({"asyncapi": "2.6.0", "info": {"title": "Payments",
                                                         "version": "1.0.0"},
                           "channels": {"payments": {"subscribe": {"message": {"payload": {
                               "type": "object", "discriminator": name,
                               "properties": {name: {"type": "string"}}}}}}}})
    changes = diff_texts(tmp_path, doc("method"), doc("method"), suffix=".json")
    assert changes == []
    changes = diff_texts(tmp_path, doc("method"), doc("paymentMethod"), suffix=".json")
    assert "discriminator-property-changed" in {c.rule for c in changes}, seen(changes)
