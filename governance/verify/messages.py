"""Message pacts: the events an adapter publishes, produced for the Pact core to judge.

The adapter publishes finance-events only through its outbox (to the event sink it was
built with), and it learns of vendor-side changes only when it polls the vendor (its
``sync`` admin action). So a message interaction is produced the way it happens in
production: the Pact core has arranged the provider states (through the vendor simulator
and the adapter's canonical API), we trigger one ``sync``, wait until the adapter's outbox
has reached the sink, and hand the core the newest event of the message the interaction
names in its metadata (``message``), as the sink received it. Only events published since
this interaction's provider states began to be set up count (``EventMarks``): an event left
over from an earlier interaction proves nothing about this one.

The metadata handed to the core is the event's own, not copied from the pact: ``message`` is
the event's CloudEvents ``type`` mapped back to its finance-events message name,
``contentType`` the media type the sinks deliver it in (structured CloudEvents,
``application/cloudevents+json``) and ``datacontenttype`` the event's own attribute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ledgerpact.generators.simulators import jsonio
from ledgerpact.generators.simulators.events.envelope import CLOUDEVENTS_JSON

SYNC_ACTION = "/__admin/actions/sync"
_DELIVERY_TIMEOUT_S = 15.0


def message_names(document: Mapping[str, Any]) -> dict[str, str]:
    """Interaction description -> the AsyncAPI message name in its metadata, for every
    message interaction of a pact (V4 ``Asynchronous/Messages``, or V3 ``messages``)."""
    found: dict[str, str] = {}
    items = [i for i in document.get("interactions") or [] if isinstance(i, Mapping)
             and str(i.get("type") or "").startswith("Asynchronous")]
    items += [i for i in document.get("messages") or [] if isinstance(i, Mapping)]
    for item in items:
        metadata = item.get("metadata")
        if not isinstance(metadata, Mapping):
            contents = item.get("contents")
            metadata = contents.get("metadata") if isinstance(contents, Mapping) else None
        name = metadata.get("message") if isinstance(metadata, Mapping) else None
        found[str(item.get("description"))] = str(name) if name else ""
    return found


def read_sink(path: Path) -> list[dict[str, Any]]:
    """The CloudEvents the sink holds, in delivery order (exact decimals kept)."""
    if not path.exists():
        return []
    return [jsonio.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


@dataclass
class EventMarks:
    """The adapter's outbox as it was when the current interaction's provider states began
    to be set up (None between interactions)."""

    before: set[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def setup(self, adapter_url: str) -> None:
        """Called before each state setup: the first of an interaction takes the mark."""
        with self.lock:
            if self.before is None:
                self.before = outbox_ids(adapter_url)

    def end(self) -> set[str] | None:
        """The mark of the interaction that ends now (state teardown or message produced)."""
        with self.lock:
            before, self.before = self.before, None
            return before


def outbox_ids(adapter_url: str) -> set[str]:
    """Ids of every event in the adapter's outbox (the engine's admin API)."""
    with httpx.Client(base_url=adapter_url, timeout=30, trust_env=False) as client:
        outbox = client.get("/__admin/events", params={"limit": 100000})
    outbox.raise_for_status()
    return {str(row["envelope"]["id"]) for row in outbox.json()["items"]}


@dataclass
class MessageSource:
    """Produces each message interaction's event from the running adapter."""

    adapter_url: str
    sink_path: Path
    names: Mapping[str, str]  # description -> message name
    type_names: Mapping[str, str]  # CloudEvents type -> message name
    marks: EventMarks = field(default_factory=EventMarks)
    failures: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def produce(self, name: str, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """pact-python's message handler: ``name`` is the interaction's description."""
        try:
            return self._produce(name)
        except Exception as exc:
            with self.lock:
                self.failures[name] = str(exc)
            raise

    def _produce(self, description: str) -> dict[str, Any]:
        before = self.marks.end()
        wanted = self.names.get(description)
        if not wanted:
            raise LookupError("the interaction has no metadata 'message' naming the "
                              "finance-events message it expects")
        if before is None:  # no provider state: only what this sync publishes counts
            before = outbox_ids(self.adapter_url)
        with httpx.Client(base_url=self.adapter_url, timeout=30, trust_env=False) as client:
            done = client.post(SYNC_ACTION, json={})
            if done.status_code != 200:
                raise RuntimeError(f"POST {SYNC_ACTION} answered {done.status_code}: "
                                   f"{done.text[:300]}")
            emitted = {str(i) for i in (done.json() or {}).get("emitted", [])}
        ids = outbox_ids(self.adapter_url) | emitted
        events = [e for e in self._delivered(ids) if str(e.get("id")) not in before]
        named = [e for e in events if self.type_names.get(str(e.get("type"))) == wanted]
        if not named:
            seen = sorted({self.type_names.get(str(e.get("type")), str(e.get("type")))
                           for e in events})
            raise LookupError(f"the adapter published no {wanted} event for this interaction "
                              f"(since its provider states and a sync it published: "
                              f"{', '.join(seen) or 'nothing'})")
        event = named[-1]
        metadata = {"message": self.type_names[str(event.get("type"))],
                    "contentType": CLOUDEVENTS_JSON}
        if event.get("datacontenttype"):
            metadata["datacontenttype"] = str(event["datacontenttype"])
        return {"contents": jsonio.dumps(event), "metadata": metadata,
                "content_type": CLOUDEVENTS_JSON}

    def _delivered(self, ids: set[str]) -> list[dict[str, Any]]:
        """The sink's events once every outbox event is in it (the relay runs on its own)."""
        deadline = time.monotonic() + _DELIVERY_TIMEOUT_S
        while True:
            events = read_sink(self.sink_path)
            missing = ids - {str(e.get("id")) for e in events}
            if not missing:
                return events
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(missing)} event(s) of the adapter's outbox did not "
                                   f"reach its event sink within {_DELIVERY_TIMEOUT_S:.0f} s")
            time.sleep(0.02)
