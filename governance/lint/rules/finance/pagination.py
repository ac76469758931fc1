"""Collections paginate, by cursor.

A list of invoices, payments or journal entries grows without bound; an unpaginated GET
eventually times out or exhausts memory on one side or the other, typically at period end.
Offset or page-number pagination skips or repeats records when entries are posted while a
client pages through them, which a reconciliation job notices only as a wrong total; a cursor
(an opaque position) does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, Operation
from ledgerpact.governance.lint.model import OAS3, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import (
    Facts,
    facts,
    operation_parameters,
    view,
)

# Page objects that carry a link to the next page paginate by cursor even when the cursor
# parameter itself is hidden in that link (RFC 8288 / OData / HAL styles).
NEXT_LINKS = frozenset({"next", "nextlink", "nextpage", "nextpageurl", "nexturl",
                        "odatanextlink", "links", "link", "hasmore", "nextcursor",
                        "nextpagetoken", "nexttoken", "continuationtoken"})
_CURSORISH = re.compile(r"\bcursor\b|\btoken\b", re.IGNORECASE)
EXPECTED = ("expected cursor pagination: a cursor query parameter (cursor, after, page_token, "
            "starting_after...) and a limit")


class Collection(NamedTuple):
    op: Operation
    array: str  # what makes the response a collection: "array" or the list property's name
    cursor: list[str]
    limit: list[str]
    offset: list[str]
    next_link: bool


def _is_collection(index: Index, op: Operation, schema: Any, loc: Loc
                   ) -> tuple[str | None, bool]:
    v = view(index, schema, loc)
    if "array" in v.types:
        return "array", False
    if "object" not in v.types:
        return None, False
    segment = vocab.normalized(op.path.rstrip("/").rsplit("/", 1)[-1])
    array = None
    for name in v.props:
        n = vocab.normalized(name)
        if (array is None and (n in vocab.LIST_PROPERTIES
                               or (n == segment and segment.endswith("s")))
                and "array" in view(index, *v.prop(name)).types):
            array = name
    next_link = any(vocab.normalized(n) in NEXT_LINKS for n in v.props)
    return array, next_link


def collections(index: Index, f: Facts) -> list[Collection]:
    """GET operations on a collection path whose 200 response is an array or a page
    object holding one, with the pagination parameters they take (found once for both
    pagination rules)."""
    found = f.memo.get("collections")
    if found is None:
        found = f.memo["collections"] = list(_collections(index, f))
    return found


def _collections(index: Index, f: Facts) -> Iterator[Collection]:
    for r in index.responses:
        op = r.operation
        if op.method != "get" or r.status != "200" or op.path.rstrip("/").endswith("}"):
            continue
        content = r.response.get("content")
        if not isinstance(content, dict):
            continue
        media = next((m for k, m in content.items() if "json" in str(k).lower()
                      and isinstance(m, dict) and "schema" in m), None)
        if media is None:
            continue
        key = next(k for k, m in content.items() if m is media)
        array, next_link = _is_collection(index, op, media["schema"],
                                          r.loc.child("content", key, "schema"))
        if array is None:
            continue
        if isinstance(r.response.get("headers"), dict) and any(
                str(h).lower() == "link" for h in r.response["headers"]):
            next_link = True
        found: dict[str, list[str]] = {"cursor": [], "limit": [], "offset": []}
        for p in operation_parameters(f, op):
            name = p.param.get("name")
            if p.param.get("in") != "query" or not isinstance(name, str):
                continue
            kind = vocab.pagination_kind(name)
            description = str(p.param.get("description", ""))
            if (kind in (None, "offset") and _CURSORISH.search(description)
                    and not re.search(r"\boffset\b|\bpage number\b", description, re.I)):
                kind = "cursor"  # Stripe's search "page" is an opaque cursor
            if kind is not None:
                found[kind].append(name)
        yield Collection(op, array, found["cursor"], found["limit"], found["offset"],
                         next_link)


@rule(
    "finance-pagination",
    severity="warn",
    family="finance",
    formats=OAS3,
    summary="GET operations returning a collection (an array, or a page object holding "
            "one) take pagination parameters (no Spectral equivalent; Zalando 'support "
            "pagination').",
    why="""Finance collections (invoices, payments, journal entries, suppliers) only grow.
    Without pagination the first year-end close that returns a hundred thousand entries
    times out in the gateway or exhausts a client's memory, and there is no way to resume.
    The collection is recognised by a 200 response that is an array, or an object with an
    array property named items, data, results... or after the resource (Xero's
    {Invoices: [...]}).""",
    bad=openapi("""paths:
  /invoices:
    get:
      responses:
        "200":
          description: All invoices.
          content:
            application/json:
              schema: {type: array, items: {type: object}}
"""),
    good=openapi("""paths:
  /invoices:
    get:
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, maximum: 500}}
      responses:
        "200":
          description: One page of invoices.
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {type: object}}
                  nextCursor: {type: [string, "null"]}
"""),
)
def pagination(index: Index) -> Iterator[Violation]:
    for c in collections(index, facts(index)):
        if c.cursor or c.offset or c.next_link:
            continue
        shape = "an array" if c.array == "array" else f"a list in {c.array!r}"
        yield Violation(c.op.loc, f"{c.op.label} returns {shape} but takes no pagination "
                                  f"parameters; {EXPECTED}")


@rule(
    "finance-pagination-cursor",
    severity="warn",
    family="finance",
    formats=OAS3,
    summary="Collections paginate by cursor with a page size, not by offset or page number "
            "(no Spectral equivalent; Zalando 'prefer cursor-based pagination').",
    why="""With offset or page-number pagination, an entry posted or deleted while a client
    pages through a ledger shifts every later page: records are skipped or read twice, and
    a sync or reconciliation job silently works on the wrong set. A cursor names a position
    that does not move; a limit lets the client bound each response.""",
    bad=openapi("""paths:
  /invoices:
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer}}
      responses:
        "200":
          description: One page of invoices.
          content:
            application/json:
              schema: {type: array, items: {type: object}}
"""),
    good=openapi("""paths:
  /invoices:
    get:
      parameters:
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "200":
          description: One page of invoices.
          content:
            application/json:
              schema: {type: array, items: {type: object}}
"""),
)
def pagination_cursor(index: Index) -> Iterator[Violation]:
    for c in collections(index, facts(index)):
        if c.offset and not c.cursor:
            names = ", ".join(repr(n) for n in c.offset)
            yield Violation(c.op.loc, f"{c.op.label} paginates by offset or page number "
                                      f"({names}), which skips or repeats records when "
                                      f"entries change between requests; {EXPECTED}")
        elif c.cursor and not c.limit:
            yield Violation(c.op.loc, f"{c.op.label} takes a cursor but no page size, so the "
                                      "client cannot bound a response; expected a limit "
                                      "(or pageSize) query parameter next to the cursor")
