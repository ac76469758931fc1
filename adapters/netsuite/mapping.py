"""Canonical <-> NetSuite-style native: the mapping tables and pure record conversions.

Everything the adapter translates lives here as data or pure functions, so tests can check
the tables are total (every canonical value has a native code and back, every native code a
canonical value) and broken variants can swap one table. Money arrives as JSON numbers read
as ``Decimal`` (never float) and leaves as canonical decimal strings at the currency's minor
units; ids map deterministically (``VB-<internal id>`` is a posting, ``VP-`` a payment,
``JE-`` a journal entry; suppliers, orders and codes travel as native external ids).

A native value the tables do not know (an ``entityStatus`` id, a currency, a status code),
a missing external id or an amount with more digits than the currency has is never guessed
at: it raises ``MappingError``, which the adapter answers as a 500 problem
``VENDOR_RESPONSE_UNMAPPED`` naming the record and the value.

The ApprovalState tables (``APPROVAL_STATE_TO_NATIVE``, ``APPROVAL_STATE_FROM_STATUS``,
``approval_state``) are the canonical invoice lifecycle in the vendor's bill fields. No
erp-finance operation or finance-event answers an ApprovalState today (a posting reports
``posted``/``parked``/``reversed``, from ``posting_status``), so the adapter does not call
them when it answers; they are kept, and checked total against the canonical enum and the
native contract's enums by the tests, for the moment an operation reports invoice state
(invoice-automation's lifecycle read from the ERP), so that the mapping exists and is
proven before it is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# --- code tables ----------------------------------------------------------------------

CURRENCY_BY_ID: dict[str, str] = {"1": "USD", "2": "EUR", "3": "GBP", "4": "SEK", "5": "DKK",
                                  "6": "NOK", "7": "CHF", "8": "PLN", "9": "JPY", "10": "BHD"}
CURRENCY_IDS: dict[str, str] = {code: ident for ident, code in CURRENCY_BY_ID.items()}

# The vendor's view of a vendor record, reduced to one native state name.
NATIVE_VENDOR_STATES = ("approved", "on-hold", "inactive", "pending-approval", "rejected")
VENDOR_STATUS_FROM_NATIVE: dict[str, str] = {
    "approved": "active", "on-hold": "blocked", "inactive": "blocked",
    "pending-approval": "pending", "rejected": "blocked"}
# canonical supplier status -> (entityStatus id, payment hold, inactive)
VENDOR_STATUS_TO_NATIVE: dict[str, tuple[str, bool, bool]] = {
    "active": ("2", False, False), "blocked": ("2", True, False), "pending": ("1", False, False)}
ENTITY_STATUS_STATES: dict[str, str] = {"1": "pending-approval", "2": "approved",
                                        "3": "rejected"}

# Canonical invoice lifecycle (ApprovalState) <-> native bill (approvalStatus, status, stage).
# NetSuite-style bills carry approval and payment status; the finer AP-automation stages are a
# workflow stage custom field. Each canonical state has exactly one native triple.
APPROVAL_STATE_TO_NATIVE: dict[str, tuple[str, str, str]] = {
    "received": ("1", "D", "received"),
    "validated": ("1", "D", "validated"),
    "matched": ("1", "D", "matched"),
    "exception": ("1", "D", "exception"),
    "pending-approval": ("1", "D", "approval"),
    "approved": ("2", "D", "approved"),
    "rejected": ("3", "E", "rejected"),
    "posted": ("2", "A", "posted"),
    "scheduled-for-payment": ("2", "A", "in-payment"),
    "paid": ("2", "B", "paid"),
}
NATIVE_APPROVAL_STATUSES = ("1", "2", "3")
NATIVE_BILL_STATUSES = ("A", "B", "C", "D", "E")
# Without a workflow stage, a bill's state follows its approval status and bill status.
APPROVAL_STATE_FROM_STATUS: dict[tuple[str, str], str] = {
    (approval, status): ("rejected" if approval == "3" or status in ("C", "E")
                         else "pending-approval" if approval == "1" or status == "D"
                         else "paid" if status == "B" else "posted")
    for approval in NATIVE_APPROVAL_STATUSES for status in NATIVE_BILL_STATUSES}

PAYMENT_STATUS_FROM_NATIVE: dict[str, str] = {"A": "scheduled", "B": "released",
                                              "C": "settled", "D": "failed", "E": "returned"}
PAYMENT_STATUS_TO_NATIVE: dict[str, str] = {v: k for k, v in PAYMENT_STATUS_FROM_NATIVE.items()}
PAYMENT_EVENTS: dict[str, str] = {"released": "paymentReleased", "settled": "paymentSettled",
                                  "failed": "paymentFailed", "returned": "paymentReturned"}
PO_STATUS_FROM_NATIVE: dict[str, str] = {"A": "draft", "B": "released",
                                         "D": "partially-received", "F": "received",
                                         "H": "closed", "X": "cancelled"}
PO_STATUS_TO_NATIVE: dict[str, str] = {v: k for k, v in PO_STATUS_FROM_NATIVE.items()}
PO_LINE_STATUS_FROM_NATIVE: dict[str, str] = {
    "pendingReceipt": "open", "partiallyReceived": "partially-received",
    "fullyReceived": "received", "closed": "closed", "cancelled": "cancelled"}
ACCOUNT_TYPE_FROM_NATIVE: dict[str, str] = {"OthCurrAsset": "asset",
                                            "OthCurrLiab": "liability", "Equity": "equity",
                                            "Income": "revenue", "Expense": "expense"}
TAX_DIRECTION_FROM_NATIVE: dict[str, str] = {"PURCHASE": "input", "SALE": "output"}
ACCOUNTING_BOOKS: dict[str, str] = {"1": "0L"}
BANK_FIELDS: dict[str, str] = {"iban": "iban", "bic": "swiftCode", "accountName": "accountName",
                               "accountId": "accountNumber", "accountIdScheme": "accountNumberType",
                               "bankCode": "bankCode"}
SYSTEM = "netsuite"

_POSTING = re.compile(r"^VB-([0-9]{1,18})$")
_PAYMENT = re.compile(r"^VP-([0-9]{1,18})$")
_ENTRY = re.compile(r"^JE-([0-9]{1,18})$")


class MappingError(ValueError):
    """A native value the adapter cannot map to canonical without guessing."""


def lookup(table: Mapping[str, str], value: Any, what: str) -> str:
    """``table[value]``, or MappingError naming what was looked up."""
    key = str(value)
    if key not in table:
        raise MappingError(f"unknown {what} {key!r} (known: {', '.join(sorted(table))})")
    return table[key]


def required(record: Mapping[str, Any], member: str, what: str) -> Any:
    """``record[member]`` when present and not empty, or MappingError."""
    value = record.get(member)
    if value is None or value == "":
        raise MappingError(f"{what} {record.get('id', '?')} has no {member}")
    return value


@dataclass(frozen=True)
class Tables:
    """The tables one adapter instance maps with (a broken variant swaps one)."""

    vendor_status_from_native: Mapping[str, str] = field(
        default_factory=lambda: dict(VENDOR_STATUS_FROM_NATIVE))
    keep_tax_lines: bool = True


# --- ids ------------------------------------------------------------------------------

def posting_id(internal_id: str) -> str:
    return f"VB-{internal_id}"


def payment_id(internal_id: str) -> str:
    return f"VP-{internal_id}"


def entry_id(internal_id: str) -> str:
    return f"JE-{internal_id}"


def internal_id(canonical: str, kind: str) -> str | None:
    """The native internal id in a canonical posting/payment/journal entry id, or None."""
    pattern = {"posting": _POSTING, "payment": _PAYMENT, "entry": _ENTRY}[kind]
    found = pattern.match(canonical)
    return found.group(1) if found else None


def external_ids(ident: str, object_type: str) -> list[dict[str, str]]:
    return [{"system": SYSTEM, "id": ident, "objectType": object_type}]


# --- money ----------------------------------------------------------------------------

def decimal(value: Any) -> Decimal:
    """A native JSON number (read as Decimal or int, never float) as Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise TypeError(f"expected an exact number, got {type(value).__name__}")
    return Decimal(value) if not isinstance(value, Decimal) else value


