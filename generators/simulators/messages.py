"""The vocabulary every simulator part shares: a request in, a response out, a behaviour.

Kept in one small module so the engine, the finance behaviours, idempotency and the event
outbox agree on shapes without importing each other. Bodies carry JSON numbers as
``Decimal`` so money is never rounded on its way through a simulator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

if TYPE_CHECKING:
    import random

    from ledgerpact.generators.simulators.store import Store

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class SimRequest:
    """A request that passed contract validation, with parameters already typed."""

    method: str  # upper case
    path: str  # as received, without the query string
    operation_id: str
    path_template: str  # the contract's path, e.g. /suppliers/{supplierNumber}
    path_params: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: Any = None  # parsed JSON (numbers as Decimal) or None
    raw_body: bytes = b""
    media_type: str | None = None  # without parameters, lower case


@dataclass(slots=True)
class SimResponse:
    """What a behaviour answers; the engine validates it against the contract before sending."""

    status: int
    body: Any = None  # JSON-able (Decimal allowed), bytes, or None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"


_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def uri_reference(path: str) -> str:
    """``path`` as a problem's ``instance`` (a uri-reference).

    The engine hands behaviours the raw path as received, so its escapes are already there:
    quoting them again turns ``%2F`` into ``%252F`` and the instance no longer names the
    resource asked for. Existing escapes are kept; only what is not URI-safe (a space, non-
    ASCII, a ``%`` that starts no escape) is encoded."""
    return quote(_STRAY_PERCENT.sub("%25", path), safe="/%:@!$&'()*+,;=-._~")


def problem(status: int, title: str, detail: str, *, type_: str = "about:blank",
            **extra: Any) -> SimResponse:
    """An RFC 9457 problem response; ``extra`` adds members such as ``violations``."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update(extra)
    return SimResponse(status=status, body=body, media_type=PROBLEM_JSON)


class Clock(Protocol):
    def now(self) -> datetime:
        """The simulator's current time, timezone-aware UTC (tests may freeze or move it)."""
        ...


@dataclass(slots=True)
class Context:
    """What the engine lends a behaviour for one request."""

    store: Store
    clock: Clock
    rng: random.Random  # seeded from the simulator seed and the request's sequence number
    seed: int
    # emit(message_name, data): a finance-events message (its name in the AsyncAPI document,
    # e.g. "invoicePosted") with its ``data`` payload. Written to the durable outbox in the
    # store's current transaction; the envelope (id, time, type, source) is added there.
    emit: Callable[[str, Mapping[str, Any]], None]


class Behaviour(Protocol):
    """Finance behaviour layered on the generic contract simulator."""

    name: str  # erp, invoice-automation, tax-engine
    contract_id: str  # the registry contract it serves

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        """Fill an empty store deterministically from ``seed`` or from ``data_dir``."""
        ...

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        """Answer ``request``, or None to let the generic responder answer from the contract."""
        ...

    def scenario(self, store: Store) -> dict[str, Any]:
        """Scenario state for the admin API (counts, states; JSON-able)."""
        ...

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        """Named state changes QA can trigger: POST /__admin/actions/{name} with a JSON body.

        Each returns a JSON-able result; bad arguments raise ``ActionError``.
        """
        ...


class RendersErrors(Protocol):
    """Optional part of a behaviour: ``render_error(problem) -> SimResponse`` turns an error
    the engine answered itself (an RFC 9457 problem: invalid request, missing credentials,
    unknown path, injected fault) into the native error format of the system simulated,
    keeping its status and headers. Vendor simulators need it; canonical ones do not."""

    def render_error(self, response: SimResponse) -> SimResponse:
        ...


class ActionError(Exception):
    """An admin action refused (unknown id, illegal transition); the admin API answers 4xx."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
