"""The ``structure`` rule on real documents, through the CLI, against what Spectral 6.16
reports (its oas3-schema rule): OpenAPI 3.1 Schema Objects checked against their dialect,
OpenAPI 3.0 findings at the keyword that is wrong rather than at the enclosing schema, and
messages that keep their reason however long the instance they quote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli_helpers import run

FIXTURES = Path(__file__).parent / "fixtures" / "structure"


def _findings(path: Path, *rules: str, cwd: Path | None = None) -> list[dict[str, Any]]:
    args = [a for r in rules or ("structure",) for a in ("--select", r)]
    done = run("lint", path, *args, "--no-config", "--format", "json", cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert not report["errors"], report["errors"]
    found = report["findings"]
    assert all("internal error" not in f["message"] for f in found), found
    return found


def _where(found: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return sorted((f["pointer"], f["line"]) for f in found)


# -- defect 1: OpenAPI 3.1 Schema Objects against the OAS 3.1 dialect -----------------------

def test_oas31_schema_objects_are_checked_in_every_position() -> None:
    """Parameters, headers, media types (a $ref with siblings too), webhooks and
    components: each broken keyword once, where Spectral puts it (the xml's unexpected
    member is named, as for any single unexpected property)."""
    found = _findings(FIXTURES / "oas31-schemas.yaml")
    item = "/paths/~1items~1{id}"
    media = "/webhooks/itemChanged/post/requestBody/content/application~1json/schema"
    assert _where(found) == sorted([
        (f"{item}/parameters/0/schema/type", 11),
        (f"{item}/get/responses/200/headers/X-Rate/schema/minimum", 18),
        (f"{item}/get/responses/200/content/application~1json/schema/required", 24),
        (f"{media}/properties/tags/items", 31),
        ("/components/schemas/Item/discriminator", 38),
        ("/components/schemas/Item/properties/name/maxLength", 40),
        ("/components/schemas/Owner/prefixItems", 44),
        ("/components/schemas/Owner/xml/bogus", 45),
    ])
    by_pointer = {f["pointer"]: f["message"] for f in found}
    assert '"strin" is not one of' in by_pointer[f"{item}/parameters/0/schema/type"]
    assert by_pointer["/components/schemas/Owner/prefixItems"] == "[] has less than 1 item"
    assert by_pointer["/components/schemas/Item/discriminator"] == (
        '"propertyName" is a required property')
    assert by_pointer["/components/schemas/Owner/xml/bogus"] == (
        'Property "bogus" is not expected to be here')
    # the OAS vocabulary's keywords, used rightly, and a draft-07 schema: nothing
    assert not any("/Fine" in p or "/Draft7" in p for p in by_pointer)


def test_the_qa_probe_flags_what_spectral_flags(tmp_path: Path) -> None:
    doc = tmp_path / "probe.yaml"
    doc.write_text("""openapi: 3.1.0
info: {title: P, version: "1"}
paths: {}
components:
  schemas:
    A: {type: strin}
    B: {type: object, required: true}
    C: {type: integer, minimum: "a"}
    D: {type: array, items: [{type: string}]}
""")
    found = _findings(doc)
    assert _where(found) == [("/components/schemas/A/type", 6),
                             ("/components/schemas/B/required", 7),
                             ("/components/schemas/C/minimum", 8),
                             ("/components/schemas/D/items", 9)]


def test_the_dialect_decides_which_meta_schema_applies() -> None:
    """jsonSchemaDialect 2020-12: the OAS vocabulary's keywords are unknown keywords (xml: 5
    is fine), unless a schema's own $schema names the OAS dialect."""
    found = _findings(FIXTURES / "oas31-dialect-2020-12.yaml")
    assert _where(found) == [("/components/schemas/Broken/type", 10),
                             ("/components/schemas/Oas/xml", 14)]


def test_an_unknown_dialect_is_left_alone() -> None:
    """Checking it would mean fetching its meta-schema: nothing is ever fetched."""
    assert _findings(FIXTURES / "oas31-other-dialect.yaml") == []


