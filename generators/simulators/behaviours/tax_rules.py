"""Tax rules of the simulated tax engine: jurisdictions, registration formats, calculation.

Pure functions over plain data, so the arithmetic can be checked by hand in tests and the
behaviour stays a thin HTTP layer. All money is Decimal; rounding happens only where the
request's named rounding rule says (per line or per breakdown row, half-up or half-even),
at the currency's ISO 4217 minor unit, because that choice moves totals by cents and an
auditor must be able to reproduce it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from ledgerpact.adapters.ubl.minor_units import quantum
from ledgerpact.generators.simulators.behaviours.findings import Finding

ROUNDING_RULES = ("half-up-per-breakdown", "half-up-per-line", "half-even-per-breakdown",
                  "half-even-per-line")
# categories whose rate is 0 by definition (EN 16931) and which need an exemption reason
ZERO_RATED = frozenset({"Z", "E", "AE", "K", "G"})
NEEDS_EXEMPTION_REASON = frozenset({"E", "AE", "K", "G", "O"})


def _jurisdiction(code: str, name: str, system: str, currency: str, schemes: list[str],
                  rounding: str = "half-up-per-breakdown") -> dict[str, Any]:
    return {"code": code, "name": name, "countryCode": code[:2], "taxSystem": system,
            "currency": currency, "registrationSchemes": schemes,
            "defaultRoundingRule": rounding}


# The countries the ERP reference data has tax codes for, plus one sales-tax state.
JURISDICTIONS: tuple[dict[str, Any], ...] = (
    _jurisdiction("BH", "Bahrain", "vat", "BHD", ["VAT"]),
    _jurisdiction("CH", "Switzerland", "vat", "CHF", ["VAT"]),
    _jurisdiction("DE", "Germany", "vat", "EUR", ["VAT"]),
    _jurisdiction("DK", "Denmark", "vat", "DKK", ["VAT"]),
    _jurisdiction("ES", "Spain", "vat", "EUR", ["VAT"]),
    _jurisdiction("FR", "France", "vat", "EUR", ["VAT"]),
    _jurisdiction("GB", "United Kingdom", "vat", "GBP", ["VAT"]),
    _jurisdiction("IT", "Italy", "vat", "EUR", ["VAT"]),
    _jurisdiction("JP", "Japan", "consumption-tax", "JPY", ["JCT"]),
    _jurisdiction("NL", "Netherlands", "vat", "EUR", ["VAT"]),
    _jurisdiction("NO", "Norway", "vat", "NOK", ["VAT"]),
    _jurisdiction("PL", "Poland", "vat", "PLN", ["VAT"]),
    _jurisdiction("SE", "Sweden", "vat", "SEK", ["VAT"]),
    _jurisdiction("US-CA", "California, United States", "sales-tax", "USD", ["TIN"],
                  "half-up-per-line"),
)

# Tax codes the tax engine knows beyond the ERP reference data: jurisdictions the ERP does
# not cover, and the German codes the tax-engine contract's own examples use (its
# listJurisdictionTaxCodes example; calculateTax's germanInvoice names DE-R7). A simulator
# must accept its contract's examples; they are kept out of the ERP's codes because those
# also seed the SAP simulator, whose TaxCode is two characters.
EXTRA_TAX_CODES: tuple[dict[str, Any], ...] = (
    {"code": "US-CA-ST", "jurisdiction": {"countryCode": "US", "subdivisionCode": "US-CA"},
     "taxScheme": "SALESTAX", "category": "S", "rate": "7.25", "status": "active",
     "validFrom": "2017-01-01"},
    {"code": "DE-S19", "jurisdiction": {"countryCode": "DE"}, "taxScheme": "VAT",
     "category": "S", "rate": "19", "status": "active", "validFrom": "2007-01-01"},
    {"code": "DE-R7", "jurisdiction": {"countryCode": "DE"}, "taxScheme": "VAT",
     "category": "S", "rate": "7", "status": "active", "validFrom": "2007-01-01"},
    {"code": "DE-IC0", "jurisdiction": {"countryCode": "DE"}, "taxScheme": "VAT",
     "category": "K", "rate": "0", "exemptionReasonCode": "VATEX-EU-IC",
     "exemptionReason": "Intra-community supply", "status": "active",
     "validFrom": "2007-01-01"},
)

# Registration id formats (no check digits: the seeded suppliers' ids are random digits).
REGISTRATION_FORMATS: dict[str, re.Pattern[str]] = {
    "BH": re.compile(r"^[0-9]{15}$"),
    "CH": re.compile(r"^CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3} ?(MWST|TVA|IVA)?$"),
    "DE": re.compile(r"^DE[0-9]{9}$"),
    "DK": re.compile(r"^DK[0-9]{8}$"),
    "ES": re.compile(r"^ES[A-Z0-9][0-9]{7}[A-Z0-9]$"),
    "FR": re.compile(r"^FR[0-9A-HJ-NP-Z]{2}[0-9]{9}$"),
    "GB": re.compile(r"^GB([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$"),
    "IT": re.compile(r"^IT[0-9]{11}$"),
    "JP": re.compile(r"^T[0-9]{13}$"),
    "NL": re.compile(r"^NL[0-9]{9}B[0-9]{2}$"),
    "NO": re.compile(r"^(NO)?[0-9]{9}(MVA)?$"),
    "PL": re.compile(r"^PL[0-9]{10}$"),
    "SE": re.compile(r"^SE[0-9]{10}01$"),
    "US": re.compile(r"^[0-9]{2}-?[0-9]{7}$"),
}


class TaxRequestError(Exception):
    """The request cannot be evaluated (422): one entry per problem, with a JSON pointer."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(e["detail"] for e in errors))
        self.errors = errors


