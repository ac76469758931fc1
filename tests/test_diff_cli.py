"""`ledgerpact diff` end to end: the installed command on real files, real Git registries in
temp dirs, the real Xero releases, and every bad-input fixture as either side."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata
from tests.test_bad_input import CASES, FIXTURES, LEGAL_RECURSION, TREE_SCHEMA

INVOICES = """\
openapi: 3.1.0
info: {title: Invoices, version: 1.0.0}
paths:
  /invoices/{id}:
    get:
      operationId: getInvoice
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The invoice.
          content:
            application/json:
              schema: {$ref: 'invoice.schema.json'}
"""

INVOICE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Invoice",
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "dueDate": {"type": "string", "format": "date"},
        "currency": {"type": "string"},
    },
}


def _json(result: subprocess.CompletedProcess[str]) -> dict:
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def _one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and result.stderr.count("\n") == 1, result.stderr
    return errors[0]


def _write_schema(path: Path, schema: dict) -> None:
    path.write_text(json.dumps(schema, indent=2) + "\n")


def _one_contract(tmp_path: Path, contract_id: str, files: dict[str, str], kind: str = "openapi",
                  **meta: str) -> Path:
    """A Git registry holding one committed contract: ``files`` by name, the first its
    document; ``meta`` overrides contract.yaml fields."""
    root = init_repo(tmp_path / "reg")
    folder = root / "contracts" / contract_id
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    write_metadata(folder, contract_id, kind, next(iter(files)),
                   version="1.0.0" if kind == "json-schema" else None)
    data = yaml.safe_load((folder / "contract.yaml").read_text())
    (folder / "contract.yaml").write_text(yaml.safe_dump({**data, **meta}, sort_keys=False))
    commit_all(root, contract_id)
    return root


def _invoice_registry(tmp_path: Path) -> Path:
    """Registry with ``inv`` (its response schema in another file), tagged v1."""
    root = _one_contract(tmp_path, "inv", {
        "openapi.yaml": INVOICES,
        "invoice.schema.json": json.dumps(INVOICE_SCHEMA, indent=2) + "\n"})
    git(root, "tag", "v1")
    return root


def _drop_due_date(root: Path) -> None:
    schema = json.loads(json.dumps(INVOICE_SCHEMA))
    del schema["properties"]["dueDate"]
    _write_schema(root / "contracts" / "inv" / "invoice.schema.json", schema)


# -- multi-file contracts, each side at its own revision --------------------------------------


def test_a_change_in_a_referenced_file_is_found_there(tmp_path: Path) -> None:
    root = _invoice_registry(tmp_path)
    _drop_due_date(root)  # the document itself is unchanged: only the file it $refs
    result = run("diff", "inv@v1", "inv", "--registry", root, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = _json(result)
    [change] = [c for c in report["changes"] if c["rule"] == "property-removed"]
    assert (change["level"], change["direction"]) == ("breaking", "response")
    assert change["base"]["file"] == "contracts/inv/invoice.schema.json"
    assert change["base"]["pointer"] == "/properties/dueDate"
    assert change["base"]["line"] == 9  # the line of "dueDate" in the file as it was at v1
    assert change["revision"]["file"] == "contracts/inv/invoice.schema.json"
    assert change["affects"] == ["GET /invoices/{id}"]
    assert change["contract"] == "inv"
    assert report["compared"][0]["base"] == "inv@v1"
    assert report["summary"]["bump"] == "major" and report["summary"]["verdict"] == "failed"


def test_the_same_revision_on_both_sides_has_no_changes(tmp_path: Path) -> None:
    root = _invoice_registry(tmp_path)
    result = run("diff", "inv@v1", "inv", "--registry", root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == (
        "1 contract compared: 0 changes (0 breaking, 0 warning, 0 info); no version bump "
        "needed; none at or above breaking: passed")


def test_text_report_groups_by_level_with_both_places(tmp_path: Path) -> None:
    root = _invoice_registry(tmp_path)
    _drop_due_date(root)
    out = run("diff", "inv@v1", "inv", "--registry", root).stdout.splitlines()
    assert out[0].startswith("== inv@v1 -> inv (working tree): ")
    assert "breaking (1):" in out
    at = out.index("breaking (1):")
    assert out[at + 1] == "  [property-removed] response: property 'dueDate' removed"
    assert out[at + 2] == ("      base:     contracts/inv/invoice.schema.json:9:5 "
                           "/properties/dueDate")
    assert out[at + 3].startswith("      revision: contracts/inv/invoice.schema.json:")
    assert out[at + 4] == "      affects:  1 operation: GET /invoices/{id}"
    assert out[-1].endswith("major version bump required; 1 at or above breaking: failed")


def test_output_file_is_written_instead_of_stdout(tmp_path: Path) -> None:
    root = _invoice_registry(tmp_path)
    _drop_due_date(root)
    out = tmp_path / "reports" / "diff.json"
    result = run("diff", "inv@v1", "inv", "--registry", root, "--format", "json", "-o", out)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads(out.read_text())["summary"]["breaking"] == 1


# -- every contract changed since a ref -----------------------------------------------------


def _busy_registry(tmp_path: Path) -> Path:
    """inv (changed in a $ref'd file), tax (unchanged), legacy (removed), payments (added)."""
    root = _invoice_registry(tmp_path)
    for name in ("tax", "legacy"):
        folder = root / "contracts" / name
        folder.mkdir()
        (folder / "openapi.yaml").write_text(
            INVOICES.replace("Invoices", name.title()).replace("/invoices", f"/{name}")
            .replace("'invoice.schema.json'", "{type: object}"))
        write_metadata(folder, name, "openapi", "openapi.yaml")
    commit_all(root, "tax, legacy")
    git(root, "tag", "-f", "v1")
    shutil.rmtree(root / "contracts" / "legacy")
    shutil.copytree(root / "contracts" / "tax", root / "contracts" / "payments")
    write_metadata(root / "contracts" / "payments", "payments", "openapi", "openapi.yaml")
    _drop_due_date(root)
    return root


def test_base_ref_compares_every_changed_contract(tmp_path: Path) -> None:
    root = _busy_registry(tmp_path)
    result = run("diff", "--base", "v1", "--registry", root, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = _json(result)
    assert [c["name"] for c in report["compared"]] == ["inv", "legacy", "payments"]  # not tax
    by_rule = {c["rule"]: c for c in report["changes"]}
    removed, added = by_rule["contract-removed"], by_rule["contract-added"]
    assert (removed["level"], removed["contract"], removed["revision"]) == (
        "breaking", "legacy", None)
    assert removed["base"]["file"] == "contracts/legacy/contract.yaml"
    assert removed["message"] == "openapi contract 'legacy' removed"
    assert (added["level"], added["bump"], added["base"]) == ("info", "minor", None)
    assert added["revision"]["file"] == "contracts/payments/contract.yaml"
    assert by_rule["property-removed"]["contract"] == "inv"
    assert report["summary"]["compared"] == 3


def test_base_ref_with_ids_compares_only_those(tmp_path: Path) -> None:
    root = _busy_registry(tmp_path)
    added = run("diff", "--base", "v1", "payments", "--registry", root, "--format", "json")
    assert added.returncode == 0, added.stderr  # an added contract breaks no one
    assert [c["rule"] for c in _json(added)["changes"]] == ["contract-added"]
    same = run("diff", "--base", "v1", "tax", "--registry", root)
    assert same.returncode == 0
    assert same.stdout.startswith("0 contracts compared: 0 changes")


def test_base_ref_unknown_id_or_ref_is_bad_input(tmp_path: Path) -> None:
    root = _busy_registry(tmp_path)
    assert "no contract 'invv'" in _one_error(run("diff", "--base", "v1", "invv",
                                                   "--registry", root))
    assert "'v9' is not a Git tag, branch or commit" in _one_error(
        run("diff", "--base", "v9", "--registry", root))


def test_base_ref_reports_the_others_when_one_contract_is_unreadable(tmp_path: Path) -> None:
    root = _busy_registry(tmp_path)
    (root / "contracts" / "tax" / "openapi.yaml").write_text(
        (FIXTURES / "ref-url" / "openapi.yaml").read_text())
    result = run("diff", "--base", "v1", "--registry", root, "--format", "json")
    message = _one_error(result)
    assert "contracts/tax/openapi.yaml" in message and CASES["ref-url"] in message, message
    assert [c["name"] for c in _json(result)["compared"]] == ["inv", "legacy", "payments"]


def test_contract_rules_are_in_the_catalogue() -> None:
    result = run("rules", "--kind", "diff", "contract-removed")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("contract-removed (registry; breaking; bump: major)")
    assert "Base:\n    # contracts/supplier-payments/contract.yaml\n" in result.stdout


# -- JSON Schema contracts: the compatibility mode gives the directions ----------------------


@pytest.mark.parametrize(("mode", "direction", "level", "code"), [
    ("BACKWARD", "subscribe", "warning", 0),  # the new schema reads old data: a dropped field
    ("FORWARD", "publish", "breaking", 1),    # old readers meet new data without the field
])
def test_schema_contract_directions_follow_its_mode(mode: str, direction: str, level: str,
                                                    code: int, tmp_path: Path) -> None:
    root = _one_contract(tmp_path, "invoice", {
        "invoice.schema.json": json.dumps(INVOICE_SCHEMA, indent=2) + "\n"},
        kind="json-schema", compatibility=mode)
    folder = root / "contracts" / "invoice"
    schema = json.loads(json.dumps(INVOICE_SCHEMA))
    del schema["properties"]["currency"]
    _write_schema(folder / "invoice.schema.json", schema)
    result = run("diff", "invoice@HEAD", "invoice", "--registry", root, "--format", "json")
    assert result.returncode == code, result.stdout + result.stderr
    assert [(c["rule"], c["direction"], c["level"]) for c in _json(result)["changes"]] == [
        ("property-removed", direction, level)]


# -- exit codes and --fail-on --------------------------------------------------------------

ORDERS = """\
openapi: 3.1.0
info: {title: Purchase orders, version: 1.0.0}
paths:
  /purchase-orders:
    post:
      operationId: createPurchaseOrder
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                supplierId: {type: string}
                costCentre: {type: string}
      responses:
        "201": {description: Created.}
"""


def test_fail_on_warning(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    (tmp_path / "v1" / "orders.yaml").write_text(ORDERS)
    (tmp_path / "v2" / "orders.yaml").write_text(
        ORDERS.replace("                costCentre: {type: string}\n", ""))
    args = ("diff", "v1/orders.yaml", "v2/orders.yaml", "--format", "json")
    default = run(*args, cwd=tmp_path)
    assert default.returncode == 0, default.stdout + default.stderr  # a request-side warning
    [change] = _json(default)["changes"]
    assert (change["rule"], change["direction"], change["level"]) == (
        "property-removed", "request", "warning")
    assert change["base"]["file"] == "v1/orders.yaml"  # named as given, from its folder
    strict = run(*args, "--fail-on", "warning", cwd=tmp_path)
    assert strict.returncode == 1
    assert _json(strict)["summary"]["failOn"] == "warning"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(ORDERS)
    for args in (["diff", "a.yaml"], ["diff", "a.yaml", "a.yaml", "--fail-on", "info"],
                 ["diff", "a.yaml", "a.yaml", "--format", "html"]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["base", "revision"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_as_either_side(case: str, side: str, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(FIXTURES / case, folder)
    bad = next(p for p in sorted(folder.iterdir()) if p.stem == "openapi")
    good = tmp_path / "good.yaml"
    good.write_text(ORDERS)
    pair = (bad, good) if side == "base" else (good, bad)
    message = _one_error(run("diff", *pair, cwd=tmp_path))
    assert CASES[case] in message, message


def test_bad_input_in_a_registry_side(tmp_path: Path) -> None:
    fixture = FIXTURES / "ref-loop"
    root = _one_contract(tmp_path, "bad", {name: (fixture / name).read_text() for name in
                                           ("openapi.yaml", "other.yaml")})
    message = _one_error(run("diff", "bad@main", "bad", "--registry", root))
    assert "$ref loop" in message and "contracts/bad/" in message, message


def test_legal_recursive_schema_diffs_normally(tmp_path: Path) -> None:
    root = _one_contract(tmp_path, "tree", {"openapi.yaml": LEGAL_RECURSION,
                                            "tree.schema.json": TREE_SCHEMA})
    folder = root / "contracts" / "tree"
    assert run("diff", "tree@main", "tree", "--registry", root).returncode == 0
    tree = json.loads(TREE_SCHEMA)
    tree["properties"]["children"]["items"] = {"$ref": "#"}
    tree["properties"]["label"] = {"type": "string"}
    del tree["properties"]["name"]
    del tree["required"]
    _write_schema(folder / "tree.schema.json", tree)
    result = run("diff", "tree@main", "tree", "--registry", root, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    removed = [c for c in _json(result)["changes"] if c["rule"] == "property-removed"]
    assert [(c["base"]["file"], c["base"]["pointer"]) for c in removed] == [
        ("contracts/tree/tree.schema.json", "/properties/name")]  # once, though recursive


def test_missing_file_unknown_id_and_mixed_families(tmp_path: Path, corpora: Path) -> None:
    (tmp_path / "orders.yaml").write_text(ORDERS)
    missing = _one_error(run("diff", "nothere.yaml", "orders.yaml", cwd=tmp_path))
    assert "nothere.yaml" in missing and "file not found" in missing
    root = _invoice_registry(tmp_path)
    unknown = _one_error(run("diff", "invs@v1", "inv", "--registry", root))
    assert "no contract 'invs'" in unknown and "did you mean inv" in unknown
    events = corpora / "asyncapi" / "streetlights-kafka-asyncapi-3.0.0.yml"
    mixed = _one_error(run("diff", "orders.yaml", events, cwd=tmp_path))
    assert "cannot diff an OpenAPI document" in mixed and "AsyncAPI" in mixed, mixed


# -- the real Xero releases ----------------------------------------------------------------

# pair -> (pointer the change is at, on either side; a word its message must contain)
XERO = {
    ("2.33.0", "2.33.1"): ("/components/schemas/BatchPayment/properties/IsReconciled",
                           "boolean"),
    ("2.36.0", "2.37.0"): ("/components/schemas/CurrencyCode", "XDR"),
    ("2.38.0", "2.39.0"): ("/components/schemas/Contact/properties/SkypeUserName",
                           "SkypeUserName"),
    ("3.0.1", "3.0.2"): ("/paths/~1TaxRates/get/parameters", "TaxType"),
}


def _xero(corpora: Path, version: str) -> Path:
    return corpora / "xero" / f"xero_accounting-{version}.yaml"


@pytest.mark.parametrize("pair", list(XERO), ids=lambda p: f"{p[0]}->{p[1]}")
def test_xero_known_breaking_change(pair: tuple[str, str], corpora: Path) -> None:
    pointer, word = XERO[pair]
    result = run("diff", _xero(corpora, pair[0]), _xero(corpora, pair[1]), "--format", "json")
    report = _json(result)
    found = [c for c in report["changes"] if c["level"] == "breaking" and word in c["message"]
             and any(c[s] and c[s]["pointer"].startswith(pointer)
                     for s in ("base", "revision"))]
    assert found, [(c["rule"], c["level"], c["message"]) for c in report["changes"]][:30]
    assert result.returncode == 1
    assert report["summary"]["bump"] == "major"


def test_xero_removed_property_is_reported_once_per_direction(corpora: Path) -> None:
    result = run("diff", _xero(corpora, "2.38.0"), _xero(corpora, "2.39.0"), "--format",
                 "json")
    removed = [(c["direction"], c["level"]) for c in _json(result)["changes"]
               if "SkypeUserName" in c["message"]]
    assert sorted(removed) == [("request", "warning"), ("response", "breaking")]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "junit", "github"])
def test_every_format_renders_a_xero_diff(fmt: str, corpora: Path, tmp_path: Path) -> None:
    out = tmp_path / f"diff.{fmt}"
    result = run("diff", _xero(corpora, "2.33.0"), _xero(corpora, "2.33.1"), "--format", fmt,
                 "-o", out)
    assert result.returncode == 1, result.stderr
    text = out.read_text()
    assert "IsReconciled" in text
    if fmt in ("text", "github"):
        assert text.splitlines()[-1].endswith("at or above breaking: failed")
    if fmt == "markdown":
        assert text.startswith("## Ledgerpact diff: failed")


@pytest.mark.parametrize(("text", "named"), [
    ("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", "Swagger '2.0'"),
    ("openapi: 3.2.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "OpenAPI '3.2.0'"),
])
def test_unsupported_formats_are_refused_not_diffed_as_schemas(tmp_path: Path, text: str,
                                                               named: str) -> None:
    doc = tmp_path / "api.yaml"
    doc.write_text(text)
    result = run("diff", doc, doc)
    assert result.returncode == 2, result.stdout
    assert f"unsupported format: {named}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_annotations_for_a_removal_point_into_the_revision(tmp_path: Path) -> None:
    """A removal has no place in the revision; annotating the base's line number on the
    revision's file would point at whatever now sits there. It goes to the nearest parent
    the revision still has."""
    base = tmp_path / "v1.yaml"
    revision = tmp_path / "v2.yaml"
    doc = ("openapi: 3.1.0\ninfo: {title: Invoices, version: 1.0.0}\npaths:\n"
           "  /invoices:\n    get:\n      operationId: listInvoices\n"
           "      parameters:\n        - {name: supplierId, in: query, schema: {type: string}}\n"
           "        - {name: status, in: query, schema: {type: string}}\n"
           "      responses:\n        '200': {description: ok}\n")
    base.write_text(doc)
    revision.write_text(doc.replace(
        "        - {name: status, in: query, schema: {type: string}}\n", ""))
    result = run("diff", base, revision, "--format", "github")
    line = next(x for x in result.stdout.splitlines() if "title=parameter-removed" in x)
    assert f"file={revision}," in line and "line=7," in line, line
