"""Diff reports: the same changes as text, JSON, markdown, SARIF, JUnit or GitHub annotations.

A report is a list of comparisons (one per contract, or one for two files) and the level at
which the run fails. Every format reads its counts, bump and verdict from ``summary`` so no
two formats can disagree on whether a change set breaks anyone. SARIF, JUnit and GitHub
reuse lint's renderers through ``adapt`` (a change is a located finding there), so CI tools
see diff results exactly as they see lint results.

A run that could not read a contract carries that in ``errors`` (one line each), and every
format says so and fails, as lint's reports do: a machine reading only the verdict must never
take a run that skipped a contract for a clean pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ledgerpact.governance.diff.model import Change, Level


@dataclass
class Compared:
    """One comparison: a contract at two revisions, or two files."""

    name: str  # the contract id, or the revision's file for two files
    base: str  # how the base side is shown: ``inv@v1``, a file
    revision: str
    changes: list[Change] = field(default_factory=list)
    # the folder each side's file names are relative to (base, revision), so SARIF can say
    # where a file given by path is; None: the registry's folder (``DiffReport``)
    folders: tuple[Path, Path] | None = None


@dataclass
class DiffReport:
    compared: list[Compared]
    fail_on: Level = Level.BREAKING
    tool_version: str = ""
    errors: list[str] = field(default_factory=list)  # inputs that could not be read
    # the registry's folder (registry file names are relative to it) and the Git work tree
    # it is in, so SARIF names files as code scanning resolves them; None: unknown
    registry_root: Path | None = None
    source_root: Path | None = None

    @property
    def changes(self) -> list[Change]:
        return [c for item in self.compared for c in item.changes]


Renderer = Callable[[DiffReport], str]


def render(fmt: str, report: DiffReport) -> str:
    from ledgerpact.governance.report import renderer_for

    renderer: Renderer = renderer_for(__name__, fmt)
    return renderer(report)
