"""`ledgerpact lint` when some of what it was asked to read cannot be read: reports that say
so, output files left as they were, missing files named, waivers naming no rule refused."""

from __future__ import annotations

import json
import os
import stat
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.cli_helpers import run
from tests.test_lint_cli import NO_OPERATION_ID as GOOD  # a readable contract with findings

BROKEN = "openapi: 3.1.0\ninfo: {title: x\n"  # unclosed flow mapping: invalid YAML


def _files(tmp_path: Path) -> Path:
    """A folder outside any registry with one good and one unreadable contract."""
    folder = tmp_path / "apis"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD)
    (folder / "broken.yaml").write_text(BROKEN)
    return folder


@pytest.mark.parametrize("fmt", ["sarif", "json", "junit", "text"])
def test_an_unreadable_input_leaves_the_output_file_as_it_was(tmp_path: Path, fmt: str) -> None:
    folder = _files(tmp_path)
    out = tmp_path / f"report.{fmt}"
    out.write_text("the previous, complete report\n")
    result = run("lint", "--no-config", "--format", fmt, "-o", out, "good.yaml",
                 "broken.yaml", cwd=folder)
    assert result.returncode == 2
    assert out.read_text() == "the previous, complete report\n"
    assert "broken.yaml:3: invalid YAML" in result.stderr
    assert f"{out} not written: 1 input(s) could not be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]


def test_no_output_file_is_made_when_an_input_cannot_be_read(tmp_path: Path) -> None:
    folder = _files(tmp_path)
    out = tmp_path / "new.sarif"
    result = run("lint", "--no-config", "--format", "sarif", "-o", out, "good.yaml",
                 "broken.yaml", cwd=folder)
    assert result.returncode == 2 and not out.exists()


def test_a_sarif_report_of_a_run_with_an_unreadable_input_says_it_failed(
        tmp_path: Path, official_schemas: Path) -> None:
    folder = _files(tmp_path)
    result = run("lint", "--no-config", "--format", "sarif", "good.yaml", "broken.yaml",
                 cwd=folder)
    assert result.returncode == 2
    sarif = json.loads(result.stdout)
    schema = json.loads((official_schemas / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "broken.yaml:3: invalid YAML" in note["message"]["text"]
    assert sarif["runs"][0]["results"], "the readable contract's findings are still there"


def test_json_junit_markdown_and_github_reports_list_the_unreadable_input(
        tmp_path: Path) -> None:
    folder = _files(tmp_path)
    args = ("lint", "--no-config", "good.yaml", "broken.yaml")
    as_json = json.loads(run(*args, "--format", "json", cwd=folder).stdout)
    assert as_json["checked"] == ["good.yaml"]
    assert [e.split(":")[0] for e in as_json["errors"]] == ["broken.yaml"]
    junit = ET.fromstring(run(*args, "--format", "junit", cwd=folder).stdout)
    assert junit.get("errors") == "1"
    (error,) = junit.iter("error")
    assert "broken.yaml:3" in (error.get("message") or "")
    markdown = run(*args, "--format", "markdown", cwd=folder).stdout
    assert "### Input errors" in markdown and "failed" in markdown.splitlines()[0]
    github = run(*args, "--format", "github", cwd=folder).stdout
    assert github.splitlines()[0].startswith("::error::broken.yaml:3: invalid YAML")


def test_a_clean_run_reports_no_errors(tmp_path: Path) -> None:
    folder = _files(tmp_path)
    result = run("lint", "--no-config", "--format", "json", "good.yaml", cwd=folder)
    assert json.loads(result.stdout)["errors"] == []
    sarif = json.loads(run("lint", "--no-config", "--format", "sarif", "good.yaml",
                           cwd=folder).stdout)
    assert sarif["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_a_missing_file_outside_a_registry_is_named_and_the_others_are_linted(
        tmp_path: Path) -> None:
    folder = _files(tmp_path)
    result = run("lint", "--no-config", "--format", "json", "good.yaml", "typo.yaml",
                 cwd=folder)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: typo.yaml: file not found"
    assert json.loads(result.stdout)["checked"] == ["good.yaml"]


def test_a_contract_id_outside_a_registry_says_there_is_no_registry(tmp_path: Path) -> None:
    folder = _files(tmp_path)
    result = run("lint", "--no-config", "good.yaml", "payables", cwd=folder)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: payables: not a file, and there is no registry")
    assert "1 contract checked" in result.stdout


def test_the_report_file_keeps_its_permissions_or_gets_the_usual_ones(
        tmp_path: Path) -> None:
    folder = _files(tmp_path)
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o640)
    assert run("lint", "--no-config", "--format", "json", "-o", kept, "good.yaml",
               cwd=folder).returncode == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.json"
    assert run("lint", "--no-config", "--format", "json", "-o", fresh, "good.yaml",
               cwd=folder).returncode == 0
    mask = os.umask(0o22)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask


def _waivers(folder: Path, rule: str) -> Path:
    path = folder / "waivers.yaml"
    path.write_text(yaml.safe_dump({"waivers": [{
        "rule": rule, "contract": "good.yaml", "pointer": "/paths/~1invoices/get",
        "reason": "legacy endpoint", "approver": "@ledgerpact/api-guild",
        "expires": (date.today() + timedelta(days=30)).isoformat()}]}, sort_keys=False))
    return path


def test_a_waiver_naming_no_rule_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    folder = _files(tmp_path)
    waivers = _waivers(folder, "oas-operation-operationid")
    result = run("lint", "--no-config", "--waivers", waivers, "good.yaml", cwd=folder)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: waivers.yaml:2: at /waivers/0/rule: unknown rule "
                           "'oas-operation-operationid'"), line
    assert "did you mean the built-in 'oas-operation-operationId'?" in line


