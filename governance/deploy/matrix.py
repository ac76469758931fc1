"""The deployment decision, as the Pact Broker's can-i-deploy makes it, from records alone.

A consumer version may deploy when every pact it publishes was verified successfully by the
provider (the given provider version, else the highest provider version with a record of that
pact content; for that version the latest record decides, since records are never
overwritten). A provider version may deploy when it verified every consumer's latest pact
successfully (its latest record of each says passed), with one exception taken from the
broker's "pending pacts": a pact whose content no registered provider ever verified
successfully is pending, and its failure (or absence of a verification) does not block the
provider version (our stand-in for "that consumer version is not deployed yet"). It still
blocks the consumer: a pending pact means the consumer expects something no provider offers.

Verifications attach to pact *content* (its hash), not to the consumer version, as in the
broker: a new consumer version with an unchanged pact is already verified, and a pact whose
content changed is not covered by any verification of the old content.

A pact whose provider is a canonical contract (``erp-finance``) is verified by each adapter
the contract registers as a provider: the consumer may deploy only if every one of them
verified it (an ERP migration must not break the consumer), and an adapter is judged, as a
provider, on every consumer's latest pact with every contract it provides. Pending is judged
over all registered providers of the contract, so a replacement adapter that fails what the
incumbent satisfies is blocked. A participant that verified a contract's pacts without being
registered as its provider is answered no, and so is a provider with nothing to answer for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledgerpact.governance.deploy.records import Pact, VerificationRecord
from ledgerpact.registry.errors import InputError
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


def _of_pact(records: Iterable[VerificationRecord], pact: Pact,
             provider: str | None = None) -> list[VerificationRecord]:
    """The verifications of ``pact``'s content by ``provider`` (default: the pact's own
    provider, a participant)."""
    provider = provider or pact.provider
    return [r for r in records if r.provider == provider and r.consumer == pact.consumer
            and r.pact_provider == pact.provider and r.pact_sha256 == pact.sha256]


def _verifiers(pact: Pact, providers: Mapping[str, Sequence[str]]) -> list[str]:
    """Who must verify ``pact``: the adapters registered for its contract (possibly none),
    else, when its provider is no contract, that provider itself."""
    if pact.provider in providers:
        return sorted(providers[pact.provider])
    return [pact.provider]


def _pending(pact: Pact, records: Sequence[VerificationRecord],
             providers: Mapping[str, Sequence[str]]) -> bool:
    """Pending, as in Pact: no registered provider of the pact's contract (or the pact's own
    provider) ever verified this content successfully. Judged over every registered
    provider, so a replacement adapter cannot call pending what the incumbent satisfies."""
    return not any(r.passed for who in _verifiers(pact, providers)
                   for r in _of_pact(records, pact, who))


def _latest(records: Sequence[VerificationRecord]) -> VerificationRecord | None:
    """The record that decides for one provider version: every verification is kept, the
    latest one counts (a regression found by a re-verification wins over an older pass)."""
    return max(records, key=lambda r: r.verified_at, default=None)


def _label(pact: Pact) -> str:
    return f"{pact.consumer} {pact.consumer_version} -> {pact.provider}"


def _pins(pacts: Sequence[Pact], providers: Mapping[str, Sequence[str]],
          provider_version: str | Mapping[str, str] | None) -> dict[str, str]:
    """Provider -> pinned version. A bare version pins the one provider of each pact; it is
    ambiguous when a contract has several (then ADAPTER=VERSION is needed)."""
    if provider_version is None:
        return {}
    verifiers = {who for pact in pacts for who in _verifiers(pact, providers)}
    if isinstance(provider_version, str):
        for pact in pacts:
            several = _verifiers(pact, providers)
            if len(several) > 1:
                raise InputError(f"--provider-version {provider_version} is ambiguous: "
                                 f"{pact.provider} has the providers {', '.join(several)}; "
                                 "give PROVIDER=VERSION for each")
        return dict.fromkeys(verifiers, provider_version)
    unknown = sorted(set(provider_version) - verifiers)
    if unknown:
        raise InputError(f"--provider-version names {unknown[0]}, which verifies none of "
                         f"these pacts (their providers: {', '.join(sorted(verifiers))})")
    return dict(provider_version)


def _as_consumer(pacts: Sequence[Pact], records: Sequence[VerificationRecord],
                 pins: Mapping[str, str], providers: Mapping[str, Sequence[str]],
                 decision: Decision) -> None:
    for pact in sorted(pacts, key=lambda p: p.provider):
        verifiers = _verifiers(pact, providers)
        if not verifiers:
            decision.rows.append(Row(pact.consumer, pact.consumer_version, "-", None,
                                     pact.sha256, "missing", True, True))
            decision.reasons.append(f"{_label(pact)}: {pact.provider} registers no provider "
                                    "(providers in its contract.yaml): nobody verifies it")
        pending = _pending(pact, records, providers)
        for provider in verifiers:
            _consumer_row(pact, provider, records, pins.get(provider), pending, decision)


def _consumer_row(pact: Pact, provider: str, records: Sequence[VerificationRecord],
                  provider_version: str | None, pending: bool, decision: Decision) -> None:
    same = _of_pact(records, pact, provider)
    if provider_version is None and same:  # the highest provider version with a record
        provider_version = max((r.provider_version for r in same), key=Version.parse)
        latest = _latest([r for r in same if r.provider_version == provider_version])
    else:
        latest = _latest([r for r in same if r.provider_version == provider_version])
    if latest is None:
        wanted = f" version {provider_version}" if provider_version else ""
        decision.rows.append(Row(pact.consumer, pact.consumer_version, provider,
                                 provider_version, pact.sha256, "missing", pending, True))
        decision.reasons.append(f"{_label(pact)}: no verification of this pact content by "
                                f"{provider}{wanted}")
        return
    blocks = not latest.passed
    decision.rows.append(Row(pact.consumer, pact.consumer_version, provider,
                             latest.provider_version, pact.sha256, latest.outcome, pending,
                             blocks, latest.verified_at))
    verdict = "verified" if latest.passed else "FAILED verification"
    decision.reasons.append(f"{_label(pact)}: {verdict} by {provider} "
                            f"{latest.provider_version}")


def latest_pacts(pacts: Sequence[Pact], provider: str) -> list[Pact]:
    """Each consumer's pact with ``provider`` (a participant or a contract id) at that
    consumer's highest version."""
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
                 records: Sequence[VerificationRecord],
                 providers: Mapping[str, Sequence[str]], decision: Decision) -> None:
    # Verifying a contract's pacts does not make one its provider: only contract.yaml does.
    claimed = sorted({r.pact_provider for r in records if r.provider == provider
                      and r.provider_version == version and r.pact_provider != provider})
    for contract in claimed:
        if provider not in providers.get(contract, ()):
            decision.rows.append(Row("-", "-", provider, version, "-", "unregistered", False,
                                     True))
            decision.reasons.append(f"{provider} {version} is not a registered provider of "
                                    f"{contract} (providers in its contract.yaml)")
    # Its own pacts, then every consumer's pacts with each contract it is registered for.
    names = [provider, *sorted(c for c, who in providers.items() if provider in who)]
    for pact in [p for name in names for p in latest_pacts(pacts, name)]:
        mine = [r for r in _of_pact(records, pact, provider) if r.provider_version == version]
        latest = _latest(mine)
        when = latest.verified_at if latest is not None else None
        outcome = latest.outcome if latest is not None else "missing"
        pending = outcome != "passed" and _pending(pact, records, providers)
        blocks = outcome != "passed" and not pending
        decision.rows.append(Row(pact.consumer, pact.consumer_version, provider, version,
                                 pact.sha256, outcome, pending, blocks, when))
        if outcome == "passed":
            decision.reasons.append(f"{_label(pact)}: verified by {provider} {version}")
        elif pending:
            what = "failed" if outcome == "failed" else "not verified"
            decision.reasons.append(f"{_label(pact)}: {what} by {provider} {version}, but the "
                                    "pact is pending (no registered provider ever verified "
                                    "it successfully), so it does not block the provider")
        else:
            what = "FAILED verification" if outcome == "failed" else "no verification"
            decision.reasons.append(f"{_label(pact)}: {what} by {provider} {version}")


