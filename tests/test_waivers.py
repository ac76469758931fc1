"""Waivers: real waiver files written to temp dirs, loaded, checked and applied.

Findings are built directly (the engine that produces them is tested elsewhere); what is
under test is the loading (every kind of bad input is one located line) and the matching
(exact and subtree pointers, contract by id or by path, expiry, stale waivers).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ledgerpact.governance.lint.model import LintFinding, Severity
from ledgerpact.governance.lint.waivers import (
    EXPIRED_RULE_ID,
    STALE_RULE_ID,
    WAIVER_RULES,
    Waiver,
    apply_waivers,
    load_waivers,
)
from ledgerpact.registry.errors import InputError

TODAY = dt.date(2026, 3, 15)
FILE = "contracts/invoice-api/openapi.yaml"

WAIVERS_YAML = """\
# Accepted exceptions, reviewed by finance architecture.
waivers:
  - rule: finance-amount-decimal-string
    contract: invoice-api
    pointer: /components/schemas/LegacyTotal/**
    reason: v1 consumers read totals as numbers until the v2 cut-over
    approver: "@ledgerpact/finance-architecture"
    expires: 2026-06-30
  - rule: oas-operation-id-present
    contract: contracts/invoice-api/openapi.yaml
    pointer: /paths/~1invoices/get
    reason: generated client relies on the legacy name
    approver: "@ledgerpact/api-guild"
    expires: 2026-01-31
  - rule: finance-idempotency-key
    contract: payment-api
    pointer: /paths/~1payments/post
    reason: gateway adds the header
    approver: "@ledgerpact/payments"
    expires: 2026-12-31
"""


def finding(rule: str, pointer: str, *, contract: str = "invoice-api", file: str = FILE,
            severity: Severity = Severity.ERROR, line: int = 10) -> LintFinding:
    return LintFinding(file=file, line=line, column=7, pointer=pointer, rule=rule,
                       severity=severity, message=f"{rule} at {pointer}", contract=contract)


def write(tmp_path: Path, text: str, name: str = "waivers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_col(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text`` (where the loader should point)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in text")


# -- loading -------------------------------------------------------------------------------


def test_load_reads_every_field_and_its_position(tmp_path: Path) -> None:
    path = write(tmp_path, WAIVERS_YAML)
    waivers = load_waivers(path, "governance/waivers.yaml")

    assert [w.rule for w in waivers] == ["finance-amount-decimal-string",
                                         "oas-operation-id-present", "finance-idempotency-key"]
    first = waivers[0]
    assert first.contract == "invoice-api"
    assert first.pointer == "/components/schemas/LegacyTotal/**"
    assert first.approver == "@ledgerpact/finance-architecture"
    assert first.expires == dt.date(2026, 6, 30)
    assert first.file == "governance/waivers.yaml"
    assert first.at == "/waivers/0"
    assert (first.line, first.column) == line_col(WAIVERS_YAML, "rule: finance-amount")
    second = waivers[1]
    assert (second.expires_line, second.expires_column) == line_col(
        WAIVERS_YAML, "expires: 2026-01-31")


def test_load_accepts_a_bare_list_json_and_an_empty_list(tmp_path: Path) -> None:
    entry = {"rule": "r", "contract": "c", "pointer": "", "reason": "why",
             "approver": "@a", "expires": "2030-01-01"}
    as_json = load_waivers(write(tmp_path, json.dumps([entry]), "w.json"))
    assert len(as_json) == 1 and as_json[0].pointer == "" and as_json[0].line == 1
    assert load_waivers(write(tmp_path, "waivers: []\n", "none.yaml")) == []
    assert load_waivers(write(tmp_path, "waivers:\n", "null.yaml")) == []


def test_empty_waiver_file_is_refused_by_the_loader(tmp_path: Path) -> None:
    """The shared loader refuses empty documents (most likely a truncated file); a waiver
    file with nothing to waive says so with ``waivers: []``."""
    with pytest.raises(InputError, match="empty document"):
        load_waivers(write(tmp_path, "", "empty.yaml"))


BAD = {
    # name: (file text, words the message must contain, text marking the reported line)
    "missing-field": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /a\n"
                      "    reason: because\n    expires: 2026-01-01\n",
                      "missing 'approver'", "- rule: r"),
    "bad-date": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /a\n    reason: x\n"
                 "    approver: '@a'\n    expires: 2026-02-30\n",
                 "expires '2026-02-30' is not a date: expected YYYY-MM-DD", "expires:"),
    "date-format": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /a\n    reason: x\n"
                    "    approver: '@a'\n    expires: 31/12/2026\n",
                    "expected YYYY-MM-DD", "expires:"),
    "date-number": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /a\n    reason: x\n"
                    "    approver: '@a'\n    expires: 20261231\n",
                    "expires must be a non-empty string, not a number", "expires:"),
    "unknown-key": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /a\n    reason: x\n"
                    "    approver: '@a'\n    expiry: 2026-01-01\n    expires: 2026-01-01\n",
                    "unknown waiver key 'expiry'", "expiry:"),
    "unknown-top-level": ("waiver:\n  - rule: r\n", "unknown top-level key 'waiver'",
                          "waiver:"),
    "empty-reason": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /a\n"
                     "    reason: '  '\n    approver: '@a'\n    expires: 2026-01-01\n",
                     "reason must be a non-empty string", "reason:"),
    "not-a-list": ("waivers:\n  rule: r\n", "waivers must be a list of waivers, not a mapping",
                   "waivers:"),
    "entry-not-mapping": ("waivers:\n  - finance-amount-decimal-string\n",
                          "a waiver must be a mapping", "- finance"),
    "relative-pointer": ("waivers:\n  - rule: r\n    contract: c\n    pointer: paths/x\n"
                         "    reason: x\n    approver: '@a'\n    expires: 2026-01-01\n",
                         "is not a JSON pointer", "pointer:"),
    "glob-in-middle": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /paths/*/get\n"
                       "    reason: x\n    approver: '@a'\n    expires: 2026-01-01\n",
                       "is not a JSON pointer", "pointer:"),
    "bad-escape": ("waivers:\n  - rule: r\n    contract: c\n    pointer: /paths/~2x\n"
                   "    reason: x\n    approver: '@a'\n    expires: 2026-01-01\n",
                   "is not a JSON pointer", "pointer:"),
    "invalid-yaml": ("waivers:\n  - rule: [unclosed\n", "invalid YAML", None),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_waiver_file_is_one_located_line(case: str, tmp_path: Path) -> None:
    text, words, marker = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_waivers(path, "governance/waivers.yaml")
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert words in message, message
    assert message.startswith("governance/waivers.yaml:"), message
    assert error.file == "governance/waivers.yaml"
    assert error.line is not None, message
    if marker is not None:
        assert error.line == line_col(text, marker)[0], message
        assert error.pointer is not None and error.pointer.startswith("/waiver"), message


