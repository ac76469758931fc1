"""Report writers against hostile contract text and partial runs, read back the way each
consumer reads them: a run with an unreadable input is failed in every format; JUnit stays
parseable XML whatever a rule id holds; the GitHub runner finds no command in a plain line;
the terminal gets no control characters; a PR comment pings no one; SARIF points at files
outside the checkout with URIs code scanning can resolve.

The command-line tests run the installed ``ledgerpact`` on real files in temp folders.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from ledgerpact.governance.lint.model import LintFinding, Severity
from ledgerpact.governance.report import github, markdown, render
from ledgerpact.governance.report.sarif import artifact_uri
from tests.cli_helpers import run
from tests.test_lint_cli import NO_OPERATION_ID as GOOD  # readable, warnings only

BROKEN = "openapi: 3.1.0\ninfo: {title: x\n"  # invalid YAML
ZWSP = "\u200b"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# An @ that GitHub links as a mention (html-pipeline's MentionFilter: after start or a
# non-word character, followed by a name).
MENTION = re.compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]")
# A ruleset whose messages quote the contract's text, as Spectral's {{value}} does.
ECHO_RULESET = """\
rules:
  echo-title:
    given: $.info.title
    severity: error
    message: "title {{value}}"
    then: {function: falsy}
  echo-summary:
    given: $.paths.*.get.summary
    severity: error
    message: "summary {{value}}"
    then: {function: falsy}
"""


def _render(fmt: str, findings: list[LintFinding], errors: tuple[str, ...] = (),
            checked: tuple[str, ...] = ("c",), tool_version: str = "0.1.0") -> str:
    return render(fmt, findings, rules=[], checked=list(checked),
                  fail_severity=Severity.ERROR, tool_version=tool_version, errors=errors)


def _hostile_contract(folder: Path, operations: int = 14) -> Path:
    """A contract whose title and summaries carry an ANSI escape, legacy workflow commands
    and a team mention, with a ruleset that quotes them in its messages (more findings
    than GitHub annotates, so some land in the plain-text overflow group)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = "".join(
        f"  /p{n}:\n    get:\n      summary: \"##[add-mask]x ##[stop-commands]tok "
        f"@org/team p{n}\"\n      responses:\n        \"200\": {{description: ok}}\n"
        for n in range(operations))
    (folder / "t.yaml").write_text(
        'openapi: 3.1.0\ninfo: {title: "T\\e[31mRED @org/team", version: 1.0.0}\n'
        f"paths:\n{paths}", encoding="utf-8")
    (folder / "rs.yaml").write_text(ECHO_RULESET, encoding="utf-8")
    return folder


# -- 1. an input that cannot be read fails the run in every format -------------------------


def _partial(tmp_path: Path) -> Path:
    folder = tmp_path / "apis"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD)  # warnings only: alone, it passes
    (folder / "broken.yaml").write_text(BROKEN)
    return folder


def test_an_unreadable_input_fails_the_run_in_every_format(tmp_path: Path) -> None:
    folder = _partial(tmp_path)
    args = ("lint", "--no-config", "good.yaml", "broken.yaml", "--format")
    outputs = {fmt: run(*args, fmt, cwd=folder) for fmt in
               ("json", "text", "github", "markdown", "junit", "sarif")}
    assert {fmt: r.returncode for fmt, r in outputs.items()} == dict.fromkeys(outputs, 2)
    summary = json.loads(outputs["json"].stdout)["summary"]
    assert summary["failed"] is True and summary["inputErrors"] == 1
    assert summary["failing"] == 0  # no finding fails: the unreadable input does
    why = "none at or above error, 1 input could not be read: failed"
    assert outputs["text"].stdout.splitlines()[-1].endswith(why)
    assert outputs["github"].stdout.splitlines()[-1].endswith(why)
    lines = outputs["markdown"].stdout.splitlines()
    assert lines[0] == "## Ledgerpact lint: failed"
    assert "passed" not in outputs["markdown"].stdout and why in lines[2]
    assert ET.fromstring(outputs["junit"].stdout).get("errors") == "1"
    sarif = json.loads(outputs["sarif"].stdout)
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_the_same_run_without_the_unreadable_input_passes(tmp_path: Path) -> None:
    folder = _partial(tmp_path)
    result = run("lint", "--no-config", "good.yaml", "--format", "json", cwd=folder)
    assert result.returncode == 0
    summary = json.loads(result.stdout)["summary"]
    assert summary["failed"] is False and summary["inputErrors"] == 0
    text = run("lint", "--no-config", "good.yaml", cwd=folder).stdout
    assert text.splitlines()[-1].endswith("none at or above error: passed")


