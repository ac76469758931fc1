"""Idempotency-Key handling: the same key and request get the stored response, a different
request under a used key is refused, and a key whose first request is still running is busy.

Why claims in flight live in memory only: a stored "in flight" row would outlive a crash and
block its key forever. So the stored row is written by ``finish()`` inside the caller's
transaction, beside the posting itself: the row exists if and only if the posting committed.
After a crash nothing is in flight, and a key whose posting never committed is simply free
(the client's retry posts it; the client never got an answer for the lost attempt).

The flow of a posting (see sim-design.md)::

    claim = ledger.begin(scope, key, fingerprint(request))
    if claim.outcome != "new": answer replay / 409 from the claim
    try:
        with store.transaction():
            ...write the posting, ctx.emit(...)...
            ledger.finish(claim, response)
    finally:
        ledger.release(claim)          # harmless after finish(); frees the key on error

All state changes happen under the store's lock (``begin`` and ``release`` hold it,
``finish`` runs in the caller's ``store.transaction()``), so a thread or task never sees a
claim dropped by ``finish`` without also seeing the committed row: there is no window in which
the same key counts as new twice.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import orjson

from ledgerpact.generators.simulators.messages import SimRequest, SimResponse

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.store import Store

Outcome = Literal["new", "replay", "mismatch", "in_flight"]


@dataclass(frozen=True)
class Claim:
    """The answer of ``begin``; a "new" claim is the caller's until ``finish``/``release``."""

    outcome: Outcome
    scope: str
    key: str
    fingerprint: str
    response: SimResponse | None = None  # the stored response when outcome == "replay"


class KeyCommittedElsewhere(RuntimeError):
    """Two processes served one state file and both claimed a key; the second one loses."""


class IdempotencyLedger:
    """Keys scoped by operation (``scope`` = operationId): one key may be used once per
    operation. One ledger per store and process (claims in flight are this process's)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._in_flight: dict[tuple[str, str], Claim] = {}

    def begin(self, scope: str, key: str, fingerprint: str) -> Claim:
        """Classify a request: a committed key -> replay (same fingerprint) or mismatch; a key
        claimed by a request still running -> in_flight; otherwise new, and now claimed."""
        # The store's lock, not a transaction: a read needs no BEGIN/COMMIT, and the lock is
        # what orders this against finish() (which drops the claim before its commit).
        with self.store.exclusive():
            row = self.store.idempotency_get(scope, key)
            if row is not None:
                if row.fingerprint != fingerprint:
                    return Claim("mismatch", scope, key, fingerprint)
                return Claim("replay", scope, key, fingerprint, response_from(row.response))
            if (scope, key) in self._in_flight:
                return Claim("in_flight", scope, key, fingerprint)
            claim = Claim("new", scope, key, fingerprint)
            self._in_flight[(scope, key)] = claim
            return claim

    def finish(self, claim: Claim, response: SimResponse) -> None:
        """Store ``response`` as the key's answer. Call it inside the transaction that writes
        the posting (it then commits or rolls back with it); outside one it commits alone."""
        if claim.outcome != "new" or self._in_flight.get((claim.scope, claim.key)) is not claim:
            raise ValueError(f"idempotency key {claim.key!r} ({claim.scope}) is not claimed by "
                             "this request: only a 'new' claim not yet finished or released "
                             "can be finished")
        # Inside the caller's transaction no savepoint is needed: a refused insert writes
        # nothing, and the error below rolls the whole posting back anyway.
        store = self.store
        with store.exclusive() if store.in_transaction else store.transaction():
            try:
                self.store.idempotency_put(claim.scope, claim.key, claim.fingerprint,
                                           response_record(response))
            except sqlite3.IntegrityError:
                # Another process on the same state file committed this key first (claims in
                # flight are per process); failing here rolls this posting back.
                del self._in_flight[(claim.scope, claim.key)]
                raise KeyCommittedElsewhere(
                    f"idempotency key {claim.key!r} ({claim.scope}) was committed by another "
                    "process using the same state file") from None
            # Dropped under the store lock, before the commit: anyone asking next waits for
            # the lock and then sees the committed row (or, after a rollback, a free key).
            del self._in_flight[(claim.scope, claim.key)]

    def release(self, claim: Claim) -> None:
        """Give up a claim (the request failed before committing): the key is free again.
        Releasing a finished, released or non-"new" claim does nothing."""
        with self.store.exclusive():
            if self._in_flight.get((claim.scope, claim.key)) is claim:
                del self._in_flight[(claim.scope, claim.key)]

    def in_flight(self) -> int:
        """How many keys are claimed right now (for the admin API and tests)."""
        return len(self._in_flight)


# -- stored responses --------------------------------------------------------------------------

def response_record(response: SimResponse) -> dict[str, Any]:
    """A response as stored: status, headers, media type and body, exactly (Decimals keep
    their digits; a bytes body is kept as base64)."""
    record: dict[str, Any] = {"status": response.status, "headers": dict(response.headers),
                              "media_type": response.media_type}
    if isinstance(response.body, bytes | bytearray):
        record["body_base64"] = base64.b64encode(bytes(response.body)).decode("ascii")
    else:
        record["body"] = response.body
    return record


def response_from(record: Mapping[str, Any]) -> SimResponse:
    """The response ``response_record`` stored."""
    if "body_base64" in record:
        body: Any = base64.b64decode(record["body_base64"])
    else:
        body = record.get("body")
    return SimResponse(status=int(record["status"]), body=body,
                       headers={str(k): str(v) for k, v in record["headers"].items()},
                       media_type=str(record["media_type"]))


# -- fingerprints ------------------------------------------------------------------------------

_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson writes as an integer itself
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME \
    | orjson.OPT_PASSTHROUGH_DATACLASS


def fingerprint(request: SimRequest) -> str:
    """sha256 of the method, the path (template and actual) and the body, canonically.

    A JSON body is hashed as canonical JSON: keys sorted, no whitespace, numbers by value
    (``1.50``, ``1.5`` and ``1.500`` are one amount, ``100`` and ``100.0`` one number), so a
    client's retry that re-serialises the same document matches. Anything else (XML, bytes) is
    hashed as received. The query string and headers are not part of it."""
    digest = hashlib.sha256()
    if request.body is None or isinstance(request.body, bytes | bytearray):
        body = (b"raw", bytes(request.raw_body if request.body is None else request.body))
    else:
        body = (b"json", canonical_bytes(request.body))
    for part in (request.method.upper().encode(), request.path_template.encode("utf-8"),
                 request.path.encode("utf-8"), body[0], body[1]):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two splits collide
        digest.update(part)
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys and every number written by value (``_number``)."""
    return canonical_bytes(value).decode("utf-8", "surrogatepass")


