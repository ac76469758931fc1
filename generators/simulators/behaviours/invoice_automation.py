"""The invoice-automation simulator: capture (JSON or UBL), validation, matching, approval.

Every state change goes through the approval-state machine read from the registry
(``lifecycle``), so an illegal request is refused with the same rules a real workflow
engine follows; each change is appended to the invoice's history and published as a
finance event in the same store transaction as the entity write, so the outbox never
announces a change that was rolled back (nor misses one that was kept).

Capture runs validation and matching at once, inside the capture transaction; the 201
answers the record as captured (state ``received``, as the contract's description of an
asynchronous pipeline says), and ``getInvoice`` shows where it went. A matched invoice is
sent to approval straight away (matched -> pending-approval), as the contract's resolution
text says ("it then goes to approval").
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC
from decimal import Decimal
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledgerpact.adapters.ubl import safexml
from ledgerpact.adapters.ubl.minor_units import minor_units
from ledgerpact.adapters.ubl.nodes import CAC, CBC, canonical_decimal
from ledgerpact.adapters.ubl.reader import read_ubl
from ledgerpact.adapters.ubl.reconcile import reconcile
from ledgerpact.generators.simulators.behaviours import invoice_checks, paging
from ledgerpact.generators.simulators.behaviours.erp_rules import is_credit_note
from ledgerpact.generators.simulators.behaviours.lifecycle import IllegalTransition, Lifecycle
from ledgerpact.generators.simulators.events import correlation
from ledgerpact.generators.simulators.messages import (
    ActionError,
    Context,
    SimRequest,
    SimResponse,
    problem,
)
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from ledgerpact.generators.simulators.idempotency import IdempotencyLedger
    from ledgerpact.generators.simulators.spec import Schema
    from ledgerpact.generators.simulators.store import Store

PROBLEMS = "https://ledgerpact.dev/problems/"
INVOICE, EXCEPTION, ATTACHMENT, NUMBER_INDEX, ORIGINAL = (
    "invoice", "invoiceException", "attachment", "invoiceNumberIndex", "invoiceOriginal")
# reference data kinds, named as the ERP simulator names them (erp_rules reads them)
REFERENCE_KINDS = {"suppliers": ("supplier", "supplierNumber"),
                   "purchaseOrders": ("purchaseOrder", "poNumber"),
                   "goodsReceipts": ("goodsReceipt", "receiptId"),
                   "costCentres": ("costCentre", "code"),
                   "glAccounts": ("glAccount", "accountNumber"),
                   "taxCodes": ("taxCode", "code")}
SYSTEM_VALIDATOR = {"type": "system", "id": "erp-finance"}
SYSTEM_MATCHER = {"type": "system", "id": "matching-engine"}
SYSTEM_WORKFLOW = {"type": "system", "id": "approval-workflow"}
QA_ACTOR = {"type": "system", "id": "qa-admin"}
_REJECTED_EVENTS = frozenset({"validation-failed", "exception-rejected", "approval-rejected"})
_CHECKOUT = Path(__file__).resolve().parents[3]


class _Refused(Exception):
    """A request refused inside the capture transaction (rolls it back)."""

    def __init__(self, response: SimResponse) -> None:
        super().__init__(response.body)
        self.response = response


def _now(ctx: Context) -> str:
    return ctx.clock.now().astimezone(UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _user(request: SimRequest) -> dict[str, str]:
    """The acting user from the bearer token's claims (``act.sub``, else ``sub``).

    The simulator does not verify tokens; it only reads who the caller says acts, so the
    approval history names a person as the contract requires.
    """
    auth = request.headers.get("authorization", "")
    claims: dict[str, Any] = {}
    parts = auth.removeprefix("Bearer ").strip().split(".")
    if auth.startswith("Bearer ") and len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except (ValueError, binascii.Error):
            claims = {}
    act = claims.get("act") if isinstance(claims, dict) else None
    subject = (act.get("sub") if isinstance(act, dict) else None) or (
        claims.get("sub") if isinstance(claims, dict) else None)
    actor = {"type": "user", "id": str(subject).strip() if subject else "unknown-user"}
    if isinstance(claims, dict) and isinstance(claims.get("name"), str) and claims["name"]:
        actor["displayName"] = claims["name"][:200]
    return actor


def _not_found(request: SimRequest, what: str, ident: str, code: str) -> SimResponse:
    return problem(404, "Not found", f"No {what} with id {ident}.",
                   type_=PROBLEMS + "not-found", instance=request.path, code=code)


def _bad_request(request: SimRequest, detail: str, code: str) -> SimResponse:
    return problem(400, "Bad request", detail, type_=PROBLEMS + "bad-request",
                   instance=request.path, code=code)


def _unprocessable(request: SimRequest, title: str, detail: str,
                   errors: list[dict[str, str]]) -> SimResponse:
    return problem(422, title, detail, type_=PROBLEMS + "validation-failed",
                   instance=request.path, code="VALIDATION_FAILED", errors=errors)


def _reconcile_pointer(message: str) -> str:
    """A JSON pointer from reconcile's 'totals.netTotal ...' / 'vatBreakdown[0] ...' text."""
    head = message.split(" ", 1)[0].rstrip(":")
    return "/" + head.replace("[", "/").replace("]", "").replace(".", "/")


_UBL_PREFIXES = {f"{{{CAC}}}": "cac:", f"{{{CBC}}}": "cbc:"}


def _ubl_name(tag: str) -> str:
    """``cac:Party`` / ``cbc:ID`` for a Clark-notation tag, the local name otherwise."""
    for clark, prefix in _UBL_PREFIXES.items():
        if tag.startswith(clark):
            return prefix + tag[len(clark):]
    return tag.rsplit("}", 1)[-1]


