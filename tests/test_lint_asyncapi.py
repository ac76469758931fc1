"""The AsyncAPI rules on what the one-line fixtures cannot show: 2.x and 3.x under one rule
id, traits applied the way each version says, problems in shared components and traits
reported once, references across files, real corpora and this registry's own events."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerpact.governance.lint.engine import LintOptions, lint
from ledgerpact.governance.lint.model import LintFinding
from ledgerpact.governance.lint.rules.asyncapi.info import LATEST
from ledgerpact.registry.asyncapi_structure import SUPPORTED_VERSIONS
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace
from tests.cli_helpers import run

V3_HEAD = """asyncapi: 3.0.0
info:
  title: Payment events
  version: 1.0.0
"""
V2_HEAD = """asyncapi: 2.6.0
info:
  title: Payment events
  version: 1.0.0
"""


def _lint(tmp_path: Path, text: str, *rules: str, files: dict[str, str] | None = None,
          ruleset: str = "recommended") -> list[LintFinding]:
    (tmp_path / "asyncapi.yaml").write_text(text)
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    options = LintOptions(ruleset=ruleset, only=frozenset(rules) if rules else None)
    found = lint(Workspace(DirectorySource(tmp_path)), "asyncapi.yaml", options)
    assert not [f for f in found if "internal error" in f.message], found
    return found


def _at(found: list[LintFinding], rule: str) -> list[str]:
    return [f.pointer for f in found if f.rule == rule]


def test_one_rule_id_covers_2x_channel_keys_and_3x_addresses(tmp_path: Path) -> None:
    rule = "asyncapi-channel-no-trailing-slash"
    v2 = _lint(tmp_path, V2_HEAD + "channels:\n  finance/payments/: {}\n  /: {}\n", rule)
    assert _at(v2, rule) == ["/channels/finance~1payments~1"]
    v3 = _lint(tmp_path, V3_HEAD + "channels:\n  payments:\n    address: finance/payments/\n"
                                   "  root:\n    address: /\n", rule)
    assert _at(v3, rule) == ["/channels/payments/address"]


MESSAGES_WITH_SHARED_TRAIT = V3_HEAD + """channels: {}
components:
  messages:
    A: {traits: [{$ref: '#/components/messageTraits/common'}], payload: {type: object}}
    B: {traits: [{$ref: '#/components/messageTraits/common'}], payload: {type: object}}
    C: {traits: [{$ref: '#/components/messageTraits/common'}], payload: {type: object}}
  messageTraits:
    common:
      headers:
        type: string
"""


def test_a_shared_trait_is_reported_once_at_the_trait(tmp_path: Path) -> None:
    rule = "asyncapi-headers-schema-type-object"
    found = _lint(tmp_path, MESSAGES_WITH_SHARED_TRAIT, rule)
    assert _at(found, rule) == ["/components/messageTraits/common/headers/type"]
    assert "expected type: object" in found[0].message


def _trait_precedence_doc(version: str) -> str:
    """A message whose own headers say x is an integer while its trait says a string; the
    example sends an integer."""
    channels = "channels: {}\n" if version.startswith("2") else ""
    return f"""asyncapi: {version}
info: {{title: Payment events, version: 1.0.0}}
{channels}components:
  messages:
    M:
      headers: {{type: object, properties: {{x: {{type: integer}}}}}}
      traits:
        - headers: {{type: object, properties: {{x: {{type: string}}}}}}
      payload: {{type: object}}
      examples:
        - headers: {{x: 5}}
"""


def test_traits_merge_as_each_version_says(tmp_path: Path) -> None:
    rule = "asyncapi-message-examples"
    # 3.x: the message's own headers win over the trait's, so the integer is fine.
    assert not _lint(tmp_path, _trait_precedence_doc("3.0.0"), rule)
    # 2.x: traits are applied with JSON Merge Patch, so the trait's string schema wins.
    found = _lint(tmp_path, _trait_precedence_doc("2.6.0"), rule)
    assert _at(found, rule) == ["/components/messages/M/examples/0/headers/x"]
    assert "not of type 'string'" in found[0].message


def test_example_errors_point_inside_the_example(tmp_path: Path) -> None:
    rule = "asyncapi-message-examples"
    doc = V3_HEAD + """channels: {}
components:
  messages:
    PaymentSettled:
      name: paymentSettled
      payload:
        type: object
        properties:
          amount: {type: string}
      examples:
        - name: settled
          payload:
            amount: 12.5
