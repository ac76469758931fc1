"""``given`` and ``field`` paths, as Spectral rulesets write them, over an indexed contract.

Spectral evaluates JSONPath with JSONPath-Plus/nimma semantics; this module translates that
dialect into ``python-jsonpath`` (RFC 9535 plus extensions) and evaluates it over a *view* of
the contract that follows ``$ref``s lazily through ``Index.resolve``, like Spectral's
resolved document, while every value keeps the file and JSON pointer it really lives at. A
finding inside a shared or external schema therefore points at that schema's own file and
line, and each shared schema is only descended once by ``..``.

Supported (what real rulesets use):

- ``$``, ``.name``, ``['name']``, ``["name"]``, ``[0]``, ``[-1]``, slices ``[0:2]``, ``*``,
  ``..`` (descendants), unions ``[get,post]`` / ``['get','post']`` (bare names are quoted, as
  JSONPath-Plus allows), ``.[*]`` (read as ``[*]``), dotted names with ``-`` or digits
  (``.x-logo``, ``.200``);
- a trailing ``~`` (JSONPath-Plus: the property *names* of the matches, as in
  ``$.paths[*]~``);
- filters ``[?(...)]`` written in Spectral's JavaScript style: ``@``, ``@.a.b``,
  ``@['a']``, ``@property`` (the current key), ``@root``/``$``, ``===`` ``!==`` ``==`` ``!=``
  ``<`` ``<=`` ``>`` ``>=``, ``!``, ``&&``, ``||``, parentheses, string/number/``true``/
  ``false``/``null`` literals, ``x.match(/re/flags)``, ``/re/.test(x)``,
  ``x.startsWith('s')``, ``x.endsWith('s')``, ``x.length``. A bare ``@.x`` is tested for
  JavaScript truthiness, as in JSONPath-Plus (``@.deprecated`` is false when the value is
  ``false``).

Refused with a message naming the construct: ``@parent``, ``@parentProperty``, ``@path``,
JSONPath-Plus type selectors (``@string()``), script expressions ``[(...)]``, the ``^``
parent operator, ``~`` other than at the end, arithmetic, ``typeof``, ``undefined`` and any
other JavaScript.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonpath import UNDEFINED as JP_UNDEFINED
from jsonpath import JSONPathEnvironment, JSONPathError, NodeList
from jsonpath.function_extensions import ExpressionType, FilterFunction
from jsonpath.match import JSONPathMatch
from jsonpath.path import JSONPath
from jsonpath.segments import JSONPathRecursiveDescentSegment

from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import Loc
from ledgerpact.governance.lint.spectral.values import UNDEFINED, is_array, js_truthy
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.jsregex import (
    JsRegex,
    compile_python,
    python_pattern,
)
from ledgerpact.registry.pointer import split as split_pointer
from ledgerpact.registry.refs import is_ref

Key = str | int


class PathSyntaxError(ValueError):
    """A path this module cannot (or will not) evaluate; the message says what and why."""


# -- translation -----------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_REGEX_LITERAL = re.compile(r"/((?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\\[])+)/([a-z]*)")
_AT = re.compile(r"@([A-Za-z_]\w*)?")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_SLICE = re.compile(r"-?\d*(?::-?\d*){1,2}")
_INDEX = re.compile(r"-?\d+")


def translate(expr: str) -> tuple[str, bool]:
    """Spectral's JSONPath as python-jsonpath syntax, and whether it ends in ``~`` (asks for
    property names rather than values)."""
    text = expr.strip()
    if not text.startswith("$"):
        raise PathSyntaxError(f"JSONPath {expr!r} must start with '$' (the document root)")
    out, keys, i, n = ["$"], False, 1, len(text)
    while i < n:
        char = text[i]
        if char == "~":
            if i != n - 1:
                raise PathSyntaxError("'~' (property names) is supported only at the end of "
                                      "a path, as in $.paths[*]~")
            keys, i = True, i + 1
        elif char == "^":
            raise PathSyntaxError("the JSONPath-Plus parent operator '^' is not supported")
        elif text.startswith("..", i):
            i += 2
            if i < n and text[i] == "[":
                out.append("..")
            elif i < n and text[i] == "*":
                out.append("..*")
                i += 1
            else:
                name, i = _read_name(text, i)
                if not name:
                    raise PathSyntaxError("'..' must be followed by a name, '*' or '[...]'")
                out.append(".." + _name_selector(name))
        elif char == ".":
            i += 1
            if i < n and text[i] == "[":
                continue  # JSONPath-Plus accepts "$.paths.[*]"
            if i < n and text[i] == "*":
                out.append("[*]")
                i += 1
                continue
            name, i = _read_name(text, i)
            if not name:
                raise PathSyntaxError(f"expected a property name after '.' at position {i}")
            out.append(_name_selector(name))
        elif char == "[":
            end = _closing(text, i, "[", "]")
            out.append(_bracket(text[i + 1:end]))
            i = end + 1
        elif char.isspace():
            i += 1
        else:
            raise PathSyntaxError(f"unexpected {char!r} at position {i + 1}")
    return "".join(out), keys


def _read_name(text: str, i: int) -> tuple[str, int]:
    start = i
    while i < len(text) and text[i] not in ".[~^" and not text[i].isspace():
        i += 1
    return text[start:i], i


def _name_selector(name: str) -> str:
    if _INDEX.fullmatch(name) and not name.startswith("-"):
        return f"[{name}]"  # "$.responses.200": a key on objects (an index on arrays)
    return f"[{_literal(name)}]"


def _literal(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    """Index of the bracket that closes the one at ``start`` (quotes and nesting aware)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                if char != closing:
                    break
                return i
        i += 1
    raise PathSyntaxError(f"unbalanced {opening!r} at position {start + 1}")


