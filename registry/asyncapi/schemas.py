"""The schema languages a message payload may be written in, checked as AsyncAPI checks them.

JSON Schema (draft-07, and AsyncAPI's superset of it), the OpenAPI 3.0 Schema Object and Avro
1.9. ``payload_by_format`` maps a ``schemaFormat`` media type to the right one; a format the
official schemas do not know is not checked, as there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ledgerpact.registry.asyncapi.shapes import (
    ANY,
    BOOL,
    MISSING,
    NON_NEGATIVE_INT,
    NUM,
    STR,
    Arr,
    Dispatch,
    MapOf,
    Obj,
    RefOr,
    Scalar,
    Shape,
    Task,
    child,
    got,
    show,
    str_enum,
)
from ledgerpact.registry.asyncapi_structure import Violation

_LOOSE_EXTENSION = re.compile(r"^x-")  # what the OpenAPI 3.0 Schema Object accepts
_AVRO_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_AVRO_NAMESPACE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)*$")
_AVRO_TYPE_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

_SIMPLE_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_SIMPLE_TYPE = Scalar("string", enum=_SIMPLE_TYPES)
_SIMPLE_TYPE_LIST = Arr(_SIMPLE_TYPE, unique=True, min_items=1)
_PROPERTY_NAMES = Arr(STR, unique=True, what="an array of property names")


def _choose_type_keyword(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
    if isinstance(value, str):
        return _SIMPLE_TYPE
    if isinstance(value, list):
        return _SIMPLE_TYPE_LIST
    out.append(Violation(ptr, f"expected a type name or an array of type names, got "
                              f"{got(value)}"))
    return None


_TYPE_KEYWORD = Dispatch("type", _choose_type_keyword)


class _SchemaObject(Obj):
    """A JSON Schema: an object or a boolean."""

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if isinstance(value, bool):
            return ()
        return super().visit(value, ptr, out)


def json_schema(external_docs: Shape | None, draft07: Shape | None) -> _SchemaObject:
    """The AsyncAPI Schema Object (draft-07 plus AsyncAPI keywords), or with
    ``external_docs=None`` the plain draft-07 meta-schema.

    The official AsyncAPI schema is ``allOf`` [draft-07 meta-schema, AsyncAPI keywords]; the
    draft-07 part alone governs ``definitions``, ``if``/``then``/``else``, ``additionalItems``
    and ``dependencies``, so those subschemas are checked as plain draft-07.
    """
    node = _SchemaObject("Schema Object", closed=False, extensions=None,
                         expected="a Schema Object (an object or a boolean)")
    sub: Shape = node
    plain: Shape = draft07 if draft07 is not None else node
    schemas = Arr(sub, min_items=1, what="a non-empty array of schemas")

    def choose_items(value: Any, ptr: str, out: list[Violation]) -> Shape:
        return schemas if isinstance(value, list) else sub

    def choose_dependency(value: Any, ptr: str, out: list[Violation]) -> Shape:
        return _PROPERTY_NAMES if isinstance(value, list) else plain

    node.fields = {
        "$id": STR, "$schema": STR, "$ref": STR, "$comment": STR, "title": STR,
        "description": STR, "default": ANY, "readOnly": BOOL, "writeOnly": BOOL,
        "examples": Arr(), "multipleOf": Scalar("number", exclusive_minimum=0),
        "maximum": NUM, "exclusiveMaximum": NUM, "minimum": NUM, "exclusiveMinimum": NUM,
        "maxLength": NON_NEGATIVE_INT, "minLength": NON_NEGATIVE_INT, "pattern": STR,
        "additionalItems": plain, "items": Dispatch("items", choose_items),
        "maxItems": NON_NEGATIVE_INT, "minItems": NON_NEGATIVE_INT, "uniqueItems": BOOL,
        "contains": sub, "maxProperties": NON_NEGATIVE_INT, "minProperties": NON_NEGATIVE_INT,
        "required": _PROPERTY_NAMES,
        "additionalProperties": sub, "definitions": MapOf(plain, "definitions"),
        "properties": MapOf(sub, "properties"),
        "patternProperties": MapOf(sub, "patternProperties"),
        "dependencies": MapOf(Dispatch("dependency", choose_dependency), "dependencies"),
        "propertyNames": sub, "const": ANY, "enum": Arr(unique=True, min_items=1),
        "type": _TYPE_KEYWORD, "format": STR, "contentMediaType": STR, "contentEncoding": STR,
        "if": plain, "then": plain, "else": plain,
        "allOf": schemas, "anyOf": schemas, "oneOf": schemas, "not": sub,
    }
    if external_docs is not None:
        node.fields.update({"discriminator": STR, "externalDocs": external_docs,
                            "deprecated": BOOL})
    return node


DRAFT07_SCHEMA = json_schema(None, None)


def _openapi_schema() -> Obj:
    """The OpenAPI 3.0 Schema Object, allowed as a payload with an OpenAPI ``schemaFormat``."""
    node = Obj("OpenAPI 3.0 Schema Object", extensions=_LOOSE_EXTENSION)
    sub = RefOr(node)

    def choose_additional(value: Any, ptr: str, out: list[Violation]) -> Shape:
        return ANY if isinstance(value, bool) else sub

    node.fields = {
        "title": STR, "multipleOf": Scalar("number", exclusive_minimum=0), "maximum": NUM,
        "exclusiveMaximum": BOOL, "minimum": NUM, "exclusiveMinimum": BOOL,
        "maxLength": NON_NEGATIVE_INT, "minLength": NON_NEGATIVE_INT, "pattern": STR,
        "maxItems": NON_NEGATIVE_INT, "minItems": NON_NEGATIVE_INT, "uniqueItems": BOOL,
        "maxProperties": NON_NEGATIVE_INT, "minProperties": NON_NEGATIVE_INT,
        "required": Arr(STR, unique=True, min_items=1), "enum": Arr(min_items=1),
        "type": str_enum("array", "boolean", "integer", "number", "object", "string"),
        "not": sub, "allOf": Arr(sub), "oneOf": Arr(sub), "anyOf": Arr(sub), "items": sub,
        "properties": MapOf(sub, "properties"),
        "additionalProperties": Dispatch("additionalProperties", choose_additional),
        "description": STR, "format": STR, "default": ANY, "nullable": BOOL,
        "discriminator": Obj("OpenAPI Discriminator Object",
                             {"propertyName": STR, "mapping": MapOf(STR, "mapping")},
                             ("propertyName",), closed=False, extensions=None),
        "readOnly": BOOL, "writeOnly": BOOL, "example": ANY,
        "externalDocs": Obj("OpenAPI External Documentation Object",
                            {"description": STR, "url": STR}, ("url",),
                            extensions=_LOOSE_EXTENSION),
        "deprecated": BOOL,
        "xml": Obj("OpenAPI XML Object", {"name": STR, "namespace": STR, "prefix": STR,
                                          "attribute": BOOL, "wrapped": BOOL},
                   extensions=_LOOSE_EXTENSION),
    }
    return node


OPENAPI_SCHEMA = _openapi_schema()

_AVRO_PRIMITIVES = ("null", "boolean", "int", "long", "float", "double", "bytes", "string")


class _AvroSchema(Shape):
    """An Avro 1.9 schema: a type name, a union (array) or an object whose ``type`` says which
    form it is. The forms exclude each other, so choosing by ``type`` is exact."""

    def __init__(self) -> None:
        self.named: dict[str, Obj] = {}

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if isinstance(value, str):
            if value not in _AVRO_PRIMITIVES and not _AVRO_TYPE_REFERENCE.search(value):
                out.append(Violation(ptr, f"{show(value)} is neither an Avro primitive type "
                                          f"({', '.join(_AVRO_PRIMITIVES)}) nor a type name"))
            return ()
        if isinstance(value, list):
            if not value:
                out.append(Violation(ptr, "an Avro union needs at least one type"))
            return [(self, item, child(ptr, index), out) for index, item in enumerate(value)]
        if not isinstance(value, dict):
            out.append(Violation(ptr, "expected an Avro schema (a type name, a union array or an "
                                      f"object with 'type'), got {got(value)}"))
            return ()
        form = value.get("type", MISSING)
        if form is MISSING:
            note = "; a Reference Object is not allowed here" if "$ref" in value else ""
            out.append(Violation(child(ptr, "type"),
                                 f"missing required field 'type' (Avro schema){note}"))
            return ()
        if isinstance(form, str) and form in _AVRO_PRIMITIVES:
            return ()
        if isinstance(form, str) and form in self.named:
            return [(self.named[form], value, ptr, out)]
        out.append(Violation(child(ptr, "type"), (
            f"expected one of record, enum, array, map, fixed or a primitive type name, got "
            f"{got(form)}")))
        return ()


def _avro_schema() -> _AvroSchema:
    avro = _AvroSchema()
    name = Scalar("string", pattern=_AVRO_NAME, hint="an Avro name")
    namespace = Scalar("string", pattern=_AVRO_NAMESPACE, hint="dot-separated Avro names")
    common = {"type": ANY, "name": name, "namespace": namespace, "doc": STR,
              "aliases": Arr(name)}
    field = Obj("Avro record field", {"name": name, "type": avro, "doc": STR, "default": ANY,
                                      "order": Scalar(enum=("ascending", "descending", "ignore")),
                                      "aliases": Arr(name)},
                ("name", "type"), closed=False, extensions=None)

    def form(label: str, extra: dict[str, Shape], required: Sequence[str]) -> Obj:
        return Obj(f"Avro {label} schema", {**common, **extra}, ("type", *required),
                   closed=False, extensions=None)

    avro.named = {
        "record": form("record", {"fields": Arr(field)}, ("name", "fields")),
        "enum": form("enum", {"symbols": Arr(name)}, ("name", "symbols")),
        "array": form("array", {"items": avro}, ("items",)),
        "map": form("map", {"values": avro}, ("values",)),
        "fixed": form("fixed", {"size": NUM}, ("name", "size")),
    }
    return avro


AVRO_SCHEMA = _avro_schema()


def media_types(base: str, versions: Sequence[str]) -> frozenset[str]:
    """A schema format's media types: plain, +json and +yaml, for each version."""
    return frozenset(f"{base}{suffix};version={version}"
                     for version in versions for suffix in ("", "+json", "+yaml"))


