"""The system under verification: an adapter wired to its vendor simulator, on 127.0.0.1.

Everything runs in this process on daemon threads (the vendor simulator, the adapter, the
provider-state endpoint the Pact core calls), so a verification needs no ports chosen in
advance and leaves nothing running: ``Environment`` is a context manager that stops each
server and deletes its temporary event sink on the way out, whatever happened inside.

Provider states are served over HTTP by our own small endpoint rather than pact-python's
built-in callback because the Pact core reads the JSON a state change answers as the
values a pact may inject (``fromProviderState``), and pact-python's callback discards them;
and because a refused state answers 400, which the core reports at once, where a 500 is
retried with a back-off of about a minute.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from ledgerpact.governance.verify.messages import EventMarks

StateHandler = Callable[[Mapping[str, Any], "ProviderEnv"], "dict[str, Any] | None"]
ServiceFactory = Callable[..., Any]


@dataclass(frozen=True)
class ProviderEnv:
    """What a state handler may use: the vendor simulator and the adapter, by URL."""

    vendor_url: str
    adapter_url: str


@dataclass
class StateLog:
    """Why each refused provider state was refused (the Pact core reports only that one
    failed), for the failure lines of the interactions that named it."""

    failures: dict[str, str] = field(default_factory=dict)
    # (state, params as canonical JSON) -> names of the values its handler returned
    values: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, state: str, reason: str) -> None:
        with self.lock:
            self.failures[state] = reason

    def returned(self, state: str, params: Mapping[str, Any], names: set[str]) -> None:
        with self.lock:
            self.values.setdefault((state, state_key(params)), set()).update(names)

    def names(self, state: str, params: Mapping[str, Any]) -> set[str]:
        """The value names the handler of ``state`` with ``params`` returned (any run)."""
        with self.lock:
            return set(self.values.get((state, state_key(params)), set()))

    def reason(self, state: str) -> str | None:
        with self.lock:
            return self.failures.get(state)


def state_key(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def dispatch_state(handlers: Mapping[str, StateHandler], env: ProviderEnv, state: str,
                   params: Mapping[str, Any]) -> dict[str, Any]:
    """Run the handler of ``state``; unknown states raise ``LookupError`` naming the state
    and the known ones."""
    handler = handlers.get(state)
    if handler is None:
        known = ", ".join(repr(s) for s in sorted(handlers)) or "none"
        raise LookupError(f"no handler for provider state {state!r} (the adapter handles: "
                          f"{known})")
    values = handler(params, env)
    return dict(values) if values else {}


class _StateServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handlers: Mapping[str, StateHandler], env_ref: list[ProviderEnv],
                 log: StateLog, marks: EventMarks) -> None:
        super().__init__(("127.0.0.1", 0), _StateRequest)
        self.handlers = handlers
        self.env_ref = env_ref
        self.log = log
        self.marks = marks


class _StateRequest(BaseHTTPRequestHandler):
    server: _StateServer
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK of the headers (40 ms on Linux), twice per interaction.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._answer(400, {"error": "the state change body is not JSON"})
            return
        state = str(data.get("state") or "")
        params = data.get("params") or {}
        if data.get("action", "setup") != "setup" or not state:
            if data.get("action") == "teardown":
                self.server.marks.end()
            self._answer(200, {})
            return
        try:
            self.server.marks.setup(self.server.env_ref[0].adapter_url)
            values = dispatch_state(self.server.handlers, self.server.env_ref[0], state,
                                    params if isinstance(params, dict) else {})
        except Exception as exc:  # any refusal fails the interaction that needs the state
            reason = str(exc) if isinstance(exc, LookupError) else \
                f"the handler raised {type(exc).__name__}: {exc}"
            self.server.log.failed(state, reason)
            self._answer(400, {"error": reason})
            return
        self.server.log.returned(state, params if isinstance(params, dict) else {},
                                 set(values))
        self._answer(200, values)


class Environment:
    """Vendor simulator + adapter + provider-state endpoint, started on ``__enter__``."""

    def __init__(self, *, vendor_simulator: str, service: ServiceFactory,
                 handlers: Mapping[str, StateHandler], registry: Path, seed: int) -> None:
        self.vendor_simulator = vendor_simulator
        self.service = service
        self.handlers = handlers
        self.registry = registry
        self.seed = seed
        self.state_log = StateLog()
        self.marks = EventMarks()
        self._stack: list[Callable[[], None]] = []
        self.env: ProviderEnv | None = None
        self.app: Any = None
        self.state_url = ""
        self.sink_path = Path()

    def __enter__(self) -> Environment:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _start(self) -> None:
        from ledgerpact.generators.simulators.server import build, start_in_thread

        tmp = Path(tempfile.mkdtemp(prefix="ledgerpact-verify-"))
        self._stack.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
        self.sink_path = tmp / "adapter-events.jsonl"
        vendor = build(self.vendor_simulator, registry=self.registry, seed=self.seed,
                       in_memory=True)
        self._stack.append(vendor.close)
        vendor_bg = start_in_thread(vendor.app)
        self._stack.append(vendor_bg.stop)
        app = self.service(vendor_bg.url, registry=self.registry,
                           events=[f"jsonl:{self.sink_path}"])
        self.app = app
        store = getattr(app, "store", None)
        if store is not None:
            self._stack.append(store.close)
        adapter_bg = start_in_thread(app)
        self._stack.append(adapter_bg.stop)
        self.env = ProviderEnv(vendor_bg.url, adapter_bg.url)
        server = _StateServer(self.handlers, [self.env], self.state_log, self.marks)
        thread = threading.Thread(target=server.serve_forever, daemon=True,
                                  name="verify-provider-states")
        thread.start()

        def stop_states() -> None:
            server.shutdown()
            server.server_close()

        self._stack.append(stop_states)
        self.state_url = f"http://127.0.0.1:{server.server_port}/provider-states"

    @property
    def adapter_url(self) -> str:
        assert self.env is not None, "the environment is not started"
        return self.env.adapter_url

    @property
    def vendor_url(self) -> str:
        assert self.env is not None, "the environment is not started"
        return self.env.vendor_url

    def close(self) -> None:
        while self._stack:
            step = self._stack.pop()
            with contextlib.suppress(Exception):  # teardown goes on: stop every server
                step()
