"""The steps of a check, one function each, over one contract at two sides.

Each step turns what another part of Ledgerpact decides (the validator, lint, the diff, the
version rules, the policy, the approvals) into a ``Step``: an outcome, one line of plain
words, and located findings. A step never decides what another step owns: the diff lists
changes, the approvals step decides whether the breaking ones are accepted, and the diff's
findings only carry that decision (as a waiver) so every report shows it the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ledgerpact.governance.check import catalog
from ledgerpact.governance.check.model import Approval, Step, not_applicable, step
from ledgerpact.governance.lint.model import LintFinding, Severity
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.governance.diff.model import Change
    from ledgerpact.governance.diff.versioning import VersionVerdict
    from ledgerpact.governance.lint.engine import LintOptions
    from ledgerpact.governance.lint.waivers import Waiver
    from ledgerpact.governance.policy.config import Policy
    from ledgerpact.registry.catalog import Catalog, Entry
    from ledgerpact.registry.findings import Finding
    from ledgerpact.registry.repository import Registry
    from ledgerpact.registry.workspace import Workspace


@dataclass
class Context:
    """What every contract's check shares: the registry, both sides, the settings."""

    reg: Registry
    base_commit: str
    base_ws: Workspace
    rev_ws: Workspace
    policy: Policy
    today: dt.date
    lint: LintOptions
    waivers: list[Waiver] = field(default_factory=list)
    owners_known: set[str] | None = None  # handles governance/teams.yaml knows; None: no file
    # the rules lint ran, as reports name them: never "recommended" when a custom ruleset
    # (the registry's .spectral.yaml) decided them
    lint_label: str = "recommended ruleset"
    # the working tree's contracts, so a waiver naming none of them is reported; None when
    # the registry's contracts/ cannot be listed
    catalog: Catalog | None = None


@dataclass
class Sides:
    """One contract at the base and in the working tree (None where it does not exist)."""

    id: str
    base: Entry | None
    rev: Entry | None
    base_label: str
    rev_label: str

    @property
    def entry(self) -> Entry:
        """The entry that describes the contract now (its base when it was removed)."""
        found = self.rev or self.base
        assert found is not None
        return found


# -- findings from the other parts' results ---------------------------------------------------


def located(ws: Workspace, file: str, pointer: str, rule: str, severity: Severity,
            message: str, contract: str) -> LintFinding:
    """A finding at ``pointer`` in ``file``, with its line and column when the file reads."""
    try:
        line, column = ws.document(file).position(pointer) or (1, 1)
    except InputError:
        line, column = 0, 0
    return LintFinding(file, line, column, pointer, rule, severity, message, contract)


def from_input_error(exc: InputError, contract: str) -> LintFinding:
    return LintFinding(exc.file or "", exc.line or 0, 1 if exc.line else 0, exc.pointer or "",
                       catalog.INPUT_ERROR, Severity.ERROR, " ".join(exc.message.split()),
                       contract)


def _from_validation(finding: Finding) -> LintFinding:
    return LintFinding(finding.file, finding.line or 0, 1 if finding.line else 0,
                       finding.pointer, finding.rule, Severity.parse(finding.severity),
                       finding.message, finding.contract)


def _from_policy(finding: Any) -> LintFinding:
    """A ``PolicyFinding`` (rule, severity, message, file, pointer, line, contract)."""
    return LintFinding(finding.file, finding.line or 0, 1 if finding.line else 0,
                       finding.pointer, finding.rule, Severity.parse(finding.severity),
                       finding.message, finding.contract)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _problems(findings: list[LintFinding]) -> str:
    errors = sum(1 for f in findings if f.severity is Severity.ERROR and not f.waived_by)
    warnings = sum(1 for f in findings if f.severity is Severity.WARN and not f.waived_by)
    return ", ".join(p for p in (_plural(errors, "error") if errors else "",
                                 _plural(warnings, "warning") if warnings else "") if p)


# -- the steps ------------------------------------------------------------------------------


