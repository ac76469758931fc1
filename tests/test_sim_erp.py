"""The ERP behaviour through handle(): real Store file, real Idempotency ledger, every
response checked against the erp-finance contract and every event against finance-events."""

from __future__ import annotations

import asyncio
import copy
import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ledgerpact.generators.simulators.behaviours import behaviour_for, erp_payments
from ledgerpact.generators.simulators.behaviours import finance_data as fd
from ledgerpact.generators.simulators.behaviours.erp import ErpBehaviour, is_balanced
from ledgerpact.generators.simulators.events.envelope import EventFactory
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
)
from ledgerpact.generators.simulators.store import Store
from ledgerpact.registry import pointer as jp

SEED = 5
URI = "urn:test:erp-finance"
NOW = datetime(2024, 6, 3, 8, 17, 12, tzinfo=UTC)


class FixedClock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def document():
    return fd.erp_document()


@pytest.fixture(scope="module")
def factory():
    return EventFactory.from_registry("https://ledgerpact.dev/services/erp-finance")


@pytest.fixture(scope="module")
def schemas(document):
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    return Registry().with_resource(URI, resource)


@pytest.fixture
def erp(document):
    return ErpBehaviour(document=document)


@pytest.fixture
def store(tmp_path, erp):
    opened = Store.open(tmp_path / "erp.sqlite")
    erp.seed(opened, SEED, None)
    yield opened
    opened.close()


@pytest.fixture
def events():
    return []


@pytest.fixture
def ctx(store, events, factory):
    counter = iter(range(1, 10**6))

    def emit(name: str, data: Any) -> None:
        # the event sink, recorded; build() validates the envelope against finance-events
        built = factory.build(name, copy.deepcopy(dict(data)), event_id=f"evt-{next(counter)}",
                              time=NOW)
        events.append((name, built["envelope"]["data"]))

    return Context(store=store, clock=FixedClock(), rng=random.Random(SEED), seed=SEED,
                   emit=emit)


# --- helpers ----------------------------------------------------------------------------

def operation(document, operation_id):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method, op
    raise AssertionError(operation_id)


def check(response, operation_id, document, schemas):
    """The response is one the contract declares, with a body valid against its schema."""
    path, method, op = operation(document, operation_id)
    declared = op["responses"].get(str(response.status))
    assert declared is not None, f"{operation_id} does not declare {response.status}"
    base = ["paths", path, method, "responses", str(response.status)]
    if "$ref" in declared:
        base = jp.split(declared["$ref"][1:])
        declared = jp.resolve(document, declared["$ref"][1:])
    for name, header in declared.get("headers", {}).items():
        if header.get("required"):
            assert name in response.headers, f"{operation_id}: header {name} missing"
    assert response.media_type in declared["content"], response.media_type
    pointer = jp.join([*base, "content", response.media_type, "schema"])
    body = json.loads(json.dumps(response.body, default=str))
    validator = Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=schemas,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert errors == [], errors
    return response


def request(operation_id, document, *, path_params=None, query=None, body=None,
            headers=None):
    template, method, _ = operation(document, operation_id)
    path = template
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", str(value))
    raw = json.dumps(body, sort_keys=True).encode() if body is not None else b""
    return SimRequest(method=method.upper(), path=path, operation_id=operation_id,
                      path_template=template, path_params=path_params or {},
                      query=query or {}, headers=headers or {}, body=body, raw_body=raw,
                      media_type="application/json" if body is not None else None)


def call(erp, ctx, document, schemas, operation_id, **kwargs):
    response = asyncio.run(erp.handle(request(operation_id, document, **kwargs), ctx))
    return check(response, operation_id, document, schemas)


def recompute(doc, minor):
    """Make breakdown and totals agree with the lines again after a test changed them."""
    currency = doc["currency"]
    groups: dict[tuple[str, str], Decimal] = {}
    for line in doc["lines"]:
        key = (line["vat"]["categoryCode"], line["vat"].get("rate", "0"))
        groups[key] = groups.get(key, Decimal(0)) + Decimal(line["netAmount"]["amount"])
    doc["vatBreakdown"] = [{"categoryCode": c, "rate": r,
                            "taxableAmount": fd.money(base, currency, minor),
                            "taxAmount": fd.money(base * Decimal(r) / 100, currency, minor)}
                           for (c, r), base in groups.items()]
    net = sum(groups.values(), Decimal(0))
    vat = sum((Decimal(b["taxAmount"]["amount"]) for b in doc["vatBreakdown"]), Decimal(0))
    doc["totals"] = {"lineNetTotal": fd.money(net, currency, minor),
                     "netTotal": fd.money(net, currency, minor),
                     "vatTotal": fd.money(vat, currency, minor),
                     "grossTotal": fd.money(net + vat, currency, minor),
                     "payableAmount": fd.money(net + vat, currency, minor)}
    return doc


