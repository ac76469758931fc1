"""The names finance APIs give to amounts, currencies, dates, statuses and sensitive values.

The finance rules cannot know what a property means; they read its name, the way a reviewer
does. Names are split into lower-case words whatever the casing style (``TotalTax``,
``amount_due``, ``unitAmount``, ``If-Modified-Since``, ``CISDeduction``), and each question
is answered from the words: the last word is the head noun in English compounds
(``TaxAmount`` is an amount, ``AmountType`` is a type), so most decisions look at it.

Everything here is a pure function of a name (cached, because a large spec repeats the same
few hundred names thousands of times), calibrated on Xero (PascalCase), Stripe (snake_case)
and the registry's own camelCase contracts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@lru_cache(maxsize=8192)
def words(name: str) -> tuple[str, ...]:
    """``"bankAccountNumber"`` -> ``("bank", "account", "number")``; acronyms stay whole
    (``"CISDeduction"`` -> ``("cis", "deduction")``)."""
    return tuple(w.lower() for w in _WORD.findall(name))


def normalized(name: str) -> str:
    """Lower case, letters and digits only: ``"page_token"``, ``"pageToken"`` and
    ``"$pageToken"`` compare equal."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


# -- money ---------------------------------------------------------------------------------

# Head nouns that name an amount of money whatever their type.
STRONG_MONEY = frozenset({"amount", "amounts", "total", "totals", "subtotal", "subtotals",
                          "price", "prices", "balance", "balances", "fee", "fees", "cost",
                          "costs", "deduction", "deductions", "surcharge", "surcharges"})
# Head nouns that are money when the value is a number, but usually a code or an id when it
# is a string (``tax: "VAT20"``, ``discount: "SUMMER10"``, ``charge: "ch_123"``).
WEAK_MONEY = frozenset({"tax", "taxes", "vat", "gst", "discount", "discounts", "charge",
                        "charges", "net", "gross", "debit", "credit", "salary", "revenue",
                        "withholding", "tip", "gratuity", "refund", "payout"})
# Words after an amount noun that keep it an amount: ``AmountDue``, ``amount_off``,
# ``total_excluding_tax``, ``unit_amount_decimal``.
MONEY_QUALIFIERS = frozenset({"due", "paid", "remaining", "outstanding", "overdue", "off",
                              "excl", "incl", "excluding", "including", "inclusive",
                              "exclusive", "decimal", "captured", "refunded", "credited",
                              "applied", "authorized", "received", "requested", "allocated",
                              "settled", "pending", "available", "before", "after", "net",
                              "gross", "tax", "min", "max", "minimum", "maximum", "limit",
                              "value", "original", "converted", "local", "base"})
# Last words that make a money-sounding name something else: ``taxType``, ``amountType``,
# ``totalCount``, ``priceList``, ``DiscountRate``, ``CurrencyRate``, ``tax_behavior``...
NOT_MONEY_HEADS = frozenset({
    "type", "types", "count", "counts", "number", "numbers", "id", "ids", "code", "codes",
    "currency", "currencies", "rate", "rates", "percent", "percentage", "percentages", "pct",
    "ratio", "list", "lists", "name", "names", "description", "descriptions", "mode", "modes",
    "method", "methods", "status", "state", "unit", "units", "decimals", "precision", "scale",
    "date", "dates", "at", "time", "timestamp", "flag", "flags", "enabled", "disabled",
    "included", "details", "detail", "behavior", "behaviour", "setting", "settings", "reason",
    "calculation", "calculations", "source", "sources", "schedule", "period", "periods",
    "days", "months", "frequency", "account", "accounts", "category", "categories", "kind",
    "format", "url", "key", "rule", "rules", "level", "levels", "tier", "tiers", "basis",
    "breakdown", "breakdowns", "transaction", "transactions", "object", "display", "label",
    "text", "string", "line", "lines", "item", "items", "quantity", "quantities", "mask",
    "direction", "sign", "policy", "option", "options", "strategy", "version", "template",
    "group", "groups", "component", "components", "authority", "jurisdiction", "exempt",
    "exemption", "treatment", "point", "points", "bracket", "band", "class", "profile"})
_BOOLEAN_PREFIXES = frozenset({"is", "has", "allow", "allows", "include", "includes",
                               "enable", "enables", "show", "can", "use", "should", "must",
                               "requires", "require", "apply"})
