"""Parameter rules: added, removed, required, location, serialization, deprecation.

Parameters are request data: clients send them, the API reads them. In a webhook or a
callback the API is the one calling, so there they are data it writes (direction
``response``) and the rules whose verdict depends on who reads carry a level per direction:
a new required header in a webhook is something consumers may ignore, not a rejected call.
The walker pairs them by
(in, name), path parameters by their position in the template (so renaming ``{id}`` to
``{invoiceId}`` is no change), and a parameter that left one location for another by name
(so a move is one change). A path parameter cannot be added or removed without changing the
path template, which makes it a different path: path rules report that. Parameter schemas
(type, format, enum, bounds) are compared by the schema rules through the walker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.engine import BASE, REV
from ledgerpact.governance.diff.model import Check, Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import (
    EARLY,
    LIVE,
    RETIRED,
    Retirement,
    flag,
    flipped,
    places,
    removal_hits,
    retirement,
    sunset_note,
)
from ledgerpact.governance.diff.rules._examples import list_invoices, openapi

# OpenAPI: header parameters with these names SHALL be ignored (the media type and security
# machinery own them), so changing them changes nothing.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_PRIMITIVES = frozenset({"string", "integer", "number", "boolean"})

_STATUS = "        - {name: status, in: query, schema: {type: string}}"


def _doc(*params: str) -> str:
    """GET /invoices with these parameters (list entries at 8 spaces; default: a status
    filter)."""
    return openapi("Invoices", list_invoices(
        "      parameters:\n" + "\n".join(params or (_STATUS,)) + "\n"))


def _param(extra: str, name: str = "contactId", where: str = "query",
           kind: str = "string") -> str:
    return f"        - {{name: {name}, in: {where}{extra}, schema: {{type: {kind}}}}}"


def _in(param: Any) -> str:
    return str(param.get("in", "")) if isinstance(param, dict) else ""


def _heeded(param: Any) -> bool:
    """False for the header parameters OpenAPI says to ignore."""
    return isinstance(param, dict) and not (
        _in(param) == "header" and str(param.get("name", "")).lower() in _IGNORED_HEADERS)


def _counts(param: Any) -> bool:
    """Whether adding, removing or making optional this parameter is its own change: not
    for a path parameter (always required; adding or removing one changes the path)."""
    return _heeded(param) and _in(param) != "path"


def _required(param: Any) -> bool:
    return flag(param, "required")


# -- added ---------------------------------------------------------------------------------


@diff_rule(
    "required-parameter-added", kind="parameter", request="breaking", response="info",
    additive=True,
    summary="A new required parameter was added.",
    why="""Every existing request lacks it, so the API now rejects every call an existing
    client makes. Add it as optional with a server-side default instead. In a webhook or
    callback (the API sends the request) it is only more information for the receiver.""",
    base=_doc(),
    revision=_doc(_STATUS, _param(", required: true", name="currency")),
)
def required_parameter_added(pair: Pair) -> Iterator[Hit]:
    if pair.added and _counts(pair.rev) and _required(pair.rev):
        yield Hit(f"required {pair.subject} added")


@diff_rule(
    "optional-parameter-added", kind="parameter", request="info", response="info",
    additive=True, example=Direction.REQUEST,
    summary="A new optional parameter was added.",
    why="""Existing requests, which do not send it, stay valid: this is new functionality,
    a minor release.""",
    base=_doc(),
    revision=_doc(_STATUS, _param("")),
)
def optional_parameter_added(pair: Pair) -> Iterator[Hit]:
    if pair.added and _counts(pair.rev) and not _required(pair.rev):
        yield Hit(f"optional {pair.subject} added")


# -- removed -------------------------------------------------------------------------------


def _removal(pair: Pair) -> Retirement | None:
    """How far the removed parameter's own deprecation had got (None: not a removal)."""
    if not (pair.removed and _counts(pair.base)):
        return None
    return retirement(pair.base, None, pair.engine.options.today)


def _incidental(param: Any) -> bool:
    """An optional header or cookie: metadata about the call (a correlation id, a locale
    hint, a tracking cookie), not part of what it asks for."""
    return _in(param) in ("header", "cookie") and not _required(param)


@diff_rule(
    "parameter-removed", kind="parameter", level="breaking",
    summary="A query parameter, or a required header or cookie parameter, was removed without "
            "being deprecated first.",
    why="""The server no longer reads what clients still send, and says nothing: a client
    sending ?TaxType=INPUT to Xero's GET /TaxRates after 3.0.2 silently gets every tax rate
    instead of the one it asked for, and acts on the wrong data. A query parameter is part of
    what the call asks for (a filter, a sort order, a page size), and a required header or
    cookie was one clients could not leave out (a tenant id, an idempotency key), so the
    call's meaning rested on it: silently ignored, it changes what the call does. Breaking,
    not a warning. Deprecate the parameter first, then remove it. (An optional header or
    cookie removed is header-or-cookie-parameter-removed.)""",
    base=_doc(_STATUS, _param("")),
    revision=_doc(),
)
def parameter_removed(pair: Pair) -> Iterator[Hit]:
    if not _incidental(pair.base):
        yield from removal_hits(pair.subject, _removal(pair), LIVE)


