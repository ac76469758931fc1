"""Deterministic ERP reference data: suppliers, purchase orders, receipts and master data.

QA needs the same world on every run of a given ``--seed`` (a test written against supplier
V-100007 must find it tomorrow), and a world varied enough to reach every validation rule:
blocked and pending suppliers, closed orders, inactive cost centres, tax codes that expired.
Master data (cost centres, GL accounts, tax codes) is fixed; suppliers, orders and receipts
vary with the seed. Every object is valid against the erp-finance contract's schema for it,
and a ``--data`` folder may replace any list with the user's own (validated the same way).
Without ``--data`` the world also holds what the contract's own examples refer to (supplier
V-100234, order 4500012345, receipt 5000081234), read from the contract at start-up.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Any

from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.registry.loader import Document

log = logging.getLogger("ledgerpact.simulate")

KINDS: tuple[str, ...] = ("suppliers", "purchaseOrders", "goodsReceipts", "costCentres",
                          "glAccounts", "taxCodes")
# list key -> (contract schema name, the member that identifies an item)
SCHEMAS: dict[str, tuple[str, str]] = {
    "suppliers": ("Supplier", "supplierNumber"),
    "purchaseOrders": ("PurchaseOrder", "poNumber"),
    "goodsReceipts": ("GoodsReceipt", "receiptId"),
    "costCentres": ("CostCentre", "code"),
    "glAccounts": ("GlAccount", "accountNumber"),
    "taxCodes": ("TaxCode", "code"),
}
COMPANY_CODE = "DE01"
BUYER: dict[str, Any] = {
    "name": "Kölner Maschinenbau GmbH",
    "taxRegistrations": [{"scheme": "VAT", "id": "DE811234567", "countryCode": "DE"}],
    "postalAddress": {"lines": ["Rheinuferstraße 12"], "city": "Köln", "postalCode": "50667",
                      "countryCode": "DE"},
}
BUYER_ACCOUNT: dict[str, str] = {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}

_CHECKOUT = Path(__file__).resolve().parents[3]  # the repository this package runs from


def _digits(rng: Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _letters(rng: Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))


def iban(country: str, bban: str) -> str:
    """An IBAN whose ISO 13616 check digits are right, so consumers' mod-97 checks pass."""
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def gln(body12: str) -> str:
    """A GS1 GLN (13 digits) with its check digit: the 0088 electronic address scheme."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


# country -> currency, VAT id maker, BBAN maker, BICs, cities (city, postal code maker),
# standard and reduced rates, tax scheme, EU member
_Maker = Callable[[Random], str]
COUNTRIES: dict[str, dict[str, Any]] = {
    "DE": {"currency": "EUR", "vat": lambda r: "DE" + _digits(r, 9),
           "bban": lambda r: _digits(r, 18), "bic": ["DEUTDEFF", "COBADEFF", "GENODEF1"],
           "cities": [("München", "80331"), ("Hamburg", "20095"), ("Stuttgart", "70173")],
           "suffix": "GmbH", "rates": ("19", "7"), "scheme": "VAT", "eu": True},
    "FR": {"currency": "EUR", "vat": lambda r: "FR" + _digits(r, 11),
           "bban": lambda r: _digits(r, 23), "bic": ["BNPAFRPP", "SOGEFRPP"],
           "cities": [("Lyon", "69002"), ("Paris", "75008")],
           "suffix": "SARL", "rates": ("20", "5.5"), "scheme": "VAT", "eu": True},
    "NL": {"currency": "EUR", "vat": lambda r: "NL" + _digits(r, 9) + "B01",
           "bban": lambda r: r.choice(["ABNA", "INGB", "RABO"]) + _digits(r, 10),
           "bic": ["ABNANL2A", "INGBNL2A"], "cities": [("Utrecht", "3511 AA"),
                                                      ("Rotterdam", "3011 AD")],
           "suffix": "B.V.", "rates": ("21", "9"), "scheme": "VAT", "eu": True},
    "SE": {"currency": "SEK", "vat": lambda r: "SE" + _digits(r, 10) + "01",
           "bban": lambda r: _digits(r, 20), "bic": ["ESSESESS", "HANDSESS"],
           "cities": [("Stockholm", "111 22"), ("Göteborg", "411 04")],
           "suffix": "AB", "rates": ("25", "12"), "scheme": "VAT", "eu": True},
    "DK": {"currency": "DKK", "vat": lambda r: "DK" + _digits(r, 8),
           "bban": lambda r: _digits(r, 14), "bic": ["DABADKKK"],
           "cities": [("København", "1050")], "suffix": "ApS", "rates": ("25", None),
           "scheme": "VAT", "eu": True},
    "GB": {"currency": "GBP", "vat": lambda r: "GB" + _digits(r, 9),
           "bban": lambda r: r.choice(["NWBK", "BARC"]) + _digits(r, 14),
           "bic": ["NWBKGB2L", "BARCGB22"], "cities": [("Leeds", "LS1 4AP"),
                                                      ("London", "EC2V 7HH")],
           "suffix": "Ltd", "rates": ("20", "5"), "scheme": "VAT", "eu": False},
    "IT": {"currency": "EUR", "vat": lambda r: "IT" + _digits(r, 11),
           "bban": lambda r: _letters(r, 1) + _digits(r, 22), "bic": ["UNCRITMM"],
           "cities": [("Milano", "20121")], "suffix": "S.r.l.", "rates": ("22", "10"),
           "scheme": "VAT", "eu": True},
    "ES": {"currency": "EUR", "vat": lambda r: "ESB" + _digits(r, 8),
           "bban": lambda r: _digits(r, 20), "bic": ["CAIXESBB"],
           "cities": [("Madrid", "28013")], "suffix": "S.L.", "rates": ("21", "10"),
           "scheme": "VAT", "eu": True},
    "PL": {"currency": "PLN", "vat": lambda r: "PL" + _digits(r, 10),
           "bban": lambda r: _digits(r, 24), "bic": ["PKOPPLPW"],
           "cities": [("Warszawa", "00-950")], "suffix": "Sp. z o.o.", "rates": ("23", "8"),
           "scheme": "VAT", "eu": True},
    "NO": {"currency": "NOK", "vat": lambda r: "NO" + _digits(r, 9) + "MVA",
           "bban": lambda r: _digits(r, 11), "bic": ["DNBANOKK"],
           "cities": [("Oslo", "0150")], "suffix": "AS", "rates": ("25", "15"),
           "scheme": "VAT", "eu": False},
    "CH": {"currency": "CHF", "vat": lambda r: f"CHE-{_digits(r, 3)}.{_digits(r, 3)}."
                                               f"{_digits(r, 3)} MWST",
           "bban": lambda r: _digits(r, 17), "bic": ["UBSWCHZH"],
           "cities": [("Zürich", "8001")], "suffix": "AG", "rates": ("8.1", "2.6"),
           "scheme": "VAT", "eu": False},
    "JP": {"currency": "JPY", "vat": lambda r: "T" + _digits(r, 13), "bban": None,
           "bic": ["MHCBJPJT"], "cities": [("Tokyo", "100-0005")], "suffix": "K.K.",
           "rates": ("10", "8"), "scheme": "JCT", "eu": False},
    "BH": {"currency": "BHD", "vat": lambda r: "2" + _digits(r, 14),
           "bban": lambda r: "NBOB" + _digits(r, 14), "bic": ["NBOBBHBM"],
           "cities": [("Manama", "317")], "suffix": "W.L.L.", "rates": ("10", None),
           "scheme": "VAT", "eu": False},
}
# how many of the ~40 suppliers come from each country (every currency scale is present:
# JPY 0 minor units, BHD 3)
_SUPPLIER_PLAN = (["DE"] * 10 + ["NL"] * 4 + ["FR"] * 4 + ["SE"] * 3 + ["GB"] * 3
                  + ["DK", "DK", "IT", "IT", "ES", "ES", "PL", "PL", "NO", "NO", "CH", "CH",
                     "JP", "JP", "BH", "BH"])
_STREETS = {"DE": "Industriestraße", "FR": "Rue de la République", "NL": "Hoofdstraat",
            "SE": "Storgatan", "DK": "Vesterbrogade", "GB": "High Street", "IT": "Via Roma",
            "ES": "Calle Mayor", "PL": "ulica Prosta", "NO": "Storgata", "CH": "Bahnhofstrasse",
            "JP": "Marunouchi 1-chome", "BH": "Government Avenue"}
_NAME_A = ["Nordlicht", "Alpen", "Rhein", "Baltic", "Atlas", "Kestrel", "Orion", "Helvetia",
           "Meridian", "Polar", "Sakura", "Dilmun", "Vega", "Lumen", "Falcon", "Iberia"]
_NAME_B = ["Office Supplies", "Industrial Parts", "Logistics", "IT Services", "Packaging",
           "Consulting", "Facility Services", "Electronics", "Print", "Tools"]
_CATEGORIES = ["office", "it", "logistics", "maintenance", "services", "raw-materials"]
_BLOCK_REASONS = ["Bank details changed; awaiting call-back verification.",
                  "Sanctions screening hit under review.",
                  "Duplicate vendor record; invoices go to the surviving record.",
                  "Tax certificate expired."]
_PENDING_REASONS = ["Onboarding questionnaire not returned.", "Tax certificate missing."]
_ITEMS = [("A4 copy paper, 80 g/m², box of 5 reams", "BX", "21.50"),
          ("Toner cartridge, black", "EA", "64.90"), ("Pallet wrap film, 500 m", "RO", "18.20"),
          ("Consulting services", "HUR", "120.00"), ("Bearing 6204-2RS", "PCE", "3.85"),
          ("Laptop docking station", "EA", "189.00"), ("Safety gloves, size 9", "PR", "4.10"),
          ("Freight, Köln - Hamburg", "C62", "450.00"), ("Cable ties, 200 mm", "BX", "7.95"),
          ("Software licence, annual", "EA", "960.00")]


def cost_centres() -> list[dict[str, Any]]:
    """Fixed cost centres; CC-3900 and CC-4900 are closed, CC-5300 blocked for posting."""
    rows = [("CC-1000", "Administration", None), ("CC-1100", "Finance", "CC-1000"),
            ("CC-1200", "Human resources", "CC-1000"), ("CC-2000", "Production", None),
            ("CC-2100", "Assembly line 1", "CC-2000"), ("CC-2200", "Assembly line 2", "CC-2000"),
            ("CC-3000", "Sales", None), ("CC-3100", "Marketing", "CC-3000"),
            ("CC-3900", "Trade fairs (closed)", "CC-3000"), ("CC-4000", "Operations", None),
            ("CC-4100", "Purchasing and facilities", "CC-4000"),
            ("CC-4200", "IT operations", "CC-4000"), ("CC-4900", "Old warehouse (closed)",
                                                      "CC-4000"),
            ("CC-5000", "Research", None), ("CC-5100", "Prototyping", "CC-5000"),
            ("CC-5300", "Spin-off project (blocked)", "CC-5000")]
    out: list[dict[str, Any]] = []
    for code, name, parent in rows:
        item: dict[str, Any] = {"code": code, "name": name, "companyCode": COMPANY_CODE,
                                "currency": "EUR", "status": "active",
                                "validFrom": "2020-01-01"}
        if parent:
            item["parentCode"] = parent
        if code in ("CC-3900", "CC-4900"):
            item.update(status="inactive", validTo="2023-12-31")
        elif code == "CC-5300":
            item["status"] = "blocked"
        item["externalIds"] = [{"system": "sap-s4", "id": "000000" + code[3:],
                                "objectType": "KOSTL"}]
        out.append(item)
    return out


def gl_accounts() -> list[dict[str, Any]]:
    """Fixed chart of accounts: expenses to post to, plus input VAT, payables and bank."""
    rows = [("113100", "Bank clearing", "asset", True, "active"),
            ("154000", "Input VAT", "asset", True, "active"),
            ("160000", "Accounts payable, trade", "liability", True, "active"),
            ("175000", "Output VAT", "liability", True, "active"),
            ("300000", "Share capital", "equity", False, "active"),
            ("400000", "Office supplies expense", "expense", True, "active"),
            ("410000", "IT consumables expense", "expense", True, "active"),
            ("420000", "Freight and logistics expense", "expense", True, "active"),
            ("430000", "Consulting services expense", "expense", True, "active"),
            ("440000", "Maintenance and repairs expense", "expense", True, "active"),
            ("450000", "Software subscriptions expense", "expense", True, "active"),
            ("460000", "Raw materials consumed", "expense", True, "active"),
            ("479000", "Miscellaneous expense (retired)", "expense", False, "inactive"),
            ("489000", "Suspense, blocked for posting", "expense", False, "blocked"),
            ("800000", "Revenue, products", "revenue", True, "active")]
    out = []
    for number, name, type_, allowed, status in rows:
        item: dict[str, Any] = {"accountNumber": number, "name": name, "chartOfAccounts": "INT",
                                "type": type_, "postingAllowed": allowed, "status": status,
                                "validFrom": "2020-01-01"}
        if status == "inactive":
            item["validTo"] = "2022-12-31"
        out.append(item)
    return out


EXPENSE_ACCOUNTS = ("400000", "410000", "420000", "430000", "440000", "450000", "460000")
INPUT_VAT_ACCOUNT = "154000"
PAYABLES_ACCOUNT = "160000"
# codes that existed once: invoices dated today hit TAX_CODE_NOT_VALID_ON_DATE with them
_EXPIRED_CODES = [("DE", "V3", "16", "2020-07-01", "2020-12-31"),
                  ("DE", "V4", "5", "2020-07-01", "2020-12-31"),
                  ("NL", "V3", "6", "2001-01-01", "2018-12-31"),
                  ("CH", "V3", "7.7", "2018-01-01", "2023-12-31")]


def tax_codes() -> list[dict[str, Any]]:
    """Per country: input codes V1 standard, V2 reduced, V0 zero, VE exempt, VR reverse
    charge (EU), output codes A1/A2; plus expired rates."""
    out: list[dict[str, Any]] = []

    def add(cc: str, suffix: str, category: str, rate: str | None, direction: str,
            valid_from: str = "2007-01-01", valid_to: str | None = None) -> None:
        item: dict[str, Any] = {"code": f"{cc}-{suffix}", "jurisdiction": {"countryCode": cc},
                                "taxScheme": COUNTRIES[cc]["scheme"], "category": category,
                                "direction": direction, "status": "active",
                                "validFrom": valid_from}
        if rate is not None:
            item["rate"] = rate
        if category == "E":
            if COUNTRIES[cc]["eu"]:
                item["exemptionReasonCode"] = "VATEX-EU-132"
            item["exemptionReason"] = "Exempt supply"
        if category == "AE":
            item["exemptionReasonCode"] = "VATEX-EU-AE"
        if valid_to is not None:
            item.update(validTo=valid_to, status="inactive")
        out.append(item)

    for cc, info in COUNTRIES.items():
        standard, reduced = info["rates"]
        start = "2024-01-01" if cc == "CH" else "2007-01-01"
        add(cc, "V1", "S", standard, "input", start)
        if reduced:
            add(cc, "V2", "S", reduced, "input", start)
        add(cc, "V0", "Z", "0", "input")
        add(cc, "VE", "E", "0", "input")
        if info["eu"]:
            add(cc, "VR", "AE", "0", "input")
        add(cc, "A1", "S", standard, "output", start)
        if reduced:
            add(cc, "A2", "S", reduced, "output", start)
    for cc, suffix, rate, valid_from, valid_to in _EXPIRED_CODES:
        add(cc, suffix, "S", rate, "input", valid_from, valid_to)
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def suppliers(rng: Random) -> list[dict[str, Any]]:
    """~40 suppliers over 13 countries; at least 5 blocked and 3 pending for any seed."""
    plan = list(_SUPPLIER_PLAN)
    rng.shuffle(plan)
    odd = rng.sample(range(1, len(plan)), 8)
    blocked, pending = set(odd[:5]), set(odd[5:])
    out: list[dict[str, Any]] = []
    used: set[str] = set()
    for i, cc in enumerate(plan):
        info = COUNTRIES[cc]
        while True:
            base = f"{rng.choice(_NAME_A)} {rng.choice(_NAME_B)}"
            if base not in used:
                used.add(base)
                break
        name = f"{base} {info['suffix']}"
        city, postcode = rng.choice(info["cities"])
        number = f"V-{100001 + i}"
        bank: dict[str, Any]
        if info["bban"] is None:  # no IBAN in Japan: a domestic (Zengin) account
            bank = {"accountId": _digits(rng, 7), "accountIdScheme": "zengin",
                    "bankCode": "0001-" + _digits(rng, 3), "currency": info["currency"]}
        else:
            bank = {"iban": iban(cc, info["bban"](rng))}
        bank.update(bic=rng.choice(info["bic"]), accountName=name)
        status = "blocked" if i in blocked else "pending" if i in pending else "active"
        supplier: dict[str, Any] = {
            "supplierNumber": number, "name": name,
            "taxRegistrations": [{"scheme": info["scheme"], "id": info["vat"](rng),
                                  "countryCode": cc}],
            "electronicAddress": {"id": gln("40" + _digits(rng, 10)), "scheme": "0088"},
            "postalAddress": {"lines": [f"{_STREETS[cc]} {rng.randint(1, 120)}"],
                              "city": city, "postalCode": postcode, "countryCode": cc},
            "contacts": [{"name": "Accounts receivable",
                          "email": f"ar@{_slug(base)}.example",
                          "phone": f"+{rng.randint(30, 99)} {_digits(rng, 3)} {_digits(rng, 6)}"}],
            "bankAccounts": [bank],
            "status": status,
            "paymentTerms": {"netDays": rng.choice([14, 30, 30, 45, 60]),
                             "baseline": "invoice-date"},
            "defaultCurrency": info["currency"],
            "defaultPaymentMeansCode": "58" if info["currency"] == "EUR" else "30",
            "categories": sorted(rng.sample(_CATEGORIES, 2)),
            "externalIds": [{"system": "sap-s4", "id": f"0000{100001 + i}",
                             "objectType": "vendor"}],
        }
        if rng.random() < 0.4:
            supplier["paymentTerms"]["discounts"] = [{"percentage": "2", "withinDays": 10}]
        if status == "blocked":
            supplier["statusReason"] = rng.choice(_BLOCK_REASONS)
        if status == "pending":
            supplier["statusReason"] = rng.choice(_PENDING_REASONS)
        else:
            day = date(2019, 1, 1) + timedelta(days=rng.randint(0, 1700))
            supplier["onboardedAt"] = f"{day.isoformat()}T10:00:00Z"
        out.append(supplier)
    return out


def money(amount: Decimal, currency: str, minor: int) -> dict[str, str]:
    """The canonical Money object, rounded half-even to the currency's minor units."""
    quantum = Decimal(1).scaleb(-minor)
    return {"amount": str(amount.quantize(quantum, rounding=ROUND_HALF_EVEN)),
            "currency": currency}


