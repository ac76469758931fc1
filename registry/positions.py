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

_ws_end = re.compile(r"[ \t\n\r]*").match  # always matches: .end() is past the blanks
_scan_once = json.JSONDecoder().scan_once

# A trie node: [the pointer when one ends here, else None; the child tokens that lead on].
_Trie = list[Any]


def _trie(pointers: Iterable[str]) -> _Trie:
    # Each node is found from its parent's (the pointer up to its last "/"), so a pointer
    # costs one token however deep it is: callers pass every pointer with all its parents.
    nodes: dict[str, list[Any]] = {"": [None, {}]}

    def node_at(pointer: str) -> list[Any]:
        missing: list[str] = []  # the pointer and those of its parents not seen yet
        while pointer not in nodes:
            if not pointer.startswith("/"):
                raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
            missing.append(pointer)
            pointer = pointer[:pointer.rfind("/")]
        node = nodes[pointer]
        for deeper in reversed(missing):
            child: list[Any] = [None, {}]
            token = deeper[deeper.rfind("/") + 1:]
            node[1][jp.unescape(token) if "~" in token else token] = nodes[deeper] = child
            node = child
        return node

    for pointer in pointers:
        node_at(pointer)[0] = pointer
    return nodes[""]


# An object member up to its value: the key (without its quotes, escapes as written), the
# blanks around the colon. After a value: blanks, a comma if another member follows, blanks.
_member = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"[ \t\n\r]*:[ \t\n\r]*').match
_after_value = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*)?").match


def json_offsets(text: str, pointers: Iterable[str]) -> dict[str, int]:
    """Character offset of each pointer (for an object member: where its key starts).

    One pass in document order. Inside a container on a wanted path each member is looked
    at (its key read by one regular expression); a member on a wanted path is entered,
    every other value is skipped by the C scanner. So each byte is scanned once, however
    deep the wanted pointers are (skipping a wanted member's value at its parent and then
    again when entering it made deep pointers cost a parse per level)."""
    found: dict[str, int] = {}
    own, kids = _trie(pointers)
    idx = _ws_end(text, 0).end()
    if own is not None:
        found[own] = idx
    if not kids or text[idx] not in "{[":
        return found
    # One frame per open container on a wanted path: its wanted children, whether it is an
    # object, and for an array the position of the next element.
    stack: list[list[Any]] = [[kids, text[idx] == "{", 0]]
    idx = _ws_end(text, idx + 1).end()
    while stack:
        frame = stack[-1]
        char = text[idx]
        if char == "}" or char == "]":
            stack.pop()
            if not stack:
                break
            idx = _after_value(text, idx + 1).end()
            continue
        start = idx
        if frame[1]:
            match = _member(text, idx)
            if match is None:
                raise ValueError(f"expected an object member at offset {idx}")
            key = match.group(1)
            if "\\" in key:  # escapes: read the key as JSON reads it
                key = scanstring(text, idx + 1)[0]
            idx = match.end()
        else:
            key = str(frame[2])
            frame[2] += 1
        child = frame[0].get(key)
        if child is not None:
            if child[0] is not None:
                found[child[0]] = start  # a key given twice: the last one, as json.loads
            if child[1] and text[idx] in "{[":
                stack.append([child[1], text[idx] == "{", 0])
                idx = _ws_end(text, idx + 1).end()
                continue
        idx = _after_value(text, _scan_once(text, idx)[1]).end()
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
