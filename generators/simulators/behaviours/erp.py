"""The ERP finance behaviour: the erp-finance contract served with state.

The generic responder can only echo examples; QA needs an ERP that remembers: a posting
shows up in the journal, its payment moves through the payment run, a blocked supplier
makes the next validation fail. Every operation of erp-finance is answered here from the
Store, so state survives restarts; posting is exactly-once by Idempotency-Key, and each
state change writes its finance-events message to the outbox in the same transaction as
the change itself (no event without the change, no change without the event). Postings
also keep what they invoiced per purchase order line, so that no invoice takes a line past
the quantity ordered or received and no credit takes it below zero (``erp_matching``): read
and written in the posting's transaction, two postings cannot both take the last of a line.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.generators.simulators.behaviours import (
    erp_matching,
    erp_payments,
    erp_rules,
    finance_data,
    paging,
)
from ledgerpact.generators.simulators.behaviours.erp_rules import dec
from ledgerpact.generators.simulators.events import correlation
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
    problem,
    uri_reference,
)

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.idempotency import IdempotencyLedger
    from ledgerpact.generators.simulators.store import Store

# reference_data key -> store kind
STORE_KINDS: dict[str, str] = {"suppliers": "supplier", "purchaseOrders": "purchaseOrder",
                               "goodsReceipts": "goodsReceipt", "costCentres": "costCentre",
                               "glAccounts": "glAccount", "taxCodes": "taxCode"}
_ID_MEMBERS = {STORE_KINDS[k]: member for k, (_, member) in finance_data.SCHEMAS.items()}
PROBLEMS = "https://ledgerpact.dev/problems/"
SEEDED_SINCE = "2024-01-01T00:00:00Z"  # status date of seeded suppliers never onboarded
SCOPE = "postInvoice"
# store kind: paymentId -> {"correlationId": ...}, the business transaction (the posting of the
# invoice the payment pays) its release, settlement or failure is published in
PAYMENT_CORRELATION = "paymentCorrelation"
MASTER_TOKEN = "erp.masterData"  # meta key: changes whenever the store is seeded
_Handler = Callable[[SimRequest, Context], SimResponse]


def problem_for(status: int, slug: str, title: str, detail: str, code: str,
                request: SimRequest, **extra: Any) -> SimResponse:
    """An erp-finance problem answering ``request``: shared with the reference adapters, which
    must refuse in exactly the canonical ERP's words (type, code, instance)."""
    instance = uri_reference(request.path)
    return problem(status, title, detail[:4000], type_=PROBLEMS + slug, instance=instance,
                   code=code, **extra)


def not_found(request: SimRequest, what: str, ident: Any, code: str) -> SimResponse:
    return problem_for(404, "not-found", "Not found", f"No {what} with id {ident}.", code, request)


def timestamp(at: datetime) -> str:
    return erp_payments.timestamp(at)


def amount_text(value: Decimal, minor: int | None) -> str:
    """Exact digits at the currency's minor units, never exponent notation."""
    return format(erp_rules.quantize(value, minor) if minor is not None else value, "f")


# --- cursor pagination ---------------------------------------------------------------

def page(request: SimRequest, items: list[dict[str, Any]],
         key: Callable[[dict[str, Any]], tuple[Any, ...]], *,
         reverse: bool = False) -> SimResponse:
    """One page of ``items`` in ``key`` order (``paging``): the cursor holds the last key
    served, so pages stay stable while records are added (the contract's promise)."""
    try:
        chunk, next_cursor, limit = paging.page_of(items, key, request.query, reverse=reverse)
    except paging.BadCursor:
        return problem_for(400, "bad-request", "Bad request",
                           "The cursor is not one this server issued.", "INVALID_CURSOR",
                           request)
    headers = {"Link": paging.next_link(request.path, request.query, next_cursor, limit)} \
        if next_cursor else {}
    return SimResponse(200, {"items": chunk, "nextCursor": next_cursor}, headers=headers)


def purchase_order_page(request: SimRequest, items: list[dict[str, Any]]) -> SimResponse:
    """listPurchaseOrders' own filters (status, order date range) and order (newest first,
    then PO number) over canonical purchase orders: shared with the reference adapters so
    that they answer the same query with the same page as the canonical ERP. Filtering by
    supplier is left to the caller, which may ask its vendor for it."""
    q = request.query
    if q.get("status"):
        items = [p for p in items if p.get("status") == q["status"]]
    if q.get("orderDateFrom"):
        items = [p for p in items if p["orderDate"] >= str(q["orderDateFrom"])]
    if q.get("orderDateTo"):
        items = [p for p in items if p["orderDate"] <= str(q["orderDateTo"])]
    return page(request, items, lambda p: (p["orderDate"], p["poNumber"]), reverse=True)


# --- the journal entry of a posting ----------------------------------------------------

