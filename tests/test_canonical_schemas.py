"""Every canonical schema under contracts/schemas is a well-formed registry entry.

The generic tests discover the entry directories instead of listing them, so an object added
tomorrow is held to the same bar the day it lands: metadata, metaschema, header, resolvable
relative ``$ref``s, valid examples at every level, and money never typed as a JSON number. The
object-specific tests below them pin the rules each schema exists to enforce (a malformed
traceparent, an end-to-end id over 35 characters, an unbalanced journal entry...). Each negative
test starts from a valid example and changes one thing, so the rejection can only come from that
change. Arithmetic that JSON Schema cannot express (sums, differences) is declared in the
schemas' ``x-invariants`` and checked here on the examples with ``Decimal``.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.loader import load_file
from ledgerpact.registry.schema_store import ID_BASE, SchemaStore

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = REPO / "contracts"
SCHEMAS = CONTRACTS / "schemas"
ENTRY_DIRS = sorted(p for p in SCHEMAS.iterdir() if p.is_dir()) if SCHEMAS.is_dir() else []

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
CONTRACT_REQUIRED = (
    "id", "title", "kind", "document", "version", "description", "owners", "lifecycle",
    "compatibility",
)
CONTRACT_OPTIONAL = ("consumers",)
LIFECYCLES = {"draft", "active", "deprecated", "retired"}
COMPATIBILITIES = {
    "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
    "FULL_TRANSITIVE", "NONE",
}

# Keywords whose values are subschemas, by shape (JSON Schema 2020-12 applicators and friends).
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
SCHEMA_SINGLES = (
    "items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", "contains",
    "propertyNames", "not", "if", "then", "else", "contentSchema",
)
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Inside these, `properties` constrain values conditionally instead of declaring members.
CONDITIONAL = {"not", "if", "then", "else", "contains", "propertyNames"}

# Words that make a property name money; a trailing count/ratio word makes it not money
# (paymentDays, taxRate, discountPercentage are counts and ratios, not amounts).
MONEY_WORDS = {
    "amount", "amounts", "total", "totals", "subtotal", "price", "prices", "cost", "costs",
    "fee", "fees", "charge", "charges", "balance", "debit", "credit", "discount", "allowance",
    "surcharge", "money", "gross", "net", "tax", "vat", "remitted", "payable",
}
NOT_MONEY_TAIL = {
    "days", "count", "number", "percent", "percentage", "rate", "index", "decimals", "digits",
    "year", "period", "months", "quantity", "version", "id", "code", "date", "status",
}


def _rel(entry: Path) -> str:
    return f"schemas/{entry.name}/{entry.name}.schema.json"


def _id(entry: Path) -> str:
    return entry.name


@pytest.fixture(scope="session")
def store() -> SchemaStore:
    return SchemaStore(CONTRACTS)


def _schema(store: SchemaStore, entry: Path) -> dict[str, Any]:
    rel = _rel(entry)
    if rel not in store.schemas:
        pytest.fail(f"{entry.name}: no schema file {rel}")
    return store.schemas[rel]


def walk(schema: Any) -> Iterator[tuple[str, dict[str, Any], str | None, str | None, bool]]:
    """Every subschema: (pointer, schema, key under its parent map, that map's keyword,
    whether it sits inside a conditional). Values of non-schema keywords (examples, const,
    x-...) are never entered, so an example that happens to contain "properties" is data."""
    stack: list[tuple[Any, str, str | None, str | None, bool]] = [(schema, "", None, None, False)]
    while stack:
        node, ptr, key, keyword, conditional = stack.pop()
        if not isinstance(node, dict):
            continue  # boolean schemas
        yield ptr, node, key, keyword, conditional
        for kw in SCHEMA_MAPS:
            for name, sub in (node.get(kw) or {}).items():
                stack.append((sub, f"{ptr}/{kw}/{jp.escape(name)}", name, kw, conditional))
        for kw in SCHEMA_SINGLES:
            if kw in node:
                stack.append((node[kw], f"{ptr}/{kw}", None, kw, conditional or kw in CONDITIONAL))
        for kw in SCHEMA_LISTS:
            for index, sub in enumerate(node.get(kw) or []):
                stack.append((sub, f"{ptr}/{kw}/{index}", None, kw, conditional))


def is_money_name(name: str) -> bool:
    words = [w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[0-9]+", name)]
    if not words or words[-1] in NOT_MONEY_TAIL:
        return False
    return any(w in MONEY_WORDS for w in words)


def numeric_types(schema: Any) -> set[str]:
    """JSON number types a schema admits directly or through its own branches and items
    (``$ref``s are not followed: the referenced schema is checked where it is defined)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        types = node.get("type", [])
        found |= {t for t in ([types] if isinstance(types, str) else types)
                  if t in ("number", "integer")}
        values = [node["const"]] if "const" in node else list(node.get("enum", []))
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            found.add("number")
        for kw in SCHEMA_LISTS:
            stack.extend(node.get(kw) or [])
        for kw in ("items", "contains"):
            if kw in node:
                stack.append(node[kw])
    return found


