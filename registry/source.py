"""Where contract files are read from: the working tree, or one Git revision.

Both expose the same three calls over POSIX paths relative to the registry root, so the
loader, resolver and bundler never know whether they read today's files or a release's: a
multi-file contract read at a tag gets every ``$ref``'d file at that same tag.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import read_bytes

if TYPE_CHECKING:
    import git


class Source(Protocol):
    """A read-only view of a registry's files."""

    label: str  # shown in messages: "working tree" or "erp-finance/v1.0.0 (3f2a9c1)"

    def read(self, rel: str) -> bytes: ...

    def exists(self, rel: str) -> bool: ...

    def glob(self, prefix: str, name: str) -> list[str]: ...

    def is_dir(self, rel: str) -> bool: ...


class DirectorySource:
    """Files on disk under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.label = "working tree"

    def _path(self, rel: str) -> Path:
        if ".git" in rel.split("/"):
            raise InputError("refusing to read inside .git: contracts live in the working tree",
                             file=rel)
        path = self.root / rel
        # A symlink inside the registry must not become a way out of it.
        if path.is_symlink() or any(p.is_symlink() for p in path.parents
                                    if p.is_relative_to(self.root)):
            real = path.resolve()
            if not real.is_relative_to(self.root):
                raise InputError(f"{rel} is a symlink that leaves the registry root "
                                 f"(to {real}); refusing to read it", file=rel)
        return path

    def read(self, rel: str) -> bytes:
        return read_bytes(self._path(rel), rel)

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def is_dir(self, rel: str) -> bool:
        return (self.root / rel).is_dir()

    def glob(self, prefix: str, name: str) -> list[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob(name))


class GitSource:
    """Files as they are in one commit of a Git repository (never the working tree)."""

    def __init__(self, repo: git.Repo, rev: str, label: str | None = None,
                 prefix: str = "") -> None:
        import git

        try:
            self.commit = repo.commit(rev)
        except (git.BadName, ValueError, git.GitCommandError):
            raise InputError(f"unknown Git revision {rev!r}", file=str(repo.working_dir)) \
                from None
        if self.commit.type != "commit":
            raise InputError(f"{rev!r} does not name a commit", file=str(repo.working_dir))
        self.repo = repo
        self.prefix = prefix.strip("/")  # the registry's folder inside the repository
        self.label = label or f"{rev} ({self.commit.hexsha[:10]})"
        # Folder -> its entries by name. GitPython's ``tree / path`` scans every entry of
        # each folder on the way, so reading one contract of a registry of hundreds would
        # cost what the registry costs; each folder is listed once instead.
        self._folders: dict[str, dict[str, Any] | None] = {}

    def _lookup(self, full: str) -> Any:
        """The blob or tree at repository path ``full``, or None."""
        if not full:
            return self.commit.tree
        parent, _, name = full.rpartition("/")
        entries = self._children(parent)
        return entries.get(name) if entries is not None else None

    def _children(self, folder: str) -> dict[str, Any] | None:
        import git

        if folder not in self._folders:
            tree = self._lookup(folder)
            self._folders[folder] = ({item.name: item for item in tree}
                                     if isinstance(tree, git.Tree) else None)
        return self._folders[folder]

    def _blob(self, rel: str) -> git.Blob | None:
        import git

        obj = self._lookup(posixpath.normpath(self._full(rel)).lstrip("/") if rel else "")
        return obj if isinstance(obj, git.Blob) else None

    def read(self, rel: str) -> bytes:
        blob = self._blob(rel)
        if blob is None:
            raise InputError(f"file not found at {self.label}", file=rel)
        data: bytes = blob.data_stream.read()
        return data

    def exists(self, rel: str) -> bool:
        return self._blob(rel) is not None

    def _full(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def _tree(self, rel: str) -> git.Tree | None:
        import git

        full = self._full(rel) if rel or self.prefix else ""
        tree = self._lookup(posixpath.normpath(full).lstrip("/") if full else "")
        return tree if isinstance(tree, git.Tree) else None

    def is_dir(self, rel: str) -> bool:
        return self._tree(rel) is not None

    def glob(self, prefix: str, name: str) -> list[str]:
        import git

        tree = self._tree(prefix)
        if tree is None:
            return []
        cut = len(self.prefix) + 1 if self.prefix else 0
        return sorted(
            item.path[cut:]
            for item in tree.traverse()
            if isinstance(item, git.Blob) and Path(item.path).match(name)
        )
