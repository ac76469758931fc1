"""Invoice validation and PO matching for AP automation: a document in, a verdict out.

The master-data checks are the ERP simulator's own (``erp_rules.validate_invoice``), so an
invoice AP automation lets through is one the ERP will accept for posting; this module adds
what only AP automation does: sorting the findings into "send back to the supplier"
(rejection) and "a clerk must look" (an exception of a contract ExceptionType), and the
tolerance-based match of the invoice lines against the purchase order and goods receipts,
written as the canonical MatchResult.

Split used: an unknown seller is rejected (validation-failed), since nobody in AP can fix
it and the validated event needs a supplier number; everything the buyer's side can fix
(a blocked supplier, tax codes, cost centres, missing or closed orders and receipts,
variances beyond tolerance) becomes an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ledgerpact.adapters.ubl.minor_units import minor_units, quantum
from ledgerpact.generators.simulators.behaviours import erp_rules

TOLERANCE_PROFILE = "default"
PRICE_TOLERANCE_PCT = Decimal("1")
AMOUNT_TOLERANCE_PCT = Decimal("2")
AMOUNT_TOLERANCE_ABS = Decimal("5")
QUANTITY_TOLERANCE_PCT = Decimal("0")

REJECTING = frozenset({"SUPPLIER_UNKNOWN"})
# most severe first: the exception's type is that of its most severe finding
EXCEPTION_TYPES = ("supplier-blocked", "tax-mismatch", "missing-purchase-order",
                   "missing-goods-receipt", "validation-failed", "quantity-variance",
                   "price-variance", "amount-variance")
_BY_CODE = {
    "SUPPLIER_BLOCKED": "supplier-blocked", "SUPPLIER_PENDING": "supplier-blocked",
    "PURCHASE_ORDER_NOT_FOUND": "missing-purchase-order",
    "PURCHASE_ORDER_LINE_NOT_FOUND": "missing-purchase-order",
    "PURCHASE_ORDER_MISSING": "missing-purchase-order",
    "PURCHASE_ORDER_LINE_MISSING": "missing-purchase-order",
    "QUANTITY_VARIANCE": "quantity-variance", "QUANTITY_NOT_RECEIVED": "quantity-variance",
    "PRICE_VARIANCE": "price-variance", "AMOUNT_VARIANCE": "amount-variance",
}


def exception_type(code: str) -> str:
    """The contract ExceptionType a finding code belongs to."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code.startswith(("TAX_", "VAT_")):
        return "tax-mismatch"
    if code.startswith("GOODS_RECEIPT_"):
        return "missing-goods-receipt"
    return "validation-failed"


def finding(code: str, pointer: str, message: str, severity: str = "error") -> dict[str, str]:
    return {"code": code, "severity": severity, "pointer": pointer, "message": message}


@dataclass
class Assessment:
    """What validation and matching concluded about one document."""

    supplier: dict[str, Any] | None
    rejections: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    match_result: dict[str, Any] | None = None

    @property
    def verdict(self) -> str:
        """rejected, exception or matched."""
        if self.rejections:
            return "rejected"
        return "exception" if self.errors else "matched"

    @property
    def exception_type(self) -> str | None:
        kinds = {exception_type(f["code"]) for f in self.errors}
        return next((k for k in EXCEPTION_TYPES if k in kinds), None)


def validate(doc: Mapping[str, Any], data: erp_rules.MasterData) -> Assessment:
    """The ERP's checks, sorted into rejections, exception findings and warnings."""
    currency = str(doc.get("currency"))
    checked = erp_rules.validate_invoice(doc, data, {currency: minor_units(currency)})
    result = Assessment(supplier=checked.supplier)
    for item in checked.findings:
        as_dict = item.as_dict()
        if item.severity != "error":
            result.warnings.append(as_dict)
        elif item.code in REJECTING:
            result.rejections.append(as_dict)
        else:
            result.errors.append(as_dict)
    if not doc.get("orderReference", {}).get("id") and not any(
            (line.get("purchaseOrderLineRef") or {}).get("orderId")
            for line in doc.get("lines", [])):
        result.errors.append(finding("PURCHASE_ORDER_MISSING", "/orderReference",
                                     "The document references no purchase order; AP "
                                     "automation matches every invoice against one."))
    return result


