"""Schemathesis against every simulator, as a QA team would point it at one (issue 7, point 6).

Each simulator runs as the user starts it (``ledgerpact simulate TARGET --port 0 --in-memory``,
a subprocess on an ephemeral 127.0.0.1 port) and Schemathesis drives it from the bundled
registry contract, the same document the simulator serves:

- positive data: schema examples and generated valid requests; every response must conform
  to the contract (status code, content type, body schema, headers) and never be a 5xx;
- negative data: generated invalid requests must be refused (``negative_data_rejection``),
  with responses that still conform to the contract and are never a 5xx;
- stateful: Schemathesis' state machine chains operations along the contracts' OpenAPI
  ``links`` (only the declared ones: inference is off, so a false link is what fails) with the
  same checks plus the stateful ones (``ensure_resource_availability``, ``use_after_free``).
  Each run must follow at least one declared link to a 2xx, or the links were not exercised;
  the "creation" runs start every scenario with a posting or capture that succeeds and must
  follow a link out of it (see CREATION for why they are separate runs).

The fourth simulator is ``erp-finance`` as a plain CONTRACT_ID: the same contract served by
the generic responder (examples first, then schema-generated data), with no behaviour.

Example counts are bounded (and the seed fixed, so CI runs are reproducible); set
``LEDGERPACT_SCHEMATHESIS_SEED`` to explore other data, and ``LEDGERPACT_SCHEMATHESIS_EXAMPLES``
to generate more per operation. A failure prints Schemathesis' own report per operation:
the check, the response and a curl command that reproduces it.

Checks deliberately not run, and why:
- ``positive_data_acceptance``: a schema-valid request may be refused for finance reasons
  the schema cannot express (an unknown supplier or cursor, an illegal lifecycle
  transition); the contracts document those 4xx answers, which ``status_code_conformance``
  and ``response_schema_conformance`` check instead.
- ``ignored_auth``: the simulators require credentials where the contract's ``security``
  does (401 without them; tests/test_sim_core.py covers it) but accept any token, since a
  mock has no token issuer. Schemathesis probes no OAuth 2.0 scheme (the only kind these
  contracts declare), so the check would pass without testing anything; every request here
  carries ``Authorization: Bearer test``.
- Not a check but a generator setting: negative data never adds undeclared query
  parameters (``allow-extra-parameters`` off); OpenAPI does not forbid them and the
  simulators accept them on purpose.
- ``unsupported_method``/``missing_required_header``/``allow_header_conformance`` (coverage
  phase checks) are not in the lists; the coverage phase sends no undeclared methods.
"""

from __future__ import annotations

import copy
import functools
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.catalog import find_entry
from ledgerpact.registry.cli_support import open_registry

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "ledgerpact"
READY = re.compile(r"^ledgerpact simulate: (\S+) \((\S+) (\S+)\) listening on "
                   r"http://127\.0\.0\.1:(\d+)$")
AUTH = {"Authorization": "Bearer test"}
SEED = int(os.environ.get("LEDGERPACT_SCHEMATHESIS_SEED", "20261124"))
EXAMPLES = int(os.environ.get("LEDGERPACT_SCHEMATHESIS_EXAMPLES", "10"))
STATEFUL_SCENARIOS = 12
STATEFUL_STEPS = 5

# pytest id -> command-line target; "erp-finance" names the contract, not a behaviour
TARGETS = {"erp": "erp", "invoice-automation": "invoice-automation",
           "tax-engine": "tax-engine", "generic-erp-finance": "erp-finance"}
BEHAVIOURS = frozenset({"erp", "invoice-automation", "tax-engine"})

# Attachment parts may be PDF or TIFF (invoice-automation's multipart encoding). Schemathesis
# ships byte serializers for octet-stream and common images only, so a wrong-typed value it
# generated for such a part (negative data: a number where the file goes) stopped the run
# with SerializationNotPossible instead of reaching the simulator. On the wire such a part is
# bytes whatever its media type: sent as octet-stream bytes are, and judged by the checks.
schemathesis.serializer.alias(["application/pdf", "image/tiff"], "application/octet-stream")


def no_self_reported_violation(ctx: Any, response: Response, case: Case) -> None:
    """The simulator validates its own responses and, rather than hide a violation, sends
    the response with ``X-Simulator-Violation``: a second opinion beside Schemathesis'
    (the simulator's validator and Schemathesis' can disagree on an edge, e.g. formats)."""
    flagged = response.headers.get("x-simulator-violation")
    if flagged:
        raise AssertionError(f"the simulator reports its own response violates the contract: "
                             f"{flagged[0]}")


