"""A simulator's state: entities, counters, the Idempotency-Key ledger's rows and the event
outbox, in one SQLite database so that one transaction covers all of them.

Why one database: a posting writes its entity, its idempotency row and its outbox event in a
single ``transaction()``. Either all three are committed or none is, so a crash can neither
lose an acknowledged posting nor leave a posting whose event is never published.

Durability: a file store runs in WAL mode with ``synchronous=NORMAL``. A commit appends the
transaction to the ``-wal`` file with ``write()`` before ``COMMIT`` returns; the data is then
in the operating system's page cache, which outlives the process. Killing the process
(``kill -9``, an OOM kill) therefore loses no committed transaction. What NORMAL gives up is
the fsync per commit: a power cut or kernel crash may lose the last commits (the database stays
consistent, never corrupt). That is the right trade for a simulator: ten times the commit rate
of ``synchronous=FULL``, and a QA machine that loses power restarts its tests anyway.

``Store.open(None)`` is the same code on an in-memory database (``:memory:``): nothing
survives the process, everything else behaves alike.

Values are JSON. Numbers with a fraction or an exponent are read back as ``Decimal`` with the
digits they were written with ("1234.50" stays ``Decimal("1234.50")``); Decimals are written
with exactly those digits, never through a float. A Python float is accepted and comes back as
the Decimal of its shortest repr (money is never a float in this project; nothing else should
depend on the difference).

Concurrency: one connection, guarded by a re-entrant lock. A thread that wants the store while
another holds a transaction waits for it (it never sees uncommitted data). Inside one event
loop the lock cannot separate coroutines, so a coroutine must not ``await`` inside
``transaction()``: another task touching the store meanwhile raises ``RuntimeError`` rather
than silently joining (and possibly being rolled back with) someone else's transaction.

Outbox delivery is tracked per sink (its ``name``): each sink has a high-water mark (every
event up to it is acknowledged) plus the acknowledgements above it, so a relay may acknowledge
out of order (at least once per sink; consumers deduplicate on the event id). A sink is
registered the first time this store sees its name (``outbox_pending`` or ``outbox_ack``) and
starts with the events written since this ``Store`` was opened: every event of the current run
reaches it, however late the relay first polls, while a sink added to an existing state file is
not flooded with the history of earlier runs. A known sink resumes where it stopped, so events
committed but not yet acknowledged before a crash are delivered after the restart.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from ledgerpact.generators.simulators import jsonio
from ledgerpact.registry.errors import InputError

SCHEMA_VERSION = 1
# PRAGMA application_id: "LPSM" (Ledgerpact simulator). Marks the file as ours for tools such
# as file(1), and lets open() tell a simulator store from any other SQLite database.
APPLICATION_ID = 0x4C50534D
SCHEMA_KEY = "schema_version"  # in meta; clear() keeps it
BUSY_TIMEOUT_MS = 5000
CHECKPOINT_INTERVAL_S = 0.5  # background WAL checkpoints of a file store
# Pages after which a commit checkpoints by itself: a backstop only, in case the background
# checkpointer falls behind (SQLite's default of 1,000 puts a checkpoint, with its fsyncs, on
# the commit path of every hundredth posting).
AUTOCHECKPOINT_PAGES = 20_000
CACHE_LIMIT = 20_000  # entities whose JSON text is kept in memory (cleared when full)

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # A rowid table with a unique index, not WITHOUT ROWID: values are up to a few KB, and
    # rows that large in the index b-tree split its pages often and make each commit write a
    # third more pages (SQLite advises WITHOUT ROWID for small rows only). The statements are
    # the same for both layouts, so files written before this change still work as they are.
    "CREATE TABLE entities (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " UNIQUE (kind, key))",
    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL, status TEXT NOT NULL, response TEXT NOT NULL,"
    " created_at TEXT NOT NULL, UNIQUE (scope, key))",  # rowid: rows hold a whole response
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)",
    "CREATE TABLE outbox_sinks (sink TEXT PRIMARY KEY, acked_through INTEGER NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE outbox_acks (sink TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY (sink, seq)) WITHOUT ROWID",
)
_UNKNOWN: Any = object()  # Store.get: not in the cache (None there: no such entity)
_TABLES = frozenset({"meta", "entities", "counters", "idempotency", "outbox", "outbox_sinks",
                     "outbox_acks"})


# -- exact JSON --------------------------------------------------------------------------------

def dumps(value: Any) -> str:
    """JSON text with Decimals written with their exact digits (see ``jsonio``)."""
    return jsonio.dumps(value).decode("utf-8")


def loads(text: str | bytes) -> Any:
    """JSON with every non-integer number as an exact ``Decimal``."""
    return jsonio.loads(text)


# -- the store ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IdempotencyRow:
    """A committed Idempotency-Key: what the first request looked like and what it got."""

    scope: str
    key: str
    fingerprint: str
    status: str
    response: dict[str, Any]
    created_at: str


def _current_task() -> object | None:
    """The running asyncio task, or None outside an event loop (cheap: no exception)."""
    loop = asyncio._get_running_loop()
    return None if loop is None else asyncio.current_task(loop)


class Store:
    """Entities by (kind, key), counters, meta, idempotency rows and the outbox, in SQLite.

    Writes outside ``transaction()`` commit on their own (one statement each)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0  # transaction nesting of the thread that holds the lock
        self._task: object | None = None  # asyncio task owning the open transaction
        self._closed = False
        self._checkpointer: _Checkpointer | None = None
        self._group_open = False  # a grouped transaction holds writes not yet committed
        self._group_scheduled = False
        self._group_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._guard = _Guard(self)
        self._opened_seq = self._last_seq()
        # (kind, key) -> the entity's JSON text, for get(): master data is read several
        # times per posting. Kept coherent by put/delete/clear, dropped on any rollback, and
        # dropped when another connection (another process) committed: ``data_version``.
        # None: no such entity. An entry also holds get_shared's parsed object, so whatever
        # drops the entry retires that object with it.
        self._cache: dict[tuple[str, str], _Cached | None] = {}
        self._meta: dict[str, str | None] = {}  # meta_get answers, kept like the cache
        self._generation = 0  # bumped whenever the caches are dropped
        self._kind_writes: dict[str, int] = {}  # puts and deletes per kind since then
        self._data_version = self._version()

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None) -> Store:
        """The store in ``path`` (created if missing or empty), or an in-memory one for None.

        A file that is not a simulator store is refused with an ``InputError`` naming it and
        is left untouched (nothing is written before it is recognised)."""
        name = ":memory:" if path is None else str(path)
        where = "<memory>" if path is None else str(path)
        try:
            db = sqlite3.connect(name, isolation_level=None, check_same_thread=False,
                                 cached_statements=256)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the simulator state: {exc}", file=where) from None
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _prepare(db, where)
            if path is not None:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
            db.execute("PRAGMA synchronous = NORMAL")
        except InputError:
            db.close()
            raise
        except sqlite3.DatabaseError as exc:
            db.close()
            reason = str(exc)
            if "not a database" in reason:
                reason = "not a simulator state file (not an SQLite database)"
            raise InputError(f"cannot open the simulator state: {reason}", file=where) from None
        store = cls(db, path)
        if path is not None:
            store._checkpointer = _Checkpointer(path)
            store._checkpointer.start()
        return store

    def close(self) -> None:
        """Close the connection (checkpointing the WAL); closing twice is harmless."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        with self._lock:
            if not self._closed and not self._depth:
                self._commit_group()
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------

    def _locked(self) -> _Guard:
        return self._guard

    def exclusive(self) -> AbstractContextManager[Any]:
        """Hold the store's lock without opening a transaction: for a read that must not
        interleave with another thread's transaction, at no SQL cost (re-entrant)."""
        return self._guard

    def _version(self) -> int:
        (version,) = self._db.execute("PRAGMA data_version").fetchone()
        return int(version)

    def _check_cache(self) -> dict[tuple[str, str], _Cached | None]:
        """The cache, emptied first if another connection committed since it was filled.
        Inside a transaction (BEGIN IMMEDIATE holds the write lock) nobody else can."""
        if not self._depth:
            version = self._version()
            if version != self._data_version:
                self._forget()
                self._data_version = version
        return self._cache

    def _forget(self) -> None:
        self._cache.clear()
        self._meta.clear()
        self._kind_writes.clear()
        self._generation += 1

    def generation(self, kind: str) -> tuple[int, int]:
        """Changes whenever an entity of ``kind`` may have changed (a put or delete by this
        store, a rollback, a commit by another process): what a caller that keeps derived
        data (an index of suppliers) compares to know when to rebuild it."""
        with self._locked():
            self._check_cache()
            return self._generation, self._kind_writes.get(kind, 0)

    def transaction(self, *, group: bool = False) -> AbstractContextManager[None]:
        """All writes in the block commit together or not at all (an exception rolls back).

        ``group=True`` (group commit): the block's writes are kept (or, on an exception, undone)
        as one savepoint of a transaction shared with other grouped blocks, and committed by the
        next ``flush()``. The caller must ``await store.flush()`` before it tells anyone the
        work is done: one COMMIT then covers every block that joined, instead of one each. A
        plain ``transaction()`` (or ``close()``) commits a pending group first.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so a transaction never fails half way
        on a lock held by another process. Nested blocks are savepoints: an exception leaving an
        inner block undoes that block's writes only; the outermost block commits."""
        return _Transaction(self, group)

    async def flush(self) -> None:
        """Wait until grouped writes (``transaction(group=True)``) are committed; at once when
        none are pending. Raises the commit's error if the group could not be committed (its
        writes are then rolled back: none of them happened)."""
        with self._lock:
            if not self._group_open:
                return
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            self._group_waiters.append((loop, waiter))
            if not self._group_scheduled:
                self._group_scheduled = True
                # After the callbacks already ready: every request of this loop iteration
                # that reached its commit point shares this one COMMIT.
                loop.call_soon(self._commit_scheduled)
        await waiter

    def _commit_scheduled(self) -> None:
        with self._lock:
            self._group_scheduled = False
            if not self._depth:
                self._commit_group()
            else:  # a transaction of this thread is open (not a grouped one): try again next
                self._group_scheduled = True
                asyncio.get_running_loop().call_soon(self._commit_scheduled)

    def _commit_group(self) -> None:
        """COMMIT the pending group (the caller holds the lock) and wake its waiters."""
        if not self._group_open:
            return
        error: BaseException | None = None
        try:
            self._db.execute("COMMIT")
        except Exception as exc:
            error = exc
            self._forget()
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        self._group_open = False
        waiters, self._group_waiters = self._group_waiters, []
        for loop, waiter in waiters:
            if loop.is_closed():
                continue
            if asyncio._get_running_loop() is loop:
                _wake(waiter, error)
            else:
                loop.call_soon_threadsafe(_wake, waiter, error)

    @property
    def in_transaction(self) -> bool:
        """Whether the calling thread is inside ``transaction()``."""
        with self._lock:
            return self._depth > 0

    # -- entities ----------------------------------------------------------------------------

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The entity, parsed afresh on every call (callers may change what they get)."""
        with self._locked():
            cached = self._cached(kind, key)
        return None if cached is None else _object(cached.text, cached.fractions)

    def get_shared(self, kind: str, key: str) -> dict[str, Any] | None:
        """The entity like ``get``, but one parsed object shared by every caller until the
        entity changes: for readers that never change what they get (master data looked up
        by invoice validation, several times per posting). Changing it corrupts the cache."""
        with self._locked():
            cached = self._cached(kind, key)
            if cached is None:
                return None
            if cached.shared is None:
                cached.shared = _object(cached.text, cached.fractions)
            return cached.shared

    def _cached(self, kind: str, key: str) -> _Cached | None:
        """The entity's cache entry, None when there is no such entity (the
        caller holds the lock). Misses are kept too: a posting asks for its duplicate-check
        key before it writes it; put/delete/rollback/another process's commit drop them
        exactly as they drop hits."""
        cache = self._check_cache()
        cached = cache.get((kind, key), _UNKNOWN)
        if cached is _UNKNOWN:
            row = self._db.execute("SELECT value FROM entities WHERE kind = ? AND key = ?",
                                   (kind, key)).fetchone()
            cached = None if row is None else _Cached(row[0], jsonio.has_fraction(row[0]))
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            cache[(kind, key)] = cached
        return cached

    def put(self, kind: str, key: str, value: Mapping[str, Any]) -> None:
        if not isinstance(value, Mapping):
            raise TypeError(f"an entity is a mapping, not {type(value).__name__}")
        text = dumps(value)
        with self._locked() as db:
            self._cache.pop((kind, key), None)
            self._kind_writes[kind] = self._kind_writes.get(kind, 0) + 1
            db.execute("INSERT INTO entities (kind, key, value) VALUES (?, ?, ?)"
                       " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
                       (kind, key, text))

    def delete(self, kind: str, key: str) -> bool:
        with self._locked() as db:
            self._cache.pop((kind, key), None)
            self._kind_writes[kind] = self._kind_writes.get(kind, 0) + 1
            cursor = db.execute("DELETE FROM entities WHERE kind = ? AND key = ?", (kind, key))
        return cursor.rowcount > 0

    def scan(self, kind: str) -> list[dict[str, Any]]:
        """Every entity of ``kind``, ordered by key (code point order: "PO-10" < "PO-9")."""
        with self._locked() as db:
            rows = db.execute("SELECT value FROM entities WHERE kind = ? ORDER BY key",
                              (kind,)).fetchall()
        return [_object(text) for (text,) in rows]

    def count(self, kind: str) -> int:
        with self._locked() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM entities WHERE kind = ?", (kind,)).fetchone()
        return int(n)

    def is_empty(self) -> bool:
        """No entities (meta, counters and events do not count: they are not seeded data)."""
        with self._locked() as db:
            return db.execute("SELECT 1 FROM entities LIMIT 1").fetchone() is None

    # -- counters and meta -------------------------------------------------------------------

    def next_number(self, counter: str) -> int:
        """The next number of a persistent sequence (1, 2, ...); rolled back with its
        transaction, so numbers of committed work have no gaps."""
        with self._locked() as db:
            if not db.in_transaction:  # the UPDATE and the SELECT below must be one unit
                with self.transaction():
                    return self.next_number(counter)
            # UPDATE then SELECT, not an upsert with RETURNING: a third of the cost (RETURNING
            # makes SQLite buffer the statement's output; three counters move per posting).
            # Both run under the write lock this transaction holds: nobody else can move it.
            if db.execute("UPDATE counters SET value = value + 1 WHERE name = ?",
                          (counter,)).rowcount:
                (n,) = db.execute("SELECT value FROM counters WHERE name = ?",
                                  (counter,)).fetchone()
            else:
                db.execute("INSERT INTO counters (name, value) VALUES (?, 1)", (counter,))
                n = 1
        return int(n)

    def meta_get(self, key: str) -> str | None:
        with self._locked() as db:
            self._check_cache()
            if key in self._meta:
                return self._meta[key]
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            value = None if row is None else str(row[0])
            self._meta[key] = value
        return value

    def meta_set(self, key: str, value: str) -> None:
        if key == SCHEMA_KEY:
            raise ValueError(f"meta key {SCHEMA_KEY!r} belongs to the store")
        with self._locked() as db:
            self._meta.pop(key, None)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def clear(self) -> None:
        """Forget everything but the schema: entities, counters, idempotency rows, events and
        meta. Sinks keep their names; events they had not received are dropped with the rest
        (sequence numbers are never reused, so no sink mistakes a new event for an old one)."""
        with self.transaction(), self._locked() as db:
            self._forget()
            for table in ("entities", "counters", "idempotency", "outbox", "outbox_acks"):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM meta WHERE key <> ?", (SCHEMA_KEY,))
            db.execute("UPDATE outbox_sinks SET acked_through = ?", (self._last_seq(),))

    # -- idempotency rows (IdempotencyLedger's storage) --------------------------------------

    def idempotency_get(self, scope: str, key: str) -> IdempotencyRow | None:
        with self._locked() as db:
            row = db.execute("SELECT fingerprint, status, response, created_at FROM idempotency"
                             " WHERE scope = ? AND key = ?", (scope, key)).fetchone()
        if row is None:
            return None
        return IdempotencyRow(scope, key, row[0], row[1], _object(row[2]), row[3])

    def idempotency_put(self, scope: str, key: str, fingerprint: str,
                        response: Mapping[str, Any], status: str = "completed") -> None:
        """Record a key's outcome. A key already recorded raises ``sqlite3.IntegrityError``:
        a second posting under one key is refused, never overwritten."""
        text = dumps(response)
        created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self._locked() as db:
            db.execute("INSERT INTO idempotency (scope, key, fingerprint, status, response,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (scope, key, fingerprint, status, text, created))

    # -- outbox ------------------------------------------------------------------------------

    def outbox_add(self, event: Mapping[str, Any]) -> int:
        """Queue an event for every sink; its sequence number. Call it inside the transaction
        that makes the change the event reports."""
        text = dumps(event)
        with self._locked() as db:
            cursor = db.execute("INSERT INTO outbox (event) VALUES (?)", (text,))
        return int(cursor.lastrowid or 0)

    def outbox_pending(self, sink: str, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        """Events ``sink`` has not acknowledged, oldest first (see the module docstring for
        where a sink seen for the first time starts)."""
        with self._locked() as db:
            mark = self._sink_mark(db, sink)
            rows = db.execute(
                "SELECT o.seq, o.event FROM outbox o WHERE o.seq > ? AND NOT EXISTS"
                " (SELECT 1 FROM outbox_acks a WHERE a.sink = ? AND a.seq = o.seq)"
                " ORDER BY o.seq LIMIT ?", (mark, sink, limit)).fetchall()
        return [(int(seq), _object(text)) for seq, text in rows]

    def outbox_ack(self, sink: str, seqs: Iterable[int]) -> None:
        """Mark events delivered to ``sink``, in any order. Numbers of events that do not
        exist (yet) are ignored, so an ack can never hide a future event."""
        wanted = sorted({int(s) for s in seqs})
        if not wanted:
            return
        with self.transaction(), self._locked() as db:
            mark = self._sink_mark(db, sink)
            if self._ack_in_order(db, sink, mark, wanted):
                return
            db.executemany("INSERT OR IGNORE INTO outbox_acks (sink, seq)"
                           " SELECT ?, seq FROM outbox WHERE seq = ? AND seq > ?",
                           [(sink, s, mark) for s in wanted if s > mark])
            (first_open,) = db.execute(
                "SELECT MIN(o.seq) FROM outbox o WHERE o.seq > ? AND NOT EXISTS"
                " (SELECT 1 FROM outbox_acks a WHERE a.sink = ? AND a.seq = o.seq)",
                (mark, sink)).fetchone()
            if first_open is None:
                (top,) = db.execute("SELECT MAX(seq) FROM outbox").fetchone()
                new_mark = max(mark, int(top or 0))
            else:
                new_mark = int(first_open) - 1
            if new_mark > mark:
                db.execute("UPDATE outbox_sinks SET acked_through = ? WHERE sink = ?",
                           (new_mark, sink))
                db.execute("DELETE FROM outbox_acks WHERE sink = ? AND seq <= ?",
                           (sink, new_mark))

    @staticmethod
    def _ack_in_order(db: sqlite3.Connection, sink: str, mark: int, wanted: list[int]) -> bool:
        """The common case, done with one UPDATE instead of a row per event: the relay acks
        every event after the mark, in order, and nothing above them is acknowledged yet."""
        top = wanted[-1]
        if wanted[0] <= mark or db.execute("SELECT 1 FROM outbox_acks WHERE sink = ? LIMIT 1",
                                           (sink,)).fetchone() is not None:
            return False
        (between,) = db.execute("SELECT COUNT(*) FROM outbox WHERE seq > ? AND seq <= ?",
                                (mark, top)).fetchone()
        if between != len(wanted):
            return False  # a gap: some event in the range is not acknowledged
        db.execute("UPDATE outbox_sinks SET acked_through = ? WHERE sink = ?", (top, sink))
        return True

    def outbox_all(self, after: int = 0, limit: int = 1000) -> list[tuple[int, dict[str, Any]]]:
        """Events with a sequence number above ``after``, oldest first, delivered or not."""
        with self._locked() as db:
            rows = db.execute("SELECT seq, event FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                              (after, limit)).fetchall()
        return [(int(seq), _object(text)) for seq, text in rows]

    def outbox_count(self) -> int:
        """How many events the outbox holds (delivered or not)."""
        with self._locked() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        return int(n)

    def _sink_mark(self, db: sqlite3.Connection, sink: str) -> int:
        row = db.execute("SELECT acked_through FROM outbox_sinks WHERE sink = ?",
                         (sink,)).fetchone()
        if row is not None:
            return int(row[0])
        db.execute("INSERT INTO outbox_sinks (sink, acked_through) VALUES (?, ?)",
                   (sink, self._opened_seq))
        return self._opened_seq

    def _last_seq(self) -> int:
        """The highest outbox number ever handed out (kept by SQLite across deletions)."""
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        return 0 if row is None else int(row[0])


class _Checkpointer(threading.Thread):
    """Copies the WAL into the database file from its own connection and thread, so commits
    on the request path only append to the WAL: a checkpoint writes and fsyncs, which is
    wall time a single-threaded server would otherwise spend on every hundredth posting.
    PASSIVE never waits for (or blocks) the writer; what it cannot copy now it copies later."""

    def __init__(self, path: Path) -> None:
        super().__init__(name=f"sqlite-checkpoint:{path.name}", daemon=True)
        self._path = path
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            db = sqlite3.connect(str(self._path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return  # the writer's own auto-checkpoint (AUTOCHECKPOINT_PAGES) still runs
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            while not self._stopping.wait(CHECKPOINT_INTERVAL_S):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    continue  # busy or gone for a moment: the next round tries again
        finally:
            db.close()

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=10)


class _Guard:
    """The store's lock, refusing a second task of the same thread while a transaction is
    open (a class, not a generator: it runs on every call, several times per request)."""

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        store = self._store
        store._lock.acquire()
        if store._depth and store._task is not _current_task():
            store._lock.release()
            raise RuntimeError("the store is inside another task's transaction: do not "
                               "await inside store.transaction()")
        return store._db

    def __exit__(self, *exc: object) -> None:
        self._store._lock.release()


def _wake(waiter: asyncio.Future[None], error: BaseException | None) -> None:
    if waiter.done():
        return
    if error is None:
        waiter.set_result(None)
    else:
        waiter.set_exception(error)


class _Transaction(AbstractContextManager[None]):
    """One ``transaction()`` block: BEGIN IMMEDIATE ... COMMIT outermost, a savepoint inside;
    a grouped block is the savepoint ``grp`` of the shared group transaction."""

    __slots__ = ("_depth", "_group", "_store")

    def __init__(self, store: Store, group: bool = False) -> None:
        self._store = store
        self._depth = -1
        self._group = group

    def __enter__(self) -> None:
        store = self._store
        db = store._guard.__enter__()
        try:
            depth = store._depth
            if depth:
                db.execute(f"SAVEPOINT sp{depth}")
            else:
                if store._group_open and not self._group:
                    store._commit_group()  # a plain transaction commits what is pending
                if not store._group_open:
                    db.execute("BEGIN IMMEDIATE")
                    store._check_cache()  # the write lock is ours now: see others' commits
                    store._group_open = self._group
                if self._group:
                    db.execute("SAVEPOINT grp")
        except BaseException:
            store._lock.release()
            raise
        if not depth:
            store._task = _current_task()
        store._depth = self._depth = depth + 1

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        store, db, depth = self._store, self._store._db, self._depth - 1
        store._depth = depth
        try:
            if depth:
                if exc_type is not None:
                    store._forget()
                    db.execute(f"ROLLBACK TO sp{depth}")
                db.execute(f"RELEASE sp{depth}")
                return
            store._task = None
            if self._group:
                if exc_type is not None:
                    store._forget()
                    db.execute("ROLLBACK TO grp")
                db.execute("RELEASE grp")
                return
            if exc_type is None:
                try:
                    db.execute("COMMIT")
                    return
                except BaseException:
                    store._forget()
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            store._forget()
            if db.in_transaction:
                db.execute("ROLLBACK")
        finally:
            store._lock.release()


class _Cached:
    """A cached entity: its JSON text, whether it has fractional numbers (how to parse it),
    and the one parsed object ``get_shared`` hands out, made on its first use."""

    __slots__ = ("fractions", "shared", "text")

    def __init__(self, text: str, fractions: bool) -> None:
        self.text = text
        self.fractions = fractions
        self.shared: dict[str, Any] | None = None


def _object(text: str, fractions: bool | None = None) -> dict[str, Any]:
    value = jsonio.loads(text, fractions)
    if not isinstance(value, dict):
        raise TypeError(f"stored value is {type(value).__name__}, not an object")
    return value


def _prepare(db: sqlite3.Connection, where: str) -> None:
    """Create the schema in an empty database, or check that an existing one is ours and not
    newer than this code. Reads before it writes: a foreign file is left as it was."""
    tables = {name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    if not tables:
        db.execute("BEGIN IMMEDIATE")
        try:
            if not db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute("INSERT INTO meta (key, value) VALUES (?, ?)",
                           (SCHEMA_KEY, str(SCHEMA_VERSION)))
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        tables = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    (app_id,) = db.execute("PRAGMA application_id").fetchone()
    if app_id != APPLICATION_ID or not tables >= _TABLES:
        raise InputError("an SQLite database, but not a Ledgerpact simulator state file; "
                         "choose another --state path", file=where)
    row = db.execute("SELECT value FROM meta WHERE key = ?", (SCHEMA_KEY,)).fetchone()
    version = int(row[0]) if row is not None and str(row[0]).isdigit() else None
    if version is None:
        raise InputError("a simulator state file without a schema version; it cannot be "
                         "read safely", file=where)
    if version > SCHEMA_VERSION:
        raise InputError(f"written by a newer Ledgerpact (state schema {version}; this version "
                         f"reads up to {SCHEMA_VERSION}); upgrade Ledgerpact or use another "
                         "--state path", file=where)
