"""The AsyncAPI 2.6.0 object model.

2.6 differs from 3.x in shape, not just in names: channels hold ``publish``/``subscribe``
operations, servers have a ``url``, bindings are free-form, a message payload's schema
language is chosen by the message's own ``schemaFormat``, and Reference Objects are allowed
in fewer places.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from ledgerpact.registry.asyncapi.common import (
    COMPONENT_KEY,
    CONTACT,
    CORRELATION_ID,
    LICENSE,
    LOCATION,
    SERVER_VARIABLE,
    message_example,
    security_scheme,
)
from ledgerpact.registry.asyncapi.schemas import (
    ASYNCAPI_2_VERSIONS,
    DRAFT07_SCHEMA,
    json_schema,
    media_types,
    payload_by_format,
)
from ledgerpact.registry.asyncapi.shapes import (
    ANY,
    BOOL,
    MISSING,
    STR,
    All,
    Arr,
    Dispatch,
    MapOf,
    Obj,
    RefOr,
    Shape,
    Task,
    canon,
    child,
    got,
    show,
    str_enum,
)
from ledgerpact.registry.asyncapi_structure import Violation


def _headers_of_type_object(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
    """2.6 message headers must describe an object: a ``type``, if given, must be 'object'."""
    if isinstance(value, dict) and "type" in value and canon(value["type"]) != ("s", "object"):
        out.append(Violation(child(ptr, "type"), "message headers must be a schema of type "
                                                 f"'object', got type {show(value['type'])}"))
    return None


@cache
def model_2_6() -> Shape:
    """The AsyncAPI Object of 2.6.0 and everything below it (built once, then shared)."""
    external_docs = Obj("External Documentation Object", {"description": STR, "url": STR},
                        ("url",))
    schema = json_schema(external_docs, DRAFT07_SCHEMA)
    tag = Obj("Tag Object", {"name": STR, "description": STR, "externalDocs": external_docs},
              ("name",))
    tags = Arr(tag, unique=True)
    bindings = Obj("Bindings Object", closed=False, extensions=None)
    security = Arr(MapOf(Arr(STR, unique=True), "Security Requirement Object"))
    server = Obj("Server Object", {
        "url": STR, "description": STR, "protocol": STR, "protocolVersion": STR,
        "variables": MapOf(RefOr(SERVER_VARIABLE), "Server Variables"),
        "security": security, "bindings": bindings, "tags": tags,
    }, ("url", "protocol"))
    parameter = Obj("Parameter Object", {"description": STR, "schema": schema,
                                         "location": LOCATION}, typed=False)
    headers = All(schema, Dispatch("headers", _headers_of_type_object))
    trait_fields: dict[str, Shape] = {
        "schemaFormat": STR, "contentType": STR, "headers": headers, "messageId": STR,
        "correlationId": RefOr(CORRELATION_ID), "tags": tags, "summary": STR, "name": STR,
        "title": STR, "description": STR, "externalDocs": external_docs, "deprecated": BOOL,
        "examples": Arr(message_example(ANY)), "bindings": bindings,
    }
    message_trait = Obj("Message Trait Object", trait_fields)
    asyncapi_formats = media_types("application/vnd.aai.asyncapi", ASYNCAPI_2_VERSIONS)
    payload_for = payload_by_format(schema, asyncapi_formats, reference_or=False)

    def payload(value: dict[Any, Any], ptr: str, out: list[Violation]) -> Sequence[Task]:
        if "payload" not in value:
            return ()
        shape = payload_for(value.get("schemaFormat", MISSING))
        return [(shape, value["payload"], child(ptr, "payload"), out)] if shape is not ANY else ()

    message_object = Obj("Message Object", {
        **trait_fields, "payload": ANY, "traits": Arr(RefOr(message_trait)),
    }, rule=payload)
    one_of_messages = Obj("Message Object with oneOf", {}, ("oneOf",), extensions=None)

    def choose_message(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, dict):
            return one_of_messages if "oneOf" in value else message_object
        out.append(Violation(ptr, "expected a Message Object, a Reference Object or an object "
                                  f"with 'oneOf', got {got(value)}"))
        return None

    message = RefOr(Dispatch("Message Object", choose_message))
    one_of_messages.fields["oneOf"] = Arr(message)
    operation_fields: dict[str, Shape] = {
        "summary": STR, "description": STR, "security": security, "tags": tags,
        "externalDocs": external_docs, "operationId": STR, "bindings": bindings,
    }
    operation_trait = Obj("Operation Trait Object", operation_fields)
    operation = Obj("Operation Object", {
        **operation_fields, "traits": Arr(RefOr(operation_trait)), "message": message,
    })
    channel = Obj("Channel Item Object", {
        "$ref": STR, "parameters": MapOf(RefOr(parameter), "Parameters Object"),
        "description": STR, "servers": Arr(STR, unique=True), "publish": operation,
        "subscribe": operation, "deprecated": BOOL, "bindings": bindings,
    })
    channels = MapOf(channel, "Channels Object", nonempty_string_keys=True)
    servers = MapOf(RefOr(server), "Servers Object")
    components = Obj("Components Object", {
        "schemas": MapOf(schema, "schemas"), "servers": servers, "channels": channels,
        "serverVariables": MapOf(RefOr(SERVER_VARIABLE), "serverVariables"),
        "messages": MapOf(message, "messages"),
        "securitySchemes": MapOf(RefOr(security_scheme(v3=False)), "securitySchemes",
                                 keys=COMPONENT_KEY),
        "parameters": MapOf(RefOr(parameter), "parameters"),
        "correlationIds": MapOf(RefOr(CORRELATION_ID), "correlationIds", keys=COMPONENT_KEY),
        "operationTraits": MapOf(operation_trait, "operationTraits"),
        "messageTraits": MapOf(message_trait, "messageTraits"),
        "serverBindings": MapOf(bindings, "serverBindings"),
        "channelBindings": MapOf(bindings, "channelBindings"),
        "operationBindings": MapOf(bindings, "operationBindings"),
        "messageBindings": MapOf(bindings, "messageBindings"),
    })
    info = Obj("Info Object", {"title": STR, "version": STR, "description": STR,
                               "termsOfService": STR, "contact": CONTACT, "license": LICENSE},
               ("version", "title"))
    return Obj("AsyncAPI Object", {
        "asyncapi": str_enum("2.6.0"), "id": STR, "info": info, "servers": servers,
        "defaultContentType": STR, "channels": channels, "components": components,
        "tags": tags, "externalDocs": external_docs,
    }, ("asyncapi", "info", "channels"))
