"""Invoice-automation simulator through ``handle()`` with a real SQLite Store, the real
idempotency ledger and the real finance-events envelope builder: capture (JSON and a real
UBL e-invoice), idempotent replay, duplicates, validation and matching, approval, rejection,
exceptions, attachments and the QA action. Every response is checked against the contract.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from ledgerpact.generators.simulators.behaviours.invoice_automation import (
    InvoiceAutomationBehaviour,
)
from ledgerpact.generators.simulators.behaviours.lifecycle import Lifecycle
from ledgerpact.generators.simulators.events.envelope import EventFactory
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
)
from ledgerpact.generators.simulators.store import Store
from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.cli_support import catalog_for, open_registry

SOURCE = "https://ledgerpact.dev/services/invoice-automation"
OPERATIONS = {
    "captureInvoice": ("POST", "/invoices"),
    "listInvoices": ("GET", "/invoices"),
    "getInvoice": ("GET", "/invoices/{invoiceId}"),
    "approveInvoice": ("POST", "/invoices/{invoiceId}/approval"),
    "rejectInvoice": ("POST", "/invoices/{invoiceId}/rejection"),
    "listExceptions": ("GET", "/exceptions"),
    "getException": ("GET", "/exceptions/{exceptionId}"),
    "resolveException": ("POST", "/exceptions/{exceptionId}/resolution"),
    "addInvoiceAttachment": ("POST", "/invoices/{invoiceId}/attachments"),
    "listInvoiceAttachments": ("GET", "/invoices/{invoiceId}/attachments"),
    "getInvoiceAttachment": ("GET", "/invoices/{invoiceId}/attachments/{sha256}"),
}


class SteppingClock:
    """Each reading is one second after the last, so history order is visible."""

    def __init__(self) -> None:
        self.moment = datetime(2024, 6, 10, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@dataclass
class Sim:
    behaviour: InvoiceAutomationBehaviour
    ctx: Context
    contract: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def call(self, operation: str, *, body: Any = None, raw: bytes = b"",
             media: str | None = "application/json", headers: Mapping[str, str] | None = None,
             query: Mapping[str, Any] | None = None, **path_params: str) -> SimResponse:
        method, template = OPERATIONS[operation]
        path = template
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", value)
        if body is not None and not raw:
            raw = json.dumps(body, sort_keys=True).encode()
        request = SimRequest(method=method, path=path, operation_id=operation,
                             path_template=template, path_params=path_params,
                             query=query or {}, headers=dict(headers or {}), body=body,
                             raw_body=raw, media_type=media if (body is not None or raw)
                             else None)
        response = asyncio.run(self.behaviour.handle(request, self.ctx))
        assert response is not None
        assert_conforms(self.contract, method, template, response)
        return response

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def _deref(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def assert_conforms(document: dict[str, Any], method: str, template: str,
                    response: SimResponse) -> None:
    """The response's status, media type, headers and body are what the contract declares."""
    declared = document["paths"][template][method.lower()]["responses"]
    assert str(response.status) in declared, f"status {response.status} not declared"
    spec = _deref(document, declared[str(response.status)])
    for name, header in spec.get("headers", {}).items():
        if _deref(document, header).get("required"):
            assert name in response.headers, f"required header {name} missing"
    content = spec["content"]
    assert response.media_type in content
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "components": document["components"],
              "allOf": [content[response.media_type]["schema"]]}
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker())
                    .iter_errors(response.body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.fixture(scope="module")
def contract(repo_root: Path) -> dict[str, Any]:
    ws = open_registry(repo_root).workspace()
    entry = catalog_for(ws).get("invoice-automation")
    document: dict[str, Any] = bundle(ws, entry.document_path).document
    return document


@pytest.fixture(scope="module")
def factory(repo_root: Path) -> EventFactory:
    return EventFactory.from_registry(SOURCE, repo_root)


@pytest.fixture(scope="module")
def lifecycle(repo_root: Path) -> Lifecycle:
    return Lifecycle.from_registry(repo_root)


@pytest.fixture
def sim(tmp_path: Path, contract: dict[str, Any], factory: EventFactory,
        lifecycle: Lifecycle) -> Iterator[Sim]:
    store = Store.open(tmp_path / "invoice-automation.db")
    behaviour = InvoiceAutomationBehaviour(lifecycle)
    behaviour.seed(store, 7, None)
    events: list[tuple[str, dict[str, Any]]] = []
    clock = SteppingClock()

    def emit(name: str, data: Mapping[str, Any]) -> None:
        # the real envelope builder: raises if the event does not match finance-events
        built = factory.build(name, copy.deepcopy(dict(data)), event_id=f"evt-{len(events)}",
                              time=clock.moment)
        events.append((name, built["envelope"]["data"]))

    ctx = Context(store=store, clock=clock, rng=random.Random(0), seed=7, emit=emit)
    yield Sim(behaviour, ctx, contract, events)
    store.close()


# ---------------------------------------------------------------- documents


def _po_and_supplier(store: Store, currency: str = "EUR") -> tuple[dict[str, Any],
                                                                   dict[str, Any]]:
    for po in store.scan("purchaseOrder"):
        supplier = store.get("supplier", po["supplier"]["supplierNumber"])
        if (po["status"] == "released" and po["currency"] == currency and supplier
                and supplier["status"] == "active"
                and all(line.get("status", "open") == "open" for line in po["lines"])):
            return po, supplier
    raise AssertionError("the seeded data has no open EUR order of an active supplier")


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"amount": format(value.quantize(Decimal("0.01"), ROUND_HALF_UP), "f"),
            "currency": currency}


