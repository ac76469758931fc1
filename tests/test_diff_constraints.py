"""Constraint and composition diff rules on documents beyond their catalogue examples:
``$ref`` cycles and very long ``$ref`` chains, both spellings of exclusive bounds, exact
decimal multipleOf, objects closing and opening, schemas becoming (or ceasing to be) a
oneOf of themselves, inherited keywords, and real Stripe documents changed in place.

Documents are written out here in full (not built from the rule modules' example helper):
importing a rule module before the catalogue loads would register only that module's rules.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ledgerpact.governance.diff.model import Change, Direction, Level
from tests.diff_helpers import diff_files, diff_texts

STRIPE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "stripe"

_API = """openapi: {version}
info: {{title: Ledger, version: 1.0.0}}
paths:
  /accounts:
    post:
      operationId: createAccount
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/Body'}}
      responses:
        "201":
          description: Created.
  /accounts/{{id}}:
    get:
      operationId: getAccount
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200":
          description: The account.
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Body'}}
components:
  schemas:
    Body:
{body}
{more}"""


def doc(body: str, more: str = "", version: str = "3.1.0") -> str:
    """A document whose schema ``Body`` is both sent (POST) and returned (GET): each change
    in it shows once per direction. ``more`` adds further components (at 4 spaces)."""
    return _API.format(version=version,
                       body=textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 6),
                       more=textwrap.indent(textwrap.dedent(more).strip("\n"), " " * 4))


def _fresh(folder: Path) -> Path:
    folder.mkdir()
    return folder


def summary(changes: list[Change]) -> list[tuple[str, str, str]]:
    return sorted((c.rule, c.direction.value, c.level.label) for c in changes)


def by_direction(changes: list[Change], direction: Direction) -> list[Change]:
    return [c for c in changes if c.direction is direction]


# -- $ref cycles and depth --------------------------------------------------------------------

def test_change_inside_a_recursive_schema_is_reported_once(tmp_path: Path) -> None:
    base = doc("""
        type: object
        properties:
          code: {type: string}
          parent: {$ref: '#/components/schemas/Body'}
          children:
            type: array
            items: {$ref: '#/components/schemas/Body'}
          ledger:
            type: object
            properties:
              entries:
                type: array
                items:
                  type: object
                  properties:
                    memo: {type: string, maxLength: 140}
                    account: {$ref: '#/components/schemas/Body'}
        """)
    changes = diff_texts(tmp_path, base, base.replace("maxLength: 140", "maxLength: 35"))
    assert summary(changes) == [("max-length-tightened", "request", "breaking"),
                                ("max-length-tightened", "response", "info")]
    pointer = ("/components/schemas/Body/properties/ledger/properties/entries/items/"
               "properties/memo/maxLength")
    for change in changes:
        assert change.base is not None and change.revision is not None
        assert change.revision.pointer == pointer and change.revision.line == 44
        assert change.message == "maxLength lowered from 140 to 35"
    assert by_direction(changes, Direction.REQUEST)[0].affects == ["POST /accounts"]
    assert by_direction(changes, Direction.RESPONSE)[0].affects == ["GET /accounts/{id}"]


def test_change_inside_two_components_referencing_each_other_is_reported_once(
        tmp_path: Path) -> None:
    base = doc("""
        $ref: '#/components/schemas/Invoice'
        """, """
        Invoice:
          type: object
          properties:
            number: {type: string}
            customer: {$ref: '#/components/schemas/Customer'}
        Customer:
          type: object
          properties:
            vatNumber: {type: string, pattern: '^[A-Z]{2}[0-9A-Z]{2,12}$'}
            invoices:
              type: array
              items: {$ref: '#/components/schemas/Invoice'}
        """)
    revision = base.replace("'^[A-Z]{2}[0-9A-Z]{2,12}$'", "'^GB[0-9]{9}$'")
    changes = diff_texts(tmp_path, base, revision)
    assert summary(changes) == [("pattern-changed", "request", "breaking"),
                                ("pattern-changed", "response", "breaking")]
    for change in changes:
        assert change.place.pointer == \
            "/components/schemas/Customer/properties/vatNumber/pattern"
        assert change.message == \
            "pattern changed from '^[A-Z]{2}[0-9A-Z]{2,12}$' to '^GB[0-9]{9}$'"


def _chain(length: int, last_max: int) -> str:
    schemas: dict[str, object] = {"Body": {"$ref": "#/components/schemas/S0"}}
    for i in range(length):
        node: dict[str, object] = {"type": "object", "properties": {"id": {"type": "string"}}}
        if i + 1 < length:
            node["properties"]["next"] = {"$ref": f"#/components/schemas/S{i + 1}"}  # type: ignore[index]
        else:
            node["properties"]["memo"] = {"type": "string", "maxLength": last_max}  # type: ignore[index]
        schemas[f"S{i}"] = node
    document = {
        "openapi": "3.1.0", "info": {"title": "Chain", "version": "1.0.0"},
        "paths": {"/chain": {"get": {"operationId": "getChain", "responses": {"200": {
            "description": "The chain.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}},
        }}}}},
        "components": {"schemas": schemas},
    }
    return json.dumps(document, indent=1)


def test_a_chain_of_3000_components_does_not_hit_the_recursion_limit(tmp_path: Path) -> None:
    changes = diff_texts(tmp_path, _chain(3000, 100), _chain(3000, 50), suffix=".json")
    assert summary(changes) == [("max-length-tightened", "response", "info")]
    (change,) = changes
    assert change.place.pointer == "/components/schemas/S2999/properties/memo/maxLength"
    assert change.place.line > 3000
    assert change.affects == ["GET /chain"]


# -- bounds, multiples, lengths ----------------------------------------------------------------

def test_both_spellings_of_an_exclusive_bound_are_one_bound(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          quantity: {type: number, minimum: 0, exclusiveMinimum: true}
        """, version="3.0.3")
    new = doc("""
        type: object
        properties:
          quantity: {type: number, exclusiveMinimum: 0}
        """)
    changes = diff_texts(tmp_path, old, new)
    assert not [c for c in changes if c.rule.startswith(("minimum", "maximum"))], changes


