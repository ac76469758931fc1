"""Rules about schema objects: enums, arrays, and what sits next to a ``$ref``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, OAS30, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.oas._shared import memo, ref_holders, servers


def _canonical(value: Any) -> Any:
    """A hashable form under which two values are equal exactly when JSON Schema says so:
    1 equals 1.0, but true does not equal 1."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    return ("json", json.dumps(value, sort_keys=True, default=str))


def json_text(value: Any) -> str:
    """``value`` as the document's reader wrote it, JSON (null, true, "EUR"), not as Python
    prints it (None, True, 'EUR'); anything JSON cannot write (a YAML date) as a string."""
    return json.dumps(value, ensure_ascii=False, default=str)


def enum_schemas(index: Index) -> list[tuple[Loc, dict[str, Any], list[Any]]]:
    """(where, schema, enum) of each schema with an ``enum`` list, found once per index."""
    return memo(index, "enum_schemas", lambda ix: [
        (node.loc, node.schema, node.schema["enum"]) for node in ix.schemas_with("enum")
        if isinstance(node.schema["enum"], list)])


def _enums(index: Index) -> Iterator[tuple[Loc, tuple[str, ...], list[Any]]]:
    """(holder, path from it to the enum, the enum): the enum's Loc is made only for the
    rare enum with a finding, not for each of the thousands a large spec has."""
    for loc, _, enum in enum_schemas(index):
        yield loc, ("enum",), enum
    for loc, server, _ in servers(index):
        for name, variable in as_dict(server.get("variables")).items():
            enum = as_dict(variable).get("enum")
            if isinstance(enum, list):
                yield loc, ("variables", name, "enum"), enum


@rule(
    "oas-duplicated-entry-in-enum",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="enum values are unique (spectral:oas duplicated-entry-in-enum).",
    why="""A repeated enum value is usually a typo for another value ("paid", "paid"
    instead of "paid", "partially_paid"), and code generators fail or emit duplicate
    constants on it. Each repeat is reported at its own entry (.../enum/3), not at the enum
    as Spectral does, so the line shown is the duplicate's.""",
    bad=openapi("""paths: {}
components:
  schemas:
    InvoiceStatus:
      type: string
      enum: [received, approved, paid, paid]
"""),
    good=openapi("""paths: {}
components:
  schemas:
    InvoiceStatus:
      type: string
      enum: [received, approved, partially_paid, paid]
"""),
)
def duplicated_entry_in_enum(index: Index) -> Iterator[Violation]:
    for holder, path, enum in _enums(index):
        if all(isinstance(v, str) for v in enum) and len(set(enum)) == len(enum):
            continue  # the common case, decided without building keys
        loc = holder.child(*path)
        first: dict[Any, int] = {}
        for i, value in enumerate(enum):
            key = _canonical(value)
            if key in first:
                yield Violation(loc.child(i), f"enum value {json_text(value)} repeats entry "
                                              f"{first[key]}; expected unique values")
            else:
                first[key] = i


