"""GitHub Actions annotations: lint's renderer (its escaping and GitHub's per-step limits,
never silently exceeded) on the changes, with the diff's summary line in place of lint's.
Each input that could not be read is an ``::error::`` annotation first, as in lint."""

from __future__ import annotations

from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.adapt import SEVERITY, findings
from ledgerpact.governance.diff.report.summary import summary_line
from ledgerpact.governance.report import github
from ledgerpact.governance.report.summary import summary_line as lint_summary_line


def render(report: DiffReport) -> str:
    adapted = findings(report)
    checked = [item.name for item in report.compared]
    fail = SEVERITY[report.fail_on]
    lines = github.render(adapted, rules=[], checked=checked, fail_severity=fail,
                          tool_version=report.tool_version, errors=report.errors).splitlines()
    lint_line = lint_summary_line(adapted, checked, fail, report.errors)
    return "\n".join(summary_line(report) if line == lint_line else line
                     for line in lines) + "\n"