"""
    found = _lint(tmp_path, doc, rule)
    assert [(f.pointer, f.line) for f in found] == [
        ("/components/messages/PaymentSettled/examples/0/payload/amount", 17)]
    assert found[0].message.startswith("message 'paymentSettled' example 'settled': payload "
                                       "at /amount does not match its schema")


def test_payload_in_another_file_is_checked_there(tmp_path: Path) -> None:
    doc = V3_HEAD + """channels: {}
components:
  messages:
    PaymentSettled:
      payload:
        $ref: 'schemas/payment.yaml'
      examples:
        - payload: {amount: '12.50', currency: EURO}
"""
    schema = """type: object
properties:
  amount: {type: string}
  currency: {type: string, pattern: '^[A-Z]{3}$', examples: [EUR, usd]}
"""
    found = _lint(tmp_path, doc, "asyncapi-message-examples", "asyncapi-schema-examples",
                  files={"schemas/payment.yaml": schema})
    where = {(f.rule, f.file, f.pointer) for f in found}
    assert where == {
        ("asyncapi-message-examples", "asyncapi.yaml",
         "/components/messages/PaymentSettled/examples/0/payload/currency"),
        ("asyncapi-schema-examples", "schemas/payment.yaml",
         "/properties/currency/examples/1"),
    }


def test_a_shared_schema_example_is_reported_once(tmp_path: Path) -> None:
    rule = "asyncapi-schema-examples"
    doc = V3_HEAD + """channels: {}
components:
  messages:
    A: {payload: {$ref: '#/components/schemas/Amount'}}
    B: {payload: {$ref: '#/components/schemas/Amount'}}
    C: {payload: {type: object, properties: {amount: {$ref: '#/components/schemas/Amount'}}}}
  schemas:
    Amount: {type: string, examples: ['1.00', 2]}
"""
    assert _at(_lint(tmp_path, doc, rule), rule) == ["/components/schemas/Amount/examples/1"]


def test_root_channels_must_name_root_servers(tmp_path: Path) -> None:
    rule = "asyncapi-channel-servers"
    doc = V3_HEAD + """servers:
  production: {host: broker.internal, protocol: kafka}
channels:
  good: {address: a, servers: [{$ref: '#/servers/production'}]}
  reusable: {address: b, servers: [{$ref: '#/components/servers/staging'}]}
  missing: {address: c, servers: [{$ref: '#/servers/nope'}]}
components:
  servers:
    staging: {host: staging.internal, protocol: kafka}
  channels:
    shared: {address: d, servers: [{$ref: '#/components/servers/staging'}]}
    broken: {address: e, servers: [{$ref: '#/components/servers/gone'}]}
"""
    assert sorted(_at(_lint(tmp_path, doc, rule), rule)) == [
        "/channels/missing/servers/0/$ref", "/channels/reusable/servers/0/$ref",
        "/components/channels/broken/servers/0/$ref"]
    v2 = V2_HEAD + """servers:
  production: {url: broker.internal, protocol: kafka}
channels:
  a: {servers: [production, staging]}
"""
    assert _at(_lint(tmp_path, v2, rule), rule) == ["/channels/a/servers/1"]


OPERATIONS = V3_HEAD + """channels:
  settled:
    address: finance.payment.settled
    messages:
      settled: {$ref: '#/components/messages/Settled'}
  failed:
    address: finance.payment.failed
    messages:
      failed: {$ref: '#/components/messages/Failed'}
  aliased:
    $ref: '#/components/channels/Reusable'
operations:
  typo:
    action: send
    channel: {$ref: '#/channels/setled'}
  wrongChannel:
    action: send
    channel: {$ref: '#/channels/settled'}
    messages:
      - $ref: '#/channels/failed/messages/failed'
      - $ref: '#/components/messages/Settled'
  throughAlias:
    action: send
    channel: {$ref: '#/channels/aliased'}
    messages:
      - $ref: '#/components/channels/Reusable/messages/r'
  withReply:
    action: receive
    channel: {$ref: '#/channels/settled'}
    reply:
      channel: {$ref: '#/channels/failed'}
      messages:
        - $ref: '#/channels/settled/messages/settled'
components:
  channels:
    Reusable:
      address: finance.payment.reusable
      messages:
        r: {$ref: '#/components/messages/Settled'}
  messages:
    Settled: {payload: {type: object}}
    Failed: {payload: {type: object}}
