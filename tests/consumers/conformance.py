"""Specmatic-style conformance of pact files to the canonical contracts.

A pact is a consumer's expectation; the contract is the provider's promise. A pact asking for
something the contract does not offer (a path or status it does not document, a body its
schema refuses, a request without the credentials it requires) would be verified against an
adapter today and broken by the next adapter that keeps only the contract. So every HTTP
interaction is checked against erp-finance and every message against its finance-events
payload schema, with the example values the pact carries. The checks reuse the simulator
engine's own request/response validation (one reading of the contract, not two).

Negative interactions are allowed one way only: a request the contract refuses is fine when
the pact expects the refusal the operation documents (400 or 422) — that is the contract's
promise being tested, not broken.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ledgerpact.generators.simulators.events import EventFactory
from ledgerpact.generators.simulators.server import load_contract
from ledgerpact.generators.simulators.spec import CompiledContract
from ledgerpact.generators.simulators.validate import (
    media_type_of,
    missing_credentials,
    validate_request,
    validate_response,
)

REJECTIONS = (400, 422)  # statuses that answer a request the contract refuses


@cache
def erp_finance(root: Path) -> CompiledContract:
    return load_contract("erp-finance", root)[0]


@cache
def finance_events(root: Path) -> EventFactory:
    return EventFactory.from_registry("ledgerpact-pact-check", root)


def _headers(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Pact V4 headers (name -> list of values) as one lower-case name -> value mapping."""
    out: dict[str, str] = {}
    for name, value in (raw or {}).items():
        out[name.lower()] = ", ".join(value) if isinstance(value, list) else str(value)
    return out


def _body(part: Mapping[str, Any]) -> tuple[bool, Any, str | None]:
    body = part.get("body")
    if not isinstance(body, Mapping) or "content" not in body:
        return False, None, None
    return True, body["content"], body.get("contentType")


def http_violations(interaction: Mapping[str, Any], contract: CompiledContract) -> list[str]:
    """What in one HTTP interaction erp-finance does not offer (empty: it conforms)."""
    request, response = interaction["request"], interaction["response"]
    method, path = str(request["method"]).upper(), str(request["path"])
    found = contract.match(path)
    if found is None:
        return [f"request: {method} {path} matches no path of {contract.contract_id}"]
    op = found.route.operations.get(method)
    if op is None:
        return [f"request: {method} is not an operation of {found.route.template}"]
    out: list[str] = []
    headers = _headers(request.get("headers"))
    query = urlencode([(k, v) for k, values in (request.get("query") or {}).items()
                       for v in (values if isinstance(values, list) else [values])])
    has_body, content, content_type = _body(request)
    if has_body and "content-type" not in headers and content_type:
        headers["content-type"] = content_type
    if missing_credentials(op, headers, query):
        out.append(f"request: {op.operation_id} requires credentials the pact does not send")
    raw = json.dumps(content).encode() if has_body else b""
    rejected = validate_request(op, found.path_params, query, headers, raw).violations
    status = int(response["status"])
    if rejected and not (status in REJECTIONS and op.declares(status)):
        out.extend(f"request {v['location']} {v['pointer'] or '/'}: {v['message']}"
                   for v in rejected)
    if not op.declares(status):
        out.append(f"response: status {status} is not documented for {op.operation_id} "
                   f"(documented: {', '.join(op.responses)})")
        return out
    has_body, content, content_type = _body(response)
    response_headers = _headers(response.get("headers"))
    media = media_type_of(response_headers.get("content-type") or content_type)
    for v in validate_response(op, status, media, response_headers, content, has_body):
        # a pact asserts the headers it names; one it leaves out is not asked for
        if v["location"] == "header" and "is missing" in v["message"]:
            continue
        out.append(f"response {v['location']} {v['pointer'] or '/'}: {v['message']}")
    return out


def message_violations(interaction: Mapping[str, Any], events: EventFactory) -> list[str]:
    """What in one message interaction finance-events does not offer."""
    metadata = interaction.get("metadata") or {}
    name = metadata.get("message")
    try:
        spec = events.message(str(name))
    except ValueError as exc:
        return [f"metadata: {exc}"]
    contents = interaction.get("contents") or {}
    body = contents.get("content")
    declared = events.document["components"]["messages"][spec.component].get(
        "contentType", events.document.get("defaultContentType"))
    out = []
    if metadata.get("contentType") != declared:
        out.append(f"metadata: contentType {metadata.get('contentType')!r}, the contract "
                   f"says {declared!r}")
    if not isinstance(body, Mapping):
        return [*out, "body: a finance-events message is a JSON CloudEvent"]
    if body.get("type") != spec.event_type:
        out.append(f"body /type: {body.get('type')!r} is not {spec.name}'s {spec.event_type}")
    out.extend(f"body {v}" for v in spec.violations(body))
    return out


def violations(pact: Mapping[str, Any], root: Path) -> Iterator[tuple[str, str]]:
    """(interaction description, violation) for every non-conforming part of ``pact``."""
    for interaction in pact.get("interactions", []):
        kind = interaction.get("type")
        if kind == "Synchronous/HTTP":
            found = http_violations(interaction, erp_finance(root))
        elif kind == "Asynchronous/Messages":
            found = message_violations(interaction, finance_events(root))
        else:
            found = [f"unsupported interaction type {kind!r}"]
        for violation in found:
            yield str(interaction.get("description")), violation
