"""JUnit XML, the one test-report format every CI server can display.

Each checked contract is a test suite and each rule that ran is a test case in it, so a CI
dashboard shows which rules pass for which contract, not only the failures. A finding at or
above the failing severity is a ``<failure>`` of its rule's test case (one per finding);
findings below it, and waived ones, go to the test case's ``<system-out>`` so they are
visible without failing the build.

Names, types and messages all come from contracts or rulesets (a custom rule's id is
whatever the ruleset says), so the finished tree is cleaned as a whole before it is written:
every attribute and every text loses the characters XML 1.0 cannot hold, and no one value
can make the whole report unparseable because it was not thought of.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report.summary import (
    by_location,
    display_pointer,
    fails,
    groups,
    location,
    rule_list,
)

# Characters XML 1.0 cannot contain at all, even escaped (a message quoting binary junk
# would otherwise make the whole report unparseable).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def clean_tree(root: ET.Element) -> None:
    """Every attribute name and value, text and tail under ``root`` made XML-safe."""
    for element in root.iter():
        element.attrib = {_clean(k): _clean(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _clean(element.text)
        if element.tail:
            element.tail = _clean(element.tail)


def _describe(finding: LintFinding) -> str:
    waived = f" (waived: {finding.waived_by})" if finding.waived_by else ""
    return (f"{location(finding)}: {finding.severity.label} [{finding.rule}] "
            f"{display_pointer(finding.pointer)}: {finding.message}{waived}")


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           ruleset: str = "") -> str:
    described = rule_list(rules, findings)
    root = ET.Element("testsuites", name="ledgerpact lint")
    total_tests = total_failures = 0
    for contract, items in groups(by_location(findings), checked).items():
        per_rule: dict[str, list[LintFinding]] = {}
        for finding in items:
            per_rule.setdefault(finding.rule, []).append(finding)
        ran = [r.id for r in rules]
        suite_rules = ran + [r.id for r in described if r.id in per_rule and r.id not in ran]
        suite = ET.SubElement(root, "testsuite", name=contract)
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="fail-severity", value=fail_severity.label)
        ET.SubElement(props, "property", name="tool", value=f"ledgerpact {tool_version}")
        if ruleset:
            ET.SubElement(props, "property", name="ruleset", value=ruleset)
        failed = tests = 0
        for rule_id in dict.fromkeys(suite_rules):
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=contract, name=rule_id,
                                 time="0")
            hits = per_rule.get(rule_id, [])
            failing = [f for f in hits if fails(f, fail_severity)]
            for finding in failing:
                failure = ET.SubElement(case, "failure", type=rule_id,
                                        message=" ".join(finding.message.split()))
                failure.text = _describe(finding)
            others = [f for f in hits if not fails(f, fail_severity)]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(map(_describe, others))
            failed += bool(failing)
        for name, value in (("tests", tests), ("failures", failed), ("errors", 0),
                            ("skipped", 0), ("time", 0)):
            suite.set(name, str(value))
        total_tests += tests
        total_failures += failed
    if errors:  # inputs that could not be read: a test suite of errors, never a silent pass
        suite = ET.SubElement(root, "testsuite", name="input", tests=str(len(errors)),
                              failures="0", errors=str(len(errors)), skipped="0", time="0")
        for n, error in enumerate(errors, 1):
            case = ET.SubElement(suite, "testcase", classname="input", name=f"input {n}",
                                 time="0")
            ET.SubElement(case, "error", type="input-error", message=error).text = error
        total_tests += len(errors)
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", str(len(errors or ())))
    root.set("time", "0")
    clean_tree(root)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
