"""``$ref`` with sibling keywords: they apply in JSON Schema 2019-09 and later (OpenAPI 3.1,
the registry's 2020-12 canonical schemas) and are ignored in draft-07 dialects (OpenAPI 3.0).
The canonical schemas rely on it (``{"$ref": "../party/...", "properties": {...}}``), so a
change in those siblings must be seen, through every hop that reaches them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli_helpers import commit_all, init_repo, run
from tests.diff_helpers import diff_texts

REPO = Path(__file__).resolve().parents[1]

DOC = """openapi: {version}
info: {{title: Suppliers, version: 1.0.0}}
paths:
  /suppliers:
    post:
      operationId: createSupplier
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Supplier'
      responses:
        "201": {{description: created}}
components:
  schemas:
    Party:
      type: object
      properties:
        name: {{type: string}}
    Supplier:
      $ref: '#/components/schemas/Party'
      required: [{required}]
      properties:
        iban: {{type: string}}
"""


def test_siblings_of_a_ref_apply_in_openapi_3_1(tmp_path: Path) -> None:
    base = DOC.format(version="3.1.0", required="name")
    revision = DOC.format(version="3.1.0", required="name, iban")
    changes = diff_texts(tmp_path, base, revision)
    found = [(c.rule, c.level.label, c.revision.pointer) for c in changes if c.revision]
    assert any(rule == "property-became-required" and level == "breaking"
               and pointer.startswith("/components/schemas/Supplier")
               for rule, level, pointer in found), found


def test_siblings_of_a_ref_are_ignored_in_openapi_3_0(tmp_path: Path) -> None:
    base = DOC.format(version="3.0.3", required="name")
    revision = DOC.format(version="3.0.3", required="name, iban")
    assert diff_texts(tmp_path, base, revision) == []


def test_canonical_schema_sibling_change_reaches_the_events_that_use_it(tmp_path: Path) -> None:
    """finance-events' supplier messages $ref supplier.schema.json, whose root is a $ref to
    party plus its own properties: removing one of those is a breaking change for the
    consumers of both supplier events, located in the supplier schema."""
    root = init_repo(tmp_path / "reg")
    shutil.copytree(REPO / "contracts", root / "contracts")
    commit_all(root, "registry")
    schema = root / "contracts" / "schemas" / "supplier" / "supplier.schema.json"
    data = json.loads(schema.read_text())
    assert "$ref" in data and "statusReason" in data["properties"]
    del data["properties"]["statusReason"]
    schema.write_text(json.dumps(data, indent=2))
    result = run("diff", "finance-events@HEAD", "finance-events", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    changes = json.loads(result.stdout)["changes"]
    [change] = [c for c in changes if c["level"] == "breaking"]
    assert change["direction"] == "publish"
    assert change["base"]["file"] == "contracts/schemas/supplier/supplier.schema.json"
    assert change["base"]["pointer"] == "/properties/statusReason"
    assert len(change["affects"]) == 2
