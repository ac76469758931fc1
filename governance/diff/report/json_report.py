"""JSON for scripts and dashboards: every field of every change, per comparison, and a summary
(counts by level, the semver bump, the verdict) overall and per comparison."""

from __future__ import annotations

from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.summary import summary_dict
from ledgerpact.registry.output import to_json


def render(report: DiffReport) -> str:
    compared = [{"name": item.name, "base": item.base, "revision": item.revision,
                 "summary": summary_dict(item.changes, report.fail_on)}
                for item in report.compared]
    changes = [{**c.as_dict(), "compared": item.name}
               for item in report.compared for c in item.changes]
    summary = {**summary_dict(report.changes, report.fail_on), "compared": len(compared),
               "tool": {"name": "ledgerpact", "version": report.tool_version}}
    return to_json({"compared": compared, "changes": changes, "summary": summary})