"""


def test_operations_name_real_channels_and_their_messages(tmp_path: Path) -> None:
    found = _lint(tmp_path, OPERATIONS, "asyncapi-operation-channel",
                  "asyncapi-operation-messages-from-referred-channel")
    # A dangling channel reference is a finding, not an unreadable document.
    channel = [f for f in found if f.rule == "asyncapi-operation-channel"]
    assert [f.pointer for f in channel] == ["/operations/typo/channel/$ref"]
    assert "(defined: settled, failed, aliased)" in channel[0].message
    assert sorted(_at(found, "asyncapi-operation-messages-from-referred-channel")) == [
        "/operations/withReply/reply/messages/0/$ref",
        "/operations/wrongChannel/messages/0/$ref",
        "/operations/wrongChannel/messages/1/$ref",
    ]


def test_unused_components_see_references_anywhere(tmp_path: Path) -> None:
    doc = V3_HEAD + """channels:
  prices:
    address: prices
    bindings:
      ws:
        query: {$ref: '#/components/schemas/Query'}
    messages:
      price: {$ref: '#/components/messages/Price'}
components:
  messages:
    Price: {payload: {$ref: '#/components/schemas/Price'}}
    Orphan: {payload: {type: object}}
  schemas:
    Query: {type: object}
    Price: {type: object}
    Tree:
      type: object
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
"""
    found = _lint(tmp_path, doc, "asyncapi-unused-components-schema",
                  "asyncapi-unused-components-message")
    assert sorted(f.pointer for f in found) == ["/components/messages/Orphan",
                                                "/components/schemas/Tree"]


def test_an_avro_payload_is_reported_as_unchecked_and_not_validated(tmp_path: Path) -> None:
    doc = V3_HEAD + """channels: {}
components:
  messages:
    M:
      payload:
        schemaFormat: application/vnd.apache.avro;version=1.9.0
        schema:
          type: record
          name: M
          default: not-json-schema
          fields: [{name: a, type: string}]
"""
    found = _lint(tmp_path, doc, "asyncapi-schema-default",
                  "asyncapi-payload-unsupported-schemaFormat")
    assert [(f.rule, f.pointer, f.severity.label) for f in found] == [
        ("asyncapi-payload-unsupported-schemaFormat", "/components/messages/M/payload/"
         "schemaFormat", "info")]


def test_parameter_values_are_checked_in_both_versions(tmp_path: Path) -> None:
    rule = "asyncapi-schema-default"
    v2 = V2_HEAD + """channels:
  prices/{symbol}:
    parameters:
      symbol:
        $ref: '#/components/parameters/symbol'
components:
  parameters:
    symbol:
      schema: {type: string, enum: [btcusd, ethusd], default: btceur}
"""
    assert _at(_lint(tmp_path, v2, rule), rule) == ["/components/parameters/symbol/schema/default"]
    v3 = V3_HEAD + """channels:
  prices:
    address: prices.{symbol}
    parameters:
      symbol: {enum: [btcusd, ethusd], default: btceur, examples: [btcusd]}
"""
    found = _lint(tmp_path, v3, rule, "asyncapi-schema-examples")
    assert [(f.rule, f.pointer) for f in found] == [
        (rule, "/channels/prices/parameters/symbol/default")]


def test_server_variables_and_a_shared_scheme_reported_once(tmp_path: Path) -> None:
    doc = V3_HEAD + """servers:
  a:
    host: '{host}:{port}'
    protocol: kafka
    variables:
      port: {enum: ['9092'], default: '9093'}
      unused: {default: x}
    security: [{$ref: '#/components/securitySchemes/oauth'}]
  b:
    host: broker.internal
    protocol: kafka
    security: [{$ref: '#/components/securitySchemes/oauth'},
               {$ref: '#/components/securitySchemes/missing'}]
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.internal/token
          availableScopes: {'events:read': Read events.}
      scopes: ['events:read', 'events:write']
"""
    found = _lint(tmp_path, doc, "asyncapi-server-variables", "asyncapi-server-security")
    assert sorted((f.rule, f.pointer) for f in found) == [
        ("asyncapi-server-security", "/components/securitySchemes/oauth/scopes/1"),
        ("asyncapi-server-security", "/servers/b/security/1"),
        ("asyncapi-server-variables", "/servers/a/variables"),
        ("asyncapi-server-variables", "/servers/a/variables/port/default"),
        ("asyncapi-server-variables", "/servers/a/variables/unused"),
    ]
    missing = next(f for f in found if f.pointer == "/servers/a/variables")
    assert "uses {host} in its host / pathname but does not declare it" in missing.message


def test_v2_security_requirements_and_scopes(tmp_path: Path) -> None:
    rule = "asyncapi-operation-security"
    doc = V2_HEAD + """channels:
  prices:
    subscribe:
      operationId: onPrice
      security: [{oauth: ['prices:read', 'prices:admin']}, {apiKey: []}]
      message: {payload: {type: object}}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.internal/token
          scopes: {'prices:read': Read prices.}