def validity(ctx: Context, sides: Sides) -> Step:
    """``registry validate`` of the contract: structure, every $ref, every example."""
    if sides.rev is None:
        return not_applicable("validity", "the contract was removed: nothing to validate")
    from ledgerpact.registry.validate import validate_entry

    found = [_from_validation(f) for f in validate_entry(ctx.rev_ws, sides.rev)]
    summary = (f"invalid: {_problems(found)}" if found
               else "structure, $refs and examples are valid")
    return step("validity", summary, found)


def lint(ctx: Context, sides: Sides) -> Step:
    """``ledgerpact lint ID``: the recommended ruleset (or the registry's .spectral.yaml)
    and the registry's waivers -- this contract's, and, as lint reports them whatever it
    lints, any naming a contract that exists nowhere. The ``structure`` rule is left to the
    validity step, which checks the same thing with the full validator, so a broken
    document is not reported twice."""
    entry = sides.rev
    if entry is None:
        return not_applicable("lint", "the contract was removed: nothing to lint")
    if entry.meta.kind.value == "json-schema":
        return not_applicable("lint", "lint rules apply to OpenAPI and AsyncAPI documents; a "
                                      "JSON Schema contract is checked by validity and diff")
    from ledgerpact.governance.lint.engine import lint as run_lint

    found = run_lint(ctx.rev_ws, entry.document_path, ctx.lint,
                     metadata=entry.meta.model_dump(mode="json"), contract=entry.id)
    if ctx.waivers:
        from ledgerpact.governance.lint.waivers import WaiverScope, apply_waivers

        # as `ledgerpact lint ID` scopes them: this contract's waivers, and any whose
        # contract exists nowhere in the registry (stale, with the contract it likely meant)
        scope = WaiverScope(ctx.reg.root, [entry.id], ctx.catalog,
                            {r.id for r in ctx.lint.rules()})
        found = apply_waivers(found, ctx.waivers, ctx.today, roots=(ctx.reg.root,),
                              in_scope=scope, hint=scope.hint).findings
    counts = {s: 0 for s in (Severity.ERROR, Severity.WARN, Severity.INFO, Severity.HINT)}
    for f in found:
        if not f.waived_by:
            counts[f.severity] += 1
    waived = sum(1 for f in found if f.waived_by)
    summary = (", ".join(f"{n} {s.label}" for s, n in counts.items())
               + f", {waived} waived ({ctx.lint_label})")
    return step("lint", summary, found)


def diff(sides: Sides, changes: list[Change], mode: str, approved_by: str) -> Step:
    """The changes against the base under the base's compatibility mode: breaking ones fail
    unless ``approved_by`` says why they may stand. (A ``_TRANSITIVE`` mode's comparison with
    every earlier release is ``ledgerpact compat``'s, which the pull-request workflow runs:
    an approval here is bound to this base and revision only.)"""
    from ledgerpact.governance.diff.model import Level
    from ledgerpact.governance.diff.report.adapt import finding
    from ledgerpact.governance.diff.report.summary import counts_text

    found = []
    for change in changes:
        f = finding(change, sides.id)
        if change.level is Level.BREAKING and approved_by:
            f = replace(f, waived_by=approved_by)
        found.append(f)
    against = f"against {sides.base_label}" if sides.base else "new contract"
    summary = f"{counts_text(changes)} {against} under {mode}"
    return step("diff", summary, found)


def version(ctx: Context, sides: Sides, changes: list[Change]
            ) -> tuple[Step, VersionVerdict | None]:
    """The version moved as far as the changes require (versioning.check_version)."""
    if sides.base is None:
        return not_applicable("version", f"new contract at version "
                                         f"{sides.rev.version(ctx.rev_ws) if sides.rev else '?'}"
                                         ": nothing to compare with"), None
    if sides.rev is None:
        return not_applicable("version", "the contract was removed: no version to check"), None
    from ledgerpact.governance.diff.versioning import check_version

    base_v = _parsed_version(ctx.base_ws, sides.base)
    rev_v = _parsed_version(ctx.rev_ws, sides.rev)
    verdict = check_version(base_v, rev_v, changes)
    found = []
    if not verdict.ok:
        file, pointer = _version_place(sides.rev)
        found.append(located(ctx.rev_ws, file, pointer, catalog.VERSION_BUMP, Severity.ERROR,
                             verdict.message, sides.id))
    return step("version", verdict.message, found), verdict


