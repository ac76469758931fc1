"""The simulator engine over real HTTP: route matching, validation, the pipeline, admin, faults.

A small fixture contract (widgets) is compiled and served by uvicorn in a thread on an
ephemeral 127.0.0.1 port, with a real in-memory Store; a tiny behaviour answers some
operations (one of them off-contract on purpose) and leaves the rest to the real generic
responder. Registry contracts (tax-engine) are served the same way.
"""

from __future__ import annotations

import copy
import random
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators.app import SimulatorApp
from ledgerpact.generators.simulators.jsonio import dumps
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
)
from ledgerpact.generators.simulators.server import bind, load_contract, start_in_thread
from ledgerpact.generators.simulators.spec import compile_contract, nullable_to_type
from ledgerpact.generators.simulators.validate import (
    parse_cookies,
    validate_request,
    validate_response,
)
from ledgerpact.registry.errors import InputError

REPO = Path(__file__).resolve().parents[1]

PROBLEM_REF = {"$ref": "#/components/responses/Problem"}
WIDGET_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}
NEW_WIDGET_BODY = {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/NewWidget"}}}}

WIDGETS: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Widgets", "version": "2.3.0"},
    "servers": [{"url": "https://widgets.example.internal/v2"}],
    "paths": {
        "/widgets": {
            "get": {
                "operationId": "listWidgets",
                "parameters": [
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
                    {"name": "active", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "tag", "in": "query",
                     "schema": {"type": "array", "items": {"type": "string"}}},
                    {"name": "ids", "in": "query", "explode": False,
                     "schema": {"type": "array", "items": {"type": "integer"}}},
                    {"name": "minPrice", "in": "query", "schema": {"type": "number"}},
                    {"name": "X-Tenant", "in": "header", "required": True,
                     "schema": {"type": "string", "pattern": "^[a-z]+$"}},
                ],
                "responses": {
                    "200": {"description": "A page", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/WidgetPage"},
                        "example": {"items": [{"id": 1, "name": "bolt", "price": "1.50"}]}}}},
                    "400": PROBLEM_REF,
                },
            },
            "post": {
                "operationId": "createWidget",
                "requestBody": NEW_WIDGET_BODY,
                "responses": {
                    "201": {"description": "Created", "headers": {
                        "Location": {"required": True, "schema": {"type": "string"}}},
                        "content": WIDGET_JSON},
                    "400": PROBLEM_REF,
                    "415": PROBLEM_REF,
                },
            },
        },
        "/widgets/search": {
            "get": {"operationId": "searchWidgets", "responses": {
                "200": {"description": "Found", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/WidgetPage"}}}}}},
        },
        "/widgets/{widgetId}": {
            "parameters": [{"name": "widgetId", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1}}],
            "get": {"operationId": "getWidget", "responses": {
                "200": {"description": "One", "content": WIDGET_JSON},
                "404": PROBLEM_REF}},
            "put": {"operationId": "replaceWidget", "requestBody": NEW_WIDGET_BODY,
                    "responses": {"200": {"description": "Replaced", "content": WIDGET_JSON},
                                  "422": PROBLEM_REF}},
        },
    },
    "components": {
        "schemas": {
            "Amount": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
            "Widget": {"type": "object", "required": ["id", "name", "price"],
                       "additionalProperties": False,
                       "properties": {"id": {"type": "integer"},
                                      "name": {"type": "string", "minLength": 1},
                                      "price": {"$ref": "#/components/schemas/Amount"},
                                      "weight": {"type": "number"}}},
            "NewWidget": {"type": "object", "required": ["name", "price"],
                          "additionalProperties": False,
                          "properties": {"name": {"type": "string", "minLength": 1},
                                         "price": {"$ref": "#/components/schemas/Amount"},
                                         "weight": {"type": "number", "minimum": 0}}},
            "WidgetPage": {"type": "object", "required": ["items"],
                           "properties": {"items": {"type": "array", "items": {
                               "$ref": "#/components/schemas/Widget"}}}},
            "Problem": {"type": "object", "required": ["type", "title", "status"],
                        "properties": {"type": {"type": "string"},
                                       "title": {"type": "string"},
                                       "status": {"type": "integer"}}},
        },
        "responses": {"Problem": {"description": "A problem", "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
    },
}


class TinyBehaviour:
    """A behaviour small enough to read at a glance; getWidget 666 breaks the contract."""

    name = "tiny"
    contract_id = "widgets"

    def __init__(self) -> None:
        self.seen: list[SimRequest] = []

    def seed(self, store: Any, seed: int, data_dir: Path | None) -> None:
        store.put("widget", "1", {"id": 1, "name": f"seeded-{seed}", "price": "1.00"})

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        self.seen.append(request)
        op = request.operation_id
        if op == "searchWidgets":
            return SimResponse(200, {"items": []}, headers={"X-Route": "search"})
        if op == "getWidget":
            wid = request.path_params["widgetId"]
            if wid == 666:
                return SimResponse(200, {"id": 666, "colour": "red"})
            stored = ctx.store.get("widget", str(wid))
            if stored is None:
                return None  # the generic responder answers
            return SimResponse(200, stored)
        if op == "createWidget":
            number = ctx.store.next_number("widget") + 100
            widget = {"id": number, **request.body}
            ctx.store.put("widget", str(number), widget)
            return SimResponse(201, widget, headers={"Location": f"/widgets/{number}"})
        return None

    def scenario(self, store: Any) -> dict[str, Any]:
        return {"widgets": store.count("widget")}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        def rename(body: Mapping[str, Any], ctx: Context) -> Any:
            widget = ctx.store.get("widget", str(body.get("id")))
            if widget is None:
                raise ActionError(404, f"no widget {body.get('id')}")
            widget["name"] = body["name"]
            ctx.store.put("widget", str(body["id"]), widget)
            return widget

        def block(body: Mapping[str, Any], ctx: Context) -> Any:
            ctx.emit("supplierStatusChanged", {
                "supplierNumber": str(body["supplierNumber"]), "previousStatus": "active",
                "status": "blocked", "reason": body.get("reason", "QA"),
                "changedAt": "2024-05-31T12:00:00Z"})
            return {"blocked": body["supplierNumber"]}

        return {"rename": rename, "block": block}


class Running:
    def __init__(self, app: SimulatorApp, client: httpx.Client, port: int) -> None:
        self.app = app
        self.client = client
        self.port = port
        self.url = f"http://127.0.0.1:{port}"


def serve_in_thread(app: SimulatorApp) -> tuple[Callable[[], None], int]:
    running = start_in_thread(app)
    return running.stop, running.port


def make_app(document: Mapping[str, Any], behaviour: Any = None, **kwargs: Any) -> SimulatorApp:
    from ledgerpact.generators.simulators.store import Store

    contract = compile_contract(document, contract_id="widgets")
    app = SimulatorApp(contract, Store.open(None), behaviour=behaviour, **kwargs)
    app.reset(kwargs.get("seed", 1))
    return app


@pytest.fixture
def widgets() -> Iterator[Running]:
    app = make_app(WIDGETS, TinyBehaviour(), seed=3)
    stop, port = serve_in_thread(app)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield Running(app, client, port)
    stop()
    app.store.close()


TENANT = {"X-Tenant": "acme"}
AUTH = {"Authorization": "Bearer qa"}


# -- compile and match (pure) ----------------------------------------------------------------

def test_literal_segments_win_over_templates() -> None:
    contract = compile_contract(WIDGETS)
    assert contract.match("/widgets/search").route.template == "/widgets/search"
    found = contract.match("/widgets/17")
    assert found.route.template == "/widgets/{widgetId}"
    assert found.path_params == {"widgetId": "17"}
    assert contract.match("/widgets/17/extra") is None
    assert contract.match("/v2/widgets/search").route.template == "/widgets/search"


def test_templates_ordered_by_first_literal_segment() -> None:
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
        "/a/{id}/{part}": {"get": {"responses": {"200": {"description": "x"}}}},
        "/a/{id}/items": {"get": {"responses": {"200": {"description": "x"}}}},
        "/a/search/{term}": {"get": {"responses": {"200": {"description": "x"}}}},
    }}
    contract = compile_contract(doc)
    assert contract.match("/a/search/x").route.template == "/a/search/{term}"
    assert contract.match("/a/7/items").route.template == "/a/{id}/items"
    assert contract.match("/a/7/other").route.template == "/a/{id}/{part}"
    assert contract.operations["GET /a/{id}/{part}"].method == "GET"