def test_over_integers_an_exclusive_bound_is_the_next_integer(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          instalments: {type: integer, exclusiveMinimum: 0, exclusiveMaximum: 13}
        """)
    new = doc("""
        type: object
        properties:
          instalments: {type: integer, minimum: 1, maximum: 12}
        """)
    assert diff_texts(tmp_path, old, new) == []


def test_making_a_bound_exclusive_tightens_it(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          discountPercent: {type: number, maximum: 100}
        """, version="3.0.3")
    changes = diff_texts(tmp_path, old, old.replace(
        "maximum: 100}", "maximum: 100, exclusiveMaximum: true}"))
    assert summary(changes) == [("maximum-tightened", "request", "breaking"),
                                ("maximum-tightened", "response", "info")]
    assert changes[0].message == \
        "upper bound tightened from maximum 100 to maximum 100 (exclusive)"


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("0.1", "0.3", "multiple-of-tightened"),  # 0.3 / 0.1 is 2.9999999999999996 in floats
    ("0.01", "0.05", "multiple-of-tightened"),
    ("1", "0.25", "multiple-of-loosened"),
    ("0.3", "0.1", "multiple-of-loosened"),
    ("0.25", "0.1", "multiple-of-changed"),
    ("0.5", "0.50", None),
])
def test_multiple_of_is_compared_in_exact_decimals(tmp_path: Path, old: str, new: str,
                                                   rule: str | None) -> None:
    schema = """
        type: object
        properties:
          unitPrice: {type: number, multipleOf: VALUE}
        """
    changes = diff_texts(tmp_path, doc(schema.replace("VALUE", old)),
                         doc(schema.replace("VALUE", new)))
    assert {c.rule for c in changes} == ({rule} if rule else set())


def test_min_length_zero_is_no_constraint(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          reference: {type: string}
        """)
    new = old.replace("{type: string}", "{type: string, minLength: 0}")
    assert new != old
    assert diff_texts(tmp_path, old, new) == []


# -- objects closing and opening ---------------------------------------------------------------

_OBJECT = """
    type: object
    properties:
      amount: {type: string}
    """


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("additionalProperties: false", "additionalProperties: {type: string}",
     [("additional-properties-loosened", "request", "info"),
      ("additional-properties-loosened", "response", "breaking")]),
    ("additionalProperties: true", "additionalProperties: false",
     [("additional-properties-tightened", "request", "breaking"),
      ("additional-properties-tightened", "response", "info")]),
    ("description: open", "additionalProperties: {type: string}",
     [("additional-properties-tightened", "request", "breaking"),
      ("additional-properties-tightened", "response", "info")]),
    ("additionalProperties: {type: integer}", "additionalProperties: {type: string}",
     [("type-changed", "request", "breaking"), ("type-changed", "response", "breaking")]),
    ("description: open", "unevaluatedProperties: false",
     [("additional-properties-tightened", "request", "breaking"),
      ("additional-properties-tightened", "response", "info")]),
])
def test_an_object_closing_or_opening_is_one_change(tmp_path: Path, old: str, new: str,
                                                    expected: list[tuple[str, str, str]]
                                                    ) -> None:
    """``false`` against a schema is the object closing or opening, reported once by the
    constraint rule; the walker does not also compare it as a ``not: {}`` subschema."""
    base = doc(f"{_OBJECT}\n    {old}")
    changes = diff_texts(tmp_path, base, base.replace(old, new))
    assert summary(changes) == expected


def test_a_property_becoming_false_refuses_every_value(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          legacyCode: {type: string}
        """)
    changes = diff_texts(tmp_path, old, old.replace("legacyCode: {type: string}",
                                                    "legacyCode: false"))
    assert summary(changes) == [("not-added", "request", "breaking"),
                                ("not-added", "response", "info")]
    assert changes[0].message == "schema became false: no value is accepted"
    assert changes[0].place.pointer == "/components/schemas/Body/properties/legacyCode"


