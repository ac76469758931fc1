"""Approvals cannot be forged: a record Git tracks is read from Git and judged by the commits
that wrote it (a symbolic link, an eol attribute, a submodule or a local edit does not make
it "not committed yet"); authorship and deprecation dates are never answered from a shallow
clone; the default base is not the pull request's to choose; CODEOWNERS is the repository's,
at its root, as GitHub reads it.

Every test builds real Git repositories in a temp dir from the real contracts, policy, teams
file and CODEOWNERS, with a different author e-mail per commit: @tomas (an erp-finance owner
through his team) commits a record that says @ingrid approved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ledgerpact.governance.approvals import ApprovalVerdict, evaluate, hash_at
from ledgerpact.governance.approvals.authority import authority_for
from ledgerpact.governance.approvals.codeowners import load_codeowners
from ledgerpact.governance.diff.model import Level
from ledgerpact.governance.diff.since import contract_changes
from ledgerpact.governance.policy.base import default_base_branch
from ledgerpact.governance.policy.history import Locator, marked_since
from ledgerpact.registry.catalog import find_entry
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import run
from tests.conftest import REPO

ID = "erp-finance"
FOLDER = f"governance/approvals/{ID}"
DOC = f"contracts/{ID}/openapi.yaml"
EMAIL = {"amara": "amara@ledgerpact.dev", "ingrid": "ingrid@ledgerpact.dev",
         "tomas": "tomas@ledgerpact.dev", "sofia": "sofia@ledgerpact.dev"}


def _git(root: Path, *args: str, who: str = "amara") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": who.title(), "GIT_AUTHOR_EMAIL": EMAIL[who],
           "GIT_COMMITTER_NAME": who.title(), "GIT_COMMITTER_EMAIL": EMAIL[who]}
    return subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=root,
                          capture_output=True, text=True, check=True, env=env).stdout


def _commit(root: Path, message: str, who: str) -> str:
    _git(root, "add", "-A", who=who)
    _git(root, "commit", "-q", "-m", message, who=who)
    return _git(root, "rev-parse", "HEAD").strip()


def _copy_registry(to: Path) -> None:
    shutil.copytree(REPO / "contracts", to / "contracts")
    (to / "governance").mkdir(parents=True)
    for name in ("policy.yaml", "teams.yaml"):
        shutil.copy(REPO / "governance" / name, to / "governance")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`main`: the real registry; `pr`: Tomas lowers the Limit parameter's maximum from 200
    to 100, a breaking request change to erp-finance, which needs an approval."""
    root = tmp_path_factory.mktemp("template") / "src"
    _copy_registry(root)
    (root / ".github").mkdir()
    shutil.copy(REPO / ".github" / "CODEOWNERS", root / ".github")
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "registry", who="amara")
    _git(root, "checkout", "-q", "-b", "pr")
    text = (root / DOC).read_text()
    assert "maximum: 200" in text
    (root / DOC).write_text(text.replace("maximum: 200", "maximum: 100"))
    _commit(root, "page size at most 100", who="tomas")
    return root


