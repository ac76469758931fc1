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
    pattern (jsonschema-rs, the engine's validator, accepts ``(?i)``, so the contract loads)."""
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