def _bracket(content: str) -> str:
    body = content.strip()
    if body.startswith("?"):
        inner = body[1:].strip()
        if inner.startswith("(") and _closing(inner, 0, "(", ")") == len(inner) - 1:
            inner = inner[1:-1]
        return f"[?({translate_filter(inner)})]"
    if body.startswith("("):
        raise PathSyntaxError(f"script expressions such as [{body}] are not supported")
    selectors = []
    for item in _split_top(body):
        item = item.strip()
        if not item:
            raise PathSyntaxError(f"empty selector in [{content}]")
        if item == "*":
            selectors.append("*")
        elif item[0] in "'\"":
            value, end = _js_string(item, 0)
            if end != len(item):
                raise PathSyntaxError(f"unexpected text after the string in [{content}]")
            selectors.append(_literal(value))
        elif _INDEX.fullmatch(item) or _SLICE.fullmatch(item):
            selectors.append(item)
        elif item[0] in "?(@$":
            raise PathSyntaxError(f"unsupported selector {item!r} in [{content}]")
        else:
            selectors.append(_literal(item))  # JSONPath-Plus: [get,post] are names
    return "[" + ", ".join(selectors) + "]"


def _split_top(body: str) -> list[str]:
    parts, depth, quote, current = [], 0, "", []
    i = 0
    while i < len(body):
        char = body[i]
        if quote:
            if char == "\\" and i + 1 < len(body):
                current.append(body[i:i + 2])
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _js_string(text: str, start: int) -> tuple[str, int]:
    """A JavaScript string literal starting at ``start``: its value and the index after it."""
    quote, i, out = text[start], start + 1, []
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if char == quote:
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise PathSyntaxError(f"unterminated string in {text!r}")


# -- filters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tok:
    kind: str  # str, num, regex, name, at, root, op
    text: str
    value: Any = None


_OPS = ("===", "!==", "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]",
        ".", ",")


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(text):
        char = text[i]
        prev = toks[-1] if toks else None
        operand_expected = prev is None or (prev.kind == "op" and prev.text not in (")", "]"))
        if char.isspace():
            i += 1
        elif char in "'\"":
            value, i = _js_string(text, i)
            toks.append(_Tok("str", value, value))
        elif char.isdigit() or (char == "-" and operand_expected and i + 1 < len(text)
                                and text[i + 1].isdigit()):
            match = _NUMBER.match(text, i)
            assert match is not None
            toks.append(_Tok("num", match.group()))
            i = match.end()
        elif char == "/" and operand_expected:
            match = _REGEX_LITERAL.match(text, i)
            if match is None:
                raise PathSyntaxError(f"unterminated regular expression in filter {text!r}")
            toks.append(_Tok("regex", match.group(), (match.group(1), match.group(2))))
            i = match.end()
        elif char == "@":
            match = _AT.match(text, i)
            assert match is not None
            toks.append(_Tok("at", match.group(), match.group(1) or ""))
            i = match.end()
        elif char == "$":
            toks.append(_Tok("root", "$"))
            i += 1
        elif char.isalpha() or char == "_":
            match = _IDENTIFIER.match(text, i)
            assert match is not None
            toks.append(_Tok("name", match.group()))
            i = match.end()
        else:
            op = next((o for o in _OPS if text.startswith(o, i)), None)
            if op is None:
                raise PathSyntaxError(f"unsupported {char!r} in filter {text!r} (arithmetic "
                                      "and other JavaScript are not supported)")
            toks.append(_Tok("op", op))
            i += len(op)
    return toks


