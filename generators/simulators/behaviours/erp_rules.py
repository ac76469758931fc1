"""Invoice checks against ERP master data: pure functions from a document to findings.

Validation (``validateInvoice``) and posting (``postInvoice``) must agree exactly, or a
document that validated clean could be refused at posting: both call ``validate_invoice``.
Every finding points (RFC 6901) into the submitted document so a user interface can
highlight the field. Amounts are compared in Decimal at the currency's minor units; either
half-up or half-even rounding of a line is accepted, since EN 16931 does not fix the mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any, Protocol

from ledgerpact.generators.simulators.behaviours import tax_rules
from ledgerpact.generators.simulators.behaviours.findings import Finding

CREDIT_NOTE_TYPES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420",
                               "458", "532"})
DEFAULT_EXPENSE_ACCOUNT = "400000"
# the contract's check names (InvoiceValidationResult.checks)
CHECKS = ("supplier-status", "purchase-order", "goods-receipt", "tax-code", "cost-centre",
          "gl-account", "duplicate")


class MasterData(Protocol):
    """Read access to the ERP's records (the Store satisfies it)."""

    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...

    def scan(self, kind: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class LineAccounting:
    """Where one invoice line goes in the ledger, as resolved by the checks."""

    gl_account: str
    cost_centre: str | None
    tax_code: str | None


@dataclass
class Validation:
    findings: list[Finding] = field(default_factory=list)
    supplier: dict[str, Any] | None = None
    lines: list[LineAccounting] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def add(self, code: str, pointer: str, message: str, severity: str = "error") -> None:
        if not any(f.code == code and f.pointer == pointer for f in self.findings):
            # messages quote the document; a problem's error detail holds 2,000 characters
            self.findings.append(Finding(code, pointer, message[:2000], severity))


def dec(value: Any) -> Decimal:
    """A decimal string (or Decimal/int) as Decimal; anything else counts as zero."""
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def quantize(value: Decimal, minor: int, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor), rounding=rounding)


def _rounds_to(actual: Decimal, exact: Decimal, minor: int | None) -> bool:
    if minor is None:
        return actual == exact
    return actual in (quantize(exact, minor, ROUND_HALF_UP), quantize(exact, minor))


def is_credit_note(doc: Mapping[str, Any]) -> bool:
    return str(doc.get("typeCode")) in CREDIT_NOTE_TYPES


def document_date(doc: Mapping[str, Any]) -> date | None:
    return _date(doc.get("taxPointDate") or doc.get("issueDate"))


def normalise(text: Any) -> str:
    """Identifiers compare without whitespace and case: suppliers type VAT numbers and IBANs
    with spaces and in lower case, the ERP stores them compact."""
    return "".join(str(text).split()).upper()


def instant(text: str) -> datetime | None:
    """An RFC 3339 date-time as an aware datetime (naive means UTC), or None when it is not
    one, so callers answer their own 400 instead of raising."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def supplier_matches(supplier: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """The one searchSuppliers rule (canonical ERP and every adapter answer it alike): every
    criterion given must match; tax registrations and IBANs compare normalised."""
    if "taxRegistration" in query:
        wanted = query["taxRegistration"]
        wanted = wanted if isinstance(wanted, Mapping) else {}
        if not any(normalise(t.get("id")) == normalise(wanted.get("id"))
                   and t.get("scheme") == wanted.get("scheme")
                   and wanted.get("countryCode") in (None, t.get("countryCode"))
                   for t in supplier.get("taxRegistrations", [])):
            return False
    accounts = supplier.get("bankAccounts", [])
    if "iban" in query and not any(normalise(a.get("iban", "")) == normalise(query["iban"])
                                   for a in accounts):
        return False
    return "accountId" not in query or any(a.get("accountId") == query["accountId"]
                                           for a in accounts)


def _seller_keys(seller: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(kind, normalised identifier) pairs a seller can be matched on."""
    keys = {("id", normalise(i.get("id"))) for i in [*seller.get("identifiers", []),
                                                 *seller.get("externalIds", [])]}
    keys |= {("tax", normalise(t.get("id"))) for t in seller.get("taxRegistrations", [])}
    address = seller.get("electronicAddress", {}).get("id")
    if address:
        keys.add(("address", str(address)))
    keys |= {("iban", normalise(b.get("iban"))) for b in seller.get("bankAccounts", [])
             if b.get("iban")}
    return keys


