"""Reports: each format rendered from real findings and read back the way its consumer reads
it (SARIF validated against the official 2.1.0 schema, JUnit parsed as XML, markdown table
cells counted, GitHub workflow commands parsed and unescaped).

Findings are built directly, and waived ones come from a real waiver file applied with
``apply_waivers``, so the reports see exactly what the engine will hand them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from ledgerpact.governance.lint.model import (
    OAS3,
    LintFinding,
    Rule,
    RuleDoc,
    Severity,
    Violation,
)
from ledgerpact.governance.lint.waivers import (
    EXPIRED_RULE_ID,
    STALE_RULE_ID,
    WAIVER_RULES,
    apply_waivers,
    load_waivers,
)
from ledgerpact.governance.report import FORMATS, github, markdown, render
from ledgerpact.registry.errors import InputError

TODAY = dt.date(2026, 3, 15)
INVOICE = "contracts/invoice-api/openapi.yaml"
PAYMENT = "contracts/payment-api/openapi.yaml"
MONEY = "contracts/schemas/money/money.schema.json"


def _no_check(_index: object) -> Iterator[Violation]:
    return iter(())


AMOUNT = Rule(
    id="finance-amount-decimal-string", severity=Severity.ERROR, formats=OAS3,
    family="finance", check=_no_check,
    doc=RuleDoc(summary="Money amounts are decimal strings paired with a currency.",
                why="Binary floating point cannot hold 0.10 exactly; totals drift.",
                bad="amount:\n  type: number\n", good="amount:\n  type: string\n"
                "  pattern: '^-?[0-9]+(\\.[0-9]+)?$'\n"))
IDEMPOTENCY = Rule(
    id="finance-idempotency-key", severity=Severity.WARN, formats=OAS3, family="finance",
    check=_no_check,
    doc=RuleDoc(summary="Posting operations accept an Idempotency-Key header.",
                why="A retried POST must not book a payment twice.",
                bad="post:\n  parameters: []\n",
                good="post:\n  parameters:\n    - name: Idempotency-Key\n      in: header\n"))
OPERATION_ID = Rule(
    id="oas-operation-id-present", severity=Severity.WARN, formats=OAS3, family="oas",
    check=_no_check,
    doc=RuleDoc(summary="Every operation has an operationId.",
                why="Generated clients name methods after it; without one names churn.",
                bad="get:\n  responses: {}\n",
                good="get:\n  operationId: listInvoices\n  responses: {}\n"))
RULES = [AMOUNT, IDEMPOTENCY, OPERATION_ID, *WAIVER_RULES]

WAIVERS = """\
waivers:
  - rule: finance-amount-decimal-string
    contract: invoice-api
    pointer: /components/schemas/LegacyTotal/**
    reason: v1 consumers read totals as numbers | until v2
    approver: "@ledgerpact/finance-architecture"
    expires: 2026-06-30
  - rule: oas-operation-id-present
    contract: invoice-api
    pointer: /paths/~1invoices/get
    reason: legacy client
    approver: "@ledgerpact/api-guild"
    expires: 2026-01-31
  - rule: finance-idempotency-key
    contract: ledger-api
    pointer: /paths/~1journal-entries/post
    reason: fixed upstream
    approver: "@ledgerpact/ledger"
    expires: 2026-12-31
"""


@pytest.fixture
def findings(tmp_path: Path) -> list[LintFinding]:
    raw = [
        LintFinding(INVOICE, 42, 13, "/components/schemas/Invoice/properties/total",
                    AMOUNT.id, Severity.ERROR,
                    "`total` is typed number | integer: use a decimal string", "invoice-api"),
        LintFinding(INVOICE, 57, 9, "/components/schemas/LegacyTotal/properties/amount",
                    AMOUNT.id, Severity.ERROR, "amount typed number", "invoice-api"),
        LintFinding(INVOICE, 12, 5, "/paths/~1invoices/get", OPERATION_ID.id, Severity.WARN,
                    "GET /invoices has no operationId", "invoice-api"),
        LintFinding(PAYMENT, 30, 7, "/paths/~1payments/post", IDEMPOTENCY.id, Severity.WARN,
                    "POST /payments does not accept Idempotency-Key", "payment-api"),
        LintFinding(MONEY, 1, 1, "", "custom-title-case", Severity.HINT,
                    "title should be Title Case", "money"),
    ]
    path = tmp_path / "waivers.yaml"
    path.write_text(WAIVERS, encoding="utf-8")
    waivers = load_waivers(path, "governance/waivers.yaml")
    return apply_waivers(raw, waivers, TODAY).findings


CHECKED = ["invoice-api", "payment-api", "money", "customer-api"]


def make(fmt: str, findings: list[LintFinding], fail: Severity = Severity.ERROR) -> str:
    return render(fmt, findings, rules=RULES, checked=CHECKED, fail_severity=fail,
                  tool_version="0.1.0")


def test_fixture_really_has_waived_expired_and_stale(findings: list[LintFinding]) -> None:
    rules = [f.rule for f in findings]
    assert rules.count(EXPIRED_RULE_ID) == 1 and rules.count(STALE_RULE_ID) == 1
    assert [f.pointer for f in findings if f.waived_by] == [
        "/components/schemas/LegacyTotal/properties/amount"]


def test_unknown_format_is_input_error(findings: list[LintFinding]) -> None:
    assert set(FORMATS) == {"text", "json", "sarif", "junit", "markdown", "github"}
    with pytest.raises(InputError, match="unknown report format 'html'"):
        make("html", findings)


# -- text ----------------------------------------------------------------------------------


def test_text_lines_and_summary(findings: list[LintFinding]) -> None:
    out = make("text", findings).splitlines()
    unwaived = [f for f in findings if not f.waived_by]
    assert len(out) == len(unwaived) + 1
    first = next(f for f in unwaived if f.rule == OPERATION_ID.id)
    assert (f"{INVOICE}:12:5: warn [oas-operation-id-present] /paths/~1invoices/get: "
            "GET /invoices has no operationId") in out
    assert first.line == 12
    assert f"{MONEY}:1:1: hint [custom-title-case] /: title should be Title Case" in out
    assert not any("LegacyTotal/properties/amount" in line for line in out)  # waived
    # errors: the unwaived amount finding and the expired waiver
    assert out[-1] == ("4 contracts checked: 6 findings (2 error, 3 warn, 0 info, 1 hint), "
                       "1 waived; 2 at or above error: failed")
    files = [line.split(":", 1)[0] for line in out[:-1]]
    assert files == sorted(files)  # in reading order


def test_text_passes_when_nothing_reaches_fail_severity() -> None:
    only = [LintFinding(INVOICE, 3, 1, "/info", OPERATION_ID.id, Severity.WARN, "w", "x")]
    out = render("text", only, rules=RULES, checked=["x"], fail_severity=Severity.ERROR,
                 tool_version="0.1.0")
    assert out.splitlines()[-1].endswith("none at or above error: passed")


# -- json ----------------------------------------------------------------------------------


def test_json_has_everything(findings: list[LintFinding]) -> None:
    data = json.loads(make("json", findings, Severity.WARN))
    assert data["checked"] == CHECKED
    assert sorted(json.dumps(f, sort_keys=True) for f in data["findings"]) == sorted(
        json.dumps(f.as_dict(), sort_keys=True) for f in findings)
    waived = [f for f in data["findings"] if "waivedBy" in f]
    assert len(waived) == 1 and "@ledgerpact/finance-architecture" in waived[0]["waivedBy"]
    summary = data["summary"]
    assert (summary["error"], summary["warn"], summary["info"], summary["hint"]) == (2, 3, 0, 1)
    assert summary["waived"] == 1 and summary["failing"] == 5 and summary["failed"] is True
    assert summary["failSeverity"] == "warn"
    assert summary["contracts"]["customer-api"]["failing"] == 0  # checked, clean
    assert summary["contracts"]["payment-api"]["warn"] == 1


# -- sarif ---------------------------------------------------------------------------------

URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


@pytest.fixture(scope="module")
def sarif_schema(official_schemas: Path) -> dict:
    return json.loads((official_schemas / "sarif-schema-2.1.0.json").read_text("utf-8"))


@pytest.mark.parametrize("validator_class", [jsonschema.Draft4Validator,
                                             jsonschema.Draft7Validator])
def test_sarif_validates_against_the_official_schema(
        findings: list[LintFinding], sarif_schema: dict,
        validator_class: type[jsonschema.protocols.Validator]) -> None:
    """The schema declares draft-04; Draft 7 semantics must accept the log too."""
    validator_class.check_schema(sarif_schema)
    validator = validator_class(sarif_schema, format_checker=validator_class.FORMAT_CHECKER)
    log = json.loads(make("sarif", findings))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(log)]
    assert errors == []
    # the schema really checks: a wrong level is refused
    log["runs"][0]["results"][0]["level"] = "warn"
    assert any(True for _ in validator.iter_errors(log))


def test_sarif_content(findings: list[LintFinding]) -> None:
    log = json.loads(make("sarif", findings))
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert log["version"] == "2.1.0"
    assert driver["name"] == "ledgerpact" and driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids[: len(RULES)] == [r.id for r in RULES]
    assert "custom-title-case" in ids  # a finding's rule that was not listed still has one
    amount = driver["rules"][0]
    assert amount["shortDescription"]["text"] == AMOUNT.doc.summary
    assert amount["fullDescription"]["text"] == AMOUNT.doc.why
    assert "```yaml\namount:\n  type: number\n```" in amount["help"]["markdown"]
    assert amount["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][1]["defaultConfiguration"]["level"] == "warning"

    results = run["results"]
    assert len(results) == len(findings)
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert URI_REFERENCE.match(uri), uri
    by_pointer = {r["locations"][0].get("logicalLocations", [{}])[0].get(
        "fullyQualifiedName"): r for r in results}
    total = by_pointer["/components/schemas/Invoice/properties/total"]
    assert total["level"] == "error"
    assert total["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": INVOICE, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 42, "startColumn": 13}}
    assert "suppressions" not in total
    waived = by_pointer["/components/schemas/LegacyTotal/properties/amount"]
    assert waived["suppressions"][0]["kind"] == "external"
    assert "v1 consumers read totals" in waived["suppressions"][0]["justification"]
    hint = next(r for r in results if r["ruleId"] == "custom-title-case")
    assert hint["level"] == "note" and "logicalLocations" not in hint["locations"][0]
    expired = next(r for r in results if r["ruleId"] == EXPIRED_RULE_ID)
    assert expired["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "governance/waivers.yaml")
    assert expired["locations"][0]["physicalLocation"]["region"]["startLine"] == 13


def test_sarif_encodes_odd_file_names(sarif_schema: dict) -> None:
    odd = [LintFinding("contracts/my api/open#api.yaml", 2, 1, "/a", "r", Severity.ERROR,
                       "m", "x"),
           LintFinding("/abs/path/spec.yaml", 0, 0, "/b", "r", Severity.WARN, "m", "")]
    log = json.loads(render("sarif", odd, rules=[], checked=["x"],
                            fail_severity=Severity.ERROR, tool_version="0.1.0"))
    locations = [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]
    assert locations[0]["artifactLocation"]["uri"] == "file:///abs/path/spec.yaml"
    assert "region" not in locations[0]  # line unknown: no region rather than line 0
    assert locations[1]["artifactLocation"]["uri"] == "contracts/my%20api/open%23api.yaml"
    assert jsonschema.Draft4Validator(sarif_schema).is_valid(log)


# -- junit ---------------------------------------------------------------------------------


def test_junit_parses_and_counts(findings: list[LintFinding]) -> None:
    root = ET.fromstring(make("junit", findings).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites)[: len(CHECKED)] == CHECKED
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) >= len(RULES)
        failed = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("failures")) == len(failed)
    invoice = {c.get("name"): c for c in suites["invoice-api"].findall("testcase")}
    amount_failures = invoice[AMOUNT.id].findall("failure")
    assert len(amount_failures) == 1  # the other amount finding is waived
    assert amount_failures[0].get("message").startswith("`total` is typed number | integer")
    assert f"{INVOICE}:42:13" in amount_failures[0].text
    assert "waived" in invoice[AMOUNT.id].find("system-out").text
    # a warn is not a failure at fail severity error, but it is visible
    assert invoice[OPERATION_ID.id].find("failure") is None
    assert "GET /invoices has no operationId" in invoice[OPERATION_ID.id].find("system-out").text
    # the expired waiver belongs to the contract it was for, and fails
    assert invoice[EXPIRED_RULE_ID].find("failure") is not None
    assert suites["customer-api"].get("failures") == "0"
    assert root.get("failures") == str(sum(int(s.get("failures")) for s in suites.values()))
    # the stale waiver's contract was not checked: it still gets a suite
    assert "ledger-api" in suites


def test_junit_fail_severity_moves_findings_into_failures(findings: list[LintFinding]) -> None:
    strict = ET.fromstring(make("junit", findings, Severity.HINT))
    failures = strict.findall(".//failure")
    assert len(failures) == len([f for f in findings if not f.waived_by])


def test_junit_survives_characters_xml_cannot_hold() -> None:
    nasty = [LintFinding(INVOICE, 1, 1, "/x", "r", Severity.ERROR,
                         "bad \x00 byte & <tag> \"q\" \x1b[31m", "c")]
    text = render("junit", nasty, rules=[], checked=["c"], fail_severity=Severity.ERROR,
                  tool_version="0.1.0")
    failure = ET.fromstring(text).find(".//failure")
    assert failure is not None
    assert "& <tag> \"q\"" in failure.get("message")


# -- markdown ------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    """Split a GFM table row on unescaped pipes, as GitHub does."""
    assert row.startswith("| ") and row.endswith(" |"), row
    return re.split(r"(?<!\\)\|", row[1:-1])


def test_markdown_tables(findings: list[LintFinding]) -> None:
    out = make("markdown", findings)
    lines = out.splitlines()
    assert lines[0] == "## Ledgerpact lint: failed"
    summary = [line for line in lines if line.startswith("| ") and "Contract" not in line
               and len(_cells(line)) == 6]
    by_contract = {_cells(r)[0].strip(): [c.strip() for c in _cells(r)[1:]] for r in summary}
    assert by_contract["invoice-api"] == ["2", "1", "0", "0", "1"]  # incl. expired waiver
    assert by_contract["customer-api"] == ["0", "0", "0", "0", "0"]
    rows = [line for line in lines if line.startswith("| ") and len(_cells(line)) == 5
            and "Severity" not in line]
    assert len(rows) == len([f for f in findings if not f.waived_by])
    total = next(r for r in rows if "Invoice" in r)
    cells = [c.strip() for c in _cells(total)]
    assert cells[0] == "error"
    assert cells[4] == r"\`total\` is typed number \| integer: use a decimal string"
    # worst first
    assert _cells(rows[0])[0].strip() == "error"
    assert _cells(rows[-1])[0].strip() == "hint"
    assert "1 waived finding is not listed" in out


def test_markdown_is_capped_with_and_n_more() -> None:
    many = [LintFinding(INVOICE, n, 1, f"/paths/~1p{n}", AMOUNT.id, Severity.ERROR,
                        f"finding {n}", "invoice-api") for n in range(1, 131)]
    out = render("markdown", many, rules=RULES, checked=["invoice-api"],
                 fail_severity=Severity.ERROR, tool_version="0.1.0")
    assert out.count("| error | finance-amount-decimal-string |") == markdown.MAX_ROWS
    assert "and 30 more findings" in out
    small = markdown.render(many, rules=RULES, checked=["invoice-api"],
                            fail_severity=Severity.ERROR, tool_version="0.1.0", max_rows=5)
    assert "and 125 more findings" in small


def test_markdown_escapes_everything_markdown_would_read() -> None:
    text = "a|b `c` *d* _e_ [f](g) <script> ~~h~~ &amp; \\ line\nbreak"
    assert markdown.escape(text) == (
        r"a\|b \`c\` \*d\* \_e\_ \[f\](g) \<script\> \~\~h\~\~ \&amp; \\ line break")


# -- github --------------------------------------------------------------------------------

COMMAND = re.compile(r"^::(?P<kind>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def parse_commands(out: str) -> list[dict[str, str]]:
    """Read workflow commands back the way the runner does."""
    commands = []
    for line in out.splitlines():
        match = COMMAND.match(line)
        if not match:
            continue
        props = dict(p.split("=", 1) for p in (match["props"] or "").split(",") if p)
        commands.append({"kind": match["kind"], "message": _unescape(match["message"]),
                         **{k: _unescape(v) for k, v in props.items()}})
    return commands


def test_github_annotations_and_escaping() -> None:
    tricky = [LintFinding("contracts/a,b/x:y.yaml", 3, 4, "/paths/~1a", "r:1,2",
                          Severity.ERROR, "100% wrong\nsecond line", "c"),
              LintFinding(INVOICE, 5, 1, "/w", "w", Severity.WARN, "warned", "c"),
              LintFinding(INVOICE, 6, 1, "/i", "i", Severity.INFO, "info", "c"),
              LintFinding(INVOICE, 0, 0, "", "h", Severity.HINT, "hint", "c")]
    out = render("github", tricky, rules=[], checked=["c"], fail_severity=Severity.ERROR,
                 tool_version="0.1.0")
    assert all("\n" not in c for c in out.splitlines())
    commands = parse_commands(out)
    assert [c["kind"] for c in commands] == ["error", "warning", "notice", "notice"]
    first = commands[0]
    assert first["file"] == "contracts/a,b/x:y.yaml" and first["title"] == "r:1,2"
    assert (first["line"], first["col"]) == ("3", "4")
    assert first["message"] == "/paths/~1a: 100% wrong\nsecond line"
    assert "line" not in commands[3] and commands[3]["message"] == "/: hint"
    assert "::group::" not in out  # everything fitted


def test_github_limits_never_drop_silently() -> None:
    errors = [LintFinding(INVOICE, n, 1, f"/e{n}", "e", Severity.ERROR, f"error {n}", "c")
              for n in range(1, 26)]
    warns = [LintFinding(INVOICE, 100 + n, 1, f"/w{n}", "w", Severity.WARN, f"warn {n}", "c")
             for n in range(1, 4)]
    waived = [LintFinding(INVOICE, 200, 1, "/z", "z", Severity.ERROR, "waived", "c",
                          waived_by="ok")]
    out = render("github", errors + warns + waived, rules=[], checked=["c"],
                 fail_severity=Severity.ERROR, tool_version="0.1.0")
    lines = out.splitlines()
    commands = parse_commands(out)
    annotations = [c for c in commands if c["kind"] in ("error", "warning", "notice")]
    errors_shown = [c for c in annotations if c["kind"] == "error"]
    # 9 findings + the summary: exactly GitHub's 10 error annotations per step
    assert len(errors_shown) == github.LIMITS["error"]
    assert len([c for c in annotations if c["kind"] == "warning"]) == 3
    assert lines[-1].startswith("::error::16 of 28 findings were not annotated")
    # every unwaived finding is either annotated or listed in the log group, exactly once
    annotated = {c["message"].split(": ", 1)[1] for c in annotations if "file" in c}
    listed = {line.rsplit(": ", 1)[1] for line in lines[lines.index(
        "::group::16 findings not annotated") + 1: lines.index("::endgroup::")]}
    assert len(annotated) == 12 and len(listed) == 16
    assert annotated | listed == {f.message for f in errors + warns}
    assert "waived" not in annotated | listed


def test_github_exactly_at_the_limit_needs_no_summary() -> None:
    errors = [LintFinding(INVOICE, n, 1, f"/e{n}", "e", Severity.ERROR, f"error {n}", "c")
              for n in range(1, 11)]
    out = render("github", errors, rules=[], checked=["c"], fail_severity=Severity.ERROR,
                 tool_version="0.1.0")
    assert len(parse_commands(out)) == 10
    assert "not annotated" not in out


# -- all formats agree ---------------------------------------------------------------------


@pytest.mark.parametrize("fail", [Severity.ERROR, Severity.HINT])
def test_formats_agree_on_the_verdict(findings: list[LintFinding], fail: Severity) -> None:
    clean = [f for f in findings if f.severity < Severity.WARN or f.waived_by]
    for subset, failed in ((findings, True), (clean, fail <= Severity.HINT)):
        data = json.loads(make("json", subset, fail))
        junit = ET.fromstring(make("junit", subset, fail))
        assert data["summary"]["failed"] is failed
        assert (int(junit.get("failures")) > 0) is failed
        assert make("text", subset, fail).rstrip().endswith("failed" if failed else "passed")
        assert make("markdown", subset, fail).startswith(
            "## Ledgerpact lint: " + ("failed" if failed else "passed"))
