"""Line and column of JSON pointers in JSON text, without building a node tree.

Composing a multi-megabyte JSON file as YAML nodes to learn line numbers takes over a second;
a linter with a few hundred findings needs positions for only those few hundred pointers.
This walks the text along the wanted paths only and skips every other value with the C
scanner that ``json.loads`` uses, so the cost stays close to one parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from ledgerpact.registry import pointer as jp

_WS = re.compile(r"[ \t\n\r]*")
_scan_once = json.JSONDecoder().scan_once
_WANTED = object()


def _trie(pointers: Iterable[str]) -> dict[Any, Any]:
    root: dict[Any, Any] = {}
    for pointer in pointers:
        node = root
        for token in jp.split(pointer):
            node = node.setdefault(token, {})
        node[_WANTED] = pointer
    return root


def _skip_ws(text: str, idx: int) -> int:
    match = _WS.match(text, idx)
    return match.end() if match else idx


def json_offsets(text: str, pointers: Iterable[str]) -> dict[str, int]:
    """Character offset of each pointer (for an object member: where its key starts)."""
    found: dict[str, int] = {}
    trie = _trie(pointers)
    start = _skip_ws(text, 0)
    if _WANTED in trie:
        found[trie[_WANTED]] = start
    stack: list[tuple[int, dict[Any, Any]]] = [(start, trie)]
    while stack:
        idx, node = stack.pop()
        children = {k: v for k, v in node.items() if k is not _WANTED}
        if not children or idx >= len(text):
            continue
        char = text[idx]
        if char == "{":
            idx = _skip_ws(text, idx + 1)
            while idx < len(text) and text[idx] == '"':
                key_start = idx
                key, idx = scanstring(text, idx + 1)
                idx = _skip_ws(text, idx)
                idx = _skip_ws(text, idx + 1)  # past ':'
                child = children.get(key)
                if child is not None:
                    if _WANTED in child:
                        found[child[_WANTED]] = key_start
                    stack.append((idx, child))
                _, idx = _scan_once(text, idx)
                idx = _skip_ws(text, idx)
                if idx < len(text) and text[idx] == ",":
                    idx = _skip_ws(text, idx + 1)
        elif char == "[":
            idx = _skip_ws(text, idx + 1)
            position = 0
            while idx < len(text) and text[idx] != "]":
                child = children.get(str(position))
                if child is not None:
                    if _WANTED in child:
                        found[child[_WANTED]] = idx
                    stack.append((idx, child))
                _, idx = _scan_once(text, idx)
                idx = _skip_ws(text, idx)
                if idx < len(text) and text[idx] == ",":
                    idx = _skip_ws(text, idx + 1)
                position += 1
    return found


def line_columns(text: str, offsets: dict[str, int]) -> dict[str, tuple[int, int]]:
    """1-based (line, column) for character offsets, counting newlines once in order."""
    result: dict[str, tuple[int, int]] = {}
    line, last_offset, line_start = 1, 0, 0
    for pointer, offset in sorted(offsets.items(), key=lambda item: item[1]):
        newlines = text.count("\n", last_offset, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", last_offset, offset) + 1
        last_offset = offset
        result[pointer] = (line, offset - line_start + 1)
    return result


def json_positions(text: str, pointers: Iterable[str]) -> dict[str, tuple[int, int]]:
    return line_columns(text, json_offsets(text, pointers))
