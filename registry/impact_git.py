"""The few Git questions impact analysis asks, each answered by one ``git`` process.

Plumbing commands rather than GitPython: ``git diff``, ``git ls-files`` and ``git grep`` scan a
whole tree in C (``grep`` on several threads), so finding what changed and which files name a
changed file costs milliseconds however many contracts the registry holds, and nothing is
parsed in Python to get there. Paths go in and come out relative to the registry root, which
may sit below the repository's root (a registry kept in a monorepo).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry

# Enough pathspecs per grep to keep each command line far below any OS limit.
_PATHSPEC_CHUNK = 500
# A short ref name (``main``, ``origin/main``, ``v1``), which Git may find in several places.
_REF_NAME = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._/-]*")


class Git:
    """``git`` run in the repository that holds one registry."""

    def __init__(self, reg: Registry) -> None:
        if reg.git_root is None:
            raise InputError("not a Git repository (impact analysis compares with a Git "
                             "revision)", file=str(reg.root))
        self.root: Path = reg.git_root
        prefix = reg.root.relative_to(reg.git_root).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[int, bytes]:
        """(exit status, stdout). Optional locks are off: this only reads, and must never
        fight a concurrent ``git`` for ``index.lock`` just to refresh stat data."""
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
        try:
            done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True,
                                  env=env, check=False)
        except OSError as exc:
            raise InputError(f"cannot run git: {exc.strerror or exc}",
                             file=str(self.root)) from None
        if done.returncode not in ok:
            message = " ".join(done.stderr.decode("utf-8", "replace").split())
            raise InputError(f"git {args[0]} failed: {message or f'exit {done.returncode}'}",
                             file=str(self.root))
        return done.returncode, done.stdout

    # -- paths ------------------------------------------------------------------------------

    def full(self, rel: str) -> str:
        """A registry-relative path as the repository names it."""
        return self.prefix + rel

    def local(self, names: Iterable[str]) -> set[str]:
        """Repository paths inside the registry, made registry-relative; others dropped."""
        cut = len(self.prefix)
        return {name[cut:] for name in names if name and name.startswith(self.prefix)}

    # -- revisions --------------------------------------------------------------------------

    def commit(self, rev: str) -> str | None:
        """The full hash of the commit ``rev`` names, or None. A short name that two refs
        give to different commits is refused: Git would pick a tag ``origin/main`` over the
        remote branch ``origin/main`` with a mere warning, and anyone who can push a tag
        could make a pull request its own base."""
        if rev.startswith("-"):
            return None  # an option, not a revision
        self._refuse_ambiguous(rev)
        status, out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                               f"{rev}^{{commit}}", ok=(0, 1, 128))
        return out.decode().strip() if status == 0 else None

    def _refuse_ambiguous(self, rev: str) -> None:
        if rev == "HEAD" or not _REF_NAME.fullmatch(rev):
            return  # HEAD, hashes with suffixes, ranges: not a short ref name
        # the places gitrevisions(7) looks a short name up in, in its order
        places = [f"refs/{rev}", f"refs/tags/{rev}", f"refs/heads/{rev}",
                  f"refs/remotes/{rev}", f"refs/remotes/{rev}/HEAD"]
        _, out = self.run("for-each-ref", "--format=%(refname) %(objectname) %(*objectname)",
                          *places)
        found: dict[str, str] = {}
        for line in out.decode().splitlines():
            name, _, objects = line.partition(" ")
            obj, _, peeled = objects.partition(" ")
            if name in places:
                found[name] = peeled or obj  # an annotated tag: the commit it tags
        if len(set(found.values())) > 1:
            raise InputError(f"{rev!r} is ambiguous: {' and '.join(sorted(found))} name "
                             "different commits; delete the stray one or give the full ref "
                             f"name (e.g. refs/remotes/{rev})", file="--base")

    def require_commit(self, rev: str, option: str = "--base") -> str:
        sha = self.commit(rev)
        if sha is None:
            raise InputError(f"{rev!r} is not a Git tag, branch or commit", file=option)
        return sha

    def merge_base(self, a: str, b: str) -> str | None:
        status, out = self.run("merge-base", a, b, ok=(0, 1))
        return out.decode().strip() if status == 0 else None

    # -- what changed -----------------------------------------------------------------------

    def changed_since(self, commit: str) -> set[str]:
        """Registry files that differ between ``commit`` and the working tree: tracked
        changes (staged or not) plus untracked files that are not ignored. Without rename
        detection a rename is a deletion plus an addition, so both names are reported."""
        spec = self.prefix or "."
        _, diff = self.run("diff", "--name-only", "--no-renames", "--no-ext-diff", "-z",
                           commit, "--", spec)
        _, new = self.run("ls-files", "--others", "--exclude-standard", "--full-name", "-z",
                          "--", spec)
        return self.local(_split(diff) + _split(new))

    def existing(self, commit: str, paths: Iterable[str]) -> set[str]:
        """Which of ``paths`` (registry-relative files) exist in ``commit``."""
        wanted = sorted(set(paths))
        found: set[str] = set()
        for start in range(0, len(wanted), _PATHSPEC_CHUNK):
            chunk = [self.full(p) for p in wanted[start:start + _PATHSPEC_CHUNK]]
            _, out = self.run("ls-tree", "-r", "--name-only", "--full-tree", "-z", commit,
                              "--", *(_literal(p) for p in chunk))
            found |= self.local(_split(out))
        return found

    # -- who names a file -------------------------------------------------------------------

    def grep(self, terms: Iterable[str], folders: Iterable[str],
             commit: str | None) -> set[str]:
        """Registry files under ``folders`` whose bytes contain any of ``terms`` (fixed
        strings), in ``commit`` or, when None, in the working tree (tracked files as they
        are on disk, plus untracked files that are not ignored)."""
        patterns = sorted(set(terms))
        specs = sorted({self.full(f.rstrip("/")) for f in folders})
        if not patterns or not specs:
            return set()
        args = ["grep", "-l", "-z", "-F", "--full-name", "--no-color", "-I"]
        for pattern in patterns:
            args += ["-e", pattern]
        found: set[str] = set()
        for start in range(0, len(specs), _PATHSPEC_CHUNK):
            chunk = [_literal(s) for s in specs[start:start + _PATHSPEC_CHUNK]]
            where = [commit] if commit else ["--untracked"]
            status, out = self.run(*args, *where, "--", *chunk, ok=(0, 1))
            if status == 0:
                names = _split(out)
                if commit:
                    names = [n.split(":", 1)[1] for n in names]
                found |= self.local(names)
        return found


def _split(out: bytes) -> list[str]:
    return [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]


def _literal(path: str) -> str:
    """A pathspec that means exactly this path (or folder), never a glob."""
    return f":(literal){path}"
