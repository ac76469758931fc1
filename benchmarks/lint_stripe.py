"""Benchmark: `ledgerpact lint` on Stripe's 4 MB spec vs Spectral, Redocly and merely parsing.

Issue 3 sets three targets on one file, measured in one run on one machine:
- at least 10x faster than Spectral (`@stoplight/spectral-cli`, ruleset `spectral:oas`);
- faster than Redocly (`@redocly/cli`, ruleset `recommended`);
- no more than 3x the time of merely parsing the file (`python -c json.load`): parsing is the
  floor every linter pays, so the ratio says what the rules cost on top of it.
Both Node tools come from the npm registry, installed into a temporary folder (or a folder
kept between runs with --keep-tools), so the comparison is against what a team would install
today; their versions are printed. Wall time is whole commands with hyperfine (what a user
waits for, start-up included; medians); peak memory is max RSS from GNU time (median of 3).
Each command is run once first and its output parsed, so a tool that crashes or runs out of
memory is reported as such instead of being timed (hyperfine runs with -i because linters
exit non-zero when they find problems). The machine is shared and noisy: read the ratios.

Run: .venv/bin/python benchmarks/lint_stripe.py [--runs N] [--keep-tools DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO.parent / "shared" / "corpora" / "stripe" / "spec3-2022-04-12.json"
BIN = Path(sys.executable).parent / "ledgerpact"
NPM_PACKAGES = ("@stoplight/spectral-cli", "@redocly/cli")
MEMORY_RUNS = 3
# Redocly would otherwise phone home (telemetry, update check) inside the timed region.
QUIET_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
             "NO_UPDATE_NOTIFIER": "1"}


@dataclass
class Tool:
    """One row of the table: a command, and what the measurements found."""

    name: str
    argv: list[str]
    version: str = ""
    problem: str = ""  # why the row is "not available"; empty when the command ran
    findings: str = "-"
    rss_kb: float | None = None
    wall_s: float | None = None


def run_env() -> dict[str, str]:
    """The environment for every timed command. Bytecode caching is allowed (as in any real
    install): a session that sets PYTHONDONTWRITEBYTECODE would otherwise make every
    ledgerpact run recompile its modules, a cost no user pays."""
    env = {**os.environ, **QUIET_ENV}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def npm_tools(folder: Path) -> tuple[Path, Path]:
    bins = folder / "node_modules" / ".bin"
    return bins / "spectral", bins / "redocly"


def install_tools(folder: Path) -> str:
    """Install Spectral and Redocly with npm; return "" or npm's own words on failure."""
    spectral, redocly = npm_tools(folder)
    if spectral.exists() and redocly.exists():
        print(f"reusing Spectral and Redocly installed in {folder}", file=sys.stderr)
        return ""
    if shutil.which("npm") is None:
        return "npm not found on PATH (Node.js 20+ and npm are needed for the comparison)"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"installing {' '.join(NPM_PACKAGES)} into {folder} ...", file=sys.stderr)
    done = subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                           *NPM_PACKAGES], capture_output=True, text=True, env=run_env())
    if done.returncode != 0 or not (spectral.exists() and redocly.exists()):
        return (f"npm install failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return ""


def tool_version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=run_env(), timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else "?"


def max_rss_kb(stats: str) -> float | None:
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats)
    return float(match.group(1)) if match else None


def count_findings(name: str, stdout: str) -> str:
    """Each tool's JSON says how many problems it found in its own way; read each one's."""
    data: Any = json.loads(stdout)
    if name == "redocly":
        # Redocly prints at most --max-problems (100) problems but counts all of them.
        totals = data["totals"]
        return str(totals["errors"] + totals["warnings"])
    if isinstance(data, list):  # Spectral: a flat list of results
        return str(len(data))
    if isinstance(data, dict):
        for key in ("findings", "results", "problems"):
            if isinstance(data.get(key), list):
                return str(len(data[key]))
    return "?"


def probe_and_measure(tool: Tool, tmp: Path) -> None:
    """Run the command MEMORY_RUNS times under GNU time: max RSS, findings, and whether it
    works at all (a crash or an unknown subcommand must not end up in the timing table)."""
    rss: list[float] = []
    for _ in range(MEMORY_RUNS):
        stats = tmp / f"{tool.name}.time"
        done = subprocess.run(["/usr/bin/time", "-v", "-o", str(stats), *tool.argv],
                              capture_output=True, text=True, env=run_env())
        if done.returncode not in (0, 1):
            said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
            tool.problem = f"exit {done.returncode}: {said[-1]}"
            return
        if tool.name != "parse":
            try:
                tool.findings = count_findings(tool.name, done.stdout)
            except (ValueError, KeyError, TypeError) as exc:
                said = done.stderr.strip().splitlines()
                tool.problem = (f"exit {done.returncode}, output is not the expected JSON "
                                f"({exc}){': ' + said[-1] if said else ''}")
                return
        value = max_rss_kb(stats.read_text())
        if value is not None:
            rss.append(value)
    tool.rss_kb = statistics.median(rss) if rss else None


