"""Provider states for verifying the SAP adapter, arranged in the vendor's own terms.

Each handler puts the vendor simulator (through its native admin actions) and/or the
adapter (through its canonical API) into the state a consumer pact names, and returns what
the pact may inject (posting, journal entry and payment ids). The state names and
parameters are fixed by the consumers' pacts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from ledgerpact.adapters.sap_s4hana import client as api
from ledgerpact.adapters.sap_s4hana import mapping


class ProviderEnv(Protocol):
    vendor_url: str
    adapter_url: str


class StateError(RuntimeError):
    """The state could not be arranged (the verifier reports the reason)."""


def _admin(env: ProviderEnv, action: str, body: Mapping[str, Any]) -> Any:
    response = httpx.post(f"{env.vendor_url.rstrip('/')}/__admin/actions/{action}",
                          json=dict(body), timeout=30.0)
    if response.status_code >= 400:
        raise StateError(f"vendor action {action} refused ({response.status_code}): "
                         f"{response.text[:300]}")
    return response.json()


def supplier_has_status(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any] | None:
    number = str(params.get("supplierNumber", ""))
    status = str(params.get("status", ""))
    key = mapping.supplier_key(number)
    if key is None or status not in mapping.SUPPLIER_FLAGS:
        raise StateError(f"cannot give supplier {number!r} the status {status!r}")
    posting, payment, not_released = mapping.SUPPLIER_FLAGS[status]
    body: dict[str, Any] = {"Supplier": key, "PostingIsBlocked": posting,
                            "PaymentIsBlocked": payment, "SupplierIsNotReleased": not_released}
    if status == "blocked":
        body["SupplierBlockReasonText"] = str(params.get("reason") or
                                              "Blocked for verification.")
    elif status == "pending":
        body["SupplierBlockReasonText"] = str(params.get("reason") or
                                              "Onboarding not finished.")
    else:
        body["SupplierBlockReasonText"] = ""
    # no sync here: arranging a state emits nothing; the vendor's change documents keep
    # every transition for the next sync (the message interaction's own) to announce
    _admin(env, "set-supplier-status", body)
    return None


def supplier_does_not_exist(params: Mapping[str, Any], env: ProviderEnv
                            ) -> dict[str, Any] | None:
    number = str(params.get("supplierNumber", ""))
    key = mapping.supplier_key(number)
    if key is None:
        return None
    response = httpx.get(f"{env.vendor_url.rstrip('/')}{api.BP}/A_Supplier"
                         f"{api.key(('Supplier', key))}", auth=api.USER, timeout=30.0)
    if response.status_code != 404:
        raise StateError(f"supplier {number} exists in the vendor (native {key}); the vendor "
                         "has no action to delete a business partner")
    return None


def invoice_is_posted(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any]:
    key = str(params.get("idempotencyKey", ""))
    invoice = params.get("invoice")
    if not key or not isinstance(invoice, Mapping):
        raise StateError("the state needs idempotencyKey and invoice")
    base = env.adapter_url.rstrip("/")
    response = httpx.post(f"{base}/invoice-postings", json=dict(invoice),
                          headers={"Idempotency-Key": key,
                                   "Authorization": "Bearer provider-state"}, timeout=60.0)
    if response.status_code != 201:
        raise StateError(f"posting through the adapter answered {response.status_code}: "
                         f"{response.text[:500]}")
    posting = response.json()
    result: dict[str, Any] = {"postingId": posting["postingId"]}
    if posting.get("journalEntryId"):
        result["journalEntryId"] = posting["journalEntryId"]
    invoice_id = _invoice_id(invoice)
    payments = httpx.get(f"{base}/payments", params={"invoiceId": invoice_id},
                         headers={"Authorization": "Bearer provider-state"}, timeout=30.0)
    if payments.status_code == 200 and payments.json().get("items"):
        result["paymentId"] = payments.json()["items"][0]["paymentId"]
    return result


# canonical payment status -> the vendor actions that lead there from "scheduled"
PAYMENT_PATHS: dict[str, list[str]] = {
    "scheduled": [], "released": ["release-payment"],
    "settled": ["release-payment", "settle-payment"],
    "failed": ["release-payment", "fail-payment"]}


def payment_has_status(params: Mapping[str, Any], env: ProviderEnv) -> dict[str, Any]:
    wanted = str(params.get("status", ""))
    if wanted not in PAYMENT_PATHS:
        raise StateError(f"unknown payment status {wanted!r}")
    result = invoice_is_posted(params, env)
    payment_id = result.get("paymentId")
    if not payment_id:
        raise StateError("the posted invoice has no payment to move")
    native = mapping.native_number(str(payment_id), mapping.PAYMENT[0], mapping.PAYMENT[1])
    if native is None:
        raise StateError(f"{payment_id} is not a payment of this adapter")
    current = httpx.get(f"{env.adapter_url.rstrip('/')}/payments/{payment_id}",
                        headers={"Authorization": "Bearer provider-state"}, timeout=30.0)
    if current.status_code != 200:
        raise StateError(f"payment {payment_id} cannot be read ({current.status_code})")
    status = str(current.json().get("status"))
    done = PAYMENT_PATHS.get(status)
    path = PAYMENT_PATHS[wanted]
    if done is None or path[:len(done)] != done:  # a state already past the wanted one
        raise StateError(f"payment {payment_id} is already {status}; it cannot become {wanted}")
    for action in path[len(done):]:
        _admin(env, action, {"PaymentDocument": native[0], "FiscalYear": native[1]})
    return result


def _invoice_id(invoice: Mapping[str, Any]) -> str:
    for ext in invoice.get("externalIds", []) or []:
        if isinstance(ext, Mapping) and ext.get("system") == "invoice-automation":
            return str(ext["id"])
    return str(invoice.get("number"))


STATE_HANDLERS: dict[str, Callable[[Mapping[str, Any], ProviderEnv], dict[str, Any] | None]] = {
    "a supplier has a status": supplier_has_status,
    "a supplier does not exist": supplier_does_not_exist,
    "an invoice is posted": invoice_is_posted,
    "a payment has a status": payment_has_status,
}
