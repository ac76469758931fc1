"""Rules about parameter objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, Parameter
from ledgerpact.governance.lint.model import OAS3, Loc, Violation
from ledgerpact.governance.lint.rules._examples import invoices_listed
from ledgerpact.governance.lint.rules.oas._shared import (
    component_entries,
    parent,
    text,
    unique_by_loc,
    unique_by_use,
)


def _key(param: dict[str, object]) -> tuple[str, str] | None:
    """(in, name) as HTTP compares them: header names are case-insensitive."""
    name, where = param.get("name"), param.get("in")
    if not isinstance(name, str) or not isinstance(where, str):
        return None
    return where, name.lower() if where == "header" else name


@rule(
    "oas-operation-parameters",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="A parameters list declares each name+in pair once (spectral:oas "
            "operation-parameters); header names compare case-insensitively.",
    why="""OpenAPI identifies a parameter by its name and location; two declarations of
    `limit` in the query leave generators and mocks to pick one at random. HTTP header
    names are case-insensitive, so `Idempotency-Key` and `idempotency-key` are one
    header.""",
    bad=invoices_listed("""      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: string}}
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: limit, in: header, schema: {type: string}}
      responses:
        "200": {description: The invoices.}
"""),
)
def operation_parameters(index: Index) -> Iterator[Violation]:
    lists: dict[Loc, list[Parameter]] = defaultdict(list)
    for p in unique_by_use(index.parameters):
        lists[parent(p.use)].append(p)
    for params in lists.values():
        first: dict[tuple[str, str], Parameter] = {}
        for p in params:
            key = _key(p.param)
            if key is None:
                continue
            if key in first:
                whose = p.operation.label if p.operation else f"path {p.path!r}"
                yield Violation(p.use, f"parameter {p.param['name']!r} in {key[0]} is "
                                       f"declared twice for {whose} (first at "
                                       f"{first[key].use.pointer}); expected each name+in "
                                       "once")
            else:
                first[key] = p


@rule(
    "oas-parameter-description",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="Every parameter has a description (spectral:oas oas3-parameter-description).",
    why="""A parameter's name rarely says its units, format, defaulting or effect on the
    result ("Is `date` the invoice date or the posting date?"); the description is where
    consumers look.""",
    bad=invoices_listed("""      parameters:
        - {name: since, in: query, schema: {type: string, format: date}}
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      parameters:
        - name: since
          in: query
          description: Only invoices issued on or after this date.
          schema: {type: string, format: date}
      responses:
        "200": {description: The invoices.}
"""),
)
def parameter_description(index: Index) -> Iterator[Violation]:
    defined = [(p.loc, p.param) for p in unique_by_loc(index.parameters)]
    defined += [(where, value) for _, value, where in component_entries(index, "parameters")
                if isinstance(value, dict)]
    seen: set[Loc] = set()
    for loc, param in defined:
        if loc in seen or "in" not in param:
            continue
        seen.add(loc)
        if not text(param.get("description")):
            yield Violation(loc, f"parameter {param.get('name')!r} in {param.get('in')} has "
                                 "no description; expected a non-empty 'description'")
