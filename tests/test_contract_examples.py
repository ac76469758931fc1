"""Every operation and message in the registry has examples, and every example validates.

Examples are what adapter teams copy and what simulators serve, so this runs the product's
own example validator over the bundled form of every contract in this repository's registry.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.bundle import Bundle, bundle
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.examples import collect, validate_examples
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _catalog() -> tuple[Workspace, Catalog]:
    ws = Workspace(DirectorySource(REPO))
    return ws, Catalog(ws)


WS, CATALOG = _catalog()
ENTRIES = [e.id for e in CATALOG]
APIS = [e.id for e in CATALOG if e.meta.kind.value in ("openapi", "asyncapi")]


def _bundle(contract_id: str) -> Bundle:
    return bundle(WS, CATALOG.get(contract_id).document_path)


def test_registry_holds_the_four_contracts() -> None:
    assert {"erp-finance", "invoice-automation", "tax-engine", "finance-events"} <= set(APIS)


@pytest.mark.parametrize("contract_id", ENTRIES)
def test_every_example_validates(contract_id: str) -> None:
    b = _bundle(contract_id)
    errors = validate_examples(b)
    assert not errors, "\n".join(
        f"{e.example.pointer}{e.pointer}: {e.message}" for e in errors[:20])


def _example_pointers(b: Bundle) -> set[str]:
    return {e.pointer for e in collect(b)}


@pytest.mark.parametrize("contract_id", [c for c in APIS if CATALOG.get(c).meta.kind.value
                                         == "openapi"])
def test_every_operation_body_has_an_example(contract_id: str) -> None:
    b = _bundle(contract_id)
    have = _example_pointers(b)
    missing = []
    for path, item in b.document["paths"].items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            base = f"/paths/{jp.escape(path)}/{method}"
            bodies = []
            request = op.get("requestBody")
            if request:
                request, where = _deref(b.document, request, f"{base}/requestBody")
                bodies += [f"{where}/content/{jp.escape(m)}" for m in request["content"]]
            for status, response in op["responses"].items():
                response, where = _deref(b.document, response, f"{base}/responses/{status}")
                bodies += [f"{where}/content/{jp.escape(m)}"
                           for m in (response.get("content") or {})]
            for body in bodies:
                if not any(p.startswith(body + "/") for p in have):
                    missing.append(body)
    assert not missing, "bodies without an example:\n" + "\n".join(missing)


def _deref(doc: dict, node: dict, where: str) -> tuple[dict, str]:
    """The object and where it really lives: a shared response has its examples there."""
    while "$ref" in node:
        where = node["$ref"][1:]
        node = jp.resolve(doc, where)
    return node, where


def test_every_message_has_an_example() -> None:
    b = _bundle("finance-events")
    messages = b.document["components"]["messages"]
    assert len(messages) >= 12
    have = _example_pointers(b)
    missing = [name for name in messages
               if not any(p.startswith(f"/components/messages/{jp.escape(name)}/examples/")
                          for p in have)]
    assert not missing, missing


def test_a_wrong_example_is_caught() -> None:
    """The validator can fail: break one example and it must say where."""
    b = _bundle("erp-finance")
    examples = collect(b)
    assert examples, "erp-finance has examples"
    broken_doc = copy.deepcopy(b.document)
    target = next(e for e in examples if isinstance(e.value, dict))
    parent = jp.resolve(broken_doc, target.pointer)
    parent["unexpectedFloatAmount"] = 12.5
    errors = validate_examples(Bundle(b.root, broken_doc, b.kind, b.origins, b.files))
    assert any(e.example.pointer == target.pointer for e in errors)
