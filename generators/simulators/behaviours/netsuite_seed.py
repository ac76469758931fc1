"""The NetSuite-style vendor's seeded world: the canonical reference data in native records.

The vendor simulator must expose the same business world as the canonical ERP simulator for
the same seed (so an adapter over it can be compared answer for answer), but in the vendor's
own shapes: numeric internal ids, ``{"id", "refName"}`` references, sublists as
``{"items": [...]}``, money as JSON numbers (``Decimal`` here, so no digit is lost), native
status codes and custom fields (``custentity_``/``custbody_``/``custcol_``/``custrecord_``)
for what the standard record has no field for. Pure functions: records in, records out.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# The vendor's code lists (also published as enums in contracts/netsuite-rest/openapi.yaml).
CURRENCIES: dict[str, str] = {"USD": "1", "EUR": "2", "GBP": "3", "SEK": "4", "DKK": "5",
                              "NOK": "6", "CHF": "7", "PLN": "8", "JPY": "9", "BHD": "10"}
VENDOR_STATUSES: dict[str, str] = {"1": "Pending Approval", "2": "Approved", "3": "Rejected"}
APPROVAL_STATUSES: dict[str, str] = {"1": "Pending Approval", "2": "Approved", "3": "Rejected"}
BILL_STATUSES: dict[str, str] = {"A": "Open", "B": "Paid In Full", "C": "Cancelled",
                                 "D": "Pending Approval", "E": "Rejected"}
PAYMENT_STATUSES: dict[str, str] = {"A": "Pending Bank Transfer", "B": "Sent To Bank",
                                    "C": "Cleared", "D": "Rejected By Bank",
                                    "E": "Returned By Bank"}
PO_STATUSES: dict[str, str] = {"A": "Pending Supervisor Approval", "B": "Pending Receipt",
                               "D": "Partially Received", "F": "Pending Bill",
                               "H": "Closed", "X": "Cancelled"}
PO_LINE_STATUSES = ("pendingReceipt", "partiallyReceived", "fullyReceived", "closed",
                    "cancelled")
ACCOUNT_TYPES: dict[str, str] = {"OthCurrAsset": "Other Current Asset",
                                 "OthCurrLiab": "Other Current Liability", "Equity": "Equity",
                                 "Income": "Income", "Expense": "Expense"}
TAX_AVAILABILITY = ("PURCHASE", "SALE")
SUBSIDIARY_ID = "1"
SEEDED_SINCE = "2024-01-01T00:00:00Z"  # status date of seeded vendors never approved
BANK_ACCOUNT = "113100"
PAYABLES_ACCOUNT = "160000"
INPUT_TAX_ACCOUNT = "154000"

_PO_STATUS_OF = {"draft": "A", "released": "B", "partially-received": "D", "received": "F",
                 "closed": "H", "cancelled": "X"}
_PO_LINE_STATUS_OF = {"open": "pendingReceipt", "partially-received": "partiallyReceived",
                      "received": "fullyReceived", "closed": "closed", "cancelled": "cancelled"}
_ACCOUNT_TYPE_OF = {"asset": "OthCurrAsset", "liability": "OthCurrLiab", "equity": "Equity",
                    "revenue": "Income", "expense": "Expense"}


def ref(ident: str, name: str) -> dict[str, str]:
    return {"id": ident, "refName": name}


def currency_ref(code: str) -> dict[str, str]:
    return ref(CURRENCIES.get(code, code), code)


def status_ref(table: Mapping[str, str], code: str) -> dict[str, str]:
    return ref(code, table[code])


def num(text: Any) -> Decimal:
    """A canonical decimal string as the JSON number the vendor stores (exact digits)."""
    return Decimal(str(text))


def address(canonical: Mapping[str, Any]) -> dict[str, Any]:
    lines = list(canonical.get("lines", []))
    out: dict[str, Any] = {f"addr{i + 1}": text for i, text in enumerate(lines[:3])}
    out.update(city=canonical.get("city"), zip=canonical.get("postalCode"),
               country=ref(canonical["countryCode"], canonical["countryCode"]))
    return {k: v for k, v in out.items() if v is not None}


def _vendor_state(status: str) -> dict[str, Any]:
    # blocked suppliers are on payment hold but stay approved (the hold is what blocks them)
    return {"pending": {"entityStatus": status_ref(VENDOR_STATUSES, "1"),
                        "custentity_lp_payment_hold": False},
            "active": {"entityStatus": status_ref(VENDOR_STATUSES, "2"),
                       "custentity_lp_payment_hold": False},
            "blocked": {"entityStatus": status_ref(VENDOR_STATUSES, "2"),
                        "custentity_lp_payment_hold": True}}[status]


def vendor(supplier: Mapping[str, Any], internal_id: str) -> dict[str, Any]:
    terms = supplier.get("paymentTerms", {})
    record: dict[str, Any] = {
        "id": internal_id, "externalId": supplier["supplierNumber"],
        "entityId": supplier["supplierNumber"], "companyName": supplier["name"],
        "isInactive": False, **_vendor_state(supplier["status"]),
        "subsidiary": ref(SUBSIDIARY_ID, "Kölner Maschinenbau GmbH"),
        "lastModifiedDate": supplier.get("onboardedAt", SEEDED_SINCE),
        "custentity_lp_status_since": supplier.get("onboardedAt", SEEDED_SINCE),
    }
    if supplier.get("statusReason"):
        record["custentity_lp_status_reason"] = supplier["statusReason"]
    if supplier.get("defaultCurrency"):
        record["currency"] = currency_ref(supplier["defaultCurrency"])
    if "postalAddress" in supplier:
        record["addressBook"] = {"items": [{"defaultBilling": True,
                                            "addressBookAddress":
                                                address(supplier["postalAddress"])}]}
    if supplier.get("taxRegistrations"):
        record["taxRegistration"] = {"items": [
            {"nexusCountry": ref(t["countryCode"], t["countryCode"]) if t.get("countryCode")
             else None, "taxRegistrationNumber": t["id"], "custrecord_lp_scheme": t["scheme"]}
            for t in supplier["taxRegistrations"]]}
        for item in record["taxRegistration"]["items"]:
            if item["nexusCountry"] is None:
                del item["nexusCountry"]
    if supplier.get("electronicAddress"):
        record["custentity_lp_peppol_id"] = supplier["electronicAddress"]["id"]
        record["custentity_lp_peppol_scheme"] = supplier["electronicAddress"]["scheme"]
    if supplier.get("contacts"):
        record["contactList"] = {"items": [dict(c) for c in supplier["contacts"]]}
    if supplier.get("bankAccounts"):
        record["bankDetails"] = {"items": [_bank(b) for b in supplier["bankAccounts"]]}
    if terms:
        days = terms.get("netDays")
        record["terms"] = ref(str(days) if days is not None else "0",
                              terms.get("description") or f"Net {days}")
        if days is not None:
            record["custentity_lp_net_days"] = days
        if terms.get("baseline"):
            record["custentity_lp_terms_baseline"] = terms["baseline"]
        if terms.get("discounts"):
            record["custentity_lp_discounts"] = {"items": [
                {"discountPercent": num(d["percentage"]), "daysUntilExpiry": d["withinDays"]}
                for d in terms["discounts"]]}
    if supplier.get("defaultPaymentMeansCode"):
        record["custentity_lp_payment_means"] = supplier["defaultPaymentMeansCode"]
    if supplier.get("categories"):
        record["custentity_lp_spend_categories"] = {
            "items": [{"refName": c} for c in supplier["categories"]]}
    if supplier.get("onboardedAt"):
        record["dateCreated"] = supplier["onboardedAt"]
    return record


_BANK_FIELDS = {"iban": "iban", "bic": "swiftCode", "accountName": "accountName",
                "accountId": "accountNumber", "accountIdScheme": "accountNumberType",
                "bankCode": "bankCode"}


def _bank(account: Mapping[str, Any]) -> dict[str, Any]:
    out = {native: account[canonical] for canonical, native in _BANK_FIELDS.items()
           if canonical in account}
    if account.get("currency"):
        out["currency"] = currency_ref(account["currency"])
    return out


def department(centre: Mapping[str, Any], internal_id: str,
               ids: Mapping[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": internal_id, "externalId": centre["code"], "name": centre["name"],
        "isInactive": centre["status"] == "inactive",
        "custrecord_lp_posting_blocked": centre["status"] == "blocked",
        "custrecord_lp_valid_from": centre["validFrom"],
        "subsidiary": ref(SUBSIDIARY_ID, "Kölner Maschinenbau GmbH"),
    }
    if centre.get("parentCode") in ids:
        record["parent"] = ref(ids[centre["parentCode"]], centre["parentCode"])
    for member, native in (("validTo", "custrecord_lp_valid_to"),
                           ("description", "description"), ("responsible", "custrecord_lp_owner"),
                           ("companyCode", "custrecord_lp_company_code")):
        if centre.get(member):
            record[native] = centre[member]
    if centre.get("currency"):
        record["currency"] = currency_ref(centre["currency"])
    return record


def account(gl: Mapping[str, Any], internal_id: str) -> dict[str, Any]:
    native_type = _ACCOUNT_TYPE_OF[gl["type"]]
    record: dict[str, Any] = {
        "id": internal_id, "acctNumber": gl["accountNumber"], "acctName": gl["name"],
        "acctType": status_ref(ACCOUNT_TYPES, native_type),
        "isInactive": gl["status"] == "inactive",
        "isSummary": not gl.get("postingAllowed", True),
        "custrecord_lp_posting_locked": gl["status"] == "blocked",
    }
    for member, native in (("validFrom", "custrecord_lp_valid_from"),
                           ("validTo", "custrecord_lp_valid_to"),
                           ("chartOfAccounts", "custrecord_lp_chart"),
                           ("description", "description")):
        if gl.get(member):
            record[native] = gl[member]
    if "postingAllowed" not in gl:
        record["custrecord_lp_posting_unset"] = True
    if gl.get("currency"):
        record["currency"] = currency_ref(gl["currency"])
    if gl["accountNumber"] == BANK_ACCOUNT:
        from ledgerpact.generators.simulators.behaviours.finance_data import BUYER_ACCOUNT

        record["custrecord_lp_iban"] = BUYER_ACCOUNT["iban"]
        record["custrecord_lp_swift"] = BUYER_ACCOUNT["bic"]
    return record


def tax_item(code: Mapping[str, Any], internal_id: str) -> dict[str, Any]:
    country = code["jurisdiction"]["countryCode"]
    record: dict[str, Any] = {
        "id": internal_id, "itemId": code["code"], "externalId": code["code"],
        "country": ref(country, country), "custrecord_lp_category": code["category"],
        "available": "PURCHASE" if code.get("direction", "input") == "input" else "SALE",
        "isInactive": code["status"] == "inactive",
        "custrecord_lp_blocked": code["status"] == "blocked",
        "effectiveFrom": code["validFrom"],
    }
    if "rate" in code:
        record["rate"] = num(code["rate"])
    if code.get("taxScheme"):
        record["taxType"] = ref(code["taxScheme"], code["taxScheme"])
    for member, native in (("validTo", "validUntil"), ("description", "description"),
                           ("exemptionReasonCode", "custrecord_lp_exemption_code"),
                           ("exemptionReason", "custrecord_lp_exemption_reason"),
                           ("subdivisionCode", "custrecord_lp_subdivision")):
        if code.get(member):
            record[native] = code[member]
    if code["jurisdiction"].get("subdivisionCode"):
        record["custrecord_lp_subdivision"] = code["jurisdiction"]["subdivisionCode"]
    return record


def purchase_order(po: Mapping[str, Any], internal_id: str, ids: Mapping[str, dict[str, str]]
                   ) -> dict[str, Any]:
    vendors, departments, accounts, taxes = (ids["vendor"], ids["department"],
                                             ids["account"], ids["salesTaxItem"])
    supplier = po["supplier"]
    lines = []
    for line in po["lines"]:
        item: dict[str, Any] = {
            "line": int(line["lineId"]) if str(line["lineId"]).isdigit() else line["lineId"],
            "item": ref(str(line["item"].get("buyerItemId", "")).removeprefix("MAT-") or "0",
                        line["item"]["name"]),
            "quantity": num(line["quantity"]["value"]), "units": line["quantity"]["unitCode"],
            "rate": num(line["unitPrice"]["amount"]), "amount": num(line["netAmount"]["amount"]),
            "custcol_lp_line_status": _PO_LINE_STATUS_OF[line["status"]],
        }
        if line["item"].get("buyerItemId") and not line["item"]["buyerItemId"].startswith("MAT-"):
            item["custcol_lp_item_code"] = line["item"]["buyerItemId"]
        if line.get("deliveryDate"):
            item["expectedReceiptDate"] = line["deliveryDate"]
        if line.get("costCentre") in departments:
            item["department"] = ref(departments[line["costCentre"]], line["costCentre"])
        if line.get("glAccount") in accounts:
            item["account"] = ref(accounts[line["glAccount"]], line["glAccount"])
        if line.get("taxCode") in taxes:
            item["taxCode"] = ref(taxes[line["taxCode"]], line["taxCode"])
        lines.append(item)
    totals = po["totals"]
    record: dict[str, Any] = {
        "id": internal_id, "tranId": po["poNumber"], "externalId": po["poNumber"],
        "entity": ref(vendors[supplier["supplierNumber"]], supplier["name"]),
        "tranDate": po["orderDate"], "currency": currency_ref(po["currency"]),
        "status": status_ref(PO_STATUSES, _PO_STATUS_OF[po["status"]]),
        "subsidiary": ref(SUBSIDIARY_ID, po["buyer"]["name"]),
        "custbody_lp_revision": po["revision"],
        "subtotal": num(totals["netTotal"]["amount"]),
        "item": {"items": lines},
    }
    if "taxTotal" in totals:
        record["taxTotal"] = num(totals["taxTotal"]["amount"])
    if "grossTotal" in totals:
        record["total"] = num(totals["grossTotal"]["amount"])
    if po.get("paymentTerms"):
        record["terms"] = ref("0", po["paymentTerms"])
    if po.get("deliveryAddress"):
        record["shippingAddress"] = address(po["deliveryAddress"])
    if po.get("createdAt"):
        record["createdDate"] = po["createdAt"]
    return record


def item_receipt(receipt: Mapping[str, Any], internal_id: str,
                 ids: Mapping[str, dict[str, str]]) -> dict[str, Any]:
    po_number = receipt["purchaseOrder"]["poNumber"]
    lines = []
    for line in receipt["lines"]:
        item: dict[str, Any] = {
            "line": int(line["lineId"]), "orderLine": int(line["poLineId"]),
            "quantity": num(line["receivedQuantity"]["value"]),
            "units": line["receivedQuantity"]["unitCode"],
        }
        if "acceptedQuantity" in line:
            item["custcol_lp_accepted"] = num(line["acceptedQuantity"]["value"])
        if "rejectedQuantity" in line:
            item["custcol_lp_rejected"] = num(line["rejectedQuantity"]["value"])
        if line.get("rejectionReason"):
            item["custcol_lp_reject_code"] = line["rejectionReason"]["code"]
            item["custcol_lp_reject_text"] = line["rejectionReason"]["text"]
        lines.append(item)
    location = receipt["receivingLocation"]
    record: dict[str, Any] = {
        "id": internal_id, "tranId": receipt["receiptId"], "externalId": receipt["receiptId"],
        "createdFrom": ref(ids["purchaseOrder"][po_number], po_number),
        "custbody_lp_po_revision": receipt["purchaseOrder"].get("revision", 1),
        "tranDate": receipt["receivedDate"],
        "location": ref("1", location.get("name", location["locationId"])),
        "custbody_lp_location_code": location["locationId"],
        "voided": receipt["status"] == "reversed",
        "item": {"items": lines},
    }
    if receipt.get("supplier"):
        number = receipt["supplier"]["supplierNumber"]
        record["entity"] = ref(ids["vendor"][number], receipt["supplier"].get("name", number))
    for member, native in (("deliveryNoteNumber", "custbody_lp_delivery_note"),
                           ("receivedAt", "createdDate"),
                           ("receivedBy", "custbody_lp_received_by")):
        if receipt.get(member):
            record[native] = receipt[member]
    return record


def subsidiary(buyer: Mapping[str, Any], account: Mapping[str, str],
               company_code: str) -> dict[str, Any]:
    reg = buyer["taxRegistrations"][0]
    return {"id": SUBSIDIARY_ID, "name": buyer["name"], "externalId": company_code,
            "country": ref(buyer["postalAddress"]["countryCode"],
                           buyer["postalAddress"]["countryCode"]),
            "federalIdNumber": reg["id"], "custrecord_lp_tax_scheme": reg["scheme"],
            "mainAddress": address(buyer["postalAddress"]),
            "currency": currency_ref("EUR"),
            "custrecord_lp_iban": account["iban"], "custrecord_lp_swift": account["bic"]}


def native_world(data: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Every seeded native record by record type; internal ids are assigned in list order
    from a per-type base, so the same seed gives the same ids."""
    from ledgerpact.generators.simulators.behaviours import finance_data

    ids: dict[str, dict[str, str]] = {
        "vendor": {s["supplierNumber"]: str(2001 + i) for i, s in enumerate(data["suppliers"])},
        "department": {c["code"]: str(101 + i) for i, c in enumerate(data["costCentres"])},
        "account": {a["accountNumber"]: str(301 + i) for i, a in enumerate(data["glAccounts"])},
        "salesTaxItem": {t["code"]: str(501 + i) for i, t in enumerate(data["taxCodes"])},
        "purchaseOrder": {p["poNumber"]: str(7001 + i)
                          for i, p in enumerate(data["purchaseOrders"])},
        "itemReceipt": {r["receiptId"]: str(9001 + i)
                        for i, r in enumerate(data["goodsReceipts"])},
    }
    world: dict[str, list[dict[str, Any]]] = {
        "subsidiary": [subsidiary(finance_data.BUYER, finance_data.BUYER_ACCOUNT,
                                  finance_data.COMPANY_CODE)],
        "vendor": [vendor(s, ids["vendor"][s["supplierNumber"]]) for s in data["suppliers"]],
        "department": [department(c, ids["department"][c["code"]], ids["department"])
                       for c in data["costCentres"]],
        "account": [account(a, ids["account"][a["accountNumber"]]) for a in data["glAccounts"]],
        "salesTaxItem": [tax_item(t, ids["salesTaxItem"][t["code"]]) for t in data["taxCodes"]],
        "purchaseOrder": [purchase_order(p, ids["purchaseOrder"][p["poNumber"]], ids)
                          for p in data["purchaseOrders"]],
        "itemReceipt": [item_receipt(r, ids["itemReceipt"][r["receiptId"]], ids)
                        for r in data["goodsReceipts"]
                        if r["purchaseOrder"]["poNumber"] in ids["purchaseOrder"]],
    }
    return world
