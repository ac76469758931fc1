"""Who may approve a breaking change to a contract: its owners, or the architecture group.

Owners are the ``owners`` of the contract's ``contract.yaml`` and the CODEOWNERS owners of its
folder's files (the metadata and the document), teams expanded through
``governance/teams.yaml``; the group is the policy's ``architects``. CODEOWNERS is the
repository's, read at its root as GitHub reads it, even when the registry is a folder of a
monorepo (``codeowners.py`` maps the registry's paths onto the repository's).

All of it is read from ONE workspace, which ``evaluate`` and ``approve`` take at the pull
request's base when they know it: as GitHub reads CODEOWNERS from the base branch, a pull
request must not be able to make its author an owner, a team member or an architect and then
approve its own breaking change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerpact.governance.approvals.codeowners import CodeOwners, load_codeowners
from ledgerpact.governance.approvals.people import Directory, load_directory
from ledgerpact.governance.policy.config import load_policy
from ledgerpact.registry.catalog import find_entry
from ledgerpact.registry.metadata import METADATA_NAME
from ledgerpact.registry.repository import CONTRACTS_DIR
from ledgerpact.registry.workspace import Workspace


@dataclass(frozen=True)
class Authority:
    contract: str
    owners: tuple[str, ...]  # as written: contract.yaml owners, then CODEOWNERS owners
    architects: str
    directory: Directory

    def may_approve(self, approver: str) -> bool:
        return self.refusal(approver) is None

    def refusal(self, approver: str) -> str | None:
        """Why ``approver`` may not approve this contract's breaking changes, in plain words
        (None: they may)."""
        person = approver.lower()
        if any(person in self.directory.owner_users(owner) for owner in self.owners):
            return None
        if person in self.directory.users(self.architects):
            return None
        owners = ", ".join(self.owners) if self.owners else "no owner declared"
        return (f"{approver} is neither an owner of {self.contract} ({owners}) nor in "
                f"{self.architects}")


def authority_for(ws: Workspace, contract_id: str) -> Authority:
    """The authority over ``contract_id`` as the registry in ``ws`` defines it, with the
    CODEOWNERS of the repository holding it at the same revision. A contract not in ``ws``
    (new in the change under review) has the CODEOWNERS owners of its folder."""
    entry = find_entry(ws, contract_id)
    folder = f"{CONTRACTS_DIR}/{contract_id}"
    paths = [f"{folder}/{METADATA_NAME}"]
    declared: list[str] = []
    if entry is not None:
        paths.append(entry.document_path)
        declared = list(entry.meta.owners)
    codeowners: CodeOwners = load_codeowners(ws)
    found = declared + [owner for path in paths for owner in codeowners.owners_of(path)]
    unique = tuple(dict.fromkeys(found))
    return Authority(contract_id, unique, load_policy(ws).architects, load_directory(ws))
