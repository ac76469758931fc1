"""Does a recorded approval cover the breaking changes under review? And if not, why not?

A record counts only when all of these hold, and ``reasons`` names each one that does not:

1. it is for this contract, and both content hashes are the ones under review (so it
   approves exactly this change, not an earlier push or a base that has moved since);
   records of earlier changes (neither hash matches) are named together in one reason, as
   the folder keeps every decision ever made;
2. it lists every breaking change found now (a newer Ledgerpact may find one the approver
   never saw);
3. its approver owns the contract or is in the architecture group, as the registry at the
   authority revision (the pull request's base) says;
4. when Git tracks it at HEAD, it is read from Git (the blob, never the working-tree file)
   and every commit that added or changed it was authored with one of the approver's e-mail
   addresses in ``governance/teams.yaml``: writing a file that says "@amara approved" is not
   the same as Amara approving. A record Git does not track yet (a local run before the
   commit) is judged on 1-3 only; in CI everything is committed. A symbolic link or a
   submodule where a record would be is no record: reported, never counted
   (``authorship.py``).

Git author e-mails are only as trustworthy as the repository's rules make them: require
review of ``governance/`` by its CODEOWNERS (branch protection) and, where it matters, signed
commits. This check makes a forged or copied record visible; it cannot replace those rules.
The history is read in full for the record folder, so a shallow clone is refused (exit 2)
when a tracked record is judged: there the boundary commit appears to add every file. CI
needs a full clone (``fetch-depth: 0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledgerpact.governance.approvals.authorship import Authorship, RecordFile
from ledgerpact.governance.approvals.record import (
    ApprovalRecord,
    folder_for,
    parse_record,
    short_hash,
)
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.governance.approvals.authority import Authority
    from ledgerpact.governance.diff.model import Change
    from ledgerpact.registry.repository import Registry


@dataclass(frozen=True)
class ApprovalVerdict:
    approved: bool
    record: str | None  # the record that counts (registry-relative path)
    approver: str | None
    reasons: list[str] = field(default_factory=list)  # why each other record does not count


def evaluate(reg: Registry, contract_id: str, base_hash: str, revision_hash: str,
             breaking: Sequence[Change], *, authority_ref: str | None = None
             ) -> ApprovalVerdict:
    """The verdict on ``breaking`` (the breaking changes between the sides whose content
    hashes are given) from the records under ``governance/approvals/<contract_id>/`` (as
    committed at HEAD when Git tracks them, else as in the working tree). Owners, teams and
    architects are read at ``authority_ref`` (pass the pull request's base; None reads the
    working tree, right only for local use). With no breaking change there is nothing to
    approve: approved, no record."""
    if not breaking:
        return ApprovalVerdict(True, None, None, [])
    from ledgerpact.governance.approvals.authority import authority_for

    folder = folder_for(contract_id)
    authors = Authorship(reg, folder)
    found = authors.records()
    if not found:
        return ApprovalVerdict(False, None, None, [
            f"no approval recorded for {contract_id} (none in {folder}/): an owner or an "
            f"architect records one with `ledgerpact approve {contract_id} --reason TEXT`"])
    authority = authority_for(reg.workspace(authority_ref), contract_id)
    reasons: list[str] = []
    valid: list[ApprovalRecord] = []
    history: list[str] = []
    for file in found:
        path = file.path
        if file.refusal is not None:
            reasons.append(f"approval {path} {file.refusal}")
            continue
        try:
            record = parse_record(authors.document(file))
        except InputError as exc:
            reasons.append(f"approval {path} cannot be read, so it does not count: {exc}")
            continue
        if (record.contract == contract_id and record.base_hash != base_hash
                and record.revision_hash != revision_hash):
            history.append(path)  # an earlier change's approval: one line for all of them
            continue
        problems = [*_content_problems(record, contract_id, base_hash, revision_hash,
                                       breaking),
                    *_people_problems(file, record, authority, authors)]
        reasons.extend(f"approval {path} {problem}" for problem in problems)
        if not problems:
            valid.append(record)
    if history:
        reasons.append(_history_reason(history, base_hash, revision_hash))
    if not valid:
        return ApprovalVerdict(False, None, None, reasons)
    chosen = max(valid, key=lambda r: (r.date, r.path))
    return ApprovalVerdict(True, chosen.path, chosen.approver, reasons)


def _history_reason(paths: list[str], base_hash: str, revision_hash: str) -> str:
    """The records of earlier changes, which every later check finds in the folder: named
    (up to three) and explained once, so a long history does not bury the other reasons."""
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    n = len(paths)
    return (f"{'approval' if n == 1 else f'{n} approvals'} {shown} "
            f"{'was' if n == 1 else 'were'} recorded for other content (earlier changes): "
            f"base and revision both differ from the base {short_hash(base_hash)} and the "
            f"revision {short_hash(revision_hash)} under review")


def _content_problems(record: ApprovalRecord, contract_id: str, base_hash: str,
                      revision_hash: str, breaking: Sequence[Change]) -> list[str]:
    if record.contract != contract_id:
        return [f"was recorded for contract {record.contract!r}, not {contract_id!r}"]
    drifted = []
    if record.base_hash != base_hash:
        drifted.append(f"base {short_hash(record.base_hash)} but the base is now "
                       f"{short_hash(base_hash)}")
    if record.revision_hash != revision_hash:
        drifted.append(f"revision {short_hash(record.revision_hash)} but the contract is now "
                       f"{short_hash(revision_hash)}")
    if drifted:
        return [f"was recorded for other content: {'; '.join(drifted)}"]
    missing = [c for c in breaking if not _covered(record, c)]
    if not missing:
        return []
    shown = ", ".join(f"{c.rule} at {c.place.pointer or '/'} ({c.place.file})"
                      for c in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return [f"does not cover {len(missing)} of the {len(breaking)} breaking changes found "
            f"now: {shown}{more}"]


def _covered(record: ApprovalRecord, change: Change) -> bool:
    place = change.place
    return any(a.rule == change.rule and a.pointer == place.pointer
               and (not a.file or a.file == place.file) for a in record.breaking)


def _people_problems(file: RecordFile, record: ApprovalRecord, authority: Authority,
                     authors: Authorship) -> list[str]:
    problems = []
    refusal = authority.refusal(record.approver)
    if refusal is not None:
        problems.append(f"does not count: {refusal}")
    problems.extend(authors.problems(file, record, authority))
    return problems
