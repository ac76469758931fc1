"""can-i-deploy over a real temporary Git registry: pacts and verification records are
written as files, committed with git, and read back at HEAD or an older ref."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from ledgerpact.governance.deploy.matrix import Decision, can_i_deploy
from ledgerpact.governance.deploy.records import (
    VerificationRecord,
    content_sha256,
    load,
    pact_path,
    record_path,
    write_record,
)
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import commit_all, init_repo, run

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def publish_pact(root: Path, consumer: str, version: str, provider: str,
                 body: str = "v1") -> str:
    """A pact file (its content is not this module's business: only its bytes' hash)."""
    rel = pact_path(consumer, version, provider)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"consumer": {"name": consumer}, "provider": {"name": provider},
                       "interactions": [{"description": body}]}).encode()
    path.write_bytes(data)
    return content_sha256(data)


def verify(root: Path, consumer: str, version: str, provider: str, provider_version: str,
           *, passed: bool, minutes: int = 0, pending: bool = False) -> VerificationRecord:
    rel = pact_path(consumer, version, provider)
    record = VerificationRecord(
        consumer, version, provider, provider_version, "erp-finance", "1.1.0", rel,
        content_sha256((root / rel).read_bytes()), "passed" if passed else "failed",
        T0 + timedelta(minutes=minutes), "ledgerpact", "0.1.0", pending)
    write_record(root, record)
    return record


def decide(root: Path, participant: str, version: str, ref: str = "HEAD",
           provider_version: str | None = None) -> Decision:
    records, pacts = load(Registry.open(root), ref)
    return can_i_deploy(participant, version, records, pacts,
                        provider_version=provider_version)


@pytest.fixture
def reg(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "registry")


def test_consumer_can_deploy_when_its_pact_was_verified(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    commit_all(reg, "pact and verification")
    decision = decide(reg, "invoice-automation", "1.0.0")
    assert decision.ok
    assert [(r.provider, r.provider_version, r.outcome) for r in decision.rows] == [
        ("sap-adapter", "2.0.0", "passed")]
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 0, done.stderr
    assert "sap-adapter" in done.stdout and done.stdout.rstrip().endswith(": yes")


def test_consumer_cannot_deploy_when_verification_failed_or_missing(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    publish_pact(reg, "invoice-automation", "1.0.0", "netsuite-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=False)
    commit_all(reg, "one failed, one never verified")
    decision = decide(reg, "invoice-automation", "1.0.0")
    assert not decision.ok
    assert {r.provider: r.outcome for r in decision.rows} == {
        "sap-adapter": "failed", "netsuite-adapter": "missing"}
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 1
    assert "FAILED verification by sap-adapter 2.0.0" in done.stdout
    assert "no verification of this pact content by netsuite-adapter" in done.stdout


def test_the_latest_verification_decides_unless_a_provider_version_is_given(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.1.0", passed=False, minutes=5)
    commit_all(reg, "2.1.0 broke it")
    assert not decide(reg, "invoice-automation", "1.0.0").ok
    assert decide(reg, "invoice-automation", "1.0.0", provider_version="2.0.0").ok
    missing = decide(reg, "invoice-automation", "1.0.0", provider_version="9.9.9")
    assert not missing.ok and "version 9.9.9" in missing.reasons[0]


def test_a_changed_pact_is_not_covered_by_an_older_verification(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter", body="v1")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    commit_all(reg, "verified")
    # the same consumer version republished with new content: the record's hash no longer fits
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter", body="v2")
    commit_all(reg, "pact changed")
    decision = decide(reg, "invoice-automation", "1.0.0")
    assert not decision.ok and decision.rows[0].outcome == "missing"
    # ... while a new consumer version with unchanged content is already verified
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter", body="v1")
    publish_pact(reg, "invoice-automation", "1.1.0", "sap-adapter", body="v1")
    commit_all(reg, "back to v1, and 1.1.0 with the same pact")
    assert decide(reg, "invoice-automation", "1.1.0").ok


def test_provider_can_deploy_with_a_failing_pending_pact(reg: Path) -> None:
    publish_pact(reg, "treasury", "1.0.0", "sap-adapter")
    verify(reg, "treasury", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    publish_pact(reg, "invoice-automation", "3.0.0", "sap-adapter", body="brand new")
    verify(reg, "invoice-automation", "3.0.0", "sap-adapter", "2.0.0", passed=False,
           pending=True)
    commit_all(reg, "a new pact fails")
    provider = decide(reg, "sap-adapter", "2.0.0")
    assert provider.ok, provider.reasons
    row = next(r for r in provider.rows if r.consumer == "invoice-automation")
    assert row.outcome == "failed" and row.pending and not row.blocks
    # the pending pact still blocks its consumer
    assert not decide(reg, "invoice-automation", "3.0.0").ok
    done = run("can-i-deploy", "sap-adapter", "--version", "2.0.0", "--registry", reg)
    assert done.returncode == 0 and "pending" in done.stdout


def test_provider_cannot_deploy_with_a_failing_pact_that_is_not_pending(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.1.0", passed=False, minutes=5)
    commit_all(reg, "regression in 2.1.0")
    decision = decide(reg, "sap-adapter", "2.1.0")
    assert not decision.ok
    assert [(r.outcome, r.pending, r.blocks) for r in decision.rows] == [("failed", False, True)]
    assert decide(reg, "sap-adapter", "2.0.0").ok
    done = run("can-i-deploy", "sap-adapter", "--version", "2.1.0", "--registry", reg)
    assert done.returncode == 1


def test_provider_is_judged_on_each_consumers_latest_pact(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter", body="old")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    publish_pact(reg, "invoice-automation", "1.2.0", "sap-adapter", body="new")
    verify(reg, "invoice-automation", "1.2.0", "sap-adapter", "2.0.0", passed=True, minutes=1)
    verify(reg, "invoice-automation", "1.2.0", "sap-adapter", "2.2.0", passed=False, minutes=2)
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.2.0", passed=True, minutes=3)
    commit_all(reg, "2.2.0 verifies only the old pact")
    decision = decide(reg, "sap-adapter", "2.2.0")
    assert not decision.ok
    assert [(r.consumer_version, r.outcome) for r in decision.rows] == [("1.2.0", "failed")]


def test_unknown_participant_or_version_is_not_ok(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    commit_all(reg, "pact only")
    decision = decide(reg, "analytics", "1.0.0")
    assert not decision.ok and decision.rows == []
    assert "no pacts and no verification results for analytics" in decision.reasons[0]
    done = run("can-i-deploy", "invoice-automation", "--version", "7.0.0", "--registry", reg)
    assert done.returncode == 1 and "no pacts and no verification results" in done.stdout


def test_records_are_read_at_an_older_git_ref(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    old = commit_all(reg, "verified")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.1.0", passed=False, minutes=5)
    commit_all(reg, "2.1.0 fails")
    # uncommitted records are not evidence: HEAD is what counts
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.2.0", passed=True, minutes=9)
    assert not decide(reg, "invoice-automation", "1.0.0").ok
    assert decide(reg, "invoice-automation", "1.0.0", ref=old).ok
    args = ("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert run(*args).returncode == 1
    assert run(*args, "--ref", old).returncode == 0
    bad_ref = run(*args, "--ref", "no-such-ref")
    assert bad_ref.returncode == 2 and "unknown Git revision" in bad_ref.stderr


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace("outcome: passed", "outcome: maybe"), "/outcome"),
    (lambda t: t.replace("pending: false", "pending: 'no'"), "/pending"),
    (lambda t: t + "extra: 1\n", "unknown field 'extra'"),
    (lambda t: t.replace("sha256: ", "sha256: x"), "/pact/sha256"),
    (lambda t: t.replace("+00:00", ""), "/verified_at"),
    (lambda t: t.replace("provider_version: 2.0.0", "provider_version: 2.0.1"), "wrong path"),
    (lambda t: "- not a mapping\n", "must be a mapping"),
    (lambda t: t.replace("consumer: invoice-automation", "consumer: ../evil"), "/consumer"),
])
def test_a_bad_record_exits_2_with_one_located_line(reg: Path, edit: object,
                                                    expected: str) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    path = reg / record_path("sap-adapter", "2.0.0", "invoice-automation", "1.0.0",
                             "sap-adapter", T0)
    path.write_text(edit(path.read_text()))  # type: ignore[operator]
    commit_all(reg, "a broken record")
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert lines[0].startswith("error: verifications/sap-adapter/2.0.0/")


def test_a_pact_off_the_layout_exits_2(reg: Path) -> None:
    (reg / "pacts" / "treasury").mkdir(parents=True)
    (reg / "pacts" / "treasury" / "sap-adapter.json").write_text("{}")
    commit_all(reg, "misplaced pact")
    done = run("can-i-deploy", "treasury", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 2
    assert done.stderr.startswith("error: pacts/treasury/sap-adapter.json:")


def test_json_format_shape(reg: Path) -> None:
    sha = publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    commit_all(reg, "verified")
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg,
               "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"participant", "version", "ok", "reasons", "rows"}
    assert (data["participant"], data["version"], data["ok"]) == (
        "invoice-automation", "1.0.0", True)
    assert data["rows"] == [{
        "consumer": "invoice-automation", "consumer_version": "1.0.0",
        "provider": "sap-adapter", "provider_version": "2.0.0", "pact_sha256": sha,
        "outcome": "passed", "pending": False, "blocks": False,
        "verified_at": T0.isoformat()}]
    md = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg,
             "--format", "markdown")
    assert md.returncode == 0 and "| invoice-automation | 1.0.0 | sap-adapter |" in md.stdout


def test_written_record_round_trips_through_git(reg: Path) -> None:
    publish_pact(reg, "treasury", "1.0.0", "sap-adapter")
    written = verify(reg, "treasury", "1.0.0", "sap-adapter", "2.0.0", passed=True, pending=True)
    commit_all(reg, "record")
    records, pacts = load(Registry.open(reg))
    assert records == [written]
    assert [(p.consumer, p.consumer_version, p.provider) for p in pacts] == [
        ("treasury", "1.0.0", "sap-adapter")]


def test_help_has_an_example() -> None:
    done = run("can-i-deploy", "--help")
    assert done.returncode == 0
    assert "ledgerpact can-i-deploy invoice-automation --version 1.0.0" in done.stdout
    assert "--provider-version" in done.stdout and "--ref" in done.stdout
    assert "can-i-deploy" in run("--help").stdout


# --- pacts with a canonical contract, verified by each adapter registered as its provider ---

def register(root: Path, contract: str, providers: list[str]) -> None:
    """A minimal contract whose metadata lists the adapters that provide it, and each
    adapter's manifest providing it (can-i-deploy checks that the two agree)."""
    for name in providers:
        manifest_provides(root, name, contract)
    folder = root / "contracts" / contract
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths: {}\n")
    (folder / "contract.yaml").write_text(
        f"id: {contract}\ntitle: T\nkind: openapi\ndocument: openapi.yaml\n"
        f"owners: ['@test/owners']\nlifecycle: active\ncompatibility: BACKWARD\n"
        f"providers: [{', '.join(providers)}]\n")


