"""Names of what is generated for a contract: the import package and the distribution."""

from __future__ import annotations

import re


def package_name(contract_id: str) -> str:
    """``erp-finance`` -> ``ledgerpact_models_erp_finance``: one import name per contract, so
    an adapter can install the models of several contracts side by side."""
    return "ledgerpact_models_" + re.sub(r"[^a-z0-9]+", "_", contract_id.lower()).strip("_")


def distribution_name(contract_id: str) -> str:
    """``erp-finance`` -> ``ledgerpact-models-erp-finance`` (what ``pip install`` names)."""
    return package_name(contract_id).replace("_", "-")
