"""Analytics' consumer of finance-events: posted and paid facts, the supplier status dimension.

The finance warehouse keeps one fact row per posted and per paid invoice (amounts as Decimal,
by currency and fiscal period) and a type-2 supplier status dimension (a new row per status,
the previous one closed at the change), so reports can ask "what was blocked on that day".
Events arrive at least once; they are deduplicated by CloudEvents source + id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

POSTED = "dev.ledgerpact.invoice.posted.v1"
PAID = "dev.ledgerpact.invoice.paid.v1"
STATUS_CHANGED = "dev.ledgerpact.supplier.status-changed.v1"


@dataclass(frozen=True)
class PostedFact:
    invoice_number: str
    posting_id: str
    fiscal_year: int
    fiscal_period: int
    gross: Decimal
    currency: str


@dataclass(frozen=True)
class PaidFact:
    invoice_number: str
    payment_count: int
    paid: Decimal
    currency: str
    value_date: str


@dataclass
class SupplierStatusRow:
    supplier_number: str
    status: str
    valid_from: str
    valid_to: str | None = None


@dataclass
class Warehouse:
    posted: list[PostedFact] = field(default_factory=list)
    paid: list[PaidFact] = field(default_factory=list)
    supplier_status: list[SupplierStatusRow] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def current_status(self, supplier_number: str) -> str | None:
        rows = [r for r in self.supplier_status
                if r.supplier_number == supplier_number and r.valid_to is None]
        return rows[-1].status if rows else None


def _money(node: Mapping[str, Any]) -> tuple[Decimal, str]:
    return Decimal(str(node["amount"])), str(node["currency"])


def handle(warehouse: Warehouse, event: Mapping[str, Any]) -> Warehouse:
    """Load one CloudEvents envelope into the warehouse (in place; returned for chaining)."""
    key = (str(event["source"]), str(event["id"]))
    if key in warehouse.seen:
        return warehouse
    data = event["data"]
    event_type = str(event["type"])
    if event_type == POSTED:
        gross, currency = _money(data["grossAmount"])
        period = data["postingPeriod"]
        warehouse.posted.append(PostedFact(str(data["invoiceNumber"]), str(data["postingId"]),
                                           int(period["fiscalYear"]), int(period["period"]),
                                           gross, currency))
    elif event_type == PAID:
        paid, currency = _money(data["paidAmount"])
        warehouse.paid.append(PaidFact(str(data["invoiceNumber"]), len(data["paymentIds"]),
                                       paid, currency, str(data["valueDate"])))
    elif event_type == STATUS_CHANGED:
        number, changed_at = str(data["supplierNumber"]), str(data["changedAt"])
        for row in warehouse.supplier_status:
            if row.supplier_number == number and row.valid_to is None:
                row.valid_to = changed_at
        warehouse.supplier_status.append(SupplierStatusRow(number, str(data["status"]),
                                                           changed_at))
    else:
        raise ValueError(f"analytics does not consume {event_type}")
    warehouse.seen.add(key)
    return warehouse