_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or
                         (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def schema_types(schema: dict[str, Any], *, nullable: bool) -> list[str] | None:
    """The JSON types a schema's ``type`` allows, or None when it does not constrain the
    type in a way this can check. ``nullable`` says whether ``nullable: true`` adds null:
    it does in OpenAPI 3.0 only; 3.1 schemas are JSON Schema 2020-12, which has no
    ``nullable`` keyword (null must be listed in ``type``)."""
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else declared
    if not isinstance(types, list) or not all(isinstance(t, str) and t in _CHECKS
                                              for t in types):
        return None
    if nullable and schema.get("nullable") is True and "null" not in types:
        types = [*types, "null"]
    return types


@rule(
    "oas-typed-enum",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every enum value has the schema's type (spectral:oas typed-enum); 3.0's "
            "nullable allows null, 3.1 needs null in 'type'.",
    why="""A value of the wrong type can never validate, so the enum documents a value the
    API cannot send or accept: `enum: [1, 2, "3"]` on an integer rejects "3", and `0` on a
    string field is not the string "0" clients will send.""",
    bad=openapi("""paths: {}
components:
  schemas:
    PaymentTermsDays:
      type: integer
      enum: [0, 30, "60"]
"""),
    good=openapi("""paths: {}
components:
  schemas:
    PaymentTermsDays:
      type: integer
      enum: [0, 30, 60]
"""),
)
def typed_enum(index: Index) -> Iterator[Violation]:
    oas30 = index.format == OAS30
    for loc, schema, enum in enum_schemas(index):
        types = schema_types(schema, nullable=oas30)
        if types is None:
            continue
        if types == ["string"] and all(isinstance(v, str) for v in enum):
            continue  # the common case, decided without a check per value
        for i, value in enumerate(enum):
            if not any(_CHECKS[t](value) for t in types):
                shown = types[0] if len(types) == 1 else json_text(types)
                hint = ("; OpenAPI 3.1 has no 'nullable': list \"null\" in 'type' instead"
                        if value is None and not oas30 and schema.get("nullable") is True
                        else "")
                yield Violation(loc.child("enum", i),
                                f"enum value {json_text(value)} is not of the schema's type "
                                f"{shown}; expected every enum value to have that type{hint}")


@rule(
    "oas-array-items",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Array schemas say what their items are: 'items' (or in 3.1 'prefixItems') "
            "(spectral:oas array-items).",
    why="""OpenAPI 3.0 requires `items` on an array schema; without it generators emit a
    list of anything, and validators accept any element, so an invoice's lines go
    unchecked. The finding points at the schema's 'type' (Spectral: at the schema itself),
    the keyword that makes 'items' necessary.""",
    bad=openapi("""paths: {}
components:
  schemas:
    InvoiceLines:
      type: array
"""),
    good=openapi("""paths: {}
components:
  schemas:
    InvoiceLines:
      type: array
      items: {type: object}
"""),
)
def array_items(index: Index) -> Iterator[Violation]:
    for node in index.schemas:
        declared = node.schema.get("type")
        if declared == "array" or (isinstance(declared, list) and "array" in declared):
            if "items" in node.schema:
                continue
            if index.format != OAS30 and "prefixItems" in node.schema:
                continue
            yield Violation(node.loc.child("type"),
                            "schema of type array has no 'items'; expected 'items' "
                            "describing the elements")


@rule(
    "oas-no-$ref-siblings",
    severity="error",
    family="oas",
    formats=frozenset({OAS30}),
    summary="In OpenAPI 3.0 nothing sits next to a $ref (spectral:oas no-$ref-siblings); "
            "3.1 allows it and is not checked.",
    why="""OpenAPI 3.0 says a Reference Object's other fields SHALL be ignored, so a
    description, an example or a `nullable: true` written next to `$ref` silently does
    nothing in some tools and is honoured by others. Wrap the reference in `allOf` to add
    to it.""",
    bad="""openapi: 3.0.3
info: {title: Invoices, version: 1.0.0}
paths: {}
components:
  schemas:
    Money: {type: string}
    Invoice:
      type: object
      properties:
        total:
          $ref: "#/components/schemas/Money"
          description: Total including tax.
""",
    good="""openapi: 3.0.3
info: {title: Invoices, version: 1.0.0}
paths: {}
components:
  schemas:
    Money: {type: string}
    Invoice:
      type: object
      properties:
        total:
          description: Total including tax.
          allOf:
            - $ref: "#/components/schemas/Money"
""",
)
def no_ref_siblings(index: Index) -> Iterator[Violation]:
    for loc, holder in ref_holders(index):
        for key in holder:
            if key != "$ref":
                yield Violation(loc.child(key), f"{key!r} next to $ref is ignored in OpenAPI "
                                                "3.0; expected $ref alone (wrap it in allOf "
                                                "to add to it)")
