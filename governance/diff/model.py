"""What a diff rule is, and what it reports.

Direction is data: most schema rules are one rule whose level depends on whether the changed
schema is read by the revision (request, or an event the application receives) or written by
it (response, or an event it sends). A rule therefore declares a level per direction, and the
walker supplies the direction of each pair it hands to the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerpact.governance.diff.pairs import Pair  # pragma: no cover


class Level(IntEnum):
    """Ordered so ``change.level >= fail_on`` decides the exit code."""

    INFO = 0
    WARNING = 1
    BREAKING = 2

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown level {text!r} (expected breaking, warning or info)"
                             ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Direction(StrEnum):
    """Which way the data at a change flows, seen from the documented application.

    ``request``: clients send it, the API reads it. ``response``: the API writes it, clients
    read it. ``publish``: the application sends the message (AsyncAPI 3 ``send``, 2.x
    ``subscribe``), consumers read it. ``subscribe``: the application receives it (AsyncAPI 3
    ``receive``, 2.x ``publish``), producers write it. ``none``: not about data (a path, a
    security requirement, a channel address)."""

    REQUEST = "request"
    RESPONSE = "response"
    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"
    NONE = "none"

    @property
    def revision_reads(self) -> bool:
        """True where the revision reads data written against the base (narrowing what is
        accepted breaks); False where it writes data read against the base (widening what
        is produced breaks)."""
        return self in (Direction.REQUEST, Direction.SUBSCRIBE)

    @property
    def mirror(self) -> Direction:
        return _MIRROR[self]


_MIRROR = {Direction.REQUEST: Direction.RESPONSE, Direction.RESPONSE: Direction.REQUEST,
           Direction.PUBLISH: Direction.SUBSCRIBE, Direction.SUBSCRIBE: Direction.PUBLISH,
           Direction.NONE: Direction.NONE}


class Bump(IntEnum):
    """The semantic-version bump a set of changes requires."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Place:
    """One side of a change, located in its source file."""

    file: str
    pointer: str
    line: int
    column: int

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pointer": self.pointer, "line": self.line,
                "column": self.column}


@dataclass
class Change:
    rule: str
    level: Level
    direction: Direction
    message: str
    base: Place | None
    revision: Place | None
    affects: list[str] = field(default_factory=list)
    bump: Bump = Bump.PATCH
    contract: str = ""
    # Where in the REVISION's files a code-review tool should annotate a change that has no
    # place there (a removal): the nearest surviving parent. Never shown as "revision".
    anchor: Place | None = None

    @property
    def place(self) -> Place:
        """Where to point a reader first: the revision, or the base for what is gone."""
        place = self.revision or self.base
        assert place is not None
        return place

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level.label,
                "direction": self.direction.value, "message": self.message,
                "base": self.base.as_dict() if self.base else None,
                "revision": self.revision.as_dict() if self.revision else None,
                "affects": list(self.affects), "bump": self.bump.label,
                **({"contract": self.contract} if self.contract else {})}


@dataclass(frozen=True)
class Hit:
    """What a rule yields: the message, and where on each side when not the pair's own
    place (a removed property sits under the pair's base schema, at ``properties/name``)."""

    message: str
    base_at: tuple[str, str] | None = None  # (file, pointer); None: the pair's base place
    rev_at: tuple[str, str] | None = None
    no_base: bool = False  # the change has no place on that side (an addition)
    no_rev: bool = False


@dataclass(frozen=True)
class DiffRuleDoc:
    summary: str  # one line
    why: str  # one paragraph
    base: str  # a complete small document (YAML) before the change
    revision: str  # the same document after it: the rule's own fixture


Check = Callable[["Pair"], Iterator[Hit]]


@dataclass(frozen=True)
class DiffRule:
    id: str
    kind: str  # the kind of pair the check runs on (see pairs.KINDS)
    levels: dict[Direction, Level]
    doc: DiffRuleDoc
    check: Check = field(compare=False, repr=False)
    family: str = "openapi"
    additive: bool = False  # when not breaking: minor (True) or patch (False)
    formats: frozenset[str] = frozenset()
    example_direction: Direction = Direction.NONE  # the direction of the doc's example

    def level(self, direction: Direction) -> Level:
        return self.levels[direction]

    def bump(self, level: Level) -> Bump:
        if level is Level.BREAKING:
            return Bump.MAJOR
        return Bump.MINOR if self.additive else Bump.PATCH

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "family": self.family,
                "levels": {d.value: lv.label for d, lv in self.levels.items()},
                "additive": self.additive, "formats": sorted(self.formats),
                "summary": self.doc.summary, "why": self.doc.why, "base": self.doc.base,
                "revision": self.doc.revision,
                "exampleDirection": self.example_direction.value}
