"""What every ``ledgerpact`` command shares: exit codes, the bad-input handler, the
``--registry`` option, and opening the registry or a contract given by path.

It sits apart from the command groups so that ``governance`` and ``adapters`` commands can
use it without importing the ``registry`` command group (which attaches them).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

if TYPE_CHECKING:
    from ledgerpact.registry.catalog import Catalog

P = ParamSpec("P")
R = TypeVar("R")

EXIT_FINDINGS = 1
# The report formats every command that reports findings offers (governance.report has one
# module per format under these names).
REPORT_FORMATS = ("text", "json", "markdown", "sarif", "junit", "github")
EXIT_INPUT = 2


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INPUT)


def input_errors_exit_2(func: Callable[P, R]) -> Callable[P, R]:
    """Bad input is the user's to fix: one line on stderr, exit 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            fail(str(exc))
        except Exception as exc:
            # GitPython is imported only by commands that use it; match its errors by module.
            if type(exc).__module__.split(".")[0] != "git":
                raise
            fail(f"git: {' '.join(str(getattr(exc, 'stderr', '') or exc).split())}")
        raise SystemExit(EXIT_INPUT)  # fail() exits; this line only satisfies the type checker

    return wrapper


def registry_option(func: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--registry", "registry_path", type=click.Path(path_type=Path, file_okay=False),
        default=None, help="Registry root (default: the Git repository you stand in).",
    )(func)


def format_option(*choices: str, default: str = "text") -> Callable[[Callable[P, R]],
                                                                       Callable[P, R]]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help="Output format.")


def catalog_for(ws: Workspace) -> Catalog:
    """The catalog, imported on use: its metadata models pull in pydantic, which commands
    on a single file (lint, bundle, validate by path) never need."""
    from ledgerpact.registry.catalog import Catalog

    return Catalog(ws)


def open_registry(registry_path: Path | None) -> Registry:
    return Registry.open(registry_path)


def looks_like_path(arg: str) -> bool:
    return arg.endswith((".json", ".yaml", ".yml")) and Path(arg).is_file()


def entry_for(catalog: Catalog, target: str) -> Any:
    """The registry entry a command-line target names; a target that is clearly a file
    name but does not exist is reported as a missing file, not as an unknown contract."""
    if target.endswith((".json", ".yaml", ".yml")) and target not in catalog.entries:
        raise InputError("file not found", file=target)
    return catalog.get(target)


def file_workspace(arg: str) -> tuple[Workspace, str, str]:
    """Workspace, path inside it, and display prefix for a contract given as a file path:
    a file inside a registry is read from that registry's root (its ``$ref``s may reach the
    canonical schemas); any other file from its own folder."""
    path = Path(arg).resolve()
    reg = Registry.containing(path)
    if reg is not None:
        return reg.workspace(), path.relative_to(reg.root).as_posix(), ""
    prefix = str(Path(arg).parent)
    return Workspace(DirectorySource(path.parent)), path.name, "" if prefix == "." else prefix


_freeze_at_exit: list[object] = []


def batch_mode() -> None:
    """For commands that load a document, work and exit: the parsed tree holds no cycles,
    so the cyclic garbage collector would only re-scan it (a sixth of a bundle of Stripe's
    spec). Never for long-running commands.

    At exit Python still runs one full collection, collector disabled or not, over every
    object left (a parsed multi-megabyte spec and its index: about a tenth of a lint of
    Stripe's spec). Freezing them first, in an exit handler that runs before that
    collection, skips the pointless scan; the memory goes back to the system either way."""
    import atexit
    import gc

    gc.disable()
    if not _freeze_at_exit:  # once, however many commands a test process runs
        _freeze_at_exit.append(atexit.register(gc.freeze))
