"""End to end: a posting to ``ledgerpact simulate erp`` reaches RabbitMQ and NATS JetStream.

The unit-level broker tests publish from an outbox; this one starts the real simulator as a
user does (``--events amqp://... --events nats://...``), posts an invoice and releases its
payment over HTTP, and consumes from both brokers with their own clients: every state change
arrives, validates against the finance-events contract, and carries the same CloudEvents id
on both brokers (what consumers deduplicate on). A broker that does not answer fails the test
when ``CI=true`` and skips it elsewhere.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from ledgerpact.generators.simulators.events import EventFactory
from ledgerpact.generators.simulators.jsonio import loads
from tests.broker_helpers import require_broker

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "ledgerpact"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
NATS_URL = "nats://127.0.0.1:4222"
AUTH = {"Authorization": "Bearer e2e"}
EXPECTED = {"dev.ledgerpact.invoice.posted.v1", "dev.ledgerpact.invoice.payment-scheduled.v1",
            "dev.ledgerpact.payment.released.v1"}


def test_simulated_postings_reach_both_brokers_valid(tmp_path: Path) -> None:
    require_broker(5672, "RabbitMQ")
    require_broker(4222, "NATS")
    import aio_pika
    import nats
    from nats.js.api import StreamConfig

    run = uuid.uuid4().hex[:10]
    exchange_name, stream_name = f"finance.e2e.{run}", f"FINANCE_E2E_{run.upper()}"
    queue_name = f"e2e-{run}"

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        amqp = await aio_pika.connect(AMQP_URL, timeout=10)
        nc = await nats.connect(NATS_URL, connect_timeout=5)
        js = nc.jetstream()
        # NATS allows one stream per subject space: if a stream already holds finance.>
        # (another run, a developer's broker), the sink publishes into that one.
        existing = None
        try:
            existing = await js.find_stream_name_by_subject("finance.>")
        except Exception:  # nats-py raises NotFoundError; any miss means "none"
            await js.add_stream(StreamConfig(name=stream_name, subjects=["finance.>"]))
        stream = existing or stream_name
        start = (await js.stream_info(stream)).state.last_seq + 1
        channel = await amqp.channel()
        # declared as the sink declares it (durable topic), deleted at the end
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(queue_name, exclusive=True)
        await queue.bind(exchange, routing_key="finance.#")
        proc = await asyncio.create_subprocess_exec(
            str(BIN), "simulate", "erp", "--registry", str(REPO), "--port", "0",
            "--state", str(tmp_path / "erp.sqlite"), "--events",
            f"{AMQP_URL}?exchange={exchange_name}", "--events", NATS_URL, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            assert proc.stdout is not None
            ready = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
            assert "listening on " in ready, ready
            url = ready.split("listening on ", 1)[1].split()[0]
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                doc = (await client.post("/__admin/actions/sample-invoice", json={})).json()
                posted = await client.post("/invoice-postings", json=doc, headers={
                    **AUTH, "Idempotency-Key": f"e2e-posting-{run}"})
                assert posted.status_code == 201, posted.text
                payments = await client.get("/payments", params={"invoiceId": doc["number"]},
                                            headers=AUTH)
                payment = payments.json()["items"][0]["paymentId"]
                moved = await client.post("/__admin/actions/release-payment",
                                          json={"paymentId": payment})
                assert moved.status_code == 200, moved.text
            from_amqp: list[dict[str, Any]] = []
            async with asyncio.timeout(30):
                async with queue.iterator() as messages:
                    async for message in messages:
                        async with message.process():
                            envelope = loads(message.body)
                            assert message.routing_key is not None
                            from_amqp.append({"key": message.routing_key, **envelope})
                        if {e["type"] for e in from_amqp} >= EXPECTED:
                            break
            from_nats: list[dict[str, Any]] = []
            psub = await js.pull_subscribe("finance.>", durable=None, stream=stream,
                                           config=nats.js.api.ConsumerConfig(
                                               deliver_policy=nats.js.api.DeliverPolicy
                                               .BY_START_SEQUENCE, opt_start_seq=start))
            async with asyncio.timeout(30):
                while not {e["type"] for e in from_nats} >= EXPECTED:
                    for message in await psub.fetch(20, timeout=5):
                        await message.ack()
                        envelope = loads(message.data)
                        if envelope.get("source", "").endswith("/erp") and \
                                envelope["data"].get("invoiceNumber", doc["number"]) \
                                == doc["number"]:
                            from_nats.append({"key": message.subject, **envelope})
            await psub.unsubscribe()
            return from_amqp, from_nats
        finally:
            proc.terminate()
            await proc.wait()
            if stream == stream_name:
                await js.delete_stream(stream_name)
            await nc.close()
            await exchange.delete()
            await amqp.close()

    from_amqp, from_nats = asyncio.run(scenario())
    factory = EventFactory.from_registry("https://ledgerpact.dev/simulators/e2e", REPO)
    for event in from_amqp + from_nats:
        key = event.pop("key")
        assert factory.validate(event) == [], event["type"]
        assert key == factory.address_of(event)
    amqp_ids = {e["id"] for e in from_amqp if e["type"] in EXPECTED}
    nats_ids = {e["id"] for e in from_nats if e["type"] in EXPECTED}
    assert len(amqp_ids) == len(EXPECTED)
    assert amqp_ids <= nats_ids  # the same event, the same id, on both brokers
