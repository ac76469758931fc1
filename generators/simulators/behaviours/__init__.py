"""Finance behaviours layered on the generic contract simulator, found by target name.

The modules are imported lazily so that serving a plain contract (or the tax engine) never
pays for loading the ERP's reference data code, and so that one behaviour's import error
cannot break ``ledgerpact simulate`` for the others.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.messages import Behaviour

# target name -> the registry contract the behaviour serves
BEHAVIOUR_CONTRACTS: dict[str, str] = {
    "erp": "erp-finance",
    "invoice-automation": "invoice-automation",
    "tax-engine": "tax-engine",
    "sap-s4hana": "sap-s4hana-odata",
    "netsuite": "netsuite-rest",
}

_MODULES: dict[str, str] = {
    "erp": "erp",
    "invoice-automation": "invoice_automation",
    "tax-engine": "tax_engine",
    "sap-s4hana": "sap_s4hana",
    "netsuite": "netsuite",
}


def behaviour_for(name: str) -> Behaviour | None:
    """The finance behaviour for a target name, or None for a contract served generically."""
    module_name = _MODULES.get(name)
    if module_name is None:
        return None
    module = import_module(f"{__name__}.{module_name}")
    made: Behaviour = module.behaviour()
    return made
