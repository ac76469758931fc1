"""Every example in a contract, paired with the schema it must satisfy.

Examples are what consumers copy, mocks serve and generated models round-trip, so an example
that contradicts its schema is a contract bug. This walks a bundled document (no external
``$ref``s left) and validates each example against its schema with JSON Schema 2020-12,
resolving ``$ref``s inside the same bundle only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from referencing import Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.bundle import Bundle
from ledgerpact.registry.findings import shorten
from ledgerpact.registry.schema_keywords import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS
from ledgerpact.registry.schema_patterns import bounded
from ledgerpact.registry.schema_store import offline_registry

_BUNDLE_URI = "urn:ledgerpact:bundle"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Example:
    pointer: str  # where the example value is, in the bundle
    schema_pointer: str  # where its schema is, in the bundle
    value: Any


@dataclass(frozen=True)
class ExampleError:
    example: Example
    pointer: str  # inside the example value
    message: str


def _deref(doc: Any, node: Any, ptr: str) -> tuple[Any, str]:
    """Follow bundle-internal ``$ref``s of non-schema objects (responses, headers,
    examples); returns the object and where it really is, for pointers into it."""
    for _ in range(32):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) \
                and node["$ref"].startswith("#"):
            ptr = unquote(node["$ref"][1:])
            try:
                node = jp.resolve(doc, ptr)
            except KeyError:
                return None, ptr
        else:
            return node, ptr
    return None, ptr


def _media_examples(doc: Any, media: Any, ptr: str) -> Iterator[Example]:
    media, ptr = _deref(doc, media, ptr)
    if not isinstance(media, dict) or "schema" not in media:
        return
    schema_ptr = f"{ptr}/schema"
    yield from _schema_examples(media["schema"], schema_ptr)  # inline schemas' own examples
    if "example" in media:
        yield Example(f"{ptr}/example", schema_ptr, media["example"])
    examples = media.get("examples")
    if isinstance(examples, dict):
        for name, example in examples.items():
            resolved, _ = _deref(doc, example, "")
            if isinstance(resolved, dict) and "value" in resolved:
                yield Example(f"{ptr}/examples/{jp.escape(name)}/value", schema_ptr,
                              resolved["value"])


def _openapi_examples(doc: dict[str, Any]) -> Iterator[Example]:
    def operations() -> Iterator[tuple[str, dict[str, Any]]]:
        for section in ("paths", "webhooks"):
            for path, item in (doc.get(section) or {}).items():
                item, base = _deref(doc, item, f"/{section}/{jp.escape(path)}")
                if not isinstance(item, dict):
                    continue
                for index, param in enumerate(item.get("parameters") or []):
                    yield f"{base}/parameters/{index}", {"parameter": param}
                for method in _HTTP_METHODS:
                    if isinstance(item.get(method), dict):
                        yield f"{base}/{method}", item[method]

    def holders(op_ptr: str, op: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        if "parameter" in op:
            yield op_ptr, op["parameter"]
            return
        for index, param in enumerate(op.get("parameters") or []):
            yield f"{op_ptr}/parameters/{index}", param
        body, bptr = _deref(doc, op.get("requestBody"), f"{op_ptr}/requestBody")
        if isinstance(body, dict):
            for media_type, media in (body.get("content") or {}).items():
                yield f"{bptr}/content/{jp.escape(media_type)}", media
        for status, response in (op.get("responses") or {}).items():
            response, rptr = _deref(doc, response, f"{op_ptr}/responses/{jp.escape(status)}")
            if not isinstance(response, dict):
                continue
            for media_type, media in (response.get("content") or {}).items():
                yield f"{rptr}/content/{jp.escape(media_type)}", media
            for name, header in (response.get("headers") or {}).items():
                yield f"{rptr}/headers/{jp.escape(name)}", header

    seen: set[str] = set()  # a shared response or header is checked once, where it lives
    for op_ptr, op in operations():
        for ptr, holder in holders(op_ptr, op):
            holder, where = _deref(doc, holder, ptr)
            if isinstance(holder, dict) and where not in seen:
                seen.add(where)
                yield from _media_examples(doc, holder, where)
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        yield from _schema_examples(schema, f"/components/schemas/{jp.escape(name)}")


_ONE, _LIST, _MAP = SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS


def _schema_examples(schema: Any, ptr: str) -> Iterator[Example]:
    """``examples`` and ``example`` of a schema and of every schema nested in it."""
    work = [(schema, ptr)]
    while work:
        node, where = work.pop()
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("examples"), list):
            for index, value in enumerate(node["examples"]):
                yield Example(f"{where}/examples/{index}", where, value)
        if "example" in node:
            yield Example(f"{where}/example", where, node["example"])
        work.extend((node[k], f"{where}/{k}") for k in _ONE if isinstance(node.get(k), dict))
        for key in _LIST:
            if isinstance(node.get(key), list):
                work.extend((sub, f"{where}/{key}/{i}") for i, sub in enumerate(node[key]))
        for key in _MAP:
            if isinstance(node.get(key), dict):
                work.extend((sub, f"{where}/{key}/{jp.escape(n)}")
                            for n, sub in node[key].items())


def _asyncapi_examples(doc: dict[str, Any]) -> Iterator[Example]:
    seen: set[int] = set()

    def messages() -> Iterator[tuple[str, Any]]:
        for name, message in ((doc.get("components") or {}).get("messages") or {}).items():
            yield f"/components/messages/{jp.escape(name)}", message
        for cname, channel in (doc.get("channels") or {}).items():
            channel, _ = _deref(doc, channel, "")
            if not isinstance(channel, dict):
                continue
            for name, message in (channel.get("messages") or {}).items():
                yield f"/channels/{jp.escape(cname)}/messages/{jp.escape(name)}", message
            for action in ("publish", "subscribe"):  # AsyncAPI 2.x
                op = channel.get(action)
                message = op.get("message") if isinstance(op, dict) else None
                base = f"/channels/{jp.escape(cname)}/{action}/message"
                if isinstance(message, dict) and isinstance(message.get("oneOf"), list):
                    for i, sub in enumerate(message["oneOf"]):
                        yield f"{base}/oneOf/{i}", sub
                elif isinstance(message, dict):
                    yield base, message

    for ptr, message in messages():
        if isinstance(message, dict) and isinstance(message.get("$ref"), str):
            continue  # validated where it is defined
        if not isinstance(message, dict) or id(message) in seen:
            continue
        seen.add(id(message))
        payload_ptr = f"{ptr}/payload"
        payload = message.get("payload")
        if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:
            payload_ptr += "/schema"
            payload = payload["schema"]
        yield from _schema_examples(payload, payload_ptr)
        for index, example in enumerate(message.get("examples") or []):
            if not isinstance(example, dict):
                continue
            if "payload" in example and "payload" in message:
                yield Example(f"{ptr}/examples/{index}/payload", payload_ptr, example["payload"])
            if "headers" in example and "headers" in message:
                yield Example(f"{ptr}/examples/{index}/headers", f"{ptr}/headers",
                              example["headers"])
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        yield from _schema_examples(schema, f"/components/schemas/{jp.escape(name)}")


def collect(bundle: Bundle) -> list[Example]:
    doc = bundle.document
    if not isinstance(doc, dict):
        return []
    if bundle.kind == "openapi":
        return list(_openapi_examples(doc))
    if bundle.kind == "asyncapi":
        return list(_asyncapi_examples(doc))
    if bundle.kind == "json-schema":
        return list(_schema_examples(doc, ""))
    return []


def validate_examples(bundle: Bundle) -> list[ExampleError]:
    """Every example that does not satisfy its schema, one error per violation."""
    examples = collect(bundle)
    if not examples:
        return []
    resource = Resource.from_contents(bundle.document, default_specification=DRAFT202012)
    registry = offline_registry([(_BUNDLE_URI, resource)])
    errors: list[ExampleError] = []
    for example in examples:
        validator = bounded(Draft202012Validator)(
            {"$ref": f"{_BUNDLE_URI}#{example.schema_pointer}"},
            registry=registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        try:
            for error in validator.iter_errors(example.value):
                errors.append(ExampleError(example, jp.join(error.absolute_path),
                                           shorten(error.message)))
        except Unresolvable as exc:
            ref = getattr(exc, "ref", "")
            errors.append(ExampleError(example, "", f"schema reference {ref!r} unresolvable"))
    return errors
