"""The OpenAPI areas the first diff walker never compared, and the levels the review corrected:
servers (document, path and operation level, with variables), webhooks and callbacks (requests
the API sends, so directions turned round), response links, multipart/form encodings, a
parameter switched between ``schema`` and ``content``, status and media ranges that cover what
they replace, optional header/cookie parameters removed, and HTTP-date sunsets.

Each test diffs real files written in a temp dir, with "today" pinned where a sunset matters.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ledgerpact.governance.diff.engine import DiffOptions
from ledgerpact.governance.diff.model import Change, Direction, Level
from ledgerpact.governance.diff.rules._common import sunset_date
from ledgerpact.governance.diff.run import diff_sides
from ledgerpact.governance.diff.sides import side_from_file

TODAY = dt.date(2025, 6, 1)


def diff(tmp_path: Path, base: str, revision: str) -> list[Change]:
    for name, text in (("base", base), ("revision", revision)):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "contract.yaml").write_text(text)
    return diff_sides(side_from_file(str(tmp_path / "base" / "contract.yaml")),
                      side_from_file(str(tmp_path / "revision" / "contract.yaml")),
                      options=DiffOptions(today=TODAY))


def shown(changes: list[Change]) -> list[tuple[str, str, str, str]]:
    """(rule, level, direction, message) of each change, sorted."""
    return sorted((c.rule, c.level.label, c.direction.value, c.message) for c in changes)


def only(changes: list[Change], rule: str) -> Change:
    found = [c for c in changes if c.rule == rule]
    assert len(found) == 1, (rule, shown(changes))
    return found[0]


# -- servers -----------------------------------------------------------------------------------

SERVED = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
{servers}paths:
  /invoices:
{path_servers}    get:
      operationId: listInvoices
{op_servers}      responses: {{"200": {{description: The invoices.}}}}
    post:
      operationId: createInvoice
      responses: {{"201": {{description: Created.}}}}
"""


def served(servers: str = "", path_servers: str = "", op_servers: str = "") -> str:
    """The document with servers (flow YAML lists) at the document, path and GET levels."""
    return SERVED.format(
        servers=f"servers: {servers}\n" if servers else "",
        path_servers=f"    servers: {path_servers}\n" if path_servers else "",
        op_servers=f"      servers: {op_servers}\n" if op_servers else "")


V1 = "[{url: 'https://api.example.com/v1'}]"
V2 = "[{url: 'https://api.example.com/v2'}]"


def test_document_server_url_changed_is_one_breaking_change_for_every_operation(
        tmp_path: Path) -> None:
    changes = diff(tmp_path, served(V1), served(V2))
    change = only(changes, "server-url-changed")
    assert len(changes) == 1
    assert change.level is Level.BREAKING and change.direction is Direction.NONE
    assert change.message == ("server URL changed from 'https://api.example.com/v1' to "
                              "'https://api.example.com/v2'")
    assert change.affects == ["GET /invoices", "POST /invoices"]
    assert change.base is not None and change.base.pointer == "/servers/0/url"
    assert change.revision is not None and change.revision.pointer == "/servers/0/url"


def test_path_servers_changed_is_breaking_for_that_path_only(tmp_path: Path) -> None:
    eu, us = "[{url: 'https://eu.example.com'}]", "[{url: 'https://us.example.com'}]"
    changes = diff(tmp_path, served(V1, path_servers=eu), served(V1, path_servers=us))
    change = only(changes, "server-url-changed")
    assert change.affects == ["GET /invoices", "POST /invoices"]
    assert change.base is not None and change.base.pointer == "/paths/~1invoices/servers/0/url"


def test_operation_servers_override_the_documents(tmp_path: Path) -> None:
    # Spelling out the inherited list on the operation changes nothing ...
    assert diff(tmp_path / "same", served(V1), served(V1, op_servers=V1)) == []
    # ... a different one moves that operation only.
    changes = diff(tmp_path / "moved", served(V1), served(V1, op_servers=V2))
    change = only(changes, "server-url-changed")
    assert change.affects == ["GET /invoices"]
    assert change.base is not None and change.base.pointer == "/servers/0/url"
    assert change.revision is not None and \
        change.revision.pointer == "/paths/~1invoices/get/servers/0/url"


