"""Changes as lint findings and diff rules as lint rules, so lint's SARIF, JUnit and GitHub
renderers (their escaping, limits and schema-valid layout) serve diff reports too.

breaking -> error, warning -> warn, info -> info: the failing threshold maps the same way, so
a renderer's "at or above the failing severity" means "at or above --fail-on".
"""

from __future__ import annotations

from ledgerpact.governance.diff.catalog import all_diff_rules
from ledgerpact.governance.diff.model import Change, DiffRule, Direction, Level, Place
from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.summary import affects_text
from ledgerpact.governance.lint.model import ALL_FORMATS, LintFinding, Rule, RuleDoc, Severity
from ledgerpact.governance.lint.rules._util import no_findings

SEVERITY = {Level.BREAKING: Severity.ERROR, Level.WARNING: Severity.WARN,
            Level.INFO: Severity.INFO}


def message(change: Change) -> str:
    """The change's own message, with what a finding has no field for: level, direction
    and the operations it affects."""
    direction = "" if change.direction is Direction.NONE else f" {change.direction.value}"
    affects = f" (affects {affects_text(change.affects)})" if change.affects else ""
    return f"{change.level.label}{direction} change: {change.message}{affects}"


def finding(change: Change, contract: str, place: Place | None = None,
            text: str | None = None) -> LintFinding:
    """``change`` as a finding at ``place`` (default: its place in the revision, or for a
    removal the nearest surviving parent there: annotations land on the files under review,
    never on a base line number that now holds something else)."""
    at = place or change.revision or change.anchor or change.place
    return LintFinding(at.file, at.line, at.column, at.pointer, change.rule,
                       SEVERITY[change.level], message(change) if text is None else text,
                       contract)


def findings(report: DiffReport) -> list[LintFinding]:
    return [finding(c, item.name) for item in report.compared for c in item.changes]


def lint_rule(rule: DiffRule) -> Rule:
    """A lint rule carrying the diff rule's id, worst level and doc. Its examples stay out
    (lint renders them as "bad" and "good"; a diff example is a before and an after)."""
    return Rule(id=rule.id, severity=SEVERITY[max(rule.levels.values())],
                formats=rule.formats or ALL_FORMATS,
                doc=RuleDoc(summary=rule.doc.summary, why=rule.doc.why, bad="", good=""),
                check=no_findings, family=rule.family, rulesets=frozenset())


def lint_rules() -> list[Rule]:
    """Every diff rule: all of them run on every comparison."""
    return [lint_rule(r) for r in all_diff_rules()]