def money_typed_as_number(schema: dict[str, Any]) -> list[str]:
    return [
        f"{ptr} ({key}: {sorted(numeric_types(sub))})"
        for ptr, sub, key, keyword, _ in walk(schema)
        if keyword == "properties" and key is not None and is_money_name(key)
        and numeric_types(sub)
    ]


def is_valid(store: SchemaStore, entry: str, instance: Any, pointer: str = "") -> bool:
    return not any(store.iter_errors(f"schemas/{entry}/{entry}.schema.json", instance, pointer))


def error_messages(store: SchemaStore, entry: str, instance: Any, pointer: str = "") -> list[str]:
    rel = f"schemas/{entry}/{entry}.schema.json"
    return [f"{e.json_path}: {e.message}" for e in store.iter_errors(rel, instance, pointer)]


def example(store: SchemaStore, entry: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(store.schemas[f"schemas/{entry}/{entry}.schema.json"]["examples"][index])


def assert_mutation_rejected(store: SchemaStore, entry: str, base: Any,
                             mutate: Callable[[Any], None], pointer: str = "") -> None:
    """The base instance is valid and the one mutation makes it invalid."""
    assert not error_messages(store, entry, base, pointer), "the base instance must be valid"
    changed = copy.deepcopy(base)
    mutate(changed)
    assert not is_valid(store, entry, changed, pointer), f"{entry}: mutation was accepted"


# --------------------------------------------------------------------------------------------
# Generic: every entry directory
# --------------------------------------------------------------------------------------------

entries = pytest.mark.parametrize("entry", ENTRY_DIRS, ids=_id)


def test_entries_are_discovered():
    assert ENTRY_DIRS, f"no canonical schema directories under {SCHEMAS}"


@entries
def test_contract_metadata(entry: Path):
    contract_path = entry / "contract.yaml"
    assert contract_path.is_file(), f"{entry.name}: contract.yaml missing"
    meta = load_file(contract_path).data
    assert isinstance(meta, dict), "contract.yaml must be a mapping"
    missing = [k for k in CONTRACT_REQUIRED if k not in meta]
    assert not missing, f"{entry.name}: contract.yaml lacks {missing}"
    unknown = sorted(set(meta) - set(CONTRACT_REQUIRED) - set(CONTRACT_OPTIONAL))
    assert not unknown, f"{entry.name}: unknown contract.yaml fields {unknown}"
    assert meta["id"] == entry.name
    assert meta["kind"] == "json-schema"
    assert isinstance(meta["version"], str) and SEMVER.match(meta["version"]), meta["version"]
    for field in ("title", "description"):
        assert isinstance(meta[field], str) and meta[field].strip(), f"{field} is empty"
    owners = meta["owners"]
    assert isinstance(owners, list) and owners, "owners must be a non-empty list"
    assert all(isinstance(o, str) and o.strip() for o in owners)
    assert meta["lifecycle"] in LIFECYCLES
    assert meta["compatibility"] in COMPATIBILITIES
    consumers = meta.get("consumers", [])
    assert isinstance(consumers, list) and all(isinstance(c, str) and c for c in consumers)
    assert meta["document"] == f"{entry.name}.schema.json"
    assert (entry / meta["document"]).is_file(), f"{entry.name}: {meta['document']} missing"


@entries
def test_schema_is_valid_2020_12(store: SchemaStore, entry: Path):
    Draft202012Validator.check_schema(_schema(store, entry))


@entries
def test_schema_header(store: SchemaStore, entry: Path):
    schema = _schema(store, entry)
    assert schema.get("$schema") == DRAFT_2020_12
    assert schema.get("$id") == ID_BASE + _rel(entry)
    for field in ("title", "description"):
        assert isinstance(schema.get(field), str) and schema[field].strip(), f"{field} missing"
    assert isinstance(schema.get("examples"), list) and schema["examples"], "root examples"


@entries
def test_refs_are_relative_and_resolve(store: SchemaStore, entry: Path):
    schema = _schema(store, entry)
    resolver = store.registry.resolver(base_uri=schema["$id"])
    problems = []
    for ptr, node, *_ in walk(schema):
        ref = node.get("$ref")
        if ref is None:
            continue
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ref):
            problems.append(f"{ptr}: absolute $ref {ref}")
            continue
        try:
            resolver.lookup(ref)
        except Unresolvable as exc:
            problems.append(f"{ptr}: $ref {ref} does not resolve ({exc})")
    assert not problems, "\n".join(problems)


@entries
def test_every_example_validates(store: SchemaStore, entry: Path):
    """Examples at the root, on every $defs entry, and on any other subschema."""
    schema = _schema(store, entry)
    rel = _rel(entry)
    failures = []
    checked = 0
    for ptr, node, _key, _kw, conditional in walk(schema):
        if conditional or "examples" not in node:
            continue
        assert isinstance(node["examples"], list), f"{ptr}/examples must be an array"
        for index, instance in enumerate(node["examples"]):
            checked += 1
            failures += [
                f"{ptr or '/'} examples[{index}] at {e.json_path}: {e.message}"
                for e in store.iter_errors(rel, instance, ptr)
            ]
    assert checked, "no examples found"
    assert not failures, "\n".join(failures)


