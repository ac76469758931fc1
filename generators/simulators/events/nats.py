"""NATS JetStream sink: publishes finance-events with the subject = channel address.

An event counts as delivered when JetStream acknowledges it (the stream has stored it).
Each publish carries ``Nats-Msg-Id`` = CloudEvents id, so a redelivery after a crash between
the acknowledgement and the outbox update is dropped by JetStream's duplicate window;
beyond that window consumers deduplicate on the CloudEvents ``source`` + ``id``.

The stream (default ``FINANCE``, subjects ``finance.>``) is created when missing. A stream
that exists is used as it is, whatever its configuration; when another stream already
captures ``finance.>`` the events go to that one (JetStream allows one stream per subject).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ledgerpact.generators.simulators.events.envelope import CLOUDEVENTS_JSON, dumps
from ledgerpact.generators.simulators.events.sinks import (
    Batch,
    SinkError,
    address_of,
    envelope_of,
)

SUBJECTS = "finance.>"
_OVERLAP = 10065  # JetStream: subjects overlap with an existing stream


def _public_url(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


class NatsSink:
    """nats-py JetStream publisher; connects on first use and again after any failure."""

    def __init__(self, url: str, *, stream: str = "FINANCE", timeout_s: float = 5.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.url = url
        self.stream_name = stream
        self.stream: str | None = None  # the stream that actually stores the events
        self.timeout_s = timeout_s
        self.name = f"nats:{_public_url(url)}#{stream}"
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._nc: Any = None
        self._js: Any = None

    async def _open(self) -> Any:
        if self._js is not None and self._nc.is_connected:
            return self._js
        await self._drop()
        import nats
        from nats.errors import NoServersError

        failed: list[Exception] = []

        async def note(exc: Exception) -> None:
            # failures reach the relay as SinkError; no second report, but keep the reason
            failed[:] = [exc]

        # nats-py retries a server forever when max_reconnect_attempts is 0 (only a positive
        # value is a limit), so a broker that is down hung the connect until the relay's
        # delivery timeout. One retry, no wait, then NoServersError: reported with the reason
        # of the last attempt (connection refused, timeout, ...), not "no servers".
        try:
            self._nc = await nats.connect(servers=[self.url], connect_timeout=self.timeout_s,
                                          allow_reconnect=False, max_reconnect_attempts=1,
                                          reconnect_time_wait=0, error_cb=note)
        except NoServersError:
            if failed:
                raise failed[0] from None
            raise
        self._js = self._nc.jetstream(timeout=self.timeout_s)
        self.stream = await self._ensure_stream(self._js)
        return self._js

    async def ensure(self) -> str:
        """Connect and make sure the stream exists; the name of the stream that stores the
        events (consumers read from it). Raises what the connection raises."""
        await self._open()
        assert self.stream is not None
        return self.stream

    async def _ensure_stream(self, js: Any) -> str:
        from nats.js.errors import BadRequestError, NotFoundError

        try:
            await js.stream_info(self.stream_name)
            return self.stream_name
        except NotFoundError:
            pass
        try:
            await js.add_stream(name=self.stream_name, subjects=[SUBJECTS])
            return self.stream_name
        except BadRequestError as exc:
            if exc.err_code != _OVERLAP:
                raise
        owner: str = await js.find_stream_name_by_subject(SUBJECTS)
        self._log(f"events: {self.name}: stream {owner} already holds {SUBJECTS}; "
                  "publishing into it")
        return owner

    async def deliver(self, batch: Batch) -> list[int]:
        if not batch:
            return []
        try:
            js = await self._open()
        except Exception as exc:
            await self._drop()
            raise SinkError(f"{_public_url(self.url)}: {type(exc).__name__}: {exc}") from exc
        sends = []
        for seq, row in batch:
            envelope = envelope_of(row)
            headers = {"Nats-Msg-Id": str(envelope.get("id")), "content-type": CLOUDEVENTS_JSON}
            sends.append((seq, js.publish(address_of(row), dumps(envelope),
                                          timeout=self.timeout_s, headers=headers)))
        results = await asyncio.gather(*(send for _, send in sends), return_exceptions=True)
        done: list[int] = []
        for (seq, _), result in zip(sends, results, strict=True):
            if isinstance(result, BaseException):
                await self._drop()
                raise SinkError(f"{_public_url(self.url)} stream {self.stream}: "
                                f"{type(result).__name__}: {result}", done)
            done.append(seq)
        return done

    async def _drop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await nc.close()

    async def close(self) -> None:
        await self._drop()
