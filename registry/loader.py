"""Parse one contract file, safely, once.

Everything in Ledgerpact reads documents through here, so the guards live here too: a size
limit, YAML alias bombs (a small file that expands to billions of nodes), recursive anchors,
and nesting deep enough to exhaust the stack. Line numbers are worked out lazily, only when an
error or a finding needs one, because composing YAML nodes with marks costs several times a
plain parse.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from gc import get_referents
from itertools import compress
from pathlib import Path
from typing import Any

import yaml

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.positions import json_offsets, line_columns

try:  # the C loader is what makes multi-megabyte YAML affordable
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 256
# YAML aliases may make a document bigger than what is written, but only so much: real specs
# reuse a few anchors, an alias bomb multiplies a few hundred bytes into gigabytes. Sizes are
# in "nodes", where a string also weighs one node per _CHARS_PER_NODE characters.
MIN_EXPANSION_BUDGET = 1_000_000
EXPANSION_RATIO = 20
_CHARS_PER_NODE = 64
_SATURATED = 1 << 62  # sizes stop growing here, so a bomb's size stays a small integer

_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG + "merge"


class _JsonCompatibleLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """YAML as JSON sees it, so a YAML contract and its JSON twin load to the same data.

    Scalars resolve by the YAML 1.2 core schema (``NO`` is the country code, ``0123`` is 123,
    ``12:30:00`` is a time of day as text), not YAML 1.1's; dates stay strings (an example's
    ``2026-01-31`` means that text, not a ``datetime.date``); mapping keys are the key text
    as written (``200:`` is the status "200"); a key given twice is an error, not a silent
    overwrite; numbers JSON cannot hold (``.inf``, ``.nan``, ``1e999``) are refused. The one
    YAML 1.1 feature kept is the merge key ``<<``, which real specs use and which has no
    other sensible reading; what merges add is bounded like alias expansion.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.merge_limit = max(MIN_EXPANSION_BUDGET, 2 * len(stream))
        self.merge_budget = self.merge_limit
        self._inherited: dict[int, dict[str, yaml.Node]] = {}

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, found {node.id}", node.start_mark)
        explicit: dict[str, Any] = {}
        merges = False
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges = True
                continue
            key = _key_of(key_node)
            if key in explicit:
                _refuse_duplicate(node, key_node, key)
            explicit[key] = self.construct_object(value_node, deep=deep)
        if not merges:
            return explicit
        merged = {key: self.construct_object(value, deep=deep)
                  for key, value in self._pairs_of(node).items() if key not in explicit}
        return merged | explicit

    def _merged_pairs(self, node: yaml.Node, merges: list[yaml.Node]) -> dict[str, yaml.Node]:
        """What ``<<`` brings into ``node``: earlier sources win, as YAML 1.1 specifies.

        Each source's own merges are flattened once and remembered, so a chain of merges
        costs its size, not an exponential; the total is charged to the merge budget."""
        found: dict[str, yaml.Node] = {}
        for source in merges:
            parts = source.value if isinstance(source, yaml.SequenceNode) else [source]
            for part in parts:
                if not isinstance(part, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        "while merging into a mapping", node.start_mark,
                        f"'<<' expects a mapping or a list of mappings, found {part.id}",
                        part.start_mark)
                for key, value in self._pairs_of(part).items():
                    found.setdefault(key, value)
        self.merge_budget -= len(found)
        if self.merge_budget < 0:
            raise yaml.constructor.ConstructorError(
                None, None, f"merge keys ('<<') expand this document past "
                f"{self.merge_limit:,} entries (an alias bomb?); refusing to expand it",
                node.start_mark)
        return found

    def _pairs_of(self, node: yaml.MappingNode) -> dict[str, yaml.Node]:
        known = self._inherited.get(id(node))
        if known is not None:
            return known
        self._inherited[id(node)] = {}  # a mapping that merges itself adds nothing more
        merges = [value for key, value in node.value if key.tag == _MERGE_TAG]
        pairs = dict(self._merged_pairs(node, merges)) if merges else {}
        pairs.update((_key_of(key), value) for key, value in node.value
                     if key.tag != _MERGE_TAG)
        self._inherited[id(node)] = pairs
        return pairs

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = self.construct_scalar(node)
        body = text.lstrip("+-")
        try:
            if body[:2] in ("0o", "0x") and body == text:
                return int(body[2:], 8 if body[1] == "o" else 16)
            return int(text, 10)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"{_short(text)} cannot be read as an integer",
                node.start_mark) from None

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        text = self.construct_scalar(node)
        try:
            value = math.inf if text.lower().lstrip("+-") in (".inf", ".nan") else float(text)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"{_short(text)} cannot be read as a number",
                node.start_mark) from None
        if not math.isfinite(value):
            raise yaml.constructor.ConstructorError(
                None, None, f"{_short(text)} is not a finite number and JSON cannot hold it "
                "(quote it if it is meant as text)", node.start_mark)
        return value

    def construct_as_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_not_json(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag {node.tag.replace(_TAG, '!!')} has no JSON equivalent "
            "(contracts are read as JSON would read them)", node.start_mark)