def amount_text(value: Any, currency: str, minor_units: Mapping[str, int]) -> str:
    """The amount at the currency's minor units. Extra digits that are zeros go; extra
    non-zero digits are an amount the currency cannot hold, refused rather than rounded."""
    exact = decimal(value)
    if not exact.is_finite():
        raise MappingError(f"amount {value} is not a finite number")
    if currency not in minor_units:
        raise MappingError(f"currency {currency!r} has no minor units in erp-finance")
    scale = Decimal(1).scaleb(-minor_units[currency])
    quantized = exact.quantize(scale, rounding=ROUND_HALF_EVEN)
    if quantized != exact:
        raise MappingError(f"amount {value} {currency} has more than "
                           f"{minor_units[currency]} decimal places")
    return format(quantized, "f")


def money(value: Any, currency: str, minor_units: Mapping[str, int]) -> dict[str, str]:
    return {"amount": amount_text(value, currency, minor_units), "currency": currency}


def number_text(value: Any) -> str:
    """A quantity or rate as a canonical decimal string, digits kept."""
    return format(decimal(value), "f")


def currency_of(ref: Mapping[str, Any] | None) -> str:
    if not ref:
        raise MappingError("a record has no currency reference")
    return lookup(CURRENCY_BY_ID, ref.get("id"), "currency id")