def can_i_deploy(participant: str, version: str, records: Sequence[VerificationRecord],
                 pacts: Sequence[Pact], *,
                 provider_version: str | Mapping[str, str] | None = None,
                 providers: Mapping[str, Sequence[str]] | None = None) -> Decision:
    """Whether ``participant`` at ``version`` may deploy. A participant that is both a
    consumer (it publishes pacts at that version) and a provider (it has verification results
    at that version) must pass both checks. ``provider_version`` pins the provider version a
    consumer is checked against: one version (a pact with one provider) or provider ->
    version (else: the highest provider version with a record of the pact's content; its
    latest record decides). ``providers`` maps each contract a pact names to the adapters
    registered as its providers (``records.contract_providers``)."""
    providers = providers or {}
    decision = Decision(ok=False)
    own_pacts = [p for p in pacts if p.consumer == participant
                 and p.consumer_version == version]
    if provider_version and not own_pacts:
        raise InputError(f"pins the providers of a consumer's pacts, and {participant} "
                         f"{version} publishes none", file="--provider-version")
    pins = _pins(own_pacts, providers, provider_version)
    is_provider = any(r.provider == participant and r.provider_version == version
                      for r in records)
    if own_pacts:
        _as_consumer(own_pacts, records, pins, providers, decision)
    if is_provider:
        before = len(decision.rows)
        _as_provider(participant, version, pacts, records, providers, decision)
        if len(decision.rows) == before:
            decision.reasons.append(f"{participant} {version} has verification results but "
                                    "no pact to answer for: nothing proves it compatible")
            return decision
    if not own_pacts and not is_provider:
        decision.reasons.append(f"no pacts and no verification results for {participant} "
                                f"version {version}: nothing proves it compatible")
        return decision
    decision.ok = bool(decision.rows) and not any(row.blocks for row in decision.rows)
    return decision
