"""Request and response validation against one compiled operation.

Pure functions: bytes and strings in, typed values and violations out. A violation is the
dict the problem body lists, ``{"location", "pointer", "message"}``; location is query,
path, header or body, and the pointer is a JSON pointer into the body or ``/<name>`` of a
parameter. Parameters are typed here (strings on the wire, integers/numbers/booleans/arrays
in the contract) so behaviours receive the values the contract promises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from ledgerpact.generators.simulators.spec import (
    Credential,
    MediaSpec,
    Operation,
    Param,
    escape,
    hostile_parts,
    is_json_media,
    sanitize,
)

Violation = dict[str, str]
_INTEGER = re.compile(r"-?\d+\Z")


def violation(location: str, pointer: str, message: str) -> Violation:
    return {"location": location, "pointer": pointer, "message": message}


@dataclass(slots=True)
class ParsedRequest:
    """What request validation learnt: typed parameters, the body, and what was wrong."""

    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    cookies: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    media_type: str | None = None
    violations: list[Violation] = field(default_factory=list)
    unsupported_media: bool = False


def media_type_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def parse_query(query_string: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        out.setdefault(key, []).append(value)
    return out


def parse_cookies(header: str | None) -> dict[str, str]:
    """``Cookie: a=1; b=2`` as a dict (the first of repeated names wins, as browsers send the
    most specific first). Lenient like browsers: a pair without ``=`` is skipped."""
    out: dict[str, str] = {}
    if not header:
        return out
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            out.setdefault(name.strip(), value)
    return out


def _presented(credential: Credential, headers: Mapping[str, str], query_string: str,
               cookies: dict[str, str] | None) -> bool:
    if credential.location == "header":
        value = headers.get(credential.name, "").strip()
        if not credential.auth_scheme:
            return bool(value)
        scheme, _, token = value.partition(" ")
        return scheme.lower() == credential.auth_scheme and bool(token.strip())
    if credential.location == "query":
        return bool(parse_query(query_string).get(credential.name, [""])[-1])
    return bool((cookies or {}).get(credential.name))


def missing_credentials(op: Operation, headers: Mapping[str, str],
                        query_string: str) -> tuple[Credential, ...]:
    """() when the request shows the credentials one of the operation's security
    alternatives asks for (or none are asked for); otherwise the first alternative's
    credentials, for the 401's challenge. Presence only: any non-empty token will do."""
    if not op.security:
        return ()
    cookies = parse_cookies(headers.get("cookie")) if "cookie" in headers else None
    for alternative in op.security:
        if all(_presented(c, headers, query_string, cookies) for c in alternative):
            return ()
    return op.security[0]


def acceptable(accept: str | None, op: Operation) -> bool:
    """Whether the ``Accept`` header admits a media type one of the operation's responses
    declares. No header, ``*/*``, or an operation that declares no media type at all: yes.
    Media types are compared without parameters; ranges with ``q=0`` exclude nothing here
    but accept nothing either."""
    if not accept:
        return True
    declared = {mt for spec in op.responses.values() for mt in spec.content}
    if not declared:
        return True
    majors = {mt.split("/", 1)[0] for mt in declared}
    for item in accept.split(","):
        media, *params = item.split(";")
        media = media.strip().lower()
        if any(p.strip().replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000")
               for p in params):
            continue
        if media in ("*/*", "*") or media in declared or "*/*" in declared:
            return True
        major, _, minor = media.partition("/")
        if minor == "*" and (major in majors or any(d == f"{major}/*" for d in declared)):
            return True
        if f"{major}/*" in declared:
            return True
    return False


def coerce(raw: str, kind: str) -> Any:
    """A wire string as the contract's scalar type; raises ValueError when it is not one."""
    if kind == "integer":
        if not _INTEGER.match(raw):
            raise ValueError(f"{raw!r} is not an integer")
        return int(raw)
    if kind == "number":
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
        if not value.is_finite():
            raise ValueError(f"{raw!r} is not a number")
        return value
    if kind == "boolean":
        if raw in ("true", "false"):
            return raw == "true"
        raise ValueError(f"{raw!r} is not a boolean (true or false)")
    return raw


def _param_value(param: Param, values: list[str]) -> Any:
    if param.kind == "array":
        if param.explode and param.style == "form":
            items = values
        else:
            sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(param.style, ",")
            items = [item for v in values for item in v.split(sep)] if values[0] != "" else []
        return [coerce(item, param.item_kind) for item in items]
    if param.kind == "object":
        return values[-1]
    return coerce(values[-1], param.kind)


def _check_param(param: Param, values: list[str] | None, out: dict[str, Any],
                 violations: list[Violation]) -> None:
    pointer = f"/{escape(param.name)}"
    if values is None:
        if param.required:
            violations.append(violation(param.location, pointer,
                                        f"required {param.location} parameter "
                                        f"{param.name!r} is missing"))
        return
    try:
        value = _param_value(param, values)
    except ValueError as exc:
        violations.append(violation(param.location, pointer, str(exc)))
        return
    if param.schema is not None:
        for sub, message in param.schema.errors(value):
            violations.append(violation(param.location, pointer + sub, message))
    out[param.name] = value


