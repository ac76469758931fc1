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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema.exceptions
import jsonschema.validators
import referencing.exceptions

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
_INLINE_FLAGS = set("ims")
_IGNORED_FLAGS = set("guyd")


def js_regex(text: str) -> re.Pattern[str]:
    """Compile a regular expression the way Spectral reads it: ``/body/flags`` or a bare
    body. Raises ``re.error``/``ValueError`` when it cannot be compiled."""
    slashed = _SLASHED.match(text)
    body, flags = (slashed.group(1), slashed.group(2)) if slashed else (text, "")
    return re.compile(python_pattern(body, flags))


def python_pattern(body: str, flags: str) -> str:
    """A JavaScript regular expression (body and flags) as a Python pattern: flags inline,
    ``$`` meaning end of input (unless ``m``), ``(?<name>`` groups renamed."""
    inline = ""
    for flag in flags:
        if flag in _INLINE_FLAGS:
            inline += flag
        elif flag not in _IGNORED_FLAGS:
            raise ValueError(f"unknown regular expression flag {flag!r}")
    converted = _js_to_python(body, multiline="m" in flags)
    return f"(?{inline}){converted}" if inline else converted


def _js_to_python(body: str, *, multiline: bool) -> str:
    out: list[str] = []
    i, in_class = 0, False
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(body[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$" and not multiline:
            char = r"\Z"  # Python's $ also matches before a final newline; JavaScript's not
        elif body.startswith("(?<", i) and not body.startswith(("(?<=", "(?<!"), i):
            char = "(?P<"
            i += 2
        out.append(char)
        i += 1
    return "".join(out)


def _prepare_pattern(options: Any) -> dict[str, tuple[str, re.Pattern[str]]]:
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
        except (re.error, ValueError) as exc:
            raise OptionError(f'"pattern" function and its "{key}" option is not a valid '
                              f"regular expression: {exc}", (key,)) from None
    return prepared


def _pattern(value: Any, prepared: dict[str, tuple[str, re.Pattern[str]]],
             _key: Key | None) -> list[FnResult]:
    if not isinstance(value, str):
        return []
    results = []
    if "match" in prepared and not prepared["match"][1].search(value):
        results.append(FnResult(f"{VALUE} must match the pattern "
                                f"{print_value(prepared['match'][0])}"))
    if "notMatch" in prepared and prepared["notMatch"][1].search(value):
        results.append(FnResult(f"{VALUE} must not match the pattern "
                                f"{print_value(prepared['notMatch'][0])}"))
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
    if sum(1 for name in names if name in value) == 1:
        return []
    printed = [print_value(name) for name in names]
    listed = ", ".join(printed[:-1]) + f" and {printed[-1]}"
    return [FnResult(f"{listed} must not be both defined or both undefined")]


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
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as exc:
        at = tuple(str(p) for p in exc.absolute_path)
        raise OptionError('"schema" function and its "schema" option is not a valid JSON '
                          f"Schema: {exc.message}", ("schema", *at)) from None
    return _Schema(cls(schema, format_checker=cls.FORMAT_CHECKER), all_errors)


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
}


def _limit_text(value: Any) -> str:
    return js_number(value) if is_number(value) else str(value)


def _schema_message(error: jsonschema.exceptions.ValidationError,
                    prop: Key | None) -> list[tuple[str, tuple[Key, ...]]]:
    """Spectral's wording for one validation error (it prints ajv's errors, reworded):
    ``"amount" property type must be string``, ``Property "x" is not expected to be here``."""
    path = tuple(error.absolute_path)
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
    if keyword in ("additionalProperties", "unevaluatedProperties") and \
            isinstance(error.instance, Mapping):
        known = schema.get("properties", {}) if keyword == "additionalProperties" else {}
        patterns = schema.get("patternProperties", {}) \
            if keyword == "additionalProperties" else {}
        extras = [k for k in error.instance if k not in known
                  and not any(_search(p, k) for p in patterns)]
        return [(f'Property "{name}" is not expected to be here', path) for name in extras
                ] or [(f"{subject} must not have unevaluated properties", path)]
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


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


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
        errors = list(prepared.validator.iter_errors(value))
    except referencing.exceptions.Unresolvable:
        return []  # as Spectral on resolved documents: a $ref the schema cannot follow
    if not errors:
        return []
    if not prepared.all_errors:
        # ajv (Spectral's validator) stops at the first error, checking "type" first
        errors = sorted(errors, key=lambda e: (len(e.absolute_path), e.validator != "type"))[:1]
    results = []
    for error in errors:
        prop = error.absolute_path[-1] if error.absolute_path else key
        for message, path in _schema_message(error, prop):
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
