"""Lint configuration and waivers end to end (issue 3): the installed command on real
registries in temp dirs.

- A ruleset file decides which rules run (Spectral's semantics), but never silently: the
  reports name the ruleset that ran, ``check`` too, and ``--ruleset`` typed next to a
  ruleset file that does not extend it is refused instead of dropped.
- A waiver naming its contract by path, or naming a contract that does not exist, is
  reported stale like any other when the registry is linted.
- Expiry days are UTC days, whatever the machine's time zone.
- A waiver's ``pointer: "/"`` (the root as reports print it) waives root findings.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import yaml

from tests.cli_helpers import BIN, commit_all, init_repo, run, write_metadata

# No servers (a root finding), a money amount as a JSON number (an error in every built-in
# ruleset), a lower-case title (what the custom rule below checks).
CONTRACT = """\
openapi: 3.1.0
info: {title: payables, version: 1.0.0}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  total: {type: number}
"""
DOC = "contracts/payables/openapi.yml"
MONEY_POINTER = ("/paths/~1invoices/get/responses/200/content/application~1json/schema/"
                 "properties/total")

TITLE_ONLY = """\
rules:
  title-capitalised:
    given: $.info.title
    severity: warn
    then: {function: pattern, functionOptions: {match: "^[A-Z]"}}
