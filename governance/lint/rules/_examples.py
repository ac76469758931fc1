"""Builders for the heads that most lint rule examples share.

Every example is a complete document (the catalogue prints it and tests/test_lint_rules.py
lints it), so dozens of them open with the same lines: the AsyncAPI or OpenAPI head, the
settled-payment channel and its publisher, the listed invoices. They are written once here;
each rule module keeps only the part of its example that the rule is about. Each builder
returns its head followed by ``rest`` unchanged, so the catalogue text stays exactly as it was.
"""

from __future__ import annotations

ASYNCAPI3_HEAD = "asyncapi: 3.0.0\ninfo:\n  title: Payment events\n  version: 1.0.0\n"
ASYNCAPI2_HEAD = "asyncapi: 2.6.0\ninfo:\n  title: Payment events\n  version: 1.0.0\n"
SETTLED_PUBLISHER = (
    "channels:\n  paymentSettled:\n    address: finance.payment.settled\n"
    "operations:\n  publishPaymentSettled:\n    action: send\n    channel:\n"
    "      $ref: '#/channels/paymentSettled'\n"
)
INVOICES_LISTED = "paths:\n  /invoices:\n    get:\n      operationId: listInvoices\n"


def asyncapi3(rest: str) -> str:
    """An AsyncAPI 3.0 document titled Payment events; ``rest`` follows ``info`` (top-level
    keys at column 0, or more ``info`` keys at 2 spaces)."""
    return ASYNCAPI3_HEAD + rest


def asyncapi2(rest: str) -> str:
    """An AsyncAPI 2.6 document titled Payment events; ``rest`` follows ``info``."""
    return ASYNCAPI2_HEAD + rest


def settled_publisher(rest: str) -> str:
    """An AsyncAPI 3.0 document whose operation publishPaymentSettled sends on the
    paymentSettled channel; ``rest`` continues that operation (keys at 4 spaces) or the
    document."""
    return ASYNCAPI3_HEAD + SETTLED_PUBLISHER + rest


def openapi(rest: str, title: str = "Invoices") -> str:
    """An OpenAPI 3.1 document titled ``title`` (one line of flow ``info``); ``rest`` follows
    it (``paths:`` and the rest at column 0)."""
    return f"openapi: 3.1.0\ninfo: {{title: {title}, version: 1.0.0}}\n" + rest


def invoices_listed(rest: str) -> str:
    """An OpenAPI 3.1 document titled Invoices whose first path is ``GET /invoices``
    (listInvoices); ``rest`` continues that operation (keys at 6 spaces) or the paths."""
    return openapi(INVOICES_LISTED + rest)
