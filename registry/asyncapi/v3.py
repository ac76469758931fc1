"""The AsyncAPI 3.0.0 and 3.1.0 object model (3.1 differs in a few details, noted inline).

Operations are top-level and point at channels with Reference Objects; channels carry an
``address`` and their messages; almost every object may be replaced by a Reference Object;
a payload is a Schema Object or a Multi Format Schema Object naming its own ``schemaFormat``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from ledgerpact.registry.asyncapi.bindings import bindings_3
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
    Arr,
    Dispatch,
    MapOf,
    Obj,
    Ref,
    RefOr,
    Scalar,
    Shape,
    Task,
    child,
    got,
    str_enum,
)
from ledgerpact.registry.asyncapi_structure import Violation

_LINKEDIN = re.compile(r"^http(s)?://(www\.)?linkedin\.com.*$")


class _TraitPair(Shape):
    """AsyncAPI 3.x also accepts a message trait as a ``[trait, parameters]`` array."""

    def __init__(self, trait: Shape) -> None:
        self.trait = trait

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if len(value) >= 2 and not isinstance(value[1], dict):
            out.append(Violation(child(ptr, 1), "expected an object (the trait's parameters), "
                                                f"got {got(value[1])}"))
        return [(self.trait, value[0], child(ptr, 0), out)] if value else ()


@cache
def model_3(version: str) -> Shape:
    """The AsyncAPI Object of 3.0.0 or 3.1.0 and everything below it (built once per version).

    3.1 differs from 3.0 in three details only: message example payloads may be any value,
    'application/vnd.aai.asyncapi;version=3.1.0' names an AsyncAPI schema, and ROS 2 bindings
    exist.
    """
    external_docs = Obj("External Documentation Object", {"description": STR, "url": STR},
                        ("url",))
    ref_or_docs = RefOr(external_docs)
    schema = json_schema(ref_or_docs, DRAFT07_SCHEMA)
    bindings = bindings_3(schema, version)
    tag = Obj("Tag Object", {"name": STR, "description": STR, "externalDocs": ref_or_docs},
              ("name",))
    tags = Arr(RefOr(tag), unique=True)
    security = Arr(RefOr(security_scheme(v3=True)))
    asyncapi_versions = [*ASYNCAPI_2_VERSIONS, "3.0.0"] + (["3.1.0"] if version != "3.0.0" else [])
    asyncapi_formats = media_types("application/vnd.aai.asyncapi", asyncapi_versions)
    payload_for = payload_by_format(schema, asyncapi_formats, reference_or=True)

    def multi_format(value: dict[Any, Any], ptr: str, out: list[Violation]) -> Sequence[Task]:
        schema_format = value.get("schemaFormat", MISSING)
        shape = payload_for(schema_format)
        return [(shape, value["schema"], child(ptr, "schema"), out)] if shape is not ANY else ()

    multi_format_schema = Obj("Multi Format Schema Object", {"schemaFormat": STR, "schema": ANY},
                              closed=False, rule=multi_format)

    def choose_any_schema(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, dict):
            return multi_format_schema if "schema" in value else schema
        out.append(Violation(ptr, "expected a Schema Object or a Multi Format Schema Object "
                                  f"(an object), got {got(value)}"))
        return None

    any_schema = Dispatch("Schema Object", choose_any_schema)
    server = Obj("Server Object", {
        "host": STR, "pathname": STR, "title": STR, "summary": STR, "description": STR,
        "protocol": STR, "protocolVersion": STR,
        "variables": MapOf(RefOr(SERVER_VARIABLE), "Server Variables"),
        "security": security, "tags": tags, "externalDocs": ref_or_docs,
        "bindings": RefOr(bindings["server"]),
    }, ("host", "protocol"))
    parameter = Obj("Parameter Object", {"description": STR, "enum": Arr(STR), "default": STR,
                                         "examples": Arr(STR), "location": LOCATION},
                    typed=False)
    example_payload = (Scalar("number", "string", "boolean", "object", "array", "null")
                       if version == "3.0.0" else ANY)
    trait_fields: dict[str, Shape] = {
        "contentType": STR, "headers": any_schema, "correlationId": RefOr(CORRELATION_ID),
        "tags": tags, "summary": STR, "name": STR, "title": STR, "description": STR,
        "externalDocs": ref_or_docs, "deprecated": BOOL,
        "examples": Arr(message_example(example_payload)),
        "bindings": RefOr(bindings["message"]),
    }
    message_trait = Obj("Message Trait Object", trait_fields)
    trait_or_reference = RefOr(message_trait)
    trait_pair = _TraitPair(trait_or_reference)

    def choose_trait(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, dict):
            return trait_or_reference
        if isinstance(value, list):
            return trait_pair
        out.append(Violation(ptr, "expected a Message Trait Object, a Reference Object or a "
                                  f"[trait, object] pair, got {got(value)}"))
        return None

    message = Obj("Message Object", {
        **trait_fields, "payload": any_schema,
        "traits": Arr(Dispatch("Message Trait", choose_trait)),
    })
    channel = Obj("Channel Object", {
        "address": Scalar("string", "null"),
        "messages": MapOf(RefOr(message), "Messages Object"),
        "parameters": MapOf(RefOr(parameter), "Parameters Object"),
        "title": STR, "summary": STR, "description": STR,
        "servers": Arr(Ref("a Reference Object to a server"), unique=True),
        "tags": tags, "externalDocs": ref_or_docs, "bindings": RefOr(bindings["channel"]),
    })
    channel_ref = Ref("a Reference Object to a channel, such as {$ref: '#/channels/...'}")
    message_refs = Arr(Ref("a Reference Object to a message"))
    reply_address = Obj("Operation Reply Address Object",
                        {"location": LOCATION, "description": STR}, ("location",))
    reply = Obj("Operation Reply Object", {"address": RefOr(reply_address),
                                           "channel": channel_ref, "messages": message_refs})
    operation_fields: dict[str, Shape] = {
        "title": STR, "summary": STR, "description": STR, "security": security, "tags": tags,
        "externalDocs": ref_or_docs, "bindings": RefOr(bindings["operation"]),
    }
    operation_trait = Obj("Operation Trait Object", operation_fields)
    operation = Obj("Operation Object", {
        **operation_fields, "action": str_enum("send", "receive"), "channel": channel_ref,
        "messages": message_refs, "reply": RefOr(reply),
        "traits": Arr(RefOr(operation_trait)),
    }, ("action", "channel"))

    def components_map(shape: Shape, name: str) -> MapOf:
        return MapOf(shape, name, keys=COMPONENT_KEY)

    components = Obj("Components Object", {
        "schemas": components_map(any_schema, "schemas"),
        "servers": components_map(RefOr(server), "servers"),
        "channels": components_map(RefOr(channel), "channels"),
        "serverVariables": components_map(RefOr(SERVER_VARIABLE), "serverVariables"),
        "operations": components_map(RefOr(operation), "operations"),
        "messages": components_map(RefOr(message), "messages"),
        "securitySchemes": components_map(RefOr(security_scheme(v3=True)), "securitySchemes"),
        "parameters": components_map(RefOr(parameter), "parameters"),
        "correlationIds": components_map(RefOr(CORRELATION_ID), "correlationIds"),
        "operationTraits": components_map(RefOr(operation_trait), "operationTraits"),
        "messageTraits": components_map(RefOr(message_trait), "messageTraits"),
        "replies": components_map(RefOr(reply), "replies"),
        "replyAddresses": components_map(RefOr(reply_address), "replyAddresses"),
        "serverBindings": components_map(RefOr(bindings["server"]), "serverBindings"),
        "channelBindings": components_map(RefOr(bindings["channel"]), "channelBindings"),
        "operationBindings": components_map(RefOr(bindings["operation"]), "operationBindings"),
        "messageBindings": components_map(RefOr(bindings["message"]), "messageBindings"),
        "tags": components_map(RefOr(tag), "tags"),
        "externalDocs": components_map(ref_or_docs, "externalDocs"),
    })
    info = Obj("Info Object", {
        "title": STR, "version": STR, "description": STR, "termsOfService": STR,
        "contact": CONTACT, "license": LICENSE, "tags": tags, "externalDocs": ref_or_docs,
        "x-x": STR,
        "x-linkedin": Scalar("string", pattern=_LINKEDIN, hint="a LinkedIn URL"),
    }, ("version", "title"))
    return Obj("AsyncAPI Object", {
        "asyncapi": str_enum(version), "id": STR, "info": info,
        "servers": MapOf(RefOr(server), "Servers Object"), "defaultContentType": STR,
        "channels": MapOf(RefOr(channel), "Channels Object"),
        "operations": MapOf(RefOr(operation), "Operations Object"), "components": components,
    }, ("asyncapi", "info"))
