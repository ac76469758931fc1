"""The SAP S/4HANA reference adapter of erp-finance, against its vendor simulator (issue 8, 2).

Everything runs on 127.0.0.1 threads: the vendor simulator (``sap-s4hana``, seed 1), the
adapter over it, and the canonical ERP simulator (``erp``, seed 1) as the reference. The
same business calls through the adapter and the canonical ERP must give the same canonical
answers for lookups and the same validation findings; posting idempotency must travel
through the vendor's own repeatability headers; mapping tables must be total; provider
states, the ``sync`` events, the broken variants and Schemathesis (positive data, response
conformance) are exercised here too.
"""

from __future__ import annotations

import copy
import importlib.util
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.adapters.sap_s4hana import mapping, service, states
from ledgerpact.generators.simulators.events import EventFactory
from ledgerpact.generators.simulators.server import Background, build, start_in_thread

REPO = Path(__file__).resolve().parents[1]


def _load_variants() -> Any:
    """The broken builds, loaded by path under a name of their own (the NetSuite adapter's
    fixtures have a module of the same file name)."""
    path = REPO / "tests" / "fixtures" / "sap_s4hana" / "variants.py"
    spec = importlib.util.spec_from_file_location("sap_s4hana_variants", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


variants = _load_variants()

AUTH = {"Authorization": "Bearer test"}
VENDOR_AUTH = ("QA_USER", "secret")
_keys = itertools.count(1)


def new_key() -> str:
    return f"sap-adapter-test-{next(_keys):06d}-{time.time_ns()}"


@dataclass
class World:
    vendor: Background
    adapter: Background
    erp: Background
    events_file: Path

    def a(self) -> httpx.Client:
        return httpx.Client(base_url=self.adapter.url, headers=AUTH, timeout=60,
                            trust_env=False, event_hooks={"response": [_conforms]})

    def e(self) -> httpx.Client:
        return httpx.Client(base_url=self.erp.url, headers=AUTH, timeout=60, trust_env=False)

    def env(self) -> Any:
        @dataclass(frozen=True)
        class Env:
            vendor_url: str
            adapter_url: str

        return Env(self.vendor.url, self.adapter.url)


def _conforms(response: httpx.Response) -> None:
    """The engine checks every adapter answer against erp-finance."""
    assert "x-simulator-violation" not in response.headers, \
        f"{response.request.url}: {response.headers['x-simulator-violation']}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    events_file = tmp_path_factory.mktemp("sap-adapter") / "events.jsonl"
    vendor = build("sap-s4hana", in_memory=True, registry=REPO)
    vendor_bg = start_in_thread(vendor.app)
    adapter_bg = start_in_thread(service.build(vendor_bg.url, registry=REPO,
                                               events=[f"jsonl:{events_file}"]))
    erp = build("erp", in_memory=True, registry=REPO)
    erp_bg = start_in_thread(erp.app)
    try:
        yield World(vendor_bg, adapter_bg, erp_bg, events_file)
    finally:
        for bg in (adapter_bg, vendor_bg, erp_bg):
            bg.stop()
        vendor.close()
        erp.close()


def sample_invoice(world: World, **body: Any) -> dict[str, Any]:
    """A clean canonical invoice from the canonical ERP's QA action (same seeded world)."""
    with world.e() as e:
        response = e.post("/__admin/actions/sample-invoice", json=body)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = response.json()
    return invoice


# --- lookups: the same canonical answers as the canonical ERP --------------------------------

LOOKUPS = [
    ("/suppliers", {"limit": 100}), ("/suppliers", {"status": "blocked"}),
    ("/suppliers", {"countryCode": "JP"}), ("/suppliers", {"name": "ab"}),
    ("/suppliers/V-100001", None), ("/suppliers/V-100007", None),
    ("/suppliers/V-100007/status", None),
    ("/purchase-orders", {"limit": 100}), ("/purchase-orders", {"supplierNumber": "V-100003"}),
    ("/purchase-orders", {"status": "closed", "limit": 5}),
    ("/purchase-orders/4500012000", None), ("/purchase-orders/4500012010", None),
    ("/purchase-orders/4500012000/goods-receipts", None),
    ("/goods-receipts/5000081000", None),
    ("/cost-centres", {"limit": 100}), ("/cost-centres/CC-3900", None),
    ("/cost-centres/CC-5300", None),
    ("/gl-accounts", {"limit": 100}), ("/gl-accounts", {"type": "expense"}),
    ("/gl-accounts/479000", None), ("/gl-accounts/489000", None),
    ("/tax-codes", {"limit": 200}), ("/tax-codes", {"countryCode": "CH", "direction": "input"}),
    ("/tax-codes/DE-V1", None), ("/tax-codes/NL-V3", None), ("/tax-codes/BH-V1", None),
]


def test_lookups_answer_what_the_canonical_erp_answers(world: World) -> None:
    with world.a() as a, world.e() as e:
        for path, params in LOOKUPS:
            ours, reference = a.get(path, params=params), e.get(path, params=params)
            assert ours.status_code == reference.status_code == 200, (path, ours.text)
            assert ours.json() == reference.json(), path
        # cursor pages line up too (the cursor encodes the same keys)
        ours = a.get("/suppliers", params={"limit": 7}).json()
        reference = e.get("/suppliers", params={"limit": 7}).json()
        assert ours == reference and ours["nextCursor"]
        assert a.get("/suppliers", params={"limit": 7, "cursor": ours["nextCursor"]}).json() == \
            e.get("/suppliers", params={"limit": 7, "cursor": ours["nextCursor"]}).json()
        # every supplier, and every purchase order's goods receipts
        for supplier in e.get("/suppliers", params={"limit": 100}).json()["items"][::4]:
            number = supplier["supplierNumber"]
            assert a.get(f"/suppliers/{number}/status").json() == \
                e.get(f"/suppliers/{number}/status").json()
        for po in e.get("/purchase-orders", params={"limit": 100}).json()["items"][::10]:
            path = f"/purchase-orders/{po['poNumber']}/goods-receipts"
            assert a.get(path).json() == e.get(path).json()


def test_search_matches_canonical(world: World) -> None:
    with world.a() as a, world.e() as e:
        supplier = e.get("/suppliers/V-100004").json()
        for body in ({"taxRegistration": supplier["taxRegistrations"][0]},
                     {"iban": supplier["bankAccounts"][0].get("iban", "DE00")},
                     {"accountId": "nope"}):
            assert a.post("/supplier-searches", json=body).json() == \
                e.post("/supplier-searches", json=body).json()
        assert a.post("/supplier-searches", json={"iban": "x"}).status_code in (400, 422)


def test_unknown_ids_are_problems_that_keep_the_vendor_code(world: World) -> None:
    with world.a() as a, world.e() as e:
        for path, code in (("/suppliers/V-999999", "SUPPLIER_NOT_FOUND"),
                           ("/suppliers/V-0100001", "SUPPLIER_NOT_FOUND"),
                           ("/purchase-orders/450001200", "PURCHASE_ORDER_NOT_FOUND"),
                           ("/purchase-orders/4599999999", "PURCHASE_ORDER_NOT_FOUND"),
                           ("/tax-codes/DE-Q9", "TAX_CODE_NOT_FOUND"),
                           ("/cost-centres/CC-9999", "COST_CENTRE_NOT_FOUND"),
                           ("/payments/PAY-2024-999999", "PAYMENT_NOT_FOUND"),
                           ("/invoice-postings/PST-2024-999999", "POSTING_NOT_FOUND"),
                           ("/journal-entries/JE-2024-9999999", "JOURNAL_ENTRY_NOT_FOUND")):
            ours, reference = a.get(path), e.get(path)
            assert ours.status_code == reference.status_code == 404, path
            assert ours.headers["content-type"].startswith("application/problem+json")
            body, expected = ours.json(), reference.json()
            assert body["code"] == expected["code"] == code, path
            assert {k: v for k, v in body.items() if k != "vendorError"} == expected, path
        vendor = a.get("/suppliers/V-999999").json()["vendorError"]
        assert vendor["system"] == "sap-s4" and vendor["status"] == 404 and vendor["code"]


# --- validation: the same findings as the canonical ERP ------------------------------------------

def broken_invoices(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for change in (
        lambda d: d,
        lambda d: d.update(currency="USD"),
        lambda d: d.update(seller={"name": "Nobody Ltd"}),
        lambda d: d.update(orderReference={"id": "4599999999"}),
        lambda d: d["lines"][0].update(costCentre="CC-3900"),
        lambda d: d["lines"][0].update(costCentre="CC-0001"),
        lambda d: d["lines"][0]["vat"].update(rate="3"),
        lambda d: d["lines"][0].update(accountingCost="479000"),
        lambda d: d["vatBreakdown"][0]["taxAmount"].update(amount="0.01"),
        lambda d: d["lines"][0]["purchaseOrderLineRef"].update(lineId="999"),
        lambda d: d.update(goodsReceiptReference="5000089999"),
        lambda d: d.update(issueDate="2015-06-30"),
    ):
        doc = copy.deepcopy(invoice)
        change(doc)
        out.append(doc)
    return out


def test_validation_findings_match_the_canonical_erp(world: World) -> None:
    invoice = sample_invoice(world)
    seen_codes: set[str] = set()
    with world.a() as a, world.e() as e:
        for doc in broken_invoices(invoice):
            ours = a.post("/invoice-validations", json=doc)
            reference = e.post("/invoice-validations", json=doc)
            assert ours.status_code == reference.status_code == 200, ours.text
            assert ours.json()["findings"] == reference.json()["findings"], doc
            assert ours.json()["valid"] == reference.json()["valid"]
            seen_codes |= {f["code"] for f in ours.json()["findings"]}
    assert {"CURRENCY_MISMATCH", "SUPPLIER_UNKNOWN", "PURCHASE_ORDER_NOT_FOUND",
            "COST_CENTRE_CLOSED", "COST_CENTRE_UNKNOWN", "GL_ACCOUNT_CLOSED",
            "TAX_AMOUNT_MISMATCH"} <= seen_codes


def test_blocked_supplier_is_found_by_validation_like_the_canonical_erp(world: World) -> None:
    with world.e() as e:
        blocked = e.get("/suppliers", params={"status": "blocked"}).json()["items"][0]
    doc = sample_invoice(world)
    doc["seller"] = {k: blocked[k] for k in ("name", "taxRegistrations", "postalAddress")}
    with world.a() as a, world.e() as e:
        ours = a.post("/invoice-validations", json=doc).json()["findings"]
        assert ours == e.post("/invoice-validations", json=doc).json()["findings"]
    assert "SUPPLIER_BLOCKED" in {f["code"] for f in ours}


# --- posting ---------------------------------------------------------------------------------

def vendor_requests(world: World, operation: str) -> list[dict[str, Any]]:
    journal = httpx.get(f"{world.vendor.url}/__admin/journal", trust_env=False,
                        params={"limit": 1000}).json()
    return [item for item in journal["items"] if item.get("operationId") == operation]


def test_posting_is_idempotent_through_the_vendors_repeatability(world: World) -> None:
    invoice = sample_invoice(world)
    key = new_key()
    with world.a() as a:
        first = a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
        assert first.status_code == 201, first.text
        posting = first.json()
        assert posting["status"] == "posted" and posting["documentNumber"] == invoice["number"]
        assert first.headers["location"].endswith(f"/invoice-postings/{posting['postingId']}")
        assert "idempotent-replayed" not in first.headers
        replay = a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
        assert replay.status_code == 201 and replay.json() == posting
        assert replay.headers["idempotent-replayed"] == "true"
        changed = copy.deepcopy(invoice)
        changed["dueDate"] = "2031-01-31"
        reused = a.post("/invoice-postings", json=changed, headers={"Idempotency-Key": key})
        assert reused.status_code == 409 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert "REPEATABILITY" in reused.json()["vendorError"]["code"]
        duplicate = a.post("/invoice-postings", json=invoice,
                           headers={"Idempotency-Key": new_key()})
        assert duplicate.status_code == 409 and duplicate.json()["code"] == "DUPLICATE_INVOICE"
        assert a.get(f"/invoice-postings/{posting['postingId']}").json() == posting
        entry = a.get(f"/journal-entries/{posting['journalEntryId']}").json()
    sent = [r for r in vendor_requests(world, "createSupplierInvoice")
            if r["requestHeaders"].get("repeatability-request-id") == key]
    assert len(sent) >= 3  # first, replay, conflicting reuse: all under the canonical key
    assert all(r["requestHeaders"].get("repeatability-first-sent") for r in sent)
    # the journal entry balances, and its VAT lines carry the canonical tax codes
    debit = sum(float(ln["amount"]["amount"]) for ln in entry["lines"] if ln["side"] == "debit")
    credit = sum(float(ln["amount"]["amount"]) for ln in entry["lines"]
                 if ln["side"] == "credit")
    assert round(debit - credit, 6) == 0
    assert any(ln["glAccount"] == "154000" and ln.get("taxCode") for ln in entry["lines"])


def test_posting_gives_the_canonical_journal_and_payment(world: World) -> None:
    """Ids aside (each system numbers its own), the adapter posts what the canonical ERP
    posts: same journal lines, same payment (amount, dates, parties)."""
    invoice = sample_invoice(world)
    with world.a() as a, world.e() as e:
        ours = a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": new_key()})
        theirs = e.post("/invoice-postings", json=invoice,
                        headers={"Idempotency-Key": new_key()})
        assert ours.status_code == theirs.status_code == 201
        our_entry = a.get(f"/journal-entries/{ours.json()['journalEntryId']}").json()
        their_entry = e.get(f"/journal-entries/{theirs.json()['journalEntryId']}").json()
        assert {k: v for k, v in our_entry.items() if k != "entryId"} == \
            {k: v for k, v in their_entry.items() if k != "entryId"}
        our_pay = a.get("/payments", params={"invoiceId": invoice["number"]}).json()["items"]
        their_pay = e.get("/payments", params={"invoiceId": invoice["number"]}).json()["items"]
        ignore = {"paymentId", "instructionId", "uetr", "statusHistory"}
        assert len(our_pay) == len(their_pay) == 1
        assert {k: v for k, v in our_pay[0].items() if k not in ignore} == \
            {k: v for k, v in their_pay[0].items() if k not in ignore}
        period = {"fiscalYear": our_entry["postingPeriod"]["fiscalYear"],
                  "fiscalPeriod": our_entry["postingPeriod"]["period"],
                  "sourceDocumentId": invoice["number"]}
        listed = a.get("/journal-entries", params=period).json()["items"]
        assert [x["entryId"] for x in listed] == [our_entry["entryId"]]


def test_invalid_posting_is_refused_like_the_canonical_erp(world: World) -> None:
    doc = sample_invoice(world)
    doc["lines"][0]["costCentre"] = "CC-3900"
    with world.a() as a, world.e() as e:
        ours = a.post("/invoice-postings", json=doc, headers={"Idempotency-Key": new_key()})
        theirs = e.post("/invoice-postings", json=doc, headers={"Idempotency-Key": new_key()})
    assert ours.status_code == theirs.status_code == 422
    assert ours.json()["errors"] == theirs.json()["errors"]


# --- mapping tables are total ----------------------------------------------------------------

def _schema(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "contracts" / "schemas" / path).read_text())
    return loaded


def _native_enum(schema: str, field: str) -> set[str]:
    import yaml

    document = yaml.safe_load((REPO / "contracts" / "sap-s4hana-odata" / "openapi.yaml")
                              .read_text())
    return set(document["components"]["schemas"][schema]["properties"][field]["enum"])


def test_mapping_tables_are_total_over_the_native_contracts_enums() -> None:
    """Each native status table covers exactly the codes the vendor contract declares
    (read from the contract, not from the tables themselves)."""
    invoice_codes = _native_enum("SupplierInvoice", "SupplierInvoiceStatus")
    assert set(mapping.NATIVE_INVOICE_STATUS) == invoice_codes
    assert set(mapping.POSTING_STATUS) == invoice_codes
    assert set(mapping.INVOICE_STATUS.values()) <= invoice_codes
    assert set(mapping.NATIVE_PAYMENT_STATUS) == _native_enum("SupplierPayment",
                                                              "PaymentRunStatus")
    assert set(mapping.PO_STATUS) == _native_enum("PurchaseOrder", "PurchasingProcessingStatus")


def test_mapping_tables_are_total_both_ways() -> None:
    approval = _schema("approval-state/approval-state.schema.json")["$defs"]["State"]["enum"]
    assert set(mapping.INVOICE_STATUS) == set(approval)
    for state in approval:  # canonical -> native -> canonical
        assert mapping.NATIVE_INVOICE_STATUS[mapping.INVOICE_STATUS[state]] == state
    for code in mapping.NATIVE_INVOICE_STATUS:  # every native code has a canonical state
        assert mapping.NATIVE_INVOICE_STATUS[code] in approval
        assert mapping.POSTING_STATUS[code] in {"posted", "parked", "reversed"}
    assert set(mapping.POSTING_STATUS) == set(mapping.NATIVE_INVOICE_STATUS)

    statuses = _schema("supplier/supplier.schema.json")["properties"]["status"]["enum"]
    mapper = mapping.Mapper()
    assert set(mapping.SUPPLIER_FLAGS) == set(statuses)
    for status in statuses:
        posting, payment, not_released = mapping.SUPPLIER_FLAGS[status]
        native = {"PostingIsBlocked": posting, "PaymentIsBlocked": payment,
                  "SupplierIsNotReleased": not_released}
        assert mapper.supplier_status(native) == status
    for flags in itertools.product([False, True], repeat=3):  # every native combination
        native = dict(zip(("PostingIsBlocked", "PaymentIsBlocked", "SupplierIsNotReleased"),
                          flags, strict=True))
        assert mapper.supplier_status(native) in statuses

    payment_states = _schema("payment/payment.schema.json")["properties"]["status"]["enum"]
    assert set(mapping.PAYMENT_STATUS) == set(payment_states)
    assert {mapping.NATIVE_PAYMENT_STATUS[mapping.PAYMENT_STATUS[s]] for s in payment_states} \
        == set(payment_states)
    categories = _schema("reference-data/reference-data.schema.json")["$defs"]["TaxCode"][
        "properties"]["category"]["enum"]
    for category in categories:
        assert mapping.NATIVE_TAX_CATEGORY[mapping.TAX_CATEGORY[category]] == category


def test_ids_money_and_dates_round_trip() -> None:
    assert mapping.supplier_key("V-100001") == "0000100001"
    assert mapping.supplier_number("0000100001") == "V-100001"
    assert mapping.supplier_key("100001") is None
    assert mapping.native_number("PST-2026-000042", "PST", "51") == ("5100000042", "2026")
    assert mapping.numbered("PST", "2026", "5100000042", 6) == "PST-2026-000042"
    assert mapping.rate("19.000") == "19" and mapping.rate("5.500") == "5.5"
    assert mapping.rate("20.000") == "20" and mapping.rate("0.000") == "0"
    assert mapping.money("1234.50", "EUR") == {"amount": "1234.50", "currency": "EUR"}
    assert mapping.money("1500", "JPY")["amount"] == "1500"
    assert mapping.day(mapping.odata_date("2024-02-29")) == "2024-02-29"
    assert mapping.instant("/Date(1700000000000)/") == "2023-11-14T22:13:20Z"
    with pytest.raises(mapping.MappingError):
        mapping.lookup(mapping.PO_STATUS, "77", "processing status")


# --- provider states and sync events ---------------------------------------------------------

def adapter_events(world: World, after: int = 0) -> list[dict[str, Any]]:
    body = httpx.get(f"{world.adapter.url}/__admin/events", params={"after": after},
                     trust_env=False).json()
    items: list[dict[str, Any]] = body["items"]
    return items


def test_state_handlers_and_sync_events(world: World) -> None:
    env = world.env()
    handlers = states.STATE_HANDLERS
    assert set(handlers) == {"a supplier has a status", "a supplier does not exist",
                             "an invoice is posted", "a payment has a status"}
    factory = EventFactory.from_registry("test", REPO)
    with world.a() as a:
        before = len(adapter_events(world))
        handlers["a supplier has a status"]({"supplierNumber": "V-100002", "status": "blocked"},
                                            env)
        assert a.get("/suppliers/V-100002/status").json()["status"] == "blocked"
        handlers["a supplier has a status"]({"supplierNumber": "V-100002", "status": "pending"},
                                            env)
        assert a.get("/suppliers/V-100002/status").json()["status"] == "pending"
        handlers["a supplier has a status"]({"supplierNumber": "V-100002", "status": "active"},
                                            env)
        assert a.get("/suppliers/V-100002").json()["status"] == "active"
        assert handlers["a supplier does not exist"]({"supplierNumber": "V-999999"}, env) is None
        with pytest.raises(states.StateError):  # the vendor cannot delete a business partner
            handlers["a supplier does not exist"]({"supplierNumber": "V-100001"}, env)
        with pytest.raises(states.StateError):
            handlers["a supplier has a status"]({"supplierNumber": "X", "status": "active"}, env)

        invoice = sample_invoice(world)
        key = new_key()
        posted = handlers["an invoice is posted"]({"idempotencyKey": key, "invoice": invoice},
                                                  env)
        again = handlers["an invoice is posted"]({"idempotencyKey": key, "invoice": invoice},
                                                 env)
        assert posted == again and posted["postingId"] and posted["paymentId"]
        settled = handlers["a payment has a status"](
            {"idempotencyKey": key, "invoice": invoice, "status": "settled"}, env)
        assert settled["paymentId"] == posted["paymentId"]
        assert a.get(f"/payments/{settled['paymentId']}").json()["status"] == "settled"

        failing = sample_invoice(world)
        failed = handlers["a payment has a status"](
            {"idempotencyKey": new_key(), "invoice": failing, "status": "failed"}, env)
        payment = a.get(f"/payments/{failed['paymentId']}").json()
        assert payment["status"] == "failed" and payment["statusReason"]["code"]

        emitted = a.post("/__admin/actions/sync", json={}).json()["emitted"]
        assert a.post("/__admin/actions/sync", json={}).json()["emitted"] == []  # nothing new
    events = {e["envelope"]["id"]: e["envelope"] for e in adapter_events(world)}
    assert set(emitted) <= set(events)
    synced = [events[i] for i in emitted]
    kinds = [e["type"] for e in synced]
    names = [factory.message_for_type(k).name for k in kinds]  # type: ignore[union-attr]
    assert names.count("paymentReleased") == 2 and "paymentSettled" in names
    assert "paymentFailed" in names and "invoicePaid" in names
    # arranging supplier states emitted nothing; this sync announces every transition, in
    # order, from the vendor's change documents (none merged into the latest state)
    assert names.count("supplierStatusChanged") == 3
    supplier_changes = [
        (e["data"]["previousStatus"], e["data"]["status"]) for e in events.values()
        if factory.message_for_type(e["type"]).name == "supplierStatusChanged"  # type: ignore
        and e["data"]["supplierNumber"] == "V-100002"]
    assert supplier_changes[-3:] == [("active", "blocked"), ("blocked", "pending"),
                                     ("pending", "active")]
    for envelope in events.values():
        assert factory.validate(envelope) == [], envelope
    posted_names = [factory.message_for_type(e["envelope"]["type"]).name  # type: ignore
                    for e in adapter_events(world)[before:]]
    assert "invoicePosted" in posted_names and "invoicePaymentScheduled" in posted_names
    # the relay delivers them to the jsonl sink given to service.build
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = world.events_file.read_text().splitlines() if world.events_file.exists() else []
        if {json.loads(line)["id"] for line in lines} >= set(emitted):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the sync events never reached the jsonl sink")


def test_sync_reports_supplier_status_changes(world: World) -> None:
    with world.a() as a:
        a.post("/__admin/actions/sync", json={})
        blocked = httpx.post(f"{world.vendor.url}/__admin/actions/set-supplier-status",
                             trust_env=False,
                             json={"Supplier": "0000100005", "PostingIsBlocked": True,
                                   "PaymentIsBlocked": True,
                                   "SupplierBlockReasonText": "Sanctions screening hit."})
        assert blocked.status_code == 200
        emitted = a.post("/__admin/actions/sync", json={}).json()["emitted"]
    events = {e["envelope"]["id"]: e["envelope"] for e in adapter_events(world)}
    changed = [events[i]["data"] for i in emitted]
    assert [c["supplierNumber"] for c in changed] == ["V-100005"]
    assert changed[0]["status"] == "blocked" and changed[0]["previousStatus"] != "blocked"
    assert changed[0]["reason"] == "Sanctions screening hit."
    # arranging a provider state emits nothing by itself; the next sync announces it
    before = len(adapter_events(world))
    states.STATE_HANDLERS["a supplier has a status"](
        {"supplierNumber": "V-100005", "status": changed[0]["previousStatus"]}, world.env())
    assert adapter_events(world)[before:] == []
    states.STATE_HANDLERS["a supplier has a status"](
        {"supplierNumber": "V-100005", "status": "blocked"}, world.env())
    with world.a() as a:
        emitted = a.post("/__admin/actions/sync", json={}).json()["emitted"]
    events = {e["envelope"]["id"]: e["envelope"] for e in adapter_events(world)}
    assert [(events[i]["data"]["supplierNumber"], events[i]["data"]["previousStatus"],
             events[i]["data"]["status"]) for i in emitted] == [
        ("V-100005", "blocked", changed[0]["previousStatus"]),
        ("V-100005", changed[0]["previousStatus"], "blocked")]


# --- broken variants -------------------------------------------------------------------------

def test_broken_variants_differ_where_they_should(world: World) -> None:
    invoice = sample_invoice(world)
    drops = start_in_thread(variants.drops_vat_breakdown(world.vendor.url, registry=REPO))
    blind = start_in_thread(variants.blocked_supplier_as_active(world.vendor.url,
                                                                registry=REPO))
    try:
        with world.a() as a:
            posting = a.post("/invoice-postings", json=invoice,
                             headers={"Idempotency-Key": new_key()}).json()
            good = a.get(f"/journal-entries/{posting['journalEntryId']}").json()
            blocked = a.get("/suppliers", params={"status": "blocked"}).json()["items"][0]
        bad = httpx.get(f"{drops.url}/journal-entries/{posting['journalEntryId']}",
                        headers=AUTH, trust_env=False).json()
        assert any(ln["glAccount"] == "154000" for ln in good["lines"])
        assert not any(ln["glAccount"] == "154000" for ln in bad["lines"])
        shown = httpx.get(f"{blind.url}/suppliers/{blocked['supplierNumber']}/status",
                          headers=AUTH, trust_env=False).json()
        assert shown["status"] == "active"
    finally:
        drops.stop()
        blind.stop()


# --- Schemathesis: positive data, response conformance --------------------------------------

def test_schemathesis_positive_data_conforms(world: World) -> None:
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from ledgerpact.governance.verify.properties import run_operations
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.catalog import find_entry
    from ledgerpact.registry.cli_support import open_registry

    def no_self_reported_violation(ctx: Any, response: Any, case: Any) -> None:
        flagged = response.headers.get("x-simulator-violation")
        if flagged:
            raise AssertionError(f"the adapter's answer violates erp-finance: {flagged[0]}")

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance, response_headers_conformance,
              no_self_reported_violation]
    ws = open_registry(REPO).workspace()
    entry = find_entry(ws, "erp-finance")
    assert entry is not None
    config = {"headers": AUTH, "seed": 20261124, "suppress-health-check": ["all"],
              "generation": {"mode": "positive", "max-examples": 6, "database": "none",
                             "allow-extra-parameters": False},
              "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
                         "coverage": {"enabled": False}, "stateful": {"enabled": False}}}
    schema = schemathesis.openapi.from_dict(bundle(ws, entry.document_path).document,
                                            config=schemathesis.Config.from_dict(config))
    run = run_operations(schema, world.adapter.url, checks)
    assert len(run.operations) >= 21
    assert not run.failures, "\n\n".join(run.failures)