"""
    found = _lint(tmp_path, doc, rule)
    assert sorted(_at(found, rule)) == ["/channels/prices/subscribe/security/0/oauth/1",
                                        "/channels/prices/subscribe/security/1/apiKey"]


def test_operation_ids_from_traits_count_for_uniqueness(tmp_path: Path) -> None:
    rule = "asyncapi-operation-operationId-uniqueness"
    doc = V2_HEAD + """channels:
  a:
    subscribe:
      operationId: onEvent
      message: {payload: {type: object}}
  b:
    subscribe:
      traits: [{$ref: '#/components/operationTraits/named'}]
      message: {payload: {type: object}}
components:
  operationTraits:
    named: {operationId: onEvent}
"""
    found = _lint(tmp_path, doc, rule, "asyncapi-operation-operationId")
    assert [(f.rule, f.pointer) for f in found] == [
        (rule, "/components/operationTraits/named/operationId")]


def test_latest_version_follows_what_the_registry_supports() -> None:
    assert LATEST in SUPPORTED_VERSIONS
    assert all(tuple(map(int, v.split("."))) <= tuple(map(int, LATEST.split(".")))
               for v in SUPPORTED_VERSIONS)


# -- real documents ------------------------------------------------------------------------

REFUSED = {"adeo-kafka-request-reply-asyncapi.yml",
           "adeo-kafka-request-reply-asyncapi-3.0.0.yml"}  # $ref to URLs


def _corpus_files(corpora: Path) -> list[Path]:
    return sorted(p for p in (corpora / "asyncapi").glob("*.yml") if p.name not in REFUSED)


def _lint_corpus(corpora: Path, name: str, ruleset: str = "strict") -> list[LintFinding]:
    ws = Workspace(DirectorySource(corpora / "asyncapi"))
    found = lint(ws, name, LintOptions(ruleset=ruleset))
    assert not [f for f in found if "internal error" in f.message], found
    return [f for f in found if f.rule.startswith("asyncapi-")]


def test_every_readable_corpus_document_lints_without_rule_crashes(corpora: Path) -> None:
    files = _corpus_files(corpora)
    assert len(files) >= 7
    for path in files:
        _lint_corpus(corpora, path.name)


def test_kraken_examples_break_their_oneof_schema(corpora: Path) -> None:
    """Both examples of subscriptionStatus use a status ('unsubscribed', 'error') that the
    shared `status` enum does not list, and the second asks for depth 42 (not in `depth`):
    real mistakes in the published example."""
    found = _lint_corpus(corpora, "kraken-websocket-request-reply-multiple-channels-asyncapi.yml")
    assert _at(found, "asyncapi-message-examples") == [
        "/components/messages/subscriptionStatus/examples/0/payload",
        "/components/messages/subscriptionStatus/examples/1/payload"]
    assert _at(found, "asyncapi-servers") == [""]


def test_corpus_true_positives(corpora: Path) -> None:
    oneof = _lint_corpus(corpora, "oneof-asyncapi.yml")
    assert _at(oneof, "asyncapi-unused-components-message") == [
        "/components/messages/testMessage1", "/components/messages/testMessage2"]
    gemini = _lint_corpus(corpora, "websocket-gemini-2.6.0.yml")
    assert _at(gemini, "asyncapi-operation-operationId") == [
        "/channels/~1v1~1marketdata~1{symbol}/subscribe"]
    assert _at(gemini, "asyncapi-latest-version") == ["/asyncapi"]
    streetlights = _lint_corpus(corpora, "streetlights-kafka-asyncapi-3.0.0.yml")
    assert not [f for f in streetlights if f.severity.label == "error"]
    assert sorted(_at(streetlights, "asyncapi-operation-description")) == [
        "/operations/dimLight", "/operations/receiveLightMeasurement", "/operations/turnOff",
        "/operations/turnOn"]


def test_a_document_with_url_refs_is_refused_with_one_line(corpora: Path) -> None:
    result = run("lint", corpora / "asyncapi" / "adeo-kafka-request-reply-asyncapi.yml")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "$ref to a URL is refused" in errors[0]
    assert "Traceback" not in result.stderr


def test_finance_events_is_clean_under_recommended(repo_root: Path) -> None:
    ws = Workspace(DirectorySource(repo_root))
    found = lint(ws, "contracts/finance-events/asyncapi.yaml", LintOptions())
    assert [f for f in found if f.rule.startswith("asyncapi-")] == []


@pytest.mark.parametrize("version", ["2.6.0", "3.0.0"])
def test_empty_document_findings_point_at_existing_places(tmp_path: Path, version: str) -> None:
    """Missing things are reported at the nearest place that exists, so every finding has a
    real line."""
    doc = f"asyncapi: {version}\ninfo:\n  title: T\n  version: 1.0.0\n" + (
        "channels: {}\n" if version.startswith("2") else "")
    found = _lint(tmp_path, doc, ruleset="strict")
    assert {f.rule for f in found} >= {"asyncapi-info-contact", "asyncapi-servers",
                                       "asyncapi-tags", "asyncapi-info-license"}
    assert all(f.line in (1, 2) for f in found)


MALFORMED_3 = """asyncapi: 3.0.0
info: {title: T, version: 1.0.0, tags: [1, {name: a}, {$ref: '#/nope'}], contact: 5}
servers:
  a: 5
  b: {host: 7, security: [x, 3, {$ref: '#/nope'}], variables: [1]}
  c: {$ref: '#/nope'}