"""


def registry(tmp_path: Path, spectral: str | None = None) -> Path:
    root = init_repo(tmp_path / "reg")
    folder = root / "contracts" / "payables"
    folder.mkdir(parents=True)
    (folder / "openapi.yml").write_text(CONTRACT)
    write_metadata(folder, "payables", "openapi", "openapi.yml")
    if spectral is not None:
        (root / ".spectral.yaml").write_text(spectral)
    commit_all(root, "payables")
    return root


def waiver_file(root: Path, *waivers: dict[str, str]) -> Path:
    path = root / "w.yaml"
    base = {"reason": "accepted for now", "approver": "@ledgerpact/finance-architecture",
            "expires": "2099-12-31"}
    path.write_text(yaml.safe_dump({"waivers": [{**base, **w} for w in waivers]},
                                   sort_keys=False))
    return path


def lint_json(root: Path, *args: str | Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    result = run("lint", "--registry", root, "--format", "json", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result, json.loads(result.stdout)


def rules_of(report: dict) -> list[str]:
    return [f["rule"] for f in report["findings"]]


# -- 1. a ruleset file decides the rules, and says so --------------------------------------


def test_explicit_ruleset_that_a_ruleset_file_would_drop_is_refused(tmp_path: Path) -> None:
    root = registry(tmp_path, TITLE_ONLY)
    refused = run("lint", "--registry", root, "--ruleset", "strict", cwd=root)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert ".spectral.yaml decides which rules run" in lines[0]
    assert "`extends: [ledgerpact:strict]`" in lines[0] and "--no-config" in lines[0]
    assert refused.stdout == ""
    # --no-config runs the built-in strict ruleset: the money error fails the run
    builtin = run("lint", "--registry", root, "--ruleset", "strict", "--no-config", cwd=root)
    assert builtin.returncode == 1
    assert "[finance-money-decimal-string]" in builtin.stdout


def test_explicit_ruleset_the_file_extends_is_accepted(tmp_path: Path) -> None:
    root = registry(tmp_path, "extends: [ledgerpact:strict]\n" + TITLE_ONLY)
    result = run("lint", "--registry", root, "--ruleset", "strict", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("1 contract checked with the custom ruleset .spectral.yaml "
                           "(extends ledgerpact:strict): "), last
    assert "[finance-money-decimal-string]" in result.stdout
    assert "[title-capitalised]" in result.stdout


def test_the_text_summary_names_the_ruleset_that_ran(tmp_path: Path) -> None:
    root = registry(tmp_path, TITLE_ONLY)
    custom = run("lint", "--registry", root, cwd=root)
    assert custom.returncode == 0, custom.stdout + custom.stderr  # only a warning
    last = custom.stdout.strip().splitlines()[-1]
    assert last.startswith("1 contract checked with the custom ruleset .spectral.yaml "
                           "(no built-in rules): 1 finding"), last
    builtin = run("lint", "--registry", root, "--no-config", cwd=root)
    assert builtin.stdout.strip().splitlines()[-1].startswith(
        "1 contract checked with the recommended ruleset: ")
    strict = run("lint", "--registry", root, "--no-config", "--ruleset", "strict", cwd=root)
    assert " checked with the strict ruleset: " in strict.stdout


def test_every_format_names_the_ruleset_that_ran(tmp_path: Path) -> None:
    root = registry(tmp_path, "extends: [ledgerpact:recommended]\n" + TITLE_ONLY)
    label = "custom ruleset .spectral.yaml (extends ledgerpact:recommended)"
    _, report = lint_json(root)
    assert report["summary"]["ruleset"] == label
    assert "finance-money-decimal-string" in rules_of(report)
    sarif = json.loads(run("lint", "--registry", root, "--format", "sarif", cwd=root).stdout)
    assert sarif["runs"][0]["properties"]["ruleset"] == label
    junit = run("lint", "--registry", root, "--format", "junit", cwd=root).stdout
    assert f'<property name="ruleset" value="{label}" />' in junit
    for fmt in ("text", "markdown", "github"):
        out = run("lint", "--registry", root, "--format", fmt, cwd=root).stdout
        assert f"1 contract checked with the {label}: " in out, (fmt, out)
    _, plain = lint_json(root, "--no-config")
    assert "finance-money-decimal-string" in rules_of(plain)


def test_check_names_the_ruleset_it_ran(tmp_path: Path) -> None:
    root = registry(tmp_path)
    (root / ".spectral.yaml").write_text(TITLE_ONLY)
    result = run("check", "payables", "--base", "HEAD", "--registry", root, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    lint_line = next(line for line in result.stdout.splitlines()
                     if line.strip().startswith("lint "))
    assert "(custom ruleset .spectral.yaml (no built-in rules))" in lint_line, lint_line
    assert "recommended ruleset" not in result.stdout
    (root / ".spectral.yaml").unlink()
    builtin = run("check", "payables", "--base", "HEAD", "--registry", root, cwd=root)
    assert "(recommended ruleset)" in builtin.stdout, builtin.stdout


# -- 2. waivers naming a contract by path, or no contract at all ----------------------------


def test_waivers_by_path_and_misspelt_contracts_are_stale_in_a_registry_run(
        tmp_path: Path) -> None:
    root = registry(tmp_path)
    waivers = waiver_file(
        root,
        {"rule": "finance-money-decimal-string", "contract": DOC, "pointer": "/nowhere"},
        {"rule": "finance-money-decimal-string", "contract": DOC, "pointer": "/nowhere",
         "expires": "2020-01-31"},
        {"rule": "finance-money-decimal-string", "contract": "contracts/payables/openapi.yaml",
         "pointer": "/**"},
        {"rule": "finance-money-decimal-string", "contract": "paybales", "pointer": "/**",
         "expires": "2020-01-31"},
        {"rule": "finance-money-decimal-string", "contract": DOC, "pointer": MONEY_POINTER})
    _, report = lint_json(root, "--waivers", waivers)
    stale = {f["pointer"]: f["message"] for f in report["findings"]
             if f["rule"] == "waiver-stale"}
    assert sorted(stale) == ["/waivers/0", "/waivers/1", "/waivers/2", "/waivers/3"], stale
    assert "expired on 2020-01-31" in stale["/waivers/1"]
    assert "no contract 'contracts/payables/openapi.yaml' in the registry" in stale[
        "/waivers/2"]
    assert f"did you mean '{DOC}'?" in stale["/waivers/2"]
    assert "no contract 'paybales' in the registry" in stale["/waivers/3"]
    assert "did you mean 'payables'?" in stale["/waivers/3"]
    assert "expired on 2020-01-31" in stale["/waivers/3"]
    # the waiver by a correct path still waives
    money = next(f for f in report["findings"] if f["rule"] == "finance-money-decimal-string")
    assert "waivedBy" in money


def test_check_reports_a_stale_waiver_that_names_its_contract_by_path(tmp_path: Path) -> None:
    root = registry(tmp_path)
    (root / "governance").mkdir()
    waiver_file(root, {"rule": "finance-money-decimal-string", "contract": f"../{DOC}",
                       "pointer": "/nowhere"}).rename(root / "governance" / "waivers.yaml")
    result = run("check", "payables", "--base", "HEAD", "--registry", root, "--format",
                 "json", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    rules = [f["rule"] for c in json.loads(result.stdout)["contracts"] for s in c["steps"]
             for f in s["findings"]]
    assert "waiver-stale" in rules, rules


# -- 3. expiry days are UTC days --------------------------------------------------------------


def test_waiver_expiry_is_read_in_utc_whatever_the_time_zone(tmp_path: Path) -> None:
    """A zone whose date differs from UTC's now: UTC+14 is a day ahead from 10:00 UTC, UTC-12
    a day behind before 12:00 UTC. The waiver expires on the day between the two readings."""
    now = dt.datetime.now(dt.UTC)
    utc_day = now.date()
    if now.hour >= 10:
        zone, expires, expired = "Etc/GMT-14", utc_day, False  # valid today, UTC
    else:
        zone, expires, expired = "Etc/GMT+12", utc_day - dt.timedelta(days=1), True
    root = registry(tmp_path)
    waivers = waiver_file(root, {"rule": "finance-money-decimal-string", "contract": "payables",
                                 "pointer": MONEY_POINTER, "expires": expires.isoformat()})
    env = {**{k: v for k, v in os.environ.items() if "proxy" not in k.lower()}, "TZ": zone}
    result = subprocess.run([str(BIN), "lint", "--registry", str(root), "--format", "json",
                             "--waivers", str(waivers)], cwd=root, capture_output=True,
                            text=True, env=env, timeout=120, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    rules = rules_of(json.loads(result.stdout))
    assert ("waiver-expired" in rules) is expired, (zone, expires, rules)


# -- 4. the root pointer as reports print it --------------------------------------------------


def test_a_waiver_at_the_root_as_printed_waives_the_root_finding(tmp_path: Path) -> None:
    root = registry(tmp_path)
    printed = run("lint", "--registry", root, "--ruleset", "strict", cwd=root).stdout
    assert "[oas-api-servers] /: " in printed  # how the text report prints the root
    waivers = waiver_file(root, {"rule": "oas-api-servers", "contract": "payables",
                                 "pointer": "/"})
    _, report = lint_json(root, "--ruleset", "strict", "--waivers", waivers)
    servers = [f for f in report["findings"] if f["rule"] == "oas-api-servers"]
    assert len(servers) == 1 and servers[0]["pointer"] == "" and "waivedBy" in servers[0]
    assert "waiver-stale" not in rules_of(report)


def test_a_stale_root_waiver_says_it_is_the_root(tmp_path: Path) -> None:
    root = registry(tmp_path)
    waivers = waiver_file(root, {"rule": "oas-api-servers", "contract": "payables",
                                 "pointer": ""})
    (root / "contracts" / "payables" / "openapi.yml").write_text(
        CONTRACT.replace("paths:", "servers: [{url: 'https://api.example.com'}]\npaths:"))
    _, report = lint_json(root, "--ruleset", "strict", "--waivers", waivers)
    stale = [f["message"] for f in report["findings"] if f["rule"] == "waiver-stale"]
    assert len(stale) == 1 and "at / (the document root)" in stale[0], stale


# -- 5. a registry contract's document given by path is that contract ----------------------


def test_a_contract_linted_by_path_gets_its_waivers_and_metadata(tmp_path: Path) -> None:
    root = registry(tmp_path)
    (root / "governance").mkdir()
    waiver_file(root, {"rule": "finance-money-decimal-string", "contract": "payables",
                       "pointer": MONEY_POINTER}).rename(root / "governance" / "waivers.yaml")
    by_id = run("lint", "payables", "--format", "json", cwd=root)
    folder = root / "contracts" / "payables"
    for target, cwd in ((DOC, root), ("openapi.yml", folder)):
        by_path = run("lint", target, "--format", "json", cwd=cwd)
        assert by_path.returncode == by_id.returncode == 0, by_path.stdout + by_path.stderr
        assert json.loads(by_path.stdout) == json.loads(by_id.stdout)
    report = json.loads(by_id.stdout)
    assert report["checked"] == ["payables"]
    money = next(f for f in report["findings"] if f["rule"] == "finance-money-decimal-string")
    assert money["file"] == DOC and "waivedBy" in money


def test_select_of_a_rule_the_ruleset_file_leaves_out_is_refused(tmp_path: Path) -> None:
    """--select of a built-in rule of a pack the ruleset file does not extend would run
    nothing and pass: refused, saying how to bring the rule in."""
    root = registry(tmp_path, TITLE_ONLY)
    refused = run("lint", "--registry", root, "--select", "finance-money-decimal-string",
                  cwd=root)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert "is not among the rules .spectral.yaml runs" in refused.stderr
    assert "`extends: [ledgerpact:recommended]`" in refused.stderr
    custom = run("lint", "--registry", root, "--select", "title-capitalised", cwd=root)
    assert custom.returncode == 0 and "[title-capitalised]" in custom.stdout
    builtin = run("lint", "--registry", root, "--no-config", "--select",
                  "finance-money-decimal-string", cwd=root)
    assert builtin.returncode == 1 and "[finance-money-decimal-string]" in builtin.stdout


def test_a_file_extending_strict_satisfies_an_explicit_recommended(tmp_path: Path) -> None:
    """strict brings every recommended rule, so nothing asked for is dropped."""
    root = registry(tmp_path, "extends: [ledgerpact:strict]\n" + TITLE_ONLY)
    result = run("lint", "--registry", root, "--ruleset", "recommended", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[finance-money-decimal-string]" in result.stdout


def test_a_contract_named_twice_is_linted_once(tmp_path: Path) -> None:
    root = registry(tmp_path)
    once = json.loads(run("lint", "payables", "--format", "json", cwd=root).stdout)
    twice = json.loads(run("lint", "payables", DOC, "payables", "--format", "json",
                           cwd=root).stdout)
    assert twice["checked"] == ["payables"]
    assert twice["findings"] == once["findings"]
