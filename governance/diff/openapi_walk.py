"""Pairing two OpenAPI 3.0/3.1 documents: paths, operations, parameters, bodies, responses,
servers, webhooks, callbacks, links and multipart/form encodings.

Paths are paired by template with parameter names ignored (``/invoices/{id}`` and
``/invoices/{invoiceId}`` are one path), path parameters by position in the template, other
parameters by (in, name), responses by status code, media types and response headers by
name, case-insensitively as HTTP does. A status or media type that is gone is paired with the
range that now covers it (``200`` with ``2XX``, ``application/json`` with ``application/*``),
so a generalisation is one change with its schemas still compared, not a removal. Every node is
resolved through its ``$ref`` first, so a shared parameter or response is located at the
component (and reported once, affecting every operation that uses it).

Webhooks (3.1, paired by name) and callbacks (paired by name, then by URL expression) are
requests the API SENDS: there the API is the caller, so their parameters and request body are
data the API writes (direction ``response``) and their responses are data the API reads
(direction ``request``). The same rules then give the consumer's view: a property removed from
a webhook payload is breaking, a new required header in it is not.
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
# Media types whose ``encoding`` map says how each property is written as a part or a field.
_ENCODED = ("multipart/", "application/x-www-form-urlencoded")

Entry = tuple[str, Any, Loc | None, Any, Loc | None]


def normalized_path(template: str) -> str:
    return _TEMPLATE_PARAM.sub("{}", template)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pair_maps(engine: Engine, base: Any, base_loc: Loc, rev: Any, rev_loc: Loc,
               fold: Callable[[str], str] | None = None) -> list[Entry]:
    """Entries of two maps paired by key, each resolved through ``$ref``s: (key, base value,
    its place, revision value, its place); a missing side is (None, None). With ``fold``,
    keys pair by ``fold(key)`` (HTTP header names and media types are case-insensitive) and
    the key given is the revision's spelling, else the base's."""
    bmap, rmap = _dict(base), _dict(rev)
    bkeys: dict[str, Any] = {}
    rkeys: dict[str, Any] = {}
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
        out.append((rkey if rkey is not None else bkey, b, bl, r, rl))
    return out


def _media_key(media: str) -> str:
    """``Application/JSON; charset=UTF-8`` and ``application/json;charset=utf-8`` are one
    media type (RFC 9110: type, subtype and parameter names are case-insensitive)."""
    return ";".join(part.strip() for part in str(media).lower().split(";"))


def _header_key(name: str) -> str:
    return str(name).lower()


def _status_key(code: Any) -> str:
    """``200`` written as a number or a string, and ``2xx``/``2XX``, are one status."""
    return str(code).upper()


# -- ranges: a removed status or media type paired with the range that now covers it --------


def status_covers(wider: str, code: str) -> bool:
    """True when status range ``wider`` (``2XX``) covers the status ``code`` (``201``)."""
    wider, code = _status_key(wider), _status_key(code)
    return (len(wider) == 3 and wider.endswith("XX") and len(code) == 3 and code.isdigit()
            and code[0] == wider[0])


def media_covers(wider: str, media: str) -> bool:
    """True when the media range ``wider`` (``application/*``, ``*/*``, or a type without
    parameters) matches every value of ``media`` (RFC 9110 section 12.5.1), ``wider`` being
    the more general of the two."""
    wide, narrow = _media_key(wider).split(";"), _media_key(media).split(";")
    if wide == narrow or not set(wide[1:]) <= set(narrow[1:]):
        return False
    wtype, _, wsub = wide[0].partition("/")
    ntype, _, nsub = narrow[0].partition("/")
    if wtype == "*":
        return wsub == "*"
    if wtype != ntype:
        return False
    return wsub in ("*", nsub)


def _generality(key: str) -> int:
    """How wide a range is, to pick the narrowest that covers a removed entry."""
    return str(key).count("*") + str(key).upper().count("X")


def _pair_with_ranges(entries: list[Entry], covers: Callable[[str, str], bool]
                      ) -> list[tuple[str, str, Any, Loc | None, Any, Loc | None]]:
    """``entries`` as (key shown, base key, base, place, revision, place). An entry only the
    base has is paired with the narrowest revision entry that covers it (``200`` with
    ``2XX``); an entry only the revision has is paired with each base-only range it narrows
    (``2XX`` with ``200``). A range paired so is not also reported as added or removed."""
    current = [e for e in entries if e[3] is not None]
    out = []
    used: set[int] = set()
    gone: list[Entry] = []
    for entry in entries:
        key, b, bl, r, rl = entry
        if b is None:
            continue
        if r is not None:
            out.append((key, key, b, bl, r, rl))
            continue
        wider = min((e for e in current if covers(e[0], key)),
                    key=lambda e: _generality(e[0]), default=None)
        if wider is None:
            gone.append(entry)
            continue
        used.add(id(wider))
        out.append((wider[0], key, b, bl, wider[3], wider[4]))
    narrowed: set[int] = set()
    for entry in entries:
        key, b, _, r, rl = entry
        if b is not None or id(entry) in used:
            continue
        ranges = [g for g in gone if covers(g[0], key)]
        narrowed.update(id(g) for g in ranges)
        out += [(key, g[0], g[1], g[2], r, rl) for g in ranges]
        if not ranges:
            out.append((key, key, None, None, r, rl))
    out += [(g[0], g[0], g[1], g[2], None, None) for g in gone if id(g) not in narrowed]
    return out


# -- the document ----------------------------------------------------------------------------


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
    _webhooks(engine, bdoc, broot, rdoc, rroot)


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
            _exchange(engine, op, path, REQ, label)
            _security(engine, op, bdoc, rdoc)
            _servers(engine, op, path, bdoc, rdoc)
            _callbacks(engine, op)


def _exchange(engine: Engine, op: Pair, item: Pair, sent: Direction, label: str) -> None:
    """An operation's parameters, request body and responses. ``sent`` is the direction of
    what the caller sends: ``request`` when clients call the API, ``response`` when the API
    calls them (webhooks, callbacks). ``label`` is what schema changes affect."""
    _parameters(engine, op, item, sent, label)
    _request_body(engine, op, sent, label)
    _responses(engine, op, sent.mirror, label)


def _parameters(engine: Engine, op: Pair, path: Pair, direction: Direction,
                label: str) -> None:
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
        pair = Pair("parameter", b, r, bl, rl, direction, f"{where} parameter {name!r}",
                    engine, parent=op, affects=op.affects, info={"in": where, "name": name})
        engine.run(pair)
        if pair.both:
            _value_schemas(engine, pair, direction, label)


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


def _value_schemas(engine: Engine, pair: Pair, direction: Direction, label: str) -> None:
    """A parameter's or header's value: its ``schema``, or its ``content`` (one media type).
    One that switched from one to the other (a rule reports the new serialisation) still has
    its schema compared with the media type's, so a type change is not lost with it."""
    assert pair.base_loc and pair.rev_loc
    b, r = pair.base, pair.rev
    bform, rform = _value_form(b), _value_form(r)
    if bform == rform == "schema":
        compare_schemas(engine, b["schema"], pair.base_loc.child("schema"), r["schema"],
                        pair.rev_loc.child("schema"), direction, label, pair.subject)
    elif bform == rform == "content":
        _media_types(engine, pair, b.get("content"), r.get("content"), direction, label)
    elif bform and rform:
        bschema, rschema = _value_schema(b, pair.base_loc), _value_schema(r, pair.rev_loc)
        if bschema and rschema:
            compare_schemas(engine, *bschema, *rschema, direction, label, pair.subject)


