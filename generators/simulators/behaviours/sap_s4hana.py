"""The SAP S/4HANA-style vendor simulator: native OData v2 finance services with state.

A reference adapter is only proven against a vendor that behaves like one: its own keys,
flags, status codes, money and date formats, error objects and retry mechanism. This
behaviour serves the ``sap-s4hana-odata`` contract from the Store, seeded from the same
``finance_data.reference_data(seed)`` world as the canonical ERP (converted to native form by
``sap_seed``), so the adapter's canonical answers can be compared with the canonical ERP's.
Supplier invoices post exactly once per ``Repeatability-Request-ID``; posting creates the
accounting document and a payment-run payment, whose states QA moves with admin actions.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.generators.simulators.behaviours import finance_data, sap_seed
from ledgerpact.generators.simulators.behaviours.sap_odata import (
    ODataError,
    alpha,
    collection,
    entity,
    error,
    from_date,
    key_of,
    to_date,
    to_datetime,
)
from ledgerpact.generators.simulators.messages import ActionError, Context, SimRequest, SimResponse

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.idempotency import IdempotencyLedger
    from ledgerpact.generators.simulators.store import Store

SCOPE = "A_SupplierInvoice"
INPUT_TAX_ACCOUNT = sap_seed.gl_key(finance_data.INPUT_VAT_ACCOUNT)
PAYABLES_ACCOUNT = sap_seed.gl_key(finance_data.PAYABLES_ACCOUNT)
# payment run: state -> action -> next state (01 proposal, 02 released, 03 cleared,
# 04 rejected by the bank, 05 returned after clearing)
PAYMENT_MOVES: dict[str, dict[str, str]] = {"01": {"release": "02"},
                                            "02": {"settle": "03", "fail": "04"},
                                            "03": {"return": "05"}, "04": {}, "05": {}}
# what a payment's new state does to its invoice's native status
INVOICE_AFTER_PAYMENT = {"02": "S", "03": "P", "04": "5", "05": "5"}
REQUIRED = ("CompanyCode", "InvoicingParty", "SupplierInvoiceIDByInvcgParty", "DocumentDate",
            "InvoiceGrossAmount", "DocumentCurrency")
_Handler = Callable[[SimRequest, Context], SimResponse]


def not_found(what: str, key: str) -> SimResponse:
    return error(404, "/IWBEP/CM_MGW_RT/020", f"Resource not found for segment '{what}' "
                                              f"with key {key}.")


CHANGE_DOCUMENTS = "A_SupplierChangeDocument"


class SapS4HanaBehaviour:
    """Implements messages.Behaviour for the sap-s4hana-odata contract."""

    name = "sap-s4hana"
    contract_id = "sap-s4hana-odata"

    def __init__(self) -> None:
        self._registry_root: Path | None = None
        self._ledger: tuple[Store, IdempotencyLedger] | None = None
        self._routes: dict[str, _Handler] = {
            "listSuppliers": self._list("A_Supplier"),
            "getSupplier": self._get("A_Supplier", ("Supplier",), {"Supplier": 10}),
            "listSupplierChangeDocuments": self._list(CHANGE_DOCUMENTS),
            "listBusinessPartners": self._list_partners,
            "getBusinessPartner": self._get_partner,
            "listPurchaseOrders": self._list("A_PurchaseOrder"),
            "getPurchaseOrder": self._get("A_PurchaseOrder", ("PurchaseOrder",),
                                          {"PurchaseOrder": 10}),
            "listMaterialDocuments": self._list("A_MaterialDocumentHeader"),
            "getMaterialDocument": self._get("A_MaterialDocumentHeader",
                                             ("MaterialDocumentYear", "MaterialDocument"),
                                             {"MaterialDocument": 10}),
            "listCostCenters": self._list("A_CostCenter"),
            "getCostCenter": self._get("A_CostCenter", ("CostCenter",), {"CostCenter": 10}),
            "listGLAccounts": self._list("A_GLAccountInChartOfAccounts"),
            "getGLAccount": self._get("A_GLAccountInChartOfAccounts",
                                      ("ChartOfAccounts", "GLAccount"), {"GLAccount": 10}),
            "listTaxCodes": self._list("A_TaxCode"),
            "getTaxCode": self._get("A_TaxCode", ("Country", "TaxCode")),
            "getCompanyCode": self._get("A_CompanyCode", ("CompanyCode",)),
            "listJournalEntries": self._list("A_JournalEntry"),
            "getJournalEntry": self._get("A_JournalEntry",
                                         ("CompanyCode", "FiscalYear", "AccountingDocument"),
                                         {"AccountingDocument": 10}),
            "listSupplierPayments": self._list("A_SupplierPayment"),
            "getSupplierPayment": self._get("A_SupplierPayment",
                                            ("PaymentDocument", "FiscalYear"),
                                            {"PaymentDocument": 10}),
            "listSupplierInvoices": self._list("A_SupplierInvoice"),
            "getSupplierInvoice": self._get("A_SupplierInvoice",
                                            ("SupplierInvoice", "FiscalYear"),
                                            {"SupplierInvoice": 10}),
        }

    # --- Behaviour protocol ------------------------------------------------------------

    def bind_registry(self, root: Path) -> None:
        """Seed from the erp-finance contract of the registry being served (its Money
        schema decides the currencies' minor units, as for the canonical ERP)."""
        self._registry_root = root

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        document = finance_data.erp_document(self._registry_root)
        data = finance_data.reference_data(seed, data_dir, document=document)
        with store.transaction():
            for s in data["suppliers"]:
                since = s.get("onboardedAt", sap_seed.SEEDED_SINCE)
                native = sap_seed.supplier(s, {"since": since, "updatedAt": since})
                store.put("A_Supplier", native["Supplier"], native)
            for po in data["purchaseOrders"]:
                store.put("A_PurchaseOrder", po["poNumber"], sap_seed.purchase_order(po))
            for gr in data["goodsReceipts"]:
                native = sap_seed.material_document(gr)
                store.put("A_MaterialDocumentHeader",
                          _key(native["MaterialDocumentYear"], native["MaterialDocument"]),
                          native)
            for cc in data["costCentres"]:
                native = sap_seed.cost_center(cc)
                store.put("A_CostCenter", native["CostCenter"], native)
            for gl in data["glAccounts"]:
                native = sap_seed.gl_account(gl)
                store.put("A_GLAccountInChartOfAccounts",
                          _key(native["ChartOfAccounts"], native["GLAccount"]), native)
            for t in data["taxCodes"]:
                native = sap_seed.tax_code(t)
                store.put("A_TaxCode", _key(native["Country"], native["TaxCode"]), native)
            company = sap_seed.company_code()
            store.put("A_CompanyCode", company["CompanyCode"], company)

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        try:
            if request.operation_id == "createSupplierInvoice":
                response = await self._create_invoice(request, ctx)
            else:
                handler = self._routes.get(request.operation_id)
                response = handler(request, ctx) if handler is not None else None
        except ODataError as exc:
            response = error(exc.status, exc.code, exc.message)
        await ctx.store.flush()
        return response

    def render_error(self, response: SimResponse) -> SimResponse:
        """An error the engine answered itself (invalid request, no credentials, unknown
        path, injected fault) as the OData v2 error object the contract declares, with the
        same status and headers; the engine's code becomes the message id."""
        body = response.body if isinstance(response.body, Mapping) else {}
        code = str(body.get("code") or f"HTTP_{response.status}")
        text = str(body.get("detail") or body.get("title") or "The request failed.")
        native = error(response.status, f"/IWBEP/CM_MGW_RT/{code}", text)
        native.headers = {k: v for k, v in response.headers.items()
                          if k.lower() != "content-type"}
        return native

    def scenario(self, store: Store) -> dict[str, Any]:
        kinds = ("A_Supplier", "A_PurchaseOrder", "A_MaterialDocumentHeader", "A_CostCenter",
                 "A_GLAccountInChartOfAccounts", "A_TaxCode", "A_SupplierInvoice",
                 "A_JournalEntry", "A_SupplierPayment")
        by_state: dict[str, int] = {}
        for payment in store.scan("A_SupplierPayment"):
            state = str(payment["PaymentRunStatus"])
            by_state[state] = by_state.get(state, 0) + 1
        return {"counts": {kind: store.count(kind) for kind in kinds},
                "paymentsByRunStatus": dict(sorted(by_state.items()))}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        return {"set-supplier-status": self._set_supplier_status,
                "release-payment": self._payment_action("release"),
                "settle-payment": self._payment_action("settle"),
                "fail-payment": self._payment_action("fail"),
                "return-payment": self._payment_action("return")}

    # --- reads -------------------------------------------------------------------------

    def _list(self, kind: str) -> _Handler:
        def handler(request: SimRequest, ctx: Context) -> SimResponse:
            return collection(ctx.store.scan(kind), request.query)
        return handler

    def _get(self, kind: str, names: tuple[str, ...],
             pad: Mapping[str, int] | None = None) -> _Handler:
        def handler(request: SimRequest, ctx: Context) -> SimResponse:
            key = key_of(request, *names, pad=pad)
            found = ctx.store.get(kind, _key(*key))
            if found is None:
                return not_found(kind, ",".join(key))
            return entity(found, request.path)
        return handler

    def _list_partners(self, request: SimRequest, ctx: Context) -> SimResponse:
        return collection([_partner(s) for s in ctx.store.scan("A_Supplier")], request.query)

    def _get_partner(self, request: SimRequest, ctx: Context) -> SimResponse:
        (number,) = key_of(request, "BusinessPartner", pad={"BusinessPartner": 10})
        found = ctx.store.get("A_Supplier", number)
        return entity(_partner(found), request.path) if found is not None \
            else not_found("A_BusinessPartner", number)

    # --- supplier invoices ---------------------------------------------------------------

    def ledger(self, store: Store) -> IdempotencyLedger:
        if self._ledger is None or self._ledger[0] is not store:
            from ledgerpact.generators.simulators.idempotency import IdempotencyLedger

            self._ledger = (store, IdempotencyLedger(store))
        return self._ledger[1]

    async def _create_invoice(self, request: SimRequest, ctx: Context) -> SimResponse:
        from ledgerpact.generators.simulators.idempotency import fingerprint

        request_id = request.headers.get("repeatability-request-id")
        if not request_id:
            with ctx.store.transaction():
                return self._post(request, ctx)
        ledger = self.ledger(ctx.store)
        claim = ledger.begin(SCOPE, request_id, fingerprint(request))
        if claim.outcome == "replay":
            stored = claim.response
            assert stored is not None, "the ledger replays only stored responses"
            return SimResponse(stored.status, stored.body,
                               headers={**stored.headers, "Repeatability-Result": "replayed"},
                               media_type=stored.media_type)
        if claim.outcome == "mismatch":
            return error(409, "/IWBEP/CM_MGW_RT/REPEATABILITY",
                         f"Request {request_id} was first sent with a different body; use a "
                         "new Repeatability-Request-ID for a new request.")
        if claim.outcome == "in_flight":
            return error(409, "/IWBEP/CM_MGW_RT/REPEATABILITY_PENDING",
                         f"Request {request_id} is still being processed; repeat it later "
                         "with the same Repeatability-Request-ID.")
        finished = False
        try:
            await asyncio.sleep(0)
            with ctx.store.transaction():
                response = self._post(request, ctx)
                if response.status == 201:
                    ledger.finish(claim, response)
                    finished = True
        finally:
            if not finished:
                ledger.release(claim)
        return response

    def _post(self, request: SimRequest, ctx: Context) -> SimResponse:
        body = request.body
        if not isinstance(body, Mapping):
            raise ODataError(400, "/IWBEP/CM_MGW_RT/004", "The body must be a JSON object.")
        missing = [name for name in REQUIRED if body.get(name) in (None, "")]
        if missing:
            raise ODataError(400, "/IWBEP/CM_MGW_RT/004",
                             f"Property {missing[0]} is required in a supplier invoice.")
        store = ctx.store
        party = alpha(str(body.get("InvoicingParty", "")))
        supplier = store.get("A_Supplier", party)
        if supplier is None:
            raise ODataError(422, "M8/152", f"Invoicing party {party} does not exist.")
        if supplier.get("PostingIsBlocked"):
            raise ODataError(422, "M8/351", f"Supplier {party} is blocked for posting.")
        if supplier.get("SupplierIsNotReleased"):
            raise ODataError(422, "M8/352", f"Supplier {party} is not released.")
        reference = str(body.get("SupplierInvoiceIDByInvcgParty", ""))
        for other in store.scan("A_SupplierInvoice"):
            if other["InvoicingParty"] == party and \
                    other["SupplierInvoiceIDByInvcgParty"] == reference and \
                    other["SupplierInvoiceStatus"] != "X":
                raise ODataError(409, "M8/108",
                                 f"Reference {reference} of supplier {party} was already "
                                 f"posted as {other['SupplierInvoice']}/{other['FiscalYear']}.")
        currency = str(body.get("DocumentCurrency", ""))
        try:
            gross = Decimal(str(body.get("InvoiceGrossAmount")))
            document_date = from_date(str(body.get("DocumentDate")))
            items = [_gl_item(i, item, currency) for i, item in enumerate(
                _results(body, "to_SupplierInvoiceItemGLAcct"))]
            taxes = [_tax_item(item) for item in _results(body, "to_SupplierInvoiceTax")]
            base_date = from_date(str(body["DueCalculationBaseDate"])) \
                if body.get("DueCalculationBaseDate") else document_date
        except (InvalidOperation, ValueError, KeyError, TypeError) as exc:
            raise ODataError(400, "/IWBEP/CM_MGW_RT/004",
                             f"Malformed supplier invoice: {exc}") from None
        is_invoice = body.get("IsInvoice", True) is not False
        balance = sum((_signed(i) for i in items), Decimal(0)) + \
            sum((_signed(t) for t in taxes), Decimal(0))
        # an invoice credits the supplier (H) by its gross amount, a credit memo debits it
        if (balance if is_invoice else -balance) != gross or gross <= 0:
            raise ODataError(422, "F5/702", f"Balance in transaction currency: items add up "
                                            f"to {balance}, the gross amount is {gross}.")
        now = ctx.clock.now()
        today = now.date()
        year = f"{today.year:04d}"
        invoice_no = f"51{store.next_number('sap.invoice'):08d}"
        accounting_no = f"19{store.next_number('sap.accounting'):08d}"
        header_text = str(body.get("SupplierInvoiceItemText", ""))
        journal_items = [*items, *[{**t, "GLAccount": INPUT_TAX_ACCOUNT} for t in taxes],
                         {"GLAccount": PAYABLES_ACCOUNT, "DebitCreditCode":
                          "H" if is_invoice else "S", "AmountInTransactionCurrency":
                          format(gross, "f"), "DocumentItemText": "Payable to supplier",
                          "Supplier": party}]
        journal = {
            "CompanyCode": str(body.get("CompanyCode") or finance_data.COMPANY_CODE),
            "FiscalYear": year, "AccountingDocument": accounting_no,
            "FiscalPeriod": f"{today.month:03d}", "PostingDate": to_date(today),
            "DocumentDate": to_date(document_date),
            "AccountingDocumentType": "RE" if is_invoice else "KG",
            "TransactionCurrency": currency, "Ledger": "0L",
            "DocumentReferenceID": reference,
            "OriginalReferenceDocument": str(body.get("AssignmentReference") or reference),
            "ReferenceDocumentType": "RMRP", "AccountingDocumentHeaderText": header_text,
            "IsReversed": False,
            "to_JournalEntryItem": {"results": [
                {**item, "LedgerGLLineItem": f"{n + 1:06d}", "TransactionCurrency": currency}
                for n, item in enumerate(journal_items)]},
        }
        store.put("A_JournalEntry", _key(journal["CompanyCode"], year, accounting_no), journal)
        invoice: dict[str, Any] = {
            "SupplierInvoice": invoice_no, "FiscalYear": year,
            "CompanyCode": journal["CompanyCode"], "InvoicingParty": party,
            "SupplierInvoiceIDByInvcgParty": reference,
            "AssignmentReference": str(body.get("AssignmentReference") or ""),
            "DocumentDate": to_date(document_date), "PostingDate": to_date(today),
            "DueCalculationBaseDate": to_date(base_date),
            "InvoiceGrossAmount": format(gross, "f"), "DocumentCurrency": currency,
            "IsInvoice": is_invoice, "SupplierInvoiceStatus": "5",
            "PaymentBlockingReason": "", "AccountingDocument": accounting_no,
            "PaymentDocument": "", "PaymentFiscalYear": "",
            "CreationDateTime": to_datetime(now), "SupplierInvoiceItemText": header_text,
            "to_SupplierInvoiceItemGLAcct": {"results": items},
            "to_SupplierInvoiceTax": {"results": taxes},
            "to_SuplrInvcItemPurOrdRef": {"results": list(_results(body,
                                                                   "to_SuplrInvcItemPurOrdRef"))},
        }
        if body.get("NetPaymentDays") is not None:
            invoice["NetPaymentDays"] = int(body["NetPaymentDays"])
        if is_invoice:
            days = invoice.get("NetPaymentDays", supplier.get("NetPaymentDays", 30))
            payment = _payment(store, supplier, invoice, ctx,
                               max(base_date + timedelta(days=int(days)), today), now)
            if payment is not None:
                store.put("A_SupplierPayment", _key(payment["PaymentDocument"], year), payment)
                invoice.update(PaymentDocument=payment["PaymentDocument"],
                               PaymentFiscalYear=year, SupplierInvoiceStatus="S")
        store.put("A_SupplierInvoice", _key(invoice_no, year), invoice)
        uri = (f"{request.path.rstrip('/')}(SupplierInvoice='{invoice_no}',"
               f"FiscalYear='{year}')")
        response = entity(invoice, uri)
        response.status = 201
        response.headers.update({"Location": uri, "Repeatability-Result": "accepted"})
        return response

    # --- admin actions -----------------------------------------------------------------

    def _set_supplier_status(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        """Body: ``Supplier`` and any of the native flags ``PostingIsBlocked``,
        ``PaymentIsBlocked``, ``SupplierIsNotReleased`` (booleans) and
        ``SupplierBlockReasonText``."""
        number = alpha(_required(body, "Supplier"))
        flags = ("PostingIsBlocked", "PaymentIsBlocked", "SupplierIsNotReleased")
        for name in flags:
            if name in body and not isinstance(body[name], bool):
                raise ActionError(400, f"{name} must be true or false")
        reason = body.get("SupplierBlockReasonText")
        if reason is not None and not (isinstance(reason, str) and len(reason) <= 1000):
            raise ActionError(400, "SupplierBlockReasonText must be a text of at most 1000 "
                                   "characters")
        with ctx.store.transaction():
            supplier = ctx.store.get("A_Supplier", number)
            if supplier is None:
                raise ActionError(404, f"no supplier {number}")
            before = {name: supplier[name] for name in flags}
            for name in flags:
                if name in body:
                    supplier[name] = body[name]
            if reason is not None:
                supplier["SupplierBlockReasonText"] = reason
            changed = before != {name: supplier[name] for name in flags}
            stamp = to_datetime(ctx.clock.now())
            if changed:
                supplier["StatusChangedOn"] = stamp
                if not supplier["SupplierIsNotReleased"] and "ReleasedOn" not in supplier:
                    supplier["ReleasedOn"] = stamp
            if changed or reason is not None:
                supplier["LastChangeDateTime"] = stamp
            ctx.store.put("A_Supplier", number, supplier)
            if changed:
                # one change document per change, numbered in order: a poller reads every
                # transition, never only the latest state
                doc_number = f"{ctx.store.count(CHANGE_DOCUMENTS) + 1:010d}"
                ctx.store.put(CHANGE_DOCUMENTS, doc_number, {
                    "ChangeDocument": doc_number, "Supplier": number, "ChangedOn": stamp,
                    **{f"Old{name}": before[name] for name in flags},
                    **{f"New{name}": supplier[name] for name in flags},
                    "SupplierBlockReasonText": str(supplier.get("SupplierBlockReasonText", ""))})
        return {"Supplier": number, "changed": changed,
                **{name: supplier[name] for name in flags}}

    def _payment_action(self, action: str) -> Callable[[Mapping[str, Any], Context], Any]:
        def run(body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
            document = alpha(_required(body, "PaymentDocument"))
            year = body.get("FiscalYear")
            with ctx.store.transaction():
                payment = None
                if year is not None:
                    payment = ctx.store.get("A_SupplierPayment", _key(document, str(year)))
                else:
                    found = [p for p in ctx.store.scan("A_SupplierPayment")
                             if p["PaymentDocument"] == document]
                    payment = found[-1] if found else None
                if payment is None:
                    raise ActionError(404, f"no payment {document}")
                state = payment["PaymentRunStatus"]
                target = PAYMENT_MOVES.get(state, {}).get(action)
                if target is None:
                    allowed = ", ".join(sorted(PAYMENT_MOVES.get(state, {}))) or "none"
                    raise ActionError(409, f"payment {document} has run status {state}: "
                                           f"cannot {action}; allowed: {allowed}")
                now = ctx.clock.now()
                payment["PaymentRunStatus"] = target
                payment["to_PaymentStatusHistory"]["results"].append(
                    {"PaymentRunStatus": target, "ChangedOn": to_datetime(now)})
                if target == "03":
                    day = _day(body.get("ValueDate")) or now.date()
                    payment["ValueDate"] = payment["ClearingDate"] = to_date(day)
                if target in ("04", "05"):
                    code = body.get("ReturnReasonCode", "AC04")
                    if not (isinstance(code, str) and len(code) == 4 and code.isalnum()):
                        raise ActionError(400, "ReturnReasonCode must be 4 letters or digits")
                    payment["ReturnReasonCode"] = code.upper()
                    if body.get("ReturnReasonText"):
                        payment["ReturnReasonText"] = str(body["ReturnReasonText"])[:35]
                ctx.store.put("A_SupplierPayment",
                              _key(payment["PaymentDocument"], payment["FiscalYear"]), payment)
                invoice_key = _key(payment["SupplierInvoice"], payment["InvoiceFiscalYear"])
                invoice = ctx.store.get("A_SupplierInvoice", invoice_key)
                if invoice is not None:
                    invoice["SupplierInvoiceStatus"] = INVOICE_AFTER_PAYMENT[target]
                    ctx.store.put("A_SupplierInvoice", invoice_key, invoice)
            return payment
        return run


def _payment(store: Store, supplier: Mapping[str, Any], invoice: Mapping[str, Any],
             ctx: Context, execution: date, now: datetime) -> dict[str, Any] | None:
    banks = supplier.get("to_SupplierBankDetails", {}).get("results", [])
    gross = Decimal(invoice["InvoiceGrossAmount"])
    if not banks or gross <= 0:
        return None
    bank = banks[0]
    currency = invoice["DocumentCurrency"]
    number = f"15{store.next_number('sap.payment'):08d}"
    return {
        "PaymentDocument": number, "FiscalYear": invoice["FiscalYear"],
        "CompanyCode": invoice["CompanyCode"],
        "PaymentRunID": f"F110-{execution:%Y%m%d}", "PaymentRunStatus": "01",
        "Supplier": supplier["Supplier"], "PayeeName": supplier["SupplierName"],
        "PayeeStreetName": supplier.get("StreetName", ""),
        "PayeeCityName": supplier.get("CityName", ""),
        "PayeePostalCode": supplier.get("PostalCode", ""),
        "PayeeCountry": supplier.get("Country", ""),
        "PayeeIBAN": bank.get("IBAN", ""), "PayeeSWIFTCode": bank.get("SWIFTCode", ""),
        "PayeeBankAccount": bank.get("BankAccount", ""),
        "PayeeBankAccountScheme": bank.get("BankAccountScheme", ""),
        "PayeeBankNumber": bank.get("BankNumber", ""),
        "PayeeBankAccountCurrency": bank.get("BankAccountCurrency", ""),
        "PayeeAccountHolder": bank.get("BankAccountHolderName", ""),
        "PaidAmountInPaytCurrency": invoice["InvoiceGrossAmount"], "PaymentCurrency": currency,
        "PaymentDate": to_date(execution),
        "ChargeBearer": "SLEV" if currency == "EUR" and bank.get("IBAN") else "SHAR",
        "UETR": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
        "SupplierInvoice": invoice["SupplierInvoice"],
        "InvoiceFiscalYear": invoice["FiscalYear"],
        "InvoiceReference": invoice["SupplierInvoiceIDByInvcgParty"],
        "InvoiceAssignmentReference": invoice["AssignmentReference"],
        "InvoiceDocumentDate": invoice["DocumentDate"],
        "to_PaymentStatusHistory": {"results": [{"PaymentRunStatus": "01",
                                                 "ChangedOn": to_datetime(now)}]},
    }


def _partner(supplier: Mapping[str, Any]) -> dict[str, Any]:
    return {"BusinessPartner": supplier["BusinessPartner"], "BusinessPartnerCategory": "2",
            "OrganizationBPName1": supplier["SupplierName"],
            "BusinessPartnerIsBlocked": bool(supplier["PostingIsBlocked"]
                                             and supplier["PaymentIsBlocked"]),
            "IsSupplier": True}


def _results(body: Mapping[str, Any], nav: str) -> list[Mapping[str, Any]]:
    value = body.get(nav)
    rows = value.get("results", []) if isinstance(value, Mapping) else value or []
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError(f"{nav} must hold a list of objects in results")
    return rows


def _code(item: Mapping[str, Any]) -> str:
    code = str(item.get("DebitCreditCode", "S"))
    if code not in ("S", "H"):
        raise ValueError("DebitCreditCode must be S (debit) or H (credit)")
    return code


def _gl_item(i: int, item: Mapping[str, Any], currency: str) -> dict[str, Any]:
    amount = Decimal(str(item["SupplierInvoiceItemAmount"]))
    if amount < 0:
        raise ValueError("SupplierInvoiceItemAmount must not be negative")
    return {"SupplierInvoiceItem": f"{i + 1:06d}",
            "GLAccount": alpha(str(item["GLAccount"])),
            "CostCenter": alpha(str(item.get("CostCenter") or "")) if item.get("CostCenter")
            else "",
            "TaxCode": str(item.get("TaxCode") or ""),
            "TaxCountry": str(item.get("TaxCountry") or ""),
            "DebitCreditCode": _code(item),
            "AmountInTransactionCurrency": format(amount, "f"),
            "SupplierInvoiceItemAmount": format(amount, "f"),
            "DocumentCurrency": currency,
            "DocumentItemText": str(item.get("DocumentItemText") or "")}


def _tax_item(item: Mapping[str, Any]) -> dict[str, Any]:
    amount = Decimal(str(item["TaxAmount"]))
    if amount < 0:
        raise ValueError("TaxAmount must not be negative")
    return {"TaxCode": str(item.get("TaxCode") or ""),
            "TaxCountry": str(item.get("TaxCountry") or ""),
            "DebitCreditCode": _code(item),
            "TaxAmount": format(amount, "f"),
            "AmountInTransactionCurrency": format(amount, "f"),
            "DocumentItemText": str(item.get("DocumentItemText") or "Input VAT")}


def _signed(item: Mapping[str, Any]) -> Decimal:
    amount = Decimal(item["AmountInTransactionCurrency"])
    return amount if item["DebitCreditCode"] == "S" else -amount


def _day(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ActionError(400, "ValueDate must be a date (YYYY-MM-DD)") from None


def _required(body: Mapping[str, Any], member: str) -> str:
    value = body.get(member) if isinstance(body, Mapping) else None
    if not isinstance(value, str) or not value:
        raise ActionError(400, f"the body needs {member} (a string)")
    return value


def _key(*parts: str) -> str:
    return "|".join(parts)


def behaviour() -> SapS4HanaBehaviour:
    return SapS4HanaBehaviour()
