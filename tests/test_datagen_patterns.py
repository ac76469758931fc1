"""The simulators' data generator reads contract patterns as ECMA-262, within bounds.

JSON Schema's ``pattern`` is JavaScript's: the generator must keep only strings JavaScript
would accept (``\\d`` is ASCII, ``$`` is the very end), must read constructs Python's ``re``
refuses (``[^]``, ``\\cJ``), must never backtrack for ever on a hostile pattern, and must
say so, naming the pattern, when it cannot evaluate one (it never returns a string nobody
could check). The hostile cases would hang for minutes under Python's ``re``; a generous
process-time guard keeps a regression from hanging the suite quietly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators.app import SimulatorApp
from ledgerpact.generators.simulators.datagen import (
    PatternNotEvaluated,
    generate,
    generate_string_for_pattern,
    is_valid,
)
from ledgerpact.generators.simulators.server import start_in_thread
from ledgerpact.generators.simulators.spec import compile_contract
from ledgerpact.generators.simulators.store import Store
from ledgerpact.registry.schema_patterns import schema_regex

HOSTILE = "^(a|aa)+$"  # exponential backtracking on "aaa…a!", in re and in regex alike
CPU_GUARD_S = 60.0  # far above the pattern budgets (seconds), far below Python re's hours


def _document(schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "patterns", "version": "1"}, "paths": {},
            "components": {"schemas": schemas}}


def _js_matches(pattern: str, value: str) -> bool:
    compiled = schema_regex(pattern)
    assert compiled is not None, pattern
    return compiled.search(value)


@pytest.fixture
def cpu_guard() -> Iterator[None]:
    started = time.process_time()
    yield
    assert time.process_time() - started < CPU_GUARD_S


# -- hostile patterns: a bounded outcome, never a hang ----------------------------------------

def test_a_hostile_check_on_a_near_miss_stops_and_names_the_pattern(cpu_guard: None) -> None:
    # Every candidate is "a"*40 + "!": the hostile pattern cannot be decided on it in time.
    schema = {"type": "string", "allOf": [{"pattern": "^a{40}!$"}, {"pattern": HOSTILE}]}
    with pytest.raises(PatternNotEvaluated) as stopped:
        generate(schema, _document({"S": schema}), random.Random(1))
    assert stopped.value.pattern == HOSTILE
    assert "catastrophic backtracking" in stopped.value.reason


def test_a_hostile_pattern_still_yields_the_value_it_can_prove(cpu_guard: None) -> None:
    # Candidates alternate between "a"*40 (decided at once) and "a"*40 + "b" (hostile).
    schema = {"type": "string", "allOf": [{"pattern": "^a{40}b?$"}, {"pattern": HOSTILE}]}
    document = _document({"S": schema})
    values = {generate(schema, document, random.Random(seed)) for seed in range(6)}
    assert values == {"a" * 40}


def test_a_member_name_a_hostile_pattern_cannot_decide_is_left_out(cpu_guard: None) -> None:
    name = "a" * 40 + "!"
    schema = {"allOf": [
        {"type": "object", "properties": {name: {"type": "string"}, "id": {"type": "string"}},
         "required": ["id"]},
        {"type": "object", "properties": {"id": {}}, "additionalProperties": False,
         "patternProperties": {HOSTILE: {"type": "string"}}}]}
    document = _document({"S": schema})
    for seed in range(6):
        value = generate(schema, document, random.Random(seed))
        assert set(value) == {"id"}
        assert is_valid(schema, document, value)


# -- JavaScript's reading, not Python's ----------------------------------------------------

def test_dollar_is_the_end_of_the_text_not_before_a_final_newline() -> None:
    # Python's re.search("^[a-z]{3}$", "abc\n") matches; JavaScript's does not.
    schema = {"type": "string", "allOf": [{"pattern": "^[a-z]{3}\\n*$"},
                                          {"pattern": "^[a-z]{3}$"}]}
    document = _document({"S": schema})
    values = [generate(schema, document, random.Random(seed)) for seed in range(40)]
    assert all(len(v) == 3 and _js_matches("^[a-z]{3}$", v) for v in values), values


def test_backslash_d_is_ascii_digits_only() -> None:
    # Python's \d takes ARABIC-INDIC digits (U+0660..U+0669); JavaScript's takes 0-9 only.
    schema = {"type": "string", "allOf": [{"pattern": "^[0-9\u0660-\u0669]{3}$"},
                                          {"pattern": "^\\d{3}$"}]}
    document = _document({"S": schema})
    values = [generate(schema, document, random.Random(seed)) for seed in range(40)]
    assert all(v.isascii() and v.isdigit() and len(v) == 3 for v in values), values


@pytest.mark.parametrize(("pattern", "check"), [
    ("^[^]{3}$", lambda s: len(s) == 3),  # [^]: any character (Python: unterminated set)
    ("^a\\cJb$", lambda s: s == "a\nb"),  # \cJ: control-J, a line feed (Python: bad escape)
    ("^(?<q>[\"'])[a-z]{2}\\k<q>$", lambda s: s[0] == s[-1] and len(s) == 4),
])
def test_javascript_only_constructs_are_generated(pattern: str, check: Any) -> None:
    for seed in range(10):
        s = generate_string_for_pattern(pattern, random.Random(seed))
        assert s is not None and _js_matches(pattern, s) and check(s), (pattern, s)


# -- a pattern JavaScript refuses, or too large to run: the defined outcome ----------------

@pytest.mark.parametrize(("pattern", "reason"), [
    ("(?i)^ab$", "invalid group"),  # Python's inline flag: JavaScript refuses it
    ("^x{2000000}$", "more than the 100000"),  # regex would need gigabytes
])
def test_an_unusable_pattern_is_named_not_ignored(pattern: str, reason: str) -> None:
    schema = {"type": "string", "pattern": pattern}
    with pytest.raises(PatternNotEvaluated) as refused:
        generate(schema, _document({"S": schema}), random.Random(0))
    assert refused.value.pattern == pattern
    assert reason in refused.value.reason
    with pytest.raises(PatternNotEvaluated):
        generate_string_for_pattern(pattern, random.Random(0))


def test_the_simulator_answers_an_unusable_pattern_with_a_problem() -> None:
    """Over HTTP: the generic responder's answer is the simulator's problem+json naming the
    pattern (the engine's validator reports an unusable pattern at each value it should
    check, as the registry's checks do, so the contract loads)."""
    document = {
        "openapi": "3.1.0", "info": {"title": "codes", "version": "1"},
        "paths": {"/codes": {"get": {"operationId": "listCodes", "responses": {"200": {
            "description": "ok", "content": {"application/json": {"schema": {
                "type": "string", "pattern": "(?i)^ab$"}}}}}}}}}
    app = SimulatorApp(compile_contract(document, contract_id="codes"), Store.open(None))
    app.reset(1)
    running = start_in_thread(app)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{running.port}", timeout=30) as client:
            answer = client.get("/codes")
            journal = client.get("/__admin/journal").json()
    finally:
        running.stop()
        app.store.close()
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    detail = answer.json()["detail"]
    assert "PatternNotEvaluated" in detail and '"(?i)^ab$"' in detail, detail
    assert [item["status"] for item in journal["items"]] == [500]


# -- length bounds the pattern leaves room for are met -------------------------------------

@pytest.mark.parametrize(("pattern", "min_length", "max_length"), [
    ("[0-9]", 3, 3),  # matched anywhere: the open ends take the extra characters
    ("^[A-Z]", 10, None),  # open at the end only
    ("[a-f]$", 6, 8),  # open at the start only
    ("^(a|a)*b$", 40, None),  # a loop stretched past its usual few turns
    ("^x(yz)+$", 30, 31),
])
def test_lengths_the_pattern_allows_are_met(pattern: str, min_length: int,
                                            max_length: int | None) -> None:
    schema = {"type": "string", "pattern": pattern, "minLength": min_length}
    if max_length is not None:
        schema["maxLength"] = max_length
    document = _document({"S": schema})
    for seed in range(12):
        value = generate(schema, document, random.Random(seed))
        assert isinstance(value, str) and _js_matches(pattern, value), (pattern, value)
        assert min_length <= len(value) <= (max_length or len(value)), (pattern, value)
        assert is_valid(schema, document, value)


# -- the simulator's validator reads patterns as the generator and the registry do --------

def _serve(paths: dict[str, Any]) -> tuple[dict[str, httpx.Response], dict[str, Any]]:
    """Each path's answer from a real simulator over HTTP, and its violations journal."""
    document = {"openapi": "3.1.0", "info": {"title": "ecma", "version": "1"},
                "paths": {path: {"get": {"operationId": f"get{i}", "responses": {"200": {
                    "description": "ok", "content": {"application/json": {"schema": schema}}}}}}
                    for i, (path, schema) in enumerate(paths.items())}}
    app = SimulatorApp(compile_contract(document, contract_id="ecma"), Store.open(None))
    app.reset(1)
    running = start_in_thread(app)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{running.port}", timeout=30) as client:
            answers = {path: client.get(path) for path in paths for _ in range(3)}
            journal = client.get("/__admin/journal", params={"violations": "true"}).json()
    finally:
        running.stop()
        app.store.close()
    return answers, journal


def test_the_simulator_checks_patterns_as_ecma_without_flags() -> None:
    """``\\p{Lu}`` without the u flag is the letter p (the registry's reading, and the
    generator's), and ES2018 named groups load: served values carry no violation."""
    answers, journal = _serve({
        "/upper": {"type": "string", "pattern": "^\\p{Lu}{2}$"},
        "/named": {"type": "string", "pattern": "^(?<x>ab)\\k<x>$"},
        "/digits": {"type": "string", "pattern": "[0-9]", "minLength": 3, "maxLength": 3},
    })
    assert answers["/upper"].json() == "p{Lu}}"
    assert answers["/named"].json() == "abab"
    assert len(answers["/digits"].json()) == 3
    for path, answer in answers.items():
        assert answer.status_code == 200, (path, answer.text[:200])
        assert "x-simulator-violation" not in answer.headers, (path, answer.headers)
    assert journal["items"] == []


def test_the_validator_flags_what_ecma_does_not_match() -> None:
    contract = compile_contract({
        "openapi": "3.1.0", "info": {"title": "ecma", "version": "1"},
        "paths": {"/a": {"post": {"operationId": "post", "requestBody": {"content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "upper": {"type": "string", "pattern": "^\\p{Lu}{2}$"},
                "named": {"type": "string", "pattern": "^(?<x>ab)\\k<x>$"}}}}}},
            "responses": {"204": {"description": "ok"}}}}}})
    schema = contract.operations["post"].body["application/json"].schema
    assert schema is not None
    assert schema.errors({"upper": "p{Lu}}", "named": "abab"}) == []
    assert schema.errors({"upper": "AB", "named": "abba"}) == [
        ("/upper", '"AB" does not match "^\\\\p{Lu}{2}$"'),
        ("/named", '"abba" does not match "^(?<x>ab)\\\\k<x>$"')]
