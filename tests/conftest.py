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


@pytest.fixture
def widgets_registry(tmp_path: Path) -> Path:
    """A real Git registry with a generic OpenAPI contract (widgets) and an AsyncAPI one,
    for simulator tests that need a registry other than this repository."""
    import yaml

    from tests.cli_helpers import commit_all, init_repo, write_metadata
    from tests.test_sim_core import WIDGETS

    root = init_repo(tmp_path / "reg")
    folder = root / "contracts" / "widgets"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(yaml.safe_dump(WIDGETS, sort_keys=False))
    write_metadata(folder, "widgets", "openapi", "openapi.yaml")
    events = root / "contracts" / "widget-events"
    events.mkdir(parents=True)
    (events / "asyncapi.yaml").write_text(yaml.safe_dump(
        {"asyncapi": "3.0.0", "info": {"title": "e", "version": "1.0.0"}}))
    write_metadata(events, "widget-events", "asyncapi", "asyncapi.yaml")
    commit_all(root, "widgets")
    return root
