"""Structural validity as lint findings: the document is what its version says it is.

OpenAPI is checked against the official OpenAPI JSON Schemas that openapi-spec-validator
ships, compiled with jsonschema-rs: the same verdict on the document's shape in a few
milliseconds on Stripe's 4 MB spec, where the pure-Python validator takes seconds. (The
semantic checks openapi-spec-validator adds, such as defaults matching their schemas or path
parameters being declared, are lint rules of their own here.) AsyncAPI goes through the
registry's own structural check.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, OAS3, OAS30, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.findings import shorten


def _refuse(uri: str) -> Any:
    raise ValueError(f"refusing to fetch {uri}: nothing is ever fetched")


@cache
def _oas_validator(fmt: str) -> Any:
    import jsonschema_rs

    folder = "v3.0" if fmt == OAS30 else "v3.1"
    # Locate the package's data without importing it: importing openapi-spec-validator
    # costs more than validating Stripe's whole spec with jsonschema-rs.
    spec = importlib.util.find_spec("openapi_spec_validator")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations)), "resources", "schemas", folder,
                "schema.json")
    text = path.read_text(encoding="utf-8")
    return jsonschema_rs.validator_for(json.loads(text), retriever=_refuse)


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
        for error in _oas_validator(index.format).iter_errors(doc):
            file, pointer = locate(jp.join(str(p) for p in error.instance_path))
            yield Violation(Loc(file, pointer), shorten(error.message))
    else:
        from ledgerpact.registry.asyncapi_structure import check_asyncapi

        for violation in check_asyncapi(doc):
            file, pointer = locate(violation.pointer)
            yield Violation(Loc(file, pointer), violation.message)
    yield from _schema_files(index, external)


def _same_place(file: str) -> Callable[[str], tuple[str, str]]:
    return lambda pointer: (file, pointer)


def _schema_files(index: Index, files: list[str]) -> Iterator[Violation]:
    """A canonical JSON Schema file a contract uses must itself be a valid schema."""
    schema_files = [f for f in files if f.endswith(".schema.json")
                    or "$schema" in (index.ws.document(f).data or {})]
    if not schema_files:
        return
    from jsonschema import Draft202012Validator

    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for file in schema_files:
        for error in meta.iter_errors(index.ws.document(file).data):
            yield Violation(Loc(file, jp.join(str(p) for p in error.absolute_path)),
                            shorten(f"not a valid JSON Schema 2020-12: {error.message}"))