def translate_filter(text: str) -> str:
    """A JSONPath-Plus filter body (JavaScript) as a python-jsonpath filter expression."""
    toks = _tokens(text)
    out: list[str] = []
    pos = 0
    while pos < len(toks):
        tok = toks[pos]
        if tok.kind in ("at", "root"):
            operand, pos = _operand(toks, pos, text)
            out.append(operand)
            continue
        if tok.kind == "regex":
            operand, pos = _regex_test(toks, pos, text)
            out.append(operand)
            continue
        if tok.kind == "str":
            out.append(_literal(tok.value))
        elif tok.kind == "num":
            out.append(tok.text)
        elif tok.kind == "name":
            if tok.text in ("true", "false", "null"):
                out.append(tok.text)
            else:
                raise PathSyntaxError(f"unsupported {tok.text!r} in filter {text!r} (only "
                                      "@, @property, @root, literals and comparisons)")
        elif tok.text in ("===", "!==", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!",
                          "(", ")"):
            out.append({"===": "==", "!==": "!="}.get(tok.text, tok.text))
        else:
            raise PathSyntaxError(f"unexpected {tok.text!r} in filter {text!r}")
        pos += 1
    if not out:
        raise PathSyntaxError("empty filter [?()]")
    return " ".join(out)


def _operand(toks: list[_Tok], pos: int, text: str) -> tuple[str, int]:
    tok = toks[pos]
    if tok.kind == "root":
        base = "$"
    elif tok.value == "":
        base = "@"
    elif tok.value == "property":
        base = "#"
    elif tok.value == "root":
        base = "$"
    elif tok.value in ("parent", "parentProperty", "path"):
        raise PathSyntaxError(f"@{tok.value} is not supported in filters (use @, @property "
                              "or a longer given path)")
    else:
        raise PathSyntaxError(f"@{tok.value} is not supported in filters")
    pos += 1
    while pos < len(toks):
        tok = toks[pos]
        if tok.kind == "op" and tok.text == "." and pos + 1 < len(toks) and \
                toks[pos + 1].kind == "name":
            name = toks[pos + 1].text
            pos += 2
            if pos < len(toks) and toks[pos].kind == "op" and toks[pos].text == "(":
                return _method(base, name, toks, pos, text)
            if name == "length":
                base = f"length({base})"
            elif base == "#":
                raise PathSyntaxError(f"@property.{name} is not supported in filters")
            else:
                base += f"[{_literal(name)}]"
        elif tok.kind == "op" and tok.text == "[" and base != "#":
            if pos + 2 >= len(toks) or toks[pos + 2].text != "]" or \
                    toks[pos + 1].kind not in ("str", "num"):
                raise PathSyntaxError(f"only ['name'] or [index] may follow @ in {text!r}")
            inner = toks[pos + 1]
            base += f"[{_literal(inner.value) if inner.kind == 'str' else inner.text}]"
            pos += 3
        else:
            break
    return base, pos


def _method(base: str, name: str, toks: list[_Tok], pos: int, text: str) -> tuple[str, int]:
    """``base.name(arg)`` where ``toks[pos]`` is the opening parenthesis."""
    if pos + 2 >= len(toks) or toks[pos + 2].text != ")":
        raise PathSyntaxError(f".{name}() takes one literal argument in {text!r}")
    arg = toks[pos + 1]
    end = pos + 3
    if name == "match" and arg.kind in ("regex", "str"):
        body, flags = arg.value if arg.kind == "regex" else (arg.value, "")
        return f"search({base}, {_literal(_checked_pattern(body, flags))})", end
    if name in ("startsWith", "endsWith") and arg.kind == "str":
        escaped = re.escape(arg.value)
        pattern = f"^{escaped}" if name == "startsWith" else rf"{escaped}\Z"
        return f"search({base}, {_literal(pattern)})", end
    raise PathSyntaxError(f".{name}() is not supported in filters (supported: .match(/re/), "
                          ".startsWith('s'), .endsWith('s'), .length, /re/.test(x))")


