"""``ledgerpact simulate`` as a user runs it: the installed console script in a subprocess.

Each server test waits for the one ready line, talks HTTP to the port it names, then stops
the process with SIGTERM and expects a clean exit 0.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli_helpers import BIN, run

REPO = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer qa"}  # any non-empty token will do
READY = re.compile(r"^ledgerpact simulate: (\S+) \((\S+) (\S+)\) listening on "
                   r"http://127\.0\.0\.1:(\d+)$")


class Sim:
    def __init__(self, proc: subprocess.Popen[str], ready: str, details: list[str]) -> None:
        self.proc = proc
        self.ready = ready
        self.details = details
        match = READY.match(ready)
        assert match, ready
        self.target, self.contract, self.version, port = match.groups()
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def read_lines(proc: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """``count`` stdout lines, or fewer if the process ends or ``timeout`` passes (a reader
    thread, because a buffered text pipe and select() disagree about what is readable)."""
    assert proc.stdout is not None
    stdout = proc.stdout
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    out: list[str] = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        out.append(line)
    return out


def start(*args: str | Path, cwd: Path) -> Sim:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen([str(BIN), "simulate", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            bufsize=1)
    lines = read_lines(proc, 5, timeout=20)
    if not lines or not READY.match(lines[0]):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"no ready line: {lines!r}; stderr: {err}")
    return Sim(proc, lines[0], lines[1:])


@pytest.fixture
def sims() -> Iterator[list[Sim]]:
    running: list[Sim] = []
    yield running
    for sim in running:
        sim.stop()


def test_generic_contract_served_in_memory(tmp_path: Path, widgets_registry: Path,
                                           sims: list[Sim]) -> None:
    sim = start("widgets", "--port", "0", "--in-memory", "--registry", widgets_registry,
                cwd=tmp_path)
    sims.append(sim)
    assert (sim.target, sim.contract, sim.version) == ("widgets", "widgets", "2.3.0")
    assert any("in memory" in line for line in sim.details)
    assert any(line.strip() == "seed: 1" for line in sim.details)
    with httpx.Client(base_url=sim.url, timeout=10) as c:
        r = c.get("/widgets?limit=2", headers={"X-Tenant": "acme"})
        assert r.status_code == 200 and r.json()["items"][0]["name"] == "bolt"
        assert c.get("/widgets?limit=x").status_code == 400
        assert c.get("/__admin/health").json()["contract"] == "widgets"
    assert sim.stop() == 0
    assert not (tmp_path / ".ledgerpact").exists()  # in memory wrote nothing


def test_default_state_file_and_events_sink(tmp_path: Path, widgets_registry: Path,
                                            sims: list[Sim]) -> None:
    sim = start("widgets", "--port", "0", "--registry", widgets_registry, "--seed", "4",
                cwd=tmp_path)
    sims.append(sim)
    # under the registry's root, not the folder the simulator was started from
    state = widgets_registry / ".ledgerpact" / "simulators" / "widgets.sqlite"
    assert any(str(state) in line for line in sim.details)
    assert any(f"jsonl:{state.parent / 'widgets-events.jsonl'}" in line
               for line in sim.details)
    with httpx.Client(base_url=sim.url, timeout=10) as c:
        assert c.get("/__admin/state").json()["seed"] == 4
    assert sim.stop() == 0
    assert state.is_file()


def test_registry_contract_tax_engine(sims: list[Sim]) -> None:
    sim = start("tax-engine", "--port", "0", "--in-memory", "--registry", REPO, cwd=REPO)
    sims.append(sim)
    assert sim.contract == "tax-engine"
    assert httpx.get(f"{sim.url}/jurisdictions", timeout=10).status_code == 401  # OAuth 2.0
    with httpx.Client(base_url=sim.url, timeout=10, headers=AUTH) as c:
        r = c.get("/jurisdictions")
        assert r.status_code == 200 and "x-simulator-violation" not in r.headers
        assert c.get("/jurisdictions?limit=abc").status_code == 400


def test_state_persists_across_restart_and_seed_mismatch(tmp_path: Path,
                                                         sims: list[Sim]) -> None:
    state = tmp_path / "erp.sqlite"
    first = start("erp", "--port", "0", "--registry", REPO, "--state", state, "--seed", "5",
                  cwd=tmp_path)
    sims.append(first)
    assert first.contract == "erp-finance"
    assert any("(new, seeded)" in line for line in first.details)
    events_file = tmp_path / "erp-events.jsonl"  # the default sink, beside the state file
    with httpx.Client(base_url=first.url, timeout=10, headers=AUTH) as c:
        number = c.get("/suppliers").json()["items"][0]["supplierNumber"]
        changed = c.post("/__admin/actions/set-supplier-status",
                         json={"supplierNumber": number, "status": "blocked",
                               "reason": "QA walkthrough"})
        assert changed.status_code == 200, changed.text
        before = c.get("/__admin/state").json()
        suppliers = c.get("/suppliers").json()
        events = c.get("/__admin/events").json()["items"]
    assert before["seed"] == 5 and before["counts"]["events"] == len(events) >= 1
    event_id = events[-1]["envelope"]["id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
            events_file.exists() and event_id in events_file.read_text()):
        time.sleep(0.05)
    assert event_id in events_file.read_text()  # the relay delivered it
    assert first.stop() == 0

    second = start("erp", "--port", "0", "--registry", REPO, "--state", state, "--seed", "5",
                   cwd=tmp_path)
    sims.append(second)
    assert any("(kept)" in line for line in second.details)
    with httpx.Client(base_url=second.url, timeout=10, headers=AUTH) as c:
        assert c.get("/__admin/state").json()["scenario"] == before["scenario"]
        assert c.get("/suppliers").json() == suppliers
        assert c.get(f"/suppliers/{number}").json()["status"] == "blocked"
        assert [e["envelope"]["id"] for e in c.get("/__admin/events").json()["items"]] == [
            e["envelope"]["id"] for e in events]
    assert second.stop() == 0

    refused = run("simulate", "erp", "--port", "0", "--registry", REPO, "--state", state,
                  "--seed", "6", cwd=tmp_path)
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1 and "--reset" in refused.stderr

    third = start("erp", "--port", "0", "--registry", REPO, "--state", state, "--seed", "6",
                  "--reset", cwd=tmp_path)
    sims.append(third)
    assert any("(new, seeded)" in line for line in third.details)
    with httpx.Client(base_url=third.url, timeout=10) as c:
        assert c.get("/__admin/state").json()["seed"] == 6
        assert c.get("/__admin/events").json()["count"] == 0  # --reset discarded everything


def _reset_mid_response(port: int, request: bytes, rounds: int) -> None:
    """Ask for a large response, read a little of it, then close with a TCP reset
    (SO_LINGER 0) while the server is still writing: what wrk does when it stops."""
    for i in range(rounds):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)) as s:
            s.settimeout(5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.sendall(request * 3)  # pipelined: more responses queued behind the first
            time.sleep(0.002 * (i % 5))
            s.recv(100)


def test_clients_resetting_mid_response_do_not_kill_the_server(
        tmp_path: Path, widgets_registry: Path, sims: list[Sim]) -> None:
    # The console script restores SIGPIPE's default for `| head`; a server must not die of
    # it (exit -13) when a client resets a connection it is still writing to.
    sim = start("widgets", "--port", "0", "--in-memory", "--registry", widgets_registry,
                cwd=tmp_path)
    sims.append(sim)
    port = int(sim.url.rsplit(":", 1)[1])
    with httpx.Client(base_url=sim.url, timeout=10) as c:  # a journal of about 4 MB
        for _ in range(1000):
            c.post("/nowhere", content=b"x" * 4000)
    request = b"GET /__admin/journal?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n"
    workers = [threading.Thread(target=_reset_mid_response, args=(port, request, 30))
               for _ in range(10)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sim.proc.poll() is None, f"the server died: exit {sim.proc.returncode}"
    with httpx.Client(base_url=sim.url, timeout=10) as c:
        assert c.get("/widgets", headers={"X-Tenant": "acme"}).status_code == 200
        assert c.get("/__admin/health").status_code == 200
    assert sim.stop() == 0
    assert sim.proc.stderr is not None
    assert "Traceback" not in sim.proc.stderr.read()  # a vanished client is not an error


def test_no_auth_flag_serves_anonymous_requests(sims: list[Sim]) -> None:
    sim = start("tax-engine", "--port", "0", "--in-memory", "--no-auth", "--registry", REPO,
                cwd=REPO)
    sims.append(sim)
    assert httpx.get(f"{sim.url}/jurisdictions", timeout=10).status_code == 200


def test_sigint_stops_cleanly(tmp_path: Path, widgets_registry: Path, sims: list[Sim]) -> None:
    sim = start("widgets", "--port", "0", "--in-memory", "--registry", widgets_registry,
                cwd=tmp_path)
    sims.append(sim)
    sim.proc.send_signal(signal.SIGINT)
    assert sim.proc.wait(15) == 0


@pytest.mark.parametrize(("args", "expected"), [
    (["no-such-contract"], "no contract 'no-such-contract'"),
    (["widget-events"], "asyncapi contract"),
    (["widgets", "--faults", "missing.yaml"], "faults file not found"),
    (["widgets", "--faults", "bad.yaml"], "bad.yaml"),
    (["widgets", "--data", "nowhere"], "--data must be a directory"),
    (["widgets", "--events", "bogus:x"], "unknown kind"),
])
def test_bad_input_exits_2_with_one_line(tmp_path: Path, widgets_registry: Path,
                                         args: list[str], expected: str) -> None:
    (tmp_path / "bad.yaml").write_text("rules: [ {id: x, error: {rate: 5}}\n")
    result = run("simulate", *args, "--in-memory", "--port", "0", "--registry",
                 widgets_registry, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_help_has_curl_examples() -> None:
    result = run("simulate", "--help")
    assert result.returncode == 0
    assert "curl" in result.stdout and "--in-memory" in result.stdout
    assert "not an identity provider" in result.stdout and "--no-auth" in result.stdout


def test_the_ready_line_and_sink_errors_mask_broker_passwords(tmp_path: Path,
                                                              widgets_registry: Path,
                                                              sims: list[Sim]) -> None:
    """Ready lines and errors end up in CI logs: a broker's password never appears there."""
    sim = start("widgets", "--port", "0", "--in-memory", "--registry", widgets_registry,
                "--events", "amqp://guest:s3cret@127.0.0.1:5672/", cwd=tmp_path)
    sims.append(sim)
    events = next(line for line in sim.details if line.strip().startswith("events:"))
    assert "amqp://guest:***@127.0.0.1:5672/" in events and "s3cret" not in events
    bad = run("simulate", "widgets", "--in-memory", "--registry", widgets_registry,
              "--events", "amqp://guest:s3cret@127.0.0.1:5672/?nope=1", cwd=tmp_path)
    assert bad.returncode == 2 and "s3cret" not in bad.stderr and "guest:***@" in bad.stderr


