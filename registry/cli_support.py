"""What every ``ledgerpact`` command shares: exit codes, the bad-input handler, the
``--registry`` option, and opening the registry or a contract given by path.

It sits apart from the command groups so that ``governance`` and ``adapters`` commands can
use it without importing the ``registry`` command group (which attaches them).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from gettext import gettext
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


def is_file_name(arg: str) -> bool:
    """Whether a command-line target is clearly meant as a file (registry ids have no
    such suffix), so a missing one is reported as a missing file."""
    return arg.endswith((".json", ".yaml", ".yml"))


def looks_like_path(arg: str) -> bool:
    return is_file_name(arg) and Path(arg).is_file()


def entry_for(catalog: Catalog, target: str) -> Any:
    """The registry entry a command-line target names; a target that is clearly a file
    name but does not exist is reported as a missing file, not as an unknown contract."""
    if is_file_name(target) and target not in catalog.entries:
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


# name -> (module, attribute, short help): a command imported only when it runs.
LazyTable = Mapping[str, tuple[str, str, str]]


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands, each command's module imported only when that command is asked
    for by name.

    Importing every command module (and what they import) on every start costs more than
    linting a small contract; a command run needs one of them. Iterating lists every name
    without importing anything; looking one up imports just that one. A mapping rather
    than only overridden ``get_command``/``list_commands`` so that ``group.commands`` (read
    by click and by tests) still holds every command."""

    def __init__(self, lazy: LazyTable) -> None:
        self._lazy = dict(lazy)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            module, attribute, _ = self._lazy[name]  # KeyError: no such command
            command = getattr(importlib.import_module(module), attribute)
            self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._lazy.pop(name, None)

    def __delitem__(self, name: str) -> None:
        if self._loaded.pop(name, None) is None:
            del self._lazy[name]
        else:
            self._lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._loaded, *self._lazy]))

    def __len__(self) -> int:
        return len(self._loaded.keys() | self._lazy.keys())

    def stand_in(self, name: str) -> click.Command | None:
        """For help listings: a command not imported yet, as a stub carrying its short
        help (the first sentence of its help, which is all click shows of it)."""
        if name in self._loaded or name not in self._lazy:
            return None
        return click.Command(name, help=self._lazy[name][2])


class LazyGroup(click.Group):
    """A click group whose ``--help`` lists lazily registered commands without importing
    them (see LazyCommands)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = self.commands
        if not isinstance(commands, LazyCommands):
            super().format_commands(ctx, formatter)
            return
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = commands.stand_in(name) or self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        if rows:  # as click lays it out: the short help fits beside the longest name
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section(gettext("Commands")):  # click's own, translated
                formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in rows])


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
