"""Fault injection plans: which routes misbehave, how often, and reproducibly so.

A QA suite that retries, backs off and times out needs an upstream that fails on purpose, and
a failing test needs the *same* failures when it is run again. So every rule owns its random
sequence, seeded from the plan's seed and the rule's id: a route's faults depend only on how
many requests that rule has matched, never on the traffic other routes see. Each matching
request costs a rule exactly one uniform draw for its faults (then the latency samples), so
adding latency to a rule or a request to another route does not shift anyone's sequence.

The plan file is validated strictly (unknown keys, impossible rates, non-5xx errors), since a
typo in a fault plan would otherwise silently test nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import load_file

if TYPE_CHECKING:
    from ledgerpact.generators.simulators.spec import CompiledContract

FaultKind = Literal["none", "error", "rate_limit", "timeout", "reset", "outage"]

MAX_MS = 3_600_000.0  # one hour: beyond it a latency is a typo, not a test
MAX_HANG_S = 3_600.0
DEFAULT_HANG_S = 30.0
DEFAULT_RETRY_AFTER_S = 1
DEFAULT_ERROR_STATUSES = (500,)
DEFAULT_OUTAGE_STATUS = 503
HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
# The order of the cumulative bands one draw falls into (fixed, so a plan means one thing).
BANDS = ("reset", "timeout", "rate_limit", "error")


@dataclass(frozen=True)
class Decision:
    """What the engine does to one request before (or instead of) answering it."""

    delay_s: float = 0.0
    kind: FaultKind = "none"
    status: int | None = None  # for error (5xx), rate_limit (429), outage (5xx, 503 default)
    retry_after_s: int | None = None  # 429 and outage
    hang_s: float | None = None  # timeout: hold the connection this long, then drop it
    rule: str | None = None  # id of the rule that decided


NO_FAULT = Decision()


# -- the plan's parts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """A delay distribution in milliseconds; ``params`` are exactly the file's keys."""

    distribution: Literal["fixed", "uniform", "normal", "lognormal", "exponential"]
    params: tuple[tuple[str, float], ...]

    def sample_ms(self, rng: random.Random) -> float:
        p = dict(self.params)
        if self.distribution == "fixed":
            return p["fixed_ms"]
        if self.distribution == "uniform":
            return rng.uniform(p["min_ms"], p["max_ms"])
        if self.distribution == "normal":  # normalvariate: no cached pair, unlike gauss
            return max(0.0, rng.normalvariate(p["mean_ms"], p["stddev_ms"]))
        if self.distribution == "lognormal":
            return p["median_ms"] * math.exp(p["sigma"] * rng.normalvariate(0.0, 1.0))
        return rng.expovariate(1.0 / p["mean_ms"])

    def to_mapping(self) -> dict[str, Any]:
        body = {key: _number_out(value) for key, value in self.params}
        return body if self.distribution == "fixed" else {"distribution": self.distribution,
                                                          **body}

    def describe(self) -> str:
        p = {key: _fmt(value) for key, value in self.params}
        return {
            "fixed": lambda: f"{p.get('fixed_ms')} ms",
            "uniform": lambda: f"uniform {p.get('min_ms')}-{p.get('max_ms')} ms",
            "normal": lambda: f"normal mean {p.get('mean_ms')} ms, sd {p.get('stddev_ms')} ms",
            "lognormal": lambda: f"lognormal median {p.get('median_ms')} ms, "
                                 f"sigma {p.get('sigma')}",
            "exponential": lambda: f"exponential mean {p.get('mean_ms')} ms",
        }[self.distribution]()


@dataclass(frozen=True)
class Outage:
    """A window of seconds since the simulator started, ``[start_s, end_s)``."""

    start_s: float
    end_s: float
    status: int = DEFAULT_OUTAGE_STATUS
    retry_after_s: int | None = None  # None: the seconds left in the window

    def covers(self, elapsed_s: float) -> bool:
        return self.start_s <= elapsed_s < self.end_s

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start_s": _number_out(self.start_s),
                               "end_s": _number_out(self.end_s), "status": self.status}
        if self.retry_after_s is not None:
            out["retry_after_s"] = self.retry_after_s
        return out


