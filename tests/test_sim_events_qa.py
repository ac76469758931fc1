"""QA findings on the simulators' events (issue 7): correlation ids, the jsonl sink, broker
outages, the exception-resolution event and the apply-event action.

Simulators are built as ``ledgerpact simulate`` builds them (``server.build`` on this
checkout's registry) and served over real HTTP on 127.0.0.1; events are read from the real
outbox; sinks write real files and talk to real (or absent) brokers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerpact.generators.simulators.events.correlation import is_valid
from ledgerpact.generators.simulators.events.sinks import JsonlSink, SinkError
from ledgerpact.generators.simulators.server import build
from tests.broker_helpers import require_broker
from tests.test_sim_invoice_automation import invoice_for

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer qa"}
BAD_IDS = ["tenant/123", "two words", "caf\u00e9", "x" * 129]


@pytest.fixture
def simulator(serve: Callable[[Any], httpx.Client]) -> Iterator[Callable[[str], Any]]:
    """``simulator(target)``: (app, client) of an in-memory simulator served on loopback."""
    def start(target: str) -> tuple[Any, httpx.Client]:
        sim = build(target, registry=ROOT, in_memory=True, seed=7)
        return sim.app, serve(sim.app)

    yield start


def _events(app: Any, after: int = 0) -> list[dict[str, Any]]:
    return [row["envelope"] for seq, row in app.store.outbox_all() if seq > after]


def _last_seq(app: Any) -> int:
    rows = app.store.outbox_all()
    return rows[-1][0] if rows else 0


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"].split(".")[-2] for e in events]


def _post_sample(client: httpx.Client, key: str, headers: dict[str, Any]) -> httpx.Response:
    invoice = client.post("/__admin/actions/sample-invoice", json={}).json()
    return client.post("/invoice-postings", json=invoice,
                       headers={**AUTH, "Idempotency-Key": key, **headers})


# ------------------------------------------------------------------ 1: X-Correlation-Id


@pytest.mark.parametrize("bad", BAD_IDS, ids=["slash", "space", "non-ascii", "129-chars"])
def test_erp_posting_ignores_an_invalid_correlation_header(simulator, bad: str) -> None:
    app, client = simulator("erp")
    response = _post_sample(client, "corr-key-00000001",
                            {"X-Correlation-Id": bad.encode("utf-8")})
    assert response.status_code == 201, response.text
    events = _events(app)
    assert _kinds(events) == ["posted", "payment-scheduled"]
    ids = {e["correlationid"] for e in events}
    assert len(ids) == 1 and is_valid(ids.pop())


def test_invoice_capture_ignores_an_invalid_correlation_header(simulator) -> None:
    app, client = simulator("invoice-automation")
    for n, bad in enumerate(BAD_IDS):
        document = invoice_for(app.store, f"INV-QA-{n:04d}")
        response = client.post("/invoices", json=document, headers={
            **AUTH, "Idempotency-Key": f"corr-key-{n:08d}",
            "X-Correlation-Id": bad.encode("utf-8")})
        assert response.status_code == 201, response.text
        assert response.headers.get("x-simulator-violation") is None


# ------------------------------------------------------------------ 2: one id per transaction


def test_erp_posting_and_its_payment_share_the_clients_correlation_id(simulator) -> None:
    app, client = simulator("erp")
    response = _post_sample(client, "corr-key-00000002", {"X-Correlation-Id": "order-4711"})
    assert response.status_code == 201, response.text
    posted = _events(app)
    assert _kinds(posted) == ["posted", "payment-scheduled"]
    assert {e["correlationid"] for e in posted} == {"order-4711"}
    payment_id = posted[1]["data"]["paymentId"]
    mark = _last_seq(app)
    for action in ("release-payment", "settle-payment"):
        done = client.post(f"/__admin/actions/{action}", json={"paymentId": payment_id})
        assert done.status_code == 200, done.text
    later = _events(app, mark)
    assert _kinds(later) == ["released", "settled", "paid"]
    assert {e["correlationid"] for e in later} == {"order-4711"}


def test_erp_posting_without_header_gets_one_generated_id(simulator) -> None:
    app, client = simulator("erp")
    assert _post_sample(client, "corr-key-00000003", {}).status_code == 201
    posted = _events(app)
    ids = {e["correlationid"] for e in posted}
    assert len(ids) == 1 and ids.isdisjoint({e["id"] for e in posted})
    payment_id = posted[1]["data"]["paymentId"]
    mark = _last_seq(app)
    client.post("/__admin/actions/release-payment", json={"paymentId": payment_id})
    assert {e["correlationid"] for e in _events(app, mark)} == ids


def test_invoice_steps_share_the_capture_correlation_id(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0100")
    captured = client.post("/invoices", json=document,
                           headers={**AUTH, "Idempotency-Key": "corr-key-00000100"})
    assert captured.status_code == 201, captured.text
    events = _events(app)
    assert _kinds(events) == ["captured", "validated", "matched"]
    ids = {e["correlationid"] for e in events}
    assert len(ids) == 1 and ids.isdisjoint({e["id"] for e in events})
    mark = _last_seq(app)
    invoice_id = captured.json()["invoiceId"]
    # a later step keeps the invoice's transaction, whatever id its own request carries
    approved = client.post(f"/invoices/{invoice_id}/approval", json={},
                           headers={**AUTH, "X-Correlation-Id": "someone-else"})
    assert approved.status_code == 200, approved.text
    later = _events(app, mark)
    assert _kinds(later) == ["approved"] and later[0]["correlationid"] in ids
    mark = _last_seq(app)
    posted = client.post("/__admin/actions/apply-event",
                         json={"invoiceId": invoice_id, "event": "posted-to-ledger"})
    assert posted.status_code == 200, posted.text
    assert [e["correlationid"] for e in _events(app, mark)] == list(ids)


def test_problems_carry_the_requests_correlation_id(simulator) -> None:
    _app, client = simulator("erp")
    invoice = client.post("/__admin/actions/sample-invoice", json={}).json()
    headers = {**AUTH, "X-Correlation-Id": "dup-check-1"}
    first = client.post("/invoice-postings", json=invoice,
                        headers={**headers, "Idempotency-Key": "corr-key-00000004"})
    assert first.status_code == 201
    again = client.post("/invoice-postings", json=invoice,
                        headers={**headers, "Idempotency-Key": "corr-key-00000005"})
    assert again.status_code == 409
    assert again.json()["correlationId"] == "dup-check-1"
    assert again.headers.get("x-simulator-violation") is None
    invalid = client.post("/invoice-postings", json={"number": 1},
                          headers={**headers, "Idempotency-Key": "corr-key-00000006"})
    assert invalid.status_code in (400, 422)
    assert invalid.json()["correlationId"] == "dup-check-1"
    ignored = client.post("/invoice-postings", json={"number": 1},
                          headers={**AUTH, "Idempotency-Key": "corr-key-00000007",
                                   "X-Correlation-Id": "not/valid"})
    assert "correlationId" not in ignored.json()


def test_invoice_problem_carries_the_invoices_stored_correlation_id(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0101")
    captured = client.post("/invoices", json=document, headers={
        **AUTH, "Idempotency-Key": "corr-key-00000101", "X-Correlation-Id": "inv-0101"})
    invoice_id = captured.json()["invoiceId"]
    assert client.post(f"/invoices/{invoice_id}/approval", json={},
                       headers=AUTH).status_code == 200
    refused = client.post(f"/invoices/{invoice_id}/approval", json={}, headers=AUTH)
    assert refused.status_code == 409
    assert refused.json()["correlationId"] == "inv-0101"


# ------------------------------------------------------------------ 3: jsonl torn lines

_FILE_LIMIT_SCRIPT = textwrap.dedent('''
    import asyncio, json, resource, signal, sys
    from pathlib import Path
    from ledgerpact.generators.simulators.events.sinks import JsonlSink, SinkError

    path = Path(sys.argv[1])
    sink = JsonlSink(path)

    def batch(first, n):
        return [(seq, {"address": "a", "envelope": {"id": f"e-{seq}", "pad": "x" * 200}})
                for seq in range(first, first + n)]

    asyncio.run(sink.deliver(batch(1, 2)))
    before = path.stat().st_size
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, as in QA
    resource.setrlimit(resource.RLIMIT_FSIZE, (before + 300, resource.RLIM_INFINITY))
    try:
        asyncio.run(sink.deliver(batch(3, 3)))
    except SinkError as exc:
        print("refused:", exc)
    print("size after failure:", path.stat().st_size, "before:", before)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
    asyncio.run(sink.deliver(batch(3, 3)))
''')


def test_jsonl_sink_leaves_no_torn_line_after_a_failed_write(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    done = subprocess.run([sys.executable, "-c", _FILE_LIMIT_SCRIPT, str(path)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "File too large" in done.stdout
    sizes = done.stdout.split("size after failure:")[1].split()
    assert sizes[0] == sizes[2], done.stdout  # cut back to the size before the write
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert [json.loads(line)["id"] for line in lines[:-1]] == [f"e-{n}" for n in range(1, 6)]


@pytest.mark.parametrize("tail", [b'{"id":"e-2","da', b'{"id":"e-2"}'],
                         ids=["killed-mid-line", "final-newline-edited-away"])
def test_jsonl_sink_never_removes_what_the_file_holds(tmp_path: Path, tail: bytes) -> None:
    """A last line without its newline may be a writer killed mid-line or a complete,
    acknowledged event whose newline an editor stripped: cutting it lost acknowledged
    events, so the sink leaves it and starts its own write on a new line."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"id":"e-1"}\n' + tail)
    sink = JsonlSink(path)
    asyncio.run(sink.deliver([(3, {"address": "a", "envelope": {"id": "e-3"}})]))
    assert path.read_bytes() == b'{"id":"e-1"}\n' + tail + b'\n{"id":"e-3"}\n'


