"""The lazily registered commands: the static table ``--help`` reads matches the commands."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from click.utils import _make_default_short_help

from ledgerpact.registry.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_lazy_entry_names_its_command_and_its_first_sentence(name: str) -> None:
    command = main.commands[name]
    assert command.name == name
    assert COMMANDS[name][2] == _make_default_short_help(command.help or "", 10**6)


@pytest.mark.parametrize("width", [40, 80, 200])
def test_help_lists_every_command_as_click_would(width: int) -> None:
    eager = click.Group("ledgerpact", commands=dict(main.commands.items()))
    lazy_help = CliRunner().invoke(main, ["--help"], terminal_width=width).output
    ctx = click.Context(eager, info_name="ledgerpact", terminal_width=width)
    formatter = ctx.make_formatter()
    eager.format_commands(ctx, formatter)
    assert formatter.getvalue() in lazy_help
    assert all(f"  {name} " in lazy_help for name in main.commands)


def test_help_and_a_lint_import_no_other_command() -> None:
    code = ("import sys; from ledgerpact.registry.cli import main, COMMANDS\n"
            "from click.testing import CliRunner\n"
            "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
            "print(sorted(m for m, _, _ in COMMANDS.values() if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