def canonical_bytes(value: Any) -> bytes:
    """``canonical_json`` as UTF-8, written by orjson in C (this runs on every posting).

    What orjson cannot write (integers beyond 64 bits, lone surrogates) takes a recursive
    Python path that writes the same bytes for everything else, so one document always has
    one canonical form. A Python ``float`` is written as orjson writes it, not unified with an
    equal ``Decimal``: parsed request bodies never hold one (JSON numbers arrive as ``int`` or
    ``Decimal``)."""
    try:
        return orjson.dumps(value, default=_canonical_default, option=_CANONICAL)
    except orjson.JSONEncodeError as exc:
        if isinstance(exc.__cause__, TypeError):
            raise TypeError(str(exc.__cause__)) from None
        if "64-bit" not in str(exc) and "surrogates" not in str(exc):
            raise TypeError(str(exc)) from None
    return _canonical_text(value).encode("utf-8", "surrogatepass")


def _canonical_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(_number(value))
    raise TypeError(f"{type(value).__name__} is not JSON")


def _canonical_text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | Decimal | float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_canonical_text(v)}"
                              for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical_text(v) for v in value) + "]"
    raise TypeError(f"{type(value).__name__} is not JSON")


def _number(value: int | Decimal | float) -> str:
    """A number by value: an integer orjson can write as one is written as plain digits (as
    orjson writes an ``int``), any other number as significant digits and exponent with the
    trailing zeros removed ("15e-1", "1e20"). ``100``, ``100.0`` and ``1E+2`` are all "100".

    Done on the digit tuple rather than with ``Decimal.normalize``, which rounds to the
    context's 28 digits, and never expanded to plain digits beyond 64 bits, which for
    1e999999999 would be a gigabyte of zeros."""
    if isinstance(value, int):
        if _INT_MIN <= value <= _INT_MAX:
            return str(value)
        number = Decimal(value)
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite():
        raise TypeError(f"{value} is not a JSON number")
    sign, digit_tuple, exponent = number.as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0"
    assert isinstance(exponent, int)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    if exponent >= 0 and len(stripped) + exponent <= 20:
        whole = int(stripped) * 10 ** exponent * (-1 if sign else 1)
        if _INT_MIN <= whole <= _INT_MAX:
            return str(whole)
    return f"{'-' if sign else ''}{stripped}e{exponent}"