def test_openapi_30_nullable_is_accepted() -> None:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": {
        "operationId": "x",
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"note": {"type": "string", "nullable": True},
                                             "n": {"type": "integer"}}}}}},
        "responses": {"204": {"description": "ok"}}}}}}
    op = compile_contract(doc).operations["x"]
    headers = {"content-type": "application/json"}
    assert validate_request(op, {}, "", headers, b'{"note": null}').violations == []
    bad = validate_request(op, {}, "", headers, b'{"n": null}').violations
    assert [v["pointer"] for v in bad] == ["/n"]


def test_openapi_30_nullable_without_type_is_an_alternative() -> None:
    # {anyOf: [...], nullable: true} and a nullable $ref: no type to extend (Stripe has 345)
    amount = {"type": "string", "pattern": "^[0-9]+$"}
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": {
        "operationId": "x",
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}],
                           "nullable": True},
                "ref": {"$ref": "#/components/schemas/Amount", "nullable": True},
                "all": {"allOf": [{"$ref": "#/components/schemas/Amount"}], "nullable": True,
                        "description": "kept beside the alternative"},
                "plain": {"anyOf": [{"type": "string"}]}}}}}},
        "responses": {"204": {"description": "ok"}}}}},
        "components": {"schemas": {"Amount": amount}}}
    original = copy.deepcopy(doc)
    op = compile_contract(doc).operations["x"]
    assert doc == original  # the document itself is not rewritten
    headers = {"content-type": "application/json"}
    nulls = b'{"either": null, "ref": null, "all": null}'
    assert validate_request(op, {}, "", headers, nulls).violations == []
    good = b'{"either": 3, "ref": "12", "all": "7"}'
    assert validate_request(op, {}, "", headers, good).violations == []
    bad = validate_request(op, {}, "", headers,
                           b'{"either": true, "ref": "x", "all": 1.5, "plain": null}')
    assert sorted(v["pointer"] for v in bad.violations) == ["/all", "/either", "/plain",
                                                            "/ref"]
    converted = nullable_to_type({"nullable": True, "anyOf": [{"type": "string"}],
                                  "items": {"nullable": True, "oneOf": []}})
    assert converted == {"anyOf": [
        {"anyOf": [{"type": "string"}], "items": {"anyOf": [{"oneOf": []}, {"type": "null"}]}},
        {"type": "null"}]}