@entries
def test_important_defs_have_examples(store: SchemaStore, entry: Path):
    """Every closed object in $defs (a complete, reusable shape) carries an example. Open
    bases meant for allOf composition are exemplified by the schemas that close them."""
    defs = _schema(store, entry).get("$defs", {})
    lacking = [name for name, d in defs.items()
               if d.get("type") == "object" and not d.get("examples")
               and (d.get("additionalProperties") is False
                    or d.get("unevaluatedProperties") is False)]
    assert not lacking, f"$defs without examples: {lacking}"


@entries
def test_money_is_never_a_json_number(store: SchemaStore, entry: Path):
    offenders = money_typed_as_number(_schema(store, entry))
    assert not offenders, "money-like properties typed as JSON numbers:\n" + "\n".join(offenders)


def test_money_detector_finds_what_it_should():
    """Guard for the check above: it must flag money typed as a number in every shape it
    can take, and must not flag counts and ratios whose names merely contain a money word."""
    bad = {
        "type": "object",
        "properties": {
            "taxAmount": {"type": "number"},
            "totals": {"type": "object", "properties": {"grossTotal": {"type": "integer"}}},
            "unitPrice": {"anyOf": [{"type": "string"}, {"type": "number"}]},
            "amounts": {"type": "array", "items": {"type": ["string", "number"]}},
            "fee": {"const": 0},
        },
        "$defs": {"Line": {"properties": {"netAmount": {"type": "number"}}}},
    }
    flagged = {line.split(" ")[0] for line in money_typed_as_number(bad)}
    assert flagged == {
        "/properties/taxAmount", "/properties/totals/properties/grossTotal",
        "/properties/unitPrice", "/properties/amounts", "/properties/fee",
        "/$defs/Line/properties/netAmount",
    }
    fine = {"properties": {
        "netDays": {"type": "integer"}, "taxRate": {"type": "number"},
        "discountPercentage": {"type": "number"}, "lineNumber": {"type": "integer"},
        "status": {"type": "integer"}, "amount": {"$ref": "../money/money.schema.json"},
    }}
    assert money_typed_as_number(fine) == []


@entries
def test_declared_properties_are_described(store: SchemaStore, entry: Path):
    """Members of declared object schemas (type: object) say what they are for. Overlays and
    conditionals that only constrain members declared elsewhere are not declarations."""
    undescribed = [
        f"{ptr}/properties/{jp.escape(name)}"
        for ptr, node, _key, _kw, conditional in walk(_schema(store, entry))
        if not conditional and node.get("type") == "object"
        for name, sub in (node.get("properties") or {}).items()
        if not (isinstance(sub, dict) and isinstance(sub.get("description"), str)
                and sub["description"].strip())
    ]
    assert not undescribed, "properties without description:\n" + "\n".join(undescribed)


@entries
def test_status_enums_say_whether_extensible(store: SchemaStore, entry: Path):
    lacking = []
    for ptr, node, key, keyword, conditional in walk(_schema(store, entry)):
        if conditional or key is None or "enum" not in node:
            continue
        named_status = (keyword == "properties" and re.search(r"(^|[a-z])(status|State|state)$",
                                                               key)) or (
            keyword == "$defs" and re.search(r"(Status|State)$", key))
        if named_status and not isinstance(node.get("x-extensible-enum"), bool):
            lacking.append(ptr)
    assert not lacking, "status enums without x-extensible-enum: " + ", ".join(lacking)


@entries
def test_root_object_declares_its_content_policy(store: SchemaStore, entry: Path):
    schema = _schema(store, entry)
    if schema.get("type") == "object":
        assert "additionalProperties" in schema or "unevaluatedProperties" in schema


@entries
def test_invariants_are_well_formed(store: SchemaStore, entry: Path):
    invariants = _schema(store, entry).get("x-invariants")
    if invariants is None:
        return
    assert isinstance(invariants, list) and invariants
    ids = [inv.get("id") for inv in invariants]
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    assert len(set(ids)) == len(ids), f"duplicate invariant ids {ids}"
    assert all(isinstance(inv.get("description"), str) and inv["description"] for inv in invariants)


# --------------------------------------------------------------------------------------------
# approval-state: the lifecycle state machine
# --------------------------------------------------------------------------------------------

def _machine(store: SchemaStore) -> dict[str, Any]:
    return store.schemas["schemas/approval-state/approval-state.schema.json"]["x-state-machine"]


def _state_names(machine: dict[str, Any]) -> list[str]:
    return [s["name"] if isinstance(s, dict) else s for s in machine["states"]]


