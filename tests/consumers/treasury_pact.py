"""The treasury -> finance-events message pact: the payment events the cash forecast needs.

Each message is fed to treasury's real handler (``treasury_handler.handle``), which must book
it into the forecast; the pact pins what the forecast books on (event type, payment status,
amount, currency) and only the shape of what the ERP generates (ids, times).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pact import Pact

from tests.consumers import bodies, invoices, message_states, treasury_handler
from tests.consumers import matchers as m
from tests.consumers.pacting import MESSAGE_CONTENT_TYPE, MessageCase

CONSUMER = "treasury"
PROVIDER = "finance-events"
DOCS: dict[str, dict[str, Any]] = {
    "TRE-001": invoices.invoice("TR-PACT-TRE-001", invoices.EUR_ORDER),
    "TRE-002": invoices.invoice("TR-PACT-TRE-002", invoices.EUR_ORDER),
    "TRE-003": invoices.invoice("TR-PACT-TRE-003", invoices.SEK_ORDER),
    "TRE-004": invoices.invoice("TR-PACT-TRE-004", invoices.SEK_ORDER),
}
KEYS = {name: f"treasury-pact-{name.lower()}-8d2e4b71" for name in DOCS}
TYPES = {"invoicePaymentScheduled": "dev.ledgerpact.invoice.payment-scheduled.v1",
         "paymentReleased": "dev.ledgerpact.payment.released.v1",
         "paymentSettled": "dev.ledgerpact.payment.settled.v1",
         "paymentFailed": "dev.ledgerpact.payment.failed.v1"}


def _message(pact: Pact, description: str, message: str, body: dict[str, Any]) -> Any:
    return (pact.upon_receiving(description, "Async")
            .with_body(body, MESSAGE_CONTENT_TYPE)
            .with_metadata({"message": message, "contentType": MESSAGE_CONTENT_TYPE}))


def _define_scheduled(pact: Pact) -> Any:
    doc = DOCS["TRE-001"]
    data = {"invoiceId": m.text(doc["number"]), "invoiceNumber": doc["number"],
            "paymentId": m.text("PAY-2024-000001"),
            "requestedExecutionDate": m.day("2024-08-12"), "amount": invoices.payable(doc)}
    interaction = _message(pact, "an invoicePaymentScheduled event for a posted invoice",
                           "invoicePaymentScheduled",
                           bodies.envelope(TYPES["invoicePaymentScheduled"], doc["number"], data))
    return message_states.invoice_is_posted(interaction, KEYS["TRE-001"], doc)


def _define_payment(name: str, message: str, status: str) -> Callable[[Pact], Any]:
    def define(pact: Pact) -> Any:
        doc = DOCS[name]
        body = bodies.envelope(TYPES[message], "PAY-2024-000001", bodies.payment(doc, status))
        interaction = _message(pact, f"a {message} event for a payment that is {status}",
                               message, body)
        return message_states.payment_has_status(interaction, KEYS[name], doc, status)
    return define


def _consume(name: str, status: str) -> Callable[[dict[str, Any], Mapping[str, Any]], None]:
    def consume(event: dict[str, Any], metadata: Mapping[str, Any]) -> None:
        doc = DOCS[name]
        money = invoices.payable(doc)
        expected = {money["currency"]: invoices.amount(money)}
        forecast = treasury_handler.handle(treasury_handler.CashForecast(), event)
        if status in treasury_handler.OUTSTANDING:
            assert forecast.outstanding() == expected and forecast.paid() == {}
        elif status == "settled":
            assert forecast.paid() == expected and forecast.outstanding() == {}
        else:
            assert forecast.outstanding() == {} and len(forecast.attention) == 1
        # at-least-once delivery: the same event again changes nothing
        assert treasury_handler.handle(forecast, event).outstanding() == \
            forecast.outstanding()
    return consume


CASES: list[MessageCase] = [
    MessageCase("an invoicePaymentScheduled event for a posted invoice",
                "invoicePaymentScheduled", _define_scheduled, _consume("TRE-001", "scheduled")),
    MessageCase("a paymentReleased event for a payment that is released", "paymentReleased",
                _define_payment("TRE-002", "paymentReleased", "released"),
                _consume("TRE-002", "released")),
    MessageCase("a paymentSettled event for a payment that is settled", "paymentSettled",
                _define_payment("TRE-003", "paymentSettled", "settled"),
                _consume("TRE-003", "settled")),
    MessageCase("a paymentFailed event for a payment that is failed", "paymentFailed",
                _define_payment("TRE-004", "paymentFailed", "failed"),
                _consume("TRE-004", "failed")),
]
