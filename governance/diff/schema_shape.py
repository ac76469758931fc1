"""What a schema must be before the diff reads it, and which of its keywords validate.

The schema rules read a keyword of the wrong JSON type (``properties: 5``, ``type: [1]``) as
absent, and a ``$ref`` to something that is not a schema (``#/paths/...``) as a schema: both
would give confident verdicts on nonsense. These checks refuse such input with a one-line
error at its file and line, before any rule runs. ``VALIDATION`` is the other half of knowing
a keyword: whether a change to it can change which values are valid at all.
"""

from __future__ import annotations

import json
from typing import Any

from ledgerpact.governance.diff.engine import Engine
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError

# The keywords that say which values are valid (JSON Schema 2020-12 and draft-07, OpenAPI's
# nullable and discriminator). Anything else -- title, description, examples, $comment, x-
# extensions, words no vocabulary knows -- is an annotation.
VALIDATION = (
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired", "format", "nullable", "properties", "patternProperties",
    "additionalProperties", "unevaluatedProperties", "propertyNames", "items", "prefixItems",
    "additionalItems", "unevaluatedItems", "contains", "allOf", "anyOf", "oneOf", "not", "if",
    "then", "else", "dependentSchemas", "dependencies", "contentEncoding",
    "contentMediaType", "contentSchema", "$ref", "$dynamicRef", "$recursiveRef",
    "discriminator")

_SCHEMA_HOLDERS = frozenset({
    "schemas", "schema", "payload", "$defs", "definitions", "properties", "items",
    "prefixItems", "allOf", "anyOf", "oneOf", "not", "additionalProperties",
    "patternProperties", "contains", "if", "then", "else", "dependentSchemas",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
    "contentSchema"})
_API_KEYS = ("openapi", "asyncapi", "swagger")


def schema_target(engine: Engine, side: int, node: Any, loc: Loc) -> tuple[Any, Loc]:
    """``engine.target``, refusing a ``$ref`` that names something other than a schema in
    an API document (``#/paths``, a parameter...): comparing that as a schema would only
    produce confident nonsense."""
    found, at = engine.target(side, node, loc)
    if at != loc:
        data = engine.sides[side].ws.document(at.file).data
        api = isinstance(data, dict) and any(k in data for k in _API_KEYS)
        tokens = at.pointer.split("/")[1:]
        holders = _SCHEMA_HOLDERS | ({"headers"} if isinstance(data, dict)
                                     and "asyncapi" in data else frozenset())
        if api and not any(t in holders for t in tokens):
            raise _bad(engine, side, loc.child("$ref"),
                       f"$ref {node.get('$ref')!r} leads to {at.pointer or 'the document'}, "
                       "which is not a schema; expected a reference to a schema "
                       "(#/components/schemas/...)")
    return found, at


def as_schema(engine: Engine, side: int, node: Any, loc: Loc) -> dict[str, Any]:
    """A schema as an object: JSON Schema's boolean schemas as what they mean; anything
    else is not a schema, and a diff of it would be guesswork."""
    if node is True:
        return {}
    if node is False:
        return {"not": {}}
    if not isinstance(node, dict):
        raise _bad(engine, side, loc, f"expected a schema (an object or a boolean), "
                                      f"found {_kind(node)}")
    return node


def _bad(engine: Engine, side: int, loc: Loc, message: str) -> InputError:
    doc_side = engine.sides[side]
    return InputError(message, file=doc_side.display(loc.file), pointer=loc.pointer,
                      line=doc_side.ws.document(loc.file).line_of(loc.pointer))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    shown = json.dumps(value, default=str)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"an array ({shown})" if isinstance(value, list) else f"an object ({shown})"


def _is_schema(v: Any) -> bool:
    return isinstance(v, dict | bool)


