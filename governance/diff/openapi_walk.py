"""Pairing two OpenAPI 3.0/3.1 documents: paths, operations, parameters, bodies, responses.

Paths are paired by template with parameter names ignored (``/invoices/{id}`` and
``/invoices/{invoiceId}`` are one path), path parameters by position in the template, other
parameters by (in, name), responses by status code, media types and response headers by
name, case-insensitively as HTTP does. Every node is resolved through its ``$ref`` first, so
a shared parameter or response is located at the component (and reported once, affecting
every operation that uses it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV, Engine
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.schema_walk import compare_schemas
from ledgerpact.governance.lint.model import Loc

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE_PARAM = re.compile(r"\{([^}/]*)\}")
REQ, RESP, NONE = Direction.REQUEST, Direction.RESPONSE, Direction.NONE


def normalized_path(template: str) -> str:
    return _TEMPLATE_PARAM.sub("{}", template)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pair_maps(engine: Engine, base: Any, base_loc: Loc, rev: Any, rev_loc: Loc,
               fold: Callable[[str], str] | None = None
               ) -> list[tuple[str, Any, Loc | None, Any, Loc | None]]:
    """Entries of two maps paired by key, each resolved through ``$ref``s: (key, base value,
    its place, revision value, its place); a missing side is (None, None). With ``fold``,
    keys pair by ``fold(key)`` (HTTP header names and media types are case-insensitive) and
    the key given is the revision's spelling, else the base's."""
    bmap, rmap = _dict(base), _dict(rev)
    bkeys: dict[str, str] = {}
    rkeys: dict[str, str] = {}
    for keys, entries in ((bkeys, bmap), (rkeys, rmap)):
        for key in entries:
            keys.setdefault(fold(key) if fold else key, key)
    out = []
    for folded in [*bkeys, *(k for k in rkeys if k not in bkeys)]:
        b = bl = r = rl = None
        bkey, rkey = bkeys.get(folded), rkeys.get(folded)
        if bkey is not None:
            b, bl = engine.resolve(BASE, bmap[bkey], base_loc.child(bkey))
        if rkey is not None:
            r, rl = engine.resolve(REV, rmap[rkey], rev_loc.child(rkey))
        out.append((rkey if rkey is not None else bkey, b, bl, r, rl))  # type: ignore[arg-type]
    return out


def _media_key(media: str) -> str:
    """``Application/JSON; charset=UTF-8`` and ``application/json;charset=utf-8`` are one
    media type (RFC 9110: type, subtype and parameter names are case-insensitive)."""
    return ";".join(part.strip() for part in str(media).lower().split(";"))


def _header_key(name: str) -> str:
    return str(name).lower()


def walk_openapi(engine: Engine) -> None:
    base, rev = engine.sides
    bdoc, rdoc = _dict(base.data), _dict(rev.data)
    broot, rroot = Loc(base.root, ""), Loc(rev.root, "")
    engine.run(Pair("document", bdoc, rdoc, broot, rroot, NONE, "the document", engine))
    for name, b, bl, r, rl in _pair_maps(
            engine, _dict(bdoc.get("components")).get("securitySchemes"),
            broot.child("components", "securitySchemes"),
            _dict(rdoc.get("components")).get("securitySchemes"),
            rroot.child("components", "securitySchemes")):
        engine.run(Pair("security-scheme", b, r, bl, rl, NONE, f"security scheme {name!r}",
                        engine, info={"name": name}))
    bpaths, rpaths = _paths(engine, BASE, bdoc, broot), _paths(engine, REV, rdoc, rroot)
    for norm in [*bpaths, *(p for p in rpaths if p not in bpaths)]:
        b_entry, r_entry = bpaths.get(norm), rpaths.get(norm)
        template = (r_entry or b_entry)[0]  # type: ignore[index]
        b_item, bl = (b_entry[1], b_entry[2]) if b_entry else (None, None)
        r_item, rl = (r_entry[1], r_entry[2]) if r_entry else (None, None)
        labels = tuple(f"{m.upper()} {template}" for m in HTTP_METHODS
                       if m in _dict(b_item) or m in _dict(r_item))
        path = Pair("path", b_item, r_item, bl, rl, NONE, template, engine, affects=labels,
                    info={"template": template})
        engine.run(path)
        if path.both:
            _operations(engine, path, bdoc, rdoc, template)


def _paths(engine: Engine, side: int, doc: dict[str, Any],
           root: Loc) -> dict[str, tuple[str, Any, Loc]]:
    out = {}
    paths_loc = root.child("paths")
    for template, item in _dict(doc.get("paths")).items():
        value, loc = engine.resolve(side, item, paths_loc.child(template))
        if isinstance(value, dict):
            out.setdefault(normalized_path(template), (template, value, loc))
    return out


def _operations(engine: Engine, path: Pair, bdoc: dict[str, Any], rdoc: dict[str, Any],
                template: str) -> None:
    assert path.base_loc is not None and path.rev_loc is not None
    for method in HTTP_METHODS:
        b, r = path.base.get(method), path.rev.get(method)
        if b is None and r is None:
            continue
        label = f"{method.upper()} {template}"
        op = Pair("operation", b, r, path.base_loc.child(method) if b is not None else None,
                  path.rev_loc.child(method) if r is not None else None, NONE, label, engine,
                  parent=path, affects=(label,), info={"method": method, "template": template})
        engine.run(op)
        if op.both and isinstance(b, dict) and isinstance(r, dict):
            _parameters(engine, op, path)
            _security(engine, op, bdoc, rdoc)
            _request_body(engine, op)
            _responses(engine, op)


def _parameters(engine: Engine, op: Pair, path: Pair) -> None:
    assert op.base_loc and op.rev_loc and path.base_loc and path.rev_loc
    base = _effective_parameters(engine, BASE, path.base, path.base_loc, op.base, op.base_loc,
                                 _template_params(path.info["template"], path.base_loc))
    rev = _effective_parameters(engine, REV, path.rev, path.rev_loc, op.rev, op.rev_loc,
                                _template_params(path.info["template"], path.rev_loc))
    for bkey, rkey in _pair_parameter_keys(base, rev):
        b, bl = base.get(bkey, (None, None)) if bkey else (None, None)
        r, rl = rev.get(rkey, (None, None)) if rkey else (None, None)
        shown = r if r is not None else b
        where, name = shown.get("in", "?"), shown.get("name", "?")
        pair = Pair("parameter", b, r, bl, rl, REQ, f"{where} parameter {name!r}", engine,
                    parent=op, affects=op.affects, info={"in": where, "name": name})
        engine.run(pair)
        if pair.both:
            _parameter_schemas(engine, pair, op.subject)


ParamKey = tuple[str, str]


def _pair_parameter_keys(base: dict[ParamKey, Any], rev: dict[ParamKey, Any]
                         ) -> list[tuple[ParamKey | None, ParamKey | None]]:
    """Parameters paired by (in, name); then one that vanished from a location is paired by
    name with a new one elsewhere (``in: query`` -> ``in: header``), so a moved parameter is
    one change, with its schema still compared, not a removal plus an addition."""
    new = [k for k in rev if k not in base and k[0] != "path"]
    moved: dict[ParamKey, ParamKey] = {}
    for key in base:
        if key in rev or key[0] == "path":
            continue
        match = next((k for k in new if _same_name(key, k)), None)
        if match is not None:
            new.remove(match)
            moved[key] = match
    out: list[tuple[ParamKey | None, ParamKey | None]] = [
        (k, k if k in rev else moved.get(k)) for k in base]
    taken = set(moved.values())
    out += [(None, k) for k in rev if k not in base and k not in taken]
    return out


def _same_name(a: ParamKey, b: ParamKey) -> bool:
    # Header names are case-insensitive (and keyed lower-cased); other names are exact.
    if "header" in (a[0], b[0]):
        return a[1].lower() == b[1].lower()
    return a[1] == b[1]


def _template_params(template: str, path_loc: Loc) -> list[str]:
    # The path item's own key is the side's template (the pair's template is the revision's).
    side_template = path_loc.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return _TEMPLATE_PARAM.findall(side_template if side_template.startswith("/") else template)


def _effective_parameters(engine: Engine, side: int, item: dict[str, Any], item_loc: Loc,
                          op: dict[str, Any], op_loc: Loc,
                          template_params: list[str]) -> dict[tuple[str, str], tuple[Any, Loc]]:
    """Path-level parameters overridden by the operation's own, keyed for pairing."""
    found: dict[tuple[str, str], tuple[Any, Loc]] = {}
    for holder, loc in ((item, item_loc), (op, op_loc)):
        params = holder.get("parameters")
        if not isinstance(params, list):
            continue
        for i, param in enumerate(params):
            value, at = engine.resolve(side, param, loc.child("parameters", i))
            if not isinstance(value, dict):
                continue
            where, name = str(value.get("in", "")), str(value.get("name", ""))
            if where == "path" and name in template_params:
                key = ("path", f"#{template_params.index(name)}")
            else:
                key = (where, name.lower() if where == "header" else name)
            found[key] = (value, at)
    return found


