"""finance-events envelopes, the embedded sinks and the at-least-once outbox relay.

Envelopes are checked against the registry's own finance-events contract; sinks write real
files and POST to real HTTP servers on 127.0.0.1; the outbox is a real SQLite store.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.simulators.events import EventFactory, Relay, open_sink
from ledgerpact.generators.simulators.events.envelope import dumps, loads, rfc3339
from ledgerpact.generators.simulators.events.sinks import JsonlSink, SinkError, WebhookSink
from ledgerpact.generators.simulators.store import Store
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import parse

ROOT = Path(__file__).resolve().parents[1]
ASYNCAPI = ROOT / "contracts" / "finance-events" / "asyncapi.yaml"
SOURCE = "https://ledgerpact.dev/simulators/test"
T0 = datetime(2024, 6, 3, 8, 17, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def factory() -> EventFactory:
    return EventFactory.from_registry(SOURCE, ROOT)


@pytest.fixture(scope="module")
def raw_document() -> dict[str, Any]:
    """The contract as written (not bundled): the test's independent view of it."""
    data = parse(ASYNCAPI.read_text(encoding="utf-8"), str(ASYNCAPI))
    assert isinstance(data, dict)
    return data


def _examples(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Channel message key -> the first example payload of the message it references."""
    out: dict[str, dict[str, Any]] = {}
    for channel in raw["channels"].values():
        for key, ref in channel["messages"].items():
            component = ref["$ref"].rsplit("/", 1)[-1]
            out[key] = raw["components"]["messages"][component]["examples"][0]["payload"]
    return out


def _routing_keys(raw: dict[str, Any]) -> dict[str, str]:
    """Channel message key -> the AMQP routing key its send operation declares."""
    out: dict[str, str] = {}
    for operation in raw["operations"].values():
        (cc,) = operation["bindings"]["amqp"]["cc"]
        for ref in operation["messages"]:
            out[ref["$ref"].rsplit("/", 1)[-1]] = cc
    return out


def _event(factory: EventFactory, name: str, example: dict[str, Any]) -> dict[str, Any]:
    return factory.build(name, example["data"], event_id=str(uuid.uuid4()), time=T0,
                         subject=example["subject"], correlation_id=example["correlationid"])


# -- envelopes -------------------------------------------------------------------------------

def test_every_message_builds_from_its_example_and_validates(
        factory: EventFactory, raw_document: dict[str, Any]) -> None:
    examples = _examples(raw_document)
    keys = _routing_keys(raw_document)
    assert sorted(factory.names()) == sorted(examples)
    for name, example in examples.items():
        built = _event(factory, name, example)
        envelope = built["envelope"]
        assert built["address"] == keys[name], name
        assert envelope["type"] == example["type"], name
        assert envelope["dataschema"] == example["dataschema"], name
        assert envelope["specversion"] == "1.0"
        assert envelope["source"] == SOURCE
        assert envelope["datacontenttype"] == "application/json"
        assert envelope["time"] == "2024-06-03T08:17:12Z"
        assert envelope["data"] == example["data"]
        # What a consumer does: parse the bytes on the wire and validate by type.
        assert factory.validate(loads(dumps(envelope))) == [], name
        # The contract's own example is a valid event of the same message.
        assert factory.validate(example) == [], name


def test_missing_subject_and_correlation_id_are_filled_validly(
        factory: EventFactory, raw_document: dict[str, Any]) -> None:
    for name, example in _examples(raw_document).items():
        built = factory.build(name, example["data"], event_id=f"evt-{name}", time=T0)
        envelope = built["envelope"]
        assert envelope["subject"] == example["subject"], name
        assert envelope["correlationid"] == f"evt-{name}"
        assert factory.validate(envelope) == []


def test_message_names_resolve_by_channel_key_component_key_and_name(
        factory: EventFactory) -> None:
    assert factory.message("invoicePosted") is factory.message("InvoicePosted")
    with pytest.raises(ValueError, match="unknown finance-events message 'invoiceLost'"):
        factory.message("invoiceLost")


def test_invalid_payload_is_refused_naming_message_and_field(
        factory: EventFactory, raw_document: dict[str, Any]) -> None:
    data = dict(_examples(raw_document)["invoicePosted"]["data"])
    del data["postingId"]
    with pytest.raises(ValueError, match=r"invoicePosted.*/data.*postingId"):
        factory.build("invoicePosted", data, event_id="e-1", time=T0)
    data = dict(_examples(raw_document)["invoicePosted"]["data"])
    data["grossAmount"] = {"amount": Decimal("1486.79"), "currency": "EUR"}  # must be a string
    with pytest.raises(ValueError, match=r"invoicePosted.*/data/grossAmount/amount"):
        factory.build("invoicePosted", data, event_id="e-2", time=T0)
    approved = dict(_examples(raw_document)["invoiceApproved"]["data"])
    approved["currentState"] = "rejected"  # the approved event fixes the state
    with pytest.raises(ValueError, match=r"invoiceApproved.*/data/currentState"):
        factory.build("invoiceApproved", approved, event_id="e-3", time=T0)


def test_time_is_rfc3339_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2024, 6, 3, 10, 17, 12, tzinfo=berlin)) == "2024-06-03T08:17:12Z"
    assert rfc3339(datetime(2024, 6, 3, 8, 17, 12, 250000, tzinfo=UTC)) == (
        "2024-06-03T08:17:12.25Z")
    assert rfc3339(datetime(2024, 6, 3, 8, 17, 12)) == "2024-06-03T08:17:12Z"


def test_json_keeps_decimals_exact() -> None:
    value = {"a": Decimal("1234.50"), "b": [Decimal("-0.001"), Decimal("1E+3")],
             "c": Decimal("12345678901234567890.12"), "s": "1234.50", "n": 7}
    raw = dumps(value)
    # The Decimal's own digits, exponent included: what is read back is what was written.
    assert raw == (b'{"a":1234.50,"b":[-0.001,1E+3],"c":12345678901234567890.12,'
                   b'"s":"1234.50","n":7}')
    back = loads(raw)
    assert back["a"] == Decimal("1234.50") and str(back["a"]) == "1234.50"
    assert str(back["b"][1]) == "1E+3" and back["n"] == 7 and type(back["n"]) is int
    assert str(back["c"]) == "12345678901234567890.12"
    with pytest.raises(ValueError):
        dumps({"x": Decimal("NaN")})


# -- sink specs ------------------------------------------------------------------------------

def test_open_sink_parses_specs(tmp_path: Path) -> None:
    jsonl = open_sink("jsonl:events.jsonl", state_dir=tmp_path)
    assert isinstance(jsonl, JsonlSink) and jsonl.path == tmp_path / "events.jsonl"
    assert open_sink("jsonl:events.jsonl", state_dir=tmp_path).name == jsonl.name
    hook = open_sink("webhook:http://127.0.0.1:9999/hook", state_dir=None)
    assert isinstance(hook, WebhookSink) and hook.name == "webhook:http://127.0.0.1:9999/hook"
    amqp = open_sink("amqp://guest:secret@127.0.0.1:5672/?exchange=x.events", state_dir=None)
    assert amqp.name == "amqp:amqp://127.0.0.1:5672/#x.events"  # never the password
    nats = open_sink("nats://127.0.0.1:4222?stream=T1", state_dir=None)
    assert nats.name == "nats:nats://127.0.0.1:4222#T1"


@pytest.mark.parametrize("spec, message", [
    ("kafka://127.0.0.1:9092", "unknown kind"),
    ("jsonl:", "no file name"),
    ("webhook:ftp://127.0.0.1/x", "not an http(s) URL"),
    ("webhook:https://example.com/hook", "no network access beyond loopback"),
    ("webhook:http://10.0.0.8/hook", "no network access beyond loopback"),
    ("amqp://127.0.0.1:5672/?queue=q", "unknown or empty option 'queue'"),
])
def test_bad_sink_spec_is_one_line_input_error(spec: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        open_sink(spec, state_dir=None)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# -- the relay with the embedded sinks -------------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "sim.db")
    yield opened
    opened.close()


def _fill(store: Store, factory: EventFactory, raw: dict[str, Any]) -> list[str]:
    """Every finance-events message once, committed to the outbox; returns the event ids."""
    ids = []
    with store.transaction():
        for name, example in _examples(raw).items():
            built = _event(factory, name, example)
            store.outbox_add(built)
            ids.append(built["envelope"]["id"])
    return ids


def _lines(path: Path) -> list[dict[str, Any]]:
    return [loads(line) for line in path.read_bytes().splitlines()]


def test_jsonl_sink_end_to_end_exactly_once(tmp_path: Path, store: Store,
                                            factory: EventFactory,
                                            raw_document: dict[str, Any]) -> None:
    path = tmp_path / "out" / "events.jsonl"
    relay = Relay(store, [open_sink(f"jsonl:{path}", state_dir=tmp_path)])
    ids = _fill(store, factory, raw_document)
    assert asyncio.run(relay.drain(10)) is True
    assert asyncio.run(relay.drain(10)) is True  # nothing left: nothing written twice
    # A restarted relay on the reopened store finds every event acknowledged.
    store.close()
    reopened = Store.open(tmp_path / "sim.db")
    try:
        assert asyncio.run(Relay(reopened, [JsonlSink(path)]).drain(10)) is True
    finally:
        reopened.close()
    lines = _lines(path)
    assert [line["id"] for line in lines] == ids
    for line in lines:
        assert factory.validate(line) == []
    posted = next(line for line in lines if line["type"].endswith("invoice.posted.v1"))
    assert posted["data"]["grossAmount"] == {"amount": "1486.79", "currency": "EUR"}
    assert b'"amount":"1486.79"' in path.read_bytes()


def test_relay_moves_decimals_with_their_exact_digits(tmp_path: Path, store: Store) -> None:
    """Sinks do not re-validate (build did): a row's JSON numbers reach the file unrounded."""
    path = tmp_path / "events.jsonl"
    data = {"rate": Decimal("0.10"), "big": Decimal("12345678901234567890.12")}
    store.outbox_add({"address": "finance.test.decimals",
                      "envelope": {"specversion": "1.0", "id": "e-dec", "source": SOURCE,
                                   "type": "dev.ledgerpact.test.v1", "data": data}})
    assert asyncio.run(Relay(store, [JsonlSink(path)]).drain(10)) is True
    raw = path.read_bytes()
    assert b'"rate":0.10' in raw and b'"big":12345678901234567890.12' in raw
    (line,) = _lines(path)
    assert line["data"] == data and str(line["data"]["rate"]) == "0.10"


def test_crash_between_delivery_and_ack_redelivers_the_same_ids(
        tmp_path: Path, store: Store, factory: EventFactory,
        raw_document: dict[str, Any]) -> None:
    """At least once: delivered but not acknowledged (the process died in between) means
    delivered again by the next relay, with the same CloudEvents ids to deduplicate on."""
    path = tmp_path / "events.jsonl"
    sink = JsonlSink(path)
    ids = _fill(store, factory, raw_document)
    first = store.outbox_pending(sink.name, 3)
    asyncio.run(sink.deliver(first))  # ... and no outbox_ack: the crash
    assert asyncio.run(Relay(store, [JsonlSink(path)]).drain(10)) is True
    seen = [line["id"] for line in _lines(path)]
    assert seen == ids[:3] + ids
    assert len(set(seen)) == len(ids)


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: _HookServer = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with server.lock:
            status = server.failures.pop(0) if server.failures else server.status
            server.received.append((status, dict(self.headers.items()), body))
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _HookServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.lock = threading.Lock()
        self.failures: list[int] = []  # statuses answered first, one per request
        self.status = 204
        self.received: list[tuple[int, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def delivered_ids(self) -> list[str]:
        with self.lock:
            return [loads(body)["id"] for status, _, body in self.received
                    if 200 <= status < 300]


@pytest.fixture
def hook() -> Iterator[_HookServer]:
    server = _HookServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_webhook_sink_retries_after_500_and_delivers_once(
        store: Store, factory: EventFactory, raw_document: dict[str, Any],
        hook: _HookServer) -> None:
    hook.failures = [500]
    sink = open_sink(f"webhook:{hook.url}", state_dir=None)
    log: list[str] = []
    relay = Relay(store, [sink], initial_backoff_s=0.01, log=log.append)
    ids = _fill(store, factory, raw_document)

    async def scenario() -> tuple[int, int, bool]:
        first = await relay.run_once()
        still = relay.pending(sink)
        drained = await relay.drain(10)
        await relay.close()
        return first, still, drained

    first, still, drained = asyncio.run(scenario())
    assert first == 0 and still == len(ids)  # the 500 acknowledged nothing
    assert drained is True
    assert hook.delivered_ids() == ids
    assert hook.received[0][0] == 500 and loads(hook.received[0][2])["id"] == ids[0]
    _, headers, body = hook.received[1]
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["content-type"] == "application/cloudevents+json"
    assert lower["ce-id"] == ids[0] == loads(body)["id"]
    assert len(log) == 2 and "unavailable (" in log[0] and "500" in log[0]
    assert "delivering again" in log[1]
    assert store.outbox_pending(sink.name) == []


def test_relay_keeps_other_sinks_going_while_one_fails(
        tmp_path: Path, store: Store, factory: EventFactory,
        raw_document: dict[str, Any], hook: _HookServer) -> None:
    hook.status = 503
    failing = WebhookSink(hook.url)
    path = tmp_path / "events.jsonl"
    broker_down = open_sink("amqp://guest:guest@127.0.0.1:1/", state_dir=None)  # refused
    log: list[str] = []
    relay = Relay(store, [failing, JsonlSink(path), broker_down], initial_backoff_s=0.01,
                  max_backoff_s=0.05, log=log.append)
    ids = _fill(store, factory, raw_document)

    async def scenario() -> tuple[bool, bool]:
        task = asyncio.create_task(relay.run())
        async with asyncio.timeout(20):  # a guard against hanging, not a timing assertion
            while not path.exists() or len(_lines(path)) < len(ids):
                assert not task.done(), task
                await asyncio.sleep(0.02)
            while len(hook.received) < 3:  # the failing sink is being retried
                assert not task.done(), task
                await asyncio.sleep(0.02)
        assert not task.done()  # run() survives the outages
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        stuck = await relay.drain(0.3)
        hook.status = 200
        done = await Relay(store, [failing, JsonlSink(path)], initial_backoff_s=0.01,
                           log=log.append).drain(10)
        await relay.close()
        return stuck, done

    stuck, done = asyncio.run(scenario())
    assert [line["id"] for line in _lines(path)] == ids
    assert stuck is False  # two sinks were still failing
    assert done is True
    # A POST the first relay gave up on (cancelled) may still have reached the server after
    # it recovered: at least once, so compare what a consumer keeps after deduplicating.
    assert list(dict.fromkeys(hook.delivered_ids())) == ids
    assert relay.pending(broker_down) == len(ids)
    outages = [line for line in log if "unavailable" in line]
    assert len([line for line in outages if failing.name in line]) == 1  # one per outage
    assert len([line for line in outages if broker_down.name in line]) == 1


def test_webhook_refusal_keeps_the_confirmed_prefix(
        store: Store, factory: EventFactory, raw_document: dict[str, Any],
        hook: _HookServer) -> None:
    hook.failures = [200, 200, 500]
    sink = WebhookSink(hook.url)
    ids = _fill(store, factory, raw_document)

    async def deliver() -> SinkError:
        try:
            await sink.deliver(store.outbox_pending(sink.name))
        except SinkError as exc:
            return exc
        finally:
            await sink.close()
        raise AssertionError("the 500 was not reported")

    error = asyncio.run(deliver())
    assert "answered 500" in str(error)
    assert len(error.delivered) == 2
    assert hook.delivered_ids() == ids[:2]


def test_jsonl_lines_are_cloudevents_json(tmp_path: Path, factory: EventFactory,
                                          raw_document: dict[str, Any]) -> None:
    path = tmp_path / "e.jsonl"
    example = _examples(raw_document)["supplierStatusChanged"]
    built = _event(factory, "supplierStatusChanged", example)
    assert asyncio.run(JsonlSink(path).deliver([(7, built)])) == [7]
    (line,) = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == built["envelope"]
