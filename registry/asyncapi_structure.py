"""Structural check of AsyncAPI 2.6.0, 3.0.0 and 3.1.0 documents, with no official schema at hand.

Why it exists: ``ledgerpact registry validate`` runs on every change, offline, on machines that do
not have the official AsyncAPI JSON Schemas (they are test data only). So the product carries
its own model of the AsyncAPI object model, and the tests hold it to the same valid/invalid
verdict as the official schemas on every real document we have.

Why not pydantic models: the verdict must match the official schemas exactly, and those encode
rules that are awkward as model unions. The main one: where the specification says "a Reference
Object or an X" the schemas say ``oneOf``. When X is a JSON Schema, an object holding only
``$ref`` is valid as both, so it is *invalid* there. (That is the one error in the Adeo 3.0.0
example: its Kafka message binding ``key``.) Here every rule is a small declarative *shape*
and a walker applies them with an explicit stack: linear in the size of the document, no
recursion limit, and every problem located by a JSON pointer with what was expected there.

Two things are deliberately out of scope, as in the official schemas' default evaluation:
``format`` keywords (uri, email, regex...) are annotations, not assertions; and ``$ref`` values
are checked for shape only, never resolved or fetched.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ledgerpact.registry import pointer as jp

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.6.0", "3.0.0", "3.1.0")


@dataclass(frozen=True)
class Violation:
    """One structural problem: where it is (a JSON pointer) and what was expected there."""

    pointer: str
    message: str


# The specification's own patterns: which keys are extensions, which names components may
# use, and what a runtime expression (correlation ids, reply addresses) looks like.
_EXTENSION = re.compile(r"^x-[\w\d\.\x2d_]+$")
_LOOSE_EXTENSION = re.compile(r"^x-")  # what the OpenAPI 3.0 Schema Object accepts
_COMPONENT_KEY = re.compile(r"^[\w\d\.\-_]+$")
_RUNTIME_EXPRESSION = re.compile(r"^\$message\.(header|payload)#(\/(([^\/~])|(~[01]))*)*")
_LINKEDIN = re.compile(r"^http(s)?://(www\.)?linkedin\.com.*$")
_AVRO_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_AVRO_NAMESPACE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)*$")
_AVRO_TYPE_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

_MISSING = object()

# --------------------------------------------------------------------------------------------
# Values: JSON types and equality as JSON Schema sees them (true is not 1; 1 equals 1.0)
# --------------------------------------------------------------------------------------------


def _is_type(value: Any, json_type: str) -> bool:
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "object":
        return isinstance(value, dict)
    if json_type == "array":
        return isinstance(value, list)
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if json_type == "number":
        return isinstance(value, int | float)
    if json_type == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    raise ValueError(f"unknown JSON type {json_type!r}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, datetime.date):
        return "YAML timestamp (quote it to make it a string)"
    return type(value).__name__


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _got(value: Any) -> str:
    kind = _kind(value)
    if isinstance(value, dict | list) or value is None:
        return kind
    return f"{kind} {_show(value)}"


def _canon(value: Any) -> Any:
    """A hashable stand-in with JSON equality, for ``enum`` and ``uniqueItems``."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, list):
        return ("l", tuple(_canon(item) for item in value))
    if isinstance(value, dict):
        return ("d", frozenset((str(k), _canon(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return ("r", repr(value))
    return ("o", value)


def _child(ptr: str, key: Any) -> str:
    return f"{ptr}/{jp.escape(str(key))}"


def _one_of(values: Sequence[Any]) -> str:
    shown = [_show(v) for v in values]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


# --------------------------------------------------------------------------------------------
# The walker and the generic shapes
# --------------------------------------------------------------------------------------------

Task = tuple["Shape", Any, str, list[Violation]]


class Shape:
    """A rule for one kind of node.

    ``visit`` reports the node's own problems into ``out`` and returns the checks still to run
    on its children; the walker runs them from an explicit stack, so documents of any depth
    are checked in time linear in their size.
    """

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        raise NotImplementedError


def _walk(shape: Shape, value: Any, ptr: str) -> list[Violation]:
    out: list[Violation] = []
    stack: list[Task] = [(shape, value, ptr, out)]
    while stack:
        rule, node, where, sink = stack.pop()
        tasks = rule.visit(node, where, sink)
        if tasks:
            stack.extend(reversed(tasks))  # children in document order
    return out


class _Then(Shape):
    """Runs ``action`` once every check queued before it has finished (the stack is LIFO)."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        self.action()
        return ()


class _Anything(Shape):
    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        return ()


ANY = _Anything()


class Scalar(Shape):
    """A JSON value of given type(s), optionally restricted by enum, pattern, bounds, length."""

    def __init__(
        self,
        *types: str,
        enum: Sequence[Any] | None = None,
        pattern: re.Pattern[str] | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        hint: str = "",
    ) -> None:
        self.types = types
        self.enum = list(enum) if enum is not None else None
        self.enum_keys = frozenset(_canon(v) for v in enum) if enum is not None else None
        self.pattern = pattern
        self.minimum = minimum
        self.maximum = maximum
        self.exclusive_minimum = exclusive_minimum
        self.min_length = min_length
        self.max_length = max_length
        self.hint = hint
        names = [_article(t) if t != "null" else "null" for t in types]
        self.expected = " or ".join(names)

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if self.types and not any(_is_type(value, t) for t in self.types):
            out.append(Violation(ptr, f"expected {self.expected}, got {_got(value)}"))
            return ()
        if self.enum_keys is not None and _canon(value) not in self.enum_keys:
            assert self.enum is not None
            out.append(Violation(ptr, f"{_show(value)} is not allowed here; expected "
                                      f"{_one_of(self.enum)}"))
            return ()
        if isinstance(value, str):
            self._check_string(value, ptr, out)
        elif _is_type(value, "number"):
            self._check_number(value, ptr, out)
        return ()

    def _check_string(self, value: str, ptr: str, out: list[Violation]) -> None:
        if self.pattern is not None and not self.pattern.search(value):
            hint = f" ({self.hint})" if self.hint else ""
            out.append(Violation(ptr, f"{_show(value)} does not match the pattern "
                                      f"{self.pattern.pattern}{hint}"))
        if self.min_length is not None and len(value) < self.min_length:
            out.append(Violation(ptr, f"is {len(value)} characters long; expected at least "
                                      f"{self.min_length}"))
        if self.max_length is not None and len(value) > self.max_length:
            out.append(Violation(ptr, f"is {len(value)} characters long; expected at most "
                                      f"{self.max_length}"))

    def _check_number(self, value: float, ptr: str, out: list[Violation]) -> None:
        if self.minimum is not None and value < self.minimum:
            out.append(Violation(ptr, f"{_show(value)} is too small; expected at least "
                                      f"{_show(self.minimum)}"))
        if self.maximum is not None and value > self.maximum:
            out.append(Violation(ptr, f"{_show(value)} is too large; expected at most "
                                      f"{_show(self.maximum)}"))
        if self.exclusive_minimum is not None and value <= self.exclusive_minimum:
            out.append(Violation(ptr, f"{_show(value)} is too small; expected more than "
                                      f"{_show(self.exclusive_minimum)}"))


STR = Scalar("string")
BOOL = Scalar("boolean")
INT = Scalar("integer")
NUM = Scalar("number")
NON_NEGATIVE_INT = Scalar("integer", minimum=0)


def _const(value: Any) -> Scalar:
    return Scalar(enum=[value])


def _int(minimum: float | None = None, maximum: float | None = None) -> Scalar:
    return Scalar("integer", minimum=minimum, maximum=maximum)


def _str_enum(*values: str) -> Scalar:
    return Scalar("string", enum=values)


class Arr(Shape):
    def __init__(
        self,
        items: Shape = ANY,
        *,
        unique: bool = False,
        min_items: int = 0,
        what: str = "an array",
    ) -> None:
        self.items = items
        self.unique = unique
        self.min_items = min_items
        self.what = what

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not isinstance(value, list):
            out.append(Violation(ptr, f"expected {self.what}, got {_got(value)}"))
            return ()
        if len(value) < self.min_items:
            out.append(Violation(ptr, f"expected at least {self.min_items} item(s), got "
                                      f"{len(value)}"))
        if self.unique:
            seen: dict[Any, int] = {}
            for index, item in enumerate(value):
                key = _canon(item)
                if key in seen:
                    out.append(Violation(_child(ptr, index), f"duplicate of item {seen[key]}; "
                                                             "the items must be unique"))
                else:
                    seen[key] = index
        if self.items is ANY:
            return ()
        return [(self.items, item, _child(ptr, index), out) for index, item in enumerate(value)]


Rule = Callable[[dict[Any, Any], str, list[Violation]], Sequence[Task]]


class Obj(Shape):
    """An object with fixed fields.

    ``closed`` refuses unknown fields (``extensions`` names the keys allowed anyway, normally
    ``x-...``); ``typed=False`` accepts non-objects, as a few official definitions do;
    ``extra`` checks the values of keys that are neither fields nor extensions; ``forbidden``
    lists fields that must be absent; ``rule`` adds checks across fields.
    """

    def __init__(
        self,
        name: str,
        fields: Mapping[str, Shape] | None = None,
        required: Sequence[str] = (),
        *,
        closed: bool = True,
        extensions: re.Pattern[str] | None = _EXTENSION,
        typed: bool = True,
        extra: Shape | None = None,
        forbidden: Sequence[str] = (),
        rule: Rule | None = None,
        expected: str | None = None,
    ) -> None:
        self.name = name
        self.fields: dict[str, Shape] = dict(fields or {})
        self.required = tuple(required)
        self.closed = closed
        self.extensions = extensions
        self.typed = typed
        self.extra = extra
        self.forbidden = tuple(forbidden)
        self.rule = rule
        self.expected = expected or f"an object ({name})"

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not isinstance(value, dict):
            if self.typed:
                out.append(Violation(ptr, f"expected {self.expected}, got {_got(value)}"))
            return ()
        for name in self.required:
            if name not in value:
                out.append(Violation(_child(ptr, name),
                                     f"missing required field '{name}' ({self.name})"))
        for name in self.forbidden:
            if name in value:
                out.append(Violation(_child(ptr, name), f"'{name}' is not allowed in {self.name}"))
        tasks: list[Task] = []
        for key, item in value.items():
            shape = self.fields.get(key) if isinstance(key, str) else None
            if shape is not None:
                if shape is not ANY:
                    tasks.append((shape, item, _child(ptr, key), out))
                continue
            if (self.extensions is not None and isinstance(key, str)
                    and self.extensions.search(key)):
                continue
            if self.extra is not None:
                tasks.append((self.extra, item, _child(ptr, key), out))
            elif self.closed:
                out.append(Violation(_child(ptr, key), self._unknown(key)))
        if self.rule is not None:
            tasks.extend(self.rule(value, ptr, out))
        return tasks

    def _unknown(self, key: Any) -> str:
        allowed = ", ".join(self.fields) or "no fixed fields"
        if self.extensions is _EXTENSION:
            allowed += r"; extensions must match ^x-[\w\d.\-_]+$"
        elif self.extensions is not None:
            allowed += "; extensions must start with 'x-'"
        return f"unknown field {_show(key)} in {self.name} (allowed: {allowed})"


class MapOf(Shape):
    """An object used as a map: every value (or those whose key matches ``keys``) is checked."""

    def __init__(
        self,
        values: Shape,
        name: str,
        *,
        keys: re.Pattern[str] | None = None,
        nonempty_string_keys: bool = False,
    ) -> None:
        self.values = values
        self.name = name
        self.keys = keys
        self.nonempty_string_keys = nonempty_string_keys

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not isinstance(value, dict):
            out.append(Violation(ptr, f"expected an object ({self.name}), got {_got(value)}"))
            return ()
        tasks: list[Task] = []
        for key, item in value.items():
            if self.nonempty_string_keys and not (isinstance(key, str) and key):
                out.append(Violation(_child(ptr, key), f"names in {self.name} must be non-empty "
                                                       f"strings, got {_got(key)}"))
            if self.keys is not None and not (isinstance(key, str) and self.keys.search(key)):
                continue  # the official schemas leave such entries unchecked
            if self.values is not ANY:
                tasks.append((self.values, item, _child(ptr, key), out))
        return tasks


class Ref(Shape):
    """A Reference Object and nothing else (an operation's channel, a channel's servers...)."""

    def __init__(self, what: str = "a Reference Object") -> None:
        self.what = what

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if isinstance(value, dict) and "$ref" in value:
            if not isinstance(value["$ref"], str):
                out.append(Violation(_child(ptr, "$ref"), "'$ref' must be a string (a URI "
                                                          f"reference), got {_got(value['$ref'])}"))
        elif isinstance(value, dict):
            out.append(Violation(ptr, f"expected {self.what} (an object with '$ref'), got an "
                                      "inline object without '$ref'"))
        else:
            out.append(Violation(ptr, f"expected {self.what} (an object with '$ref'), got "
                                      f"{_got(value)}"))
        return ()


class RefOr(Shape):
    """Exactly one of a Reference Object or ``inner`` (the official schemas' ``oneOf``).

    An object with ``$ref`` is a Reference; it is refused only if ``inner`` accepts it too
    (possible when ``inner`` is open, such as a JSON Schema) or if ``$ref`` is not a string.
    """

    def __init__(self, inner: Shape, hint: str = "") -> None:
        self.inner = inner
        self.hint = hint

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not (isinstance(value, dict) and "$ref" in value):
            return [(self.inner, value, ptr, out)]
        as_inner: list[Violation] = []

        def decide() -> None:
            is_reference = isinstance(value["$ref"], str)
            if is_reference and not as_inner:
                what = getattr(self.inner, "name", "the inline object")
                out.append(Violation(ptr, (
                    f"ambiguous: this object is valid both as a Reference Object and as "
                    f"{_article(what)}, but only one of the two is allowed here (oneOf)"
                    + (f"; {self.hint}" if self.hint else "")
                )))
            elif not is_reference and as_inner:
                out.append(Violation(_child(ptr, "$ref"), "'$ref' must be a string (a URI "
                                                          f"reference), got {_got(value['$ref'])}"))

        return [(self.inner, value, ptr, as_inner), (_Then(decide), None, ptr, out)]


class OneOf(Shape):
    """Exactly one of several forms of the same object (forms told apart by their contents).

    Each form is tried on its own list; when none fits, ``pick`` says which form the author
    most likely meant, so that form's problems are reported instead of a vague summary.
    """

    def __init__(
        self,
        what: str,
        forms: Sequence[tuple[str, Shape]],
        pick: Callable[[dict[Any, Any]], int | None],
    ) -> None:
        self.what = what
        self.forms = list(forms)
        self.pick = pick

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not isinstance(value, dict):
            return ()  # the enclosing object shape reports the type
        trials: list[list[Violation]] = [[] for _ in self.forms]

        def decide() -> None:
            fitting = [label for (label, _), trial in zip(self.forms, trials, strict=True)
                       if not trial]
            if len(fitting) == 1:
                return
            if fitting:
                out.append(Violation(ptr, f"{self.what} fits more than one of its allowed forms "
                                          f"({'; '.join(fitting)}); it must fit exactly one"))
                return
            index = self.pick(value)
            if index is None:
                labels = "; ".join(label for label, _ in self.forms)
                out.append(Violation(ptr, f"{self.what} fits none of its allowed forms ({labels})"))
            else:
                out.extend(trials[index])

        tasks: list[Task] = [(shape, value, ptr, trial)
                             for (_, shape), trial in zip(self.forms, trials, strict=True)]
        tasks.append((_Then(decide), None, ptr, out))
        return tasks


class AnyOf(Shape):
    """At least one of several shapes; when none fits, report the one ``pick`` chooses."""

    def __init__(self, shapes: Sequence[Shape], pick: Callable[[Any], int]) -> None:
        self.shapes = list(shapes)
        self.pick = pick

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        trials: list[list[Violation]] = [[] for _ in self.shapes]

        def decide() -> None:
            if all(trials):
                out.extend(trials[self.pick(value)])

        tasks: list[Task] = [(shape, value, ptr, trial)
                             for shape, trial in zip(self.shapes, trials, strict=True)]
        tasks.append((_Then(decide), None, ptr, out))
        return tasks


class All(Shape):
    def __init__(self, *shapes: Shape) -> None:
        self.shapes = shapes

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        return [(shape, value, ptr, out) for shape in self.shapes]


class Dispatch(Shape):
    """Chooses the rule from the value itself (its JSON type, a discriminating field...)."""

    def __init__(self, name: str,
                 choose: Callable[[Any, str, list[Violation]], Shape | None]) -> None:
        self.name = name
        self.choose = choose

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        shape = self.choose(value, ptr, out)
        return [(shape, value, ptr, out)] if shape is not None and shape is not ANY else ()


OBJECT = Obj("object", closed=False, extensions=None, expected="an object")

# --------------------------------------------------------------------------------------------
# Schema languages a message may use: JSON Schema (draft-07 and AsyncAPI's superset of it),
# the OpenAPI 3.0 Schema Object and Avro 1.9
# --------------------------------------------------------------------------------------------

_SIMPLE_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_SIMPLE_TYPE = Scalar("string", enum=_SIMPLE_TYPES)


def _choose_type_keyword(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
    if isinstance(value, str):
        return _SIMPLE_TYPE
    if isinstance(value, list):
        return Arr(_SIMPLE_TYPE, unique=True, min_items=1)
    out.append(Violation(ptr, f"expected a type name or an array of type names, got "
                              f"{_got(value)}"))
    return None


_TYPE_KEYWORD = Dispatch("type", _choose_type_keyword)


class _SchemaObject(Obj):
    """A JSON Schema: an object or a boolean."""

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if isinstance(value, bool):
            return ()
        return super().visit(value, ptr, out)


def _json_schema(external_docs: Shape | None, draft07: Shape | None) -> _SchemaObject:
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
        return Arr(STR, unique=True) if isinstance(value, list) else plain

    node.fields = {
        "$id": STR, "$schema": STR, "$ref": STR, "$comment": STR, "title": STR,
        "description": STR, "default": ANY, "readOnly": BOOL, "writeOnly": BOOL,
        "examples": Arr(), "multipleOf": Scalar("number", exclusive_minimum=0),
        "maximum": NUM, "exclusiveMaximum": NUM, "minimum": NUM, "exclusiveMinimum": NUM,
        "maxLength": NON_NEGATIVE_INT, "minLength": NON_NEGATIVE_INT, "pattern": STR,
        "additionalItems": plain, "items": Dispatch("items", choose_items),
        "maxItems": NON_NEGATIVE_INT, "minItems": NON_NEGATIVE_INT, "uniqueItems": BOOL,
        "contains": sub, "maxProperties": NON_NEGATIVE_INT, "minProperties": NON_NEGATIVE_INT,
        "required": Arr(STR, unique=True, what="an array of property names"),
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


DRAFT07_SCHEMA = _json_schema(None, None)


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
        "type": _str_enum("array", "boolean", "integer", "number", "object", "string"),
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
                out.append(Violation(ptr, f"{_show(value)} is neither an Avro primitive type "
                                          f"({', '.join(_AVRO_PRIMITIVES)}) nor a type name"))
            return ()
        if isinstance(value, list):
            if not value:
                out.append(Violation(ptr, "an Avro union needs at least one type"))
            return [(self, item, _child(ptr, index), out) for index, item in enumerate(value)]
        if not isinstance(value, dict):
            out.append(Violation(ptr, "expected an Avro schema (a type name, a union array or an "
                                      f"object with 'type'), got {_got(value)}"))
            return ()
        form = value.get("type", _MISSING)
        if form is _MISSING:
            out.append(Violation(_child(ptr, "type"),
                                 "missing required field 'type' (Avro schema)"))
            return ()
        if isinstance(form, str) and form in _AVRO_PRIMITIVES:
            return ()
        if isinstance(form, str) and form in self.named:
            return [(self.named[form], value, ptr, out)]
        out.append(Violation(_child(ptr, "type"), (
            f"expected one of record, enum, array, map, fixed or a primitive type name, got "
            f"{_got(form)}")))
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


def _media_types(base: str, versions: Sequence[str]) -> frozenset[str]:
    return frozenset(f"{base}{suffix};version={version}"
                     for version in versions for suffix in ("", "+json", "+yaml"))


_DRAFT07_FORMATS = frozenset({"application/schema+json;version=draft-07",
                              "application/schema+yaml;version=draft-07"})
_OPENAPI_FORMATS = _media_types("application/vnd.oai.openapi", ("3.0.0",))
_AVRO_FORMATS = _media_types("application/vnd.apache.avro", ("1.9.0",))
_ASYNCAPI_2_VERSIONS = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0")


# --------------------------------------------------------------------------------------------
# Objects shared by every version
# --------------------------------------------------------------------------------------------

CONTACT = Obj("Contact Object", {"name": STR, "url": STR, "email": STR})
LICENSE = Obj("License Object", {"name": STR, "url": STR}, ("name",))
SERVER_VARIABLE = Obj("Server Variable Object", {"enum": Arr(STR, unique=True), "default": STR,
                                                 "description": STR, "examples": Arr(STR)})
LOCATION = Scalar("string", pattern=_RUNTIME_EXPRESSION,
                  hint="a runtime expression such as '$message.header#/correlationId'")
CORRELATION_ID = Obj("Correlation ID Object", {"description": STR, "location": LOCATION},
                     ("location",))


def _security_scheme(v3: bool) -> Dispatch:
    """The Security Scheme Object: one form per ``type`` (HTTP split on bearer or not)."""
    scopes_key = "availableScopes" if v3 else "scopes"

    def simple(kind: str, extra: dict[str, Shape] | None = None,
               required: Sequence[str] = ()) -> Obj:
        return Obj(f"{kind} Security Scheme Object",
                   {"type": STR, "description": STR, **(extra or {})}, ("type", *required))

    def flow(kind: str, required: Sequence[str], forbidden: Sequence[str]) -> Obj:
        return Obj(f"{kind} OAuth Flow Object",
                   {"authorizationUrl": STR, "tokenUrl": STR, "refreshUrl": STR,
                    scopes_key: MapOf(STR, "OAuth scopes")},
                   (*required, scopes_key), forbidden=forbidden)

    flows = Obj("OAuth Flows Object", {
        "implicit": flow("implicit", ("authorizationUrl",), ("tokenUrl",)),
        "password": flow("password", ("tokenUrl",), ("authorizationUrl",)),
        "clientCredentials": flow("clientCredentials", ("tokenUrl",), ("authorizationUrl",)),
        "authorizationCode": flow("authorizationCode", ("authorizationUrl", "tokenUrl"), ()),
    }, extensions=None)
    oauth2: dict[str, Shape] = {"flows": flows}
    open_id: dict[str, Shape] = {"openIdConnectUrl": STR}
    if v3:
        oauth2["scopes"] = Arr(STR)
        open_id["scopes"] = Arr(STR)
    forms: dict[str, Shape] = {
        "userPassword": simple("userPassword"),
        "apiKey": simple("apiKey", {"in": _str_enum("user", "password")}, ("in",)),
        "X509": simple("X509"),
        "symmetricEncryption": simple("symmetricEncryption"),
        "asymmetricEncryption": simple("asymmetricEncryption"),
        "httpApiKey": simple("httpApiKey", {"name": STR, "in": _str_enum("header", "query",
                                                                          "cookie")},
                             ("name", "in")),
        "oauth2": Obj("oauth2 Security Scheme Object", {"type": STR, "description": STR, **oauth2},
                      ("type", "flows"), closed=False),
        "openIdConnect": simple("openIdConnect", open_id, ("openIdConnectUrl",)),
        "plain": simple("plain"),
        "scramSha256": simple("scramSha256"),
        "scramSha512": simple("scramSha512"),
        "gssapi": simple("gssapi"),
    }
    bearer = simple("http (bearer)", {"scheme": STR, "bearerFormat": STR}, ("scheme",))
    other_http = simple("http", {"scheme": STR}, ("scheme",))
    kinds = ["http", *forms]

    def choose(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if not isinstance(value, dict):
            out.append(Violation(ptr, f"expected a Security Scheme Object, got {_got(value)}"))
            return None
        kind = value.get("type", _MISSING)
        if kind == "http":
            return bearer if value.get("scheme") == "bearer" else other_http
        if isinstance(kind, str) and kind in forms:
            return forms[kind]
        if kind is _MISSING:
            out.append(Violation(_child(ptr, "type"), "missing required field 'type' (Security "
                                                      f"Scheme Object: {', '.join(kinds)})"))
        else:
            out.append(Violation(_child(ptr, "type"), f"{_show(kind)} is not a security scheme "
                                                      f"type; expected one of {', '.join(kinds)}"))
        return None

    return Dispatch("Security Scheme Object", choose)


def _message_example(payload: Shape) -> Obj:
    def needs_content(value: dict[Any, Any], ptr: str, out: list[Violation]) -> Sequence[Task]:
        if "payload" not in value and "headers" not in value:
            out.append(Violation(ptr, "a Message Example Object needs 'payload' or 'headers'"))
        return ()

    return Obj("Message Example Object", {"name": STR, "summary": STR, "headers": OBJECT,
                                          "payload": payload},
               extensions=None, rule=needs_content)


# --------------------------------------------------------------------------------------------
# AsyncAPI 2.6.0
# --------------------------------------------------------------------------------------------


def _headers_of_type_object(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
    if isinstance(value, dict) and "type" in value and _canon(value["type"]) != ("s", "object"):
        out.append(Violation(_child(ptr, "type"), "message headers must be a schema of type "
                                                  f"'object', got type {_show(value['type'])}"))
    return None


def _payload_by_format(schema: Shape, asyncapi_formats: frozenset[str],
                       reference_or: bool) -> Callable[[Any], Shape]:
    """Which schema language ``schemaFormat`` puts the payload in (anything if unknown)."""
    openapi: Shape = RefOr(OPENAPI_SCHEMA) if reference_or else OPENAPI_SCHEMA
    avro: Shape = RefOr(AVRO_SCHEMA) if reference_or else AVRO_SCHEMA

    def shape_for(schema_format: Any) -> Shape:
        if schema_format is _MISSING:
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


@cache
def _model_2_6() -> Shape:
    external_docs = Obj("External Documentation Object", {"description": STR, "url": STR},
                        ("url",))
    schema = _json_schema(external_docs, DRAFT07_SCHEMA)
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
        "examples": Arr(_message_example(ANY)), "bindings": bindings,
    }
    message_trait = Obj("Message Trait Object", trait_fields)
    payload_for = _payload_by_format(schema, _media_types("application/vnd.aai.asyncapi",
                                                          _ASYNCAPI_2_VERSIONS), False)

    def payload(value: dict[Any, Any], ptr: str, out: list[Violation]) -> Sequence[Task]:
        if "payload" not in value:
            return ()
        shape = payload_for(value.get("schemaFormat", _MISSING))
        return [(shape, value["payload"], _child(ptr, "payload"), out)] if shape is not ANY else ()

    message_object = Obj("Message Object", {
        **trait_fields, "payload": ANY, "traits": Arr(RefOr(message_trait)),
    }, rule=payload)
    one_of_messages = Obj("Message Object with oneOf", {}, ("oneOf",), extensions=None)

    def choose_message(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, dict):
            return one_of_messages if "oneOf" in value else message_object
        out.append(Violation(ptr, "expected a Message Object, a Reference Object or an object "
                                  f"with 'oneOf', got {_got(value)}"))
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
        "securitySchemes": MapOf(RefOr(_security_scheme(v3=False)), "securitySchemes",
                                 keys=_COMPONENT_KEY),
        "parameters": MapOf(RefOr(parameter), "parameters"),
        "correlationIds": MapOf(RefOr(CORRELATION_ID), "correlationIds", keys=_COMPONENT_KEY),
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
        "asyncapi": _str_enum("2.6.0"), "id": STR, "info": info, "servers": servers,
        "defaultContentType": STR, "channels": channels, "components": components,
        "tags": tags, "externalDocs": external_docs,
    }, ("asyncapi", "info", "channels"))


# --------------------------------------------------------------------------------------------
# AsyncAPI 3.x protocol bindings
# --------------------------------------------------------------------------------------------


class _Binding(Shape):
    """One protocol's binding: the version named by ``bindingVersion`` (the latest if absent)
    decides which rules apply; a version the document's AsyncAPI version does not know is an
    error, as in the official schemas."""

    def __init__(self, label: str, versions: dict[str, Shape]) -> None:
        self.label = label
        self.versions = versions  # latest first
        self.latest = next(iter(versions.values()))

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if not isinstance(value, dict):
            out.append(Violation(ptr, f"expected an object ({self.label}), got {_got(value)}"))
            return ()
        version = value.get("bindingVersion", _MISSING)
        if version is _MISSING:
            return [(self.latest, value, ptr, out)]
        if isinstance(version, str) and version in self.versions:
            return [(self.versions[version], value, ptr, out)]
        out.append(Violation(_child(ptr, "bindingVersion"), (
            f"{_show(version)} is not a known version of the {self.label}; expected "
            f"{_one_of(list(self.versions))} (or leave it out for the latest)")))
        return ()


def _binding(label: str, versions: Sequence[str], fields_for: Callable[[str], dict[str, Shape]],
             required: Sequence[str] = (), **options: Any) -> _Binding:
    return _Binding(label, {
        version: Obj(f"{label} {version}",
                     {**fields_for(version), "bindingVersion": _str_enum(version)},
                     required, **options)
        for version in versions
    })


def _string_or_strings(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
    if isinstance(value, list):
        return Arr(STR)
    if not isinstance(value, str):
        out.append(Violation(ptr, f"expected a string or an array of strings, got {_got(value)}"))
    return None


def _aws_policy(identifier: Shape) -> Obj:
    statement = Obj("policy statement", {
        "effect": _str_enum("Allow", "Deny"),
        "principal": Dispatch("principal", _string_or_strings),
        "action": Dispatch("action", _string_or_strings),
    }, ("effect", "principal", "action"), closed=False)
    return Obj("policy", {"statements": Arr(statement)}, ("statements",), closed=False)


def _sqs_queue(label: str, required: Sequence[str], extra: dict[str, Shape]) -> Obj:
    identifier = Obj("SQS identifier", {"arn": STR, "name": STR}, closed=False)
    return Obj(label, {
        **extra, "name": STR, "fifoQueue": BOOL,
        "deduplicationScope": _str_enum("queue", "messageGroup"),
        "fifoThroughputLimit": _str_enum("perQueue", "perMessageGroupId"),
        "deliveryDelay": _int(0, 900), "visibilityTimeout": _int(0, 43200),
        "receiveMessageWaitTime": INT, "messageRetentionPeriod": _int(60, 1209600),
        "redrivePolicy": Obj("SQS redrive policy", {"deadLetterQueue": identifier,
                                                    "maxReceiveCount": INT},
                             ("deadLetterQueue",), closed=False),
        "policy": _aws_policy(identifier), "tags": OBJECT,
    }, required, closed=False)


def _int_schema_or_reference(schema: Shape, minimum: int, maximum: int | None) -> Dispatch:
    """MQTT's "an integer, a Schema Object or a Reference Object" (oneOf)."""
    number = _int(minimum, maximum)
    schema_or_reference = RefOr(schema)

    def choose(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if _is_type(value, "integer"):
            return number
        if isinstance(value, dict | bool):
            return schema_or_reference
        out.append(Violation(ptr, f"expected an integer, a Schema Object or a Reference Object, "
                                  f"got {_got(value)}"))
        return None

    return Dispatch("integer or schema", choose)


def _solace_destination(version: str) -> Shape:
    queue_fields: dict[str, Shape] = {
        "name": STR, "topicSubscriptions": Arr(STR),
        "accessType": _str_enum("exclusive", "nonexclusive"),
    }
    if version != "0.2.0":
        queue_fields.update({"maxTtl": STR, "maxMsgSpoolUsage": STR})
    queue_form = Obj("Solace queue destination", {
        "destinationType": Scalar("string", enum=["queue"]),
        "queue": Obj("Solace queue", queue_fields, closed=False),
    }, closed=False, extensions=None)
    topic_form = Obj("Solace topic destination", {
        "destinationType": Scalar("string", enum=["topic"]), "topicSubscriptions": Arr(STR),
    }, closed=False, extensions=None)

    def pick(value: dict[Any, Any]) -> int | None:
        return {"queue": 0, "topic": 1}.get(str(value.get("destinationType")))

    return All(
        Obj("Solace destination", {"deliveryMode": _str_enum("direct", "persistent")},
            closed=False),
        OneOf("Solace destination", [("destinationType queue", queue_form),
                                     ("destinationType topic", topic_form)], pick),
    )


def _bindings_3(schema: Shape, version: str) -> dict[str, Obj]:
    """The Server, Channel, Operation and Message Bindings Objects of AsyncAPI 3.x.

    Protocols the official schemas know but define no binding for accept anything; protocol
    names they do not know are refused.
    """
    reference_or_schema = RefOr(schema)
    kafka_versions = ("0.5.0", "0.4.0", "0.3.0")
    solace_versions = ("0.4.0", "0.3.0", "0.2.0")

    def kafka_channel(v: str) -> dict[str, Shape]:
        fields: dict[str, Shape] = {"topic": STR, "partitions": _int(1), "replicas": _int(1)}
        if v == "0.3.0":
            return fields
        topic_fields: dict[str, Shape] = {
            "cleanup.policy": Arr(_str_enum("compact", "delete")), "retention.ms": _int(-1),
            "retention.bytes": _int(-1), "delete.retention.ms": _int(0),
            "max.message.bytes": _int(0),
        }
        if v == "0.5.0":
            topic_fields.update({
                "confluent.key.schema.validation": BOOL,
                "confluent.key.subject.name.strategy": STR,
                "confluent.value.schema.validation": BOOL,
                "confluent.value.subject.name.strategy": STR,
            })
        fields["topicConfiguration"] = Obj("Kafka topic configuration", topic_fields,
                                           closed=v == "0.4.0", extensions=None)
        return fields

    def kafka_key(v: str) -> Shape:
        if v == "0.5.0":
            return RefOr(schema, hint=(
                "Kafka message binding 0.5.0 (the default when 'bindingVersion' is absent) "
                "takes 'key' as exactly one of Reference or Schema; inline the key schema, or "
                "declare bindingVersion 0.4.0, whose 'key' accepts either"))
        if v == "0.4.0":
            return AnyOf([Ref(), schema, AVRO_SCHEMA], pick=lambda value: (
                2 if isinstance(value, str | list) or (
                    isinstance(value, dict) and value.get("type") in ("record", "enum", "map",
                                                                      "fixed"))
                else 1))
        return schema

    def kafka_message(v: str) -> dict[str, Shape]:
        return {"key": kafka_key(v), "schemaIdLocation": _str_enum("header", "payload"),
                "schemaIdPayloadEncoding": STR, "schemaLookupStrategy": STR}

    amqp_channel = _binding("AMQP channel binding", ("0.3.0",), lambda v: {
        "is": _str_enum("queue", "routingKey"),
        "exchange": Obj("AMQP exchange", {
            "name": Scalar("string", max_length=255),
            "type": _str_enum("topic", "direct", "fanout", "default", "headers"),
            "durable": BOOL, "autoDelete": BOOL, "vhost": STR,
        }, closed=False),
        "queue": Obj("AMQP queue", {
            "name": Scalar("string", max_length=255), "durable": BOOL, "exclusive": BOOL,
            "autoDelete": BOOL, "vhost": STR,
        }, closed=False),
    }, rule=lambda value, ptr, out: [(OneOf("AMQP channel binding", [
        ("is: routingKey with an exchange and no queue",
         Obj("AMQP channel binding (is: routingKey)", {"is": _const("routingKey")}, ("exchange",),
             forbidden=("queue",), closed=False, extensions=None)),
        ("is: queue with a queue and no exchange",
         Obj("AMQP channel binding (is: queue)", {"is": _const("queue")}, ("queue",),
             forbidden=("exchange",), closed=False, extensions=None)),
    ], pick=lambda v: 1 if v.get("is") == "queue" else 0), value, ptr, out)])

    ibmmq_channel = _binding("IBM MQ channel binding", ("0.1.0",), lambda v: {
        "destinationType": _str_enum("topic", "queue"),
        "queue": Obj("IBM MQ queue", {"objectName": Scalar("string", max_length=48),
                                      "isPartitioned": BOOL, "exclusive": BOOL},
                     ("objectName",), closed=False),
        "topic": Obj("IBM MQ topic", {"string": Scalar("string", max_length=10240),
                                      "objectName": Scalar("string", max_length=48),
                                      "durablePermitted": BOOL, "lastMsgRetained": BOOL},
                     closed=False),
        "maxMsgLength": _int(0, 104857600),
    }, rule=lambda value, ptr, out: [(OneOf("IBM MQ channel binding", [
        ("destinationType topic without a queue",
         Obj("IBM MQ channel binding (topic)", {"destinationType": _const("topic")},
             forbidden=("queue",), closed=False, extensions=None)),
        ("destinationType queue with a queue and no topic",
         Obj("IBM MQ channel binding (queue)", {"destinationType": _const("queue")}, ("queue",),
             forbidden=("topic",), closed=False, extensions=None)),
    ], pick=lambda v: 1 if v.get("destinationType") == "queue" else 0), value, ptr, out)])

    ibmmq_message = _binding("IBM MQ message binding", ("0.1.0",), lambda v: {
        "type": _str_enum("string", "jms", "binary"), "headers": STR, "description": STR,
        "expiry": _int(0),
    }, rule=lambda value, ptr, out: [(OneOf("IBM MQ message binding", [
        ("type binary", Obj("IBM MQ message binding (binary)", {"type": _const("binary")},
                            closed=False, extensions=None)),
        ("type jms without headers",
         Obj("IBM MQ message binding (jms)", {"type": _const("jms")}, forbidden=("headers",),
             closed=False, extensions=None)),
        ("type string without headers",
         Obj("IBM MQ message binding (string)", {"type": _const("string")},
             forbidden=("headers",), closed=False, extensions=None)),
    ], pick=lambda v: {"binary": 0, "jms": 1, "string": 2}.get(str(v.get("type")))),
        value, ptr, out)])

    sns_identifier = Obj("SNS identifier", {"url": STR, "email": STR, "phone": STR, "arn": STR,
                                            "name": STR}, closed=False)
    sns_delivery_policy = Obj("SNS delivery policy", {
        "minDelayTarget": INT, "maxDelayTarget": INT, "numRetries": INT,
        "numNoDelayRetries": INT, "numMinDelayRetries": INT, "numMaxDelayRetries": INT,
        "backoffFunction": _str_enum("arithmetic", "exponential", "geometric", "linear"),
        "maxReceivesPerSecond": INT,
    }, closed=False)

    def filter_value(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, list):
            return Arr(STR)
        if not isinstance(value, str | dict):
            out.append(Violation(ptr, "expected a string, an array of strings or an object, got "
                                      f"{_got(value)}"))
        return None

    sns_consumer = Obj("SNS consumer", {
        "protocol": _str_enum("http", "https", "email", "email-json", "sms", "sqs",
                              "application", "lambda", "firehose"),
        "endpoint": sns_identifier,
        "filterPolicy": Obj("SNS filter policy", extra=Dispatch("filter", filter_value)),
        "filterPolicyScope": _str_enum("MessageAttributes", "MessageBody"),
        "rawMessageDelivery": BOOL,
        "redrivePolicy": Obj("SNS redrive policy", {"deadLetterQueue": sns_identifier,
                                                    "maxReceiveCount": INT},
                             ("deadLetterQueue",), closed=False),
        "deliveryPolicy": sns_delivery_policy, "displayName": STR,
    }, ("protocol", "endpoint", "rawMessageDelivery"), closed=False)

    server: dict[str, Shape] = {
        "http": ANY, "ws": ANY, "amqp": ANY, "amqp1": ANY,
        "mqtt": _binding("MQTT server binding", ("0.2.0",), lambda v: {
            "clientId": STR, "cleanSession": BOOL,
            "lastWill": Obj("MQTT last will", {"topic": STR, "qos": Scalar("integer",
                                                                            enum=(0, 1, 2)),
                                               "message": STR, "retain": BOOL}, closed=False),
            "keepAlive": INT,
            "sessionExpiryInterval": _int_schema_or_reference(schema, 0, None),
            "maximumPacketSize": _int_schema_or_reference(schema, 1, 4294967295),
        }),
        "kafka": _binding("Kafka server binding", kafka_versions, lambda v: {
            "schemaRegistryUrl": STR, "schemaRegistryVendor": STR}),
        "anypointmq": ANY, "nats": ANY,
        "jms": _binding("JMS server binding", ("0.0.1",), lambda v: {
            "jmsConnectionFactory": STR, "clientID": STR,
            "properties": Arr(Obj("JMS property", {
                "name": STR, "value": Scalar("string", "boolean", "number", "null")},
                ("name", "value"), closed=False, extensions=None)),
        }, ("jmsConnectionFactory",)),
        "sns": ANY, "sqs": ANY, "stomp": ANY, "redis": ANY,
        "ibmmq": _binding("IBM MQ server binding", ("0.1.0",), lambda v: {
            "groupId": STR, "ccdtQueueManagerName": STR, "cipherSpec": STR,
            "multiEndpointServer": BOOL, "heartBeatInterval": _int(0, 999999)}),
        "solace": _binding("Solace server binding", solace_versions, lambda v: (
            {"msgVpn": STR, "clientName": Scalar("string", min_length=1, max_length=160)}
            if v == "0.4.0" else {"msgVpn": STR} if v == "0.3.0" else {"msvVpn": STR})),
        "googlepubsub": ANY,
        "pulsar": _binding("Pulsar server binding", ("0.1.0",), lambda v: {"tenant": STR}),
    }
    channel: dict[str, Shape] = {
        "http": ANY,
        "ws": _binding("WebSockets channel binding", ("0.1.0",), lambda v: {
            "method": _str_enum("GET", "POST"), "query": reference_or_schema,
            "headers": reference_or_schema}),
        "amqp": amqp_channel, "amqp1": ANY, "mqtt": ANY,
        "kafka": _binding("Kafka channel binding", kafka_versions, kafka_channel),
        "anypointmq": _binding("Anypoint MQ channel binding", ("0.0.1",), lambda v: {
            "destination": STR, "destinationType": _str_enum("exchange", "queue",
                                                             "fifo-queue")}),
        "nats": ANY,
        "jms": _binding("JMS channel binding", ("0.0.1",), lambda v: {
            "destination": STR, "destinationType": _str_enum("queue", "fifo-queue")}),
        "sns": _Binding("SNS channel binding", {"0.1.0": Obj("SNS channel binding 0.1.0", {
            "name": STR,
            "ordering": Obj("SNS ordering", {"type": _str_enum("standard", "FIFO"),
                                             "contentBasedDeduplication": BOOL},
                            ("type",), closed=False),
            "policy": _aws_policy(sns_identifier), "tags": OBJECT, "bindingVersion": STR,
        }, ("name",))}),
        "sqs": _Binding("SQS channel binding", {"0.2.0": Obj("SQS channel binding 0.2.0", {
            "queue": _sqs_queue("SQS queue", ("name", "fifoQueue"), {}),
            "deadLetterQueue": _sqs_queue("SQS queue", ("name", "fifoQueue"), {}),
            "bindingVersion": _str_enum("0.1.0", "0.2.0"),
        }, ("queue",))}),
        "stomp": ANY, "redis": ANY, "ibmmq": ibmmq_channel, "solace": ANY,
        "googlepubsub": _binding("Google Pub/Sub channel binding", ("0.2.0",), lambda v: {
            "labels": OBJECT, "messageRetentionDuration": STR,
            "messageStoragePolicy": Obj("message storage policy",
                                        {"allowedPersistenceRegions": Arr(STR)},
                                        extensions=None),
            "schemaSettings": Obj("schema settings", {
                "encoding": STR, "firstRevisionId": STR, "lastRevisionId": STR, "name": STR},
                ("encoding", "name"), closed=False),
        }, ("schemaSettings",)),
        "pulsar": _binding("Pulsar channel binding", ("0.1.0",), lambda v: {
            "namespace": STR, "persistence": _str_enum("persistent", "non-persistent"),
            "compaction": _int(0), "geo-replication": Arr(STR),
            "retention": Obj("Pulsar retention", {"time": _int(0), "size": _int(0)},
                             extensions=None),
            "ttl": INT, "deduplication": BOOL,
        }, ("namespace", "persistence")),
    }
    operation: dict[str, Shape] = {
        "http": _binding("HTTP operation binding", ("0.3.0", "0.2.0"), lambda v: {
            "method": _str_enum("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS",
                                "CONNECT", "TRACE"),
            "query": schema}),
        "ws": ANY,
        "amqp": _binding("AMQP operation binding", ("0.3.0",), lambda v: {
            "expiration": _int(0), "userId": STR, "cc": Arr(STR), "priority": INT,
            "deliveryMode": Scalar("integer", enum=(1, 2)), "mandatory": BOOL,
            "bcc": Arr(STR), "timestamp": BOOL, "ack": BOOL}),
        "amqp1": ANY,
        "mqtt": _binding("MQTT operation binding", ("0.2.0",), lambda v: {
            "qos": Scalar("integer", enum=(0, 1, 2)), "retain": BOOL,
            "messageExpiryInterval": _int_schema_or_reference(schema, 0, 4294967295)}),
        "kafka": _binding("Kafka operation binding", kafka_versions, lambda v: {
            "groupId": schema, "clientId": schema}),
        "anypointmq": ANY,
        "nats": _binding("NATS operation binding", ("0.1.0",), lambda v: {
            "queue": Scalar("string", max_length=255)}),
        "jms": ANY,
        "sns": _Binding("SNS operation binding", {"0.1.0": Obj("SNS operation binding 0.1.0", {
            "topic": sns_identifier, "consumers": Arr(sns_consumer, min_items=1),
            "deliveryPolicy": sns_delivery_policy, "bindingVersion": STR,
        }, ("consumers",))}),
        "sqs": _Binding("SQS operation binding", {"0.2.0": Obj("SQS operation binding 0.2.0", {
            "queues": Arr(_sqs_queue("SQS queue", ("name",), {"$ref": STR})),
            "bindingVersion": _str_enum("0.1.0", "0.2.0"),
        }, ("queues",))}),
        "stomp": ANY, "redis": ANY, "ibmmq": ANY,
        "solace": _binding("Solace operation binding", solace_versions, lambda v: {
            "destinations": Arr(_solace_destination(v)),
            **({"timeToLive": INT, "priority": _int(0, 255), "dmqEligible": BOOL}
               if v == "0.4.0" else {}),
        }, extensions=None),
        "googlepubsub": ANY,
    }
    message: dict[str, Shape] = {
        "http": _binding("HTTP message binding", ("0.3.0", "0.2.0"), lambda v: {
            "headers": schema, **({"statusCode": NUM} if v == "0.3.0" else {})}),
        "ws": ANY,
        "amqp": _binding("AMQP message binding", ("0.3.0",), lambda v: {
            "contentEncoding": STR, "messageType": STR}),
        "amqp1": ANY,
        "mqtt": _binding("MQTT message binding", ("0.2.0",), lambda v: {
            "payloadFormatIndicator": Scalar("integer", enum=(0, 1)),
            "correlationData": reference_or_schema, "contentType": STR,
            "responseTopic": Dispatch("responseTopic", lambda value, ptr, out: (
                Scalar("string", min_length=1) if isinstance(value, str)
                else _int_schema_or_reference(schema, 0, None))),
        }),
        "kafka": _binding("Kafka message binding", kafka_versions, kafka_message),
        "anypointmq": _binding("Anypoint MQ message binding", ("0.0.1",), lambda v: {
            "headers": reference_or_schema}),
        "nats": ANY,
        "jms": _binding("JMS message binding", ("0.0.1",), lambda v: {"headers": schema}),
        "sns": ANY, "sqs": ANY, "stomp": ANY, "redis": ANY, "ibmmq": ibmmq_message,
        "solace": ANY,
        "googlepubsub": _binding("Google Pub/Sub message binding", ("0.2.0",), lambda v: {
            "attributes": OBJECT, "orderingKey": STR,
            "schema": Obj("Pub/Sub schema", {"name": STR}, ("name",), closed=False)}),
    }
    if version != "3.0.0":
        server["ros2"] = _binding("ROS 2 server binding", ("0.1.0",), lambda v: {
            "domainId": _int(0, 231), "rmwImplementation": STR}, closed=False)
        operation["ros2"] = _binding("ROS 2 operation binding", ("0.1.0",), lambda v: {
            "node": STR, "role": _str_enum("publisher", "action_client", "service_client",
                                           "subscriber", "action_server", "service_server"),
            "qosPolicies": Obj("ROS 2 QoS policies", {
                "deadline": INT, "durability": _str_enum("transient_local", "volatile"),
                "history": _str_enum("keep_last", "keep_all", "unknown"),
                "leaseDuration": INT, "lifespan": INT,
                "liveliness": _str_enum("automatic", "manual"),
                "reliability": _str_enum("best_effort", "realiable"),
            }, closed=False),
        }, ("role", "node"))
    return {
        kind: Obj(f"{kind.capitalize()} Bindings Object", table)
        for kind, table in (("server", server), ("channel", channel), ("operation", operation),
                            ("message", message))
    }


# --------------------------------------------------------------------------------------------
# AsyncAPI 3.0.0 and 3.1.0
# --------------------------------------------------------------------------------------------


@cache
def _model_3(version: str) -> Shape:
    external_docs = Obj("External Documentation Object", {"description": STR, "url": STR},
                        ("url",))
    ref_or_docs = RefOr(external_docs)
    schema = _json_schema(ref_or_docs, DRAFT07_SCHEMA)
    bindings = _bindings_3(schema, version)
    tag = Obj("Tag Object", {"name": STR, "description": STR, "externalDocs": ref_or_docs},
              ("name",))
    tags = Arr(RefOr(tag), unique=True)
    security = Arr(RefOr(_security_scheme(v3=True)))
    asyncapi_versions = (*_ASYNCAPI_2_VERSIONS, "3.0.0", *(("3.1.0",) if version != "3.0.0"
                                                            else ()))
    payload_for = _payload_by_format(schema, _media_types("application/vnd.aai.asyncapi",
                                                          asyncapi_versions), True)

    def multi_format(value: dict[Any, Any], ptr: str, out: list[Violation]) -> Sequence[Task]:
        schema_format = value.get("schemaFormat", _MISSING)
        shape = payload_for(schema_format)
        return [(shape, value["schema"], _child(ptr, "schema"), out)] if shape is not ANY else ()

    multi_format_schema = Obj("Multi Format Schema Object", {"schemaFormat": STR, "schema": ANY},
                              closed=False, rule=multi_format)

    def choose_any_schema(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if isinstance(value, dict):
            return multi_format_schema if "schema" in value else schema
        out.append(Violation(ptr, "expected a Schema Object or a Multi Format Schema Object "
                                  f"(an object), got {_got(value)}"))
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
        "examples": Arr(_message_example(example_payload)),
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
                                  f"[trait, object] pair, got {_got(value)}"))
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
        **operation_fields, "action": _str_enum("send", "receive"), "channel": channel_ref,
        "messages": message_refs, "reply": RefOr(reply),
        "traits": Arr(RefOr(operation_trait)),
    }, ("action", "channel"))

    def components_map(shape: Shape, name: str) -> MapOf:
        return MapOf(shape, name, keys=_COMPONENT_KEY)

    components = Obj("Components Object", {
        "schemas": components_map(any_schema, "schemas"),
        "servers": components_map(RefOr(server), "servers"),
        "channels": components_map(RefOr(channel), "channels"),
        "serverVariables": components_map(RefOr(SERVER_VARIABLE), "serverVariables"),
        "operations": components_map(RefOr(operation), "operations"),
        "messages": components_map(RefOr(message), "messages"),
        "securitySchemes": components_map(RefOr(_security_scheme(v3=True)), "securitySchemes"),
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
        "asyncapi": _str_enum(version), "id": STR, "info": info,
        "servers": MapOf(RefOr(server), "Servers Object"), "defaultContentType": STR,
        "channels": MapOf(RefOr(channel), "Channels Object"),
        "operations": MapOf(RefOr(operation), "Operations Object"), "components": components,
    }, ("asyncapi", "info"))


class _TraitPair(Shape):
    """AsyncAPI 3.x also accepts a message trait as a ``[trait, parameters]`` array."""

    def __init__(self, trait: Shape) -> None:
        self.trait = trait

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if len(value) >= 2 and not isinstance(value[1], dict):
            out.append(Violation(_child(ptr, 1), "expected an object (the trait's parameters), "
                                                 f"got {_got(value[1])}"))
        return [(self.trait, value[0], _child(ptr, 0), out)] if value else ()


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def check_asyncapi(document: dict[str, Any]) -> list[Violation]:
    """Every structural problem of an AsyncAPI document, in document order (empty if valid).

    The ``asyncapi`` field picks the model; an unsupported version is one violation at
    ``/asyncapi`` naming the versions that are supported.
    """
    supported = ", ".join(SUPPORTED_VERSIONS)
    if not isinstance(document, dict):
        return [Violation("", f"expected an AsyncAPI document (an object at the top level), got "
                              f"{_got(document)}")]
    version = document.get("asyncapi", _MISSING)
    if version is _MISSING:
        return [Violation("/asyncapi", "missing required field 'asyncapi' (the AsyncAPI version; "
                                       f"supported: {supported})")]
    if not (isinstance(version, str) and version in SUPPORTED_VERSIONS):
        return [Violation("/asyncapi", f"unsupported AsyncAPI version {_show(version)}; "
                                       f"supported versions: {supported}")]
    model = _model_2_6() if version == "2.6.0" else _model_3(version)
    return _walk(model, document, "")
