"""The seeded world of the S/4HANA-style simulator, in the vendor's own representation.

The vendor simulator must expose the same business world as the canonical ERP simulator for
the same seed (so an adapter over it can be compared with ``ledgerpact simulate erp``), but
in native form: 10-digit keys, ``/Date()/`` dates, block flags, native status codes, tax
codes per country. This module converts ``finance_data.reference_data(seed)`` once, at
seeding time; the adapter owns the reverse direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ledgerpact.generators.simulators.behaviours import finance_data
from ledgerpact.generators.simulators.behaviours.sap_odata import END_OF_TIME, to_date, to_datetime

SEEDED_SINCE = "2024-01-01T00:00:00Z"
# canonical purchase order status -> native processing status
PO_STATUS = {"draft": "01", "released": "05", "partially-received": "07", "received": "08",
             "closed": "09", "cancelled": "10"}
PO_ITEM_STATUS = {"open": "A", "partially-received": "B", "received": "C", "closed": "D",
                  "cancelled": "L"}
PAYMENT_METHOD = {"58": "T", "30": "U", "31": "U", "42": "B", "49": "E", "59": "D", "1": "X"}
BASELINE = {"invoice-date": "B", "receipt-date": "R", "end-of-month": "M", "delivery-date": "L"}
TAX_SCHEME_DIGIT = {"VAT": "0", "GST": "1", "JCT": "2", "SST": "3", "TIN": "4"}
TAX_CATEGORY = {"S": "STD", "Z": "ZERO", "E": "EXMPT", "AE": "REVCH", "O": "OUTSC",
                "K": "INTRA", "G": "EXPRT", "L": "CANRY", "M": "IPSI"}
GL_GROUP = {"asset": "ASST", "liability": "LIAB", "equity": "EQTY", "expense": "EXPN",
            "revenue": "REVN"}
CONTROLLING_AREA = "A000"


def supplier_key(number: str) -> str:
    """Canonical V-100001 -> native 0000100001 (the id the canonical world already lists as
    its SAP external id)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits.zfill(10)


def cost_center_key(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit()).zfill(10)


def gl_key(number: str) -> str:
    return number.zfill(10)


def decimal_text(value: str, places: int = 3) -> str:
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")


