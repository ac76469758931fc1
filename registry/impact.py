"""What a change touches: the changed files since a base, the contracts they affect, and
everything that depends on one contract.

``affected`` is what ``ledgerpact check`` runs on every pull request, so its cost must follow
the change, not the registry: it never lists or parses the catalog. The contract a changed
file belongs to is read off its path (the nearest folder with a ``contract.yaml``); the
contracts that use a changed shared file are found by asking Git which files name it (a
``git grep`` for how a ``$ref`` to it must be spelled), and only those files are parsed to
confirm the ``$ref``, then the same question is asked about them, until nothing new turns up.
Both sides are searched, the working tree and the base, so a contract that used a file the
change deleted or stopped using is found too.

``dependents`` answers ``ledgerpact impact ID`` and may read the whole registry.
"""

from __future__ import annotations

import posixpath
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.impact_adapters import AdapterLink, adapter_links
from ledgerpact.registry.impact_git import Git
from ledgerpact.registry.impact_refs import file_refs
from ledgerpact.registry.impact_sides import Side
from ledgerpact.registry.repository import CONTRACTS_DIR, Registry

if TYPE_CHECKING:
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.workspace import Workspace

_REMOTE = "origin"
FALLBACK_BRANCHES = ("origin/HEAD", "main", "origin/main", "master", "origin/master")


@dataclass(frozen=True)
class Affected:
    """A contract to check, and in plain words why."""

    id: str
    reasons: list[str]


@dataclass(frozen=True)
class Dependent:
    """A contract that uses the target; ``via`` is the ``$ref`` chain of files from its
    document to the target's file (two entries when it refers to it directly)."""

    id: str
    via: list[str]


@dataclass(frozen=True)
class Impact:
    """Everything that depends on one contract. ``consumers`` are the declared consumers of
    the contract and of every contract that uses it (a change reaches them through it);
    ``declared_by`` says which contracts declare each. ``adapters`` map onto the contract or
    onto a contract that uses it (declared in ``adapter.yaml`` or ``contract.yaml``
    ``providers``, or named in their code); ``adapter_contracts`` says which of those each
    maps, ``adapter_links`` how."""

    contracts: list[Dependent]
    consumers: list[str]
    adapters: list[str]
    declared_by: dict[str, list[str]] = field(default_factory=dict)
    adapter_contracts: dict[str, list[str]] = field(default_factory=dict)
    adapter_links: dict[str, list[AdapterLink]] = field(default_factory=dict)
    target: str = ""  # the contract's id, or the file asked about
    files: list[str] = field(default_factory=list)  # the target's files that others use


# -- the base and what changed since it -----------------------------------------------------


def default_base(reg: Registry, policy_branch: str | None) -> str:
    """The merge base of HEAD with the default branch: the policy's ``default_branch`` (or
    its ``origin/`` copy, all a CI checkout may have), else origin/HEAD, else main, else
    master. A policy branch that cannot be found is an error, not a silent fallback: it
    would compare the pull request with the wrong branch."""
    git = Git(reg)
    _head(git)
    if policy_branch:
        tried: tuple[str, ...] = (policy_branch, f"{_REMOTE}/{policy_branch}")
    else:
        tried = FALLBACK_BRANCHES
    branch = next((name for name in tried if git.commit(name) is not None), None)
    if branch is None:
        what = (f"the default branch {policy_branch!r} of governance/policy.yaml"
                if policy_branch else "a default branch")
        raise InputError(f"cannot find {what} (tried {', '.join(tried)}); fetch it, set "
                         "default_branch in governance/policy.yaml, or pass --base REF",
                         file="--base")
    return merge_base(reg, branch, "or pass --base REF")


def merge_base(reg: Registry, ref: str, hint: str = "") -> str:
    """The merge base of HEAD with ``ref``: what a pull request into ``ref`` changes is
    what ``git diff ref...HEAD`` shows. Comparing with ``ref`` itself would show every
    change ``ref`` gained since the branch point as the pull request's, reversed."""
    git = Git(reg)
    head = _head(git)
    tip = git.require_commit(ref)
    base = git.merge_base(head, tip)
    if base is None:
        raise InputError(f"HEAD and {ref} have no common ancestor (a shallow clone? fetch "
                         "with full history, e.g. fetch-depth: 0)"
                         + (f", {hint}" if hint else ""), file="--base")
    return base


def _head(git: Git) -> str:
    head = git.commit("HEAD")
    if head is None:
        raise InputError("the repository has no commit yet (HEAD names nothing); commit "
                         "first or pass --base REF", file=str(git.root))
    return head