def manifest_provides(root: Path, adapter: str, contract: str) -> None:
    folder = adapter.removesuffix("-adapter").replace("-", "_")
    path = root / "adapters" / folder / "adapter.yaml"
    provides = set(yaml.safe_load(path.read_text())["provides"]) if path.exists() else set()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({
        "name": adapter, "version": "1.0.0", "owners": ["@test/owners"],
        "provides": sorted(provides | {contract}),
        "vendor": {"contract": "vendor-api", "simulator": "vendor"},
        "service": f"ledgerpact.adapters.{folder}.service:build",
        "states": f"ledgerpact.adapters.{folder}.states:STATE_HANDLERS"}))


def adapter_verify(root: Path, consumer: str, version: str, contract: str, adapter: str,
                   adapter_version: str, *, passed: bool, minutes: int = 0) -> Path:
    rel = pact_path(consumer, version, contract)
    record = VerificationRecord(
        consumer, version, adapter, adapter_version, contract, "1.0.0", rel,
        content_sha256((root / rel).read_bytes()), "passed" if passed else "failed",
        T0 + timedelta(minutes=minutes), "pact-python", "4.2.0", False)
    return write_record(root, record)


def decide_with_providers(root: Path, participant: str, version: str) -> Decision:
    from ledgerpact.governance.deploy.records import contract_providers

    records, pacts = load(Registry.open(root))
    ws = Registry.open(root).workspace("HEAD")
    return can_i_deploy(participant, version, records, pacts,
                        providers=contract_providers(ws, pacts))