def _key_of(key_node: yaml.Node) -> str:
    """A mapping key as JSON would have it: the text written (``0x1F``, ``1.10`` and ``~``
    stay as written instead of becoming 31, 1.1 and null)."""
    if isinstance(key_node, yaml.ScalarNode):
        return str(key_node.value)
    raise yaml.constructor.ConstructorError(
        None, None, f"a mapping key must be a scalar (JSON object keys are strings), found "
        f"a {key_node.id}", key_node.start_mark)


def _refuse_duplicate(node: yaml.MappingNode, again: yaml.Node, key: str) -> None:
    first = next(k for k, _ in node.value if k.tag != _MERGE_TAG and _key_of(k) == key)
    raise yaml.constructor.ConstructorError(
        None, None, f"duplicate key {_short(key)} (first given on line "
        f"{first.start_mark.line + 1}); a later value would silently replace the first",
        again.start_mark)


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


CORE_SCHEMA = [  # YAML 1.2 core schema, section 10.3.2; order matters (int before float)
    (_TAG + "null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    (_TAG + "bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_TAG + "int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (_TAG + "float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    (_MERGE_TAG, r"^<<$", "<"),
]
_JsonCompatibleLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in CORE_SCHEMA:
    for _char in [*_first, ""] if _tag.endswith("null") else _first:
        _JsonCompatibleLoader.yaml_implicit_resolvers.setdefault(_char, []).append(
            (_tag, re.compile(_pattern)))
_JsonCompatibleLoader.add_constructor(_TAG + "int", _JsonCompatibleLoader.construct_yaml_int)
_JsonCompatibleLoader.add_constructor(_TAG + "float",
                                      _JsonCompatibleLoader.construct_yaml_float)
_JsonCompatibleLoader.add_constructor(_TAG + "timestamp", _JsonCompatibleLoader.construct_as_text)
for _tag in ("binary", "set", "omap", "pairs"):
    _JsonCompatibleLoader.add_constructor(_TAG + _tag, _JsonCompatibleLoader.construct_not_json)

# Only a document with both an anchor and an alias can share nodes (libyaml's anchor names
# are narrower; these patterns err on the side of finding one). The indicator comes first
# and the look-behind after it so the scan runs at C speed (0.3 ms, not 30, on 1 MB).
_ANCHOR = re.compile(r"&(?<![^\s\[{,:?-]&)[^\s\[\]{},]")
_ALIAS = re.compile(r"\*(?<![^\s\[{,:?-]\*)[^\s\[\]{},]")


@dataclass
class Document:
    """A parsed file: its data plus what is needed to point at lines inside it."""

    path: str
    data: Any
    text: str
    _positions: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    def position(self, pointer: str) -> tuple[int, int] | None:
        """1-based (line, column) of the value at ``pointer``, or of its nearest existing
        parent; for an object member, where its key starts."""
        if self._positions is None:
            self._positions = _position_index(self.text)
        parts = jp.split(pointer) if pointer else []
        while True:
            key = jp.join(parts)
            if key in self._positions:
                return self._positions[key]
            if not parts:
                return None
            parts = parts[:-1]

    def line_of(self, pointer: str) -> int | None:
        found = self.position(pointer)
        return found[0] if found else None

    def source_text(self, pointer: str) -> str | None:
        """The scalar at ``pointer`` exactly as written, or None when it is not a scalar.

        For messages that must quote the author: YAML reads ``version: 1.10`` as the number
        1.1, and "quote it: '1.10'" is only helpful with the digits they typed."""
        try:
            node = yaml.compose(self.text, Loader=_SafeLoader)  # text already parsed: safe
        except (yaml.YAMLError, RecursionError):
            return None
        for token in jp.split(pointer) if pointer else []:
            if isinstance(node, yaml.MappingNode):
                node = next((value for key, value in node.value
                             if isinstance(key, yaml.ScalarNode) and key.value == token), None)
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() \
                    and int(token) < len(node.value):
                node = node.value[int(token)]
            else:
                return None
        return str(node.value) if isinstance(node, yaml.ScalarNode) else None

    def positions(self, pointers: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Positions of many pointers at once (each falls back to its nearest parent).

        JSON is scanned along the wanted paths only, which on a multi-megabyte spec is a
        hundred times cheaper than composing every node with its marks."""
        wanted = list(dict.fromkeys(pointers))
        if self._positions is not None or not is_json_path(self.path):
            return {p: self.position(p) or (1, 1) for p in wanted}
        chains: dict[str, list[str]] = {}  # pointer -> itself and its parents, deepest last
        for pointer in wanted:
            if pointer.startswith("/") and ("~" not in pointer
                                             or not _BAD_ESCAPE.search(pointer)):
                # Well escaped (as every pointer the tools make is): the parents are the
                # prefixes before each "/", with no token unescaped and escaped again.
                chain = [""]
                cut = pointer.find("/", 1)
                while cut != -1:
                    chain.append(pointer[:cut])
                    cut = pointer.find("/", cut + 1)
                chain.append(pointer)
                chains[pointer] = chain
                continue
            chain = [""]
            for token in jp.split(pointer) if pointer else []:
                chain.append(chain[-1] + "/" + jp.escape(token))
            chains[pointer] = chain
        try:
            offsets = json_offsets(self.text, {p for chain in chains.values() for p in chain})
            # Each pointer's own offset or its nearest parent's; lines and columns are then
            # counted for those only, not for every parent on the way.
            nearest = {pointer: next((offsets[p] for p in reversed(chain) if p in offsets),
                                     None) for pointer, chain in chains.items()}
            found = line_columns(self.text, {pointer: offset for pointer, offset
                                             in nearest.items() if offset is not None})
        except (ValueError, IndexError, StopIteration):
            return {p: self.position(p) or (1, 1) for p in wanted}
        return {pointer: found.get(pointer, (1, 1)) for pointer in chains}


_BAD_ESCAPE = re.compile(r"~(?![01])")  # a "~" that RFC 6901 does not allow


def is_json_path(path: str) -> bool:
    return path.lower().endswith(".json")


def parse(text: str, path: str) -> Any:
    """Parse JSON or YAML (by the file's extension) and bound what the result may cost."""
    if len(text) > MAX_BYTES:
        raise InputError(
            f"file is {len(text):,} bytes, over the {MAX_BYTES:,}-byte limit", file=path
        )
    if not text or text.isspace():  # (not text.strip(): that copies the whole text)
        raise InputError("empty document: the file has no content", file=path, line=1)
    json_file = is_json_path(path)
    data = _parse_json(text, path) if json_file else _parse_yaml(text, path)
    if data is None:
        raise InputError("empty document: there is no content, only comments or null",
                         file=path, line=1)
    try:
        check_shape(data, path, shared_nodes_possible=not json_file and bool(
            _ANCHOR.search(text)) and bool(_ALIAS.search(text)))
    except InputError as exc:
        if exc.pointer is not None and exc.line is None:  # rare: errors only
            # JSON composed as YAML for its positions could be too deep for libyaml's stack.
            exc.line = (_nesting_line(text) if json_file
                        else Document(path, data, text).line_of(exc.pointer))
        raise
    return data


class _NotFinite(ValueError):
    """A JSON number that Python would turn into inf or NaN."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _refuse_constant(text: str) -> float:
    raise _NotFinite(text)


def _parse_json(text: str, path: str) -> Any:
    # Duplicate keys are not checked in JSON: an object_pairs_hook makes a 4 MB spec parse
    # about 40 % slower, for a mistake that JSON tooling and editors already flag.
    try:
        return json.loads(text, parse_float=_finite_float, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                         file=path, line=exc.lineno) from None
    except _NotFinite as exc:
        raise InputError(f"the number {_short(str(exc))} is not finite (JSON has no NaN or "
                         "Infinity, and a bundle would turn it into null)", file=path,
                         line=_not_finite_line(text)) from None
    except RecursionError:
        raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                         file=path, line=_nesting_line(text)) from None
    except ValueError as exc:  # Python refuses integers of more than 4,300 digits
        what = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise InputError(f"invalid JSON: {what}", file=path) from None


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"'  # a string, skipped whole
                         r'|(-?Infinity|NaN|-?[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+'
                         r'|-?[0-9]{300,}\.[0-9]+)')


def _not_finite_line(text: str) -> int | None:
    """Line of the first NaN, Infinity or overflowing number outside strings (errors only)."""
    for match in _JSON_TOKEN.finditer(text):
        token = match.group(1)
        if token and not math.isfinite(float(token)):
            return text.count("\n", 0, match.start()) + 1
    return None


def _parse_yaml(text: str, path: str) -> Any:
    try:
        if _may_nest_deeper(text, _composable_depth()):
            # Possibly too deep for libyaml's composer, which recurses in C and would crash
            # the interpreter: measure exactly, without recursion, before composing.
            line = _first_line_deeper_than(text, MAX_DEPTH + 1)
            if line is not None:
                raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                                 file=path, line=line)
        loader = _JsonCompatibleLoader(text)
        try:
            node = loader.get_single_node()
            return None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        line = mark.line + 1 if mark else None
        if "maximum nesting depth" in problem:
            # libyaml 0.2.5+ (PyYAML 6.0.3+) refuses ~1,000 levels itself, and its scanner
            # can get there before our event walk reaches our own limit: same refusal.
            raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                             file=path, line=line) from None
        raise InputError(f"invalid YAML: {problem}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=path) from None
    except RecursionError:
        raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                         file=path, line=_nesting_line(text)) from None


_LINE_BREAK = re.compile(r"\r\n?|[\x85\u2028\u2029]")


def _may_nest_deeper(text: str, limit: int) -> bool:
    """False when YAML ``text`` surely nests at most ``limit`` deep, by a cheap upper bound
    (C-speed string scans only; a few ms for 1 MB).

    Flow collections nest at most once per ``[`` or ``{``. Block collections nest at most
    twice per column (a sequence may sit at its parent key's indentation; anything else is
    indented further) and each starts where a line's indentation and compact indicators
    (``- ``, ``? ``, ``: ``, ``--- ``) end; an anchor or a tag can push only a line's last,
    childless collection further right, hence one level more. So with F brackets and no
    line starting with more than C of those characters, the depth is at most
    F + 2 (C + 1) + 1.
    """
    flow = text.count("[") + text.count("{")
    columns = (limit - flow - 3) // 2  # the C that keeps the bound at or under the limit
    if columns < 0:
        return True
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        text = _LINE_BREAK.sub("\n", text)  # libyaml breaks lines at these too
    prefix = f"[ \\t\\ufeff?:-]{{{columns + 1}}}"
    return bool(re.match(prefix, text) or re.search("\n" + prefix, text))


def _composable_depth() -> int:
    """How many levels libyaml's recursive composer may safely go on this thread's stack.

    It uses about 400 bytes of C stack a level (measured); allow 1 KiB, after keeping
    256 KiB for the caller. The main thread's stack is the process limit (8 MiB on most
    systems); other threads get what ``threading.stack_size`` says, else 512 KiB (macOS).
    """
    stack = threading.stack_size() or 512 * 1024
    if threading.current_thread() is threading.main_thread():
        try:
            import resource
        except ImportError:  # pragma: no cover - Windows: python.exe reserves 1+ MiB
            stack = 1024 * 1024
        else:
            soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
            stack = 8 * 1024 * 1024 if soft == resource.RLIM_INFINITY or soft <= 0 else soft
    return max(0, stack - 256 * 1024) // 1024


def _first_line_deeper_than(text: str, limit: int) -> int | None:
    """1-based line where collections first nest more than ``limit`` deep, else None.

    Walks libyaml's parse events, which come from a state machine, not recursion; raises
    ``yaml.YAMLError`` for text that is not YAML (up to that point)."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                return int(event.start_mark.line) + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def check_shape(data: Any, path: str, *, shared_nodes_possible: bool) -> None:
    """Refuse documents too deep to walk, or whose YAML aliases expand past any real spec.

    One iterative walk. Errors carry the JSON pointer of the offending node. When the file
    may share nodes (YAML anchors and aliases), see ``_check_shared``.
    """
    if shared_nodes_possible:
        _check_shared(data, path)
        return
    if _depth_at_most(data, MAX_DEPTH):
        return  # the usual case: no pointer to build, so no per-node string work
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        node, depth, ptr = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                             file=path, pointer=ptr)
        if isinstance(node, dict):
            stack.extend((v, depth + 1, f"{ptr}/{jp.escape(k)}") for k, v in node.items()
                         if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1, f"{ptr}/{i}") for i, v in enumerate(node)
                         if isinstance(v, dict | list))


def _depth_at_most(data: Any, limit: int) -> bool:
    """Whether no container of ``data`` is nested deeper than ``limit``.

    Level by level, with the values of a level gathered and filtered by C-level calls (no
    Python code runs per value, and most values are strings): many times cheaper than the
    walk that builds a JSON pointer for every node, which is kept for the rare document
    that fails. ``gc.get_referents`` hands over every item of every list and every value
    of every dict of a whole level in one call (with, for some dicts, their keys: strings,
    filtered out with the other scalars), half the cost of chaining each container's
    values on Stripe's spec. Parsed JSON and YAML hold plain ``dict`` and ``list`` objects,
    hence the exact type tests."""
    level = [data] if type(data) is dict or type(data) is list else []
    depth = 0
    while level:
        if depth > limit:
            return False
        values = get_referents(*level)
        level = list(compress(values, map(_CONTAINER_TYPES.__contains__, map(type, values))))
        depth += 1
    return True


_CONTAINER_TYPES = frozenset((dict, list))


def _check_shared(data: Any, path: str) -> None:
    """Measure, without expanding, what aliases make of a document.

    Post-order over each distinct node once, remembering its expanded size and height, so
    an alias bomb is measured in the time it takes to read it, a recursive anchor is found,
    and a shared node reused deep down counts at that depth. The expanded size may be at
    most ``EXPANSION_RATIO`` times the size of the distinct nodes (what was written), or
    ``MIN_EXPANSION_BUDGET`` nodes when that is more.
    """
    if not isinstance(data, dict | list):
        return
    measured: dict[int, tuple[int, int]] = {}  # id -> (expanded size, height)
    distinct = 0
    on_path: set[int] = set()
    work: list[tuple[Any, int, str, bool]] = [(data, 0, "", False)]  # node, depth, ptr, done
    while work:
        node, depth, ptr, done = work.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            chars = sum(map(len, node)) if isinstance(node, dict) else 0
            below = height = 0
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, dict | list):
                    size, tall = measured[id(child)]
                    below += size
                    height = max(height, tall)
                elif isinstance(child, str):
                    chars += len(child)
            own = 1 + len(node) + chars // _CHARS_PER_NODE
            distinct += own
            measured[key] = (min(own + below, _SATURATED), height + 1)
            continue
        if key in measured:  # an alias of a node already measured
            if depth + measured[key][1] - 1 > MAX_DEPTH:
                raise InputError(f"document is nested deeper than {MAX_DEPTH} levels "
                                 "(through a YAML alias)", file=path, pointer=ptr)
            continue
        if depth > MAX_DEPTH:
            raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                             file=path, pointer=ptr)
        on_path.add(key)
        work.append((node, depth, ptr, True))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for name, child in items:
            if isinstance(child, dict | list):
                child_ptr = f"{ptr}/{jp.escape(name)}"
                if id(child) in on_path:
                    raise InputError("recursive YAML alias: a node contains itself",
                                     file=path, pointer=child_ptr)
                work.append((child, depth + 1, child_ptr, False))
    limit = max(MIN_EXPANSION_BUDGET, EXPANSION_RATIO * distinct)
    if measured[id(data)][0] > limit:
        raise InputError(
            f"YAML aliases expand this document past {limit:,} nodes, over "
            f"{EXPANSION_RATIO} times the {distinct:,} written (an alias bomb?); refusing to "
            "expand it", file=path, pointer=_where_expansion_passes(data, measured, limit))


