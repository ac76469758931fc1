"""Comparing two schemas: pair their parts, run the schema rules on each pair, descend.

The walk stays inside one unit for inline subschemas and crosses into another unit at every
``$ref`` (see engine.py). Units still to compare wait in a queue instead of the call stack, so
a long chain of components cannot exhaust Python's recursion limit and a cycle ends as soon as
its first unit is met again. ``allOf`` is merged before comparing, so moving properties between
a schema and its ``allOf`` members is no change, while each merged property keeps its real
place for messages and for "once, where it happens".
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV, Engine, Unit
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.refs import is_ref
from ledgerpact.registry.schema_keywords import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS

# Keywords whose subschemas are paired by key or position and compared in place.
_ONE = tuple(k for k in SUBSCHEMA if k != "not")
_MAPS = tuple(k for k in SUBSCHEMA_MAPS if k not in ("properties", "$defs", "definitions"))
_VARIANTS = ("oneOf", "anyOf")
# ``false`` here closes an object; against anything else it is reported as the object closing
# or opening (rules/constraints.py), not compared as a ``not: {}`` subschema.
_OPENNESS = ("additionalProperties", "unevaluatedProperties")
_HTTP = (Direction.REQUEST, Direction.RESPONSE)

Work = tuple[Any, Loc, Any, Loc, Direction, Unit, str]


def compare_schemas(engine: Engine, base: Any, base_loc: Loc, rev: Any, rev_loc: Loc,
                    direction: Direction, label: str, subject: str) -> None:
    """Compare a schema an operation or a message uses directly (its root): everything
    reached from here counts as affecting ``label``."""
    b, bl = engine.target(BASE, base, base_loc)
    r, rl = engine.target(REV, rev, rev_loc)
    unit, fresh = engine.unit((bl, rl, direction), None, label)
    if fresh:
        _Walk(engine).run((b, bl, r, rl, direction, unit, subject))


def schema_pair(engine: Engine, base: Any, base_loc: Loc, rev: Any, rev_loc: Loc,
                direction: Direction, subject: str, unit: Unit | None = None) -> Pair:
    """The pair the schema rules see: both sides with ``allOf`` merged."""
    bview, bprops, bkeys = merged_places(engine, BASE, _as_dict(base), base_loc)
    rview, rprops, rkeys = merged_places(engine, REV, _as_dict(rev), rev_loc)
    return Pair("schema", bview, rview, base_loc, rev_loc, direction, subject, engine,
                unit=unit, base_props=bprops, rev_props=rprops, base_keys=bkeys,
                rev_keys=rkeys)


class _Walk:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue: deque[Work] = deque()

    def run(self, first: Work) -> None:
        self.queue.append(first)
        while self.queue:
            b, bl, r, rl, direction, unit, subject = self.queue.popleft()
            self.compare(b, bl, r, rl, direction, unit, subject)

    def cross(self, b: Any, bl: Loc, r: Any, rl: Loc, direction: Direction, unit: Unit,
              subject: str) -> None:
        """Into another unit through a ``$ref`` on either side."""
        engine = self.engine
        b2, bl2 = engine.target(BASE, b, bl)
        r2, rl2 = engine.target(REV, r, rl)
        child, fresh = engine.unit((bl2, rl2, direction), unit)
        if fresh:
            self.queue.append((b2, bl2, r2, rl2, direction, child, subject))

    def compare(self, b: Any, bl: Loc, r: Any, rl: Loc, direction: Direction, unit: Unit,
                subject: str) -> None:
        engine = self.engine
        if (is_ref(b) and not engine.keeps_siblings(BASE, b, bl)) \
                or (is_ref(r) and not engine.keeps_siblings(REV, r, rl)):
            self.cross(b, bl, r, rl, direction, unit, subject)
            return
        if isinstance(b, bool) or isinstance(r, bool):
            b, r = _as_dict(b), _as_dict(r)
        if not isinstance(b, dict) or not isinstance(r, dict):
            return  # not a schema: structural validity is lint's business
        if same_json(b, r):
            self.same(b, bl, rl, direction, unit, subject)
            return
        self.differ(b, bl, r, rl, direction, unit, subject)

    def differ(self, b: dict[str, Any], bl: Loc, r: dict[str, Any], rl: Loc,
               direction: Direction, unit: Unit, subject: str) -> None:
        wrap = wrapped_variant(self.engine, b, bl, r, rl)
        if wrap is not None:
            self.unwrap(b, bl, r, rl, direction, unit, subject, wrap)
            return
        pair = schema_pair(self.engine, b, bl, r, rl, direction, subject, unit)
        self.engine.run(pair)
        self.descend(pair, unit)

    def unwrap(self, b: dict[str, Any], bl: Loc, r: dict[str, Any], rl: Loc,
               direction: Direction, unit: Unit, subject: str,
               wrap: tuple[int, str, int]) -> None:
        """One side became (or stopped being) a oneOf/anyOf with the other side as one of
        its variants. The rules see the choice against nothing of the plain side's (so
        its properties are not reported as removed; ``pair.info["wrapped"]`` says which
        variant it became), and the plain side is compared with that variant."""
        side, keyword, index = wrap
        pair = schema_pair(self.engine, {} if side == REV else b, bl,
                           r if side == REV else {}, rl, direction, subject, unit)
        pair.info["wrapped"] = wrap
        self.engine.run(pair)
        named = f"{keyword} variant {index}"
        if side == REV:
            self.compare(b, bl, r[keyword][index], rl.child(keyword, index), direction, unit,
                         named)
        else:
            self.compare(b[keyword][index], bl.child(keyword, index), r, rl, direction, unit,
                         named)

    def descend(self, pair: Pair, unit: Unit) -> None:
        b, r, direction = pair.base, pair.rev, pair.direction
        bp, rp = b.get("properties"), r.get("properties")
        if isinstance(bp, dict) and isinstance(rp, dict):
            for name in bp:
                if name not in rp:
                    continue
                b_at = _loc(pair.base_at("properties", name))
                r_at = _loc(pair.rev_at("properties", name))
                # Hidden on either side (readOnly in a request, writeOnly in a response):
                # the direction never saw it, or no longer does; the schema rules report
                # that flip as an addition or a removal, so what is inside does not matter.
                if hidden(self.engine, BASE, bp[name], b_at, direction) \
                        or hidden(self.engine, REV, rp[name], r_at, direction):
                    continue
                self.compare(bp[name], b_at, rp[name], r_at, direction, unit,
                             f"property {name!r}")
        for keyword in _ONE:
            if keyword in b and keyword in r:
                if keyword in _OPENNESS and (b[keyword] is False) != (r[keyword] is False):
                    continue  # the object closed or opened: a constraint rule reports it
                self.compare(b[keyword], _loc(pair.base_at(keyword)), r[keyword],
                             _loc(pair.rev_at(keyword)), direction, unit, pair.subject)
        if "not" in b and "not" in r:  # what "not" accepts is what the schema refuses
            self.compare(b["not"], _loc(pair.base_at("not")), r["not"],
                         _loc(pair.rev_at("not")), direction.mirror, unit, pair.subject)
        for keyword in _MAPS:
            bm, rm = b.get(keyword), r.get(keyword)
            if isinstance(bm, dict) and isinstance(rm, dict):
                for key in bm:
                    if key in rm:
                        self.compare(bm[key], _loc(pair.base_at(keyword, key)), rm[key],
                                     _loc(pair.rev_at(keyword, key)), direction, unit,
                                     pair.subject)
        bl_, rl_ = b.get("prefixItems"), r.get("prefixItems")
        if isinstance(bl_, list) and isinstance(rl_, list):
            for i in range(min(len(bl_), len(rl_))):
                self.compare(bl_[i], _loc(pair.base_at("prefixItems", i)), rl_[i],
                             _loc(pair.rev_at("prefixItems", i)), direction, unit, pair.subject)
        for keyword in _VARIANTS:
            bv, rv = b.get(keyword), r.get(keyword)
            if isinstance(bv, list) and isinstance(rv, list):
                matched, _, _ = pair_variants(self.engine, bv, _loc(pair.base_at(keyword)),
                                              rv, _loc(pair.rev_at(keyword)))
                for i, j in matched:
                    self.compare(bv[i], _loc(pair.base_at(keyword, i)), rv[j],
                                 _loc(pair.rev_at(keyword, j)), direction, unit,
                                 f"{keyword} variant {j}")

    def same(self, node: dict[str, Any], bl: Loc, rl: Loc, direction: Direction, unit: Unit,
             subject: str) -> None:
        """Identical inline content: nothing to report here, but every ``$ref`` inside may
        still reach a component that changed, so cross each one."""
        stack: list[tuple[Any, tuple[str | int, ...], Direction]] = [(node, (), direction)]
        while stack:
            value, tokens, d = stack.pop()
            if not isinstance(value, dict):
                continue
            b_at, r_at = (bl.child(*tokens), rl.child(*tokens)) if tokens else (bl, rl)
            if is_ref(value):
                # The target may have changed; siblings that apply (2020-12) are walked on.
                self.cross({"$ref": value["$ref"]}, b_at, {"$ref": value["$ref"]}, r_at, d,
                           unit, subject)
                if not self.engine.keeps_siblings(BASE, value, b_at):
                    continue
            unseen = self.unseen(value, b_at, r_at, d)
            if unseen is None:  # same text, but a $ref'd property was shown or hidden
                self.differ(value, b_at, value, r_at, d, unit, subject)
                continue
            for keyword in SUBSCHEMA:
                if keyword in value:
                    stack.append((value[keyword], (*tokens, keyword),
                                  d.mirror if keyword == "not" else d))
            for keyword in SUBSCHEMA_LISTS:
                items = value.get(keyword)
                if isinstance(items, list):
                    stack.extend((item, (*tokens, keyword, i), d) for i, item in enumerate(items))
            for keyword in SUBSCHEMA_MAPS:
                if keyword in ("$defs", "definitions"):
                    continue  # reached through $refs, when used at all
                entries = value.get(keyword)
                if isinstance(entries, dict):
                    stack.extend((item, (*tokens, keyword, key), d)
                                 for key, item in entries.items()
                                 if keyword != "properties" or key not in unseen)

    def unseen(self, node: dict[str, Any], bl: Loc, rl: Loc,
               direction: Direction) -> set[str] | None:
        """The properties of an identical schema that the direction sees on neither side
        (skipped, as ``descend`` skips them), or None when one is seen on one side only: a
        ``$ref``'d component gained or lost readOnly/writeOnly, a change the schema rules
        must see on this schema."""
        props = node.get("properties")
        if direction not in _HTTP or not isinstance(props, dict):
            return set()
        out = set()
        for name, sub in props.items():
            in_base = hidden(self.engine, BASE, sub, bl.child("properties", name), direction)
            if is_ref(sub) and in_base != hidden(self.engine, REV, sub,
                                                 rl.child("properties", name), direction):
                return None
            if in_base:
                out.add(name)
        return out


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values, which Python's ``==`` is not: ``true == 1`` and ``0 == false``
    there, so ``exclusiveMinimum: true`` (3.0) would equal ``exclusiveMinimum: 1`` (3.1) and
    ``enum: [1]`` would equal ``enum: [true]``. Python's comparison runs first (in C);
    the strict one only confirms what it calls equal."""
    if a != b:
        return False
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, bool) or isinstance(y, bool):
            if type(x) is not type(y):
                return False
        elif isinstance(x, dict):
            stack.extend((v, y[k]) for k, v in x.items())
        elif isinstance(x, list):
            stack.extend(zip(x, y, strict=True))
    return True