# -- composition -------------------------------------------------------------------------------

_METHODS = """
    CardPayment:
      type: object
      properties:
        cardToken: {type: string, maxLength: 64}
    BankTransfer:
      type: object
      properties:
        iban: {type: string}
    """


def test_a_schema_becoming_a_one_of_of_itself_gained_variants(tmp_path: Path) -> None:
    """Not "properties removed": the walker compares the old schema with the variant that
    is it (a change inside it is still found), and the rules see only the new choice."""
    old = doc("""
        type: object
        properties:
          payment: {$ref: '#/components/schemas/CardPayment'}
        """, _METHODS)
    new = doc("""
        type: object
        properties:
          payment:
            oneOf:
              - $ref: '#/components/schemas/CardPayment'
              - $ref: '#/components/schemas/BankTransfer'
        """, _METHODS.replace("maxLength: 64", "maxLength: 32"))
    changes = diff_texts(tmp_path, old, new)
    assert summary(changes) == [("max-length-tightened", "request", "breaking"),
                                ("max-length-tightened", "response", "info"),
                                ("variant-added", "request", "info"),
                                ("variant-added", "response", "breaking")]
    added = next(c for c in changes if c.rule == "variant-added")
    assert added.revision is not None
    assert added.revision.pointer == "/components/schemas/Body/properties/payment/oneOf/1"
    assert "'BankTransfer' added" in added.message

    back = diff_texts(_fresh(tmp_path / "back"), new, old)
    assert summary(back) == [("max-length-loosened", "request", "info"),
                             ("max-length-loosened", "response", "breaking"),
                             ("variant-removed", "request", "breaking"),
                             ("variant-removed", "response", "info")]