def changed_files(reg: Registry, base: str) -> set[str]:
    """Registry-relative paths that differ between commit ``base`` and the working tree:
    modified, added (untracked files too, unless ignored), deleted, and both names of a
    rename."""
    git = Git(reg)
    return git.changed_since(git.require_commit(base))


# -- the contracts a change affects ---------------------------------------------------------

# file -> {changed file it leads to: (the next file on the way (None: it is that file), hops)}
Reach = dict[str, dict[str, tuple[str | None, int]]]


def affected(reg: Registry, base: str, changed: set[str]) -> list[Affected]:
    """Every contract, in the working tree or at ``base``, whose own files are in
    ``changed`` or whose document uses one of them through ``$ref``s, directly or through
    other files. Changes outside ``contracts/`` affect no contract.

    ``changed`` must hold every file that differs (what ``changed_files`` returns): any
    other file is taken to be the same at ``base`` as in the working tree, and is read
    only there.

    A contract is named by its folder, as the catalogue finds it (``find_entry``), never by
    the ``id`` its ``contract.yaml`` claims: a folder whose id does not match must be
    checked, and refused with the catalogue's own error, not looked up under an id no
    folder has (which would report it as removed)."""
    inside = sorted(p for p in changed if p.startswith(CONTRACTS_DIR + "/"))
    if not inside:
        return []
    git = Git(reg)
    tree = Side(reg, git, None)
    sides = (tree, Side(reg, git, git.require_commit(base), tree, frozenset(inside)))
    for side in sides:
        side.know_existing(set(inside))
    status = {p: _status(sides[0].exists(p), sides[1].exists(p)) for p in inside}
    reasons: dict[str, list[str]] = {}

    def add(ident: str, reason: str) -> None:
        found = reasons.setdefault(ident, [])
        if reason not in found:
            found.append(reason)

    for side in sides:
        side.prime_owners(inside)
        for path in inside:
            folder = side.owner(path)
            if folder is not None:
                add(posixpath.basename(folder), f"{path} {status[path]}")
    for side in sides:
        reach, unparsed = _reach(side, inside)
        side.prime_owners(reach)
        for file in sorted(reach):
            folder = side.owner(file)
            if folder is None:
                continue
            ident, document = posixpath.basename(folder), side.contract(folder)[1]
            if document is not None and file != document:
                continue  # a file of the folder its document does not use
            for key in sorted(reach[file]):
                if key != file:
                    add(ident, _uses(file, document, _chain(reach, file, key), status[key],
                                     unparsed))
    return [Affected(ident, reasons[ident]) for ident in sorted(reasons)]


def _status(now: bool, before: bool) -> str:
    return "added" if now and not before else "deleted" if before and not now else "changed"


def _reach(side: Side, changed: list[str]) -> tuple[Reach, set[str]]:
    """Every file on ``side`` that leads to a changed file through ``$ref``s, each with the
    next hop on a shortest way to each changed file it reaches; and the files that could
    not be parsed (their ``$ref``s were guessed from their text)."""
    reach: Reach = {path: {path: (None, 0)} for path in changed}
    unparsed: set[str] = set()
    frontier = set(changed)
    while frontier:
        grown: set[str] = set()
        for candidate in sorted(side.naming(frontier)):
            refs = side.refs(candidate)
            if refs is None:
                unparsed.add(candidate)
                refs = {t for t in frontier if side.names(candidate, t)}
            mine = reach.get(candidate, {})
            for used in sorted(refs & reach.keys() - {candidate}):
                for key, (_, hops) in reach[used].items():
                    if key not in mine or hops + 1 < mine[key][1]:
                        mine[key] = (used, hops + 1)
                        grown.add(candidate)
            if mine:
                reach[candidate] = mine
        frontier = grown  # a file that learnt a (shorter) way: its users may learn it too
    return reach, unparsed


def _chain(reach: Reach, start: str, key: str) -> list[str]:
    chain = [start]
    step = reach[start][key][0]
    while step is not None and len(chain) <= len(reach):
        chain.append(step)
        step = reach[step][key][0]
    return chain


def _uses(file: str, document: str | None, chain: list[str], status: str,
          unparsed: set[str]) -> str:
    """``uses a, which uses b (changed)``, said of the contract's document."""
    hops = chain[1:]
    text = "uses " + ", which uses ".join(hops) + f" ({status})"
    if file != document:  # the contract's metadata could not be read: name the file
        text = f"{file} {text}"
    guessed = [f for f in chain[:-1] if f in unparsed]
    if guessed:
        text += (f"; {', '.join(guessed)} could not be parsed, so its $ref was inferred "
                 "from its text")
    return text


