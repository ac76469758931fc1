"""The generic responder: examples first, then generated data, chosen with ``Prefer``.

Every operation and every declared response and media type of the three registry contracts
is requested, both from examples and with ``dynamic=true``, and each body is validated with
the Python ``jsonschema`` package against the schema at its place in the bundled document.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ledgerpact.generators.simulators.generic import GenericResponder, parse_prefer
from ledgerpact.generators.simulators.messages import PROBLEM_JSON, SimRequest
from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.cli_support import catalog_for, open_registry

REPO = Path(__file__).resolve().parents[1]
URI = "urn:test:document"
CONTRACTS = ("erp-finance", "invoice-automation", "tax-engine")
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="session")
def documents() -> dict[str, dict[str, Any]]:
    ws = open_registry(REPO).workspace()
    catalog = catalog_for(ws)
    out = {}
    for cid in CONTRACTS:
        entry = catalog.get(cid)
        assert entry is not None
        out[cid] = bundle(ws, entry.document_path).document
    return out


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _follow(doc: dict[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"][1:]
        node = doc
        for tok in pointer.lstrip("/").split("/"):
            node = node[tok.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def _cases(doc: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any], str]]:
    """(template, method, status key, media type, response object, schema pointer)."""
    cases = []
    for template, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            for key, node in op["responses"].items():
                resp, rptr = _follow(doc, node, f"/paths/{_esc(template)}/{method}"
                                                f"/responses/{key}")
                for mt in resp.get("content") or {"": None}:
                    cases.append((template, method.upper(), str(key), mt, resp,
                                  f"{rptr}/content/{_esc(mt)}/schema" if mt else ""))
    return cases


def _request(template: str, method: str, accept: str = "",
             path_params: dict[str, str] | None = None) -> SimRequest:
    return SimRequest(method=method, path=template, operation_id="op", path_template=template,
                      path_params=path_params or {},
                      headers={"accept": accept} if accept else {})


def _validator(doc: dict[str, Any], pointer: str) -> Draft202012Validator:
    registry = Registry().with_resource(URI, Resource(contents=doc,
                                                      specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("contract", CONTRACTS)
@pytest.mark.parametrize("dynamic", ["false", "true"])
def test_prefer_code_serves_every_declared_response(
        documents: dict[str, dict[str, Any]], contract: str, dynamic: str) -> None:
    doc = documents[contract]
    responder = GenericResponder(doc, seed=3)
    cases = _cases(doc)
    assert len(cases) > 20
    failures = []
    for i, (template, method, key, mt, resp, pointer) in enumerate(cases):
        code = key if key.isdigit() else "200" if key == "default" else key[0] + "00"
        answer = responder.respond(template, method, _request(template, method, mt),
                                   {"code": code, "dynamic": dynamic}, random.Random(i))
        where = f"{method} {template} {key} {mt}"
        if str(answer.status) != code:
            failures.append(f"{where}: status {answer.status}")
            continue
        if not mt:
            if answer.body is not None:
                failures.append(f"{where}: a body where none is declared")
            continue
        if answer.media_type != mt:
            failures.append(f"{where}: media type {answer.media_type}")
        errors = [e.message for e in _validator(doc, pointer).iter_errors(answer.body)]
        if errors:
            failures.append(f"{where}: {errors[:2]}")
        for name, header in (resp.get("headers") or {}).items():
            header, _ = _follow(doc, header, "")
            if header.get("required") and name.lower() not in answer.headers:
                failures.append(f"{where}: required header {name} missing")
    assert failures == []


def test_default_is_lowest_2xx_with_first_example(
        documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["erp-finance"]
    responder = GenericResponder(doc, seed=0)
    answer = responder.respond("/invoice-validations", "POST",
                               _request("/invoice-validations", "POST"), {},
                               random.Random(0))
    media = doc["paths"]["/invoice-validations"]["post"]["responses"]["200"]["content"]
    first = next(iter(media["application/json"]["examples"].values()))
    assert answer.status == 200
    assert answer.body == first["value"]
    post = responder.respond("/invoice-postings", "POST", _request("/invoice-postings", "POST"),
                             {}, random.Random(0))
    assert post.status == 201  # the operation's only 2xx
    assert "location" in post.headers


def test_prefer_example_by_name(documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["erp-finance"]
    responder = GenericResponder(doc, seed=0)
    req = _request("/invoice-validations", "POST")
    clean = responder.respond("/invoice-validations", "POST", req, {"example": "clean"},
                              random.Random(0))
    examples = doc["paths"]["/invoice-validations"]["post"]["responses"]["200"]["content"][
        "application/json"]["examples"]
    assert clean.body == examples["clean"]["value"] != examples["blockedSupplier"]["value"]
    # A name only an error response has chooses that response.
    expired = responder.respond("/invoice-validations", "POST", req,
                                {"example": "expiredToken"}, random.Random(0))
    assert expired.status == 401 and expired.media_type == PROBLEM_JSON
    assert expired.body["code"] == "TOKEN_EXPIRED"


def test_unknown_example_lists_the_known_names(documents: dict[str, dict[str, Any]]) -> None:
    responder = GenericResponder(documents["erp-finance"], seed=0)
    answer = responder.respond("/invoice-validations", "POST",
                               _request("/invoice-validations", "POST"),
                               {"example": "nope"}, random.Random(0))
    assert answer.status == 400 and answer.media_type == PROBLEM_JSON
    assert {"clean", "blockedSupplier", "expiredToken"} <= set(answer.body["known"])
    assert "clean" in answer.body["detail"]


def test_undeclared_code_lists_the_declared_ones(documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["erp-finance"]
    responder = GenericResponder(doc, seed=0)
    answer = responder.respond("/suppliers", "GET", _request("/suppliers", "GET"),
                               {"code": "418"}, random.Random(0))
    assert answer.status == 400
    assert answer.body["title"] == "Prefer asks for an undeclared response"
    assert answer.body["declared"] == list(doc["paths"]["/suppliers"]["get"]["responses"])


def test_dynamic_is_generated_deterministic_and_echoes_path_ids(
        documents: dict[str, dict[str, Any]]) -> None:
    doc = documents["erp-finance"]
    template = "/suppliers/{supplierNumber}"
    req = _request(template, "GET", path_params={"supplierNumber": "V-777"})

    def run(seed: int) -> list[Any]:
        responder = GenericResponder(doc, seed=seed)
        rng = random.Random(seed)
        return [responder.respond(template, "GET", req, {"dynamic": "true"}, rng).body
                for _ in range(4)]

    first, again, other = run(1), run(1), run(2)
    assert first == again
    assert first != other
    assert len({repr(b) for b in first}) == 4  # a sequence, not one body repeated
    example = doc["paths"][template]["get"]["responses"]["200"]["content"][
        "application/json"]["examples"]["nordicOffice"]["value"]
    assert all(b != example and b["supplierNumber"] == "V-777" for b in first)


def _mini(openapi: str = "3.0.3") -> dict[str, Any]:
    return {
        "openapi": openapi, "info": {"title": "mini", "version": "1"},
        "paths": {
            "/things": {
                "get": {"responses": {
                    "2XX": {"description": "ok",
                            "headers": {"X-Request-Id": {"required": True,
                                                         "schema": {"type": "string",
                                                                    "format": "uuid"}},
                                        "Retry-After": {"required": True,
                                                        "schema": {"type": "integer",
                                                                   "minimum": 1}},
                                        "X-Optional": {"schema": {"type": "string"}}},
                            "content": {"text/csv": {"schema": {"type": "string"}},
                                        "application/json": {"schema": {
                                            "$ref": "#/components/schemas/Thing"}}}},
                    "default": {"description": "error", "content": {
                        "application/problem+json": {"schema": {"type": "object"}}}}}},
                "delete": {"responses": {"204": {"description": "gone"}}},
            }},
        "components": {"schemas": {"Thing": {
            "type": "object", "required": ["price", "note"],
            "properties": {"price": {"type": "number", "minimum": 0},
                           "note": {"type": "string", "nullable": True}},
            "example": {"price": 12.5, "note": None}}}},
    }


def test_ranges_headers_no_content_and_exact_examples() -> None:
    doc = _mini()
    responder = GenericResponder(doc, seed=0)
    got = responder.respond("/things", "GET", _request("/things", "GET"), {},
                            random.Random(0))
    assert got.status == 200 and got.media_type == "application/json"
    assert got.body == {"price": 12.5, "note": None}
    assert type(got.body["price"]).__name__ == "Decimal"  # YAML floats come out exact
    assert set(got.headers) == {"x-request-id", "retry-after"}
    assert int(got.headers["retry-after"]) >= 1
    assert len(got.headers["x-request-id"]) == 36
    ranged = responder.respond("/things", "GET", _request("/things", "GET"), {"code": "206"},
                               random.Random(0))
    assert ranged.status == 206
    csv = responder.respond("/things", "GET", _request("/things", "GET", "text/csv"), {},
                            random.Random(0))
    assert csv.media_type == "text/csv" and isinstance(csv.body, str)
    gone = responder.respond("/things", "DELETE", _request("/things", "DELETE"), {},
                             random.Random(0))
    assert gone.status == 204 and gone.body is None


def test_an_example_that_breaks_its_schema_is_not_served() -> None:
    doc = _mini()
    doc["components"]["schemas"]["Thing"]["example"] = {"price": -1, "note": "x"}
    responder = GenericResponder(doc, seed=0)
    got = responder.respond("/things", "GET", _request("/things", "GET"), {},
                            random.Random(0))
    assert got.body != {"price": -1, "note": "x"} and got.body["price"] >= 0


def test_parse_prefer() -> None:
    assert parse_prefer(None) == {}
    assert parse_prefer("code=404") == {"code": "404"}
    assert parse_prefer('code=200, example="clean"; dynamic=true') == {
        "code": "200", "example": "clean", "dynamic": "true"}
    assert parse_prefer("Dynamic, respond-async") == {"dynamic": "true",
                                                       "respond-async": "true"}
    assert parse_prefer(" , code = 201 ,code=500") == {"code": "201"}


def test_component_examples_through_ref() -> None:
    doc = _mini("3.1.0")
    doc["components"]["examples"] = {"Cheap": {"value": {"price": 1, "note": "cheap"}}}
    doc["paths"]["/things"]["get"]["responses"]["2XX"]["content"]["application/json"][
        "examples"] = {"cheap": {"$ref": "#/components/examples/Cheap"}}
    responder = GenericResponder(doc, seed=0)
    req = _request("/things", "GET")
    named = responder.respond("/things", "GET", req, {"example": "cheap"}, random.Random(0))
    assert named.body == {"price": 1, "note": "cheap"}
    assert responder.respond("/things", "GET", req, {}, random.Random(0)).body == named.body


def test_every_xero_response_is_served(corpora: Path) -> None:
    """An OpenAPI 3.0 vendor document (examples with float money, nullable) end to end."""
    import yaml

    from ledgerpact.generators.simulators.spec import nullable_to_type

    text = (corpora / "xero" / "xero_accounting-3.0.2.yaml").read_text()
    doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    checked = nullable_to_type(doc)
    responder = GenericResponder(doc, seed=5)
    failures, served = [], 0
    for i, (template, method, key, mt, _, pointer) in enumerate(_cases(doc)):
        code = key if key.isdigit() else "200"
        for dynamic in ("false", "true"):
            answer = responder.respond(template, method, _request(template, method, mt),
                                       {"code": code, "dynamic": dynamic}, random.Random(i))
            served += 1
            if str(answer.status) != code:
                failures.append(f"{method} {template} {key}: status {answer.status}")
            elif mt and _is_json(mt):
                errors = [e.message for e in _validator(checked, pointer).iter_errors(
                    answer.body)]
                if errors:
                    failures.append(f"{method} {template} {key} {dynamic}: {errors[:2]}")
    assert served > 300
    assert failures == []


def _is_json(mt: str) -> bool:
    return mt == "application/json" or mt.endswith("+json")
