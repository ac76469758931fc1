"""The NetSuite reference adapter (issue 8, point 2): erp-finance over the NetSuite-style
vendor simulator, compared answer for answer with the canonical ERP simulator.

Three real servers on 127.0.0.1: the vendor simulator (seed 1), the adapter wired to it and
the canonical ``erp`` simulator (seed 1). The same business calls through the adapter and
through the canonical ERP must give the same canonical answers (ids the systems issue
themselves, and ``externalIds`` naming the system of record, aside), the same validation
findings, and postings with the same journal and payment. Plus: the mapping tables are
total, idempotency travels through the native header, provider states, event polling,
the broken variants, and Schemathesis over every erp-finance operation.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ledgerpact.adapters.netsuite import mapping
from ledgerpact.adapters.netsuite.service import build as build_adapter
from ledgerpact.adapters.netsuite.states import STATE_HANDLERS
from ledgerpact.generators.simulators import jsonio
from ledgerpact.generators.simulators.events import EventFactory
from ledgerpact.generators.simulators.server import Background, build, start_in_thread

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer test"}
VENDOR_BASE = "/services/rest/record/v1"
# members a system fills with its own identifiers
OWN_IDS = {"externalIds", "postingId", "journalEntryId", "entryId", "paymentId", "uetr",
           "instructionId", "checkedAt", "at", "postedAt"}


@dataclass
class Systems:
    vendor: Background
    adapter: Background
    erp: Background
    events: Path


@pytest.fixture(scope="module")
def systems(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Systems]:
    sink = tmp_path_factory.mktemp("netsuite-events") / "events.jsonl"
    vendor_sim = build("netsuite", in_memory=True, registry=REPO)
    erp_sim = build("erp", in_memory=True, registry=REPO)
    vendor = start_in_thread(vendor_sim.app)
    erp = start_in_thread(erp_sim.app)
    adapter = start_in_thread(build_adapter(vendor.url, registry=REPO, events=[f"jsonl:{sink}"]))
    try:
        yield Systems(vendor, adapter, erp, sink)
    finally:
        for server in (adapter, erp, vendor):
            server.stop()
        vendor_sim.close()
        erp_sim.close()


def call(url: str, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
    sent = {**AUTH, **(headers or {})}
    content = None
    if body is not None:
        content = jsonio.dumps(body)
        sent["Content-Type"] = "application/json"
    response = httpx.request(method, url + path, params=params, content=content, headers=sent,
                             timeout=30)
    assert "x-simulator-violation" not in response.headers, \
        f"{method} {path}: {response.headers['x-simulator-violation']}"
    return response


def without_own_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_own_ids(v) for k, v in value.items() if k not in OWN_IDS}
    if isinstance(value, list):
        return [without_own_ids(v) for v in value]
    return value


def sample_invoice(systems: Systems, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{systems.erp.url}/__admin/actions/sample-invoice", json=body)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = response.json()
    return invoice


# --- mapping tables ---------------------------------------------------------------------

def _enum(path: str, *keys: str) -> list[str]:
    node: Any = json.loads((REPO / path).read_text())
    for key in keys:
        node = node[key]
    return list(node)


@functools.cache
def _native_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (REPO / "contracts/netsuite-rest/openapi.yaml").read_text())
    return document


def _native_enum(schema: str, member: str) -> list[str]:
    document = _native_document()
    node = document["components"]["schemas"][schema]["properties"][member]
    if "allOf" in node:
        node = node["allOf"][1]["properties"]["id"]
    return list(node["enum"])


def test_mapping_tables_are_total_both_ways() -> None:
    states = _enum("contracts/schemas/approval-state/approval-state.schema.json",
                   "$defs", "State", "enum")
    assert len(states) == 10
    stages = _native_document()["components"]["schemas"]["VendorBill"]["properties"][
        "custbody_lp_wf_stage"]["enum"]
    assert sorted(t[2] for t in mapping.APPROVAL_STATE_TO_NATIVE.values()) == sorted(stages)
    for state in states:
        approval, status, stage = mapping.APPROVAL_STATE_TO_NATIVE[state]
        assert approval in _native_enum("VendorBill", "approvalStatus")
        assert status in _native_enum("VendorBill", "status")
        bill = {"approvalStatus": {"id": approval}, "status": {"id": status},
                "custbody_lp_wf_stage": stage}
        assert mapping.approval_state(bill) == state
    for approval in _native_enum("VendorBill", "approvalStatus"):
        for status in _native_enum("VendorBill", "status"):
            bill = {"approvalStatus": {"id": approval}, "status": {"id": status}}
            assert mapping.approval_state(bill) in states
            assert mapping.posting_status(bill) in ("posted", "parked", "reversed")
    supplier_statuses = _enum("contracts/schemas/supplier/supplier.schema.json",
                              "properties", "status", "enum")
    tables = mapping.Tables()
    for status in supplier_statuses:
        entity_status, hold, inactive = mapping.VENDOR_STATUS_TO_NATIVE[status]
        assert entity_status in _native_enum("Vendor", "entityStatus")
        vendor = {"entityStatus": {"id": entity_status}, "custentity_lp_payment_hold": hold,
                  "isInactive": inactive}
        assert mapping.supplier_status(vendor, tables) == status
    for entity_status in _native_enum("Vendor", "entityStatus"):
        for hold in (False, True):
            for inactive in (False, True):
                vendor = {"entityStatus": {"id": entity_status},
                          "custentity_lp_payment_hold": hold, "isInactive": inactive}
                assert mapping.supplier_status(vendor, tables) in supplier_statuses
    payment_statuses = _enum("contracts/schemas/payment/payment.schema.json",
                             "properties", "status", "enum")
    assert sorted(mapping.PAYMENT_STATUS_TO_NATIVE) == sorted(payment_statuses)
    native_payments = _native_enum("VendorPayment", "status")
    assert sorted(mapping.PAYMENT_STATUS_FROM_NATIVE) == sorted(native_payments)
    for status in payment_statuses:
        assert mapping.PAYMENT_STATUS_FROM_NATIVE[mapping.PAYMENT_STATUS_TO_NATIVE[status]] \
            == status
    assert sorted(mapping.PO_STATUS_FROM_NATIVE) == sorted(_native_enum("PurchaseOrder",
                                                                        "status"))
    currencies = _native_document()["components"]["schemas"]["CurrencyRef"]["allOf"][1]
    assert sorted(currencies["properties"]["id"]["enum"]) == sorted(mapping.CURRENCY_BY_ID)


def test_money_is_exact_both_ways() -> None:
    minor = {"EUR": 2, "JPY": 0, "BHD": 3}
    assert mapping.money(Decimal("2985.4"), "EUR", minor) == {"amount": "2985.40",
                                                              "currency": "EUR"}
    assert mapping.amount_text(1200, "JPY", minor) == "1200"
    assert mapping.amount_text(Decimal("0.125"), "BHD", minor) == "0.125"
    assert mapping.amount_text(Decimal("12345678901234567890.10"), "EUR", minor) == \
        "12345678901234567890.10"
    with pytest.raises(TypeError):
        mapping.decimal(0.1)  # a float never gets in


# --- lookups and validation: the same answers as the canonical ERP --------------------------

LOOKUPS = ["/suppliers?limit=100", "/suppliers/V-100003", "/suppliers/V-100003/status",
           "/suppliers?status=blocked", "/suppliers?countryCode=JP",
           "/suppliers?name=print", "/suppliers?updatedSince=2022-06-01T00:00:00Z",
           "/purchase-orders?limit=100", "/purchase-orders?limit=7",
           "/purchase-orders/4500012000", "/purchase-orders/4500012000/goods-receipts",
           "/goods-receipts/5000081000", "/cost-centres?limit=100", "/cost-centres/CC-3900",
           "/gl-accounts?limit=100", "/gl-accounts?type=expense", "/gl-accounts/479000",
           "/tax-codes?limit=200", "/tax-codes?countryCode=CH&direction=input",
           "/tax-codes/DE-V3", "/suppliers/V-999999", "/purchase-orders/1",
           "/goods-receipts/1", "/cost-centres/CC-0000", "/gl-accounts/1", "/tax-codes/XX"]


def test_lookups_answer_like_the_canonical_erp(systems: Systems) -> None:
    for path in LOOKUPS:
        through_adapter = call(systems.adapter.url, "GET", path)
        canonical = call(systems.erp.url, "GET", path)
        assert through_adapter.status_code == canonical.status_code, path
        assert without_own_ids(through_adapter.json()) == without_own_ids(canonical.json()), \
            path
    page = call(systems.adapter.url, "GET", "/purchase-orders", limit=7).json()
    follow = call(systems.adapter.url, "GET", "/purchase-orders", limit=7,
                  cursor=page["nextCursor"]).json()
    canonical = call(systems.erp.url, "GET", "/purchase-orders", limit=7,
                     cursor=page["nextCursor"]).json()
    assert without_own_ids(follow) == without_own_ids(canonical)
    # the supplier's system of record is named as such
    supplier = call(systems.adapter.url, "GET", "/suppliers/V-100001").json()
    assert supplier["externalIds"] == [{"system": "netsuite", "id": "2001",
                                        "objectType": "vendor"}]


def _broken_invoices(systems: Systems) -> list[dict[str, Any]]:
    clean = sample_invoice(systems)
    variants = [clean]
    unknown_seller = json.loads(json.dumps(clean))
    unknown_seller["seller"] = {"name": "Nobody Ltd", "taxRegistrations": [
        {"scheme": "VAT", "id": "GB000000000", "countryCode": "GB"}]}
    variants.append(unknown_seller)
    closed = json.loads(json.dumps(clean))
    closed["lines"][0]["costCentre"] = "CC-3900"
    closed["lines"][0]["accountingCost"] = "489000"
    closed["orderReference"] = {"id": "4509999999"}
    variants.append(closed)
    wrong_tax = json.loads(json.dumps(clean))
    wrong_tax["vatBreakdown"][0]["taxAmount"]["amount"] = "0.01"
    wrong_tax["issueDate"] = "2015-06-01"
    variants.append(wrong_tax)
    blocked = call(systems.erp.url, "GET", "/suppliers", status="blocked").json()["items"][0]
    orders = call(systems.erp.url, "GET", "/purchase-orders",
                  supplierNumber=blocked["supplierNumber"]).json()["items"]
    if orders:
        po = orders[0]
        doc = json.loads(json.dumps(clean))
        doc["seller"] = {k: blocked[k] for k in ("name", "taxRegistrations", "postalAddress")}
        doc["orderReference"] = {"id": po["poNumber"]}
        variants.append(doc)
    return variants


def test_validation_finds_what_the_canonical_erp_finds(systems: Systems) -> None:
    for doc in _broken_invoices(systems):
        through_adapter = call(systems.adapter.url, "POST", "/invoice-validations", doc)
        canonical = call(systems.erp.url, "POST", "/invoice-validations", doc)
        assert through_adapter.status_code == canonical.status_code == 200
        assert without_own_ids(through_adapter.json()) == without_own_ids(canonical.json())
    assert any(not call(systems.adapter.url, "POST", "/invoice-validations", d).json()["valid"]
               for d in _broken_invoices(systems)[1:])


# --- posting --------------------------------------------------------------------------------

def _post(url: str, doc: dict[str, Any], key: str) -> httpx.Response:
    return call(url, "POST", "/invoice-postings", doc, headers={"Idempotency-Key": key})


def test_posting_is_idempotent_through_the_native_header(systems: Systems) -> None:
    doc = sample_invoice(systems)
    key = f"netsuite-{uuid.uuid4()}"
    first = _post(systems.adapter.url, doc, key)
    assert first.status_code == 201, first.text
    posting = first.json()
    assert first.headers["location"].endswith(f"/invoice-postings/{posting['postingId']}")
    bill_id = mapping.internal_id(posting["postingId"], "posting")
    bill = call(systems.vendor.url, "GET", f"{VENDOR_BASE}/vendorBill/{bill_id}").json()
    assert bill["custbody_lp_idempotency_key"] == key  # set by the vendor from its header
    vendor_journal = httpx.get(f"{systems.vendor.url}/__admin/journal").json()
    sent = [{k.lower(): v for k, v in e["requestHeaders"].items()}
            for e in vendor_journal["items"] if e.get("operationId") == "createVendorBill"]
    assert key in [h.get("x-netsuite-idempotency-key") for h in sent], \
        "the vendor never received the key in X-NetSuite-Idempotency-Key"
    replay = _post(systems.adapter.url, doc, key)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == posting
    changed = dict(doc, number=f"{doc['number']}-B")
    reused = _post(systems.adapter.url, changed, key)
    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    duplicate = _post(systems.adapter.url, doc, f"netsuite-{uuid.uuid4()}")
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "DUPLICATE_INVOICE")
    invalid = json.loads(json.dumps(doc))
    invalid["number"] = f"{doc['number']}-C"
    invalid["lines"][0]["costCentre"] = "CC-4900"
    refused = _post(systems.adapter.url, invalid, f"netsuite-{uuid.uuid4()}")
    assert (refused.status_code, refused.json()["code"]) == (422, "VALIDATION_FAILED")
    assert refused.json()["errors"][0]["code"] == "COST_CENTRE_CLOSED"
    bills = call(systems.vendor.url, "GET", f"{VENDOR_BASE}/vendorBill",
                 q=f'tranId IS "{doc["number"]}-C"').json()
    assert bills["totalResults"] == 0  # nothing reached the vendor
    missing_key = call(systems.adapter.url, "POST", "/invoice-postings", doc)
    assert missing_key.status_code == 400


def _orders_in(systems: Systems, *currencies: str) -> list[str]:
    """One invoiceable order per currency (active supplier, open lines), to post in
    currencies of other minor units (BHD has three)."""
    active = {s["supplierNumber"] for s in
              call(systems.erp.url, "GET", "/suppliers", status="active", limit=100)
              .json()["items"]}
    found: dict[str, str] = {}
    for po in call(systems.erp.url, "GET", "/purchase-orders", limit=100).json()["items"]:
        if (po["currency"] in currencies and po["currency"] not in found
                and po["supplier"]["supplierNumber"] in active
                and po["status"] in ("released", "partially-received", "received")
                and any(ln["status"] not in ("closed", "cancelled") for ln in po["lines"])):
            found[po["currency"]] = po["poNumber"]
    return list(found.values())


def test_posting_books_what_the_canonical_erp_books(systems: Systems) -> None:
    orders = _orders_in(systems, "JPY", "BHD")
    assert orders
    previous: dict[str, Any] = {}
    for po_number, credit in [(None, False), (None, True)] + [(po, False) for po in orders]:
        wanted = {"purchaseOrderId": po_number} if po_number else {}
        number = f"CMP-{uuid.uuid4().hex[:8]}"
        if credit:  # credits the invoice both just posted: no more than was invoiced
            doc = {**previous, "number": number, "typeCode": "381"}
        else:
            doc = sample_invoice(systems, invoiceNumber=number, **wanted)
        previous = doc
        results = []
        for url in (systems.adapter.url, systems.erp.url):
            posted = _post(url, doc, f"compare-{uuid.uuid4()}")
            assert posted.status_code == 201, posted.text
            body = posted.json()
            entry = call(url, "GET", f"/journal-entries/{body['journalEntryId']}").json()
            payments = call(url, "GET", "/payments", invoiceId=number).json()["items"]
            entries = call(url, "GET", "/journal-entries", fiscalYear=body["fiscalYear"],
                           fiscalPeriod=body["fiscalPeriod"],
                           sourceDocumentId=number).json()["items"]
            assert [e["entryId"] for e in entries] == [body["journalEntryId"]]
            again = call(url, "GET", f"/invoice-postings/{body['postingId']}").json()
            assert again == body
            results.append(without_own_ids([body, entry, payments]))
        assert results[0] == results[1], number
        assert bool(results[0][2]) is not credit, "a payment is scheduled for invoices only"
    assert call(systems.adapter.url, "GET", "/invoice-postings/PST-1").status_code == 404
    assert call(systems.adapter.url, "GET", "/payments/VP-1").status_code == 404
    assert call(systems.adapter.url, "GET", "/journal-entries/JE-x").status_code == 404


# --- provider states and events -------------------------------------------------------------

@dataclass(frozen=True)
class Env:
    vendor_url: str
    adapter_url: str


def _sync(systems: Systems) -> list[str]:
    response = httpx.post(f"{systems.adapter.url}/__admin/actions/sync", json={})
    assert response.status_code == 200, response.text
    emitted: list[str] = response.json()["emitted"]
    return emitted


def _events(systems: Systems, ids: list[str]) -> list[dict[str, Any]]:
    """The emitted events as the jsonl sink received them (the relay delivers shortly)."""
    import time

    deadline = time.monotonic() + 10
    while True:
        found = {}
        if systems.events.exists():
            for line in systems.events.read_text().splitlines():
                event = json.loads(line)
                envelope = event.get("envelope", event)
                found[envelope["id"]] = envelope
        if all(i in found for i in ids) or time.monotonic() > deadline:
            return [found[i] for i in ids if i in found]
        time.sleep(0.05)


def test_provider_states_and_sync_events(systems: Systems) -> None:
    env = Env(systems.vendor.url, systems.adapter.url)
    _sync(systems)  # whatever earlier tests changed is not news below
    STATE_HANDLERS["a supplier has a status"]({"supplierNumber": "V-100001",
                                               "status": "blocked"}, env)
    status = call(systems.adapter.url, "GET", "/suppliers/V-100001/status").json()
    assert status["status"] == "blocked"
    STATE_HANDLERS["a supplier does not exist"]({"supplierNumber": "V-999999"}, env)
    factory = EventFactory.from_registry("test", REPO)
    emitted = _sync(systems)
    events = _events(systems, emitted)
    assert [e["type"] for e in events] == ["dev.ledgerpact.supplier.status-changed.v1"]
    assert events[0]["data"]["supplierNumber"] == "V-100001"
    assert events[0]["data"]["previousStatus"] == "active"
    STATE_HANDLERS["a supplier has a status"]({"supplierNumber": "V-100001",
                                               "status": "active"}, env)
    _sync(systems)
    doc = sample_invoice(systems)
    values = STATE_HANDLERS["a payment has a status"](
        {"idempotencyKey": f"state-{uuid.uuid4()}", "invoice": doc, "status": "settled"}, env)
    assert values is not None and values["postingId"].startswith("VB-")
    payment = call(systems.adapter.url, "GET", f"/payments/{values['paymentId']}").json()
    assert payment["status"] == "settled" and payment["valueDate"]
    emitted = _sync(systems)
    events = _events(systems, emitted)
    assert [e["type"] for e in events] == ["dev.ledgerpact.payment.released.v1",
                                           "dev.ledgerpact.payment.settled.v1",
                                           "dev.ledgerpact.invoice.paid.v1"]
    for event in events:
        assert factory.validate(event) == [], event
    assert events[0]["data"]["status"] == "released"
    assert _sync(systems) == []  # nothing new
    posted = STATE_HANDLERS["an invoice is posted"](
        {"idempotencyKey": f"state-{uuid.uuid4()}", "invoice": sample_invoice(systems)}, env)
    assert posted is not None and posted["paymentId"].startswith("VP-")
    failing = STATE_HANDLERS["a payment has a status"](
        {"idempotencyKey": f"state-{uuid.uuid4()}", "invoice": sample_invoice(systems),
         "status": "failed"}, env)
    assert failing is not None
    failed = call(systems.adapter.url, "GET", f"/payments/{failing['paymentId']}").json()
    assert failed["status"] == "failed" and failed["statusReason"] == {"code": "AC04"}
    kinds = [e["type"] for e in _events(systems, _sync(systems))]
    assert kinds == ["dev.ledgerpact.payment.released.v1", "dev.ledgerpact.payment.failed.v1"]


def test_posting_publishes_invoice_posted(systems: Systems) -> None:
    doc = sample_invoice(systems)
    posted = _post(systems.adapter.url, doc, f"events-{uuid.uuid4()}").json()
    factory = EventFactory.from_registry("test", REPO)
    import time

    wanted = ["dev.ledgerpact.invoice.posted.v1", "dev.ledgerpact.invoice.payment-scheduled.v1"]
    deadline = time.monotonic() + 10
    mine: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        lines = systems.events.read_text().splitlines() if systems.events.exists() else []
        envelopes = [json.loads(line) for line in lines]
        mine = [e.get("envelope", e) for e in envelopes]
        mine = [e for e in mine if e["data"].get("invoiceNumber") == doc["number"]]
        if len(mine) >= 2:
            break
        time.sleep(0.05)
    assert [e["type"] for e in mine] == wanted
    assert mine[0]["data"]["postingId"] == posted["postingId"]
    assert mine[0]["data"]["grossAmount"] == doc["totals"]["payableAmount"]
    assert mine[1]["data"]["amount"] == doc["totals"]["payableAmount"]
    for envelope in mine:
        assert factory.validate(envelope) == []


# --- broken variants ------------------------------------------------------------------------

def _variants() -> Any:
    spec = importlib.util.spec_from_file_location(
        "netsuite_variants", REPO / "tests/fixtures/netsuite/variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_broken_variants_differ_where_they_are_broken(systems: Systems) -> None:
    variants = _variants()
    blocked = call(systems.erp.url, "GET", "/suppliers", status="blocked").json()["items"][0]
    number = blocked["supplierNumber"]
    wrong = start_in_thread(variants.blocked_supplier_as_active(systems.vendor.url,
                                                                registry=REPO))
    try:
        assert call(wrong.url, "GET", f"/suppliers/{number}/status").json()["status"] == \
            "active"
    finally:
        wrong.stop()
    assert call(systems.adapter.url, "GET", f"/suppliers/{number}/status").json()[
        "status"] == "blocked"
    no_vat = start_in_thread(variants.drops_vat_breakdown(systems.vendor.url, registry=REPO))
    try:
        doc = sample_invoice(systems)
        posted = _post(no_vat.url, doc, f"variant-{uuid.uuid4()}").json()
        entry = call(no_vat.url, "GET", f"/journal-entries/{posted['journalEntryId']}").json()
        payment = call(no_vat.url, "GET", "/payments", invoiceId=doc["number"]).json()
    finally:
        no_vat.stop()
    assert not [line for line in entry["lines"] if line["glAccount"] == "154000"]
    assert payment["items"][0]["amount"] != doc["totals"]["payableAmount"]
    good = _post(systems.adapter.url, sample_invoice(systems), f"good-{uuid.uuid4()}").json()
    good_entry = call(systems.adapter.url, "GET",
                      f"/journal-entries/{good['journalEntryId']}").json()
    assert [line for line in good_entry["lines"] if line["glAccount"] == "154000"]


# --- Schemathesis: every erp-finance operation through the adapter --------------------------

def test_schemathesis_positive_data_gets_conformant_answers(systems: Systems) -> None:
    """Schemathesis' positive data (examples and generated valid requests) for every
    erp-finance operation, answered by the adapter from the vendor: every response conforms
    to erp-finance (status, content type, schema, headers), is never a 5xx, and the engine
    reports no violation of its own. Driven as tests/test_sim_schemathesis.py drives the
    simulators."""
    from tests.test_sim_schemathesis import (
        POSITIVE_CHECKS,
        data_config,
        load_schema,
        run_operations,
    )

    config = data_config("positive", coverage=False)
    config["generation"]["max-examples"] = min(config["generation"]["max-examples"], 6)
    schema = load_schema("erp-finance", config)
    failures, skipped = run_operations(schema, systems.adapter.url, POSITIVE_CHECKS)
    assert not failures, "\n\n".join(failures)
    assert len(skipped) < 3, skipped


# --- review defects (issue 8 review): races, lost events, blocking, reads, mapping --------

def _outbox(url: str, number: str | None = None) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/__admin/events", params={"limit": 100000})
    assert response.status_code == 200, response.text
    envelopes = [row["envelope"] for row in response.json()["items"]]
    if number is None:
        return envelopes
    return [e for e in envelopes if e["data"].get("invoiceNumber") == number]


def test_concurrent_postings_with_one_key_post_and_announce_once(systems: Systems) -> None:
    """The vendor decides what is new: of five concurrent requests under one key, one
    creates the bill and four are replays (201, Idempotent-Replayed, the same body), and
    invoicePosted is published once."""
    import asyncio

    doc = sample_invoice(systems)
    key = f"race-{uuid.uuid4()}"

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=systems.adapter.url, timeout=60) as client:
            return list(await asyncio.gather(*[
                client.post("/invoice-postings", content=jsonio.dumps(doc),
                            headers={**AUTH, "Idempotency-Key": key,
                                     "Content-Type": "application/json"})
                for _ in range(5)]))

    answers = asyncio.run(race())
    assert [r.status_code for r in answers] == [201] * 5, [r.text for r in answers]
    fresh = [r for r in answers if r.headers.get("idempotent-replayed") != "true"]
    assert len(fresh) == 1, [dict(r.headers) for r in answers]
    assert len({r.text for r in answers}) == 1
    bills = call(systems.vendor.url, "GET", f"{VENDOR_BASE}/vendorBill",
                 q=f'tranId IS "{doc["number"]}"').json()
    assert bills["totalResults"] == 1
    kinds = [e["type"] for e in _outbox(systems.adapter.url, doc["number"])]
    assert kinds.count("dev.ledgerpact.invoice.posted.v1") == 1, kinds
    assert kinds.count("dev.ledgerpact.invoice.payment-scheduled.v1") == 1, kinds


def test_a_retry_publishes_what_a_failed_read_left_out(systems: Systems) -> None:
    """The bill is booked but reading its journal entry fails (an injected vendor fault): no
    events yet. The client's retry is a replay and publishes them, once."""
    doc = sample_invoice(systems)
    key = f"lost-{uuid.uuid4()}"
    plan = {"rules": [{"id": "journal-down", "match": {"operationId": "getJournalEntry"},
                       "error": {"rate": 1.0, "statuses": [503]}}]}
    put = httpx.put(f"{systems.vendor.url}/__admin/faults", json=plan)
    assert put.status_code == 200, put.text
    try:
        failed = _post(systems.adapter.url, doc, key)
    finally:
        httpx.put(f"{systems.vendor.url}/__admin/faults", json={"rules": []})
    assert failed.status_code == 503, failed.text
    assert failed.json()["code"] == "ERP_UNAVAILABLE"
    assert _outbox(systems.adapter.url, doc["number"]) == []
    retry = _post(systems.adapter.url, doc, key)
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    kinds = [e["type"] for e in _outbox(systems.adapter.url, doc["number"])]
    assert kinds == ["dev.ledgerpact.invoice.posted.v1",
                     "dev.ledgerpact.invoice.payment-scheduled.v1"]
    assert _post(systems.adapter.url, doc, key).status_code == 201
    assert len(_outbox(systems.adapter.url, doc["number"])) == 2  # not again