def invoice_for(store: Store, number: str, *, price_factor: Decimal = Decimal(1)
                ) -> dict[str, Any]:
    """A canonical invoice billing a seeded purchase order in full, at its prices
    (``price_factor`` moves the first line's price), with totals that reconcile."""
    po, supplier = _po_and_supplier(store)
    specs = [(line, Decimal(line["quantity"]["value"]), price_factor if i == 0 else Decimal(1),
              None) for i, line in enumerate(po["lines"])]
    return _document(store, number, po, supplier, specs)


def _document(store: Store, number: str, po: dict[str, Any], supplier: dict[str, Any],
              specs: list[tuple[dict[str, Any], Decimal, Decimal, dict[str, str] | None]]
              ) -> dict[str, Any]:
    """(PO line, quantity, price factor, goods receipt reference) per invoice line."""
    currency = po["currency"]
    lines: list[dict[str, Any]] = []
    groups: dict[str, Decimal] = {}
    for i, (po_line, quantity, factor, receipt) in enumerate(specs):
        rate = store.get("taxCode", po_line["taxCode"])["rate"]
        price = (Decimal(po_line["unitPrice"]["amount"]) * factor).quantize(Decimal("0.01"),
                                                                            ROUND_HALF_UP)
        net = (quantity * price).quantize(Decimal("0.01"), ROUND_HALF_UP)
        groups[rate] = groups.get(rate, Decimal(0)) + net
        line: dict[str, Any] = {
            "id": str(i + 1),
            "quantity": {"value": format(quantity, "f"),
                         "unitCode": po_line["quantity"]["unitCode"]},
            "netAmount": _money(net, currency),
            "purchaseOrderLineRef": {"lineId": po_line["lineId"]},
            "costCentre": po_line["costCentre"],
            "price": {"netPrice": _money(price, currency)},
            "vat": {"categoryCode": "S", "rate": rate},
            "item": {"name": po_line["item"]["name"]}}
        if receipt is not None:
            line["goodsReceiptRef"] = receipt
        lines.append(line)
    breakdown = [{"categoryCode": "S", "rate": rate, "taxableAmount": _money(base, currency),
                  "taxAmount": _money(base * Decimal(rate) / 100, currency)}
                 for rate, base in groups.items()]
    net_total = sum(groups.values(), Decimal(0))
    vat_total = sum((Decimal(b["taxAmount"]["amount"]) for b in breakdown), Decimal(0))
    seller = {key: supplier[key] for key in ("name", "taxRegistrations", "postalAddress")}
    return {"number": number, "typeCode": "380", "issueDate": "2024-06-10",
            "currency": currency, "orderReference": {"id": po["poNumber"]},
            "seller": seller, "buyer": po["buyer"], "lines": lines,
            "vatBreakdown": breakdown,
            "totals": {"lineNetTotal": _money(net_total, currency),
                       "netTotal": _money(net_total, currency),
                       "vatTotal": _money(vat_total, currency),
                       "grossTotal": _money(net_total + vat_total, currency),
                       "payableAmount": _money(net_total + vat_total, currency)}}


