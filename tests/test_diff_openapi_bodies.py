"""Request-body, response, media-type and header diff rules beyond their own fixtures: shared
components reported once where they change, added/removed things placed where the operation
names them, the level of a media-type rule in each direction, and pairing that follows HTTP
(header names and media types are case-insensitive)."""

from __future__ import annotations

from pathlib import Path

from ledgerpact.governance.diff.model import Change, Direction, Level
from tests.diff_helpers import diff_texts

_HEAD = """openapi: 3.1.0
info: {title: Invoicing, version: 1.0.0}
"""

# Two operations share one response component, which carries a header and two media types.
_SHARED = _HEAD + """paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200": {$ref: '#/components/responses/InvoicePage'}
  /customers/{id}/invoices:
    get:
      operationId: listCustomerInvoices
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {$ref: '#/components/responses/InvoicePage'}
components:
  responses:
    InvoicePage:
      description: A page of invoices.
      headers:
HEADERS      content:
MEDIA"""

_CURSOR = """        X-Next-Cursor:
          required: true
          schema: {type: string}
"""
_JSON = """        application/json:
          schema:
            type: array
            items:
              type: object
              properties:
                invoiceNumber: {type: string}
                total: {type: string}
"""
_CSV = """        text/csv:
          schema: {type: string}
"""
_REQUEST_ID = """        X-Request-Id:
          schema: {type: string}
"""


def _shared(headers: str, *media: str) -> str:
    return _SHARED.replace("HEADERS", headers).replace("MEDIA", "".join(media))


def _only(changes: list[Change], rule: str) -> Change:
    found = [c for c in changes if c.rule == rule]
    assert len(found) == 1, (rule, [(c.rule, c.message, c.affects) for c in changes])
    return found[0]


def _rules(changes: list[Change]) -> list[str]:
    return sorted(c.rule for c in changes)


BOTH_LISTS = ["GET /customers/{id}/invoices", "GET /invoices"]


def test_shared_response_component_change_is_reported_once_for_every_operation(
        tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _shared(_REQUEST_ID + _CURSOR, _JSON, _CSV),
                         _shared(_REQUEST_ID, _JSON))
    assert _rules(changes) == ["media-type-removed", "required-header-removed"]
    header = _only(changes, "required-header-removed")
    assert header.level is Level.BREAKING and header.direction is Direction.RESPONSE
    assert header.affects == BOTH_LISTS
    assert header.base is not None and header.revision is None
    assert header.base.pointer == "/components/responses/InvoicePage/headers/X-Next-Cursor"
    assert header.base.line == 23  # the header's own line in the component
    media = _only(changes, "media-type-removed")
    assert media.message == "media type 'text/csv' removed"
    assert media.affects == BOTH_LISTS
    assert media.base is not None
    assert media.base.pointer == "/components/responses/InvoicePage/content/text~1csv"


def test_header_became_optional_in_shared_component_is_one_change(tmp_path: Path) -> None:
    optional = _CURSOR.replace("required: true", "required: false")
    changes = diff_texts(tmp_path, _shared(_CURSOR, _JSON), _shared(optional, _JSON))
    change = _only(changes, "header-became-optional")
    assert change.level is Level.BREAKING and change.affects == BOTH_LISTS
    assert change.revision is not None
    assert change.revision.pointer == \
        "/components/responses/InvoicePage/headers/X-Next-Cursor/required"
    assert len(changes) == 1


# -- statuses -------------------------------------------------------------------------------

_STATUSES = _HEAD + """paths:
  /payments:
    post:
      operationId: createPayment
      responses:
RESPONSES  /refunds:
    post:
      operationId: createRefund
      responses:
RESPONSEScomponents:
  responses:
    Problem:
      description: A problem report.
      content:
        application/problem+json:
          schema:
            type: object
            properties:
              title: {type: string}
              detail: {type: string}
"""


def _statuses(*codes: str) -> str:
    lines = "".join(
        f"        {code!r}: {{$ref: '#/components/responses/Problem'}}\n"
        if code[0] in "45" or code == "default" else
        f"        {code!r}: {{description: Done.}}\n" for code in codes)
    return _STATUSES.replace("RESPONSES", lines)


