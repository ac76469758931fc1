"""``ledgerpact version check``, ``ledgerpact changelog`` and ``ledgerpact compat``.

The edge where versioning meets Git: these commands pick the sides (a release, a ref, the
working tree), diff them with the contract's compatibility mode, and hand the changes to the
pure verdicts in versioning.py, changelog.py and compat.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    batch_mode,
    format_option,
    input_errors_exit_2,
    open_registry,
    registry_option,
)
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.governance.diff.engine import DocSide
    from ledgerpact.governance.diff.model import Change
    from ledgerpact.registry.repository import Registry


def _version_of(side: DocSide) -> Any:
    """The side's semantic version: info.version, or contract.yaml's for a JSON Schema."""
    from ledgerpact.registry.semver import Version

    if side.contract:
        from ledgerpact.registry.catalog import Catalog

        entry = Catalog(side.ws).get(side.contract)
        text, where = entry.version(side.ws), (
            (entry.metadata_path, "/version") if side.kind == "json-schema"
            else (entry.document_path, "/info/version"))
    else:
        data = side.data
        info = data.get("info") if isinstance(data, dict) else None
        text = info.get("version") if isinstance(info, dict) else None
        where = (side.root, "/info/version")
        if not isinstance(text, str):
            raise InputError("no info.version string to check (a JSON Schema file has no "
                             "version: check it as a registry contract)",
                             file=side.display(side.root), pointer="/info/version")
    try:
        return Version.parse(text)
    except ValueError as exc:
        raise side.ws.error(str(exc), *where) from None


def _latest_release(reg: Registry, contract_id: str) -> str:
    from ledgerpact.registry.history import releases

    found = releases(reg.require_repo(), contract_id)
    if not found:
        from ledgerpact.registry.catalog import Catalog

        Catalog(reg.workspace()).get(contract_id)  # an unknown id says so, with suggestions
        raise InputError(f"{contract_id} has no releases yet: give --base REF (a tag, branch "
                         "or commit) to compare with", file=contract_id)
    return found[-1].tag


def _sides(reg: Registry | None, specs: tuple[str, ...], base_ref: str | None,
           registry_path: Path | None) -> tuple[DocSide, DocSide]:
    from ledgerpact.governance.diff.sides import is_file_spec, side

    if len(specs) == 2:
        if base_ref is not None:
            raise click.UsageError("give either BASE REVISION or ID --base REF, not both")
        return side(reg, specs[0]), side(reg, specs[1])
    if len(specs) != 1:
        raise click.UsageError("expected ID (with --base REF) or BASE REVISION")
    contract_id = specs[0]
    if is_file_spec(contract_id):  # a file has no release to compare with (job@2/x.yaml)
        raise click.UsageError("a file is compared with another file: give BASE REVISION")
    if "@" in contract_id:
        raise click.UsageError("give the contract id alone; the base goes in --base REF")
    reg = reg or open_registry(registry_path)
    base = base_ref if base_ref is not None else _latest_release(reg, contract_id)
    return side(reg, f"{contract_id}@{base}"), side(reg, contract_id)


@click.group("version")
def version_group() -> None:
    """Semantic versions checked against the detected changes: breaking -> major, additive ->
    minor, any other change -> patch.

    \b
    Example:
      ledgerpact version check erp-finance --base main
    """


@version_group.command("check")
@click.argument("specs", nargs=-1, metavar="[ID | BASE REVISION]")
@click.option("--base", "base_ref", metavar="REF",
              help="Compare with the contract at this release, tag, branch or commit "
                   "(default: its latest release).")
@registry_option
@format_option("text", "json", "markdown")
@input_errors_exit_2
def version_check_cmd(specs: tuple[str, ...], base_ref: str | None,
                      registry_path: Path | None, fmt: str) -> None:
    """Fail (exit 1) when the version was not bumped as much as the changes require.

    ID compares the working tree with --base REF (default: the latest release); with no ID,
    --base REF checks every contract that exists at REF (what a pull request runs). BASE
    REVISION compares two files or ID@REF specs. The version is info.version (contract.yaml's
    version for a JSON Schema contract).

    \b
    Example:
      ledgerpact version check erp-finance --base main
      ledgerpact version check --base origin/main          # every contract in the registry
      ledgerpact version check money                       # against its latest release
      ledgerpact version check ../shared/corpora/xero/xero_accounting-3.0.1.yaml \\
          ../shared/corpora/xero/xero_accounting-3.0.2.yaml --format json
    """
    from ledgerpact.governance.diff.compat import compare
    from ledgerpact.governance.diff.sides import checked
    from ledgerpact.governance.diff.versioning import check_version
    from ledgerpact.registry.output import to_json

    batch_mode()
    reg = open_registry(registry_path) if len(specs) <= 1 else None
    if specs:
        pairs = [_sides(reg, specs, base_ref, registry_path)]
    elif base_ref is None:
        raise click.UsageError("expected ID, BASE REVISION, or --base REF for every contract")
    else:
        assert reg is not None
        pairs = _all_since(reg, base_ref)
    results = []
    for base, rev in pairs:
        changes = compare(checked(base), checked(rev))
        results.append((base, rev, changes,
                        check_version(_version_of(base), _version_of(rev), changes)))
    if fmt == "json":
        payload = [{"base": base.label, "revision": rev.label, **verdict.as_dict(),
                    "changes": [c.as_dict() for c in changes]}
                   for base, rev, changes, verdict in results]
        click.echo(to_json(payload[0] if specs else payload), nl=False)
    for base, rev, _, verdict in results if fmt != "json" else ():
        if fmt == "markdown":
            mark = "passed" if verdict.ok else "FAILED"
            click.echo(f"### Version check {mark}: {base.label} -> {rev.label}\n\n"
                       f"{verdict.message}\n")
        else:
            click.echo(f"{'ok' if verdict.ok else 'error'}: {rev.label}: {verdict.message}")
    if not results and fmt != "json":
        click.echo(f"no contract exists at {base_ref}: nothing to check")
    if any(not verdict.ok for *_, verdict in results):
        raise SystemExit(EXIT_FINDINGS)


def _all_since(reg: Registry, ref: str) -> list[tuple[DocSide, DocSide]]:
    """(REF, working tree) for every contract in both: a new contract has no version to
    compare with, and a removed one is the diff's business (contract-removed)."""
    from ledgerpact.governance.diff.sides import side
    from ledgerpact.registry.catalog import Catalog

    then = Catalog(reg.workspace(ref, ref))
    now = Catalog(reg.workspace())
    return [(side(reg, f"{entry.id}@{ref}"), side(reg, entry.id))
            for entry in now if entry.id in then.entries]


