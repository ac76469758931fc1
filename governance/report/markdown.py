"""GitHub-flavoured markdown for pull-request comments and job summaries.

A reviewer wants the verdict, then how each contract fared, then the worst findings, in a
comment that stays readable (and under GitHub's comment size limit) however many findings a
run has: the findings table is capped, worst first, and says how many more there are.
Every value from a contract is escaped, because a message quoting ``a|b`` or a backtick
would otherwise break the table or start a code span that swallows the rest of the comment.
"""

from __future__ import annotations

import re

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report.summary import (
    SEVERITIES,
    count,
    display_pointer,
    groups,
    location,
    summary_line,
    worst_first,
)

MAX_ROWS = 100
# Characters that start markdown constructs inside a table cell: the cell separator, code
# spans, emphasis, links and images, raw HTML and entities, strikethrough, and the escape
# character itself. Escaping ASCII punctuation with a backslash is always literal in GFM.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def escape(text: str) -> str:
    """A value safe inside a GFM table cell: one line, every markdown character literal."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           max_rows: int = MAX_ROWS) -> str:
    totals = count(findings, fail_severity)
    verdict = "failed" if totals.failing or errors else "passed"
    out = [f"## Ledgerpact lint: {verdict}", "",
           escape(summary_line(findings, checked, fail_severity)) + f" ({len(rules)} rules ran,"
           f" ledgerpact {escape(tool_version)}).", ""]

    out += ["| Contract | " + " | ".join(s.label for s in SEVERITIES) + " | waived |",
            "|---|" + "---:|" * (len(SEVERITIES) + 1)]
    for contract, items in groups(findings, checked).items():
        counts = count(items, fail_severity)
        cells = [str(counts.by_severity[s]) for s in SEVERITIES] + [str(counts.waived)]
        out.append(f"| {escape(contract)} | " + " | ".join(cells) + " |")

    shown = [f for f in worst_first(findings) if not f.waived_by]
    if shown:
        out += ["", "### Findings", "",
                "| Severity | Rule | Location | Pointer | Message |", "|---|---|---|---|---|"]
        for finding in shown[:max_rows]:
            cells = (finding.severity.label, finding.rule, location(finding),
                     display_pointer(finding.pointer), finding.message)
            out.append("| " + " | ".join(escape(c) for c in cells) + " |")
        if len(shown) > max_rows:
            out += ["", f"... and {len(shown) - max_rows} more findings (the text, JSON or "
                        "SARIF report lists them all)."]
    if errors:
        out += ["", "### Input errors", "", *(f"- {escape(error)}" for error in errors)]
    if totals.waived:
        out += ["", f"{totals.waived} waived finding{'s are' if totals.waived != 1 else ' is'}"
                    " not listed; the JSON and SARIF reports show each with its waiver."]
    return "\n".join(out) + "\n"
