"""Recording consumer pacts with pact-python 4 (Pact V4, the real Pact core).

Each interaction is recorded on a Pact of its own, served by its own mock server (or, for
messages, fed to the consumer's handler) and then merged into one pact file: two interactions
with the same request but different provider states (a supplier's status when active and when
blocked) cannot share one mock server, which could not tell them apart. The Pact core merges
the files sorted by description, so the written pact does not depend on the order of the run.

Pacts are written to a temporary folder. With ``LEDGERPACT_WRITE_PACTS=1`` they are also
published to the registry's ``pacts/<consumer>/<version>/<provider>.json``, which is how a
consumer change is republished (``tests/test_pacts_files.py`` fails until it is).
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pact import Pact

REPO = Path(__file__).resolve().parents[2]
PACTS = REPO / "pacts"
CONSUMER_VERSION = "1.0.0"
WRITE_ENV = "LEDGERPACT_WRITE_PACTS"
MESSAGE_CONTENT_TYPE = "application/cloudevents+json"
CONSUMER_MODULES = {"invoice-automation": "invoice_automation_pact",
                    "treasury": "treasury_pact", "analytics": "analytics_pact"}
# Pact file metadata that names the tool versions, not the consumer's expectations.
VOLATILE_METADATA = ("pactRust", "pactPython", "pact-python", "pact-ffi")


@dataclass(frozen=True)
class HttpCase:
    """One HTTP interaction: how it is declared, and the consumer code that exercises it
    against the mock server (it must raise if the consumer does not get what it needs)."""

    description: str
    define: Callable[[Pact], Any]
    exercise: Callable[[str], None]


@dataclass(frozen=True)
class MessageCase:
    """One asynchronous message: its declaration and the consumer handler run on it."""

    description: str
    message: str  # the finance-events AsyncAPI message name
    define: Callable[[Pact], Any]
    consume: Callable[[dict[str, Any], Mapping[str, Any]], None]


@dataclass(frozen=True)
class Run:
    """A recorded pact: its file and, per interaction, the failure (None when it passed)."""

    path: Path
    results: dict[str, str | None]


def registry_path(consumer: str, provider: str, root: Path = REPO) -> Path:
    return root / "pacts" / consumer / CONSUMER_VERSION / f"{provider}.json"


def comparable(pact: Mapping[str, Any]) -> dict[str, Any]:
    """The pact without the tool versions in its metadata: what the consumer expects."""
    copy = json.loads(json.dumps(pact))
    metadata = copy.get("metadata", {})
    for key in VOLATILE_METADATA:
        metadata.pop(key, None)
    return copy


def _record_http(case: HttpCase, consumer: str, provider: str, out: Path) -> str | None:
    pact = Pact(consumer, provider).with_specification("V4")
    case.define(pact)
    try:
        with pact.serve(addr="127.0.0.1", raises=False, verbose=False) as server:
            try:
                case.exercise(str(server.url).rstrip("/"))
            except Exception as exc:
                return f"consumer code failed: {type(exc).__name__}: {exc}"
            if not server.matched:
                return f"mock server mismatches: {server.mismatches}"
    except Exception as exc:  # the mock server itself refused the interaction
        return f"mock server error: {type(exc).__name__}: {exc}"
    pact.write_file(out)
    return None


def _record_message(case: MessageCase, consumer: str, provider: str, out: Path) -> str | None:
    pact = Pact(consumer, provider).with_specification("V4")
    case.define(pact)

    def handler(body: str | bytes | None, metadata: dict[str, Any]) -> None:
        if body is None:
            raise AssertionError("the message has no body")
        if metadata.get("message") != case.message:
            raise AssertionError(f"metadata names message {metadata.get('message')!r}, "
                                 f"expected {case.message!r}")
        case.consume(json.loads(body), metadata)

    errors = pact.verify(handler, "Async", raises=False)
    if errors:
        return "; ".join(str(e) for e in errors)
    pact.write_file(out)
    return None


def record(consumer: str, provider: str, cases: list[HttpCase] | list[MessageCase]) -> Run:
    """Record every case into one fresh pact file (in a temporary folder)."""
    descriptions = [c.description for c in cases]
    if len(set(descriptions)) != len(descriptions):
        raise ValueError(f"{consumer}: interaction descriptions must be unique")
    out = Path(tempfile.mkdtemp(prefix=f"pact-{consumer}-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    results: dict[str, str | None] = {}
    for case in cases:
        if isinstance(case, HttpCase):
            results[case.description] = _record_http(case, consumer, provider, out)
        else:
            results[case.description] = _record_message(case, consumer, provider, out)
    path = out / f"{consumer}-{provider}.json"
    if os.environ.get(WRITE_ENV) == "1" and all(r is None for r in results.values()):
        target = registry_path(consumer, provider)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return Run(path, results)


@cache
def recorded(consumer: str) -> Run:
    """The consumer's pact, recorded once per test process (the consumer tests and the
    registry-file tests share it)."""
    module = importlib.import_module(f"tests.consumers.{CONSUMER_MODULES[consumer]}")
    return record(module.CONSUMER, module.PROVIDER, module.CASES)
