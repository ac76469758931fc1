"""What a verification found, as plain data, and the Pact core's mismatches read into it.

The Pact core reports each failed interaction with a list of mismatches (JSON path,
expected, actual); a reviewer needs one line per mismatch naming the interaction and the
field, so a missing member (reported at its parent, "missing the following keys: x") is
named at its own path (``$.data.x``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_MISSING_KEYS = "missing the following keys:"
# Failure lines in the order a reader needs them: the status explains the rest.
_ORDER = {"status": 0, "header": 1}


@dataclass(frozen=True)
class Mismatch:
    """One way the adapter's answer differs from what the consumer expects."""

    path: str  # $.status, header Content-Type, status, metadata.message
    expected: str | None
    actual: str | None
    text: str  # the Pact core's own words

    def describe(self) -> str:
        """One line; long values are cut (the JSON report keeps them whole)."""
        if self.expected is not None and self.actual is not None:
            return f"{self.path}: expected {_cut(self.expected)}, got {_cut(self.actual)}"
        return f"{self.path}: {_cut(self.text)}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "expected": self.expected, "actual": self.actual,
                "text": self.text}


@dataclass
class InteractionResult:
    description: str
    kind: str  # http | message
    states: list[str]
    passed: bool
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None  # a failure before any comparison (state, request, producer)

    def as_dict(self) -> dict[str, Any]:
        return {"description": self.description, "kind": self.kind, "states": self.states,
                "passed": self.passed, "error": self.error,
                "mismatches": [m.as_dict() for m in self.mismatches]}


@dataclass
class PactResult:
    """One pact verified against the adapter."""

    consumer: str
    consumer_version: str
    provider: str  # the pact's provider: the contract id
    path: str
    sha256: str
    contract_version: str
    interactions: list[InteractionResult]
    pending: bool
    errors: list[str] = field(default_factory=list)  # failures not tied to an interaction
    record: str | None = None  # the record written, relative to the registry

    @property
    def passed(self) -> bool:
        return not self.errors and bool(self.interactions) and \
            all(i.passed for i in self.interactions)

    def failure_lines(self) -> list[str]:
        """``FAIL <consumer> -> <provider> "<interaction>": <path>: expected ..., got ...``"""
        head = f"FAIL {self.consumer} -> {self.provider}"
        lines = [f"{head}: {error}" for error in self.errors]
        for item in self.interactions:
            if item.passed:
                continue
            where = f'{head} "{item.description}"'
            lines += [f"{where}: {m.describe()}" for m in item.mismatches]
            if item.error is not None:
                lines.append(f"{where}: {item.error}")
            if not item.mismatches and item.error is None:
                lines.append(f"{where}: failed")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"consumer": self.consumer, "consumer_version": self.consumer_version,
                "provider": self.provider, "pact": {"path": self.path, "sha256": self.sha256},
                "contract_version": self.contract_version, "passed": self.passed,
                "pending": self.pending, "errors": self.errors, "record": self.record,
                "interactions": [i.as_dict() for i in self.interactions]}


@dataclass
class PropertyResult:
    """Schemathesis against the adapter's canonical API."""

    contract: str
    operations: list[str]
    checks: list[str]
    cases: int
    failures: list[str]
    skipped: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {"contract": self.contract, "passed": self.passed, "cases": self.cases,
                "operations": self.operations, "checks": self.checks,
                "failures": self.failures, "skipped": self.skipped}


@dataclass
class VerifyReport:
    adapter: str
    adapter_version: str
    vendor: str
    seed: int
    pacts: list[PactResult]
    properties: PropertyResult | None
    pacts_run: bool = True  # False: --only schemathesis
    enable_pending: bool = False  # failures of pending pacts do not fail the run
    problems: list[str] = field(default_factory=list)  # e.g. nothing to verify
    code_sha256: str | None = None  # the adapter code verified
    notes: list[str] = field(default_factory=list)  # for stderr (e.g. no records written)

    @property
    def passed(self) -> bool:
        """Everything verified passed (what the records say)."""
        return not self.problems and all(p.passed for p in self.pacts) and \
            (self.properties is None or self.properties.passed)

    @property
    def ok(self) -> bool:
        """The run's exit status: as ``passed``, except that with ``enable_pending`` a
        pending pact's failure is reported without failing the run (as Pact's verifier)."""
        fatal = [p for p in self.pacts if not p.passed
                 and not (self.enable_pending and p.pending)]
        return not self.problems and not fatal and \
            (self.properties is None or self.properties.passed)

    def as_dict(self) -> dict[str, Any]:
        return {"adapter": self.adapter, "version": self.adapter_version,
                "vendor": self.vendor, "seed": self.seed, "passed": self.passed,
                "ok": self.ok, "enable_pending": self.enable_pending,
                "code_sha256": self.code_sha256, "problems": self.problems,
                "pacts": [p.as_dict() for p in self.pacts],
                "pacts_run": self.pacts_run,
                "schemathesis": self.properties.as_dict() if self.properties else None}