def _supplier_keys(supplier: Mapping[str, Any]) -> set[tuple[str, str]]:
    keys = {("id", normalise(supplier.get("supplierNumber")))}
    keys |= {("id", normalise(e.get("id"))) for e in supplier.get("externalIds", [])}
    keys |= {("tax", normalise(t.get("id"))) for t in supplier.get("taxRegistrations", [])}
    address = supplier.get("electronicAddress", {}).get("id")
    if address:
        keys.add(("address", str(address)))
    keys |= {("iban", normalise(b.get("iban"))) for b in supplier.get("bankAccounts", [])
             if b.get("iban")}
    return keys


class SupplierIndex:
    """``find_supplier`` over a fixed list, by dictionary lookups instead of a scan of every
    supplier per invoice (validation runs on every posting). Same answer: the first supplier
    in list order that shares any identifier with the seller."""

    def __init__(self, suppliers: Sequence[Mapping[str, Any]]) -> None:
        self._suppliers = list(suppliers)
        self._first: dict[tuple[str, str], int] = {}
        for position, supplier in enumerate(self._suppliers):
            for key in _supplier_keys(supplier):
                self._first.setdefault(key, position)

    def find(self, seller: Mapping[str, Any]) -> dict[str, Any] | None:
        hits = [self._first[key] for key in _seller_keys(seller) if key in self._first]
        return dict(self._suppliers[min(hits)]) if hits else None


def find_supplier(seller: Mapping[str, Any], suppliers: Sequence[Mapping[str, Any]]
                  ) -> dict[str, Any] | None:
    """The supplier an invoice's seller is: by supplier number or ERP id, tax registration,
    electronic address or IBAN (the identifiers a real AP inbox matches on)."""
    wanted = _seller_keys(seller)
    for supplier in suppliers:
        if wanted & _supplier_keys(supplier):
            return dict(supplier)
    return None


def supplier_country(supplier: Mapping[str, Any] | None, seller: Mapping[str, Any]) -> str | None:
    for party in (supplier or {}, seller):
        country = party.get("postalAddress", {}).get("countryCode")
        if country:
            return str(country)
        for reg in party.get("taxRegistrations", []):
            if reg.get("countryCode"):
                return str(reg["countryCode"])
    return None


def _valid_on(record: Mapping[str, Any], on: date | None) -> bool:
    if record.get("status") != "active":
        return False
    if on is None:
        return True
    start, end = record.get("validFrom"), record.get("validTo")
    return not ((start and on < date.fromisoformat(start))
                or (end and on > date.fromisoformat(end)))


def check_supplier(doc: Mapping[str, Any], data: MasterData, result: Validation) -> None:
    seller = doc.get("seller", {})
    index = getattr(data, "supplier_index", None)  # a cached SupplierIndex, when offered
    supplier = index.find(seller) if isinstance(index, SupplierIndex) \
        else find_supplier(seller, data.scan("supplier"))
    if supplier is not None:  # the list may be a cached index: read the status fresh
        supplier = data.get("supplier", str(supplier.get("supplierNumber"))) or supplier
    result.supplier = supplier
    if supplier is None:
        result.add("SUPPLIER_UNKNOWN", "/seller",
                   f"Seller {seller.get('name', '?')!s} matches no supplier (by supplier number, "
                   "tax registration, electronic address or IBAN).")
        return
    number, status = supplier.get("supplierNumber"), supplier.get("status")
    if status == "blocked":
        reason = supplier.get("statusReason")
        result.add("SUPPLIER_BLOCKED", "/seller", f"Supplier {number} is blocked"
                   + (f": {reason}" if reason else "."))
    elif status == "pending":
        result.add("SUPPLIER_PENDING", "/seller",
                   f"Supplier {number} has not finished onboarding (status pending).")


