"""Fault plans (issue 7): strict validation, seeded decisions, rates and latency statistics.

Statistical tolerance. A fault kind configured with rate p is, over N independent requests, a
Binomial(N, p) count with standard deviation sqrt(N p (1 - p)). The tests accept an observed
count within 4 standard deviations of N p: a correct implementation lands outside that band
with probability about 6e-5 per check (normal approximation), so a seed is not cherry-picked
and several seeds are checked; a plan off by one percentage point at p = 0.05 (200 requests
in 20,000, over 6 sigma) is caught, which the last rate test demonstrates. Latency means use
the same 4 standard errors (sigma / sqrt(N)); medians are checked distribution-free, as the
share of samples below the configured median (Binomial(N, 1/2) again).
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.simulators.faults import Decision, FaultPlan, describe, rule_seed
from ledgerpact.registry.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "simulators" / "faults"
N = 20_000
SIGMAS = 4.0
POST = ("postInvoice", "POST", "/invoice-postings")
GET_SUPPLIER = ("getSupplier", "GET", "/suppliers/{supplierNumber}")
VALIDATE = ("validateInvoice", "POST", "/invoice-validations")


def within_binomial(observed: int, n: int, p: float) -> bool:
    return abs(observed - n * p) <= SIGMAS * math.sqrt(n * p * (1 - p))


def decisions(plan: FaultPlan, route: tuple[str, str, str], n: int,
              elapsed_s: float = 0.0) -> list[Decision]:
    return [plan.decide(*route, elapsed_s) for _ in range(n)]


def plan_of(*rules: dict[str, Any], seed: int = 7) -> FaultPlan:
    return FaultPlan.from_mapping({"rules": list(rules)}, seed)


# -- validation -------------------------------------------------------------------------------

R = "/rules/0"
BAD_PLANS: list[tuple[str, Any, str, str]] = [  # (case, plan, pointer, words in the message)
    ("plan not a mapping", ["rules"], "", "must be a mapping"),
    ("unknown top-level key", {"rules": [], "seeds": 1}, "/seeds", "unknown key 'seeds'"),
    ("seed not an integer", {"seed": "7"}, "/seed", "expected a seed"),
    ("seed negative", {"seed": -1}, "/seed", "outside [0,"),
    ("seed boolean", {"seed": True}, "/seed", "boolean"),
    ("rules not a list", {"rules": {"id": "x"}}, "/rules", "must be a list"),
    ("rule not a mapping", {"rules": ["x"]}, R, "a rule must be a mapping"),
    ("rule without id", {"rules": [{"reset": {"rate": 0.1}}]}, R, "needs an 'id'"),
    ("empty id", {"rules": [{"id": " "}]}, f"{R}/id", "non-empty text"),
    ("duplicate ids", {"rules": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}, "/rules/2/id",
     "duplicate rule id 'a' (first used by /rules/0)"),
    ("unknown rule key", {"rules": [{"id": "a", "eror": {"rate": 0.1}}]}, f"{R}/eror",
     "unknown key 'eror'"),
    ("unknown match key", {"rules": [{"id": "a", "match": {"operation": "x"}}]},
     f"{R}/match/operation", "unknown key 'operation'"),
    ("empty match", {"rules": [{"id": "a", "match": {}}]}, f"{R}/match", "match is empty"),
    ("bad method", {"rules": [{"id": "a", "match": {"method": "FETCH"}}]}, f"{R}/match/method",
     "not an HTTP method"),
    ("path without slash", {"rules": [{"id": "a", "match": {"path": "suppliers"}}]},
     f"{R}/match/path", "does not start with '/'"),
    ("rate above 1", {"rules": [{"id": "a", "error": {"rate": 1.5}}]}, f"{R}/error/rate",
     "1.5 is outside [0, 1]"),
    ("rate below 0", {"rules": [{"id": "a", "reset": {"rate": -0.1}}]}, f"{R}/reset/rate",
     "-0.1 is outside [0, 1]"),
    ("rate as text", {"rules": [{"id": "a", "timeout": {"rate": "5%"}}]},
     f"{R}/timeout/rate", "expected a probability"),
    ("rate missing", {"rules": [{"id": "a", "rate_limit": {"retry_after_s": 2}}]},
     f"{R}/rate_limit", "needs 'rate'"),
    ("rates add past 1", {"rules": [{"id": "a", "error": {"rate": 0.5},
                                     "rate_limit": {"rate": 0.3}, "timeout": {"rate": 0.2},
                                     "reset": {"rate": 0.01}}]}, R, "add up to 1.01"),
    ("4xx error status", {"rules": [{"id": "a", "error": {"rate": 0.1, "statuses": [503, 429]}}]},
     f"{R}/error/statuses/1", "429 is outside [500, 599]"),
    ("status as text", {"rules": [{"id": "a", "error": {"rate": 0.1, "statuses": ["500"]}}]},
     f"{R}/error/statuses/0", "expected a 5xx status code"),
    ("empty statuses", {"rules": [{"id": "a", "error": {"rate": 0.1, "statuses": []}}]},
     f"{R}/error/statuses", "non-empty list"),
    ("fractional retry-after", {"rules": [{"id": "a", "rate_limit": {"rate": 0.1,
                                                                     "retry_after_s": 1.5}}]},
     f"{R}/rate_limit/retry_after_s", "whole number"),
    ("negative hang", {"rules": [{"id": "a", "timeout": {"rate": 0.1, "hang_s": -1}}]},
     f"{R}/timeout/hang_s", "-1 is outside [0, 3600]"),
    ("unknown key in reset", {"rules": [{"id": "a", "reset": {"rate": 0.1, "hang_s": 1}}]},
     f"{R}/reset/hang_s", "unknown key 'hang_s'"),
    ("negative fixed latency", {"rules": [{"id": "a", "latency": {"fixed_ms": -5}}]},
     f"{R}/latency/fixed_ms", "-5 is outside [0,"),
    ("latency without parameters", {"rules": [{"id": "a", "latency": {}}]}, f"{R}/latency",
     "needs fixed_ms"),
    ("unknown distribution", {"rules": [{"id": "a", "latency": {"distribution": "pareto"}}]},
     f"{R}/latency/distribution", "unknown distribution 'pareto'"),
    ("fixed_ms beside a distribution", {"rules": [{"id": "a", "latency": {
        "distribution": "exponential", "mean_ms": 5, "fixed_ms": 1}}]},
     f"{R}/latency/fixed_ms", "unknown key 'fixed_ms' in a exponential latency"),
    ("uniform min above max", {"rules": [{"id": "a", "latency": {
        "distribution": "uniform", "min_ms": 50, "max_ms": 10}}]}, f"{R}/latency/max_ms",
     "max_ms 10 is below min_ms 50"),
    ("uniform missing max", {"rules": [{"id": "a", "latency": {
        "distribution": "uniform", "min_ms": 50}}]}, f"{R}/latency", "max_ms is missing"),
    ("normal negative stddev", {"rules": [{"id": "a", "latency": {
        "distribution": "normal", "mean_ms": 50, "stddev_ms": -1}}]},
     f"{R}/latency/stddev_ms", "-1 is outside [0,"),
    ("lognormal zero median", {"rules": [{"id": "a", "latency": {
        "distribution": "lognormal", "median_ms": 0, "sigma": 0.5}}]},
     f"{R}/latency/median_ms", "0 is outside (0,"),
    ("exponential zero mean", {"rules": [{"id": "a", "latency": {
        "distribution": "exponential", "mean_ms": 0}}]}, f"{R}/latency/mean_ms",
     "0 is outside (0,"),
    ("outage not a list", {"rules": [{"id": "a", "outage": {"start_s": 1, "end_s": 2}}]},
     f"{R}/outage", "must be a list of windows"),
    ("outage end before start", {"rules": [{"id": "a", "outage": [{"start_s": 60,
                                                                  "end_s": 60}]}]},
     f"{R}/outage/0/end_s", "end_s 60 is not after start_s 60"),
    ("outage missing end", {"rules": [{"id": "a", "outage": [{"start_s": 60}]}]},
     f"{R}/outage/0", "end_s is missing"),
    ("outage 4xx status", {"rules": [{"id": "a", "outage": [{"start_s": 0, "end_s": 5,
                                                            "status": 404}]}]},
     f"{R}/outage/0/status", "404 is outside [500, 599]"),
    ("outage negative start", {"rules": [{"id": "a", "outage": [{"start_s": -1,
                                                                "end_s": 5}]}]},
     f"{R}/outage/0/start_s", "-1 is outside [0,"),
]


@pytest.mark.parametrize(("plan", "pointer", "words"), [case[1:] for case in BAD_PLANS],
                         ids=[case[0] for case in BAD_PLANS])
def test_bad_plans_are_refused_with_a_located_one_line_error(plan: Any, pointer: str,
                                                             words: str) -> None:
    with pytest.raises(InputError) as caught:
        FaultPlan.from_mapping(plan, 1, source="PUT /__admin/faults")
    error = caught.value
    assert error.pointer == pointer
    assert words in error.message
    text = str(error)
    assert "\n" not in text
    assert text.startswith("PUT /__admin/faults:")
    assert f" at {pointer or '/'}:" in text


def marked_line(path: Path) -> int:
    """The line an error must point at: the fixture marks it with ``# <- error``."""
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# <- error" in line)


