"""Generated data stays bounded whatever sizes a contract demands.

A response schema asking for a two-billion-character string or a billion items used to hold
the simulator's one event loop for good (and building the string joined every word again
for each word added). The generator now asks for at most ``_MAX_SIZES`` characters, items or
members; what falls short of the contract's minimum is served anyway and reported as the
simulator's own violation, like any other schema the generator cannot satisfy."""

from __future__ import annotations

import random
import time
from typing import Any

import httpx

from ledgerpact.generators.simulators import datagen
from ledgerpact.generators.simulators.app import SimulatorApp
from ledgerpact.generators.simulators.server import start_in_thread
from ledgerpact.generators.simulators.spec import compile_contract
from ledgerpact.generators.simulators.store import Store

CPU_GUARD_S = 20.0  # far above what a bounded value costs, far below the unbounded hang

HUGE = {
    "string": {"type": "string", "minLength": 2_000_000_000},
    "array": {"type": "array", "minItems": 1_000_000_000,
              "items": {"type": "string", "minLength": 100_000_000}},
    "object": {"type": "object", "minProperties": 1_000_000_000,
               "additionalProperties": {"type": "integer"}},
}


def _generate(schema: dict[str, Any]) -> Any:
    document = {"openapi": "3.1.0", "info": {"title": "sizes", "version": "1"}, "paths": {},
                "components": {"schemas": {"Huge": schema}}}
    return datagen.generate({"$ref": "#/components/schemas/Huge"}, document, random.Random(1))


def test_huge_minimums_give_bounded_values_quickly() -> None:
    started = time.process_time()
    text = _generate(HUGE["string"])
    items = _generate(HUGE["array"])
    members = _generate(HUGE["object"])
    assert time.process_time() - started < CPU_GUARD_S
    # cut at the cap, never a word past it
    chars, count = datagen._MAX_SIZES["minLength"], datagen._MAX_SIZES["minItems"]
    assert isinstance(text, str) and len(text) == chars
    assert isinstance(items, list) and len(items) == count
    assert all(len(item) == chars for item in items)
    assert isinstance(members, dict) and len(members) <= datagen._MAX_SIZES["minProperties"]


def test_a_long_plain_string_is_built_in_linear_time() -> None:
    """Within the bound, a long minimum is still met exactly as the contract asks."""
    started = time.process_time()
    text = _generate({"type": "string", "minLength": 4000, "maxLength": 4000})
    assert len(text) == 4000
    assert time.process_time() - started < CPU_GUARD_S


def test_the_simulator_answers_at_once_and_reports_its_own_violation() -> None:
    """Over HTTP: the oversized demands are answered (not hung on), flagged in the header and
    the journal as the simulator's violation; other requests are served meanwhile."""
    paths = {f"/{name}": {"get": {"operationId": f"get_{name}", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": schema}}}}}}
        for name, schema in HUGE.items()}
    document = {"openapi": "3.1.0", "info": {"title": "sizes", "version": "1"}, "paths": paths}
    app = SimulatorApp(compile_contract(document, contract_id="sizes"), Store.open(None))
    app.reset(1)
    running = start_in_thread(app)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{running.port}", timeout=30) as client:
            answers = {name: client.get(f"/{name}") for name in HUGE}
            journal = client.get("/__admin/journal", params={"violations": "true"}).json()
    finally:
        running.stop()
        app.store.close()
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.text[:200])
        assert "x-simulator-violation" in answer.headers, name
    assert len(journal["items"]) == len(HUGE)
