"""The master data the erp-finance contract's own examples refer to, derived from them.

QA teams start from the examples a contract documents: they POST the ``invoice`` request
example and expect it to validate clean. That invoice bills supplier Lieferant GmbH on
purchase order 4500012345 with goods receipt 5000081234; the supplier and the order are the
canonical schemas' own ``examples``. Instead of copying those values into the seed (where
they would drift from the contract), they are read from the bundled contract at start-up
and appended to the generated world, reconciled where the examples disagree with each other
or with the rest of the simulated estate:

* an example order belongs to the supplier the contract's invoice examples bill it as (the
  PurchaseOrder example names a supplier number no Supplier example has), and that supplier
  gets the electronic address its invoices show when its example has none (every supplier
  of this ERP has one);
* it is placed by this ERP's company and delivered to it (``finance_data.BUYER``), like every
  generated order: the example's buyer carries the seller's VAT number;
* its lines' tax codes take the seed's ``<country>-<code>`` form (``V1`` -> ``DE-V1``), the
  form the seeded tax codes and the vendor simulators' conversions use;
* a receipt an invoice example references is derived from the invoice lines that reference
  it (what was invoiced was received and accepted), located like the order's own
  GoodsReceipt example. The GoodsReceipt examples themselves are not seeded: no contract
  example refers to them, with the invoice's receipt they would receive line 10 twice, and
  the vendor ERPs hold no receipt pending inspection;
* every entity keeps only the members the generated records of its kind use, with
  date-times in UTC: the SAP and NetSuite simulators are converted from this same world and
  answer through adapters that must agree with the canonical ERP record for record, and
  members their native forms do not carry (an order's amendments, a supplier's terms text)
  would make them disagree. An order that loses its amendments is revision 1, the
  contract's invariant for an order without amendments.

Only identifiers the generated world does not already use are added, so the generated data
(and every test pinned on it) stays exactly as before; only the lists grow at the end.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from typing import Any

from ledgerpact.generators.simulators.behaviours import erp_rules, finance_data
from ledgerpact.registry import pointer as jp

Shape = set[tuple[str, ...]]

_DEFAULT_LOCATION: dict[str, str] = {"locationId": "KOE-WH1", "name": "Köln warehouse, gate 3"}


def _schema_examples(document: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    schema = document.get("components", {}).get("schemas", {}).get(name, {})
    found = schema.get("examples", []) if isinstance(schema, Mapping) else []
    return [copy.deepcopy(item) for item in found if isinstance(item, dict)]


def shape_of(items: Iterable[Any]) -> Shape:
    """Every member path (list positions as ``*``) the given records use."""
    paths: Shape = set()

    def walk(node: Any, prefix: tuple[str, ...]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                paths.add((*prefix, key))
                walk(value, (*prefix, key))
        elif isinstance(node, list):
            for value in node:
                walk(value, (*prefix, "*"))

    for item in items:
        walk(item, ())
    return paths


def project(node: Any, shape: Shape, prefix: tuple[str, ...] = ()) -> Any:
    """``node`` without the members outside ``shape`` (unchanged when shape is empty)."""
    if not shape:
        return node
    if isinstance(node, Mapping):
        return {key: project(value, shape, (*prefix, key)) for key, value in node.items()
                if (*prefix, key) in shape}
    if isinstance(node, list):
        return [project(value, shape, (*prefix, "*")) for value in node]
    return node


def _utc(text: Any) -> Any:
    """An RFC 3339 date-time in UTC with ``Z``, as the generated records and the vendor
    simulators' conversions write it (other values unchanged)."""
    moment = erp_rules.instant(text) if isinstance(text, str) else None
    if moment is None:
        return text
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    """A local ``$ref`` (``#/components/examples/Invoice``) followed to what it names."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 16:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return None
        try:
            node, seen = jp.resolve(document, ref[1:]), seen + 1
        except (KeyError, ValueError):
            return None
    return node


def invoice_examples(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every request-body example of the contract that is an invoice document (has a seller
    and lines), in document order, each once."""
    seen: list[Any] = []
    for item in document.get("paths", {}).values():
        if not isinstance(item, Mapping):
            continue
        for operation in item.values():
            body = _resolve(document, operation.get("requestBody")) \
                if isinstance(operation, Mapping) else None
            if not isinstance(body, Mapping):
                continue
            for media in body.get("content", {}).values():
                examples = list(media.get("examples", {}).values())
                if "example" in media:
                    examples.append({"value": media["example"]})
                for example in examples:
                    value = (_resolve(document, example) or {}).get("value")
                    if (isinstance(value, dict) and isinstance(value.get("seller"), dict)
                            and isinstance(value.get("lines"), list) and value not in seen):
                        seen.append(value)
                        yield value


