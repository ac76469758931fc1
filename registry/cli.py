"""``ledgerpact``: the one command-line front door, and its ``registry`` commands.

Commands are thin: parse options, call the pure functions of the registry, print. Exit codes
are the contract with CI: 0 clean, 1 findings, 2 usage or input error (one line, no
traceback).
"""

from __future__ import annotations

import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledgerpact.registry import __version__
from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    LazyCommands,
    LazyGroup,
    batch_mode,
    catalog_for,
    entry_for,
    file_workspace,
    format_option,
    input_errors_exit_2,
    looks_like_path,
    open_registry,
    registry_option,
)
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.findings import Finding, github_escape
from ledgerpact.registry.output import table, to_json, to_yaml, write_atomic, write_tree_atomic
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.workspace import Workspace

if TYPE_CHECKING:
    from ledgerpact.registry.catalog import Catalog, Entry

# The commands other areas contribute to the one front door: name -> (module, attribute,
# short help). Each module is imported only when its command runs (a lint of one file need
# not import the simulators, the diff engine or GitPython); ``--help`` lists them from here.
# The short help is the first sentence of the command's help, which is all ``--help`` shows
# of it: keep it the same as the first sentence of the command's docstring.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ubl": ("ledgerpact.adapters.cli", "ubl",
            "UBL 2.1 e-invoices (EN 16931 / Peppol BIS 3.0)."),
    "lint": ("ledgerpact.governance.cli", "lint_cmd",
             "Lint contracts: structure, the OpenAPI/AsyncAPI rules, the finance pack and "
             "your own Spectral-style rules."),
    "rules": ("ledgerpact.governance.cli", "rules_cmd",
              "The rule catalogue, generated from each rule's metadata: id, severity, "
              "formats, rulesets, and a doc with a bad and a good example."),
    "diff": ("ledgerpact.governance.diff.cli", "diff_cmd",
             "Breaking changes between two versions of a contract: every change with its "
             "rule, level (breaking, warning, info), direction, place on both sides and the "
             "operations it affects, and the semantic-version bump they require."),
    "version": ("ledgerpact.governance.diff.version_cli", "version_group",
                "Semantic versions checked against the detected changes: breaking -> major, "
                "additive -> minor, any other change -> patch."),
    "changelog": ("ledgerpact.governance.diff.version_cli", "changelog_cmd",
                  "A Keep-a-Changelog section written from the detected changes between two "
                  "versions."),
    "compat": ("ledgerpact.governance.diff.version_cli", "compat_cmd",
               "Check the working tree against released versions under each contract's "
               "compatibility mode (contract.yaml): BACKWARD, FORWARD, FULL, their "
               "_TRANSITIVE forms (every release, not only the latest) and NONE."),
    "check": ("ledgerpact.governance.check.cli", "check_cmd", "The pull-request check."),
    "approve": ("ledgerpact.governance.approvals.cli", "approve_cmd",
                "Record the approval of a contract's breaking changes as a file under "
                "governance/approvals/ID/, to commit (as the approver) with the change."),
    "impact": ("ledgerpact.registry.impact_cli", "impact_cmd",
               "Everything that depends on a contract or canonical schema: the contracts that "
               "$ref it (directly or through other schemas, with the chain of files), the "
               "consumers declared in contract.yaml (its own and those of every contract that "
               "uses it, since a change reaches them too) and the adapters (under adapters/) "
               "that map onto it or onto a contract that uses it."),
    "generate": ("ledgerpact.generators.cli", "generate_group",
                 "Generate code from contracts: pydantic models, or an installable package "
                 "of them."),
    "simulate": ("ledgerpact.generators.simulators.cli", "simulate_cmd",
                 "Serve a contract over HTTP on 127.0.0.1: every request and response "
                 "validated against the contract, finance behaviour for erp and "
                 "invoice-automation (seeded suppliers, POs, idempotent postings, the approval "
                 "lifecycle, payments, events), vendor-style ERPs for the reference adapters "
                 "(sap-s4hana: OData v2; netsuite: record REST), any other OpenAPI contract "
                 "served from its examples and schemas."),
    "verify": ("ledgerpact.governance.verify.cli", "verify_cmd",
               "Verify an adapter against every consumer pact of the contracts it provides, "
               "and run Schemathesis against its erp-finance API, with the adapter wired to "
               "its vendor simulator."),
    "can-i-deploy": ("ledgerpact.governance.deploy.cli", "can_i_deploy_cmd",
                     "Whether a consumer or provider version may deploy, from the verification "
                     "records and pacts committed in the registry (Pact Broker semantics, "
                     "pending pacts included)."),
}