def order_references(doc: Mapping[str, Any]) -> dict[str, str]:
    """PO number -> pointer of its first reference in the document."""
    refs: dict[str, str] = {}
    header = doc.get("orderReference", {}).get("id")
    if header:
        refs[str(header)] = "/orderReference/id"
    for i, line in enumerate(doc.get("lines", [])):
        ref = line.get("purchaseOrderLineRef")
        if ref and ref.get("orderId"):
            refs.setdefault(str(ref["orderId"]), f"/lines/{i}/purchaseOrderLineRef/orderId")
    return refs


def check_purchase_orders(doc: Mapping[str, Any], data: MasterData, result: Validation
                          ) -> dict[str, dict[str, Any]]:
    orders: dict[str, dict[str, Any]] = {}
    supplier = result.supplier
    for number, pointer in order_references(doc).items():
        po = data.get("purchaseOrder", number)
        if po is None:
            result.add("PURCHASE_ORDER_NOT_FOUND", pointer, f"No purchase order {number}.")
            continue
        orders[number] = po
        owner = po.get("supplier", {}).get("supplierNumber")
        if supplier is not None and owner != supplier.get("supplierNumber"):
            result.add("PURCHASE_ORDER_SUPPLIER_MISMATCH", pointer,
                       f"Purchase order {number} belongs to supplier {owner}, not "
                       f"{supplier.get('supplierNumber')}.")
        status = po.get("status")
        if status in ("closed", "cancelled"):
            result.add("PURCHASE_ORDER_CLOSED", pointer,
                       f"Purchase order {number} is {status}; it cannot be invoiced.")
        elif status == "draft":
            result.add("PURCHASE_ORDER_NOT_RELEASED", pointer,
                       f"Purchase order {number} is a draft, not yet released.")
        if po.get("currency") != doc.get("currency"):
            result.add("CURRENCY_MISMATCH", "/currency",
                       f"The document is in {doc.get('currency')}; purchase order {number} "
                       f"is in {po.get('currency')}.")
    header = doc.get("orderReference", {}).get("id")
    for i, line in enumerate(doc.get("lines", [])):
        ref = line.get("purchaseOrderLineRef")
        if not ref:
            continue
        number = str(ref.get("orderId") or header or "")
        po = orders.get(number)
        pointer = f"/lines/{i}/purchaseOrderLineRef/lineId"
        if not number:
            result.add("PURCHASE_ORDER_NOT_FOUND", f"/lines/{i}/purchaseOrderLineRef",
                       "The line references a purchase order line but no order.")
            continue
        if po is None:
            continue
        po_line = _po_line(po, ref.get("lineId"))
        if po_line is None:
            result.add("PURCHASE_ORDER_LINE_NOT_FOUND", pointer,
                       f"Purchase order {number} has no line {ref.get('lineId')}.")
        elif po_line.get("status") in ("closed", "cancelled"):
            result.add("PURCHASE_ORDER_LINE_CLOSED", pointer,
                       f"Line {ref.get('lineId')} of purchase order {number} is "
                       f"{po_line.get('status')}.")
    return orders


def _po_line(po: Mapping[str, Any] | None, line_id: Any) -> dict[str, Any] | None:
    for line in (po or {}).get("lines", []):
        if line.get("lineId") == str(line_id):
            return dict(line)
    return None