def invoice_for_receipt(store: Store, number: str, *, extra: Decimal = Decimal(0)
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(invoice billing exactly what one posted goods receipt accepted (+ ``extra`` units on
    its first line), that receipt)."""
    for receipt in store.scan("goodsReceipt"):
        po = store.get("purchaseOrder", receipt["purchaseOrder"]["poNumber"])
        supplier = store.get("supplier", po["supplier"]["supplierNumber"]) if po else None
        if (receipt["status"] != "posted" or po is None or po["currency"] != "EUR"
                or po["status"] in ("closed", "cancelled", "draft") or supplier is None
                or supplier["status"] != "active"):
            continue
        by_id = {line["lineId"]: line for line in po["lines"]}
        if any(by_id[r["poLineId"]].get("status") in ("closed", "cancelled")
               for r in receipt["lines"]):
            continue
        specs = [(by_id[r["poLineId"]],
                  Decimal(r["acceptedQuantity"]["value"]) + (extra if i == 0 else 0),
                  Decimal(1), {"receiptId": receipt["receiptId"], "lineId": r["lineId"]})
                 for i, r in enumerate(receipt["lines"])]
        if all(quantity > 0 for _, quantity, _, _ in specs):
            return _document(store, number, po, supplier, specs), receipt
    raise AssertionError("the seeded data has no posted EUR receipt of an active supplier")


def key(n: int) -> dict[str, str]:
    return {"idempotency-key": f"0c6f1d9e-2b7a-4f3c-9e51-{n:012d}"}


def capture(sim: Sim, document: dict[str, Any], n: int) -> dict[str, Any]:
    response = sim.call("captureInvoice", body=document, headers=key(n))
    assert response.status == 201, response.body
    got = sim.call("getInvoice", invoiceId=response.body["invoiceId"])
    record: dict[str, Any] = got.body
    return record


# ---------------------------------------------------------------- capture and replay


def test_capture_validates_matches_and_requests_approval(sim: Sim) -> None:
    document = invoice_for(sim.ctx.store, "INV-T-0001")
    response = sim.call("captureInvoice", body=document, headers=key(1))
    assert response.status == 201
    created = response.body
    assert created["state"] == "received" and created["originalFormat"] == "canonical-json"
    assert created["document"] == document
    assert response.headers["Location"].endswith("/" + created["invoiceId"])
    record = sim.call("getInvoice", invoiceId=created["invoiceId"]).body
    po, supplier = _po_and_supplier(sim.ctx.store)
    assert record["state"] == "pending-approval"
    assert record["supplierNumber"] == supplier["supplierNumber"]
    assert sim.names() == ["invoiceCaptured", "invoiceValidated", "invoiceMatched"]
    matched = sim.events[2][1]
    assert matched["outcome"] == "matched" and matched["matchType"] == "two-way"
    assert matched["purchaseOrder"]["poNumber"] == po["poNumber"]
    assert [line["outcome"] for line in matched["lines"]] == ["matched"] * len(po["lines"])


def test_replay_returns_the_stored_response_and_changes_nothing(sim: Sim) -> None:
    document = invoice_for(sim.ctx.store, "INV-T-0002")
    first = sim.call("captureInvoice", body=document, headers=key(2))
    events = list(sim.events)
    again = sim.call("captureInvoice", body=copy.deepcopy(document), headers=key(2))
    assert again.status == 201 and again.body == first.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert sim.events == events
    assert sim.ctx.store.count("invoice") == 1


def test_same_key_with_another_body_is_409(sim: Sim) -> None:
    sim.call("captureInvoice", body=invoice_for(sim.ctx.store, "INV-T-0003"), headers=key(3))
    other = sim.call("captureInvoice", body=invoice_for(sim.ctx.store, "INV-T-0004"),
                     headers=key(3))
    assert other.status == 409 and other.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert sim.ctx.store.count("invoice") == 1


def test_the_same_supplier_document_number_twice_is_409(sim: Sim) -> None:
    document = invoice_for(sim.ctx.store, "INV-T-0005")
    first = sim.call("captureInvoice", body=document, headers=key(5))
    events = list(sim.events)
    duplicate = sim.call("captureInvoice", body=document, headers=key(6))
    assert duplicate.status == 409 and duplicate.body["code"] == "DUPLICATE_INVOICE"
    assert first.body["invoiceId"] in duplicate.body["detail"]
    assert sim.events == events and sim.ctx.store.count("invoice") == 1
    # the refused key was released: it can carry a new document
    fresh = sim.call("captureInvoice", body=invoice_for(sim.ctx.store, "INV-T-0006"),
                     headers=key(6))
    assert fresh.status == 201


def test_a_real_ubl_invoice_is_captured_and_its_unknown_seller_rejected(
        sim: Sim, corpora: Path) -> None:
    xml = (corpora / "en16931-ubl" / "ubl-tc434-example1.xml").read_bytes()
    response = sim.call("captureInvoice", raw=xml, media="application/xml", headers=key(7))
    assert response.status == 201 and response.body["originalFormat"] == "ubl-2.1"
    invoice_id = response.body["invoiceId"]
    record = sim.call("getInvoice", invoiceId=invoice_id).body
    assert record["state"] == "rejected"
    assert record["document"]["number"] == response.body["document"]["number"]
    assert sim.names() == ["invoiceCaptured", "invoiceRejected"]
    history = sim.events[1][1]["history"]
    assert [(h["from"], h["to"], h["event"]) for h in history] == [
        ("received", "rejected", "validation-failed")]
    assert "matches no supplier" in history[0]["comment"]
    # once the seller is a supplier, the next e-invoice from it is validated; it names no
    # purchase order, so it waits in the exception queue. Its 2015 rates are the ERP's tax
    # codes of that date: NL 6 % (expired, ``inactive`` today) is valid inside its window
    seller = response.body["document"]["seller"]
    known = dict(sim.ctx.store.scan("supplier")[0], supplierNumber="V-900001",
                 name=seller["name"], taxRegistrations=seller["taxRegistrations"],
                 postalAddress=seller["postalAddress"], status="active")
    sim.ctx.store.put("supplier", "V-900001", known)
    xml = (corpora / "en16931-ubl" / "ubl-tc434-example10.xml").read_bytes()
    second = sim.call("captureInvoice", raw=xml, media="application/xml", headers=key(8))
    record = sim.call("getInvoice", invoiceId=second.body["invoiceId"]).body
    assert record["state"] == "exception" and record["supplierNumber"] == "V-900001"
    (exception_id,) = record["openExceptionIds"]
    exception = sim.call("getException", exceptionId=exception_id).body
    codes = {f["code"] for f in exception["findings"]}
    assert "PURCHASE_ORDER_MISSING" in codes
    assert not [c for c in codes if c.startswith("TAX_")], codes
    assert exception["type"] == "missing-purchase-order"
    assert sim.names()[2:] == ["invoiceCaptured", "invoiceValidated", "invoiceExceptionRaised"]


def test_unreadable_or_unreconciled_documents_are_422_and_leave_nothing(sim: Sim) -> None:
    broken = sim.call("captureInvoice", raw=b"<Invoice><unclosed></Invoice>",
                      media="application/xml", headers=key(9))
    assert broken.status == 422 and broken.body["errors"][0]["code"] == "UBL_INVALID"
    document = invoice_for(sim.ctx.store, "INV-T-0010")
    document["totals"]["grossTotal"]["amount"] = "1.00"
    wrong = sim.call("captureInvoice", body=document, headers=key(10))
    assert wrong.status == 422
    assert "/totals/grossTotal" in {e["pointer"] for e in wrong.body["errors"]}
    pdf = sim.call("captureInvoice", raw=b"%PDF-1.7", media="application/pdf", headers=key(11))
    assert pdf.status == 415
    assert sim.events == [] and sim.ctx.store.count("invoice") == 0


# ---------------------------------------------------------------- approval


def test_approve_then_illegal_transitions_are_409_naming_the_states(sim: Sim) -> None:
    invoice_id = capture(sim, invoice_for(sim.ctx.store, "INV-T-0020"), 20)["invoiceId"]
    user = {"authorization": "Bearer e30." + _claims({"sub": "svc-ap", "act": {
        "sub": "k.hoffmann"}, "name": "Katrin Hoffmann"}) + ".sig"}
    approved = sim.call("approveInvoice", body={"comment": "Goods received in full."},
                        headers=user, invoiceId=invoice_id)
    assert approved.status == 200 and approved.body["currentState"] == "approved"
    last = approved.body["history"][-1]
    assert (last["from"], last["to"], last["event"]) == ("pending-approval", "approved",
                                                        "approval-granted")
    assert last["actor"] == {"type": "user", "id": "k.hoffmann",
                             "displayName": "Katrin Hoffmann"}
    assert sim.names()[-1] == "invoiceApproved"
    events = list(sim.events)
    twice = sim.call("approveInvoice", body={}, invoiceId=invoice_id)
    assert twice.status == 409 and twice.body["code"] == "INVALID_STATE_TRANSITION"
    assert twice.body["currentState"] == "approved"
    assert twice.body["attemptedTransition"] == "approval-granted"
    assert twice.body["allowedTransitions"] == ["posted-to-ledger"]
    assert "approved" in twice.body["detail"] and "pending-approval" in twice.body["detail"]
    late = sim.call("rejectInvoice", body={"comment": "too late"}, invoiceId=invoice_id)
    assert late.status == 409 and late.body["attemptedTransition"] == "approval-rejected"
    assert sim.events == events  # refused requests publish nothing
    assert sim.call("getInvoice", invoiceId=invoice_id).body["state"] == "approved"


def test_reject_from_pending_approval(sim: Sim) -> None:
    invoice_id = capture(sim, invoice_for(sim.ctx.store, "INV-T-0021"), 21)["invoiceId"]
    rejected = sim.call("rejectInvoice", body={"reasonCode": "not-ordered",
                                               "comment": "Not ordered by us."},
                        invoiceId=invoice_id)
    assert rejected.status == 200 and rejected.body["currentState"] == "rejected"
    assert rejected.body["history"][-1]["comment"] == "Not ordered by us."
    assert sim.names()[-1] == "invoiceRejected"
    unknown = sim.call("approveInvoice", body={}, invoiceId="ia-404")
    assert unknown.status == 404


def _claims(claims: dict[str, Any]) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")


# ---------------------------------------------------------------- exceptions


def test_a_price_beyond_tolerance_raises_an_exception_that_can_be_accepted(sim: Sim) -> None:
    document = invoice_for(sim.ctx.store, "INV-T-0030", price_factor=Decimal("1.10"))
    record = capture(sim, document, 30)
    assert record["state"] == "exception"
    assert sim.names() == ["invoiceCaptured", "invoiceValidated", "invoiceExceptionRaised"]
    (exception_id,) = record["openExceptionIds"]
    exception = sim.call("getException", exceptionId=exception_id).body
    assert exception["type"] == "price-variance" and exception["status"] == "open"
    assert {f["pointer"] for f in exception["findings"]} >= {"/lines/0/price/netPrice/amount"}
    match = exception["matchResult"]
    assert match["outcome"] == "exception" and match["lines"][0]["outcome"] == "exception"
    po_price = Decimal(_po_and_supplier(sim.ctx.store)[0]["lines"][0]["unitPrice"]["amount"])
    actual = Decimal(document["lines"][0]["price"]["netPrice"]["amount"])
    expected_pct = (100 * (actual - po_price) / po_price).quantize(Decimal("0.01"),
                                                                  ROUND_HALF_UP)
    assert Decimal(match["lines"][0]["price"]["differencePercentage"]) == expected_pct
    queue = sim.call("listExceptions").body
    assert [e["exceptionId"] for e in queue["items"]] == [exception_id]
    resolved = sim.call("resolveException", exceptionId=exception_id, body={
        "outcome": "accept-variance", "comment": "Price increase agreed by purchasing."})
    assert resolved.status == 200 and resolved.body["status"] == "resolved"
    assert resolved.body["resolution"]["outcome"] == "accept-variance"
    record = sim.call("getInvoice", invoiceId=record["invoiceId"]).body
    assert record["state"] == "pending-approval" and record["openExceptionIds"] == []
    assert sim.call("listExceptions").body["items"] == []
    assert sim.call("listExceptions", query={"status": "resolved"}).body["items"][0][
        "exceptionId"] == exception_id
    again = sim.call("resolveException", exceptionId=exception_id, body={
        "outcome": "accept-variance", "comment": "again"})
    assert again.status == 409


def test_an_exception_can_reject_the_invoice(sim: Sim) -> None:
    document = invoice_for(sim.ctx.store, "INV-T-0031", price_factor=Decimal("1.5"))
    record = capture(sim, document, 31)
    (exception_id,) = record["openExceptionIds"]
    resolved = sim.call("resolveException", exceptionId=exception_id, body={
        "outcome": "reject-invoice", "comment": "Price not agreed."})
    assert resolved.body["resolution"]["outcome"] == "reject-invoice"
    assert sim.call("getInvoice", invoiceId=record["invoiceId"]).body["state"] == "rejected"
    assert sim.names()[-1] == "invoiceRejected"
    history = sim.events[-1][1]["history"]
    assert [h["event"] for h in history] == ["validation-passed", "match-failed",
                                             "exception-rejected"]


def test_rejecting_an_invoice_in_exception_closes_its_exception(sim: Sim) -> None:
    record = capture(sim, invoice_for(sim.ctx.store, "INV-T-0032",
                                      price_factor=Decimal("2")), 32)
    rejected = sim.call("rejectInvoice", body={"comment": "Wrong prices."},
                        invoiceId=record["invoiceId"])
    assert rejected.body["history"][-1]["event"] == "exception-rejected"
    (exception_id,) = record["openExceptionIds"]
    closed = sim.call("getException", exceptionId=exception_id).body
    assert closed["status"] == "resolved"
    late = sim.call("resolveException", exceptionId=exception_id,
                    body={"outcome": "corrected", "comment": "x"})
    assert late.status == 409


# ---------------------------------------------------------------- listing


def test_list_filters_and_pages_most_recent_first(sim: Sim) -> None:
    ids = [capture(sim, invoice_for(sim.ctx.store, f"INV-T-004{i}"), 40 + i)["invoiceId"]
           for i in range(3)]
    exceptional = capture(sim, invoice_for(sim.ctx.store, "INV-T-0049",
                                           price_factor=Decimal("3")), 49)["invoiceId"]
    first = sim.call("listInvoices", query={"state": "pending-approval", "limit": 2})
    assert [r["invoiceId"] for r in first.body["items"]] == ids[::-1][:2]
    assert "rel=\"next\"" in first.headers["Link"]
    second = sim.call("listInvoices", query={"state": "pending-approval", "limit": 2,
                                             "cursor": first.body["nextCursor"]}).body
    assert [r["invoiceId"] for r in second["items"]] == [ids[0]]
    assert second["nextCursor"] is None
    only = sim.call("listInvoices", query={"state": "exception"}).body["items"]
    assert [r["invoiceId"] for r in only] == [exceptional]
    assert sim.call("listInvoices", query={"issueDateFrom": "2030-01-01"}).body["items"] == []
    assert sim.call("listInvoices", query={"cursor": "%%%"}).status == 400
    assert sim.behaviour.scenario(sim.ctx.store)["invoices"]["pending-approval"] == 3
    assert sim.behaviour.scenario(sim.ctx.store)["openExceptions"] == 1


# ---------------------------------------------------------------- attachments


def _multipart(metadata: dict[str, Any], content: bytes) -> tuple[bytes, str]:
    boundary = "simboundary42"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n{json.dumps(metadata)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; "
            f"filename=\"{metadata['filename']}\"\r\nContent-Type: application/pdf\r\n\r\n"
            ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_attachments_are_content_addressed(sim: Sim) -> None:
    invoice_id = capture(sim, invoice_for(sim.ctx.store, "INV-T-0050"), 50)["invoiceId"]
    content = b"%PDF-1.7 timesheet for May\n"
    digest = hashlib.sha256(content).hexdigest()
    metadata = {"filename": "timesheet-2024-05.pdf", "mediaType": "application/pdf",
                "sha256": digest, "documentReference": "TS-2024-05"}
    raw, content_type = _multipart(metadata, content)
    headers = {"content-type": content_type, "host": "127.0.0.1:8080"}

    def upload(data: bytes) -> SimResponse:
        return sim.call("addInvoiceAttachment", raw=data, media="multipart/form-data",
                        headers=headers, invoiceId=invoice_id)

    created = upload(raw)
    assert created.status == 201 and created.body["sha256"] == digest
    assert created.body["size"] == len(content)
    assert created.headers["Location"].endswith(digest)
    again = upload(raw)
    assert again.status == 200 and again.body == created.body
    tampered, _ = _multipart(metadata, content + b"x")
    mismatch = upload(tampered.replace(b"simboundary42", b"simboundary42"))
    assert mismatch.status == 422 and mismatch.body["errors"][0]["code"] == "DIGEST_MISMATCH"
    listed = sim.call("listInvoiceAttachments", invoiceId=invoice_id).body
    assert listed["items"] == [created.body]
    got = sim.call("getInvoiceAttachment", invoiceId=invoice_id, sha256=digest)
    assert got.body == created.body
    missing = sim.call("getInvoiceAttachment", invoiceId=invoice_id, sha256="0" * 64)
    assert missing.status == 404


# ---------------------------------------------------------------- QA action


def test_apply_event_walks_legal_transitions_only(sim: Sim) -> None:
    invoice_id = capture(sim, invoice_for(sim.ctx.store, "INV-T-0060"), 60)["invoiceId"]
    apply = sim.behaviour.actions()["apply-event"]
    for event in ("approval-granted", "posted-to-ledger", "payment-scheduled",
                  "payment-settled"):
        state = apply({"invoiceId": invoice_id, "event": event}, sim.ctx)
    assert state["currentState"] == "paid"
    assert sim.names()[-4:] == ["invoiceApproved", "invoicePosted", "invoicePaymentScheduled",
                                "invoicePaid"]
    gross = invoice_for(sim.ctx.store, "INV-T-0060")["totals"]["grossTotal"]
    assert sim.events[-3][1]["grossAmount"] == gross
    with pytest.raises(ActionError) as caught:
        apply({"invoiceId": invoice_id, "event": "payment-failed"}, sim.ctx)
    assert caught.value.status == 409 and "paid" in caught.value.detail
    with pytest.raises(ActionError) as unknown:
        apply({"invoiceId": "ia-404", "event": "approval-granted"}, sim.ctx)
    assert unknown.value.status == 404


def test_a_request_in_flight_with_the_same_key_is_409(sim: Sim) -> None:
    from ledgerpact.generators.simulators.idempotency import fingerprint

    document = invoice_for(sim.ctx.store, "INV-T-0070")
    raw = json.dumps(document, sort_keys=True).encode()
    request = SimRequest(method="POST", path="/invoices", operation_id="captureInvoice",
                         path_template="/invoices", headers=key(70), body=document,
                         raw_body=raw, media_type="application/json")
    ledger = sim.behaviour.ledger(sim.ctx.store)
    claim = ledger.begin("captureInvoice", key(70)["idempotency-key"], fingerprint(request))
    assert claim.outcome == "new"  # another worker holds the key
    busy = sim.call("captureInvoice", body=document, headers=key(70))
    assert busy.status == 409 and busy.body["code"] == "IDEMPOTENCY_KEY_IN_USE"
    ledger.release(claim)
    assert sim.call("captureInvoice", body=document, headers=key(70)).status == 201


def test_a_failure_while_publishing_rolls_back_the_capture(sim: Sim) -> None:
    recorded = sim.ctx.emit

    def failing(name: str, data: Mapping[str, Any]) -> None:
        if name == "invoiceMatched":
            raise RuntimeError("outbox unavailable")
        recorded(name, data)

    document = invoice_for(sim.ctx.store, "INV-T-0080")
    sim.ctx.emit = failing
    with pytest.raises(RuntimeError):
        sim.call("captureInvoice", body=document, headers=key(80))
    assert sim.ctx.store.count("invoice") == 0  # nothing of the capture was kept
    sim.ctx.emit = recorded
    retry = sim.call("captureInvoice", body=document, headers=key(80))  # the key is free
    assert retry.status == 201
    assert sim.ctx.store.count("invoice") == 1


def test_three_way_match_against_the_goods_receipt(sim: Sim) -> None:
    document, receipt = invoice_for_receipt(sim.ctx.store, "INV-T-0090")
    record = capture(sim, document, 90)
    assert record["state"] == "pending-approval"
    matched = sim.events[-1][1]
    assert sim.events[-1][0] == "invoiceMatched"
    assert matched["matchType"] == "three-way"
    assert matched["goodsReceipts"] == [receipt["receiptId"]]
    assert {line["quantity"]["basis"] for line in matched["lines"]} == {"received"}


def test_invoicing_more_than_was_received_is_a_quantity_exception(sim: Sim) -> None:
    document, receipt = invoice_for_receipt(sim.ctx.store, "INV-T-0091", extra=Decimal(1))
    record = capture(sim, document, 91)
    assert record["state"] == "exception"
    (exception_id,) = record["openExceptionIds"]
    exception = sim.call("getException", exceptionId=exception_id).body
    assert exception["type"] == "quantity-variance"
    line = exception["matchResult"]["lines"][0]
    accepted = Decimal(receipt["lines"][0]["acceptedQuantity"]["value"])
    assert Decimal(line["quantity"]["expected"]) == accepted
    assert Decimal(line["quantity"]["difference"]) == 1
    assert line["exceptionReasons"][0]["code"] == "quantity-not-received"
