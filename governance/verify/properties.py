"""Schemathesis against the adapter's canonical API (``erp-finance``), in process.

Pacts prove what consumers use; property-based tests cover what no consumer wrote down:
every operation of the canonical contract, with generated valid data (every answer must
conform to the contract: status code, content type, body, headers, never a 5xx) and
generated invalid data (it must be refused, conformantly). The seed is fixed so that a
failure reproduces, and ``examples`` bounds the cases per operation and phase.

The checks are those of ``tests/test_sim_schemathesis.py`` over the simulators, for the same
reasons (``positive_data_acceptance`` is left out: a schema-valid request may be refused for
finance reasons the schema cannot express, e.g. an unknown supplier, answered with a
documented 4xx that the conformance checks judge instead).
"""

from __future__ import annotations

import unittest
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledgerpact.governance.verify.outcome import PropertyResult

CONTRACT = "erp-finance"
AUTH = {"Authorization": "Bearer ledgerpact-verify"}


def _no_self_reported_violation(ctx: Any, response: Any, case: Any) -> None:
    """The adapter (on the simulator engine) flags its own non-conformant responses in
    ``X-Simulator-Violation``: a second opinion beside Schemathesis'."""
    flagged = response.headers.get("x-simulator-violation")
    if flagged:
        raise AssertionError(f"the adapter reports its own response violates the contract: "
                             f"{flagged[0]}")


def _checks() -> tuple[list[Callable[..., Any]], list[Callable[..., Any]]]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    responses = [not_a_server_error, status_code_conformance, content_type_conformance,
                 response_schema_conformance, response_headers_conformance,
                 _no_self_reported_violation]
    return responses, [negative_data_rejection, *responses]


def _config(mode: str, seed: int, examples: int) -> dict[str, Any]:
    return {
        "headers": AUTH,
        "seed": seed,
        "suppress-health-check": ["all"],
        "generation": {"mode": mode, "max-examples": examples, "database": "none",
                       "allow-extra-parameters": False},
        "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
                   "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }


def _bundled(registry: Path) -> dict[str, Any]:
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.cli_support import catalog_for, open_registry

    ws = open_registry(registry).workspace()
    entry = catalog_for(ws).get(CONTRACT)
    document: dict[str, Any] = bundle(ws, entry.document_path).document
    return document


def _sender(url: str, checks: list[Callable[..., Any]], counter: list[int]
            ) -> Callable[[Any], None]:
    """The test function Schemathesis wraps: it must take the case alone."""

    def send(case: Any) -> None:
        counter[0] += 1
        case.call_and_validate(base_url=url, checks=checks)

    return send


def run_properties(url: str, registry: Path, *, seed: int, examples: int) -> PropertyResult:
    """Positive then negative data over every operation of erp-finance at ``url``."""
    import schemathesis
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.result import Ok
    from schemathesis.pytest.lazy import get_all_tests

    positive, negative = _checks()
    document = _bundled(registry)
    operations: set[str] = set()
    failures: list[str] = []
    skipped: list[str] = []
    counter = [0]
    for mode, checks in (("positive", positive), ("negative", negative)):
        schema = schemathesis.openapi.from_dict(
            document, config=schemathesis.Config.from_dict(_config(mode, seed, examples)))

        for result in get_all_tests(schema=schema, test_func=_sender(url, checks, counter),
                                    settings=None,
                                    given_kwargs={}):
            if not isinstance(result, Ok):
                failures.append(f"{mode} data: schema error: {result.err()}")
                continue
            operation, test = result.ok()
            operations.add(operation.label)
            try:
                test()
            except FailureGroup as exc:
                failures.append(f"{mode} data: {operation.label}\n{exc}")
            except unittest.SkipTest as exc:
                skipped.append(f"{mode} data: {operation.label}: {exc}")
            except Exception as exc:
                failures.append(f"{mode} data: {operation.label}\n{type(exc).__name__}: {exc}")
    names = sorted({c.__name__.lstrip("_") for c in positive + negative})
    return PropertyResult(CONTRACT, sorted(operations), names, counter[0], failures,
                          skipped)
