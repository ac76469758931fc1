"""Every diff rule's own fixture: its documented base -> revision example must report it, at
the level its metadata gives for the example's direction, and diffing either document with
itself must report nothing. The examples are what ``ledgerpact rules --kind diff`` prints, so
this also keeps the catalogue honest; a rule without a working example fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerpact.governance.diff.catalog import all_diff_rules
from ledgerpact.governance.diff.model import Direction, Level
from ledgerpact.governance.lint.engine import LintOptions, lint
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace
from tests.diff_helpers import diff_files, diff_texts

RULES = all_diff_rules()
# Contract rules compare a registry at two revisions, not two documents: their examples are a
# contract.yaml before and after, and tests/test_diff_cli.py tests them on a real Git registry.
DOCUMENT_RULES = [r for r in RULES if r.kind != "contract"]
FIXTURES = Path(__file__).parent / "fixtures" / "diff"


@pytest.mark.parametrize("rule", DOCUMENT_RULES, ids=lambda r: r.id)
def test_example_reports_the_rule(rule, tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, rule.doc.base, rule.doc.revision)
    found = [c for c in changes if c.rule == rule.id]
    assert found, f"{rule.id}: its example reports only {[c.rule for c in changes]}"
    shown = rule.example_direction
    if shown is not Direction.NONE:
        assert any(c.direction is shown for c in found), (rule.id, [c.direction for c in found])
        found = [c for c in found if c.direction is shown]
    assert all(c.level is rule.level(c.direction) for c in found)
    for c in found:
        assert c.base is not None or c.revision is not None
        assert all(p.line >= 1 and p.column >= 1 for p in (c.base, c.revision) if p)


@pytest.mark.parametrize("rule", DOCUMENT_RULES, ids=lambda r: r.id)
def test_example_documents_are_valid_and_equal_to_themselves(rule, tmp_path: Path) -> None:
    for name, text in (("base", rule.doc.base), ("revision", rule.doc.revision)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "contract.yaml").write_text(text)
        ws = Workspace(DirectorySource(folder))
        problems = [(f.pointer, f.message) for f in
                    lint(ws, "contract.yaml", LintOptions(only=frozenset({"structure"})))
                    if f.rule == "structure"]
        assert not problems, f"{rule.id}: its {name} example is not a valid document: {problems}"
        same = diff_files(folder / "contract.yaml", folder / "contract.yaml")
        assert same == [], f"{rule.id}: {name} diffed with itself reports {same}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule) -> None:
    assert rule.id == rule.id.strip() and " " not in rule.id and rule.id == rule.id.lower()
    assert rule.doc.summary and rule.doc.why and rule.doc.base != rule.doc.revision
    assert set(rule.levels) == set(Direction)
    assert rule.family in {"openapi", "schema", "asyncapi", "registry"}, rule.id


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))


COMPATIBLE = sorted(p for p in (FIXTURES / "compatible").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", COMPATIBLE, ids=lambda p: p.name)
def test_compatible_change_is_not_breaking(case: Path) -> None:
    base = next(case.glob("base.*"))
    revision = next(case.glob("revision.*"))
    changes = diff_files(base, revision)
    breaking = [(c.rule, c.direction.value, c.message) for c in changes
                if c.level is Level.BREAKING]
    assert not breaking, f"{case.name}: {breaking}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.kind == "contract"], ids=lambda r: r.id)
def test_registry_rules_have_a_test_of_their_own(rule) -> None:
    """Rules on registry metadata cannot be shown by two documents: each must be exercised by
    name in a test that builds a real registry."""
    tests = Path(__file__).parent
    users = [p.name for p in tests.glob("test_*.py") if p.name != Path(__file__).name
             and f'"{rule.id}"' in p.read_text()]
    assert users, f"{rule.id}: no test names it"


def test_every_rule_runs_on_a_kind_of_pair_the_walkers_make() -> None:
    from ledgerpact.governance.diff.pairs import KINDS

    assert {r.kind for r in RULES} <= set(KINDS), {r.kind for r in RULES} - set(KINDS)
