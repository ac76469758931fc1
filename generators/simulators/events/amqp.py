"""RabbitMQ sink: publishes finance-events to a durable topic exchange with confirms.

The routing key is the channel address (``finance.invoice.posted``), as the contract's
``financeEventsExchange`` binding says, so consumers bind queues with patterns such as
``finance.invoice.#``. An event counts as delivered only when the broker confirms it
(publisher confirms), which is what lets the relay acknowledge the outbox row.

The contract publishes with ``mandatory``: a message no queue is bound for comes back to the
producer. The broker has still taken the decision (it drops it), so the sink counts it as
delivered and says once that nobody listens; retrying would only pile up an
outbox nobody reads. Redelivery after a crash between the confirm and the outbox
acknowledgement is possible: consumers deduplicate on ``message_id`` (= CloudEvents id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from ledgerpact.generators.simulators.events.envelope import CLOUDEVENTS_JSON, dumps
from ledgerpact.generators.simulators.events.sinks import (
    Batch,
    SinkError,
    address_of,
    envelope_of,
)


class _QuietConnectFailures(logging.Filter):
    """aiormq logs every refused connection, and a multi-line traceback when the broker
    drops a connection ("Cancelling cause reader exited abnormally"); the relay already
    reports each outage in one line, with its reason."""

    _NOISE = ("error when creating transport", "Cancelling cause reader exited abnormally")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._NOISE)


_quiet = _QuietConnectFailures()
if _quiet not in logging.getLogger("aiormq.connection").filters:
    logging.getLogger("aiormq.connection").addFilter(_quiet)


def _public_url(url: str) -> str:
    """The broker URL without user and password: sink names are stored and logged."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path or '/'}"


class AmqpSink:
    """aio-pika publisher; connects on first use and again after any failure."""

    def __init__(self, url: str, *, exchange: str = "finance.events",
                 timeout_s: float = 10.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.url = url
        self.exchange_name = exchange
        self.timeout_s = timeout_s
        self.name = f"amqp:{_public_url(url)}#{exchange}"
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._connection: Any = None
        self._exchange: Any = None
        self._warned_unrouted = False

    async def _open(self) -> Any:
        if self._exchange is not None and not self._connection.is_closed:
            return self._exchange
        await self._drop()
        import aio_pika
        from aio_pika.connection import make_url

        # Built here, not by aio_pika.connect: that drops a connection whose connect fails
        # (refused, bad vhost or login, cancelled) without closing it, and its __del__ then
        # schedules close() from whichever thread the garbage collector runs in, where no
        # loop can run it ("coroutine 'Connection.close' was never awaited").
        self._connection = aio_pika.Connection(make_url(self.url))  # as connect() builds it
        try:
            await self._connection.connect(timeout=self.timeout_s)
            channel = await self._connection.channel(publisher_confirms=True,
                                                     on_return_raises=False)
            self._exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True,
                auto_delete=False, timeout=self.timeout_s)
        except BaseException:
            await self._drop()  # closed here, in this loop, also when cancelled
            raise
        return self._exchange

    async def deliver(self, batch: Batch) -> list[int]:
        import aio_pika

        if not batch:
            return []
        try:
            exchange = await self._open()
        except Exception as exc:  # connection refused, auth, ...
            await self._drop()
            raise SinkError(f"{_public_url(self.url)}: {_reason(exc, self.url)}") from exc
        messages = []
        for seq, row in batch:
            envelope = envelope_of(row)
            message = aio_pika.Message(
                dumps(envelope), content_type=CLOUDEVENTS_JSON,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(envelope.get("id")), type=str(envelope.get("type")),
                correlation_id=envelope.get("correlationid"),
                timestamp=datetime.now(UTC), app_id="ledgerpact-simulator")
            messages.append((seq, address_of(row), message))
        # All published at once (the broker confirms asynchronously), then checked in order:
        # only the prefix before the first failure is reported, so the relay never skips.
        results = await asyncio.gather(
            *(exchange.publish(message, routing_key=key, mandatory=True,
                               timeout=self.timeout_s)
              for _, key, message in messages), return_exceptions=True)
        done: list[int] = []
        for (seq, key, _), result in zip(messages, results, strict=True):
            if isinstance(result, BaseException):
                await self._drop()
                raise SinkError(f"{_public_url(self.url)} exchange {self.exchange_name}: "
                                f"{_reason(result, self.url)}", done)
            if not _is_ack(result) and not self._warned_unrouted:
                self._warned_unrouted = True
                self._log(f"events: {self.name}: no queue is bound for {key}; the broker "
                          "drops events nobody listens for (said once)")
            done.append(seq)
        return done

    async def _drop(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await connection.close()

    async def close(self) -> None:
        await self._drop()


_OBJECT_REPR = re.compile(r"<([\w.]+) object at 0x[0-9a-f]+>")


def _reason(exc: BaseException, url: str) -> str:
    """One readable line for why the broker could not be used. aiormq's own texts name
    Python objects (``<Connection.Close object at 0x...>``) instead of what went wrong."""
    import aiormq

    text = str(exc)
    if isinstance(exc, aiormq.exceptions.InvalidFrameError) and "Connection.Close" in text \
            and "Connection.OpenOk" in text:
        vhost = unquote(urlsplit(url).path[1:]) or "/"
        return f"vhost {vhost!r} refused (does it exist? is the user allowed?)"
    if isinstance(exc, aiormq.exceptions.ChannelInvalidStateError):
        return "channel closed (the broker closed it or the connection to it was lost)"
    return f"{type(exc).__name__}: {_OBJECT_REPR.sub(_object_name, text)}"


def _object_name(match: re.Match[str]) -> str:
    return match.group(1)


def _is_ack(result: Any) -> bool:
    import aiormq

    return isinstance(result, aiormq.spec.Basic.Ack)
