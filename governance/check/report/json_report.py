"""JSON for scripts and dashboards: every contract with every step, finding and change."""

from __future__ import annotations

from ledgerpact.governance.check.model import CheckReport
from ledgerpact.governance.check.report.summary import contract_dict
from ledgerpact.registry.output import to_json


def render(report: CheckReport) -> str:
    failed = len(report.failed)
    return to_json({
        "base": {"ref": report.base_ref, "commit": report.base_commit},
        "changedFiles": list(report.changed_files),
        "contracts": [contract_dict(c) for c in report.contracts],
        "summary": {"contracts": len(report.contracts), "failed": failed,
                    "passed": len(report.contracts) - failed,
                    "outcome": report.outcome.value},
        "tool": {"name": "ledgerpact", "version": report.tool_version},
    })
