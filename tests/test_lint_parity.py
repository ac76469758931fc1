"""Built-in lint rules against Spectral 6.16.3 where a differential QA found them apart: the
readOnly/writeOnly relaxation of media examples, license-url without a license, messages
that printed Python values, unsupported versions refused without saying which, and the
documented differences (ruleset membership, pointers, a rule Spectral does not have).

The fixtures in tests/fixtures/parity are real documents; the expected findings are the ones
Spectral reports on them, recorded in each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerpact.governance.lint.catalog import all_rules, ruleset
from ledgerpact.governance.lint.engine import LintOptions, lint
from ledgerpact.governance.lint.model import LintFinding
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace
from tests.cli_helpers import run

FIXTURES = Path(__file__).parent / "fixtures" / "parity"
RULES = {r.id: r for r in all_rules()}
MEDIA = "/paths/~1invoices/post/requestBody/content/application~1json/examples"
ANSWER = "/paths/~1invoices/post/responses/201/content/application~1json/examples"


def _lint(name: str, *rule_ids: str) -> list[LintFinding]:
    ws = Workspace(DirectorySource(FIXTURES))
    found = lint(ws, name, LintOptions(only=frozenset(rule_ids)))
    assert all("internal error" not in f.message for f in found), found
    return found


def _found(name: str, rule_id: str) -> list[tuple[str, str]]:
    return sorted((f.pointer, f.message) for f in _lint(name, rule_id) if f.rule == rule_id)


@pytest.mark.parametrize("name", ["examples-3.0.yaml", "examples-3.1.yaml"])
def test_media_examples_relax_required_by_direction_as_spectral_does(name: str) -> None:
    # Spectral: secret (writeOnly) missing from the request, id (readOnly, through $ref)
    # and lines[0].lineId (readOnly, nested) missing from responses; nothing else, in 3.0
    # and 3.1 alike. A readOnly id present in a request example is not reported either.
    found = _found(name, "oas-valid-media-example")
    assert [pointer for pointer, _ in found] == [
        f"{MEDIA}/withoutWriteOnly/value",
        f"{ANSWER}/withoutNestedReadOnly/value/lines/0",
        f"{ANSWER}/withoutReadOnly/value",
    ]
    messages = [message for _, message in found]
    assert messages[0].endswith("'secret' is a required property")
    assert messages[1].endswith("at /lines/0: 'lineId' is a required property")
    assert messages[2].endswith("'id' is a required property")


def test_the_relaxation_is_documented() -> None:
    why = RULES["oas-valid-media-example"].doc.why
    assert "readOnly ones from request" in why and "relaxes 3.1" in why


@pytest.mark.parametrize(("name", "rule_id"), [
    ("no-license-openapi.yaml", "oas-license-url"),
    ("no-license-asyncapi.yaml", "asyncapi-info-license-url"),
])
def test_license_url_fires_without_a_license_at_info(name: str, rule_id: str) -> None:
    # Spectral: license-url / asyncapi-info-license-url 'License object must include "url".'
    # at path ['info'] when info has no license.
    found = _found(name, rule_id)
    assert [pointer for pointer, _ in found] == ["/info"]
    assert "no license" in found[0][1] and "url" in found[0][1]


def test_latest_version_membership_is_a_documented_difference() -> None:
    # Spectral recommends asyncapi-latest-version; here it stays strict-only because the
    # registry's 3.0 contracts must pass the recommended ruleset clean
    # (test_finance_events_is_clean_under_recommended), and the doc says so.
    rule = RULES["asyncapi-latest-version"]
    assert rule.id not in {r.id for r in ruleset("recommended")}
    assert "Unlike Spectral" in rule.doc.why and "strict ruleset only" in rule.doc.why


def test_links_expression_rule_does_not_claim_a_spectral_rule_it_is_not() -> None:
    summary = RULES["oas-links-parameters-expression"].doc.summary
    assert "never merged" in summary and "does not check link expressions" in summary
    assert "(spectral:oas oas3-links-parameters-expression)" not in summary


@pytest.mark.parametrize(("name", "expected"), [
    ("openapi-3.2.yaml", "at /openapi: OpenAPI 3.2.0 is not supported (OpenAPI 3.0 and 3.1, "
                         "AsyncAPI 2.x and 3.x are supported)"),
    ("swagger-2.0.yaml", "at /swagger: Swagger 2.0 is not supported: convert it to OpenAPI 3"),
])
def test_an_unsupported_version_is_named(name: str, expected: str) -> None:
    result = run("lint", FIXTURES / name, "--no-config")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "no 'openapi' or 'asyncapi' version field" not in result.stderr


def test_enum_values_are_printed_as_json() -> None:
    typed = _found("enums-and-tags.yaml", "oas-typed-enum")
    assert [m.split(" is not")[0] for _, m in typed] == ["enum value null", "enum value 1"]
    repeated = _found("enums-and-tags.yaml", "oas-duplicated-entry-in-enum")
    assert [m for _, m in repeated] == ['enum value "open" repeats entry 0; expected unique '
                                        "values"]


@pytest.mark.parametrize(("rule_id", "pointer", "said"), [
    # (ours, where Spectral points: the schema / .../enum / .../tags / /tags / /tags/2/name)
    ("oas-array-items", "/components/schemas/Lines/type", "points at the schema's 'type'"),
    ("oas-duplicated-entry-in-enum", "/components/schemas/Status/enum/3", "at its own entry"),
    ("oas-operation-singular-tag", "/paths/~1invoices/get/tags/1", "at the second"),
    ("oas-openapi-tags-alphabetical", "/tags/1/name", "first tag out of order"),
    ("oas-openapi-tags-uniqueness", "/tags/2/name", "as Spectral does"),
])
def test_pointers_are_where_each_rule_says(rule_id: str, pointer: str, said: str) -> None:
    assert [p for p, _ in _found("enums-and-tags.yaml", rule_id)] == [pointer]
    assert said in RULES[rule_id].doc.why
