'''The ``_types`` module of every generated package: what pydantic lacks for finance contracts.

Written into each package (never imported from Ledgerpact) so that a generated package needs
nothing but pydantic at run time. Its fixed part is ``RUNTIME``; ``render`` adds one alias per
kind of decimal string the contract uses, each carrying that string's pattern and length.
'''

from __future__ import annotations

from ledgerpact.generators.models.prepare import DecimalSpec

RUNTIME = '''"""Types the generated models use that pydantic does not provide.

Decimal strings ("1250.00") become ``Decimal`` and are written back as the same digits, never
through a float and never in exponent form; the contract's pattern and length limits apply to
the text, in JSON as in Python. JSON numbers become ``Decimal`` as well. Extensible enums accept
values added after this version of the contract: an unknown value becomes a member of its own
(never stored on the class) that compares, serializes and prints as its value.

JSON and Python are held to different rules, on purpose. JSON read by
``ContractModel.model_validate_json`` or ``ExactAdapter.validate_json`` must have the JSON types
the contract gives, as JSON Schema has it: ``"2024"`` is not an integer, ``"true"`` not a
boolean, ``1700000000`` not a date-time and ``"20.01"`` not a JSON number. Built in Python
(``Model(...)``, ``model_validate``), a field takes its Python type (``Decimal``, ``date``,
``datetime``, an enum member) or the JSON text of it (``"2024-03-15"``, ``"1250.00"``, an enum
value), and otherwise what pydantic converts (``"3"`` for an integer); a float is never taken
for a decimal. ``model_dump_json`` leaves out fields that were never set, as the contract's
JSON does (an optional property is absent, not null), unless told what to leave out
(``exclude_unset=False`` writes them all), and writes the contract's property names (``int``,
not the Python ``int_``) unless told ``by_alias=False``; so does ``ExactAdapter.dump_json``.
JSON null is read only for a property whose contract allows null.

pydantic's own JSON reader turns every number with a fraction into a float before any validator
sees it, and its JSON writer can only write a float. So JSON is read and written exactly by
``ContractModel.model_validate_json`` / ``model_dump_json`` and by ``ExactAdapter`` (for aliases,
lists and unions); on pydantic's own paths (``TypeAdapter(...).validate_json``, ``dump_json``,
``model_dump(mode="json")``) a fraction that reached the reader as a float is refused, and a
decimal is written as a JSON number only when the float says exactly the same number.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import weakref
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    ModelWrapValidatorHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema, to_jsonable_python
from pydantic_core.core_schema import SerializationInfo

_DECIMAL = re.compile(r"-?[0-9]+(\\.[0-9]+)?")
_NUMBER_TOKEN = "ledgerpact_number_token"
# Set by ContractModel.model_validate_json: the data is JSON read with ``json``, whose numbers
# are Decimals and ints, so a Decimal there was a JSON number, never a decimal string.
_FROM_JSON = "ledgerpact_from_json"


# The largest decimal exponent accepted: 1e100000000 is a few bytes of JSON but a hundred
# million digits once written out (or compared with a multipleOf); no amount needs more.
MAX_EXPONENT = 1000


def _bounded(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and abs(exponent) > MAX_EXPONENT:
        raise PydanticCustomError(
            "decimal_exponent", "Input should be a decimal whose exponent is at most {max} "
            "in magnitude", {"max": MAX_EXPONENT})
    return value


def _json_decimal(text: str) -> Decimal:
    """``json``'s reader of a fraction or exponent number: a Decimal of bounded exponent."""
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and abs(exponent) > MAX_EXPONENT:
        raise ValueError(f"number {text[:40]} has an exponent over {MAX_EXPONENT}")
    return value


def decimal_text(value: Decimal) -> str:
    """The decimal as the contract writes it: plain digits, never an exponent."""
    return format(value, "f")


class WrittenDecimal(Decimal):
    """The Decimal of a decimal string written with leading zeros the contract's pattern
    allows (``"007.50"``), keeping that text: ``Decimal`` drops them, and the string must be
    written back as it came. Only such text makes one; arithmetic gives plain Decimals."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> Self:
        value = super().__new__(cls, text)
        value.text = text
        return value


def _decimal_string(value: Decimal, info: SerializationInfo) -> Decimal | str:
    """A decimal string's value: its text in JSON (and for ``ContractModel``'s writer, which
    dumps in python mode and must tell it from a JSON number), the Decimal in Python. A value
    of another member of a union (a boolean) is written as itself."""
    if not isinstance(value, Decimal):
        return value
    context = info.context
    if info.mode == "json" or (isinstance(context, dict) and _NUMBER_TOKEN in context):
        return value.text if isinstance(value, WrittenDecimal) else decimal_text(value)
    return value


def decimal_number(value: Decimal, info: SerializationInfo) -> Decimal | int | float | str:
    """The decimal as a JSON number (the contract chose a JSON number, not a string).

    ``ContractModel.model_dump_json`` asks for the exact digits: they come back as a string
    marked with that call's own token, which its writer puts out bare. pydantic's own JSON
    writer (a ``TypeAdapter`` of a union, say) can only write a float: the value is exact
    there only while it has at most 15 significant digits. A value of another member of a
    union (``true`` of ``number | boolean``) reaches this serializer too: written as itself."""
    if not isinstance(value, Decimal):
        return value
    context = info.context
    token = context.get(_NUMBER_TOKEN) if isinstance(context, dict) else None
    if isinstance(token, str):
        return token + decimal_text(value)
    if info.mode != "json":
        return value
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(
            f"{decimal_text(value)} cannot be written as a float without losing digits; "
            "write JSON with ContractModel.model_dump_json() or ExactAdapter.dump_json(), or "
            "dump in python mode")
    return number


_LOSSY = ("pydantic's own JSON reader has already turned this number into a float and may have "
          "lost digits; read JSON with {model}.model_validate_json() or "
          "ExactAdapter(...).validate_json()")


def _no_float(value: object) -> object:
    """On pydantic's own JSON path a float is all that is left of a JSON fraction: refused."""
    if isinstance(value, float):
        raise PydanticCustomError("decimal_lossy", _LOSSY, {"model": "the ContractModel's"})
    return value


def _from_json(info: core_schema.ValidationInfo) -> bool:
    """Whether the data being validated is JSON read by ContractModel or ExactAdapter."""
    context = info.context
    return isinstance(context, dict) and context.get(_FROM_JSON) is True


def _not_a_number(value: object) -> object:
    """A JSON string is not a JSON number, whatever digits it holds: refused, as JSON Schema
    refuses it (and as a decimal string field refuses a JSON number)."""
    if isinstance(value, str):
        raise PydanticCustomError(
            "decimal_type", "Input should be a JSON number, not a JSON string")
    return value


def _number_python(value: object) -> Decimal:
    """From Python: a Decimal, an int, or a decimal's text; never a float, whose binary
    value is not the amount that was meant."""
    exact = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, Decimal):
        number = value
    elif exact or (isinstance(value, str) and _DECIMAL.fullmatch(value)):
        number = Decimal(str(value))
    else:
        raise PydanticCustomError(
            "decimal_type", "Input should be a Decimal, an int or a decimal string such as "
            "\\"1250.00\\", not {type}", {"type": type(value).__name__})
    if not number.is_finite():
        raise PydanticCustomError("decimal_type", "Input should be a finite decimal")
    return _bounded(number)


class DecimalNumberOf:
    """Annotation for a decimal carried as a JSON number, limited to the contract's ``enum``
    (or ``const``) values when it has them: compared as decimals, so ``1.0`` is ``1`` and the
    float ``0.1`` (not the decimal 0.1) is not ``0.1``."""

    __slots__ = ("values",)

    def __init__(self, *values: str) -> None:
        self.values = frozenset(Decimal(v) for v in values)

    def _python(self, value: object, info: core_schema.ValidationInfo) -> Decimal:
        """From Python: a Decimal, an int or a decimal's text. From JSON (read by
        ContractModel): a JSON number only."""
        if _from_json(info):
            _not_a_number(value)
        return self._checked(_number_python(value))

    def _checked(self, number: Decimal) -> Decimal:
        if self.values and number not in self.values:
            allowed = ", ".join(sorted(decimal_text(v) for v in self.values))
            raise PydanticCustomError("enum", "Input should be one of {allowed}",
                                      {"allowed": allowed})
        return number

    def _json(self, value: object) -> Decimal:
        return self._checked(_number_python(_not_a_number(_no_float(value))))

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.json_or_python_schema(
            # pydantic's own JSON reader has already made a fraction a float here: refused.
            # ContractModel.model_validate_json reads with Decimal and takes the python path.
            json_schema=core_schema.no_info_plain_validator_function(self._json),
            python_schema=core_schema.with_info_plain_validator_function(self._python),
            serialization=core_schema.plain_serializer_function_ser_schema(
                decimal_number, info_arg=True),
        )


def _json_type(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "literal"
    if isinstance(value, int | Decimal):
        return "number"
    return "array" if isinstance(value, list) else "object"


class DecimalText:
    """Annotation for a decimal carried as a JSON string, checked against the contract's
    pattern and length limits before it is read."""

    __slots__ = ("_regex", "max_length", "min_length", "pattern")

    def __init__(self, pattern: str | None = None, *, max_length: int | None = None,
                 min_length: int | None = None) -> None:
        self.pattern = pattern
        self.max_length = max_length
        self.min_length = min_length
        self._regex = re.compile(pattern) if pattern is not None else None

    def _read(self, text: str) -> Decimal:
        if not _DECIMAL.fullmatch(text):
            raise PydanticCustomError(
                "decimal_text", "Input should be a decimal number written as a string, "
                "such as \\"1250.00\\" (no exponent, no spaces, no plus sign)")
        value = Decimal(text)
        return value if decimal_text(value) == text else WrittenDecimal(text)

    def _check(self, value: Decimal, written: str | None = None) -> Decimal:
        """``value`` if its text passes the contract's pattern and length limits: the text as
        written when it came as text (``"01.00"`` is not ``"1.00"``, and sixty leading zeros
        count), else the Decimal's own digits (a WrittenDecimal's text, which it writes)."""
        if not value.is_finite():
            raise PydanticCustomError("decimal_text", "Input should be a finite decimal")
        _bounded(value)
        text = written if written is not None else (
            value.text if isinstance(value, WrittenDecimal) else decimal_text(value))
        if self._regex is not None and not self._regex.search(text):
            raise PydanticCustomError("decimal_text", "{text} does not match the pattern {pattern}",
                                      {"text": text, "pattern": self.pattern})
        if self.max_length is not None and len(text) > self.max_length:
            raise PydanticCustomError("decimal_text", "{text} is longer than {n} characters",
                                      {"text": text, "n": self.max_length})
        if self.min_length is not None and len(text) < self.min_length:
            raise PydanticCustomError("decimal_text", "{text} is shorter than {n} characters",
                                      {"text": text, "n": self.min_length})
        return value

    def _python(self, value: object, info: core_schema.ValidationInfo) -> Decimal:
        """From Python: a Decimal, or its text as JSON would carry it; never a float. From
        JSON (read by ContractModel): the text only, as in pydantic's own JSON mode."""
        from_json = _from_json(info)
        if isinstance(value, Decimal) and not from_json:
            return self._check(value)
        if isinstance(value, str):
            return self._check(self._read(value), value)
        if from_json:
            raise PydanticCustomError(
                "string_type", "Input should be a decimal number written as a string, such as "
                "\\"1250.00\\", not a JSON {type}", {"type": _json_type(value)})
        raise PydanticCustomError(
            "decimal_type", "Input should be a Decimal or a decimal string such as "
            "\\"1250.00\\", not {type}", {"type": type(value).__name__})

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        text = core_schema.str_schema(pattern=self.pattern, max_length=self.max_length,
                                      min_length=self.min_length, strict=True)
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(self._read, text),
            python_schema=core_schema.with_info_plain_validator_function(self._python),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _decimal_string, info_arg=True),
        )


DecimalNumber = Annotated[Decimal, DecimalNumberOf()]


class MultipleOf:
    """The contract's ``multipleOf`` on a decimal, checked exactly (as fractions). pydantic's
    own ``multiple_of`` computes ``value % step`` in the 28-digit decimal context, which raises
    ``decimal.InvalidOperation`` (not a validation error) for ``1e30`` or a 30-digit value."""

    __slots__ = ("step", "text")

    def __init__(self, step: Decimal | int) -> None:
        self.step = Fraction(step)
        self.text = str(step)

    def _check(self, value: object) -> object:
        if isinstance(value, Decimal | int) and not isinstance(value, bool) and (
                not isinstance(value, Decimal) or value.is_finite()) and (
                Fraction(value) % self.step):
            raise PydanticCustomError("multiple_of", "Input should be a multiple of {multiple_of}",
                                      {"multiple_of": self.text})
        return value

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _write(value: object, token: str, indent: int | None, ascii_only: bool,
           depth: int = 0) -> str:
    """``value`` (a python-mode dump) as JSON, laid out as pydantic lays it out. A string
    that starts with ``token`` is a JSON number's exact digits and is written bare, as is a
    Decimal (read from a JSON number into an untyped field)."""
    if isinstance(value, str):
        if value.startswith(token):
            return value[len(token):]
        return json.dumps(str(value), ensure_ascii=ascii_only)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return "null"
        return decimal_text(value)
    if value is None or isinstance(value, bool | int):
        return json.dumps(value)
    if isinstance(value, float):
        return json.dumps(value) if math.isfinite(value) else "null"
    if isinstance(value, Enum):
        return _write(value.value, token, indent, ascii_only, depth)
    if isinstance(value, dict):
        parts = [_write(key if isinstance(key, str) else str(to_jsonable_python(key)), token,
                        indent, ascii_only) + (": " if indent is not None else ":")
                 + _write(item, token, indent, ascii_only, depth + 1)
                 for key, item in value.items()]
        return _layout("{", parts, "}", indent, depth)
    if isinstance(value, list | tuple | set | frozenset):
        parts = [_write(item, token, indent, ascii_only, depth + 1) for item in value]
        return _layout("[", parts, "]", indent, depth)
    return _write(to_jsonable_python(value), token, indent, ascii_only, depth)


def _layout(opening: str, parts: list[str], closing: str, indent: int | None,
            depth: int) -> str:
    if indent is None or not parts:
        return opening + ",".join(parts) + closing
    inner = "\\n" + " " * (indent * (depth + 1))
    return opening + inner + ("," + inner).join(parts) + "\\n" + " " * (indent * depth) + closing


def _loads(json_data: str | bytes | bytearray, title: str) -> Any:
    """JSON with fractions as ``Decimal``; anything ``json`` refuses as pydantic refuses it."""
    try:
        return json.loads(json_data, parse_float=_json_decimal, parse_constant=_no_constant)
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, NaN or Infinity
        raise ValidationError.from_exception_data(title, [{
            "type": "json_invalid", "loc": (), "input": json_data,
            "ctx": {"error": str(exc)}}]) from None


def _marked(context: object, key: str, value: object) -> dict[str, Any]:
    return {**context, key: value} if isinstance(context, dict) else {key: value}


def _float_at(value: object, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in JSON read by pydantic's own reader a float is, or None."""
    if isinstance(value, float):
        return path
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _float_at(item, (*path, key))
        if found is not None:
            return found
    return None


# -- JSON types --------------------------------------------------------------------------------
# JSON is validated as the Python data ``json`` reads (so numbers stay exact), and pydantic's
# Python mode converts across JSON types ("2024" to an int, 0 to a date). Before that, the JSON
# type of every value is checked against what the field's pydantic core schema takes from JSON.
# Nested models check their own fields (in ContractModel's validator), so this stops at them.

_STRING_SCHEMAS = frozenset({"str", "datetime", "date", "time", "timedelta", "uuid", "url",
                             "multi-host-url", "bytes"})
_SCALARS = {"int": ("integer",), "float": ("number",), "decimal": ("number", "string"),
            "bool": ("boolean",), "none": ("null",)}
_OBJECTS = frozenset({"model", "model-fields", "typed-dict", "dataclass", "tagged-union"})
_INNER = frozenset({"default", "model-field", "typed-dict-field", "dataclass-field",
                    "custom-error", "function-after", "function-before", "function-wrap"})
# JSON types a value of each JSON type may stand for: 1.0 is an integer to JSON Schema (the
# integer field's own validator refuses 1.5).
_TAKES = {"integer": {"integer", "number"}, "number": {"integer", "number"}}


def _json_kind_of(value: object) -> str:
    """The JSON type of a value ``json`` read, named as JSON Schema names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list | tuple) else "object"


def _value_kinds(values: Any) -> tuple[str, ...]:
    kinds = [_json_kind_of(v.value if isinstance(v, Enum) else v) for v in values]
    return tuple(dict.fromkeys("number" if k == "integer" else k for k in kinds))


_Mismatch = tuple[tuple[str | int, ...], tuple[str, ...]]


def _wanted(schema: Mapping[str, Any], kind: Any,
            known: dict[Any, Any]) -> tuple[str, ...] | None:
    """The JSON types a leaf schema takes (None: not ours to judge), worked out once per
    schema: an enum's member kinds would otherwise be recomputed for every value read."""
    key = ("wanted", id(schema))
    if key in known:
        return known[key]  # type: ignore[no-any-return]
    wanted: tuple[str, ...] | None
    if kind in _STRING_SCHEMAS:
        wanted = ("string",)
    elif kind in _SCALARS:
        wanted = _SCALARS[kind]
    elif kind == "enum":
        wanted = _value_kinds(schema.get("members", ()))
    elif kind == "literal":
        wanted = _value_kinds(schema.get("expected", ()))
    elif kind in ("list", "set", "frozenset", "tuple"):
        wanted = ("array",)
    elif kind == "dict" or kind in _OBJECTS:
        wanted = ("object",)
    else:
        wanted = None
    known[key] = wanted
    return wanted


def _unwrapped(schema: Mapping[str, Any], defs: Mapping[str, Any],
               known: dict[Any, Any]) -> Mapping[str, Any] | None:
    """The schema below the wrappers that take what they wrap (a field, a default, a
    reference...), found once per schema: every value of a list of ten thousand lines goes
    through the same few; None for a reference that does not resolve."""
    key = ("unwrapped", id(schema))
    if key in known:
        return known[key]  # type: ignore[no-any-return]
    node: Mapping[str, Any] | None = schema
    for _ in range(200):
        if node is None:
            break
        kind = node.get("type")
        if kind == "definition-ref":
            node = defs.get(str(node.get("schema_ref", "")))
        elif kind in _INNER or kind == "definitions":
            node = node["schema"]
        elif kind == "lax-or-strict":
            node = node["lax_schema"]
        elif kind == "json-or-python":
            node = node["python_schema"]
        elif kind == "chain":
            node = (node.get("steps") or [{}])[0]
        else:
            break
    known[key] = node
    return node


def _mismatch(value: object, schema: Mapping[str, Any], defs: Mapping[str, Any],
              known: dict[Any, Any], depth: int = 0, *,
              null_ok: bool = True) -> _Mismatch | None:
    """(where below ``value``, the JSON types wanted there) when ``value`` has a JSON type
    ``schema`` does not take from JSON; None when it has one (or the schema is not ours to
    judge: a validator function decides for itself). ``known`` caches what is worked out of
    each schema (the schemas live as long as their ``_JsonTypes``, so their ids stay theirs).
    ``null_ok=False``: the ``T | None`` pydantic gives an optional field does not take null,
    because the contract does not (only the field's own outer ``None`` is so judged)."""
    if depth > 200:
        return None
    found_schema = _unwrapped(schema, defs, known)
    if found_schema is None:
        return None
    schema = found_schema
    kind = schema.get("type")
    if kind == "nullable":
        if value is not None:
            return _mismatch(value, schema["schema"], defs, known, depth + 1)
        if null_ok:
            return None
        # the contract has no null here, whatever the member types' own validators would say
        # of None (a decimal's validator function is not ours to judge): refused here
        below = _mismatch(None, schema["schema"], defs, known, depth + 1, null_ok=False)
        return below or ((), _kinds(schema["schema"], defs) or ("value other than null",))
    if kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in schema.get("choices", ())]
        if not null_ok:
            choices = [c for c in choices if c.get("type") != "none"]
        found = [_mismatch(value, c, defs, known, depth + 1, null_ok=null_ok) for c in choices]
        if not found or any(f is None for f in found):
            return None
        # a member whose JSON type the value has, failing deeper (an item of an array), says
        # more than the members of other types
        deeper = [f for f in found if f is not None and f[0]]
        if deeper:
            return deeper[0]
        return (), tuple(dict.fromkeys(k for f in found if f is not None for k in f[1]))
    wanted = _wanted(schema, kind, known)
    if wanted is None:
        return None
    takes = known.get(("takes", id(schema)))
    if takes is None:
        takes = known["takes", id(schema)] = frozenset(
            j for k in wanted for j in _TAKES.get(k, {k}))
    if _json_kind_of(value) not in takes:
        return (), wanted
    items = schema.get("items_schema")
    if kind in ("list", "set", "frozenset") and isinstance(value, list) and isinstance(
            items, Mapping):
        for i, item in enumerate(value):
            found_item = _mismatch(item, items, defs, known, depth + 1)
            if found_item is not None:
                return (i, *found_item[0]), found_item[1]
    values = schema.get("values_schema")
    if kind == "dict" and isinstance(value, dict) and isinstance(values, Mapping):
        for key, item in value.items():
            found_item = _mismatch(item, values, defs, known, depth + 1)
            if found_item is not None:
                return (key, *found_item[0]), found_item[1]
    return None


def _kinds(schema: Mapping[str, Any], defs: Mapping[str, Any],
           depth: int = 0) -> tuple[str, ...]:
    """The JSON types a schema takes, as far as they can be told (a decimal's validator
    function takes a JSON number or a JSON string): for the message refusing a null."""
    kind = schema.get("type")
    if depth > 50:
        return ()
    inner = {"definition-ref": defs.get(str(schema.get("schema_ref", "")), {}),
             "lax-or-strict": schema.get("lax_schema"),
             "json-or-python": schema.get("python_schema"),
             "chain": (schema.get("steps") or [{}])[0]}.get(str(kind))
    if kind in _INNER or kind in ("definitions", "nullable"):
        inner = schema["schema"]
    if isinstance(inner, Mapping):
        return _kinds(inner, defs, depth + 1)
    if kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in schema.get("choices", ())]
        return tuple(dict.fromkeys(k for c in choices if c.get("type") != "none"
                                   for k in _kinds(c, defs, depth + 1)))
    owner = getattr(schema.get("function", {}).get("function"), "__self__", None)
    if isinstance(owner, DecimalNumberOf):
        return ("number",)
    if isinstance(owner, DecimalText):
        return ("string",)
    return _wanted(schema, kind, {}) or ()


def _type_error(loc: tuple[str | int, ...], wanted: tuple[str, ...],
                value: object) -> dict[str, Any]:
    return {"type": PydanticCustomError(
        "json_type", "Input should be a JSON {expected}, not a JSON {actual}",
        {"expected": " or ".join(wanted), "actual": _json_kind_of(value)}),
        "loc": loc, "input": value}


def _at(data: object, loc: tuple[str | int, ...]) -> object:
    for part in loc:
        data = data[part]  # type: ignore[index]
    return data


class _JsonTypes:
    """What one model's fields (or one type, for ExactAdapter) take from JSON, read once from
    its pydantic core schema. ``nullable``: the JSON names of the fields whose contract allows
    null (an optional field is ``T | None`` in Python whether or not it does); None when not
    known (a package generated before it was recorded), and then null is taken as pydantic
    takes it."""

    __slots__ = ("defs", "fields", "known", "nullable", "schema", "source")

    def __init__(self, schema: Mapping[str, Any],
                 nullable: frozenset[str] | None = None) -> None:
        self.source = schema  # a rebuilt model has a new schema: this one is then stale
        self.nullable = nullable
        self.known: dict[Any, Any] = {}
        defs: dict[str, Any] = {}
        node: Mapping[str, Any] = schema
        while node.get("type") == "definitions":
            defs.update({d["ref"]: d for d in node.get("definitions", ()) if "ref" in d})
            node = node["schema"]
        self.defs = defs
        self.schema = node
        self.fields: dict[str, Mapping[str, Any]] | None = None
        while node.get("type") in _INNER:
            node = node["schema"]
        if node.get("type") == "model" and node["schema"].get("type") == "model-fields":
            fields = node["schema"].get("fields", {})
            self.fields = {(f["validation_alias"] if isinstance(f.get("validation_alias"), str)
                            else name): f for name, f in fields.items()}

    def problems(self, data: object) -> list[dict[str, Any]]:
        """The type errors of JSON ``data``: the model's own fields (data of a model), or the
        whole value (data of another type)."""
        found: list[tuple[tuple[str | int, ...], _Mismatch]] = []
        if self.fields is None:
            one = _mismatch(data, self.schema, self.defs, self.known)
            found = [((), one)] if one is not None else []
        elif isinstance(data, dict):
            nullable = self.nullable
            for key, field in self.fields.items():
                if key in data:
                    value = data[key]
                    null_ok = value is not None or nullable is None or key in nullable
                    one = _mismatch(value, field, self.defs, self.known, null_ok=null_ok)
                    if one is not None:
                        found.append(((key,), one))
        return [_type_error((*at, *loc), wanted, _at(data, (*at, *loc)))
                for at, (loc, wanted) in found]


_JSON_TYPES: weakref.WeakKeyDictionary[Any, _JsonTypes] = weakref.WeakKeyDictionary()


def _json_types(owner: Any, schema: Mapping[str, Any],
                nullable: frozenset[str] | None = None) -> _JsonTypes:
    known = _JSON_TYPES.get(owner)
    if known is None or known.source is not schema:
        known = _JSON_TYPES[owner] = _JsonTypes(schema, nullable)
    return known


def _refuse_json_types(title: str, types: _JsonTypes, data: object) -> None:
    problems = types.problems(data)
    if problems:
        raise ValidationError.from_exception_data(title, problems)  # type: ignore[arg-type]


class Condition:
    """One ``if``/``then``/``else`` of the contract's schema (Money's minor units per currency),
    as data copied from the schema. Only ``properties`` (with ``const``, ``enum``, ``pattern``,
    ``minLength``, ``maxLength``) and ``required`` are used, read as JSON Schema reads them:
    a property that is absent satisfies its subschema, a pattern applies to strings only."""

    __slots__ = ("else_", "if_", "then")

    def __init__(self, if_: Mapping[str, Any], then: Mapping[str, Any] | None = None,
                 else_: Mapping[str, Any] | None = None) -> None:
        self.if_ = if_
        self.then = then
        self.else_ = else_

    def problem(self, data: Mapping[str, Any]) -> str | None:
        """Why ``data`` (present properties, by JSON name, as JSON values) breaks the rule."""
        branch = self.then if _failure(self.if_, data) is None else self.else_
        return None if branch is None else _failure(branch, data)


def _failure(schema: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    for name in schema.get("required", ()):
        if name not in data:
            return f"{name} is required"
    for name, sub in schema.get("properties", {}).items():
        if name not in data:
            continue
        value = data[name]
        if sub.get("uniqueItems") is True and isinstance(value, list) and (
                len({_json_key(v) for v in value}) != len(value)):
            return f"{name} has duplicate items (the contract says uniqueItems)"
        if "const" in sub and not _same(value, sub["const"]):
            return f"{name} should be {sub['const']!r}"
        if "enum" in sub and not any(_same(value, v) for v in sub["enum"]):
            return f"{name} should be one of {', '.join(map(str, sub['enum']))}"
        if not isinstance(value, str):
            continue
        if "pattern" in sub and not re.search(sub["pattern"], value):
            return f"{name} {value!r} does not match {sub['pattern']}"
        if len(value) > sub.get("maxLength", len(value)):
            return f"{name} {value!r} is longer than {sub['maxLength']} characters"
        if len(value) < sub.get("minLength", 0):
            return f"{name} {value!r} is shorter than {sub['minLength']} characters"
    return None


def _json_key(value: object) -> object:
    """A hashable key equal for values JSON Schema calls equal: numbers by value (``1`` is
    ``1.0``), never a boolean as a number, objects whatever their key order."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | Decimal | float):
        return ("number", Fraction(value) if not isinstance(value, float) else value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list | tuple):
        return ("array", tuple(_json_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", frozenset((k, _json_key(v)) for k, v in value.items()))
    return ("other", repr(value))


def _same(value: object, wanted: object) -> bool:
    """JSON equality: a string is never a number, a boolean never 1, and numbers compare as
    decimals."""
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    if isinstance(value, str) != isinstance(wanted, str):
        return False
    if isinstance(wanted, float):
        wanted = Decimal(repr(wanted))
    return bool(value == wanted)


# The options by which a caller of model_dump_json says what to leave out.
_EXCLUSIONS = frozenset({"exclude_unset", "exclude_none", "exclude_defaults"})


class ContractModel(BaseModel):
    """The base of every generated model: JSON numbers are read and written with their exact
    digits, and the schema's ``if``/``then`` rules hold.

    pydantic's own JSON reader turns every number with a fraction into a float before any
    validator sees it, and its writer can only write a float, so ``12345678901234567890.12``
    would come back as ``12345678901234567000``. Here JSON is read with ``json`` (fractions as
    ``Decimal``) and validated as Python data, and written from a python-mode dump; JSON that
    reaches a model through pydantic's own reader is refused if it holds a fraction."""

    # An assignment is validated like the input: ``line.amount = 0.1`` would otherwise store
    # the float, and ``money.currency = "JPY"`` skip the minor-unit rule.
    model_config = ConfigDict(validate_assignment=True)
    # The schema's conditional rules; generated classes that have some set it.
    __contract_conditions__: ClassVar[tuple[Condition, ...]] = ()
    # The JSON names of the properties whose contract allows null: JSON null is refused for
    # the others, though pydantic types every optional field ``T | None``. None: not known.
    __contract_nullable__: ClassVar[frozenset[str] | None] = None

    @model_validator(mode="wrap")
    @classmethod
    def _exact_json(cls, data: Any, handler: ModelWrapValidatorHandler[Self],
                    info: ValidationInfo) -> Self:
        if info.mode == "json":
            at = _float_at(data)
            if at is not None:
                where = "/".join(str(p) for p in at) or "the input"
                raise PydanticCustomError("decimal_lossy", _LOSSY + " (at {where})",
                                          {"model": cls.__name__, "where": where})
        elif _from_json(info):
            _refuse_json_types(cls.__name__, _json_types(
                cls, cls.__pydantic_core_schema__, cls.__contract_nullable__), data)
        return handler(data)

    @model_validator(mode="after")
    def _contract_conditions(self) -> Self:
        conditions = type(self).__contract_conditions__
        if not conditions:
            return self
        token = secrets.token_hex(16)
        data = self.model_dump(mode="python", by_alias=True, exclude_unset=True,
                               context={_NUMBER_TOKEN: token})
        view = {k: _deep_plain(v, token) for k, v in data.items()}
        for condition in conditions:
            problem = condition.problem(view)
            if problem is not None:
                raise PydanticCustomError("contract_condition", "{problem} (a conditional "
                                          "rule of the contract's schema)", {"problem": problem})
        return self

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        data = _loads(json_data, cls.__name__)
        context = _marked(kwargs.pop("context", None), _FROM_JSON, True)
        return cls.model_validate(data, context=context, **kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        """JSON the contract accepts: fields never set are left out (an optional property is
        absent, not null); a None that was set stays. A caller who chooses what to leave out
        (``exclude_unset``, ``exclude_none`` or ``exclude_defaults``) gets that choice."""
        if not _EXCLUSIONS & kwargs.keys():
            kwargs["exclude_unset"] = True
        kwargs.setdefault("by_alias", True)  # the contract's names (``int``, not ``int_``)
        indent = kwargs.pop("indent", None)
        ascii_only = bool(kwargs.pop("ensure_ascii", False))
        token = secrets.token_hex(16)  # unguessable: no string of the data can pose as it
        context = _marked(kwargs.pop("context", None), _NUMBER_TOKEN, token)
        data = self.model_dump(mode="python", context=context, **kwargs)
        return _write(data, token, indent, ascii_only)


def _plain(value: object, token: str) -> object:
    """A python-mode dump value as JSON data: enum members as their values, a JSON number's
    marked digits as a Decimal (a number: patterns do not apply to it)."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str) and value.startswith(token):
        return Decimal(value[len(token):])
    return value


def _deep_plain(value: object, token: str) -> object:
    """``_plain`` all the way down: list items and nested objects as JSON data too."""
    value = _plain(value, token)
    if isinstance(value, list | tuple):
        return [_deep_plain(v, token) for v in value]
    if isinstance(value, dict):
        return {k: _deep_plain(v, token) for k, v in value.items()}
    return value


class ExactAdapter:
    """``TypeAdapter`` for any generated type (an alias, a list, a union of models) that reads
    and writes JSON numbers exactly, as ``ContractModel``'s own JSON methods do."""

    def __init__(self, type_: Any) -> None:
        self.adapter: TypeAdapter[Any] = TypeAdapter(type_)

    def validate_json(self, json_data: str | bytes | bytearray, **kwargs: Any) -> Any:
        data = _loads(json_data, "ExactAdapter")
        _refuse_json_types("ExactAdapter", _json_types(self, self.adapter.core_schema), data)
        context = _marked(kwargs.pop("context", None), _FROM_JSON, True)
        return self.adapter.validate_python(data, context=context, **kwargs)

    def validate_python(self, value: object, **kwargs: Any) -> Any:
        return self.adapter.validate_python(value, **kwargs)

    def dump_json(self, value: object, **kwargs: Any) -> str:
        """As ``ContractModel.model_dump_json``: no null for a field never set unless the
        caller says what to leave out."""
        if not _EXCLUSIONS & kwargs.keys():
            kwargs["exclude_unset"] = True
        kwargs.setdefault("by_alias", True)  # the contract's names (``int``, not ``int_``)
        indent = kwargs.pop("indent", None)
        ascii_only = bool(kwargs.pop("ensure_ascii", False))
        token = secrets.token_hex(16)
        context = _marked(kwargs.pop("context", None), _NUMBER_TOKEN, token)
        data = self.adapter.dump_python(value, mode="python", context=context, **kwargs)
        return _write(data, token, indent, ascii_only)


class ExtensibleStrEnum(StrEnum):
    """A string enum whose contract may add values: an unknown value is accepted as a member
    of its own instead of failing validation.

    The unknown member is made anew each time and never stored on the class: values come from
    the wire, and a class that remembered each one would grow without limit in a long-running
    service. Two such members are equal (and hash alike) because they are equal strings."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


def _json_kind(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    if isinstance(value, int):
        return "integer"
    return "number" if isinstance(value, float | Decimal) else type(value).__name__


class ExtensibleEnum(Enum):
    """An enum of other values whose contract may add values (see ``ExtensibleStrEnum``:
    unknown members are not stored either, so members compare by value, not identity)."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        """An unknown value of a JSON type the members have (an integer enum takes new
        integers, never a string, a float, a boolean or an object)."""
        if _json_kind(value) not in {_json_kind(m.value) for m in cls}:
            return None
        member = object.__new__(cls)
        member._name_ = str(value)
        member._value_ = value
        return member

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """pydantic finds a member by equality before ``_missing_`` is asked, and ``True ==
        1``: a value of a JSON type no member has is refused first."""
        kinds = {_json_kind(m.value) for m in cls}

        def same_kind(value: object) -> object:
            if not isinstance(value, cls) and _json_kind(value) not in kinds:
                allowed = ", ".join(repr(m.value) for m in cls)
                raise PydanticCustomError("enum", "Input should be {allowed} or another value "
                                          "of the same JSON type", {"allowed": allowed})
            return value

        return core_schema.no_info_before_validator_function(same_kind, handler(source))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ExtensibleEnum) and type(other) is type(self):
            return bool(self._value_ == other._value_)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._name_)
'''


def render(header: str, decimals: dict[str, DecimalSpec],
           numbers: dict[str, tuple[str, ...]] | None = None) -> str:
    """The support module for one contract: the runtime plus its decimal aliases (decimal
    strings with their text limits, JSON numbers limited to an enum's values)."""
    lines = [header.rstrip("\n"), RUNTIME.rstrip("\n")]
    for name, values in sorted((numbers or {}).items()):
        texts = ", ".join(f'"{v}"' for v in values)
        lines.append(f"\n\n{name} = Annotated[Decimal, DecimalNumberOf({texts})]")
    for name in sorted(decimals):
        spec = decimals[name]
        args = [repr(spec.pattern)] if spec.pattern is not None else []
        if spec.max_length is not None:
            args.append(f"max_length={spec.max_length}")
        if spec.min_length is not None:
            args.append(f"min_length={spec.min_length}")
        lines.append(f"\n\n{name} = Annotated[Decimal, DecimalText({', '.join(args)})]")
    return "\n".join(lines) + "\n"
