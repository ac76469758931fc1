"""The check of one contract, step by step, and of every contract a change affects.

Order matters only where a step needs another's result: the diff's changes feed the version,
lifecycle, deprecation and approvals steps, and the approval decision goes back onto the
diff's breaking-change findings. A contract whose files cannot be read is reported as such
(one ``input-error`` finding) and the others are still checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledgerpact.governance.check import steps
from ledgerpact.governance.check.model import ContractCheck, Outcome, Step
from ledgerpact.governance.check.steps import Context, Sides
from ledgerpact.registry.catalog import find_entry, metadata_paths
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.governance.diff.model import Change


def sides_of(ctx: Context, contract_id: str) -> Sides:
    short = ctx.base_commit[:10]
    return Sides(contract_id, find_entry(ctx.base_ws, contract_id),
                 find_entry(ctx.rev_ws, contract_id), f"{contract_id}@{short}",
                 f"{contract_id} (working tree)")


def presence(sides: Sides, changed: set[str]) -> str:
    if sides.base is None:
        return "added"
    if sides.rev is None:
        return "removed"
    folder = sides.rev.metadata_path.rsplit("/", 1)[0] + "/"
    old_folder = sides.base.metadata_path.rsplit("/", 1)[0] + "/"
    own = any(f.startswith((folder, old_folder)) for f in changed)
    return "changed" if own else "affected"


def changes_of(ctx: Context, sides: Sides) -> list[Change]:
    """The changes from the base to the working tree under the contract's mode (the base's,
    as ``compat.compare`` rules); a contract on one side only is ``contract-added`` or
    ``contract-removed``."""
    from ledgerpact.governance.diff.since import contract_changes

    changes = contract_changes(sides.id, ctx.base_ws, sides.base, ctx.rev_ws, sides.rev,
                               (sides.base_label, sides.rev_label))
    return changes or []


def check_contract(ctx: Context, contract_id: str, reasons: list[str],
                   changed: set[str]) -> ContractCheck:
    try:
        sides = sides_of(ctx, contract_id)
    except InputError as exc:
        broken = unreadable(contract_id, reasons, exc, ctx)
        if not metadata_paths(ctx.base_ws, contract_id):
            broken.presence = "added"  # a new folder: nothing at the base to have changed
        return broken
    if sides.base is None and sides.rev is None:
        return ContractCheck(contract_id, "removed", reasons, f"{contract_id}@"
                             f"{ctx.base_commit[:10]}", "-", error=f"no contract "
                             f"{contract_id!r} at the base or in the working tree")
    result = ContractCheck(contract_id, presence(sides, changed), reasons, sides.base_label,
                           sides.rev_label if sides.rev else "(removed)",
                           mode=(sides.base or sides.entry).meta.compatibility.value,
                           lifecycle=sides.entry.meta.lifecycle.value)
    try:
        _run_steps(ctx, sides, result, changed)
    except InputError as exc:
        broken = unreadable(contract_id, reasons, exc, ctx)
        broken.presence, broken.base, broken.revision = (result.presence, result.base,
                                                         result.revision)
        broken.mode, broken.lifecycle = result.mode, result.lifecycle
        return broken
    return result


def _run_steps(ctx: Context, sides: Sides, result: ContractCheck, changed: set[str]) -> None:
    from ledgerpact.governance.diff.model import Level

    validity = steps.validity(ctx, sides)
    lint = steps.lint(ctx, sides)
    changes = changes_of(ctx, sides)
    version, verdict = steps.version(ctx, sides, changes)
    breaking = [c for c in changes if c.level is Level.BREAKING]
    approvals, approval = steps.approvals(ctx, sides, breaking)
    diff = steps.diff(sides, changes, result.mode, steps.approval_waiver(approval))
    result.steps = [validity, lint, diff, version, steps.lifecycle(ctx, sides, changes, changed),
                    steps.deprecation(ctx, sides, changes), steps.ownership(ctx, sides),
                    approvals, steps.generated_code(ctx, sides)]
    result.changes, result.version, result.approval = changes, verdict, approval


def unreadable(contract_id: str, reasons: list[str], exc: InputError,
               ctx: Context) -> ContractCheck:
    finding = steps.from_input_error(exc, contract_id)
    return ContractCheck(contract_id, "changed", reasons, f"{contract_id}@"
                         f"{ctx.base_commit[:10]}", f"{contract_id} (working tree)",
                         steps=[Step("validity", Outcome.FAILED,
                                     f"cannot be read: {exc}", [finding])],
                         error=str(exc))
