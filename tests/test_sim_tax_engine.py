"""Tax-engine simulator: exact Decimal tax per the named rounding rule, validation findings,
jurisdictions and tax codes; every answer is checked against the tax-engine contract."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from ledgerpact.generators.simulators.behaviours.finance_data import tax_codes
from ledgerpact.generators.simulators.behaviours.tax_engine import behaviour
from ledgerpact.generators.simulators.behaviours.tax_rules import EXTRA_TAX_CODES
from ledgerpact.generators.simulators.messages import Context, SimRequest, SimResponse
from ledgerpact.generators.simulators.store import Store
from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.cli_support import catalog_for, open_registry

NOW = datetime(2024, 6, 3, 8, 15, 2, tzinfo=UTC)
OPERATIONS = {"validateTax": ("POST", "/tax-validations"),
              "calculateTax": ("POST", "/tax-calculations"),
              "listJurisdictions": ("GET", "/jurisdictions"),
              "getJurisdiction": ("GET", "/jurisdictions/{jurisdictionCode}"),
              "listJurisdictionTaxCodes": ("GET", "/jurisdictions/{jurisdictionCode}/tax-codes")}


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture(scope="module")
def contract(repo_root: Path) -> dict[str, Any]:
    ws = open_registry(repo_root).workspace()
    document: dict[str, Any] = bundle(ws, catalog_for(ws).get("tax-engine").document_path).document
    return document


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    store = Store.open(tmp_path / "tax.db")
    behaviour().seed(store, 7, None)
    emitted: list[tuple[str, Mapping[str, Any]]] = []
    yield Context(store=store, clock=FixedClock(), rng=random.Random(0), seed=7,
                  emit=lambda name, data: emitted.append((name, data)))
    assert emitted == []  # calculation and validation have no side effects
    store.close()


def call(ctx: Context, contract: dict[str, Any], operation: str, *, body: Any = None,
         query: Mapping[str, Any] | None = None,
         path_params: Mapping[str, Any] | None = None) -> SimResponse:
    method, template = OPERATIONS[operation]
    path = template
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", str(value))
    request = SimRequest(method=method, path=path, operation_id=operation,
                         path_template=template, path_params=path_params or {},
                         query=query or {}, body=body,
                         media_type="application/json" if body is not None else None)
    response = asyncio.run(behaviour().handle(request, ctx))
    assert response is not None
    assert_conforms(contract, method, template, response)
    return response


def _deref(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def assert_conforms(document: dict[str, Any], method: str, template: str,
                    response: SimResponse) -> None:
    """The response's status, media type, headers and body are what the contract declares."""
    declared = document["paths"][template][method.lower()]["responses"]
    assert str(response.status) in declared, f"status {response.status} not declared"
    spec = _deref(document, declared[str(response.status)])
    for name, header in spec.get("headers", {}).items():
        if _deref(document, header).get("required"):
            assert name in response.headers
    content = spec["content"]
    assert response.media_type in content
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "components": document["components"],
              "allOf": [content[response.media_type]["schema"]]}
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker())
                    .iter_errors(response.body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def q(value: Decimal, currency_decimals: int, mode: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-currency_decimals), rounding=mode)


def calc_request(jurisdiction: str, currency: str, rule: str,
                 lines: list[tuple[str, str]], *, inclusive: bool = False) -> dict[str, Any]:
    return {"jurisdiction": jurisdiction, "taxPointDate": "2024-05-31", "currency": currency,
            "roundingRule": rule, "pricesIncludeTax": inclusive,
            "lines": [{"lineId": str(i + 1), "amount": money(amount, currency),
                       "vatCategory": "S", "vatRate": rate}
                      for i, (amount, rate) in enumerate(lines)]}


# ---------------------------------------------------------------- calculation


