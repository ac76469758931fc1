"""The analytics -> finance-events message pact: posted and paid facts, supplier status.

Each message is loaded by analytics' real handler (``analytics_handler.handle``) into the
warehouse; the pact pins what the facts are keyed and summed on (event type, invoice number,
amounts, currency, the supplier's new status) and only the shape of generated values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pact import Pact

from tests.consumers import analytics_handler, bodies, invoices, message_states
from tests.consumers import matchers as m
from tests.consumers.pacting import MESSAGE_CONTENT_TYPE, MessageCase

CONSUMER = "analytics"
PROVIDER = "finance-events"
DOCS: dict[str, dict[str, Any]] = {
    "ANA-001": invoices.invoice("AN-PACT-ANA-001", invoices.EUR_ORDER),
    "ANA-002": invoices.invoice("AN-PACT-ANA-002", invoices.SEK_ORDER),
}
KEYS = {name: f"analytics-pact-{name.lower()}-3b9f0c52" for name in DOCS}
SUPPLIER = invoices.SEK_SUPPLIER


def _message(pact: Pact, description: str, message: str, body: dict[str, Any]) -> Any:
    return (pact.upon_receiving(description, "Async")
            .with_body(body, MESSAGE_CONTENT_TYPE)
            .with_metadata({"message": message, "contentType": MESSAGE_CONTENT_TYPE}))


def _define_posted(pact: Pact) -> Any:
    doc = DOCS["ANA-001"]
    data = {"invoiceId": m.text(doc["number"]), "invoiceNumber": doc["number"],
            "postingId": m.text("PST-2024-000001"), "journalEntryId": m.text("JE-2024-0000001"),
            "postingDate": m.day(),
            "postingPeriod": {"fiscalYear": m.integer(2024), "period": m.integer(6)},
            "postedAt": m.timestamp(), "grossAmount": invoices.payable(doc)}
    interaction = _message(pact, "an invoicePosted event for a posted invoice", "invoicePosted",
                           bodies.envelope(analytics_handler.POSTED, doc["number"], data))
    return message_states.invoice_is_posted(interaction, KEYS["ANA-001"], doc)


def _consume_posted(event: dict[str, Any], metadata: Mapping[str, Any]) -> None:
    doc = DOCS["ANA-001"]
    warehouse = analytics_handler.handle(analytics_handler.Warehouse(), event)
    [fact] = warehouse.posted
    money = invoices.payable(doc)
    assert (fact.invoice_number, fact.gross, fact.currency) == \
        (doc["number"], invoices.amount(money), money["currency"])
    assert 1 <= fact.fiscal_period <= 16


def _define_paid(pact: Pact) -> Any:
    doc = DOCS["ANA-002"]
    data = {"invoiceId": m.text(doc["number"]), "invoiceNumber": doc["number"],
            "paymentIds": m.each_like("PAY-2024-000001"), "paidAmount": invoices.payable(doc),
            "valueDate": m.day()}
    interaction = _message(pact, "an invoicePaid event for an invoice whose payment is settled",
                           "invoicePaid",
                           bodies.envelope(analytics_handler.PAID, doc["number"], data))
    return message_states.payment_has_status(interaction, KEYS["ANA-002"], doc, "settled")


def _consume_paid(event: dict[str, Any], metadata: Mapping[str, Any]) -> None:
    doc = DOCS["ANA-002"]
    warehouse = analytics_handler.handle(analytics_handler.Warehouse(), event)
    [fact] = warehouse.paid
    money = invoices.payable(doc)
    assert (fact.invoice_number, fact.paid, fact.currency, fact.payment_count) == \
        (doc["number"], invoices.amount(money), money["currency"], 1)


def _define_status(pact: Pact) -> Any:
    data = {"supplierNumber": SUPPLIER,
            "previousStatus": m.supplier_status("active"),
            "status": "blocked", "changedAt": m.timestamp()}
    interaction = _message(pact, "a supplierStatusChanged event for a supplier who is blocked",
                           "supplierStatusChanged",
                           bodies.envelope(analytics_handler.STATUS_CHANGED, SUPPLIER, data))
    # active first, so that blocking is a change whatever the supplier was before
    interaction = message_states.supplier_has_status(interaction, SUPPLIER, "active")
    return message_states.supplier_has_status(interaction, SUPPLIER, "blocked")


def _consume_status(event: dict[str, Any], metadata: Mapping[str, Any]) -> None:
    warehouse = analytics_handler.Warehouse()
    warehouse.supplier_status.append(
        analytics_handler.SupplierStatusRow(SUPPLIER, "active", "2024-01-01T00:00:00Z"))
    analytics_handler.handle(warehouse, event)
    assert warehouse.current_status(SUPPLIER) == "blocked"
    closed = [r for r in warehouse.supplier_status if r.valid_to is not None]
    assert [r.status for r in closed] == ["active"]


CASES: list[MessageCase] = [
    MessageCase("an invoicePosted event for a posted invoice", "invoicePosted",
                _define_posted, _consume_posted),
    MessageCase("an invoicePaid event for an invoice whose payment is settled", "invoicePaid",
                _define_paid, _consume_paid),
    MessageCase("a supplierStatusChanged event for a supplier who is blocked",
                "supplierStatusChanged", _define_status, _consume_status),
]