# --- statuses -------------------------------------------------------------------------

def native_vendor_state(vendor: Mapping[str, Any]) -> str:
    if vendor.get("isInactive"):
        return "inactive"
    state = lookup(ENTITY_STATUS_STATES, (vendor.get("entityStatus") or {}).get("id"),
                   f"entityStatus id of vendor {vendor.get('id', '?')}")
    if state == "approved" and vendor.get("custentity_lp_payment_hold"):
        return "on-hold"
    return state


def supplier_number(vendor: Mapping[str, Any]) -> str:
    """The canonical supplier number: the vendor's external id (never its entityId, a
    display name the vendor may change)."""
    return str(required(vendor, "externalId", "vendor"))


def supplier_status(vendor: Mapping[str, Any], tables: Tables) -> str:
    return lookup(tables.vendor_status_from_native, native_vendor_state(vendor),
                  "native vendor state")


def approval_state(bill: Mapping[str, Any]) -> str:
    stage = bill.get("custbody_lp_wf_stage")
    if stage is not None:
        for state, triple in APPROVAL_STATE_TO_NATIVE.items():
            if triple[2] == stage:
                return state
        raise MappingError(f"unknown workflow stage {stage!r} of bill {bill.get('id', '?')}")
    key = (str(bill.get("approvalStatus", {}).get("id")), str(bill.get("status", {}).get("id")))
    if key not in APPROVAL_STATE_FROM_STATUS:
        raise MappingError(f"unknown (approvalStatus, status) {key} of bill "
                           f"{bill.get('id', '?')}")
    return APPROVAL_STATE_FROM_STATUS[key]


def posting_status(bill: Mapping[str, Any]) -> str:
    """erp-finance's posting status: in the ledger, parked (not approved) or reversed."""
    if bill.get("status", {}).get("id") == "C":
        return "reversed"
    return "posted" if bill.get("approvalStatus", {}).get("id") == "2" else "parked"


def reference_status(record: Mapping[str, Any], blocked_field: str) -> str:
    if record.get(blocked_field):
        return "blocked"
    return "inactive" if record.get("isInactive") else "active"


# --- records: native -> canonical -----------------------------------------------------

def address(native: Mapping[str, Any]) -> dict[str, Any]:
    lines = [native[k] for k in ("addr1", "addr2", "addr3") if native.get(k)]
    out: dict[str, Any] = {"lines": lines} if lines else {}
    if native.get("city"):
        out["city"] = native["city"]
    if native.get("zip"):
        out["postalCode"] = native["zip"]
    out["countryCode"] = native.get("country", {}).get("id")
    return out