def _split_range(text: str | None) -> tuple[str | None, str | None]:
    if text is None:
        return None, None
    if ".." not in text:
        raise click.UsageError(f"expected FROM..TO (e.g. 1.0.0..2.0.0, or 1.0.0.. for the "
                               f"working tree), got {text!r}")
    start, _, end = text.partition("..")
    return start or None, end or None


@click.command("changelog")
@click.argument("contract_id", metavar="ID")
@click.argument("span", required=False, metavar="[FROM..TO]")
@registry_option
@format_option("markdown", "json", default="markdown")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the section to this file instead of standard output.")
@input_errors_exit_2
def changelog_cmd(contract_id: str, span: str | None, registry_path: Path | None, fmt: str,
                  output: Path | None) -> None:
    """A Keep-a-Changelog section written from the detected changes between two versions.

    FROM and TO are releases (1.2.0), tags, branches or commits; FROM defaults to the latest
    release and TO to the working tree. The section is headed with TO's version, or
    [Unreleased] when TO comes after that version's release (changes made without a
    version bump). A range whose FROM is a later version than TO is refused.

    \b
    Example:
      ledgerpact changelog erp-finance                  # latest release..working tree
      ledgerpact changelog erp-finance 1.0.0..main -o CHANGES.md
    """
    from ledgerpact.governance.diff.changelog import section
    from ledgerpact.governance.diff.compat import compare
    from ledgerpact.governance.diff.sides import checked, side
    from ledgerpact.registry.output import to_json, write_atomic

    batch_mode()
    reg = open_registry(registry_path)
    start, end = _split_range(span)
    start = start or _latest_release(reg, contract_id)
    base = side(reg, f"{contract_id}@{start}")
    rev = side(reg, f"{contract_id}@{end}" if end else contract_id)
    changes = compare(checked(base), checked(rev))
    _refuse_backwards(base, rev, span)
    version = str(_version_of(rev))
    unreleased = _unreleased(reg, rev)
    date = None if unreleased else _date_of(rev) if end else dt.date.today().isoformat()
    heading = "Unreleased" if unreleased else version
    if fmt == "json":
        text = to_json({"contract": contract_id, "from": base.label, "to": rev.label,
                        "version": version, "unreleased": unreleased, "date": date,
                        "changes": [c.as_dict() for c in changes]})
    else:
        from ledgerpact.governance.report.markdown import escape

        text = section(heading, date, changes,
                       title=f"Changes to `{contract_id}` since {escape(base.label)}.")
    if output is not None:
        write_atomic(output, text)
        click.echo(f"wrote the {heading} section ({len(changes)} changes) to {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _refuse_backwards(base: DocSide, rev: DocSide, span: str | None) -> None:
    """A FROM later than TO would list every change inverted (an addition as a removal)
    under TO's older version: refuse it, saying which way round it goes."""
    before, after = _version_of(base), _version_of(rev)
    if before > after:
        raise InputError(f"the range goes backwards: {base.label} is version {before}, later "
                         f"than {rev.label} ({after}); give the older version first",
                         file=span or rev.label)


def _unreleased(reg: Registry, rev: DocSide) -> bool:
    """Whether TO comes after a release of its own version: its changes were then made
    without a version bump, so they belong under Keep a Changelog's [Unreleased], not under
    a version whose release does not hold them. TO at the release itself is the release,
    and a commit before it is on its way there (its version is the one being prepared)."""
    import git

    from ledgerpact.registry.history import releases
    from ledgerpact.registry.source import GitSource

    repo = reg.require_repo()
    version = _version_of(rev)
    found = [r for r in releases(repo, rev.contract) if r.version == version]
    if not found:
        return False
    source = rev.ws.source
    if isinstance(source, GitSource):  # a ref: after the release, not at it
        at = source.commit.hexsha
        return any(r.commit != at and repo.is_ancestor(r.commit, at) for r in found)
    try:  # the working tree: its changes come after what HEAD holds
        head = repo.head.commit.hexsha
    except (ValueError, git.GitCommandError):  # no commit checked out (an orphan branch)
        return True
    return any(repo.is_ancestor(r.commit, head) for r in found)


def _date_of(side: DocSide) -> str | None:
    commit = getattr(side.ws.source, "commit", None)
    if commit is None:
        return None
    return dt.datetime.fromtimestamp(commit.committed_date, tz=dt.UTC).date().isoformat()


@click.command("compat")
@click.argument("contract_ids", nargs=-1, metavar="[ID]...")
@registry_option
@format_option("text", "json", "markdown")
@input_errors_exit_2
def compat_cmd(contract_ids: tuple[str, ...], registry_path: Path | None, fmt: str) -> None:
    """Check the working tree against released versions under each contract's compatibility
    mode (contract.yaml): BACKWARD, FORWARD, FULL, their _TRANSITIVE forms (every release, not
    only the latest) and NONE. Exit 1 when any contract is incompatible.

    \b
    Example:
      ledgerpact compat                 # every contract with releases
      ledgerpact compat money invoice --format json
    """
    from ledgerpact.governance.diff.compat import CompatReport, compare, is_transitive
    from ledgerpact.governance.diff.sides import side
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.history import releases
    from ledgerpact.registry.output import to_json

    batch_mode()
    reg = open_registry(registry_path)
    repo = reg.require_repo()
    catalog = Catalog(reg.workspace())
    ids = list(contract_ids) or [e.id for e in catalog]
    results: list[dict[str, Any]] = []
    failed = False
    for contract_id in ids:
        entry = catalog.get(contract_id)
        mode = entry.meta.compatibility
        known = releases(repo, contract_id)
        targets = known if is_transitive(mode) else known[-1:]
        rev = side(reg, contract_id)
        reports = []
        for release in targets:
            base = side(reg, f"{contract_id}@{release.version}")
            reports.append(CompatReport(release.tag, str(release.version),
                                        compare(base, rev, mode)))
        failed = failed or any(not r.compatible for r in reports)
        results.append({"id": contract_id, "mode": mode.value, "reports": reports})
    if fmt == "json":
        click.echo(to_json([_compat_json(r) for r in results]), nl=False)
    else:
        click.echo(_compat_text(results, markdown=fmt == "markdown"), nl=False)
    if failed:
        raise SystemExit(EXIT_FINDINGS)


def _compat_json(result: dict[str, Any]) -> dict[str, Any]:
    return {"id": result["id"], "mode": result["mode"],
            "compatible": all(r.compatible for r in result["reports"]),
            "checked": [{"against": r.against, "version": r.version,
                         "compatible": r.compatible,
                         "changes": [c.as_dict() for c in r.changes]}
                        for r in result["reports"]]}


def _compat_text(results: list[dict[str, Any]], *, markdown: bool) -> str:
    lines = (["| contract | mode | checked against | verdict |", "|---|---|---|---|"]
             if markdown else [])
    for result in results:
        reports = result["reports"]
        if not reports:
            verdict, against = "no releases yet", "-"
        else:
            bad = [r for r in reports if not r.compatible]
            against = ", ".join(r.version for r in reports)
            verdict = ("compatible" if not bad else "INCOMPATIBLE with " +
                       ", ".join(f"{r.version} ({_breaking(r.changes)})" for r in bad))
        if markdown:
            lines.append(f"| {result['id']} | {result['mode']} | {against} | {verdict} |")
        else:
            checked = f" against {against}" if reports else ""
            lines.append(f"{result['id']}: {result['mode']}{checked}: {verdict}")
            for r in reports:
                for c in r.changes:
                    if c.level.label == "breaking":
                        lines.append(f"  {r.version}: {c.place.file}:{c.place.line} "
                                     f"{c.rule} [{c.direction.value}] {c.message}")
    return "\n".join(lines) + "\n"


def _breaking(changes: list[Change]) -> str:
    n = sum(1 for c in changes if c.level.label == "breaking")
    return f"{n} breaking change{'s' if n != 1 else ''}"
