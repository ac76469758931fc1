"""What several OpenAPI rules need from the index, computed the same way for all of them.

Rules must not walk the document again, so the few OpenAPI objects the index does not list
(servers, tags, example objects, headers, links, callbacks) are reached from the lists it
has (operations, parameters, responses, media types) and from the root document's own
top-level maps, which costs a handful of dictionary lookups, never a walk.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, TypeVar

from ledgerpact.governance.lint.index import Index, Operation, Parameter
from ledgerpact.governance.lint.model import Loc
from ledgerpact.governance.lint.rules._util import as_dict, as_list, is_webhook, resolve
from ledgerpact.registry.refs import is_ref

T = TypeVar("T")
_MEMO: dict[int, dict[str, Any]] = {}


def memo(index: Index, key: str, compute: Callable[[Index], T]) -> T:
    """``compute(index)``, computed once per index: several rules read the same derived
    list (every example holder, every $ref holder), and each must not rebuild it. The entry
    goes when the index is garbage-collected."""
    slot = _MEMO.get(id(index))
    if slot is None:
        slot = _MEMO[id(index)] = {}
        weakref.finalize(index, _MEMO.pop, id(index), None)
    if key not in slot:
        slot[key] = compute(index)
    return slot[key]  # type: ignore[no-any-return]


def text(value: Any) -> str:
    """A field's text, or "" when it is missing, not a string, or only whitespace."""
    return value.strip() if isinstance(value, str) else ""


def parent(loc: Loc, levels: int = 1) -> Loc:
    """The Loc ``levels`` tokens up (tokens are escaped, so splitting on "/" is exact)."""
    pointer = loc.pointer
    for _ in range(levels):
        pointer = pointer.rsplit("/", 1)[0]
    return Loc(loc.file, pointer)


