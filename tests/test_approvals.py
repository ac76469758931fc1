"""Approvals: CODEOWNERS as GitHub reads it, the teams file, content hashes, `ledgerpact
approve` through the installed command, and `evaluate` on real Git registries built from the
real contracts, the real policy, teams file and CODEOWNERS (acceptance (c) of issue 5)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ledgerpact.governance.approvals import ABSENT_HASH, ApprovalVerdict, evaluate, hash_at
from ledgerpact.governance.approvals.codeowners import (
    compile_pattern,
    load_codeowners,
    parse_codeowners,
)
from ledgerpact.governance.approvals.people import load_directory
from ledgerpact.governance.diff.model import Change, Level
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace
from tests.cli_helpers import run
from tests.conftest import REPO

EMAIL = {"amara": "amara@ledgerpact.dev", "ingrid": "ingrid@ledgerpact.dev",
         "kenji": "kenji@ledgerpact.dev", "mallory": "mallory@example.com"}
ERP = "contracts/erp-finance/openapi.yaml"
SEARCH_PATH = "  /supplier-searches:\n"
NEXT_PATH = "  /suppliers/{supplierNumber}:\n"
ADDED_PATH = """\
  /supplier-ratings:
    get:
      operationId: listSupplierRatings
      summary: Supplier ratings
      responses:
        "200":
          description: The ratings.
