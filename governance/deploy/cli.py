"""``ledgerpact can-i-deploy``: the deployment gate CI calls before a release.

Exit codes are the contract with CI: 0 may deploy, 1 may not (including "nothing is known
about this version", as the Pact Broker answers), 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledgerpact.governance.deploy.matrix import Decision, can_i_deploy
from ledgerpact.governance.deploy.records import (
    contract_providers,
    load_pacts,
    load_records,
    of_current_code,
    read_pact,
)
from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    format_option,
    input_errors_exit_2,
    open_registry,
    registry_option,
)
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.output import table, to_json
from ledgerpact.registry.semver import is_semver

_HEADERS = ["consumer", "c.version", "provider", "p.version", "outcome", "pending", "pact"]


def _cells(decision: Decision) -> list[list[str]]:
    return [[r.consumer, r.consumer_version, r.provider, r.provider_version or "-",
             r.outcome, "yes" if r.pending else "no", r.pact_sha256[:12]]
            for r in decision.rows]


def parse_pins(values: tuple[str, ...]) -> str | dict[str, str] | None:
    """``--provider-version`` values: one bare VERSION, or PROVIDER=VERSION pairs."""
    if not values:
        return None
    bare = [v for v in values if "=" not in v]
    if bare and len(values) > 1:
        raise InputError("--provider-version: give one bare VERSION or PROVIDER=VERSION "
                         f"pairs, not both (found {', '.join(values)})")
    pins: dict[str, str] = {}
    for value in values:
        name, _, pinned = value.rpartition("=")
        if not is_semver(pinned) or (name == "" and "=" in value):
            raise InputError(f"--provider-version {value!r}: expected [PROVIDER=]X.Y.Z")
        if name in pins:
            raise InputError(f"--provider-version names {name} twice")
        pins[name] = pinned
    return bare[0] if bare else pins


def render(participant: str, version: str, decision: Decision, fmt: str) -> str:
    """The answer in ``fmt``; pure, so every format is testable without a terminal."""
    verdict = "yes" if decision.ok else "no"
    if fmt == "json":
        return to_json({"participant": participant, "version": version, "ok": decision.ok,
                        "reasons": decision.reasons,
                        "rows": [r.as_dict() for r in decision.rows]})
    if fmt == "markdown":
        lines = [f"## can-i-deploy {participant} {version}: **{verdict}**", ""]
        if decision.rows:
            lines += ["| " + " | ".join(_HEADERS) + " |",
                      "|" + "---|" * len(_HEADERS)]
            lines += ["| " + " | ".join(row) + " |" for row in _cells(decision)]
            lines.append("")
        lines += [f"- {reason}" for reason in decision.reasons]
        return "\n".join(lines) + "\n"
    out = table(_HEADERS, _cells(decision)) + "\n" if decision.rows else ""
    out += "".join(f"{reason}\n" for reason in decision.reasons)
    return out + f"\ncan-i-deploy {participant} {version}: {verdict}\n"


@click.command("can-i-deploy")
@click.argument("participant")
@click.option("--version", "version", required=True, help="The participant's version.")
@click.option("--provider-version", "provider_versions", multiple=True,
              metavar="[PROVIDER=]VERSION",
              help="For a consumer: the provider version to check against, as "
                   "PROVIDER=VERSION (repeatable; a bare VERSION when each pact has one "
                   "provider). Default: the highest provider version with a record.")
@format_option("text", "json", "markdown")
@registry_option
@click.option("--ref", default="HEAD", show_default=True,
              help="Git revision whose committed records and pacts are read.")
@input_errors_exit_2
def can_i_deploy_cmd(participant: str, version: str, provider_versions: tuple[str, ...],
                     fmt: str, registry_path: Path | None, ref: str) -> None:
    """Whether a consumer or provider version may deploy, from the verification records and
    pacts committed in the registry (Pact Broker semantics, pending pacts included).

    A consumer version may deploy when each of its pacts (by content) was verified
    successfully; a provider version when it verified every consumer's latest pact, except
    pending pacts (content no registered provider ever verified successfully), whose failure
    does not block it. For a provider version, the latest record of each pact decides. A
    pact with a canonical contract (erp-finance) must be verified by every adapter the
    contract lists in providers (contract.yaml); an adapter answers for every contract it
    provides, and one that is not registered as a contract's provider is answered no.

    \b
    Example:
      ledgerpact can-i-deploy invoice-automation --version 1.0.0
      ledgerpact can-i-deploy sap-s4hana-adapter --version 1.0.0 --format json
      ledgerpact can-i-deploy invoice-automation --version 1.0.0 \\
          --provider-version sap-s4hana-adapter=1.0.0 --provider-version netsuite-adapter=1.0.0
    """
    from ledgerpact.governance.verify.manifest import (
        check_registrations,
        code_sha256,
        load_manifests,
        registry_code_files,
    )

    if not is_semver(version):
        raise InputError(f"{version!r} is not a semantic version (expected MAJOR.MINOR.PATCH)",
                         file="--version")
    registry = open_registry(registry_path)
    registry.require_repo()
    ws = registry.workspace(ref)
    pins = parse_pins(provider_versions)
    records, pacts = load_records(ws), load_pacts(ws)
    for pact in pacts:  # a broken pact is an input error, never a pending pact
        read_pact(ws, pact)
    # who must verify a contract's pacts is read from contract.yaml: it must agree with the
    # adapter manifests, or the answer would rest on a wrong list of providers
    manifests = load_manifests(ws)
    if manifests or ws.source.glob("contracts", "contract.yaml"):
        check_registrations(ws, manifests)
    providers = contract_providers(ws, pacts)
    known = ({p.consumer for p in pacts} | {p.provider for p in pacts}
             | {r.provider for r in records} | set(manifests)
             | {who for names in providers.values() for who in names})
    if participant not in known:
        raise InputError(f"unknown participant {participant!r}: no pact, verification record "
                         f"or adapter names it (known: {', '.join(sorted(known)) or 'none'})",
                         file="PARTICIPANT")
    # records count only for the adapter code the registry holds for their version
    records, notes = of_current_code(records, {
        m.name: (m.version, code_sha256(registry_code_files(ws, m)))
        for m in manifests.values()})
    decision = can_i_deploy(participant, version, records, pacts, provider_version=pins,
                            providers=providers)
    if not decision.ok:  # why older verifications did not help; noise when the answer is yes
        decision.reasons[:0] = notes
    click.echo(render(participant, version, decision, fmt), nl=False)
    if not decision.ok:
        sys.exit(EXIT_FINDINGS)
