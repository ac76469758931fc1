"""GitHub-flavoured markdown for a pull-request comment: the verdict, one row per comparison,
then the changes worst first in a table capped so the comment stays readable (and under
GitHub's size limit). Cells are escaped as lint's markdown report escapes them. Inputs that
could not be read fail the verdict and are listed under "Input errors", as in lint's."""

from __future__ import annotations

from ledgerpact.governance.diff.model import Direction
from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.summary import (
    LEVELS,
    affects_text,
    bump,
    counts,
    failed,
    summary_line,
)
from ledgerpact.governance.report.markdown import escape

MAX_ROWS = 100


def render(report: DiffReport, max_rows: int = MAX_ROWS) -> str:
    verdict = "failed" if failed(report) else "passed"
    out = [f"## Ledgerpact diff: {verdict}", "",
           escape(summary_line(report)) + f" (ledgerpact {escape(report.tool_version)}).", ""]
    out += ["| Contract | Base | Revision | " + " | ".join(lv.label for lv in LEVELS)
            + " | Bump |", "|---|---|---|" + "---:|" * len(LEVELS) + "---|"]
    for item in report.compared:
        by_level = counts(item.changes)
        cells = [escape(item.name), escape(item.base), escape(item.revision),
                 *(str(by_level[lv]) for lv in LEVELS), bump(item.changes).label]
        out.append("| " + " | ".join(cells) + " |")
    rows = sorted(((item, c) for item in report.compared for c in item.changes),
                  key=lambda pair: -pair[1].level)  # stable: each comparison keeps its order
    if rows:
        out += ["", "### Changes", "",
                "| Level | Rule | Direction | Where | Message | Affects |",
                "|---|---|---|---|---|---|"]
        for item, change in rows[:max_rows]:
            place = change.place
            where = f"{place.file}:{place.line} {place.pointer or '/'}"
            direction = "" if change.direction is Direction.NONE else change.direction.value
            contract = f"{item.name}: " if len(report.compared) > 1 else ""
            cells = (change.level.label, change.rule, direction, where,
                     contract + change.message, affects_text(change.affects))
            out.append("| " + " | ".join(escape(c) for c in cells) + " |")
        if len(rows) > max_rows:
            out += ["", f"... and {len(rows) - max_rows} more changes (the text, JSON or SARIF "
                        "report lists them all)."]
    if report.errors:
        out += ["", "### Input errors", "", *(f"- {escape(error)}" for error in report.errors)]
    return "\n".join(out) + "\n"
