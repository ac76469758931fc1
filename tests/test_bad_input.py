"""Hostile and broken input: one clear line, exit 2, no traceback, nothing fetched or written.

Each case is a real file under tests/fixtures/bad-input/, placed as a contract in a real Git
registry in a temp dir and run through the installed ``ledgerpact`` command.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "bad-input"
REPO = Path(__file__).resolve().parents[1]

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
    # libyaml's composer recurses in C: these crashed the interpreter (exit 139)
    "deep-yaml-dashes": "nested deeper than 256 levels",
    "deep-yaml-flow": "nested deeper than 256 levels",
    # 453 bytes that expanded to 3.3 million nodes (a 124 MB bundle)
    "alias-fanout": "alias bomb",
    "empty-document": "empty document",
    "json-nan": "not finite",
    "json-overflow": "not finite",
    "duplicate-key": "duplicate key 'Amount'",
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


def _money_registry(tmp_path: Path, **meta: object) -> Path:
    """A one-contract registry (the repository's own Money schema), metadata overridable."""
    root = init_repo(tmp_path / "registry")
    folder = root / "contracts" / "schemas" / "money"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "contracts" / "schemas" / "money" / "money.schema.json", folder)
    write_metadata(folder, "money", "json-schema", "money.schema.json", version="1.0.0")
    data = yaml.safe_load((folder / "contract.yaml").read_text())
    data.update(meta)
    (folder / "contract.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    commit_all(root, "money")
    return root


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    stderr = result.stderr
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_bundle_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    root = _money_registry(tmp_path)
    a_file = tmp_path / "afile"
    a_file.write_text("not a directory")
    for target, reason in [(Path("/proc/x.json"), "No such file or directory"),
                           (a_file / "x.json", f"{a_file} is a file, not a directory"),
                           (a_file / "deeper" / "x.json", f"{a_file} is a file, not a directory")]:
        message = _one_error_line(run("registry", "bundle", "money", "--registry", root,
                                      "-o", target))
        assert str(target) in message and reason in message, message
    assert a_file.read_text() == "not a directory"


def test_get_out_below_a_file_is_one_line(tmp_path: Path) -> None:
    root = _money_registry(tmp_path)
    git(root, "tag", "money/v1.0.0")
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    message = _one_error_line(run("registry", "get", "money@1.0.0", "--registry", root,
                                  "--out", a_file / "snapshot"))
    assert f"{a_file} is a file, not a directory" in message, message


def test_ubl_read_without_the_invoice_schema_names_it(corpora: Path, tmp_path: Path) -> None:
    root = _money_registry(tmp_path)  # canonical Money only: no Invoice schema
    message = _one_error_line(run("ubl", "read", corpora / "en16931-ubl" /
                                  "ubl-tc434-example1.xml", "--registry", root))
    assert "schemas/invoice/invoice.schema.json" in message, message


@pytest.mark.parametrize(("field", "value", "pointer"), [
    ("owners", [""], "/owners/0"),
    ("owners", ["@team/finance", "  "], "/owners/1"),
    ("title", "   ", "/title"),
    ("consumers", ["erp-finance", ""], "/consumers/1"),
])
def test_blank_metadata_is_refused(field: str, value: object, pointer: str,
                                   tmp_path: Path) -> None:
    root = _money_registry(tmp_path, **{field: value})
    message = _one_error_line(run("registry", "list", "--registry", root))
    assert "contract.yaml" in message and f"at {pointer}: must not be blank" in message, message