def _convert(price: str, currency: str, minor: int) -> Decimal:
    """A EUR list price in another currency, by fixed simulator rates (not market rates)."""
    rate = {"EUR": "1", "SEK": "11.5", "DKK": "7.46", "GBP": "0.86", "PLN": "4.3",
            "NOK": "11.6", "CHF": "0.95", "JPY": "160", "BHD": "0.41"}[currency]
    return (Decimal(price) * Decimal(rate)).quantize(Decimal(1).scaleb(-minor),
                                                     rounding=ROUND_HALF_EVEN)


_PO_STATUSES = (["released"] * 6 + ["partially-received"] * 4 + ["received"] * 5
                + ["closed"] * 4 + ["cancelled"])


def purchase_orders(rng: Random, supplier_list: list[dict[str, Any]],
                    centres: list[dict[str, Any]], minor_units: Mapping[str, int],
                    count: int = 80) -> list[dict[str, Any]]:
    """Orders with active or (since ordered) blocked suppliers; pending ones have none."""
    orderable = [s for s in supplier_list if s["status"] != "pending"]
    open_centres = [c["code"] for c in centres if c["status"] == "active"] or ["CC-4100"]
    rates = {t["code"]: Decimal(t.get("rate", "0")) for t in tax_codes()}
    out: list[dict[str, Any]] = []
    for i in range(count):
        supplier = orderable[i % len(orderable)] if i < len(orderable) else rng.choice(orderable)
        cc = supplier["postalAddress"]["countryCode"]
        currency = supplier["defaultCurrency"]
        minor = minor_units[currency]
        status = rng.choice(_PO_STATUSES)
        ordered = date(2024, 1, 2) + timedelta(days=rng.randint(0, 170))
        lines: list[dict[str, Any]] = []
        for n in range(rng.randint(1, 4)):
            item_name, unit, list_price = rng.choice(_ITEMS)
            quantity = rng.choice([1, 2, 4, 5, 6, 10, 12, 20, 40, 100])
            price = _convert(list_price, currency, minor)
            code = f"{cc}-V2" if rng.random() < 0.2 and COUNTRIES[cc]["rates"][1] else f"{cc}-V1"
            lines.append({
                "lineId": str(10 * (n + 1)),
                "item": {"name": item_name, "buyerItemId": f"MAT-{1000 + rng.randint(0, 8999)}"},
                "quantity": {"value": str(quantity), "unitCode": unit},
                "unitPrice": {"amount": str(price), "currency": currency},
                "netAmount": money(price * quantity, currency, minor),
                "deliveryDate": (ordered + timedelta(days=rng.randint(5, 30))).isoformat(),
                "costCentre": rng.choice(open_centres),
                "glAccount": rng.choice(EXPENSE_ACCOUNTS),
                "taxCode": code,
                "status": _line_status(status, n, rng),
            })
        if status == "partially-received" and all(ln["status"] == "open" for ln in lines):
            lines[0]["status"] = "received" if len(lines) > 1 else "partially-received"
        net = sum((Decimal(ln["netAmount"]["amount"]) for ln in lines
                   if ln["status"] != "cancelled"), Decimal(0))
        tax = Decimal(0)
        for code in sorted({ln["taxCode"] for ln in lines}):
            base = sum((Decimal(ln["netAmount"]["amount"]) for ln in lines
                        if ln["taxCode"] == code and ln["status"] != "cancelled"), Decimal(0))
            tax += Decimal(money(base * rates[code] / 100, currency, minor)["amount"])
        out.append({
            "poNumber": str(4500012000 + i),
            "revision": 1,
            "buyer": copy.deepcopy(BUYER),
            "supplier": {"supplierNumber": supplier["supplierNumber"], "name": supplier["name"]},
            "orderDate": ordered.isoformat(),
            "currency": currency,
            "status": status,
            "paymentTerms": f"{supplier['paymentTerms']['netDays']} days net",
            "deliveryAddress": {"purpose": "delivery", **BUYER["postalAddress"]},
            "lines": lines,
            "totals": {"netTotal": money(net, currency, minor),
                       "taxTotal": money(tax, currency, minor),
                       "grossTotal": money(net + tax, currency, minor)},
            "externalIds": [{"system": "sap-s4", "id": str(4500012000 + i),
                             "objectType": "EKKO"}],
            "createdAt": f"{ordered.isoformat()}T09:30:00Z",
        })
    return out