def open_orders(store, country=None, currency=None):
    for po in store.scan("purchaseOrder"):
        supplier = store.get("supplier", po["supplier"]["supplierNumber"])
        if (po["status"] in ("released", "partially-received", "received")
                and supplier["status"] == "active"
                and country in (None, supplier["postalAddress"]["countryCode"])
                and currency in (None, po["currency"])
                and any(ln["status"] not in ("closed", "cancelled") for ln in po["lines"])):
            yield po, supplier


def invoice(store, erp, number="INV-T-1", **where):
    po, supplier = next(open_orders(store, **where))
    return fd.invoice_for(po, supplier, store.scan("taxCode"), erp.minor_units, number)


def codes(response):
    return {(f["code"], f["pointer"]) for f in response.body["findings"]}


def post(erp, ctx, document, schemas, doc, key):
    return call(erp, ctx, document, schemas, "postInvoice", body=doc,
                headers={"idempotency-key": key})


# --- reads ------------------------------------------------------------------------------

def test_seed_fills_the_store_with_the_reference_data(store, erp, document):
    data = fd.reference_data(SEED, document=document)
    for key, kind in (("suppliers", "supplier"), ("purchaseOrders", "purchaseOrder"),
                      ("goodsReceipts", "goodsReceipt"), ("costCentres", "costCentre"),
                      ("glAccounts", "glAccount"), ("taxCodes", "taxCode")):
        assert store.count(kind) == len(data[key])
    assert store.scan("supplier") == sorted(data["suppliers"], key=lambda s: s["supplierNumber"])
    state = erp.scenario(store)
    # 80 generated orders and 40 suppliers, plus the contract examples' 4500012345 / V-100234
    assert state["counts"]["purchaseOrder"] == 81 and state["counts"]["posting"] == 0
    assert sum(state["suppliersByStatus"].values()) == 41
    json.dumps(state)  # JSON-able for the admin API


def test_behaviour_for_finds_the_erp():
    found = behaviour_for("erp")
    assert found is not None and (found.name, found.contract_id) == ("erp", "erp-finance")
    assert behaviour_for("some-other-contract") is None


def test_pages_walk_every_supplier_once_in_order(erp, ctx, store, document, schemas):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        response = call(erp, ctx, document, schemas, "listSuppliers", query=query)
        seen += [s["supplierNumber"] for s in response.body["items"]]
        cursor = response.body["nextCursor"]
        pages += 1
        assert ("Link" in response.headers) == (cursor is not None)
        if cursor is None:
            break
    assert seen == [s["supplierNumber"] for s in store.scan("supplier")]
    assert pages == 6  # 40 suppliers, 7 a page


def test_a_page_stays_stable_when_records_are_added(erp, ctx, store, document, schemas):
    first = call(erp, ctx, document, schemas, "listCostCentres", query={"limit": 3})
    store.put("costCentre", "CC-0001", {"code": "CC-0001", "name": "New", "status": "active",
                                        "validFrom": "2024-01-01"})
    second = call(erp, ctx, document, schemas, "listCostCentres",
                  query={"limit": 3, "cursor": first.body["nextCursor"]})
    codes_seen = [c["code"] for c in first.body["items"] + second.body["items"]]
    assert codes_seen == sorted(codes_seen) and len(set(codes_seen)) == 6


def test_a_foreign_cursor_is_a_bad_request(erp, ctx, document, schemas):
    response = call(erp, ctx, document, schemas, "listSuppliers", query={"cursor": "nonsense!"})
    assert response.status == 400 and response.body["code"] == "INVALID_CURSOR"


def test_supplier_filters(erp, ctx, store, document, schemas):
    blocked = call(erp, ctx, document, schemas, "listSuppliers",
                   query={"status": "blocked", "limit": 200}).body["items"]
    assert blocked and {s["status"] for s in blocked} == {"blocked"}
    assert len(blocked) == sum(s["status"] == "blocked" for s in store.scan("supplier"))
    german = call(erp, ctx, document, schemas, "listSuppliers",
                  query={"countryCode": "DE", "limit": 200}).body["items"]
    assert len(german) == 11  # 10 generated + the contract examples' Lieferant GmbH
    one = store.scan("supplier")[3]
    fragment = one["name"].split()[0][1:5].upper()
    named = call(erp, ctx, document, schemas, "listSuppliers",
                 query={"name": fragment}).body["items"]
    assert one in named and all(fragment.lower() in s["name"].lower() for s in named)
    late = "2030-01-01T00:00:00Z"
    assert call(erp, ctx, document, schemas, "listSuppliers",
                query={"updatedSince": late}).body["items"] == []
    ctx.clock.at = datetime(2030, 2, 1, tzinfo=UTC)
    erp.actions()["set-supplier-status"]({"supplierNumber": one["supplierNumber"],
                                          "status": "blocked", "reason": "Test"}, ctx)
    changed = call(erp, ctx, document, schemas, "listSuppliers",
                   query={"updatedSince": late}).body["items"]
    assert [s["supplierNumber"] for s in changed] == [one["supplierNumber"]]


