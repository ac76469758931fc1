"""``ledgerpact simulate``: serve a registry contract as a stateful mock over HTTP.

A thin command: every choice is checked and the simulator fully built (contract compiled,
state opened, faults parsed) before the port opens, so bad input is one line and exit 2,
and the ready line is printed only when requests can be answered.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ledgerpact.registry.cli_support import input_errors_exit_2, registry_option

READY = "ledgerpact simulate: {target} ({contract} {version}) listening on http://{host}:{port}"


@click.command("simulate")
@click.argument("target",
                metavar="erp|invoice-automation|tax-engine|sap-s4hana|netsuite|CONTRACT_ID")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on; 0 picks a free one (the ready line says which).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True,
              help="Seed of the reference data, generated responses and fault decisions.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              help="Folder of reference data (suppliers.json, purchaseOrders.yaml, ...) "
                   "replacing the seeded data.")
@click.option("--state", "state", type=click.Path(path_type=Path, dir_okay=False),
              help="SQLite state file [default: .ledgerpact/simulators/<target>.sqlite "
                   "under the registry's root].")
@click.option("--in-memory", is_flag=True, help="Keep state in memory only (lost on exit).")
@click.option("--reset", is_flag=True, help="Discard the saved state and reseed.")
@click.option("--faults", "faults", type=click.Path(path_type=Path),
              help="Fault plan (YAML or JSON): latency, errors, 429, timeouts, resets, outages.")
@click.option("--events", "events", multiple=True, metavar="SPEC",
              help="Event sink, repeatable: jsonl:PATH, webhook:URL, amqp://..., nats://... "
                   "[default: jsonl:<state dir>/<target>-events.jsonl; none with --in-memory].")
@click.option("--no-auth", "no_auth", is_flag=True,
              help="Accept requests without the credentials the contract's security asks "
                   "for.")
@registry_option
@input_errors_exit_2
def simulate_cmd(target: str, port: int, host: str, seed: int, data_dir: Path | None,
                 state: Path | None, in_memory: bool, reset: bool, faults: Path | None,
                 events: tuple[str, ...], no_auth: bool, registry_path: Path | None) -> None:
    """Serve a contract over HTTP on 127.0.0.1: every request and response validated against
    the contract, finance behaviour for erp and invoice-automation (seeded suppliers, POs,
    idempotent postings, the approval lifecycle, payments, events), vendor-style ERPs for the
    reference adapters (sap-s4hana: OData v2; netsuite: record REST), any other OpenAPI
    contract served from its examples and schemas. State persists in SQLite.

    Security: each operation's declared security (bearer, basic, API keys in a header, query
    or cookie, OAuth 2.0 and OpenID Connect as bearer tokens) must be presented, or the
    answer is 401 with WWW-Authenticate. Any non-empty token or key is accepted: a simulator
    is not an identity provider and verifies nothing. /__admin needs no credentials.

    \b
    Example:
      ledgerpact simulate erp --port 8080
      curl -s -H 'Authorization: Bearer any' localhost:8080/suppliers?limit=2
      curl -s localhost:8080/__admin/state
      curl -s -X POST localhost:8080/__admin/reset -d '{"seed": 7}'
      curl -s 'localhost:8080/__admin/journal?violations=true'
      ledgerpact simulate tax-engine --port 8081 --in-memory
      curl -s -H 'Authorization: Bearer any' -H 'Prefer: code=404' \\
           localhost:8081/jurisdictions/DE
      curl -s -X PUT localhost:8081/__admin/faults \\
           -d '{"rules": [{"id": "slow", "latency": {"fixed_ms": 250}}]}'
      ledgerpact simulate invoice-automation --faults faults.yaml \\
           --events amqp://guest:guest@127.0.0.1:5672/
      ledgerpact simulate sap-s4hana --port 8090 --in-memory
    """
    from ledgerpact.generators.simulators.events.sinks import shown as masked
    from ledgerpact.generators.simulators.server import bind, build, serve

    if in_memory and state is not None:
        raise click.UsageError("give --state or --in-memory, not both")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="ledgerpact simulate: %(levelname)s %(message)s")
    sim = build(target, registry=registry_path, seed=seed, data_dir=data_dir, state=state,
                in_memory=in_memory, reset=reset, faults=faults,
                events=list(events) if events else None, auth=not no_auth)
    try:
        sock = bind(host, port)
        if sim.shared:
            click.echo(f"ledgerpact simulate: note: {sim.state_path}: another live simulator "
                       f"is serving this state file; the two share it (--reset is refused "
                       f"while it runs)", err=True)

        def ready(actual: int) -> None:
            shown = f"[{host}]" if ":" in host else host
            lines = [READY.format(target=target, contract=sim.contract_id,
                                  version=sim.version, host=shown, port=actual),
                     f"  state: {sim.state_path or 'in memory'}"
                     + (" (new, seeded)" if sim.seeded_now else " (kept)"),
                     *_data_line(data_dir, sim.data_lists, sim.seeded_now),
                     f"  seed: {sim.app.seed}",
                     f"  events: {', '.join(map(masked, sim.event_specs)) or 'none'}",
                     f"  admin: http://{shown}:{actual}/__admin"]
            click.echo("\n".join(lines))
            sys.stdout.flush()

        started = serve(sim.app, sock, ready)
    finally:
        sim.close()
    if not started:
        click.echo("error: the simulator did not start (see the messages above)", err=True)
        sys.exit(1)


def _data_line(data_dir: Path | None, lists: list[str], seeded_now: bool) -> list[str]:
    """Which ``--data`` files the world was loaded from: a user must see at once whether
    their files were read (a kept state was seeded earlier and reads none of them)."""
    if data_dir is None:
        return []
    if not seeded_now:
        return [f"  data: {data_dir} not read: the state was kept (--reset loads it)"]
    return [f"  data: {', '.join(lists)} from {data_dir} (other lists from --seed)"]
