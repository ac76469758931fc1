"""Properties of the diff that must hold for any input (hypothesis).

- A document diffed with itself reports nothing.
- Direction is data: a schema change ``S -> S2`` in request position breaks exactly when the
  reverse change ``S2 -> S`` breaks in response position. A request breaks when the new schema
  refuses something the old accepted; a response breaks when the new schema produces something
  the old did not: the same set question, asked from the other side. The mutations below are
  the ones whose rules follow that set semantics. Property removal is deliberately absent:
  removing a response property is breaking even when it was optional (clients read the field
  whenever it is there), which is a pragmatic rule, not a set one.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerpact.governance.diff.model import Change, Level
from tests.diff_helpers import diff_files

NAMES = st.sampled_from(["amount", "currency", "supplierId", "dueDate", "status", "lines",
                         "iban", "note", "taxCode", "reference"])
WORDS = st.sampled_from(["DRAFT", "POSTED", "PAID", "VOID", "EUR", "USD", "GBP", "SEK"])


def _string() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"type": st.just("string")}, optional={
        "maxLength": st.integers(5, 50), "minLength": st.integers(0, 4),
        "enum": st.lists(WORDS, min_size=1, max_size=4, unique=True),
        "format": st.sampled_from(["date", "date-time", "uuid"]),
        "pattern": st.sampled_from(["^[A-Z]{3}$", "^[0-9]+$"]),
    })


def _number() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"type": st.sampled_from(["integer", "number"])}, optional={
        "minimum": st.integers(0, 10), "maximum": st.integers(100, 1000),
        "multipleOf": st.sampled_from([1, 2, 5]),
    })


LEAVES = st.one_of(_string(), _number(), st.just({"type": "boolean"}))


def _object(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda props, req, closed: {
            "type": "object", "properties": props,
            **({"required": sorted(n for n in props if n in req)} if
               any(n in req for n in props) else {}),
            **({"additionalProperties": False} if closed else {})},
        st.dictionaries(NAMES, children, min_size=1, max_size=4),
        st.sets(NAMES, max_size=3), st.booleans())


SCHEMAS = st.recursive(LEAVES, lambda children: st.one_of(
    _object(children),
    st.builds(lambda items, most: {"type": "array", "items": items,
                                   **({"maxItems": most} if most else {})},
              children, st.one_of(st.none(), st.integers(1, 20)))), max_leaves=8)


def _document(schema: dict[str, Any], where: str) -> dict[str, Any]:
    """A minimal OpenAPI 3.1 document using ``schema`` as a request body or a response."""
    operation: dict[str, Any] = {"operationId": "postInvoice",
                                 "responses": {"201": {"description": "created"}}}
    content = {"application/json": {"schema": schema}}
    if where == "request":
        operation["requestBody"] = {"required": True, "content": content}
    else:
        operation["responses"]["201"]["content"] = content
    return {"openapi": "3.1.0", "info": {"title": "Invoices", "version": "1.0.0"},
            "paths": {"/invoices": {"post": operation}}}


def _diff(base: dict[str, Any], revision: dict[str, Any]) -> list[Change]:
    with tempfile.TemporaryDirectory() as tmp:
        b, r = Path(tmp, "base.json"), Path(tmp, "revision.json")
        b.write_text(json.dumps(base))
        r.write_text(json.dumps(revision))
        return diff_files(b, r)


def _breaking(changes: list[Change]) -> bool:
    return any(c.level is Level.BREAKING for c in changes)


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(SCHEMAS, st.sampled_from(["request", "response"]))
def test_a_document_diffed_with_itself_reports_nothing(schema: dict[str, Any],
                                                       where: str) -> None:
    doc = _document(schema, where)
    assert _diff(doc, copy.deepcopy(doc)) == []


def _nodes(schema: dict[str, Any], path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    for name, sub in (schema.get("properties") or {}).items():
        found += _nodes(sub, (*path, "properties", name))
    if isinstance(schema.get("items"), dict):
        found += _nodes(schema["items"], (*path, "items"))
    return found


def _at(schema: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    for token in path:
        schema = schema[token]
    return schema


def _mutations(node: dict[str, Any]) -> list[str]:
    """The set-semantic mutations that apply to ``node``."""
    kind = node.get("type")
    found = ["type-to-boolean"] if kind != "boolean" else ["type-to-string"]
    if kind == "string":
        found += ["max-length-down", "max-length-up", "enum-add", "enum-drop", "pattern"]
    if kind in ("integer", "number"):
        found += ["maximum-down", "maximum-up", "integer-to-number"]
    if kind == "object":
        found += ["require-one", "close-model"]
    if kind == "array":
        found += ["max-items-down"]
    return found


def _mutate(node: dict[str, Any], how: str) -> bool:
    """Apply ``how`` in place; False when it would change nothing."""
    kind = node.get("type")
    if how == "type-to-boolean":
        node.clear()
        node["type"] = "boolean"
    elif how == "type-to-string":
        node["type"] = "string"
    elif how == "max-length-down":
        node["maxLength"] = max(node.get("minLength", 0), node.get("maxLength", 60) - 3)
    elif how == "max-length-up":
        node["maxLength"] = node.get("maxLength", 60) + 7
    elif how == "enum-add":
        values = node.setdefault("enum", ["DRAFT"])
        values.append("ZZZ")
    elif how == "enum-drop":
        values = node.get("enum")
        if not values or len(values) < 2:
            return False
        values.pop()
    elif how == "pattern":
        if "pattern" in node:
            return False
        node["pattern"] = "^[A-Z0-9]+$"
    elif how == "maximum-down":
        node["maximum"] = node.get("maximum", 2000) - 50
        node["minimum"] = min(node.get("minimum", 0), node["maximum"])
    elif how == "maximum-up":
        node["maximum"] = node.get("maximum", 2000) + 50
    elif how == "integer-to-number":
        if kind != "integer" or "multipleOf" in node:
            return False
        node["type"] = "number"
    elif how == "require-one":
        optional = [n for n in node["properties"] if n not in node.get("required", [])]
        if not optional:
            return False
        node["required"] = sorted([*node.get("required", []), optional[0]])
    elif how == "close-model":
        if node.get("additionalProperties") is False:
            return False
        node["additionalProperties"] = False
    elif how == "max-items-down":
        node["maxItems"] = max(1, node.get("maxItems", 30) - 1)
    return True


@SETTINGS
@given(SCHEMAS, st.data())
def test_request_and_response_verdicts_mirror_each_other(schema: dict[str, Any],
                                                         data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_nodes(schema)), label="node")
    how = data.draw(st.sampled_from(_mutations(_at(schema, path))), label="mutation")
    changed = copy.deepcopy(schema)
    if not _mutate(_at(changed, path), how) or changed == schema:
        return
    request = _diff(_document(schema, "request"), _document(changed, "request"))
    response = _diff(_document(changed, "response"), _document(schema, "response"))
    assert request or response, f"{how} at {path}: no change reported either way"
    assert _breaking(request) == _breaking(response), (
        how, path, [(c.rule, c.level.label) for c in request],
        [(c.rule, c.level.label) for c in response])