def test_purchase_orders_newest_first_with_filters(erp, ctx, store, document, schemas):
    items = call(erp, ctx, document, schemas, "listPurchaseOrders",
                 query={"limit": 200}).body["items"]
    assert len(items) == 81  # 80 generated + the contract examples' 4500012345
    keys = [(p["orderDate"], p["poNumber"]) for p in items]
    assert keys == sorted(keys, reverse=True)
    supplier = items[0]["supplier"]["supplierNumber"]
    mine = call(erp, ctx, document, schemas, "listPurchaseOrders",
                query={"supplierNumber": supplier, "status": items[0]["status"],
                       "orderDateFrom": "2024-01-01", "orderDateTo": items[0]["orderDate"]})
    assert items[0] in mine.body["items"]
    assert all(p["supplier"]["supplierNumber"] == supplier for p in mine.body["items"])
    assert call(erp, ctx, document, schemas, "listPurchaseOrders",
                query={"orderDateFrom": "2025-01-01"}).body["items"] == []


def test_goods_receipts_of_an_order(erp, ctx, store, document, schemas):
    receipt = store.scan("goodsReceipt")[0]
    po = receipt["purchaseOrder"]["poNumber"]
    listed = call(erp, ctx, document, schemas, "listGoodsReceiptsByPurchaseOrder",
                  path_params={"purchaseOrderId": po}).body["items"]
    assert receipt in listed
    missing = call(erp, ctx, document, schemas, "listGoodsReceiptsByPurchaseOrder",
                   path_params={"purchaseOrderId": "999"})
    assert missing.status == 404 and missing.body["code"] == "PURCHASE_ORDER_NOT_FOUND"


def test_reference_data_lists_and_filters(erp, ctx, store, document, schemas):
    codes_de = call(erp, ctx, document, schemas, "listTaxCodes",
                    query={"countryCode": "DE", "direction": "input", "limit": 200})
    assert codes_de.body["items"]
    assert {(t["jurisdiction"]["countryCode"], t["direction"]) for t in codes_de.body["items"]} \
        == {("DE", "input")}
    expense = call(erp, ctx, document, schemas, "listGlAccounts", query={"type": "expense"})
    assert expense.body["items"] and {a["type"] for a in expense.body["items"]} == {"expense"}
    centres = call(erp, ctx, document, schemas, "listCostCentres", query={"limit": 200})
    assert len(centres.body["items"]) == store.count("costCentre")


@pytest.mark.parametrize(("operation_id", "param", "kind", "code"), [
    ("getSupplier", "supplierNumber", "supplier", "SUPPLIER_NOT_FOUND"),
    ("getSupplierStatus", "supplierNumber", None, "SUPPLIER_NOT_FOUND"),
    ("getPurchaseOrder", "purchaseOrderId", "purchaseOrder", "PURCHASE_ORDER_NOT_FOUND"),
    ("getGoodsReceipt", "goodsReceiptId", "goodsReceipt", "GOODS_RECEIPT_NOT_FOUND"),
    ("getCostCentre", "costCentreCode", "costCentre", "COST_CENTRE_NOT_FOUND"),
    ("getGlAccount", "glAccountNumber", "glAccount", "GL_ACCOUNT_NOT_FOUND"),
    ("getTaxCode", "taxCode", "taxCode", "TAX_CODE_NOT_FOUND"),
    ("getInvoicePosting", "postingId", None, "POSTING_NOT_FOUND"),
    ("getPayment", "paymentId", None, "PAYMENT_NOT_FOUND"),
    ("getJournalEntry", "journalEntryId", None, "JOURNAL_ENTRY_NOT_FOUND"),
])
def test_gets_and_404_problems(erp, ctx, store, document, schemas, operation_id, param, kind,
                               code):
    if kind is not None:
        member = {"supplier": "supplierNumber", "purchaseOrder": "poNumber",
                  "goodsReceipt": "receiptId", "costCentre": "code",
                  "glAccount": "accountNumber", "taxCode": "code"}[kind]
        item = store.scan(kind)[-1]
        found = call(erp, ctx, document, schemas, operation_id,
                     path_params={param: item[member]})
        assert found.status == 200 and found.body == item
    missing = call(erp, ctx, document, schemas, operation_id, path_params={param: "NOPE-1"})
    assert missing.status == 404 and missing.body["code"] == code
    assert missing.body["instance"].endswith("/NOPE-1") or "NOPE-1" in missing.body["instance"]


