"""A bundled OpenAPI document compiled once into what the request hot path needs.

Every lookup a request makes (which route, which operation, which parameters, which schema
validator) is answered from tables built here at startup, so serving a request never walks
the document again. Validators are jsonschema-rs validators that ``$ref`` into the whole
bundled document held in one registry resource, so internal ``#/components/...`` references
resolve exactly as they do in the document.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import jsonschema_rs

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.jsregex import RegexTimeout
from ledgerpact.registry.schema_errors import hostile_parts, leaves, sanitize
from ledgerpact.registry.schema_patterns import compiled_or_reason

log = logging.getLogger("ledgerpact.simulate")

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DOCUMENT_URI = "urn:ledgerpact:contract"
_WRAPPER_URI = "urn:ledgerpact:operation"
# Headers OpenAPI says to ignore when declared as parameters: HTTP itself owns them.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class BoundedPattern:
    """``pattern`` read as the registry reads it (``schema_patterns``: ECMA-262 without
    flags, every check time-bounded), in place of jsonschema-rs's own regex engine.

    jsonschema-rs reads ``\\p{Lu}`` as a Unicode property and refuses ECMA 2018's named
    groups (``(?<x>ab)\\k<x>``) outright, so the simulator flagged values ``registry
    validate`` and the data generator accept, and refused to load contracts the registry
    holds. A pattern JavaScript refuses is a violation at each value it should have checked
    (as in the registry's checks), not a contract the simulator cannot serve."""

    __slots__ = ("compiled", "pattern")

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.pattern = value
        self.compiled = compiled_or_reason(value) if isinstance(value, str) else None

    def validate(self, instance: Any) -> None:
        if not isinstance(instance, str) or self.compiled is None:
            return
        if isinstance(self.compiled, str):
            raise ValueError(f"the pattern {_quoted(self.pattern)} cannot be evaluated: "
                             f"{self.compiled}")
        try:
            matched = self.compiled.search(instance)
        except RegexTimeout as exc:  # unknown: said, never a silent pass
            raise ValueError(str(exc)) from None
        if not matched:
            raise ValueError(f"{_quoted(instance)} does not match {_quoted(self.pattern)}")


# The custom keywords every simulator validator (and the data generator's checks) compiles
# with, so the value generated and the value checked are read alike.
PATTERN_KEYWORDS: dict[str, type[BoundedPattern]] = {"pattern": BoundedPattern}


@dataclass(frozen=True, slots=True)
class Schema:
    """A schema at a document location with its compiled validator (None: no schema)."""

    pointer: str
    raw: Mapping[str, Any]  # the schema with a top-level $ref followed, for type inspection
    validator: Any
    # The whole (compiled) document, to read a failing oneOf's discriminator from.
    document: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    def errors(self, instance: Any) -> list[tuple[str, str]]:
        """(JSON pointer into the instance, message) for each violation.

        A failing ``oneOf``/``anyOf`` is reported as the leaf errors of its best-matching
        alternative, each at its own pointer, not as one root error quoting the whole
        request. Input the validator cannot even report on (a lone surrogate, nesting
        deeper than it converts) is a violation at its pointer, not an exception; anything
        else it raises is a simulator bug and propagates (the app turns it into a 500)."""
        if self.validator is None:
            return []
        try:
            if self.validator.is_valid(instance):
                return []  # the common case, several times faster than collecting errors
            return self._collect(instance)
        except (UnicodeError, ValueError, RecursionError) as exc:
            hostile = hostile_parts(instance)
            if not hostile:
                raise
            try:
                rest = self._collect(sanitize(instance))
            except (UnicodeError, ValueError, RecursionError):
                log.debug("schema errors of a sanitized instance unavailable: %s", exc)
                rest = []
            return list(dict.fromkeys([*hostile, *rest]))

    def _collect(self, instance: Any) -> list[tuple[str, str]]:
        """Only reached for an invalid instance: valid requests never pay for this."""
        found = (leaf for err in self.validator.iter_errors(instance)
                 for leaf in leaves(err, instance, self.document, document_uri=DOCUMENT_URI))
        return list(dict.fromkeys(found))  # in order, once each (a set: bodies can be big)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: Schema | None
    kind: str  # string | integer | number | boolean | array | object
    item_kind: str  # for arrays: the items' kind
    style: str
    explode: bool


@dataclass(frozen=True, slots=True)
class MediaSpec:
    media_type: str
    schema: Schema | None

    @property
    def is_json(self) -> bool:
        return is_json_media(self.media_type)


@dataclass(frozen=True, slots=True)
class HeaderSpec:
    name: str  # lower case
    required: bool
    schema: Schema | None
    kind: str


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    key: str  # "200", "4XX" or "default"
    content: Mapping[str, MediaSpec]
    headers: Mapping[str, HeaderSpec]


@dataclass(frozen=True, slots=True)
class Credential:
    """Where one security scheme's credential travels, checked for presence only: a
    simulator is not an identity provider, so any non-empty value is accepted."""

    scheme: str  # the name in components.securitySchemes
    location: str  # header | query | cookie
    name: str  # header names lower case
    auth_scheme: str  # for the Authorization header: bearer, basic, ... (lower); else ""
    challenge: str  # this scheme's WWW-Authenticate challenge


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path_template: str
    parameters: tuple[Param, ...]
    body_required: bool
    body: Mapping[str, MediaSpec]  # empty: the operation takes no body
    responses: Mapping[str, ResponseSpec]
    pointer: str  # where the operation lives in the document
    raw: Mapping[str, Any] = field(repr=False)  # the operation object as in the document
    # The effective security requirement: alternatives (any one will do), each a set of
    # credentials all required. Empty: anonymous requests are allowed.
    security: tuple[tuple[Credential, ...], ...] = ()

    def response_for(self, status: int) -> ResponseSpec | None:
        """The declared response an actual status falls under: exact, then range, then default."""
        return (self.responses.get(str(status)) or self.responses.get(f"{status // 100}XX")
                or self.responses.get("default"))

    def declares(self, status: int) -> bool:
        return str(status) in self.responses


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    regex: re.Pattern[str] | None  # None: a literal path, matched by the table
    operations: Mapping[str, Operation]  # by upper-case method
    rank: tuple[int, ...]
    param_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    path_params: dict[str, str]


@dataclass
class CompiledContract:
    document: Mapping[str, Any]
    contract_id: str
    version: str
    openapi: str
    base_path: str  # the first server URL's path (e.g. /v1), also accepted as a prefix
    literal: dict[str, Route]
    templated: list[Route]
    operations: dict[str, Operation]

    def match(self, path: str) -> Match | None:
        """The route for ``path``: literal paths first, then templates with more literal
        segments earlier (so /suppliers/search wins over /suppliers/{id})."""
        found = self._match(path)
        if found is None and self.base_path and path.startswith(self.base_path + "/"):
            found = self._match(path[len(self.base_path):])
        return found

    def _match(self, path: str) -> Match | None:
        route = self.literal.get(path)
        if route is not None:
            return Match(route, {})
        for route in self.templated:
            assert route.regex is not None
            m = route.regex.match(path)
            if m is not None:
                return Match(route, dict(zip(route.param_names, m.groups(), strict=True)))
        return None

    def routes(self) -> Iterator[Route]:
        yield from self.literal.values()
        yield from self.templated


def is_json_media(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _Compiler:
    """Walks the document once; holds the registry so every validator shares it."""

    def __init__(self, document: Mapping[str, Any], draft: int) -> None:
        self.document = document
        self.draft = draft
        self.registry = jsonschema_rs.Registry([(DOCUMENT_URI, dict(document))], draft=draft)
        self.cache: dict[str, Schema] = {}

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local ``$ref``s of non-schema objects (parameters, responses, ...)."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                raise InputError(f"unresolvable $ref {ref!r} (bundle the contract first)",
                                 pointer=pointer)
            seen.add(ref)
            pointer = ref[1:]
            node = resolve_pointer(self.document, pointer)
        return node, pointer

    def schema(self, node: Any, pointer: str) -> Schema | None:
        if not isinstance(node, Mapping | bool):
            return None
        target, target_pointer = node, pointer
        if isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and len(node) == 1:
            target, target_pointer = self.deref(node, pointer)
        cached = self.cache.get(target_pointer)
        if cached is not None:
            return cached
        wrapper = {"$ref": f"{DOCUMENT_URI}#{quote(target_pointer, safe='/~')}"}
        try:
            validator = jsonschema_rs.validator_for(
                wrapper, registry=self.registry, base_uri=_WRAPPER_URI, validate_formats=True,
                keywords=PATTERN_KEYWORDS)
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            first = str(exc).splitlines()[0]
            raise InputError(f"schema does not compile: {first}", pointer=pointer) from exc
        raw = target if isinstance(target, Mapping) else {}
        compiled = Schema(target_pointer, raw, validator, self.document)
        self.cache[target_pointer] = compiled
        return compiled

    def kind(self, schema: Schema | None) -> tuple[str, str]:
        if schema is None:
            return "string", "string"
        raw = self._follow(schema.raw)
        kind = _type_of(raw)
        item_kind = "string"
        if kind == "array":
            item_kind = _type_of(self._follow(raw.get("items")))
        return kind, item_kind

    def _follow(self, node: Any) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            return {}
        try:
            return self.deref(node, "")[0] if "$ref" in node else node
        except InputError:
            return {}


def _type_of(schema: Mapping[str, Any]) -> str:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if not isinstance(t, str):
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key) or []:
                if isinstance(sub, Mapping) and isinstance(sub.get("type"), str):
                    return str(sub["type"])
        return "string"
    return t


