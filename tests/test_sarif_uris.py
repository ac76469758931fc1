"""SARIF results point at their files wherever the command ran from (the installed command
on real Git repositories and plain folders in temp dirs).

Code scanning resolves a relative ``artifactLocation.uri`` against the repository's root
(the ``%SRCROOT%`` base, which the log declares in ``run.originalUriBaseIds`` for other
viewers): a file linted by a path relative to a subfolder, a registry kept in a subfolder of
its repository, and a file in a folder that is no repository at all must each resolve to the
file that was read. A file outside the source root gets an absolute ``file://`` URI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import jsonschema
import pytest

from tests.cli_helpers import commit_all, init_repo, run, write_metadata

# No servers, no contact, no descriptions: warnings in the recommended ruleset, on the
# document itself (no $ref to follow), so every file linted below has findings.
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


@pytest.fixture(scope="module")
def sarif_schema(official_schemas: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (official_schemas / "sarif-schema-2.1.0.json").read_text("utf-8"))
    return schema


def registry(root: Path) -> Path:
    """A registry at ``root`` with one OpenAPI contract, payables."""
    folder = root / "contracts" / "payables"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(SPEC)
    write_metadata(folder, "payables", "openapi", "openapi.yaml")
    return root


def sarif(*args: str | Path, cwd: Path, schema: dict[str, Any]) -> dict[str, Any]:
    result = run(*args, "--format", "sarif", cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)
    return log


def located(log: dict[str, Any]) -> dict[Path, dict[str, str]]:
    """Each result's file, resolved as a SARIF consumer resolves it (a relative URI against
    its declared base), -> the artifact location that named it."""
    run_ = log["runs"][0]
    bases = run_.get("originalUriBaseIds", {})
    out: dict[Path, dict[str, str]] = {}
    for res in run_["results"]:
        artifact = res["locations"][0]["physicalLocation"]["artifactLocation"]
        uri = artifact["uri"]
        if "uriBaseId" in artifact:
            assert artifact["uriBaseId"] in bases, f"{artifact} has an undeclared base"
            uri = urljoin(bases[artifact["uriBaseId"]]["uri"], uri)
        parsed = urlparse(uri)
        assert parsed.scheme == "file", f"{artifact} does not resolve to a file"
        out[Path(unquote(parsed.path))] = artifact
    return out


def srcroot(log: dict[str, Any]) -> Path:
    return Path(unquote(urlparse(
        log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]).path))


def test_files_named_from_a_subfolder_resolve_from_the_work_tree_root(
        tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    """From ``tests/`` of a repository: a registry contract by id, a spec by a path
    relative to ``tests/``, and specs outside the repository by a climbing and an absolute
    path, in one run. The relative spec was named ``specs/small.yaml`` from the source root
    (a file that is not there) before."""
    root = registry(init_repo(tmp_path / "repo").resolve())
    inside = root / "tests" / "specs" / "small spec.yaml"  # a space: percent-encoded
    inside.parent.mkdir(parents=True)
    inside.write_text(SPEC)
    outside = tmp_path.resolve() / "elsewhere" / "small.yaml"
    outside.parent.mkdir()
    outside.write_text(SPEC)
    absolute = tmp_path.resolve() / "absolute" / "small.yaml"
    absolute.parent.mkdir()
    absolute.write_text(SPEC)
    commit_all(root, "registry")

    log = sarif("lint", "payables", "specs/small spec.yaml", "../../elsewhere/small.yaml",
                absolute, cwd=root / "tests", schema=sarif_schema)
    assert srcroot(log) == root
    files = located(log)
    assert set(files) == {root / "contracts/payables/openapi.yaml", inside, outside,
                          absolute}, files
    assert files[root / "contracts/payables/openapi.yaml"] == {
        "uri": "contracts/payables/openapi.yaml", "uriBaseId": "%SRCROOT%"}
    assert files[inside] == {"uri": "tests/specs/small%20spec.yaml", "uriBaseId": "%SRCROOT%"}
    assert files[outside] == {"uri": outside.as_uri()}
    assert files[absolute] == {"uri": absolute.as_uri()}


def test_a_plain_relative_path_outside_any_repository_resolves_from_the_working_directory(
        tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    """A copy of a small spec in a folder that is neither a registry nor a Git work tree:
    its relative name is relative to the working directory, which the log declares."""
    plain = (tmp_path / "plain").resolve()
    (plain / "sub").mkdir(parents=True)
    (plain / "spec.yaml").write_text(SPEC)
    (plain / "sub" / "spec.yaml").write_text(SPEC)

    log = sarif("lint", "spec.yaml", "sub/spec.yaml", cwd=plain, schema=sarif_schema)
    assert srcroot(log) == plain
    files = located(log)
    assert set(files) == {plain / "spec.yaml", plain / "sub" / "spec.yaml"}, files
    assert files[plain / "sub" / "spec.yaml"] == {"uri": "sub/spec.yaml",
                                                  "uriBaseId": "%SRCROOT%"}


def test_a_registry_in_a_subfolder_of_its_repository_is_named_from_the_repository_root(
        tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    """Lint's and check's SARIF both: the findings name registry files relative to the
    registry (``contracts/...``), which code scanning would look for at the repository's
    root before."""
    repo = init_repo(tmp_path / "mono").resolve()
    reg = registry(repo / "finance")
    commit_all(repo, "registry")
    document = reg / "contracts" / "payables" / "openapi.yaml"
    expected = {"uri": "finance/contracts/payables/openapi.yaml", "uriBaseId": "%SRCROOT%"}

    for log in (sarif("lint", "--registry", reg, "payables", cwd=repo, schema=sarif_schema),
                sarif("check", "payables", "--base", "HEAD", "--registry", reg, cwd=repo,
                      schema=sarif_schema)):
        assert srcroot(log) == repo
        files = located(log)
        assert document in files, files
        assert files[document] == expected


def test_a_registry_file_linted_from_another_registry_points_at_its_own_registry(
        tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    """A contract document of another registry, given by path, is read from (and named
    relative to) that registry's root; this registry's root is not where it is."""
    here = registry(init_repo(tmp_path / "here").resolve())
    commit_all(here, "registry")
    other = registry((tmp_path / "other").resolve())
    shutil.copy(other / "contracts/payables/openapi.yaml", other / "contracts/payables/b.yaml")
    document = other / "contracts" / "payables" / "b.yaml"

    log = sarif("lint", document, cwd=here, schema=sarif_schema)
    files = located(log)
    assert set(files) == {document}, files
    assert files[document] == {"uri": document.as_uri()}
