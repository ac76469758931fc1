"""Quantity matching across invoices: pure functions from quantities to findings.

Each invoice is checked on its own by ``erp_rules``; without this module the same invoice
under five document numbers could bill a PO line five times over. A real ERP (SAP MIRO,
Oracle Payables, NetSuite) keeps the quantity invoiced per PO line and refuses what would
take it past the quantity ordered (two-way) or, for a line goods were received against,
past the quantity accepted on posted receipts (three-way). The sums of earlier postings are
the caller's (the ERP reads them from its store, inside the posting's transaction);
everything here is arithmetic on Decimal quantities, in the PO line's unit only: a quantity
in another unit is a finding, never silently compared. A credit (a credit note's line, or a
negative quantity on an invoice) may take back only what is invoiced, and the invoiced
quantity never counts below zero: otherwise a credit of a line nothing was invoiced on would
leave it open for more than was ordered.

Finding codes are AP automation's (``invoice_checks``: QUANTITY_VARIANCE against the order,
QUANTITY_NOT_RECEIVED against the receipts, pointer ``/lines/{i}/quantity/value``), so a
variance reads the same in both simulators. The contract's Finding code is open
(UPPER_SNAKE_CASE), so no enum had to grow.

Which lines are goods lines: the contract's purchase order line has no goods/service flag
(SAP's GR-based invoice verification indicator), so, as in AP automation's match, a line is
matched three-way when the document says goods were received for it (the line's
``goodsReceiptRef`` or the header's ``goodsReceiptReference``, naming a receipt of the line's
order that is not reversed; a broken reference has its own finding from ``erp_rules``). Its
cap is then every posted receipt of the PO line, not only the one referenced: each delivery
is invoiced by its own invoice, and their sum may not pass the sum of the deliveries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledgerpact.generators.simulators.behaviours.erp_rules import (
    MasterData,
    Validation,
    dec,
    exact,
    is_credit_note,
)

# store kind: "<poNumber>|<lineId>" -> {"total": "<quantity>", "unitCode"}: the running sum of
# what counted postings added to (an invoice) or took from (a credit note) the PO line, so a
# posting reads one record however many came before it. (State written before the running
# total holds {"entries": [{"postingId", "quantity", "unitCode"}]}: still read.)
INVOICED_KIND = "poLineInvoiced"
# store kind: postingId -> {"lines": {"<poNumber>|<lineId>": "<signed quantity>"}}: what one
# posting contributed, to take out again when it stops counting (a reversal) or when a
# posted document is validated again (it is not its own variance)
POSTING_QUANTITIES_KIND = "postingQuantities"
# postings whose quantities count: a parked document is not in the ledger yet, a reversed
# one was taken out of it
COUNTED_STATUSES = frozenset({"posted"})
# goods receipts matching counts (the goods-receipt schema: drafts and reversed ones do not)
COUNTED_RECEIPTS = frozenset({"posted"})
_CLOSED = ("closed", "cancelled")


@dataclass(frozen=True, slots=True)
class LineQuantity:
    """One document line that references a PO line, with its signed quantity: what it adds
    to the line's invoiced quantity (a credit note's lines take away)."""

    index: int
    po_number: str
    line_id: str
    quantity: Decimal
    unit: str
    receipts: tuple[str, ...]  # goods receipts the document references for it

    @property
    def key(self) -> str:
        return line_key(self.po_number, self.line_id)


@dataclass(frozen=True, slots=True)
class Received:
    """Accepted quantity of a PO line's posted receipt lines, and the units they are in."""

    quantity: Decimal
    units: frozenset[str]


def line_key(po_number: str, line_id: str) -> str:
    return f"{po_number}|{line_id}"


