"""What a contract's lifecycle allows a change to do.

- ``draft``: anything. Nobody depends on a draft yet, so breaking changes need neither an
  approval nor a deprecation period (``needs_approval`` says so to ``check``).
- ``active``: the ordinary rules (compatibility mode, versions, approvals, deprecation).
- ``deprecated``: no additions. An addition is a change whose diff rule is *additive* (the diff
  catalogue's own word for "an addition when not breaking", e.g. an operation, a field, an
  enum value, a widened limit), whatever its level, except marking something else deprecated,
  which is what a deprecated contract is for.
- ``retired``: no change at all: its document, the files it uses and its metadata stay as they
  are. Deleting the retired contract is allowed (Git keeps it).

The lifecycle that governs a change is the contract's lifecycle *at the base*: that is what
its consumers were told. So promoting a draft to active is free, retiring a deprecated
contract is allowed, and reviving a deprecated contract to add to it takes two reviewed
changes. Moving a published contract back to draft is refused: it would switch all the rules
off while consumers still depend on it. Retiring an active contract is refused as deleting it
is: either ends it at once, with no deprecation period for its consumers. (Retiring a draft
is as free as deleting it: nobody depends on a draft.)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ledgerpact.governance.diff.model import Bump, Change
from ledgerpact.governance.policy.model import PolicyFinding, finding, review_place
from ledgerpact.registry.catalog import Entry
from ledgerpact.registry.metadata import Lifecycle

# Additive by the catalogue, but deprecating part of a deprecated contract is welcome.
_DEPRECATIONS = frozenset({"operation-deprecated", "parameter-deprecated",
                           "header-deprecated", "schema-deprecated", "webhook-deprecated",
                           "callback-deprecated"})


def needs_approval(entry: Entry) -> bool:
    """Whether a breaking change to this contract needs an approval (not for a draft)."""
    return entry.meta.lifecycle is not Lifecycle.DRAFT


def lifecycle_findings(contract_id: str, base_entry: Entry | None, rev_entry: Entry | None,
                       changes: Iterable[Change], *,
                       changed_files: Collection[str] = ()) -> list[PolicyFinding]:
    """The lifecycle rules ``changes`` (base to revision, for this contract) break.

    ``changed_files``: the contract's files that differ (its document, the files it uses and
    its ``contract.yaml``), when the caller knows them. A retired contract must not change
    even where the diff sees nothing (a description, an example), and only the files can
    show that."""
    if base_entry is None:
        return []  # a new contract: nothing was promised yet
    state = base_entry.meta.lifecycle
    if state is Lifecycle.DRAFT:
        return []
    out: list[PolicyFinding] = []
    if rev_entry is None and state is Lifecycle.ACTIVE:
        out.append(finding(
            "lifecycle-active-removed",
            f"{contract_id} is active and was deleted: deprecate it first (with a sunset "
            "date its consumers can plan for), then retire or delete it in a later change",
            file=base_entry.metadata_path, pointer="/lifecycle", line=1, contract=contract_id))
    if (rev_entry is not None and state is Lifecycle.ACTIVE
            and rev_entry.meta.lifecycle is Lifecycle.RETIRED):
        out.append(finding(
            "lifecycle-active-removed",
            f"{contract_id} is active and was retired: deprecate it first (with a sunset "
            "date its consumers can plan for), then retire or delete it in a later change",
            file=rev_entry.metadata_path, pointer="/lifecycle", line=1, contract=contract_id))
    if rev_entry is not None and rev_entry.meta.lifecycle is Lifecycle.DRAFT:
        out.append(finding(
            "lifecycle-back-to-draft",
            f"lifecycle changed from {state.value} to draft: a published contract cannot go "
            "back to draft (its consumers still depend on it); make the changes as "
            f"{state.value}, or publish a new contract",
            file=rev_entry.metadata_path, pointer="/lifecycle", line=1, contract=contract_id))
    if state is Lifecycle.RETIRED and rev_entry is not None:
        out += _retired(contract_id, base_entry, rev_entry, list(changes), changed_files)
    elif state is Lifecycle.DEPRECATED:
        out += [_addition(contract_id, c) for c in changes if _is_addition(c)]
    return out


def _is_addition(change: Change) -> bool:
    if change.rule in _DEPRECATIONS:
        return False
    from ledgerpact.governance.diff.catalog import get_rule

    try:
        return get_rule(change.rule).additive
    except KeyError:  # a rule this version does not know: its bump still says
        return change.bump is Bump.MINOR


def _addition(contract_id: str, change: Change) -> PolicyFinding:
    place = review_place(change)
    return finding(
        "lifecycle-deprecated-addition",
        f"{contract_id} is deprecated and accepts no additions: {change.message} "
        f"({change.rule}); add it to the contract that replaces it instead",
        file=place.file, pointer=place.pointer, line=place.line, contract=contract_id)


def _retired(contract_id: str, base: Entry, rev: Entry, changes: list[Change],
             changed_files: Collection[str]) -> list[PolicyFinding]:
    out = []
    fields = _metadata_differences(base, rev)
    if fields:
        what = "; ".join(fields)
        out.append(finding(
            "lifecycle-retired-changed",
            f"{contract_id} is retired and must not change, but its metadata did: {what}",
            file=rev.metadata_path, pointer="", line=1, contract=contract_id))
    for change in changes:
        place = review_place(change)
        out.append(finding(
            "lifecycle-retired-changed",
            f"{contract_id} is retired and must not change: {change.message} ({change.rule})",
            file=place.file, pointer=place.pointer, line=place.line, contract=contract_id))
    if not out and changed_files:
        files = ", ".join(sorted(changed_files))
        out.append(finding(
            "lifecycle-retired-changed",
            f"{contract_id} is retired and must not change, but its files did: {files}",
            file=rev.document_path, pointer="", line=1, contract=contract_id))
    return out


def _metadata_differences(base: Entry, rev: Entry) -> list[str]:
    """Each ``contract.yaml`` field that differs, as "lifecycle: retired -> active"."""
    old: dict[str, Any] = base.meta.model_dump(mode="json")
    new: dict[str, Any] = rev.meta.model_dump(mode="json")
    return [f"{key}: {_show(old.get(key))} -> {_show(new.get(key))}"
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "(none)" if value is None else str(value)
