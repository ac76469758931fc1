"""Benchmark: `ledgerpact check` on a 200-contract registry with one contract changed, side by
side with the same change in a one-contract registry.

Issue 5: the check's cost must grow with what changed, not with the size of the registry.
Target: checking the 200-contract registry takes at most 1.5x the time of checking the
one-contract registry.

The two registries are real Git repositories built in a temporary folder from copies of the
repository's own contracts:
- large: the 19 real contracts (4 APIs and events, 15 canonical schemas) plus copies of them,
  renamed (folder, id, and a JSON Schema's `$id`), up to 200 contracts; every copy keeps its
  `$ref`s as written, so the copies use the real canonical schemas as the originals do;
- small: `erp-finance` alone: its folder, and the canonical schema files it `$ref`s, copied
  as plain files (no `contract.yaml`: they are not contracts there), so the registry holds
  exactly one contract.
Both are committed on `main`; on a branch `pr` the same change is committed to `erp-finance`
in each (an optional query parameter added, and info.version raised one minor version from
whatever it is now, e.g. 1.1.0 -> 1.2.0: additive, minor; the check passes). Then
`ledgerpact check --base main` runs in each, timed as whole commands with hyperfine (medians,
warm-up run first). Each command is run once first and its JSON
report read, so a crash, a failing check or a wrong set of checked contracts is reported
instead of timed.

Run: .venv/bin/python benchmarks/check_registry.py [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = REPO / "contracts"
BIN = Path(sys.executable).parent / "ledgerpact"
CHANGED = "erp-finance"
TOTAL = 200
TARGET = 1.5

# The change: an optional query parameter on one operation, and the minor bump it requires.
INFO_VERSION = re.compile(r"^  version: *(['\"]?)([^'\"\s]+)\1 *\n", re.MULTILINE)
ANCHOR = """      operationId: listSuppliers
"""
PARAMETERS = "      parameters:\n"
ADDED = """        - name: reviewedBy
          in: query
          required: false
          description: Only suppliers whose status was last reviewed by this person.
          schema:
            type: string
            maxLength: 200
          example: ingrid
"""


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def contract_folders() -> list[Path]:
    return sorted(p.parent for p in CONTRACTS.rglob("contract.yaml"))


def copy_contract(folder: Path, dest_parent: Path, new_id: str) -> None:
    """A copy of a contract under another id: folder, contract.yaml id and a schema's
    $id renamed; everything else, $refs included, as written."""
    old_id = folder.name
    dest = dest_parent / new_id
    shutil.copytree(folder, dest)
    meta = dest / "contract.yaml"
    meta.write_text(meta.read_text().replace(f"id: {old_id}\n", f"id: {new_id}\n", 1))
    for schema in dest.glob("*.schema.json"):
        schema.write_text(schema.read_text().replace(f"/{old_id}/", f"/{new_id}/", 1))


def build_large(root: Path) -> None:
    shutil.copytree(CONTRACTS, root / "contracts")
    originals = contract_folders()
    n, copy = len(originals), 0
    while n < TOTAL:
        folder = originals[copy % len(originals)]
        parent = (root / folder.parent.relative_to(REPO))
        copy_contract(folder, parent, f"{folder.name}-c{copy:03d}")
        copy, n = copy + 1, n + 1


def build_small(root: Path) -> None:
    """erp-finance and the files it $refs (found by bundling it), nothing else."""
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.repository import Registry

    reg = Registry.open(REPO)
    files = bundle(reg.workspace(), f"contracts/{CHANGED}/openapi.yaml").files
    for rel in [*files, f"contracts/{CHANGED}/contract.yaml"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, root / rel)


def make_repo(root: Path, build: Callable[[Path], None]) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    build(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "registry")
    git(root, "checkout", "-q", "-b", "pr")
    doc = root / "contracts" / CHANGED / "openapi.yaml"
    text = doc.read_text()
    if ANCHOR not in text:
        raise SystemExit(f"the change no longer applies to {CHANGED}: update ANCHOR")
    at = text.index(PARAMETERS, text.index(ANCHOR)) + len(PARAMETERS)
    doc.write_text(minor_bump(text[:at] + ADDED + text[at:], doc))
    git(root, "commit", "-q", "-am", "SupplierStatus.reviewedBy")


def minor_bump(text: str, doc: Path) -> str:
    """The document with info.version raised one minor version. The version is read, not
    assumed: the contract's own releases move it, and a hard-coded one stops matching."""
    from ledgerpact.registry.semver import Version

    info = text.find("\ninfo:\n")
    match = INFO_VERSION.search(text, info) if info >= 0 else None
    if match is None:
        raise SystemExit(f"{doc}: no info.version line (two-space indent) under info:")
    try:
        now = Version.parse(match[2])
    except ValueError as exc:
        raise SystemExit(f"{doc}: info.version: {exc}") from None
    bumped = f"  version: {now.major}.{now.minor + 1}.0\n"
    return text[:match.start()] + bumped + text[match.end():]


def probe(root: Path) -> str:
    """Run the check once; return "" when it checked exactly the changed contract and
    passed, else what went wrong."""
    done = subprocess.run([str(BIN), "check", "--base", "main", "--format", "json"], cwd=root,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-2000:]}"
    checked = [c["id"] for c in json.loads(done.stdout)["contracts"]]
    return "" if checked == [CHANGED] else f"checked {checked}, expected [{CHANGED!r}]"


def count_contracts(root: Path) -> int:
    return sum(1 for _ in (root / "contracts").rglob("contract.yaml"))


def hyperfine(roots: dict[str, Path], runs: int, tmp: Path) -> dict[str, float]:
    out = tmp / "hyperfine.json"
    command = ["hyperfine", "--warmup", "1", "--runs", str(runs), "--style", "none",
               "--export-json", str(out)]
    for name, root in roots.items():
        command += ["-n", name, f"cd {root} && {BIN} check --base main --format json"]
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as any real install: bytecode is cached
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return {r["command"]: r["median"] for r in json.loads(out.read_text())["results"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="hyperfine runs per registry")
    parser.add_argument("--keep", type=Path, help="build the registries in this (new) folder "
                                                  "and keep them")
    args = parser.parse_args()
    if shutil.which("hyperfine") is None:
        raise SystemExit("hyperfine not found on PATH")
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="lp-check-bench-"))
    try:
        roots = {"one contract": tmp / "one", f"{TOTAL} contracts": tmp / "large"}
        make_repo(roots["one contract"], build_small)
        make_repo(roots[f"{TOTAL} contracts"], build_large)
        for name, root in roots.items():
            print(f"{name}: {count_contracts(root)} contracts in {root}", flush=True)
            problem = probe(root)
            if problem:
                raise SystemExit(f"{name}: the check did not run as expected: {problem}")
        medians = hyperfine(roots, args.runs, tmp)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    small, large = medians["one contract"], medians[f"{TOTAL} contracts"]
    print(f"\n{'registry':<14} {'median wall':>11}")
    for name, value in medians.items():
        print(f"{name:<14} {value * 1000:8.0f} ms")
    ratio = large / small
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"\nratio {TOTAL} contracts / one contract: {ratio:.2f}x (target <= {TARGET}x): "
          f"{verdict} ({args.runs} runs each)")


if __name__ == "__main__":
    main()
