"""Every lint rule's own fixture test: its documented bad example must trigger it, and its
good example must not. The examples are the docs `ledgerpact rules` prints, so this also
keeps the catalogue honest."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from ledgerpact.governance.lint.catalog import all_rules
from ledgerpact.governance.lint.engine import LintOptions, lint
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

RULES = all_rules()


def _lint_text(tmp_path: Path, text: str, *rule_ids: str) -> list:
    (tmp_path / "contract.yaml").write_text(text)
    ws = Workspace(DirectorySource(tmp_path))
    return [f for f in lint(ws, "contract.yaml", LintOptions(only=frozenset(rule_ids)))
            if f.rule in rule_ids]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_bad_example_triggers_the_rule(rule, tmp_path: Path) -> None:
    found = _lint_text(tmp_path, rule.doc.bad, rule.id)
    assert found, f"{rule.id}: its bad example raises nothing"
    assert all("internal error" not in f.message for f in found), found
    assert all(f.line >= 1 and f.column >= 1 for f in found)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_good_example_passes_the_rule(rule, tmp_path: Path) -> None:
    # The good example is what the catalogue tells people to write, so it must also be a
    # valid document: a fix that only silences the rule by breaking the document is no fix.
    found = _lint_text(tmp_path, rule.doc.good, rule.id, "structure")
    shown = [(f.rule, f.pointer, f.message) for f in found]
    assert not found, f"{rule.id}: its good example raises {shown}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule) -> None:
    assert rule.id == rule.id.strip() and " " not in rule.id
    assert rule.doc.summary and rule.doc.why and rule.doc.bad != rule.doc.good
    assert rule.formats and rule.rulesets


def test_rule_ids_are_unique_and_stable_families() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.family in {"structure", "oas", "asyncapi", "finance"}, r.id
        if r.family in {"oas", "asyncapi", "finance"}:
            assert r.id.startswith(r.family + "-"), r.id


# -- every rule on broken documents --------------------------------------------------------

# Documents with wrongly-typed values wherever rules look (objects where strings belong,
# lists where objects belong, unhashable tags and scopes, non-string keys): `structure`
# reports what is wrong; no other rule may crash on it.
MALFORMED = {
    "openapi-3.1": """\
openapi: 3.1.0
info: {title: [Broken], version: {major: 1}, contact: nobody, license: 7, description: 42}
servers:
  - url: {not: a url}
    variables: {region: {enum: [{a: 1}, [1]], default: [eu]}}
  - https://not-an-object.example
tags: [{a: 1}, [1], Invoices, {name: {a: 1}}, {name: Invoices, description: [1]}]
security:
  - oauth2: [{a: 1}, [read], read]
  - not a requirement
paths:
  /invoices/{id}:
    parameters: {not: a list}
    get:
      operationId: {a: 1}
      tags: [{a: 1}, [1], 3]
      summary: [1]
      description: {a: 1}
      parameters:
        - {name: {a: 1}, in: [query], schema: {type: [{a: 1}], enum: [{a: 1}, {a: 1}]}}
        - not a parameter
        - {name: id, in: path, required: "yes", schema: [1]}
        - {name: iban, in: query, schema: {type: string, x-sensitive: [1]}}
      requestBody: [1]
      responses:
        200:
          description: [1]
          headers: [1]
          links: [1]
          content:
            application/json:
              schema: {type: {a: 1}, properties: [1], required: [{a: 1}], items: [1]}
              example: {a: 1}
              examples: [1]
        "404": not a response
        default: {description: "", content: [1]}
      callbacks: [1]
      security: [{oauth2: {a: 1}}, {oauth2: [[1]]}]
      servers: [{url: 7}, [1]]
  /payments:
    post:
      tags: [[1]]
      parameters: [{name: [1], in: header, schema: {type: string}}]
      callbacks:
        settled:
          "{$request.body#/url}": [1]
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Payment"}
webhooks:
  paymentSettled: [1]
  refund: {post: {tags: [{a: 1}], responses: [1], parameters: {a: 1}}}
components:
  schemas:
    Payment:
      type: object
      properties:
        amount:
          type: [number, {a: 1}]
          x-is-money: {a: 1}
          description: [1]
          format: {a: 1}
          pattern: [1]
          enum: {a: 1}
        total: {type: integer, description: {a: 1}}
        status: {enum: [[1], {a: 1}, [1]], x-extensible-enum: [1]}
        iban: {type: string, x-sensitive: [1]}
        createdAt: {type: integer, format: [1]}
        lines: {type: array, items: [1]}
        12: {type: number}
      required: {a: 1}
      allOf: {a: 1}
      oneOf: [1, [1]]
      discriminator: [1]
    Broken: [1]
  parameters: [1]
  responses: {NotFound: [1]}
  securitySchemes:
    oauth2:
      type: oauth2
      flows: {clientCredentials: {scopes: [read], tokenUrl: [1]}, implicit: [1]}
    key: [1]
  examples: {e: [1]}
  links: [1]
