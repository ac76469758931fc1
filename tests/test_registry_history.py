"""Releases and reading the registry at a revision, in real Git repositories in temp dirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

API_V1 = """\
openapi: 3.1.0
info: {title: Invoices, version: VERSION}
paths:
  /invoices/{id}:
    get:
      operationId: getInvoice
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the invoice total
          content:
            application/json:
              schema: {$ref: '../schemas/money/money.schema.json'}
              example: {amount: "10.00", currency: EUR}
"""


def money_schema(description: str, extra: dict | None = None) -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ledgerpact.dev/contracts/schemas/money/money.schema.json",
        "title": "Money",
        "description": description,
        "type": "object",
        "required": ["amount", "currency"],
        "additionalProperties": False,
        "properties": {
            "amount": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
            "currency": {"$ref": "#/$defs/CurrencyCode"},
            **(extra or {}),
        },
        "$defs": {"CurrencyCode": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        "examples": [{"amount": "1.00", "currency": "EUR"}],
    }
    return json.dumps(schema, indent=2)


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A registry with two releases of `inv`; money changed between them."""
    root = init_repo(tmp_path / "reg")
    api = root / "contracts" / "inv"
    money = root / "contracts" / "schemas" / "money"
    api.mkdir(parents=True)
    money.mkdir(parents=True)
    write_metadata(api, "inv", "openapi", "openapi.yaml")
    write_metadata(money, "money", "json-schema", "money.schema.json", version="1.0.0")
    (api / "openapi.yaml").write_text(API_V1.replace("VERSION", "1.0.0"))
    (money / "money.schema.json").write_text(money_schema("money v1"))
    commit_all(root, "inv 1.0.0")
    first = run("registry", "release", "inv", "--registry", root)
    assert first.returncode == 0, first.stderr
    assert "tagged inv/v1.0.0" in first.stdout

    (money / "money.schema.json").write_text(
        money_schema("money v2", {"note": {"type": "string"}}))
    (api / "openapi.yaml").write_text(API_V1.replace("VERSION", "1.1.0"))
    commit_all(root, "inv 1.1.0: money gains a note")
    second = run("registry", "release", "inv", "--registry", root, "--format", "json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["tag"] == "inv/v1.1.0"
    return root


def _files(result_stdout: str) -> dict[str, str]:
    return {f["path"]: f["content"] for f in json.loads(result_stdout)["files"]}


def test_get_old_tag_reads_old_version_of_reffed_file(registry: Path) -> None:
    old = run("registry", "get", "inv@1.0.0", "--registry", registry, "--format", "json")
    assert old.returncode == 0, old.stderr
    files = _files(old.stdout)
    money = json.loads(files["contracts/schemas/money/money.schema.json"])
    assert money["description"] == "money v1"
    assert "note" not in money["properties"]
    assert "version: 1.0.0" in files["contracts/inv/openapi.yaml"]
    assert json.loads(old.stdout)["version"] == "1.0.0"

    new = run("registry", "get", "inv@1.1.0", "--registry", registry, "--format", "json")
    money = json.loads(_files(new.stdout)["contracts/schemas/money/money.schema.json"])
    assert money["description"] == "money v2"
    assert "note" in money["properties"]


def test_get_accepts_tag_branch_and_commit(registry: Path) -> None:
    first_commit = git(registry, "rev-list", "--max-parents=0", "HEAD").strip()
    for ref, expected in [("v1.0.0", "money v1"), ("inv/v1.0.0", "money v1"),
                          (first_commit, "money v1"), ("main", "money v2"),
                          ("HEAD~1", "money v1")]:
        result = run("registry", "get", f"inv@{ref}", "--registry", registry)
        assert result.returncode == 0, (ref, result.stderr)
        assert expected in result.stdout, ref


def test_get_reads_the_revision_not_the_working_tree(registry: Path) -> None:
    money = registry / "contracts" / "schemas" / "money" / "money.schema.json"
    money.write_text(money_schema("uncommitted edit"))
    result = run("registry", "get", "inv@main", "--registry", registry)
    assert "uncommitted edit" not in result.stdout
    assert "money v2" in result.stdout


def test_bundle_at_old_release_inlines_old_schema(registry: Path) -> None:
    result = run("registry", "bundle", "inv@1.0.0", "--registry", registry, "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    money = doc["components"]["schemas"]["Money"]
    assert money["description"] == "money v1"
    assert "$id" not in money
    ref = doc["paths"]["/invoices/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/Money"


def test_versions_lists_releases_in_order(registry: Path) -> None:
    result = run("registry", "versions", "inv", "--registry", registry, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [r["version"] for r in json.loads(result.stdout)] == ["1.0.0", "1.1.0"]
    text = run("registry", "versions", "inv", "--registry", registry)
    assert "inv/v1.1.0" in text.stdout


def test_release_refuses_existing_version(registry: Path) -> None:
    tags_before = git(registry, "tag", "--list")
    result = run("registry", "release", "inv", "--registry", registry)
    assert result.returncode == 2
    assert "already released" in result.stderr
    assert git(registry, "tag", "--list") == tags_before


def test_release_refuses_uncommitted_changes(registry: Path) -> None:
    api = registry / "contracts" / "inv" / "openapi.yaml"
    api.write_text(API_V1.replace("VERSION", "1.2.0"))
    result = run("registry", "release", "inv", "--registry", registry)
    assert result.returncode == 2
    assert "uncommitted changes to contracts/inv/openapi.yaml" in result.stderr


def test_release_refuses_invalid_contract_and_lower_version(registry: Path) -> None:
    api = registry / "contracts" / "inv" / "openapi.yaml"
    broken = yaml.safe_load(API_V1.replace("VERSION", "1.2.0"))
    broken["paths"]["/invoices/{id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["example"] = {"amount": 10, "currency": "EUR"}
    api.write_text(yaml.safe_dump(broken))
    commit_all(registry, "bad example")
    result = run("registry", "release", "inv", "--registry", registry)
    assert result.returncode == 1
    assert "example does not match its schema" in result.stdout
    assert "inv/v1.2.0" not in git(registry, "tag", "--list")

    api.write_text(API_V1.replace("VERSION", "0.9.0"))
    commit_all(registry, "downgrade")
    lower = run("registry", "release", "inv", "--registry", registry)
    assert lower.returncode == 2
    assert "lower than the latest release 1.1.0" in lower.stderr


def test_get_unknown_version_or_ref(registry: Path) -> None:
    missing = run("registry", "get", "inv@9.9.9", "--registry", registry)
    assert missing.returncode == 2
    assert "released: 1.0.0, 1.1.0" in missing.stderr
    bad_ref = run("registry", "get", "inv@no-such-branch", "--registry", registry)
    assert bad_ref.returncode == 2
    assert "neither a release" in bad_ref.stderr
    unknown = run("registry", "get", "invv@1.0.0", "--registry", registry)
    assert unknown.returncode == 2
    assert "did you mean inv" in unknown.stderr


def test_get_out_writes_the_tree_once(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "snapshot"
    result = run("registry", "get", "inv@1.0.0", "--registry", registry, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "money v1" in (out / "contracts/schemas/money/money.schema.json").read_text()
    again = run("registry", "get", "inv@1.1.0", "--registry", registry, "--out", out)
    assert again.returncode == 2
    assert "money v1" in (out / "contracts/schemas/money/money.schema.json").read_text()


def test_schema_release_uses_metadata_version(registry: Path) -> None:
    result = run("registry", "release", "money", "--registry", registry, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would tag money/v1.0.0" in result.stdout
    assert "money/v1.0.0" not in git(registry, "tag", "--list")


def test_history_commands_need_git(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write_metadata(plain / "contracts" / "schemas" / "money", "money", "json-schema",
                   "money.schema.json", version="1.0.0")
    (plain / "contracts/schemas/money/money.schema.json").write_text(money_schema("m"))
    assert run("registry", "list", "--registry", plain).returncode == 0
    result = run("registry", "versions", "money", "--registry", plain)
    assert result.returncode == 2
    assert "not a Git repository" in result.stderr
