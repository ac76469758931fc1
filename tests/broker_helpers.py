"""The brokers tests talk to (RabbitMQ, NATS) on 127.0.0.1: with ``CI=true`` a missing broker
fails the test (CI runs them), elsewhere it skips with the reason."""

from __future__ import annotations

import os
import socket

import pytest


def require_broker(port: int, what: str, host: str = "127.0.0.1") -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        reason = f"{what} is not reachable on {host}:{port} ({exc.strerror or exc})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires it (start the broker)")
    pytest.skip(reason)
