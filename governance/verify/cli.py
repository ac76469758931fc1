"""``ledgerpact verify ADAPTER``: the provider side of consumer-driven contract testing.

Exit codes are the contract with CI: 0 every pact and every property passed, 1 a
verification failed (the records are written all the same), 2 bad input (an unknown
adapter, a bad manifest or pact, providers in contract.yaml that do not match).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    format_option,
    input_errors_exit_2,
    registry_option,
)


@click.command("verify")
@click.argument("adapter", required=False)
@registry_option
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the vendor simulator's world and of Schemathesis' data.")
@format_option("text", "json", "markdown", "junit")
@click.option("--record/--no-record", default=True, show_default=True,
              help="Write one verification record per pact under verifications/ (to commit).")
@click.option("--examples", type=click.IntRange(1, 1000), default=None,
              help="Schemathesis examples per operation and data mode (default 5).")
@click.option("--only", type=click.Choice(["pacts", "schemathesis"]), default=None,
              help="Run only the pact verification or only Schemathesis.")
@click.option("--enable-pending", is_flag=True, default=False,
              help="Failures of pending pacts (content no registered provider ever verified "
                   "successfully) do not fail the run; they are still reported and "
                   "recorded (as Pact's verifier option).")
@input_errors_exit_2
def verify_cmd(adapter: str | None, registry_path: Path | None, seed: int, fmt: str,
               record: bool, examples: int | None, only: str | None,
               enable_pending: bool) -> None:
    """Verify an adapter against every consumer pact of the contracts it provides, and run
    Schemathesis against its erp-finance API, with the adapter wired to its vendor simulator.

    The adapter is a participant registered by adapters/*/adapter.yaml. Each consumer's
    latest pact with each contract the adapter provides is replayed by the Pact core (HTTP
    interactions against the adapter, message interactions from the events it publishes
    after a sync), with the adapter's provider-state handlers. Each failure is one line
    naming the interaction and the field. Unless --no-record, one verification record per
    pact is written for can-i-deploy, failed ones included (a Schemathesis failure fails
    every record of the run; --only runs write no record). The registry's adapters/<folder>
    must be the code installed in this environment. Nothing to verify fails the run.

    \b
    Example:
      ledgerpact verify sap-s4hana-adapter
      ledgerpact verify netsuite-adapter --format junit --no-record > verify.xml
      ledgerpact verify sap-s4hana-adapter --enable-pending
    """
    from ledgerpact.governance.verify.report import render
    from ledgerpact.governance.verify.run import DEFAULT_EXAMPLES, verify_adapter

    report = verify_adapter(registry_path, adapter, seed=seed,
                            examples=examples or DEFAULT_EXAMPLES, only=only, record=record,
                            enable_pending=enable_pending)
    click.echo(render(report, fmt), nl=False)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if not report.ok:
        sys.exit(EXIT_FINDINGS)
