"""Assemble a simulator from the registry and run it under uvicorn.

``build`` turns command-line choices into a ready ``SimulatorApp`` (contract compiled, store
opened and seeded, faults loaded, sinks opened) and refuses bad input with ``InputError``
before anything listens. ``serve`` binds the socket itself, so ``--port 0`` can report the
port the OS picked, and stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
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
    data_lists: list[str] = field(default_factory=list)  # --data files, as named there
    claim: StateClaim | None = None

    @property
    def shared(self) -> bool:
        """Whether another live simulator process serves the same state file."""
        return self.claim is not None and self.claim.shared

    def close(self) -> None:
        try:
            self.app.store.close()
        finally:
            if self.claim is not None:
                self.claim.release()


class StateClaim:
    """This process's claim on a state file, so that ``--reset`` cannot wipe the state a
    running simulator is serving.

    Two simulators sharing one state file is supported (the store keeps their caches
    coherent), so the claim never stops a start: it only tells whether others hold one.
    It is a POSIX record lock on ``<state>.lock``: the kernel drops it when its process
    ends, even by ``kill -9``, so a stale claim cannot block anyone, and no pid is needed.
    While a simulator starts (reset, seeding) it holds the lock exclusively, then shares it
    for as long as it serves; a start that finds it held is told so, and ``--reset`` is
    refused. The conversion from exclusive to shared is atomic (``fcntl`` record locks,
    unlike ``flock``). Record locks belong to the process: two simulators built in one
    process do not see each other. Where there is no ``fcntl`` (Windows), nothing is
    claimed."""

    WAIT_S = 30.0  # for another simulator's start-up (reset and seeding) to finish

    def __init__(self, fd: int | None, path: Path, shared: bool) -> None:
        self.fd = fd
        self.path = path
        self.shared = shared

    @classmethod
    def take(cls, state: Path, *, reset: bool) -> StateClaim:
        lock = state.with_name(state.name + ".lock")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return cls(None, lock, False)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(f"cannot create the lock file {lock.name} beside the state: "
                             f"{_reason(exc)}", file=str(state)) from exc
        claim = cls(fd, lock, False)
        try:
            claim.shared = not claim._try(fcntl.LOCK_EX)
            if claim.shared and reset:
                raise InputError("--reset refused: another simulator is serving this state "
                                 "file; stop it first, or reset it with POST /__admin/reset",
                                 file=str(state))
            if claim.shared:
                claim._wait_shared(state)
        except BaseException:
            claim.release()
            raise
        return claim

    def _try(self, kind: int) -> bool:
        """Whether the lock of ``kind`` was taken without waiting. A file system without
        record locks (some network mounts) claims nothing rather than refusing to start."""
        import fcntl

        assert self.fd is not None
        try:
            fcntl.lockf(self.fd, kind | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return False
            self.release()
        return True

    def _wait_shared(self, state: Path) -> None:
        import fcntl

        deadline = time.monotonic() + self.WAIT_S
        while self.fd is not None and not self._try(fcntl.LOCK_SH):
            if time.monotonic() > deadline:
                raise InputError(f"another simulator has been starting on this state file "
                                 f"for over {self.WAIT_S:.0f} s; try again when it listens",
                                 file=str(state))
            time.sleep(0.05)

    def settle(self) -> None:
        """Started: from exclusive to shared, so that others may join."""
        import fcntl

        if self.fd is not None:
            fcntl.lockf(self.fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)


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
    from ledgerpact.registry.repository import CONTRACTS_DIR

    reg = open_registry(registry)
    ws = reg.workspace()
    entry = find_entry(ws, contract_id)
    if entry is None:
        catalog = catalog_for(ws)
        if contract_id not in catalog.entries and contract_id not in catalog.errors:
            raise InputError(f"no contract {contract_id!r} in the registry at "
                             f"{ws.source.label}, and no simulator of that name"
                             f"{_did_you_mean(contract_id, list(catalog.entries))}",
                             file=CONTRACTS_DIR)
        entry = catalog.get(contract_id)  # a contract that fails to load says why
    if entry.meta.kind is not Kind.OPENAPI:
        raise InputError(f"{contract_id} is a {entry.meta.kind.value} contract; simulate "
                         f"serves OpenAPI contracts (erp, invoice-automation, tax-engine, "
                         f"sap-s4hana, netsuite or an OpenAPI contract id)",
                         file=entry.metadata_path, pointer="/kind")
    version = entry.version(ws)
    document = bundle(ws, entry.document_path).document
    return compile_contract(document, contract_id=contract_id, version=version), reg.root


def _did_you_mean(target: str, contract_ids: Sequence[str]) -> str:
    """The closest simulator names for a target no simulator or contract has, compared
    without case (``ERP`` is ``erp``). The named simulators come first: ``sap-s4hanna``
    means the vendor simulator ``sap-s4hana``, not its contract ``sap-s4hana-odata``, which
    alone would be served generically, without the vendor behaviour."""
    from ledgerpact.generators.simulators.behaviours import BEHAVIOUR_CONTRACTS
    from ledgerpact.registry.catalog import suggestions

    near = suggestions(target, BEHAVIOUR_CONTRACTS) or suggestions(target, contract_ids)
    return f"; did you mean {', '.join(near)}?" if near else ""


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
    """A ready simulator. The default state file lies under ``cwd`` when given, else under
    the registry's root: the same world whichever sub-folder the simulator is started from."""
    if data_dir is not None and not data_dir.is_dir():
        raise InputError("--data must be a directory", file=str(data_dir))
    contract_id, behaviour = resolve_target(target)
    contract, root = load_contract(contract_id, registry)
    data_lists = _data_lists(target, behaviour, data_dir)
    bind_registry = getattr(behaviour, "bind_registry", None)
    if bind_registry is not None:  # behaviours that read other contracts read this registry
        bind_registry(root)
    from ledgerpact.generators.simulators.faults import FaultPlan

    if faults is not None and not faults.is_file():
        raise InputError("faults file not found", file=str(faults))
    plan = (FaultPlan.load(faults, seed, routes=contract) if faults is not None
            else FaultPlan.empty(seed))
    base = (cwd or root) / STATE_DIR
    state_path = None if in_memory else (state or base / f"{target}.sqlite")
    if state_path is not None:  # before the default jsonl sink is opened inside it
        prepare_state_dir(state_path)
    claim = StateClaim.take(state_path, reset=reset) if state_path is not None else None
    try:
        if events is None:
            events = ([] if state_path is None
                      else [f"jsonl:{state_path.parent / f'{target}-events.jsonl'}"])
        sinks = _open_sinks(events, state_path.parent if state_path else None)
        store, fresh = open_state(state_path, seed=seed, reset=reset, target=target)
        app = _make_app(contract, store, behaviour, root, sinks, target, seed=seed, plan=plan,
                        data_dir=data_dir, auth=auth, fresh=fresh)
    except BaseException:
        if claim is not None:
            claim.release()
        raise
    if claim is not None:
        claim.settle()
    return Simulator(app, target, contract_id, contract.version, state_path, list(events),
                     fresh, data_lists=data_lists, claim=claim)


