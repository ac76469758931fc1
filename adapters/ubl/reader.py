"""UBL 2.1 Invoice / CreditNote documents -> canonical Invoice / CreditNote dicts.

The mapping follows the EN 16931 UBL binding, business term by business term, and refuses
a document that lacks a term the standard makes mandatory: a canonical invoice with no
seller name or no payable amount would only fail later, further from its cause.
Amounts stay decimal strings exactly as written; nothing is recomputed here (see
`reconcile` for the arithmetic), so what the supplier claimed is what gets checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ledgerpact.adapters.ubl import safexml
from ledgerpact.adapters.ubl.attachments import supporting_document
from ledgerpact.adapters.ubl.lines import allowance_charge, line, period
from ledgerpact.adapters.ubl.nodes import Node
from ledgerpact.adapters.ubl.parties import address, party
from ledgerpact.adapters.ubl.payments import payment_instructions
from ledgerpact.adapters.ubl.values import day, money, optional_day, put, schemed_id
from ledgerpact.registry.errors import InputError

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_NOTE_SUBJECT = re.compile(r"^#([A-Z]{3})#(.*)$", re.DOTALL)


@dataclass(frozen=True)
class _Kind:
    """What differs between the two UBL document types."""

    root: str
    type_code: str
    line: str
    quantity: str


KINDS = {
    f"{{{INVOICE_NS}}}Invoice": _Kind(
        "Invoice", "cbc:InvoiceTypeCode", "cac:InvoiceLine", "cbc:InvoicedQuantity"
    ),
    f"{{{CREDIT_NOTE_NS}}}CreditNote": _Kind(
        "CreditNote", "cbc:CreditNoteTypeCode", "cac:CreditNoteLine", "cbc:CreditedQuantity"
    ),
}


def read_ubl(xml: bytes, source: str = "<ubl>") -> dict[str, Any]:
    """Map one UBL 2.1 Invoice or CreditNote onto the canonical Invoice or CreditNote.

    Raises `InputError` (naming ``source`` and an XPath-like location) for malformed XML, a
    DTD or entity declaration, a root that is not a UBL Invoice/CreditNote, or a missing
    mandatory EN 16931 term.
    """
    root = safexml.parse(xml, source)
    kind = KINDS.get(root.tag)
    if kind is None:
        namespace, _, local = (
            root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
        )
        found = f"{local} in namespace {namespace}" if namespace else f"{root.tag} (no namespace)"
        raise InputError(
            f"root element is {found}; expected a UBL 2.1 Invoice ({INVOICE_NS}) "
            f"or CreditNote ({CREDIT_NOTE_NS})",
            file=source,
            pointer="/",
        )
    return _document(Node(root, "/" + kind.root, source), kind)


def _document(doc: Node, kind: _Kind) -> dict[str, Any]:
    currency = doc.require_value("cbc:DocumentCurrencyCode", "BT-5 invoice currency code")
    result: dict[str, Any] = {
        "number": doc.require_value("cbc:ID", "BT-1 invoice number"),
        "typeCode": doc.require_value(kind.type_code, "BT-3 invoice type code"),
        "issueDate": day(doc.require("cbc:IssueDate", "BT-2 issue date")),
    }
    put(result, "dueDate", _due_date(doc))
    put(result, "taxPointDate", optional_day(doc, "cbc:TaxPointDate"))
    invoice_period = doc.child("cac:InvoicePeriod")
    put(
        result,
        "taxPointDateCode",
        invoice_period.value("cbc:DescriptionCode") if invoice_period is not None else None,
    )
    result["currency"] = currency
    put(result, "taxCurrency", doc.value("cbc:TaxCurrencyCode"))
    put(result, "specificationId", doc.value("cbc:CustomizationID"))
    put(result, "businessProcess", doc.value("cbc:ProfileID"))
    put(result, "buyerReference", doc.value("cbc:BuyerReference"))
    order = doc.child("cac:OrderReference")
    if order is not None:
        reference: dict[str, str] = {}
        put(reference, "id", order.value("cbc:ID"))
        put(reference, "salesOrderId", order.value("cbc:SalesOrderID"))
        put(result, "orderReference", reference)
    for key, name in (
        ("contractReference", "cac:ContractDocumentReference"),
        ("projectReference", "cac:ProjectReference"),
        ("goodsReceiptReference", "cac:ReceiptDocumentReference"),
        ("despatchAdviceReference", "cac:DespatchDocumentReference"),
        ("tenderReference", "cac:OriginatorDocumentReference"),
    ):
        node = doc.child(name)
        put(result, key, node.value("cbc:ID") if node is not None else None)
    put(result, "precedingInvoices", _preceding_invoices(doc))
    put(result, "accountingCost", doc.value("cbc:AccountingCost"))
    put(result, "notes", [_note(n) for n in doc.children("cbc:Note") if n.text])
    result["seller"] = party(
        _party_node(doc, "cac:AccountingSupplierParty", "BG-4 seller"),
        "BG-4 seller",
        address_required=True,
    )
    result["buyer"] = party(
        _party_node(doc, "cac:AccountingCustomerParty", "BG-7 buyer"),
        "BG-7 buyer",
        address_required=True,
    )
    payee = doc.child("cac:PayeeParty")
    put(
        result,
        "payee",
        party(payee, "BG-10 payee", address_required=False) if payee is not None else None,
    )
    representative = doc.child("cac:TaxRepresentativeParty")
    if representative is not None:
        result["taxRepresentative"] = party(
            representative, "BG-11 seller tax representative", address_required=True
        )
    put(result, "delivery", _delivery(doc.child("cac:Delivery")))
    put(result, "billingPeriod", period(invoice_period))
    lines = list(doc.children(kind.line))
    if not lines:
        raise doc.missing(kind.line, "BG-25 invoice line")
    result["lines"] = [
        line(node, kind.quantity, currency, result.get("goodsReceiptReference")) for node in lines
    ]
    put(
        result,
        "allowanceCharges",
        [
            allowance_charge(node, currency, document_level=True)
            for node in doc.children("cac:AllowanceCharge")
        ],
    )
    vat_total, vat_in_tax_currency, breakdown = _tax_totals(
        doc, currency, result.get("taxCurrency")
    )
    result["vatBreakdown"] = breakdown
    result["totals"] = _totals(doc, currency, vat_total, vat_in_tax_currency)
    put(
        result,
        "paymentInstructions",
        payment_instructions(doc, result["seller"], result.get("payee")),
    )
    terms = [
        n.block_text
        for t in doc.children("cac:PaymentTerms")
        for n in t.children("cbc:Note")
        if n.text
    ]
    put(result, "paymentTerms", {"description": "\n".join(terms)} if terms else None)
    put(
        result,
        "supportingDocuments",
        [supporting_document(n) for n in doc.children("cac:AdditionalDocumentReference")],
    )
    result["sourceChannel"] = "e-invoice"
    result["sourceFormat"] = "UBL 2.1"
    return result


def _due_date(doc: Node) -> str | None:
    """BT-9: cbc:DueDate on an Invoice; a UBL 2.1 CreditNote has no DueDate and carries it
    as cac:PaymentMeans/cbc:PaymentDueDate instead."""
    if (due := optional_day(doc, "cbc:DueDate")) is not None:
        return due
    for means in doc.children("cac:PaymentMeans"):
        if (due := optional_day(means, "cbc:PaymentDueDate")) is not None:
            return due
    return None


def _party_node(doc: Node, role: str, term: str) -> Node:
    return doc.require(role, term).require("cac:Party", term)


def _note(node: Node) -> dict[str, str]:
    text = node.block_text
    match = _NOTE_SUBJECT.match(text)
    if match is not None and match.group(2).strip():
        return {"text": match.group(2).strip(), "subjectCode": match.group(1)}
    return {"text": text}


def _preceding_invoices(doc: Node) -> list[dict[str, str]]:
    result = []
    for billing in doc.children("cac:BillingReference"):
        reference = billing.child("cac:InvoiceDocumentReference")
        if reference is None:
            continue
        entry = {"id": reference.require_value("cbc:ID", "BT-25 preceding invoice reference")}
        put(entry, "issueDate", optional_day(reference, "cbc:IssueDate"))
        result.append(entry)
    return result


def _delivery(node: Node | None) -> dict[str, Any] | None:
    if node is None:
        return None
    result: dict[str, Any] = {}
    delivery_party = node.child("cac:DeliveryParty")
    if delivery_party is not None:
        name = delivery_party.child("cac:PartyName")
        put(result, "partyName", name.value("cbc:Name") if name is not None else None)
    location = node.child("cac:DeliveryLocation")
    if location is not None:
        ident = location.child("cbc:ID")
        put(result, "locationId", schemed_id(ident) if ident is not None and ident.text else None)
        place = location.child("cac:Address")
        if place is not None:
            result["address"] = address(place, "BG-15 deliver to address")
    put(result, "date", optional_day(node, "cbc:ActualDeliveryDate"))
    return result or None


def _tax_totals(
    doc: Node, currency: str, tax_currency: str | None
) -> tuple[dict[str, str], dict[str, str] | None, list[dict[str, Any]]]:
    """(VAT total, VAT total in tax currency, VAT breakdown) from the cac:TaxTotal elements.

    UBL repeats cac:TaxTotal for the tax currency (BT-111) with only a TaxAmount; the one in
    the document currency carries the breakdown (BG-23).
    """
    totals = list(doc.children("cac:TaxTotal"))
    with_breakdown = [t for t in totals if t.child("cac:TaxSubtotal") is not None]
    if not with_breakdown:
        raise doc.error(
            "missing cac:TaxTotal/cac:TaxSubtotal (BG-23 VAT breakdown), which EN 16931 requires",
            f"{doc.path}/cac:TaxTotal/cac:TaxSubtotal",
        )
    main = with_breakdown[0]
    if len(with_breakdown) > 1:
        raise with_breakdown[1].error("a second cac:TaxTotal with a VAT breakdown; expected one")
    vat_total = money(main.require("cbc:TaxAmount", "BT-110 invoice total VAT amount"), currency)
    if vat_total["currency"] != currency:
        raise main.error(
            f"the VAT breakdown is in {vat_total['currency']}, not the document currency {currency}"
        )
    breakdown = [_vat_breakdown(sub, currency) for sub in main.children("cac:TaxSubtotal")]
    in_tax_currency: dict[str, str] | None = None
    for total in totals:
        if total is main:
            continue
        amount = money(
            total.require("cbc:TaxAmount", "BT-111 total VAT in accounting currency"), currency
        )
        if (
            tax_currency is None
            or amount["currency"] != tax_currency
            or in_tax_currency is not None
        ):
            raise total.error(
                f"unexpected cac:TaxTotal in {amount['currency']}: expected one with the VAT "
                "breakdown and at most one more in the VAT accounting currency (BT-6)"
            )
        in_tax_currency = amount
    return vat_total, in_tax_currency, breakdown


def _vat_breakdown(node: Node, currency: str) -> dict[str, Any]:
    category = node.require("cac:TaxCategory", "BT-118 VAT category code")
    result: dict[str, Any] = {
        "categoryCode": category.require_value("cbc:ID", "BT-118 VAT category code")
    }
    percent = category.child("cbc:Percent")
    put(result, "rate", percent.decimal() if percent is not None and percent.text else None)
    result["taxableAmount"] = money(
        node.require("cbc:TaxableAmount", "BT-116 VAT category taxable amount"), currency
    )
    result["taxAmount"] = money(
        node.require("cbc:TaxAmount", "BT-117 VAT category tax amount"), currency
    )
    put(result, "exemptionReason", category.value("cbc:TaxExemptionReason"))
    put(result, "exemptionReasonCode", category.value("cbc:TaxExemptionReasonCode"))
    return result


_TOTALS = (
    ("lineNetTotal", "cbc:LineExtensionAmount", "BT-106 sum of invoice line net amount", True),
    ("allowanceTotal", "cbc:AllowanceTotalAmount", "", False),
    ("chargeTotal", "cbc:ChargeTotalAmount", "", False),
    ("netTotal", "cbc:TaxExclusiveAmount", "BT-109 invoice total amount without VAT", True),
    ("grossTotal", "cbc:TaxInclusiveAmount", "BT-112 invoice total amount with VAT", True),
    ("prepaidAmount", "cbc:PrepaidAmount", "", False),
    ("roundingAmount", "cbc:PayableRoundingAmount", "", False),
    ("payableAmount", "cbc:PayableAmount", "BT-115 amount due for payment", True),
)


def _totals(
    doc: Node, currency: str, vat_total: dict[str, str], vat_in_tax_currency: dict[str, str] | None
) -> dict[str, Any]:
    node = doc.require("cac:LegalMonetaryTotal", "BG-22 document totals")
    result: dict[str, Any] = {}
    for key, name, term, required in _TOTALS:
        value = node.require(name, term) if required else node.child(name)
        put(result, key, money(value, currency) if value is not None else None)
    result["vatTotal"] = vat_total
    put(result, "vatTotalInTaxCurrency", vat_in_tax_currency)
    order = [
        "lineNetTotal",
        "allowanceTotal",
        "chargeTotal",
        "netTotal",
        "vatTotal",
        "vatTotalInTaxCurrency",
        "grossTotal",
        "prepaidAmount",
        "roundingAmount",
        "payableAmount",
    ]
    return {key: result[key] for key in order if key in result}