def _regex_test(toks: list[_Tok], pos: int, text: str) -> tuple[str, int]:
    body, flags = toks[pos].value
    if not (pos + 3 < len(toks) and toks[pos + 1].text == "." and toks[pos + 2].text == "test"
            and toks[pos + 3].text == "("):
        raise PathSyntaxError(f"a regular expression must be used as /re/.test(x) in {text!r}")
    operand, end = _operand(toks, pos + 4, text) if pos + 4 < len(toks) and \
        toks[pos + 4].kind in ("at", "root") else ("", pos + 4)
    if not operand or end >= len(toks) or toks[end].text != ")":
        raise PathSyntaxError(f"/re/.test() takes @, @property or @.name in {text!r}")
    return f"search({operand}, {_literal(_checked_pattern(body, flags))})", end + 1


def _checked_pattern(body: str, flags: str) -> str:
    """The filter's JavaScript regex as a translated pattern (checked now, so a bad one is
    refused when the ruleset loads, not when a document happens to reach the filter)."""
    try:
        pattern = python_pattern(body, flags)
        compile_python(pattern, f"/{body}/{flags}")
    except ValueError as exc:
        raise PathSyntaxError(f"invalid regular expression /{body}/{flags}: {exc}") from None
    _FILTER_SOURCES.setdefault(pattern, f"/{body}/{flags}")
    return pattern


# translated filter pattern -> the regex literal the ruleset wrote (named in errors)
_FILTER_SOURCES: dict[str, str] = {}


class _Search(FilterFunction):
    """``search(value, pattern)`` for translated JavaScript patterns (see ``jsregex``).

    Replaces python-jsonpath's own, which compiles the pattern as an RFC 9535 I-Regexp
    (rewriting ``.``) and evaluates it with no time limit. A filter that backtracks past the
    limit on a document's value stops that rule with ``RegexTimeout`` naming the pattern
    (the linter reports a crashed rule as a finding): refused, never hung on. ``full``
    makes it ``match`` (the whole value must match)."""

    arg_types = [ExpressionType.VALUE, ExpressionType.VALUE]  # noqa: RUF012 (the base API)
    return_type = ExpressionType.LOGICAL

    def __init__(self, *, full: bool = False) -> None:
        self.full = full
        self.cache: dict[str, JsRegex | None] = {}

    def __call__(self, value: object, pattern: object) -> bool:
        if not isinstance(value, str) or not isinstance(pattern, str):
            return False
        if pattern not in self.cache:
            try:
                flags, body = ("(?i)", pattern[4:]) if pattern.startswith("(?i)") else ("", pattern)
                wrapped = rf"{flags}\A(?:{body})\Z" if self.full else pattern
                source = _FILTER_SOURCES.get(pattern, pattern)
                written = source.rsplit("/", 1)[-1] if source.startswith("/") else ""
                self.cache[pattern] = compile_python(
                    wrapped, source, utf16="u" not in written and "v" not in written)
            except ValueError:
                self.cache[pattern] = None
        compiled = self.cache[pattern]
        if compiled is None:
            return False
        return compiled.search(value)  # RegexTimeout propagates: see the docstring


# -- evaluation ------------------------------------------------------------------------------

class _Environment(JSONPathEnvironment):
    """JSONPath-Plus filters are JavaScript: ``[?(@.x)]`` tests truthiness, not existence."""

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        self.function_extensions["search"] = _Search()
        self.function_extensions["match"] = _Search(full=True)

    def is_truthy(self, obj: object) -> bool:
        if isinstance(obj, NodeList):
            return len(obj) > 1 or (len(obj) == 1 and js_truthy(obj[0].obj))
        if obj is JP_UNDEFINED:
            return False
        return js_truthy(obj)


_ENV = _Environment()


class _Descendants(JSONPathRecursiveDescentSegment):
    """``..`` over the resolved view: iterative (no recursion limit), and each place in the
    source is descended once however many ``$ref``s lead to it (Spectral reports a shared
    schema's problem once too, at the schema's own location)."""

    def _visit(self, node: JSONPathMatch, depth: int = 1) -> Iterator[JSONPathMatch]:
        seen: set[Loc] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            obj = current.obj
            if isinstance(obj, ObjectView | ArrayView):
                if obj.loc in seen:
                    continue
                seen.add(obj.loc)
            yield current
            if isinstance(obj, Mapping):
                children = [current.new_child(v, k) for k, v in obj.items()
                            if isinstance(v, Mapping) or is_array(v)]
            elif is_array(obj):
                children = [current.new_child(v, i) for i, v in enumerate(obj)
                            if isinstance(v, Mapping) or is_array(v)]
            else:
                children = []
            stack.extend(reversed(children))