def _version_place(entry: Entry) -> tuple[str, str]:
    if entry.meta.kind.value == "json-schema":
        return entry.metadata_path, "/version"
    return entry.document_path, "/info/version"


def _parsed_version(ws: Workspace, entry: Entry) -> Any:
    from ledgerpact.registry.semver import Version

    try:
        return Version.parse(entry.version(ws))
    except ValueError as exc:
        raise ws.error(str(exc), *_version_place(entry)) from None


def lifecycle(ctx: Context, sides: Sides, changes: list[Change], changed: set[str]) -> Step:
    """draft: anything goes; deprecated: no additions; retired: no change at all (not even
    one the diff does not see, so a retired contract's changed files are handed over)."""
    from ledgerpact.governance.policy.lifecycle import lifecycle_findings

    own: set[str] = set()
    if sides.base is not None and sides.base.meta.lifecycle.value == "retired":
        # Its own folder only: a shared schema it $refs may change for the contracts that
        # are alive (if the change reaches this one, the diff says so and that fails).
        folder = sides.base.metadata_path.rsplit("/", 1)[0] + "/"
        own = {f for f in _contract_files(ctx, sides) if f in changed and f.startswith(folder)}
    found = [_from_policy(f) for f in lifecycle_findings(sides.id, sides.base, sides.rev,
                                                          changes, changed_files=own)]
    states = [e.meta.lifecycle.value for e in (sides.base, sides.rev) if e is not None]
    state = " -> ".join(dict.fromkeys(states))
    summary = (f"{state}: {_problems(found)}" if _problems(found)
               else f"{state}: the changes are allowed")
    return step("lifecycle", summary, found)


def _contract_files(ctx: Context, sides: Sides) -> set[str]:
    """Every file of the contract on either side: contract.yaml and its bundle's files."""
    from ledgerpact.registry.bundle import bundle

    files: set[str] = set()
    for ws, entry in ((ctx.base_ws, sides.base), (ctx.rev_ws, sides.rev)):
        if entry is not None:
            files |= {entry.metadata_path, *bundle(ws, entry.document_path).files}
    return files


def deprecation(ctx: Context, sides: Sides, changes: list[Change]) -> Step:
    """Every removal was deprecated, with a sunset date that has come, long enough ago."""
    from ledgerpact.governance.policy.deprecation import deprecation_findings

    days = ctx.policy.deprecation_days
    found = [_from_policy(f) for f in deprecation_findings(ctx.reg, ctx.base_commit, changes,
                                                            ctx.policy, ctx.today)]
    summary = (f"{_problems(found)} (removals need a deprecation with an x-sunset date, "
               f"announced at least {days} days before)" if _problems(found)
               else f"no removal breaks the deprecation policy ({days} days)")
    return step("deprecation", summary, found)


def ownership(ctx: Context, sides: Sides) -> Step:
    """The contract names owners (and, when governance/teams.yaml exists, owners it knows:
    an unknown handle could never approve anything)."""
    entry = sides.entry
    ws = ctx.rev_ws if sides.rev is not None else ctx.base_ws
    owners = list(entry.meta.owners)
    found = []
    if not owners:
        found.append(located(ws, entry.metadata_path, "/owners", catalog.OWNERS_DECLARED,
                             Severity.ERROR, "the contract names no owners", sides.id))
    if ctx.owners_known is not None:
        for n, owner in enumerate(owners):
            if owner.lower() not in ctx.owners_known:
                found.append(located(
                    ws, entry.metadata_path, f"/owners/{n}", catalog.OWNER_UNKNOWN,
                    Severity.WARN, f"owner {owner} is neither a team nor a person in "
                                   "governance/teams.yaml, so it can approve nothing",
                    sides.id))
    summary = ", ".join(owners) if owners else "no owners"
    return step("ownership", summary, found)


