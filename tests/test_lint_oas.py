"""The OpenAPI rules beyond their own bad/good fixtures: what is subtle (shared components
reported once, $ref'd files, OpenAPI 3.0 vs 3.1), and what they find on real documents
(Xero, Stripe and this registry's contracts)."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from ledgerpact.governance.lint.catalog import all_rules, ruleset
from ledgerpact.governance.lint.engine import LintOptions, lint, run_rules
from ledgerpact.governance.lint.index import build_index
from ledgerpact.governance.lint.model import LintFinding
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

OAS_RULES = [r for r in all_rules() if r.family == "oas"]


def _lint(tmp_path: Path, files: dict[str, str], *rule_ids: str,
          root: str = "openapi.yaml") -> list[LintFinding]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    ws = Workspace(DirectorySource(tmp_path))
    found = lint(ws, root, LintOptions(only=frozenset(rule_ids)))
    assert all("internal error" not in f.message for f in found), found
    return found


def _where(found: list[LintFinding]) -> list[tuple[str, str]]:
    return sorted((f.rule, f.pointer) for f in found)


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` in the dedented text."""
    lines = textwrap.dedent(text).splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# -- coverage of spectral:oas -------------------------------------------------------------

# Every spectral:oas rule that applies to OpenAPI 3.0/3.1 (oas3-schema is `structure`).
SPECTRAL_OAS3 = {
    "contact-properties": "oas-contact-properties",
    "duplicated-entry-in-enum": "oas-duplicated-entry-in-enum",
    "info-contact": "oas-info-contact",
    "info-description": "oas-info-description",
    "info-license": "oas-info-license",
    "license-url": "oas-license-url",
    "no-$ref-siblings": "oas-no-$ref-siblings",
    "no-eval-in-markdown": "oas-no-eval-in-markdown",
    "no-script-tags-in-markdown": "oas-no-script-tags-in-markdown",
    "openapi-tags": "oas-openapi-tags",
    "openapi-tags-alphabetical": "oas-openapi-tags-alphabetical",
    "openapi-tags-uniqueness": "oas-openapi-tags-uniqueness",
    "operation-description": "oas-operation-description",
    "operation-operationId": "oas-operation-operationId",
    "operation-operationId-unique": "oas-operation-operationId-unique",
    "operation-operationId-valid-in-url": "oas-operation-operationId-valid-in-url",
    "operation-parameters": "oas-operation-parameters",
    "operation-singular-tag": "oas-operation-singular-tag",
    "operation-success-response": "oas-operation-success-response",
    "operation-tags": "oas-operation-tags",
    "operation-tag-defined": "oas-operation-tag-defined",
    "path-declarations-must-exist": "oas-path-declarations-must-exist",
    "path-keys-no-trailing-slash": "oas-path-keys-no-trailing-slash",
    "path-not-include-query": "oas-path-not-include-query",
    "path-params": "oas-path-params",
    "tag-description": "oas-tag-description",
    "typed-enum": "oas-typed-enum",
    "array-items": "oas-array-items",
    "oas3-api-servers": "oas-api-servers",
    "oas3-examples-value-or-externalValue": "oas-examples-value-or-externalValue",
    "oas3-operation-security-defined": "oas-operation-security-defined",
    "oas3-parameter-description": "oas-parameter-description",
    "oas3-schema": "structure",
    "oas3-server-not-example.com": "oas-server-not-example.com",
    "oas3-server-trailing-slash": "oas-server-trailing-slash",
    "oas3-valid-media-example": "oas-valid-media-example",
    "oas3-valid-schema-example": "oas-valid-schema-example",
    "oas3-unused-component": "oas-unused-component",
    "oas3-links-parameters-expression": "oas-links-parameters-expression",
    "oas3-server-variables": "oas-server-variables",
    "oas3-callbacks-in-callbacks": "oas-callbacks-in-callbacks",
    "oas3_1-servers-in-webhook": "oas-servers-in-webhook",
    "oas3_1-callbacks-in-webhook": "oas-callbacks-in-webhook",
}
# What is here beyond spectral:oas.
EXTRA = {"oas-request-body-method", "oas-response-description", "oas-ref-resolves"}
# Spectral leaves these off by default; so does `recommended` here.
SPECTRAL_NOT_RECOMMENDED = {"contact-properties", "info-license", "license-url",
                            "openapi-tags", "openapi-tags-alphabetical",
                            "operation-singular-tag", "tag-description",
                            "oas3-parameter-description", "oas3-server-not-example.com"}