def test_removing_a_shared_response_is_placed_at_each_operation(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _statuses("201", "409"), _statuses("201"))
    removed = [c for c in changes if c.rule == "error-response-removed"]
    assert len(removed) == 2, [(c.rule, c.message) for c in changes]
    places = sorted((c.base.pointer, tuple(c.affects)) for c in removed if c.base)
    assert places == [("/paths/~1payments/post/responses/409", ("POST /payments",)),
                      ("/paths/~1refunds/post/responses/409", ("POST /refunds",))]
    assert all(c.level is Level.INFO and c.message == "error status 409 removed"
               for c in removed)
    assert len(changes) == 2  # the component itself did not change


def test_status_classes_and_ranges(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _statuses("200", "303", "4XX"),
                         _statuses("2XX", "5XX", "default"))
    got = sorted({(c.rule, c.level.label, c.message) for c in changes})
    assert got == [
        ("default-response-added", "info", "default response added"),
        ("error-response-added", "info", "error status 5XX added"),
        ("error-response-removed", "info", "error status 4XX removed"),
        # 2XX covers the 200 it replaces: a generalisation (its content still compared).
        ("response-status-generalised", "warning", "status 200 generalised to 2XX"),
        ("success-response-removed", "breaking", "success status 303 removed"),
    ]
    assert all(c.direction is Direction.RESPONSE for c in changes)


def test_removed_response_reports_nothing_inside_it(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _statuses("201", "422"), _statuses("201"))
    assert {c.rule for c in changes} == {"error-response-removed"}


# -- request bodies -------------------------------------------------------------------------

_BODIES = _HEAD + """paths:
  /invoices:
    post:
      operationId: createInvoice
BODY      responses:
        "201": {description: Created.}
  /credit-notes:
    post:
      operationId: createCreditNote
BODY      responses:
        "201": {description: Created.}
components:
  requestBodies:
    Document:
REQUIRED      content:
        application/json:
          schema:
            type: object
            properties:
              contactId: {type: string}
              lines:
                type: array
                items: {type: object, properties: {amount: {type: string}}}
"""
_REF_BODY = "      requestBody: {$ref: '#/components/requestBodies/Document'}\n"


def _bodies(body: str = _REF_BODY, required: bool | None = None) -> str:
    flag = "" if required is None else f"      required: {str(required).lower()}\n"
    return _BODIES.replace("BODY", body).replace("REQUIRED", flag)


def test_shared_request_body_became_required_is_one_change(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _bodies(required=False), _bodies(required=True))
    change = _only(changes, "request-body-became-required")
    assert change.level is Level.BREAKING and change.direction is Direction.REQUEST
    assert change.affects == ["POST /credit-notes", "POST /invoices"]
    assert change.revision is not None
    assert change.revision.pointer == "/components/requestBodies/Document/required"
    assert len(changes) == 1


def test_shared_request_body_became_optional(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _bodies(required=True), _bodies())
    change = _only(changes, "request-body-became-optional")
    assert change.level is Level.INFO and change.bump.label == "minor"
    assert change.base is not None and change.revision is not None
    assert change.base.pointer == "/components/requestBodies/Document/required"
    assert change.revision.pointer == "/components/requestBodies/Document"
    assert len(change.affects) == 2


def test_request_body_added_is_placed_at_each_operation(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _bodies(""), _bodies(required=True))
    added = sorted((c.revision.pointer, c.level.label) for c in changes
                   if c.rule == "required-request-body-added" and c.revision)
    assert added == [("/paths/~1credit-notes/post/requestBody", "breaking"),
                     ("/paths/~1invoices/post/requestBody", "breaking")]
    assert len(changes) == 2  # nothing reported about the media types inside


def test_request_body_removed_is_a_warning_and_only_that(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _bodies(required=True), _bodies(""))
    assert {(c.rule, c.level, c.direction) for c in changes} == {
        ("request-body-removed", Level.WARNING, Direction.REQUEST)}
    assert len(changes) == 2


def test_body_schema_changes_are_left_to_the_schema_rules(tmp_path: Path) -> None:
    base = _bodies(required=True)
    revision = base.replace("contactId: {type: string}", "contactId: {type: integer}")
    changes = diff_texts(tmp_path, base, revision)
    assert changes, "the schema rules report the type change"
    assert not {c.rule for c in changes} & {
        "request-body-became-required", "request-body-became-optional", "media-type-removed",
        "media-type-added", "media-type-schema-added", "media-type-schema-removed"}


# -- media types in each direction ------------------------------------------------------------

