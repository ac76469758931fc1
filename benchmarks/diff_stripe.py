"""Benchmark: `ledgerpact diff` on two Stripe versions vs Optic (`optic diff A B --check`).

Issue 4 sets two targets, measured in one run on one machine, on the same pair of files
(`spec3-2022-04-07.json` as the base, `spec3-2022-04-12.json` as the revision, 4 MB each):
- `ledgerpact diff BASE REVISION --format json` takes under 5 seconds (median wall time);
- it is at least 20x faster than Optic (`@useoptic/optic`, `optic diff BASE REVISION --check`).
Merely parsing both files (`python -c json.load`) is timed too, for scale only: no target.

Optic comes from the npm registry, installed into a temporary folder (or a folder kept between
runs with --keep-tools) whose package.json overrides ajv to 8.17.1: without it Optic does not
start on Node 20. Its telemetry and update check are switched off so no network round trip
falls inside the timed region. Wall time is whole commands with hyperfine (what a user waits
for, start-up included; medians); peak memory is max RSS from GNU time. Each command is first
run under GNU time and its output read, so a tool that crashes, runs out of memory or prints
no diff is reported as such instead of being timed (hyperfine runs with -i because both
tools exit 1 when they find breaking changes). One Optic run takes minutes on this pair, so
Optic gets its own, lower run count (--optic-runs, default 1) and no warm-up run; the
printout says so. The machine is shared and noisy: read the ratios.

Run: .venv/bin/python benchmarks/diff_stripe.py [--runs N] [--optic-runs N] [--optic-timeout S]
     [--keep-tools DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "stripe"
BASE = CORPUS / "spec3-2022-04-07.json"
REVISION = CORPUS / "spec3-2022-04-12.json"
BIN = Path(sys.executable).parent / "ledgerpact"
OPTIC_PACKAGE = "@useoptic/optic"
# Optic 1.0.x asks for an ajv that breaks on Node 20; pinning it folder-wide is the known fix.
OPTIC_MANIFEST = {"name": "ledgerpact-diff-benchmark-tools", "private": True,
                  "overrides": {"ajv": "8.17.1"}}
MEMORY_RUNS = 3
SPEED_TARGET_S = 5.0
OPTIC_TARGET = 20.0
# Optic reports to Sentry/Segment unless OPTIC_TELEMETRY_LEVEL=off, and update-notifier asks the
# npm registry for a newer version unless NO_UPDATE_NOTIFIER is set: either would put a network
# round trip (or a hang, offline) inside the timed region.
QUIET_ENV = {"OPTIC_TELEMETRY_LEVEL": "off", "NO_UPDATE_NOTIFIER": "1"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Tool:
    """One row of the table: a command, how often to run it, and what the measurements found."""

    name: str
    argv: list[str]
    runs: int
    warmup: int = 1
    memory_runs: int = MEMORY_RUNS
    timeout_s: float = 600.0
    version: str = ""
    problem: str = ""  # why the row is "not available"; empty when the command ran
    result: str = "-"  # what the tool said it found, in its own terms
    rss_kb: float | None = None
    wall_s: float | None = None
    failed_after_s: float | None = None  # how long a failing command ran before it gave up


def run_env() -> dict[str, str]:
    """The environment for every measured command. Bytecode caching stays allowed (as in any
    real install). CI is dropped because Optic changes what it does under CI (it writes CI
    data files and looks for a git remote): the benchmark measures a developer's run."""
    env = {**os.environ, **QUIET_ENV}
    for name in ("PYTHONDONTWRITEBYTECODE", "CI"):
        env.pop(name, None)
    return env


def optic_bin(folder: Path) -> Path:
    return folder / "node_modules" / ".bin" / "optic"


def write_manifest(folder: Path) -> None:
    """Keep whatever npm recorded in package.json, but make sure the ajv override is there."""
    manifest = folder / "package.json"
    data: dict[str, Any] = json.loads(manifest.read_text()) if manifest.is_file() else {}
    merged = {**OPTIC_MANIFEST, **data}
    merged["overrides"] = {**data.get("overrides", {}), **OPTIC_MANIFEST["overrides"]}
    if merged != data:
        manifest.write_text(json.dumps(merged, indent=2) + "\n")


