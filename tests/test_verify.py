"""``ledgerpact verify`` end to end on a temporary Git registry, with the pass-through adapter
of ``tests/fixtures/verify/passthrough.py`` over the canonical ERP simulator.

The pacts are written by pact-python (the real Pact core) in the test; verification runs the
real Pact core against real servers on 127.0.0.1 (the vendor simulator, the adapter, the
provider-state endpoint); the records are committed with git and read back by
``can-i-deploy``. The pass-through adapter's code is in the registry (``adapters/passthrough/``)
and installed as ``ledgerpact.adapters.passthrough`` from a separate copy (``INSTALLED``), as
``verify`` requires the two to be the same code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import yaml
from pact import Pact, generate, match

import ledgerpact.adapters
from ledgerpact.generators.simulators.server import build, start_in_thread
from ledgerpact.governance.deploy.records import load, pact_path
from ledgerpact.governance.verify.outcome import PropertyResult
from ledgerpact.governance.verify.report import render
from ledgerpact.governance.verify.run import verify_adapter
from tests.cli_helpers import BIN, commit_all, init_repo, run
from tests.fixtures.verify import passthrough

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "verify" / "passthrough.py"
LAUNCH = REPO / "tests" / "fixtures" / "verify" / "launch.py"
# adapter folder -> participant name: two adapters with the same pass-through code
FOLDERS = {"passthrough": "passthrough-adapter", "second": "second-adapter"}
ADAPTER = "passthrough-adapter"
BLOCKED = "V-100003"
SETTLED_TYPE = "dev.ledgerpact.payment.settled.v1"


def adapter_code(folder: Path) -> None:
    """The pass-through adapter as a package: ``<folder>/__init__.py`` + ``passthrough.py``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text('"""The pass-through test adapter."""\n')
    shutil.copy(FIXTURE, folder / "passthrough.py")


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The test adapters installed under ledgerpact.adapters for this process (and, through
    the launcher, for the ``ledgerpact`` subprocesses)."""
    site = tmp_path_factory.mktemp("installed-adapters")
    for folder in FOLDERS:
        adapter_code(site / folder)
    ledgerpact.adapters.__path__.append(str(site))
    yield site
    ledgerpact.adapters.__path__.remove(str(site))


def run_verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The command, in an environment where the test adapters are installed."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["PYTHONPATH"] = str(REPO)
    env["LEDGERPACT_TEST_ADAPTERS"] = str(INSTALLED[0])
    return subprocess.run([str(BIN.parent / "python"), str(LAUNCH), "verify",
                           *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=env, check=False, cwd=REPO)


INSTALLED: list[Path] = []


def sample_invoices(count: int) -> list[tuple[str, dict[str, Any]]]:
    """(supplier number, invoice): valid canonical invoices of the seeded world, as the ERP
    simulator samples them, each for a distinct open order of an active supplier other than
    BLOCKED. Distinct orders, because each sample bills its order's open lines in full and
    the ERP refuses a second posting for what an order line has already invoiced (pacts post
    them in one verification run); not BLOCKED, because the pacts block that supplier, after
    which its invoices no longer post. The supplier is the sampled order's: a canonical seller
    carries no supplier number."""
    sim = build("erp", registry=REPO, in_memory=True, seed=1)
    served = start_in_thread(sim.app)
    try:
        with httpx.Client(base_url=served.url, headers={"Authorization": "Bearer test"},
                          timeout=30, trust_env=False) as client:
            def active(number: str) -> bool:
                found: bool = client.get(f"/suppliers/{number}").json()["status"] == "active"
                return found

            orders: list[dict[str, Any]] = []
            cursor = None
            while True:
                page = client.get("/purchase-orders", params={
                    "limit": 100, **({"cursor": cursor} if cursor else {})}).json()
                orders += page["items"]
                cursor = page["nextCursor"]
                if cursor is None:
                    break
            supplier_of = {po["poNumber"]: po["supplier"]["supplierNumber"] for po in orders
                           if po["status"] in ("released", "partially-received", "received")
                           and any(ln["status"] not in ("closed", "cancelled")
                                   for ln in po["lines"])}
            chosen = [po for po, supplier in sorted(supplier_of.items())
                      if supplier != BLOCKED and active(supplier)][:count]
            assert len(chosen) == count, supplier_of
            found: list[tuple[str, dict[str, Any]]] = []
            for i, po in enumerate(chosen):
                answer = client.post("/__admin/actions/sample-invoice",
                                     json={"purchaseOrderId": po,
                                           "invoiceNumber": f"VERIFY-{i}"})
                assert answer.status_code == 200, answer.text
                invoice: dict[str, Any] = answer.json()
                found.append((supplier_of[invoice["orderReference"]["id"]], invoice))
            return found
    finally:
        served.stop()
        sim.close()


def write_pact(root: Pact, registry: Path, version: str) -> Path:
    consumer, provider = root._consumer, root._provider  # pact-python keeps them private
    scratch = registry.parent / f"scratch-{consumer}-{version}"
    root.write_file(scratch, overwrite=True)
    target = registry / pact_path(consumer, version, provider)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(scratch / f"{consumer}-{provider}.json", target)
    return target


def http_pact(invoice: dict[str, Any], *, extra: bool = False) -> Pact:
    pact = Pact("invoice-automation", "erp-finance").with_specification("V4")
    body: dict[str, Any] = {"supplierNumber": BLOCKED, "status": "blocked"}
    if extra:  # a new consumer version expecting what no adapter answers
        body["vatBreakdown"] = match.each_like({"rate": "19"})
    (pact.upon_receiving("a status request for a blocked supplier")
     .given("a supplier has a status", {"supplierNumber": BLOCKED, "status": "blocked"})
     .with_request("GET", f"/suppliers/{BLOCKED}/status")
     .with_header("Authorization", "Bearer token")
     .will_respond_with(200)
     .with_body(body, "application/json"))
    (pact.upon_receiving("a request for a supplier that does not exist")
     .given("a supplier does not exist", {"supplierNumber": "V-999999"})
     .with_request("GET", "/suppliers/V-999999")
     .with_header("Authorization", "Bearer token")
     .will_respond_with(404)
     .with_body({"status": 404, "title": match.str("Not found")}, "application/problem+json"))
    (pact.upon_receiving("the posting of a posted invoice")
     .given("an invoice is posted", {"idempotencyKey": "verify-0001-posting-status",
                                     "invoice": invoice})
     .with_request("GET", match.like("/invoice-postings/PST-2026-000001",
                                     generator=generate.provider_state(
                                         "/invoice-postings/${postingId}")))
     .with_header("Authorization", "Bearer token")
     .will_respond_with(200)
     .with_body({"postingId": match.str("PST-2026-000001"), "status": "posted"},
                "application/json"))
    return pact


def message_pact(invoice: dict[str, Any]) -> Pact:
    pact = Pact("treasury", "finance-events").with_specification("V4")
    (pact.upon_receiving("a payment settled event", "Async")
     .given("a payment has a status", {"idempotencyKey": "verify-0002-payment-settled",
                                       "invoice": invoice, "status": "settled"})
     .with_body({"type": SETTLED_TYPE, "specversion": "1.0",
                 "data": {"paymentId": match.str("PAY-2026-000001"), "status": "settled"}},
                "application/cloudevents+json")
     .with_metadata({"message": "paymentSettled",
                     "contentType": "application/cloudevents+json"}))
    return pact


def manifest(version: str = "1.0.0", folder: str = "passthrough",
             **changes: Any) -> dict[str, Any]:
    module = f"ledgerpact.adapters.{folder}.passthrough"
    data = {"name": FOLDERS[folder], "version": version, "description": "test pass-through",
            "owners": ["@test/owners"], "provides": ["erp-finance", "finance-events"],
            "vendor": {"contract": "erp-finance", "simulator": "erp"},
            "service": f"{module}:build", "states": f"{module}:STATE_HANDLERS"}
    data.update(changes)
    return data


def write_manifest(registry: Path, data: Any, folder: str = "passthrough") -> None:
    path = registry / "adapters" / folder / "adapter.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def register_providers(registry: Path, providers: list[str],
                       contracts: tuple[str, ...] = ("erp-finance", "finance-events")) -> None:
    for contract in contracts:
        path = registry / "contracts" / contract / "contract.yaml"
        meta = yaml.safe_load(path.read_text())
        meta["providers"] = providers
        path.write_text(yaml.safe_dump(meta, sort_keys=False))


@pytest.fixture(scope="module")
def invoices() -> list[dict[str, Any]]:
    found = sample_invoices(3)
    assert BLOCKED not in {supplier for supplier, _ in found}
    assert len({invoice["orderReference"]["id"] for _, invoice in found}) == 3
    return [invoice for _, invoice in found]


@pytest.fixture
def registry(tmp_path: Path, invoices: list[dict[str, Any]], installed: Path
             ) -> Iterator[Path]:
    INSTALLED[:] = [installed]
    reg = init_repo(tmp_path / "registry")
    shutil.copytree(REPO / "contracts", reg / "contracts")
    register_providers(reg, [ADAPTER])
    write_manifest(reg, manifest())
    adapter_code(reg / "adapters" / "passthrough")
    write_pact(http_pact(invoices[0]), reg, "1.0.0")
    write_pact(message_pact(invoices[1]), reg, "1.0.0")
    commit_all(reg, "contracts, adapter, pacts")
    yield reg


def deploy(reg: Path, participant: str, version: str) -> subprocess.CompletedProcess[str]:
    return run("can-i-deploy", participant, "--version", version, "--registry", reg)


def records_of(registry: Path) -> list[str]:
    return sorted(p.relative_to(registry).as_posix()
                  for p in (registry / "verifications").rglob("*.yaml"))


def test_verify_passes_records_and_can_i_deploy_says_yes(registry: Path) -> None:
    done = run_verify(ADAPTER, "--registry", registry, "--examples", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "ok   http    a status request for a blocked supplier" in out
    assert "ok   http    the posting of a posted invoice [given an invoice is posted]" in out
    assert "ok   message a payment settled event" in out
    assert "schemathesis erp-finance: passed" in out
    assert "GET /suppliers/{supplierNumber}/status" in out and "negative_data_rejection" in out
    assert out.rstrip().endswith(f"verify {ADAPTER} 1.0.0: passed")
    records = records_of(registry)
    assert [r.rsplit("/", 1)[0] for r in records] == [
        f"verifications/{ADAPTER}/1.0.0/erp-finance/invoice-automation-1.0.0",
        f"verifications/{ADAPTER}/1.0.0/finance-events/treasury-1.0.0"]
    commit_all(registry, "verification records")
    loaded, _ = load(__import__("ledgerpact.registry.repository",
                                fromlist=["Registry"]).Registry.open(registry))
    assert {(r.consumer, r.contract_id, r.outcome, r.pending, r.verifier_tool)
            for r in loaded} == {("invoice-automation", "erp-finance", "passed", True,
                                  "pact-python"),
                                 ("treasury", "finance-events", "passed", True,
                                  "pact-python")}
    # the code verified and the property tests of the run are part of every record
    assert len({r.code_sha256 for r in loaded}) == 1 and None not in \
        {r.code_sha256 for r in loaded}
    assert all(r.schemathesis and r.schemathesis["passed"] and r.schemathesis["cases"] > 0
               and "GET /suppliers/{supplierNumber}/status" in r.schemathesis["operations"]
               and "negative_data_rejection" in r.schemathesis["checks"] for r in loaded)
    for participant in (ADAPTER, "invoice-automation", "treasury"):
        answer = deploy(registry, participant, "1.0.0")
        assert answer.returncode == 0, answer.stdout + answer.stderr


def fails_on_the_blocked_supplier(registry: Path) -> None:
    """The regression both re-verification tests make: a build that maps a blocked supplier
    as active fails with exactly one line, naming the interaction and the field."""
    report = verify_adapter(registry, ADAPTER, examples=1,
                            service=passthrough.blocked_as_active)
    assert not report.passed
    lines = [line for p in report.pacts for line in p.failure_lines()]
    assert lines == ['FAIL invoice-automation -> erp-finance "a status request for a blocked '
                     'supplier": $.status: expected "blocked", got "active"']


def test_a_failed_reverification_is_kept_beside_the_pass_and_blocks(registry: Path) -> None:
    """Review 1: verifying the same adapter version again with a regression (code changed,
    version not bumped) must not erase the earlier pass, nor be erased by it."""
    assert verify_adapter(registry, ADAPTER, examples=1).passed
    commit_all(registry, "1.0.0 passes")
    first = records_of(registry)
    fails_on_the_blocked_supplier(registry)
    commit_all(registry, "1.0.0 re-verified: a regression")
    assert set(first) < set(records_of(registry)) and len(records_of(registry)) == 4
    answer = deploy(registry, ADAPTER, "1.0.0")
    assert answer.returncode == 1, answer.stdout
    assert f"FAILED verification by {ADAPTER} 1.0.0" in answer.stdout
    assert "pending" not in answer.stdout.split("can-i-deploy")[0].replace("pending |", "")
    consumer = deploy(registry, "invoice-automation", "1.0.0")
    assert consumer.returncode == 1 and f"FAILED verification by {ADAPTER} 1.0.0" in \
        consumer.stdout
    # the treasury pact passed again: its latest record decides, and it says passed
    assert deploy(registry, "treasury", "1.0.0").returncode == 0


def test_a_regression_fails_naming_interaction_and_field(registry: Path) -> None:
    assert verify_adapter(registry, ADAPTER, examples=1).passed
    commit_all(registry, "1.0.0 verified")
    write_manifest(registry, manifest("1.1.0"))
    fails_on_the_blocked_supplier(registry)
    commit_all(registry, "1.1.0 fails")
    assert deploy(registry, ADAPTER, "1.1.0").returncode == 1
    assert deploy(registry, ADAPTER, "1.0.0").returncode == 0
    answer = deploy(registry, "invoice-automation", "1.0.0")
    assert answer.returncode == 1  # the highest provider version with a record: 1.1.0
    assert f"FAILED verification by {ADAPTER} 1.1.0" in answer.stdout
    pinned = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry",
                 registry, "--provider-version", f"{ADAPTER}=1.0.0")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr


def test_a_replacement_adapter_failing_what_another_satisfies_is_blocked(
        registry: Path) -> None:
    """Review 2: pending is judged over every registered provider of the contract."""
    register_providers(registry, [ADAPTER, "second-adapter"])
    write_manifest(registry, manifest(folder="second"), folder="second")
    adapter_code(registry / "adapters" / "second")
    assert verify_adapter(registry, ADAPTER, examples=1).passed
    commit_all(registry, "the incumbent passes")
    report = verify_adapter(registry, "second-adapter", examples=1, enable_pending=True,
                            service=passthrough.blocked_as_active)
    # not pending (the incumbent verified this content), so --enable-pending does not help
    [failed] = [p for p in report.pacts if not p.passed]
    assert failed.provider == "erp-finance" and failed.pending is False
    assert not report.ok
    commit_all(registry, "the replacement fails the erp-finance pact")
    answer = deploy(registry, "second-adapter", "1.0.0")
    assert answer.returncode == 1, answer.stdout
    assert "FAILED verification by second-adapter 1.0.0" in answer.stdout
    assert deploy(registry, ADAPTER, "1.0.0").returncode == 0
    # the consumer needs both; a bare --provider-version is ambiguous with two providers
    assert deploy(registry, "invoice-automation", "1.0.0").returncode == 1
    bare = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry",
               registry, "--provider-version", "1.0.0")
    assert bare.returncode == 2 and "ambiguous" in bare.stderr


def test_a_new_failing_pact_is_pending(registry: Path, invoices: list[dict[str, Any]]) -> None:
    assert verify_adapter(registry, ADAPTER, examples=1).passed
    write_pact(http_pact(invoices[0], extra=True), registry, "1.1.0")
    commit_all(registry, "1.0.0 verified; consumer 1.1.0 expects more")
    done = run_verify(ADAPTER, "--registry", registry, "--examples", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert ('FAIL invoice-automation -> erp-finance "a status request for a blocked '
            'supplier": $.vatBreakdown: expected a value, got none (missing)') in done.stdout
    [record] = [r for r in records_of(registry) if "invoice-automation-1.1.0/" in r]
    data = yaml.safe_load((registry / record).read_text())
    assert (data["outcome"], data["pending"]) == ("failed", True)
    # --enable-pending: the pending failure is reported and recorded, but not fatal
    relaxed = run_verify(ADAPTER, "--registry", registry, "--only", "pacts",
                         "--enable-pending")
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    assert "$.vatBreakdown: expected a value" in relaxed.stdout
    assert "FAILED (pending pacts only: not fatal, --enable-pending)" in relaxed.stdout
    commit_all(registry, "pending failure recorded")
    assert deploy(registry, ADAPTER, "1.0.0").returncode == 0
    assert "pending" in deploy(registry, ADAPTER, "1.0.0").stdout
    assert deploy(registry, "invoice-automation", "1.1.0").returncode == 1
    assert deploy(registry, "invoice-automation", "1.0.0").returncode == 0


def test_a_schemathesis_failure_fails_the_records(registry: Path) -> None:
    """Review 7: the property tests are part of the outcome; --only writes no record."""
    upper = passthrough.make({"active": "ACTIVE", "blocked": "blocked", "pending": "pending"})
    report = verify_adapter(registry, ADAPTER, examples=1, service=upper)
    assert all(p.passed for p in report.pacts) and report.properties is not None
    assert not report.properties.passed and not report.passed
    commit_all(registry, "pacts pass, Schemathesis fails")
    loaded, _ = load(__import__("ledgerpact.registry.repository",
                                fromlist=["Registry"]).Registry.open(registry))
    assert {r.outcome for r in loaded} == {"failed"} and len(loaded) == 2
    assert all(r.schemathesis and not r.schemathesis["passed"]
               and r.schemathesis["failures"] for r in loaded)
    # a failed record blocks its consumer (the adapter itself: the pacts are still pending)
    for consumer in ("invoice-automation", "treasury"):
        answer = deploy(registry, consumer, "1.0.0")
        assert answer.returncode == 1 and f"FAILED verification by {ADAPTER}" in answer.stdout
    done = run_verify(ADAPTER, "--registry", registry, "--only", "pacts")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no verification records written: --only pacts" in done.stderr
    assert len(records_of(registry)) == 2


def test_an_unknown_provider_state_fails_the_interaction_naming_it(
        registry: Path, invoices: list[dict[str, Any]]) -> None:
    pact = Pact("analytics", "finance-events").with_specification("V4")
    (pact.upon_receiving("an event after a moon landing", "Async")
     .given("the moon is full")
     .with_body({"type": SETTLED_TYPE}, "application/cloudevents+json")
     .with_metadata({"message": "paymentSettled"}))
    write_pact(pact, registry, "2.0.0")
    report = verify_adapter(registry, ADAPTER, only="pacts", record=False)
    lines = [line for p in report.pacts for line in p.failure_lines()]
    assert len(lines) == 1 and lines[0].startswith(
        'FAIL analytics -> finance-events "an event after a moon landing": ')
    assert "no handler for provider state 'the moon is full'" in lines[0]
    assert not (registry / "verifications").exists()


def test_only_events_of_the_interaction_itself_are_matched(
        registry: Path, invoices: list[dict[str, Any]]) -> None:
    """Review nit: an event published for an earlier interaction proves nothing."""
    pact = Pact("analytics", "finance-events").with_specification("V4")
    (pact.upon_receiving("a payment settled event", "Async")
     .given("a payment has a status", {"idempotencyKey": "verify-0003-settled-a",
                                       "invoice": invoices[2], "status": "settled"})
     .with_body({"type": SETTLED_TYPE}, "application/cloudevents+json")
     .with_metadata({"message": "paymentSettled"}))
    (pact.upon_receiving("a payment settled event after a supplier change", "Async")
     .given("a supplier has a status", {"supplierNumber": BLOCKED, "status": "blocked"})
     .with_body({"type": SETTLED_TYPE}, "application/cloudevents+json")
     .with_metadata({"message": "paymentSettled"}))
    write_pact(pact, registry, "2.0.0")
    # review nit: a value injected from a provider state that the state does not return
    http = Pact("analytics", "erp-finance").with_specification("V4")
    (http.upon_receiving("a supplier status with an injected supplier number")
     .given("a supplier has a status", {"supplierNumber": BLOCKED, "status": "blocked"})
     .with_request("GET", f"/suppliers/{BLOCKED}/status")
     .with_header("Authorization", "Bearer token")
     .will_respond_with(200)
     .with_body({"supplierNumber": match.type(BLOCKED, generator=generate.provider_state(
         "${supplierNumber}")), "status": "blocked"}, "application/json"))
    write_pact(http, registry, "2.0.0")
    report = verify_adapter(registry, ADAPTER, only="pacts", record=False)
    outcome = {i.description: i for p in report.pacts if p.consumer == "analytics"
               for i in p.interactions}
    assert outcome["a payment settled event"].passed
    late = outcome["a payment settled event after a supplier change"]
    assert not late.passed and "published no paymentSettled event for this interaction" in \
        str(late.error)
    injected = outcome["a supplier status with an injected supplier number"]
    assert not injected.passed and injected.error == (
        "the provider states returned no supplierNumber, which the pact injects (the pact's "
        "example was used instead)")
    # the interactions of the pacts written by the fixture inject only returned values
    assert all(i.passed for p in report.pacts if p.consumer != "analytics"
               for i in p.interactions)


def test_interactions_the_core_did_not_run_fail(registry: Path) -> None:
    """Review 6: an interaction of a type the Pact core cannot run is not reported as ok."""
    doc = json.loads((registry / pact_path("invoice-automation", "1.0.0",
                                           "erp-finance")).read_text())
    extra = json.loads(json.dumps(doc["interactions"][0]))
    extra.update(description="an interaction of no known type", key="deadbeef",
                 type="Synchronous/HTTPX")
    doc["interactions"].append(extra)
    target = registry / pact_path("invoice-automation", "2.0.0", "erp-finance")
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(doc))
    done = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record",
                      "--format", "junit")
    assert done.returncode == 1, done.stdout + done.stderr
    junit = ElementTree.fromstring(done.stdout)
    failed = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert "an interaction of no known type" in failed
    text = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record")
    assert "ok   http    an interaction of no known type" not in text.stdout
    assert 'FAIL invoice-automation -> erp-finance "an interaction of no known type":' in \
        text.stdout


def test_nothing_to_verify_fails(registry: Path) -> None:
    for pact in (registry / "pacts").rglob("*.json"):
        pact.unlink()
    done = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (f"FAIL verify {ADAPTER}: no pact names a contract this adapter provides "
            "(erp-finance, finance-events): nothing was verified") in done.stdout
    junit = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record",
                       "--format", "junit")
    assert junit.returncode == 1
    assert len(ElementTree.fromstring(junit.stdout).findall(".//failure")) == 1


@pytest.mark.parametrize(("args", "edit", "expected"), [
    ((), None, "name the adapter to verify; registered adapters: passthrough-adapter"),
    (("nope",), None, "unknown adapter 'nope'; registered adapters: passthrough-adapter"),
    ((ADAPTER,), {"version": "one"}, "adapters/passthrough/adapter.yaml:2: at /version:"),
    ((ADAPTER,), {"vendor": "erp"}, "at /vendor: vendor must be a mapping"),
    ((ADAPTER,), {"service": "no module"}, "at /service: service 'no module' is not an"),
    ((ADAPTER,), {"service": "ledgerpact.adapters.passthrough.nothing:build"},
     "cannot be imported"),
    # review 4: an entry outside the manifest's own folder
    ((ADAPTER,), {"service": "ledgerpact.adapters.second.passthrough:build"},
     "at /service: service 'ledgerpact.adapters.second.passthrough:build' is outside this "
     "adapter's package; expected ledgerpact.adapters.passthrough.<module>:<attribute>"),
    ((ADAPTER,), {"states": "tests.fixtures.verify.passthrough:STATE_HANDLERS"},
     "at /states: states 'tests.fixtures.verify.passthrough:STATE_HANDLERS' is outside"),
    ((ADAPTER,), {"service": "json:dumps"}, "at /service: service 'json:dumps' is outside"),
    # review 5: a service that is no factory of build's signature
    ((ADAPTER,), {"service": "ledgerpact.adapters.passthrough.passthrough:STATUS"},
     "at /service: service 'ledgerpact.adapters.passthrough.passthrough:STATUS' must be a "
     "function build(vendor_url, *, registry, events, auth)"),
    ((ADAPTER,), {"service": "ledgerpact.adapters.passthrough.passthrough:PassThrough"},
     "at /service: service"),
    ((ADAPTER,), {"service": "ledgerpact.adapters.passthrough.passthrough:make"},
     "at /service: service 'ledgerpact.adapters.passthrough.passthrough:make' must be a "),
    ((ADAPTER,), {"states": "ledgerpact.adapters.passthrough.passthrough:build"},
     "at /states: states 'ledgerpact.adapters.passthrough.passthrough:build' must be a "
     "mapping"),
    ((ADAPTER,), {"vendor": {"contract": "erp-finance", "simulator": "nope"}},
     "at /vendor/simulator: vendor simulator 'nope' is no simulator target (known: erp,"),
    ((ADAPTER,), {"provides": ["erp-finance", "finance-events", "nothing-here"]},
     "provides 'nothing-here', which is not a contract"),
    ((ADAPTER,), {"extra": 1}, "unknown field 'extra'"),
    ((ADAPTER,), {"vendor": {"contract": "netsuite-rest", "simulator": "erp"}},
     "at /vendor: vendor simulator 'erp' serves erp-finance, not netsuite-rest"),
    ((ADAPTER,), ("providers", []), "does not list passthrough-adapter in providers"),
    ((ADAPTER,), ("providers", [ADAPTER, "ghost-adapter"]),
     "at /providers/1: providers names 'ghost-adapter', which no adapters/*/adapter.yaml"),
    ((ADAPTER,), ("providers", ["Not A Name"]),
     "at /providers: provider 'Not A Name' is not a participant name"),
    ((ADAPTER,), ("tax-engine", [ADAPTER]),
     "at /providers/0: providers names "
     "'passthrough-adapter', but adapters/passthrough/adapter.yaml does not list tax-engine"),
])
def test_bad_input_exits_2_with_one_line(registry: Path, args: tuple[str, ...],
                                         edit: Any, expected: str) -> None:
    if edit is not None and "second" in str(edit):
        adapter_code(registry / "adapters" / "second")
    if isinstance(edit, tuple) and edit[0] == "providers":
        register_providers(registry, edit[1])
    elif isinstance(edit, tuple):
        register_providers(registry, edit[1], contracts=(edit[0],))
    elif edit is not None:
        write_manifest(registry, manifest(**edit))
    # in process (the command itself, as the console script runs it), for speed
    from click.testing import CliRunner

    from ledgerpact.governance.verify.cli import verify_cmd

    done = CliRunner().invoke(verify_cmd, [*args, "--registry", str(registry)])
    assert done.exit_code == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == "" and not (registry / "verifications").exists()


def test_formats_and_help(registry: Path) -> None:
    report = verify_adapter(registry, ADAPTER, only="pacts", record=False)
    data = json.loads(render(report, "json"))
    assert data["passed"] and data["schemathesis"] is None and data["failures"] == []
    assert sorted((p["consumer"], len(p["interactions"])) for p in data["pacts"]) == [
        ("invoice-automation", 3), ("treasury", 1)]
    junit = ElementTree.fromstring(render(report, "junit"))
    assert len(junit.findall(".//testcase")) == 4 and not junit.findall(".//failure")
    assert "| treasury | 1.0.0 | finance-events | a payment settled event | message | " \
        "passed |" in render(report, "markdown")
    assert not (registry / "verifications").exists()
    # the Schemathesis operations and checks are listed in every format
    report.properties = PropertyResult("erp-finance", ["GET /suppliers", "POST /x"],
                                       ["not_a_server_error"], 7, [], [])
    md = render(report, "markdown")
    assert "- `GET /suppliers`" in md and "- `POST /x`" in md
    assert "Checks: `not_a_server_error`." in md
    data = json.loads(render(report, "json"))
    assert data["schemathesis"]["operations"] == ["GET /suppliers", "POST /x"]
    assert data["schemathesis"]["checks"] == ["not_a_server_error"]
    helped = run("verify", "--help")
    assert helped.returncode == 0 and "ledgerpact verify sap-s4hana-adapter" in helped.stdout
    assert "--only [pacts|schemathesis]" in helped.stdout and "--enable-pending" in \
        helped.stdout


def test_registry_code_that_is_not_the_installed_code_exits_2(registry: Path) -> None:
    """Review 4: --registry X must not verify code other than X's."""
    code = registry / "adapters" / "passthrough" / "passthrough.py"
    code.write_text(code.read_text() + "\n# changed in the registry only\n")
    done = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and (
        f"adapters/passthrough in {registry} differs from the installed "
        f"ledgerpact.adapters.passthrough at {INSTALLED[0] / 'passthrough'}; run verify from "
        "that checkout's environment") in lines[0]
    code.unlink()
    (registry / "adapters" / "passthrough" / "__init__.py").unlink()
    done = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record")
    assert done.returncode == 2 and "holds no adapter code" in done.stderr


