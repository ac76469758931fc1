"""Change polling: vendor payment and vendor status changes as canonical finance-events.

The vendor publishes no events, so the adapter compares what the vendor says now with what
it saw at the previous ``sync`` (a snapshot in the adapter's store: each vendor's canonical
status, each payment's count of status-history entries). A payment that moved several steps
between two syncs yields one event per step, from its native status history, so consumers
see released before settled exactly as with the canonical ERP.

The baseline (what the vendor looked like when the adapter started or was reset) is read in
a background thread started by ``seed``: the engine seeds inside ``build()`` and inside
``/__admin/reset``'s store transaction, and a vendor that answers slowly or never must hold
neither. The first ``sync`` waits for it (without blocking the event loop) and compares
against it. Syncs run one at a time (an ``asyncio.Lock`` per adapter around read, compare,
emit and save), so concurrent syncs publish each change once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ledgerpact.adapters.netsuite import mapping
from ledgerpact.adapters.netsuite.client import VendorClient, VendorError
from ledgerpact.generators.simulators.messages import ActionError, Context

if TYPE_CHECKING:
    from ledgerpact.adapters.netsuite.behaviour import NetSuiteAdapterBehaviour
    from ledgerpact.generators.simulators.store import Store

KIND = "netsuite-sync"


def _snapshot(store: Store) -> dict[str, Any]:
    return store.get(KIND, "snapshot") or {"vendors": {}, "payments": {}}


async def read_baseline(client: VendorClient, tables: mapping.Tables) -> dict[str, Any]:
    """Each vendor's canonical status and each payment's step count, now."""
    snapshot: dict[str, Any] = {"vendors": {}, "payments": {}}
    for vendor in await client.list_all("vendor"):
        snapshot["vendors"][vendor["id"]] = mapping.supplier_status(vendor, tables)
    for payment in await client.list_all("vendorPayment"):
        snapshot["payments"][payment["id"]] = _steps(payment)
    return snapshot


class Baseline:
    """The vendor's state when the adapter was seeded, read in a thread of its own (with
    its own event loop and connection) so that seeding returns at once."""

    def __init__(self) -> None:
        self.future: concurrent.futures.Future[dict[str, Any] | None] = \
            concurrent.futures.Future()

    @classmethod
    def start(cls, vendor_url: str, tables: mapping.Tables) -> Baseline:
        baseline = cls()

        def run() -> None:
            async def read() -> dict[str, Any]:
                async with VendorClient.open(vendor_url) as http:
                    return await read_baseline(VendorClient(http), tables)

            result: dict[str, Any] | None = None  # unread: the first sync only records
            try:
                result = asyncio.run(read())
            except (VendorError, mapping.MappingError, KeyError, TypeError, ValueError):
                pass
            finally:  # whatever happened, the first sync must not wait forever
                baseline.future.set_result(result)

        threading.Thread(target=run, daemon=True, name="netsuite-baseline").start()
        return baseline

    async def result(self) -> dict[str, Any] | None:
        """The baseline (None if the vendor could not be read), awaited without blocking."""
        return await asyncio.wrap_future(self.future)


def remember_payment(store: Store, native: Mapping[str, Any]) -> None:
    """A payment the adapter announced itself (invoicePaymentScheduled): its first step is
    not news at the next sync."""
    snapshot = _snapshot(store)
    snapshot["payments"][native["id"]] = _steps(native)
    store.put(KIND, "snapshot", snapshot)


def _steps(native: Mapping[str, Any]) -> int:
    return len(native.get("custbody_lp_status_history", {}).get("items", [])) or 1


def payment_at(payment: Mapping[str, Any], steps: int) -> dict[str, Any]:
    """The canonical payment as it was after its first ``steps`` status changes."""
    out = dict(payment)
    history = list(payment.get("statusHistory", []))[:steps]
    out["statusHistory"] = history
    status = history[-1]["status"] if history else payment["status"]
    out["status"] = status
    if status != "failed":
        out.pop("statusReason", None)
    elif "statusReason" not in out:
        out["statusReason"] = dict(history[-1].get("reason") or {"code": "NARR"})
    if status not in ("settled", "returned"):
        out.pop("valueDate", None)
        out.pop("bookingDate", None)
    return out


async def sync(ctx: Context, adapter: NetSuiteAdapterBehaviour) -> dict[str, Any]:
    """Emit the events for every change since the previous sync; ``{"emitted": [ids]}``.
    One sync at a time per adapter: a second waits and then sees only what is new."""
    async with adapter.sync_lock:
        return await _sync(ctx, adapter)


async def _sync(ctx: Context, adapter: NetSuiteAdapterBehaviour) -> dict[str, Any]:
    from ledgerpact.adapters.netsuite.behaviour import World

    tables = adapter.tables
    snapshot = _snapshot(ctx.store)
    if not snapshot.get("complete", False):
        baseline = await adapter.baseline.result()
        if baseline is not None:  # what the adapter announced itself stays known
            baseline["payments"].update(snapshot["payments"])
            snapshot = {**baseline, "complete": True}
    first = not snapshot.get("complete", False)
    pending: list[tuple[str, dict[str, Any]]] = []
    try:
        client = adapter.connection.client()
        vendors = await client.list_all("vendor")
        payments = await client.list_all("vendorPayment")
        world = World(client, tables, adapter.minor_units)
        for vendor in vendors:
            status = mapping.supplier_status(vendor, tables)
            before = snapshot["vendors"].get(vendor["id"])
            snapshot["vendors"][vendor["id"]] = status
            if first or before is None or before == status:
                continue
            data: dict[str, Any] = {
                "supplierNumber": mapping.supplier_number(vendor),
                "previousStatus": before, "status": status,
                "changedAt": vendor.get("custentity_lp_status_since")
                or mapping.required(vendor, "lastModifiedDate", "vendor")}
            if vendor.get("custentity_lp_status_reason"):
                data["reason"] = vendor["custentity_lp_status_reason"]
            pending.append(("supplierStatusChanged", data))
        for native in payments:
            seen = snapshot["payments"].get(native["id"], 1)
            steps = _steps(native)
            snapshot["payments"][native["id"]] = steps
            if first or steps <= seen:
                continue
            canonical = await adapter.canonical_payment(world, native)
            for step in range(seen + 1, steps + 1):
                moved = payment_at(canonical, step)
                name = mapping.PAYMENT_EVENTS.get(moved["status"])
                if name is None:
                    continue
                pending.append((name, moved))
                if moved["status"] == "settled":
                    referred = moved["remittanceInformation"]["structured"][0][
                        "referredDocument"]
                    pending.append(("invoicePaid", {
                        "invoiceId": referred["id"], "invoiceNumber": referred["number"],
                        "paymentIds": [moved["paymentId"]], "paidAmount": moved["amount"],
                        "valueDate": moved["valueDate"]}))
    except VendorError as exc:
        raise ActionError(503, f"the vendor did not answer the sync ({exc.code})") from None
    except mapping.MappingError as exc:
        raise ActionError(500, f"VENDOR_RESPONSE_UNMAPPED: {exc}") from None
    snapshot["complete"] = True
    with ctx.store.transaction():
        # no await from here on and syncs hold the lock: the rows after the mark are ours
        mark = _outbox_mark(ctx.store, adapter)
        for name, data in pending:
            ctx.emit(name, data)
        ctx.store.put(KIND, "snapshot", snapshot)
        rows = ctx.store.outbox_all(after=mark, limit=len(pending) + 1)
    emitted = [str(row["envelope"]["id"]) for _, row in rows]
    if rows:
        adapter.outbox_mark = rows[-1][0]
    return {"emitted": emitted}


def _outbox_mark(store: Store, adapter: NetSuiteAdapterBehaviour) -> int:
    """The outbox's last sequence number, read forward from the previous sync's mark (so
    each event is read once over the adapter's life, not the whole outbox per sync)."""
    mark = adapter.outbox_mark
    while True:
        rows = store.outbox_all(after=mark, limit=10_000)
        if not rows:
            return mark
        mark = rows[-1][0]