def assess(doc: Mapping[str, Any], data: erp_rules.MasterData, *, invoice_id: str,
           match_id: str, evaluated_at: str) -> Assessment:
    """Validate, then match against the document's purchase order when there is one."""
    result = validate(doc, data)
    if result.rejections:
        return result
    number = doc.get("orderReference", {}).get("id")
    po = data.get("purchaseOrder", str(number)) if number else None
    if po is None or po.get("currency") != doc.get("currency"):
        return result
    receipts = _referenced_receipts(doc, data, str(po["poNumber"]))
    match, found = match_lines(doc, po, receipts, invoice_id=invoice_id, match_id=match_id,
                               evaluated_at=evaluated_at,
                               supplier_number=(result.supplier or {}).get("supplierNumber"))
    result.match_result = match
    result.errors += found
    return result


def _referenced_receipts(doc: Mapping[str, Any], data: erp_rules.MasterData, po_number: str
                         ) -> list[dict[str, Any]]:
    ids: list[str] = []
    if doc.get("goodsReceiptReference"):
        ids.append(str(doc["goodsReceiptReference"]))
    for line in doc.get("lines", []):
        ref = line.get("goodsReceiptRef") or {}
        if ref.get("receiptId") and str(ref["receiptId"]) not in ids:
            ids.append(str(ref["receiptId"]))
    found = [data.get("goodsReceipt", i) for i in ids]
    return [r for r in found if r is not None and r.get("status") != "reversed"
            and r.get("purchaseOrder", {}).get("poNumber") == po_number]


def _dec(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value if value is not None else default))
    except InvalidOperation:
        return Decimal(default)


def _plain(value: Decimal) -> str:
    if value == 0:
        value = abs(value)
    return format(value.normalize() if value != value.to_integral() else value, "f")


