"""One side of a change (the working tree, or the base commit) as impact analysis reads it.

Every question is asked about a handful of files, never about the whole registry: which
contract folder owns this file, what does this contract's metadata name as its document,
which files name this one (a ``git grep``), which files does this one ``$ref``. Answers are
cached, and a file the change did not touch is parsed once, on the working tree's side.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.impact_git import Git
from ledgerpact.registry.impact_refs import file_refs, search_terms, spellings
from ledgerpact.registry.metadata import METADATA_NAME
from ledgerpact.registry.repository import CONTRACTS_DIR, Registry

if TYPE_CHECKING:
    from ledgerpact.registry.workspace import Workspace


class Side:
    """The registry as it is at ``commit`` (None: the working tree).

    The base side is read through the working tree's (``same_as``) wherever the two agree,
    which is everywhere except the ``differs`` files (the change): an unchanged file's
    existence, bytes and ``$ref``s are the working tree's, already known or cheaper to
    learn there. That keeps the base's cost to the change, where searching a commit's
    blobs would cost the whole registry (Git must inflate every blob to grep it)."""

    def __init__(self, reg: Registry, git: Git, commit: str | None,
                 same_as: Side | None = None, differs: frozenset[str] = frozenset()) -> None:
        self.reg = reg
        self.git = git
        self.commit = commit
        self.same_as = same_as
        self.differs = differs
        self._refs: dict[str, set[str] | None] = {}
        self._owner: dict[str, str | None] = {}
        self._meta: dict[str, tuple[str, str | None]] = {}
        self._exists: dict[str, bool] = {}
        self._naming: dict[frozenset[str], set[str]] = {}

    def _twin(self, rel: str) -> Side | None:
        """The side that answers for ``rel`` when this one agrees with it there."""
        return self.same_as if self.same_as is not None and rel not in self.differs else None

    @cached_property
    def ws(self) -> Workspace:
        # GitPython is loaded only when a file at the base must actually be read.
        return self.reg.workspace(self.commit, self.commit)

    def exists(self, rel: str) -> bool:
        self.know_existing({rel})
        return self._exists[rel]

    def know_existing(self, paths: set[str]) -> None:
        """Answer ``exists`` for many paths with at most one question to Git."""
        todo = {p for p in paths if p not in self._exists}
        if not todo:
            return
        if self.same_as is not None:
            agreed = {p for p in todo if p not in self.differs}
            self.same_as.know_existing(agreed)
            self._exists.update((p, self.same_as.exists(p)) for p in agreed)
            todo -= agreed
        if self.commit is None:
            present = {p for p in todo if (self.reg.root / p).is_file()}
        else:
            present = self.git.existing(self.commit, todo) if todo else set()
        self._exists.update((p, p in present) for p in todo)

    def prime_owners(self, files: Iterable[str]) -> None:
        """Learn, with one question to Git, which folders above ``files`` are contracts."""
        self.know_existing({posixpath.join(folder, METADATA_NAME) for rel in files
                            for folder in _folders(rel)})

    def owner(self, rel: str) -> str | None:
        """The contract folder a file belongs to: the nearest folder above it, inside
        ``contracts/``, that holds a ``contract.yaml`` on this side."""
        folder = posixpath.dirname(rel)
        if folder in self._owner:
            return self._owner[folder]
        chain = _folders(rel)
        self.know_existing({posixpath.join(f, METADATA_NAME) for f in chain})
        found = next((f for f in chain if self.exists(posixpath.join(f, METADATA_NAME))), None)
        self._owner[posixpath.dirname(rel)] = found
        return found

    def contract(self, folder: str) -> tuple[str, str | None]:
        """(id, document path) of the contract in ``folder``. Unreadable metadata gives the
        folder's name (which the catalog requires the id to equal) and no document."""
        known = self._meta.get(folder)
        if known is not None:
            return known
        twin = self._twin(posixpath.join(folder, METADATA_NAME))
        if twin is not None:
            return twin.contract(folder)
        ident, document = posixpath.basename(folder), None
        try:
            data = self.ws.document(posixpath.join(folder, METADATA_NAME)).data
        except InputError:
            data = None
        if isinstance(data, dict):
            if isinstance(data.get("id"), str) and data["id"].strip():
                ident = data["id"]
            if isinstance(data.get("document"), str):
                document = posixpath.normpath(posixpath.join(folder, data["document"]))
        self._meta[folder] = (ident, document)
        return ident, document

    def refs(self, rel: str) -> set[str] | None:
        """The files ``rel`` references; None when it cannot be parsed on this side."""
        twin = self._twin(rel)
        if twin is not None:
            return twin.refs(rel)
        if rel not in self._refs:
            try:
                self._refs[rel] = file_refs(rel, self.ws.document(rel).data)
            except InputError:
                self._refs[rel] = None
        return self._refs[rel]

    def names(self, rel: str, target: str) -> bool:
        """Whether the bytes of ``rel`` contain a spelling of ``target`` (for a file that
        cannot be parsed, the best evidence there is)."""
        twin = self._twin(rel)
        if twin is not None:
            return twin.names(rel, target)
        try:
            raw = self.ws.source.read(rel)
        except InputError:
            return False
        bare, qualified = spellings(target)
        return any(t.encode() in raw for t in search_terms(qualified) | search_terms(bare))

    def naming(self, targets: set[str]) -> set[str]:
        """Files that may ``$ref`` any of ``targets``: the bare name searched in each
        target's folder, the qualified name everywhere in ``contracts/``."""
        key = frozenset(targets)
        if key not in self._naming:
            self._naming[key] = self._search(targets)
        return set(self._naming[key])

    def _search(self, targets: set[str]) -> set[str]:
        bare: set[str] = set()
        qualified: set[str] = set()
        folders: set[str] = set()
        for target in targets:
            name, full = spellings(target)
            bare |= search_terms(name)
            qualified |= search_terms(full)
            folders.add(posixpath.dirname(target) or ".")
        if self.same_as is not None:  # unchanged files name what they name in the twin
            own = [p for p in self.differs if self.exists(p)]
            found = self.git.grep(bare | qualified, own, self.commit) if own else set()
            return found | (self.same_as.naming(targets) - self.differs)
        found = self.git.grep(bare, folders, self.commit)
        found |= self.git.grep(qualified, [CONTRACTS_DIR], self.commit)
        return found


def _folders(rel: str) -> list[str]:
    """The folders above ``rel`` inside ``contracts/``, nearest first."""
    chain = []
    folder = posixpath.dirname(rel)
    while folder.startswith(CONTRACTS_DIR + "/"):
        chain.append(folder)
        folder = posixpath.dirname(folder)
    return chain