def _value_form(node: dict[str, Any]) -> str | None:
    return "schema" if "schema" in node else "content" if "content" in node else None


def _value_schema(node: dict[str, Any], loc: Loc) -> tuple[Any, Loc] | None:
    """A parameter's or header's value schema and where: its ``schema``, else the schema of
    its one ``content`` entry (OpenAPI allows exactly one there)."""
    if "schema" in node:
        return node["schema"], loc.child("schema")
    content = node.get("content")
    if isinstance(content, dict) and len(content) == 1:
        media, entry = next(iter(content.items()))
        if isinstance(entry, dict) and "schema" in entry:
            return entry["schema"], loc.child("content", media, "schema")
    return None


def _security(engine: Engine, op: Pair, bdoc: dict[str, Any], rdoc: dict[str, Any]) -> None:
    assert op.base_loc and op.rev_loc
    b, bl = ((op.base["security"], op.base_loc.child("security")) if "security" in op.base
             else (bdoc.get("security", []), Loc(engine.sides[BASE].root, "/security")))
    r, rl = ((op.rev["security"], op.rev_loc.child("security")) if "security" in op.rev
             else (rdoc.get("security", []), Loc(engine.sides[REV].root, "/security")))
    engine.run(Pair("security", b if isinstance(b, list) else [], r if isinstance(r, list)
                    else [], bl, rl, NONE, op.subject, engine, parent=op, affects=op.affects))


