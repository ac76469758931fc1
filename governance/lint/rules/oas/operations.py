"""Rules about operations: ids, success responses, tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, Loc, Violation


@rule(
    "oas-operation-operationId",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every operation has an operationId (spectral:oas operation-operationId).",
    why="""Generated clients name their methods after operationIds, contract tests and
    mocks refer to operations by them, and diff reports use them to say what changed. An
    operation without one gets a name invented from its path, which changes when the path
    does.""",
    bad="""openapi: 3.1.0
info: {title: Invoices, version: 1.0.0}
paths:
  /invoices:
    get:
      responses:
        "200": {description: The invoices.}
""",
    good="""openapi: 3.1.0
info: {title: Invoices, version: 1.0.0}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200": {description: The invoices.}
""",
)
def operation_id_present(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        if not str(op.op.get("operationId", "")).strip():
            yield Violation(op.loc, f"{op.label} has no operationId")


@rule(
    "oas-operation-operationId-unique",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="operationIds are unique in the document (spectral:oas "
            "operation-operationId-unique).",
    why="""Two operations with the same id collide in every generated client and make a
    pact interaction or a diff entry ambiguous about which endpoint it means.""",
    bad="""openapi: 3.1.0
info: {title: Invoices, version: 1.0.0}
paths:
  /invoices:
    get:
      operationId: getInvoices
      responses:
        "200": {description: The invoices.}
  /invoices/{id}:
    get:
      operationId: getInvoices
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
""",
    good="""openapi: 3.1.0
info: {title: Invoices, version: 1.0.0}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200": {description: The invoices.}
  /invoices/{id}:
    get:
      operationId: getInvoice
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
""",
)
def operation_id_unique(index: Index) -> Iterator[Violation]:
    seen: dict[str, list[tuple[str, Loc]]] = defaultdict(list)
    for op in index.operations:
        op_id = op.op.get("operationId")
        if isinstance(op_id, str) and op_id:
            seen[op_id].append((op.label, op.loc.child("operationId")))
    for op_id, uses in seen.items():
        for label, loc in uses[1:]:
            yield Violation(loc, f"operationId {op_id!r} of {label} is already used by "
                                 f"{uses[0][0]}")
