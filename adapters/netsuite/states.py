"""Provider states for consumer pacts, arranged through the vendor's admin API and the
adapter's own canonical API (never by writing the adapter's state directly)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from ledgerpact.adapters.netsuite import mapping
from ledgerpact.adapters.netsuite.client import admin, q_quote
from ledgerpact.generators.simulators import jsonio

TIMEOUT_S = 30.0


class ProviderEnv(Protocol):
    vendor_url: str
    adapter_url: str


class StateError(RuntimeError):
    """A provider state that could not be arranged (the verifier reports the reason)."""


def supplier_has_status(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any] | None:
    number, status = str(params["supplierNumber"]), str(params["status"])
    if status not in mapping.VENDOR_STATUS_TO_NATIVE:
        raise StateError(f"unknown supplier status {status!r}")
    entity_status, hold, inactive = mapping.VENDOR_STATUS_TO_NATIVE[status]
    admin(env.vendor_url, "set-vendor-status",
          {"id": "eid:" + number, "entityStatus": entity_status, "paymentHold": hold,
           "isInactive": inactive})
    return None


def supplier_does_not_exist(params: Mapping[str, Any], env: ProviderEnv
                            ) -> dict[str, Any] | None:
    number = str(params["supplierNumber"])
    response = httpx.get(f"{env.vendor_url}/services/rest/record/v1/vendor/eid:{number}",
                         headers={"Authorization": "Bearer provider-state"}, timeout=TIMEOUT_S)
    if response.status_code != 404:
        raise StateError(f"vendor {number} exists at the vendor; the seeded world has no way "
                         "to delete it")
    return None


def _post(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any]:
    """Post the invoice through the adapter (a replay if it was posted with this key) and
    return the ids a pact may inject: postingId, journalEntryId, paymentId (if any)."""
    key = str(params.get("idempotencyKey") or uuid.uuid4())
    response = httpx.post(f"{env.adapter_url}/invoice-postings",
                          content=jsonio.dumps(params["invoice"]),
                          headers={"Idempotency-Key": key, "Authorization": "Bearer state",
                                   "Content-Type": "application/json"}, timeout=TIMEOUT_S)
    if response.status_code == 201:
        bill_id = mapping.internal_id(jsonio.loads(response.content)["postingId"], "posting")
    elif response.status_code == 409 and jsonio.loads(response.content).get("code") == \
            "DUPLICATE_INVOICE":  # posted before (under another key): the state holds
        bill_id = _posted_bill(env, str(params["invoice"].get("number")))
    else:
        raise StateError(f"posting the invoice answered {response.status_code}: "
                         f"{response.text[:500]}")
    bill = httpx.get(f"{env.vendor_url}/services/rest/record/v1/vendorBill/{bill_id}",
                     headers={"Authorization": "Bearer state"}, timeout=TIMEOUT_S)
    if not bill.is_success:
        raise StateError(f"the vendor has no bill {bill_id}: {bill.text[:300]}")
    native = jsonio.loads(bill.content)
    values: dict[str, Any] = {"postingId": mapping.posting_id(str(bill_id))}
    if native.get("custbody_lp_gl_impact"):
        values["journalEntryId"] = mapping.entry_id(str(native["custbody_lp_gl_impact"]["id"]))
    payment = native.get("custbody_lp_payment")
    if payment:
        values["paymentId"] = mapping.payment_id(str(payment["id"]))
    return values


def _posted_bill(env: ProviderEnv, number: str) -> str:
    response = httpx.get(f"{env.vendor_url}/services/rest/record/v1/vendorBill",
                         params={"q": f"tranId IS {q_quote(number)}"},
                         headers={"Authorization": "Bearer state"}, timeout=TIMEOUT_S)
    items = jsonio.loads(response.content).get("items", []) if response.is_success else []
    if not items:
        raise StateError(f"the adapter calls invoice {number} a duplicate, but the vendor has "
                         "no bill with that number")
    return str(items[0]["id"])


def invoice_is_posted(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any] | None:
    return _post(params, env)


# canonical target status -> vendor admin actions from a scheduled payment
_PAYMENT_PATH: dict[str, tuple[str, ...]] = {
    "scheduled": (), "released": ("release-payment",),
    "settled": ("release-payment", "settle-payment"),
    "failed": ("release-payment", "fail-payment")}


def payment_has_status(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any] | None:
    values = _post(params, env)
    status = str(params["status"])
    if status not in _PAYMENT_PATH:
        raise StateError(f"unknown payment status {status!r}")
    if "paymentId" not in values:
        raise StateError("the posted invoice has no payment (no amount or no bank account)")
    native = mapping.internal_id(values["paymentId"], "payment")
    current = httpx.get(f"{env.vendor_url}/services/rest/record/v1/vendorPayment/{native}",
                        headers={"Authorization": "Bearer state"}, timeout=TIMEOUT_S)
    reached = mapping.lookup(mapping.PAYMENT_STATUS_FROM_NATIVE,
                             jsonio.loads(current.content)["status"]["id"], "payment status")
    path = _PAYMENT_PATH[status]
    done = _PAYMENT_PATH.get(reached, ())
    if reached != status and path[:len(done)] != done:
        raise StateError(f"payment {values['paymentId']} is already {reached}, "
                         f"it cannot become {status}")
    for action in path[len(done):]:
        admin(env.vendor_url, action, {"id": native})
    return values


STATE_HANDLERS: dict[str, Callable[[Mapping[str, Any], ProviderEnv], dict[str, Any] | None]] = {
    "a supplier has a status": supplier_has_status,
    "a supplier does not exist": supplier_does_not_exist,
    "an invoice is posted": invoice_is_posted,
    "a payment has a status": payment_has_status,
}
