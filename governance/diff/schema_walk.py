"""Comparing two schemas: pair their parts, run the schema rules on each pair, descend.

The walk stays inside one unit for inline subschemas and crosses into another unit at every
plain ``$ref`` (see engine.py). Units still to compare wait in a queue instead of the call
stack, so a long chain of components cannot exhaust Python's recursion limit and a cycle ends
as soon as its first unit is met again.

A schema that merges others (``allOf``, or a 2020-12 ``$ref`` with sibling keywords) is the
conjunction of its *parts*: itself and every member, followed through ``$ref``s, flattened
without recursion. Its parts are compared as one merged view, never the raw node alone: the
referrer's ``unevaluatedProperties: false`` closes the properties its members bring, however
little of its own text changed. In that view properties and ``required`` are united (moving a
property between a schema and its members is no change; a property several parts define is
all its definitions at once), and every other keyword is taken from the one part that has it.
Where parts disagree, the view holds what their conjunction means when one value says it (the
smallest maximum, the largest minimum, the types all allow, the enum of a part whose values
every other part's enum allows, the least common multiple of integers), placed in the part
that gives it: flattening ``allOf: [{maxLength: 140}, {maxLength: 35}]`` into ``maxLength:
35`` is no change. Otherwise the keyword is compared part
by part (an equal value in the other version first, then the same part, then the rest in
order), so no member's keyword goes uncompared. ``if``/``then``/``else`` belong together: when
several parts have them, each part's three are compared with one part of the other version.
Each change is located in the part it happens in, so a change inside a member shared by
several schemas is one change.

``if`` is a condition, not a constraint: with ``then`` only, narrowing it frees values from
``then`` (it is compared in the mirror direction, as ``not`` is); with ``else`` only, narrowing
it subjects more values to ``else`` (the same direction); with both, a change moves values from
one branch to the other, which the ``conditional-changed`` rule reports as breaking both ways.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from functools import reduce
from typing import Any, NamedTuple

from ledgerpact.governance.diff.engine import BASE, REV, Engine, Unit
from ledgerpact.governance.diff.model import DiffRule, Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.refs import is_ref
from ledgerpact.registry.schema_keywords import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS

# What decides the properties an object does not declare, the first present winning
# (``rest_of``). ``false`` there closes an object; against anything else it is reported as the
# object closing or opening (rules/constraints.py), not compared as a ``not: {}`` subschema.
_OPENNESS = ("additionalProperties", "unevaluatedProperties")
_BRANCHES = ("then", "else")
_CONDITIONAL = ("if", *_BRANCHES)
# Keywords whose subschemas are paired by key or position and compared in place; ``not``,
# ``if`` and the openness keywords are compared by ``descend`` itself.
_ONE = tuple(k for k in SUBSCHEMA if k not in ("not", "if", *_OPENNESS))
_MAPS = tuple(k for k in SUBSCHEMA_MAPS if k not in ("properties", "$defs", "definitions"))
_VARIANTS = ("oneOf", "anyOf")
# Applicators whose subschemas evaluate properties for ``unevaluatedProperties`` beyond the
# schema's own properties (allOf members and $ref targets are merged into the view).
_EVALUATORS = ("anyOf", "oneOf", "if", "then", "else", "dependentSchemas")
_HTTP = (Direction.REQUEST, Direction.RESPONSE)
# Keywords a merged view does not carry as such: members are folded in, and properties and
# ``required`` are united across parts.
_STRUCTURE = frozenset({"allOf", "$ref", "properties", "required"})

# The keywords that say which values are valid (JSON Schema 2020-12 and draft-07, OpenAPI's
# nullable and discriminator). Anything else -- title, description, examples, $comment, x-
# extensions, words no vocabulary knows -- is an annotation.
VALIDATION = (
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired", "format", "nullable", "properties", "patternProperties",
    "additionalProperties", "unevaluatedProperties", "propertyNames", "items", "prefixItems",
    "additionalItems", "unevaluatedItems", "contains", "allOf", "anyOf", "oneOf", "not", "if",
    "then", "else", "dependentSchemas", "dependencies", "contentEncoding",
    "contentMediaType", "contentSchema", "$ref", "$dynamicRef", "$recursiveRef",
    "discriminator")

# (base node, base place, revision node, revision place, direction, unit, subject, within)
# ``within``: "" outside any inversion, else the keyword ("not", or "if" with only "then")
# that put the comparison inside an odd number of them.
Work = tuple[Any, Loc, Any, Loc, Direction, Unit, str, str]
Def = tuple[Any, Loc, str]  # a schema, its place, and its identity across versions


class Part(NamedTuple):
    """One schema of a conjunction: the schema itself or one of its (nested) members."""

    node: dict[str, Any]
    loc: Loc
    key: str  # the same part in the other version has the same key


class SchemaPair(Pair):
    """A schema pair that knows what inverted it. Inside ``if`` with only ``then`` a change
    means the opposite of what it means outside, as inside ``not``, but what it does reads
    differently: it decides which values ``then`` applies to."""

    __slots__ = ()

    def reported(self, rule: DiffRule, message: str) -> tuple[Direction, str]:
        if not self.negated or self.info.get("within") != "if":
            return super().reported(rule, message)
        reads, writes = rule.levels[Direction.REQUEST], rule.levels[Direction.RESPONSE]
        if reads < writes:  # the rule reports a widening: "then" now applies to more values
            message += ", so values it now matches must also match 'then'"
        elif reads > writes:
            message += ", so values it no longer matches need not match 'then'"
        return self.direction.mirror, f"within 'if': {message}"


def _pair(within: str, *args: Any, **kwargs: Any) -> SchemaPair:
    pair = SchemaPair(*args, negated=bool(within), **kwargs)
    if within:
        pair.info["within"] = within
    return pair


def _within(pair: Pair) -> str:
    found = pair.info.get("within", "not" if pair.negated else "")
    return str(found)


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
        within = _within(pair)
        choice = _pair(within, "schema", {} if side == REV else pair.base,
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
        b, r, direction, within = pair.base, pair.rev, pair.direction, _within(pair)
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
        for keyword in _VARIANTS:
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
                         _within(pair))

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


# -- parts and merged views -------------------------------------------------------------------


def merges(node: Any) -> bool:
    """Whether a schema is the conjunction of itself and members: ``allOf``, or a ``$ref``
    whose siblings apply (the caller has ruled out a plain ``$ref``)."""
    return isinstance(node, dict) and ("allOf" in node or "$ref" in node)


def parts_of(engine: Engine, side: int, defs: Iterable[Def]) -> list[Part]:
    """Every part of the conjunction of ``defs``: each schema, then its ``$ref`` target (a
    ``$ref`` with siblings) and its ``allOf`` members, depth first, each place once (so a
    member cycle ends). A loop, not recursion: a chain of a thousand ``allOf``s is fine."""
    out: list[Part] = []
    seen: set[Loc] = set()
    stack = list(defs)[::-1]
    while stack:
        node, loc, key = stack.pop()
        if is_ref(node) and not engine.keeps_siblings(side, node, loc):
            node, loc = schema_target(engine, side, node, loc)
            key = _ref_key(engine, side, loc)
        node = as_schema(engine, side, node, loc)
        if loc in seen:
            continue
        seen.add(loc)
        check_keywords(engine, side, node, loc)
        out.append(Part(node, loc, key))
        members: list[Def] = []
        if "$ref" in node:  # a $ref with siblings: its target is a member
            value, at = schema_target(engine, side, {"$ref": node["$ref"]}, loc)
            members.append((value, at, _ref_key(engine, side, at)))
        for i, member in enumerate(node.get("allOf") or ()):
            members.append((member, loc.child("allOf", i), f"{key}/allOf/{i}"))
        stack.extend(reversed(members))
    return out


def _ref_key(engine: Engine, side: int, loc: Loc) -> str:
    """A component's identity across versions: its pointer (and file, when not the
    document itself, whose name may differ between the two sides)."""
    file = "" if loc.file == engine.sides[side].root else loc.file
    return f"ref:{file}#{loc.pointer}"


class _Side(NamedTuple):
    props: dict[str, list[Def]]
    required: list[str]
    required_at: Loc | None
    occurrences: dict[str, list[tuple[Any, Part]]]


def _collect(parts: list[Part]) -> _Side:
    props: dict[str, list[Def]] = {}
    required: list[str] = []
    required_at: Loc | None = None
    occurrences: dict[str, list[tuple[Any, Part]]] = {}
    for part in parts:
        for keyword, value in part.node.items():
            if keyword == "properties":
                for name, sub in value.items():
                    props.setdefault(name, []).append(
                        (sub, part.loc.child("properties", name),
                         f"{part.key}/properties/{name}"))
            elif keyword == "required":
                if required_at is None:
                    required_at = part.loc
                for name in value:
                    if name not in required:
                        required.append(name)
            elif keyword not in _STRUCTURE:
                occurrences.setdefault(keyword, []).append((value, part))
    return _Side(props, required, required_at, occurrences)


def _distinct(found: list[tuple[Any, Part]]) -> int:
    kept: list[Any] = []
    for value, _ in found:
        if not any(same_json(value, k) for k in kept):
            kept.append(value)
    return len(kept)


Occurrence = tuple[Any, Part]  # a keyword's value in one part


def _choose(mine: list[Occurrence], theirs: list[Occurrence]) -> Occurrence | None:
    """Of occurrences that all say the same, the one in the part the other side has it in
    (the place to point at), else the first."""
    if not mine:
        return None
    keys = {part.key for _, part in theirs}
    return next((o for o in mine if o[1].key in keys), mine[0])


def _pair_by_key(bo: list[Any], ro: list[Any], key: Any) -> list[tuple[Any, Any]]:
    """Items of two versions paired by ``key`` (the same part), the rest in order, what is
    left against None."""
    out: list[tuple[Any, Any]] = []
    by_key = {key(item): item for item in ro}
    used: set[str] = set()
    left: list[Any] = []
    for item in bo:
        other = by_key.get(key(item))
        if other is not None and key(item) not in used:
            used.add(key(item))
            out.append((item, other))
        else:
            left.append(item)
    rest = [item for item in ro if key(item) not in used]
    out.extend(zip(left, rest, strict=False))
    out.extend((item, None) for item in left[len(rest):])
    out.extend((None, item) for item in rest[len(left):])
    return out


def _pair_occurrences(bo: list[Occurrence], ro: list[Occurrence]
                      ) -> list[tuple[Occurrence | None, Occurrence | None]]:
    """A keyword several parts give different values: each occurrence against an equal one
    of the other version (a conjunction saying a thing twice, or in another member, says
    it once), then against the same part's, then the rest in order, what is left against
    nothing."""
    out: list[tuple[Occurrence | None, Occurrence | None]] = []
    left, rest = [], list(ro)
    for occ in bo:
        equal = [i for i, other in enumerate(rest) if same_json(occ[0], other[0])]
        if equal:
            i = next((i for i in equal if rest[i][1].key == occ[1].key), equal[0])
            out.append((occ, rest.pop(i)))
        else:
            left.append(occ)
    out.extend(_pair_by_key(left, rest, lambda occ: occ[1].key))
    return out


# -- what a conjunction of parts says ---------------------------------------------------------

_AT_MOST = frozenset({"maxLength", "maxItems", "maxProperties"})
_AT_LEAST = frozenset({"minLength", "minItems", "minProperties"})
_UPPER_BOUND = ("maximum", "exclusiveMaximum")
_LOWER_BOUND = ("minimum", "exclusiveMinimum")


def _merge(keyword: str, found: list[Occurrence]) -> list[Occurrence] | None:
    """The occurrences giving what the conjunction of parts says of ``keyword`` (all
    equal), or None when no single value says it: then each part is compared with its
    counterpart. A value no part writes (the least common multiple of 4 and 6) is placed
    in the first part that has the keyword."""
    if not found:
        return []
    values = [value for value, _ in found]
    if keyword in _AT_MOST or keyword in _AT_LEAST:
        if not all(_is_number(v) for v in values):
            return None
        best = min(values) if keyword in _AT_MOST else max(values)
        return [o for o in found if o[0] == best]
    if keyword == "uniqueItems":
        return [o for o in found if o[0] is True] or found
    if keyword == "multipleOf":
        return _merge_multiple(found)
    if keyword == "enum":
        sets = [{_text(v) for v in value} for value in values]
        common = set.intersection(*sets)
        return [o for o, s in zip(found, sets, strict=True) if s == common] or None
    if keyword == "type":
        return _merge_types(found)
    return None


def _exact(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _merge_multiple(found: list[Occurrence]) -> list[Occurrence] | None:
    """``multipleOf`` in several parts: the multiples of all of them, which are the
    multiples of their least common multiple (exact decimals: 0.25 and 0.1 give 0.5). Kept
    when a part writes it or every value is an integer; otherwise each part is compared
    with its counterpart."""
    exact = [_exact(value).normalize() for value, _ in found]
    scale = 10 ** max(0, *(-int(d.as_tuple().exponent) for d in exact))
    common = Decimal(math.lcm(*(int(d * scale) for d in exact))) / scale
    written = [o for o, d in zip(found, exact, strict=True) if d == common]
    if written:
        return written
    if all(d == d.to_integral_value() for d in exact):
        return [(int(common), found[0][1])]
    return None


def _type_set(value: Any) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


def _meet(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """The types both allow (an integer is a number)."""
    return frozenset({t for t in a if t in b or (t == "integer" and "number" in b)}
                     | {t for t in b if t == "integer" and "number" in a})


def _merge_types(found: list[Occurrence]) -> list[Occurrence] | None:
    sets = [_type_set(value) for value, _ in found]
    common = reduce(_meet, sets)
    if not common:
        return None  # no value is valid: each part against its counterpart says more
    written = [o for o, s in zip(found, sets, strict=True) if s == common]
    if written:
        return written
    shown = next(iter(common)) if len(common) == 1 else sorted(common)
    return [(shown, found[0][1])]


def _merge_bound(found: dict[str, list[Occurrence]], upper: bool) -> dict[str, Occurrence]:
    """The strictest bound of several parts, as the keywords of the part that sets it: a
    ``maximum`` (with OpenAPI 3.0's ``exclusiveMaximum: true`` when its part says so), or a
    numeric ``exclusiveMaximum``; the looser bounds of other parts constrain nothing more."""
    inclusive, exclusive = _UPPER_BOUND if upper else _LOWER_BOUND
    best: tuple[tuple[float, bool], dict[str, Occurrence]] | None = None
    candidates: list[tuple[tuple[float, bool], dict[str, Occurrence]]] = []
    for value, part in found.get(inclusive, []):
        if _is_number(value):
            flag = part.node.get(exclusive) is True
            keywords = {inclusive: (value, part)}
            if flag:
                keywords[exclusive] = (True, part)
            candidates.append(((-value if upper else value, flag), keywords))
    for value, part in found.get(exclusive, []):
        if _is_number(value):
            candidates.append(((-value if upper else value, True), {exclusive: (value, part)}))
    for candidate in candidates:
        if best is None or candidate[0] > best[0]:
            best = candidate
    return best[1] if best is not None else {}


def _conditional_parts(bparts: list[Part], rparts: list[Part]
                       ) -> list[tuple[Part | None, Part | None]] | None:
    """When several parts of either side have ``if``/``then``/``else``: the parts paired
    (the same part, then in order), so each part's three keywords are compared together
    with one part's of the other version. None when each side has at most one such part
    (the merged view holds them)."""
    bc = [p for p in bparts if any(k in p.node for k in _CONDITIONAL)]
    rc = [p for p in rparts if any(k in p.node for k in _CONDITIONAL)]
    if len(bc) <= 1 and len(rc) <= 1:
        return None
    return _pair_by_key(bc, rc, lambda part: part.key)


def schema_pairs(engine: Engine, bparts: list[Part], rparts: list[Part], direction: Direction,
                 subject: str, unit: Unit | None = None, within: str = "") -> list[Pair]:
    """The pairs the schema rules see: the merged view of both sides first (placed at each
    side's first part), then one pair per pair of parts for the keywords several parts give
    different values that no one value sums up."""
    bl, rl = bparts[0].loc, rparts[0].loc
    if len(bparts) == 1 and len(rparts) == 1 and not merges(bparts[0].node) \
            and not merges(rparts[0].node):
        return [_pair(within, "schema", bparts[0].node, rparts[0].node, bl, rl, direction,
                      subject, engine, unit=unit)]
    bs, rs = _collect(bparts), _collect(rparts)
    views: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    keys: tuple[dict[str, Loc], dict[str, Loc]] = ({}, {})
    groups: dict[tuple[str | None, str | None],
                 tuple[Part | None, Part | None, dict[str, Any], dict[str, Any]]] = {}

    def group(bpart: Part | None, rpart: Part | None
              ) -> tuple[Part | None, Part | None, dict[str, Any], dict[str, Any]]:
        return groups.setdefault((bpart.key if bpart else None, rpart.key if rpart else None),
                                 (bpart, rpart, {}, {}))

    def show(keyword: str, bo: list[Occurrence], ro: list[Occurrence]) -> None:
        for side, mine, theirs in ((BASE, bo, ro), (REV, ro, bo)):
            chosen = _choose(mine, theirs)
            if chosen is not None:
                views[side][keyword] = chosen[0]
                keys[side][keyword] = chosen[1].loc

    handled: set[str] = set()
    conditional = _conditional_parts(bparts, rparts)
    if conditional is not None:
        handled.update(_CONDITIONAL)
        for bpart, rpart in conditional:
            _, _, bvals, rvals = group(bpart, rpart)
            for part, vals in ((bpart, bvals), (rpart, rvals)):
                if part is not None:
                    vals.update((k, part.node[k]) for k in _CONDITIONAL if k in part.node)
    for upper, pair_of in ((True, _UPPER_BOUND), (False, _LOWER_BOUND)):
        found = [{k: side.occurrences.get(k, []) for k in pair_of} for side in (bs, rs)]
        if all(_distinct(f[k]) <= 1 for f in found for k in pair_of):
            continue  # each keyword as any other: the view holds it, or nothing changed
        handled.update(pair_of)
        bound = [_merge_bound(f, upper) for f in found]
        for keyword in pair_of:
            show(keyword, [bound[BASE][keyword]] if keyword in bound[BASE] else [],
                 [bound[REV][keyword]] if keyword in bound[REV] else [])
    for keyword in [*bs.occurrences, *(k for k in rs.occurrences if k not in bs.occurrences)]:
        if keyword in handled:
            continue
        bo, ro = bs.occurrences.get(keyword, []), rs.occurrences.get(keyword, [])
        if _distinct(bo) <= 1 and _distinct(ro) <= 1:
            show(keyword, bo, ro)
            continue
        bmerged, rmerged = _merge(keyword, bo), _merge(keyword, ro)
        if bmerged is not None and rmerged is not None:
            show(keyword, bmerged, rmerged)
            continue
        for b_occ, r_occ in _pair_occurrences(bo, ro):
            _, _, bvals, rvals = group(b_occ[1] if b_occ else None, r_occ[1] if r_occ else None)
            if b_occ:
                bvals[keyword] = b_occ[0]
            if r_occ:
                rvals[keyword] = r_occ[0]
    defs = (bs.props, rs.props)
    for side, found_side in ((BASE, bs), (REV, rs)):
        if found_side.props:
            views[side]["properties"] = {name: d[0][0] for name, d in found_side.props.items()}
        if found_side.required_at is not None:
            views[side]["required"] = found_side.required
            keys[side]["required"] = found_side.required_at
    where = tuple({name: d[0][1] for name, d in found.items()} for found in defs)
    places = (tuple((p.loc, p.key) for p in bparts), tuple((p.loc, p.key) for p in rparts))
    common = {"direction": direction, "subject": subject, "engine": engine, "unit": unit,
              "base_parts": places[BASE], "rev_parts": places[REV]}
    evaluators = tuple(any(k in p.node for p in parts for k in _EVALUATORS)
                       for parts in (bparts, rparts))
    pairs = [_pair(within, "schema", views[BASE], views[REV], bl, rl, base_props=where[BASE],
                   rev_props=where[REV], base_keys=keys[BASE], rev_keys=keys[REV],
                   base_defs=defs[BASE], rev_defs=defs[REV], **common)]
    for bpart, rpart, bvals, rvals in groups.values():
        pairs.append(_pair(within, "schema", bvals, rvals, bpart.loc if bpart else bl,
                           rpart.loc if rpart else rl, **common))
    for pair in pairs:
        pair.info["evaluators"] = evaluators
    return pairs


def rest_of(schema: dict[str, Any]) -> tuple[str, Any] | None:
    """(keyword, schema) deciding the properties an object does not declare, or None (any
    are allowed). ``additionalProperties`` evaluates every such property, leaving
    ``unevaluatedProperties`` beside it nothing to decide."""
    for keyword in _OPENNESS:
        if keyword in schema:
            return keyword, schema[keyword]
    return None


def evaluates_elsewhere(pair: Pair, side: int) -> bool:
    """Whether subschemas other than the merged view's own properties evaluate properties
    on one side (anyOf, oneOf, if/then/else, dependentSchemas): there
    ``unevaluatedProperties`` allows what they evaluate and ``additionalProperties`` does
    not; elsewhere the two say the same."""
    found = pair.info.get("evaluators")
    if found is not None:
        return bool(found[side])
    schema = pair.base if side == BASE else pair.rev
    return any(k in schema for k in _EVALUATORS)


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


# -- references and validity ------------------------------------------------------------------

_SCHEMA_HOLDERS = frozenset({
    "schemas", "schema", "payload", "$defs", "definitions", "properties", "items",
    "prefixItems", "allOf", "anyOf", "oneOf", "not", "additionalProperties",
    "patternProperties", "contains", "if", "then", "else", "dependentSchemas",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
    "contentSchema"})
_API_KEYS = ("openapi", "asyncapi", "swagger")


def schema_target(engine: Engine, side: int, node: Any, loc: Loc) -> tuple[Any, Loc]:
    """``engine.target``, refusing a ``$ref`` that names something other than a schema in
    an API document (``#/paths``, a parameter...): comparing that as a schema would only
    produce confident nonsense."""
    found, at = engine.target(side, node, loc)
    if at != loc:
        data = engine.sides[side].ws.document(at.file).data
        api = isinstance(data, dict) and any(k in data for k in _API_KEYS)
        tokens = at.pointer.split("/")[1:]
        holders = _SCHEMA_HOLDERS | ({"headers"} if isinstance(data, dict)
                                     and "asyncapi" in data else frozenset())
        if api and not any(t in holders for t in tokens):
            raise _bad(engine, side, loc.child("$ref"),
                       f"$ref {node.get('$ref')!r} leads to {at.pointer or 'the document'}, "
                       "which is not a schema; expected a reference to a schema "
                       "(#/components/schemas/...)")
    return found, at


def as_schema(engine: Engine, side: int, node: Any, loc: Loc) -> dict[str, Any]:
    """A schema as an object: JSON Schema's boolean schemas as what they mean; anything
    else is not a schema, and a diff of it would be guesswork."""
    if node is True:
        return {}
    if node is False:
        return {"not": {}}
    if not isinstance(node, dict):
        raise _bad(engine, side, loc, f"expected a schema (an object or a boolean), "
                                      f"found {_kind(node)}")
    return node


def _bad(engine: Engine, side: int, loc: Loc, message: str) -> InputError:
    doc_side = engine.sides[side]
    return InputError(message, file=doc_side.display(loc.file), pointer=loc.pointer,
                      line=doc_side.ws.document(loc.file).line_of(loc.pointer))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    shown = json.dumps(value, default=str)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"an array ({shown})" if isinstance(value, list) else f"an object ({shown})"


def _is_schema(v: Any) -> bool:
    return isinstance(v, dict | bool)


def _is_count(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 and v == int(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_type(v: Any) -> bool:
    """A type name or a list of them. A string naming no JSON type is the right kind of
    value, spelled wrong: the type rules report it changed, as any other name."""
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(t, str) for t in v))


def _is_discriminator(v: Any) -> bool:
    """An OpenAPI Discriminator Object, or AsyncAPI 2's property name alone."""
    if isinstance(v, str):
        return True
    if not isinstance(v, dict) or not isinstance(v.get("propertyName", ""), str):
        return False
    mapping = v.get("mapping", {})
    return isinstance(mapping, dict) and all(isinstance(t, str) for t in mapping.values())


_A_SCHEMA = "a schema (an object or a boolean)"
_COUNT = "a non-negative integer"
_EXPECTED: dict[str, tuple[Any, str]] = {
    **{k: (lambda v: isinstance(v, dict) and all(map(_is_schema, v.values())),
           "an object whose values are schemas")
       for k in ("properties", "patternProperties", "dependentSchemas")},
    **{k: (lambda v: isinstance(v, list) and all(map(_is_schema, v)), "an array of schemas")
       for k in ("allOf", "anyOf", "oneOf", "prefixItems")},
    **{k: (_is_schema, _A_SCHEMA)
       for k in ("not", "additionalProperties", "if", "then", "else", "contains",
                 "propertyNames", "unevaluatedProperties", "unevaluatedItems",
                 "additionalItems", "contentSchema")},
    "items": (lambda v: _is_schema(v) or (isinstance(v, list) and all(map(_is_schema, v))),
              "a schema (or, before 2020-12, an array of schemas)"),
    **{k: (_is_count, _COUNT)
       for k in ("maxLength", "minLength", "maxItems", "minItems", "maxProperties",
                 "minProperties", "maxContains", "minContains")},
    **{k: (_is_number, "a number") for k in ("maximum", "minimum")},
    **{k: (lambda v: _is_number(v) or isinstance(v, bool),
           "a number (or, in OpenAPI 3.0, a boolean)")
       for k in ("exclusiveMaximum", "exclusiveMinimum")},
    "multipleOf": (lambda v: _is_number(v) and v > 0, "a number greater than 0"),
    "required": (lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
                 "an array of property names (strings)"),
    "type": (_is_type, "a type name or an array of type names (strings)"),
    "enum": (lambda v: isinstance(v, list), "an array of values"),
    **{k: (lambda v: isinstance(v, str), "a string")
       for k in ("pattern", "format", "$ref", "contentEncoding", "contentMediaType")},
    **{k: (lambda v: isinstance(v, bool), "a boolean (true or false)")
       for k in ("nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems")},
    "discriminator": (_is_discriminator, "an object with a string propertyName and a mapping "
                                         "of values to schema references (or, in AsyncAPI "
                                         "2, a property name)"),
    "dependentRequired": (lambda v: isinstance(v, dict) and all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in v.values()), "an object whose values are arrays of property names"),
}


def check_keywords(engine: Engine, side: int, node: dict[str, Any], loc: Loc) -> None:
    """Refuse a schema keyword of the wrong JSON type (``properties: 5``, ``type: [1]``,
    ``$ref: 5``): the rules would read it as absent and report confident verdicts."""
    for keyword, value in node.items():
        expected = _EXPECTED.get(keyword)
        if expected is not None and not expected[0](value):
            raise _bad(engine, side, loc.child(keyword),
                       f"{keyword} must be {expected[1]}, found {_kind(value)}")
    if isinstance(node.get("items"), list) and _is_2020(engine, side, loc):
        raise _bad(engine, side, loc.child("items"),
                   "items must be a schema in JSON Schema 2020-12 (OpenAPI 3.1), found an "
                   "array; a tuple is written with prefixItems")


def _is_2020(engine: Engine, side: int, loc: Loc) -> bool:
    """Whether the schema at ``loc`` is read as JSON Schema 2020-12: its file says so in
    ``$schema``, or it is (or is used by) an OpenAPI 3.1 document."""
    data = engine.sides[side].ws.document(loc.file).data
    declared = data.get("$schema") if isinstance(data, dict) else None
    if isinstance(declared, str):
        return "2020-12" in declared
    return engine.sides[side].format == "oas3.1"


# -- small helpers ----------------------------------------------------------------------------


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


# -- oneOf / anyOf variants -------------------------------------------------------------------

_COMPONENT = re.compile(r"/(?:schemas|\$defs|definitions)/([^/]+)$")


def wrapped_variant(pair: Pair) -> tuple[int, str, int] | None:
    """(side with the choice, oneOf or anyOf, index) when one side is a oneOf/anyOf, the
    other is not, and one variant is that other side itself: the same component, the same
    title, or the same content. ``payment: $ref Card`` becoming ``oneOf: [$ref Card,
    $ref Bank]`` gained a variant; it did not lose Card's properties."""
    engine = pair.engine
    for side, plain, plain_at, choice in ((REV, pair.base, pair.base_loc, pair.rev),
                                          (BASE, pair.rev, pair.rev_loc, pair.base)):
        keywords = [k for k in _VARIANTS if isinstance(choice.get(k), list)]
        if len(keywords) != 1 or any(k in plain for k in _VARIANTS):
            continue
        keyword = keywords[0]
        own = set()
        found = _COMPONENT.search(plain_at.pointer) if plain_at else None
        if found:
            own.add(f"ref:{found.group(1)}")
        if isinstance(plain.get("title"), str):
            own.add(f"title:{plain['title']}")
        choice_at = _loc(pair.rev_at(keyword) if side == REV else pair.base_at(keyword))
        for i, variant in enumerate(choice[keyword]):
            at = choice_at.child(i)
            if variant_key(engine, side, variant, at) in own:
                return side, keyword, i
            value, _ = engine.resolve(side, variant, at)
            if isinstance(value, dict) and same_json(value, plain):
                return side, keyword, i
    return None


def variant_key(engine: Engine, side: int, variant: Any, loc: Loc) -> str | None:
    """What identifies a oneOf/anyOf variant across versions: the component it names, else
    its title, else None (then content, then shape, then position decide)."""
    if is_ref(variant):
        _, target = engine.resolve(side, variant, loc)
        return f"ref:{target.pointer.rsplit('/', 1)[-1]}"
    if isinstance(variant, dict) and isinstance(variant.get("title"), str):
        return f"title:{variant['title']}"
    return None


def _text(variant: Any) -> str:
    """A variant's content as canonical JSON (``true`` is not ``1`` there)."""
    return json.dumps(variant, sort_keys=True, default=str)


def _shape(variant: Any) -> str:
    """What tells unnamed variants apart when their content changed: type and required."""
    if not isinstance(variant, dict):
        return _text(variant)
    kind = variant.get("type")
    required = variant.get("required")
    return _text([sorted(kind) if isinstance(kind, list) else kind,
                  sorted(n for n in required if isinstance(n, str))
                  if isinstance(required, list) else None])


def pair_variants(engine: Engine, base: list[Any], base_loc: Loc, rev: list[Any],
                  rev_loc: Loc) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(matched (base index, revision index), removed base indexes, added revision indexes).

    Variants that name a component or carry a title are matched by that. The others are
    matched first with an identical variant (so reordering them is no change), then with
    one of the same type and required properties, then by their order among those left."""
    bkeys = [variant_key(engine, BASE, v, base_loc.child(i)) for i, v in enumerate(base)]
    rkeys = [variant_key(engine, REV, v, rev_loc.child(i)) for i, v in enumerate(rev)]
    matched: list[tuple[int, int]] = []
    used: set[int] = set()
    rev_by_key: dict[str, int] = {}
    for j, key in enumerate(rkeys):
        if key is not None:
            rev_by_key.setdefault(key, j)
    unnamed_base: list[int] = []
    removed: list[int] = []
    for i, key in enumerate(bkeys):
        if key is None:
            unnamed_base.append(i)
        elif key in rev_by_key and rev_by_key[key] not in used:
            matched.append((i, rev_by_key[key]))
            used.add(rev_by_key[key])
        else:
            removed.append(i)
    left_rev = [j for j, k in enumerate(rkeys) if k is None]
    for signature in (_text, _shape):
        waiting: dict[str, list[int]] = {}
        for j in left_rev:
            waiting.setdefault(signature(rev[j]), []).append(j)
        rest = []
        for i in unnamed_base:
            found = waiting.get(signature(base[i]))
            if found:
                j = found.pop(0)
                matched.append((i, j))
                used.add(j)
            else:
                rest.append(i)
        unnamed_base = rest
        left_rev = [j for j in left_rev if j not in used]
    for i, j in zip(unnamed_base, left_rev, strict=False):
        matched.append((i, j))
        used.add(j)
    removed += unnamed_base[len(left_rev):]
    added = [j for j in range(len(rev)) if j not in used]
    return sorted(matched), sorted(removed), added