def test_sink_names_and_errors_never_carry_credentials() -> None:
    from ledgerpact.generators.simulators.events.sinks import open_sink, shown
    from ledgerpact.registry.errors import InputError

    assert shown("amqp://guest:p@ss@127.0.0.1:5672/") == "amqp://guest:***@127.0.0.1:5672/"
    assert shown("nats://token@127.0.0.1:4222") == "nats://***@127.0.0.1:4222"
    assert shown("jsonl:/tmp//a@b") == "jsonl:/tmp//a@b"  # a path, not a URL
    sink = open_sink("webhook:http://u:s3cret@127.0.0.1:9/hook", state_dir=None)
    assert "s3cret" not in sink.name
    assert sink.name.startswith("webhook:http://u:***@127.0.0.1:9/hook#")
    # the name keys the delivery cursor: credentials that differ keep sinks apart
    other = open_sink("webhook:http://u:0ther@127.0.0.1:9/hook", state_dir=None)
    assert other.name != sink.name and "0ther" not in other.name
    plain = open_sink("webhook:http://127.0.0.1:9/hook", state_dir=None)
    assert plain.name == "webhook:http://127.0.0.1:9/hook"  # unchanged where nothing is masked
    assert shown("webhook:http://u:pa ss@127.0.0.1:9/") == "webhook:http://u:***@127.0.0.1:9/"
    assert shown("http://127.0.0.1:9?x=a@b") == "http://127.0.0.1:9?x=a@b"
    with pytest.raises(InputError) as refused:
        open_sink("webhook:http://u:s3cret@example.com/hook", state_dir=None)
    assert "s3cret" not in str(refused.value) and "u:***@example.com" in str(refused.value)
