"""``governance/teams.yaml``: who is in which team, and which Git identities are whose.

CODEOWNERS and ``contract.yaml`` name owners as GitHub handles and teams; Git commits carry
e-mail addresses. This file is the registry's own bridge between them, kept in the
repository so that a change to who may approve is itself a reviewed change::

    teams:
      "@ledgerpact/architects": ["@amara", "@lucas"]
    people:
      "@amara": ["amara@ledgerpact.dev"]

A team may list another team; handles and e-mail addresses compare case-insensitively, as
GitHub's do. A registry without the file has no teams and no known identities: only owners
named by their own handle can approve, and no committed approval can be tied to anyone.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ledgerpact.governance.approvals.codeowners import OWNER_HANDLE
from ledgerpact.governance.policy.config import TEAMS_PATH
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.workspace import Workspace

_EMAIL_SHAPE = "@"


class Directory(NamedTuple):
    """Teams and people, keyed by lower-cased handle."""

    teams: dict[str, tuple[str, ...]]  # team -> member handles (users or teams), lower-cased
    people: dict[str, tuple[str, ...]]  # person -> e-mail addresses, lower-cased
    file: str = TEAMS_PATH

    def users(self, handle: str) -> set[str]:
        """The people a handle stands for: a team's members (teams inside it expanded), or
        the person named. Lower-cased."""
        found: set[str] = set()
        pending, seen = [handle.lower()], set()
        while pending:
            current = pending.pop()
            if current in seen:
                continue  # a team that (indirectly) lists itself
            seen.add(current)
            if current in self.teams:
                pending.extend(self.teams[current])
            else:
                found.add(current)
        return found

    def owner_users(self, owner: str) -> set[str]:
        """The people an owner entry stands for; an e-mail owner (allowed in CODEOWNERS) is
        the person whose address it is, if anyone's."""
        if owner.startswith("@"):
            return self.users(owner)
        handle = self.handle_for_email(owner)
        return {handle} if handle else set()

    def emails(self, handle: str) -> tuple[str, ...]:
        return self.people.get(handle.lower(), ())

    def handle_for_email(self, email: str) -> str | None:
        wanted = email.strip().lower()
        for handle, emails in self.people.items():
            if wanted in emails:
                return handle
        return None


def load_directory(ws: Workspace) -> Directory:
    """The teams file of the registry ``ws`` reads; empty when there is none. Any problem is
    an ``InputError`` at the entry that has it."""
    if not ws.source.exists(TEAMS_PATH):
        return Directory({}, {})
    data = ws.document(TEAMS_PATH).data
    if not isinstance(data, dict):
        raise ws.error("the teams file must be a mapping with 'teams' and 'people'",
                       TEAMS_PATH, "")
    unknown = sorted(set(data) - {"teams", "people"})
    if unknown:
        raise ws.error(f"unknown key {unknown[0]!r} (expected 'teams' and 'people')",
                       TEAMS_PATH, "/" + jp.escape(unknown[0]))
    teams = _handle_lists(ws, data.get("teams", {}), "/teams", "member handles")
    people = _handle_lists(ws, data.get("people", {}), "/people", "e-mail addresses")
    owner_of: dict[str, str] = {}
    for handle, emails in people.items():
        for email in emails:
            if email in owner_of and owner_of[email] != handle:
                raise ws.error(f"{email} is listed for both {owner_of[email]} and {handle}: "
                               "a Git identity must belong to one person",
                               TEAMS_PATH, "/people/" + jp.escape(handle))
            owner_of[email] = handle
    return Directory(teams, people)


def _handle_lists(ws: Workspace, value: Any, at: str, what: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ws.error(f"{at[1:]} must map each handle to a list of {what}", TEAMS_PATH, at)
    out: dict[str, tuple[str, ...]] = {}
    for key, items in value.items():
        where = f"{at}/{jp.escape(key)}"
        if not OWNER_HANDLE.fullmatch(key):
            raise ws.error(f"{key!r} is not a handle such as '@name' or '@org/team'",
                           TEAMS_PATH, where)
        if key.lower() in out:
            raise ws.error(f"{key} is listed twice (handles ignore case)", TEAMS_PATH, where)
        if not isinstance(items, list) or not items:
            raise ws.error(f"{key} must have a non-empty list of {what}", TEAMS_PATH, where)
        for i, item in enumerate(items):
            if not isinstance(item, str) or not _valid_item(item, what):
                raise ws.error(f"{item!r} is not one of the {what} expected here",
                               TEAMS_PATH, f"{where}/{i}")
        out[key.lower()] = tuple(item.lower() for item in items)
    return out


def _valid_item(item: str, what: str) -> bool:
    if what == "member handles":
        return bool(OWNER_HANDLE.fullmatch(item))
    name, _, domain = item.partition(_EMAIL_SHAPE)
    return bool(name) and "." in domain and not any(c.isspace() for c in item)
