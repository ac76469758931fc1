"""``ledgerpact verify``'s report in text, JSON, Markdown or JUnit XML (pure functions).

Every format carries the same facts: per pact, each interaction passed or failed, and for a
failure one line per mismatch naming the interaction and the field; the Schemathesis
operations exercised and the checks run; the records written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ledgerpact.governance.verify.outcome import PactResult, VerifyReport, failure_lines
from ledgerpact.registry.output import to_json

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _pact_title(pact: PactResult) -> str:
    pending = ", pending: no registered provider ever verified it" if pact.pending else ""
    verdict = "passed" if pact.passed else "FAILED"
    return (f"{pact.consumer} {pact.consumer_version} -> {pact.provider} "
            f"{pact.contract_version} ({pact.path}{pending}): {verdict}")


def _verdict(report: VerifyReport) -> str:
    if report.passed:
        return "passed"
    return "FAILED (pending pacts only: not fatal, --enable-pending)" if report.ok else "FAILED"


def _failures(report: VerifyReport, first_lines: bool = False) -> list[str]:
    """Every failure line: the run's problems, each pact's mismatches, Schemathesis'."""
    lines = [f"FAIL verify {report.adapter}: {problem}" for problem in report.problems]
    lines += failure_lines(report.pacts)
    props = report.properties
    if props is not None:
        lines += [f"FAIL schemathesis {props.contract}: "
                  f"{f.splitlines()[0] if first_lines else f}" for f in props.failures]
    return lines


def text(report: VerifyReport) -> str:
    lines = [f"ledgerpact verify {report.adapter} {report.adapter_version} "
             f"(vendor simulator {report.vendor}, seed {report.seed})", ""]
    if not report.pacts_run:
        lines += ["pacts: not verified (--only schemathesis)", ""]
    elif not report.pacts:
        lines += ["pacts: none names a contract this adapter provides", ""]
    if report.code_sha256:
        lines += [f"adapter code sha256 {report.code_sha256}", ""]
    for pact in report.pacts:
        lines.append(_pact_title(pact))
        for item in pact.interactions:
            states = f" [given {'; '.join(item.states)}]" if item.states else ""
            mark = "ok  " if item.passed else "FAIL"
            lines.append(f"  {mark} {item.kind:7} {item.description}{states}")
        if pact.record:
            lines.append(f"  record: {pact.record}")
        lines.append("")
    props = report.properties
    if props is not None:
        verdict = "passed" if props.passed else "FAILED"
        lines.append(f"schemathesis {props.contract}: {verdict} ({props.cases} cases, "
                     f"{len(props.operations)} operations)")
        lines.append(f"  checks: {', '.join(props.checks)}")
        lines.append(f"  operations: {', '.join(props.operations)}")
        lines += [f"  skipped: {s}" for s in props.skipped]
        lines.append("")
    failures = _failures(report)
    lines += failures
    if failures:
        lines.append("")
    lines.append(f"verify {report.adapter} {report.adapter_version}: {_verdict(report)}")
    return "\n".join(lines) + "\n"


def json_report(report: VerifyReport) -> str:
    data = report.as_dict()
    data["failures"] = _failures(report, first_lines=True)
    return to_json(data)


def markdown(report: VerifyReport) -> str:
    lines = [f"## ledgerpact verify {report.adapter} {report.adapter_version}: "
             f"**{_verdict(report)}**", "",
             f"Vendor simulator `{report.vendor}`, seed {report.seed}.", ""]
    if report.pacts:
        lines += ["| consumer | version | contract | interaction | kind | result |",
                  "|---|---|---|---|---|---|"]
        for pact in report.pacts:
            for item in pact.interactions:
                desc = item.description.replace("|", "\\|")
                lines.append(f"| {pact.consumer} | {pact.consumer_version} | {pact.provider} "
                             f"| {desc} | {item.kind} | "
                             f"{'passed' if item.passed else '**failed**'} |")
        lines.append("")
    props = report.properties
    if props is not None:
        verdict = "passed" if props.passed else "**failed**"
        lines += [f"Schemathesis `{props.contract}`: {verdict}, {props.cases} cases over "
                  f"{len(props.operations)} operations.", "",
                  "Checks: " + ", ".join(f"`{c}`" for c in props.checks) + ".", "",
                  "Operations:", ""]
        lines += [f"- `{op}`" for op in props.operations]
        lines.append("")
    lines += [f"- `{line}`" for line in _failures(report, first_lines=True)]
    return "\n".join(lines).rstrip("\n") + "\n"


def junit(report: VerifyReport) -> str:
    """One test suite per pact (one test case per interaction) and one for Schemathesis."""
    root = ET.Element("testsuites", name=f"ledgerpact verify {report.adapter}")
    if report.problems:  # nothing was verified: a failure CI must see
        suite = ET.SubElement(root, "testsuite", name=f"verify {report.adapter}",
                              tests="1", failures="1")
        case = ET.SubElement(suite, "testcase", classname="verify", name="something to verify")
        ET.SubElement(case, "failure", message=_clean(report.problems[0])).text = \
            _clean("\n".join(report.problems))
    for pact in report.pacts:
        suite = ET.SubElement(root, "testsuite",
                              name=f"{pact.consumer} {pact.consumer_version} -> "
                                   f"{pact.provider}",
                              tests=str(len(pact.interactions)),
                              failures=str(sum(not i.passed for i in pact.interactions)))
        lines = pact.failure_lines()
        for item in pact.interactions:
            case = ET.SubElement(suite, "testcase", classname=f"{pact.consumer}.{pact.provider}",
                                 name=_clean(item.description))
            if not item.passed:
                mine = [ln for ln in lines if f'"{item.description}"' in ln]
                failure = ET.SubElement(case, "failure", message=_clean(mine[0] if mine
                                                                        else "failed"))
                failure.text = _clean("\n".join(mine))
    props = report.properties
    if props is not None:
        suite = ET.SubElement(root, "testsuite", name=f"schemathesis {props.contract}",
                              tests="1", failures=str(int(not props.passed)))
        case = ET.SubElement(suite, "testcase", classname="schemathesis",
                             name=f"{props.contract} ({props.cases} cases)")
        if not props.passed:
            failure = ET.SubElement(case, "failure",
                                    message=_clean(props.failures[0].splitlines()[0]))
            failure.text = _clean("\n\n".join(props.failures))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def render(report: VerifyReport, fmt: str) -> str:
    return {"text": text, "json": json_report, "markdown": markdown, "junit": junit}[fmt](
        report)