@pytest.mark.parametrize("errors", [(), ("a.yaml: unreadable",), ("a: x", "b: y")])
def test_formats_agree_on_the_verdict_with_input_errors(errors: tuple[str, ...]) -> None:
    warned = [LintFinding("c.yaml", 1, 1, "/w", "w", Severity.WARN, "warned", "c")]
    failed = bool(errors)
    verdict = "failed" if failed else "passed"
    assert json.loads(_render("json", warned, errors))["summary"]["failed"] is failed
    assert _render("text", warned, errors).rstrip().endswith(verdict)
    assert _render("github", warned, errors).rstrip().endswith(verdict)
    out = _render("markdown", warned, errors)
    assert out.startswith(f"## Ledgerpact lint: {verdict}")
    assert f": {'passed' if failed else 'failed'}" not in out
    if len(errors) == 2:
        assert "2 inputs could not be read: failed" in _render("text", warned, errors)


# -- 2. JUnit: every attribute and text is XML whatever it holds ---------------------------


def test_junit_with_a_control_character_in_a_custom_rule_id_parses(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(GOOD)
    (tmp_path / "rs2.yaml").write_text(
        'rules:\n  "bad\\x01rule":\n    given: $.info.title\n    severity: error\n'
        "    then: {function: falsy}\n")
    result = run("lint", "t.yaml", "--config", "rs2.yaml", "--format", "junit", "-o",
                 "o.xml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    root = ET.parse(tmp_path / "o.xml").getroot()  # expat, as CI servers read it
    (case,) = [c for c in root.iter("testcase") if "rule" in (c.get("name") or "")]
    assert case.get("name") == "bad\ufffdrule"
    assert case.find("failure").get("type") == "bad\ufffdrule"  # type: ignore[union-attr]


def test_junit_cleans_every_attribute_and_text() -> None:
    nasty = "x\x01\x0b\x1b\ufffe"
    findings = [LintFinding(f"f{nasty}.yaml", 1, 1, f"/p{nasty}", f"r{nasty}", sev,
                            f"m{nasty}", f"c{nasty}", waived_by=waived)
                for sev, waived in ((Severity.ERROR, ""), (Severity.WARN, ""),
                                    (Severity.ERROR, f"w{nasty}"))]
    out = _render("junit", findings, errors=(f"e{nasty}",), checked=(f"c{nasty}",),
                  tool_version=f"0.1{nasty}")
    root = ET.fromstring(out.encode("utf-8"))
    assert not CONTROL.search(out.replace("\n", "").replace("\t", ""))
    names = {c.get("name") for c in root.iter("testcase")}
    assert "rx\ufffd\ufffd\ufffd\ufffd" in names
    tools = [p.get("value") for p in root.iter("property") if p.get("name") == "tool"]
    assert tools == ["ledgerpact 0.1x\ufffd\ufffd\ufffd\ufffd"]


# -- 3. github: plain lines are never workflow commands ------------------------------------

V2 = re.compile(r"^::([A-Za-z-]+)")
LEGACY = re.compile(r"##\[([A-Za-z-]+)")


def runner_commands(out: str) -> list[str]:
    """The command each line is read as by GitHub's runner (actions/runner
    ActionCommandManager): ``::name`` after leading spaces, else the legacy ``##[name``
    anywhere in the line."""
    found = []
    for line in out.splitlines():
        v2 = V2.match(line.lstrip())
        legacy = LEGACY.search(line)
        if v2:
            found.append(v2.group(1))
        elif legacy:
            found.append(legacy.group(1))
    return found


def test_github_overflow_lines_carry_no_command() -> None:
    quoted = ["##[add-mask]secret", "##[stop-commands]tok", "x ##[set-output name=a]b"]
    # a file named like a command too: an overflow line starts with its name
    findings = [LintFinding("::stop-commands::tok.yaml", n, 1, f"/p{n}", "r", Severity.ERROR,
                            f"{quoted[n % 3]} {n}", "c") for n in range(15)]
    out = _render("github", findings)
    commands = runner_commands(out)
    assert set(commands) == {"error", "group", "endgroup"}
    assert commands.count("group") == 1
    group = out.splitlines()
    listed = group[group.index("::group::6 findings not annotated") + 1:
                   group.index("::endgroup::")]
    assert len(listed) == 6
    # the lines read as before: only zero-width spaces were added
    assert any("##[add-mask]secret" in line.replace(ZWSP, "") for line in listed)


@pytest.mark.parametrize("line,expected", [
    ("  ::stop-commands::tok", f"  :{ZWSP}:stop-commands::tok"),
    ("::warning::x", f":{ZWSP}:warning::x"),
    ("a ##[add-mask]x ##[b]", f"a ##{ZWSP}[add-mask]x ##{ZWSP}[b]"),
    ("a :: b # [c]", "a :: b # [c]"),
])
def test_plain_neutralises_commands(line: str, expected: str) -> None:
    assert github.plain(line) == expected
    assert runner_commands(github.plain(line)) == []


def test_github_cli_overflow_quoting_contract_text(tmp_path: Path) -> None:
    folder = _hostile_contract(tmp_path / "g")
    result = run("lint", "t.yaml", "--config", "rs.yaml", "--format", "github", cwd=folder)
    assert result.returncode == 1, result.stderr
    assert "::group::" in result.stdout
    assert set(runner_commands(result.stdout)) == {"error", "group", "endgroup"}


# -- 4. text: no control characters reach the terminal -------------------------------------


def test_text_shows_control_characters_as_escapes() -> None:
    findings = [LintFinding("a\nb.yaml", 2, 1, "/info/title\x9b", "r\x1b[2J", Severity.ERROR,
                            "T\x1b[31mRED \x00 \x7f", "c")]
    out = _render("text", findings)
    assert not CONTROL.search(out.replace("\n", ""))
    first, summary = out.splitlines()  # one finding, one line
    assert first == ("a\\x0ab.yaml:2:1: error [r\\x1b[2J] /info/title\\x9b: "
                     "T\\x1b[31mRED \\x00 \\x7f")
    assert summary.endswith(": failed")


def test_text_cli_title_with_an_ansi_escape(tmp_path: Path) -> None:
    folder = _hostile_contract(tmp_path / "t", operations=1)
    result = run("lint", "t.yaml", "--config", "rs.yaml", cwd=folder)
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout
    assert "title T\\x1b[31mRED @org/team" in result.stdout


# -- 5. markdown: no mentions ---------------------------------------------------------------


def test_markdown_mentions_are_neutralised() -> None:
    message = "ask @org/team or @alice (@bob); mail ap@example.com; see ledgers@v1"
    findings = [LintFinding("t.yaml", 1, 1, "/info", "r", Severity.ERROR, message,
                            "@team-contract")]
    out = _render("markdown", findings, errors=("@ops/oncall: unreadable",),
                  checked=("@team-contract",))
    assert not MENTION.search(out), MENTION.findall(out)
    assert out.replace(ZWSP, "").count("@org/team") == 1  # it reads the same
    assert "ap@example.com" in out and "ledgers@v1" in out  # not mentions: untouched
    assert markdown.escape("@org/team") == f"@{ZWSP}org/team"
    assert markdown.escape("a\x1bb") == r"a\\x1bb"  # a visible, literal backslash


def test_markdown_cli_quoting_a_team(tmp_path: Path) -> None:
    folder = _hostile_contract(tmp_path / "m", operations=1)
    result = run("lint", "t.yaml", "--config", "rs.yaml", "--format", "markdown",
                 cwd=folder)
    assert result.returncode == 1, result.stderr
    assert "org/team" in result.stdout and not MENTION.search(result.stdout)
    assert "\x1b" not in result.stdout


# -- 6. SARIF: files outside the source root -----------------------------------------------


def test_sarif_file_outside_the_checkout_gets_a_file_uri(
        tmp_path: Path, official_schemas: Path) -> None:
    (tmp_path / "fx").mkdir()
    (tmp_path / "fx" / "y.yaml").write_text(GOOD)
    (tmp_path / "work").mkdir()
    result = run("lint", "--no-config", "../fx/y.yaml", "--format", "sarif",
                 cwd=tmp_path / "work")
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    schema = json.loads((official_schemas / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"]
                 for r in log["runs"][0]["results"]]
    expected = (tmp_path / "fx" / "y.yaml").resolve().as_uri()
    assert artifacts and all(a == {"uri": expected} for a in artifacts)


def test_artifact_uri_climbing_out_is_absolute_and_the_rest_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cwd = tmp_path.resolve()
    assert artifact_uri("../fx/y z.yaml") == (
        (cwd.parent / "fx" / "y z.yaml").as_uri(), False)
    assert artifact_uri("a/../../x.yaml") == ((cwd.parent / "x.yaml").as_uri(), False)
    assert artifact_uri("a/../x.yaml") == ("a/../x.yaml", True)  # stays inside
    assert artifact_uri("..hidden/x.yaml") == ("..hidden/x.yaml", True)  # a folder name
    assert artifact_uri("contracts/x/openapi.yaml") == ("contracts/x/openapi.yaml", True)


def test_check_github_plain_lines_carry_no_command() -> None:
    """The check command's github format quotes contract ids, step summaries and left-over
    findings on plain lines too: none of them may run as a workflow command."""
    from ledgerpact.governance.check.model import CheckReport, ContractCheck, Outcome, Step
    from ledgerpact.governance.check.report import github as check_github

    findings = [LintFinding("::stop-commands::tok.yaml", n, 1, f"/p{n}", "r", Severity.ERROR,
                            f"##[add-mask]secret {n}", "c") for n in range(15)]
    step = Step("lint", Outcome.FAILED, "##[stop-commands]tok in the summary", findings)
    contract = ContractCheck("##[add-mask]id", "changed", ["its files changed"], "main",
                             "HEAD", steps=[step])
    out = check_github.render(CheckReport("main", "0" * 40, ["c.yaml"], [contract]))
    assert set(runner_commands(out)) == {"error", "group", "endgroup"}
    assert "##[add-mask]id" in out.replace(ZWSP, "")
