"""Consumer message pact of analytics -> finance-events (pact-python 4, Pact V4 messages).

Each message of the pact is loaded by analytics' real handler (``tests/consumers/
analytics_handler.py``) into the warehouse facts and the supplier status dimension. The pact
is written to a temporary folder; ``LEDGERPACT_WRITE_PACTS=1`` also republishes
``pacts/analytics/1.0.0/finance-events.json`` (see ``tests/test_pacts_invoice_automation.py``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.consumers import analytics_handler, analytics_pact, invoices, pacting
from tests.consumers.analytics_handler import Warehouse, handle
from tests.consumers.erp_events import erp_with_events

CASES = analytics_pact.CASES


@pytest.mark.parametrize("description", [c.description for c in CASES])
def test_message_is_loaded_by_analytics(description: str) -> None:
    run = pacting.recorded(analytics_pact.CONSUMER)
    assert run.results[description] is None, run.results[description]


def test_pact_carries_message_names_and_states() -> None:
    pact = json.loads(pacting.recorded(analytics_pact.CONSUMER).path.read_text())
    assert (pact["consumer"]["name"], pact["provider"]["name"]) == ("analytics", "finance-events")
    by_name = {i["metadata"]["message"]: i for i in pact["interactions"]}
    assert sorted(by_name) == ["invoicePaid", "invoicePosted", "supplierStatusChanged"]
    states = by_name["supplierStatusChanged"]["providerStates"]
    assert [s["params"]["status"] for s in states] == ["active", "blocked"]
    assert by_name["supplierStatusChanged"]["contents"]["content"]["data"]["status"] == "blocked"


def _event(event_id: str, event_type: str, data: dict[str, object]) -> dict[str, object]:
    return {"specversion": "1.0", "id": event_id, "source": "erp", "type": event_type,
            "data": data}


def test_supplier_status_dimension_keeps_history() -> None:
    warehouse = Warehouse()
    for n, (status, at) in enumerate([("pending", "2024-01-01T00:00:00Z"),
                                      ("active", "2024-02-01T00:00:00Z"),
                                      ("blocked", "2024-05-28T09:12:00Z")]):
        handle(warehouse, _event(str(n), analytics_handler.STATUS_CHANGED,
                                 {"supplierNumber": "V-1", "status": status,
                                  "changedAt": at}))
    handle(warehouse, _event("2", analytics_handler.STATUS_CHANGED,  # redelivered
                             {"supplierNumber": "V-1", "status": "blocked",
                              "changedAt": "2024-05-28T09:12:00Z"}))
    assert [(r.status, r.valid_from, r.valid_to) for r in warehouse.supplier_status] == [
        ("pending", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
        ("active", "2024-02-01T00:00:00Z", "2024-05-28T09:12:00Z"),
        ("blocked", "2024-05-28T09:12:00Z", None)]
    assert warehouse.current_status("V-1") == "blocked"
    with pytest.raises(ValueError, match="does not consume"):
        handle(warehouse, _event("9", "dev.ledgerpact.payment.settled.v1", {}))


def test_facts_from_the_canonical_erp_events(repo_root: Path, tmp_path: Path) -> None:
    """Events a real provider publishes: post an invoice and settle its payment, block a
    supplier, and load the ERP's own events."""
    doc = invoices.invoice("AN-REAL-0001", invoices.SEK_ORDER)
    with erp_with_events(repo_root, tmp_path) as erp:
        erp.post(doc, "analytics-real-key-0001")
        paid = erp.payment_of(doc["number"])["paymentId"]
        erp.admin("release-payment", {"paymentId": paid})
        erp.admin("settle-payment", {"paymentId": paid})
        erp.admin("set-supplier-status", {"supplierNumber": invoices.EUR_SUPPLIER,
                                          "status": "blocked", "reason": "IBAN changed"})
        events = erp.events(6)
    warehouse = Warehouse()
    for event in events:
        if event["type"] in (analytics_handler.POSTED, analytics_handler.PAID,
                             analytics_handler.STATUS_CHANGED):
            handle(warehouse, event)
    gross = invoices.amount(invoices.payable(doc))
    assert [(f.invoice_number, f.gross, f.currency) for f in warehouse.posted] == \
        [(doc["number"], gross, "SEK")]
    assert [(f.invoice_number, f.paid, f.payment_count) for f in warehouse.paid] == \
        [(doc["number"], gross, 1)]
    assert warehouse.current_status(invoices.EUR_SUPPLIER) == "blocked"
    assert sum((f.gross for f in warehouse.posted), Decimal(0)) == gross
