"""Operation-level diff rules beyond their own fixtures: paths, operations, parameters and
security on real files (Xero's 3.0.1 -> 3.0.2 release) and on the situations the rule
examples cannot show alone: a shared parameter reported once, a renamed path parameter, the
deprecation calendar with a fixed "today", a global security list, a moved parameter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ledgerpact.governance.diff.engine import DiffOptions
from ledgerpact.governance.diff.model import Change, Direction, Level
from ledgerpact.governance.diff.run import diff_sides
from ledgerpact.governance.diff.sides import side_from_file

OPS_KINDS = frozenset({"path", "operation", "parameter", "security", "security-scheme"})


def diff(tmp_path: Path, base: str, revision: str, today: dt.date | None = None) -> list[Change]:
    """Diff two documents written as real files, with "today" pinned when given."""
    for name, text in (("base", base), ("revision", revision)):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "contract.yaml").write_text(text)
    options = DiffOptions(today=today) if today else None
    return diff_sides(side_from_file(str(tmp_path / "base" / "contract.yaml")),
                      side_from_file(str(tmp_path / "revision" / "contract.yaml")),
                      options=options)


def rules(changes: list[Change]) -> list[str]:
    return sorted(c.rule for c in changes)


def only(changes: list[Change], rule: str) -> Change:
    found = [c for c in changes if c.rule == rule]
    assert len(found) == 1, (rule, [(c.rule, c.message) for c in changes])
    return found[0]


# -- Xero 3.0.1 -> 3.0.2: TaxType moved from a query filter to a path -------------------------


@pytest.fixture(scope="module")
def xero_302(corpora: Path) -> tuple[Path, Path, list[Change]]:
    base = corpora / "xero" / "xero_accounting-3.0.1.yaml"
    revision = corpora / "xero" / "xero_accounting-3.0.2.yaml"
    if not (base.is_file() and revision.is_file()):
        pytest.skip(f"Xero 3.0.1/3.0.2 documents missing under {corpora / 'xero'}")
    return base, revision, diff_sides(side_from_file(str(base)), side_from_file(str(revision)))


def _line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and line.strip() == text)


def test_xero_removed_tax_type_filter_is_breaking_at_the_parameter(xero_302) -> None:
    base, _, changes = xero_302
    change = only(changes, "parameter-removed")
    assert change.level is Level.BREAKING and change.direction is Direction.REQUEST
    assert change.message == "query parameter 'TaxType' removed without deprecation"
    assert change.affects == ["GET /TaxRates"]
    assert change.revision is None and change.base is not None
    assert change.base.pointer == "/paths/~1TaxRates/get/parameters/2"
    # The line is the one of the parameter's own "- in: query" entry in the 3.0.1 file.
    tax_rates = _line_of(base, "/TaxRates:")
    assert change.base.line == _line_of(base, "name: TaxType", after=tax_rates) - 1


def test_xero_new_tax_type_path_is_an_addition(xero_302) -> None:
    _, revision, changes = xero_302
    change = only(changes, "path-added")
    assert change.level is Level.INFO and change.bump.label == "minor"
    assert change.revision is not None and change.base is None
    assert change.revision.pointer == "/paths/~1TaxRates~1{TaxType}"
    assert change.revision.line == _line_of(revision, '"/TaxRates/{TaxType}":')
    assert change.affects == ["GET /TaxRates/{TaxType}"]


def test_xero_302_has_no_other_operation_level_change(xero_302) -> None:
    from ledgerpact.governance.diff.catalog import get_rule

    ours = [c for c in xero_302[2] if get_rule(c.rule).kind in OPS_KINDS]
    assert rules(ours) == ["parameter-removed", "path-added"]


# -- parameters --------------------------------------------------------------------------------

SHARED_PARAM = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      parameters: [{{$ref: "#/components/parameters/page"}}]
      responses: {{"200": {{description: The invoices.}}}}
  /bills:
    get:
      operationId: listBills
      parameters: [{{$ref: "#/components/parameters/page"}}]
      responses: {{"200": {{description: The bills.}}}}
  /payments:
    get:
      operationId: listPayments
      responses: {{"200": {{description: The payments.}}}}
components:
  parameters:
    page:
      name: page
      in: query
{required}      schema: {{type: integer, minimum: 1}}
"""