def _cut(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def read_mismatch(raw: Mapping[str, Any]) -> list[Mismatch]:
    """One Pact core mismatch as one or more located mismatches."""
    kind = str(raw.get("type") or "")
    text = " ".join(str(raw.get("mismatch") or raw.get("description") or kind).split())
    expected, actual = _text(raw.get("expected")), _text(raw.get("actual"))
    if kind == "HeaderMismatch":
        return [Mismatch(f"header {raw.get('key')}", expected, actual, text)]
    if kind == "MetadataMismatch":
        return [Mismatch(f"metadata.{raw.get('key')}", expected, actual, text)]
    if kind == "StatusMismatch":
        return [Mismatch("status", expected, actual, text)]
    if kind == "QueryMismatch":
        return [Mismatch(f"query {raw.get('parameter')}", expected, actual, text)]
    if kind in ("PathMismatch", "MethodMismatch"):
        return [Mismatch(kind[: -len("Mismatch")].lower(), expected, actual, text)]
    path = str(raw.get("path") or "$")
    if _MISSING_KEYS in text:
        keys = [k.strip() for k in text.split(_MISSING_KEYS, 1)[1].split(",") if k.strip()]
        return [Mismatch(f"{path}.{key}", "a value", "none (missing)", text) for key in keys]
    return [Mismatch(path, expected, actual, text)]


def interactions_of(document: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(description, kind, provider state names) of every interaction of a pact file."""
    found = []
    items = [(i, None) for i in document.get("interactions") or []] + \
        [(i, "message") for i in document.get("messages") or []]
    for item, forced in items:
        if not isinstance(item, Mapping):
            continue
        kind = forced or ("message" if str(item.get("type") or "").startswith("Asynchronous")
                          else "http")
        states = [str(s.get("name")) for s in item.get("providerStates") or []
                  if isinstance(s, Mapping)]
        if not states and item.get("providerState"):
            states = [str(item["providerState"])]
        found.append((str(item.get("description")), kind, states))
    return found


def _core_errors(results: Mapping[str, Any]) -> list[str]:
    return [" ".join(str((e.get("mismatch") or {}).get("message") or e).split())
            for e in results.get("errors") or [] if isinstance(e, Mapping)]


def read_results(document: Mapping[str, Any], results: Mapping[str, Any],
                 state_reason: Any, producer_failures: Mapping[str, str]
                 ) -> tuple[list[InteractionResult], list[str]]:
    """Per-interaction outcomes of one pact from the core's JSON results. The core lists
    every interaction it ran (a passed one with no mismatch); one it did not list was not
    verified, and fails. ``state_reason(state)`` and ``producer_failures`` explain failures
    the core reports only as "a handler failed"."""
    ran: dict[str, list[Mapping[str, Any]]] = {}
    for item in results.get("interactionResults") or []:
        if isinstance(item, Mapping):
            ran.setdefault(str(item.get("description")), []).append(item)
    outcome = []
    unverified = False
    for description, kind, states in interactions_of(document):
        entries = ran.get(description) or []
        if not entries:
            unverified = True
            outcome.append(InteractionResult(description, kind, states, False, [],
                                             "not verified by the Pact core"))
            continue
        entry = entries.pop(0)  # a repeated description: the core's results in pact order
        mismatch = entry.get("mismatch")
        if not mismatch:
            outcome.append(InteractionResult(description, kind, states, True))
            continue
        mismatches: list[Mismatch] = []
        error = None
        for raw in mismatch.get("mismatches") or []:
            mismatches += read_mismatch(raw)
        if mismatch.get("type") == "error" or not mismatch.get("mismatches"):
            error = " ".join(str(mismatch.get("message") or "failed").split())
        if description in producer_failures:
            # The core compared the relay's error page with the message: noise. The reason
            # is what the producer raised.
            mismatches = []
            error = f"no message produced: {producer_failures[description]}"
        elif error is not None:
            why = [f"provider state {s!r}: {state_reason(s)}" for s in states
                   if state_reason(s)]
            if why:
                error = f"{error} ({'; '.join(why)})"
        mismatches.sort(key=lambda m: _ORDER.get(m.path.split(" ")[0], 2))
        outcome.append(InteractionResult(description, kind, states, False, mismatches, error))
    errors = []
    if results.get("result") is False and (unverified or all(i.passed for i in outcome)):
        errors = _core_errors(results) or \
            ["the Pact core reported a failure without naming an interaction"]
    if not outcome:
        errors.append("the pact has no interaction the verifier can read")
    return outcome, errors


_INJECTED = re.compile(r"\$\{([^}]+)\}")


def injected_names(item: Any) -> set[str]:
    """The provider-state values an interaction injects (``${name}`` in the expressions of
    its ProviderState generators, wherever they are)."""
    found: set[str] = set()
    if isinstance(item, Mapping):
        if item.get("type") == "ProviderState" and isinstance(item.get("expression"), str):
            found.update(_INJECTED.findall(item["expression"]))
        for value in item.values():
            found |= injected_names(value)
    elif isinstance(item, list):
        for value in item:
            found |= injected_names(value)
    return found


def check_injections(document: Mapping[str, Any], outcome: list[InteractionResult],
                     returned: Any) -> None:
    """An injected value the provider states did not return makes the Pact core use the
    pact's example instead, and a type matcher then passes whatever the provider answers:
    such an interaction proves nothing and fails. ``returned(state, params)`` is the set of
    value names the state's handler returned."""
    items = [i for i in document.get("interactions") or [] if isinstance(i, Mapping)]
    for item, result in zip(items, outcome, strict=False):
        needed = injected_names(item)
        if not needed or not result.passed:
            continue
        given: set[str] = set()
        for state in item.get("providerStates") or []:
            if isinstance(state, Mapping):
                params = state.get("params")
                given |= returned(str(state.get("name")),
                                  params if isinstance(params, Mapping) else {})
        missing = sorted(needed - given)
        if missing:
            result.passed = False
            result.error = (f"the provider states returned no {', '.join(missing)}, which the "
                            "pact injects (the pact's example was used instead)")


def failure_lines(pacts: Sequence[PactResult]) -> list[str]:
    return [line for pact in pacts for line in pact.failure_lines()]