@dataclass(frozen=True)
class Rule:
    """One rule of the plan; a fault block absent from the file has rate 0 and no mapping."""

    id: str
    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    latency: Latency | None = None
    error_rate: float | None = None
    error_statuses: tuple[int, ...] = DEFAULT_ERROR_STATUSES
    rate_limit_rate: float | None = None
    retry_after_s: int = DEFAULT_RETRY_AFTER_S
    timeout_rate: float | None = None
    hang_s: float = DEFAULT_HANG_S
    reset_rate: float | None = None
    outages: tuple[Outage, ...] = ()

    def matches(self, operation_id: str, method: str, path_template: str) -> bool:
        return ((self.operation_id is None or self.operation_id == operation_id)
                and (self.method is None or self.method == method.upper())
                and (self.path is None or self.path == path_template))

    def band_edges(self) -> tuple[float, float, float, float]:
        """Upper edges of the cumulative bands (reset, timeout, rate_limit, error)."""
        edges: list[float] = []
        total = 0.0
        for rate in (self.reset_rate, self.timeout_rate, self.rate_limit_rate,
                     self.error_rate):
            total += rate or 0.0
            edges.append(total)
        return edges[0], edges[1], edges[2], edges[3]

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        match = {key: value for key, value in (("operationId", self.operation_id),
                                                ("method", self.method), ("path", self.path))
                 if value is not None}
        if match:
            out["match"] = match
        if self.latency is not None:
            out["latency"] = self.latency.to_mapping()
        if self.error_rate is not None:
            out["error"] = {"rate": _number_out(self.error_rate),
                            "statuses": list(self.error_statuses)}
        if self.rate_limit_rate is not None:
            out["rate_limit"] = {"rate": _number_out(self.rate_limit_rate),
                                 "retry_after_s": self.retry_after_s}
        if self.timeout_rate is not None:
            out["timeout"] = {"rate": _number_out(self.timeout_rate),
                              "hang_s": _number_out(self.hang_s)}
        if self.reset_rate is not None:
            out["reset"] = {"rate": _number_out(self.reset_rate)}
        if self.outages:
            out["outage"] = [window.to_mapping() for window in self.outages]
        return out


# -- the plan -------------------------------------------------------------------------------