# Descriptions that say a money-sounding number is really a rate (Xero's ``Discount``).
_RATE_WORDS = re.compile(r"\b(rate|percent|percentage|ratio)\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def money_kind(name: str) -> str | None:
    """``"strong"`` when the name is an amount whatever its type, ``"weak"`` when it is one
    only if it is a number, ``None`` when it is not an amount."""
    ws = words(name)
    if not ws or ws[-1] in NOT_MONEY_HEADS or ws[0] in _BOOLEAN_PREFIXES:
        return None
    head = ws[-1]
    if head in STRONG_MONEY:
        return "strong"
    if "amount" in ws or "amounts" in ws:
        return "strong"
    if head in MONEY_QUALIFIERS and any(w in STRONG_MONEY for w in ws[:-1]):
        return "strong"
    if head in WEAK_MONEY:
        return "strong" if any(w in STRONG_MONEY for w in ws[:-1]) else "weak"
    return None


_COUNT_WORDS = re.compile(r"\bnumber of\b|\bcount of\b|\bhow many\b", re.IGNORECASE)


def described_as_rate(description: str) -> bool:
    return bool(_RATE_WORDS.search(description))


def described_as_count(description: str) -> bool:
    """``Total: integer, "The total number of accounts"`` counts things, not money."""
    return bool(_COUNT_WORDS.search(description))


@lru_cache(maxsize=4096)
def is_currency_name(name: str) -> bool:
    """A property that says which currency the amounts next to it are in: ``currency``,
    ``CurrencyCode``, ``presentment_currency``, ``iso_currency_code``, ``ccy``."""
    ws = words(name)
    if not ws:
        return False
    return ws[-1] in {"currency", "ccy"} or ws[-2:] in {("currency", "code"),
                                                        ("currency", "iso")}


# -- dates and times -----------------------------------------------------------------------

DATE_HEADS = frozenset({"date", "datetime", "timestamp", "at", "time", "since", "until"})
DATE_NAMES = frozenset({"date", "timestamp", "created", "updated", "modified", "expires",
                        "expiry", "dob", "birthdate", "birthday"})
_NOT_DATE_BEFORE_TIME = frozenset({"response", "processing", "lead", "wait", "run", "up",
                                   "down", "cycle", "turnaround", "execution", "elapsed",
                                   "transit", "travel", "idle", "retry", "round", "trip"})


@lru_cache(maxsize=8192)
def is_date_name(name: str) -> bool:
    """``issueDate``, ``UpdatedDateUTC``, ``created_at``, ``If-Modified-Since``,
    ``postedOn``, ``timestamp``; not ``DateFormat``, ``timeZone``, ``DueDateType``,
    ``responseTime``."""
    ws = words(name)
    if not ws:
        return False
    if ws[-1] in {"utc", "iso", "local"} and len(ws) > 1:
        ws = ws[:-1]
    head = ws[-1]
    if "".join(ws) in DATE_NAMES:
        return True
    if head == "time" and len(ws) > 1 and ws[-2] in _NOT_DATE_BEFORE_TIME:
        return False
    if head in DATE_HEADS:
        return head not in {"at", "since", "until"} or len(ws) > 1
    return head == "on" and len(ws) > 1 and ws[-2].endswith("ed")


_EPOCH = re.compile(r"epoch|unix|posix|seconds since|milliseconds since|since 1970|"
                    r"since the start of 1970", re.IGNORECASE)
EPOCH_FORMATS = frozenset({"unix-time", "unixtime", "unix-timestamp", "epoch", "timestamp",
                           "epoch-seconds", "epoch-millis", "utc-millisec"})


_DAY_NUMBER = re.compile(r"\bdays?\b|\bmonths?\b|\bday of\b", re.IGNORECASE)


def documented_epoch(fmt: str | None, description: str) -> bool:
    """An integer instant is acceptable when the contract says what it counts from."""
    return (fmt or "").lower() in EPOCH_FORMATS or bool(_EPOCH.search(description))


def described_as_day_number(description: str) -> bool:
    """``DueDate: integer, "20 (of following month)"``: a day number or an offset in days,
    which is not an instant (if badly named)."""
    return bool(_DAY_NUMBER.search(description))


# -- statuses ------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def is_status_name(name: str) -> bool:
    """``status``, ``PaymentStatus``, ``approval_state``, ``statuses``; not
    ``StatusAttributeString`` or ``stateCode``."""
    ws = words(name)
    return bool(ws) and ws[-1] in {"status", "statuses", "state", "states"}


# -- sensitive values ----------------------------------------------------------------------

# A name is sensitive when its words END with one of these phrases. Routing numbers and
# sort codes are not among them: like a BIC they name a bank (or branch), are published,
# and say nothing about whose account it is.
SENSITIVE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("iban",), ("account", "number"), ("account", "no"), ("account", "num"),
    ("acct", "number"), ("acct", "no"), ("bank", "account", "details"), ("tax", "id"),
    ("tax", "number"),
    ("tax", "identifier"), ("tax", "identification", "number"), ("tax", "registration", "id"),
    ("vat", "number"), ("vat", "id"), ("vat", "no"), ("vat", "registration", "number"),
    ("ssn",), ("social", "security", "number"), ("national", "id"),
    ("national", "identifier"), ("national", "insurance", "number"), ("passport", "number"),
    ("card", "number"), ("cvv",), ("cvc",), ("security", "code"))
