"""What a check produces: per contract, one result per step; overall, the list and a verdict.

Every problem is a ``LintFinding`` (file, line, column, JSON pointer, rule, severity,
message), whichever step found it, so the SARIF, JUnit and GitHub writers built for lint
serve the check too. A finding fails its step when it is an unwaived error; a breaking change
that an approval covers (or that a draft contract may make) stays in the report as a waived
finding with the reason, never disappears. A step that cannot apply says so
(``not applicable``) and never counts as passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.governance.lint.model import LintFinding, Severity

if TYPE_CHECKING:
    from ledgerpact.governance.diff.model import Change
    from ledgerpact.governance.diff.versioning import VersionVerdict


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not applicable"


# The steps, in the order they run and are shown. Ids are stable: JSON, JUnit and SARIF
# consumers key on them.
STEPS = ("validity", "lint", "diff", "compatibility", "version", "lifecycle", "deprecation",
         "ownership", "approvals", "generated-code")


def fails(finding: LintFinding) -> bool:
    return finding.severity is Severity.ERROR and not finding.waived_by


@dataclass
class Step:
    name: str  # one of STEPS
    outcome: Outcome
    summary: str  # one line in plain words: what was checked and what came of it
    findings: list[LintFinding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome.value, "summary": self.summary,
                "findings": [f.as_dict() for f in self.findings]}


def step(name: str, summary: str, findings: list[LintFinding] | None = None) -> Step:
    """A step whose outcome follows from its findings: failed when any is an unwaived
    error."""
    found = findings or []
    outcome = Outcome.FAILED if any(map(fails, found)) else Outcome.PASSED
    return Step(name, outcome, summary, found)


def not_applicable(name: str, why: str) -> Step:
    return Step(name, Outcome.NOT_APPLICABLE, why)


@dataclass
class Approval:
    """What the approvals step decided, for reports (the step keeps the findings)."""

    required: bool  # unwaived breaking changes exist and the lifecycle asks for approval
    approved: bool
    approver: str | None = None
    record: str | None = None
    reasons: list[str] = field(default_factory=list)  # why records did not count
    note: str = ""  # e.g. "draft contract: breaking changes need no approval"

    def as_dict(self) -> dict[str, Any]:
        return {"required": self.required, "approved": self.approved,
                "approver": self.approver, "record": self.record,
                "reasons": list(self.reasons), "note": self.note}


@dataclass
class ContractCheck:
    id: str
    presence: str  # "changed", "added", "removed", or "affected" (through a $ref'd file)
    reasons: list[str]  # why it is checked: its files changed, it uses a changed file...
    base: str  # how the base side is shown, e.g. "erp-finance@main (1a2b3c4d)"
    revision: str
    steps: list[Step] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    version: VersionVerdict | None = None
    approval: Approval | None = None
    mode: str = ""  # its compatibility mode
    lifecycle: str = ""
    error: str = ""  # set when the contract could not be read at all (bad input)

    @property
    def findings(self) -> list[LintFinding]:
        return [f for s in self.steps for f in s.findings]

    @property
    def outcome(self) -> Outcome:
        if self.error or any(s.outcome is Outcome.FAILED for s in self.steps):
            return Outcome.FAILED
        return Outcome.PASSED

    def get(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


@dataclass
class CheckReport:
    base_ref: str  # as given (or chosen): "origin/main"
    base_commit: str  # the commit compared with
    changed_files: list[str]
    contracts: list[ContractCheck]
    tool_version: str = ""
    # Findings GitHub could not show as annotations when this run also writes them (its
    # limits per step): the run then fails in every format, so the summary posted on the
    # pull request and the status of the check always agree.
    unannotated: int = 0
    # the registry's folder (the findings' file names are relative to it) and the Git work
    # tree it is in, so SARIF can name files as code scanning resolves them; None: unknown
    registry_root: Path | None = None
    source_root: Path | None = None

    @property
    def failed(self) -> list[ContractCheck]:
        return [c for c in self.contracts if c.outcome is Outcome.FAILED]

    @property
    def outcome(self) -> Outcome:
        return Outcome.FAILED if self.failed or self.unannotated else Outcome.PASSED

    @property
    def findings(self) -> list[LintFinding]:
        return [f for c in self.contracts for f in c.findings]

    @property
    def base_label(self) -> str:
        short = self.base_commit[:10]
        return self.base_ref if short in self.base_ref else f"{self.base_ref} ({short})"
