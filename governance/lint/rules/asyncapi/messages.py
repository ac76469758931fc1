"""AsyncAPI rules about messages: unique ids and names, a payload, headers that are an
object, examples that match the payload and headers schemas, and schema formats this linter
can check.

Each message object is looked at once (the index holds every message once, however many
channels or operations use it), with its traits applied as its version says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, Message
from ledgerpact.governance.lint.instances import InstanceChecker
from ledgerpact.governance.lint.model import ASYNCAPI, ASYNCAPI2, Loc, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi2, asyncapi3
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.asyncapi._common import (
    checkable_format,
    is_v3,
    payload_schema,
    resolved,
    resolved_dict,
    trait_sources,
)
from ledgerpact.registry import pointer as jp


def _label(message: Message) -> str:
    """Its name, else the key it is declared under, else where it is."""
    name = message.message.get("name")
    if isinstance(name, str) and name:
        return f"message {name!r}"
    tokens = jp.split(message.loc.pointer)
    if len(tokens) >= 2 and tokens[-2] == "messages":
        return f"message {tokens[-1]!r}"
    return f"the message at {message.loc.pointer}"


@rule(
    "asyncapi-message-messageId-uniqueness",
    severity="error",
    family="asyncapi",
    formats=frozenset({ASYNCAPI2}),
    summary="messageIds are unique in the document (spectral:asyncapi "
            "asyncapi-message-messageId-uniqueness).",
    why="""Tools identify a 2.x message by its messageId (generated class names, schema
    registry subjects, diff reports); two different messages with one id silently
    replace each other.""",
    bad=asyncapi2("""channels:
  finance.payment.settled:
    subscribe:
      operationId: onPaymentSettled
      message:
        messageId: paymentEvent
        payload: {type: object}
  finance.payment.failed:
    subscribe:
      operationId: onPaymentFailed
      message:
        messageId: paymentEvent
        payload: {type: object}
"""),
    good=asyncapi2("""channels:
  finance.payment.settled:
    subscribe:
      operationId: onPaymentSettled
      message:
        messageId: paymentSettled
        payload: {type: object}
  finance.payment.failed:
    subscribe:
      operationId: onPaymentFailed
      message:
        messageId: paymentFailed
        payload: {type: object}
"""),
)
def message_id_unique(index: Index) -> Iterator[Violation]:
    yield from _unique(index, "messageId")


@rule(
    "asyncapi-message-name-uniqueness",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Different messages do not share a 'name' (extends spectral:asyncapi "
            "asyncapi-message-messageId-uniqueness to the machine-friendly name, the id "
            "3.x generators use).",
    why="""Code generators name message classes and schema registry subjects after the
    message name; two different messages with the same name overwrite each other in
    generated code, and a consumer deserialises one as the other.""",
    bad=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      name: paymentEvent
      payload: {type: object}
    PaymentFailed:
      name: paymentEvent
      payload: {type: object}
"""),
    good=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      name: paymentSettled
      payload: {type: object}
    PaymentFailed:
      name: paymentFailed
      payload: {type: object}
"""),
)
def message_name_unique(index: Index) -> Iterator[Violation]:
    yield from _unique(index, "name")


def _unique(index: Index, field: str) -> Iterator[Violation]:
    seen: dict[str, list[tuple[Message, Loc]]] = defaultdict(list)
    for message in index.messages:
        sources = trait_sources(index, message.message, message.loc, field)
        if sources and isinstance(sources[0][0], str) and sources[0][0]:
            seen[sources[0][0]].append((message, sources[0][1]))
    for value, uses in seen.items():
        first = uses[0][0].loc.pointer
        for _, loc in uses[1:]:
            yield Violation(loc, f"{field} {value!r} is already used by the message at "
                                 f"{first}; expected each message to have its own {field}")


@rule(
    "asyncapi-message-payload",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every message declares its payload schema (no direct Spectral equivalent; "
            "AsyncAPI allows any payload when it is absent).",
    why="""A message without a payload schema promises nothing: consumers cannot generate
    types, contract tests accept any body, and breaking changes go undetected.""",
    bad=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      name: paymentSettled
      contentType: application/json
"""),
    good=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      name: paymentSettled
      contentType: application/json
      payload:
        type: object
        properties:
          paymentId: {type: string}
"""),
)
def message_payload(index: Index) -> Iterator[Violation]:
    for message in index.messages:
        if "payload" not in message.message:
            yield Violation(message.loc, f"{_label(message)} has no payload; expected a "
                                         "payload schema describing the message body")


def _header_sources(index: Index) -> Iterator[tuple[str, Any, Loc]]:
    """(whose, headers schema, where) for every message and message trait, each once."""
    for message in index.messages:
        for headers, where in trait_sources(index, message.message, message.loc, "headers"):
            yield _label(message), headers, where
    section = index.root_loc.child("components", "messageTraits")
    for name, trait in as_dict(as_dict(index.doc.get("components")).get("messageTraits")
                               ).items():
        found = resolved_dict(index, trait, section.child(name))
        if found is not None and "headers" in found[0]:
            yield f"message trait {name!r}", found[0]["headers"], found[1].child("headers")


def _headers_schema(index: Index, headers: Any, loc: Loc) -> tuple[Any, Loc] | None:
    """The JSON Schema of a headers field, unwrapping a 3.x Multi Format Schema Object;
    None for a format this linter cannot read."""
    found = resolved(index, headers, loc)
    if found is None:
        return None
    value, where = found
    if is_v3(index) and isinstance(value, dict) and "schemaFormat" in value and \
            "schema" in value:
        if not checkable_format(value["schemaFormat"]):
            return None
        return resolved(index, value["schema"], where.child("schema"))
    return value, where


@rule(
    "asyncapi-headers-schema-type-object",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A message's (or message trait's) headers schema has type: object "
            "(spectral:asyncapi asyncapi-headers-schema-type-object, "
            "asyncapi-3-headers-schema-type-object).",
    why="""Headers are a map from header name to value on every protocol (Kafka record
    headers, AMQP properties, HTTP headers); a headers schema that is not an object
    cannot describe them, and generators produce nothing usable.""",
    bad=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      headers:
        type: string
      payload: {type: object}
"""),
    good=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      headers:
        type: object
        properties:
          correlationId: {type: string}
      payload: {type: object}