def test_every_spectral_oas3_rule_has_a_counterpart_with_its_default() -> None:
    rules = {r.id: r for r in all_rules()}
    recommended = {r.id for r in ruleset("recommended")}
    for spectral, ours in SPECTRAL_OAS3.items():
        assert ours in rules, f"spectral:oas {spectral} has no rule here"
        assert (ours in recommended) == (spectral not in SPECTRAL_NOT_RECOMMENDED), ours
        if ours != "structure":
            assert spectral.split("3-", 1)[-1].split("3_1-", 1)[-1] in rules[ours].doc.summary \
                or spectral in rules[ours].doc.summary, f"{ours} does not name {spectral}"


def test_oas_rules_apply_to_openapi_only() -> None:
    for r in OAS_RULES:
        assert r.formats <= {"oas3.0", "oas3.1"}, r.id


# -- shared components are reported once, where they are defined -------------------------

SHARED = """\
    openapi: 3.1.0
    info: {title: Invoices, version: 1.0.0}
    paths:
      /invoices:
        get:
          operationId: listInvoices
          parameters: [{$ref: "#/components/parameters/Limit"}]
          responses:
            "200": {$ref: "#/components/responses/Page"}
      /credit-notes:
        get:
          operationId: listCreditNotes
          parameters: [{$ref: "#/components/parameters/Limit"}]
          responses:
            "200": {$ref: "#/components/responses/Page"}
    components:
      parameters:
        Limit:
          name: limit
          in: query
          schema: {type: integer, maximum: 100}
          example: 500
      responses:
        Page:
          description: ""
          content:
            application/json:
              schema:
                type: object
                properties:
                  total: {type: string}
              example: {total: 12}
    """


def test_a_shared_component_is_reported_once_at_its_definition(tmp_path: Path) -> None:
    ids = ("oas-parameter-description", "oas-valid-media-example", "oas-response-description")
    found = _lint(tmp_path, {"openapi.yaml": SHARED}, *ids)
    # Once by the rules themselves, not only after the engine drops identical findings.
    index = build_index(Workspace(DirectorySource(tmp_path)), "openapi.yaml")
    raw = run_rules(index, [r for r in all_rules() if r.id in ids])
    assert len(raw) == len(found) == 4
    assert _where(found) == [
        ("oas-parameter-description", "/components/parameters/Limit"),
        ("oas-response-description", "/components/responses/Page/description"),
        ("oas-valid-media-example", "/components/parameters/Limit/example"),
        ("oas-valid-media-example",
         "/components/responses/Page/content/application~1json/example/total"),
    ]
    by_pointer = {f.pointer: f for f in found}
    total = by_pointer["/components/responses/Page/content/application~1json/example/total"]
    assert total.line == _line_of(SHARED, "example: {total: 12}")
    assert "12 is not of type 'string'" in total.message


# -- $ref'd files ------------------------------------------------------------------------

MONEY = """\
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "type": "object",
      "required": ["amount", "currency"],
      "additionalProperties": false,
      "properties": {
        "amount": {"type": "string", "pattern": "^-?[0-9]+(\\\\.[0-9]+)?$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["eur"]}
      }
    }
    """

USES_MONEY = """\
    openapi: 3.1.0
    info: {title: Payments, version: 1.0.0}
    paths:
      /payments:
        post:
          operationId: createPayment
          requestBody:
            content:
              application/json:
                schema: {$ref: "schemas/money.schema.json"}
                examples:
                  numeric:
                    value: {amount: 12.5, currency: EUR}
                  fine:
                    value: {amount: "12.50", currency: EUR}
          responses:
            "201": {description: Created.}
    """


def test_examples_validate_against_schemas_in_other_files(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": USES_MONEY, "schemas/money.schema.json": MONEY},
                  "oas-valid-media-example", "oas-valid-schema-example")
    assert [(f.rule, f.file, f.pointer) for f in sorted(found)] == [
        ("oas-valid-media-example", "openapi.yaml",
         "/paths/~1payments/post/requestBody/content/application~1json/examples/numeric/"
         "value/amount"),
        # the referenced file's own example is checked, and reported in that file
        ("oas-valid-schema-example", "schemas/money.schema.json",
         "/properties/currency/examples/0"),
    ]
    media, schema = sorted(found)
    assert media.line == _line_of(USES_MONEY, "value: {amount: 12.5")
    assert schema.line == _line_of(MONEY, '"currency": {')
    assert "does not match '^[A-Z]{3}$'" in schema.message


