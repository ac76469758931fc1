"""A validated canonical invoice as the vendor's new-bill body.

The canonical rules (``erp_rules.validate_invoice``) already resolved each line's GL
account, cost centre and tax code; this module only spells that in native references and
numbers. Tax: the canonical VAT breakdown holds one tax amount per category and rate, the
vendor wants a tax amount per line, so each breakdown row is spread over its lines in
proportion to their net amounts at the currency's minor units, the last line taking the
remainder: the lines' tax adds up to the breakdown exactly, and the vendor's GL impact books
the same input VAT per tax code as the canonical ERP does. A breakdown row no line carries
holds no tax once the invoice validated (its taxable amount must be zero); one that still
holds tax, or a currency without minor units, is refused (``Unbookable``) rather than
booked on an arbitrary line or at unrounded shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from ledgerpact.adapters.netsuite import mapping
from ledgerpact.generators.simulators.behaviours import erp_rules
from ledgerpact.generators.simulators.behaviours.erp_rules import LineAccounting, dec

Ids = Mapping[str, Mapping[str, str]]  # native type -> canonical key -> internal id


class Unbookable(ValueError):
    """A validated document the vendor's bill cannot carry exactly; ``pointer`` says where."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.pointer, self.detail = pointer, detail


def _vat_key(vat: Mapping[str, Any]) -> tuple[str, Decimal | None]:
    return (str(vat.get("categoryCode")), dec(vat["rate"]) if "rate" in vat else None)


def line_taxes(doc: Mapping[str, Any], minor: int | None) -> list[Decimal]:
    """Each line's share of the VAT breakdown (see the module docstring)."""
    if minor is None:
        raise Unbookable("/currency", f"currency {doc.get('currency')} has no minor units in "
                                      "erp-finance: tax shares cannot be rounded")
    lines = list(doc.get("lines", []))
    shares = [Decimal(0)] * len(lines)
    for k, row in enumerate(doc.get("vatBreakdown", [])):
        key = _vat_key(row)
        members = [i for i, ln in enumerate(lines) if _vat_key(ln.get("vat", {})) == key]
        tax = dec(row.get("taxAmount", {}).get("amount"))
        if not members:
            if tax:
                raise Unbookable(f"/vatBreakdown/{k}",
                                 f"VAT {key[0]} {key[1]}% holds tax {tax} but no line has "
                                 "that VAT category and rate")
            continue
        base = sum((dec(lines[i]["netAmount"]["amount"]) for i in members), Decimal(0))
        left = tax
        for position, i in enumerate(members):
            if position == len(members) - 1 or base == 0:
                share = left
            else:
                share = tax * dec(lines[i]["netAmount"]["amount"]) / base
                share = share.quantize(Decimal(1).scaleb(-minor), rounding=ROUND_HALF_EVEN)
            shares[i] += share
            left -= share
            if base == 0:
                break
    return shares


def bill_body(doc: Mapping[str, Any], accounting: Sequence[LineAccounting], vendor_id: str,
              ids: Ids, minor: int | None, *, request_hash: str, description: str,
              keep_tax_lines: bool = True) -> dict[str, Any]:
    """The native vendorBill create body for a document that passed validation."""
    number = str(doc["number"])
    lines = list(doc.get("lines", []))
    taxes = line_taxes(doc, minor) if keep_tax_lines else [Decimal(0)] * len(lines)
    adjustment = sum(((Decimal(1) if item.get("kind") == "charge" else Decimal(-1))
                      * dec(item["amount"]["amount"])
                      for item in doc.get("allowanceCharges", [])), Decimal(0))
    expense: list[dict[str, Any]] = []
    for i, (line, acc) in enumerate(zip(lines, accounting, strict=False)):
        amount = dec(line["netAmount"]["amount"]) + (adjustment if i == 0 else Decimal(0))
        item: dict[str, Any] = {"account": {"id": ids["account"][acc.gl_account]},
                                "amount": amount, "memo": f"Document {number}"}
        if acc.cost_centre:
            item["department"] = {"id": ids["department"][acc.cost_centre]}
        if acc.tax_code:
            item["taxCode"] = {"id": ids["salesTaxItem"][acc.tax_code]}
            item["taxAmount"] = taxes[i]
        elif taxes[i]:
            item["taxAmount"] = taxes[i]
        if "quantity" in line:
            item["quantity"] = dec(line["quantity"].get("value"))
        expense.append(item)
    tax_total = sum((e.get("taxAmount", Decimal(0)) for e in expense), Decimal(0))
    totals = doc.get("totals", {})
    # what was paid before (less rounding) comes off the vendor's payment of the bill total
    prepaid = dec(totals.get("prepaidAmount", {}).get("amount", "0")) - \
        dec(totals.get("roundingAmount", {}).get("amount", "0"))
    currency = str(doc["currency"])
    body: dict[str, Any] = {
        "tranId": number, "externalId": _invoice_id(doc), "entity": {"id": vendor_id},
        "currency": {"id": mapping.CURRENCY_IDS.get(currency, currency)},
        "memo": description, "custbody_lp_document_date": str(doc["issueDate"]),
        "custbody_lp_credit_note": erp_rules.is_credit_note(doc),
        "custbody_lp_document_type": str(doc.get("typeCode", "380")),
        "custbody_lp_request_hash": request_hash,
        "taxTotal": tax_total, "expense": {"items": expense}}
    if doc.get("dueDate"):
        body["dueDate"] = str(doc["dueDate"])
    if prepaid:
        body["custbody_lp_prepaid_amount"] = prepaid
    transfers = [account for instruction in doc.get("paymentInstructions", [])
                 for account in instruction.get("creditTransfers", [])]
    if transfers:
        body["custbody_lp_remit_to"] = {"items": [
            {native: account[canonical] for canonical, native in mapping.BANK_FIELDS.items()
             if canonical in account} for account in transfers]}
    return body


def _invoice_id(doc: Mapping[str, Any]) -> str:
    from ledgerpact.generators.simulators.behaviours.erp import invoice_id

    return invoice_id(doc)
