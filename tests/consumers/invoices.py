"""Invoices the consumers' pacts send, built from the seeded ERP world (seed 1).

Every provider that verifies these pacts (the canonical ERP simulator and each reference
adapter over its vendor simulator) seeds the same world from seed 1, so an invoice built here
from a seeded purchase order is valid in all of them; hand-written invoices would drift from
the master data and fail for reasons no consumer cares about.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ledgerpact.generators.simulators.behaviours import finance_data

SEED = 1
ISSUE_DATE = "2024-06-28"
# (supplier, one of its open purchase orders) in the seed-1 world
SEK_SUPPLIER, SEK_ORDER = "V-100001", "4500012000"
EUR_SUPPLIER, EUR_ORDER = "V-100003", "4500012002"
UNKNOWN_SUPPLIER = "V-999999"
INPUT_VAT_ACCOUNT = finance_data.INPUT_VAT_ACCOUNT
PAYABLES_ACCOUNT = finance_data.PAYABLES_ACCOUNT


@lru_cache(maxsize=1)
def world() -> tuple[dict[str, Any], dict[str, int]]:
    document = finance_data.erp_document()
    return (finance_data.reference_data(SEED, document=document),
            finance_data.contract_minor_units(document))


def invoice(number: str, order: str = SEK_ORDER) -> dict[str, Any]:
    """A clean canonical invoice billing the open lines of seeded purchase order ``order``."""
    data, minor_units = world()
    po = next(p for p in data["purchaseOrders"] if p["poNumber"] == order)
    supplier = next(s for s in data["suppliers"]
                    if s["supplierNumber"] == po["supplier"]["supplierNumber"])
    built = finance_data.invoice_for(po, supplier, data["taxCodes"], minor_units, number,
                                     ISSUE_DATE)
    return copy.deepcopy(built)


def supplier_of(order: str) -> str:
    data, _ = world()
    return str(next(p for p in data["purchaseOrders"]
                    if p["poNumber"] == order)["supplier"]["supplierNumber"])


def payable(doc: dict[str, Any]) -> dict[str, str]:
    """The document's payable amount as canonical Money (what the ERP pays the supplier)."""
    return dict(doc["totals"]["payableAmount"])


def vat_total(doc: dict[str, Any]) -> dict[str, str]:
    return dict(doc["totals"]["vatTotal"])


def amount(money: dict[str, str]) -> Decimal:
    return Decimal(money["amount"])
