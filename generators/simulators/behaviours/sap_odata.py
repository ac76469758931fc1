"""OData v2 conventions of the SAP S/4HANA-style simulator: envelopes, errors, dates, queries.

Kept apart from the behaviour so the vendor's wire conventions (``{"d": ...}`` envelopes,
``/Date(ms)/`` dates, the ``$filter`` subset, ALPHA-padded keys) are one small module that
the adapter's tests can read as the definition of "native", and so the behaviour only deals
with business records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from ledgerpact.generators.simulators.messages import SimRequest, SimResponse

_DATE = re.compile(r"^/Date\((-?\d+)\)/$")
# one term of the $filter subset: Field eq 'value' (quotes doubled inside), or a bare literal
_TERM = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false|-?\d+))\s*")
_AND = re.compile(r"and\s+")
END_OF_TIME = "9999-12-31"


class ODataError(Exception):
    """A request the vendor refuses; rendered as the OData v2 error object."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> SimResponse:
    """The OData v2 error body: native message id in ``code``, English text in ``message``."""
    return SimResponse(status, {"error": {"code": code,
                                          "message": {"lang": "en", "value": message[:1000]}}})


def entity(record: Mapping[str, Any], uri: str | None = None) -> SimResponse:
    body = dict(record)
    if uri is not None:
        body["__metadata"] = {"uri": uri}
    return SimResponse(200, {"d": body})


def collection(records: Sequence[Mapping[str, Any]], query: Mapping[str, Any]) -> SimResponse:
    """``$filter`` then ``$skip``/``$top`` in key order; ``__count`` with $inlinecount."""
    matched = [r for r in records if matches(r, parse_filter(query.get("$filter")))]
    skip = _count(query.get("$skip"), "$skip") or 0
    top = _count(query.get("$top"), "$top")
    chunk = matched[skip:] if top is None else matched[skip:skip + top]
    body: dict[str, Any] = {"results": [dict(r) for r in chunk]}
    if query.get("$inlinecount") == "allpages":
        body["__count"] = str(len(matched))
    return SimResponse(200, {"d": body})


def _count(value: Any, name: str, limit: int = 5000) -> int | None:
    if value is None or value == "":
        return None
    text = str(value)
    if not text.isdigit() or (name == "$top" and int(text) > limit):
        raise ODataError(400, "/IWBEP/CM_MGW_RT/021",
                         f"Invalid system query option {name}={text[:20]!r}: expected a "
                         f"non-negative integer{' up to 5000' if name == '$top' else ''}.")
    return int(text)


def parse_filter(text: Any) -> list[tuple[str, Any]]:
    """``A eq 'x' and B eq true`` as [(field, value)]; anything else is a 400, as on a gateway
    that does not implement the operator."""
    if text is None or str(text).strip() == "":
        return []
    terms: list[tuple[str, Any]] = []
    rest = str(text).strip()
    while True:
        # left to right, so " and " inside a quoted value stays part of that value
        m = _TERM.match(rest)
        if m is None:
            raise ODataError(400, "/IWBEP/CM_MGW_RT/022",
                             f"Invalid $filter term {rest[:100]!r}: only Field eq 'value' "
                             "joined by 'and' is supported.")
        name, quoted, literal = m.groups()
        if quoted is not None:
            terms.append((name, quoted.replace("''", "'")))
        elif literal in ("true", "false"):
            terms.append((name, literal == "true"))
        else:
            terms.append((name, str(literal)))
        rest = rest[m.end():]
        if not rest:
            return terms
        joined = _AND.match(rest)
        if joined is None:
            raise ODataError(400, "/IWBEP/CM_MGW_RT/022",
                             f"Invalid $filter term {rest[:100]!r}: only Field eq 'value' "
                             "joined by 'and' is supported.")
        rest = rest[joined.end():]


def matches(record: Mapping[str, Any], terms: list[tuple[str, Any]]) -> bool:
    for name, wanted in terms:
        value = record.get(name)
        if isinstance(wanted, bool):
            if value is not wanted:
                return False
        elif value is None or str(value) != wanted:
            return False
    return True


def alpha(key: str, width: int = 10) -> str:
    """SAP's ALPHA conversion: purely numeric keys are zero-padded, others kept as sent."""
    return key.zfill(width) if key.isdigit() and len(key) <= width else key


def to_date(day: str | date) -> str:
    """A calendar date as ``/Date(ms)/`` at midnight UTC."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"/Date({int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1000})/"


def to_datetime(instant: str | datetime) -> str:
    at = instant if isinstance(instant, datetime) else \
        datetime.fromisoformat(instant.replace("Z", "+00:00"))
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return f"/Date({int(at.timestamp() * 1000)})/"


def from_date(value: str) -> date:
    m = _DATE.match(value)
    if m is None:
        raise ValueError(f"not an OData date: {value!r}")
    return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC).date()


def from_datetime(value: str) -> datetime:
    m = _DATE.match(value)
    if m is None:
        raise ValueError(f"not an OData date: {value!r}")
    return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC)


def key_of(request: SimRequest, *names: str,
           pad: Mapping[str, int] | None = None) -> tuple[str, ...]:
    """The key predicate's values, ALPHA-converted where ``pad`` says so."""
    widths = pad or {}
    return tuple(alpha(str(request.path_params.get(n, "")), widths[n]) if n in widths
                 else str(request.path_params.get(n, "")) for n in names)


Handler = Callable[[SimRequest, Any], SimResponse]
