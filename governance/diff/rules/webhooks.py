"""Webhook and callback rules: requests the API sends, added, removed or moved.

A webhook (OpenAPI 3.1, paired by name) and a callback (under the operation that registers it,
paired by name, then by URL expression) are requests the API SENDS to its consumers. So the
directions are turned round from an ordinary operation: the request body and parameters are
data the API writes (direction ``response``: narrowing them is safe, a property removed from
the payload breaks consumers), and the responses are data the API reads from the consumer
(direction ``request``: accepting fewer statuses breaks consumers). The walker compares their
contents with those directions; these rules say whether the request itself still comes.

Removal follows the deprecation process, as for operations: a webhook consumers still rely on
that stops arriving breaks them; one deprecated whose ``x-sunset`` has come was announced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import (
    EARLY,
    LIVE,
    RETIRED,
    Retirement,
    flipped,
    retirement,
    sunset_note,
)
from ledgerpact.governance.diff.rules._examples import block, list_invoices, openapi

_PAID = """
    type: object
    required: [invoiceId, paidAt]
    properties:
      invoiceId: {type: string}
      paidAt: {type: string, format: date-time}
    """


def _hook(name: str, deprecation: str = "") -> str:
    """A webhook entry (at 2 spaces) whose POST sends a paid invoice."""
    return (f"  {name}:\n    post:\n{deprecation}      requestBody:\n        content:\n"
            "          application/json:\n            schema:\n" + block(_PAID, 14)
            + '      responses:\n        "200": {description: Received.}\n')


def _hooks(*entries: str) -> str:
    """An invoicing API with these webhooks (3.1 allows a document of webhooks only)."""
    return openapi("Invoices", list_invoices(), "webhooks:\n" + "".join(entries))


_DEPRECATED = '      deprecated: true\n      x-sunset: "2020-06-30"\n'
_INVOICE_PAID = _hook("invoicePaid")
_INVOICE_VOIDED = _hook("invoiceVoided")


def _removal(pair: Pair) -> Retirement | None:
    if not pair.removed:
        return None
    holder = pair.parent.base if pair.parent is not None else None
    return retirement(pair.base, holder, pair.engine.options.today)


def _removal_hit(pair: Pair, states: tuple[str, ...]) -> Iterator[Hit]:
    """The one Hit for a webhook or callback removed in one of ``states``."""
    found = _removal(pair)
    if found is None or found.state not in states:
        return
    if found.state == LIVE:
        yield Hit(f"{pair.subject} removed without deprecation")
    elif found.state == EARLY:
        yield Hit(f"{pair.subject} removed before its sunset ({found.note})")
    else:
        yield Hit(f"deprecated {pair.subject} removed ({found.note})")


def _deprecation(pair: Pair) -> Iterator[Hit]:
    if pair.both and flipped(pair, "deprecated", True):
        holder = pair.parent.rev if pair.parent is not None else None
        date = pair.rev.get("x-sunset", (holder or {}).get("x-sunset"))
        yield Hit(f"{pair.subject} deprecated{sunset_note(date)}",
                  rev_at=pair.rev_at("deprecated"))


# -- webhooks ------------------------------------------------------------------------------


@diff_rule(
    "webhook-added", kind="webhook", level="info", additive=True,
    summary="A webhook was added.",
    why="""A new event consumers may subscribe to; nothing they receive today changes.
    Changes inside a webhook are judged with the directions turned round, since the API
    sends the request: its body and parameters are data the API writes (reported with
    direction response: a property removed from the payload is breaking), its responses
    are data the API reads from the consumer (direction request).""",
    base=_hooks(_INVOICE_PAID),
    revision=_hooks(_INVOICE_PAID, _INVOICE_VOIDED),
)
def webhook_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"{pair.subject} added")


@diff_rule(
    "webhook-removed", kind="webhook", level="breaking",
    summary="A webhook was removed without deprecation, or before its sunset date.",
    why="""Consumers subscribed to it (an accounting system waiting for invoicePaid to
    reconcile) stop receiving it, and nothing tells them: their data silently goes stale.
    Deprecate the webhook with an x-sunset date first, and remove it once the date has
    passed.""",
    base=_hooks(_INVOICE_PAID, _INVOICE_VOIDED),
    revision=_hooks(_INVOICE_PAID),
)
def webhook_removed(pair: Pair) -> Iterator[Hit]:
    yield from _removal_hit(pair, (LIVE, EARLY))


@diff_rule(
    "deprecated-webhook-removed", kind="webhook", level="warning",
    summary="A deprecated webhook was removed once its sunset date had come.",
    why="""Consumers were told (deprecated, and the x-sunset date has come or none was
    promised): the normal end of a deprecation. A warning all the same: consumers that
    ignored the notice stop receiving the event.""",
    base=_hooks(_INVOICE_PAID, _hook("invoiceVoided", _DEPRECATED)),
    revision=_hooks(_INVOICE_PAID),
)
def deprecated_webhook_removed(pair: Pair) -> Iterator[Hit]:
    yield from _removal_hit(pair, (RETIRED,))


@diff_rule(
    "webhook-deprecated", kind="webhook", level="info", additive=True,
    summary="A webhook was marked deprecated.",
    why="""It still arrives; consumers are told to move off it (a minor release). Give an
    x-sunset date so its removal can be checked against it.""",
    base=_hooks(_INVOICE_PAID, _INVOICE_VOIDED),
    revision=_hooks(_INVOICE_PAID, _hook("invoiceVoided", _DEPRECATED)),
)
def webhook_deprecated(pair: Pair) -> Iterator[Hit]:
    yield from _deprecation(pair)


# -- callbacks -----------------------------------------------------------------------------

_URL = "'{$request.body#/callbackUrl}'"


def _callbacks(*callbacks: str) -> str:
    """POST /payments registering these callbacks (entries at 8 spaces)."""
    shown = "      callbacks:\n" + "".join(callbacks) if callbacks else ""
    return openapi("Payments", f"""  /payments:
    post:
      operationId: createPayment
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                amount: {{type: string}}
                callbackUrl: {{type: string, format: uri}}
                settledUrl: {{type: string, format: uri}}
{shown}      responses:
        "202": {{description: The payment was accepted for processing.}}