@pytest.mark.parametrize(("interactions", "expected"), [
    ("bad", "at /interactions: interactions must be a non-empty list, found 'bad'"),
    ([], "at /interactions: interactions must be a non-empty list"),
    ([{"type": "Synchronous/HTTP"}], "at /interactions/0: an interaction must be a mapping "
                                     "with a description"),
])
def test_a_pact_without_readable_interactions_exits_2(registry: Path, interactions: Any,
                                                      expected: str) -> None:
    target = registry / pact_path("analytics", "3.0.0", "erp-finance")
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({
        "consumer": {"name": "analytics"}, "provider": {"name": "erp-finance"},
        "interactions": interactions, "metadata": {"pactSpecification": {"version": "4.0"}}}))
    done = run_verify(ADAPTER, "--registry", registry, "--only", "pacts", "--no-record")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "pacts/analytics/3.0.0/erp-finance.json" in lines[0]
    assert expected in lines[0]


@pytest.mark.parametrize(("raw", "expected"), [
    ({"type": "BodyMismatch", "path": "$.status", "expected": '"blocked"',
      "actual": '"active"', "mismatch": "Expected 'active' to be equal to 'blocked'"},
     ['$.status: expected "blocked", got "active"']),
    ({"type": "BodyMismatch", "path": "$.data", "expected": "[]", "actual": "[]",
      "mismatch": "Actual map is missing the following keys: vatBreakdown, rate"},
     ["$.data.vatBreakdown: expected a value, got none (missing)",
      "$.data.rate: expected a value, got none (missing)"]),
    ({"type": "StatusMismatch", "expected": 200, "actual": 404, "mismatch": "x"},
     ["status: expected 200, got 404"]),
    ({"type": "HeaderMismatch", "key": "Content-Type", "expected": "application/json",
      "actual": "text/html", "mismatch": "x"},
     ["header Content-Type: expected application/json, got text/html"]),
    ({"type": "MetadataMismatch", "key": "message", "expected": "paymentSettled",
      "actual": "paymentFailed", "mismatch": "x"},
     ["metadata.message: expected paymentSettled, got paymentFailed"]),
])
def test_core_mismatches_become_located_lines(raw: dict[str, Any],
                                              expected: list[str]) -> None:
    from ledgerpact.governance.verify.outcome import read_mismatch

    assert [m.describe() for m in read_mismatch(raw)] == expected


def test_a_skipped_operation_or_no_case_fails_the_properties(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What Schemathesis skipped was not exercised, and a run that sent nothing verified
    nothing: neither may pass into a record. The runner is replaced by one that reports
    such runs (making Schemathesis skip on demand would test Schemathesis); the policy of
    ``run_properties`` over its reports is the unit here."""
    from ledgerpact.governance.verify import properties

    reports = {"skip": properties.OperationsRun(["GET /suppliers", "GET /payments"], [],
                                                ["GET /payments: no data"], 5),
               "empty": properties.OperationsRun(["GET /suppliers"], [], [], 0),
               "clean": properties.OperationsRun(["GET /suppliers"], [], [], 5)}
    for name, report in reports.items():
        monkeypatch.setattr(properties, "run_operations",
                            lambda schema, url, checks, r=report: r)
        result = properties.run_properties("http://127.0.0.1:9", REPO, seed=1, examples=1)
        if name == "clean":
            assert result.passed and result.cases == 10, result
            continue
        assert not result.passed, name
        expected = ("GET /payments: no data (skipped: the operation was not exercised)"
                    if name == "skip" else "no test case was sent: nothing was verified")
        assert any(expected in f for f in result.failures), result.failures
