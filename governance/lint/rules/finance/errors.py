"""Errors are RFC 9457 problem details (``application/problem+json``).

An invoice pipeline calls ten APIs; if each reports errors in its own shape, each client
needs ten error parsers and the generic retry, alerting and support tooling sees only status
codes. RFC 9457 (which obsoletes RFC 7807) gives one media type and five members (type,
title, status, detail, instance) every client can rely on, plus room for extensions.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import resolve
from ledgerpact.governance.lint.rules.finance.facts import view

PROBLEM_TYPES = frozenset({"application/problem+json", "application/problem+xml"})
# The RFC 9457 members and the JSON types they may have.
MEMBERS = {"type": {"string"}, "title": {"string"}, "status": {"integer", "number"},
           "detail": {"string"}, "instance": {"string"}}

# The problem+json content entry with the RFC 9457 members that the good examples show.
_PROBLEM_MEMBERS = (
    "            application/problem+json:\n"
    "              schema:\n"
    "                type: object\n"
    "                properties:\n"
    "                  type: {type: string, format: uri-reference}\n"
    "                  title: {type: string}\n"
    "                  status: {type: integer}\n"
    "                  detail: {type: string}\n"
    "                  instance: {type: string, format: uri-reference}\n"
)


def _bad_request(content: str) -> str:
    """The examples' document: ``GET /invoices`` with a 400 response whose ``content``
    entries (at 12 spaces) are what the examples differ in."""
    return openapi('paths:\n  /invoices:\n    get:\n      responses:\n'
                   '        "200": {description: The invoices.}\n'
                   '        "400":\n          description: Bad request.\n          content:\n'
                   + content)


def media_base(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def is_error_status(status: str) -> bool:
    return status == "default" or status[:1] in ("4", "5")


@rule(
    "finance-problem-json",
    severity="warn",
    family="finance",
    formats=OAS3,
    summary="4xx, 5xx and default responses have an application/problem+json body with a "
            "schema (no Spectral equivalent; Zalando 176 'use problem JSON').",
    why="""Clients, gateways, retry policies and support tools can handle errors from every
    API the same way only if every API sends the same error shape under the same media type:
    RFC 9457 problem details. An error response without a body, or with a home-grown JSON
    error, forces each consumer to write and maintain its own parser. A shared error
    response (components/responses) is reported once.""",
    bad=_bad_request("""            application/json:
              schema: {type: object, properties: {message: {type: string}}}
"""),
    good=_bad_request(_PROBLEM_MEMBERS),
)
def problem_json(index: Index) -> Iterator[Violation]:
    seen: set[Loc] = set()
    for r in index.responses:
        if not is_error_status(r.status) or r.operation.method == "head" or r.loc in seen:
            continue
        seen.add(r.loc)
        content = r.response.get("content")
        label = f"error response {r.status!r} (first used by {r.operation.label})"
        if not isinstance(content, dict) or not content:
            yield Violation(r.loc, f"{label} has no body; expected application/problem+json "
                                   "content with an RFC 9457 problem schema")
            continue
        problem = [k for k in content if media_base(str(k)) in PROBLEM_TYPES]
        if not problem:
            sent = ", ".join(str(k) for k in content)
            yield Violation(r.loc.child("content"), f"{label} is sent as {sent}; expected "
                                                    "application/problem+json (RFC 9457)")
            continue
        media = content[problem[0]]
        if not isinstance(media, dict) or "schema" not in media:
            yield Violation(r.loc.child("content", problem[0]),
                            f"{label} declares {problem[0]} but no schema; expected the "
                            "problem schema (type, title, status, detail, instance)")


@rule(
    "finance-problem-schema",
    severity="warn",
    family="finance",
    formats=OAS3,
    summary="The schema of an application/problem+json body declares the RFC 9457 members "
            "type, title, status, detail and instance with their types (no Spectral "
            "equivalent).",
    why="""A body labelled problem+json that does not have the problem members misleads
    every generic client: they look for status and title and find nothing. RFC 9457 makes
    all members optional in a message, but the schema should declare them (type and
    instance as URI-reference strings, title and detail as strings, status as an integer)
    so clients can rely on their meaning; extensions are added next to them.""",
    bad=_bad_request("""            application/problem+json:
              schema:
                type: object
                properties:
                  error: {type: string}
                  code: {type: integer}
"""),
    good=_bad_request(_PROBLEM_MEMBERS + "                  code: {type: string}\n"),
)
def problem_schema(index: Index) -> Iterator[Violation]:
    seen: set[Loc] = set()
    for m in index.media_types:
        if media_base(m.media_type) not in PROBLEM_TYPES or "schema" not in m.media:
            continue
        schema_loc = m.loc.child("schema")
        _, target = resolve(index, m.media["schema"], schema_loc)
        if target in seen:
            continue
        seen.add(target)
        v = view(index, m.media["schema"], schema_loc)
        if v.types and "object" not in v.types:
            yield Violation(target, f"the problem schema is typed {'/'.join(sorted(v.types))}; "
                                    "expected an object with the RFC 9457 members type, "
                                    "title, status, detail and instance")
            continue
        missing = [name for name in MEMBERS if name not in v.props]
        wrong = []
        for name, allowed in MEMBERS.items():
            if name in v.props:
                types = view(index, *v.prop(name)).types - {"null"}
                if types and not types & allowed:
                    wrong.append(f"{name} is {'/'.join(sorted(types))}, expected "
                                 f"{'/'.join(sorted(allowed))}")
        if missing or wrong:
            parts = ([f"does not declare {', '.join(repr(n) for n in missing)}"]
                     if missing else []) + wrong
            yield Violation(target, f"the problem schema {'; '.join(parts)}; expected the "
                                    "RFC 9457 members type and instance (URI-reference "
                                    "strings), title and detail (strings), status (integer)")