def _where_expansion_passes(data: Any, measured: dict[int, tuple[int, int]],
                            limit: int) -> str:
    """Pointer to the smallest sub-tree that alone expands past ``limit``."""
    node, ptr = data, ""
    while True:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for name, child in items:
            if isinstance(child, dict | list) and measured[id(child)][0] > limit:
                node, ptr = child, f"{ptr}/{jp.escape(name)}"
                break
        else:
            return ptr


def _nesting_line(text: str) -> int | None:
    """Line where bracket nesting first passes MAX_DEPTH (for JSON too deep to parse)."""
    depth, line, in_string, escaped = 0, 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}":
            depth -= 1
    return None


def decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=path) from None


def read_bytes(path: Path, name: str) -> bytes:
    """A file's bytes, with the size limit checked before reading and OS errors as
    one-line input errors."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit",
                             file=name)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a contract file", file=name) from None
    except PermissionError:
        raise InputError("permission denied", file=name) from None


def load_file(path: Path, display: str | None = None) -> Document:
    """Read and parse a file from disk; ``display`` is the name errors should use."""
    name = display or str(path)
    text = decode(read_bytes(path, name), name)
    return Document(path=name, data=parse(text, name), text=text)


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _member_nodes(node: yaml.MappingNode, memo: dict[int, list[tuple[yaml.Node, yaml.Node]]]
                  ) -> list[tuple[yaml.Node, yaml.Node]]:
    """A mapping's key/value nodes as the parsed data has them: its own, then those that
    ``<<`` merge keys bring (own keys win, then the merged mappings in order, as YAML's
    merge rules say), so a merged value is placed where it is written under its anchor,
    as Spectral places it, not at the key that merges it.

    Each mapping's members are worked out once (``memo``) and each key kept once, as the
    loader's own merging does: a chain of anchors that each merge the previous one twice
    costs its size, not two to the power of its length, and no more than the loader's merge
    budget already allowed. Recursion follows the chain of merges, which the loader has
    followed the same way; a chain too long for the stack raises RecursionError."""
    known = memo.get(id(node))
    if known is not None:
        return known
    own = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
    memo[id(node)] = own  # a mapping that merges itself adds nothing more
    if len(own) == len(node.value):
        return own
    members = {str(k.value): (k, v) for k, v in own}
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE_TAG:
            continue
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if isinstance(source, yaml.MappingNode):
                for k, v in _member_nodes(source, memo):
                    members.setdefault(str(k.value), (k, v))
    memo[id(node)] = result = list(members.values())
    return result


def _position_index(text: str) -> dict[str, tuple[int, int]]:
    """Map JSON pointers to 1-based (line, column) by composing YAML nodes (JSON is YAML
    here)."""
    lines: dict[str, tuple[int, int]] = {}
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return lines
    if root is None:
        return lines
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    seen: set[int] = set()  # an alias is the same node object again: index it once
    members: dict[int, list[tuple[yaml.Node, yaml.Node]]] = {}
    while stack:
        node, ptr, depth = stack.pop()
        if ptr not in lines:
            lines[ptr] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if depth > MAX_DEPTH or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            try:
                pairs = _member_nodes(node, members)
            except RecursionError:  # merges chained past the stack: own keys still placed
                pairs = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
            for key_node, value_node in pairs:
                key = jp.escape(str(key_node.value))
                lines.setdefault(f"{ptr}/{key}", (key_node.start_mark.line + 1,
                                                  key_node.start_mark.column + 1))
                stack.append((value_node, f"{ptr}/{key}", depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, f"{ptr}/{index}", depth + 1))
    return lines
