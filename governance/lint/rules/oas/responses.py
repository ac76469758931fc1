"""Rules about responses and their links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, Loc, Violation
from ledgerpact.governance.lint.rules._examples import invoices_listed, openapi
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.oas._shared import component_entries, links, unique_by_loc


@rule(
    "oas-response-description",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Response descriptions are not empty or blank (no spectral:oas equivalent: "
            "the OpenAPI schema, checked by 'structure', requires the field but accepts '').",
    why="""OpenAPI requires a response description because the status code alone does not
    say what happened ("202: accepted for posting, not yet posted"). An empty string
    satisfies the schema but tells the consumer nothing.""",
    bad=invoices_listed("""      responses:
        "200": {description: ""}
"""),
    good=invoices_listed("""      responses:
        "200": {description: "One page of invoices, newest first."}
"""),
)
def response_description(index: Index) -> Iterator[Violation]:
    defined = [(r.loc, r.status, r.response) for r in unique_by_loc(index.responses)]
    defined += [(where, name, value)
                for name, value, where in component_entries(index, "responses")
                if isinstance(value, dict)]
    seen: set[Loc] = set()
    for loc, status, response in defined:
        if loc in seen:
            continue
        seen.add(loc)
        description = response.get("description")
        if isinstance(description, str) and not description.strip():
            yield Violation(loc.child("description"),
                            f"response {status!r} has an empty description; expected a "
                            "sentence saying what the response means")


_TCHAR = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
_POINTER_TOKEN = re.compile(r"^(?:[^/~]|~[01])*$")
_EMBEDDED = re.compile(r"\{(\$[^{}]*)\}")  # "{$response.body#/id}" inside a string


def runtime_expression_problem(expression: str) -> str | None:
    """Why ``expression`` is not an OpenAPI runtime expression (ABNF of OpenAPI 3.x
    "Runtime Expressions"), or None when it is one."""
    if expression in ("$url", "$method", "$statusCode"):
        return None
    for prefix in ("$request.", "$response."):
        if expression.startswith(prefix):
            source = expression[len(prefix):]
            break
    else:
        return "expected $url, $method, $statusCode, or $request./$response. followed by a " \
               "source"
    if source == "body":
        return None
    if source.startswith("body#"):
        pointer = source[len("body#"):]
        if pointer and (not pointer.startswith("/") or
                        not all(_POINTER_TOKEN.match(t) for t in pointer[1:].split("/"))):
            return "expected a JSON pointer after 'body#', such as body#/id"
        return None
    if source.startswith(("query.", "path.")):
        name = source.split(".", 1)[1]
        return None if name and name.isascii() else "expected an ASCII parameter name"
    if source.startswith("header."):
        return None if _TCHAR.match(source[len("header."):]) else \
            "expected a valid header name after 'header.'"
    return "expected header., query., path., body or body# after $request./$response."


@rule(
    "oas-links-parameters-expression",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Link parameters and request bodies written as runtime expressions are valid "
            "ones, by OpenAPI's runtime expression grammar; constants are allowed. Named after "
            "the proposed Spectral rule oas3-links-parameters-expression "
            "(stoplightio/spectral#1608, never merged): Spectral 6's spectral:oas does not "
            "check link expressions.",
    why="""A link tells clients how to call the next operation with values from this
    response ("use $response.body#/id as invoiceId"). A malformed expression is sent as a
    literal string, so the follow-up call quietly goes to the wrong record.""",
    bad=openapi("""paths:
  /invoices:
    post:
      operationId: createInvoice
      responses:
        "201":
          description: Created.
          links:
            GetInvoice:
              operationId: getInvoice
              parameters: {invoiceId: "$response.bodyid"}
  /invoices/{invoiceId}:
    get:
      operationId: getInvoice
      parameters:
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
"""),
    good=openapi("""paths:
  /invoices:
    post:
      operationId: createInvoice
      responses:
        "201":
          description: Created.
          links:
            GetInvoice:
              operationId: getInvoice
              parameters: {invoiceId: "$response.body#/id"}
  /invoices/{invoiceId}:
    get:
      operationId: getInvoice
      parameters:
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
"""),
)
def links_parameters_expression(index: Index) -> Iterator[Violation]:
    for _, where, link, _ in links(index):
        checks: list[tuple[Loc, Any]] = [
            (where.child("parameters", name), value)
            for name, value in as_dict(link.get("parameters")).items()]
        if "requestBody" in link:
            checks.append((where.child("requestBody"), link["requestBody"]))
        for loc, value in checks:
            if not isinstance(value, str):
                continue
            expressions = [value] if value.startswith("$") else _EMBEDDED.findall(value)
            for expression in expressions:
                problem = runtime_expression_problem(expression)
                if problem:
                    yield Violation(loc, f"link value {value!r}: {expression!r} is not a "
                                         f"valid runtime expression; {problem}")
