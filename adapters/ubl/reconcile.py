"""Check that a canonical invoice's totals add up, to the cent.

Totals on an invoice are claims by the seller, not facts: an automated payment run must only
pay documents whose stated totals follow from their lines, allowances, charges and VAT
breakdown (the EN 16931 calculation rules BR-CO-10 to BR-CO-16 and BR-S-08 and siblings).
All arithmetic is `Decimal` on the decimal strings; nothing is ever a float.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerpact.adapters.ubl.minor_units import quantum

ZERO = Decimal("0")


def _amount(money: dict[str, Any] | None) -> Decimal:
    return Decimal(money["amount"]) if money is not None else ZERO


def _total(doc: dict[str, Any], key: str) -> Decimal:
    return _amount(doc.get("totals", {}).get(key))


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _rate_key(category: str, rate: str | None) -> tuple[str, Decimal]:
    """VAT breakdowns are per (category, rate); "0", "0.00" and a missing rate are the same rate."""
    return category, Decimal(rate) if rate is not None else ZERO


def _mismatch(what: str, stated: Decimal, expected: Decimal, how: str) -> str:
    return f"{what} is {stated} but {how} = {expected} (off by {stated - expected})"


def _currency_findings(doc: dict[str, Any]) -> list[str]:
    """Every amount except BT-111 must be in the document currency, or the sums mean nothing."""
    currency = doc.get("currency")
    findings = []

    def check(where: str, money: dict[str, Any] | None) -> None:
        if money is not None and money.get("currency") != currency:
            findings.append(
                f"{where} is in {money.get('currency')}, not the document currency {currency}"
            )

    for key, money in doc.get("totals", {}).items():
        if key != "vatTotalInTaxCurrency":
            check(f"totals.{key}", money)
    for index, line in enumerate(doc.get("lines", [])):
        check(f"lines[{index}].netAmount", line.get("netAmount"))
    for index, entry in enumerate(doc.get("allowanceCharges", [])):
        check(f"allowanceCharges[{index}].amount", entry.get("amount"))
    for index, entry in enumerate(doc.get("vatBreakdown", [])):
        check(f"vatBreakdown[{index}].taxableAmount", entry.get("taxableAmount"))
        check(f"vatBreakdown[{index}].taxAmount", entry.get("taxAmount"))
    return findings


def _document_charges(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [entry for entry in doc.get("allowanceCharges", []) if entry.get("kind") == kind]


def _breakdown_findings(doc: dict[str, Any]) -> list[str]:
    """BR-S-08 and siblings: each breakdown's taxable amount is what its lines, charges and
    allowances of the same category and rate add up to."""
    expected: dict[tuple[str, Decimal], Decimal] = {}
    for line in doc.get("lines", []):
        key = _rate_key(line["vat"]["categoryCode"], line["vat"].get("rate"))
        expected[key] = expected.get(key, ZERO) + _amount(line["netAmount"])
    for entry in doc.get("allowanceCharges", []):
        if "vatCategoryCode" not in entry:
            continue
        key = _rate_key(entry["vatCategoryCode"], entry.get("vatRate"))
        sign = 1 if entry["kind"] == "charge" else -1
        expected[key] = expected.get(key, ZERO) + sign * _amount(entry["amount"])
    findings = []
    stated_keys = set()
    for index, entry in enumerate(doc.get("vatBreakdown", [])):
        key = _rate_key(entry["categoryCode"], entry.get("rate"))
        stated_keys.add(key)
        stated = _amount(entry["taxableAmount"])
        wanted = expected.get(key, ZERO)
        if stated != wanted:
            findings.append(
                _mismatch(
                    f"vatBreakdown[{index}] ({key[0]} {key[1]}%) taxableAmount",
                    stated,
                    wanted,
                    "the lines, charges and allowances in that category and rate",
                )
            )
    for key, amount in expected.items():
        if key not in stated_keys and amount != ZERO:
            findings.append(
                f"lines or allowances/charges in VAT category {key[0]} at {key[1]}% add up to "
                f"{amount} but the VAT breakdown has no entry for that category and rate"
            )
    return findings


def _vat_amount_findings(doc: dict[str, Any]) -> list[str]:
    """BR-CO-17: each breakdown's VAT is its taxable amount times its rate, rounded half up to
    the currency's minor unit."""
    findings = []
    for index, entry in enumerate(doc.get("vatBreakdown", [])):
        taxable = entry["taxableAmount"]
        rate = Decimal(entry.get("rate") or "0")
        exact = Decimal(taxable["amount"]) * rate / 100
        expected = exact.quantize(quantum(taxable["currency"]), rounding=ROUND_HALF_UP)
        stated = _amount(entry["taxAmount"])
        if stated != expected:
            findings.append(
                _mismatch(
                    f"vatBreakdown[{index}] ({entry['categoryCode']} {rate}%) taxAmount",
                    stated,
                    expected,
                    f"taxableAmount {taxable['amount']} x {rate}% rounded",
                )
            )
    return findings


def reconcile(doc: dict[str, Any]) -> list[str]:
    """The totals of a canonical Invoice/CreditNote that do not reconcile; [] if all do."""
    findings = _currency_findings(doc)
    totals = doc.get("totals", {})
    line_sum = _sum(_amount(line.get("netAmount")) for line in doc.get("lines", []))
    allowances = _sum(_amount(e["amount"]) for e in _document_charges(doc, "allowance"))
    charges = _sum(_amount(e["amount"]) for e in _document_charges(doc, "charge"))
    line_net = _total(doc, "lineNetTotal")
    allowance_total = _total(doc, "allowanceTotal")
    charge_total = _total(doc, "chargeTotal")
    net = _total(doc, "netTotal")
    vat = _total(doc, "vatTotal")
    gross = _total(doc, "grossTotal")
    checks = [
        ("totals.lineNetTotal", line_net, line_sum, "the sum of the line net amounts"),
        (
            "totals.allowanceTotal",
            allowance_total,
            allowances,
            "the sum of the document-level allowances",
        ),
        ("totals.chargeTotal", charge_total, charges, "the sum of the document-level charges"),
        (
            "totals.netTotal",
            net,
            line_net - allowance_total + charge_total,
            "lineNetTotal - allowanceTotal + chargeTotal",
        ),
        ("totals.grossTotal", gross, net + vat, "netTotal + vatTotal"),
        (
            "totals.payableAmount",
            _total(doc, "payableAmount"),
            gross - _total(doc, "prepaidAmount") + _total(doc, "roundingAmount"),
            "grossTotal - prepaidAmount + roundingAmount",
        ),
    ]
    if "vatBreakdown" in doc or "vatTotal" in totals:
        checks.append(
            (
                "totals.vatTotal",
                vat,
                _sum(_amount(entry["taxAmount"]) for entry in doc.get("vatBreakdown", [])),
                "the sum of the VAT breakdown tax amounts",
            )
        )
    findings += [
        _mismatch(what, stated, expected, how)
        for what, stated, expected, how in checks
        if stated != expected
    ]
    return findings + _breakdown_findings(doc) + _vat_amount_findings(doc)
