"""Schema rules: properties, required, types and formats, enums, nullability, defaults.

Each rule looks at one schema pair (``allOf`` already merged); the walker descends into
subschemas. Levels are given per direction: ``request`` where the revision reads the data
(a request, an event received), ``response`` where it writes it (a response, an event sent).

Narrowing what is accepted breaks readers of old data (requests); widening what is produced
breaks readers of new data (responses). Most rules therefore come in widened/narrowed pairs,
and each situation is said by exactly one rule: ``type-changed`` is silent when the type was
only widened or narrowed; ``nullable: true`` (OpenAPI 3.0) and ``"null"`` in a type list are
both a type gaining null; a property a direction cannot see (readOnly in a request, writeOnly
in a response) counts as absent there, so a flag that hides or shows it is a removal or an
addition in that direction and nothing in the other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV
from ledgerpact.governance.diff.model import Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import flag, flipped, places, schema_rule
from ledgerpact.governance.diff.rules._examples import (
    block,
    content,
    get_invoice,
    openapi,
    post,
    request_body,
)
from ledgerpact.governance.diff.schema_shape import VALIDATION
from ledgerpact.governance.diff.schema_walk import hidden_defs, property_defs

# -- examples ---------------------------------------------------------------------------------

_INVOICE_REF = '{$ref: "#/components/schemas/Invoice"}'
_RESPONSE_OP = get_invoice(content(10, _INVOICE_REF))
_REQUEST_OP = post("/invoices", "createInvoice", request_body(content(8, _INVOICE_REF)),
                   '        "201": {description: The invoice was created.}\n')


def _doc(schema: str, *, request: bool = False) -> str:
    """A complete small OpenAPI 3.1 document whose ``Invoice`` schema is ``schema``, read
    in a request (``request=True``) or written in a response."""
    return openapi("Invoices", _REQUEST_OP if request else _RESPONSE_OP,
                   "components:\n  schemas:\n    Invoice:\n" + block(schema, 6))


# -- reading schemas --------------------------------------------------------------------------


def _props(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


def _required(schema: dict[str, Any]) -> set[str]:
    names = schema.get("required")
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _closed(schema: dict[str, Any]) -> bool:
    """Whether the schema rejects properties it does not name (what strict readers do)."""
    return schema.get("additionalProperties") is False \
        or schema.get("unevaluatedProperties") is False


def _schema(pair: Pair, side: int) -> dict[str, Any]:
    return pair.base if side == BASE else pair.rev  # type: ignore[no-any-return]


def _at(pair: Pair, side: int, *tokens: str | int) -> tuple[str, str]:
    return pair.base_at(*tokens) if side == BASE else pair.rev_at(*tokens)


def _visible(pair: Pair, side: int, name: str) -> bool | None:
    """None: the side does not declare the property; False: it declares it but hides it in
    the pair's direction (readOnly in a request, writeOnly in a response); True: shown."""
    if name not in _props(_schema(pair, side)):
        return None
    return not hidden_defs(pair.engine, side, property_defs(pair, side, name), pair.direction)


def _hiding_flag(direction: Direction) -> str:
    return "read-only" if direction is Direction.REQUEST else "write-only"


