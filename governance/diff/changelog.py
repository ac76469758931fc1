"""A Keep-a-Changelog section (keepachangelog.com 1.1.0) written from detected changes.

Hand-written changelogs forget exactly the changes that hurt: a removed enum value, a property
made required. Writing the section from the diff means every change that reaches consumers is
listed, breaking ones first and marked, under the heading a reader looks for.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledgerpact.governance.diff.model import Change, Level

# Keep a Changelog's headings, in its order.
SECTIONS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def category(change: Change) -> str:
    """The heading a change goes under: from what the rule id says happened."""
    rule = change.rule
    if rule.startswith("security") or "-security-" in rule or "scope" in rule:
        return "Security"
    if "deprecat" in rule or "sunset" in rule:
        return "Deprecated"
    if rule.endswith(("-removed", "-removed-without-deprecation", "-removed-before-sunset",
                      "-removed-after-sunset")) or "-removed" in rule:
        return "Removed"
    if rule.endswith("-added") or "-added" in rule:
        return "Added"
    return "Changed"


def _entry(change: Change) -> str:
    where = ", ".join(change.affects[:3])
    more = f" and {len(change.affects) - 3} more" if len(change.affects) > 3 else ""
    scope = f" ({where}{more})" if where else ""
    flag = "**BREAKING** " if change.level is Level.BREAKING else ""
    direction = "" if change.direction.value == "none" else f" [{change.direction.value}]"
    # What is gone is best shown where it was.
    place = change.base if category(change) == "Removed" and change.base else change.place
    pointer = place.pointer or "/"
    return f"- {flag}{change.message}{direction} at `{pointer}`{scope}"


def section(version: str, date: str | None, changes: Iterable[Change],
            title: str | None = None) -> str:
    """One ``## [version] - date`` section; an empty diff says so rather than nothing."""
    heading = f"## [{version}]" + (f" - {date}" if date else "")
    out = [heading, ""]
    if title:
        out += [title, ""]
    grouped: dict[str, list[Change]] = {name: [] for name in SECTIONS}
    for change in changes:
        grouped[category(change)].append(change)
    if not any(grouped.values()):
        out += ["No changes to the contract.", ""]
    for name in SECTIONS:
        entries = sorted(grouped[name], key=lambda c: (-c.level, c.place.pointer, c.message))
        if entries:
            out += [f"### {name}", "", *(_entry(c) for c in entries), ""]
    return "\n".join(out)