class FaultPlan:
    """A validated plan plus each rule's random sequence; ``decide`` runs once per request."""

    def __init__(self, rules: tuple[Rule, ...], seed: int, pinned_seed: int | None = None,
                 source: str = "<faults>") -> None:
        self.rules = rules
        self.pinned_seed = pinned_seed  # the plan's own ``seed:``, which wins over the CLI's
        self.source = source
        self._edges = [rule.band_edges() for rule in rules]
        self._routes: dict[tuple[str, str, str], tuple[int, ...]] = {}
        self._rngs: list[random.Random] = []
        self.seed = seed
        self.reseed(seed)

    @classmethod
    def load(cls, path: Path, seed: int, routes: CompiledContract | None = None) -> FaultPlan:
        """Read a YAML or JSON plan through the registry's safe loader (alias bombs, depth
        and size limits are refused there); errors carry the line of the offending key.
        With ``routes`` (the served contract) a rule whose match names no operation of it
        is refused, as in ``from_mapping``."""
        doc = load_file(path)
        try:
            return cls.from_mapping(doc.data, seed, source=doc.path, routes=routes)
        except InputError as exc:
            if exc.pointer is not None and exc.line is None:
                exc.line = doc.line_of(exc.pointer)
            raise

    @classmethod
    def from_mapping(cls, data: Any, seed: int, source: str = "<faults>",
                     routes: CompiledContract | None = None) -> FaultPlan:
        """Parse and check a plan. ``routes`` is the contract the plan will run against: a
        rule matching none of its operations (an operationId typo, a concrete path where
        the template belongs) would silently test nothing, so it is refused with the close
        matches; without ``routes`` only the plan's own shape is checked."""
        rules, pinned = _parse_plan(data, source, routes)
        return cls(rules, seed, pinned, source)

    @classmethod
    def empty(cls, seed: int = 0) -> FaultPlan:
        return cls((), seed)

    def reseed(self, seed: int) -> None:
        """Restart every rule's sequence. A plan that names its own seed keeps it, so an
        admin reset replays exactly the faults the plan file promises."""
        self.seed = self.pinned_seed if self.pinned_seed is not None else seed
        self._rngs = [random.Random(rule_seed(self.seed, rule.id)) for rule in self.rules]

    def decide(self, operation_id: str, method: str, path_template: str,
               elapsed_s: float) -> Decision:
        if not self.rules:
            return NO_FAULT
        key = (operation_id, method, path_template)
        matching = self._routes.get(key)
        if matching is None:
            matching = tuple(i for i, rule in enumerate(self.rules)
                             if rule.matches(operation_id, method, path_template))
            self._routes[key] = matching
        delay_ms = 0.0
        delayed_by: str | None = None
        outage: tuple[Rule, Outage] | None = None
        fault: Decision | None = None
        for index in matching:
            rule, rng = self.rules[index], self._rngs[index]
            draw = rng.random()  # always drawn, so the sequence ignores outages and order
            if rule.latency is not None:
                ms = rule.latency.sample_ms(rng)
                if ms > 0 and delayed_by is None:
                    delayed_by = rule.id
                delay_ms += ms
            if outage is None:
                window = next((w for w in rule.outages if w.covers(elapsed_s)), None)
                if window is not None:
                    outage = rule, window
            if fault is None:
                fault = _banded(rule, self._edges[index], draw)
        delay_s = delay_ms / 1000.0
        if outage is not None:
            rule, window = outage
            retry = (window.retry_after_s if window.retry_after_s is not None
                     else max(1, math.ceil(window.end_s - elapsed_s)))
            return Decision(delay_s, "outage", window.status, retry, None, rule.id)
        if fault is not None:
            return Decision(delay_s, fault.kind, fault.status, fault.retry_after_s,
                            fault.hang_s, fault.rule)
        if delay_s:
            return Decision(delay_s, rule=delayed_by)
        return NO_FAULT

    def to_mapping(self) -> dict[str, Any]:
        """The normalized plan (defaults filled in, numbers as JSON numbers): what
        ``GET /__admin/faults`` shows and what ``from_mapping`` reads back to the same plan."""
        out: dict[str, Any] = {}
        if self.pinned_seed is not None:
            out["seed"] = self.pinned_seed
        out["rules"] = [rule.to_mapping() for rule in self.rules]
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FaultPlan):
            return NotImplemented
        return (self.rules, self.pinned_seed, self.seed) == (other.rules, other.pinned_seed,
                                                              other.seed)

    __hash__ = None  # type: ignore[assignment]  # mutable (reseed): not a dict key

    def __repr__(self) -> str:
        return f"FaultPlan({len(self.rules)} rules, seed={self.seed}, source={self.source!r})"


def rule_seed(seed: int, rule_id: str) -> int:
    """A rule's own seed: stable across Python versions and processes (no ``hash()``)."""
    digest = hashlib.sha256(f"{seed}\x00{rule_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _banded(rule: Rule, edges: tuple[float, float, float, float],
            draw: float) -> Decision | None:
    reset, timeout, rate_limit, error = edges
    if draw >= error:
        return None
    if draw < reset:
        return Decision(kind="reset", rule=rule.id)
    if draw < timeout:
        return Decision(kind="timeout", hang_s=rule.hang_s, rule=rule.id)
    if draw < rate_limit:
        return Decision(kind="rate_limit", status=429, retry_after_s=rule.retry_after_s,
                        rule=rule.id)
    # Which status: where the draw falls inside the error band, so still one draw a request.
    statuses = rule.error_statuses
    share = (draw - rate_limit) / (error - rate_limit)
    return Decision(kind="error", status=statuses[min(int(share * len(statuses)),
                                                      len(statuses) - 1)], rule=rule.id)