def bank_account(native: Mapping[str, Any]) -> dict[str, Any]:
    out = {canonical: native[field_] for canonical, field_ in BANK_FIELDS.items()
           if field_ in native}
    if native.get("currency"):
        out["currency"] = currency_of(native["currency"])
    return out


def supplier(vendor: Mapping[str, Any], tables: Tables) -> dict[str, Any]:
    out: dict[str, Any] = {"supplierNumber": supplier_number(vendor),
                           "name": vendor["companyName"]}
    regs = vendor.get("taxRegistration", {}).get("items", [])
    if regs:
        out["taxRegistrations"] = [
            {"scheme": r.get("custrecord_lp_scheme", "VAT"), "id": r["taxRegistrationNumber"],
             **({"countryCode": r["nexusCountry"]["id"]} if r.get("nexusCountry") else {})}
            for r in regs]
    if vendor.get("custentity_lp_peppol_id"):
        out["electronicAddress"] = {"id": vendor["custentity_lp_peppol_id"],
                                    "scheme": vendor.get("custentity_lp_peppol_scheme", "0088")}
    book = vendor.get("addressBook", {}).get("items", [])
    billing = next((a for a in book if a.get("defaultBilling")), book[0] if book else None)
    if billing is not None:
        out["postalAddress"] = address(billing["addressBookAddress"])
    if vendor.get("contactList", {}).get("items"):
        out["contacts"] = [dict(c) for c in vendor["contactList"]["items"]]
    if vendor.get("bankDetails", {}).get("items"):
        out["bankAccounts"] = [bank_account(b) for b in vendor["bankDetails"]["items"]]
    out["status"] = supplier_status(vendor, tables)
    if vendor.get("custentity_lp_status_reason"):
        out["statusReason"] = vendor["custentity_lp_status_reason"]
    terms = _terms(vendor)
    if terms:
        out["paymentTerms"] = terms
    if vendor.get("currency"):
        out["defaultCurrency"] = currency_of(vendor["currency"])
    if vendor.get("custentity_lp_payment_means"):
        out["defaultPaymentMeansCode"] = vendor["custentity_lp_payment_means"]
    if vendor.get("custentity_lp_spend_categories", {}).get("items"):
        out["categories"] = [c["refName"] for c in
                             vendor["custentity_lp_spend_categories"]["items"]]
    out["externalIds"] = external_ids(vendor["id"], "vendor")
    if vendor.get("dateCreated"):
        out["onboardedAt"] = vendor["dateCreated"]
    return out


def _terms(vendor: Mapping[str, Any]) -> dict[str, Any]:
    terms: dict[str, Any] = {}
    days = vendor.get("custentity_lp_net_days")
    name = vendor.get("terms", {}).get("refName")
    if name and name != f"Net {days}":
        terms["description"] = name
    if days is not None:
        terms["netDays"] = int(days)
    if vendor.get("custentity_lp_terms_baseline"):
        terms["baseline"] = vendor["custentity_lp_terms_baseline"]
    discounts = vendor.get("custentity_lp_discounts", {}).get("items", [])
    if discounts:
        terms["discounts"] = [{"percentage": number_text(d["discountPercent"]),
                               "withinDays": int(d["daysUntilExpiry"])} for d in discounts]
    return terms


def supplier_status_body(vendor: Mapping[str, Any], tables: Tables) -> dict[str, Any]:
    body: dict[str, Any] = {"supplierNumber": supplier_number(vendor),
                            "status": supplier_status(vendor, tables),
                            "since": vendor.get("custentity_lp_status_since")
                            or vendor.get("lastModifiedDate") or vendor.get("dateCreated")}
    if vendor.get("custentity_lp_status_reason"):
        body["reason"] = vendor["custentity_lp_status_reason"]
    return body


