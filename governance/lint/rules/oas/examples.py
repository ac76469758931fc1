"""Rules about examples and defaults: they validate against their schemas, and Example
Objects carry exactly one of ``value`` and ``externalValue``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.instances import InstanceChecker
from ledgerpact.governance.lint.model import OAS3, OAS31, Loc, Violation
from ledgerpact.governance.lint.rules._examples import invoices_listed, openapi
from ledgerpact.governance.lint.rules.oas._shared import (
    component_entries,
    example_holders,
    example_objects,
)


def _mismatches(checker: InstanceChecker, schema_loc: Loc, value: Any, at: Loc,
                what: str, direction: str | None = None) -> Iterator[Violation]:
    for pointer, message in checker.errors(schema_loc, value, direction=direction):
        where = Loc(at.file, at.pointer + pointer)
        inside = f" at {pointer}" if pointer else ""
        yield Violation(where, f"{what} does not match its schema{inside}: {message}")


@rule(
    "oas-valid-media-example",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Examples of media types, parameters and headers ('example' and each "
            "'examples' value) validate against their schema (spectral:oas "
            "oas3-valid-media-example).",
    why="""Examples are what people copy, what mocks return and what contract tests send.
    An example that breaks its own schema (an amount as a number where the schema says a
    decimal string) teaches consumers the wrong format and makes mocks lie. Schemas are
    resolved across files offline, so a canonical schema's rules apply too. A required
    property that only travels the other way may be missing: readOnly ones from request
    examples, writeOnly ones from response examples, as Spectral does for request and
    response bodies (here parameters count as requests and headers follow their body; a
    callback's body counts as a response, its answer as a request). OpenAPI 3.0 says so;
    3.1 only allows it ("MAY"), and Ledgerpact relaxes 3.1 the same way, as Spectral does.
    A readOnly property that is present in a request example is not reported.""",
    bad=invoices_listed("""      responses:
        "200":
          description: The invoices.
          content:
            application/json:
              schema:
                type: object
                properties:
                  total: {type: string, pattern: "^-?[0-9]+(\\\\.[0-9]+)?$"}
              example: {total: 12.5}
"""),
    good=invoices_listed("""      responses:
        "200":
          description: The invoices.
          content:
            application/json:
              schema:
                type: object
                properties:
                  total: {type: string, pattern: "^-?[0-9]+(\\\\.[0-9]+)?$"}
              example: {total: "12.50"}
"""),
)
def valid_media_example(index: Index) -> Iterator[Violation]:
    checker = InstanceChecker(index)
    done: set[tuple[Loc, Loc]] = set()
    for holder in example_holders(index):
        if "schema" not in holder.value:
            continue
        schema_loc = holder.loc.child("schema")
        if "example" in holder.value:
            yield from _mismatches(checker, schema_loc, holder.value["example"],
                                   holder.loc.child("example"), f"the {holder.kind} example",
                                   holder.direction)
        for name, _, _, where, example in example_objects(index, holder):
            if example is None or "value" not in example or (where, schema_loc) in done:
                continue
            done.add((where, schema_loc))
            yield from _mismatches(checker, schema_loc, example["value"],
                                   where.child("value"), f"{holder.kind} example {name!r}",
                                   holder.direction)


@rule(
    "oas-valid-schema-example",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="A schema's own 'example', 'examples' (3.1) and 'default' validate against it "
            "(spectral:oas oas3-valid-schema-example).",
    why="""A default that breaks its schema is what a server fills in when the client says
    nothing, so the API's own behaviour would be invalid; a schema example that breaks it
    ends up in every generated document and mock.""",
    bad=openapi("""paths: {}
components:
  schemas:
    Currency:
      type: string
      pattern: "^[A-Z]{3}$"
      examples: [eur]
"""),
    good=openapi("""paths: {}
components:
  schemas:
    Currency:
      type: string
      pattern: "^[A-Z]{3}$"
      examples: [EUR]
"""),
)
def valid_schema_example(index: Index) -> Iterator[Violation]:
    checker: InstanceChecker | None = None
    holders: list[tuple[Loc, dict[str, Any]]] = [
        (n.loc, n.schema) for n in index.schemas_with("example", "default", "examples")]
    if index.format == OAS31:  # 3.1: a $ref may carry its own examples and default
        seen: set[Loc] = set()
        for use in index.refs:
            if use.loc in seen or use.target is None or index.schema_at(use.target) is None:
                continue
            seen.add(use.loc)
            holder = use.holder
            if "example" in holder or "default" in holder or "examples" in holder:
                holders.append((use.loc, holder))
    for loc, schema in holders:
        checker = checker or InstanceChecker(index)
        if "example" in schema:
            yield from _mismatches(checker, loc, schema["example"], loc.child("example"),
                                   "the schema's example")
        if "default" in schema:
            yield from _mismatches(checker, loc, schema["default"], loc.child("default"),
                                   "the schema's default")
        examples = schema.get("examples")
        if index.format == OAS31 and isinstance(examples, list):
            for i, value in enumerate(examples):
                yield from _mismatches(checker, loc, value, loc.child("examples", i),
                                       f"the schema's example {i}")


@rule(
    "oas-examples-value-or-externalValue",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Each Example Object has either 'value' or 'externalValue', not both and not "
            "neither (spectral:oas oas3-examples-value-or-externalValue).",
    why="""OpenAPI makes `value` and `externalValue` mutually exclusive: with both, tools
    disagree on which one is the example; with neither, the example is only a title.""",
    bad=openapi("""paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        content:
          application/json:
            schema: {type: object}
            examples:
              simple:
                value: {number: INV-1}
                externalValue: https://ledgerpact.example/examples/invoice.json
      responses:
        "201": {description: Created.}
"""),
    good=openapi("""paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        content:
          application/json:
            schema: {type: object}
            examples:
              simple:
                value: {number: INV-1}
      responses:
        "201": {description: Created.}
"""),
)
def examples_value_or_external_value(index: Index) -> Iterator[Violation]:
    found: list[tuple[str, Loc, dict[str, Any] | None]] = []
    for holder in example_holders(index):
        found += [(name, where, example)
                  for name, _, _, where, example in example_objects(index, holder)]
    found += [(name, where, value if isinstance(value, dict) else None)
              for name, value, where in component_entries(index, "examples")]
    seen: set[Loc] = set()
    for name, where, example in found:
        if example is None or where in seen:
            continue
        seen.add(where)
        has_value, has_external = "value" in example, "externalValue" in example
        if has_value and has_external:
            yield Violation(where, f"example {name!r} has both 'value' and 'externalValue'; "
                                   "expected exactly one")
        elif not has_value and not has_external:
            yield Violation(where, f"example {name!r} has neither 'value' nor "
                                   "'externalValue'; expected exactly one")