def describe(plan: FaultPlan) -> list[str]:
    """One line per rule, for operators reading a startup log or ``--help`` output."""
    lines = []
    for rule in plan.rules:
        parts = [_describe_match(rule)]
        if rule.latency is not None:
            parts.append(f"latency {rule.latency.describe()}")
        if rule.error_rate is not None:
            parts.append(f"error {_pct(rule.error_rate)} "
                         f"({', '.join(map(str, rule.error_statuses))})")
        if rule.rate_limit_rate is not None:
            parts.append(f"429 {_pct(rule.rate_limit_rate)} "
                         f"(Retry-After {rule.retry_after_s} s)")
        if rule.timeout_rate is not None:
            parts.append(f"timeout {_pct(rule.timeout_rate)} (hang {_fmt(rule.hang_s)} s)")
        if rule.reset_rate is not None:
            parts.append(f"reset {_pct(rule.reset_rate)}")
        for window in rule.outages:
            retry = (f"Retry-After {window.retry_after_s} s" if window.retry_after_s is not None
                     else "Retry-After until the end")
            parts.append(f"outage {_fmt(window.start_s)}-{_fmt(window.end_s)} s -> "
                         f"{window.status} ({retry})")
        lines.append(f"{rule.id}: " + "; ".join(parts))
    return lines


def _describe_match(rule: Rule) -> str:
    if rule.operation_id is None and rule.method is None and rule.path is None:
        return "every route"
    bits = []
    if rule.operation_id is not None:
        bits.append(f"operationId {rule.operation_id}")
    if rule.method is not None or rule.path is not None:
        bits.append(" ".join(b for b in (rule.method, rule.path) if b))
    return ", ".join(bits)


def _pct(rate: float) -> str:
    return f"{_fmt(rate * 100)}%"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _number_out(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


# -- validation -----------------------------------------------------------------------------

_PLAN_KEYS = ("seed", "rules")
_RULE_KEYS = ("id", "match", "latency", "error", "rate_limit", "timeout", "reset", "outage")
_MATCH_KEYS = ("operationId", "method", "path")
_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("min_ms", "max_ms"),
    "normal": ("mean_ms", "stddev_ms"),
    "lognormal": ("median_ms", "sigma"),
    "exponential": ("mean_ms",),
}


