"""Consumer pact of invoice-automation -> erp-finance (pact-python 4, Pact V4, real Pact core).

Each interaction is served by the Pact core's mock server on 127.0.0.1 and exercised by the
workflow's real client (``tests/consumers/invoice_automation_client.py``); the pact is written
to a temporary folder. To republish the registry's copy
(``pacts/invoice-automation/1.0.0/erp-finance.json``) after changing the consumer, run::

    LEDGERPACT_WRITE_PACTS=1 .venv/bin/pytest tests/test_pacts_invoice_automation.py \
        tests/test_pacts_treasury.py tests/test_pacts_analytics.py

(``tests/test_pacts_files.py`` fails until the committed pacts equal the recorded ones.)
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ledgerpact.generators.simulators import server
from tests.consumers import analytics_pact, invoice_automation_pact, pacting, treasury_pact
from tests.consumers.invoice_automation_client import ErpFinanceClient, KeyReused
from tests.consumers.pacting import HttpCase

CASES = invoice_automation_pact.CASES


@pytest.mark.parametrize("description", [c.description for c in CASES])
def test_interaction_is_met_by_the_client(description: str) -> None:
    run = pacting.recorded(invoice_automation_pact.CONSUMER)
    assert run.results[description] is None, run.results[description]


def test_pact_names_consumer_provider_and_specification() -> None:
    import json

    pact = json.loads(pacting.recorded(invoice_automation_pact.CONSUMER).path.read_text())
    assert (pact["consumer"]["name"], pact["provider"]["name"]) == \
        ("invoice-automation", "erp-finance")
    assert pact["metadata"]["pactSpecification"]["version"].startswith("4")
    assert sorted(i["description"] for i in pact["interactions"]) == \
        sorted(c.description for c in CASES)
    for interaction in pact["interactions"]:
        assert "Authorization" in interaction["request"]["headers"]


def test_recorder_fails_when_the_client_does_not_make_the_call() -> None:
    """The mock server must report an interaction the consumer never exercised, and a
    consumer assertion that fails must fail the interaction (a pact nobody uses is a lie)."""
    define = CASES[0].define
    silent = HttpCase("a status request nobody makes", define, lambda url: None)
    wrong = HttpCase("a status request read wrongly", define,
                     lambda url: invoice_automation_pact.client(url).validate({}))
    run = pacting.record("ia-negative", "erp-finance", [silent, wrong])
    assert run.results[silent.description] is not None
    assert "mismatch" in run.results[silent.description]
    assert run.results[wrong.description] is not None
    assert not run.path.exists()  # a failed interaction is never written


def test_each_interaction_uses_its_own_invoice_and_key() -> None:
    docs = [*invoice_automation_pact.DOCS.values(), *treasury_pact.DOCS.values(),
            *analytics_pact.DOCS.values()]
    numbers = [d["number"] for d in docs]
    assert len(set(numbers)) == len(numbers)
    keys = [*invoice_automation_pact.KEYS.values(), *treasury_pact.KEYS.values(),
            *analytics_pact.KEYS.values()]
    assert len(set(keys)) == len(keys)
    assert all(16 <= len(k) <= 255 for k in keys)  # the contract's Idempotency-Key bounds


@pytest.fixture(scope="module")
def erp_url(repo_root: Path):
    """The canonical ERP simulator (seed 1), the reference provider of erp-finance."""
    sim = server.build("erp", registry=repo_root, in_memory=True, seed=1, events=[])
    background = server.start_in_thread(sim.app)
    yield background.url
    background.stop()
    sim.close()


def test_pact_invoices_are_valid_in_the_seeded_erp(erp_url: str) -> None:
    """Every invoice the pacts send validates clean against the canonical ERP seeded with
    seed 1 (the world every provider seeds), so a provider fails a pact only for what the
    interaction is about."""
    docs = {**invoice_automation_pact.DOCS, **treasury_pact.DOCS, **analytics_pact.DOCS}
    with ErpFinanceClient(erp_url, "qa") as erp:
        for name, doc in docs.items():
            result = erp.validate(doc)
            assert result.valid and not result.findings, (name, result)


def test_client_posts_exactly_once_against_the_erp(erp_url: str) -> None:
    """The client's retry semantics against the real simulator: a retry with the same key
    and body returns the stored posting; the same key with another body is KeyReused."""
    first = invoice_automation_pact.invoices.invoice("IA-CLIENT-0001")
    other = invoice_automation_pact.invoices.invoice("IA-CLIENT-0002")
    key = "ia-client-test-key-0001"
    with ErpFinanceClient(erp_url, "qa") as erp:
        posted = erp.post(first, key)
        again = erp.post(first, key)
        assert not posted.replayed and again.replayed
        assert again.posting_id == posted.posting_id
        with pytest.raises(KeyReused):
            erp.post(other, key)
        assert erp.posting(posted.posting_id).status == "posted"
        entry = erp.journal_entry(str(posted.journal_entry_id))
        vat = sum((Decimal(r["taxAmount"]["amount"]) for r in first["vatBreakdown"]),
                  Decimal(0))
        assert entry.total(invoice_automation_pact.invoices.INPUT_VAT_ACCOUNT, "debit") == vat
        [payment] = erp.payments_for_invoice(first["number"])
        assert payment.status == "scheduled"
        assert payment.amount == Decimal(first["totals"]["payableAmount"]["amount"])