def ubl_amount_findings(xml: bytes) -> list[dict[str, str]]:
    """Amounts with more decimals than their currency's ISO 4217 minor unit, located in the
    XML as the UBL reader locates its own errors (``/Invoice/cac:LegalMonetaryTotal/...``).

    The reader copies amounts byte for byte, so ``1486.790`` EUR reached the store and the
    ``invoiceCaptured`` event, whose schema refuses it (a 500). Checked on the XML rather
    than the canonical document so the finding names the element to fix. Unit prices
    (everything under ``cac:Price``) may carry more decimals (EN 16931 BT-146 to BT-148)
    and are left alone, as the canonical UnitPrice schema does."""
    root = safexml.parse(xml, "request body")
    currency_node = root.find(f"{{{CBC}}}DocumentCurrencyCode")
    default = (currency_node.text or "").strip() if currency_node is not None else ""
    findings: list[dict[str, str]] = []

    # Iterative, in document order: an unknown element may nest hundreds of thousands deep
    # (the reader accepts it). Each stack entry holds its parent entry and its own step, and
    # a path is spelled out only for an amount: recursion would be a client-triggered 500,
    # and a path string per element would cost the square of the depth.
    # an entry: (element, its parent's entry or None, its own path step)
    stack: list[tuple[ET.Element, Any, str]] = [(root, None, "/" + _ubl_name(root.tag))]
    while stack:
        entry = stack.pop()
        element = entry[0]
        name = _ubl_name(element.tag)
        if name.startswith("cbc:") and name.endswith("Amount"):
            _check_amount(element, _path_of(entry), default, findings)
        counts: dict[str, int] = {}
        for child in element:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        seen: dict[str, int] = {}
        below: list[tuple[ET.Element, Any, str]] = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            child_name = _ubl_name(child.tag)
            seen[child.tag] = seen.get(child.tag, 0) + 1
            step = "/" + child_name + (f"[{seen[child.tag]}]" if counts[child.tag] > 1 else "")
            if child_name != "cac:Price":
                below.append((child, entry, step))
        stack.extend(reversed(below))  # popped in document order
    return findings


def _path_of(entry: tuple[ET.Element, Any, str]) -> str:
    """``/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount`` for a walk entry."""
    steps: list[str] = []
    current: Any = entry
    while current is not None:
        steps.append(current[2])
        current = current[1]
    return "".join(reversed(steps))


def _check_amount(element: ET.Element, where: str, default: str,
                  findings: list[dict[str, str]]) -> None:
    text = canonical_decimal(element.text or "")
    currency = (element.get("currencyID") or "").strip() or default
    if text is None or not currency:
        return  # not a decimal: the reader reports it; no currency: nothing to compare
    decimals = len(text.partition(".")[2])
    allowed = minor_units(currency)
    if decimals > allowed:
        places = f"{allowed} decimal{'s' * (allowed != 1)}"
        findings.append({"pointer": where, "code": "UBL_INVALID",
                         "detail": f"request body: {where}: amount {text} has {decimals} "
                                   f"decimals, but {currency} allows {places} (its ISO 4217 "
                                   f"minor unit)"})


