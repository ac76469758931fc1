"""Opening a registry: its root folder, its Git repository, and views of it at any revision.

The registry root is the folder holding ``contracts/``; its Git repository may be the same
folder or one above it (a registry kept in a monorepo). Git is opened lazily: listing,
validating or bundling the working tree never needs it, and importing GitPython costs more
than parsing most contracts.
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

CONTRACTS_DIR = "contracts"


def _nearest(start: Path, marker: str) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / marker).exists():
            return folder
    return None


@dataclass
class Registry:
    root: Path
    git_root: Path | None
    _repo: git.Repo | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path | None = None) -> Registry:
        """The registry at ``path``; without one, the nearest folder above the current
        directory that holds ``contracts/`` (else the Git repository you stand in)."""
        if path is not None:
            root = path.resolve()
            if not root.is_dir():
                raise InputError("registry path is not a directory", file=str(path))
        else:
            cwd = Path.cwd().resolve()
            root = _nearest(cwd, CONTRACTS_DIR) or _nearest(cwd, ".git") or cwd
        return cls(root, _nearest(root, ".git"))

    @classmethod
    def containing(cls, file: Path) -> Registry | None:
        """The registry a contract file lies in, if any (so its ``$ref``s may reach the
        registry's canonical schemas)."""
        real = file.resolve()
        for folder in real.parents:
            if (folder / CONTRACTS_DIR).is_dir() and real.is_relative_to(folder / CONTRACTS_DIR):
                return cls(folder, _nearest(folder, ".git"))
        return None

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

    def require_full_history(self, why: str) -> git.Repo:
        """The repository, refused when it is a shallow clone.

        In a shallow clone the boundary commit appears to add every file it holds: whoever
        made it would look like the author of every approval record, and every deprecation
        would look as old as that commit. Answers that rest on who committed what, or when,
        must not be given from such a history (``why`` says which answer)."""
        repo = self.require_repo()
        if (Path(repo.common_dir) / "shallow").is_file():
            raise InputError(f"this is a shallow clone: {why} needs the full history "
                             "(git fetch --unshallow; in GitHub Actions, actions/checkout "
                             "with fetch-depth: 0)", file=str(self.git_root or self.root))
        return repo

    def workspace(self, rev: str | None = None, label: str | None = None) -> Workspace:
        """The working tree (``rev`` None) or the registry exactly as committed at ``rev``."""
        if rev is None:
            return Workspace(DirectorySource(self.root))
        repo = self.require_repo()
        assert self.git_root is not None
        prefix = self.root.relative_to(self.git_root).as_posix()
        return Workspace(GitSource(repo, rev, label, "" if prefix == "." else prefix))