def _as_dict(schema: Any) -> Any:
    """JSON Schema's boolean schemas as the objects they mean."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    return schema


def _loc(at: tuple[str, str]) -> Loc:
    return Loc(*at)


def hidden(engine: Engine, side: int, schema: Any, loc: Loc | None,
           direction: Direction) -> bool:
    """A property clients never send (readOnly, in a request) or never receive (writeOnly,
    in a response): its changes do not matter in that direction."""
    if direction not in _HTTP or loc is None:
        return False
    node, _ = engine.target(side, schema, loc)
    if not isinstance(node, dict):
        return False
    if direction is Direction.REQUEST:
        return node.get("readOnly") is True
    return node.get("writeOnly") is True


def merged_view(engine: Engine, side: int, schema: Any,
                loc: Loc) -> tuple[Any, dict[str, Loc]]:
    """``schema`` with its ``allOf`` members folded in, and where each property sits.

    Properties and ``required`` are united; any other keyword is taken from the schema
    itself, else from the first member that has it. Members are followed through ``$ref``s,
    each at most once, so a member cycle ends."""
    merged, where, _ = merged_places(engine, side, schema, loc)
    return merged, where


def merged_places(engine: Engine, side: int, schema: Any,
                  loc: Loc) -> tuple[Any, dict[str, Loc], dict[str, Loc]]:
    """``merged_view``, plus the schema each other keyword came from when an ``allOf``
    member gave it: a change to a keyword of a shared base schema is then located (and so
    reported once) at that base, not at a place in each schema that merges it."""
    if not isinstance(schema, dict) or ("allOf" not in schema and "$ref" not in schema):
        return schema, {}, {}
    merged: dict[str, Any] = {}
    props: dict[str, Any] = {}
    where: dict[str, Loc] = {}
    keys: dict[str, Loc] = {}
    required: list[str] = []
    seen: set[Loc] = set()

    def fold(node: dict[str, Any], at: Loc) -> None:
        if at in seen:
            return
        seen.add(at)
        own = node.get("properties")
        if isinstance(own, dict):
            for name, sub in own.items():
                if name not in props:
                    props[name] = sub
                    where[name] = at.child("properties", name)
        for name in node.get("required") or ():
            if isinstance(name, str) and name not in required:
                required.append(name)
        if "required" in node and "required" not in keys and at != loc:
            keys["required"] = at
        for keyword, value in node.items():
            if keyword not in ("allOf", "properties", "required", "$ref") \
                    and keyword not in merged:
                merged[keyword] = value
                if at != loc:
                    keys[keyword] = at
        if isinstance(node.get("$ref"), str):  # a $ref with siblings: its target is a member
            value, member_at = engine.resolve(side, {"$ref": node["$ref"]}, at)
            if isinstance(value, dict):
                fold(value, member_at)
        members = node.get("allOf")
        if isinstance(members, list):
            for i, member in enumerate(members):
                value, member_at = engine.target(side, member, at.child("allOf", i))
                if isinstance(value, dict):
                    fold(value, member_at)

    fold(schema, loc)
    if props:
        merged["properties"] = props
    if required:
        merged["required"] = required
    if "required" in schema:
        keys.pop("required", None)
    return merged, where, keys


_COMPONENT = re.compile(r"/(?:schemas|\$defs|definitions)/([^/]+)$")


def wrapped_variant(engine: Engine, b: dict[str, Any], bl: Loc, r: dict[str, Any],
                    rl: Loc) -> tuple[int, str, int] | None:
    """(side with the choice, oneOf or anyOf, index) when one side is a oneOf/anyOf, the
    other is not, and one variant is that other side itself: the same component, the same
    title, or the same content. ``payment: $ref Card`` becoming ``oneOf: [$ref Card,
    $ref Bank]`` gained a variant; it did not lose Card's properties."""
    for side, plain, plain_at, choice, choice_at in ((REV, b, bl, r, rl), (BASE, r, rl, b, bl)):
        keywords = [k for k in _VARIANTS if isinstance(choice.get(k), list)]
        if len(keywords) != 1 or any(k in plain for k in _VARIANTS):
            continue
        keyword = keywords[0]
        own = set()
        found = _COMPONENT.search(plain_at.pointer)
        if found:
            own.add(f"ref:{found.group(1)}")
        if isinstance(plain.get("title"), str):
            own.add(f"title:{plain['title']}")
        for i, variant in enumerate(choice[keyword]):
            at = choice_at.child(keyword, i)
            if variant_key(engine, side, variant, at) in own:
                return side, keyword, i
            value, _ = engine.resolve(side, variant, at)
            if isinstance(value, dict) and same_json(value, plain):
                return side, keyword, i
    return None


