"""Merged views: a schema made of others compared as the one schema their conjunction means.

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

Why a module of its own: what a conjunction of schemas says (the strictest bound, the types
all allow, the least common multiple of ``multipleOf``s) is a question apart from the order
in which the walk visits schemas; the walk asks for ``schema_pairs`` and descends into what
they hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from functools import reduce
from typing import Any, NamedTuple

from ledgerpact.governance.diff.engine import BASE, REV, Engine, Unit
from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.schema_json import json_text, same_json
from ledgerpact.governance.diff.schema_pair import make_pair
from ledgerpact.governance.diff.schema_shape import (
    as_schema,
    check_keywords,
    is_number,
    schema_target,
)
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.refs import is_ref

# A conditional's keywords: compared together, part by part (``_conditional_parts``).
_CONDITIONAL = ("if", "then", "else")
# Applicators whose subschemas evaluate properties for ``unevaluatedProperties`` beyond the
# schema's own properties (allOf members and $ref targets are merged into the view).
_EVALUATORS = ("anyOf", "oneOf", "if", "then", "else", "dependentSchemas")
# Keywords a merged view does not carry as such: members are folded in, and properties and
# ``required`` are united across parts.
_STRUCTURE = frozenset({"allOf", "$ref", "properties", "required"})

Def = tuple[Any, Loc, str]  # a schema, its place, and its identity across versions


class Part(NamedTuple):
    """One schema of a conjunction: the schema itself or one of its (nested) members."""

    node: dict[str, Any]
    loc: Loc
    key: str  # the same part in the other version has the same key


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
        if not all(is_number(v) for v in values):
            return None
        best = min(values) if keyword in _AT_MOST else max(values)
        return [o for o in found if o[0] == best]
    if keyword == "uniqueItems":
        return [o for o in found if o[0] is True] or found
    if keyword == "multipleOf":
        return _merge_multiple(found)
    if keyword == "enum":
        sets = [{json_text(v) for v in value} for value in values]
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
        if is_number(value):
            flag = part.node.get(exclusive) is True
            keywords = {inclusive: (value, part)}
            if flag:
                keywords[exclusive] = (True, part)
            candidates.append(((-value if upper else value, flag), keywords))
    for value, part in found.get(exclusive, []):
        if is_number(value):
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
        return [make_pair(within, "schema", bparts[0].node, rparts[0].node, bl, rl, direction,
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
    pairs = [make_pair(within, "schema", views[BASE], views[REV], bl, rl, base_props=where[BASE],
                   rev_props=where[REV], base_keys=keys[BASE], rev_keys=keys[REV],
                   base_defs=defs[BASE], rev_defs=defs[REV], **common)]
    for bpart, rpart, bvals, rvals in groups.values():
        pairs.append(make_pair(within, "schema", bvals, rvals, bpart.loc if bpart else bl,
                           rpart.loc if rpart else rl, **common))
    for pair in pairs:
        pair.info["evaluators"] = evaluators
    return pairs


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
