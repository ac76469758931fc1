"""The vendor's list conventions: the ``q`` filter and offset paging.

A NetSuite-style list is offset-paged (``limit``/``offset``) and filtered by a small query
language (``q=field IS "value" AND other AFTER "2024-01-01"``), not cursor-paged like the
canonical contracts; adapters must translate. Field paths are dotted (``entity.id``) and a
path through a sublist (``apply.items.doc.id``) matches when any item matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

OPERATORS = ("IS", "IS_NOT", "CONTAIN", "AFTER", "ON_OR_AFTER", "BEFORE", "ON_OR_BEFORE")
_CONDITION = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_.]*)\s+(' + "|".join(
    sorted(OPERATORS, key=len, reverse=True)) + r')\s+("(?:[^"\\]|\\.)*"|[^\s"]+)\s*')
DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000


class BadQuery(ValueError):
    """A ``q`` the vendor cannot parse (answered 400 with an error detail)."""


@dataclass(frozen=True, slots=True)
class Condition:
    path: tuple[str, ...]
    operator: str
    value: str


def parse(q: str) -> list[Condition]:
    """Conditions joined by AND; raises BadQuery naming the position of what is wrong."""
    conditions: list[Condition] = []
    rest = q.strip()
    while rest:
        found = _CONDITION.match(rest)
        if found is None:
            raise BadQuery(f"cannot read the condition at {rest[:40]!r}; expected "
                           f'FIELD OPERATOR "VALUE" with OPERATOR one of {", ".join(OPERATORS)}')
        raw = found.group(3)
        value = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
        conditions.append(Condition(tuple(found.group(1).split(".")), found.group(2), value))
        rest = rest[found.end():]
        if rest:
            if not rest.upper().startswith("AND "):
                raise BadQuery(f"expected AND between conditions at {rest[:40]!r}")
            rest = rest[4:]
    return conditions


def quote(value: str) -> str:
    """A value written for ``q``: in double quotes, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _values(node: Any, path: Sequence[str]) -> list[Any]:
    if not path:
        return [node]
    if isinstance(node, list):
        return [v for item in node for v in _values(item, path)]
    if isinstance(node, Mapping) and path[0] in node:
        return _values(node[path[0]], path[1:])
    return []


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _holds(value: Any, operator: str, wanted: str) -> bool:
    text = _text(value)
    if operator == "IS":
        return text == wanted
    if operator == "IS_NOT":
        return text != wanted
    if operator == "CONTAIN":
        return wanted.casefold() in text.casefold()
    return {"AFTER": text > wanted, "ON_OR_AFTER": text >= wanted, "BEFORE": text < wanted,
            "ON_OR_BEFORE": text <= wanted}[operator]


def matches(record: Mapping[str, Any], conditions: Sequence[Condition]) -> bool:
    for condition in conditions:
        values = _values(record, condition.path)
        if condition.operator == "IS_NOT":  # no value equals it (an absent field counts)
            if any(_text(v) == condition.value for v in values):
                return False
            continue
        if not any(_holds(v, condition.operator, condition.value) for v in values):
            return False
    return True


def list_body(base_url: str, query: Mapping[str, Any], items: list[dict[str, Any]]
              ) -> dict[str, Any]:
    """The native list shape for one page of ``items`` (already filtered and ordered)."""
    limit = int(query.get("limit") or DEFAULT_LIMIT)
    offset = int(query.get("offset") or 0)
    chunk = items[offset:offset + limit]
    has_more = offset + limit < len(items)

    def link(rel: str, at: int) -> dict[str, str]:
        params = {k: str(v) for k, v in query.items() if k not in ("limit", "offset")}
        params.update(limit=str(limit), offset=str(at))
        return {"rel": rel, "href": f"{base_url}?{urlencode(params)}"}

    links = [link("self", offset)]
    if has_more:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("previous", max(0, offset - limit)))
    return {"links": links, "count": len(chunk), "hasMore": has_more, "offset": offset,
            "totalResults": len(items), "items": chunk}
