"""Pairing two AsyncAPI documents (2.6 or 3.x, either against either): servers, channels,
operations, messages, and the payload and headers schemas under them.

Both sides are first read into one model (asyncapi_model.py), so neither this walk nor the
rules ask which version they look at. An operation's messages are compared in the direction
its action gives (``send``: ``publish``, ``receive``: ``subscribe``); a 3.x reply flows the
other way. A message used by a sending and by a receiving operation is compared once in each
direction, and the engine reports each change once per direction with every operation it
affects.

Pairing: 3.x channels by id (a channel whose id changed but whose address did not is the same
channel), 3.x operations by id, 2.x channels by address and 2.x operations by action and
channel; 2.x operations still unpaired are then paired by operationId (so an operation that
changed channel or keyword is one operation that changed). 3.x messages are paired by their
id under the channel; 2.x messages by messageId / name / component name, else position
(``oneOf`` lists), and a 2.x operation's only message stays paired whatever its name.
Between a 2.x and a 3.x document, channels are paired by address, operations by action and
channel, and messages as in 2.x.

Ids are not on the wire, so an id that changed must not read as something removed and
something added (that would be breaking while no producer or consumer sees a difference).
3.x operations left unpaired are therefore paired by what the other side sees: action,
channel, messages and reply (first with the operation's bindings, then without), and at
last by action, channel and the ids of its messages; messages left unpaired by their name,
content type, payload and headers, then by name alone. The id change itself is then
information (async-operation-id-changed, message-id-changed), and any other difference is
reported by its own rule.

Channel parameters (3.x: ``enum``/``default`` on the parameter itself; 2.x: its ``schema``)
and server variables are compared by the schema rules in the ``subscribe`` direction, whatever
the operations' actions: they say which addresses exist, and the other side picks one. Fewer
addresses (an enum value removed, a pattern added or changed) breaks both ways: consumers of a
send operation still subscribed to a removed address hear nothing again, and producers to a
receive operation publish where nobody reads. More addresses only add (an enum value added).
Payloads in a schema format other than JSON Schema / AsyncAPI Schema (Avro, Protobuf, RAML)
are not compared by the schema rules: a change to them is reported as such, never silently
ignored. A removed or added channel is one change that lists its operations. Unused
components are not compared: they are part of no interface.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ledgerpact.governance.diff.asyncapi_model import (
    DIRECTION,
    NONE,
    SUBSCRIBE,
    At,
    Chan,
    Model,
    Msg,
    Obj,
    Op,
    at,
    canonical,
    is_json_schema_format,
    message_wire,
    read_model,
    read_security,
    through_ref,
)
from ledgerpact.governance.diff.engine import BASE, REV, Engine
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.schema_walk import compare_schemas
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- pairing ---------------------------------------------------------------------------------

T = TypeVar("T")


def pair_by(base: Iterable[T], rev: Iterable[T], key: Callable[[T], str],
            *fallbacks: Callable[[T], str | None]) -> list[tuple[T | None, T | None]]:
    """Pairs by ``key`` (in base order, then what was added); what is left unpaired on both
    sides is then paired by each ``fallback`` in turn, where it gives something."""
    def keyed(items: Iterable[T]) -> dict[str, T]:
        out: dict[str, T] = {}
        for item in items:
            k, n = key(item), 1
            while k in out:  # two 3.x channels at one address, compared by address
                n += 1
                k = f"{key(item)}#{n}"
            out[k] = item
        return out

    bkeys, rkeys = keyed(base), keyed(rev)
    pairs: list[tuple[T | None, T | None]] = [(b, rkeys.get(k)) for k, b in bkeys.items()]
    pairs += [(None, r) for k, r in rkeys.items() if k not in bkeys]
    for fallback in fallbacks:
        pairs = pair_leftovers(pairs, fallback)
    return pairs


def pair_leftovers(pairs: list[tuple[T | None, T | None]], fallback: Callable[[T], str | None]
                   ) -> list[tuple[T | None, T | None]]:
    """``pairs`` where a base item and a revision item both left unpaired have the same
    ``fallback`` value (not None) are paired, in order."""
    spare: dict[str, list[T]] = {}
    for b, r in pairs:
        found = fallback(r) if b is None and r is not None else None
        if found is not None:
            spare.setdefault(found, []).append(r)  # type: ignore[arg-type]
    if not spare:
        return pairs
    taken: set[int] = set()
    out: list[tuple[T | None, T | None]] = []
    for b, r in pairs:
        found = fallback(b) if r is None and b is not None else None
        if found is not None and spare.get(found):
            r = spare[found].pop(0)
            taken.add(id(r))
        out.append((b, r))
    return [(b, r) for b, r in out if b is not None or id(r) not in taken]


def pair_channels(bm: Model, rm: Model) -> list[tuple[Chan | None, Chan | None]]:
    """By id between 3.x documents (then by address for ids that changed), else by address;
    at last, channels still unpaired by the operations on them (see ``_moved_with``)."""
    both_v3 = bm.v3 and rm.v3
    side = {id(c): model for model in (bm, rm) for c in model.channels.values()}
    return pair_by(bm.channels.values(), rm.channels.values(),
                   lambda c: c.id if both_v3 else c.shown,
                   lambda c: c.address if both_v3 else None,
                   lambda c: _moved_with(side[id(c)], c))


def _moved_with(model: Model, chan: Chan) -> str | None:
    """The ids (and actions) of the operations on ``chan``, None when it has none with an
    id. A channel gone from the base and one new in the revision that carry the very same
    operations are one channel whose address (and 3.x id) changed: reported once, as
    channel-address-changed, not as a removed channel, an added one and each operation
    moving between them."""
    ops = sorted({(op.action, op.id) for op in model.ops.values()
                  if op.chan == chan.id and op.id})
    return json.dumps(ops) if ops else None


def pair_ops(bm: Model, rm: Model, *wire: Callable[[Op], str | None]
             ) -> list[tuple[Op | None, Op | None]]:
    """3.x by id, then ids that changed by what is on the wire (each of ``wire`` in turn,
    strictest first); otherwise by action and channel address, then leftovers by operation
    id (3.x id, 2.x operationId)."""
    if bm.v3 and rm.v3:
        return pair_by(bm.ops.values(), rm.ops.values(), lambda op: op.id, *wire)

    side = {id(op): model for model in (bm, rm) for op in model.ops.values()}

    def key(op: Op) -> str:
        return f"{op.action} {_shown(side[id(op)], op.chan)}"

    return pair_by(bm.ops.values(), rm.ops.values(), key, lambda op: op.id or None)


def _shown(model: Model, cid: str | None) -> str:
    chan = model.channels.get(cid) if cid else None
    return chan.shown if chan else "?"


def _own_name(msg: Msg) -> str | None:
    found = msg.obj.value.get("messageId") or msg.obj.value.get("name") or msg.key
    return str(found) if found is not None else None


def pair_messages(base: list[Msg], rev: list[Msg], loose: bool,
                  wire: Callable[[Msg], str | None] | None = None
                  ) -> list[tuple[Msg | None, Msg | None]]:
    """By key, unkeyed ones by position, then those left by what is on the ``wire`` (a
    message whose id changed and nothing else is the same message), then by ``name`` (its
    id and its contents changed: the contents are then compared). ``loose`` (a 2.x
    document on either side, where the key is the message's own name): the key is
    messageId / name on both sides, and an operation's only message stays paired whatever
    its name."""
    if len(base) == 1 and len(rev) == 1 and (loose or base[0].key == rev[0].key
                                             or base[0].loc == rev[0].loc):
        return [(base[0], rev[0])]
    key = _own_name if loose else (lambda m: m.key)
    rkeys = {key(m): m for m in rev if key(m) is not None}
    out: list[tuple[Msg | None, Msg | None]] = []
    used: set[int] = set()
    unkeyed_base = []
    for m in base:
        k = key(m)
        if k is None:
            unkeyed_base.append(m)
        elif k in rkeys:
            out.append((m, rkeys[k]))
            used.add(id(rkeys[k]))
        else:
            out.append((m, None))
    unkeyed_rev = [m for m in rev if key(m) is None]
    for b, r in zip(unkeyed_base, unkeyed_rev, strict=False):
        out.append((b, r))
        used.add(id(r))
    out += [(b, None) for b in unkeyed_base[len(unkeyed_rev):]]
    out += [(None, r) for r in rev if id(r) not in used]
    if wire is not None:
        out = pair_leftovers(out, wire)
    return pair_leftovers(out, _wire_name)


def _wire_name(msg: Msg) -> str | None:
    """A message's ``name``: what it is called on the wire, where the document says it."""
    name = msg.obj.value.get("name")
    return name if isinstance(name, str) else None


# -- the walk --------------------------------------------------------------------------------

def walk_asyncapi(engine: Engine, *, mirrored: bool = False) -> None:
    """``mirrored`` judges every message the other way round from its operation's action: a
    schema registry's compatibility mode asks how readers on one side meet data written on
    the other, which for an event a producer sends is not the way it flows now (compat.py)."""
    bm, rm = read_model(engine, BASE), read_model(engine, REV)
    walk = _Walk(engine, bm, rm, mirrored=mirrored)
    walk.servers()
    chan_pairs = pair_channels(bm, rm)
    walk.chan_map = {b.id: r.id for b, r in chan_pairs if b is not None and r is not None}
    walk.removed_chans = {b.id for b, r in chan_pairs if b is not None and r is None}
    walk.added_chans = {r.id for b, r in chan_pairs if b is None and r is not None}
    for b, r in chan_pairs:
        walk.channel(b, r)
    side = {id(op): model for model in (bm, rm) for op in model.ops.values()}
    op_pairs = pair_ops(bm, rm, lambda op: walk.op_wire(side[id(op)], op, bindings=True),
                        lambda op: walk.op_wire(side[id(op)], op, bindings=False),
                        lambda op: walk.op_named(side[id(op)], op))
    for bop, rop in op_pairs:
        walk.operation(bop, rop)
    walk.unused_channel_messages(chan_pairs)
    walk.document()


@dataclass
class _Walk:
    engine: Engine
    bm: Model
    rm: Model
    mirrored: bool = False
    chan_map: dict[str, str] = field(default_factory=dict)
    removed_chans: set[str] = field(default_factory=set)
    added_chans: set[str] = field(default_factory=set)
    default_used: bool = False
    wires: dict[tuple[int, Loc], str] = field(default_factory=dict)

    # what is on the wire, to pair what was only renamed ----------------------------------------

    def msg_wire(self, model: Model, msg: Msg) -> str:
        key = (model.side, msg.loc)
        found = self.wires.get(key)
        if found is None:
            found = self.wires[key] = message_wire(self.engine, model, msg)
        return found

    def chan_wire(self, model: Model, cid: str | None) -> str:
        """A channel as the revision names it (a base channel by its revision pair), so a
        channel whose id changed is still the same place on the wire."""
        if cid is None:
            return ""
        if model is self.rm:
            return cid
        paired = self.chan_map.get(cid)
        return paired if paired is not None else f"\0{cid}"  # gone: pairs with nothing

    def op_wire(self, model: Model, op: Op, bindings: bool) -> str:
        """What of an operation the other side sees: its action, channel, messages and
        reply (and, strictest, its bindings: the routing keys it sends with)."""
        wire: list[Any] = [op.action, self.chan_wire(model, op.chan),
                           sorted(self.msg_wire(model, m) for m in op.messages)]
        if op.reply is not None:
            address = op.reply.address[0] if op.reply.address else None
            wire.append([self.chan_wire(model, op.reply.chan), canonical(address),
                         sorted(self.msg_wire(model, m) for m in op.reply.messages)])
        if bindings and op.obj.has("bindings"):
            wire.append(canonical(through_ref(self.engine, model.side,
                                              op.obj.value["bindings"],
                                              op.obj.at("bindings"))))
        return json.dumps(wire, sort_keys=True, default=str)

    def op_named(self, model: Model, op: Op) -> str:
        """Loosest: an operation whose id changed along with its messages' contents (not
        their ids) is still the one with that action on that channel for those messages."""
        wire: list[Any] = [op.action, self.chan_wire(model, op.chan),
                           sorted(str(m.key) for m in op.messages)]
        if op.reply is not None:
            wire.append([self.chan_wire(model, op.reply.chan),
                         sorted(str(m.key) for m in op.reply.messages)])
        return json.dumps(wire)

    # servers --------------------------------------------------------------------------------

    def server_labels(self, model: Model, name: str) -> set[str]:
        return {label for chan in model.channels.values()
                if chan.servers is None or name in chan.servers for label in chan.labels}

    def servers(self) -> None:
        bm, rm, engine = self.bm, self.rm, self.engine
        for bname, rname in pair_by(bm.servers, rm.servers, str, lambda _: None):
            name = bname or rname
            assert name is not None
            b, bl = bm.servers.get(name, (None, None))
            r, rl = rm.servers.get(name, (None, None))
            affects = tuple(sorted(self.server_labels(bm, name) | self.server_labels(rm, name)))
            pair = Pair("server", b, r, bl, rl, NONE, f"server {name!r}", engine,
                        affects=affects, info={"name": name, "base": _server_facts(b, bl, bm),
                                               "rev": _server_facts(r, rl, rm)})
            engine.run(pair)
            if not pair.both:
                continue
            assert bl is not None and rl is not None
            self.variables(pair, b, bl, r, rl, affects)
            bobj, robj = Obj(b, bl, ((b, bl),)), Obj(r, rl, ((r, rl),))
            self.security(pair.subject, bobj, robj, affects)
            self.bindings("server", pair.subject, bobj, robj, affects)

    def variables(self, server: Pair, b: dict[str, Any], bl: Loc, r: dict[str, Any], rl: Loc,
                  affects: tuple[str, ...]) -> None:
        engine = self.engine
        bvars = _resolved_map(engine, BASE, b.get("variables"), bl.child("variables"))
        rvars = _resolved_map(engine, REV, r.get("variables"), rl.child("variables"))
        if not bvars and not rvars:
            return
        engine.run(Pair("variables", bvars, rvars, bl, rl, NONE, server.subject, engine,
                        affects=affects, info={"holder": "server", "base": bvars,
                                               "rev": rvars}))
        for name in bvars.keys() & rvars.keys():
            (bv, bvl), (rv, rvl) = bvars[name], rvars[name]
            for label in affects or (server.subject,):
                compare_schemas(engine, bv, bvl, rv, rvl, SUBSCRIBE, label,
                                f"{server.subject} variable {name!r}")

    # security -------------------------------------------------------------------------------

    def security(self, subject: str, b: Obj, r: Obj, affects: tuple[str, ...]) -> None:
        if not b.has("security") and not r.has("security"):
            return
        bl = _loc(b.at("security")) if b.has("security") else b.loc
        rl = _loc(r.at("security")) if r.has("security") else r.loc
        bsec = read_security(self.engine, self.bm, b.value.get("security"), bl)
        rsec = read_security(self.engine, self.rm, r.value.get("security"), rl)
        self.engine.run(Pair("async-security", bsec, rsec, bl, rl, NONE, subject, self.engine,
                             affects=affects))

    # bindings -------------------------------------------------------------------------------

    def bindings(self, holder: str, subject: str, b: Obj, r: Obj,
                 affects: tuple[str, ...]) -> None:
        if not b.has("bindings") and not r.has("bindings"):
            return
        bprot, bbl = self.protocols(BASE, b)
        rprot, rbl = self.protocols(REV, r)
        if _plain(bprot) == _plain(rprot):
            return
        self.engine.run(Pair("binding", bprot, rprot, bbl, rbl, NONE, subject, self.engine,
                             affects=affects, info={"holder": holder}))

    def protocols(self, side: int, obj: Obj) -> tuple[dict[str, tuple[Any, Loc]], Loc]:
        """Each protocol's binding, resolved, at the place it is written (the object's
        own bindings, or a trait's)."""
        if "bindings" not in obj.value:
            return {}, obj.loc
        written = _loc(obj.at("bindings"))
        node, loc = self.engine.resolve(side, obj.value["bindings"], written)
        if loc != written or len(obj.sources) == 1:
            return _resolved_map(self.engine, side, node, loc), loc
        out = {}
        for protocol, value in _dict(node).items():
            where = _loc(obj.at("bindings", protocol))
            try:
                out[protocol] = self.engine.resolve(side, value, where)
            except InputError:
                out[protocol] = (value, where)
        return out, loc

    # channels -------------------------------------------------------------------------------

    def channel(self, b: Chan | None, r: Chan | None) -> None:
        engine = self.engine
        labels = tuple(sorted({*(self.kept_labels(b, r) if b else ()),
                               *(r.labels if r else ())}))
        shown = (r or b).shown  # type: ignore[union-attr]
        affects = labels or (f"channel {shown}",)
        pair = Pair("channel", b.node if b else None, r.node if r else None,
                    b.loc if b else None, r.loc if r else None, NONE, f"channel {shown!r}",
                    engine, affects=affects, info={"base": b, "rev": r})
        if b is not None and r is not None:
            pair.info["base_servers"] = _effective_servers(b, self.bm)
            pair.info["rev_servers"] = _effective_servers(r, self.rm)
            pair.info["removed_servers"] = set(self.bm.servers) - set(self.rm.servers)
            pair.info["added_servers"] = set(self.rm.servers) - set(self.bm.servers)
        engine.run(pair)
        if b is None or r is None:
            return
        self.parameters(b, r, affects)
        self.bindings("channel", pair.subject, Obj(b.node, b.loc, ((b.node, b.loc),)),
                      Obj(r.node, r.loc, ((r.node, r.loc),)), affects)

    def kept_labels(self, b: Chan, r: Chan | None) -> list[str]:
        """The base channel's operations, but those the revision channel still carries (by
        id): a 2.x label names the address, and a channel that moved would else list each
        such operation twice, under its old and its new address."""
        if r is None:
            return b.labels
        moved = {op.id for op in self.rm.ops.values() if op.chan == r.id and op.id}
        return [label for label in b.labels
                if (op := self.bm.ops.get(label)) is None or op.id not in moved]

    def parameters(self, b: Chan, r: Chan, affects: tuple[str, ...]) -> None:
        engine = self.engine
        bparams = _resolved_map(engine, BASE, b.node.get("parameters"),
                                b.loc.child("parameters"))
        rparams = _resolved_map(engine, REV, r.node.get("parameters"),
                                r.loc.child("parameters"))
        if not bparams and not rparams:
            return
        engine.run(Pair("variables", bparams, rparams, b.loc, r.loc, NONE,
                        f"channel {r.shown!r}", engine, affects=affects,
                        info={"holder": "channel", "base": bparams, "rev": rparams,
                              "address_changed": b.address != r.address}))
        for name in bparams.keys() & rparams.keys():
            (bp, bpl), (rp, rpl) = bparams[name], rparams[name]
            bs, bsl = _parameter_schema(bp, bpl, self.bm.v3)
            rs, rsl = _parameter_schema(rp, rpl, self.rm.v3)
            if not isinstance(bs, dict) or not isinstance(rs, dict):
                continue
            for label in affects:  # the addresses the other side picks: see the docstring
                compare_schemas(engine, bs, bsl, rs, rsl, SUBSCRIBE, label,
                                f"channel {r.shown!r} parameter {name!r}")

    def unused_channel_messages(self, chan_pairs: list[tuple[Chan | None, Chan | None]]
                                ) -> None:
        """3.x channel messages no operation uses, on either side: compared with no
        direction known (so at the stricter level of the two)."""
        for b, r in chan_pairs:
            if b is None or r is None:
                continue
            label = f"channel {r.shown}"
            used_b, used_r = self.bm.used, self.rm.used
            bmsgs = [m for k, m in b.messages.items()
                     if (b.id, k) not in used_b and (r.id, k) not in used_r]
            rmsgs = [m for k, m in r.messages.items()
                     if (r.id, k) not in used_r and (b.id, k) not in used_b]
            if bmsgs or rmsgs:
                self.messages(bmsgs, rmsgs, NONE, label, f"channel {r.shown!r}")

    # operations -----------------------------------------------------------------------------

    def operation(self, b: Op | None, r: Op | None) -> None:
        engine = self.engine
        if b is not None and r is None and b.chan in self.removed_chans:
            return  # reported once, with the channel
        if b is None and r is not None and r.chan in self.added_chans:
            return
        label = (r or b).label  # type: ignore[union-attr]
        info: dict[str, Any] = {"base": b, "rev": r,
                                "base_channel": self.chan_map.get(b.chan) if b and b.chan
                                else None,
                                "base_channel_shown": _shown(self.bm, b.chan) if b else None,
                                "rev_channel_shown": _shown(self.rm, r.chan) if r else None,
                                "chan_map": self.chan_map}
        pair = Pair("async-operation", b.obj.value if b else None, r.obj.value if r else None,
                    b.obj.loc if b else None, r.obj.loc if r else None, NONE, label, engine,
                    affects=(label,), info=info)
        engine.run(pair)
        if b is None or r is None:
            return
        affects = (label,)
        self.security(label, b.obj, r.obj, affects)
        self.bindings("operation", label, b.obj, r.obj, affects)
        direction = DIRECTION.get(r.action, NONE)
        if self.mirrored:
            direction = direction.mirror
        self.messages(b.messages, r.messages, direction, label, label)
        if b.reply is not None and r.reply is not None:
            self.messages(b.reply.messages, r.reply.messages, direction.mirror, label,
                          f"{label} reply")

    # messages -------------------------------------------------------------------------------

    def messages(self, base: list[Msg], rev: list[Msg], direction: Direction, label: str,
                 subject: str) -> None:
        in_base = {id(m) for m in base}

        def wire(msg: Msg) -> str:
            return self.msg_wire(self.bm if id(msg) in in_base else self.rm, msg)

        for b, r in pair_messages(base, rev, not self.bm.v3 or not self.rm.v3, wire):
            self.message(b, r, direction, label, subject)

    def message(self, b: Msg | None, r: Msg | None, direction: Direction, label: str,
                holder: str) -> None:
        engine = self.engine
        name = (r or b).name  # type: ignore[union-attr]
        subject = f"message {name!r}"
        bfacts = self.facts(b, self.bm) if b else None
        rfacts = self.facts(r, self.rm) if r else None
        if b is not None and r is not None:
            pair = Pair("message", b.obj.value, r.obj.value, b.loc, r.loc, direction, subject,
                        engine, affects=(label,), info={"base": bfacts, "rev": rfacts,
                                                        "holder": holder, "base_msg": b,
                                                        "rev_msg": r,
                                                        "mixed": self.bm.v3 != self.rm.v3})
        else:
            pair = Pair("message", b.obj.value if b else None, r.obj.value if r else None,
                        b.use if b else None, r.use if r else None, direction, subject, engine,
                        affects=(label,), info={"base": bfacts, "rev": rfacts,
                                                "holder": holder})
        engine.run(pair)
        if b is None or r is None or bfacts is None or rfacts is None:
            return
        for part in ("payload", "headers"):
            bp, rp = bfacts[part], rfacts[part]
            if bp is None or rp is None or not (bp.json and rp.json):
                continue
            compare_schemas(engine, bp.schema, bp.loc, rp.schema, rp.loc, direction, label,
                            f"{subject} {part}")
        self.bindings("message", subject, b.obj, r.obj, (label,))

    def facts(self, msg: Msg, model: Model) -> dict[str, Any]:
        """What the message rules compare, each with the place it is written at."""
        value, obj = msg.obj.value, msg.obj
        facts: dict[str, Any] = {"name": msg.name}
        if "contentType" in value:
            facts["content_type"] = (value["contentType"], obj.at("contentType"), False)
        elif model.default_ct is not None:
            facts["content_type"] = (*model.default_ct, True)
            self.default_used = True
        else:
            facts["content_type"] = None
        correlation = value.get("correlationId")
        if correlation is not None:
            cat = obj.at("correlationId")
            node, cloc = self.engine.resolve(model.side, correlation, _loc(cat))
            node = _dict(node)
            facts["correlation"] = (node.get("location"),
                                    at(cloc, "location") if "location" in node else at(cloc))
        else:
            facts["correlation"] = None
        for part in ("payload", "headers"):
            found = _schema_part(value, obj, part, model.v3)
            if found is not None and not found.json:
                try:
                    opaque, _ = self.engine.resolve(model.side, found.schema, found.loc)
                except InputError:  # a URL: never fetched, compared as written
                    opaque = found.schema
                found = SchemaPart(found.schema, found.loc, found.format, found.format_at,
                                   False, opaque)
            facts[part] = found
        return facts

    # the document ---------------------------------------------------------------------------

    def document(self) -> None:
        engine = self.engine
        self.engine.run(Pair("document", self.bm.doc, self.rm.doc, self.bm.root, self.rm.root,
                             NONE, "the document", engine,
                             info={"asyncapi": True, "default_used": self.default_used,
                                   "base_ct": self.bm.default_ct,
                                   "rev_ct": self.rm.default_ct}))


@dataclass(frozen=True)
class SchemaPart:
    schema: Any
    loc: Loc
    format: Any  # None: the default (AsyncAPI Schema)
    format_at: At | None
    json: bool
    value: Any = None  # not JSON Schema: the schema through its local $ref, to compare whole


def _parameter_schema(param: Any, loc: Loc, v3: bool) -> tuple[Any, Loc]:
    """What a channel parameter accepts, as a schema: 2.x has one; a 3.x parameter is a
    string with an optional enum and default, written on the parameter itself (its
    ``location`` is not a schema keyword: channel-parameter-location-changed reports it)."""
    if not isinstance(param, dict):
        return None, loc
    if not v3:
        return param.get("schema"), loc.child("schema")
    return {"type": "string", **{k: v for k, v in param.items() if k in _PARAM_SCHEMA}}, loc


# What of a 3.x parameter says which values it takes (the rest documents or locates it).
_PARAM_SCHEMA = ("enum", "default", "description", "examples")


def _schema_part(value: dict[str, Any], obj: Obj, part: str, v3: bool) -> SchemaPart | None:
    if part not in value:
        return None
    node = value[part]
    loc = _loc(obj.at(part))
    fmt, fmt_at = None, None
    if v3 and isinstance(node, dict) and "schemaFormat" in node and "schema" in node:
        fmt, fmt_at = node["schemaFormat"], at(loc, "schemaFormat")
        node, loc = node["schema"], loc.child("schema")
    elif not v3 and part == "payload" and "schemaFormat" in value:
        fmt, fmt_at = value["schemaFormat"], obj.at("schemaFormat")
    return SchemaPart(node, loc, fmt, fmt_at, is_json_schema_format(fmt))


def _loc(where: At) -> Loc:
    return Loc(*where)


def _server_facts(server: dict[str, Any] | None, loc: Loc | None,
                  model: Model) -> dict[str, Any] | None:
    if server is None or loc is None:
        return None
    facts: dict[str, Any] = {}
    if model.v3:
        for key in ("host", "pathname"):
            facts[key] = (server.get(key), at(loc, key) if key in server else at(loc))
    else:
        url = server.get("url")
        where = at(loc, "url") if "url" in server else at(loc)
        facts["url"] = (url, where)
        # For a 3.x counterpart: the URL's host and path (its scheme is the protocol).
        rest = str(url).split("://", 1)[-1] if isinstance(url, str) else ""
        host, _, path = rest.partition("/")
        facts["host"] = (host or None, where)
        facts["pathname"] = (f"/{path}" if path else None, where)
    for key in ("protocol", "protocolVersion"):
        facts[key] = (server.get(key), at(loc, key) if key in server else at(loc))
    return facts


def _effective_servers(chan: Chan, model: Model) -> set[str]:
    return set(model.servers) if chan.servers is None else set(chan.servers)


def _resolved_map(engine: Engine, side: int, value: Any, loc: Loc
                  ) -> dict[str, tuple[Any, Loc]]:
    """A map's entries, each through its ``$ref`` (an entry whose ``$ref`` cannot be followed,
    a URL, stays as written)."""
    out: dict[str, tuple[Any, Loc]] = {}
    for key, entry in _dict(value).items():
        where = loc.child(key)
        try:
            out[key] = engine.resolve(side, entry, where)
        except InputError:
            out[key] = (entry, where)
    return out


def _plain(entries: dict[str, tuple[Any, Loc]]) -> dict[str, Any]:
    return {k: v for k, (v, _) in entries.items()}