def replay(machine: dict[str, Any], history: list[dict[str, Any]]) -> str:
    """The state a history leads to; raises ValueError at the first step the machine forbids."""
    allowed = {(t["from"], t["to"], t["event"]) for t in machine["transitions"]}
    state = machine["initial"]
    for index, step in enumerate(history):
        if step["from"] != state:
            raise ValueError(f"history[{index}] starts from {step['from']}, not {state}")
        if (step["from"], step["to"], step["event"]) not in allowed:
            raise ValueError(f"history[{index}] {step['from']}->{step['to']} on "
                             f"{step['event']} is not a transition")
        state = step["to"]
    return state


def test_state_machine_states_equal_state_enum(store: SchemaStore):
    machine = _machine(store)
    names = _state_names(machine)
    assert len(names) == len(set(names)), "duplicate states"
    schema = store.schemas["schemas/approval-state/approval-state.schema.json"]
    assert set(schema["$defs"]["State"]["enum"]) == set(names)
    required = {"received", "validated", "matched", "exception", "pending-approval", "approved",
                "rejected", "posted", "scheduled-for-payment", "paid"}
    assert required <= set(names)


def test_state_machine_transitions_use_known_states_and_events(store: SchemaStore):
    machine = _machine(store)
    names = set(_state_names(machine))
    assert machine["initial"] in names
    assert set(machine["terminal"]) <= names
    for t in machine["transitions"]:
        assert t["from"] in names and t["to"] in names, t
        assert isinstance(t["event"], str) and t["event"], t
    events = {t["event"] for t in machine["transitions"]}
    schema = store.schemas["schemas/approval-state/approval-state.schema.json"]
    assert set(schema["$defs"]["Event"]["enum"]) == events


def test_state_machine_is_deterministic(store: SchemaStore):
    pairs = [(t["from"], t["event"]) for t in _machine(store)["transitions"]]
    assert len(pairs) == len(set(pairs)), "an event leads to two states from the same state"


def test_every_state_is_reachable_from_the_initial_state(store: SchemaStore):
    machine = _machine(store)
    seen = {machine["initial"]}
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for t in machine["transitions"]:
            if t["from"] == state and t["to"] not in seen:
                seen.add(t["to"])
                queue.append(t["to"])
    assert seen == set(_state_names(machine))


def test_terminal_states_are_final_and_others_are_not(store: SchemaStore):
    machine = _machine(store)
    sources = {t["from"] for t in machine["transitions"]}
    assert not set(machine["terminal"]) & sources, "a terminal state has outgoing transitions"
    dead_ends = set(_state_names(machine)) - set(machine["terminal"]) - sources
    assert not dead_ends, f"non-terminal states without a way out: {dead_ends}"
    assert {"paid", "rejected"} <= set(machine["terminal"])


def test_expected_lifecycle_paths_exist(store: SchemaStore):
    edges = {(t["from"], t["to"]) for t in _machine(store)["transitions"]}
    for edge in [("received", "validated"), ("validated", "matched"), ("validated", "exception"),
                 ("exception", "matched"), ("exception", "rejected"),
                 ("matched", "pending-approval"), ("pending-approval", "approved"),
                 ("pending-approval", "rejected"), ("approved", "posted"),
                 ("posted", "scheduled-for-payment"), ("scheduled-for-payment", "paid")]:
        assert edge in edges, edge
    assert ("received", "paid") not in edges


def test_approval_state_examples_follow_the_machine(store: SchemaStore):
    machine = _machine(store)
    for instance in store.schemas["schemas/approval-state/approval-state.schema.json"]["examples"]:
        assert replay(machine, instance["history"]) == instance["currentState"]
        times = [step["at"] for step in instance["history"]]
        parsed = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times]
        assert parsed == sorted(parsed), "history is not chronological"


def test_replay_rejects_a_skipped_step(store: SchemaStore):
    machine = _machine(store)
    history = copy.deepcopy(example(store, "approval-state")["history"])
    history[1] = {**history[1], "from": "validated", "to": "approved", "event": "approval-granted"}
    with pytest.raises(ValueError, match="not a transition"):
        replay(machine, history)


def test_approval_state_rejects_unknown_state_and_missing_actor(store: SchemaStore):
    base = example(store, "approval-state")
    assert_mutation_rejected(store, "approval-state", base,
                             lambda d: d.update(currentState="cancelled"))
    assert_mutation_rejected(store, "approval-state", base,
                             lambda d: d["history"][0].pop("actor"))
    assert_mutation_rejected(store, "approval-state", base,
                             lambda d: d["history"][0].update(event="approve-everything"))


# --------------------------------------------------------------------------------------------
# event-envelope: CloudEvents 1.0 + W3C trace context
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("traceparent", [
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",  # upper-case hex
    "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # unknown version
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   # trace-id too short
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",     # no flags
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  # trailing data
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace-id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent-id
    "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",  # wrong separators
])
def test_malformed_traceparent_is_rejected(store: SchemaStore, traceparent: str):
    assert_mutation_rejected(store, "event-envelope", example(store, "event-envelope"),
                             lambda d: d.update(traceparent=traceparent))


