"""Benchmark: `ledgerpact registry bundle` on Stripe's 4 MB spec vs merely parsing the file.

Parsing is the floor any tool pays; the ratio says what bundling (walking every node,
checking every $ref, rewriting, serialising) costs on top. Two measurements:
- whole commands with hyperfine (what a user waits for, Python start-up included);
- in-process medians (the library cost alone, no interpreter start-up).
The machine is shared and noisy: read the ratios, not the absolute times.

Run: .venv/bin/python benchmarks/bundle_stripe.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO.parent / "shared" / "corpora" / "stripe" / "spec3-2022-04-12.json"
BIN = Path(sys.executable).parent / "ledgerpact"

METADATA = """\
id: stripe
title: Stripe API (benchmark copy)
kind: openapi
document: spec3.json
owners: ["@bench"]
lifecycle: active
compatibility: NONE
"""


def make_registry(tmp: Path) -> Path:
    folder = tmp / "registry" / "contracts" / "stripe"
    folder.mkdir(parents=True)
    shutil.copyfile(SPEC, folder / "spec3.json")
    (folder / "contract.yaml").write_text(METADATA)
    return tmp / "registry"


def in_process(registry: Path, runs: int) -> tuple[float, float]:
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.output import to_json
    from ledgerpact.registry.repository import Registry

    raw = SPEC.read_text()
    parse_times, bundle_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        json.loads(raw)
        parse_times.append(time.perf_counter() - start)

        start = time.perf_counter()
        ws = Registry.open(registry).workspace()
        entry = Catalog(ws).get("stripe")
        to_json(bundle(ws, entry.document_path).document)
        bundle_times.append(time.perf_counter() - start)
    return statistics.median(parse_times), statistics.median(bundle_times)


def with_hyperfine(registry: Path, tmp: Path, runs: int) -> tuple[float, float] | None:
    if shutil.which("hyperfine") is None:
        print("hyperfine not found (apt-get install hyperfine): skipping whole-command timing")
        return None
    out = tmp / "hyperfine.json"
    parse_cmd = f"{sys.executable} -c \"import json; json.load(open('{SPEC}'))\""
    bundle_cmd = (f"{BIN} registry bundle stripe --registry {registry} --format json "
                  f"-o {tmp / 'bundle.json'}")
    subprocess.run(["hyperfine", "--warmup", "1", "--runs", str(runs), "--style", "none",
                    "--export-json", str(out), "-n", "parse", parse_cmd, "-n", "bundle",
                    bundle_cmd], check=True, stdout=subprocess.DEVNULL)
    results = {r["command"]: r["median"] for r in json.loads(out.read_text())["results"]}
    return results["parse"], results["bundle"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if not SPEC.is_file():
        sys.exit(f"corpus not found: {SPEC}")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        registry = make_registry(tmp)
        size = SPEC.stat().st_size
        print(f"spec: {SPEC.name} ({size / 1e6:.1f} MB), runs: {args.runs}")
        parse, bundled = in_process(registry, args.runs)
        print(f"in-process  parse (json.loads) median {parse * 1000:8.1f} ms")
        print(f"in-process  bundle (load+resolve+bundle+serialise) median "
              f"{bundled * 1000:8.1f} ms   ratio {bundled / parse:5.2f}x")
        whole = with_hyperfine(registry, tmp, args.runs)
        if whole:
            parse_cmd, bundle_cmd = whole
            print(f"command     python -c json.load       median {parse_cmd * 1000:8.1f} ms")
            print(f"command     ledgerpact registry bundle median {bundle_cmd * 1000:8.1f} ms"
                  f"   ratio {bundle_cmd / parse_cmd:5.2f}x")
            bundle_out = json.loads((tmp / "bundle.json").read_text())
            print(f"bundle output: {len(bundle_out['paths'])} paths, "
                  f"{len(bundle_out['components']['schemas'])} schemas")


if __name__ == "__main__":
    main()
