"""Defaults that contradict their schema's type are fixed or dropped before generation
(``defaults.py``); the Xero run under ``mypy --strict`` is in ``test_models_corpora.py``."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerpact.generators.models.prepare import prepare


def _prepared_default(schema: dict[str, Any]) -> Any:
    document = {"openapi": "3.0.3", "components": {"schemas": {"S": schema}}}
    out = prepare(document, "pkg._types").document["components"]["schemas"]["S"]
    return out.get("default", "<dropped>")


@pytest.mark.parametrize(("schema", "expected"), [
    ({"type": "boolean", "default": "false"}, False),
    ({"type": "boolean", "default": "true"}, True),
    ({"type": "boolean", "default": False}, False),
    ({"type": "number", "default": "12.5"}, 12.5),
    ({"type": "number", "default": "400"}, 400),
    ({"type": "integer", "default": "120"}, 120),
    ({"type": "string", "default": "000"}, "000"),
    ({"type": ["boolean", "null"], "default": None}, None),
    ({"type": "boolean", "nullable": True, "default": None}, None),
    ({"type": "boolean", "default": "yes"}, "<dropped>"),
    ({"type": "integer", "default": "12.5"}, "<dropped>"),
    ({"type": "string", "default": 3}, "<dropped>"),
    ({"type": "string", "enum": ["A", "B"], "default": "C"}, "<dropped>"),
    ({"$ref": "#/components/schemas/T", "default": "anything"}, "anything"),  # not judged
])
def test_defaults_fit_their_schema(schema: dict[str, Any], expected: Any) -> None:
    got = _prepared_default(schema)
    assert got == expected and type(got) is type(expected)


def test_the_contract_document_is_not_modified() -> None:
    schema = {"type": "boolean", "default": "false"}
    prepare({"components": {"schemas": {"S": schema}}}, "pkg._types")
    assert schema["default"] == "false"