def test_concurrent_syncs_publish_each_change_once(systems: Systems) -> None:
    import asyncio

    env = Env(systems.vendor.url, systems.adapter.url)
    _sync(systems)
    STATE_HANDLERS["a supplier has a status"]({"supplierNumber": "V-100002",
                                               "status": "blocked"}, env)
    try:
        async def syncs() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=systems.adapter.url, timeout=60) as client:
                return list(await asyncio.gather(*[
                    client.post("/__admin/actions/sync", json={}) for _ in range(4)]))

        answers = asyncio.run(syncs())
        assert [r.status_code for r in answers] == [200] * 4
        emitted = [i for r in answers for i in r.json()["emitted"]]
        assert len(emitted) == 1, emitted
        outbox = {e["id"]: e for e in _outbox(systems.adapter.url)}
        assert outbox[emitted[0]]["data"]["supplierNumber"] == "V-100002"
    finally:
        STATE_HANDLERS["a supplier has a status"]({"supplierNumber": "V-100002",
                                                   "status": "active"}, env)
        _sync(systems)


def test_a_silent_vendor_blocks_neither_build_nor_reset() -> None:
    """A vendor that accepts connections and never answers: the adapter still starts, and
    while /__admin/reset re-reads the baseline, the admin API keeps answering. The first
    sync (after the vendor is gone) answers instead of hanging."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    app = build_adapter(url, registry=REPO)
    running = start_in_thread(app)
    try:
        resetting = threading.Thread(
            target=lambda: httpx.post(f"{running.url}/__admin/reset", json={}, timeout=60),
            daemon=True)
        resetting.start()
        resetting.join(10)
        assert not resetting.is_alive(), "/__admin/reset waited for the silent vendor"
        assert httpx.get(f"{running.url}/__admin", timeout=10).status_code == 200
        assert not app.behaviour.baseline.future.done()  # still waiting for the vendor
        silent.close()  # queued connections are reset: the baseline gives up
        gone = httpx.post(f"{running.url}/__admin/actions/sync", json={}, timeout=60)
        assert gone.status_code == 503, gone.text
    finally:
        silent.close()
        running.stop()


def test_lookups_read_one_record_and_lists_are_capped(systems: Systems) -> None:
    import asyncio

    from ledgerpact.adapters.netsuite.client import TooManyRecords, VendorClient

    def vendor_calls() -> list[str]:
        journal = httpx.get(f"{systems.vendor.url}/__admin/journal",
                            params={"limit": 100000}).json()["items"]
        return [str(e.get("operationId")) for e in journal]

    _sync(systems)  # the start-up baseline (which reads whole lists) is done by now
    # single lookups read the records they name, not whole lists of master data
    for path, allowed in [("/cost-centres/CC-3900", set()),
                          ("/purchase-orders/4500012000", set()),
                          ("/purchase-orders/4500012000/goods-receipts", {"listItemReceipt"}),
                          ("/goods-receipts/5000081000", set()),
                          ("/invoice-postings/VB-12001", set())]:
        mark = len(vendor_calls())
        assert call(systems.adapter.url, "GET", path).status_code in (200, 404), path
        lists = {c for c in vendor_calls()[mark:] if c.startswith("list")}
        assert lists <= allowed, (path, lists)
    doc = sample_invoice(systems)
    key = f"reads-{uuid.uuid4()}"
    assert _post(systems.adapter.url, doc, key).status_code == 201
    mark = len(vendor_calls())
    assert _post(systems.adapter.url, doc, key).status_code == 201  # a replay
    lists = {c for c in vendor_calls()[mark:] if c.startswith("list")}
    assert lists <= {"listVendorBill"}, lists

    async def capped() -> None:
        async with VendorClient.open(systems.vendor.url) as http:
            await VendorClient(http).list_all("vendor", limit=3)

    with pytest.raises(TooManyRecords, match="at most 3 per request"):
        asyncio.run(capped())


def test_unknown_native_values_are_refused_not_guessed() -> None:
    tables = mapping.Tables()
    with pytest.raises(mapping.MappingError, match="entityStatus"):
        mapping.supplier_status({"id": "7", "entityStatus": {"id": "9"}}, tables)
    with pytest.raises(mapping.MappingError, match="currency"):
        mapping.currency_of({"id": "99", "refName": "XYZ"})
    with pytest.raises(mapping.MappingError, match="decimal places"):
        mapping.amount_text(Decimal("10.005"), "EUR", {"EUR": 2})
    assert mapping.amount_text(Decimal("10.500"), "EUR", {"EUR": 2}) == "10.50"
    with pytest.raises(mapping.MappingError, match="stage"):
        mapping.approval_state({"custbody_lp_wf_stage": "archived"})
    with pytest.raises(mapping.MappingError, match="externalId"):
        mapping.supplier({"id": "7", "entityId": "Acme", "companyName": "Acme",
                          "entityStatus": {"id": "2"}}, tables)
    with pytest.raises(mapping.MappingError, match="not read"):
        mapping.Book().supplier_number({"id": "7"})


def test_the_connection_pool_closes_with_the_app(systems: Systems) -> None:
    from ledgerpact.adapters.netsuite.client import VendorClient

    app = build_adapter(systems.vendor.url, registry=REPO)
    running = start_in_thread(app)
    try:
        assert call(running.url, "GET", "/suppliers/V-100001").status_code == 200
        assert app.behaviour.connection.is_open
    finally:
        running.stop()
    assert not app.behaviour.connection.is_open
    assert not hasattr(VendorClient, "_pools")


def test_the_adapter_does_not_import_the_simulator_it_calls() -> None:
    for source in (REPO / "adapters/netsuite").glob("*.py"):
        text = source.read_text()
        assert "behaviours.netsuite" not in text and "behaviours import netsuite" not in text, \
            source.name
