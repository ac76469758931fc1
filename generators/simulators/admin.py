"""The ``/__admin`` API: what a QA suite uses to drive and inspect a running simulator.

Not part of any contract, so it lives under a prefix no finance contract uses. JSON in and
out; every error is an RFC 9457 problem like the simulated API's own.
"""

from __future__ import annotations

import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson

from ledgerpact.generators.simulators.messages import ActionError, SimResponse, problem
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.app import SimulatorApp

log = logging.getLogger("ledgerpact.simulate")
Handler = Callable[["SimulatorApp", dict[str, str], Any], Awaitable[SimResponse]]

ENDPOINTS = {
    "POST /__admin/reset": "clear state, journal and outbox, reseed ({\"seed\": N} optional), "
                           "restart fault sequences and outage windows",
    "GET /__admin/journal": "requests seen; filters: method, path (trailing * = prefix), "
                            "operationId, status, violations=true|false, fault=true|false, "
                            "since, limit",
    "DELETE /__admin/journal": "forget the journal",
    "GET /__admin/state": "contract, seed, scenario state and counts",
    "POST /__admin/actions/{name}": "run a named behaviour action with a JSON body",
    "GET /__admin/faults": "the fault plan",
    "PUT /__admin/faults": "replace the fault plan (same shape as the --faults file)",
    "GET /__admin/events": "the event outbox: after=SEQ, limit",
    "GET /__admin/clock": "the simulator's clock",
    "PUT /__admin/clock": "{\"now\": ISO-8601 | null} freeze or release the clock",
    "GET /__admin/health": "liveness",
}


def ok(body: Any, status: int = 200) -> SimResponse:
    return SimResponse(status=status, body=body)


def bad(status: int, detail: str) -> SimResponse:
    titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed",
              409: "Conflict", 422: "Unprocessable content"}
    return problem(status, titles.get(status, "Admin request refused"), detail,
                   type_="https://ledgerpact.dev/problems/simulator-admin")


