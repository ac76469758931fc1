"""can-i-deploy over a real temporary Git registry: pacts and verification records are
written as files, committed with git, and read back at HEAD or an older ref."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledgerpact.governance.deploy.matrix import Decision, can_i_deploy
from ledgerpact.governance.deploy.records import (
    VerificationRecord,
    content_sha256,
    load,
    pact_path,
    record_path,
    write_record,
)
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
    path = reg / record_path("sap-adapter", "2.0.0", "invoice-automation", "1.0.0")
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
    assert "ledgerpact can-i-deploy invoice-automation --version 1.4.0" in done.stdout
    assert "--provider-version" in done.stdout and "--ref" in done.stdout
    assert "can-i-deploy" in run("--help").stdout
