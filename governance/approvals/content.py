"""Content hashes: what an approval is bound to.

An approval must stop counting the moment the change it approved is no longer the change under
review (another commit on the branch, a rebase onto a base that moved, an edit to a shared
schema the contract ``$ref``s). Binding it to the hashes of the whole contract on both sides
gives exactly that: a hash covers ``contract.yaml`` (owners, lifecycle, compatibility mode are
part of what was approved) and every file the document uses, by path and bytes, read at that
side's revision. Paths are sorted, so the hash does not depend on the order files are found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ledgerpact.registry.catalog import Entry, find_entry
from ledgerpact.registry.workspace import Workspace


def _digest(ws: Workspace, files: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        data = ws.source.read(path)
        # Length-prefixed, so no two different file sets can produce the same byte stream.
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return f"sha256:{digest.hexdigest()}"


# A contract that does not exist on a side (added, or removed) hashes as no files at all, so
# the approval of a removal is bound to "the contract is gone" like any other content.
ABSENT_HASH = "sha256:" + hashlib.sha256(b"").hexdigest()


def content_hash(ws: Workspace, entry: Entry) -> str:
    """``sha256:<hex>`` over the contract's ``contract.yaml`` and every file of its bundle."""
    from ledgerpact.registry.bundle import bundle

    return _digest(ws, [entry.metadata_path, *bundle(ws, entry.document_path).files])


def hash_at(ws: Workspace, contract_id: str) -> str:
    """The contract's content hash in ``ws``, or ``ABSENT_HASH`` when it is not there."""
    entry = find_entry(ws, contract_id)
    return ABSENT_HASH if entry is None else content_hash(ws, entry)
