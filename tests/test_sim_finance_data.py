"""ERP reference data: deterministic, valid against erp-finance, overridable from files."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest
import yaml

from ledgerpact.generators.simulators.behaviours import finance_data as fd
from ledgerpact.registry.errors import InputError


@pytest.fixture(scope="module")
def document():
    return fd.erp_document()


@pytest.fixture(scope="module")
def data(document):
    return fd.reference_data(11, document=document)


def test_same_seed_same_data_other_seed_other_data(document, data):
    assert fd.reference_data(11, document=document) == data
    other = fd.reference_data(12, document=document)
    assert other["suppliers"] != data["suppliers"]
    assert other["purchaseOrders"] != data["purchaseOrders"]


def test_every_object_is_valid_against_its_contract_schema(document):
    for seed in (1, 2, 3):
        generated = fd.reference_data(seed, document=document)
        assert set(generated) == set(fd.KINDS)
        for key, (schema_name, _) in fd.SCHEMAS.items():
            validator = fd.schema_validator(document, schema_name)
            assert generated[key], key
            for item in generated[key]:
                errors = [e.message for e in validator.iter_errors(item)]
                assert errors == [], (key, item.get(fd.SCHEMAS[key][1]), errors)


def test_the_world_reaches_every_rule(data):
    suppliers = Counter(s["status"] for s in data["suppliers"])
    assert suppliers["blocked"] >= 5 and suppliers["pending"] >= 3 and suppliers["active"] > 20
    # 40 suppliers and 80 orders generated, plus the contract examples' V-100234 / 4500012345
    assert len(data["suppliers"]) == 41 and len(data["purchaseOrders"]) == 81
    orders = Counter(p["status"] for p in data["purchaseOrders"])
    assert {"released", "partially-received", "received", "closed"} <= set(orders)
    assert any(c["status"] != "active" for c in data["costCentres"])
    assert any(c.get("validTo") for c in data["taxCodes"])
    currencies = {s["defaultCurrency"] for s in data["suppliers"]}
    assert {"EUR", "JPY", "BHD"} <= currencies  # 2, 0 and 3 minor units
    pending = {s["supplierNumber"] for s in data["suppliers"] if s["status"] == "pending"}
    assert not any(p["supplier"]["supplierNumber"] in pending for p in data["purchaseOrders"])
    ids = [s["supplierNumber"] for s in data["suppliers"]]
    assert len(set(ids)) == len(ids)


def test_money_adds_up_in_the_currency_minor_units(document, data):
    minor = fd.contract_minor_units(document)
    assert (minor["EUR"], minor["JPY"], minor["BHD"]) == (2, 0, 3)
    rates = {t["code"]: Decimal(t.get("rate", "0")) for t in data["taxCodes"]}
    for po in data["purchaseOrders"]:
        places = minor[po["currency"]]
        net = Decimal(0)
        for line in po["lines"]:
            exact = Decimal(line["quantity"]["value"]) * Decimal(line["unitPrice"]["amount"])
            assert Decimal(line["netAmount"]["amount"]) == exact
            assert line["taxCode"] in rates
            if line["status"] != "cancelled":
                net += exact
        totals = po["totals"]
        assert Decimal(totals["netTotal"]["amount"]) == net
        assert Decimal(totals["grossTotal"]["amount"]) == \
            Decimal(totals["netTotal"]["amount"]) + Decimal(totals["taxTotal"]["amount"])
        assert -Decimal(totals["grossTotal"]["amount"]).as_tuple().exponent == places


def test_receipts_match_their_orders(data):
    orders = {p["poNumber"]: p for p in data["purchaseOrders"]}
    assert data["goodsReceipts"]
    for receipt in data["goodsReceipts"]:
        po = orders[receipt["purchaseOrder"]["poNumber"]]
        assert receipt["supplier"]["supplierNumber"] == po["supplier"]["supplierNumber"]
        po_lines = {ln["lineId"]: ln for ln in po["lines"]}
        for line in receipt["lines"]:
            ordered = po_lines[line["poLineId"]]
            received = Decimal(line["receivedQuantity"]["value"])
            assert received == Decimal(line["acceptedQuantity"]["value"]) + Decimal(
                line["rejectedQuantity"]["value"])
            assert 0 < received <= Decimal(ordered["quantity"]["value"])
            assert line["receivedQuantity"]["unitCode"] == ordered["quantity"]["unitCode"]


def test_bank_and_tax_identifiers_are_well_formed(data):
    for supplier in data["suppliers"]:
        for account in supplier["bankAccounts"]:
            if "iban" in account:
                value = account["iban"]
                moved = value[4:] + value[:4]
                assert int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1, value
        gln = supplier["electronicAddress"]["id"]
        digits = [int(d) for d in gln]
        assert (sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
                + digits[12]) % 10 == 0
        country = supplier["postalAddress"]["countryCode"]
        assert supplier["taxRegistrations"][0]["countryCode"] == country
        assert supplier["defaultCurrency"] == fd.COUNTRIES[country]["currency"]


def test_the_invoice_for_an_order_is_a_valid_contract_invoice(document, data):
    validator = fd.schema_validator(document, "Invoice")
    minor = fd.contract_minor_units(document)
    suppliers = {s["supplierNumber"]: s for s in data["suppliers"]}
    for po in data["purchaseOrders"][:20]:
        if po["status"] in ("closed", "cancelled"):
            continue
        invoice = fd.invoice_for(po, suppliers[po["supplier"]["supplierNumber"]],
                                 data["taxCodes"], minor, f"INV-{po['poNumber']}")
        assert [e.message for e in validator.iter_errors(invoice)] == []


def test_files_in_the_data_folder_replace_lists(tmp_path, document, data):
    mine = [dict(s) for s in data["suppliers"][:3]]
    mine[0]["name"] = "Replaced Supplier GmbH"
    (tmp_path / "suppliers.json").write_text(json.dumps(mine), encoding="utf-8")
    centres = [{"code": "CC-9000", "name": "Only centre", "status": "active",
                "validFrom": "2020-01-01"}]
    (tmp_path / "costCentres.yaml").write_text(yaml.safe_dump(centres), encoding="utf-8")
    loaded = fd.reference_data(11, tmp_path, document=document)
    assert loaded["suppliers"] == mine
    assert loaded["costCentres"] == centres
    numbers = {s["supplierNumber"] for s in mine if s["status"] != "pending"}
    assert loaded["purchaseOrders"]
    assert {p["supplier"]["supplierNumber"] for p in loaded["purchaseOrders"]} <= numbers
    assert {ln["costCentre"] for p in loaded["purchaseOrders"] for ln in p["lines"]} \
        == {"CC-9000"}
    assert loaded["glAccounts"] == data["glAccounts"]  # not overridden: generated


def test_a_bad_file_names_file_pointer_and_line(tmp_path, document, data):
    bad = [dict(s) for s in data["suppliers"][:2]]
    del bad[1]["status"]
    path = tmp_path / "suppliers.yaml"
    # JSON is YAML; yaml.safe_dump would write scheme 0088 unquoted, which YAML 1.2 reads
    # as a number (a user's mistake the loader rightly reports, but not this test's point)
    path.write_text(json.dumps(bad, indent=2, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        fd.reference_data(1, tmp_path, document=document)
    error = caught.value
    assert error.file == str(path) and error.pointer == "/1"
    assert error.line is not None and "status" in str(error)
    assert "\n" not in str(error)


def test_a_wrong_value_deep_inside_is_located(tmp_path, document, data):
    bad = [dict(data["purchaseOrders"][0])]
    bad[0]["lines"] = [dict(bad[0]["lines"][0], unitPrice={"amount": 21.5, "currency": "EUR"})]
    (tmp_path / "purchaseOrders.json").write_text(json.dumps(bad, indent=1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        fd.reference_data(1, tmp_path, document=document)
    assert caught.value.pointer == "/0/lines/0/unitPrice/amount"
    assert caught.value.file.endswith("purchaseOrders.json")


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("taxCodes.json", '{"code": "X"}', "expected a list"),
    ("glAccounts.json", "[{", "glAccounts.json"),
    ("costCentres.json", json.dumps([{"code": "A", "name": "a", "status": "active",
                                      "validFrom": "2020-01-01"}] * 2), "duplicate code"),
])
def test_other_bad_files_are_input_errors(tmp_path, document, name, text, expected):
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        fd.reference_data(1, tmp_path, document=document)
    assert expected in str(caught.value)


def test_a_missing_data_folder_is_an_input_error(tmp_path, document):
    with pytest.raises(InputError, match="data folder not found"):
        fd.reference_data(1, tmp_path / "nope", document=document)


def test_a_data_file_named_after_no_list_is_refused(tmp_path, document, data):
    """``supplier.json`` (for ``suppliers.json``) would otherwise be ignored silently."""
    (tmp_path / "supplier.json").write_text(json.dumps(data["suppliers"][:2]),
                                            encoding="utf-8")
    (tmp_path / "notes.md").write_text("not data", encoding="utf-8")  # not a data suffix
    with pytest.raises(InputError) as caught:
        fd.reference_data(1, tmp_path, document=document)
    assert caught.value.file == str(tmp_path / "supplier.json")
    assert "did you mean suppliers.json?" in str(caught.value)


def test_an_order_of_a_supplier_not_in_the_data_is_refused(tmp_path, document, data):
    orders = [dict(po) for po in data["purchaseOrders"][:2]]
    orders[1] = dict(orders[1], supplier={"supplierNumber": "V-999999", "name": "Nobody"})
    path = tmp_path / "purchaseOrders.json"
    path.write_text(json.dumps(orders, indent=1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        fd.reference_data(1, tmp_path, document=document)
    error = caught.value
    assert (error.file, error.pointer) == (str(path), "/1/supplier/supplierNumber")
    assert error.line is not None
    assert "supplier 'V-999999' is not in the suppliers generated from --seed" in str(error)


def test_a_receipt_of_an_unknown_order_or_line_is_refused(tmp_path, document, data):
    receipt = dict(data["goodsReceipts"][0])
    path = tmp_path / "goodsReceipts.json"
    unknown_order = dict(receipt, purchaseOrder={"poNumber": "4599999999", "revision": 1})
    path.write_text(json.dumps([unknown_order]), encoding="utf-8")
    with pytest.raises(InputError, match="purchase order '4599999999' is not in the "
                                          "purchaseOrders generated") as caught:
        fd.reference_data(1, tmp_path, document=document)
    assert caught.value.pointer == "/0/purchaseOrder/poNumber"
    bad_line = dict(receipt, lines=[dict(receipt["lines"][0], poLineId="999")])
    path.write_text(json.dumps([bad_line]), encoding="utf-8")
    with pytest.raises(InputError, match="has no line '999'") as caught:
        fd.reference_data(1, tmp_path, document=document)
    assert caught.value.pointer == "/0/lines/0/poLineId"
    path.write_text(json.dumps([receipt]), encoding="utf-8")  # the real one loads
    assert fd.reference_data(1, tmp_path, document=document)["goodsReceipts"] == [receipt]


def test_a_list_file_in_another_case_is_read_where_the_file_system_ignores_case(
        tmp_path, document, data):
    """``Suppliers.json``: on a case-insensitive file system it is the suppliers file and
    is read; where case matters it is no list's file and is refused with the right name."""
    (tmp_path / "Suppliers.json").write_text(json.dumps(data["suppliers"][:3]),
                                             encoding="utf-8")
    if (tmp_path / "suppliers.json").is_file():  # case-insensitive here
        loaded = fd.reference_data(1, tmp_path, document=document)
        assert loaded["suppliers"] == data["suppliers"][:3]
    else:
        with pytest.raises(InputError, match=r"did you mean suppliers\.json"):
            fd.reference_data(1, tmp_path, document=document)
