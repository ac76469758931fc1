"""Every lint rule's own fixture test: its documented bad example must trigger it, and its
good example must not. The examples are the docs `ledgerpact rules` prints, so this also
keeps the catalogue honest."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerpact.governance.lint.catalog import all_rules
from ledgerpact.governance.lint.engine import LintOptions, lint
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

RULES = all_rules()


def _lint_text(tmp_path: Path, text: str, rule_id: str) -> list:
    (tmp_path / "contract.yaml").write_text(text)
    ws = Workspace(DirectorySource(tmp_path))
    return [f for f in lint(ws, "contract.yaml", LintOptions(only=frozenset({rule_id})))
            if f.rule == rule_id]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_bad_example_triggers_the_rule(rule, tmp_path: Path) -> None:
    found = _lint_text(tmp_path, rule.doc.bad, rule.id)
    assert found, f"{rule.id}: its bad example raises nothing"
    assert all("internal error" not in f.message for f in found), found
    assert all(f.line >= 1 and f.column >= 1 for f in found)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_good_example_passes_the_rule(rule, tmp_path: Path) -> None:
    found = _lint_text(tmp_path, rule.doc.good, rule.id)
    assert not found, f"{rule.id}: its good example raises {[f.message for f in found]}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule) -> None:
    assert rule.id == rule.id.strip() and " " not in rule.id
    assert rule.doc.summary and rule.doc.why and rule.doc.bad != rule.doc.good
    assert rule.formats and rule.rulesets


def test_rule_ids_are_unique_and_stable_families() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.family in {"structure", "oas", "asyncapi", "finance"}, r.id
        if r.family in {"oas", "asyncapi", "finance"}:
            assert r.id.startswith(r.family + "-"), r.id
