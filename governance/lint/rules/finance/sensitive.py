"""Sensitive values (IBANs, account numbers, tax ids, card numbers) are marked, and never
travel in a URL.

GDPR, PCI DSS and bank secrecy all start from knowing where such values are: the mark
(``x-sensitive: true``) is what masking in logs, data catalogues and test-data generators key
on. In a query string or a path they end up in access logs, proxy and CDN logs, browser
history and ``Referer`` headers, none of which are protected like the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ALL_FORMATS, Loc, Violation
from ledgerpact.governance.lint.rules._util import resolve
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import Param, definition_name, facts

MARK = "x-sensitive"
URL_PLACES = ("query", "path")


@rule(
    "finance-sensitive-marked",
    severity="warn",
    family="finance",
    formats=ALL_FORMATS,
    summary="Properties named like IBANs, account numbers, tax ids, national ids or card "
            "numbers are marked x-sensitive (no Spectral equivalent).",
    why="""Log masking, data classification and synthetic test data all need to know which
    fields hold personal or secret financial identifiers; a name is a hint, the
    x-sensitive: true mark is the contract. (x-sensitive: false records a reviewed decision,
    for example a value that is already masked.) Names ending in iban, accountNumber,
    bankAccountDetails, taxId, taxNumber, vatNumber, ssn, nationalId, passportNumber or
    cardNumber are checked; masked forms (ibanLast4, maskedIban) are not, nor are BICs,
    routing numbers and sort codes, which identify banks and branches and are
    published.""",
    bad="""openapi: 3.1.0
info: {title: Suppliers, version: 1.0.0}
paths: {}
components:
  schemas:
    BankAccount:
      type: object
      properties:
        iban: {type: string}
        bic: {type: string}
""",
    good="""openapi: 3.1.0
info: {title: Suppliers, version: 1.0.0}
paths: {}
components:
  schemas:
    BankAccount:
      type: object
      properties:
        iban: {type: string, x-sensitive: true}
        bic: {type: string}
""",
)
def sensitive_marked(index: Index) -> Iterator[Violation]:
    seen: set[Loc] = set()
    for prop in facts(index).sensitive:
        v = prop.view
        if v.types & {"object", "array"} or MARK in v.marks or prop.loc in seen:
            continue
        context = " ".join(n for n in (definition_name(loc) for loc in
                                       (prop.owner.loc, *v.locs)) if n)
        if not vocab.is_sensitive_name(prop.name, context):
            continue  # e.g. a GlAccount's accountNumber: a ledger key, not a bank account
        seen.add(prop.loc)
        yield Violation(prop.loc, f"{prop.name!r} holds a sensitive identifier but is not "
                                  f"marked; expected {MARK}: true (or {MARK}: false if it "
                                  "is masked or public)")


def _marked(value: Any) -> bool:
    """Marked on the parameter itself or on its (inline) schema."""
    return isinstance(value, dict) and (value.get(MARK) is True or (
        isinstance(value.get("schema"), dict) and value["schema"].get(MARK) is True))


def _marked_schema(index: Index, p: Param) -> bool:
    """Marked on the schema a parameter refers to (one cached lookup, not a full view)."""
    schema = p.param.param.get("schema")
    if not isinstance(schema, dict):
        return False
    if _marked(schema):
        return True
    if "$ref" not in schema:
        return False
    target, _ = resolve(index, schema, p.param.loc.child("schema"))
    return _marked(target)


@rule(
    "finance-sensitive-in-url",
    severity="error",
    family="finance",
    formats=ALL_FORMATS,
    summary="Sensitive values (IBAN, account number, tax id... or anything marked "
            "x-sensitive) are never query or path parameters, nor AsyncAPI channel "
            "parameters (no Spectral equivalent).",
    why="""URLs are logged everywhere: web servers, gateways, proxies, CDNs, browser history,
    Referer headers and monitoring tools keep them, usually in plain text and with long
    retention. A lookup by IBAN or tax id belongs in a request body (a POST search, as
    erp-finance's POST /supplier-searches does) or a header; a topic or routing key is as
    visible as a URL.""",
    bad="""openapi: 3.1.0
info: {title: Suppliers, version: 1.0.0}
paths:
  /suppliers:
    get:
      parameters:
        - {name: iban, in: query, schema: {type: string}}
      responses:
        "200": {description: The suppliers paid to that IBAN.}
""",
    good="""openapi: 3.1.0
info: {title: Suppliers, version: 1.0.0}
paths:
  /supplier-searches:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                iban: {type: string, x-sensitive: true}
      responses:
        "200": {description: The suppliers paid to that IBAN.}
""",
)
def sensitive_in_url(index: Index) -> Iterator[Violation]:
    seen: set[Loc] = set()
    for p in facts(index).params:
        if p.where not in URL_PLACES or p.param.loc in seen:
            continue
        by_name = vocab.is_sensitive_name(p.name)
        if not (by_name or _marked(p.param.param) or _marked_schema(index, p)):
            continue
        seen.add(p.param.loc)
        what = "is named like a sensitive identifier" if by_name else f"is marked {MARK}"
        yield Violation(p.param.loc, f"{p.where} parameter {p.name!r} {what}, so the value "
                                     "ends up in URLs (access logs, proxies, browser history, "
                                     "Referer); expected it in the request body (e.g. a POST "
                                     "search) or a header")
    for channel in index.channels:
        params = channel.channel.get("parameters")
        if not isinstance(params, dict):
            continue
        for name, param in params.items():
            loc = channel.loc.child("parameters", name)
            value, _ = resolve(index, param, loc)
            if (vocab.is_sensitive_name(name) or _marked(value)) and loc not in seen:
                seen.add(loc)
                yield Violation(loc, f"channel parameter {name!r} puts a sensitive "
                                     "identifier in the channel address (topic, routing key "
                                     "or subject), which brokers log and expose; expected "
                                     "it in the message payload")
