"""The outbox relay: moves committed events from the store to every sink, at least once.

Behaviours write events into the store's outbox in the same transaction as the state change
(so an event exists iff its change committed). The relay then reads each sink's pending rows,
delivers them, and acknowledges only the seqs the sink confirmed. A crash between delivery and
acknowledgement redelivers those events on restart: delivery is at least once, and consumers
deduplicate on the CloudEvents ``source`` + ``id`` (stable, stored in the row).

Each sink has its own cursor and its own pace: a sink that fails (broker down, webhook
answering 500) is retried with capped exponential backoff while the others go on, and the
relay itself never stops on a sink error. One line on stderr marks when an outage starts and
one when it ends, never one per retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledgerpact.generators.simulators.events.sinks import Sink, SinkError

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.store import Store


@dataclass(slots=True)
class _SinkState:
    sink: Sink
    lock: asyncio.Lock
    failures: int = 0
    retry_at: float = 0.0  # monotonic time before which the sink is left alone
    outage_reason: str | None = None


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Relay:
    """Delivers the outbox to ``sinks``; run ``run()`` as a task, cancel it to stop."""

    def __init__(self, store: Store, sinks: Sequence[Sink], interval_s: float = 0.05, *,
                 batch_size: int = 100, initial_backoff_s: float = 0.1,
                 max_backoff_s: float = 5.0, delivery_timeout_s: float = 30.0,
                 log: Callable[[str], None] = _stderr) -> None:
        self.store = store
        self.sinks = list(sinks)
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.delivery_timeout_s = delivery_timeout_s
        self._log = log
        self._states: list[_SinkState] | None = None

    def _all(self) -> list[_SinkState]:
        # Locks belong to the running loop: made on first use, not in __init__.
        if self._states is None:
            self._states = [_SinkState(sink, asyncio.Lock()) for sink in self.sinks]
        return self._states

    def pending(self, sink: Sink) -> int:
        """How many events ``sink`` has not confirmed yet (up to one batch)."""
        return len(self.store.outbox_pending(sink.name, self.batch_size))

    async def run_once(self) -> int:
        """One delivery attempt for every sink, backoff or not; returns the rows acknowledged."""
        counts = await asyncio.gather(*(self._step(state) for state in self._all()))
        return sum(acked for acked, _ in counts)

    async def run(self) -> None:
        """Deliver until cancelled; each sink in its own loop so one slow sink delays no other."""
        async with asyncio.TaskGroup() as group:
            for state in self._all():
                group.create_task(self._loop(state, until_empty=False))

    async def drain(self, timeout_s: float) -> bool:
        """Deliver until every sink has nothing pending (True) or ``timeout_s`` passed (False).

        Honours backoff, so a sink that failed is retried at its pace until the deadline."""
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*(self._loop(state, until_empty=True)
                                       for state in self._all()))
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        for sink in self.sinks:
            with contextlib.suppress(Exception):
                await sink.close()

    async def _loop(self, state: _SinkState, *, until_empty: bool) -> None:
        task = asyncio.current_task()
        while True:
            if task is not None and task.cancelling():
                # Python 3.11's wait_for (used inside aio-pika, aiormq, ...) can swallow a
                # cancellation that races with a result; a loop that went on after that would
                # make run() uncancellable and drain() overrun its deadline.
                raise asyncio.CancelledError
            wait = state.retry_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            acked, more = await self._step(state)
            if more or (acked and state.failures == 0):
                continue  # a full batch went out: the next one may be waiting already
            if until_empty and state.failures == 0:
                return  # nothing acknowledged and nothing failed: the outbox is empty
            if state.failures == 0:
                await asyncio.sleep(self.interval_s)

    async def _step(self, state: _SinkState) -> tuple[int, bool]:
        """One batch for one sink: (rows acknowledged, whether more are probably waiting)."""
        async with state.lock:
            try:
                # Group-committed writes become events only once they are committed: no event
                # may leave for a change a crash could still undo.
                await self.store.flush()
                batch = self.store.outbox_pending(state.sink.name, self.batch_size)
            except Exception as exc:  # the store is closing: nothing to deliver from
                self._failed(state, f"cannot read the outbox: {exc}")
                return 0, False
            if not batch:
                self._recovered(state)
                return 0, False
            confirmed: list[int] = []
            error: str | None = None
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for may swallow an outer cancel.
                async with asyncio.timeout(self.delivery_timeout_s):
                    confirmed = list(await state.sink.deliver(batch))
            except SinkError as exc:
                confirmed, error = exc.delivered, str(exc) or type(exc).__name__
            except TimeoutError:
                error = f"no answer within {self.delivery_timeout_s:g} s"
            except Exception as exc:  # a sink bug must not stop the relay or other sinks
                error = f"{type(exc).__name__}: {exc}"
            if confirmed:
                try:
                    self.store.outbox_ack(state.sink.name, confirmed)
                except Exception as exc:  # delivered, not recorded: delivered again later
                    self._failed(state, f"cannot acknowledge in the outbox: {exc}")
                    return 0, False
            if error is not None:
                self._failed(state, error)
                return len(confirmed), False
            if len(confirmed) < len(batch):
                self._failed(state, f"confirmed {len(confirmed)} of {len(batch)} events")
                return len(confirmed), False
            self._recovered(state)
            return len(confirmed), len(batch) >= self.batch_size

    def _failed(self, state: _SinkState, reason: str) -> None:
        state.failures += 1
        backoff = min(self.max_backoff_s, self.initial_backoff_s * 2 ** (state.failures - 1))
        state.retry_at = time.monotonic() + backoff
        if state.outage_reason is None:
            state.outage_reason = reason
            self._log(f"events: sink {state.sink.name} unavailable ({reason}); retrying "
                      f"with backoff up to {self.max_backoff_s:g} s")

    def _recovered(self, state: _SinkState) -> None:
        if state.outage_reason is not None:
            self._log(f"events: sink {state.sink.name} delivering again after "
                      f"{state.failures} failed attempts")
        state.failures = 0
        state.retry_at = 0.0
        state.outage_reason = None
