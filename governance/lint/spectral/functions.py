"""Spectral's core functions, as pure functions: a value in, messages out.

Each function is written from Spectral's documented behaviour (and the messages its users
see), so a rule ported from a ``.spectral.yaml`` finds the same things: ``truthy``,
``falsy``, ``defined``, ``undefined``, ``pattern``, ``casing``, ``enumeration``, ``length``,
``schema``, ``alphabetical`` and ``xor``.

Two details matter for compatibility:

- A function silently ignores input of a type it does not handle (``casing`` on a number,
  ``length`` on ``true``), as Spectral does, instead of reporting it.
- Messages may contain ``#{{print("property")}}`` / ``#{{print("value")}}``; the runner fills
  them in once it knows where the finding is reported (``"tags" property `` or
  ``The document ``), exactly as Spectral's message templates do.

``prepare`` checks ``functionOptions`` once, when the ruleset is loaded, and raises
``OptionError`` with Spectral's wording; ``run`` never sees bad options.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

import jsonschema
import jsonschema.exceptions
import jsonschema.validators
import referencing.exceptions

from ledgerpact.governance.lint.spectral.formats import is_hostname, is_uri, is_uuid
from ledgerpact.governance.lint.spectral.values import (
    UNDEFINED,
    is_array,
    is_number,
    is_object,
    is_primitive,
    js_number,
    js_truthy,
    js_type_name,
    print_value,
    to_js_number,
    utf16_length,
)
from ledgerpact.registry.jsregex import (
    JsRegex,
    RegexTimeout,
    compile_js,
)
from ledgerpact.registry.schema_patterns import (
    keyword_pattern,
    pattern_keys,
    pattern_properties,
    schema_regex,
    timeout_error,
    unevaluated_properties,
)

PROPERTY = '#{{print("property")}}'
VALUE = '#{{print("value")}}'

Key = str | int


@dataclass(frozen=True)
class FnResult:
    """One problem a function found. ``path`` is relative to the value the function was
    given (``None``: the value itself), e.g. the out-of-order array index, or where inside the
    value a JSON Schema error is."""

    message: str
    path: tuple[Key, ...] | None = None


class OptionError(ValueError):
    """``functionOptions`` that the function cannot work with; ``at`` is the path inside
    ``functionOptions`` (for the error's JSON pointer)."""

    def __init__(self, message: str, at: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


@dataclass(frozen=True)
class CoreFunction:
    name: str
    prepare: Callable[[Any], Any]
    run: Callable[[Any, Any, Key | None], list[FnResult]]
    plain_input: bool = False  # needs the value as plain JSON data ($refs inlined)


# -- options ---------------------------------------------------------------------------------

def _no_options(name: str) -> Callable[[Any], None]:
    def prepare(options: Any) -> None:
        if options is not None:
            raise OptionError(f'"{name}" function does not accept any options')

    return prepare


def _options(name: str, options: Any, allowed: tuple[str, ...], example: str,
             *, required: tuple[str, ...] = (), at_least_one: bool = False) -> Mapping[str, Any]:
    if not isinstance(options, Mapping):
        raise OptionError(f'"{name}" function has invalid options specified. Example valid '
                          f"options: {example}")
    for key in options:
        if key not in allowed:
            raise OptionError(f'"{name}" function does not support "{key}" option', (key,))
    for key in required:
        if key not in options:
            raise OptionError(f'"{name}" function is missing "{key}" option')
    if at_least_one and not options:
        raise OptionError(f'"{name}" function has invalid options specified. Example valid '
                          f"options: {example}")
    return options


def _types_error(name: str, option: str, types: str) -> OptionError:
    return OptionError(f'"{name}" function and its "{option}" option accepts only the '
                       f"following types: {types}", tuple(option.split(".")))


# -- truthy, falsy, defined, undefined -------------------------------------------------------

def _truthy(value: Any, _options: None, _key: Key | None) -> list[FnResult]:
    return [] if js_truthy(value) else [FnResult(f"{PROPERTY}must be truthy")]


def _falsy(value: Any, _options: None, _key: Key | None) -> list[FnResult]:
    return [FnResult(f"{PROPERTY}must be falsy")] if js_truthy(value) else []


def _defined(value: Any, _options: None, _key: Key | None) -> list[FnResult]:
    return [FnResult(f"{PROPERTY}must be defined")] if value is UNDEFINED else []


def _undefined(value: Any, _options: None, _key: Key | None) -> list[FnResult]:
    return [] if value is UNDEFINED else [FnResult(f"{PROPERTY}must be undefined")]


# -- pattern ---------------------------------------------------------------------------------

_SLASHED = re.compile(r"^/(.+)/([a-z]*)$", re.DOTALL)


def js_regex(text: str) -> JsRegex:
    """Compile a regular expression the way Spectral reads it: ``/body/flags`` or a bare
    body (JavaScript semantics, see ``jsregex``). Raises ``ValueError`` when it cannot be
    compiled."""
    slashed = _SLASHED.match(text)
    body, flags = (slashed.group(1), slashed.group(2)) if slashed else (text, "")
    return compile_js(body, flags, text)


def _prepare_pattern(options: Any) -> dict[str, tuple[str, JsRegex]]:
    example = ('{ "match": "^Stoplight" }, { "notMatch": "Swagger" }, '
               '{ "match": "Stoplight", "notMatch": "Swagger" }')
    opts = _options("pattern", options, ("match", "notMatch"), example, at_least_one=True)
    prepared = {}
    for key in ("match", "notMatch"):
        if key not in opts:
            continue
        if not isinstance(opts[key], str):
            raise OptionError(f'"pattern" function and its "{key}" option must be string or '
                              "RegExp instance", (key,))
        try:
            prepared[key] = (opts[key], js_regex(opts[key]))
        except ValueError as exc:
            raise OptionError(f'"pattern" function and its "{key}" option is not a valid '
                              f"regular expression: {exc}", (key,)) from None
    return prepared


def _pattern(value: Any, prepared: dict[str, tuple[str, JsRegex]],
             _key: Key | None) -> list[FnResult]:
    """Spectral's ``pattern``. A value on which a pattern backtracks past its time limit is
    reported (not skipped, not waited on): the run ends, and the finding says why."""
    if not isinstance(value, str):
        return []
    results = []
    for key, wanted, wording in (("match", False, "must match"),
                                 ("notMatch", True, "must not match")):
        if key not in prepared:
            continue
        source, compiled = prepared[key]
        try:
            found = compiled.search(value)
        except RegexTimeout as exc:
            results.append(FnResult(f"{VALUE} could not be checked: the pattern "
                                    f"{print_value(source)} could not be evaluated within "
                                    f"{exc.seconds:g} s (catastrophic backtracking)"))
            continue
        if found is wanted:
            results.append(FnResult(f"{VALUE} {wording} the pattern {print_value(source)}"))
    return results


# -- casing ----------------------------------------------------------------------------------

CASING_TYPES = ("flat", "camel", "pascal", "kebab", "cobol", "snake", "macro")


def _word(case: str, digits: str) -> str:
    """One word group of ``case`` as a regular expression (``digits`` is ``0-9`` or empty).

    flat: lower then lower/digits; camel/pascal: a capital (or digit) may only start a new
    lower-case run or end the text; kebab/snake/cobol/macro: lower (upper) runs joined by
    ``-`` or ``_``."""
    lower, upper = f"[a-z{digits}]", f"[A-Z{digits}]"
    humps = rf"(?:{upper}(?:{lower}+|\Z))*"
    joined = {"kebab": ("a-z", "-"), "snake": ("a-z", "_"), "cobol": ("A-Z", "-"),
              "macro": ("A-Z", "_")}
    if case == "flat":
        return f"[a-z]{lower}*"
    if case == "camel":
        return f"[a-z]{lower}*{humps}"
    if case == "pascal":
        return f"[A-Z]{lower}*{humps}"
    letters, joiner = joined[case]
    run = f"[{letters}{digits}]"
    return f"[{letters}]{run}*(?:{re.escape(joiner)}{run}+)*"


@dataclass(frozen=True)
class _Casing:
    case: str
    regex: re.Pattern[str]
    lone_separator: str | None  # a value that is just the (allowed leading) separator


def _prepare_casing(options: Any) -> _Casing:
    example = '{ "type": "camel" }, { "type": "pascal", "disallowDigits": true }'
    opts = _options("casing", options, ("type", "disallowDigits", "separator"), example,
                    required=("type",))
    case = opts["type"]
    if case not in CASING_TYPES:
        raise OptionError('"casing" function and its "type" option accept the following '
                          f"values: {', '.join(CASING_TYPES)}", ("type",))
    disallow = opts.get("disallowDigits", False)
    if not isinstance(disallow, bool):
        raise _types_error("casing", "disallowDigits", "boolean")
    word = _word(case, "" if disallow else "0-9")
    separator = opts.get("separator")
    if separator is None:
        return _Casing(case, re.compile(rf"\A{word}\Z"), None)
    if not isinstance(separator, Mapping):
        raise _types_error("casing", "separator", "object")
    for key in separator:
        if key not in ("char", "allowLeading"):
            raise OptionError(f'"casing" function does not support "separator.{key}" option',
                              ("separator", key))
    char = separator.get("char")
    if not isinstance(char, str) or len(char) != 1:
        raise OptionError('"casing" function and its "separator.char" option accepts only '
                          'char, i.e. "I" or "/"', ("separator", "char"))
    leading = separator.get("allowLeading", False)
    if not isinstance(leading, bool):
        raise _types_error("casing", "separator.allowLeading", "boolean")
    sep = re.escape(char)
    regex = re.compile(rf"\A{sep + '?' if leading else ''}{word}(?:{sep}{word})*\Z")
    return _Casing(case, regex, char if leading else None)


def _casing(value: Any, prepared: _Casing, _key: Key | None) -> list[FnResult]:
    if not isinstance(value, str) or value == "":
        return []
    if value == prepared.lone_separator or prepared.regex.match(value):
        return []
    return [FnResult(f"must be {prepared.case} case")]


# -- enumeration -----------------------------------------------------------------------------

def _prepare_enumeration(options: Any) -> tuple[Any, ...]:
    example = '{ "values": ["Berlin", "London", "Paris"] }, { "values": [2, 3, 5, 8, 13, 21] }'
    opts = _options("enumeration", options, ("values",), example, required=("values",))
    values = opts["values"]
    if not is_array(values) or not all(is_primitive(v) for v in values):
        raise OptionError('"enumeration" and its "values" option support only arrays of '
                          'primitive values, i.e. ["Berlin", "London", "Paris"]', ("values",))
    return tuple(values)


def _strict_equal(left: Any, right: Any) -> bool:
    """JavaScript's ``===`` on JSON primitives (``1 !== true``, ``1 !== "1"``)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    return type(left) is type(right) and left == right


def _enumeration(value: Any, values: tuple[Any, ...], _key: Key | None) -> list[FnResult]:
    if not is_primitive(value) or any(_strict_equal(value, v) for v in values):
        return []
    allowed = ", ".join(print_value(v) for v in values)
    return [FnResult(f"{VALUE} must be equal to one of the allowed values: {allowed}")]


# -- length ----------------------------------------------------------------------------------

def _prepare_length(options: Any) -> Mapping[str, float]:
    example = '{ "min": 2 }, { "max": 5 }, { "min": 0, "max": 10 }'
    opts = _options("length", options, ("min", "max"), example, at_least_one=True)
    for key, bound in opts.items():
        if not is_number(bound):
            raise _types_error("length", key, "number")
    return opts


def _length(value: Any, bounds: Mapping[str, float], _key: Key | None) -> list[FnResult]:
    if is_object(value) or is_array(value):
        size: float = len(value)
    elif is_number(value):
        size = value
    elif isinstance(value, str):
        size = utf16_length(value)
    else:
        return []
    results = []
    if "min" in bounds and size < bounds["min"]:
        results.append(FnResult(f"{PROPERTY}must be longer than {js_number(bounds['min'])}"))
    if "max" in bounds and size > bounds["max"]:
        results.append(FnResult(f"{PROPERTY}must be shorter than {js_number(bounds['max'])}"))
    return results


# -- alphabetical ----------------------------------------------------------------------------

def _prepare_alphabetical(options: Any) -> str | None:
    if options is None:
        return None
    opts = _options("alphabetical", options, ("keyedBy",),
                    'null (no options), { "keyedBy": "my-key" }')
    keyed_by = opts.get("keyedBy")
    if keyed_by is not None and not isinstance(keyed_by, str):
        raise _types_error("alphabetical", "keyedBy", "string")
    return keyed_by


def _collation_key(text: str) -> tuple[tuple[tuple[int, str], ...], tuple[int, ...]]:
    """Approximates ``localeCompare`` (ICU root collation): punctuation before digits
    before letters, accents and case only break ties, lower case first."""
    primary = []
    tertiary = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFD", char)
                       if not unicodedata.combining(c)).casefold()
        rank = 2 if char.isalpha() else 1 if char.isdigit() else 0
        primary.append((rank, base))
        tertiary.append(1 if char.isupper() else 0)
    return tuple(primary), tuple(tertiary)


def _compare(left: Any, right: Any) -> float:
    """Spectral's comparison: numbers numerically (a NaN difference counts as "in order"),
    strings by locale, anything else as equal."""
    left_num, right_num = to_js_number(left), to_js_number(right)
    if ((is_number(left) or math.isnan(left_num))
            and (is_number(right) or not math.isnan(right_num))):
        diff = left_num - right_num
        return 0 if math.isnan(diff) else max(-1.0, min(1.0, diff))
    if isinstance(left, str) and isinstance(right, str):
        a, b = _collation_key(left), _collation_key(right)
        return (a > b) - (a < b)
    return 0


def _alphabetical(value: Any, keyed_by: str | None, _key: Key | None) -> list[FnResult]:
    if is_array(value):
        items, positions = list(value), list(range(len(value)))
    elif is_object(value):
        items = list(value.keys())
        positions = list(items)
    else:
        return []
    if len(items) < 2:
        return []
    if keyed_by is not None:
        keyed = []
        for item in items:
            if not is_object(item):
                return [FnResult(f"{PROPERTY}must be an object")]
            keyed.append(item.get(keyed_by, UNDEFINED))
        items = keyed
    if not all(isinstance(item, str) or is_number(item) for item in items):
        return [FnResult(f"{PROPERTY}must be one of the allowed types: number, string")]
    for i in range(len(items) - 1):
        if _compare(items[i], items[i + 1]) >= 1:
            if keyed_by is not None:
                return [FnResult("properties must follow the alphabetical order")]
            return [FnResult(f"{print_value(items[i])} must be placed after "
                             f"{print_value(items[i + 1])}", (positions[i],))]
    return []


# -- xor -------------------------------------------------------------------------------------

def _prepare_xor(options: Any) -> tuple[str, ...]:
    example = '{ "properties": ["country", "street"] }, { "properties": ["one", "two", "three"] }'
    opts = _options("xor", options, ("properties",), example + ", etc.",
                    required=("properties",))
    names = opts["properties"]
    if not is_array(names) or len(names) < 2 or not all(isinstance(n, str) for n in names):
        raise OptionError('"xor" requires at least two enumerated "properties", i.e. '
                          '["country", "street"], ["one", "two", "three"], etc.',
                          ("properties",))
    return tuple(names)


def _xor(value: Any, names: tuple[str, ...], _key: Key | None) -> list[FnResult]:
    if not is_object(value):
        return []
    present = _js_keys([key for key in value if key in names])
    if not present:
        if len(names) > 4:
            return [FnResult('At least one of "' + '" or "'.join(names[:3]) + '" or '
                             f"{len(names) - 3} other properties must be defined")]
        return [FnResult('At least one of "' + '" or "'.join(names) + '" must be defined')]
    if len(present) > 1:
        return [FnResult('Just one of "' + '" and "'.join(present) + '" must be defined')]
    return []


def _js_keys(keys: list[str]) -> list[str]:
    """Keys in JavaScript's ``Object.keys`` order: array-index-like keys ascending, then the
    others as written (Spectral's xor lists the defined properties in that order)."""
    indexes = sorted((k for k in keys if k.isascii() and k.isdigit()
                      and (k == "0" or not k.startswith("0")) and int(k) < 2**32 - 1),
                     key=int)
    return indexes + [k for k in keys if k not in indexes]


# -- schema ----------------------------------------------------------------------------------

_DIALECTS: dict[str, type[Any]] = {
    "draft4": jsonschema.Draft4Validator,
    "draft6": jsonschema.Draft6Validator,
    "draft7": jsonschema.Draft7Validator,
    "draft2019-09": jsonschema.Draft201909Validator,
    "draft2020-12": jsonschema.Draft202012Validator,
}


@dataclass(frozen=True)
class _Schema:
    validator: Any
    all_errors: bool


# ajv (Spectral's validator) evaluates a schema's keywords in its own fixed order (its
# vocabularies: validation, then applicators, then format, then "unevaluated*"), whatever
# order the schema lists them in; jsonschema follows the schema's order. Without allErrors,
# ajv reports only the first error it meets, so the schema is handed to jsonschema with its
# keys in ajv's order and the first error jsonschema yields is ajv's first error.
_AJV_ORDER = {keyword: rank for rank, keyword in enumerate((
    "type", "$ref", "$dynamicRef", "$recursiveRef", "const", "enum", "not", "anyOf", "oneOf",
    "allOf", "if", "then", "else",
    "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf",
    "maxLength", "minLength", "pattern",
    "maxProperties", "minProperties", "required", "propertyNames", "additionalProperties",
    "dependencies", "properties", "patternProperties", "dependentRequired",
    "dependentSchemas",
    "maxItems", "minItems", "uniqueItems", "additionalItems", "prefixItems", "items",
    "contains", "maxContains", "minContains",
    "format", "unevaluatedProperties", "unevaluatedItems",
))}
_SUBSCHEMA = frozenset(("additionalItems", "additionalProperties", "contains", "propertyNames",
                        "not", "if", "then", "else", "unevaluatedProperties",
                        "unevaluatedItems", "items"))
_SUBSCHEMA_LISTS = frozenset(("allOf", "anyOf", "oneOf", "prefixItems", "items"))
_SUBSCHEMA_MAPS = frozenset(("properties", "patternProperties", "$defs", "definitions",
                             "dependentSchemas", "dependencies"))


def _ajv_ordered(schema: Any, memo: dict[int, Any] | None = None) -> Any:
    """A copy of ``schema`` whose (sub)schemas list their keywords in ajv's evaluation
    order; other keys (property names, unknown keywords) keep their order."""
    memo = {} if memo is None else memo
    if not isinstance(schema, Mapping):
        return schema
    if id(schema) in memo:
        return memo[id(schema)]
    out: dict[str, Any] = {}
    memo[id(schema)] = out
    for key in sorted(schema, key=lambda k: _AJV_ORDER.get(k, len(_AJV_ORDER))):
        value = schema[key]
        if key in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            value = {name: _ajv_ordered(sub, memo) for name, sub in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            value = [_ajv_ordered(sub, memo) for sub in value]
        elif key in _SUBSCHEMA:
            value = _ajv_ordered(value, memo)
        out[key] = value
    return out


# -- formats ajv-formats checks (and jsonschema only with optional packages) -----------------

def _format_checker(cls: type[Any]) -> jsonschema.FormatChecker:
    """The dialect's format checker plus the formats ajv-formats always checks."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = dict(cls.FORMAT_CHECKER.checkers)
    checker.checks("uri")(is_uri)
    checker.checks("uuid")(is_uuid)
    checker.checks("hostname")(is_hostname)
    return checker


def _is_schema_regex(instance: object) -> bool:
    """A schema's ``pattern``/``patternProperties`` as ajv compiles it (JavaScript, no
    ``u``). Spectral does not refuse a schema for a pattern Python's ``re`` cannot read
    (``[^]``, ``(?<n>...)``, ``\\k<n>``, ``\\p{...}``); it uses it."""
    return not isinstance(instance, str) or schema_regex(instance) is not None


def _meta_format_checker(cls: type[Any]) -> jsonschema.FormatChecker:
    """The format checker for validating a ruleset's schema against its meta-schema: the
    dialect's, but with ``regex`` meaning a JavaScript regular expression."""
    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = dict(cls.FORMAT_CHECKER.checkers)
    checker.checks("regex")(_is_schema_regex)
    return checker


# -- keywords evaluated differently from jsonschema ------------------------------------------

def _kw_additional_properties(validator: Any, additional: Any, instance: Any,
                              schema: Any) -> Iterator[jsonschema.exceptions.ValidationError]:
    """``additionalProperties`` with ``patternProperties`` matched as JavaScript does and
    with the time limit (jsonschema's keyword joins the patterns into one Python ``re``
    search with no limit). The error's wording is Spectral's, see ``_schema_message``."""
    if not validator.is_type(instance, "object"):
        return
    timeouts: list[RegexTimeout] = []
    known = schema.get("properties", {})
    matched = pattern_keys(schema.get("patternProperties", {}), instance, timeouts)
    for exc in timeouts:
        yield timeout_error(exc)
    extras = [key for key in instance if key not in known and key not in matched]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        yield jsonschema.exceptions.ValidationError(
            f"Additional properties are not allowed ({', '.join(map(repr, extras))})")


def _kw_unevaluated_properties(validator: Any, unevaluated: Any, instance: Any,
                               schema: Any) -> Iterator[jsonschema.exceptions.ValidationError]:
    """``unevaluatedProperties``: ``false`` is one error on the object (ajv's, which Spectral
    prints as "must not have unevaluated properties"); a schema reports each unevaluated
    property's own errors at that property, as ajv does (jsonschema summarises them)."""
    if not validator.is_type(instance, "object"):
        return
    timeouts, extras = unevaluated_properties(validator, instance, schema)
    yield from map(timeout_error, timeouts)
    if unevaluated is False:
        if extras:
            yield jsonschema.exceptions.ValidationError(
                f"Unevaluated properties are not allowed ({', '.join(map(repr, extras))})")
        return
    for key in extras:
        yield from validator.descend(instance[key], unevaluated, path=key, schema_path=key)


def _validator_class(cls: type[Any]) -> type[Any]:
    keywords: dict[str, Any] = {"pattern": keyword_pattern(report_unusable=False),
                                "patternProperties": pattern_properties,
                                "additionalProperties": _kw_additional_properties}
    if "unevaluatedProperties" in cls.VALIDATORS:
        keywords["unevaluatedProperties"] = _kw_unevaluated_properties
    return jsonschema.validators.extend(cls, keywords)


def _prepare_schema(options: Any) -> _Schema:
    example = ('{ "schema": { /* any JSON Schema can be defined here */ } , '
               '{ "schema": { "type": "object" }, "dialect": "auto" }')
    opts = _options("schema", options, ("schema", "dialect", "allErrors"), example,
                    required=("schema",))
    schema = opts["schema"]
    if not isinstance(schema, Mapping):
        raise _types_error("schema", "schema", "object")
    dialect = opts.get("dialect", "auto")
    if dialect != "auto" and dialect not in _DIALECTS:
        allowed = ", ".join(f'"{d}"' for d in ("auto", *_DIALECTS))
        raise OptionError('"schema" function and its "dialect" option accepts only the '
                          f"following values: {allowed}", ("dialect",))
    all_errors = opts.get("allErrors", False)
    if not isinstance(all_errors, bool):
        raise _types_error("schema", "allErrors", "boolean")
    cls = (_DIALECTS[dialect] if dialect != "auto"
           else jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator))
    try:
        cls.check_schema(schema, format_checker=_meta_format_checker(cls))
    except jsonschema.exceptions.SchemaError as exc:
        at = tuple(str(p) for p in exc.absolute_path)
        raise OptionError('"schema" function and its "schema" option is not a valid JSON '
                          f"Schema: {exc.message}", ("schema", *at)) from None
    validator = _validator_class(cls)(_ajv_ordered(schema), format_checker=_format_checker(cls))
    return _Schema(validator, all_errors)


_LIMITS = {
    "minLength": "must not have fewer than {} characters",
    "maxLength": "must not have more than {} characters",
    "minItems": "must not have fewer than {} items",
    "maxItems": "must not have more than {} items",
    "minProperties": "must not have fewer than {} properties",
    "maxProperties": "must not have more than {} properties",
    "minimum": "must be >= {}",
    "maximum": "must be <= {}",
    "exclusiveMinimum": "must be > {}",
    "exclusiveMaximum": "must be < {}",
    "multipleOf": "must be multiple of {}",
    "minContains": "must contain at least {} valid item(s)",
    "maxContains": "must contain at most {} valid item(s)",
}
_FIXED = {
    "uniqueItems": "must not have duplicate items",
    "oneOf": "must match exactly one schema in oneOf",
    "anyOf": "must match a schema in anyOf",
    "not": "must not be valid",
    "const": "must be equal to constant",
    "contains": "must contain at least 1 valid item(s)",
    "false": "must not be present",
    "unevaluatedProperties": "must not have unevaluated properties",
}
_NONE_MATCHED = ". None of the schemas matched, see the other errors reported for this value"


def _limit_text(value: Any) -> str:
    return js_number(value) if is_number(value) else str(value)


def _schema_message(error: jsonschema.exceptions.ValidationError, key: Key | None,
                    all_errors: bool) -> list[tuple[str, tuple[Key, ...]]]:
    """Spectral's wording for one validation error (it prints ajv's errors, reworded):
    ``"amount" property type must be string``, ``Property "x" is not expected to be here``.
    A failed ``oneOf``/``anyOf`` brings its branches' errors along, as ajv's do."""
    path = tuple(error.absolute_path)
    prop = path[-1] if path else key
    named = f'"{prop}" property' if prop not in (None, "") else None
    subject = named or js_type_name(error.instance)
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if keyword == "type":
        types = error.validator_value
        wanted = ",".join(types) if isinstance(types, list) else str(types)
        return [(f"{named or 'Value'} type must be {wanted}", path)]
    if keyword == "required":
        missing = _quoted_name(error.message, " is a required property")
        return [(f'{subject} must have required property "{missing}"', path)]
    if keyword == "additionalProperties" and isinstance(error.instance, Mapping):
        known = schema.get("properties", {})
        # the same matching as the keyword itself (a timed-out key counts as matched; its
        # timeout is a finding of its own)
        matched = pattern_keys(schema.get("patternProperties", {}), error.instance, [])
        extras = [k for k in error.instance if k not in known and k not in matched]
        if not all_errors:
            extras = extras[:1]  # ajv stops at the first extra property
        return [(f'Property "{name}" is not expected to be here', path) for name in extras
                ] or [(f"{subject} must not have additional properties", path)]
    if keyword == "patternTimeout":
        return [(f"{subject} could not be checked: {error.message}", path)]
    if keyword in ("oneOf", "anyOf") and error.context:
        results: list[tuple[str, tuple[Key, ...]]] = []
        for branch in _branch_errors(error.context, all_errors):
            results.extend(_schema_message(branch, key, all_errors))
        results.append((f"{subject} {_FIXED[keyword]}{_NONE_MATCHED}", path))
        return results
    if keyword == "anyOf":
        return [(f"{subject} {_FIXED[keyword]}{_NONE_MATCHED}", path)]
    if keyword == "enum":
        allowed = ", ".join(print_value(v) for v in error.validator_value)
        return [(f"{subject} must be equal to one of the allowed values: {allowed}", path)]
    if keyword == "format":
        return [(f'{subject} must match format "{error.validator_value}"', path)]
    if keyword == "pattern":
        return [(f'{subject} must match pattern "{error.validator_value}"', path)]
    if keyword in ("maximum", "minimum") and schema.get(f"exclusive{keyword.title()}") is True:
        sign = "<" if keyword == "maximum" else ">"  # draft-04's boolean exclusive bounds
        return [(f"{subject} must be {sign} {_limit_text(error.validator_value)}", path)]
    if keyword in _LIMITS:
        return [(f"{subject} {_LIMITS[keyword].format(_limit_text(error.validator_value))}",
                 path)]
    if keyword in _FIXED:
        return [(f"{subject} {_FIXED[keyword]}", path)]
    return [(f"{subject} {error.message}", path)]


def _branch_errors(context: list[jsonschema.exceptions.ValidationError],
                   all_errors: bool) -> list[jsonschema.exceptions.ValidationError]:
    """A combinator's branch errors as ajv reports them: without allErrors, each branch
    stops at its first error."""
    if all_errors:
        return list(context)
    seen: set[Any] = set()
    first = []
    for error in context:
        branch = error.relative_schema_path[0] if error.relative_schema_path else None
        if branch not in seen:
            seen.add(branch)
            first.append(error)
    return first


def _item_wording(message: str, path: tuple[Key, ...]) -> str:
    """Spectral's ``describeArrayItem``: an error whose last path step is all digits (an
    array index, or a key such as ``"200"``) reads ``Item at index 1 must be integer``."""
    index = str(path[-1]) if path else ""
    if not (index.isascii() and index.isdigit()):
        return message
    for prefix in (f'"{index}" property type', f'"{index}" property'):
        if message.startswith(prefix):
            return f"Item at index {index}{message[len(prefix):]}"
    return message


def _quoted_name(message: str, suffix: str) -> str:
    text = message[:-len(suffix)] if message.endswith(suffix) else message
    try:
        name = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return str(name)


def _schema(value: Any, prepared: _Schema, key: Key | None) -> list[FnResult]:
    if value is UNDEFINED:
        return [FnResult(f"{PROPERTY}must exist")]
    try:
        found = prepared.validator.iter_errors(value)
        # ajv (Spectral's validator) stops at the first error; the schema's keywords are in
        # ajv's order (see _ajv_ordered), so jsonschema's first error is ajv's
        errors = list(found) if prepared.all_errors else list(islice(found, 1))
    except referencing.exceptions.Unresolvable:
        return []  # as Spectral on resolved documents: a $ref the schema cannot follow
    results: list[FnResult] = []
    seen: set[tuple[str, tuple[Key, ...]]] = set()
    for error in errors:
        for message, path in _schema_message(error, key, prepared.all_errors):
            message = _item_wording(message, path)
            if (message, path) not in seen:  # Spectral reports each result once
                seen.add((message, path))
                results.append(FnResult(message, path))
    return results


FUNCTIONS: dict[str, CoreFunction] = {
    f.name: f for f in (
        CoreFunction("truthy", _no_options("truthy"), _truthy),
        CoreFunction("falsy", _no_options("falsy"), _falsy),
        CoreFunction("defined", _no_options("defined"), _defined),
        CoreFunction("undefined", _no_options("undefined"), _undefined),
        CoreFunction("pattern", _prepare_pattern, _pattern),
        CoreFunction("casing", _prepare_casing, _casing),
        CoreFunction("enumeration", _prepare_enumeration, _enumeration),
        CoreFunction("length", _prepare_length, _length),
        CoreFunction("alphabetical", _prepare_alphabetical, _alphabetical),
        CoreFunction("xor", _prepare_xor, _xor),
        CoreFunction("schema", _prepare_schema, _schema, plain_input=True),
    )
}

# Spectral functions a ruleset may name that cannot run here (named in the error message).
UNSUPPORTED = {
    "unreferencedReusableObject": "the built-in rulesets report unused components",
    "typedEnum": "the built-in rulesets check enum values against their type",
    "or": "not one of the eleven core functions supported here",
    "schemaPath": "removed in Spectral 6; the built-in rulesets validate examples",
}
