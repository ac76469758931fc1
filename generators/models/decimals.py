"""Which string schemas hold decimal numbers.

The canonical contracts write money, quantities, rates and percentages as decimal strings
(``"1250.00"``) so that no binary float ever touches them; the models must read those into
``Decimal``. No keyword says "this string is a number", so the pattern does: a pattern built
only from digits, an optional sign and a decimal point, that accepts a fraction and refuses
dates, exponents and stray characters, describes a decimal. ``format: decimal`` says so
explicitly and is honoured too.
"""

from __future__ import annotations

import re
from typing import Any

# Regex syntax plus the only characters a decimal is written with.
_DECIMAL_PATTERN_CHARS = frozenset("^$?()|[]0123456789.*+{},-:")
_ACCEPTS_ONE_OF = ("1.5", "0.5", "12.34", "0.0022")
_REFUSES_ALL = ("2024-01-31", "1.2.3", "1e5", "+1", "abc", " 1", "1,5", "1-2")


def is_decimal_pattern(pattern: str) -> bool:
    """True when ``pattern`` (a JSON Schema ``pattern``) describes decimal numbers. JSON Schema
    patterns are not anchored, so the refusals use ``search``: ``[0-9]+`` restricts nothing."""
    stripped = pattern.replace("\\d", "0").replace("\\.", ".")
    if not set(stripped) <= _DECIMAL_PATTERN_CHARS or "." not in stripped:
        return False
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    return (any(compiled.fullmatch(s) for s in _ACCEPTS_ONE_OF)
            and not any(compiled.search(s) for s in _REFUSES_ALL))


def _types(schema: dict[str, Any]) -> set[str] | None:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list) and all(isinstance(k, str) for k in kind):
        return set(kind)
    return None


def is_decimal_string(schema: dict[str, Any]) -> bool:
    """A string schema whose values are decimal numbers. A schema without ``type`` counts when
    its pattern is a decimal's: it narrows a decimal string it is combined with (a ``$ref``
    sibling or an ``allOf`` member), and the pattern must reach the decimal's text."""
    if _types(schema) not in ({"string"}, None):
        return False
    if schema.get("format") == "decimal":
        return True
    pattern = schema.get("pattern")
    return isinstance(pattern, str) and is_decimal_pattern(pattern)


def is_json_number(schema: dict[str, Any]) -> bool:
    """A JSON number that may have a fraction (``type: number``); integers stay ``int``."""
    return _types(schema) == {"number"}


def is_nullable_json_number(schema: dict[str, Any]) -> bool:
    """``type: [number, "null"]``: the generator would write ``float | None``."""
    return _types(schema) == {"number", "null"}


# The keywords that apply to one JSON type only (JSON Schema ignores them for the others), by
# the type they constrain; anything else applies whatever the type.
_KEYWORDS_BY_TYPE = {
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                         "multipleOf"}),
    "string": frozenset({"pattern", "minLength", "maxLength", "format", "contentEncoding",
                         "contentMediaType", "contentSchema"}),
    "array": frozenset({"items", "prefixItems", "minItems", "maxItems", "uniqueItems",
                        "contains", "minContains", "maxContains", "unevaluatedItems"}),
    "object": frozenset({"properties", "required", "additionalProperties",
                         "patternProperties", "propertyNames", "minProperties",
                         "maxProperties", "dependentRequired", "dependentSchemas",
                         "unevaluatedProperties"}),
}
_TYPED_KEYWORDS = frozenset().union(*_KEYWORDS_BY_TYPE.values())
# What stays on the union itself: its default and annotations (as for ``[number, null]``).
_UNION_KEYS = frozenset({"default", "description", "title", "$comment"})


def _is_of_type(value: Any, kind: str) -> bool:
    """Whether a JSON value (an ``enum`` member) is of the JSON type ``kind``."""
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    expected = {"string": str, "boolean": bool, "null": type(None), "array": list,
                "object": dict}.get(kind)
    return expected is not None and isinstance(value, expected)


def number_union(schema: dict[str, Any]) -> dict[str, Any] | None:
    """A ``type`` list holding ``number`` and other types (``[number, string]``), as an
    ``anyOf`` of one schema per type, or None for any other schema.

    The generator writes ``float`` for the number of such a list; one branch per type lets
    the number branch become a ``Decimal`` like any JSON number. Each branch carries the
    keywords of its own type (a ``pattern`` constrains only the string) and the ``enum`` or
    ``const`` values of that type; a type none of them has is no branch. ``integer`` beside
    ``number`` adds nothing (an integer is a number). ``[number, null]`` is left to
    ``is_nullable_json_number``."""
    kinds = schema.get("type")
    if not (isinstance(kinds, list) and "number" in kinds and len(set(kinds)) > 1
            and set(kinds) != {"number", "null"}
            and all(isinstance(k, str) for k in kinds) and "anyOf" not in schema):
        return None
    ordered = [k for k in dict.fromkeys(kinds) if k != "integer"]
    if len(ordered) == 1:
        return {**schema, "type": "number"}
    common = {k: v for k, v in schema.items() if k not in _TYPED_KEYWORDS
              and k not in ("type", "enum", "const") and k not in _UNION_KEYS}
    branches = []
    for kind in ordered:
        branch: dict[str, Any] = {"type": kind, **common}
        own = _KEYWORDS_BY_TYPE.get(kind, frozenset())
        branch.update((k, v) for k, v in schema.items() if k in own)
        if "const" in schema:
            if not _is_of_type(schema["const"], kind):
                continue
            branch["const"] = schema["const"]
        if isinstance(schema.get("enum"), list):
            values = [v for v in schema["enum"] if _is_of_type(v, kind)]
            if not values:
                continue
            branch["enum"] = values
        branches.append(branch)
    return {**{k: v for k, v in schema.items() if k in _UNION_KEYS}, "anyOf": branches}


def narrowed_decimal(base: dict[str, Any], narrowings: list[dict[str, Any]]
                     ) -> tuple[dict[str, Any], list[str]]:
    """The decimal string ``base`` with the text limits of ``narrowings`` (a ``$ref``'s
    siblings, the other members of its ``allOf``), and the patterns it cannot hold.

    pydantic applies ``min_length`` or ``pattern`` beside a decimal's type to the Decimal, not
    to the text (a TypeError for every value), and drops an ``allOf`` member's; the limits
    belong to the decimal's text, where its own are checked. Lengths keep the stricter value;
    the base's pattern (or the first one) stays, and any other pattern is returned: one text
    is checked against one pattern per type. Keywords of other JSON types are left out, as
    JSON Schema ignores them for a string."""
    merged = {k: v for k, v in base.items() if k in ("type", "format", "pattern", "minLength",
                                                    "maxLength")}
    merged["type"] = "string"
    extra: list[str] = []
    for narrowing in narrowings:
        for key in ("minLength", "maxLength"):
            value = narrowing.get(key)
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            current = merged.get(key)
            if isinstance(current, int) and not isinstance(current, bool):
                value = max(current, value) if key == "minLength" else min(current, value)
            merged[key] = value
        pattern = narrowing.get("pattern")
        if isinstance(pattern, str) and pattern != merged.get("pattern") and (
                pattern not in extra):
            if isinstance(merged.get("pattern"), str):
                extra.append(pattern)
            else:
                merged["pattern"] = pattern
    return merged, extra