@dataclass(frozen=True)
class Node:
    """A value reached by a path, and where it is in the source files.

    ``loc`` is where the value is (after following ``$ref``s), or its nearest existing
    parent when the path asked for something absent: then ``value`` is ``UNDEFINED``,
    ``missing`` holds the absent steps and ``found`` the value at ``loc``. ``key`` is the
    last step that reached it (the property name or index), used in messages."""

    value: Any
    loc: Loc
    key: Key | None = None
    missing: tuple[Key, ...] = ()
    found: Any = field(default=UNDEFINED, compare=False)

    @property
    def shown(self) -> Any:
        """The value at ``loc``: what ``{{value}}`` prints in a message."""
        return self.value if self.found is UNDEFINED else self.found


class Query:
    """A compiled ``given`` (or ``$``-field) path."""

    def __init__(self, text: str) -> None:
        self.text = text
        translated, self.keys = translate(text)
        try:
            compiled = _ENV.compile(translated)
        except JSONPathError as exc:
            detail = str(exc).splitlines()[0]
            raise PathSyntaxError(f"invalid JSONPath {text!r}: {detail}") from None
        if not isinstance(compiled, JSONPath):
            raise PathSyntaxError(f"unsupported JSONPath {text!r}")
        compiled.segments = tuple(
            _Descendants(env=s.env, token=s.token, selectors=s.selectors)
            if isinstance(s, JSONPathRecursiveDescentSegment) else s
            for s in compiled.segments)
        self._path = compiled

    def nodes(self, start: Node) -> Iterator[Node]:
        """Every match below ``start`` (which plays ``$``), in document order."""
        if not isinstance(start.value, ObjectView | ArrayView):
            if self._path.segments == ():
                yield start
            return
        for match in self._path.finditer(start.value):
            node = self._node(match, start)
            if node is not None:
                yield node

    def _node(self, match: JSONPathMatch, start: Node) -> Node | None:
        parts = match.parts
        parent = match.parent.obj if match.parent is not None else None
        if self.keys:
            if not parts or not isinstance(parent, ObjectView | ArrayView):
                return None
            key = str(parts[-1]) if isinstance(parent, ObjectView) else parts[-1]
            return Node(key, parent.loc.child(key), key)
        obj = match.obj
        if isinstance(obj, ObjectView | ArrayView):
            return Node(obj, obj.loc, parts[-1] if parts else start.key)
        if isinstance(parent, ObjectView | ArrayView):
            key = str(parts[-1]) if isinstance(parent, ObjectView) else parts[-1]
            return Node(obj, parent.loc.child(key), key)
        return None


# -- the resolved view -----------------------------------------------------------------------

class _Resolver:
    def __init__(self, index: Index, follow_refs: bool) -> None:
        self.index = index
        self.follow_refs = follow_refs

    def wrap(self, value: Any, loc: Loc, trail: frozenset[Loc]) -> Any:
        if isinstance(value, dict):
            if self.follow_refs and is_ref(value):
                followed = self._follow(value, loc, trail)
                if followed is not None:
                    target, where = followed
                    trail = trail | {where}
                    if isinstance(target, dict):
                        return ObjectView(target, where, trail, self)
                    if isinstance(target, list):
                        return ArrayView(target, where, trail, self)
                    return target
            return ObjectView(value, loc, trail, self)
        if isinstance(value, list):
            return ArrayView(value, loc, trail, self)
        return value

    def _follow(self, ref: dict[str, Any], loc: Loc,
                trail: frozenset[Loc]) -> tuple[Any, Loc] | None:
        try:
            target, where = self.index.resolve(ref, loc)
        except InputError:
            return None  # left as the raw {"$ref": ...}, as Spectral leaves what it cannot
        inside = where.file == loc.file and (loc.pointer + "/").startswith(where.pointer + "/")
        if where in trail or inside:
            return None  # a recursive schema: stop here instead of unrolling forever
        return target, where


