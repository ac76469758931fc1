"""Running the real ``ledgerpact`` command and building real registries in temp dirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent / "ledgerpact"


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user would, with no network proxies."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run([str(BIN), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env, check=False)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True, env=env).stdout


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit_all(path: Path, message: str) -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD").strip()


def write_metadata(folder: Path, contract_id: str, kind: str, document: str,
                   version: str | None = None) -> None:
    meta = {"id": contract_id, "title": contract_id.replace("-", " ").title(), "kind": kind,
            "document": document, "owners": ["@test/owners"], "lifecycle": "active",
            "compatibility": "BACKWARD"}
    if version is not None:
        meta["version"] = version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "contract.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
