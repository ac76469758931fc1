"""Consumer message pact of treasury -> finance-events (pact-python 4, Pact V4 messages).

Each message of the pact is fed to treasury's real handler (``tests/consumers/
treasury_handler.py``), which must book it into the cash-out forecast. The pact is written to
a temporary folder; ``LEDGERPACT_WRITE_PACTS=1`` also republishes
``pacts/treasury/1.0.0/finance-events.json`` (see ``tests/test_pacts_invoice_automation.py``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.consumers import invoices, pacting, treasury_handler, treasury_pact
from tests.consumers.erp_events import erp_with_events
from tests.consumers.treasury_handler import CashForecast, UnknownEvent, handle

CASES = treasury_pact.CASES


@pytest.mark.parametrize("description", [c.description for c in CASES])
def test_message_is_handled_by_treasury(description: str) -> None:
    run = pacting.recorded(treasury_pact.CONSUMER)
    assert run.results[description] is None, run.results[description]


def test_pact_carries_message_names_and_content_type() -> None:
    pact = json.loads(pacting.recorded(treasury_pact.CONSUMER).path.read_text())
    assert (pact["consumer"]["name"], pact["provider"]["name"]) == ("treasury", "finance-events")
    names = sorted(i["metadata"]["message"] for i in pact["interactions"])
    assert names == sorted(["invoicePaymentScheduled", "paymentReleased", "paymentSettled",
                            "paymentFailed"])
    assert {i["metadata"]["contentType"] for i in pact["interactions"]} == \
        {"application/cloudevents+json"}
    assert {i["type"] for i in pact["interactions"]} == {"Asynchronous/Messages"}


def test_a_message_the_handler_rejects_fails_the_pact() -> None:
    """A consumer that cannot handle the message fails its interaction."""
    case = CASES[0]
    broken = pacting.MessageCase(case.description, case.message, case.define,
                                 lambda event, metadata: handle(CashForecast(), {
                                     **event, "type": "dev.ledgerpact.invoice.captured.v1"}))
    misnamed = pacting.MessageCase("a message under another name", "paymentSettled",
                                   case.define, case.consume)
    run = pacting.record("treasury-negative", "finance-events", [broken, misnamed])
    assert "does not consume" in str(run.results[broken.description])
    assert "metadata names message" in str(run.results[misnamed.description])


def _event(event_id: str, event_type: str, data: dict[str, object]) -> dict[str, object]:
    return {"specversion": "1.0", "id": event_id, "source": "erp", "type": event_type,
            "data": data}


def test_forecast_follows_a_payment_through_its_life() -> None:
    money = {"amount": "1486.79", "currency": "EUR"}
    forecast = CashForecast()
    handle(forecast, _event("1", treasury_handler.SCHEDULED,
                            {"paymentId": "P1", "amount": money}))
    handle(forecast, _event("2", treasury_handler.SCHEDULED,
                            {"paymentId": "P2", "amount": {"amount": "0.01",
                                                           "currency": "EUR"}}))
    assert forecast.outstanding() == {"EUR": Decimal("1486.80")}
    handle(forecast, _event("3", "dev.ledgerpact.payment.settled.v1",
                            {"paymentId": "P1", "status": "settled", "amount": money}))
    # redelivered, and a late "scheduled" for a settled payment: neither changes anything
    handle(forecast, _event("3", "dev.ledgerpact.payment.settled.v1",
                            {"paymentId": "P1", "status": "settled", "amount": money}))
    handle(forecast, _event("4", treasury_handler.SCHEDULED,
                            {"paymentId": "P1", "amount": money}))
    assert forecast.outstanding() == {"EUR": Decimal("0.01")}
    assert forecast.paid() == {"EUR": Decimal("1486.79")}
    handle(forecast, _event("5", "dev.ledgerpact.payment.failed.v1",
                            {"paymentId": "P2", "status": "failed",
                             "amount": {"amount": "0.01", "currency": "EUR"},
                             "statusReason": {"code": "AC01"}}))
    assert forecast.outstanding() == {} and forecast.attention == ["P2: AC01"]


def test_handler_refuses_what_it_does_not_understand() -> None:
    with pytest.raises(UnknownEvent):
        handle(CashForecast(), _event("1", "dev.ledgerpact.invoice.posted.v1", {}))
    with pytest.raises(ValueError, match="carries payment status"):
        handle(CashForecast(), _event("1", "dev.ledgerpact.payment.settled.v1",
                                      {"paymentId": "P", "status": "released",
                                       "amount": {"amount": "1", "currency": "EUR"}}))


def test_forecast_from_the_canonical_erp_events(repo_root: Path, tmp_path: Path) -> None:
    """Events a real provider publishes, not the pact's examples: post two invoices in two
    currencies through the canonical ERP, settle one payment, and forecast from its events."""
    eur = invoices.invoice("TR-REAL-0001", invoices.EUR_ORDER)
    sek = invoices.invoice("TR-REAL-0002", invoices.SEK_ORDER)
    with erp_with_events(repo_root, tmp_path) as erp:
        erp.post(eur, "treasury-real-key-0001")
        erp.post(sek, "treasury-real-key-0002")
        paid = erp.payment_of(sek["number"])["paymentId"]
        erp.admin("release-payment", {"paymentId": paid})
        erp.admin("settle-payment", {"paymentId": paid})
        # 2 x (posted + payment-scheduled), released, settled, invoice paid
        events = erp.events(7)
    forecast = CashForecast()
    for event in events:
        if event["type"] == treasury_handler.SCHEDULED or \
                event["type"] in treasury_handler.PAYMENT_TYPES:
            handle(forecast, event)
    assert forecast.outstanding() == {"EUR": invoices.amount(invoices.payable(eur))}
    assert forecast.paid() == {"SEK": invoices.amount(invoices.payable(sek))}
