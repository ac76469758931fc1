"""Changed and affected contracts, and ``ledgerpact impact``, on real Git repositories
holding copies of the real canonical contracts (and the real adapters)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.impact import (
    Affected,
    affected,
    changed_files,
    default_base,
    dependents,
)
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata
from tests.conftest import REPO

MONEY = "contracts/schemas/money/money.schema.json"
INVOICE = "contracts/schemas/invoice/invoice.schema.json"
CREDIT_NOTE = "contracts/schemas/credit-note/credit-note.schema.json"
PROBLEM = "contracts/schemas/problem/problem.schema.json"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One committed registry (contracts and adapters copied from this repository), with
    rename detection switched on so that "both names of a rename" is really tested."""
    root = init_repo(tmp_path_factory.mktemp("template") / "reg")
    shutil.copytree(REPO / "contracts", root / "contracts")
    shutil.copytree(REPO / "adapters", root / "adapters",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "README.md").write_text("a registry\n")
    (root / ".gitignore").write_text("*.tmp\n")
    git(root, "config", "diff.renames", "true")
    commit_all(root, "the canonical contracts")
    return root


@pytest.fixture
def reg_root(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "reg"
    shutil.copytree(template, root, symlinks=True)
    return root


def _users_by_bundle(root: Path, file: str) -> set[str]:
    """The oracle: contracts whose bundle (the real resolver) reads ``file``."""
    ws = Registry.open(root).workspace()
    return {e.id for e in Catalog(ws) if file in bundle(ws, e.document_path).files
            and e.document_path != file}


def _by_id(found: list[Affected]) -> dict[str, list[str]]:
    return {a.id: a.reasons for a in found}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _chain(reason: str) -> list[str]:
    """The files of a "uses a, which uses b (changed)" reason."""
    match = re.fullmatch(r"uses (.+) \((?:changed|added|deleted)\)", reason)
    assert match, reason
    return match.group(1).split(", which uses ")


# -- changed files ----------------------------------------------------------------------------


def test_modified_untracked_and_ignored_files(reg_root: Path) -> None:
    reg = Registry.open(reg_root)
    assert changed_files(reg, "HEAD") == set()
    _edit(reg_root / MONEY, '"title": "Money"', '"title": "Money amount"')
    (reg_root / "contracts/schemas/money/notes.md").write_text("new, untracked\n")
    (reg_root / "contracts/schemas/money/scratch.tmp").write_text("ignored\n")
    staged = reg_root / "contracts/schemas/common/common.schema.json"
    _edit(staged, '"$schema"', '"$comment": "staged", "$schema"')
    git(reg_root, "add", str(staged))
    assert changed_files(reg, "HEAD") == {
        MONEY, "contracts/schemas/money/notes.md",
        "contracts/schemas/common/common.schema.json"}


def test_deletion_and_both_names_of_a_rename(reg_root: Path) -> None:
    reg = Registry.open(reg_root)
    git(reg_root, "rm", "-q", "-r", "contracts/schemas/credit-note")
    git(reg_root, "mv", PROBLEM, "contracts/schemas/problem/rfc9457.schema.json")
    assert changed_files(reg, "HEAD") == {
        "contracts/schemas/credit-note/contract.yaml", CREDIT_NOTE, PROBLEM,
        "contracts/schemas/problem/rfc9457.schema.json"}


def test_changes_in_commits_since_the_base_count(reg_root: Path) -> None:
    reg = Registry.open(reg_root)
    base = git(reg_root, "rev-parse", "HEAD").strip()
    _edit(reg_root / MONEY, '"title": "Money"', '"title": "Money amount"')
    commit_all(reg_root, "money retitled")
    (reg_root / "README.md").write_text("changed\n")
    assert changed_files(reg, base) == {MONEY, "README.md"}
    assert changed_files(reg, "HEAD") == {"README.md"}


def test_unknown_base_is_bad_input(reg_root: Path) -> None:
    with pytest.raises(InputError, match="'nope' is not a Git tag, branch or commit"):
        changed_files(Registry.open(reg_root), "nope")


# -- affected contracts -----------------------------------------------------------------------


def test_money_change_reaches_every_contract_that_uses_it(reg_root: Path) -> None:
    users = _users_by_bundle(reg_root, MONEY)
    assert {"erp-finance", "invoice-automation", "tax-engine", "finance-events",
            "invoice", "credit-note"} <= users  # the oracle itself is not empty-handed
    _edit(reg_root / MONEY, '"title": "Money"', '"title": "Money amount"')
    reg = Registry.open(reg_root)
    found = _by_id(affected(reg, "HEAD", changed_files(reg, "HEAD")))
    assert set(found) == users | {"money"}
    assert found["money"] == [f"{MONEY} changed"]
    assert found["tax-engine"] == [f"uses {MONEY} (changed)"]  # it $refs Money itself
    ws = reg.workspace()
    for ident in users:
        (reason,) = found[ident]
        chain = _chain(reason)
        assert chain[-1] == MONEY
        document = Catalog(ws).get(ident).document_path
        # every hop is a real $ref: the file before it reads it when bundled
        for user, used in zip([document, *chain], chain, strict=False):
            assert used in bundle(ws, user).files, (ident, user, used)
    # credit-note has no $ref to Money of its own: the chain goes through the invoice
    assert "money.schema.json" not in (reg_root / CREDIT_NOTE).read_text()
    assert found["credit-note"] == [f"uses {INVOICE}, which uses {MONEY} (changed)"]


def test_change_outside_contracts_affects_nothing(reg_root: Path) -> None:
    (reg_root / "README.md").write_text("rewritten\n")
    (reg_root / "governance").mkdir()
    (reg_root / "governance/waivers.yaml").write_text("waivers: []\n")
    _edit(reg_root / "adapters/ubl/reader.py", '"""', '"""Edited. ')
    reg = Registry.open(reg_root)
    changed = changed_files(reg, "HEAD")
    assert changed == {"README.md", "governance/waivers.yaml", "adapters/ubl/reader.py"}
    assert affected(reg, "HEAD", changed) == []


def test_own_files_metadata_only_change(reg_root: Path) -> None:
    meta = reg_root / "contracts/tax-engine/contract.yaml"
    _edit(meta, "lifecycle: active", "lifecycle: deprecated")
    reg = Registry.open(reg_root)
    assert affected(reg, "HEAD", changed_files(reg, "HEAD")) == [
        Affected("tax-engine", ["contracts/tax-engine/contract.yaml changed"])]


def test_untracked_new_contract_and_new_shared_file(reg_root: Path) -> None:
    """A brand-new contract (never added to Git) and a new shared file it uses, in a folder
    of shared files that is no contract: the file's user is found by its bare name."""
    shared = reg_root / "contracts/shared"
    shared.mkdir()
    (shared / "amounts.yaml").write_text(
        "Total: {$ref: 'amount.yaml'}\n")
    (shared / "amount.yaml").write_text(
        "type: object\nproperties: {value: {$ref: '../schemas/money/money.schema.json'}}\n")
    api = reg_root / "contracts/payouts"
    write_metadata(api, "payouts", "openapi", "openapi.yaml")
    (api / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: Payouts, version: 0.1.0}\npaths: {}\n"
        "components:\n  schemas:\n    Total: {$ref: '../shared/amounts.yaml#/Total'}\n")
    reg = Registry.open(reg_root)
    changed = changed_files(reg, "HEAD")
    assert changed == {"contracts/shared/amounts.yaml", "contracts/shared/amount.yaml",
                       "contracts/payouts/contract.yaml", "contracts/payouts/openapi.yaml"}
    found = _by_id(affected(reg, "HEAD", changed))
    assert set(found) == {"payouts"}
    assert found["payouts"][:2] == ["contracts/payouts/contract.yaml added",
                                    "contracts/payouts/openapi.yaml added"]
    assert "uses contracts/shared/amounts.yaml, which uses contracts/shared/amount.yaml " \
           "(added)" in found["payouts"]

    commit_all(reg_root, "payouts")
    _edit(shared / "amount.yaml", "type: object", "type: object\ndescription: an amount")
    found = _by_id(affected(reg, "HEAD", changed_files(reg, "HEAD")))
    assert found == {"payouts": ["uses contracts/shared/amounts.yaml, which uses "
                                 "contracts/shared/amount.yaml (changed)"]}


