"""The ``sample-invoice`` admin action gives QA a clean invoice the ERP simulator posts.

The README's walkthrough starts from it, so it must really validate clean and post (201),
and each call must give a distinct invoice (a repeated posting would be a duplicate).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "ledgerpact"
AUTH = {"Authorization": "Bearer qa"}


@pytest.fixture(scope="module")
def erp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    cwd = tmp_path_factory.mktemp("erp")
    proc = subprocess.Popen([str(BIN), "simulate", "erp", "--registry", str(REPO), "--port",
                             "0", "--in-memory", "--seed", "7"], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert "listening on " in ready, ready
    url = ready.split("listening on ", 1)[1].split()[0]
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client
    proc.terminate()
    proc.wait(timeout=20)


def test_sample_invoices_validate_clean_and_post(erp: httpx.Client) -> None:
    first = erp.post("/__admin/actions/sample-invoice", json={})
    second = erp.post("/__admin/actions/sample-invoice", json={})
    assert first.status_code == second.status_code == 200, first.text
    assert first.json()["number"] != second.json()["number"]
    for n, doc in enumerate((first.json(), second.json())):
        checked = erp.post("/invoice-validations", json=doc, headers=AUTH)
        assert checked.status_code == 200 and checked.json()["valid"], checked.text
        posted = erp.post("/invoice-postings", json=doc,
                          headers={**AUTH, "Idempotency-Key": f"sample-invoice-test-{n:04d}"})
        assert posted.status_code == 201, posted.text
        assert posted.json()["documentNumber"] == doc["number"]


def test_sample_invoice_for_a_named_order(erp: httpx.Client) -> None:
    orders = erp.get("/purchase-orders", params={"limit": 100}, headers=AUTH).json()["items"]
    closed = next(po for po in orders if po["status"] in ("closed", "cancelled"))
    refused = erp.post("/__admin/actions/sample-invoice",
                       json={"purchaseOrderId": closed["poNumber"]})
    assert refused.status_code == 409, refused.text
    missing = erp.post("/__admin/actions/sample-invoice", json={"purchaseOrderId": "NO-SUCH-PO"})
    assert missing.status_code == 404, missing.text
    named = erp.post("/__admin/actions/sample-invoice",
                     json={"invoiceNumber": "QA-NAMED-1"})
    assert named.status_code == 200 and named.json()["number"] == "QA-NAMED-1"