def _servers(engine: Engine, op: Pair, path: Pair, bdoc: dict[str, Any],
             rdoc: dict[str, Any]) -> None:
    """An operation's effective servers: its own, else its path item's, else the document's
    (an empty list does not override). Located where written, so a change to the document's
    list is one change listing every operation that uses it. ``info["base_written"]`` (and
    ``rev_written``) is False for a side that lists no servers at all: OpenAPI then means
    ``/``, relative to wherever the document is served, which promises no URL."""
    assert op.base_loc and op.rev_loc and path.base_loc and path.rev_loc
    b, bl, bw = _effective_servers(engine, BASE, ((op.base, op.base_loc),
                                                  (path.base, path.base_loc)), bdoc)
    r, rl, rw = _effective_servers(engine, REV, ((op.rev, op.rev_loc),
                                                 (path.rev, path.rev_loc)), rdoc)
    engine.run(Pair("servers", b, r, bl, rl, NONE, op.subject, engine, parent=op,
                    affects=op.affects, info={"base_written": bw, "rev_written": rw}))


def _effective_servers(engine: Engine, side: int, holders: tuple[tuple[Any, Loc], ...],
                       doc: dict[str, Any]) -> tuple[list[Any], Loc, bool]:
    root = Loc(engine.sides[side].root, "")
    for holder, at in (*holders, (doc, root)):
        listed = holder.get("servers") if isinstance(holder, dict) else None
        if isinstance(listed, list) and listed:
            return listed, at.child("servers"), True
    return [], root.child("servers"), False


def _request_body(engine: Engine, op: Pair, direction: Direction, label: str) -> None:
    assert op.base_loc and op.rev_loc
    b = bl = r = rl = None
    if "requestBody" in op.base:
        b, bl = engine.resolve(BASE, op.base["requestBody"], op.base_loc.child("requestBody"))
    if "requestBody" in op.rev:
        r, rl = engine.resolve(REV, op.rev["requestBody"], op.rev_loc.child("requestBody"))
    if b is None and r is None:
        return
    body = Pair("request-body", b, r, bl, rl, direction, f"{op.subject} request body", engine,
                parent=op, affects=op.affects)
    engine.run(body)
    if body.both and isinstance(b, dict) and isinstance(r, dict):
        _media_types(engine, body, b.get("content"), r.get("content"), direction, label)


