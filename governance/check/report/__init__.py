"""Check reports: text, JSON, markdown (a PR comment), SARIF, JUnit and GitHub annotations.

Every format reads verdicts, counts and one-line descriptions from ``summary``, so no two
formats can disagree about which contract failed or why.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from ledgerpact.governance.check.model import CheckReport
from ledgerpact.registry.errors import InputError

# Format -> module, imported only for the formats asked for.
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "markdown": "markdown",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
}

Renderer = Callable[[CheckReport], str]


def render(fmt: str, report: CheckReport) -> str:
    try:
        module = FORMATS[fmt]
    except KeyError:
        raise InputError(f"unknown report format {fmt!r} (expected "
                         f"{', '.join(FORMATS)})") from None
    renderer: Renderer = import_module(f"{__name__}.{module}").render
    return renderer(report)
