"""The NetSuite-style vendor simulator: the ``netsuite-rest`` contract served with state.

Adapters need a vendor that behaves like one, not a canonical ERP in disguise: numeric
internal ids addressed also as ``eid:EXTERNALID``, offset-paged lists with a ``q`` filter,
money as JSON numbers, native status codes, native errors (``o:errorDetails``) and
idempotency by the ``X-NetSuite-Idempotency-Key`` header. Creating a vendor bill books its
GL impact (a journal entry) and, when the vendor can be paid, schedules a vendor payment;
QA moves payments and vendor statuses through admin actions in the vendor's vocabulary.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.generators.simulators.behaviours import finance_data, netsuite_query
from ledgerpact.generators.simulators.behaviours import netsuite_seed as seed_data
from ledgerpact.generators.simulators.behaviours.netsuite_seed import (
    APPROVAL_STATUSES,
    BILL_STATUSES,
    PAYMENT_STATUSES,
    VENDOR_STATUSES,
    ref,
    status_ref,
)
from ledgerpact.generators.simulators.idempotency import fingerprint as request_fingerprint
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
)

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.store import Store

BASE_PATH = "/services/rest/record/v1"
ERROR_MEDIA = "application/problem+json"
IDEMPOTENCY_HEADER = "x-netsuite-idempotency-key"
# set on a replayed create (the same key and body again): the caller must not treat the
# record as new, which a bare 204 with the same Location cannot tell it
REPLAY_HEADER = "X-NetSuite-Idempotent-Replay"
RECORD_TYPES = ("vendor", "purchaseOrder", "itemReceipt", "salesTaxItem", "department",
                "account", "subsidiary", "vendorBill", "vendorPayment", "journalEntry")
# internal ids of created transactions start here (seeded records use lower ranges)
_ID_BASE = {"vendorBill": 12000, "vendorPayment": 15000, "journalEntry": 18000}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 409: "Conflict", 413: "Content Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Content",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
# engine problem codes -> the vendor's error codes
_ENGINE_CODES = {400: "INVALID_PARAMETER", 401: "INVALID_LOGIN", 404: "NONEXISTENT_ID",
                 405: "INVALID_METHOD", 406: "INVALID_CONTENT_TYPE", 413: "REQUEST_TOO_LARGE",
                 415: "INVALID_CONTENT_TYPE", 422: "INVALID_FLD_VALUE",
                 429: "CONCURRENCY_LIMIT_EXCEEDED", 503: "SERVICE_UNAVAILABLE"}
_KIND = "ns."


def ns_error(status: int, code: str, detail: str,
             headers: Mapping[str, str] | None = None) -> SimResponse:
    """The vendor's error shape: type, title, status and ``o:errorDetails``."""
    section = f"15.5.{status - 399}" if status < 500 else f"15.6.{status - 499}"
    return SimResponse(status, {
        "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-{section}",
        "title": _TITLES.get(status, "Error"), "status": status,
        "o:errorDetails": [{"detail": detail[:2000], "o:errorCode": code}]},
        headers=dict(headers or {}), media_type=ERROR_MEDIA)


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def period_ref(day: date) -> dict[str, str]:
    return ref(f"{day.year}{day.month:02d}", f"{_MONTHS[day.month - 1]} {day.year}")


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


