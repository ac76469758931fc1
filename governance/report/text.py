"""Plain text for terminals: one finding per line, then one summary line.

``file:line:col:`` first, because terminals and editors turn that into a link to the place.
Waived findings are not listed (they are accepted, and listing them buries the ones that are
not) but the summary counts them, so nothing disappears without trace.

Everything on a finding's line can come from a contract (its file name, a custom rule's id,
a title quoted in the message), so control characters are shown as ``\\x1b``-style escapes:
a raw escape sequence would recolour or rewrite the reader's terminal, and a raw line break
would split one finding into two lines that scripts and log viewers read separately.
"""

from __future__ import annotations

import re

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report.summary import (
    by_location,
    display_pointer,
    location,
    summary_line,
)

# C0 controls, DEL and C1 controls (C1 includes CSI, U+009B, which terminals also obey).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with every control character (line breaks included) as a ``\\xNN`` escape."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def line(finding: LintFinding) -> str:
    message = " ".join(finding.message.split())  # one finding, one line
    return visible(f"{location(finding)}: {finding.severity.label} [{finding.rule}] "
                   f"{display_pointer(finding.pointer)}: {message}")


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           ruleset: str = "") -> str:
    # ``errors`` are not repeated here: the CLI prints each on standard error, beside this;
    # the summary line counts them, so the verdict never reads "passed" when one was skipped
    lines = [line(f) for f in by_location(findings) if not f.waived_by]
    lines.append(summary_line(findings, checked, fail_severity, errors or (), ruleset))
    return "\n".join(lines) + "\n"
