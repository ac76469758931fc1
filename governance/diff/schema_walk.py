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
all its definitions at once), and every other keyword is taken from the one part that has it
-- or, when parts disagree, compared part by part (each part paired with the same part of the
other version), so no member's keyword goes uncompared. Each change is located in the part it
happens in, so a change inside a member shared by several schemas is one change.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable
from typing import Any, NamedTuple

from ledgerpact.governance.diff.engine import BASE, REV, Engine, Unit
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError
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

# (base node, base place, revision node, revision place, direction, unit, subject, negated)
Work = tuple[Any, Loc, Any, Loc, Direction, Unit, str, bool]
Def = tuple[Any, Loc, str]  # a schema, its place, and its identity across versions


class Part(NamedTuple):
    """One schema of a conjunction: the schema itself or one of its (nested) members."""

    node: dict[str, Any]
    loc: Loc
    key: str  # the same part in the other version has the same key


def compare_schemas(engine: Engine, base: Any, base_loc: Loc, rev: Any, rev_loc: Loc,
                    direction: Direction, label: str, subject: str) -> None:
    """Compare a schema an operation or a message uses directly (its root): everything
    reached from here counts as affecting ``label``."""
    b, bl = schema_target(engine, BASE, base, base_loc)
    r, rl = schema_target(engine, REV, rev, rev_loc)
    unit, fresh = engine.unit((bl, rl, direction, False), None, label)
    if fresh:
        _Walk(engine).run((b, bl, r, rl, direction, unit, subject, False))


