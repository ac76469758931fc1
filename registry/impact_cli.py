"""``ledgerpact impact``: everything that depends on a contract or canonical schema."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerpact.registry.cli_support import (
    format_option,
    input_errors_exit_2,
    open_registry,
    registry_option,
)


@click.command("impact")
@click.argument("target", metavar="ID|PATH")
@registry_option
@format_option("text", "json", "markdown")
@input_errors_exit_2
def impact_cmd(target: str, registry_path: Path | None, fmt: str) -> None:
    """Everything that depends on a contract or canonical schema: the contracts that $ref
    it (directly or through other schemas, with the chain of files), the consumers declared
    in contract.yaml (its own and those of every contract that uses it, since a change
    reaches them too) and the adapters (under adapters/) that map onto it or onto a
    contract that uses it.

    ID is a contract id; PATH a file in the registry (a contract's document, or a shared
    file without a contract.yaml of its own). An adapter is listed, with how it reaches
    the target, when its adapter.yaml provides the contract (or a contract that uses it) or
    names it as its vendor contract, when a contract.yaml lists it in providers, or when a
    module under adapters/ names the contract's document path below contracts/ or its
    folder from the registry root. Exit 0 with the answer, 2 when the target is unknown or
    the registry or an adapter.yaml cannot be read.

    \b
    Example:
      ledgerpact impact money
      ledgerpact impact invoice --format json
      ledgerpact impact contracts/schemas/common/common.schema.json --format markdown
    """
    from ledgerpact.registry.impact import dependents, dependents_of_file
    from ledgerpact.registry.impact_report import render

    reg = open_registry(registry_path)
    rel = _registry_path(reg.root, target)
    impact = dependents(reg, target) if rel is None else dependents_of_file(reg, rel)
    click.echo(render(fmt, impact), nl=False)


def _registry_path(root: Path, target: str) -> str | None:
    """The registry-relative path ``target`` names, when it is a path rather than an id
    (ids never hold a slash or a file extension)."""
    if "/" not in target and "\\" not in target and not target.endswith(
            (".json", ".yaml", ".yml")):
        return None
    path = Path(target)
    for candidate in (path, root / path):
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root):
            return resolved.relative_to(root).as_posix()
    from ledgerpact.registry.errors import InputError

    raise InputError("file not found in the registry", file=target)