def _line_status(po_status: str, n: int, rng: Random) -> str:
    if po_status == "partially-received":
        return rng.choice(["open", "partially-received", "received"])
    return {"released": "open", "received": "received", "closed": "closed",
            "cancelled": "cancelled"}[po_status]


def goods_receipts(rng: Random, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One posted receipt per order that has received something; some lines with rejects."""
    out: list[dict[str, Any]] = []
    for po in orders:
        lines: list[dict[str, Any]] = []
        for ln in po["lines"]:
            ordered = Decimal(ln["quantity"]["value"])
            if ln["status"] in ("received", "closed") or (
                    ln["status"] == "open" and po["status"] == "closed"):
                received = ordered
            elif ln["status"] == "partially-received" and ordered > 1:
                received = max(Decimal(1), (ordered / 2).to_integral_value())
            elif ln["status"] == "partially-received":
                received = ordered
            else:
                continue
            rejected = Decimal(1) if received > 2 and rng.random() < 0.15 else Decimal(0)
            unit = ln["quantity"]["unitCode"]
            line: dict[str, Any] = {
                "lineId": str(len(lines) + 1), "poLineId": ln["lineId"],
                "receivedQuantity": {"value": str(received), "unitCode": unit},
                "acceptedQuantity": {"value": str(received - rejected), "unitCode": unit},
                "rejectedQuantity": {"value": str(rejected), "unitCode": unit}}
            if rejected:
                line["rejectionReason"] = {"code": "damaged", "text": "Packaging damaged."}
            lines.append(line)
        if not lines:
            continue
        received_on = date.fromisoformat(po["orderDate"]) + timedelta(days=rng.randint(5, 25))
        number = str(5000081000 + len(out))
        out.append({
            "receiptId": number,
            "purchaseOrder": {"poNumber": po["poNumber"], "revision": po["revision"]},
            "supplier": dict(po["supplier"]),
            "deliveryNoteNumber": f"LS-{received_on.year}-{rng.randint(1000, 9999)}",
            "receivedDate": received_on.isoformat(),
            "receivedAt": f"{received_on.isoformat()}T10:42:00Z",
            "receivingLocation": {"locationId": "KOE-WH1", "name": "Köln warehouse, gate 3"},
            "receivedBy": rng.choice(["m.weber", "s.yilmaz", "a.krause"]),
            "status": "posted",
            "lines": lines,
            "externalIds": [{"system": "sap-s4", "id": number, "objectType": "MKPF"}],
        })
    return out


# --- the contract: minor units, validation of user data --------------------------------

@lru_cache(maxsize=4)
def erp_document(registry_root: Path | None = None) -> dict[str, Any]:
    """The bundled erp-finance contract (read-only: shared by every caller).

    Without a root: the registry around the current directory, else the checkout this
    package runs from, so the simulator works from any folder."""
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.cli_support import catalog_for, open_registry

    roots = [registry_root] if registry_root is not None else [None, _CHECKOUT]
    for root in roots:
        try:
            ws = open_registry(root).workspace()
            catalog = catalog_for(ws)
        except InputError:  # not standing in a registry: fall back to this checkout's
            if root is roots[-1]:
                raise
            continue
        if "erp-finance" in catalog.entries or root is roots[-1]:
            entry = catalog.get("erp-finance")
            document: dict[str, Any] = bundle(ws, entry.document_path).document
            return document
    raise AssertionError("unreachable")  # pragma: no cover


def minor_units_table(money_schema: Mapping[str, Any]) -> dict[str, int]:
    """Currency -> minor units, read from the Money schema's per-currency amount patterns,
    so the simulator rounds exactly as the contract validates."""
    table: dict[str, int] = {}
    for rule in money_schema.get("allOf", []):
        currencies = rule.get("if", {}).get("properties", {}).get("currency", {}).get("enum")
        pattern = rule.get("then", {}).get("properties", {}).get("amount", {}).get("pattern")
        if not currencies or not isinstance(pattern, str):
            continue
        found = re.search(r"\{1,(\d+)\}", pattern)
        for currency in currencies:
            table[currency] = int(found.group(1)) if found else 0
    return table


def contract_minor_units(document: Mapping[str, Any]) -> dict[str, int]:
    return minor_units_table(document["components"]["schemas"]["Money"])


def schema_validator(document: Mapping[str, Any], schema_name: str) -> Any:
    """A jsonschema validator (with format checks) for one of the contract's schemas."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from ledgerpact.registry.schema_patterns import bounded

    uri = "urn:ledgerpact:erp-finance"
    resource = Resource.from_contents(dict(document), default_specification=DRAFT202012)
    # bounded: --data files are user input, and the contract's patterns must not hang on them
    return bounded(Draft202012Validator)(
        {"$ref": f"{uri}#/components/schemas/{schema_name}"},
        registry=Registry().with_resource(uri, resource),
        format_checker=Draft202012Validator.FORMAT_CHECKER)


_DATA_SUFFIXES = (".json", ".yaml", ".yml")


def data_files(data_dir: Path) -> dict[str, Path]:
    """The list files of a ``--data`` folder, by list key (in ``KINDS`` order).

    Refused (``InputError``, one line) rather than run on generated data the user thinks
    they replaced: any file named after no list (``supplier.json``, ``suppliers.txt``,
    ``suppliers.csv``), and a folder holding no list file at all (empty, or the files one
    folder down). Hidden files (``.DS_Store``, ``.gitkeep``), Markdown notes (``README.md``)
    and sub-folders are plainly not data and are passed over; two files for one list are
    refused when the list is read."""
    if not data_dir.is_dir():
        raise InputError("data folder not found (expected a directory)", file=str(data_dir))
    _refuse_unknown_files(data_dir)
    found: dict[str, Path] = {}
    for key in KINDS:
        for ext in _DATA_SUFFIXES:
            if key not in found and (data_dir / f"{key}{ext}").is_file():
                found[key] = data_dir / f"{key}{ext}"
    if not found:
        raise InputError(f"no data file found (expected at least one of {_EXPECTED} directly "
                         f"in this folder){_nested_hint(data_dir)}", file=str(data_dir))
    return found


_EXPECTED = f"{', '.join(KINDS)} as .json, .yaml or .yml"


def _nested_hint(data_dir: Path) -> str:
    """Where the list files are when they sit one folder down (``DIR/data/suppliers.json``):
    the fix is then a different ``--data``, not different files."""
    for sub in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        if any((sub / f"{key}{ext}").is_file() for key in KINDS for ext in _DATA_SUFFIXES):
            return f"; {sub} holds some: give --data {sub}"
    return ""


def _refuse_unknown_files(data_dir: Path) -> None:
    """A data file named after no list (``supplier.json`` for ``suppliers.json``, or
    ``suppliers.csv``) would be ignored, and the simulator would run on generated data the
    user thinks they replaced."""
    import difflib

    for path in sorted(data_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() == ".md" or not path.is_file():
            continue
        if path.suffix in _DATA_SUFFIXES and path.stem in KINDS:
            continue
        if path.suffix.lower() in _DATA_SUFFIXES and _read_as_a_list(data_dir, path):
            continue
        close = difflib.get_close_matches(path.stem, KINDS, n=1)
        suffix = path.suffix if path.suffix in _DATA_SUFFIXES else ".json"
        hint = f"; did you mean {close[0]}{suffix}?" if close else ""
        raise InputError(f"not a data file the simulator reads (expected {_EXPECTED}){hint}",
                         file=str(path))


def _read_as_a_list(data_dir: Path, path: Path) -> bool:
    """Whether ``path`` is the file a list's own name opens anyway: on a case-insensitive
    file system (macOS, Windows) ``Suppliers.json`` is ``suppliers.json`` and is read."""
    for kind in KINDS:
        expected = data_dir / f"{kind}{path.suffix.lower()}"
        if kind.lower() == path.stem.lower() and expected.is_file() \
                and expected.samefile(path):
            return True
    return False


# A dangling reference: (pointer steps inside the record, what is wrong, the list the
# missing record should be in, or None when the message is complete).
Dangling = tuple[list[str | int], str, "str | None"]


def _dangling_order(po: Mapping[str, Any], suppliers: set[Any]) -> Dangling | None:
    number = (po.get("supplier") or {}).get("supplierNumber")
    if number is not None and number not in suppliers:
        return ["supplier", "supplierNumber"], f"supplier {number!r} is not in", "suppliers"
    return None


def _dangling_receipt(receipt: Mapping[str, Any], orders: Mapping[Any, set[str]]
                      ) -> Dangling | None:
    number = (receipt.get("purchaseOrder") or {}).get("poNumber")
    if number is None:
        return None
    if number not in orders:
        return (["purchaseOrder", "poNumber"], f"purchase order {number!r} is not in",
                "purchaseOrders")
    for at, line in enumerate(receipt.get("lines", [])):
        if "poLineId" in line and str(line["poLineId"]) not in orders[number]:
            return (["lines", at, "poLineId"],
                    f"purchase order {number} has no line {line['poLineId']!r}", None)
    return None


def _order_lines(orders: list[dict[str, Any]]) -> dict[Any, set[str]]:
    return {po.get("poNumber"): {str(ln.get("lineId")) for ln in po.get("lines", [])}
            for po in orders}


def _check_references(data: Mapping[str, list[dict[str, Any]]],
                      files: Mapping[str, Document]) -> None:
    """Orders name a supplier that exists, receipts an order and order lines that exist: a
    dangling reference in the user's files would surface later as a puzzling finding on
    every invoice. Only lists read from files are checked; generated ones are consistent
    by construction."""
    from ledgerpact.registry import pointer as jp

    suppliers = {s.get("supplierNumber") for s in data["suppliers"]}
    orders = _order_lines(data["purchaseOrders"])
    checks = (("purchaseOrders", lambda po: _dangling_order(po, suppliers)),
              ("goodsReceipts", lambda receipt: _dangling_receipt(receipt, orders)))
    for key, dangling in checks:
        if key not in files:
            continue
        for index, record in enumerate(data[key]):
            found = dangling(record)
            if found is None:
                continue
            steps, message, missing_from = found
            if missing_from is not None:
                message += (f" {files[missing_from].path}" if missing_from in files else
                            f" the {missing_from} generated from --seed (put yours in "
                            f"{missing_from}.json)")
            doc, pointer = files[key], jp.join([index, *steps])
            raise InputError(message, file=doc.path, pointer=pointer,
                             line=doc.line_of(pointer))


def _load_override(data_dir: Path, key: str, document: Mapping[str, Any]
                   ) -> Document | None:
    from ledgerpact.registry import pointer as jp
    from ledgerpact.registry.loader import load_file

    found = [data_dir / f"{key}{ext}" for ext in _DATA_SUFFIXES
             if (data_dir / f"{key}{ext}").is_file()]
    if not found:
        return None
    if len(found) > 1:
        raise InputError(f"two files for {key}: keep one of "
                         f"{', '.join(p.name for p in found)}", file=str(found[0]))
    doc = load_file(found[0])
    if not isinstance(doc.data, list):
        raise InputError(f"expected a list of {key}, found {type(doc.data).__name__}",
                         file=doc.path, pointer="", line=1)
    schema_name, id_member = SCHEMAS[key]
    validator = schema_validator(document, schema_name)
    seen: set[str] = set()
    for index, item in enumerate(doc.data):
        errors = sorted(validator.iter_errors(item), key=lambda e: list(e.absolute_path))
        if errors:
            error = errors[0]
            pointer = jp.join([index, *error.absolute_path])
            raise InputError(f"not a valid {schema_name}: {error.message}", file=doc.path,
                             pointer=pointer, line=doc.line_of(pointer))
        ident = item[id_member]
        if ident in seen:
            pointer = jp.join([index, id_member])
            raise InputError(f"duplicate {id_member} {ident!r}", file=doc.path,
                             pointer=pointer, line=doc.line_of(pointer))
        seen.add(ident)
    return doc


def _example_records(doc: Mapping[str, Any], data: Mapping[str, list[dict[str, Any]]]
                     ) -> dict[str, list[dict[str, Any]]]:
    """The records the contract's examples refer to, each valid against its schema; none
    when the examples do not have the shapes ``contract_examples`` reads (a registry's own
    edited contract). They are a convenience on top of the seed: a simulator must start
    whatever the examples hold, and never serve a record its contract refuses."""
    from ledgerpact.generators.simulators.behaviours.contract_examples import example_world

    try:
        found = example_world(doc, data)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        log.warning("the contract's examples were not added to the seeded data: %s: %s",
                    type(exc).__name__, exc)
        return {}
    kept: dict[str, list[dict[str, Any]]] = {}
    for key, items in found.items():
        validator = schema_validator(doc, SCHEMAS[key][0])
        kept[key] = [item for item in items
                     if next(iter(validator.iter_errors(item)), None) is None]
    # and never a record that refers to one left out (the same rules as for the user's files)
    suppliers = {s.get("supplierNumber") for s in [*data["suppliers"],
                                                    *kept.get("suppliers", [])]}
    kept["purchaseOrders"] = [po for po in kept.get("purchaseOrders", [])
                              if _dangling_order(po, suppliers) is None]
    orders = _order_lines([*data["purchaseOrders"], *kept["purchaseOrders"]])
    kept["goodsReceipts"] = [gr for gr in kept.get("goodsReceipts", [])
                             if _dangling_receipt(gr, orders) is None]
    return kept


def reference_data(seed: int, data_dir: Path | None = None, *,
                   document: Mapping[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Suppliers, purchase orders, goods receipts, cost centres, GL accounts and tax codes.

    Same seed, same data. Files in ``data_dir`` named like the keys (``suppliers.json``,
    ``purchaseOrders.yaml``, ...) replace the generated list after validation against the
    contract (a bad file raises InputError naming file, pointer and line). Orders are
    generated from the final supplier list, so overriding suppliers alone stays coherent.
    Without ``data_dir`` the generated lists end with the supplier, order and receipts the
    contract's own examples refer to (``contract_examples``), so QA can send the documented
    invoice example as is; they are appended after generation, leaving the generated
    records (and the random sequence behind them) unchanged.
    """
    doc = document if document is not None else erp_document()
    overrides: dict[str, list[dict[str, Any]]] = {}
    files: dict[str, Document] = {}
    if data_dir is not None:
        for key in data_files(data_dir):
            loaded = _load_override(data_dir, key, doc)
            if loaded is not None:
                files[key] = loaded
                overrides[key] = loaded.data
    rng = Random(f"ledgerpact-erp-{seed}")
    data: dict[str, list[dict[str, Any]]] = {}
    data["costCentres"] = (overrides["costCentres"] if "costCentres" in overrides
                           else cost_centres())
    data["glAccounts"] = overrides["glAccounts"] if "glAccounts" in overrides else gl_accounts()
    data["taxCodes"] = overrides["taxCodes"] if "taxCodes" in overrides else tax_codes()
    data["suppliers"] = overrides["suppliers"] if "suppliers" in overrides else suppliers(rng)
    if "purchaseOrders" in overrides:
        data["purchaseOrders"] = overrides["purchaseOrders"]
    else:
        usable = [s for s in data["suppliers"] if s.get("defaultCurrency")
                  and s.get("postalAddress", {}).get("countryCode") in COUNTRIES]
        data["purchaseOrders"] = purchase_orders(rng, usable, data["costCentres"],
                                                 contract_minor_units(doc)) if usable else []
    data["goodsReceipts"] = (overrides["goodsReceipts"] if "goodsReceipts" in overrides
                             else goods_receipts(rng, data["purchaseOrders"]))
    _check_references(data, files)
    if data_dir is None:  # the user's own data stays exactly theirs
        for key, items in _example_records(doc, data).items():
            data[key] = [*data[key], *items]
    return {key: data[key] for key in KINDS}


def invoice_for(po: Mapping[str, Any], supplier: Mapping[str, Any],
                codes: list[dict[str, Any]], minor_units: Mapping[str, int], number: str,
                issue_date: str | None = None) -> dict[str, Any]:
    """A canonical invoice that bills every open line of ``po`` exactly: QA's (and the
    tests') starting point for a document that validates clean, to break one field at a time.
    """
    currency = str(po["currency"])
    minor = minor_units[currency]
    rate_of = {c["code"]: c for c in codes}
    lines: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], Decimal] = {}
    for ln in po["lines"]:
        if ln.get("status") in ("closed", "cancelled"):
            continue
        code = rate_of.get(ln.get("taxCode", ""), {"category": "S", "rate": "0"})
        vat = {"categoryCode": code["category"], "rate": code.get("rate", "0")}
        lines.append({"id": str(len(lines) + 1), "quantity": dict(ln["quantity"]),
                      "netAmount": dict(ln["netAmount"]),
                      "purchaseOrderLineRef": {"orderId": po["poNumber"],
                                               "lineId": ln["lineId"]},
                      "costCentre": ln["costCentre"],
                      "price": {"netPrice": dict(ln["unitPrice"])},
                      "vat": vat, "item": {"name": ln["item"]["name"]}})
        key = (vat["categoryCode"], vat["rate"])
        groups[key] = groups.get(key, Decimal(0)) + Decimal(ln["netAmount"]["amount"])
    breakdown: list[dict[str, Any]] = [{"categoryCode": cat, "rate": rate,
                  "taxableAmount": money(base, currency, minor),
                  "taxAmount": money(base * Decimal(rate) / 100, currency, minor)}
                 for (cat, rate), base in groups.items()]
    net = sum(groups.values(), Decimal(0))
    vat_total = sum((Decimal(b["taxAmount"]["amount"]) for b in breakdown), Decimal(0))
    seller = {key: copy.deepcopy(supplier[key]) for key in
              ("name", "taxRegistrations", "postalAddress") if key in supplier}
    return {"number": number, "typeCode": "380",
            "issueDate": issue_date or po["orderDate"], "currency": currency,
            "orderReference": {"id": po["poNumber"]}, "seller": seller,
            "buyer": copy.deepcopy(po["buyer"]), "lines": lines, "vatBreakdown": breakdown,
            "totals": {"lineNetTotal": money(net, currency, minor),
                       "netTotal": money(net, currency, minor),
                       "vatTotal": money(vat_total, currency, minor),
                       "grossTotal": money(net + vat_total, currency, minor),
                       "payableAmount": money(net + vat_total, currency, minor)}}