def test_a_waiver_of_a_custom_rule_with_a_built_in_prefix_is_not_taken_for_a_typo(
        tmp_path: Path) -> None:
    """A team's own ``finance-...`` rule, waived while its ruleset is not loaded: nothing
    says it is a misspelt built-in rule, so it is neither refused nor stale."""
    folder = _files(tmp_path)
    waivers = _waivers(folder, "finance-no-x-foo")
    result = run("lint", "--no-config", "--waivers", waivers, "--format", "json", "good.yaml",
                 cwd=folder)
    assert result.returncode == 0, result.stderr
    assert not [f for f in json.loads(result.stdout)["findings"]
                if f["rule"].startswith("waiver-")]


def test_a_waiver_of_a_custom_rule_is_known_when_its_ruleset_is_loaded(
        tmp_path: Path) -> None:
    folder = _files(tmp_path)
    (folder / ".spectral.yaml").write_text(yaml.safe_dump({"rules": {"team-summary": {
        "given": "$.paths[*][*]", "severity": "warn",
        "then": {"field": "summary", "function": "truthy"}}}}))
    waivers = _waivers(folder, "team-summary")
    result = run("lint", "--config", ".spectral.yaml", "--waivers", waivers, "--format",
                 "json", "good.yaml", cwd=folder)
    assert result.returncode == 0, result.stderr
    hits = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "team-summary"]
    assert hits and all(f.get("waivedBy") for f in hits)
    # without that ruleset the waiver cannot be judged: it is neither refused nor stale
    other = run("lint", "--no-config", "--waivers", waivers, "--format", "json", "good.yaml",
                cwd=folder)
    assert other.returncode == 0, other.stderr
    assert not [f for f in json.loads(other.stdout)["findings"]
                if f["rule"].startswith("waiver-")]


def test_select_of_a_custom_rule_turned_off_says_it_is_off(tmp_path: Path) -> None:
    folder = _files(tmp_path)
    (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": {
        "quiet": {"given": "$.info", "severity": "off",
                  "then": {"field": "title", "function": "falsy"}},
        "optional": {"given": "$.info", "recommended": False,
                     "then": {"field": "title", "function": "falsy"}}}}))
    for rule in ("quiet", "optional"):
        result = run("lint", "--config", "rules.yaml", "--select", rule, "good.yaml",
                     cwd=folder)
        assert result.returncode == 2
        assert result.stderr.strip() == (
            f"error: --select: rule {rule} is defined in rules.yaml but turned off there "
            "(severity off, or recommended: false); --select runs only rules that are on")
    unknown = run("lint", "--config", "rules.yaml", "--select", "nope", "good.yaml",
                  cwd=folder)
    assert unknown.returncode == 2 and "unknown rule nope" in unknown.stderr
