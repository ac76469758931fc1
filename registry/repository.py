"""Opening a registry: its root folder, its Git repository, and views of it at any revision."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.source import DirectorySource, GitSource
from ledgerpact.registry.workspace import Workspace


@dataclass
class Registry:
    root: Path
    repo: git.Repo | None

    @classmethod
    def open(cls, path: Path | None = None) -> Registry:
        """The registry at ``path``, or the Git repository the current directory is in."""
        start = (path or Path.cwd()).resolve()
        if not start.is_dir():
            raise InputError("registry path is not a directory", file=str(start))
        try:
            repo = git.Repo(start, search_parent_directories=path is None)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return cls(start, None)
        top = Path(repo.working_tree_dir or start).resolve()
        return cls(top if path is None else start, repo)

    def require_repo(self) -> git.Repo:
        if self.repo is None:
            raise InputError("not a Git repository (versions, releases and @REF need one)",
                             file=str(self.root))
        return self.repo

    def workspace(self, rev: str | None = None, label: str | None = None) -> Workspace:
        """The working tree (``rev`` None) or the registry exactly as committed at ``rev``."""
        if rev is None:
            return Workspace(DirectorySource(self.root))
        repo = self.require_repo()
        if Path(repo.working_tree_dir or "").resolve() != self.root:
            raise InputError("reading a revision needs --registry at the repository's top",
                             file=str(self.root))
        return Workspace(GitSource(repo, rev, label))