def cost_centre(dept: Mapping[str, Any], codes: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"code": dept.get("externalId") or dept["name"], "name": dept["name"]}
    if dept.get("description"):
        out["description"] = dept["description"]
    if dept.get("custrecord_lp_company_code"):
        out["companyCode"] = dept["custrecord_lp_company_code"]
    parent = dept.get("parent")
    if parent and str(parent.get("id")) in codes:
        out["parentCode"] = codes[str(parent["id"])]
    if dept.get("custrecord_lp_owner"):
        out["responsible"] = dept["custrecord_lp_owner"]
    if dept.get("currency"):
        out["currency"] = currency_of(dept["currency"])
    out["status"] = reference_status(dept, "custrecord_lp_posting_blocked")
    out["validFrom"] = dept.get("custrecord_lp_valid_from", "1900-01-01")
    if dept.get("custrecord_lp_valid_to"):
        out["validTo"] = dept["custrecord_lp_valid_to"]
    out["externalIds"] = external_ids(dept["id"], "department")
    return out


def gl_account(acct: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"accountNumber": acct["acctNumber"], "name": acct["acctName"]}
    if acct.get("description"):
        out["description"] = acct["description"]
    if acct.get("custrecord_lp_chart"):
        out["chartOfAccounts"] = acct["custrecord_lp_chart"]
    out["type"] = lookup(ACCOUNT_TYPE_FROM_NATIVE, acct["acctType"]["id"], "account type")
    if acct.get("currency"):
        out["currency"] = currency_of(acct["currency"])
    if not acct.get("custrecord_lp_posting_unset"):
        out["postingAllowed"] = not acct.get("isSummary", False)
    out["status"] = reference_status(acct, "custrecord_lp_posting_locked")
    for native, canonical in (("custrecord_lp_valid_from", "validFrom"),
                              ("custrecord_lp_valid_to", "validTo")):
        if acct.get(native):
            out[canonical] = acct[native]
    return out


def tax_code(item: Mapping[str, Any]) -> dict[str, Any]:
    jurisdiction: dict[str, Any] = {"countryCode": item["country"]["id"]}
    if item.get("custrecord_lp_subdivision"):
        jurisdiction["subdivisionCode"] = item["custrecord_lp_subdivision"]
    out: dict[str, Any] = {"code": item["itemId"], "jurisdiction": jurisdiction}
    if item.get("description"):
        out["description"] = item["description"]
    if item.get("taxType"):
        out["taxScheme"] = item["taxType"].get("refName") or item["taxType"]["id"]
    out["category"] = item.get("custrecord_lp_category", "S")
    if "rate" in item:
        out["rate"] = number_text(item["rate"])
    for native, canonical in (("custrecord_lp_exemption_code", "exemptionReasonCode"),
                              ("custrecord_lp_exemption_reason", "exemptionReason")):
        if item.get(native):
            out[canonical] = item[native]
    out["direction"] = lookup(TAX_DIRECTION_FROM_NATIVE, item["available"], "tax availability")
    out["status"] = reference_status(item, "custrecord_lp_blocked")
    out["validFrom"] = item.get("effectiveFrom", "1900-01-01")
    if item.get("validUntil"):
        out["validTo"] = item["validUntil"]
    out["externalIds"] = external_ids(item["id"], "salesTaxItem")
    return out


@dataclass
class Book:
    """Internal id -> canonical key of the master records a transaction references."""

    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> vendor record
    departments: dict[str, str] = field(default_factory=dict)  # id -> cost centre code
    accounts: dict[str, str] = field(default_factory=dict)  # id -> GL account number
    taxes: dict[str, str] = field(default_factory=dict)  # id -> tax code
    orders: dict[str, str] = field(default_factory=dict)  # id -> PO number
    subsidiaries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def supplier_number(self, entity: Mapping[str, Any]) -> str:
        vendor = self.vendors.get(str(entity.get("id")))
        if vendor is None:
            raise MappingError(f"vendor {entity.get('id')} referenced by a transaction was "
                               "not read from the vendor")
        return supplier_number(vendor)

    def party(self, subsidiary_ref: Mapping[str, Any]) -> dict[str, Any]:
        sub = self.subsidiaries.get(str(subsidiary_ref.get("id")), {})
        party: dict[str, Any] = {"name": sub.get("name", subsidiary_ref.get("refName", ""))}
        if sub.get("federalIdNumber"):
            party["taxRegistrations"] = [{"scheme": sub.get("custrecord_lp_tax_scheme", "VAT"),
                                          "id": sub["federalIdNumber"],
                                          "countryCode": sub["country"]["id"]}]
        if sub.get("mainAddress"):
            party["postalAddress"] = address(sub["mainAddress"])
        return party


