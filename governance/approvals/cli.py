"""``ledgerpact approve``: record an owner's or architect's acceptance of a breaking change.

The command works the change out itself (the same comparison as ``ledgerpact diff --base REF
ID``) rather than trusting the person typing: an approval lists exactly what it accepts and
is bound to the content hashes of both sides, and it is refused -- before anything is written
-- when there is nothing breaking to approve or when the approver could not approve it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerpact.registry.cli_support import fail, input_errors_exit_2, registry_option

if TYPE_CHECKING:
    import git

    from ledgerpact.governance.approvals.authority import Authority
    from ledgerpact.governance.approvals.record import ApprovalRecord
    from ledgerpact.governance.diff.model import Change
    from ledgerpact.registry.repository import Registry


@click.command("approve")
@click.argument("contract_id", metavar="ID")
@click.option("--reason", required=True, metavar="TEXT",
              help="Why the breaking change is accepted (consumers told, migration done, ...).")
@click.option("--base", "base_ref", metavar="REF",
              help="Compare with this Git branch, tag or commit (default: the merge base of "
                   "HEAD with the default branch, as `ledgerpact check` does).")
@click.option("--approver", metavar="@HANDLE",
              help="Who approves (default: the person whose e-mails in governance/teams.yaml "
                   "include `git config user.email`).")
@registry_option
@click.option("--dry-run", is_flag=True,
              help="Print the record instead of writing it.")
@input_errors_exit_2
def approve_cmd(contract_id: str, reason: str, base_ref: str | None, approver: str | None,
                registry_path: Path | None, dry_run: bool) -> None:
    """Record the approval of a contract's breaking changes as a file under
    governance/approvals/ID/, to commit (as the approver) with the change.

    The breaking changes are those between ID at the base and ID in the working tree. The
    approval counts in `ledgerpact check` while both sides' content is unchanged and the
    approver owns the contract (contract.yaml owners, CODEOWNERS) or is in the policy's
    architects group. Refused, with exit 2 and the reason, when nothing breaks or when the
    approver may not approve. A record is never overwritten.

    \b
    Example:
      ledgerpact approve erp-finance --reason "v1 postings retired; consumers on v2 (CHG-112)"
      ledgerpact approve money --base origin/main --approver @amara --reason "..." --dry-run
    """
    from ledgerpact.governance.approvals.content import hash_at
    from ledgerpact.governance.approvals.record import ApprovalRecord, ApprovedChange
    from ledgerpact.governance.diff.model import Level
    from ledgerpact.registry.cli_support import open_registry

    if not reason.strip():
        raise click.BadParameter("must say why the change is accepted", param_hint="--reason")
    reg = open_registry(registry_path)
    # A record is tied to its approver by the commits that add it, and the default base is
    # a merge base: neither can be told from a shallow clone's history.
    repo = reg.require_full_history("recording an approval (it is tied to its approver by "
                                    "the commits that add it)")
    base, label = _base(reg, base_ref)
    base_ws = reg.workspace(base, label)
    changes = _changes(reg, contract_id, base, label)
    breaking = [c for c in changes if c.level is Level.BREAKING]
    if not breaking:
        what = (f"{len(changes)} change{'s' if len(changes) != 1 else ''}, none breaking"
                if changes else "no change")
        fail(f"no breaking change to approve: {contract_id} has {what} since {label} "
             f"(see `ledgerpact diff --base {base_ref or base} {contract_id}`)")
    from ledgerpact.governance.approvals.authority import authority_for

    authority = authority_for(base_ws, contract_id)
    identity = _git_email(repo)
    person = approver or _approver_from(identity, authority)
    _require_may_approve(person, authority, identity)
    record = ApprovalRecord(
        contract=contract_id, approver=person, date=dt.date.today().isoformat(),
        reason=" ".join(reason.split()), base_label=label, base_commit=base,
        base_hash=hash_at(base_ws, contract_id),
        revision_hash=hash_at(reg.workspace(), contract_id),
        breaking=tuple(ApprovedChange(c.rule, c.place.file, c.place.pointer, c.message)
                       for c in breaking))
    _write(reg, record, dry_run, authority)


def _base(reg: Registry, base_ref: str | None) -> tuple[str, str]:
    """(commit, label) of the base: the merge base ``check`` compares with (one function,
    so an approval covers exactly the changes the check will find)."""
    from ledgerpact.governance.policy.base import review_base

    return review_base(reg, base_ref)


def _changes(reg: Registry, contract_id: str, base: str, label: str) -> list[Change]:
    """Every change to the contract between ``base`` and the working tree, exactly as
    ``ledgerpact diff --base`` reports them (a contract removed is a change, too)."""
    from ledgerpact.governance.diff.since import contract_changes
    from ledgerpact.registry.catalog import find_entry

    base_ws, rev_ws = reg.workspace(base, label), reg.workspace()
    old, new = find_entry(base_ws, contract_id), find_entry(rev_ws, contract_id)
    if old is None and new is None:
        from ledgerpact.registry.cli_support import catalog_for

        catalog_for(rev_ws).get(contract_id)  # raises: no such contract, "did you mean"
    changes = contract_changes(contract_id, base_ws, old, rev_ws, new,
                               (f"{contract_id}@{label}", f"{contract_id} (working tree)"))
    return changes or []


def _git_email(repo: git.Repo) -> str | None:
    """The e-mail the approver's next commit will carry: ``GIT_AUTHOR_EMAIL`` when set (it
    overrides the configuration), else ``git config user.email``."""
    email = os.environ.get("GIT_AUTHOR_EMAIL")
    if email:
        return email
    value = repo.config_reader().get_value("user", "email", default="")
    return str(value) or None


def _approver_from(email: str | None, authority: Authority) -> str:
    teams = authority.directory.file
    if email is None:
        fail(f"cannot tell who approves: git config user.email is not set; pass --approver "
             f"@handle (a person in {teams})")
    handle = authority.directory.handle_for_email(email or "")
    if handle is None:
        fail(f"cannot tell who approves: {email} (git config user.email) is no one's e-mail "
             f"in {teams}; pass --approver @handle or add the address under people")
    return str(handle)


def _require_may_approve(person: str, authority: Authority, identity: str | None) -> None:
    from ledgerpact.governance.approvals.codeowners import OWNER_HANDLE

    teams = authority.directory.file
    if not OWNER_HANDLE.fullmatch(person) or "/" in person:
        fail(f"--approver: {person!r} must be a person's handle such as '@amara' (a team "
             "cannot approve: one of its members does)")
    refusal = authority.refusal(person)
    if refusal is not None:
        fail(f"{person} may not approve breaking changes to {authority.contract}: {refusal}")
    emails = authority.directory.emails(person)
    if not emails:
        fail(f"{person} has no Git e-mail in {teams}, so a committed approval could never be "
             f"tied to them; add them under people first")
    if identity and identity.lower() not in emails:
        click.echo(f"warning: your Git e-mail {identity} is not one of {person}'s "
                   f"({', '.join(emails)}); the record counts only once {person} commits it",
                   err=True)


def _write(reg: Registry, record: ApprovalRecord, dry_run: bool, authority: Authority) -> None:
    from dataclasses import replace

    from ledgerpact.governance.approvals.record import file_name, folder_for, render
    from ledgerpact.registry.output import write_atomic

    folder = folder_for(record.contract)
    n = 1
    while (reg.root / folder / file_name(record.date, record.base_hash,
                                         record.revision_hash, n)).exists():
        n += 1  # never overwrite a decision already on disk: record this one beside it
    rel = f"{folder}/{file_name(record.date, record.base_hash, record.revision_hash, n)}"
    text = render(replace(record, path=rel))
    if dry_run:
        click.echo(text, nl=False)
        return
    write_atomic(reg.root / rel, text)
    count = len(record.breaking)
    click.echo(f"recorded {rel}: {count} breaking change{'s' if count != 1 else ''} to "
               f"{record.contract} since {record.base_label}, approved by {record.approver}")
    for change in record.breaking:
        click.echo(f"  - {change.rule}: {change.message} ({change.file} "
                   f"{change.pointer or '/'})")
    emails = ", ".join(authority.directory.emails(record.approver))
    click.echo(f"commit it as {record.approver} ({emails}) with the change: git add {rel}")