@diff_rule(
    "header-or-cookie-parameter-removed", kind="parameter", level="warning",
    summary="An optional header or cookie parameter was removed without deprecation, or "
            "before its sunset date.",
    why="""The server ignores it now, but the client's request still works and still means
    what it meant: an optional header or cookie was never needed for the call (a correlation
    id, an Accept-Language hint, a tracking cookie), and HTTP lets a server ignore headers it
    does not know. Clients that sent it lose only what it added (their correlation id no
    longer shows in the server's logs), so this is a warning. A query parameter stays
    breaking even when optional (parameter-removed): a filter the server silently ignores
    changes which data comes back, as Xero's TaxType did; so does a required header, which
    the call's meaning rested on. Removed before the sunset it announced, it is the same
    warning (the message says so): the call still works either way.""",
    base=_doc(_STATUS, _param("", name="X-Correlation-Id", where="header")),
    revision=_doc(),
)
def header_or_cookie_parameter_removed(pair: Pair) -> Iterator[Hit]:
    if _incidental(pair.base):
        yield from removal_hits(pair.subject, _removal(pair), LIVE)
        yield from removal_hits(pair.subject, _removal(pair), EARLY)


@diff_rule(
    "parameter-removed-before-sunset", kind="parameter", level="breaking",
    summary="A deprecated query parameter, or required header or cookie parameter, was "
            "removed before the sunset date it announced.",
    why="""The parameter's x-sunset date promised clients it would be honoured until then;
    ignoring it earlier changes the meaning of their calls before they could migrate.""",
    base=_doc(_STATUS, _param(', deprecated: true, x-sunset: "2999-12-31"')),
    revision=_doc(),
)
def parameter_removed_before_sunset(pair: Pair) -> Iterator[Hit]:
    if not _incidental(pair.base):
        yield from removal_hits(pair.subject, _removal(pair), EARLY)