def test_supplier_status_and_search(erp, ctx, store, document, schemas):
    supplier = next(s for s in store.scan("supplier") if s["status"] == "blocked")
    status = call(erp, ctx, document, schemas, "getSupplierStatus",
                  path_params={"supplierNumber": supplier["supplierNumber"]}).body
    assert status["status"] == "blocked" and status["reason"] == supplier["statusReason"]
    registration = supplier["taxRegistrations"][0]
    found = call(erp, ctx, document, schemas, "searchSuppliers",
                 body={"taxRegistration": registration}).body["items"]
    assert found == [supplier]
    with_iban = next(s for s in store.scan("supplier") if "iban" in s["bankAccounts"][0])
    found = call(erp, ctx, document, schemas, "searchSuppliers",
                 body={"iban": with_iban["bankAccounts"][0]["iban"]}).body["items"]
    assert found == [with_iban]
    both = call(erp, ctx, document, schemas, "searchSuppliers",
                body={"taxRegistration": registration,
                      "iban": with_iban["bankAccounts"][0]["iban"]}).body["items"]
    assert both == ([] if with_iban != supplier else [supplier])
    empty = call(erp, ctx, document, schemas, "searchSuppliers", body={})
    assert empty.status == 422 and empty.body["errors"][0]["code"] == "SEARCH_CRITERION_MISSING"


# --- validation ---------------------------------------------------------------------------

def test_a_matching_invoice_validates_clean_in_every_currency(erp, ctx, store, document,
                                                               schemas):
    for currency in ("EUR", "JPY", "BHD", "SEK"):
        doc = invoice(store, erp, currency=currency)
        response = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
        assert response.body["valid"] is True, (currency, response.body["findings"])
        assert response.body["findings"] == []


def _by_status(store, status):
    return next(s for s in store.scan("supplier") if s["status"] == status)


def _other_supplier_order(store, supplier_number, currency):
    return next(p for p in store.scan("purchaseOrder")
                if p["supplier"]["supplierNumber"] != supplier_number
                and p["status"] == "released" and p["currency"] == currency)


def _mutations():
    """(name, change(doc, store, erp), expected (code, pointer) findings)."""

    def unknown_supplier(doc, store, erp):
        doc["seller"] = {"name": "Nobody GmbH", "taxRegistrations": [
            {"scheme": "VAT", "id": "DE000000001", "countryCode": "DE"}]}

    def as_supplier(status):
        def change(doc, store, erp):
            number = store.get("purchaseOrder", doc["orderReference"]["id"])["supplier"][
                "supplierNumber"]
            supplier = store.get("supplier", number)
            supplier["status"] = status
            store.put("supplier", number, supplier)
        return change

    def po_missing(doc, store, erp):
        doc["orderReference"] = {"id": "4599999999"}
        for line in doc["lines"]:
            line["purchaseOrderLineRef"]["orderId"] = "4599999999"

    def po_of_other(doc, store, erp):
        supplier = store.get("purchaseOrder", doc["orderReference"]["id"])["supplier"]
        other = _other_supplier_order(store, supplier["supplierNumber"], doc["currency"])
        doc["orderReference"] = {"id": other["poNumber"]}
        for line in doc["lines"]:
            line.pop("purchaseOrderLineRef")

    def po_closed(doc, store, erp):
        po = store.get("purchaseOrder", doc["orderReference"]["id"])
        po["status"] = "closed"
        store.put("purchaseOrder", po["poNumber"], po)

    def po_line_missing(doc, store, erp):
        doc["lines"][0]["purchaseOrderLineRef"]["lineId"] = "990"

    def currency_of_po(doc, store, erp):
        po = store.get("purchaseOrder", doc["orderReference"]["id"])
        po["currency"] = "USD"
        store.put("purchaseOrder", po["poNumber"], po)

    def rate(value):
        def change(doc, store, erp):
            doc["lines"][0]["vat"]["rate"] = value
            recompute(doc, erp.minor_units[doc["currency"]])
        return change

    def centre(code):
        def change(doc, store, erp):
            doc["lines"][0]["costCentre"] = code
        return change

    def account(number):
        def change(doc, store, erp):
            doc["lines"][0]["accountingCost"] = number
        return change

    def receipt_missing(doc, store, erp):
        doc["goodsReceiptReference"] = "5999999999"

    def receipt_of_other(doc, store, erp):
        other = next(r for r in store.scan("goodsReceipt")
                     if r["purchaseOrder"]["poNumber"] != doc["orderReference"]["id"])
        doc["lines"][0]["goodsReceiptRef"] = {"receiptId": other["receiptId"],
                                              "lineId": "77"}

    def line_amount(doc, store, erp):
        line = doc["lines"][0]
        line["netAmount"]["amount"] = str(Decimal(line["netAmount"]["amount"]) + 1)
        recompute(doc, erp.minor_units[doc["currency"]])

    def gross(doc, store, erp):
        doc["totals"]["grossTotal"]["amount"] = "1.00"
        doc["totals"]["payableAmount"]["amount"] = "1.00"  # agrees with the (wrong) gross

    def breakdown(doc, store, erp):
        row = doc["vatBreakdown"][0]
        row["taxAmount"]["amount"] = str(Decimal(row["taxAmount"]["amount"]) + Decimal("0.05"))

    return [
        ("unknown supplier", unknown_supplier, {("SUPPLIER_UNKNOWN", "/seller")}),
        ("blocked supplier", as_supplier("blocked"), {("SUPPLIER_BLOCKED", "/seller")}),
        ("pending supplier", as_supplier("pending"), {("SUPPLIER_PENDING", "/seller")}),
        ("order not found", po_missing, {("PURCHASE_ORDER_NOT_FOUND", "/orderReference/id")}),
        ("order of another supplier", po_of_other,
         {("PURCHASE_ORDER_SUPPLIER_MISMATCH", "/orderReference/id")}),
        ("closed order", po_closed, {("PURCHASE_ORDER_CLOSED", "/orderReference/id")}),
        ("order line not found", po_line_missing,
         {("PURCHASE_ORDER_LINE_NOT_FOUND", "/lines/0/purchaseOrderLineRef/lineId")}),
        ("currency differs from the order", currency_of_po, {("CURRENCY_MISMATCH", "/currency")}),
        ("no such tax rate", rate("13.5"), {("TAX_CODE_UNKNOWN", "/lines/0/vat")}),
        ("expired tax rate", rate("16"), {("TAX_CODE_NOT_VALID_ON_DATE", "/lines/0/vat")}),
        ("unknown cost centre", centre("CC-0404"),
         {("COST_CENTRE_UNKNOWN", "/lines/0/costCentre")}),
        ("inactive cost centre", centre("CC-3900"),
         {("COST_CENTRE_CLOSED", "/lines/0/costCentre")}),
        ("blocked cost centre", centre("CC-5300"),
         {("COST_CENTRE_CLOSED", "/lines/0/costCentre")}),
        ("unknown GL account", account("999999"),
         {("GL_ACCOUNT_UNKNOWN", "/lines/0/accountingCost")}),
        ("retired GL account", account("479000"),
         {("GL_ACCOUNT_CLOSED", "/lines/0/accountingCost")}),
        ("goods receipt not found", receipt_missing,
         {("GOODS_RECEIPT_NOT_FOUND", "/goodsReceiptReference")}),
        ("goods receipt of another order", receipt_of_other,
         {("GOODS_RECEIPT_PURCHASE_ORDER_MISMATCH", "/lines/0/goodsReceiptRef/receiptId"),
          ("GOODS_RECEIPT_LINE_NOT_FOUND", "/lines/0/goodsReceiptRef/lineId")}),
        ("line amount", line_amount, {("LINE_AMOUNT_MISMATCH", "/lines/0/netAmount/amount")}),
        ("gross total", gross, {("GROSS_TOTAL_MISMATCH", "/totals/grossTotal/amount")}),
        ("tax amount", breakdown, {("TAX_AMOUNT_MISMATCH", "/vatBreakdown/0/taxAmount/amount"),
                                   ("VAT_TOTAL_MISMATCH", "/totals/vatTotal/amount")}),
    ]


