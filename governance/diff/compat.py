"""Compatibility modes, as in Confluent Schema Registry, for the registry's contracts.

A JSON Schema on its own does not say who reads it, so its mode says which way to check:
BACKWARD -- the new schema must read data written with the old (consumers upgrade first; checked
as ``subscribe``: the revision reads); FORWARD -- data written with the new schema must be
readable with the old (producers upgrade first; checked as ``publish``: the revision writes);
FULL -- both. NONE -- changes are listed, none counts as breaking. The ``_TRANSITIVE`` forms
check the revision against every released version (Git tags), not only the latest.

Open and closed content models matter here as they do in Confluent: the schema rules see
``additionalProperties: false`` (a closed model), so adding a property to a closed schema is
breaking where an old reader meets it, and harmless to an open one.

OpenAPI and AsyncAPI contracts carry their own directions (request/response, send/receive); for
them the mode decides transitivity and NONE.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ledgerpact.governance.diff.model import Change, Direction, Level
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
    """Diff two sides as the contract's mode asks: its directions for a JSON Schema, and
    NONE's cap. Without a mode (two plain files) a JSON Schema is checked both ways.

    The mode in force is the BASE's: a change that also weakens the mode (FULL to NONE, say)
    is judged by the rules it was proposed under, and the mode change itself is reported, so
    a pull request cannot relax the policy and slip a breaking change through at once.
    ``mode`` overrides that, for judging old releases under the policy in force now."""
    from ledgerpact.governance.diff.run import BOTH_WAYS, diff_sides
    from ledgerpact.governance.diff.sides import mode_of

    if mode is not None:
        changes = diff_sides(base, rev, directions=directions_for(mode))
        return apply_mode(changes, mode)
    base_mode, rev_mode = mode_of(base), mode_of(rev)
    mode = base_mode or rev_mode
    directions = directions_for(mode) if mode is not None else BOTH_WAYS
    changes = diff_sides(base, rev, directions=directions)
    if mode is not None:
        changes = apply_mode(changes, mode)
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
