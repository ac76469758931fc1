"""The canonical Money type and the money-bearing documents built on it.

Money must never be a JSON number and must respect each currency's ISO 4217 minor unit; the
invoice and credit-note schemas must inherit those rules wherever they carry an amount.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.adapters.ubl import minor_units as mu
from ledgerpact.adapters.ubl import reconcile
from ledgerpact.registry.schema_store import SchemaStore

MONEY = "schemas/money/money.schema.json"
INVOICE = "schemas/invoice/invoice.schema.json"
CREDIT_NOTE = "schemas/credit-note/credit-note.schema.json"
MINE = ["common", "money", "party", "supplier", "invoice", "credit-note"]


@pytest.fixture(scope="module")
def store(repo_root: Path) -> SchemaStore:
    return SchemaStore(repo_root / "contracts")


def _valid(store: SchemaStore, rel: str, instance: Any, pointer: str = "") -> bool:
    return not list(store.iter_errors(rel, instance, pointer))


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("100", "JPY"),
        ("-5000", "KRW"),
        ("10.50", "EUR"),
        ("10.5", "EUR"),
        ("10", "EUR"),
        ("-25.00", "NOK"),
        ("0", "USD"),
        ("1.250", "KWD"),
        ("0.125", "BHD"),
        ("12.3456", "CLF"),
        ("1.23456789", "XAU"),
    ],
)
def test_amount_within_minor_units_is_accepted(
    store: SchemaStore, amount: str, currency: str
) -> None:
    assert _valid(store, MONEY, {"amount": amount, "currency": currency})


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("100.5", "JPY"),
        ("100.00", "JPY"),
        ("10.505", "EUR"),
        ("1.2500", "KWD"),
        ("0.001", "USD"),
        ("12.34567", "CLF"),
    ],
)
def test_amount_beyond_minor_units_is_rejected(
    store: SchemaStore, amount: str, currency: str
) -> None:
    assert not _valid(store, MONEY, {"amount": amount, "currency": currency})


@pytest.mark.parametrize(
    "amount", [10.5, 10, "1e3", "01.00", "+5", ".5", "5.", "1 000.00", "", "NaN"]
)
def test_amount_that_is_not_a_decimal_string_is_rejected(store: SchemaStore, amount: Any) -> None:
    assert not _valid(store, MONEY, {"amount": amount, "currency": "EUR"})


@pytest.mark.parametrize("currency", ["XYZ", "eur", "EURO", "", "HRK", None])
def test_unknown_or_withdrawn_currency_is_rejected(store: SchemaStore, currency: Any) -> None:
    assert not _valid(store, MONEY, {"amount": "1.00", "currency": currency})


def test_money_is_closed_and_complete(store: SchemaStore) -> None:
    assert not _valid(store, MONEY, {"amount": "1.00"})
    assert not _valid(store, MONEY, {"currency": "EUR"})
    assert not _valid(store, MONEY, {"amount": "1.00", "currency": "EUR", "fx": "1.1"})


def test_unit_price_allows_more_decimals_but_no_negatives(store: SchemaStore) -> None:
    pointer = "/$defs/UnitPrice"
    assert _valid(store, MONEY, {"amount": "0.00880", "currency": "EUR"}, pointer)
    assert _valid(store, MONEY, {"amount": "0.1234", "currency": "JPY"}, pointer)
    assert not _valid(store, MONEY, {"amount": "-1.00", "currency": "EUR"}, pointer)
    assert not _valid(store, MONEY, {"amount": 0.0088, "currency": "EUR"}, pointer)


def test_minor_unit_table_matches_the_schema(store: SchemaStore) -> None:
    """The reconciler's Python table and the schema's if/then rules must say the same thing."""
    schema = store.schemas[MONEY]
    by_decimals: dict[int, set[str]] = {}
    for rule in schema["allOf"]:
        codes = set(rule["if"]["properties"]["currency"]["enum"])
        pattern = rule["then"]["properties"]["amount"]["pattern"]
        decimals = 0 if "\\." not in pattern else int(pattern.split(",")[-1].split("}")[0])
        by_decimals[decimals] = codes
    assert by_decimals[0] == set(mu.ZERO_DECIMALS)
    assert by_decimals[3] == set(mu.THREE_DECIMALS)
    assert by_decimals[4] == set(mu.FOUR_DECIMALS)
    for code in by_decimals[2]:
        assert mu.minor_units(code) == 2, code
    all_codes = set(schema["$defs"]["CurrencyCode"]["enum"])
    unconstrained = all_codes - set().union(*by_decimals.values())
    assert all(code.startswith("X") for code in unconstrained), unconstrained


# --- documents carrying money ----------------------------------------------------------------


@pytest.fixture
def invoice(store: SchemaStore) -> dict[str, Any]:
    return copy.deepcopy(store.schemas[INVOICE]["examples"][0])


@pytest.fixture
def credit_note(store: SchemaStore) -> dict[str, Any]:
    return copy.deepcopy(store.schemas[CREDIT_NOTE]["examples"][0])


def test_document_examples_are_valid_and_reconcile(
    store: SchemaStore, invoice: dict[str, Any], credit_note: dict[str, Any]
) -> None:
    assert _valid(store, INVOICE, invoice)
    assert _valid(store, CREDIT_NOTE, credit_note)
    assert reconcile(invoice) == []
    assert reconcile(credit_note) == []


@pytest.mark.parametrize(
    "path",
    [
        ("totals", "payableAmount", "amount"),
        ("lines", 0, "netAmount", "amount"),
        ("vatBreakdown", 0, "taxAmount", "amount"),
        ("allowanceCharges", 0, "amount", "amount"),
        ("lines", 0, "price", "netPrice", "amount"),
    ],
)
def test_number_typed_amount_is_rejected(
    store: SchemaStore, invoice: dict[str, Any], credit_note: dict[str, Any], path: tuple[Any, ...]
) -> None:
    documents = [(INVOICE, invoice)]
    if path[0] in credit_note:  # the credit-note example has no document-level allowances
        documents.append((CREDIT_NOTE, credit_note))
    for rel, doc in documents:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = float(target[path[-1]])
        assert not _valid(store, rel, doc), (rel, path)


def test_document_amount_beyond_minor_units_is_rejected(
    store: SchemaStore, invoice: dict[str, Any]
) -> None:
    invoice["totals"]["payableAmount"]["amount"] = "566.255"
    assert not _valid(store, INVOICE, invoice)


def test_type_codes_separate_invoices_from_credit_notes(
    store: SchemaStore, invoice: dict[str, Any], credit_note: dict[str, Any]
) -> None:
    invoice["typeCode"] = "381"
    credit_note["typeCode"] = "380"
    assert not _valid(store, INVOICE, invoice)
    assert not _valid(store, CREDIT_NOTE, credit_note)


def test_documents_are_closed(
    store: SchemaStore, invoice: dict[str, Any], credit_note: dict[str, Any]
) -> None:
    invoice["discountedTotal"] = {"amount": "1.00", "currency": "NOK"}
    credit_note["seller"]["nickname"] = "x"
    assert not _valid(store, INVOICE, invoice)
    assert not _valid(store, CREDIT_NOTE, credit_note)


def test_document_without_lines_or_seller_is_rejected(
    store: SchemaStore, invoice: dict[str, Any]
) -> None:
    no_lines = copy.deepcopy(invoice)
    no_lines["lines"] = []
    del invoice["seller"]
    assert not _valid(store, INVOICE, no_lines)
    assert not _valid(store, INVOICE, invoice)


def test_impossible_date_is_rejected(store: SchemaStore, invoice: dict[str, Any]) -> None:
    invoice["dueDate"] = "2013-02-30"
    assert not _valid(store, INVOICE, invoice)


# --- party and supplier ----------------------------------------------------------------------


def test_supplier_status_is_a_closed_enum(store: SchemaStore) -> None:
    supplier = copy.deepcopy(store.schemas["schemas/supplier/supplier.schema.json"]["examples"][0])
    rel = "schemas/supplier/supplier.schema.json"
    assert _valid(store, rel, supplier)
    supplier["status"] = "deleted"
    assert not _valid(store, rel, supplier)
    supplier["status"] = "blocked"
    supplier["favouriteColour"] = "green"
    assert not _valid(store, rel, supplier)


def test_bank_account_needs_an_account_identifier(store: SchemaStore) -> None:
    rel, pointer = "schemas/party/party.schema.json", "/$defs/BankAccount"
    assert not _valid(store, rel, {"bic": "DEUTDEFF", "accountName": "X"}, pointer)
    assert _valid(store, rel, {"accountId": "5050-1055", "accountIdScheme": "SE:BANKGIRO"}, pointer)


# --- every example in these schemas ----------------------------------------------------------


def _examples(store: SchemaStore) -> list[tuple[str, str, Any]]:
    found = []
    for name in MINE:
        rel = f"schemas/{name}/{name}.schema.json"
        schema = store.schemas[rel]
        if name != "common":  # common has no root object, only $defs
            found += [(rel, "", example) for example in schema.get("examples", [])]
        for def_name, sub in schema.get("$defs", {}).items():
            found += [(rel, f"/$defs/{def_name}", example) for example in sub.get("examples", [])]
    return found


def test_every_example_validates(store: SchemaStore) -> None:
    examples = _examples(store)
    assert len(examples) > 20
    failures = [
        f"{rel}#{pointer}: {error.message}"
        for rel, pointer, example in examples
        for error in store.iter_errors(rel, example, pointer)
    ]
    assert failures == []
