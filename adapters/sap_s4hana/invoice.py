"""A validated canonical invoice as the vendor's supplier invoice (deep-insert body).

Pure: the canonical journal lines (computed by the canonical ERP's own ``journal_lines``
from the validation's accounting) decide the native items, so the vendor books exactly what
the canonical ERP would; only ids, codes, dates and sides change representation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerpact.adapters.sap_s4hana import mapping
from ledgerpact.generators.simulators.behaviours import erp, erp_rules, finance_data


def native_invoice(doc: Mapping[str, Any], supplier: Mapping[str, Any],
                   lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The vendor's supplier invoice for a validated canonical document: the expense
    lines of the canonical journal become G/L account items, its VAT lines tax items,
    and its payable line the gross amount (the vendor books that to the supplier)."""
    number = str(doc["number"])
    credit_note = erp_rules.is_credit_note(doc)
    vat_lines = [ln for ln in lines[:-1]
                 if ln["glAccount"] == finance_data.INPUT_VAT_ACCOUNT
                 and ln.get("description") == "Input VAT"]
    expense = [ln for ln in lines[:-1] if ln not in vat_lines]
    gl_items = [{"GLAccount": mapping.gl_key(ln["glAccount"]) or ln["glAccount"],
                 "CostCenter": mapping.cost_center_key(ln["costCentre"]) or ""
                 if ln.get("costCentre") else "",
                 **tax_fields(ln.get("taxCode")),
                 "DebitCreditCode": "S" if ln["side"] == "debit" else "H",
                 "SupplierInvoiceItemAmount": ln["amount"]["amount"],
                 "DocumentItemText": ln.get("description", "")} for ln in expense]
    tax_items = [{**tax_fields(ln.get("taxCode")),
                  "DebitCreditCode": "S" if ln["side"] == "debit" else "H",
                  "TaxAmount": ln["amount"]["amount"],
                  "DocumentItemText": ln.get("description", "")} for ln in vat_lines]
    refs = []
    header_po = (doc.get("orderReference") or {}).get("id")
    for line in doc.get("lines", []):
        ref = line.get("purchaseOrderLineRef")
        if ref and (ref.get("orderId") or header_po) and ref.get("lineId"):
            refs.append({"PurchaseOrder": str(ref.get("orderId") or header_po),
                         "PurchaseOrderItem": str(ref["lineId"]).zfill(5)})
    body: dict[str, Any] = {
        "CompanyCode": finance_data.COMPANY_CODE,
        "InvoicingParty": mapping.supplier_key(str(supplier.get("supplierNumber"))) or "",
        "SupplierInvoiceIDByInvcgParty": number,
        "AssignmentReference": erp.invoice_id(doc),
        "DocumentDate": mapping.odata_date(str(doc["issueDate"])),
        "InvoiceGrossAmount": lines[-1]["amount"]["amount"] if lines else "0",
        "DocumentCurrency": str(doc["currency"]), "IsInvoice": not credit_note,
        "SupplierInvoiceItemText":
            f"Supplier {'credit note' if credit_note else 'invoice'} {number}, "
            f"{supplier.get('name', '')}"[:200].rstrip(),
        "to_SupplierInvoiceItemGLAcct": {"results": gl_items},
        "to_SupplierInvoiceTax": {"results": tax_items},
        "to_SuplrInvcItemPurOrdRef": {"results": refs}}
    if doc.get("dueDate"):
        body["DueCalculationBaseDate"] = mapping.odata_date(str(doc["dueDate"]))
        body["NetPaymentDays"] = 0
    return body

def tax_fields(code: str | None) -> dict[str, str]:
    key = mapping.tax_key(code) if code else None
    return {"TaxCode": key[1], "TaxCountry": key[0]} if key else {"TaxCode": "",
                                                                   "TaxCountry": ""}
