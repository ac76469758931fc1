"""Compatibility modes, as in Confluent Schema Registry, for the registry's contracts.

Confluent's words are about readers and writers of data: BACKWARD -- readers built on the new
version read data written with the old (consumers upgrade first); FORWARD -- readers built on
the old version read data written with the new (producers upgrade first); FULL -- both. NONE --
changes are listed, none counts as breaking. The ``_TRANSITIVE`` forms check the revision
against every released version (Git tags), not only the latest.

JSON Schema contracts: a schema alone does not say who reads it, so the mode says which way
to check: BACKWARD as ``subscribe`` (the revision reads), FORWARD as ``publish`` (the revision
writes), FULL both.

AsyncAPI contracts: message payloads and headers are data in a log, so the mode means what it
means in Confluent, whichever way the operation sends them. BACKWARD judges every message as
read by readers built on the revision (an event the application sends: new consumers reading
events still in the log, written with the base); FORWARD as written by the revision for
readers built on the base (an event the application sends: the consumers deployed today); FULL
both, each change at the stricter of the two levels (narrowing a sent enum is harmless to
today's consumers and breaks a new one replaying old events). A change is still reported in
the direction its data flows (``publish`` for what the application sends), in the rule's
words (other parts read them); the mode shown beside every verdict says why it breaks. The
document is walked twice, as the operations' actions say and mirrored (asyncapi_walk's
``mirrored``), and each walk gives the judgements the mode asks for. Channel parameters and
server variables (addresses, not data) and what is not data are judged as without a mode. A
schema (or a message) that a sent and a received message share is judged for each operation
as an unshared one would be: the mode, not the sharing, decides its level.

OpenAPI contracts: an HTTP response is read once, by clients already deployed, and no log
replays old responses to new clients, so BACKWARD keeps its API meaning: the revision serves
the base's clients (it reads the requests they send; they read the responses it writes), which
is how every change is judged by default. FORWARD: the base serves clients built on the
revision (a rollback, or clients that upgrade first): each request or response change is judged
in the mirror direction (narrowing a response then breaks, widening a request breaks). FULL:
both, at the stricter level. What is not data (paths, operations, parameters' presence,
security, servers: direction ``none``) is judged the same under every mode, as is which rule
reports a request or response change (the walk is not repeated: only its level moves).

Open and closed content models matter here as they do in Confluent: the schema rules see
``additionalProperties: false`` (a closed model), so adding a property to a closed schema is
breaking where an old reader meets it, and harmless to an open one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ledgerpact.governance.diff.model import Change, Direction, Level, Place
from ledgerpact.registry.metadata import Compatibility

if TYPE_CHECKING:
    from ledgerpact.governance.diff.engine import DocSide  # pragma: no cover

_DIRECTIONS: dict[str, tuple[Direction, ...]] = {
    "BACKWARD": (Direction.SUBSCRIBE,),
    "FORWARD": (Direction.PUBLISH,),
    "FULL": (Direction.PUBLISH, Direction.SUBSCRIBE),
    "NONE": (Direction.PUBLISH, Direction.SUBSCRIBE),
}


def base_mode(mode: Compatibility) -> str:
    return mode.value.removesuffix("_TRANSITIVE")


def directions_for(mode: Compatibility) -> tuple[Direction, ...]:
    """The directions a JSON Schema contract is checked in under ``mode``."""
    return _DIRECTIONS[base_mode(mode)]


def is_transitive(mode: Compatibility) -> bool:
    return mode.value.endswith("_TRANSITIVE")


def apply_mode(changes: list[Change], mode: Compatibility) -> list[Change]:
    """Under NONE nothing is breaking: cap each change at a warning. The semver bump stays
    what the change is (a removal is still a major change to anyone who reads versions)."""
    if base_mode(mode) != "NONE":
        return changes
    out = []
    for c in changes:
        if c.level is Level.BREAKING:
            level = Level.WARNING
            c = replace(c, level=level, message=f"{c.message} (allowed: compatibility NONE)")
        out.append(c)
    return out


@dataclass
class CompatReport:
    """The revision checked against one earlier version."""

    against: str  # the release or ref compared with, e.g. "money/v1.2.0"
    version: str
    changes: list[Change] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not any(c.level is Level.BREAKING for c in self.changes)


def compare(base: DocSide, rev: DocSide, mode: Compatibility | None = None) -> list[Change]:
    """Diff two sides as the contract's mode asks (the module docstring says how for each
    kind of contract), and NONE's cap. Without a mode (two plain files) a JSON Schema is
    checked both ways, and an API or event document as its own directions say.

    The mode in force is the BASE's: a change that also weakens the mode (FULL to NONE, say)
    is judged by the rules it was proposed under, and the mode change itself is reported, so
    a pull request cannot relax the policy and slip a breaking change through at once.
    ``mode`` overrides that, for judging old releases under the policy in force now."""
    from ledgerpact.governance.diff.run import BOTH_WAYS, diff_sides
    from ledgerpact.governance.diff.sides import mode_of

    if mode is not None:
        return apply_mode(_diff_under(base, rev, mode), mode)
    base_mode, rev_mode = mode_of(base), mode_of(rev)
    mode = base_mode or rev_mode
    if mode is None:
        changes = diff_sides(base, rev, directions=BOTH_WAYS)
    else:
        changes = apply_mode(_diff_under(base, rev, mode), mode)
    if base_mode is not None and rev_mode is not None and base_mode is not rev_mode:
        changes = [*_mode_change(base, rev), *changes]
    return changes


def _mode_change(base: DocSide, rev: DocSide) -> list[Change]:
    """The ``contract`` rules on the two sides' metadata (compatibility-mode-changed)."""
    from ledgerpact.governance.diff.engine import Engine
    from ledgerpact.governance.diff.model import Direction
    from ledgerpact.governance.diff.pairs import Pair
    from ledgerpact.governance.lint.model import Loc
    from ledgerpact.registry.catalog import find_entry

    old = find_entry(base.ws, base.contract)
    new = find_entry(rev.ws, rev.contract)
    assert old is not None and new is not None  # both have a mode, so both exist
    engine = Engine(base, rev)
    engine.run(Pair("contract", old.meta.model_dump(mode="json"),
                    new.meta.model_dump(mode="json"), Loc(old.metadata_path, ""),
                    Loc(new.metadata_path, ""), Direction.NONE, rev.contract, engine))
    return engine.finish()


