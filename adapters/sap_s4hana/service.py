"""Assemble the SAP reference adapter: erp-finance served by the engine over the vendor.

The adapter is a SimulatorApp with an adapter behaviour, so requests are validated against
erp-finance and every answer is checked against it exactly as for the canonical ERP
simulator; the store is in memory and holds only the adapter's own bookkeeping (the event
outbox and the sync watermark), never business data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.adapters.sap_s4hana.behaviour import SapAdapterBehaviour
from ledgerpact.adapters.sap_s4hana.mapping import Mapper

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.app import SimulatorApp
    from ledgerpact.generators.simulators.store import Store

PARTICIPANT = "sap-s4hana-adapter"
CONTRACT = "erp-finance"


def build(vendor_url: str, *, registry: Path | None = None, events: Sequence[str] = (),
          auth: bool = True) -> SimulatorApp:
    return build_with(vendor_url, SapAdapterBehaviour, Mapper(), registry=registry,
                      events=events, auth=auth)


def build_with(vendor_url: str, behaviour_type: Callable[..., SapAdapterBehaviour],
               mapper: Mapper, *, registry: Path | None = None, events: Sequence[str] = (),
               auth: bool = True, seed: int = 1) -> SimulatorApp:
    """``build`` with the behaviour class and mapper chosen (the broken variants of the
    mutation proof change exactly one of them)."""
    from ledgerpact.generators.simulators.app import SimulatorApp
    from ledgerpact.generators.simulators.events import EventFactory, Relay, open_sink
    from ledgerpact.generators.simulators.faults import FaultPlan
    from ledgerpact.generators.simulators.server import load_contract
    from ledgerpact.generators.simulators.store import Store

    contract, root = load_contract(CONTRACT, registry)
    sinks = [open_sink(spec, state_dir=None) for spec in events]
    behaviour = behaviour_type(vendor_url, mapper)
    store = Store.open(None)

    def relay_factory(store: Store) -> Any:
        return Relay(store, sinks)

    try:
        app = SimulatorApp(contract, store, seed=seed, behaviour=behaviour,
                           faults=FaultPlan.empty(seed),
                           event_factory=lambda: EventFactory.from_registry(
                               f"ledgerpact-adapter/{PARTICIPANT}", root),
                           relay_factory=relay_factory if sinks else None, auth=auth)
        behaviour.bind_app(app)
        app.reset(seed)
    except BaseException:
        store.close()
        raise
    return app
