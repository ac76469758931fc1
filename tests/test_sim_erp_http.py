"""The ERP simulator over real HTTP: exactly-once posting under concurrency and kill -9.

`ledgerpact simulate erp` runs as a subprocess on 127.0.0.1 with an ephemeral port and a
SQLite state file in tmp_path; clients are httpx. Invoices are built from the same
deterministic reference data the simulator seeds (--seed 1), so every one validates clean.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators.behaviours import finance_data as fd

SEED = 1
AUTH = {"Authorization": "Bearer test"}  # the contract requires credentials; any token does
READY = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
CLI = Path(sys.executable).with_name("ledgerpact")
ROOT = Path(__file__).resolve().parents[1]  # this checkout: its registry serves erp-finance


class Simulator:
    def __init__(self, state: Path, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [str(CLI), "simulate", "erp", "--port", "0", "--seed", str(SEED),
             "--state", str(state), "--registry", str(ROOT)],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = READY.search(line)
        if found is None or time.monotonic() > deadline:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"no ready line: {line!r} {err[-2000:]}")
        self.url = found.group(1)

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# Each document bills this much of every open line of its order. The simulator matches
# quantities across postings (an order line may not be invoiced past its ordered quantity),
# so a document billing a whole order could be posted only once; a hundredth per document
# lets every order carry a hundred postings per unit of its smallest open line.
PART = Decimal("0.01")


def part_of(po: Mapping[str, Any], minor: Mapping[str, int]) -> dict[str, Any]:
    """``po`` with each open line cut to PART at its unit price (the net amount rounded to
    the currency's minor units, as the simulator's arithmetic check expects)."""
    currency = str(po["currency"])
    lines = [ln if ln["status"] in ("closed", "cancelled") else
             {**ln, "quantity": {**ln["quantity"], "value": str(PART)},
              "netAmount": fd.money(PART * Decimal(ln["unitPrice"]["amount"]), currency,
                                    minor[currency])}
             for ln in po["lines"]]
    return {**po, "lines": lines}


@pytest.fixture(scope="module")
def documents() -> Callable[[int], dict[str, Any]]:
    """Enough distinct clean invoices: every open order of an active supplier in turn, each
    document billing PART of the order's open lines under its own invoice number (the numbers
    make them distinct postings), so that all of them can be posted to one simulator."""
    document = fd.erp_document()
    data = fd.reference_data(SEED, document=document)
    minor = fd.contract_minor_units(document)
    suppliers = {s["supplierNumber"]: s for s in data["suppliers"]}
    orders = [po for po in data["purchaseOrders"]
              if po["status"] in ("released", "partially-received", "received")
              and suppliers[po["supplier"]["supplierNumber"]]["status"] == "active"
              and any(ln["status"] not in ("closed", "cancelled") for ln in po["lines"])]
    assert orders
    smallest = {po["poNumber"]: min(Decimal(ln["quantity"]["value"]) for ln in po["lines"]
                                    if ln["status"] not in ("closed", "cancelled"))
                for po in orders}

    def make(n: int) -> dict[str, Any]:
        po = orders[n % len(orders)]
        # documents 0..n bill this order at most this often: beyond its smallest open line,
        # the simulator would refuse one of them as over-invoiced
        billed = (n // len(orders) + 1) * PART
        assert billed <= smallest[po["poNumber"]], (n, po["poNumber"], billed)
        return fd.invoice_for(part_of(po, minor), suppliers[po["supplier"]["supplierNumber"]],
                              data["taxCodes"], minor, f"HTTP-{n:05d}")
    return make


@pytest.fixture
def simulator(tmp_path):
    started: list[Simulator] = []

    def start() -> Simulator:
        sim = Simulator(tmp_path / "erp.sqlite", tmp_path)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


async def _post(client: httpx.AsyncClient, key: str, body: dict) -> httpx.Response:
    return await client.post("/invoice-postings", json=body,
                             headers={"Idempotency-Key": key})


async def _count_postings(client: httpx.AsyncClient) -> list[dict]:
    """Every journal entry of the current period, through the contract's pagination."""
    state = (await client.get("/__admin/state")).json()
    entries, cursor = [], None
    today = time.gmtime()
    while True:
        params = {"fiscalYear": today.tm_year, "fiscalPeriod": today.tm_mon, "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = await client.get("/journal-entries", params=params)
        assert page.status_code == 200, page.text
        entries += page.json()["items"]
        cursor = page.json()["nextCursor"]
        if cursor is None:
            break
    assert state["scenario"]["counts"]["posting"] == len(entries)
    return entries


def test_concurrent_postings_with_repeated_keys_post_once_each(simulator, documents):
    sim = simulator()
    rng = random.Random(7)
    unique = [(f"key-{n:05d}-{rng.getrandbits(64):016x}", documents(n)) for n in range(800)]
    repeats = [rng.choice(unique) for _ in range(200)]
    jobs = unique + repeats
    rng.shuffle(jobs)

    async def run() -> tuple[dict[str, list[httpx.Response]], list[dict]]:
        queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        results: dict[str, list[httpx.Response]] = {}

        async def worker() -> None:
            async with httpx.AsyncClient(base_url=sim.url, timeout=30, headers=AUTH) as client:
                while not queue.empty():
                    key, body = queue.get_nowait()
                    response = await _post(client, key, body)
                    results.setdefault(key, []).append(response)

        await asyncio.gather(*[worker() for _ in range(20)])
        async with httpx.AsyncClient(base_url=sim.url, timeout=30, headers=AUTH) as client:
            entries = await _count_postings(client)
        return results, entries

    results, entries = asyncio.run(run())
    assert sum(len(r) for r in results.values()) == 1000
    for key, responses in results.items():
        originals = [r for r in responses
                     if r.status_code == 201 and "idempotent-replayed" not in r.headers]
        assert len(originals) == 1, (key, [(r.status_code, r.text[:200]) for r in responses])
        for response in responses:
            assert "x-simulator-violation" not in response.headers, response.headers
            if response is originals[0]:
                continue
            if response.status_code == 201:
                assert response.headers["idempotent-replayed"] == "true"
                assert response.json() == originals[0].json()
                assert response.headers["location"] == originals[0].headers["location"]
            else:
                assert response.status_code == 409, response.text
                assert response.json()["code"] == "IDEMPOTENCY_KEY_IN_FLIGHT"
    assert len(entries) == 800
    numbers = [e["source"]["documentNumber"] for e in entries]
    assert len(set(numbers)) == 800


def test_kill_9_keeps_every_acknowledged_posting_once(simulator, documents):
    sim = simulator()
    acknowledged: dict[str, tuple[dict, dict]] = {}

    async def first_life() -> None:
        async with httpx.AsyncClient(base_url=sim.url, timeout=30, headers=AUTH) as client:
            for n in range(60):
                key = f"kill9-key-{n:05d}-0000"
                response = await _post(client, key, documents(n))
                assert response.status_code == 201, response.text
                acknowledged[key] = (documents(n), response.json())

            async def keep_posting(worker: int) -> None:
                for n in range(1000 + worker * 1000, 1000 + worker * 1000 + 500):
                    key = f"kill9-key-{n:05d}-0000"
                    try:
                        response = await _post(client, key, documents(n))
                    except httpx.HTTPError:
                        return
                    if response.status_code == 201:
                        acknowledged[key] = (documents(n), response.json())

            tasks = [asyncio.create_task(keep_posting(w)) for w in range(4)]
            await asyncio.sleep(0.5)
            sim.kill9()  # mid-stream: some postings answered, some in flight
            await asyncio.gather(*tasks)

    asyncio.run(first_life())
    assert len(acknowledged) > 60
    again = simulator()

    async def second_life() -> None:
        async with httpx.AsyncClient(base_url=again.url, timeout=30, headers=AUTH) as client:
            entries = await _count_postings(client)
            numbers = [e["source"]["documentNumber"] for e in entries]
            assert len(numbers) == len(set(numbers)), "a posting was duplicated"
            assert len(entries) >= len(acknowledged)
            posted = {e["entryId"] for e in entries}
            for _body, answer in acknowledged.values():
                got = await client.get(f"/invoice-postings/{answer['postingId']}")
                assert got.status_code == 200 and got.json() == answer
                assert answer["journalEntryId"] in posted
            for key, (body, answer) in list(acknowledged.items())[:: max(1, len(acknowledged)
                                                                           // 40)]:
                replay = await _post(client, key, body)
                assert replay.status_code == 201 and replay.json() == answer
                assert replay.headers["idempotent-replayed"] == "true"

    asyncio.run(second_life())


def test_every_operation_answers_on_contract_over_http(simulator, documents, tmp_path):
    """The engine checks each response against erp-finance and flags its own violations in
    X-Simulator-Violation: none may appear on any ERP operation, admin actions included."""
    sim = simulator()
    with httpx.Client(base_url=sim.url, timeout=30, headers=AUTH) as client:
        def ok(response: httpx.Response, status: int = 200) -> httpx.Response:
            assert response.status_code == status, response.text
            assert "x-simulator-violation" not in response.headers, response.headers
            return response

        supplier = ok(client.get("/suppliers", params={"limit": 1})).json()["items"][0]
        number = supplier["supplierNumber"]
        ok(client.get(f"/suppliers/{number}"))
        ok(client.get(f"/suppliers/{number}/status"))
        ok(client.post("/supplier-searches", json={"taxRegistration":
                                                   supplier["taxRegistrations"][0]}))
        po = ok(client.get("/purchase-orders", params={"status": "received"})).json()["items"][0]
        ok(client.get(f"/purchase-orders/{po['poNumber']}"))
        receipts = ok(client.get(f"/purchase-orders/{po['poNumber']}/goods-receipts")).json()
        ok(client.get(f"/goods-receipts/{receipts['items'][0]['receiptId']}"))
        for path in ("/cost-centres/CC-4100", "/gl-accounts/400000", "/tax-codes/DE-V1",
                     "/cost-centres", "/gl-accounts", "/tax-codes"):
            ok(client.get(path))
        ok(client.get("/suppliers/V-000000"), 404)
        body = documents(3)
        assert ok(client.post("/invoice-validations", json=body)).json()["valid"] is True
        posting = ok(client.post("/invoice-postings", json=body,
                                 headers={"Idempotency-Key": "http-contract-key-01"}), 201)
        posted = posting.json()
        ok(client.get(posting.headers["location"]))
        ok(client.get(f"/journal-entries/{posted['journalEntryId']}"))
        payments = ok(client.get("/payments", params={"invoiceId": body["number"]})).json()
        payment_id = payments["items"][0]["paymentId"]
        for action in ("release-payment", "settle-payment"):
            ok(client.post(f"/__admin/actions/{action}", json={"paymentId": payment_id}))
        refused = client.post("/__admin/actions/release-payment", json={"paymentId": payment_id})
        assert refused.status_code == 409
        assert ok(client.get(f"/payments/{payment_id}")).json()["status"] == "settled"
        ok(client.post("/invoice-postings", json=body,
                       headers={"Idempotency-Key": "http-contract-key-02"}), 409)
        blocked = dict(body, number="HTTP-BLOCKED-1")
        seller_number = po["supplier"]["supplierNumber"]
        ok(client.post("/__admin/actions/set-supplier-status",
                       json={"supplierNumber": seller_number, "status": "blocked"}))
        ok(client.post("/invoice-validations", json=blocked))
        events = client.get("/__admin/events").json()
    text = repr(events)
    for name in ("invoice.posted", "invoice.payment-scheduled", "payment.released",
                 "payment.settled", "invoice.paid", "supplier.status-changed"):
        assert f"dev.ledgerpact.{name}.v1" in text, name