# -- the mode on documents that carry their own directions --------------------------------------

_EVENT_DATA = (Direction.PUBLISH, Direction.SUBSCRIBE)
_API_DATA = (Direction.REQUEST, Direction.RESPONSE)
_NOT = "within 'not': "


def _diff_under(base: DocSide, rev: DocSide, mode: Compatibility) -> list[Change]:
    """The changes judged as ``mode`` asks (see the module docstring), before NONE's cap."""
    from ledgerpact.governance.diff.run import diff_sides

    if base.format.startswith("asyncapi") and rev.format.startswith("asyncapi"):
        return _event_changes(base, rev, mode)
    changes = diff_sides(base, rev, directions=directions_for(mode))
    if base.format.startswith("oas") and base_mode(mode) in ("FORWARD", "FULL"):
        return [_api_judged(c, mode) for c in changes]
    return changes


def _walk_events(base: DocSide, rev: DocSide, *, mirrored: bool) -> list[Change]:
    from ledgerpact.governance.diff.asyncapi_walk import walk_asyncapi
    from ledgerpact.governance.diff.engine import Engine

    engine = Engine(base, rev)
    walk_asyncapi(engine, mirrored=mirrored)
    return engine.finish()


def _event_changes(base: DocSide, rev: DocSide, mode: Compatibility) -> list[Change]:
    """Each message change judged the way(s) the mode names: ``subscribe`` (readers built on
    the revision) for BACKWARD, ``publish`` (readers built on the base) for FORWARD, both for
    FULL. A change that hangs on an operation's action is found by the other walk the other
    way round, for the same operations; one that does not (a channel parameter, a server
    variable, anything not data) is found the same way in both, and stays as found. A schema
    a sent and a received message share is one place each walk finds in both directions, so
    only the operations tell the findings apart: paired by place alone, both looked found
    alike and kept their levels without the mode. Each walk's reported direction
    is its judging direction (inside ``not`` too: there the report gives the outer one), so
    the mode picks by it; the mirrored walk's changes are then turned back to the direction
    their data flows, and the two walks' findings of one change are merged at the stricter
    level."""
    from ledgerpact.governance.diff.engine import change_order

    name = base_mode(mode)
    natural = _walk_events(base, rev, mirrored=False)
    if name == "NONE":
        return natural
    wanted = {"BACKWARD": (Direction.SUBSCRIBE,), "FORWARD": (Direction.PUBLISH,),
              "FULL": _EVENT_DATA}[name]
    other = _walk_events(base, rev, mirrored=True)
    in_natural, in_other = {_found(c) for c in natural}, {_found(c) for c in other}

    def moves(c: Change, other_walk: set[_Found]) -> bool:
        return c.direction in _EVENT_DATA and _found(c, mirror=True) in other_walk

    kept = [c for c in natural if not moves(c, in_other) or c.direction in wanted]
    mirrored = [replace(c, direction=c.direction.mirror) for c in other
                if moves(c, in_natural) and c.direction in wanted]
    merged: dict[tuple[str, Direction, Place | None, Place | None, str], Change] = {
        _key(c): c for c in kept}
    for c in mirrored:
        found = merged.get(_key(c))
        if found is None or c.level > found.level:
            merged[_key(c)] = _noted(c, found)
        elif c.affects != found.affects:
            merged[_key(c)] = replace(found, affects=sorted({*found.affects, *c.affects}))
    return sorted(merged.values(), key=change_order)


