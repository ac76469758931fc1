"""The fixed provider states (issue 8), as the message pacts declare them.

Message interactions name the state the provider must be in before it publishes: the
provider sets it up (posting an invoice, moving its payment) and the event that follows is
the message. Every posting first makes its supplier active, so a message pact never depends
on what an earlier interaction left behind.
"""

from __future__ import annotations

from typing import Any

from tests.consumers import invoices


def supplier_has_status(interaction: Any, number: str, status: str) -> Any:
    return interaction.given("a supplier has a status",
                             {"supplierNumber": number, "status": status})


def invoice_is_posted(interaction: Any, key: str, doc: dict[str, Any]) -> Any:
    supplier = invoices.supplier_of(doc["orderReference"]["id"])
    return supplier_has_status(interaction, supplier, "active").given(
        "an invoice is posted", {"idempotencyKey": key, "invoice": doc})


def payment_has_status(interaction: Any, key: str, doc: dict[str, Any], status: str) -> Any:
    supplier = invoices.supplier_of(doc["orderReference"]["id"])
    return supplier_has_status(interaction, supplier, "active").given(
        "a payment has a status", {"idempotencyKey": key, "invoice": doc, "status": status})