_SENSITIVE_LAST = frozenset(p[-1] for p in SENSITIVE_PHRASES)
# Account numbers that identify a ledger or a business relationship, not a bank account.
NOT_BANK_ACCOUNTS = frozenset({"gl", "ledger", "general", "customer", "supplier", "vendor",
                               "contact", "member", "loyalty", "reference", "external",
                               "chart", "coa", "offset", "expense", "revenue", "income",
                               "cost", "control", "billing", "merchant"})
# Names that are sensitive only on their own (as parts of other names they mean other things).
SENSITIVE_WHOLE = frozenset({"pan", "tin", "ein", "nino", "bban"})
# Words that say the value is masked, hashed or only a fragment, so no longer sensitive.
MASKED = frozenset({"masked", "mask", "hashed", "hash", "tokenized", "tokenised", "encrypted",
                    "obfuscated", "redacted", "last", "partial", "fingerprint", "hint"})


@lru_cache(maxsize=8192)
def is_sensitive_name(name: str, context: str = "") -> bool:
    """``iban``, ``bankAccountNumber``, ``TaxNumber``, ``vat_id``, ``ssn``, ``cardNumber``;
    not ``ibanLast4``, ``maskedIban``, ``taxIdType``, ``bic``, ``routingNumber`` or
    ``sortCode`` (these name a bank or a branch, not a person's account, and are
    published). ``context`` (the names of the object holding the value and of the schema
    it refers to) tells a ``GlAccount``'s ``accountNumber``, a ledger key, from a bank
    account number."""
    ws = words(name)
    if not ws:
        return False
    if len(ws) == 1 and ws[0] in SENSITIVE_WHOLE:
        return True
    if ws[-1] not in _SENSITIVE_LAST or any(w in MASKED for w in ws):
        return False
    for p in SENSITIVE_PHRASES:
        if len(p) <= len(ws) and ws[-len(p):] == p:
            if p[0] not in {"account", "acct"}:
                return True
            before = ws[:-len(p)] or words(context)
            return "bank" in before or not NOT_BANK_ACCOUNTS.intersection(before)
    return False


@lru_cache(maxsize=16384)
def classes(name: str) -> tuple[bool, bool, bool, bool]:
    """(amount, date, status, sensitive): the four questions the finance rules ask of
    every property name, answered at once."""
    return (money_kind(name) is not None, is_date_name(name), is_status_name(name),
            is_sensitive_name(name))


# -- operations that create or post financial records --------------------------------------

FINANCIAL_RECORDS = frozenset({
    "invoice", "invoices", "invoiceitem", "invoiceitems", "payment", "payments", "posting",
    "postings", "journal", "journals", "order", "orders", "creditnote", "creditnotes",
    "refund", "refunds", "transfer", "transfers", "charge", "charges", "payout", "payouts",
    "bill", "bills", "transaction", "transactions", "overpayment", "overpayments",
    "prepayment", "prepayments", "settlement", "settlements", "disbursement",
    "disbursements", "ledger", "ledgers", "remittance", "remittances", "receipt",
    "receipts", "expense", "expenses", "reversal", "reversals", "capture", "captures",
    "topup", "topups", "debit", "debits", "credit", "credits", "allocation",
    "allocations", "voucher", "vouchers", "withdrawal", "withdrawals", "deposit",
    "deposits"})