def check_goods_receipts(doc: Mapping[str, Any], data: MasterData, result: Validation,
                         orders: Mapping[str, Any]) -> None:
    refs: dict[str, str] = {}
    if doc.get("goodsReceiptReference"):
        refs[str(doc["goodsReceiptReference"])] = "/goodsReceiptReference"
    for i, line in enumerate(doc.get("lines", [])):
        ref = line.get("goodsReceiptRef")
        if ref and ref.get("receiptId"):
            refs.setdefault(str(ref["receiptId"]), f"/lines/{i}/goodsReceiptRef/receiptId")
    for number, pointer in refs.items():
        receipt = data.get("goodsReceipt", number)
        if receipt is None:
            result.add("GOODS_RECEIPT_NOT_FOUND", pointer, f"No goods receipt {number}.")
            continue
        po_number = receipt.get("purchaseOrder", {}).get("poNumber")
        if orders and po_number not in orders:
            result.add("GOODS_RECEIPT_PURCHASE_ORDER_MISMATCH", pointer,
                       f"Goods receipt {number} is for purchase order {po_number}, which the "
                       "document does not reference.")
        if receipt.get("status") == "reversed":
            result.add("GOODS_RECEIPT_REVERSED", pointer, f"Goods receipt {number} was reversed.")
    for i, line in enumerate(doc.get("lines", [])):
        ref = line.get("goodsReceiptRef")
        if not ref or not ref.get("lineId"):
            continue
        receipt = data.get("goodsReceipt", str(ref["receiptId"]))
        if receipt and not any(gl.get("lineId") == str(ref["lineId"])
                               for gl in receipt.get("lines", [])):
            result.add("GOODS_RECEIPT_LINE_NOT_FOUND", f"/lines/{i}/goodsReceiptRef/lineId",
                       f"Goods receipt {ref['receiptId']} has no line {ref['lineId']}.")


def match_tax_code(codes: Sequence[Mapping[str, Any]], country: str, category: str,
                   rate: Decimal | None, on: date | None
                   ) -> tuple[dict[str, Any] | None, bool]:
    """(the input tax code for this VAT category and rate in the supplier's country, whether
    one exists at all); the code is None when none is valid on the tax point date."""
    exists = False
    for code in codes:
        if (code.get("direction", "input") != "input"
                or code.get("jurisdiction", {}).get("countryCode") != country
                or code.get("category") != category):
            continue
        if category != "O" and (rate is None or dec(code.get("rate")) != rate):
            continue
        exists = True
        if tax_code_valid_on(code, on):
            return dict(code), True
    return None, exists


def tax_codes_by_place(codes: Sequence[Mapping[str, Any]]
                       ) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """Input tax codes grouped by (country, category), in list order: what
    ``match_tax_code`` looks through for one invoice line."""
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for code in codes:
        place = (str(code.get("jurisdiction", {}).get("countryCode")), str(code.get("category")))
        grouped.setdefault(place, []).append(code)
    return grouped


def tax_code_valid_on(code: Mapping[str, Any], on: date | None) -> bool:
    """The tax engine's rule (``tax_rules.valid_on``): the validity window decides, and a
    blocked code never applies. ``status`` alone does not: a rate that expired is
    ``inactive`` today but is still the rate of an invoice dated inside its window (the NL
    6% rate on a 2015 invoice). A document without a date gets only ``active`` codes."""
    if on is None:
        return code.get("status") == "active"
    return tax_rules.valid_on(code, on)