def test_a_contract_pact_needs_every_registered_adapter(reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter", "netsuite-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    path = adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance",
                          "sap-s4hana-adapter", "1.0.0", passed=True)
    assert path == reg / "verifications/sap-s4hana-adapter/1.0.0/erp-finance/" \
        "invoice-automation-1.0.0/20261101T090000000000Z.yaml"
    commit_all(reg, "one adapter verified")
    decision = decide_with_providers(reg, "invoice-automation", "1.0.0")
    assert not decision.ok
    assert {(r.provider, r.outcome) for r in decision.rows} == {
        ("sap-s4hana-adapter", "passed"), ("netsuite-adapter", "missing")}
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 1
    assert "no verification of this pact content by netsuite-adapter" in done.stdout
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "netsuite-adapter",
                   "1.0.0", passed=True)
    commit_all(reg, "both adapters verified")
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 0, done.stdout
    assert "erp-finance: verified by netsuite-adapter 1.0.0" in done.stdout
    assert run("can-i-deploy", "sap-s4hana-adapter", "--version", "1.0.0", "--registry",
               reg).returncode == 0


def test_an_adapter_answers_for_every_contract_it_provides(reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter"])
    register(reg, "finance-events", ["sap-s4hana-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    publish_pact(reg, "invoice-automation", "1.0.0", "finance-events", body="events")
    publish_pact(reg, "treasury", "1.0.0", "finance-events", body="treasury")
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "sap-s4hana-adapter",
                   "1.0.0", passed=True)
    adapter_verify(reg, "invoice-automation", "1.0.0", "finance-events",
                   "sap-s4hana-adapter", "1.0.0", passed=True)
    adapter_verify(reg, "treasury", "1.0.0", "finance-events", "sap-s4hana-adapter", "1.0.0",
                   passed=True)
    # 1.1.0 regresses on treasury's events only (and never verified the other two)
    adapter_verify(reg, "treasury", "1.0.0", "finance-events", "sap-s4hana-adapter", "1.1.0",
                   passed=False, minutes=5)
    commit_all(reg, "two records of one consumer version, one per contract")
    assert decide_with_providers(reg, "sap-s4hana-adapter", "1.0.0").ok
    newer = decide_with_providers(reg, "sap-s4hana-adapter", "1.1.0")
    assert not newer.ok
    assert sorted((r.consumer, r.outcome, r.blocks) for r in newer.rows) == [
        ("invoice-automation", "missing", True), ("invoice-automation", "missing", True),
        ("treasury", "failed", True)]
    # the consumer is judged on the latest verification: 1.1.0 failed treasury's pact
    assert not decide_with_providers(reg, "treasury", "1.0.0").ok


def test_an_adapter_record_must_name_the_pact_of_its_contract(reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    path = adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance",
                          "sap-s4hana-adapter", "1.0.0", passed=True)
    path.write_text(path.read_text().replace("id: erp-finance", "id: tax-engine"))
    commit_all(reg, "a record whose pact is not its contract's")
    done = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 2 and "/pact/path" in done.stderr
    assert len(done.stderr.splitlines()) == 1


# --- review findings: history, pending over all providers, registration, version pins ---

def test_every_verification_is_kept_and_the_latest_decides(reg: Path) -> None:
    """A failed re-verification of the same provider version must not be erased by, nor
    erase, the earlier pass; the latest record of that version decides."""
    register(reg, "erp-finance", ["sap-s4hana-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    first = adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance",
                           "sap-s4hana-adapter", "1.0.0", passed=True)
    commit_all(reg, "1.0.0 passes")
    assert decide_with_providers(reg, "sap-s4hana-adapter", "1.0.0").ok
    second = adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance",
                            "sap-s4hana-adapter", "1.0.0", passed=False, minutes=3)
    commit_all(reg, "1.0.0 re-verified: a regression")
    assert first.is_file() and second.is_file() and first != second
    decision = decide_with_providers(reg, "sap-s4hana-adapter", "1.0.0")
    assert not decision.ok
    assert [(r.outcome, r.pending, r.blocks) for r in decision.rows] == [
        ("failed", False, True)]
    assert not decide_with_providers(reg, "invoice-automation", "1.0.0").ok
    # a record is never overwritten: the same time twice is refused
    with pytest.raises(InputError, match="never overwritten"):
        adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance",
                       "sap-s4hana-adapter", "1.0.0", passed=True, minutes=3)


def test_pending_is_judged_over_every_registered_provider(reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter", "netsuite-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    # a content nobody verified yet: a failure is pending for the provider
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "netsuite-adapter",
                   "1.0.0", passed=False)
    commit_all(reg, "netsuite fails a new pact")
    assert decide_with_providers(reg, "netsuite-adapter", "1.0.0").ok
    # once SAP satisfies it, the replacement's failure blocks the replacement
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "sap-s4hana-adapter",
                   "1.0.0", passed=True, minutes=1)
    commit_all(reg, "sap passes it")
    decision = decide_with_providers(reg, "netsuite-adapter", "1.0.0")
    assert not decision.ok
    assert [(r.outcome, r.pending, r.blocks) for r in decision.rows] == [
        ("failed", False, True)]
    assert decide_with_providers(reg, "sap-s4hana-adapter", "1.0.0").ok


