"""Extensible and closed enums with the same values stay what their schema says (the pattern of
a reviewer's ``pay.yaml``: ``Status`` extensible, ``Closed`` closed, both ``[open, closed]``)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.models.generate import contract_from_file, generate_models
from ledgerpact.registry.cli_support import file_workspace

SPEC = """\
openapi: 3.1.0
info: {title: Enum Probe, version: 1.0.0}
paths: {}
components:
  schemas:
    Status: {type: string, enum: [open, closed], x-extensible-enum: true}
    Closed: {type: string, enum: [open, closed]}
    Holder:
      type: object
      properties:
        s: {$ref: '#/components/schemas/Status'}
        c: {$ref: '#/components/schemas/Closed'}
        inline_open: {type: string, enum: [x, y], x-extensible-enum: true}
        inline_closed: {type: string, enum: [x, y]}
        items_open: {type: array, items: {type: string, enum: [p, q], x-extensible-enum: true}}
"""


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[Any]:
    spec = tmp_path / "probe.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    ws, rel, _ = file_workspace(str(spec))
    models = generate_models(contract_from_file(ws, rel, str(spec)))
    out = tmp_path / "out"
    for name, data in models.files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(models.package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == models.package]:
            del sys.modules[name]


def test_a_closed_enum_with_an_extensible_ones_values_stays_closed(probe: Any) -> None:
    holder = probe.Holder
    assert holder.model_validate_json('{"s": "bogus"}').s == "bogus"
    with pytest.raises(ValueError):
        holder.model_validate_json('{"c": "bogus"}')
    assert holder.model_validate_json('{"inline_open": "z"}').inline_open == "z"
    with pytest.raises(ValueError):
        holder.model_validate_json('{"inline_closed": "z"}')
    assert holder.model_validate_json('{"items_open": ["r"]}').items_open == ["r"]


def test_unreported_extensible_schemas_fall_back_to_values_only_when_unambiguous() -> None:
    from ledgerpact.generators.models.postprocess import extensible_classes
    from ledgerpact.generators.models.prepare import EnumSchema

    ab, cd = frozenset({"a", "b"}), frozenset({"c", "d"})
    enums = {"/x": EnumSchema(ab, True), "/y": EnumSchema(ab, False),
             "/z": EnumSchema(cd, True), "/both1": EnumSchema(cd, True),
             "/both2": EnumSchema(ab, False)}
    names = {"/y": "Y", "/both1": "Both", "/both2": "Both"}
    by_class, by_values = extensible_classes(enums, names)
    assert by_class == set()  # "Both" came from a closed schema too: stays closed
    assert by_values == [cd]  # "/x" shares its values with a closed enum: no guess