def test_every_erp_finance_operation_is_routed_to_the_vendor() -> None:
    from ledgerpact.adapters.sap_s4hana.behaviour import SapAdapterBehaviour
    from ledgerpact.generators.simulators.server import load_contract

    contract, _ = load_contract("erp-finance", REPO)
    operations = set(contract.operations)
    assert operations and operations == set(SapAdapterBehaviour("http://127.0.0.1:9")._routes)


def test_an_unreachable_vendor_is_a_problem_never_made_up_data() -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = start_in_thread(service.build(f"http://127.0.0.1:{port}", registry=REPO))
    try:
        for path in ("/suppliers/V-100001", "/tax-codes", "/purchase-orders/4500012000"):
            response = httpx.get(f"{adapter.url}{path}", headers=AUTH, trust_env=False)
            # erp-finance declares 503 for an unavailable ERP (502 is not declared)
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "ERP_UNAVAILABLE"
            assert "127.0.0.1" not in response.json()["detail"]  # vendor detail kept apart
            assert "x-simulator-violation" not in response.headers
        sync = httpx.post(f"{adapter.url}/__admin/actions/sync", json={}, trust_env=False)
        assert sync.status_code == 503
    finally:
        adapter.stop()


def test_concurrent_retries_post_once(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    invoice = sample_invoice(world)
    key = new_key()

    def post(_: int) -> httpx.Response:
        with world.a() as a:
            return a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, range(4)))
    assert {r.status_code for r in answers} <= {201, 409}
    created = [r.json() for r in answers if r.status_code == 201]
    assert created and all(c == created[0] for c in created)
    assert all(r.json()["code"] == "IDEMPOTENCY_KEY_IN_FLIGHT"
               for r in answers if r.status_code == 409)
    natives = httpx.get(f"{world.vendor.url}/sap/opu/odata/sap/API_SUPPLIERINVOICE_PROCESS_SRV/"
                        "A_SupplierInvoice", auth=VENDOR_AUTH, trust_env=False, params={
                            "$filter": f"SupplierInvoiceIDByInvcgParty eq '{invoice['number']}'"})
    assert len(natives.json()["d"]["results"]) == 1


