"""The CLI as CI and users meet it: help with examples, formats, exit codes, the real registry."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from ledgerpact.registry.cli import main
from tests.cli_helpers import run

REPO = Path(__file__).resolve().parents[1]


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(main), ids=lambda c: " ".join(c) or "ledgerpact")
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Example:" in result.stdout
    assert "ledgerpact" in result.stdout.split("Example:", 1)[1]


def test_list_json_has_the_contracts_and_canonical_schemas() -> None:
    result = run("registry", "list", "--format", "json", cwd=REPO)
    assert result.returncode == 0, result.stderr
    entries = {e["id"]: e for e in json.loads(result.stdout)}
    for contract_id, kind in [("erp-finance", "openapi"), ("invoice-automation", "openapi"),
                              ("tax-engine", "openapi"), ("finance-events", "asyncapi")]:
        assert entries[contract_id]["kind"] == kind
    schemas = {i for i, e in entries.items() if e["kind"] == "json-schema"}
    assert {"money", "party", "supplier", "purchase-order", "goods-receipt", "invoice",
            "credit-note", "match-result", "approval-state", "payment", "journal-entry",
            "reference-data", "problem", "event-envelope"} <= schemas
    for entry in entries.values():
        assert entry["owners"] and entry["lifecycle"] and entry["compatibility"]
        assert entry["version"]


def test_validate_the_whole_registry_is_clean() -> None:
    result = run("registry", "validate", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 findings" in result.stderr


def test_validate_finds_real_problems_in_xero(corpora: Path) -> None:
    """Xero 3.0.2 declares `default: 'false'` on boolean properties: a real finding, exit 1,
    located by file, line and pointer."""
    spec = corpora / "xero" / "xero_accounting-3.0.2.yaml"
    result = run("registry", "validate", spec, "--no-examples", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["findings"], report
    first = report["findings"][0]
    assert first["file"].endswith("xero_accounting-3.0.2.yaml")
    assert first["line"] and first["pointer"].startswith("/components/schemas/")
    assert "is not of type 'boolean'" in first["message"]


def test_show_and_versions_on_own_registry() -> None:
    show = run("registry", "show", "erp-finance", "--format", "json", cwd=REPO)
    assert show.returncode == 0, show.stderr
    data = json.loads(show.stdout)
    assert data["kind"] == "openapi" and data["document"] == "contracts/erp-finance/openapi.yaml"
    text = run("registry", "show", "finance-events", cwd=REPO)
    assert "compatibility:" in text.stdout


def test_usage_errors_exit_2() -> None:
    assert run("registry", "list", "--format", "xml", cwd=REPO).returncode == 2
    assert run("registry", "nonsense", cwd=REPO).returncode == 2
    missing = run("registry", "show", "no-such-contract", cwd=REPO)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "no contract 'no-such-contract'" in missing.stderr


def test_bundle_of_a_registry_contract_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "erp-finance.json"
    result = run("registry", "bundle", "erp-finance", "--format", "json", "-o", out, cwd=REPO)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    doc = json.loads(text)
    refs = [line for line in text.splitlines() if '"$ref"' in line]
    assert refs and all('"#/' in line for line in refs), "only internal $refs remain"
    assert "Money" in doc["components"]["schemas"]
    # the bundle is itself a valid contract
    check = run("registry", "validate", out)
    assert check.returncode == 0, check.stdout + check.stderr


def test_validate_github_annotations(corpora: Path) -> None:
    spec = corpora / "xero" / "xero_accounting-3.0.2.yaml"
    result = run("registry", "validate", spec, "--no-examples", "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::error file=") for line in lines)
    assert ",line=" in lines[0] and ",title=structure::" in lines[0]
