"""Opening a registry: its root folder, its Git repository, and views of it at any revision.

Git is opened lazily: listing, validating or bundling the working tree never needs it, and
importing GitPython costs more than parsing most contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.source import DirectorySource, GitSource
from ledgerpact.registry.workspace import Workspace

if TYPE_CHECKING:
    import git


def _git_top(start: Path, search_parents: bool) -> Path | None:
    for folder in [start, *start.parents] if search_parents else [start]:
        if (folder / ".git").exists():
            return folder
    return None


@dataclass
class Registry:
    root: Path
    git_root: Path | None
    _repo: git.Repo | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path | None = None) -> Registry:
        """The registry at ``path``, or the Git repository the current directory is in."""
        start = (path or Path.cwd()).resolve()
        if not start.is_dir():
            raise InputError("registry path is not a directory", file=str(start))
        top = _git_top(start, search_parents=path is None)
        return cls(top or start, top)

    @property
    def repo(self) -> git.Repo | None:
        if self._repo is None and self.git_root is not None:
            import git

            try:
                self._repo = git.Repo(self.git_root)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError):
                self.git_root = None
        return self._repo

    def require_repo(self) -> git.Repo:
        repo = self.repo
        if repo is None:
            raise InputError("not a Git repository (versions, releases and @REF need one)",
                             file=str(self.root))
        return repo

    def workspace(self, rev: str | None = None, label: str | None = None) -> Workspace:
        """The working tree (``rev`` None) or the registry exactly as committed at ``rev``."""
        if rev is None:
            return Workspace(DirectorySource(self.root))
        return Workspace(GitSource(self.require_repo(), rev, label))