def _parameter_schemas(engine: Engine, pair: Pair, label: str) -> None:
    assert pair.base_loc and pair.rev_loc
    if "schema" in pair.base and "schema" in pair.rev:
        compare_schemas(engine, pair.base["schema"], pair.base_loc.child("schema"),
                        pair.rev["schema"], pair.rev_loc.child("schema"), REQ, label,
                        pair.subject)
    _media_types(engine, pair, pair.base.get("content"), pair.rev.get("content"), REQ, label)


def _security(engine: Engine, op: Pair, bdoc: dict[str, Any], rdoc: dict[str, Any]) -> None:
    assert op.base_loc and op.rev_loc
    b, bl = ((op.base["security"], op.base_loc.child("security")) if "security" in op.base
             else (bdoc.get("security", []), Loc(engine.sides[BASE].root, "/security")))
    r, rl = ((op.rev["security"], op.rev_loc.child("security")) if "security" in op.rev
             else (rdoc.get("security", []), Loc(engine.sides[REV].root, "/security")))
    engine.run(Pair("security", b if isinstance(b, list) else [], r if isinstance(r, list)
                    else [], bl, rl, NONE, op.subject, engine, parent=op, affects=op.affects))


def _request_body(engine: Engine, op: Pair) -> None:
    assert op.base_loc and op.rev_loc
    b = bl = r = rl = None
    if "requestBody" in op.base:
        b, bl = engine.resolve(BASE, op.base["requestBody"], op.base_loc.child("requestBody"))
    if "requestBody" in op.rev:
        r, rl = engine.resolve(REV, op.rev["requestBody"], op.rev_loc.child("requestBody"))
    if b is None and r is None:
        return
    body = Pair("request-body", b, r, bl, rl, REQ, f"{op.subject} request body", engine,
                parent=op, affects=op.affects)
    engine.run(body)
    if body.both and isinstance(b, dict) and isinstance(r, dict):
        _media_types(engine, body, b.get("content"), r.get("content"), REQ, op.subject)