def resolve_pointer(document: Any, pointer: str) -> Any:
    node = document
    if pointer in ("", "/"):
        return node
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, Mapping) and token in node:
            node = node[token]
        else:
            raise InputError(f"$ref target {pointer!r} does not exist", pointer=pointer)
    return node


def nullable_to_type(document: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema spells it (a copy), so 3.0 contracts
    validate null where they allow it instead of refusing every null."""
    doc = copy.deepcopy(document)

    def walk(node: Any) -> Any:
        """The node as JSON Schema (children converted in place; a node without ``type``
        comes back wrapped, so the caller stores what this returns)."""
        if isinstance(node, dict):
            for key, value in node.items():
                node[key] = walk(value)
            if node.get("nullable") is True:
                t = node.get("type")
                if isinstance(t, str):
                    node["type"] = [t, "null"]
                if isinstance(node.get("enum"), list):
                    if None not in node["enum"]:
                        node["enum"] = [*node["enum"], None]
                elif t is None:
                    # No type to extend ({anyOf: [...], nullable: true}, 345 times in
                    # Stripe's contract): null is one more alternative.
                    inner = {k: v for k, v in node.items() if k != "nullable"}
                    return {"anyOf": [inner, {"type": "null"}]}
            return node
        if isinstance(node, list):
            for i, value in enumerate(node):
                node[i] = walk(value)
        return node

    return walk(doc)


def compile_contract(document: Mapping[str, Any], *, contract_id: str = "",
                     version: str = "") -> CompiledContract:
    """Compile a bundled (all ``$ref``s internal) OpenAPI 3.0 or 3.1 document."""
    openapi = str(document.get("openapi", ""))
    if not openapi.startswith(("3.0", "3.1")):
        raise InputError(f"not an OpenAPI 3.0/3.1 document (openapi: {openapi or 'missing'})",
                         pointer="/openapi")
    if openapi.startswith("3.0"):
        document = nullable_to_type(document)
        draft = jsonschema_rs.Draft4
    else:
        draft = jsonschema_rs.Draft202012
    comp = _Compiler(document, draft)
    info = document.get("info")
    if not version and isinstance(info, Mapping):
        version = str(info.get("version", ""))
    literal: dict[str, Route] = {}
    templated: list[Route] = []
    operations: dict[str, Operation] = {}
    paths = document.get("paths") or {}
    for template, item in paths.items():
        item_pointer = f"/paths/{escape(template)}"
        item, item_pointer = comp.deref(item, item_pointer)
        if not isinstance(item, Mapping):
            continue
        shared = _params(comp, item.get("parameters") or [], f"{item_pointer}/parameters")
        ops: dict[str, Operation] = {}
        for method in METHODS:
            raw_op = item.get(method)
            if not isinstance(raw_op, Mapping):
                continue
            op = _operation(comp, template, method, raw_op, f"{item_pointer}/{method}", shared)
            ops[op.method] = op
            operations[op.operation_id] = op
        segments = template.strip("/").split("/")
        rank = tuple(1 if _TEMPLATE.search(s) else 0 for s in segments)
        if 1 not in rank:
            literal[template] = Route(template, None, ops, rank)
        else:
            templated.append(Route(template, _regex(template), ops, rank,
                                   tuple(_TEMPLATE.findall(template))))
    # Fewer templated segments first, and a literal segment before a template at the first
    # place two routes differ: /a/search/{x} before /a/{id}/{x}.
    templated.sort(key=lambda r: (len(r.rank), r.rank, r.template))
    return CompiledContract(document, contract_id, version, openapi, _base_path(document),
                            literal, templated, operations)


def _base_path(document: Mapping[str, Any]) -> str:
    servers = document.get("servers") or []
    if not servers or not isinstance(servers[0], Mapping):
        return ""
    url = str(servers[0].get("url", ""))
    path = urlsplit(url).path if "://" in url else url
    return "" if "{" in path else path.rstrip("/")


def _regex(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in _TEMPLATE.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        out.append("([^/]+)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out) + r"\Z")


def _params(comp: _Compiler, raw: list[Any], pointer: str) -> dict[tuple[str, str], Param]:
    found: dict[tuple[str, str], Param] = {}
    for i, node in enumerate(raw):
        p, p_ptr = comp.deref(node, f"{pointer}/{i}")
        if not isinstance(p, Mapping) or "name" not in p or "in" not in p:
            continue
        location = str(p["in"])
        name = str(p["name"])
        if location == "header":
            name = name.lower()
            if name in _IGNORED_HEADERS:
                continue
        schema_node = p.get("schema")
        schema_ptr = f"{p_ptr}/schema"
        if schema_node is None and isinstance(p.get("content"), Mapping) and p["content"]:
            mt = next(iter(p["content"]))
            schema_node = p["content"][mt].get("schema")
            schema_ptr = f"{p_ptr}/content/{escape(mt)}/schema"
        schema = comp.schema(schema_node, schema_ptr)
        kind, item_kind = comp.kind(schema)
        style = str(p.get("style") or ("form" if location in ("query", "cookie") else "simple"))
        explode = bool(p.get("explode", style == "form"))
        found[(location, name)] = Param(name, location, bool(p.get("required")) or
                                        location == "path", schema, kind, item_kind, style,
                                        explode)
    return found


def _media(comp: _Compiler, content: Any, pointer: str) -> dict[str, MediaSpec]:
    media: dict[str, MediaSpec] = {}
    if not isinstance(content, Mapping):
        return media
    for mt, spec in content.items():
        key = str(mt).split(";")[0].strip().lower()
        schema = None
        if isinstance(spec, Mapping) and "schema" in spec:
            schema = comp.schema(spec["schema"], f"{pointer}/{escape(mt)}/schema")
        media[key] = MediaSpec(key, schema)
    return media


REALM = "ledgerpact-simulator"


def _credential(name: str, scheme: Any) -> Credential | None:
    """The credential a security scheme asks for; None for what a plain HTTP request cannot
    show (mutualTLS) or a scheme the document does not define."""
    if not isinstance(scheme, Mapping):
        return None
    kind = str(scheme.get("type", ""))
    realm = f'realm="{REALM}"'
    if kind in ("oauth2", "openIdConnect"):
        return Credential(name, "header", "authorization", "bearer", f"Bearer {realm}")
    if kind == "http":
        auth = str(scheme.get("scheme") or "bearer").lower()
        return Credential(name, "header", "authorization", auth,
                          f"{auth.capitalize()} {realm}")
    if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
        location = str(scheme["in"])
        key = str(scheme.get("name", ""))
        if not key:
            return None
        return Credential(name, location, key.lower() if location == "header" else key, "",
                          f'ApiKey {realm}, in="{location}", name="{key}"')
    return None


def _security(document: Mapping[str, Any], raw_op: Mapping[str, Any]
              ) -> tuple[tuple[Credential, ...], ...]:
    """The operation's effective requirement (its own ``security`` overrides the root's).
    An empty alternative (``{}``), or one made only of schemes a request cannot show,
    allows anonymous requests, and then the whole requirement is void."""
    requirement = raw_op["security"] if "security" in raw_op else document.get("security")
    if not isinstance(requirement, list) or not requirement:
        return ()
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    schemes = schemes if isinstance(schemes, Mapping) else {}
    alternatives: list[tuple[Credential, ...]] = []
    for entry in requirement:
        if not isinstance(entry, Mapping):
            continue
        found = tuple(c for c in (_credential(str(n), schemes.get(n)) for n in entry)
                      if c is not None)
        if not found:
            return ()
        alternatives.append(found)
    return tuple(alternatives)


def _operation(comp: _Compiler, template: str, method: str, raw: Mapping[str, Any],
               pointer: str, shared: dict[tuple[str, str], Param]) -> Operation:
    params = dict(shared)
    params.update(_params(comp, raw.get("parameters") or [], f"{pointer}/parameters"))
    body_required = False
    body: dict[str, MediaSpec] = {}
    if "requestBody" in raw:
        rb, rb_ptr = comp.deref(raw["requestBody"], f"{pointer}/requestBody")
        if isinstance(rb, Mapping):
            body_required = bool(rb.get("required"))
            body = _media(comp, rb.get("content"), f"{rb_ptr}/content")
    responses: dict[str, ResponseSpec] = {}
    for code, node in (raw.get("responses") or {}).items():
        key = str(code).upper() if str(code).lower() != "default" else "default"
        r, r_ptr = comp.deref(node, f"{pointer}/responses/{escape(str(code))}")
        if not isinstance(r, Mapping):
            continue
        headers: dict[str, HeaderSpec] = {}
        for name, h_node in (r.get("headers") or {}).items():
            h, h_ptr = comp.deref(h_node, f"{r_ptr}/headers/{escape(name)}")
            if not isinstance(h, Mapping) or name.lower() == "content-type":
                continue
            schema = comp.schema(h.get("schema"), f"{h_ptr}/schema")
            headers[name.lower()] = HeaderSpec(name.lower(), bool(h.get("required")), schema,
                                               comp.kind(schema)[0])
        responses[key] = ResponseSpec(key, _media(comp, r.get("content"), f"{r_ptr}/content"),
                                      headers)
    operation_id = str(raw.get("operationId") or f"{method.upper()} {template}")
    return Operation(operation_id, method.upper(), template, tuple(params.values()),
                     body_required, body, responses, pointer, raw,
                     _security(comp.document, raw))
