"""SARIF 2.1.0 for code scanning: every finding of every step, built with lint's SARIF pieces.

Each result names the step that found it (``properties.step``). Accepted findings -- a
waived lint finding, a breaking change covered by an approval or allowed for a draft -- stay
in the log as externally suppressed results with the reason, as lint's SARIF does with
waivers. Rules are described from whichever catalogue owns them (lint, diff, policy, check).
"""

from __future__ import annotations

from typing import Any

from ledgerpact.governance.check.catalog import describe
from ledgerpact.governance.check.model import CheckReport
from ledgerpact.governance.report import sarif
from ledgerpact.governance.report.summary import rule_list
from ledgerpact.registry.output import to_json


def _descriptor(rule: Any) -> dict[str, Any]:
    from ledgerpact.governance.diff.catalog import all_diff_rules

    diff_rules = {r.id: r for r in all_diff_rules()}
    if rule.id in diff_rules and rule.family != "check":
        from ledgerpact.governance.diff.report.sarif import descriptor

        return descriptor(diff_rules[rule.id])
    return sarif.descriptor(rule)


def render(report: CheckReport) -> str:
    placed = [(c, s, f) for c in report.contracts for s in c.steps for f in s.findings]
    known = [rule for rule in (describe(r) for r in dict.fromkeys(f.rule for *_, f in placed))
             if rule is not None]
    described = rule_list(known, [f for *_, f in placed])
    index = {rule.id: n for n, rule in enumerate(described)}
    artifacts = None
    if report.registry_root is not None:  # file names are relative to the registry's folder
        artifacts = sarif.Artifacts(report.source_root or report.registry_root,
                                    report.registry_root)
    results = []
    for contract, step, finding in placed:
        result = sarif.result(finding, index[finding.rule], artifacts)
        result["properties"] = {**result["properties"], "contract": contract.id,
                                "step": step.name}
        results.append(result)
    run = {
        "tool": {"driver": {"name": "ledgerpact", "version": report.tool_version,
                            "informationUri": sarif.INFORMATION_URI,
                            "rules": [_descriptor(rule) for rule in described]}},
        "invocations": [{"executionSuccessful": True}],
        **({"originalUriBaseIds": artifacts.base_ids()} if artifacts is not None else {}),
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "base": {"ref": report.base_ref, "commit": report.base_commit},
            "outcome": report.outcome.value,
            "contracts": [{"id": c.id, "outcome": c.outcome.value,
                           "steps": {s.name: s.outcome.value for s in c.steps}}
                          for c in report.contracts],
        },
    }
    return to_json({"$schema": sarif.SCHEMA_URI, "version": "2.1.0", "runs": [run]})
