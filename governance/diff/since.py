"""One contract's changes between two registry sides (a Git ref and the working tree).

``diff --base``, ``approve`` and ``check`` all ask the same question of a contract: did it (or
any file it ``$ref``s) change, and how? A contract on one side only is ``contract-added`` or
``contract-removed``; otherwise the two documents are diffed under the base's compatibility
mode (compat.compare). Entries come from ``find_entry``, so the answer costs what the
contract costs, not what the registry does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerpact.governance.diff.model import Change

if TYPE_CHECKING:
    from ledgerpact.registry.catalog import Entry
    from ledgerpact.registry.workspace import Workspace


def contract_changes(contract_id: str, base_ws: Workspace, old: Entry | None,
                     rev_ws: Workspace, new: Entry | None,
                     labels: tuple[str, str]) -> list[Change] | None:
    """The changes, or None when the contract is byte-for-byte the same on both sides (or
    on neither)."""
    from ledgerpact.governance.diff.compat import compare
    from ledgerpact.governance.diff.engine import DocSide
    from ledgerpact.governance.diff.sides import checked

    if old is None or new is None:
        if old is None and new is None:
            return None
        return presence_changes(contract_id, old, new, base_ws, rev_ws, labels)
    if not differs(base_ws, old, rev_ws, new):
        return None
    base = DocSide(base_ws, old.document_path, labels[0], contract=contract_id,
                   kind=old.meta.kind.value)
    rev = DocSide(rev_ws, new.document_path, labels[1], contract=contract_id,
                  kind=new.meta.kind.value)
    return compare(checked(base), checked(rev))


def differs(base_ws: Workspace, old: Entry, rev_ws: Workspace, new: Entry) -> bool:
    """Whether the contract's metadata, document or any file it $refs differs."""
    from ledgerpact.registry.bundle import bundle

    before = bundle(base_ws, old.document_path).files
    after = bundle(rev_ws, new.document_path).files
    if before != after:
        return True
    files = [new.metadata_path, *after]
    return any(base_ws.source.read(f) != rev_ws.source.read(f) for f in files)


def presence_changes(contract_id: str, old: Entry | None, new: Entry | None,
                     base_ws: Workspace, rev_ws: Workspace,
                     labels: tuple[str, str]) -> list[Change]:
    """A contract on one side only: the ``contract`` rules (added, removed) run on its
    metadata, located at its ``contract.yaml``."""
    from ledgerpact.governance.diff.engine import DocSide, Engine
    from ledgerpact.governance.diff.model import Direction
    from ledgerpact.governance.diff.pairs import Pair
    from ledgerpact.governance.lint.model import Loc

    present = new or old
    assert present is not None
    where = present.metadata_path
    engine = Engine(DocSide(base_ws, where, labels[0], contract=contract_id),
                    DocSide(rev_ws, where, labels[1], contract=contract_id))
    loc = Loc(where, "")
    engine.run(Pair("contract", old.meta.model_dump(mode="json") if old else None,
                    new.meta.model_dump(mode="json") if new else None,
                    loc if old else None, loc if new else None, Direction.NONE,
                    contract_id, engine))
    return engine.finish()