def purchase_order(po: Mapping[str, Any], book: Book,
                   minor_units: Mapping[str, int]) -> dict[str, Any]:
    currency = currency_of(po["currency"])
    lines = []
    for line in po["item"]["items"]:
        item = {"name": line["item"]["refName"],
                "buyerItemId": line.get("custcol_lp_item_code") or f"MAT-{line['item']['id']}"}
        out: dict[str, Any] = {
            "lineId": str(line["line"]), "item": item,
            "quantity": {"value": number_text(line["quantity"]), "unitCode": line["units"]},
            "unitPrice": money(line["rate"], currency, minor_units),
            "netAmount": money(line["amount"], currency, minor_units)}
        if line.get("expectedReceiptDate"):
            out["deliveryDate"] = line["expectedReceiptDate"]
        if line.get("department"):
            out["costCentre"] = book.departments.get(str(line["department"]["id"]))
        if line.get("account"):
            out["glAccount"] = book.accounts.get(str(line["account"]["id"]))
        if line.get("taxCode"):
            out["taxCode"] = book.taxes.get(str(line["taxCode"]["id"]))
        out["status"] = lookup(PO_LINE_STATUS_FROM_NATIVE,
                               line.get("custcol_lp_line_status", "pendingReceipt"),
                               "purchase order line status")
        lines.append({k: v for k, v in out.items() if v is not None})
    totals: dict[str, Any] = {"netTotal": money(po["subtotal"], currency, minor_units)}
    if "taxTotal" in po:
        totals["taxTotal"] = money(po["taxTotal"], currency, minor_units)
    if "total" in po:
        totals["grossTotal"] = money(po["total"], currency, minor_units)
    out = {"poNumber": po["tranId"], "revision": int(po.get("custbody_lp_revision", 1)),
           "buyer": book.party(po.get("subsidiary", {})),
           "supplier": {"supplierNumber": book.supplier_number(po["entity"]),
                        "name": po["entity"].get("refName", "")},
           "orderDate": po["tranDate"], "currency": currency,
           "status": lookup(PO_STATUS_FROM_NATIVE, po["status"]["id"], "purchase order status")}
    if po.get("terms", {}).get("refName"):
        out["paymentTerms"] = po["terms"]["refName"]
    if po.get("shippingAddress"):
        out["deliveryAddress"] = {"purpose": "delivery", **address(po["shippingAddress"])}
    out["lines"] = lines
    out["totals"] = totals
    out["externalIds"] = external_ids(po["id"], "purchaseOrder")
    if po.get("createdDate"):
        out["createdAt"] = po["createdDate"]
    return out


