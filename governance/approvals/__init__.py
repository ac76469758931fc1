"""Approvals: an owner's or architect's recorded decision to accept a breaking change.

A breaking change to a contract that is not a draft fails ``ledgerpact check`` until someone
entitled to accept it says so, in the repository, for exactly that change:

- ``ledgerpact approve ID --reason TEXT`` diffs the contract between the base and the working
  tree, refuses when nothing breaks or when the approver may not approve, and writes a record
  (``record.py``) bound to the content hashes of both sides (``content.py``);
- the record is committed by the approver and reviewed in the pull request like any file;
- ``check`` asks ``evaluate`` (``verdict.py``), which accepts a record only while the content
  still matches, the approver owns the contract (``contract.yaml``, CODEOWNERS:
  ``codeowners.py``) or is an architect (``governance/policy.yaml``), teams expanded through
  ``governance/teams.yaml`` (``people.py``), and the commit is the approver's own; otherwise
  it says, record by record, why not.

The names other packages use are importable from here (loaded on first use: this package is
imported whenever the ``ledgerpact`` command starts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerpact.governance.approvals.content import (
        ABSENT_HASH,
        content_hash,
        hash_at,
    )
    from ledgerpact.governance.approvals.verdict import ApprovalVerdict, evaluate

__all__ = ["ABSENT_HASH", "ApprovalVerdict", "content_hash", "evaluate", "hash_at"]

_HOME = {"ABSENT_HASH": "content", "content_hash": "content",
         "hash_at": "content", "ApprovalVerdict": "verdict", "evaluate": "verdict"}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