def test_deleted_shared_schema_reaches_its_former_users(reg_root: Path) -> None:
    users = _users_by_bundle(reg_root, CREDIT_NOTE)
    assert users  # invoice-automation captures credit notes
    shutil.rmtree(reg_root / "contracts/schemas/credit-note")  # not even staged
    reg = Registry.open(reg_root)
    found = _by_id(affected(reg, "HEAD", changed_files(reg, "HEAD")))
    assert set(found) == users | {"credit-note"}
    assert found["credit-note"] == ["contracts/schemas/credit-note/contract.yaml deleted",
                                    f"{CREDIT_NOTE} deleted"]
    for ident in users:
        assert _chain(found[ident][0])[-1] == CREDIT_NOTE
        assert found[ident][0].endswith("(deleted)")


def test_rename_traced_under_both_names(reg_root: Path) -> None:
    """Problem renamed, its metadata and every $ref to it updated: the users are found
    through the old name at the base and through the new one in the working tree."""
    users = _users_by_bundle(reg_root, PROBLEM)
    assert users
    new = "contracts/schemas/problem/rfc9457.schema.json"
    git(reg_root, "mv", PROBLEM, new)
    _edit(reg_root / "contracts/schemas/problem/contract.yaml", "problem.schema.json",
          "rfc9457.schema.json")
    for path in (reg_root / "contracts").rglob("*"):
        if path.is_file() and "problem/problem.schema.json" in path.read_text():
            path.write_text(path.read_text().replace("problem/problem.schema.json",
                                                     "problem/rfc9457.schema.json"))
    reg = Registry.open(reg_root)
    found = _by_id(affected(reg, "HEAD", changed_files(reg, "HEAD")))
    assert set(found) == users | {"problem"}
    assert {f"{PROBLEM} deleted", f"{new} added"} <= set(found["problem"])
    for ident in users - {"problem"}:
        ends = {_chain(r)[-1] for r in found[ident] if r.startswith("uses ")}
        assert {PROBLEM, new} <= ends, (ident, found[ident])