def _is_count(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 and v == int(v)


def is_number(v: Any) -> bool:
    """A JSON number: Python counts a boolean as an int, JSON does not."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_type(v: Any) -> bool:
    """A type name or a list of them. A string naming no JSON type is the right kind of
    value, spelled wrong: the type rules report it changed, as any other name."""
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(t, str) for t in v))


def _is_discriminator(v: Any) -> bool:
    """An OpenAPI Discriminator Object, or AsyncAPI 2's property name alone."""
    if isinstance(v, str):
        return True
    if not isinstance(v, dict) or not isinstance(v.get("propertyName", ""), str):
        return False
    mapping = v.get("mapping", {})
    return isinstance(mapping, dict) and all(isinstance(t, str) for t in mapping.values())


_A_SCHEMA = "a schema (an object or a boolean)"
_COUNT = "a non-negative integer"
_EXPECTED: dict[str, tuple[Any, str]] = {
    **{k: (lambda v: isinstance(v, dict) and all(map(_is_schema, v.values())),
           "an object whose values are schemas")
       for k in ("properties", "patternProperties", "dependentSchemas")},
    **{k: (lambda v: isinstance(v, list) and all(map(_is_schema, v)), "an array of schemas")
       for k in ("allOf", "anyOf", "oneOf", "prefixItems")},
    **{k: (_is_schema, _A_SCHEMA)
       for k in ("not", "additionalProperties", "if", "then", "else", "contains",
                 "propertyNames", "unevaluatedProperties", "unevaluatedItems",
                 "additionalItems", "contentSchema")},
    "items": (lambda v: _is_schema(v) or (isinstance(v, list) and all(map(_is_schema, v))),
              "a schema (or, before 2020-12, an array of schemas)"),
    **{k: (_is_count, _COUNT)
       for k in ("maxLength", "minLength", "maxItems", "minItems", "maxProperties",
                 "minProperties", "maxContains", "minContains")},
    **{k: (is_number, "a number") for k in ("maximum", "minimum")},
    **{k: (lambda v: is_number(v) or isinstance(v, bool),
           "a number (or, in OpenAPI 3.0, a boolean)")
       for k in ("exclusiveMaximum", "exclusiveMinimum")},
    "multipleOf": (lambda v: is_number(v) and v > 0, "a number greater than 0"),
    "required": (lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
                 "an array of property names (strings)"),
    "type": (_is_type, "a type name or an array of type names (strings)"),
    "enum": (lambda v: isinstance(v, list), "an array of values"),
    **{k: (lambda v: isinstance(v, str), "a string")
       for k in ("pattern", "format", "$ref", "contentEncoding", "contentMediaType")},
    **{k: (lambda v: isinstance(v, bool), "a boolean (true or false)")
       for k in ("nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems")},
    "discriminator": (_is_discriminator, "an object with a string propertyName and a mapping "
                                         "of values to schema references (or, in AsyncAPI "
                                         "2, a property name)"),
    "dependentRequired": (lambda v: isinstance(v, dict) and all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in v.values()), "an object whose values are arrays of property names"),
}


def check_keywords(engine: Engine, side: int, node: dict[str, Any], loc: Loc) -> None:
    """Refuse a schema keyword of the wrong JSON type (``properties: 5``, ``type: [1]``,
    ``$ref: 5``): the rules would read it as absent and report confident verdicts."""
    for keyword, value in node.items():
        expected = _EXPECTED.get(keyword)
        if expected is not None and not expected[0](value):
            raise _bad(engine, side, loc.child(keyword),
                       f"{keyword} must be {expected[1]}, found {_kind(value)}")
    if isinstance(node.get("items"), list) and _is_2020(engine, side, loc):
        raise _bad(engine, side, loc.child("items"),
                   "items must be a schema in JSON Schema 2020-12 (OpenAPI 3.1), found an "
                   "array; a tuple is written with prefixItems")


def _is_2020(engine: Engine, side: int, loc: Loc) -> bool:
    """Whether the schema at ``loc`` is read as JSON Schema 2020-12: its file says so in
    ``$schema``, or it is (or is used by) an OpenAPI 3.1 document."""
    data = engine.sides[side].ws.document(loc.file).data
    declared = data.get("$schema") if isinstance(data, dict) else None
    if isinstance(declared, str):
        return "2020-12" in declared
    return engine.sides[side].format == "oas3.1"