@click.group(cls=LazyGroup, commands=LazyCommands(COMMANDS),
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ledgerpact")
def main() -> None:
    """Ledgerpact: governance and contract testing for finance APIs and events.

    Exit codes: 0 clean, 1 findings, 2 usage or input error.

    \b
    Example:
      ledgerpact registry list
      ledgerpact registry validate
    """
    _restore_sigpipe()



@main.group()
def registry() -> None:
    """The Git-backed registry of canonical finance contracts.

    \b
    Example:
      ledgerpact registry list --format json
      ledgerpact registry get erp-finance@1.0.0
    """


@registry.command("list")
@registry_option
@format_option("text", "json")
@click.option("--kind", type=click.Choice(["openapi", "asyncapi", "json-schema"]),
              help="Only contracts of this kind.")
@input_errors_exit_2
def list_cmd(registry_path: Path | None, fmt: str, kind: str | None) -> None:
    """List every contract and canonical schema in the registry.

    \b
    Example:
      ledgerpact registry list --kind openapi
      ledgerpact registry list --format json | jq '.[].id'
    """
    ws = open_registry(registry_path).workspace()
    catalog = catalog_for(ws)
    errors = [str(e) for e in catalog.errors.values()]
    summaries = []
    for entry in catalog:
        if kind is None or entry.meta.kind.value == kind:
            try:
                summaries.append(entry.summary(ws))
            except InputError as exc:
                errors.append(str(exc))
    if fmt == "json":
        click.echo(to_json(summaries), nl=False)
    else:
        rows = [[s["id"], s["kind"], s["version"], s["lifecycle"], s["compatibility"],
                 ", ".join(s["owners"])] for s in summaries]
        click.echo(table(["id", "kind", "version", "lifecycle", "compatibility", "owners"],
                         rows), nl=False)
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        sys.exit(EXIT_INPUT)


@registry.command("show")
@click.argument("contract_id", metavar="ID")
@registry_option
@format_option("text", "json")
@input_errors_exit_2
def show_cmd(contract_id: str, registry_path: Path | None, fmt: str) -> None:
    """Show one contract's metadata, current version and releases.

    \b
    Example:
      ledgerpact registry show erp-finance
    """
    from ledgerpact.registry import history  # Git history: only the commands that read it

    reg = open_registry(registry_path)
    ws = reg.workspace()
    catalog = catalog_for(ws)
    if contract_id not in catalog.entries and contract_id not in catalog.errors and reg.repo:
        released = history.releases(reg.repo, contract_id)
        if released:
            raise InputError(
                f"{contract_id} is not in the working tree (removed?) but has releases "
                f"{', '.join(str(r.version) for r in released)}; see ledgerpact registry get "
                f"{contract_id}@{released[-1].version}", file="contracts")
    entry = catalog.get(contract_id)
    summary = entry.summary(ws)
    summary["releases"] = ([str(r.version) for r in history.releases(reg.repo, entry.id)]
                           if reg.repo else [])
    if fmt == "json":
        click.echo(to_json(summary), nl=False)
        return
    for key, value in summary.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        click.echo(f"{key + ':':<15}{shown or '-'}")


@registry.command("versions")
@click.argument("contract_id", metavar="ID")
@registry_option
@format_option("text", "json")
@input_errors_exit_2
def versions_cmd(contract_id: str, registry_path: Path | None, fmt: str) -> None:
    """List the released versions of a contract (Git tags ID/vX.Y.Z), oldest first.

    \b
    Example:
      ledgerpact registry versions erp-finance --format json
    """
    from ledgerpact.registry import history  # Git history: only the commands that read it

    reg = open_registry(registry_path)
    repo = reg.require_repo()
    found = history.releases(repo, contract_id)
    if not found:  # a removed contract keeps its releases; only an unknown id is an error
        catalog_for(reg.workspace()).get(contract_id)
    if fmt == "json":
        click.echo(to_json([r.as_dict() for r in found]), nl=False)
        return
    if not found:
        click.echo(f"{contract_id}: no releases yet (ledgerpact registry release {contract_id})")
        return
    rows = [[str(r.version), r.tag, r.commit[:10], r.date.date().isoformat()] for r in found]
    click.echo(table(["version", "tag", "commit", "date"], rows), nl=False)


def _at(reg: Registry, spec: str) -> tuple[Workspace, Entry, str | None, str]:
    """Workspace and entry for ``ID`` or ``ID@VERSION|GITREF``."""
    from ledgerpact.registry import history  # Git history: only the commands that read it

    contract_id, ref = history.split_spec(spec)
    if ref is None:
        ws = reg.workspace()
        return ws, catalog_for(ws).get(contract_id), None, "working tree"
    try:
        rev, label = history.revision_for(reg.require_repo(), contract_id, ref)
    except InputError:
        current = catalog_for(reg.workspace())
        if contract_id not in current.entries:
            current.get(contract_id)  # raises, with "did you mean"
        raise
    ws = reg.workspace(rev, label)
    return ws, catalog_for(ws).get(contract_id), rev, label


@registry.command("get")
@click.argument("spec", metavar="ID@VERSION|ID@GITREF")
@registry_option
@format_option("text", "json")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the files (as laid out in the registry) into this new directory.")
@input_errors_exit_2
def get_cmd(spec: str, registry_path: Path | None, fmt: str, out_dir: Path | None) -> None:
    """The contract as it was at a release, tag, branch or commit, with every file it
    $refs read at that same revision.

    \b
    Example:
      ledgerpact registry get erp-finance@1.0.0
      ledgerpact registry get invoice@main --format json
      ledgerpact registry get erp-finance@v1.0.0 --out /tmp/erp-finance-1.0.0
    """
    from ledgerpact.registry.bundle import bundle as make_bundle

    reg = open_registry(registry_path)
    ws, entry, rev, label = _at(reg, spec)
    b = make_bundle(ws, entry.document_path)
    paths = [entry.metadata_path, *b.files]
    contents = {p: ws.source.read(p) for p in paths}
    commit = getattr(ws.source, "commit", None)
    if out_dir is not None:
        write_tree_atomic(out_dir, contents)
        click.echo(f"wrote {len(contents)} files of {entry.id} ({label}) to {out_dir}")
        return
    if fmt == "json":
        click.echo(to_json({
            "id": entry.id, "ref": rev, "label": label,
            "commit": commit.hexsha if commit is not None else None,
            "version": entry.version(ws), "document": entry.document_path,
            "files": [{"path": p, "content": c.decode("utf-8")} for p, c in contents.items()],
        }), nl=False)
        return
    for path, content in contents.items():
        click.echo(f"# ==> {path} @ {label} <==")
        click.echo(content.decode("utf-8"), nl=not content.endswith(b"\n"))


@registry.command("bundle")
@click.argument("spec", metavar="ID[@REF]|PATH")
@registry_option
@format_option("yaml", "json", default="yaml")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file (atomically) instead of standard output.")
@input_errors_exit_2
def bundle_cmd(spec: str, registry_path: Path | None, fmt: str, output: Path | None) -> None:
    """One self-contained document: every external $ref pulled in, once, under
    components/schemas (or $defs for a JSON Schema).

    \b
    Example:
      ledgerpact registry bundle erp-finance > erp-finance.bundle.yaml
      ledgerpact registry bundle erp-finance@1.0.0 --format json -o erp-finance.json
      ledgerpact registry bundle contracts/tax-engine/openapi.yaml
    """
    from ledgerpact.registry.bundle import bundle as make_bundle

    batch_mode()
    if looks_like_path(spec) and "@" not in spec:
        ws, rel, prefix = file_workspace(spec)
        try:
            b = make_bundle(ws, rel)
        except InputError as exc:
            if prefix and exc.file:
                exc.file = f"{prefix}/{exc.file}"
            raise
    else:
        ws, entry, _, _ = _at(open_registry(registry_path), spec)
        b = make_bundle(ws, entry.document_path)
    text = to_json(b.document) if fmt == "json" else to_yaml(b.document)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


def _print_findings(findings: list[Finding], fmt: str, checked: list[str],
                    errors: list[str]) -> None:
    if fmt == "json":
        click.echo(to_json({"checked": checked, "findings": [f.as_dict() for f in findings],
                            "errors": errors}), nl=False)
        return
    if fmt == "github":
        for finding in findings:
            click.echo(finding.github())
        for error in errors:
            click.echo(f"::error title=unreadable input::{github_escape(error)}")
        return
    for finding in findings:
        click.echo(finding.text())
    if not errors:  # on bad input the error lines say all there is to say
        word = "contract" if len(checked) == 1 else "contracts"
        click.echo(f"{len(checked)} {word} checked, {len(findings)} findings", err=True)


@registry.command("validate")
@click.argument("targets", nargs=-1, metavar="[ID|PATH]...")
@registry_option
@format_option("text", "json", "github")
@click.option("--no-examples", is_flag=True, help="Check structure only, not examples.")
@input_errors_exit_2
def validate_cmd(targets: tuple[str, ...], registry_path: Path | None, fmt: str,
                 no_examples: bool) -> None:
    """Check that contracts are structurally valid (OpenAPI 3.0/3.1 with
    openapi-spec-validator, AsyncAPI 2.6/3.0/3.1, JSON Schema 2020-12), that every $ref is
    safe and resolves, and that every example matches its schema. No argument: the whole
    registry. Exit 0 valid, 1 findings, 2 unreadable input.

    \b
    Example:
      ledgerpact registry validate
      ledgerpact registry validate erp-finance finance-events --format json
      ledgerpact registry validate ../shared/corpora/xero/xero_accounting-3.0.2.yaml
      ledgerpact registry validate --format github   # annotations in a GitHub workflow
    """
    from ledgerpact.registry.validate import validate_entry, validate_file

    batch_mode()
    findings: list[Finding] = []
    errors: list[str] = []
    checked: list[str] = []
    catalog: Catalog | None = None
    if not targets or any(not looks_like_path(t) for t in targets):
        catalog = catalog_for(open_registry(registry_path).workspace())
        errors += [str(e) for e in catalog.errors.values()]
    if not targets:
        assert catalog is not None
        targets = tuple(e.id for e in catalog)
        if not targets and not errors:
            raise InputError("no contracts to validate: each contract needs a folder under "
                             "contracts/ with a contract.yaml", file="contracts")
    for target in targets:
        try:
            if looks_like_path(target):
                ws, rel, prefix = file_workspace(target)
                try:
                    found = validate_file(ws, rel, examples=not no_examples)
                except InputError as exc:
                    if prefix and exc.file:
                        exc.file = f"{prefix}/{exc.file}"
                    raise
                findings += [replace(f, file=f"{prefix}/{f.file}" if prefix else f.file)
                             for f in found]
            else:
                assert catalog is not None
                findings += validate_entry(catalog.ws, entry_for(catalog, target),
                                           examples=not no_examples)
            checked.append(target)
        except InputError as exc:
            errors.append(str(exc))
    errors = list(dict.fromkeys(errors))  # a broken contract named as a target: said once
    for error in errors:
        click.echo(f"error: {error}", err=True)
    _print_findings(findings, fmt, checked, errors)
    if errors:
        sys.exit(EXIT_INPUT)
    if findings:
        sys.exit(EXIT_FINDINGS)


@registry.command("release")
@click.argument("contract_id", metavar="ID")
@registry_option
@format_option("text", "json")
@click.option("--dry-run", is_flag=True, help="Check everything, create no tag.")
@input_errors_exit_2
def release_cmd(contract_id: str, registry_path: Path | None, fmt: str, dry_run: bool) -> None:
    """Validate a contract as committed at HEAD and tag it ID/v<version>.

    The version is the document's info.version (the metadata's version for a JSON Schema).
    Refuses a version already released or not newer than the latest release of its
    major version, uncommitted changes
    to any file the contract uses, and an invalid contract. This is the only command that
    writes to the repository.

    \b
    Example:
      ledgerpact registry release erp-finance
      ledgerpact registry release tax-engine --dry-run
    """
    from ledgerpact.registry.release import release

    reg = open_registry(registry_path)
    result = release(reg, contract_id, dry_run=dry_run)
    if result.findings:
        _print_findings(result.findings, fmt, [contract_id], [])
        click.echo(f"error: {contract_id} is not valid at HEAD; nothing was tagged", err=True)
        sys.exit(EXIT_FINDINGS)
    payload: dict[str, Any] = {"id": contract_id, "version": result.version, "tag": result.tag,
                               "commit": result.commit, "created": not dry_run}
    if fmt == "json":
        click.echo(to_json(payload), nl=False)
    else:
        verb = "would tag" if dry_run else "tagged"
        click.echo(f"{verb} {result.tag} at {result.commit[:10]}")


def _restore_sigpipe() -> None:
    """``ledgerpact ... | head`` should end quietly like any Unix tool, not print a broken
    pipe traceback or exit with a code that means findings."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    main()