def test_per_breakdown_rounds_each_category_and_rate_once(ctx: Context,
                                                          contract: dict[str, Any]) -> None:
    body = calc_request("DE", "EUR", "half-up-per-breakdown",
                        [("1000.00", "19"), ("250.00", "19")])
    body["lines"].append({"lineId": "3", "amount": money("80.00", "EUR"), "taxCode": "DE-V2"})
    result = call(ctx, contract, "calculateTax", body=body).body
    reduced = next(c for c in tax_codes() if c["code"] == "DE-V2")
    groups = {Decimal("19"): Decimal("1000.00") + Decimal("250.00"),
              Decimal(reduced["rate"]): Decimal("80.00")}
    expected_tax = {rate: q(amount * rate / 100, 2, ROUND_HALF_UP)
                    for rate, amount in groups.items()}
    rows = {Decimal(r["vatRate"]): r for r in result["breakdown"]}
    assert set(rows) == set(groups)
    for rate, row in rows.items():
        assert Decimal(row["taxableAmount"]["amount"]) == groups[rate]
        assert Decimal(row["taxAmount"]["amount"]) == expected_tax[rate]
    assert result["lines"][2]["taxCode"] == "DE-V2"
    assert result["lines"][2]["vatRate"] == reduced["rate"]
    total_tax = sum(expected_tax.values(), Decimal(0))
    assert Decimal(result["totals"]["taxAmount"]["amount"]) == total_tax
    assert Decimal(result["totals"]["taxExclusiveAmount"]["amount"]) == sum(groups.values())
    assert (Decimal(result["totals"]["taxInclusiveAmount"]["amount"])
            == sum(groups.values()) + total_tax)


def test_per_line_and_per_breakdown_differ_exactly_as_the_rule_says(
        ctx: Context, contract: dict[str, Any]) -> None:
    amounts = ["0.10"] * 10
    rate = Decimal("7")
    per_line = sum((q(Decimal(a) * rate / 100, 2, ROUND_HALF_UP) for a in amounts), Decimal(0))
    per_row = q(sum((Decimal(a) for a in amounts), Decimal(0)) * rate / 100, 2, ROUND_HALF_UP)
    assert per_line != per_row  # the case is chosen so that the rule matters
    lines = [(a, "7") for a in amounts]
    by_line = call(ctx, contract, "calculateTax",
                   body=calc_request("DE", "EUR", "half-up-per-line", lines)).body
    by_row = call(ctx, contract, "calculateTax",
                  body=calc_request("DE", "EUR", "half-up-per-breakdown", lines)).body
    assert Decimal(by_line["totals"]["taxAmount"]["amount"]) == per_line
    assert Decimal(by_row["totals"]["taxAmount"]["amount"]) == per_row
    assert by_line["roundingRule"] == "half-up-per-line"


@pytest.mark.parametrize("rule, mode", [("half-up-per-breakdown", ROUND_HALF_UP),
                                        ("half-even-per-breakdown", ROUND_HALF_EVEN)])
def test_half_up_and_half_even_on_an_exact_half(ctx: Context, contract: dict[str, Any],
                                                rule: str, mode: str) -> None:
    amount, rate = Decimal("0.50"), Decimal("5")  # tax 0.025: exactly half a cent
    result = call(ctx, contract, "calculateTax",
                  body=calc_request("DE", "EUR", rule, [("0.50", "5")])).body
    assert Decimal(result["totals"]["taxAmount"]["amount"]) == q(amount * rate / 100, 2, mode)


@pytest.mark.parametrize("jurisdiction, currency, decimals, lines", [
    ("JP", "JPY", 0, [("1234", "10"), ("1235", "8")]),
    ("DE", "EUR", 2, [("12.35", "19"), ("0.99", "7")]),
    ("BH", "KWD", 3, [("10.125", "10"), ("3.333", "10")]),
])
def test_tax_is_rounded_to_the_currency_minor_unit(
        ctx: Context, contract: dict[str, Any], jurisdiction: str, currency: str,
        decimals: int, lines: list[tuple[str, str]]) -> None:
    result = call(ctx, contract, "calculateTax",
                  body=calc_request(jurisdiction, currency, "half-up-per-line", lines)).body
    for line, (amount, rate) in zip(result["lines"], lines, strict=True):
        expected = q(Decimal(amount) * Decimal(rate) / 100, decimals, ROUND_HALF_UP)
        text = line["taxAmount"]["amount"]
        assert Decimal(text) == expected
        assert text == format(expected, "f")  # exactly the minor unit, no more, no less
        assert (len(text.partition(".")[2])) == decimals
        assert line["taxAmount"]["currency"] == currency