_EXPORT = _HEAD + """paths:
  /ledger/export:
    post:
      operationId: exportLedger
      parameters:
        - name: filter
          in: query
          content:
PARAM      requestBody:
        required: true
        content:
REQUEST      responses:
        "200":
          description: The exported ledger.
          content:
RESPONSE"""

_PARAM_JSON = """            application/json:
              schema: {type: object, properties: {account: {type: string}}}
"""
_BODY_JSON = """          application/json:
            schema: {type: object, properties: {from: {type: string, format: date}}}
"""
_BODY_XML = """          application/xml:
            schema: {type: object, properties: {from: {type: string, format: date}}}
"""
_BODY_XML_BARE = "          application/xml: {}\n"
_RESP_JSON = """            application/json:
              schema: {type: array, items: {type: string}}
"""
_RESP_CSV = """            text/csv:
              schema: {type: string}
"""
_RESP_CSV_BARE = "            text/csv: {}\n"


def _export(param: str = _PARAM_JSON, request: str = _BODY_JSON + _BODY_XML,
            response: str = _RESP_JSON + _RESP_CSV) -> str:
    return (_EXPORT.replace("PARAM", param).replace("REQUEST", request)
            .replace("RESPONSE", response))


def _levels(changes: list[Change]) -> set[tuple[str, str, str]]:
    return {(c.rule, c.direction.value, c.level.label) for c in changes}


def test_media_type_removed_breaks_both_ways(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _export(), _export(request=_BODY_JSON, response=_RESP_JSON))
    assert _levels(changes) == {("media-type-removed", "request", "breaking"),
                                ("media-type-removed", "response", "breaking")}


def test_media_type_added_is_info_both_ways(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _export(request=_BODY_JSON, response=_RESP_JSON), _export())
    assert _levels(changes) == {("media-type-added", "request", "info"),
                                ("media-type-added", "response", "info")}
    assert all(c.bump.label == "minor" for c in changes)


def test_media_type_schema_added_and_removed_depend_on_direction(tmp_path: Path) -> None:
    bare = _export(request=_BODY_JSON + _BODY_XML_BARE, response=_RESP_JSON + _RESP_CSV_BARE)
    (tmp_path / "added").mkdir()
    (tmp_path / "removed").mkdir()
    added = diff_texts(tmp_path / "added", bare, _export())
    assert _levels(added) == {("media-type-schema-added", "request", "breaking"),
                              ("media-type-schema-added", "response", "info")}
    removed = diff_texts(tmp_path / "removed", _export(), bare)
    assert _levels(removed) == {("media-type-schema-removed", "request", "info"),
                                ("media-type-schema-removed", "response", "breaking")}
    csv = next(c for c in removed if c.direction is Direction.RESPONSE)
    assert csv.base is not None and csv.base.pointer.endswith("/content/text~1csv/schema")


def test_parameter_content_media_type_is_request_direction(tmp_path: Path) -> None:
    text = "            text/plain:\n              schema: {type: string}\n"
    changes = diff_texts(tmp_path, _export(), _export(param=text))
    assert _levels(changes) == {("media-type-removed", "request", "breaking"),
                                ("media-type-added", "request", "info")}


def test_media_type_and_header_names_pair_case_insensitively(tmp_path: Path) -> None:
    base = _shared(_CURSOR, _JSON, _CSV)
    revision = _shared(_CURSOR.replace("X-Next-Cursor", "x-next-cursor"),
                       _JSON.replace("application/json", "Application/JSON"),
                       _CSV.replace("text/csv", "text/CSV"))
    assert diff_texts(tmp_path, base, revision) == []


def test_content_type_response_header_is_ignored(tmp_path: Path) -> None:
    content_type = ("        Content-Type:\n          required: true\n"
                    "          schema: {type: string}\n")
    changes = diff_texts(tmp_path, _shared(_CURSOR + content_type, _JSON), _shared(_CURSOR, _JSON))
    assert changes == []


def test_header_moved_into_a_component_is_no_change(tmp_path: Path) -> None:
    base = _shared(_CURSOR, _JSON)
    revision = _shared("        X-Next-Cursor: {$ref: '#/components/headers/Cursor'}\n", _JSON) \
        + "  headers:\n    Cursor:\n      required: true\n      schema: {type: string}\n"
    assert diff_texts(tmp_path, base, revision) == []