def test_an_adapter_not_registered_as_provider_may_not_deploy(reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "sap-s4hana-adapter",
                   "1.0.0", passed=True)
    commit_all(reg, "verified")
    # deregistered on both sides (contract.yaml and manifest): the old records remain
    register(reg, "erp-finance", [])
    (reg / "adapters" / "sap_s4hana" / "adapter.yaml").unlink()
    commit_all(reg, "sap-s4hana-adapter is no provider of erp-finance any more")
    done = run("can-i-deploy", "sap-s4hana-adapter", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sap-s4hana-adapter 1.0.0 is not a registered provider of erp-finance" in \
        done.stdout
    consumer = run("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry",
                   reg)
    assert consumer.returncode == 1 and "erp-finance registers no provider" in consumer.stdout


def test_manifests_and_providers_must_agree(reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "sap-s4hana-adapter",
                   "1.0.0", passed=True)
    # the review's case: providers emptied while the manifest still provides erp-finance
    contract = reg / "contracts" / "erp-finance" / "contract.yaml"
    contract.write_text(contract.read_text().replace("providers: [sap-s4hana-adapter]",
                                                     "providers: []"))
    commit_all(reg, "providers and manifests disagree")
    done = run("can-i-deploy", "sap-s4hana-adapter", "--version", "1.0.0", "--registry", reg)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "erp-finance does not list sap-s4hana-adapter in providers" in done.stderr


def test_a_provider_with_nothing_to_answer_for_is_not_ok(reg: Path) -> None:
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    (reg / "pacts" / "invoice-automation" / "1.0.0" / "sap-adapter.json").unlink()
    publish_pact(reg, "invoice-automation", "1.1.0", "other-service")
    commit_all(reg, "the pact moved away")
    decision = decide(reg, "sap-adapter", "2.0.0")
    assert not decision.ok and decision.rows == []
    assert "no pact to answer for" in decision.reasons[-1]


def test_provider_versions_are_pinned_per_adapter_and_latest_is_the_highest(
        reg: Path) -> None:
    register(reg, "erp-finance", ["sap-s4hana-adapter", "netsuite-adapter"])
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "sap-s4hana-adapter",
                   "1.1.0", passed=False)
    # verified later, but a lower version: "latest" is the highest provider version
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "sap-s4hana-adapter",
                   "1.0.0", passed=True, minutes=10)
    adapter_verify(reg, "invoice-automation", "1.0.0", "erp-finance", "netsuite-adapter",
                   "2.0.0", passed=True)
    commit_all(reg, "records")
    args = ("can-i-deploy", "invoice-automation", "--version", "1.0.0", "--registry", reg)
    latest = run(*args)
    assert latest.returncode == 1 and "FAILED verification by sap-s4hana-adapter 1.1.0" in \
        latest.stdout
    pinned = run(*args, "--provider-version", "sap-s4hana-adapter=1.0.0")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert "verified by netsuite-adapter 2.0.0" in pinned.stdout
    both = run(*args, "--provider-version", "sap-s4hana-adapter=1.0.0",
               "--provider-version", "netsuite-adapter=9.0.0")
    assert both.returncode == 1 and "by netsuite-adapter version 9.0.0" in both.stdout
    for bad, message in ((("1.0.0",), "ambiguous"),
                         (("ghost-adapter=1.0.0",), "names ghost-adapter"),
                         (("sap-s4hana-adapter=one",), "expected [PROVIDER=]X.Y.Z")):
        done = run(*args, *[x for b in bad for x in ("--provider-version", b)])
        assert done.returncode == 2 and message in done.stderr, done.stderr