def _canonical(value: Any) -> str:
    """JSON equality, not Python's: ``true`` is not ``1``, while ``1`` and ``1.0`` are the
    same number."""
    def norm(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return json.dumps(norm(value), sort_keys=True, default=str)


def _show(value: Any) -> str:
    """A value as messages quote it: strings in quotes, everything else as JSON."""
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


# -- properties -------------------------------------------------------------------------------


def _appeared(pair: Pair) -> Iterator[tuple[str, bool, bool]]:
    """Properties the revision shows in this direction and the base did not: (name, whether
    the revision requires it, whether the base declared it but hid it)."""
    required = _required(pair.rev)
    for name in _props(pair.rev):
        before = _visible(pair, BASE, name)
        if before is not True and _visible(pair, REV, name):
            yield name, name in required, before is False


def _addition_rule(pair: Pair, name: str, required: bool) -> str:
    """Which rule reports a property appearing. A required one breaks requests; in a
    response anything new breaks readers validating against a closed base schema; in data
    the application receives under schema-registry rules, a constrained property breaks
    readers of old data an open base schema let carry that name with any value."""
    if required and pair.direction.revision_reads:
        return "required-property-added"
    if not pair.direction.revision_reads and _closed(pair.base):
        return "property-added-to-closed-schema"
    if required:
        return "required-property-added"
    if pair.direction is Direction.SUBSCRIBE and not _closed(pair.base) \
            and _narrows_old_data(pair, name):
        return "property-added-to-open-content-model"
    return "property-added"


def _narrows_old_data(pair: Pair, name: str) -> bool:
    """Whether the new property's definition may refuse a value old data held under that
    name: unless it accepts anything, or is exactly the schema the base's
    ``additionalProperties`` already imposed on undeclared properties."""
    extra = pair.base.get("additionalProperties")
    for node, loc, _key in property_defs(pair, REV, name):
        value, _at = pair.engine.target(REV, node, loc)
        if value is True or (isinstance(value, dict) and not _constraints(value)):
            continue
        if isinstance(extra, dict) and isinstance(value, dict) \
                and _canonical(_constraints(extra)) == _canonical(_constraints(value)):
            continue
        return True
    return False


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema without its annotations: what it says about valid values."""
    return {k: v for k, v in schema.items() if k in VALIDATION}


def _added_hits(pair: Pair, rule: str, what: str) -> Iterator[Hit]:
    for name, required, was_hidden in _appeared(pair):
        if _addition_rule(pair, name, required) != rule:
            continue
        if was_hidden:
            message = f"property {name!r} is no longer {_hiding_flag(pair.direction)}"
            yield Hit(message + (" and is required" if required else ""),
                      base_at=pair.base_at("properties", name),
                      rev_at=pair.rev_at("properties", name))
        else:
            yield Hit(f"{what} {name!r} added", rev_at=pair.rev_at("properties", name))


_INVOICE = """\
type: object
properties:
  id: {type: string}
  currency: {type: string}
"""


@schema_rule(
    "property-added", request="info", response="info", example=Direction.RESPONSE, additive=True,
    summary="An optional property was added to an object schema.",
    why="""Clients may now send it or find it in what they read; tolerant readers ignore
    properties they do not know. A property the direction could not see (readOnly in a
    request, writeOnly in a response) that loses that flag counts as added there. A new
    required property in a request is `required-property-added`; any new property in a
    response whose base schema is closed is `property-added-to-closed-schema`; in data the
    application receives under schema-registry rules, a constrained property added to an
    open schema is `property-added-to-open-content-model`.""",
    base=_doc(_INVOICE),
    revision=_doc(_INVOICE + "  reference: {type: string}\n"),
)
def property_added(pair: Pair) -> Iterator[Hit]:
    yield from _added_hits(pair, "property-added", "property")


@schema_rule(
    "required-property-added", request="breaking", response="info", additive=True,
    summary="A new required property was added to an object schema.",
    why="""Requests from existing clients do not carry it and are now rejected. In a
    response it is a new guarantee that readers not knowing it ignore (unless the base
    schema was closed: `property-added-to-closed-schema`). A read-only property that stops
    being read-only while required counts here too: clients must now send it.""",
    base=_doc(_INVOICE + "required: [id]\n", request=True),
    revision=_doc(_INVOICE + "  supplierId: {type: string}\nrequired: [id, supplierId]\n",
                  request=True),
)
def required_property_added(pair: Pair) -> Iterator[Hit]:
    yield from _added_hits(pair, "required-property-added", "required property")


@schema_rule(
    "property-added-to-closed-schema", request="info", response="breaking", additive=True,
    summary="A property was added to a response schema whose base forbids additional "
            "properties.",
    why="""The base promised `additionalProperties: false` (or `unevaluatedProperties:
    false`), so clients may validate what they read strictly, and strict generated models
    reject an unknown property: every new response fails for them. Reported only where the
    revision writes the data (a response, an event it sends); in a request the same
    addition is `property-added` or `required-property-added`.""",
    base=_doc(_INVOICE + "additionalProperties: false\n"),
    revision=_doc(_INVOICE + "  reference: {type: string}\nadditionalProperties: false\n"),
)
def property_added_to_closed_schema(pair: Pair) -> Iterator[Hit]:
    yield from _added_hits(pair, "property-added-to-closed-schema", "property")


def _received(payload: str) -> str:
    """A small AsyncAPI 3.0 document whose one message, received by the application (the
    ``subscribe`` direction), has ``payload`` (YAML at column 0)."""
    return ("asyncapi: 3.0.0\ninfo: {title: Payment events, version: 1.0.0}\nchannels:\n"
            "  paymentReceived:\n    address: finance.payment.received\n    messages:\n"
            "      paymentReceived:\n        payload:\n" + block(payload, 10)
            + "operations:\n  receivePaymentReceived:\n    action: receive\n"
            "    channel: {$ref: '#/channels/paymentReceived'}\n    messages:\n"
            "      - $ref: '#/channels/paymentReceived/messages/paymentReceived'\n")


_PAYMENT = """\
type: object
required: [paymentId]
properties:
  paymentId: {type: string}
  amount: {type: string}
"""


@schema_rule(
    "property-added-to-open-content-model", request="info", response="info",
    subscribe="breaking", publish="info", example=Direction.SUBSCRIBE, additive=True,
    summary="A constrained property was added to an open schema of data the application "
            "receives: breaking there, in subscribe (schema-registry BACKWARD semantics).",
    why="""Where the revision reads data written against the base (``subscribe``: an event
    the application receives, a JSON Schema contract checked BACKWARD or FULL), the base's
    open content model (no `additionalProperties: false`) let old writers put a property of
    that name in with any value; the new definition may refuse those messages, still in
    the topic or the queue. Confluent Schema Registry calls this
    PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL and rejects it under BACKWARD. Not reported when
    the new property accepts any value, or exactly what the base's `additionalProperties`
    schema already required of undeclared properties. HTTP requests keep the
    tolerant-reader convention instead (`property-added`, info): a client that sent
    undeclared properties was never promised they would be accepted, and there is no
    backlog of old requests for the new server to read.""",
    base=_received(_PAYMENT),
    revision=_received(_PAYMENT + "  settledOn: {type: string, format: date}\n"),
)
def property_added_to_open_content_model(pair: Pair) -> Iterator[Hit]:
    yield from _added_hits(pair, "property-added-to-open-content-model", "property")


def _removed(pair: Pair) -> Iterator[tuple[str, tuple[str, str]]]:
    """Properties the base showed in this direction that the revision no longer declares."""
    rev_props = _props(pair.rev)
    for name in _props(pair.base):
        if name not in rev_props and _visible(pair, BASE, name):
            yield name, pair.base_at("properties", name)


@schema_rule(
    "property-removed", request="warning", response="breaking",
    summary="A property was removed from an object schema.",
    why="""Clients that read the property (a response, an event the application sends) break
    when it is gone. In a request the server no longer reads what old clients still send:
    the data is silently dropped, which deserves a warning. (When the revision schema is
    closed, old clients sending it are rejected: `property-removed-from-closed-schema`.)""",
    base=_doc(_INVOICE + "  skypeUserName: {type: string}\n"),
    revision=_doc(_INVOICE),
)
def property_removed(pair: Pair) -> Iterator[Hit]:
    if _closed(pair.rev):
        return
    for name, at in _removed(pair):
        yield Hit(f"property {name!r} removed", base_at=at)


@schema_rule(
    "property-removed-from-closed-schema", request="breaking", response="breaking",
    example=Direction.REQUEST,
    summary="A property was removed from a schema that forbids additional properties.",
    why="""With `additionalProperties: false` (or `unevaluatedProperties: false`) in the
    revision, the removed property is now an unknown one: requests from clients that still
    send it are rejected instead of being accepted. Readers of the data lose it, as with any
    removed property.""",
    base=_doc(_INVOICE + "  skypeUserName: {type: string}\nadditionalProperties: false\n",
              request=True),
    revision=_doc(_INVOICE + "additionalProperties: false\n", request=True),
)
def property_removed_from_closed_schema(pair: Pair) -> Iterator[Hit]:
    if not _closed(pair.rev):
        return
    for name, at in _removed(pair):
        yield Hit(f"property {name!r} removed from a schema that forbids additional "
                  "properties", base_at=at)


def _hidden_now(pair: Pair) -> Iterator[Hit]:
    """Properties the base showed in this direction and the revision declares but hides."""
    for name in _props(pair.base):
        if _visible(pair, BASE, name) and _visible(pair, REV, name) is False:
            flag = "readOnly" if pair.direction is Direction.REQUEST else "writeOnly"
            node = _props(pair.rev)[name]
            rev_at = pair.rev_at("properties", name, flag) if isinstance(node, dict) \
                and flag in node else pair.rev_at("properties", name)
            yield Hit(f"property {name!r} became {_hiding_flag(pair.direction)}",
                      base_at=pair.base_at("properties", name), rev_at=rev_at)


@schema_rule(
    "property-became-read-only", request="breaking", response="info",
    summary="A property clients could send became readOnly.",
    why="""A readOnly value in a request may be ignored or rejected by the server (JSON
    Schema lets it do either): clients that set it lose the data or their request. Reported
    where it matters, in requests; in a response the property is unchanged.""",
    base=_doc(_INVOICE + "  status: {type: string}\n", request=True),
    revision=_doc(_INVOICE + "  status: {type: string, readOnly: true}\n", request=True),
)
def property_became_read_only(pair: Pair) -> Iterator[Hit]:
    if pair.direction is Direction.REQUEST:
        yield from _hidden_now(pair)


@schema_rule(
    "property-became-write-only", request="info", response="breaking",
    summary="A property clients could read became writeOnly.",
    why="""A writeOnly property is not returned: clients reading it from responses find it
    gone, as if it had been removed. Reported where it matters, in responses; in a request
    the property is unchanged.""",
    base=_doc(_INVOICE + "  iban: {type: string}\n"),
    revision=_doc(_INVOICE + "  iban: {type: string, writeOnly: true}\n"),
)
def property_became_write_only(pair: Pair) -> Iterator[Hit]:
    if pair.direction is Direction.RESPONSE:
        yield from _hidden_now(pair)


# -- required ---------------------------------------------------------------------------------


def _requirement_changes(pair: Pair, now_required: bool) -> Iterator[Hit]:
    """Names whose requirement changed while the property stayed (or stayed undeclared) and
    stayed visible: additions, removals and readOnly/writeOnly flips say it otherwise."""
    base_req, rev_req = _required(pair.base), _required(pair.rev)
    changed = rev_req - base_req if now_required else base_req - rev_req
    for name in sorted(changed):
        before, after = _visible(pair, BASE, name), _visible(pair, REV, name)
        if before is False or after is False or (before is None) != (after is None):
            continue
        yield Hit(f"property {name!r} became {'required' if now_required else 'optional'}",
                  base_at=_requirement_at(pair, BASE, name),
                  rev_at=_requirement_at(pair, REV, name))


def _requirement_at(pair: Pair, side: int, name: str) -> tuple[str, str] | None:
    """The property, where it is declared (its place survives allOf merging), else the
    ``required`` list."""
    schema = _schema(pair, side)
    if name in _props(schema):
        return _at(pair, side, "properties", name)
    return _at(pair, side, "required") if "required" in schema else None


@schema_rule(
    "property-became-required", request="breaking", response="info",
    summary="An existing property became required.",
    why="""Clients that leave it out of their requests are now rejected. In a response it is
    a stronger promise: the value is always there.""",
    base=_doc(_INVOICE + "required: [id]\n", request=True),
    revision=_doc(_INVOICE + "required: [id, currency]\n", request=True),
)
def property_became_required(pair: Pair) -> Iterator[Hit]:
    yield from _requirement_changes(pair, now_required=True)


@schema_rule(
    "property-became-optional", request="info", response="breaking",
    summary="A required property became optional.",
    why="""Clients reading the data relied on the value being there (generated models make
    it non-nullable); now it may be missing. In a request the server simply accepts more.""",
    base=_doc(_INVOICE + "required: [id, currency]\n"),
    revision=_doc(_INVOICE + "required: [id]\n"),
)
def property_became_optional(pair: Pair) -> Iterator[Hit]:
    yield from _requirement_changes(pair, now_required=False)


# -- types ------------------------------------------------------------------------------------

# Keywords that restrict what a schema without ``type`` accepts in ways a type comparison
# cannot see: then an added or removed ``type`` says nothing certain.
_UNTYPED_BUT_CONSTRAINED = ("enum", "const", "oneOf", "anyOf", "not", "$ref")


def _types(pair: Pair, side: int) -> frozenset[str] | None:
    """The JSON types a side allows, null included; None when ``type`` is absent (any type).
    ``nullable: true`` adds null in OpenAPI 3.0 only: 3.1 and JSON Schema have no such
    keyword."""
    schema = _schema(pair, side)
    kind = schema.get("type")
    if isinstance(kind, str):
        found = {kind}
    elif isinstance(kind, list):
        found = {k for k in kind if isinstance(k, str)}
    else:
        return None
    if schema.get("nullable") is True and pair.engine.sides[side].format == "oas3.0":
        found.add("null")
    return frozenset(found)


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Whether every value of the ``narrow`` types is a value of the ``wide`` ones
    (every integer is a number)."""
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _type_verdict(pair: Pair) -> str | None:
    """"widened", "narrowed", "changed" or None (no type change, or none we can tell)."""
    old, new = _types(pair, BASE), _types(pair, REV)
    if old is None and new is None:
        return None
    if old is None or new is None:
        untyped = pair.base if old is None else pair.rev
        if any(k in untyped for k in _UNTYPED_BUT_CONSTRAINED):
            return None
        return "widened" if new is None else "narrowed"
    wider, narrower = _covers(new, old), _covers(old, new)
    if wider and narrower:
        return None
    if wider:
        return "widened"
    return "narrowed" if narrower else "changed"


def _shown(types: frozenset[str] | None) -> str:
    return "any type" if types is None else " | ".join(sorted(types))


def _type_at(pair: Pair, side: int) -> tuple[str, str] | None:
    schema = _schema(pair, side)
    other = _schema(pair, REV if side == BASE else BASE)
    if schema.get("type") == other.get("type") and "nullable" in schema:
        return _at(pair, side, "nullable")  # only nullable changed
    if "type" in schema:
        return _at(pair, side, "type")
    return None


def _type_hit(pair: Pair, verdict: str) -> Iterator[Hit]:
    if _type_verdict(pair) != verdict:
        return
    old, new = _types(pair, BASE), _types(pair, REV)
    yield Hit(f"type {verdict} from {_shown(old)} to {_shown(new)}",
              base_at=_type_at(pair, BASE), rev_at=_type_at(pair, REV))


@schema_rule(
    "type-changed", request="breaking", response="breaking", example=Direction.RESPONSE,
    summary="A schema's type changed to one that neither includes nor is included in the old.",
    why="""Every value written against the old type is invalid under the new one and vice
    versa (Xero's BatchPayment.IsReconciled went from string to boolean): both readers and
    writers break, whichever way the data flows.""",
    base=_doc(_INVOICE + "  isReconciled: {type: string}\n"),
    revision=_doc(_INVOICE + "  isReconciled: {type: boolean}\n"),
)
def type_changed(pair: Pair) -> Iterator[Hit]:
    yield from _type_hit(pair, "changed")


@schema_rule(
    "type-widened", request="info", response="breaking", additive=True,
    summary="A schema now allows more types: integer to number, a type added to a list, "
            "null allowed, or the type removed.",
    why="""Servers reading requests accept everything they accepted before. Clients reading
    responses meet values their code does not expect: a fraction where an integer was, a
    null where a value always was (OpenAPI 3.0 `nullable: true` and 3.1 `"null"` in the type
    list are the same change).""",
    base=_doc(_INVOICE + "  lines:\n    type: array\n    items:\n      type: object\n"
              "      properties:\n        quantity: {type: integer}\n"),
    revision=_doc(_INVOICE + "  lines:\n    type: array\n    items:\n      type: object\n"
                  "      properties:\n        quantity: {type: number}\n"),
)
def type_widened(pair: Pair) -> Iterator[Hit]:
    yield from _type_hit(pair, "widened")


@schema_rule(
    "type-narrowed", request="breaking", response="info",
    summary="A schema now allows fewer types: number to integer, a type dropped from a list, "
            "null no longer allowed, or a type where there was none.",
    why="""Clients sending what used to be valid (a null, a fraction) are now rejected.
    Readers of responses only see fewer kinds of value than they were prepared for.""",
    base=_doc(_INVOICE + "  dueDate: {type: [string, \"null\"], format: date}\n",
              request=True),
    revision=_doc(_INVOICE + "  dueDate: {type: string, format: date}\n", request=True),
)
def type_narrowed(pair: Pair) -> Iterator[Hit]:
    yield from _type_hit(pair, "narrowed")


# -- formats ----------------------------------------------------------------------------------

# (narrower, wider): every value of the first format is a value of the second.
_FORMAT_WIDENINGS = frozenset({("int32", "int64"), ("float", "double")})


def _format_verdict(pair: Pair) -> str | None:
    old, new = pair.base.get("format"), pair.rev.get("format")
    old = old if isinstance(old, str) else None
    new = new if isinstance(new, str) else None
    if old == new or _type_verdict(pair) == "changed":
        return None  # a type change already says the values are different ones
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if (old, new) in _FORMAT_WIDENINGS:
        return "widened"
    return "narrowed" if (new, old) in _FORMAT_WIDENINGS else "changed"


def _format_hit(pair: Pair, verdict: str) -> Iterator[Hit]:
    if _format_verdict(pair) != verdict:
        return
    old, new = pair.base.get("format"), pair.rev.get("format")
    message = {"added": f"format {new!r} added", "removed": f"format {old!r} removed"}.get(
        verdict, f"format {verdict} from {old!r} to {new!r}")
    yield Hit(message, **places(pair, "format"))


@schema_rule(
    "format-changed", request="breaking", response="breaking", example=Direction.RESPONSE,
    summary="A string or number format changed to an unrelated one (date to date-time).",
    why="""Values valid in one format are invalid in the other: clients parsing a `date`
    fail on `2024-05-01T00:00:00Z`, and servers expecting a date-time reject `2024-05-01`.""",
    base=_doc(_INVOICE + "  issueDate: {type: string, format: date}\n"),
    revision=_doc(_INVOICE + "  issueDate: {type: string, format: date-time}\n"),
)
def format_changed(pair: Pair) -> Iterator[Hit]:
    yield from _format_hit(pair, "changed")


@schema_rule(
    "format-added", request="breaking", response="info",
    summary="A format was added to a schema that had none.",
    why="""A format narrows what is accepted: a server validating `format: uuid` rejects the
    free text it used to take. Readers of responses only get values that are more
    predictable.""",
    base=_doc(_INVOICE + "  supplierId: {type: string}\n", request=True),
    revision=_doc(_INVOICE + "  supplierId: {type: string, format: uuid}\n", request=True),
)
def format_added(pair: Pair) -> Iterator[Hit]:
    yield from _format_hit(pair, "added")


@schema_rule(
    "format-removed", request="info", response="warning", additive=True,
    summary="A schema's format was removed.",
    why="""Servers accept anything the type allows. Clients may have parsed the value as a
    date, a UUID or a decimal on the strength of the format; nothing promises the next value
    parses: not invalid for the schema, but worth a warning.""",
    base=_doc(_INVOICE + "  issueDate: {type: string, format: date}\n"),
    revision=_doc(_INVOICE + "  issueDate: {type: string}\n"),
)
def format_removed(pair: Pair) -> Iterator[Hit]:
    yield from _format_hit(pair, "removed")


@schema_rule(
    "format-widened", request="info", response="breaking", additive=True,
    summary="A numeric format was widened: int32 to int64, float to double.",
    why="""Servers accept every value they accepted before. Clients storing the value in a
    32-bit integer or a single-precision float overflow or lose precision on what the
    revision returns.""",
    base=_doc(_INVOICE + "  lineCount: {type: integer, format: int32}\n"),
    revision=_doc(_INVOICE + "  lineCount: {type: integer, format: int64}\n"),
)
def format_widened(pair: Pair) -> Iterator[Hit]:
    yield from _format_hit(pair, "widened")


@schema_rule(
    "format-narrowed", request="breaking", response="info",
    summary="A numeric format was narrowed: int64 to int32, double to float.",
    why="""Clients sending values beyond the 32-bit range (or needing double precision) are
    rejected or silently truncated. Readers of responses get values that fit what they
    already handle.""",
    base=_doc(_INVOICE + "  lineCount: {type: integer, format: int64}\n", request=True),
    revision=_doc(_INVOICE + "  lineCount: {type: integer, format: int32}\n", request=True),
)
def format_narrowed(pair: Pair) -> Iterator[Hit]:
    yield from _format_hit(pair, "narrowed")


# -- enums and const --------------------------------------------------------------------------


def _allowed(schema: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """The keyword listing the allowed values and the values: ``const`` is a one-value enum
    (and wins over an ``enum`` next to it, being the stricter). Zalando's
    ``x-extensible-enum: [A, B]`` lists the values known today of an open set: no
    constraint, but the values clients were told about, compared as an enum's."""
    if "const" in schema:
        return "const", [schema["const"]]
    values = schema.get("enum")
    if isinstance(values, list):
        return "enum", values
    known = schema.get("x-extensible-enum")
    return ("x-extensible-enum", known) if isinstance(known, list) else None


def _extensible(schema: dict[str, Any]) -> bool:
    """Declared open to new values: ``x-extensible-enum: true`` beside an ``enum``, or
    Zalando's list form."""
    return flag(schema, "x-extensible-enum") or isinstance(schema.get("x-extensible-enum"), list)


def _allowed_pair(pair: Pair) -> tuple[tuple[str, list[Any]] | None,
                                       tuple[str, list[Any]] | None]:
    """Both sides' allowed values, or (None, None) when the type changed: values of another
    type are all different, and ``type-changed`` says so once instead of once per value."""
    if _type_verdict(pair) == "changed":
        return None, None
    return _allowed(pair.base), _allowed(pair.rev)


def _value_changes(pair: Pair, added: bool) -> Iterator[tuple[Any, tuple[str, str],
                                                              tuple[str, str]]]:
    """(value, base place, revision place) of each value added (or removed) between two
    value lists; a change from one ``const`` to another is ``const-changed`` instead."""
    old, new = _allowed_pair(pair)
    if old is None or new is None or (old[0] == new[0] == "const"):
        return
    (okey, ovalues), (nkey, nvalues) = old, new
    have = {_canonical(v) for v in (ovalues if added else nvalues)}
    source, key, other_key = (nvalues, nkey, okey) if added else (ovalues, okey, nkey)
    seen: set[str] = set()
    for i, value in enumerate(source):
        canon = _canonical(value)
        if canon in have or canon in seen:
            continue
        seen.add(canon)
        here = (key,) if key == "const" else (key, i)
        if added:
            yield value, pair.base_at(other_key), pair.rev_at(*here)
        else:
            yield value, pair.base_at(*here), pair.rev_at(other_key)


def _allowed_appeared(pair: Pair, keyword: str, added: bool) -> list[Any] | None:
    """The values of an ``enum`` or a ``const`` (``keyword``) that appeared (``added``) or
    disappeared where the other side allowed any value of the type, else None."""
    old, new = _allowed_pair(pair)
    before, after = (old, new) if added else (new, old)
    if before is None and after is not None and after[0] == keyword:
        return after[1]
    return None


def _value_hits(pair: Pair, added: bool) -> Iterator[Hit]:
    for value, base_at, rev_at in _value_changes(pair, added):
        yield Hit(f"enum value {_show(value)} {'added' if added else 'removed'}",
                  base_at=base_at, rev_at=rev_at)


_STATUS = "  status:\n    type: string\n"


@schema_rule(
    "enum-value-added", request="info", response="breaking", additive=True,
    summary="A value was added to an enum (not declared extensible).",
    why="""Servers accept one more value. Clients reading it meet a value their code does not
    handle (a generated enum fails to parse, a `switch` has no branch). Declare the enum
    `x-extensible-enum: true` to tell clients to expect new values: additions are then
    `extensible-enum-value-added`.""",
    base=_doc(_INVOICE + _STATUS + "    enum: [DRAFT, AUTHORISED, PAID]\n"),
    revision=_doc(_INVOICE + _STATUS + "    enum: [DRAFT, AUTHORISED, PAID, VOIDED]\n"),
)
def enum_value_added(pair: Pair) -> Iterator[Hit]:
    if not _extensible(pair.base):
        yield from _value_hits(pair, added=True)


@schema_rule(
    "extensible-enum-value-added", request="info", response="info", example=Direction.RESPONSE,
    additive=True,
    summary="A value was added to an enum declared `x-extensible-enum: true` (or to a "
            "Zalando `x-extensible-enum: [...]` list).",
    why="""The base told clients to expect values it did not list (and to handle unknown ones
    gracefully): a new value is the growth they were promised, not a break. Zalando's list
    form (`x-extensible-enum: [DRAFT, PAID]`, no `enum`) names the values known today of
    such an open set; its values are compared the same way.""",
    base=_doc(_INVOICE + _STATUS + "    x-extensible-enum: true\n"
              "    enum: [DRAFT, AUTHORISED, PAID]\n"),
    revision=_doc(_INVOICE + _STATUS + "    x-extensible-enum: true\n"
                  "    enum: [DRAFT, AUTHORISED, PAID, VOIDED]\n"),
)
def extensible_enum_value_added(pair: Pair) -> Iterator[Hit]:
    if _extensible(pair.base):
        yield from _value_hits(pair, added=True)


_CURRENCY = "  currencyCode:\n    type: string\n"


@schema_rule(
    "enum-value-removed", request="breaking", response="info",
    summary="A value was removed from an enum.",
    why="""Clients still sending it are rejected (Xero removed GGP, IMP, JEP, XDR... from its
    CurrencyCode enum in 2.37.0). Readers of responses just never see it again. Each value
    is one change, located at the value in the base. A value dropped from a Zalando
    `x-extensible-enum: [...]` list counts the same: clients were told it is a known
    value, and a server that stops listing it has stopped handling it.""",
    base=_doc(_INVOICE + _CURRENCY + "    enum: [EUR, GBP, USD, XDR]\n", request=True),
    revision=_doc(_INVOICE + _CURRENCY + "    enum: [EUR, GBP, USD]\n", request=True),
)
def enum_value_removed(pair: Pair) -> Iterator[Hit]:
    yield from _value_hits(pair, added=False)


@schema_rule(
    "enum-added", request="breaking", response="info",
    summary="A schema that took any value of its type now lists the allowed values.",
    why="""Clients sending a value outside the new list are rejected. Readers of responses
    get fewer possible values than before.""",
    base=_doc(_INVOICE + _CURRENCY, request=True),
    revision=_doc(_INVOICE + _CURRENCY + "    enum: [EUR, GBP, USD]\n", request=True),
)
def enum_added(pair: Pair) -> Iterator[Hit]:
    if (values := _allowed_appeared(pair, "enum", added=True)) is not None:
        yield Hit(f"enum added with {len(values)} value(s)", rev_at=pair.rev_at("enum"))


@schema_rule(
    "enum-removed", request="info", response="breaking", additive=True,
    summary="A schema's enum was removed: any value of its type is allowed.",
    why="""Servers accept more. Clients reading the data may get values they never knew
    existed, which breaks a generated enum or a `switch` just as an added value does.""",
    base=_doc(_INVOICE + _CURRENCY + "    enum: [EUR, GBP, USD]\n"),
    revision=_doc(_INVOICE + _CURRENCY),
)
def enum_removed(pair: Pair) -> Iterator[Hit]:
    if (values := _allowed_appeared(pair, "enum", added=False)) is not None:
        yield Hit(f"enum with {len(values)} value(s) removed", base_at=pair.base_at("enum"))


_KIND = "  kind:\n    type: string\n"


@schema_rule(
    "const-changed", request="breaking", response="breaking", example=Direction.RESPONSE,
    summary="A schema's const value changed.",
    why="""The single allowed value is another one: every old value is invalid now, whoever
    reads it (a discriminator-like `kind: invoice` becoming `kind: sales-invoice`).""",
    base=_doc(_INVOICE + _KIND + "    const: invoice\n"),
    revision=_doc(_INVOICE + _KIND + "    const: sales-invoice\n"),
)
def const_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _allowed_pair(pair)
    if old and new and old[0] == new[0] == "const" \
            and _canonical(old[1][0]) != _canonical(new[1][0]):
        yield Hit(f"const changed from {_show(old[1][0])} to {_show(new[1][0])}",
                  base_at=pair.base_at("const"), rev_at=pair.rev_at("const"))


@schema_rule(
    "const-added", request="breaking", response="info",
    summary="A schema now allows a single value (const) where it allowed any.",
    why="""Clients sending any other value are rejected. Readers of responses always get the
    one value they already accepted.""",
    base=_doc(_INVOICE + _KIND, request=True),
    revision=_doc(_INVOICE + _KIND + "    const: invoice\n", request=True),
)
def const_added(pair: Pair) -> Iterator[Hit]:
    if (values := _allowed_appeared(pair, "const", added=True)) is not None:
        yield Hit(f"const {_show(values[0])} added", rev_at=pair.rev_at("const"))


@schema_rule(
    "const-removed", request="info", response="breaking", additive=True,
    summary="A schema's const was removed: any value of its type is allowed.",
    why="""Servers accept more; readers of the data that relied on the one fixed value (to
    tell kinds of document apart, say) now meet others.""",
    base=_doc(_INVOICE + _KIND + "    const: invoice\n"),
    revision=_doc(_INVOICE + _KIND),
)
def const_removed(pair: Pair) -> Iterator[Hit]:
    if (values := _allowed_appeared(pair, "const", added=False)) is not None:
        yield Hit(f"const {_show(values[0])} removed", base_at=pair.base_at("const"))


def _extensibility_hit(pair: Pair, now: bool) -> Iterator[Hit]:
    if _extensible(pair.base) is now or _extensible(pair.rev) is not now:
        return
    if "enum" not in pair.base and "enum" not in pair.rev:
        return  # the flag means nothing without an enum
    yield Hit("enum declared extensible" if now else "enum no longer declared extensible",
              **places(pair, "x-extensible-enum"))


@schema_rule(
    "enum-became-extensible", request="info", response="warning",
    summary="An enum was declared `x-extensible-enum: true`.",
    why="""The values are the same today, but clients reading the data are told new values
    will come: code generated for a closed enum must learn to handle unknown values before
    the next addition, which will then be only `extensible-enum-value-added`.""",
    base=_doc(_INVOICE + _STATUS + "    enum: [DRAFT, AUTHORISED, PAID]\n"),
    revision=_doc(_INVOICE + _STATUS + "    x-extensible-enum: true\n"
                  "    enum: [DRAFT, AUTHORISED, PAID]\n"),
)
def enum_became_extensible(pair: Pair) -> Iterator[Hit]:
    yield from _extensibility_hit(pair, now=True)


@schema_rule(
    "enum-became-non-extensible", request="warning", response="info",
    summary="An enum lost `x-extensible-enum: true`.",
    why="""Readers of responses gain a promise (no new values without a breaking change). In
    a request it is a warning, not a break: the listed values are unchanged, so valid
    requests stay valid, but a server that honoured the flag by tolerating unlisted values
    may now reject them, and clients that sent such values (outside the contract, yet
    accepted) find out.""",
    base=_doc(_INVOICE + _STATUS + "    x-extensible-enum: true\n"
              "    enum: [DRAFT, AUTHORISED, PAID]\n", request=True),
    revision=_doc(_INVOICE + _STATUS + "    enum: [DRAFT, AUTHORISED, PAID]\n", request=True),
)
def enum_became_non_extensible(pair: Pair) -> Iterator[Hit]:
    yield from _extensibility_hit(pair, now=False)


# -- defaults and deprecation -----------------------------------------------------------------

_TERMS = "  paymentTermsDays:\n    type: integer\n"


def _default_verdict(pair: Pair) -> str | None:
    had, has = "default" in pair.base, "default" in pair.rev
    if had and has:
        same = _canonical(pair.base["default"]) == _canonical(pair.rev["default"])
        return None if same else "changed"
    if had or has:
        return "added" if has else "removed"
    return None


@schema_rule(
    "default-changed", request="warning", response="warning", example=Direction.REQUEST,
    summary="A schema's default value changed.",
    why="""Nothing becomes invalid, but clients that omit the value get other behaviour
    (payment terms of 14 days instead of 30), and readers filling in a missing value assume
    another one: a silent change of meaning.""",
    base=_doc(_INVOICE + _TERMS + "    default: 30\n", request=True),
    revision=_doc(_INVOICE + _TERMS + "    default: 14\n", request=True),
)
def default_changed(pair: Pair) -> Iterator[Hit]:
    if _default_verdict(pair) == "changed":
        yield Hit(f"default changed from {_show(pair.base['default'])} to "
                  f"{_show(pair.rev['default'])}",
                  base_at=pair.base_at("default"), rev_at=pair.rev_at("default"))


@schema_rule(
    "default-added", request="info", response="info", example=Direction.REQUEST,
    summary="A schema gained a default value.",
    why="""What happens when a client omits the value is now documented; if the server did
    something else before, that is a behaviour change worth reading in the changelog.""",
    base=_doc(_INVOICE + _TERMS, request=True),
    revision=_doc(_INVOICE + _TERMS + "    default: 30\n", request=True),
)
def default_added(pair: Pair) -> Iterator[Hit]:
    if _default_verdict(pair) == "added":
        yield Hit(f"default {_show(pair.rev['default'])} added", rev_at=pair.rev_at("default"))


@schema_rule(
    "default-removed", request="warning", response="info",
    summary="A schema's default value was removed.",
    why="""Clients that omit the value relied on the documented default; what the server
    does now is unspecified. Readers of responses lose only a hint.""",
    base=_doc(_INVOICE + _TERMS + "    default: 30\n", request=True),
    revision=_doc(_INVOICE + _TERMS, request=True),
)
def default_removed(pair: Pair) -> Iterator[Hit]:
    if _default_verdict(pair) == "removed":
        yield Hit(f"default {_show(pair.base['default'])} removed",
                  base_at=pair.base_at("default"))


@schema_rule(
    "schema-deprecated", request="info", response="info", example=Direction.RESPONSE,
    summary="A schema or property was marked deprecated.",
    why="""Nothing changes yet; clients are told to stop relying on it before it is
    removed, which will then be a breaking change they had warning of.""",
    base=_doc(_INVOICE + "  faxNumber: {type: string}\n"),
    revision=_doc(_INVOICE + "  faxNumber: {type: string, deprecated: true}\n"),
)
def schema_deprecated(pair: Pair) -> Iterator[Hit]:
    if flipped(pair, "deprecated", True):
        yield Hit("marked deprecated", rev_at=pair.rev_at("deprecated"))


@schema_rule(
    "schema-undeprecated", request="info", response="info", example=Direction.RESPONSE,
    summary="A schema or property is no longer deprecated.",
    why="""Clients that moved away from it may use it again; nothing breaks.""",
    base=_doc(_INVOICE + "  faxNumber: {type: string, deprecated: true}\n"),
    revision=_doc(_INVOICE + "  faxNumber: {type: string}\n"),
)
def schema_undeprecated(pair: Pair) -> Iterator[Hit]:
    if flipped(pair, "deprecated", False):
        yield Hit("no longer deprecated", base_at=pair.base_at("deprecated"))
