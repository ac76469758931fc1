"""First-hour mistakes get one line that says what was meant: a typo in a rule id, a
contract id given by its start or in another case, a folder where a contract was expected.
Run against the repository's own registry with the installed command."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerpact.registry.catalog import suggestions
from tests.cli_helpers import run

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("args", "meant"), [
    (("lint", "erp-finance", "--select", "oas-unused-componnet"), "oas-unused-component"),
    (("rules", "oas-unused-componnet"), "'oas-unused-component'"),
    (("registry", "show", "erp"), "erp-finance"),
    (("registry", "show", "ERP-Finance"), "erp-finance"),
    (("lint", "erp"), "erp-finance"),
    # one letter away beats a longer id it begins
    (("lint", "erp-finance", "--select", "oas-operation-tag"), "oas-operation-tags"),
])
def test_a_typo_names_what_was_meant(args: tuple[str, ...], meant: str) -> None:
    result = run(*args, cwd=REPO)
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].endswith(f"did you mean {meant}?"), lines[0]


@pytest.mark.parametrize("target", [".", "contracts/", "contracts"])
def test_a_folder_is_not_called_a_missing_contract(target: str) -> None:
    result = run("lint", target, cwd=REPO)
    assert result.returncode == 2
    assert f"error: {target}: is a directory; give a contract id" in result.stderr


def test_a_contract_id_that_is_also_a_folder_here_is_the_contract() -> None:
    result = run("lint", "erp-finance", cwd=REPO / "contracts")
    assert result.returncode == 0, result.stderr


def test_suggestions_prefer_case_then_prefix_then_spelling() -> None:
    known = ["erp-finance", "invoice-automation", "money", "Money-legacy"]
    assert suggestions("MONEY", known) == ["money", "Money-legacy"]
    assert suggestions("erp", known) == ["erp-finance"]
    assert suggestions("invoice-automaton", known) == ["invoice-automation"]
    assert suggestions("zzz", known) == []
