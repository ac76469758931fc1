"""When an element of a contract file first carried a mark (``deprecated: true``), read from Git.

The date of a deprecation is not written in the document, and a date someone types could be
anything; Git history is the record of when the mark appeared. The walk reads the first-parent
history of the one file that holds the element, newest first, starting at the base commit, and
stops at the first version without the mark: the deprecation dates from the oldest commit of
that unbroken run. First-parent, because what counts is when the mark reached the branch
consumers read (a merge), not when it was written on a side branch. The date is the commit's
committer date.

The walk is bounded: at most ``HISTORY_LIMIT`` (200) commits of that file are read. When every
one of them carries the mark, the deprecation is at least as old as the oldest one read, and
the result says so (``bounded``) rather than pretending to know the exact date. A version
that cannot be read (invalid YAML in an old commit) counts as unmarked, and so does a version
before the file got its current name (renames are not followed): the walk never claims a
longer deprecation than it can show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry

HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Locator:
    """How to find an element again in other versions of its file: by its pointer, or, for
    an item of a list (an inline parameter), by fields that name it (``name`` and ``in``),
    since its index moves whenever an item before it is added or removed."""

    pointer: str
    key: tuple[tuple[str, str], ...] = ()

    def find(self, data: Any) -> Any:
        """The element in ``data``, or None when this version has no such element."""
        tokens = jp.split(self.pointer)
        if self.key:
            tokens = tokens[:-1]
        node = data
        for token in tokens:
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        if not self.key:
            return node
        if not isinstance(node, list):
            return None
        wanted = dict(self.key)
        for item in node:
            if isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items()):
                return item
        return None


@dataclass(frozen=True)
class Since:
    """The oldest commit of the unbroken run of versions that carry the mark."""

    date: dt.date
    commit: str
    bounded: bool  # the walk hit its limit: marked at least since ``date``


def marked_since(reg: Registry, base: str, file: str, locators: Sequence[Locator],
                 is_marked: Callable[[Any], bool],
                 limit: int = HISTORY_LIMIT) -> dict[Locator, Since | None]:
    """For each locator, since when the element has carried the mark in ``file`` (a
    registry-relative path) as of commit ``base``; None when even the newest version read
    does not carry it. One walk serves every element of the file."""
    commits = _file_commits(reg, base, file, limit)
    result: dict[Locator, Since | None] = {}
    newest_marked: dict[Locator, tuple[str, dt.date]] = {}
    open_ = list(dict.fromkeys(locators))
    for sha, date in commits:
        if not open_:
            break
        data = _data_at(reg, sha, file)
        still = []
        for loc in open_:
            if data is not None and is_marked(loc.find(data)):
                newest_marked[loc] = (sha, date)
                still.append(loc)
            else:
                found = newest_marked.get(loc)
                result[loc] = Since(found[1], found[0], False) if found else None
        open_ = still
    for loc in open_:  # history exhausted, or the limit reached, with the mark still there
        found = newest_marked.get(loc)
        result[loc] = Since(found[1], found[0], len(commits) >= limit) if found else None
    return result


def _file_commits(reg: Registry, base: str, file: str, limit: int) -> list[tuple[str, dt.date]]:
    """The first-parent commits from ``base`` that changed ``file``, newest first; refused
    in a shallow clone."""
    import git

    # In a shallow clone the boundary commit seems to add the file with every mark it
    # carries: a deprecation would look as recent as that commit, so no date is given.
    repo = reg.require_full_history(f"dating the deprecations in {file} (when each mark "
                                    "first appeared in its history)")
    assert reg.git_root is not None
    prefix = reg.root.relative_to(reg.git_root).as_posix()
    full = file if prefix == "." else f"{prefix}/{file}"
    try:
        out = repo.git.log("--first-parent", f"--max-count={limit}", "--format=%H %ct",
                           base, "--", full)
    except git.GitCommandError as exc:
        raise InputError(f"cannot read the Git history of {file} at {base!r}: "
                         f"{exc.stderr.strip() or exc}", file=file) from None
    commits = []
    for line in out.splitlines():
        sha, _, stamp = line.partition(" ")
        commits.append((sha, dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC).date()))
    return commits


def _data_at(reg: Registry, sha: str, file: str) -> Any:
    ws = reg.workspace(sha)
    if not ws.source.exists(file):
        return None
    try:
        return ws.document(file).data
    except InputError:
        return None
