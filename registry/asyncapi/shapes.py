"""The checking engine: declarative shapes for JSON values, and a walker that applies them.

Why an engine of its own: the structural check must reach exactly the official AsyncAPI
schemas' verdict, point at the broken place, and stay linear in the size of the document at
any depth. A shape reports a node's own problems and returns the checks still to run on its
children; ``walk`` runs them from an explicit stack (no recursion). Unions that need trial
evaluation (``oneOf``) collect each alternative's problems apart and decide once all have run.
Values are judged as JSON Schema judges them: ``true`` is not ``1``, ``1.0`` is an integer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.asyncapi_structure import Violation

# Which keys the specification treats as extensions (``x-...``): allowed almost everywhere.
EXTENSION = re.compile(r"^x-[\w\d\.\x2d_]+$")

MISSING = object()  # a field that is absent (None is a value)


def is_type(value: Any, json_type: str) -> bool:
    """JSON Schema's idea of a type: booleans are not numbers, and 2.0 is an integer."""
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


def kind_of(value: Any) -> str:
    """The JSON type name of a parsed value, for messages (YAML may also yield timestamps)."""
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


def show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def got(value: Any) -> str:
    kind = kind_of(value)
    if isinstance(value, dict | list) or value is None:
        return kind
    return f"{kind} {show(value)}"


