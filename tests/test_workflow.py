"""The pull-request workflow, the pre-commit hook, and the check's SARIF, each validated
against what reads it: GitHub's workflow schema (check-jsonschema's vendored copy), the
pre-commit hook fields, and the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.cli_helpers import run
from tests.conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "pull-request.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _steps() -> list[dict]:
    data = yaml.safe_load(WORKFLOW.read_text())
    return [s for job in data["jobs"].values() for s in job["steps"]]


def test_workflow_validates_against_the_github_workflow_schema() -> None:
    assert CHECK_JSONSCHEMA.is_file(), "pip install -e '.[test]' installs check-jsonschema"
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows",
                           str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_really_checks(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs_on: x", 1))
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows",
                           str(broken)], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout


def test_workflow_runs_check_on_pull_requests_and_publishes_its_reports() -> None:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in data[True]  # PyYAML reads the key `on` as YAML 1.1's true
    assert data["permissions"]["security-events"] == "write"
    assert data["permissions"]["pull-requests"] == "write"
    steps = _steps()
    [check] = [s for s in steps if "ledgerpact check" in s.get("run", "")]
    assert check["if"] == "github.event_name == 'pull_request'"
    assert check["env"]["BASE"] == "refs/remotes/origin/${{ github.base_ref }}"
    # a pull request is checked by the base branch's Ledgerpact, not by its own copy
    [install] = [s for s in steps if s.get("name", "").startswith("Install Ledgerpact")
                 and "worktree" in s.get("run", "")]
    assert install["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert 'refs/remotes/origin/$BASE_REF' in install["run"]
    assert 'pip install "$RUNNER_TEMP/ledgerpact-base"' in install["run"]
    command = check["run"]
    assert '--base "$BASE"' in command and "--format github" in command
    assert "--report sarif=check.sarif" in command and "--report markdown=check.md" in command
    assert '>> "$GITHUB_STEP_SUMMARY"' in command and 'exit "$status"' in command
    uploads = [s for s in steps if s.get("uses", "").startswith(
        "github/codeql-action/upload-sarif@")]
    assert {u["with"]["sarif_file"] for u in uploads} == {"lint.sarif", "check.sarif"}
    assert len({u["with"]["category"] for u in uploads}) == 2  # two SARIF runs, one job
    [comment] = [s for s in steps if s.get("uses", "").startswith(
        "marocchino/sticky-pull-request-comment@")]
    assert comment["with"]["path"] == "check.md"
    assert "always()" in comment["if"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # approvals need the history
    assert any(s.get("run") == "ledgerpact compat" for s in steps)


def test_pre_commit_hook_lints_the_registry() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert isinstance(hooks, list)
    [hook] = [h for h in hooks if h["id"] == "ledgerpact-lint"]
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("contracts/erp-finance/openapi.yaml")
    assert files.search("governance/waivers.yaml") and files.search(".spectral.yaml")
    assert not files.search("README.md") and not files.search("registry/cli.py")
    program, *args = hook["entry"].split()
    assert program == "ledgerpact"  # the console script pyproject installs
    done = run(*args, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


# -- the check's SARIF ---------------------------------------------------------------------


def _git(root: Path, *args: str, email: str = "dev@example.com") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": email}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


@pytest.fixture(scope="module")
def sarif_logs(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """SARIF from two real checks: one with an unapproved breaking change and a version
    error beside a contract that passes; one with an unreadable contract."""
    root = tmp_path_factory.mktemp("sarif") / "reg"
    shutil.copytree(REPO / "contracts", root / "contracts")
    for rel in ("governance/policy.yaml", "governance/teams.yaml", "governance/waivers.yaml",
                ".github/CODEOWNERS"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, root / rel)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "registry")
    _git(root, "checkout", "-q", "-b", "pr")
    erp = root / "contracts" / "erp-finance" / "openapi.yaml"
    erp.write_text(erp.read_text().replace(
        "        - name: name\n          in: query\n          required: false",
        "        - name: name\n          in: query\n          required: true", 1))
    events = root / "contracts" / "finance-events" / "asyncapi.yaml"
    events.write_text(events.read_text().replace("\n  description:", "\n  x-note: touched\n"
                                                 "  description:", 1))
    _git(root, "commit", "-q", "-am", "changes")
    logs = []
    first = run("check", "--format", "sarif", cwd=root)
    assert first.returncode == 1, first.stderr
    logs.append(json.loads(first.stdout))
    tax = root / "contracts" / "tax-engine" / "openapi.yaml"
    tax.write_text(tax.read_text().replace("paths:\n", "paths:\n  : [\n", 1))
    second = run("check", "--format", "sarif", cwd=root)
    assert second.returncode == 2, second.stderr
    logs.append(json.loads(second.stdout))
    return logs


@pytest.fixture(scope="module")
def sarif_validator(official_schemas: Path) -> jsonschema.protocols.Validator:
    schema = json.loads((official_schemas / "sarif-schema-2.1.0.json").read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_check_sarif_validates_against_the_official_schema(
        sarif_logs: list[dict], sarif_validator: jsonschema.protocols.Validator) -> None:
    for log in sarif_logs:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in sarif_validator.iter_errors(log)]
        assert errors == []
    broken = json.loads(json.dumps(sarif_logs[0]))
    broken["runs"][0]["results"][0]["level"] = "breaking"  # the schema really checks
    assert any(True for _ in sarif_validator.iter_errors(broken))


def test_check_sarif_content(sarif_logs: list[dict]) -> None:
    run_ = sarif_logs[0]["runs"][0]
    results = run_["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["parameter-became-required"]["level"] == "error"
    assert by_rule["parameter-became-required"]["properties"]["step"] == "diff"
    assert by_rule["approval-required"]["properties"]["contract"] == "erp-finance"
    assert by_rule["version-bump"]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"] == "contracts/erp-finance/openapi.yaml"
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert set(by_rule) <= set(rules)
    assert rules["approval-required"]["fullDescription"]["text"].startswith("Breaking")
    outcomes = {c["id"]: c["outcome"] for c in run_["properties"]["contracts"]}
    assert outcomes == {"erp-finance": "failed", "finance-events": "passed"}
    unreadable = [r for r in sarif_logs[1]["runs"][0]["results"] if r["ruleId"] == "input-error"]
    assert unreadable and unreadable[0]["properties"]["contract"] == "tax-engine"
