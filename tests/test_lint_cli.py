"""`ledgerpact lint` end to end: real registries in temp dirs, waivers, formats, exit codes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import yaml

from tests.cli_helpers import commit_all, init_repo, run, write_metadata

REPO = Path(__file__).resolve().parents[1]

NO_OPERATION_ID = """\
openapi: 3.1.0
info: {title: Payables, version: 1.0.0}
paths:
  /invoices:
    get:
      responses:
        "200": {description: The invoices.}
"""


def _registry(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "reg")
    folder = root / "contracts" / "payables"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(NO_OPERATION_ID)
    write_metadata(folder, "payables", "openapi", "openapi.yaml")
    commit_all(root, "payables")
    return root


def _waiver(root: Path, expires: date) -> None:
    (root / "governance").mkdir(exist_ok=True)
    (root / "governance" / "waivers.yaml").write_text(yaml.safe_dump({"waivers": [{
        "rule": "oas-operation-operationId", "contract": "payables",
        "pointer": "/paths/~1invoices/get", "reason": "legacy endpoint, renamed in 2.0",
        "approver": "@ledgerpact/finance-architecture", "expires": expires.isoformat()}]}))


def test_fail_severity_decides_the_exit_code(tmp_path: Path) -> None:
    root = _registry(tmp_path)
    one = ("--select", "oas-operation-operationId")
    assert run("lint", *one, "--registry", root).returncode == 0  # a warning; fail on error
    strict = run("lint", *one, "--registry", root, "--fail-severity", "warn", "--format",
                 "json")
    assert strict.returncode == 1
    finding = next(f for f in json.loads(strict.stdout)["findings"]
                   if f["rule"] == "oas-operation-operationId")
    assert (finding["file"], finding["line"], finding["column"], finding["pointer"]) == (
        "contracts/payables/openapi.yaml", 5, 5, "/paths/~1invoices/get")


def test_a_valid_waiver_waives_and_an_expired_one_fails(tmp_path: Path) -> None:
    root = _registry(tmp_path)
    _waiver(root, date.today() + timedelta(days=30))
    one = ("--select", "oas-operation-operationId")
    waived = run("lint", *one, "--registry", root, "--fail-severity", "warn", "--format",
                 "json")
    assert waived.returncode == 0, waived.stdout
    _waiver(root, date.today() - timedelta(days=1))
    expired = run("lint", *one, "--registry", root, "--fail-severity", "warn", "--format",
                  "json")
    assert expired.returncode == 1
    rules = {f["rule"]: f for f in json.loads(expired.stdout)["findings"]}
    assert rules["waiver-expired"]["file"] == "governance/waivers.yaml"
    assert "waivedBy" not in rules["oas-operation-operationId"]


def test_sarif_output_is_valid_sarif(tmp_path: Path, official_schemas: Path) -> None:
    root = _registry(tmp_path)
    out = tmp_path / "lint.sarif"
    result = run("lint", "--registry", root, "--format", "sarif", "-o", out,
                 "--select", "oas-operation-operationId")
    assert result.returncode == 0, result.stderr
    sarif = json.loads(out.read_text())
    schema = json.loads((official_schemas / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert sarif["runs"][0]["results"], "the warning is reported"


def test_own_registry_lints_clean_under_strict() -> None:
    result = run("lint", "--ruleset", "strict", "--fail-severity", "hint", "--format", "json",
                 cwd=REPO)
    findings = [f for f in json.loads(result.stdout)["findings"] if not f.get("waivedBy")]
    assert result.returncode == 0 and not findings, json.dumps(findings[:10], indent=1)
