"""The diff engine: runs the rules on each pair the walkers hand it, and collects changes.

Two ideas keep it fast and its output short, where oasdiff and Optic are slow or repetitive:

- a schema comparison is a *unit* keyed by (base place, revision place, direction). A unit is
  compared once; a second ``$ref`` to the same pair of places only adds a graph edge. That is
  also what makes ``$ref`` cycles terminate.
- a change belongs to the unit it was found in; the operations it affects are found at the end
  by walking the unit graph upwards to the operations that use it. So a change to a shared
  enum is one change listing every operation, not one change per operation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ledgerpact.governance.diff.catalog import rules_for
from ledgerpact.governance.diff.model import Change, DiffRule, Direction, Hit, Place
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.lint.index import detect_format
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.refs import follow, is_ref, parse_ref
from ledgerpact.registry.workspace import Workspace

BASE, REV = 0, 1
# Keywords next to a ``$ref`` that change nothing a validator accepts.
_ANNOTATIONS = frozenset({"$ref", "description", "summary", "title", "examples", "example",
                          "$comment"})
_SIBLING_DIALECTS = ("2019-09", "2020-12")
# Rule families bound to one kind of document; "schema" rules run wherever schemas are.
_DOCUMENT_FAMILIES = frozenset({"openapi", "asyncapi"})


@dataclass
class DocSide:
    """One side of a diff: a document in a workspace (a folder, or the registry at a ref)."""

    ws: Workspace
    root: str  # the document's path inside the workspace
    label: str  # how messages name this side: a file, or ``erp-finance@1.2.0``
    prefix: str = ""  # shown before workspace paths (a file given outside any registry)
    contract: str = ""  # registry id, when the side is a registry contract
    kind: str = ""  # registry kind (openapi, asyncapi, json-schema), when known

    @property
    def data(self) -> Any:
        return self.ws.document(self.root).data

    @property
    def format(self) -> str:
        """oas3.0, oas3.1, asyncapi2, asyncapi3 or json-schema; anything that declares
        another API format (Swagger 2.0, OpenAPI 3.2...) is refused, never diffed as a bare
        schema that would report "no changes"."""
        if self.kind == "json-schema":
            return "json-schema"
        data = self.data
        found = detect_format(data)
        if found is not None:
            return found
        if isinstance(data, dict):
            for key, name in (("swagger", "Swagger"), ("openapi", "OpenAPI"),
                              ("asyncapi", "AsyncAPI")):
                if key in data:
                    raise InputError(
                        f"unsupported format: {name} {data[key]!r} (supported: OpenAPI 3.0 "
                        "and 3.1, AsyncAPI 2.x and 3.x, JSON Schema)",
                        file=self.display(self.root), pointer=f"/{key}",
                        line=self.ws.document(self.root).line_of(f"/{key}"))
        return "json-schema"

    def display(self, file: str) -> str:
        return f"{self.prefix}/{file}" if self.prefix else file


# (base place, revision place, direction, inside an odd number of ``not``s)
UnitKey = tuple[Loc | None, Loc | None, Direction, bool]


@dataclass(eq=False, slots=True)
class Unit:
    """One schema comparison; ``labels`` are the operations/channels using it directly."""

    key: UnitKey
    labels: set[str] = field(default_factory=set)
    parents: list[Unit] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _Pending:
    rule: DiffRule
    direction: Direction
    message: str
    base: tuple[str, str] | None
    rev: tuple[str, str] | None
    judged: Direction  # the direction the rule's level is read in (see Pair.reported)
    affects: set[str] = field(default_factory=set)
    units: list[Unit] = field(default_factory=list)


@dataclass
class DiffOptions:
    today: dt.date = field(default_factory=dt.date.today)  # decides "after the sunset date"


class Engine:
    def __init__(self, base: DocSide, rev: DocSide, options: DiffOptions | None = None) -> None:
        self.sides = (base, rev)
        self.options = options or DiffOptions()
        self.units: dict[UnitKey, Unit] = {}
        self._pending: dict[tuple[Any, ...], _Pending] = {}
        self._targets: list[dict[tuple[str, str], tuple[Any, Loc]]] = [{}, {}]
        self._dialects: list[dict[str, bool]] = [{}, {}]
        self._family_of_docs: str | None = None

    # -- references --------------------------------------------------------------------------

    def resolve(self, side: int, node: Any, loc: Loc) -> tuple[Any, Loc]:
        """``node`` itself, or what its ``$ref`` chain ends at, and where that is. Unsafe or
        broken references are bad input (InputError), as everywhere in the registry."""
        if not is_ref(node):
            return node, loc
        ref = node["$ref"]
        cache = self._targets[side]
        found = cache.get((loc.file, ref))
        if found is None:
            ws = self.sides[side].ws
            at = loc.pointer + "/$ref"
            target = parse_ref(ref, loc.file, at, ws)
            final, value = follow(
                target, loc.file, at, ws,
                stop=lambda t, v: self.keeps_siblings(side, v, Loc(t.file, t.pointer)))
            found = (value, Loc(final.file, final.pointer))
            cache[(loc.file, ref)] = found
        return found

    def keeps_siblings(self, side: int, node: Any, loc: Loc) -> bool:
        """True for a ``$ref`` whose sibling keywords apply as well (JSON Schema 2019-09 and
        later, so OpenAPI 3.1 and the registry's 2020-12 schemas): it is an ``allOf`` of
        the target and the siblings. Draft-07 dialects (OpenAPI 3.0, AsyncAPI's default)
        ignore siblings, so there the node is the target alone."""
        if not is_ref(node) or all(key in _ANNOTATIONS for key in node):
            return False
        known = self._dialects[side].get(loc.file)
        if known is None:
            doc_side = self.sides[side]
            data = doc_side.ws.document(loc.file).data
            declared = data.get("$schema") if isinstance(data, dict) else None
            if isinstance(declared, str):
                known = any(d in declared for d in _SIBLING_DIALECTS)
            elif loc.file == doc_side.root:
                known = doc_side.format in ("oas3.1", "json-schema")
            else:  # a schema file without $schema: the dialect of the document using it
                known = doc_side.format in ("oas3.1", "json-schema")
            self._dialects[side][loc.file] = known
        return known

    def target(self, side: int, node: Any, loc: Loc) -> tuple[Any, Loc]:
        """Like ``resolve``, but a ``$ref`` with applying siblings stays where it is: its
        target is folded in as an ``allOf`` member when the schema is compared."""
        if self.keeps_siblings(side, node, loc):
            return node, loc
        return self.resolve(side, node, loc)

    # -- schema units ------------------------------------------------------------------------

    def unit(self, key: UnitKey, parent: Unit | None,
             label: str | None = None) -> tuple[Unit, bool]:
        """The unit for ``key`` and whether it is new (and so still to be compared)."""
        unit = self.units.get(key)
        fresh = unit is None
        if unit is None:
            unit = self.units[key] = Unit(key)
        if parent is not None and parent is not unit:
            unit.parents.append(parent)
        if label is not None:
            unit.labels.add(label)
        return unit, fresh

    # -- rules -------------------------------------------------------------------------------

    @property
    def _family(self) -> str:
        """openapi, asyncapi or schema: which document-bound rule families may run. Read on
        first use: a contract present on one side only has no document on the other."""
        if self._family_of_docs is None:
            fmt = self.sides[REV].format
            self._family_of_docs = ("openapi" if fmt.startswith("oas") else
                                    "asyncapi" if fmt.startswith("asyncapi") else "schema")
        return self._family_of_docs

    def run(self, pair: Pair) -> None:
        family = self._family if pair.kind != "contract" else ""
        for rule in rules_for(pair.kind):
            if rule.family in _DOCUMENT_FAMILIES and rule.family != family:
                continue  # an OpenAPI rule on an AsyncAPI pair of the same kind, or back
            for hit in rule.check(pair):
                self.record(rule, pair, hit)

    def record(self, rule: DiffRule, pair: Pair, hit: Hit) -> None:
        base = None if hit.no_base or (pair.base_loc is None and hit.base_at is None) else (
            hit.base_at or pair.default_at(True, hit.rev_at))
        rev = None if hit.no_rev or (pair.rev_loc is None and hit.rev_at is None) else (
            hit.rev_at or pair.default_at(False, hit.base_at))
        # Inside ``not`` the rule judged in the mirror direction: its level stands, the
        # change is reported in the direction the data really flows.
        direction, message = pair.reported(rule, hit.message)
        key = (rule.id, direction, pair.direction, base, rev, message)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(rule, direction, message, base, rev,
                                                    judged=pair.direction)
        pending.affects.update(pair.affects)
        if pair.unit is not None and pair.unit not in pending.units:
            pending.units.append(pair.unit)

    # -- results -----------------------------------------------------------------------------

    def finish(self) -> list[Change]:
        """The changes, each once, located on both sides, with what they affect."""
        reach: dict[int, set[str]] = {}
        wanted: list[set[tuple[str, str]]] = [set(), set()]
        for p in self._pending.values():
            for unit in p.units:
                p.affects |= self._labels_above(unit, reach)
            if p.base:
                wanted[BASE].add(p.base)
            if p.rev:
                wanted[REV].add(p.rev)
        anchors = {p.base: found for p in self._pending.values()
                   if p.rev is None and p.base is not None
                   and (found := self._anchor(p.base)) is not None}
        wanted[REV].update(anchors.values())
        places = [self._places(side, wanted[side]) for side in (BASE, REV)]
        changes = []
        for p in self._pending.values():
            level = p.rule.level(p.judged)
            changes.append(Change(
                rule=p.rule.id, level=level, direction=p.direction, message=p.message,
                base=places[BASE][p.base] if p.base else None,
                revision=places[REV][p.rev] if p.rev else None,
                affects=sorted(p.affects), bump=p.rule.bump(level),
                contract=self.sides[REV].contract or self.sides[BASE].contract,
                anchor=places[REV][anchors[p.base]] if p.base in anchors else None))
        changes.sort(key=change_order)
        return changes

    def _anchor(self, at: tuple[str, str]) -> tuple[str, str] | None:
        """The deepest parent of base place ``at`` that the revision still has (the same
        file and pointer prefix), else the revision's root document; None when even that
        is gone (a whole contract removed)."""
        file, pointer = at
        rev = self.sides[REV]
        if file == self.sides[BASE].root:  # the documents themselves may be named apart
            file = rev.root
        if not rev.ws.source.exists(file):
            return (rev.root, "") if rev.ws.source.exists(rev.root) else None
        node = rev.ws.document(file).data
        kept = ""
        for token in pointer.split("/")[1:] if pointer else []:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                break
            kept += "/" + token
        return (file, kept)

    def _labels_above(self, unit: Unit, memo: dict[int, set[str]]) -> set[str]:
        cached = memo.get(id(unit))
        if cached is not None:
            return cached
        labels: set[str] = set()
        seen = {id(unit)}
        stack = [unit]
        while stack:  # iterative: schema graphs can be deep and cyclic
            u = stack.pop()
            labels |= u.labels
            for parent in u.parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        memo[id(unit)] = labels
        return labels

    def _places(self, side: int, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Place]:
        doc_side = self.sides[side]
        by_file: dict[str, list[str]] = {}
        for file, pointer in wanted:
            by_file.setdefault(file, []).append(pointer)
        out: dict[tuple[str, str], Place] = {}
        for file, pointers in by_file.items():
            positions = doc_side.ws.document(file).positions(pointers)
            for pointer in pointers:
                line, column = positions.get(pointer) or (1, 1)
                out[(file, pointer)] = Place(doc_side.display(file), pointer, line, column)
        return out


def change_order(change: Change) -> tuple[Any, ...]:
    place = change.place
    return (-change.level, place.file, place.line, place.pointer, change.rule, change.message)