@pytest.fixture
def src(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "src"
    shutil.copytree(template, root)
    return root


def _forged_text(root: Path) -> str:
    """The record `approve` would write for @ingrid (it refuses to write it for Tomas:
    printing it is enough to forge the file)."""
    result = run("approve", ID, "--base", "main", "--approver", "@ingrid", "--reason",
                 "forged by tomas", "--dry-run", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "approver: '@ingrid'" in result.stdout
    return result.stdout


def _verdict(root: Path, base: str = "main") -> ApprovalVerdict:
    reg = Registry.open(root)
    base_ws, rev_ws = reg.workspace(base), reg.workspace()
    changes = contract_changes(ID, base_ws, find_entry(base_ws, ID), rev_ws,
                               find_entry(rev_ws, ID), ("base", "working tree")) or []
    breaking = [c for c in changes if c.level is Level.BREAKING]
    assert breaking
    return evaluate(reg, ID, hash_at(base_ws, ID), hash_at(rev_ws, ID), breaking,
                    authority_ref=reg.require_repo().commit(base).hexsha)


def _clone(src: Path, to: Path, *options: str) -> Path:
    """A clone of the `pr` branch, as a CI checkout of the pull request (the source on
    `main`, so origin/HEAD is main as on GitHub)."""
    _git(src, "checkout", "-q", "main")
    _git(src.parent, "clone", "-q", *options, "-b", "pr", f"file://{src}", str(to))
    return to


# -- a tracked record is judged by its blob and its commits ---------------------------------


def test_a_committed_symlink_is_no_record_and_check_fails(src: Path, tmp_path: Path):
    (src / "notes").mkdir()
    (src / "notes" / "a.yaml").write_text(_forged_text(src))
    (src / FOLDER).mkdir(parents=True)
    (src / FOLDER / "forged.yaml").symlink_to("../../../notes/a.yaml")
    _commit(src, "approval", who="tomas")
    verdict = _verdict(src)
    assert not verdict.approved
    assert verdict.reasons == [
        f"approval {FOLDER}/forged.yaml is a symbolic link in Git (mode 120000), so it does "
        "not count: a record must be a file of this repository, committed by its approver"]
    # what CI runs, in what actions/checkout gives it (a full clone of the branch)
    ci = _clone(src, tmp_path / "ci")
    result = run("check", "--base", "origin/main", cwd=ci)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is a symbolic link in Git (mode 120000)" in result.stdout
    assert "approvals passed" not in " ".join(result.stdout.split())


def test_a_record_folder_committed_as_a_symlink_is_refused(src: Path):
    (src / "notes").mkdir()
    (src / "notes" / "forged.yaml").write_text(_forged_text(src))
    (src / "governance" / "approvals").mkdir()
    (src / FOLDER).symlink_to("../../notes")
    _commit(src, "approval", who="tomas")
    verdict = _verdict(src)
    assert not verdict.approved
    assert verdict.reasons == [
        f"approval {FOLDER} is a symbolic link in Git (mode 120000), so it does not count: "
        "a record must be a file of this repository, committed by its approver"]


def test_a_record_in_a_submodule_is_refused(src: Path, tmp_path: Path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "forged.yaml").write_text(_forged_text(src))
    _git(notes, "init", "-q", "-b", "main")
    _commit(notes, "notes", who="tomas")
    _git(src, "submodule", "add", "-q", str(notes), f"{FOLDER}/sub", who="tomas")
    _commit(src, "approval", who="tomas")
    assert (src / FOLDER / "sub" / "forged.yaml").is_file()  # checked out, as CI may
    verdict = _verdict(src)
    assert not verdict.approved
    assert verdict.reasons == [
        f"approval {FOLDER}/sub is a submodule (Git mode 160000), so it does not count: a "
        "record must be a file of this repository, committed by its approver"]


def test_an_eol_attribute_does_not_hide_who_committed_a_record(src: Path, tmp_path: Path):
    (src / FOLDER).mkdir(parents=True)
    (src / FOLDER / "forged.yaml").write_text(_forged_text(src))
    (src / ".gitattributes").write_text("governance/approvals/** text eol=crlf\n")
    sha = _commit(src, "approval", who="tomas")
    tomas = (f"approval {FOLDER}/forged.yaml was committed in {sha[:10]} by "
             f"{EMAIL['tomas']}, which is not an e-mail of @ingrid in governance/teams.yaml "
             f"({EMAIL['ingrid']})")
    assert _verdict(src).reasons == [tomas]  # where the file's bytes are the blob's
    ci = _clone(src, tmp_path / "ci")
    assert b"\r\n" in (ci / FOLDER / "forged.yaml").read_bytes()  # differs from its blob
    verdict = _verdict(ci, "origin/main")
    assert not verdict.approved
    assert verdict.reasons == [tomas]


def test_a_local_edit_does_not_make_a_committed_forgery_count(src: Path):
    (src / FOLDER).mkdir(parents=True)
    record = src / FOLDER / "forged.yaml"
    record.write_text(_forged_text(src))
    _commit(src, "approval", who="tomas")
    record.write_text(record.read_text() + "# edited after the commit\n")
    verdict = _verdict(src)
    assert not verdict.approved
    assert f"by {EMAIL['tomas']}" in verdict.reasons[0]


def test_a_record_committed_by_the_approver_counts_as_read_from_git(src: Path):
    (src / FOLDER).mkdir(parents=True)
    record = src / FOLDER / "ingrid.yaml"
    record.write_text(_forged_text(src).replace("forged by tomas", "agreed"))
    _commit(src, "approval", who="ingrid")
    record.write_text("not: [a record\n")  # the working tree's bytes are not what counts
    verdict = _verdict(src)
    assert verdict.approved and verdict.approver == "@ingrid"


# -- shallow clones -------------------------------------------------------------------------


def test_a_shallow_clone_is_refused_when_a_committed_record_is_judged(src: Path,
                                                                       tmp_path: Path):
    (src / FOLDER).mkdir(parents=True)
    (src / FOLDER / "forged.yaml").write_text(_forged_text(src))
    _commit(src, "approval", who="tomas")
    (src / "README.md").write_text("later\n")
    _commit(src, "any later commit by ingrid", who="ingrid")  # the boundary commit's author
    shallow = _clone(src, tmp_path / "shallow", "--depth", "1")
    _git(shallow, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    with pytest.raises(InputError, match="this is a shallow clone: judging approval records"):
        _verdict(shallow, "origin/main")
    result = run("approve", ID, "--base", "origin/main", "--approver", "@ingrid",
                 "--reason", "x", "--dry-run", cwd=shallow)
    assert result.returncode == 2
    assert "this is a shallow clone: recording an approval" in result.stderr
    assert "Traceback" not in result.stderr


def test_deprecation_dates_are_not_read_from_a_shallow_clone(tmp_path: Path):
    src = tmp_path / "src"
    (src / "contracts" / "demo").mkdir(parents=True)
    api = src / "contracts" / "demo" / "api.yaml"
    api.write_text("paths:\n  /a:\n    get:\n      deprecated: true\n")
    _git(src, "init", "-q", "-b", "main")
    _commit(src, "deprecate GET /a", who="amara")
    api.write_text(api.read_text() + "  /b: {}\n")
    head = _commit(src, "later work", who="amara")
    where = Locator("/paths/~1a/get")

    def marked(node: object) -> bool:
        return isinstance(node, dict) and node.get("deprecated") is True

    full = marked_since(Registry.open(src), head, "contracts/demo/api.yaml", [where], marked)
    assert full[where] is not None and full[where].commit != head  # the first commit
    shallow = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{src}", str(shallow))
    with pytest.raises(InputError, match="this is a shallow clone: dating the deprecations"):
        marked_since(Registry.open(shallow), head, "contracts/demo/api.yaml", [where], marked)


# -- the default base -----------------------------------------------------------------------


def test_a_pull_request_cannot_choose_its_default_branch(src: Path, tmp_path: Path):
    policy = src / "governance" / "policy.yaml"
    assert "default_branch: main" in policy.read_text()
    policy.write_text(policy.read_text().replace("default_branch: main", "default_branch: pr"))
    _commit(src, "policy: default branch", who="tomas")
    assert default_base_branch(Registry.open(src)) == "main"  # the merge base's policy
    clone = _clone(src, tmp_path / "clone")
    assert default_base_branch(Registry.open(clone)) == "main"  # origin/HEAD's policy
    # approve, with no --base, still finds the breaking change against main
    result = run("approve", ID, "--approver", "@ingrid", "--reason", "x", "--dry-run",
                 cwd=clone)
    assert result.returncode == 0, result.stderr
    assert "rule: maximum-tightened" in result.stdout


def test_without_a_policy_branch_the_default_is_the_branch_it_was_read_from(src: Path,
                                                                             tmp_path: Path):
    policy = src / "governance" / "policy.yaml"
    policy.write_text(policy.read_text().replace("default_branch: main\n", ""))
    _git(src, "checkout", "-q", "main")
    _commit(src, "no default branch", who="amara")
    _git(src, "checkout", "-q", "pr")
    assert default_base_branch(Registry.open(src)) == "main"
    clone = _clone(src, tmp_path / "clone")
    assert default_base_branch(Registry.open(clone)) == "origin/HEAD"


# -- CODEOWNERS in a monorepo ---------------------------------------------------------------


def _monorepo(root: Path, root_rules: str, registry_rules: str | None) -> Registry:
    _copy_registry(root / "api")
    (root / ".github").mkdir()
    (root / ".github" / "CODEOWNERS").write_text(root_rules)
    if registry_rules is not None:
        (root / "api" / ".github").mkdir()
        (root / "api" / ".github" / "CODEOWNERS").write_text(registry_rules)
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "monorepo", who="sofia")
    return Registry.open(root / "api")


def test_codeowners_is_read_at_the_repository_root_with_its_paths(tmp_path: Path):
    reg = _monorepo(tmp_path / "mono",
                    "*  @ledgerpact/architects\n/api/contracts/tax-engine/  @sofia\n", None)
    for ws in (reg.workspace(), reg.workspace("HEAD")):
        owners = load_codeowners(ws)
        assert owners.file == ".github/CODEOWNERS"
        assert owners.owners_of("contracts/tax-engine/openapi.yaml") == ("@sofia",)
        assert owners.owners_of("contracts/erp-finance/openapi.yaml") == (
            "@ledgerpact/architects",)
        assert authority_for(ws, "tax-engine").may_approve("@sofia")
    result = run("approve", "tax-engine", "--base", "main", "--approver", "@sofia",
                 "--reason", "x", "--dry-run", cwd=tmp_path / "mono" / "api")
    assert result.returncode == 2  # sofia may approve: it is refused for another reason
    assert "no breaking change to approve" in result.stderr


def test_a_codeowners_file_in_the_registry_folder_is_ignored_as_github_ignores_it(
        tmp_path: Path):
    reg = _monorepo(tmp_path / "mono", "*  @ledgerpact/architects\n",
                    "/contracts/tax-engine/  @sofia\n")
    for ws in (reg.workspace(), reg.workspace("HEAD")):
        assert load_codeowners(ws).owners_of("contracts/tax-engine/openapi.yaml") == (
            "@ledgerpact/architects",)
        assert not authority_for(ws, "tax-engine").may_approve("@sofia")
