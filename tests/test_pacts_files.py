"""The consumers' pact files in the registry: published, current, loadable and within the
contracts.

- The committed files under ``pacts/`` must equal freshly recorded ones (tool versions in the
  metadata aside): a consumer change that is not republished fails here. Republish with
  ``LEDGERPACT_WRITE_PACTS=1 .venv/bin/pytest tests/test_pacts_invoice_automation.py
  tests/test_pacts_treasury.py tests/test_pacts_analytics.py``.
- They must load through the registry's own ``load_pacts`` (layout and names).
- Specmatic-style conformance: every HTTP interaction against erp-finance (path, method,
  credentials, request body, documented status, response body and headers) and every message
  against its finance-events payload schema (``tests/consumers/conformance.py``).
- Only the fixed provider states (issue 8) with their fixed parameters are used.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.governance.deploy.records import load_pacts, pact_path
from ledgerpact.registry.repository import Registry
from tests.consumers import conformance, pacting

CONSUMERS = {"invoice-automation": "erp-finance", "treasury": "finance-events",
             "analytics": "finance-events"}
STATES: dict[str, set[str]] = {
    "a supplier has a status": {"supplierNumber", "status"},
    "a supplier does not exist": {"supplierNumber"},
    "an invoice is posted": {"idempotencyKey", "invoice"},
    "a payment has a status": {"idempotencyKey", "invoice", "status"},
}
STATUSES = {"a supplier has a status": {"active", "blocked", "pending"},
            "a payment has a status": {"scheduled", "released", "settled", "failed"}}
REPUBLISH = ("republish with LEDGERPACT_WRITE_PACTS=1 .venv/bin/pytest "
             "tests/test_pacts_invoice_automation.py tests/test_pacts_treasury.py "
             "tests/test_pacts_analytics.py")


def _committed(repo_root: Path, consumer: str) -> dict[str, Any]:
    path = pacting.registry_path(consumer, CONSUMERS[consumer], repo_root)
    assert path.is_file(), f"{path} is missing; {REPUBLISH}"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_committed_pact_equals_the_recorded_one(repo_root: Path, consumer: str) -> None:
    run = pacting.recorded(consumer)
    assert all(result is None for result in run.results.values()), run.results
    fresh = pacting.comparable(json.loads(run.path.read_text(encoding="utf-8")))
    committed = pacting.comparable(_committed(repo_root, consumer))
    assert committed == fresh, f"pacts/{consumer} is stale; {REPUBLISH}"


def test_comparison_ignores_tool_versions_only() -> None:
    pact = {"consumer": {"name": "a"}, "interactions": [{"description": "x"}],
            "metadata": {"pactRust": {"ffi": "0.5"}, "pactSpecification": {"version": "4.0"}}}
    newer = copy.deepcopy(pact)
    newer["metadata"]["pactRust"] = {"ffi": "9.9"}
    assert pacting.comparable(pact) == pacting.comparable(newer)
    changed = copy.deepcopy(pact)
    changed["interactions"][0]["description"] = "y"
    assert pacting.comparable(pact) != pacting.comparable(changed)


def test_pacts_load_through_the_registry(repo_root: Path) -> None:
    pacts = load_pacts(Registry.open(repo_root).workspace(None))
    found = {(p.consumer, p.consumer_version, p.provider): p for p in pacts}
    for consumer, provider in CONSUMERS.items():
        pact = found[(consumer, pacting.CONSUMER_VERSION, provider)]
        assert pact.path == pact_path(consumer, pacting.CONSUMER_VERSION, provider)
        assert len(pact.sha256) == 64


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_pact_is_v4_between_the_right_names(repo_root: Path, consumer: str) -> None:
    pact = _committed(repo_root, consumer)
    assert pact["consumer"]["name"] == consumer
    assert pact["provider"]["name"] == CONSUMERS[consumer]
    assert pact["metadata"]["pactSpecification"]["version"] == "4.0"


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_only_the_fixed_provider_states_are_used(repo_root: Path, consumer: str) -> None:
    for interaction in _committed(repo_root, consumer)["interactions"]:
        states = interaction.get("providerStates", [])
        assert states, f"{interaction['description']}: no provider state"
        for state in states:
            assert state["name"] in STATES, f"{interaction['description']}: {state['name']}"
            assert set(state.get("params", {})) == STATES[state["name"]], state
            if state["name"] in STATUSES:
                assert state["params"]["status"] in STATUSES[state["name"]]


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_pact_conforms_to_the_contracts(repo_root: Path, consumer: str) -> None:
    found = list(conformance.violations(_committed(repo_root, consumer), repo_root))
    assert found == []


@pytest.mark.parametrize("consumer", ["analytics", "treasury"])
def test_message_bodies_are_valid_finance_events(repo_root: Path, consumer: str) -> None:
    events = conformance.finance_events(repo_root)
    for interaction in _committed(repo_root, consumer)["interactions"]:
        body = interaction["contents"]["content"]
        assert events.validate(body) == [], interaction["description"]
        spec = events.message(interaction["metadata"]["message"])
        assert body["type"] == spec.event_type


# --- the conformance check can fail ---------------------------------------------------------

def _interaction(repo_root: Path, description: str) -> dict[str, Any]:
    pact = _committed(repo_root, "invoice-automation")
    return copy.deepcopy(next(i for i in pact["interactions"]
                              if i["description"] == description))


POST = "a posting of a clean invoice with an idempotency key"
STATUS = "a status request for a supplier who is blocked"


def _breakages() -> list[tuple[str, str, Any, str]]:
    def path(i: dict[str, Any]) -> None:
        i["request"]["path"] = "/suppliers/V-100001/statuses"

    def method(i: dict[str, Any]) -> None:
        i["request"]["method"] = "DELETE"

    def status(i: dict[str, Any]) -> None:
        i["response"]["status"] = 418

    def unknown_status_value(i: dict[str, Any]) -> None:
        i["response"]["body"]["content"]["status"] = "suspended"

    def no_credentials(i: dict[str, Any]) -> None:
        del i["request"]["headers"]["Authorization"]

    def missing_field(i: dict[str, Any]) -> None:
        del i["response"]["body"]["content"]["postingId"]

    def extra_field(i: dict[str, Any]) -> None:
        i["response"]["body"]["content"]["vatBreakdownTotal"] = "1.00"

    def bad_request_body(i: dict[str, Any]) -> None:
        del i["request"]["body"]["content"]["currency"]

    return [(STATUS, "path", path, "matches no path"),
            (STATUS, "method", method, "is not an operation"),
            (STATUS, "status", status, "status 418 is not documented"),
            (STATUS, "enum", unknown_status_value, "response body /status"),
            (STATUS, "credentials", no_credentials, "requires credentials"),
            (POST, "required", missing_field, "response body"),
            (POST, "additional", extra_field, "response body"),
            (POST, "request body", bad_request_body, "request body")]


@pytest.mark.parametrize(("description", "what", "break_it", "expected"), _breakages(),
                         ids=[b[1] for b in _breakages()])
def test_conformance_flags_what_the_contract_does_not_offer(
        repo_root: Path, description: str, what: str, break_it: Any, expected: str) -> None:
    interaction = _interaction(repo_root, description)
    assert conformance.http_violations(interaction, conformance.erp_finance(repo_root)) == []
    break_it(interaction)
    found = conformance.http_violations(interaction, conformance.erp_finance(repo_root))
    assert any(expected in v for v in found), found


def test_conformance_flags_a_message_off_its_schema(repo_root: Path) -> None:
    pact = _committed(repo_root, "treasury")
    interaction = copy.deepcopy(pact["interactions"][0])
    events = conformance.finance_events(repo_root)
    assert conformance.message_violations(interaction, events) == []
    wrong_name = copy.deepcopy(interaction)
    wrong_name["metadata"]["message"] = "invoiceTeleported"
    assert any("unknown finance-events message" in v
               for v in conformance.message_violations(wrong_name, events))
    money_as_number = copy.deepcopy(interaction)
    money_as_number["contents"]["content"]["data"]["amount"] = {"amount": 1.5,
                                                                "currency": "EUR"}
    assert any("body /data" in v
               for v in conformance.message_violations(money_as_number, events))
    other_type = copy.deepcopy(interaction)
    other_type["metadata"]["message"] = "paymentSettled"
    assert any("/type" in v for v in conformance.message_violations(other_type, events))
