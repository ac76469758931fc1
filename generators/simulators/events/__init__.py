"""finance-events for the simulators: envelopes, sinks and the at-least-once outbox relay.

State changes are written to the store's outbox in the same transaction as the change; the
relay delivers them afterwards to each sink, at least once. Consumers deduplicate on the
CloudEvents ``source`` + ``id``.

Names are imported on first use so that a simulator without broker sinks never pays for
importing aio-pika or nats-py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.events.envelope import EventFactory, MessageSpec
    from ledgerpact.generators.simulators.events.relay import Relay
    from ledgerpact.generators.simulators.events.sinks import Sink, open_sink

__all__ = ["EventFactory", "MessageSpec", "Relay", "Sink", "open_sink"]

_HOME = {
    "EventFactory": "envelope",
    "MessageSpec": "envelope",
    "Relay": "relay",
    "Sink": "sinks",
    "open_sink": "sinks",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