def test_servers_removed_added_and_respelled(tmp_path: Path) -> None:
    both = "[{url: 'https://api.example.com/v1'}, {url: 'https://sandbox.example.com/v1'}]"
    removed = diff(tmp_path / "removed", served(both), served(V1))
    assert shown(removed) == [("server-url-removed", "breaking", "none",
                               "server 'https://sandbox.example.com/v1' removed")]
    added = diff(tmp_path / "added", served(V1), served(both))
    assert shown(added) == [("server-url-added", "info", "none",
                             "server 'https://sandbox.example.com/v1' added")]
    assert added[0].bump.label == "minor"
    # Host names are case-insensitive and a trailing slash adds nothing.
    assert diff(tmp_path / "respelled", served(V1),
                served("[{url: 'HTTPS://API.Example.com/v1/'}]")) == []


def test_servers_dropped_or_declared_for_the_first_time(tmp_path: Path) -> None:
    dropped = diff(tmp_path / "dropped", served(V1), served())
    change = only(dropped, "server-url-removed")
    assert change.level is Level.BREAKING and change.revision is None
    assert "the revision lists no servers" in change.message
    declared = diff(tmp_path / "declared", served(), served(V1))
    change = only(declared, "server-url-added")
    assert change.level is Level.INFO and change.base is None


REGION = ("[{{url: 'https://{{region}}.api.example.com/{{version}}', variables: "
          "{{region: {{default: {default}{enum}}}, version: {{default: v1}}}}}}]")


def region(enum: str = ", enum: [eu, us]", default: str = "eu") -> str:
    return REGION.format(enum=enum, default=default)


def test_server_variables_enum_and_default(tmp_path: Path) -> None:
    narrowed = diff(tmp_path / "n", served(region(", enum: [eu, us, ap]")), served(region()))
    assert shown(narrowed) == [(
        "server-variable-enum-narrowed", "breaking", "none",
        "server 'https://{region}.api.example.com/{version}' variable 'region' no longer "
        "offers 'ap'")]
    assert narrowed[0].base is not None and \
        narrowed[0].base.pointer == "/servers/0/variables/region/enum"
    limited = diff(tmp_path / "l", served(region("")), served(region()))
    assert [c.message.rsplit("' ", 1)[-1] for c in limited] == ["now limited to 'eu', 'us'"]
    assert limited[0].rule == "server-variable-enum-narrowed"
    widened = diff(tmp_path / "w", served(region()), served(region(", enum: [eu, us, ap]")))
    assert [(c.rule, c.level) for c in widened] == [("server-variable-enum-widened",
                                                     Level.INFO)]
    moved = diff(tmp_path / "d", served(region()), served(region(default="us")))
    assert shown(moved) == [(
        "server-variable-default-changed", "warning", "none",
        "server 'https://{region}.api.example.com/{version}' variable 'region' default "
        "changed from 'eu' to 'us'")]
    # Renaming a variable (the name is not on the wire) is no change.
    renamed = region().replace("{region}", "{zone}").replace("region:", "zone:")
    assert diff(tmp_path / "r", served(region()), served(renamed)) == []


def test_a_template_that_still_serves_the_old_url_is_no_removal(tmp_path: Path) -> None:
    eu = "[{url: 'https://eu.api.example.com/v1'}]"
    changes = diff(tmp_path, served(eu), served(region()))
    assert shown(changes) == [(
        "server-url-added", "info", "none",
        "server 'https://{region}.api.example.com/{version}' added (it also serves "
        "'https://eu.api.example.com/v1')")]
    # A template that no longer offers the old host is a change.
    us_only = diff(tmp_path / "us", served(eu), served(region(", enum: [us]", "us")))
    assert [c.rule for c in us_only] == ["server-url-changed"]


# -- webhooks ----------------------------------------------------------------------------------

HOOKS = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses: {{"200": {{description: The invoices.}}}}
webhooks:
{hooks}"""

PAID = """  invoicePaid:
    post:
{extra}      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [{required}]
              properties:
                invoiceId: {{type: string}}
                paidAt: {{type: string}}
      responses:
{responses}"""
ACK = "        '200': {description: Received.}\n"
ACK_WITH_ID = """        '200':
          description: Received.
          content:
            application/json:
              schema:
                type: object
                required: [{required}]
                properties:
                  receiptId: {{type: string}}
                  note: {{type: string}}