def test_an_inline_schema_moved_into_a_variant_is_matched_by_content(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          payee:
            type: object
            properties:
              iban: {type: string}
        """, _METHODS)
    new = doc("""
        type: object
        properties:
          payee:
            anyOf:
              - type: object
                properties:
                  iban: {type: string}
              - $ref: '#/components/schemas/CardPayment'
        """, _METHODS)
    assert summary(diff_texts(tmp_path, old, new)) == [
        ("variant-added", "request", "info"), ("variant-added", "response", "breaking")]


def test_a_new_choice_that_is_not_the_old_schema_is_a_new_constraint(tmp_path: Path) -> None:
    old = doc("""
        type: object
        properties:
          payee:
            type: object
            properties:
              iban: {type: string}
              bic: {type: string}
        """)
    new = old.replace("            bic: {type: string}\n",
                      "            bic: {type: string}\n"
                      "          oneOf:\n"
                      "            - required: [iban]\n"
                      "            - required: [bic]\n")
    assert new != old
    changes = diff_texts(tmp_path, old, new)
    assert summary(changes) == [("composition-added", "request", "breaking"),
                                ("composition-added", "response", "info")]
    assert changes[0].message == \
        "oneOf with 2 variants added: a value must now match exactly one of them"


def test_one_of_becoming_any_of_also_reports_variants_dropped(tmp_path: Path) -> None:
    old = doc("""
        oneOf:
          - $ref: '#/components/schemas/CardPayment'
          - $ref: '#/components/schemas/BankTransfer'
        """, _METHODS)
    new = doc("""
        anyOf:
          - $ref: '#/components/schemas/CardPayment'
        """, _METHODS)
    assert summary(diff_texts(tmp_path, old, new)) == [
        ("one-of-became-any-of", "request", "info"),
        ("one-of-became-any-of", "response", "breaking"),
        ("variant-removed", "request", "breaking"),
        ("variant-removed", "response", "info")]


def test_an_explicit_mapping_that_only_repeats_the_implicit_one_is_no_change(
        tmp_path: Path) -> None:
    old = doc("""
        oneOf:
          - $ref: '#/components/schemas/CardPayment'
          - $ref: '#/components/schemas/BankTransfer'
        discriminator:
          propertyName: method
          mapping:
            CardPayment: '#/components/schemas/CardPayment'
            bank: '#/components/schemas/BankTransfer'
        """, _METHODS)
    new = old.replace("          CardPayment: '#/components/schemas/CardPayment'\n", "")
    assert new != old
    assert diff_texts(tmp_path, old, new) == []
    moved = old.replace("bank: '#/components/schemas/BankTransfer'",
                        "bank: 'CardPayment'")
    changes = diff_texts(_fresh(tmp_path / "moved"), old, moved)
    assert summary(changes) == [("discriminator-mapping-changed", "request", "breaking"),
                                ("discriminator-mapping-changed", "response", "breaking")]
    assert changes[0].message == \
        "discriminator value 'bank' now maps to 'CardPayment' instead of 'BankTransfer'"


def test_a_keyword_inherited_through_all_of_is_reported_once_at_its_schema(
        tmp_path: Path) -> None:
    """``Card`` merges ``Party``'s keywords; a change to one is located at ``Party`` (where
    it happens), so the engine merges it with the change found comparing ``Party`` itself
    instead of inventing a place under ``Card``."""
    old = doc("""
        type: object
        properties:
          card: {$ref: '#/components/schemas/Card'}
          party: {$ref: '#/components/schemas/Party'}
        """, """
        Party:
          type: object
          maxProperties: 10
          discriminator: {propertyName: kind}
          properties:
            kind: {type: string}
        Card:
          allOf:
            - $ref: '#/components/schemas/Party'
            - type: object
              properties:
                token: {type: string, maxLength: 64}
        """)
    new = (old.replace("maxProperties: 10", "maxProperties: 5")
           .replace("maxLength: 64", "maxLength: 32")
           .replace("propertyName: kind", "propertyName: type"))
    changes = diff_texts(tmp_path, old, new)
    where = sorted((c.rule, c.direction.value, c.place.pointer) for c in changes)
    party, card = "/components/schemas/Party", "/components/schemas/Card"
    assert where == [
        ("discriminator-property-changed", "request", f"{party}/discriminator/propertyName"),
        ("discriminator-property-changed", "response", f"{party}/discriminator/propertyName"),
        ("max-length-tightened", "request", f"{card}/allOf/1/properties/token/maxLength"),
        ("max-length-tightened", "response", f"{card}/allOf/1/properties/token/maxLength"),
        ("max-properties-tightened", "request", f"{party}/maxProperties"),
        ("max-properties-tightened", "response", f"{party}/maxProperties"),
    ]


# -- real documents ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stripe_changes(tmp_path_factory: pytest.TempPathFactory) -> list[Change]:
    """The real Stripe spec (2022-04-12) against itself with two changes in shared
    components: a shorter customer email, and a new variant of a charge's customer."""
    source = STRIPE / "spec3-2022-04-12.json"
    if not source.is_file():
        pytest.skip(f"Stripe corpus not found at {STRIPE}")
    document = json.loads(source.read_text())
    schemas = document["components"]["schemas"]
    assert schemas["customer"]["properties"]["email"]["maxLength"] == 5000
    schemas["customer"]["properties"]["email"]["maxLength"] = 512
    schemas["charge"]["properties"]["customer"]["anyOf"].append(
        {"$ref": "#/components/schemas/account"})
    folder = tmp_path_factory.mktemp("stripe")
    revision = folder / "spec3.json"
    revision.write_text(json.dumps(document, indent=2))
    return diff_files(source, revision)


def test_stripe_shared_constraint_change_is_reported_once(
        stripe_changes: list[Change]) -> None:
    found = [c for c in stripe_changes if c.rule == "max-length-tightened"]
    assert [(c.direction, c.level, c.message) for c in found] == [
        (Direction.RESPONSE, Level.INFO, "maxLength lowered from 5000 to 512")]
    (change,) = found
    assert change.place.pointer == "/components/schemas/customer/properties/email/maxLength"
    assert "GET /v1/customers/{customer}" in change.affects
    assert "POST /v1/customers" in change.affects
    assert len(change.affects) > 20


def test_stripe_new_variant_in_a_shared_component_breaks_responses_once(
        stripe_changes: list[Change]) -> None:
    found = [c for c in stripe_changes if c.rule == "variant-added"]
    assert [(c.direction, c.level, c.message) for c in found] == [
        (Direction.RESPONSE, Level.BREAKING, "anyOf variant 'account' added")]
    (change,) = found
    assert change.revision is not None
    assert change.revision.pointer == "/components/schemas/charge/properties/customer/anyOf/3"
    assert "GET /v1/charges/{charge}" in change.affects
    assert {c.rule for c in stripe_changes} == {"max-length-tightened", "variant-added"}