@pytest.mark.parametrize(("name", "mutate"), [
    ("specversion 0.3", lambda d: d.update(specversion="0.3")),
    ("specversion as a number", lambda d: d.update(specversion=1.0)),
    ("no source", lambda d: d.pop("source")),
    ("no id", lambda d: d.pop("id")),
    ("empty type", lambda d: d.update(type="")),
    ("upper-case extension name", lambda d: d.update(correlationId="x")),
    ("extension name with underscore", lambda d: d.update(trace_id="x")),
    ("extension name over 20 chars", lambda d: d.update(abcdefghijklmnopqrstu="x")),
    ("object-valued extension", lambda d: d.update(tenant={"id": "x"})),
    ("data and data_base64", lambda d: d.update(data_base64="PGEvPg==")),
    ("relative dataschema", lambda d: d.update(dataschema="/schemas/x.json")),
    ("time without offset", lambda d: d.update(time="2024-03-15T09:21:07")),
    ("tracestate without value", lambda d: d.update(tracestate="congo")),
])
def test_invalid_envelope_is_rejected(store: SchemaStore, name: str, mutate):
    assert_mutation_rejected(store, "event-envelope", example(store, "event-envelope"), mutate)


def test_envelope_accepts_lowercase_extensions_and_binary_data(store: SchemaStore):
    envelope = example(store, "event-envelope")
    envelope["tenantid"] = "de01"
    envelope["sequence"] = 42
    assert error_messages(store, "event-envelope", envelope) == []
    binary = {k: v for k, v in envelope.items() if k != "data"} | {"data_base64": "PGEvPg=="}
    assert error_messages(store, "event-envelope", binary) == []


# --------------------------------------------------------------------------------------------
# payment: ISO 20022 vocabulary
# --------------------------------------------------------------------------------------------

def test_end_to_end_id_is_max35text(store: SchemaStore):
    payment = example(store, "payment")
    payment["endToEndId"] = "E" * 35
    assert error_messages(store, "payment", payment) == []
    assert_mutation_rejected(store, "payment", payment, lambda d: d.update(endToEndId="E" * 36))
    assert_mutation_rejected(store, "payment", payment, lambda d: d.update(endToEndId=""))


@pytest.mark.parametrize(("name", "mutate"), [
    ("status outside the set", lambda d: d.update(status="pending")),
    ("status in upper case", lambda d: d.update(status="SETTLED")),
    ("amount as a JSON number", lambda d: d["amount"].update(amount=1486.79)),
    ("zero amount", lambda d: d["amount"].update(amount="0.00")),
    ("negative amount", lambda d: d["amount"].update(amount="-1486.79")),
    ("charge bearer outside ISO codes", lambda d: d.update(chargeBearer="OUR")),
    ("instruction id over 35", lambda d: d.update(instructionId="I" * 36)),
    ("unstructured remittance over 140", lambda d: d["remittanceInformation"].update(
        unstructured=["x" * 141])),
    ("upper-case uetr", lambda d: d.update(uetr=d["uetr"].upper())),
    ("settled without value date", lambda d: d.pop("valueDate")),
    ("creditor account without IBAN or id", lambda d: d.update(
        creditorAccount={"bic": "ESSESESS"})),
    ("unknown member", lambda d: d.update(priority="HIGH")),
])
def test_invalid_payment_is_rejected(store: SchemaStore, name: str, mutate):
    assert_mutation_rejected(store, "payment", example(store, "payment"), mutate)


@pytest.mark.parametrize("status", ["failed", "returned"])
def test_failed_or_returned_payment_needs_a_reason(store: SchemaStore, status: str):
    payment = example(store, "payment", 1)  # the returned example
    payment["status"] = status
    assert error_messages(store, "payment", payment) == []
    assert_mutation_rejected(store, "payment", payment, lambda d: d.pop("statusReason"))


def test_payment_examples_remit_their_amount(store: SchemaStore):
    for payment in store.schemas["schemas/payment/payment.schema.json"]["examples"]:
        structured = payment.get("remittanceInformation", {}).get("structured")
        if structured:
            total = sum(Decimal(r["remittedAmount"]["amount"]) for r in structured)
            assert total == Decimal(payment["amount"]["amount"])
            assert {r["remittedAmount"]["currency"] for r in structured} == {
                payment["amount"]["currency"]}


# --------------------------------------------------------------------------------------------
# journal-entry: the balance invariant
# --------------------------------------------------------------------------------------------

def balance_problems(entry: dict[str, Any]) -> list[str]:
    """The x-invariants of a journal entry that JSON Schema cannot check."""
    problems = []
    sums = {"debit": Decimal(0), "credit": Decimal(0)}
    for line in entry["lines"]:
        sums[line["side"]] += Decimal(line["amount"]["amount"])
        if line["amount"]["currency"] != entry["currency"]:
            problems.append(f"line {line['lineNumber']} is not in {entry['currency']}")
    if sums["debit"] != sums["credit"]:
        problems.append(f"debits {sums['debit']} != credits {sums['credit']}")
    numbers = [line["lineNumber"] for line in entry["lines"]]
    if len(set(numbers)) != len(numbers):
        problems.append("duplicate line numbers")
    return problems


