"""Quantity matching of the ERP simulator across invoices, over real HTTP and real SQLite.

QA found the same sample invoice postable five times against one PO line. These tests run
the simulator app (``build`` + a real server thread on 127.0.0.1, state in a SQLite file in
tmp_path) and post canonical invoices built from its own ``sample-invoice`` action, cut
down to one PO line with the quantity each case needs.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.adapters.ubl.minor_units import minor_units
from ledgerpact.generators.simulators.behaviours import erp_matching
from ledgerpact.generators.simulators.behaviours import finance_data as fd
from ledgerpact.generators.simulators.server import Simulator, build, start_in_thread

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer qa"}
SEED = 7
INVOICEABLE = ("released", "partially-received", "received")


@dataclass
class Served:
    client: httpx.Client
    url: str
    sim: Simulator


@pytest.fixture
def erp(tmp_path: Path) -> Iterator[Served]:
    sim = build("erp", registry=REPO, state=tmp_path / "erp.sqlite", seed=SEED, cwd=tmp_path)
    served = start_in_thread(sim.app)
    try:
        with httpx.Client(base_url=served.url, headers=AUTH, timeout=30,
                          trust_env=False) as client:
            yield Served(client, served.url, sim)
    finally:
        served.stop()
        sim.close()


# --- building documents ----------------------------------------------------------------------

def sample(erp: Served, po_number: str) -> dict[str, Any]:
    response = erp.client.post("/__admin/actions/sample-invoice",
                               json={"purchaseOrderId": po_number})
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def bill(template: dict[str, Any], line_id: str, quantity: str, number: str, *,
         credit: bool = False, receipt: tuple[str, str] | None = None,
         unit: str | None = None) -> dict[str, Any]:
    """``template`` cut to the line billing PO line ``line_id``, for ``quantity``, with
    amounts, VAT breakdown and totals that add up again."""
    doc = copy.deepcopy(template)
    line = next(ln for ln in doc["lines"] if ln["purchaseOrderLineRef"]["lineId"] == line_id)
    currency = doc["currency"]
    minor = minor_units(currency)
    line["id"] = "1"
    line["quantity"] = {"value": quantity, "unitCode": unit or line["quantity"]["unitCode"]}
    net = Decimal(quantity) * Decimal(line["price"]["netPrice"]["amount"])
    line["netAmount"] = fd.money(net, currency, minor)
    if receipt is not None:
        line["goodsReceiptRef"] = {"receiptId": receipt[0], "lineId": receipt[1]}
    net = Decimal(line["netAmount"]["amount"])
    rate = Decimal(line["vat"].get("rate", "0"))
    tax = Decimal(fd.money(net * rate / 100, currency, minor)["amount"])
    doc["lines"] = [line]
    doc["vatBreakdown"] = [{"categoryCode": line["vat"]["categoryCode"],
                            "rate": line["vat"].get("rate", "0"),
                            "taxableAmount": fd.money(net, currency, minor),
                            "taxAmount": fd.money(tax, currency, minor)}]
    doc["totals"] = {"lineNetTotal": fd.money(net, currency, minor),
                     "netTotal": fd.money(net, currency, minor),
                     "vatTotal": fd.money(tax, currency, minor),
                     "grossTotal": fd.money(net + tax, currency, minor),
                     "payableAmount": fd.money(net + tax, currency, minor)}
    doc["number"] = number
    if credit:
        doc["typeCode"] = "381"
    return doc


def post(erp: Served, doc: dict[str, Any]) -> httpx.Response:
    return erp.client.post("/invoice-postings", json=doc,
                           headers={"Idempotency-Key": f"key-{doc['number']}-0000000"})


def errors(response: httpx.Response) -> dict[tuple[str, str], str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED"
    return {(e["code"], e["pointer"]): e["detail"] for e in body["errors"]}


def postings(erp: Served) -> int:
    count: int = erp.client.get("/__admin/state").json()["scenario"]["counts"]["posting"]
    return count


# --- finding purchase order lines through the API --------------------------------------------

def orders(erp: Served) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = erp.client.get("/purchase-orders", params=params).json()
        found += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return found


def invoiceable(erp: Served, po: dict[str, Any]) -> bool:
    """The order's supplier is active and the order open (what sample-invoice checks)."""
    if po["status"] not in INVOICEABLE:
        return False
    supplier = erp.client.get(f"/suppliers/{po['supplier']['supplierNumber']}").json()
    return bool(supplier["status"] == "active")


