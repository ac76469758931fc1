"""Shared fixtures: where the repository and the shared corpora are, and simulators served
on 127.0.0.1 for a test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONTRACTS = REPO / "contracts"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpora() -> Path:
    path = SHARED / "corpora"
    if not path.is_dir():
        pytest.skip(f"shared corpora not found at {path} (tests read them from ../shared)")
    return path


@pytest.fixture(scope="session")
def official_schemas() -> Path:
    path = SHARED / "schemas"
    if not path.is_dir():
        pytest.skip(f"shared schemas not found at {path} (tests read them from ../shared)")
    return path


@pytest.fixture
def serve() -> Iterator[Callable[[Any], Any]]:
    """``serve(app)``: the simulator app served from a thread on a free 127.0.0.1 port, and
    an httpx client on it; both closed when the test ends."""
    import httpx

    from ledgerpact.generators.simulators.server import start_in_thread

    stops: list[Callable[[], None]] = []
    clients: list[httpx.Client] = []

    def start(app: Any) -> httpx.Client:
        running = start_in_thread(app)
        stops.append(running.stop)
        client = httpx.Client(base_url=running.url, timeout=10)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for stop in stops:
        stop()
