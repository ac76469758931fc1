"""Where diff rules are registered: ``@diff_rule(...)`` next to each check function.

As for lint, the catalogue (``ledgerpact rules --kind diff``) is generated from this metadata,
and each rule's doc example (a base and a revision document) is its fixture test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ledgerpact.governance.diff.model import Check, DiffRule, DiffRuleDoc, Direction, Level

# One module per family; each registers its rules on import.
RULE_MODULES = (
    "ledgerpact.governance.diff.rules.paths",
    "ledgerpact.governance.diff.rules.parameters",
    "ledgerpact.governance.diff.rules.bodies",
    "ledgerpact.governance.diff.rules.responses",
    "ledgerpact.governance.diff.rules.security",
    "ledgerpact.governance.diff.rules.servers",
    "ledgerpact.governance.diff.rules.webhooks",
    "ledgerpact.governance.diff.rules.links",
    "ledgerpact.governance.diff.rules.encoding",
    "ledgerpact.governance.diff.rules.schemas",
    "ledgerpact.governance.diff.rules.constraints",
    "ledgerpact.governance.diff.rules.composition",
    "ledgerpact.governance.diff.rules.keywords",
    "ledgerpact.governance.diff.rules.asyncapi",
    "ledgerpact.governance.diff.rules.contracts",
)

_RULES: dict[str, DiffRule] = {}
_BY_KIND: dict[str, list[DiffRule]] = {}

_LEVELS = {"breaking": Level.BREAKING, "warning": Level.WARNING, "info": Level.INFO}


def diff_rule(
    id: str,
    *,
    kind: str,
    summary: str,
    why: str,
    base: str,
    revision: str,
    level: str | None = None,
    request: str | None = None,
    response: str | None = None,
    subscribe: str | None = None,
    publish: str | None = None,
    additive: bool = False,
    family: str = "openapi",
    formats: frozenset[str] = frozenset(),
    example: Direction | None = None,
) -> Callable[[Check], Check]:
    """Register ``check(pair)`` as a diff rule.

    ``level`` is the level whatever the direction (paths, security, channels). ``request`` and
    ``response`` give a data rule's level where the revision reads the data (request, and
    events it receives: ``subscribe``) and where it writes it (response, and events it sends:
    ``publish``). ``subscribe`` / ``publish`` override those two where event streams follow
    other conventions than HTTP (a schema registry's compatibility rules: a data rule only).
    ``base`` and ``revision`` are complete small documents: the rule's fixture.
    ``example`` is the direction in which that fixture shows the change (default: the
    direction in which the rule is most severe; required when both are equal)."""

    def register(check: Check) -> Check:
        if id in _RULES:
            raise ValueError(f"duplicate diff rule id {id!r}")
        if (level is None) == (request is None and response is None):
            raise ValueError(f"{id}: give either level or request/response levels")
        if level is not None and (subscribe is not None or publish is not None):
            raise ValueError(f"{id}: subscribe/publish override request/response levels")
        if level is not None:
            levels = dict.fromkeys(Direction, _LEVELS[level])
        else:
            if request is None or response is None:
                raise ValueError(f"{id}: give both request and response levels")
            reads, writes = _LEVELS[request], _LEVELS[response]
            levels = {d: (reads if d.revision_reads else writes) for d in Direction}
            for direction, given in ((Direction.SUBSCRIBE, subscribe),
                                     (Direction.PUBLISH, publish)):
                if given is not None:
                    levels[direction] = _LEVELS[given]
            levels[Direction.NONE] = max(levels[d] for d in Direction if d is not Direction.NONE)
        shown = example
        if shown is None and level is not None:
            shown = Direction.NONE
        elif shown is None and levels[Direction.REQUEST] != levels[Direction.RESPONSE]:
            shown = max((Direction.REQUEST, Direction.RESPONSE), key=levels.__getitem__)
        elif shown is None:
            raise ValueError(f"{id}: same level both ways; say which direction the example "
                             "shows (example=Direction.RESPONSE...)")
        rule = DiffRule(id=id, kind=kind, levels=levels,
                        doc=DiffRuleDoc(summary=summary, why=" ".join(why.split()),
                                        base=base, revision=revision),
                        check=check, family=family, additive=additive,
                        formats=frozenset(formats), example_direction=shown)
        _RULES[id] = rule
        _BY_KIND.setdefault(kind, []).append(rule)
        return check

    return register


_loaded: list[bool] = []


def _load() -> None:
    # A flag, not "any rule registered": importing one rule module first (a test, a tool)
    # must not leave the catalogue holding that module's rules only.
    if not _loaded:
        for module in RULE_MODULES:
            importlib.import_module(module)
        _loaded.append(True)


def all_diff_rules() -> list[DiffRule]:
    _load()
    return sorted(_RULES.values(), key=lambda r: (r.family, r.id))


def rules_for(kind: str) -> list[DiffRule]:
    _load()
    return _BY_KIND.get(kind, [])


def get_rule(rule_id: str) -> DiffRule:
    _load()
    return _RULES[rule_id]