"""


def hooks(required: str = "invoiceId, paidAt", extra: str = "", responses: str = ACK,
          more: str = "") -> str:
    return HOOKS.format(hooks=PAID.format(required=required, extra=extra,
                                          responses=responses) + more)


def test_webhook_payload_property_removed_is_breaking_for_consumers(tmp_path: Path) -> None:
    base = hooks()
    revision = base.replace("                paidAt: {type: string}\n", "").replace(
        "invoiceId, paidAt", "invoiceId")
    changes = diff(tmp_path, base, revision)
    removed = only(changes, "property-removed")
    assert removed.level is Level.BREAKING and removed.direction is Direction.RESPONSE
    assert removed.affects == ["POST webhook invoicePaid"]
    assert removed.base is not None and removed.base.pointer.startswith(
        "/webhooks/invoicePaid/post/requestBody/")


def test_webhook_directions_are_turned_round(tmp_path: Path) -> None:
    # The API writes the payload: a property it now always sends is nothing to consumers.
    assert shown(diff(tmp_path / "a", hooks("invoiceId"), hooks())) == [
        ("property-became-required", "info", "response", "property 'paidAt' became required")]
    # ... and a new header it sends is nothing either (a required parameter, in a request,
    # would reject every call).
    header = "      parameters:\n        - {name: X-Signature, in: header, required: true, " \
             "schema: {type: string}}\n"
    got = diff(tmp_path / "b", hooks(), hooks(extra=header))
    assert shown(got) == [("required-parameter-added", "info", "response",
                           "required header parameter 'X-Signature' added")]
    # The API reads the consumer's response: requiring more of it breaks consumers.
    got = diff(tmp_path / "c", hooks(responses=ACK_WITH_ID.format(required="")),
               hooks(responses=ACK_WITH_ID.format(required="receiptId")))
    assert shown(got) == [("property-became-required", "breaking", "request",
                           "property 'receiptId' became required")]
    # The API stops sending the body consumers read.
    no_body = hooks().split("      requestBody:")[0] + "      responses:\n" + ACK
    got = diff(tmp_path / "d", hooks(), no_body)
    assert {(c.rule, c.level, c.direction) for c in got} == {
        ("request-body-removed", Level.BREAKING, Direction.RESPONSE)}
    # A 200 the API accepted, widened to any 2XX: it accepts more, nothing breaks.
    got = diff(tmp_path / "e", hooks(), hooks(responses=ACK.replace("'200'", "2XX")))
    assert shown(got) == [("response-status-generalised", "info", "request",
                           "status 200 generalised to 2XX")]
    # Narrowed back: consumers answering 204 are now failures.
    got = diff(tmp_path / "f", hooks(responses=ACK.replace("'200'", "2XX")), hooks())
    assert shown(got) == [("response-status-specialised", "breaking", "request",
                           "status 2XX narrowed to 200")]


def test_webhooks_added_removed_and_deprecated(tmp_path: Path) -> None:
    voided = "  invoiceVoided:\n    post:\n{deprecation}      responses: {{'200': " \
             "{{description: Received.}}}}\n"
    live = hooks(more=voided.format(deprecation=""))
    removed = diff(tmp_path / "r", live, hooks())
    assert shown(removed) == [("webhook-removed", "breaking", "none",
                               "webhook 'invoiceVoided' (POST) removed without deprecation")]
    assert removed[0].affects == ["POST webhook invoiceVoided"]
    assert removed[0].base is not None and \
        removed[0].base.pointer == "/webhooks/invoiceVoided/post"
    added = diff(tmp_path / "a", hooks(), live)
    assert shown(added) == [("webhook-added", "info", "none",
                             "webhook 'invoiceVoided' (POST) added")]
    retired = hooks(more=voided.format(
        deprecation="      deprecated: true\n      x-sunset: 'Sat, 01 Jun 2024 00:00:00 GMT'\n"))
    assert shown(diff(tmp_path / "d", retired, hooks())) == [(
        "deprecated-webhook-removed", "warning", "none",
        "deprecated webhook 'invoiceVoided' (POST) removed (sunset 2024-06-01 reached)")]
    early = retired.replace("2024", "2031")
    assert shown(diff(tmp_path / "e", early, hooks())) == [(
        "webhook-removed", "breaking", "none",
        "webhook 'invoiceVoided' (POST) removed before its sunset (sunset 2031-06-01 not "
        "reached)")]
    assert [c.rule for c in diff(tmp_path / "n", live, early)] == ["webhook-deprecated"]


# -- callbacks ---------------------------------------------------------------------------------

CALLBACK = """openapi: 3.1.0
info: {{title: Payments, version: 1.0.0}}
paths:
  /payments:
    post:
      operationId: createPayment
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                callbackUrl: {{type: string}}
                notifyUrl: {{type: string}}
      callbacks:
        paymentDone:
          '{url}':
            post:
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      required: [paymentId]
                      properties:
                        paymentId: {{type: string}}
{status}              responses:
                '200': {{description: Received.}}
{more}      responses:
        '202': {{description: Accepted.}}
