"""The invoice-automation platform's client of erp-finance: the calls its workflow makes.

It is deliberately small but real: the pacts are recorded from what this code sends and
what it reads, so a field the workflow stops reading can be dropped from the pact, and a field
it starts reading must be added (a consumer-driven contract is only as honest as the client it
is recorded from). Money is read as Decimal; errors are RFC 9457 problems turned into
exceptions the workflow routes on (by status and finding code, never by message text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

JSON = "application/json"
RETRYABLE = frozenset({429, 500, 502, 503, 504})


@dataclass
class Problem(Exception):
    """An RFC 9457 problem answered by erp-finance."""

    status: int
    title: str
    code: str | None = None
    error_codes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.status} {self.title} ({self.code or 'no code'})"


class KeyReused(Problem):
    """The Idempotency-Key was used before with another document: a bug in the caller."""


class PostingRefused(Problem):
    """The ERP refused the document (422): route to an exception queue by ``error_codes``."""


@dataclass(frozen=True)
class SupplierStatus:
    supplier_number: str
    status: str
    since: str

    @property
    def may_post(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    pointer: str


@dataclass(frozen=True)
class Validation:
    valid: bool
    findings: tuple[Finding, ...]

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


@dataclass(frozen=True)
class Posting:
    posting_id: str
    status: str
    document_number: str
    journal_entry_id: str | None
    location: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class Payment:
    payment_id: str
    status: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class LedgerLine:
    gl_account: str
    side: str
    amount: Decimal
    currency: str
    tax_code: str | None


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str
    currency: str
    lines: tuple[LedgerLine, ...] = field(default=())

    def total(self, gl_account: str, side: str) -> Decimal:
        return sum((ln.amount for ln in self.lines
                    if ln.gl_account == gl_account and ln.side == side), Decimal(0))


def _problem(response: httpx.Response) -> Problem:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, Mapping) else {}
    errors = tuple(str(e["code"]) for e in body.get("errors", [])
                   if isinstance(e, Mapping) and "code" in e)
    args = (response.status_code, str(body.get("title", response.reason_phrase)),
            body.get("code"), errors)
    if response.status_code == 409 and body.get("code") == "IDEMPOTENCY_KEY_REUSED":
        return KeyReused(*args)
    if response.status_code == 422:
        return PostingRefused(*args)
    return Problem(*args)


def _money(node: Mapping[str, Any]) -> tuple[Decimal, str]:
    return Decimal(str(node["amount"])), str(node["currency"])


def _payment(body: Mapping[str, Any]) -> Payment:
    value, currency = _money(body["amount"])
    return Payment(str(body["paymentId"]), str(body["status"]), value, currency)


def _posting(body: Mapping[str, Any], response: httpx.Response | None = None) -> Posting:
    headers = response.headers if response is not None else httpx.Headers()
    return Posting(str(body["postingId"]), str(body["status"]), str(body["documentNumber"]),
                   body.get("journalEntryId"), headers.get("location"),
                   headers.get("idempotent-replayed", "").lower() == "true")


class ErpFinanceClient:
    """The workflow's view of the ERP, over erp-finance (any adapter or the ERP itself)."""

    def __init__(self, base_url: str, token: str, *, retries: int = 2) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=10.0,
                                  headers={"Authorization": f"Bearer {token}",
                                           "Accept": f"{JSON}, application/problem+json"})
        self._retries = retries

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ErpFinanceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, **params: str) -> Any:
        response = self._http.get(path, params=params or None)
        if response.status_code != 200:
            raise _problem(response)
        return response.json()

    def supplier_status(self, supplier_number: str) -> SupplierStatus | None:
        """The supplier's fresh status, or None when the ERP does not know the supplier."""
        response = self._http.get(f"/suppliers/{supplier_number}/status")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _problem(response)
        body = response.json()
        return SupplierStatus(str(body["supplierNumber"]), str(body["status"]),
                              str(body["since"]))

    def validate(self, document: Mapping[str, Any]) -> Validation:
        response = self._http.post("/invoice-validations", json=document)
        if response.status_code != 200:
            raise _problem(response)
        body = response.json()
        return Validation(bool(body["valid"]), tuple(
            Finding(str(f["code"]), str(f["severity"]), str(f["pointer"]))
            for f in body["findings"]))

    def post(self, document: Mapping[str, Any], idempotency_key: str | None) -> Posting:
        """Post exactly once: a transport failure or a retryable status is retried with the
        SAME key and body, so the ERP answers a retry of a posting that did go through with
        the stored posting instead of posting twice. ``None`` sends no key (the ERP refuses
        that; kept to prove the refusal is understood)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        attempt = 0
        while True:
            try:
                response = self._http.post("/invoice-postings", json=document,
                                           headers=headers)
            except httpx.TransportError:
                if attempt >= self._retries:
                    raise
                attempt += 1
                continue
            if response.status_code in RETRYABLE and attempt < self._retries:
                attempt += 1
                continue
            if response.status_code != 201:
                raise _problem(response)
            return _posting(response.json(), response)

    def posting(self, posting_id: str) -> Posting:
        return _posting(self._get(f"/invoice-postings/{posting_id}"))

    def journal_entry(self, entry_id: str) -> JournalEntry:
        body = self._get(f"/journal-entries/{entry_id}")
        lines = []
        for line in body["lines"]:
            value, currency = _money(line["amount"])
            lines.append(LedgerLine(str(line["glAccount"]), str(line["side"]), value, currency,
                                    line.get("taxCode")))
        return JournalEntry(str(body["entryId"]), str(body["currency"]), tuple(lines))

    def payment(self, payment_id: str) -> Payment:
        return _payment(self._get(f"/payments/{payment_id}"))

    def payments_for_invoice(self, invoice_id: str) -> list[Payment]:
        return [_payment(item) for item in
                self._get("/payments", invoiceId=invoice_id)["items"]]
