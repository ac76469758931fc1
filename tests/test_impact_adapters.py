"""``ledgerpact impact`` lists the adapters that declare what they provide: from their
``adapter.yaml`` (``provides``, the vendor contract) and from ``contract.yaml`` ``providers``,
for the contract and for every contract that uses it, with the chain; on this repository's
own registry and on real Git repositories built in temp dirs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ledgerpact.registry.impact import dependents
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import commit_all, init_repo, run
from tests.conftest import REPO

MONEY = "contracts/schemas/money/money.schema.json"
AMOUNT = "contracts/schemas/amount/amount.schema.json"
BILL = "contracts/schemas/bill/bill.schema.json"


def _impact(target: str, registry: Path) -> dict[str, Any]:
    result = run("impact", target, "--registry", registry, "--format", "json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _adapters(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["adapter"]: a for a in data["adapters"]}


def _declared_providers(contract_id: str) -> dict[str, str]:
    """adapters/<folder> -> adapter name, for every manifest of this repository that
    provides ``contract_id`` or that the contract's ``providers`` names (the oracle)."""
    meta = yaml.safe_load((REPO / "contracts" / contract_id / "contract.yaml").read_text())
    found = {}
    for path in sorted((REPO / "adapters").glob("*/adapter.yaml")):
        manifest = yaml.safe_load(path.read_text())
        if contract_id in manifest["provides"] or manifest["name"] in meta["providers"]:
            found[f"adapters/{path.parent.name}"] = manifest["name"]
    assert set(found.values()) == set(meta["providers"])
    return found


# -- this repository's registry ---------------------------------------------------------------


@pytest.mark.parametrize("contract_id", ["erp-finance", "finance-events"])
def test_a_contract_lists_the_adapters_that_provide_it(contract_id: str) -> None:
    expected = _declared_providers(contract_id)
    assert expected, "the repository registers providers for this contract"
    adapters = _adapters(_impact(contract_id, REPO))
    for folder, name in expected.items():
        assert adapters[folder]["contracts"] == [contract_id]
        assert adapters[folder]["reasons"] == [f"{name} provides {contract_id}"]
    text = run("impact", contract_id, "--registry", REPO)
    assert text.returncode == 0, text.stderr
    assert f"{len(adapters)} adapter" in text.stdout and "0 adapters." not in text.stdout
    for folder, name in expected.items():
        assert re.search(rf"^  {folder} +{contract_id}$", text.stdout, re.M)
        assert f"\n    - {name} provides {contract_id}\n" in text.stdout


def test_money_reaches_the_adapters_of_the_contracts_that_use_it() -> None:
    data = _impact("money", REPO)
    via = {c["id"]: c["via"] for c in data["contracts"]}
    assert "erp-finance" in via and "finance-events" in via
    adapters = _adapters(data)

    def which(contract_id: str) -> str:
        middle = via[contract_id][1:-1]
        return (f"which $refs {MONEY} directly" if not middle
                else f"which uses {MONEY} through {' -> '.join(middle)}")

    for folder, name in _declared_providers("erp-finance").items():
        assert "erp-finance" in adapters[folder]["contracts"]
        assert f"{name} provides erp-finance, {which('erp-finance')}" \
            in adapters[folder]["reasons"]
    for folder, name in _declared_providers("finance-events").items():
        assert f"{name} provides finance-events, {which('finance-events')}" \
            in adapters[folder]["reasons"]
    # the text search still finds code that references Money's folder directly
    assert adapters["adapters/ubl"]["contracts"][0] == "money"
    assert adapters["adapters/ubl"]["reasons"][0].startswith("its code names money (adapters/")
    md = run("impact", "money", "--registry", REPO, "--format", "markdown")
    assert md.returncode == 0, md.stderr
    assert re.search(r"^\| adapters/sap\\_s4hana \| [^|]*erp-finance[^|]* \| "
                     r"[^|]*sap-s4hana-adapter provides erp-finance, which uses ", md.stdout,
                     re.M)


def test_a_vendor_contract_lists_the_adapter_that_speaks_it() -> None:
    manifest = yaml.safe_load((REPO / "adapters/sap_s4hana/adapter.yaml").read_text())
    vendor = manifest["vendor"]["contract"]
    adapters = _adapters(_impact(vendor, REPO))
    assert adapters["adapters/sap_s4hana"]["reasons"] == [
        f"{manifest['name']} speaks {vendor}, its vendor contract"]


# -- registries built in temp dirs ------------------------------------------------------------


def _contract(root: Path, folder: str, kind: str, document: str, body: dict[str, Any],
              **extra: Any) -> None:
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / document).write_text(json.dumps(body) if document.endswith(".json")
                                 else yaml.safe_dump(body, sort_keys=False))
    meta = {"id": path.name, "title": path.name.title(), "kind": kind, "document": document,
            "owners": ["@test/owners"], "lifecycle": "active", "compatibility": "BACKWARD",
            **extra}
    (path / "contract.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))


def _adapter(root: Path, folder: str, name: str, provides: list[str], vendor: str) -> None:
    path = root / "adapters" / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "__init__.py").write_text('"""An adapter."""\n')
    package = f"ledgerpact.adapters.{folder}"
    (path / "adapter.yaml").write_text(yaml.safe_dump({
        "name": name, "version": "1.0.0", "owners": ["@test/owners"], "provides": provides,
        "vendor": {"contract": vendor, "simulator": vendor},
        "service": f"{package}.service:build", "states": f"{package}.states:STATE_HANDLERS"},
        sort_keys=False))