class InvoiceAutomationBehaviour:
    """Finance behaviour of the ``invoice-automation`` contract."""

    name = "invoice-automation"
    contract_id = "invoice-automation"

    def __init__(self, lifecycle: Lifecycle | None = None, *,
                 registry_root: Path | None = None) -> None:
        self._lifecycle = lifecycle
        self._registry_root = registry_root
        self._ledger: IdempotencyLedger | None = None
        self._contract: Mapping[str, Any] | None = None
        self._document_schema: Schema | None = None

    def ledger(self, store: Store) -> IdempotencyLedger:
        """The store's idempotency ledger: one per store and process, because the claims
        still in flight live in its memory (a second ledger would not see them)."""
        if self._ledger is None or self._ledger.store is not store:
            from ledgerpact.generators.simulators.idempotency import IdempotencyLedger

            self._ledger = IdempotencyLedger(store)
        return self._ledger

    @property
    def lifecycle(self) -> Lifecycle:
        """The machine, loaded on first use (nearest registry, else this checkout's)."""
        if self._lifecycle is None:
            try:
                self._lifecycle = Lifecycle.from_registry(self._registry_root)
            except InputError:
                if self._registry_root is not None:
                    raise
                self._lifecycle = Lifecycle.from_registry(_CHECKOUT)
        return self._lifecycle

    def bind_registry(self, root: Path) -> None:
        """The registry ``--registry`` names: its approval-state machine and erp-finance
        reference data are the ones served, not those of the current folder."""
        self._registry_root = root

    def bind_contract(self, document: Mapping[str, Any]) -> None:
        """The served contract: a UBL capture is checked against its canonical-invoice
        request schema, as a JSON capture is by the engine."""
        self._contract, self._document_schema = document, None

    def document_schema(self) -> Schema | None:
        """captureInvoice's application/json body schema (the canonical InvoiceDocument),
        compiled on the first UBL capture; None when no contract was bound."""
        if self._document_schema is None and self._contract is not None:
            from ledgerpact.generators.simulators.spec import compile_contract

            operation = compile_contract(self._contract).operations.get("captureInvoice")
            media = operation.body.get("application/json") if operation is not None else None
            self._document_schema = media.schema if media is not None else None
        return self._document_schema

    def _ubl_findings(self, request: SimRequest, document: Mapping[str, Any]
                      ) -> list[dict[str, str]]:
        """What makes a readable UBL document still not a canonical invoice: amounts finer
        than the currency allows (located in the XML), then any other violation of the
        canonical schema (located in the canonical document). Without this, such a document
        was stored and then failed the finance-events schema as a 500."""
        findings = ubl_amount_findings(request.raw_body)
        if findings:
            return findings
        schema = self.document_schema()
        errors = schema.errors(document) if schema is not None else []
        return [{"pointer": pointer, "code": "UBL_INVALID",
                 "detail": f"the canonical document read from the UBL, at {pointer or '/'}: "
                           f"{message}"[:2000]} for pointer, message in errors]

    # ------------------------------------------------------------ Behaviour protocol

    def seed(self, store: Store, seed: int, data_dir: Path | None) -> None:
        """Suppliers, orders, receipts and accounting data: the ERP's reference data."""
        from ledgerpact.generators.simulators.behaviours.finance_data import (
            erp_document,
            reference_data,
        )

        data = reference_data(seed, data_dir, document=erp_document(self._registry_root))
        with store.transaction():
            for key, (kind, id_field) in REFERENCE_KINDS.items():
                for item in data.get(key, []):
                    store.put(kind, str(item[id_field]), item)

    async def handle(self, request: SimRequest, ctx: Context) -> SimResponse | None:
        handler = {
            "captureInvoice": self._capture,
            "listInvoices": self._list_invoices,
            "getInvoice": self._get_invoice,
            "approveInvoice": self._approve,
            "rejectInvoice": self._reject,
            "listExceptions": self._list_exceptions,
            "getException": self._get_exception,
            "resolveException": self._resolve,
            "addInvoiceAttachment": self._add_attachment,
            "listInvoiceAttachments": self._list_attachments,
            "getInvoiceAttachment": self._get_attachment,
        }.get(request.operation_id)
        return None if handler is None else handler(request, ctx)

    def scenario(self, store: Store) -> dict[str, Any]:
        states = dict.fromkeys(self.lifecycle.states, 0)
        for entry in store.scan(INVOICE):
            states[entry["record"]["state"]] = states.get(entry["record"]["state"], 0) + 1
        exceptions = store.scan(EXCEPTION)
        return {"invoices": states,
                "openExceptions": sum(1 for e in exceptions if e["status"] == "open"),
                "exceptions": len(exceptions),
                "attachments": store.count(ATTACHMENT)}

    def actions(self) -> Mapping[str, Callable[[Mapping[str, Any], Context], Any]]:
        return {"apply-event": self._apply_event_action}

    # ------------------------------------------------------------ capture

    def _parse(self, request: SimRequest) -> tuple[dict[str, Any], str] | SimResponse:
        """(canonical document, original format), or the 415/422 refusing the body."""
        media = (request.media_type or "").lower()
        if media in ("application/xml", "text/xml") or media.endswith("+xml"):
            try:
                document = read_ubl(request.raw_body, "request body")
            except InputError as exc:
                pointer = exc.pointer if exc.pointer and exc.pointer.startswith("/") else ""
                return _unprocessable(request, "The invoice cannot be captured",
                                      "The UBL document cannot be read; nothing was captured.",
                                      [{"pointer": pointer, "detail": str(exc)[:2000],
                                        "code": "UBL_INVALID"}])
            fmt = "ubl-2.1"
            invalid = self._ubl_findings(request, document)
            if invalid:
                count = len(invalid)
                return _unprocessable(
                    request, "The invoice cannot be captured",
                    f"The UBL document is not a valid canonical invoice ({count} finding"
                    f"{'s' * (count != 1)}); nothing was captured.", invalid)
        elif media == "application/json" or media.endswith("+json"):
            if not isinstance(request.body, Mapping):
                return _unprocessable(request, "The invoice cannot be captured",
                                      "The body is not a canonical invoice or credit note.",
                                      [{"pointer": "", "detail": "Expected a JSON object.",
                                        "code": "TYPE_MISMATCH"}])
            document, fmt = copy.deepcopy(dict(request.body)), "canonical-json"
        else:
            return problem(415, "Unsupported media type",
                           f"Send application/json (canonical) or application/xml (UBL 2.1), "
                           f"not {media or 'no content type'}.",
                           type_=PROBLEMS + "unsupported-media-type", instance=request.path,
                           code="UNSUPPORTED_MEDIA_TYPE")
        findings = reconcile(document)
        if findings:
            count = len(findings)
            return _unprocessable(
                request, "The invoice cannot be captured",
                f"{count} total{'s' * (count != 1)} of the document do not reconcile; "
                "nothing was captured.",
                [{"pointer": _reconcile_pointer(f), "detail": f[:2000],
                  "code": "TOTALS_DO_NOT_RECONCILE"} for f in findings])
        return document, fmt

    def _capture(self, request: SimRequest, ctx: Context) -> SimResponse:
        from ledgerpact.generators.simulators.idempotency import fingerprint

        key = request.headers.get("idempotency-key")
        if not key:
            return _bad_request(request, "The Idempotency-Key header is required.",
                                "IDEMPOTENCY_KEY_MISSING")
        parsed = self._parse(request)
        if isinstance(parsed, SimResponse):
            return parsed
        document, fmt = parsed
        ledger = self.ledger(ctx.store)
        claim = ledger.begin("captureInvoice", key, fingerprint(request))
        if claim.outcome == "replay" and claim.response is not None:
            stored = claim.response
            return SimResponse(stored.status, copy.deepcopy(stored.body),
                               {**stored.headers, "Idempotent-Replayed": "true"},
                               stored.media_type)
        if claim.outcome != "new":
            reused = claim.outcome == "mismatch"
            detail = (f"Key {key} was first used with a different request body; use a new key "
                      "for a new request." if reused else
                      f"A request with key {key} is still being processed; retry later.")
            return problem(409, "Idempotency key reused with a different request" if reused
                           else "A request with this idempotency key is in progress", detail,
                           type_=PROBLEMS + ("idempotency-key-reused" if reused
                                             else "idempotency-key-in-use"),
                           instance=request.path,
                           code="IDEMPOTENCY_KEY_REUSED" if reused else "IDEMPOTENCY_KEY_IN_USE")
        try:
            with ctx.store.transaction():
                response = self._store_capture(request, ctx, document, fmt)
                ledger.finish(claim, response)
        except _Refused as refused:
            ledger.release(claim)
            return refused.response
        except BaseException:
            ledger.release(claim)
            raise
        return response

    def _store_capture(self, request: SimRequest, ctx: Context, document: dict[str, Any],
                       fmt: str) -> SimResponse:
        store = ctx.store
        now = _now(ctx)
        validated = invoice_checks.validate(document, store)
        seller = _seller_key(document, validated.supplier)
        number = str(document.get("number"))
        earlier = store.get(NUMBER_INDEX, f"{seller}|{number}")
        if earlier is not None:
            raise _Refused(problem(
                409, "Duplicate invoice",
                f"Document {number} of this supplier was already captured as "
                f"{earlier['invoiceId']}; a supplier's document number is captured once.",
                type_=PROBLEMS + "duplicate-invoice", instance=request.path,
                code="DUPLICATE_INVOICE", invoiceId=earlier["invoiceId"]))
        invoice_id = f"ia-{store.next_number('invoice'):08d}"
        store.put(NUMBER_INDEX, f"{seller}|{number}", {"invoiceId": invoice_id})
        record: dict[str, Any] = {
            "invoiceId": invoice_id,
            "documentType": "credit-note" if is_credit_note(document) else "invoice",
            "state": self.lifecycle.initial, "receivedAt": now, "originalFormat": fmt,
            "document": document}
        entry: dict[str, Any] = {"record": record, "history": [], "enteredAt": now}
        # The invoice's business transaction starts here: every later step reuses its id.
        correlation.join(ctx.emit, entry)
        if fmt == "ubl-2.1":
            store.put(ORIGINAL, invoice_id, {"xml": request.raw_body.decode("utf-8", "replace")})
        ctx.emit("invoiceCaptured", {"invoiceId": invoice_id,
                                     "documentType": record["documentType"],
                                     "originalFormat": fmt, "receivedAt": now,
                                     "document": document})
        response = SimResponse(201, copy.deepcopy(record),
                               {"Location": f"{request.path.rstrip('/')}/{invoice_id}"})
        self._process(entry, ctx, now)
        store.put(INVOICE, invoice_id, entry)
        return response

    def _process(self, entry: dict[str, Any], ctx: Context, now: str) -> None:
        """Validation, then matching: received -> validated -> matched | exception."""
        record = entry["record"]
        store = ctx.store
        result = invoice_checks.assess(
            record["document"], store, invoice_id=record["invoiceId"],
            match_id=f"MR-{store.next_number('match'):08d}", evaluated_at=now)
        if result.verdict == "rejected":
            text = " ".join(f["message"] for f in result.rejections)
            self._transition(entry, "validation-failed", SYSTEM_VALIDATOR, now, comment=text)
            ctx.emit("invoiceRejected", _approval_state(entry))
            return
        supplier_number = str((result.supplier or {}).get("supplierNumber"))
        record["supplierNumber"] = supplier_number
        record["openExceptionIds"] = []
        self._transition(entry, "validation-passed", SYSTEM_VALIDATOR, now)
        ctx.emit("invoiceValidated", {"invoiceId": record["invoiceId"],
                                      "invoiceNumber": _number(record),
                                      "supplierNumber": supplier_number, "validatedAt": now,
                                      "warnings": result.warnings})
        match = result.match_result
        reference = match["matchId"] if match is not None else None
        if result.verdict == "exception":
            kind = result.exception_type or "validation-failed"
            self._transition(entry, "match-failed", SYSTEM_MATCHER, now, reference=reference)
            self._raise_exception(entry, ctx, kind, result.errors, match, now)
            return
        self._transition(entry, "match-succeeded", SYSTEM_MATCHER, now, reference=reference)
        if match is not None:
            ctx.emit("invoiceMatched", match)
        self._transition(entry, "approval-requested", SYSTEM_WORKFLOW, now)

    def _raise_exception(self, entry: dict[str, Any], ctx: Context, kind: str,
                         findings: list[dict[str, str]], match: dict[str, Any] | None,
                         now: str) -> dict[str, Any]:
        record = entry["record"]
        exception_id = f"ex-{ctx.store.next_number('exception'):08d}"
        item: dict[str, Any] = {"exceptionId": exception_id, "invoiceId": record["invoiceId"]}
        if record.get("supplierNumber"):
            item["supplierNumber"] = record["supplierNumber"]
        item.update(type=kind, status="open", raisedAt=now, findings=findings)
        if match is not None:
            item["matchResult"] = match
        ctx.store.put(EXCEPTION, exception_id, item)
        record.setdefault("openExceptionIds", []).append(exception_id)
        event = {key: value for key, value in item.items() if key not in ("status",)}
        event["invoiceNumber"] = _number(record)
        ctx.emit("invoiceExceptionRaised", event)
        return item

    def _transition(self, entry: dict[str, Any], event: str, actor: Mapping[str, str],
                    now: str, *, comment: str | None = None,
                    reference: str | None = None) -> None:
        """Apply ``event`` (IllegalTransition if the machine forbids it) and record it."""
        record = entry["record"]
        target = self.lifecycle.apply(record["state"], event)
        step: dict[str, Any] = {"from": record["state"], "to": target, "event": event,
                                "at": now, "actor": dict(actor)}
        if comment:
            step["comment"] = comment[:2000]
        if reference:
            step["reference"] = reference
        entry["history"].append(step)
        entry["enteredAt"] = now
        record["state"] = target

    # ------------------------------------------------------------ invoices

    def _load(self, store: Store, invoice_id: str) -> dict[str, Any] | None:
        return store.get(INVOICE, invoice_id)

    def _list_invoices(self, request: SimRequest, ctx: Context) -> SimResponse:
        query = request.query
        records = [e["record"] for e in ctx.store.scan(INVOICE)]
        wanted = [r for r in reversed(records)
                  if _matches(r, query.get("state"), query.get("supplierNumber"),
                              query.get("issueDateFrom"), query.get("issueDateTo"))]
        newest = f"ia-{10 ** 12:013d}"
        try:  # most recent first: page on the inverted id so "after" keeps working
            page, cursor = paging.page(
                wanted, lambda r: _invert(str(r["invoiceId"]), newest), query)
        except ValueError as exc:
            return _bad_request(request, str(exc), "INVALID_CURSOR")
        return paging.response(request, page, cursor)

    def _get_invoice(self, request: SimRequest, ctx: Context) -> SimResponse:
        invoice_id = str(request.path_params.get("invoiceId"))
        entry = self._load(ctx.store, invoice_id)
        if entry is None:
            return _not_found(request, "invoice", invoice_id, "INVOICE_NOT_FOUND")
        return SimResponse(200, entry["record"])

    def _decide(self, request: SimRequest, ctx: Context, verb: str,
                event_for: Callable[[str], str], events: frozenset[str]) -> SimResponse:
        invoice_id = str(request.path_params.get("invoiceId"))
        body: Mapping[str, Any] = request.body if isinstance(request.body, Mapping) else {}
        now = _now(ctx)
        with ctx.store.transaction():
            entry = self._load(ctx.store, invoice_id)
            if entry is None:
                return _not_found(request, "invoice", invoice_id, "INVOICE_NOT_FOUND")
            correlation.join(ctx.emit, entry)
            event = event_for(entry["record"]["state"])
            try:
                self._transition(entry, event, _user(request), now, comment=body.get("comment"))
            except IllegalTransition as exc:
                return self._illegal(request, verb, invoice_id, exc, events)
            if event in _REJECTED_EVENTS:
                self._close_exceptions(entry, ctx, "reject-invoice", body.get("comment"),
                                       _user(request)["id"], now)
            self._announce(entry, event, ctx, now)
            ctx.store.put(INVOICE, invoice_id, entry)
        return SimResponse(200, _approval_state(entry))

    def _approve(self, request: SimRequest, ctx: Context) -> SimResponse:
        return self._decide(request, ctx, "approve", lambda state: "approval-granted",
                            frozenset({"approval-granted"}))

    def _reject(self, request: SimRequest, ctx: Context) -> SimResponse:
        def event_for(state: str) -> str:
            return "exception-rejected" if state == "exception" else "approval-rejected"

        return self._decide(request, ctx, "reject", event_for,
                            frozenset({"approval-rejected", "exception-rejected"}))

    def _illegal(self, request: SimRequest, verb: str, invoice_id: str,
                 exc: IllegalTransition, events: frozenset[str]) -> SimResponse:
        """409 naming the current state, the attempted transition and the allowed ones."""
        sources = list(dict.fromkeys(t.source for t in self.lifecycle.transitions
                                     if t.event in events))
        allowed = ", ".join(exc.allowed) if exc.allowed else "none (terminal state)"
        return problem(
            409, "Illegal lifecycle transition",
            f"Cannot {verb} invoice {invoice_id} in state {exc.state} (event {exc.event}); "
            f"allowed from {', '.join(sources)} only. Events allowed in {exc.state}: "
            f"{allowed}.",
            type_=PROBLEMS + "invalid-state-transition", instance=request.path,
            code="INVALID_STATE_TRANSITION", currentState=exc.state,
            attemptedTransition=exc.event, allowedTransitions=exc.allowed)

    def _announce(self, entry: dict[str, Any], event: str, ctx: Context, now: str) -> None:
        """The finance event a QA- or user-made transition publishes, when it has one."""
        record = entry["record"]
        document = record["document"]
        totals = document.get("totals", {})
        if event == "approval-granted":
            ctx.emit("invoiceApproved", _approval_state(entry))
        elif event in _REJECTED_EVENTS:
            ctx.emit("invoiceRejected", _approval_state(entry))
        elif event == "validation-passed" and record.get("supplierNumber"):
            ctx.emit("invoiceValidated", {"invoiceId": record["invoiceId"],
                                          "invoiceNumber": _number(record),
                                          "supplierNumber": record["supplierNumber"],
                                          "validatedAt": now, "warnings": []})
        elif event == "posted-to-ledger":
            n = ctx.store.next_number("posting")
            day = now[:10]
            entry["postingId"] = f"PST-{n:08d}"
            ctx.emit("invoicePosted", {
                "invoiceId": record["invoiceId"], "invoiceNumber": _number(record),
                "postingId": entry["postingId"], "journalEntryId": f"JE-{n:08d}",
                "postingDate": day, "postingPeriod": {"fiscalYear": int(day[:4]),
                                                      "period": int(day[5:7])},
                "postedAt": now, "grossAmount": totals["grossTotal"]})
        elif event == "payment-scheduled":
            entry["paymentId"] = f"PAY-{ctx.store.next_number('payment'):08d}"
            ctx.emit("invoicePaymentScheduled", {
                "invoiceId": record["invoiceId"], "invoiceNumber": _number(record),
                "paymentId": entry["paymentId"],
                "requestedExecutionDate": document.get("dueDate") or now[:10],
                "amount": totals["payableAmount"]})
        elif event == "payment-settled" and entry.get("paymentId"):
            ctx.emit("invoicePaid", {
                "invoiceId": record["invoiceId"], "invoiceNumber": _number(record),
                "paymentIds": [entry["paymentId"]], "paidAmount": totals["payableAmount"],
                "valueDate": now[:10]})

    # ------------------------------------------------------------ exceptions

    def _close_exceptions(self, entry: dict[str, Any], ctx: Context, outcome: str,
                          comment: str | None, user: str, now: str) -> None:
        record = entry["record"]
        for exception_id in record.get("openExceptionIds", []):
            item = ctx.store.get(EXCEPTION, exception_id)
            if item is None or item["status"] != "open":
                continue
            item["status"] = "resolved"
            item["resolution"] = {"outcome": outcome,
                                  "comment": (comment or f"Closed by {user}.")[:2000],
                                  "resolvedBy": user[:200], "resolvedAt": now}
            ctx.store.put(EXCEPTION, exception_id, item)
        if "openExceptionIds" in record:
            record["openExceptionIds"] = []

    def _list_exceptions(self, request: SimRequest, ctx: Context) -> SimResponse:
        query = request.query
        status = query.get("status") or "open"
        items = [e for e in ctx.store.scan(EXCEPTION)
                 if e["status"] == status
                 and query.get("type") in (None, e["type"])
                 and query.get("invoiceId") in (None, e["invoiceId"])
                 and query.get("supplierNumber") in (None, e.get("supplierNumber"))]
        try:
            page, cursor = paging.page(items, lambda e: str(e["exceptionId"]), query)
        except ValueError as exc:
            return _bad_request(request, str(exc), "INVALID_CURSOR")
        return paging.response(request, page, cursor)

    def _get_exception(self, request: SimRequest, ctx: Context) -> SimResponse:
        exception_id = str(request.path_params.get("exceptionId"))
        item = ctx.store.get(EXCEPTION, exception_id)
        if item is None:
            return _not_found(request, "exception", exception_id, "EXCEPTION_NOT_FOUND")
        return SimResponse(200, item)

    def _resolve(self, request: SimRequest, ctx: Context) -> SimResponse:
        """accept-variance / corrected: exception -> matched (then approval); reject-invoice:
        exception -> rejected. ``corrected`` re-runs matching, since the cause was fixed; when
        the re-match still fails the whole resolution is refused (409, rolled back) and the
        invoice stays in ``exception``: the lifecycle has no exception -> exception step and
        the contract's ``matched`` must not be reached by a failed match."""
        try:
            return self._resolve_once(request, ctx)
        except _Refused as refused:
            return refused.response

    def _resolve_once(self, request: SimRequest, ctx: Context) -> SimResponse:
        exception_id = str(request.path_params.get("exceptionId"))
        body: Mapping[str, Any] = request.body if isinstance(request.body, Mapping) else {}
        outcome = str(body.get("outcome"))
        user = _user(request)
        now = _now(ctx)
        with ctx.store.transaction():
            item = ctx.store.get(EXCEPTION, exception_id)
            if item is None:
                return _not_found(request, "exception", exception_id, "EXCEPTION_NOT_FOUND")
            entry = self._load(ctx.store, str(item["invoiceId"]))
            if entry is None:
                return _not_found(request, "invoice", str(item["invoiceId"]),
                                  "INVOICE_NOT_FOUND")
            correlation.join(ctx.emit, entry)
            if item["status"] != "open":
                return problem(409, "Exception already resolved",
                               f"Exception {exception_id} is already resolved "
                               f"({item['resolution']['outcome']}).",
                               type_=PROBLEMS + "invalid-state-transition",
                               instance=request.path, code="EXCEPTION_ALREADY_RESOLVED",
                               currentState=entry["record"]["state"])
            event = "exception-rejected" if outcome == "reject-invoice" else "exception-resolved"
            try:
                self._transition(entry, event, user, now, comment=body.get("comment"))
            except IllegalTransition as exc:
                return self._illegal(request, "resolve the exception of",
                                     str(entry["record"]["invoiceId"]), exc,
                                     frozenset({"exception-resolved", "exception-rejected"}))
            self._close_exceptions(entry, ctx, outcome, body.get("comment"), user["id"], now)
            if event == "exception-rejected":
                ctx.emit("invoiceRejected", _approval_state(entry))
            else:
                self._rematch(entry, item, ctx, outcome, now, request.path)
                self._transition(entry, "approval-requested", SYSTEM_WORKFLOW, now)
            ctx.store.put(INVOICE, entry["record"]["invoiceId"], entry)
            resolved = ctx.store.get(EXCEPTION, exception_id)
        return SimResponse(200, resolved)

    def _rematch(self, entry: dict[str, Any], item: Mapping[str, Any], ctx: Context,
                 outcome: str, now: str, instance: str) -> None:
        """Publish invoiceMatched for exception -> matched, as the contract's InvoiceMatched
        says ("validated or exception -> matched"), with a match result that says matched.

        ``corrected`` evaluates the match again against today's reference data. An accepted
        variance is a re-match too (a new result, as the match-result schema wants): the
        variances a person accepted become that result's tolerances (profile
        ``accepted-variance:<exceptionId>``), so it is a tolerance match with the real
        differences, not a stored exception relabelled. Only variances can be accepted: an
        exception of the whole invoice (no order, wrong currency, a validation failure) is
        refused (409, rolled back), as is a ``corrected`` whose re-match still fails:
        either way ``matched`` would be reached without a match.
        """
        match = item.get("matchResult")
        if outcome == "corrected":
            record = entry["record"]
            fresh = invoice_checks.assess(
                record["document"], ctx.store, invoice_id=record["invoiceId"],
                match_id=f"MR-{ctx.store.next_number('match'):08d}", evaluated_at=now)
            if fresh.verdict != "matched":
                raise _Refused(_still_failing(record, item, fresh.rejections + fresh.errors,
                                              instance))
            match = fresh.match_result
        elif match is not None and match.get("outcome") == "exception":
            match = accepted_match(match, f"MR-{ctx.store.next_number('match'):08d}", now,
                                   f"accepted-variance:{item['exceptionId']}")
            if match is None and outcome == "accept-variance":
                raise _Refused(_not_a_variance(entry["record"], item, instance))
        elif match is None and outcome == "accept-variance":
            raise _Refused(_not_a_variance(entry["record"], item, instance))
        if match is not None and match.get("outcome") != "exception":
            ctx.emit("invoiceMatched", match)

    # ------------------------------------------------------------ attachments

    def _add_attachment(self, request: SimRequest, ctx: Context) -> SimResponse:
        invoice_id = str(request.path_params.get("invoiceId"))
        if self._load(ctx.store, invoice_id) is None:
            return _not_found(request, "invoice", invoice_id, "INVOICE_NOT_FOUND")
        parts = _multipart(request)
        if isinstance(parts, str):
            return _unprocessable(request, "The attachment cannot be stored", parts,
                                  [{"pointer": "", "detail": parts, "code": "MALFORMED_UPLOAD"}])
        metadata, content = parts
        digest = hashlib.sha256(content).hexdigest()
        errors: list[dict[str, str]] = []
        if metadata.get("sha256") != digest:
            errors.append({"pointer": "/metadata/sha256", "code": "DIGEST_MISMATCH",
                           "detail": f"Declared {metadata.get('sha256')}, computed {digest}."})
        if "size" in metadata and metadata["size"] != len(content):
            errors.append({"pointer": "/metadata/size", "code": "SIZE_MISMATCH",
                           "detail": f"Declared {metadata['size']} bytes, received "
                                     f"{len(content)}."})
        for name in ("filename", "mediaType"):
            if not isinstance(metadata.get(name), str) or not metadata[name]:
                errors.append({"pointer": f"/metadata/{name}", "code": "REQUIRED",
                               "detail": f"metadata.{name} is required."})
        if errors:
            return _unprocessable(request, "The attachment cannot be stored",
                                  "The upload does not match its metadata; nothing was stored.",
                                  errors)
        with ctx.store.transaction():
            existing = self._attachment(ctx.store, invoice_id, digest)
            if existing is not None:
                return SimResponse(200, existing)
            stored: dict[str, Any] = {"filename": metadata["filename"],
                                      "mediaType": metadata["mediaType"], "sha256": digest,
                                      "size": len(content)}
            host = request.headers.get("host")
            if host:
                stored["uri"] = f"http://{host}{request.path.rstrip('/')}/{digest}"
            for name in ("documentReference", "description"):
                if name in metadata:
                    stored[name] = metadata[name]
            number = ctx.store.next_number("attachment")
            ctx.store.put(ATTACHMENT, f"{invoice_id}|{number:010d}",
                          {"invoiceId": invoice_id, "attachment": stored})
        return SimResponse(201, stored, {"Location": f"{request.path.rstrip('/')}/{digest}"})

    def _attachment(self, store: Store, invoice_id: str, digest: str) -> dict[str, Any] | None:
        return next((a for a in self._attachments(store, invoice_id) if a["sha256"] == digest),
                    None)

    def _attachments(self, store: Store, invoice_id: str) -> list[dict[str, Any]]:
        # keys are "<invoiceId>|<upload number>", so a scan is in upload order
        return [dict(v["attachment"]) for v in store.scan(ATTACHMENT)
                if v["invoiceId"] == invoice_id]

    def _list_attachments(self, request: SimRequest, ctx: Context) -> SimResponse:
        invoice_id = str(request.path_params.get("invoiceId"))
        if self._load(ctx.store, invoice_id) is None:
            return _not_found(request, "invoice", invoice_id, "INVOICE_NOT_FOUND")
        items = self._attachments(ctx.store, invoice_id)
        order = {a["sha256"]: f"{i:010d}" for i, a in enumerate(items)}
        try:
            page, cursor = paging.page(items, lambda a: order[a["sha256"]], request.query)
        except ValueError as exc:
            return _bad_request(request, str(exc), "INVALID_CURSOR")
        return paging.response(request, page, cursor)

    def _get_attachment(self, request: SimRequest, ctx: Context) -> SimResponse:
        invoice_id = str(request.path_params.get("invoiceId"))
        digest = str(request.path_params.get("sha256"))
        found = self._attachment(ctx.store, invoice_id, digest)
        if found is None:
            return _not_found(request, "attachment", f"{invoice_id}/{digest}",
                              "ATTACHMENT_NOT_FOUND")
        return SimResponse(200, found)

    # ------------------------------------------------------------ admin action

    def _apply_event_action(self, args: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        """Move an invoice by one legal lifecycle event (QA), publishing its finance event."""
        invoice_id, event = args.get("invoiceId"), args.get("event")
        if not isinstance(invoice_id, str) or not isinstance(event, str):
            raise ActionError(400, "apply-event needs {\"invoiceId\": ..., \"event\": ...}")
        known = list(dict.fromkeys(t.event for t in self.lifecycle.transitions))
        if event not in known:  # a typo, not a transition the state forbids: 400, not 409
            raise ActionError(400, f"unknown event {event!r}; the approval-state machine's "
                                   f"events are: {', '.join(known)}")
        now = _now(ctx)
        with ctx.store.transaction():
            entry = self._load(ctx.store, invoice_id)
            if entry is None:
                raise ActionError(404, f"No invoice with id {invoice_id}.")
            correlation.join(ctx.emit, entry)
            comment = args.get("comment") if isinstance(args.get("comment"), str) else None
            try:
                self._transition(entry, event, QA_ACTOR, now, comment=comment)
            except IllegalTransition as exc:
                raise ActionError(409, str(exc)) from exc
            if event == "match-failed":
                self._raise_exception(entry, ctx, "validation-failed", [invoice_checks.finding(
                    "RAISED_BY_QA", "", comment or "Exception raised by the apply-event action.")],
                                      None, now)
            elif event in _REJECTED_EVENTS:
                self._close_exceptions(entry, ctx, "reject-invoice", comment, QA_ACTOR["id"], now)
            elif event == "exception-resolved":
                self._close_exceptions(entry, ctx, "accept-variance", comment, QA_ACTOR["id"],
                                       now)
            self._announce(entry, event, ctx, now)
            ctx.store.put(INVOICE, invoice_id, entry)
        return _approval_state(entry)


# ---------------------------------------------------------------- helpers


# reasons that are only numbers off (quantity-not-received: more invoiced than received,
# a quantity variance against the receipts), so a person can accept them as they are
_VARIANCES = frozenset({"quantity-variance", "quantity-not-received", "price-variance",
                        "amount-variance"})
_DIMENSIONS = ("quantity", "price", "amount")


def accepted_match(match: Mapping[str, Any], match_id: str, now: str,
                   profile: str) -> dict[str, Any] | None:
    """The re-match of ``match`` (an exception) once a person accepted its variances: each
    dimension's tolerance becomes the largest difference accepted, so every variance is
    within tolerance and the outcome says so. None when the exception is not only variances
    (a whole-invoice exception such as a currency mismatch, or a line that is not merely
    off in numbers). A whole-invoice amount variance (the lines' total beyond tolerance) is
    a variance too: accepted, it leaves ``exceptions``, which only an exception may carry."""
    if any(r.get("code") not in _VARIANCES for r in match.get("exceptions") or ()):
        return None
    accepted = copy.deepcopy(dict(match))
    accepted.pop("exceptions", None)
    bounds: dict[str, Decimal] = {}
    for line in accepted["lines"]:
        reasons = line.pop("exceptionReasons", [])
        if line["outcome"] == "exception" and (
                not reasons or any(r.get("code") not in _VARIANCES for r in reasons)):
            return None
        differs = [_accept(bounds, dim, line[dim]) for dim in _DIMENSIONS if dim in line]
        line["outcome"] = "matched-within-tolerance" if any(differs) else "matched"
    if "amount" in accepted:
        _accept(bounds, "amount", accepted["amount"])
    within = any(line["outcome"] != "matched" for line in accepted["lines"])
    currency = str(accepted["currency"])
    tolerances = dict(accepted.get("tolerances") or {})
    for dim, bound in bounds.items():
        text = format(bound, "f")
        tolerances[dim] = {"absolute": text if dim == "quantity"
                           else {"amount": text, "currency": currency}}
    accepted.update(matchId=match_id, evaluatedAt=now, toleranceProfile=profile,
                    tolerances=tolerances,
                    outcome="matched-within-tolerance" if within else "matched")
    return accepted


def _still_failing(record: Mapping[str, Any], item: Mapping[str, Any],
                   errors: list[dict[str, str]], instance: str) -> SimResponse:
    """409 for ``corrected`` when matching the invoice again still finds what is wrong (the
    transaction is rolled back, so the invoice is still in ``exception``)."""
    found = " ".join(f["message"] for f in errors) or "the re-match is still an exception."
    detail = (f"Exception {item['exceptionId']} cannot be resolved as corrected: matching "
              f"invoice {record['invoiceId']} again still fails: {found} Fix the cause "
              "(purchase order, goods receipt, master data) first, or resolve with "
              "accept-variance or reject-invoice.")
    return problem(409, "Exception not corrected", detail[:4000],
                   type_=PROBLEMS + "invalid-state-transition", instance=instance,
                   code="EXCEPTION_NOT_CORRECTED", currentState="exception")


def _not_a_variance(record: Mapping[str, Any], item: Mapping[str, Any],
                    instance: str) -> SimResponse:
    """409 for ``accept-variance`` on an exception that is no variance (the contract: "the
    variance is accepted as is"); the transaction is rolled back."""
    detail = (f"Exception {item['exceptionId']} of invoice {record['invoiceId']} is "
              f"{item.get('type', 'not a variance')}, not a price, quantity or amount "
              "variance: there is nothing to accept as is. Fix the cause and resolve with "
              "corrected, or reject-invoice.")
    return problem(409, "Not a variance", detail,
                   type_=PROBLEMS + "invalid-state-transition", instance=instance,
                   code="EXCEPTION_NOT_A_VARIANCE", currentState="exception")


def _accept(bounds: dict[str, Decimal], dim: str, variance: dict[str, Any]) -> bool:
    """Mark ``variance`` within tolerance, widen ``dim``'s bound to it; whether it differs."""
    raw = variance.get("difference")
    difference = abs(Decimal(str(raw["amount"] if isinstance(raw, Mapping) else raw)))
    bounds[dim] = max(bounds.get(dim, Decimal(0)), difference)
    variance["withinTolerance"] = True
    return difference != 0


def _number(record: Mapping[str, Any]) -> str:
    return str(record["document"].get("number"))


def _approval_state(entry: Mapping[str, Any]) -> dict[str, Any]:
    record = entry["record"]
    return {"invoiceId": record["invoiceId"], "invoiceNumber": _number(record),
            "currentState": record["state"], "enteredAt": entry["enteredAt"],
            "history": copy.deepcopy(entry["history"])}


def _seller_key(document: Mapping[str, Any], supplier: Mapping[str, Any] | None) -> str:
    """Who the seller is, for duplicate detection: the ERP supplier when known."""
    if supplier is not None:
        return f"supplier:{supplier.get('supplierNumber')}"
    seller = document.get("seller", {})
    for registration in seller.get("taxRegistrations", []):
        return "tax:" + "".join(str(registration.get("id")).split()).upper()
    return "name:" + " ".join(str(seller.get("name", "")).split()).casefold()


def _matches(record: Mapping[str, Any], state: Any, supplier: Any, issued_from: Any,
             issued_to: Any) -> bool:
    issued = str(record["document"].get("issueDate", ""))
    return ((state is None or record["state"] == state)
            and (supplier is None or record.get("supplierNumber") == supplier)
            and (issued_from is None or issued >= str(issued_from))
            and (issued_to is None or issued <= str(issued_to)))


def _invert(invoice_id: str, newest: str) -> str:
    """A key that sorts newer ids first (ids are 'ia-' + a zero-padded sequence number)."""
    digits = invoice_id.removeprefix("ia-")
    return f"{10 ** 12 - int(digits):013d}" if digits.isdigit() else newest


def _multipart(request: SimRequest) -> tuple[dict[str, Any], bytes] | str:
    """(metadata, content) of an attachment upload, or why it cannot be read."""
    body = request.body
    if isinstance(body, Mapping) and "metadata" in body and "content" in body:
        metadata, content = body["metadata"], body["content"]
    else:
        content_type = request.headers.get("content-type", "")
        if "boundary=" not in content_type:
            return "Expected a multipart/form-data body with a boundary."
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.raw_body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                fields[name] = part.get_payload(decode=True) or b""
        if "metadata" not in fields or "content" not in fields:
            return "The upload needs the parts metadata and content."
        metadata, content = fields["metadata"], fields["content"]
    if isinstance(metadata, bytes | str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return "The metadata part is not JSON."
    if not isinstance(metadata, Mapping):
        return "The metadata part is not a JSON object."
    if isinstance(content, str):
        content = content.encode()
    if not isinstance(content, bytes):
        return "The content part is not a file."
    return dict(metadata), content


def behaviour() -> InvoiceAutomationBehaviour:
    return InvoiceAutomationBehaviour()