def install_optic(folder: Path) -> str:
    """Install Optic with npm; return "" or npm's own words on failure."""
    optic = optic_bin(folder)
    if optic.exists():
        print(f"reusing Optic installed in {folder}", file=sys.stderr)
        return ""
    if shutil.which("npm") is None:
        return "npm not found on PATH (Node.js 20+ and npm are needed for the comparison)"
    folder.mkdir(parents=True, exist_ok=True)
    write_manifest(folder)
    print(f"installing {OPTIC_PACKAGE} into {folder} (about 30 s) ...", file=sys.stderr)
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", OPTIC_PACKAGE],
                          cwd=folder, capture_output=True, text=True, env=run_env())
    if done.returncode != 0 or not optic.exists():
        return f"npm install failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
    return ""


def tool_version(argv: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=run_env(), timeout=120,
                              cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else "?"


def max_rss_kb(stats: str) -> float | None:
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats)
    return float(match.group(1)) if match else None


def elapsed_s(stats: str) -> float | None:
    """GNU time writes wall time as h:mm:ss or m:ss.ss."""
    match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", stats)
    if not match:
        return None
    seconds = 0.0
    for part in match.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def read_ledgerpact(stdout: str) -> str:
    """`ledgerpact diff --format json` ends with a summary counting changes by level."""
    data: Any = json.loads(stdout)
    summary = data["summary"]
    return f"{summary['breaking']} breaking of {summary['total']} changes"


def read_optic(stdout: str) -> str:
    """Optic's terminal report always has an `Operations:` line and, with --check, a
    `Checks: P/T passed` line; without them it did not print a diff."""
    text = ANSI.sub("", stdout)
    operations = re.search(r"^Operations:\s*(.+)$", text, re.MULTILINE)
    if not operations:
        raise ValueError("no 'Operations:' line in Optic's output")
    checks = re.search(r"Checks:\s*(\d+)/(\d+) passed", text)
    failed = f"{int(checks.group(2)) - int(checks.group(1))} of {checks.group(2)} checks failed" \
        if checks else "no checks ran"
    return f"{failed}; operations: {operations.group(1).strip()}"


READERS = {"ledgerpact": read_ledgerpact, "optic": read_optic}  # parse prints nothing to read


def last_line(*texts: str) -> str:
    for text in texts:
        lines = ANSI.sub("", text).strip().splitlines()
        if lines:
            return lines[-1]
    return "no output"


def run_timed(argv: list[str], stats: Path, cwd: Path, timeout_s: float
              ) -> tuple[int | None, str, str]:
    """Run under GNU time in a session of its own, so a timeout kills the whole command (GNU
    time and its child), not just GNU time. Returns (exit code or None on timeout, out, err)."""
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(stats), *argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=run_env(), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err
    return proc.returncode, out, err


def probe_and_measure(tool: Tool, tmp: Path) -> None:
    """Run the command memory_runs times under GNU time: max RSS, what it found, and whether
    it works at all (a crash, a timeout or a missing subcommand must not be timed)."""
    rss: list[float] = []
    for _ in range(tool.memory_runs):
        stats = tmp / f"{tool.name}.time"
        stats.unlink(missing_ok=True)
        code, out, err = run_timed(tool.argv, stats, tmp, tool.timeout_s)
        recorded = stats.read_text() if stats.is_file() else ""
        if code is None:
            tool.problem = f"no result within {tool.timeout_s:.0f} s (killed)"
            tool.failed_after_s = tool.timeout_s
            return
        if code not in (0, 1):
            tool.problem = f"exit {code}: {last_line(err, out)}"
            tool.failed_after_s, tool.rss_kb = elapsed_s(recorded), max_rss_kb(recorded)
            return
        try:
            if tool.name in READERS:
                tool.result = READERS[tool.name](out)
        except (ValueError, KeyError, TypeError) as exc:
            tool.problem = (f"exit {code} and no diff in its output ({exc}): "
                            f"{last_line(err, out)}")
            tool.failed_after_s, tool.rss_kb = elapsed_s(recorded), max_rss_kb(recorded)
            return
        value = max_rss_kb(recorded)
        if value is not None:
            rss.append(value)
    tool.rss_kb = statistics.median(rss) if rss else None


