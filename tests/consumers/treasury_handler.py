"""Treasury's consumer of finance-events: the cash-out forecast per currency.

Treasury plans liquidity from the ERP's payment events: a scheduled or released payment is
cash that will leave, a settled one has left, a failed one will not leave (and needs a
person). Amounts are Decimal from the canonical Money strings; a float would lose cents on
large runs. Delivery is at least once, so events are deduplicated by CloudEvents source + id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SCHEDULED = "dev.ledgerpact.invoice.payment-scheduled.v1"
PAYMENT_TYPES = {
    "dev.ledgerpact.payment.released.v1": "released",
    "dev.ledgerpact.payment.settled.v1": "settled",
    "dev.ledgerpact.payment.failed.v1": "failed",
}
OUTSTANDING = ("scheduled", "released")


class UnknownEvent(ValueError):
    """An event treasury does not subscribe to reached its queue: a routing mistake."""


@dataclass
class CashForecast:
    """Payments by id with their latest known status, amount and currency."""

    payments: dict[str, tuple[str, Decimal, str]] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    attention: list[str] = field(default_factory=list)

    def _sum(self, statuses: tuple[str, ...]) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for status, value, currency in self.payments.values():
            if status in statuses:
                totals[currency] = totals.get(currency, Decimal(0)) + value
        return totals

    def outstanding(self) -> dict[str, Decimal]:
        """Cash still to leave, per currency."""
        return self._sum(OUTSTANDING)

    def paid(self) -> dict[str, Decimal]:
        return self._sum(("settled",))


def _money(node: Mapping[str, Any]) -> tuple[Decimal, str]:
    return Decimal(str(node["amount"])), str(node["currency"])


def handle(forecast: CashForecast, event: Mapping[str, Any]) -> CashForecast:
    """Apply one CloudEvents envelope to the forecast (in place; returned for chaining)."""
    key = (str(event["source"]), str(event["id"]))
    if key in forecast.seen:
        return forecast
    event_type = str(event["type"])
    data = event["data"]
    if event_type == SCHEDULED:
        value, currency = _money(data["amount"])
        payment_id = str(data["paymentId"])
        known = forecast.payments.get(payment_id)
        # a late "scheduled" must not reopen a payment a later event already moved on
        if known is None or known[0] == "scheduled":
            forecast.payments[payment_id] = ("scheduled", value, currency)
    elif event_type in PAYMENT_TYPES:
        status = PAYMENT_TYPES[event_type]
        if data.get("status") != status:
            raise ValueError(f"{event_type} carries payment status {data.get('status')!r}")
        value, currency = _money(data["amount"])
        forecast.payments[str(data["paymentId"])] = (status, value, currency)
        if status == "failed":
            reason = data.get("statusReason", {}).get("code", "no reason code")
            forecast.attention.append(f"{data['paymentId']}: {reason}")
    else:
        raise UnknownEvent(f"treasury does not consume {event_type}")
    forecast.seen.add(key)
    return forecast
