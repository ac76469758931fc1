"""The request journal: what the simulator saw and answered, for test assertions.

A bounded ring in memory: QA suites assert on the last requests ("was the posting sent
once?"), and a long soak run must not grow without limit. Bodies are kept truncated.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

BODY_LIMIT = 4096
DEFAULT_CAPACITY = 10_000


@dataclass(slots=True)
class Entry:
    seq: int
    time: str
    method: str
    path: str
    query: str
    operation_id: str | None
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    response_body: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    duration_ms: float = 0.0
    request_violations: list[dict[str, str]] = field(default_factory=list)
    response_violations: list[dict[str, str]] = field(default_factory=list)
    fault: dict[str, Any] | None = None
    idempotency_key: str | None = None
    replayed: bool = False
    recorded: bool = False  # already in the journal (not part of the mapping)
    started: float = 0.0  # perf_counter at arrival (not part of the mapping)

    def to_mapping(self) -> dict[str, Any]:
        data = asdict(self)
        del data["recorded"], data["started"]
        return {_camel(k): v for k, v in data.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def clip(body: bytes | str | None) -> str | None:
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "...(truncated)"


class Journal:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add(self, entry: Entry) -> None:
        if not entry.recorded:
            entry.recorded = True
            self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def query(self, filters: Mapping[str, str], limit: int | None = None) -> list[Entry]:
        """Entries oldest first, filtered by method, path (prefix with a trailing *),
        operationId, status, violations=true|false, fault=true|false, since=seq. The admin
        API checks the names and values first (``admin.journal_filters``); here a flag is
        applied only when it is exactly ``true`` or ``false``."""
        method = filters.get("method", "").upper()
        path = filters.get("path")
        op = filters.get("operationId")
        status = filters.get("status")
        since = int(filters.get("since", "0") or 0)
        violations = _flag(filters.get("violations"))
        faulted = _flag(filters.get("fault"))
        out: list[Entry] = []
        for e in self._entries:
            if e.seq <= since or (method and e.method != method):
                continue
            if path and not (e.path.startswith(path[:-1]) if path.endswith("*")
                             else e.path == path):
                continue
            if (op and e.operation_id != op) or (status and str(e.status) != status):
                continue
            if violations is not None and violations != bool(
                    e.request_violations or e.response_violations):
                continue
            if faulted is not None and faulted != (e.fault is not None):
                continue
            out.append(e)
        if limit is None:
            return out
        if limit < 1:  # out[-0:] is everything and out[-(-1):] drops the oldest entry
            raise ValueError(f"limit must be a positive integer, found {limit}")
        return out[-limit:]


def _flag(value: str | None) -> bool | None:
    """``true`` or ``false`` (any case) as a filter; anything else filters nothing."""
    return {"true": True, "false": False}.get((value or "").strip().lower())
