"""Path and operation rules: added, removed (with or without deprecation and sunset),
deprecated, sunset moved, operationId.

Removal follows the deprecation process clients were promised: something removed without ever
being deprecated, or removed while deprecated but before the ``x-sunset`` date it announced,
breaks them; something deprecated whose sunset date has come (or that was deprecated with no
date at all) was announced, so removing it is a warning. "Today" is ``engine.options.today``
so that a diff is reproducible (tests and CI pin it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Hit
from ledgerpact.governance.diff.openapi_walk import HTTP_METHODS
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import (
    EARLY,
    LIVE,
    RETIRED,
    Retirement,
    flag,
    flipped,
    removal_hits,
    retirement,
    sunset_date,
    sunset_note,
)
from ledgerpact.governance.diff.rules._examples import list_invoices, openapi


def _until(date: str) -> str:
    """An operation's deprecation, with the x-sunset ``date`` it announces (keys at 6)."""
    return f'      deprecated: true\n      x-sunset: "{date}"\n'


def _methods(item: Any) -> list[str]:
    return [m for m in HTTP_METHODS if isinstance(item, dict) and isinstance(item.get(m), dict)]


def _today(pair: Pair) -> dt.date:
    return pair.engine.options.today


def _path_removal(pair: Pair) -> Retirement | None:
    """The removed path's overall state: the least retired of its operations (None: the
    path was not removed)."""
    if not pair.removed:
        return None
    item = pair.base
    states = {m: retirement(item[m], item, _today(pair)) for m in _methods(item)}
    live = [m.upper() for m, r in states.items() if r.state == LIVE]
    if live:
        return Retirement(LIVE, f"{', '.join(live)} not deprecated")
    early = [f"{m.upper()}: {r.note}" for m, r in states.items() if r.state == EARLY]
    if early:
        return Retirement(EARLY, "; ".join(early))
    notes = sorted({r.note for r in states.values()})
    return Retirement(RETIRED, "; ".join(notes) or "no operations")


_INVOICES = openapi("Invoices", list_invoices())


def _with_credit_notes(deprecation: str = "") -> str:
    return openapi("Invoices", list_invoices() + "  /credit-notes:\n    get:\n"
                   f"      operationId: listCreditNotes\n{deprecation}      responses:\n"
                   '        "200": {description: The credit notes.}\n')


@diff_rule(
    "path-added", kind="path", level="info", additive=True,
    summary="A path was added.",
    why="""New endpoints are new functionality: no existing client calls them, so nothing
    breaks, and the release is a minor one.""",
    base=_INVOICES,
    revision=_with_credit_notes(),
)
def path_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        methods = ", ".join(m.upper() for m in _methods(pair.rev))
        yield Hit(f"path {pair.subject!r} added" + (f" ({methods})" if methods else ""))