def test_a_ref_in_example_data_is_no_use(reg_root: Path) -> None:
    """Precision: a file that only mentions the schema's path (in an example) is found by
    the text search, parsed, and dropped; a real $ref is kept."""
    api = reg_root / "contracts/docs-api"
    write_metadata(api, "docs-api", "openapi", "openapi.yaml")
    (api / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: Docs, version: 1.0.0}\npaths: {}\ncomponents:\n"
        "  schemas:\n    Link:\n      type: object\n"
        "      example: {$ref: '../schemas/money/money.schema.json'}\n")
    commit_all(reg_root, "docs-api")
    _edit(reg_root / MONEY, '"title": "Money"', '"title": "Money amount"')
    reg = Registry.open(reg_root)
    assert "docs-api" not in _by_id(affected(reg, "HEAD", changed_files(reg, "HEAD")))


def test_unparsable_file_on_the_way_is_kept_and_said(reg_root: Path) -> None:
    """A file that names Money but is not valid YAML cannot be shown not to use it: the
    contract behind it is still checked, and the reason says the link was inferred."""
    shared = reg_root / "contracts/shared"
    shared.mkdir()
    (shared / "broken.yaml").write_text(
        "Amount: {$ref: '../schemas/money/money.schema.json'\n  oops: [\n")
    api = reg_root / "contracts/ledger-api"
    write_metadata(api, "ledger-api", "openapi", "openapi.yaml")
    (api / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: Ledger, version: 1.0.0}\npaths: {}\ncomponents:\n"
        "  schemas:\n    Amount: {$ref: '../shared/broken.yaml#/Amount'}\n")
    commit_all(reg_root, "ledger-api")
    _edit(reg_root / MONEY, '"title": "Money"', '"title": "Money amount"')
    reg = Registry.open(reg_root)
    found = _by_id(affected(reg, "HEAD", changed_files(reg, "HEAD")))
    assert found["ledger-api"] == [
        f"uses contracts/shared/broken.yaml, which uses {MONEY} (changed); "
        "contracts/shared/broken.yaml could not be parsed, so its $ref was inferred from "
        "its text"]


def test_registry_below_the_repository_root(tmp_path: Path) -> None:
    """A registry kept in a monorepo: paths are registry-relative, other folders ignored."""
    repo = init_repo(tmp_path / "mono")
    root = repo / "platform" / "registry"
    shutil.copytree(REPO / "contracts", root / "contracts")
    (repo / "service").mkdir()
    (repo / "service/app.py").write_text("print('hi')\n")
    commit_all(repo, "monorepo")
    _edit(root / INVOICE, '"title": "Invoice"', '"title": "Invoice document"')
    (repo / "service/app.py").write_text("print('bye')\n")
    reg = Registry.open(root)
    changed = changed_files(reg, "HEAD")
    assert changed == {INVOICE}
    found = _by_id(affected(reg, "HEAD", changed))
    assert set(found) == _users_by_bundle(root, INVOICE) | {"invoice"}


def test_unknown_base_in_affected(reg_root: Path) -> None:
    with pytest.raises(InputError, match="not a Git tag, branch or commit"):
        affected(Registry.open(reg_root), "no-such-branch", {MONEY})


# -- the default base -------------------------------------------------------------------------


