"""The invoice-automation -> erp-finance pact: what the workflow needs of any ERP behind it.

Provider states are the fixed ones every erp-finance provider implements (issue 8):
"a supplier has a status", "a supplier does not exist", "an invoice is posted" and
"a payment has a status". Ids the provider generates while setting a state up (postingId,
paymentId, journalEntryId) are injected from the state's return value. Every interaction uses
its own invoice number and Idempotency-Key, so a provider can replay them all in one run
without one posting tripping another's duplicate check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pact import Pact

from tests.consumers import bodies, invoices
from tests.consumers import matchers as m
from tests.consumers.invoice_automation_client import (
    ErpFinanceClient,
    KeyReused,
    PostingRefused,
    Problem,
)
from tests.consumers.pacting import HttpCase

CONSUMER = "invoice-automation"
PROVIDER = "erp-finance"
JSON = "application/json"
PROBLEM = "application/problem+json"
SUPPLIER = invoices.SEK_SUPPLIER

# one invoice and key per interaction
DOCS: dict[str, dict[str, Any]] = {
    name: invoices.invoice(f"IA-PACT-{name}") for name in
    ("VAL-001", "VAL-002", "POST-001", "POST-002", "POST-003", "POST-004", "POST-005",
     "POST-006", "POST-007", "POST-008", "PAY-001", "PAY-002")}
KEYS: dict[str, str] = {name: f"ia-pact-{name.lower()}-5f1c2a9e" for name in DOCS}


def client(url: str) -> ErpFinanceClient:
    return ErpFinanceClient(url, m.TOKEN.removeprefix("Bearer "), retries=0)


# --- provider states -----------------------------------------------------------------------

def supplier_has_status(interaction: Any, status: str, number: str = SUPPLIER) -> Any:
    return interaction.given("a supplier has a status",
                             {"supplierNumber": number, "status": status})


def invoice_is_posted(interaction: Any, name: str) -> Any:
    return interaction.given("an invoice is posted",
                             {"idempotencyKey": KEYS[name], "invoice": DOCS[name]})


def payment_has_status(interaction: Any, name: str, status: str) -> Any:
    return interaction.given("a payment has a status",
                             {"idempotencyKey": KEYS[name], "invoice": DOCS[name],
                              "status": status})


# --- expected bodies -----------------------------------------------------------------------

def problem(status: int, slug: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"type": m.text(f"https://ledgerpact.dev/problems/{slug}"), "title": m.text(title),
            "status": status, **extra}


def posting(name: str, posting_id: Any = None) -> dict[str, Any]:
    return {"postingId": posting_id or m.text("PST-2024-000001"), "status": "posted",
            "documentNumber": DOCS[name]["number"], "postingDate": m.day(),
            "fiscalYear": m.integer(2024), "fiscalPeriod": m.integer(6),
            "postedAt": m.timestamp(), "journalEntryId": m.text("JE-2024-0000001")}


def payment(name: str, status: str, payment_id: Any = None) -> dict[str, Any]:
    return bodies.payment(DOCS[name], status, payment_id)


def _post_request(interaction: Any, name: str, key: str | None = None) -> Any:
    interaction = (interaction.with_request("POST", "/invoice-postings")
                   .with_header("Authorization", m.bearer()))
    if key is not None:
        interaction = interaction.with_header("Idempotency-Key", key)
    return interaction.with_body(DOCS[name], JSON)


# --- the interactions ----------------------------------------------------------------------

def _define_status(status: str) -> Any:
    def define(pact: Pact) -> Any:
        interaction = pact.upon_receiving(f"a status request for a supplier who is {status}")
        return (supplier_has_status(interaction, status)
                .with_request("GET", f"/suppliers/{SUPPLIER}/status")
                .with_header("Authorization", m.bearer())
                .will_respond_with(200)
                .with_body({"supplierNumber": SUPPLIER, "status": status,
                            "since": m.timestamp()}, JSON))
    return define


def _exercise_status(status: str) -> Any:
    def exercise(url: str) -> None:
        with client(url) as erp:
            found = erp.supplier_status(SUPPLIER)
        assert found is not None and found.status == status
        assert found.may_post is (status == "active")
    return exercise


def _define_unknown(pact: Pact) -> Any:
    return (pact.upon_receiving("a status request for a supplier who does not exist")
            .given("a supplier does not exist", {"supplierNumber": invoices.UNKNOWN_SUPPLIER})
            .with_request("GET", f"/suppliers/{invoices.UNKNOWN_SUPPLIER}/status")
            .with_header("Authorization", m.bearer())
            .will_respond_with(404)
            .with_body(problem(404, "not-found", "Not found"), PROBLEM))


def _exercise_unknown(url: str) -> None:
    with client(url) as erp:
        assert erp.supplier_status(invoices.UNKNOWN_SUPPLIER) is None


def _define_valid(pact: Pact) -> Any:
    interaction = pact.upon_receiving("a validation of a clean invoice")
    return (supplier_has_status(interaction, "active")
            .with_request("POST", "/invoice-validations")
            .with_header("Authorization", m.bearer())
            .with_body(DOCS["VAL-001"], JSON)
            .will_respond_with(200)
            .with_body({"valid": True, "checkedAt": m.timestamp(),
                        "checks": m.each_like("supplier-status"), "findings": []}, JSON))


def _exercise_valid(url: str) -> None:
    with client(url) as erp:
        result = erp.validate(DOCS["VAL-001"])
    assert result.valid and not result.findings


def _define_blocked_validation(pact: Pact) -> Any:
    interaction = pact.upon_receiving("a validation of an invoice from a blocked supplier")
    finding = {"code": "SUPPLIER_BLOCKED", "severity": "error", "pointer": m.text("/seller"),
               "message": m.text(f"Supplier {SUPPLIER} is blocked.")}
    return (supplier_has_status(interaction, "blocked")
            .with_request("POST", "/invoice-validations")
            .with_header("Authorization", m.bearer())
            .with_body(DOCS["VAL-002"], JSON)
            .will_respond_with(200)
            .with_body({"valid": False, "checkedAt": m.timestamp(),
                        "checks": m.each_like("supplier-status"),
                        "findings": m.containing(finding)}, JSON))


def _exercise_blocked_validation(url: str) -> None:
    with client(url) as erp:
        result = erp.validate(DOCS["VAL-002"])
    assert not result.valid and "SUPPLIER_BLOCKED" in result.codes


def _define_post(pact: Pact) -> Any:
    interaction = pact.upon_receiving("a posting of a clean invoice with an idempotency key")
    return (_post_request(supplier_has_status(interaction, "active"), "POST-001",
                          KEYS["POST-001"])
            .will_respond_with(201)
            .with_header("Location", m.location("/invoice-postings/PST-2024-000001"))
            .with_body(posting("POST-001"), JSON))


def _exercise_post(url: str) -> None:
    with client(url) as erp:
        done = erp.post(DOCS["POST-001"], KEYS["POST-001"])
    assert done.status == "posted" and not done.replayed
    assert done.document_number == DOCS["POST-001"]["number"]
    assert done.location is not None and done.location.endswith(f"/{done.posting_id}")


def _define_replay(pact: Pact) -> Any:
    interaction = pact.upon_receiving(
        "a retried posting with the same idempotency key and invoice")
    interaction = invoice_is_posted(supplier_has_status(interaction, "active"), "POST-002")
    return (_post_request(interaction, "POST-002", KEYS["POST-002"])
            .will_respond_with(201)
            .with_header("Idempotent-Replayed", "true")
            .with_body(posting("POST-002", m.injected("PST-2024-000002", "${postingId}")),
                       JSON))


def _exercise_replay(url: str) -> None:
    with client(url) as erp:
        again = erp.post(DOCS["POST-002"], KEYS["POST-002"])
    assert again.replayed and again.posting_id == "PST-2024-000002"


def _define_key_reused(pact: Pact) -> Any:
    interaction = pact.upon_receiving(
        "a posting that reuses an idempotency key with another invoice")
    interaction = invoice_is_posted(supplier_has_status(interaction, "active"), "POST-003")
    return (_post_request(interaction, "POST-004", KEYS["POST-003"])
            .will_respond_with(409)
            .with_body(problem(409, "idempotency-key-reused",
                               "Idempotency key reused with a different request",
                               code="IDEMPOTENCY_KEY_REUSED"), PROBLEM))


def _exercise_key_reused(url: str) -> None:
    with client(url) as erp:
        try:
            erp.post(DOCS["POST-004"], KEYS["POST-003"])
        except KeyReused as refused:
            assert refused.status == 409
            return
    raise AssertionError("a reused key was not refused")


def _define_no_key(pact: Pact) -> Any:
    # the state is what the workflow believes when it posts; the key is what it forgot
    interaction = pact.upon_receiving("a posting without an idempotency key")
    return (_post_request(supplier_has_status(interaction, "active"), "POST-005")
            .will_respond_with(400)
            .with_body(problem(400, "bad-request", "Bad request"), PROBLEM))


def _exercise_no_key(url: str) -> None:
    with client(url) as erp:
        try:
            erp.post(DOCS["POST-005"], None)
        except Problem as refused:
            assert refused.status == 400
            return
    raise AssertionError("a posting without a key was not refused")


def _define_refused(pact: Pact) -> Any:
    interaction = pact.upon_receiving("a posting of an invoice from a blocked supplier")
    error = {"code": "SUPPLIER_BLOCKED", "pointer": m.text("/seller"),
             "detail": m.text(f"Supplier {SUPPLIER} is blocked.")}
    return (_post_request(supplier_has_status(interaction, "blocked"), "POST-006",
                          KEYS["POST-006"])
            .will_respond_with(422)
            .with_body(problem(422, "validation-failed", "The invoice cannot be posted",
                               errors=m.containing(error)), PROBLEM))


def _exercise_refused(url: str) -> None:
    with client(url) as erp:
        try:
            erp.post(DOCS["POST-006"], KEYS["POST-006"])
        except PostingRefused as refused:
            assert "SUPPLIER_BLOCKED" in refused.error_codes
            return
    raise AssertionError("an invoice of a blocked supplier was posted")


def _define_posting_status(pact: Pact) -> Any:
    interaction = pact.upon_receiving("a status request for a posted invoice")
    interaction = invoice_is_posted(supplier_has_status(interaction, "active"), "POST-007")
    posting_id = m.injected("PST-2024-000007", "${postingId}")
    return (interaction
            .with_request("GET", m.injected("/invoice-postings/PST-2024-000007",
                                            "/invoice-postings/${postingId}"))
            .with_header("Authorization", m.bearer())
            .will_respond_with(200)
            .with_body(posting("POST-007", posting_id), JSON))


def _exercise_posting_status(url: str) -> None:
    with client(url) as erp:
        found = erp.posting("PST-2024-000007")
    assert found.status == "posted" and found.document_number == DOCS["POST-007"]["number"]


def _define_journal(pact: Pact) -> Any:
    """The ledger entry of a posting: the consumer reconciles the input VAT and the payable
    the ERP booked against the invoice's own VAT breakdown and payable amount."""
    doc = DOCS["POST-008"]
    net = doc["totals"]["netTotal"]
    interaction = pact.upon_receiving("a journal entry request for a posted invoice")
    interaction = invoice_is_posted(supplier_has_status(interaction, "active"), "POST-008")
    lines = m.containing(
        {"lineNumber": m.integer(1), "glAccount": m.text("400000"), "side": "debit",
         "amount": dict(net)},
        {"lineNumber": m.integer(2), "glAccount": invoices.INPUT_VAT_ACCOUNT, "side": "debit",
         "amount": invoices.vat_total(doc)},
        {"lineNumber": m.integer(3), "glAccount": invoices.PAYABLES_ACCOUNT, "side": "credit",
         "amount": invoices.payable(doc)})
    return (interaction
            .with_request("GET", m.injected("/journal-entries/JE-2024-0000008",
                                            "/journal-entries/${journalEntryId}"))
            .with_header("Authorization", m.bearer())
            .will_respond_with(200)
            .with_body({"entryId": m.injected("JE-2024-0000008", "${journalEntryId}"),
                        "postingPeriod": {"fiscalYear": m.integer(2024),
                                          "period": m.integer(6)},
                        "postingDate": m.day(), "documentDate": m.day(doc["issueDate"]),
                        "currency": doc["currency"], "status": "posted", "lines": lines},
                       JSON))