def test_journal_entry_declares_the_balance_invariant(store: SchemaStore):
    schema = store.schemas["schemas/journal-entry/journal-entry.schema.json"]
    assert "balanced" in {inv["id"] for inv in schema["x-invariants"]}
    assert "cannot" in schema["description"]  # says JSON Schema cannot sum


def test_journal_entry_examples_balance(store: SchemaStore):
    for entry in store.schemas["schemas/journal-entry/journal-entry.schema.json"]["examples"]:
        assert balance_problems(entry) == [], entry["entryId"]


def test_unbalanced_entry_passes_the_schema_but_not_the_invariant(store: SchemaStore):
    """Why x-invariants exist: the schema alone accepts an unbalanced entry."""
    entry = example(store, "journal-entry")
    entry["lines"][0]["amount"]["amount"] = "1249.41"
    assert error_messages(store, "journal-entry", entry) == []
    assert balance_problems(entry) == ["debits 1486.80 != credits 1486.79"]


@pytest.mark.parametrize(("name", "mutate"), [
    ("a single line", lambda d: d.update(lines=d["lines"][:1])),
    ("debits only", lambda d: [line.update(side="debit") for line in d["lines"]]),
    ("side outside debit/credit", lambda d: d["lines"][0].update(side="both")),
    ("negative amount", lambda d: d["lines"][0]["amount"].update(amount="-1249.40")),
    ("zero amount", lambda d: d["lines"][0]["amount"].update(amount="0.00")),
    ("amount as a JSON number", lambda d: d["lines"][0]["amount"].update(amount=1249.4)),
    ("period 17", lambda d: d["postingPeriod"].update(period=17)),
    ("status outside the set", lambda d: d.update(status="approved")),
])
def test_invalid_journal_entry_is_rejected(store: SchemaStore, name: str, mutate):
    assert_mutation_rejected(store, "journal-entry", example(store, "journal-entry"), mutate)


# --------------------------------------------------------------------------------------------
# problem: RFC 9457
# --------------------------------------------------------------------------------------------

def test_problem_names_its_media_type(store: SchemaStore):
    schema = store.schemas["schemas/problem/problem.schema.json"]
    assert "application/problem+json" in schema["description"]
    assert "RFC 9457" in schema["description"]


@pytest.mark.parametrize(("name", "mutate"), [
    ("status below 100", lambda d: d.update(status=99)),
    ("status above 599", lambda d: d.update(status=600)),
    ("status as a string", lambda d: d.update(status="422")),
    ("no title", lambda d: d.pop("title")),
    ("error without pointer", lambda d: d["errors"][0].pop("pointer")),
    ("pointer not a JSON pointer", lambda d: d["errors"][0].update(pointer="lines/0")),
    ("bad escape in pointer", lambda d: d["errors"][0].update(pointer="/a~2b")),
    ("lower-case code", lambda d: d.update(code="validation_failed")),
    ("empty errors", lambda d: d.update(errors=[])),
])
def test_invalid_problem_is_rejected(store: SchemaStore, name: str, mutate):
    assert_mutation_rejected(store, "problem", example(store, "problem"), mutate)


def test_problem_accepts_extension_members(store: SchemaStore):
    """RFC 9457 lets problem types add members and tells clients to ignore unknown ones."""
    problem = example(store, "problem") | {"balance": "30.00", "accounts": ["/account/1"]}
    assert error_messages(store, "problem", problem) == []


# --------------------------------------------------------------------------------------------
# reference-data: cost centres, GL accounts, tax codes
# --------------------------------------------------------------------------------------------

REF_DEFS = ("CostCentre", "GlAccount", "TaxCode")


def test_each_reference_data_example_is_exactly_one_kind(store: SchemaStore):
    """The root oneOf is only sound if no record validates as two kinds."""
    for instance in store.schemas["schemas/reference-data/reference-data.schema.json"]["examples"]:
        kinds = [d for d in REF_DEFS if is_valid(store, "reference-data", instance, f"/$defs/{d}")]
        assert len(kinds) == 1, (instance, kinds)


TAX = "/$defs/TaxCode"


def _tax_example(store: SchemaStore, category: str) -> dict[str, Any]:
    examples = store.schemas["schemas/reference-data/reference-data.schema.json"][
        "$defs"]["TaxCode"]["examples"]
    return copy.deepcopy(next(e for e in examples if e["category"] == category))


@pytest.mark.parametrize(("base_category", "name", "mutate"), [
    ("S", "category outside UNCL5305 subset", lambda d: d.update(category="X")),
    ("S", "standard rate of zero", lambda d: d.update(rate="0")),
    ("S", "rate as a JSON number", lambda d: d.update(rate=19)),
    ("S", "negative rate", lambda d: d.update(rate="-19")),
    ("S", "no rate", lambda d: d.pop("rate")),
    ("K", "exempt category with a rate", lambda d: d.update(rate="19")),
    ("K", "exempt without a reason", lambda d: [d.pop("exemptionReasonCode"),
                                                d.pop("exemptionReason")]),
    ("O", "out of scope with a rate", lambda d: d.update(rate="0")),
    ("O", "malformed VATEX code", lambda d: d.update(exemptionReasonCode="EU-O")),
])
def test_invalid_tax_code_is_rejected(store: SchemaStore, base_category: str, name: str, mutate):
    base = _tax_example(store, base_category)
    assert_mutation_rejected(store, "reference-data", base, mutate, TAX)


