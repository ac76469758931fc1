"""GitHub Actions annotations, within GitHub's limits and never silently beyond them.

GitHub shows at most 10 error and 10 warning annotations per step and drops the rest
without a word (spectral-action's users saw a check with over 1,000 problems reported as
passing). So: errors and warnings that fit are annotated, worst first; when any are left
over, they are printed as plain lines in a collapsed group, a final ``::error::`` says how
many were not annotated, and the check fails (``overflowed`` tells the command so) -- a
reviewer must never believe a contract has 10 problems when it has 200. Info-level findings
are never annotated; the summary lines count them.
"""

from __future__ import annotations

from ledgerpact.governance.check.model import CheckReport
from ledgerpact.governance.check.report.summary import headline, verdict_line
from ledgerpact.governance.lint.model import LintFinding, Severity
from ledgerpact.governance.report import github, text
from ledgerpact.registry.findings import github_escape

LIMITS = {"error": 10, "warning": 10}


def annotatable(report: CheckReport) -> list[LintFinding]:
    return [f for f in report.findings if f.severity >= Severity.WARN and not f.waived_by]


def split(report: CheckReport, limits: dict[str, int] = LIMITS
          ) -> tuple[list[LintFinding], list[LintFinding]]:
    """(annotated, left over); one error slot is kept for the overflow line."""
    return github.select(annotatable(report), limits)


def overflowed(report: CheckReport, limits: dict[str, int] = LIMITS) -> bool:
    return bool(split(report, limits)[1])


def render(report: CheckReport, limits: dict[str, int] = LIMITS) -> str:
    annotated, rest = split(report, limits)
    # Plain lines quote contract text (ids, step summaries, findings): ``plain`` keeps the
    # runner from reading any of them as a workflow command (``##[...]``, ``::...``).
    lines = [github.plain(headline(report))]
    for contract in report.contracts:
        steps = ", ".join(f"{s.name} {s.outcome.value}" for s in contract.steps)
        lines.append(github.plain(f"{contract.id}: {contract.outcome.value} ({steps})"))
    lines += [github.command(f) for f in annotated]
    if rest:
        lines.append(f"::group::{len(rest)} findings not annotated")
        lines += [github.plain("  " + text.line(f)) for f in rest]
        lines.append("::endgroup::")
    lines.append(github.plain(verdict_line(report)))
    if rest:
        shown = " and ".join(f"{n} {kind}" for kind, n in limits.items())
        lines.append("::error::" + github_escape(
            f"{len(rest)} of {len(annotated) + len(rest)} errors and warnings were not "
            f"annotated (GitHub shows at most {shown} annotations per step); they are listed "
            f"in this step's log under '{len(rest)} findings not annotated', and the check "
            "fails until they fit"))
    return "\n".join(lines) + "\n"
