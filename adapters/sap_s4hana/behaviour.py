"""The SAP adapter's behaviour: every erp-finance operation answered from the vendor.

The engine (SimulatorApp) validates each request against erp-finance and checks each answer;
this behaviour turns the canonical request into OData calls on the S/4HANA-style vendor,
maps the native records back (``mapping.Mapper``) and never invents data: a vendor failure is
a problem response, never a fallback. Invoice validation reuses the canonical ERP's rules
(``erp_rules.validate_invoice``) over master data read from the vendor, so the adapter finds
exactly what the canonical ERP finds; posting carries the canonical Idempotency-Key into the
vendor's own ``Repeatability-Request-ID``, so replays are the vendor's replays.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.adapters.sap_s4hana import client as api
from ledgerpact.adapters.sap_s4hana import events, invoice, mapping
from ledgerpact.adapters.sap_s4hana.client import VendorClient, VendorError, VendorUnavailable
from ledgerpact.generators.simulators.behaviours import erp, erp_rules, finance_data
from ledgerpact.generators.simulators.idempotency import fingerprint
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
)

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.app import SimulatorApp
    from ledgerpact.generators.simulators.store import Store

PROBLEMS = erp.PROBLEMS
# the adapter's own record per Idempotency-Key: first-sent time, the accepted request's
# fingerprint, and which events of the posting have been announced
POSTINGS = "sap.posting"
ANNOUNCED = ("invoicePosted", "invoicePaymentScheduled")
_Handler = Callable[[SimRequest, Context], Awaitable[SimResponse]]


def _problem(request: SimRequest, status: int, slug: str, title: str, detail: str, code: str,
             **extra: Any) -> SimResponse:
    return erp.problem_for(status, slug, title, detail, code, request, **extra)


def _not_found(request: SimRequest, what: str, ident: str, code: str,
               vendor: VendorError | None = None) -> SimResponse:
    extra = {"vendorError": vendor.member()} if vendor is not None else {}
    return _problem(request, 404, "not-found", "Not found", f"No {what} with id {ident}.", code,
                    **extra)


def vendor_problem(request: SimRequest, exc: VendorError) -> SimResponse:
    """A native refusal the handler did not expect. erp-finance declares 500 and 503 for
    the provider's own failures (never 502): a vendor 5xx means the ERP is unavailable, any
    other native error is the adapter's failure to ask correctly. The vendor's answer stays
    in ``vendorError``, out of ``detail``."""
    if exc.status >= 500:
        return _problem(request, 503, "service-unavailable", "Service unavailable",
                        "The ERP did not answer; retry later.", "ERP_UNAVAILABLE",
                        vendorError=exc.member())
    return _problem(request, 500, "erp-error", "ERP error",
                    "The ERP refused a request the adapter made.", "ERP_ERROR",
                    vendorError=exc.member())


def unavailable_problem(request: SimRequest, exc: VendorUnavailable) -> SimResponse:
    return _problem(request, 503, "service-unavailable", "Service unavailable",
                    "The ERP could not be reached or did not answer OData; retry later.",
                    "ERP_UNAVAILABLE", vendorError={"system": "sap-s4", "message": str(exc)})


async def _nothing() -> list[dict[str, Any]]:
    return []


def _referenced_codes(doc: Mapping[str, Any], orders: list[dict[str, Any]]
                      ) -> tuple[set[str], set[str]]:
    """Cost centres and GL accounts the canonical rules may look up for ``doc``: named by
    its lines or header, or by any line of its orders, and the default expense account."""
    centres: set[str] = set()
    accounts = {erp_rules.DEFAULT_EXPENSE_ACCOUNT}
    if doc.get("costCentre") is not None:
        centres.add(str(doc["costCentre"]))
    for line in doc.get("lines", []) or []:
        if isinstance(line, Mapping):
            if line.get("costCentre") is not None:
                centres.add(str(line["costCentre"]))
            if line.get("accountingCost") is not None:
                accounts.add(str(line["accountingCost"]))
    for order in orders:
        for po_line in order.get("lines", []):
            if po_line.get("costCentre") is not None:
                centres.add(str(po_line["costCentre"]))
            if po_line.get("glAccount"):
                accounts.add(str(po_line["glAccount"]))
    return centres, accounts


class _Master:
    """erp_rules.MasterData over records read from the vendor for one validation."""

    def __init__(self, records: dict[str, dict[str, dict[str, Any]]]) -> None:
        self._records = records

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        found = self._records.get(kind, {}).get(key)
        return dict(found) if found is not None else None

    def scan(self, kind: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self._records.get(kind, {}).values()]


class SapAdapterBehaviour:
    """Implements messages.Behaviour for erp-finance over the sap-s4hana-odata vendor."""

    name = "sap-s4hana-adapter"
    contract_id = "erp-finance"

    def __init__(self, vendor_url: str, mapper: mapping.Mapper | None = None) -> None:
        self.vendor = VendorClient(vendor_url)
        self.map = mapper or mapping.Mapper()
        self._document: Mapping[str, Any] | None = None
        self._minor: dict[str, int] | None = None
        self._company: dict[str, Any] | None = None
        self._app: SimulatorApp | None = None
        self._sync_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._routes: dict[str, _Handler] = {
            op: getattr(self, name) for op, name in erp.ROUTES.items()}

    # --- Behaviour protocol ------------------------------------------------------------

    def bind_contract(self, document: Mapping[str, Any]) -> None:
        """Round money with the minor units of the erp-finance document being served (the
        engine's bundle), exactly as the canonical ERP does."""
        self._document, self._minor = document, None

    def bind_app(self, app: SimulatorApp) -> None:
        """The engine's app, for emitting events whose ids the ``sync`` action returns."""
        self._app = app

    @property
    def minor_units(self) -> dict[str, int]:
        if self._minor is None:
            document = self._document or finance_data.erp_document()
            self._minor = finance_data.contract_minor_units(document)
        return self._minor

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        """Nothing to seed (the vendor holds the data) and nothing to read: the reset must
        not wait on the vendor. The ``sync`` watermark is the adapter's clock now."""
        now = self._app.clock.now() if self._app is not None else datetime.now(UTC)
        events.start(store, now)

    def _lock(self) -> asyncio.Lock:
        """One lock per serving loop around fetch + compare + save of the sync watermark,
        so two concurrent syncs cannot both see (and emit) the same change."""
        loop = asyncio.get_running_loop()
        if self._sync_lock is None or self._sync_lock[0] is not loop:
            self._sync_lock = (loop, asyncio.Lock())
        return self._sync_lock[1]

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        handler = self._routes.get(request.operation_id)
        if handler is None:  # an operation erp-finance gained that this adapter lacks
            return _problem(request, 501, "not-implemented", "Not implemented",
                            f"The SAP adapter does not implement {request.operation_id}.",
                            "NOT_IMPLEMENTED")
        try:
            return await handler(request, ctx)
        except api.TooManyRows as exc:
            return _problem(request, 500, "erp-error", "ERP error",
                            f"The ERP holds more than {exc.cap} records where the adapter "
                            f"reads at most {exc.cap}; the request was not answered.",
                            "VENDOR_LIMIT_EXCEEDED", vendorError={"message": str(exc)})
        except VendorError as exc:
            return vendor_problem(request, exc)
        except VendorUnavailable as exc:
            return unavailable_problem(request, exc)
        except mapping.MappingError as exc:
            # a native record the mapping does not know: refuse rather than guess
            return _problem(request, 500, "vendor-response-unmapped",
                            "The ERP's answer cannot be mapped",
                            "The ERP answered something the adapter cannot map.",
                            "VENDOR_RESPONSE_UNMAPPED", vendorError={"message": str(exc)})

    def scenario(self, store: Store) -> dict[str, Any]:
        return {"vendor": self.vendor.base_url, **events.scenario(store)}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        """``sync`` is async (the engine awaits it): it polls the vendor for changes."""
        return {"sync": self._sync}

    # --- helpers -----------------------------------------------------------------------

    async def company(self) -> dict[str, Any]:
        if self._company is None:
            found = await self.vendor.entity(
                f"{api.CO}/A_CompanyCode{api.key(('CompanyCode', finance_data.COMPANY_CODE))}")
            if found is None:
                raise VendorUnavailable(f"company code {finance_data.COMPANY_CODE} is missing")
            self._company = found
        return self._company

    async def suppliers(self) -> list[dict[str, Any]]:
        return [self.map.supplier(s) for s in await self.vendor.entities(f"{api.BP}/A_Supplier")]

    async def supplier_native(self, number: str) -> dict[str, Any] | None:
        native = mapping.supplier_key(number)
        if native is None:
            return None
        return await self.vendor.entity(f"{api.BP}/A_Supplier{api.key(('Supplier', native))}")

    async def purchase_order(self, number: str) -> dict[str, Any] | None:
        if not (number.isdigit() and len(number) <= 10):
            return None
        found = await self.vendor.entity(
            f"{api.PO}/A_PurchaseOrder{api.key(('PurchaseOrder', number.zfill(10)))}")
        if found is None or found["PurchaseOrder"] != number:
            return None
        return self.map.purchase_order(found, await self.company())

    async def goods_receipt(self, number: str) -> dict[str, Any] | None:
        found = await self.vendor.entities(f"{api.MD}/A_MaterialDocumentHeader",
                                           MaterialDocument=number)
        return self.map.goods_receipt(found[0]) if found else None

    async def cost_centres(self, ctx: Context) -> list[dict[str, Any]]:
        today = ctx.clock.now().date()
        return [self.map.cost_centre(c, today)
                for c in await self.vendor.entities(f"{api.CC}/A_CostCenter")]

    async def gl_accounts(self) -> list[dict[str, Any]]:
        return [self.map.gl_account(g) for g in
                await self.vendor.entities(f"{api.GL}/A_GLAccountInChartOfAccounts")]

    async def tax_codes(self, country: str | None = None) -> list[dict[str, Any]]:
        filters = {"Country": country} if country else {}
        return [self.map.tax_code(t)
                for t in await self.vendor.entities(f"{api.TX}/A_TaxCode", **filters)]

    async def cost_centre(self, code: str, ctx: Context) -> dict[str, Any] | None:
        key = mapping.cost_center_key(code)
        found = await self.vendor.entity(
            f"{api.CC}/A_CostCenter{api.key(('CostCenter', key))}") if key else None
        if found is None or mapping.cost_centre_code(found["CostCenter"]) != code:
            return None
        return self.map.cost_centre(found, ctx.clock.now().date())

    async def gl_account(self, number: str) -> dict[str, Any] | None:
        key = mapping.gl_key(number)
        found = await self.vendor.entities(f"{api.GL}/A_GLAccountInChartOfAccounts",
                                           GLAccount=key) if key else []
        hits = [g for g in (self.map.gl_account(f) for f in found)
                if g["accountNumber"] == number]
        return hits[0] if hits else None

    # --- suppliers ---------------------------------------------------------------------

    async def _list_suppliers(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        natives = await self.vendor.entities(f"{api.BP}/A_Supplier")
        pairs = [(n, self.map.supplier(n)) for n in natives]
        if q.get("status"):
            pairs = [(n, s) for n, s in pairs if s["status"] == q["status"]]
        if q.get("name"):
            needle = str(q["name"]).casefold()
            pairs = [(n, s) for n, s in pairs if needle in str(s.get("name", "")).casefold()
                     or needle in str(s.get("tradingName", "")).casefold()]
        if q.get("countryCode"):
            pairs = [(n, s) for n, s in pairs
                     if s.get("postalAddress", {}).get("countryCode") == q["countryCode"]]
        if q.get("updatedSince"):
            since = erp_rules.instant(str(q["updatedSince"]))
            if since is None:
                return _problem(request, 400, "bad-request", "Bad request",
                                "updatedSince is not an RFC 3339 date-time.",
                                "INVALID_PARAMETER")
            pairs = [(n, s) for n, s in pairs if n.get("LastChangeDateTime") and
                     (erp_rules.instant(mapping.instant(n["LastChangeDateTime"]))
                      or since) >= since]
        return erp.page(request, [s for _, s in pairs],
                        lambda s: (str(s["supplierNumber"]),))

    async def _search_suppliers(self, request: SimRequest, ctx: Context) -> SimResponse:
        body = request.body if isinstance(request.body, Mapping) else {}
        if not any(k in body for k in ("taxRegistration", "iban", "accountId")):
            return _problem(request, 422, "validation-failed", "The request cannot be processed",
                            "Give a tax registration, an IBAN or an account id.",
                            "VALIDATION_FAILED",
                            errors=[{"pointer": "", "code": "SEARCH_CRITERION_MISSING",
                                     "detail": "Expected at least one of taxRegistration, "
                                               "iban, accountId."}])
        found = [s for s in await self.suppliers() if erp_rules.supplier_matches(s, body)]
        return SimResponse(200, {"items": found, "nextCursor": None})

    async def _get_supplier(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("supplierNumber"))
        native = await self._supplier_or_error(request, number)
        if isinstance(native, SimResponse):
            return native
        return SimResponse(200, self.map.supplier(native))

    async def _get_supplier_status(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("supplierNumber"))
        native = await self._supplier_or_error(request, number)
        if isinstance(native, SimResponse):
            return native
        return SimResponse(200, self.map.supplier_state(native))

    async def _supplier_or_error(self, request: SimRequest, number: str
                                 ) -> dict[str, Any] | SimResponse:
        """The native supplier, or the 404 problem (keeping the vendor's own answer)."""
        key = mapping.supplier_key(number)
        if key is None:
            return _not_found(request, "supplier", number, "SUPPLIER_NOT_FOUND")
        found, missing = await self.vendor.lookup(
            f"{api.BP}/A_Supplier{api.key(('Supplier', key))}")
        if found is None:
            return _not_found(request, "supplier", number, "SUPPLIER_NOT_FOUND", missing)
        if mapping.supplier_number(found["Supplier"]) != number:
            # the vendor pads keys with zeros: V-0100001 must not find V-100001
            return _not_found(request, "supplier", number, "SUPPLIER_NOT_FOUND")
        return found

    # --- purchasing --------------------------------------------------------------------

    async def _list_purchase_orders(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        filters: dict[str, str] = {}
        if q.get("supplierNumber"):
            key = mapping.supplier_key(str(q["supplierNumber"]))
            if key is None:
                return erp.purchase_order_page(request, [])
            filters["Supplier"] = key
        company = await self.company()
        items = [self.map.purchase_order(p, company) for p in
                 await self.vendor.entities(f"{api.PO}/A_PurchaseOrder", **filters)]
        return erp.purchase_order_page(request, items)

    async def _get_purchase_order(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("purchaseOrderId"))
        found = await self.purchase_order(number)
        return SimResponse(200, found) if found is not None else \
            _not_found(request, "purchase order", number, "PURCHASE_ORDER_NOT_FOUND")

    async def _list_goods_receipts(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("purchaseOrderId"))
        if await self.purchase_order(number) is None:
            return _not_found(request, "purchase order", number, "PURCHASE_ORDER_NOT_FOUND")
        items = [self.map.goods_receipt(r) for r in await self.vendor.entities(
            f"{api.MD}/A_MaterialDocumentHeader", PurchaseOrder=number)]
        return erp.page(request, items, lambda r: (r["receivedDate"], r["receiptId"]))

    async def _get_goods_receipt(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("goodsReceiptId"))
        found = await self.goods_receipt(number)
        return SimResponse(200, found) if found is not None else \
            _not_found(request, "goods receipt", number, "GOODS_RECEIPT_NOT_FOUND")

    # --- reference data ----------------------------------------------------------------

    async def _list_cost_centres(self, request: SimRequest, ctx: Context) -> SimResponse:
        return erp.page(request, await self.cost_centres(ctx), lambda c: (str(c["code"]),))

    async def _get_cost_centre(self, request: SimRequest, ctx: Context) -> SimResponse:
        code = str(request.path_params.get("costCentreCode"))
        key = mapping.cost_center_key(code)
        found, missing = await self.vendor.lookup(
            f"{api.CC}/A_CostCenter{api.key(('CostCenter', key))}") if key else (None, None)
        if found is None or mapping.cost_centre_code(found["CostCenter"]) != code:
            return _not_found(request, "cost centre", code, "COST_CENTRE_NOT_FOUND", missing)
        return SimResponse(200, self.map.cost_centre(found, ctx.clock.now().date()))

    async def _list_gl_accounts(self, request: SimRequest, ctx: Context) -> SimResponse:
        items = await self.gl_accounts()
        if request.query.get("type"):
            items = [a for a in items if a.get("type") == request.query["type"]]
        return erp.page(request, items, lambda a: (str(a["accountNumber"]),))

    async def _get_gl_account(self, request: SimRequest, ctx: Context) -> SimResponse:
        number = str(request.path_params.get("glAccountNumber"))
        key = mapping.gl_key(number)
        found = await self.vendor.entities(f"{api.GL}/A_GLAccountInChartOfAccounts",
                                           GLAccount=key) if key else []
        hits = [self.map.gl_account(g) for g in found]
        hits = [g for g in hits if g["accountNumber"] == number]
        return SimResponse(200, hits[0]) if hits else \
            _not_found(request, "GL account", number, "GL_ACCOUNT_NOT_FOUND")

    async def _list_tax_codes(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        items = await self.tax_codes()
        if q.get("countryCode"):
            items = [t for t in items if t["jurisdiction"]["countryCode"] == q["countryCode"]]
        if q.get("direction"):
            items = [t for t in items if t.get("direction") == q["direction"]]
        return erp.page(request, items, lambda t: (str(t["code"]),))

    async def _get_tax_code(self, request: SimRequest, ctx: Context) -> SimResponse:
        code = str(request.path_params.get("taxCode"))
        key = mapping.tax_key(code)
        found, missing = await self.vendor.lookup(
            f"{api.TX}/A_TaxCode{api.key(('Country', key[0]), ('TaxCode', key[1]))}") \
            if key else (None, None)
        return SimResponse(200, self.map.tax_code(found)) if found is not None else \
            _not_found(request, "tax code", code, "TAX_CODE_NOT_FOUND", missing)

    # --- validation --------------------------------------------------------------------

    async def master_data(self, doc: Mapping[str, Any], ctx: Context) -> _Master:
        """Everything the canonical rules may look at for ``doc``, read from the vendor."""
        orders = set(erp_rules.order_references(doc))
        header = doc.get("orderReference", {}).get("id") if isinstance(
            doc.get("orderReference"), Mapping) else None
        if header:
            orders.add(str(header))
        receipts = {str(doc["goodsReceiptReference"])} if doc.get("goodsReceiptReference") \
            else set()
        for line in doc.get("lines", []) or []:
            ref = line.get("goodsReceiptRef") if isinstance(line, Mapping) else None
            if isinstance(ref, Mapping) and ref.get("receiptId"):
                receipts.add(str(ref["receiptId"]))
        number = str(doc.get("number", ""))
        # Suppliers are read whole (a seller is matched on any of its identifiers); the
        # rest is read for what this document can touch: its orders and receipts, the tax
        # codes of the supplier's country, the cost centres and GL accounts it or its order
        # lines name (plus the default expense account).
        suppliers, postings, *docs = await asyncio.gather(
            self.suppliers(),
            self.vendor.entities(f"{api.SI}/A_SupplierInvoice",
                                 SupplierInvoiceIDByInvcgParty=number),
            *[self.purchase_order(o) for o in sorted(orders)],
            *[self.goods_receipt(r) for r in sorted(receipts)])
        pos = [d for d in docs if d is not None and "poNumber" in d]
        grs = [d for d in docs if d is not None and "receiptId" in d]
        seller = doc.get("seller") if isinstance(doc.get("seller"), Mapping) else {}
        supplier = erp_rules.find_supplier(seller, suppliers)
        country = erp_rules.supplier_country(supplier, seller)
        centres_wanted, accounts_wanted = _referenced_codes(doc, pos)
        taxes, centres, accounts = await asyncio.gather(
            self.tax_codes(country) if country else _nothing(),
            asyncio.gather(*[self.cost_centre(c, ctx) for c in sorted(centres_wanted)]),
            asyncio.gather(*[self.gl_account(g) for g in sorted(accounts_wanted)]))
        index = {erp_rules.posting_key(mapping.supplier_number(p["InvoicingParty"]), number):
                 {"postingId": mapping.numbered(mapping.POSTING[0], p["FiscalYear"],
                                                p["SupplierInvoice"], mapping.POSTING[2])}
                 for p in postings if p.get("SupplierInvoiceStatus") != "X"}
        return _Master({
            "supplier": {s["supplierNumber"]: s for s in suppliers},
            "taxCode": {t["code"]: t for t in taxes},
            "costCentre": {c["code"]: c for c in centres if c is not None},
            "glAccount": {g["accountNumber"]: g for g in accounts if g is not None},
            "purchaseOrder": {p["poNumber"]: p for p in pos},
            "goodsReceipt": {r["receiptId"]: r for r in grs},
            "postingIndex": index})

    async def _validate_invoice(self, request: SimRequest, ctx: Context) -> SimResponse:
        if not isinstance(request.body, Mapping):
            return _problem(request, 400, "bad-request", "Bad request",
                            "The body must be a JSON object.", "INVALID_BODY")
        master = await self.master_data(request.body, ctx)
        result = erp_rules.validate_invoice(request.body, master, self.minor_units)
        return SimResponse(200, {"valid": result.valid,
                                 "checkedAt": erp.timestamp(ctx.clock.now()),
                                 "checks": list(erp_rules.CHECKS),
                                 "findings": [f.as_dict() for f in result.findings]})

    # --- posting -----------------------------------------------------------------------

    async def _post_invoice(self, request: SimRequest, ctx: Context) -> SimResponse:
        key = request.headers.get("idempotency-key")
        if not key:
            return _problem(request, 400, "bad-request", "Bad request",
                            "The Idempotency-Key header is required for this operation.",
                            "IDEMPOTENCY_KEY_MISSING")
        doc = request.body
        if not isinstance(doc, Mapping):
            return _problem(request, 400, "bad-request", "Bad request",
                            "The body must be a JSON object.", "INVALID_BODY")
        fp = fingerprint(request)
        known = ctx.store.get(POSTINGS, key)
        # the vendor accepted another body under this key. A valid body goes to the vendor,
        # whose repeatability check decides; a body that cannot be sent is answered from
        # this record, so an invalid body under a used key is a 409, not a 422
        reused = _problem(request, 409, "idempotency-key-reused",
                          "Idempotency key reused with a different request",
                          f"Key {key} was first used with a different request body; use a "
                          "new key for a new request.", "IDEMPOTENCY_KEY_REUSED") \
            if known is not None and known.get("accepted") and known["fingerprint"] != fp \
            else None
        result = erp_rules.validate_invoice(doc, await self.master_data(doc, ctx),
                                            self.minor_units)
        duplicate = next((f for f in result.findings if f.code == "DUPLICATE_INVOICE"), None)
        currency = str(doc.get("currency"))
        with erp_rules.exact():
            lines = erp.journal_lines(doc, result.lines, self.minor_units.get(currency)) \
                if result.supplier is not None else []
        if duplicate is None:
            if result.valid and not erp.is_balanced(lines):
                result.add("AMOUNT_ZERO", "/totals/payableAmount",
                           "A document of zero amount cannot be posted.")
            if not result.valid:
                if reused is not None:
                    return reused
                errors = result.errors
                return _problem(request, 422, "validation-failed",
                                "The invoice cannot be posted",
                                f"{len(errors)} validation error"
                                f"{'s' if len(errors) != 1 else ''}; nothing was posted.",
                                "VALIDATION_FAILED",
                                errors=[{"pointer": f.pointer, "detail": f.message,
                                         "code": f.code} for f in errors])
        elif result.supplier is None or not erp.is_balanced(lines):
            if reused is not None:
                return reused
            return _problem(request, 409, "duplicate-invoice", "Duplicate invoice",
                            duplicate.message, "DUPLICATE_INVOICE")
        # A duplicate may be this very request retried: the vendor decides by its request id
        # (replay, or a duplicate it refuses itself).
        body = invoice.native_invoice(doc, result.supplier or {}, lines)
        first_sent = self._first_sent(ctx, key, fp)
        try:
            posted = await self.vendor.create_invoice(body, key, first_sent)
        except VendorError as exc:
            return self._posting_refused(request, exc, duplicate)
        posting = self.map.posting(posted.invoice)
        location = f"{request.path.rstrip('/')}/{posting['postingId']}"
        headers = {"Location": location}
        with ctx.store.transaction():
            record = ctx.store.get(POSTINGS, key) or {"fingerprint": fp,
                                                      "firstSent": first_sent.isoformat()}
            if posted.replayed and record.get("accepted") and record["fingerprint"] != fp:
                # The vendor compares the native body, which leaves out canonical fields
                # (buyer, item names): it replayed another request's posting under this key.
                # The key was used for a different canonical request, which is a conflict.
                return _problem(request, 409, "idempotency-key-reused",
                                "Idempotency key reused with a different request",
                                f"Key {key} was first used with a different request body; "
                                "use a new key for a new request.", "IDEMPOTENCY_KEY_REUSED")
            if posted.replayed and not record.get("accepted"):
                # the vendor's original answer was announced by an adapter run we no
                # longer remember: nothing is known to be missing, so nothing is re-sent
                record["announced"] = list(ANNOUNCED)
            record.update(accepted=True, fingerprint=fp)
            record.setdefault("announced", [])
            ctx.store.put(POSTINGS, key, record)
        if posted.replayed:
            headers["Idempotent-Replayed"] = "true"
        # what a failed earlier attempt (a vendor read after the posting) left unannounced
        await self._emit_posted(key, doc, posted.invoice, posting, ctx)
        return SimResponse(201, posting, headers=headers)

    def _first_sent(self, ctx: Context, key: str, fp: str) -> datetime:
        """Repeatability-First-Sent is when this request id was first sent, on every
        retry; a new body under a key the vendor never accepted starts afresh."""
        with ctx.store.transaction():
            record = ctx.store.get(POSTINGS, key)
            if record is not None and (record.get("accepted") or record["fingerprint"] == fp):
                return datetime.fromisoformat(record["firstSent"])
            now = ctx.clock.now().astimezone(UTC)
            ctx.store.put(POSTINGS, key, {"fingerprint": fp, "firstSent": now.isoformat(),
                                          "accepted": False, "announced": []})
            return now

    def _posting_refused(self, request: SimRequest, exc: VendorError,
                         duplicate: Any) -> SimResponse:
        member = {"vendorError": exc.member()}
        key = request.headers.get("idempotency-key")
        if exc.status == 409 and exc.code.endswith("REPEATABILITY_PENDING"):
            return _problem(request, 409, "idempotency-key-in-flight",
                            "A request with this idempotency key is in progress",
                            f"A request with key {key} is still being processed; retry "
                            "later with the same key.", "IDEMPOTENCY_KEY_IN_FLIGHT", **member)
        if exc.status == 409 and "REPEATABILITY" in exc.code:
            return _problem(request, 409, "idempotency-key-reused",
                            "Idempotency key reused with a different request",
                            f"Key {key} was first used with a different request body; use a "
                            "new key for a new request.", "IDEMPOTENCY_KEY_REUSED", **member)
        if exc.status == 409:
            detail = duplicate.message if duplicate is not None else exc.message
            return _problem(request, 409, "duplicate-invoice", "Duplicate invoice", detail,
                            "DUPLICATE_INVOICE", **member)
        if exc.status == 422:
            return _problem(request, 422, "validation-failed", "The invoice cannot be posted",
                            f"The ERP refused the posting: {exc.message}", "VALIDATION_FAILED",
                            errors=[{"pointer": "", "detail": exc.message,
                                     "code": "VENDOR_REJECTED"}], **member)
        raise exc

    def _announce(self, ctx: Context, key: str, message: str, data: Mapping[str, Any]) -> None:
        """Emit ``message`` for the posting under ``key`` unless it was announced already,
        in the same transaction that records it (so concurrent replays emit it once)."""
        with ctx.store.transaction():
            record = ctx.store.get(POSTINGS, key) or {}
            if message in record.get("announced", []):
                return
            record["announced"] = [*record.get("announced", []), message]
            ctx.store.put(POSTINGS, key, record)
            ctx.emit(message, data)

    async def _emit_posted(self, key: str, doc: Mapping[str, Any], invoice: Mapping[str, Any],
                           posting: Mapping[str, Any], ctx: Context) -> None:
        announced = (ctx.store.get(POSTINGS, key) or {}).get("announced", [])
        if all(m in announced for m in ANNOUNCED):
            return
        period = {"fiscalYear": posting["fiscalYear"], "period": posting["fiscalPeriod"]}
        gross = mapping.money(invoice["InvoiceGrossAmount"], invoice["DocumentCurrency"])
        self._announce(ctx, key, "invoicePosted", {
            "invoiceId": erp.invoice_id(doc), "invoiceNumber": str(doc["number"]),
            "postingId": posting["postingId"],
            "journalEntryId": posting.get("journalEntryId"),
            "postingDate": posting["postingDate"], "postingPeriod": period,
            "postedAt": posting["postedAt"], "grossAmount": gross})
        if not invoice.get("PaymentDocument"):
            return
        payment = await self.payment_native(invoice["PaymentDocument"],
                                            invoice["PaymentFiscalYear"])
        if payment is None:
            raise VendorUnavailable(f"payment {invoice['PaymentDocument']} of a posted "
                                    "invoice is missing")
        canonical = self.map.payment(payment, await self.company())
        with ctx.store.transaction():
            self._announce(ctx, key, "invoicePaymentScheduled", {
                "invoiceId": erp.invoice_id(doc), "invoiceNumber": str(doc["number"]),
                "paymentId": canonical["paymentId"],
                "requestedExecutionDate": canonical["requestedExecutionDate"],
                "amount": canonical["amount"]})
            events.remember_payment(ctx.store, canonical)

    # --- postings, payments, journal ---------------------------------------------------

    async def _get_posting(self, request: SimRequest, ctx: Context) -> SimResponse:
        ident = str(request.path_params.get("postingId"))
        native = mapping.native_number(ident, mapping.POSTING[0], mapping.POSTING[1])
        found, missing = await self.vendor.lookup(f"{api.SI}/A_SupplierInvoice" + api.key(
            ("SupplierInvoice", native[0]), ("FiscalYear", native[1]))) if native \
            else (None, None)
        posting = self.map.posting(found) if found is not None else None
        return SimResponse(200, posting) if posting and posting["postingId"] == ident else \
            _not_found(request, "invoice posting", ident, "POSTING_NOT_FOUND", missing)

    async def payment_native(self, document: str, year: str) -> dict[str, Any] | None:
        return await self.vendor.entity(f"{api.PY}/A_SupplierPayment" + api.key(
            ("PaymentDocument", document), ("FiscalYear", year)))

    async def _list_payments(self, request: SimRequest, ctx: Context) -> SimResponse:
        wanted = str(request.query.get("invoiceId"))
        status = request.query.get("status")
        company = await self.company()
        items = [self.map.payment(p, company) for p in await self.vendor.entities(
            f"{api.PY}/A_SupplierPayment", InvoiceAssignmentReference=wanted)]
        items = [p for p in items if not status or p["status"] == status]
        return erp.page(request, items, lambda p: (p["paymentId"],), reverse=True)

    async def _get_payment(self, request: SimRequest, ctx: Context) -> SimResponse:
        ident = str(request.path_params.get("paymentId"))
        native = mapping.native_number(ident, mapping.PAYMENT[0], mapping.PAYMENT[1])
        found, missing = await self.vendor.lookup(f"{api.PY}/A_SupplierPayment" + api.key(
            ("PaymentDocument", native[0]), ("FiscalYear", native[1]))) if native \
            else (None, None)
        payment = self.map.payment(found, await self.company()) if found is not None else None
        return SimResponse(200, payment) if payment and payment["paymentId"] == ident else \
            _not_found(request, "payment", ident, "PAYMENT_NOT_FOUND", missing)

    async def _list_journal_entries(self, request: SimRequest, ctx: Context) -> SimResponse:
        q = request.query
        year, period = int(q.get("fiscalYear") or 0), int(q.get("fiscalPeriod") or 0)
        filters = {"FiscalYear": f"{year:04d}", "FiscalPeriod": f"{period:03d}"}
        if q.get("sourceDocumentId"):
            filters["OriginalReferenceDocument"] = str(q["sourceDocumentId"])
        items = [self.map.journal_entry(e) for e in
                 await self.vendor.entities(f"{api.JE}/A_JournalEntry", **filters)]
        return erp.page(request, items, lambda e: (e["postingDate"], e["entryId"]))

    async def _get_journal_entry(self, request: SimRequest, ctx: Context) -> SimResponse:
        ident = str(request.path_params.get("journalEntryId"))
        native = mapping.native_number(ident, mapping.JOURNAL[0], mapping.JOURNAL[1])
        found = await self.vendor.entities(f"{api.JE}/A_JournalEntry",
                                           AccountingDocument=native[0],
                                           FiscalYear=native[1]) if native else []
        entry = self.map.journal_entry(found[0]) if found else None
        return SimResponse(200, entry) if entry and entry["entryId"] == ident else \
            _not_found(request, "journal entry", ident, "JOURNAL_ENTRY_NOT_FOUND")

    # --- sync --------------------------------------------------------------------------

    async def _sync(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        async with self._lock():
            try:
                snapshot = await events.fetch(self.vendor, ctx.store)
            except (VendorError, VendorUnavailable) as exc:
                raise ActionError(503, f"the ERP could not be polled: {exc}") from None
            except api.TooManyRows as exc:
                raise ActionError(500, f"the ERP could not be polled: {exc}") from None
            with ctx.store.transaction():
                changes = events.poll(ctx.store, snapshot, self.map)
                emitted = [self._emit(ctx, name, data) for name, data in changes]
        return {"emitted": emitted}

    def _emit(self, ctx: Context, message: str, data: Mapping[str, Any]) -> str:
        """Emit through the outbox like ctx.emit, keeping the event id for the answer (the
        app is bound by ``service.build``; without it there is no id to return)."""
        if self._app is None:
            raise RuntimeError("the adapter behaviour is not bound to its app (bind_app)")
        event_id = str(uuid.uuid4())
        built = self._app.events.build(message, data, event_id=event_id,
                                       time=ctx.clock.now().astimezone(UTC))
        with ctx.store.transaction():
            ctx.store.outbox_add(built)
        return event_id