def order_line(erp: Served, at_least: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """An open line ordered at least ``at_least`` times with no goods receipt at all."""
    for po in orders(erp):
        received = {gl["poLineId"] for r in erp.client.get(
            f"/purchase-orders/{po['poNumber']}/goods-receipts").json()["items"]
            for gl in r["lines"]}
        for line in po["lines"]:
            if (line["status"] == "open" and line["lineId"] not in received
                    and Decimal(line["quantity"]["value"]) >= at_least and invoiceable(erp, po)):
                return po, line
    raise AssertionError("no open order line to invoice in the seeded world")


def received_short(erp: Served) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any],
                                          dict[str, Any]]:
    """(order, line, receipt, receipt line) where fewer were accepted than ordered."""
    for po in orders(erp):
        if po["status"] not in INVOICEABLE:
            continue
        for receipt in erp.client.get(
                f"/purchase-orders/{po['poNumber']}/goods-receipts").json()["items"]:
            for gl in receipt["lines"]:
                line = next(ln for ln in po["lines"] if ln["lineId"] == gl["poLineId"])
                if (receipt["status"] == "posted" and line["status"] not in ("closed",
                                                                              "cancelled")
                        and Decimal(gl["acceptedQuantity"]["value"]) + 1
                        < Decimal(line["quantity"]["value"]) and invoiceable(erp, po)):
                    return po, line, receipt, gl
    raise AssertionError("no partly received order line in the seeded world")


# --- the tests -------------------------------------------------------------------------------

def test_over_invoicing_across_two_invoices_is_refused_with_the_quantities(erp: Served) -> None:
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    ordered, unit = line["quantity"]["value"], line["quantity"]["unitCode"]
    first = post(erp, bill(template, line["lineId"], ordered, "QTY-A-1"))
    assert first.status_code == 201, first.text
    again = bill(template, line["lineId"], "1", "QTY-A-2")
    checked = erp.client.post("/invoice-validations", json=again).json()
    assert checked["valid"] is False
    assert [(f["code"], f["pointer"]) for f in checked["findings"]] == [
        ("QUANTITY_VARIANCE", "/lines/0/quantity/value")]
    refused = errors(post(erp, again))
    detail = refused.pop(("QUANTITY_VARIANCE", "/lines/0/quantity/value"))
    assert refused == {}
    assert f"purchase order {po['poNumber']} line {line['lineId']}" in detail
    assert f"ordered {Decimal(ordered).normalize():f} {unit}" in detail
    assert "received not matched (no goods receipt referenced)" in detail
    assert f"already invoiced {Decimal(ordered).normalize():f} {unit}" in detail
    assert f"this document 1 {unit}" in detail and f"by 1 {unit}" in detail
    assert postings(erp) == 1


