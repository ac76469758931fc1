"""Linting a large contract in two processes: the same findings, in the same order, as one
process; a child that fails or dies is made up for; small, parsed or YAML files stay
serial."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ledgerpact.governance.lint import parallel
from ledgerpact.governance.lint.engine import LintOptions, lint
from ledgerpact.governance.lint.model import LintFinding, Rule, RuleDoc, Severity
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

needs_fork = pytest.mark.skipif(not parallel.can_fork(),
                                reason="needs os.fork and a single-threaded test process")


def _stripe(corpora: Path) -> tuple[Workspace, str]:
    path = corpora / "stripe" / "spec3-2022-04-12.json"
    return Workspace(DirectorySource(path.parent)), path.name


@needs_fork
def test_two_processes_find_what_one_finds_in_the_same_order(corpora: Path) -> None:
    ws, name = _stripe(corpora)
    assert parallel.worth_splitting(ws, name)  # 4 MB of JSON: lint splits it
    both = lint(ws, name, LintOptions(), contract="stripe", parallel=True)
    one = lint(Workspace(DirectorySource(ws.source.root)), name, LintOptions(),  # type: ignore[attr-defined]
               contract="stripe", parallel=False)
    assert both == one
    families = {f.rule.split("-")[0] for f in both}
    assert {"finance", "oas"} <= families  # both processes found something


@needs_fork
def test_severities_decided_by_a_policy_come_back_from_the_child(corpora: Path) -> None:
    def policy(rule: str, file: str, pointer: str) -> object:
        if rule == "finance-date-format":
            return None  # off
        return Severity.HINT if rule.startswith("finance-") else ...

    ws, name = _stripe(corpora)
    both = lint(ws, name, LintOptions(policy=policy), parallel=True)
    one = lint(Workspace(DirectorySource(ws.source.root)), name,  # type: ignore[attr-defined]
               LintOptions(policy=policy), parallel=False)
    assert both == one
    finance = [f for f in both if f.rule.startswith("finance-")]
    assert finance and all(f.severity is Severity.HINT for f in finance)
    assert not any(f.rule == "finance-date-format" for f in both)


def _rule(rule_id: str, family: str) -> Rule:
    return Rule(id=rule_id, severity=Severity.WARN, formats=frozenset({"oas3.0"}),
                doc=RuleDoc("s", "w", "b", "g"), check=lambda index: iter(()), family=family)


RULES = [_rule("finance-b", "finance"), _rule("oas-a", "oas"), _rule("finance-a", "finance")]


def _found(rules: list[Rule]) -> list[LintFinding]:
    """What running ``rules`` finds, with the process that ran each (to see the split)."""
    return sorted(LintFinding("f.json", 1, 1, f"/{r.id}", r.id, Severity.WARN,
                              f"{r.id} by {os.getpid()}") for r in rules)


@needs_fork
def test_the_child_runs_the_finance_rules_and_the_result_is_merged_in_order() -> None:
    me = str(os.getpid())
    merged = parallel.run_split(RULES, _found)
    assert [f.rule for f in merged] == ["finance-a", "finance-b", "oas-a"]
    by = {f.rule: f.message.rsplit(" ", 1)[1] for f in merged}
    assert by["oas-a"] == me  # the other rules here
    assert by["finance-a"] == by["finance-b"] != me  # the finance rules together, in a child


@pytest.mark.parametrize("how", ["raises", "killed", "exits-silently"])
@needs_fork
def test_a_child_that_fails_is_made_up_for_by_the_parent(how: str) -> None:
    me = os.getpid()

    def run(rules: list[Rule]) -> list[LintFinding]:
        if os.getpid() != me:
            if how == "raises":
                raise RuntimeError("a bug in a rule runner")
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(0)  # "success" without sending anything
        return _found(rules)

    merged = parallel.run_split(RULES, run)
    assert [f.rule for f in merged] == ["finance-a", "finance-b", "oas-a"]
    by = {f.rule: f.message.rsplit(" ", 1)[1] for f in merged}
    assert by["finance-a"] == by["finance-b"] == by["oas-a"] == str(me)  # redone here


def test_only_large_json_files_are_split(tmp_path: Path, corpora: Path) -> None:
    (tmp_path / "small.json").write_text('{"openapi": "3.0.3"}')
    small = Workspace(DirectorySource(tmp_path))
    assert not parallel.worth_splitting(small, "small.json")
    assert not parallel.worth_splitting(small, "missing.json")
    ws, name = _stripe(corpora)
    assert parallel.worth_splitting(ws, name)


def test_one_family_alone_is_not_split() -> None:
    only_oas = [r for r in RULES if r.family == "oas"]
    assert parallel.split(only_oas) == (only_oas, [])
    assert parallel.run_split(only_oas, _found) == _found(only_oas)


@needs_fork
def test_the_command_reports_what_a_serial_lint_finds(corpora: Path, tmp_path: Path) -> None:
    """The real command (it splits Stripe's spec on its own), run outside any registry."""
    spec = corpora / "stripe" / "spec3-2022-04-12.json"
    done = subprocess.run([str(Path(sys.executable).parent / "ledgerpact"), "lint", str(spec),
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert done.returncode == 1, done.stderr  # Stripe has error-level findings
    reported = [(f["line"], f["column"], f["pointer"], f["rule"], f["severity"], f["message"])
                for f in json.loads(done.stdout)["findings"]]
    serial = lint(Workspace(DirectorySource(spec.parent)), spec.name, LintOptions(),
                  parallel=False)
    assert reported == [(f.line, f.column, f.pointer, f.rule, f.severity.label, f.message)
                        for f in serial]


def test_yaml_is_not_split(tmp_path: Path) -> None:
    """Each process would compose the YAML as nodes to locate its findings: no gain."""
    big = "openapi: 3.0.3\npaths: {}\nx-pad: '" + "x" * parallel.MIN_CHARS + "'\n"
    (tmp_path / "big.yaml").write_text(big)
    (tmp_path / "big.json").write_text(json.dumps({"openapi": "3.0.3", "x-pad": big}))
    ws = Workspace(DirectorySource(tmp_path))
    assert not parallel.worth_splitting(ws, "big.yaml")
    assert parallel.worth_splitting(ws, "big.json")