def test_not_openapi_is_input_error() -> None:
    with pytest.raises(InputError, match="not an OpenAPI"):
        compile_contract({"asyncapi": "3.0.0"})


def test_parameter_coercion_and_violations() -> None:
    op = compile_contract(WIDGETS).operations["listWidgets"]
    ok = validate_request(op, {}, "limit=5&active=true&tag=a&tag=b&ids=1,2,3&minPrice=9.95"
                          "&trace=x", {"x-tenant": "acme"}, b"")
    assert ok.violations == []
    assert ok.query == {"limit": 5, "active": True, "tag": ["a", "b"], "ids": [1, 2, 3],
                        "minPrice": Decimal("9.95"), "trace": "x"}
    assert ok.headers == {"x-tenant": "acme"}
    bad = validate_request(op, {}, "limit=0&active=yes&ids=1,x", {}, b"")
    where = {(v["location"], v["pointer"]) for v in bad.violations}
    assert where == {("query", "/limit"), ("query", "/active"), ("query", "/ids"),
                     ("header", "/x-tenant")}


def test_json_bodies_are_read_exactly() -> None:
    op = compile_contract(WIDGETS).operations["createWidget"]
    headers = {"content-type": "application/json"}
    big = validate_request(op, {}, "", headers,
                           b'{"name":"a","price":"1","weight":123456789012345678901234567890}')
    assert big.violations == [] and big.body["weight"] == 123456789012345678901234567890
    exact = validate_request(op, {}, "", headers, b'{"name":"a","price":"1","weight":0.10}')
    assert exact.body["weight"] == Decimal("0.10") and str(exact.body["weight"]) == "0.10"
    nan = validate_request(op, {}, "", headers, b'{"name":"a","price":"1","weight":NaN}')
    assert "not valid JSON" in nan.violations[0]["message"]


def test_response_validation_pure() -> None:
    op = compile_contract(WIDGETS).operations["createWidget"]
    good = {"id": 1, "name": "n", "price": "1.00"}
    assert validate_response(op, 201, "application/json", {"location": "/w/1"}, good,
                             True) == []
    missing_header = validate_response(op, 201, "application/json", {}, good, True)
    assert [v["location"] for v in missing_header] == ["header"]
    assert "not declared" in validate_response(op, 418, "application/json", {}, good,
                                                True)[0]["message"]
    wrong_media = validate_response(op, 201, "text/plain", {"location": "x"}, None, True)
    assert wrong_media[0]["pointer"] == "/content-type"
    body = validate_response(op, 201, "application/json", {"location": "x"}, {"id": "1"}, True)
    assert {v["pointer"] for v in body} >= {"/id", ""}


def test_decimals_are_written_with_their_digits() -> None:
    assert dumps({"a": Decimal("1.10"), "b": [Decimal("1E+2")]}) == b'{"a":1.10,"b":[1E+2]}'


# -- the pipeline over HTTP ---------------------------------------------------------------------

def test_valid_request_gets_declared_response_from_the_generic_responder(widgets: Running
                                                                         ) -> None:
    r = widgets.client.get("/widgets?limit=5", headers=TENANT)
    assert r.status_code == 200
    assert r.json() == {"items": [{"id": 1, "name": "bolt", "price": "1.50"}]}
    assert "x-simulator-violation" not in r.headers
    seen = widgets.app.behaviour.seen[-1]
    assert seen.operation_id == "listWidgets" and seen.query == {"limit": 5}


def test_typed_query_reaches_the_behaviour(widgets: Running) -> None:
    r = widgets.client.get("/widgets?active=false&tag=x&tag=y&ids=4,5&minPrice=0.10",
                           headers=TENANT)
    assert r.status_code == 200
    assert widgets.app.behaviour.seen[-1].query == {
        "active": False, "tag": ["x", "y"], "ids": [4, 5], "minPrice": Decimal("0.10")}


def test_invalid_query_is_a_problem_listing_violations(widgets: Running) -> None:
    r = widgets.client.get("/widgets?limit=500&active=maybe")
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 400 and body["code"] == "VALIDATION_FAILED"
    found = {(v["location"], v["pointer"]) for v in body["violations"]}
    assert found == {("query", "/limit"), ("query", "/active"), ("header", "/x-tenant")}
    assert all(v["message"] for v in body["violations"])
    assert widgets.app.behaviour.seen == []  # never reached the behaviour


def test_invalid_body_lists_pointers(widgets: Running) -> None:
    r = widgets.client.post("/widgets", json={"name": "", "price": 12, "weight": -1})
    assert r.status_code == 400
    pointers = {v["pointer"] for v in r.json()["violations"]}
    assert pointers == {"/name", "/price", "/weight"}
    assert {v["location"] for v in r.json()["violations"]} == {"body"}