def journal_lines(doc: Mapping[str, Any], accounting: list[erp_rules.LineAccounting],
                  minor: int | None) -> list[dict[str, Any]]:
    """Expense lines per (GL account, cost centre, tax code), input VAT per tax code and the
    payable, balanced by construction: the payable is what the other lines add up to.
    A credit note books every line on the opposite side."""
    credit_note = erp_rules.is_credit_note(doc)
    currency = str(doc["currency"])
    expense: dict[tuple[str, str | None, str | None], Decimal] = {}
    for line, acc in zip(doc.get("lines", []), accounting, strict=False):
        slot = (acc.gl_account, acc.cost_centre, acc.tax_code)
        expense[slot] = expense.get(slot, Decimal(0)) + dec(line["netAmount"]["amount"])
    if expense:
        first = next(iter(expense))
        for item in doc.get("allowanceCharges", []):
            sign = Decimal(1) if item.get("kind") == "charge" else Decimal(-1)
            expense[first] += sign * dec(item["amount"]["amount"])
    code_of = {(str(ln.get("vat", {}).get("categoryCode")),
                dec(ln["vat"]["rate"]) if "rate" in ln.get("vat", {}) else None): acc.tax_code
               for ln, acc in zip(doc.get("lines", []), accounting, strict=False)}
    vat: dict[str | None, Decimal] = {}
    for row in doc.get("vatBreakdown", []):
        group = (str(row.get("categoryCode")), dec(row["rate"]) if "rate" in row else None)
        code = code_of.get(group)
        vat[code] = vat.get(code, Decimal(0)) + dec(row["taxAmount"]["amount"])
    lines: list[dict[str, Any]] = []
    balance = Decimal(0)

    def add(account: str, signed: Decimal, description: str, cost_centre: str | None = None,
            tax_code: str | None = None) -> None:
        nonlocal balance
        if signed == 0:
            return
        balance += signed
        debit = (signed > 0) != credit_note
        line: dict[str, Any] = {"lineNumber": len(lines) + 1, "glAccount": account,
                                "side": "debit" if debit else "credit",
                                "amount": {"amount": amount_text(abs(signed), minor),
                                           "currency": currency},
                                "description": description}
        if cost_centre:
            line["costCentre"] = cost_centre
        if tax_code:
            line["taxCode"] = tax_code
        lines.append(line)

    for (account, centre, code), amount in expense.items():
        add(account, amount, f"Document {doc.get('number')}", centre, code)
    for code, amount in vat.items():
        add(finance_data.INPUT_VAT_ACCOUNT, amount, "Input VAT", tax_code=code)
    payable = balance
    add(finance_data.PAYABLES_ACCOUNT, -payable, "Payable to supplier")
    return lines


def is_balanced(lines: list[dict[str, Any]]) -> bool:
    debit = sum((dec(ln["amount"]["amount"]) for ln in lines if ln["side"] == "debit"),
                Decimal(0))
    credit = sum((dec(ln["amount"]["amount"]) for ln in lines if ln["side"] == "credit"),
                 Decimal(0))
    return debit == credit and debit > 0


def invoice_id(doc: Mapping[str, Any]) -> str:
    """AP automation's id for the document when it sent one, else the document number:
    payments and journal entries are found by it."""
    for ext in doc.get("externalIds", []):
        if ext.get("system") == "invoice-automation":
            return str(ext["id"])
    return str(doc.get("number"))


# erp-finance operationId -> the name of the method that answers it in a reference adapter
# (adapters/*/behaviour.py): one table, so every adapter serves the same operations under
# the same names. ErpBehaviour answers several reads with one generic handler instead.
ROUTES: Mapping[str, str] = {
    "listSuppliers": "_list_suppliers", "searchSuppliers": "_search_suppliers",
    "getSupplier": "_get_supplier", "getSupplierStatus": "_get_supplier_status",
    "listPurchaseOrders": "_list_purchase_orders", "getPurchaseOrder": "_get_purchase_order",
    "listGoodsReceiptsByPurchaseOrder": "_list_goods_receipts",
    "getGoodsReceipt": "_get_goods_receipt",
    "validateInvoice": "_validate_invoice", "postInvoice": "_post_invoice",
    "getInvoicePosting": "_get_posting",
    "listPaymentsByInvoice": "_list_payments", "getPayment": "_get_payment",
    "listJournalEntries": "_list_journal_entries", "getJournalEntry": "_get_journal_entry",
    "listCostCentres": "_list_cost_centres", "getCostCentre": "_get_cost_centre",
    "listGlAccounts": "_list_gl_accounts", "getGlAccount": "_get_gl_account",
    "listTaxCodes": "_list_tax_codes", "getTaxCode": "_get_tax_code",
}