""")


def _callback(name: str, url: str = _URL, deprecation: str = "") -> str:
    """A callback (at 8 spaces) posting the payment's outcome to ``url``."""
    return f"""        {name}:
          {url}:
            post:
{block(deprecation, 14) if deprecation else ''}              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        paymentId: {{type: string}}
                        status: {{type: string}}
              responses:
                "200": {{description: Received.}}
"""


_DONE = _callback("paymentDone")
_SETTLED = _callback("paymentSettled", "'{$request.body#/settledUrl}'")


@diff_rule(
    "callback-added", kind="callback", level="info", additive=True,
    summary="An operation gained a callback.",
    why="""The API will now also call the client back; clients that do not give the URL it
    reads (or ignore the call) are unaffected. As for webhooks, changes inside a callback
    are judged with the directions turned round: its request is data the API writes
    (direction response), its responses data the API reads (direction request); they affect
    the operation that registers the callback.""",
    base=_callbacks(_DONE),
    revision=_callbacks(_DONE, _SETTLED),
)
def callback_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"{pair.subject} added")


@diff_rule(
    "callback-removed", kind="callback", level="breaking",
    summary="A callback was removed without deprecation, or before its sunset date.",
    why="""Clients that registered for it (a checkout waiting for paymentDone to release an
    order) are never called back, and nothing tells them. Deprecate it first.""",
    base=_callbacks(_DONE, _SETTLED),
    revision=_callbacks(_DONE),
)
def callback_removed(pair: Pair) -> Iterator[Hit]:
    yield from _removal_hit(pair, (LIVE, EARLY))


@diff_rule(
    "deprecated-callback-removed", kind="callback", level="warning",
    summary="A deprecated callback was removed once its sunset date had come.",
    why="""The removal was announced (deprecated, and its x-sunset date has come or none was
    promised). Clients that ignored the notice are no longer called back: a warning.""",
    base=_callbacks(_DONE, _callback("paymentSettled", "'{$request.body#/settledUrl}'",
                                     _DEPRECATED)),
    revision=_callbacks(_DONE),
)
def deprecated_callback_removed(pair: Pair) -> Iterator[Hit]:
    yield from _removal_hit(pair, (RETIRED,))


@diff_rule(
    "callback-deprecated", kind="callback", level="info", additive=True,
    summary="A callback was marked deprecated.",
    why="""It is still sent; clients are told to stop relying on it before a later version
    removes it.""",
    base=_callbacks(_DONE, _SETTLED),
    revision=_callbacks(_DONE, _callback("paymentSettled", "'{$request.body#/settledUrl}'",
                                         _DEPRECATED)),
)
def callback_deprecated(pair: Pair) -> Iterator[Hit]:
    yield from _deprecation(pair)


def _expressions(pair: Pair) -> tuple[Any, Any]:
    return pair.info.get("base_expression"), pair.info.get("expression")


@diff_rule(
    "callback-url-changed", kind="callback", level="breaking",
    summary="A callback's URL expression changed.",
    why="""The expression says where the API reads the URL to call ({$request.body#/callbackUrl}:
    the callbackUrl the client sent). A new expression makes the API read another field or
    build another URL, so clients that set the old one are never called back, or are called
    where they do not listen.""",
    base=_callbacks(_DONE),
    revision=_callbacks(_callback("paymentDone", "'{$request.body#/settledUrl}'")),
)
def callback_url_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _expressions(pair)
    if pair.both and old is not None and new is not None and old != new:
        yield Hit(f"callback {pair.info.get('name')!r} URL changed from {old!r} to {new!r}",
                  base_at=pair.info.get("base_at"), rev_at=pair.info.get("rev_at"))
