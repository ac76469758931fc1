"""Where lint rules are registered, and the built-in rulesets made of them.

A rule module declares each rule with ``@rule(...)`` next to its check function, like ruff's
rules carry their codes and docs; ``ledgerpact rules`` and the docs are generated from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

from ledgerpact.governance.lint.model import (
    ALL_FORMATS,
    RECOMMENDED,
    STRICT,
    Rule,
    RuleDoc,
    Severity,
    Violation,
)

# One module per family; each registers its rules on import.
RULE_MODULES = (
    "ledgerpact.governance.lint.rules.structure",
    "ledgerpact.governance.lint.rules.oas",
    "ledgerpact.governance.lint.rules.asyncapi",
    "ledgerpact.governance.lint.rules.finance",
)

_RULES: dict[str, Rule] = {}
BUILTIN_RULESETS = (RECOMMENDED, STRICT)

Check = Callable[..., Iterator[Violation]]


def rule(
    id: str,
    *,
    severity: str,
    summary: str,
    why: str,
    bad: str,
    good: str,
    formats: frozenset[str] = ALL_FORMATS,
    family: str = "general",
    strict_only: bool = False,
) -> Callable[[Check], Check]:
    """Register the decorated ``check(index)`` as a rule. ``bad`` and ``good`` are complete
    (small) documents: the rule's own fixture test lints both."""

    def register(check: Check) -> Check:
        if id in _RULES:
            raise ValueError(f"duplicate lint rule id {id!r}")
        _RULES[id] = Rule(
            id=id,
            severity=Severity.parse(severity),
            formats=frozenset(formats),
            doc=RuleDoc(summary=summary, why=" ".join(why.split()), bad=bad, good=good),
            check=check,
            family=family,
            rulesets=frozenset({STRICT} if strict_only else {RECOMMENDED, STRICT}),
        )
        return check

    return register


def all_rules() -> list[Rule]:
    for module in RULE_MODULES:
        importlib.import_module(module)
    return sorted(_RULES.values(), key=lambda r: (r.family, r.id))


def ruleset(name: str) -> list[Rule]:
    if name not in BUILTIN_RULESETS:
        raise ValueError(f"unknown ruleset {name!r} (expected {', '.join(BUILTIN_RULESETS)})")
    return [r for r in all_rules() if name in r.rulesets]