class ErpBehaviour:
    """Implements messages.Behaviour for the erp-finance contract."""

    name = "erp"
    contract_id = "erp-finance"

    def __init__(self, document: Mapping[str, Any] | None = None,
                 registry_root: Path | None = None) -> None:
        self._document = document
        self._registry_root = registry_root
        self._minor: dict[str, int] | None = None
        self._ledger: IdempotencyLedger | None = None
        self._ledger_store: Store | None = None
        self._master: tuple[Store, Any, _MasterLists] | None = None
        self._routes: dict[str, _Handler] = {
            "listSuppliers": self._list_suppliers,
            "searchSuppliers": self._search_suppliers,
            "getSupplier": self._get_supplier,
            "getSupplierStatus": self._get_supplier_status,
            "listPurchaseOrders": self._list_purchase_orders,
            "getPurchaseOrder": self._get("purchaseOrder", "purchaseOrderId", "purchase order",
                                          "PURCHASE_ORDER_NOT_FOUND"),
            "listGoodsReceiptsByPurchaseOrder": self._list_goods_receipts,
            "getGoodsReceipt": self._get("goodsReceipt", "goodsReceiptId", "goods receipt",
                                         "GOODS_RECEIPT_NOT_FOUND"),
            "validateInvoice": self._validate_invoice,
            "getInvoicePosting": self._get("posting", "postingId", "invoice posting",
                                           "POSTING_NOT_FOUND"),
            "listPaymentsByInvoice": self._list_payments,
            "getPayment": self._get("payment", "paymentId", "payment", "PAYMENT_NOT_FOUND"),
            "listJournalEntries": self._list_journal_entries,
            "getJournalEntry": self._get("journalEntry", "journalEntryId", "journal entry",
                                         "JOURNAL_ENTRY_NOT_FOUND"),
            "listCostCentres": self._list_simple("costCentre", "code"),
            "getCostCentre": self._get("costCentre", "costCentreCode", "cost centre",
                                       "COST_CENTRE_NOT_FOUND"),
            "listGlAccounts": self._list_gl_accounts,
            "getGlAccount": self._get("glAccount", "glAccountNumber", "GL account",
                                      "GL_ACCOUNT_NOT_FOUND"),
            "listTaxCodes": self._list_tax_codes,
            "getTaxCode": self._get("taxCode", "taxCode", "tax code", "TAX_CODE_NOT_FOUND"),
        }

    # --- Behaviour protocol ------------------------------------------------------------

    def bind_contract(self, document: Mapping[str, Any]) -> None:
        """Use the engine's bundled erp-finance (from its --registry) instead of looking it up
        from the current directory, so data and rules follow the contract being served."""
        self._document, self._minor = document, None

    @property
    def document(self) -> Mapping[str, Any]:
        if self._document is None:
            self._document = finance_data.erp_document(self._registry_root)
        return self._document

    @property
    def minor_units(self) -> dict[str, int]:
        if self._minor is None:
            self._minor = finance_data.contract_minor_units(self.document)
        return self._minor

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        data = finance_data.reference_data(seed, data_dir, document=self.document)
        with store.transaction():
            for key, kind in STORE_KINDS.items():
                member = _ID_MEMBERS[kind]
                for item in data[key]:
                    store.put(kind, str(item[member]), item)
            for supplier in data["suppliers"]:
                since = supplier.get("onboardedAt", SEEDED_SINCE)
                store.put("supplierMeta", supplier["supplierNumber"],
                          {"since": since, "updatedAt": since})
            store.meta_set(MASTER_TOKEN, uuid.uuid4().hex)
        self._master = None

    def master_data(self, store: Store) -> _MasterView:
        """The store, with suppliers and tax codes (scanned by every validation) and their
        indexes, and the received quantities per PO line (quantity matching), kept in memory
        until the store is seeded again or one of those kinds changes (a supplier blocked, a
        tax code edited): rebuilding them per invoice was most of the cost of a validation."""
        token = (store.meta_get(MASTER_TOKEN) or "", store.generation("supplier"),
                 store.generation("taxCode"), store.generation("goodsReceipt"))
        if self._master is None or self._master[0] is not store or self._master[1] != token:
            self._master = (store, token, _MasterLists(store.scan("supplier"),
                                                       store.scan("taxCode"),
                                                       store.scan("goodsReceipt")))
        return _MasterView(store, self._master[2])

    def validation(self, doc: Mapping[str, Any], store: Store) -> erp_rules.Validation:
        """``erp_rules.validate_invoice`` plus quantity matching against the quantities
        earlier postings invoiced: what both validateInvoice and postInvoice answer, so a
        document that validated clean is not refused at posting (unless a posting in
        between took the quantity). Inside a posting's transaction the sums read here
        cannot change before the posting records its own."""
        data = self.master_data(store)
        result = erp_rules.validate_invoice(doc, data, self.minor_units)
        # a document already posted is a duplicate (its own finding), not its own variance
        itself = None
        if result.supplier is not None:
            posted = data.get("postingIndex", erp_rules.posting_key(
                str(result.supplier.get("supplierNumber")), str(doc.get("number"))))
            itself = posted.get("postingId") if posted is not None else None
        lines = erp_matching.document_lines(doc)
        with erp_rules.exact():
            erp_matching.check_quantities(lines, data, result,
                                          self._invoiced(store, {ln.key for ln in lines},
                                                         itself),
                                          data.received)
        return result

    @staticmethod
    def _counting(store: Store, leave_out: str | None = None) -> Callable[[str], bool]:
        """Whether a posting's quantities still count (posted, and not ``leave_out``)."""
        def counts(posting_id: str) -> bool:
            if posting_id == leave_out:
                return False
            posting = store.get_shared("posting", posting_id)
            return posting is not None and posting.get("status") in \
                erp_matching.COUNTED_STATUSES

        return counts

    @staticmethod
    def _invoiced(store: Store, keys: set[str], leave_out: str | None = None
                  ) -> dict[str, Decimal]:
        """The quantity invoiced so far per PO line key, by postings that still count
        (``leave_out``: a posting not to count): each line's running total, one read."""
        counts = ErpBehaviour._counting(store, leave_out)  # for state from before the totals
        own: Mapping[str, Any] = {}
        if leave_out is not None:
            own = (store.get_shared(erp_matching.POSTING_QUANTITIES_KIND, leave_out)
                   or {}).get("lines", {})
        found: dict[str, Decimal] = {}
        for key in keys:
            record = store.get_shared(erp_matching.INVOICED_KIND, key)
            if record is not None:
                found[key] = erp_matching.running_invoiced(
                    record, counts, erp_rules.dec(own.get(key, "0")))
        return found

    @staticmethod
    def _record_quantities(store: Store, doc: Mapping[str, Any], data: erp_rules.MasterData,
                           posting_id: str) -> None:
        """What the posting invoiced (or credited) per PO line, in the posting's
        transaction: added to each line's running total, which the next posting's quantity
        check reads, and kept with the posting for a reversal to take out again."""
        with erp_rules.exact():
            lines = erp_matching.document_lines(doc)
            added = erp_matching.contributions(lines, data)
            mine: dict[str, str] = {}
            for key, (quantity, unit) in added.items():
                record = store.get(erp_matching.INVOICED_KIND, key) or {"total": "0"}
                if "total" not in record:  # state from before the running total
                    record = {"total": format(erp_matching.running_invoiced(
                        record, ErpBehaviour._counting(store)), "f")}
                total = erp_rules.dec(record["total"]) + quantity
                store.put(erp_matching.INVOICED_KIND, key,
                          {"total": format(total, "f"), "unitCode": unit})
                mine[key] = format(quantity, "f")
        store.put(erp_matching.POSTING_QUANTITIES_KIND, posting_id, {"lines": mine})

    @staticmethod
    def reverse_posting(store: Store, posting_id: str) -> None:
        """Take a posting out of the ledger: its status becomes reversed and what it
        invoiced (or credited) per PO line leaves the lines' running totals. (No API
        operation reverses a posting; this is the one place that may.)"""
        posting = store.get("posting", posting_id)
        if posting is None or posting.get("status") not in erp_matching.COUNTED_STATUSES:
            return
        with store.transaction(), erp_rules.exact():
            store.put("posting", posting_id, {**posting, "status": "reversed"})
            mine = (store.get(erp_matching.POSTING_QUANTITIES_KIND, posting_id)
                    or {}).get("lines", {})
            for key, quantity in mine.items():
                record = store.get(erp_matching.INVOICED_KIND, key)
                if record is not None and "total" in record:
                    total = erp_rules.dec(record["total"]) - erp_rules.dec(quantity)
                    store.put(erp_matching.INVOICED_KIND, key,
                              {**record, "total": format(total, "f")})

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        if request.operation_id == "postInvoice":
            response = await self._post_invoice(request, ctx)
        else:
            handler = self._routes.get(request.operation_id)
            response = handler(request, ctx) if handler is not None else None
        # Postings are group-committed: nothing is answered (a posting, a replay of one, a
        # read that saw one) before what it shows is committed. Free when nothing is pending.
        await ctx.store.flush()
        return response

    def scenario(self, store: Store) -> dict[str, Any]:
        def by_status(kind: str) -> dict[str, int]:
            counts: dict[str, int] = {}
            for item in store.scan(kind):
                counts[str(item.get("status"))] = counts.get(str(item.get("status")), 0) + 1
            return dict(sorted(counts.items()))

        kinds = [*STORE_KINDS.values(), "posting", "journalEntry", "payment"]
        return {"counts": {kind: store.count(kind) for kind in kinds},
                "suppliersByStatus": by_status("supplier"),
                "purchaseOrdersByStatus": by_status("purchaseOrder"),
                "paymentsByStatus": by_status("payment")}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        return {"release-payment": self._release_payment,
                "settle-payment": self._settle_payment,
                "fail-payment": self._fail_payment,
                "set-supplier-status": self._set_supplier_status,
                "sample-invoice": self._sample_invoice}

    # --- reads -------------------------------------------------------------------------

    def _get(self, kind: str, param: str, what: str, code: str) -> _Handler:
        def handler(request: SimRequest, ctx: Context) -> SimResponse:
            ident = str(request.path_params.get(param))
            found = ctx.store.get(kind, ident)
            return SimResponse(200, found) if found is not None \
                else not_found(request, what, ident, code)
        return handler

    def _list_simple(self, kind: str, member: str) -> _Handler:
        def handler(request: SimRequest, ctx: Context) -> SimResponse:
            return page(request, ctx.store.scan(kind), lambda item: (str(item[member]),))
        return handler

    def _get_supplier(self, request: SimRequest, ctx: Context) -> SimResponse:
        return self._get("supplier", "supplierNumber", "supplier",
                         "SUPPLIER_NOT_FOUND")(request, ctx)

    def _get_supplier_status(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("supplierNumber"))
        supplier = ctx.store.get("supplier", number)
        if supplier is None:
            return not_found(request, "supplier", number, "SUPPLIER_NOT_FOUND")
        meta = ctx.store.get("supplierMeta", number) or {"since": SEEDED_SINCE}
        body: dict[str, Any] = {"supplierNumber": number, "status": supplier["status"],
                                "since": meta["since"]}
        if supplier.get("statusReason"):
            body["reason"] = supplier["statusReason"]
        return SimResponse(200, body)

    def _list_suppliers(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        items = ctx.store.scan("supplier")
        if q.get("status"):
            items = [s for s in items if s.get("status") == q["status"]]
        if q.get("name"):
            needle = str(q["name"]).casefold()
            items = [s for s in items if needle in str(s.get("name", "")).casefold()
                     or needle in str(s.get("tradingName", "")).casefold()]
        if q.get("countryCode"):
            items = [s for s in items
                     if s.get("postalAddress", {}).get("countryCode") == q["countryCode"]]
        if q.get("updatedSince"):
            since = erp_rules.instant(str(q["updatedSince"]))
            if since is None:
                return problem_for(400, "bad-request", "Bad request",
                                   "updatedSince is not an RFC 3339 date-time.",
                                   "INVALID_PARAMETER", request)
            meta = {m["number"]: m for m in _meta_rows(ctx.store)}
            items = [s for s in items
                     if (erp_rules.instant(meta.get(s["supplierNumber"], {}).get("updatedAt",
                                                                          SEEDED_SINCE))
                         or since) >= since]
        return page(request, items, lambda s: (str(s["supplierNumber"]),))

    def _search_suppliers(self, request: SimRequest, ctx: Context) -> SimResponse:
        body = request.body if isinstance(request.body, Mapping) else {}
        if not any(k in body for k in ("taxRegistration", "iban", "accountId")):
            return problem_for(422, "validation-failed", "The request cannot be processed",
                               "Give a tax registration, an IBAN or an account id.",
                               "VALIDATION_FAILED", request,
                               errors=[{"pointer": "", "code": "SEARCH_CRITERION_MISSING",
                                     "detail": "Expected at least one of taxRegistration, "
                                               "iban, accountId."}])
        found = [s for s in ctx.store.scan("supplier") if erp_rules.supplier_matches(s, body)]
        return SimResponse(200, {"items": found, "nextCursor": None})

    def _list_purchase_orders(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        items = ctx.store.scan("purchaseOrder")
        if q.get("supplierNumber"):
            items = [p for p in items if p["supplier"]["supplierNumber"] == q["supplierNumber"]]
        return purchase_order_page(request, items)

    def _list_goods_receipts(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("purchaseOrderId"))
        if ctx.store.get("purchaseOrder", number) is None:
            return not_found(request, "purchase order", number, "PURCHASE_ORDER_NOT_FOUND")
        items = [r for r in ctx.store.scan("goodsReceipt")
                 if r.get("purchaseOrder", {}).get("poNumber") == number]
        return page(request, items, lambda r: (r["receivedDate"], r["receiptId"]))

    def _list_payments(self, request: SimRequest, ctx: Context) -> SimResponse:
        wanted = str(request.query.get("invoiceId"))
        status = request.query.get("status")
        items = [p for p in ctx.store.scan("payment")
                 if any(r.get("referredDocument", {}).get("id") == wanted
                        for r in p.get("remittanceInformation", {}).get("structured", []))
                 and (not status or p.get("status") == status)]
        return page(request, items, lambda p: (p["paymentId"],), reverse=True)

    def _list_journal_entries(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        year, period = int(q.get("fiscalYear") or 0), int(q.get("fiscalPeriod") or 0)
        items = [e for e in ctx.store.scan("journalEntry")
                 if e["postingPeriod"] == {"fiscalYear": year, "period": period}
                 and (not q.get("sourceDocumentId")
                      or e.get("source", {}).get("documentId") == q["sourceDocumentId"])]
        return page(request, items, lambda e: (e["postingDate"], e["entryId"]))

    def _list_gl_accounts(self, request: SimRequest, ctx: Context) -> SimResponse:
        items = ctx.store.scan("glAccount")
        if request.query.get("type"):
            items = [a for a in items if a.get("type") == request.query["type"]]
        return page(request, items, lambda a: (str(a["accountNumber"]),))

    def _list_tax_codes(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        items = ctx.store.scan("taxCode")
        if q.get("countryCode"):
            items = [t for t in items if t["jurisdiction"]["countryCode"] == q["countryCode"]]
        if q.get("direction"):
            items = [t for t in items if t.get("direction") == q["direction"]]
        return page(request, items, lambda t: (str(t["code"]),))

    # --- invoices ----------------------------------------------------------------------

    def _validate_invoice(self, request: SimRequest, ctx: Context) -> SimResponse:
        if not isinstance(request.body, Mapping):
            return _not_a_document(request)
        result = self.validation(request.body, ctx.store)
        return SimResponse(200, {"valid": result.valid, "checkedAt": timestamp(ctx.clock.now()),
                                 "checks": list(erp_rules.CHECKS),
                                 "findings": [f.as_dict() for f in result.findings]})

    def ledger(self, store: Store) -> IdempotencyLedger:
        """One ledger per store: its in-flight claims live in memory beside the store."""
        if self._ledger is None or self._ledger_store is not store:
            from ledgerpact.generators.simulators.idempotency import IdempotencyLedger

            self._ledger, self._ledger_store = IdempotencyLedger(store), store
        return self._ledger

    async def _post_invoice(self, request: SimRequest, ctx: Context) -> SimResponse:
        from ledgerpact.generators.simulators.idempotency import fingerprint

        key = request.headers.get("idempotency-key")
        if not key:
            return problem_for(400, "bad-request", "Bad request",
                               "The Idempotency-Key header is required for this operation.",
                               "IDEMPOTENCY_KEY_MISSING", request)
        ledger = self.ledger(ctx.store)
        claim = ledger.begin(SCOPE, key, fingerprint(request))
        if claim.outcome == "replay":
            stored = claim.response
            assert stored is not None, "the ledger replays only stored responses"
            return SimResponse(stored.status, stored.body,
                               headers={**stored.headers, "Idempotent-Replayed": "true"},
                               media_type=stored.media_type)
        if claim.outcome == "mismatch":
            return problem_for(409, "idempotency-key-reused",
                               "Idempotency key reused with a different request",
                               f"Key {key} was first used with a different request body; use a "
                               "new key for a new request.", "IDEMPOTENCY_KEY_REUSED", request)
        if claim.outcome == "in_flight":
            return problem_for(409, "idempotency-key-in-flight",
                               "A request with this idempotency key is in progress",
                               f"A request with key {key} is still being processed; retry "
                               "later with the same key.", "IDEMPOTENCY_KEY_IN_FLIGHT", request)
        finished = False
        try:
            # A real ERP takes time between accepting a key and committing; yielding here lets
            # a concurrent retry with the same key meet the claim in flight, as it would there.
            await asyncio.sleep(0)
            # One COMMIT for every posting of this loop iteration (handle() awaits it before
            # answering): the commit is most of the cost of a posting.
            with ctx.store.transaction(group=True):
                response = self._post(request, ctx)
                if response.status == 201:
                    ledger.finish(claim, response)
                    finished = True
        finally:
            if not finished:  # refused or failed: nothing was posted, the key is free again
                ledger.release(claim)
        return response

    def _post(self, request: SimRequest, ctx: Context) -> SimResponse:
        doc = request.body
        if not isinstance(doc, Mapping):
            return _not_a_document(request)
        result = self.validation(doc, ctx.store)
        duplicate = next((f for f in result.findings if f.code == "DUPLICATE_INVOICE"), None)
        if duplicate is not None:
            return problem_for(409, "duplicate-invoice", "Duplicate invoice", duplicate.message,
                               "DUPLICATE_INVOICE", request)
        currency = str(doc["currency"])
        minor = self.minor_units.get(currency)
        with erp_rules.exact():
            lines = journal_lines(doc, result.lines, minor) if result.valid else []
        if result.valid and not is_balanced(lines):
            result.add("AMOUNT_ZERO", "/totals/payableAmount",
                       "A document of zero amount cannot be posted.")
        if not result.valid:
            errors = result.errors
            return problem_for(422, "validation-failed", "The invoice cannot be posted",
                               f"{len(errors)} validation error{'s' if len(errors) != 1 else ''}; "
                               "nothing was posted.", "VALIDATION_FAILED", request,
                               errors=[{"pointer": f.pointer, "detail": f.message, "code": f.code}
                                    for f in errors])
        supplier = result.supplier or {}
        store = ctx.store
        now = ctx.clock.now().astimezone(UTC)
        today, stamp = now.date(), timestamp(now)
        posting_id = f"PST-{today.year}-{store.next_number('posting'):06d}"
        entry_id = f"JE-{today.year}-{store.next_number('journalEntry'):07d}"
        inv_id, number = invoice_id(doc), str(doc["number"])
        credit_note = erp_rules.is_credit_note(doc)
        period = {"fiscalYear": today.year, "period": today.month}
        entry = {"entryId": entry_id, "companyCode": finance_data.COMPANY_CODE, "ledger": "0L",
                 "postingPeriod": period, "postingDate": today.isoformat(),
                 "documentDate": str(doc["issueDate"]), "currency": currency,
                 "status": "posted",
                 "source": {"documentType": "credit-note" if credit_note else "invoice",
                            "documentId": inv_id, "documentNumber": number,
                            "system": "invoice-automation" if inv_id != number
                            else "erp-finance"},
                 "description": f"Supplier {'credit note' if credit_note else 'invoice'} "
                                f"{number}, {supplier.get('name', '')}"[:200].rstrip(),
                 "lines": lines}
        posting = {"postingId": posting_id, "status": "posted", "documentNumber": number,
                   "supplierNumber": supplier["supplierNumber"],
                   "postingDate": today.isoformat(), "fiscalYear": today.year,
                   "fiscalPeriod": today.month, "postedAt": stamp, "journalEntryId": entry_id,
                   "externalIds": [{"system": "sap-s4", "id": f"51{posting_id[-6:]:0>8}",
                                    "objectType": "BKPF"}]}
        store.put("journalEntry", entry_id, entry)
        store.put("posting", posting_id, posting)
        store.put("postingIndex", erp_rules.posting_key(supplier["supplierNumber"], number),
                  {"postingId": posting_id})
        self._record_quantities(store, doc, self.master_data(store), posting_id)
        gross = {"amount": amount_text(_payable(lines), minor), "currency": currency}
        ctx.emit("invoicePosted", {"invoiceId": inv_id, "invoiceNumber": number,
                                   "postingId": posting_id, "journalEntryId": entry_id,
                                   "postingDate": today.isoformat(), "postingPeriod": period,
                                   "postedAt": stamp, "grossAmount": gross})
        payment = None if credit_note else self._schedule_payment(doc, supplier, ctx, now)
        if payment is not None:
            store.put("payment", payment["paymentId"], payment)
            holder: dict[str, Any] = {}
            correlation.join(ctx.emit, holder)
            if holder:
                store.put(PAYMENT_CORRELATION, payment["paymentId"], holder)
            ctx.emit("invoicePaymentScheduled", {
                "invoiceId": inv_id, "invoiceNumber": number,
                "paymentId": payment["paymentId"],
                "requestedExecutionDate": payment["requestedExecutionDate"],
                "amount": payment["amount"]})
        location = f"{request.path.rstrip('/')}/{posting_id}"
        return SimResponse(201, posting, headers={"Location": location})

    def _schedule_payment(self, doc: Mapping[str, Any], supplier: Mapping[str, Any],
                          ctx: Context, now: datetime) -> dict[str, Any] | None:
        """The payment run's scheduled payment of the payable, or None when nothing can be
        paid (no positive amount or no account to pay to)."""
        currency = str(doc["currency"])
        minor = self.minor_units.get(currency)
        amount = dec(doc.get("totals", {}).get("payableAmount", {}).get("amount"))
        accounts = list(supplier.get("bankAccounts", [])) or [
            account for instruction in doc.get("paymentInstructions", [])
            for account in instruction.get("creditTransfers", [])]
        if amount <= 0 or not accounts:
            return None
        number = ctx.store.next_number("payment")
        today = now.date()
        due = doc.get("dueDate")
        if due:
            execution = max(date.fromisoformat(str(due)), today)
        else:
            # validate_invoice refused a due date past date.max (DUE_DATE_OUT_OF_RANGE)
            execution = erp_rules.net_due_date(date.fromisoformat(str(doc["issueDate"])),
                                               supplier) or date.max
            execution = max(execution, today)
        creditor: dict[str, Any] = {"name": supplier.get("name") or doc["seller"]["name"]}
        if supplier.get("postalAddress"):
            # A copy: ``supplier`` is the store's shared master-data object (get_shared).
            creditor["postalAddress"] = copy.deepcopy(supplier["postalAddress"])
        money = {"amount": amount_text(amount, minor), "currency": currency}
        creditor_account = dict(accounts[0])
        return {
            "paymentId": f"PAY-{today.year}-{number:06d}",
            "paymentInformationId": f"PMTINF-{execution.isoformat()}-001",
            "instructionId": f"INSTR-{number:06d}",
            "endToEndId": f"E2E-{doc['number']}"[:35],
            "uetr": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
            "debtor": finance_data.BUYER, "debtorAccount": finance_data.BUYER_ACCOUNT,
            "creditor": creditor, "creditorAccount": creditor_account,
            "amount": money, "requestedExecutionDate": execution.isoformat(),
            "chargeBearer": "SLEV" if currency == "EUR" and "iban" in creditor_account
            else "SHAR",
            "remittanceInformation": {"structured": [{
                "referredDocument": {"type": "CINV", "number": str(doc["number"])[:35],
                                     "id": invoice_id(doc),
                                     "relatedDate": str(doc["issueDate"])},
                "remittedAmount": money}]},
            "status": "scheduled",
            "statusHistory": [{"status": "scheduled", "at": timestamp(now)}],
        }

    # --- admin actions -----------------------------------------------------------------

    def _move_payment(self, body: Mapping[str, Any], ctx: Context, action: str,
                      **extra: Any) -> dict[str, Any]:
        payment_id = _required(body, "paymentId")
        with ctx.store.transaction():
            payment = ctx.store.get("payment", payment_id)
            if payment is None:
                raise ActionError(404, f"no payment {payment_id}")
            try:
                moved = erp_payments.apply(payment, action, ctx.clock.now(), **extra)
            except erp_payments.IllegalPaymentTransition as exc:
                raise ActionError(409, str(exc)) from None
            ctx.store.put("payment", payment_id, moved)
            self._join_payment(ctx, payment_id)
            ctx.emit({"released": "paymentReleased", "settled": "paymentSettled",
                      "failed": "paymentFailed"}[moved["status"]], moved)
            if moved["status"] == "settled":
                referred = moved["remittanceInformation"]["structured"][0]["referredDocument"]
                ctx.emit("invoicePaid", {"invoiceId": referred.get("id", referred["number"]),
                                         "invoiceNumber": referred["number"],
                                         "paymentIds": [payment_id],
                                         "paidAmount": moved["amount"],
                                         "valueDate": moved["valueDate"]})
        return moved

    @staticmethod
    def _join_payment(ctx: Context, payment_id: str) -> None:
        """Publish a payment's later steps in the business transaction of its posting (a
        payment scheduled before correlation ids were stored starts one now)."""
        holder = ctx.store.get(PAYMENT_CORRELATION, payment_id) or {}
        had = dict(holder)
        correlation.join(ctx.emit, holder)
        if holder != had:
            ctx.store.put(PAYMENT_CORRELATION, payment_id, holder)

    def _release_payment(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        return self._move_payment(body, ctx, "release")

    def _settle_payment(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        value_date = None
        if body.get("valueDate") is not None:
            try:
                value_date = date.fromisoformat(str(body["valueDate"]))
            except ValueError:
                raise ActionError(400, "valueDate must be a date (YYYY-MM-DD)") from None
        return self._move_payment(body, ctx, "settle", value_date=value_date)

    def _fail_payment(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        reason: dict[str, Any] = {}
        code = body.get("reasonCode", "AC04" if not body.get("reason") else None)
        if code is not None:
            if not (isinstance(code, str) and len(code) == 4 and code.isalnum()
                    and code.upper() == code):
                raise ActionError(400, "reasonCode must be an ISO 20022 code of 4 capitals "
                                       "or digits, e.g. AC04")
            reason["code"] = code
        if body.get("reason"):
            reason["proprietary"] = str(body["reason"])[:35]
        return self._move_payment(body, ctx, "fail", reason=reason)

    def _sample_invoice(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        """A clean invoice for a seeded open purchase order, ready to validate and post:
        QA should not have to hand-write 1.5 KB of canonical invoice to try a posting.
        Body: optional ``purchaseOrderId`` and ``invoiceNumber``; each call without a number
        gets a new one. It bills what is still open on the order's lines (the quantity
        matching of postings refuses more), and calls without an order take the open orders
        in turn, so samples fetched before any is posted are distinct postings that can all
        be posted, while the open orders last."""
        wanted = body.get("purchaseOrderId")
        if wanted is not None and not isinstance(wanted, str):
            raise ActionError(400, "purchaseOrderId must be a string")
        number = body.get("invoiceNumber")
        if number is not None and not (isinstance(number, str) and 0 < len(number) <= 35):
            raise ActionError(400, "invoiceNumber must be a text of 1 to 35 characters")
        suppliers = {s["supplierNumber"]: s for s in ctx.store.scan("supplier")}
        if wanted is not None:
            po = ctx.store.get("purchaseOrder", wanted)
            if po is None:
                raise ActionError(404, f"no purchase order {wanted}")
            orders = [po]
        else:
            orders = ctx.store.scan("purchaseOrder")
        candidates: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for po in orders:
            supplier = suppliers.get(po["supplier"]["supplierNumber"])
            open_lines = any(ln["status"] not in ("closed", "cancelled") for ln in po["lines"])
            if supplier is None or supplier["status"] != "active" or not open_lines or \
                    po["status"] not in ("released", "partially-received", "received"):
                if wanted is not None:
                    raise ActionError(409, f"purchase order {wanted} cannot be invoiced: it is "
                                      f"{po['status']} or its supplier is not active")
                continue
            left = self._uninvoiced(po, ctx.store)
            if left is None:
                if wanted is not None:
                    raise ActionError(409, f"purchase order {wanted} has nothing left to "
                                      "invoice: its open lines are invoiced up to the quantity "
                                      "ordered or received")
                continue
            candidates.append((left, supplier))
        if not candidates:
            raise ActionError(409, "no open purchase order of an active supplier with "
                                   "anything left to invoice")
        turn = 0 if wanted is not None else ctx.store.next_number("sample-order") - 1
        po, supplier = candidates[turn % len(candidates)]
        if number is None:
            number = f"QA-{ctx.store.next_number('sample-invoice'):06d}"
        return finance_data.invoice_for(po, supplier, ctx.store.scan("taxCode"),
                                        self.minor_units, number,
                                        ctx.clock.now().date().isoformat())

    def _uninvoiced(self, po: Mapping[str, Any], store: Store) -> dict[str, Any] | None:
        """``po`` with each open line cut to what may still be invoiced on it and lines with
        nothing left closed; None when no line has anything left. What a sample invoice
        bills without a quantity variance: it references no goods receipt, so the order's
        rest is the cap (two-way matching)."""
        keys = {erp_matching.line_key(str(po["poNumber"]), str(ln["lineId"]))
                for ln in po["lines"]}
        with erp_rules.exact():
            already = self._invoiced(store, keys)
        currency = str(po["currency"])
        lines: list[dict[str, Any]] = []
        for ln in po["lines"]:
            if ln.get("status") in ("closed", "cancelled"):
                lines.append(ln)
                continue
            key = erp_matching.line_key(str(po["poNumber"]), str(ln["lineId"]))
            with erp_rules.exact():
                left = erp_matching.open_quantity(ln, already.get(key, Decimal(0)))
                ordered, _ = erp_matching.ordered(ln)
                if left <= 0:
                    lines.append({**ln, "status": "closed"})
                elif left == ordered:
                    lines.append(ln)
                else:  # billed at the price the sample states (invoice_for's netPrice)
                    amount = left * dec(ln["unitPrice"]["amount"])
                    lines.append({**ln, "quantity": {**ln["quantity"],
                                                     "value": erp_matching.show(left)},
                                  "netAmount": finance_data.money(
                                      amount, currency, self.minor_units[currency])})
        if all(ln.get("status") in ("closed", "cancelled") for ln in lines):
            return None
        return {**po, "lines": lines}

    def _set_supplier_status(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        number = _required(body, "supplierNumber")
        status = _required(body, "status")
        if status not in ("active", "blocked", "pending"):
            raise ActionError(400, "status must be one of active, blocked, pending")
        reason = body.get("reason")
        if reason is not None and not (isinstance(reason, str) and 0 < len(reason) <= 1000):
            raise ActionError(400, "reason must be a text of 1 to 1000 characters")
        with ctx.store.transaction():
            supplier = ctx.store.get("supplier", number)
            if supplier is None:
                raise ActionError(404, f"no supplier {number}")
            previous = supplier["status"]
            if previous == status and reason in (None, supplier.get("statusReason")):
                return {"supplierNumber": number, "status": status, "changed": False}
            stamp = timestamp(ctx.clock.now())
            supplier["status"] = status
            supplier.pop("statusReason", None)
            if reason:
                supplier["statusReason"] = reason
            ctx.store.put("supplier", number, supplier)
            ctx.store.put("supplierMeta", number, {"since": stamp, "updatedAt": stamp})
            data: dict[str, Any] = {"supplierNumber": number, "previousStatus": previous,
                                    "status": status, "changedAt": stamp}
            if reason:
                data["reason"] = reason
            ctx.emit("supplierStatusChanged", data)
        return {"supplierNumber": number, "status": status, "changed": True}


class _MasterLists:
    """Suppliers and tax codes of one seeding, with the indexes validation looks them up by,
    and the received quantity per PO line (built once per seeding, not once per invoice)."""

    def __init__(self, suppliers: list[dict[str, Any]], tax_codes: list[dict[str, Any]],
                 receipts: list[dict[str, Any]]) -> None:
        self.lists = {"supplier": suppliers, "taxCode": tax_codes}
        self.supplier_index = erp_rules.SupplierIndex(suppliers)
        self.tax_codes_by_place = erp_rules.tax_codes_by_place(tax_codes)
        self.received = erp_matching.received_by_line(receipts)


class _MasterView:
    """MasterData over a store with two lists (and their indexes) served from memory."""

    __slots__ = ("_lists", "_store", "received", "supplier_index", "tax_codes_by_place")

    def __init__(self, store: Store, master: _MasterLists) -> None:
        self._store, self._lists = store, master.lists
        self.supplier_index = master.supplier_index
        self.tax_codes_by_place = master.tax_codes_by_place
        self.received: Mapping[str, erp_matching.Received] = master.received

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        # Shared parsed objects: validation and posting only read master data.
        return self._store.get_shared(kind, key)

    def scan(self, kind: str) -> list[dict[str, Any]]:
        cached = self._lists.get(kind)
        return cached if cached is not None else self._store.scan(kind)


def _required(body: Mapping[str, Any], member: str) -> str:
    value = body.get(member) if isinstance(body, Mapping) else None
    if not isinstance(value, str) or not value:
        raise ActionError(400, f"the body needs {member} (a string)")
    return value


def _payable(lines: list[dict[str, Any]]) -> Decimal:
    payable = lines[-1]
    return dec(payable["amount"]["amount"])


def _not_a_document(request: SimRequest) -> SimResponse:
    return problem_for(400, "bad-request", "Bad request", "The body must be a JSON object.",
                       "INVALID_BODY", request)


def _meta_rows(store: Store) -> list[dict[str, Any]]:
    # supplierMeta values do not carry their key; pair them with the suppliers' numbers
    return [{"number": s["supplierNumber"],
             **(store.get("supplierMeta", s["supplierNumber"]) or {})}
            for s in store.scan("supplier")]


def behaviour() -> ErpBehaviour:
    return ErpBehaviour()