def test_the_registrys_own_31_contracts_stay_clean(repo_root: Path) -> None:
    done = run("lint", "--select", "structure", "--no-config", cwd=repo_root)
    assert done.returncode == 0, done.stdout + done.stderr


# -- defect 2: OpenAPI 3.0 findings at the leaf, with a reason ------------------------------

def test_oas30_findings_are_at_the_keyword_not_the_schema() -> None:
    found = _findings(FIXTURES / "oas30-nested.yaml")
    got = sorted((f["pointer"], f["line"], f["message"]) for f in found)
    assert got == sorted([
        # additionalProperties: the property itself, named as Spectral names it
        ("/paths/~1contacts/get/links", 11, 'Property "links" is not expected to be here'),
        # a path parameter's oneOf: the Parameter alternative, not the Reference one
        ("/paths/~1contacts/post/parameters/0", 14, '"required" is a required property'),
        ("/components/schemas/Contact/properties/TaxClassification/descrption", 25,
         'Property "descrption" is not expected to be here'),
        # an enum refusing a misspelt type: still a Schema, not a Reference missing $ref
        ("/components/schemas/Typed/type", 28,
         '"strin" is not one of "array", "boolean" or 4 other candidates'),
        # two mistakes in one schema: both reported, where they are
        ("/components/schemas/Several/required", 31, 'true is not of type "array"'),
        ("/components/schemas/Several/properties/n/minimum", 33,
         '"a" is not of type "number"'),
        # no alternative takes a list, and all say why alike: that is the reason given
        ("/components/schemas/Listed/items", 36,
         '[{"type":"string"}] is not of type "object"'),
    ])
    assert not any("oneOf" in f["message"] or "(trimmed)" in f["message"] for f in found)


def test_xero_typo_is_reported_at_the_typo(corpora: Path) -> None:
    found = _findings(corpora / "xero" / "xero_accounting-2.39.0.yaml")
    assert [(f["pointer"], f["line"], f["message"]) for f in found] == [(
        "/components/schemas/TenNinetyNineContact/properties/FederalTaxClassification/"
        "descrption", 28028, 'Property "descrption" is not expected to be here')]


# -- defect 3: a long quoted instance is clipped, the reason kept ---------------------------

def test_a_long_example_keeps_the_reason() -> None:
    found = _findings(FIXTURES / "oas30-long-example.yaml", "oas-valid-media-example")
    message, = (f["message"] for f in found)
    assert message.endswith("' is not of type 'object'"), message
    assert "(trimmed)" not in message and len(message) < 200


def test_xero_media_examples_say_what_is_wrong(corpora: Path) -> None:
    found = _findings(corpora / "xero" / "xero_accounting-3.0.2.yaml",
                      "oas-valid-media-example")
    assert len(found) > 200
    assert not [f["message"] for f in found if f["message"].endswith("(trimmed)")]


def test_shorten_clips_the_instance_in_either_quoting() -> None:
    from ledgerpact.registry.findings import shorten

    # Python's jsonschema quotes a repr, jsonschema-rs compact JSON
    python = repr({"Accounts": [{"AccountID": "x" * 400}]}) + " is not of type 'string'"
    rust = json.dumps(["it's " + "y" * 400]) + ' is not of type "object"'
    for message, reason in ((python, " is not of type 'string'"),
                            (rust, ' is not of type "object"')):
        short = shorten(message)
        assert short.endswith(reason) and len(short) < 120, short
    assert shorten("a short message") == "a short message"
    assert shorten("x " * 400).endswith(" ... (trimmed)")  # no instance: cut at the end


# -- the shared module ------------------------------------------------------------------------

def test_lint_does_not_import_the_simulators() -> None:
    """schema_errors is registry infrastructure: lint shapes errors with it without
    loading the simulators, and the simulators still use it."""
    code = ("import sys; import ledgerpact.governance.lint.rules.structure; "
            "import ledgerpact.registry.schema_errors; "
            "assert not [m for m in sys.modules if m.startswith('ledgerpact.generators')]; "
            "from ledgerpact.generators.simulators import spec; "
            "assert spec.leaves is ledgerpact.registry.schema_errors.leaves")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
