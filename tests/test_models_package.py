"""``ledgerpact generate package``: an installable package of erp-finance's models, versioned
as the contract, installed into a fresh virtual environment with pip and used there.

Nothing is downloaded: the fresh environment reaches its dependencies (pydantic, and
setuptools and wheel to build) through a ``.pth`` file naming this environment's
site-packages, and pip runs with ``--no-index --no-deps --no-build-isolation``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from ledgerpact.generators.models.package import python_version
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import run

REPO = Path(__file__).resolve().parents[1]

USE = """
import json
from decimal import Decimal
from importlib.metadata import version

import ledgerpact_models_erp_finance as m

assert m.__file__.startswith(PREFIX), m.__file__  # installed, not read from the work tree
assert version("ledgerpact-models-erp-finance") == VERSION
money = m.Money.model_validate_json('{"amount": "1250.00", "currency": "EUR"}')
assert type(money.amount) is Decimal
assert money.model_dump_json() == '{"amount":"1250.00","currency":"EUR"}'
assert m.Money(amount="1.5", currency="ZZZ").currency == "ZZZ"  # extensible currency
print("ok")
"""


def test_erp_finance_package_installs_into_a_fresh_venv_and_is_used(tmp_path: Path) -> None:
    out = tmp_path / "erp-finance-models"
    result = run("generate", "package", "erp-finance", "--out", out, "--registry", REPO)
    assert result.returncode == 0, result.stderr
    ws = Registry.open(REPO).workspace()
    version = Catalog(ws).get("erp-finance").version(ws)
    project = tomllib.loads((out / "pyproject.toml").read_text())["project"]
    assert (project["name"], project["version"]) == ("ledgerpact-models-erp-finance", version)
    assert sorted(p.name for p in out.iterdir()) == ["README.md",
                                                    "ledgerpact_models_erp_finance",
                                                    "pyproject.toml"]

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    vpython = venv / "bin" / "python"
    site = subprocess.run([str(vpython), "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "ledgerpact_test_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()
           and k != "PYTHONPATH"}
    pip = subprocess.run([str(vpython), "-m", "pip", "install", "--no-deps", "--no-index",
                          "--no-build-isolation", "--disable-pip-version-check", "-q",
                          str(out)], capture_output=True, text=True, env=env, check=False)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    used = subprocess.run([str(vpython), "-c", f"PREFIX = {site!r}\nVERSION = {version!r}\n"
                           + USE], cwd=tmp_path, capture_output=True, text=True, env=env,
                          check=False)
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "ok"


def test_a_package_version_pip_cannot_express_is_refused() -> None:
    assert python_version("1.2.0", "x") == "1.2.0"
    assert python_version("1.2.0-rc.1", "x") == "1.2.0rc1"
    assert python_version("2.0.0-beta.3+build.7", "x") == "2.0.0b3+build.7"
    with pytest.raises(InputError, match="PEP 440"):
        python_version("1.0.0-preview.x", "contracts/x/openapi.yaml")


def test_package_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    for target in ("nosuch", "erp-finance@9.9.9"):
        result = run("generate", "package", target, "--out", out, "--registry", REPO)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, \
            result.stderr
        assert not out.exists()
    out.mkdir()
    (out / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    result = run("generate", "package", "money", "--out", out, "--replace", "--registry", REPO)
    assert result.returncode == 2 and "not generated code" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["pyproject.toml"]