def _schema(title: str, ref: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                              "title": title, "type": "object"}
    if ref is not None:
        schema["properties"] = {"amount": {"$ref": ref}}
    return schema


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    """amount <- bill <- ledger-api: ledger-api's providers name acme-adapter (whose manifest
    agrees) and ghost-adapter (which no manifest registers); beta-adapter's manifest provides
    ledger-api without the contract listing it; acme speaks the vendor contract acme-native;
    no adapter's code names any schema."""
    root = init_repo(tmp_path / "reg")
    _contract(root, "contracts/schemas/amount", "json-schema", "amount.schema.json",
              _schema("Amount"), version="1.0.0")
    _contract(root, "contracts/schemas/bill", "json-schema", "bill.schema.json",
              _schema("Bill", "../amount/amount.schema.json"), version="1.0.0")
    _contract(root, "contracts/ledger-api", "openapi", "openapi.yaml", {
        "openapi": "3.1.0", "info": {"title": "Ledger", "version": "1.0.0"}, "paths": {},
        "components": {"schemas": {"Bill": {"$ref": "../schemas/bill/bill.schema.json"}}}},
        providers=["acme-adapter", "ghost-adapter"])
    _contract(root, "contracts/acme-native", "openapi", "openapi.yaml", {
        "openapi": "3.1.0", "info": {"title": "Acme", "version": "1.0.0"}, "paths": {}})
    _adapter(root, "acme", "acme-adapter", ["ledger-api"], "acme-native")
    _adapter(root, "beta", "beta-adapter", ["ledger-api"], "beta-native")
    commit_all(root, "a registry with adapters")
    return root


def test_adapters_are_listed_through_the_contract_that_uses_the_schema(reg_root: Path) -> None:
    data = _impact("amount", reg_root)
    assert [(c["id"], c["via"]) for c in data["contracts"]] == [
        ("bill", [BILL, AMOUNT]),
        ("ledger-api", ["contracts/ledger-api/openapi.yaml", BILL, AMOUNT])]
    through = f"which uses {AMOUNT} through {BILL}"
    assert data["adapters"] == [
        {"adapter": "adapters/acme", "contracts": ["ledger-api"],
         "reasons": [f"acme-adapter provides ledger-api, {through}"]},
        {"adapter": "adapters/beta", "contracts": ["ledger-api"],
         "reasons": ["beta-adapter provides ledger-api (in adapters/beta/adapter.yaml only, "
                     f"not in contracts/ledger-api/contract.yaml providers), {through}"]},
        {"adapter": "ghost-adapter", "contracts": ["ledger-api"],
         "reasons": ["ghost-adapter provides ledger-api (in contracts/ledger-api/contract.yaml "
                     "providers; no adapters/*/adapter.yaml registers ghost-adapter), "
                     f"{through}"]}]
    bill = dependents(Registry.open(reg_root), "bill")
    assert bill.adapters == ["adapters/acme", "adapters/beta", "ghost-adapter"]
    assert bill.adapter_contracts["adapters/acme"] == ["ledger-api"]


def test_the_vendor_contract_and_the_provided_contract_themselves(reg_root: Path) -> None:
    assert _impact("acme-native", reg_root)["adapters"] == [
        {"adapter": "adapters/acme", "contracts": ["acme-native"],
         "reasons": ["acme-adapter speaks acme-native, its vendor contract"]}]
    ledger = dependents(Registry.open(reg_root), "ledger-api")
    assert ledger.adapters == ["adapters/acme", "adapters/beta", "ghost-adapter"]
    assert [link.how for link in ledger.adapter_links["adapters/acme"]] == [
        "acme-adapter provides ledger-api"]


def test_providers_are_listed_in_a_registry_without_adapters(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _contract(root, "contracts/schemas/amount", "json-schema", "amount.schema.json",
              _schema("Amount"), version="1.0.0", providers=["legacy-adapter"])
    commit_all(root, "no adapters/ folder at all")
    assert _impact("amount", root)["adapters"] == [
        {"adapter": "legacy-adapter", "contracts": ["amount"],
         "reasons": ["legacy-adapter provides amount (in "
                     "contracts/schemas/amount/contract.yaml providers; no "
                     "adapters/*/adapter.yaml registers legacy-adapter)"]}]


@pytest.mark.parametrize("manifest, message", [
    ("name: acme-adapter\nprovides: [ledger-api\n", "adapters/acme/adapter.yaml"),
    (None, "provides must be a non-empty list"),
])
def test_an_unreadable_manifest_is_an_input_error_as_in_can_i_deploy(
        reg_root: Path, manifest: str | None, message: str) -> None:
    path = reg_root / "adapters/acme/adapter.yaml"
    if manifest is None:
        data = yaml.safe_load(path.read_text())
        data["provides"] = "ledger-api"
        manifest = yaml.safe_dump(data, sort_keys=False)
    path.write_text(manifest)
    commit_all(reg_root, "a broken manifest")  # can-i-deploy reads the committed registry
    impact = run("impact", "amount", "--registry", reg_root)
    assert impact.returncode == 2, impact.stdout
    line = impact.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "adapters/acme/adapter.yaml" in line and message in line
    deploy = run("can-i-deploy", "acme-adapter", "--version", "1.0.0", "--registry", reg_root)
    assert deploy.returncode == 2 and deploy.stderr.strip() == line