def test_markdown_rules_read_referenced_files_and_escaped_text(tmp_path: Path) -> None:
    doc = """\
        openapi: 3.1.0
        info: {title: Payments, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Money: {$ref: "money.json"}
        """
    money = '{"type": "object", "description": "Amount \\u003cSCRIPT>alert(1)</script>"}'
    found = _lint(tmp_path, {"openapi.yaml": doc, "money.json": money},
                  "oas-no-script-tags-in-markdown", "oas-no-eval-in-markdown")
    assert [(f.rule, f.file, f.pointer) for f in found] == [
        ("oas-no-script-tags-in-markdown", "money.json", "/description")]


# -- OpenAPI 3.0 and 3.1 differ ----------------------------------------------------------

def _versions(tmp_path: Path, body: str, *rule_ids: str) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for version in ("3.0.3", "3.1.0"):
        folder = tmp_path / version
        folder.mkdir()
        text = f"openapi: {version}\n" + textwrap.dedent(body)
        out[version] = _where(_lint(folder, {"openapi.yaml": text}, *rule_ids))
    return out


def test_ref_siblings_are_an_error_in_30_only(tmp_path: Path) -> None:
    found = _versions(tmp_path, """\
        info: {title: Invoices, version: 1.0.0}
        paths:
          /invoices:
            get:
              operationId: listInvoices
              parameters:
                - $ref: "#/components/parameters/Limit"
                  description: Page size.
              responses:
                "200": {description: The invoices.}
        components:
          parameters:
            Limit: {name: limit, in: query, schema: {type: integer}}
        """, "oas-no-$ref-siblings")
    assert found == {"3.0.3": [("oas-no-$ref-siblings",
                                "/paths/~1invoices/get/parameters/0/description")],
                     "3.1.0": []}


def test_license_identifier_counts_as_a_link_in_31_only(tmp_path: Path) -> None:
    found = _versions(tmp_path, """\
        info:
          title: Payments
          version: 1.0.0
          license: {name: Apache 2.0, identifier: Apache-2.0}
        paths: {}
        """, "oas-license-url")
    assert found == {"3.0.3": [("oas-license-url", "/info/license")], "3.1.0": []}


def test_scopes_on_non_oauth_schemes_are_refused_in_30_only(tmp_path: Path) -> None:
    found = _versions(tmp_path, """\
        info: {title: Payments, version: 1.0.0}
        security:
          - apiKey: [payments-admin]
          - oidc: [openid, payments]
        paths: {}
        components:
          securitySchemes:
            apiKey: {type: apiKey, in: header, name: X-Api-Key}
            oidc: {type: openIdConnect, openIdConnectUrl: "https://auth.ledgerpact.example"}
        """, "oas-operation-security-defined")
    # OpenID Connect scopes live on the provider: never checked.
    assert found == {"3.0.3": [("oas-operation-security-defined", "/security/0/apiKey")],
                     "3.1.0": []}


def test_typed_enum_nullable_and_type_lists(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.0.3
        info: {title: Invoices, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Status: {type: string, nullable: true, enum: [open, paid, null]}
            Days: {type: integer, enum: [30, 60.0, true]}
        """}, "oas-typed-enum", "oas-duplicated-entry-in-enum")
    # null is allowed by nullable; 60.0 is an integer to JSON Schema; true is not.
    assert _where(found) == [("oas-typed-enum", "/components/schemas/Days/enum/2")]
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.1.0
        info: {title: Invoices, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Status: {type: [string, "null"], enum: [open, null, 1]}
            Rate: {type: number, enum: [1, 1.0, true]}
        """}, "oas-typed-enum", "oas-duplicated-entry-in-enum")
    # 1 and 1.0 are one value to JSON Schema; true is a different one.
    assert _where(found) == [("oas-duplicated-entry-in-enum", "/components/schemas/Rate/enum/1"),
                             ("oas-typed-enum", "/components/schemas/Rate/enum/2"),
                             ("oas-typed-enum", "/components/schemas/Status/enum/2")]