"""),
)
def headers_type_object(index: Index) -> Iterator[Violation]:
    done: set[Loc] = set()
    for whose, headers, loc in _header_sources(index):
        found = _headers_schema(index, headers, loc)
        if found is None or found[1] in done:
            continue
        schema, where = found
        done.add(where)
        if not isinstance(schema, dict):
            continue  # the structure rule reports a headers schema that is not an object
        kind = schema.get("type")
        if kind != "object":
            got = f"type {kind!r}" if kind is not None else "no type"
            yield Violation(where.child("type") if kind is not None else where,
                            f"the headers schema of {whose} has {got}; expected "
                            "type: object (a map of header names to values)")


@rule(
    "asyncapi-message-examples",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Message examples' payload and headers are valid against the message's payload "
            "and headers schemas, traits applied (spectral:asyncapi "
            "asyncapi-message-examples, here for 3.x too).",
    why="""Examples are copied into documentation, mocks and contract tests; an example
    that breaks its own schema teaches consumers the wrong shape and makes tests fail
    for the wrong reason.""",
    bad=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      payload:
        type: object
        required: [paymentId, amount]
        properties:
          paymentId: {type: string}
          amount: {type: string, pattern: '^-?[0-9]+(\\.[0-9]+)?$'}
      examples:
        - name: settled
          payload:
            paymentId: PAY-1
            amount: 12.5
"""),
    good=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      payload:
        type: object
        required: [paymentId, amount]
        properties:
          paymentId: {type: string}
          amount: {type: string, pattern: '^-?[0-9]+(\\.[0-9]+)?$'}
      examples:
        - name: settled
          payload:
            paymentId: PAY-1
            amount: '12.50'
"""),
)
def message_examples(index: Index) -> Iterator[Violation]:
    checker = InstanceChecker(index)
    for message in index.messages:
        sources = trait_sources(index, message.message, message.loc, "examples")
        if not sources or not isinstance(sources[0][0], list):
            continue
        examples, eloc = sources[0]
        payload = payload_schema(index, message.message, message.loc)
        schemas: dict[str, Loc] = {}
        if payload is not None and checkable_format(payload[2]):
            found = resolved(index, payload[0], payload[1])
            if found is not None and isinstance(found[0], (dict, bool)):
                schemas["payload"] = payload[1]
        headers = trait_sources(index, message.message, message.loc, "headers")
        if headers:
            found = _headers_schema(index, *headers[0])
            if found is not None and isinstance(found[0], (dict, bool)):
                schemas["headers"] = found[1]
        for i, example in enumerate(examples):
            if not isinstance(example, dict):
                continue
            title = f"example {example['name']!r}" if isinstance(example.get("name"), str) \
                else f"example {i}"
            for part, schema_loc in schemas.items():
                if part not in example:
                    continue
                for pointer, error in checker.errors(schema_loc, example[part]):
                    yield Violation(eloc.child(i, part, *jp.split(pointer)),
                                    f"{_label(message)} {title}: {part}"
                                    f"{' at ' + pointer if pointer else ''} does not match "
                                    f"its schema: {error}")


@rule(
    "asyncapi-payload-unsupported-schemaFormat",
    severity="info",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A payload in a schemaFormat other than JSON Schema / the AsyncAPI schema is "
            "reported, since its examples and defaults cannot be checked here "
            "(spectral:asyncapi asyncapi-payload-unsupported-schemaFormat, "
            "asyncapi-3-payload-unsupported-schemaFormat).",
    why="""Avro, Protobuf, RAML or OpenAPI payloads are legal, but this linter (like
    Spectral) validates examples and defaults only against JSON Schema. Knowing which
    messages were not checked keeps a clean report from being read as "verified".""",
    bad=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      payload:
        schemaFormat: application/vnd.apache.avro;version=1.9.0
        schema:
          type: record
          name: PaymentSettled
          fields:
            - {name: paymentId, type: string}
"""),
    good=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      payload:
        schemaFormat: application/vnd.aai.asyncapi+json;version=3.0.0
        schema:
          type: object
          properties:
            paymentId: {type: string}
"""),
)
def payload_unsupported_schema_format(index: Index) -> Iterator[Violation]:
    for message in index.messages:
        payload = payload_schema(index, message.message, message.loc)
        if payload is None or not isinstance(payload[2], str) or checkable_format(payload[2]):
            continue  # (a schemaFormat that is not a string is the structure rule's)
        # 2.x names the format on the message; 3.x next to the schema it wraps.
        where = message.loc.child("schemaFormat") if not is_v3(index) else \
            Loc(payload[1].file, payload[1].pointer.rsplit("/", 1)[0] + "/schemaFormat")
        yield Violation(where, f"{_label(message)} payload uses schemaFormat "
                               f"{payload[2]!r}; its examples and defaults are not checked "
                               "(only JSON Schema and AsyncAPI schema formats are)")
