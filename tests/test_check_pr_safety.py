"""``ledgerpact check`` cannot be steered by the pull request it checks, nor misled by the
checkout CI gives it (the installed command on real Git registries in temp dirs).

A shallow clone would make the boundary commit the author of every approval record and the
start of every deprecation; a pull request could pick its own base through
governance/policy.yaml; ``--base`` on a branch that moved on would show that branch's newer
work, reversed, as the pull request's; a misspelt waiver rule id would be accepted where lint
refuses it; an active contract could be retired at once, though deleting it is refused; a
folder whose id does not match would be reported as removed, naming no file; and the
markdown comment must stay under GitHub's size limit whatever the records say.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from ledgerpact.governance.check.model import (
    Approval,
    CheckReport,
    ContractCheck,
    Outcome,
    Step,
)
from ledgerpact.governance.check.report import markdown
from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

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
NEW_PATH = """\
  /credit-notes:
    get:
      operationId: listCreditNotes
      responses:
        "200":
          description: ok
"""
POLICY = {"deprecation": {"minimum_days": 90}, "architects": "@test/architects",
          "default_branch": "main"}
GITHUB_LIMIT = 65_536


def registry(tmp_path: Path, *contracts: str) -> Path:
    """A Git registry on ``main`` with these OpenAPI contracts (active, BACKWARD) and a
    policy whose default branch is main; HEAD on a new branch ``pr``."""
    root = init_repo(tmp_path / "reg")
    for cid in contracts:
        folder = root / "contracts" / cid
        folder.mkdir(parents=True)
        (folder / "openapi.yaml").write_text(SPEC)
        write_metadata(folder, cid, "openapi", "openapi.yaml")
    (root / "governance").mkdir()
    (root / "governance" / "policy.yaml").write_text(yaml.safe_dump(POLICY))
    commit_all(root, "registry")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


def add_operation(root: Path, cid: str, version: str) -> None:
    """An additive change with the minor bump it needs: it passes the check."""
    rel = f"contracts/{cid}/openapi.yaml"
    edit(root, rel, "paths:\n", "paths:\n" + NEW_PATH)
    edit(root, rel, "version: 1.0.0", f"version: {version}")


def remove_operation(root: Path, cid: str) -> None:
    """A breaking change (a path removed without deprecation, with a major bump): it fails
    the check without an approval."""
    rel = f"contracts/{cid}/openapi.yaml"
    text = (root / rel).read_text()
    (root / rel).write_text(text.split("  /invoices:")[0].replace("paths:\n", "paths: {}\n")
                            .replace("version: 1.0.0", "version: 2.0.0"))


def set_lifecycle(root: Path, cid: str, lifecycle: str) -> None:
    edit(root, f"contracts/{cid}/contract.yaml", "lifecycle: active", f"lifecycle: {lifecycle}")


def check_json(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = run("check", "--format", "json", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result, json.loads(result.stdout)


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a run refused as bad input (exit 2, no traceback)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["contracts"]}


def step(contract: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in contract["steps"] if s["name"] == name)


# -- 1. a shallow clone is refused, not judged ---------------------------------------------------


def test_a_shallow_clone_is_refused_before_anything_is_judged(tmp_path: Path) -> None:
    """actions/checkout's default fetch-depth 1 (here 2, so the merge base is even there):
    the boundary commit would pass for the author of every approval record and the start of
    every deprecation, so the check refuses to give a verdict until the history is whole."""
    src = registry(tmp_path, "payables")
    add_operation(src, "payables", "1.1.0")
    commit_all(src, "credit notes")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", "-b", "pr", f"file://{src}",
                    str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--depth", "1", "origin",
                    "main:refs/remotes/origin/main"], check=True)
    assert (clone / ".git" / "shallow").is_file()

    line = refused(run("check", "--base", "origin/main", cwd=clone))
    assert "this is a shallow clone" in line and "fetch-depth: 0" in line, line
    refused(run("check", cwd=clone))  # the default base too

    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True)
    result, report = check_json(clone, "--base", "origin/main")
    assert result.returncode == 0, result.stdout
    assert list(by_id(report)) == ["payables"]


# -- 2. the pull request cannot choose its base --------------------------------------------------


def test_a_pull_request_cannot_choose_its_own_base_through_the_policy(tmp_path: Path) -> None:
    root = registry(tmp_path, "payables")
    remove_operation(root, "payables")
    commit_all(root, "drop invoices")
    fork = git(root, "rev-parse", "main").strip()
    before, report = check_json(root)
    assert before.returncode == 1 and report["base"]["commit"] == fork
    edit(root, "governance/policy.yaml", "default_branch: main", "default_branch: pr")
    commit_all(root, "policy: compare with pr")
    after, report = check_json(root)
    # still the merge base with main, so the unapproved breaking change still fails
    assert report["base"]["commit"] == fork, report["base"]
    assert after.returncode == 1 and list(by_id(report)) == ["payables"], after.stdout
    assert step(by_id(report)["payables"], "approvals")["outcome"] == "failed"


# -- 3. --base on a branch that moved on: the merge base ------------------------------------------


def test_base_that_moved_on_is_compared_at_the_merge_base(tmp_path: Path) -> None:
    """main gains an operation on receivables after the branch point: that is not the pull
    request's change (it would show as a removal without deprecation and a version going
    down), as `git diff main...HEAD` does not show it."""
    root = registry(tmp_path, "payables", "receivables")
    fork = git(root, "rev-parse", "HEAD").strip()
    add_operation(root, "payables", "1.1.0")
    commit_all(root, "payables: credit notes")
    git(root, "checkout", "-q", "main")
    add_operation(root, "receivables", "1.1.0")
    commit_all(root, "receivables: credit notes")
    git(root, "checkout", "-q", "pr")

    result, report = check_json(root, "--base", "main")
    assert result.returncode == 0, result.stdout
    assert list(by_id(report)) == ["payables"]
    assert report["changedFiles"] == ["contracts/payables/openapi.yaml"]
    assert report["base"]["commit"] == fork
    text = run("check", "--base", "main", cwd=root).stdout
    assert text.startswith(f"Against merge base {fork[:10]} of main and HEAD: "), text
    # a base that is an ancestor of HEAD is its own merge base, and is named as given
    ancestor = run("check", "--base", fork, cwd=root).stdout
    assert ancestor.startswith(f"Against {fork}: "), ancestor


# -- 4. a misspelt waiver rule id ---------------------------------------------------------------


def test_a_misspelt_waiver_rule_id_is_refused_as_lint_refuses_it(tmp_path: Path) -> None:
    root = registry(tmp_path, "payables")
    waiver = {"rule": "oas-info-contcat", "contract": "payables", "pointer": "/info",
              "reason": "no contact yet", "approver": "@test/owners",
              "expires": "2099-12-31"}
    (root / "governance" / "waivers.yaml").write_text(
        yaml.safe_dump({"waivers": [waiver]}, sort_keys=False))
    add_operation(root, "payables", "1.1.0")
    commit_all(root, "credit notes, and a waiver")
    line = refused(run("check", "--base", "main", cwd=root))
    assert line.startswith("error: governance/waivers.yaml:2: at /waivers/0/rule: unknown "
                           "rule 'oas-info-contcat'"), line
    assert "did you mean the built-in 'oas-info-contact'?" in line
    assert refused(run("lint", "payables", cwd=root)) == line


# -- 5. retiring an active contract -------------------------------------------------------------


def test_an_active_contract_cannot_be_retired_at_once(tmp_path: Path) -> None:
    """Retiring ends a contract as deleting it does: an active one must be deprecated first.
    A deprecated one may be retired; so may a draft, which nobody depends on."""
    root = registry(tmp_path, "payables", "receivables", "ledger")
    git(root, "checkout", "-q", "main")
    set_lifecycle(root, "receivables", "deprecated")
    set_lifecycle(root, "ledger", "draft")
    commit_all(root, "receivables deprecated, ledger a draft")
    git(root, "checkout", "-q", "-B", "pr")
    set_lifecycle(root, "payables", "retired")
    edit(root, "contracts/receivables/contract.yaml", "lifecycle: deprecated",
         "lifecycle: retired")
    edit(root, "contracts/ledger/contract.yaml", "lifecycle: draft", "lifecycle: retired")
    commit_all(root, "retire all three")

    result, report = check_json(root)
    assert result.returncode == 1, result.stdout
    found = by_id(report)
    lifecycle = step(found["payables"], "lifecycle")
    assert lifecycle["outcome"] == "failed"
    [finding] = lifecycle["findings"]
    assert finding["rule"] == "lifecycle-active-removed"
    assert finding["file"] == "contracts/payables/contract.yaml"
    assert finding["pointer"] == "/lifecycle"
    assert "payables is active and was retired: deprecate it first" in finding["message"]
    assert step(found["receivables"], "lifecycle")["outcome"] == "passed"
    assert step(found["ledger"], "lifecycle")["outcome"] == "passed"


# -- 6. a folder whose id does not match ---------------------------------------------------------


def test_an_added_folder_whose_id_does_not_match_says_what_validate_says(tmp_path: Path
                                                                        ) -> None:
    root = registry(tmp_path, "payables")
    folder = root / "contracts" / "fx-rates"
    folder.mkdir()
    (folder / "openapi.yaml").write_text(SPEC)
    write_metadata(folder, "fx-rate", "openapi", "openapi.yaml")
    commit_all(root, "fx rates")
    expected = ("error: contracts/fx-rates/contract.yaml:1: at /id: id 'fx-rate' must equal "
                "its folder's name 'fx-rates'")
    validated = run("registry", "validate", "fx-rates", cwd=root)
    assert validated.returncode == 2 and expected in validated.stderr.splitlines()
    result = run("check", "--base", "main", "--format", "json", cwd=root)
    assert refused(result) == expected
    [contract] = json.loads(result.stdout)["contracts"]
    assert contract["id"] == "fx-rates" and contract["presence"] == "added"
    assert contract["reasons"] == ["contracts/fx-rates/contract.yaml added",
                                   "contracts/fx-rates/openapi.yaml added"]
    [finding] = step(contract, "validity")["findings"]
    assert (finding["file"], finding["line"], finding["pointer"]) == (
        "contracts/fx-rates/contract.yaml", 1, "/id")


def test_a_moved_folder_is_a_removal_and_a_broken_addition(tmp_path: Path) -> None:
    """``git mv contracts/payables contracts/pay``, id unchanged: the old folder is gone
    (its own files say so) and the new one breaks the catalogue's rule, with its file."""
    root = registry(tmp_path, "payables")
    git(root, "mv", "contracts/payables", "contracts/pay")
    commit_all(root, "move")
    result = run("check", "--base", "main", "--format", "json", cwd=root)
    assert refused(result) == ("error: contracts/pay/contract.yaml:1: at /id: id 'payables' "
                               "must equal its folder's name 'pay'")
    found = by_id(json.loads(result.stdout))
    assert found["pay"]["presence"] == "added"
    assert found["payables"]["presence"] == "removed"
    assert all(r.startswith("contracts/payables/") for r in found["payables"]["reasons"])