def _supplier_ref(supplier: Mapping[str, Any]) -> dict[str, str]:
    return {"supplierNumber": str(supplier["supplierNumber"]), "name": str(supplier["name"])}


def _owner(po: Mapping[str, Any], suppliers: list[dict[str, Any]],
           billed_by: Mapping[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The supplier of an example order: the one the invoice examples bill it as, else one
    whose supplier number or ERP id is the order's supplier number (ignoring leading
    zeros and a ``V-`` prefix)."""
    if po.get("poNumber") in billed_by:
        return billed_by[str(po["poNumber"])]
    wanted = str(po.get("supplier", {}).get("supplierNumber", ""))

    def bare(text: Any) -> str:
        return str(text).removeprefix("V-").lstrip("0")

    for supplier in suppliers:
        ids = [supplier.get("supplierNumber"), *(e.get("id") for e in
                                                 supplier.get("externalIds", []))]
        if wanted and any(bare(i) == bare(wanted) for i in ids if i):
            return supplier
    return None


def _seed_tax_code(code: Any, country: str | None, known: set[str]) -> Any:
    """``V1`` of a German supplier's order as the seed's ``DE-V1`` (unchanged when it is a
    seeded code already or no seeded code has that name)."""
    if not isinstance(code, str) or code in known or country is None:
        return code
    return f"{country}-{code}" if f"{country}-{code}" in known else code


def _receipt_lines(receipt_id: str, invoice: Mapping[str, Any], po: Mapping[str, Any]
                   ) -> list[dict[str, Any]]:
    """The receipt lines an invoice example claims for ``receipt_id``: every invoiced
    quantity received and accepted, on the order line the invoice line references."""
    header = str(invoice.get("goodsReceiptReference") or "")
    po_lines = {str(ln.get("lineId")): ln for ln in po.get("lines", [])}
    out: list[dict[str, Any]] = []
    for line in invoice.get("lines", []):
        ref = line.get("goodsReceiptRef") or {}
        if str(ref.get("receiptId") or header) != receipt_id:
            continue
        po_line = po_lines.get(str((line.get("purchaseOrderLineRef") or {}).get("lineId")))
        quantity = line.get("quantity") or {}
        if po_line is None or "value" not in quantity:
            continue
        unit = str(quantity.get("unitCode") or po_line["quantity"]["unitCode"])
        out.append({"lineId": str(ref.get("lineId") or len(out) + 1),
                    "poLineId": str(po_line["lineId"]),
                    "receivedQuantity": {"value": str(quantity["value"]), "unitCode": unit},
                    "acceptedQuantity": {"value": str(quantity["value"]), "unitCode": unit},
                    "rejectedQuantity": {"value": "0", "unitCode": unit}})
    return out


def _derived_receipt(receipt_id: str, invoice: Mapping[str, Any], po: Mapping[str, Any],
                     template: Mapping[str, Any] | None) -> dict[str, Any] | None:
    lines = _receipt_lines(receipt_id, invoice, po)
    if not lines:
        return None
    delivered = sorted(str(ln["deliveryDate"]) for ln in po.get("lines", [])
                       if ln.get("deliveryDate")
                       and str(ln["lineId"]) in {gl["poLineId"] for gl in lines})
    issued = str(invoice.get("issueDate") or "")
    received = delivered[-1] if delivered else str(po.get("orderDate"))
    if issued and received > issued:  # received no later than it was invoiced
        received = issued
    receipt: dict[str, Any] = {
        "receiptId": receipt_id,
        "purchaseOrder": {"poNumber": po["poNumber"], "revision": po.get("revision", 1)},
        "supplier": dict(po["supplier"]),
        "receivedDate": received,
        "receivedAt": f"{received}T10:42:00Z",
        "receivingLocation": copy.deepcopy((template or {}).get("receivingLocation")
                                           or _DEFAULT_LOCATION),
        "status": "posted",
        "lines": lines,
        "externalIds": [{"system": "sap-s4", "id": receipt_id, "objectType": "MKPF"}],
    }
    if template is not None and template.get("receivedBy"):
        receipt["receivedBy"] = template["receivedBy"]
    return receipt


def example_world(document: Mapping[str, Any], existing: Mapping[str, list[dict[str, Any]]]
                  ) -> dict[str, list[dict[str, Any]]]:
    """Suppliers, purchase orders and goods receipts to append to ``existing`` (the
    generated lists) so that the contract's examples find what they refer to."""
    taken = {key: {str(item.get(member)) for item in existing.get(key, [])}
             for key, member in (("suppliers", "supplierNumber"),
                                 ("purchaseOrders", "poNumber"),
                                 ("goodsReceipts", "receiptId"))}
    shapes = {key: shape_of(existing.get(key, [])) for key in taken}
    suppliers = [project(s, shapes["suppliers"]) for s in _schema_examples(document, "Supplier")
                 if s.get("supplierNumber") and s["supplierNumber"] not in taken["suppliers"]]
    invoices = list(invoice_examples(document))
    billed_by: dict[str, dict[str, Any]] = {}
    for invoice in invoices:
        seller = invoice["seller"]
        supplier = next((s for s in suppliers
                         if erp_rules.find_supplier(seller, [s]) is not None), None)
        if supplier is None:
            continue
        address = seller.get("electronicAddress")
        if "electronicAddress" not in supplier and isinstance(address, Mapping):
            # the Peppol address the supplier's own invoices show (every supplier has one)
            supplier["electronicAddress"] = copy.deepcopy(dict(address))
        for number in erp_rules.order_references(invoice):
            billed_by.setdefault(number, supplier)
    known_codes = {str(t.get("code")) for t in existing.get("taxCodes", [])}
    orders: list[dict[str, Any]] = []
    for example in _schema_examples(document, "PurchaseOrder"):
        owner = _owner(example, suppliers, billed_by)
        if owner is None or not example.get("poNumber") \
                or example["poNumber"] in taken["purchaseOrders"]:
            continue
        po: dict[str, Any] = project(example, shapes["purchaseOrders"])
        po["supplier"] = _supplier_ref(owner)
        po["buyer"] = copy.deepcopy(finance_data.BUYER)
        if "deliveryAddress" in po:
            po["deliveryAddress"] = {"purpose": "delivery",
                                     **copy.deepcopy(finance_data.BUYER["postalAddress"])}
        if not po.get("amendments"):
            po.pop("amendments", None)
            po["revision"] = 1
        if "createdAt" in po:
            po["createdAt"] = _utc(po["createdAt"])
        country = owner.get("postalAddress", {}).get("countryCode")
        for line in po.get("lines", []):
            if "taxCode" in line:
                line["taxCode"] = _seed_tax_code(line["taxCode"], country, known_codes)
        orders.append(po)
    by_number = {po["poNumber"]: po for po in orders}
    templates = _schema_examples(document, "GoodsReceipt")
    receipts: list[dict[str, Any]] = []
    for invoice in invoices:
        wanted = [str(invoice["goodsReceiptReference"])] \
            if invoice.get("goodsReceiptReference") else []
        wanted += [str(ln["goodsReceiptRef"]["receiptId"]) for ln in invoice.get("lines", [])
                   if (ln.get("goodsReceiptRef") or {}).get("receiptId")]
        billed = by_number.get(str(invoice.get("orderReference", {}).get("id")))
        for receipt_id in dict.fromkeys(wanted):
            if billed is None or receipt_id in taken["goodsReceipts"] \
                    or any(r["receiptId"] == receipt_id for r in receipts):
                continue
            template = next((r for r in templates if r.get("purchaseOrder", {})
                             .get("poNumber") == billed["poNumber"]), None)
            derived = _derived_receipt(receipt_id, invoice, billed, template)
            if derived is not None:
                receipts.append(project(derived, shapes["goodsReceipts"]))
    return {"suppliers": suppliers, "purchaseOrders": orders, "goodsReceipts": receipts}