"""
STATUS = "                        status: {type: string}\n"
URL = "{$request.body#/callbackUrl}"


def callback(url: str = URL, status: str = STATUS, more: str = "") -> str:
    return CALLBACK.format(url=url, status=status, more=more)


def test_callback_payload_property_removed_is_breaking_for_the_operation(
        tmp_path: Path) -> None:
    changes = diff(tmp_path, callback(), callback(status=""))
    removed = only(changes, "property-removed")
    assert removed.level is Level.BREAKING and removed.direction is Direction.RESPONSE
    assert removed.affects == ["POST /payments"]
    assert "/callbacks/paymentDone/" in (removed.base.pointer if removed.base else "")


def test_callback_url_changed_removed_and_added(tmp_path: Path) -> None:
    moved = diff(tmp_path / "m", callback(), callback(url="{$request.body#/notifyUrl}"))
    assert shown(moved) == [(
        "callback-url-changed", "breaking", "none",
        "callback 'paymentDone' URL changed from '{$request.body#/callbackUrl}' to "
        "'{$request.body#/notifyUrl}'")]
    assert moved[0].base is not None and moved[0].base.pointer == \
        "/paths/~1payments/post/callbacks/paymentDone/{$request.body#~1callbackUrl}"
    none = callback().split("      callbacks:")[0] + "      responses:\n" \
        "        '202': {description: Accepted.}\n"
    removed = diff(tmp_path / "r", callback(), none)
    assert shown(removed) == [("callback-removed", "breaking", "none",
                               "callback 'paymentDone' (POST) removed without deprecation")]
    assert removed[0].affects == ["POST /payments"]
    assert [c.rule for c in diff(tmp_path / "a", none, callback())] == ["callback-added"]


# -- links -------------------------------------------------------------------------------------

LINKED = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    post:
      operationId: createInvoice
      responses:
        '201':
          description: Created.
{links}  /invoices/{{id}}:
    get:
      operationId: getInvoice
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses: {{'200': {{description: The invoice.}}}}
    delete:
      operationId: deleteInvoice
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses: {{'204': {{description: Deleted.}}}}
"""


def linked(target: str | None = "getInvoice", description: str = "") -> str:
    if target is None:
        return LINKED.format(links="")
    return LINKED.format(links=f"""          links:
            GetInvoice:
              operationId: {target}
              parameters: {{id: '$response.body#/id'}}
{description}""")


def test_links_removed_added_changed(tmp_path: Path) -> None:
    removed = diff(tmp_path / "r", linked(), linked(None))
    assert shown(removed) == [("link-removed", "warning", "none",
                               "link 'GetInvoice' removed")]
    assert removed[0].base is not None and \
        removed[0].base.pointer == "/paths/~1invoices/post/responses/201/links/GetInvoice"
    assert removed[0].affects == ["POST /invoices"]
    assert [c.rule for c in diff(tmp_path / "a", linked(None), linked())] == ["link-added"]
    assert shown(diff(tmp_path / "c", linked(), linked("deleteInvoice"))) == [
        ("link-changed", "warning", "none", "link 'GetInvoice' changed (operationId)")]
    documented = linked(description="              description: Fetch the invoice.\n")
    assert diff(tmp_path / "d", linked(), documented) == []


