"""JSON for scripts and dashboards: everything, including waived findings, in one object.

Unlike the text report, waived findings are included (with ``waivedBy``): a dashboard that
tracks accepted exceptions needs them, and a script can filter them out.

``summary.failed`` is the run's verdict, true also when an input could not be read
(``summary.inputErrors`` counts those, ``errors`` names them): a script that reads only
``failed`` must never take a run that skipped a contract for a clean one.
"""

from __future__ import annotations

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report.summary import by_location, count, groups, run_failed
from ledgerpact.registry.output import to_json


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           ruleset: str = "") -> str:
    counts = count(findings, fail_severity)
    per_contract = {name: count(items, fail_severity).as_dict()
                    for name, items in groups(findings, checked).items()}
    summary = {**counts.as_dict(), "total": len(findings), "failSeverity": fail_severity.label,
               # failed also when an input could not be read; inputErrors says so
               "failed": run_failed(findings, fail_severity, errors or ()),
               "inputErrors": len(errors or ()), "rulesRun": len(rules),
               "ruleset": ruleset,  # which rules ran: built-in, or a ruleset file's
               "contracts": per_contract,
               "tool": {"name": "ledgerpact", "version": tool_version}}
    return to_json({"checked": list(checked),
                    "errors": list(errors or ()),  # inputs that could not be read
                    "findings": [f.as_dict() for f in by_location(findings)],
                    "summary": summary})
