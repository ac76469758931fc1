"""What every report format agrees on: ordering, counting, grouping, and which findings fail.

Six formats must never disagree about whether a run failed or how many findings were
waived; keeping that arithmetic in one place is how they stay consistent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ledgerpact.governance.lint.model import ALL_FORMATS, LintFinding, Rule, RuleDoc, Severity
from ledgerpact.governance.lint.rules._util import no_findings
from ledgerpact.governance.lint.waivers import WAIVER_RULES

SEVERITIES = (Severity.ERROR, Severity.WARN, Severity.INFO, Severity.HINT)  # worst first


def by_location(findings: Iterable[LintFinding]) -> list[LintFinding]:
    """Reading order: file, line, column (so output is stable whatever order rules ran)."""
    return sorted(findings, key=lambda f: (f.file, f.line, f.column, f.pointer, f.rule,
                                           -f.severity, f.message))


def worst_first(findings: Iterable[LintFinding]) -> list[LintFinding]:
    """When only some findings can be shown (annotation limits, capped tables), the most
    severe are the ones shown."""
    return sorted(findings, key=lambda f: (-f.severity, f.file, f.line, f.column, f.pointer,
                                           f.rule, f.message))


def fails(finding: LintFinding, fail_severity: Severity) -> bool:
    """A finding fails the run when it is at or above the failing severity and not waived."""
    return not finding.waived_by and finding.severity >= fail_severity


def run_failed(findings: Iterable[LintFinding], fail_severity: Severity,
               errors: Sequence[str] = ()) -> bool:
    """The verdict every format shows: failed when a finding fails, and also when an input
    could not be read (a run that skipped a contract has not shown that it passes)."""
    return bool(errors) or any(fails(f, fail_severity) for f in findings)


def display_pointer(pointer: str) -> str:
    """The root's JSON pointer is the empty string, which reads as nothing: show it as '/'
    (the registry's findings do the same)."""
    return pointer or "/"


def location(finding: LintFinding) -> str:
    """``file:line:col`` as editors and terminals link it (line/column only when known)."""
    if finding.line > 0:
        return f"{finding.file}:{finding.line}:{max(finding.column, 1)}"
    return finding.file


def group_of(finding: LintFinding) -> str:
    """The contract a finding belongs to: its registry id, or its file for ad-hoc files."""
    return finding.contract or finding.file


class Counts:
    """Unwaived findings by severity, plus how many were waived and how many fail."""

    __slots__ = ("by_severity", "failing", "waived")

    def __init__(self) -> None:
        self.by_severity: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
        self.waived = 0
        self.failing = 0

    def __repr__(self) -> str:
        return f"Counts({self.as_dict()})"

    def add(self, finding: LintFinding, fail_severity: Severity) -> None:
        if finding.waived_by:
            self.waived += 1
            return
        self.by_severity[finding.severity] += 1
        if finding.severity >= fail_severity:
            self.failing += 1

    @property
    def unwaived(self) -> int:
        return sum(self.by_severity.values())

    def as_dict(self) -> dict[str, Any]:
        return {**{s.label: n for s, n in self.by_severity.items()}, "waived": self.waived,
                "failing": self.failing}


def count(findings: Iterable[LintFinding], fail_severity: Severity) -> Counts:
    counts = Counts()
    for finding in findings:
        counts.add(finding, fail_severity)
    return counts


def groups(findings: Iterable[LintFinding], checked: Iterable[str]) -> dict[str, list[LintFinding]]:
    """Findings per contract: every checked contract (even clean ones, which is what makes a
    report show what was checked), then any other contract or file findings came from."""
    out: dict[str, list[LintFinding]] = {name: [] for name in checked}
    extra: dict[str, list[LintFinding]] = {}
    for finding in findings:
        key = group_of(finding)
        (out if key in out else extra).setdefault(key, []).append(finding)
    for key in sorted(extra):
        out[key] = extra[key]
    return out


def severity_counts_text(counts: Counts) -> str:
    return ", ".join(f"{n} {s.label}" for s, n in counts.by_severity.items())


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def summary_line(findings: list[LintFinding], checked: list[str],
                 fail_severity: Severity, errors: Sequence[str] = (), ruleset: str = "") -> str:
    """One line a person reads first: what was checked and with which rules (``ruleset``,
    e.g. "recommended ruleset" or "custom ruleset .spectral.yaml (extends ...)"), what was
    found, pass or fail, and why it failed (findings at the failing severity, inputs that
    could not be read)."""
    counts = count(findings, fail_severity)
    found = f"{plural(counts.unwaived, 'finding')} ({severity_counts_text(counts)})"
    verdict = f"{counts.failing or 'none'} at or above {fail_severity.label}"
    if errors:
        verdict += f", {plural(len(errors), 'input')} could not be read"
    verdict += ": failed" if run_failed(findings, fail_severity, errors) else ": passed"
    how = f" with the {ruleset}" if ruleset else ""
    return (f"{plural(len(checked), 'contract')} checked{how}: {found}, {counts.waived} "
            f"waived; {verdict}")


def rule_list(rules: Iterable[Rule], findings: Iterable[LintFinding]) -> list[Rule]:
    """The rules a report describes: those that ran, then any other rule a finding names
    (waiver findings, or a rule the caller did not list), so every finding's rule has an
    entry (SARIF's ``ruleIndex`` must point at one)."""
    out: dict[str, Rule] = {}
    for rule in rules:
        out.setdefault(rule.id, rule)
    known = {rule.id: rule for rule in WAIVER_RULES}
    for finding in findings:
        if finding.rule not in out:
            out[finding.rule] = known.get(finding.rule) or Rule(
                id=finding.rule, severity=finding.severity, formats=ALL_FORMATS,
                doc=RuleDoc(summary=finding.rule, why="", bad="", good=""), check=no_findings,
                family="custom", rulesets=frozenset())
    return list(out.values())
