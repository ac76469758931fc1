"""Custom Spectral rules give what Spectral 6 gives, where a QA run against it found they did
not: a lodash ``field`` naming a key with a dot in it, ``{{path}}`` printed as a URI
fragment, and ``extends`` of ruleset files outside the ruleset's folder (with messages that
say what is really wrong when an entry cannot be used).

Every expected finding below is what ``spectral lint`` 6.16.3 printed for the same ruleset
and document (``tests/fixtures/spectral/compat/``); when that Spectral is installed, the last
tests also run it and compare directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run as run_cli

COMPAT = Path(__file__).parent / "fixtures" / "spectral" / "compat"
SPECTRAL = Path(os.environ.get("SPECTRAL_BIN",
                               "/tmp/lint-tools/node_modules/.bin/spectral"))
SEVERITIES = {0: "error", 1: "warn", 2: "info", 3: "hint"}

Finding = tuple[str, str, str, int, str]  # rule, pointer, severity, line, message


def _lint(config: Path, document: Path, cwd: Path | None = None
          ) -> tuple[list[Finding], subprocess.CompletedProcess[str]]:
    """``ledgerpact lint`` with only ``config``'s rules, as (rule, pointer, severity, line,
    message), sorted."""
    result = run_cli("lint", "--no-config", "--config", config, "--format", "json", document,
                     cwd=cwd)
    findings: list[Finding] = []
    if result.stdout.strip():
        findings = sorted((f["rule"], f["pointer"], f["severity"], f["line"], f["message"])
                          for f in json.loads(result.stdout)["findings"])
    return findings, result


# -- 1. a dotted field names a literal key first ---------------------------------------------

DOTKEY = [
    # _.get(obj, "a.b") is obj["a.b"] when obj has that key: 1 is truthy, no finding (before
    # the fix: '"x-literal.a.b" property must be truthy')
    # the key's value 0 is checked, but the place is toPath's a -> b: absent, so the nearest
    # existing parent, named as Spectral names a missing property
    ("dotted-key-falsy-value", "/x-missing-path", "warn", 5,
     'x-missing-path.a.b|[object Object]|#/x-missing-path|'
     '"x-missing-path.a.b" property must be truthy'),
    # the literal key's 0 is checked, but reported at a/b, with the {{value}} found there
    ("dotted-key-shadows-path", "/x-both/a/b", "warn", 6,
     'b|5|#/x-both/a/b|"b" property must be truthy'),
    ("bracket-key", "/x-bracket/a/0", "warn", 7, '0|1|#/x-bracket/a/0|"0" property must be truthy'),
    # no such literal key: the path a -> b, as before
    ("plain-path", "/x-plain/a/b", "warn", 8, 'b|7|#/x-plain/a/b|"b" property must be falsy'),
]


def test_a_dotted_field_reads_a_key_with_that_name_first() -> None:
    findings, result = _lint(COMPAT / "dotkey" / "rules.yaml", COMPAT / "dotkey" / "openapi.yaml")
    assert result.returncode == 0, result.stderr
    assert findings == sorted(DOTKEY)


# -- 2. {{path}} is a URI fragment ------------------------------------------------------------

URIPATH = {
    "/x-keys/~1Users~1{id}": "#/x-keys/~1Users~1%7Bid%7D",
    "/x-keys/a b": "#/x-keys/a%20b",
    "/x-keys/ü": "#/x-keys/%C3%BC",
    "/x-keys/😀": "#/x-keys/%F0%9F%98%80",
    "/x-keys/a~0b": "#/x-keys/a~0b",
    "/x-keys/a%b": "#/x-keys/a%25b",
    "/x-keys/q?&=#": "#/x-keys/q%3F%26%3D%23",
    "/x-keys/[]@$,;:+": "#/x-keys/%5B%5D%40%24%2C%3B%3A%2B",
    "/x-keys/!*'()-_.~0": "#/x-keys/!*'()-_.~0",
    '/x-keys/"<>\\^`|': "#/x-keys/%22%3C%3E%5C%5E%60%7C",
    "/x-keys/tab\there": "#/x-keys/tab%09here",
    "/x-keys/ZAB019": "#/x-keys/ZAB019",
    "/x-keys/x~1~0": "#/x-keys/x~1~0",
}


def test_path_in_messages_is_percent_encoded_as_spectral_prints_it() -> None:
    findings, result = _lint(COMPAT / "uripath" / "rules.yaml",
                             COMPAT / "uripath" / "openapi.yaml")
    assert result.returncode == 0, result.stderr
    by_rule: dict[str, dict[str, str]] = {}
    for rule, pointer, _severity, _line, message in findings:
        by_rule.setdefault(rule, {})[pointer] = message
    assert by_rule["every-key"] == URIPATH
    # a missing field is reported at its nearest existing parent, {{path}} included
    assert by_rule["missing-field"] == {"/x-keys/a b": "#/x-keys/a%20b"}
    assert by_rule["operation"] == {"/paths/~1users~1{id}/get": "at #/paths/~1users~1%7Bid%7D/get"}


# -- 3. extends: files anywhere, clear messages otherwise ---------------------------------------

SHARED = [
    ("shared-title", "/info/title", "error", 2, '"Shared Title" must match the pattern "^[a-z]+$"'),
    ("team-description", "/info", "warn", 2, '"info.description" property must be truthy'),
]


def test_extends_a_shared_ruleset_in_a_parent_folder() -> None:
    findings, result = _lint(COMPAT / "extends" / "team" / ".spectral.yaml",
                             COMPAT / "extends" / "openapi.yaml")
    assert result.returncode == 1, result.stderr  # the error-severity finding fails the run
    assert findings == SHARED


def test_extends_two_levels_up_and_a_cycle_through_a_parent_folder() -> None:
    findings, result = _lint(COMPAT / "extends" / "team" / "deeper" / ".spectral.yaml",
                             COMPAT / "extends" / "openapi.yaml")
    assert result.returncode == 1, result.stderr
    assert findings == SHARED


def test_extends_by_absolute_path(tmp_path: Path) -> None:
    config = tmp_path / ".spectral.yaml"
    config.write_text(f'extends: ["{(COMPAT / "extends" / "shared.yaml").resolve()}"]\n')
    findings, result = _lint(config, COMPAT / "extends" / "openapi.yaml")
    assert result.returncode == 1, result.stderr
    assert findings == SHARED[:1]


def _refused(tmp_path: Path, entry: str) -> str:
    """The one-line error ``lint`` gives for a ruleset extending ``entry``."""
    team = tmp_path / "repo" / "team"
    team.mkdir(parents=True, exist_ok=True)
    config = team / ".spectral.yaml"
    config.write_text(f'extends: ["{entry}"]\nrules: {{}}\n')
    result = run_cli("lint", "--no-config", "--config", config, COMPAT / "extends" / "openapi.yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_extending_a_file_that_is_not_a_ruleset_says_so(tmp_path: Path) -> None:
    hostname = tmp_path / "hostname"
    hostname.write_text("build-host-1\n")  # what /etc/hostname holds
    message = _refused(tmp_path, str(hostname))
    assert message.startswith(f"error: {hostname}:1: ")
    assert "not a Spectral ruleset (extended by " in message
    assert "npm" not in message


def test_extending_a_missing_file_names_the_path(tmp_path: Path) -> None:
    message = _refused(tmp_path, "../../nowhere/passwd")
    assert f"file not found ({(tmp_path / 'nowhere' / 'passwd').resolve()})" in message
    assert "npm" not in message and "leaves" not in message
    missing = _refused(tmp_path, str(tmp_path / "absent.yaml"))
    assert f"file not found ({(tmp_path / 'absent.yaml').resolve()})" in missing


def test_a_folder_is_not_a_ruleset(tmp_path: Path) -> None:
    message = _refused(tmp_path, "..")
    assert f"{(tmp_path / 'repo').resolve()} is not a file" in message


def test_packages_and_urls_are_still_refused(tmp_path: Path) -> None:
    package = _refused(tmp_path, "@acme/spectral-rules")
    assert "npm packages are not supported" in package
    assert "no such file" in package
    url = _refused(tmp_path, "https://example.com/ruleset.yaml")
    assert "URLs are refused, nothing is fetched" in url


# -- 4. values from a YAML merge key --------------------------------------------------------------

MERGED = [
    # own keys win over merged ones, the first merged mapping over later ones (YAML's rules)
    ("merged", "/components/schemas/D/description", "warn", 8, "description=from a"),
    ("merged", "/components/schemas/D/format", "warn", 12, "format=fb"),
    ("merged", "/components/schemas/D/title", "warn", 15, "title=own"),
    ("merged", "/components/schemas/D/type", "warn", 7, "type=object"),
]


def test_a_merged_value_is_placed_where_it_is_written() -> None:
    findings, result = _lint(COMPAT / "merge" / "rules.yaml", COMPAT / "merge" / "openapi.yaml")
    assert result.returncode == 0, result.stderr
    assert findings == MERGED


# -- against the real Spectral, when it is installed --------------------------------------------

def _spectral(config: Path, document: Path) -> list[Finding]:
    proc = subprocess.run([str(SPECTRAL), "lint", "-r", str(config), "-f", "json", "--quiet",
                           str(document)], capture_output=True, text=True, timeout=300,
                          check=False)
    results: list[dict[str, Any]] = json.loads(proc.stdout or "[]")

    def pointer(path: list[Any]) -> str:
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)

    return sorted((r["code"], pointer(r["path"]), SEVERITIES[r["severity"]],
                   r["range"]["start"]["line"] + 1, r["message"]) for r in results)


@pytest.mark.skipif(not SPECTRAL.exists() or shutil.which("node") is None,
                    reason="Spectral is not installed")
@pytest.mark.parametrize(("config", "document"), [
    ("dotkey/rules.yaml", "dotkey/openapi.yaml"),
    ("uripath/rules.yaml", "uripath/openapi.yaml"),
    ("extends/team/.spectral.yaml", "extends/openapi.yaml"),
    ("extends/team/deeper/.spectral.yaml", "extends/openapi.yaml"),
])
def test_the_same_findings_as_spectral(config: str, document: str) -> None:
    ours, _ = _lint(COMPAT / config, COMPAT / document)
    assert ours == _spectral(COMPAT / config, COMPAT / document)
