"""Response and response-header rules: status codes, the ``default`` response, headers.

Responses are written by the API and read by clients. In a webhook or a callback the API
sends the request and reads the receiver's response, so there responses (and their headers)
are request data, and the rules whose verdict depends on who reads carry a level per
direction. Headers of a multipart part (``encoding``) are handed here too, with the direction
of their body. A removed status that a range now covers (``200`` -> ``2XX``) is paired with
that range by the walker: a generalisation, not a removal.

A status added or removed is placed at the operation's ``responses`` entry (where the
operation names it, even when it points at a shared component); a header added or removed
is placed in the response that holds it, so a change to a shared response component is
reported once, there, with every operation that uses it. Header and media-type schemas are
compared by the schema rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Check, Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import flag, flipped, parent_at, places
from ledgerpact.governance.diff.rules._examples import content, openapi, post, request_body

_INVOICE = "type: object\nproperties:\n  contactId: {type: string}\n  total: {type: string}\n"

_R200 = """        "200":
          description: An identical invoice already existed; it is returned.
"""
_R201 = """        "201":
          description: The invoice was created.
"""
_R202 = """        "202":
          description: The invoice was queued for approval.
"""
_R409 = """        "409":
          description: The invoice number is already used.
"""
_R422 = """        "422":
          description: The invoice does not balance.
"""
_DEFAULT = """        default:
          description: An unexpected error.
"""
_R2XX = """        "2XX":
          description: The invoice was created or an identical one returned.
"""


def _status_doc(*responses: str) -> str:
    """POST /invoices with these responses (entries at 8 spaces)."""
    return openapi("Invoices", post("/invoices", "createInvoice",
                                    request_body(content(8, _INVOICE)), "".join(responses)))


def _status(pair: Pair) -> str:
    return str(pair.info.get("status", "?"))


def _is_error(status: str) -> bool:
    """4xx and 5xx (and their ``4XX``/``5XX`` ranges); every other status is an outcome a
    client acts on as success (2xx, and 1xx/3xx which clients must follow or handle)."""
    return status[:1] in ("4", "5")


def _group(status: str) -> str:
    """Which rules speak of a status: "default", "error" or "success"."""
    if status == "default":
        return "default"
    return "error" if _is_error(status) else "success"


def _status_check(group: str, added: bool) -> Check:
    """The check of the rule for a response of ``group`` added (or removed): placed at the
    operation's own ``responses`` entry, since that operation is what changed."""
    def check(pair: Pair) -> Iterator[Hit]:
        status = _status(pair)
        if not (pair.added if added else pair.removed) or _group(status) != group:
            return
        what = "default response" if group == "default" else f"{group} status {status}"
        if added:
            yield Hit(f"{what} added", rev_at=parent_at(pair, "rev", "responses", status))
        else:
            yield Hit(f"{what} removed", base_at=parent_at(pair, "base", "responses", status))
    return check


diff_rule(
    "success-response-removed", kind="response", level="breaking",
    summary="A success (non-error) response status was removed from an operation.",
    why="""Clients wait for that status (a 201 with the created invoice, a 200 with the
    payment) and read its body; the server no longer returns it, so they take the outcome
    they get for an error or fail to parse it. Covers 2xx and also 1xx/3xx: a redirect that
    is no longer sent changes what clients must do.""",
    base=_status_doc(_R201, _R202),
    revision=_status_doc(_R201),
)(_status_check("success", added=False))
diff_rule(
    "success-response-added", kind="response", request="info", response="warning",
    additive=True,
    summary="A new success (non-error) response status was added to an operation.",
    why="""Clients written against the old description handle the statuses it listed; a new
    one (a 202 'accepted for approval' next to the 201 'created') may be treated as a
    failure or its body misread. Nothing is refused, so it is not breaking, but clients
    must be checked. In a webhook or callback the API reads the receiver's response, and
    accepting one more success status only widens what it takes.""",
    base=_status_doc(_R201),
    revision=_status_doc(_R201, _R202),
)(_status_check("success", added=True))
diff_rule(
    "error-response-added", kind="response", level="info", additive=True,
    summary="A new error response status was documented for an operation.",
    why="""Clients already handle errors generically (any 4xx/5xx); documenting one more, such
    as a 409 for a duplicate invoice number, tells them more without changing what the
    server accepts.""",
    base=_status_doc(_R201),
    revision=_status_doc(_R201, _R409),
)(_status_check("error", added=True))
diff_rule(
    "error-response-removed", kind="response", level="info",
    summary="An error response status is no longer documented for an operation.",
    why="""Clients still handle errors generically; one the server says it no longer returns
    cannot surprise them. Its schema is no longer a promise, so clients that parsed that
    error's body specially should take note.""",
    base=_status_doc(_R201, _R422),
    revision=_status_doc(_R201),
)(_status_check("error", added=False))
diff_rule(
    "default-response-added", kind="response", level="info", additive=True,
    summary="An operation gained a ``default`` response.",
    why="""The ``default`` response describes every status not listed; adding one documents
    what undocumented statuses (usually errors) carry, which clients could not rely on
    before.""",
    base=_status_doc(_R201),
    revision=_status_doc(_R201, _DEFAULT),
)(_status_check("default", added=True))
diff_rule(
    "default-response-removed", kind="response", level="warning",
    summary="An operation's ``default`` response was removed.",
    why="""Clients that parse unlisted statuses with the ``default`` response's schema (the
    usual error envelope) lose that promise: the server may still send those statuses, now
    with an undocumented body.""",
    base=_status_doc(_R201, _DEFAULT),
    revision=_status_doc(_R201),
)(_status_check("default", added=False))