RESPONSE_CHECKS: list[CheckFunction] = [
    not_a_server_error, status_code_conformance, content_type_conformance,
    response_schema_conformance, response_headers_conformance, no_self_reported_violation]
POSITIVE_CHECKS = RESPONSE_CHECKS
NEGATIVE_CHECKS = [negative_data_rejection, *RESPONSE_CHECKS]
STATEFUL_CHECKS = [*RESPONSE_CHECKS, ensure_resource_availability, use_after_free]


# --- the simulator process ----------------------------------------------------------------

@dataclass
class Simulator:
    """One ``ledgerpact simulate`` process and the contract it serves."""

    target: str
    contract_id: str
    url: str
    proc: subprocess.Popen[str]
    stderr: Path

    def reset(self) -> None:
        """Back to the seeded state, so each run starts from the same data whatever ran
        before it."""
        response = httpx.post(f"{self.url}/__admin/reset", json={"seed": 1}, timeout=10,
                              trust_env=False)
        response.raise_for_status()


@functools.cache
def bundled(contract_id: str) -> dict[str, Any]:
    """The contract as the simulator compiles it: one document, every $ref internal."""
    ws = open_registry(REPO).workspace()
    entry = find_entry(ws, contract_id)
    assert entry is not None, f"{contract_id} is not in the registry"
    document: dict[str, Any] = bundle(ws, entry.document_path).document
    return document