# -- multipart and form encodings --------------------------------------------------------------

UPLOAD = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices/import:
    post:
      operationId: importInvoices
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {{type: string, contentEncoding: base64}}
                reference: {{type: string}}
{encoding}      responses:
        '204': {{description: Imported.}}
"""


def upload(encoding: str = "") -> str:
    return UPLOAD.format(encoding=f"            encoding:\n{encoding}" if encoding else "")


CSV = "              file: {contentType: text/csv}\n"


def test_part_content_type_changed(tmp_path: Path) -> None:
    pdf = CSV.replace("text/csv", "application/pdf")
    changes = diff(tmp_path, upload(CSV), upload(pdf))
    assert shown(changes) == [
        ("encoding-content-type-added", "info", "request",
         "part 'file' now allows 'application/pdf'"),
        ("encoding-content-type-removed", "breaking", "request",
         "part 'file' no longer allows 'text/csv'"),
    ]
    removed = only(changes, "encoding-content-type-removed")
    assert removed.base is not None and removed.base.pointer == (
        "/paths/~1invoices~1import/post/requestBody/content/multipart~1form-data/encoding/"
        "file/contentType")
    # A wildcard that covers the old type only widens what is accepted.
    widened = diff(tmp_path / "w", upload(CSV), upload(CSV.replace("text/csv", "text/*")))
    assert shown(widened) == [("encoding-content-type-added", "info", "request",
                               "part 'file' now allows 'text/*'")]
    # The default spelled out is no change.
    octet = "              file: {contentType: application/octet-stream}\n"
    assert diff(tmp_path / "d", upload(), upload(octet)) == []
    # An explicit type where the default was is a change like any other.
    assert sorted(c.rule for c in diff(tmp_path / "e", upload(), upload(CSV))) == [
        "encoding-content-type-added", "encoding-content-type-removed"]


def test_part_headers_are_request_data(tmp_path: Path) -> None:
    checksum = ("              file:\n                headers:\n                  X-Checksum:\n"
                "                    required: true\n"
                "                    schema: {type: string}\n")
    changes = diff(tmp_path, upload(), upload(checksum))
    assert shown(changes) == [("required-header-added", "breaking", "request",
                               "required header 'X-Checksum' added")]


FORM = """openapi: 3.1.0
info: {{title: Payments, version: 1.0.0}}
paths:
  /payments/search:
    post:
      operationId: searchPayments
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                status: {{type: array, items: {{type: string}}}}
{encoding}      responses:
        '200': {{description: The payments.}}
"""


def test_form_field_serialisation(tmp_path: Path) -> None:
    plain = FORM.format(encoding="")
    spelled = FORM.format(encoding="            encoding:\n              status: "
                                   "{style: form, explode: true}\n")
    assert diff(tmp_path / "s", plain, spelled) == []
    joined = FORM.format(encoding="            encoding:\n              status: "
                                  "{explode: false}\n")
    assert shown(diff(tmp_path / "j", plain, joined)) == [
        ("encoding-style-changed", "breaking", "request",
         "part 'status' serialisation changed: explode from true to false")]


# -- a parameter's schema or content -----------------------------------------------------------

PARAM = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      parameters:
{param}      responses:
        '200':
          description: The invoices.
          headers:
{header}
"""
SCHEMA_PARAM = """        - name: filter
          in: query
          schema:
            type: object
            properties:
              status: {type: string}
"""
CONTENT_PARAM = """        - name: filter
          in: query
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: integer}
"""
SCHEMA_HEADER = """            X-Rate-Limit:
              schema: {type: integer}"""
CONTENT_HEADER = """            X-Rate-Limit:
              content:
                application/json:
                  schema: {type: integer}"""


