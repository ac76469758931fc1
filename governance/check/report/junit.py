"""JUnit XML: each contract a test suite, each step a test case.

A failed step is a ``<failure>`` listing its failing findings; a step that does not apply is
``<skipped>`` with the reason (so a dashboard never shows it as passed); a passed step keeps
its summary and any non-failing findings in ``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ledgerpact.governance.check.model import CheckReport, Outcome, fails
from ledgerpact.governance.lint.model import LintFinding
from ledgerpact.governance.report.text import line

# Characters XML 1.0 cannot hold even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _describe(finding: LintFinding) -> str:
    note = f" (accepted: {finding.waived_by})" if finding.waived_by else ""
    return _clean(line(finding) + note)


def render(report: CheckReport) -> str:
    root = ET.Element("testsuites", name="ledgerpact check")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for contract in report.contracts:
        suite = ET.SubElement(root, "testsuite", name=_clean(contract.id))
        props = ET.SubElement(suite, "properties")
        for name, value in (("base", report.base_label), ("presence", contract.presence),
                            ("tool", f"ledgerpact {report.tool_version}")):
            ET.SubElement(props, "property", name=name, value=_clean(value))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for step in contract.steps:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", classname=_clean(contract.id),
                                 name=step.name, time="0")
            if step.outcome is Outcome.FAILED:
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", type=step.name,
                                        message=_clean(step.summary))
                failure.text = "\n".join(_describe(f) for f in step.findings if fails(f)) \
                    or _clean(step.summary)
            elif step.outcome is Outcome.NOT_APPLICABLE:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(step.summary))
            rest = [f for f in step.findings if not fails(f)]
            if step.outcome is Outcome.PASSED or rest:
                ET.SubElement(case, "system-out").text = "\n".join(
                    [_clean(step.summary), *map(_describe, rest)])
        for name, value in (*counts.items(), ("errors", 0), ("time", 0)):
            suite.set(name, str(value))
        for name in totals:
            totals[name] += counts[name]
    for name, value in (*totals.items(), ("errors", 0), ("time", 0)):
        root.set(name, str(value))
    ET.indent(root)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{ET.tostring(root, encoding="unicode")}\n'