def test_shared_parameter_change_is_reported_once_with_every_operation(tmp_path: Path) -> None:
    changes = diff(tmp_path, SHARED_PARAM.format(required=""),
                   SHARED_PARAM.format(required="      required: true\n"))
    change = only(changes, "parameter-became-required")
    assert rules(changes) == ["parameter-became-required"]
    assert change.level is Level.BREAKING
    assert change.affects == ["GET /bills", "GET /invoices"]
    assert change.revision is not None and change.revision.pointer == \
        "/components/parameters/page/required"
    assert change.base is not None and change.base.pointer == "/components/parameters/page"


PATH_PARAM = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices/{{{name}}}:
    parameters:
      - {{name: {name}, in: path, required: true, schema: {{type: string}}}}
    get:
      operationId: getInvoice
      responses: {{"200": {{description: The invoice.}}}}
    delete:
      operationId: deleteInvoice
      responses: {{"204": {{description: Deleted.}}}}
"""


def test_renaming_a_path_parameter_is_no_change(tmp_path: Path) -> None:
    assert diff(tmp_path, PATH_PARAM.format(name="id"),
                PATH_PARAM.format(name="invoiceId")) == []


QUERY = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      parameters:
{params}
      responses: {{"200": {{description: The invoices.}}}}
"""


def _query(*params: str) -> str:
    return QUERY.format(params="\n".join(f"        - {p}" for p in params))


def test_moved_parameter_is_one_change_with_its_schema_still_compared(tmp_path: Path) -> None:
    changes = diff(tmp_path,
                   _query("{name: Idempotency-Key, in: query, schema: {type: string}}"),
                   _query("{name: idempotency-key, in: header, schema: {type: integer}}"))
    assert "parameter-removed" not in rules(changes)
    assert "optional-parameter-added" not in rules(changes)
    moved = only(changes, "parameter-location-changed")
    assert moved.level is Level.BREAKING
    assert moved.message == "parameter 'idempotency-key' moved from query to header"
    assert moved.revision is not None and moved.revision.pointer.endswith("/parameters/0/in")
    assert only(changes, "type-changed").direction is Direction.REQUEST


def test_parameters_that_only_spell_out_defaults_are_no_change(tmp_path: Path) -> None:
    base = _query("{name: ids, in: query, schema: {type: array, items: {type: string}}}",
                  "{name: X-Request-Id, in: header, schema: {type: string}}",
                  "{name: status, in: query, schema: {type: string}}")
    revision = _query("{name: ids, in: query, style: form, explode: true, required: false, "
                      "schema: {type: array, items: {type: string}}}",
                      "{name: x-request-id, in: header, style: simple, explode: false, "
                      "schema: {type: string}}",
                      # one primitive value is written status=paid whatever the style
                      "{name: status, in: query, style: pipeDelimited, explode: false, "
                      "schema: {type: string}}")
    assert diff(tmp_path, base, revision) == []


def test_serialization_of_an_array_changing_is_breaking(tmp_path: Path) -> None:
    base = _query("{name: ids, in: query, schema: {type: array, items: {type: string}}}")
    revision = _query("{name: ids, in: query, style: spaceDelimited, explode: false, "
                      "schema: {type: array, items: {type: string}}}")
    changes = diff(tmp_path, base, revision)
    assert rules(changes) == ["parameter-explode-changed", "parameter-style-changed"]
    assert only(changes, "parameter-style-changed").message == \
        "query parameter 'ids' style changed from form to spaceDelimited"
    assert all(c.level is Level.BREAKING for c in changes)


def test_headers_openapi_ignores_are_not_reported(tmp_path: Path) -> None:
    base = _query("{name: status, in: query, schema: {type: string}}")
    revision = _query("{name: status, in: query, schema: {type: string}}",
                      "{name: Authorization, in: header, required: true, schema: {type: string}}")
    assert diff(tmp_path, base, revision) == []


@pytest.mark.parametrize(("deprecation", "rule", "level"), [
    ("", "parameter-removed", Level.BREAKING),
    (', deprecated: true, x-sunset: "2025-03-31"', "parameter-removed-before-sunset",
     Level.BREAKING),
    (', deprecated: true, x-sunset: "2025-02-28"', "deprecated-parameter-removed",
     Level.WARNING),
    (", deprecated: true", "deprecated-parameter-removed", Level.WARNING),
])
def test_parameter_removal_follows_its_deprecation(tmp_path: Path, deprecation: str, rule: str,
                                                   level: Level) -> None:
    base = _query("{name: status, in: query, schema: {type: string}}",
                  f"{{name: contactId, in: query{deprecation}, schema: {{type: string}}}}")
    revision = _query("{name: status, in: query, schema: {type: string}}")
    changes = diff(tmp_path, base, revision, today=dt.date(2025, 3, 1))
    assert rules(changes) == [rule]
    assert changes[0].level is level


