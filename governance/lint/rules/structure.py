"""Structural validity as lint findings: the document is what its version says it is.

OpenAPI is checked against the official OpenAPI JSON Schemas that openapi-spec-validator
ships, compiled with jsonschema-rs: the same verdict on the document's shape in a few
milliseconds on Stripe's 4 MB spec, where the pure-Python validator takes seconds. (The
semantic checks openapi-spec-validator adds, such as defaults matching their schemas or path
parameters being declared, are lint rules of their own here.) AsyncAPI goes through the
registry's own structural check.

OpenAPI 3.1's schema leaves Schema Objects to their dialect (its ``$defs/schema`` accepts any
object), so each Schema Object of a 3.1 document is also checked against the OAS 3.1 dialect
meta-schema (JSON Schema 2020-12 plus the OAS vocabulary), or against 2020-12 alone when the
document or the schema names that dialect: the check Spectral makes, from meta-schemas on
disk, never fetched.

A failing ``oneOf`` (every schema position of OpenAPI 3.0 is ``oneOf: [Schema, Reference]``)
is reported at the leaves of the alternative the document most plausibly meant, as Spectral
does: a misspelt keyword deep in a component is a finding at that keyword, not one quoting
the whole component.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, SchemaNode
from ledgerpact.governance.lint.model import ASYNCAPI, OAS3, OAS30, OAS31, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.findings import shorten
from ledgerpact.registry.schema_errors import leaf_errors

# The dialect a 3.1 Schema Object has unless the document's jsonSchemaDialect or its own
# $schema says otherwise, and the prefix every OAS 3.1 dialect URI has.
OAS31_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"
_OAS31_DIALECTS = "https://spec.openapis.org/oas/3.1/dialect/"
JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# Loc((file, pointer)) without the named tuple's Python-level __new__.
_loc = partial(tuple.__new__, Loc)


def _refuse(uri: str) -> Any:
    raise ValueError(f"refusing to fetch {uri}: nothing is ever fetched")


@cache
def _oas_validator(fmt: str) -> Any:
    import jsonschema_rs

    folder = "v3.0" if fmt == OAS30 else "v3.1"
    path = _package_dir("openapi_spec_validator") / "resources" / "schemas" / folder / \
        "schema.json"
    text = path.read_text(encoding="utf-8")
    return jsonschema_rs.validator_for(json.loads(text), retriever=_refuse)


def _package_dir(name: str) -> Path:
    """Where an installed package's files are, found without importing it (openapi-spec-
    validator and openapi-schema-validator cost more to import than the checks here)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _dialect_validator(dialect: str) -> Any:
    """A validator of Schema Objects written in ``dialect`` (the OAS 3.1 dialect or JSON
    Schema 2020-12). jsonschema-rs bundles the 2020-12 meta-schemas; the OAS dialect and
    its vocabulary come from openapi-schema-validator's files, handed over in a registry;
    anything else a meta-schema names is refused, never fetched."""
    import jsonschema_rs

    if dialect == JSON_SCHEMA_2020_12:
        return jsonschema_rs.validator_for({"$ref": JSON_SCHEMA_2020_12}, retriever=_refuse,
                                           validate_formats=False)
    folder = _package_dir("openapi_schema_validator") / "schemas" / "oas3.1"
    meta = json.loads((folder / "metaschema.json").read_text(encoding="utf-8"))
    vocabulary = json.loads((folder / "vocabularies" / "base").read_text(encoding="utf-8"))
    registry = jsonschema_rs.Registry([(vocabulary["$id"], vocabulary)], retriever=_refuse)
    return jsonschema_rs.validator_for(meta, registry=registry, retriever=_refuse,
                                       validate_formats=False)


@rule(
    "structure",
    severity="error",
    family="structure",
    formats=OAS3 | ASYNCAPI,
    summary="The document is structurally valid for its OpenAPI or AsyncAPI version.",
    why="""A document that breaks its own specification's schema cannot be trusted by any
    tool downstream: generators, mocks and diff all assume the structure is right. Parts of
    the contract in other files are checked with it (the resolved contract, as Spectral
    checks it), and a JSON Schema file it uses must be a valid schema.""",
    bad="""openapi: 3.1.0
info: {title: Payments}
paths: {}
""",
    good=openapi("""paths: {}
""", title="Payments"),
)
def structure(index: Index) -> Iterator[Violation]:
    external = sorted({u.target.file for u in index.refs
                       if u.target is not None and u.target.file != index.root})
    schema_files = _schema_file_names(index, external)
    doc: Any = index.doc
    locate = _same_place(index.root)
    if external:
        # Parts of the contract live in other files: check the contract as a whole, as
        # Spectral checks the resolved document, and point back into the file each part
        # came from.
        from ledgerpact.registry.bundle import bundle

        bundled = bundle(index.ws, index.root)
        doc, locate = bundled.document, bundled.locate
    if index.is_openapi:
        seen: set[tuple[str, str, str]] = set()
        for error in _oas_validator(index.format).iter_errors(doc):
            for leaf in leaf_errors(error, doc):
                path, message = _describe(leaf)
                file, pointer = locate(jp.join(str(p) for p in path))
                if (file, pointer, message) not in seen:
                    seen.add((file, pointer, message))
                    yield Violation(Loc(file, pointer), message)
        if index.format == OAS31:
            # Schema files of their own are checked whole below, against their $schema.
            yield from _schema_objects(index, frozenset(schema_files))
    else:
        from ledgerpact.registry.asyncapi_structure import check_asyncapi

        for violation in check_asyncapi(doc):
            file, pointer = locate(violation.pointer)
            yield Violation(Loc(file, pointer), violation.message)
    yield from _schema_files(index, schema_files)