def test_prices_including_tax_extract_the_tax(ctx: Context, contract: dict[str, Any]) -> None:
    lines = [("119.00", "19"), ("10.00", "19")]
    result = call(ctx, contract, "calculateTax",
                  body=calc_request("DE", "EUR", "half-up-per-line", lines,
                                    inclusive=True)).body
    assert result["pricesIncludeTax"] is True
    for line, (gross, rate) in zip(result["lines"], lines, strict=True):
        tax = q(Decimal(gross) * Decimal(rate) / (100 + Decimal(rate)), 2, ROUND_HALF_UP)
        assert Decimal(line["taxAmount"]["amount"]) == tax
        assert Decimal(line["taxableAmount"]["amount"]) == Decimal(gross) - tax
    gross_total = sum((Decimal(g) for g, _ in lines), Decimal(0))
    assert Decimal(result["totals"]["taxInclusiveAmount"]["amount"]) == gross_total


def test_exempt_tax_code_carries_its_exemption_reason(ctx: Context,
                                                      contract: dict[str, Any]) -> None:
    exempt = next(c for c in tax_codes() if c["code"] == "DE-VE")
    body = {"jurisdiction": "DE", "taxPointDate": "2024-05-31", "currency": "EUR",
            "lines": [{"lineId": "1", "amount": money("500.00", "EUR"), "taxCode": "DE-VE"}]}
    result = call(ctx, contract, "calculateTax", body=body).body
    assert result["roundingRule"] == "half-up-per-breakdown"  # DE's default
    (row,) = result["breakdown"]
    assert row["vatCategory"] == exempt["category"]
    assert row["exemptionReasonCode"] == exempt["exemptionReasonCode"]
    assert Decimal(row["taxAmount"]["amount"]) == 0


def test_unevaluable_calculations_are_422_with_pointers(ctx: Context,
                                                        contract: dict[str, Any]) -> None:
    body = calc_request("DE", "EUR", "half-up-per-line", [("10.00", "19"), ("5.00", "19")])
    body["lines"][1]["amount"]["currency"] = "USD"
    body["lines"].append({"lineId": "3", "amount": money("1.00", "EUR"), "taxCode": "XX-9"})
    response = call(ctx, contract, "calculateTax", body=body)
    assert response.status == 422
    assert {(e["pointer"], e["code"]) for e in response.body["errors"]} == {
        ("/lines/1/amount/currency", "CURRENCY_MISMATCH"),
        ("/lines/2/taxCode", "TAX_CODE_NOT_VALID")}
    unknown = call(ctx, contract, "calculateTax", body={**body, "jurisdiction": "ZZ"})
    assert unknown.status == 422
    assert unknown.body["errors"][0]["pointer"] == "/jurisdiction"


# ---------------------------------------------------------------- validation


def test_the_contract_example_rate_is_not_valid_in_germany(ctx: Context,
                                                           contract: dict[str, Any]) -> None:
    body = {"jurisdiction": "DE", "taxPointDate": "2024-05-31",
            "registrations": [{"scheme": "VAT", "id": "DE123456789", "countryCode": "DE"},
                              {"scheme": "VAT", "id": "DE12345", "countryCode": "DE"}],
            "lines": [{"lineId": "1", "vatCategory": "S", "vatRate": "19"},
                      {"lineId": "2", "vatCategory": "S", "vatRate": "16"},
                      {"lineId": "3", "vatCategory": "E", "vatRate": "0"}]}
    result = call(ctx, contract, "validateTax", body=body).body
    assert result["valid"] is False
    assert [r["status"] for r in result["registrations"]] == ["valid", "invalid"]
    found = {(f["code"], f["pointer"]) for f in result["findings"]}
    assert ("TAX_RATE_NOT_VALID_FOR_CATEGORY", "/lines/1/vatRate") in found
    assert ("REGISTRATION_FORMAT_INVALID", "/registrations/1/id") in found
    assert ("EXEMPTION_REASON_MISSING", "/lines/2/vatCategory") in found
    assert not any(f["pointer"].startswith("/lines/0") for f in result["findings"])
    german = {Decimal(c["rate"]) for c in tax_codes() if c["jurisdiction"]["countryCode"] == "DE"
              and c["category"] == "S" and "validTo" not in c}
    message = next(f["message"] for f in result["findings"] if f["pointer"] == "/lines/1/vatRate")
    assert all(format(rate.normalize(), "f") in message for rate in german)


