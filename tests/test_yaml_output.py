"""YAML that Ledgerpact writes reads back as the same data, by Ledgerpact's own loader (the
YAML 1.2 core schema) as by YAML 1.1 readers: a string that either would take for a number,
a boolean or null is quoted. Bundles of the registry's own contracts carried identifier
schemes such as ``0088`` plain, and came back as the number 88."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ledgerpact.registry.loader import parse
from ledgerpact.registry.output import to_yaml
from tests.cli_helpers import run

REPO = Path(__file__).resolve().parents[1]
STRINGS = ["0088", "0000000196", "1e3", "0o17", "0x1F", "+1", "-1", ".5", "1.50", "1_000",
           "null", "Null", "~", "", "true", "False", "yes", "no", "on", "off", ".inf",
           "-.Inf", ".NaN", "<<", "2026-11-25", "12:30:00", "hello", "a: b", "- x"]


@pytest.mark.parametrize("text", STRINGS)
def test_a_string_reads_back_as_the_same_string(text: str) -> None:
    written = to_yaml({"value": text, "list": [text]})
    assert parse(written, "out.yaml") == {"value": text, "list": [text]}, written
    assert yaml.safe_load(written) == {"value": text, "list": [text]}, written  # YAML 1.1


def test_other_scalars_stay_plain() -> None:
    assert to_yaml({"n": 88, "b": True, "s": "hello", "z": None}) == \
        "n: 88\nb: true\ns: hello\nz: null\n"


@pytest.mark.parametrize("contract", ["erp-finance", "invoice-automation", "finance-events"])
def test_a_yaml_bundle_validates_as_its_contract_does(contract: str, tmp_path: Path) -> None:
    out = tmp_path / f"{contract}.bundle.yaml"
    made = run("registry", "bundle", contract, "-o", out, "--registry", REPO)
    assert made.returncode == 0, made.stderr
    checked = run("registry", "validate", out, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
