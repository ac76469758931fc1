"""Contract-driven answers for operations no finance behaviour handles.

A QA team pointing a client at a contract wants the contract's own examples first (they are
what the API designers meant), then plausible data generated from the schemas, and a way to
ask for a particular answer: ``Prefer: code=404``, ``Prefer: example=NAME``,
``Prefer: dynamic=true`` (the Prism conventions, so existing test suites keep working).

Everything that depends only on the document (which responses, media types, examples and
schemas an operation has) is worked out once in ``__init__``; ``respond`` only picks and
generates. Example validity is checked lazily, once per example, so start-up stays fast and
an example that contradicts its own schema is never served unless it is asked for by name.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from ledgerpact.generators.simulators import datagen
from ledgerpact.generators.simulators.messages import (
    PROBLEM_JSON,
    SimRequest,
    SimResponse,
    problem,
)

__all__ = ["GenericResponder", "parse_prefer"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PROBLEM_BASE = "https://ledgerpact.dev/problems/"
_UNSET: Any = object()


def parse_prefer(header: str | None) -> dict[str, str]:
    """``Prefer: code=404, example=notFound; dynamic=true`` -> {"code": "404", ...}.

    RFC 7240 separates preferences with commas and parameters with semicolons; clients mix
    them up, so both separate here. Quotes around values are dropped; names lower-cased.
    """
    out: dict[str, str] = {}
    if not header:
        return out
    for chunk in header.replace(";", ",").split(","):
        name, sep, value = chunk.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out.setdefault(name, value if sep else "true")
    return out


@dataclass(slots=True)
class _Example:
    name: str
    value: Any
    checked: bool | None = None  # None: not yet validated against the schema


@dataclass(slots=True)
class _Media:
    media_type: str
    schema: Any  # None: the media type declares no schema
    examples: list[_Example]  # media-type example/examples, in document order
    schema_examples: list[_Example]  # the schema's own example/examples


@dataclass(slots=True)
class _Header:
    name: str  # lower case
    schema: Any
    example: Any


@dataclass(slots=True)
class _Response:
    key: str  # "200", "2XX", "default"
    status: int
    content: dict[str, _Media]
    headers: list[_Header]


@dataclass(slots=True)
class _Op:
    responses: dict[str, _Response] = field(default_factory=dict)  # by key, document order
    default: _Response | None = None

    def find(self, status: int) -> _Response | None:
        return self.responses.get(str(status)) or self.responses.get(f"{status // 100}XX")


class GenericResponder:
    """Answers any operation of one bundled OpenAPI 3.0/3.1 document from its responses."""

    def __init__(self, document: dict[str, Any], seed: int) -> None:
        self.document = document
        self.seed = seed
        self._ops: dict[tuple[str, str], _Op] = {}
        components = document.get("components")
        self._components = components if isinstance(components, Mapping) else {}
        for template, item in (document.get("paths") or {}).items():
            item = self._deref(item)
            if not isinstance(item, Mapping):
                continue
            for method in _METHODS:
                raw = item.get(method)
                if isinstance(raw, Mapping):
                    self._ops[(str(template), method.upper())] = self._operation(raw)

    # ------------------------------------------------------------------ precompute
    def _deref(self, node: Any) -> Any:
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) \
                and node["$ref"] not in seen:
            seen.add(node["$ref"])
            try:
                node = _pointer(self.document, node["$ref"])
            except (KeyError, IndexError, ValueError):
                return None
        return node

    def _operation(self, raw: Mapping[str, Any]) -> _Op:
        op = _Op()
        for code, node in (raw.get("responses") or {}).items():
            key = str(code).upper()
            resp = self._deref(node)
            if not isinstance(resp, Mapping):
                continue
            if key == "DEFAULT":
                op.default = self._response("default", 500, resp)
                continue
            status = int(key[0]) * 100 if key.endswith("XX") else int(key)
            op.responses[key] = self._response(key, status, resp)
        return op

    def _response(self, key: str, status: int, resp: Mapping[str, Any]) -> _Response:
        content: dict[str, _Media] = {}
        for mt, spec in (resp.get("content") or {}).items():
            spec = self._deref(spec)
            if not isinstance(spec, Mapping):
                continue
            media_type = str(mt).split(";")[0].strip().lower()
            examples: list[_Example] = []
            if "example" in spec:
                examples.append(_Example("example", _exact(spec["example"])))
            for name, ex in (spec.get("examples") or {}).items():
                ex = self._deref(ex)
                if isinstance(ex, Mapping) and "value" in ex:
                    examples.append(_Example(str(name), _exact(ex["value"])))
            schema = spec.get("schema")
            content[media_type] = _Media(media_type, schema, examples,
                                         self._schema_examples(schema))
        headers: list[_Header] = []
        for name, h in (resp.get("headers") or {}).items():
            h = self._deref(h)
            if not isinstance(h, Mapping) or not h.get("required") or \
                    str(name).lower() == "content-type":
                continue
            example = h.get("example", _UNSET)
            if example is _UNSET and isinstance(h.get("examples"), Mapping):
                first = next(iter(h["examples"].values()), None)
                first = self._deref(first)
                if isinstance(first, Mapping) and "value" in first:
                    example = first["value"]
            schema = h.get("schema")
            if example is _UNSET and isinstance(schema, Mapping):
                target = self._deref(schema)
                if isinstance(target, Mapping) and "example" in target:
                    example = target["example"]
            headers.append(_Header(str(name).lower(), schema, example))
        return _Response(key, status, content, headers)

    def _schema_examples(self, schema: Any) -> list[_Example]:
        """The schema's own ``example``/``examples``, following a chain of ``$ref``s."""
        found: list[_Example] = []
        node, seen = schema, set()
        while isinstance(node, Mapping):
            if "example" in node:
                found.append(_Example("schema-example", _exact(node["example"])))
            if isinstance(node.get("examples"), list):
                found.extend(_Example(f"schema-examples-{i}", _exact(v))
                             for i, v in enumerate(node["examples"]))
            ref = node.get("$ref")
            if found or not isinstance(ref, str) or ref in seen:
                break
            seen.add(ref)
            try:
                node = _pointer(self.document, ref)
            except (KeyError, IndexError, ValueError):
                break
        return found

    # ------------------------------------------------------------------ respond
    def respond(self, path_template: str, method: str, request: SimRequest,
                prefer: Mapping[str, str], rng: random.Random) -> SimResponse:
        op = self._ops.get((path_template, method.upper()))
        if op is None:
            return problem(404, "No such operation",
                           f"{method.upper()} {path_template} is not in the contract",
                           type_=_PROBLEM_BASE + "not-found", code="OPERATION_NOT_FOUND")
        wanted_example = prefer.get("example")
        resp = self._pick(op, prefer.get("code"), wanted_example)
        if isinstance(resp, SimResponse):
            return resp
        status = resp.status
        if resp.key == "default" or resp.key.endswith("XX"):
            status = _status_from(prefer.get("code"), status)
        headers = {h.name: self._header_value(h, rng) for h in resp.headers}
        if not resp.content:
            return SimResponse(status=status, body=None, headers=headers,
                               media_type="application/json")
        media = self._media(resp, status, request)
        dynamic = prefer.get("dynamic", "").lower() == "true"
        if wanted_example is not None:
            found = next(((m, e) for m in (media, *resp.content.values()) for e in m.examples
                          if e.name == wanted_example), None)
            if found is None:
                return self._unknown_example(op, wanted_example)
            media, chosen = found  # another media type may hold the named example
            body = chosen.value
        elif dynamic:
            body = self._generate(media, rng, request)
        else:
            example = self._valid_example(media)
            body = example.value if example is not None \
                else self._generate(media, rng, request)
        # Examples are shared, not copied (a deep copy per request cost about 100 us): the
        # engine only serializes a response body, and the one change made here copies the
        # top level first.
        if media.media_type == PROBLEM_JSON and isinstance(body, dict) \
                and isinstance(body.get("status"), int) and body["status"] != status:
            body = {**body, "status": status}  # a shared problem example quotes another status
        return SimResponse(status=status, body=body, headers=headers,
                           media_type=media.media_type)

    def _pick(self, op: _Op, code: str | None, example: str | None) -> _Response | SimResponse:
        declared = [*op.responses, *(["default"] if op.default else [])]
        if code is not None:
            found = op.find(int(code)) if code.isdigit() and len(code) == 3 else None
            if found is None:
                return problem(400, "Prefer asks for an undeclared response",
                               f"Prefer: code={code} is not declared for this operation; "
                               f"declared: {', '.join(declared) or 'none'}",
                               type_=_PROBLEM_BASE + "prefer-undeclared-response",
                               code="PREFER_UNDECLARED_RESPONSE", declared=declared)
            return found
        ordered = sorted(op.responses.values(), key=_rank)
        if example is not None:
            for resp in ordered + ([op.default] if op.default else []):
                if any(e.name == example for m in resp.content.values() for e in m.examples):
                    return resp
            return self._unknown_example(op, example)
        if ordered and ordered[0].status < 300:
            return ordered[0]
        if op.default is not None:
            return _Response("default", 200, op.default.content, op.default.headers)
        if ordered:
            return ordered[0]
        return SimResponse(status=204)

    def _unknown_example(self, op: _Op, name: str) -> SimResponse:
        responses = [*op.responses.values(), *([op.default] if op.default else [])]
        known = sorted({e.name for r in responses for m in r.content.values()
                        for e in m.examples})
        return problem(400, "Prefer asks for an unknown example",
                       f"Prefer: example={name} names no example of this operation; "
                       f"known: {', '.join(known) or 'none'}",
                       type_=_PROBLEM_BASE + "prefer-unknown-example",
                       code="PREFER_UNKNOWN_EXAMPLE", known=known)

    def _media(self, resp: _Response, status: int, request: SimRequest) -> _Media:
        content = resp.content
        accept = request.headers.get("accept", "")
        for part in accept.split(","):
            mt = part.split(";")[0].strip().lower()
            if mt in content:
                return content[mt]
        if status >= 400 and PROBLEM_JSON in content:
            return content[PROBLEM_JSON]
        if "application/json" in content:
            return content["application/json"]
        return next(iter(content.values()))

    def _valid_example(self, media: _Media) -> _Example | None:
        for example in (*media.examples, *media.schema_examples):
            if example.checked is None:
                example.checked = media.schema is None or datagen.is_valid(
                    media.schema, self.document, example.value)
            if example.checked:
                return example
        return None

    def _generate(self, media: _Media, rng: random.Random, request: SimRequest) -> Any:
        if media.schema is None:
            return None
        body = datagen.generate(media.schema, self.document, rng)
        if isinstance(body, dict) and request.path_params:
            # Echo the path's identifiers (GET /suppliers/V-1 answers supplierNumber V-1)
            # when the schema accepts them.
            declared = datagen.declared_properties(media.schema, self.document)
            for name, value in request.path_params.items():
                if body.get(name, _UNSET) == value or name not in declared:
                    continue
                old = body.get(name, _UNSET)
                body[name] = value
                if not datagen.is_valid(media.schema, self.document, body):
                    if old is _UNSET:
                        del body[name]
                    else:
                        body[name] = old
        if isinstance(body, bytes | bytearray) or not _is_json(media.media_type):
            return body if isinstance(body, str | bytes) else _text(body)
        return body

    def _header_value(self, header: _Header, rng: random.Random) -> str:
        value = header.example
        if value is _UNSET:
            value = datagen.generate(header.schema if header.schema is not None
                                     else {"type": "string"}, self.document, rng)
        return _text(value)


# --------------------------------------------------------------------------- helpers

def _rank(resp: _Response) -> tuple[int, int]:
    """2xx first, lowest status first; exact codes before ranges of the same status."""
    return (0 if 200 <= resp.status < 300 else 1, resp.status * 2 +
            (1 if resp.key.endswith("XX") else 0))


def _status_from(code: str | None, fallback: int) -> int:
    """A range or default answers with the status Prefer asked for, when it asked."""
    if code is not None and code.isdigit():
        return int(code)
    return fallback


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str | int | Decimal):
        return str(value)
    return json.dumps(value, default=str, separators=(",", ":"))


def _exact(value: Any) -> Any:
    """Examples read from YAML may hold floats; money must stay exact, so they become Decimal
    spelt as the document spelt them."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _pointer(document: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        raise ValueError(ref)
    node = document
    for token in unquote(ref[1:]).lstrip("/").split("/") if ref not in ("#", "#/") else []:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node