@pytest.mark.parametrize(("name", "change", "expected"), _mutations(),
                         ids=[m[0] for m in _mutations()])
def test_each_rule_finds_its_problem(erp, ctx, store, document, schemas, name, change,
                                     expected):
    doc = invoice(store, erp, country="DE")  # DE: the country with an expired rate (16 %)
    change(doc, store, erp)
    response = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
    assert response.body["valid"] is False
    assert codes(response) == expected
    # posting runs the same checks: refused with 422 and the same codes, nothing posted
    refused = post(erp, ctx, document, schemas, doc, f"key-{name.replace(' ', '-')}-0001")
    assert refused.status == 422 and refused.body["code"] == "VALIDATION_FAILED"
    assert {(e["code"], e["pointer"]) for e in refused.body["errors"]} == expected
    assert store.count("posting") == 0 and store.count("journalEntry") == 0


# --- posting --------------------------------------------------------------------------------

def test_posting_creates_posting_balanced_entry_payment_and_events(erp, ctx, store, document,
                                                                   schemas, events):
    doc = invoice(store, erp)
    doc["externalIds"] = [{"system": "invoice-automation", "id": "ia-01TEST"}]
    response = post(erp, ctx, document, schemas, doc, "8e03978e-40d5-43e8-bc93-6894a57f9324")
    assert response.status == 201
    posting = response.body
    assert response.headers["Location"].endswith("/" + posting["postingId"])
    assert (posting["postingDate"], posting["fiscalYear"], posting["fiscalPeriod"]) == \
        ("2024-06-03", 2024, 6)
    got = call(erp, ctx, document, schemas, "getInvoicePosting",
               path_params={"postingId": posting["postingId"]})
    assert got.body == posting
    entry = call(erp, ctx, document, schemas, "getJournalEntry",
                 path_params={"journalEntryId": posting["journalEntryId"]}).body
    assert is_balanced(entry["lines"])
    gross = Decimal(doc["totals"]["grossTotal"]["amount"])
    credits = [ln for ln in entry["lines"] if ln["side"] == "credit"]
    assert [Decimal(ln["amount"]["amount"]) for ln in credits] == [gross]
    assert entry["source"] == {"documentType": "invoice", "documentId": "ia-01TEST",
                               "documentNumber": doc["number"], "system": "invoice-automation"}
    listed = call(erp, ctx, document, schemas, "listJournalEntries",
                  query={"fiscalYear": 2024, "fiscalPeriod": 6,
                         "sourceDocumentId": "ia-01TEST"}).body["items"]
    assert listed == [entry]
    payments = call(erp, ctx, document, schemas, "listPaymentsByInvoice",
                    query={"invoiceId": "ia-01TEST"}).body["items"]
    assert len(payments) == 1 and payments[0]["status"] == "scheduled"
    assert Decimal(payments[0]["amount"]["amount"]) == gross
    assert [name for name, _ in events] == ["invoicePosted", "invoicePaymentScheduled"]
    assert events[0][1]["postingId"] == posting["postingId"]
    assert events[1][1]["paymentId"] == payments[0]["paymentId"]