def _media_types(engine: Engine, holder: Pair, bcontent: Any, rcontent: Any,
                 direction: Direction, label: str) -> None:
    assert holder.base_loc and holder.rev_loc
    entries = _pair_maps(engine, bcontent, holder.base_loc.child("content"), rcontent,
                         holder.rev_loc.child("content"), _media_key)
    for media, base_media, b, bl, r, rl in _pair_with_ranges(entries, media_covers):
        pair = Pair("media-type", b, r, bl, rl, direction, f"{holder.subject} {media}",
                    engine, parent=holder, affects=holder.affects,
                    info={"media": media, "base_media": base_media})
        engine.run(pair)
        if not (pair.both and isinstance(b, dict) and isinstance(r, dict)):
            continue
        assert bl and rl
        if "schema" in b and "schema" in r:
            compare_schemas(engine, b["schema"], bl.child("schema"), r["schema"],
                            rl.child("schema"), direction, label, pair.subject)
        if any(_media_key(m).startswith(_ENCODED) for m in (media, base_media)):
            _encodings(engine, pair, direction, label)


def _encodings(engine: Engine, media: Pair, direction: Direction, label: str) -> None:
    """Each property's entry of a multipart or form media type's ``encoding``. A property
    with no entry on one side is written the default way there, so that side is handed as an
    empty entry located at the media type: the rules compare effective values, and a change
    from the default is a change."""
    assert media.base_loc and media.rev_loc
    for name, b, bl, r, rl in _pair_maps(engine, media.base.get("encoding"),
                                         media.base_loc.child("encoding"),
                                         media.rev.get("encoding"),
                                         media.rev_loc.child("encoding")):
        b, bl = (b, bl) if isinstance(b, dict) and bl else ({}, media.base_loc)
        r, rl = (r, rl) if isinstance(r, dict) and rl else ({}, media.rev_loc)
        pair = Pair("encoding", b, r, bl, rl, direction,
                    f"{media.subject} part {name!r}", engine, parent=media,
                    affects=media.affects, info={"property": name})
        engine.run(pair)
        _headers(engine, pair, direction, label)


def _responses(engine: Engine, op: Pair, direction: Direction, label: str) -> None:
    assert op.base_loc and op.rev_loc
    entries = _pair_maps(engine, op.base.get("responses"), op.base_loc.child("responses"),
                         op.rev.get("responses"), op.rev_loc.child("responses"), _status_key)
    for code, base_code, b, bl, r, rl in _pair_with_ranges(entries, status_covers):
        pair = Pair("response", b, r, bl, rl, direction, f"{op.subject} response {code}",
                    engine, parent=op, affects=op.affects,
                    info={"status": str(code), "base_status": str(base_code)})
        engine.run(pair)
        if not (pair.both and isinstance(b, dict) and isinstance(r, dict)):
            continue
        _media_types(engine, pair, b.get("content"), r.get("content"), direction, label)
        _headers(engine, pair, direction, label)
        assert bl and rl
        for name, lb, lbl, lr, lrl in _pair_maps(engine, b.get("links"), bl.child("links"),
                                                 r.get("links"), rl.child("links")):
            engine.run(Pair("link", lb, lr, lbl, lrl, NONE, f"{pair.subject} link {name!r}",
                            engine, parent=pair, affects=op.affects, info={"name": name}))


def _headers(engine: Engine, holder: Pair, direction: Direction, label: str) -> None:
    """The headers of a response, or of a multipart part (``encoding``): written by
    whoever writes the holder, so they carry its direction."""
    assert holder.base_loc and holder.rev_loc
    for name, hb, hbl, hr, hrl in _pair_maps(engine, _dict(holder.base).get("headers"),
                                             holder.base_loc.child("headers"),
                                             _dict(holder.rev).get("headers"),
                                             holder.rev_loc.child("headers"), _header_key):
        header = Pair("header", hb, hr, hbl, hrl, direction,
                      f"{holder.subject} header {name!r}", engine, parent=holder,
                      affects=holder.affects, info={"name": name})
        engine.run(header)
        if header.both and isinstance(hb, dict) and isinstance(hr, dict):
            _value_schemas(engine, header, direction, label)


# -- requests the API sends: webhooks and callbacks -------------------------------------------


