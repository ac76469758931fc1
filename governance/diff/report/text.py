"""Plain text for terminals: per comparison, the changes grouped by level, worst first.

Each change says its rule, its direction, what changed, where on each side (``file:line:col``
first, which terminals and editors turn into links) and which operations it affects; the
last line is the summary (counts, the semver bump, the verdict), as for lint.
"""

from __future__ import annotations

from ledgerpact.governance.diff.model import Change, Direction
from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.summary import (
    LEVELS,
    affects_text,
    bump_text,
    counts_text,
    heading,
    place_text,
    summary_line,
)


def change_lines(change: Change) -> list[str]:
    direction = "" if change.direction is Direction.NONE else f" {change.direction.value}"
    message = " ".join(change.message.split())  # one change, one headline
    lines = [f"  [{change.rule}]{direction}: {message}"]
    if change.base is not None:
        lines.append(f"      base:     {place_text(change.base)}")
    if change.revision is not None:
        lines.append(f"      revision: {place_text(change.revision)}")
    if change.affects:
        lines.append(f"      affects:  {affects_text(change.affects)}")
    return lines


def render(report: DiffReport) -> str:
    out: list[str] = []
    for item in report.compared:
        changes = item.changes
        if not changes:
            out += [f"== {heading(item)}: no changes", ""]
            continue
        out.append(f"== {heading(item)}: {len(changes)} change{'s' if len(changes) != 1 else ''}"
                   f" ({counts_text(changes)}); {bump_text(changes)}")
        for level in LEVELS:
            at_level = [c for c in changes if c.level is level]
            if at_level:
                out.append(f"{level.label} ({len(at_level)}):")
                for change in at_level:
                    out += change_lines(change)
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