def time_with_hyperfine(tools: list[Tool], tmp: Path, runs: int) -> None:
    out = tmp / "hyperfine.json"
    command: list[str] = ["hyperfine", "--warmup", "1", "--runs", str(runs), "-i",
                          "--style", "none", "--export-json", str(out)]
    for tool in tools:
        command += ["-n", tool.name, shlex.join(tool.argv)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=run_env())
    medians = {r["command"]: r["median"] for r in json.loads(out.read_text())["results"]}
    for tool in tools:
        tool.wall_s = medians.get(tool.name)


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:6.2f}x" if value and base else "    n/a"


def print_table(tools: list[Tool]) -> None:
    by_name = {t.name: t for t in tools}
    lp, parse = by_name["ledgerpact"], by_name["parse"]
    print()
    print(f"{'command':<11} {'median wall':>11} {'peak RSS':>10} {'time/lp':>8} {'RSS/lp':>8} "
          f"{'time/parse':>10} {'findings':>9}")
    for t in tools:
        if t.problem:
            print(f"{t.name:<11} not available: {t.problem}")
            continue
        wall = f"{t.wall_s * 1000:8.0f} ms" if t.wall_s else "        n/a"
        rss = f"{t.rss_kb / 1024:7.0f} MB" if t.rss_kb else "       n/a"
        print(f"{t.name:<11} {wall:>11} {rss:>10} {ratio(t.wall_s, lp.wall_s):>8} "
              f"{ratio(t.rss_kb, lp.rss_kb):>8} {ratio(t.wall_s, parse.wall_s):>10} "
              f"{t.findings:>9}")
    print("(time/lp and RSS/lp: that tool divided by ledgerpact, so 10x = ledgerpact 10x "
          "faster/smaller; time/parse: divided by the parse floor)")
    print()
    if lp.problem or not lp.wall_s:
        print("targets: not evaluated (ledgerpact lint not available)")
        return
    checks = [("Spectral", "spectral", ">= 10x faster", lambda x: x >= 10.0),
              ("Redocly", "redocly", "faster: > 1x", lambda x: x > 1.0)]
    for label, name, target, meets in checks:
        other = by_name[name]
        if other.problem or not other.wall_s:
            print(f"target vs {label}: not evaluated ({name} not available)")
            continue
        speedup = other.wall_s / lp.wall_s
        verdict = "met" if meets(speedup) else "NOT met"
        print(f"target vs {label}: ledgerpact is {speedup:.2f}x faster ({target}): {verdict}")
    if parse.wall_s:
        over = lp.wall_s / parse.wall_s
        verdict = "met" if over <= 3.0 else "NOT met"
        print(f"target vs parse: ledgerpact takes {over:.2f}x the parse time (<= 3x): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="hyperfine runs per command")
    parser.add_argument("--keep-tools", type=Path, metavar="DIR",
                        help="install Spectral and Redocly here (once) and reuse them")
    args = parser.parse_args()
    if not SPEC.is_file():
        sys.exit(f"corpus not found: {SPEC}")
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine not found (apt-get install -y hyperfine)")
    if not Path("/usr/bin/time").is_file():
        sys.exit("GNU time not found at /usr/bin/time (apt-get install -y time)")

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        tools_dir = args.keep_tools.resolve() if args.keep_tools else tmp / "tools"
        install_problem = install_tools(tools_dir)
        spectral, redocly = npm_tools(tools_dir)
        (tmp / ".spectral.yaml").write_text('extends: ["spectral:oas"]\n')
        (tmp / "redocly.yaml").write_text("extends:\n  - recommended\n")
        spec = str(SPEC)
        tools = [
            Tool("parse", [sys.executable, "-c",
                           f"import json; json.load(open({json.dumps(spec)}))"],
                 version=f"python {sys.version.split()[0]}"),
            Tool("ledgerpact", [str(BIN), "lint", spec, "--ruleset", "recommended",
                                "--format", "json"], version="this checkout"),
            Tool("spectral", [str(spectral), "lint", spec, "--ruleset",
                              str(tmp / ".spectral.yaml"), "-f", "json"]),
            Tool("redocly", [str(redocly), "lint", spec, "--config", str(tmp / "redocly.yaml"),
                             "--format", "json"]),
        ]
        for tool in tools[2:]:
            if install_problem:
                tool.problem = "not installed (see npm output above)"
            else:
                tool.version = tool_version([tool.argv[0], "--version"])
        if install_problem:
            print(install_problem, file=sys.stderr)

        size = SPEC.stat().st_size
        print(f"spec: {SPEC.name} ({size / 1e6:.1f} MB), hyperfine runs: {args.runs}, "
              f"memory runs: {MEMORY_RUNS}, node {tool_version(['node', '--version'])}")
        for tool in tools:
            if not tool.problem:
                print(f"measuring memory: {tool.name} ...", file=sys.stderr)
                probe_and_measure(tool, tmp)
        ready = [t for t in tools if not t.problem]
        print(f"timing with hyperfine: {', '.join(t.name for t in ready)} ...", file=sys.stderr)
        time_with_hyperfine(ready, tmp, args.runs)

        for tool in tools:
            print(f"{tool.name:<11} {tool.version or '?':<18} {shlex.join(tool.argv)}")
        print_table(tools)


if __name__ == "__main__":
    main()