class _Reader:
    """Checks one plan and raises the first problem as a located one-line InputError."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, pointer: str, message: str) -> InputError:
        return InputError(message, file=self.source, pointer=pointer)

    def mapping(self, value: Any, pointer: str, allowed: tuple[str, ...],
                what: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(pointer, f"{what} must be a mapping, found {_kind(value)}")
        for key in value:
            if key not in allowed:
                raise self.fail(_at(pointer, str(key)),
                                f"unknown key {str(key)!r} in {what} (expected one of: "
                                f"{', '.join(allowed)})")
        return dict(value)

    def number(self, value: Any, pointer: str, *, low: float, high: float,
               low_open: bool = False, what: str = "a number") -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise self.fail(pointer, f"expected {what}, found {_kind(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise self.fail(pointer, f"expected {what}, found {value}")
        if number < low or (low_open and number == low) or number > high:
            left = "(" if low_open else "["
            raise self.fail(pointer, f"{_fmt(number)} is outside {left}{_fmt(low)}, "
                                     f"{_fmt(high)}] (expected {what})")
        return number

    def whole(self, value: Any, pointer: str, *, low: int, high: int, what: str) -> int:
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(pointer, f"expected {what} (a whole number), found "
                                     f"{_kind(value)}")
        if not low <= value <= high:
            raise self.fail(pointer, f"{value} is outside [{low}, {high}] (expected {what})")
        return value

    def rate(self, block: Any, pointer: str, name: str) -> float:
        if "rate" not in block:
            raise self.fail(pointer, f"{name} needs 'rate' (a probability in [0, 1])")
        return self.number(block["rate"], f"{pointer}/rate", low=0.0, high=1.0,
                           what="a probability in [0, 1], e.g. 0.05")

    def text(self, value: Any, pointer: str, what: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(pointer, f"expected {what} (non-empty text), found {_kind(value)}")
        return value


def _parse_plan(data: Any, source: str, routes: CompiledContract | None = None
                ) -> tuple[tuple[Rule, ...], int | None]:
    reader = _Reader(source)
    plan = reader.mapping(data, "", _PLAN_KEYS, "a fault plan")
    pinned = None
    if "seed" in plan:
        pinned = reader.whole(plan["seed"], "/seed", low=0, high=2**63 - 1,
                              what="a seed (a non-negative integer)")
    raw_rules = plan.get("rules", [])
    if not isinstance(raw_rules, list):
        raise reader.fail("/rules", f"rules must be a list of rules, found {_kind(raw_rules)}")
    rules: list[Rule] = []
    first_at: dict[str, int] = {}
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(reader, raw, f"/rules/{index}")
        if routes is not None:
            _check_routes(reader, rule, routes, f"/rules/{index}/match")
        if rule.id in first_at:
            raise reader.fail(f"/rules/{index}/id",
                              f"duplicate rule id {rule.id!r} (first used by /rules/"
                              f"{first_at[rule.id]}); expected ids unique in the plan")
        first_at[rule.id] = index
        rules.append(rule)
    return tuple(rules), pinned


def _parse_rule(reader: _Reader, raw: Any, ptr: str) -> Rule:
    body = reader.mapping(raw, ptr, _RULE_KEYS, "a rule")
    if "id" not in body:
        raise reader.fail(ptr, "a rule needs an 'id' (unique text, e.g. slow-postings)")
    fields: dict[str, Any] = {"id": reader.text(body["id"], f"{ptr}/id", "a rule id")}
    if "match" in body:
        fields.update(_parse_match(reader, body["match"], f"{ptr}/match"))
    if "latency" in body:
        fields["latency"] = _parse_latency(reader, body["latency"], f"{ptr}/latency")
    for name, parse in _FAULT_PARSERS.items():
        if name in body:
            fields.update(parse(reader, body[name], f"{ptr}/{name}"))
    if "outage" in body:
        fields["outages"] = _parse_outages(reader, body["outage"], f"{ptr}/outage")
    rule = Rule(**fields)
    total = math.fsum(rate or 0.0 for rate in (rule.reset_rate, rule.timeout_rate,
                                               rule.rate_limit_rate, rule.error_rate))
    if total > 1.0:
        raise reader.fail(ptr, f"the rates of error, rate_limit, timeout and reset add up to "
                               f"{_fmt(total)} (expected at most 1: one draw picks at most "
                               "one fault)")
    return rule


def _parse_match(reader: _Reader, raw: Any, ptr: str) -> dict[str, Any]:
    match = reader.mapping(raw, ptr, _MATCH_KEYS, "match")
    if not match:
        raise reader.fail(ptr, "match is empty (expected operationId, or method and/or "
                               "path; omit match to apply the rule to every route)")
    out: dict[str, Any] = {}
    if "operationId" in match:
        out["operation_id"] = reader.text(match["operationId"], f"{ptr}/operationId",
                                          "an operationId")
    if "method" in match:
        method = reader.text(match["method"], f"{ptr}/method", "an HTTP method")
        if method.upper() not in HTTP_METHODS:
            raise reader.fail(f"{ptr}/method", f"{method!r} is not an HTTP method (expected "
                                               f"one of: {', '.join(HTTP_METHODS)})")
        out["method"] = method.upper()
    if "path" in match:
        path = reader.text(match["path"], f"{ptr}/path", "a path template")
        if not path.startswith("/"):
            raise reader.fail(f"{ptr}/path", f"{path!r} does not start with '/' (expected "
                                             "the contract's path template, e.g. "
                                             "/suppliers/{supplierNumber})")
        out["path"] = path
    return out


def _close(word: str, known: list[str]) -> str:
    """' (did you mean: a, b?)' for the known names closest to ``word``, else the list."""
    close = difflib.get_close_matches(word, known, n=3, cutoff=0.6)
    if close:
        return f" (did you mean: {', '.join(close)}?)"
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    return f" (known: {shown})" if known else ""


def _check_routes(reader: _Reader, rule: Rule, contract: CompiledContract, ptr: str) -> None:
    """Refuse a rule whose match can never fire on ``contract``.

    Rules are matched against the operation id and the contract's path *template*
    (``/suppliers/{supplierNumber}``); a typo or a concrete path would be accepted and then
    never inject anything, which is exactly the silent pass a fault plan must not allow."""
    operations = list(contract.operations.values())
    if rule.operation_id is not None and rule.operation_id not in contract.operations:
        raise reader.fail(f"{ptr}/operationId",
                          f"unknown operationId {rule.operation_id!r} in contract "
                          f"{contract.contract_id or 'served'}"
                          f"{_close(rule.operation_id, list(contract.operations))}")
    templates = list(dict.fromkeys(op.path_template for op in operations))
    if rule.path is not None and rule.path not in templates:
        found = contract.match(rule.path)
        if found is not None and found.route.template != rule.path:
            hint = (f" (it is a concrete path of {found.route.template}; match the "
                    f"template)")
        else:
            hint = _close(rule.path, templates)
        raise reader.fail(f"{ptr}/path", f"unknown path template {rule.path!r} in contract "
                                         f"{contract.contract_id or 'served'}{hint}")
    if not any(rule.matches(op.operation_id, op.method, op.path_template) for op in operations):
        wanted = " ".join(part for part in (rule.method, rule.path, rule.operation_id) if part)
        offered = sorted({op.method for op in operations
                          if rule.path in (None, op.path_template)
                          and rule.operation_id in (None, op.operation_id)})
        raise reader.fail(ptr, f"match {wanted} names no operation of the contract"
                               + (f" (methods there: {', '.join(offered)})" if offered else ""))


def _parse_latency(reader: _Reader, raw: Any, ptr: str) -> Latency:
    if not isinstance(raw, Mapping):
        raise reader.fail(ptr, f"latency must be a mapping, found {_kind(raw)}")
    if "distribution" not in raw:
        reader.mapping(raw, ptr, ("fixed_ms",), "a fixed latency (or give 'distribution')")
        if "fixed_ms" not in raw:
            raise reader.fail(ptr, "latency needs fixed_ms, or distribution: uniform | normal "
                                   "| lognormal | exponential with its parameters")
        return Latency("fixed", (("fixed_ms", _ms(reader, raw["fixed_ms"],
                                                  f"{ptr}/fixed_ms")),))
    name = raw["distribution"]
    if name not in _DISTRIBUTIONS:
        raise reader.fail(f"{ptr}/distribution",
                          f"unknown distribution {name!r} (expected one of: "
                          f"{', '.join(_DISTRIBUTIONS)}; or fixed_ms without distribution)")
    keys = _DISTRIBUTIONS[name]
    reader.mapping(raw, ptr, ("distribution", *keys), f"a {name} latency")
    for key in keys:
        if key not in raw:
            raise reader.fail(ptr, f"a {name} latency needs {', '.join(keys)}; {key} is "
                                   "missing")
    values: dict[str, float] = {}
    for key in keys:
        where = f"{ptr}/{key}"
        if key == "sigma":
            values[key] = reader.number(raw[key], where, low=0.0, high=10.0,
                                        what="sigma, the spread of ln(latency), in [0, 10]")
        elif key in ("median_ms",) or (name == "exponential" and key == "mean_ms"):
            values[key] = reader.number(raw[key], where, low=0.0, high=MAX_MS, low_open=True,
                                        what="milliseconds, more than 0")
        else:
            values[key] = _ms(reader, raw[key], where)
    if name == "uniform" and values["min_ms"] > values["max_ms"]:
        raise reader.fail(f"{ptr}/max_ms", f"max_ms {_fmt(values['max_ms'])} is below min_ms "
                                           f"{_fmt(values['min_ms'])} (expected min_ms <= "
                                           "max_ms)")
    return Latency(name, tuple((key, values[key]) for key in keys))


def _ms(reader: _Reader, value: Any, ptr: str) -> float:
    return reader.number(value, ptr, low=0.0, high=MAX_MS,
                         what=f"milliseconds in [0, {MAX_MS:,.0f}]")


def _parse_error(reader: _Reader, raw: Any, ptr: str) -> dict[str, Any]:
    block = reader.mapping(raw, ptr, ("rate", "statuses"), "error")
    out: dict[str, Any] = {"error_rate": reader.rate(block, ptr, "error")}
    if "statuses" in block:
        statuses = block["statuses"]
        if not isinstance(statuses, list) or not statuses:
            raise reader.fail(f"{ptr}/statuses", "statuses must be a non-empty list of 5xx "
                                                 f"status codes, found {_kind(statuses)}")
        out["error_statuses"] = tuple(
            reader.whole(status, f"{ptr}/statuses/{i}", low=500, high=599,
                         what="a 5xx status code; 429 belongs in rate_limit")
            for i, status in enumerate(statuses))
    return out


def _parse_rate_limit(reader: _Reader, raw: Any, ptr: str) -> dict[str, Any]:
    block = reader.mapping(raw, ptr, ("rate", "retry_after_s"), "rate_limit")
    out: dict[str, Any] = {"rate_limit_rate": reader.rate(block, ptr, "rate_limit")}
    if "retry_after_s" in block:
        out["retry_after_s"] = reader.whole(block["retry_after_s"], f"{ptr}/retry_after_s",
                                            low=0, high=86_400,
                                            what="Retry-After seconds in [0, 86400]")
    return out


def _parse_timeout(reader: _Reader, raw: Any, ptr: str) -> dict[str, Any]:
    block = reader.mapping(raw, ptr, ("rate", "hang_s"), "timeout")
    out: dict[str, Any] = {"timeout_rate": reader.rate(block, ptr, "timeout")}
    if "hang_s" in block:
        out["hang_s"] = reader.number(block["hang_s"], f"{ptr}/hang_s", low=0.0,
                                      high=MAX_HANG_S, what=f"seconds in [0, {MAX_HANG_S:g}]")
    return out


def _parse_reset(reader: _Reader, raw: Any, ptr: str) -> dict[str, Any]:
    block = reader.mapping(raw, ptr, ("rate",), "reset")
    return {"reset_rate": reader.rate(block, ptr, "reset")}


_FAULT_PARSERS: dict[str, Callable[[_Reader, Any, str], dict[str, Any]]] = {
    "error": _parse_error, "rate_limit": _parse_rate_limit, "timeout": _parse_timeout,
    "reset": _parse_reset,
}


def _parse_outages(reader: _Reader, raw: Any, ptr: str) -> tuple[Outage, ...]:
    if not isinstance(raw, list):
        raise reader.fail(ptr, "outage must be a list of windows ({start_s, end_s, status?, "
                               f"retry_after_s?}}), found {_kind(raw)}")
    windows = []
    for index, item in enumerate(raw):
        where = f"{ptr}/{index}"
        window = reader.mapping(item, where, ("start_s", "end_s", "status", "retry_after_s"),
                                "an outage window")
        for key in ("start_s", "end_s"):
            if key not in window:
                raise reader.fail(where, f"an outage window needs start_s and end_s (seconds "
                                         f"since the simulator started); {key} is missing")
        start = reader.number(window["start_s"], f"{where}/start_s", low=0.0, high=math.inf,
                              what="seconds since start, at least 0")
        end = reader.number(window["end_s"], f"{where}/end_s", low=0.0, high=math.inf,
                            what="seconds since start, at least 0")
        if end <= start:
            raise reader.fail(f"{where}/end_s", f"end_s {_fmt(end)} is not after start_s "
                                                f"{_fmt(start)} (expected start_s < end_s)")
        status = DEFAULT_OUTAGE_STATUS
        if "status" in window:
            status = reader.whole(window["status"], f"{where}/status", low=500, high=599,
                                  what="a 5xx status code")
        retry = None
        if "retry_after_s" in window:
            retry = reader.whole(window["retry_after_s"], f"{where}/retry_after_s", low=0,
                                 high=86_400, what="Retry-After seconds in [0, 86400]")
        windows.append(Outage(start, end, status, retry))
    return tuple(windows)


def _at(pointer: str, key: str) -> str:
    return f"{pointer}/{jp.escape(key)}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"the text {shown!r}"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


