"""Reports: the same findings as text, JSON, SARIF, JUnit, markdown or GitHub annotations.

Lint today, diff and compatibility checks later: every command that produces
``LintFinding``s renders them through ``render`` so ``--format`` means the same thing
everywhere and every format agrees on counts, waivers and the verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.registry.errors import InputError

Renderer = Callable[..., str]

# Format -> the module that renders it, imported only when that format is asked for: a
# command prints one format, and the others (XML, SARIF) cost a start-up worth avoiding.
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "markdown": "markdown",
    "github": "github",
}


def renderer_for(package: str, fmt: str) -> Renderer:
    """The ``render`` function of ``fmt``'s module in ``package``: lint, diff and check
    reports keep one module per format under the same names, imported on demand."""
    try:
        module = FORMATS[fmt]
    except KeyError:
        raise InputError(f"unknown report format {fmt!r} (expected "
                         f"{', '.join(FORMATS)})") from None
    renderer: Renderer = import_module(f"{package}.{module}").render
    return renderer


def render(fmt: str, findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: Sequence[str] = (),
           ruleset: str = "") -> str:
    """The report in ``fmt``; ``rules`` are the rules that ran, ``checked`` the contracts
    (registry ids or files) that were linted, ``fail_severity`` decides pass or fail.
    ``errors``: the inputs that could not be read (one line each). A machine-read report
    carries them, so a run that skipped a contract never reads as a clean pass of all.
    ``ruleset`` names the rules that ran (a ruleset file may have replaced the built-in
    ones): every format says it, so no report of a custom run reads like a built-in one."""
    renderer = renderer_for(__name__, fmt)
    return renderer(list(findings), rules=list(rules), checked=list(checked),
                    fail_severity=fail_severity, tool_version=tool_version,
                    errors=list(errors), ruleset=ruleset)