def time_with_hyperfine(tools: list[Tool], tmp: Path) -> None:
    """One hyperfine call per run count, so slow Optic does not drag the fast rows' count down."""
    groups: dict[tuple[int, int], list[Tool]] = {}
    for tool in tools:
        groups.setdefault((tool.runs, tool.warmup), []).append(tool)
    for (runs, warmup), group in groups.items():
        out = tmp / f"hyperfine-{runs}-{warmup}.json"
        command: list[str] = ["hyperfine", "--warmup", str(warmup), "--runs", str(runs), "-i",
                              "--style", "none", "--export-json", str(out)]
        for tool in group:
            command += ["-n", tool.name, shlex.join(tool.argv)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=run_env(), cwd=tmp)
        medians = {r["command"]: r["median"] for r in json.loads(out.read_text())["results"]}
        for tool in group:
            tool.wall_s = medians.get(tool.name)


def ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:7.2f}x" if value and base else "     n/a"


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def megabytes(kb: float | None) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "n/a"


def print_table(tools: list[Tool]) -> None:
    lp = next(t for t in tools if t.name == "ledgerpact")
    lp_wall, lp_rss = (None, None) if lp.problem else (lp.wall_s, lp.rss_kb)
    print()
    print(f"{'command':<11} {'median wall':>11} {'peak RSS':>9} {'time/lp':>8} {'RSS/lp':>8}  "
          f"{'runs':>4}  result")
    for t in tools:
        if t.problem:
            print(f"{t.name:<11} not available: {t.problem}")
            if t.failed_after_s is not None:
                peak = f" and peaked at {megabytes(t.rss_kb)}" if t.rss_kb else ""
                print(f"{'':<11} (it ran {seconds(t.failed_after_s)}{peak} before failing)")
            continue
        print(f"{t.name:<11} {seconds(t.wall_s):>11} {megabytes(t.rss_kb):>9} "
              f"{ratio(t.wall_s, lp_wall):>8} {ratio(t.rss_kb, lp_rss):>8}  "
              f"{t.runs:>4}  {t.result}")
    print("(time/lp and RSS/lp: that tool divided by ledgerpact, so 20x = ledgerpact 20x "
          "faster/smaller; runs: hyperfine runs behind the median)")
    print()
    print_targets(lp, next(t for t in tools if t.name == "optic"))


def print_targets(lp: Tool, optic: Tool) -> None:
    if lp.problem or not lp.wall_s:
        print("targets: not evaluated (ledgerpact diff not available)")
        return
    verdict = "met" if lp.wall_s < SPEED_TARGET_S else "NOT met"
    print(f"target under {SPEED_TARGET_S:.0f} s: ledgerpact diff takes {seconds(lp.wall_s)} "
          f"(median): {verdict}")
    if optic.problem or not optic.wall_s:
        print(f"target vs Optic (>= {OPTIC_TARGET:.0f}x faster): not evaluated, Optic produced "
              "no diff on this pair")
        if optic.failed_after_s:
            # What Optic spent before failing bounds its time to a result from below, so this
            # is a floor on the speed-up, worth printing but not the target's measurement.
            print(f"  for scale: Optic failed after {seconds(optic.failed_after_s)}, "
                  f"{optic.failed_after_s / lp.wall_s:.0f}x ledgerpact's median "
                  "(a lower bound on the speed-up, not a measurement of it)")
        return
    speedup = optic.wall_s / lp.wall_s
    verdict = "met" if speedup >= OPTIC_TARGET else "NOT met"
    print(f"target vs Optic: ledgerpact is {speedup:.1f}x faster (>= {OPTIC_TARGET:.0f}x): "
          f"{verdict}")