def quoted_list(names: Iterable[str], limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def path_operations(index: Index) -> Iterator[Operation]:
    for op in index.operations:
        if not is_webhook(index, op):
            yield op


def unique_by_loc(items: Iterable[Any]) -> Iterator[Any]:
    """Objects reached through a shared component appear once per use in the index lists;
    a finding about the component itself must be reported once."""
    seen: set[Loc] = set()
    for item in items:
        if item.loc not in seen:
            seen.add(item.loc)
            yield item


def unique_by_use(params: Iterable[Parameter]) -> Iterator[Parameter]:
    """Each parameters-list entry once (a path item shared through a $ref is indexed once
    per path that uses it)."""
    seen: set[Loc] = set()
    for p in params:
        if p.use not in seen:
            seen.add(p.use)
            yield p


def component_entries(index: Index, kind: str) -> Iterator[tuple[str, Any, Loc]]:
    """(name, resolved value, where it is defined) for ``components.<kind>`` of the root."""
    root = index.root_loc
    for name, value in as_dict(as_dict(index.doc.get("components")).get(kind)).items():
        resolved, where = resolve(index, value, root.child("components", kind, name))
        yield name, resolved, where


def servers(index: Index) -> Iterator[tuple[Loc, dict[str, Any], str]]:
    """Every Server Object: the document's, each path item's and each operation's, with a
    label saying whose it is."""
    root = index.root_loc
    for i, server in enumerate(as_list(index.doc.get("servers"))):
        if isinstance(server, dict):
            yield root.child("servers", i), server, "the document"
    seen: set[Loc] = set()
    for op in index.operations:
        if op.path_item_loc not in seen:
            seen.add(op.path_item_loc)
            for i, server in enumerate(as_list(op.path_item.get("servers"))):
                if isinstance(server, dict):
                    yield op.path_item_loc.child("servers", i), server, f"path {op.path!r}"
        for i, server in enumerate(as_list(op.op.get("servers"))):
            if isinstance(server, dict):
                yield op.loc.child("servers", i), server, op.label


def security_requirements(index: Index) -> Iterator[tuple[Loc, dict[str, Any], str]]:
    """(where, requirement, whose) for the document's and every operation's ``security``."""
    root = index.root_loc
    for i, req in enumerate(as_list(index.doc.get("security"))):
        if isinstance(req, dict):
            yield root.child("security", i), req, "the document"
    for op in index.operations:
        for i, req in enumerate(as_list(op.op.get("security"))):
            if isinstance(req, dict):
                yield op.loc.child("security", i), req, op.label


class Holder(NamedTuple):
    """An object that may carry ``schema`` plus ``example``/``examples``: a media type, a
    parameter or a header."""

    loc: Loc
    value: dict[str, Any]
    kind: str  # "media type", "parameter", "header"
    direction: str  # request | response


def headers_of(index: Index, holder: dict[str, Any], loc: Loc
               ) -> Iterator[tuple[Loc, dict[str, Any]]]:
    for name, header in as_dict(holder.get("headers")).items():
        value, where = resolve(index, header, loc.child("headers", name))
        if isinstance(value, dict):
            yield where, value


def example_holders(index: Index) -> list[Holder]:
    """Every media type, parameter and header the contract defines, each once: those the
    operations use (from the index) and those only defined in the root's components."""
    return memo(index, "example_holders", _example_holders)


def _example_holders(index: Index) -> list[Holder]:
    # A list built in place rather than nested generators: Stripe's spec has thousands of
    # holders, and each level of ``yield from`` costs more than the check it wraps.
    out: list[Holder] = []
    add = out.append
    seen: set[Loc] = set()

    def fresh(loc: Loc) -> bool:
        if loc in seen:
            return False
        seen.add(loc)
        return True

    def with_content(holder: Holder) -> None:
        add(holder)
        content = holder.value.get("content")
        if not isinstance(content, dict):
            return
        for media_type, media in content.items():
            mloc = holder.loc.child("content", media_type)
            if isinstance(media, dict) and fresh(mloc):
                add(Holder(mloc, media, "media type", holder.direction))
                encoding_headers(media, mloc, holder.direction)

    def encoding_headers(media: dict[str, Any], mloc: Loc, direction: str) -> None:
        encoding = media.get("encoding")
        if not isinstance(encoding, dict):
            return  # the usual case
        for prop, entry in encoding.items():
            if isinstance(entry, dict):
                for where, header in headers_of(index, entry, mloc.child("encoding", prop)):
                    if fresh(where):
                        with_content(Holder(where, header, "header", direction))

    for m in index.media_types:
        if fresh(m.loc):
            add(Holder(m.loc, m.media, "media type", m.direction))
            encoding_headers(m.media, m.loc, m.direction)
    for p in index.parameters:
        if fresh(p.loc):
            with_content(Holder(p.loc, p.param, "parameter", "request"))
    for r in index.responses:
        if fresh(r.loc) and "headers" in r.response:
            for where, header in headers_of(index, r.response, r.loc):
                if fresh(where):
                    with_content(Holder(where, header, "header", "response"))
    for _, param, where in component_entries(index, "parameters"):
        if isinstance(param, dict) and fresh(where):
            with_content(Holder(where, param, "parameter", "request"))
    for _, header, where in component_entries(index, "headers"):
        if isinstance(header, dict) and fresh(where):
            with_content(Holder(where, header, "header", "response"))
    for kind, direction in (("requestBodies", "request"), ("responses", "response")):
        for _, body, where in component_entries(index, kind):
            if not isinstance(body, dict) or not fresh(where):
                continue
            for media_type, media in as_dict(body.get("content")).items():
                mloc = where.child("content", media_type)
                if isinstance(media, dict) and fresh(mloc):
                    add(Holder(mloc, media, "media type", direction))
                    encoding_headers(media, mloc, direction)
            for hloc, header in headers_of(index, body, where):
                if fresh(hloc):
                    with_content(Holder(hloc, header, "header", direction))
    return out


def example_objects(index: Index, holder: Holder
                    ) -> Iterator[tuple[str, Any, Loc, Loc, dict[str, Any] | None]]:
    """(name, raw entry, where it is used, where it is defined, resolved Example Object or
    None) for each entry of a holder's ``examples`` map."""
    for name, raw in as_dict(holder.value.get("examples")).items():
        use = holder.loc.child("examples", name)
        value, where = resolve(index, raw, use)
        yield name, raw, use, where, value if isinstance(value, dict) else None


def links(index: Index) -> Iterator[tuple[Loc, Loc, dict[str, Any], Any]]:
    """(where used, where defined, Link Object, raw entry) for every response's links and the
    root's components.links, each definition once."""
    seen: set[Loc] = set()
    sources: list[tuple[Loc, dict[str, Any]]] = [(r.loc, r.response)
                                                 for r in unique_by_loc(index.responses)]
    sources += [(where, value) for _, value, where in component_entries(index, "responses")
                if isinstance(value, dict)]
    for loc, response in sources:
        for name, raw in as_dict(response.get("links")).items():
            use = loc.child("links", name)
            value, where = resolve(index, raw, use)
            if isinstance(value, dict) and where not in seen:
                seen.add(where)
                yield use, where, value, raw
    root = index.root_loc
    for name, raw in as_dict(as_dict(index.doc.get("components")).get("links")).items():
        use = root.child("components", "links", name)
        value, where = resolve(index, raw, use)
        if isinstance(value, dict) and where not in seen:
            seen.add(where)
            yield use, where, value, raw


def callback_operations(index: Index) -> Iterator[tuple[Loc, dict[str, Any], str]]:
    """(where, Operation Object, label) for every operation declared inside an operation's
    callbacks (one level: callbacks in callbacks are a finding of their own)."""
    for op in index.operations:
        for name, raw in as_dict(op.op.get("callbacks")).items():
            callback, cloc = resolve(index, raw, op.loc.child("callbacks", name))
            for expression, raw_item in as_dict(callback).items():
                item, iloc = resolve(index, raw_item, cloc.child(expression))
                for method, sub in as_dict(item).items():
                    if isinstance(sub, dict) and method in _METHODS:
                        yield iloc.child(method), sub, \
                            f"callback {name!r} {method.upper()} {expression} of {op.label}"


_METHODS = frozenset(("get", "put", "post", "delete", "options", "head", "patch", "trace"))


def refs_below(value: Any, loc: Loc) -> Iterator[tuple[Loc, dict[str, Any]]]:
    """Every object holding a ``$ref`` inside ``value`` (a small subtree the index does not
    walk: a callback, a link, an example map). Iterative; depth is bounded by the loader."""
    work: list[tuple[Any, Loc]] = [(value, loc)]
    while work:
        node, where = work.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield where, node
            work.extend((sub, where.child(key)) for key, sub in node.items()
                        if isinstance(sub, (dict, list)))
        elif isinstance(node, list):
            work.extend((sub, where.child(i)) for i, sub in enumerate(node)
                        if isinstance(sub, (dict, list)))


def extra_refs(index: Index) -> list[tuple[Loc, dict[str, Any]]]:
    """``$ref`` holders in the parts of an OpenAPI document the index does not walk:
    Example Objects, links and callbacks (with what is inside them)."""
    return memo(index, "extra_refs", lambda ix: list(_extra_refs(ix)))


def _extra_refs(index: Index) -> Iterator[tuple[Loc, dict[str, Any]]]:
    for holder in example_holders(index):
        for _, raw, use, _, _ in example_objects(index, holder):
            if is_ref(raw):
                yield use, raw
    for use, _, _, raw in links(index):
        if is_ref(raw):
            yield use, raw
    for name, raw in as_dict(as_dict(index.doc.get("components")).get("examples")).items():
        if is_ref(raw):
            yield index.root_loc.child("components", "examples", name), raw
    for op in unique_by_loc(index.operations):
        if "callbacks" in op.op:
            yield from refs_below(op.op["callbacks"], op.loc.child("callbacks"))
    for name, raw in as_dict(as_dict(index.doc.get("components")).get("callbacks")).items():
        yield from refs_below(raw, index.root_loc.child("components", "callbacks", name))


def ref_holders(index: Index) -> Iterator[tuple[Loc, dict[str, Any]]]:
    """Every object holding a ``$ref`` that the contract uses, each once: those the index
    followed, then those in Example Objects, links and callbacks."""
    seen: set[Loc] = set()
    for use in index.refs:
        if use.loc not in seen:
            seen.add(use.loc)
            yield use.loc, use.holder
    for loc, holder in extra_refs(index):
        if loc not in seen:
            seen.add(loc)
            yield loc, holder