def _range_change(pair: Pair, generalised: bool) -> Iterator[Hit]:
    """A status paired with the range that replaced it (``generalised``: ``200`` -> ``2XX``)
    or a range paired with a status that replaced it (``2XX`` -> ``200``)."""
    old, new = str(pair.info.get("base_status", "")), _status(pair)
    if not pair.both or old.upper() == new.upper():
        return
    if generalised == new.upper().endswith("XX"):
        yield Hit(f"status {old} {'generalised' if generalised else 'narrowed'} to {new}",
                  base_at=parent_at(pair, "base", "responses", old),
                  rev_at=parent_at(pair, "rev", "responses", new))


@diff_rule(
    "response-status-generalised", kind="response", request="info", response="warning",
    summary="A response status was replaced by the range that covers it (200 -> 2XX).",
    why="""The range still covers the status clients handle, so nothing they relied on is
    gone, and the response's content is still compared with the old one's: this is not a
    removal. But the server may now answer with any status of the range (a 201 or a 204
    where clients expected exactly 200), which clients that test for one code treat as a
    failure: a warning. Where the API reads the response (a webhook, a callback), it accepts
    more than before: nothing breaks.""",
    base=_status_doc(_R200),
    revision=_status_doc(_R2XX),
)
def response_status_generalised(pair: Pair) -> Iterator[Hit]:
    yield from _range_change(pair, generalised=True)


@diff_rule(
    "response-status-specialised", kind="response", request="breaking", response="info",
    example=Direction.RESPONSE,
    summary="A response status range was replaced by a status it covers (2XX -> 200).",
    why="""The server promises less than before: clients that handled the whole range handle
    the one status too, and its content is compared with the range's. Where the API reads
    the response (a webhook, a callback), receivers that answer with another status of the
    range (a 204 where only 200 is accepted now) are treated as failures: breaking.""",
    base=_status_doc(_R2XX),
    revision=_status_doc(_R200),
)
def response_status_specialised(pair: Pair) -> Iterator[Hit]:
    yield from _range_change(pair, generalised=False)


# -- headers --------------------------------------------------------------------------------

_HEADER_DOC = """openapi: 3.1.0
info: {title: Payments, version: 1.0.0}
paths:
  /payments:
    get:
      operationId: listPayments
      responses:
        "200":
          description: A page of payments.
          headers:
            X-Request-Id:
              schema: {type: string}
HEADERS          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    paymentId: {type: string}
                    amount: {type: string}
"""


def _header_doc(name: str = "", **flags: bool) -> str:
    if not name:
        return _HEADER_DOC.replace("HEADERS", "")
    lines = [f"            {name}:\n"]
    lines += [f"              {key}: {str(value).lower()}\n" for key, value in flags.items()]
    lines.append("              schema: {type: integer, minimum: 0}\n")
    return _HEADER_DOC.replace("HEADERS", "".join(lines))


def _name(pair: Pair) -> str:
    return str(pair.info.get("name", "?"))


def _counts(pair: Pair) -> bool:
    """OpenAPI says a response header named Content-Type is ignored (``content`` says it)."""
    return _name(pair).lower() != "content-type"


def _turned(key: str, now: bool, says: str) -> Check:
    """The check of a rule for a header present on both sides whose boolean ``key`` turned
    ``now``; ``says`` what that means (after the header's name)."""
    def check(pair: Pair) -> Iterator[Hit]:
        if pair.both and _counts(pair) and flipped(pair, key, now):
            yield Hit(f"header {_name(pair)!r} {says}", **places(pair, key))
    return check


def _holder_place(pair: Pair, side: str) -> tuple[str, str] | None:
    """The response's ``headers`` entry, not the header component it may point at."""
    return parent_at(pair, side, "headers", pair.info.get("name", "?"))


_LIMIT = "X-Rate-Limit-Remaining"
# Headers are written by whoever writes what holds them: the API for a response; the client
# for a multipart part of a request body; the receiver for a webhook's or callback's response.
# Their rules say what a change means to the reader, so most have a level per direction and
# their examples show the usual case, a response header.
_SHOWN = Direction.RESPONSE


@diff_rule(
    "required-header-removed", kind="header", request="info", response="breaking",
    summary="A header declared required was removed.",
    why="""A required header is a promise that it is always there; clients read it without
    checking (a rate-limit counter, a pagination cursor, a Location). Removing it breaks
    them. Where the API reads the header (a part of a multipart request, a webhook's
    response), it only stops requiring it.""",
    base=_header_doc(_LIMIT, required=True),
    revision=_header_doc(),
)
def required_header_removed(pair: Pair) -> Iterator[Hit]:
    if _counts(pair) and pair.removed and flag(pair.base, "required"):
        yield Hit(f"required header {_name(pair)!r} removed", base_at=_holder_place(pair, "base"))


