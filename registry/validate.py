"""Structural validity of a contract, as findings located in the original files.

Validation runs on the bundle, never on the raw files: the bundler has already refused unsafe
``$ref``s in reference positions, and the spec validator is given no way to retrieve anything,
so a ``$ref`` hidden in a data value (which some validators follow) is refused, not fetched.
Findings are mapped back from the bundle to the file and line they came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema_path import SchemaPath
from openapi_schema_validator import OAS30Validator, OAS31Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from referencing.exceptions import Unresolvable

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.bundle import Bundle, bundle
from ledgerpact.registry.catalog import Entry
from ledgerpact.registry.examples import validate_examples
from ledgerpact.registry.findings import Finding, shorten
from ledgerpact.registry.metadata import Kind
from ledgerpact.registry.schema_patterns import bounded
from ledgerpact.registry.workspace import Workspace

MAX_FINDINGS_PER_CONTRACT = 200


def _structure(b: Bundle, ws: Workspace) -> Iterable[tuple[str, str]]:
    """(pointer in the bundle, message) for each structural problem."""
    doc: Any = b.document
    if b.kind == "openapi":
        version = str(doc.get("openapi", ""))
        # openapi-spec-validator follows $refs wherever it meets them, even inside a
        # `default` value the bundler rightly treats as data; give it no way to fetch.
        spec = SchemaPath.from_dict(doc, base_uri=_BUNDLE_URI, handlers=_REFUSE_ALL)
        if version.startswith("3.1"):
            validator: Any = _BoundedV31(spec)
        elif version.startswith("3.0"):
            validator = _BoundedV30(spec)
        else:
            yield "/openapi", f"unsupported OpenAPI version {version!r} (supported: 3.0.x, 3.1.x)"
            return
        where: dict[int, str] | None = None
        for error in _refusing(validator.iter_errors(), b, ws):
            pointer = jp.join(error.absolute_path)
            if not pointer and isinstance(error.schema, dict):
                # Errors in a schema's own default/example come without a path; find the
                # schema by identity (the validator walks our objects, not copies).
                where = where if where is not None else _pointers_by_identity(doc)
                base = where.get(id(error.schema))
                if base is not None:
                    for keyword in ("default", "example"):
                        if keyword in error.schema and error.schema[keyword] == error.instance:
                            yield f"{base}/{keyword}", f"{keyword} value: {error.message}"
                            break
                    else:
                        yield base, error.message
                    continue
            yield pointer, error.message
    elif b.kind == "asyncapi":
        from ledgerpact.registry.asyncapi_structure import check_asyncapi

        for violation in check_asyncapi(doc):
            yield violation.pointer, violation.message
    elif b.kind == "json-schema":
        meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
        for error in meta.iter_errors(doc):
            yield jp.join(error.absolute_path), error.message
    else:
        yield "", "not an OpenAPI, AsyncAPI or JSON Schema document"


_BUNDLE_URI = "urn:ledgerpact:bundle"


# openapi-spec-validator checks each schema's `default` with Python's `re` and no time limit:
# `pattern: "^(a|aa)+$"` beside a hostile default hung validation for good. Its value
# validators are swapped for ones whose patterns are bounded (see schema_patterns).
class _BoundedValueV30(keywords.OpenAPIV30ValueValidator):
    value_validator_cls = bounded(OAS30Validator)


class _BoundedValueV31(keywords.OpenAPIV31ValueValidator):
    value_validator_cls = bounded(OAS31Validator)


class _BoundedV30(OpenAPIV30SpecValidator):
    keyword_validators = MappingProxyType({**OpenAPIV30SpecValidator.keyword_validators,
                                           "default": _BoundedValueV30})


class _BoundedV31(OpenAPIV31SpecValidator):
    keyword_validators = MappingProxyType({**OpenAPIV31SpecValidator.keyword_validators,
                                           "default": _BoundedValueV31})


class _Refused(Exception):
    pass


def _refuse(uri: str) -> Any:
    raise _Refused(uri)


_REFUSE_ALL = {scheme: _refuse for scheme in ("file", "http", "https", "urn", "ftp", "")}


def _refusing(errors: Iterator[Any], b: Bundle, ws: Workspace) -> Iterator[Any]:
    """Turn a reference the validator could not (and must not) resolve into bad input,
    located where that ``$ref`` is."""
    try:
        yield from errors
    except (Unresolvable, _Refused) as exc:
        ref = str(getattr(exc, "ref", "") or exc)
        pointer = _find_ref(b.document, ref)
        file, original = b.locate(pointer or "")
        raise ws.error(f"$ref {ref!r} inside a data value (default, example, extension) "
                       "cannot be resolved in the bundle, and nothing is ever fetched",
                       file, original) from None


def _find_ref(doc: Any, ref: str) -> str | None:
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, dict):
            if node.get("$ref") == ref or (isinstance(node.get("$ref"), str)
                                           and ref.endswith(node["$ref"])):
                return ptr + "/$ref"
            stack.extend((v, f"{ptr}/{jp.escape(k)}") for k, v in node.items()
                         if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, f"{ptr}/{i}") for i, v in enumerate(node)
                         if isinstance(v, dict | list))
    return None


def _pointers_by_identity(doc: Any) -> dict[int, str]:
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, dict):
            found.setdefault(id(node), ptr)
            stack.extend((v, f"{ptr}/{jp.escape(k)}") for k, v in node.items()
                         if isinstance(v, dict | list))
        elif isinstance(node, list):
            found.setdefault(id(node), ptr)
            stack.extend((v, f"{ptr}/{i}") for i, v in enumerate(node)
                         if isinstance(v, dict | list))
    return found


def _finding(ws: Workspace, b: Bundle, pointer: str, rule: str, message: str,
             contract: str) -> Finding:
    file, original = b.locate(pointer)
    line = ws.document(file).line_of(original) if file in ws.files else None
    return Finding(file=file, line=line, pointer=original, rule=rule, message=shorten(message),
                   contract=contract)


def validate_bundle(ws: Workspace, b: Bundle, contract: str = "",
                    examples: bool = True) -> list[Finding]:
    findings = [_finding(ws, b, ptr, "structure", msg, contract) for ptr, msg in _structure(b, ws)]
    if examples and not findings:
        for error in validate_examples(b):
            where = f" at {error.pointer}" if error.pointer else ""
            findings.append(_finding(ws, b, error.example.pointer + error.pointer, "example",
                                     f"example does not match its schema{where}: "
                                     f"{error.message}", contract))
    findings.sort()
    return findings[:MAX_FINDINGS_PER_CONTRACT]


def validate_file(ws: Workspace, path: str, examples: bool = True) -> list[Finding]:
    return validate_bundle(ws, bundle(ws, path), examples=examples)


def validate_entry(ws: Workspace, entry: Entry, examples: bool = True) -> list[Finding]:
    """Validate one registry contract; its metadata kind must match what the document is."""
    b = bundle(ws, entry.document_path)
    if b.kind != entry.meta.kind.value and not (
        entry.meta.kind is Kind.JSON_SCHEMA and b.kind in ("json-schema", "unknown")
    ):
        return [Finding(entry.metadata_path, ws.document(entry.metadata_path).line_of("/kind"),
                        "/kind", "metadata",
                        f"metadata says kind {entry.meta.kind.value!r} but the document is "
                        f"{b.kind!r}", contract=entry.id)]
    findings = validate_bundle(ws, b, entry.id, examples)
    entry.version(ws)  # an OpenAPI/AsyncAPI contract without info.version is not releasable
    return findings