def _exercise_journal(url: str) -> None:
    doc = DOCS["POST-008"]
    with client(url) as erp:
        entry = erp.journal_entry("JE-2024-0000008")
    assert entry.currency == doc["currency"]
    assert entry.total(invoices.INPUT_VAT_ACCOUNT, "debit") == \
        sum((Decimal(row["taxAmount"]["amount"]) for row in doc["vatBreakdown"]), Decimal(0))
    assert entry.total(invoices.PAYABLES_ACCOUNT, "credit") == \
        invoices.amount(invoices.payable(doc))


def _define_payment(pact: Pact) -> Any:
    interaction = pact.upon_receiving("a status request for a settled payment")
    interaction = payment_has_status(supplier_has_status(interaction, "active"), "PAY-001",
                                     "settled")
    return (interaction
            .with_request("GET", m.injected("/payments/PAY-2024-000009",
                                            "/payments/${paymentId}"))
            .with_header("Authorization", m.bearer())
            .will_respond_with(200)
            .with_body(payment("PAY-001", "settled",
                               m.injected("PAY-2024-000009", "${paymentId}")), JSON))


def _exercise_payment(url: str) -> None:
    with client(url) as erp:
        paid = erp.payment("PAY-2024-000009")
    assert paid.status == "settled"
    assert (paid.amount, paid.currency) == (invoices.amount(invoices.payable(DOCS["PAY-001"])),
                                            DOCS["PAY-001"]["currency"])


