"""``ledgerpact verify`` passes for both reference adapters against the consumers' real pacts,
and can-i-deploy then says yes for every adapter and consumer (issue 8, acceptance).

Runs on a temporary Git registry copied from this checkout (contracts, the adapters' code and
manifests, pacts), so the records verify writes never touch the checkout; verify checks that
the registry's adapter code is the code installed (this checkout's).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import commit_all, init_repo, run

REPO = Path(__file__).resolve().parents[1]
ADAPTERS = {"sap-s4hana-adapter": "sap_s4hana", "netsuite-adapter": "netsuite"}
PACTS = {("invoice-automation", "erp-finance"), ("treasury", "finance-events"),
         ("analytics", "finance-events")}
NEEDED = [REPO / "adapters" / pkg / "adapter.yaml" for pkg in ADAPTERS.values()] + \
    [REPO / "pacts" / consumer / "1.0.0" / f"{provider}.json" for consumer, provider in PACTS]
def test_the_adapters_and_pacts_are_in_the_tree() -> None:
    """Committed with the suite: without them the acceptance below would prove nothing."""
    missing = [str(p.relative_to(REPO)) for p in NEEDED if not p.is_file()]
    assert not missing, f"missing: {', '.join(missing)}"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reg = init_repo(tmp_path_factory.mktemp("adapters") / "registry")
    shutil.copytree(REPO / "contracts", reg / "contracts")
    shutil.copytree(REPO / "pacts", reg / "pacts")
    shutil.copytree(REPO / "adapters", reg / "adapters",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    commit_all(reg, "the registry as checked out")
    return reg


def interactions(reg: Path) -> dict[tuple[str, str], list[str]]:
    found = {}
    for consumer, provider in PACTS:
        doc = json.loads((reg / "pacts" / consumer / "1.0.0" / f"{provider}.json").read_text())
        found[(consumer, provider)] = [i["description"] for i in doc["interactions"]]
    return found


def test_both_adapters_pass_and_may_deploy(registry: Path) -> None:
    expected = interactions(registry)
    for adapter in ADAPTERS:
        done = run("verify", adapter, "--registry", registry, "--format", "json",
                   timeout=600)
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
        report = json.loads(done.stdout)
        assert report["passed"] and report["failures"] == []
        verified = {(p["consumer"], p["provider"]): [i["description"] for i in p["interactions"]
                                                     if i["passed"]]
                    for p in report["pacts"]}
        assert {k: sorted(v) for k, v in verified.items()} == \
            {k: sorted(v) for k, v in expected.items()}
        props = report["schemathesis"]
        assert props["passed"] and len(props["operations"]) >= 20, props
        assert {"response_schema_conformance", "negative_data_rejection"} <= \
            set(props["checks"])
        assert len(report["code_sha256"]) == 64  # the code verified, in every record
        for consumer, provider in PACTS:
            folder = registry / "verifications" / adapter / "1.0.0" / provider / \
                f"{consumer}-1.0.0"
            assert len(list(folder.glob("*.yaml"))) == 1, folder
    commit_all(registry, "verification records of both adapters")
    for participant in [*ADAPTERS, "invoice-automation", "treasury", "analytics"]:
        answer = run("can-i-deploy", participant, "--version", "1.0.0", "--registry", registry)
        assert answer.returncode == 0, answer.stdout + answer.stderr
