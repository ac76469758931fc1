"""Build the NetSuite adapter: erp-finance on the simulator engine, answered by the vendor.

Built like ``ledgerpact simulate`` builds a simulator (contract compiled from the registry,
in-memory store, event sinks and relay), with the adapter's Behaviour in place of a
simulated ERP, so requests are validated and responses checked against erp-finance by the
same engine that serves every other contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledgerpact.adapters.netsuite.behaviour import NetSuiteAdapterBehaviour
from ledgerpact.adapters.netsuite.mapping import Tables
from ledgerpact.generators.simulators.app import SimulatorApp

SOURCE = "ledgerpact-adapter/netsuite"


class AdapterApp(SimulatorApp):
    """The engine's app, plus closing the adapter's vendor connection pool when the server
    shuts down (the engine's lifespan knows nothing of it)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await super().__call__(scope, receive, send)
            return
        adapter = self.behaviour

        async def watched() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and \
                    isinstance(adapter, NetSuiteAdapterBehaviour):
                await adapter.aclose()
            return message

        await super().__call__(scope, watched, send)


def build(vendor_url: str, *, registry: Path | None = None, events: Sequence[str] = (),
          auth: bool = True) -> SimulatorApp:
    """The adapter as an ASGI app calling the vendor simulator at ``vendor_url``."""
    return build_with(vendor_url, Tables(), registry=registry, events=events, auth=auth)


def build_with(vendor_url: str, tables: Tables, *, registry: Path | None = None,
               events: Sequence[str] = (), auth: bool = True,
               behaviour: NetSuiteAdapterBehaviour | None = None) -> SimulatorApp:
    """``build`` with explicit mapping tables or behaviour (the broken variants use it)."""
    from ledgerpact.generators.simulators.server import _open_sinks, load_contract
    from ledgerpact.generators.simulators.store import Store

    contract, root = load_contract("erp-finance", registry)
    adapter = behaviour or NetSuiteAdapterBehaviour(vendor_url, tables, registry_root=root)
    sinks = _open_sinks(list(events), None)

    def event_factory() -> Any:
        from ledgerpact.generators.simulators.events import EventFactory

        return EventFactory.from_registry(SOURCE, root)

    def relay_factory(store: Store) -> Any:
        from ledgerpact.generators.simulators.events import Relay

        return Relay(store, sinks)

    store = Store.open(None)
    try:
        app = AdapterApp(contract, store, seed=1, behaviour=adapter,
                           event_factory=event_factory,
                           relay_factory=relay_factory if sinks else None, auth=auth)
        app.reset(1)
    except BaseException:
        store.close()
        raise
    return app