def check_lines_accounting(doc: Mapping[str, Any], data: MasterData, result: Validation,
                           orders: Mapping[str, Any]) -> None:
    """Tax code, cost centre and GL account of every line (resolved for the journal too)."""
    on = document_date(doc)
    country = supplier_country(result.supplier, doc.get("seller", {}))
    by_place = getattr(data, "tax_codes_by_place", None)  # a cached index, when offered
    all_codes = data.scan("taxCode") if not isinstance(by_place, Mapping) else []
    header_po = doc.get("orderReference", {}).get("id")
    for i, line in enumerate(doc.get("lines", [])):
        vat = line.get("vat", {})
        category = str(vat.get("categoryCode", ""))
        rate = dec(vat["rate"]) if "rate" in vat else None
        tax_code: str | None = None
        if country:
            codes = by_place.get((country, category), ()) if isinstance(by_place, Mapping) \
                else all_codes
            found, exists = match_tax_code(codes, country, category, rate, on)
            shown = f"{category} {rate}%" if rate is not None else category
            if found is not None:
                tax_code = found["code"]
            elif exists:
                result.add("TAX_CODE_NOT_VALID_ON_DATE", f"/lines/{i}/vat",
                           f"VAT {shown} in {country} is not valid on {on}.")
            else:
                result.add("TAX_CODE_UNKNOWN", f"/lines/{i}/vat",
                           f"No input tax code for VAT {shown} in {country}.")
        ref = line.get("purchaseOrderLineRef") or {}
        po_line = _po_line(orders.get(str(ref.get("orderId") or header_po or "")),
                           ref.get("lineId")) if ref else None
        centre, centre_pointer = line.get("costCentre"), f"/lines/{i}/costCentre"
        if centre is None and doc.get("costCentre") is not None:
            centre, centre_pointer = doc["costCentre"], "/costCentre"
        if centre is None and po_line is not None:
            centre = po_line.get("costCentre")
            centre_pointer = f"/lines/{i}/purchaseOrderLineRef"
        if centre is not None:
            record = data.get("costCentre", str(centre))
            if record is None:
                result.add("COST_CENTRE_UNKNOWN", centre_pointer, f"No cost centre {centre}.")
            elif not _valid_on(record, on):
                result.add("COST_CENTRE_CLOSED", centre_pointer,
                           f"Cost centre {centre} is closed for posting "
                           f"(status {record.get('status')}).")
        account, account_pointer = line.get("accountingCost"), f"/lines/{i}/accountingCost"
        if account is None and po_line is not None and po_line.get("glAccount"):
            account, account_pointer = po_line["glAccount"], f"/lines/{i}/purchaseOrderLineRef"
        account = str(account) if account is not None else DEFAULT_EXPENSE_ACCOUNT
        gl = data.get("glAccount", account)
        if gl is None:
            result.add("GL_ACCOUNT_UNKNOWN", account_pointer, f"No GL account {account}.")
        elif not gl.get("postingAllowed", True) or not _valid_on(gl, on):
            result.add("GL_ACCOUNT_CLOSED", account_pointer,
                       f"GL account {account} is not open for posting.")
        result.lines.append(LineAccounting(account, str(centre) if centre else None, tax_code))