def test_missing_waiver_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_waivers(tmp_path / "nope.yaml")


# -- applying ------------------------------------------------------------------------------


@pytest.fixture
def waivers(tmp_path: Path) -> list[Waiver]:
    return load_waivers(write(tmp_path, WAIVERS_YAML), "governance/waivers.yaml")


def test_subtree_waiver_covers_the_subtree_only(waivers: list[Waiver]) -> None:
    rule = "finance-amount-decimal-string"
    inside = finding(rule, "/components/schemas/LegacyTotal/properties/amount")
    root = finding(rule, "/components/schemas/LegacyTotal")
    sibling = finding(rule, "/components/schemas/LegacyTotalV2/properties/amount")
    other_rule = finding("finance-currency-pair", "/components/schemas/LegacyTotal")
    other_contract = finding(rule, "/components/schemas/LegacyTotal", contract="ledger-api",
                             file="contracts/ledger-api/openapi.yaml")

    result = apply_waivers([inside, root, sibling, other_rule, other_contract], waivers, TODAY)
    by_pointer = {(f.rule, f.contract, f.pointer): f for f in result.findings}

    assert by_pointer[(rule, "invoice-api", inside.pointer)].waived_by
    assert by_pointer[(rule, "invoice-api", root.pointer)].waived_by
    assert not by_pointer[(rule, "invoice-api", sibling.pointer)].waived_by
    assert not by_pointer[("finance-currency-pair", "invoice-api", other_rule.pointer)].waived_by
    assert not by_pointer[(rule, "ledger-api", other_contract.pointer)].waived_by
    waived = by_pointer[(rule, "invoice-api", inside.pointer)].waived_by
    assert "v1 consumers read totals as numbers" in waived
    assert "@ledgerpact/finance-architecture" in waived and "2026-06-30" in waived
    assert f"governance/waivers.yaml:{waivers[0].line}" in waived
    # waived findings keep everything else (severity, location)
    assert by_pointer[(rule, "invoice-api", inside.pointer)].severity == Severity.ERROR
    assert len(result.waived) == 2


def test_contract_may_be_named_by_file_path(waivers: list[Waiver]) -> None:
    """Waiver 1 names the contract by its file; it expired before TODAY, so check on a day
    it was valid: it then waives the finding, whatever contract id the finding carries."""
    hit = finding("oas-operation-id-present", "/paths/~1invoices/get", contract="invoice-api")
    result = apply_waivers([hit], waivers, dt.date(2026, 1, 31))  # the last valid day
    assert result.findings[0].waived_by
    dotted = Waiver(rule="r", contract="./contracts/invoice-api/openapi.yaml", pointer="/x",
                    reason="x", approver="@a", expires=dt.date(2030, 1, 1))
    assert dotted.covers(finding("r", "/x", contract=""))
    assert not dotted.covers(finding("r", "/x/y", contract=""))  # exact pointer: not a prefix


