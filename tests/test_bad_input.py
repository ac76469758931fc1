"""Hostile and broken input: one clear line, exit 2, no traceback, nothing fetched or written.

Each case is a real file under tests/fixtures/bad-input/, placed as a contract in a real Git
registry in a temp dir and run through the installed ``ledgerpact`` command.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "bad-input"

# case -> words the one-line message must contain (what is wrong)
CASES = {
    "ref-loop": "$ref loop",
    "ref-url": "URL is refused",
    "ref-escape": "escapes the registry root",
    "alias-bomb": "alias bomb",
    "recursive-alias": "recursive YAML alias",
    "missing-file": "missing file",
    "missing-pointer": "does not exist",
    "invalid-yaml": "invalid YAML",
    "invalid-json": "invalid JSON",
    "deep-json": "nested",
    "deep-yaml": "nested",
}


def _registry_with(case: str, tmp_path: Path) -> tuple[Path, str]:
    root = init_repo(tmp_path / "registry")
    folder = root / "contracts" / "bad"
    shutil.copytree(FIXTURES / case, folder)
    document = next(p.name for p in sorted(folder.iterdir()) if p.stem == "openapi")
    write_metadata(folder, "bad", "openapi", document)
    commit_all(root, f"bad input: {case}")
    return root, f"contracts/bad/{document}"


def test_every_fixture_is_a_case() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("command", ["validate", "bundle", "lint"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_line_and_exit_2(case: str, command: str, tmp_path: Path) -> None:
    root, document = _registry_with(case, tmp_path)
    out = tmp_path / "bundle.json"
    args = (["lint"] if command == "lint" else ["registry", command]) + [
        "bad", "--registry", root]
    if command == "bundle":
        args += ["-o", out, "--format", "json"]
    started = time.monotonic()
    result = run(*args)
    elapsed = time.monotonic() - started

    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    message = errors[0]
    assert "Traceback" not in result.stderr
    assert CASES[case] in message, message
    # names the file (the contract, or the file its $ref led to) and a location
    assert "contracts/bad/" in message, message
    assert ":" in message.split("contracts/bad/", 1)[1], message
    # nothing written: no output file, the repository untouched
    assert not out.exists()
    assert git(root, "status", "--porcelain") == ""
    assert elapsed < 30, f"took {elapsed:.1f}s: hostile input must be refused, not chewed on"
    assert document  # the case's document really is in the registry


def test_bad_input_by_path_also_exit_2(tmp_path: Path) -> None:
    """The same guards hold for a file given by path, outside any registry."""
    folder = tmp_path / "standalone"
    shutil.copytree(FIXTURES / "ref-escape", folder)
    result = run("registry", "validate", folder / "openapi.yaml")
    assert result.returncode == 2
    assert "escapes the registry root" in result.stderr
    assert "Traceback" not in result.stderr


def test_located_by_line_and_pointer(tmp_path: Path) -> None:
    root, _ = _registry_with("ref-url", tmp_path)
    result = run("registry", "validate", "bad", "--registry", root)
    # the $ref sits on line 7 of the fixture, at /components/schemas/Remote/$ref
    assert "contracts/bad/openapi.yaml:7: at /components/schemas/Remote/$ref" in result.stderr


LEGAL_RECURSION = """\
openapi: 3.1.0
info: {title: Tree, version: 1.0.0}
paths:
  /nodes:
    get:
      operationId: listNodes
      responses:
        "200":
          description: a tree
          content:
            application/json:
              schema: {$ref: 'tree.schema.json'}
              example: {name: root, children: [{name: leaf, children: []}]}
"""

TREE_SCHEMA = """\
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Node",
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string"},
    "children": {"type": "array", "items": {"$ref": "#"}}
  }
}
"""


def test_legal_recursive_schema_works(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "registry")
    folder = root / "contracts" / "tree"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(LEGAL_RECURSION)
    (folder / "tree.schema.json").write_text(TREE_SCHEMA)
    write_metadata(folder, "tree", "openapi", "openapi.yaml")
    commit_all(root, "tree")

    assert run("registry", "validate", "tree", "--registry", root).returncode == 0
    linted = run("lint", "tree", "--registry", root, "--format", "json")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    result = run("registry", "bundle", "tree", "--registry", root, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"$ref": "#/components/schemas/Node"' in result.stdout
    assert "tree.schema.json" not in result.stdout


def test_symlink_out_of_the_registry_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "outside.schema.json"
    secret.write_text('{"type": "string", "description": "outside the registry"}')
    root = init_repo(tmp_path / "registry")
    folder = root / "contracts" / "leak"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: Leak, version: 1.0.0}\npaths: {}\n"
        "components:\n  schemas:\n    Leak: {$ref: 'inside.schema.json'}\n")
    (folder / "inside.schema.json").symlink_to(secret)
    write_metadata(folder, "leak", "openapi", "openapi.yaml")
    result = run("registry", "bundle", "leak", "--registry", root)
    assert result.returncode == 2
    assert "symlink that leaves the registry root" in result.stderr
    assert "outside the registry" not in result.stdout