def _money_pointers(doc: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    found: list[tuple[str, Mapping[str, Any]]] = []
    for i, line in enumerate(doc.get("lines", [])):
        found.append((f"/lines/{i}/netAmount", line.get("netAmount", {})))
        found.append((f"/lines/{i}/price/netPrice", line.get("price", {}).get("netPrice", {})))
    for k, row in enumerate(doc.get("vatBreakdown", [])):
        found.append((f"/vatBreakdown/{k}/taxableAmount", row.get("taxableAmount", {})))
        found.append((f"/vatBreakdown/{k}/taxAmount", row.get("taxAmount", {})))
    for name, value in doc.get("totals", {}).items():
        if name != "vatTotalInTaxCurrency":
            found.append((f"/totals/{name}", value))
    return found


def _allowances(items: Sequence[Mapping[str, Any]], kind: str) -> Decimal:
    return sum((dec(a.get("amount", {}).get("amount")) for a in items if a.get("kind") == kind),
               Decimal(0))


def check_arithmetic(doc: Mapping[str, Any], minor_units: Mapping[str, int],
                     result: Validation) -> None:
    """Line amounts, totals and the VAT breakdown add up, in the document's currency."""
    currency = str(doc.get("currency"))
    minor = minor_units.get(currency)
    for pointer, value in _money_pointers(doc):
        if value.get("currency") not in (None, currency):
            result.add("CURRENCY_MISMATCH", f"{pointer}/currency",
                       f"Expected {currency} like the document, found {value.get('currency')}.")
    groups: dict[tuple[str, Decimal | None], Decimal] = {}
    line_total = Decimal(0)
    for i, line in enumerate(doc.get("lines", [])):
        price = line.get("price", {})
        base = dec(price.get("baseQuantity", {}).get("value", "1")) or Decimal(1)
        exact = (dec(line.get("quantity", {}).get("value")) * dec(price.get("netPrice", {})
                 .get("amount")) / base)
        exact += (_allowances(line.get("allowanceCharges", []), "charge")
                  - _allowances(line.get("allowanceCharges", []), "allowance"))
        actual = dec(line.get("netAmount", {}).get("amount"))
        if not _rounds_to(actual, exact, minor):
            result.add("LINE_AMOUNT_MISMATCH", f"/lines/{i}/netAmount/amount",
                       f"Quantity x net price gives {_show(exact, minor)}, the line says "
                       f"{actual}.")
        line_total += actual
        vat = line.get("vat", {})
        key = (str(vat.get("categoryCode")), dec(vat["rate"]) if "rate" in vat else None)
        groups[key] = groups.get(key, Decimal(0)) + actual
    for item in doc.get("allowanceCharges", []):
        sign = Decimal(1) if item.get("kind") == "charge" else Decimal(-1)
        key = (str(item.get("vatCategoryCode")),
               dec(item["vatRate"]) if "vatRate" in item else None)
        groups[key] = groups.get(key, Decimal(0)) + sign * dec(item.get("amount", {})
                                                               .get("amount"))
    totals = doc.get("totals", {})

    def total(name: str) -> Decimal:
        return dec(totals.get(name, {}).get("amount", "0"))

    def expect(name: str, value: Decimal, code: str) -> None:
        if name in totals and total(name) != value:
            result.add(code, f"/totals/{name}/amount",
                       f"Expected {_show(value, minor)}, the document says {total(name)}.")

    charges = _allowances(doc.get("allowanceCharges", []), "charge")
    allowances = _allowances(doc.get("allowanceCharges", []), "allowance")
    expect("lineNetTotal", line_total, "LINE_TOTAL_MISMATCH")
    expect("allowanceTotal", allowances, "ALLOWANCE_TOTAL_MISMATCH")
    expect("chargeTotal", charges, "CHARGE_TOTAL_MISMATCH")
    expect("netTotal", total("lineNetTotal") - allowances + charges, "NET_TOTAL_MISMATCH")
    vat_total = Decimal(0)
    for k, row in enumerate(doc.get("vatBreakdown", [])):
        key = (str(row.get("categoryCode")), dec(row["rate"]) if "rate" in row else None)
        taxable = dec(row.get("taxableAmount", {}).get("amount"))
        tax = dec(row.get("taxAmount", {}).get("amount"))
        vat_total += tax
        if groups.get(key, Decimal(0)) != taxable:
            result.add("VAT_BREAKDOWN_MISMATCH", f"/vatBreakdown/{k}/taxableAmount/amount",
                       f"Lines with VAT {key[0]} {key[1]}% add up to "
                       f"{groups.get(key, Decimal(0))}, the breakdown says {taxable}.")
        if not _rounds_to(tax, taxable * (key[1] or Decimal(0)) / 100, minor):
            result.add("TAX_AMOUNT_MISMATCH", f"/vatBreakdown/{k}/taxAmount/amount",
                       f"{taxable} at {key[1] or 0}% is "
                       f"{_show(taxable * (key[1] or Decimal(0)) / 100, minor)}, the breakdown "
                       f"says {tax}.")
    for key in groups:
        if not any((str(r.get("categoryCode")), dec(r["rate"]) if "rate" in r else None) == key
                   for r in doc.get("vatBreakdown", [])):
            result.add("VAT_BREAKDOWN_MISSING", "/vatBreakdown",
                       f"No VAT breakdown for category {key[0]} rate {key[1]}%.")
    expect("vatTotal", vat_total, "VAT_TOTAL_MISMATCH")
    expect("grossTotal", total("netTotal") + total("vatTotal"), "GROSS_TOTAL_MISMATCH")
    expect("payableAmount", total("grossTotal") - total("prepaidAmount")
           + total("roundingAmount"), "PAYABLE_AMOUNT_MISMATCH")


def _show(value: Decimal, minor: int | None) -> str:
    return str(quantize(value, minor) if minor is not None else value.normalize())


DEFAULT_NET_DAYS = 30  # payment terms of a supplier whose record names none


def net_days(supplier: Mapping[str, Any]) -> int:
    """The supplier's net payment days (``paymentTerms.netDays``), 30 when not given."""
    terms = supplier.get("paymentTerms")
    days = terms.get("netDays", DEFAULT_NET_DAYS) if isinstance(terms, Mapping) else None
    return days if isinstance(days, int) and not isinstance(days, bool) else DEFAULT_NET_DAYS


def net_due_date(issue: date, supplier: Mapping[str, Any]) -> date | None:
    """Issue date plus the supplier's net days, or None past 9999-12-31 (``date.max``)."""
    try:
        return issue + timedelta(days=net_days(supplier))
    except OverflowError:
        return None


def check_due_date(doc: Mapping[str, Any], result: Validation) -> None:
    """An invoice without a dueDate is paid on issue date + the supplier's net days; when that
    day is past the last calendar date, the payment run cannot schedule it. Checked here,
    not only at posting, so validation and posting give the same answer (a 422 finding
    instead of a 500 from the date arithmetic)."""
    if is_credit_note(doc) or doc.get("dueDate") or result.supplier is None:
        return
    issue = _date(doc.get("issueDate"))
    if issue is None or net_due_date(issue, result.supplier) is not None:
        return
    days = net_days(result.supplier)
    result.add("DUE_DATE_OUT_OF_RANGE", "/issueDate",
               f"The due date would be {issue.isoformat()} plus the supplier's {days} days net, "
               f"which is after {date.max.isoformat()}, the last date a payment can be "
               "scheduled on; give an earlier issueDate or a dueDate.")


def check_duplicate(doc: Mapping[str, Any], data: MasterData, result: Validation) -> None:
    if result.supplier is None:
        return
    key = posting_key(str(result.supplier.get("supplierNumber")), str(doc.get("number")))
    posted = data.get("postingIndex", key)
    if posted is not None:
        result.add("DUPLICATE_INVOICE", "/number",
                   f"Document {doc.get('number')} of supplier "
                   f"{result.supplier.get('supplierNumber')} was already posted as "
                   f"{posted.get('postingId')}.")


def posting_key(supplier_number: str, document_number: str) -> str:
    return f"{supplier_number}|{document_number}"


def validate_invoice(doc: Mapping[str, Any], data: MasterData,
                     minor_units: Mapping[str, int]) -> Validation:
    """Every check the ERP runs before posting; ``Validation.valid`` says if it may post."""
    result = Validation()
    with exact():
        check_supplier(doc, data, result)
        orders = check_purchase_orders(doc, data, result)
        check_goods_receipts(doc, data, result, orders)
        check_lines_accounting(doc, data, result, orders)
        check_arithmetic(doc, minor_units, result)
        check_duplicate(doc, data, result)
        check_due_date(doc, result)
        for name in ("issueDate", "taxPointDate", "dueDate"):
            if name in doc and _date(doc[name]) is None:
                result.add("DATE_INVALID", f"/{name}", f"{doc[name]!r} is not a calendar date.")
    return result


def exact() -> AbstractContextManager[Context]:
    """A decimal context wide enough for any product of two 40-digit amounts (the schema's
    limit), so arithmetic on hostile but valid input stays exact instead of raising."""
    return localcontext(Context(prec=200, Emax=999_999, Emin=-999_999))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
