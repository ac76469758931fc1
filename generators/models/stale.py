"""Committed generated models that no longer match their contract.

A generated module's header names the contract and the content hash it was generated from
(``header.py``), so finding stale code costs a ``git grep`` for the header and a hash per
contract; only code whose hash still matches is regenerated, to catch hand edits and output of
another generator version; a package missing one of its files is reported too. This is the
function ``ledgerpact check`` calls; it decides nothing about pass or fail, it says what is out
of date and why.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerpact.generators.models.header import MARKER, Header, read_header
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.generators.models.generate import GeneratedModels
    from ledgerpact.registry.repository import Registry
    from ledgerpact.registry.workspace import Workspace

_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})


def _grep(reg: Registry, ws: Workspace) -> list[str]:
    """Registry-relative paths of Python files that carry the generated-code marker."""
    from ledgerpact.registry.source import GitSource

    repo = reg.repo
    if repo is None or reg.git_root is None:
        return _walk(reg.root)
    prefix = reg.root.relative_to(reg.git_root).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    if isinstance(ws.source, GitSource):
        args = ["-l", "-F", "-e", f"# {MARKER}", ws.source.commit.hexsha, "--", "*.py"]
    else:
        args = ["-l", "--untracked", "-F", "-e", f"# {MARKER}", "--", "*.py"]
    import git

    try:
        out = repo.git.grep(*args, with_extended_output=False)
    except git.GitCommandError as exc:
        if exc.status == 1:  # git grep: nothing found
            return []
        raise
    found = []
    for line in str(out).splitlines():
        path = line.split(":", 1)[1] if isinstance(ws.source, GitSource) else line
        if path.startswith(prefix):
            found.append(path[len(prefix):])
    return sorted(found)


def _walk(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                         and not (Path(folder) / d / "pyvenv.cfg").exists())
        for name in files:
            if not name.endswith(".py"):
                continue
            path = Path(folder) / name
            try:
                with path.open(encoding="utf-8") as handle:
                    head = handle.read(2048)
            except (OSError, UnicodeDecodeError):
                continue
            if f"# {MARKER}" in head:
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def committed_models(reg: Registry, contract_id: str, ws: Workspace | None = None
                     ) -> dict[str, Header]:
    """Every generated module in the registry (as ``ws`` sees it: the working tree by
    default) generated from ``contract_id``, with its header."""
    ws = ws or reg.workspace()
    found: dict[str, Header] = {}
    for path in _grep(reg, ws):
        try:
            header = read_header(ws.source.read(path)[:4096].decode("utf-8", "replace"))
        except InputError:
            continue
        if header is not None and header.contract == contract_id:
            found[path] = header
    return found


def stale_models(reg: Registry, contract_id: str, ws: Workspace | None = None, *,
                 regenerate: bool = True) -> list[str]:
    """What is out of date among the committed models of ``contract_id``, one line each:
    ``path: why``. Empty when everything is current (or nothing was generated: see
    ``committed_models``). ``regenerate`` also compares code whose hash still matches with
    a fresh generation (hand edits, another generator version)."""
    from ledgerpact.generators.models.generate import (
        contract_from_entry,
        generate_models,
        generator_label,
    )
    from ledgerpact.registry.catalog import find_entry

    ws = ws or reg.workspace()
    committed = committed_models(reg, contract_id, ws)
    if not committed:
        return []
    entry = find_entry(ws, contract_id)
    problems: list[str] = []
    if entry is None:
        return [f"{path}: generated from {contract_id} {h.version}, which is no longer in the "
                "registry; delete the generated code" for path, h in committed.items()]
    contract = contract_from_entry(ws, entry)
    fresh: GeneratedModels | None = None
    for path, header in committed.items():
        how = _how_to_regenerate(path, contract_id)
        if header.content_hash != contract.content_hash:
            problems.append(
                f"{path}: generated from {contract_id} {header.version} ({header.content_hash}"
                f"), but the contract is now {contract.version} ({contract.content_hash}); "
                f"{how}")
            continue
        if not regenerate:
            continue
        fresh = fresh or generate_models(contract)
        expected = fresh.files.get(f"{fresh.package}/{posixpath.basename(path)}")
        if expected is not None and ws.source.read(path) != expected:
            label = generator_label()
            why = (f"was written by {header.generator}, this is {label}"
                   if header.generator != label else "was edited after it was generated")
            problems.append(f"{path}: {why}; {how}")
    return problems + _missing_files(ws, committed, contract_id)


def _missing_files(ws: Workspace, committed: dict[str, Header], contract_id: str) -> list[str]:
    """Files of a package that has committed models but not all its files. The header check
    sees only files that are there, so a deleted ``_types.py`` (an import error for every
    user) or ``py.typed`` (types silently gone) would otherwise pass as current."""
    from ledgerpact.generators.models.generate import PACKAGE_FILES

    problems = []
    for package_dir in sorted({posixpath.dirname(path) for path in committed}):
        for name in PACKAGE_FILES:
            path = posixpath.join(package_dir, name)
            if path not in committed and not ws.source.exists(path):
                problems.append(f"{path}: is missing from the generated package of "
                                f"{contract_id}; {_how_to_regenerate(path, contract_id)}")
    return problems


def deleted_packages(reg: Registry, contract_id: str, base_ws: Workspace,
                     ws: Workspace | None = None) -> list[str]:
    """Generated packages of ``contract_id`` committed at ``base_ws`` (the pull request's base)
    of which nothing is left in ``ws``, one line each. ``stale_models`` sees only packages that
    are still there (a package missing some of its files is its business), so a package
    deleted whole would pass silently while the adapter code that imports it breaks. A
    package whose contract is gone too is not reported: deleting it is what ``stale_models``
    asks for then."""
    from ledgerpact.generators.models.generate import PACKAGE_FILES
    from ledgerpact.registry.catalog import find_entry

    ws = ws or reg.workspace()
    before = committed_models(reg, contract_id, base_ws)
    if not before or find_entry(ws, contract_id) is None:
        return []
    problems = []
    for package_dir in sorted({posixpath.dirname(path) for path in before}):
        files = {posixpath.join(package_dir, name) for name in PACKAGE_FILES} | {
            path for path in before if posixpath.dirname(path) == package_dir}
        if any(ws.source.exists(path) for path in files):
            continue
        version = next(h.version for path, h in sorted(before.items())
                       if posixpath.dirname(path) == package_dir)
        problems.append(
            f"{package_dir}/: the generated package of {contract_id} {version} was deleted; "
            f"{_how_to_regenerate(posixpath.join(package_dir, '__init__.py'), contract_id)}, "
            "or retire the contract if no adapter uses it any more")
    return problems


def _how_to_regenerate(path: str, contract_id: str) -> str:
    package_dir = posixpath.dirname(path)
    out = posixpath.dirname(package_dir) or "."
    return f"regenerate with `ledgerpact generate models {contract_id} --out {out} --replace`"