def goods_receipt(receipt: Mapping[str, Any], book: Book) -> dict[str, Any]:
    lines = []
    for line in receipt["item"]["items"]:
        unit = line.get("units", "C62")
        out: dict[str, Any] = {
            "lineId": str(line["line"]), "poLineId": str(line["orderLine"]),
            "receivedQuantity": {"value": number_text(line["quantity"]), "unitCode": unit}}
        if "custcol_lp_accepted" in line:
            out["acceptedQuantity"] = {"value": number_text(line["custcol_lp_accepted"]),
                                       "unitCode": unit}
        if "custcol_lp_rejected" in line:
            out["rejectedQuantity"] = {"value": number_text(line["custcol_lp_rejected"]),
                                       "unitCode": unit}
        if line.get("custcol_lp_reject_code"):
            out["rejectionReason"] = {"code": line["custcol_lp_reject_code"],
                                      "text": line.get("custcol_lp_reject_text", "")}
        lines.append(out)
    po_id = str(receipt["createdFrom"]["id"])
    out_receipt: dict[str, Any] = {
        "receiptId": receipt["tranId"],
        "purchaseOrder": {"poNumber": book.orders.get(po_id, receipt["createdFrom"]
                                                      .get("refName", po_id)),
                          "revision": int(receipt.get("custbody_lp_po_revision", 1))}}
    if receipt.get("entity"):
        out_receipt["supplier"] = {"supplierNumber": book.supplier_number(receipt["entity"]),
                                   "name": receipt["entity"].get("refName", "")}
    if receipt.get("custbody_lp_delivery_note"):
        out_receipt["deliveryNoteNumber"] = receipt["custbody_lp_delivery_note"]
    out_receipt["receivedDate"] = receipt["tranDate"]
    if receipt.get("createdDate"):
        out_receipt["receivedAt"] = receipt["createdDate"]
    out_receipt["receivingLocation"] = {
        "locationId": receipt.get("custbody_lp_location_code") or receipt["location"]["id"],
        "name": receipt["location"].get("refName", "")}
    if receipt.get("custbody_lp_received_by"):
        out_receipt["receivedBy"] = receipt["custbody_lp_received_by"]
    out_receipt["status"] = "reversed" if receipt.get("voided") else "posted"
    out_receipt["lines"] = lines
    out_receipt["externalIds"] = external_ids(receipt["id"], "itemReceipt")
    return out_receipt


def period(bill_or_entry: Mapping[str, Any]) -> dict[str, int]:
    ident = str(bill_or_entry["postingPeriod"]["id"])
    return {"fiscalYear": int(ident[:4]), "period": int(ident[4:])}


def posting(bill: Mapping[str, Any], book: Book) -> dict[str, Any]:
    when = period(bill)
    out: dict[str, Any] = {
        "postingId": posting_id(bill["id"]), "status": posting_status(bill),
        "documentNumber": bill["tranId"], "supplierNumber": book.supplier_number(bill["entity"]),
        "postingDate": bill["tranDate"], "fiscalYear": when["fiscalYear"],
        "fiscalPeriod": when["period"], "postedAt": bill["createdDate"]}
    if bill.get("custbody_lp_gl_impact"):
        out["journalEntryId"] = entry_id(str(bill["custbody_lp_gl_impact"]["id"]))
    out["externalIds"] = external_ids(bill["id"], "vendorBill")
    return out


def journal_entry(entry: Mapping[str, Any], bill: Mapping[str, Any] | None, book: Book,
                  minor_units: Mapping[str, int]) -> dict[str, Any]:
    currency = currency_of(entry["currency"])
    lines = []
    for row in entry["line"]["items"]:
        debit = "debit" in row
        line: dict[str, Any] = {
            "lineNumber": int(row["line"]),
            "glAccount": book.accounts.get(str(row["account"]["id"]),
                                           row["account"].get("refName")),
            "side": "debit" if debit else "credit",
            "amount": money(row["debit" if debit else "credit"], currency, minor_units),
            "description": row.get("memo") or "-"}
        if row.get("department"):
            line["costCentre"] = book.departments.get(str(row["department"]["id"]))
        if row.get("taxCode"):
            line["taxCode"] = book.taxes.get(str(row["taxCode"]["id"]))
        lines.append({k: v for k, v in line.items() if v is not None})
    out: dict[str, Any] = {"entryId": entry_id(entry["id"])}
    sub = book.subsidiaries.get(str(entry.get("subsidiary", {}).get("id")), {})
    if sub.get("externalId"):
        out["companyCode"] = sub["externalId"]
    book_id = str(entry.get("accountingBook", {}).get("id", "1"))
    out.update(ledger=ACCOUNTING_BOOKS.get(book_id, book_id), postingPeriod=period(entry),
               postingDate=entry["tranDate"],
               documentDate=entry.get("custbody_lp_document_date", entry["tranDate"]),
               currency=currency,
               status="reversed" if entry.get("voided") else
               "posted" if entry.get("approved") else "draft")
    if bill is not None:
        number = bill["tranId"]
        doc_id = bill.get("externalId") or number
        credit = bool(bill.get("custbody_lp_credit_note"))
        out["source"] = {"documentType": "credit-note" if credit else "invoice",
                         "documentId": doc_id, "documentNumber": number,
                         "system": "invoice-automation" if doc_id != number else "erp-finance"}
    if entry.get("memo"):
        out["description"] = entry["memo"]
    out["lines"] = lines
    return out


