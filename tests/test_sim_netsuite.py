"""The NetSuite-style vendor simulator (issue 8, point 1) over real HTTP on 127.0.0.1.

The adapter tests rely on the vendor behaving like one: native ids and references, offset
lists with ``q``, money as exact JSON numbers, native statuses and errors, idempotency by
``X-NetSuite-Idempotency-Key``, and admin actions that move vendors and payments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators import jsonio
from ledgerpact.generators.simulators.behaviours import finance_data
from ledgerpact.generators.simulators.server import Background, build, start_in_thread

REPO = Path(__file__).resolve().parents[1]
BASE = "/services/rest/record/v1"
AUTH = {"Authorization": "Bearer test"}
KEY = "X-NetSuite-Idempotency-Key"


@pytest.fixture(scope="module")
def vendor() -> Iterator[Background]:
    sim = build("netsuite", in_memory=True, registry=REPO)
    running = start_in_thread(sim.app)
    try:
        yield running
    finally:
        running.stop()
        sim.close()


def get(vendor: Background, path: str, **params: Any) -> httpx.Response:
    response = httpx.get(f"{vendor.url}{BASE}{path}", params=params, headers=AUTH)
    assert "x-simulator-violation" not in response.headers, \
        response.headers["x-simulator-violation"]
    return response


def post_bill(vendor: Background, body: dict[str, Any], key: str | None) -> httpx.Response:
    headers = {**AUTH, "Content-Type": "application/json"}
    if key is not None:
        headers[KEY] = key
    response = httpx.post(f"{vendor.url}{BASE}/vendorBill", content=jsonio.dumps(body),
                          headers=headers)
    assert "x-simulator-violation" not in response.headers, \
        response.headers["x-simulator-violation"]
    return response


def action(vendor: Background, name: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{vendor.url}/__admin/actions/{name}", json=body)


def bill_for(vendor: Background, number: str, *amounts: str,
             vendor_id: str = "eid:V-100001") -> dict[str, Any]:
    supplier = get(vendor, f"/vendor/{vendor_id}").json()
    expense_account = get(vendor, "/account", q='acctNumber IS "400000"').json()["items"][0]
    tax = get(vendor, "/salesTaxItem", q='itemId IS "DE-V1"').json()["items"][0]
    return {"tranId": number, "externalId": f"AP-{number}", "entity": {"id": supplier["id"]},
            "currency": {"id": "2"}, "custbody_lp_document_date": "2024-06-01",
            "expense": {"items": [{"account": {"id": expense_account["id"]},
                                   "amount": Decimal(a), "taxCode": {"id": tax["id"]},
                                   "taxAmount": Decimal(a) * Decimal("0.19")}
                                  for a in amounts]}}


def test_seeded_world_is_the_reference_data_in_native_shape(vendor: Background) -> None:
    data = finance_data.reference_data(1)
    listed = get(vendor, "/vendor").json()
    assert listed["totalResults"] == len(data["suppliers"])
    assert [v["externalId"] for v in listed["items"]] == \
        [s["supplierNumber"] for s in data["suppliers"]]
    for record in listed["items"]:
        assert re.fullmatch(r"[0-9]+", record["id"])
        assert set(record["entityStatus"]) == {"id", "refName"}
    first = get(vendor, "/vendor/eid:V-100001").json()
    assert first == get(vendor, f"/vendor/{first['id']}").json()
    # the same seed gives the same world (ids included) in a second simulator
    again = build("netsuite", in_memory=True, registry=REPO)
    try:
        other = start_in_thread(again.app)
        try:
            twin = httpx.get(f"{other.url}{BASE}/purchaseOrder", headers=AUTH).json()
        finally:
            other.stop()
    finally:
        again.close()
    assert twin == get(vendor, "/purchaseOrder").json()
    blocked = [s for s in data["suppliers"] if s["status"] == "blocked"]
    held = get(vendor, "/vendor", q="custentity_lp_payment_hold IS true").json()["items"]
    assert [v["externalId"] for v in held] == [s["supplierNumber"] for s in blocked]


def test_lists_page_by_offset_and_filter_with_q(vendor: Background) -> None:
    page = get(vendor, "/salesTaxItem", limit=10, offset=5).json()
    assert (page["count"], page["offset"], page["hasMore"]) == (10, 5, True)
    assert page["totalResults"] == len(finance_data.tax_codes())
    assert {link["rel"] for link in page["links"]} == {"self", "next", "previous"}
    german = get(vendor, "/salesTaxItem",
                 q='country.id IS "DE" AND available IS "PURCHASE"').json()["items"]
    assert german and all(t["itemId"].startswith("DE-") for t in german)
    bad = get(vendor, "/vendor", q="companyName SOUNDS_LIKE x")
    assert bad.status_code == 400
    assert bad.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_PARAMETER"


def test_money_numbers_keep_their_digits(vendor: Background) -> None:
    """2985.40 stays 2985.40 on the wire: the vendor writes Decimals, never floats."""
    data = finance_data.reference_data(1)
    po = data["purchaseOrders"][0]
    raw = get(vendor, f"/purchaseOrder/eid:{po['poNumber']}").content
    amount = po["lines"][0]["netAmount"]["amount"]
    assert f'"amount":{amount}'.encode() in raw
    parsed = jsonio.loads(raw)
    assert parsed["item"]["items"][0]["amount"] == Decimal(amount)
    assert str(parsed["subtotal"]) == po["totals"]["netTotal"]["amount"]
    body = bill_for(vendor, "EXACT-1", "0.10", "0.20")
    created = post_bill(vendor, body, "exact-key-000001")
    assert created.status_code == 204
    bill_raw = httpx.get(f"{vendor.url}{created.headers['location']}", headers=AUTH).content
    bill = jsonio.loads(bill_raw)
    assert bill["total"] == Decimal("0.3570") and b'"total":0.3570' in bill_raw


def test_bill_idempotency_replays_and_refuses_another_body(vendor: Background) -> None:
    body = bill_for(vendor, "IDEM-1", "100.00")
    first = post_bill(vendor, body, "idem-key-00000001")
    assert first.status_code == 204 and first.headers["location"].startswith(BASE)
    replay = post_bill(vendor, body, "idem-key-00000001")
    assert replay.status_code == 204
    assert replay.headers["location"] == first.headers["location"]
    # the replay says so (the first answer does not): a caller that lost a race to its own
    # retry must not announce the bill a second time
    assert "x-netsuite-idempotent-replay" not in first.headers
    assert replay.headers["x-netsuite-idempotent-replay"] == "true"
    assert len(get(vendor, "/vendorBill", q='tranId IS "IDEM-1"').json()["items"]) == 1
    other = post_bill(vendor, {**body, "memo": "changed"}, "idem-key-00000001")
    assert other.status_code == 409
    assert other.json()["o:errorDetails"][0]["o:errorCode"] == "IDEMPOTENCY_KEY_CONFLICT"
    bill = httpx.get(f"{vendor.url}{first.headers['location']}", headers=AUTH).json()
    assert bill["custbody_lp_idempotency_key"] == "idem-key-00000001"
    assert (bill["approvalStatus"], bill["status"]) == (
        {"id": "2", "refName": "Approved"}, {"id": "A", "refName": "Open"})


def test_errors_have_the_native_shape(vendor: Background) -> None:
    missing = get(vendor, "/vendor/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    error = missing.json()
    assert set(error) == {"type", "title", "status", "o:errorDetails"}
    assert error["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"
    body = bill_for(vendor, "ERR-1", "10.00")
    body["entity"] = {"id": "1"}
    refused = post_bill(vendor, body, None)
    assert refused.status_code == 400
    assert refused.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_KEY_OR_REF"
    ok = bill_for(vendor, "ERR-2", "10.00")
    assert post_bill(vendor, ok, None).status_code == 204
    duplicate = post_bill(vendor, ok, None)
    assert duplicate.status_code == 400
    assert duplicate.json()["o:errorDetails"][0]["o:errorCode"] == "DUP_RCRD"
    wrong_total = bill_for(vendor, "ERR-3", "10.00")
    wrong_total["taxTotal"] = Decimal("99")
    assert post_bill(vendor, wrong_total, None).json()["o:errorDetails"][0][
        "o:errorCode"] == "INVALID_FLD_VALUE"


def test_errors_the_engine_answers_have_the_native_shape(vendor: Background) -> None:
    """Invalid requests, missing credentials and unknown paths are refused by the engine
    before the behaviour runs; the vendor still answers with ``o:errorDetails``."""
    answers = [
        httpx.get(f"{vendor.url}{BASE}/vendor/not-an-id", headers=AUTH),
        httpx.get(f"{vendor.url}{BASE}/vendor", params={"limit": 0}, headers=AUTH),
        httpx.get(f"{vendor.url}{BASE}/vendor/1"),
        httpx.post(f"{vendor.url}{BASE}/vendorBill", content=b"{}", headers={
            **AUTH, "Content-Type": "application/json"}),
        httpx.post(f"{vendor.url}{BASE}/vendorBill", content=b"x", headers={
            **AUTH, "Content-Type": "text/plain"}),
    ]
    for response in answers:
        assert response.status_code >= 400, response.text
        assert "x-simulator-violation" not in response.headers, \
            response.headers["x-simulator-violation"]
        error = response.json()
        assert error["status"] == response.status_code
        assert error["o:errorDetails"][0]["o:errorCode"], error
        assert "violations" not in error and "code" not in error
    assert answers[2].status_code == 401
    assert answers[2].json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_schemathesis_gets_native_conformant_answers(vendor: Background, mode: str) -> None:
    """Schemathesis' positive and negative data (examples, coverage for negative, fuzzing)
    for every netsuite-rest operation: each answer conforms to the native contract (status,
    content type, schema, headers), invalid requests are refused, nothing is a 5xx, and the
    engine reports no violation. Driven as tests/test_sim_schemathesis.py drives the
    canonical simulators, with fewer examples."""
    from tests.test_sim_schemathesis import (
        NEGATIVE_CHECKS,
        POSITIVE_CHECKS,
        data_config,
        load_schema,
        run_operations,
    )

    httpx.post(f"{vendor.url}/__admin/reset", json={"seed": 1}).raise_for_status()
    config = data_config(mode, coverage=mode == "negative")
    config["generation"]["max-examples"] = min(config["generation"]["max-examples"], 5)
    schema = load_schema("netsuite-rest", config)
    failures, skipped = run_operations(
        schema, vendor.url, NEGATIVE_CHECKS if mode == "negative" else POSITIVE_CHECKS)
    assert not failures, "\n\n".join(failures)
    assert not skipped, skipped


def test_bill_books_gl_impact_and_schedules_a_payment(vendor: Background) -> None:
    created = post_bill(vendor, bill_for(vendor, "GL-1", "200.00", "50.00"), "gl-key-000000001")
    bill = httpx.get(f"{vendor.url}{created.headers['location']}", headers=AUTH).json()
    entry = jsonio.loads(get(vendor, f"/journalEntry/{bill['custbody_lp_gl_impact']['id']}")
                         .content)
    lines = entry["line"]["items"]
    debit = sum((line.get("debit", Decimal(0)) for line in lines), Decimal(0))
    credit = sum((line.get("credit", Decimal(0)) for line in lines), Decimal(0))
    assert debit == credit == Decimal("297.50")
    assert [line["account"]["refName"] for line in lines] == ["400000", "154000", "160000"]
    payment = jsonio.loads(get(vendor, f"/vendorPayment/{bill['custbody_lp_payment']['id']}")
                           .content)
    assert payment["status"] == {"id": "A", "refName": "Pending Bank Transfer"}
    assert payment["total"] == Decimal("297.50")
    assert payment["apply"]["items"][0]["doc"]["id"] == bill["id"]


def test_admin_actions_move_vendors_and_payments(vendor: Background) -> None:
    moved = action(vendor, "set-vendor-status",
                   {"id": "eid:V-100002", "paymentHold": True, "reason": "Sanctions check."})
    assert moved.status_code == 200 and moved.json()["changed"] is True
    record = get(vendor, "/vendor/eid:V-100002").json()
    assert record["custentity_lp_payment_hold"] is True
    assert record["custentity_lp_status_reason"] == "Sanctions check."
    assert action(vendor, "set-vendor-status",
                  {"id": "eid:V-100002", "entityStatus": "9"}).status_code == 400
    created = post_bill(vendor, bill_for(vendor, "PAY-1", "80.00"), "pay-key-00000001")
    bill = httpx.get(f"{vendor.url}{created.headers['location']}", headers=AUTH).json()
    payment_id = bill["custbody_lp_payment"]["id"]
    assert action(vendor, "settle-payment", {"id": payment_id}).status_code == 409
    assert action(vendor, "release-payment", {"id": payment_id}).json()["status"]["id"] == "B"
    settled = action(vendor, "settle-payment", {"id": payment_id, "valueDate": "2024-07-01"})
    assert settled.json()["status"] == {"id": "C", "refName": "Cleared"}
    assert settled.json()["custbody_lp_value_date"] == "2024-07-01"
    assert [h["status"]["id"] for h in
            settled.json()["custbody_lp_status_history"]["items"]] == ["A", "B", "C"]
    paid = httpx.get(f"{vendor.url}{created.headers['location']}", headers=AUTH).json()
    assert paid["status"] == {"id": "B", "refName": "Paid In Full"}
    second = post_bill(vendor, bill_for(vendor, "PAY-2", "80.00"), "pay-key-00000002")
    other = httpx.get(f"{vendor.url}{second.headers['location']}", headers=AUTH).json()
    other_id = other["custbody_lp_payment"]["id"]
    action(vendor, "release-payment", {"id": other_id})
    failed = action(vendor, "fail-payment", {"id": other_id, "reasonCode": "AC01"}).json()
    assert failed["status"]["id"] == "D" and failed["custbody_lp_reject_code"] == "AC01"
    assert action(vendor, "fail-payment", {"id": "77"}).status_code == 404


def test_contract_is_in_the_registry_and_lints_only_for_native_conventions() -> None:
    """The only findings are the vendor's native conventions (number money awaiting its
    waiver, offset paging awaiting its waiver), nothing structural."""
    import subprocess
    import sys

    bin_ = Path(sys.executable).parent / "ledgerpact"
    result = subprocess.run([str(bin_), "lint", "netsuite-rest", "--ruleset", "strict",
                             "--fail-severity", "hint", "--format", "json"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    findings = json.loads(result.stdout)
    rules = {f["rule"] for f in _findings(findings) if not f.get("waived")}
    assert rules <= {"finance-money-decimal-string", "finance-pagination-cursor"}, rules


def _findings(report: Any) -> list[dict[str, Any]]:
    if isinstance(report, list):
        return report
    for key in ("findings", "violations", "results"):
        if isinstance(report.get(key), list):
            return list(report[key])
    found: list[dict[str, Any]] = []
    for value in report.get("contracts", []):
        found.extend(_findings(value))
    return found
