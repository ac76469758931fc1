"""The SAP S/4HANA-style vendor simulator over real HTTP (issue 8, point 1).

Native conventions are what the SAP adapter is tested against, so they are pinned here:
seeded data in native form and deterministic per seed, OData envelopes and query options,
OData v2 error objects, repeatable supplier invoice creation (replay and conflict), native
statuses and the admin actions QA uses to arrange provider states.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators.behaviours import finance_data
from ledgerpact.generators.simulators.server import build, start_in_thread

REPO = Path(__file__).resolve().parents[1]
ROOT = "/sap/opu/odata/sap"
BP = f"{ROOT}/API_BUSINESS_PARTNER"
SI = f"{ROOT}/API_SUPPLIERINVOICE_PROCESS_SRV"
PY = f"{ROOT}/API_SUPPLIERPAYMENT_SRV"
JE = f"{ROOT}/API_JOURNALENTRYITEMBASIC_SRV"
DATE = re.compile(r"^/Date\(\d+\)/$")
AUTH = ("QA_USER", "secret")


@pytest.fixture(scope="module")
def vendor() -> Iterator[str]:
    sim = build("sap-s4hana", in_memory=True, registry=REPO)
    background = start_in_thread(sim.app)
    try:
        yield background.url
    finally:
        background.stop()
        sim.close()


@pytest.fixture()
def http(vendor: str) -> Iterator[httpx.Client]:
    def conforms(response: httpx.Response) -> None:
        # the simulator checks its own answers against sap-s4hana-odata
        assert "x-simulator-violation" not in response.headers, \
            response.headers["x-simulator-violation"]

    with httpx.Client(base_url=vendor, auth=AUTH, timeout=30, trust_env=False,
                      event_hooks={"response": [conforms]}) as client:
        yield client


def results(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["d"]["results"]
    return rows


def assert_odata_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]["lang"] == "en"
    assert body["error"]["message"]["value"] and body["error"]["code"]
    error: dict[str, Any] = body["error"]
    return error


def test_seeded_suppliers_are_native_and_follow_the_seed(http: httpx.Client) -> None:
    natives = results(http.get(f"{BP}/A_Supplier"))
    canonical = finance_data.reference_data(1)["suppliers"]
    assert len(natives) == len(canonical)
    by_key = {n["Supplier"]: n for n in natives}
    for supplier in canonical:
        key = supplier["supplierNumber"].removeprefix("V-").zfill(10)
        native = by_key[key]
        assert re.fullmatch(r"\d{10}", native["Supplier"])
        assert native["SupplierName"] == supplier["name"]
        flags = (native["PostingIsBlocked"], native["PaymentIsBlocked"],
                 native["SupplierIsNotReleased"])
        assert flags == {"active": (False, False, False), "blocked": (True, True, False),
                         "pending": (False, False, True)}[supplier["status"]]
        assert DATE.match(native["StatusChangedOn"])
    # another simulator with the same seed serves the same world
    again = build("sap-s4hana", in_memory=True, registry=REPO)
    other = build("sap-s4hana", in_memory=True, registry=REPO, seed=2)
    try:
        assert again.app.store.scan("A_Supplier") == sorted(natives, key=lambda n: n["Supplier"])
        assert other.app.store.scan("A_Supplier") != again.app.store.scan("A_Supplier")
    finally:
        again.close()
        other.close()


def test_purchase_orders_carry_decimal_strings_and_native_tax_codes(http: httpx.Client) -> None:
    orders = results(http.get(f"{ROOT}/API_PURCHASEORDER_PROCESS_SRV/A_PurchaseOrder"))
    assert len(orders) == len(finance_data.reference_data(1)["purchaseOrders"])
    for po in orders:
        assert isinstance(po["NetAmount"], str) and Decimal(po["NetAmount"]) >= 0
        assert Decimal(po["NetAmount"]) + Decimal(po["TaxAmount"]) == Decimal(po["GrossAmount"])
        assert DATE.match(po["PurchaseOrderDate"])
        assert po["PurchasingProcessingStatus"] in {"01", "05", "07", "08", "09", "10"}
        for item in po["to_PurchaseOrderItem"]["results"]:
            assert re.fullmatch(r"\d{5}", item["PurchaseOrderItem"])
            assert re.fullmatch(r"V\d", item["TaxCode"]) and len(item["TaxCountry"]) == 2
    code = http.get(f"{ROOT}/API_TAXCODE_SRV/A_TaxCode(Country='DE',TaxCode='V1')")
    assert code.status_code == 200
    assert code.json()["d"]["TaxRate"] == "19.000" and code.json()["d"]["TaxType"] == "V"


def test_query_options_and_key_predicates(http: httpx.Client) -> None:
    everything = results(http.get(f"{BP}/A_Supplier"))
    page = http.get(f"{BP}/A_Supplier", params={"$top": 3, "$skip": 2,
                                                 "$inlinecount": "allpages"})
    assert page.json()["d"]["results"] == everything[2:5]
    assert page.json()["d"]["__count"] == str(len(everything))
    blocked = results(http.get(f"{BP}/A_Supplier",
                               params={"$filter": "PostingIsBlocked eq true"}))
    assert blocked and all(s["PostingIsBlocked"] for s in blocked)
    de = results(http.get(f"{ROOT}/API_TAXCODE_SRV/A_TaxCode",
                          params={"$filter": "Country eq 'DE' and TaxType eq 'V'"}))
    assert de and {(t["Country"], t["TaxType"]) for t in de} == {("DE", "V")}
    first = everything[0]["Supplier"]
    # ALPHA conversion: leading zeros may be left out of a key
    short = http.get(f"{BP}/A_Supplier('{int(first)}')")
    assert short.status_code == 200 and short.json()["d"]["Supplier"] == first
    assert http.get(f"{BP}/A_BusinessPartner('{first}')").json()["d"]["IsSupplier"] is True


def test_errors_are_odata_v2_objects(http: httpx.Client) -> None:
    assert_odata_error(http.get(f"{BP}/A_Supplier('9999999999')"), 404)
    error = assert_odata_error(http.get(f"{BP}/A_Supplier",
                                        params={"$filter": "Supplier gt '1'"}), 400)
    assert "eq" in error["message"]["value"]
    unauthenticated = httpx.get(f"{http.base_url}{BP}/A_Supplier", trust_env=False)
    assert unauthenticated.status_code == 401


def _active_supplier(http: httpx.Client) -> dict[str, Any]:
    for supplier in results(http.get(f"{BP}/A_Supplier")):
        if not (supplier["PostingIsBlocked"] or supplier["SupplierIsNotReleased"]):
            return supplier
    raise AssertionError("no active supplier seeded")


def invoice_body(supplier: str, reference: str, net: str = "100.00",
                 tax: str = "19.00") -> dict[str, Any]:
    gross = format(Decimal(net) + Decimal(tax), "f")
    return {"CompanyCode": "DE01", "InvoicingParty": supplier,
            "SupplierInvoiceIDByInvcgParty": reference, "AssignmentReference": reference,
            "DocumentDate": "/Date(1732406400000)/", "InvoiceGrossAmount": gross,
            "DocumentCurrency": "EUR", "IsInvoice": True,
            "to_SupplierInvoiceItemGLAcct": {"results": [{
                "GLAccount": "0000400000", "CostCenter": "0000004100", "TaxCode": "V1",
                "TaxCountry": "DE", "DebitCreditCode": "S",
                "SupplierInvoiceItemAmount": net}]},
            "to_SupplierInvoiceTax": {"results": [{
                "TaxCode": "V1", "TaxCountry": "DE", "DebitCreditCode": "S",
                "TaxAmount": tax}]}}


def repeatable(request_id: str) -> dict[str, str]:
    return {"Repeatability-Request-ID": request_id,
            "Repeatability-First-Sent": "Sun, 24 Nov 2024 10:00:00 GMT"}


def test_invoice_creation_is_repeatable(http: httpx.Client) -> None:
    supplier = _active_supplier(http)["Supplier"]
    body = invoice_body(supplier, "REP-1")
    first = http.post(f"{SI}/A_SupplierInvoice", json=body, headers=repeatable("req-1"))
    assert first.status_code == 201, first.text
    assert first.headers["repeatability-result"] == "accepted"
    invoice = first.json()["d"]
    assert re.fullmatch(r"51\d{8}", invoice["SupplierInvoice"])
    assert invoice["InvoiceGrossAmount"] == "119.00"
    assert invoice["SupplierInvoiceStatus"] == "S"  # posted, with a payment in the run
    again = http.post(f"{SI}/A_SupplierInvoice", json=body, headers=repeatable("req-1"))
    assert again.status_code == 201
    assert again.headers["repeatability-result"] == "replayed"
    assert again.json() == first.json()
    other = http.post(f"{SI}/A_SupplierInvoice", json=invoice_body(supplier, "REP-2"),
                      headers=repeatable("req-1"))
    assert "REPEATABILITY" in assert_odata_error(other, 409)["code"]
    duplicate = http.post(f"{SI}/A_SupplierInvoice", json=body, headers=repeatable("req-2"))
    assert assert_odata_error(duplicate, 409)["code"] == "M8/108"
    invoices = results(http.get(f"{SI}/A_SupplierInvoice",
                                params={"$filter": "SupplierInvoiceIDByInvcgParty eq 'REP-1'"}))
    assert len(invoices) == 1  # posted once
    key = f"(SupplierInvoice='{invoice['SupplierInvoice']}',FiscalYear='{invoice['FiscalYear']}')"
    assert http.get(f"{SI}/A_SupplierInvoice{key}").json()["d"] == invoice
    journal = results(http.get(f"{JE}/A_JournalEntry", params={
        "$filter": f"AccountingDocument eq '{invoice['AccountingDocument']}'"}))[0]
    items = journal["to_JournalEntryItem"]["results"]
    debit = sum(Decimal(i["AmountInTransactionCurrency"]) for i in items
                if i["DebitCreditCode"] == "S")
    credit = sum(Decimal(i["AmountInTransactionCurrency"]) for i in items
                 if i["DebitCreditCode"] == "H")
    assert debit == credit == Decimal("119.00")


def test_invoice_refusals(http: httpx.Client) -> None:
    suppliers = results(http.get(f"{BP}/A_Supplier"))
    blocked = next(s for s in suppliers if s["PostingIsBlocked"])
    supplier = _active_supplier(http)["Supplier"]
    refused = http.post(f"{SI}/A_SupplierInvoice", json=invoice_body(blocked["Supplier"], "B-1"))
    assert assert_odata_error(refused, 422)["code"] == "M8/351"
    unbalanced = invoice_body(supplier, "U-1")
    unbalanced["InvoiceGrossAmount"] = "120.00"
    assert assert_odata_error(http.post(f"{SI}/A_SupplierInvoice", json=unbalanced),
                              422)["code"] == "F5/702"
    unknown = http.post(f"{SI}/A_SupplierInvoice", json=invoice_body("0000999999", "X-1"))
    assert assert_odata_error(unknown, 422)["code"] == "M8/152"
    bad_date = invoice_body(supplier, "D-1")
    bad_date["DocumentDate"] = "2024-11-24"
    assert_odata_error(http.post(f"{SI}/A_SupplierInvoice", json=bad_date), 400)


def test_payment_run_admin_actions(vendor: str, http: httpx.Client) -> None:
    supplier = _active_supplier(http)["Supplier"]
    posted = http.post(f"{SI}/A_SupplierInvoice", json=invoice_body(supplier, "PAY-1"))
    invoice = posted.json()["d"]
    document = invoice["PaymentDocument"]
    assert re.fullmatch(r"15\d{8}", document)
    key = f"(PaymentDocument='{document}',FiscalYear='{invoice['PaymentFiscalYear']}')"
    payment = http.get(f"{PY}/A_SupplierPayment{key}").json()["d"]
    assert payment["PaymentRunStatus"] == "01"
    assert payment["PaidAmountInPaytCurrency"] == "119.00"

    def act(name: str, **body: Any) -> httpx.Response:
        return httpx.post(f"{vendor}/__admin/actions/{name}", json=body, trust_env=False)

    assert act("settle-payment", PaymentDocument=document).status_code == 409  # not released
    assert act("release-payment", PaymentDocument=document).status_code == 200
    settled = act("settle-payment", PaymentDocument=document, ValueDate="2024-12-02")
    assert settled.status_code == 200
    payment = http.get(f"{PY}/A_SupplierPayment{key}").json()["d"]
    assert payment["PaymentRunStatus"] == "03"
    assert [h["PaymentRunStatus"] for h in payment["to_PaymentStatusHistory"]["results"]] == \
        ["01", "02", "03"]
    assert payment["ValueDate"] == "/Date(1733097600000)/"
    invoice_key = f"(SupplierInvoice='{invoice['SupplierInvoice']}',FiscalYear='" \
                  f"{invoice['FiscalYear']}')"
    assert http.get(f"{SI}/A_SupplierInvoice{invoice_key}").json()["d"][
        "SupplierInvoiceStatus"] == "P"
    assert act("fail-payment", PaymentDocument=document).status_code == 409  # final
    assert act("release-payment", PaymentDocument="1599999999").status_code == 404

    second = http.post(f"{SI}/A_SupplierInvoice", json=invoice_body(supplier, "PAY-2")).json()
    document = second["d"]["PaymentDocument"]
    act("release-payment", PaymentDocument=document)
    failed = act("fail-payment", PaymentDocument=document, ReturnReasonCode="AC01")
    assert failed.status_code == 200
    assert failed.json()["PaymentRunStatus"] == "04"
    assert failed.json()["ReturnReasonCode"] == "AC01"


def test_set_supplier_status_changes_native_flags(vendor: str, http: httpx.Client) -> None:
    supplier = _active_supplier(http)
    key = supplier["Supplier"]
    changed = httpx.post(f"{vendor}/__admin/actions/set-supplier-status", trust_env=False,
                         json={"Supplier": key, "PaymentIsBlocked": True,
                               "SupplierBlockReasonText": "Bank details being verified."})
    assert changed.status_code == 200, changed.text
    native = http.get(f"{BP}/A_Supplier('{key}')").json()["d"]
    assert native["PaymentIsBlocked"] is True and native["PostingIsBlocked"] is False
    assert native["SupplierBlockReasonText"] == "Bank details being verified."
    assert native["StatusChangedOn"] != supplier["StatusChangedOn"] or \
        native["LastChangeDateTime"] != supplier["LastChangeDateTime"]
    httpx.post(f"{vendor}/__admin/actions/set-supplier-status", trust_env=False,
               json={"Supplier": key, "PaymentIsBlocked": False})
    assert http.get(f"{BP}/A_Supplier('{key}')").json()["d"]["PaymentIsBlocked"] is False
    missing = httpx.post(f"{vendor}/__admin/actions/set-supplier-status", trust_env=False,
                         json={"Supplier": "0000999999", "PostingIsBlocked": True})
    assert missing.status_code == 404
    wrong = httpx.post(f"{vendor}/__admin/actions/set-supplier-status", trust_env=False,
                       json={"Supplier": key, "PostingIsBlocked": "yes"})
    assert wrong.status_code == 400


def test_malformed_requests_get_odata_errors_not_problems(http: httpx.Client) -> None:
    assert "$top" in assert_odata_error(http.get(f"{BP}/A_Supplier", params={"$top": "x"}),
                                        400)["message"]["value"]
    supplier = _active_supplier(http)["Supplier"]
    body = invoice_body(supplier, "M-1")
    del body["DocumentCurrency"]
    assert "DocumentCurrency" in assert_odata_error(
        http.post(f"{SI}/A_SupplierInvoice", json=body), 400)["message"]["value"]


# --- filters with quoted values --------------------------------------------------------------

def test_filter_values_may_contain_and_and_quotes(http: httpx.Client) -> None:
    """A quoted value holding `` and `` or a doubled quote is one value, not two terms."""
    for value in ("A and B", "it''s and more"):
        response = http.get(f"{SI}/A_SupplierInvoice",
                            params={"$filter": f"SupplierInvoiceIDByInvcgParty eq '{value}'"})
        assert results(response) == []
    bad = http.get(f"{BP}/A_Supplier", params={"$filter": "Supplier eq '1' andSupplier eq '2'"})
    assert bad.status_code == 400 and "error" in bad.json()


# --- Schemathesis: positive and negative data against the native contract ---------------------

def test_schemathesis_positive_and_negative_data_conform(vendor: str) -> None:
    """Every answer, including the engine's own refusals of invalid or unauthenticated
    requests, must be one the native contract declares (OData error objects, never
    problem+json); negative data must be refused."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.case import Case
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from ledgerpact.governance.verify.properties import run_operations
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.catalog import find_entry
    from ledgerpact.registry.cli_support import open_registry

    ws = open_registry(REPO).workspace()
    entry = find_entry(ws, "sap-s4hana-odata")
    assert entry is not None
    document = bundle(ws, entry.document_path).document

    def self_reported(ctx: Any, response: Any, case: Case) -> None:
        flagged = response.headers.get("x-simulator-violation")
        if flagged:
            raise AssertionError(f"the simulator flags its own response: {flagged[0]}")

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance, response_headers_conformance, self_reported]
    failures: list[str] = []
    for mode in ("positive", "negative"):
        schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict({
            "headers": {"Authorization": "Basic UUFfVVNFUjpzZWNyZXQ="}, "seed": 20261124,
            "suppress-health-check": ["all"],
            "generation": {"mode": mode, "max-examples": 5, "database": "none",
                           "allow-extra-parameters": False},
            "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
                       "coverage": {"enabled": mode == "negative",
                                    "unexpected-methods": []},
                       "stateful": {"enabled": False}}}))
        wanted = [negative_data_rejection, *checks] if mode == "negative" else checks
        failures += [f"{mode} {failure}"
                     for failure in run_operations(schema, vendor, wanted).failures]
    assert not failures, "\n\n".join(failures)


def test_every_supplier_flag_change_writes_a_numbered_change_document(
        vendor: str, http: httpx.Client) -> None:
    before = results(http.get(f"{BP}/A_SupplierChangeDocument"))
    for body in ({"Supplier": "100009", "PostingIsBlocked": True},
                 {"Supplier": "100009", "PostingIsBlocked": True},  # no change: no document
                 {"Supplier": "100009", "PostingIsBlocked": False}):
        assert httpx.post(f"{vendor}/__admin/actions/set-supplier-status", json=body,
                          trust_env=False).status_code == 200
    new = results(http.get(f"{BP}/A_SupplierChangeDocument",
                           params={"$skip": len(before)}))
    assert [(d["Supplier"], d["OldPostingIsBlocked"], d["NewPostingIsBlocked"]) for d in new] \
        == [("0000100009", False, True), ("0000100009", True, False)]
    numbers = [d["ChangeDocument"] for d in before + new]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert all(DATE.match(d["ChangedOn"]) for d in new)