class NetSuiteBehaviour:
    """Implements messages.Behaviour for the netsuite-rest contract."""

    name = "netsuite"
    contract_id = "netsuite-rest"

    def __init__(self) -> None:
        self._registry_root: Path | None = None

    def bind_registry(self, root: Path) -> None:
        """Seed from the erp-finance contract of the registry being served."""
        self._registry_root = root

    # --- Behaviour protocol ------------------------------------------------------------

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        document = finance_data.erp_document(self._registry_root)
        data = finance_data.reference_data(seed, data_dir, document=document)
        world = seed_data.native_world(data)
        with store.transaction():
            for record_type, records in world.items():
                for record in records:
                    store.put(_KIND + record_type, record["id"], record)

    def scenario(self, store: Store) -> dict[str, Any]:
        return {"records": {t: store.count(_KIND + t) for t in RECORD_TYPES}}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        return {"set-vendor-status": self._set_vendor_status,
                "release-payment": self._release_payment,
                "settle-payment": self._settle_payment,
                "fail-payment": self._fail_payment}

    def render_error(self, response: SimResponse) -> SimResponse:
        """An error the engine answered itself (invalid request, missing credentials, unknown
        path, injected fault) in the vendor's own shape: clients of ``netsuite-rest`` read
        ``o:errorDetails``, never an RFC 9457 problem with ``violations``."""
        body = response.body if isinstance(response.body, Mapping) else {}
        if "o:errorDetails" in body:
            return response
        detail = str(body.get("detail") or body.get("title") or "The request failed.")
        code = _ENGINE_CODES.get(response.status,
                                 "UNEXPECTED_ERROR" if response.status >= 500
                                 else "INVALID_REQUEST")
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-type", "content-length")}
        return ns_error(response.status, code, detail, headers)

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        parts = request.path_template.strip("/").split("/")
        record_type = parts[0]
        if record_type not in RECORD_TYPES:
            return None
        if request.method == "POST" and record_type == "vendorBill" and len(parts) == 1:
            return self._create_bill(request, ctx)
        if request.method != "GET":
            return None
        if len(parts) == 1:
            return self._list(request, ctx, record_type)
        ident = str(request.path_params.get("id"))
        record = find(ctx.store, record_type, ident)
        if record is None:
            return ns_error(404, "NONEXISTENT_ID",
                            f"The record instance does not exist: {record_type} {ident}.")
        return SimResponse(200, record)

    # --- reads -------------------------------------------------------------------------

    def _list(self, request: SimRequest, ctx: Context, record_type: str) -> SimResponse:
        items = sorted(ctx.store.scan(_KIND + record_type), key=lambda r: int(r["id"]))
        q = request.query.get("q")
        if q:
            try:
                conditions = netsuite_query.parse(str(q))
            except netsuite_query.BadQuery as exc:
                return ns_error(400, "INVALID_PARAMETER", f"Invalid query parameter q: {exc}")
            items = [r for r in items if netsuite_query.matches(r, conditions)]
        return SimResponse(200, netsuite_query.list_body(BASE_PATH + request.path_template,
                                                          request.query, items))

    # --- vendor bills ------------------------------------------------------------------

    def _create_bill(self, request: SimRequest, ctx: Context) -> SimResponse:
        body = request.body if isinstance(request.body, Mapping) else {}
        key = request.headers.get(IDEMPOTENCY_HEADER)
        fingerprint = request_fingerprint(request)
        with ctx.store.transaction():
            if key:
                seen = ctx.store.get(_KIND + "idempotency", key)
                if seen is not None:
                    if seen["fingerprint"] != fingerprint:
                        return ns_error(409, "IDEMPOTENCY_KEY_CONFLICT",
                                        f"The idempotency key {key} was used with a different "
                                        "request body.")
                    return SimResponse(seen["status"], None,
                                       headers={**seen["headers"], REPLAY_HEADER: "true"})
            response = self._book_bill(body, request, ctx, key)
            if key and response.status == 204:
                ctx.store.put(_KIND + "idempotency", key,
                              {"fingerprint": fingerprint, "status": 204,
                               "headers": response.headers})
        return response

    def _book_bill(self, body: Mapping[str, Any], request: SimRequest, ctx: Context,
                   key: str | None) -> SimResponse:
        store = ctx.store
        vendor = find(store, "vendor", str(body.get("entity", {}).get("id")))
        if vendor is None:
            return ns_error(400, "INVALID_KEY_OR_REF",
                            f"Invalid entity reference key {body.get('entity', {}).get('id')}.")
        tran_id = str(body["tranId"])
        for earlier in store.scan(_KIND + "vendorBill"):
            if earlier["entity"]["id"] == vendor["id"] and earlier["tranId"] == tran_id:
                return ns_error(400, "DUP_RCRD",
                                f"This vendor bill number {tran_id} was already entered for "
                                f"vendor {vendor['entityId']} (internal id {earlier['id']}).")
        lines = []
        net, tax_total = Decimal(0), Decimal(0)
        for i, raw in enumerate(body.get("expense", {}).get("items", [])):
            line = dict(raw)
            for field, record_type in (("account", "account"), ("department", "department"),
                                       ("taxCode", "salesTaxItem")):
                if field in line and find(store, record_type, str(line[field]["id"])) is None:
                    return ns_error(400, "INVALID_KEY_OR_REF",
                                    f"Invalid {field} reference key {line[field]['id']} on "
                                    f"expense line {i + 1}.")
            amount, tax = _number(line.get("amount")), _number(line.get("taxAmount", 0))
            if amount is None or tax is None:
                return ns_error(400, "INVALID_FLD_VALUE",
                                f"Expense line {i + 1}: amount and taxAmount must be numbers.")
            net += amount
            tax_total += tax
            line["line"] = i + 1
            lines.append(line)
        if "taxTotal" in body and _number(body["taxTotal"]) != tax_total:
            return ns_error(400, "INVALID_FLD_VALUE",
                            f"taxTotal {body['taxTotal']} differs from the sum of the lines' "
                            f"taxAmount {tax_total}.")
        now = ctx.clock.now().astimezone(UTC)
        today, at = now.date(), stamp(now)
        currency = body.get("currency") or vendor.get("currency") or {}
        code = next((c for c, i in seed_data.CURRENCIES.items()
                     if i == str(currency.get("id"))), None)
        if code is None:
            return ns_error(400, "INVALID_KEY_OR_REF",
                            f"Invalid currency reference key {currency.get('id')}.")
        currency = seed_data.currency_ref(code)
        credit = bool(body.get("custbody_lp_credit_note"))
        bill_id = str(_ID_BASE["vendorBill"] + store.next_number(_KIND + "vendorBill"))
        je_id = str(_ID_BASE["journalEntry"] + store.next_number(_KIND + "journalEntry"))
        total = net + tax_total
        bill: dict[str, Any] = {
            "id": bill_id, "tranId": tran_id, "entity": ref(vendor["id"], vendor["companyName"]),
            "tranDate": today.isoformat(), "postingPeriod": period_ref(today),
            "currency": currency, "subsidiary": vendor["subsidiary"],
            "approvalStatus": status_ref(APPROVAL_STATUSES, "2"),
            "status": status_ref(BILL_STATUSES, "A"), "custbody_lp_credit_note": credit,
            "expense": {"items": lines}, "taxTotal": tax_total, "total": total,
            "custbody_lp_gl_impact": ref(je_id, f"JE{je_id}"),
            "createdDate": at, "lastModifiedDate": at,
        }
        for member in ("externalId", "memo", "dueDate", "custbody_lp_document_date",
                       "custbody_lp_request_hash", "custbody_lp_document_type"):
            if member in body:
                bill[member] = body[member]
        if key:
            bill["custbody_lp_idempotency_key"] = key
        entry = self._gl_impact(bill, je_id, today, store)
        store.put(_KIND + "journalEntry", je_id, entry)
        payable = total - (_number(body.get("custbody_lp_prepaid_amount", 0)) or Decimal(0))
        payment = None if credit else self._schedule(bill, vendor, body, payable, ctx, now)
        if payment is not None:
            bill["custbody_lp_payment"] = ref(payment["id"], payment["tranId"])
            store.put(_KIND + "vendorPayment", payment["id"], payment)
        store.put(_KIND + "vendorBill", bill_id, bill)
        location = f"{BASE_PATH}/vendorBill/{bill_id}"
        return SimResponse(204, None, headers={"Location": location})

    def _gl_impact(self, bill: Mapping[str, Any], je_id: str, today: date,
                   store: Store) -> dict[str, Any]:
        """Expense per (account, department, tax code), tax per tax code to input tax, the
        payable to accounts payable: balanced by construction. A credit reverses sides."""
        credit = bool(bill.get("custbody_lp_credit_note"))
        expense: dict[tuple[str, str | None, str | None], tuple[Decimal, str]] = {}
        taxes: dict[str, Decimal] = {}
        for line in bill["expense"]["items"]:
            slot = (line["account"]["id"], (line.get("department") or {}).get("id"),
                    (line.get("taxCode") or {}).get("id"))
            before, memo = expense.get(slot, (Decimal(0), str(line.get("memo", ""))))
            expense[slot] = (before + Decimal(line["amount"]), memo)
            tax = Decimal(line.get("taxAmount", 0))
            if tax and slot[2] is not None:
                taxes[slot[2]] = taxes.get(slot[2], Decimal(0)) + tax
        accounts = {a["acctNumber"]: a for a in store.scan(_KIND + "account")}
        rows: list[dict[str, Any]] = []
        balance = Decimal(0)

        def add(account: Mapping[str, Any], signed: Decimal, memo: str,
                department: str | None = None, tax_code: str | None = None) -> None:
            nonlocal balance
            if signed == 0:
                return
            balance += signed
            debit = (signed > 0) != credit
            row: dict[str, Any] = {"line": len(rows) + 1,
                                   "account": ref(account["id"], account["acctNumber"]),
                                   "debit" if debit else "credit": abs(signed), "memo": memo}
            if department:
                row["department"] = ref(department, department)
            if tax_code:
                row["taxCode"] = ref(tax_code, tax_code)
            rows.append(row)

        by_id = {a["id"]: a for a in accounts.values()}
        for (account_id, department, tax_code), (amount, memo) in expense.items():
            add(by_id[account_id], amount, memo, department, tax_code)
        for tax_code, amount in taxes.items():
            add(accounts[seed_data.INPUT_TAX_ACCOUNT], amount, "Input VAT", tax_code=tax_code)
        add(accounts[seed_data.PAYABLES_ACCOUNT], -balance, "Payable to supplier")
        for row in rows:  # refNames as the vendor shows them
            if "department" in row:
                dept = store.get(_KIND + "department", row["department"]["id"]) or {}
                row["department"]["refName"] = str(dept.get("name", row["department"]["id"]))
            if "taxCode" in row:
                item = store.get(_KIND + "salesTaxItem", row["taxCode"]["id"]) or {}
                row["taxCode"]["refName"] = str(item.get("itemId", row["taxCode"]["id"]))
        return {"id": je_id, "tranId": f"JE{je_id}", "tranDate": today.isoformat(),
                "postingPeriod": bill["postingPeriod"], "currency": bill["currency"],
                "subsidiary": bill["subsidiary"], "accountingBook": ref("1", "Primary Book"),
                "approved": True, "voided": False, "memo": str(bill.get("memo", "")),
                "createdFrom": ref(bill["id"], bill["tranId"]),
                "custbody_lp_document_date": bill.get("custbody_lp_document_date",
                                                      bill["tranDate"]),
                "line": {"items": rows}, "createdDate": bill["createdDate"]}

    def _schedule(self, bill: Mapping[str, Any], vendor: Mapping[str, Any],
                  body: Mapping[str, Any], amount: Decimal, ctx: Context,
                  now: datetime) -> dict[str, Any] | None:
        """The vendor payment the next payment run will send, or None when there is nothing
        to pay or no bank account to pay to."""
        banks = vendor.get("bankDetails", {}).get("items", []) or \
            list(body.get("custbody_lp_remit_to", {}).get("items", []))
        if amount <= 0 or not banks:
            return None
        number = ctx.store.next_number(_KIND + "vendorPayment")
        payment_id = str(_ID_BASE["vendorPayment"] + number)
        today = now.date()
        due = bill.get("dueDate")
        if due:
            execution = max(date.fromisoformat(str(due)), today)
        else:
            days = int(vendor.get("custentity_lp_net_days", 30))
            issued = date.fromisoformat(str(bill.get("custbody_lp_document_date",
                                                     bill["tranDate"])))
            execution = max(issued + timedelta(days=days), today)
        bank = dict(banks[0])
        currency = bill["currency"]
        at = stamp(now)
        accounts = {a["acctNumber"]: a for a in ctx.store.scan(_KIND + "account")}
        bank_account = accounts[seed_data.BANK_ACCOUNT]
        status = status_ref(PAYMENT_STATUSES, "A")
        return {
            "id": payment_id, "tranId": f"VP{number:06d}",
            "entity": ref(vendor["id"], vendor["companyName"]),
            "subsidiary": bill["subsidiary"],
            "account": ref(bank_account["id"], bank_account["acctNumber"]),
            "currency": currency, "total": amount, "tranDate": execution.isoformat(),
            "status": status,
            "apply": {"items": [{"doc": ref(bill["id"], bill["tranId"]), "apply": True,
                                 "amount": amount, "refNum": bill["tranId"],
                                 "custcol_lp_doc_external_id": bill.get("externalId",
                                                                        bill["tranId"]),
                                 "custcol_lp_doc_date": bill.get("custbody_lp_document_date",
                                                                 bill["tranDate"])}]},
            "custbody_lp_payee_bank": bank,
            "custbody_lp_uetr": str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4)),
            "custbody_lp_end_to_end_id": f"E2E-{bill['tranId']}"[:35],
            "custbody_lp_instruction_id": f"INSTR-{number:06d}",
            "custbody_lp_pmt_inf_id": f"PMTINF-{execution.isoformat()}-001",
            "custbody_lp_charge_bearer": "SLEV" if currency.get("refName") == "EUR"
            and "iban" in bank else "SHAR",
            "custbody_lp_status_history": {"items": [{"status": status, "at": at}]},
            "createdDate": at, "lastModifiedDate": at,
        }

    # --- admin actions -----------------------------------------------------------------

    def _set_vendor_status(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        ident = _required(body, "id")
        with ctx.store.transaction():
            vendor = find(ctx.store, "vendor", ident)
            if vendor is None:
                raise ActionError(404, f"no vendor {ident}")
            before = _vendor_state(vendor)
            if "entityStatus" in body:
                if body["entityStatus"] not in VENDOR_STATUSES:
                    raise ActionError(400, "entityStatus must be one of "
                                      + ", ".join(VENDOR_STATUSES))
                vendor["entityStatus"] = status_ref(VENDOR_STATUSES, body["entityStatus"])
            for member, native in (("paymentHold", "custentity_lp_payment_hold"),
                                   ("isInactive", "isInactive")):
                if member in body:
                    if not isinstance(body[member], bool):
                        raise ActionError(400, f"{member} must be true or false")
                    vendor[native] = body[member]
            if "reason" in body:
                reason = body["reason"]
                if reason is not None and not (isinstance(reason, str) and 0 < len(reason)
                                               <= 1000):
                    raise ActionError(400, "reason must be a text of 1 to 1000 characters")
                vendor.pop("custentity_lp_status_reason", None)
                if reason:
                    vendor["custentity_lp_status_reason"] = reason
            changed = _vendor_state(vendor) != before
            if changed:
                at = stamp(ctx.clock.now())
                vendor["lastModifiedDate"] = at
                vendor["custentity_lp_status_since"] = at
            ctx.store.put(_KIND + "vendor", vendor["id"], vendor)
        return {"id": vendor["id"], "changed": changed, "vendor": vendor}

    def _move_payment(self, body: Mapping[str, Any], ctx: Context, source: str, target: str,
                      **extra: Any) -> dict[str, Any]:
        ident = _required(body, "id")
        with ctx.store.transaction():
            payment = find(ctx.store, "vendorPayment", ident)
            if payment is None:
                raise ActionError(404, f"no vendor payment {ident}")
            status = payment["status"]["id"]
            if status != source:
                raise ActionError(409, f"vendor payment {ident} is "
                                  f"{PAYMENT_STATUSES[status]}; this action needs "
                                  f"{PAYMENT_STATUSES[source]}")
            at = stamp(ctx.clock.now())
            payment["status"] = status_ref(PAYMENT_STATUSES, target)
            entry: dict[str, Any] = {"status": payment["status"], "at": at}
            if "custbody_lp_reject_code" in extra:
                entry["reasonCode"] = extra["custbody_lp_reject_code"]
            if "custbody_lp_reject_reason" in extra:
                entry["reason"] = extra["custbody_lp_reject_reason"]
            payment.update(extra)
            payment["custbody_lp_status_history"]["items"].append(entry)
            payment["lastModifiedDate"] = at
            ctx.store.put(_KIND + "vendorPayment", payment["id"], payment)
            if target == "C":
                for applied in payment["apply"]["items"]:
                    bill = ctx.store.get(_KIND + "vendorBill", applied["doc"]["id"])
                    if bill is not None:
                        bill["status"] = status_ref(BILL_STATUSES, "B")
                        bill["lastModifiedDate"] = at
                        ctx.store.put(_KIND + "vendorBill", bill["id"], bill)
        return payment

    def _release_payment(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        return self._move_payment(body, ctx, "A", "B")

    def _settle_payment(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        day = body.get("valueDate") or ctx.clock.now().date().isoformat()
        try:
            date.fromisoformat(str(day))
        except ValueError:
            raise ActionError(400, "valueDate must be a date (YYYY-MM-DD)") from None
        return self._move_payment(body, ctx, "B", "C", custbody_lp_value_date=str(day))

    def _fail_payment(self, body: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        code = body.get("reasonCode", "AC04" if not body.get("reason") else None)
        extra: dict[str, Any] = {}
        if code is not None:
            if not (isinstance(code, str) and len(code) == 4 and code.isalnum()
                    and code.upper() == code):
                raise ActionError(400, "reasonCode must be 4 capitals or digits, e.g. AC04")
            extra["custbody_lp_reject_code"] = code
        if body.get("reason"):
            extra["custbody_lp_reject_reason"] = str(body["reason"])[:35]
        return self._move_payment(body, ctx, "B", "D", **extra)


def find(store: Store, record_type: str, ident: str) -> dict[str, Any] | None:
    """A record by internal id, or by external id written ``eid:EXTERNALID``."""
    if ident.startswith("eid:"):
        wanted = ident[4:]
        return next((r for r in store.scan(_KIND + record_type)
                     if r.get("externalId") == wanted), None)
    return store.get(_KIND + record_type, ident)


def _vendor_state(vendor: Mapping[str, Any]) -> tuple[Any, ...]:
    return (vendor.get("entityStatus", {}).get("id"), vendor.get("custentity_lp_payment_hold"),
            vendor.get("isInactive"), vendor.get("custentity_lp_status_reason"))


def _required(body: Mapping[str, Any], member: str) -> str:
    value = body.get(member) if isinstance(body, Mapping) else None
    if not isinstance(value, str) or not value:
        raise ActionError(400, f"the body needs {member} (a string: an internal id or "
                               "eid:EXTERNALID)")
    return value


def behaviour() -> NetSuiteBehaviour:
    return NetSuiteBehaviour()
