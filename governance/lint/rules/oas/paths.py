"""Rules about path keys and path parameters."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, Operation, Parameter
from ledgerpact.governance.lint.model import OAS3, Loc, Violation
from ledgerpact.governance.lint.rules._examples import invoices_listed, openapi
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.oas._shared import parent, path_operations, unique_by_use

_TEMPLATE = re.compile(r"\{([^{}]*)\}")


def _path_keys(index: Index) -> Iterator[tuple[str, Loc]]:
    root = index.root_loc
    for path in as_dict(index.doc.get("paths")):
        yield str(path), root.child("paths", path)


@rule(
    "oas-path-params",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Path templates and path parameters agree: every {name} is declared, every path "
            "parameter is used and required, none is declared twice, and no two paths are "
            "the same up to parameter names (spectral:oas path-params).",
    why="""A template variable without a parameter cannot be filled in by a client or
    matched by a mock; a declared path parameter that is not in the template is sent
    nowhere. Path parameters are always required by HTTP routing, so `required: false`
    misleads generators. `/invoices/{id}` and `/invoices/{invoiceId}` are one route to a
    server, so which operation answers is undefined.""",
    bad=openapi("""paths:
  /invoices/{invoiceId}:
    get:
      operationId: getInvoice
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
"""),
    good=openapi("""paths:
  /invoices/{invoiceId}:
    parameters:
      - {name: invoiceId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getInvoice
      responses:
        "200": {description: One invoice.}
"""),
)
def path_params(index: Index) -> Iterator[Violation]:
    # Paths equivalent up to parameter names, and variables used twice in one template.
    seen: dict[str, str] = {}
    for path, loc in _path_keys(index):
        shape = _TEMPLATE.sub("{}", path)
        if shape in seen:
            yield Violation(loc, f"paths {seen[shape]!r} and {path!r} are equivalent: they "
                                 "differ only in parameter names, so a request matches both; "
                                 "expected one path")
        else:
            seen[shape] = path
        names = _TEMPLATE.findall(path)
        for name in sorted({n for n in names if n and names.count(n) > 1}):
            yield Violation(loc, f"path {path!r} uses parameter {{{name}}} more than once; "
                                 "expected each template variable once")

    path_level: dict[Loc, list[Parameter]] = defaultdict(list)
    op_level: dict[Loc, list[Parameter]] = defaultdict(list)
    for p in unique_by_use(index.parameters):
        if p.param.get("in") != "path" or not isinstance(p.param.get("name"), str):
            continue
        if p.operation is None:
            path_level[parent(p.use, 2)].append(p)
        else:
            op_level[p.operation.loc].append(p)

    reported: set[Loc] = set()
    for (item_loc, _), ops in _operations_by_path_item(index).items():
        template = set(_TEMPLATE.findall(ops[0].path))
        shared = _declared(path_level.get(item_loc, []), reported)
        yield from shared.problems
        for name, p in shared.params.items():
            if name not in template and p.use not in reported:
                reported.add(p.use)
                yield _unused(p, ops[0].path)
        for op in ops:
            own = _declared(op_level.get(op.loc, []), reported)
            yield from own.problems
            for name, p in own.params.items():
                if name not in template and p.use not in reported:
                    reported.add(p.use)
                    yield _unused(p, op.path)
            missing = sorted(n for n in template
                             if n and n not in own.params and n not in shared.params)
            for name in missing:
                yield Violation(op.loc, f"{op.label} does not declare path parameter "
                                        f"{name!r}; expected a parameter with name: {name}, "
                                        "in: path, required: true on the operation or the "
                                        "path item")


class _Declared:
    def __init__(self) -> None:
        self.params: dict[str, Parameter] = {}
        self.problems: list[Violation] = []


def _declared(params: list[Parameter], reported: set[Loc]) -> _Declared:
    """One level's path parameters by name, and what is wrong with their declarations."""
    out = _Declared()
    for p in params:
        name = p.param["name"]
        if p.param.get("required") is not True and p.loc not in reported:
            reported.add(p.loc)
            where = p.loc.child("required") if "required" in p.param else p.loc
            out.problems.append(Violation(
                where, f"path parameter {name!r} must have required: true (a path "
                       "parameter is always required)"))
        if name in out.params:
            if p.use not in reported:
                reported.add(p.use)
                out.problems.append(Violation(
                    p.use, f"path parameter {name!r} is declared more than once in the same "
                           f"parameters list (first at {out.params[name].use.pointer}); "
                           "expected one declaration"))
        else:
            out.params[name] = p
    return out


def _unused(p: Parameter, path: str) -> Violation:
    name = p.param["name"]
    return Violation(p.use, f"path parameter {name!r} is not used in path {path!r}; expected "
                            f"{{{name}}} in the path, or another 'in'")


def _operations_by_path_item(index: Index) -> dict[tuple[Loc, str], list[Operation]]:
    """Operations per (path item, path key): one path item may be shared by several paths
    through a $ref, and each path has its own template."""
    grouped: dict[tuple[Loc, str], list[Operation]] = defaultdict(list)
    for op in path_operations(index):
        grouped[(op.path_item_loc, op.path)].append(op)
    return grouped


@rule(
    "oas-path-declarations-must-exist",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Path templates have no empty parameter declarations such as /invoices/{} "
            "(spectral:oas path-declarations-must-exist).",
    why="""An empty `{}` cannot be matched to any parameter, so no client can fill it in and
    no server can route it.""",
    bad=openapi("""paths:
  /invoices/{}:
    get:
      operationId: getInvoice
      responses:
        "200": {description: One invoice.}
"""),
    good=openapi("""paths:
  /invoices/{invoiceId}:
    get:
      operationId: getInvoice
      parameters:
        - {name: invoiceId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
"""),
)
def path_declarations_must_exist(index: Index) -> Iterator[Violation]:
    for path, loc in _path_keys(index):
        if "{}" in path:
            yield Violation(loc, f"path {path!r} has an empty parameter declaration '{{}}'; "
                                 "expected a name such as {invoiceId}")


@rule(
    "oas-path-keys-no-trailing-slash",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Paths do not end with a slash (spectral:oas path-keys-no-trailing-slash).",
    why="""Some servers, gateways and mocks treat `/invoices/` and `/invoices` as the same
    resource and others do not; documenting the slash-less form avoids requests that work
    in one environment and 404 in the next.""",
    bad=openapi("""paths:
  /invoices/:
    get:
      operationId: listInvoices
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      responses:
        "200": {description: The invoices.}
"""),
)
def path_keys_no_trailing_slash(index: Index) -> Iterator[Violation]:
    for path, loc in _path_keys(index):
        if len(path) > 1 and path.endswith("/"):
            yield Violation(loc, f"path {path!r} ends with a slash; expected {path.rstrip('/')!r}")


@rule(
    "oas-path-not-include-query",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Paths do not contain a query string (spectral:oas path-not-include-query).",
    why="""A query string in a path key is matched literally by tools, is not a parameter
    clients can set, and hides a filter from the documentation. Query items belong in
    parameters with `in: query`.""",
    bad=openapi("""paths:
  /invoices?status=open:
    get:
      operationId: listOpenInvoices
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      parameters:
        - {name: status, in: query, schema: {type: string, enum: [open, paid]}}
      responses:
        "200": {description: The invoices.}
"""),
)
def path_not_include_query(index: Index) -> Iterator[Violation]:
    for path, loc in _path_keys(index):
        if "?" in path:
            yield Violation(loc, f"path {path!r} contains a query string; expected the "
                                 f"path {path.split('?', 1)[0]!r} and parameters with "
                                 "in: query")
