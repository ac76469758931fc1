"""Canonical <-> SAP-native mapping: ids, statuses, money, tax, dates, whole records.

Pure functions and tables only, so every rule of the translation can be read, tested for
totality and swapped (the broken variants of the mutation proof are a changed table or a
subclass of ``Mapping``), with no I/O in the way. Native records are the OData ``d``
payloads of the ``sap-s4hana-odata`` contract; canonical ones are erp-finance's schemas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ledgerpact.generators.simulators.behaviours import finance_data
from ledgerpact.generators.simulators.behaviours.erp_payments import timestamp

SAP = "sap-s4"
END_OF_TIME = date(9999, 12, 31)
_DATE = re.compile(r"^/Date\((-?\d+)\)/$")

# --- tables (total: tests enumerate both sides) ------------------------------------------

# canonical supplier status -> native flags (PostingIsBlocked, PaymentIsBlocked,
# SupplierIsNotReleased)
SUPPLIER_FLAGS: dict[str, tuple[bool, bool, bool]] = {
    "active": (False, False, False),
    "blocked": (True, True, False),
    "pending": (False, False, True),
}
# canonical ApprovalState -> native SupplierInvoiceStatus code. What these two tables serve:
# erp-finance has no operation that reports an ApprovalState (a posting's status is
# posted|parked|reversed, from POSTING_STATUS), so the adapter does not read them at run
# time today; they are the declared translation of the invoice lifecycle, tested total over
# the canonical ApprovalState enum and over the native contract's closed
# SupplierInvoiceStatus enum, for the operations and events that will carry it.
INVOICE_STATUS: dict[str, str] = {
    "received": "1", "validated": "2", "matched": "3", "exception": "E",
    "pending-approval": "A", "approved": "B", "rejected": "R", "posted": "5",
    "scheduled-for-payment": "S", "paid": "P",
}
# native codes with no state of their own: "4" posted but blocked for payment (a hold is not
# a state), "X" reversed (the liability was cancelled by a reversal; the lifecycle ends as
# posted and a credit note carries on)
NATIVE_INVOICE_STATUS: dict[str, str] = {
    **{code: state for state, code in INVOICE_STATUS.items()}, "4": "posted", "X": "posted"}
# native SupplierInvoiceStatus -> erp-finance InvoicePosting.status
POSTING_STATUS: dict[str, str] = {"1": "parked", "2": "parked", "3": "parked", "E": "parked",
                                  "A": "parked", "B": "parked", "R": "parked", "5": "posted",
                                  "4": "posted", "S": "posted", "P": "posted", "X": "reversed"}
# canonical payment status <-> native payment run status
PAYMENT_STATUS: dict[str, str] = {"scheduled": "01", "released": "02", "settled": "03",
                                  "failed": "04", "returned": "05"}
NATIVE_PAYMENT_STATUS: dict[str, str] = {code: s for s, code in PAYMENT_STATUS.items()}
# canonical purchase order / line statuses <-> native codes
PO_STATUS: dict[str, str] = {"01": "draft", "05": "released", "07": "partially-received",
                             "08": "received", "09": "closed", "10": "cancelled"}
PO_ITEM_STATUS: dict[str, str] = {"A": "open", "B": "partially-received", "C": "received",
                                  "D": "closed", "L": "cancelled"}
PAYMENT_MEANS: dict[str, str] = {"T": "58", "U": "30", "B": "42", "E": "49", "D": "59",
                                 "X": "1"}
BASELINE: dict[str, str] = {"B": "invoice-date", "R": "receipt-date", "M": "end-of-month",
                            "L": "delivery-date"}
TAX_SCHEME: dict[str, str] = {"0": "VAT", "1": "GST", "2": "JCT", "3": "SST", "4": "TIN"}
# canonical VAT category (UNCL 5305) <-> native tax code category
TAX_CATEGORY: dict[str, str] = {"S": "STD", "Z": "ZERO", "E": "EXMPT", "AE": "REVCH",
                                "O": "OUTSC", "K": "INTRA", "G": "EXPRT", "L": "CANRY",
                                "M": "IPSI"}
NATIVE_TAX_CATEGORY: dict[str, str] = {v: k for k, v in TAX_CATEGORY.items()}
GL_GROUP: dict[str, str] = {"ASST": "asset", "LIAB": "liability", "EQTY": "equity",
                            "EXPN": "expense", "REVN": "revenue"}


class MappingError(ValueError):
    """A native value the tables do not know: the adapter answers 500, never a guess."""


def lookup(table: Mapping[str, str], value: Any, what: str) -> str:
    try:
        return table[str(value)]
    except KeyError:
        raise MappingError(f"unknown native {what} {value!r}") from None


# --- ids ---------------------------------------------------------------------------------

def supplier_key(number: str) -> str | None:
    """V-100001 -> 0000100001; None for a number the vendor cannot hold."""
    m = re.fullmatch(r"V-(\d{1,10})", number)
    return m.group(1).zfill(10) if m else None


def supplier_number(key: str) -> str:
    return f"V-{int(key)}"


def cost_center_key(code: str) -> str | None:
    m = re.fullmatch(r"CC-(\d{1,10})", code)
    return m.group(1).zfill(10) if m else None


def cost_centre_code(key: str) -> str:
    return f"CC-{int(key)}"


def gl_key(number: str) -> str | None:
    return number.zfill(10) if number.isdigit() and len(number) <= 10 else None


def gl_number(key: str) -> str:
    return str(int(key))


def tax_key(code: str) -> tuple[str, str] | None:
    country, sep, native = code.partition("-")
    ok = sep and re.fullmatch(r"[A-Z]{2}", country) and re.fullmatch(r"[A-Z0-9]{2}", native)
    return (country, native) if ok else None


def tax_code_id(country: str, code: str) -> str | None:
    return f"{country}-{code}" if country and code else None


def numbered(prefix: str, year: str | int, native: str, width: int) -> str:
    """5100000007 of 2026 -> PST-2026-000007. The canonical id keeps only the running part,
    so it is lossless only inside the one number range the prefix stands for: a document
    of another range (or a running part too long for ``width``) is refused, not folded
    onto an id that ``native_number`` would take back to a different document."""
    lead = _LEADS.get(prefix)
    text = str(native)
    if (lead is None or len(text) != 10 or not text.isdigit() or not text.startswith(lead)
            or len(str(int(text[2:]))) > max(width, 8)):
        raise MappingError(f"{prefix} document number {native!r} is outside the number range "
                           f"{lead or '?'}xxxxxxxx the adapter maps")
    return f"{prefix}-{int(year):04d}-{int(text[2:]):0{width}d}"


def native_number(canonical: str, prefix: str, lead: str) -> tuple[str, str] | None:
    """PST-2026-000007 -> ("5100000007", "2026"); None when not one of ours."""
    m = re.fullmatch(rf"{prefix}-(\d{{4}})-(\d{{1,8}})", canonical)
    return (f"{lead}{int(m.group(2)):08d}", m.group(1)) if m else None


POSTING = ("PST", "51", 6)
JOURNAL = ("JE", "19", 7)
PAYMENT = ("PAY", "15", 6)
_LEADS = {prefix: lead for prefix, lead, _ in (POSTING, JOURNAL, PAYMENT)}


# --- values ------------------------------------------------------------------------------

def day(value: str) -> str:
    m = _DATE.match(value)
    if m is None:
        raise MappingError(f"not an OData date: {value!r}")
    return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC).date().isoformat()


def epoch_ms(value: str) -> int:
    """/Date(ms)/ as its milliseconds (exact, for comparing instants)."""
    m = _DATE.match(str(value))
    if m is None:
        raise MappingError(f"not an OData date: {value!r}")
    return int(m.group(1))


def instant(value: str) -> str:
    m = _DATE.match(value)
    if m is None:
        raise MappingError(f"not an OData date: {value!r}")
    return timestamp(datetime.fromtimestamp(int(m.group(1)) / 1000, tz=UTC))


def odata_date(iso_day: str) -> str:
    d = date.fromisoformat(iso_day)
    return f"/Date({int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1000})/"


def rate(value: str) -> str:
    """19.000 -> 19, 5.500 -> 5.5: the canonical percentage, exact."""
    try:
        return format(Decimal(value).normalize(), "f")
    except InvalidOperation:
        raise MappingError(f"not a decimal: {value!r}") from None


_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.([0-9]+))?$")


@lru_cache(maxsize=1)
def _minor_units() -> dict[str, int]:
    return finance_data.contract_minor_units(finance_data.erp_document())


def money(amount: Any, currency: Any) -> dict[str, str]:
    """A native Edm.Decimal and its currency field as canonical Money, digits kept. Only a
    plain decimal with no more fraction digits than the currency has passes: "NaN",
    "Infinity", "1E+3" or a third cent digit would be money the canonical side cannot hold,
    and passing it on would be a guess."""
    text = str(amount) if isinstance(amount, str | Decimal) else None
    m = _DECIMAL.match(text) if text is not None else None
    if text is None or m is None:
        raise MappingError(f"not a plain decimal amount: {amount!r}")
    minor = _minor_units().get(str(currency))
    fraction = m.group(3) or ""
    if minor is not None and len(fraction) > minor:
        raise MappingError(f"amount {text} {currency} has more than {minor} decimals")
    return {"amount": text, "currency": str(currency)}


def unit_price(amount: Any, currency: Any) -> dict[str, str]:
    """A native price as canonical UnitPrice: a plain non-negative decimal, any number of
    decimals (item prices may be finer than the currency's minor unit)."""
    text = str(amount) if isinstance(amount, str | Decimal) else None
    if text is None or _DECIMAL.match(text) is None or text.startswith("-"):
        raise MappingError(f"not a plain non-negative decimal price: {amount!r}")
    return {"amount": text, "currency": str(currency)}


def valid_to(native: Mapping[str, Any]) -> str | None:
    end = native.get("ValidityEndDate")
    if not end:
        return None
    text = day(end)
    return None if text == END_OF_TIME.isoformat() else text


def results(native: Mapping[str, Any], nav: str) -> list[dict[str, Any]]:
    value = native.get(nav) or {}
    rows = value.get("results", []) if isinstance(value, Mapping) else value
    return [dict(r) for r in rows]


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        target[name] = value


def address(lines: str, city: str, postal: str, country: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "lines", [ln for ln in lines.split("\n") if ln] if lines else [])
    _put(out, "city", city)
    _put(out, "postalCode", postal)
    _put(out, "countryCode", country)
    return out


class Mapper:
    """Native records to canonical ones. A class (not module functions) so a broken
    variant can override one rule and keep the rest."""

    def supplier_status(self, native: Mapping[str, Any]) -> str:
        """Blocks win over onboarding: a supplier that is blocked is blocked whether or not
        it was ever released."""
        if native.get("PostingIsBlocked") or native.get("PaymentIsBlocked"):
            return "blocked"
        if native.get("SupplierIsNotReleased"):
            return "pending"
        return "active"

    def supplier(self, n: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"supplierNumber": supplier_number(n["Supplier"]),
                               "name": n["SupplierName"]}
        _put(out, "taxRegistrations", [
            {"scheme": lookup(TAX_SCHEME, t["BPTaxType"][2:], "tax number type"),
             "id": t["BPTaxNumber"], "countryCode": t["BPTaxType"][:2]}
            for t in results(n, "to_BusinessPartnerTaxNumber")])
        if n.get("ElectronicAddress"):
            out["electronicAddress"] = {"id": n["ElectronicAddress"],
                                        "scheme": n.get("ElectronicAddressScheme") or "0088"}
        _put(out, "postalAddress", address(n.get("StreetName", ""), n.get("CityName", ""),
                                           n.get("PostalCode", ""), n.get("Country", "")))
        contacts = []
        for c in results(n, "to_BusinessPartnerContact"):
            contact: dict[str, Any] = {}
            _put(contact, "name", c.get("ContactPersonName"))
            _put(contact, "email", c.get("EmailAddress"))
            _put(contact, "phone", c.get("PhoneNumber"))
            contacts.append(contact)
        _put(out, "contacts", contacts)
        _put(out, "bankAccounts", [self.bank_account(b) for b in
                                   results(n, "to_SupplierBankDetails")])
        out["status"] = self.supplier_status(n)
        _put(out, "statusReason", n.get("SupplierBlockReasonText")
             if out["status"] != "active" else None)
        terms: dict[str, Any] = {}
        _put(terms, "netDays", n.get("NetPaymentDays"))
        if n.get("BaselineDateType"):
            terms["baseline"] = lookup(BASELINE, n["BaselineDateType"], "baseline date type")
        if n.get("CashDiscount1Percent"):
            terms["discounts"] = [{"percentage": rate(n["CashDiscount1Percent"]),
                                   "withinDays": n.get("CashDiscount1Days", 0)}]
        _put(out, "paymentTerms", terms)
        _put(out, "defaultCurrency", n.get("PurchaseOrderCurrency"))
        if n.get("PaymentMethodsList"):
            out["defaultPaymentMeansCode"] = lookup(PAYMENT_MEANS, n["PaymentMethodsList"][0],
                                                    "payment method")
        _put(out, "categories", [c["ClassificationCode"].lower()
                                 for c in results(n, "to_SupplierClassification")])
        out["externalIds"] = [{"system": SAP, "id": n["Supplier"], "objectType": "vendor"}]
        if n.get("ReleasedOn"):
            out["onboardedAt"] = instant(n["ReleasedOn"])
        return out

    def bank_account(self, b: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for native, canonical in (("IBAN", "iban"), ("BankAccount", "accountId"),
                                  ("BankAccountScheme", "accountIdScheme"),
                                  ("BankNumber", "bankCode"), ("BankAccountCurrency", "currency"),
                                  ("SWIFTCode", "bic"), ("BankAccountHolderName", "accountName")):
            _put(out, canonical, b.get(native))
        return out

    def supplier_state(self, n: Mapping[str, Any]) -> dict[str, Any]:
        out = {"supplierNumber": supplier_number(n["Supplier"]),
               "status": self.supplier_status(n), "since": instant(n["StatusChangedOn"])}
        if out["status"] != "active":
            _put(out, "reason", n.get("SupplierBlockReasonText"))
        return out

    def company(self, c: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """(the buyer party, the debtor account) of a company code."""
        party = {"name": c["CompanyCodeName"],
                 "taxRegistrations": [{"scheme": "VAT", "id": c["VATRegistration"],
                                       "countryCode": c["Country"]}],
                 "postalAddress": address(c.get("StreetName", ""), c.get("CityName", ""),
                                          c.get("PostalCode", ""), c.get("Country", ""))}
        account = {"iban": c["HouseBankIBAN"], "bic": c["HouseBankSWIFTCode"]}
        return party, account

    def purchase_order(self, n: Mapping[str, Any], company: Mapping[str, Any]
                       ) -> dict[str, Any]:
        buyer, _ = self.company(company)
        currency = n["DocumentCurrency"]
        out: dict[str, Any] = {
            "poNumber": n["PurchaseOrder"], "revision": n.get("RevisionNumber", 1),
            "buyer": buyer,
            "supplier": {"supplierNumber": supplier_number(n["Supplier"]),
                         "name": n.get("SupplierName", "")},
            "orderDate": day(n["PurchaseOrderDate"]), "currency": currency,
            "status": lookup(PO_STATUS, n["PurchasingProcessingStatus"], "processing status"),
        }
        if n.get("NetPaymentDays") is not None:
            out["paymentTerms"] = f"{n['NetPaymentDays']} days net"
        out["deliveryAddress"] = {"purpose": "delivery", **buyer["postalAddress"]}
        out["lines"] = [self.po_line(i, currency) for i in results(n, "to_PurchaseOrderItem")]
        out["totals"] = {"netTotal": money(n["NetAmount"], currency),
                         "taxTotal": money(n["TaxAmount"], currency),
                         "grossTotal": money(n["GrossAmount"], currency)}
        out["externalIds"] = [{"system": SAP, "id": n["PurchaseOrder"], "objectType": "EKKO"}]
        if n.get("CreationDateTime"):
            out["createdAt"] = instant(n["CreationDateTime"])
        return out

    def po_line(self, i: Mapping[str, Any], currency: str) -> dict[str, Any]:
        item: dict[str, Any] = {"name": i["PurchaseOrderItemText"]}
        _put(item, "buyerItemId", i.get("Material"))
        line: dict[str, Any] = {
            "lineId": str(int(i["PurchaseOrderItem"])), "item": item,
            "quantity": {"value": i["OrderQuantity"], "unitCode": i["PurchaseOrderQuantityUnit"]},
            "unitPrice": unit_price(i["NetPriceAmount"], currency),
            "netAmount": money(i["NetAmount"], currency)}
        if i.get("ScheduleLineDeliveryDate"):
            line["deliveryDate"] = day(i["ScheduleLineDeliveryDate"])
        if i.get("CostCenter"):
            line["costCentre"] = cost_centre_code(i["CostCenter"])
        if i.get("GLAccount"):
            line["glAccount"] = gl_number(i["GLAccount"])
        _put(line, "taxCode", tax_code_id(i.get("TaxCountry", ""), i.get("TaxCode", "")))
        line["status"] = lookup(PO_ITEM_STATUS, i["ItemProcessingStatus"], "item status")
        return line

    def goods_receipt(self, n: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "receiptId": n["MaterialDocument"],
            "purchaseOrder": {"poNumber": n["PurchaseOrder"],
                              "revision": n.get("PurchaseOrderRevision", 1)},
            "supplier": {"supplierNumber": supplier_number(n["Supplier"]),
                         "name": n.get("SupplierName", "")}}
        _put(out, "deliveryNoteNumber", n.get("ReferenceDocument"))
        out["receivedDate"] = day(n["PostingDate"])
        if n.get("CreationDateTime"):
            out["receivedAt"] = instant(n["CreationDateTime"])
        location: dict[str, Any] = {}
        _put(location, "locationId", n.get("StorageLocation"))
        _put(location, "name", n.get("StorageLocationName"))
        _put(out, "receivingLocation", location)
        _put(out, "receivedBy", n.get("CreatedByUser"))
        out["status"] = "reversed" if n.get("GoodsMovementIsCancelled") else "posted"
        lines = []
        for i in results(n, "to_MaterialDocumentItem"):
            unit = i["EntryUnit"]
            line: dict[str, Any] = {
                "lineId": str(int(i["MaterialDocumentItem"])),
                "poLineId": str(int(i["PurchaseOrderItem"])),
                "receivedQuantity": {"value": i["QuantityInEntryUnit"], "unitCode": unit}}
            if i.get("AcceptedQuantity"):
                line["acceptedQuantity"] = {"value": i["AcceptedQuantity"], "unitCode": unit}
            if i.get("RejectedQuantity"):
                line["rejectedQuantity"] = {"value": i["RejectedQuantity"], "unitCode": unit}
            if i.get("RejectionReasonCode"):
                line["rejectionReason"] = {"code": i["RejectionReasonCode"].lower()}
                _put(line["rejectionReason"], "text", i.get("RejectionReasonText"))
            lines.append(line)
        out["lines"] = lines
        out["externalIds"] = [{"system": SAP, "id": n["MaterialDocument"], "objectType": "MKPF"}]
        return out

    def cost_centre(self, n: Mapping[str, Any], today: date) -> dict[str, Any]:
        end = valid_to(n)
        status = "blocked" if n.get("IsBlockedForPrimaryCostsPosting") else \
            "inactive" if end is not None and date.fromisoformat(end) < today else "active"
        out: dict[str, Any] = {"code": cost_centre_code(n["CostCenter"]),
                               "name": n["CostCenterName"]}
        _put(out, "companyCode", n.get("CompanyCode"))
        _put(out, "currency", n.get("CostCenterCurrency"))
        out["status"] = status
        out["validFrom"] = day(n["ValidityStartDate"])
        _put(out, "validTo", end)
        if n.get("ParentCostCenter"):
            out["parentCode"] = cost_centre_code(n["ParentCostCenter"])
        out["externalIds"] = [{"system": SAP, "id": n["CostCenter"], "objectType": "KOSTL"}]
        return out

    def gl_account(self, n: Mapping[str, Any]) -> dict[str, Any]:
        status = "blocked" if n.get("IsBlockedForPosting") else \
            "inactive" if n.get("IsMarkedForDeletion") else "active"
        out: dict[str, Any] = {"accountNumber": gl_number(n["GLAccount"]),
                               "name": n["GLAccountName"],
                               "chartOfAccounts": n["ChartOfAccounts"],
                               "type": lookup(GL_GROUP, n["GLAccountGroup"], "account group"),
                               "postingAllowed": bool(n.get("IsDirectPostingAllowed", True)),
                               "status": status}
        if n.get("ValidityStartDate"):
            out["validFrom"] = day(n["ValidityStartDate"])
        _put(out, "validTo", valid_to(n))
        return out

    def tax_code(self, n: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"code": f"{n['Country']}-{n['TaxCode']}",
                               "jurisdiction": {"countryCode": n["Country"]}}
        _put(out, "taxScheme", n.get("TaxScheme"))
        out["category"] = lookup(NATIVE_TAX_CATEGORY, n["TaxCodeCategory"], "tax category")
        out["direction"] = "input" if n["TaxType"] == "V" else "output"
        out["status"] = "inactive" if n.get("IsInactive") else "active"
        out["validFrom"] = day(n["ValidityStartDate"])
        _put(out, "validTo", valid_to(n))
        if n.get("TaxRate") not in (None, ""):
            out["rate"] = rate(n["TaxRate"])
        _put(out, "exemptionReasonCode", n.get("ExemptionReasonCode"))
        _put(out, "exemptionReason", n.get("ExemptionText"))
        return out

    def journal_entry(self, n: Mapping[str, Any]) -> dict[str, Any]:
        currency = n["TransactionCurrency"]
        document_id = n.get("OriginalReferenceDocument") or n.get("DocumentReferenceID", "")
        number = n.get("DocumentReferenceID", "")
        out: dict[str, Any] = {
            "entryId": numbered(JOURNAL[0], n["FiscalYear"], n["AccountingDocument"],
                                JOURNAL[2]),
            "companyCode": n["CompanyCode"], "ledger": n.get("Ledger", "0L"),
            "postingPeriod": {"fiscalYear": int(n["FiscalYear"]),
                              "period": int(n["FiscalPeriod"])},
            "postingDate": day(n["PostingDate"]), "documentDate": day(n["DocumentDate"]),
            "currency": currency, "status": "reversed" if n.get("IsReversed") else "posted",
            "source": {"documentType": "credit-note" if n.get("AccountingDocumentType") == "KG"
                       else "invoice", "documentId": document_id, "documentNumber": number,
                       "system": "invoice-automation" if document_id != number
                       else "erp-finance"}}
        _put(out, "description", n.get("AccountingDocumentHeaderText"))
        out["lines"] = [self.journal_line(i, currency)
                        for i in self.journal_items(results(n, "to_JournalEntryItem"))]
        for k, line in enumerate(out["lines"]):
            line["lineNumber"] = k + 1
        return out

    def journal_items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items that become canonical lines (all of them; a variant may drop some)."""
        return items

    def journal_line(self, i: Mapping[str, Any], currency: str) -> dict[str, Any]:
        line: dict[str, Any] = {"lineNumber": 0, "glAccount": gl_number(i["GLAccount"]),
                                "side": "debit" if i["DebitCreditCode"] == "S" else "credit",
                                "amount": money(i["AmountInTransactionCurrency"], currency)}
        _put(line, "description", i.get("DocumentItemText"))
        if i.get("CostCenter"):
            line["costCentre"] = cost_centre_code(i["CostCenter"])
        _put(line, "taxCode", tax_code_id(i.get("TaxCountry", ""), i.get("TaxCode", "")))
        return line

    def posting(self, n: Mapping[str, Any]) -> dict[str, Any]:
        posted = day(n["PostingDate"])
        out: dict[str, Any] = {
            "postingId": numbered(POSTING[0], n["FiscalYear"], n["SupplierInvoice"],
                                  POSTING[2]),
            "status": lookup(POSTING_STATUS, n["SupplierInvoiceStatus"], "invoice status"),
            "documentNumber": n["SupplierInvoiceIDByInvcgParty"],
            "supplierNumber": supplier_number(n["InvoicingParty"]),
            "postingDate": posted, "fiscalYear": int(n["FiscalYear"]),
            "fiscalPeriod": int(posted[5:7]), "postedAt": instant(n["CreationDateTime"])}
        if n.get("AccountingDocument"):
            out["journalEntryId"] = numbered(JOURNAL[0], n["FiscalYear"],
                                             n["AccountingDocument"], JOURNAL[2])
        out["externalIds"] = [{"system": SAP, "id": n["SupplierInvoice"], "objectType": "BKPF"}]
        return out

    def payment(self, n: Mapping[str, Any], company: Mapping[str, Any]) -> dict[str, Any]:
        debtor, debtor_account = self.company(company)
        currency = n["PaymentCurrency"]
        amount = money(n["PaidAmountInPaytCurrency"], currency)
        execution = day(n["PaymentDate"])
        creditor: dict[str, Any] = {"name": n["PayeeName"]}
        _put(creditor, "postalAddress", address(n.get("PayeeStreetName", ""),
                                                n.get("PayeeCityName", ""),
                                                n.get("PayeePostalCode", ""),
                                                n.get("PayeeCountry", "")))
        account = self.bank_account({"IBAN": n.get("PayeeIBAN"),
                                     "BankAccount": n.get("PayeeBankAccount"),
                                     "BankAccountScheme": n.get("PayeeBankAccountScheme"),
                                     "BankNumber": n.get("PayeeBankNumber"),
                                     "BankAccountCurrency": n.get("PayeeBankAccountCurrency"),
                                     "SWIFTCode": n.get("PayeeSWIFTCode"),
                                     "BankAccountHolderName": n.get("PayeeAccountHolder")})
        reference = n["InvoiceReference"]
        status = lookup(NATIVE_PAYMENT_STATUS, n["PaymentRunStatus"], "payment run status")
        reason: dict[str, Any] = {}
        _put(reason, "code", n.get("ReturnReasonCode"))
        _put(reason, "proprietary", n.get("ReturnReasonText"))
        history = []
        for h in results(n, "to_PaymentStatusHistory"):
            entry: dict[str, Any] = {"status": lookup(NATIVE_PAYMENT_STATUS,
                                                      h["PaymentRunStatus"], "run status"),
                                     "at": instant(h["ChangedOn"])}
            if entry["status"] in ("failed", "returned") and reason:
                entry["reason"] = reason
            history.append(entry)
        out: dict[str, Any] = {
            "paymentId": numbered(PAYMENT[0], n["FiscalYear"], n["PaymentDocument"],
                                  PAYMENT[2]),
            "paymentInformationId": f"PMTINF-{execution}-001",
            "instructionId": f"INSTR-{int(n['PaymentDocument'][2:]):06d}",
            "endToEndId": f"E2E-{reference}"[:35], "debtor": debtor,
            "debtorAccount": debtor_account, "creditor": creditor,
            "creditorAccount": account, "amount": amount,
            "requestedExecutionDate": execution, "chargeBearer": n["ChargeBearer"],
            "remittanceInformation": {"structured": [{
                "referredDocument": {"type": "CINV", "number": reference[:35],
                                     "id": n.get("InvoiceAssignmentReference") or reference,
                                     "relatedDate": day(n["InvoiceDocumentDate"])},
                "remittedAmount": amount}]},
            "status": status, "statusHistory": history}
        _put(out, "uetr", n.get("UETR"))
        if status in ("failed", "returned") and reason:
            out["statusReason"] = reason
        if n.get("ValueDate"):
            out["valueDate"] = day(n["ValueDate"])
        if n.get("ClearingDate"):
            out["bookingDate"] = day(n["ClearingDate"])
        return out
