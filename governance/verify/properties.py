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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.governance.verify.outcome import PropertyResult

if TYPE_CHECKING:
    import schemathesis

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


@dataclass
class OperationsRun:
    """What one ``run_operations`` found: the operations run (by label), failure reports,
    skipped operations and how many cases were sent."""

    operations: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    cases: int = 0


def run_operations(schema: schemathesis.BaseSchema, url: str,
                   checks: Sequence[Callable[..., Any]]) -> OperationsRun:
    """Every operation's Hypothesis test, as ``@schema.parametrize()`` builds it (phases as
    ``schema``'s config says), sent to ``url`` and run to the end whatever fails. Built here
    rather than by Schemathesis' pytest plugin so that it runs outside pytest (``ledgerpact
    verify``) and so that collecting the test suite costs nothing (the plugin's lazy loader
    sets Node._nodeid, which pytest 9.2 no longer has); public so that the tests drive the
    simulators and adapters with the very runner verify uses."""
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.result import Ok
    from schemathesis.pytest.lazy import get_all_tests

    run = OperationsRun()
    wanted = list(checks)

    def send(case: Any) -> None:  # Schemathesis wraps a function of the case alone
        run.cases += 1
        case.call_and_validate(base_url=url, checks=wanted)

    for result in get_all_tests(schema=schema, test_func=send, settings=None,
                                given_kwargs={}):
        if not isinstance(result, Ok):
            run.failures.append(f"schema error: {result.err()}")
            continue
        operation, test = result.ok()
        run.operations.append(operation.label)
        try:
            test()
        except FailureGroup as exc:
            run.failures.append(f"{operation.label}\n{exc}")
        except unittest.SkipTest as exc:
            run.skipped.append(f"{operation.label}: {exc}")
        except Exception as exc:  # an error, not a check failure: reported the same way
            run.failures.append(f"{operation.label}\n{type(exc).__name__}: {exc}")
    return run


def run_properties(url: str, registry: Path, *, seed: int, examples: int) -> PropertyResult:
    """Positive then negative data over every operation of erp-finance at ``url``."""
    import schemathesis

    positive, negative = _checks()
    document = _bundled(registry)
    operations: set[str] = set()
    failures: list[str] = []
    skipped: list[str] = []
    cases = 0
    for mode, checks in (("positive", positive), ("negative", negative)):
        schema = schemathesis.openapi.from_dict(
            document, config=schemathesis.Config.from_dict(_config(mode, seed, examples)))
        run = run_operations(schema, url, checks)
        operations.update(run.operations)
        failures += [f"{mode} data: {failure}" for failure in run.failures]
        skipped += [f"{mode} data: {skip}" for skip in run.skipped]
        cases += run.cases
    # An operation Schemathesis skipped was not exercised: the record must not count it as
    # verified, so a skip fails the run like a check would (none is expected: each
    # erp-finance operation has data to generate in both modes).
    failures += [f"{skip} (skipped: the operation was not exercised)" for skip in skipped]
    if cases == 0:
        failures.append("no test case was sent: nothing was verified")
    names = sorted({c.__name__.lstrip("_") for c in positive + negative})
    return PropertyResult(CONTRACT, sorted(operations), names, cases, failures, skipped)