def test_invalid_gl_account_and_cost_centre_are_rejected(store: SchemaStore):
    defs = store.schemas["schemas/reference-data/reference-data.schema.json"]["$defs"]
    account = copy.deepcopy(defs["GlAccount"]["examples"][0])
    assert_mutation_rejected(store, "reference-data", account,
                             lambda d: d.update(type="income"), "/$defs/GlAccount")
    assert_mutation_rejected(store, "reference-data", account,
                             lambda d: d.update(accountNumber=400000), "/$defs/GlAccount")
    centre = copy.deepcopy(defs["CostCentre"]["examples"][0])
    assert_mutation_rejected(store, "reference-data", centre,
                             lambda d: d.update(status="closed"), "/$defs/CostCentre")


def test_tax_categories_agree_with_the_invoice(store: SchemaStore):
    invoice = store.schemas.get("schemas/invoice/invoice.schema.json")
    vat = (invoice or {}).get("$defs", {}).get("VatCategoryCode")
    if vat is None:
        pytest.skip("invoice schema has no $defs/VatCategoryCode to compare with")
    ours = store.schemas["schemas/reference-data/reference-data.schema.json"][
        "$defs"]["TaxCode"]["properties"]["category"]["enum"]
    assert set(ours) == set(vat["enum"])


# --------------------------------------------------------------------------------------------
# purchase-order and goods-receipt
# --------------------------------------------------------------------------------------------

def test_purchase_order_examples_add_up(store: SchemaStore):
    for po in store.schemas["schemas/purchase-order/purchase-order.schema.json"]["examples"]:
        net = Decimal(0)
        for line in po["lines"]:
            base = Decimal(line.get("priceBaseQuantity", {}).get("value", "1"))
            expected = (Decimal(line["quantity"]["value"]) * Decimal(line["unitPrice"]["amount"])
                        / base).quantize(Decimal("0.01"))
            assert Decimal(line["netAmount"]["amount"]) == expected, line["lineId"]
            if line.get("status") != "cancelled":
                net += Decimal(line["netAmount"]["amount"])
        totals = po["totals"]
        assert Decimal(totals["netTotal"]["amount"]) == net
        if "taxTotal" in totals and "grossTotal" in totals:
            assert Decimal(totals["grossTotal"]["amount"]) == net + Decimal(
                totals["taxTotal"]["amount"])
        revisions = [a["revision"] for a in po.get("amendments", [])]
        assert revisions == list(range(2, 2 + len(revisions)))
        assert po["revision"] == (revisions[-1] if revisions else 1)


@pytest.mark.parametrize(("name", "mutate"), [
    ("status outside the set", lambda d: d.update(status="open")),
    ("zero quantity", lambda d: d["lines"][0]["quantity"].update(value="0")),
    ("negative quantity", lambda d: d["lines"][0]["quantity"].update(value="-40")),
    ("no lines", lambda d: d.update(lines=[])),
    ("price as a JSON number", lambda d: d["lines"][0]["unitPrice"].update(amount=21.5)),
    ("amendment without changes", lambda d: d["amendments"][0].update(changes=[])),
    ("replace without previous value", lambda d: d["amendments"][0]["changes"][0].pop(
        "previousValue")),
    ("change path not a pointer", lambda d: d["amendments"][0]["changes"][0].update(
        path="lines.0.quantity")),
    ("amendment revision 1", lambda d: d["amendments"][0].update(revision=1)),
    ("supplier without number", lambda d: d.update(supplier={"name": "x"})),
])
def test_invalid_purchase_order_is_rejected(store: SchemaStore, name: str, mutate):
    assert_mutation_rejected(store, "purchase-order", example(store, "purchase-order"), mutate)


def test_goods_receipt_examples_add_up(store: SchemaStore):
    for receipt in store.schemas["schemas/goods-receipt/goods-receipt.schema.json"]["examples"]:
        for line in receipt["lines"]:
            if "acceptedQuantity" in line and "rejectedQuantity" in line:
                total = Decimal(line["acceptedQuantity"]["value"]) + Decimal(
                    line["rejectedQuantity"]["value"])
                assert total == Decimal(line["receivedQuantity"]["value"]), line["lineId"]
            units = {line[k]["unitCode"] for k in
                     ("receivedQuantity", "acceptedQuantity", "rejectedQuantity") if k in line}
            assert len(units) == 1


