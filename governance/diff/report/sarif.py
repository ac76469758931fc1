"""SARIF 2.1.0 for code scanning, built with lint's SARIF pieces.

A result sits where a reader looks first (the revision; the base for what is gone), with the
other side as a related location, and its level, direction, bump and affected operations as
properties. Rules are described from the diff catalogue with their base and revision
examples as help. The fingerprint leaves out what may move between runs (lines, the count of
affected operations), so code scanning tracks a change from one run to the next.
"""

from __future__ import annotations

import re
from typing import Any

from ledgerpact.governance.diff.catalog import get_rule
from ledgerpact.governance.diff.model import Change, DiffRule
from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.adapt import finding, lint_rule
from ledgerpact.governance.diff.report.summary import summary_dict
from ledgerpact.governance.report import sarif
from ledgerpact.registry.output import to_json

_BACKTICKS = re.compile(r"`+")


def _block(label: str, example: str) -> tuple[str, str]:
    """An example as (text, markdown), fenced longer than any backtick run inside it."""
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(example)), default=0))
    return (f"{label}:\n{example.rstrip()}",
            f"{label}:\n\n{fence}yaml\n{example.rstrip()}\n{fence}")


def descriptor(rule: DiffRule) -> dict[str, Any]:
    adapted = lint_rule(rule)
    out = sarif.descriptor(adapted)
    blocks = [_block("Base", rule.doc.base), _block("Revision", rule.doc.revision)]
    out["help"] = {"text": "\n\n".join([sarif.help_text(adapted), *(t for t, _ in blocks)]),
                   "markdown": "\n\n".join([sarif.help_markdown(adapted),
                                            *(m for _, m in blocks)])}
    out["properties"] = {"tags": [rule.family, "diff"], "additive": rule.additive,
                         "levels": {d.value: lv.label for d, lv in rule.levels.items()}}
    return out


def result(change: Change, contract: str, index: int, base: str = "the base"
           ) -> dict[str, Any]:
    out = sarif.result(finding(change, contract), index)
    stable = finding(change, contract, text=change.message)
    out["partialFingerprints"] = {"ledgerpact/v1": sarif.fingerprint(stable)}
    other = change.base if change.revision is not None else None
    if other is not None:
        where = sarif.result(finding(change, contract, place=other), index)["locations"][0]
        out["relatedLocations"] = [{"id": 1, **where,
                                    "message": {"text": f"before the change, in {base}"}}]
    out["properties"] = {"level": change.level.label, "direction": change.direction.value,
                         "bump": change.bump.label, "affects": list(change.affects),
                         **({"contract": contract} if contract else {})}
    return out


def render(report: DiffReport) -> str:
    pairs = [(c, item) for item in report.compared for c in item.changes]
    described = [get_rule(rule_id) for rule_id in dict.fromkeys(c.rule for c, _ in pairs)]
    index = {rule.id: n for n, rule in enumerate(described)}
    run = {
        "tool": {"driver": {"name": "ledgerpact", "version": report.tool_version,
                            "informationUri": sarif.INFORMATION_URI,
                            "rules": [descriptor(rule) for rule in described]}},
        "invocations": [{"executionSuccessful": True}],
        "columnKind": "unicodeCodePoints",
        "results": [result(c, item.name, index[c.rule], item.base) for c, item in pairs],
        "properties": {"compared": [{"name": i.name, "base": i.base, "revision": i.revision}
                                    for i in report.compared],
                       **summary_dict(report.changes, report.fail_on)},
    }
    return to_json({"$schema": sarif.SCHEMA_URI, "version": "2.1.0", "runs": [run]})
