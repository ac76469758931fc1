"""JSON for scripts and dashboards: every field of every change, per comparison, and a summary
(counts by level, the semver bump, the verdict) overall and per comparison.

``errors`` names the contracts that could not be read (``summary.inputErrors`` counts them)
and they fail ``summary.failed``, as in lint's JSON report."""

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
    summary = {**summary_dict(report.changes, report.fail_on, report.errors),
               "compared": len(compared),
               "tool": {"name": "ledgerpact", "version": report.tool_version}}
    return to_json({"compared": compared, "errors": list(report.errors), "changes": changes,
                    "summary": summary})