def test_parameter_switched_from_schema_to_content_is_breaking(tmp_path: Path) -> None:
    changes = diff(tmp_path, PARAM.format(param=SCHEMA_PARAM, header=SCHEMA_HEADER),
                   PARAM.format(param=CONTENT_PARAM, header=SCHEMA_HEADER))
    assert shown(changes) == [
        ("parameter-content-switched", "breaking", "request",
         "query parameter 'filter' now written as 'application/json' content instead of by "
         "style"),
        ("type-changed", "breaking", "request", "type changed from string to integer"),
    ]
    back = diff(tmp_path / "back", PARAM.format(param=CONTENT_PARAM, header=SCHEMA_HEADER),
                PARAM.format(param=SCHEMA_PARAM.replace("string", "integer"),
                             header=SCHEMA_HEADER))
    assert [c.rule for c in back] == ["parameter-content-switched"]


def test_header_content_is_compared_and_a_switch_is_breaking(tmp_path: Path) -> None:
    switched = diff(tmp_path, PARAM.format(param=SCHEMA_PARAM, header=SCHEMA_HEADER),
                    PARAM.format(param=SCHEMA_PARAM, header=CONTENT_HEADER))
    assert shown(switched) == [(
        "header-content-switched", "breaking", "response",
        "header 'X-Rate-Limit' now written as media-type content instead of in the simple "
        "style")]
    narrowed = diff(tmp_path / "n", PARAM.format(param=SCHEMA_PARAM, header=CONTENT_HEADER),
                    PARAM.format(param=SCHEMA_PARAM,
                                 header=CONTENT_HEADER.replace("integer", "string")))
    assert [(c.rule, c.direction) for c in narrowed] == [("type-changed", Direction.RESPONSE)]


# -- status and media ranges -------------------------------------------------------------------

RANGED = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        content:
          '{request}':
            schema:
              type: object
              properties:
                total: {{type: string, maxLength: {request_max}}}
      responses:
        '{status}':
          description: Created.
          content:
            '{response}':
              schema:
                type: object
                properties:
                  id: {{type: string, maxLength: {response_max}}}
"""


def ranged(status: str = "201", request: str = "application/json",
           response: str = "application/json", request_max: int = 20,
           response_max: int = 36) -> str:
    return RANGED.format(status=status, request=request, response=response,
                         request_max=request_max, response_max=response_max)


def test_status_replaced_by_its_range_is_a_warning_with_content_compared(
        tmp_path: Path) -> None:
    changes = diff(tmp_path, ranged(), ranged(status="2XX", response_max=64))
    assert shown(changes) == [
        ("max-length-loosened", "breaking", "response", "maxLength raised from 36 to 64"),
        ("response-status-generalised", "warning", "response", "status 201 generalised to 2XX"),
    ]
    change = only(changes, "response-status-generalised")
    assert change.base is not None and change.base.pointer.endswith("/responses/201")
    assert change.revision is not None and change.revision.pointer.endswith("/responses/2XX")
    # Another class does not cover it: still a removal.
    moved = diff(tmp_path / "other", ranged(), ranged(status="3XX"))
    assert "success-response-removed" in [c.rule for c in moved]
    # The range narrowed back to one status promises less: info in a response.
    back = diff(tmp_path / "back", ranged(status="2XX"), ranged())
    assert shown(back) == [("response-status-specialised", "info", "response",
                            "status 2XX narrowed to 201")]


def test_media_type_replaced_by_a_covering_range(tmp_path: Path) -> None:
    request = diff(tmp_path / "req", ranged(), ranged(request="application/*", request_max=10))
    assert shown(request) == [
        ("max-length-tightened", "breaking", "request", "maxLength lowered from 20 to 10"),
        ("media-type-generalised", "info", "request",
         "media type 'application/json' generalised to 'application/*'"),
    ]
    response = diff(tmp_path / "resp", ranged(), ranged(response="*/*"))
    assert shown(response) == [("media-type-generalised", "warning", "response",
                                "media type 'application/json' generalised to '*/*'")]
    # A range of another type does not cover it.
    other = diff(tmp_path / "other", ranged(), ranged(request="text/*"))
    assert "media-type-removed" in [c.rule for c in other]
    # Narrowed back (or a parameter now named): the server accepts less, one change.
    back = diff(tmp_path / "back", ranged(request="application/*"),
                ranged(request="application/json; charset=utf-8"))
    assert shown(back) == [("media-type-specialised", "breaking", "request",
                            "media type 'application/*' narrowed to "
                            "'application/json; charset=utf-8'")]


# -- removing optional header and cookie parameters --------------------------------------------

PARAMS = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      parameters:
{params}      responses: {{'200': {{description: The invoices.}}}}
"""


