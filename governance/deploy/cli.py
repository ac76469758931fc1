"""``ledgerpact can-i-deploy``: the deployment gate CI calls before a release.

Exit codes are the contract with CI: 0 may deploy, 1 may not (including "nothing is known
about this version", as the Pact Broker answers), 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledgerpact.governance.deploy.matrix import Decision, can_i_deploy
from ledgerpact.governance.deploy.records import load
from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    format_option,
    input_errors_exit_2,
    open_registry,
    registry_option,
)
from ledgerpact.registry.output import table, to_json

_HEADERS = ["consumer", "c.version", "provider", "p.version", "outcome", "pending", "pact"]


def _cells(decision: Decision) -> list[list[str]]:
    return [[r.consumer, r.consumer_version, r.provider, r.provider_version or "-",
             r.outcome, "yes" if r.pending else "no", r.pact_sha256[:12]]
            for r in decision.rows]


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
@click.option("--provider-version", default=None,
              help="For a consumer: the provider version to check against (default: the "
                   "provider version verified most recently).")
@format_option("text", "json", "markdown")
@registry_option
@click.option("--ref", default="HEAD", show_default=True,
              help="Git revision whose committed records and pacts are read.")
@input_errors_exit_2
def can_i_deploy_cmd(participant: str, version: str, provider_version: str | None, fmt: str,
                     registry_path: Path | None, ref: str) -> None:
    """Whether a consumer or provider version may deploy, from the verification records and
    pacts committed in the registry (Pact Broker semantics, pending pacts included).

    A consumer version may deploy when each of its pacts (by content) was verified
    successfully; a provider version when it verified every consumer's latest pact, except
    pending pacts (never verified successfully), whose failure does not block it.

    \b
    Example:
      ledgerpact can-i-deploy invoice-automation --version 1.4.0
      ledgerpact can-i-deploy sap-erp-adapter --version 2.0.1 --format json
    """
    registry = open_registry(registry_path)
    registry.require_repo()
    records, pacts = load(registry, ref)
    decision = can_i_deploy(participant, version, records, pacts,
                            provider_version=provider_version)
    click.echo(render(participant, version, decision, fmt), nl=False)
    if not decision.ok:
        sys.exit(EXIT_FINDINGS)