@diff_rule(
    "header-removed", kind="header", level="warning",
    summary="An optional header was removed.",
    why="""The header was never promised, so careful clients already cope without it; but
    clients that used it when present lose that information. Where the API reads it (a
    multipart part, a webhook's response), what senders still write is ignored.""",
    base=_header_doc(_LIMIT),
    revision=_header_doc(),
)
def header_removed(pair: Pair) -> Iterator[Hit]:
    if _counts(pair) and pair.removed and not flag(pair.base, "required"):
        yield Hit(f"header {_name(pair)!r} removed", base_at=_holder_place(pair, "base"))


@diff_rule(
    "header-added", kind="header", request="info", response="info", additive=True,
    example=_SHOWN,
    summary="An optional header was added.",
    why="""Clients ignore headers they do not know; a new one is more information for those
    that want it. Where the API reads it, senders may leave it out.""",
    base=_header_doc(),
    revision=_header_doc(_LIMIT),
)
def header_added(pair: Pair) -> Iterator[Hit]:
    if _counts(pair) and pair.added and not flag(pair.rev, "required"):
        yield Hit(f"header {_name(pair)!r} added", rev_at=_holder_place(pair, "rev"))


@diff_rule(
    "required-header-added", kind="header", request="breaking", response="info",
    additive=True, example=_SHOWN,
    summary="A header was added as required.",
    why="""In a response, clients ignore headers they do not know: a new header, promised
    always there, is more information for those that want it. Where the API reads the header
    (a part of a multipart request, a webhook's or callback's response), senders do not send
    it yet, and the API now refuses what they send.""",
    base=_header_doc(),
    revision=_header_doc(_LIMIT, required=True),
)
def required_header_added(pair: Pair) -> Iterator[Hit]:
    if _counts(pair) and pair.added and flag(pair.rev, "required"):
        yield Hit(f"required header {_name(pair)!r} added", rev_at=_holder_place(pair, "rev"))


diff_rule(
    "header-became-optional", kind="header", request="info", response="breaking",
    summary="A required header became optional.",
    why="""Clients relied on the header always being there (it was required) and read it
    without checking; now the server may leave it out. Where the API reads it, senders may
    now leave it out: nothing breaks.""",
    base=_header_doc(_LIMIT, required=True),
    revision=_header_doc(_LIMIT, required=False),
)(_turned("required", False, "became optional"))
diff_rule(
    "header-became-required", kind="header", request="breaking", response="info",
    example=_SHOWN,
    summary="An optional header became required.",
    why="""The server now promises what it may already have sent; clients that checked for
    the header keep working. Where the API reads it (a multipart part, a webhook's
    response), senders that leave it out are now refused.""",
    base=_header_doc(_LIMIT),
    revision=_header_doc(_LIMIT, required=True),
)(_turned("required", True, "became required"))
diff_rule(
    "header-deprecated", kind="header", level="info",
    summary="A header was marked deprecated.",
    why="""Nothing changes yet; clients are told to stop relying on the header before a
    later version removes it.""",
    base=_header_doc(_LIMIT),
    revision=_header_doc(_LIMIT, deprecated=True),
)(_turned("deprecated", True, "deprecated"))
diff_rule(
    "header-undeprecated", kind="header", level="info",
    summary="A header is no longer deprecated.",
    why="""The header stays; clients that planned to stop reading it need not.""",
    base=_header_doc(_LIMIT, deprecated=True),
    revision=_header_doc(_LIMIT),
)(_turned("deprecated", False, "no longer deprecated"))


def _form(node: object) -> str | None:
    if not isinstance(node, dict):
        return None
    return "schema" if "schema" in node else "content" if "content" in node else None


@diff_rule(
    "header-content-switched", kind="header", level="breaking",
    summary="A header switched between a schema (simple style) and content (a media type).",
    why="""A header with a ``schema`` is written in the simple style (``42``, ``a,b``); one
    with ``content`` is the media type's text (``{"remaining":42}``). Whoever reads it parses
    the old form and misreads the new one. Its schema is still compared with the media
    type's.""",
    base=_header_doc(_LIMIT),
    revision=_header_doc(_LIMIT).replace(
        "              schema: {type: integer, minimum: 0}\n",
        "              content:\n                application/json:\n"
        "                  schema: {type: integer, minimum: 0}\n"),
)
def header_content_switched(pair: Pair) -> Iterator[Hit]:
    if not (pair.both and _counts(pair)):
        return
    old, new = _form(pair.base), _form(pair.rev)
    if old and new and old != new:
        text = ("now written as media-type content instead of in the simple style"
                if new == "content" else "now written in the simple style instead of as "
                "media-type content")
        yield Hit(f"header {_name(pair)!r} {text}", base_at=pair.base_at(old),
                  rev_at=pair.rev_at(new))