_WRITER_SCRIPT = textwrap.dedent('''
    import asyncio, sys
    from pathlib import Path
    from ledgerpact.generators.simulators.events.sinks import JsonlSink

    sink, who = JsonlSink(Path(sys.argv[1])), sys.argv[2]

    async def main():
        for b in range(30):
            await sink.deliver([(b * 100 + i, {"address": "a", "envelope": {
                "id": f"{who}-{b}-{i}", "pad": "x" * 3000}}) for i in range(100)])

    asyncio.run(main())
''')


def test_jsonl_sink_shared_by_several_writers_loses_nothing(tmp_path: Path) -> None:
    """Simulators sharing a state folder share its sink file: each batch is appended whole,
    in turn, and no writer's bytes are cut by another's."""
    path = tmp_path / "events.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER_SCRIPT, str(path), f"w{n}"],
                                cwd=ROOT) for n in range(3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    data = path.read_bytes()
    assert b"\0" not in data
    ids = [json.loads(line)["id"] for line in data.splitlines()]
    assert len(ids) == len(set(ids)) == 3 * 30 * 100


# ------------------------------------------------------------------ 7: apply-event


def test_apply_event_refuses_an_unknown_event_with_400(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0700")
    captured = client.post("/invoices", json=document,
                           headers={**AUTH, "Idempotency-Key": "corr-key-00000700"})
    invoice_id = captured.json()["invoiceId"]
    bogus = client.post("/__admin/actions/apply-event",
                        json={"invoiceId": invoice_id, "event": "bogus"})
    assert bogus.status_code == 400, bogus.text
    detail = bogus.json()["detail"]
    assert "unknown event 'bogus'" in detail and "approval-granted" in detail
    illegal = client.post("/__admin/actions/apply-event",
                          json={"invoiceId": invoice_id, "event": "payment-settled"})
    assert illegal.status_code == 409, illegal.text


# ------------------------------------------------------------------ 4: exception -> matched


def test_accepting_a_variance_publishes_invoice_matched(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0400", price_factor=Decimal("1.10"))
    captured = client.post("/invoices", json=document,
                           headers={**AUTH, "Idempotency-Key": "corr-key-00000400"})
    invoice_id = captured.json()["invoiceId"]
    record = client.get(f"/invoices/{invoice_id}", headers=AUTH).json()
    assert record["state"] == "exception", record
    assert _kinds(_events(app)) == ["captured", "validated", "exception-raised"]
    (exception_id,) = record["openExceptionIds"]
    stored = client.get(f"/exceptions/{exception_id}", headers=AUTH).json()["matchResult"]
    mark = _last_seq(app)
    resolved = client.post(f"/exceptions/{exception_id}/resolution", headers=AUTH,
                           json={"outcome": "accept-variance", "comment": "agreed"})
    assert resolved.status_code == 200, resolved.text
    later = _events(app, mark)
    assert _kinds(later) == ["matched"]
    matched = later[0]["data"]
    assert matched["outcome"] == "matched-within-tolerance"
    assert matched["matchId"] != stored["matchId"]
    assert matched["toleranceProfile"] == f"accepted-variance:{exception_id}"
    first = matched["lines"][0]
    assert first["price"] == {**stored["lines"][0]["price"], "withinTolerance": True}
    price_bound = Decimal(matched["tolerances"]["price"]["absolute"]["amount"])
    assert price_bound == abs(Decimal(first["price"]["difference"]["amount"])) > 0
    assert later[0]["correlationid"] == _events(app)[0]["correlationid"]
    state = client.get(f"/invoices/{record['invoiceId']}", headers=AUTH).json()["state"]
    assert state == "pending-approval"


# ------------------------------------------------------------------ 5, 6: broker outages

ROW = (1, {"address": "finance.qa.test", "envelope": {"id": "qa-1"}})


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_nats_sink_reports_a_refused_connection_at_once() -> None:
    from ledgerpact.generators.simulators.events.nats import NatsSink

    async def attempt() -> str:
        sink = NatsSink(f"nats://127.0.0.1:{_free_port()}", stream="QA1S3")
        try:
            async with asyncio.timeout(10):  # it used to hang until the relay gave up (30 s)
                await sink.deliver([ROW])
        except SinkError as exc:
            return str(exc)
        finally:
            await sink.close()
        raise AssertionError("delivered to a broker that is not there")

    started = time.monotonic()
    reason = asyncio.run(attempt())
    assert time.monotonic() - started < 5
    assert "ConnectionRefusedError" in reason, reason


class _CuttableProxy:
    """A TCP proxy to the broker whose connections the test can cut, as a broker restart or
    a network failure would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            target.close()

        self.tasks = [asyncio.ensure_future(pipe(reader, up_writer)),
                      asyncio.ensure_future(pipe(up_reader, writer))]

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers = []


def test_amqp_dropped_connection_is_one_readable_line(
        capfd: pytest.CaptureFixture[str]) -> None:
    from ledgerpact.generators.simulators.events.amqp import AmqpSink

    require_broker(5672, "RabbitMQ")
    logging.getLogger("aiormq").setLevel(logging.WARNING)

    async def scenario() -> tuple[list[int], str, list[int]]:
        proxy = _CuttableProxy(5672)
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        sink = AmqpSink(f"amqp://guest:guest@127.0.0.1:{port}/", exchange="qa.events.s6",
                        log=lambda line: None)
        try:
            first = await sink.deliver([ROW])
            proxy.cut()
            await asyncio.sleep(0.5)
            try:
                await sink.deliver([ROW])
                reason = ""
            except SinkError as exc:
                reason = str(exc)
            return first, reason, await sink.deliver([ROW])
        finally:
            await sink.close()
            server.close()

    handler = logging.StreamHandler(sys.stderr)
    logging.getLogger().addHandler(handler)
    try:
        first, reason, again = asyncio.run(scenario())
    finally:
        logging.getLogger().removeHandler(handler)
    assert first == [1] and again == [1]
    assert reason.endswith("channel closed (the broker closed it or the connection to it "
                           "was lost)"), reason
    assert " object at 0x" not in reason
    err = capfd.readouterr().err
    assert "Traceback" not in err and "reader exited abnormally" not in err, err


def test_amqp_unknown_vhost_is_named() -> None:
    from ledgerpact.generators.simulators.events.amqp import AmqpSink

    require_broker(5672, "RabbitMQ")

    async def attempt() -> str:
        sink = AmqpSink("amqp://guest:guest@127.0.0.1:5672/novhost", log=lambda line: None)
        try:
            await sink.deliver([ROW])
        except SinkError as exc:
            return str(exc)
        finally:
            await sink.close()
        raise AssertionError("the broker accepted an unknown vhost")

    reason = asyncio.run(attempt())
    assert reason == ("amqp://127.0.0.1:5672/novhost: vhost 'novhost' refused (does it exist? "
                      "is the user allowed?)")


# ------------------------------------------------------------------ 4b: review of 25217be


def _capture_exception(app: Any, client: httpx.Client, document: dict[str, Any],
                       key: str) -> tuple[str, str]:
    """(invoice id, its one open exception id) of a capture that must stop in exception."""
    captured = client.post("/invoices", json=document,
                           headers={**AUTH, "Idempotency-Key": key})
    assert captured.status_code == 201, captured.text
    record = client.get(f"/invoices/{captured.json()['invoiceId']}", headers=AUTH).json()
    assert record["state"] == "exception", record
    (exception_id,) = record["openExceptionIds"]
    return record["invoiceId"], exception_id


def _accept_variance(app: Any, client: httpx.Client, exception_id: str) -> dict[str, Any]:
    """Resolve with accept-variance; the one event published: a valid InvoiceMatched."""
    mark = _last_seq(app)
    resolved = client.post(f"/exceptions/{exception_id}/resolution", headers=AUTH,
                           json={"outcome": "accept-variance", "comment": "agreed"})
    assert resolved.status_code == 200, resolved.text
    later = _events(app, mark)
    assert _kinds(later) == ["matched"], later
    assert app.events.validate(later[0]) == []
    matched: dict[str, Any] = later[0]["data"]
    assert matched["outcome"] == "matched-within-tolerance"
    assert matched["toleranceProfile"] == f"accepted-variance:{exception_id}"
    assert "exceptions" not in matched
    assert all(line["outcome"] == "matched-within-tolerance" or line["outcome"] == "matched"
               for line in matched["lines"])
    return matched


def test_accepting_an_over_receipt_publishes_invoice_matched(simulator) -> None:
    from tests.test_sim_invoice_automation import invoice_for_receipt

    app, client = simulator("invoice-automation")
    document, _receipt = invoice_for_receipt(app.store, "INV-QA-0410", extra=Decimal(2))
    invoice_id, exception_id = _capture_exception(app, client, document, "corr-key-00000410")
    stored = client.get(f"/exceptions/{exception_id}", headers=AUTH).json()
    assert stored["type"] == "quantity-variance"
    reasons = {r["code"] for r in stored["matchResult"]["lines"][0]["exceptionReasons"]}
    assert "quantity-not-received" in reasons
    matched = _accept_variance(app, client, exception_id)
    assert matched["matchType"] == "three-way"
    first = matched["lines"][0]
    assert first["quantity"]["withinTolerance"] is True
    assert first["quantity"]["difference"] == "2"
    assert matched["tolerances"]["quantity"] == {"absolute": "2"}
    assert matched["amount"]["withinTolerance"] is True
    state = client.get(f"/invoices/{invoice_id}", headers=AUTH).json()["state"]
    assert state == "pending-approval"


def _bill_with_surcharge(store: Any, number: str, po_number: str,
                         surcharge: Decimal) -> dict[str, Any]:
    """An invoice billing ``po_number`` in full at its prices, each line's net amount
    raised by ``surcharge``, VAT and totals recomputed so the document reconciles."""
    from tests.test_sim_invoice_automation import _document

    po = store.get("purchaseOrder", po_number)
    supplier = store.get("supplier", po["supplier"]["supplierNumber"])
    specs = [(line, Decimal(line["quantity"]["value"]), Decimal(1), None)
             for line in po["lines"]]
    document = _document(store, number, po, supplier, specs)
    currency = document["currency"]
    groups: dict[str, Decimal] = {}
    for line in document["lines"]:
        net = Decimal(line["netAmount"]["amount"]) + surcharge
        line["netAmount"] = {"amount": format(net, "f"), "currency": currency}
        rate = line["vat"]["rate"]
        groups[rate] = groups.get(rate, Decimal(0)) + net

    def money(value: Decimal) -> dict[str, str]:
        return {"amount": format(value.quantize(Decimal("0.01")), "f"), "currency": currency}

    document["vatBreakdown"] = [
        {"categoryCode": "S", "rate": rate, "taxableAmount": money(base),
         "taxAmount": money(base * Decimal(rate) / 100)} for rate, base in groups.items()]
    net_total = sum(groups.values(), Decimal(0))
    vat_total = sum((Decimal(b["taxAmount"]["amount"]) for b in document["vatBreakdown"]),
                    Decimal(0))
    document["totals"] = {"lineNetTotal": money(net_total), "netTotal": money(net_total),
                          "vatTotal": money(vat_total),
                          "grossTotal": money(net_total + vat_total),
                          "payableAmount": money(net_total + vat_total)}
    return document


def test_accepting_an_invoice_amount_variance_publishes_invoice_matched(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = _bill_with_surcharge(app.store, "INV-QA-0420", "4500012030", Decimal(4))
    assert len(document["lines"]) == 2
    invoice_id, exception_id = _capture_exception(app, client, document, "corr-key-00000420")
    stored = client.get(f"/exceptions/{exception_id}", headers=AUTH).json()["matchResult"]
    assert [e["code"] for e in stored["exceptions"]] == ["amount-variance"]
    assert {line["outcome"] for line in stored["lines"]} == {"matched-within-tolerance"}
    matched = _accept_variance(app, client, exception_id)
    assert matched["amount"]["difference"]["amount"] == "8.00"
    assert matched["amount"]["withinTolerance"] is True
    assert matched["tolerances"]["amount"] == {"absolute": {"amount": "8.00",
                                                            "currency": "EUR"}}
    state = client.get(f"/invoices/{invoice_id}", headers=AUTH).json()["state"]
    assert state == "pending-approval"


def test_corrected_with_nothing_fixed_is_refused_and_stays_in_exception(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0430", price_factor=Decimal("1.10"))
    invoice_id, exception_id = _capture_exception(app, client, document, "corr-key-00000430")
    mark = _last_seq(app)
    refused = client.post(f"/exceptions/{exception_id}/resolution",
                          headers={**AUTH, "X-Correlation-Id": "qa-corrected-1"},
                          json={"outcome": "corrected", "comment": "PO amended"})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "EXCEPTION_NOT_CORRECTED"
    assert exception_id in body["detail"] and "still fails" in body["detail"]
    assert "Unit price" in body["detail"]
    assert refused.headers.get("x-simulator-violation") is None
    assert _events(app, mark) == []
    record = client.get(f"/invoices/{invoice_id}", headers=AUTH).json()
    assert record["state"] == "exception" and record["openExceptionIds"] == [exception_id]
    item = client.get(f"/exceptions/{exception_id}", headers=AUTH).json()
    assert item["status"] == "open" and "resolution" not in item
    # the exception can still be resolved afterwards
    _accept_variance(app, client, exception_id)


def test_corrected_after_the_order_was_amended_publishes_invoice_matched(simulator) -> None:
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0440", price_factor=Decimal("1.10"))
    invoice_id, exception_id = _capture_exception(app, client, document, "corr-key-00000440")
    po_number = document["orderReference"]["id"]
    order = app.store.get("purchaseOrder", po_number)
    order["lines"][0]["unitPrice"] = dict(document["lines"][0]["price"]["netPrice"])
    with app.store.transaction():
        app.store.put("purchaseOrder", po_number, order)
    mark = _last_seq(app)
    resolved = client.post(f"/exceptions/{exception_id}/resolution", headers=AUTH,
                           json={"outcome": "corrected", "comment": "PO price amended"})
    assert resolved.status_code == 200, resolved.text
    later = _events(app, mark)
    assert _kinds(later) == ["matched"] and app.events.validate(later[0]) == []
    assert later[0]["data"]["outcome"] == "matched"
    state = client.get(f"/invoices/{invoice_id}", headers=AUTH).json()["state"]
    assert state == "pending-approval"


# ------------------------------------------------------------------ 7: the engine's own answers


def test_engine_refusals_and_faults_carry_the_requests_correlation_id(simulator) -> None:
    app, client = simulator("tax-engine")
    corr = {"X-Correlation-Id": "qa-corr-1"}
    unauthorized = client.get("/jurisdictions/DE", headers=corr)
    assert unauthorized.status_code == 401, unauthorized.text
    assert unauthorized.json()["correlationId"] == "qa-corr-1"
    unacceptable = client.get("/jurisdictions/DE",
                              headers={**AUTH, **corr, "Accept": "text/csv"})
    assert unacceptable.status_code == 406, unacceptable.text
    assert unacceptable.json()["correlationId"] == "qa-corr-1"
    rules = {"rules": [{"id": "boom", "match": {"operationId": "listJurisdictions"},
                        "error": {"rate": 1.0, "statuses": [503]}}]}
    assert client.put("/__admin/faults", json=rules).status_code == 200
    fault = client.get("/jurisdictions", headers={**AUTH, **corr})
    assert fault.status_code == 503, fault.text
    assert fault.json()["correlationId"] == "qa-corr-1"
    # no header, or one that is no valid id: nothing echoed
    assert "correlationId" not in client.get("/jurisdictions", headers=AUTH).json()
    invalid = client.get("/jurisdictions/DE", headers={"X-Correlation-Id": "bad/id"})
    assert invalid.status_code == 401 and "correlationId" not in invalid.json()
    journal = client.get("/__admin/journal", params={"violations": "true"}).json()
    assert journal["items"] == [], journal
    # 413 (which calculateTax does not declare: flagged, but still the engine's problem)
    app.max_body = 16
    too_large = client.post("/tax-calculations", content=b"{" + b" " * 64 + b"}",
                            headers={**AUTH, **corr, "Content-Type": "application/json"})
    assert too_large.status_code == 413, too_large.text
    assert too_large.json()["correlationId"] == "qa-corr-1"


def test_accepting_what_is_no_variance_is_refused_and_stays_in_exception(simulator) -> None:
    """"The variance is accepted as is": an invoice on an order the ERP does not have has no
    variance to accept, and ``matched`` must not be reached without a match."""
    app, client = simulator("invoice-automation")
    document = invoice_for(app.store, "INV-QA-0900")
    document["orderReference"] = {"id": "4599999999"}
    for line in document["lines"]:
        if line.get("purchaseOrderLineRef"):
            line["purchaseOrderLineRef"]["orderId"] = "4599999999"
    captured = client.post("/invoices", json=document,
                           headers={**AUTH, "Idempotency-Key": "corr-key-00000900"})
    assert captured.status_code == 201, captured.text
    invoice_id = captured.json()["invoiceId"]
    invoice = client.get(f"/invoices/{invoice_id}", headers=AUTH).json()
    assert invoice["state"] == "exception"
    exception_id = invoice["openExceptionIds"][0]
    assert client.get(f"/exceptions/{exception_id}",
                      headers=AUTH).json()["type"] == "missing-purchase-order"
    before = _last_seq(app)
    refused = client.post(f"/exceptions/{exception_id}/resolution",
                          json={"outcome": "accept-variance", "comment": "ok"}, headers=AUTH)
    assert refused.status_code == 409
    assert refused.json()["code"] == "EXCEPTION_NOT_A_VARIANCE"
    assert client.get(f"/invoices/{invoice_id}", headers=AUTH).json()["state"] == "exception"
    assert client.get(f"/exceptions/{exception_id}", headers=AUTH).json()["status"] == "open"
    assert _events(app, before) == []
    violations = client.get("/__admin/journal", params={"violations": "true"}).json()
    assert violations["count"] == 0, violations