def test_credit_notes_and_due_dates_post_like_the_canonical_erp(world: World) -> None:
    invoice = sample_invoice(world)
    credit_note = {**invoice, "typeCode": "381", "number": f"CN-{invoice['number']}"}
    with_due_date = {**invoice, "number": f"DUE-{invoice['number']}", "dueDate": "2031-01-31"}
    with world.a() as a, world.e() as e:
        # the credit note credits the invoice posted first: no more than was invoiced
        for doc in (invoice, credit_note, with_due_date):
            ours = a.post("/invoice-postings", json=doc, headers={"Idempotency-Key": new_key()})
            theirs = e.post("/invoice-postings", json=doc,
                            headers={"Idempotency-Key": new_key()})
            assert ours.status_code == theirs.status_code == 201, ours.text
            our_entry = a.get(f"/journal-entries/{ours.json()['journalEntryId']}").json()
            their_entry = e.get(f"/journal-entries/{theirs.json()['journalEntryId']}").json()
            assert our_entry["lines"] == their_entry["lines"]
            assert our_entry["source"] == their_entry["source"]
            our_pay = a.get("/payments", params={"invoiceId": doc["number"]}).json()["items"]
            their_pay = e.get("/payments", params={"invoiceId": doc["number"]}).json()["items"]
            assert [p["requestedExecutionDate"] for p in our_pay] == \
                [p["requestedExecutionDate"] for p in their_pay]
    assert our_pay and our_pay[0]["requestedExecutionDate"] == "2031-01-31"