def canon(value: Any) -> Any:
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
        return ("l", tuple(canon(item) for item in value))
    if isinstance(value, dict):
        return ("d", frozenset((str(k), canon(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return ("r", repr(value))
    return ("o", value)


def child(ptr: str, key: Any) -> str:
    return f"{ptr}/{jp.escape(str(key))}"


def one_of(values: Sequence[Any]) -> str:
    shown = [show(v) for v in values]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


Task = tuple["Shape", Any, str, list[Violation]]


class Shape:
    """A rule for one kind of node.

    ``visit`` reports the node's own problems into ``out`` and returns the checks still to run
    on its children; the walker runs them from an explicit stack, so documents of any depth
    are checked in time linear in their size.
    """

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        raise NotImplementedError


def walk(shape: Shape, value: Any, ptr: str) -> list[Violation]:
    out: list[Violation] = []
    stack: list[Task] = [(shape, value, ptr, out)]
    while stack:
        rule, node, where, sink = stack.pop()
        tasks = rule.visit(node, where, sink)
        if tasks:
            stack.extend(reversed(tasks))  # children in document order
    return out


class Then(Shape):
    """Runs ``action`` after the checks returned alongside it, and everything they spawn.

    A shape returns ``[..., (Then(decide), ...)]``; the walker pushes tasks in reverse, so
    ``Then`` sits below its siblings on the stack and runs once they are all done: that is how
    a union learns which of its alternatives held before it reports anything.
    """

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
        self.enum_keys = frozenset(canon(v) for v in enum) if enum is not None else None
        self.pattern = pattern
        self.minimum = minimum
        self.maximum = maximum
        self.exclusive_minimum = exclusive_minimum
        self.min_length = min_length
        self.max_length = max_length
        self.hint = hint
        names = [article(t) if t != "null" else "null" for t in types]
        self.expected = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1
                                    else names)

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if self.types and not any(is_type(value, t) for t in self.types):
            out.append(Violation(ptr, f"expected {self.expected}, got {got(value)}"))
            return ()
        if self.enum_keys is not None and canon(value) not in self.enum_keys:
            assert self.enum is not None
            out.append(Violation(ptr, f"{show(value)} is not allowed here; expected "
                                      f"{one_of(self.enum)}"))
            return ()
        if isinstance(value, str):
            self._check_string(value, ptr, out)
        elif is_type(value, "number"):
            self._check_number(value, ptr, out)
        return ()

    def _check_string(self, value: str, ptr: str, out: list[Violation]) -> None:
        if self.pattern is not None and not self.pattern.search(value):
            hint = f" ({self.hint})" if self.hint else ""
            out.append(Violation(ptr, f"{show(value)} does not match the pattern "
                                      f"{self.pattern.pattern}{hint}"))
        if self.min_length is not None and len(value) < self.min_length:
            out.append(Violation(ptr, f"{show(value)} is {len(value)} characters long; expected "
                                      f"at least {self.min_length}"))
        if self.max_length is not None and len(value) > self.max_length:
            out.append(Violation(ptr, f"{show(value)} is {len(value)} characters long; expected "
                                      f"at most {self.max_length}"))

    def _check_number(self, value: float, ptr: str, out: list[Violation]) -> None:
        if self.minimum is not None and value < self.minimum:
            out.append(Violation(ptr, f"{show(value)} is too small; expected at least "
                                      f"{show(self.minimum)}"))
        if self.maximum is not None and value > self.maximum:
            out.append(Violation(ptr, f"{show(value)} is too large; expected at most "
                                      f"{show(self.maximum)}"))
        if self.exclusive_minimum is not None and value <= self.exclusive_minimum:
            out.append(Violation(ptr, f"{show(value)} is too small; expected more than "
                                      f"{show(self.exclusive_minimum)}"))


STR = Scalar("string")
BOOL = Scalar("boolean")
INT = Scalar("integer")
NUM = Scalar("number")
NON_NEGATIVE_INT = Scalar("integer", minimum=0)


def const(value: Any) -> Scalar:
    return Scalar(enum=[value])


def integer(minimum: float | None = None, maximum: float | None = None) -> Scalar:
    return Scalar("integer", minimum=minimum, maximum=maximum)


def str_enum(*values: str) -> Scalar:
    return Scalar("string", enum=values)


class Arr(Shape):
    """An array, optionally non-empty or with unique items (by JSON equality)."""

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
            out.append(Violation(ptr, f"expected {self.what}, got {got(value)}"))
            return ()
        if len(value) < self.min_items:
            out.append(Violation(ptr, f"expected at least {self.min_items} item(s), got "
                                      f"{len(value)}"))
        if self.unique:
            seen: dict[Any, int] = {}
            for index, item in enumerate(value):
                key = canon(item)
                if key in seen:
                    out.append(Violation(child(ptr, index), f"duplicate of item {seen[key]}; "
                                                            "the items must be unique"))
                else:
                    seen[key] = index
        if self.items is ANY:
            return ()
        return [(self.items, item, child(ptr, index), out) for index, item in enumerate(value)]


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
        extensions: re.Pattern[str] | None = EXTENSION,
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
                out.append(Violation(ptr, f"expected {self.expected}, got {got(value)}"))
            return ()
        for name in self.required:
            if name not in value:
                out.append(Violation(child(ptr, name),
                                     f"missing required field '{name}' ({self.name})"))
        for name in self.forbidden:
            if name in value:
                out.append(Violation(child(ptr, name), f"'{name}' is not allowed in {self.name}"))
        tasks: list[Task] = []
        for key, item in value.items():
            shape = self.fields.get(key) if isinstance(key, str) else None
            if shape is not None:
                if shape is not ANY:
                    tasks.append((shape, item, child(ptr, key), out))
                continue
            if (self.extensions is not None and isinstance(key, str)
                    and self.extensions.search(key)):
                continue
            if self.extra is not None:
                tasks.append((self.extra, item, child(ptr, key), out))
            elif self.closed:
                out.append(Violation(child(ptr, key), self._unknown(key)))
        if self.rule is not None:
            tasks.extend(self.rule(value, ptr, out))
        return tasks

    def _unknown(self, key: Any) -> str:
        allowed = ", ".join(self.fields) or "no fixed fields"
        if self.extensions is EXTENSION:
            allowed += r"; extensions must match ^x-[\w\d.\-_]+$"
        elif self.extensions is not None:
            allowed += "; extensions must start with 'x-'"
        return f"unknown field {show(key)} in {self.name} (allowed: {allowed})"


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
            out.append(Violation(ptr, f"expected an object ({self.name}), got {got(value)}"))
            return ()
        tasks: list[Task] = []
        for key, item in value.items():
            if self.nonempty_string_keys and not (isinstance(key, str) and key):
                out.append(Violation(child(ptr, key), f"names in {self.name} must be non-empty "
                                                      f"strings, got {got(key)}"))
            if self.keys is not None and not (isinstance(key, str) and self.keys.search(key)):
                continue  # the official schemas leave such entries unchecked
            if self.values is not ANY:
                tasks.append((self.values, item, child(ptr, key), out))
        return tasks


class Ref(Shape):
    """A Reference Object and nothing else (an operation's channel, a channel's servers...)."""

    def __init__(self, what: str = "a Reference Object") -> None:
        self.what = what

    def visit(self, value: Any, ptr: str, out: list[Violation]) -> Sequence[Task]:
        if isinstance(value, dict) and "$ref" in value:
            if not isinstance(value["$ref"], str):
                out.append(Violation(child(ptr, "$ref"), "'$ref' must be a string (a URI "
                                                         f"reference), got {got(value['$ref'])}"))
        elif isinstance(value, dict):
            out.append(Violation(ptr, f"expected {self.what} (an object with '$ref'), got an "
                                      "inline object without '$ref'"))
        else:
            out.append(Violation(ptr, f"expected {self.what} (an object with '$ref'), got "
                                      f"{got(value)}"))
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
                    f"{article(what)}, but only one of the two is allowed here (oneOf)"
                    + (f"; {self.hint}" if self.hint else "")
                )))
            elif not is_reference and as_inner:
                out.append(Violation(child(ptr, "$ref"), "'$ref' must be a string (a URI "
                                                         f"reference), got {got(value['$ref'])}"))

        return [(self.inner, value, ptr, as_inner), (Then(decide), None, ptr, out)]


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
        tasks.append((Then(decide), None, ptr, out))
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
        tasks.append((Then(decide), None, ptr, out))
        return tasks


class All(Shape):
    """Every one of several shapes (the official schemas' ``allOf``)."""

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