def test_default_base_is_the_merge_base_with_the_default_branch(reg_root: Path) -> None:
    reg = Registry.open(reg_root)
    fork = git(reg_root, "rev-parse", "HEAD").strip()
    git(reg_root, "switch", "-q", "-c", "feature")
    _edit(reg_root / MONEY, '"title": "Money"', '"title": "Money amount"')
    commit_all(reg_root, "feature work")
    git(reg_root, "switch", "-q", "main")
    (reg_root / "README.md").write_text("main moved on\n")
    commit_all(reg_root, "main moves on")
    git(reg_root, "switch", "-q", "feature")
    assert default_base(reg, None) == fork
    assert default_base(reg, "main") == fork
    git(reg_root, "branch", "-q", "-m", "main", "trunk")
    assert default_base(reg, "trunk") == fork
    with pytest.raises(InputError, match="cannot find a default branch"):
        default_base(reg, None)  # no origin/HEAD, main or master any more
    with pytest.raises(InputError, match="default branch 'develop' of governance/policy"):
        default_base(reg, "develop")
    git(reg_root, "branch", "-q", "master", "trunk")
    assert default_base(reg, None) == fork
    assert changed_files(reg, default_base(reg, None)) == {MONEY}


def test_default_base_without_common_history(reg_root: Path) -> None:
    git(reg_root, "switch", "-q", "--orphan", "island")
    (reg_root / "x.txt").write_text("x\n")
    commit_all(reg_root, "unrelated")
    with pytest.raises(InputError, match="no common ancestor"):
        default_base(Registry.open(reg_root), "main")


# -- ledgerpact impact ------------------------------------------------------------------------


def test_impact_money_lists_the_contracts_that_ref_it(reg_root: Path) -> None:
    users = _users_by_bundle(reg_root, MONEY)
    result = run("impact", "money", "--registry", reg_root, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["target"] == "money" and data["files"] == [MONEY]
    via = {c["id"]: c["via"] for c in data["contracts"]}
    assert set(via) == users
    assert via["tax-engine"] == ["contracts/tax-engine/openapi.yaml", MONEY]
    assert via["credit-note"] == [CREDIT_NOTE, INVOICE, MONEY]
    money_meta = yaml.safe_load((reg_root / "contracts/schemas/money/contract.yaml")
                                .read_text())
    consumers = {c["name"]: c["declared_by"] for c in data["consumers"]}
    for name in money_meta["consumers"]:
        assert "money" in consumers[name]
    erp_meta = yaml.safe_load((reg_root / "contracts/erp-finance/contract.yaml").read_text())
    for name in erp_meta["consumers"]:  # erp-finance uses Money: its consumers are reached
        assert "erp-finance" in consumers[name]
    # the UBL adapter names Money's folder (its minor-unit table) and the invoice and
    # credit-note documents (its schema table); the ERP adapters provide contracts that use
    # Money (erp-finance, finance-events), as their adapter.yaml files declare
    adapters = {a["adapter"]: a for a in data["adapters"]}
    assert adapters["adapters/ubl"]["contracts"] == ["money", "invoice", "credit-note"]
    assert set(adapters) == {"adapters/ubl", "adapters/netsuite", "adapters/sap_s4hana"}


def test_impact_text_and_markdown(reg_root: Path) -> None:
    text = run("impact", "invoice", "--registry", reg_root)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"invoice: {INVOICE}\n")
    assert re.search(r"^  credit-note +\$refs contracts/schemas/invoice/invoice\.schema\.json "
                     r"directly$", text.stdout, re.M)
    assert re.search(r"^  adapters/ubl +invoice, credit-note$", text.stdout, re.M)
    md = run("impact", "invoice", "--registry", reg_root, "--format", "markdown")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("### What depends on `invoice`\n")
    assert "| credit-note | $refs contracts/schemas/invoice/invoice.schema.json directly |" \
        in md.stdout
    assert "| adapters/ubl | invoice, credit-note |" in md.stdout


def test_impact_of_a_shared_file_by_path(reg_root: Path) -> None:
    users = _users_by_bundle(reg_root, "contracts/schemas/common/common.schema.json")
    result = run("impact", "contracts/schemas/common/common.schema.json", "--registry",
                 reg_root, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert {c["id"] for c in json.loads(result.stdout)["contracts"]} == users


def test_impact_of_a_contract_nothing_uses(reg_root: Path) -> None:
    impact = dependents(Registry.open(reg_root), "tax-engine")
    assert impact.contracts == [] and impact.adapters == []
    meta = yaml.safe_load((reg_root / "contracts/tax-engine/contract.yaml").read_text())
    assert impact.consumers == sorted(meta["consumers"])


def test_impact_bad_input_exits_2(reg_root: Path) -> None:
    unknown = run("impact", "mony", "--registry", reg_root)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().count("\n") == 0 and "Traceback" not in unknown.stderr
    assert "no contract 'mony'" in unknown.stderr and "did you mean money" in unknown.stderr
    missing = run("impact", "contracts/nope.yaml", "--registry", reg_root)
    assert missing.returncode == 2
    assert "file not found in the registry" in missing.stderr


def test_impact_help_has_an_example() -> None:
    result = run("impact", "--help")
    assert result.returncode == 0
    assert "Example:" in result.stdout and "ledgerpact impact money" in result.stdout
