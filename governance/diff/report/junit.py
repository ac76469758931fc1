"""JUnit XML: lint's renderer on the changes (each comparison a test suite, each diff rule a
test case, a change at or above --fail-on a failure of its rule), named as a diff run. An
input that could not be read is an error in lint's ``input`` suite."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ledgerpact.governance.diff.report import DiffReport
from ledgerpact.governance.diff.report.adapt import SEVERITY, findings, lint_rules
from ledgerpact.governance.report import junit


def render(report: DiffReport) -> str:
    text = junit.render(findings(report), rules=lint_rules(),
                        checked=[item.name for item in report.compared],
                        fail_severity=SEVERITY[report.fail_on],
                        tool_version=report.tool_version, errors=report.errors)
    root = ET.fromstring(text)
    root.set("name", "ledgerpact diff")
    for prop in root.iter("property"):
        if prop.get("name") == "fail-severity":  # lint's word; diff's is --fail-on
            prop.set("name", "fail-on")
            prop.set("value", report.fail_on.label)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
