"""Parse one contract file, safely, once.

Everything in Ledgerpact reads documents through here, so the guards live here too: a size
limit, YAML alias bombs (a small file that expands to billions of nodes), recursive anchors,
and nesting deep enough to exhaust the stack. Line numbers are worked out lazily, only when an
error or a finding needs one, because composing YAML nodes with marks costs several times a
plain parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.positions import json_positions

try:  # the C loader is what makes multi-megabyte YAML affordable
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 256
MAX_EXPANDED_NODES = 5_000_000



class _JsonCompatibleLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """YAML as JSON sees it: mapping keys are strings (``200:`` is the status "200") and
    dates stay strings (``2026-01-31`` is what an example means, not a ``datetime.date``),
    so a YAML contract and its JSON twin load to the same data."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if all(isinstance(key, str) for key in mapping):
            return mapping  # type: ignore[no-any-return]
        return {_key_text(key): value for key, value in mapping.items()}


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


_JsonCompatibleLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}

_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s\[\]{},]+")


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

    def positions(self, pointers: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Positions of many pointers at once (each falls back to its nearest parent).

        JSON is scanned along the wanted paths only, which on a multi-megabyte spec is a
        hundred times cheaper than composing every node with its marks."""
        wanted = list(dict.fromkeys(pointers))
        if self._positions is not None or not is_json_path(self.path):
            return {p: self.position(p) or (1, 1) for p in wanted}
        closest: dict[str, str] = {}
        candidates: set[str] = set()
        for pointer in wanted:
            parts = jp.split(pointer) if pointer else []
            chain = [jp.join(parts[:i]) for i in range(len(parts), -1, -1)]
            closest[pointer] = pointer
            candidates.update(chain)
        try:
            found = json_positions(self.text, candidates)
        except (ValueError, IndexError, StopIteration):
            return {p: self.position(p) or (1, 1) for p in wanted}
        result = {}
        for pointer in wanted:
            parts = jp.split(pointer) if pointer else []
            for i in range(len(parts), -1, -1):
                key = jp.join(parts[:i])
                if key in found:
                    result[pointer] = found[key]
                    break
            else:
                result[pointer] = (1, 1)
        return result


def is_json_path(path: str) -> bool:
    return path.lower().endswith(".json")


def parse(text: str, path: str) -> Any:
    """Parse JSON or YAML (by the file's extension) and bound what the result may cost."""
    if len(text) > MAX_BYTES:
        raise InputError(
            f"file is {len(text):,} bytes, over the {MAX_BYTES:,}-byte limit", file=path
        )
    if is_json_path(path):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                             file=path, line=exc.lineno) from None
        except RecursionError:
            raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                             file=path, line=_nesting_line(text)) from None
    else:
        try:
            data = yaml.load(text, Loader=_JsonCompatibleLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "cannot parse"
            raise InputError(f"invalid YAML: {problem}", file=path,
                             line=mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML: {exc}", file=path) from None
        except RecursionError:
            raise InputError(f"document is nested deeper than {MAX_DEPTH} levels",
                             file=path, line=_nesting_line(text)) from None
    try:
        check_shape(data, path, shared_nodes_possible=not is_json_path(path) and bool(
            _ANCHOR.search(text)))
    except InputError as exc:
        if exc.pointer is not None and exc.line is None:
            exc.line = Document(path, data, text).line_of(exc.pointer)  # rare: errors only
        raise
    return data


def check_shape(data: Any, path: str, *, shared_nodes_possible: bool) -> None:
    """Refuse documents too deep to walk, or whose YAML aliases expand past any real spec.

    One iterative walk; when the file has anchors, sizes are memoised per node so an alias
    bomb is measured (not expanded) and a recursive anchor is found. Errors carry the JSON
    pointer of the offending node.
    """
    if not shared_nodes_possible:
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
        return
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # post-order walk: (node, depth, pointer, children_done)
    work: list[tuple[Any, int, str, bool]] = [(data, 0, "", False)]
    while work:
        node, depth, ptr, done = work.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = node.values() if isinstance(node, dict) else node
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            if total > MAX_EXPANDED_NODES:
                raise InputError(
                    f"YAML aliases expand this document past {MAX_EXPANDED_NODES:,} nodes "
                    "(an alias bomb?); refusing to expand it", file=path, pointer=ptr)
            sizes[key] = total
            continue
        if key in sizes:
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
    while stack:
        node, ptr, depth = stack.pop()
        if ptr not in lines:
            lines[ptr] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if depth > MAX_DEPTH or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = jp.escape(str(key_node.value))
                lines.setdefault(f"{ptr}/{key}", (key_node.start_mark.line + 1,
                                                  key_node.start_mark.column + 1))
                stack.append((value_node, f"{ptr}/{key}", depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, f"{ptr}/{index}", depth + 1))
    return lines
