"""One AsyncAPI document (2.6 or 3.x) read into a model the diff rules share, whatever its
version.

An operation has an action seen from the documented application: ``send`` (3.x ``send``,
2.x ``subscribe``: the application publishes, consumers read) or ``receive`` (3.x
``receive``, 2.x ``publish``: producers write, the application reads). Its messages are the
3.x operation's list (or all its channel's messages), or the 2.x operation's message or
``oneOf`` list. Traits are applied (3.x: the object's own values win; 2.x: traits are merged
over it, in order), and every value keeps the place it is written at, so a change in a shared
trait is located at the trait. Security requirements become alternatives of schemes with
scopes (2.x ``{name: scopes}`` objects; 3.x one scheme per entry, with its own ``scopes``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ledgerpact.governance.diff.engine import Engine
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.refs import is_ref, parse_ref

SEND, RECEIVE = "send", "receive"
NONE, PUBLISH, SUBSCRIBE = Direction.NONE, Direction.PUBLISH, Direction.SUBSCRIBE
DIRECTION = {SEND: PUBLISH, RECEIVE: SUBSCRIBE}
# 2.x operation keywords, seen from the documented application.
V2_ACTION = {"subscribe": SEND, "publish": RECEIVE}
# Schema formats the schema rules understand (AsyncAPI Schema is a superset of JSON Schema).
JSON_FORMATS = ("application/vnd.aai.asyncapi", "application/schema+json",
                "application/schema+yaml")
At = tuple[str, str]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def at(loc: Loc, *tokens: str | int) -> At:
    return tuple(loc.child(*tokens) if tokens else loc)  # type: ignore[return-value]


def is_json_schema_format(fmt: Any) -> bool:
    return fmt is None or (isinstance(fmt, str) and fmt.lower().startswith(JSON_FORMATS))


# -- objects with their traits ---------------------------------------------------------------

@dataclass
class Obj:
    """An object with its traits applied, and where each of its values is written: the
    object's own place, or the trait's."""

    value: dict[str, Any]
    loc: Loc
    sources: tuple[tuple[dict[str, Any], Loc], ...] = ()  # highest precedence first

    def at(self, *tokens: str | int) -> At:
        for node, loc in self.sources:
            current: Any = node
            for token in tokens:
                inside = (token in current if isinstance(current, dict) else
                          isinstance(current, list) and isinstance(token, int)
                          and 0 <= token < len(current))
                if inside:
                    current = current[token]
                else:
                    break
            else:
                return at(loc, *tokens)
        return at(self.loc, *tokens)

    def has(self, key: str) -> bool:
        return key in self.value


def _merge(low: Any, high: Any) -> Any:
    """JSON Merge Patch of ``high`` over ``low``; a ``$ref`` is a value, never merged into."""
    if isinstance(low, dict) and isinstance(high, dict) and not is_ref(low) \
            and not is_ref(high):
        out = dict(low)
        for key, value in high.items():
            out[key] = _merge(low[key], value) if key in low else value
        return out
    return high


def with_traits(engine: Engine, side: int, node: dict[str, Any], loc: Loc,
                v3: bool) -> Obj:
    traits = []
    for i, trait in enumerate(_list(node.get("traits"))):
        value, tloc = engine.resolve(side, trait, loc.child("traits", i))
        if isinstance(value, dict):
            traits.append((value, tloc))
    if not traits:
        return Obj(node, loc, ((node, loc),))
    own = ({k: v for k, v in node.items() if k != "traits"}, loc)
    # 3.x: a trait never overrides the object; 2.x: traits are merged over it, in order.
    ordered = [own, *reversed(traits)] if v3 else [*reversed(traits), own]
    merged: Any = {}
    for value, _ in reversed(ordered):
        merged = _merge(merged, value)
    return Obj(merged, loc, tuple(ordered))


# -- one side, read into the common model ----------------------------------------------------

@dataclass
class Msg:
    key: str | None  # what pairs it (None: its position does)
    use: Loc  # where the operation or channel names it
    obj: Obj  # resolved, traits applied
    name: str  # how messages call it
    # The id the document gives it, which is not on the wire (3.x: its key under the
    # channel's messages; 2.x: its messageId), and where that id is written.
    id: str | None = None
    id_at: At | None = None

    @property
    def loc(self) -> Loc:
        return self.obj.loc


@dataclass
class Chan:
    id: str  # 3.x: key under channels; 2.x: the address
    address: str | None
    node: dict[str, Any]
    loc: Loc
    messages: dict[str, Msg] = field(default_factory=dict)  # 3.x: by id
    servers: list[str] | None = None  # None: every server
    labels: list[str] = field(default_factory=list)  # operations on it

    @property
    def shown(self) -> str:
        return self.address if isinstance(self.address, str) else self.id


@dataclass
class Reply:
    node: dict[str, Any]
    loc: Loc
    chan: str | None
    address: tuple[Any, Loc] | None
    messages: list[Msg]


@dataclass
class Op:
    id: str  # 3.x: key under operations; 2.x: operationId or ''
    label: str
    action: str  # send | receive
    chan: str | None  # channel id on the same side
    obj: Obj
    messages: list[Msg]
    reply: Reply | None = None
    keyword: str = ""  # 2.x: publish | subscribe
    id_at: At | None = None  # where the id is written (3.x: the key; 2.x: operationId)


@dataclass
class Model:
    side: int
    v3: bool
    doc: dict[str, Any]
    root: Loc
    servers: dict[str, tuple[dict[str, Any], Loc]] = field(default_factory=dict)
    channels: dict[str, Chan] = field(default_factory=dict)
    ops: dict[str, Op] = field(default_factory=dict)  # by label
    default_ct: tuple[Any, At] | None = None
    used: set[tuple[str, str]] = field(default_factory=set)  # (channel, message) in use

    def label_of(self, action: str, op_id: str, chan: Chan | None, keyword: str) -> str:
        if self.v3:
            return f"{action} {op_id}"
        return f"{keyword} {chan.shown if chan else '?'}"


def read_model(engine: Engine, side: int) -> Model:
    doc_side = engine.sides[side]
    doc = _dict(doc_side.data)
    root = Loc(doc_side.root, "")
    model = Model(side, str(doc.get("asyncapi", "")).startswith("3"), doc, root)
    if "defaultContentType" in doc:
        model.default_ct = (doc["defaultContentType"], at(root, "defaultContentType"))
    for name, server in _dict(doc.get("servers")).items():
        value, loc = engine.resolve(side, server, root.child("servers", name))
        if isinstance(value, dict):
            model.servers[name] = (value, loc)
    if model.v3:
        _read_v3(engine, model)
    else:
        _read_v2(engine, model)
    return model


def _first_target(engine: Engine, side: int, node: Any, loc: Loc) -> Loc | None:
    """Where a ``$ref`` points before its chain is followed (None when it cannot be read)."""
    if not is_ref(node):
        return None
    try:
        target = parse_ref(node["$ref"], loc.file, loc.pointer + "/$ref", engine.sides[side].ws)
    except InputError:
        return None
    return Loc(target.file, target.pointer)


def _message(engine: Engine, model: Model, node: Any, use: Loc, key: str | None,
             name: str | None = None) -> Msg | None:
    value, loc = engine.resolve(model.side, node, use)
    if not isinstance(value, dict):
        return None
    obj = with_traits(engine, model.side, value, loc, model.v3)
    shown = name or obj.value.get("name") or obj.value.get("messageId") or key
    if shown is None:
        shown = loc.pointer.rsplit("/", 1)[-1]
    return Msg(key, use, obj, str(shown))


def _read_v3(engine: Engine, model: Model) -> None:
    side, root, doc = model.side, model.root, model.doc
    by_use: dict[Loc, tuple[str, str]] = {}  # channel message entry -> (channel, message)
    by_loc: dict[Loc, str] = {}  # resolved channel -> id
    for cid, channel in _dict(doc.get("channels")).items():
        value, loc = engine.resolve(side, channel, root.child("channels", cid))
        if not isinstance(value, dict):
            continue
        address = value.get("address")
        chan = Chan(cid, address if isinstance(address, str) else None, value, loc)
        servers = value.get("servers")
        if isinstance(servers, list):
            chan.servers = [s for s in (_server_name(engine, model, s, loc.child("servers", i))
                                        for i, s in enumerate(servers)) if s]
        for mid, message in _dict(value.get("messages")).items():
            use = loc.child("messages", mid)
            msg = _message(engine, model, message, use, mid, mid)
            if msg is not None:
                msg.id, msg.id_at = mid, at(use)
                chan.messages[mid] = msg
                by_use[use] = (cid, mid)
        model.channels[cid] = chan
        by_loc.setdefault(loc, cid)

    def channel_of(node: Any, loc: Loc) -> str | None:
        first = _first_target(engine, side, node, loc)
        if first is not None:
            tokens = first.pointer.split("/")
            if len(tokens) == 3 and tokens[1] == "channels" and tokens[2] in model.channels:
                return tokens[2]
        if is_ref(node):
            try:
                _, target = engine.resolve(side, node, loc)
            except InputError:
                return None
            return by_loc.get(target)
        return None

    def messages_of(holder: dict[str, Any], hloc: Loc, cid: str | None) -> list[Msg]:
        chan = model.channels.get(cid) if cid else None
        if "messages" not in holder:
            return list(chan.messages.values()) if chan else []
        out = []
        for i, ref in enumerate(_list(holder.get("messages"))):
            use = hloc.child("messages", i)
            first = _first_target(engine, side, ref, use)
            known = by_use.get(first) if first is not None else None
            if known is not None and known[0] in model.channels:
                found = model.channels[known[0]].messages.get(known[1])
                if found is not None:
                    out.append(Msg(found.key, use, found.obj, found.name, found.id,
                                   found.id_at))
                    continue
            msg = _message(engine, model, ref, use, None)
            if msg is not None:
                msg.key = msg.id = msg.loc.pointer.rsplit("/", 1)[-1]
                msg.id_at = at(msg.loc)
                out.append(msg)
        return out

    for oid, op in _dict(doc.get("operations")).items():
        value, loc = engine.resolve(side, op, root.child("operations", oid))
        if not isinstance(value, dict):
            continue
        obj = with_traits(engine, side, value, loc, True)
        action = str(value.get("action", ""))
        cid = channel_of(value.get("channel"), loc.child("channel"))
        chan = model.channels.get(cid) if cid else None
        label = model.label_of(action, oid, chan, "")
        reply = None
        if "reply" in value:
            rvalue, rloc = engine.resolve(side, value["reply"], loc.child("reply"))
            if isinstance(rvalue, dict):
                rcid = channel_of(rvalue.get("channel"), rloc.child("channel")) \
                    if "channel" in rvalue else None
                address = None
                if "address" in rvalue:
                    avalue, aloc = engine.resolve(side, rvalue["address"], rloc.child("address"))
                    address = (avalue, aloc)
                reply = Reply(rvalue, rloc, rcid, address, messages_of(rvalue, rloc, rcid))
        messages = messages_of(value, loc, cid)
        model.ops[label] = Op(oid, label, action, cid, obj, messages, reply,
                              id_at=at(root.child("operations", oid)))
        model.used.update((cid or "", m.key or "") for m in messages)
        if reply is not None:
            model.used.update((reply.chan or "", m.key or "") for m in reply.messages)
        if chan is not None:
            chan.labels.append(label)
        rchan = model.channels.get(reply.chan) if reply and reply.chan else None
        if rchan is not None:
            rchan.labels.append(label)


def _server_name(engine: Engine, model: Model, node: Any, loc: Loc) -> str | None:
    """The name of a server a channel lists (2.x: the name; 3.x: a ``$ref``)."""
    if isinstance(node, str):
        return node
    first = _first_target(engine, model.side, node, loc)
    if first is not None:
        tokens = first.pointer.split("/")
        if len(tokens) == 3 and tokens[1] == "servers":
            return tokens[2]
        return tokens[-1]
    return None


def _read_v2(engine: Engine, model: Model) -> None:
    side, root = model.side, model.root
    for address, channel in _dict(model.doc.get("channels")).items():
        value, loc = engine.resolve(side, channel, root.child("channels", address))
        if not isinstance(value, dict):
            continue
        chan = Chan(address, address, value, loc)
        if isinstance(value.get("servers"), list):
            chan.servers = [s for s in value["servers"] if isinstance(s, str)]
        model.channels[address] = chan
        for keyword in ("subscribe", "publish"):
            op = value.get(keyword)
            if not isinstance(op, dict):
                continue
            oloc = loc.child(keyword)
            obj = with_traits(engine, side, op, oloc, False)
            action = V2_ACTION[keyword]
            messages: list[Msg] = []
            holder = op.get("message")
            if isinstance(holder, dict) and isinstance(holder.get("oneOf"), list):
                entries = [(m, oloc.child("message", "oneOf", i))
                           for i, m in enumerate(holder["oneOf"])]
            elif holder is not None:
                entries = [(holder, oloc.child("message"))]
            else:
                entries = []
            for node, use in entries:
                msg = _message(engine, model, node, use, None)
                if msg is None:
                    continue
                key = msg.obj.value.get("messageId") or msg.obj.value.get("name")
                if key is None and is_ref(node):
                    key = msg.loc.pointer.rsplit("/", 1)[-1]
                msg.key = str(key) if key is not None else None
                if "messageId" in msg.obj.value:
                    msg.id = str(msg.obj.value["messageId"])
                    msg.id_at = msg.obj.at("messageId")
                messages.append(msg)
            label = model.label_of(action, "", chan, keyword)
            model.ops[label] = Op(str(op.get("operationId", "")), label, action, address, obj,
                                  messages, keyword=keyword,
                                  id_at=obj.at("operationId") if obj.has("operationId")
                                  else None)
            chan.labels.append(label)


# -- what is on the wire ---------------------------------------------------------------------

# Keys that only document, wherever they are not a property's name.
_DOC_KEYS = frozenset({"description", "summary", "title", "examples", "example",
                       "externalDocs", "tags", "$comment"})
# Maps whose keys are names (a property called "title" is not documentation).
_NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions",
                    "dependentSchemas"})


def canonical(node: Any, named: bool = False) -> Any:
    """``node`` without its documentation, so two nodes that differ only in what they
    document compare equal."""
    if isinstance(node, dict):
        return {k: canonical(v, k in _NAMED) for k, v in node.items()
                if named or k not in _DOC_KEYS}
    if isinstance(node, list):
        return [canonical(v) for v in node]
    return node


def through_ref(engine: Engine, side: int, node: Any, where: At) -> Any:
    try:
        return engine.resolve(side, node, Loc(*where))[0]
    except InputError:  # a URL: never fetched, compared as written
        return node


def message_wire(engine: Engine, model: Model, msg: Msg) -> str:
    """What of a message producers and consumers see (its name, content type, payload and
    headers), as one comparable text: two messages the document names apart but that are
    the same on the wire are the same message renamed. Schemas are compared through their
    own ``$ref``, below it as written."""
    value, obj = msg.obj.value, msg.obj
    content_type = value.get("contentType", model.default_ct[0] if model.default_ct else None)
    if isinstance(content_type, str):
        content_type = content_type.strip().lower()
    wire: dict[str, Any] = {"name": value.get("name"), "contentType": content_type}
    for part in ("payload", "headers"):
        if part in value:
            wire[part] = canonical(through_ref(engine, model.side, value[part], obj.at(part)))
    return json.dumps(wire, sort_keys=True, default=str)


@dataclass(frozen=True)
class Requirement:
    """One security alternative: the schemes it needs, each with its scopes."""

    schemes: dict[str, tuple[list[str], At]]  # scheme -> (scopes, where the scopes are)
    at: At


@dataclass(frozen=True)
class Security:
    alternatives: list[Requirement]
    definitions: dict[str, tuple[dict[str, Any], Loc]]  # scheme -> its definition


def read_security(engine: Engine, model: Model, value: Any, loc: Loc) -> Security:
    """Security requirements as alternatives of schemes with scopes (2.x: ``{name: scopes}``
    objects; 3.x: one scheme per entry, a ``$ref`` or inline, with its own ``scopes``)."""
    alternatives: list[Requirement] = []
    definitions: dict[str, tuple[dict[str, Any], Loc]] = {}
    components = _dict(_dict(model.doc.get("components")).get("securitySchemes"))
    schemes_loc = model.root.child("components", "securitySchemes")
    for i, entry in enumerate(_list(value)):
        where = loc.child(i)
        if model.v3:
            try:
                node, nloc = engine.resolve(model.side, entry, where)
            except InputError:
                continue
            node = _dict(node)
            first = _first_target(engine, model.side, entry, where)
            name = first.pointer.rsplit("/", 1)[-1] if first is not None else \
                f"{node.get('type', '?')} scheme"
            scopes = [s for s in _list(node.get("scopes")) if isinstance(s, str)]
            definitions[name] = (node, nloc)
            alternatives.append(Requirement(
                {name: (scopes, at(nloc, "scopes") if "scopes" in node else at(nloc))},
                at(where)))
        elif isinstance(entry, dict):
            schemes = {}
            for name, scopes in entry.items():
                schemes[name] = ([s for s in _list(scopes) if isinstance(s, str)],
                                 at(where, name))
                if name in components:
                    try:
                        node, nloc = engine.resolve(model.side, components[name],
                                                    schemes_loc.child(name))
                    except InputError:
                        continue
                    definitions[name] = (_dict(node), nloc)
            alternatives.append(Requirement(schemes, at(where)))
    return Security(alternatives, definitions)