def jurisdiction_of(code: Mapping[str, Any]) -> str:
    """The jurisdiction code a TaxCode belongs to (subdivision when it has one)."""
    where = code.get("jurisdiction", {})
    return str(where.get("subdivisionCode") or where.get("countryCode"))


def valid_on(code: Mapping[str, Any], on: date) -> bool:
    """Whether a tax code applies on ``on``: inside its validity window (inclusive).

    The window decides, not ``status``: an expired rate is ``inactive`` today but was the
    law on a tax point date inside its window, which is what a reissued invoice needs.
    """
    start, end = code.get("validFrom"), code.get("validTo")
    if start and on < date.fromisoformat(str(start)):
        return False
    if end and on > date.fromisoformat(str(end)):
        return False
    return code.get("status") != "blocked"


def dec(text: Any) -> Decimal:
    return text if isinstance(text, Decimal) else Decimal(str(text))


def _rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else _plain(rate.normalize())


def _plain(value: Decimal) -> str:
    """A decimal string without exponent or negative zero, e.g. '7.25', '19', '0.00'."""
    if value == 0:
        value = abs(value)
    return format(value, "f")


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"amount": _plain(value), "currency": currency}


# ---------------------------------------------------------------- registrations


def check_registration(registration: Mapping[str, Any], pointer: str,
                       jurisdiction: Mapping[str, Any]) -> tuple[dict[str, Any], list[Finding]]:
    """(RegistrationCheck, findings) for one tax registration.

    Only the format is checked (there is no real register behind the simulator): a
    well-formed id is ``valid``, a malformed one ``invalid``, and an id of a country
    whose format the engine does not know ``unverifiable``.
    """
    raw = str(registration.get("id", ""))
    ident = raw.replace(" ", "").upper()
    country = registration.get("countryCode") or (ident[:2] if ident[:2].isalpha() else None)
    country = "GR" if country == "EL" else country
    if country is None and jurisdiction.get("countryCode") in REGISTRATION_FORMATS:
        country = jurisdiction["countryCode"]
    findings: list[Finding] = []
    scheme = registration.get("scheme")
    schemes = jurisdiction.get("registrationSchemes") or []
    if country == jurisdiction.get("countryCode") and schemes and scheme not in schemes:
        findings.append(Finding("REGISTRATION_SCHEME_UNKNOWN", f"{pointer}/scheme",
                                f"Scheme {scheme} is not used in {jurisdiction['code']} "
                                f"(expected {', '.join(schemes)}).", "warning"))
    pattern = REGISTRATION_FORMATS.get(str(country))
    if pattern is None:
        findings.append(Finding("REGISTRATION_UNVERIFIABLE", f"{pointer}/id",
                                f"No registration format is known for country {country}.",
                                "info"))
        return {"pointer": pointer, "status": "unverifiable"}, findings
    if not pattern.match(ident):
        findings.append(Finding("REGISTRATION_FORMAT_INVALID", f"{pointer}/id",
                                f"The id does not have the format of a {country} {scheme} "
                                f"registration ({pattern.pattern})."))
        return {"pointer": pointer, "status": "invalid"}, findings
    return {"pointer": pointer, "status": "valid"}, findings