def payment(native: Mapping[str, Any], vendor: Mapping[str, Any], book: Book,
            bank_account_record: Mapping[str, Any], minor_units: Mapping[str, int]
            ) -> dict[str, Any]:
    currency = currency_of(native["currency"])
    amount = money(native["total"], currency, minor_units)
    creditor: dict[str, Any] = {"name": vendor.get("companyName", native["entity"]["refName"])}
    book_items = vendor.get("addressBook", {}).get("items", [])
    if book_items:
        creditor["postalAddress"] = address(book_items[0]["addressBookAddress"])
    applied = native["apply"]["items"][0]
    history = []
    for entry in native.get("custbody_lp_status_history", {}).get("items", []):
        item: dict[str, Any] = {"status": lookup(PAYMENT_STATUS_FROM_NATIVE,
                                                 entry["status"]["id"], "payment status"),
                                "at": entry["at"]}
        reason = _reason(entry)
        if reason:
            item["reason"] = reason
        history.append(item)
    out: dict[str, Any] = {
        "paymentId": payment_id(native["id"]),
        "paymentInformationId": native.get("custbody_lp_pmt_inf_id"),
        "instructionId": native.get("custbody_lp_instruction_id"),
        "endToEndId": native.get("custbody_lp_end_to_end_id") or native["tranId"],
        "uetr": native.get("custbody_lp_uetr"),
        "debtor": book.party(native.get("subsidiary", {})),
        "debtorAccount": {"iban": bank_account_record.get("custrecord_lp_iban"),
                          "bic": bank_account_record.get("custrecord_lp_swift")},
        "creditor": creditor,
        "creditorAccount": bank_account(native.get("custbody_lp_payee_bank", {})),
        "amount": amount, "requestedExecutionDate": native["tranDate"],
        "chargeBearer": native.get("custbody_lp_charge_bearer", "SHAR"),
        "remittanceInformation": {"structured": [{
            "referredDocument": {"type": "CINV", "number": str(applied["refNum"])[:35],
                                 "id": applied.get("custcol_lp_doc_external_id",
                                                   applied["refNum"]),
                                 "relatedDate": applied.get("custcol_lp_doc_date")},
            "remittedAmount": money(applied["amount"], currency, minor_units)}]},
        "status": lookup(PAYMENT_STATUS_FROM_NATIVE, native["status"]["id"], "payment status"),
        "statusHistory": history,
    }
    out["debtorAccount"] = {k: v for k, v in out["debtorAccount"].items() if v}
    if out["status"] == "failed":
        out["statusReason"] = _reason(native) or {"code": "NARR"}
    if native.get("custbody_lp_value_date") and out["status"] in ("settled", "returned"):
        out["valueDate"] = native["custbody_lp_value_date"]
        out["bookingDate"] = native["custbody_lp_value_date"]
    referred = out["remittanceInformation"]["structured"][0]["referredDocument"]
    if referred["relatedDate"] is None:
        del referred["relatedDate"]
    return {k: v for k, v in out.items() if v is not None}


def _reason(native: Mapping[str, Any]) -> dict[str, str]:
    reason: dict[str, str] = {}
    code = native.get("custbody_lp_reject_code") or native.get("reasonCode")
    text = native.get("custbody_lp_reject_reason") or native.get("reason")
    if code:
        reason["code"] = str(code)
    if text:
        reason["proprietary"] = str(text)
    return reason
