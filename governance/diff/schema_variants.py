"""Pairing the variants of a ``oneOf``/``anyOf`` across versions, and spotting a schema that
became (or stopped being) one of them.

Variants have no names of their own and are often reordered, so pairing them by position
would report every reordering as removed and added variants. They are paired by what
identifies them (the component they name, a title), then by content, then by shape, then by
position; the walk descends into each pair and rules/composition.py reports the rest.
"""

from __future__ import annotations

import re
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV, Engine
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.schema_json import json_text, same_json
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.refs import is_ref

VARIANTS = ("oneOf", "anyOf")
_COMPONENT = re.compile(r"/(?:schemas|\$defs|definitions)/([^/]+)$")


def wrapped_variant(pair: Pair) -> tuple[int, str, int] | None:
    """(side with the choice, oneOf or anyOf, index) when one side is a oneOf/anyOf, the
    other is not, and one variant is that other side itself: the same component, the same
    title, or the same content. ``payment: $ref Card`` becoming ``oneOf: [$ref Card,
    $ref Bank]`` gained a variant; it did not lose Card's properties."""
    engine = pair.engine
    for side, plain, plain_at, choice in ((REV, pair.base, pair.base_loc, pair.rev),
                                          (BASE, pair.rev, pair.rev_loc, pair.base)):
        keywords = [k for k in VARIANTS if isinstance(choice.get(k), list)]
        if len(keywords) != 1 or any(k in plain for k in VARIANTS):
            continue
        keyword = keywords[0]
        own = set()
        found = _COMPONENT.search(plain_at.pointer) if plain_at else None
        if found:
            own.add(f"ref:{found.group(1)}")
        if isinstance(plain.get("title"), str):
            own.add(f"title:{plain['title']}")
        choice_at = Loc(*(pair.rev_at(keyword) if side == REV else pair.base_at(keyword)))
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


def _shape(variant: Any) -> str:
    """What tells unnamed variants apart when their content changed: type and required."""
    if not isinstance(variant, dict):
        return json_text(variant)
    kind = variant.get("type")
    required = variant.get("required")
    return json_text([sorted(kind) if isinstance(kind, list) else kind,
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
    for signature in (json_text, _shape):
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
