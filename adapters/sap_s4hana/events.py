"""Change polling for the adapter's ``sync`` action: vendor changes -> finance-events.

The S/4HANA-style vendor publishes no events, so the adapter polls. Suppliers: the vendor
writes a numbered change document per change of a supplier's blocking flags, and each sync
reads the documents after the last one it has read, so two changes in a row are two events
(never merged into the latest state) and arranging a state needs no sync of its own.
Payments: each keeps its payment-run status history, and the adapter keeps how many entries
of each it has announced. The watermark is a time, taken from the adapter's clock when it is
reset (no vendor call inside the reset, where an unanswering vendor would freeze the
engine): changes from before it are the vendor's history, never replayed as news; changes
after it are announced by the next sync, even when no request came in between. Reading the
vendor is async, on the serving loop, paged up to the client's cap.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledgerpact.adapters.sap_s4hana import client as api
from ledgerpact.adapters.sap_s4hana import mapping
from ledgerpact.generators.simulators.behaviours import finance_data

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.store import Store

KIND = "sap.sync"
CHANGES = f"{api.BP}/A_SupplierChangeDocument"
FLAGS = ("PostingIsBlocked", "PaymentIsBlocked", "SupplierIsNotReleased")
# canonical payment status entered -> the finance-events message announcing it
PAYMENT_MESSAGES: dict[str, str] = {"released": "paymentReleased", "settled": "paymentSettled",
                                    "failed": "paymentFailed", "returned": "paymentReturned"}


def start(store: Store, now: datetime) -> None:
    """The watermark at reset: only vendor changes from ``now`` on become events."""
    store.put(KIND, "since", {"ms": int(now.timestamp() * 1000)})
    store.put(KIND, "changes", {"read": 0})
    store.put(KIND, "payments", {})


def remember_payment(store: Store, payment: Mapping[str, Any]) -> None:
    """A payment the adapter already announced (scheduled at posting)."""
    seen = store.get(KIND, "payments") or {}
    seen.setdefault(str(payment["paymentId"]), len(payment.get("statusHistory", [])))
    store.put(KIND, "payments", seen)


def scenario(store: Store) -> dict[str, Any]:
    return {"syncChangeDocumentsRead": _read(store)}


def _read(store: Store) -> int:
    return int((store.get(KIND, "changes") or {}).get("read", 0))


Snapshot = tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]


async def fetch(vendor: api.VendorClient, store: Store) -> Snapshot:
    """The supplier change documents not read yet, every payment and the paying company
    code, read now, every page (up to the client's cap), on the serving event loop."""
    changes = await vendor.entities(CHANGES, offset=_read(store))
    payments = await vendor.entities(f"{api.PY}/A_SupplierPayment")
    company: dict[str, Any] = {}
    if payments:
        found = await vendor.entity(
            f"{api.CO}/A_CompanyCode{api.key(('CompanyCode', finance_data.COMPANY_CODE))}")
        if found is None:
            raise api.VendorUnavailable(f"company code {finance_data.COMPANY_CODE} is missing")
        company = found
    return changes, payments, company


def poll(store: Store, snapshot: Snapshot, mapper: mapping.Mapper
         ) -> list[tuple[str, dict[str, Any]]]:
    """(message, data) for every change since the previous poll, oldest first per record."""
    documents, payments, company = snapshot
    since = int((store.get(KIND, "since") or {}).get("ms", 0))
    known_payments = store.get(KIND, "payments") or {}
    changes: list[tuple[str, dict[str, Any]]] = []
    for doc in documents:
        previous = mapper.supplier_status({f: doc[f"Old{f}"] for f in FLAGS})
        status = mapper.supplier_status({f: doc[f"New{f}"] for f in FLAGS})
        if previous == status or mapping.epoch_ms(doc["ChangedOn"]) < since:
            continue
        data = {"supplierNumber": mapping.supplier_number(doc["Supplier"]),
                "previousStatus": previous, "status": status,
                "changedAt": mapping.instant(doc["ChangedOn"])}
        if status != "active" and doc.get("SupplierBlockReasonText"):
            data["reason"] = doc["SupplierBlockReasonText"]
        changes.append(("supplierStatusChanged", data))
    seen_payments: dict[str, int] = {}
    for native in payments:
        payment = mapper.payment(native, company)
        history = payment["statusHistory"]
        native_history = mapping.results(native, "to_PaymentStatusHistory")
        seen = known_payments.get(payment["paymentId"])
        if seen is None:  # first seen: what happened before the watermark is history
            seen = sum(1 for h in native_history if mapping.epoch_ms(h["ChangedOn"]) < since)
        seen_payments[payment["paymentId"]] = len(history)
        for position in range(int(seen), len(history)):
            status = history[position]["status"]
            message = PAYMENT_MESSAGES.get(status)
            if message is None:
                continue
            at_the_time = as_of(payment, position)
            changes.append((message, at_the_time))
            if status == "settled":
                referred = payment["remittanceInformation"]["structured"][0]["referredDocument"]
                changes.append(("invoicePaid", {
                    "invoiceId": referred.get("id", referred["number"]),
                    "invoiceNumber": referred["number"], "paymentIds": [payment["paymentId"]],
                    "paidAmount": payment["amount"],
                    "valueDate": payment.get("valueDate", history[position]["at"][:10])}))
    store.put(KIND, "changes", {"read": _read(store) + len(documents)})
    store.put(KIND, "payments", {**known_payments, **seen_payments})
    return changes


def as_of(payment: Mapping[str, Any], position: int) -> dict[str, Any]:
    """The payment as it was when it entered history[position] (an event announces that
    state, even if the payment has moved on since the last poll)."""
    then = copy.deepcopy(dict(payment))
    history = then["statusHistory"][:position + 1]
    then["statusHistory"] = history
    then["status"] = history[-1]["status"]
    if then["status"] != "settled" and then["status"] != "returned":
        then.pop("valueDate", None)
        then.pop("bookingDate", None)
    if then["status"] not in ("failed", "returned"):
        then.pop("statusReason", None)
    return then