# -- 7. the markdown comment stays under GitHub's limit ------------------------------------------


def test_the_markdown_comment_stays_under_githubs_limit(tmp_path: Path) -> None:
    """Two hundred unreadable approval records with long names: each is a reason the
    approval is missing, and every reason once went into one overview cell."""
    root = registry(tmp_path, "payables")
    remove_operation(root, "payables")
    records = root / "governance" / "approvals" / "payables"
    records.mkdir(parents=True)
    for n in range(200):
        (records / f"broken-{n}-{'0' * 150}.yaml").write_text("contract: [\n")
    commit_all(root, "breaking change and unreadable records")
    out = tmp_path / "check.md"
    result = run("check", "--base", "main", "--report", f"markdown={out}", "--format", "json",
                 cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    approval = json.loads(result.stdout)["contracts"][0]["approval"]
    assert len("; ".join(approval["reasons"])) > GITHUB_LIMIT  # all of them, in JSON
    md = out.read_text()
    assert len(md) <= markdown.MAX_CHARS < GITHUB_LIMIT
    assert max(len(line) for line in md.splitlines()) < 3 * markdown.MAX_PARAGRAPH
    row = next(line for line in md.splitlines() if line.startswith("| payables |"))
    assert "missing: approval governance/approvals/payables/broken-" in row and "…" in row
    assert "### payables: failed" in md  # the failed contract's details still fit


def _failed(cid: str, approval_reason: str) -> ContractCheck:
    return ContractCheck(cid, "changed", [f"contracts/{cid}/openapi.yaml changed"],
                         f"{cid}@0123456789", f"{cid} (working tree)",
                         steps=[Step("approvals", Outcome.FAILED, "not approved")],
                         approval=Approval(required=True, approved=False,
                                           reasons=[approval_reason]))


def test_the_overview_is_capped_in_rows_and_counted_toward_the_limit() -> None:
    many = CheckReport("main", "0123456789abcdef", [], [_failed(f"c{n:03}", "none recorded")
                                                         for n in range(60)])
    rows = [line for line in markdown.render(many).splitlines() if line.startswith("| c")]
    assert len(rows) == markdown.MAX_ROWS
    assert "... and 10 contracts more" in markdown.render(many)

    # rows of long (capped) cells: the overview stops where the comment would overflow
    wide = CheckReport("main", "0123456789abcdef", [], [_failed(f"c{n:03}", "x " * 5_000)
                                                         for n in range(40)])
    text = markdown.render(wide, max_chars=6_000)
    assert len(text) <= 6_000
    shown = [line for line in text.splitlines() if line.startswith("| c")]
    assert 0 < len(shown) < 40
    assert f"... and {40 - len(shown)} contracts more" in text
    assert "Details of 40 contracts left out" in text and "and 20 more (the JSON" in text


# -- 8. a tag cannot stand in for the base branch -------------------------------------------------


def test_a_tag_named_like_the_base_branch_is_refused_not_used(tmp_path: Path) -> None:
    """Git takes a tag ``main`` over the branch ``main`` with a mere warning: pushed at the
    pull request's own commit it would make the pull request its own base (nothing changed,
    nothing to approve). The short name is refused; the full ref name still works."""
    root = registry(tmp_path, "payables")
    remove_operation(root, "payables")
    commit_all(root, "breaking")
    git(root, "tag", "main", "pr")  # at the pull request's commit
    for args in (("--base", "main"), ()):
        assert "'main' is ambiguous: refs/heads/main and refs/tags/main name different " \
            "commits" in refused(run("check", *args, cwd=root))
    result, data = check_json(root, "--base", "refs/heads/main")
    assert result.returncode == 1, result.stdout
    assert step(by_id(data)["payables"], "approvals")["outcome"] == "failed"
    assert "'main' is ambiguous" in refused(run("approve", "payables", "--reason", "r",
                                                "--dry-run", cwd=root))