def test_replay_mismatch_and_duplicate(erp, ctx, store, document, schemas, events):
    doc = invoice(store, erp)
    first = post(erp, ctx, document, schemas, doc, "replay-key-000000001")
    again = post(erp, ctx, document, schemas, copy.deepcopy(doc), "replay-key-000000001")
    assert again.status == 201 and again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert "Idempotent-Replayed" not in first.headers
    assert store.count("posting") == 1 and len(events) == 2
    changed = copy.deepcopy(doc)
    changed["number"] = "INV-T-2"
    reused = post(erp, ctx, document, schemas, changed, "replay-key-000000001")
    assert reused.status == 409 and reused.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    duplicate = post(erp, ctx, document, schemas, doc, "another-key-00000001")
    assert duplicate.status == 409 and duplicate.body["code"] == "DUPLICATE_INVOICE"
    validation = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
    assert codes(validation) == {("DUPLICATE_INVOICE", "/number")}
    assert store.count("posting") == 1 and store.count("payment") == 1 and len(events) == 2


def test_replay_survives_reopening_the_store(document, schemas, tmp_path, ctx):
    path = tmp_path / "durable.sqlite"
    first_store = Store.open(path)
    erp = ErpBehaviour(document=document)
    erp.seed(first_store, SEED, None)
    doc = invoice(first_store, erp)
    first_ctx = Context(store=first_store, clock=FixedClock(), rng=random.Random(1), seed=SEED,
                        emit=ctx.emit)
    first = post(erp, first_ctx, document, schemas, doc, "durable-key-00000001")
    first_store.close()
    reopened = Store.open(path)
    try:
        again_ctx = Context(store=reopened, clock=FixedClock(), rng=random.Random(1), seed=SEED,
                            emit=ctx.emit)
        fresh = ErpBehaviour(document=document)  # a restarted simulator: no memory but disk
        again = post(fresh, again_ctx, document, schemas, doc, "durable-key-00000001")
        assert again.status == 201 and again.body == first.body
        assert again.headers["Idempotent-Replayed"] == "true"
        assert reopened.count("posting") == 1
    finally:
        reopened.close()


