"""Rules about reusable components."""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, OAS31, Violation
from ledgerpact.governance.lint.rules._examples import invoices_listed, openapi
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.oas._shared import extra_refs, security_requirements
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.refs import parse_ref

_KINDS = ("schemas", "responses", "parameters", "examples", "requestBodies", "headers",
          "links", "callbacks")
_LABEL = {"schemas": "schema", "responses": "response", "parameters": "parameter",
          "examples": "example", "requestBodies": "request body", "headers": "header",
          "links": "link", "callbacks": "callback", "pathItems": "path item",
          "securitySchemes": "security scheme"}


def _used(index: Index) -> set[tuple[str, str]]:
    """(kind, name) of every root component some ``$ref`` names directly (first hop, not
    where a chain of references ends), or a discriminator mapping names."""
    used: set[tuple[str, str]] = set()
    # What a $ref names depends only on its text and the file it is written in: a large
    # spec writes the same few hundred references thousands of times.
    refs = {(use.loc.file, use.ref): use.loc for use in index.refs}
    for loc, holder in extra_refs(index):
        refs.setdefault((loc.file, holder["$ref"]), loc)
    for (file, ref), loc in refs.items():
        if file == index.root and ref.startswith("#/components/") and "%" not in ref:
            tokens = jp.split(ref[1:])  # the usual local reference, without a full parse
            if len(tokens) >= 3:
                used.add((tokens[1], tokens[2]))
            continue
        try:
            target = parse_ref(ref, file, loc.pointer + "/$ref", index.ws)
        except InputError:
            continue
        if target.file == index.root and target.pointer.startswith("/components/"):
            tokens = jp.split(target.pointer)
            if len(tokens) >= 3:
                used.add((tokens[1], tokens[2]))
    for node in index.schemas_with("discriminator"):
        discriminator = node.schema.get("discriminator")
        if not discriminator:
            continue
        for value in as_dict(as_dict(discriminator).get("mapping")).values():
            if isinstance(value, str):
                name = value.rsplit("/", 1)[-1] if "/" in value else value
                used.add(("schemas", jp.unescape(name)))
    for _, requirement, _ in security_requirements(index):
        used.update(("securitySchemes", name) for name in requirement)
    return used


@rule(
    "oas-unused-component",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every component in the document's own components is used: referenced by a "
            "$ref (or a discriminator mapping), or for security schemes named by a security "
            "requirement (spectral:oas oas3-unused-component, plus security schemes).",
    why="""An unused component is either dead weight that reviewers still have to read and
    keep compatible, or a sign that an operation references a copy instead of it. Only
    the root document's components are checked: shared schema files are libraries, and a
    document without paths or webhooks is treated as one.""",
    bad=invoices_listed("""      responses:
        "200":
          description: The invoices.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/InvoicePage"}
components:
  schemas:
    InvoicePage: {type: object}
    LegacyInvoice: {type: object}
"""),
    good=invoices_listed("""      responses:
        "200":
          description: The invoices.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/InvoicePage"}
components:
  schemas:
    InvoicePage: {type: object}
"""),
)
def unused_component(index: Index) -> Iterator[Violation]:
    if not index.doc.get("paths") and not index.doc.get("webhooks"):
        return  # a components-only document is a library for other documents
    components = as_dict(index.doc.get("components"))
    kinds = [*_KINDS, "securitySchemes"] + (["pathItems"] if index.format == OAS31 else [])
    if not any(as_dict(components.get(kind)) for kind in kinds):
        return
    used = _used(index)
    root = index.root_loc
    for kind in kinds:
        for name in as_dict(components.get(kind)):
            if (kind, name) not in used:
                how = ("no security requirement names it" if kind == "securitySchemes"
                       else "nothing references it")
                yield Violation(root.child("components", kind, name),
                                f"{_LABEL[kind]} {name!r} in components is unused: {how}; "
                                "expected it to be used, or removed")


@rule(
    "oas-ref-resolves",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Every $ref in Example Objects, links and callbacks resolves (Spectral reports "
            "these as invalid-ref); other unresolvable $refs stop the lint with exit 2.",
    why="""The lint's walk refuses a contract whose operations, parameters, bodies or
    schemas reference something that does not exist. Example, link and callback
    references are not needed for that walk, so a broken one would otherwise go unnoticed
    until a documentation build or a mock server fails on it.""",
    bad=openapi("""paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        content:
          application/json:
            schema: {type: object}
            examples:
              simple: {$ref: "#/components/examples/Simple"}
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
              simple: {$ref: "#/components/examples/Simple"}
      responses:
        "201": {description: Created.}
components:
  examples:
    Simple: {value: {number: INV-1}}
"""),
)
def ref_resolves(index: Index) -> Iterator[Violation]:
    for loc, holder in extra_refs(index):
        try:
            index.resolve(holder, loc)
        except InputError as exc:
            yield Violation(loc.child("$ref"), f"{exc.message}; expected a $ref to an "
                                               "object that exists")