def document_lines(doc: Mapping[str, Any]) -> list[LineQuantity]:
    """The lines of ``doc`` that name a PO line (order from the line or the header)."""
    sign = Decimal(-1) if is_credit_note(doc) else Decimal(1)
    header = doc.get("orderReference", {}).get("id")
    header_receipt = doc.get("goodsReceiptReference")
    found: list[LineQuantity] = []
    for i, line in enumerate(doc.get("lines", [])):
        ref = line.get("purchaseOrderLineRef") or {}
        number = ref.get("orderId") or header
        if not number or ref.get("lineId") is None:
            continue
        quantity = line.get("quantity") or {}
        receipts = {str(r) for r in (header_receipt,
                                     (line.get("goodsReceiptRef") or {}).get("receiptId")) if r}
        found.append(LineQuantity(i, str(number), str(ref["lineId"]),
                                  sign * dec(quantity.get("value")),
                                  str(quantity.get("unitCode") or ""), tuple(sorted(receipts))))
    return found


def received_by_line(receipts: Iterable[Mapping[str, Any]]) -> dict[str, Received]:
    """PO line key -> what posted receipts accepted for it (received when no accepted
    quantity is given, as in AP automation's match)."""
    totals: dict[str, tuple[Decimal, set[str]]] = {}
    with exact():
        for receipt in receipts:
            if receipt.get("status") not in COUNTED_RECEIPTS:
                continue
            po_number = str(receipt.get("purchaseOrder", {}).get("poNumber"))
            for line in receipt.get("lines", []):
                quantity = line.get("acceptedQuantity") or line.get("receivedQuantity") or {}
                key = line_key(po_number, str(line.get("poLineId")))
                total, units = totals.setdefault(key, (Decimal(0), set()))
                units.add(str(quantity.get("unitCode") or ""))
                totals[key] = (total + dec(quantity.get("value")), units)
    return {key: Received(total, frozenset(units)) for key, (total, units) in totals.items()}


def running_invoiced(record: Mapping[str, Any], counts: Callable[[str], bool],
                     leave_out: Decimal = Decimal(0)) -> Decimal:
    """The PO line's invoiced quantity from its store record (``leave_out``: one posting's
    contribution not to count), never below zero (see ``invoiced``)."""
    if "total" not in record:  # written before the running total: sum its history
        return invoiced(record.get("entries", []), counts)
    return max(dec(record.get("total")) - leave_out, Decimal(0))


def invoiced(entries: Iterable[Mapping[str, Any]], counts: Callable[[str], bool]) -> Decimal:
    """The PO line's invoiced quantity: the entries of postings that still count, never
    below zero. A credit cannot be posted past what is invoiced (``_check_line``), but the
    invoice it credited can be reversed afterwards, or the store predate that rule: a
    negative sum would read as more open quantity than was ordered."""
    total = sum((dec(e.get("quantity")) for e in entries if counts(str(e.get("postingId")))),
                Decimal(0))
    return max(total, Decimal(0))


def po_line(po: Mapping[str, Any] | None, line_id: str) -> Mapping[str, Any] | None:
    return next((ln for ln in (po or {}).get("lines", []) if ln.get("lineId") == line_id),
                None)


def ordered(line: Mapping[str, Any]) -> tuple[Decimal, str]:
    quantity = line.get("quantity") or {}
    return dec(quantity.get("value")), str(quantity.get("unitCode") or "")


def open_quantity(line: Mapping[str, Any], already: Decimal) -> Decimal:
    """What may still be invoiced on a PO line two-way: the ordered quantity less what is
    invoiced (in the line's unit; every recorded posting is). Never more than ordered: a
    negative invoiced quantity counts as none."""
    quantity, _ = ordered(line)
    return quantity - max(already, Decimal(0))


