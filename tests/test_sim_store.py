"""The simulator store on real SQLite files: exact values, atomic transactions, the outbox,
survival of kill -9, and refusal of files that are not simulator stores."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

import pytest

from ledgerpact.generators.simulators.store import SCHEMA_KEY, SCHEMA_VERSION, Store
from ledgerpact.registry.errors import InputError

WRITER = Path(__file__).parent / "helpers" / "sim_store_writer.py"


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "state.db" if request.param == "file" else None)
    yield s
    s.close()


NESTED = {
    "amount": Decimal("1234.50"),
    "tiny": Decimal("0.000000000000000000000000000000000001"),
    "long": Decimal("12345678901234567890123456789012345.10"),
    "exp": Decimal("1E+2"),
    "negative": Decimal("-0.10"),
    "int": 7,
    "huge": 2**80,
    "flag": True,
    "none": None,
    "text": "Müller & Söhne \"GmbH\" \u2028",
    "surrogate": "lone \ud800 surrogate",  # valid JSON a client may send; orjson refuses it
    "lines": [{"net": Decimal("100.00"), "tax": [Decimal("19.00"), Decimal("0")]}, []],
    "empty": {},
}


# -- values ------------------------------------------------------------------------------------

# orjson writes the common case; integers beyond 64 bits and lone surrogates take the slow path.
FAST = {k: v for k, v in NESTED.items() if k not in ("huge", "surrogate")}


@pytest.mark.parametrize("value", [FAST, NESTED], ids=["fast-path", "slow-path"])
def test_nested_values_round_trip_exactly(tmp_path: Path, value: dict[str, object]) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as s:
        s.put("invoice", "INV-1", value)
        got = s.get("invoice", "INV-1")
    assert got == value
    assert got is not None
    assert str(got["amount"]) == "1234.50"  # 1234.5 would be equal but not exact
    assert str(got["lines"][0]["net"]) == "100.00"
    assert type(got["int"]) is int
    with Store.open(path) as s:  # and after a reopen, from the file
        again = s.get("invoice", "INV-1")
    assert again == value
    assert again is not None
    assert [str(again[k]) for k in ("amount", "tiny", "long", "exp", "negative")] == [
        "1234.50", "1E-36", "12345678901234567890123456789012345.10", "1E+2", "-0.10"]


def test_values_that_would_not_come_back_are_refused(store: Store) -> None:
    for bad in ({"x": Decimal("NaN")}, {"x": Decimal("Infinity")},
                {"x": datetime(2026, 1, 1, tzinfo=UTC)}, {"x": object()}):
        with pytest.raises(TypeError):
            store.put("k", "a", bad)
    with pytest.raises(TypeError):
        store.put("k", "a", ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert store.get("k", "a") is None


def test_get_put_delete_scan_count(store: Store) -> None:
    assert store.is_empty()
    for key in ("PO-9", "PO-10", "A", "b", "PO-1"):
        store.put("po", key, {"id": key})
    store.put("other", "x", {"id": "x"})
    store.put("po", "A", {"id": "A", "version": 2})  # overwrite, not a second row
    assert [v["id"] for v in store.scan("po")] == ["A", "PO-1", "PO-10", "PO-9", "b"]
    assert store.count("po") == 5 and store.count("other") == 1 and store.count("none") == 0
    assert store.get("po", "A") == {"id": "A", "version": 2}
    assert store.get("other", "A") is None  # keys are per kind
    assert store.delete("po", "A") is True
    assert store.delete("po", "A") is False
    assert store.count("po") == 4
    assert not store.is_empty()
    assert store.scan("none") == []


def test_counters_meta_and_clear_persist_as_they_should(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as s:
        assert [s.next_number("posting") for _ in range(3)] == [1, 2, 3]
        assert s.next_number("payment") == 1
        s.meta_set("seed", "42")
        s.meta_set("seed", "43")
        assert s.meta_get("seed") == "43" and s.meta_get("nothing") is None
        assert s.is_empty()  # meta and counters are not entities
    with Store.open(path) as s:
        assert s.next_number("posting") == 4
        assert s.meta_get("seed") == "43"
        s.put("supplier", "S1", {"n": 1})
        seq = s.outbox_add({"e": 1})
        s.outbox_pending("jsonl")
        s.clear()
        assert s.is_empty() and s.meta_get("seed") is None
        assert s.next_number("posting") == 1
        assert s.outbox_all() == [] and s.outbox_pending("jsonl") == []
        assert s.outbox_add({"e": 2}) > seq  # numbers are never reused after clear
        assert [e for _, e in s.outbox_pending("jsonl")] == [{"e": 2}]
    with Store.open(path) as s:  # the cleared file is still a store of this schema
        assert s.meta_get(SCHEMA_KEY) == str(SCHEMA_VERSION)
        assert s.is_empty()
    with Store.open(path) as s, pytest.raises(ValueError):
        s.meta_set(SCHEMA_KEY, "99")


def test_file_store_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store.open(path).close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


# -- transactions ------------------------------------------------------------------------------

def test_exception_in_transaction_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as s:
        s.put("k", "kept", {"v": 1})
        with pytest.raises(ZeroDivisionError), s.transaction():
            s.put("k", "kept", {"v": 2})
            s.put("k", "new", {"v": 3})
            s.delete("k", "kept")
            s.next_number("c")
            s.meta_set("m", "x")
            s.outbox_add({"e": 1})
            raise ZeroDivisionError
        assert s.get("k", "kept") == {"v": 1}
        assert s.get("k", "new") is None
        assert s.next_number("c") == 1  # the rolled-back number is handed out again
        assert s.meta_get("m") is None and s.outbox_all() == []
    with Store.open(path) as s:
        assert s.scan("k") == [{"v": 1}] and s.outbox_all() == []


def test_transactions_nest(store: Store) -> None:
    with store.transaction():
        store.put("k", "outer", {"v": 1})
        with store.transaction():
            store.put("k", "inner", {"v": 2})
        assert store.in_transaction
        with pytest.raises(KeyError), store.transaction():  # an inner failure undoes only
            store.put("k", "failed", {"v": 3})                # the inner block
            raise KeyError
        store.put("k", "after", {"v": 4})
    assert not store.in_transaction
    assert [v["v"] for v in store.scan("k")] == [4, 2, 1]  # after, inner, outer
    with pytest.raises(RuntimeError), store.transaction():
        store.put("k", "outer2", {"v": 5})
        with store.transaction():
            store.put("k", "inner2", {"v": 6})
        raise RuntimeError  # the outer failure undoes the committed inner block too
    assert store.get("k", "outer2") is None and store.get("k", "inner2") is None


def test_other_thread_never_sees_uncommitted_writes(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "state.db")
    reader_ready = threading.Event()
    seen: list[object] = []

    def reader() -> None:
        reader_ready.set()
        seen.append(s.get("k", "x"))  # waits for the transaction to end

    thread = threading.Thread(target=reader)
    with pytest.raises(LookupError), s.transaction():
        s.put("k", "x", {"uncommitted": True})
        thread.start()
        assert reader_ready.wait(10)
        threading.Event().wait(0.05)  # give the reader every chance to read too early
        raise LookupError
    thread.join(10)
    s.close()
    assert seen == [None]


def test_await_inside_a_transaction_is_caught() -> None:
    s = Store.open(None)

    async def holder(started: asyncio.Event, go: asyncio.Event) -> None:
        with s.transaction():
            s.put("k", "a", {"v": 1})
            started.set()
            await go.wait()  # the mistake: another task runs while the transaction is open

    async def main() -> None:
        started, go = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(holder(started, go))
        await started.wait()
        with pytest.raises(RuntimeError, match="another task"):
            s.put("k", "b", {"v": 2})
        go.set()
        await task

    asyncio.run(main())
    assert s.get("k", "a") == {"v": 1} and s.get("k", "b") is None
    s.close()


def test_threads_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "state.db")

    def work(t: int) -> None:
        for i in range(50):
            with s.transaction():
                n = s.next_number("n")
                s.put("row", f"{n:05d}", {"t": t, "i": i})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert s.count("row") == 400
    assert [int(k["i"]) for k in s.scan("row")].count(0) == 8
    assert s.next_number("n") == 401
    s.close()


# -- outbox ------------------------------------------------------------------------------------

def test_outbox_per_sink_delivery(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as s:
        assert s.outbox_pending("jsonl") == []  # both sinks are seen before any event
        assert s.outbox_pending("amqp") == []
        seqs = [s.outbox_add({"n": i, "amount": Decimal(f"{i}.10")}) for i in range(1, 6)]
        assert seqs == sorted(seqs) and len(set(seqs)) == 5
        pending = s.outbox_pending("jsonl")
        assert [seq for seq, _ in pending] == seqs
        assert pending[0][1] == {"n": 1, "amount": Decimal("1.10")}
        assert str(pending[0][1]["amount"]) == "1.10"
        assert [seq for seq, _ in s.outbox_pending("jsonl", limit=2)] == seqs[:2]
        s.outbox_ack("jsonl", [seqs[1], seqs[3]])  # out of order: 2 and 4 delivered
        assert [seq for seq, _ in s.outbox_pending("jsonl")] == [seqs[0], seqs[2], seqs[4]]
        assert [seq for seq, _ in s.outbox_pending("amqp")] == seqs  # independent
        s.outbox_ack("jsonl", [seqs[0], seqs[1], 10_000])  # repeat and unknown: ignored
        assert [seq for seq, _ in s.outbox_pending("jsonl")] == [seqs[2], seqs[4]]
        future = s.outbox_add({"n": 6})
        assert future == seqs[-1] + 1
        assert [seq for seq, _ in s.outbox_pending("jsonl")] == [seqs[2], seqs[4], future]
    with Store.open(path) as s:  # positions survive a restart
        assert [seq for seq, _ in s.outbox_pending("jsonl")] == [seqs[2], seqs[4], future]
        s.outbox_ack("jsonl", [seqs[2], seqs[4], future])
        assert s.outbox_pending("jsonl") == []
        assert len(s.outbox_pending("amqp")) == 6
        assert [e["n"] for _, e in s.outbox_all()] == [1, 2, 3, 4, 5, 6]  # history stays
        assert [seq for seq, _ in s.outbox_all(after=seqs[3], limit=1)] == [seqs[4]]
        assert s.outbox_count() == 6
        # A sink seen for the first time now starts with this run's events, not history.
        assert s.outbox_pending("nats") == []
        latest = s.outbox_add({"n": 7})
        assert [seq for seq, _ in s.outbox_pending("nats")] == [latest]
        assert [seq for seq, _ in s.outbox_pending("jsonl")] == [latest]


def test_new_sink_gets_events_written_before_its_first_poll_in_this_run(tmp_path: Path) -> None:
    """A relay that polls late in the run still delivers everything the run wrote."""
    with Store.open(tmp_path / "state.db") as s:
        s.outbox_add({"n": 1})
        s.outbox_add({"n": 2})
        assert [e["n"] for _, e in s.outbox_pending("late")] == [1, 2]


def test_outbox_event_is_rolled_back_with_its_transaction(store: Store) -> None:
    store.outbox_pending("jsonl")
    with pytest.raises(ValueError), store.transaction():
        store.outbox_add({"n": 1})
        raise ValueError
    assert store.outbox_pending("jsonl") == [] and store.outbox_all() == []


# -- files that are not stores -----------------------------------------------------------------

def _one_line_naming(exc: InputError, path: Path) -> None:
    text = str(exc)
    assert "\n" not in text and str(path) in text


def test_text_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, it is a long enough text file\n" * 20)
    before = path.read_bytes()
    with pytest.raises(InputError) as caught:
        Store.open(path)
    _one_line_naming(caught.value, path)
    assert "not an SQLite database" in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_foreign_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE entities (kind, key, value)")
    db.execute("CREATE TABLE meta (key, value)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(InputError) as caught:
        Store.open(path)
    _one_line_naming(caught.value, path)
    assert "not a Ledgerpact simulator state file" in str(caught.value)
    assert path.read_bytes() == before  # still in rollback-journal mode, nothing created


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = ?", (str(SCHEMA_VERSION + 1), SCHEMA_KEY))
    db.commit()
    db.close()
    with pytest.raises(InputError, match="newer Ledgerpact") as caught:
        Store.open(path)
    _one_line_naming(caught.value, path)


def test_directory_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        Store.open(tmp_path)
    _one_line_naming(caught.value, tmp_path)
    missing = tmp_path / "no" / "such" / "dir" / "state.db"
    with pytest.raises(InputError) as caught:
        Store.open(missing)
    _one_line_naming(caught.value, missing)
    empty = tmp_path / "empty.db"
    empty.touch()  # an empty file is an empty database: it becomes a store
    with Store.open(empty) as s:
        s.put("k", "a", {"v": 1})
    with Store.open(empty) as s:
        assert s.get("k", "a") == {"v": 1}


# -- kill -9 -----------------------------------------------------------------------------------

def _writer(path: Path, first: int, hang_after: int | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, str(WRITER), str(path), str(first)]
    if hang_after is not None:
        args += ["--hang-after", str(hang_after)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1])


def _read_until(proc: subprocess.Popen[str], stop: str, lines: list[str]) -> None:
    stream: IO[str] | None = proc.stdout
    assert stream is not None
    for line in stream:
        lines.append(line.split()[0] + " " + line.split()[1])
        if line.startswith(stop):
            return
    raise AssertionError(f"writer ended early: {proc.wait()} {proc.stderr and proc.stderr.read()}")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL


def test_kill_9_loses_no_acknowledged_transaction(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    acked: set[str] = set()
    replayed: set[str] = set()

    # Round 1 and 2: killed half way through a transaction (the writer hangs inside it).
    first = 1
    for _ in range(2):
        proc = _writer(path, first, hang_after=40)
        lines: list[str] = []
        try:
            _read_until(proc, "open", lines)
        finally:
            _kill(proc)
        done = [line.split()[1] for line in lines if line.startswith("done")]
        replayed |= {line.split()[1] for line in lines if line.startswith("replay")}
        assert len(done) == 40
        acked |= set(done)
        half = lines[-1].split()[1]
        with Store.open(path) as s:  # the transaction killed half way left nothing
            assert s.get("posting", half) is None
            assert s.idempotency_get("postInvoice", half) is None
            assert half not in {e["key"] for _, e in s.outbox_all(0, 100_000)}
            assert all(s.get("posting", key) is not None for key in acked)
        first = int(done[-1].split("-")[1]) - 10  # the client retries its last 10 keys

    # Round 3: killed at full speed, wherever it is.
    proc = _writer(path, first)
    lines = []
    try:
        stream = proc.stdout
        assert stream is not None
        for line in stream:
            lines.append(line.strip())
            if len(lines) >= 300:
                break
    finally:
        _kill(proc)
    acked |= {line.split()[1] for line in lines if line.startswith("done")}
    replayed |= {line.split()[1] for line in lines if line.startswith("replay")}

    assert len(replayed) >= 20  # the retried keys were answered from the ledger
    with Store.open(path) as s:
        postings = {p["key"]: p for p in s.scan("posting")}
        events = [e for _, e in s.outbox_all(0, 100_000)]
        assert acked <= postings.keys()  # every acknowledged posting is there
        # Exactly once: one event per posting, and posting numbers 1..N without gaps.
        event_keys = [e["key"] for e in events]
        assert sorted(event_keys) == sorted(postings)
        assert len(set(event_keys)) == len(event_keys)
        assert sorted(p["number"] for p in postings.values()) == list(range(1, len(postings) + 1))
        for event in events:
            assert event["number"] == postings[event["key"]]["number"]
            assert str(event["amount"]).endswith(".50")
        # Every posting has its idempotency row; no row without a posting.
        for key, posting in postings.items():
            row = s.idempotency_get("postInvoice", key)
            assert row is not None and row.response["body"]["postingNumber"] == posting["number"]
    db = sqlite3.connect(path)
    try:
        stored_keys = sorted(k for (k,) in db.execute("SELECT key FROM idempotency"))
    finally:
        db.close()
    assert stored_keys == sorted(postings)


# -- group commit, the read cache, in-order acknowledgements -----------------------------------

def _committed_keys(path: Path) -> set[str]:
    """What another connection (another process) sees: only committed rows."""
    db = sqlite3.connect(path)
    try:
        return {k for (k,) in db.execute("SELECT key FROM entities WHERE kind = 'posting'")}
    finally:
        db.close()


def test_grouped_transactions_commit_together_at_flush(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    s = Store.open(path)
    commits: list[str] = []
    s._db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)

    async def post(key: str, fail: bool = False) -> str:
        await asyncio.sleep(0)
        try:
            with s.transaction(group=True):
                s.put("posting", key, {"key": key, "amount": Decimal("1.50")})
                s.outbox_add({"key": key})
                if fail:
                    raise ZeroDivisionError
        except ZeroDivisionError:
            return "refused"
        assert key not in _committed_keys(path)  # not yet: answered only after flush()
        await s.flush()
        assert key in _committed_keys(path)
        return "posted"

    async def main() -> list[str]:
        return await asyncio.gather(*(post(f"P{i}", fail=i == 3) for i in range(6)))

    assert asyncio.run(main()) == ["posted"] * 3 + ["refused"] + ["posted"] * 2
    assert len(commits) == 1  # six grouped blocks in one loop iteration, one COMMIT
    assert _committed_keys(path) == {"P0", "P1", "P2", "P4", "P5"}  # P3 rolled back alone
    assert [e["key"] for _, e in s.outbox_all()] == ["P0", "P1", "P2", "P4", "P5"]
    # A plain transaction commits a pending group before it begins; so does close().
    with s.transaction(group=True):
        s.put("posting", "P6", {"key": "P6"})
    with s.transaction():
        s.put("other", "x", {"v": 1})
    assert "P6" in _committed_keys(path)
    with s.transaction(group=True):
        s.put("posting", "P7", {"key": "P7"})
    s.close()
    assert "P7" in _committed_keys(path)


def test_cached_reads_see_what_another_connection_committed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as a, Store.open(path) as b:
        a.put("supplier", "S1", {"status": "active"})
        a.meta_set("token", "one")
        assert b.get("supplier", "S1") == {"status": "active"}  # b caches it
        assert b.meta_get("token") == "one"
        before = b.generation("supplier")
        a.put("supplier", "S1", {"status": "blocked"})
        a.meta_set("token", "two")
        assert b.get("supplier", "S1") == {"status": "blocked"}
        assert b.meta_get("token") == "two"
        assert b.generation("supplier") != before
        got = b.get("supplier", "S1")
        assert got is not None
        got["status"] = "changed by the caller"  # a caller's copy, never the cached value
        assert b.get("supplier", "S1") == {"status": "blocked"}


def test_generation_follows_writes_and_rollbacks(store: Store) -> None:
    suppliers, codes = store.generation("supplier"), store.generation("taxCode")
    store.put("posting", "P1", {"v": 1})
    assert store.generation("supplier") == suppliers  # another kind: no change
    store.put("supplier", "S1", {"v": 1})
    assert store.generation("supplier") != suppliers
    assert store.generation("taxCode") == codes
    codes = store.generation("taxCode")
    with pytest.raises(ZeroDivisionError), store.transaction():
        store.put("posting", "P2", {"v": 2})
        raise ZeroDivisionError
    assert store.generation("taxCode") != codes  # a rollback may undo anything
    assert store.get("posting", "P2") is None


def test_in_order_acks_advance_the_mark_without_ack_rows(tmp_path: Path) -> None:
    with Store.open(tmp_path / "state.db") as s:
        seqs = [s.outbox_add({"n": i}) for i in range(6)]
        assert len(s.outbox_pending("sink")) == 6
        s.outbox_ack("sink", seqs[:3])
        assert s._db.execute("SELECT COUNT(*) FROM outbox_acks").fetchone()[0] == 0
        assert [seq for seq, _ in s.outbox_pending("sink")] == seqs[3:]
        s.outbox_ack("sink", [seqs[5]])  # out of order: kept as a row until the gap closes
        assert [seq for seq, _ in s.outbox_pending("sink")] == seqs[3:5]
        s.outbox_ack("sink", seqs[3:5])
        assert s.outbox_pending("sink") == []
        assert s._db.execute("SELECT COUNT(*) FROM outbox_acks").fetchone()[0] == 0


def test_closing_stops_the_checkpointer_and_leaves_the_data(tmp_path: Path) -> None:
    path = tmp_path / "checkpointed-by-this-test.db"
    s = Store.open(path)
    for i in range(200):
        s.put("k", str(i), {"v": i, "pad": "x" * 500})
    assert any(t.name.startswith("sqlite-checkpoint") for t in threading.enumerate())
    s.close()
    assert not any(t.name == f"sqlite-checkpoint:{path.name}" and t.is_alive()
                   for t in threading.enumerate())
    with Store.open(path) as again:
        assert again.count("k") == 200


def test_cached_misses_follow_writes_rollbacks_and_other_connections(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as a, Store.open(path) as b:
        for reader in (a.get, a.get_shared):
            assert reader("postingIndex", "S1|INV-1") is None
        assert a._cache[("postingIndex", "S1|INV-1")] is None  # the miss is cached
        a.put("postingIndex", "S1|INV-1", {"postingId": "P1"})
        assert a.get("postingIndex", "S1|INV-1") == {"postingId": "P1"}
        assert a.get_shared("postingIndex", "S1|INV-1") == {"postingId": "P1"}
        with pytest.raises(ZeroDivisionError), a.transaction():
            assert a.get("posting", "P2") is None
            a.put("posting", "P2", {"v": 2})
            assert a.get_shared("posting", "P2") == {"v": 2}
            raise ZeroDivisionError
        assert a.get("posting", "P2") is None and a.get_shared("posting", "P2") is None
        assert a.delete("postingIndex", "S1|INV-1")
        assert a.get_shared("postingIndex", "S1|INV-1") is None
        assert b.get("supplier", "S9") is None and b.get_shared("supplier", "S9") is None
        a.put("supplier", "S9", {"status": "active"})  # another connection commits
        assert b.get("supplier", "S9") == {"status": "active"}
        assert b.get_shared("supplier", "S9") == {"status": "active"}


def test_get_shared_is_one_object_until_the_entity_changes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as a, Store.open(path) as b:
        a.put("glAccount", "6000", {"open": True, "amount": Decimal("1.50")})
        first = a.get_shared("glAccount", "6000")
        assert first == {"open": True, "amount": Decimal("1.50")}
        assert a.get_shared("glAccount", "6000") is first
        assert a.get("glAccount", "6000") is not first  # get still parses a copy
        a.put("glAccount", "6000", {"open": False})
        assert a.get_shared("glAccount", "6000") == {"open": False}
        seen = b.get_shared("glAccount", "6000")
        a.put("glAccount", "6000", {"open": True})
        again = b.get_shared("glAccount", "6000")
        assert again == {"open": True} and again is not seen
        a.clear()
        assert a.get_shared("glAccount", "6000") is None


def test_counters_are_one_sequence_across_connections_and_rollbacks(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store.open(path) as a, Store.open(path) as b:
        assert a.next_number("posting") == 1  # outside a transaction: its own
        with a.transaction():
            assert [a.next_number("posting"), a.next_number("payment")] == [2, 1]
        with pytest.raises(ZeroDivisionError), b.transaction():
            assert b.next_number("posting") == 3
            raise ZeroDivisionError
        assert b.next_number("posting") == 3  # the rolled-back number is not lost
        assert a.next_number("posting") == 4

        def take(store: Store, out: list[int]) -> None:
            for _ in range(50):
                out.append(store.next_number("journalEntry"))

        got_a: list[int] = []
        got_b: list[int] = []
        threads = [threading.Thread(target=take, args=(a, got_a)),
                   threading.Thread(target=take, args=(b, got_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(got_a + got_b) == list(range(1, 101))
