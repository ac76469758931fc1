"""A pair: the same thing in the base and in the revision, handed to the rules of its kind.

Either side may be missing (an added or removed path, parameter, property...). Locations are
those of the resolved nodes, so a shared component is one place whichever ``$ref`` reached it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.lint.model import Loc

if TYPE_CHECKING:
    from ledgerpact.governance.diff.engine import Engine, Unit  # pragma: no cover
    from ledgerpact.governance.diff.model import DiffRule  # pragma: no cover

# The kinds of pair the walkers produce; each rule runs on exactly one kind.
KINDS = (
    "document",         # the two documents (info, servers, global things)
    "path",             # a path item, paired by template with parameter names ignored
    "operation",        # an HTTP operation
    "parameter",        # an operation's effective parameter, paired by (in, name)
    "request-body",     # an operation's request body
    "response",         # a response, paired by status code
    "media-type",       # a media type under a request body or a response (direction tells)
    "header",           # a response header
    "security",         # an operation's effective security requirements (lists)
    "security-scheme",  # a component security scheme
    "servers",          # an OpenAPI operation's effective server list
    "webhook",          # an OpenAPI 3.1 webhook, paired by name
    "webhook-item",     # a webhook's path item (its operations flow the other way)
    "callback",         # an operation's callback, paired by name
    "callback-item",    # a callback's path item for one URL expression
    "link",             # a response link
    "encoding",         # a multipart/form property's encoding
    "schema",           # a schema (allOf merged), both sides present
    "server",           # an AsyncAPI server, paired by name
    "channel",          # an AsyncAPI channel, paired by id (3.0) or address (2.x)
    "async-operation",  # an AsyncAPI operation (3.0 operation; 2.x publish/subscribe)
    "message",          # an AsyncAPI message under a channel/operation
    "variables",        # an AsyncAPI server's or channel's variables/parameters
    "binding",          # an AsyncAPI protocol binding (AMQP exchange, Kafka topic...)
    "async-security",   # an AsyncAPI server's or operation's security requirements
    "contract",         # a registry contract's metadata (added, removed, mode changed)
)


@dataclass(eq=False, slots=True)
class Pair:
    kind: str
    base: Any
    rev: Any
    base_loc: Loc | None
    rev_loc: Loc | None
    direction: Direction
    subject: str  # for messages: "GET /invoices", "query parameter 'limit'", ...
    engine: Engine
    parent: Pair | None = None
    affects: tuple[str, ...] = ()  # operations/channels, when not given by a schema unit
    unit: Unit | None = None  # the schema comparison this pair belongs to
    info: dict[str, Any] = field(default_factory=dict)
    # For schemas: where each merged property really sits (allOf members elsewhere).
    base_props: dict[str, Loc] = field(default_factory=dict)
    rev_props: dict[str, Loc] = field(default_factory=dict)
    # ... and the schema holding each other keyword an allOf member gave the merged view.
    base_keys: dict[str, Loc] = field(default_factory=dict)
    rev_keys: dict[str, Loc] = field(default_factory=dict)
    # Every definition of each property (several allOf members may define one: the property
    # is then all of them at once), as (schema, place, identity across versions).
    base_defs: dict[str, list[tuple[Any, Loc, str]]] = field(default_factory=dict)
    rev_defs: dict[str, list[tuple[Any, Loc, str]]] = field(default_factory=dict)
    # The schemas a merged view was made of, as (place, identity across versions): a change
    # found in one has its other side in the same schema of the other version.
    base_parts: tuple[tuple[Loc, str], ...] = ()
    rev_parts: tuple[tuple[Loc, str], ...] = ()
    # Inside an odd number of ``not``s: the rules judge in ``direction`` (what ``not``
    # accepts, the schema refuses), the change is reported in the mirror direction.
    negated: bool = False

    @property
    def added(self) -> bool:
        return self.base is None and self.rev is not None

    @property
    def removed(self) -> bool:
        return self.rev is None and self.base is not None

    @property
    def both(self) -> bool:
        return self.base is not None and self.rev is not None

    def base_at(self, *tokens: str | int) -> tuple[str, str]:
        assert self.base_loc is not None
        return self._at(self.base_loc, self.base_props, self.base_keys, tokens)

    def rev_at(self, *tokens: str | int) -> tuple[str, str]:
        assert self.rev_loc is not None
        return self._at(self.rev_loc, self.rev_props, self.rev_keys, tokens)

    def default_at(self, base_side: bool, other: tuple[str, str] | None) -> tuple[str, str]:
        """Where a change that names its place on the other side only (``other``) sits on
        this one: the same member schema of this version, when the pair is a merged view,
        so that a change inside an allOf member shared by several schemas is one change;
        else the pair's own place."""
        loc = self.base_loc if base_side else self.rev_loc
        assert loc is not None
        mine, theirs = (self.base_parts, self.rev_parts) if base_side else (
            self.rev_parts, self.base_parts)
        if other is not None and mine and theirs:
            key = _part_holding(theirs, other)
            for part_loc, part_key in mine:
                if part_key == key:
                    return tuple(part_loc)  # type: ignore[return-value]
        return tuple(loc)  # type: ignore[return-value]

    def reported(self, rule: DiffRule, message: str) -> tuple[Direction, str]:
        """The direction a change is reported in, and its message: inside ``not`` the outer
        direction, and a message saying what the change inside means outside."""
        if not self.negated:
            return self.direction, message
        reads, writes = rule.levels[Direction.REQUEST], rule.levels[Direction.RESPONSE]
        if reads < writes:  # the rule reports a widening: "not" now refuses more
            message += ", so values it now matches are no longer accepted"
        elif reads > writes:
            message += ", so values it no longer matches are now accepted"
        return self.direction.mirror, f"within 'not': {message}"

    @staticmethod
    def _at(loc: Loc, props: dict[str, Loc], keys: dict[str, Loc],
            tokens: tuple[str | int, ...]) -> tuple[str, str]:
        if len(tokens) >= 2 and tokens[0] == "properties" and str(tokens[1]) in props:
            return tuple(props[str(tokens[1])].child(*tokens[2:]) if tokens[2:]
                         else props[str(tokens[1])])  # type: ignore[return-value]
        if tokens and tokens[0] != "properties" and str(tokens[0]) in keys:
            loc = keys[str(tokens[0])]
        return tuple(loc.child(*tokens) if tokens else loc)  # type: ignore[return-value]


def _part_holding(parts: tuple[tuple[Loc, str], ...], at: tuple[str, str]) -> str | None:
    """The identity of the innermost part whose place contains ``at``."""
    file, pointer = at
    best: tuple[int, str] | None = None
    for loc, key in parts:
        inside = loc.file == file and (pointer == loc.pointer
                                       or pointer.startswith(loc.pointer + "/"))
        if inside and (best is None or len(loc.pointer) > best[0]):
            best = (len(loc.pointer), key)
    return best[1] if best else None
