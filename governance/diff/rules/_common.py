"""Helpers the diff rule modules share: where a keyword sits on each side, boolean flags that
turn on or off, and how far a thing's deprecation had got when it was removed.

Kept out of the rule modules themselves so that a rule module never imports another one (the
catalogue imports them in its own order), and so that one situation -- a flag flipped, a
removal announced or not -- is read the same way wherever it happens.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any, NamedTuple

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Hit
from ledgerpact.governance.diff.pairs import Pair

At = tuple[str, str]  # (file, JSON pointer): where a Hit points on one side

# Every rule on a schema pair belongs to the schema family: said once, not once per rule.
schema_rule = partial(diff_rule, kind="schema", family="schema")


def flag(node: Any, key: str) -> bool:
    """A boolean keyword counts only when it is literally ``true`` (``"true"`` is no flag)."""
    return isinstance(node, dict) and node.get(key) is True


def flipped(pair: Pair, key: str, now: bool) -> bool:
    """Whether a boolean keyword present-or-not on both sides turned ``now`` (absent is
    false)."""
    return flag(pair.base, key) is not now and flag(pair.rev, key) is now


def parent_at(pair: Pair, side: str, *tokens: str) -> At | None:
    """Where the pair's parent names it (an operation's ``requestBody`` or ``responses``
    entry, a response's ``headers`` entry), not the shared component it may point at: adding
    or removing it is a change to that parent. ``side`` is "base" or "rev"."""
    holder = pair.parent
    if holder is None:
        return None
    return holder.base_at(*tokens) if side == "base" else holder.rev_at(*tokens)


def places(pair: Pair, key: str, rev_key: str | None = None) -> dict[str, At]:
    """``base_at``/``rev_at`` for a Hit: the keyword on each side that writes it (``rev_key``
    in the revision, when another spelling says the same there); a side that does not is
    left to the pair's own place."""
    rev_key = key if rev_key is None else rev_key
    out = {}
    if isinstance(pair.base, dict) and key in pair.base:
        out["base_at"] = pair.base_at(key)
    if isinstance(pair.rev, dict) and rev_key in pair.rev:
        out["rev_at"] = pair.rev_at(rev_key)
    return out


# -- deprecation and sunset -------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

LIVE, EARLY, RETIRED = "live", "early", "retired"


class Retirement(NamedTuple):
    """Where a thing stood in its deprecation process on the day of the diff."""

    state: str  # LIVE: not deprecated; EARLY: before its sunset; RETIRED: may go
    note: str  # for messages: "sunset 2020-06-30", "no sunset date"...


def sunset_date(raw: Any) -> dt.date | None:
    """``x-sunset`` as a date: an ISO date, the date part of an RFC 3339 date-time, or an
    HTTP-date. The ``Sunset`` header it mirrors (RFC 8594) carries an HTTP-date ("Sat, 31 Dec
    2026 23:59:59 GMT"), so teams copy that form into the document; refusing it would turn a
    promised date into "not a date" and every removal into one before its sunset."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    return http_date(text)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")"
_TIME = r"\d{2}:\d{2}:\d{2}"
# RFC 9110 section 5.6.7: recipients accept IMF-fixdate and the two obsolete forms. The
# weekday is not checked against the date: it adds nothing a reader acts on.
_HTTP_DATES = (
    re.compile(rf"[A-Za-z]{{3}}, (?P<day>\d{{2}}) {_MONTH} (?P<year>\d{{4}}) {_TIME} GMT"),
    re.compile(rf"[A-Za-z]{{6,9}}, (?P<day>\d{{2}})-{_MONTH}-(?P<yy>\d{{2}}) {_TIME} GMT"),
    re.compile(rf"[A-Za-z]{{3}} {_MONTH} (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})"),
)


def http_date(text: str) -> dt.date | None:
    """The day of an RFC 9110 HTTP-date (always GMT), or None when ``text`` is not one."""
    for form in _HTTP_DATES:
        found = form.fullmatch(text)
        if found is None:
            continue
        parts = found.groupdict()
        if parts.get("year"):
            year = int(parts["year"])
        else:  # RFC 850's two-digit year, read as POSIX strptime reads %y
            year = int(parts["yy"]) + (1900 if int(parts["yy"]) >= 69 else 2000)
        try:
            return dt.date(year, _MONTHS.index(parts["month"]) + 1, int(parts["day"]))
        except ValueError:
            return None
    return None


def retirement(node: Any, holder: Any, today: dt.date) -> Retirement:
    """Whether removing ``node`` (an operation, a parameter) was announced by ``today``.

    Only ``deprecated: true`` announces a removal; its ``x-sunset`` (or the enclosing
    ``holder``'s, e.g. the path item's) says from when. On the sunset date itself the removal
    is the one announced (RFC 8594: the resource may stop responding at that time). A sunset
    that is not a date cannot prove the date has passed, so it counts as not yet reached."""
    if not flag(node, "deprecated"):
        return Retirement(LIVE, "not deprecated")
    raw = node.get("x-sunset")
    if raw is None and isinstance(holder, dict):
        raw = holder.get("x-sunset")
    if raw is None:
        return Retirement(RETIRED, "deprecated with no sunset date")
    date = sunset_date(raw)
    if date is None:
        return Retirement(EARLY, f"x-sunset {raw!r} is not a date")
    shown = date.isoformat()
    if today >= date:
        return Retirement(RETIRED, f"sunset {shown} reached")
    return Retirement(EARLY, f"sunset {shown} not reached")


def sunset_note(date: Any) -> str:
    """What a deprecation message adds: the announced sunset, or that there is none."""
    return f" (sunset {date})" if date is not None else " (no sunset date)"


def removal_hits(what: str, found: Retirement | None, state: str,
                 live_note: bool = False) -> Iterator[Hit]:
    """The one Hit for removing ``what`` (a path, an operation, a parameter) when its
    deprecation had reached ``state``: each of the three removal rules of a thing reports
    one state, in the same words whatever the thing. ``live_note`` adds the note to a
    removal without deprecation too (a path's names the operations that were live)."""
    if found is None or found.state != state:
        return
    if state == LIVE:
        yield Hit(f"{what} removed without deprecation"
                  + (f" ({found.note})" if live_note else ""))
    elif state == EARLY:
        yield Hit(f"{what} removed before its sunset ({found.note})")
    else:
        yield Hit(f"deprecated {what} removed ({found.note})")


def only_on_one_side(old: Iterable[Any], new: Iterable[Any], added: bool) -> list[Any]:
    """The names only the revision has (``added``), or only the base has, in their order."""
    source, other = (new, old) if added else (old, new)
    others = set(other)
    return [name for name in source if name not in others]


def hit_on_its_side(pair: Pair, added: bool, message: str, *tokens: str) -> Hit:
    """A Hit placed at what was added (in the revision) or removed (in the base); the other
    side is left to the pair's own place."""
    if added:
        return Hit(message, rev_at=pair.rev_at(*tokens))
    return Hit(message, base_at=pair.base_at(*tokens))
