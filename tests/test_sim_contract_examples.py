"""The contracts' own request examples work against a fresh simulator with default options.

QA teams copy a contract's examples as their first request. The erp-finance ``invoice``
example bills supplier V-100234 (Lieferant GmbH) on purchase order 4500012345 with goods
receipt 5000081234; the seeded world must hold exactly those (derived from the canonical
schemas' examples, so seed and contract cannot drift), each valid against its schema, while
the generated records stay as they were and a ``--data`` folder stays the user's own.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import Any

import httpx
import pytest
import yaml

from ledgerpact.generators.simulators.behaviours import contract_examples, finance_data
from ledgerpact.generators.simulators.server import build, start_in_thread
from ledgerpact.registry.errors import InputError

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer qa"}
EXAMPLE_IDS = {"suppliers": "V-100234", "purchaseOrders": "4500012345",
               "goodsReceipts": "5000081234"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return finance_data.erp_document(REPO)


def _ia_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(
        (REPO / "contracts/invoice-automation/openapi.yaml").read_text(encoding="utf-8"))
    return spec


def _ia_examples() -> dict[str, Any]:
    examples: dict[str, Any] = _ia_spec()["components"]["examples"]
    return examples


def _request_example(path: str, name: str) -> Any:
    content = _ia_spec()["paths"][path]["post"]["requestBody"]["content"]
    return content["application/json"]["examples"][name]["value"]


def _ids(items: list[dict[str, Any]], key: str) -> list[str]:
    return [str(item[finance_data.SCHEMAS[key][1]]) for item in items]


@pytest.mark.parametrize("seed", [1, 7, 4242])
def test_example_master_data_is_seeded_and_schema_valid(document: dict[str, Any],
                                                        seed: int) -> None:
    data = finance_data.reference_data(seed, document=document)
    for key, wanted in EXAMPLE_IDS.items():
        assert wanted in _ids(data[key], key), key
    for key, items in data.items():
        schema_name, _ = finance_data.SCHEMAS[key]
        validator = finance_data.schema_validator(document, schema_name)
        ids = _ids(items, key)
        assert len(ids) == len(set(ids)), f"duplicate {key}"
        for item in items:
            errors = [e.message for e in validator.iter_errors(item)]
            assert not errors, (key, item[finance_data.SCHEMAS[key][1]], errors)
    suppliers = {s["supplierNumber"] for s in data["suppliers"]}
    orders = {p["poNumber"] for p in data["purchaseOrders"]}
    codes = {t["code"] for t in data["taxCodes"]}
    for po in data["purchaseOrders"]:
        assert po["supplier"]["supplierNumber"] in suppliers, po["poNumber"]
        assert {ln["taxCode"] for ln in po["lines"]} <= codes, po["poNumber"]
    for receipt in data["goodsReceipts"]:
        assert receipt["purchaseOrder"]["poNumber"] in orders, receipt["receiptId"]
        assert receipt["supplier"]["supplierNumber"] in suppliers, receipt["receiptId"]


def test_examples_are_appended_and_leave_the_generated_world_alone(
        document: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with_examples = finance_data.reference_data(3, document=document)
    monkeypatch.setattr(contract_examples, "example_world",
                        lambda doc, existing: {k: [] for k in EXAMPLE_IDS})
    generated = finance_data.reference_data(3, document=document)
    for key in finance_data.KINDS:
        assert with_examples[key][:len(generated[key])] == generated[key], key
    added = {key: _ids(with_examples[key][len(generated[key]):], key) for key in EXAMPLE_IDS}
    assert added == {"suppliers": ["V-100234"], "purchaseOrders": ["4500012345"],
                     "goodsReceipts": ["5000081234"]}


def test_seed_follows_the_contract_examples(document: dict[str, Any]) -> None:
    """Read from the contract, not copied: the entities are the schema examples, reconciled
    only where the examples disagree or carry what the vendor simulators cannot, and an
    edited example moves the seed with it."""
    schemas = document["components"]["schemas"]
    generated = finance_data.reference_data(1, document=document)
    existing = {key: items[:-1] if key in EXAMPLE_IDS else items
                for key, items in generated.items()}
    world = contract_examples.example_world(document, existing)
    supplier = copy.deepcopy(schemas["Supplier"]["examples"][0])
    del supplier["paymentTerms"]["description"]  # no generated supplier has terms text
    seller = document["components"]["examples"]["Invoice"]["value"]["seller"]
    supplier["electronicAddress"] = seller["electronicAddress"]  # as its invoices show
    assert world["suppliers"] == [supplier]
    po, = world["purchaseOrders"]
    canonical = copy.deepcopy(schemas["PurchaseOrder"]["examples"][0])
    assert po["lines"][0]["item"] == {"buyerItemId": "MAT-1001",
                                      "name": canonical["lines"][0]["item"]["name"]}
    for member in ("poNumber", "orderDate", "currency", "status", "paymentTerms", "totals"):
        assert po[member] == canonical[member], member
    assert (po["supplier"], po["revision"], po["createdAt"], po["buyer"]) == (
        {"supplierNumber": "V-100234", "name": "Lieferant GmbH"}, 1, "2024-03-04T14:40:00Z",
        finance_data.BUYER)
    for ours, theirs in zip(po["lines"], canonical["lines"], strict=True):
        assert ours["taxCode"] == "DE-" + theirs["taxCode"]
        assert (ours["quantity"], ours["unitPrice"], ours["netAmount"], ours["costCentre"],
                ours["glAccount"]) == (theirs["quantity"], theirs["unitPrice"],
                                       theirs["netAmount"], theirs["costCentre"],
                                       theirs["glAccount"])
    receipt, = world["goodsReceipts"]
    assert [(ln["poLineId"], ln["acceptedQuantity"]["value"]) for ln in receipt["lines"]] == \
        [("10", "40"), ("20", "6")]
    assert receipt["receivingLocation"] == \
        schemas["GoodsReceipt"]["examples"][0]["receivingLocation"]

    edited = copy.deepcopy(dict(document))
    edited_schemas = edited["components"]["schemas"]
    edited_schemas["Supplier"]["examples"][0]["supplierNumber"] = "V-777777"
    invoice = edited["components"]["examples"]["Invoice"]["value"]
    invoice["goodsReceiptReference"] = "5000077777"
    for line in invoice["lines"]:
        line["goodsReceiptRef"]["receiptId"] = "5000077777"
    moved = contract_examples.example_world(edited, existing)
    assert _ids(moved["suppliers"], "suppliers") == ["V-777777"]
    assert moved["purchaseOrders"][0]["supplier"]["supplierNumber"] == "V-777777"
    assert _ids(moved["goodsReceipts"], "goodsReceipts") == ["5000077777"]


def test_examples_never_enter_user_data(document: dict[str, Any], tmp_path: Path) -> None:
    mine = finance_data.suppliers(Random("mine"))[:3]
    (tmp_path / "suppliers.json").write_text(json.dumps(mine), encoding="utf-8")
    data = finance_data.reference_data(1, tmp_path, document=document)
    assert data["suppliers"] == mine
    for key, wanted in EXAMPLE_IDS.items():
        assert wanted not in _ids(data[key], key), key
    # a folder replacing another list only: the generated suppliers get no examples either
    centres = tmp_path / "centres"
    centres.mkdir()
    (centres / "costCentres.json").write_text(json.dumps(finance_data.cost_centres()),
                                              encoding="utf-8")
    untouched = finance_data.reference_data(1, centres, document=document)
    assert "V-100234" not in _ids(untouched["suppliers"], "suppliers")
    empty = tmp_path / "empty"  # a folder with no list file at all is refused
    empty.mkdir()
    with pytest.raises(InputError, match="no data file found"):
        finance_data.reference_data(1, empty, document=document)


@pytest.fixture()
def serve() -> Iterator[Any]:
    running: list[Any] = []

    def start(target: str) -> httpx.Client:
        sim = build(target, registry=REPO, in_memory=True, seed=1)
        background = start_in_thread(sim.app)
        running.append((sim, background))
        return httpx.Client(base_url=background.url, headers=AUTH, timeout=30)

    yield start
    for sim, background in running:
        background.stop()
        sim.close()


def test_erp_invoice_example_validates_clean_and_posts(document: dict[str, Any],
                                                       serve: Any) -> None:
    erp = serve("erp")
    invoice = document["components"]["examples"]["Invoice"]["value"]
    checked = erp.post("/invoice-validations", json=invoice)
    assert checked.status_code == 200, checked.text
    assert checked.json()["valid"] is True and checked.json()["findings"] == [], checked.text
    posted = erp.post("/invoice-postings", json=invoice,
                      headers={"Idempotency-Key": "contract-example-invoice-0001"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["supplierNumber"] == "V-100234"
    # the path parameter examples of the master-data reads name seeded records
    for path in ("/suppliers/V-100234", "/purchase-orders/4500012345",
                 "/purchase-orders/4500012345/goods-receipts", "/goods-receipts/5000081234",
                 "/cost-centres/CC-4100", "/gl-accounts/400000"):
        assert erp.get(path).status_code == 200, path
    found = erp.post("/supplier-searches",
                     json={"taxRegistration": {"scheme": "VAT", "id": "DE123456789"}})
    assert found.status_code == 200, found.text
    assert [s["supplierNumber"] for s in found.json()["items"]] == ["V-100234"]


def _settled(client: httpx.Client, invoice_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        entry: dict[str, Any] = client.get(f"/invoices/{invoice_id}").json()
        if entry["state"] != "received" or time.monotonic() > deadline:
            return entry
        time.sleep(0.05)


def test_invoice_automation_examples_match_and_await_approval(serve: Any) -> None:
    """Captured, the invoice example is matched three-way and waits for approval (the
    documented getInvoice example); approving it with the ``approve`` example works."""
    ia = serve("invoice-automation")
    examples = _ia_examples()
    captured = ia.post("/invoices", json=examples["Invoice"]["value"],
                       headers={"Idempotency-Key": "contract-example-capture-0001"})
    assert captured.status_code == 201, captured.text
    entry = _settled(ia, captured.json()["invoiceId"])
    assert entry["state"] == "pending-approval", entry
    assert entry["supplierNumber"] == "V-100234"
    assert entry["openExceptionIds"] == []
    events = ia.get("/__admin/events").json()["items"]
    matched = [e["envelope"]["data"] for e in events
               if e["envelope"]["type"] == "dev.ledgerpact.invoice.matched.v1"]
    assert [(m["outcome"], m["matchType"], m["goodsReceipts"]) for m in matched] == \
        [("matched", "three-way", ["5000081234"])]
    assert ia.get("/exceptions").json()["items"] == []
    approved = ia.post(f"/invoices/{entry['invoiceId']}/approval",
                       json=_request_example("/invoices/{invoiceId}/approval", "approve"))
    assert approved.status_code == 200, approved.text
    credit = ia.post("/invoices", json=examples["CreditNote"]["value"],
                     headers={"Idempotency-Key": "contract-example-capture-0002"})
    assert credit.status_code == 201, credit.text
    assert _settled(ia, credit.json()["invoiceId"])["state"] == "pending-approval"


def test_invoice_automation_ubl_example_then_rejection_example(serve: Any) -> None:
    """The UBL rendering of the same invoice matches too (alone: after the JSON example it
    is, rightly, a duplicate); rejecting it with the ``wrongPrice`` example works."""
    ia = serve("invoice-automation")
    content = _ia_spec()["paths"]["/invoices"]["post"]["requestBody"]["content"]
    ubl = content["application/xml"]["examples"]["ublInvoice"]["value"]
    captured = ia.post("/invoices", content=ubl.encode("utf-8"),
                       headers={"Content-Type": "application/xml",
                                "Idempotency-Key": "contract-example-capture-0003"})
    assert captured.status_code == 201, captured.text
    entry = _settled(ia, captured.json()["invoiceId"])
    assert (entry["state"], entry["supplierNumber"]) == ("pending-approval", "V-100234"), entry
    rejected = ia.post(f"/invoices/{entry['invoiceId']}/rejection",
                       json=_request_example("/invoices/{invoiceId}/rejection", "wrongPrice"))
    assert rejected.status_code == 200, rejected.text


@pytest.mark.parametrize("damage", ["order reference as text", "lines as text",
                                    "invalid supplier example"])
def test_examples_of_unexpected_shape_never_stop_the_seed(document: dict[str, Any],
                                                          damage: str) -> None:
    """A registry's own erp-finance contract may hold examples of other shapes: the seed
    then goes without (or without the invalid records), and the simulator still starts."""
    edited = copy.deepcopy(document)
    invoice = edited["components"]["examples"]["Invoice"]["value"]
    supplier = edited["components"]["schemas"]["Supplier"]["examples"][0]
    if damage == "order reference as text":
        invoice["orderReference"] = "4500012345"
    elif damage == "lines as text":
        invoice["lines"] = ["not a line"]
    else:
        supplier["status"] = "not-a-status"
    data = finance_data.reference_data(1, document=edited)
    generated = finance_data.reference_data(1, document=document)
    assert len(data["suppliers"]) >= 40 and len(data["purchaseOrders"]) >= 80
    if damage == "invalid supplier example":  # left out, and what refers to it with it
        assert "V-100234" not in _ids(data["suppliers"], "suppliers")
        assert "4500012345" not in _ids(data["purchaseOrders"], "purchaseOrders")
        assert "5000081234" not in _ids(data["goodsReceipts"], "goodsReceipts")
    assert data["costCentres"] == generated["costCentres"]