def approvals(ctx: Context, sides: Sides, breaking: list[Change]) -> tuple[Step, Approval]:
    """A breaking change needs a valid approval, unless the contract was a draft at the
    base. The base's lifecycle governs: consumers relied on what the base promised, so a pull
    request cannot escape approval by relabelling an active contract as a draft."""
    from ledgerpact.governance.approvals import ABSENT_HASH, content_hash, evaluate
    from ledgerpact.governance.policy.lifecycle import needs_approval

    if not breaking:
        return (not_applicable("approvals", "no breaking change: nothing to approve"),
                Approval(required=False, approved=False))
    governing = sides.base or sides.entry
    n = _plural(len(breaking), "breaking change")
    if not needs_approval(governing):
        note = (f"{n} allowed without approval: the contract is a "
                f"{governing.meta.lifecycle.value}")
        return step("approvals", note), Approval(required=False, approved=False, note=note)
    base_hash = content_hash(ctx.base_ws, sides.base) if sides.base else ABSENT_HASH
    rev_hash = content_hash(ctx.rev_ws, sides.rev) if sides.rev else ABSENT_HASH
    # Who may approve is read at the base: a pull request cannot make its author an owner.
    verdict = evaluate(ctx.reg, sides.id, base_hash, rev_hash, breaking,
                       authority_ref=ctx.base_commit)
    approval = Approval(required=True, approved=bool(verdict.approved),
                        approver=verdict.approver, record=verdict.record,
                        reasons=list(verdict.reasons))
    if approval.approved:
        return step("approvals", f"{n} approved by {verdict.approver} ({verdict.record})"), \
            approval
    entry = sides.entry
    ws = ctx.rev_ws if sides.rev is not None else ctx.base_ws
    who = ", ".join(entry.meta.owners)
    why = "; ".join(approval.reasons) or "no approval is recorded for this change"
    how = ("" if "ledgerpact approve" in why else
           f"; record one with `ledgerpact approve {sides.id} --reason TEXT` and commit it")
    message = (f"{n} need{'s' if len(breaking) == 1 else ''} an approval by an owner ({who}) "
               f"or {ctx.policy.architects}: {why}{how}")
    found = [located(ws, entry.metadata_path, "", catalog.APPROVAL_REQUIRED, Severity.ERROR,
                     message, sides.id)]
    return step("approvals", f"{n} not approved: {why}", found), approval


def approval_waiver(approval: Approval) -> str:
    """The justification breaking-change findings carry once accepted."""
    if approval.approved:
        return f"approved by {approval.approver} in {approval.record}"
    if not approval.required and approval.note:
        return approval.note
    return ""


def generated_code(ctx: Context, sides: Sides) -> Step:
    """Committed models generated from this contract (found by their header) must be what
    the contract generates now, and a package committed at the base may not be deleted whole
    while its contract lives; with none committed there is nothing to compare."""
    from ledgerpact.generators.models import committed_models, deleted_packages, stale_models

    committed = committed_models(ctx.reg, sides.id, ctx.rev_ws)
    deleted = deleted_packages(ctx.reg, sides.id, ctx.base_ws, ctx.rev_ws)
    if not committed and not deleted:
        return not_applicable("generated-code", "no committed code is generated from this "
                                                "contract")
    problems = (stale_models(ctx.reg, sides.id, ctx.rev_ws) if committed else []) + deleted
    found = [LintFinding(path, 1, 1, "", catalog.GENERATED_CODE_STALE, Severity.ERROR, why,
                         sides.id)
             for path, _, why in (p.partition(": ") for p in problems)]
    n = f"{len(committed)} generated module{'s' if len(committed) != 1 else ''}"
    return step("generated-code", f"{n}, {len(problems)} out of date" if problems
                else f"{n}, up to date", found)


def owner_handles(ws: Workspace) -> set[str] | None:
    """Every team and person ``governance/teams.yaml`` names (lower-cased, as GitHub
    compares handles); None without the file."""
    from ledgerpact.governance.approvals.people import load_directory
    from ledgerpact.governance.policy.config import TEAMS_PATH

    if not ws.source.exists(TEAMS_PATH):
        return None
    directory = load_directory(ws)
    return {*directory.teams, *directory.people}
