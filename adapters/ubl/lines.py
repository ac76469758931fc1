"""UBL invoice and credit-note lines, allowances and charges, mapped onto the canonical model.

The same mapping serves cac:InvoiceLine and cac:CreditNoteLine: EN 16931 has one line model
and UBL differs only in the quantity element's name, which the caller passes in.
"""

from __future__ import annotations

from typing import Any

from ledgerpact.adapters.ubl.nodes import Node
from ledgerpact.adapters.ubl.values import indicator, money, optional_day, put, schemed_id


def period(node: Node | None) -> dict[str, str] | None:
    if node is None:
        return None
    result: dict[str, str] = {}
    put(result, "startDate", optional_day(node, "cbc:StartDate"))
    put(result, "endDate", optional_day(node, "cbc:EndDate"))
    return result or None


def _vat_category(node: Node, term: str) -> tuple[str, str | None]:
    """(category code, rate) of a cac:TaxCategory or cac:ClassifiedTaxCategory."""
    code = node.require_value("cbc:ID", f"{term} VAT category code")
    percent = node.child("cbc:Percent")
    return code, percent.decimal() if percent is not None and percent.text else None


def allowance_charge(node: Node, currency: str, *, document_level: bool) -> dict[str, Any]:
    kind = (
        "charge"
        if indicator(node.require("cbc:ChargeIndicator", "charge indicator"))
        else "allowance"
    )
    result: dict[str, Any] = {
        "kind": kind,
        "amount": money(node.require("cbc:Amount", "allowance/charge amount"), currency),
    }
    base = node.child("cbc:BaseAmount")
    put(result, "baseAmount", money(base, currency) if base is not None else None)
    factor = node.child("cbc:MultiplierFactorNumeric")
    put(result, "percentage", factor.decimal() if factor is not None and factor.text else None)
    put(result, "reason", node.value("cbc:AllowanceChargeReason"))
    put(result, "reasonCode", node.value("cbc:AllowanceChargeReasonCode"))
    category = node.child("cac:TaxCategory")
    if category is None and document_level:
        raise node.missing("cac:TaxCategory", "BT-95/BT-102 document allowance/charge VAT category")
    if category is not None:
        code, rate = _vat_category(category, "BT-95/BT-102")
        result["vatCategoryCode"] = code
        put(result, "vatRate", rate)
    return result


def _quantity(node: Node, fallback_unit: str | None, term: str) -> dict[str, str]:
    unit = node.attr("unitCode") or fallback_unit
    if unit is None:
        raise node.error(f"missing unitCode attribute ({term} unit of measure)")
    return {"value": node.decimal(), "unitCode": unit}


def _unit_price(node: Node, currency: str) -> dict[str, str]:
    return {"amount": node.decimal(), "currency": node.attr("currencyID") or currency}


def _price(node: Node, currency: str, line_unit: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "netPrice": _unit_price(node.require("cbc:PriceAmount", "BT-146 item net price"), currency)
    }
    for discount in node.children("cac:AllowanceCharge"):
        amount = discount.child("cbc:Amount")
        put(result, "discount", _unit_price(amount, currency) if amount is not None else None)
        base = discount.child("cbc:BaseAmount")
        put(result, "grossPrice", _unit_price(base, currency) if base is not None else None)
    base_quantity = node.child("cbc:BaseQuantity")
    if base_quantity is not None and base_quantity.text:
        result["baseQuantity"] = _quantity(base_quantity, line_unit, "BT-150")
    return result


def _item(node: Node) -> dict[str, Any]:
    result: dict[str, Any] = {"name": node.require_value("cbc:Name", "BT-153 item name")}
    description = node.child("cbc:Description")
    put(
        result, "description", (description.block_text or None) if description is not None else None
    )
    for key, name in (
        ("sellerItemId", "cac:SellersItemIdentification"),
        ("buyerItemId", "cac:BuyersItemIdentification"),
    ):
        ident = node.child(name)
        put(result, key, ident.value("cbc:ID") if ident is not None else None)
    standard = node.child("cac:StandardItemIdentification")
    if standard is not None and (ident := standard.child("cbc:ID")) is not None:
        result["standardItemId"] = schemed_id(ident)
    classifications = []
    for commodity in node.children("cac:CommodityClassification"):
        code = commodity.child("cbc:ItemClassificationCode")
        if code is None or not code.line_text:
            continue
        entry = {"code": code.line_text}
        put(entry, "listId", code.attr("listID"))
        put(entry, "listVersion", code.attr("listVersionID"))
        classifications.append(entry)
    put(result, "classifications", classifications)
    origin = node.child("cac:OriginCountry")
    put(
        result,
        "originCountry",
        origin.value("cbc:IdentificationCode") if origin is not None else None,
    )
    put(
        result,
        "attributes",
        [
            {
                "name": prop.require_value("cbc:Name", "BT-160 item attribute name"),
                "value": prop.value("cbc:Value") or "",
            }
            for prop in node.children("cac:AdditionalItemProperty")
        ],
    )
    return result


def line(node: Node, quantity_name: str, currency: str, receipt_id: str | None) -> dict[str, Any]:
    """One cac:InvoiceLine / cac:CreditNoteLine. ``receipt_id`` is the document's goods receipt
    (BT-15), used when a line names a receipt line without naming the receipt."""
    quantity = _quantity(node.require(quantity_name, "BT-129 invoiced quantity"), None, "BT-130")
    result: dict[str, Any] = {"id": node.require_value("cbc:ID", "BT-126 invoice line identifier")}
    notes = [n.block_text for n in node.children("cbc:Note") if n.text]
    put(result, "note", "\n".join(notes) or None)
    reference = node.child("cac:DocumentReference")
    if reference is not None and (ident := reference.child("cbc:ID")) is not None:
        result["objectIdentifier"] = schemed_id(ident)
    result["quantity"] = quantity
    result["netAmount"] = money(
        node.require("cbc:LineExtensionAmount", "BT-131 line net amount"), currency
    )
    order_line = node.child("cac:OrderLineReference")
    if order_line is not None and (line_id := order_line.value("cbc:LineID")) is not None:
        ref: dict[str, Any] = {"lineId": line_id}
        order = order_line.child("cac:OrderReference")
        put(ref, "orderId", order.value("cbc:ID") if order is not None else None)
        result["purchaseOrderLineRef"] = ref
    receipt_line = node.child("cac:ReceiptLineReference")
    if receipt_line is not None:
        document = receipt_line.child("cac:DocumentReference")
        receipt = (document.value("cbc:ID") if document is not None else None) or receipt_id
        if receipt is not None:
            result["goodsReceiptRef"] = {"receiptId": receipt}
            put(result["goodsReceiptRef"], "lineId", receipt_line.value("cbc:LineID"))
    put(result, "accountingCost", node.value("cbc:AccountingCost"))
    put(result, "period", period(node.child("cac:InvoicePeriod")))
    put(
        result,
        "allowanceCharges",
        [
            allowance_charge(ac, currency, document_level=False)
            for ac in node.children("cac:AllowanceCharge")
        ],
    )
    result["price"] = _price(
        node.require("cac:Price", "BG-29 price details"), currency, quantity["unitCode"]
    )
    item = node.require("cac:Item", "BG-31 item information")
    code, rate = _vat_category(
        item.require("cac:ClassifiedTaxCategory", "BG-30 line VAT information"), "BT-151"
    )
    result["vat"] = {"categoryCode": code}
    put(result["vat"], "rate", rate)
    result["item"] = _item(item)
    return result
