"""The deployment decision, as the Pact Broker's can-i-deploy makes it, from records alone.

A consumer version may deploy when every pact it publishes was verified successfully by the
provider (the given provider version, else the provider version verified most recently). A
provider version may deploy when it verified every consumer's latest pact successfully, with
one exception taken from the broker's "pending pacts": a pact whose content no provider
version had verified successfully before is pending, and its failure (or absence of a
verification) does not block the provider. It still blocks the consumer: a pending pact
means the consumer expects something no provider offers yet.

Verifications attach to pact *content* (its hash), not to the consumer version, as in the
broker: a new consumer version with an unchanged pact is already verified, and a pact whose
content changed is not covered by any verification of the old content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledgerpact.governance.deploy.records import Pact, VerificationRecord
from ledgerpact.registry.semver import Version


@dataclass(frozen=True)
class Row:
    """One line of the matrix: a pact and the verification that decides it, if any."""

    consumer: str
    consumer_version: str
    provider: str
    provider_version: str | None
    pact_sha256: str
    outcome: str  # passed | failed | missing
    pending: bool
    blocks: bool
    verified_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"consumer": self.consumer, "consumer_version": self.consumer_version,
                "provider": self.provider, "provider_version": self.provider_version,
                "pact_sha256": self.pact_sha256, "outcome": self.outcome,
                "pending": self.pending, "blocks": self.blocks,
                "verified_at": self.verified_at.isoformat() if self.verified_at else None}


@dataclass
class Decision:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


def _of_pact(records: Iterable[VerificationRecord], pact: Pact) -> list[VerificationRecord]:
    return [r for r in records if r.provider == pact.provider and r.consumer == pact.consumer
            and r.pact_sha256 == pact.sha256]


def _pending_at(same_content: Sequence[VerificationRecord], when: datetime | None) -> bool:
    """Pending: no successful verification of this content before ``when`` (None: ever).
    Decided as of the failing verification, as the broker fixes it when the result is
    published; a later success makes later failures count."""
    return not any(r.passed and (when is None or r.verified_at < when) for r in same_content)


def _label(pact: Pact) -> str:
    return f"{pact.consumer} {pact.consumer_version} -> {pact.provider}"


def _as_consumer(pacts: Sequence[Pact], records: Sequence[VerificationRecord],
                 provider_version: str | None, decision: Decision) -> None:
    for pact in sorted(pacts, key=lambda p: p.provider):
        same = _of_pact(records, pact)
        if provider_version is not None:
            same = [r for r in same if r.provider_version == provider_version]
        latest = max(same, key=lambda r: r.verified_at, default=None)
        pending = _pending_at(_of_pact(records, pact), None)
        if latest is None:
            wanted = f" version {provider_version}" if provider_version else ""
            decision.rows.append(Row(pact.consumer, pact.consumer_version, pact.provider,
                                     provider_version, pact.sha256, "missing", pending, True))
            decision.reasons.append(f"{_label(pact)}: no verification of this pact content by "
                                    f"{pact.provider}{wanted}")
            continue
        blocks = not latest.passed
        decision.rows.append(Row(pact.consumer, pact.consumer_version, pact.provider,
                                 latest.provider_version, pact.sha256, latest.outcome, pending,
                                 blocks, latest.verified_at))
        verdict = "verified" if latest.passed else "FAILED verification"
        decision.reasons.append(f"{_label(pact)}: {verdict} by {pact.provider} "
                                f"{latest.provider_version}")


def _latest_pacts(pacts: Sequence[Pact], provider: str) -> list[Pact]:
    """Each consumer's pact with ``provider`` at that consumer's highest version."""
    latest: dict[str, Pact] = {}
    for pact in pacts:
        if pact.provider != provider:
            continue
        seen = latest.get(pact.consumer)
        if seen is None or Version.parse(seen.consumer_version) < \
                Version.parse(pact.consumer_version):
            latest[pact.consumer] = pact
    return [latest[c] for c in sorted(latest)]


def _as_provider(provider: str, version: str, pacts: Sequence[Pact],
                 records: Sequence[VerificationRecord], decision: Decision) -> None:
    for pact in _latest_pacts(pacts, provider):
        same_content = _of_pact(records, pact)
        mine = [r for r in same_content if r.provider_version == version]
        latest = max(mine, key=lambda r: r.verified_at, default=None)
        when = latest.verified_at if latest is not None else None
        pending = False if latest is not None and latest.passed else \
            _pending_at(same_content, when)
        outcome = latest.outcome if latest is not None else "missing"
        blocks = outcome != "passed" and not pending
        decision.rows.append(Row(pact.consumer, pact.consumer_version, provider, version,
                                 pact.sha256, outcome, pending, blocks, when))
        if outcome == "passed":
            decision.reasons.append(f"{_label(pact)}: verified by {provider} {version}")
        elif pending:
            what = "failed" if outcome == "failed" else "not verified"
            decision.reasons.append(f"{_label(pact)}: {what} by {provider} {version}, but the "
                                    "pact is pending (never verified successfully), so it "
                                    "does not block the provider")
        else:
            what = "FAILED verification" if outcome == "failed" else "no verification"
            decision.reasons.append(f"{_label(pact)}: {what} by {provider} {version}")


def can_i_deploy(participant: str, version: str, records: Sequence[VerificationRecord],
                 pacts: Sequence[Pact], *, provider_version: str | None = None) -> Decision:
    """Whether ``participant`` at ``version`` may deploy. A participant that is both a
    consumer (it publishes pacts at that version) and a provider (it has verification results
    at that version) must pass both checks. ``provider_version`` pins the provider version a
    consumer is checked against (else: the provider version verified most recently)."""
    decision = Decision(ok=False)
    own_pacts = [p for p in pacts if p.consumer == participant
                 and p.consumer_version == version]
    is_provider = any(r.provider == participant and r.provider_version == version
                      for r in records)
    if own_pacts:
        _as_consumer(own_pacts, records, provider_version, decision)
    if is_provider:
        _as_provider(participant, version, pacts, records, decision)
    if not own_pacts and not is_provider:
        decision.reasons.append(f"no pacts and no verification results for {participant} "
                                f"version {version}: nothing proves it compatible")
        return decision
    decision.ok = not any(row.blocks for row in decision.rows)
    return decision