# ---------------------------------------------------------------- categories and rates


def check_category(category: str, rate_text: Any, exemption_code: Any, pointer: str,
                   rate_pointer: str, codes: Sequence[Mapping[str, Any]], jurisdiction: str,
                   on: date) -> list[Finding]:
    """Findings for one VAT category and rate against the jurisdiction's codes on ``on``."""
    findings: list[Finding] = []
    usable = [c for c in codes if jurisdiction_of(c) == jurisdiction
              and c.get("category") == category and valid_on(c, on)]
    if category == "O":
        if rate_text is not None:
            findings.append(Finding("TAX_RATE_NOT_ALLOWED", rate_pointer,
                                    "Category O (outside the scope of VAT) has no rate."))
    elif rate_text is None:
        findings.append(Finding("TAX_RATE_MISSING", rate_pointer,
                                f"Category {category} needs a rate."))
    elif not usable:
        findings.append(Finding("TAX_CATEGORY_NOT_VALID", pointer,
                                f"Category {category} has no tax code in {jurisdiction} on "
                                f"{on.isoformat()}."))
    else:
        rates = sorted({dec(c["rate"]) for c in usable if "rate" in c}, reverse=True)
        if dec(rate_text) not in rates:
            shown = ", ".join(_plain(r.normalize()) for r in rates)
            findings.append(Finding(
                "TAX_RATE_NOT_VALID_FOR_CATEGORY", rate_pointer,
                f"Rate {rate_text} is not valid for category {category} in {jurisdiction} on "
                f"{on.isoformat()} (valid rates: {shown})."))
    if category in NEEDS_EXEMPTION_REASON and exemption_code is None:
        findings.append(Finding("EXEMPTION_REASON_MISSING", pointer,
                                f"Category {category} needs a VATEX exemption reason code "
                                "(EN 16931 BR-E-10 and siblings)."))
    return findings


# EN 16931 puts exemption reasons on the breakdown rows only; lines are not asked for one
_REASON_IN_BREAKDOWN = "-"


def document_findings(document: Mapping[str, Any], codes: Sequence[Mapping[str, Any]],
                      jurisdiction: str, on: date) -> list[Finding]:
    """Category and rate findings for every line, allowance/charge and breakdown row."""
    findings: list[Finding] = []
    for i, line in enumerate(document.get("lines", [])):
        vat = line.get("vat", {})
        category = str(vat.get("categoryCode"))
        base = f"/document/lines/{i}/vat"
        findings += check_category(category, vat.get("rate"), _REASON_IN_BREAKDOWN,
                                   f"{base}/categoryCode", f"{base}/rate", codes,
                                   jurisdiction, on)
    for i, item in enumerate(document.get("allowanceCharges", [])):
        if "vatCategoryCode" not in item:
            continue
        base = f"/document/allowanceCharges/{i}"
        category = str(item["vatCategoryCode"])
        findings += check_category(category, item.get("vatRate"), _REASON_IN_BREAKDOWN,
                                   f"{base}/vatCategoryCode", f"{base}/vatRate", codes,
                                   jurisdiction, on)
    for i, row in enumerate(document.get("vatBreakdown", [])):
        base = f"/document/vatBreakdown/{i}"
        findings += check_category(str(row.get("categoryCode")), row.get("rate"),
                                   row.get("exemptionReasonCode") or row.get("exemptionReason"),
                                   f"{base}/categoryCode", f"{base}/rate", codes,
                                   jurisdiction, on)
    return findings


