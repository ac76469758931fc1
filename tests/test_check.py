"""`ledgerpact check` end to end: the installed command on real Git registries in temp dirs,
built from the repository's own contracts, governance settings and CODEOWNERS, with real
commits and branches (and real authors and dates where approvals and deprecations need them).

The issue's acceptance: (a) an additive change with a minor bump passes; (b) a breaking change
passes only with a valid approval and a major bump; (c) an approval recorded for other content,
or by someone who is neither owner nor architect, is rejected with a message saying why; (d) a
change to a shared canonical schema is traced to every contract that uses it; (e) a removal
without deprecation fails and a removal after the sunset passes; (f) a retired contract cannot
change. Plus: the report formats, GitHub's annotation limit, bad input.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli_helpers import run
from tests.conftest import REPO

ERP = "contracts/erp-finance/openapi.yaml"
TAX_META = "contracts/tax-engine/contract.yaml"
MONEY = "contracts/schemas/money/money.schema.json"
OWNER = ("@ingrid", "ingrid@ledgerpact.dev")  # in @ledgerpact/erp-integration, erp's owners
ARCHITECT = ("@amara", "amara@ledgerpact.dev")
OUTSIDER = ("@priya", "priya@ledgerpact.dev")  # owns invoice-automation only


def git(root: Path, *args: str, email: str = "dev@example.com", date: str | None = None
        ) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": email.split("@")[0], "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": email.split("@")[0], "GIT_COMMITTER_EMAIL": email}
    if date is not None:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True,
                          env=env).stdout


def commit(root: Path, message: str, **who: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, **who)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's registry (contracts, policy, teams, CODEOWNERS), committed on main
    in early 2023, so deprecations made after it can be dated."""
    root = tmp_path_factory.mktemp("template") / "reg"
    shutil.copytree(REPO / "contracts", root / "contracts")
    for rel in ("governance/policy.yaml", "governance/teams.yaml", ".github/CODEOWNERS"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, root / rel)
    # The tests bump from a known base: whatever the real contract's version is today, the
    # template's erp-finance starts at 1.0.0 (only info.version changes, nothing else).
    text = (root / ERP).read_text()
    current = re.search(r"^  version: (\S+)$", text, re.M)
    assert current is not None
    (root / ERP).write_text(text.replace(f"  version: {current.group(1)}\n",
                                         "  version: 1.0.0\n", 1))
    git(root, "init", "-q", "-b", "main")
    commit(root, "registry", date="2023-01-02T10:00:00+00:00")
    return root