# -- paths and operations: the deprecation calendar -----------------------------------------

OPS = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses: {{"200": {{description: The invoices.}}}}
  /invoices/{{id}}/void:
{item_sunset}    post:
      operationId: voidInvoice
{deprecation}      responses: {{"200": {{description: Voided.}}}}
{extra}"""

SEND = """    put:
      operationId: sendInvoice
{deprecation}      responses: {{"200": {{description: Sent.}}}}
"""
NO_VOID = OPS.format(item_sunset="", deprecation="", extra="").split("  /invoices/{id}")[0]
SUNSET = '      deprecated: true\n      x-sunset: "2025-06-30"\n'


@pytest.mark.parametrize(("today", "rule", "level"), [
    (dt.date(2025, 6, 29), "path-removed-before-sunset", Level.BREAKING),
    (dt.date(2025, 6, 30), "deprecated-path-removed", Level.WARNING),  # the announced day
    (dt.date(2025, 7, 1), "deprecated-path-removed", Level.WARNING),
])
def test_removed_path_is_judged_against_its_sunset(tmp_path: Path, today: dt.date, rule: str,
                                                  level: Level) -> None:
    base = OPS.format(item_sunset="", deprecation=SUNSET, extra=SEND.format(deprecation=SUNSET))
    changes = diff(tmp_path, base, NO_VOID, today=today)
    assert rules(changes) == [rule]  # once, at the path: no per-operation removals too
    change = changes[0]
    assert change.level is level
    assert change.base is not None and change.base.pointer == "/paths/~1invoices~1{id}~1void"
    assert change.affects == ["POST /invoices/{id}/void", "PUT /invoices/{id}/void"]


def test_removed_path_with_one_live_operation_is_breaking(tmp_path: Path) -> None:
    base = OPS.format(item_sunset="", deprecation=SUNSET, extra=SEND.format(deprecation=""))
    changes = diff(tmp_path, base, NO_VOID, today=dt.date(2030, 1, 1))
    change = only(changes, "path-removed")
    assert rules(changes) == ["path-removed"]
    assert change.message == "path '/invoices/{id}/void' removed without deprecation " \
        "(PUT not deprecated)"


@pytest.mark.parametrize(("deprecation", "item_sunset", "today", "rule"), [
    ("", "", dt.date(2025, 1, 1), "operation-removed"),
    (SUNSET, "", dt.date(2025, 1, 1), "operation-removed-before-sunset"),
    (SUNSET, "", dt.date(2025, 7, 1), "deprecated-operation-removed"),
    # The sunset may sit on the path item, for all its operations.
    ("      deprecated: true\n", '    x-sunset: "2025-06-30"\n', dt.date(2025, 1, 1),
     "operation-removed-before-sunset"),
    ("      deprecated: true\n", '    x-sunset: "2025-06-30"\n', dt.date(2025, 8, 1),
     "deprecated-operation-removed"),
    # A sunset that is not a date cannot show it has passed.
    ('      deprecated: true\n      x-sunset: "next spring"\n', "", dt.date(2099, 1, 1),
     "operation-removed-before-sunset"),
    # Deprecated with no date promised: the removal was announced.
    ("      deprecated: true\n", "", dt.date(2025, 1, 1), "deprecated-operation-removed"),
])
def test_removed_operation_is_judged_against_its_sunset(tmp_path: Path, deprecation: str,
                                                       item_sunset: str, today: dt.date,
                                                       rule: str) -> None:
    base = OPS.format(item_sunset=item_sunset, deprecation="",
                      extra=SEND.format(deprecation=deprecation))
    revision = OPS.format(item_sunset=item_sunset, deprecation="", extra="")
    changes = diff(tmp_path, base, revision, today=today)
    assert rules(changes) == [rule]
    assert changes[0].affects == ["PUT /invoices/{id}/void"]
    assert changes[0].base is not None
    assert changes[0].base.pointer == "/paths/~1invoices~1{id}~1void/put"


def test_deprecating_an_operation_is_a_minor_info_change(tmp_path: Path) -> None:
    base = OPS.format(item_sunset="", deprecation="", extra="")
    revision = OPS.format(item_sunset="", deprecation=SUNSET, extra="")
    change = only(diff(tmp_path, base, revision), "operation-deprecated")
    assert change.level is Level.INFO and change.bump.label == "minor"
    assert change.message == "operation POST /invoices/{id}/void deprecated (sunset 2025-06-30)"


def test_operation_id_renamed_is_a_warning(tmp_path: Path) -> None:
    base = OPS.format(item_sunset="", deprecation="", extra="")
    changes = diff(tmp_path, base, base.replace("voidInvoice", "cancelInvoice"))
    change = only(changes, "operation-id-changed")
    assert rules(changes) == ["operation-id-changed"] and change.level is Level.WARNING
    assert change.message == "operationId changed from 'voidInvoice' to 'cancelInvoice'"


# -- security -------------------------------------------------------------------------------

SECURED = """openapi: 3.1.0
info: {{title: Invoices, version: 1.0.0}}
security: {root}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses: {{"200": {{description: The invoices.}}}}
    post:
      operationId: createInvoice
      responses: {{"201": {{description: Created.}}}}
  /health:
    get:
      operationId: health
      security: []
      responses: {{"200": {{description: Up.}}}}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://identity.example.com/connect/token
          scopes: {{invoices.read: Read., invoices.write: Write., invoices.admin: Admin.}}
    apiKey: {{type: apiKey, in: header, name: X-Api-Key}}