def _media_types(engine: Engine, holder: Pair, bcontent: Any, rcontent: Any,
                 direction: Direction, label: str) -> None:
    assert holder.base_loc and holder.rev_loc
    for media, b, bl, r, rl in _pair_maps(engine, bcontent, holder.base_loc.child("content"),
                                          rcontent, holder.rev_loc.child("content"),
                                          _media_key):
        pair = Pair("media-type", b, r, bl, rl, direction, f"{holder.subject} {media}",
                    engine, parent=holder, affects=holder.affects, info={"media": media})
        engine.run(pair)
        if pair.both and isinstance(b, dict) and isinstance(r, dict) \
                and "schema" in b and "schema" in r:
            assert bl and rl
            compare_schemas(engine, b["schema"], bl.child("schema"), r["schema"],
                            rl.child("schema"), direction, label, pair.subject)


def _responses(engine: Engine, op: Pair) -> None:
    assert op.base_loc and op.rev_loc
    for code, b, bl, r, rl in _pair_maps(engine, op.base.get("responses"),
                                         op.base_loc.child("responses"),
                                         op.rev.get("responses"),
                                         op.rev_loc.child("responses")):
        pair = Pair("response", b, r, bl, rl, RESP, f"{op.subject} response {code}", engine,
                    parent=op, affects=op.affects, info={"status": str(code)})
        engine.run(pair)
        if not (pair.both and isinstance(b, dict) and isinstance(r, dict)):
            continue
        _media_types(engine, pair, b.get("content"), r.get("content"), RESP, op.subject)
        assert bl and rl
        for name, hb, hbl, hr, hrl in _pair_maps(engine, b.get("headers"),
                                                 bl.child("headers"), r.get("headers"),
                                                 rl.child("headers"), _header_key):
            header = Pair("header", hb, hr, hbl, hrl, RESP,
                          f"{pair.subject} header {name!r}", engine, parent=pair,
                          affects=op.affects, info={"name": name})
            engine.run(header)
            if header.both and isinstance(hb, dict) and isinstance(hr, dict) \
                    and "schema" in hb and "schema" in hr:
                assert hbl and hrl
                compare_schemas(engine, hb["schema"], hbl.child("schema"), hr["schema"],
                                hrl.child("schema"), RESP, op.subject, header.subject)
