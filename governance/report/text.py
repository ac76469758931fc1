"""Plain text for terminals: one finding per line, then one summary line.

``file:line:col:`` first, because terminals and editors turn that into a link to the place.
Waived findings are not listed (they are accepted, and listing them buries the ones that are
not) but the summary counts them, so nothing disappears without trace.
"""

from __future__ import annotations

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report.summary import (
    by_location,
    display_pointer,
    location,
    summary_line,
)


def line(finding: LintFinding) -> str:
    message = " ".join(finding.message.split())  # one finding, one line
    return (f"{location(finding)}: {finding.severity.label} [{finding.rule}] "
            f"{display_pointer(finding.pointer)}: {message}")


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None) -> str:
    # ``errors`` are not repeated here: the CLI prints each on standard error, beside this
    lines = [line(f) for f in by_location(findings) if not f.waived_by]
    lines.append(summary_line(findings, checked, fail_severity))
    return "\n".join(lines) + "\n"