""",
    "asyncapi-3.0": """\
asyncapi: 3.0.0
info:
  title: [1]
  version: {a: 1}
  tags: [{a: 1}, [1], {name: [1]}]
  contact: 7
  externalDocs: [1]
defaultContentType: [1]
servers:
  prod:
    host: {a: 1}
    protocol: [kafka]
    pathname: 7
    variables: {port: {enum: [{a: 1}], default: [1]}}
    security: [{a: 1}, [1], {$ref: "#/components/securitySchemes/oauth"}]
    tags: [[1]]
  bad: [1]
channels:
  payments:
    address: {a: 1}
    parameters: {id: [1], iban: {enum: [{a: 1}]}}
    messages:
      settled:
        name: {a: 1}
        payload: {type: [{a: 1}], properties: [1], required: {a: 1}}
        headers: [1]
        traits: [[1], {a: 1}, [{name: [1]}, {}]]
        examples: [1, {payload: [1], headers: 7}]
        correlationId: [1]
        tags: [{a: 1}]
      other: [1]
    servers: [{a: 1}, 7]
  bad: [1]
operations:
  send:
    action: {a: 1}
    channel: {$ref: "#/channels/payments"}
    messages: [{a: 1}, [1], {$ref: "#/channels/payments/messages/settled"}]
    security: [[1], {a: 1}, {$ref: "#/components/securitySchemes/oauth"}]
    tags: [{a: 1}, [1]]
    traits: [[1]]
    reply: [1]
  bad: [1]
  noChannel: {action: send, channel: [1]}
components:
  schemas:
    S: [1]
    T: {type: object, properties: {amount: {type: number, x-is-money: [1]}}}
  messages: {M: [1]}
  securitySchemes:
    oauth:
      type: oauth2
      flows: {clientCredentials: {availableScopes: [1], tokenUrl: 7}}
      scopes: [{a: 1}, [1]]
  parameters: [1]
  servers: {x: {host: [1]}}
  operationTraits: {t: [1]}
  messageTraits: {t: {headers: [1]}}
""",
    "asyncapi-2.6": """\
asyncapi: 2.6.0
info: {title: Payments, version: 1.0.0}
tags: [{a: 1}, [1]]
servers:
  prod:
    url: {a: 1}
    protocol: kafka
    security: [{oauth: [{a: 1}, [1]]}, [1], {missing: {a: 1}}]
channels:
  payments/{iban}:
    parameters: {iban: [1]}
    publish:
      operationId: [1]
      tags: [[1]]
      message: {oneOf: [[1], {payload: [1]}, {name: {a: 1}}]}
    subscribe: [1]
components:
  securitySchemes:
    oauth: {type: oauth2, flows: {implicit: {scopes: [1]}}}
""",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_no_rule_crashes_on_a_malformed_document(name: str, tmp_path: Path) -> None:
    every = frozenset(r.id for r in RULES)
    (tmp_path / "contract.yaml").write_text(MALFORMED[name])
    ws = Workspace(DirectorySource(tmp_path))
    found = lint(ws, "contract.yaml", LintOptions(only=every))
    crashed = [f.message for f in found if "internal error" in f.message]
    assert not crashed, crashed
    # The document really is broken, and read: structure says so, and the other rules
    # still report what they can.
    assert any(f.rule == "structure" for f in found)
    assert {f.rule for f in found} - {"structure"}


def test_no_helper_is_written_twice_across_rule_modules(repo_root: Path) -> None:
    """Shared helpers (as_dict, resolve, OAuth2 scopes...) live once, in rules/_util.py:
    copies drift apart, and a guard added to one copy (say, against a wrongly-typed value)
    silently misses the others. Two module-level functions with the same arguments and
    the same body (docstrings aside) are copies."""
    bodies: dict[str, list[str]] = defaultdict(list)
    folder = repo_root / "governance" / "lint" / "rules"
    for path in sorted(folder.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                body = node.body
                if ast.get_docstring(node) is not None:
                    body = body[1:]
                key = ast.dump(node.args) + "".join(ast.dump(stmt) for stmt in body)
                bodies[key].append(f"{path.relative_to(folder)}:{node.name}")
    copies = [names for names in bodies.values() if len(names) > 1]
    assert not copies, copies