def _define_payments(pact: Pact) -> Any:
    number = DOCS["PAY-002"]["number"]
    interaction = pact.upon_receiving("a payments request for an invoice whose payment is "
                                      "released")
    interaction = payment_has_status(supplier_has_status(interaction, "active"), "PAY-002",
                                     "released")
    return (interaction
            .with_request("GET", "/payments")
            .with_query_parameter("invoiceId", number)
            .with_header("Authorization", m.bearer())
            .will_respond_with(200)
            .with_body({"items": m.containing(payment("PAY-002", "released")),
                        "nextCursor": None}, JSON))


def _exercise_payments(url: str) -> None:
    doc = DOCS["PAY-002"]
    with client(url) as erp:
        found = erp.payments_for_invoice(doc["number"])
    assert [p.status for p in found] == ["released"]
    assert found[0].amount == invoices.amount(invoices.payable(doc))


CASES: list[HttpCase] = [
    HttpCase("a status request for a supplier who is active", _define_status("active"),
             _exercise_status("active")),
    HttpCase("a status request for a supplier who is blocked", _define_status("blocked"),
             _exercise_status("blocked")),
    HttpCase("a status request for a supplier who does not exist", _define_unknown,
             _exercise_unknown),
    HttpCase("a validation of a clean invoice", _define_valid, _exercise_valid),
    HttpCase("a validation of an invoice from a blocked supplier", _define_blocked_validation,
             _exercise_blocked_validation),
    HttpCase("a posting of a clean invoice with an idempotency key", _define_post,
             _exercise_post),
    HttpCase("a retried posting with the same idempotency key and invoice", _define_replay,
             _exercise_replay),
    HttpCase("a posting that reuses an idempotency key with another invoice",
             _define_key_reused, _exercise_key_reused),
    HttpCase("a posting without an idempotency key", _define_no_key, _exercise_no_key),
    HttpCase("a posting of an invoice from a blocked supplier", _define_refused,
             _exercise_refused),
    HttpCase("a status request for a posted invoice", _define_posting_status,
             _exercise_posting_status),
    HttpCase("a journal entry request for a posted invoice", _define_journal,
             _exercise_journal),
    HttpCase("a status request for a settled payment", _define_payment, _exercise_payment),
    HttpCase("a payments request for an invoice whose payment is released", _define_payments,
             _exercise_payments),
]
