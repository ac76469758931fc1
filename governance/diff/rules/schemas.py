"""Schema rules: properties, required, types and formats, enums, nullability, defaults.

Each rule looks at one schema pair (``allOf`` already merged); the walker descends into
subschemas. Levels are given per direction: ``request`` where the revision reads the data
(a request, an event received), ``response`` where it writes it (a response, an event sent).
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.schema_walk import hidden
from ledgerpact.governance.lint.model import Loc

_OP = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices/{{id}}:
    get:
      operationId: getInvoice
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200":
          description: The invoice.
          content:
            application/json:
              schema:
                type: object
                properties:
{props}
"""


def _props(pair: Pair, side: str) -> dict[str, object]:
    schema = pair.base if side == "base" else pair.rev
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


@diff_rule(
    "property-removed",
    kind="schema",
    request="warning",
    response="breaking",
    summary="A property was removed from an object schema.",
    why="""Clients that read the property (a response, an event the application sends) break
    when it is gone. In a request the server no longer reads what old clients still send:
    the data is silently dropped, which deserves a warning.""",
    base=_OP.format(props="                  id: {type: string}\n"
                    "                  skypeUserName: {type: string}"),
    revision=_OP.format(props="                  id: {type: string}"),
)
def property_removed(pair: Pair) -> Iterator[Hit]:
    rev_props = _props(pair, "rev")
    for name in _props(pair, "base"):
        if name in rev_props:
            continue
        at = pair.base_at("properties", name)
        if hidden(pair.engine, 0, _props(pair, "base")[name], Loc(*at), pair.direction):
            continue
        yield Hit(f"property {name!r} removed", base_at=at)


def _types(schema: dict[str, object]) -> frozenset[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        found = {kind}
    elif isinstance(kind, list):
        found = {k for k in kind if isinstance(k, str)}
    else:
        return frozenset()
    if schema.get("nullable") is True:  # OpenAPI 3.0's spelling of "or null"
        found.add("null")
    return frozenset(found)


@diff_rule(
    "type-changed",
    kind="schema",
    request="breaking",
    response="breaking",
    example=Direction.RESPONSE,
    summary="A schema's type changed to one that neither includes nor is included in the old.",
    why="""Every value written against the old type is invalid under the new one and vice
    versa (Xero's BatchPayment.IsReconciled went from string to boolean): both readers and
    writers break, whichever way the data flows.""",
    base=_OP.format(props="                  isReconciled: {type: string}"),
    revision=_OP.format(props="                  isReconciled: {type: boolean}"),
)
def type_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _types(pair.base), _types(pair.rev)
    if not old or not new or old == new:
        return
    widened = old <= new or (old - {"integer"} <= new and "number" in new)
    narrowed = new <= old or (new - {"integer"} <= old and "number" in old)
    if widened or narrowed:
        return  # type-widened / type-narrowed say it with the level the direction gives
    yield Hit(f"type changed from {_shown(old)} to {_shown(new)}",
              base_at=pair.base_at("type") if "type" in pair.base else None,
              rev_at=pair.rev_at("type") if "type" in pair.rev else None)


def _shown(types: frozenset[str]) -> str:
    return " | ".join(sorted(types))
