"""SARIF 2.1.0 for code scanning, built with lint's SARIF pieces.

A result sits where a reader looks first (the revision; the base for what is gone), with the
other side as a related location, and its level, direction, bump and affected operations as
properties. Rules are described from the diff catalogue with their base and revision
examples as help. The fingerprint leaves out what may move between runs (lines, the count of
affected operations), so code scanning tracks a change from one run to the next.

Files are named as lint and check name them (``sarif.Artifacts``): relative to the declared
``%SRCROOT%`` (the Git work tree, else the registry's folder) or as absolute ``file://`` URIs,
each side's names located from its own folder. An input that could not be read makes the
invocation unsuccessful, with a notification naming it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ledgerpact.governance.diff.catalog import get_rule
from ledgerpact.governance.diff.model import Change, DiffRule
from ledgerpact.governance.diff.report import Compared, DiffReport
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


def result(change: Change, contract: str, index: int, base: str = "the base", *,
           artifacts: tuple[sarif.Artifacts | None, sarif.Artifacts | None] = (None, None)
           ) -> dict[str, Any]:
    """One result; ``artifacts`` locate the base's and the revision's files (without them a
    relative name is taken to be relative to the source root already)."""
    base_files, rev_files = artifacts
    # a result on a removal sits in the base when the revision has no place for it
    here = rev_files if change.revision is not None or change.anchor is not None else (
        base_files)
    out = sarif.result(finding(change, contract), index, here)
    stable = finding(change, contract, text=change.message)
    out["partialFingerprints"] = {"ledgerpact/v1": sarif.fingerprint(stable)}
    other = change.base if change.revision is not None else None
    if other is not None:
        where = sarif.result(finding(change, contract, place=other), index,
                             base_files)["locations"][0]
        out["relatedLocations"] = [{"id": 1, **where,
                                    "message": {"text": f"before the change, in {base}"}}]
    out["properties"] = {"level": change.level.label, "direction": change.direction.value,
                         "bump": change.bump.label, "affects": list(change.affects),
                         **({"contract": contract} if contract else {})}
    return out


class _Locator:
    """The ``sarif.Artifacts`` for each folder file names are relative to: one per folder,
    so the files a run names are located once however many changes name them."""

    def __init__(self, report: DiffReport) -> None:
        self.registry = report.registry_root
        self.root = report.source_root or report.registry_root
        self._made: dict[Path, sarif.Artifacts] = {}

    def base_ids(self) -> dict[str, Any]:
        assert self.root is not None
        return sarif.Artifacts(self.root, self.root).base_ids()

    def sides(self, item: Compared) -> tuple[sarif.Artifacts | None, sarif.Artifacts | None]:
        if self.root is None:
            return None, None
        folders = item.folders or (self.registry or self.root, self.registry or self.root)
        return self._for(folders[0]), self._for(folders[1])

    def _for(self, folder: Path) -> sarif.Artifacts:
        made = self._made.get(folder)
        if made is None:
            assert self.root is not None
            made = self._made[folder] = sarif.Artifacts(self.root, folder)
        return made


def render(report: DiffReport) -> str:
    pairs = [(c, item) for item in report.compared for c in item.changes]
    described = [get_rule(rule_id) for rule_id in dict.fromkeys(c.rule for c, _ in pairs)]
    index = {rule.id: n for n, rule in enumerate(described)}
    locator = _Locator(report)
    run = {
        "tool": {"driver": {"name": "ledgerpact", "version": report.tool_version,
                            "informationUri": sarif.INFORMATION_URI,
                            "rules": [descriptor(rule) for rule in described]}},
        "invocations": [sarif.invocation(report.errors)],
        **({"originalUriBaseIds": locator.base_ids()} if locator.root is not None else {}),
        "columnKind": "unicodeCodePoints",
        "results": [result(c, item.name, index[c.rule], item.base,
                           artifacts=locator.sides(item)) for c, item in pairs],
        "properties": {"compared": [{"name": i.name, "base": i.base, "revision": i.revision}
                                    for i in report.compared],
                       **summary_dict(report.changes, report.fail_on, report.errors)},
    }
    return to_json({"$schema": sarif.SCHEMA_URI, "version": "2.1.0", "runs": [run]})
