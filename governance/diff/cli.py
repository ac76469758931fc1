"""``ledgerpact diff``: (being written)."""

from __future__ import annotations

import click


@click.command("diff")
def diff_cmd() -> None:
    """Breaking-change detection (being written)."""
