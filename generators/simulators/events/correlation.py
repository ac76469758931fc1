"""Correlation ids: one per business transaction, shared by its events and API answers.

The finance-events contract (``correlationIds.businessTransaction``, the envelope's
``correlationid``) says one id ties together every event and API call of one business
transaction, e.g. one invoice from capture to payment, and the problem schema's
``correlationId`` carries the same value. So the simulators:

- take a client's ``X-Correlation-Id`` only when it is a valid correlation id (the envelope's
  pattern, at most 128 characters). No API contract declares that header, so a value that is
  not one is ignored, never refused and never allowed to break the event the request
  publishes; a request without a usable one gets one generated id for all its events;
- store the id with the business object (invoice, payment) the first time a request publishes
  for it, and publish every later step on that object under the stored id.

``RequestCorrelation`` is the per-request ``emit`` the engine lends a behaviour; behaviours
reach it only through ``join``, so a test's plain ``emit`` function (no correlation at all)
keeps working.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

HEADER = "x-correlation-id"
MAX_LENGTH = 128
_VALID = re.compile(r"[A-Za-z0-9._:-]+\Z")

Builder = Callable[[str, Mapping[str, Any], str | None, str], None]


def is_valid(value: object) -> bool:
    """Whether ``value`` is a correlation id the envelope and problem schemas accept."""
    return (isinstance(value, str) and 0 < len(value) <= MAX_LENGTH
            and _VALID.match(value) is not None)


def from_headers(headers: Mapping[str, str]) -> str | None:
    """The request's ``X-Correlation-Id`` when it is a valid correlation id, else None."""
    value = headers.get(HEADER)
    if value is None:
        return None
    value = value.strip()
    return value if is_valid(value) else None


class RequestCorrelation:
    """``emit`` for one request: every event it publishes carries one correlation id.

    The id is the client's (valid) ``X-Correlation-Id``, or the business transaction's stored
    id once a behaviour ``join``s one, or else one generated on first use."""

    __slots__ = ("_build", "_id", "known")

    def __init__(self, build: Builder, correlation_id: str | None) -> None:
        self._build = build
        self._id = correlation_id
        # Whether the id came from the client or a stored transaction (then problems echo it)
        self.known = correlation_id is not None

    @property
    def correlation_id(self) -> str:
        if self._id is None:
            self._id = str(uuid.uuid4())
        return self._id

    @correlation_id.setter
    def correlation_id(self, value: str) -> None:
        self._id = value
        self.known = True

    def __call__(self, message: str, data: Mapping[str, Any],
                 subject: str | None = None) -> None:
        self._build(message, data, subject, self.correlation_id)


def join(emit: object, holder: MutableMapping[str, Any], key: str = "correlationId") -> None:
    """Publish this request's events in ``holder``'s business transaction.

    ``holder`` (stored with the business object) keeps the transaction's id under ``key``: a
    valid stored id becomes this request's; without one, this request's id is stored, so the
    later steps on the object reuse it. A plain ``emit`` without correlation is left alone."""
    if not isinstance(emit, RequestCorrelation):
        return
    stored = holder.get(key)
    if is_valid(stored):
        emit.correlation_id = stored
    else:
        holder[key] = emit.correlation_id
