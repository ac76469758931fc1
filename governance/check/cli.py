"""``ledgerpact check``: the pull-request check, at the command line and in CI.

Thin, as every command: choose the base, find the affected contracts (registry/impact.py),
check each (run.py), render, write, exit 0 / 1 / 2.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    REPORT_FORMATS,
    batch_mode,
    input_errors_exit_2,
    registry_option,
)
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.governance.check.model import CheckReport
    from ledgerpact.governance.check.steps import Context
    from ledgerpact.governance.policy.config import Policy
    from ledgerpact.registry.repository import Registry
    from ledgerpact.registry.workspace import Workspace

# Kept here, not imported from the report package: this module is imported whenever the
# ``ledgerpact`` command starts, whatever the command.
WAIVERS_FILE = Path("governance") / "waivers.yaml"
CONFIG_NAMES = (".spectral.yaml", ".spectral.yml", ".spectral.json")


def _report_spec(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
                 ) -> list[tuple[str, Path]]:
    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path or fmt not in REPORT_FORMATS:
            raise click.BadParameter(f"expected FORMAT=FILE with FORMAT one of "
                                     f"{', '.join(REPORT_FORMATS)}, got {value!r}")
        out.append((fmt, Path(path)))
    return out


@click.command("check")
@click.argument("contract_ids", nargs=-1, metavar="[ID]...")
@click.option("--base", "base_ref", metavar="REF",
              help="Compare with the merge base of HEAD and this Git branch, tag or commit "
                   "(as git diff REF...HEAD does). Default: the default branch, which is "
                   "never read from the working tree (a pull request cannot choose it).")
@registry_option
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file (atomically) instead of standard output.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              callback=_report_spec,
              help="Also write the report in FORMAT to FILE (repeatable), from the same run: "
                   "e.g. --report sarif=check.sarif --report markdown=check.md.")
@input_errors_exit_2
def check_cmd(contract_ids: tuple[str, ...], base_ref: str | None, registry_path: Path | None,
              fmt: str, output: Path | None, reports: list[tuple[str, Path]]) -> None:
    """The pull-request check. Finds every contract the changes since the base touch --
    its own files, or a file it $refs, such as a shared canonical schema -- and checks
    each: validity, lint (the recommended ruleset, or the registry's .spectral.yaml, and
    the registry's waivers), the diff against the base under its compatibility mode, the
    version bump, lifecycle and deprecation policy, ownership, approvals for breaking
    changes, and committed generated models (up to date with their contract). Give IDs to
    check just those contracts.

    Exit 0 every contract passed, 1 any failed (or, with github annotations, more problems
    than GitHub can show), 2 usage error or unreadable input.

    \b
    Example:
      ledgerpact check
      ledgerpact check --base origin/main --format markdown -o summary.md
      ledgerpact check --base origin/main --format github --report sarif=check.sarif
      ledgerpact check erp-finance --base erp-finance/v1.0.0 --format json
    """
    batch_mode()
    from ledgerpact.governance.check.report import render
    from ledgerpact.registry.cli_support import open_registry
    from ledgerpact.registry.output import write_atomic

    report = run_check(open_registry(registry_path), base_ref, contract_ids)
    if fmt == "github" or any(f == "github" for f, _ in reports):
        from ledgerpact.governance.check.report.github import split

        report.unannotated = len(split(report)[1])
    for extra_fmt, path in reports:
        write_atomic(path, render(extra_fmt, report))
    text = render(fmt, report)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    unreadable = [c.error for c in report.contracts if c.error]
    for error in unreadable:
        click.echo(f"error: {error}", err=True)
    if unreadable:
        sys.exit(EXIT_INPUT)
    if report.outcome.value == "failed":
        sys.exit(EXIT_FINDINGS)


def run_check(reg: Registry, base_ref: str | None, contract_ids: tuple[str, ...],
              today: dt.date | None = None) -> CheckReport:
    from ledgerpact.governance.check.model import CheckReport
    from ledgerpact.governance.check.run import check_contract
    from ledgerpact.governance.policy.config import load_policy
    from ledgerpact.registry import __version__
    from ledgerpact.registry.impact import affected, changed_files

    # Before anything is judged: in a shallow clone the boundary commit seems to add every
    # approval record (its committer would pass for each record's author) and to start every
    # deprecation (each would look as young as that commit), and a merge base beyond the
    # boundary cannot be found at all.
    reg.require_full_history("the check (the merge base, who committed each approval, how "
                             "long ago each removal was deprecated)")
    rev_ws = reg.workspace()
    commit, ref = _base(reg, base_ref)
    # The policy in force is the base's, as who may approve is: a pull request must not set
    # its own deprecation period (minimum_days: 0) and pass under it.
    policy = load_policy(reg.workspace(commit, ref))
    changed = changed_files(reg, commit)
    if contract_ids:
        targets = [(cid, ["named on the command line"]) for cid in dict.fromkeys(contract_ids)]
    else:
        targets = [(a.id, list(a.reasons)) for a in affected(reg, commit, changed)]
        seen = {cid for cid, _ in targets}
        for cid, path in _generated_from(rev_ws, reg.workspace(commit, ref), changed):
            if cid not in seen:  # generated code edited, its contract not: check it anyway
                seen.add(cid)
                targets.append((cid, [f"generated code {path} changed"]))
    if today is None:  # waiver expiry days are UTC days (see lint/waivers.py)
        from ledgerpact.governance.lint.waivers import utc_today

        today = utc_today()
    ctx = _context(reg, rev_ws, policy, commit, ref, today)
    if contract_ids:
        from ledgerpact.registry.catalog import find_entry

        for cid in contract_ids:
            if find_entry(ctx.rev_ws, cid) is None and find_entry(ctx.base_ws, cid) is None:
                raise InputError(f"no contract {cid!r} in the working tree or at {ref}",
                                 file="contracts")
    results = [check_contract(ctx, cid, reasons, changed) for cid, reasons in targets]
    return CheckReport(ref, commit, sorted(changed), results, __version__,
                       registry_root=reg.root, source_root=reg.git_root)


def _generated_from(ws: Workspace, base_ws: Workspace,
                    changed: set[str]) -> list[tuple[str, str]]:
    """(contract id, file) for each changed Python file that is (or, deleted, was) generated
    from a contract."""
    from ledgerpact.generators.models.header import read_header
    from ledgerpact.registry.errors import InputError

    found = []
    for path in sorted(p for p in changed if p.endswith(".py")):
        side = ws if ws.source.exists(path) else base_ws
        if not side.source.exists(path):
            continue
        try:
            header = read_header(side.source.read(path)[:4096].decode("utf-8", "replace"))
        except InputError:
            continue
        if header is not None:
            found.append((header.contract, path))
    return found


def _base(reg: Registry, base_ref: str | None) -> tuple[str, str]:
    """(commit, label) of the base, as ``ledgerpact approve`` takes it (one function)."""
    from ledgerpact.governance.policy.base import review_base

    return review_base(reg, base_ref)


def _context(reg: Registry, rev_ws: Workspace, policy: Policy, commit: str, ref: str,
             today: dt.date) -> Context:
    from ledgerpact.governance.check.steps import Context, owner_handles
    from ledgerpact.governance.lint.engine import LintOptions

    options = LintOptions()
    label = f"{options.ruleset} ruleset"
    config = next((reg.root / n for n in CONFIG_NAMES if (reg.root / n).is_file()), None)
    if config is not None:  # as `ledgerpact lint` does
        from ledgerpact.governance.lint.spectral import configure, load_ruleset, resolver
        from ledgerpact.governance.lint.spectral.configure import describe

        custom = load_ruleset(config)
        configure(options, custom)
        options.policy = custom.policy(resolver(rev_ws))
        label = describe(custom, config.name)
    options.replaced = options.replaced | {"structure"}  # the validity step's job
    waivers = []
    catalog = None
    if (reg.root / WAIVERS_FILE).is_file():
        from ledgerpact.governance.lint.catalog import all_rules
        from ledgerpact.governance.lint.waivers import WAIVER_RULES, load_waivers
        from ledgerpact.registry.cli_support import catalog_for

        # the rule ids `ledgerpact lint` knows, so a misspelt one is refused here as there
        builtin = {r.id for r in [*all_rules(), *WAIVER_RULES]}
        waivers = load_waivers(reg.root / WAIVERS_FILE, display=WAIVERS_FILE.as_posix(),
                               known_rules=builtin | {r.id for r in options.extra_rules},
                               builtin_rules=builtin)
        try:  # to tell a waiver naming no contract at all, as `ledgerpact lint` does
            catalog = catalog_for(rev_ws)
        except InputError:
            catalog = None  # no contracts/ folder: each contract's own check says so
    return Context(reg, commit, reg.workspace(commit, ref), rev_ws, policy, today,
                   options, waivers, owner_handles(rev_ws), lint_label=label,
                   catalog=catalog)