def build_tools(optic: Path, runs: int, optic_runs: int, optic_timeout: float) -> list[Tool]:
    base, revision = str(BASE), str(REVISION)
    load_both = f"import json; [json.load(open(f)) for f in ({json.dumps(base)}, " \
                f"{json.dumps(revision)})]"
    return [
        Tool("parse", [sys.executable, "-c", load_both], runs,
             version=f"python {sys.version.split()[0]}"),
        Tool("ledgerpact", [str(BIN), "diff", base, revision, "--format", "json"], runs),
        Tool("optic", [str(optic), "diff", base, revision, "--check"], optic_runs, warmup=0,
             memory_runs=optic_runs, timeout_s=optic_timeout),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5,
                        help="hyperfine runs for ledgerpact and the parse floor (default 5)")
    parser.add_argument("--optic-runs", type=int, default=1,
                        help="hyperfine runs and memory runs for Optic, which takes minutes a "
                             "run (default 1)")
    parser.add_argument("--optic-timeout", type=float, default=1800.0, metavar="SECONDS",
                        help="give up on one Optic run after this long (default 1800)")
    parser.add_argument("--keep-tools", type=Path, metavar="DIR",
                        help="install Optic here (once) and reuse it")
    args = parser.parse_args()
    for spec in (BASE, REVISION):
        if not spec.is_file():
            sys.exit(f"corpus not found: {spec}")
    if shutil.which("hyperfine") is None:
        sys.exit("hyperfine not found (apt-get install -y hyperfine)")
    if not Path("/usr/bin/time").is_file():
        sys.exit("GNU time not found at /usr/bin/time (apt-get install -y time)")
    if args.runs < 1 or args.optic_runs < 1:
        sys.exit("--runs and --optic-runs must be at least 1")

    with tempfile.TemporaryDirectory() as name:
        # Every command runs in this empty folder: no optic.yml, git repository or config
        # file lying around can change what a tool does.
        tmp = Path(name)
        tools_dir = args.keep_tools.resolve() if args.keep_tools else tmp / "tools"
        install_problem = install_optic(tools_dir)
        tools = build_tools(optic_bin(tools_dir), args.runs, args.optic_runs, args.optic_timeout)
        lp, optic = tools[1], tools[2]
        lp.version = tool_version([str(BIN), "--version"], tmp)
        if install_problem:
            print(install_problem, file=sys.stderr)
            optic.problem = "not installed (see npm output above)"
        else:
            optic.version = f"optic {tool_version([optic.argv[0], '--version'], tmp)}"

        print(f"base: {BASE.name} ({BASE.stat().st_size / 1e6:.1f} MB), revision: "
              f"{REVISION.name} ({REVISION.stat().st_size / 1e6:.1f} MB), "
              f"node {tool_version(['node', '--version'], tmp)}")
        print(f"ledgerpact and parse: hyperfine --warmup 1 --runs {args.runs}, memory: median "
              f"of {MEMORY_RUNS} runs; optic: hyperfine --warmup 0 --runs {args.optic_runs}, "
              f"memory: median of {args.optic_runs} run(s), because one Optic run takes "
              f"minutes (--optic-runs to change)")
        for tool in tools:
            if not tool.problem:
                print(f"measuring memory and checking output: {tool.name} ...", file=sys.stderr)
                probe_and_measure(tool, tmp)
        ready = [t for t in tools if not t.problem]
        if ready:
            print(f"timing with hyperfine: {', '.join(t.name for t in ready)} ...",
                  file=sys.stderr)
            time_with_hyperfine(ready, tmp)

        for tool in tools:
            print(f"{tool.name:<11} {tool.version or '?':<26} {shlex.join(tool.argv)}")
        print_table(tools)


if __name__ == "__main__":
    main()
