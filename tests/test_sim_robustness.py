"""The simulator engine against hostile and off-contract requests, over real HTTP.

Nothing a client sends may crash the pipeline into uvicorn's plain-text 500: input the
validator cannot even report on (lone surrogates, deep nesting) is a 400 problem at its
pointer, an exception anywhere else a journaled problem+json 500. Violations inside a
oneOf are reported at their own pointers, oversized bodies are checked and journaled, and
a fault plan's ``retry_after_s: 0`` reaches the client as ``Retry-After: 0``.

The erp and invoice-automation simulators are built as the CLI builds them (in memory) and
served by uvicorn in a thread on an ephemeral 127.0.0.1 port; a small fixture contract
(gadgets) covers what the finance contracts cannot show.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators.app import SimulatorApp
from ledgerpact.generators.simulators.messages import Context, SimRequest, SimResponse
from ledgerpact.generators.simulators.server import build, start_in_thread
from ledgerpact.generators.simulators.spec import compile_contract
from ledgerpact.generators.simulators.store import Store

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer robustness"}  # presence only: any token does
# A JSON string escape the stdlib reads and no UTF-8 encoder writes.
LONE_SURROGATE = b'{"number":"\\ud800"}'
PROBLEM = "application/problem+json"


def deep(levels: int) -> bytes:
    """An invoice number that is an array nested ``levels`` deep (~2 bytes a level)."""
    return b'{"number":' + b"[" * levels + b"]" * levels + b"}"


# -- the finance simulators, as `ledgerpact simulate` builds them ------------------------------

class Served:
    def __init__(self, app: SimulatorApp, client: httpx.Client) -> None:
        self.app = app
        self.client = client

    def journal(self, **params: Any) -> list[dict[str, Any]]:
        r = self.client.get("/__admin/journal", params={"limit": 500, **params})
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


def _serve(target: str) -> Iterator[Served]:
    sim = build(target, registry=REPO, in_memory=True, events=[])
    running = start_in_thread(sim.app)
    with httpx.Client(base_url=running.url, timeout=30, headers=AUTH) as client:
        yield Served(sim.app, client)
    running.stop()
    sim.app.store.close()


@pytest.fixture(scope="module")
def erp() -> Iterator[Served]:
    yield from _serve("erp")


@pytest.fixture(scope="module")
def invoice_automation() -> Iterator[Served]:
    yield from _serve("invoice-automation")


@pytest.fixture
def sample_invoice(erp: Served) -> Callable[[], dict[str, Any]]:
    """A fresh clean invoice from the erp simulator's own seeded data, for each mutation."""
    def make() -> dict[str, Any]:
        r = erp.client.post("/__admin/actions/sample-invoice", json={})
        assert r.status_code == 200, r.text
        invoice: dict[str, Any] = json.loads(r.content, parse_float=Decimal)
        return invoice
    return make


def _validate(erp: Served, body: bytes) -> httpx.Response:
    return erp.client.post("/invoice-validations", content=body,
                           headers={"Content-Type": "application/json"})


def _assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    problem: dict[str, Any] = r.json()
    assert problem["status"] == status
    return problem


def _no_status_less_entries(served: Served) -> None:
    """uvicorn's own 500 left entries without a status: every answer must be journaled."""
    assert [e for e in served.journal() if e["status"] is None] == []


# -- defect 1: hostile but parseable input is a 400, never an ASGI exception -----------------

def test_lone_surrogate_is_a_400_at_its_pointer(erp: Served) -> None:
    problem = _assert_problem(_validate(erp, LONE_SURROGATE), 400)
    first = problem["violations"][0]
    assert first == {"location": "body", "pointer": "/number",
                     "message": first["message"]} and "surrogate" in first["message"]
    # the rest of the body is still checked: the invoice's required members are missing
    assert any("required property" in v["message"] for v in problem["violations"])
    entry = erp.journal(status=400)[-1]
    assert entry["path"] == "/invoice-validations" and entry["requestViolations"]
    _no_status_less_entries(erp)


