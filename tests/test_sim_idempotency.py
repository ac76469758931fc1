"""The Idempotency-Key ledger on a real SQLite store: outcomes, exact replays, concurrency,
crash behaviour, and fingerprints that ignore how a client serialised the same body."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerpact.generators.simulators.idempotency import (
    Claim,
    IdempotencyLedger,
    KeyCommittedElsewhere,
    canonical_json,
    fingerprint,
)
from ledgerpact.generators.simulators.messages import SimRequest, SimResponse
from ledgerpact.generators.simulators.store import Store

SCOPE = "postInvoice"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "state.db")
    yield s
    s.close()


def _response(number: int = 1) -> SimResponse:
    return SimResponse(201, {"postingId": f"PST-{number}", "amount": Decimal("1234.50"),
                             "lines": [{"net": Decimal("100.00")}]},
                       headers={"Location": f"/invoice-postings/PST-{number}"})


def _post(ledger: IdempotencyLedger, store: Store, claim: Claim, number: int) -> None:
    with store.transaction():
        store.put("posting", claim.key, {"number": number})
        ledger.finish(claim, _response(number))


def test_outcomes(store: Store) -> None:
    ledger = IdempotencyLedger(store)
    first = ledger.begin(SCOPE, "k1", "fp-a")
    assert first.outcome == "new" and first.response is None
    assert ledger.begin(SCOPE, "k1", "fp-a").outcome == "in_flight"
    assert ledger.begin(SCOPE, "k1", "fp-b").outcome == "in_flight"
    assert ledger.begin("otherOperation", "k1", "fp-a").outcome == "new"  # keys are scoped
    _post(ledger, store, first, 1)
    replay = ledger.begin(SCOPE, "k1", "fp-a")
    assert replay.outcome == "replay"
    assert replay.response == _response(1)
    mismatch = ledger.begin(SCOPE, "k1", "fp-b")
    assert mismatch.outcome == "mismatch" and mismatch.response is None
    assert ledger.in_flight() == 1  # the otherOperation claim, never finished


def test_release_frees_the_key(store: Store) -> None:
    ledger = IdempotencyLedger(store)
    claim = ledger.begin(SCOPE, "k", "fp")
    ledger.release(claim)
    again = ledger.begin(SCOPE, "k", "fp-other")  # nothing was stored: any body is new
    assert again.outcome == "new"
    ledger.release(claim)  # a stale release must not free someone else's claim
    assert ledger.begin(SCOPE, "k", "fp").outcome == "in_flight"
    _post(ledger, store, again, 7)
    ledger.release(again)  # after finish: harmless
    assert ledger.begin(SCOPE, "k", "fp-other").outcome == "replay"
    assert ledger.in_flight() == 0


def test_finish_only_for_a_live_new_claim(store: Store) -> None:
    ledger = IdempotencyLedger(store)
    claim = ledger.begin(SCOPE, "k", "fp")
    busy = ledger.begin(SCOPE, "k", "fp")
    with pytest.raises(ValueError):
        ledger.finish(busy, _response())
    ledger.release(claim)
    with pytest.raises(ValueError):
        ledger.finish(claim, _response())
    assert store.idempotency_get(SCOPE, "k") is None


def test_finish_rolls_back_with_the_posting(store: Store) -> None:
    ledger = IdempotencyLedger(store)
    claim = ledger.begin(SCOPE, "k", "fp")
    with pytest.raises(RuntimeError), store.transaction():
        store.put("posting", "k", {"n": 1})
        ledger.finish(claim, _response())
        raise RuntimeError("the event could not be built")
    ledger.release(claim)
    assert store.get("posting", "k") is None
    assert store.idempotency_get(SCOPE, "k") is None
    assert ledger.begin(SCOPE, "k", "fp").outcome == "new"


def test_stored_response_is_exact_and_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    body = {"amount": Decimal("1234.50"), "rate": Decimal("0.190"), "n": 3, "none": None}
    responses = {
        "json": SimResponse(201, body, {"Location": "/x/1", "ETag": '"v1"'}),
        "bytes": SimResponse(200, b"<Invoice>\x00\xff</Invoice>", {}, "application/xml"),
        "empty": SimResponse(204, None, {}, "application/json"),
        "problem": SimResponse(422, {"type": "about:blank", "status": 422}, {},
                               "application/problem+json"),
    }
    with Store.open(path) as s:
        ledger = IdempotencyLedger(s)
        for key, response in responses.items():
            with s.transaction():
                ledger.finish(ledger.begin(SCOPE, key, f"fp-{key}"), response)
    with Store.open(path) as s:  # a new process: a new ledger on the reopened file
        ledger = IdempotencyLedger(s)
        for key, response in responses.items():
            claim = ledger.begin(SCOPE, key, f"fp-{key}")
            assert claim.outcome == "replay"
            assert claim.response == response
        replayed = ledger.begin(SCOPE, "json", "fp-json").response
        assert replayed is not None
        assert str(replayed.body["amount"]) == "1234.50" and str(replayed.body["rate"]) == "0.190"
        assert type(replayed.body["n"]) is int


def test_claim_in_flight_does_not_survive_a_crash(tmp_path: Path) -> None:
    """A request that never committed must not block its key after a restart."""
    path = tmp_path / "state.db"
    s = Store.open(path)
    assert IdempotencyLedger(s).begin(SCOPE, "k", "fp").outcome == "new"
    s.close()  # the process dies with the claim in flight
    with Store.open(path) as s:
        assert IdempotencyLedger(s).begin(SCOPE, "k", "fp").outcome == "new"


def test_two_processes_on_one_file_never_post_a_key_twice(tmp_path: Path) -> None:
    """Claims in flight are per process; the stored row still refuses the second posting."""
    path = tmp_path / "state.db"
    with Store.open(path) as one, Store.open(path) as two:
        first, second = IdempotencyLedger(one), IdempotencyLedger(two)
        a = first.begin(SCOPE, "k", "fp")
        b = second.begin(SCOPE, "k", "fp")
        assert a.outcome == b.outcome == "new"
        _post(first, one, a, 1)
        with pytest.raises(KeyCommittedElsewhere), two.transaction():
            two.put("posting", "k-second", {"number": 2})
            second.finish(b, _response(2))
        second.release(b)
        assert two.get("posting", "k-second") is None
        assert second.begin(SCOPE, "k", "fp").outcome == "replay"
        assert second.in_flight() == 0


def test_twenty_concurrent_tasks_with_one_key(store: Store) -> None:
    ledger = IdempotencyLedger(store)

    async def client(i: int) -> str:
        claim = ledger.begin(SCOPE, "same-key", "fp")
        if claim.outcome != "new":
            return claim.outcome
        try:
            await asyncio.sleep(0.01)  # the posting takes time; the others arrive meanwhile
            with store.transaction():
                number = store.next_number("posting")
                store.put("posting", f"{number}", {"by": i})
                ledger.finish(claim, _response(number))
        finally:
            ledger.release(claim)
        return "new"

    async def main() -> list[str]:
        return list(await asyncio.gather(*(client(i) for i in range(20))))

    outcomes = asyncio.run(main())
    assert outcomes.count("new") == 1
    assert outcomes.count("in_flight") == 19
    assert store.count("posting") == 1
    after = asyncio.run(main())  # the key has committed: every later request replays
    assert after == ["replay"] * 20
    assert store.count("posting") == 1


def test_threads_racing_on_few_keys_post_each_key_once(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "state.db")
    ledger = IdempotencyLedger(s)
    keys = [f"k{i}" for i in range(10)]
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        for _ in range(5):
            for key in keys:
                claim = ledger.begin(SCOPE, key, "fp")
                if claim.outcome == "new":
                    try:
                        with s.transaction():
                            number = s.next_number("posting")
                            s.put("posting", key + f"#{number}", {"n": number})
                            s.outbox_add({"key": key})
                            ledger.finish(claim, _response(number))
                    finally:
                        ledger.release(claim)
                with lock:
                    outcomes.append(claim.outcome)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 8 * 5 * 10
    assert outcomes.count("new") == 10 and "mismatch" not in outcomes
    assert s.count("posting") == 10 and s.outbox_count() == 10
    assert ledger.in_flight() == 0
    s.close()


# -- fingerprints ------------------------------------------------------------------------------

def _request(body_text: str | None = None, *, method: str = "POST",
             path: str = "/invoice-postings", raw: bytes = b"",
             template: str = "/invoice-postings") -> SimRequest:
    body: Any = None if body_text is None else json.loads(body_text, parse_float=Decimal)
    return SimRequest(method=method, path=path, operation_id=SCOPE, path_template=template,
                      body=body, raw_body=raw or (body_text or "").encode())


def test_fingerprint_ignores_key_order_whitespace_and_number_spelling() -> None:
    a = _request('{"supplier": "S1", "totals": {"net": 100.50, "tax": 19}, "lines": [1, 2]}')
    b = _request('{\n  "lines": [1,2],\n  "totals": {"tax": 19.0, "net": 100.5},'
                 ' "supplier": "S1"}')
    assert fingerprint(a) == fingerprint(b)
    assert len(fingerprint(a)) == 64
    different = [
        _request('{"supplier": "S1", "totals": {"net": 100.51, "tax": 19}, "lines": [1, 2]}'),
        _request('{"supplier": "S1", "totals": {"net": 100.50, "tax": 19}, "lines": [2, 1]}'),
        _request('{"supplier": "S2", "totals": {"net": 100.50, "tax": 19}, "lines": [1, 2]}'),
        _request('{"supplier": "S1", "totals": {"net": "100.50", "tax": 19}, "lines": [1, 2]}'),
        _request('{"supplier": "S1", "totals": {"net": 100.50, "tax": 19}, "lines": [1, 2]}',
                 method="PUT"),
        _request('{"supplier": "S1", "totals": {"net": 100.50, "tax": 19}, "lines": [1, 2]}',
                 path="/invoice-postings/x", template="/invoice-postings/{id}"),
    ]
    prints = {fingerprint(r) for r in different}
    assert len(prints) == len(different) and fingerprint(a) not in prints


def test_fingerprint_of_raw_bodies_and_canonical_numbers() -> None:
    xml = b"<Invoice><ID>1</ID></Invoice>"
    assert fingerprint(_request(raw=xml)) == fingerprint(_request(raw=xml))
    assert fingerprint(_request(raw=xml)) != fingerprint(_request(raw=xml + b" "))
    assert fingerprint(_request(raw=b"")) != fingerprint(_request("{}"))
    assert canonical_json({"b": [Decimal("1.500"), 0, Decimal("-0.0"), True, None],
                           "a": "x\u00e9"}) == '{"a":"x\u00e9","b":[15e-1,0,0,true,null]}'
    # Digits beyond the decimal context's 28 are kept, and huge exponents are not expanded.
    assert canonical_json(Decimal("1.00000000000000000000000000000000001")) == \
        "100000000000000000000000000000000001e-35"
    assert canonical_json(Decimal("1e999999999")) == "1e999999999"
    # An integer is written as orjson writes an int, whichever way it was spelt.
    assert canonical_json(100) == canonical_json(Decimal("100.00")) == \
        canonical_json(Decimal("1E+2")) == "100"
    assert canonical_json(2**64 - 1) == canonical_json(Decimal("18446744073709551615.0")) == \
        "18446744073709551615"
    assert canonical_json(-(2**63)) == canonical_json(Decimal("-9223372036854775808")) == \
        "-9223372036854775808"


def test_canonical_json_beyond_orjson_matches_the_fast_path() -> None:
    """Integers beyond 64 bits and lone surrogates take a Python path; it writes the same
    canonical text, so one amount has one fingerprint however it is spelt."""
    big = '{"z": "\u00e9\\n\\u0001", "a": [100000000000000000000, 2.50, {"k": true}]}'
    spelt = '{"a": [1e20, 2.5, {"k": true}], "z": "\u00e9\\n\\u0001"}'
    slow = json.loads(big, parse_float=Decimal)
    fast = json.loads(spelt, parse_float=Decimal)
    assert canonical_json(slow) == canonical_json(fast) == \
        '{"a":[1e20,25e-1,{"k":true}],"z":"\u00e9\\n\\u0001"}'
    assert fingerprint(_request(big)) == fingerprint(_request(spelt))
    lone = _request('{"name": "\\ud800", "n": 1}')
    assert fingerprint(lone) == fingerprint(_request('{"n": 1.0, "name": "\\ud800"}'))
    assert canonical_json(lone.body) == '{"n":1,"name":"\ud800"}'
    with pytest.raises(TypeError):
        canonical_json({"when": object()})
    with pytest.raises(TypeError):
        canonical_json({"x": Decimal("NaN")})