def _sent_operations(engine: Engine, item: Pair, kind: str, name: str,
                     affects: tuple[str, ...] | None, info: dict[str, Any]) -> None:
    """The operations of a path item the API calls (a webhook, a callback URL): each a pair
    of ``kind``, then, where both sides have it, its parameters, body and responses with the
    directions turned round (the API writes the request, reads the response). Changes affect
    ``affects`` (a callback's: the operation registering it), else the webhook operation
    itself (``POST webhook invoicePaid``)."""
    for method in HTTP_METHODS:
        b = item.base.get(method) if isinstance(item.base, dict) else None
        r = item.rev.get(method) if isinstance(item.rev, dict) else None
        b = b if isinstance(b, dict) else None
        r = r if isinstance(r, dict) else None
        if b is None and r is None:
            continue
        used_by = affects or (f"{method.upper()} {kind} {name}",)
        op = Pair(kind, b, r, item.base_loc.child(method) if b and item.base_loc else None,
                  item.rev_loc.child(method) if r and item.rev_loc else None, NONE,
                  f"{kind} {name!r} ({method.upper()})", engine, parent=item,
                  affects=used_by, info={**info, "name": name, "method": method})
        engine.run(op)
        if op.both:
            _exchange(engine, op, item, RESP, used_by[0])


def _webhooks(engine: Engine, bdoc: dict[str, Any], broot: Loc, rdoc: dict[str, Any],
              rroot: Loc) -> None:
    """OpenAPI 3.1 webhooks, paired by name (the name is what consumers subscribe to)."""
    for name, b, bl, r, rl in _pair_maps(engine, bdoc.get("webhooks"), broot.child("webhooks"),
                                         rdoc.get("webhooks"), rroot.child("webhooks")):
        item = Pair("webhook-item", b, r, bl, rl, NONE, f"webhook {name!r}", engine,
                    info={"template": ""})
        _sent_operations(engine, item, "webhook", str(name), None, {})


def _callbacks(engine: Engine, op: Pair) -> None:
    """An operation's callbacks, paired by name, then their URL expressions by text; one
    expression left on each side is the same callback with a new URL. What they affect is
    the operation that registers them: its clients receive the callback."""
    assert op.base_loc and op.rev_loc
    for name, b, bl, r, rl in _pair_maps(engine, op.base.get("callbacks"),
                                         op.base_loc.child("callbacks"),
                                         op.rev.get("callbacks"),
                                         op.rev_loc.child("callbacks")):
        # Keys are URL expressions; ``x-`` keys are specification extensions.
        bitems, ritems = (({k: v for k, v in _dict(side).items() if not str(k).startswith("x-")})
                          for side in (b, r))
        keys: list[tuple[str | None, str | None]] = [(k, k) for k in bitems if k in ritems]
        gone = [k for k in bitems if k not in ritems]
        new = [k for k in ritems if k not in bitems]
        if len(gone) == 1 and len(new) == 1:  # one URL each side: the same callback, moved
            keys.append((gone[0], new[0]))
        else:
            keys += [(k, None) for k in gone] + [(None, k) for k in new]
        for bkey, rkey in keys:
            ib = ibl = ir = irl = None
            if bkey is not None and bl is not None:
                ib, ibl = engine.resolve(BASE, bitems[bkey], bl.child(bkey))
            if rkey is not None and rl is not None:
                ir, irl = engine.resolve(REV, ritems[rkey], rl.child(rkey))
            item = Pair("callback-item", ib, ir, ibl, irl, NONE, f"callback {name!r}", engine,
                        parent=op, info={"template": ""})
            _sent_operations(engine, item, "callback", str(name), op.affects, {
                "base_expression": bkey, "expression": rkey,
                "base_at": tuple(bl.child(bkey)) if bl and bkey is not None else None,
                "rev_at": tuple(rl.child(rkey)) if rl and rkey is not None else None})