def _has_float(value: Any) -> bool:
    """Whether parsed JSON holds a non-integer number (then it is re-read as Decimal).
    A loop over a stack: three times faster than recursion on a large invoice."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            return True
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def loads_decimal(raw: bytes) -> Any:
    """JSON with every non-integer number as Decimal; fast when there is none."""
    value = orjson.loads(raw)
    if _has_float(value):
        value = json.loads(raw, parse_float=Decimal)
    return value


def select_media(declared: Mapping[str, MediaSpec], media_type: str | None) -> MediaSpec | None:
    if media_type is None:
        return None
    spec = declared.get(media_type)
    if spec is not None:
        return spec
    major = media_type.split("/", 1)[0]
    return declared.get(f"{major}/*") or declared.get("*/*")


def validate_request(op: Operation, path_params: Mapping[str, str], query_string: str,
                     headers: Mapping[str, str], body: bytes) -> ParsedRequest:
    """Check a request against ``op``. ``headers`` have lower-case names."""
    parsed = ParsedRequest()
    violations = parsed.violations
    query = parse_query(query_string) if query_string else {}
    cookies: dict[str, str] | None = None
    for param in op.parameters:
        if param.location == "path":
            raw = path_params.get(param.name)
            _check_param(param, None if raw is None else [unquote(raw)], parsed.path_params,
                         violations)
        elif param.location == "query":
            _check_param(param, query.get(param.name), parsed.query, violations)
        elif param.location == "header":
            raw = headers.get(param.name)
            _check_param(param, None if raw is None else [raw], parsed.headers, violations)
        elif param.location == "cookie":
            if cookies is None:
                cookies = parse_cookies(headers.get("cookie"))
            raw = cookies.get(param.name)
            _check_param(param, None if raw is None else [raw], parsed.cookies, violations)
    # Undeclared query parameters are allowed (clients add tracing, cache busters); they
    # reach the behaviour as strings.
    for name, values in query.items():
        if name not in parsed.query and not any(
                p.location == "query" and p.name == name for p in op.parameters):
            parsed.query[name] = values[-1] if len(values) == 1 else values
    parsed.media_type = media_type_of(headers.get("content-type"))
    if not op.body:
        if body:
            parsed.body = _lenient_json(body, parsed.media_type)
        return parsed
    if not body:
        if op.body_required:
            violations.append(violation("body", "", "a request body is required"))
        return parsed
    spec = select_media(op.body, parsed.media_type)
    if spec is None:
        parsed.unsupported_media = True
        wanted = ", ".join(op.body)
        violations.append(violation("header", "/content-type",
                                    f"media type {parsed.media_type or '(none)'} is not "
                                    f"accepted; send one of {wanted}"))
        return parsed
    if is_json_media(spec.media_type) or (parsed.media_type or "").endswith("json"):
        try:
            value = orjson.loads(body)
            exact = json.loads(body, parse_float=Decimal) if _has_float(value) else value
        except (orjson.JSONDecodeError, RecursionError) as exc:
            try:  # integers beyond 64 bits are JSON too; only the stdlib reads them
                value = exact = json.loads(body, parse_float=Decimal,
                                           parse_constant=_refuse_constant)
            except (ValueError, RecursionError) as stdlib_exc:
                reason = exc if isinstance(exc, orjson.JSONDecodeError) else stdlib_exc
                violations.append(violation("body", "", "the body is not valid JSON: "
                                            f"{reason or 'nested too deeply'}"))
                return parsed
            # The stdlib, unlike orjson, reads lone surrogates ("\ud800"): strings no
            # store, log or validator can encode. Refused where they are, and the rest of
            # the body is still checked (with U+FFFD in their place).
            hostile = hostile_parts(value, depth_limit=False)
            if hostile:
                violations.extend(violation("body", p, m) for p, m in hostile)
                value = sanitize(value)
        if spec.schema is not None:
            for pointer, message in spec.schema.errors(value):
                violations.append(violation("body", pointer, message))
        parsed.body = exact
    elif spec.schema is not None and spec.schema.raw.get("type") == "string":
        min_length = spec.schema.raw.get("minLength")
        if isinstance(min_length, int) and len(body) < min_length:
            violations.append(violation("body", "", f"the body is shorter than {min_length}"))
    return parsed


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _lenient_json(body: bytes, media_type: str | None) -> Any:
    if media_type is None or not media_type.endswith("json"):
        return None
    try:
        return loads_decimal(body)
    except (orjson.JSONDecodeError, ValueError, RecursionError):
        return None


def validate_response(op: Operation, status: int, media_type: str | None,
                      headers: Mapping[str, str], body: Any, has_body: bool) -> list[Violation]:
    """Violations of a response the simulator is about to send; ``body`` is the JSON value
    as a client would parse it (None for non-JSON), ``headers`` lower-case names."""
    spec = op.response_for(status)
    if spec is None:
        declared = ", ".join(op.responses) or "none"
        return [violation("status", "", f"status {status} is not declared for "
                                        f"{op.operation_id} (declared: {declared})")]
    out: list[Violation] = []
    for header in spec.headers.values():
        raw = headers.get(header.name)
        if raw is None:
            if header.required:
                out.append(violation("header", f"/{header.name}",
                                     f"required response header {header.name!r} is missing"))
            continue
        if header.schema is None:
            continue
        try:
            value = coerce(raw, header.kind)
        except ValueError as exc:
            out.append(violation("header", f"/{header.name}", str(exc)))
            continue
        out.extend(violation("header", f"/{header.name}{p}", m)
                   for p, m in header.schema.errors(value))
    if not spec.content:
        if has_body:
            out.append(violation("body", "", f"status {status} declares no body"))
        return out
    if not has_body:
        out.append(violation("body", "", f"status {status} declares a body "
                                         f"({', '.join(spec.content)}) but none was sent"))
        return out
    media = select_media(spec.content, media_type)
    if media is None:
        out.append(violation("header", "/content-type",
                             f"media type {media_type} is not declared for status {status} "
                             f"(declared: {', '.join(spec.content)})"))
        return out
    if media.schema is not None and (is_json_media(media.media_type)
                                     or (media_type or "").endswith("json")):
        out.extend(violation("body", p, m) for p, m in media.schema.errors(body))
    return out