def test_lone_surrogate_in_a_schema_valid_place_is_refused(erp: Served,
                                                           sample_invoice: Callable[[], dict]
                                                           ) -> None:
    """A body valid but for its text: refused rather than handed to the behaviour."""
    invoice = sample_invoice()
    raw = json.dumps(invoice, default=str).replace('"number": "', '"number": "\\udc00', 1)
    problem = _assert_problem(_validate(erp, raw.encode()), 400)
    assert [v["pointer"] for v in problem["violations"]] == ["/number"]


def test_lone_surrogate_with_an_idempotency_key(invoice_automation: Served) -> None:
    r = invoice_automation.client.post(
        "/invoices", content=LONE_SURROGATE,
        headers={"Content-Type": "application/json",
                 "Idempotency-Key": "robustness-surrogate-0001"})
    problem = _assert_problem(r, 400)
    assert problem["violations"][0]["pointer"] == "/number"
    _no_status_less_entries(invoice_automation)


def test_nesting_beyond_the_validator_is_a_400_at_its_pointer(erp: Served) -> None:
    problem = _assert_problem(_validate(erp, deep(260)), 400)
    pointers = [v["pointer"] for v in problem["violations"]]
    # reported where the nesting outgrows the validator (some 250 levels in)
    assert pointers[0].startswith("/number/0/0/") and set(pointers[0][8:].split("/")) == {"0"}
    assert 200 < pointers[0].count("/") < 260
    assert "nested deeper" in problem["violations"][0]["message"]
    assert "" in pointers  # the invoice's own violations are listed too
    _no_status_less_entries(erp)


def test_nesting_the_validator_handles_is_reported_as_before(erp: Served) -> None:
    problem = _assert_problem(_validate(erp, deep(250)), 400)
    assert not any("nested deeper" in v["message"] for v in problem["violations"])
    number = [v for v in problem["violations"] if v["pointer"] == "/number"]
    assert number and len(number[0]["message"]) < 200  # the instance is not quoted whole


# -- defect 1: an exception outside the behaviour is a journaled problem+json 500 -------------

