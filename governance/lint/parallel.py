"""Running the rules of one large contract on two cores.

Linting Stripe's 4 MB spec spends twice as long in the rules and in locating their findings
as in parsing and indexing it, and one core sits idle meanwhile. So once the index is built
the process forks: the child shares the parsed document and the index copy-on-write (nothing
is copied up front, nothing parsed again), runs one group of rules, locates their findings
and sends them back as plain tuples; this process runs the other group meanwhile.

Forking before the parse, each process parsing and indexing its own copy, was measured too:
as fast on an idle machine, but it spends about 90 ms more CPU, so on a busy one (a CI
runner, a shared box) it was slower than not splitting at all. Forking after the index costs
the page copies that reference counting makes (about 18 ms of CPU in each process on
Stripe's spec) and stays ahead of a serial run when the second core is partly taken.

The result is the same set of findings, sorted the same way, as a serial run: which process
found a finding never shows. Only where it pays and is safe: a file large enough that its
rules cost more than a fork, more than one CPU to run on, a platform with ``fork``, and a
process with no other thread (a thread holding a lock at the fork would leave the child
waiting for it forever). Anything going wrong in the child, even a crash, makes this
process run the child's rules itself.
"""

from __future__ import annotations

import marshal
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from ledgerpact.governance.lint.model import FINDING_ORDER, LintFinding, Rule, Severity
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import is_json_path
from ledgerpact.registry.workspace import Workspace

# Below this size (characters of the main file) a serial run is faster than two processes.
MIN_CHARS = 1024 * 1024
# The family the child runs. The finance rules share one analysis of the document (its
# facts), so they go together; on Stripe's spec they and the locating of their findings
# cost about what the structure and OpenAPI rules and theirs cost, which the parent runs.
CHILD_FAMILIES = frozenset({"finance"})

# Rules -> their findings, located and sorted.
RunGroup = Callable[[list[Rule]], list[LintFinding]]


def split(rules: Iterable[Rule]) -> tuple[list[Rule], list[Rule]]:
    """The rules the parent runs and those the child runs, each in the order given."""
    mine: list[Rule] = []
    theirs: list[Rule] = []
    for rule in rules:
        (theirs if rule.family in CHILD_FAMILIES else mine).append(rule)
    return mine, theirs


def worth_splitting(ws: Workspace, root: str) -> bool:
    """Whether ``root`` is a large JSON file.

    Not YAML: there each process would also compose the whole file as YAML nodes to locate
    its findings, which outweighs the rules that move to the child."""
    if not is_json_path(root):
        return False
    try:
        return len(ws.document(root).text) >= MIN_CHARS
    except InputError:  # unreadable: the serial run reports it
        return False


def can_fork() -> bool:
    """Whether two processes can run at once here, and forking is safe."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(cpus) > 1 if cpus is not None else (os.cpu_count() or 1) > 1


def run_split(rules: list[Rule], run: RunGroup) -> list[LintFinding]:
    """``run(rules)`` with the rules split over two processes: the same findings, in the
    same order, as ``run(rules)`` in this process."""
    mine, theirs = split(rules)
    if not mine or not theirs:
        return run(rules)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return run(rules)
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        os.close(read_end)
        _child(theirs, run, write_end)
    os.close(write_end)
    try:
        found = run(mine)
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
    theirs_found = _decode(payload) if os.waitstatus_to_exitcode(status) == 0 else None
    if theirs_found is None:  # the child failed: its rules run here instead
        theirs_found = run(theirs)
    return merge(found, theirs_found)


def merge(*groups: list[LintFinding]) -> list[LintFinding]:
    """One sorted list without duplicates, as locating all the violations at once gives."""
    return sorted({f for group in groups for f in group}, key=FINDING_ORDER)


def _child(rules: list[Rule], run: RunGroup, fd: int) -> None:
    code = 0
    try:
        payload = marshal.dumps([_encode(f) for f in run(rules)])
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # anything at all: the parent redoes this work
        code = 1
    finally:
        os._exit(code)


def _encode(f: LintFinding) -> tuple[Any, ...]:
    return (f.file, f.line, f.column, f.pointer, f.rule, int(f.severity), f.message,
            f.contract, f.waived_by)


def _decode(payload: bytes) -> list[LintFinding] | None:
    try:
        rows = marshal.loads(payload)
        return [LintFinding(file, line, column, pointer, rule, Severity(severity), message,
                            contract, waived_by)
                for file, line, column, pointer, rule, severity, message, contract, waived_by
                in rows]
    except (EOFError, ValueError, TypeError):
        return None
