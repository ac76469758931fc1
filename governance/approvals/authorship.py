"""Which approval records there are, where each one's content is read from, and who wrote it.

A record Git tracks at HEAD is judged as Git holds it: its content is the blob at HEAD, never
the working-tree file, and it counts only if every commit that added or changed it was
authored by its approver. The working-tree bytes must not decide whether a record is
"committed": a symbolic link, an ``eol``/``filter`` attribute in ``.gitattributes`` or a
local edit makes them differ from the blob, and a difference used to mean "not committed
yet", which skipped the author check -- anyone could commit an approval naming someone else.

A symbolic link or a submodule (Git modes 120000 and 160000), at the record or at a folder
on its way, is no record at all: it is reported and never read, in Git or on disk, since
what it points to is not what the approver committed.

A record Git does not track (a local ``ledgerpact approve`` before the commit) is read from
the working tree and judged on its content and approver only; in CI everything is committed.

Authorship comes from the full history of the record folder: in a shallow clone the boundary
commit appears to add every file, so that answer is refused there, exit 2
(``Registry.require_full_history``).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import git

    from ledgerpact.governance.approvals.authority import Authority
    from ledgerpact.governance.approvals.record import ApprovalRecord
    from ledgerpact.registry.loader import Document
    from ledgerpact.registry.repository import Registry
    from ledgerpact.registry.workspace import Workspace

RECORD_NAMES = ("*.yaml", "*.yml")
_LINK_MODE = 0o120000
_WHY_FULL_HISTORY = ("judging approval records (each is tied to its approver by the commits "
                     "that added or changed it)")
_NOT_A_FILE = ("so it does not count: a record must be a file of this repository, committed "
               "by its approver")


@dataclass(frozen=True)
class RecordFile:
    """One candidate record under the folder of a contract's approvals."""

    path: str  # registry-relative
    tracked: bool  # a regular file at HEAD: read from its blob, judged by its commits
    refusal: str | None = None  # why it is no record (a symbolic link, a submodule)


