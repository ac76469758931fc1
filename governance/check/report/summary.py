"""What every check report agrees on: the one-line verdicts, counts and descriptions."""

from __future__ import annotations

from typing import Any

from ledgerpact.governance.check.model import CheckReport, ContractCheck, Outcome
from ledgerpact.governance.lint.model import LintFinding, Severity

SEVERITIES = (Severity.ERROR, Severity.WARN, Severity.INFO, Severity.HINT)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(report: CheckReport) -> str:
    """What was compared with what, and how much changed."""
    files = plural(len(report.changed_files), "changed file")
    if not report.contracts:
        return (f"Against {report.base_label}: {files}, none of them part of a contract: "
                "nothing to check")
    return (f"Against {report.base_label}: {files}; "
            f"{plural(len(report.contracts), 'contract')} to check")


def verdict_line(report: CheckReport) -> str:
    failed = len(report.failed)
    n = len(report.contracts)
    if not n:
        return "0 contracts checked: passed"
    overflow = (f"; {plural(report.unannotated, 'finding')} beyond GitHub's annotation "
                "limits (listed in this summary and in code scanning), so the check fails"
                if report.unannotated else "")
    return (f"{plural(n, 'contract')} checked: {failed} failed, {n - failed} passed"
            f"{overflow}; {report.outcome.value}")


def lint_counts(contract: ContractCheck) -> dict[str, int] | None:
    """Unwaived lint findings by severity plus the waived ones; None when lint did not
    run (a JSON Schema, a removed contract, an unreadable one)."""
    lint = contract.get("lint")
    if lint is None or lint.outcome is Outcome.NOT_APPLICABLE:
        return None
    out = {s.label: 0 for s in SEVERITIES}
    out["waived"] = 0
    for f in lint.findings:
        if f.waived_by:
            out["waived"] += 1
        else:
            out[f.severity.label] += 1
    return out


def lint_text(contract: ContractCheck) -> str:
    counts = lint_counts(contract)
    if counts is None:
        return "not applicable"
    shown = ", ".join(f"{counts[s.label]} {s.label}" for s in SEVERITIES[:3])
    return shown + (f", {counts['waived']} waived" if counts["waived"] else "")


def breaking(contract: ContractCheck) -> list[LintFinding]:
    """The breaking changes (diff findings at error level), accepted or not."""
    diff = contract.get("diff")
    return [f for f in diff.findings if f.severity is Severity.ERROR] if diff else []


def version_text(contract: ContractCheck) -> str:
    """Declared vs required: ``1.2.0 -> 1.3.0 (minor); required: major, at least 2.0.0``."""
    verdict = contract.version
    if verdict is None:
        step = contract.get("version")
        return step.summary if step is not None else "not checked"
    data = verdict.as_dict()
    made = data["made"] or "not bumped"
    return (f"{data['baseVersion']} -> {data['revisionVersion']} ({made}); required: "
            f"{data['required']}" + (f", at least {data['minimum']}"
                                     if data["required"] != "none" else ""))


def approval_text(contract: ContractCheck) -> str:
    approval = contract.approval
    if approval is None:
        return "not checked"
    if approval.approved:
        return f"approved by {approval.approver} ({approval.record})"
    if approval.required:
        return "missing" + (f": {'; '.join(approval.reasons)}" if approval.reasons else "")
    return approval.note or "not needed"


def contract_dict(contract: ContractCheck) -> dict[str, Any]:
    return {
        "id": contract.id, "presence": contract.presence, "reasons": list(contract.reasons),
        "base": contract.base, "revision": contract.revision, "mode": contract.mode,
        "lifecycle": contract.lifecycle, "outcome": contract.outcome.value,
        "error": contract.error or None,
        "steps": [s.as_dict() for s in contract.steps],
        "changes": [c.as_dict() for c in contract.changes],
        "version": contract.version.as_dict() if contract.version else None,
        "approval": contract.approval.as_dict() if contract.approval else None,
        "lint": lint_counts(contract),
    }
