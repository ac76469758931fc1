"""finance-events through real brokers: RabbitMQ (127.0.0.1:5672) and NATS JetStream
(127.0.0.1:4222), published by the relay from a real SQLite outbox, consumed with the
brokers' own clients and validated against the finance-events contract.

Each test uses its own exchange / stream name and its own event ids, so runs never see each
other's events. A broker that does not answer fails the test when ``CI=true`` (CI has both
brokers: a silent skip there would hide a broken setup) and skips it elsewhere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.simulators.events import EventFactory, Relay, open_sink
from ledgerpact.generators.simulators.events.envelope import loads
from ledgerpact.generators.simulators.store import Store
from tests.broker_helpers import require_broker

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "https://ledgerpact.dev/simulators/broker-test"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
NATS_URL = "nats://127.0.0.1:4222"


@pytest.fixture(scope="module")
def factory() -> EventFactory:
    return EventFactory.from_registry(SOURCE, ROOT)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "sim.db")
    yield opened
    opened.close()


def _fill(store: Store, factory: EventFactory) -> dict[str, dict[str, Any]]:
    """Every finance-events message from its contract example, with fresh ids: id -> row."""
    rows: dict[str, dict[str, Any]] = {}
    with store.transaction():
        for name in factory.names():
            example = factory.message(name).examples[0]
            built = factory.build(name, example["data"], event_id=str(uuid.uuid4()),
                                  time=datetime.now(UTC), subject=example["subject"],
                                  correlation_id=example["correlationid"])
            store.outbox_add(built)
            rows[built["envelope"]["id"]] = built
    return rows


def test_rabbitmq_receives_every_event_valid(store: Store, factory: EventFactory) -> None:
    require_broker(5672, "RabbitMQ")
    import aio_pika

    exchange_name = f"finance.events.test-{uuid.uuid4().hex[:12]}"
    rows = _fill(store, factory)
    sink = open_sink(f"{AMQP_URL}?exchange={exchange_name}", state_dir=None)

    async def scenario() -> list[aio_pika.abc.AbstractIncomingMessage]:
        connection = await aio_pika.connect(AMQP_URL, timeout=10)
        try:
            channel = await connection.channel()
            # Declared exactly as the sink declares it, so the queue is bound before publishing.
            exchange = await channel.declare_exchange(
                exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
            queue = await channel.declare_queue("", exclusive=True)
            await queue.bind(exchange, routing_key="finance.#")
            relay = Relay(store, [sink])
            assert await relay.drain(20) is True
            await relay.close()
            received = []
            async with asyncio.timeout(20):
                while len(received) < len(rows):
                    message = await queue.get(fail=False, timeout=5)
                    if message is None:
                        await asyncio.sleep(0.05)
                        continue
                    await message.ack()
                    received.append(message)
            assert await queue.get(fail=False, timeout=5) is None  # nothing more
            await exchange.delete()
            return received
        finally:
            await connection.close()

    received = asyncio.run(scenario())
    seen = []
    for message in received:
        envelope = loads(message.body)
        assert factory.validate(envelope) == [], envelope["type"]
        row = rows[envelope["id"]]
        assert envelope == row["envelope"]
        assert message.routing_key == row["address"]
        assert message.message_id == envelope["id"]
        assert message.content_type == "application/cloudevents+json"
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        seen.append(envelope["id"])
    assert sorted(seen) == sorted(rows)
    assert store.outbox_pending(sink.name) == []


def test_nats_jetstream_receives_every_event_once(store: Store,
                                                  factory: EventFactory) -> None:
    require_broker(4222, "NATS")
    import nats
    from nats.js.api import ConsumerConfig, DeliverPolicy

    stream_name = f"FINANCE_TEST_{uuid.uuid4().hex[:12].upper()}"
    rows = _fill(store, factory)
    sink = open_sink(f"{NATS_URL}?stream={stream_name}", state_dir=None)

    async def scenario() -> list[Any]:
        nc = await nats.connect(NATS_URL, connect_timeout=5)
        js = nc.jetstream()
        stream = await sink.ensure()  # type: ignore[attr-defined]
        try:
            start = (await js.stream_info(stream)).state.last_seq + 1
            relay = Relay(store, [sink])
            assert await relay.drain(20) is True
            # A relay that died after publishing and before acknowledging publishes again:
            # JetStream drops the copies by Nats-Msg-Id.
            assert await sink.deliver(list(enumerate(rows.values(), 1))) == list(
                range(1, len(rows) + 1))
            await relay.close()
            end = (await js.stream_info(stream)).state.last_seq
            psub = await js.pull_subscribe(
                "finance.>", durable=None, stream=stream,
                config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                      opt_start_seq=start))
            messages: list[Any] = []
            async with asyncio.timeout(20):
                while len(messages) < end - start + 1:
                    batch = await psub.fetch(100, timeout=5)
                    for message in batch:
                        await message.ack()
                    messages.extend(batch)
            await psub.unsubscribe()
            return messages
        finally:
            if stream == stream_name:
                await js.delete_stream(stream_name)
            await nc.close()

    messages = asyncio.run(scenario())
    ours = [m for m in messages if loads(m.data).get("id") in rows]  # a shared stream
    seen = []
    for message in ours:
        envelope = loads(message.data)
        assert factory.validate(envelope) == [], envelope["type"]
        row = rows[envelope["id"]]
        assert envelope == row["envelope"]
        assert message.subject == row["address"]
        assert message.headers["Nats-Msg-Id"] == envelope["id"]
        seen.append(envelope["id"])
    assert sorted(seen) == sorted(rows)  # every event, each exactly once
    assert store.outbox_pending(sink.name) == []
