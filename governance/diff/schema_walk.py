"""Comparing two schemas: pair their parts, run the schema rules on each pair, descend.

The walk stays inside one unit for inline subschemas and crosses into another unit at every
plain ``$ref`` (see engine.py). Units still to compare wait in a queue instead of the call
stack, so a long chain of components cannot exhaust Python's recursion limit and a cycle ends
as soon as its first unit is met again.

A schema that merges others (``allOf``, or a 2020-12 ``$ref`` with sibling keywords) is
compared as one merged view of its parts (schema_merge.py); oneOf/anyOf variants are paired
across versions by schema_variants.py. The walk descends into what those pairs hold.

``if`` is a condition, not a constraint: with ``then`` only, narrowing it frees values from
``then`` (it is compared in the mirror direction, as ``not`` is); with ``else`` only, narrowing
it subjects more values to ``else`` (the same direction); with both, a change moves values from
one branch to the other, which the ``conditional-changed`` rule reports as breaking both ways.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV, Engine, Unit
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.schema_json import same_json
from ledgerpact.governance.diff.schema_merge import Def, merges, parts_of, schema_pairs
from ledgerpact.governance.diff.schema_pair import make_pair, within_of
from ledgerpact.governance.diff.schema_shape import as_schema, schema_target
from ledgerpact.governance.diff.schema_variants import VARIANTS, pair_variants, wrapped_variant
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.refs import is_ref
from ledgerpact.registry.schema_keywords import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS

# What decides the properties an object does not declare, the first present winning
# (``rest_of``). ``false`` there closes an object; against anything else it is reported as the
# object closing or opening (rules/constraints.py), not compared as a ``not: {}`` subschema.
_OPENNESS = ("additionalProperties", "unevaluatedProperties")
_BRANCHES = ("then", "else")
# Keywords whose subschemas are paired by key or position and compared in place; ``not``,
# ``if`` and the openness keywords are compared by ``descend`` itself.
_ONE = tuple(k for k in SUBSCHEMA if k not in ("not", "if", *_OPENNESS))
_MAPS = tuple(k for k in SUBSCHEMA_MAPS if k not in ("properties", "$defs", "definitions"))
_HTTP = (Direction.REQUEST, Direction.RESPONSE)

# (base node, base place, revision node, revision place, direction, unit, subject, within)
# ``within``: "" outside any inversion, else the keyword ("not", or "if" with only "then")
# that put the comparison inside an odd number of them.
Work = tuple[Any, Loc, Any, Loc, Direction, Unit, str, str]


def _flip(within: str, keyword: str) -> str:
    """Entering an inverting keyword: out of an odd number of inversions, or into one."""
    return "" if within else keyword


def compare_schemas(engine: Engine, base: Any, base_loc: Loc, rev: Any, rev_loc: Loc,
                    direction: Direction, label: str, subject: str) -> None:
    """Compare a schema an operation or a message uses directly (its root): everything
    reached from here counts as affecting ``label``."""
    b, bl = schema_target(engine, BASE, base, base_loc)
    r, rl = schema_target(engine, REV, rev, rev_loc)
    unit, fresh = engine.unit((bl, rl, direction, False), None, label)
    if fresh:
        _Walk(engine).run((b, bl, r, rl, direction, unit, subject, ""))


class _Walk:
    def __init__(self, engine: Engine,
                 checking: frozenset[tuple[Loc, Loc]] = frozenset()) -> None:
        self.engine = engine
        self.queue: deque[Work] = deque()
        # Comparisons made in a unit: an allOf member that reaches its referrer again
        # (a recursive model written with allOf) ends there.
        self.done: set[tuple[Any, ...]] = set()
        # The ``if`` pairs whose change is being judged (condition_changes), so that a
        # condition reaching itself through a $ref ends.
        self.checking = checking

    def run(self, first: Work) -> None:
        self.queue.append(first)
        while self.queue:
            self.compare(*self.queue.popleft())

    def cross(self, b: Any, bl: Loc, r: Any, rl: Loc, direction: Direction, unit: Unit,
              subject: str, within: str) -> None:
        """Into another unit through a ``$ref`` on either side."""
        engine = self.engine
        b2, bl2 = schema_target(engine, BASE, b, bl)
        r2, rl2 = schema_target(engine, REV, r, rl)
        child, fresh = engine.unit((bl2, rl2, direction, bool(within)), unit)
        if fresh:
            self.queue.append((b2, bl2, r2, rl2, direction, child, subject, within))

    def compare(self, b: Any, bl: Loc, r: Any, rl: Loc, direction: Direction, unit: Unit,
                subject: str, within: str) -> None:
        engine = self.engine
        if (is_ref(b) and not engine.keeps_siblings(BASE, b, bl)) \
                or (is_ref(r) and not engine.keeps_siblings(REV, r, rl)):
            self.cross(b, bl, r, rl, direction, unit, subject, within)
            return
        b = as_schema(engine, BASE, b, bl)
        r = as_schema(engine, REV, r, rl)
        if not merges(b) and not merges(r) and same_json(b, r):
            self.same(b, bl, rl, direction, unit, subject, within)
            return
        self.compare_defs([(b, bl, "")], [(r, rl, "")], direction, unit, subject, within)

    def compare_defs(self, bdefs: list[Def], rdefs: list[Def], direction: Direction,
                     unit: Unit, subject: str, within: str) -> None:
        """Compare two conjunctions of schemas (one schema, or every definition of a
        property that several allOf members define)."""
        done = (id(unit), tuple(d[1] for d in bdefs), tuple(d[1] for d in rdefs), direction,
                bool(within))
        if done in self.done:
            return
        self.done.add(done)
        engine = self.engine
        bparts = parts_of(engine, BASE, bdefs)
        rparts = parts_of(engine, REV, rdefs)
        pairs = schema_pairs(engine, bparts, rparts, direction, subject, unit, within)
        wrap = wrapped_variant(pairs[0])
        if wrap is not None:
            self.unwrap(pairs[0], bdefs, rdefs, unit, wrap)
            return
        for pair in pairs:
            if _branches(pair.base, pair.rev) == set(_BRANCHES) \
                    and "if" in pair.base and "if" in pair.rev:
                pair.info["condition"] = self.condition_changes(pair)
            engine.run(pair)
            self.descend(pair, unit)

    def condition_changes(self, pair: Pair) -> list[str]:
        """What changed inside the ``if`` of a conditional with both branches: the changes a
        separate comparison of the two ``if`` schemas finds, whatever their direction (any
        of them moves values between ``then`` and ``else``)."""
        at = (_loc(pair.base_at("if")), _loc(pair.rev_at("if")))
        if at in self.checking:
            return []
        sub = Engine(*self.engine.sides, self.engine.options)
        unit, _ = sub.unit((at[0], at[1], pair.direction, False), None, pair.subject)
        _Walk(sub, self.checking | {at}).run(
            (pair.base["if"], at[0], pair.rev["if"], at[1], pair.direction, unit,
             pair.subject, ""))
        messages: list[str] = []
        for change in sub.finish():
            if change.message not in messages:
                messages.append(change.message)
        return messages

    def unwrap(self, pair: Pair, bdefs: list[Def], rdefs: list[Def], unit: Unit,
               wrap: tuple[int, str, int]) -> None:
        """One side became (or stopped being) a oneOf/anyOf with the other side as one of
        its variants. The rules see the choice against nothing of the plain side's (so
        its properties are not reported as removed; ``pair.info["wrapped"]`` says which
        variant it became), and the plain side is compared with that variant."""
        side, keyword, index = wrap
        within = within_of(pair)
        choice = make_pair(within, "schema", {} if side == REV else pair.base,
                       pair.rev if side == REV else {}, pair.base_loc, pair.rev_loc,
                       pair.direction, pair.subject, self.engine, unit=unit,
                       base_keys=pair.base_keys if side == BASE else {},
                       rev_keys=pair.rev_keys if side == REV else {},
                       base_parts=pair.base_parts, rev_parts=pair.rev_parts)
        choice.info["wrapped"] = wrap
        self.engine.run(choice)
        named = f"{keyword} variant {index}"
        if side == REV:
            variant = (pair.rev[keyword][index], Loc(*pair.rev_at(keyword, index)), "")
            bdefs, rdefs = bdefs, [variant]
        else:
            variant = (pair.base[keyword][index], Loc(*pair.base_at(keyword, index)), "")
            bdefs, rdefs = [variant], rdefs
        if len(bdefs) == 1 and len(rdefs) == 1:
            self.compare(bdefs[0][0], bdefs[0][1], rdefs[0][0], rdefs[0][1], pair.direction,
                         unit, named, within)
        else:
            self.compare_defs(bdefs, rdefs, pair.direction, unit, named, within)

    def descend(self, pair: Pair, unit: Unit) -> None:
        b, r, direction, within = pair.base, pair.rev, pair.direction, within_of(pair)
        bp, rp = b.get("properties"), r.get("properties")
        if isinstance(bp, dict) and isinstance(rp, dict):
            for name in bp:
                if name not in rp:
                    continue
                bdefs = property_defs(pair, BASE, name)
                rdefs = property_defs(pair, REV, name)
                # Hidden on either side (readOnly in a request, writeOnly in a response):
                # the direction never saw it, or no longer does; the schema rules report
                # that flip as an addition or a removal, so what is inside does not matter.
                if hidden_defs(self.engine, BASE, bdefs, direction) \
                        or hidden_defs(self.engine, REV, rdefs, direction):
                    continue
                subject = f"property {name!r}"
                if len(bdefs) == 1 and len(rdefs) == 1:
                    self.compare(bdefs[0][0], bdefs[0][1], rdefs[0][0], rdefs[0][1],
                                 direction, unit, subject, within)
                else:
                    self.compare_defs(bdefs, rdefs, direction, unit, subject, within)
        for keyword in _ONE:
            if keyword in b and keyword in r:
                bv, rv = b[keyword], r[keyword]
                if isinstance(bv, list) or isinstance(rv, list):  # draft-07 tuple items
                    if isinstance(bv, list) and isinstance(rv, list):
                        self.each(pair, unit, keyword, bv, rv)
                    continue  # a tuple against one schema: schema-keyword-changed says so
                self.compare(bv, _loc(pair.base_at(keyword)), rv, _loc(pair.rev_at(keyword)),
                             direction, unit, pair.subject, within)
        brest, rrest = rest_of(b), rest_of(r)
        # The schemas for undeclared properties, whichever keyword gives each side's: a
        # ``false`` against anything else is the object closing or opening (a rule's).
        if brest is not None and rrest is not None \
                and (brest[1] is False) == (rrest[1] is False):
            self.compare(brest[1], _loc(pair.base_at(brest[0])), rrest[1],
                         _loc(pair.rev_at(rrest[0])), direction, unit, pair.subject, within)
        if "not" in b and "not" in r:  # what "not" accepts is what the schema refuses
            self.compare(b["not"], _loc(pair.base_at("not")), r["not"],
                         _loc(pair.rev_at("not")), direction.mirror, unit, pair.subject,
                         _flip(within, "not"))
        self.condition(pair, unit, within)
        for keyword in _MAPS:
            bm, rm = b.get(keyword), r.get(keyword)
            if isinstance(bm, dict) and isinstance(rm, dict):
                for key in bm:
                    if key in rm:
                        self.compare(bm[key], _loc(pair.base_at(keyword, key)), rm[key],
                                     _loc(pair.rev_at(keyword, key)), direction, unit,
                                     pair.subject, within)
        bl_, rl_ = b.get("prefixItems"), r.get("prefixItems")
        if isinstance(bl_, list) and isinstance(rl_, list):
            self.each(pair, unit, "prefixItems", bl_, rl_)
        for keyword in VARIANTS:
            bv, rv = b.get(keyword), r.get(keyword)
            if isinstance(bv, list) and isinstance(rv, list):
                matched, _, _ = pair_variants(self.engine, bv, _loc(pair.base_at(keyword)),
                                              rv, _loc(pair.rev_at(keyword)))
                for i, j in matched:
                    self.compare(bv[i], _loc(pair.base_at(keyword, i)), rv[j],
                                 _loc(pair.rev_at(keyword, j)), pair.direction, unit,
                                 f"{keyword} variant {j}", within)

    def condition(self, pair: Pair, unit: Unit, within: str) -> None:
        """Compare two ``if``s by what they decide. With ``then`` only, a schema is valid
        when it fails ``if`` or matches ``then``: ``if`` works as a ``not`` (the mirror
        direction). With ``else`` only, valid when it matches ``if`` or ``else``: the same
        direction. With both, every change moves values between the branches: the
        ``conditional-changed`` rule has reported it (``condition_changes``). Without a
        branch ``if`` decides nothing."""
        b, r = pair.base, pair.rev
        if "if" not in b or "if" not in r:
            return
        branches = _branches(b, r)
        if branches == {"then"}:
            direction, within = pair.direction.mirror, _flip(within, "if")
        elif branches == {"else"}:
            direction = pair.direction
        else:
            return
        self.compare(b["if"], _loc(pair.base_at("if")), r["if"], _loc(pair.rev_at("if")),
                     direction, unit, pair.subject, within)

    def each(self, pair: Pair, unit: Unit, keyword: str, bv: list[Any],
             rv: list[Any]) -> None:
        """Positional subschemas (prefixItems, tuple items): compared position by position;
        extra positions are the keyword rules' business."""
        for i in range(min(len(bv), len(rv))):
            self.compare(bv[i], _loc(pair.base_at(keyword, i)), rv[i],
                         _loc(pair.rev_at(keyword, i)), pair.direction, unit, pair.subject,
                         within_of(pair))

    def same(self, node: dict[str, Any], bl: Loc, rl: Loc, direction: Direction, unit: Unit,
             subject: str, within: str) -> None:
        """Identical inline content: nothing to report here, but every ``$ref`` inside may
        still reach a component that changed, so cross each one; and a schema inside that
        merges members, or holds an ``if`` (whose direction depends on its branches), is
        compared as a pair (its members or its condition's targets may have changed)."""
        stack: list[tuple[Any, tuple[str | int, ...], Direction, str]] = [
            (node, (), direction, within)]
        while stack:
            value, tokens, d, w = stack.pop()
            if not isinstance(value, dict):
                continue
            b_at, r_at = (bl.child(*tokens), rl.child(*tokens)) if tokens else (bl, rl)
            if is_ref(value) and not self.engine.keeps_siblings(BASE, value, b_at):
                self.cross(value, b_at, value, r_at, d, unit, subject, w)
                continue
            if merges(value) or "if" in value:
                self.compare_defs([(value, b_at, "")], [(value, r_at, "")], d, unit, subject,
                                  w)
                continue
            unseen = self.unseen(value, b_at, r_at, d)
            if unseen is None:  # same text, but a $ref'd property was shown or hidden
                self.compare_defs([(value, b_at, "")], [(value, r_at, "")], d, unit, subject,
                                  w)
                continue
            for keyword in SUBSCHEMA:
                if keyword in value:
                    sub = value[keyword]
                    flip = keyword == "not"
                    items = enumerate(sub) if isinstance(sub, list) else None
                    if items is None:
                        stack.append((sub, (*tokens, keyword), d.mirror if flip else d,
                                      _flip(w, "not") if flip else w))
                    else:  # draft-07 tuple items
                        stack.extend((item, (*tokens, keyword, i), d, w) for i, item in items)
            for keyword in SUBSCHEMA_LISTS:
                items = value.get(keyword)
                if isinstance(items, list):
                    stack.extend((item, (*tokens, keyword, i), d, w)
                                 for i, item in enumerate(items))
            for keyword in SUBSCHEMA_MAPS:
                if keyword in ("$defs", "definitions"):
                    continue  # reached through $refs, when used at all
                entries = value.get(keyword)
                if isinstance(entries, dict):
                    stack.extend((item, (*tokens, keyword, key), d, w)
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


# -- small helpers ----------------------------------------------------------------------------


def rest_of(schema: dict[str, Any]) -> tuple[str, Any] | None:
    """(keyword, schema) deciding the properties an object does not declare, or None (any
    are allowed). ``additionalProperties`` evaluates every such property, leaving
    ``unevaluatedProperties`` beside it nothing to decide."""
    for keyword in _OPENNESS:
        if keyword in schema:
            return keyword, schema[keyword]
    return None


def _anything(value: Any) -> bool:
    return value is True or value == {}


def _branches(base: dict[str, Any], rev: dict[str, Any]) -> set[str]:
    """The conditional branches (``then``, ``else``) that constrain on either side."""
    return {k for k in _BRANCHES for s in (base, rev) if k in s and not _anything(s[k])}


def property_defs(pair: Pair, side: int, name: str) -> list[Def]:
    """Every definition of property ``name`` on one side of a schema pair."""
    found = (pair.base_defs if side == BASE else pair.rev_defs).get(name)
    if found:
        return found  # type: ignore[return-value]
    schema = pair.base if side == BASE else pair.rev
    at = pair.base_at("properties", name) if side == BASE else pair.rev_at("properties", name)
    return [(schema["properties"][name], Loc(*at), "")]


def _loc(at: tuple[str, str]) -> Loc:
    return Loc(*at)


def hidden(engine: Engine, side: int, schema: Any, loc: Loc | None,
           direction: Direction) -> bool:
    """A property clients never send (readOnly, in a request) or never receive (writeOnly,
    in a response): its changes do not matter in that direction. The flag counts in any
    part of a schema that merges members."""
    if direction not in _HTTP or loc is None:
        return False
    node, at = engine.target(side, schema, loc)
    if not isinstance(node, dict):
        return False
    flag = "readOnly" if direction is Direction.REQUEST else "writeOnly"
    if node.get(flag) is True:
        return True
    if merges(node):
        return any(part.node.get(flag) is True
                   for part in parts_of(engine, side, [(node, at, "")]))
    return False


def hidden_defs(engine: Engine, side: int, defs: list[Def], direction: Direction) -> bool:
    """``hidden`` for a property several allOf members define: hidden by any of them."""
    return any(hidden(engine, side, node, loc, direction) for node, loc, _ in defs)
