"""GitHub-flavoured markdown for the pull-request comment and the job summary.

A reviewer reads the verdict, then one row per contract (verdict, breaking changes, declared
vs required version, approval, lint counts), then per contract its steps, its breaking
changes and its other errors and warnings. Tables are capped (rows, and the length of each
cell: one record's reasons can run to thousands of characters) and the whole comment,
overview included, is kept under GitHub's comment size limit (65,536 characters): what does
not fit is counted, never silently dropped. Every value is escaped as lint's markdown report
escapes it.
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
MAX_CELL = 300  # characters of one table cell, as escaped
MAX_PARAGRAPH = 2_000  # characters of one paragraph (an approval's reasons), as escaped
MAX_NAMED = 20  # contracts named in the "left out" note
MAX_NAME = 80  # characters of each name there
MARK = {Outcome.PASSED: "✅ passed", Outcome.FAILED: "❌ failed",
        Outcome.NOT_APPLICABLE: "⚪ not applicable"}


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _cut(text: str, limit: int) -> str:
    """``text`` escaped, in at most ``limit`` characters: the cut is marked, and the JSON
    and SARIF reports keep the whole text. The text is cut before it is escaped, never
    after: half an escape would leave a backslash that swallows the cell's ``|``."""
    flat = " ".join(text.split())
    out = escape(flat)
    while len(out) > limit and flat:
        flat = flat[:max(0, len(flat) - (len(out) - limit) - 1)].rstrip()
        out = escape(flat + "…")
    return out


def _cell(text: str) -> str:
    return _cut(text, MAX_CELL)


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]], what: str) -> list[str]:
    out = [_row(*headers), "|" + "---|" * len(headers)]
    out += [_row(*(_cell(c) for c in r)) for r in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        out += ["", f"... and {plural(len(rows) - MAX_ROWS, what)} more (the JSON and SARIF "
                    "reports list them all)."]
    return out


def overview(report: CheckReport, budget: int = MAX_CHARS) -> list[str]:
    """One row per contract, failed ones first, while they fit in ``MAX_ROWS`` rows and
    ``budget`` characters; the rest are counted in a last line."""
    head = ("Contract", "Verdict", "Checked because", "Breaking changes",
            "Version (declared; required)", "Approval", "Lint")
    out = [_row(*head), "|" + "---|" * len(head)]
    size = _size(out)
    ordered = sorted(report.contracts, key=lambda c: c.outcome is not Outcome.FAILED)
    shown = 0
    for c in ordered[:MAX_ROWS]:
        found = breaking(c)
        accepted = sum(1 for f in found if f.waived_by)
        count = str(len(found)) + (f" ({accepted} accepted)" if accepted else "")
        row = _row(_cell(c.id), MARK[c.outcome], _cell(c.presence), count,
                   _cell(version_text(c)), _cell(approval_text(c)), _cell(lint_text(c)))
        if size + len(row) + 1 > budget:
            break
        out.append(row)
        size += len(row) + 1
        shown += 1
    if shown < len(ordered):
        out += ["", f"... and {plural(len(ordered) - shown, 'contract')} more (the JSON and "
                    "SARIF reports list them all)."]
    return out


def _change_row(f: LintFinding) -> tuple[str, ...]:
    status = f"accepted: {f.waived_by}" if f.waived_by else "not approved"
    return (f.rule, location(f), display_pointer(f.pointer), f.message, status)


def details(contract: ContractCheck) -> list[str]:
    out = [f"### {escape(contract.id)}: {contract.outcome.value}", ""]
    if contract.reasons:
        out += ["Checked because: " + _cut("; ".join(contract.reasons), MAX_PARAGRAPH)
                + ".", ""]
    out += [_row("Step", "Result", "Details"), "|---|---|---|"]
    out += [_row(_cell(s.name), MARK[s.outcome], _cell(s.summary)) for s in contract.steps]
    found = breaking(contract)
    if found:
        out += ["", "#### Breaking changes", ""]
        out += _table(("Rule", "Where", "Pointer", "Change", "Status"),
                      [_change_row(f) for f in found], "breaking change")
    approval = contract.approval
    if approval is not None and approval.required and not approval.approved:
        out += ["", "#### Approval", "", "Not approved. "
                + _cut("; ".join(approval.reasons) or "No approval is recorded.",
                       MAX_PARAGRAPH)]
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
    # Kept back for the note on contracts whose details do not fit (it names a few).
    reserve = 300 + MAX_NAMED * (MAX_NAME + 2)
    if report.contracts:
        out += [*overview(report, max_chars - _size(out) - reserve), ""]
    size = _size(out) + reserve
    left_out: list[str] = []
    # Failed contracts first: when the comment must be cut, what needs fixing stays.
    ordered = sorted(report.contracts, key=lambda c: c.outcome is not Outcome.FAILED)
    for contract in ordered:
        section = details(contract)
        length = _size(section)
        if size + length > max_chars:
            left_out.append(contract.id)
            continue
        out += section
        size += length
    if left_out:
        named = ", ".join(_cut(cid, MAX_NAME) for cid in left_out[:MAX_NAMED])
        more = len(left_out) - MAX_NAMED
        named += f" and {more} more" if more > 0 else ""
        out += [f"Details of {plural(len(left_out), 'contract')} left out to keep this "
                f"comment under GitHub's size limit: {named} (the JSON, SARIF and text "
                "reports have them).", ""]
    return "\n".join(out).rstrip("\n") + "\n"