PROBLEM_REF = {"$ref": "#/components/responses/Problem"}
GADGETS: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Gadgets", "version": "1.0.0"},
    "paths": {
        "/gadgets": {"post": {
            "operationId": "createGadget",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Gadget"}}}},
            "responses": {"201": {"description": "Created"}, "400": PROBLEM_REF,
                          "500": PROBLEM_REF}}},
        "/gadgets/{gadgetId}": {"get": {
            "operationId": "getGadget",
            "parameters": [{"name": "gadgetId", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "One"}, "404": PROBLEM_REF,
                          "429": PROBLEM_REF, "503": PROBLEM_REF}}},
        "/tagged": {"post": {
            "operationId": "createTagged",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Tagged"}}}},
            "responses": {"201": {"description": "Created"}, "400": PROBLEM_REF}}},
    },
    "components": {
        "schemas": {
            # Only the OpenAPI discriminator tells the alternatives apart (kind is a plain
            # string in both), so fewest errors would pick the wrong one.
            "Gadget": {"oneOf": [{"$ref": "#/components/schemas/Clock"},
                                 {"$ref": "#/components/schemas/Lamp"},
                                 {"type": "null"}],
                       "discriminator": {"propertyName": "kind",
                                         "mapping": {"clock": "#/components/schemas/Clock",
                                                     "lamp": "#/components/schemas/Lamp"}}},
            "Clock": {"type": "object", "required": ["kind", "hands"],
                      "additionalProperties": False,
                      "properties": {"kind": {"type": "string"},
                                     "hands": {"type": "integer", "maximum": 3},
                                     "label": {"type": "string"}}},
            "Lamp": {"type": "object", "required": ["kind", "watts"],
                     "additionalProperties": False,
                     "properties": {"kind": {"type": "string"},
                                    "watts": {"type": "integer"},
                                    "label": {"type": "string"}}},
            # Tagged by an enum each: the alternative whose tag matches is the one meant.
            "Tagged": {"oneOf": [
                {"type": "object", "required": ["kind", "a"],
                 "properties": {"kind": {"enum": ["first"]}, "a": {"type": "string"}}},
                {"type": "object", "required": ["kind", "b"],
                 "properties": {"kind": {"enum": ["second"]}, "b": {"type": "string"}}}]},
            "Problem": {"type": "object", "required": ["type", "title", "status"],
                        "properties": {"type": {"type": "string"},
                                       "title": {"type": "string"},
                                       "status": {"type": "integer"}}},
        },
        "responses": {"Problem": {"description": "A problem", "content": {
            PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
    },
}


class RenderingBehaviour:
    """Answers nothing itself (the generic responder does) and renders the engine's errors
    in a vendor format, failing on the statuses it is told to: a bug in ``render_error``
    runs outside the behaviour's own try, where the engine must still answer."""

    name = "rendering"
    contract_id = "gadgets"

    def __init__(self, failing: frozenset[int]) -> None:
        self.failing = failing

    def seed(self, store: Any, seed: int, data_dir: Path | None) -> None:
        """Nothing to seed: the generic responder answers."""

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        return None

    def render_error(self, response: SimResponse) -> SimResponse:
        if response.status in self.failing:
            raise KeyError(f"no vendor error code for {response.status}")
        return response


def make_app(behaviour: Any = None, **kwargs: Any) -> SimulatorApp:
    app = SimulatorApp(compile_contract(GADGETS, contract_id="gadgets"), Store.open(None),
                       behaviour=behaviour, **kwargs)
    app.reset(1)
    return app


@pytest.mark.parametrize("failing", [frozenset({404}), frozenset({404, 500})],
                         ids=["error-path-renders", "error-path-fails-too"])
def test_exception_outside_the_behaviour_is_a_journaled_problem_500(
        serve: Callable[[SimulatorApp], httpx.Client], failing: frozenset[int]) -> None:
    client = serve(make_app(RenderingBehaviour(failing)))
    r = client.get("/nowhere")  # the 404 the engine renders through the behaviour
    problem = _assert_problem(r, 500)
    assert problem["title"] == "Simulator error" and "KeyError" in problem["detail"]
    entries = client.get("/__admin/journal").json()["items"]
    assert [(e["path"], e["status"]) for e in entries] == [("/nowhere", 500)]
    assert client.get("/gadgets/1").status_code == 200  # the server lives on


# -- defect 2: violations inside a oneOf at their own pointers ------------------------------

def _violations(r: httpx.Response) -> list[tuple[str, str]]:
    problem = _assert_problem(r, 400)
    return [(v["pointer"], v["message"]) for v in problem["violations"]]


def _invoice_body(invoice: Mapping[str, Any]) -> bytes:
    return json.dumps(invoice, default=str).encode()


def test_float_amount_is_reported_at_its_pointer(erp: Served,
                                                 sample_invoice: Callable[[], dict]) -> None:
    invoice = sample_invoice()
    assert _validate(erp, _invoice_body(invoice)).status_code == 200  # clean to begin with
    invoice["lines"][0]["netAmount"]["amount"] = 79.5
    found = _violations(_validate(erp, json.dumps(invoice, default=str).encode()))
    assert found == [("/lines/0/netAmount/amount", '79.5 is not of type "string"')]


@pytest.mark.parametrize(("mutate", "pointer", "words"), [
    (lambda d: d["lines"][0].__setitem__("bogus", 1), "/lines/0", "'bogus' was unexpected"),
    (lambda d: d["lines"][0]["netAmount"].__setitem__("amount", "79.555"),
     "/lines/0/netAmount/amount", "does not match"),
    (lambda d: d.__setitem__("lines", []), "/lines", "less than 1 item"),
], ids=["unknown-field", "too-many-decimals", "no-lines"])
def test_nested_violations_are_leaves_not_the_root_oneof(
        erp: Served, sample_invoice: Callable[[], dict],
        mutate: Callable[[dict], None], pointer: str, words: str) -> None:
    invoice = sample_invoice()
    mutate(invoice)
    found = _violations(_validate(erp, _invoice_body(invoice)))
    assert [p for p, _ in found] == [pointer] and words in found[0][1]
    assert all("oneOf" not in m and len(m) < 300 for _, m in found)


def test_discriminator_and_const_tags_pick_the_branch() -> None:
    """Pure: the compiled schemas' reports for each kind of oneOf."""
    contract = compile_contract(GADGETS)
    gadget = contract.operations["createGadget"].body["application/json"].schema
    tagged = contract.operations["createTagged"].body["application/json"].schema
    assert gadget is not None and tagged is not None
    assert gadget.errors({"kind": "clock", "hands": 2}) == []
    assert gadget.errors({"kind": "clock", "hands": 4}) == [
        ("/hands", "4 is greater than the maximum of 3")]
    # a lamp with a clock's hands: one error as a clock, but the discriminator says lamp
    found = gadget.errors({"kind": "lamp", "hands": 2, "label": 5})
    assert ("/label", '5 is not of type "integer"') not in found
    assert {p for p, _ in found} == {"", "/label"}
    assert any("watts" in m for _, m in found) and any("'hands'" in m for _, m in found)
    # no alternative takes a number at all: the oneOf's own (short) message is the honest one
    (pointer, message), = gadget.errors(7)
    assert pointer == "" and "oneOf" in message
    # enum-tagged: "second" has one error, "first" two (its tag and its missing a)
    assert tagged.errors({"kind": "second", "b": 5}) == [("/b", '5 is not of type "string"')]
    assert tagged.errors({"kind": "first", "b": "x"}) == [("", '"a" is a required property')]


def test_long_instances_are_clipped_in_messages() -> None:
    contract = compile_contract(GADGETS)
    body = contract.operations["createGadget"].body["application/json"].schema
    assert body is not None
    (pointer, message), = body.errors(["x" * 5000])
    assert pointer == "" and len(message) < 200 and message.endswith("'oneOf' keyword")


# -- defect 3: an oversized body is checked and journaled ----------------------------------

def test_oversized_body_is_checked_and_journaled(
        serve: Callable[[SimulatorApp], httpx.Client]) -> None:
    app = make_app()
    app.max_body = 1000
    client = serve(app)
    r = client.post("/gadgets", content=b'{"label":"' + b"x" * 5000 + b'"}',
                    headers={"Content-Type": "application/json"})
    problem = _assert_problem(r, 413)
    assert problem["instance"] == "/gadgets"
    # createGadget does not declare 413: the simulator's answer is off-contract, and says so
    assert r.headers["x-simulator-violation"].startswith("1; status: status 413")
    entries = client.get("/__admin/journal", params={"status": 413}).json()["items"]
    assert len(entries) == 1
    assert entries[0]["operationId"] == "createGadget" and entries[0]["responseViolations"]
    assert entries[0]["requestBody"].startswith('{"label":"xxx')
    # an unknown path is answered 413 too, and journaled without an operation
    r = client.post("/nowhere", content=b"x" * 5000)
    assert r.status_code == 413 and "x-simulator-violation" not in r.headers
    assert client.get("/__admin/journal", params={"status": 413}).json()["count"] == 2


# -- defect 4: Retry-After 0 ------------------------------------------------------------------

def _faulted(rule: dict[str, Any]) -> SimulatorApp:
    from ledgerpact.generators.simulators.faults import FaultPlan

    plan = FaultPlan.from_mapping({"rules": [{"id": "r", "match": {"operationId": "getGadget"},
                                              **rule}]}, 1)
    return make_app(faults=plan)


@pytest.mark.parametrize(("rule", "status", "retry_after"), [
    ({"rate_limit": {"rate": 1.0, "retry_after_s": 0}}, 429, "0"),
    ({"outage": [{"start_s": 0, "end_s": 3600, "status": 503, "retry_after_s": 0}]}, 503, "0"),
    ({"error": {"rate": 1.0, "statuses": [503]}}, 503, "1"),  # unset: 1
], ids=["rate-limit-0", "outage-0", "unset"])
def test_retry_after_zero_is_sent_as_zero(serve: Callable[[SimulatorApp], httpx.Client],
                                          rule: dict[str, Any], status: int,
                                          retry_after: str) -> None:
    r = serve(_faulted(rule)).get("/gadgets/1")
    assert r.status_code == status and r.headers["retry-after"] == retry_after


def test_a_stray_percent_in_the_path_is_escaped_in_the_problem_instance(erp: Served) -> None:
    """The engine's own problems encode the path as the erp behaviour's do: existing escapes
    kept, a '%' that starts no escape written %25, so ``instance`` is a uri-reference."""
    refused = erp.client.get("/gl-accounts/4%zz%2F1", headers=AUTH)
    assert refused.json()["code"] == "VALIDATION_FAILED"
    assert refused.json()["instance"] == "/gl-accounts/4%25zz%2F1"
