"""Models from two real vendor specifications: Xero Accounting 3.0.2 (1.2 MB of YAML) and
Stripe (4.2 MB of JSON, about 1,200 schemas) generate, import and hold Decimal money.

Each test prints its generation time (``pytest -s`` shows it): Stripe's is the slow one, a
few seconds, which is why it is the only model test that generates a whole vendor API.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.models.generate import contract_from_file, generate_models
from ledgerpact.registry.cli_support import file_workspace


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))


def _generate_and_import(spec: Path, out: Path) -> tuple[Any, dict[str, str], float]:
    started = time.perf_counter()
    ws, rel, _ = file_workspace(str(spec))
    models = generate_models(contract_from_file(ws, rel, str(spec)))
    seconds = time.perf_counter() - started
    for name, data in models.files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    importlib.invalidate_caches()
    module = importlib.import_module(models.package)
    print(f"\n{spec.name}: generated {len(models.schema_names)} types in {seconds:.2f} s "
          f"(total with import {time.perf_counter() - started:.2f} s)")
    return module, models.schema_names, seconds


def test_xero_accounting_models_generate_and_import(corpora: Path, on_path: Path) -> None:
    xero, names, seconds = _generate_and_import(
        corpora / "xero" / "xero_accounting-3.0.2.yaml", on_path)
    assert names["/components/schemas/Invoice"] == "Invoice"
    invoice = xero.Invoice.model_validate_json(
        '{"Type": "ACCREC", "Total": 1234.56, "LineItems": [{"UnitAmount": 19.99}]}')
    assert type(invoice.Total) is Decimal and invoice.Total == Decimal("1234.56")
    assert invoice.LineItems[0].UnitAmount == Decimal("19.99")
    assert seconds < 60


def test_stripe_models_generate_and_import(corpora: Path, on_path: Path) -> None:
    stripe, names, seconds = _generate_and_import(
        corpora / "stripe" / "spec3-2022-04-12.json", on_path)
    assert len(names) > 1000
    # The inline ``charge`` id property of another schema took the name Charge first; the
    # component is found through the generator's own record of where each class came from.
    charge = getattr(stripe, names["/components/schemas/charge"])
    assert {"amount", "currency", "customer"} <= set(charge.model_fields)
    assert charge.model_fields["amount"].annotation is int  # integer cents stay int
    price = getattr(stripe, names["/components/schemas/price"]).model_validate(
        {"id": "price_1", "object": "price", "active": True, "billing_scheme": "per_unit",
         "created": 1, "currency": "eur", "livemode": False, "metadata": {},
         "product": "prod_1", "tax_behavior": "exclusive", "type": "one_time",
         "unit_amount_decimal": "0.0875"})
    assert price.unit_amount_decimal == Decimal("0.0875")  # format: decimal -> Decimal
    assert seconds < 120


def test_xero_models_pass_mypy_strict(corpora: Path, on_path: Path) -> None:
    """Xero writes ``default: "false"`` on booleans; generated as is, the field's default was
    a truthy string and mypy --strict found 23 errors."""
    xero, _, _ = _generate_and_import(corpora / "xero" / "xero_accounting-3.0.2.yaml", on_path)
    assert xero.Account.model_fields["HasAttachments"].default is False
    assert xero.Account().HasAttachments is False
    package = on_path / xero.__name__
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir",
         str(on_path / ".mypy_cache"), str(package)],
        cwd=on_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