def first_line(proc: subprocess.Popen[str], timeout_s: float) -> str | None:
    """The ready line, read from a thread (a text pipe and select() disagree on what is
    readable), or None if the process ends or is silent for ``timeout_s``."""
    assert proc.stdout is not None
    stdout = proc.stdout
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        return lines.get(timeout=timeout_s)
    except queue.Empty:
        return None


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class Simulators:
    """The simulators this module talks to, each started on first use and stopped at the
    end of the module (starting one costs about a second; the runs share it)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.running: dict[str, Simulator] = {}

    def get(self, target: str) -> Simulator:
        if target not in self.running:
            self.running[target] = self._start(target)
        return self.running[target]

    def _start(self, target: str) -> Simulator:
        stderr = self.tmp / f"{target}.stderr"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        with stderr.open("w") as err:
            # stderr goes to a file: a pipe nobody reads would stall the server once full
            proc = subprocess.Popen(
                [str(BIN), "simulate", target, "--port", "0", "--in-memory"], cwd=REPO,
                env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        ready = first_line(proc, 60)
        match = READY.match(ready or "")
        if match is None:
            stop(proc)
            pytest.fail(f"ledgerpact simulate {target} did not start: {ready!r}\n"
                        f"{stderr.read_text()}")
        return Simulator(target, match.group(2), f"http://127.0.0.1:{match.group(4)}",
                         proc, stderr)

    def close(self) -> None:
        for sim in self.running.values():
            stop(sim.proc)


@pytest.fixture(scope="module")
def simulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulators]:
    running = Simulators(tmp_path_factory.mktemp("simulators"))
    try:
        yield running
    finally:
        running.close()


def load_schema(contract_id: str, config: dict[str, Any]) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(bundled(contract_id),
                                          config=schemathesis.Config.from_dict(config))


def data_config(mode: str, *, coverage: bool) -> dict[str, Any]:
    """Only the phases that generate per-operation data (the stateful phase is the state
    machine test below); the base URL is given when each case is sent."""
    return {
        "headers": AUTH,
        "seed": SEED,
        "suppress-health-check": ["all"],  # they judge the data generator, not the API
        # Undeclared query parameters are not negative data: OpenAPI does not forbid them and
        # the simulators accept them on purpose (validate.py: tracing ids, cache busters).
        "generation": {"mode": mode, "max-examples": EXAMPLES, "database": "none",
                       "allow-extra-parameters": False},
        # The coverage phase is where negative data is systematic (each constraint broken
        # in turn: missing required parameters, out-of-range values, wrong types).
        "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": True},
                   "coverage": {"enabled": coverage,
                                # 405 answers to undeclared methods: not what these
                                # checks judge, and a request per method and path
                                "unexpected-methods": []},
                   "stateful": {"enabled": False}},
    }


# --- positive and negative data, every operation ----------------------------------------

def run_operations(schema: schemathesis.BaseSchema, url: str,
                   checks: list[CheckFunction]) -> tuple[list[str], list[str]]:
    """Every operation's Hypothesis test run to the end whatever fails, by ``ledgerpact
    verify``'s own runner (governance/verify/properties.py), so the simulators, the adapters
    and verify are driven alike: (failure reports, skipped operations)."""
    from ledgerpact.governance.verify.properties import run_operations as run_all

    run = run_all(schema, url, checks)
    return run.failures, run.skipped


def run_data(sim: Simulator, mode: str, checks: list[CheckFunction]) -> None:
    # The coverage phase (systematic negative data) runs once per contract: the generic
    # erp-finance simulator validates requests with the same engine and contract as the
    # erp one (validation precedes any behaviour), so it gets fuzzed negative data only.
    coverage = mode == "negative" and sim.target in BEHAVIOURS
    schema = load_schema(sim.contract_id, data_config(mode, coverage=coverage))
    failures, skipped = run_operations(schema, sim.url, checks)
    names = ", ".join(c.__name__ for c in checks)
    print(f"{sim.target}: {mode} data, checks {names}; skipped: {skipped or 'none'}")
    if failures:
        pytest.fail(f"Schemathesis ({mode} data) found {len(failures)} failing operation(s) "
                    f"of ledgerpact simulate {sim.target}:\n\n" + "\n\n".join(failures),
                    pytrace=False)


@pytest.mark.parametrize("pytest_id", list(TARGETS))
def test_positive_data_gets_contract_conformant_answers(pytest_id: str,
                                                        simulators: Simulators) -> None:
    run_data(simulators.get(TARGETS[pytest_id]), "positive", POSITIVE_CHECKS)


@pytest.mark.parametrize("pytest_id", list(TARGETS))
def test_negative_data_is_rejected_conformantly(pytest_id: str,
                                                simulators: Simulators) -> None:
    run_data(simulators.get(TARGETS[pytest_id]), "negative", NEGATIVE_CHECKS)


# --- stateful: the state machine over the declared links ----------------------------------

# Schemathesis starts scenarios only at "reliable roots" (list GETs, and POSTs it does not
# judge to consume resources nothing produces) whenever there are any; it judges
# captureInvoice and postInvoice (whose documents reference suppliers and orders) unreliable,
# so they never start a scenario, and nothing links into them. The "creation" runs restrict
# the schema to the creating POST and targets of its links that have no links of their own
# left, so that the POST is the one root and every scenario starts with it.
CREATION: dict[str, dict[str, list[str]]] = {
    "erp": {"post": ["postInvoice", "getInvoicePosting", "getSupplier", "listJournalEntries"],
            "post-entry": ["postInvoice", "getJournalEntry", "getSupplier"]},
    "invoice-automation": {
        "capture-reads": ["captureInvoice", "getInvoice", "listExceptions",
                          "addInvoiceAttachment"],
        "capture-decisions": ["captureInvoice", "approveInvoice", "rejectInvoice",
                              "listInvoiceAttachments"],
    },
}
STATEFUL_RUNS = [(pid, "all") for pid in TARGETS] + [
    (pid, run) for pid in TARGETS for run in CREATION.get(TARGETS[pid], {})]
# target -> the creating operation, whose random bodies the finance rules (rightly) refuse
# (the data tests send those): in the creation runs it sends a fresh document that posts,
# under a fresh Idempotency-Key, so its links are reached and a replay of a scenario (which
# Hypothesis does while shrinking) meets the same answers
CREATES = {"erp": "POST /invoice-postings", "invoice-automation": "POST /invoices"}


@dataclass
class Followed:
    """Declared links the state machine followed, by outcome (to prove they were used)."""

    ok: dict[str, int] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)


def postable_invoice(number: str) -> dict[str, Any]:
    document = copy.deepcopy(_postable_invoice())
    document["number"] = number
    return document


@functools.cache
def _postable_invoice() -> dict[str, Any]:
    """An invoice that validates clean against the seeded reference data (seed 1, the
    simulators' default; the same seed gives the same data in every simulator)."""
    from ledgerpact.generators.simulators.behaviours import finance_data as fd

    number = "ST-template"
    data = fd.reference_data(1)
    suppliers = {s["supplierNumber"]: s for s in data["suppliers"]}
    minor = fd.contract_minor_units(bundled("erp-finance"))
    for po in data["purchaseOrders"]:
        supplier = suppliers.get(po["supplier"]["supplierNumber"])
        if (supplier is not None and supplier.get("status") == "active"
                and po.get("status") in ("released", "partially-received", "received")
                and any(ln.get("status") not in ("closed", "cancelled") for ln in po["lines"])):
            return fd.invoice_for(po, supplier, data["taxCodes"], minor, number)
    raise AssertionError("the seeded reference data has no open purchase order")


def seed_documents(sim: Simulator) -> None:
    """Documents for the list operations to find, as a QA team would load before a run:
    a clean invoice (pending approval, or posted with its journal entry and payment) and,
    for invoice automation, one citing an unknown order (an open exception)."""
    if sim.target not in CREATES:
        return
    clean = postable_invoice(f"ST-{SEED}-seed-1")
    unknown_order = postable_invoice(f"ST-{SEED}-seed-2")
    unknown_order["orderReference"]["id"] = "4599999999"
    for line in unknown_order["lines"]:
        line["purchaseOrderLineRef"]["orderId"] = "4599999999"
    path = CREATES[sim.target].split(" ", 1)[1]
    for number, document in enumerate((clean, unknown_order)):
        if number and sim.target == "erp":
            break
        response = httpx.post(f"{sim.url}{path}", json=document, timeout=10, trust_env=False,
                              headers={**AUTH, "Idempotency-Key": f"seed-{SEED:08d}-{number:08d}"})
        assert response.status_code == 201, response.text


def stateful_schema(sim: Simulator, family: list[str] | None) -> schemathesis.BaseSchema:
    schema = load_schema(sim.contract_id, {
        "base-url": sim.url,
        "headers": AUTH,
        "seed": SEED,
        "suppress-health-check": ["all"],
        "generation": {"mode": "positive", "database": "none"},
        # only the contract's own links: an inferred link proves nothing about ours
        "phases": {"stateful": {"enabled": True, "inference": {"algorithms": []}}},
    })
    return schema if family is None else schema.include(operation_id=family)


@pytest.mark.parametrize(("pytest_id", "run"), STATEFUL_RUNS,
                         ids=[f"{pid}-{run}" for pid, run in STATEFUL_RUNS])
def test_stateful_links_hold(pytest_id: str, run: str, simulators: Simulators) -> None:
    simulator = simulators.get(TARGETS[pytest_id])
    simulator.reset()
    family = CREATION.get(simulator.target, {}).get(run)
    if family is None:
        seed_documents(simulator)
    schema = stateful_schema(simulator, family)
    followed = Followed()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            if family is not None and case.operation.label == CREATES[simulator.target]:
                case.body = postable_invoice(f"ST-{uuid.uuid4().hex[:12]}")
                case.media_type = "application/json"
                case.headers = {**(case.headers or {}), "Idempotency-Key": str(uuid.uuid4())}

        def step(self, input: Any) -> Any:
            output = super().step(input)
            transition = input.transition
            if transition is not None and not transition.is_inferred and input.is_applied:
                name = transition.id
                bucket = followed.ok if 200 <= output.response.status_code < 300 \
                    else followed.other
                bucket[name] = bucket.get(name, 0) + 1
            return output

        def validate_response(self, response: Response, case: Case,
                              additional_checks: list[CheckFunction] | None = None,
                              **kwargs: Any) -> None:
            case.validate_response(response, checks=STATEFUL_CHECKS,
                                   transport_kwargs=kwargs or None,
                                   recorder=getattr(self, "recorder", None))

    Workflow.run(settings=settings(Workflow.TestCase.settings,
                                   max_examples=STATEFUL_SCENARIOS,
                                   stateful_step_count=STATEFUL_STEPS, deadline=None,
                                   database=None))
    summary = "\n".join([f"declared links followed to a 2xx: {followed.ok}",
                         f"declared links followed, other status: {followed.other}"])
    print(summary)
    assert followed.ok, (f"no declared link of {simulator.contract_id} was followed to a "
                         f"2xx answer in {STATEFUL_SCENARIOS} scenarios\n{summary}")
    if family is not None:
        source = CREATES[simulator.target]
        assert any(name.startswith(f"{source} ->") for name in followed.ok), (
            f"no link out of {source} was followed to a 2xx answer\n{summary}")
