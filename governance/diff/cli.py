"""``ledgerpact diff``: breaking-change detection between two versions of a contract.

Thin, as every command: pick the sides (two files or registry specs; or every contract that
changed since a Git ref), check that each side is sound input, diff, render, exit 0 / 1 / 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerpact.registry import __version__
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
    from ledgerpact.governance.diff.engine import DocSide
    from ledgerpact.governance.diff.model import Change
    from ledgerpact.governance.diff.report import Compared
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.repository import Registry

# Kept here, not imported from the report package: this module is imported whenever the
# ``ledgerpact`` command starts, whatever the command.


@click.command("diff")
@click.argument("specs", nargs=-1, metavar="BASE REVISION | --base REF [ID]...")
@click.option("--base", "base_ref", metavar="REF",
              help="Compare every contract (or the IDs given) that changed between this Git "
                   "tag, branch or commit and the working tree.")
@registry_option
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--fail-on", type=click.Choice(["breaking", "warning"]), default="breaking",
              show_default=True, help="Exit 1 when a change is at or above this level.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file (atomically) instead of standard output. "
                   "Not written when an input cannot be read (exit 2): the file keeps what "
                   "it held.")
@input_errors_exit_2
def diff_cmd(specs: tuple[str, ...], base_ref: str | None, registry_path: Path | None,
             fmt: str, fail_on: str, output: Path | None) -> None:
    """Breaking changes between two versions of a contract: every change with its rule,
    level (breaking, warning, info), direction, place on both sides and the operations it
    affects, and the semantic-version bump they require.

    BASE and REVISION are each a file, a registry ID (the working tree) or ID@REF (a
    release version, tag, branch or commit; every file the contract $refs is read at that
    same revision). With --base REF: every contract changed since REF (its document or any
    file it $refs), or only the IDs given. Exit 0 nothing at or above --fail-on, 1 changes
    at or above it, 2 usage error or unreadable input.

    \b
    Example:
      ledgerpact diff erp-finance@1.0.0 erp-finance
      ledgerpact diff ../shared/corpora/xero/xero_accounting-3.0.1.yaml \\
          ../shared/corpora/xero/xero_accounting-3.0.2.yaml --format json
      ledgerpact diff --base main --format markdown -o diff.md
      ledgerpact diff --base origin/main erp-finance tax-engine --fail-on warning
      ledgerpact diff invoice@main invoice --format sarif -o diff.sarif
    """
    batch_mode()
    from ledgerpact.governance.diff.model import Level
    from ledgerpact.governance.diff.report import DiffReport, render
    from ledgerpact.governance.diff.report.summary import failed
    from ledgerpact.governance.report.text import visible
    from ledgerpact.registry.cli_support import open_registry
    from ledgerpact.registry.output import write_atomic

    errors: list[str] = []
    if base_ref is None and len(specs) != 2:
        raise click.UsageError("expected BASE REVISION (two files or registry specs), or "
                               "--base REF [ID]...")
    # opened for two files too: SARIF names files from its root (the Git work tree), as lint
    reg = open_registry(registry_path)
    if base_ref is not None:
        compared = _since(reg, base_ref, specs, errors)
    else:
        compared = [_two_sides(reg, specs[0], specs[1])]

    report = DiffReport(compared, Level.parse(fail_on), __version__, errors,
                        registry_root=reg.root, source_root=reg.git_root)
    if compared or not errors:  # with nothing compared, the error lines are the whole answer
        text = render(fmt, report)
        if output is None:
            click.echo(text, nl=False)
        elif not errors:
            write_atomic(output, text)
    for error in errors:  # file names are the user's: no control character reaches the tty
        click.echo(f"error: {visible(error)}", err=True)
    if errors and output is not None:
        # A report that left contracts out is not the report asked for: the file keeps
        # what it held (a previous complete report, or nothing) rather than a partial one.
        click.echo(f"error: {output} not written: {len(errors)} input(s) could not be "
                   "read", err=True)
    if errors:
        sys.exit(EXIT_INPUT)
    if failed(report):
        sys.exit(EXIT_FINDINGS)


def _diff(base: DocSide, rev: DocSide) -> list[Change]:
    from ledgerpact.governance.diff.compat import compare
    from ledgerpact.governance.diff.sides import checked

    return compare(checked(base), checked(rev))


def _two_sides(reg: Registry, base_spec: str, rev_spec: str) -> Compared:
    from ledgerpact.governance.diff.report import Compared
    from ledgerpact.governance.diff.sides import folder, side

    base, rev = side(reg, base_spec), side(reg, rev_spec)
    changes = _diff(base, rev)
    return Compared(rev.contract or rev.label, base.label, rev.label, changes,
                    folders=(folder(base, reg), folder(rev, reg)))


# -- every contract changed since a ref ------------------------------------------------------


def _since(reg: Registry, ref: str, ids: tuple[str, ...], errors: list[str]) -> list[Compared]:
    """A comparison for each contract (or each of ``ids``) whose files differ between ``ref``
    and the working tree; a contract that cannot be read is an error line, and the others
    are still compared."""
    from ledgerpact.registry.cli_support import catalog_for

    _require_commit(reg, ref)
    base_cat = catalog_for(reg.workspace(ref, ref))
    rev_cat = catalog_for(reg.workspace())
    if ids:
        for contract_id in ids:
            if not any(contract_id in c.entries or contract_id in c.errors
                       for c in (base_cat, rev_cat)):
                rev_cat.get(contract_id)  # raises: no such contract (with "did you mean")
        wanted = list(dict.fromkeys(ids))
    else:
        wanted = sorted({*base_cat.entries, *rev_cat.entries, *base_cat.errors,
                         *rev_cat.errors})
    compared = []
    for contract_id in wanted:
        try:
            item = _contract_since(contract_id, ref, base_cat, rev_cat)
        except _Unreadable as exc:
            errors.append(str(exc))
            continue
        if item is not None:
            compared.append(item)
    return compared


def _require_commit(reg: Registry, ref: str) -> None:
    import git

    try:
        reg.require_repo().commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise InputError(f"{ref!r} is not a Git tag, branch or commit",
                         file="--base") from None


class _Unreadable(Exception):
    """A contract ``--base`` could not compare: its error, led by the contract (and the side,
    where known), since a shared file's name or a path that is the same at both revisions
    does not say which contract was left out."""

    def __init__(self, who: str, error: InputError) -> None:
        super().__init__(f"{who}: {error}")


def _contract_since(contract_id: str, ref: str, base_cat: Catalog,
                    rev_cat: Catalog) -> Compared | None:
    from ledgerpact.governance.diff.report import Compared
    from ledgerpact.governance.diff.since import contract_changes

    labels = (f"{contract_id}@{ref}", f"{contract_id} (working tree)")
    for catalog, label in ((rev_cat, labels[1]), (base_cat, labels[0])):
        if contract_id in catalog.errors:
            raise _Unreadable(label, catalog.errors[contract_id])
    try:
        changes = contract_changes(contract_id, base_cat.ws,
                                   base_cat.entries.get(contract_id), rev_cat.ws,
                                   rev_cat.entries.get(contract_id), labels)
    except InputError as exc:
        raise _Unreadable(_unreadable_side(contract_id, base_cat, rev_cat, labels),
                          exc) from None
    return None if changes is None else Compared(contract_id, *labels, changes=changes)


def _unreadable_side(contract_id: str, base_cat: Catalog, rev_cat: Catalog,
                     labels: tuple[str, str]) -> str:
    """The side whose files do not bundle (the base first, which the comparison reads
    first), asked only once the comparison failed, since the same path is broken at one
    revision and sound at the other; the contract alone when both bundle (an error the
    comparison itself found)."""
    from ledgerpact.registry.bundle import bundle

    for catalog, label in ((base_cat, labels[0]), (rev_cat, labels[1])):
        entry = catalog.entries.get(contract_id)
        if entry is None:
            continue
        try:
            bundle(catalog.ws, entry.document_path)
        except InputError:
            return label
    return contract_id