def check_quantities(lines: Sequence[LineQuantity], data: MasterData, result: Validation,
                     already: Mapping[str, Decimal], received: Mapping[str, Received]) -> None:
    """Findings for document lines that would take their PO line past the quantity ordered
    or received, or credit it below zero. ``already``: the invoiced quantity per PO line
    key before this document (a negative one counts as zero, as in ``invoiced``).
    Lines whose order or line is missing or closed are left to ``erp_rules`` (they have
    their findings already)."""
    comparable: list[tuple[LineQuantity, Mapping[str, Any]]] = []
    for item in lines:
        line = po_line(data.get("purchaseOrder", item.po_number), item.line_id)
        if line is None or line.get("status") in _CLOSED:
            continue
        _, unit = ordered(line)
        if item.unit != unit:
            result.add("QUANTITY_UNIT_MISMATCH", f"/lines/{item.index}/quantity/unitCode",
                       f"The line is in {item.unit or 'no unit'}; purchase order "
                       f"{item.po_number} line {item.line_id} is in {unit}: quantities in "
                       "different units cannot be matched.")
            continue
        comparable.append((item, line))
    this: dict[str, Decimal] = {}
    for item, _ in comparable:
        this[item.key] = this.get(item.key, Decimal(0)) + item.quantity
    goods = {item.key for item, _ in comparable if _goods_line(item, data)}
    for item, line in comparable:
        basis = None
        if item.key in goods:  # nothing received yet is a receipt quantity of zero
            basis = received.get(item.key) or Received(Decimal(0), frozenset({ordered(line)[1]}))
        before = max(already.get(item.key, Decimal(0)), Decimal(0))
        _check_line(item, line, result, before, this[item.key], basis)


def _goods_line(item: LineQuantity, data: MasterData) -> bool:
    """Whether the document references a receipt of the line's order for it (three-way)."""
    for number in item.receipts:
        receipt = data.get("goodsReceipt", number)
        if receipt is not None and receipt.get("status") != "reversed" and \
                str(receipt.get("purchaseOrder", {}).get("poNumber")) == item.po_number:
            return True
    return False


def _check_line(item: LineQuantity, line: Mapping[str, Any], result: Validation,
                before: Decimal, this: Decimal, received: Received | None) -> None:
    quantity, unit = ordered(line)
    total = before + this
    where = f"/lines/{item.index}/quantity/value"
    if received is not None and received.units != {unit}:
        result.add("GOODS_RECEIPT_UNIT_MISMATCH", f"/lines/{item.index}/purchaseOrderLineRef",
                   f"Goods receipts of purchase order {item.po_number} line {item.line_id} "
                   f"are in {', '.join(sorted(received.units))}, the order in {unit}: the "
                   "received quantity cannot be matched.")
        return
    got = f"{show(received.quantity)} {unit}" if received is not None \
        else "not matched (no goods receipt referenced)"
    facts = (f"purchase order {item.po_number} line {item.line_id}: ordered "
             f"{show(quantity)} {unit}, received {got}, already invoiced {show(before)} "
             f"{unit}, this document {show(this)} {unit}")
    if item.quantity <= 0:
        # An error, not a warning: once posted, a credit past the invoiced quantity would
        # leave the line open for more than was ordered (a credit note of 20 on a line of
        # 20 with nothing invoiced let invoices for 40 through).
        if item.quantity < 0 and total < 0:
            result.add("QUANTITY_CREDIT_EXCEEDS_INVOICED", where,
                       f"Credits more than was invoiced on {facts}: the invoiced quantity "
                       f"would fall to {show(total)} {unit}, {show(-total)} {unit} below "
                       "zero.")
        return
    if total > quantity:
        result.add("QUANTITY_VARIANCE", where,
                   f"Over-invoiced {facts}: {show(total)} {unit} exceeds the ordered quantity "
                   f"by {show(total - quantity)} {unit}.")
    if received is not None and total > received.quantity:
        result.add("QUANTITY_NOT_RECEIVED", where,
                   f"Over-invoiced {facts}: {show(total)} {unit} exceeds the received quantity "
                   f"by {show(total - received.quantity)} {unit}.")


def contributions(lines: Sequence[LineQuantity], data: MasterData) -> dict[str, tuple[
        Decimal, str]]:
    """PO line key -> (net quantity, unit) a valid document adds: what its posting records."""
    out: dict[str, tuple[Decimal, str]] = {}
    for item in lines:
        line = po_line(data.get("purchaseOrder", item.po_number), item.line_id)
        if line is None:
            continue
        total, _ = out.get(item.key, (Decimal(0), item.unit))
        out[item.key] = (total + item.quantity, item.unit)
    return out


def show(value: Decimal) -> str:
    """A quantity as plain digits (no exponent, no trailing zeros beyond the value's)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