def supplier(s: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    status = s["status"]
    address = s.get("postalAddress", {})
    terms = s.get("paymentTerms", {})
    native: dict[str, Any] = {
        "Supplier": supplier_key(s["supplierNumber"]),
        "BusinessPartner": supplier_key(s["supplierNumber"]),
        "SupplierName": s["name"],
        "Country": address.get("countryCode", ""),
        "CityName": address.get("city", ""),
        "PostalCode": address.get("postalCode", ""),
        "StreetName": "\n".join(address.get("lines", [])),
        "PostingIsBlocked": status == "blocked",
        "PaymentIsBlocked": status == "blocked",
        "SupplierIsNotReleased": status == "pending",
        "SupplierBlockReasonText": s.get("statusReason", ""),
        "StatusChangedOn": to_datetime(meta.get("since", SEEDED_SINCE)),
        "LastChangeDateTime": to_datetime(meta.get("updatedAt", SEEDED_SINCE)),
        "PurchaseOrderCurrency": s.get("defaultCurrency", ""),
        "PaymentMethodsList": PAYMENT_METHOD.get(str(s.get("defaultPaymentMeansCode", "")), ""),
        "ElectronicAddress": s.get("electronicAddress", {}).get("id", ""),
        "ElectronicAddressScheme": s.get("electronicAddress", {}).get("scheme", ""),
        "to_SupplierBankDetails": {"results": [_bank(b, i) for i, b
                                               in enumerate(s.get("bankAccounts", []))]},
        "to_BusinessPartnerTaxNumber": {"results": [
            {"BPTaxType": f"{t.get('countryCode', '')}{TAX_SCHEME_DIGIT.get(t['scheme'], '9')}",
             "BPTaxNumber": t["id"]} for t in s.get("taxRegistrations", [])]},
        "to_BusinessPartnerContact": {"results": [
            {"ContactPersonName": c.get("name", ""), "EmailAddress": c.get("email", ""),
             "PhoneNumber": c.get("phone", "")} for c in s.get("contacts", [])]},
        "to_SupplierClassification": {"results": [
            {"ClassificationCode": c.upper()} for c in s.get("categories", [])]},
    }
    if s.get("onboardedAt"):
        native["ReleasedOn"] = to_datetime(s["onboardedAt"])
    if terms:
        net = terms.get("netDays")
        discounts = terms.get("discounts", [])
        native["PaymentTerms"] = f"{'Z' if discounts else 'N'}{net or 0:03d}"
        if net is not None:
            native["NetPaymentDays"] = net
        if discounts:
            native["CashDiscount1Days"] = discounts[0]["withinDays"]
            native["CashDiscount1Percent"] = decimal_text(discounts[0]["percentage"])
        if terms.get("baseline"):
            native["BaselineDateType"] = BASELINE[terms["baseline"]]
    return native


def _bank(b: Mapping[str, Any], i: int) -> dict[str, Any]:
    return {"BankIdentification": f"{i + 1:04d}", "IBAN": b.get("iban", ""),
            "SWIFTCode": b.get("bic", ""), "BankAccount": b.get("accountId", ""),
            "BankAccountScheme": b.get("accountIdScheme", ""),
            "BankNumber": b.get("bankCode", ""), "BankAccountCurrency": b.get("currency", ""),
            "BankAccountHolderName": b.get("accountName", "")}


def business_partner(s: Mapping[str, Any]) -> dict[str, Any]:
    return {"BusinessPartner": supplier_key(s["supplierNumber"]), "BusinessPartnerCategory": "2",
            "OrganizationBPName1": s["name"], "BusinessPartnerIsBlocked": s["status"] == "blocked",
            "IsSupplier": True}


def purchase_order(po: Mapping[str, Any]) -> dict[str, Any]:
    terms = str(po.get("paymentTerms", ""))
    days = terms.split(" ")[0]
    native: dict[str, Any] = {
        "PurchaseOrder": po["poNumber"], "CompanyCode": finance_data.COMPANY_CODE,
        "Supplier": supplier_key(po["supplier"]["supplierNumber"]),
        "SupplierName": po["supplier"].get("name", ""),
        "PurchaseOrderDate": to_date(po["orderDate"]),
        "DocumentCurrency": po["currency"],
        "PurchasingProcessingStatus": PO_STATUS[po["status"]],
        "RevisionNumber": po.get("revision", 1),
        "NetAmount": po["totals"]["netTotal"]["amount"],
        "TaxAmount": po["totals"]["taxTotal"]["amount"],
        "GrossAmount": po["totals"]["grossTotal"]["amount"],
        "to_PurchaseOrderItem": {"results": [_po_item(po, ln) for ln in po["lines"]]},
    }
    if po.get("createdAt"):
        native["CreationDateTime"] = to_datetime(po["createdAt"])
    if days.isdigit():
        native["NetPaymentDays"] = int(days)
    return native


def _po_item(po: Mapping[str, Any], ln: Mapping[str, Any]) -> dict[str, Any]:
    country, _, code = str(ln.get("taxCode", "")).partition("-")
    item: dict[str, Any] = {
        "PurchaseOrder": po["poNumber"], "PurchaseOrderItem": ln["lineId"].zfill(5),
        "PurchaseOrderItemText": ln["item"]["name"],
        "Material": ln["item"].get("buyerItemId", ""),
        "OrderQuantity": ln["quantity"]["value"],
        "PurchaseOrderQuantityUnit": ln["quantity"]["unitCode"],
        "NetPriceAmount": ln["unitPrice"]["amount"],
        "NetAmount": ln["netAmount"]["amount"],
        "ItemProcessingStatus": PO_ITEM_STATUS[ln["status"]],
        "CostCenter": cost_center_key(ln["costCentre"]) if ln.get("costCentre") else "",
        "GLAccount": gl_key(ln["glAccount"]) if ln.get("glAccount") else "",
        "TaxCode": code, "TaxCountry": country,
    }
    if ln.get("deliveryDate"):
        item["ScheduleLineDeliveryDate"] = to_date(ln["deliveryDate"])
    return item


def material_document(gr: Mapping[str, Any]) -> dict[str, Any]:
    location = gr.get("receivingLocation", {})
    native: dict[str, Any] = {
        "MaterialDocument": gr["receiptId"],
        "MaterialDocumentYear": gr["receivedDate"][:4],
        "PostingDate": to_date(gr["receivedDate"]),
        "ReferenceDocument": gr.get("deliveryNoteNumber", ""),
        "CreatedByUser": gr.get("receivedBy", ""),
        "PurchaseOrder": gr["purchaseOrder"]["poNumber"],
        "PurchaseOrderRevision": gr["purchaseOrder"].get("revision", 1),
        "Supplier": supplier_key(gr["supplier"]["supplierNumber"]),
        "SupplierName": gr["supplier"].get("name", ""),
        "StorageLocation": location.get("locationId", ""),
        "StorageLocationName": location.get("name", ""),
        "GoodsMovementIsCancelled": gr.get("status") == "reversed",
        "to_MaterialDocumentItem": {"results": [{
            "MaterialDocumentItem": ln["lineId"].zfill(4),
            "GoodsMovementType": "101",
            "PurchaseOrder": gr["purchaseOrder"]["poNumber"],
            "PurchaseOrderItem": ln["poLineId"].zfill(5),
            "QuantityInEntryUnit": ln["receivedQuantity"]["value"],
            "EntryUnit": ln["receivedQuantity"]["unitCode"],
            "AcceptedQuantity": ln.get("acceptedQuantity", {}).get("value", ""),
            "RejectedQuantity": ln.get("rejectedQuantity", {}).get("value", ""),
            "RejectionReasonCode": ln.get("rejectionReason", {}).get("code", "").upper(),
            "RejectionReasonText": ln.get("rejectionReason", {}).get("text", ""),
        } for ln in gr["lines"]]},
    }
    if gr.get("receivedAt"):
        native["CreationDateTime"] = to_datetime(gr["receivedAt"])
    return native


def cost_center(cc: Mapping[str, Any]) -> dict[str, Any]:
    return {"CostCenter": cost_center_key(cc["code"]), "ControllingArea": CONTROLLING_AREA,
            "CompanyCode": cc.get("companyCode", ""), "CostCenterName": cc["name"],
            "CostCenterCurrency": cc.get("currency", ""),
            "ValidityStartDate": to_date(cc["validFrom"]),
            "ValidityEndDate": to_date(cc.get("validTo", END_OF_TIME)),
            "IsBlockedForPrimaryCostsPosting": cc["status"] == "blocked",
            "ParentCostCenter": cost_center_key(cc["parentCode"]) if cc.get("parentCode")
            else ""}


def gl_account(gl: Mapping[str, Any]) -> dict[str, Any]:
    native: dict[str, Any] = {
        "ChartOfAccounts": gl.get("chartOfAccounts", "INT"),
        "GLAccount": gl_key(gl["accountNumber"]),
        "GLAccountName": gl["name"],
        "GLAccountType": "P" if gl["type"] in ("expense", "revenue") else "X",
        "GLAccountGroup": GL_GROUP[gl["type"]],
        "IsBlockedForPosting": gl["status"] == "blocked",
        "IsMarkedForDeletion": gl["status"] == "inactive",
        "IsDirectPostingAllowed": bool(gl.get("postingAllowed", True)),
        "ValidityEndDate": to_date(gl.get("validTo", END_OF_TIME)),
    }
    if gl.get("validFrom"):
        native["ValidityStartDate"] = to_date(gl["validFrom"])
    return native


def tax_code(t: Mapping[str, Any]) -> dict[str, Any]:
    country, _, code = t["code"].partition("-")
    native: dict[str, Any] = {
        "Country": t["jurisdiction"]["countryCode"], "TaxCode": code or country,
        "TaxCalculationProcedure": f"TAX{t['jurisdiction']['countryCode']}",
        "TaxType": "V" if t.get("direction", "input") == "input" else "A",
        "TaxCodeCategory": TAX_CATEGORY[t["category"]],
        "TaxScheme": t.get("taxScheme", ""),
        "ExemptionReasonCode": t.get("exemptionReasonCode", ""),
        "ExemptionText": t.get("exemptionReason", ""),
        "ValidityStartDate": to_date(t["validFrom"]),
        "ValidityEndDate": to_date(t.get("validTo", END_OF_TIME)),
        "IsInactive": t["status"] != "active",
    }
    if "rate" in t:
        native["TaxRate"] = decimal_text(t["rate"])
    return native


def company_code() -> dict[str, Any]:
    buyer = finance_data.BUYER
    return {"CompanyCode": finance_data.COMPANY_CODE, "CompanyCodeName": buyer["name"],
            "Country": buyer["postalAddress"]["countryCode"],
            "CityName": buyer["postalAddress"]["city"],
            "PostalCode": buyer["postalAddress"]["postalCode"],
            "StreetName": "\n".join(buyer["postalAddress"]["lines"]),
            "VATRegistration": buyer["taxRegistrations"][0]["id"],
            "HouseBankIBAN": finance_data.BUYER_ACCOUNT["iban"],
            "HouseBankSWIFTCode": finance_data.BUYER_ACCOUNT["bic"],
            "ChartOfAccounts": "INT", "Currency": "EUR"}