def test_records_count_only_for_the_adapter_code_the_registry_holds(reg: Path) -> None:
    """A record vouches for the code it ran (its code sha256). Changing the adapter's code
    without a new version leaves 1.0.0 unverified: the old records stop counting until this
    code is verified, and the answer says why."""
    from ledgerpact.governance.verify.manifest import code_sha256

    register(reg, "erp-finance", ["sap-s4hana-adapter"])
    code = reg / "adapters" / "sap_s4hana" / "mapping.py"
    code.write_text('BLOCKED = "blocked"\n')
    (code.parent / "__pycache__").mkdir()
    (code.parent / "__pycache__" / "mapping.cpython-311.pyc").write_bytes(b"\0")
    publish_pact(reg, "invoice-automation", "1.0.0", "erp-finance")
    rel = pact_path("invoice-automation", "1.0.0", "erp-finance")

    def record(files: list[tuple[str, bytes]], minutes: int) -> None:
        write_record(reg, VerificationRecord(
            "invoice-automation", "1.0.0", "sap-s4hana-adapter", "1.0.0", "erp-finance",
            "1.0.0", rel, content_sha256((reg / rel).read_bytes()), "passed",
            T0 + timedelta(minutes=minutes), "pact-python", "4.2.0", False,
            code_sha256=code_sha256(files)))

    record([("mapping.py", code.read_bytes())], 0)
    commit_all(reg, "verified")
    args = ("--version", "1.0.0", "--registry", reg)
    for participant in ("sap-s4hana-adapter", "invoice-automation"):
        done = run("can-i-deploy", participant, *args)
        assert done.returncode == 0, done.stdout + done.stderr

    code.write_text('BLOCKED = "active"  # a bug, same version\n')
    commit_all(reg, "code changed, version kept")
    for participant in ("sap-s4hana-adapter", "invoice-automation"):
        done = run("can-i-deploy", participant, *args)
        assert done.returncode == 1, done.stdout
        assert "1 record of sap-s4hana-adapter 1.0.0 verified other code" in done.stdout
    # the older commit is still answered from its own code
    done = run("can-i-deploy", "sap-s4hana-adapter", *args, "--ref", "HEAD~1")
    assert done.returncode == 0, done.stdout

    record([("mapping.py", code.read_bytes())], 5)
    commit_all(reg, "this code verified")
    done = run("can-i-deploy", "sap-s4hana-adapter", *args)
    assert done.returncode == 0, done.stdout
    assert "verified other code" not in done.stdout  # superseded: no longer worth a line


