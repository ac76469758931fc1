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
    "schema",           # a schema (allOf merged), both sides present
    "server",           # an AsyncAPI server, paired by name
    "channel",          # an AsyncAPI channel, paired by id (3.0) or address (2.x)
    "async-operation",  # an AsyncAPI operation (3.0 operation; 2.x publish/subscribe)
    "message",          # an AsyncAPI message under a channel/operation
    "variables",        # an AsyncAPI server's or channel's variables/parameters
    "binding",          # an AsyncAPI protocol binding (AMQP exchange, Kafka topic...)
    "async-security",   # an AsyncAPI server's or operation's security requirements
    "contract",         # a registry contract present on one side only (contract.yaml)
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

    @staticmethod
    def _at(loc: Loc, props: dict[str, Loc], keys: dict[str, Loc],
            tokens: tuple[str | int, ...]) -> tuple[str, str]:
        if len(tokens) >= 2 and tokens[0] == "properties" and str(tokens[1]) in props:
            return tuple(props[str(tokens[1])].child(*tokens[2:]) if tokens[2:]
                         else props[str(tokens[1])])  # type: ignore[return-value]
        if tokens and tokens[0] != "properties" and str(tokens[0]) in keys:
            loc = keys[str(tokens[0])]
        return tuple(loc.child(*tokens) if tokens else loc)  # type: ignore[return-value]