_DRAFT07_FORMATS = frozenset({"application/schema+json;version=draft-07",
                              "application/schema+yaml;version=draft-07"})
_OPENAPI_FORMATS = media_types("application/vnd.oai.openapi", ("3.0.0",))
_AVRO_FORMATS = media_types("application/vnd.apache.avro", ("1.9.0",))
ASYNCAPI_2_VERSIONS = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0")


def payload_by_format(schema: Shape, asyncapi_formats: frozenset[str],
                      reference_or: bool) -> Callable[[Any], Shape]:
    """Which schema language ``schemaFormat`` puts the payload in (anything if unknown).

    ``schema`` is the version's AsyncAPI Schema Object, ``asyncapi_formats`` the media types
    that name it; ``reference_or`` lets OpenAPI and Avro payloads be Reference Objects (3.x).
    """
    openapi: Shape = RefOr(OPENAPI_SCHEMA) if reference_or else OPENAPI_SCHEMA
    avro: Shape = RefOr(AVRO_SCHEMA) if reference_or else AVRO_SCHEMA

    def shape_for(schema_format: Any) -> Shape:
        if schema_format is MISSING:
            return schema
        if not isinstance(schema_format, str):
            return ANY
        if schema_format in asyncapi_formats:
            return schema
        if schema_format in _DRAFT07_FORMATS:
            return DRAFT07_SCHEMA
        if schema_format in _OPENAPI_FORMATS:
            return openapi
        if schema_format in _AVRO_FORMATS:
            return avro
        return ANY

    return shape_for