"""


# -- CODEOWNERS ------------------------------------------------------------------------------

# The example file of GitHub's "About code owners" page, rule for rule (comments shortened).
GITHUB_EXAMPLE = """\
# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github @doctocat
"""


@pytest.mark.parametrize(("path", "owners"), [
    ("README.md", ("@global-owner1", "@global-owner2")),
    ("src/deep/app.js", ("@js-owner",)),  # the inline comment is not an owner
    ("cmd/main.go", ("docs@example.com",)),
    ("notes/todo.txt", ("@octo-org/octocats",)),
    ("build/run.md", ("@global-owner1", "@global-owner2")),
    ("build/logs/run.md", ("@octocat",)),  # /build/logs/ matches, but **/logs comes later
    ("build/logs/2024/run.md", ("@octocat",)),
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("deeply/nested/logs/run.md", ("@octocat",)),  # **/logs: a logs folder anywhere
    ("apps/web/index.html", ("@octocat",)),
    ("apps/github/index.html", ("@doctocat",)),  # a later, more specific rule wins
    ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes after docs/*
    ("docs/build-app/troubleshooting.md", ("@doctocat",)),
])
def test_github_example_file_last_matching_rule_wins(path: str, owners: tuple[str, ...]):
    assert parse_codeowners(GITHUB_EXAMPLE, "CODEOWNERS").owners_of(path) == owners


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    # `*` alone owns everything; `*.js` any .js file at any depth
    ("*", "a/b/c.yaml", True),
    ("*.js", "app.js", True), ("*.js", "src/lib/app.js", True), ("*.js", "app.jsx", False),
    # GitHub's documented exception to gitignore: `docs/*` is one level only
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/*", "guide/docs/a.md", False),  # a slash in the pattern anchors it
    # a trailing slash: the folder's contents at any depth; anchored with a leading slash
    ("/build/logs/", "build/logs/a.log", True), ("/build/logs/", "build/logs/x/a.log", True),
    ("/build/logs/", "src/build/logs/a.log", False), ("/build/logs/", "build/logs", False),
    ("apps/", "apps/a.py", True), ("apps/", "services/apps/deep/a.py", True),
    ("apps/", "apps", False), ("apps/", "webapps/a.py", False),
    # a name that is a folder covers its contents; without a slash it floats
    ("/apps/github", "apps/github/x/y.rb", True), ("/apps/github", "apps/githubber", False),
    ("logs", "logs/a", True), ("logs", "x/logs/a", True), ("logs", "x/logsy", False),
    ("/logs", "x/logs/a", False),
    # ** in each position
    ("**/logs", "logs/a", True), ("**/logs", "a/b/logs/c", True), ("**/logs", "a/blogs/c", False),
    ("contracts/**/openapi.yaml", "contracts/openapi.yaml", True),
    ("contracts/**/openapi.yaml", "contracts/a/b/openapi.yaml", True),
    ("contracts/**/openapi.yaml", "x/contracts/a/openapi.yaml", False),
    ("contracts/**", "contracts/a/b", True), ("contracts/**", "contracts", False),
    # ? is one character, never a slash; a backslash makes a wildcard literal
    ("invoice-v?.yaml", "invoice-v2.yaml", True), ("invoice-v?.yaml", "invoice-v10.yaml", False),
    ("a?b", "a/b", False), ("f\\*o", "f*o", True), ("f\\*o", "foo", False),
    # paths are case-sensitive, as on GitHub
    ("/Contracts/", "contracts/a.yaml", False),
])
def test_patterns(pattern: str, path: str, matches: bool):
    assert bool(compile_pattern(pattern).fullmatch(path)) is matches


def test_a_rule_without_owners_leaves_its_files_unowned():
    owners = parse_codeowners("/apps/ @octocat\n/apps/github\n", "CODEOWNERS")
    assert owners.owners_of("apps/web/a.rb") == ("@octocat",)
    assert owners.owners_of("apps/github/a.rb") == ()
    assert owners.owners_of("README.md") == ()  # no rule at all


@pytest.mark.parametrize(("line", "says"), [
    ("!docs/secret.md @a", "negation"),
    ("docs/[ab].md @a", "character ranges"),
    ("\\#hash.md @a", "cannot be escaped"),
    ("docs/ bob", "owner 'bob'"),
    ("docs/ @org/team/extra", "owner '@org/team/extra'"),
    ("/ @a", "matches no file"),
])
def test_syntax_github_does_not_read_is_refused_with_its_line(line: str, says: str):
    with pytest.raises(InputError) as caught:
        parse_codeowners(f"# ok\n* @everyone\n{line}\n", ".github/CODEOWNERS")
    assert caught.value.line == 3 and caught.value.file == ".github/CODEOWNERS"
    assert says in str(caught.value)


def test_this_repositorys_codeowners_and_github_lookup_order(tmp_path: Path):
    owners = load_codeowners(Workspace(DirectorySource(REPO)))
    assert owners.file == ".github/CODEOWNERS"
    assert owners.owners_of("contracts/erp-finance/openapi.yaml") == (
        "@ledgerpact/erp-integration",)
    assert owners.owners_of("contracts/schemas/money/money.schema.json") == (
        "@ledgerpact/finance-architecture",)
    assert owners.owners_of("README.md") == ("@ledgerpact/architects",)
    # GitHub uses the first of .github/, the root, docs/ -- and only that one
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @from-docs\n")
    (tmp_path / "CODEOWNERS").write_text("* @from-root\n")
    assert load_codeowners(Workspace(DirectorySource(tmp_path))).owners_of("a") == (
        "@from-root",)
    (tmp_path / "CODEOWNERS").unlink()
    assert load_codeowners(Workspace(DirectorySource(tmp_path))).file == "docs/CODEOWNERS"


# -- the teams file --------------------------------------------------------------------------


def _teams_ws(tmp_path: Path, teams: str) -> Workspace:
    (tmp_path / "governance").mkdir(exist_ok=True)
    (tmp_path / "governance" / "teams.yaml").write_text(teams)
    return Workspace(DirectorySource(tmp_path))


def test_teams_expand_nested_and_identities_are_case_insensitive(tmp_path: Path):
    directory = load_directory(_teams_ws(tmp_path, """\
teams:
  "@acme/finance": ["@acme/ap", "@Zoe"]
  "@acme/ap": ["@ana", "@acme/finance"]   # a cycle ends
people:
  "@ana": ["Ana@Acme.example"]
