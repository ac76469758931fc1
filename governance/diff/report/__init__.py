"""Diff reports: the same changes as text, JSON, markdown, SARIF, JUnit or GitHub annotations.

A report is a list of comparisons (one per contract, or one for two files) and the level at
which the run fails. Every format reads its counts, bump and verdict from ``summary`` so no
two formats can disagree on whether a change set breaks anyone. SARIF, JUnit and GitHub
reuse lint's renderers through ``adapt`` (a change is a located finding there), so CI tools
see diff results exactly as they see lint results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ledgerpact.governance.diff.model import Change, Level


@dataclass
class Compared:
    """One comparison: a contract at two revisions, or two files."""

    name: str  # the contract id, or the revision's file for two files
    base: str  # how the base side is shown: ``inv@v1``, a file
    revision: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class DiffReport:
    compared: list[Compared]
    fail_on: Level = Level.BREAKING
    tool_version: str = ""

    @property
    def changes(self) -> list[Change]:
        return [c for item in self.compared for c in item.changes]


Renderer = Callable[[DiffReport], str]


def render(fmt: str, report: DiffReport) -> str:
    from ledgerpact.governance.report import renderer_for

    renderer: Renderer = renderer_for(__name__, fmt)
    return renderer(report)