def test_a_native_value_the_tables_do_not_know_is_refused_not_guessed() -> None:
    vendor = build("sap-s4hana", in_memory=True, registry=REPO)
    record = vendor.app.store.get("A_Supplier", "0000100001")
    assert record is not None
    record["PaymentMethodsList"] = "Q"  # a payment method the mapping has no code for
    vendor.app.store.put("A_Supplier", "0000100001", record)
    vendor_bg = start_in_thread(vendor.app)
    adapter = start_in_thread(service.build(vendor_bg.url, registry=REPO))
    try:
        response = httpx.get(f"{adapter.url}/suppliers/V-100001", headers=AUTH, trust_env=False)
        assert response.status_code == 500
        assert response.json()["code"] == "VENDOR_RESPONSE_UNMAPPED"
        assert "payment method" in response.json()["vendorError"]["message"]
        assert "x-simulator-violation" not in response.headers
    finally:
        adapter.stop()
        vendor_bg.stop()
        vendor.close()


# --- regression tests of the adversarial review (issue 8) ------------------------------------

def _adapter(vendor_url: str, **kwargs: Any) -> tuple[Any, Background]:
    app = service.build(vendor_url, registry=REPO, **kwargs)
    return app, start_in_thread(app)


def test_a_reused_key_with_an_invalid_body_is_a_conflict_not_a_validation_error(
        world: World) -> None:
    invoice = sample_invoice(world)
    key = new_key()
    with world.a() as a:
        assert a.post("/invoice-postings", json=invoice,
                      headers={"Idempotency-Key": key}).status_code == 201
        invalid = copy.deepcopy(invoice)
        invalid["seller"]["taxRegistrations"] = [{"id": "XX000", "scheme": "VAT"}]
        invalid["orderReference"]["id"] = "4599999999"
        reused = a.post("/invoice-postings", json=invalid, headers={"Idempotency-Key": key})
        assert reused.status_code == 409, reused.text
        assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
        # a fresh key with the same invalid body is the validation error it is
        fresh = a.post("/invoice-postings", json=invalid,
                       headers={"Idempotency-Key": new_key()})
        assert fresh.status_code == 422