# ---------------------------------------------------------------- calculation


@dataclass(frozen=True, slots=True)
class _Resolved:
    line_id: str
    amount: Decimal
    category: str
    rate: Decimal | None
    rate_text: str | None
    tax_code: str | None
    exemption_code: str | None
    exemption_reason: str | None


def rounding_mode(rule: str) -> tuple[str, bool]:
    """(decimal rounding mode, per line?) of a named rounding rule."""
    if rule not in ROUNDING_RULES:
        raise TaxRequestError([{"pointer": "/roundingRule", "code": "ROUNDING_RULE_UNKNOWN",
                                "detail": f"Unknown rounding rule {rule}; expected one of "
                                          f"{', '.join(ROUNDING_RULES)}."}])
    mode = ROUND_HALF_UP if rule.startswith("half-up") else ROUND_HALF_EVEN
    return mode, rule.endswith("per-line")


def _resolve(request: Mapping[str, Any], codes: Sequence[Mapping[str, Any]], jurisdiction: str,
             on: date) -> list[_Resolved]:
    currency = request["currency"]
    errors: list[dict[str, str]] = []
    resolved: list[_Resolved] = []
    by_code = {str(c["code"]): c for c in codes if jurisdiction_of(c) == jurisdiction}
    for i, line in enumerate(request.get("lines", [])):
        money = line.get("amount", {})
        if money.get("currency") != currency:
            errors.append({"pointer": f"/lines/{i}/amount/currency", "code": "CURRENCY_MISMATCH",
                           "detail": f"Expected {currency}, found {money.get('currency')}."})
            continue
        try:
            amount = dec(money.get("amount"))
        except (InvalidOperation, ValueError):
            errors.append({"pointer": f"/lines/{i}/amount/amount", "code": "NOT_A_DECIMAL",
                           "detail": "Expected a decimal string."})
            continue
        if "taxCode" in line:
            code = by_code.get(str(line["taxCode"]))
            if code is None or not valid_on(code, on):
                why = "unknown in" if code is None else "not valid on the tax point date in"
                errors.append({"pointer": f"/lines/{i}/taxCode", "code": "TAX_CODE_NOT_VALID",
                               "detail": f"Tax code {line['taxCode']} is {why} {jurisdiction} "
                                         f"({on.isoformat()})."})
                continue
            rate_text = code.get("rate")
            resolved.append(_Resolved(
                str(line["lineId"]), amount, str(code["category"]),
                dec(rate_text) if rate_text is not None else None, rate_text, str(code["code"]),
                code.get("exemptionReasonCode"), code.get("exemptionReason")))
            continue
        category = str(line.get("vatCategory"))
        rate_text = line.get("vatRate")
        if rate_text is None and category in ZERO_RATED:
            rate_text = "0"
        if rate_text is None and category != "O":
            errors.append({"pointer": f"/lines/{i}/vatRate", "code": "TAX_RATE_MISSING",
                           "detail": f"Category {category} needs a vatRate."})
            continue
        if category == "O":
            rate_text = None
        resolved.append(_Resolved(str(line["lineId"]), amount, category,
                                  dec(rate_text) if rate_text is not None else None,
                                  rate_text, None, None, None))
    if errors:
        raise TaxRequestError(errors)
    return resolved


