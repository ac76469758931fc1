"""Plain text for a terminal: per contract its verdict, one line per step, then the errors
and warnings (``file:line:col`` first, which terminals and editors link); info-level
findings are counted, not listed (the JSON and SARIF reports hold them all)."""

from __future__ import annotations

from ledgerpact.governance.check.model import CheckReport, ContractCheck, Outcome
from ledgerpact.governance.check.report.summary import headline, plural, verdict_line
from ledgerpact.governance.lint.model import Severity
from ledgerpact.governance.report.text import line


def contract_lines(contract: ContractCheck) -> list[str]:
    why = "; ".join(contract.reasons) or contract.presence
    out = [f"{contract.id}: {contract.outcome.value.upper()} ({contract.presence}: {why})"]
    width = max((len(s.name) for s in contract.steps), default=0)
    for step in contract.steps:
        out.append(f"  {step.name:<{width}}  {step.outcome.value:<14}  {step.summary}")
    shown = [f for f in contract.findings if f.severity >= Severity.WARN or f.waived_by]
    for finding in shown:
        note = f" (accepted: {finding.waived_by})" if finding.waived_by else ""
        out.append(f"    {line(finding)}{note}")
    quiet = len(contract.findings) - len(shown)
    if quiet:
        out.append(f"    ... and {plural(quiet, 'info finding')} (--format json lists them)")
    return out


def render(report: CheckReport) -> str:
    lines = [headline(report), ""]
    for contract in report.contracts:
        lines += [*contract_lines(contract), ""]
    failed = [c.id for c in report.contracts if c.outcome is Outcome.FAILED]
    lines.append(verdict_line(report) + (f" ({', '.join(failed)})" if failed else ""))
    return "\n".join(lines) + "\n"
