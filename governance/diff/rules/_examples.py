"""Builders for the small OpenAPI documents the diff rules show as their examples.

Every example is a complete, valid OpenAPI 3.1 document (the catalogue prints it and
tests/test_diff_rules.py lints and diffs it), so most share the same few lines: the head, an
invoice fetched by id, invoices listed, something created by a POST with a JSON body. They are
written once here; each rule module keeps only what its examples are about.

Indentation is explicit (``indent`` counts spaces) because the pieces nest at different depths
in different documents, and the output must stay exactly what the catalogue has always shown.
"""

from __future__ import annotations

import textwrap

from ledgerpact.governance.diff.model import Direction

REQ, RESP = Direction.REQUEST, Direction.RESPONSE


def openapi(title: str, paths: str, rest: str = "") -> str:
    """A document titled ``title`` whose ``paths`` block (path items at 2 spaces) is
    ``paths``; ``rest`` follows it (``components:`` at column 0)."""
    return f"openapi: 3.1.0\ninfo: {{title: {title}, version: 1.0.0}}\npaths:\n{paths}{rest}"


def block(yaml: str, indent: int) -> str:
    """A YAML block written anywhere in the source (a triple-quoted string), moved to
    ``indent`` spaces, with one final newline."""
    return textwrap.indent(textwrap.dedent(yaml).strip("\n"), " " * indent) + "\n"


def media(indent: int, schema: str, media_type: str = "application/json") -> str:
    """One entry of a ``content`` map, at ``indent`` spaces. ``schema`` is one line of flow
    YAML (``{$ref: ...}``), written beside ``schema:``, or a block, written below it."""
    pad = " " * indent
    if schema.startswith("{") and "\n" not in schema:
        return f"{pad}{media_type}:\n{pad}  schema: {schema}\n"
    return f"{pad}{media_type}:\n{pad}  schema:\n" + block(schema, indent + 4)


def content(indent: int, schema: str) -> str:
    """A ``content`` map at ``indent`` spaces with one ``application/json`` entry."""
    return f"{' ' * indent}content:\n" + media(indent + 2, schema)


def get_invoice(response: str) -> str:
    """``GET /invoices/{id}`` (getInvoice); ``response`` is the rest of its 200 response, below
    its description (keys at 10 spaces)."""
    return ("  /invoices/{id}:\n    get:\n      operationId: getInvoice\n      parameters:\n"
            "        - {name: id, in: path, required: true, schema: {type: string}}\n"
            '      responses:\n        "200":\n          description: The invoice.\n'
            + response)


def list_invoices(more: str = "", operation_id: str | None = "listInvoices") -> str:
    """``GET /invoices``; ``more`` goes between the operationId and the responses (keys at
    6 spaces: parameters, security...)."""
    named = f"      operationId: {operation_id}\n" if operation_id else ""
    return (f"  /invoices:\n    get:\n{named}{more}      responses:\n"
            '        "200": {description: The invoices.}\n')


def request_body(body: str, required: bool | None = True) -> str:
    """A ``requestBody`` (keys at 8 spaces): its ``required`` flag when given, then ``body``
    (its ``content``)."""
    flag = "" if required is None else f"        required: {str(required).lower()}\n"
    return f"      requestBody:\n{flag}{body}"


def post(path: str, operation_id: str, body: str, responses: str) -> str:
    """``POST path``: ``body`` (a request body, or nothing) and ``responses`` (entries at
    8 spaces)."""
    return (f"  {path}:\n    post:\n      operationId: {operation_id}\n{body}"
            f"      responses:\n{responses}")


def created(what: str) -> str:
    """A ``201`` response entry saying ``what`` was created, recorded..."""
    return f'        "201":\n          description: {what}\n'


def object_with(name: str, schema: str) -> str:
    """An object schema whose one property ``name`` has the flow YAML ``schema``."""
    return f"type: object\nproperties:\n  {name}: {schema}\n"


def schema_example(direction: Direction, schema: str, components: str = "") -> str:
    """A document whose one body schema is ``schema``: read by the API in a request
    (``Direction.REQUEST``), written by it in a response otherwise. ``components`` is an
    optional ``components:`` block (YAML at column 0) for the schema's ``$ref``s."""
    if direction is Direction.REQUEST:
        paths = post("/payments", "createPayment", request_body(content(8, schema)),
                     created("The payment was created."))
        doc = openapi("Payments", paths)
    else:
        doc = openapi("Invoices", get_invoice(content(10, schema)))
    return doc + (block(components, 0) if components else "")
