"""GitHub Actions workflow commands: findings as annotations on the pull request's files.

GitHub shows only a few annotations per step: 10 error, 10 warning and 10 notice
annotations per step, and 50 per job across all steps (the limits documented by
actions/toolkit, ``docs/problem-matchers.md``). Anything beyond is dropped by GitHub
without a word, which would let a reviewer believe the contract has 10 problems when it has
200. So when findings exceed what will be shown, the most severe get the annotations, the
others are printed as plain lines in a collapsed log group, and a final ``::error::`` line
(itself one of the 10 error annotations, whose slot is reserved for it) says how many were
not annotated and where to find them.

Lines that are not commands must never be read as one. The runner takes a line as a command
when it starts with ``::`` after leading spaces, and also (the legacy form) when ``##[``
appears anywhere in it: an overflow line quoting ``##[add-mask]x`` or ``##[stop-commands]t``
from a contract would mask a value in the log or silence every later annotation. ``plain``
breaks both with a zero-width space, which leaves the line reading the same.
"""

from __future__ import annotations

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report import text
from ledgerpact.governance.report.summary import (
    display_pointer,
    run_failed,
    summary_line,
    worst_first,
)
from ledgerpact.registry.findings import github_escape

# Annotations GitHub shows per step, by kind (actions/toolkit docs/problem-matchers.md).
LIMITS = {"error": 10, "warning": 10, "notice": 10}
COMMANDS = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.INFO: "notice",
            Severity.HINT: "notice"}
ZERO_WIDTH_SPACE = "\u200b"


def plain(line: str) -> str:
    """A line of log text the runner cannot read as a workflow command: ``##[`` (legacy
    commands, found anywhere in a line) and a leading ``::`` (after any leading whitespace)
    get a zero-width space inside them."""
    line = line.replace("##[", "##" + ZERO_WIDTH_SPACE + "[")
    body = line.lstrip()
    if body.startswith("::"):
        line = line[: len(line) - len(body)] + ":" + ZERO_WIDTH_SPACE + body[1:]
    return line


def command(finding: LintFinding) -> str:
    """``::error file=F,line=L,col=C,title=RULE::pointer: message`` with GitHub's escaping
    (``%``, CR, LF everywhere; also ``:`` and ``,`` in property values)."""
    props = [f"file={github_escape(finding.file, True)}"]
    if finding.line > 0:
        props += [f"line={finding.line}", f"col={max(finding.column, 1)}"]
    props.append(f"title={github_escape(finding.rule, True)}")
    message = f"{display_pointer(finding.pointer)}: {finding.message}"
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{github_escape(message)}"


def select(findings: list[LintFinding],
           limits: dict[str, int] = LIMITS) -> tuple[list[LintFinding], list[LintFinding]]:
    """Split unwaived findings, worst first, into (annotated, not annotated). When anything
    must be left out, one error slot is kept for the summary annotation."""
    active = worst_first(f for f in findings if not f.waived_by)
    by_kind: dict[str, list[LintFinding]] = {kind: [] for kind in limits}
    for finding in active:
        by_kind[COMMANDS[finding.severity]].append(finding)
    overflow = any(len(items) > limits[kind] for kind, items in by_kind.items())
    slots = {kind: limit - (1 if overflow and kind == "error" else 0)
             for kind, limit in limits.items()}
    annotated = {id(f) for kind, items in by_kind.items() for f in items[: slots[kind]]}
    return ([f for f in active if id(f) in annotated],
            [f for f in active if id(f) not in annotated])


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           ruleset: str = "",
           limits: dict[str, int] = LIMITS) -> str:
    annotated, rest = select(findings, limits)
    lines = ["::error::" + github_escape(error) for error in errors or ()]
    lines += [command(f) for f in annotated]
    if rest:
        lines.append(f"::group::{len(rest)} findings not annotated")
        lines += [plain("  " + text.line(f)) for f in rest]
        lines.append("::endgroup::")
    lines.append(plain(summary_line(findings, checked, fail_severity, errors or (), ruleset)))
    if rest:
        shown = ", ".join(f"{n} {kind}" for kind, n in limits.items())
        # An error only when the run fails anyway: a passing run's overflow is a warning,
        # so the annotation never contradicts the verdict, yet is never silent.
        failing = run_failed(findings, fail_severity, errors or ())
        lines.append(("::error::" if failing else "::warning::") + github_escape(
            f"{len(rest)} of {len(annotated) + len(rest)} findings were not annotated "
            f"(GitHub shows at most {shown} annotations per step); all are listed in this "
            f"step's log under '{len(rest)} findings not annotated'"))
    return "\n".join(lines) + "\n"
