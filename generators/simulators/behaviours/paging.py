"""Cursor paging shared by the finance behaviours (ERP, invoice automation, tax engine).

The contracts promise opaque cursors that stay stable while records are added: a cursor holds
the sort key of the last item served (base64url JSON, unpadded), and the next page starts
after that key, not at an offset. One implementation, so the three simulators page alike
(same cursor format, same ``Link`` header) and a fix reaches all of them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from ledgerpact.generators.simulators.messages import SimRequest, SimResponse

DEFAULT_LIMIT = 50
Key = Callable[[dict[str, Any]], Any]  # a tuple, or one value taken as a 1-tuple


class BadCursor(ValueError):
    """A cursor this server did not issue (the behaviours answer 400 INVALID_CURSOR)."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"cursor {cursor!r} was not issued by this server")
        self.cursor = cursor


def encode_cursor(key: Iterable[Any]) -> str:
    raw = json.dumps({"after": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BadCursor(cursor) from exc
    if not isinstance(after, list):
        raise BadCursor(cursor)
    return tuple(after)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def page_of(items: Iterable[dict[str, Any]], key: Key, query: Mapping[str, Any], *,
            reverse: bool = False) -> tuple[list[dict[str, Any]], str | None, int]:
    """(the page after the query's cursor in ``key`` order, the next cursor or None, the
    limit used). Raises ``BadCursor`` for a cursor that is unreadable or of another shape."""
    def sort_key(item: dict[str, Any]) -> tuple[Any, ...]:
        return _as_tuple(key(item))

    ordered = sorted(items, key=sort_key, reverse=reverse)
    start = 0
    cursor = query.get("cursor")
    if cursor:
        after = decode_cursor(str(cursor))
        try:
            start = next((i for i, item in enumerate(ordered)
                          if (sort_key(item) < after if reverse else sort_key(item) > after)),
                         len(ordered))
        except TypeError as exc:  # a cursor of another list (keys of another type)
            raise BadCursor(str(cursor)) from exc
    limit = int(query.get("limit") or DEFAULT_LIMIT)
    chunk = ordered[start:start + limit]
    more = bool(chunk) and start + limit < len(ordered)
    return chunk, encode_cursor(sort_key(chunk[-1])) if more else None, limit


def next_link(path: str, query: Mapping[str, Any], cursor: str, limit: int) -> str:
    """The RFC 8288 ``Link`` header to the next page: the same filters, the new cursor."""
    params = {k: str(v).lower() if isinstance(v, bool) else str(v)
              for k, v in query.items() if k != "cursor"}
    params.update(cursor=cursor, limit=str(limit))
    return f'<{path}?{urlencode(params)}>; rel="next"'


def page(items: list[dict[str, Any]], key: Key,
         query: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """One page after the query's cursor, and the next cursor; ``BadCursor`` (a ValueError)
    if the cursor is unreadable."""
    chunk, cursor, _ = page_of(items, key, query)
    return chunk, cursor


def response(request: SimRequest, items: list[dict[str, Any]],
             cursor: str | None) -> SimResponse:
    """A page as the contracts shape it: ``items`` and ``nextCursor``, with the RFC 8288
    ``Link`` header mirroring the cursor (keeping the query's filters)."""
    headers: dict[str, str] = {}
    if cursor is not None:
        limit = int(request.query.get("limit") or DEFAULT_LIMIT)
        headers["Link"] = next_link(request.path, request.query, cursor, limit)
    return SimResponse(200, {"items": items, "nextCursor": cursor}, headers)