@pytest.mark.parametrize(("name", "pointer", "words"), [
    ("bad-rate-sum.yaml", "/rules/0", "add up to 1.1"),
    ("bad-status.yaml", "/rules/0/error/statuses/1", "404 is outside [500, 599]"),
    ("bad-duplicate-id.yaml", "/rules/1/id", "duplicate rule id 'same'"),
    ("bad-unknown-key.yaml", "/rules/0/eror", "unknown key 'eror'"),
    ("bad-alias-bomb.yaml", "/f", "alias bomb"),
])
def test_bad_plan_files_name_file_pointer_and_line(name: str, pointer: str,
                                                   words: str) -> None:
    path = FIXTURES / name
    with pytest.raises(InputError) as caught:
        FaultPlan.load(path, 1)
    error = caught.value
    assert (error.file, error.pointer, error.line) == (str(path), pointer, marked_line(path))
    assert words in error.message
    assert str(error).startswith(f"{path}:{marked_line(path)}: at {pointer}:")
    assert "\n" not in str(error)


def test_bad_json_plan_file_has_a_line_too(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{\n  "rules": [\n    {\n      "id": "a",\n'
                    '      "error": {"rate": 2}\n    }\n  ]\n}\n')
    with pytest.raises(InputError) as caught:
        FaultPlan.load(path, 1)
    assert (caught.value.pointer, caught.value.line) == ("/rules/0/error/rate", 5)


def test_unreadable_plan_files_are_input_errors(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    with pytest.raises(InputError, match="file not found"):
        FaultPlan.load(missing, 1)
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - id: a\n    reset: {rate: 0.1\n")
    with pytest.raises(InputError, match="invalid YAML") as caught:
        FaultPlan.load(broken, 1)
    assert caught.value.line is not None
    dup = tmp_path / "dup.yaml"
    dup.write_text("rules:\n  - id: a\n    id: b\n")
    with pytest.raises(InputError, match="duplicate key"):
        FaultPlan.load(dup, 1)


# -- rates ------------------------------------------------------------------------------------

RATES = {"error": 0.05, "rate_limit": 0.02, "timeout": 0.01, "reset": 0.01}
RATE_RULE = {"id": "chaos", "match": {"operationId": "postInvoice"},
             "error": {"rate": RATES["error"], "statuses": [500, 503]},
             "rate_limit": {"rate": RATES["rate_limit"], "retry_after_s": 2},
             "timeout": {"rate": RATES["timeout"], "hang_s": 5},
             "reset": {"rate": RATES["reset"]}}


@pytest.mark.parametrize("seed", [7, 8, 2026])
def test_observed_fault_rates_match_the_plan_within_four_sigma(seed: int) -> None:
    plan = plan_of(RATE_RULE, seed=seed)
    seen = decisions(plan, POST, N)
    kinds = Counter(d.kind for d in seen)
    for kind, rate in RATES.items():
        assert within_binomial(kinds[kind], N, rate), (kind, kinds[kind], N * rate)
    assert within_binomial(kinds["none"], N, 1 - sum(RATES.values()))
    statuses = Counter(d.status for d in seen if d.kind == "error")
    assert set(statuses) == {500, 503}
    for status in (500, 503):
        assert within_binomial(statuses[status], N, RATES["error"] / 2), statuses
    # what each kind carries
    assert {(d.status, d.retry_after_s) for d in seen if d.kind == "rate_limit"} == {(429, 2)}
    assert {d.hang_s for d in seen if d.kind == "timeout"} == {5}
    assert {d.rule for d in seen if d.kind != "none"} == {"chaos"}
    assert all(d == Decision() for d in seen if d.kind == "none")


def test_the_tolerance_would_catch_a_rate_one_point_off() -> None:
    """The band is tight enough to matter: 5 % observed is not 'within tolerance' of 6 %."""
    seen = Counter(d.kind for d in decisions(plan_of(RATE_RULE), POST, N))
    assert within_binomial(seen["error"], N, 0.05)
    assert not within_binomial(seen["error"], N, 0.06)
    assert not within_binomial(seen["error"], N, 0.04)


def test_rates_of_zero_and_one_are_exact() -> None:
    never = plan_of({"id": "never", "error": {"rate": 0}, "reset": {"rate": 0.0}})
    assert all(d.kind == "none" for d in decisions(never, POST, 2_000))
    always = plan_of({"id": "always", "timeout": {"rate": 1}})
    assert {(d.kind, d.hang_s) for d in decisions(always, POST, 2_000)} == {("timeout", 30)}


# -- reproducibility ----------------------------------------------------------------------------

def test_same_seed_same_sequence_other_seed_another() -> None:
    first = decisions(plan_of(RATE_RULE, seed=7), POST, 5_000)
    again = decisions(plan_of(RATE_RULE, seed=7), POST, 5_000)
    other = decisions(plan_of(RATE_RULE, seed=8), POST, 5_000)
    assert first == again
    assert first != other
    assert [d.kind for d in first] != [d.kind for d in other]


def test_reseed_restarts_the_sequences() -> None:
    plan = plan_of(RATE_RULE, {"id": "jitter", "latency": {"distribution": "exponential",
                                                          "mean_ms": 10}}, seed=3)
    first = decisions(plan, POST, 2_000)
    plan.reseed(3)
    assert decisions(plan, POST, 2_000) == first
    plan.reseed(4)
    fourth = decisions(plan, POST, 2_000)
    assert fourth != first
    assert fourth == decisions(plan_of(RATE_RULE, {"id": "jitter", "latency": {
        "distribution": "exponential", "mean_ms": 10}}, seed=4), POST, 2_000)


def test_a_routes_sequence_ignores_other_routes_traffic() -> None:
    rules = [RATE_RULE, {"id": "suppliers", "match": {"operationId": "getSupplier"},
                         "error": {"rate": 0.3}, "latency": {"distribution": "uniform",
                                                             "min_ms": 0, "max_ms": 9}}]
    alone = decisions(plan_of(*rules), POST, 3_000)
    busy = plan_of(*rules)
    interleaved = []
    for i in range(3_000):
        for _ in range(i % 4):
            busy.decide(*GET_SUPPLIER, 0.0)
        interleaved.append(busy.decide(*POST, 0.0))
    assert interleaved == alone


def test_each_rule_has_its_own_seed() -> None:
    assert rule_seed(7, "a") == rule_seed(7, "a")
    assert len({rule_seed(7, "a"), rule_seed(7, "b"), rule_seed(8, "a")}) == 3
    twins = plan_of({"id": "a", "error": {"rate": 0.5}}, {"id": "b", "error": {"rate": 0.5}})
    # only rule a decides while its draw picks a fault, but rule b draws on every request
    kinds_a = [d.rule for d in decisions(twins, POST, 500)]
    assert {"a", "b", None} == set(kinds_a)


def test_a_seed_in_the_plan_wins_over_the_cli_seed_and_survives_reset() -> None:
    pinned = {"seed": 11, "rules": [RATE_RULE]}
    from_cli_1 = FaultPlan.from_mapping(pinned, 1)
    from_cli_2 = FaultPlan.from_mapping(pinned, 2)
    expected = decisions(from_cli_1, POST, 2_000)
    assert decisions(from_cli_2, POST, 2_000) == expected
    assert decisions(plan_of(RATE_RULE, seed=11), POST, 2_000) == expected
    from_cli_2.reseed(99)  # what POST /__admin/reset does
    assert from_cli_2.seed == 11
    assert decisions(from_cli_2, POST, 2_000) == expected


# -- latency ------------------------------------------------------------------------------------

def delays_ms(latency: dict[str, Any], n: int = N, seed: int = 7) -> list[float]:
    plan = plan_of({"id": "lat", "latency": latency}, seed=seed)
    return [d.delay_s * 1000 for d in decisions(plan, POST, n)]


def share_below(samples: list[float], bound: float) -> float:
    return sum(1 for s in samples if s < bound) / len(samples)


def test_fixed_latency_is_exact() -> None:
    plan = plan_of({"id": "lat", "latency": {"fixed_ms": 250}})
    assert {d.delay_s for d in decisions(plan, POST, 1_000)} == {0.25}
    assert {(d.kind, d.rule) for d in decisions(plan, POST, 10)} == {("none", "lat")}


def test_uniform_latency() -> None:
    low, high = 10.0, 50.0
    samples = delays_ms({"distribution": "uniform", "min_ms": low, "max_ms": high})
    assert low <= min(samples) and max(samples) <= high
    sd = (high - low) / math.sqrt(12)
    assert abs(statistics.fmean(samples) - (low + high) / 2) <= SIGMAS * sd / math.sqrt(N)
    assert within_binomial(round(share_below(samples, 20.0) * N), N, 0.25)


def test_normal_latency_mean_and_spread() -> None:
    mean, sd = 100.0, 20.0
    samples = delays_ms({"distribution": "normal", "mean_ms": mean, "stddev_ms": sd})
    assert abs(statistics.fmean(samples) - mean) <= SIGMAS * sd / math.sqrt(N)
    # standard error of a sample standard deviation: sd / sqrt(2 (N - 1))
    assert abs(statistics.stdev(samples) - sd) <= SIGMAS * sd / math.sqrt(2 * (N - 1))


def test_normal_latency_is_clamped_at_zero() -> None:
    samples = delays_ms({"distribution": "normal", "mean_ms": 0, "stddev_ms": 10})
    assert min(samples) == 0.0
    assert within_binomial(sum(1 for s in samples if s == 0.0), N, 0.5)


def test_lognormal_latency_median_and_spread() -> None:
    median, sigma = 120.0, 0.5
    samples = delays_ms({"distribution": "lognormal", "median_ms": median, "sigma": sigma})
    assert min(samples) > 0
    assert within_binomial(round(share_below(samples, median) * N), N, 0.5)
    # one sigma above the median in log space holds Phi(1) of the samples
    phi_1 = 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    assert within_binomial(round(share_below(samples, median * math.exp(sigma)) * N), N, phi_1)


def test_exponential_latency_mean_and_median() -> None:
    mean = 50.0
    samples = delays_ms({"distribution": "exponential", "mean_ms": mean})
    assert min(samples) >= 0
    assert abs(statistics.fmean(samples) - mean) <= SIGMAS * mean / math.sqrt(N)
    assert within_binomial(round(share_below(samples, mean * math.log(2)) * N), N, 0.5)


def test_latency_of_every_matching_rule_adds_up() -> None:
    plan = plan_of({"id": "all", "latency": {"fixed_ms": 100}},
                   {"id": "posting", "match": {"operationId": "postInvoice"},
                    "latency": {"fixed_ms": 250}},
                   {"id": "suppliers", "match": {"operationId": "getSupplier"},
                    "latency": {"fixed_ms": 7}})
    assert plan.decide(*POST, 0.0) == Decision(delay_s=0.35, rule="all")
    assert plan.decide(*GET_SUPPLIER, 0.0) == Decision(delay_s=0.107, rule="all")
    assert plan.decide(*VALIDATE, 0.0) == Decision(delay_s=0.1, rule="all")


def test_latency_is_added_to_faults_too() -> None:
    plan = plan_of({"id": "slow", "latency": {"fixed_ms": 40}},
                   {"id": "broken", "error": {"rate": 1, "statuses": [502]}})
    assert plan.decide(*POST, 0.0) == Decision(delay_s=0.04, kind="error", status=502,
                                               rule="broken")


# -- outages, precedence, matching ------------------------------------------------------------

def test_outage_windows_are_half_open_and_win_over_everything() -> None:
    plan = plan_of({"id": "errors", "error": {"rate": 1, "statuses": [500]}},
                   {"id": "maintenance", "match": {"operationId": "postInvoice"},
                    "latency": {"fixed_ms": 5},
                    "outage": [{"start_s": 60, "end_s": 120, "retry_after_s": 30},
                               {"start_s": 300, "end_s": 310.5, "status": 502}]})
    outage = Decision(delay_s=0.005, kind="outage", status=503, retry_after_s=30,
                      rule="maintenance")
    for elapsed in (60.0, 90.0, 119.999):
        assert plan.decide(*POST, elapsed) == outage
    for elapsed in (0.0, 59.999, 120.0, 299.0, 310.5):
        assert plan.decide(*POST, elapsed).kind == "error"
    # without retry_after_s, Retry-After is the time left in the window, rounded up
    assert plan.decide(*POST, 300.0) == Decision(delay_s=0.005, kind="outage", status=502,
                                                 retry_after_s=11, rule="maintenance")
    assert plan.decide(*POST, 310.2).retry_after_s == 1
    # the outage is matched to postInvoice only
    assert plan.decide(*GET_SUPPLIER, 90.0).kind == "error"


def test_the_first_matching_rule_whose_draw_faults_decides() -> None:
    plan = plan_of({"id": "first", "match": {"operationId": "postInvoice"},
                    "error": {"rate": 1, "statuses": [502]}},
                   {"id": "second", "error": {"rate": 1, "statuses": [504]}})
    assert plan.decide(*POST, 0.0) == Decision(kind="error", status=502, rule="first")
    assert plan.decide(*GET_SUPPLIER, 0.0) == Decision(kind="error", status=504, rule="second")
    # a first rule whose draw picks nothing leaves the decision to the next one
    mixed = plan_of({"id": "half", "reset": {"rate": 0.5}}, {"id": "rest", "timeout": {"rate": 1}})
    rules = Counter((d.kind, d.rule) for d in decisions(mixed, POST, N))
    assert set(rules) == {("reset", "half"), ("timeout", "rest")}
    assert within_binomial(rules[("reset", "half")], N, 0.5)


@pytest.mark.parametrize(("match", "hits"), [
    ({"operationId": "postInvoice"}, {POST}),
    ({"method": "POST", "path": "/invoice-postings"}, {POST}),
    ({"method": "post"}, {POST, VALIDATE}),
    ({"path": "/suppliers/{supplierNumber}"}, {GET_SUPPLIER}),
    ({"method": "GET", "path": "/invoice-postings"}, set()),
    ({"operationId": "getSupplier", "method": "GET"}, {GET_SUPPLIER}),
    (None, {POST, GET_SUPPLIER, VALIDATE}),
])
def test_rules_match_by_operation_id_method_and_path_or_everything(
        match: dict[str, str] | None, hits: set[tuple[str, str, str]]) -> None:
    rule: dict[str, Any] = {"id": "r", "reset": {"rate": 1}}
    if match is not None:
        rule["match"] = match
    plan = plan_of(rule)
    for route in (POST, GET_SUPPLIER, VALIDATE):
        assert (plan.decide(*route, 0.0).kind == "reset") == (route in hits), route


def test_an_empty_plan_never_faults() -> None:
    for plan in (FaultPlan.empty(3), FaultPlan.from_mapping({}, 3),
                 FaultPlan.from_mapping({"rules": []}, 3)):
        assert plan.decide(*POST, 90.0) == Decision()
        assert plan.to_mapping() == {"rules": []}
        assert describe(plan) == []


# -- normalized plans -------------------------------------------------------------------------

def test_to_mapping_round_trips_and_fills_defaults() -> None:
    plan = FaultPlan.from_mapping({"rules": [
        {"id": "d", "match": {"method": "post"}, "error": {"rate": 0.1},
         "rate_limit": {"rate": 0.1}, "timeout": {"rate": 0.1},
         "outage": [{"start_s": 1, "end_s": 2.5}]}]}, 5)
    normal = plan.to_mapping()
    assert normal == {"rules": [{
        "id": "d", "match": {"method": "POST"}, "error": {"rate": 0.1, "statuses": [500]},
        "rate_limit": {"rate": 0.1, "retry_after_s": 1}, "timeout": {"rate": 0.1, "hang_s": 30},
        "outage": [{"start_s": 1, "end_s": 2.5, "status": 503}]}]}
    again = FaultPlan.from_mapping(normal, 5)
    assert again == plan and again.to_mapping() == normal


@pytest.mark.parametrize("name", ["erp-chaos.yaml", "latency-only.yaml"])
def test_example_plans_round_trip_through_json(name: str) -> None:
    plan = FaultPlan.load(FIXTURES / name, 1)
    wire = json.loads(json.dumps(plan.to_mapping()))  # what GET /__admin/faults sends
    again = FaultPlan.from_mapping(wire, 1, source="PUT /__admin/faults")
    assert again == plan
    assert again.to_mapping() == plan.to_mapping()
    for route in (POST, GET_SUPPLIER, VALIDATE):
        for elapsed in (0.0, 90.0):
            assert decisions(again, route, 300, elapsed) == decisions(plan, route, 300, elapsed)


def test_the_documented_example_plan_behaves_as_documented() -> None:
    plan = FaultPlan.load(FIXTURES / "erp-chaos.yaml", 1)
    assert plan.seed == 7
    postings = decisions(plan, POST, N)
    kinds = Counter(d.kind for d in postings)
    for kind, rate in RATES.items():
        assert within_binomial(kinds[kind], N, rate), (kind, kinds)
    delays = [d.delay_s * 1000 for d in postings]
    assert within_binomial(round(share_below(delays, 120.0) * N), N, 0.5)
    lookups = decisions(plan, GET_SUPPLIER, 1_000)
    assert all(d.kind == "none" and 0.005 <= d.delay_s <= 0.040 for d in lookups)
    assert plan.decide(*VALIDATE, 0.0) == Decision()
    assert plan.decide(*VALIDATE, 60.0) == Decision(kind="outage", status=503,
                                                    retry_after_s=30, rule="nightly-outage")


def test_numbers_from_any_json_reader_are_accepted() -> None:
    """The admin API may hand over Decimals (exact JSON numbers); they mean the same plan."""
    as_decimal = FaultPlan.from_mapping({"seed": Decimal(4), "rules": [
        {"id": "x", "error": {"rate": Decimal("0.25"), "statuses": [Decimal(503)]},
         "latency": {"fixed_ms": Decimal("12.5")}}]}, 1)
    as_float = FaultPlan.from_mapping({"seed": 4, "rules": [
        {"id": "x", "error": {"rate": 0.25, "statuses": [503]}, "latency": {"fixed_ms": 12.5}}]},
        1)
    assert as_decimal == as_float
    assert decisions(as_decimal, POST, 500) == decisions(as_float, POST, 500)


def test_describe_gives_one_line_per_rule() -> None:
    plan = FaultPlan.load(FIXTURES / "erp-chaos.yaml", 1)
    lines = describe(plan)
    assert lines == [
        "slow-postings: operationId postInvoice; latency lognormal median 120 ms, sigma 0.5; "
        "error 5% (500, 503); 429 2% (Retry-After 2 s); timeout 1% (hang 5 s); reset 1%",
        "supplier-lookup-jitter: GET /suppliers/{supplierNumber}; latency uniform 5-40 ms",
        "nightly-outage: every route; outage 60-120 s -> 503 (Retry-After 30 s)",
    ]
    assert all("\n" not in line for line in describe(FaultPlan.load(FIXTURES /
                                                                     "latency-only.yaml", 1)))
