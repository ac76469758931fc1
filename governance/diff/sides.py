"""Reading one side of a diff from what the user typed: a file, ``ID``, or ``ID@REF``.

Each side gets its own workspace, so a multi-file contract is read with every ``$ref``d file
at that side's own revision (the registry as committed at REF, or the working tree).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ledgerpact.governance.diff.engine import DocSide
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry

if TYPE_CHECKING:
    from ledgerpact.registry.metadata import Compatibility


def is_file_spec(spec: str) -> bool:
    """Whether ``spec`` names a file rather than ``ID`` or ``ID@REF``. An existing file is
    a file whatever its name holds: CI workspaces are named ``job@2``. A contract id holds
    no path separator and no release or ref is named like a document, so a missing
    ``dir/x@2.yaml`` is a missing file too, not a contract at a ref."""
    if Path(spec).is_file():
        return True
    contract_id, at, _ = spec.partition("@")
    suffixed = spec.endswith((".json", ".yaml", ".yml"))
    if at:
        return suffixed or "/" in contract_id or "\\" in contract_id
    return suffixed or "/" in spec


def side_from_file(spec: str) -> DocSide:
    from ledgerpact.registry.cli_support import file_workspace

    if not Path(spec).is_file():
        raise InputError("file not found", file=spec)
    ws, rel, prefix = file_workspace(spec)
    return DocSide(ws, rel, spec, prefix=prefix)


def side_from_registry(reg: Registry, spec: str) -> DocSide:
    """``ID`` (the working tree) or ``ID@REF`` (a release, tag, branch or commit)."""
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.history import revision_for, split_spec

    contract_id, ref = split_spec(spec)
    if ref is None:
        ws = reg.workspace()
        label = f"{contract_id} (working tree)"
    else:
        rev, shown = revision_for(reg.require_repo(), contract_id, ref)
        shown = shown.removeprefix(f"{contract_id}/v")  # a release: its version says it
        ws = reg.workspace(rev, f"{contract_id}@{shown}")
        label = f"{contract_id}@{shown}"
    entry = Catalog(ws).get(contract_id)
    return DocSide(ws, entry.document_path, label, contract=contract_id,
                   kind=entry.meta.kind.value)


def side(reg: Registry | None, spec: str) -> DocSide:
    if is_file_spec(spec):
        return side_from_file(spec)
    if reg is None:
        reg = Registry.open(None)
    return side_from_registry(reg, spec)


def folder(side: DocSide, reg: Registry) -> Path:
    """The folder ``side``'s file names are relative to: the working directory for a file
    named as given (outside any registry), the folder read from for a file in a registry,
    and ``reg``'s folder for a contract at a Git ref."""
    from ledgerpact.registry.source import DirectorySource

    source = side.ws.source
    if not isinstance(source, DirectorySource):
        return reg.root
    return Path.cwd() if side.prefix else source.root


def mode_of(side: DocSide) -> Compatibility | None:
    """The compatibility mode a registry side declares; None for a plain file."""
    if not side.contract:
        return None
    from ledgerpact.registry.catalog import find_entry

    entry = find_entry(side.ws, side.contract)
    return entry.meta.compatibility if entry is not None else None


def checked(side: DocSide) -> DocSide:
    """Refuse a side that is not sound input, whether or not the diff would reach the bad
    part: every ``$ref`` is followed (URL, escape, loop, dead end), as bundling does."""
    from ledgerpact.registry.bundle import bundle

    try:
        bundle(side.ws, side.root)
    except InputError as exc:
        if side.prefix and exc.file:  # a file outside any registry: named as it was given
            exc.file = side.display(exc.file)
        raise
    return side
