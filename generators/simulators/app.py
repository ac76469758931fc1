"""The simulator as a raw ASGI application: one contract, one store, one behaviour.

No web framework: the pipeline is short and runs for every request of a benchmark that must
beat Prism by 3x, so each step is a table lookup or a compiled validator. Per request:
match the route (404/405) -> fault decision -> request validation (400/415/422 problem with
``violations``) -> behaviour or generic responder -> response validation (a simulator's own
violation is reported in ``X-Simulator-Violation`` and the journal, the response still
goes out) -> send -> journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import socket
import struct
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ledgerpact.generators.simulators import admin
from ledgerpact.generators.simulators.clock import SettableClock
from ledgerpact.generators.simulators.events import correlation
from ledgerpact.generators.simulators.journal import Entry, Journal, clip
from ledgerpact.generators.simulators.jsonio import dumps
from ledgerpact.generators.simulators.messages import (
    Behaviour,
    Clock,
    Context,
    SimRequest,
    SimResponse,
    problem,
    uri_reference,
)
from ledgerpact.generators.simulators.spec import (
    CompiledContract,
    Credential,
    Operation,
    is_json_media,
)
from ledgerpact.generators.simulators.validate import (
    Violation,
    acceptable,
    missing_credentials,
    validate_request,
    validate_response,
)

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.events import EventFactory
    from ledgerpact.generators.simulators.faults import Decision, FaultPlan
    from ledgerpact.generators.simulators.generic import GenericResponder
    from ledgerpact.generators.simulators.store import Store

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

VIOLATION_HEADER = "X-Simulator-Violation"
MAX_BODY = 16 * 1024 * 1024
_PREFER_KEYS = frozenset({"code", "example", "dynamic"})
PROBLEM_BASE = "https://ledgerpact.dev/problems/"
log = logging.getLogger("ledgerpact.simulate")


def _header_text(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat.encode("latin-1", "replace").decode("latin-1")[:limit]


def violation_header(violations: Sequence[Violation]) -> str:
    first = violations[0]
    where = f"{first['location']} {first['pointer']}".rstrip()
    return _header_text(f"{len(violations)}; {where}: {first['message']}")


class SimulatorApp:
    """Everything one running simulator holds; admin.py reads and resets it."""

    def __init__(self, contract: CompiledContract, store: Store, *, seed: int = 1,
                 behaviour: Behaviour | None = None, generic: GenericResponder | None = None,
                 faults: FaultPlan | None = None, events: EventFactory | None = None,
                 event_factory: Callable[[], EventFactory] | None = None,
                 relay_factory: Callable[[Store], Any] | None = None,
                 data_dir: Path | None = None, clock: Clock | None = None,
                 journal: Journal | None = None, auth: bool = True) -> None:
        self.contract = contract
        # Whether the contract's security is enforced (presence of credentials only).
        self.auth = auth
        self.store = store
        self.seed = seed
        self.behaviour = behaviour
        bind_contract = getattr(behaviour, "bind_contract", None)
        if bind_contract is not None:  # a behaviour that reads the contract reads ours
            bind_contract(contract.document)
        self._generic = generic
        if faults is None:
            from ledgerpact.generators.simulators.faults import FaultPlan

            faults = FaultPlan.empty(seed)
        self.faults = faults
        self._events = events
        self._event_factory = event_factory
        self._events_lock = threading.Lock()
        self._relay_factory = relay_factory
        self._relay_task: asyncio.Task[None] | None = None
        self.relay: Any = None
        self.data_dir = data_dir
        self.clock: Clock = clock or SettableClock()
        self.journal = journal or Journal()
        self.started = time.monotonic()
        self._warned: set[str] = set()
        self.max_body = MAX_BODY

    # -- wiring ---------------------------------------------------------------------------

    @property
    def generic(self) -> GenericResponder:
        if self._generic is None:
            from ledgerpact.generators.simulators.generic import GenericResponder

            self._generic = GenericResponder(dict(self.contract.document), self.seed)
        return self._generic

    @property
    def events(self) -> EventFactory:
        """The finance-events factory, built once (compiling the AsyncAPI document's
        validators takes about a second, so a behaviour's simulator starts building it in a
        thread as soon as it listens; the first emit waits for it if need be)."""
        if self._events is None:
            with self._events_lock:
                if self._events is None:
                    if self._event_factory is None:
                        raise RuntimeError("this simulator has no finance-events factory")
                    self._events = self._event_factory()
        return self._events

    def _prepare_events(self) -> None:
        with contextlib.suppress(Exception):  # a failure surfaces on the first emit
            _ = self.events

    def context(self, rng: random.Random, correlation_id: str | None = None) -> Context:
        """A behaviour's context for one request. Every event the request publishes shares
        one correlation id (``correlation_id``: the client's valid ``X-Correlation-Id``, else
        the business transaction's stored one, else one generated for the request)."""
        def build(message: str, data: Mapping[str, Any], subject: str | None,
                  correlation: str) -> None:
            built = self.events.build(message, data, event_id=str(uuid.uuid4()),
                                      time=self.clock.now(), subject=subject,
                                      correlation_id=correlation)
            self.store.outbox_add(built)

        emit = correlation.RequestCorrelation(build, correlation_id)
        return Context(store=self.store, clock=self.clock, rng=rng, seed=self.seed, emit=emit)

    def reset(self, seed: int | None = None) -> None:
        """Back to the seeded starting state: empty store, reference data, fresh journal."""
        if seed is not None:
            self.seed = seed
            self._generic = None
        with self.store.transaction():
            target = self.store.meta_get("target")
            self.store.clear()
            self.store.meta_set("seed", str(self.seed))
            if target is not None:
                self.store.meta_set("target", target)
            if self.behaviour is not None:
                self.behaviour.seed(self.store, self.seed, self.data_dir)
        self.journal.clear()
        self.faults.reseed(self.seed)
        self.started = time.monotonic()

    def _first_time(self, message: str) -> bool:
        """Problems are logged the first time only: stderr is often a pipe nobody reads,
        and a full pipe would stall the server; the journal keeps every occurrence."""
        if message in self._warned or len(self._warned) >= 200:
            return False
        self._warned.add(message)
        return True

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, _ClientSend(send))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if (self.behaviour is not None and self._events is None
                        and self._event_factory is not None):
                    threading.Thread(target=self._prepare_events, daemon=True,
                                     name="finance-events").start()
                try:
                    if self._relay_factory is not None:
                        self.relay = self._relay_factory(self.store)
                        self._relay_task = asyncio.create_task(self.relay.run())
                        self._relay_task.add_done_callback(_relay_stopped)
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed",
                                "message": f"event relay: {type(exc).__name__}: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._stop_relay()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _stop_relay(self) -> None:
        """Stop delivering; give pending events a short chance to go out (they stay in the
        durable outbox either way and are delivered after the next start)."""
        task, self._relay_task = self._relay_task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        drain = getattr(self.relay, "drain", None)
        if drain is not None:
            with contextlib.suppress(Exception):
                await drain(2.0)
        close = getattr(self.relay, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        size = 0
        more = True
        too_large = False
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)  # the journal keeps the start of even a refused body
            if size > self.max_body:
                # Answered below, once the request is known, so the 413 is checked against
                # the operation and journaled like every other response.
                too_large = True
                break
            more = message.get("more_body", False)
        body = b"".join(chunks)
        # The path as received (percent-encoded, as it must appear in a problem's
        # ``instance``); routing decodes each path parameter itself.
        raw_path = scope.get("raw_path")
        path: str = raw_path.decode("latin-1") if raw_path else scope["path"]
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope["headers"]}
        if path == "/__admin" or path.startswith("/__admin/"):
            await self._admin(send, method, path, scope, body, too_large)
            return
        started = time.perf_counter()
        query = scope["query_string"].decode("latin-1")
        entry = Entry(seq=self.journal.next_seq(),
                      time=self.clock.now().isoformat().replace("+00:00", "Z"),
                      method=method, path=path, query=query, operation_id=None,
                      request_headers=headers, request_body=clip(body),
                      idempotency_key=headers.get("idempotency-key"))
        entry.started = started
        try:
            if too_large:
                await self._too_large(send, method, path, entry)
            else:
                await self._pipeline(scope, send, method, path, query, headers, body, entry)
        except Exception as exc:
            if _dropped_on_purpose(exc, entry):
                raise  # a reset/timeout fault without a socket to abort: the server drops it
            await self._crashed(send, method, path, entry, exc)
        finally:
            if not entry.recorded:
                self._record(entry)

    async def _admin(self, send: Send, method: str, path: str, scope: Scope, body: bytes,
                     too_large: bool) -> None:
        """The admin API (not journaled: it is the journal's reader). Its own failures are
        problem+json 500s too: a test harness should read why, not a uvicorn traceback."""
        try:
            if too_large:
                response = self._too_large_problem(path)
            else:
                response = await admin.handle(self, method, path[len("/__admin"):],
                                              scope["query_string"].decode("latin-1"), body)
            encoded = self._encode(response)
        except Exception as exc:
            log.error("admin error on %s %s", method, path, exc_info=exc)
            response = _crash_problem(exc)
            encoded = self._encode(response)
        await self._send(send, response.status, *encoded)

    def _too_large_problem(self, path: str) -> SimResponse:
        return problem(413, "Content too large",
                       f"request bodies are limited to {self.max_body} bytes",
                       type_=PROBLEM_BASE + "content-too-large", code="CONTENT_TOO_LARGE",
                       instance=uri_reference(path))

    async def _too_large(self, send: Send, method: str, path: str, entry: Entry) -> None:
        """413 for a body over ``max_body``, checked against the operation the request was
        for (a 413 it does not declare is flagged like any other off-contract answer) and
        journaled with the part of the body that was read."""
        op: Operation | None = None
        match = self.contract.match(path)
        if match is not None:
            op = match.route.operations.get(method)
            if op is None and method == "HEAD":
                op = match.route.operations.get("GET")
        response = self._too_large_problem(path)
        if op is None:
            await self._finish(send, None, self._native(response), entry)
            return
        entry.operation_id = op.operation_id
        await self._finish(send, op, self._engine_answer(op, response, entry.request_headers),
                           entry)

    async def _crashed(self, send: Send, method: str, path: str, entry: Entry,
                       exc: Exception) -> None:
        """An exception escaped the pipeline (a bug, or input nothing anticipated): the
        client gets the same problem+json 500 a crashing behaviour produces, checked and
        journaled; never uvicorn's plain-text 500 and a journal entry without a status."""
        if self._first_time(f"{entry.operation_id}: {type(exc).__name__}: {exc}"):
            log.error("simulator error on %s %s", method, path, exc_info=exc)
        if getattr(send, "started", False):
            return  # the response is on its way: nothing more can be said to the client
        op = self.contract.operations.get(entry.operation_id or "")
        response = _crash_problem(exc)
        try:
            await self._finish(send, op, self._native(response), entry)
        except Exception as again:  # the error path itself failed: the bare problem
            log.error("simulator error answering %s %s", method, path, exc_info=again)
            if getattr(send, "started", False):
                return
            response = _crash_problem(exc)
            raw_headers, payload = self._encode(response)
            entry.status = response.status
            entry.response_body = clip(payload)
            entry.response_headers = {k.decode("latin-1"): v.decode("latin-1")
                                      for k, v in raw_headers}
            self._record(entry)
            await self._send(send, response.status, raw_headers, payload)

    async def _pipeline(self, scope: Scope, send: Send, method: str, path: str, query: str,
                        headers: dict[str, str], body: bytes, entry: Entry) -> None:
        match = self.contract.match(path)
        if match is None:
            response = problem(404, "Not found", f"no path of {self.contract.contract_id} "
                               f"matches {path}", type_=PROBLEM_BASE + "not-found")
            await self._finish(send, None, self._native(response), entry)
            return
        op = match.route.operations.get(method)
        if op is None and method == "HEAD":
            # HEAD of a GET: the same answer without its body (the server drops the body
            # and keeps Content-Length); the behaviour and responder see the GET.
            op = match.route.operations.get("GET")
            method = "GET" if op is not None else method
        if op is None:
            methods = list(match.route.operations)
            if "GET" in methods and "HEAD" not in methods:
                methods.append("HEAD")
            allowed = ", ".join(methods)
            response = problem(405, "Method not allowed", f"{method} is not declared for "
                               f"{match.route.template} (allowed: {allowed})",
                               type_=PROBLEM_BASE + "method-not-allowed")
            response.headers["Allow"] = allowed
            await self._finish(send, None, self._native(response), entry)
            return
        entry.operation_id = op.operation_id
        decision = self.faults.decide(op.operation_id, method, op.path_template,
                                      time.monotonic() - self.started)
        if decision.kind != "none" or decision.delay_s:
            entry.fault = _fault_record(decision)
            if decision.delay_s:
                await asyncio.sleep(decision.delay_s)
            if decision.kind != "none":
                await self._fault(send, decision, op, entry, headers)
                return
        if self.auth and op.security:
            wanted = missing_credentials(op, headers, query)
            if wanted:
                await self._unauthorized(send, op, wanted, entry, headers)
                return
        if not acceptable(headers.get("accept"), op):
            await self._not_acceptable(send, op, headers["accept"], entry, headers)
            return
        parsed = validate_request(op, match.path_params, query, headers, body)
        if parsed.violations:
            entry.request_violations = parsed.violations
            refused = self._engine_answer(op, self._invalid(
                op, parsed.violations, parsed.unsupported_media, path), headers)
            await self._finish(send, op, refused, entry)
            return
        request = SimRequest(method=method, path=path, operation_id=op.operation_id,
                             path_template=op.path_template, path_params=parsed.path_params,
                             query=parsed.query, headers=headers, body=parsed.body,
                             raw_body=body, media_type=parsed.media_type)
        rng = random.Random(self.seed * 1_000_003 + entry.seq)
        # An explicit Prefer (code, example, dynamic) asks for the contract's canned answer,
        # so it goes to the generic responder even where a behaviour would answer.
        prefer = _parse_prefer(headers.get("prefer")) if "prefer" in headers else {}
        # A header that is no valid correlation id is ignored (no API contract declares it):
        # a client's value must never break the events the request publishes.
        known = correlation.from_headers(headers)
        try:
            response = None
            if self.behaviour is not None and not _PREFER_KEYS.intersection(prefer):
                ctx = self.context(rng, known)
                response = await self.behaviour.handle(request, ctx)
                emit = ctx.emit
                if isinstance(emit, correlation.RequestCorrelation) and emit.known:
                    known = emit.correlation_id
            if response is None:
                response = self.generic.respond(op.path_template, method, request, prefer,
                                                rng)
        except Exception as exc:
            if self._first_time(f"{op.operation_id}: {type(exc).__name__}: {exc}"):
                log.error("simulator error on %s %s", method, path, exc_info=exc)
            response = self._native(_crash_problem(exc))
        if known is not None:
            response = self._with_correlation(op, response, known)
        await self._finish(send, op, response, entry)

    def _with_correlation(self, op: Operation, response: SimResponse,
                          correlation_id: str) -> SimResponse:
        """A problem answered to a request of a known business transaction carries its
        ``correlationId`` (the problem schema's extension member), where the operation's
        schema for that answer accepts it: a vendor's own error format may not."""
        body = response.body
        if (not isinstance(body, dict) or body.get("correlationId") == correlation_id
                or response.media_type.split(";", 1)[0].strip().lower()
                != "application/problem+json"):
            return response
        tagged = SimResponse(response.status, {**body, "correlationId": correlation_id},
                             dict(response.headers), response.media_type)
        try:
            before = self._check_response(op, response, dumps(body))
            after = self._check_response(op, tagged, dumps(tagged.body))
        except (TypeError, ValueError):
            return response
        return tagged if len(after) <= len(before) else response

    def _engine_answer(self, op: Operation, response: SimResponse,
                       headers: Mapping[str, str]) -> SimResponse:
        """An answer the engine gives itself for an operation (an invalid request, 401, 406,
        413, an injected fault), in the behaviour's format and carrying the request's valid
        X-Correlation-Id like every problem of that operation: a client tracing a failed call
        by its id must find it on a refusal or a fault too (where the operation's schema
        allows it)."""
        response = self._native(response)
        known = correlation.from_headers(headers)
        return response if known is None else self._with_correlation(op, response, known)

    def _native(self, response: SimResponse) -> SimResponse:
        """An error the engine answers itself (invalid request, missing credentials, unknown
        path, injected fault, crash), in the behaviour's own error format when it has one: a
        vendor simulator must answer like the vendor (an OData error, a NetSuite error), or
        clients written against the vendor's contract would see a shape it never declares."""
        render = getattr(self.behaviour, "render_error", None)
        return response if render is None else render(response)

    def _invalid(self, op: Operation, violations: list[Violation], media: bool,
                 path: str) -> SimResponse:
        status = invalid_status(op, violations, media)
        first = violations[0]
        errors = [{"pointer": v["pointer"] or "", "detail": _header_text(v["message"], 2000)}
                  for v in violations]
        title = "Unsupported media type" if media else "Request does not match the contract"
        return problem(status, title,
                       f"{len(violations)} violation(s); first: {first['location']} "
                       f"{first['pointer'] or '/'}: {first['message']}"[:4000],
                       type_=PROBLEM_BASE + ("unsupported-media-type" if media
                                             else "validation-failed"),
                       code="UNSUPPORTED_MEDIA_TYPE" if media else "VALIDATION_FAILED",
                       instance=uri_reference(path), violations=violations,
                       errors=errors)

    async def _unauthorized(self, send: Send, op: Operation, wanted: Sequence[Credential],
                            entry: Entry, headers: Mapping[str, str]) -> None:
        """401 with the challenges of the credentials asked for. Validated against the
        contract only where the operation declares a 401 (or a range or default that
        covers it): otherwise the contract says nothing about it, and a refusal the
        contract's own security demands is not the simulator's violation."""
        shown = ", ".join(_credential_text(c) for c in wanted)
        response = problem(401, "Unauthorized",
                           f"{op.operation_id} requires credentials: {shown} (any non-empty "
                           f"value is accepted; the simulator does not verify them)",
                           type_=PROBLEM_BASE + "unauthorized", code="UNAUTHORIZED")
        response.headers["WWW-Authenticate"] = ", ".join(
            dict.fromkeys(c.challenge for c in wanted))
        await self._finish(send, op, self._engine_answer(op, response, headers), entry,
                           validate=op.response_for(401) is not None)

    async def _not_acceptable(self, send: Send, op: Operation, accept: str,
                              entry: Entry, headers: Mapping[str, str]) -> None:
        """406 where no declared media type meets ``Accept``; validated only where the
        operation declares a 406 (see _unauthorized)."""
        declared = sorted({mt for spec in op.responses.values() for mt in spec.content})
        response = problem(406, "Not acceptable",
                           f"Accept: {_header_text(accept, 200)} admits none of the media "
                           f"types {op.operation_id} declares: {', '.join(declared)}",
                           type_=PROBLEM_BASE + "not-acceptable", code="NOT_ACCEPTABLE",
                           declared=declared)
        await self._finish(send, op, self._engine_answer(op, response, headers), entry,
                           validate=op.response_for(406) is not None)

    async def _fault(self, send: Send, decision: Decision, op: Operation,
                     entry: Entry, headers: Mapping[str, str]) -> None:
        if decision.kind in ("reset", "timeout"):
            if decision.kind == "timeout" and decision.hang_s:
                await asyncio.sleep(decision.hang_s)
            entry.status = None
            await _drop_connection(send)
            return
        status = decision.status or {"rate_limit": 429, "outage": 503}.get(decision.kind, 500)
        titles = {429: "Too many requests", 503: "Service unavailable"}
        response = problem(status, titles.get(status, "Injected fault"),
                           f"fault injected by the simulator (rule {decision.rule or '?'})",
                           type_=PROBLEM_BASE + ("rate-limited" if status == 429
                                                 else "injected-fault"),
                           code="RATE_LIMITED" if status == 429 else "INJECTED_FAULT")
        if decision.retry_after_s is not None or status in (429, 503):
            # 0 is a valid delay-seconds ("retry now"); 1 only when the plan sets none.
            retry = 1 if decision.retry_after_s is None else decision.retry_after_s
            response.headers["Retry-After"] = str(retry)
        await self._finish(send, op, self._engine_answer(op, response, headers), entry,
                           validate=False)

    def _encode(self, response: SimResponse) -> tuple[list[tuple[bytes, bytes]], bytes]:
        body = response.body
        if body is None:
            payload = b""
        elif isinstance(body, bytes | bytearray):
            payload = bytes(body)
        elif isinstance(body, str) and not is_json_media(response.media_type):
            payload = body.encode()
        else:
            payload = dumps(body)
        headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1"))
                   for k, v in response.headers.items()]
        if payload or response.body is not None:
            headers.append((b"content-type", response.media_type.encode("latin-1")))
        headers.append((b"content-length", str(len(payload)).encode()))
        return headers, payload

    async def _finish(self, send: Send, op: Operation | None, response: SimResponse,
                      entry: Entry, *, validate: bool = True) -> None:
        try:
            raw_headers, payload = self._encode(response)
        except (TypeError, ValueError, UnicodeEncodeError) as exc:
            response = problem(500, "Simulator error", f"response not serializable: {exc}",
                               type_=PROBLEM_BASE + "simulator-error")
            raw_headers, payload = self._encode(response)
        if op is not None and validate:
            violations = self._check_response(op, response, payload)
            if violations:
                entry.response_violations = violations
                raw_headers.append((VIOLATION_HEADER.lower().encode(),
                                    violation_header(violations).encode("latin-1")))
                message = (f"{op.operation_id}: response violates the contract: "
                           f"{_header_text(violations[0]['message'], 300)}")
                if self._first_time(message):
                    log.warning("%s (all occurrences: GET /__admin/journal?violations=true)",
                                message)
        entry.status = response.status
        entry.response_body = clip(payload)
        entry.response_headers = {k.decode("latin-1"): v.decode("latin-1")
                                  for k, v in raw_headers}
        replayed = (response.headers.get("Idempotency-Replayed")
                    or response.headers.get("Idempotent-Replayed"))
        entry.replayed = str(replayed).lower() == "true"
        self._record(entry)  # before sending: a client that reads the journal next sees it
        await send({"type": "http.response.start", "status": response.status,
                    "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})

    def _record(self, entry: Entry) -> None:
        entry.duration_ms = round((time.perf_counter() - entry.started) * 1000, 3)
        self.journal.add(entry)

    def _check_response(self, op: Operation, response: SimResponse,
                        payload: bytes) -> list[Violation]:
        headers = {k.lower(): str(v) for k, v in response.headers.items()}
        media = response.media_type.split(";", 1)[0].strip().lower()
        value: Any = None
        if payload and is_json_media(media):
            try:
                value = orjson.loads(payload)
            except orjson.JSONDecodeError as exc:
                try:  # integers beyond 64 bits are JSON (jsonio writes them); orjson refuses
                    value = json.loads(payload)
                except ValueError:
                    return [{"location": "body", "pointer": "", "message": f"not JSON: {exc}"}]
        return validate_response(op, response.status, media if payload else None, headers,
                                 value, bool(payload))

    async def _send(self, send: Send, status: int, headers: list[tuple[bytes, bytes]],
                    payload: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


class _ClientSend:
    """``send`` for a client that may vanish mid-response. A client that resets its
    connection (wrk stopping, a test harness timing out) leaves uvloop's transport closed
    before uvicorn notices, and the next write raises; uncaught, every such request logged an
    "Exception in ASGI application" traceback, and with stderr a pipe nobody reads the server
    stalled once the pipe was full. The response has nowhere to go: drop it quietly."""

    __slots__ = ("__self__", "_send", "gone", "started")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.gone = False
        # Whether the response has begun: after that an error can no longer be answered.
        self.started = False
        # _drop_connection reaches the transport through the bound method's owner
        self.__self__ = getattr(send, "__self__", None)

    async def __call__(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        if self.gone:
            return
        try:
            await self._send(message)
        except (OSError, RuntimeError):
            self.gone = True


def _crash_problem(exc: BaseException) -> SimResponse:
    """The problem+json 500 for an exception inside the simulator."""
    return problem(500, "Simulator error", _header_text(f"{type(exc).__name__}: {exc}", 4000),
                   type_=PROBLEM_BASE + "simulator-error")


def _dropped_on_purpose(exc: BaseException, entry: Entry) -> bool:
    """Whether ``exc`` is _drop_connection asking the server to drop the connection (a
    reset or timeout fault where no socket is reachable), which must propagate."""
    fault = entry.fault or {}
    return (isinstance(exc, ConnectionAbortedError) and entry.status is None
            and fault.get("kind") in ("reset", "timeout"))


def _credential_text(credential: Credential) -> str:
    if credential.location == "header" and credential.auth_scheme:
        return (f"{credential.auth_scheme.capitalize()} credentials in Authorization "
                f"({credential.scheme})")
    return f"{credential.location} {credential.name!r} ({credential.scheme})"


def _relay_stopped(task: asyncio.Task[None]) -> None:
    """The relay runs until cancelled at shutdown; anything else is worth a line on stderr
    (events stay in the durable outbox and go out after the next start)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("event relay stopped: %s", task.exception())


def invalid_status(op: Operation, violations: Sequence[Violation], media: bool) -> int:
    """The status of a refused request, preferring what the operation declares: 415 for a
    media type (400 where only that is declared), 400 for parameters and bodies (422 where
    only that is declared), and 404 for a path parameter outside its schema where the
    operation declares 404 but not 400 (no such resource can exist at that path)."""
    def first(*candidates: int) -> int:
        return next((c for c in candidates if op.declares(c)), candidates[0])

    if media:
        return first(415, 400)
    if (all(v["location"] == "path" for v in violations) and not op.declares(400)
            and op.declares(404)):
        return 404
    return first(400, 422)


def _parse_prefer(header: str | None) -> dict[str, str]:
    from ledgerpact.generators.simulators.generic import parse_prefer

    return parse_prefer(header)


def _fault_record(decision: Decision) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": decision.kind, "rule": decision.rule}
    for name in ("delay_s", "status", "retry_after_s", "hang_s"):
        value = getattr(decision, name)
        if value:
            record[name] = value
    return record


async def _drop_connection(send: Send) -> None:
    """Close the client's connection without an HTTP response, with a TCP reset where the
    server lets us reach the socket (uvicorn does): what a crashed upstream looks like."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        for _ in range(3):  # let connection_lost run, so the server does not answer 500
            await asyncio.sleep(0)
        return
    raise ConnectionAbortedError("fault injected: connection dropped")