def test_typed_enum_nullable_allows_null_in_30_only(tmp_path: Path) -> None:
    # OpenAPI 3.1 schemas are JSON Schema 2020-12, which has no 'nullable': a null enum
    # value needs "null" in 'type', whatever 'nullable' says.
    body = """\
        info: {title: Invoices, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Status: {type: string, nullable: true, enum: [open, paid, null]}
        """
    found = _versions(tmp_path, body, "oas-typed-enum")
    assert found == {"3.0.3": [],
                     "3.1.0": [("oas-typed-enum", "/components/schemas/Status/enum/2")]}
    (finding,) = _lint(tmp_path / "3.1.0", {}, "oas-typed-enum")
    assert "no 'nullable'" in finding.message and '"null" in \'type\'' in finding.message


def test_array_items_accepts_prefix_items_in_31_only(tmp_path: Path) -> None:
    found = _versions(tmp_path, """\
        info: {title: Invoices, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Pair: {type: array, prefixItems: [{type: string}, {type: string}]}
        """, "oas-array-items")
    assert found == {"3.0.3": [("oas-array-items", "/components/schemas/Pair/type")],
                     "3.1.0": []}


def test_a_31_ref_with_its_own_default_is_checked(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.1.0
        info: {title: Invoices, version: 1.0.0}
        paths: {}
        components:
          schemas:
            Currency: {type: string, pattern: "^[A-Z]{3}$"}
            Invoice:
              type: object
              properties:
                currency: {$ref: "#/components/schemas/Currency", default: euro}
        """}, "oas-valid-schema-example")
    assert _where(found) == [
        ("oas-valid-schema-example",
         "/components/schemas/Invoice/properties/currency/default")]


# -- path parameters ---------------------------------------------------------------------

PATHS = """\
    openapi: 3.1.0
    info: {title: Invoices, version: 1.0.0}
    paths:
      /suppliers/{supplierId}/invoices/{invoiceId}:
        parameters:
          - {name: supplierId, in: path, required: true, schema: {type: string}}
        get:
          operationId: getInvoice
          parameters:
            - {name: invoiceId, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: One invoice.}
        delete:
          operationId: deleteInvoice
          parameters:
            - {name: invoiceId, in: path, required: false, schema: {type: string}}
            - {name: lineId, in: path, required: true, schema: {type: string}}
          responses:
            "204": {description: Deleted.}
        put:
          operationId: replaceInvoice
          responses:
            "200": {description: Replaced.}
      /suppliers/{id}/invoices/{number}:
        get:
          operationId: getInvoiceByNumber
          parameters:
            - {name: id, in: path, required: true, schema: {type: string}}
            - {name: number, in: path, required: true, schema: {type: string}}
            - {name: number, in: path, required: true, schema: {type: string}}
          responses:
            "200": {description: One invoice.}
    webhooks:
      invoicePosted:
        post:
          operationId: invoicePosted
          parameters:
            - {name: invoiceId, in: path, required: true, schema: {type: string}}
          responses:
            "204": {description: Received.}
    """


def test_path_params_every_case_once(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": PATHS}, "oas-path-params")
    item = "/paths/~1suppliers~1{supplierId}~1invoices~1{invoiceId}"
    other = "/paths/~1suppliers~1{id}~1invoices~1{number}"
    assert _where(found) == sorted([
        ("oas-path-params", item + "/delete/parameters/0/required"),  # required: false
        ("oas-path-params", item + "/delete/parameters/1"),  # lineId not in the template
        ("oas-path-params", item + "/put"),  # invoiceId declared nowhere for PUT
        ("oas-path-params", other),  # equivalent to the first path
        ("oas-path-params", other + "/get/parameters/2"),  # number declared twice
    ])  # and nothing for the webhook, which has no path template
    messages = " | ".join(f.message for f in found)
    assert "PUT /suppliers/{supplierId}/invoices/{invoiceId} does not declare path " \
           "parameter 'invoiceId'" in messages
    assert "are equivalent" in messages


def test_path_keys_rules_skip_webhooks(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.1.0
        info: {title: Invoices, version: 1.0.0}
        paths:
          /invoices/?status=open:
            get:
              operationId: listOpen
              responses: {"200": {description: The invoices.}}
        webhooks:
          "invoice/posted/":
            post:
              operationId: invoicePosted
              responses: {"204": {description: Received.}}
        """}, "oas-path-keys-no-trailing-slash", "oas-path-not-include-query")
    assert _where(found) == [("oas-path-not-include-query", "/paths/~1invoices~1?status=open")]