_Found = tuple[str, Direction, Place | None, Place | None, str, tuple[str, ...]]


def _found(c: Change, *, mirror: bool = False) -> _Found:
    """What pairs one change across the two walks: the operations it affects are part of it,
    since a schema two operations share is one place judged once per direction, and which
    operations reach it in a direction is what the action decides."""
    direction = c.direction.mirror if mirror else c.direction
    return (c.rule, direction, c.base, c.revision, c.message, tuple(c.affects))


def _key(c: Change) -> tuple[str, Direction, Place | None, Place | None, str]:
    return (c.rule, c.direction, c.base, c.revision, c.message)


def _noted(c: Change, natural: Change | None) -> Change:
    """The mirrored walk's finding, listing what the natural one did too. Its message stays
    the rule's: other parts read the diff's words (the deprecation policy names a removed
    element from them), and the mode shown beside every verdict says why it is breaking."""
    return replace(c, affects=sorted({*c.affects, *(natural.affects if natural else ())}))


def _api_judged(c: Change, mode: Compatibility) -> Change:
    """A request or response change at the level FORWARD (the mirror direction) or FULL (the
    stricter of both) gives it; its bump follows."""
    from ledgerpact.governance.diff.catalog import get_rule

    if c.direction not in _API_DATA:
        return c
    rule = get_rule(c.rule)
    if base_mode(mode) == "FULL":
        level = max(c.level, *(rule.level(d) for d in _API_DATA))
    else:  # FORWARD; inside ``not`` the rule judged in the mirror of the reported direction
        judged = c.direction.mirror if c.message.startswith(_NOT) else c.direction
        level = rule.level(judged.mirror)
    if level is c.level:
        return c
    return replace(c, level=level, bump=rule.bump(level))  # the message stays: see _noted

