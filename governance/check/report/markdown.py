"""GitHub-flavoured markdown for the pull-request comment and the job summary.

A reviewer reads the verdict, then one row per contract (verdict, breaking changes, declared
vs required version, approval, lint counts), then per contract its steps, its breaking
changes and its other errors and warnings. Tables are capped and the whole comment is kept
under GitHub's comment size limit (65,536 characters): what does not fit is counted, never
silently dropped. Every value is escaped as lint's markdown report escapes it.
"""

from __future__ import annotations

from ledgerpact.governance.check.model import CheckReport, ContractCheck, Outcome
from ledgerpact.governance.check.report.summary import (
    approval_text,
    breaking,
    headline,
    lint_text,
    plural,
    verdict_line,
    version_text,
)
from ledgerpact.governance.lint.model import LintFinding, Severity
from ledgerpact.governance.report.markdown import escape
from ledgerpact.governance.report.summary import display_pointer, location

MAX_ROWS = 50  # per table
MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters
MARK = {Outcome.PASSED: "✅ passed", Outcome.FAILED: "❌ failed",
        Outcome.NOT_APPLICABLE: "⚪ not applicable"}


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]], what: str) -> list[str]:
    out = [_row(*headers), "|" + "---|" * len(headers)]
    out += [_row(*(escape(c) for c in r)) for r in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        out += ["", f"... and {plural(len(rows) - MAX_ROWS, what)} more (the JSON and SARIF "
                    "reports list them all)."]
    return out


def overview(report: CheckReport) -> list[str]:
    rows = []
    for c in report.contracts:
        found = breaking(c)
        accepted = sum(1 for f in found if f.waived_by)
        count = str(len(found)) + (f" ({accepted} accepted)" if accepted else "")
        rows.append((c.id, MARK[c.outcome], c.presence, count, version_text(c),
                     approval_text(c), lint_text(c)))
    head = ("Contract", "Verdict", "Checked because", "Breaking changes",
            "Version (declared; required)", "Approval", "Lint")
    return [_row(*head), "|" + "---|" * len(head)] + [
        _row(*(escape(cell) for cell in r)) for r in rows]


def _change_row(f: LintFinding) -> tuple[str, ...]:
    status = f"accepted: {f.waived_by}" if f.waived_by else "not approved"
    return (f.rule, location(f), display_pointer(f.pointer), f.message, status)


def details(contract: ContractCheck) -> list[str]:
    out = [f"### {escape(contract.id)}: {contract.outcome.value}", ""]
    if contract.reasons:
        out += ["Checked because: " + escape("; ".join(contract.reasons)) + ".", ""]
    out += [_row("Step", "Result", "Details"), "|---|---|---|"]
    out += [_row(escape(s.name), MARK[s.outcome], escape(s.summary)) for s in contract.steps]
    found = breaking(contract)
    if found:
        out += ["", "#### Breaking changes", ""]
        out += _table(("Rule", "Where", "Pointer", "Change", "Status"),
                      [_change_row(f) for f in found], "breaking change")
    approval = contract.approval
    if approval is not None and approval.required and not approval.approved:
        out += ["", "#### Approval", "", "Not approved. "
                + escape("; ".join(approval.reasons) or "No approval is recorded.")]
    others = [f for s in contract.steps if s.name != "diff" for f in s.findings
              if f.severity >= Severity.WARN and not f.waived_by]
    if others:
        out += ["", "#### Errors and warnings", ""]
        out += _table(("Severity", "Rule", "Where", "Pointer", "Message"),
                      [(f.severity.label, f.rule, location(f), display_pointer(f.pointer),
                        f.message) for f in others], "finding")
    return [*out, ""]


def render(report: CheckReport, max_chars: int = MAX_CHARS) -> str:
    out = [f"## Ledgerpact check: {MARK[report.outcome]}", "",
           escape(headline(report)) + ". " + escape(verdict_line(report))
           + f" (ledgerpact {escape(report.tool_version)}).", ""]
    if report.contracts:
        out += [*overview(report), ""]
    size = sum(len(line) + 1 for line in out)
    left_out: list[str] = []
    # Failed contracts first: when the comment must be cut, what needs fixing stays.
    ordered = sorted(report.contracts, key=lambda c: c.outcome is not Outcome.FAILED)
    for contract in ordered:
        section = details(contract)
        length = sum(len(line) + 1 for line in section)
        if size + length > max_chars:
            left_out.append(contract.id)
            continue
        out += section
        size += length
    if left_out:
        out += [f"Details of {plural(len(left_out), 'contract')} left out to keep this "
                f"comment under GitHub's size limit: {escape(', '.join(left_out))} (the "
                "JSON, SARIF and text reports have them).", ""]
    return "\n".join(out).rstrip("\n") + "\n"