def variant_key(engine: Engine, side: int, variant: Any, loc: Loc) -> str | None:
    """What identifies a oneOf/anyOf variant across versions: the component it names, else
    its title, else None (then position decides)."""
    if is_ref(variant):
        _, target = engine.resolve(side, variant, loc)
        return f"ref:{target.pointer.rsplit('/', 1)[-1]}"
    if isinstance(variant, dict) and isinstance(variant.get("title"), str):
        return f"title:{variant['title']}"
    return None


def pair_variants(engine: Engine, base: list[Any], base_loc: Loc, rev: list[Any],
                  rev_loc: Loc) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(matched (base index, revision index), removed base indexes, added revision indexes).

    Variants that name a component or carry a title are matched by that; the others by
    their order among the unnamed ones."""
    bkeys = [variant_key(engine, BASE, v, base_loc.child(i)) for i, v in enumerate(base)]
    rkeys = [variant_key(engine, REV, v, rev_loc.child(i)) for i, v in enumerate(rev)]
    matched: list[tuple[int, int]] = []
    rev_by_key = {k: j for j, k in enumerate(rkeys) if k is not None}
    used: set[int] = set()
    unnamed_base = []
    removed = []
    for i, key in enumerate(bkeys):
        if key is None:
            unnamed_base.append(i)
        elif key in rev_by_key:
            matched.append((i, rev_by_key[key]))
            used.add(rev_by_key[key])
        else:
            removed.append(i)
    unnamed_rev = [j for j, k in enumerate(rkeys) if k is None]
    for i, j in zip(unnamed_base, unnamed_rev, strict=False):
        matched.append((i, j))
        used.add(j)
    removed += unnamed_base[len(unnamed_rev):]
    added = [j for j in range(len(rev)) if j not in used]
    return sorted(matched), sorted(removed), added
