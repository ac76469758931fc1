"""``ledgerpact check`` and waivers whose contract exists nowhere (the installed command on
real Git registries in temp dirs).

A waiver naming a misspelt contract id or path can never match: lint reports it stale with
the contract it likely meant, and the pull-request check, whose lint step is ``ledgerpact
lint ID``, must say the same, at the same severity as any stale waiver (a warning: it does
not fail the check on its own). A waiver naming a real contract that this check did not
look at stays out of the report, as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.cli_helpers import commit_all, init_repo, run, write_metadata

# Warnings only (no servers, contact or descriptions): nothing fails the check but a
# waiver's error would.
SPEC = """\
openapi: 3.1.0
info: {title: payables, version: 1.0.0}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200":
          description: ok
"""
WAIVER = {"rule": "oas-info-contact", "pointer": "/nowhere", "reason": "accepted for now",
          "approver": "@ledgerpact/finance-architecture", "expires": "2099-12-31"}


def registry(tmp_path: Path, *contracts: str) -> Path:
    """A registry with these OpenAPI contracts, and governance/waivers.yaml naming a
    misspelt id, a misspelt document path, and the second contract (not misspelt)."""
    root = init_repo(tmp_path / "reg")
    for cid in contracts:
        folder = root / "contracts" / cid
        folder.mkdir(parents=True)
        (folder / "openapi.yaml").write_text(SPEC)
        write_metadata(folder, cid, "openapi", "openapi.yaml")
    waivers = [{**WAIVER, "contract": "paybales"},
               {**WAIVER, "contract": "contracts/paybales/openapi.yaml"},
               {**WAIVER, "contract": contracts[1]}]
    (root / "governance").mkdir()
    (root / "governance" / "waivers.yaml").write_text(
        yaml.safe_dump({"waivers": waivers}, sort_keys=False))
    commit_all(root, "registry")
    return root


def stale(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The waiver-stale findings by their place in the waiver file."""
    return {f["pointer"]: f for f in findings if f["rule"] == "waiver-stale"}


def test_check_reports_a_waiver_for_no_contract_as_lint_does(tmp_path: Path) -> None:
    root = registry(tmp_path, "payables", "receivables")
    checked = run("check", "payables", "--base", "HEAD", "--registry", root, "--format",
                  "json", cwd=root)
    assert "Traceback" not in checked.stderr, checked.stderr
    assert checked.returncode == 0, checked.stdout + checked.stderr  # warnings only
    report = json.loads(checked.stdout)
    (contract,) = report["contracts"]
    assert contract["outcome"] == "passed"
    lint_step = next(s for s in contract["steps"] if s["name"] == "lint")
    assert lint_step["outcome"] == "passed"
    in_check = stale(lint_step["findings"])
    # the receivables waiver names a real contract this check did not lint: not stale here
    assert sorted(in_check) == ["/waivers/0", "/waivers/1"], in_check
    assert all(f["severity"] == "warn" and f["file"] == "governance/waivers.yaml"
               for f in in_check.values())
    assert "no contract 'paybales' in the registry" in in_check["/waivers/0"]["message"]
    assert "did you mean 'payables'?" in in_check["/waivers/0"]["message"]
    assert ("did you mean 'contracts/payables/openapi.yaml'?"
            in in_check["/waivers/1"]["message"])

    linted = run("lint", "payables", "--registry", root, "--format", "json", cwd=root)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    in_lint = stale(json.loads(linted.stdout)["findings"])
    assert {p: f["message"] for p, f in in_check.items()} == {
        p: f["message"] for p, f in in_lint.items()}


def test_every_check_format_shows_it_without_failing(tmp_path: Path) -> None:
    root = registry(tmp_path, "payables", "receivables")
    text = run("check", "payables", "--base", "HEAD", "--registry", root, cwd=root)
    assert text.returncode == 0, text.stdout + text.stderr
    assert ("governance/waivers.yaml:2:3: warn [waiver-stale] /waivers/0: waiver for "
            "oas-info-contact on paybales at /nowhere matches no finding: no contract "
            "'paybales' in the registry") in text.stdout, text.stdout
    github = run("check", "payables", "--base", "HEAD", "--registry", root, "--format",
                 "github", cwd=root)
    assert github.returncode == 0, github.stdout + github.stderr
    assert "::warning file=governance/waivers.yaml,line=2" in github.stdout, github.stdout
    log = json.loads(run("check", "payables", "--base", "HEAD", "--registry", root,
                         "--format", "sarif", cwd=root).stdout)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "waiver-stale"]
    assert [r["level"] for r in results] == ["warning", "warning"], results
    assert all(r["properties"]["step"] == "lint" for r in results)