"""


def _secured(root: str) -> str:
    return SECURED.format(root=root)


def test_global_security_change_is_one_change_for_every_inheriting_operation(
        tmp_path: Path) -> None:
    changes = diff(tmp_path, _secured("[{oauth2: [invoices.read]}]"),
                   _secured("[{oauth2: [invoices.read, invoices.write]}]"))
    change = only(changes, "security-scopes-added")
    assert rules(changes) == ["security-scopes-added"]
    assert change.level is Level.BREAKING
    assert change.message == "scheme 'oauth2' now also needs scope 'invoices.write'"
    assert change.affects == ["GET /invoices", "POST /invoices"]  # not GET /health
    assert change.revision is not None and change.revision.pointer == "/security"


@pytest.mark.parametrize(("base", "revision", "expected"), [
    # A scope replaced: the new one is missing from old tokens, the old one is not needed.
    ("[{oauth2: [invoices.read]}]", "[{oauth2: [invoices.admin]}]",
     {"security-scopes-added": Level.BREAKING, "security-scopes-removed": Level.INFO}),
    # Another alternative still lets old tokens in: nothing stricter.
    ("[{oauth2: [invoices.read]}]", "[{oauth2: [invoices.read]}, {apiKey: []}]",
     {"security-alternative-added": Level.INFO}),
    ("[{oauth2: [invoices.read]}, {apiKey: []}]", "[{oauth2: [invoices.read]}]",
     {"security-alternative-removed": Level.BREAKING}),
    ("[{oauth2: [invoices.read]}]", "[{oauth2: [invoices.read], apiKey: []}]",
     {"security-scheme-required": Level.BREAKING}),
    ("[{oauth2: [invoices.read], apiKey: []}]", "[{apiKey: []}]",
     {"security-scheme-no-longer-required": Level.INFO}),
    ("[]", "[{apiKey: []}]", {"security-added": Level.BREAKING}),
    ("[{apiKey: []}]", "[{}, {apiKey: []}]", {"security-removed": Level.WARNING}),
    # Optional authentication gaining another optional way in: still open, nothing breaks.
    ("[{}, {apiKey: []}]", "[{}, {apiKey: []}, {oauth2: []}]",
     {"security-alternative-added": Level.INFO}),
    # Order and repeated scopes are not changes.
    ("[{oauth2: [invoices.read, invoices.write]}, {apiKey: []}]",
     "[{apiKey: []}, {oauth2: [invoices.write, invoices.read]}]", {}),
])
def test_security_requirement_changes(tmp_path: Path, base: str, revision: str,
                                      expected: dict[str, Level]) -> None:
    changes = diff(tmp_path, _secured(base), _secured(revision))
    assert {c.rule: c.level for c in changes} == expected, [c.message for c in changes]


def test_security_scheme_removed_is_breaking_only_while_still_required(tmp_path: Path) -> None:
    without = _secured("[{oauth2: [invoices.read]}]").replace(
        "    apiKey: {type: apiKey, in: header, name: X-Api-Key}\n", "")
    unused = diff(tmp_path / "unused", _secured("[{oauth2: [invoices.read]}]"), without)
    assert {c.rule: c.level for c in unused} == {"security-scheme-removed": Level.INFO}
    still = diff(tmp_path / "used", _secured("[{apiKey: []}]"),
                 without.replace("security: [{oauth2: [invoices.read]}]",
                                 "security: [{apiKey: []}]"))
    assert {c.rule: c.level for c in still} == {
        "security-scheme-removed-while-used": Level.BREAKING}


def test_security_scheme_changes(tmp_path: Path) -> None:
    base = _secured("[{apiKey: []}]")
    revision = base.replace("{type: apiKey, in: header, name: X-Api-Key}",
                            "{type: apiKey, in: query, name: api_key}").replace(
        "tokenUrl: https://identity.example.com/connect/token",
        "tokenUrl: https://login.example.com/token").replace(" invoices.admin: Admin.", "")
    revision = revision.replace("invoices.write: Write.,", "invoices.write: Write.")
    changes = diff(tmp_path, base, revision)
    assert {c.rule: c.level for c in changes} == {
        "security-scheme-api-key-moved": Level.BREAKING,
        "security-scheme-url-changed": Level.WARNING,
        "oauth-scope-removed": Level.BREAKING}
    assert only(changes, "security-scheme-api-key-moved").message == \
        "security scheme 'apiKey' moved from header 'X-Api-Key' to query 'api_key'"
    assert only(changes, "oauth-scope-removed").base.pointer == (  # type: ignore[union-attr]
        "/components/securitySchemes/oauth2/flows/clientCredentials/scopes/invoices.admin")


def test_renamed_security_scheme_is_no_requirement_change(tmp_path: Path) -> None:
    base = _secured("[{oauth2: [invoices.read]}]")
    revision = base.replace("{oauth2:", "{xeroOAuth:").replace("    oauth2:\n", "    xeroOAuth:\n")
    changes = diff(tmp_path, base, revision)
    assert {c.rule: c.level for c in changes} == {"security-scheme-renamed": Level.INFO}
    change = changes[0]
    assert change.message == "security scheme 'oauth2' renamed to 'xeroOAuth'"
    assert change.base is not None and change.base.pointer == \
        "/components/securitySchemes/oauth2"


def test_global_security_added_where_there_was_none_points_only_at_the_revision(
        tmp_path: Path) -> None:
    base = _secured("[]").replace("security: []\n", "", 1)
    changes = diff(tmp_path, base, _secured("[{apiKey: []}]"))
    change = only(changes, "security-added")
    assert rules(changes) == ["security-added"]
    assert change.base is None  # the base document has no global list to point at
    assert change.revision is not None and change.revision.pointer == "/security"
    assert change.revision.line == 3
    assert change.message == "authentication now required: 'apiKey'"


@pytest.mark.parametrize(("old", "new", "rule", "level"), [
    ("2030-06-30", "2029-12-31", "operation-sunset-brought-forward", Level.WARNING),
    ("2030-06-30", "soon", "operation-sunset-brought-forward", Level.WARNING),
    ("2030-06-30", "2031-06-30", "operation-sunset-changed", Level.INFO),
])
def test_sunset_date_moves(tmp_path: Path, old: str, new: str, rule: str,
                           level: Level) -> None:
    text = OPS.format(item_sunset="", deprecation=f'      deprecated: true\n      x-sunset: '
                      f'"{old}"\n', extra="")
    changes = diff(tmp_path, text, text.replace(old, new))
    assert {c.rule: c.level for c in changes} == {rule: level}
    assert changes[0].revision is not None
    assert changes[0].revision.pointer == "/paths/~1invoices~1{id}~1void/post/x-sunset"


def test_path_parameter_style_change_is_breaking_even_for_a_single_value(
        tmp_path: Path) -> None:
    # /invoices/INV-1 becomes /invoices/.INV-1: the server now misreads every old URL.
    base = PATH_PARAM.format(name="id")
    revision = base.replace("in: path, required: true,", "in: path, required: true, "
                            "style: label,")
    changes = diff(tmp_path, base, revision)
    change = only(changes, "parameter-style-changed")
    assert rules(changes) == ["parameter-style-changed"] and change.level is Level.BREAKING
    assert change.message == "path parameter 'id' style changed from simple to label"
    assert change.affects == ["DELETE /invoices/{id}", "GET /invoices/{id}"]
