"""ISO 4217 minor units: how many decimals an amount in a currency may carry.

The same table is written into the canonical Money schema (contracts/schemas/money); a
test compares the two so that they cannot drift apart.
"""

from __future__ import annotations

from decimal import Decimal

ZERO_DECIMALS = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"}
    | {"RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
FOUR_DECIMALS = frozenset({"CLF", "UYW"})
DEFAULT = 2


def minor_units(currency: str) -> int:
    """Decimals of ``currency``; 2 for every currency not listed (most of them)."""
    if currency in ZERO_DECIMALS:
        return 0
    if currency in THREE_DECIMALS:
        return 3
    if currency in FOUR_DECIMALS:
        return 4
    return DEFAULT


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: Decimal("0.01") for EUR, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))