def test_expired_waiver_stops_applying_and_is_reported(waivers: list[Waiver]) -> None:
    hit = finding("oas-operation-id-present", "/paths/~1invoices/get")
    result = apply_waivers([hit], waivers, TODAY)

    assert result.findings[0] == hit  # not waived any more
    assert [w.rule for w in result.expired] == ["oas-operation-id-present"]
    expired = [f for f in result.findings if f.rule == EXPIRED_RULE_ID]
    assert len(expired) == 1
    report = expired[0]
    assert report.severity == Severity.ERROR
    assert report.file == "governance/waivers.yaml"
    assert (report.line, report.column) == line_col(WAIVERS_YAML, "expires: 2026-01-31")
    assert report.pointer == "/waivers/1/expires"
    assert "expired on 2026-01-31" in report.message
    assert "@ledgerpact/api-guild" in report.message
    assert report.contract == "contracts/invoice-api/openapi.yaml"


def test_waiver_is_valid_through_its_expiry_day(waivers: list[Waiver]) -> None:
    hit = finding("oas-operation-id-present", "/paths/~1invoices/get")
    on_the_day = apply_waivers([hit], waivers, dt.date(2026, 1, 31))
    day_after = apply_waivers([hit], waivers, dt.date(2026, 2, 1))
    assert on_the_day.findings[0].waived_by and not on_the_day.expired
    assert not day_after.findings[0].waived_by and day_after.expired


def test_waiver_matching_nothing_is_stale(waivers: list[Waiver]) -> None:
    result = apply_waivers([], waivers, TODAY)
    stale = [f for f in result.findings if f.rule == STALE_RULE_ID]
    assert len(stale) == 3 and not result.expired
    assert all(f.severity == Severity.WARN for f in stale)
    assert [(f.line, f.column) for f in stale] == [(w.line, w.column) for w in waivers]
    assert [f.pointer for f in stale] == ["/waivers/0", "/waivers/1", "/waivers/2"]
    assert "matches no finding" in stale[0].message
    assert "expired on 2026-01-31" in stale[1].message  # expired and unused: stale, not error


def test_only_unused_waivers_are_stale(waivers: list[Waiver]) -> None:
    hit = finding("finance-idempotency-key", "/paths/~1payments/post", contract="payment-api",
                  file="contracts/payment-api/openapi.yaml")
    result = apply_waivers([hit], waivers, TODAY)
    assert result.findings[0].waived_by
    assert [w.rule for w in result.stale] == ["finance-amount-decimal-string",
                                              "oas-operation-id-present"]


def test_expired_waiver_superseded_by_a_valid_one_is_stale_not_error(tmp_path: Path) -> None:
    text = WAIVERS_YAML + (
        "  - rule: oas-operation-id-present\n    contract: invoice-api\n"
        "    pointer: /paths/**\n    reason: renewed for the whole API\n"
        "    approver: \"@ledgerpact/api-guild\"\n    expires: 2026-09-30\n")
    waivers = load_waivers(write(tmp_path, text))
    hit = finding("oas-operation-id-present", "/paths/~1invoices/get")
    result = apply_waivers([hit], waivers, TODAY)
    assert "renewed for the whole API" in result.findings[0].waived_by
    assert not result.expired
    stale = {f.pointer: f for f in result.findings if f.rule == STALE_RULE_ID}
    assert "waived by another, valid waiver" in stale["/waivers/1"].message


def test_apply_is_pure(waivers: list[Waiver]) -> None:
    findings = [finding("finance-amount-decimal-string", "/components/schemas/LegacyTotal"),
                finding("oas-operation-id-present", "/paths/~1invoices/get")]
    before = list(findings)
    first = apply_waivers(findings, waivers, TODAY)
    second = apply_waivers(findings, waivers, TODAY)
    assert findings == before
    assert first == second


def test_waiver_rules_are_documented() -> None:
    ids = {rule.id: rule for rule in WAIVER_RULES}
    assert ids[EXPIRED_RULE_ID].severity == Severity.ERROR
    assert ids[STALE_RULE_ID].severity == Severity.WARN
    for rule in WAIVER_RULES:
        assert rule.doc.summary and rule.doc.why and rule.doc.bad and rule.doc.good
        assert list(rule.check(None)) == []


def test_root_pointer_as_reports_print_it_covers_the_root() -> None:
    """Reports print the root pointer "" as "/", so a waiver copied from one names the root
    (and the key "" at the root, which prints the same)."""
    printed = Waiver(rule="r", contract="invoice-api", pointer="/", reason="x",
                     approver="@a", expires=dt.date(2030, 1, 1))
    assert printed.covers(finding("r", ""))
    assert printed.covers(finding("r", "/"))
    assert not printed.covers(finding("r", "/info"))
    exact = printed._replace(pointer="")
    assert exact.covers(finding("r", "")) and not exact.covers(finding("r", "/info"))
    stale = apply_waivers([], [printed], TODAY).findings
    assert "at / (the document root)" in stale[0].message


def test_stale_hint_replaces_the_advice_to_remove() -> None:
    typo = Waiver(rule="r", contract="invoce-api", pointer="/a", reason="x", approver="@a",
                  expires=dt.date(2030, 1, 1))
    result = apply_waivers([], [typo], TODAY, hint=lambda w: f"no contract {w.contract!r}")
    assert result.findings[0].message.endswith("matches no finding: no contract 'invoce-api'")