"""))
    assert directory.users("@ACME/Finance") == {"@zoe", "@ana"}
    assert directory.users("@ana") == {"@ana"}
    assert directory.handle_for_email("ana@acme.EXAMPLE") == "@ana"
    assert directory.owner_users("ana@acme.example") == {"@ana"}
    real = load_directory(Workspace(DirectorySource(REPO)))
    assert real.users("@ledgerpact/architects") == {"@amara", "@lucas"}


@pytest.mark.parametrize(("text", "pointer", "says"), [
    ("teams: {}\npeople: {}\nroles: {}\n", "/roles", "unknown key 'roles'"),
    ('teams:\n  "@a/t": ["bob"]\n', "/teams/@a~1t/0", "'bob'"),
    ('people:\n  "@bob": []\n', "/people/@bob", "non-empty list"),
    ('people:\n  "@bob": ["not-an-email"]\n', "/people/@bob/0", "'not-an-email'"),
    ('people:\n  "@bob": ["b@x.dev"]\n  "@eve": ["B@x.dev"]\n', "/people/@eve",
     "belong to one person"),
])
def test_a_broken_teams_file_is_refused_where_it_is_broken(tmp_path: Path, text: str,
                                                           pointer: str, says: str):
    with pytest.raises(InputError) as caught:
        load_directory(_teams_ws(tmp_path, text))
    assert caught.value.pointer == pointer and caught.value.line is not None
    assert says in str(caught.value)


# -- real Git registries ---------------------------------------------------------------------


def _git(root: Path, *args: str, who: str = "amara") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": who.title(), "GIT_AUTHOR_EMAIL": EMAIL[who],
           "GIT_COMMITTER_NAME": who.title(), "GIT_COMMITTER_EMAIL": EMAIL[who]}
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                          check=True, env=env).stdout


def _commit(root: Path, message: str, who: str = "amara") -> str:
    _git(root, "add", "-A", who=who)
    _git(root, "commit", "-q", "-m", message, who=who)
    return _git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry on `main`: the real contracts, policy, CODEOWNERS and teams file (plus
    @mallory, a person who is in no team)."""
    root = tmp_path_factory.mktemp("template") / "reg"
    shutil.copytree(REPO / "contracts", root / "contracts")
    (root / "governance").mkdir()
    shutil.copy(REPO / "governance" / "policy.yaml", root / "governance")
    teams = yaml.safe_load((REPO / "governance" / "teams.yaml").read_text())
    teams["people"]["@mallory"] = [EMAIL["mallory"]]
    (root / "governance" / "teams.yaml").write_text(yaml.safe_dump(teams, sort_keys=False))
    (root / ".github").mkdir()
    shutil.copy(REPO / ".github" / "CODEOWNERS", root / ".github")
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "registry")
    return root