channels:
  x: 5
  y: {address: 7, parameters: [1], servers: 3, messages: {m: 4}}
  z: {address: null, messages: {m: {$ref: '#/components/messages/M'}}}
operations:
  o: {action: send, channel: 5, messages: 3, reply: 4, security: 3, tags: 2, traits: 1}
  p: {action: send, channel: {$ref: '#/channels/z'}, traits: [{$ref: '#/nope'}, 3],
      messages: [{$ref: '#/channels/z/messages/m'}]}
components:
  messages:
    M: {payload: 3, headers: 4, examples: [1, {payload: 2, headers: 3}],
        traits: [{$ref: '#/nope'}, 4, {headers: 5}]}
    N: {payload: {schemaFormat: 5, schema: {type: object}}}
  schemas: {S: 5, T: {default: 1, examples: 3}}
  parameters: {P: 4}
  securitySchemes: 5
  messageTraits: {mt: 3}
"""
MALFORMED_2 = """asyncapi: 2.6.0
info: {title: T, version: 1.0.0, contact: {name: x}}
tags: [1, {name: b}, {name: a}]
servers:
  a: 5
  b: {url: 'x/{}/', protocol: kafka, security: [x, {s: 3}, {t: [1]}], variables: [1]}
  c: {url: 'h:{p}', protocol: kafka, variables: {p: {enum: 3, default: 1}, q: 4}}
channels:
  x: 5
  'a/{b}': {parameters: [1], servers: 3, publish: 4,
            subscribe: {operationId: 3, message: {oneOf: 3}}}
  'q/{}': {parameters: {z: 3}, publish: {message: {traits: 3, examples: 3, payload: 4},
                                         traits: [3, {$ref: '#/nope'}]}}
components:
  messages:
    M: {payload: 3, schemaFormat: 7, headers: 4, examples: [1, {payload: 2}],
        traits: [{$ref: '#/nope'}, 4, {headers: 5}]}
  schemas: {S: 5}
  parameters: {P: {schema: 3}}
  securitySchemes: {s: 5, t: {type: oauth2, flows: 3}}
  operationTraits: {ot: {tags: 5}}
"""


@pytest.mark.parametrize("doc", [MALFORMED_3, MALFORMED_2], ids=["3.0", "2.6"])
def test_malformed_documents_never_crash_a_rule(tmp_path: Path, doc: str) -> None:
    """Wrong types everywhere are the structure rule's to report; the AsyncAPI rules skip
    what they cannot read and still report what they can."""
    found = _lint(tmp_path, doc, ruleset="strict")  # asserts no "internal error"
    assert any(f.rule == "structure" for f in found)
    assert any(f.rule.startswith("asyncapi-") for f in found)


def test_duplicate_tags_are_found_wherever_tags_are_written(tmp_path: Path) -> None:
    rule = "asyncapi-tags-uniqueness"
    doc = V3_HEAD + """servers:
  a: {host: broker.internal, protocol: kafka, tags: [{name: env:prod}, {name: env:prod}]}
channels:
  c: {address: c, tags: [{name: x}, {name: x}]}
components:
  messages:
    A: {traits: [{$ref: '#/components/messageTraits/t'}], payload: {type: object}}
    B: {traits: [[{$ref: '#/components/messageTraits/t'}, {}]], payload: {type: object}}
  messageTraits:
    t: {tags: [{name: payments}, {name: payments}]}
"""
    assert sorted(_at(_lint(tmp_path, doc, rule), rule)) == [
        "/channels/c/tags/1", "/components/messageTraits/t/tags/1", "/servers/a/tags/1"]
