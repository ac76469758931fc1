"""`ledgerpact diff` when an input cannot be read, file paths holding ``@``, and where its
SARIF says the files are: the installed command on real Git registries and folders in temp
dirs.

A ``diff --base`` run that skipped a contract must fail in every format a machine reads (as
``ledgerpact lint`` does), name that contract, and never overwrite an ``-o`` report with a
partial one. A CI workspace is named ``job@2``: a file there is a file, not ``ID@REF``.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

SPEC = """\
openapi: 3.1.0
info: {title: Payables, version: 1.0.0}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200":
          description: The invoices.
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  status: {type: string}
"""
# An optional response property added: an info change, so the run passes on changes alone
# and only the unreadable contract can fail it.
ADDED = SPEC.replace("                  status: {type: string}\n",
                     "                  status: {type: string}\n"
                     "                  note: {type: string}\n")
BROKEN = "openapi: 3.1.0\ninfo: {title: x\n"


def _contract(root: Path, contract_id: str, text: str = SPEC) -> None:
    folder = root / "contracts" / contract_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.yaml").write_text(text)
    write_metadata(folder, contract_id, "openapi", "openapi.yaml")


def _registry(root: Path) -> Path:
    """``payables`` and ``tax`` committed and tagged v1; in the working tree ``payables``
    gains an optional property and ``tax`` is broken YAML."""
    init_repo(root)
    _contract(root, "payables")
    _contract(root, "tax")
    commit_all(root, "v1")
    git(root, "tag", "v1")
    (root / "contracts" / "payables" / "openapi.yaml").write_text(ADDED)
    (root / "contracts" / "tax" / "openapi.yaml").write_text(BROKEN)
    return root


def _input_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


# -- an unreadable contract fails every format --------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github", "junit", "sarif"])
def test_an_unreadable_contract_fails_every_format(fmt: str, tmp_path: Path) -> None:
    root = _registry(tmp_path / "reg")
    result = run("diff", "--base", "v1", "--format", fmt, cwd=root)
    error = _input_error(result)
    # the line names the contract left out, and where it broke
    assert error.startswith("error: tax (working tree): contracts/tax/openapi.yaml:3: "
                            "invalid YAML"), error
    reason = error.removeprefix("error: ")
    out = result.stdout
    if fmt == "json":
        report = json.loads(out)
        assert report["errors"] == [reason]
        assert [c["name"] for c in report["compared"]] == ["payables"]  # still compared
        summary = report["summary"]
        assert (summary["failed"], summary["verdict"], summary["inputErrors"]) == (
            True, "failed", 1)
        assert summary["failing"] == 0  # no change fails it: the unreadable input does
    elif fmt == "sarif":
        run_ = json.loads(out)["runs"][0]
        assert run_["invocations"] == [{
            "executionSuccessful": False,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": reason}}]}]
        assert (run_["properties"]["verdict"], run_["properties"]["inputErrors"]) == (
            "failed", 1)
        assert [r["ruleId"] for r in run_["results"]] == ["property-added"]
    elif fmt == "junit":
        root_el = ET.fromstring(out)
        assert root_el.get("errors") == "1"
        error_el = root_el.find("testsuite[@name='input']/testcase/error")
        assert error_el is not None and error_el.get("message") == reason
    elif fmt == "markdown":
        assert out.startswith("## Ledgerpact diff: failed\n")
        assert out.rstrip().endswith("### Input errors\n\n- tax (working tree): "
                                     "contracts/tax/openapi.yaml:3: invalid YAML: did not "
                                     "find expected ',' or '}'")
    elif fmt == "github":
        lines = out.splitlines()
        assert lines[0] == f"::error::{reason}"
        assert lines[-1].endswith("1 input could not be read: failed")
    else:
        assert out.splitlines()[-1] == (
            "1 contract compared: 1 change (0 breaking, 0 warning, 1 info); minor version "
            "bump required; none at or above breaking, 1 input could not be read: failed")


@pytest.mark.parametrize("fmt", ["sarif", "json", "markdown"])
def test_output_file_keeps_what_it_held(fmt: str, tmp_path: Path) -> None:
    """A report that left a contract out is not the report asked for: -o writes nothing."""
    root = _registry(tmp_path / "reg")
    out = tmp_path / f"diff.{fmt}"
    out.write_text("KEEP\n")
    result = run("diff", "--base", "v1", "--format", fmt, "-o", out, cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert out.read_text() == "KEEP\n"
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"error: {out} not written: 1 input(s) could not be read")
    # fixed, the same command writes the report
    (root / "contracts" / "tax" / "openapi.yaml").write_text(SPEC)
    fixed = run("diff", "--base", "v1", "--format", fmt, "-o", out, cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert out.read_text() != "KEEP\n"


def test_a_contract_unreadable_at_the_base_names_that_side(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _contract(root, "payables")
    _contract(root, "tax", BROKEN)
    commit_all(root, "v1, tax broken")
    git(root, "tag", "v1")
    (root / "contracts" / "tax" / "openapi.yaml").write_text(SPEC)  # fixed since
    result = run("diff", "--base", "v1", "--format", "json", cwd=root)
    error = _input_error(result)
    assert error.startswith("error: tax@v1: contracts/tax/openapi.yaml:3: invalid YAML"), error
    # nothing could be compared: the error line is the whole answer, as for lint
    assert result.stdout == ""


# -- file paths holding "@" -----------------------------------------------------------------


def _workspace(tmp_path: Path) -> Path:
    """A Jenkins-style ``job@2`` folder (no registry, no Git) with two versions of a spec."""
    folder = tmp_path / "job@2"
    folder.mkdir()
    (folder / "base.yaml").write_text(SPEC)
    (folder / "rev.yaml").write_text(SPEC.replace("                  status: {type: "
                                                  "string}\n", ""))
    return folder


@pytest.mark.parametrize("how", ["absolute", "relative"])
def test_a_file_in_a_folder_named_with_at_is_a_file(how: str, tmp_path: Path) -> None:
    folder = _workspace(tmp_path)
    base, rev = ((folder / "base.yaml", folder / "rev.yaml") if how == "absolute"
                 else ("job@2/base.yaml", "job@2/rev.yaml"))
    result = run("diff", base, rev, "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    change = json.loads(result.stdout)["changes"][0]
    assert (change["rule"], change["level"]) == ("property-removed", "breaking")
    assert change["base"]["file"] == str(base)
    check = run("version", "check", base, rev, cwd=tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "require a major bump" in check.stdout


def test_a_file_named_with_at_is_a_file(tmp_path: Path) -> None:
    folder = _workspace(tmp_path)
    (folder / "api@v1.yaml").write_text(SPEC)
    result = run("diff", "api@v1.yaml", "rev.yaml", cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[property-removed] response: property 'status' removed" in result.stdout


@pytest.mark.parametrize("missing", ["job@2/nope.yaml", "api@v3.yaml"])
def test_a_missing_file_with_at_is_a_missing_file(missing: str, tmp_path: Path) -> None:
    folder = _workspace(tmp_path)
    result = run("diff", missing, folder / "rev.yaml", cwd=tmp_path)
    assert _input_error(result) == f"error: {missing}: file not found"


def test_version_check_of_one_file_is_a_usage_error(tmp_path: Path) -> None:
    _workspace(tmp_path)
    result = run("version", "check", "job@2/base.yaml", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "a file is compared with another file: give BASE REVISION" in result.stderr


# -- SARIF: every file resolves from the declared %SRCROOT% ---------------------------------


def _resolved(log: dict[str, Any]) -> list[Path]:
    """Each result's file and each related location's, resolved as a SARIF consumer does
    (a relative URI against the base the log declares)."""
    run_ = log["runs"][0]
    bases = run_.get("originalUriBaseIds", {})
    out = []
    for res in run_["results"]:
        for where in [*res["locations"], *res.get("relatedLocations", [])]:
            artifact = where["physicalLocation"]["artifactLocation"]
            uri = artifact["uri"]
            if "uriBaseId" in artifact:
                assert artifact["uriBaseId"] in bases, f"{artifact}: undeclared base"
                uri = urljoin(bases[artifact["uriBaseId"]]["uri"], uri)
            parsed = urlparse(uri)
            assert parsed.scheme == "file", f"{artifact} does not resolve to a file"
            out.append(Path(unquote(parsed.path)))
    return out


def test_sarif_of_a_registry_in_a_subfolder_resolves_from_the_work_tree(
        tmp_path: Path) -> None:
    """A monorepo: the registry is ``apis/`` of the Git work tree, and code scanning
    resolves URIs against the work tree's root."""
    repo = init_repo(tmp_path / "mono")
    registry = repo / "apis"
    _contract(registry, "payables")
    commit_all(repo, "v1")
    git(repo, "tag", "v1")
    (registry / "contracts" / "payables" / "openapi.yaml").write_text(ADDED)
    result = run("diff", "--base", "v1", "--format", "sarif", cwd=registry)
    assert result.returncode == 0, result.stdout + result.stderr
    log = json.loads(result.stdout)
    bases = log["runs"][0]["originalUriBaseIds"]
    assert bases["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]
    assert artifact == {"uri": "apis/contracts/payables/openapi.yaml",
                        "uriBaseId": "%SRCROOT%"}
    assert set(_resolved(log)) == {(registry / "contracts/payables/openapi.yaml").resolve()}


def test_sarif_of_two_files_resolves_each_side_from_where_it_was_read(tmp_path: Path) -> None:
    """Two files given by paths relative to a subfolder of a Git work tree (and one from a
    folder named ``job@2``), and a file outside it: each resolves to the file read."""
    repo = init_repo(tmp_path / "repo")
    (repo / "specs").mkdir()
    folder = _workspace(repo / "specs")
    outside = tmp_path / "elsewhere" / "base.yaml"
    outside.parent.mkdir()
    outside.write_text(SPEC)
    result = run("diff", "job@2/base.yaml", "job@2/rev.yaml", "--format", "sarif",
                 cwd=repo / "specs")
    assert result.returncode == 1, result.stdout + result.stderr
    log = json.loads(result.stdout)
    assert _resolved(log) == [(folder / "rev.yaml").resolve(), (folder / "base.yaml").resolve()]
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"] == {"uri": "specs/job%402/rev.yaml", "uriBaseId": "%SRCROOT%"}
    other = run("diff", outside, "job@2/rev.yaml", "--format", "sarif", cwd=repo / "specs")
    assert other.returncode == 1, other.stdout + other.stderr
    assert _resolved(json.loads(other.stdout)) == [(folder / "rev.yaml").resolve(),
                                                   outside.resolve()]
    related = json.loads(other.stdout)["runs"][0]["results"][0]["relatedLocations"][0]
    assert related["physicalLocation"]["artifactLocation"] == {"uri": outside.resolve()
                                                               .as_uri()}
