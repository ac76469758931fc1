"""The canonical ERP simulator as an event source for the consumers' own tests.

The handlers are tested on events a real provider publishes, not only on the pact's
examples: the simulator is started with a JSON Lines sink and driven through erp-finance and
its admin actions, and the events are read back from the sink.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ledgerpact.generators.simulators import server

AUTH = {"Authorization": "Bearer consumer-tests"}


@dataclass
class ErpWithEvents:
    url: str
    sink: Path

    def admin(self, action: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.url}/__admin/actions/{action}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/invoice-postings", json=doc,
                              headers={**AUTH, "Idempotency-Key": key}, timeout=10)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def payment_of(self, number: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/payments", params={"invoiceId": number},
                             headers=AUTH, timeout=10)
        [payment] = response.json()["items"]
        return dict(payment)

    def events(self, count: int, deadline_s: float = 20.0) -> list[dict[str, Any]]:
        """The first ``count`` events of the sink, once the relay has delivered them."""
        stop = time.monotonic() + deadline_s
        while True:
            found = [json.loads(line) for line in self.sink.read_text().splitlines()
                     if line.strip()] if self.sink.exists() else []
            if len(found) >= count or time.monotonic() > stop:
                return found
            time.sleep(0.05)


@contextmanager
def erp_with_events(root: Path, folder: Path) -> Iterator[ErpWithEvents]:
    sink = folder / "erp-events.jsonl"
    sim = server.build("erp", registry=root, in_memory=True, seed=1, events=[f"jsonl:{sink}"])
    background = server.start_in_thread(sim.app)
    try:
        yield ErpWithEvents(background.url, sink)
    finally:
        background.stop()
        sim.close()