@diff_rule(
    "path-removed", kind="path", level="breaking",
    summary="A path was removed while some of its operations were not deprecated.",
    why="""Every client calling the path now gets 404. Without a deprecation first, clients
    had no notice: deprecate the operations (with an x-sunset date), then remove them once
    the date has passed. Reported once at the path, listing its operations.""",
    base=_with_credit_notes(),
    revision=_INVOICES,
)
def path_removed(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(f"path {pair.subject!r}", _path_removal(pair), LIVE, live_note=True)


@diff_rule(
    "path-removed-before-sunset", kind="path", level="breaking",
    summary="A deprecated path was removed before the sunset date it announced.",
    why="""Deprecation with an x-sunset date promises clients the path keeps working until
    that date; they plan their migration on it. Removing it earlier breaks that promise and
    every client that has not migrated yet.""",
    base=_with_credit_notes(_until("2999-12-31")),
    revision=_INVOICES,
)
def path_removed_before_sunset(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(f"path {pair.subject!r}", _path_removal(pair), EARLY)


@diff_rule(
    "deprecated-path-removed", kind="path", level="warning",
    summary="A path whose operations were all deprecated was removed after their sunset.",
    why="""Clients were told (deprecated, and the x-sunset date has come, or no date was
    promised): this is the end of the deprecation process, not a surprise. Still a warning,
    because clients that ignored the notice stop working.""",
    base=_with_credit_notes(_until("2020-06-30")),
    revision=_INVOICES,
)
def deprecated_path_removed(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(f"path {pair.subject!r}", _path_removal(pair), RETIRED)


def _by_id(method: str, op_id: str, deprecation: str, response: str) -> str:
    """An operation on ``/invoices/{id}`` (keys at 6 spaces)."""
    return (f"    {method}:\n      operationId: {op_id}\n{deprecation}      parameters:\n"
            "        - {name: id, in: path, required: true, schema: {type: string}}\n"
            f"      responses:\n        {response}\n")


def _ops(op_id: str = "getInvoice", deprecation: str = "", delete: str | None = None) -> str:
    """GET /invoices/{id}, and a DELETE beside it when ``delete`` (its deprecation) is given."""
    ops = _by_id("get", op_id, deprecation, '"200": {description: The invoice.}')
    if delete is not None:
        ops += _by_id("delete", "deleteInvoice", delete, '"204": {description: Deleted.}')
    return openapi("Invoices", "  /invoices/{id}:\n" + ops)


def _op_removal(pair: Pair) -> Retirement | None:
    if not pair.removed:
        return None
    holder = pair.parent.base if pair.parent is not None else None
    return retirement(pair.base, holder, _today(pair))


@diff_rule(
    "operation-added", kind="operation", level="info", additive=True,
    summary="An operation was added to an existing path.",
    why="""A new method on a path is new functionality no existing client uses: nothing
    breaks, the release is a minor one.""",
    base=_ops(),
    revision=_ops(delete=""),
)
def operation_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"operation {pair.subject} added")


@diff_rule(
    "operation-removed", kind="operation", level="breaking",
    summary="An operation was removed without being deprecated first.",
    why="""Clients calling it now get 405 or 404, with no notice. Deprecate it (with an
    x-sunset date) in one release and remove it once the date has passed.""",
    base=_ops(delete=""),
    revision=_ops(),
)
def operation_removed(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(f"operation {pair.subject}", _op_removal(pair), LIVE)


@diff_rule(
    "operation-removed-before-sunset", kind="operation", level="breaking",
    summary="A deprecated operation was removed before the sunset date it announced.",
    why="""The x-sunset date (on the operation, or on its path item) told clients how long
    they could still call it; removing it earlier breaks the ones that planned on that date.
    A sunset that is not a date proves nothing, so it counts as not reached.""",
    base=_ops(delete=_until("2999-12-31")),
    revision=_ops(),
)
def operation_removed_before_sunset(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(f"operation {pair.subject}", _op_removal(pair), EARLY)


@diff_rule(
    "deprecated-operation-removed", kind="operation", level="warning",
    summary="A deprecated operation was removed once its sunset date had come.",
    why="""The removal was announced (deprecated, and the x-sunset date has come or none was
    promised), so it is the normal end of a deprecation, not a surprise. A warning all the
    same: clients that ignored the notice stop working.""",
    base=_ops(delete=_until("2020-06-30")),
    revision=_ops(),
)
def deprecated_operation_removed(pair: Pair) -> Iterator[Hit]:
    yield from removal_hits(f"operation {pair.subject}", _op_removal(pair), RETIRED)


@diff_rule(
    "operation-deprecated", kind="operation", level="info", additive=True,
    summary="An operation was marked deprecated.",
    why="""Nothing breaks yet: the operation still works, and clients are told to move off
    it. Semantic versioning makes a deprecation a minor release. Give an x-sunset date so
    clients know how long they have, and so that the removal can be checked against it.""",
    base=_ops(),
    revision=_ops(deprecation=_until("2030-01-31")),
)
def operation_deprecated(pair: Pair) -> Iterator[Hit]:
    if pair.both and flipped(pair, "deprecated", True):
        holder = pair.parent.rev if pair.parent is not None else None
        date = pair.rev.get("x-sunset", (holder or {}).get("x-sunset"))
        yield Hit(f"operation {pair.subject} deprecated{sunset_note(date)}",
                  rev_at=pair.rev_at("deprecated"))


@diff_rule(
    "operation-undeprecated", kind="operation", level="info",
    summary="An operation is no longer deprecated.",
    why="""The operation stays: clients that were migrating off it may stop. Nothing breaks.""",
    base=_ops(deprecation="      deprecated: true\n"),
    revision=_ops(),
)
def operation_undeprecated(pair: Pair) -> Iterator[Hit]:
    if pair.both and flipped(pair, "deprecated", False):
        yield Hit(f"operation {pair.subject} no longer deprecated",
                  base_at=pair.base_at("deprecated"))


def _sunset(op: Any, item: Any, op_at: Any, item_at: Any) -> tuple[Any, Any]:
    """An operation's effective x-sunset (its own, else its path item's) and where."""
    if isinstance(op, dict) and "x-sunset" in op:
        return op["x-sunset"], op_at("x-sunset")
    if isinstance(item, dict) and "x-sunset" in item and item_at is not None:
        return item["x-sunset"], item_at("x-sunset")
    return None, None


def _sunset_change(pair: Pair) -> tuple[Any, Any, dict[str, tuple[str, str]]] | None:
    """(old, new, places) when a still-deprecated operation's sunset date changed."""
    if not (pair.both and flag(pair.base, "deprecated") and flag(pair.rev, "deprecated")):
        return None
    path = pair.parent
    old, old_at = _sunset(pair.base, path.base if path else None, pair.base_at,
                          path.base_at if path else None)
    new, new_at = _sunset(pair.rev, path.rev if path else None, pair.rev_at,
                          path.rev_at if path else None)
    if old == new:
        return None
    places = {k: v for k, v in (("base_at", old_at), ("rev_at", new_at)) if v is not None}
    return old, new, places


def _earlier(old: Any, new: Any) -> bool:
    """True when the new sunset leaves clients less time than the old one promised."""
    if old is None or new is None:
        return False  # a first date, or none any more: no promise is cut short
    was, now = sunset_date(old), sunset_date(new)
    if now is None:
        return True  # not a date any more: the promise cannot be checked
    return was is not None and now < was


@diff_rule(
    "operation-sunset-brought-forward", kind="operation", level="warning",
    summary="A deprecated operation's sunset date was moved earlier.",
    why="""Clients planned their migration on the announced date; an earlier one (or one
    that is no longer a readable date) gives them less time than promised. Nothing breaks
    today, but the removal will come sooner than they expect.""",
    base=_ops(deprecation=_until("2030-06-30")),
    revision=_ops(deprecation=_until("2029-12-31")),
)
def operation_sunset_brought_forward(pair: Pair) -> Iterator[Hit]:
    found = _sunset_change(pair)
    if found is not None and _earlier(found[0], found[1]):
        yield Hit(f"operation {pair.subject} sunset moved from {found[0]} to {found[1]}",
                  **found[2])


@diff_rule(
    "operation-sunset-changed", kind="operation", level="info",
    summary="A deprecated operation's sunset date was set, postponed or dropped.",
    why="""Clients get at least as long as they were promised: a first date tells them how
    long they have, a later one or none gives them more time.""",
    base=_ops(deprecation=_until("2030-06-30")),
    revision=_ops(deprecation=_until("2031-06-30")),
)
def operation_sunset_changed(pair: Pair) -> Iterator[Hit]:
    found = _sunset_change(pair)
    if found is None or _earlier(found[0], found[1]):
        return
    old, new, places = found
    if old is None:
        text = f"sunset {new} set"
    elif new is None:
        text = f"sunset {old} dropped"
    else:
        text = f"sunset moved from {old} to {new}"
    yield Hit(f"operation {pair.subject} {text}", **places)


def _op_id(node: Any) -> str | None:
    value = node.get("operationId") if isinstance(node, dict) else None
    return value if isinstance(value, str) else None


@diff_rule(
    "operation-id-changed", kind="operation", level="warning",
    summary="An operation's operationId changed or was removed.",
    why="""Client generators name methods after the operationId: a new id renames the
    generated method (getInvoice() becomes fetchInvoice()), so code using the regenerated
    SDK no longer compiles, although nothing changed on the wire. Links and tooling that
    refer to operations by id break too.""",
    base=_ops(),
    revision=_ops(op_id="fetchInvoice"),
)
def operation_id_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.both:
        return
    old, new = _op_id(pair.base), _op_id(pair.rev)
    if old is None or old == new:
        return
    if new is None:
        yield Hit(f"operationId {old!r} removed", base_at=pair.base_at("operationId"))
    else:
        yield Hit(f"operationId changed from {old!r} to {new!r}",
                  base_at=pair.base_at("operationId"), rev_at=pair.rev_at("operationId"))


@diff_rule(
    "operation-id-added", kind="operation", level="info",
    summary="An operation got an operationId where it had none.",
    why="""Nothing changes on the wire. Generated clients may rename the method they had
    made up for the operation, so it is worth a note, but clients written against an
    operation without an id had no stable name to rely on.""",
    base=openapi("Invoices", list_invoices(operation_id=None)),
    revision=_INVOICES,
)
def operation_id_added(pair: Pair) -> Iterator[Hit]:
    if pair.both and _op_id(pair.base) is None and (new := _op_id(pair.rev)) is not None:
        yield Hit(f"operationId {new!r} added", rev_at=pair.rev_at("operationId"))