def test_a_rate_is_valid_on_dates_inside_its_window_only(ctx: Context,
                                                         contract: dict[str, Any]) -> None:
    expired = next(c for c in tax_codes() if c["jurisdiction"]["countryCode"] == "DE"
                   and "validTo" in c)
    line = {"lineId": "1", "vatCategory": "S", "vatRate": expired["rate"]}
    inside = call(ctx, contract, "validateTax", body={
        "jurisdiction": "DE", "taxPointDate": expired["validTo"], "lines": [line]}).body
    after = call(ctx, contract, "validateTax", body={
        "jurisdiction": "DE", "taxPointDate": "2024-05-31", "lines": [line]}).body
    assert inside["valid"] is True and inside["findings"] == []
    assert after["valid"] is False
    assert inside["taxPointDate"] == expired["validTo"]


def test_a_whole_document_is_checked(ctx: Context, contract: dict[str, Any],
                                     repo_root: Path) -> None:
    import yaml

    document = yaml.safe_load((repo_root / "contracts/invoice-automation/openapi.yaml")
                              .read_text())["components"]["examples"]["Invoice"]["value"]
    result = call(ctx, contract, "validateTax",
                  body={"jurisdiction": "DE", "document": document}).body
    assert result["valid"] is True
    assert result["taxPointDate"] == document["issueDate"]  # BT-7 absent: the issue date
    assert [r["pointer"] for r in result["registrations"]] == [
        "/document/seller/taxRegistrations/0", "/document/buyer/taxRegistrations/0"]
    document["lines"][1]["vat"]["rate"] = "16"
    wrong = call(ctx, contract, "validateTax",
                 body={"jurisdiction": "DE", "document": document}).body
    assert wrong["valid"] is False
    assert wrong["findings"][0]["pointer"] == "/document/lines/1/vat/rate"


# ---------------------------------------------------------------- jurisdictions


def test_jurisdictions_page_through_every_code_once(ctx: Context,
                                                    contract: dict[str, Any]) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 4}
        if cursor:
            query["cursor"] = cursor
        response = call(ctx, contract, "listJurisdictions", query=query)
        page = response.body
        seen += [j["code"] for j in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            assert "Link" not in response.headers
            break
        assert f"cursor={cursor}" in response.headers["Link"]
    countries = {c["jurisdiction"]["countryCode"] for c in tax_codes()}
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert countries <= set(seen)
    us = call(ctx, contract, "listJurisdictions", query={"countryCode": "US"}).body
    assert [j["code"] for j in us["items"]] == ["US-CA"]
    bad = call(ctx, contract, "listJurisdictions", query={"cursor": "not-a-cursor"})
    assert bad.status == 400


def test_get_jurisdiction_and_not_found(ctx: Context, contract: dict[str, Any]) -> None:
    japan = call(ctx, contract, "getJurisdiction", path_params={"jurisdictionCode": "JP"})
    assert japan.status == 200 and japan.body["currency"] == "JPY"
    missing = call(ctx, contract, "getJurisdiction", path_params={"jurisdictionCode": "XX"})
    assert missing.status == 404 and missing.body["code"] == "JURISDICTION_NOT_FOUND"


def test_tax_codes_are_the_erp_codes_valid_on_the_date(ctx: Context,
                                                       contract: dict[str, Any]) -> None:
    def codes(valid_on: str) -> dict[str, dict[str, Any]]:
        page = call(ctx, contract, "listJurisdictionTaxCodes",
                    path_params={"jurisdictionCode": "DE"},
                    query={"validOn": valid_on, "limit": 200}).body
        return {c["code"]: c for c in page["items"]}

    # the ERP's codes plus the German codes of the tax-engine contract's own examples
    erp = {c["code"]: c for c in [*tax_codes(), *EXTRA_TAX_CODES]
           if c["jurisdiction"]["countryCode"] == "DE"}
    now, then = codes("2024-05-31"), codes("2020-09-01")
    assert now == {k: v for k, v in erp.items() if "validTo" not in v}
    assert set(then) == set(erp)  # the 2020 temporary rates were valid then
    missing = call(ctx, contract, "listJurisdictionTaxCodes",
                   path_params={"jurisdictionCode": "XX"})
    assert missing.status == 404