class ObjectView(Mapping[str, Any]):
    """A JSON object as the resolved document shows it; children carry their location."""

    __slots__ = ("_resolver", "_trail", "data", "loc")

    def __init__(self, data: dict[str, Any], loc: Loc, trail: frozenset[Loc],
                 resolver: _Resolver) -> None:
        self.data, self.loc, self._trail, self._resolver = data, loc, trail, resolver

    def __getitem__(self, key: str) -> Any:
        return self._resolver.wrap(self.data[key], self.loc.child(key), self._trail)

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __repr__(self) -> str:
        return f"ObjectView({self.loc.file}#{self.loc.pointer})"


class ArrayView(Sequence[Any]):
    __slots__ = ("_resolver", "_trail", "data", "loc")

    def __init__(self, data: list[Any], loc: Loc, trail: frozenset[Loc],
                 resolver: _Resolver) -> None:
        self.data, self.loc, self._trail, self._resolver = data, loc, trail, resolver

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.data)))]
        position = index if index >= 0 else index + len(self.data)
        return self._resolver.wrap(self.data[index], self.loc.child(position), self._trail)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"ArrayView({self.loc.file}#{self.loc.pointer})"


def document_node(index: Index, *, resolved: bool) -> Node:
    """The contract's root document, with ``$ref``s followed (``resolved``) or kept raw."""
    resolver = _Resolver(index, resolved)
    root = index.root_loc
    return Node(resolver.wrap(index.doc, root, frozenset({root})), root)


def descend(node: Node, steps: Sequence[Key]) -> Node:
    """Follow ``steps`` (object keys / array indexes) below ``node``; where a step does not
    exist, stop at the nearest existing value and record the rest as ``missing``."""
    value, loc, key = node.value, node.loc, node.key
    missing = list(node.missing)
    found = node.found if node.missing else node.value
    for step in steps:
        key = step
        if missing:
            missing.append(step)
            continue
        child = _child(value, step)
        if child is None:
            missing.append(step)
            found = value
            continue
        value = child[0]
        loc = child[1] if child[1] is not None else loc.child(child[2])
    if missing:
        return Node(UNDEFINED, loc, key, tuple(missing), found)
    return Node(value, loc, key)


def _child(value: Any, step: Key) -> tuple[Any, Loc | None, Key] | None:
    if isinstance(value, Mapping):
        name = str(step)
        if name not in value:
            return None
        child = value[name]
        return child, getattr(child, "loc", None), name
    if is_array(value):
        text = str(step)
        if not _INDEX.fullmatch(text) or text.startswith("-") or int(text) >= len(value):
            return None
        child = value[int(text)]
        return child, getattr(child, "loc", None), int(text)
    return None


_LODASH_STEP = re.compile(
    r"""\[(?:(-?\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]|([^.\[\]]+)""")


def field_steps(path: str) -> tuple[str, ...]:
    """lodash's ``toPath``: ``a.b[0]['c.d']`` is ``("a", "b", "0", "c.d")``."""
    steps = []
    pos = 0
    while pos < len(path):
        if path[pos] == ".":
            pos += 1
            continue
        match = _LODASH_STEP.match(path, pos)
        if match is None:
            raise PathSyntaxError(f"cannot read field path {path!r} at position {pos + 1}")
        index, single, double, bare = match.groups()
        text = index if index is not None else single if single is not None else \
            double if double is not None else bare
        steps.append(re.sub(r"\\(.)", r"\1", text) if bare is None and index is None else text)
        pos = match.end()
    return tuple(steps)


def materialize(value: Any) -> Any:
    """Plain JSON data for a view (``$ref``s inlined; recursion kept as ``$ref``), for
    functions such as ``schema`` that hand the value to another library. A place reached
    twice becomes the same Python object, so shared schemas are not copied."""
    memo: dict[Loc, Any] = {}

    def convert(item: Any) -> Any:
        if isinstance(item, ObjectView):
            if item.loc in memo:
                return memo[item.loc]
            obj: dict[str, Any] = {}
            memo[item.loc] = obj
            for key in item:
                obj[key] = convert(item[key])
            return obj
        if isinstance(item, ArrayView):
            if item.loc in memo:
                return memo[item.loc]
            arr: list[Any] = []
            memo[item.loc] = arr
            arr.extend(convert(item[i]) for i in range(len(item)))
            return arr
        return item

    try:
        return convert(value)
    except RecursionError:
        where = value.loc if isinstance(value, ObjectView | ArrayView) else None
        raise InputError("value nested too deeply (through $refs) to validate",
                         file=where.file if where else None,
                         pointer=where.pointer if where else None) from None


def pointer_steps(loc: Loc) -> list[str]:
    return split_pointer(loc.pointer)
