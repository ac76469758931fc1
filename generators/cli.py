"""``ledgerpact generate``: code derived from contracts (models today).

Thin commands: resolve what the user named (``ID``, ``ID@VERSION`` or a file), generate, write
all or nothing. Every failure on the way is an InputError: one line, exit 2, nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledgerpact.registry.cli_support import (
    catalog_for,
    format_option,
    input_errors_exit_2,
    is_file_name,
    looks_like_path,
    open_registry,
    registry_option,
)
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.output import to_json

if TYPE_CHECKING:
    from ledgerpact.generators.models.generate import Contract, GeneratedModels
    from ledgerpact.registry.repository import Registry

_OUT_HELP = "Folder to write into (created; if it exists, the generated folders must be new)."


def _is_path(spec: str) -> bool:
    """Whether a target is an existing contract file rather than ``ID[@VERSION]``."""
    return looks_like_path(spec) and "@" not in spec


def _from_path(spec: str) -> Contract:
    """The contract in the file ``spec``: a registry contract's own document is that
    contract (its id, its version, its content hash, as if named by id, so ``check`` finds
    the code current); any other file is named after its title."""
    from ledgerpact.generators.models.generate import contract_from_entry, contract_from_file
    from ledgerpact.registry.cli_support import file_workspace
    from ledgerpact.registry.repository import Registry

    path = Path(spec).resolve()
    reg = Registry.containing(path)
    if reg is not None:
        ws = reg.workspace()
        try:
            catalog = catalog_for(ws)
        except InputError:  # no catalog to read: the file is generated as a file
            catalog = None
        entry = next((e for e in catalog or () if (reg.root / e.document_path).resolve() == path),
                     None)
        if entry is not None:
            return contract_from_entry(ws, entry)
    ws, rel, prefix = file_workspace(spec)
    try:
        return contract_from_file(ws, rel, spec)
    except InputError as exc:
        if prefix and exc.file:
            exc.file = f"{prefix}/{exc.file}"
        raise


def _not_an_id(spec: str) -> InputError | None:
    """Why ``spec``, which names no registry contract, is not one, when it is plainly not
    meant as an id: a file name that is no file is a missing file, a folder is no contract."""
    if "@" in spec:
        return None
    if is_file_name(spec) and not Path(spec).exists():
        return InputError("file not found", file=spec)
    if Path(spec).is_dir():
        return InputError("is a directory; give a contract id or an OpenAPI, AsyncAPI or JSON "
                          "Schema file (--all generates every contract in the registry)",
                          file=spec)
    return None


def _contract(reg: Registry | None, spec: str, registry_path: Path | None = None) -> Contract:
    """The contract a command-line target names: a file, ``ID`` or ``ID@VERSION|GITREF``."""
    from ledgerpact.generators.models.generate import contract_from_entry
    from ledgerpact.registry.history import revision_for, split_spec

    if _is_path(spec):
        return _from_path(spec)
    contract_id, ref = split_spec(spec)
    try:  # a file name that is no file, or a folder: an id only if a registry has it
        reg = reg or open_registry(registry_path)
        if ref is None:
            ws = reg.workspace()
        else:
            rev, label = revision_for(reg.require_repo(), contract_id, ref)
            ws = reg.workspace(rev, label)
        catalog = catalog_for(ws)
    except InputError as exc:
        raise _not_an_id(spec) or exc from None
    if contract_id not in catalog.entries and contract_id not in catalog.errors:
        problem = _not_an_id(spec)
        if problem is not None:
            raise problem
    return contract_from_entry(ws, catalog.get(contract_id))


def _targets(registry_path: Path | None, targets: tuple[str, ...], all_: bool) -> list[Contract]:
    if all_ and targets:
        raise click.UsageError("give contract ids or --all, not both")
    if not all_ and not targets:
        raise click.UsageError("name at least one contract (ID, ID@VERSION or a file), or --all")
    if all_:
        reg = open_registry(registry_path)
        ws = reg.workspace()
        catalog = catalog_for(ws)
        if catalog.errors:  # a broken contract.yaml must not pass unnoticed in --all
            raise next(iter(catalog.errors.values()))
        from ledgerpact.generators.models.generate import contract_from_entry

        return [contract_from_entry(ws, entry) for entry in catalog]
    # a file name that is no file is looked up as an id only if there is a registry to look
    # in (else it is a missing file, not a missing registry)
    needs_registry = any(not _is_path(t) and not is_file_name(t) for t in targets)
    reg = open_registry(registry_path) if needs_registry else None
    return [_contract(reg, t, registry_path) for t in targets]


@click.group("generate")
def generate_group() -> None:
    """Generate code from contracts: pydantic models, or an installable package of them.

    \b
    Example:
      ledgerpact generate models erp-finance --out src/models
      ledgerpact generate package erp-finance@1.0.0 --out dist/erp-finance-1.0.0-models
    """


@generate_group.command("models")
@click.argument("targets", nargs=-1, metavar="[ID[@VERSION]|PATH]...")
@click.option("--all", "all_", is_flag=True, help="Every contract in the registry.")
@click.option("--out", "out_dir", required=True,
              type=click.Path(path_type=Path), help=_OUT_HELP)
@click.option("--replace", is_flag=True,
              help="Replace generated packages already in --out (never other folders).")
@registry_option
@format_option("text", "json")
@input_errors_exit_2
def models_cmd(targets: tuple[str, ...], all_: bool, out_dir: Path, replace: bool,
               registry_path: Path | None, fmt: str) -> None:
    """Pydantic v2 models (one package per contract, ledgerpact_models_<id>) from OpenAPI
    components, AsyncAPI message payloads and JSON Schemas. Money amounts are Decimal,
    extensible enums accept unknown values, and the same contract version always gives
    the same bytes.

    \b
    Example:
      ledgerpact generate models erp-finance --out adapters/sap/models
      ledgerpact generate models erp-finance@1.0.0 money --out /tmp/models
      ledgerpact generate models --all --out build/models
      ledgerpact generate models ../shared/corpora/xero/xero_accounting-3.0.2.yaml --out /tmp/x
      ledgerpact generate models erp-finance --out adapters/sap/models --replace
    """
    from ledgerpact.generators.models.generate import generate_models
    from ledgerpact.generators.models.output import write_output

    generated = [generate_models(c) for c in _targets(registry_path, targets, all_)]
    files: dict[str, bytes] = {}
    for models in generated:
        if models.models_path in files:
            raise InputError(f"two targets generate the same package {models.package} (one "
                             "version of a contract per --out)", file=models.contract_id)
        files.update(models.files)
    write_output(out_dir, files, replace=replace)
    _report(generated, out_dir, fmt)


@generate_group.command("package")
@click.argument("target", metavar="ID[@VERSION]|PATH")
@click.option("--out", "out_dir", required=True,
              type=click.Path(path_type=Path),
              help="Folder for the package (pyproject.toml, README.md, the models).")
@click.option("--replace", is_flag=True, help="Replace a package generated there before.")
@registry_option
@format_option("text", "json")
@input_errors_exit_2
def package_cmd(target: str, out_dir: Path, replace: bool, registry_path: Path | None,
                fmt: str) -> None:
    """An installable Python package of one contract's models, versioned as the contract
    (ledgerpact-models-<id> X.Y.Z); `pip install DIR` installs it.

    \b
    Example:
      ledgerpact generate package erp-finance --out dist/erp-finance-models
      pip install dist/erp-finance-models
    """
    from ledgerpact.generators.models.generate import generate_models
    from ledgerpact.generators.models.output import write_output
    from ledgerpact.generators.models.package import package_files

    (contract,) = _targets(registry_path, (target,), False)
    models = generate_models(contract)
    write_output(out_dir, package_files(models, contract.title, contract.label),
                 replace=replace)
    _report([models], out_dir, fmt)


def _report(generated: list[GeneratedModels], out_dir: Path, fmt: str) -> None:
    if fmt == "json":
        click.echo(to_json([{"id": m.contract_id, "version": m.version, "package": m.package,
                             "content_hash": m.content_hash, "files": sorted(m.files),
                             "seconds": round(m.seconds, 3)} for m in generated]), nl=False)
        return
    for m in generated:
        click.echo(f"wrote {m.package} ({m.contract_id} {m.version}, "
                   f"{len(set(m.schema_names.values()))} types, {m.seconds:.2f} s) to {out_dir}")