# -- everything that depends on one contract ------------------------------------------------


def dependents(reg: Registry, contract_id: str) -> Impact:
    """The contracts that ``$ref`` the contract (directly or through other files), the
    declared consumers, and the adapters, for ``ledgerpact impact``."""
    from ledgerpact.registry.catalog import Catalog

    ws = reg.workspace()
    catalog = Catalog(ws)
    entry = catalog.get(contract_id)
    folder = posixpath.dirname(entry.metadata_path)
    graph = _graph(ws, [e.document_path for e in catalog])
    folders = {posixpath.dirname(e.metadata_path) for e in catalog}
    own = {f for f in _reachable(graph, entry.document_path)
           if _owner(f, folders) == folder}
    return dependents_of_files(reg, catalog, graph, own, entry.id)


def dependents_of_file(reg: Registry, rel: str) -> Impact:
    """What depends on one registry file: its contract's dependents when it is a contract's
    document or metadata, else the file's own (a shared schema without a ``contract.yaml``,
    or one file of a multi-file contract)."""
    from ledgerpact.registry.catalog import Catalog

    ws = reg.workspace()
    if not ws.source.exists(rel):
        raise InputError("file not found in the registry", file=rel)
    catalog = Catalog(ws)
    for entry in catalog:
        if rel in (entry.document_path, entry.metadata_path):
            return dependents(reg, entry.id)
    graph = _graph(ws, [e.document_path for e in catalog])
    return dependents_of_files(reg, catalog, graph, {rel}, None)


def dependents_of_files(reg: Registry, catalog: Catalog, graph: dict[str, set[str]],
                        targets: set[str], target_id: str | None) -> Impact:
    """What depends on ``targets`` (the files of contract ``target_id``, if it is one)."""
    hop = _towards(graph, targets)
    found = [Dependent(e.id, _path(hop, e.document_path)) for e in catalog
             if e.id != target_id and e.document_path in hop]
    found.sort(key=lambda d: (len(d.via), d.id))
    involved = [*([catalog.entries[target_id]] if target_id else []),
                *(catalog.entries[d.id] for d in found)]
    declared_by: dict[str, list[str]] = {}
    for e in involved:
        for name in e.meta.consumers:
            if name != target_id:
                declared_by.setdefault(name, []).append(e.id)
    links = adapter_links(catalog.ws, reg.root, involved)
    maps = {adapter: list(dict.fromkeys(link.contract for link in found_links))
            for adapter, found_links in links.items()}
    target = target_id or next(iter(targets))
    return Impact(found, sorted(declared_by), list(links),
                  declared_by=dict(sorted(declared_by.items())), adapter_contracts=maps,
                  adapter_links=links, target=target, files=sorted(targets))


def _graph(ws: Workspace, roots: list[str]) -> dict[str, set[str]]:
    """file -> files it ``$ref``s, for every file reachable from ``roots`` (missing or
    unparsable files are leaves: validation, not impact, reports them)."""
    graph: dict[str, set[str]] = {}
    todo = deque(roots)
    while todo:
        file = todo.popleft()
        if file in graph:
            continue
        try:
            refs = file_refs(file, ws.document(file).data) if ws.source.exists(file) else set()
        except InputError:
            refs = set()
        graph[file] = refs
        todo.extend(r for r in refs if r not in graph)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for ref in graph.get(todo.pop(), ()):
            if ref not in seen:
                seen.add(ref)
                todo.append(ref)
    return seen


def _owner(file: str, folders: set[str]) -> str | None:
    folder = posixpath.dirname(file)
    while folder.startswith(CONTRACTS_DIR + "/"):
        if folder in folders:
            return folder
        folder = posixpath.dirname(folder)
    return None


def _towards(graph: dict[str, set[str]], targets: set[str]) -> dict[str, str | None]:
    """file -> next file on a shortest ``$ref`` path to a target (None: a target)."""
    users: dict[str, set[str]] = {}
    for file, refs in graph.items():
        for ref in refs:
            users.setdefault(ref, set()).add(file)
    hop: dict[str, str | None] = dict.fromkeys(targets)
    todo = deque(sorted(targets))
    while todo:
        file = todo.popleft()
        for user in sorted(users.get(file, ())):
            if user not in hop:
                hop[user] = file
                todo.append(user)
    return hop


def _path(hop: dict[str, str | None], start: str) -> list[str]:
    path = [start]
    step = hop[start]
    while step is not None:
        path.append(step)
        step = hop[step]
    return path


__all__ = ["Affected", "Dependent", "Impact", "affected", "changed_files",
           "default_base", "dependents", "dependents_of_file", "merge_base"]
