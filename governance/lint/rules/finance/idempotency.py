"""Operations that create or post financial records take an ``Idempotency-Key`` header.

A client that times out does not know whether its payment or posting went through; it
retries. Without an idempotency key the retry pays or posts a second time, and the duplicate
is found at reconciliation, if at all. With one, the server recognises the retry and returns
the first result (the IETF httpapi Idempotency-Key draft, as Stripe, Adyen and Xero do).
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index, Operation
from ledgerpact.governance.lint.model import OAS3, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import is_webhook
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import facts, operation_parameters

_ACTION_VERBS = vocab.RECORDING_ACTIONS | vocab.MONEY_ON_RECORD_ACTIONS
_STEMS = ("invoice", "payment", "refund", "payout", "transfer", "creditnote", "journal",
          "posting", "disbursement", "settlement", "remittance")


def _financial_word(words: tuple[str, ...]) -> str | None:
    for w in words:
        if w in vocab.FINANCIAL_RECORDS or w.startswith(_STEMS):
            return w
    return None


def records_financially(op: Operation) -> str | None:
    """The word that makes ``op`` an operation creating or posting a financial record, or
    None. POST to a collection (``/payments``) creates; so does an action or sub-collection
    of an identified record that itself moves money (``/invoices/{id}/pay``,
    ``/charges/{id}/refunds``, ``/payment_intents/{id}/confirm``), but not a state change
    of that record (``/approval``, ``/void``, ``/send``: a repeated transition is refused
    or does nothing). Verbs such as confirm or release move money only when the record
    they act on is a financial one (confirming a setup intent saves a card). PUT/PATCH
    create when they target a collection (Xero's ``PUT /Invoices``) or answer 201; a
    write to one identified record (``POST /invoices/{id}``) updates it unless it answers
    201."""
    if op.method not in ("post", "put", "patch"):
        return None
    segments = [s for s in op.path.split("/") if s]
    literals = [s for s in segments if not s.startswith("{")]
    responses = op.op.get("responses")
    created = isinstance(responses, dict) and any(str(k) == "201" for k in responses)
    if not literals or (segments[-1].startswith("{") and not created):
        return None
    op_id = op.op.get("operationId")
    op_words = vocab.record_words(op_id) if isinstance(op_id, str) else ()
    last = vocab.record_words(literals[-1])
    if set(last + op_words) & vocab.NOT_RECORDING:
        return None
    action = vocab.words(literals[-1])
    if len(action) == 1 and action[0] in vocab.RECORDING_ACTIONS:
        return literals[-1]
    position = segments.index(literals[-1])
    below_a_record = any(s.startswith("{") for s in segments[:position])
    if below_a_record:
        if action and action[0] in _ACTION_VERBS \
                and any(_financial_word(vocab.record_words(s)) for s in literals[:-1]):
            return literals[-1]
        return _financial_word(last)
    for text in literals:
        found = _financial_word(vocab.record_words(text))
        if found:
            return found
    return _financial_word(op_words)


@rule(
    "finance-idempotency-key",
    severity="error",
    family="finance",
    formats=OAS3,
    summary="Operations that create or post financial records (invoices, payments, "
            "postings, journal entries, orders, credit notes, refunds, transfers, "
            "charges...) or move money (pay, capture, confirm a payment...) accept an "
            "Idempotency-Key header (no Spectral equivalent; Zalando 'consider to support "
            "Idempotency-Key header').",
    why="""Networks time out after the server has committed. A client that retries a
    payment or a ledger posting without an idempotency key creates a duplicate payment or
    a double posting; with one, the server returns the stored result of the first attempt.
    The operation is recognised by its path and operationId: a POST to a collection of
    financial records, or an action that moves money (pay, capture, refund, settle,
    reverse, disburse; confirm, release, authorize or increment on a payment). Searches,
    validations, previews, attachments, e-mails and final state changes (approve, void,
    cancel, send) are not postings, and webhooks and callbacks are calls the provider
    makes, not ones its clients retry. The header may be declared inline or by $ref, in
    any letter case.""",
    bad=openapi("""paths:
  /payments:
    post:
      operationId: createPayment
      responses:
        "201": {description: The payment was created.}
""", title="Payments"),
    good=openapi("""paths:
  /payments:
    post:
      operationId: createPayment
      parameters:
        - $ref: '#/components/parameters/IdempotencyKey'
      responses:
        "201": {description: The payment was created.}
components:
  parameters:
    IdempotencyKey:
      name: Idempotency-Key
      in: header
      required: true
      schema: {type: string, maxLength: 255}
""", title="Payments"),
)
def idempotency_key(index: Index) -> Iterator[Violation]:
    f = facts(index)
    for op in index.operations:
        if is_webhook(index, op):
            continue  # a call the provider makes to its consumers: no client retries it
        word = records_financially(op)
        if word is None:
            continue
        if any(p.param.get("in") == "header"
               and vocab.is_idempotency_header(str(p.param.get("name", "")))
               for p in operation_parameters(f, op)):
            continue
        yield Violation(op.loc, f"{op.label} creates or posts a financial record or moves "
                                f"money ({word!r}) but takes no Idempotency-Key header, so a "
                                "retry after a timeout does it twice; expected a header "
                                "parameter named Idempotency-Key")