class _Walk:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue: deque[Work] = deque()
        # Comparisons made in a unit: an allOf member that reaches its referrer again
        # (a recursive model written with allOf) ends there.
        self.done: set[tuple[Any, ...]] = set()

    def run(self, first: Work) -> None:
        self.queue.append(first)
        while self.queue:
            self.compare(*self.queue.popleft())

    def cross(self, b: Any, bl: Loc, r: Any, rl: Loc, direction: Direction, unit: Unit,
              subject: str, negated: bool) -> None:
        """Into another unit through a ``$ref`` on either side."""
        engine = self.engine
        b2, bl2 = schema_target(engine, BASE, b, bl)
        r2, rl2 = schema_target(engine, REV, r, rl)
        child, fresh = engine.unit((bl2, rl2, direction, negated), unit)
        if fresh:
            self.queue.append((b2, bl2, r2, rl2, direction, child, subject, negated))

    def compare(self, b: Any, bl: Loc, r: Any, rl: Loc, direction: Direction, unit: Unit,
                subject: str, negated: bool) -> None:
        engine = self.engine
        if (is_ref(b) and not engine.keeps_siblings(BASE, b, bl)) \
                or (is_ref(r) and not engine.keeps_siblings(REV, r, rl)):
            self.cross(b, bl, r, rl, direction, unit, subject, negated)
            return
        b = as_schema(engine, BASE, b, bl)
        r = as_schema(engine, REV, r, rl)
        if not merges(b) and not merges(r) and same_json(b, r):
            self.same(b, bl, rl, direction, unit, subject, negated)
            return
        self.compare_defs([(b, bl, "")], [(r, rl, "")], direction, unit, subject, negated)

    def compare_defs(self, bdefs: list[Def], rdefs: list[Def], direction: Direction,
                     unit: Unit, subject: str, negated: bool) -> None:
        """Compare two conjunctions of schemas (one schema, or every definition of a
        property that several allOf members define)."""
        done = (id(unit), tuple(d[1] for d in bdefs), tuple(d[1] for d in rdefs), direction,
                negated)
        if done in self.done:
            return
        self.done.add(done)
        engine = self.engine
        bparts = parts_of(engine, BASE, bdefs)
        rparts = parts_of(engine, REV, rdefs)
        pairs = schema_pairs(engine, bparts, rparts, direction, subject, unit, negated)
        wrap = wrapped_variant(pairs[0])
        if wrap is not None:
            self.unwrap(pairs[0], bdefs, rdefs, unit, wrap)
            return
        for pair in pairs:
            engine.run(pair)
            self.descend(pair, unit)

    def unwrap(self, pair: Pair, bdefs: list[Def], rdefs: list[Def], unit: Unit,
               wrap: tuple[int, str, int]) -> None:
        """One side became (or stopped being) a oneOf/anyOf with the other side as one of
        its variants. The rules see the choice against nothing of the plain side's (so
        its properties are not reported as removed; ``pair.info["wrapped"]`` says which
        variant it became), and the plain side is compared with that variant."""
        side, keyword, index = wrap
        choice = Pair("schema", {} if side == REV else pair.base,
                      pair.rev if side == REV else {}, pair.base_loc, pair.rev_loc,
                      pair.direction, pair.subject, self.engine, unit=unit,
                      base_keys=pair.base_keys if side == BASE else {},
                      rev_keys=pair.rev_keys if side == REV else {},
                      base_parts=pair.base_parts, rev_parts=pair.rev_parts,
                      negated=pair.negated)
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
                         unit, named, pair.negated)
        else:
            self.compare_defs(bdefs, rdefs, pair.direction, unit, named, pair.negated)

    def descend(self, pair: Pair, unit: Unit) -> None:
        b, r, direction, negated = pair.base, pair.rev, pair.direction, pair.negated
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
                                 direction, unit, subject, negated)
                else:
                    self.compare_defs(bdefs, rdefs, direction, unit, subject, negated)
        for keyword in _ONE:
            if keyword in b and keyword in r:
                bv, rv = b[keyword], r[keyword]
                if keyword in _OPENNESS and (bv is False) != (rv is False):
                    continue  # the object closed or opened: a constraint rule reports it
                if isinstance(bv, list) or isinstance(rv, list):  # draft-07 tuple items
                    if isinstance(bv, list) and isinstance(rv, list):
                        self.each(pair, unit, keyword, bv, rv)
                    continue  # a tuple against one schema: schema-keyword-changed says so
                self.compare(bv, _loc(pair.base_at(keyword)), rv, _loc(pair.rev_at(keyword)),
                             direction, unit, pair.subject, negated)
        if "not" in b and "not" in r:  # what "not" accepts is what the schema refuses
            self.compare(b["not"], _loc(pair.base_at("not")), r["not"],
                         _loc(pair.rev_at("not")), direction.mirror, unit, pair.subject,
                         not negated)
        for keyword in _MAPS:
            bm, rm = b.get(keyword), r.get(keyword)
            if isinstance(bm, dict) and isinstance(rm, dict):
                for key in bm:
                    if key in rm:
                        self.compare(bm[key], _loc(pair.base_at(keyword, key)), rm[key],
                                     _loc(pair.rev_at(keyword, key)), direction, unit,
                                     pair.subject, negated)
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
                                 f"{keyword} variant {j}", negated)

    def each(self, pair: Pair, unit: Unit, keyword: str, bv: list[Any],
             rv: list[Any]) -> None:
        """Positional subschemas (prefixItems, tuple items): compared position by position;
        extra positions are the keyword rules' business."""
        for i in range(min(len(bv), len(rv))):
            self.compare(bv[i], _loc(pair.base_at(keyword, i)), rv[i],
                         _loc(pair.rev_at(keyword, i)), pair.direction, unit, pair.subject,
                         pair.negated)

    def same(self, node: dict[str, Any], bl: Loc, rl: Loc, direction: Direction, unit: Unit,
             subject: str, negated: bool) -> None:
        """Identical inline content: nothing to report here, but every ``$ref`` inside may
        still reach a component that changed, so cross each one; and a schema inside that
        merges members is compared as merged (its members may have changed)."""
        stack: list[tuple[Any, tuple[str | int, ...], Direction, bool]] = [
            (node, (), direction, negated)]
        while stack:
            value, tokens, d, neg = stack.pop()
            if not isinstance(value, dict):
                continue
            b_at, r_at = (bl.child(*tokens), rl.child(*tokens)) if tokens else (bl, rl)
            if is_ref(value) and not self.engine.keeps_siblings(BASE, value, b_at):
                self.cross(value, b_at, value, r_at, d, unit, subject, neg)
                continue
            if merges(value):
                self.compare_defs([(value, b_at, "")], [(value, r_at, "")], d, unit, subject,
                                  neg)
                continue
            unseen = self.unseen(value, b_at, r_at, d)
            if unseen is None:  # same text, but a $ref'd property was shown or hidden
                self.compare_defs([(value, b_at, "")], [(value, r_at, "")], d, unit, subject,
                                  neg)
                continue
            for keyword in SUBSCHEMA:
                if keyword in value:
                    sub = value[keyword]
                    flip = keyword == "not"
                    items = enumerate(sub) if isinstance(sub, list) else None
                    if items is None:
                        stack.append((sub, (*tokens, keyword), d.mirror if flip else d,
                                      neg != flip))
                    else:  # draft-07 tuple items
                        stack.extend((item, (*tokens, keyword, i), d, neg) for i, item in items)
            for keyword in SUBSCHEMA_LISTS:
                items = value.get(keyword)
                if isinstance(items, list):
                    stack.extend((item, (*tokens, keyword, i), d, neg)
                                 for i, item in enumerate(items))
            for keyword in SUBSCHEMA_MAPS:
                if keyword in ("$defs", "definitions"):
                    continue  # reached through $refs, when used at all
                entries = value.get(keyword)
                if isinstance(entries, dict):
                    stack.extend((item, (*tokens, keyword, key), d, neg)
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


def _choose(mine: list[tuple[Any, Part]],
            theirs: list[tuple[Any, Part]]) -> tuple[Any, Part] | None:
    """Of occurrences that all say the same, the one in the part the other side has it in
    (the place to point at), else the first."""
    if not mine:
        return None
    keys = {part.key for _, part in theirs}
    return next((o for o in mine if o[1].key in keys), mine[0])


def _pair_occurrences(bo: list[tuple[Any, Part]], ro: list[tuple[Any, Part]]
                      ) -> list[tuple[tuple[Any, Part] | None, tuple[Any, Part] | None]]:
    """A keyword several parts give different values: each occurrence against the same
    part's in the other version, the rest in order, what is left against nothing."""
    out: list[tuple[tuple[Any, Part] | None, tuple[Any, Part] | None]] = []
    by_key = {part.key: (value, part) for value, part in ro}
    used: set[str] = set()
    left: list[tuple[Any, Part]] = []
    for occ in bo:
        other = by_key.get(occ[1].key)
        if other is not None and occ[1].key not in used:
            used.add(occ[1].key)
            out.append((occ, other))
        else:
            left.append(occ)
    rest = [occ for occ in ro if occ[1].key not in used]
    out.extend(zip(left, rest, strict=False))
    out.extend((occ, None) for occ in left[len(rest):])
    out.extend((None, occ) for occ in rest[len(left):])
    return out


def schema_pairs(engine: Engine, bparts: list[Part], rparts: list[Part], direction: Direction,
                 subject: str, unit: Unit | None = None, negated: bool = False) -> list[Pair]:
    """The pairs the schema rules see: the merged view of both sides first (placed at each
    side's first part), then one pair per pair of parts for the keywords several parts give
    different values."""
    bl, rl = bparts[0].loc, rparts[0].loc
    if len(bparts) == 1 and len(rparts) == 1 and not merges(bparts[0].node) \
            and not merges(rparts[0].node):
        return [Pair("schema", bparts[0].node, rparts[0].node, bl, rl, direction, subject,
                     engine, unit=unit, negated=negated)]
    bs, rs = _collect(bparts), _collect(rparts)
    views: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    keys: tuple[dict[str, Loc], dict[str, Loc]] = ({}, {})
    groups: dict[tuple[str | None, str | None],
                 tuple[Part | None, Part | None, dict[str, Any], dict[str, Any]]] = {}
    for keyword in [*bs.occurrences, *(k for k in rs.occurrences if k not in bs.occurrences)]:
        bo, ro = bs.occurrences.get(keyword, []), rs.occurrences.get(keyword, [])
        if _distinct(bo) <= 1 and _distinct(ro) <= 1:
            for side, mine, theirs in ((BASE, bo, ro), (REV, ro, bo)):
                chosen = _choose(mine, theirs)
                if chosen is not None:
                    views[side][keyword] = chosen[0]
                    keys[side][keyword] = chosen[1].loc
            continue
        for b_occ, r_occ in _pair_occurrences(bo, ro):
            bpart = b_occ[1] if b_occ else None
            rpart = r_occ[1] if r_occ else None
            group = groups.setdefault((bpart.key if bpart else None,
                                       rpart.key if rpart else None), (bpart, rpart, {}, {}))
            if b_occ:
                group[2][keyword] = b_occ[0]
            if r_occ:
                group[3][keyword] = r_occ[0]
    defs = (bs.props, rs.props)
    for side, found in ((BASE, bs), (REV, rs)):
        if found.props:
            views[side]["properties"] = {name: d[0][0] for name, d in found.props.items()}
        if found.required_at is not None:
            views[side]["required"] = found.required
            keys[side]["required"] = found.required_at
    where = tuple({name: d[0][1] for name, d in found.items()} for found in defs)
    places = (tuple((p.loc, p.key) for p in bparts), tuple((p.loc, p.key) for p in rparts))
    common = {"direction": direction, "subject": subject, "engine": engine, "unit": unit,
              "base_parts": places[BASE], "rev_parts": places[REV], "negated": negated}
    pairs = [Pair("schema", views[BASE], views[REV], bl, rl, base_props=where[BASE],
                  rev_props=where[REV], base_keys=keys[BASE], rev_keys=keys[REV],
                  base_defs=defs[BASE], rev_defs=defs[REV], **common)]
    for bpart, rpart, bvals, rvals in groups.values():
        pairs.append(Pair("schema", bvals, rvals, bpart.loc if bpart else bl,
                          rpart.loc if rpart else rl, **common))
    return pairs


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
