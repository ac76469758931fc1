"""Running rules over a contract and turning their violations into located findings.

Data flows one way: the registry loads and resolves, ``build_index`` walks once, every rule
reads the index, and only then are the few violations located (line and column) and given
the severity in force. Rules never see files, options or output formats.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ledgerpact.governance.lint.catalog import all_rules, ruleset
from ledgerpact.governance.lint.index import Index, build_index
from ledgerpact.governance.lint.model import (
    FINDING_ORDER,
    RECOMMENDED,
    LintFinding,
    Loc,
    Rule,
)
from ledgerpact.governance.lint.parallel import can_fork, run_split, worth_splitting
from ledgerpact.registry.errors import EvaluationStopped
from ledgerpact.registry.workspace import Workspace

# (rule id, file, pointer) -> severity in force; None = off; ... = no opinion
SeverityPolicy = Callable[[str, str, str], Any]


class LintOptions:
    """Which rules run and at what severity (a plain class: a dataclass would cost more
    start-up to generate than this whole module)."""

    def __init__(self, ruleset: str = RECOMMENDED, extra_rules: list[Rule] | None = None,
                 policy: SeverityPolicy | None = None, only: frozenset[str] | None = None,
                 replaced: frozenset[str] = frozenset(),
                 families: frozenset[str] | None = None) -> None:
        self.ruleset = ruleset
        # custom rules (family "custom")
        self.extra_rules: list[Rule] = extra_rules if extra_rules is not None else []
        self.policy = policy  # custom ruleset severities and overrides
        self.only = only  # run just these rule ids (fixture tests, --select)
        self.replaced = replaced  # built-in ids a custom rule redefines
        self.families = families  # built-in families a ruleset extends; None: all

    def __repr__(self) -> str:
        return (f"LintOptions(ruleset={self.ruleset!r}, extra_rules={len(self.extra_rules)}, "
                f"only={self.only!r})")

    def rules(self) -> list[Rule]:
        builtin = [r for r in (all_rules() if self.only is not None else ruleset(self.ruleset))
                   if r.id not in self.replaced
                   and (self.families is None or r.family in self.families)]
        chosen = builtin + self.extra_rules
        if self.only is not None:
            chosen = [r for r in chosen if r.id in self.only]
        return chosen


def run_rules(index: Index, rules: Iterable[Rule]) -> list[tuple[Rule, Loc, str]]:
    """Every violation of every applicable rule. A rule that crashes is reported as a
    finding of its own, so a bug in one rule neither hides the others nor passes silently."""
    found: list[tuple[Rule, Loc, str]] = []
    for rule in rules:
        if index.format not in rule.formats:
            continue
        try:
            found.extend((rule, v.loc, v.message) for v in rule.check(index))
        except EvaluationStopped as exc:  # e.g. a pattern's jsregex.RegexTimeout
            found.append((rule, index.root_loc, f"rule {rule.id} stopped: {exc}"))
        except Exception as exc:
            import traceback  # only for a rule that crashed

            where = traceback.extract_tb(exc.__traceback__)[-1]
            found.append((rule, index.root_loc,
                          f"internal error in rule {rule.id}: {type(exc).__name__}: {exc} "
                          f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"))
    return found


def locate(ws: Workspace, violations: list[tuple[Rule, Loc, str]], contract: str,
           policy: SeverityPolicy | None) -> list[LintFinding]:
    """Line and column for each violation (one batched lookup per file), and the severity
    in force after the policy (custom ruleset severities and overrides)."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for _, loc, _ in violations:
        by_file[loc.file].append(loc.pointer)
    positions = {file: ws.document(file).positions(pointers)
                 for file, pointers in by_file.items()}
    findings = []
    for rule, loc, message in violations:
        severity: Any = rule.severity
        if policy is not None:
            decided = policy(rule.id, loc.file, loc.pointer)
            if decided is not ...:
                severity = decided
        if severity is None:
            continue
        line, column = positions[loc.file].get(loc.pointer, (1, 1))
        findings.append(LintFinding(loc.file, line, column, loc.pointer, rule.id, severity,
                                    message, contract))
    return sorted(set(findings), key=FINDING_ORDER)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a contract is parsed, indexed and linted.

    A 4 MB spec becomes hundreds of thousands of dicts and lists that all survive, so the
    collector's generation-2 passes re-scan the whole tree again and again for cycles it
    cannot have (parsed JSON/YAML and the index are trees; reference counting frees them):
    about a fifth of the lint time on Stripe's spec. Anything cyclic made meanwhile is
    collected as usual once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def lint(ws: Workspace, root: str, options: LintOptions, *,
         metadata: dict[str, Any] | None = None, contract: str = "",
         parallel: bool | None = None) -> list[LintFinding]:
    """The findings of ``options``' rules on the contract whose main file is ``root``.

    ``parallel``: split the rules over two processes (see ``parallel``); None decides by
    the size of the file, whether this platform can fork and whether it is safe here. The
    findings are the same either way."""
    with collector_paused():
        index = build_index(ws, root, metadata)

        def run(rules: list[Rule]) -> list[LintFinding]:
            return locate(ws, run_rules(index, rules), contract, options.policy)

        rules = options.rules()
        if parallel is None:
            parallel = worth_splitting(ws, root)
        if parallel and can_fork():
            return run_split(rules, run)
        return run(rules)
