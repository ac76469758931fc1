"""The payment state machine: scheduled -> released -> settled | failed.

Kept apart from the HTTP behaviour so the legal moves are one table that tests can walk
exhaustively; a move not in the table is refused, never silently applied, because QA uses
the simulator to check that consumers cope with exactly the states a real ERP produces.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

# state -> action -> next state
TRANSITIONS: dict[str, dict[str, str]] = {
    "scheduled": {"release": "released"},
    "released": {"settle": "settled", "fail": "failed"},
    "settled": {},
    "failed": {},
}


class IllegalPaymentTransition(Exception):
    def __init__(self, payment_id: str, status: str, action: str) -> None:
        self.allowed = sorted(TRANSITIONS.get(status, {}))
        allowed = ", ".join(self.allowed) or "none (final state)"
        super().__init__(f"payment {payment_id} is {status}: cannot {action}; "
                         f"allowed: {allowed}")
        self.status = status
        self.action = action


def timestamp(at: datetime) -> str:
    """RFC 3339 UTC with a Z, as the contract's Timestamp pattern wants."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    # isoformat, not strftime: several times faster (four stamps per posting), and the year
    # always has four digits as RFC 3339 wants
    return aware.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def apply(payment: Mapping[str, Any], action: str, at: datetime, *,
          reason: Mapping[str, Any] | None = None, value_date: date | None = None
          ) -> dict[str, Any]:
    """The payment after ``action`` (a new dict; the input is not changed).

    ``reason`` (an ISO 20022 StatusReason: code and/or proprietary) is required by the
    contract for failed payments; ``value_date`` defaults to the day of ``at`` on settling.
    """
    status = str(payment.get("status"))
    target = TRANSITIONS.get(status, {}).get(action)
    if target is None:
        raise IllegalPaymentTransition(str(payment.get("paymentId")), status, action)
    updated = copy.deepcopy(dict(payment))
    updated["status"] = target
    entry: dict[str, Any] = {"status": target, "at": timestamp(at)}
    if target == "failed":
        updated["statusReason"] = dict(reason or {"code": "AC04"})
        entry["reason"] = updated["statusReason"]
    if target == "settled":
        day = (value_date or at.date()).isoformat()
        updated["valueDate"] = day
        updated["bookingDate"] = day
    updated["statusHistory"] = [*updated.get("statusHistory", []), entry]
    return updated
