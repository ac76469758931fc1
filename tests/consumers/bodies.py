"""Expected bodies the consumers' pacts share: the canonical Payment and the CloudEvents
envelope of finance-events.

Each is complete enough to be valid against its schema (the pact files are checked against
the contracts), with exact values only where a consumer decides on them: the payment's status,
amount and currency, the event's type.
"""

from __future__ import annotations

from typing import Any

from ledgerpact.generators.simulators.behaviours import finance_data
from tests.consumers import invoices
from tests.consumers import matchers as m


def payment(doc: dict[str, Any], status: str, payment_id: Any = None) -> dict[str, Any]:
    """The canonical Payment of ``doc``'s payable, as the ERP's payment run makes it."""
    data, _ = invoices.world()
    supplier = next(s for s in data["suppliers"]
                    if s["supplierNumber"] == invoices.supplier_of(doc["orderReference"]["id"]))
    body: dict[str, Any] = {
        "paymentId": payment_id or m.text("PAY-2024-000001"),
        "endToEndId": m.text(f"E2E-{doc['number']}"),
        "debtor": m.like(finance_data.BUYER),
        "debtorAccount": m.like(finance_data.BUYER_ACCOUNT),
        "creditor": m.like({"name": doc["seller"]["name"]}),
        "creditorAccount": m.like({"iban": supplier["bankAccounts"][0]["iban"]}),
        "amount": invoices.payable(doc),
        "requestedExecutionDate": m.day("2024-08-12"),
        "chargeBearer": m.text("SHAR"),
        "status": status,
    }
    if status == "settled":
        body["valueDate"] = m.day()
    if status == "failed":
        body["statusReason"] = m.like({"code": "AC04"})
    return body


def envelope(event_type: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """A finance-events CloudEvent in structured mode: the context attributes a consumer
    deduplicates and routes on (source + id, type), and ``data``."""
    return {"specversion": "1.0", "id": m.text("evt-0001"),
            "source": m.text("ledgerpact-simulator/erp"), "type": event_type,
            "datacontenttype": "application/json", "subject": m.text(subject),
            "time": m.timestamp(), "correlationid": m.text("evt-0001"), "data": data}
