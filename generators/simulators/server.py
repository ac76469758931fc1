"""Assemble a simulator from the registry and run it under uvicorn.

``build`` turns command-line choices into a ready ``SimulatorApp`` (contract compiled, store
opened and seeded, faults loaded, sinks opened) and refuses bad input with ``InputError``
before anything listens. ``serve`` binds the socket itself, so ``--port 0`` can report the
port the OS picked, and stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import uvicorn

from ledgerpact.generators.simulators.app import SimulatorApp
from ledgerpact.generators.simulators.spec import CompiledContract, compile_contract
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.messages import Behaviour
    from ledgerpact.generators.simulators.store import Store

STATE_DIR = Path(".ledgerpact") / "simulators"


@dataclass
class Simulator:
    """A built simulator and what the CLI reports about it."""

    app: SimulatorApp
    target: str
    contract_id: str
    version: str
    state_path: Path | None
    event_specs: list[str] = field(default_factory=list)
    seeded_now: bool = False

    def close(self) -> None:
        self.app.store.close()


def resolve_target(target: str) -> tuple[str, Behaviour | None]:
    """(contract id, behaviour or None) for a command-line target."""
    from ledgerpact.generators.simulators.behaviours import BEHAVIOUR_CONTRACTS, behaviour_for

    contract_id = BEHAVIOUR_CONTRACTS.get(target, target)
    return contract_id, behaviour_for(target)


def load_contract(contract_id: str, registry: Path | None) -> tuple[CompiledContract, Path]:
    """The registry contract bundled and compiled, and the registry's root."""
    from ledgerpact.registry.bundle import bundle
    from ledgerpact.registry.catalog import find_entry
    from ledgerpact.registry.cli_support import catalog_for, open_registry
    from ledgerpact.registry.metadata import Kind

    reg = open_registry(registry)
    ws = reg.workspace()
    entry = find_entry(ws, contract_id)
    if entry is None:
        entry = catalog_for(ws).get(contract_id)  # raises with "did you mean"
    if entry.meta.kind is not Kind.OPENAPI:
        raise InputError(f"{contract_id} is a {entry.meta.kind.value} contract; simulate "
                         f"serves OpenAPI contracts (erp, invoice-automation, tax-engine, "
                         f"sap-s4hana, netsuite or an OpenAPI contract id)",
                         file=entry.metadata_path, pointer="/kind")
    version = entry.version(ws)
    document = bundle(ws, entry.document_path).document
    return compile_contract(document, contract_id=contract_id, version=version), reg.root


def _reason(exc: BaseException) -> str:
    """Why an OS or SQLite call failed, without the errno prefix Python adds."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def prepare_state_dir(path: Path) -> None:
    """Create the folder of state file ``path``, or raise a one-line ``InputError``.

    A folder that cannot be made (a parent is a regular file, /proc, no permission) is the
    user's to fix, so it must read as bad input (exit 2) rather than a traceback."""
    folder = path.parent
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()),
                   None)
    if blocker is not None:
        raise InputError(f"cannot create the state folder {folder}: {blocker} is a file, "
                         f"not a folder", file=str(path))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the state folder {folder}: {_reason(exc)}",
                         file=str(path)) from exc
    if path.is_dir():
        raise InputError("the state file is a folder; give a file path", file=str(path))


def open_state(path: Path | None, *, seed: int, reset: bool,
               target: str | None = None) -> tuple[Store, bool]:
    """The store, and whether it is fresh (to be seeded). A store seeded with another seed,
    or kept for another target, is refused rather than silently mixed: its data would not
    match what the command line asks for."""
    from ledgerpact.generators.simulators.store import Store

    if path is not None:
        prepare_state_dir(path)
    try:
        store = Store.open(path)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"cannot open the state file: {_reason(exc)}", file=str(path)) from exc
    if reset:
        store.clear()
    fresh = store.is_empty()
    saved_seed = store.meta_get("seed")
    saved_target = store.meta_get("target")
    problem = None
    if not fresh and target is not None and saved_target not in (None, target):
        problem = (f"the state belongs to the {saved_target} simulator, not {target}; use "
                   f"another --state, or --reset to discard it")
    elif not fresh and saved_seed not in (None, str(seed)):
        problem = (f"the state was seeded with --seed {saved_seed}, not --seed {seed}; use "
                   f"--reset to discard it (or --seed {saved_seed})")
    if problem is not None:
        store.close()
        raise InputError(problem, file=str(path))
    if target is not None:
        store.meta_set("target", target)
    if saved_seed is None:
        store.meta_set("seed", str(seed))
    return store, fresh


