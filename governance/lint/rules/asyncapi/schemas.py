"""AsyncAPI rules about schema values: every ``default`` and every entry of ``examples``
is valid against the schema it sits on, and channel parameter values are allowed ones.

Spectral checks only the top level of payloads and component schemas
(asyncapi-payload-default / -examples, asyncapi-schema-default / -examples); here every
schema node the index holds is checked, each once, so a shared schema's bad example is
reported at the schema, not once per message that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, SchemaNode
from ledgerpact.governance.lint.instances import InstanceChecker
from ledgerpact.governance.lint.model import ASYNCAPI, Loc, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi3
from ledgerpact.governance.lint.rules._util import as_list
from ledgerpact.governance.lint.rules.asyncapi._common import (
    channel_parameters,
    is_v3,
    unchecked_payloads,
)
from ledgerpact.registry import pointer as jp


def _checked_nodes(index: Index, keyword: str) -> Iterator[SchemaNode]:
    """Schema nodes carrying ``keyword``, except those inside a payload written in a
    schema format other than JSON Schema (an Avro field's 'default' is Avro's)."""
    skip = unchecked_payloads(index)
    for node in index.schemas_with(keyword):
        top = node
        while top.parent is not None:
            top = top.parent
        if top.loc not in skip:
            yield node


def _values(index: Index, keyword: str) -> Iterator[tuple[Loc, Any, Loc, str]]:
    """(schema location, value, where the value is, what it is) for each ``default`` or
    ``examples`` entry: schema nodes first, then 2.x channel parameter schemas (which the
    index does not walk)."""
    for node in _checked_nodes(index, keyword):
        yield from _entries(node.loc, node.schema, keyword)
    if is_v3(index):
        return
    for name, param, loc in channel_parameters(index):
        schema = param.get("schema")
        if isinstance(schema, dict) and keyword in schema:
            for schema_loc, value, where, what in _entries(loc.child("schema"), schema, keyword):
                yield schema_loc, value, where, f"parameter {name!r} {what}"


def _entries(loc: Loc, schema: dict[str, Any], keyword: str) -> Iterator[tuple[Loc, Any, Loc,
                                                                              str]]:
    if keyword == "default":
        yield loc, schema["default"], loc.child("default"), "default"
    else:
        for i, example in enumerate(as_list(schema.get("examples"))):
            yield loc, example, loc.child("examples", i), f"example {i}"


def _check(index: Index, keyword: str) -> Iterator[Violation]:
    checker = InstanceChecker(index)
    for schema_loc, value, where, what in _values(index, keyword):
        for pointer, error in checker.errors(schema_loc, value):
            yield Violation(where.child(*jp.split(pointer)),
                            f"{what}{' at ' + pointer if pointer else ''} does not match its "
                            f"schema: {error}")
    if is_v3(index):
        yield from _parameter_values(index, keyword)


def _parameter_values(index: Index, keyword: str) -> Iterator[Violation]:
    """3.x parameters have no schema: ``enum``, ``default`` and ``examples`` sit on the
    parameter itself, and the values must be among the enum."""
    for name, param, loc in channel_parameters(index):
        enum = param.get("enum")
        if not isinstance(enum, list) or keyword not in param:
            continue
        values = [(param["default"], loc.child("default"))] if keyword == "default" else \
            [(v, loc.child("examples", i)) for i, v in enumerate(as_list(param["examples"]))]
        for value, where in values:
            if value not in enum:
                yield Violation(where, f"parameter {name!r} {keyword} {value!r} is not one of "
                                       f"its enum values; expected one of "
                                       f"{', '.join(map(repr, enum))}")


@rule(
    "asyncapi-schema-default",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every schema 'default' (payloads, headers, components, channel parameters) is "
            "valid against its schema (spectral:asyncapi asyncapi-schema-default and "
            "asyncapi-payload-default).",
    why="""Consumers and generated code fill in the default when a field is absent; a
    default that breaks its own schema puts an invalid value into every such message.""",
    bad=asyncapi3("""channels: {}
components:
  schemas:
    Priority:
      type: string
      enum: [normal, urgent]
      default: express
"""),
    good=asyncapi3("""channels: {}
components:
  schemas:
    Priority:
      type: string
      enum: [normal, urgent]
      default: normal
"""),
)
def schema_default(index: Index) -> Iterator[Violation]:
    yield from _check(index, "default")


@rule(
    "asyncapi-schema-examples",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every entry of a schema's 'examples' (payloads, headers, components, channel "
            "parameters) is valid against its schema (spectral:asyncapi "
            "asyncapi-schema-examples and asyncapi-payload-examples).",
    why="""Schema examples end up in documentation, mocks and generated tests; an example
    its own schema rejects teaches the wrong format (a money amount as a number, a date
    in the wrong form).""",
    bad=asyncapi3("""channels: {}
components:
  schemas:
    Amount:
      type: string
      pattern: '^-?[0-9]+(\\.[0-9]+)?$'
      examples: [12.5]
"""),
    good=asyncapi3("""channels: {}
components:
  schemas:
    Amount:
      type: string
      pattern: '^-?[0-9]+(\\.[0-9]+)?$'
      examples: ['12.50']
"""),
)
def schema_examples(index: Index) -> Iterator[Violation]:
    yield from _check(index, "examples")
