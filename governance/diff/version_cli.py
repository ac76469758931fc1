"""``ledgerpact version check``, ``changelog`` and ``compat``: (being written)."""

from __future__ import annotations

import click


@click.group("version")
def version_group() -> None:
    """Semantic versioning from detected changes (being written)."""


@click.command("changelog")
def changelog_cmd() -> None:
    """Keep-a-Changelog sections from detected changes (being written)."""


@click.command("compat")
def compat_cmd() -> None:
    """Compatibility modes (being written)."""
