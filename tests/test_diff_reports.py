"""Diff reports read back the way their consumers read them: SARIF validated against the
official 2.1.0 schema, JUnit parsed as XML, GitHub workflow commands parsed, markdown tables
counted, JSON compared field by field with ``Change.as_dict``.

The breaking and warning changes come from a real diff of two small documents; an info
change and one affecting many operations are built directly, as lint's report tests build
findings, so every level and the "and N more" path are covered whatever rules exist.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from ledgerpact.governance.diff.catalog import all_diff_rules, get_rule
from ledgerpact.governance.diff.model import Bump, Change, Direction, Level, Place
from ledgerpact.governance.diff.report import Compared, DiffReport, render
from ledgerpact.governance.diff.report.catalogue import levels_text, render_catalogue
from ledgerpact.governance.report import FORMATS
from ledgerpact.registry.errors import InputError
from tests.diff_helpers import diff_texts
from tests.test_reports import parse_commands

BASE = """\
openapi: 3.1.0
info: {title: Invoices, version: 1.0.0}
paths:
  /invoices:
    post:
      operationId: createInvoice
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Invoice'}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Invoice'}
components:
  schemas:
    Invoice:
      type: object
      properties:
        id: {type: string}
        isPaid: {type: string}
        memo: {type: string}
"""
REVISION = BASE.replace("        memo: {type: string}\n", "").replace(
    "isPaid: {type: string}", "isPaid: {type: boolean}")

OPERATIONS = [f"GET /ledgers/{n}" for n in range(12)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> DiffReport:
    real = diff_texts(tmp_path_factory.mktemp("diff"), BASE, REVISION)
    info = Change(rule="contract-added", level=Level.INFO, direction=Direction.NONE,
                  message="openapi contract 'ledgers' added", base=None,
                  revision=Place("contracts/ledgers/contract.yaml", "", 1, 1),
                  bump=Bump.MINOR, contract="ledgers")
    wide = Change(rule="property-removed", level=Level.BREAKING,
                  direction=Direction.RESPONSE, message="property 'a|b' removed",
                  base=Place("contracts/ledgers/openapi.yaml", "/components/schemas/L", 40, 7),
                  revision=Place("contracts/ledgers/openapi.yaml", "/components/schemas/L",
                                 38, 7), affects=OPERATIONS, bump=Bump.MAJOR,
                  contract="ledgers")
    return DiffReport([Compared("revision/contract.yaml", "base/contract.yaml",
                                "revision/contract.yaml", real),
                       Compared("ledgers", "ledgers@v1", "ledgers (working tree)",
                                [wide, info])], Level.BREAKING, "0.1.0")


def test_the_real_diff_has_breaking_and_warning_changes(report: DiffReport) -> None:
    real = report.compared[0].changes
    assert {(c.rule, c.direction, c.level) for c in real} >= {
        ("property-removed", Direction.RESPONSE, Level.BREAKING),
        ("property-removed", Direction.REQUEST, Level.WARNING),
        ("type-changed", Direction.RESPONSE, Level.BREAKING)}


def test_unknown_format_is_input_error(report: DiffReport) -> None:
    assert set(FORMATS) == {"text", "json", "markdown", "sarif", "junit", "github"}
    with pytest.raises(InputError, match="unknown report format 'html'"):
        render("html", report)


# -- text ----------------------------------------------------------------------------------


def test_text_groups_by_level_and_caps_affects(report: DiffReport) -> None:
    out = render("text", report).splitlines()
    ledgers = out.index("== ledgers@v1 -> ledgers (working tree): 2 changes (1 breaking, "
                        "0 warning, 1 info); major version bump required")
    assert out[ledgers + 1:ledgers + 9] == [
        "breaking (1):",
        "  [property-removed] response: property 'a|b' removed",
        "      base:     contracts/ledgers/openapi.yaml:40:7 /components/schemas/L",
        "      revision: contracts/ledgers/openapi.yaml:38:7 /components/schemas/L",
        "      affects:  12 operations: GET /ledgers/0, GET /ledgers/1, GET /ledgers/2, "
        "GET /ledgers/3, GET /ledgers/4 and 7 more",
        "info (1):",
        "  [contract-added]: openapi contract 'ledgers' added",  # no direction, no base
        "      revision: contracts/ledgers/contract.yaml:1:1 /"]
    groups = [line for line in out[:ledgers] if line.endswith("):")]
    assert [g.split(" ")[0] for g in groups] == ["breaking", "warning"]  # worst first
    assert out[-1] == report_summary(report)


def report_summary(report: DiffReport) -> str:
    n = len(report.changes)
    breaking = sum(c.level is Level.BREAKING for c in report.changes)
    warning = sum(c.level is Level.WARNING for c in report.changes)
    info = n - breaking - warning
    return (f"2 contracts compared: {n} changes ({breaking} breaking, {warning} warning, "
            f"{info} info); major version bump required; {breaking} at or above breaking: "
            "failed")


# -- json ----------------------------------------------------------------------------------


def test_json_has_every_field_and_a_summary(report: DiffReport) -> None:
    data = json.loads(render("json", report))
    expected = [{**c.as_dict(), "compared": item.name}
                for item in report.compared for c in item.changes]
    assert data["changes"] == expected
    assert set(data["changes"][0]) >= {"rule", "level", "direction", "message", "base",
                                       "revision", "affects", "bump"}
    summary = data["summary"]
    assert (summary["breaking"], summary["warning"], summary["info"]) == tuple(
        sum(c.level is lv for c in report.changes)
        for lv in (Level.BREAKING, Level.WARNING, Level.INFO))
    assert summary["bump"] == "major" and summary["verdict"] == "failed"
    assert summary["failed"] is True and summary["failOn"] == "breaking"
    ledgers = data["compared"][1]
    assert ledgers["base"] == "ledgers@v1" and ledgers["summary"]["info"] == 1


# -- sarif ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_schema(official_schemas: Path) -> dict:
    return json.loads((official_schemas / "sarif-schema-2.1.0.json").read_text("utf-8"))


@pytest.mark.parametrize("validator_class", [jsonschema.Draft4Validator,
                                             jsonschema.Draft7Validator])
def test_sarif_validates_against_the_official_schema(
        report: DiffReport, sarif_schema: dict,
        validator_class: type[jsonschema.protocols.Validator]) -> None:
    validator = validator_class(sarif_schema, format_checker=validator_class.FORMAT_CHECKER)
    log = json.loads(render("sarif", report))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(log)]
    assert errors == []
    log["runs"][0]["results"][0]["level"] = "breaking"  # the schema really checks
    assert any(True for _ in validator.iter_errors(log))


def test_sarif_levels_rules_and_both_places(report: DiffReport) -> None:
    run = json.loads(render("sarif", report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(report.changes)
    levels = {(r["ruleId"], r["properties"]["level"]): r["level"] for r in results}
    assert levels[("property-removed", "breaking")] == "error"
    assert levels[("property-removed", "warning")] == "warning"
    assert levels[("contract-added", "info")] == "note"
    for res in results:
        rule = rules[res["ruleIndex"]]
        assert rule["id"] == res["ruleId"]
        assert rule["shortDescription"]["text"] == get_rule(res["ruleId"]).doc.summary
    removed = next(r for r in rules if r["id"] == "property-removed")
    assert "Base:\n\n```yaml\n" in removed["help"]["markdown"]
    assert "Revision:\n\n```yaml\n" in removed["help"]["markdown"]
    assert removed["properties"]["levels"]["response"] == "breaking"
    wide = next(r for r in results if "a|b" in r["message"]["text"])
    assert wide["locations"][0]["physicalLocation"]["region"]["startLine"] == 38
    related = wide["relatedLocations"][0]
    assert related["physicalLocation"]["region"]["startLine"] == 40
    assert "ledgers@v1" in related["message"]["text"]
    assert wide["properties"]["affects"] == OPERATIONS
    added = next(r for r in results if r["ruleId"] == "contract-added")
    assert "relatedLocations" not in added


def test_sarif_fingerprint_ignores_lines_and_affects(report: DiffReport) -> None:
    from ledgerpact.governance.diff.report.sarif import result

    wide = report.compared[1].changes[0]
    moved = Change(**{**wide.__dict__, "affects": OPERATIONS[:3],
                      "revision": Place(wide.place.file, wide.place.pointer, 99, 1)})
    assert (result(wide, "ledgers", 0)["partialFingerprints"]
            == result(moved, "ledgers", 0)["partialFingerprints"])


# -- junit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", [Level.BREAKING, Level.WARNING, Level.INFO])
def test_junit_parses_and_fails_at_fail_on(report: DiffReport, fail_on: Level) -> None:
    """Each comparison is a suite and each diff rule a test case in it, failed when one of
    its changes is at or above --fail-on."""
    root = ET.fromstring(render("junit", DiffReport(report.compared, fail_on, "0.1.0")))
    assert root.get("name") == "ledgerpact diff"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [c.name for c in report.compared]
    for suite, item in zip(suites, report.compared, strict=True):
        assert len(suite.findall("testcase")) == len(all_diff_rules())
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["fail-on"] == fail_on.label
        failed = {case.get("name") for case in suite.findall("testcase")
                  if case.find("failure") is not None}
        assert failed == {c.rule for c in item.changes if c.level >= fail_on}
    assert "contract-added" in failed if fail_on is Level.INFO else "contract-added" not in failed


# -- github --------------------------------------------------------------------------------


def test_github_annotations_and_summary(report: DiffReport) -> None:
    out = render("github", report)
    commands = parse_commands(out)
    kinds = sorted(c["kind"] for c in commands)
    assert kinds.count("error") == sum(c.level is Level.BREAKING for c in report.changes)
    assert kinds.count("warning") == sum(c.level is Level.WARNING for c in report.changes)
    assert kinds.count("notice") == sum(c.level is Level.INFO for c in report.changes)
    wide = next(c for c in commands if "a|b" in c["message"])
    assert wide["file"] == "contracts/ledgers/openapi.yaml" and wide["line"] == "38"
    assert wide["title"] == "property-removed"
    assert wide["message"].startswith("/components/schemas/L: breaking response change: ")
    assert "(affects 12 operations: GET /ledgers/0" in wide["message"]
    assert out.splitlines()[-1] == report_summary(report)
    assert "findings" not in out  # lint's summary line was replaced


# -- markdown ------------------------------------------------------------------------------


def test_markdown_summary_and_tables(report: DiffReport) -> None:
    out = render("markdown", report)
    lines = out.splitlines()
    assert lines[0] == "## Ledgerpact diff: failed"
    assert "| ledgers | ledgers@v1 | ledgers (working tree) | 1 | 0 | 1 | major |" in lines
    rows = [line for line in lines[lines.index("### Changes"):] if line.startswith("| ")]
    assert len(rows) == 1 + len(report.changes)  # header + one row per change
    levels = [row.split(" | ")[0].strip("| ") for row in rows[1:]]
    assert levels == sorted(levels, key=lambda lv: -Level.parse(lv))  # worst first
    assert "property 'a\\|b' removed" in out  # escaped: the table keeps its columns
    assert all(row.count(" | ") == 5 for row in rows[1:])


def test_markdown_is_capped() -> None:
    many = [Change(rule="property-removed", level=Level.BREAKING,
                   direction=Direction.RESPONSE, message=f"property 'p{n}' removed",
                   base=Place("a.yaml", f"/p{n}", n + 1, 1), revision=None)
            for n in range(7)]
    from ledgerpact.governance.diff.report import markdown

    out = markdown.render(DiffReport([Compared("a.yaml", "a.yaml", "b.yaml", many)]),
                          max_rows=5)
    assert "... and 2 more changes" in out


# -- all formats agree ---------------------------------------------------------------------


@pytest.mark.parametrize("fail_on", [Level.BREAKING, Level.WARNING])
def test_formats_agree_on_the_verdict(report: DiffReport, fail_on: Level) -> None:
    only_info = [Compared("ledgers", "ledgers@v1", "ledgers", [report.compared[1].changes[1]])]
    for compared, failed in ((report.compared, True), (only_info, False)):
        r = DiffReport(compared, fail_on, "0.1.0")
        verdict = "failed" if failed else "passed"
        assert json.loads(render("json", r))["summary"]["verdict"] == verdict
        assert (int(ET.fromstring(render("junit", r)).get("failures")) > 0) is failed
        assert render("text", r).rstrip().endswith(verdict)
        assert render("github", r).rstrip().endswith(verdict)
        assert render("markdown", r).startswith(f"## Ledgerpact diff: {verdict}")
        sarif = json.loads(render("sarif", r))["runs"][0]["properties"]
        assert sarif["verdict"] == verdict


# -- the catalogue (ledgerpact rules --kind diff) --------------------------------------------


def test_catalogue_lists_every_rule_from_its_metadata() -> None:
    rules = all_diff_rules()
    data = json.loads(render_catalogue("json"))
    assert [r["id"] for r in data] == [r.id for r in rules]
    assert all(r["base"] and r["revision"] and r["why"] for r in data)
    text = render_catalogue("text").splitlines()
    assert len(text) == len(rules)
    md = render_catalogue("markdown")
    assert all(f"\n## {r.id}\n" in md for r in rules)
    assert levels_text(get_rule("property-removed")) == "request warning, response breaking"
    assert levels_text(get_rule("contract-removed")) == "breaking"


def test_catalogue_one_rule_and_unknown_rule() -> None:
    one = render_catalogue("text", "type-changed")
    family = get_rule("type-changed").family
    assert one.startswith(f"type-changed ({family}; breaking; bump: major)\n\n")
    assert "\nBase:\n    openapi: 3.1.0\n" in one and "\nRevision:\n" in one
    with pytest.raises(InputError, match="no diff rule 'nope'"):
        render_catalogue("text", "nope")