@diff_rule(
    "deprecated-parameter-removed", kind="parameter", level="warning",
    summary="A deprecated parameter was removed once its sunset date had come.",
    why="""Clients were told to stop sending it (deprecated, and its x-sunset date has come
    or none was promised). Those that did not are now silently ignored: a warning.""",
    base=_doc(_STATUS, _param(', deprecated: true, x-sunset: "2020-06-30"')),
    revision=_doc(),
)
def deprecated_parameter_removed(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(pair.subject, _removal(pair), RETIRED)


# -- changed -------------------------------------------------------------------------------


def _both(pair: Pair) -> bool:
    return pair.both and _heeded(pair.base) and _heeded(pair.rev)


def _turned(key: str, now: bool, says: str, *, path_too: bool = True) -> Check:
    """The check of a rule for a parameter whose boolean ``key`` turned ``now``; ``says``
    what that means (after the parameter's name). ``path_too=False`` leaves path
    parameters out (they are always required; adding or removing one changes the path)."""
    def check(pair: Pair) -> Iterator[Hit]:
        if _both(pair) and flipped(pair, key, now) and (path_too or _in(pair.rev) != "path"):
            yield Hit(f"{pair.subject} {says}", **places(pair, key))
    return check


diff_rule(
    "parameter-became-required", kind="parameter", request="breaking", response="info",
    summary="An optional parameter became required.",
    why="""Clients that leave it out, which the old contract allowed, are now rejected. In a
    webhook or callback the API now always sends it: receivers lose nothing.""",
    base=_doc(_STATUS, _param("")),
    revision=_doc(_STATUS, _param(", required: true")),
)(_turned("required", True, "became required", path_too=False))
diff_rule(
    "parameter-became-optional", kind="parameter", request="info", response="breaking",
    example=Direction.REQUEST,
    summary="A required parameter became optional.",
    why="""Every request that was valid still is: clients simply may leave it out now. In a
    webhook or callback it is the API that may now leave it out, and receivers that read it
    without checking break.""",
    base=_doc(_STATUS, _param(", required: true")),
    revision=_doc(_STATUS, _param("")),
)(_turned("required", False, "became optional", path_too=False))


@diff_rule(
    "parameter-location-changed", kind="parameter", level="breaking",
    summary="A parameter moved to another location (query, header, cookie).",
    why="""Clients send it where it used to be; the server now looks for it elsewhere, so a
    required one is missing and an optional one is silently ignored. The walker pairs the
    parameter that left a location with the one of the same name that appeared in another,
    so the move is this one change (its schema still compared), not a removal and an
    addition.""",
    base=_doc(_STATUS, _param("", name="Idempotency-Key", where="query")),
    revision=_doc(_STATUS, _param("", name="Idempotency-Key", where="header")),
)
def parameter_location_changed(pair: Pair) -> Iterator[Hit]:
    if _both(pair) and _in(pair.base) != _in(pair.rev):
        yield Hit(f"parameter {pair.rev.get('name')!r} moved from {_in(pair.base)} to "
                  f"{_in(pair.rev)}", **places(pair, "in"))


def _style(param: dict[str, Any]) -> str:
    """The effective style: OpenAPI's default depends on the location."""
    style = param.get("style")
    if isinstance(style, str):
        return style
    return "form" if _in(param) in ("query", "cookie") else "simple"


def _explode(param: dict[str, Any]) -> bool:
    explode = param.get("explode")
    if isinstance(explode, bool):
        return explode
    return _style(param) == "form"


def _primitive(pair: Pair, side: int) -> bool:
    """True when the parameter's schema is a single primitive type, whose serialization
    explode (and, in a query, the form/spaceDelimited/pipeDelimited choice) does not
    change: ``id=5`` either way."""
    param, loc = (pair.base, pair.base_loc) if side == BASE else (pair.rev, pair.rev_loc)
    if "schema" not in param or loc is None:
        return False
    schema, _ = pair.engine.resolve(side, param["schema"], loc.child("schema"))
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = [k for k in kind if k != "null"]
        kind = kind[0] if len(kind) == 1 else None
    return kind in _PRIMITIVES


def _same_location(pair: Pair) -> bool:
    return _both(pair) and _in(pair.base) == _in(pair.rev)


@diff_rule(
    "parameter-style-changed", kind="parameter", level="breaking",
    summary="A parameter's serialization style changed.",
    why="""Style decides how the value is written on the wire (ids=1,2 vs ids=1%202 vs
    ids=1|2; {id} vs .{id} vs ;id={id}): clients keep writing the old form and the server
    misreads it. Defaults are taken into account (form for query and cookie, simple for path
    and header), and in a query a single primitive value is written the same whatever the
    style, so those are no change.""",
    base=_doc(_STATUS, _param("", name="ids", kind="array, items: {type: string}")),
    revision=_doc(_STATUS, _param(", style: pipeDelimited", name="ids",
                                  kind="array, items: {type: string}")),
)
def parameter_style_changed(pair: Pair) -> Iterator[Hit]:
    if not _same_location(pair):
        return
    old, new = _style(pair.base), _style(pair.rev)
    if old == new:
        return
    if _in(pair.rev) in ("query", "cookie") and _primitive(pair, BASE) and _primitive(pair, REV):
        return
    yield Hit(f"{pair.subject} style changed from {old} to {new}", **places(pair, "style"))


@diff_rule(
    "parameter-explode-changed", kind="parameter", level="breaking",
    summary="A parameter's explode setting changed.",
    why="""explode decides whether an array or object is sent as repeated parameters
    (ids=1&ids=2) or as one (ids=1,2): clients keep sending the old form, which the server
    now misreads. The default (true for form style, false otherwise) counts as written, and
    a single primitive value is sent the same either way, so that is no change.""",
    base=_doc(_STATUS, _param("", name="ids", kind="array, items: {type: string}")),
    revision=_doc(_STATUS, _param(", explode: false", name="ids",
                                  kind="array, items: {type: string}")),
)
def parameter_explode_changed(pair: Pair) -> Iterator[Hit]:
    if not _same_location(pair):
        return
    old, new = _explode(pair.base), _explode(pair.rev)
    if old == new or (_primitive(pair, BASE) and _primitive(pair, REV)):
        return
    yield Hit(f"{pair.subject} explode changed from {str(old).lower()} to {str(new).lower()}",
              **places(pair, "explode"))


diff_rule(
    "parameter-allow-empty-value-removed", kind="parameter", request="breaking",
    response="info",
    summary="A parameter no longer allows an empty value.",
    why="""Clients sending the parameter empty (?reference=), which was allowed, are now
    rejected. Where the API sends it (a webhook, a callback) it only sends less.""",
    base=_doc(_STATUS, _param(", allowEmptyValue: true", name="reference")),
    revision=_doc(_STATUS, _param("", name="reference")),
)(_turned("allowEmptyValue", False, "no longer allows an empty value"))
diff_rule(
    "parameter-allow-empty-value-added", kind="parameter", request="info", response="warning",
    example=Direction.REQUEST,
    summary="A parameter now allows an empty value.",
    why="""The server accepts more than before; every request that was valid still is. Where
    the API sends it (a webhook, a callback), receivers may now get an empty value they never
    got before.""",
    base=_doc(_STATUS, _param("", name="reference")),
    revision=_doc(_STATUS, _param(", allowEmptyValue: true", name="reference")),
)(_turned("allowEmptyValue", True, "now allows an empty value"))
diff_rule(
    "parameter-allow-reserved-removed", kind="parameter", request="breaking", response="info",
    summary="A query parameter no longer allows reserved characters unencoded.",
    why="""Clients that send reserved characters as they are (a redirect URL, a filter
    like a:b/c), which the old contract allowed, are now misparsed: the server expects them
    percent-encoded. Where the API sends it, percent-encoded values decode as before.""",
    base=_doc(_STATUS, _param(", allowReserved: true", name="returnUrl")),
    revision=_doc(_STATUS, _param("", name="returnUrl")),
)(_turned("allowReserved", False, "no longer allows reserved characters unencoded"))
diff_rule(
    "parameter-allow-reserved-added", kind="parameter", request="info", response="warning",
    example=Direction.REQUEST,
    summary="A query parameter now allows reserved characters unencoded.",
    why="""Percent-encoded values, which clients send today, still decode to the same value:
    the server only accepts more. Where the API sends it (a webhook, a callback), receivers
    may now get reserved characters unencoded and split the query wrongly.""",
    base=_doc(_STATUS, _param("", name="returnUrl")),
    revision=_doc(_STATUS, _param(", allowReserved: true", name="returnUrl")),
)(_turned("allowReserved", True, "now allows reserved characters unencoded"))


@diff_rule(
    "parameter-deprecated", kind="parameter", level="info", additive=True,
    summary="A parameter was marked deprecated.",
    why="""Nothing breaks yet: the parameter is still honoured and clients are told to stop
    sending it (a deprecation is a minor release under semantic versioning). Give an
    x-sunset date so its removal can be checked against it.""",
    base=_doc(_STATUS, _param("")),
    revision=_doc(_STATUS, _param(', deprecated: true, x-sunset: "2030-01-31"')),
)
def parameter_deprecated(pair: Pair) -> Iterator[Hit]:
    if _both(pair) and flipped(pair, "deprecated", True):
        when = sunset_note(pair.rev.get("x-sunset"))
        yield Hit(f"{pair.subject} deprecated{when}", **places(pair, "deprecated"))


diff_rule(
    "parameter-undeprecated", kind="parameter", level="info",
    summary="A parameter is no longer deprecated.",
    why="""The parameter stays: clients migrating off it may stop. Nothing breaks.""",
    base=_doc(_STATUS, _param(", deprecated: true")),
    revision=_doc(_STATUS, _param("")),
)(_turned("deprecated", False, "no longer deprecated"))


# -- schema or content ---------------------------------------------------------------------

_CONTENT_FILTER = """        - name: filter
          in: query
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}"""
_SCHEMA_FILTER = """        - name: filter
          in: query
          schema:
            type: object
            properties:
              status: {type: string}"""


def _form(param: Any) -> str | None:
    """How a parameter's value is written: by ``style`` from its ``schema``, or as one
    media type (``content``)."""
    if not isinstance(param, dict):
        return None
    return "schema" if "schema" in param else "content" if "content" in param else None


@diff_rule(
    "parameter-content-switched", kind="parameter", level="breaking",
    summary="A parameter switched between a schema (serialised by style) and content (a "
            "media type).",
    why="""A parameter with a ``schema`` is written by its style (?filter[status]=paid,
    status=paid); one with ``content`` is the media type's text (?filter={"status":"paid"}).
    Clients keep writing the old form and the server misreads it. The schema is still
    compared with the media type's, so a type change made at the same time is reported too;
    the media type appearing or disappearing is this change, not an addition or removal.""",
    base=_doc(_STATUS, _SCHEMA_FILTER),
    revision=_doc(_STATUS, _CONTENT_FILTER),
)
def parameter_content_switched(pair: Pair) -> Iterator[Hit]:
    if not _both(pair):
        return
    old, new = _form(pair.base), _form(pair.rev)
    if old and new and old != new:
        content = (pair.rev if new == "content" else pair.base)["content"]
        media = ", ".join(repr(str(m)) for m in (content if isinstance(content, dict) else ()))
        text = (f"now written as {media} content instead of by style" if new == "content"
                else f"now written by style instead of as {media} content")
        yield Hit(f"{pair.subject} {text}", base_at=pair.base_at(old), rev_at=pair.rev_at(new))