def _tax(amount: Decimal, rate: Decimal | None, inclusive: bool) -> Decimal:
    """Unrounded tax on ``amount``: rate% of a net amount, or the tax part of a gross one."""
    if rate is None or rate == 0:
        return Decimal(0)
    if inclusive:
        return amount * rate / (100 + rate)
    return amount * rate / 100


def calculate(request: Mapping[str, Any], codes: Sequence[Mapping[str, Any]],
              jurisdiction: Mapping[str, Any], on: date) -> dict[str, Any]:
    """The TaxCalculation for a TaxCalculationRequest (raises TaxRequestError -> 422).

    Per line: each line's tax is rounded and the breakdown sums the rounded taxes. Per
    breakdown: each row's tax is computed once on the row's summed amount and rounded; line
    taxes are then only informative (rounded for display). With ``pricesIncludeTax`` the
    amounts are gross and the tax is extracted (gross x rate / (100 + rate)); the taxable
    amount is what is left, so taxable + tax always equals the gross exactly.
    """
    currency = str(request["currency"])
    rule = str(request.get("roundingRule") or jurisdiction["defaultRoundingRule"])
    mode, per_line = rounding_mode(rule)
    inclusive = bool(request.get("pricesIncludeTax", False))
    step = quantum(currency)
    with localcontext() as ctx:
        ctx.prec = 60
        lines = _resolve(request, codes, str(jurisdiction["code"]), on)

        def rounded(value: Decimal) -> Decimal:
            return value.quantize(step, rounding=mode)

        taxed: list[dict[str, Any]] = []
        groups: dict[tuple[str, Decimal | None], list[int]] = {}
        line_tax: dict[int, Decimal] = {}
        for index, line in enumerate(lines):
            tax = rounded(_tax(line.amount, line.rate, inclusive))
            line_tax[index] = tax
            taxable = line.amount - tax if inclusive else line.amount
            item: dict[str, Any] = {"lineId": line.line_id, "vatCategory": line.category}
            if line.rate_text is not None:
                item["vatRate"] = _rate_text(line.rate)
            if line.tax_code is not None:
                item["taxCode"] = line.tax_code
            item["taxableAmount"] = _money(taxable, currency)
            item["taxAmount"] = _money(tax, currency)
            taxed.append(item)
            groups.setdefault((line.category, line.rate), []).append(index)
        breakdown: list[dict[str, Any]] = []
        exclusive_total = tax_total = Decimal(0)
        for (category, rate), indices in groups.items():
            members = [lines[i] for i in indices]
            amount = sum((m.amount for m in members), Decimal(0))
            if per_line:
                tax = sum((line_tax[i] for i in indices), Decimal(0))
            else:
                tax = rounded(_tax(amount, rate, inclusive))
            taxable = amount - tax if inclusive else amount
            row: dict[str, Any] = {"vatCategory": category}
            if rate is not None:
                row["vatRate"] = _rate_text(rate)
            row["taxableAmount"] = _money(taxable, currency)
            row["taxAmount"] = _money(tax, currency)
            reason = next((m for m in members if m.exemption_code or m.exemption_reason), None)
            if reason is not None and reason.exemption_code:
                row["exemptionReasonCode"] = reason.exemption_code
            if reason is not None and reason.exemption_reason:
                row["exemptionReason"] = reason.exemption_reason
            breakdown.append(row)
            exclusive_total += taxable
            tax_total += tax
    return {
        "jurisdiction": jurisdiction["code"],
        "taxPointDate": on.isoformat(),
        "currency": currency,
        "roundingRule": rule,
        "pricesIncludeTax": inclusive,
        "lines": taxed,
        "breakdown": breakdown,
        "totals": {"taxExclusiveAmount": _money(exclusive_total, currency),
                   "taxAmount": _money(tax_total, currency),
                   "taxInclusiveAmount": _money(exclusive_total + tax_total, currency)},
    }
