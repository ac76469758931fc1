"""Dates and times are RFC 3339 strings: ``format: date`` or ``format: date-time``.

A posting date, a due date and a value date are calendar dates with no time zone; a
``createdAt`` is an instant. Sent as free text they arrive as ``05/06/2024`` (May or June?),
as Microsoft JSON dates (``/Date(1573755038314+0000)/``) or as local times without an
offset, and a payment run or a period close picks the wrong day.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ALL_FORMATS, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import (
    View,
    array_item_views,
    facts,
    inside,
)

DATE_FORMATS = frozenset({"date", "date-time", "time"})
EXPECTED = ("expected type: string with format: date (a calendar date, e.g. 2024-06-30) or "
            "format: date-time (an instant with an offset, e.g. 2024-06-30T09:15:00Z)")


def _problem(v: View) -> tuple[Loc, str] | None:
    """Where the date's type is declared and what is wrong with it, or None."""
    if v.only("string"):
        if v.fmt in DATE_FORMATS:
            return None
        where = v.type_locs.get("string", v.loc)
        if v.marks.get("x-is-msdate") is True:
            return where, ("is a Microsoft JSON date string (x-is-msdate: /Date(ms+zone)/), "
                           "which no standard parser reads")
        if v.fmt:
            return where, f"is a string with format {v.fmt!r}, not a date format"
        return where, "is a string with no format, so any text passes as a date"
    for t in ("integer", "number"):
        if t in v.types and not v.types & {"string", "object", "array"}:
            if (vocab.documented_epoch(v.fmt, v.description)
                    or vocab.described_as_count(v.description)
                    or vocab.described_as_day_number(v.description)):
                return None
            return (v.type_locs.get(t, v.loc),
                    f"is typed {t} without saying what it counts from (no epoch or unix "
                    "format or description)")
    return None


@rule(
    "finance-date-format",
    severity="warn",
    family="finance",
    formats=ALL_FORMATS,
    summary="Date- and time-named properties and parameters (*Date, *At, *Time, "
            "timestamp...) are strings with format date or date-time (no Spectral "
            "equivalent; Zalando 'use standard formats for date and time properties').",
    why="""Finance runs on dates: posting, due, value and period dates decide which period an
    entry lands in and when a payment is made. A free-text or vendor-specific date is read
    differently by each consumer (day/month order, time zone, Microsoft /Date()/ strings),
    so the contract must say format: date (a calendar date) or date-time (an instant with
    an offset). Integer instants are accepted only when the contract documents the epoch
    (a unix-time format or a description that says so), as Stripe does.""",
    bad=openapi("""paths: {}
components:
  schemas:
    Invoice:
      type: object
      properties:
        DueDate: {type: string}
        UpdatedDateUTC: {type: string, x-is-msdate: true}
"""),
    good=openapi("""paths: {}
components:
  schemas:
    Invoice:
      type: object
      properties:
        dueDate: {type: string, format: date}
        updatedAt: {type: string, format: date-time}
"""),
)
def date_format(index: Index) -> Iterator[Violation]:
    f = facts(index)
    seen: set[Loc] = set()
    for prop in f.dates:
        for v in (prop.view, *array_item_views(index, prop.view)):
            found = _problem(v)
            if found is not None:
                break
        else:
            continue
        where, what = found
        if where in seen:
            continue
        seen.add(where)
        shared = "" if inside(where, prop.loc) else " (declared in this shared schema)"
        yield Violation(where, f"date {prop.name!r}{shared} {what}; {EXPECTED}")
    for p in f.params:
        if not vocab.is_date_name(p.name) or p.param.loc in seen:
            continue
        found = _problem(p.view)
        if found is None:
            continue
        seen.add(p.param.loc)
        yield Violation(p.param.loc, f"{p.where} parameter {p.name!r} is a date but "
                                     f"{found[1]}; {EXPECTED}")