def test_a_reused_key_with_a_change_the_vendor_does_not_see_is_a_conflict(
        world: World) -> None:
    """The vendor's repeatability check compares the native body, which has no buyer or
    item names: it replays. The canonical key was still used for another request: 409,
    as the canonical ERP answers, and the first posting stays what the key replays."""
    invoice = sample_invoice(world)
    changed = copy.deepcopy(invoice)
    changed["buyer"]["name"] += " (changed)"
    changed["lines"][0]["item"]["name"] = "Another item"
    for client in (world.a, world.e):
        key = new_key()
        with client() as c:
            first = c.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
            assert first.status_code == 201, first.text
            reused = c.post("/invoice-postings", json=changed, headers={"Idempotency-Key": key})
            assert reused.status_code == 409, reused.text
            assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
            replay = c.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
            assert replay.status_code == 201 and replay.json() == first.json()


def test_filter_values_with_and_and_quotes_reach_the_vendor_intact(world: World) -> None:
    invoice = sample_invoice(world)
    invoice["number"] = f"O'Neil and Sons {new_key()[-8:]}"
    with world.a() as a, world.e() as e:
        ours = a.post("/invoice-validations", json=invoice)
        theirs = e.post("/invoice-validations", json=invoice)
    assert ours.status_code == theirs.status_code == 200, ours.text
    assert ours.json()["findings"] == theirs.json()["findings"]


