"""Benchmark: `ledgerpact simulate erp` vs Prism on the same contract, with the same load tool.

Issue 7 asks for at least 3x Prism's throughput with validation on, for a supplier lookup and an
invoice posting, side by side in one run. Both servers get the erp-finance contract and the
same wrk load (same connections, threads, duration, headers and bodies):

- `ledgerpact simulate erp` as a user starts it: SQLite state (a fresh file per measurement),
  the default JSON-lines event sink, every request AND every response validated against the
  contract, postings honouring Idempotency-Key with real journal entries and payments.
- `prism mock` (@stoplight/prism-cli from the npm registry, installed into a temporary folder
  or one kept with --keep-tools) in its fastest documented set-up: `-m` (multiprocess logging)
  and `-v silent`. Prism validates requests and answers from the contract's examples; it keeps
  no state, writes nothing and emits no events, so it does strictly less work per request.

Prism 5 cannot load the bundled registry contract as is (its ref parser overflows its stack on
the canonical schemas' nested `$defs`, and it cannot follow the registry's relative refs), so
the script gives it an equivalent document: the bundle with every nested `$defs` hoisted to a
top-level component and the refs rewritten. The schemas, operations and examples are unchanged.

Every request of both servers must answer 2xx; a run with non-2xx answers is reported as
invalid instead of being timed (a server answering 4xx fast proves nothing). Each scenario runs
`--runs` times per server, alternating servers; the table shows medians of requests per second
and of wrk's p99 latency, and the throughput ratio. The machine is shared and noisy: read the
ratios.

Run: .venv/bin/python benchmarks/simulate_prism.py [--runs 5] [--duration 10] [--keep-tools DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "ledgerpact"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
CONNECTIONS, THREADS = 20, 2
AUTH = "Bearer benchmark"
TEMPLATES = 64  # distinct clean invoices; wrk makes each request unique from these
PART = Decimal("0.0001")  # of a unit, per invoice line: see _part_of
MIN_POSTINGS = 5000  # an order's room, in postings of its sliver, to be a template

# wrk script: rotate over suppliers (GET) or over invoice templates (POST), each POST with a
# fresh Idempotency-Key and invoice number so every one is a new, valid posting.
LUA = r"""
local counter = 0
tid = 0
local threads = 0
local items = {}
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  local mode, file, nonce = args[1], args[2], args[3]
  wrk.headers["Authorization"] = "@@AUTH@@"
  local f = io.open(file, "r")
  for line in f:lines() do items[#items + 1] = line end
  f:close()
  _mode, _nonce = mode, nonce
end
function request()
  counter = counter + 1
  local item = items[(counter % #items) + 1]
  if _mode == "get" then
    return wrk.format("GET", "/suppliers/" .. item)
  end
  local n = _nonce .. "T" .. tid .. "N" .. counter
  local body = item:gsub("@@N@@", n)
  return wrk.format("POST", "/invoice-postings",
    {["Content-Type"] = "application/json", ["Authorization"] = "@@AUTH@@",
     ["Idempotency-Key"] = "bench-idempotency-" .. n}, body)
end
""".replace("@@AUTH@@", AUTH)


@dataclass
class Sample:
    rps: float
    p99_ms: float
    non2xx: int
    errors: str = ""


@dataclass
class Row:
    server: str
    scenario: str
    samples: list[Sample] = field(default_factory=list)

    def valid(self) -> list[Sample]:
        return [s for s in self.samples if s.non2xx == 0 and not s.errors]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def install_prism(tools: Path) -> tuple[Path, str]:
    prism = tools / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        tools.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "init", "-y"], cwd=tools, check=True, capture_output=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", PRISM_PACKAGE], cwd=tools,
                       check=True, capture_output=True)
    version = subprocess.run([str(prism), "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    return prism, version


def hoisted_bundle(out: Path) -> None:
    """The erp-finance bundle with nested $defs lifted to top-level components (see above)."""
    raw = subprocess.run([str(BIN), "registry", "bundle", "erp-finance", "--format", "json",
                          "--registry", str(REPO)], capture_output=True, text=True, check=True)
    doc = json.loads(raw.stdout)
    schemas = doc["components"]["schemas"]
    moves: dict[str, str] = {}
    for name, schema in list(schemas.items()):
        if isinstance(schema, dict) and "$defs" in schema:
            for key, sub in schema.pop("$defs").items():
                moves[f"#/components/schemas/{name}/$defs/{key}"] = \
                    f"#/components/schemas/{name}_{key}"
                schemas[f"{name}_{key}"] = sub
    pattern = re.compile("|".join(re.escape(k) for k in sorted(moves, key=len, reverse=True)))

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                node["$ref"] = pattern.sub(lambda m: moves[m.group(0)], ref)
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(doc)
    out.write_text(json.dumps(doc))


def _part_of(po: dict[str, Any], minor: dict[str, int], fd: Any) -> dict[str, Any]:
    """``po`` with each open line cut to a sliver of a unit (PART, or ten times that until the
    invoice is not of zero amount) at its unit price. The simulator
    matches quantities as an ERP does (what earlier postings invoiced against a PO line
    counts), so every posting of a run bills a sliver of its order: tens of thousands of
    them fit before any line is fully invoiced."""
    currency = str(po["currency"])
    part = PART
    while True:  # the smallest sliver whose invoice is not of zero amount (refused)
        lines = [ln if ln["status"] in ("closed", "cancelled") else
                 {**ln, "quantity": {**ln["quantity"], "value": str(part)},
                  "netAmount": fd.money(part * Decimal(ln["unitPrice"]["amount"]), currency,
                                        minor[currency])}
                 for ln in po["lines"]]
        if part >= 1 or any(Decimal(ln["netAmount"]["amount"]) > 0 for ln in lines
                            if ln["status"] not in ("closed", "cancelled")):
            return {**po, "lines": lines}
        part *= 10


def load_inputs(work: Path) -> tuple[Path, Path]:
    """Supplier numbers to look up, and invoice templates (one JSON per line, @@N@@ in the
    invoice number) that the ERP simulator accepts as clean postings."""
    sys.path.insert(0, str(REPO))
    from ledgerpact.generators.simulators.behaviours import finance_data as fd

    document = fd.erp_document(REPO)
    data = fd.reference_data(1, document=document)
    minor = fd.contract_minor_units(document)
    suppliers = {s["supplierNumber"]: s for s in data["suppliers"]}
    active = [n for n, s in suppliers.items() if s["status"] == "active"]
    orders = [po for po in data["purchaseOrders"]
              if po["status"] in ("released", "partially-received", "received")
              and suppliers[po["supplier"]["supplierNumber"]]["status"] == "active"
              and any(ln["status"] not in ("closed", "cancelled") for ln in po["lines"])]
    # only orders with room for far more postings than a run makes (a run of ten seconds at
    # two thousand postings a second spreads about 300 over each template)
    cut = [_part_of(po, minor, fd) for po in orders]
    orders = [part for po, part in zip(orders, cut, strict=True)
              if min(Decimal(ln["quantity"]["value"]) / Decimal(sl["quantity"]["value"])
                     for ln, sl in zip(po["lines"], part["lines"], strict=True)
                     if ln["status"] not in ("closed", "cancelled")) >= MIN_POSTINGS]
    lines = []
    for i in range(TEMPLATES):
        po = orders[i % len(orders)]
        doc = fd.invoice_for(po, suppliers[po["supplier"]["supplierNumber"]], data["taxCodes"],
                             minor, "@@N@@")
        lines.append(json.dumps(doc, default=str, separators=(",", ":")))
    get_file, post_file = work / "suppliers.txt", work / "invoices.jsonl"
    get_file.write_text("\n".join(active) + "\n")
    post_file.write_text("\n".join(lines) + "\n")
    return get_file, post_file


def run_wrk(port: int, script: Path, mode: str, items: Path, nonce: str,
            duration: int) -> Sample:
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "-s",
         str(script), f"http://127.0.0.1:{port}", "--", mode, str(items), nonce],
        capture_output=True, text=True, timeout=duration + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if rps is None or p99 is None:
        return Sample(0.0, 0.0, 0, errors=f"wrk output not understood: {out[-300:]}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return Sample(float(rps.group(1)), float(p99.group(1)) * scale,
                  int(non2xx.group(1)) if non2xx else 0, errors.group(0) if errors else "")


def start_ledgerpact(work: Path, tag: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    state = work / f"state-{tag}" / "erp.sqlite"
    proc = subprocess.Popen(
        [str(BIN), "simulate", "erp", "--port", str(port), "--state", str(state), "--reset",
         "--registry", str(REPO)], cwd=work, stdout=subprocess.DEVNULL,
        stderr=(work / f"ledgerpact-{tag}.log").open("wb"), start_new_session=True)
    wait_port(port)
    return proc, port


def start_prism(prism: Path, spec: Path, work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([str(prism), "mock", "-m", "-v", "silent", "-h", "127.0.0.1", "-p",
                             str(port), str(spec)], cwd=work, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    wait_port(port)
    return proc, port


def check_answers(port: int, get_file: Path, post_file: Path) -> str:
    """One request of each kind by hand: both must be 2xx, or the run measures errors."""
    import httpx

    supplier = get_file.read_text().split()[0]
    body = post_file.read_text().splitlines()[0].replace("@@N@@", f"CHK{port}")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                      headers={"Authorization": AUTH}) as client:
        got = client.get(f"/suppliers/{supplier}")
        posted = client.post("/invoice-postings", content=body,
                             headers={"Content-Type": "application/json",
                                      "Idempotency-Key": f"check-idempotency-{port}"})
    if got.status_code // 100 != 2 or posted.status_code // 100 != 2:
        return (f"GET {got.status_code}, POST {posted.status_code}: "
                f"{posted.text[:300]}")
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--keep-tools", type=Path, default=None,
                        help="install Prism here and keep it between runs")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    with tempfile.TemporaryDirectory(prefix="lp-sim-bench-") as tmp:
        work = Path(tmp)
        prism, prism_version = install_prism(args.keep_tools or work / "tools")
        spec = work / "erp-finance.prism.json"
        hoisted_bundle(spec)
        get_file, post_file = load_inputs(work)
        script = work / "load.lua"
        script.write_text(LUA)

        rows: dict[tuple[str, str], Row] = {}
        for scenario, mode, items in (("GET /suppliers/{n}", "get", get_file),
                                      ("POST /invoice-postings", "post", post_file)):
            for run in range(args.runs):
                for server in ("ledgerpact", "prism"):
                    row = rows.setdefault((server, scenario), Row(server, scenario))
                    if server == "ledgerpact":
                        proc, port = start_ledgerpact(work, f"{mode}{run}")
                    else:
                        proc, port = start_prism(prism, spec, work)
                    try:
                        problem = check_answers(port, get_file, post_file)
                        if problem:
                            row.samples.append(Sample(0, 0, 1, errors=problem))
                            continue
                        run_wrk(port, script, mode, items, f"W{run}", 2)  # warm-up
                        row.samples.append(run_wrk(port, script, mode, items, f"R{run}",
                                                   args.duration))
                        if proc.poll() is not None:
                            row.samples[-1].errors += f" (server exited {proc.returncode})"
                    finally:
                        stop(proc)
                    print(f"  {scenario:<24} {server:<10} run {run + 1}: "
                          f"{row.samples[-1].rps:8.0f} req/s  p99 "
                          f"{row.samples[-1].p99_ms:7.1f} ms  non-2xx "
                          f"{row.samples[-1].non2xx} {row.samples[-1].errors}", flush=True)

    print(f"\nwrk -t{THREADS} -c{CONNECTIONS} -d{args.duration}s, {args.runs} runs each; "
          f"Prism {prism_version} (-m -v silent); medians of valid runs")
    print(f"{'scenario':<24} {'server':<10} {'req/s':>9} {'p99 ms':>8} {'valid':>6}")
    for (server, scenario), row in rows.items():
        ok = row.valid()
        rps = statistics.median(s.rps for s in ok) if ok else 0.0
        p99 = statistics.median(s.p99_ms for s in ok) if ok else 0.0
        print(f"{scenario:<24} {server:<10} {rps:>9.0f} {p99:>8.1f} "
              f"{len(ok):>3}/{len(row.samples)}")
        if not ok and row.samples:
            print(f"    invalid: {row.samples[-1].errors or 'non-2xx answers'}")
    for scenario in ("GET /suppliers/{n}", "POST /invoice-postings"):
        ours, theirs = rows[("ledgerpact", scenario)].valid(), rows[("prism", scenario)].valid()
        if ours and theirs:
            ratio = statistics.median(s.rps for s in ours) / statistics.median(
                s.rps for s in theirs)
            verdict = "met" if ratio >= 3 else "NOT met"
            print(f"{scenario}: ledgerpact / prism throughput = {ratio:.2f}x "
                  f"(target >= 3x: {verdict})")


if __name__ == "__main__":
    main()
