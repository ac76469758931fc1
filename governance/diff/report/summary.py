"""What every diff report agrees on: counts by level, the semver bump, the verdict, and how a
place and a list of affected operations are written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ledgerpact.governance.diff.model import Bump, Change, Level, Place
from ledgerpact.governance.diff.report import Compared, DiffReport
from ledgerpact.governance.diff.versioning import required_bump as bump

LEVELS = (Level.BREAKING, Level.WARNING, Level.INFO)  # worst first
SHOWN_AFFECTS = 5  # operations named before "and N more"


def counts(changes: Iterable[Change]) -> dict[Level, int]:
    out = dict.fromkeys(LEVELS, 0)
    for change in changes:
        out[change.level] += 1
    return out


def failing(changes: Iterable[Change], fail_on: Level) -> int:
    return sum(1 for c in changes if c.level >= fail_on)


def failed(report: DiffReport) -> bool:
    """The run's verdict: failed also when an input could not be read."""
    return bool(report.errors) or failing(report.changes, report.fail_on) > 0


def counts_text(changes: Iterable[Change]) -> str:
    return ", ".join(f"{n} {level.label}" for level, n in counts(changes).items())


def bump_text(changes: list[Change]) -> str:
    needed = bump(changes)
    return "no version bump needed" if needed is Bump.NONE else (
        f"{needed.label} version bump required")


def summary_dict(changes: list[Change], fail_on: Level,
                 errors: Sequence[str] | None = None) -> dict[str, Any]:
    """Counts, bump and verdict; with ``errors`` (the whole run's summary, not one
    comparison's) also ``inputErrors``, and an unreadable input fails the verdict."""
    n = failing(changes, fail_on)
    bad = n > 0 or bool(errors)
    return {**{level.label: k for level, k in counts(changes).items()}, "total": len(changes),
            "bump": bump(changes).label, "failOn": fail_on.label, "failing": n,
            **({"inputErrors": len(errors)} if errors is not None else {}),
            "failed": bad, "verdict": "failed" if bad else "passed"}


def summary_line(report: DiffReport) -> str:
    """One line a person reads first: what was compared, what changed, the bump, the verdict."""
    changes = report.changes
    n = len(report.compared)
    compared = f"{n} contract{'s' if n != 1 else ''} compared"
    found = f"{len(changes)} change{'s' if len(changes) != 1 else ''} ({counts_text(changes)})"
    k = failing(changes, report.fail_on)
    verdict = f"{k or 'none'} at or above {report.fail_on.label}"
    if report.errors:
        n_errors = len(report.errors)
        verdict += f", {n_errors} input{'s' if n_errors != 1 else ''} could not be read"
    verdict += ": failed" if failed(report) else ": passed"
    return f"{compared}: {found}; {bump_text(changes)}; {verdict}"


def heading(item: Compared) -> str:
    return f"{item.base} -> {item.revision}"


def place_text(place: Place) -> str:
    """``file:line:col pointer``: the first part is what terminals and editors link."""
    return f"{place.file}:{place.line}:{place.column} {place.pointer or '/'}"


def affects_text(affects: list[str], shown: int = SHOWN_AFFECTS) -> str:
    """``3 operations: GET /a, GET /b, POST /a``; past ``shown``, the first few and a count."""
    if not affects:
        return ""
    first = ", ".join(affects[:shown])
    more = f" and {len(affects) - shown} more" if len(affects) > shown else ""
    # Operations are labelled "GET /a" or "send invoicePosted"; a JSON Schema contract's
    # label is its own name, and "1 operation: money" would be wrong.
    noun = "operation" if all(" " in label for label in affects) else "use"
    return f"{len(affects)} {noun}{'s' if len(affects) != 1 else ''}: {first}{more}"
