"""Matchers the consumers' pacts share: types for what the provider generates, exact values
for what a consumer decides on.

Generated ids and timestamps differ per provider and per run, so a pact pins their shape
only; statuses, amounts, currencies and finding codes are what the consumers branch or book
on, so they are left exact (no matcher: the Pact core compares them by equality).
Regular expressions are used instead of Pact's date-format matchers, whose Java-style patterns
do not read RFC 3339's ``Z``.
"""

from __future__ import annotations

from typing import Any

from pact import generate, match

TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
TOKEN = "Bearer ia-pact-token"
BEARER = r"^Bearer \S+$"
SUPPLIER_STATUS = r"^(active|blocked|pending)$"


def timestamp(example: str = "2024-06-28T09:30:00Z") -> Any:
    return match.regex(example, regex=TIMESTAMP)


def day(example: str = "2024-06-28") -> Any:
    return match.regex(example, regex=DATE)


def text(example: str) -> Any:
    return match.str(example)


def integer(example: int) -> Any:
    return match.int(example)


def injected(example: str, expression: str) -> Any:
    """A value the provider state hands over (an id the provider generated when it set the
    state up): typed, with the example replaced at verification time."""
    return match.type(example, generator=generate.provider_state(expression))


def location(example: str) -> Any:
    """A posting's URL: relative or absolute, under whatever base path the provider has."""
    return match.regex(example,
                       regex=r"^(https?://[^/]+)?(/[^/?#]+)*/invoice-postings/[^/?#]+$")


def bearer() -> Any:
    """Every erp-finance call carries an OAuth 2.0 bearer token; its value is the caller's."""
    return match.regex(TOKEN, regex=BEARER)


def like(example: Any) -> Any:
    return match.like(example)


def each_like(example: Any) -> Any:
    return match.each_like(example)


def containing(*examples: Any) -> Any:
    """An array holding (at least) these items, in any order, among any others."""
    return match.array_containing(list(examples))


def supplier_status(example: str) -> Any:
    return match.regex(example, regex=SUPPLIER_STATUS)