def _pct(difference: Decimal, expected: Decimal) -> Decimal | None:
    if expected == 0:
        return None
    return (100 * difference / abs(expected)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _money(value: Decimal, currency: str) -> dict[str, str]:
    step = quantum(currency)
    return {"amount": format(value.quantize(step, rounding=ROUND_HALF_EVEN) + 0, "f"),
            "currency": currency}


def tolerances(currency: str) -> dict[str, Any]:
    absolute = AMOUNT_TOLERANCE_ABS.quantize(quantum(currency))
    return {
        "amount": {"absolute": {"amount": format(absolute, "f"), "currency": currency},
                   "percentage": _plain(AMOUNT_TOLERANCE_PCT)},
        "price": {"percentage": _plain(PRICE_TOLERANCE_PCT)},
        "quantity": {"percentage": _plain(QUANTITY_TOLERANCE_PCT)},
    }


def _po_line(po: Mapping[str, Any], line: Mapping[str, Any]) -> dict[str, Any] | None:
    ref = line.get("purchaseOrderLineRef") or {}
    if ref.get("orderId") and str(ref["orderId"]) != po.get("poNumber"):
        return None
    for candidate in po.get("lines", []):
        if ref.get("lineId") is not None and candidate.get("lineId") == str(ref["lineId"]):
            return dict(candidate)
    if ref:
        return None
    name = str(line.get("item", {}).get("name", "")).casefold()
    same = [c for c in po.get("lines", []) if str(c["item"]["name"]).casefold() == name]
    return dict(same[0]) if len(same) == 1 else None


def _variance(expected: Decimal, actual: Decimal, within: bool) -> dict[str, Any]:
    difference = actual - expected
    out: dict[str, Any] = {"expected": expected, "actual": actual, "difference": difference}
    pct = _pct(difference, expected)
    if pct is not None:
        out["differencePercentage"] = _plain(pct)
    out["withinTolerance"] = within
    return out


@dataclass
class _LineOutcome:
    match: dict[str, Any]
    findings: list[dict[str, str]]
    expected_amount: Decimal
    actual_amount: Decimal


def _match_line(index: int, line: Mapping[str, Any], po_line: Mapping[str, Any],
                receipts: Sequence[Mapping[str, Any]], currency: str) -> _LineOutcome:
    line_id = str(line.get("id"))
    unit = str(line.get("quantity", {}).get("unitCode") or po_line["quantity"]["unitCode"])
    actual_qty = _dec(line.get("quantity", {}).get("value"))
    received = [(r, gl) for r in receipts for gl in r.get("lines", [])
                if gl.get("poLineId") == po_line["lineId"]]
    if receipts:
        basis = "received"
        expected_qty = sum((_dec((gl.get("acceptedQuantity") or gl["receivedQuantity"])["value"])
                            for _, gl in received), Decimal(0))
    else:
        basis, expected_qty = "ordered", _dec(po_line["quantity"]["value"])
    qty_diff = actual_qty - expected_qty
    qty_ok = qty_diff <= expected_qty * QUANTITY_TOLERANCE_PCT / 100
    price = line.get("price", {})
    inv_base = _dec(price.get("baseQuantity", {}).get("value"), "1") or Decimal(1)
    po_base = _dec(po_line.get("priceBaseQuantity", {}).get("value"), "1") or Decimal(1)
    expected_price = _dec(po_line["unitPrice"]["amount"]) / po_base * inv_base
    actual_price = _dec(price.get("netPrice", {}).get("amount"))
    price_pct = _pct(actual_price - expected_price, expected_price)
    price_ok = (actual_price == expected_price if price_pct is None
                else abs(price_pct) <= PRICE_TOLERANCE_PCT)
    expected_amount = (actual_qty * expected_price / inv_base).quantize(quantum(currency),
                                                                         ROUND_HALF_UP)
    actual_amount = _dec(line.get("netAmount", {}).get("amount"))
    amount_diff = actual_amount - expected_amount
    amount_pct = _pct(amount_diff, expected_amount)
    amount_ok = abs(amount_diff) <= AMOUNT_TOLERANCE_ABS and (
        amount_pct is None or abs(amount_pct) <= AMOUNT_TOLERANCE_PCT)
    quantity = _variance(expected_qty, actual_qty, qty_ok)
    match: dict[str, Any] = {"invoiceLineId": line_id, "poLineId": po_line["lineId"]}
    if received:
        match["goodsReceiptLines"] = [{"receiptId": r["receiptId"], "lineId": gl["lineId"]}
                                      for r, gl in received]
    match["quantity"] = {"basis": basis, **{k: _plain(v) if isinstance(v, Decimal) else v
                                            for k, v in quantity.items()}, "unitCode": unit}
    price_v = _variance(expected_price, actual_price, price_ok)
    match["price"] = {
        "expected": {"amount": _plain(expected_price), "currency": currency},
        "actual": {"amount": _plain(actual_price), "currency": currency},
        "difference": {"amount": _plain(price_v["difference"]), "currency": currency},
        **({"differencePercentage": price_v["differencePercentage"]}
           if "differencePercentage" in price_v else {}),
        "withinTolerance": price_ok}
    amount_v = _variance(expected_amount, actual_amount, amount_ok)
    match["amount"] = {
        "expected": _money(expected_amount, currency), "actual": _money(actual_amount, currency),
        "difference": _money(amount_diff, currency),
        **({"differencePercentage": amount_v["differencePercentage"]}
           if "differencePercentage" in amount_v else {}),
        "withinTolerance": amount_ok}
    findings: list[dict[str, str]] = []
    reasons: list[dict[str, str]] = []
    if not qty_ok:
        code = "quantity-not-received" if basis == "received" else "quantity-variance"
        text = (f"Invoiced quantity {_plain(actual_qty)} {unit} exceeds the {basis} quantity "
                f"{_plain(expected_qty)} {unit}.")
        reasons.append({"code": code, "message": text})
        findings.append(finding("QUANTITY_NOT_RECEIVED" if basis == "received"
                                else "QUANTITY_VARIANCE", f"/lines/{index}/quantity/value", text))
    if not price_ok:
        shown = match["price"].get("differencePercentage", "?")
        text = (f"Unit price {_plain(actual_price)} {currency} differs from the PO price "
                f"{_plain(expected_price)} {currency} by {shown} % "
                f"(tolerance {_plain(PRICE_TOLERANCE_PCT)} %).")
        reasons.append({"code": "price-variance", "message": text})
        findings.append(finding("PRICE_VARIANCE", f"/lines/{index}/price/netPrice/amount", text))
    if not amount_ok:
        text = (f"Line amount {_plain(actual_amount)} {currency} differs from the expected "
                f"{_plain(expected_amount)} {currency} beyond tolerance.")
        reasons.append({"code": "amount-variance", "message": text})
        findings.append(finding("AMOUNT_VARIANCE", f"/lines/{index}/netAmount/amount", text))
    if reasons:
        match["outcome"] = "exception"
        match["exceptionReasons"] = reasons
    elif qty_diff == 0 and actual_price == expected_price and amount_diff == 0:
        match["outcome"] = "matched"
    else:
        match["outcome"] = "matched-within-tolerance"
    return _LineOutcome(match, findings, expected_amount, actual_amount)


def match_lines(doc: Mapping[str, Any], po: Mapping[str, Any],
                receipts: Sequence[Mapping[str, Any]], *, invoice_id: str, match_id: str,
                evaluated_at: str, supplier_number: str | None
                ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(MatchResult, error findings) of a two-way (no receipts) or three-way match."""
    currency = str(doc["currency"])
    lines: list[dict[str, Any]] = []
    found: list[dict[str, str]] = []
    expected_total = actual_total = Decimal(0)
    for index, line in enumerate(doc.get("lines", [])):
        po_line = _po_line(po, line)
        if po_line is None:
            text = f"Line {line.get('id')} matches no line of purchase order {po['poNumber']}."
            lines.append({"invoiceLineId": str(line.get("id")), "outcome": "exception",
                          "exceptionReasons": [{"code": "missing-po-line", "message": text}]})
            if not (line.get("purchaseOrderLineRef") or {}).get("lineId"):
                found.append(finding("PURCHASE_ORDER_LINE_MISSING", f"/lines/{index}", text))
            continue
        matched = _match_line(index, line, po_line, receipts, currency)
        lines.append(matched.match)
        found += matched.findings
        expected_total += matched.expected_amount
        actual_total += matched.actual_amount
    difference = actual_total - expected_total
    pct = _pct(difference, expected_total)
    within = abs(difference) <= AMOUNT_TOLERANCE_ABS and (
        pct is None or abs(pct) <= AMOUNT_TOLERANCE_PCT)
    amount: dict[str, Any] = {"expected": _money(expected_total, currency),
                              "actual": _money(actual_total, currency),
                              "difference": _money(difference, currency)}
    if pct is not None:
        amount["differencePercentage"] = _plain(pct)
    amount["withinTolerance"] = within
    result: dict[str, Any] = {
        "matchId": match_id,
        "matchType": "three-way" if receipts else "two-way",
        "invoice": {"invoiceId": invoice_id, "invoiceNumber": str(doc.get("number"))},
        "purchaseOrder": {"poNumber": po["poNumber"], "revision": po.get("revision", 1)},
    }
    if supplier_number:
        result["invoice"]["supplierNumber"] = supplier_number
    if receipts:
        result["goodsReceipts"] = sorted({str(r["receiptId"]) for r in receipts})
    outcomes = {line["outcome"] for line in lines}
    if "exception" in outcomes or not within:
        outcome = "exception"
    elif outcomes == {"matched"} and difference == 0:
        outcome = "matched"
    else:
        outcome = "matched-within-tolerance"
    result.update(currency=currency, outcome=outcome, evaluatedAt=evaluated_at,
                  toleranceProfile=TOLERANCE_PROFILE, tolerances=tolerances(currency),
                  amount=amount, lines=lines)
    if not within:
        text = (f"Invoice lines total {_plain(actual_total)} {currency}; the purchase order "
                f"prices give {_plain(expected_total)} {currency}, beyond tolerance.")
        if "exception" not in outcomes:
            result["exceptions"] = [{"code": "amount-variance", "message": text}]
        found.append(finding("AMOUNT_VARIANCE", "/totals/lineNetTotal", text))
    return result, found
