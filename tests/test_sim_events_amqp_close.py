"""The AMQP sink closes every connection it opens, also one whose connect fails half way.

aio_pika.connect drops a connection whose connect fails (refused, unknown vhost, cancelled)
without closing it; the garbage collector later finds it and its ``__del__`` schedules
``close()`` from whatever thread the collection runs in, where no loop can run it. That is
the ``coroutine 'Connection.close' was never awaited`` RuntimeWarning a CI run once showed
in test_sim_events.py. Each test collects garbage in a worker thread while the sink's loop
is still open, the situation in which the warning appears every time.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import warnings
from collections.abc import Iterator

import aio_pika
import pytest

from ledgerpact.generators.simulators.events.amqp import AmqpSink
from ledgerpact.generators.simulators.events.sinks import Batch, SinkError
from tests.broker_helpers import require_broker

_ROW = {"seq": 1, "channel": "finance.invoice.posted", "envelope": "{}"}


async def _unawaited_after_collection() -> list[str]:
    """The never-awaited warnings a collection in another thread gives now."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await asyncio.to_thread(gc.collect)
    return [str(w.message) for w in caught if "never awaited" in str(w.message)]


async def _refused(sink: AmqpSink, batch: Batch) -> str:
    with pytest.raises(SinkError) as refused:
        await sink.deliver(batch)
    await sink.close()
    return str(refused.value)


def test_a_refused_connection_leaves_nothing_to_close() -> None:
    sink = AmqpSink("amqp://guest:guest@127.0.0.1:1/", timeout_s=5)

    async def scenario() -> tuple[str, list[str]]:
        reason = await _refused(sink, [(1, _ROW)])
        return reason, await _unawaited_after_collection()

    reason, unawaited = asyncio.run(scenario())
    assert "127.0.0.1:1" in reason
    assert unawaited == []


def test_a_connection_refused_by_the_broker_half_way_is_closed() -> None:
    require_broker(5672, "RabbitMQ")
    sink = AmqpSink("amqp://guest:guest@127.0.0.1:5672/no-such-vhost", timeout_s=5)

    async def scenario() -> tuple[str, list[str]]:
        reason = await _refused(sink, [(1, _ROW)])
        return reason, await _unawaited_after_collection()

    reason, unawaited = asyncio.run(scenario())
    assert "vhost 'no-such-vhost' refused" in reason
    assert unawaited == []


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts and never says a word: an AMQP connect to it
    hangs in the handshake until cancelled."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


def test_a_connect_cancelled_in_the_handshake_is_closed(silent_server: int) -> None:
    """A cancelled connect leaves its connection in the cancelled task's frames; unclosed, it
    would wait there for the collector. The sink closes it before the cancellation goes on."""
    sink = AmqpSink(f"amqp://guest:guest@127.0.0.1:{silent_server}/", timeout_s=30)

    async def scenario() -> list[bool]:
        task = asyncio.create_task(sink.deliver([(1, _ROW)]))
        await asyncio.sleep(0.3)  # connected, waiting for the broker's greeting
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return [conn.is_closed for conn in gc.get_objects()
                if isinstance(conn, aio_pika.Connection)]

    closed = asyncio.run(scenario())
    assert closed  # the cancelled task's frames still hold the connection it made
    assert all(closed)