# -- unused components -------------------------------------------------------------------

USED = """\
    openapi: 3.1.0
    info: {title: Payments, version: 1.0.0}
    security: [{oauth2: []}]
    paths:
      /payments:
        post:
          operationId: createPayment
          requestBody:
            content:
              application/json:
                schema: {$ref: "#/components/schemas/Payment"}
                examples:
                  sepa: {$ref: "#/components/examples/Sepa"}
          responses:
            "201": {$ref: "#/components/responses/Alias"}
    components:
      securitySchemes:
        oauth2:
          type: oauth2
          flows: {clientCredentials: {tokenUrl: "https://a.ledgerpact.example", scopes: {}}}
        basic: {type: http, scheme: basic}
      examples:
        Sepa: {value: {method: sepa}}
      responses:
        Alias: {$ref: "#/components/responses/Created"}
        Created: {description: Created.}
      schemas:
        Payment:
          oneOf: [{$ref: "#/components/schemas/Sepa"}]
          discriminator:
            propertyName: method
            mapping: {sepa: "#/components/schemas/Sepa", card: Card}
        Sepa: {type: object}
        Card: {type: object}
        Orphan: {type: object}
    """


def test_unused_component_counts_every_kind_of_use(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": USED}, "oas-unused-component")
    # Used: through an examples map, a discriminator mapping (by ref and by bare name), the
    # first hop of a chain of references, and a security requirement.
    assert _where(found) == [
        ("oas-unused-component", "/components/schemas/Orphan"),
        ("oas-unused-component", "/components/securitySchemes/basic"),
    ]


def test_a_components_only_document_is_a_library(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.1.0
        info: {title: Shared, version: 1.0.0}
        components:
          schemas:
            Money: {type: object}
        """}, "oas-unused-component")
    assert found == []


# -- servers -----------------------------------------------------------------------------

def test_server_variables_each_problem(tmp_path: Path) -> None:
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.1.0
        info: {title: Payments, version: 1.0.0}
        servers:
          - url: https://{region}.payments.ledgerpact.example:{port}/{version}
            variables:
              region: {default: eu, enum: [us, ap]}
              port: {default: "80a"}
              unused: {default: x}
          - url: https://payments.ledgerpact.example/{stage}
        paths:
          /payments:
            servers:
              - url: https://{tenant}.ledgerpact.example
                variables:
                  tenant: {default: acme, enum: []}
            get:
              operationId: listPayments
              responses: {"200": {description: The payments.}}
        """}, "oas-server-variables")
    assert _where(found) == sorted([
        ("oas-server-variables", "/servers/0/variables/unused"),
        ("oas-server-variables", "/servers/0/variables"),  # version undeclared
        ("oas-server-variables", "/servers/0/variables/region/default"),
        ("oas-server-variables", "/servers/1/url"),  # stage undeclared, no variables at all
        ("oas-server-variables", "/paths/~1payments/servers/0/variables/tenant/enum"),
    ])
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.1.0
        info: {title: Payments, version: 1.0.0}
        servers:
          - url: https://payments.ledgerpact.example:{port}
            variables:
              port: {default: "8443", enum: ["8443", "80a"]}
        paths: {}
        """}, "oas-server-variables")
    assert _where(found) == [("oas-server-variables", "/servers/0/variables")]
    assert "https://payments.ledgerpact.example:80a" in found[0].message


# -- locations point at the exact place --------------------------------------------------

def test_findings_point_at_the_offending_value(tmp_path: Path) -> None:
    text = """\
        openapi: 3.1.0
        info: {title: Invoices, version: 1.0.0}
        tags:
          - name: Invoices
        paths:
          /invoices:
            get:
              operationId: listInvoices
              tags:
                - Invoices
                - Invoice
              responses:
                "200": {description: The invoices.}
        """
    found = _lint(tmp_path, {"openapi.yaml": text}, "oas-operation-tag-defined")
    assert len(found) == 1
    assert found[0].pointer == "/paths/~1invoices/get/tags/1"
    line = textwrap.dedent(text).splitlines()[found[0].line - 1]
    assert line.strip() == "- Invoice"
    assert found[0].column == line.index("Invoice") + 1


# -- real documents ----------------------------------------------------------------------

def _lint_corpus(path: Path, rules: str = "strict") -> Counter[str]:
    ws = Workspace(DirectorySource(path.parent))
    found = lint(ws, path.name, LintOptions(ruleset=rules))
    assert all("internal error" not in f.message for f in found), \
        [f.message for f in found if "internal error" in f.message]
    return Counter(f.rule for f in found if f.rule.startswith("oas-"))


def test_xero_findings(corpora: Path) -> None:
    counts = _lint_corpus(corpora / "xero" / "xero_accounting-3.0.2.yaml")
    # Checked by hand: every one is a real problem of that spec.
    assert counts["oas-path-params"] == 14  # e.g. .../Attachments/{AttachmentID} vs {FileName}
    assert counts["oas-operation-tag-defined"] == counts["oas-operation-description"] == 237
    assert counts["oas-no-$ref-siblings"] == 31  # e.g. `type: string` next to a parameter $ref
    assert counts["oas-unused-component"] == 1  # components/schemas/TaxType
    assert counts["oas-operation-security-defined"] == 2  # scope accounting.budgets.read
    assert counts["oas-valid-media-example"] >= 200  # JSON examples written as strings
    assert counts["oas-valid-schema-example"] >= 40  # e.g. example: 4400 on a string code
    assert counts["oas-info-description"] == 1
    assert "oas-duplicated-entry-in-enum" not in counts and "oas-typed-enum" not in counts


def test_stripe_findings(corpora: Path) -> None:
    counts = _lint_corpus(corpora / "stripe" / "spec3-2022-04-12.json")
    assert counts["oas-server-trailing-slash"] == 2  # https://api.stripe.com/ and files.
    assert counts["oas-operation-tags"] == 417  # Stripe tags nothing
    assert counts["oas-operation-description"] == 5  # five operations with description ""
    assert counts["oas-request-body-method"] > 0  # form bodies declared on GET and DELETE
    for clean in ("oas-path-params", "oas-unused-component", "oas-typed-enum",
                  "oas-no-$ref-siblings", "oas-valid-schema-example", "oas-array-items",
                  "oas-operation-parameters", "oas-operation-security-defined"):
        assert clean not in counts, clean


def test_registry_contracts_examples_and_structure_are_sound(repo_root: Path) -> None:
    ws = Workspace(DirectorySource(repo_root))
    catalog = Catalog(ws)
    linted = 0
    for entry in catalog:
        if entry.meta.kind.value != "openapi":
            continue
        found = lint(catalog.ws, entry.document_path, LintOptions(ruleset="strict"),
                     metadata=entry.meta.model_dump(mode="json"), contract=entry.id)
        linted += 1
        assert all("internal error" not in f.message for f in found)
        problems = [f for f in found if f.rule in {
            "structure", "oas-valid-media-example", "oas-valid-schema-example",
            "oas-path-params", "oas-operation-security-defined", "oas-typed-enum",
            "oas-examples-value-or-externalValue", "oas-operation-operationId-unique"}]
        assert not problems, [(f.rule, f.pointer, f.message) for f in problems]
    assert linted >= 3


def test_the_oas_family_is_spectral_oas_plus_the_documented_extras() -> None:
    assert {r.id for r in OAS_RULES} == (set(SPECTRAL_OAS3.values()) - {"structure"}) | EXTRA


@pytest.mark.parametrize("rule_id", ["oas-valid-media-example", "oas-unused-component",
                                     "oas-no-$ref-siblings", "oas-ref-resolves",
                                     "oas-examples-value-or-externalValue"])
def test_broken_refs_do_not_crash_rules(tmp_path: Path, rule_id: str) -> None:
    # An example $ref that points nowhere: the index does not follow example refs, so the
    # rules meet it themselves; only oas-ref-resolves reports it.
    found = _lint(tmp_path, {"openapi.yaml": """\
        openapi: 3.0.3
        info: {title: Invoices, version: 1.0.0}
        paths:
          /invoices:
            post:
              operationId: createInvoice
              requestBody:
                content:
                  application/json:
                    schema: {type: object}
                    examples:
                      gone: {$ref: "#/components/examples/Missing"}
              responses: {"201": {description: Created.}}
        """}, rule_id)
    if rule_id == "oas-ref-resolves":
        assert _where(found) == [("oas-ref-resolves", "/paths/~1invoices/post/requestBody/"
                                  "content/application~1json/examples/gone/$ref")]
        assert "does not exist" in found[0].message
    else:
        assert found == []
