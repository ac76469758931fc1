"""erp-finance answered from the NetSuite-style vendor: one handler per operation.

The adapter is a Behaviour on the simulator engine, so requests are validated against
erp-finance before a handler runs and every answer is checked against it afterwards. Each
handler reads the vendor over HTTP and maps the native records (``mapping``); nothing is
answered from local data (``handle`` never returns None, which would let the engine's
generic responder invent an answer). Invoice checks are the canonical rules
(``erp_rules.validate_invoice``) over the vendor's master data mapped to canonical, so the
adapter finds exactly what the canonical ERP finds for the same world.

Posting: the vendor decides whether a bill is new. The adapter sends every posting to the
vendor under ``X-NetSuite-Idempotency-Key`` and announces the bill (``invoicePosted``,
``invoicePaymentScheduled``) unless the vendor says it replayed an earlier creation
(``X-NetSuite-Idempotent-Replay``); its own look-up by key before validating is only a fast
path for a client's retry. Each key's announcement is recorded in the adapter's store, so a
retry after a failed read (the bill booked, the events not yet published) publishes what
is missing, and concurrent requests with one key publish once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.adapters.netsuite import bills, mapping
from ledgerpact.adapters.netsuite.client import (
    TooManyRecords,
    VendorClient,
    VendorConnection,
    VendorError,
    q_quote,
)
from ledgerpact.generators.simulators.behaviours import erp, erp_rules, finance_data
from ledgerpact.generators.simulators.behaviours.erp import not_found, problem_for
from ledgerpact.generators.simulators.idempotency import fingerprint
from ledgerpact.generators.simulators.messages import (
    Context,
    SimRequest,
    SimResponse,
)

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.store import Store

_Handler = Callable[[SimRequest, Context, "World"], Awaitable[SimResponse]]
ANNOUNCED = "netsuite-announced"  # store kind: idempotency key -> announcement record
MASTER_TYPES = ("vendor", "purchaseOrder", "itemReceipt", "department", "account",
                "salesTaxItem", "subsidiary")


def vendor_problem(request: SimRequest, exc: VendorError) -> SimResponse:
    """A native error the adapter did not expect, as an RFC 9457 problem; an unreachable or
    failing vendor is a 503. The vendor's own words (which may name its paths) stay in
    ``vendorError``, out of ``detail``."""
    vendor_error = {"code": exc.code, "detail": exc.detail[:1000]}
    if isinstance(exc, TooManyRecords):
        return problem_for(503, "service-unavailable", "Service unavailable",
                           exc.detail, "ERP_TOO_MANY_RECORDS", request,
                           vendorErrorCode=exc.code)
    if exc.status >= 500:
        return problem_for(503, "service-unavailable", "Service unavailable",
                           "The ERP did not answer.", "ERP_UNAVAILABLE", request,
                           vendorErrorCode=exc.code, vendorError=vendor_error)
    return problem_for(500, "erp-error", "ERP error", "The ERP refused the request.",
                       "ERP_ERROR", request, vendorErrorCode=exc.code,
                       vendorError=vendor_error)


def unmapped_problem(request: SimRequest, exc: mapping.MappingError) -> SimResponse:
    """A vendor answer the adapter will not guess at (an unknown native code, an amount the
    currency cannot hold): a 500 naming the value, not a made-up canonical answer."""
    return problem_for(500, "vendor-response-unmapped", "Vendor response unmapped",
                       f"The ERP answered a value this adapter cannot map: {exc}",
                       "VENDOR_RESPONSE_UNMAPPED", request)


class World:
    """The vendor's records of one adapter request, loaded once per type and mapped."""

    def __init__(self, client: VendorClient, tables: mapping.Tables,
                 minor_units: Mapping[str, int]) -> None:
        self.client, self.tables, self.minor_units = client, tables, minor_units
        self.native: dict[str, list[dict[str, Any]]] = {}
        self.referenced: dict[str, list[dict[str, Any]]] = {}

    async def load(self, *types: str) -> None:
        wanted = [t for t in types if t not in self.native]
        pages = await asyncio.gather(*(self.client.list_all(t) for t in wanted))
        self.native.update(zip(wanted, pages, strict=True))

    async def load_refs(self, refs: Mapping[str, set[str]]) -> None:
        """Only the records a single lookup references (by internal id), read one by one,
        for types not loaded whole: a single answer does not read every vendor."""
        wanted = [(kind, ident) for kind, idents in refs.items() if kind not in self.native
                  for ident in sorted(idents)]
        found = await asyncio.gather(*(self.client.get(kind, ident) for kind, ident in wanted))
        for (kind, _), record in zip(wanted, found, strict=True):
            self.referenced.setdefault(kind, []).append(record)

    def book(self) -> mapping.Book:
        n = {kind: [*self.native.get(kind, []), *self.referenced.get(kind, [])]
             for kind in {*self.native, *self.referenced}}
        return mapping.Book(
            vendors={v["id"]: v for v in n.get("vendor", [])},
            departments={d["id"]: d.get("externalId") or d["name"]
                         for d in n.get("department", [])},
            accounts={a["id"]: a["acctNumber"] for a in n.get("account", [])},
            taxes={t["id"]: t["itemId"] for t in n.get("salesTaxItem", [])},
            orders={p["id"]: p["tranId"] for p in n.get("purchaseOrder", [])},
            subsidiaries={s["id"]: s for s in n.get("subsidiary", [])})

    def ids(self) -> dict[str, dict[str, str]]:
        """Canonical key -> internal id, per native type."""
        book = self.book()
        return {"vendor": {book.supplier_number({"id": i}): i for i in book.vendors},
                "department": {code: i for i, code in book.departments.items()},
                "account": {number: i for i, number in book.accounts.items()},
                "salesTaxItem": {code: i for i, code in book.taxes.items()}}

    def suppliers(self) -> list[dict[str, Any]]:
        return [mapping.supplier(v, self.tables) for v in self.native["vendor"]]

    def purchase_orders(self) -> list[dict[str, Any]]:
        book = self.book()
        return [mapping.purchase_order(p, book, self.minor_units)
                for p in self.native["purchaseOrder"]]

    def goods_receipts(self) -> list[dict[str, Any]]:
        book = self.book()
        return [mapping.goods_receipt(r, book) for r in self.native["itemReceipt"]]

    def cost_centres(self) -> list[dict[str, Any]]:
        codes = self.book().departments
        return [mapping.cost_centre(d, codes) for d in self.native["department"]]