def build(target: str, *, registry: Path | None = None, seed: int = 1,
          data_dir: Path | None = None, state: Path | None = None, in_memory: bool = False,
          reset: bool = False, faults: Path | None = None,
          events: Sequence[str] | None = None, cwd: Path | None = None,
          auth: bool = True) -> Simulator:
    if data_dir is not None and not data_dir.is_dir():
        raise InputError("--data must be a directory", file=str(data_dir))
    contract_id, behaviour = resolve_target(target)
    contract, root = load_contract(contract_id, registry)
    bind_registry = getattr(behaviour, "bind_registry", None)
    if bind_registry is not None:  # behaviours that read other contracts read this registry
        bind_registry(root)
    from ledgerpact.generators.simulators.faults import FaultPlan

    if faults is not None and not faults.is_file():
        raise InputError("faults file not found", file=str(faults))
    plan = (FaultPlan.load(faults, seed, routes=contract) if faults is not None
            else FaultPlan.empty(seed))
    base = (cwd or Path.cwd()) / STATE_DIR
    state_path = None if in_memory else (state or base / f"{target}.sqlite")
    if state_path is not None:  # before the default jsonl sink is opened inside it
        prepare_state_dir(state_path)
    if events is None:
        events = ([] if state_path is None
                  else [f"jsonl:{state_path.parent / f'{target}-events.jsonl'}"])
    sinks = _open_sinks(events, state_path.parent if state_path else None)
    store, fresh = open_state(state_path, seed=seed, reset=reset, target=target)
    source = f"ledgerpact-simulator/{target}"

    def event_factory() -> Any:
        from ledgerpact.generators.simulators.events import EventFactory

        return EventFactory.from_registry(source, root)

    def relay_factory(store: Store) -> Any:
        from ledgerpact.generators.simulators.events import Relay

        return Relay(store, sinks)

    try:
        app = SimulatorApp(contract, store, seed=seed, behaviour=behaviour, faults=plan,
                           event_factory=event_factory,
                           relay_factory=relay_factory if sinks else None, data_dir=data_dir,
                           auth=auth)
        if fresh:
            app.reset(seed)
    except BaseException:
        store.close()
        raise
    return Simulator(app, target, contract_id, contract.version, state_path, list(events),
                     fresh)


def _open_sinks(specs: Sequence[str], state_dir: Path | None) -> list[Any]:
    from ledgerpact.generators.simulators.events import open_sink

    return [open_sink(spec, state_dir=state_dir) for spec in specs]


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after a graceful shutdown (so the process dies of
    the signal); a simulator that stopped cleanly should simply exit 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(sig: int, frame: FrameType | None) -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


def make_server(app: SimulatorApp) -> uvicorn.Server:
    config = uvicorn.Config(app, loop="uvloop", http="httptools", ws="none", lifespan="on",
                            access_log=False, log_level="error", server_header=False,
                            backlog=4096, timeout_keep_alive=30, proxy_headers=False)
    return _Server(config)


def ignore_sigpipe() -> None:
    """A server must outlive its clients. ``ledgerpact``'s main() restores SIGPIPE's default
    (so ``ledgerpact ... | head`` ends quietly), and with that default a client that resets
    its connection while a response is still being written kills the whole process (exit
    -13, seen under wrk). Ignored, the write fails with EPIPE and only that connection ends.
    Only the main thread may change a signal's handler; elsewhere this does nothing."""
    if hasattr(signal, "SIGPIPE") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def serve(app: SimulatorApp, sock: socket.socket,
          on_ready: Callable[[int], None] | None = None) -> bool:
    """Run until SIGTERM/SIGINT; ``on_ready(port)`` once the server accepts connections.
    False when it never started (uvicorn has logged why)."""
    ignore_sigpipe()
    server = make_server(app)
    port = sock.getsockname()[1]

    async def main() -> None:
        async def announce() -> None:
            while not server.started:
                if server.should_exit:
                    return
                await asyncio.sleep(0.005)
            if on_ready is not None:
                on_ready(port)

        watcher = asyncio.create_task(announce())
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()

    factory = server.config.get_loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())
    return bool(server.started)


@dataclass
class Background:
    """A simulator served from a thread (tests, benchmarks, embedding in another tool)."""

    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)


def start_in_thread(app: SimulatorApp, host: str = "127.0.0.1", port: int = 0,
                    timeout_s: float = 10.0) -> Background:
    """Serve ``app`` from a daemon thread; returns once it accepts connections."""
    ignore_sigpipe()  # the serving thread is not the main one: set it for the process here
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    server = make_server(app)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              daemon=True, name=f"simulator-{actual}")
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the simulator did not start on {host}:{actual}")
        time.sleep(0.005)
    shown = f"[{host}]" if ":" in host else host
    return Background(f"http://{shown}:{actual}", actual, server, thread)

