"""GitHub-flavoured markdown for pull-request comments and job summaries.

A reviewer wants the verdict, then how each contract fared, then the worst findings, in a
comment that stays readable (and under GitHub's comment size limit) however many findings a
run has: the findings table is capped, worst first, and says how many more there are.
Every value from a contract is escaped, because a message quoting ``a|b`` or a backtick
would otherwise break the table or start a code span that swallows the rest of the comment.
An ``@`` that GitHub would read as a mention (``@org/team`` quoted from a contract or a
rule's message) gets a zero-width space after it: it reads the same, but the comment does
not notify a team on every push. A backslash does not do that (GitHub finds mentions in the
rendered text, after escapes are gone); so does not an HTML entity. Control characters are
shown as ``\x1b``-style escapes, as in the text report.
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
    run_failed,
    summary_line,
    worst_first,
)
from ledgerpact.governance.report.text import visible

MAX_ROWS = 100
# Characters that start markdown constructs inside a table cell: the cell separator, code
# spans, emphasis, links and images, raw HTML and entities, strikethrough, and the escape
# character itself. Escaping ASCII punctuation with a backslash is always literal in GFM.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# An @ GitHub links as a user or team mention: not after a letter, digit or underscore (so
# ``ap@example.com`` and ``ledgers@v1`` are left alone), and followed by a name.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=\w)")
ZERO_WIDTH_SPACE = "\u200b"


def escape(text: str) -> str:
    """A value safe inside a GFM table cell: one line, every markdown character literal, no
    control characters, and no ``@`` mention that would notify anyone."""
    flat = visible(" ".join(text.split()))
    return _MENTION.sub("@" + ZERO_WIDTH_SPACE, _SPECIAL.sub(r"\\\1", flat))


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           ruleset: str = "",
           max_rows: int = MAX_ROWS) -> str:
    totals = count(findings, fail_severity)
    verdict = "failed" if run_failed(findings, fail_severity, errors or ()) else "passed"
    out = [f"## Ledgerpact lint: {verdict}", "",
           escape(summary_line(findings, checked, fail_severity, errors or (), ruleset))
           + f" ({len(rules)} rules ran,"
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
