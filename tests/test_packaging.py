"""The installed distribution must contain every package in the tree: editable installs map
folders by prefix and would hide a package that a real wheel leaves out."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOP = {"registry": "ledgerpact.registry", "governance": "ledgerpact.governance",
       "generators": "ledgerpact.generators", "adapters": "ledgerpact.adapters"}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for folder, name in TOP.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder).parts
            found.add(".".join([name, *rel]))
    assert found == listed, f"missing: {sorted(found - listed)}, stale: {sorted(listed - found)}"