@pytest.fixture()
def reg(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template, on a pull-request branch ``pr``."""
    root = tmp_path / "reg"
    shutil.copytree(template, root)
    git(root, "checkout", "-q", "-b", "pr")
    return root


def edit(root: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    path = root / rel
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, count))


def set_version(root: Path, rel: str, old: str, new: str) -> None:
    edit(root, rel, f"  version: {old}\n", f"  version: {new}\n")


def check(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    result = run("check", "--format", "json", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result, json.loads(result.stdout)


def contract(report: dict, contract_id: str) -> dict:
    found = [c for c in report["contracts"] if c["id"] == contract_id]
    assert found, [c["id"] for c in report["contracts"]]
    return found[0]


def step(report: dict, contract_id: str, name: str) -> dict:
    return next(s for s in contract(report, contract_id)["steps"] if s["name"] == name)


def rules(item: dict) -> set[str]:
    return {f["rule"] for f in item["findings"]}


# -- changes to erp-finance used by several tests -------------------------------------------------

LIST_SUPPLIERS = "      operationId: listSuppliers\n      tags: [Suppliers]\n"
NEW_PARAMETER = """        - name: reviewedBy
          in: query
          required: false
          description: Only suppliers whose status was last reviewed by this person.
          schema:
            type: string
            maxLength: 200
          example: ingrid
"""
NAME_OPTIONAL = """        - name: name
          in: query
          required: false
"""
COST_CENTRE_PATH = "  /cost-centres/{costCentreCode}:\n"


def add_parameter(root: Path) -> None:
    """Additive: an optional query parameter on GET /suppliers."""
    text = (root / ERP).read_text()
    at = text.index("      parameters:\n", text.index(LIST_SUPPLIERS)) + len("      parameters:\n")
    (root / ERP).write_text(text[:at] + NEW_PARAMETER + text[at:])


def make_name_required(root: Path) -> None:
    """Breaking (request): the optional ``name`` query parameter becomes required."""
    edit(root, ERP, NAME_OPTIONAL, NAME_OPTIONAL.replace("required: false", "required: true"))


def remove_cost_centre_path(root: Path) -> None:
    text = (root / ERP).read_text()
    start, end = text.index(COST_CENTRE_PATH), text.index("  /gl-accounts:\n")
    (root / ERP).write_text(text[:start] + text[end:])


def approve(root: Path, who: tuple[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    env_email = {"GIT_AUTHOR_EMAIL": who[1]}
    result = subprocess.run([str(REPO / ".venv" / "bin" / "ledgerpact"), "approve",
                             "erp-finance", "--reason", "consumers migrated (CHG-7)",
                             "--approver", who[0], *extra], cwd=root, capture_output=True,
                            text=True, env={**os.environ, **env_email}, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return result


# -- (a) ---------------------------------------------------------------------------------------


def test_additive_change_with_minor_bump_passes(reg: Path) -> None:
    add_parameter(reg)
    set_version(reg, ERP, "1.0.0", "1.1.0")
    commit(reg, "listSuppliers: reviewedBy filter")
    result, report = check(reg)  # default base: the merge base with main (policy.yaml)
    assert result.returncode == 0, result.stdout
    assert [c["id"] for c in report["contracts"]] == ["erp-finance"]
    erp = contract(report, "erp-finance")
    assert erp["outcome"] == "passed" and erp["presence"] == "changed"
    assert len(erp["reasons"]) == 1 and erp["reasons"][0].startswith(ERP)
    assert erp["version"]["required"] == "minor" and erp["version"]["ok"] is True
    assert [(c["rule"], c["level"]) for c in erp["changes"]] == [
        ("optional-parameter-added", "info")]
    outcomes = {s["name"]: s["outcome"] for s in erp["steps"]}
    assert outcomes == {"validity": "passed", "lint": "passed", "diff": "passed",
                        "version": "passed", "lifecycle": "passed", "deprecation": "passed",
                        "ownership": "passed", "approvals": "not applicable",
                        "generated-code": "not applicable"}
    generated = step(report, "erp-finance", "generated-code")
    assert "no committed code is generated" in generated["summary"]


def test_additive_change_without_a_bump_fails_on_the_version(reg: Path) -> None:
    add_parameter(reg)
    commit(reg, "listSuppliers: reviewedBy filter, version forgotten")
    result, report = check(reg, "--base", "main")
    assert result.returncode == 1
    version = step(report, "erp-finance", "version")
    assert version["outcome"] == "failed"
    assert "expected at least 1.1.0" in version["summary"]
    assert rules(version) == {"version-bump"}
    assert version["findings"][0]["file"] == ERP
    assert version["findings"][0]["pointer"] == "/info/version"


# -- (b) and (c) -------------------------------------------------------------------------------


def test_breaking_change_needs_a_major_bump_and_a_valid_approval(reg: Path) -> None:
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "1.1.0")
    commit(reg, "name filter required")

    result, report = check(reg)
    assert result.returncode == 1
    erp = contract(report, "erp-finance")
    assert {c["rule"] for c in erp["changes"]} == {"parameter-became-required"}
    assert step(report, "erp-finance", "version")["outcome"] == "failed"
    approvals = step(report, "erp-finance", "approvals")
    assert approvals["outcome"] == "failed"
    assert "no approval recorded for erp-finance" in approvals["summary"]
    assert erp["approval"] == {**erp["approval"], "required": True, "approved": False}

    # A valid approval (an owner, committed by that owner) but still a minor bump: fails on
    # the version alone.
    assert approve(reg, OWNER).returncode == 0
    commit(reg, "approval", email=OWNER[1])
    result, report = check(reg)
    assert result.returncode == 1
    outcomes = {s["name"]: s["outcome"] for s in contract(report, "erp-finance")["steps"]}
    assert outcomes["approvals"] == "passed" and outcomes["version"] == "failed"
    assert outcomes["diff"] == "passed"  # the breaking change is accepted, not hidden
    diff = step(report, "erp-finance", "diff")
    assert [f["rule"] for f in diff["findings"]] == ["parameter-became-required"]
    assert diff["findings"][0]["waivedBy"].startswith(f"approved by {OWNER[0]} in "
                                                      "governance/approvals/erp-finance/")

    # (c) The major bump changes the content: the approval was recorded for other content.
    set_version(reg, ERP, "1.1.0", "2.0.0")
    commit(reg, "major version")
    result, report = check(reg)
    assert result.returncode == 1
    approvals = step(report, "erp-finance", "approvals")
    assert approvals["outcome"] == "failed"
    reason = " ".join(contract(report, "erp-finance")["approval"]["reasons"])
    assert "governance/approvals/erp-finance/" in reason
    assert "was recorded for other content" in reason and "sha256:" in reason

    # Approved anew for this content: passes.
    assert approve(reg, OWNER).returncode == 0
    commit(reg, "approval for 2.0.0", email=OWNER[1])
    result, report = check(reg)
    assert result.returncode == 0, result.stdout
    erp = contract(report, "erp-finance")
    assert erp["outcome"] == "passed"
    assert erp["approval"]["approved"] is True and erp["approval"]["approver"] == OWNER[0]
    assert erp["version"]["required"] == "major" and erp["version"]["ok"] is True


def test_an_architect_may_approve_any_contract(reg: Path) -> None:
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "name filter required")
    assert approve(reg, ARCHITECT).returncode == 0
    commit(reg, "approval", email=ARCHITECT[1])
    result, report = check(reg)
    assert result.returncode == 0, result.stdout
    assert contract(report, "erp-finance")["approval"]["approver"] == ARCHITECT[0]


def _forge(root: Path, approver: str) -> None:
    """Rewrite the approver of the (only) approval record, as someone editing it by hand."""
    [record] = (root / "governance" / "approvals" / "erp-finance").glob("*.yaml")
    data = record.read_text()
    record.write_text(data.replace(f"approver: '{OWNER[0]}'", f"approver: '{approver}'"))


def test_approval_by_someone_neither_owner_nor_architect_is_rejected(reg: Path) -> None:
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "name filter required")
    refused = approve(reg, OUTSIDER)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert approve(reg, OWNER).returncode == 0
    _forge(reg, OUTSIDER[0])
    commit(reg, "approval", email=OUTSIDER[1])
    result, report = check(reg)
    assert result.returncode == 1
    reasons = " ".join(contract(report, "erp-finance")["approval"]["reasons"])
    assert OUTSIDER[0] in reasons
    assert "owner" in reasons and "@ledgerpact/architects" in reasons
    finding = step(report, "erp-finance", "approvals")["findings"][0]
    assert finding["rule"] == "approval-required"
    assert OUTSIDER[0] in finding["message"]
    text = run("check", cwd=reg)
    assert text.returncode == 1 and OUTSIDER[0] in text.stdout


def test_approval_committed_by_someone_else_is_rejected(reg: Path) -> None:
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "name filter required")
    assert approve(reg, OWNER).returncode == 0
    commit(reg, "approval", email=OUTSIDER[1])  # the record says @ingrid; priya committed it
    result, report = check(reg)
    assert result.returncode == 1
    reasons = " ".join(contract(report, "erp-finance")["approval"]["reasons"])
    assert f"by {OUTSIDER[1]}, which is not an e-mail of {OWNER[0]}" in reasons


# -- (d) ---------------------------------------------------------------------------------------


def _users_of(root: Path, rel: str) -> set[str]:
    """Every contract whose bundle includes ``rel`` (found by bundling each one: the
    registry's own $ref resolution, independent of how check finds them)."""
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.repository import Registry

    ws = Registry.open(root).workspace()
    return {e.id for e in Catalog(ws) if rel in bundle(ws, e.document_path).files}


def test_a_change_to_a_shared_schema_is_traced_to_every_contract_that_uses_it(reg: Path
                                                                            ) -> None:
    users = _users_of(reg, MONEY)
    assert {"money", "erp-finance", "invoice-automation", "finance-events"} <= users
    edit(reg, MONEY, '"description": "', '"description": "(Canonical.) ')
    commit(reg, "Money: description")
    result, report = check(reg)
    assert result.returncode == 0, result.stdout
    checked = {c["id"] for c in report["contracts"]}
    assert checked == users
    assert contract(report, "money")["presence"] == "changed"
    for contract_id in users - {"money"}:
        item = contract(report, contract_id)
        assert item["presence"] == "affected"
        assert any("money.schema.json" in r for r in item["reasons"]), item["reasons"]
        assert [s["outcome"] for s in item["steps"]].count("failed") == 0


# -- (e) ---------------------------------------------------------------------------------------


def test_removal_without_deprecation_fails(reg: Path) -> None:
    remove_cost_centre_path(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "drop GET /cost-centres/{costCentreCode}")
    result, report = check(reg)
    assert result.returncode == 1
    deprecation = step(report, "erp-finance", "deprecation")
    assert deprecation["outcome"] == "failed"
    assert "removal-without-deprecation" in rules(deprecation)
    assert any("/cost-centres/{costCentreCode}" in f["message"]
               for f in deprecation["findings"])
    assert "path-removed" in {c["rule"] for c in contract(report, "erp-finance")["changes"]}


def test_removal_after_the_sunset_passes(reg: Path) -> None:
    git(reg, "checkout", "-q", "main")
    edit(reg, ERP, "    get:\n      operationId: getCostCentre\n",
         "    get:\n      operationId: getCostCentre\n      deprecated: true\n"
         "      x-sunset: '2023-06-30'\n")
    set_version(reg, ERP, "1.0.0", "1.0.1")
    commit(reg, "deprecate GET /cost-centres/{costCentreCode}",
           date="2023-02-01T10:00:00+00:00")
    git(reg, "checkout", "-q", "-B", "pr")
    remove_cost_centre_path(reg)
    set_version(reg, ERP, "1.0.1", "1.0.2")
    commit(reg, "drop GET /cost-centres/{costCentreCode} after its sunset")
    result, report = check(reg)
    assert result.returncode == 0, result.stdout
    erp = contract(report, "erp-finance")
    assert {c["rule"] for c in erp["changes"]} == {"deprecated-path-removed"}
    assert step(report, "erp-finance", "deprecation")["outcome"] == "passed"


# -- (f) ---------------------------------------------------------------------------------------


def test_a_retired_contract_cannot_change(reg: Path) -> None:
    git(reg, "checkout", "-q", "main")
    edit(reg, TAX_META, "lifecycle: active", "lifecycle: retired")
    commit(reg, "retire tax-engine")
    git(reg, "checkout", "-q", "-B", "pr")
    edit(reg, "contracts/tax-engine/openapi.yaml", "  version: ", "  x-note: late fix\n  version: ")
    commit(reg, "edit a retired contract")
    result, report = check(reg)
    assert result.returncode == 1
    lifecycle = step(report, "tax-engine", "lifecycle")
    assert lifecycle["outcome"] == "failed"
    assert rules(lifecycle) == {"lifecycle-retired-changed"}
    assert lifecycle["summary"].startswith("retired")


def test_a_shared_schema_may_change_under_a_retired_contract_that_uses_it(reg: Path) -> None:
    """A description edit to Money reaches tax-engine through its $refs, but changes nothing
    the diff sees: the retired contract's own files are untouched, so it does not block the
    registry's live contracts."""
    git(reg, "checkout", "-q", "main")
    edit(reg, TAX_META, "lifecycle: active", "lifecycle: retired")
    commit(reg, "retire tax-engine")
    git(reg, "checkout", "-q", "-B", "pr")
    money = json.loads((reg / MONEY).read_text())
    money["description"] = money.get("description", "") + " Amounts are decimal strings."
    (reg / MONEY).write_text(json.dumps(money, indent=2) + "\n")
    edit(reg, "contracts/schemas/money/contract.yaml", "version: 1.0.0", "version: 1.0.1")
    commit(reg, "clarify Money's description")
    result, report = check(reg, "tax-engine")
    assert step(report, "tax-engine", "lifecycle")["outcome"] == "passed", result.stdout


def test_deleting_an_active_contract_needs_it_deprecated_first(reg: Path) -> None:
    git(reg, "rm", "-r", "-q", "contracts/tax-engine")
    commit(reg, "drop tax-engine")
    result, report = check(reg)
    assert result.returncode == 1
    lifecycle = step(report, "tax-engine", "lifecycle")
    assert lifecycle["outcome"] == "failed" and rules(lifecycle) == {"lifecycle-active-removed"}


def test_a_draft_contract_changes_freely(reg: Path) -> None:
    git(reg, "checkout", "-q", "main")
    edit(reg, "contracts/erp-finance/contract.yaml", "lifecycle: active", "lifecycle: draft")
    commit(reg, "erp-finance back on the drawing board")
    git(reg, "checkout", "-q", "-B", "pr")
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "name filter required")
    result, report = check(reg)
    assert result.returncode == 0, result.stdout
    approvals = step(report, "erp-finance", "approvals")
    assert approvals["outcome"] == "passed" and "the contract is a draft" in approvals["summary"]
    [breaking] = step(report, "erp-finance", "diff")["findings"]
    assert breaking["rule"] == "parameter-became-required" and breaking["waivedBy"]


# -- reports -----------------------------------------------------------------------------------


def test_every_format_renders_the_same_verdict(reg: Path, tmp_path: Path) -> None:
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "name filter required")
    out = tmp_path / "out"
    result = run("check", "--format", "markdown", "--report", f"sarif={out}.sarif",
                 "--report", f"junit={out}.xml", "--report", f"json={out}.json",
                 "--report", f"text={out}.txt", cwd=reg)
    assert result.returncode == 1, result.stderr
    md = result.stdout
    assert md.startswith("## Ledgerpact check: ❌ failed")
    assert "| erp-finance | ❌ failed | changed | 1 |" in md
    assert "1.0.0 -\\> 2.0.0 (major); required: major, at least 2.0.0" in md
    assert "#### Breaking changes" in md and "parameter-became-required" in md
    assert "no approval recorded for erp-finance" in md
    assert "| generated-code | ⚪ not applicable |" in md

    sarif = json.loads(Path(f"{out}.sarif").read_text())
    results = sarif["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert {"parameter-became-required", "approval-required"} <= set(by_rule)
    assert by_rule["parameter-became-required"]["properties"]["step"] == "diff"
    described = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= described

    suites = ET.parse(f"{out}.xml").getroot()
    assert suites.get("failures") == "2"  # diff and approvals
    cases = {c.get("name"): c for c in suites.iter("testcase")}
    assert cases["approvals"].find("failure") is not None
    assert cases["generated-code"].find("skipped") is not None
    assert json.loads(Path(f"{out}.json").read_text())["summary"]["outcome"] == "failed"
    text = Path(f"{out}.txt").read_text()
    assert "erp-finance: FAILED" in text and text.rstrip().endswith("failed (erp-finance)")


def test_github_annotations_never_exceed_the_limit_silently(reg: Path) -> None:
    """Eleven operations lose their description: eleven lint warnings, nothing that fails
    the check -- but GitHub would show only ten of them, so the github report says so and
    the check fails."""
    text = (reg / ERP).read_text()
    lines = text.splitlines(keepends=True)
    dropped, out = 0, []
    for n, line in enumerate(lines):
        if (dropped < 11 and line.startswith("      description:") and n > 0
                and lines[n - 1].startswith("      summary:")
                and not line.rstrip().endswith("|")):
            dropped += 1
            continue
        out.append(line)
    assert dropped == 11
    (reg / ERP).write_text("".join(out))
    set_version(reg, ERP, "1.0.0", "1.0.1")
    commit(reg, "terse operations")
    plain = run("check", cwd=reg)
    assert plain.returncode == 0, plain.stdout
    github = run("check", "--format", "github", cwd=reg)
    assert github.returncode == 1
    lines = github.stdout.splitlines()
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(warnings) == 10
    assert lines[-1].startswith("::error::1 of 11 errors and warnings were not annotated")
    assert "::group::1 findings not annotated" in lines
    # The summary the same run posts on the pull request says the same: failed, and why.
    summary = reg / "check.md"
    again = run("check", "--format", "github", "--report", f"markdown={summary}", cwd=reg)
    assert again.returncode == 1
    posted = summary.read_text()
    assert posted.startswith("## Ledgerpact check: ") and "failed" in posted.splitlines()[0].lower()
    assert "beyond GitHub's annotation limits" in posted


# -- scope and bad input -----------------------------------------------------------------------


def test_no_contract_changed_passes_with_nothing_to_check(reg: Path) -> None:
    (reg / "README.md").write_text("notes\n")
    commit(reg, "notes")
    result, report = check(reg)
    assert result.returncode == 0
    assert report["contracts"] == [] and report["changedFiles"] == ["README.md"]
    assert "nothing to check" in run("check", cwd=reg).stdout


def test_named_contracts_are_checked_even_unchanged(reg: Path) -> None:
    result, report = check(reg, "tax-engine", "--base", "main")
    assert result.returncode == 0
    assert [c["id"] for c in report["contracts"]] == ["tax-engine"]
    assert contract(report, "tax-engine")["reasons"] == ["named on the command line"]


def test_bad_input_exits_2_with_one_line(reg: Path) -> None:
    bad = run("check", "--base", "no-such-ref", cwd=reg)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: ") and "no-such-ref" in bad.stderr
    unknown = run("check", "no-such-contract", "--base", "main", cwd=reg)
    assert unknown.returncode == 2 and "no-such-contract" in unknown.stderr
    usage = run("check", "--report", "pdf=x.pdf", cwd=reg)
    assert usage.returncode == 2 and "FORMAT=FILE" in usage.stderr


def test_an_unreadable_contract_is_reported_and_exits_2(reg: Path) -> None:
    edit(reg, "contracts/tax-engine/openapi.yaml", "paths:\n", "paths:\n  : [\n")
    commit(reg, "broken YAML")
    result = run("check", "--format", "json", cwd=reg)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    tax = contract(report, "tax-engine")
    assert tax["outcome"] == "failed" and tax["error"]
    assert rules(step(report, "tax-engine", "validity")) == {"input-error"}
    assert [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_help_has_an_example() -> None:
    result = run("check", "--help")
    assert result.returncode == 0 and "Example:" in result.stdout
    assert "--report FORMAT=FILE" in result.stdout


def test_an_approval_slipped_into_a_merge_commit_is_not_the_approvers(reg: Path) -> None:
    """A record written by the merge itself (in neither parent) is authored by whoever made
    the merge: without combined-diff history it had no authoring commit and passed."""
    make_name_required(reg)
    set_version(reg, ERP, "1.0.0", "2.0.0")
    commit(reg, "name filter required", email=OUTSIDER[1])
    git(reg, "branch", "side")
    git(reg, "checkout", "-q", "side")
    (reg / "side.txt").write_text("x\n")
    commit(reg, "side", email=OUTSIDER[1])
    git(reg, "checkout", "-q", "pr")
    git(reg, "merge", "--no-ff", "--no-commit", "side", email=OUTSIDER[1])
    assert approve(reg, ARCHITECT).returncode == 0
    commit(reg, "merge side", email=OUTSIDER[1])
    result, report = check(reg)
    assert result.returncode == 1, result.stdout
    reason = " ".join(contract(report, "erp-finance")["approval"]["reasons"])
    assert f"by {OUTSIDER[1]}, which is not an e-mail of {ARCHITECT[0]}" in reason


def test_the_deprecation_period_is_the_bases_not_the_pull_requests(reg: Path) -> None:
    """Deprecated (with a passed sunset) only days before the removal: too recent under the
    base's 90 days; a pull request that also sets minimum_days: 0 is still judged by 90."""
    today = dt.date.today()
    git(reg, "checkout", "-q", "main")
    edit(reg, ERP, "    get:\n      operationId: getCostCentre\n",
         "    get:\n      operationId: getCostCentre\n      deprecated: true\n"
         f"      x-sunset: '{today - dt.timedelta(days=1)}'\n")
    set_version(reg, ERP, "1.0.0", "1.0.1")
    commit(reg, "deprecate GET /cost-centres/{costCentreCode}",
           date=f"{today - dt.timedelta(days=5)}T10:00:00+00:00")
    git(reg, "checkout", "-q", "-B", "pr")
    remove_cost_centre_path(reg)
    set_version(reg, ERP, "1.0.1", "1.0.2")
    edit(reg, "governance/policy.yaml", "minimum_days: 90", "minimum_days: 0")
    commit(reg, "remove cost centres; and no deprecation period any more")
    result, report = check(reg)
    assert result.returncode == 1
    deprecation = step(report, "erp-finance", "deprecation")
    assert deprecation["outcome"] == "failed"
    assert "deprecation-period-too-short" in rules(deprecation)


# -- generated code ----------------------------------------------------------------------------


def test_committed_models_must_match_their_contract(reg: Path) -> None:
    """Models committed for Money go stale when Money changes (even only its description:
    the header's content hash says so) and when someone edits them by hand; regenerating
    them in the same pull request passes."""
    out = reg / "adapters" / "sap" / "models"
    assert run("generate", "models", "money", "--out", out, cwd=reg).returncode == 0
    git(reg, "checkout", "-q", "main")
    commit(reg, "money models")
    git(reg, "checkout", "-q", "-B", "pr")

    money = json.loads((reg / MONEY).read_text())
    money["description"] += " Amounts are decimal strings."
    (reg / MONEY).write_text(json.dumps(money, indent=2) + "\n")
    commit(reg, "clarify Money")
    result, report = check(reg, "money")
    generated = step(report, "money", "generated-code")
    assert result.returncode == 1 and generated["outcome"] == "failed", result.stdout
    assert rules(generated) == {"generated-code-stale"}

    assert run("generate", "models", "money", "--out", out, "--replace", cwd=reg).returncode == 0
    commit(reg, "regenerate Money's models")
    result, report = check(reg, "money")
    assert step(report, "money", "generated-code")["outcome"] == "passed", result.stdout

    module = next(out.rglob("__init__.py"))
    module.write_text(module.read_text() + "\n# a hand edit\n")
    commit(reg, "tweak generated code")
    result, report = check(reg)  # no contract changed: the edited module brings Money in
    assert step(report, "money", "generated-code")["outcome"] == "failed", result.stdout

    git(reg, "checkout", "-q", "HEAD~1", "--", str(module.relative_to(reg)))
    git(reg, "rm", "-q", str((module.parent / "_types.py").relative_to(reg)))
    commit(reg, "lose a generated file")
    result, report = check(reg)  # a deleted generated file brings Money in as well
    assert step(report, "money", "generated-code")["outcome"] == "failed", result.stdout