@pytest.mark.parametrize(("args", "says"), [
    (("invoice-automation", "--version", "1.0"), "'1.0' is not a semantic version"),
    (("invoice-automaton", "--version", "1.0.0"), "unknown participant 'invoice-automaton'"),
    (("sap-adapter", "--version", "2.0.0", "--provider-version", "1.0.0"),
     "sap-adapter 2.0.0 publishes none"),
])
def test_bad_input_exits_2_with_one_line(reg: Path, args: tuple[str, ...], says: str) -> None:
    """A typo must not read as "incompatible" (exit 1) in CI."""
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    commit_all(reg, "pact and verification")
    done = run("can-i-deploy", *args, "--registry", reg)
    assert done.returncode == 2, done.stdout
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("content", "expected"), [
    ("{oops}", "not a JSON pact file"),
    ('{"consumer": {"name": "treasury"}, "provider": {"name": "erp-finance"}}',
     "interactions must be a non-empty list"),
    ('{"consumer": {"name": "someone-else"}, "provider": {"name": "erp-finance"},'
     ' "interactions": [{"description": "d"}]}', "its path says treasury -> erp-finance"),
])
def test_a_broken_pact_is_an_input_error_not_a_pending_pact(reg: Path, content: str,
                                                            expected: str) -> None:
    """A pact nobody could ever verify would otherwise count as merely pending: its consumer
    told no, every provider told yes. Both answers must be exit 2 naming the file."""
    publish_pact(reg, "invoice-automation", "1.0.0", "sap-adapter")
    verify(reg, "invoice-automation", "1.0.0", "sap-adapter", "2.0.0", passed=True)
    broken = reg / pact_path("treasury", "1.1.0", "erp-finance")
    broken.parent.mkdir(parents=True)
    broken.write_text(content)
    commit_all(reg, "a broken pact")
    for who, version in (("treasury", "1.1.0"), ("sap-adapter", "2.0.0"),
                         ("invoice-automation", "1.0.0")):
        done = run("can-i-deploy", who, "--version", version, "--registry", reg)
        assert done.returncode == 2, (who, done.stdout, done.stderr)
        assert "pacts/treasury/1.1.0/erp-finance.json" in done.stderr and expected in \
            done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