@pytest.mark.parametrize(("param", "rule", "level"), [
    ("{name: X-Correlation-Id, in: header, schema: {type: string}}",
     "header-or-cookie-parameter-removed", Level.WARNING),
    ("{name: session_hint, in: cookie, schema: {type: string}}",
     "header-or-cookie-parameter-removed", Level.WARNING),
    ("{name: Xero-Tenant-Id, in: header, required: true, schema: {type: string}}",
     "parameter-removed", Level.BREAKING),
    ("{name: TaxType, in: query, schema: {type: string}}", "parameter-removed",
     Level.BREAKING),
])
def test_removed_parameter_level_depends_on_what_it_meant(tmp_path: Path, param: str,
                                                          rule: str, level: Level) -> None:
    keep = "        - {name: page, in: query, schema: {type: integer}}\n"
    changes = diff(tmp_path, PARAMS.format(params=keep + f"        - {param}\n"),
                   PARAMS.format(params=keep))
    change = only(changes, rule)
    assert len(changes) == 1 and change.level is level
    assert change.direction is Direction.REQUEST
    assert change.message.endswith("removed without deprecation")


@pytest.mark.parametrize(("sunset", "rule", "says"), [
    ("2031-01-31", "header-or-cookie-parameter-removed", "removed before its sunset"),
    ("2024-01-31", "deprecated-parameter-removed", "(sunset 2024-01-31 reached)"),
])
def test_deprecated_optional_header_removed(tmp_path: Path, sunset: str, rule: str,
                                            says: str) -> None:
    param = ("        - {name: X-Correlation-Id, in: header, deprecated: true, "
             f"x-sunset: '{sunset}', schema: {{type: string}}}}\n")
    changes = diff(tmp_path, PARAMS.format(params=param), PARAMS.format(params=""))
    change = only(changes, rule)
    assert change.level is Level.WARNING and says in change.message


# -- sunsets as HTTP-dates ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "date"), [
    ("Sat, 31 Dec 2026 23:59:59 GMT", dt.date(2026, 12, 31)),  # IMF-fixdate, as RFC 8594 uses
    ("Sunday, 06-Nov-94 08:49:37 GMT", dt.date(1994, 11, 6)),  # RFC 850
    ("Sun Nov  6 08:49:37 1994", dt.date(1994, 11, 6)),  # asctime
    ("2026-12-31", dt.date(2026, 12, 31)),
    ("2026-12-31T10:00:00Z", dt.date(2026, 12, 31)),
    ("Sat, 31 Dec 2026", None),
    ("Sat, 32 Dec 2026 23:59:59 GMT", None),
    ("next spring", None),
])
def test_sunset_dates(text: str, date: dt.date | None) -> None:
    assert sunset_date(text) == date


SUNSET = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses: {{'200': {{description: The invoices.}}}}
{more}"""
OLD = """  /credit-notes:
    get:
      operationId: listCreditNotes
      deprecated: true
      x-sunset: {sunset}
      responses: {{'200': {{description: The credit notes.}}}}
"""


def test_http_date_sunset_is_honoured(tmp_path: Path) -> None:
    past = SUNSET.format(more=OLD.format(sunset="'Sat, 01 Jan 2022 00:00:00 GMT'"))
    changes = diff(tmp_path / "past", past, SUNSET.format(more=""))
    assert shown(changes) == [(
        "deprecated-path-removed", "warning", "none",
        "deprecated path '/credit-notes' removed (sunset 2022-01-01 reached)")]
    future = SUNSET.format(more=OLD.format(sunset="'Sat, 31 Dec 2026 23:59:59 GMT'"))
    changes = diff(tmp_path / "future", future, SUNSET.format(more=""))
    assert [(c.rule, c.message) for c in changes] == [(
        "path-removed-before-sunset",
        "path '/credit-notes' removed before its sunset (GET: sunset 2026-12-31 not reached)")]