def test_the_exact_remaining_quantity_is_accepted(erp: Served) -> None:
    po, line = order_line(erp, at_least=4)
    template = sample(erp, po["poNumber"])
    ordered = Decimal(line["quantity"]["value"])
    part = post(erp, bill(template, line["lineId"], str(ordered - 3), "QTY-B-1"))
    assert part.status_code == 201, part.text
    too_much = errors(post(erp, bill(template, line["lineId"], "4", "QTY-B-2")))
    assert set(too_much) == {("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    rest = post(erp, bill(template, line["lineId"], "3", "QTY-B-3"))
    assert rest.status_code == 201, rest.text
    assert set(errors(post(erp, bill(template, line["lineId"], "0.5", "QTY-B-4")))) == {
        ("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    assert postings(erp) == 2


def test_a_credit_note_frees_quantity(erp: Served) -> None:
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    ordered = line["quantity"]["value"]
    assert post(erp, bill(template, line["lineId"], ordered, "QTY-C-1")).status_code == 201
    assert set(errors(post(erp, bill(template, line["lineId"], "2", "QTY-C-2")))) == {
        ("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    credit = post(erp, bill(template, line["lineId"], "2", "QTY-C-CN", credit=True))
    assert credit.status_code == 201, credit.text
    rebill = post(erp, bill(template, line["lineId"], "2", "QTY-C-3"))
    assert rebill.status_code == 201, rebill.text
    assert set(errors(post(erp, bill(template, line["lineId"], "1", "QTY-C-4")))) == {
        ("QUANTITY_VARIANCE", "/lines/0/quantity/value")}


def test_a_reversed_posting_no_longer_counts(erp: Served) -> None:
    """The simulator has no reversal operation; the test reverses the posting through
    ErpBehaviour.reverse_posting, the one place that may (status and running totals)."""
    po, line = order_line(erp, at_least=1)
    template = sample(erp, po["poNumber"])
    ordered = line["quantity"]["value"]
    posted = post(erp, bill(template, line["lineId"], ordered, "QTY-R-1"))
    assert posted.status_code == 201, posted.text
    again = bill(template, line["lineId"], ordered, "QTY-R-2")
    assert set(errors(post(erp, again))) == {("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    store = erp.sim.app.store
    posting = store.get("posting", posted.json()["postingId"])
    assert posting is not None
    erp.sim.app.behaviour.reverse_posting(store, posting["postingId"])
    assert store.get("posting", posting["postingId"])["status"] == "reversed"
    assert post(erp, again).status_code == 201


def test_goods_lines_are_capped_by_what_was_received(erp: Served) -> None:
    po, line, receipt, gl = received_short(erp)
    template = sample(erp, po["poNumber"])
    accepted, unit = Decimal(gl["acceptedQuantity"]["value"]), line["quantity"]["unitCode"]
    ref = (receipt["receiptId"], gl["lineId"])
    over = bill(template, line["lineId"], str(accepted + 1), "QTY-G-1", receipt=ref)
    refused = errors(post(erp, over))
    detail = refused.pop(("QUANTITY_NOT_RECEIVED", "/lines/0/quantity/value"))
    assert refused == {}  # within the quantity ordered: only the receipts are exceeded
    assert f"received {accepted.normalize():f} {unit}" in detail
    exact = post(erp, bill(template, line["lineId"], str(accepted), "QTY-G-2", receipt=ref))
    assert exact.status_code == 201, exact.text
    more = bill(template, line["lineId"], "1", "QTY-G-3", receipt=ref)
    assert set(errors(post(erp, more))) == {("QUANTITY_NOT_RECEIVED", "/lines/0/quantity/value")}
    assert postings(erp) == 1


def test_a_line_in_another_unit_is_a_finding_not_a_comparison(erp: Served) -> None:
    po, line = order_line(erp, at_least=1)
    template = sample(erp, po["poNumber"])
    other = "KGM" if line["quantity"]["unitCode"] != "KGM" else "LTR"
    doc = bill(template, line["lineId"], "1", "QTY-U-1", unit=other)
    refused = errors(post(erp, doc))
    detail = refused.pop(("QUANTITY_UNIT_MISMATCH", "/lines/0/quantity/unitCode"))
    assert refused == {}
    assert other in detail and line["quantity"]["unitCode"] in detail
    assert postings(erp) == 0


def test_concurrent_postings_for_the_last_quantity_post_once(erp: Served) -> None:
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    ordered = Decimal(line["quantity"]["value"])
    first = post(erp, bill(template, line["lineId"], str(ordered - 1), "QTY-P-0"))
    assert first.status_code == 201, first.text
    racers = [bill(template, line["lineId"], "1", f"QTY-P-{n}") for n in range(1, 9)]

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=erp.url, headers=AUTH, timeout=30,
                                     trust_env=False) as client:
            return await asyncio.gather(*(
                client.post("/invoice-postings", json=doc,
                            headers={"Idempotency-Key": f"race-{doc['number']}-000000"})
                for doc in racers))

    responses = asyncio.run(race())
    assert sorted(r.status_code for r in responses) == [201] + [422] * 7, \
        [r.text for r in responses]
    for response in responses:
        if response.status_code == 422:
            assert set(errors(response)) == {("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    assert postings(erp) == 2


def test_sample_invoices_bill_what_is_left_and_stop_when_nothing_is(erp: Served) -> None:
    po, line = order_line(erp, at_least=4)
    ordered = Decimal(line["quantity"]["value"])
    template = sample(erp, po["poNumber"])
    others = [ln["purchaseOrderLineRef"]["lineId"] for ln in template["lines"]
              if ln["purchaseOrderLineRef"]["lineId"] != line["lineId"]]
    assert post(erp, bill(template, line["lineId"], str(ordered - 1), "QTY-S-1")
                ).status_code == 201
    rest = sample(erp, po["poNumber"])
    billed = {ln["purchaseOrderLineRef"]["lineId"]: ln["quantity"]["value"]
              for ln in rest["lines"]}
    assert Decimal(billed[line["lineId"]]) == 1
    assert post(erp, rest).status_code == 201
    left = erp.client.post("/__admin/actions/sample-invoice",
                           json={"purchaseOrderId": po["poNumber"]})
    assert left.status_code == 409 and "nothing left to invoice" in left.text, (left.text,
                                                                                 others)


def test_a_credit_note_past_the_invoiced_quantity_is_refused(erp: Served) -> None:
    """Review found a credit note for a whole line nothing was invoiced on posted with a
    warning, after which the line took invoices for twice the quantity ordered."""
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    ordered, unit = Decimal(line["quantity"]["value"]), line["quantity"]["unitCode"]
    credit = bill(template, line["lineId"], str(ordered), "QTY-X-CN1", credit=True)
    checked = erp.client.post("/invoice-validations", json=credit).json()
    assert checked["valid"] is False
    assert [(f["code"], f["pointer"], f["severity"]) for f in checked["findings"]] == [
        ("QUANTITY_CREDIT_EXCEEDS_INVOICED", "/lines/0/quantity/value", "error")]
    refused = errors(post(erp, credit))
    detail = refused.pop(("QUANTITY_CREDIT_EXCEEDS_INVOICED", "/lines/0/quantity/value"))
    assert refused == {}
    assert f"already invoiced 0 {unit}" in detail
    assert f"this document -{ordered.normalize():f} {unit}" in detail
    assert f"{ordered.normalize():f} {unit} below zero" in detail
    assert postings(erp) == 0
    billed = {ln["purchaseOrderLineRef"]["lineId"]: Decimal(ln["quantity"]["value"])
              for ln in sample(erp, po["poNumber"])["lines"]}
    assert billed[line["lineId"]] == ordered
    twice = bill(template, line["lineId"], str(2 * ordered), "QTY-X-2")
    assert set(errors(post(erp, twice))) == {("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    assert post(erp, bill(template, line["lineId"], "1", "QTY-X-1")).status_code == 201
    assert set(errors(post(erp, bill(template, line["lineId"], "2", "QTY-X-CN2",
                                     credit=True)))) == {
        ("QUANTITY_CREDIT_EXCEEDS_INVOICED", "/lines/0/quantity/value")}
    exact = post(erp, bill(template, line["lineId"], "1", "QTY-X-CN3", credit=True))
    assert exact.status_code == 201, exact.text
    assert postings(erp) == 2


def test_a_negative_quantity_on_an_invoice_is_a_credit_too(erp: Served) -> None:
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    ordered = Decimal(line["quantity"]["value"])
    negative = bill(template, line["lineId"], str(-ordered), "QTY-N-1")
    assert negative["typeCode"] == "380"
    assert set(errors(post(erp, negative))) == {
        ("QUANTITY_CREDIT_EXCEEDS_INVOICED", "/lines/0/quantity/value")}
    assert postings(erp) == 0
    assert post(erp, bill(template, line["lineId"], str(ordered), "QTY-N-2")).status_code == 201
    back = post(erp, bill(template, line["lineId"], "-1", "QTY-N-3"))
    assert back.status_code == 201, back.text
    assert set(errors(post(erp, bill(template, line["lineId"], str(-ordered), "QTY-N-4")))) \
        == {("QUANTITY_CREDIT_EXCEEDS_INVOICED", "/lines/0/quantity/value")}
    assert post(erp, bill(template, line["lineId"], "1", "QTY-N-5")).status_code == 201
    assert postings(erp) == 3


def test_the_invoiced_quantity_never_counts_below_zero(erp: Served) -> None:
    """An invoice reversed after its credit note leaves the line's running total below zero
    (reversed as test_a_reversed_posting_no_longer_counts does); the line must then be open
    for its ordered quantity, not more."""
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    ordered, unit = Decimal(line["quantity"]["value"]), line["quantity"]["unitCode"]
    invoice = post(erp, bill(template, line["lineId"], str(ordered), "QTY-Z-1"))
    assert invoice.status_code == 201, invoice.text
    credit = post(erp, bill(template, line["lineId"], str(ordered), "QTY-Z-CN1", credit=True))
    assert credit.status_code == 201, credit.text
    store = erp.sim.app.store
    posting = store.get("posting", invoice.json()["postingId"])
    assert posting is not None
    erp.sim.app.behaviour.reverse_posting(store, posting["postingId"])
    billed = {ln["purchaseOrderLineRef"]["lineId"]: Decimal(ln["quantity"]["value"])
              for ln in sample(erp, po["poNumber"])["lines"]}
    assert billed[line["lineId"]] == ordered
    over = errors(post(erp, bill(template, line["lineId"], str(ordered + 1), "QTY-Z-2")))
    detail = over.pop(("QUANTITY_VARIANCE", "/lines/0/quantity/value"))
    assert over == {}
    assert f"already invoiced 0 {unit}" in detail
    assert set(errors(post(erp, bill(template, line["lineId"], "1", "QTY-Z-CN2",
                                     credit=True)))) == {
        ("QUANTITY_CREDIT_EXCEEDS_INVOICED", "/lines/0/quantity/value")}
    again = post(erp, bill(template, line["lineId"], str(ordered), "QTY-Z-3"))
    assert again.status_code == 201, again.text


def test_a_line_keeps_a_running_total_not_its_history(erp: Served) -> None:
    """Each posting reads and writes one small record per PO line, however many postings
    came before it (a list of every posting made each one cost more than the last), and
    remembers its own share for a reversal."""
    po, line = order_line(erp, at_least=3)
    template = sample(erp, po["poNumber"])
    store = erp.sim.app.store
    key = erp_matching.line_key(po["poNumber"], line["lineId"])
    ids = []
    for n in range(3):
        done = post(erp, bill(template, line["lineId"], "1", f"QTY-T-{n}"))
        assert done.status_code == 201, done.text
        ids.append(done.json()["postingId"])
        assert store.get(erp_matching.INVOICED_KIND, key) == {
            "total": str(n + 1), "unitCode": line["quantity"]["unitCode"]}
    assert store.get(erp_matching.POSTING_QUANTITIES_KIND, ids[0]) == {"lines": {key: "1"}}
    erp.sim.app.behaviour.reverse_posting(store, ids[0])
    assert store.get(erp_matching.INVOICED_KIND, key)["total"] == "2"


def test_state_written_before_the_running_total_is_still_read(erp: Served) -> None:
    """A state file whose line record lists its postings (as the simulator wrote it before)
    counts what those postings invoiced, and the next posting carries on from it."""
    po, line = order_line(erp, at_least=2)
    template = sample(erp, po["poNumber"])
    first = post(erp, bill(template, line["lineId"], "1", "QTY-O-1"))
    assert first.status_code == 201, first.text
    store = erp.sim.app.store
    key = erp_matching.line_key(po["poNumber"], line["lineId"])
    unit = line["quantity"]["unitCode"]
    store.put(erp_matching.INVOICED_KIND, key, {"entries": [
        {"postingId": first.json()["postingId"], "quantity": "1", "unitCode": unit}]})
    ordered = Decimal(line["quantity"]["value"])
    over = bill(template, line["lineId"], str(ordered), "QTY-O-2")
    assert set(errors(post(erp, over))) == {("QUANTITY_VARIANCE", "/lines/0/quantity/value")}
    rest = post(erp, bill(template, line["lineId"], str(ordered - 1), "QTY-O-3"))
    assert rest.status_code == 201, rest.text
    assert store.get(erp_matching.INVOICED_KIND, key)["total"] == format(ordered, "f")