def test_concurrent_requests_with_one_key_post_once(erp, ctx, store, document, schemas):
    doc = invoice(store, erp)

    async def burst():
        return await asyncio.gather(*[erp.handle(request(
            "postInvoice", document, body=copy.deepcopy(doc),
            headers={"idempotency-key": "concurrent-key-0001"}), ctx) for _ in range(6)])

    responses = asyncio.run(burst())
    for response in responses:
        check(response, "postInvoice", document, schemas)
    statuses = sorted(r.status for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    assert {r.body["code"] for r in responses if r.status == 409} == \
        {"IDEMPOTENCY_KEY_IN_FLIGHT"}
    assert store.count("posting") == 1
    replay = post(erp, ctx, document, schemas, doc, "concurrent-key-0001")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.body == next(r for r in responses if r.status == 201).body


def test_a_refused_posting_frees_its_key(erp, ctx, store, document, schemas):
    doc = invoice(store, erp)
    number = store.get("purchaseOrder", doc["orderReference"]["id"])["supplier"][
        "supplierNumber"]
    erp.actions()["set-supplier-status"]({"supplierNumber": number, "status": "blocked",
                                          "reason": "Call-back pending."}, ctx)
    refused = post(erp, ctx, document, schemas, doc, "retry-after-fix-0001")
    assert refused.status == 422
    assert refused.body["errors"] == [{"pointer": "/seller", "code": "SUPPLIER_BLOCKED",
                                       "detail": f"Supplier {number} is blocked: "
                                                 "Call-back pending."}]
    erp.actions()["set-supplier-status"]({"supplierNumber": number, "status": "active"}, ctx)
    assert post(erp, ctx, document, schemas, doc, "retry-after-fix-0001").status == 201


def test_every_open_order_posts_balanced_in_its_currency(erp, ctx, store, document, schemas):
    posted = 0
    for n, (po, supplier) in enumerate(open_orders(store)):
        doc = fd.invoice_for(po, supplier, store.scan("taxCode"), erp.minor_units, f"BULK-{n}")
        response = post(erp, ctx, document, schemas, doc, f"bulk-posting-key-{n:04d}")
        assert response.status == 201, response.body
        entry = store.get("journalEntry", response.body["journalEntryId"])
        check(SimResponse(200, entry), "getJournalEntry", document, schemas)
        assert is_balanced(entry["lines"])
        assert {ln["amount"]["currency"] for ln in entry["lines"]} == {po["currency"]}
        posted += 1
    assert posted >= 20 and store.count("posting") == posted


def test_a_credit_note_books_the_other_way_and_pays_nothing(erp, ctx, store, document,
                                                            schemas, events):
    """A credit note may take back only what was invoiced on its PO lines (erp_matching):
    the invoice it credits is posted first."""
    billed = invoice(store, erp)
    assert post(erp, ctx, document, schemas, billed, "credit-note-inv-0001").status == 201
    payments, events[:] = store.count("payment"), []
    doc = {**billed, "number": "CN-T-1", "typeCode": "381"}
    response = post(erp, ctx, document, schemas, doc, "credit-note-key-0001")
    assert response.status == 201
    entry = store.get("journalEntry", response.body["journalEntryId"])
    assert is_balanced(entry["lines"]) and entry["source"]["documentType"] == "credit-note"
    payable = [ln for ln in entry["lines"] if ln["glAccount"] == fd.PAYABLES_ACCOUNT]
    assert [ln["side"] for ln in payable] == ["debit"]
    assert store.count("payment") == payments and [n for n, _ in events] == ["invoicePosted"]


# --- payments and supplier actions ------------------------------------------------------------

def _posted_payment(erp, ctx, store, document, schemas):
    doc = invoice(store, erp)
    post(erp, ctx, document, schemas, doc, "payment-posting-0001")
    return store.scan("payment")[0]["paymentId"]


def test_payment_released_then_settled(erp, ctx, store, document, schemas, events):
    payment_id = _posted_payment(erp, ctx, store, document, schemas)
    actions = erp.actions()
    assert actions["release-payment"]({"paymentId": payment_id}, ctx)["status"] == "released"
    settled = actions["settle-payment"]({"paymentId": payment_id, "valueDate": "2024-06-28"},
                                        ctx)
    got = call(erp, ctx, document, schemas, "getPayment", path_params={"paymentId": payment_id})
    assert got.body == settled and settled["valueDate"] == "2024-06-28"
    assert [h["status"] for h in settled["statusHistory"]] == ["scheduled", "released",
                                                               "settled"]
    assert [n for n, _ in events][2:] == ["paymentReleased", "paymentSettled", "invoicePaid"]
    assert events[-1][1]["paymentIds"] == [payment_id]


def test_payment_released_then_failed(erp, ctx, store, document, schemas, events):
    payment_id = _posted_payment(erp, ctx, store, document, schemas)
    erp.actions()["release-payment"]({"paymentId": payment_id}, ctx)
    failed = erp.actions()["fail-payment"]({"paymentId": payment_id, "reasonCode": "AC04",
                                            "reason": "Account closed"}, ctx)
    assert failed["statusReason"] == {"code": "AC04", "proprietary": "Account closed"}
    got = call(erp, ctx, document, schemas, "getPayment", path_params={"paymentId": payment_id})
    assert got.body == failed and got.body["status"] == "failed"
    assert events[-1][0] == "paymentFailed"


@pytest.mark.parametrize(("moves", "refused"), [
    (["settle-payment"], "settle"),
    (["fail-payment"], "fail"),
    (["release-payment", "release-payment"], "release"),
    (["release-payment", "settle-payment", "fail-payment"], "fail"),
    (["release-payment", "fail-payment", "settle-payment"], "settle"),
])
def test_illegal_payment_moves_are_409(erp, ctx, store, document, schemas, events, moves,
                                       refused):
    payment_id = _posted_payment(erp, ctx, store, document, schemas)
    for move in moves[:-1]:
        erp.actions()[move]({"paymentId": payment_id}, ctx)
    before = (store.get("payment", payment_id), len(events))
    with pytest.raises(ActionError) as caught:
        erp.actions()[moves[-1]]({"paymentId": payment_id}, ctx)
    assert caught.value.status == 409 and f"cannot {refused}" in caught.value.detail
    assert (store.get("payment", payment_id), len(events)) == before


def test_payment_machine_table_is_exactly_the_legal_moves():
    at = NOW
    for state in erp_payments.TRANSITIONS:
        for action in ("release", "settle", "fail"):
            payment = {"paymentId": "P1", "status": state, "statusHistory": []}
            target = erp_payments.TRANSITIONS[state].get(action)
            if target is None:
                with pytest.raises(erp_payments.IllegalPaymentTransition):
                    erp_payments.apply(payment, action, at)
            else:
                moved = erp_payments.apply(payment, action, at)
                assert moved["status"] == target and payment["status"] == state
                assert moved["statusHistory"][-1]["status"] == target
    assert erp_payments.TRANSITIONS["scheduled"] == {"release": "released"}
    assert set(erp_payments.TRANSITIONS["released"].values()) == {"settled", "failed"}


def test_action_arguments_are_checked(erp, ctx, store):
    actions = erp.actions()
    with pytest.raises(ActionError) as caught:
        actions["release-payment"]({}, ctx)
    assert caught.value.status == 400
    with pytest.raises(ActionError) as caught:
        actions["release-payment"]({"paymentId": "PAY-0"}, ctx)
    assert caught.value.status == 404
    with pytest.raises(ActionError) as caught:
        actions["set-supplier-status"]({"supplierNumber": "V-100001", "status": "gone"}, ctx)
    assert caught.value.status == 400
    with pytest.raises(ActionError) as caught:
        actions["set-supplier-status"]({"supplierNumber": "V-9", "status": "active"}, ctx)
    assert caught.value.status == 404


def test_supplier_status_change_is_stored_and_published(erp, ctx, store, document, schemas,
                                                        events):
    supplier = _by_status(store, "active")
    number = supplier["supplierNumber"]
    ctx.clock.at = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
    result = erp.actions()["set-supplier-status"](
        {"supplierNumber": number, "status": "blocked", "reason": "Sanctions hit."}, ctx)
    assert result["changed"] is True
    status = call(erp, ctx, document, schemas, "getSupplierStatus",
                  path_params={"supplierNumber": number}).body
    assert status == {"supplierNumber": number, "status": "blocked",
                      "reason": "Sanctions hit.", "since": "2024-07-01T12:00:00Z"}
    assert events == [("supplierStatusChanged", {
        "supplierNumber": number, "previousStatus": "active", "status": "blocked",
        "changedAt": "2024-07-01T12:00:00Z", "reason": "Sanctions hit."})]
    again = erp.actions()["set-supplier-status"](
        {"supplierNumber": number, "status": "blocked", "reason": "Sanctions hit."}, ctx)
    assert again["changed"] is False and len(events) == 1
    state = erp.scenario(store)
    assert state["suppliersByStatus"]["blocked"] == sum(
        s["status"] == "blocked" for s in store.scan("supplier"))


def test_unknown_operations_go_to_the_generic_responder(erp, ctx, document):
    other = SimRequest(method="GET", path="/x", operation_id="notAnErpOperation",
                       path_template="/x")
    assert asyncio.run(erp.handle(other, ctx)) is None


def test_hostile_but_valid_documents_get_findings_not_crashes(erp, ctx, store, document,
                                                              schemas):
    doc = invoice(store, erp)
    doc["lines"][0]["quantity"]["value"] = "9" * 39
    doc["lines"][0]["price"]["netPrice"]["amount"] = "9" * 39 + ".99"
    doc["issueDate"] = "2024-02-30"  # the schema's pattern allows it; the calendar does not
    response = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
    found = {code for code, _ in codes(response)}
    assert {"LINE_AMOUNT_MISMATCH", "DATE_INVALID"} <= found
    refused = post(erp, ctx, document, schemas, doc, "hostile-document-0001")
    assert refused.status == 422 and store.count("posting") == 0


def test_problem_instance_is_a_percent_encoded_uri_reference(erp, ctx, document, schemas):
    missing = call(erp, ctx, document, schemas, "getSupplier",
                   path_params={"supplierNumber": "Ä Ö%1"})
    assert missing.status == 404
    assert missing.body["instance"] == "/suppliers/%C3%84%20%C3%96%251"


def test_a_tax_code_is_valid_inside_its_window_whatever_its_status(erp, ctx, store, document,
                                                                    schemas):
    """The window decides, as in the tax engine: DE 16 % (July to December 2020) is
    ``inactive`` today but is the rate of an invoice dated inside its window."""
    doc = invoice(store, erp, country="DE")
    doc["lines"][0]["vat"]["rate"] = "16"
    recompute(doc, erp.minor_units[doc["currency"]])
    expired = store.get("taxCode", "DE-V3")
    assert expired is not None and expired["status"] == "inactive"
    doc["issueDate"] = "2020-09-15"
    inside = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
    assert not {c for c, _ in codes(inside) if c.startswith("TAX_")}, codes(inside)
    doc["issueDate"] = "2021-01-01"  # one day after the window
    after = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
    assert ("TAX_CODE_NOT_VALID_ON_DATE", "/lines/0/vat") in codes(after)
    doc["issueDate"], doc["taxPointDate"] = "2021-01-01", "2020-12-31"  # the tax point rules
    assert not {c for c, _ in codes(call(erp, ctx, document, schemas, "validateInvoice",
                                          body=doc)) if c.startswith("TAX_")}
    store.put("taxCode", "DE-V3", dict(expired, status="blocked"))
    blocked = call(erp, ctx, document, schemas, "validateInvoice", body=doc)
    assert ("TAX_CODE_NOT_VALID_ON_DATE", "/lines/0/vat") in codes(blocked)


def test_a_replay_sends_the_contract_header_only(erp, ctx, store, document, schemas):
    doc = invoice(store, erp)
    post(erp, ctx, document, schemas, doc, "header-key-00000001")
    again = post(erp, ctx, document, schemas, doc, "header-key-00000001")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotency-Replayed" not in again.headers