@pytest.fixture
def reg(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the template, on a `feature` branch, with Amara as the local Git
    user (the person who runs `ledgerpact approve`)."""
    monkeypatch.delenv("GIT_AUTHOR_EMAIL", raising=False)
    root = tmp_path / "reg"
    shutil.copytree(template, root)
    _git(root, "checkout", "-q", "-b", "feature")
    _as_user(root, "amara")
    return root


def _as_user(root: Path, who: str) -> None:
    _git(root, "config", "user.email", EMAIL[who])
    _git(root, "config", "user.name", who.title())


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _remove_search(root: Path) -> None:
    """A breaking change: the /supplier-searches path goes."""
    path = root / ERP
    text = path.read_text()
    start, end = text.index(SEARCH_PATH), text.index(NEXT_PATH)
    path.write_text(text[:start] + text[end:])


def _approve(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run("approve", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _records(root: Path, contract_id: str = "erp-finance") -> list[Path]:
    return sorted((root / "governance" / "approvals" / contract_id).glob("*.yaml"))


def _breaking(root: Path, contract_id: str, base: str) -> list[Change]:
    """The breaking changes `ledgerpact diff --base` finds (what approve approved)."""
    from ledgerpact.governance.diff.cli import _contract_since
    from ledgerpact.registry.catalog import Catalog

    registry = Registry.open(root)
    compared = _contract_since(contract_id, base, Catalog(registry.workspace(base)),
                               Catalog(registry.workspace()))
    assert compared is not None
    return [c for c in compared.changes if c.level is Level.BREAKING]


def _verdict(root: Path, contract_id: str = "erp-finance", base: str = "main",
             authority_ref: str | None = "main") -> ApprovalVerdict:
    registry = Registry.open(root)
    return evaluate(registry, contract_id, hash_at(registry.workspace(base), contract_id),
                    hash_at(registry.workspace(), contract_id),
                    _breaking(root, contract_id, base), authority_ref=authority_ref)


# -- content hashes --------------------------------------------------------------------------


def test_content_hash_covers_the_contract_and_every_file_it_uses(reg: Path):
    registry = Registry.open(reg)
    before = hash_at(registry.workspace(), "erp-finance")
    assert before.startswith("sha256:") and len(before) == 7 + 64
    assert hash_at(registry.workspace("main"), "erp-finance") == before  # Git == working tree
    _edit(reg, "contracts/schemas/match-result/match-result.schema.json", '"title"',
          '"description": "unused by erp-finance", "title"')
    assert hash_at(registry.workspace(), "erp-finance") == before
    _edit(reg, "contracts/schemas/money/money.schema.json", '"title"',
          '"description": "Money, edited", "title"')
    after_money = hash_at(registry.workspace(), "erp-finance")
    assert after_money != before
    _edit(reg, "contracts/erp-finance/contract.yaml", "lifecycle: active", "lifecycle: deprecated")
    assert hash_at(registry.workspace(), "erp-finance") not in (before, after_money)
    assert hash_at(registry.workspace(), "no-such-contract") == ABSENT_HASH


# -- ledgerpact approve ----------------------------------------------------------------------


def test_approve_records_the_breaking_changes_bound_to_both_hashes(reg: Path):
    _remove_search(reg)
    result = _approve(reg, "erp-finance", "--reason", "Search moved to /v2 (CHG-112)")
    assert result.returncode == 0, result.stderr
    [record] = _records(reg)
    assert record.name in result.stdout and "approved by @amara" in result.stdout
    data = yaml.safe_load(record.read_text())
    registry = Registry.open(reg)
    main = _git(reg, "rev-parse", "main").strip()
    assert data["contract"] == "erp-finance" and data["approver"] == "@amara"
    assert data["reason"] == "Search moved to /v2 (CHG-112)"
    assert data["base"]["commit"] == main  # the merge base with the default branch
    assert data["base"]["hash"] == hash_at(registry.workspace("main"), "erp-finance")
    assert data["revision"]["hash"] == hash_at(registry.workspace(), "erp-finance")
    assert data["breaking"] == [{
        "rule": "path-removed", "file": ERP, "pointer": "/paths/~1supplier-searches",
        "message": data["breaking"][0]["message"]}]
    assert "/supplier-searches" in data["breaking"][0]["message"]
    assert record.name.startswith(f"{data['date']}-{data['base']['hash'][7:15]}-"
                                  f"{data['revision']['hash'][7:15]}")
    assert record.read_text().startswith("# Approval of breaking changes to erp-finance")


def test_approve_never_overwrites_and_dry_run_writes_nothing(reg: Path):
    _remove_search(reg)
    dry = _approve(reg, "erp-finance", "--reason", "first", "--base", "main", "--dry-run")
    assert dry.returncode == 0 and "reason: first" in dry.stdout and not _records(reg)
    assert _approve(reg, "erp-finance", "--reason", "first", "--base", "main").returncode == 0
    [first] = _records(reg)
    text = first.read_text()
    _as_user(reg, "ingrid")  # an owner agrees too, the same day: a second record
    assert _approve(reg, "erp-finance", "--reason", "second", "--base", "main").returncode == 0
    [second] = set(_records(reg)) - {first}
    assert first.read_text() == text and second.stem == first.stem + "-2"
    assert "approver: '@ingrid'" in second.read_text()


def test_approve_refuses_when_nothing_breaks(reg: Path):
    nothing = _approve(reg, "erp-finance", "--reason", "x", "--base", "main")
    assert nothing.returncode == 2
    assert "no breaking change to approve: erp-finance has no change since main" in nothing.stderr
    _edit(reg, ERP, NEXT_PATH, ADDED_PATH + NEXT_PATH)
    additive = _approve(reg, "erp-finance", "--reason", "x", "--base", "main")
    assert additive.returncode == 2, additive.stdout
    assert "no breaking change to approve" in additive.stderr
    assert "none breaking" in additive.stderr and not _records(reg)


@pytest.mark.parametrize(("who", "approver", "says"), [
    ("kenji", None, "@kenji may not approve breaking changes to erp-finance: @kenji is neither "
     "an owner of erp-finance (@ledgerpact/erp-integration) nor in @ledgerpact/architects"),
    ("mallory", None, "@mallory is neither an owner of erp-finance"),
    ("amara", "@ledgerpact/architects", "a team cannot approve"),
    ("amara", "@nobody", "@nobody is neither an owner"),
])
def test_approve_refuses_who_may_not_approve_and_says_why(reg: Path, who: str,
                                                          approver: str | None, says: str):
    _remove_search(reg)
    _as_user(reg, who)
    extra = ["--approver", approver] if approver else []
    result = _approve(reg, "erp-finance", "--reason", "x", "--base", "main", *extra)
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert not _records(reg)


def test_approve_needs_to_know_who_approves(reg: Path):
    _remove_search(reg)
    _git(reg, "config", "user.email", "stranger@example.com")
    result = _approve(reg, "erp-finance", "--reason", "x", "--base", "main")
    assert result.returncode == 2
    assert "stranger@example.com (git config user.email) is no one's e-mail" in result.stderr
    # an owner may approve, named explicitly; the identity mismatch is a warning
    named = _approve(reg, "erp-finance", "--reason", "x", "--base", "main",
                     "--approver", "@ingrid")
    assert named.returncode == 0, named.stderr
    assert "warning: your Git e-mail stranger@example.com is not one of @ingrid's" in named.stderr


def test_approve_bad_input_exits_2_without_traceback(reg: Path):
    unknown = _approve(reg, "erp-financ", "--reason", "x", "--base", "main")
    assert unknown.returncode == 2 and "did you mean erp-finance" in unknown.stderr
    bad_ref = _approve(reg, "erp-finance", "--reason", "x", "--base", "no-such-branch")
    assert bad_ref.returncode == 2 and "'no-such-branch' is not a Git" in bad_ref.stderr
    blank = _approve(reg, "erp-finance", "--reason", "  ", "--base", "main")
    assert blank.returncode == 2 and "--reason" in blank.stderr


# -- evaluate: acceptance (c) ----------------------------------------------------------------


def test_a_committed_approval_by_an_architect_counts(reg: Path):
    _remove_search(reg)
    assert _approve(reg, "erp-finance", "--reason", "agreed").returncode == 0
    _commit(reg, "remove search; approval", who="amara")
    verdict = _verdict(reg)
    [record] = _records(reg)
    assert verdict.approved and verdict.approver == "@amara"
    assert verdict.record == record.relative_to(reg).as_posix() and verdict.reasons == []


def test_a_committed_approval_by_an_owner_counts(reg: Path):
    _remove_search(reg)
    _as_user(reg, "ingrid")
    assert _approve(reg, "erp-finance", "--reason", "ours").returncode == 0
    _commit(reg, "approval", who="ingrid")
    verdict = _verdict(reg)
    assert verdict.approved and verdict.approver == "@ingrid"


def test_an_approval_recorded_for_other_content_is_rejected_saying_why(reg: Path):
    _remove_search(reg)
    assert _approve(reg, "erp-finance", "--reason", "agreed").returncode == 0
    _commit(reg, "approval")
    approved_revision = hash_at(Registry.open(reg).workspace(), "erp-finance")
    _edit(reg, ERP, NEXT_PATH, ADDED_PATH + NEXT_PATH)  # pushed after the approval
    _commit(reg, "one more change")
    verdict = _verdict(reg)
    now = hash_at(Registry.open(reg).workspace(), "erp-finance")
    [record] = _records(reg)
    assert not verdict.approved and verdict.record is None
    assert verdict.reasons == [
        f"approval {record.relative_to(reg).as_posix()} was recorded for other content: "
        f"revision sha256:{approved_revision[7:19]}... but the contract is now "
        f"sha256:{now[7:19]}..."]


def test_approvals_of_earlier_changes_are_explained_in_one_line(reg: Path):
    _remove_search(reg)
    for n in range(4):  # four decisions on earlier changes: neither hash is today's
        path = _write_record_as(reg, "@amara")
        text = path.read_text()
        for side in ("base", "revision"):
            old = yaml.safe_load(text)[side]["hash"]
            text = text.replace(old, "sha256:" + f"{n}{len(side)}".ljust(64, "0"))
        path.rename(path.with_name(f"2024-0{n + 1}-01-earlier.yaml")).write_text(text)
    _commit(reg, "history")
    verdict = _verdict(reg)
    assert not verdict.approved
    [reason] = verdict.reasons
    folder = "governance/approvals/erp-finance"
    assert reason.startswith(f"4 approvals {folder}/2024-01-01-earlier.yaml, "
                             f"{folder}/2024-02-01-earlier.yaml, {folder}/2024-03-01-earlier"
                             ".yaml and 1 more were recorded for other content (earlier "
                             "changes): base and revision both differ from the base sha256:")


def test_an_approval_against_a_base_that_moved_is_rejected(reg: Path):
    _remove_search(reg)
    assert _approve(reg, "erp-finance", "--reason", "agreed").returncode == 0
    _commit(reg, "approval")
    _git(reg, "checkout", "-q", "main")
    _edit(reg, "contracts/schemas/money/money.schema.json", '"title"',
          '"description": "Money, reworded", "title"')
    _commit(reg, "money on main")
    _git(reg, "checkout", "-q", "feature")
    verdict = _verdict(reg, base="main")  # erp-finance uses Money: its base content changed
    assert not verdict.approved
    assert "was recorded for other content: base sha256:" in verdict.reasons[0]
    assert "but the base is now sha256:" in verdict.reasons[0]


def _write_record_as(reg: Path, approver: str) -> Path:
    """A record for exactly the change under review, naming ``approver`` (the command would
    refuse to write it for someone not entitled: a hand-written file can still arrive)."""
    result = _approve(reg, "erp-finance", "--reason", "by hand", "--approver", "@amara",
                      "--dry-run")
    assert result.returncode == 0, result.stderr
    path = reg / "governance" / "approvals" / "erp-finance" / "hand.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.stdout.replace("approver: '@amara'", f"approver: '{approver}'"))
    return path


def test_an_approval_by_someone_neither_owner_nor_architect_is_rejected(reg: Path):
    _remove_search(reg)
    _write_record_as(reg, "@kenji")
    _commit(reg, "kenji approves erp-finance", who="kenji")
    verdict = _verdict(reg)
    assert not verdict.approved
    assert verdict.reasons == [
        "approval governance/approvals/erp-finance/hand.yaml does not count: @kenji is "
        "neither an owner of erp-finance (@ledgerpact/erp-integration) nor in "
        "@ledgerpact/architects"]


def test_a_committed_approval_whose_commit_author_is_not_the_approver_is_rejected(reg: Path):
    _remove_search(reg)
    assert _approve(reg, "erp-finance", "--reason", "agreed").returncode == 0
    sha = _commit(reg, "kenji commits a record naming amara", who="kenji")
    verdict = _verdict(reg)
    [record] = _records(reg)
    assert not verdict.approved
    assert verdict.reasons == [
        f"approval {record.relative_to(reg).as_posix()} was committed in {sha[:10]} by "
        f"{EMAIL['kenji']}, which is not an e-mail of @amara in governance/teams.yaml "
        f"({EMAIL['amara']})"]


def test_a_record_changed_later_by_someone_else_no_longer_counts(reg: Path):
    _remove_search(reg)
    assert _approve(reg, "erp-finance", "--reason", "agreed").returncode == 0
    _commit(reg, "approval", who="amara")
    [record] = _records(reg)
    record.write_text(record.read_text().replace("reason: agreed", "reason: agreed, really"))
    assert _verdict(reg).approved  # an uncommitted edit is judged on its content only
    sha = _commit(reg, "mallory edits amara's record", who="mallory")
    verdict = _verdict(reg)
    assert not verdict.approved
    assert f"was committed in {sha[:10]} by {EMAIL['mallory']}" in verdict.reasons[0]


def test_owners_and_architects_are_read_at_the_base(reg: Path):
    """A pull request that makes its author an architect cannot approve its own break."""
    _remove_search(reg)
    teams_file = reg / "governance" / "teams.yaml"
    teams = yaml.safe_load(teams_file.read_text())
    teams["teams"]["@ledgerpact/architects"].append("@mallory")
    teams_file.write_text(yaml.safe_dump(teams))
    _as_user(reg, "mallory")
    refused = _approve(reg, "erp-finance", "--reason", "me", "--base", "main")
    assert refused.returncode == 2 and "@mallory is neither an owner" in refused.stderr
    _write_record_as(reg, "@mallory")
    _commit(reg, "mallory joins the architects and approves", who="mallory")
    verdict = _verdict(reg, authority_ref="main")
    assert not verdict.approved and "@mallory is neither an owner" in verdict.reasons[0]
    assert _verdict(reg, authority_ref=None).approved  # the working tree's rules: local only


def test_an_approval_missing_a_breaking_change_found_now_is_rejected(reg: Path):
    _remove_search(reg)
    path = _write_record_as(reg, "@amara")
    data = yaml.safe_load(path.read_text())
    data["breaking"][0]["pointer"] = "/paths/~1somewhere-else"
    path.write_text(yaml.safe_dump(data))
    _commit(reg, "a record listing another change")
    verdict = _verdict(reg)
    assert not verdict.approved
    assert ("does not cover 1 of the 1 breaking changes found now: path-removed at "
            f"/paths/~1supplier-searches ({ERP})") in verdict.reasons[0]


def test_without_a_valid_record_check_is_told_what_is_missing(reg: Path):
    _remove_search(reg)
    _commit(reg, "remove search")
    verdict = _verdict(reg)
    assert not verdict.approved and "no approval recorded for erp-finance" in verdict.reasons[0]
    broken = reg / "governance" / "approvals" / "erp-finance" / "broken.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("contract: erp-finance\napprover: amara\n")
    verdict = _verdict(reg)
    assert not verdict.approved
    assert verdict.reasons[0].startswith(
        "approval governance/approvals/erp-finance/broken.yaml cannot be read")
    assert "missing required field 'date'" in verdict.reasons[0]
    # a valid one beside it counts; the broken one is still reported
    assert _approve(reg, "erp-finance", "--reason", "agreed").returncode == 0
    _commit(reg, "approval")
    verdict = _verdict(reg)
    assert verdict.approved and len(verdict.reasons) == 1


def test_nothing_to_approve_is_approved_without_a_record(reg: Path):
    verdict = evaluate(Registry.open(reg), "erp-finance", ABSENT_HASH, ABSENT_HASH, [])
    assert verdict == ApprovalVerdict(True, None, None, [])


def test_removing_a_contract_is_approved_against_its_absence(reg: Path):
    shutil.rmtree(reg / "contracts" / "tax-engine")
    result = _approve(reg, "tax-engine", "--reason", "retired; no consumers left")
    assert result.returncode == 0, result.stderr
    [record] = _records(reg, "tax-engine")
    data = yaml.safe_load(record.read_text())
    assert data["revision"]["hash"] == ABSENT_HASH
    assert [c["rule"] for c in data["breaking"]] == ["contract-removed"]
    _commit(reg, "remove tax-engine")
    verdict = _verdict(reg, "tax-engine")
    assert verdict.approved and verdict.approver == "@amara"
