"""Check reports: text, JSON, markdown (a PR comment), SARIF, JUnit and GitHub annotations.

Every format reads verdicts, counts and one-line descriptions from ``summary``, so no two
formats can disagree about which contract failed or why.
"""

from __future__ import annotations

from collections.abc import Callable

from ledgerpact.governance.check.model import CheckReport

Renderer = Callable[[CheckReport], str]


def render(fmt: str, report: CheckReport) -> str:
    from ledgerpact.governance.report import renderer_for

    renderer: Renderer = renderer_for(__name__, fmt)
    return renderer(report)
