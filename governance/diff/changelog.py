"""A Keep-a-Changelog section (keepachangelog.com 1.1.0) written from detected changes.

Hand-written changelogs forget exactly the changes that hurt: a removed enum value, a property
made required. Writing the section from the diff means every change that reaches consumers is
listed, breaking ones first and marked, under the heading a reader looks for.

Messages, pointers and operations come from contracts (a property may be named
``x`y*_[a](http://e.vil)``), so each is escaped with the diff's markdown report's ``escape``:
the section renders what the contract says, never a link or a broken code span.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledgerpact.governance.diff.model import Change, Level
from ledgerpact.governance.report.markdown import escape

# Keep a Changelog's headings, in its order.
SECTIONS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def category(change: Change) -> str:
    """The heading a change goes under: from what the rule id says happened."""
    rule = change.rule
    if rule.startswith("security") or "-security-" in rule or "scope" in rule:
        return "Security"
    if "-removed" in rule:  # before "deprecated": deprecated-operation-removed is a removal
        return "Removed"
    if "deprecat" in rule or "sunset" in rule:
        return "Deprecated"
    if rule.endswith("-added") or "-added" in rule:
        return "Added"
    return "Changed"


def _entry(change: Change, directions: list[str]) -> str:
    where = ", ".join(change.affects[:3])
    more = f" and {len(change.affects) - 3} more" if len(change.affects) > 3 else ""
    scope = f" ({escape(where)}{more})" if where else ""
    flag = "**BREAKING** " if change.level is Level.BREAKING else ""
    shown = [d for d in directions if d != "none"]
    direction = f" [{', '.join(shown)}]" if shown else ""
    # What is gone is best shown where it was.
    place = change.base if category(change) == "Removed" and change.base else change.place
    # no code span: a backtick in a name would end it, and nothing is escaped inside one
    pointer = escape(place.pointer or "/")
    return f"- {flag}{escape(change.message)}{direction} at {pointer}{scope}"


def section(version: str, date: str | None, changes: Iterable[Change],
            title: str | None = None) -> str:
    """One ``## [version] - date`` section (``## [Unreleased]`` for ``version``
    "Unreleased" and no date); an empty diff says so rather than nothing."""
    heading = f"## [{version}]" + (f" - {date}" if date else "")
    out = [heading, ""]
    if title:
        out += [title, ""]
    # One entry per change, whichever directions it was found in (a schema used in requests
    # and responses is one line, marked breaking if it breaks either way).
    merged: dict[tuple[str, str, str, str], tuple[Change, list[str]]] = {}
    for change in sorted(changes, key=lambda c: -c.level):
        place = change.base or change.place
        key = (change.rule, change.message, place.file, place.pointer)
        if key in merged:
            merged[key][1].append(change.direction.value)
        else:
            merged[key] = (change, [change.direction.value])
    grouped: dict[str, list[tuple[Change, list[str]]]] = {name: [] for name in SECTIONS}
    for change, directions in merged.values():
        grouped[category(change)].append((change, directions))
    if not any(grouped.values()):
        out += ["No changes to the contract.", ""]
    for name in SECTIONS:
        entries = sorted(grouped[name],
                         key=lambda e: (-e[0].level, e[0].place.pointer, e[0].message))
        if entries:
            out += [f"### {name}", "", *(_entry(c, d) for c, d in entries), ""]
    return "\n".join(out)
