"""Simulator defects a QA run found, each pinned by a test over real HTTP.

The erp, invoice-automation and tax-engine simulators are built from this checkout's
registry exactly as ``ledgerpact simulate`` builds them (``server.build``) and served by
uvicorn in a thread on 127.0.0.1; the command-line refusals run the real CLI. Each test
failed before its fix: a UBL amount finer than its currency (500 from the event schema), an
issue date whose due date is past 9999-12-31 (500 OverflowError), a state folder that cannot
be created (traceback), fault rules naming no route (accepted, never fired), admin
parameters outside their range (silently misread), a double-encoded problem ``instance``,
and the tax engine refusing its own contract's example.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ledgerpact.generators.simulators.server import Background, build, start_in_thread

ROOT = Path(__file__).resolve().parents[1]  # this checkout: its registry serves the contracts
CLI = Path(sys.executable).with_name("ledgerpact")
AUTH = {"Authorization": "Bearer test"}  # any token: the simulator checks presence only
PORTS = range(19500, 20000)  # the only ports these tests may listen on


def _contract(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "contracts" / name / "openapi.yaml").read_text())


def _free_port() -> int:
    """A port of PORTS nothing listens on (random order, so parallel runs rarely collide)."""
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 19500-19999")


class Served:
    """A simulator served in a thread, with an httpx client on it."""

    def __init__(self, target: str) -> None:
        self.sim = build(target, registry=ROOT, in_memory=True, seed=1)
        self.running: Background = start_in_thread(self.sim.app, port=_free_port())
        self.client = httpx.Client(base_url=self.running.url, timeout=30, trust_env=False)

    def close(self) -> None:
        self.client.close()
        self.running.stop()
        self.sim.close()


@pytest.fixture(scope="module")
def erp() -> Iterator[Served]:
    served = Served("erp")
    yield served
    served.close()


@pytest.fixture(scope="module")
def invoice_automation() -> Iterator[Served]:
    served = Served("invoice-automation")
    yield served
    served.close()


@pytest.fixture(scope="module")
def tax_engine() -> Iterator[Served]:
    served = Served("tax-engine")
    yield served
    served.close()


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "simulate", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- 1. UBL amount decimals


def _ubl_example() -> str:
    post = _contract("invoice-automation")["paths"]["/invoices"]["post"]
    return post["requestBody"]["content"]["application/xml"]["examples"]["ublInvoice"]["value"]


def _capture_xml(served: Served, xml: str, key: str) -> httpx.Response:
    return served.client.post("/invoices", content=xml.encode(), headers={
        **AUTH, "Content-Type": "application/xml", "Idempotency-Key": key})


def test_ubl_amount_finer_than_its_currency_is_refused_at_its_xml_element(
        invoice_automation: Served) -> None:
    before = invoice_automation.client.get("/__admin/events").json()["count"]
    xml = (_ubl_example().replace("INV-2024-0042", "INV-HARD-3DEC")
           .replace(">1486.79<", ">1486.790<"))
    response = _capture_xml(invoice_automation, xml, "hardening-ubl-3dec-0001")
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {e["code"] for e in errors} == {"UBL_INVALID"}
    assert "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount" in {e["pointer"] for e in errors}
    assert all("EUR allows 2 decimals" in e["detail"] for e in errors)
    # nothing was stored or announced
    listed = invoice_automation.client.get("/invoices", headers=AUTH).json()["items"]
    assert all(i["document"]["number"] != "INV-HARD-3DEC" for i in listed)
    assert invoice_automation.client.get("/__admin/events").json()["count"] == before


def test_a_sub_cent_amount_is_a_decimals_finding_not_a_totals_mismatch(
        invoice_automation: Served) -> None:
    xml = (_ubl_example().replace("INV-2024-0042", "INV-HARD-1001")
           .replace(">1486.79<", ">1486.791<"))
    response = _capture_xml(invoice_automation, xml, "hardening-ubl-1001-0001")
    assert response.status_code == 422, response.text
    codes = {e["code"] for e in response.json()["errors"]}
    assert codes == {"UBL_INVALID"}  # before: only TOTALS_DO_NOT_RECONCILE


def test_the_contract_ubl_example_is_still_captured(invoice_automation: Served) -> None:
    xml = _ubl_example().replace("INV-2024-0042", "INV-HARD-CLEAN")
    response = _capture_xml(invoice_automation, xml, "hardening-ubl-clean-001")
    assert response.status_code == 201, response.text


def test_elements_nested_past_the_depth_limit_are_refused_quickly(
        invoice_automation: Served) -> None:
    """XML nested deeper than 256 elements is refused as JSON and YAML are: before, 3,000
    levels were a 500 (RecursionError), and a million levels (7 MB) held the event loop for
    20 s in the amount check. A real UBL invoice, with an unknown element 200 deep, still
    loads."""
    xml = _ubl_example().replace("INV-2024-0042", "INV-HARD-DEEP")
    at = xml.index("<cbc:DocumentCurrencyCode")

    def nested(depth: int, number: str) -> str:
        chain = "<ext:Deep xmlns:ext='urn:x'>" + "<x>" * depth + "</x>" * depth + "</ext:Deep>"
        return (xml[:at] + "<cbc:Note>n</cbc:Note>" + chain + xml[at:]).replace(
            "INV-HARD-DEEP", number)

    for depth in (3_000, 1_000_000):
        started = time.monotonic()
        refused = _capture_xml(invoice_automation, nested(depth, f"INV-HARD-D{depth}"),
                               f"hardening-ubl-deep-{depth}")
        assert refused.status_code == 422, refused.text
        assert "nested deeper than 256 levels" in refused.json()["errors"][0]["detail"]
        assert time.monotonic() - started < 10
    accepted = _capture_xml(invoice_automation, nested(200, "INV-HARD-D200"),
                            "hardening-ubl-deep-200")
    assert accepted.status_code == 201, accepted.text


# ---------------------------------------------------------------- 2. due date out of range


def _sample(erp: Served, **changes: str) -> dict[str, Any]:
    document = erp.client.post("/__admin/actions/sample-invoice", json={}).json()
    document.update(changes)
    return dict(document)


def _validate_and_post(erp: Served, document: dict[str, Any], key: str
                       ) -> tuple[dict[str, Any], httpx.Response]:
    checked = erp.client.post("/invoice-validations", json=document, headers=AUTH)
    assert checked.status_code == 200, checked.text
    posted = erp.client.post("/invoice-postings", json=document,
                             headers={**AUTH, "Idempotency-Key": key})
    return checked.json(), posted


def test_an_issue_date_whose_due_date_overflows_is_a_finding_of_both(erp: Served) -> None:
    document = _sample(erp, issueDate="9999-12-31", number="HARD-FAR-1")
    checked, posted = _validate_and_post(erp, document, "hardening-far-future-1")
    assert checked["valid"] is False
    assert [f["code"] for f in checked["findings"]] == ["DUE_DATE_OUT_OF_RANGE"]
    assert posted.status_code == 422, posted.text  # before: 500 OverflowError
    assert [e["code"] for e in posted.json()["errors"]] == ["DUE_DATE_OUT_OF_RANGE"]
    assert posted.json()["errors"][0]["pointer"] == "/issueDate"


def test_the_same_holds_with_the_clock_at_the_end_of_time(erp: Served) -> None:
    assert erp.client.put("/__admin/clock", json={"now": "9999-12-31T23:59:59Z"}).is_success
    try:
        document = _sample(erp, number="HARD-FAR-2")  # dated today: 9999-12-31
        checked, posted = _validate_and_post(erp, document, "hardening-far-future-2")
        assert checked["valid"] is False and posted.status_code == 422, posted.text
        with_due = _sample(erp, number="HARD-FAR-3", dueDate="9999-12-31")
        checked, posted = _validate_and_post(erp, with_due, "hardening-far-future-3")
        assert checked["valid"] is True and posted.status_code == 201, posted.text
    finally:
        erp.client.put("/__admin/clock", json={"now": None})


# ---------------------------------------------------------------- 3. state folder


@pytest.mark.parametrize("where", ["under-a-file", "proc", "default-under-a-file"])
def test_a_state_folder_that_cannot_be_created_is_one_line_and_exit_2(
        tmp_path: Path, where: str) -> None:
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / ".ledgerpact").write_text("a file where the state folder goes")
    state = {"under-a-file": ["--state", str(tmp_path / "afile" / "x.sqlite")],
             "proc": ["--state", "/proc/nope/x.sqlite"],
             "default-under-a-file": []}[where]
    registry = ROOT
    if where == "default-under-a-file":  # the default state lies under the registry's root
        shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
        registry = tmp_path
    done = _cli("erp", "--port", "19999", "--registry", registry, *state, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot create the state folder" in lines[0]
    named = {"under-a-file": "afile", "proc": "/proc/nope",
             "default-under-a-file": ".ledgerpact"}[where]
    assert named in lines[0]


# ---------------------------------------------------------------- 4. fault rules


TYPO = {"rules": [{"id": "typo", "match": {"operationId": "getSuplier"},
                   "error": {"rate": 1}}]}
CONCRETE = {"rules": [{"id": "concrete", "match": {"path": "/suppliers/V-100001"},
                       "error": {"rate": 1}}]}


def test_fault_rules_naming_no_operation_are_refused_by_the_admin_api(erp: Served) -> None:
    typo = erp.client.put("/__admin/faults", json=TYPO)
    assert typo.status_code == 400
    assert "getSuplier" in typo.json()["detail"] and "getSupplier" in typo.json()["detail"]
    concrete = erp.client.put("/__admin/faults", json=CONCRETE)
    assert concrete.status_code == 400
    assert "/suppliers/{supplierNumber}" in concrete.json()["detail"]
    wrong_method = erp.client.put("/__admin/faults", json={"rules": [{
        "id": "m", "match": {"method": "DELETE", "path": "/suppliers/{supplierNumber}"}}]})
    assert wrong_method.status_code == 400
    assert erp.client.get("/__admin/faults").json() == {"rules": []}
    good = {"rules": [{"id": "ok", "match": {"path": "/suppliers/{supplierNumber}"},
                       "error": {"rate": 1}}]}
    assert erp.client.put("/__admin/faults", json=good).status_code == 200
    try:
        assert erp.client.get("/suppliers/V-100001", headers=AUTH).status_code == 500
    finally:
        assert erp.client.put("/__admin/faults", json={"rules": []}).status_code == 200


@pytest.mark.parametrize("plan", [TYPO, CONCRETE], ids=["operation-typo", "concrete-path"])
def test_a_faults_file_naming_no_operation_is_one_line_and_exit_2(
        tmp_path: Path, plan: dict[str, Any]) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(yaml.safe_dump(plan))
    done = _cli("erp", "--port", "19998", "--in-memory", "--faults", faults,
                "--registry", ROOT, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "faults.yaml" in lines[0], done.stderr
    assert "getSupplier" in lines[0] or "/suppliers/{supplierNumber}" in lines[0]


# ---------------------------------------------------------------- 5. admin parameters


@pytest.mark.parametrize("query", ["journal?limit=-1", "journal?limit=0",
                                   "journal?limit=abc", "events?limit=-5",
                                   "events?limit=x", "events?after=-1"])
def test_admin_limits_outside_their_range_are_400(erp: Served, query: str) -> None:
    response = erp.client.get(f"/__admin/{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "integer" in detail and "invalid literal" not in detail


def test_admin_limit_keeps_the_newest_entries(erp: Served) -> None:
    for _ in range(3):
        erp.client.get("/__admin/health")
        erp.client.get("/suppliers/V-100001", headers=AUTH)
    everything = erp.client.get("/__admin/journal").json()["items"]
    two = erp.client.get("/__admin/journal?limit=2").json()["items"]
    assert [e["seq"] for e in two] == [e["seq"] for e in everything[-2:]]


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b"{}"])
def test_an_empty_faults_body_does_not_wipe_the_plan(erp: Served, body: bytes) -> None:
    plan = {"rules": [{"id": "slow", "latency": {"fixed_ms": 1}}]}
    assert erp.client.put("/__admin/faults", json=plan).status_code == 200
    try:
        refused = erp.client.put("/__admin/faults", content=body)
        assert refused.status_code == 400, refused.text
        assert '{"rules": []}' in refused.json()["detail"]
        assert erp.client.get("/__admin/faults").json()["rules"][0]["id"] == "slow"
    finally:
        erp.client.put("/__admin/faults", json={"rules": []})


# ---------------------------------------------------------------- 6. problem instance


def test_a_problem_instance_keeps_the_path_escapes_as_received(erp: Served) -> None:
    response = erp.client.get("/suppliers/V-10%2F0001", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["instance"] == "/suppliers/V-10%2F0001"  # before: %252F
    odd = erp.client.get("/suppliers/V%20x%zz", headers=AUTH)
    assert odd.json()["instance"] == "/suppliers/V%20x%25zz"  # a stray % is still escaped


# ---------------------------------------------------------------- 7. tax-engine example


def test_the_tax_engine_accepts_its_contract_example(tax_engine: Served) -> None:
    post = _contract("tax-engine")["paths"]["/tax-calculations"]["post"]
    example = post["requestBody"]["content"]["application/json"]["examples"]
    response = tax_engine.client.post("/tax-calculations", headers=AUTH,
                                      json=example["germanInvoice"]["value"])
    assert response.status_code == 200, response.text
    listed = tax_engine.client.get("/jurisdictions/DE/tax-codes", headers=AUTH,
                                   params={"limit": 200}).json()["items"]
    assert {"DE-S19", "DE-R7", "DE-IC0"} <= {c["code"] for c in listed}
