"""Money: amounts are decimal strings paired with an ISO 4217 currency.

A JSON number is read as a binary float by JavaScript, by most JSON libraries' defaults and
by every generated client that maps ``number`` to ``double``; 0.1 + 0.2 is then
0.30000000000000004 and a ledger stops reconciling to the cent. An amount without its
currency is a number nobody can post. The canonical Money object ({amount: decimal string,
currency: ISO 4217 code}) solves both; these rules find the amounts that do not use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ALL_FORMATS, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import (
    Facts,
    View,
    array_item_views,
    currency_in_scope,
    facts,
    operation_parameters,
)

EXPECTED = ("expected a decimal string (type: string, a decimal pattern) paired with an "
            "ISO 4217 currency, as in the canonical Money object {amount, currency}")
NUMERIC = ("number", "integer")
# Formats a decimal-string amount may carry; any other format means it is not an amount.
_AMOUNT_FORMATS = frozenset({"decimal", "number", "double", "float", "money", "currency",
                             "decimal-string", "bigdecimal", "amount"})
_NAMES_AN_ID = re.compile(r"\b(id|ids|identifier|identifiers)\b", re.IGNORECASE)
# Words that keep an ``x-is-money`` marker from making a value an amount (Xero marks its
# quantities and rates too, because its SDKs map the marker to a decimal type).
_NOT_AMOUNTS = frozenset({"quantity", "quantities", "rate", "rates", "percent", "percentage",
                          "ratio", "count", "qty"})


def is_money(name: str, v: View) -> bool:
    """Whether a value is an amount. The name decides first: a property named like an amount
    (``amount``, ``TaxAmount``, ``total``) is one whatever its description mentions (Stripe's
    ``amount``, "Amount of tax applied for this rate.", is the tax amount), unless the
    description says it counts things ("the total number of accounts"). For any other name,
    an amount by a weak name (``discount``, ``tax``) or by an ``x-is-money: true`` marker
    (Xero's marker for decimal fields) stops being one when its description says it is a
    rate, a percentage or a count: Xero marks ``Contact.Discount``, "The default discount
    rate", because its SDKs map the marker to a decimal type, not because it is money."""
    kind = vocab.money_kind(name)
    if kind == "strong":
        return not vocab.described_as_count(v.description)
    if kind is None:
        ws = vocab.words(name)
        if not (v.marks.get("x-is-money") is True and ws
                and ws[-1] not in vocab.NOT_MONEY_HEADS and not _NOT_AMOUNTS.intersection(ws)):
            return False
    return not (vocab.described_as_rate(v.description)
                or vocab.described_as_count(v.description))


def _looks_numeric(name: str, v: View) -> bool:
    """A string named ``price`` or ``fee`` is often an id (Stripe's ``price: "price_123"``);
    it is an amount when it is named one or says it holds digits (a decimal format or a
    pattern) or the contract marks it as money."""
    return (v.fmt is not None or v.pattern is not None or "amount" in vocab.words(name)
            or v.marks.get("x-is-money") is True)


def _numeric_views(index: Index, v: View) -> Iterator[View]:
    """The view itself and, for arrays of amounts, the views of their items."""
    yield v
    yield from array_item_views(index, v)


def _type_label(v: View, t: str) -> str:
    return f"{t} (format {v.fmt})" if v.fmt and t == "number" else t


Problem = tuple[Loc, str, str, str, bool, str]


def _money_problems(index: Index, f: Facts) -> list[Problem]:
    """(where the numeric type is declared, amount name, numeric type, type label, has a
    currency partner, parameter location or "") for every amount typed number or
    integer; found once for the two rules that report them."""
    found = f.memo.get("money")
    if found is None:
        found = f.memo["money"] = list(_find_money_problems(index, f))
    return found


def _find_money_problems(index: Index, f: Facts) -> Iterator[Problem]:
    for prop in f.money:
        if not is_money(prop.name, prop.view):
            continue
        partner: bool | None = None
        for v in _numeric_views(index, prop.view):
            for t in NUMERIC:
                if t in v.types:
                    if partner is None:
                        partner = currency_in_scope(index, f, prop.owner)
                    yield (v.type_locs.get(t, v.loc), prop.name, t, _type_label(v, t),
                           partner, "")
                    break
    for named in f.named_money:
        v = named.view
        if "number" in v.types and is_money(named.name, v):
            yield (v.type_locs.get("number", v.loc), named.name, "number",
                   _type_label(v, "number"), False, "")
    for p in f.params:
        if vocab.money_kind(p.name) is None or not is_money(p.name, p.view):
            continue
        for t in NUMERIC:
            if t in p.view.types:
                op = p.param.operation
                partner = op is not None and any(
                    vocab.is_currency_name(str(q.param.get("name", "")))
                    for q in operation_parameters(f, op))
                yield p.param.loc, p.name, t, _type_label(p.view, t), partner, p.where
                break


def _group(found: Iterable[Problem]) -> dict[Loc, tuple[str, str, list[str], str]]:
    grouped: dict[Loc, tuple[str, str, list[str], str]] = {}
    for loc, name, t, label, _, param_in in found:
        entry = grouped.setdefault(loc, (t, label, [], param_in))
        if name not in entry[2]:
            entry[2].append(name)
    return grouped


def _who(loc: Loc, names: list[str], param_in: str) -> str:
    """``amount 'Total'``, ``query parameter 'amount'``, or for a shared schema ``the
    schema of amount 'total' (and 3 more)``."""
    if param_in:
        return f"{param_in} parameter {names[0]!r}"
    tail = loc.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    shown = f"amount {names[0]!r}" + (f" (and {len(names) - 1} more)" if len(names) > 1
                                       else "")
    return shown if tail == names[0] else f"the schema of {shown}"


@rule(
    "finance-money-decimal-string",
    severity="error",
    family="finance",
    formats=ALL_FORMATS,
    summary="Amounts are never JSON numbers: amount-like properties and parameters typed "
            "number, or integer without a currency beside them, are errors (no Spectral "
            "equivalent; Zalando 173 'use a common money object').",
    why="""Most JSON parsers and generated clients turn a JSON number into a binary float,
    which cannot hold most decimal fractions: totals drift by a cent and no longer
    reconcile with the ledger. An integer amount is exact only together with the currency
    whose minor unit it counts. Amounts are recognised by name (amount, total, subTotal,
    TotalTax, UnitAmount, price, balance, fee, discount, tax... but not taxType,
    amountType, totalCount or DiscountRate) or by an ``x-is-money: true`` marker, also
    inside arrays and behind ``$ref``/``allOf``; a shared schema is reported once, where
    its type is declared.""",
    bad=openapi("""paths: {}
components:
  schemas:
    Invoice:
      type: object
      properties:
        SubTotal: {type: number, format: double}
        TotalTax: {type: number, format: double}
        CurrencyCode: {type: string}
"""),
    good=openapi("""paths: {}
components:
  schemas:
    Money:
      type: object
      required: [amount, currency]
      properties:
        amount: {type: string, pattern: '^-?[0-9]+([.][0-9]+)?$'}
        currency: {type: string, pattern: '^[A-Z]{3}$'}
    Invoice:
      type: object
      properties:
        subTotal: {$ref: '#/components/schemas/Money'}
        totalTax: {$ref: '#/components/schemas/Money'}
"""),
)
def money_decimal_string(index: Index) -> Iterator[Violation]:
    f = facts(index)
    reported = _group(p for p in _money_problems(index, f) if p[2] == "number" or not p[4])
    for loc, (t, label, names, param_in) in reported.items():
        if t == "number":
            why = ("JSON numbers are read as binary floats by most clients, so cents drift "
                   "(0.1 + 0.2 != 0.3)")
        else:
            why = ("an integer amount only means something with the currency whose minor "
                   "unit it counts, and there is no currency property beside it")
        yield Violation(loc, f"{_who(loc, names, param_in)} is typed {label}: {why}; "
                             f"{EXPECTED}")


@rule(
    "finance-money-minor-units",
    severity="warn",
    family="finance",
    formats=ALL_FORMATS,
    strict_only=True,
    summary="Strict: integer amounts in minor units (even with a currency beside them) "
            "should be decimal strings (no Spectral equivalent).",
    why="""Integer minor units (Stripe's ``amount: 1099`` + ``currency: usd``) are exact, but
    every consumer must know each currency's ISO 4217 exponent (0 for JPY, 3 for KWD) to
    read them, and one that assumes 2 is wrong by a factor of 10 or 100 without any error.
    The canonical model carries major units as decimal strings, which read the same in
    every currency.""",
    bad="""openapi: 3.1.0
info: {title: Charges, version: 1.0.0}
paths: {}
components:
  schemas:
    Charge:
      type: object
      properties:
        amount: {type: integer, description: Amount in the smallest currency unit.}
        currency: {type: string}
""",
    good="""openapi: 3.1.0
info: {title: Charges, version: 1.0.0}
paths: {}
components:
  schemas:
    Charge:
      type: object
      properties:
        amount: {type: string, pattern: '^-?[0-9]+([.][0-9]+)?$'}
        currency: {type: string}
""",
)
def money_minor_units(index: Index) -> Iterator[Violation]:
    f = facts(index)
    reported = _group(p for p in _money_problems(index, f) if p[2] == "integer" and p[4])
    for loc, (_, _, names, param_in) in reported.items():
        yield Violation(loc, f"{_who(loc, names, param_in)} is an integer in minor units: "
                             "readers must know each currency's ISO 4217 exponent to use it; "
                             "expected a decimal string in major units (the canonical Money "
                             "object)")


@rule(
    "finance-money-currency",
    severity="warn",
    family="finance",
    formats=ALL_FORMATS,
    summary="A decimal-string amount has a currency beside it (a currency property in the "
            "same object, as in Money) (no Spectral equivalent).",
    why="""A decimal string is exact, but "1250.00" is not money until it says which
    currency it is in; a consumer that assumes the document's or the company's currency
    posts foreign-currency invoices at the wrong value. The amount belongs in a Money
    object, or at least next to a currency property (currency, currencyCode,
    presentment_currency...). Only names that are amounts whatever their type are
    checked (amount, total, price, balance, fee, cost...), not tax or discount, which are
    often codes when they are strings.""",
    bad=openapi("""paths: {}
components:
  schemas:
    Payment:
      type: object
      properties:
        amount: {type: string, pattern: '^-?[0-9]+([.][0-9]+)?$'}
""", title="Payments"),
    good=openapi("""paths: {}
components:
  schemas:
    Payment:
      type: object
      properties:
        amount: {type: string, pattern: '^-?[0-9]+([.][0-9]+)?$'}
        currency: {type: string, pattern: '^[A-Z]{3}$'}
""", title="Payments"),
)
def money_currency(index: Index) -> Iterator[Violation]:
    f = facts(index)
    seen: set[Loc] = set()
    for prop in f.money:
        v = prop.view
        if (prop.loc in seen or vocab.money_kind(prop.name) != "strong"
                or not v.only("string") or v.enum is not None
                or (v.fmt is not None and v.fmt.lower() not in _AMOUNT_FORMATS)
                or _NAMES_AN_ID.search(v.description)
                or not is_money(prop.name, v) or not _looks_numeric(prop.name, v)):
            continue
        if currency_in_scope(index, f, prop.owner):
            continue
        seen.add(prop.loc)
        yield Violation(prop.loc, f"amount {prop.name!r} is a string with no currency beside "
                                  "it (no currency or currencyCode property in its object or "
                                  "an object enclosing it); expected the canonical Money "
                                  "object {amount, currency} or an ISO 4217 currency "
                                  "property next to it")

