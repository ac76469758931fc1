"""Schema diff rules beyond their own examples: every direction, the situations that must be
said by exactly one rule, readOnly/writeOnly, allOf, and the known breaking changes in the
real Xero releases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.governance.diff.model import Change, Direction, Level
from tests.diff_helpers import diff_files, diff_texts

REQ, RESP = Direction.REQUEST, Direction.RESPONSE
BRK, WARN, INFO = Level.BREAKING, Level.WARNING, Level.INFO


def _doc(schema: dict[str, Any], *, version: str = "3.1.0", request: bool = True,
         response: bool = True, extra: dict[str, Any] | None = None) -> str:
    """A document whose ``Invoice`` component is read by ``POST /invoices`` (request) and
    written by ``GET /invoices/{id}`` (response), as asked."""
    ref = {"$ref": "#/components/schemas/Invoice"}
    paths: dict[str, Any] = {}
    if request:
        paths["/invoices"] = {"post": {
            "operationId": "createInvoice",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
            "responses": {"201": {"description": "Created."}}}}
    if response:
        paths["/invoices/{id}"] = {"get": {
            "operationId": "getInvoice",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The invoice.", "content": {
                "application/json": {"schema": ref}}}}}}
    schemas = {"Invoice": schema, **(extra or {})}
    return json.dumps({"openapi": version, "info": {"title": "Invoices", "version": "1.0.0"},
                       "paths": paths, "components": {"schemas": schemas}}, indent=1)


def _obj(props: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, **more}


def _diff(tmp_path: Path, base: dict[str, Any], rev: dict[str, Any], **kw: Any) -> list[Change]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return diff_texts(tmp_path, _doc(base, **kw), _doc(rev, **kw), suffix=".json")


def _seen(changes: list[Change]) -> set[tuple[str, Direction, Level]]:
    return {(c.rule, c.direction, c.level) for c in changes}


def _only(changes: list[Change], *expected: tuple[str, Direction, Level]) -> None:
    """Exactly these (rule, direction, level), each once."""
    got = sorted((c.rule, c.direction.value, c.level.label) for c in changes)
    want = sorted((r, d.value, lv.label) for r, d, lv in expected)
    assert got == want, [c.message for c in changes]


ID = {"id": {"type": "string"}}


# -- properties and required ------------------------------------------------------------------


def test_optional_property_added_is_info_both_ways(tmp_path: Path) -> None:
    changes = _diff(tmp_path, _obj(ID), _obj({**ID, "reference": {"type": "string"}}))
    _only(changes, ("property-added", REQ, INFO), ("property-added", RESP, INFO))
    c = changes[0]
    assert c.message == "property 'reference' added"
    assert c.revision and c.revision.pointer == "/components/schemas/Invoice/properties/reference"
    assert c.affects in (["POST /invoices"], ["GET /invoices/{id}"])
    assert all(c.bump.label == "minor" for c in changes)


def test_property_added_to_closed_schema_breaks_responses_only(tmp_path: Path) -> None:
    closed = {"additionalProperties": False}
    changes = _diff(tmp_path, _obj(ID, **closed),
                    _obj({**ID, "reference": {"type": "string"}}, **closed))
    _only(changes, ("property-added", REQ, INFO), ("property-added-to-closed-schema", RESP, BRK))


def test_required_property_added(tmp_path: Path) -> None:
    changes = _diff(tmp_path, _obj(ID, required=["id"]),
                    _obj({**ID, "supplierId": {"type": "string"}}, required=["id", "supplierId"]))
    _only(changes, ("required-property-added", REQ, BRK), ("required-property-added", RESP, INFO))
    assert {c.message for c in changes} == {"required property 'supplierId' added"}


def test_required_property_added_to_closed_schema_is_one_change_per_direction(
        tmp_path: Path) -> None:
    changes = _diff(tmp_path, _obj(ID, additionalProperties=False),
                    _obj({**ID, "supplierId": {"type": "string"}}, required=["supplierId"],
                         additionalProperties=False))
    _only(changes, ("required-property-added", REQ, BRK),
          ("property-added-to-closed-schema", RESP, BRK))


def test_property_removed_and_removed_from_closed_schema(tmp_path: Path) -> None:
    fax = {**ID, "fax": {"type": "string"}}
    _only(_diff(tmp_path / "open", _obj(fax), _obj(ID)),
          ("property-removed", REQ, WARN), ("property-removed", RESP, BRK))
    changes = _diff(tmp_path / "closed", _obj(fax, additionalProperties=False),
                    _obj(ID, additionalProperties=False))
    _only(changes, ("property-removed-from-closed-schema", REQ, BRK),
          ("property-removed-from-closed-schema", RESP, BRK))
    assert changes[0].base and changes[0].base.pointer.endswith("/properties/fax")


def test_required_added_and_removed(tmp_path: Path) -> None:
    props = {**ID, "currency": {"type": "string"}}
    changes = _diff(tmp_path / "a", _obj(props, required=["id"]),
                    _obj(props, required=["id", "currency"]))
    _only(changes, ("property-became-required", REQ, BRK), ("property-became-required", RESP, INFO))
    assert changes[0].message == "property 'currency' became required"
    assert changes[0].revision and changes[0].revision.pointer.endswith("/properties/currency")
    _only(_diff(tmp_path / "b", _obj(props, required=["id", "currency"]),
                _obj(props, required=["id"])),
          ("property-became-optional", REQ, INFO), ("property-became-optional", RESP, BRK))


def test_removing_a_required_property_is_only_a_removal(tmp_path: Path) -> None:
    props = {**ID, "currency": {"type": "string"}}
    _only(_diff(tmp_path, _obj(props, required=["id", "currency"]), _obj(ID, required=["id"])),
          ("property-removed", REQ, WARN), ("property-removed", RESP, BRK))


# -- readOnly / writeOnly ---------------------------------------------------------------------


def test_property_became_read_only_breaks_requests_and_hides_inner_changes(
        tmp_path: Path) -> None:
    base = _obj({**ID, "status": {"type": "string", "enum": ["DRAFT", "PAID"]}})
    rev = _obj({**ID, "status": {"type": "string", "enum": ["DRAFT", "PAID", "VOIDED"],
                                 "readOnly": True}})
    changes = _diff(tmp_path, base, rev)
    # In requests: one change (the status is no longer the client's to send); its enum is
    # no concern of requests any more. In responses: the enum grew.
    _only(changes, ("property-became-read-only", REQ, BRK), ("enum-value-added", RESP, BRK))
    ro = next(c for c in changes if c.rule == "property-became-read-only")
    assert ro.message == "property 'status' became read-only"
    assert ro.revision and ro.revision.pointer.endswith("/properties/status/readOnly")


def test_read_only_removed_from_required_property_is_a_new_required_request_property(
        tmp_path: Path) -> None:
    status = {"type": "string"}
    changes = _diff(tmp_path, _obj({**ID, "status": {**status, "readOnly": True}},
                                   required=["status"]),
                    _obj({**ID, "status": status}, required=["status"]))
    _only(changes, ("required-property-added", REQ, BRK))
    assert changes[0].message == "property 'status' is no longer read-only and is required"


def test_write_only_added_breaks_responses(tmp_path: Path) -> None:
    changes = _diff(tmp_path, _obj({**ID, "iban": {"type": "string"}}),
                    _obj({**ID, "iban": {"type": "string", "writeOnly": True}}))
    _only(changes, ("property-became-write-only", RESP, BRK))


def test_new_read_only_property_is_not_a_request_change(tmp_path: Path) -> None:
    changes = _diff(tmp_path, _obj(ID, required=["id"]),
                    _obj({**ID, "createdAt": {"type": "string", "readOnly": True}},
                         required=["id", "createdAt"]))
    _only(changes, ("required-property-added", RESP, INFO))


def test_read_only_through_ref_and_all_of(tmp_path: Path) -> None:
    """The flag on a referenced component counts, and properties merged from allOf members
    are located where they are written."""
    extra_base = {"Base": _obj({"status": {"$ref": "#/components/schemas/Status"}}),
                  "Status": {"type": "string"}}
    extra_rev = {"Base": _obj({"status": {"$ref": "#/components/schemas/Status"}}),
                 "Status": {"type": "string", "readOnly": True}}
    invoice = {"allOf": [{"$ref": "#/components/schemas/Base"}, _obj(ID)]}
    changes = diff_texts(tmp_path, _doc(invoice, extra=extra_base),
                         _doc(invoice, extra=extra_rev), suffix=".json")
    _only(changes, ("property-became-read-only", REQ, BRK))
    assert changes[0].base and changes[0].base.pointer == \
        "/components/schemas/Base/properties/status"
    assert changes[0].affects == ["POST /invoices"]


def test_moving_a_required_property_into_an_all_of_member_is_no_change(tmp_path: Path) -> None:
    base = _obj({**ID, "currency": {"type": "string"}}, required=["id", "currency"])
    rev = {"allOf": [_obj({"currency": {"type": "string"}}, required=["currency"]),
                     _obj(ID, required=["id"])]}
    assert _diff(tmp_path, base, rev) == []


# -- types, nullable, formats -----------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "verdict"), [
    ({"type": "integer"}, {"type": "number"}, "widened"),
    ({"type": "string"}, {"type": ["string", "null"]}, "widened"),
    ({"type": ["string", "integer"]}, {"type": "string"}, "narrowed"),
    ({"type": "number"}, {"type": "integer"}, "narrowed"),
    ({"type": "string"}, {}, "widened"),
    ({}, {"type": "string"}, "narrowed"),
    ({"type": "string"}, {"type": "boolean"}, "changed"),
    ({"type": ["integer", "null"]}, {"type": ["string", "null"]}, "changed"),
])
def test_type_verdicts(tmp_path: Path, old: dict[str, Any], new: dict[str, Any],
                       verdict: str) -> None:
    changes = _diff(tmp_path, _obj({"amount": old}), _obj({"amount": new}))
    levels = {"widened": (INFO, BRK), "narrowed": (BRK, INFO), "changed": (BRK, BRK)}[verdict]
    _only(changes, (f"type-{verdict}", REQ, levels[0]), (f"type-{verdict}", RESP, levels[1]))


def test_number_and_integer_listed_together_is_no_type_change(tmp_path: Path) -> None:
    assert _diff(tmp_path, _obj({"qty": {"type": "number"}}),
                 _obj({"qty": {"type": ["integer", "number"]}})) == []


def test_a_type_added_next_to_an_enum_is_not_a_narrowing(tmp_path: Path) -> None:
    assert _diff(tmp_path, _obj({"c": {"enum": ["EUR", "USD"]}}),
                 _obj({"c": {"type": "string", "enum": ["EUR", "USD"]}})) == []


def test_nullable_in_openapi_30_is_a_type_widening_reported_once(tmp_path: Path) -> None:
    changes = _diff(tmp_path, _obj({"dueDate": {"type": "string"}}),
                    _obj({"dueDate": {"type": "string", "nullable": True}}), version="3.0.3")
    _only(changes, ("type-widened", REQ, INFO), ("type-widened", RESP, BRK))
    assert changes[0].message == "type widened from string to null | string"
    assert changes[0].revision and changes[0].revision.pointer.endswith("/dueDate/nullable")


def test_nullable_means_nothing_in_openapi_31(tmp_path: Path) -> None:
    assert _diff(tmp_path, _obj({"d": {"type": "string"}}),
                 _obj({"d": {"type": "string", "nullable": True}})) == []


def test_nullable_30_to_null_in_type_list_31_is_no_change(tmp_path: Path) -> None:
    base = _doc(_obj({"d": {"type": "string", "nullable": True}}), version="3.0.3")
    rev = _doc(_obj({"d": {"type": ["string", "null"]}}), version="3.1.0")
    assert diff_texts(tmp_path, base, rev, suffix=".json") == []


@pytest.mark.parametrize(("old", "new", "rule", "levels"), [
    ("date", "date-time", "format-changed", (BRK, BRK)),
    (None, "uuid", "format-added", (BRK, INFO)),
    ("date", None, "format-removed", (INFO, WARN)),
    ("int32", "int64", "format-widened", (INFO, BRK)),
    ("double", "float", "format-narrowed", (BRK, INFO)),
])
def test_format_verdicts(tmp_path: Path, old: str | None, new: str | None, rule: str,
                         levels: tuple[Level, Level]) -> None:
    kind = "integer" if old in ("int32", "int64") else "number" if new == "float" else "string"
    def schema(fmt: str | None) -> dict[str, Any]:
        return {"type": kind, **({"format": fmt} if fmt else {})}
    _only(_diff(tmp_path, _obj({"v": schema(old)}), _obj({"v": schema(new)})),
          (rule, REQ, levels[0]), (rule, RESP, levels[1]))


def test_type_change_with_a_new_format_is_one_change(tmp_path: Path) -> None:
    """Xero's TotalAmount: string -> number with format double: the values are different
    ones, said once by type-changed."""
    _only(_diff(tmp_path, _obj({"total": {"type": "string"}}),
                _obj({"total": {"type": "number", "format": "double"}})),
          ("type-changed", REQ, BRK), ("type-changed", RESP, BRK))


def test_type_change_of_an_enum_is_not_also_every_value_changed(tmp_path: Path) -> None:
    _only(_diff(tmp_path, _obj({"terms": {"type": "string", "enum": ["30", "60"]}}),
                _obj({"terms": {"type": "integer", "enum": [30, 60]}})),
          ("type-changed", REQ, BRK), ("type-changed", RESP, BRK))


# -- enums and const --------------------------------------------------------------------------


def _status(values: list[Any], **more: Any) -> dict[str, Any]:
    return _obj({"status": {"type": "string", "enum": values, **more}})


def test_enum_values_added_and_removed_one_change_per_value(tmp_path: Path) -> None:
    changes = _diff(tmp_path, _status(["DRAFT", "PAID", "VOID"]),
                    _status(["DRAFT", "PAID", "VOIDED", "DELETED"]))
    _only(changes, ("enum-value-removed", REQ, BRK), ("enum-value-removed", RESP, INFO),
          *[("enum-value-added", d, lv) for d, lv in ((REQ, INFO), (RESP, BRK))] * 2)
    removed = next(c for c in changes if c.rule == "enum-value-removed")
    assert removed.message == "enum value 'VOID' removed"
    assert removed.base and removed.base.pointer.endswith("/status/enum/2")
    assert removed.revision and removed.revision.pointer.endswith("/status/enum")
    added = {c.message for c in changes if c.rule == "enum-value-added"}
    assert added == {"enum value 'VOIDED' added", "enum value 'DELETED' added"}


def test_extensible_enum_value_added_is_info(tmp_path: Path) -> None:
    ext = {"x-extensible-enum": True}
    _only(_diff(tmp_path, _status(["DRAFT"], **ext), _status(["DRAFT", "PAID"], **ext)),
          ("extensible-enum-value-added", REQ, INFO), ("extensible-enum-value-added", RESP, INFO))


def test_extensibility_flag_changes(tmp_path: Path) -> None:
    ext = {"x-extensible-enum": True}
    _only(_diff(tmp_path / "on", _status(["DRAFT"]), _status(["DRAFT"], **ext)),
          ("enum-became-extensible", REQ, INFO), ("enum-became-extensible", RESP, WARN))
    _only(_diff(tmp_path / "off", _status(["DRAFT"], **ext), _status(["DRAFT"])),
          ("enum-became-non-extensible", REQ, WARN), ("enum-became-non-extensible", RESP, INFO))


def test_enum_compares_json_values_not_python_ones(tmp_path: Path) -> None:
    assert _diff(tmp_path / "same", _obj({"n": {"enum": [1, 2]}}),
                 _obj({"n": {"enum": [1.0, 2]}})) == []
    changes = _diff(tmp_path / "bool", _obj({"n": {"enum": [1, "x"]}}),
                    _obj({"n": {"enum": [True, "x"]}}))
    assert {c.message for c in changes} == {"enum value 1 removed", "enum value true added"}


def test_enum_added_and_removed(tmp_path: Path) -> None:
    plain = _obj({"c": {"type": "string"}})
    listed = _obj({"c": {"type": "string", "enum": ["EUR", "USD"]}})
    _only(_diff(tmp_path / "a", plain, listed),
          ("enum-added", REQ, BRK), ("enum-added", RESP, INFO))
    _only(_diff(tmp_path / "r", listed, plain),
          ("enum-removed", REQ, INFO), ("enum-removed", RESP, BRK))


def test_const(tmp_path: Path) -> None:
    def kind(**more: Any) -> dict[str, Any]:
        return _obj({"kind": {"type": "string", **more}})
    _only(_diff(tmp_path / "c", kind(const="invoice"), kind(const="credit-note")),
          ("const-changed", REQ, BRK), ("const-changed", RESP, BRK))
    _only(_diff(tmp_path / "a", kind(), kind(const="invoice")),
          ("const-added", REQ, BRK), ("const-added", RESP, INFO))
    _only(_diff(tmp_path / "r", kind(const="invoice"), kind()),
          ("const-removed", REQ, INFO), ("const-removed", RESP, BRK))
    assert _diff(tmp_path / "same", kind(enum=["invoice"]), kind(const="invoice")) == []
    _only(_diff(tmp_path / "grow", kind(const="invoice"), kind(enum=["invoice", "credit"])),
          ("enum-value-added", REQ, INFO), ("enum-value-added", RESP, BRK))


# -- defaults, deprecation --------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    def terms(**more: Any) -> dict[str, Any]:
        return _obj({"terms": {"type": "integer", **more}})
    changes = _diff(tmp_path / "c", terms(default=30), terms(default=14))
    _only(changes, ("default-changed", REQ, WARN), ("default-changed", RESP, WARN))
    assert changes[0].message == "default changed from 30 to 14"
    _only(_diff(tmp_path / "a", terms(), terms(default=30)),
          ("default-added", REQ, INFO), ("default-added", RESP, INFO))
    _only(_diff(tmp_path / "r", terms(default=30), terms()),
          ("default-removed", REQ, WARN), ("default-removed", RESP, INFO))
    assert _diff(tmp_path / "same", terms(default=30), terms(default=30.0)) == []


def test_deprecation(tmp_path: Path) -> None:
    fax = {"type": "string"}
    _only(_diff(tmp_path / "d", _obj({"fax": fax}), _obj({"fax": {**fax, "deprecated": True}})),
          ("schema-deprecated", REQ, INFO), ("schema-deprecated", RESP, INFO))
    _only(_diff(tmp_path / "u", _obj({"fax": {**fax, "deprecated": True}}), _obj({"fax": fax})),
          ("schema-undeprecated", REQ, INFO), ("schema-undeprecated", RESP, INFO))


# -- JSON Schema contracts: directions come from who reads ------------------------------------


def test_json_schema_contract_is_checked_both_ways(tmp_path: Path) -> None:
    base = {"type": "object", "properties": {"id": {"type": "string"}}}
    rev = {**base, "required": ["id"]}
    changes = diff_texts(tmp_path, json.dumps(base), json.dumps(rev), suffix=".json")
    _only(changes, ("property-became-required", Direction.SUBSCRIBE, BRK),
          ("property-became-required", Direction.PUBLISH, INFO))


# -- the real Xero releases -------------------------------------------------------------------


def _xero(corpora: Path, old: str, new: str) -> list[Change]:
    folder = corpora / "xero"
    return diff_files(folder / f"xero_accounting-{old}.yaml",
                      folder / f"xero_accounting-{new}.yaml")


def test_xero_is_reconciled_string_to_boolean(corpora: Path) -> None:
    changes = _xero(corpora, "2.33.0", "2.33.1")
    found = [c for c in changes if "IsReconciled" in c.place.pointer]
    assert len(found) == 1, [c.message for c in changes]
    c = found[0]
    assert (c.rule, c.level, c.message) == ("type-changed", BRK,
                                            "type changed from string to boolean")
    assert c.revision and c.revision.pointer.startswith(
        "/components/schemas/BatchPayment/properties/IsReconciled")
    assert c.base and c.base.pointer.startswith(
        "/components/schemas/BatchPayment/properties/IsReconciled")
    assert "GET /BatchPayments" in c.affects


def test_xero_currency_codes_removed_once_each_in_requests(corpora: Path) -> None:
    changes = _xero(corpora, "2.36.0", "2.37.0")
    removed = [c for c in changes if c.rule == "enum-value-removed" and c.direction is REQ
               and c.place.pointer == "/components/schemas/CurrencyCode/enum"]
    messages = [c.message for c in removed]
    assert len(messages) == len(set(messages))  # each value once, not once per operation
    gone = {m.split("'")[1] for m in messages}
    assert gone == {"GGP", "IMP", "JEP", "SPL", "TVD", "XDR"}
    for c in removed:
        assert c.level is BRK
        assert c.base and c.base.pointer.startswith("/components/schemas/CurrencyCode/enum/")
        assert len(c.affects) > 10 and "PUT /Invoices" in c.affects
    xdr = next(c for c in removed if "'XDR'" in c.message)
    assert xdr.base and xdr.base.line > 25000  # the value itself in the base file
    # No currency-code change is reported as breaking in responses for a removal.
    assert not [c for c in changes if c.rule == "enum-value-removed" and c.level is BRK
                and c.direction is RESP]


def test_xero_skype_user_name_removed(corpora: Path) -> None:
    changes = _xero(corpora, "2.38.0", "2.39.0")
    found = [c for c in changes if "SkypeUserName" in c.message]
    assert {(c.rule, c.direction, c.level) for c in found} == {
        ("property-removed", RESP, BRK), ("property-removed", REQ, WARN)}
    for c in found:
        assert c.base and c.base.pointer == "/components/schemas/Contact/properties/SkypeUserName"
    assert not [c for c in changes if c.level is BRK and "SkypeUserName" not in c.message]