# Words that say an operation reads, checks or previews rather than records, records
# something that is not money (an attachment, an e-mail, a saved payment method), or only
# moves a record to a final state (approve, void, cancel: a repeat is refused or does
# nothing, so a retry cannot duplicate anything).
NOT_RECORDING = frozenset({
    "search", "searches", "validation", "validations", "validate", "verify",
    "verification", "verifications", "preview", "previews", "simulate", "simulation",
    "simulations", "estimate", "estimates", "calculate", "calculation", "calculations",
    "lookup", "lookups", "check", "checks", "query", "queries", "upcoming", "test",
    "helpers", "attachment", "attachments", "history", "email", "emails", "pdf", "online",
    "report", "reports", "export", "exports", "download", "render", "dry", "quote",
    "quotes", "comment", "comments", "file", "files", "token", "tokens", "session",
    "sessions", "link", "links", "method", "methods", "template", "templates", "setting",
    "settings", "send", "domain", "domains", "approval", "approvals", "approve", "rejection",
    "rejections", "reject", "void", "voids", "cancel", "cancels", "cancellation",
    "cancellations", "decline", "expire"})
# Action verbs that move or record money on their own, whatever they act on
# (POST /invoices/{id}/pay, /charges/{id}/capture, /payouts/{id}/reverse).
RECORDING_ACTIONS = frozenset({"pay", "capture", "refund", "post", "settle", "disburse",
                               "reverse", "return", "returns", "payout", "withdraw",
                               "deposit", "transfer", "remit", "debit", "credit",
                               "charge", "collect"})
# Action verbs that move money when they act on a financial record (confirming a payment
# intent charges the card, releasing a payment hold pays out), but not on anything else
# (confirming a setup intent saves a card, releasing a subscription schedule detaches it).
MONEY_ON_RECORD_ACTIONS = frozenset({"confirm", "release", "authorize", "authorise",
                                     "increment", "apply", "execute", "process"})


@lru_cache(maxsize=4096)
def record_words(text: str) -> tuple[str, ...]:
    """Words of a path segment or operationId, with ``credit_notes`` / ``CreditNotes``
    also read as one word (``creditnotes``) so compound resource names match."""
    ws = words(text)
    joined = tuple(a + b for a, b in pairwise(ws))
    return ws + joined


def is_idempotency_header(name: str) -> bool:
    """``Idempotency-Key`` in any case, also the common ``X-Idempotency-Key``."""
    return normalized(name).endswith("idempotencykey")


# -- pagination ----------------------------------------------------------------------------

CURSOR_PARAMS = frozenset({
    "cursor", "after", "before", "pagetoken", "nexttoken", "nextpagetoken", "pagecursor",
    "continuationtoken", "continuation", "startingafter", "endingbefore", "startafter",
    "startcursor", "aftercursor", "beforecursor", "marker", "skiptoken", "nextcursor",
    "searchafter", "afterid", "beforeid", "pagekey", "nextkey", "seek"})
LIMIT_PARAMS = frozenset({
    "limit", "pagesize", "perpage", "size", "top", "maxresults", "maxitems", "maxpagesize",
    "pagelimit", "first", "last", "count", "max", "rows", "take", "batchsize"})
OFFSET_PARAMS = frozenset({
    "offset", "skip", "page", "pagenumber", "pageno", "pageindex", "start", "startindex",
    "from", "pagenum"})
# Property names of the array in a page object ({"items": [...], "nextCursor": ...}).
LIST_PROPERTIES = frozenset({
    "items", "data", "results", "records", "entries", "content", "values", "elements",
    "list", "rows", "objects", "nodes", "edges", "hits", "collection", "members"})


def pagination_kind(name: str) -> str | None:
    """``"cursor"``, ``"limit"``, ``"offset"`` or ``None`` for a query parameter name."""
    n = normalized(name)
    if n in CURSOR_PARAMS or "cursor" in words(name):
        return "cursor"
    if n in LIMIT_PARAMS:
        return "limit"
    if n in OFFSET_PARAMS:
        return "offset"
    return None


# -- events --------------------------------------------------------------------------------

CLOUDEVENTS_REQUIRED = ("specversion", "id", "source", "type")
# Binary content mode puts the attributes in protocol headers with a binding prefix
# (Kafka "ce_", HTTP "ce-", AMQP "cloudEvents:" / "cloudEvents_").
CLOUDEVENTS_HEADER_PREFIXES = ("ce_", "ce-", "cloudevents:", "cloudevents_", "cloudevents-")

LIFECYCLES = ("draft", "active", "deprecated", "retired")