class Authorship:
    """The records of one contract's approval folder, and the author e-mail of every commit
    that added or changed each (one ``git log`` for the whole folder, read only when a
    tracked record is judged)."""

    def __init__(self, reg: Registry, folder: str) -> None:
        self.reg, self.folder = reg, folder
        self._commits: dict[str, list[tuple[str, str]]] | None = None
        self._head_ws: Workspace | None = None
        self._head: git.Commit | None = _head_commit(reg)
        prefix = reg.root.relative_to(reg.git_root).as_posix() if reg.git_root else "."
        self._prefix = "" if prefix == "." else prefix

    def records(self) -> list[RecordFile]:
        """Every record file in the working tree, and every symbolic link or submodule Git
        holds where a record could be, sorted by path; a link or submodule is reported once,
        however many files it leads to."""
        source = self.reg.workspace().source
        paths = {p for name in RECORD_NAMES for p in source.glob(self.folder, name)}
        paths |= self._non_files_at_head()
        found: dict[str, RecordFile] = {}
        for path in sorted(paths):
            record = self._classify(path)
            if record is not None:
                found.setdefault(record.path, record)
        return sorted(found.values(), key=lambda record: record.path)

    def document(self, record: RecordFile) -> Document:
        """The record's parsed content: HEAD's blob when Git tracks it, else the file."""
        if record.tracked:
            if self._head_ws is None:
                self._head_ws = self.reg.workspace("HEAD")
            return self._head_ws.document(record.path)
        return self.reg.workspace().document(record.path)

    def problems(self, found: RecordFile, record: ApprovalRecord,
                 authority: Authority) -> list[str]:
        """Why the commits of a tracked record do not tie it to its approver (none for a
        record Git does not track yet)."""
        if not found.tracked:
            return []
        commits = self._log().get(found.path, [])
        if not commits:  # history rewritten (a graft, a replace ref): nothing ties it to anyone
            return ["is committed, but no commit in the history reachable from HEAD adds it, "
                    "so it cannot be tied to its approver"]
        emails = authority.directory.emails(record.approver)
        if not emails:
            return [f"is committed, but {authority.directory.file} lists no Git e-mail for "
                    f"{record.approver}, so the commit cannot be tied to them"]
        return [f"was committed in {sha[:10]} by {email}, which is not an e-mail of "
                f"{record.approver} in {authority.directory.file} ({', '.join(emails)})"
                for sha, email in commits if email.lower() not in emails]

    # -- what each path is ----------------------------------------------------------------

    def _classify(self, path: str) -> RecordFile | None:
        """The record at ``path``; when Git or the disk has a symbolic link or a submodule
        at it or on its way, that link or submodule, refused. None for a folder."""
        kind, where = self._at_head(path)
        if kind == "symlink":
            return RecordFile(where, False, f"is a symbolic link in Git (mode 120000), "
                                            f"{_NOT_A_FILE}")
        if kind == "submodule":
            return RecordFile(where, False, f"is a submodule (Git mode 160000), {_NOT_A_FILE}")
        link = self._link_on_disk(path)
        if link is not None:
            return RecordFile(link, False, f"is a symbolic link on disk, {_NOT_A_FILE}")
        if kind == "folder" or (self.reg.root / path).is_dir():
            return None
        if kind == "file":
            return RecordFile(path, True)
        if not (self.reg.root / path).is_file():
            return RecordFile(path, False, f"is not a regular file, {_NOT_A_FILE}")
        return RecordFile(path, False)

    def _at_head(self, path: str) -> tuple[str, str]:
        """(what HEAD holds at ``path``: file, folder, symlink, submodule or absent; the
        registry-relative path where that was found -- a folder on the way for a symbolic
        link or submodule there)."""
        if self._head is None:
            return "absent", path
        node: Any = self._head.tree
        parts = [*self._prefix.split("/"), *path.split("/")] if self._prefix else \
            path.split("/")
        skip = len(parts) - len(path.split("/"))  # the registry's own folder, if any
        for i, name in enumerate(parts):
            if node.type != "tree":
                return _kind(node), "/".join(parts[skip:i]) or "."
            try:
                node = node[name]
            except KeyError:
                return "absent", path
        return _kind(node), path

    def _link_on_disk(self, path: str) -> str | None:
        """The first symbolic link on the way to ``path`` in the working tree, if any."""
        here = self.reg.root
        parts = path.split("/")
        for i, part in enumerate(parts, start=1):
            here = here / part
            if here.is_symlink():
                return "/".join(parts[:i])
        return None

    def _non_files_at_head(self) -> set[str]:
        """Symbolic links and submodules HEAD holds at or inside the record folder, so one
        is reported even when the working tree shows nothing through it (a dangling link,
        a submodule not checked out)."""
        kind, where = self._at_head(self.folder)
        if kind in ("symlink", "submodule"):
            return {where}
        if kind != "folder" or self._head is None:
            return set()
        full = f"{self._prefix}/{self.folder}" if self._prefix else self.folder
        found = set()
        cut = len(self._prefix) + 1 if self._prefix else 0
        entries: Iterable[Any] = self._head.tree[full].traverse()
        for item in entries:
            is_link = item.type == "blob" and item.mode == _LINK_MODE
            name = posixpath.basename(item.path)  # a submodule's .name needs .gitmodules
            named = any(fnmatch.fnmatchcase(name, n) for n in RECORD_NAMES)
            if item.type == "submodule" or (is_link and named):
                found.add(item.path[cut:])
        return found

    def _log(self) -> dict[str, list[tuple[str, str]]]:
        if self._commits is None:
            self._commits = commits_by_file(self.reg, self.folder)
        return self._commits


def _head_commit(reg: Registry) -> git.Commit | None:
    repo = reg.repo
    if repo is None:
        return None
    try:
        return repo.head.commit
    except ValueError:  # a repository without commits
        return None


def _kind(node: Any) -> str:
    if node.type == "tree":
        return "folder"
    if node.type == "blob":
        return "symlink" if node.mode == _LINK_MODE else "file"
    return "submodule"


def commits_by_file(reg: Registry, folder: str) -> dict[str, list[tuple[str, str]]]:
    """Registry-relative path -> [(commit, author e-mail)] for every commit in HEAD's
    history that added or changed a file under ``folder`` (renames count as adding the new
    name, so moving someone's record is authoring it). Refused in a shallow clone."""
    repo = reg.require_full_history(_WHY_FULL_HISTORY)
    assert reg.git_root is not None
    prefix = reg.root.relative_to(reg.git_root).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    # --diff-merges=combined: a merge commit counts for the files it changes against EVERY
    # parent (what the merge itself wrote), never for what one parent brought in. Without it
    # a record added inside a merge commit has no authoring commit at all and would pass.
    out = repo.git.execute(["git", "-c", "core.quotepath=off", "log", "--no-renames",
                            "--diff-merges=combined", "--diff-filter=AMT",
                            "--format=%x00%H%x09%ae", "--name-only", "HEAD", "--",
                            prefix + folder])
    assert isinstance(out, str)
    commits: dict[str, list[tuple[str, str]]] = {}
    for chunk in out.split("\x00")[1:]:
        head, _, names = chunk.partition("\n")
        sha, _, email = head.partition("\t")
        for name in filter(None, names.splitlines()):
            rel = name.removeprefix(prefix)
            commits.setdefault(rel, []).append((sha, email.strip()))
    return commits