def test_body_problem_is_422_where_only_422_is_declared(widgets: Running) -> None:
    r = widgets.client.put("/widgets/1", json={"name": "x"})
    assert r.status_code == 422
    assert r.json()["violations"][0]["message"]


def test_malformed_json_and_missing_body(widgets: Running) -> None:
    r = widgets.client.post("/widgets", content=b"{nope",
                            headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["violations"][0]["message"]
    r = widgets.client.post("/widgets")
    assert r.status_code == 400 and "required" in r.json()["violations"][0]["message"]


def test_unsupported_media_type_is_415(widgets: Running) -> None:
    r = widgets.client.post("/widgets", content=b"<widget/>",
                            headers={"content-type": "application/xml"})
    assert r.status_code == 415
    assert r.json()["violations"][0]["location"] == "header"


def test_oversized_body_is_413(widgets: Running) -> None:
    widgets.app.max_body = 1000
    r = widgets.client.post("/widgets", content=b"x" * 5000,
                            headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413


def test_decimal_body_round_trips_exactly(widgets: Running) -> None:
    r = widgets.client.post("/widgets", content=b'{"name":"nut","price":"0.10","weight":2.50}',
                            headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    assert b'"weight":2.50' in r.content
    assert widgets.app.behaviour.seen[-1].body["weight"] == Decimal("2.50")
    assert r.headers["location"] == f"/widgets/{r.json()['id']}"
    assert "x-simulator-violation" not in r.headers
    # what orjson alone cannot do: an exponent kept as written, an integer beyond 64 bits
    for weight in (b"1E+2", b"123456789012345678901234567890"):
        r = widgets.client.post("/widgets", content=b'{"name":"nut","price":"0.10","weight":'
                                + weight + b"}", headers={"content-type": "application/json"})
        assert r.status_code == 201, r.text
        assert b'"weight":' + weight + b"}" in r.content
        assert "x-simulator-violation" not in r.headers


def test_route_precedence_over_http(widgets: Running) -> None:
    assert widgets.client.get("/widgets/search").headers["x-route"] == "search"
    assert widgets.client.get("/widgets/1").json()["name"] == "seeded-3"
    assert widgets.client.get("/v2/widgets/1").json()["name"] == "seeded-3"
    # getWidget declares 404 but not 400: a path parameter outside its schema names no
    # resource that could exist.
    r = widgets.client.get("/widgets/abc")
    assert r.status_code == 404 and r.json()["violations"][0]["location"] == "path"
    assert widgets.client.get("/widgets/search%2Fx").status_code == 404
    r = widgets.client.put("/widgets/abc", json={"name": "x", "price": "1"})
    assert r.status_code == 422  # replaceWidget declares 422 only


def test_unknown_path_404_and_wrong_method_405(widgets: Running) -> None:
    r = widgets.client.get("/gadgets")
    assert r.status_code == 404 and r.json()["status"] == 404
    r = widgets.client.delete("/widgets/1")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, PUT, HEAD"


def test_off_contract_response_is_flagged_and_journaled(widgets: Running) -> None:
    r = widgets.client.get("/widgets/666")
    assert r.status_code == 200 and r.json() == {"id": 666, "colour": "red"}  # still sent
    header = r.headers["x-simulator-violation"]
    count, message = header.split("; ", 1)
    assert int(count) >= 2 and message
    journal = widgets.client.get("/__admin/journal?violations=true").json()
    assert journal["count"] == 1
    entry = journal["items"][0]
    assert entry["path"] == "/widgets/666" and entry["operationId"] == "getWidget"
    messages = [v["message"] for v in entry["responseViolations"]]
    assert any("name" in m for m in messages) and any("colour" in m for m in messages)


def test_behaviour_none_falls_back_to_generic(widgets: Running) -> None:
    r = widgets.client.get("/widgets/42")
    assert r.status_code == 200
    assert "x-simulator-violation" not in r.headers
    assert set(r.json()) >= {"id", "name", "price"}


def test_prefer_goes_to_the_generic_responder(widgets: Running) -> None:
    r = widgets.client.get("/widgets/1", headers={"Prefer": "code=404"})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = widgets.client.get("/widgets/search", headers={"Prefer": "dynamic=true"})
    assert r.status_code == 200 and "x-route" not in r.headers
    assert "x-simulator-violation" not in r.headers
    r = widgets.client.get("/widgets/search", headers={"Prefer": "return=minimal"})
    assert r.headers["x-route"] == "search"  # other preferences leave the behaviour in charge


# -- admin -------------------------------------------------------------------------------------

def test_admin_journal_filter_and_clear(widgets: Running) -> None:
    c = widgets.client
    c.get("/widgets/search")
    c.get("/widgets?limit=0", headers=TENANT)
    c.post("/widgets", json={"name": "a", "price": "1"})
    all_ = c.get("/__admin/journal").json()
    assert [e["method"] for e in all_["items"]] == ["GET", "GET", "POST"]
    assert all_["items"][1]["requestViolations"][0]["pointer"] == "/limit"
    assert all_["items"][2]["status"] == 201 and all_["items"][2]["durationMs"] >= 0
    posts = c.get("/__admin/journal", params={"method": "post"}).json()
    assert posts["count"] == 1 and posts["items"][0]["operationId"] == "createWidget"
    by_op = c.get("/__admin/journal", params={"operationId": "searchWidgets"}).json()
    assert by_op["count"] == 1
    assert c.get("/__admin/journal", params={"status": "400"}).json()["count"] == 1
    assert c.get("/__admin/journal", params={"path": "/widgets*"}).json()["count"] == 3
    assert c.get("/__admin/journal", params={"limit": "1"}).json()["items"][0]["method"] == "POST"
    assert c.delete("/__admin/journal").status_code == 204
    assert c.get("/__admin/journal").json() == {"count": 0, "items": []}


def test_admin_state_reset_and_actions(widgets: Running) -> None:
    c = widgets.client
    state = c.get("/__admin/state").json()
    assert state["seed"] == 3 and state["behaviour"] == "tiny"
    assert state["contract"] == {"id": "widgets", "version": "2.3.0"}
    assert state["scenario"] == {"widgets": 1}
    c.post("/widgets", json={"name": "a", "price": "1"})
    assert c.get("/__admin/state").json()["scenario"] == {"widgets": 2}
    renamed = c.post("/__admin/actions/rename", json={"id": 1, "name": "renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "renamed"
    assert c.get("/widgets/1").json()["name"] == "renamed"
    refused = c.post("/__admin/actions/rename", json={"id": 99, "name": "x"})
    assert refused.status_code == 404 and "no widget 99" in refused.json()["detail"]
    unknown = c.post("/__admin/actions/explode", json={})
    assert unknown.status_code == 404 and "rename" in unknown.json()["detail"]
    reset = c.post("/__admin/reset", json={"seed": 9})
    assert reset.status_code == 200 and reset.json()["seed"] == 9
    assert reset.json()["scenario"] == {"widgets": 1}
    assert c.get("/widgets/1").json()["name"] == "seeded-9"
    assert c.get("/__admin/journal").json()["count"] == 1  # only the request after reset
    assert c.post("/__admin/reset", json={"seed": "x"}).status_code == 400
    assert c.post("/__admin/reset").json()["seed"] == 9  # current seed kept


def test_admin_health_index_and_errors(widgets: Running) -> None:
    c = widgets.client
    health = c.get("/__admin/health").json()
    assert health["status"] == "ok" and health["contract"] == "widgets"
    assert "GET /__admin/journal" in c.get("/__admin").json()["endpoints"]
    assert c.get("/__admin/nothing").status_code == 404
    assert c.post("/__admin/state").status_code == 405
    bad = c.post("/__admin/reset", content=b"{", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_admin_clock(widgets: Running) -> None:
    c = widgets.client
    r = c.put("/__admin/clock", json={"now": "2024-05-31T12:00:00Z"})
    assert r.json()["now"] == "2024-05-31T12:00:00Z"
    c.get("/widgets/search")
    assert c.get("/__admin/journal").json()["items"][-1]["time"].startswith("2024-05-31T12:00")
    assert c.put("/__admin/clock", json={"now": "2024-05-31T12:00:00"}).status_code == 400
    assert not c.put("/__admin/clock", json={"now": None}).json()["now"].startswith("2024")


def test_admin_faults_get_put(widgets: Running) -> None:
    c = widgets.client
    assert c.get("/__admin/faults").status_code == 200
    plan = {"rules": [{"id": "limit-search", "match": {"operationId": "searchWidgets"},
                       "rate_limit": {"rate": 1.0, "retry_after_s": 4}}]}
    put = c.put("/__admin/faults", json=plan)
    assert put.status_code == 200, put.text
    assert put.json()["rules"][0]["id"] == "limit-search"
    assert c.get("/__admin/faults").json() == put.json()
    r = c.get("/widgets/search")
    assert r.status_code == 429 and r.headers["retry-after"] == "4"
    assert c.get("/widgets/1").status_code == 200  # other routes unaffected
    bad = c.put("/__admin/faults", json={"rules": [{"id": "x", "error": {"rate": 2}}]})
    assert bad.status_code == 400 and bad.json()["detail"]
    assert c.get("/__admin/faults").json() == put.json()  # a refused plan changes nothing


# -- faults over HTTP --------------------------------------------------------------------------

def faulted(rule: dict[str, Any]) -> SimulatorApp:
    from ledgerpact.generators.simulators.faults import FaultPlan

    plan = FaultPlan.from_mapping({"rules": [{"id": "r", "match": {"operationId": "getWidget"},
                                              **rule}]}, 1)
    return make_app(WIDGETS, TinyBehaviour(), faults=plan)


def test_fault_5xx_and_journal(serve: Callable[[SimulatorApp], httpx.Client]) -> None:
    client = serve(faulted({"error": {"rate": 1.0, "statuses": [502]}}))
    r = client.get("/widgets/1")
    assert r.status_code == 502 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/widgets/search").status_code == 200
    entry = client.get("/__admin/journal?fault=true").json()["items"]
    assert len(entry) == 1 and entry[0]["fault"]["kind"] == "error"
    assert entry[0]["fault"]["rule"] == "r" and entry[0]["status"] == 502


def test_fault_429_has_retry_after(serve: Callable[[SimulatorApp], httpx.Client]) -> None:
    client = serve(faulted({"rate_limit": {"rate": 1.0, "retry_after_s": 7}}))
    r = client.get("/widgets/1")
    assert r.status_code == 429 and r.headers["retry-after"] == "7"


def test_fault_outage_503(serve: Callable[[SimulatorApp], httpx.Client]) -> None:
    client = serve(faulted({"outage": [{"start_s": 0, "end_s": 3600, "status": 503,
                                        "retry_after_s": 30}]}))
    r = client.get("/widgets/1")
    assert r.status_code == 503 and r.headers["retry-after"] == "30"


def test_fault_reset_is_a_connection_error(serve: Callable[[SimulatorApp], httpx.Client]
                                           ) -> None:
    client = serve(faulted({"reset": {"rate": 1.0}}))
    with pytest.raises(httpx.TransportError):
        client.get("/widgets/1")
    assert client.get("/widgets/search").status_code == 200  # the server lives on
    entry = client.get("/__admin/journal?fault=true").json()["items"][0]
    assert entry["fault"]["kind"] == "reset" and entry["status"] is None


def test_fault_timeout_makes_the_client_time_out(serve: Callable[[SimulatorApp], httpx.Client]
                                                 ) -> None:
    client = serve(faulted({"timeout": {"rate": 1.0, "hang_s": 1.5}}))
    with pytest.raises(httpx.ReadTimeout):
        client.get("/widgets/1", timeout=0.5)
    assert client.get("/widgets/search").status_code == 200


def test_fault_latency_is_applied(serve: Callable[[SimulatorApp], httpx.Client]) -> None:
    client = serve(faulted({"latency": {"fixed_ms": 200}}))
    assert client.get("/widgets/1").status_code == 200
    entry = client.get("/__admin/journal").json()["items"][0]
    assert entry["fault"]["delay_s"] == pytest.approx(0.2)
    assert entry["durationMs"] >= 200  # the sleep happened inside the pipeline


# -- events --------------------------------------------------------------------------------------

def test_emitted_events_reach_the_outbox_and_the_sink(tmp_path: Path,
                                                      serve: Callable[[SimulatorApp],
                                                                      httpx.Client]) -> None:
    from ledgerpact.generators.simulators.events import EventFactory, Relay, open_sink

    sink = open_sink(f"jsonl:{tmp_path / 'events.jsonl'}", state_dir=tmp_path)
    app = make_app(WIDGETS, TinyBehaviour(),
                   event_factory=lambda: EventFactory.from_registry("ledgerpact-simulator/tiny",
                                                                    REPO),
                   relay_factory=lambda store: Relay(store, [sink], interval_s=0.02))
    client = serve(app)
    r = client.post("/__admin/actions/block", json={"supplierNumber": "V-1"})
    assert r.status_code == 200, r.text
    events = client.get("/__admin/events").json()
    assert events["count"] == 1
    envelope = events["items"][0]["envelope"]
    assert envelope["type"] == "dev.ledgerpact.supplier.status-changed.v1"
    assert envelope["data"]["status"] == "blocked" and envelope["id"]
    assert client.get("/__admin/state").json()["counts"]["events"] == 1
    deadline = time.monotonic() + 10
    path = tmp_path / "events.jsonl"
    while time.monotonic() < deadline and envelope["id"] not in (
            path.read_text() if path.exists() else ""):
        time.sleep(0.05)
    assert envelope["id"] in path.read_text()  # the relay ran inside the server's lifespan


def test_action_with_an_invalid_event_is_refused_and_rolled_back(
        serve: Callable[[SimulatorApp], httpx.Client]) -> None:
    from ledgerpact.generators.simulators.events import EventFactory

    app = make_app(WIDGETS, TinyBehaviour(),
                   event_factory=lambda: EventFactory.from_registry("t", REPO))
    client = serve(app)
    r = client.post("/__admin/actions/block", json={"supplierNumber": "V-1", "reason": ""})
    assert r.status_code == 500 and "supplierStatusChanged" in r.json()["detail"]
    assert client.get("/__admin/events").json()["count"] == 0


# -- a registry contract, generically -----------------------------------------------------------

@pytest.fixture(scope="module")
def tax_engine() -> Iterator[str]:
    from ledgerpact.generators.simulators.store import Store

    contract, _ = load_contract("tax-engine", REPO)
    app = SimulatorApp(contract, Store.open(None), seed=1)
    stop, port = serve_in_thread(app)
    yield f"http://127.0.0.1:{port}"
    stop()


def test_registry_contract_served_generically(tax_engine: str) -> None:
    with httpx.Client(base_url=tax_engine, timeout=10) as anonymous:
        refused = anonymous.get("/jurisdictions")  # the contract asks for OAuth 2.0
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer realm=")
        assert "x-simulator-violation" not in refused.headers  # conforms to the declared 401
    with httpx.Client(base_url=tax_engine, timeout=10, headers=AUTH) as c:
        r = c.get("/jurisdictions")
        assert r.status_code == 200, r.text
        assert "x-simulator-violation" not in r.headers
        assert isinstance(r.json()["items"], list)
        bad = c.get("/jurisdictions?limit=abc")
        assert bad.status_code == 400
        assert bad.json()["violations"][0]["pointer"] == "/limit"
        body = c.post("/tax-validations", json={"jurisdiction": 7})
        assert body.status_code == 400
        assert all(v["location"] == "body" for v in body.json()["violations"])


def test_state_file_and_seed_checks(tmp_path: Path) -> None:
    from ledgerpact.generators.simulators.server import open_state

    path = tmp_path / "s" / "widgets.sqlite"
    store, fresh = open_state(path, seed=4, reset=False, target="widgets")
    assert fresh
    app = SimulatorApp(compile_contract(WIDGETS), store, seed=4, behaviour=TinyBehaviour())
    app.reset(4)
    store.close()
    store, fresh = open_state(path, seed=4, reset=False)
    assert not fresh and store.get("widget", "1")["name"] == "seeded-4"
    store.close()
    with pytest.raises(InputError, match="--reset"):
        open_state(path, seed=5, reset=False)
    with pytest.raises(InputError, match="belongs to the widgets simulator"):
        open_state(path, seed=4, reset=False, target="gadgets")
    store, fresh = open_state(path, seed=5, reset=True, target="gadgets")
    assert fresh and store.meta_get("target") == "gadgets"
    store.close()


def test_busy_port_is_input_error() -> None:
    other = socket.socket()
    try:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(InputError, match="cannot listen"):
            bind("127.0.0.1", other.getsockname()[1])
    finally:
        other.close()


# -- security: credentials must be presented (any non-empty value will do) ---------------------

def _secured() -> dict[str, Any]:
    doc = copy.deepcopy(WIDGETS)
    doc["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "basic": {"type": "http", "scheme": "basic"},
        "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "qkey": {"type": "apiKey", "in": "query", "name": "api_key"},
        "ckey": {"type": "apiKey", "in": "cookie", "name": "session"},
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example/.well-known"},
        "mtls": {"type": "mutualTLS"},
    }
    doc["security"] = [{"bearer": []}]
    paths = doc["paths"]
    paths["/widgets"]["get"]["security"] = [{"key": []}, {"qkey": []}]
    paths["/widgets"]["get"]["responses"]["401"] = {
        "description": "No credentials", "headers": {"WWW-Authenticate": {
            "required": True, "schema": {"type": "string", "minLength": 1}}},
        "content": {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"}}}}
    paths["/widgets"]["post"]["security"] = [{"basic": [], "ckey": []}]
    paths["/widgets/search"]["get"]["security"] = [{"bearer": []}, {}]
    paths["/widgets/search"]["get"]["parameters"] = [
        {"name": "days", "in": "cookie", "required": True,
         "schema": {"type": "integer", "minimum": 1}}]
    paths["/widgets/{widgetId}"]["put"]["security"] = [{"oidc": []}, {"mtls": []}]
    return doc


def test_effective_security_is_compiled_per_operation() -> None:
    ops = compile_contract(_secured()).operations
    assert [[c.scheme for c in alt] for alt in ops["listWidgets"].security] == [["key"],
                                                                                 ["qkey"]]
    assert [[(c.location, c.name) for c in alt] for alt in ops["createWidget"].security] == [
        [("header", "authorization"), ("cookie", "session")]]
    (bearer,), = ops["getWidget"].security  # the root requirement, inherited
    assert (bearer.auth_scheme, bearer.challenge) == ("bearer",
                                                      'Bearer realm="ledgerpact-simulator"')
    assert ops["searchWidgets"].security == ()  # {} = anonymous allowed
    assert ops["replaceWidget"].security == ()  # mutualTLS cannot be shown over plain HTTP
    assert compile_contract(WIDGETS).operations["getWidget"].security == ()


@pytest.fixture(scope="module")
def secured() -> Iterator[Running]:
    app = make_app(_secured(), TinyBehaviour(), seed=3)
    stop, port = serve_in_thread(app)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        yield Running(app, client, port)
    stop()
    app.store.close()


def test_missing_bearer_is_401_with_a_challenge(secured: Running) -> None:
    c = secured.client
    r = c.get("/widgets/1")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="ledgerpact-simulator"'
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 401 and "Bearer" in r.json()["detail"]
    # getWidget declares no 401: the refusal is the contract's own, not a violation
    assert "x-simulator-violation" not in r.headers
    entry = c.get("/__admin/journal").json()["items"][-1]
    assert entry["status"] == 401 and not entry.get("response_violations")
    for bad in ("Bearer", "Bearerx abc", "Basic dXNlcjpwdw==", "token"):
        assert c.get("/widgets/1", headers={"Authorization": bad}).status_code == 401, bad
    ok = c.get("/widgets/1", headers={"Authorization": "bearer anything-at-all"})
    assert ok.status_code == 200 and ok.json()["name"] == "seeded-3"


def test_api_key_alternatives_and_declared_401(secured: Running) -> None:
    c = secured.client
    r = c.get("/widgets", headers=TENANT)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == (
        'ApiKey realm="ledgerpact-simulator", in="header", name="X-API-Key"')
    assert "x-simulator-violation" not in r.headers  # validated against the declared 401
    assert c.get("/widgets", headers={**TENANT, "X-API-Key": "k"}).status_code == 200
    assert c.get("/widgets?api_key=k", headers=TENANT).status_code == 200
    assert c.get("/widgets?api_key=", headers=TENANT).status_code == 401
    # auth is checked before the request: no credentials, no validation details
    assert c.get("/widgets?limit=x").status_code == 401


def test_all_schemes_of_an_alternative_are_needed(secured: Running) -> None:
    c = secured.client
    body = {"name": "nut", "price": "0.10"}
    basic = {"Authorization": "Basic dXNlcjpwdw=="}
    assert c.post("/widgets", json=body, headers=basic).status_code == 401
    assert c.post("/widgets", json=body, headers={"Cookie": "session=s1"}).status_code == 401
    r = c.post("/widgets", json=body, headers={**basic, "Cookie": "theme=dark; session=s1"})
    assert r.status_code == 201, r.text


def test_anonymous_alternatives_admin_and_disabled_auth(secured: Running) -> None:
    c = secured.client
    assert c.get("/widgets/search", headers={"Cookie": "days=2"}).status_code == 200
    body = {"name": "nut", "price": "0.10"}
    assert c.put("/widgets/1", json=body).status_code == 200  # mutualTLS alternative
    assert c.get("/__admin/health").status_code == 200
    assert c.get("/__admin/journal").status_code == 200
    app = make_app(_secured(), TinyBehaviour(), seed=3, auth=False)
    stop, port = serve_in_thread(app)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/widgets/1", timeout=10).status_code == 200
    finally:
        stop()
        app.store.close()


def test_cookie_parameters_are_validated(secured: Running) -> None:
    c = secured.client
    missing = c.get("/widgets/search")
    assert missing.status_code == 400
    assert missing.json()["violations"] == [
        {"location": "cookie", "pointer": "/days",
         "message": "required cookie parameter 'days' is missing"}]
    wrong = c.get("/widgets/search", headers={"Cookie": "days=abc"})
    assert wrong.status_code == 400 and wrong.json()["violations"][0]["location"] == "cookie"
    small = c.get("/widgets/search", headers={"Cookie": "other=1; days=0"})
    assert small.status_code == 400 and small.json()["violations"][0]["pointer"] == "/days"
    assert c.get("/widgets/search", headers={"Cookie": 'days="7"'}).status_code == 200


def test_parse_cookies() -> None:
    assert parse_cookies('a=1; b="two"; junk; a=3; c=') == {"a": "1", "b": "two", "c": ""}
    assert parse_cookies(None) == {}


def test_generic_examples_are_shared_not_copied_and_never_changed() -> None:
    from ledgerpact.generators.simulators.generic import GenericResponder

    doc = copy.deepcopy(WIDGETS)
    doc["components"]["responses"]["Problem"]["content"]["application/problem+json"][
        "example"] = {"type": "about:blank", "title": "Bad", "status": 400}
    responder = GenericResponder(doc, 1)
    request = SimRequest(method="GET", path="/widgets", operation_id="listWidgets",
                         path_template="/widgets")
    rng = random.Random(1)
    first = responder.respond("/widgets", "GET", request, {}, rng)
    second = responder.respond("/widgets", "GET", request, {}, rng)
    assert first.body == {"items": [{"id": 1, "name": "bolt", "price": "1.50"}]}
    assert second.body is first.body  # one example object, no copy per request
    get = SimRequest(method="GET", path="/widgets/5", operation_id="getWidget",
                     path_template="/widgets/{widgetId}")
    not_found = responder.respond("/widgets/{widgetId}", "GET", get, {"code": "404"}, rng)
    assert not_found.body["status"] == 404  # the shared example quotes 400
    bad = responder.respond("/widgets", "GET", request, {"code": "400"}, rng)
    assert bad.body == {"type": "about:blank", "title": "Bad", "status": 400}
    assert not_found.body is not bad.body


# -- HEAD and Accept ------------------------------------------------------------------------

def test_head_of_a_get_route_answers_headers_only(widgets: Running) -> None:
    c = widgets.client
    got = c.get("/widgets?limit=2", headers=TENANT)
    head = c.head("/widgets?limit=2", headers=TENANT)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] != "0"
    assert head.headers["content-type"] == "application/json"
    assert c.head("/widgets", headers={"X-Tenant": "BAD"}).status_code == 400  # validated
    entry = c.get("/__admin/journal").json()["items"][-1]
    assert entry["method"] == "HEAD" and entry["operationId"] == "listWidgets"
    refused = c.delete("/widgets")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, POST, HEAD"


@pytest.mark.parametrize(("accept", "status"), [
    (None, 200), ("*/*", 200), ("application/json", 200), ("application/*", 200),
    ("text/html, application/json;q=0.5", 200), ("application/problem+json", 200),
    ("text/html", 406), ("application/json;q=0, text/csv", 406), ("image/*", 406),
])
def test_accept_negotiation(widgets: Running, accept: str | None, status: int) -> None:
    headers = dict(TENANT)
    if accept is not None:
        headers["Accept"] = accept
    r = widgets.client.get("/widgets", headers=headers)
    assert r.status_code == status, r.text
    if status == 406:
        assert r.json()["declared"] == ["application/json", "application/problem+json"]
        assert "x-simulator-violation" not in r.headers  # listWidgets declares no 406
