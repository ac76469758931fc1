"""Request-body and media-type rules.

A request body is what the caller sends: request data when clients call the API, but data
the API writes (direction ``response``) in a webhook or a callback, where the API is the
caller. Its rules therefore give a level per direction, like the media types, which sit
under request bodies, responses and parameters alike; the walker hands each pair the
direction of its holder. Schema changes under a media type are the schema rules' business,
not these. A removed media type that a range now covers (``application/json`` ->
``application/*``) is paired with that range by the walker: a generalisation, not a removal.

Added and removed things are placed where the operation names them (its ``requestBody``, its
``content`` entry), so a body component added to two operations is two changes; changes
inside a shared body or response component are placed at the component and so reported once.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Direction, Hit
from ledgerpact.governance.diff.openapi_walk import media_covers
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import flag, flipped, parent_at, places
from ledgerpact.governance.diff.rules._examples import (
    content,
    created,
    get_invoice,
    media,
    openapi,
    post,
    request_body,
)

_PAYMENT = """
    type: object
    properties:
      amount: {type: string, pattern: '^[0-9]+[.][0-9]{2}$'}
      currency: {type: string, minLength: 3, maxLength: 3}
    """


def _body_doc(body: bool = True, required: bool | None = None) -> str:
    """POST /payments, with a payment as its request body (``required`` as given) or with
    none (``body=False``)."""
    shown = request_body(content(8, _PAYMENT), required) if body else ""
    return openapi("Payments", post("/payments", "createPayment", shown,
                                    created("The payment was recorded.")))


def _required(body: object) -> bool:
    return flag(body, "required")


def _op_place(pair: Pair, side: str) -> tuple[str, str] | None:
    """Where the operation names its request body (not the component it may point at)."""
    return parent_at(pair, side, "requestBody")


@diff_rule(
    "required-request-body-added", kind="request-body", request="breaking", response="info",
    additive=True,
    summary="An operation that took no request body now requires one.",
    why="""Existing clients call the operation without a body; the server now rejects every
    one of those calls. In a webhook or callback the API now always sends a body: more
    information for receivers.""",
    base=_body_doc(body=False),
    revision=_body_doc(required=True),
)
def required_request_body_added(pair: Pair) -> Iterator[Hit]:
    if pair.added and _required(pair.rev):
        yield Hit("request body added as required", rev_at=_op_place(pair, "rev"))


@diff_rule(
    "optional-request-body-added", kind="request-body", request="info", response="info",
    additive=True, example=Direction.REQUEST,
    summary="An operation that took no request body now accepts an optional one.",
    why="""Existing clients keep calling without a body and the server still accepts that;
    new clients may send the body. A new capability: a minor version.""",
    base=_body_doc(body=False),
    revision=_body_doc(),
)
def optional_request_body_added(pair: Pair) -> Iterator[Hit]:
    if pair.added and not _required(pair.rev):
        yield Hit("optional request body added", rev_at=_op_place(pair, "rev"))


@diff_rule(
    "request-body-removed", kind="request-body", request="warning", response="breaking",
    example=Direction.REQUEST,
    summary="An operation no longer takes a request body.",
    why="""Clients that still send the body are not rejected by a lenient server, but what
    they send is now silently ignored: a payment note or an invoice line they think they set
    is dropped. Strict servers may reject the unexpected body outright. In a webhook or
    callback the API stops sending the payload receivers read: breaking.""",
    base=_body_doc(),
    revision=_body_doc(body=False),
)
def request_body_removed(pair: Pair) -> Iterator[Hit]:
    if pair.removed:
        yield Hit("request body removed", base_at=_op_place(pair, "base"))


@diff_rule(
    "request-body-became-required", kind="request-body", request="breaking", response="info",
    summary="An optional request body became required.",
    why="""Clients that called the operation without a body (relying on it being optional)
    are now rejected. In a webhook or callback the API now always sends it.""",
    base=_body_doc(required=False),
    revision=_body_doc(required=True),
)
def request_body_became_required(pair: Pair) -> Iterator[Hit]:
    if pair.both and flipped(pair, "required", True):
        yield Hit("request body became required", **places(pair, "required"))


@diff_rule(
    "request-body-became-optional", kind="request-body", request="info", response="breaking",
    example=Direction.REQUEST,
    additive=True,
    summary="A required request body became optional.",
    why="""Every call that was valid stays valid; clients may now also omit the body. In a
    webhook or callback the API may now send no body, which receivers that read it do not
    expect.""",
    base=_body_doc(required=True),
    revision=_body_doc(),
)
def request_body_became_optional(pair: Pair) -> Iterator[Hit]:
    if pair.both and flipped(pair, "required", False):
        yield Hit("request body became optional", **places(pair, "required"))


def _has(node: object, key: str) -> bool:
    return isinstance(node, dict) and key in node


# -- media types ----------------------------------------------------------------------------

# A response in JSON, and maybe PDF; a request body in JSON, and maybe a form.
_JSON = media(12, "type: object\nproperties:\n  invoiceNumber: {type: string}\n"
                  "  total: {type: string}")
_PDF = media(12, "{type: string, contentMediaType: application/pdf}", "application/pdf")
_PDF_BARE = "            application/pdf: {}\n"
_SUPPLIER = "type: object\nproperties:\n  name: {type: string}\n  vatNumber: {type: string}"
_SUPPLIER_JSON = media(10, _SUPPLIER)
_SUPPLIER_FORM = media(10, _SUPPLIER, "application/x-www-form-urlencoded")
_SUPPLIER_FORM_BARE = "          application/x-www-form-urlencoded: {}\n"


def _response_media(*entries: str) -> str:
    """GET /invoices/{id} whose 200 response has these media types (at 12 spaces)."""
    return openapi("Invoices", get_invoice("          content:\n" + "".join(entries)))


def _request_media(*entries: str) -> str:
    """POST /suppliers whose required request body has these media types (at 10 spaces)."""
    body = request_body("        content:\n" + "".join(entries))
    return openapi("Suppliers", post("/suppliers", "createSupplier", body,
                                     created("The supplier was created.")))


def _media_name(pair: Pair) -> str:
    return str(pair.info.get("media", "?"))


@diff_rule(
    "media-type-removed", kind="media-type", request="breaking", response="breaking",
    example=Direction.REQUEST,
    summary="A media type was removed from a request body, a response or a parameter.",
    why="""In a request, clients that send that media type (a form post, an XML payload) are
    now refused with 415. In a response, clients that ask for it in ``Accept`` (a PDF of an
    invoice) get 406 or a representation they cannot read. Either way existing calls break.""",
    base=_request_media(_SUPPLIER_JSON, _SUPPLIER_FORM),
    revision=_request_media(_SUPPLIER_JSON),
)
def media_type_removed(pair: Pair) -> Iterator[Hit]:
    if pair.removed:
        yield Hit(f"media type {_media_name(pair)!r} removed")


@diff_rule(
    "media-type-added", kind="media-type", request="info", response="info",
    example=Direction.RESPONSE, additive=True,
    summary="A media type was added to a request body, a response or a parameter.",
    why="""A request may now be sent in another format, and a response served in another
    format when a client asks for it in ``Accept``; clients that never ask never see it.
    Nothing existing changes: a new capability, a minor version.""",
    base=_response_media(_JSON),
    revision=_response_media(_JSON, _PDF),
)
def media_type_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"media type {_media_name(pair)!r} added")


@diff_rule(
    "media-type-schema-added", kind="media-type", request="breaking", response="info",
    summary="A media type that had no schema now has one.",
    why="""Without a schema the content is unconstrained. In a request, a schema narrows what
    the server accepts: payloads valid before may now be refused. In a response it only
    documents what the server returns, which old clients already coped with.""",
    base=_request_media(_SUPPLIER_JSON, _SUPPLIER_FORM_BARE),
    revision=_request_media(_SUPPLIER_JSON, _SUPPLIER_FORM),
)
def media_type_schema_added(pair: Pair) -> Iterator[Hit]:
    if pair.both and not _has(pair.base, "schema") and _has(pair.rev, "schema"):
        yield Hit(f"schema added to media type {_media_name(pair)!r}",
                  rev_at=pair.rev_at("schema"))


@diff_rule(
    "media-type-schema-removed", kind="media-type", request="info", response="breaking",
    summary="A media type's schema was removed.",
    why="""Without a schema the content is unconstrained. In a response the server may now
    return anything under that media type, and clients (often generated from the schema)
    lose the shape they parse. In a request it only widens what the server accepts.""",
    base=_response_media(_JSON, _PDF),
    revision=_response_media(_JSON, _PDF_BARE),
)
def media_type_schema_removed(pair: Pair) -> Iterator[Hit]:
    if pair.both and _has(pair.base, "schema") and not _has(pair.rev, "schema"):
        yield Hit(f"schema removed from media type {_media_name(pair)!r}",
                  base_at=pair.base_at("schema"))


@diff_rule(
    "media-type-generalised", kind="media-type", request="info", response="warning",
    summary="A media type was replaced by a range that covers it (application/json -> "
            "application/*).",
    why="""The range still matches the media type clients use, and the old entry's schema is
    compared with the range's, so this is not a removal. In a request the server accepts
    more than before: nothing breaks. In a response the server may now send any type of the
    range (XML where clients parse JSON) unless clients ask for theirs in Accept: a
    warning.""",
    base=_response_media(_JSON),
    revision=_response_media(_JSON.replace("application/json:", "application/*:")),
)
def media_type_generalised(pair: Pair) -> Iterator[Hit]:
    old, new = str(pair.info.get("base_media", "")), _media_name(pair)
    if pair.both and old and media_covers(new, old):
        yield Hit(f"media type {old!r} generalised to {new!r}")


@diff_rule(
    "media-type-specialised", kind="media-type", request="breaking", response="info",
    summary="A media range was replaced by a media type it covers (application/* -> "
            "application/json, or a parameter such as charset now required).",
    why="""In a request the server now accepts only part of what it did: clients sending
    another type of the range (XML where only JSON is left), or the type without the
    parameter now named, are refused with 415. In a response the server promises less than
    the range allowed, which clients already had to cope with. The range's schema is
    compared with the type's, so this is one change, not a removal and an addition.""",
    base=_request_media(_SUPPLIER_JSON.replace("application/json:", "application/*:")),
    revision=_request_media(_SUPPLIER_JSON),
)
def media_type_specialised(pair: Pair) -> Iterator[Hit]:
    old, new = str(pair.info.get("base_media", "")), _media_name(pair)
    if pair.both and old and media_covers(old, new):
        yield Hit(f"media type {old!r} narrowed to {new!r}")