def test_building_or_resetting_the_adapter_does_not_call_the_vendor() -> None:
    """A vendor that accepts connections and never answers must not freeze build(): the
    sync watermark is taken on the first request, not inside the reset."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        silent.setblocking(False)
        app = service.build(f"http://127.0.0.1:{silent.getsockname()[1]}", registry=REPO)
        try:
            app.reset(1)
            with pytest.raises(BlockingIOError):  # nobody connected
                silent.accept()
        finally:
            app.store.close()


def test_concurrent_syncs_emit_each_change_once(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    httpx.post(f"{world.adapter.url}/__admin/actions/sync", json={}, trust_env=False)
    for status in ("blocked", "active"):
        flags = {"Supplier": "0000100004", "PostingIsBlocked": status == "blocked",
                 "PaymentIsBlocked": status == "blocked", "SupplierIsNotReleased": False,
                 "SupplierBlockReasonText": "race" if status == "blocked" else ""}
        assert httpx.post(f"{world.vendor.url}/__admin/actions/set-supplier-status",
                          json=flags, trust_env=False).status_code == 200

        def sync(_: int) -> list[str]:
            answer = httpx.post(f"{world.adapter.url}/__admin/actions/sync", json={},
                                trust_env=False, timeout=60)
            assert answer.status_code == 200, answer.text
            return list(answer.json()["emitted"])

        with ThreadPoolExecutor(4) as pool:
            emitted = [i for ids in pool.map(sync, range(4)) for i in ids]
        events = {e["envelope"]["id"]: e["envelope"] for e in adapter_events(world)}
        changed = [events[i] for i in emitted
                   if events[i]["data"].get("supplierNumber") == "V-100004"]
        assert len(changed) == 1, changed
        assert changed[0]["data"]["status"] == status


def test_reads_page_through_the_vendor_and_stop_cleanly_at_the_cap(world: World) -> None:
    app, adapter = _adapter(world.vendor.url)
    try:
        app.behaviour.vendor.page = 3  # many small pages: every row must still arrive
        with httpx.Client(base_url=adapter.url, headers=AUTH, trust_env=False) as a, \
                world.a() as reference:
            for path in ("/suppliers", "/tax-codes", "/cost-centres"):
                ours = a.get(path, params={"limit": 200})
                theirs = reference.get(path, params={"limit": 200})  # one page of 5000
                assert ours.status_code == 200, ours.text
                assert ours.json()["items"] == theirs.json()["items"]
            app.behaviour.vendor.max_rows = 6
            capped = a.get("/suppliers", params={"limit": 200})
            assert capped.status_code == 500, capped.text
            assert capped.json()["code"] == "VENDOR_LIMIT_EXCEEDED"
            assert "6" in capped.json()["detail"]
            assert "x-simulator-violation" not in capped.headers
    finally:
        adapter.stop()
        app.store.close()


def _faults(world: World, plan: dict[str, Any]) -> None:
    put = httpx.put(f"{world.vendor.url}/__admin/faults", json=plan, trust_env=False)
    assert put.status_code == 200, put.text


def test_events_a_failed_read_left_unannounced_are_announced_on_retry(world: World) -> None:
    invoice = sample_invoice(world)
    key = new_key()
    before = len(adapter_events(world))
    with world.a() as a:
        _faults(world, {"rules": [{"id": "payment-read", "match": {
            "operationId": "getSupplierPayment"}, "error": {"rate": 1.0, "statuses": [500]}}]})
        try:
            failed = a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
        finally:
            _faults(world, {"rules": []})
        assert failed.status_code == 503, failed.text  # a vendor 5xx: the ERP is unavailable
        retried = a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
        assert retried.status_code == 201 and retried.headers["idempotent-replayed"] == "true"
        again = a.post("/invoice-postings", json=invoice, headers={"Idempotency-Key": key})
        assert again.status_code == 201
    mine = [e["envelope"] for e in adapter_events(world)[before:]
            if e["envelope"]["data"].get("invoiceNumber") == invoice["number"]]
    # each announced exactly once: invoicePosted by the failed call, the payment by the retry
    assert len(mine) == 2 and len({e["type"] for e in mine}) == 2, [e["type"] for e in mine]


def test_repeatability_first_sent_is_the_first_send_of_that_request_id(world: World) -> None:
    app, adapter = _adapter(world.vendor.url)
    invoice = sample_invoice(world)
    key = new_key()
    try:
        with httpx.Client(base_url=adapter.url, headers=AUTH, trust_env=False) as a:
            for now in ("2026-11-24T10:00:00Z", "2026-11-24T11:30:00Z"):
                assert a.put("/__admin/clock", json={"now": now}).status_code == 200
                assert a.post("/invoice-postings", json=invoice,
                              headers={"Idempotency-Key": key}).status_code == 201
        sent = [item["requestHeaders"] for item in vendor_requests(world, "createSupplierInvoice")
                if {k.lower(): v for k, v in item["requestHeaders"].items()}
                .get("repeatability-request-id") == key]
        first = {{k.lower(): v for k, v in h.items()}["repeatability-first-sent"] for h in sent}
        assert len(sent) == 2 and first == {"Tue, 24 Nov 2026 10:00:00 GMT"}, sent
    finally:
        adapter.stop()
        app.store.close()


def test_vendor_money_must_be_a_plain_decimal_in_the_currencys_minor_units() -> None:
    for bad in ("NaN", "Infinity", "-Infinity", "1E+3", "1e3", "12.345", "+1.00", " 1.00",
                "01.00", 1.5):
        with pytest.raises(mapping.MappingError):
            mapping.money(bad, "EUR")
    with pytest.raises(mapping.MappingError):
        mapping.money("100.5", "JPY")
    assert mapping.money("-0.50", "EUR") == {"amount": "-0.50", "currency": "EUR"}
    assert mapping.money("12.345", "BHD")["amount"] == "12.345"
    # a unit price may be finer than the minor unit, but is still a plain decimal
    assert mapping.unit_price("0.00880", "EUR")["amount"] == "0.00880"
    for bad in ("NaN", "1E+3", "-1.00"):
        with pytest.raises(mapping.MappingError):
            mapping.unit_price(bad, "EUR")



def test_validation_reads_only_the_master_data_the_invoice_touches(world: World) -> None:
    invoice = sample_invoice(world)
    seen = {item["seq"] for item in httpx.get(f"{world.vendor.url}/__admin/journal",
                                              params={"limit": 10000},
                                              trust_env=False).json()["items"]}
    with world.a() as a:
        assert a.post("/invoice-validations", json=invoice).json()["valid"] is True
    new = [item for item in httpx.get(f"{world.vendor.url}/__admin/journal",
                                      params={"limit": 10000}, trust_env=False).json()["items"]
           if item["seq"] not in seen]
    whole = [item["operationId"] for item in new
             if item["operationId"] in ("listCostCenters", "listGLAccounts", "listTaxCodes")
             and "filter" not in (item.get("query") or "")]
    assert new and whole == [], whole


def test_document_numbers_outside_the_mapped_range_are_refused_not_folded() -> None:
    assert mapping.native_number(mapping.numbered("PST", "2026", "5100000042", 6),
                                 "PST", "51") == ("5100000042", "2026")
    for native in ("5200000042", "51000042", "51000000AB"):
        with pytest.raises(mapping.MappingError):
            mapping.numbered("PST", "2026", native, 6)