def _describe(error: Any) -> tuple[list[Any], str]:
    """Where one validator error is and what it says. A single unexpected property is
    named at its own pointer, as Spectral words it; anything else keeps the validator's
    message with the quoted instance clipped, so the reason survives."""
    path = list(error.instance_path)
    kind = type(error.kind).__name__
    if kind in ("AdditionalProperties", "UnevaluatedProperties"):
        unexpected = getattr(error.kind, "unexpected", None)
        if isinstance(unexpected, list) and len(unexpected) == 1:
            name = unexpected[0]
            return [*path, name], f'Property "{name}" is not expected to be here'
    if kind in ("OneOfNotValid", "AnyOf"):
        # Left whole only when every alternative refuses the value's very type (3.0's
        # `items: [...]` against `oneOf: [Schema, Reference]`): when they all want the same
        # type, that is the reason to give.
        said = {e.message for branch in getattr(error.kind, "context", None) or []
                for e in branch}
        if len(said) == 1:
            return path, shorten(said.pop())
    return path, shorten(error.message)


def _schema_objects(index: Index, skip: frozenset[str]) -> Iterator[Violation]:
    """Each Schema Object of an OpenAPI 3.1 document against its dialect's meta-schema.

    Only the outermost schemas are validated (the meta-schema descends into their
    subschemas itself): the index's nodes that no other indexed schema contains, and the
    schemas written next to a ``$ref`` (3.1 allows siblings; the index follows the ``$ref``
    and keeps no node for the object holding it). Dialects other than the OAS one and
    2020-12 are left alone: their meta-schemas would have to be fetched. Schemas in the
    files of ``skip`` are not checked here (their whole file is)."""
    default = index.doc.get("jsonSchemaDialect", OAS31_DIALECT)
    roots: list[tuple[Loc, dict[str, Any]]] = [
        (node.loc, node.schema) for node in _outermost(index)]
    roots += [(use.loc, use.holder) for use in index.refs
              if len(use.holder) > 1 and use.target is not None
              and index.schema_at(use.target) is not None
              and not _inside_schema(index, use.loc)]
    seen: set[tuple[str, str, str]] = set()
    for loc, schema in roots:
        if loc.file in skip:
            continue
        validator = _validator_for(schema.get("$schema", default))
        if validator is None or validator.is_valid(schema):
            continue
        for error in validator.iter_errors(schema):
            for leaf in leaf_errors(error, schema):
                path, message = _describe(leaf)
                pointer = loc.pointer + jp.join(str(p) for p in path)
                if (loc.file, pointer, message) not in seen:
                    seen.add((loc.file, pointer, message))
                    yield Violation(Loc(loc.file, pointer), message)


def _validator_for(dialect: Any) -> Any:
    """The meta-schema validator for ``dialect``; None for a dialect not checked here."""
    if not isinstance(dialect, str):
        return None
    dialect = dialect.rstrip("#")
    if dialect == JSON_SCHEMA_2020_12:
        return _dialect_validator(JSON_SCHEMA_2020_12)
    if dialect.startswith(_OAS31_DIALECTS):
        return _dialect_validator(OAS31_DIALECT)
    return None


def _outermost(index: Index) -> list[SchemaNode]:
    """The indexed schemas no other indexed schema contains (validating one of those would
    repeat part of the container's check). A node's parent is the schema it was reached
    from, which after a ``$ref`` is not the one containing it, so containment is read off
    pointers; the parent settles most nodes without a look-up (a hot loop on Stripe's
    thirteen thousand schemas)."""
    out = []
    for node in index.schemas:
        file, pointer = node.loc
        parent = node.parent
        if parent is not None and parent.loc[0] == file and \
                pointer.startswith(parent.loc[1] + "/"):
            continue
        if not _inside_schema(index, node.loc):
            out.append(node)
    return out


def _inside_schema(index: Index, loc: Loc) -> bool:
    """Whether a schema the index knows contains the place ``loc`` (strictly)."""
    file, pointer = loc
    at = index.schema_at
    while (cut := pointer.rfind("/")) > 0:
        pointer = pointer[:cut]
        if at(_loc((file, pointer))) is not None:
            return True
    return False


def _same_place(file: str) -> Callable[[str], tuple[str, str]]:
    return lambda pointer: (file, pointer)


def _schema_file_names(index: Index, files: list[str]) -> list[str]:
    """The files among ``files`` that are JSON Schema files of their own (canonical
    schemas a contract references), not parts of an OpenAPI document."""
    return [f for f in files if f.endswith(".schema.json")
            or "$schema" in (index.ws.document(f).data or {})]


def _schema_files(index: Index, schema_files: list[str]) -> Iterator[Violation]:
    """A canonical JSON Schema file a contract uses must itself be a valid schema."""
    if not schema_files:
        return
    from jsonschema import Draft202012Validator

    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for file in schema_files:
        for error in meta.iter_errors(index.ws.document(file).data):
            yield Violation(Loc(file, jp.join(str(p) for p in error.absolute_path)),
                            shorten(f"not a valid JSON Schema 2020-12: {error.message}"))
