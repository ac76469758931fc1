"""Named types for what an OpenAPI document types outside ``components/schemas``.

datamodel-code-generator writes models for schemas; a parameter's or header's schema, and the
schema of a body that is not JSON (a UBL XML document, a multipart upload), would get no type,
so an adapter would type its query strings and headers by hand and their examples could not be
checked against the models. Each such schema is added to ``components/schemas`` under a name
derived from where it is (``CursorParameter``, ``ListSuppliersStatusParameter``,
``CreateInvoicePosting201LocationHeader``, ``SubmitInvoiceApplicationXmlBody``): a type alias
for a plain value, a model for an object. Named parameters and headers
(``components/parameters``, ``components/headers``) always get one; one written inline in an
operation gets one when it documents an example, since a vendor API such as Stripe has
thousands of inline ``string`` parameters whose types would triple the generated module. The
document itself is never modified.
"""

from __future__ import annotations

import re
from typing import Any

from ledgerpact.registry import pointer as jp

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")


def _words(text: str) -> str:
    """``list-suppliers`` / ``listSuppliers`` / ``/v1/{id}`` -> ``ListSuppliers``, ``V1Id``."""
    parts = re.split(r"[^A-Za-z0-9]+", text)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def _is_json(media_type: str) -> bool:
    return "json" in media_type.lower()


def _has_example(*holders: Any) -> bool:
    return any(isinstance(h, dict) and ("example" in h or "examples" in h) for h in holders)


class _Collector:
    def __init__(self) -> None:
        self.found: list[tuple[str, str, Any]] = []  # (schema pointer, name, schema)
        self.inline = False  # inside an operation: only what has an example

    def add(self, at: str, name: str, schema: Any, *holders: Any) -> None:
        if isinstance(schema, dict) and (not self.inline or _has_example(schema, *holders)):
            self.found.append((at, name, schema))

    def parameter(self, at: str, param: Any, prefix: str, suffix: str) -> None:
        """A parameter or header object (not a ``$ref`` to one: that is named where it is)."""
        if not isinstance(param, dict) or "$ref" in param:
            return
        name = prefix + _words(str(param.get("name", ""))) + suffix
        if "schema" in param:
            self.add(f"{at}/schema", name, param["schema"], param)
        content = param.get("content")
        if isinstance(content, dict):
            for media_type, media in content.items():
                if isinstance(media, dict) and "schema" in media:
                    self.add(f"{at}/content/{jp.escape(media_type)}/schema",
                             name + _words(media_type), media["schema"], param, media)

    def headers(self, at: str, headers: Any, prefix: str) -> None:
        if isinstance(headers, dict):
            for header, obj in headers.items():
                if isinstance(obj, dict):
                    self.parameter(f"{at}/{jp.escape(header)}", {**obj, "name": header},
                                   prefix, "Header")

    def content(self, at: str, holder: Any, name: str) -> None:
        """The schemas of a body's media types that are not JSON (JSON bodies have models)."""
        content = holder.get("content") if isinstance(holder, dict) else None
        if not isinstance(content, dict):
            return
        for media_type, media in content.items():
            if not _is_json(media_type) and isinstance(media, dict) and "schema" in media:
                self.add(f"{at}/content/{jp.escape(media_type)}/schema",
                         name + _words(media_type), media["schema"], media)

    def responses(self, at: str, responses: Any, prefix: str) -> None:
        if not isinstance(responses, dict):
            return
        for code, response in responses.items():
            if not isinstance(response, dict) or "$ref" in response:
                continue
            here = f"{at}/{jp.escape(str(code))}"
            self.headers(f"{here}/headers", response.get("headers"), prefix + _words(str(code)))
            self.content(here, response, prefix + _words(str(code)) + "Response")

    def operation(self, at: str, op: dict[str, Any], name: str) -> None:
        for i, param in enumerate(op.get("parameters") or []):
            self.parameter(f"{at}/parameters/{i}", param, name, "Parameter")
        body = op.get("requestBody")
        if isinstance(body, dict) and "$ref" not in body:
            self.content(f"{at}/requestBody", body, name + "Body")
        self.responses(f"{at}/responses", op.get("responses"), name)


def _collect(document: dict[str, Any]) -> list[tuple[str, str, Any]]:
    c = _Collector()
    components = document.get("components")
    if isinstance(components, dict):
        for key, param in (components.get("parameters") or {}).items():
            c.parameter(f"/components/parameters/{jp.escape(key)}", {**param, "name": key}
                        if isinstance(param, dict) else param, "", "Parameter")
        c.headers("/components/headers", components.get("headers"), "")
        for key, body in (components.get("requestBodies") or {}).items():
            c.content(f"/components/requestBodies/{jp.escape(key)}", body,
                      _words(key) + "Body")
        responses = components.get("responses")
        if isinstance(responses, dict):
            for key, response in responses.items():
                if isinstance(response, dict) and "$ref" not in response:
                    here = f"/components/responses/{jp.escape(key)}"
                    c.headers(f"{here}/headers", response.get("headers"), _words(key))
                    c.content(here, response, _words(key) + "Response")
    paths = document.get("paths")
    c.inline = True
    if isinstance(paths, dict):
        for path, item in paths.items():
            if not isinstance(item, dict):
                continue
            here = f"/paths/{jp.escape(path)}"
            for i, param in enumerate(item.get("parameters") or []):
                c.parameter(f"{here}/parameters/{i}", param, _words(path), "Parameter")
            for method in _METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    op_id = op.get("operationId")
                    name = _words(op_id) if isinstance(op_id, str) and _words(op_id) else (
                        _words(method) + _words(path))
                    c.operation(f"{here}/{method}", op, name)
    return c.found


def add_operation_schemas(document: Any, kind: str) -> tuple[Any, dict[str, str]]:
    """(``document`` with the schemas of parameters, headers and non-JSON bodies added to
    ``components/schemas``, original schema pointer -> pointer of its added copy)."""
    if kind != "openapi" or not isinstance(document, dict):
        return document, {}
    found = _collect(document)
    if not found:
        return document, {}
    components = document.get("components")
    components = components if isinstance(components, dict) else {}
    schemas = components.get("schemas")
    schemas = dict(schemas) if isinstance(schemas, dict) else {}
    taken = {name.lower() for name in schemas}
    moved: dict[str, str] = {}
    for at, base, schema in found:
        base = base if base[:1].isalpha() else f"Value{base}"
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}{n}", n + 1
        taken.add(name.lower())
        schemas[name] = schema
        moved[at] = f"/components/schemas/{jp.escape(name)}"
    return {**document, "components": {**components, "schemas": schemas}}, moved
