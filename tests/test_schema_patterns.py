"""A contract's own ``pattern``s are evaluated within bounds wherever examples are checked.

Python's ``re`` (what jsonschema uses) backtracks for hours on ``^(a|aa)+$`` against forty
``a``s and a ``!``; a contract carrying that pattern and that example hung ``registry
validate`` and ``lint`` for good. These run the real command on a real registry, and compare
the bounded keywords with jsonschema's own on ordinary input (same verdicts, same words).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from ledgerpact.registry.schema_patterns import bounded
from tests.cli_helpers import commit_all, init_repo, run, write_metadata

HOSTILE = "a" * 40 + "!"


def _contract(pattern: str, example: str, *, key_pattern: bool = False) -> str:
    schema = (f"{{type: object, patternProperties: {{'{pattern}': {{type: string}}}}, "
              "additionalProperties: false}" if key_pattern
              else f"{{type: object, properties: {{code: {{type: string, "
                   f"pattern: '{pattern}'}}}}}}")
    value = f"{{'{example}': x}}" if key_pattern else f"{{code: '{example}'}}"
    return f"""\
openapi: 3.1.0
info: {{title: Codes, version: 1.0.0}}
paths:
  /codes:
    get:
      operationId: getCodes
      responses:
        "200":
          description: the code
          content:
            application/json:
              schema: {schema}
              example: {value}
"""


def _registry(tmp_path: Path, document: str) -> Path:
    root = init_repo(tmp_path / "registry")
    folder = root / "contracts" / "codes"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(document)
    write_metadata(folder, "codes", "openapi", "openapi.yaml")
    commit_all(root, "codes")
    return root


@pytest.mark.parametrize("key_pattern", [False, True], ids=["value", "property-name"])
@pytest.mark.parametrize("command", [("registry", "validate"), ("lint",)])
def test_a_backtracking_pattern_is_reported_not_hung_on(
        tmp_path: Path, command: tuple[str, ...], key_pattern: bool) -> None:
    root = _registry(tmp_path, _contract("^(a|aa)+$", HOSTILE, key_pattern=key_pattern))
    started = time.monotonic()
    result = run(*command, "codes", "--registry", root, timeout=60)
    elapsed = time.monotonic() - started
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert result.returncode == 1, out  # a finding, not a pass and not an input error
    assert "could not be evaluated within" in out and "^(a|aa)+$" in out, out
    assert elapsed < 30, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("command", [("registry", "validate"), ("lint",)])
def test_a_pattern_too_large_to_compile_is_reported(tmp_path: Path,
                                                    command: tuple[str, ...]) -> None:
    """``regex`` expands a repetition's minimum: twenty characters of pattern took
    gigabytes (MemoryError or the OOM killer) before this was refused."""
    root = _registry(tmp_path, _contract("^x{20000000}$", "xyz"))
    result = run(*command, "codes", "--registry", root, timeout=60)
    out = result.stdout + result.stderr
    assert "Traceback" not in out and "MemoryError" not in out
    assert result.returncode == 1, out
    assert "cannot be evaluated" in out and "more than the 100000" in out, out


def test_ordinary_patterns_still_decide_examples(tmp_path: Path) -> None:
    root = _registry(tmp_path, _contract("^[A-Z]{2}[0-9]{3}$", "AB123"))
    assert run("registry", "validate", "codes", "--registry", root).returncode == 0
    root = _registry(tmp_path / "bad", _contract("^[A-Z]{2}[0-9]{3}$", "AB12"))
    result = run("registry", "validate", "codes", "--registry", root)
    assert result.returncode == 1
    assert "'AB12' does not match '^[A-Z]{2}[0-9]{3}$'" in result.stdout + result.stderr


SCHEMAS: list[dict[str, Any]] = [
    {"type": "string", "pattern": "^[a-z]+-[0-9]{2}$"},
    {"type": "object", "properties": {"a": {}}, "additionalProperties": False},
    {"type": "object", "properties": {"a": {}}, "patternProperties": {"^x-": {}},
     "additionalProperties": False},
    {"type": "object", "patternProperties": {"^x-": {"type": "integer"}}},
    {"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "string"}},
    {"type": "object", "properties": {"a": {}}, "unevaluatedProperties": False},
    {"type": "object", "allOf": [{"patternProperties": {"^n": {}}}],
     "unevaluatedProperties": {"type": "integer"}},
]
INSTANCES: list[Any] = [
    "abc-12", "abc-123", "ABC-12", 5,
    {"a": 1}, {"a": 1, "b": 2}, {"b": 2, "c": 3}, {"x-y": 1}, {"x-y": "s", "zz": 1},
    {"a": 1, "b": "s"}, {"n1": "s", "q": 1}, {"n1": 1, "q": "s", "r": "t"},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
def test_bounded_keywords_agree_with_jsonschema_on_ordinary_input(schema: dict[str, Any]
                                                                  ) -> None:
    ours = bounded(Draft202012Validator)(schema)
    theirs = Draft202012Validator(schema)
    for instance in INSTANCES:
        mine = sorted((e.message, list(e.absolute_path)) for e in ours.iter_errors(instance))
        them = sorted((e.message, list(e.absolute_path)) for e in theirs.iter_errors(instance))
        assert mine == them, (schema, instance)


DEFAULT_ONLY = """\
openapi: {version}
info: {{title: Codes, version: 1.0.0}}
paths:
  /codes:
    get:
      operationId: getCodes
      parameters:
        - name: q
          in: query
          schema: {{type: string, pattern: '^(a|aa)+$', default: '{hostile}'}}
      responses: {{"200": {{description: ok}}}}
"""


@pytest.mark.parametrize("version", ["3.1.0", "3.0.3"])
def test_a_backtracking_default_is_reported_by_structure_validation(tmp_path: Path,
                                                                   version: str) -> None:
    """openapi-spec-validator checks each schema's `default` with Python's re: a hostile
    default hung `registry validate` (and `check`) until its value validators were bounded."""
    root = _registry(tmp_path, DEFAULT_ONLY.format(version=version, hostile=HOSTILE))
    started = time.monotonic()
    result = run("registry", "validate", "codes", "--registry", root, timeout=60)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "/schema/default" in out and "could not be evaluated within" in out, out
    assert time.monotonic() - started < 30