async def handle(app: SimulatorApp, method: str, sub: str, query: str,
                 body: bytes) -> SimResponse:
    """Answer one admin request; ``sub`` is the path after ``/__admin``."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    data: Any = None
    if body:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return bad(400, f"the body is not valid JSON: {exc}")
    sub = sub.rstrip("/") or "/"
    if sub.startswith("/actions/"):
        if method != "POST":
            return bad(405, "actions are run with POST")
        return await _action(app, sub[len("/actions/"):], data)
    route = _ROUTES.get(sub)
    if route is None:
        return bad(404, f"no admin endpoint {sub}; see GET /__admin")
    handler = route.get(method)
    if handler is None:
        return bad(405, f"{method} is not supported on /__admin{sub} "
                        f"(allowed: {', '.join(route)})")
    unknown = _unknown_parameter(f"{method} /__admin{'' if sub == '/' else sub}", params)
    if unknown is not None:
        return bad(400, unknown)
    try:
        return await handler(app, params, data)
    except InputError as exc:
        return bad(400, str(exc))
    except (ValueError, TypeError) as exc:
        return bad(400, str(exc))
    except Exception as exc:
        log.exception("admin %s /__admin%s failed", method, sub)
        return problem(500, "Simulator error", f"{type(exc).__name__}: {exc}",
                       type_="https://ledgerpact.dev/problems/simulator-error")


# The query parameters each endpoint reads; any other is refused, as a typo would otherwise
# be ignored (``operationID=postInvoice`` returned every entry; ``DELETE /__admin/journal
# ?path=/x`` would clear the whole journal).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "GET /__admin/journal": ("method", "path", "operationId", "status", "violations",
                             "fault", "since", "limit"),
    "GET /__admin/events": ("after", "limit"),
}


def _unknown_parameter(endpoint: str, params: dict[str, str]) -> str | None:
    """Why a query parameter of ``endpoint`` is refused, or None when all are known."""
    from ledgerpact.registry.catalog import suggestions

    known = PARAMETERS.get(endpoint, ())
    for name in params:
        if name in known:
            continue
        if not known:
            return f"{endpoint} takes no query parameters, found {name[:40]!r}"
        near = suggestions(name, known, 1)
        hint = f"did you mean {near[0]}? " if near else ""
        return (f"unknown query parameter {name[:40]!r} for {endpoint}; {hint}"
                f"(known: {', '.join(known)})")
    return None


async def _index(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    return ok({"endpoints": ENDPOINTS})


async def _reset(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    seed = None
    if isinstance(data, dict) and data.get("seed") is not None:
        seed = data["seed"]
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            return bad(400, "seed must be a non-negative integer")
    elif data is not None and not isinstance(data, dict):
        return bad(400, "the body must be a JSON object like {\"seed\": 7}")
    app.reset(seed)
    return ok(state_of(app))


class BadParameter(ValueError):
    """A query parameter the admin API cannot use; the message says what it expects."""


def whole_param(params: dict[str, str], name: str, default: int | None, *,
                low: int) -> int | None:
    """Query parameter ``name`` as a whole number >= ``low``, or ``default`` when absent.

    A negative or zero ``limit`` used to slice from the wrong end (``limit=-1`` dropped the
    oldest entry, ``limit=0`` meant everything) and a word leaked Python's int() message, so
    every such value is refused with a 400 that says what is expected."""
    raw = params.get(name)
    if raw is None or not raw.strip():  # ``limit=`` has always meant "not given"
        return default
    expected = {0: "a non-negative integer", 1: "a positive integer"}.get(
        low, f"an integer of at least {low}")
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) < low:
        raise BadParameter(f"{name} must be {expected}, found {raw[:40]!r}")
    return int(text)


def journal_filters(params: dict[str, str]) -> None:
    """Refuse a journal filter whose value means nothing. ``violations=maybe`` or
    ``status=abc`` used to filter nothing (or everything), and a test asserting on the
    answer passed or failed for the wrong reason."""
    for name in ("violations", "fault"):
        raw = params.get(name, "")
        if raw.strip() and raw.strip().lower() not in ("true", "false"):
            raise BadParameter(f"{name} must be true or false, found {raw[:40]!r}")
    raw = params.get("status", "")
    text = raw.strip()
    if text and not (text.isascii() and text.isdigit() and 100 <= int(text) <= 599):
        raise BadParameter(f"status must be an HTTP status code from 100 to 599, found "
                           f"{raw[:40]!r}")


async def _journal(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    limit = whole_param(params, "limit", None, low=1)
    whole_param(params, "since", 0, low=0)
    journal_filters(params)
    entries = app.journal.query({**params, "status": params.get("status", "").strip()},
                                limit)
    return ok({"count": len(entries), "items": [e.to_mapping() for e in entries]})


async def _journal_clear(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    app.journal.clear()
    return SimResponse(status=204)


def state_of(app: SimulatorApp) -> dict[str, Any]:
    behaviour = app.behaviour
    return {
        "contract": {"id": app.contract.contract_id, "version": app.contract.version},
        "behaviour": behaviour.name if behaviour is not None else None,
        "seed": app.seed,
        "scenario": behaviour.scenario(app.store) if behaviour is not None else {},
        "counts": {"journal": len(app.journal),
                   "events": app.store.outbox_count()},
        "clock": app.clock.now().isoformat().replace("+00:00", "Z"),
        "uptimeSeconds": round(time.monotonic() - app.started, 3),
    }


async def _state(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    return ok(state_of(app))


async def _action(app: SimulatorApp, name: str, data: Any) -> SimResponse:
    if app.behaviour is None:
        return bad(404, f"{app.contract.contract_id} is served generically and has no actions")
    actions = app.behaviour.actions()
    action = actions.get(name)
    if action is None:
        return bad(404, f"no action {name!r}; available: {', '.join(sorted(actions)) or 'none'}")
    if data is not None and not isinstance(data, dict):
        return bad(400, "the body must be a JSON object")
    ctx = app.context(random.Random(app.seed * 1_000_003 + app.journal.next_seq()))
    try:
        with app.store.transaction():
            result = action(data or {}, ctx)
        if inspect.isawaitable(result):  # an async action manages its own transactions
            result = await result
    except ActionError as exc:
        return bad(exc.status, exc.detail)
    except Exception as exc:
        log.exception("admin action %s failed", name)
        return problem(500, "Simulator error", f"{type(exc).__name__}: {exc}",
                       type_="https://ledgerpact.dev/problems/simulator-error")
    return ok(result)


async def _faults(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    return ok(app.faults.to_mapping())


async def _faults_put(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    from ledgerpact.generators.simulators.faults import FaultPlan

    if not isinstance(data, dict):
        # An empty or null body used to become an empty plan and silently wipe the rules;
        # clearing must be asked for explicitly.
        found = "an empty body or null" if data is None else f"a JSON {type(data).__name__}"
        return bad(400, f"the body must be a fault plan object, found {found}; send "
                        "{\"rules\": [...]} (or {\"rules\": []} to clear the plan)")
    if "rules" not in data:
        return bad(400, "the fault plan has no 'rules'; send {\"rules\": [...]} (or "
                        "{\"rules\": []} to clear the plan)")
    app.faults = FaultPlan.from_mapping(data, app.seed, source="PUT /__admin/faults",
                                        routes=app.contract)
    return ok(app.faults.to_mapping())


async def _events(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    after = whole_param(params, "after", 0, low=0) or 0
    limit = whole_param(params, "limit", 1000, low=1) or 1000
    rows = app.store.outbox_all(after, limit)
    return ok({"count": len(rows), "items": [{"seq": seq, **event} for seq, event in rows]})


async def _clock(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    return ok({"now": app.clock.now().isoformat().replace("+00:00", "Z")})


async def _clock_put(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    from datetime import datetime

    setter = getattr(app.clock, "set", None)
    if setter is None:
        return bad(409, "this simulator runs on the system clock; it cannot be set")
    if not isinstance(data, dict) or "now" not in data:
        return bad(400, "send {\"now\": \"2024-05-31T12:00:00Z\"} or {\"now\": null}")
    now = data["now"]
    setter(None if now is None else datetime.fromisoformat(str(now).replace("Z", "+00:00")))
    return await _clock(app, params, data)


async def _health(app: SimulatorApp, params: dict[str, str], data: Any) -> SimResponse:
    return ok({"status": "ok", "contract": app.contract.contract_id,
               "version": app.contract.version,
               "uptimeSeconds": round(time.monotonic() - app.started, 3)})


_ROUTES: dict[str, dict[str, Handler]] = {
    "/": {"GET": _index},
    "/reset": {"POST": _reset},
    "/journal": {"GET": _journal, "DELETE": _journal_clear},
    "/state": {"GET": _state},
    "/faults": {"GET": _faults, "PUT": _faults_put},
    "/events": {"GET": _events},
    "/clock": {"GET": _clock, "PUT": _clock_put},
    "/health": {"GET": _health},
}
