"""Shared fixtures: where the repository and the shared corpora are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONTRACTS = REPO / "contracts"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpora() -> Path:
    path = SHARED / "corpora"
    if not path.is_dir():
        pytest.skip(f"shared corpora not found at {path} (tests read them from ../shared)")
    return path


@pytest.fixture(scope="session")
def official_schemas() -> Path:
    path = SHARED / "schemas"
    if not path.is_dir():
        pytest.skip(f"shared schemas not found at {path} (tests read them from ../shared)")
    return path