@pytest.mark.parametrize(("name", "mutate"), [
    ("rejected quantity without reason", lambda d: d["lines"][0].pop("rejectionReason")),
    ("posted line without accepted quantity", lambda d: d["lines"][0].pop("acceptedQuantity")),
    ("reversed without reversing document", lambda d: d.update(status="reversed")),
    ("posted with a reversing document", lambda d: d.update(reversedBy="5000099999")),
    ("negative accepted quantity", lambda d: d["lines"][0]["acceptedQuantity"].update(
        value="-1")),
    ("status outside the set", lambda d: d.update(status="received")),
    ("no receiving location", lambda d: d.pop("receivingLocation")),
])
def test_invalid_goods_receipt_is_rejected(store: SchemaStore, name: str, mutate):
    assert_mutation_rejected(store, "goods-receipt", example(store, "goods-receipt"), mutate)


def test_pending_inspection_receipt_may_lack_accepted_quantities(store: SchemaStore):
    receipt = example(store, "goods-receipt", 1)
    assert receipt["status"] == "pending-inspection"
    assert "acceptedQuantity" not in receipt["lines"][0]
    assert_mutation_rejected(store, "goods-receipt", receipt,
                             lambda d: d.update(status="posted"))


# --------------------------------------------------------------------------------------------
# match-result: 2-way / 3-way matching
# --------------------------------------------------------------------------------------------

def _num(value: Any) -> Decimal:
    return Decimal(value["amount"] if isinstance(value, dict) else value)


def variance_problems(variance: dict[str, Any], tolerance: dict[str, Any] | None) -> list[str]:
    """x-invariants difference, difference-percentage and within-tolerance for one variance."""
    problems = []
    expected, actual, difference = (_num(variance[k]) for k in ("expected", "actual", "difference"))
    if difference != actual - expected:
        problems.append(f"difference {difference} != {actual} - {expected}")
    percent = None if expected == 0 else difference / abs(expected) * 100
    if percent is None:
        if "differencePercentage" in variance:
            problems.append("differencePercentage given for a zero expectation")
    elif "differencePercentage" in variance and Decimal(
            variance["differencePercentage"]) != percent.quantize(Decimal("0.01")):
        problems.append(f"differencePercentage {variance['differencePercentage']} != {percent}")
    if not tolerance:
        within = difference == 0
    else:
        within = True
        if "absolute" in tolerance:
            within &= abs(difference) <= _num(tolerance["absolute"])
        if "percentage" in tolerance:
            within &= (difference == 0 if percent is None
                       else abs(percent) <= Decimal(tolerance["percentage"]))
    if variance["withinTolerance"] != within:
        problems.append(f"withinTolerance should be {within}")
    return problems


def test_match_result_examples_compute_correctly(store: SchemaStore):
    schema = store.schemas["schemas/match-result/match-result.schema.json"]
    for result in schema["examples"]:
        tolerances = result["tolerances"]
        problems = []
        if "amount" in result:
            problems += variance_problems(result["amount"], tolerances.get("amount"))
        for line in result["lines"]:
            dims = [d for d in ("quantity", "price", "amount") if d in line]
            for dim in dims:
                problems += [f"line {line['invoiceLineId']} {dim}: {p}"
                             for p in variance_problems(line[dim], tolerances.get(dim))]
            if dims:
                diffs = [_num(line[d]["difference"]) for d in dims]
                computed = ("matched" if all(d == 0 for d in diffs) else
                            "matched-within-tolerance"
                            if all(line[d]["withinTolerance"] for d in dims) else "exception")
                if computed == "exception" or line["outcome"] != "exception":
                    assert line["outcome"] == computed, line["invoiceLineId"]
        assert not problems, f"{result['matchId']}: {problems}"


@pytest.mark.parametrize(("index", "name", "mutate"), [
    (0, "three-way without receipts", lambda d: d.pop("goodsReceipts")),
    (1, "two-way with receipts", lambda d: d.update(goodsReceipts=["5000098765"])),
    (0, "matched while a line is within tolerance", lambda d: d.update(outcome="matched")),
    (0, "within tolerance with header exceptions", lambda d: d.update(
        exceptions=[{"code": "other", "message": "x"}])),
    (0, "within tolerance while a line is an exception", lambda d: d["lines"][0].update(
        outcome="exception", exceptionReasons=[{"code": "other", "message": "x"}])),
    (1, "exception without any reason", lambda d: [
        line.update(outcome="matched-within-tolerance") for line in d["lines"][1:]]),
    (1, "exception line without reasons", lambda d: d["lines"][0].pop("exceptionReasons")),
    (0, "matched line with reasons", lambda d: d["lines"][0].update(
        exceptionReasons=[{"code": "other", "message": "x"}])),
    (0, "non-exception line without variances", lambda d: d["lines"][0].pop("price")),
    (0, "outcome outside the set", lambda d: d.update(outcome="partially-matched")),
    (0, "negative amount tolerance", lambda d: d["tolerances"]["amount"]["absolute"].update(
        amount="-5.00")),
    (0, "empty tolerance", lambda d: d["tolerances"].update(price={})),
    (0, "quantity difference as a JSON number", lambda d: d["lines"][0]["quantity"].update(
        difference=0)),
])
def test_invalid_match_result_is_rejected(store: SchemaStore, index: int, name: str, mutate):
    assert_mutation_rejected(store, "match-result", example(store, "match-result", index), mutate)
