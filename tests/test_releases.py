"""Release rules and release lookup, in real Git repositories in temp dirs, through the
installed ``ledgerpact`` command.

Covers: one release per semantic version (build metadata does not make a new one),
maintenance releases of an older major line, hand-made tags that are not releases,
``ID@vX.Y.Z`` falling back to a repository-wide Git tag, and errors that point at the file
and line where the version is written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

REPO = Path(__file__).resolve().parents[1]
MONEY = REPO / "contracts" / "schemas" / "money" / "money.schema.json"

API = """\
openapi: 3.1.0
info: {title: Invoices, version: VERSION}
paths:
  /invoices/{id}/total:
    get:
      operationId: getInvoiceTotal
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


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A registry with the real canonical Money schema (json-schema, version in
    contract.yaml) and an API that uses it (openapi, version in info.version)."""
    root = init_repo(tmp_path / "reg")
    money = root / "contracts" / "schemas" / "money"
    money.mkdir(parents=True)
    shutil.copy(MONEY, money)
    write_metadata(money, "money", "json-schema", "money.schema.json", version="1.0.0")
    api = root / "contracts" / "inv"
    api.mkdir(parents=True)
    (api / "openapi.yaml").write_text(API.replace("VERSION", "1.0.0"))
    write_metadata(api, "inv", "openapi", "openapi.yaml")
    commit_all(root, "money 1.0.0, inv 1.0.0")
    return root


def set_schema_version(root: Path, version: str) -> None:
    path = root / "contracts" / "schemas" / "money" / "contract.yaml"
    meta = yaml.safe_load(path.read_text())
    meta["version"] = version
    path.write_text(yaml.safe_dump(meta, sort_keys=False))
    commit_all(root, f"money {version}")


def set_api_version(root: Path, version: str) -> None:
    (root / "contracts" / "inv" / "openapi.yaml").write_text(API.replace("VERSION", version))
    commit_all(root, f"inv {version}")


def release(root: Path, contract_id: str) -> subprocess.CompletedProcess[str]:
    return run("registry", "release", contract_id, "--registry", root)


def released(root: Path, contract_id: str) -> list[str]:
    result = run("registry", "versions", contract_id, "--registry", root, "--format", "json")
    assert result.returncode == 0, result.stderr
    return [r["version"] for r in json.loads(result.stdout)]


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_build_metadata_does_not_make_a_new_version(registry: Path) -> None:
    assert release(registry, "money").returncode == 0
    set_schema_version(registry, "1.0.0+build.7")
    tags_before = git(registry, "tag", "--list")

    message = refused(release(registry, "money"))

    assert "version 1.0.0+build.7 is already released (money/v1.0.0 at" in message, message
    assert git(registry, "tag", "--list") == tags_before


def version_line(root: Path) -> int:
    text = (root / "contracts" / "schemas" / "money" / "contract.yaml").read_text()
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("version:"))


def test_schema_version_errors_point_at_contract_yaml(registry: Path) -> None:
    """The version of a JSON Schema lives in contract.yaml at /version, not in the
    .schema.json file."""
    assert release(registry, "money").returncode == 0
    where = f"error: contracts/schemas/money/contract.yaml:{version_line(registry)}: at /version: "
    message = refused(release(registry, "money"))
    assert message.startswith(where + "version 1.0.0 is already released"), message

    set_schema_version(registry, "2.0.0")
    assert release(registry, "money").returncode == 0
    set_schema_version(registry, "1.9.0")  # 1.x has no release after 1.0.0: allowed
    assert release(registry, "money").returncode == 0
    set_schema_version(registry, "1.5.0")
    message = refused(release(registry, "money"))
    assert message.startswith(where + "version 1.5.0 is lower than 1.9.0, the latest 1.x "
                              "release"), message


def test_api_version_errors_point_at_info_version(registry: Path) -> None:
    assert release(registry, "inv").returncode == 0
    message = refused(release(registry, "inv"))
    assert message.startswith("error: contracts/inv/openapi.yaml:2: at /info/version: "
                              "version 1.0.0 is already released"), message


def test_maintenance_release_of_an_older_major_line(registry: Path) -> None:
    for version in ("1.4.0", "2.0.0"):
        set_api_version(registry, version)
        assert release(registry, "inv").returncode == 0, version

    set_api_version(registry, "1.4.1")
    result = release(registry, "inv")
    assert result.returncode == 0, result.stderr
    assert "tagged inv/v1.4.1" in result.stdout

    set_api_version(registry, "1.4.0")
    assert "already released" in refused(release(registry, "inv"))
    set_api_version(registry, "1.3.9")
    assert "lower than 1.4.1, the latest 1.x release" in refused(release(registry, "inv"))
    set_api_version(registry, "2.0.0-rc.1")  # a pre-release sorts before its release
    assert "lower than 2.0.0, the latest 2.x release" in refused(release(registry, "inv"))
    set_api_version(registry, "0.9.0")  # no 0.x line to maintain
    assert "lower than the latest release 2.0.0" in refused(release(registry, "inv"))

    assert released(registry, "inv") == ["1.4.0", "1.4.1", "2.0.0"]


def test_tags_that_are_not_commits_are_not_releases(registry: Path) -> None:
    assert release(registry, "money").returncode == 0
    blob = git(registry, "rev-parse", "HEAD:contracts/schemas/money/money.schema.json").strip()
    tree = git(registry, "rev-parse", "HEAD^{tree}").strip()
    git(registry, "tag", "money/v3.0.0", blob)
    git(registry, "tag", "-a", "-m", "a tree", "money/v4.0.0", tree)
    git(registry, "tag", "-a", "-m", "annotated release", "money/v1.1.0", "HEAD")

    assert released(registry, "money") == ["1.0.0", "1.1.0"]
    text = run("registry", "versions", "money", "--registry", registry)
    assert text.returncode == 0 and "Traceback" not in text.stderr
    show = run("registry", "show", "money", "--registry", registry, "--format", "json")
    assert show.returncode == 0, show.stderr
    assert json.loads(show.stdout)["releases"] == ["1.0.0", "1.1.0"]

    set_schema_version(registry, "3.0.0")
    message = refused(release(registry, "money"))
    assert "money/v3.0.0 already exists but does not point to a commit" in message, message
    blob_get = run("registry", "get", "money@3.0.0", "--registry", registry)
    assert "money has no release 3.0.0 (released: 1.0.0, 1.1.0)" in refused(blob_get)


def test_get_falls_back_to_a_repository_wide_tag(registry: Path) -> None:
    assert release(registry, "inv").returncode == 0
    git(registry, "tag", "v2.0.0")  # a tag of the whole repository, not an inv release
    (registry / "contracts" / "inv" / "openapi.yaml").write_text(
        API.replace("VERSION", "2.1.0").replace("the invoice total", "after the v2.0.0 tag"))
    commit_all(registry, "inv 2.1.0")

    for spec in ("inv@v2.0.0", "inv@2.0.0"):
        result = run("registry", "get", spec, "--registry", registry, "--format", "json")
        assert result.returncode == 0, (spec, result.stderr)
        got = json.loads(result.stdout)
        assert got["ref"] == "v2.0.0" and got["version"] == "1.0.0", spec

    git(registry, "tag", "3.0.0")  # the bare form is tried after v3.0.0
    result = run("registry", "get", "inv@v3.0.0", "--registry", registry, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ref"] == "3.0.0"
    assert json.loads(result.stdout)["version"] == "2.1.0"

    # a release of the contract wins over a repository-wide tag of the same name
    git(registry, "tag", "v1.0.0", "HEAD")
    result = run("registry", "get", "inv@v1.0.0", "--registry", registry, "--format", "json")
    assert json.loads(result.stdout)["ref"] == "inv/v1.0.0"

    missing = refused(run("registry", "get", "inv@9.9.9", "--registry", registry))
    assert "inv has no release 9.9.9 (released: 1.0.0)" in missing, missing