def _data_lists(target: str, behaviour: Behaviour | None, data_dir: Path | None
                ) -> list[str]:
    """The ``--data`` files the simulator will read, checked before anything starts: a
    folder it would read nothing from must not leave it running on generated data."""
    if data_dir is None:
        return []
    if behaviour is None:
        from ledgerpact.generators.simulators.behaviours import BEHAVIOUR_CONTRACTS

        raise InputError(f"{target} is served generically from its contract and reads no "
                         f"data files; --data is for {', '.join(BEHAVIOUR_CONTRACTS)}",
                         file=str(data_dir))
    from ledgerpact.generators.simulators.behaviours.finance_data import data_files

    return [path.name for path in data_files(data_dir).values()]


def _make_app(contract: CompiledContract, store: Store, behaviour: Behaviour | None,
              root: Path, sinks: list[Any], target: str, *, seed: int, plan: Any,
              data_dir: Path | None, auth: bool, fresh: bool) -> SimulatorApp:
    """The app over an open store, seeded when the store is fresh; the store is closed if
    that fails, so a refused start leaves no open database behind."""
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
    return app


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


# Why bind() failed because of the address rather than the port.
_HOST_ERRORS = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EINVAL}


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; a refusal names the option to change (``--port`` or
    ``--host``) and what to give instead, since the user typed those, not a socket."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise _bind_error(host, port, exc) from exc
    sock.set_inheritable(True)
    return sock


def _bind_error(host: str, port: int, exc: OSError) -> InputError:
    shown = f"[{host}]" if ":" in host else host
    reason = f"cannot listen on {shown}:{port}: {_reason(exc)}"
    if isinstance(exc, socket.gaierror) or exc.errno in _HOST_ERRORS:
        return InputError(f"{reason}; give an address of this machine, such as 127.0.0.1 "
                          f"or 0.0.0.0", file=f"--host {host}")
    return InputError(f"{reason}; give another port, or --port 0 for any free one",
                      file=f"--port {port}")


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

