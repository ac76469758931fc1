"""UBL 2.1 (OASIS Universal Business Language) e-invoices in and out of the canonical model.

`read_ubl` maps an Invoice-2 or CreditNote-2 document, as exchanged under EN 16931 and
Peppol BIS Billing 3.0, onto the canonical Invoice/CreditNote; `reconcile` checks that the
totals of a canonical document add up before anything relies on them.
"""

from __future__ import annotations

from ledgerpact.adapters.ubl.reader import read_ubl
from ledgerpact.adapters.ubl.reconcile import reconcile

__all__ = ["read_ubl", "reconcile"]
