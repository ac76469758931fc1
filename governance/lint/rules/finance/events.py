"""Events use the canonical envelope (CloudEvents 1.0).

Routers, dead-letter tooling, deduplication and tracing across the broker all work on the
envelope, never on the payload: ``source`` + ``id`` deduplicate at-least-once deliveries,
``type`` routes and selects the schema, ``time`` orders. An event without them can only be
handled by code that knows its payload.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, Message
from ledgerpact.governance.lint.model import ASYNCAPI, Loc, Violation
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import view

ENVELOPE_FILE = "event-envelope.schema.json"
_NOT_JSON_SCHEMA = ("avro", "protobuf", "raml", "openapi")  # payload formats we cannot read


def _schema_format(message: dict[str, Any], payload: Any) -> str:
    fmt = payload.get("schemaFormat") if isinstance(payload, dict) else None
    return str(fmt or message.get("schemaFormat") or "").lower()


def _binary_mode(index: Index, m: Message) -> bool:
    """CloudEvents binary content mode: the attributes are protocol headers (ce_id...)."""
    headers = m.message.get("headers")
    if headers is None:
        return False
    names = {n.lower() for n in view(index, headers, m.loc.child("headers")).props}
    return all(any(p + attr in names for p in vocab.CLOUDEVENTS_HEADER_PREFIXES)
               for attr in vocab.CLOUDEVENTS_REQUIRED)


def envelope_problem(index: Index, m: Message) -> tuple[Loc, str] | None:
    """(where, what is wrong) when message ``m`` is not in the canonical envelope."""
    payload = m.message.get("payload")
    ploc = m.loc.child("payload")
    if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:
        if any(f in _schema_format(m.message, payload) for f in _NOT_JSON_SCHEMA):
            return None
        payload, ploc = payload["schema"], ploc.child("schema")
    elif any(f in _schema_format(m.message, payload) for f in _NOT_JSON_SCHEMA):
        return None
    if payload is None:
        if _binary_mode(index, m):
            return None
        return m.loc, "has no payload, so no envelope"
    v = view(index, payload, ploc)
    if any(f.endswith(ENVELOPE_FILE) for f in v.files):
        return None
    if set(vocab.CLOUDEVENTS_REQUIRED) <= v.required or _binary_mode(index, m):
        return None
    missing = [a for a in vocab.CLOUDEVENTS_REQUIRED if a not in v.required]
    return ploc, (f"has a payload that is not the canonical event envelope (no $ref to "
                  f"schemas/event-envelope, and {', '.join(repr(a) for a in missing)} "
                  "not required)")


@rule(
    "finance-event-envelope",
    severity="error",
    family="finance",
    formats=ASYNCAPI,
    summary="Every message payload is, or composes by $ref, the canonical event envelope "
            "(contracts/schemas/event-envelope), or at least requires the CloudEvents "
            "attributes specversion, id, source and type (no Spectral equivalent).",
    why="""Finance events are delivered at least once and replayed. Consumers deduplicate by
    source + id, route by type, and trace across the broker with the envelope's
    extensions; none of that works on bare payloads, and every consumer would reinvent it.
    The canonical envelope is CloudEvents 1.0 in structured mode; a message in binary mode
    passes when its headers declare the prefixed attributes (ce_id, ce_source...).
    Payloads in Avro or Protobuf are not judged.""",
    bad="""asyncapi: 3.0.0
info: {title: Payments, version: 1.0.0}
channels:
  paymentSettled:
    address: finance.payment.settled
    messages:
      settled:
        payload:
          type: object
          properties:
            paymentId: {type: string}
""",
    good="""asyncapi: 3.0.0
info: {title: Payments, version: 1.0.0}
channels:
  paymentSettled:
    address: finance.payment.settled
    messages:
      settled:
        payload:
          type: object
          required: [specversion, id, source, type]
          properties:
            specversion: {type: string, const: '1.0'}
            id: {type: string}
            source: {type: string, format: uri-reference}
            type: {type: string}
            data:
              type: object
              properties:
                paymentId: {type: string}
""",
)
def event_envelope(index: Index) -> Iterator[Violation]:
    for m in index.messages:
        found = envelope_problem(index, m)
        if found is not None:
            where, what = found
            name = f"message {m.name!r}" if m.name else "the message"
            yield Violation(where, f"{name} {what}; expected the payload to $ref (or allOf) "
                                   "../schemas/event-envelope/event-envelope.schema.json, or "
                                   "to require specversion, id, source and type (CloudEvents "
                                   "1.0)")