class MasterView:
    """erp_rules.MasterData over the vendor's records mapped to canonical."""

    def __init__(self, lists: Mapping[str, list[dict[str, Any]]],
                 postings: Mapping[str, dict[str, Any]]) -> None:
        self._lists = lists
        members = {"supplier": "supplierNumber", "purchaseOrder": "poNumber",
                   "goodsReceipt": "receiptId", "costCentre": "code",
                   "glAccount": "accountNumber", "taxCode": "code"}
        self._by_key: dict[str, dict[str, dict[str, Any]]] = {
            kind: {str(item[member]): item for item in lists.get(kind, [])}
            for kind, member in members.items()}
        self._by_key["postingIndex"] = dict(postings)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        return self._by_key.get(kind, {}).get(key)

    def scan(self, kind: str) -> list[dict[str, Any]]:
        return list(self._lists.get(kind, []))


class NetSuiteAdapterBehaviour:
    """Implements messages.Behaviour for erp-finance over the NetSuite-style vendor."""

    name = "netsuite-adapter"
    contract_id = "erp-finance"

    def __init__(self, vendor_url: str, tables: mapping.Tables | None = None,
                 registry_root: Path | None = None) -> None:
        self.vendor_url = vendor_url.rstrip("/")
        self.connection = VendorConnection(self.vendor_url)
        self.sync_lock = asyncio.Lock()
        self.outbox_mark = 0  # the outbox sequence number the last sync read up to
        self.baseline = _no_baseline()
        self.tables = tables or mapping.Tables()
        self._registry_root = registry_root
        self._document: Mapping[str, Any] | None = None
        self._minor: dict[str, int] | None = None
        self._routes: dict[str, _Handler] = {
            op: getattr(self, name) for op, name in erp.ROUTES.items()}

    # --- Behaviour protocol ------------------------------------------------------------

    def bind_contract(self, document: Mapping[str, Any]) -> None:
        self._document, self._minor = document, None

    @property
    def minor_units(self) -> dict[str, int]:
        if self._minor is None:
            document = self._document or finance_data.erp_document(self._registry_root)
            self._minor = finance_data.contract_minor_units(document)
        return self._minor

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        """No data of its own: only the baseline the first ``sync`` compares against, read
        from the vendor in the background (a slow vendor must not hold build() or
        /__admin/reset, nor the store's transaction)."""
        from ledgerpact.adapters.netsuite import events

        self.outbox_mark = 0
        self.baseline = events.Baseline.start(self.vendor_url, self.tables)

    async def aclose(self) -> None:
        """Close the vendor connection pool (the app's shutdown)."""
        await self.connection.aclose()

    def scenario(self, store: Store) -> dict[str, Any]:
        return {"vendor": self.vendor_url, "adapter": self.name}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        from ledgerpact.adapters.netsuite import events

        async def sync(body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
            return await events.sync(ctx, self)

        return {"sync": sync}

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse:
        handler = self._routes.get(request.operation_id)
        if handler is None:
            return problem_for(501, "not-implemented", "Not implemented",
                               f"{request.operation_id} is not served by this adapter.",
                               "NOT_IMPLEMENTED", request)
        world = World(self.connection.client(), self.tables, self.minor_units)
        try:
            return await handler(request, ctx, world)
        except VendorError as exc:
            return vendor_problem(request, exc)
        except mapping.MappingError as exc:
            return unmapped_problem(request, exc)

    # --- suppliers ---------------------------------------------------------------------

    async def _list_suppliers(self, request: SimRequest, ctx: Context,
                              world: World) -> SimResponse:
        q = request.query
        if q.get("updatedSince") and erp_rules.instant(str(q["updatedSince"])) is None:
            return problem_for(400, "bad-request", "Bad request",
                               "updatedSince is not an RFC 3339 date-time.",
                               "INVALID_PARAMETER", request)
        await world.load("vendor")
        since = erp_rules.instant(str(q["updatedSince"])) if q.get("updatedSince") else None
        items = []
        for vendor in world.native["vendor"]:
            supplier = mapping.supplier(vendor, self.tables)
            if q.get("status") and supplier["status"] != q["status"]:
                continue
            if q.get("name") and str(q["name"]).casefold() not in supplier["name"].casefold():
                continue
            if q.get("countryCode") and \
                    supplier.get("postalAddress", {}).get("countryCode") != q["countryCode"]:
                continue
            if since is not None:
                stamp = mapping.required(vendor, "lastModifiedDate", "vendor")
                changed = erp_rules.instant(str(stamp))
                if changed is None:
                    raise mapping.MappingError(f"vendor {vendor['id']} lastModifiedDate "
                                               f"{stamp!r} is not a date-time")
                if changed < since:
                    continue
            items.append(supplier)
        return erp.page(request, items, lambda s: (str(s["supplierNumber"]),))

    async def _search_suppliers(self, request: SimRequest, ctx: Context,
                                world: World) -> SimResponse:
        body = request.body if isinstance(request.body, Mapping) else {}
        if not any(k in body for k in ("taxRegistration", "iban", "accountId")):
            return problem_for(
                422, "validation-failed", "The request cannot be processed",
                "Give a tax registration, an IBAN or an account id.", "VALIDATION_FAILED",
                request, errors=[{"pointer": "", "code": "SEARCH_CRITERION_MISSING",
                                  "detail": "Expected at least one of taxRegistration, iban, "
                                            "accountId."}])
        await world.load("vendor")
        found = [s for s in world.suppliers() if erp_rules.supplier_matches(s, body)]
        return SimResponse(200, {"items": found, "nextCursor": None})

    async def _get_supplier(self, request: SimRequest, ctx: Context,
                            world: World) -> SimResponse:
        return await self._answer_supplier(request, world, mapping.supplier)

    async def _get_supplier_status(self, request: SimRequest, ctx: Context,
                                   world: World) -> SimResponse:
        return await self._answer_supplier(request, world, mapping.supplier_status_body)

    async def _answer_supplier(
            self, request: SimRequest, world: World,
            body: Callable[[Mapping[str, Any], mapping.Tables], dict[str, Any]]) -> SimResponse:
        """The path's supplier as ``body`` maps it, or the 404 both supplier reads give:
        one look-up, so the record and its status never disagree on who exists."""
        number, vendor = await _find_by_key(world, request, "supplierNumber", "vendor")
        if vendor is None:
            return not_found(request, "supplier", number, "SUPPLIER_NOT_FOUND")
        return SimResponse(200, body(vendor, self.tables))

    # --- purchase orders and receipts --------------------------------------------------

    async def _list_purchase_orders(self, request: SimRequest, ctx: Context,
                                    world: World) -> SimResponse:
        await world.load("vendor", "purchaseOrder", "department", "account", "salesTaxItem",
                         "subsidiary")
        q = request.query
        items = world.purchase_orders()
        if q.get("supplierNumber"):
            items = [p for p in items if p["supplier"]["supplierNumber"] == q["supplierNumber"]]
        return erp.purchase_order_page(request, items)

    async def _get_purchase_order(self, request: SimRequest, ctx: Context,
                                  world: World) -> SimResponse:
        number, po = await _find_by_key(world, request, "purchaseOrderId", "purchaseOrder")
        if po is None:
            return not_found(request, "purchase order", number, "PURCHASE_ORDER_NOT_FOUND")
        await world.load_refs(_po_refs(po))
        return SimResponse(200, mapping.purchase_order(po, world.book(), self.minor_units))

    async def _list_goods_receipts(self, request: SimRequest, ctx: Context,
                                   world: World) -> SimResponse:
        number, po = await _find_by_key(world, request, "purchaseOrderId", "purchaseOrder")
        if po is None:
            return not_found(request, "purchase order", number, "PURCHASE_ORDER_NOT_FOUND")
        receipts = await world.client.list_all(
            "itemReceipt", f"createdFrom.id IS {q_quote(str(po['id']))}")
        await world.load_refs({"vendor": {str(r["entity"]["id"]) for r in receipts
                                          if r.get("entity")}})
        book = world.book()
        book.orders[po["id"]] = po["tranId"]
        items = [mapping.goods_receipt(r, book) for r in receipts]
        return erp.page(request, items, lambda r: (r["receivedDate"], r["receiptId"]))

    async def _get_goods_receipt(self, request: SimRequest, ctx: Context,
                                 world: World) -> SimResponse:
        number, receipt = await _find_by_key(world, request, "goodsReceiptId", "itemReceipt")
        if receipt is None:
            return not_found(request, "goods receipt", number, "GOODS_RECEIPT_NOT_FOUND")
        if receipt.get("entity"):
            await world.load_refs({"vendor": {str(receipt["entity"]["id"])}})
        book = world.book()
        po = await world.client.find("purchaseOrder", str(receipt["createdFrom"]["id"]))
        if po is not None:
            book.orders[po["id"]] = po["tranId"]
        return SimResponse(200, mapping.goods_receipt(receipt, book))

    # --- reference data ----------------------------------------------------------------

    async def _list_cost_centres(self, request: SimRequest, ctx: Context,
                                 world: World) -> SimResponse:
        await world.load("department")
        return erp.page(request, world.cost_centres(), lambda c: (str(c["code"]),))

    async def _get_cost_centre(self, request: SimRequest, ctx: Context,
                               world: World) -> SimResponse:
        code, dept = await _find_by_key(world, request, "costCentreCode", "department")
        if dept is None:
            return not_found(request, "cost centre", code, "COST_CENTRE_NOT_FOUND")
        codes: dict[str, str] = {}
        parent = dept.get("parent")
        if parent:
            above = await world.client.get("department", str(parent["id"]))
            codes[above["id"]] = above.get("externalId") or above["name"]
        return SimResponse(200, mapping.cost_centre(dept, codes))

    async def _list_gl_accounts(self, request: SimRequest, ctx: Context,
                                world: World) -> SimResponse:
        await world.load("account")
        items = [mapping.gl_account(a) for a in world.native["account"]]
        if request.query.get("type"):
            items = [a for a in items if a["type"] == request.query["type"]]
        return erp.page(request, items, lambda a: (str(a["accountNumber"]),))

    async def _get_gl_account(self, request: SimRequest, ctx: Context,
                              world: World) -> SimResponse:
        number, found = await _first_where(world, request, "glAccountNumber", "account",
                                           "acctNumber")
        if found is None:
            return not_found(request, "GL account", number, "GL_ACCOUNT_NOT_FOUND")
        return SimResponse(200, mapping.gl_account(found))

    async def _list_tax_codes(self, request: SimRequest, ctx: Context,
                              world: World) -> SimResponse:
        await world.load("salesTaxItem")
        q = request.query
        items = [mapping.tax_code(t) for t in world.native["salesTaxItem"]]
        if q.get("countryCode"):
            items = [t for t in items if t["jurisdiction"]["countryCode"] == q["countryCode"]]
        if q.get("direction"):
            items = [t for t in items if t["direction"] == q["direction"]]
        return erp.page(request, items, lambda t: (str(t["code"]),))

    async def _get_tax_code(self, request: SimRequest, ctx: Context,
                            world: World) -> SimResponse:
        code, found = await _first_where(world, request, "taxCode", "salesTaxItem", "itemId")
        if found is None:
            return not_found(request, "tax code", code, "TAX_CODE_NOT_FOUND")
        return SimResponse(200, mapping.tax_code(found))

    # --- invoices ----------------------------------------------------------------------

    async def _master(self, world: World, doc: Mapping[str, Any]) -> MasterView:
        await world.load(*MASTER_TYPES)
        number = str(doc.get("number", ""))
        same_number = await world.client.list_all("vendorBill",
                                                  f"tranId IS {q_quote(number)}")
        book = world.book()
        postings = {erp_rules.posting_key(book.supplier_number(b["entity"]), b["tranId"]):
                    {"postingId": mapping.posting_id(b["id"])} for b in same_number
                    if b.get("status", {}).get("id") != "C"}
        return MasterView({"supplier": world.suppliers(),
                           "purchaseOrder": world.purchase_orders(),
                           "goodsReceipt": world.goods_receipts(),
                           "costCentre": world.cost_centres(),
                           "glAccount": [mapping.gl_account(a) for a in world.native["account"]],
                           "taxCode": [mapping.tax_code(t)
                                       for t in world.native["salesTaxItem"]]}, postings)

    async def _validate_invoice(self, request: SimRequest, ctx: Context,
                                world: World) -> SimResponse:
        if not isinstance(request.body, Mapping):
            return problem_for(400, "bad-request", "Bad request",
                               "The body must be a JSON object.", "INVALID_BODY", request)
        master = await self._master(world, request.body)
        result = erp_rules.validate_invoice(request.body, master, self.minor_units)
        return SimResponse(200, {"valid": result.valid,
                                 "checkedAt": erp.timestamp(ctx.clock.now()),
                                 "checks": list(erp_rules.CHECKS),
                                 "findings": [f.as_dict() for f in result.findings]})

    async def _post_invoice(self, request: SimRequest, ctx: Context,
                            world: World) -> SimResponse:
        key = request.headers.get("idempotency-key")
        if not key:
            return problem_for(400, "bad-request", "Bad request",
                               "The Idempotency-Key header is required for this "
                               "operation.", "IDEMPOTENCY_KEY_MISSING", request)
        doc = request.body
        if not isinstance(doc, Mapping):
            return problem_for(400, "bad-request", "Bad request",
                               "The body must be a JSON object.", "INVALID_BODY", request)
        digest = fingerprint(request)
        # fast path for a client's retry; the vendor's answer below is what decides
        earlier = await self._bill_with_key(world, key)
        if earlier is not None:
            return await self._replay(request, ctx, world, earlier, key, digest)
        master = await self._master(world, doc)
        result = erp_rules.validate_invoice(doc, master, self.minor_units)
        duplicate = next((f for f in result.findings if f.code == "DUPLICATE_INVOICE"), None)
        if duplicate is not None:
            # the same key may have booked it meanwhile (a concurrent request): a replay
            earlier = await self._bill_with_key(world, key)
            if earlier is not None:
                return await self._replay(request, ctx, world, earlier, key, digest)
            return problem_for(409, "duplicate-invoice", "Duplicate invoice",
                               duplicate.message, "DUPLICATE_INVOICE", request)
        currency = str(doc["currency"])
        minor = self.minor_units.get(currency)
        with erp_rules.exact():
            lines = erp.journal_lines(doc, result.lines, minor) if result.valid else []
        if result.valid and not erp.is_balanced(lines):
            result.add("AMOUNT_ZERO", "/totals/payableAmount",
                       "A document of zero amount cannot be posted.")
        if not result.valid:
            errors = result.errors
            return problem_for(
                422, "validation-failed", "The invoice cannot be posted",
                f"{len(errors)} validation error{'s' if len(errors) != 1 else ''}; nothing "
                "was posted.", "VALIDATION_FAILED", request,
                errors=[{"pointer": f.pointer, "detail": f.message, "code": f.code}
                        for f in errors])
        supplier = result.supplier or {}
        ids = world.ids()
        credit = erp_rules.is_credit_note(doc)
        description = (f"Supplier {'credit note' if credit else 'invoice'} {doc['number']}, "
                       f"{supplier.get('name', '')}")[:200].rstrip()
        try:
            with erp_rules.exact():
                body = bills.bill_body(doc, result.lines,
                                       ids["vendor"][supplier["supplierNumber"]], ids, minor,
                                       request_hash=digest, description=description,
                                       keep_tax_lines=self.tables.keep_tax_lines)
        except bills.Unbookable as exc:
            return problem_for(
                422, "validation-failed", "The invoice cannot be posted",
                "1 validation error; nothing was posted.", "VALIDATION_FAILED", request,
                errors=[{"pointer": exc.pointer, "detail": exc.detail,
                         "code": "NOT_BOOKABLE_AT_ERP"}])
        self._expect_announcement(ctx, key)
        try:
            bill_id, replayed = await world.client.create_bill(body, key)
        except VendorError as exc:
            if exc.code == "DUP_RCRD":
                return problem_for(409, "duplicate-invoice", "Duplicate invoice",
                                   "The ERP already holds this supplier's document "
                                   "number.", "DUPLICATE_INVOICE", request,
                                   vendorErrorCode=exc.code)
            if exc.code == "IDEMPOTENCY_KEY_CONFLICT":
                return _key_reused(request, key)
            raise
        bill = await world.client.get("vendorBill", bill_id)
        response = await self._posted(request, world, bill, replayed=replayed)
        await self._announce(ctx, world, bill, key)
        return response

    async def _bill_with_key(self, world: World, key: str) -> dict[str, Any] | None:
        return await world.client.first("vendorBill",
                                        f"custbody_lp_idempotency_key IS {q_quote(key)}")

    async def _replay(self, request: SimRequest, ctx: Context, world: World,
                      bill: Mapping[str, Any], key: str, digest: str) -> SimResponse:
        """The answer to a key the vendor has seen: the original posting (and whatever of
        its announcement is still missing), or 409 for another body."""
        if bill.get("custbody_lp_request_hash") != digest:
            return _key_reused(request, key)
        response = await self._posted(request, world, bill, replayed=True)
        await self._announce(ctx, world, bill, key)
        return response

    async def _posted(self, request: SimRequest, world: World, bill: Mapping[str, Any], *,
                      replayed: bool) -> SimResponse:
        vendor = await world.client.get("vendor", str(bill["entity"]["id"]))
        body = mapping.posting(bill, mapping.Book(vendors={vendor["id"]: vendor}))
        headers = {"Location": f"{request.path.rstrip('/')}/{body['postingId']}"}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return SimResponse(201, body, headers=headers)

    def _expect_announcement(self, ctx: Context, key: str) -> None:
        """Before the bill is sent: this key's bill is to be announced by this adapter (a
        retry finds the record and publishes what a failure left out)."""
        with ctx.store.transaction():
            if ctx.store.get(ANNOUNCED, key) is None:
                ctx.store.put(ANNOUNCED, key, {"announced": False})

    async def _announce(self, ctx: Context, world: World, bill: Mapping[str, Any],
                        key: str) -> None:
        """invoicePosted (and invoicePaymentScheduled) from what the vendor booked, once per
        key: skipped when already announced, or when this adapter never sent the bill
        (a key from before its last reset: announced then, if ever)."""
        from ledgerpact.adapters.netsuite import events

        record = ctx.store.get(ANNOUNCED, key)
        if record is None or record.get("announced"):
            return
        entry = await world.client.get("journalEntry", str(bill["custbody_lp_gl_impact"]["id"]))
        payment_ref = bill.get("custbody_lp_payment")
        native_payment = await world.client.get("vendorPayment", str(payment_ref["id"])) \
            if payment_ref else None
        vendor = await world.client.get("vendor", str(bill["entity"]["id"]))
        posting = mapping.posting(bill, mapping.Book(vendors={vendor["id"]: vendor}))
        invoice_id = str(mapping.required(bill, "externalId", "vendorBill"))
        currency = mapping.currency_of(bill["currency"])
        gross = mapping.money(bill["total"], currency, self.minor_units)
        with ctx.store.transaction():
            # checked again inside the transaction: concurrent requests publish once
            record = ctx.store.get(ANNOUNCED, key)
            if record is None or record.get("announced"):
                return
            ctx.emit("invoicePosted", {
                "invoiceId": invoice_id, "invoiceNumber": bill["tranId"],
                "postingId": posting["postingId"], "journalEntryId": posting["journalEntryId"],
                "postingDate": posting["postingDate"],
                "postingPeriod": mapping.period(entry), "postedAt": posting["postedAt"],
                "grossAmount": gross})
            if native_payment is not None:
                paid_in = mapping.currency_of(native_payment["currency"])
                ctx.emit("invoicePaymentScheduled", {
                    "invoiceId": invoice_id, "invoiceNumber": bill["tranId"],
                    "paymentId": mapping.payment_id(native_payment["id"]),
                    "requestedExecutionDate": native_payment["tranDate"],
                    "amount": mapping.money(native_payment["total"], paid_in,
                                            self.minor_units)})
                events.remember_payment(ctx.store, native_payment)
            ctx.store.put(ANNOUNCED, key, {"announced": True, "billId": bill["id"]})

    async def _get_posting(self, request: SimRequest, ctx: Context,
                           world: World) -> SimResponse:
        ident, bill = await _find_by_id(world, request, "postingId", "posting", "vendorBill")
        if bill is None:
            return not_found(request, "invoice posting", ident, "POSTING_NOT_FOUND")
        vendor = await world.client.get("vendor", str(bill["entity"]["id"]))
        return SimResponse(200, mapping.posting(bill, mapping.Book(vendors={vendor["id"]: vendor})))

    # --- payments ----------------------------------------------------------------------

    async def canonical_payment(self, world: World, native: Mapping[str, Any]
                                ) -> dict[str, Any]:
        vendor = await world.client.find("vendor", str(native["entity"]["id"])) or {}
        await world.load("subsidiary")
        bank = await world.client.get("account", str(native["account"]["id"]))
        return mapping.payment(native, vendor, world.book(), bank, self.minor_units)

    async def _list_payments(self, request: SimRequest, ctx: Context,
                             world: World) -> SimResponse:
        wanted = str(request.query.get("invoiceId"))
        natives = await world.client.list_all(
            "vendorPayment", f"apply.items.custcol_lp_doc_external_id IS {q_quote(wanted)}")
        status = request.query.get("status")
        items = [await self.canonical_payment(world, p) for p in natives]
        items = [p for p in items if not status or p["status"] == status]
        return erp.page(request, items, lambda p: (p["paymentId"],), reverse=True)

    async def _get_payment(self, request: SimRequest, ctx: Context,
                           world: World) -> SimResponse:
        ident, native = await _find_by_id(world, request, "paymentId", "payment",
                                          "vendorPayment")
        if native is None:
            return not_found(request, "payment", ident, "PAYMENT_NOT_FOUND")
        return SimResponse(200, await self.canonical_payment(world, native))

    # --- journal entries ---------------------------------------------------------------

    async def _canonical_entry(self, world: World, entry: Mapping[str, Any]
                               ) -> dict[str, Any]:
        await world.load("department", "account", "salesTaxItem", "subsidiary")
        source = entry.get("createdFrom")
        bill = await world.client.find("vendorBill", str(source["id"])) if source else None
        return mapping.journal_entry(entry, bill, world.book(), self.minor_units)

    async def _list_journal_entries(self, request: SimRequest, ctx: Context,
                                    world: World) -> SimResponse:
        q = request.query
        period = f"{int(q.get('fiscalYear') or 0)}{int(q.get('fiscalPeriod') or 0):02d}"
        natives = await world.client.list_all("journalEntry",
                                              f"postingPeriod.id IS {q_quote(period)}")
        items = [await self._canonical_entry(world, e) for e in natives]
        if q.get("sourceDocumentId"):
            items = [e for e in items
                     if e.get("source", {}).get("documentId") == q["sourceDocumentId"]]
        return erp.page(request, items, lambda e: (e["postingDate"], e["entryId"]))

    async def _get_journal_entry(self, request: SimRequest, ctx: Context,
                                 world: World) -> SimResponse:
        ident, entry = await _find_by_id(world, request, "journalEntryId", "entry",
                                         "journalEntry")
        if entry is None:
            return not_found(request, "journal entry", ident, "JOURNAL_ENTRY_NOT_FOUND")
        return SimResponse(200, await self._canonical_entry(world, entry))


async def _find_by_key(world: World, request: SimRequest, param: str,
                       native_kind: str) -> tuple[str, dict[str, Any] | None]:
    """The path's canonical key (``param``) and the vendor record whose external id it is, or
    None: suppliers, purchase orders, receipts and cost centres keep the canonical key as
    their external id, so they are found under it whatever their internal id."""
    key = str(request.path_params.get(param))
    return key, await world.client.find(native_kind, "eid:" + key)


async def _find_by_id(world: World, request: SimRequest, param: str, kind: str,
                      native_kind: str) -> tuple[str, dict[str, Any] | None]:
    """The path's canonical id (``param``) and the vendor record it names, None when the id is
    not one of ``kind``'s (see ``mapping.internal_id``) or the vendor has no such record:
    postings, payments and journal entries are addressed by the vendor's internal ids."""
    ident = str(request.path_params.get(param))
    native_id = mapping.internal_id(ident, kind)
    return ident, await world.client.find(native_kind, native_id) if native_id else None


async def _first_where(world: World, request: SimRequest, param: str, native_kind: str,
                       field: str) -> tuple[str, dict[str, Any] | None]:
    """The path's canonical key (``param``) and the first vendor record whose ``field`` is
    that key, or None: GL accounts and tax codes are keyed by a field, not an id."""
    key = str(request.path_params.get(param))
    found = await world.client.list_all(native_kind, f"{field} IS {q_quote(key)}")
    return key, found[0] if found else None


def _po_refs(po: Mapping[str, Any]) -> dict[str, set[str]]:
    """Internal ids of the master records one purchase order references."""
    refs: dict[str, set[str]] = {"vendor": {str(po["entity"]["id"])}, "department": set(),
                                 "account": set(), "salesTaxItem": set(), "subsidiary": set()}
    if po.get("subsidiary"):
        refs["subsidiary"].add(str(po["subsidiary"]["id"]))
    for line in po["item"]["items"]:
        for member, kind in (("department", "department"), ("account", "account"),
                             ("taxCode", "salesTaxItem")):
            if line.get(member):
                refs[kind].add(str(line[member]["id"]))
    return refs


def _no_baseline() -> Any:
    """A baseline that is already known to be missing (before the first seed)."""
    from ledgerpact.adapters.netsuite import events

    baseline = events.Baseline()
    baseline.future.set_result(None)
    return baseline


def _key_reused(request: SimRequest, key: str) -> SimResponse:
    return problem_for(409, "idempotency-key-reused",
                       "Idempotency key reused with a different request",
                       f"Key {key} was first used with a different request body; use a "
                       "new key for a new request.", "IDEMPOTENCY_KEY_REUSED", request)

