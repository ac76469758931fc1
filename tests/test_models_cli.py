"""``ledgerpact generate models``: through the installed command, in real Git registries in
temp dirs. Covers ID@VERSION (a release's models, every file read at the tag), byte-identical
output, ``--all``, ``--replace``, discriminated unions, bad input (exit 2, one line, nothing
in ``--out``) and the stale-models function ``ledgerpact check`` calls.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ledgerpact.generators.models.header import read_header
from ledgerpact.generators.models.stale import committed_models, deleted_packages, stale_models
from ledgerpact.governance.approvals.content import content_hash
from ledgerpact.registry.catalog import find_entry
from ledgerpact.registry.repository import Registry
from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

REPO = Path(__file__).resolve().parents[1]
MONEY = REPO / "contracts" / "schemas" / "money" / "money.schema.json"
PACKAGE = "ledgerpact_models_money"

PAYMENTS = """\
openapi: 3.1.0
info: {title: Payments, version: 2.0.0}
paths: {}
components:
  schemas:
    Payment:
      oneOf:
        - $ref: '#/components/schemas/Card'
        - $ref: '#/components/schemas/Transfer'
      discriminator:
        propertyName: method
        mapping: {card: '#/components/schemas/Card', transfer: '#/components/schemas/Transfer'}
    Card:
      type: object
      additionalProperties: false
      required: [method, amount, last4]
      properties:
        method: {type: string, enum: [card]}
        amount: {$ref: '../schemas/money/money.schema.json'}
        last4: {type: string, pattern: '^[0-9]{4}$'}
    Transfer:
      type: object
      additionalProperties: false
      required: [method, amount, iban]
      properties:
        method: {type: string, enum: [transfer]}
        amount: {$ref: '../schemas/money/money.schema.json'}
        iban: {type: string, maxLength: 34}
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """Money 1.0.0 (released) and a payments API with a discriminated union that uses it."""
    root = init_repo(tmp_path / "reg")
    money = root / "contracts" / "schemas" / "money"
    money.mkdir(parents=True)
    shutil.copy(MONEY, money)
    write_metadata(money, "money", "json-schema", "money.schema.json", version="1.0.0")
    api = root / "contracts" / "payments"
    api.mkdir(parents=True)
    (api / "openapi.yaml").write_text(PAYMENTS)
    write_metadata(api, "payments", "openapi", "openapi.yaml")
    commit_all(root, "money 1.0.0, payments 2.0.0")
    git(root, "tag", "money/v1.0.0")
    return root


def change_money(root: Path, version: str, description: str) -> None:
    path = root / "contracts" / "schemas" / "money" / "money.schema.json"
    schema = json.loads(path.read_text())
    schema["description"] = description
    path.write_text(json.dumps(schema, indent=2) + "\n")
    meta_path = path.parent / "contract.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta["version"] = version
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=False))


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def python(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=path, capture_output=True,
                          text=True, check=False, env={**os.environ, "PYTHONPATH": str(path)})


def test_models_of_a_contract_are_a_package_that_imports(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("generate", "models", "payments", "--out", out, "--registry", registry)
    assert result.returncode == 0, result.stderr
    assert "ledgerpact_models_payments" in result.stdout
    assert sorted(files_under(out)) == ["ledgerpact_models_payments/__init__.py",
                                        "ledgerpact_models_payments/_types.py",
                                        "ledgerpact_models_payments/py.typed"]
    used = python("from decimal import Decimal\n"
                  "from pydantic import TypeAdapter\n"
                  "import ledgerpact_models_payments as m\n"
                  "p = TypeAdapter(m.Payment)\n"
                  "card = p.validate_json('{\"method\": \"card\", \"last4\": \"4242\", "
                  "\"amount\": {\"amount\": \"9.99\", \"currency\": \"EUR\"}}')\n"
                  "assert type(card) is m.Card and card.amount.amount == Decimal('9.99')\n"
                  "wire = p.validate_json('{\"method\": \"transfer\", \"iban\": \"NO93\", "
                  "\"amount\": {\"amount\": \"1\", \"currency\": \"NOK\"}}')\n"
                  "assert type(wire) is m.Transfer\n"
                  "try:\n"
                  "    p.validate_json('{\"method\": \"cash\", \"amount\": {}}')\n"
                  "except ValueError as e:\n"
                  "    assert 'union_tag_invalid' in str(e), e\n"
                  "else:\n"
                  "    raise SystemExit('a tag outside the mapping was accepted')\n", out)
    assert used.returncode == 0, used.stderr


def test_same_contract_version_gives_byte_identical_output(registry: Path,
                                                           tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):  # another hash seed: set and dict order must not leak into code
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([str(Path(sys.executable).parent / "ledgerpact"), "generate",
                                 "models", "--all", "--out", str(out), "--registry",
                                 str(registry)], capture_output=True, text=True, env=env,
                                check=False)
        assert result.returncode == 0, result.stderr
        outputs.append(files_under(out))
    assert outputs[0] == outputs[1]
    assert {p.split("/")[0] for p in outputs[0]} == {PACKAGE, "ledgerpact_models_payments"}
    # The release and the working tree hold the same money: the same bytes again.
    out = tmp_path / "at-tag"
    assert run("generate", "models", "money@1.0.0", "--out", out,
               "--registry", registry).returncode == 0
    assert files_under(out) == {k: v for k, v in outputs[0].items() if k.startswith(PACKAGE)}


def test_id_at_version_generates_the_release(registry: Path, tmp_path: Path) -> None:
    change_money(registry, "1.1.0", "Money, now with a longer description.")
    commit_all(registry, "money 1.1.0")
    released, current = tmp_path / "released", tmp_path / "current"
    assert run("generate", "models", "money@1.0.0", "--out", released,
               "--registry", registry).returncode == 0
    assert run("generate", "models", "money", "--out", current,
               "--registry", registry).returncode == 0
    old = read_header((released / PACKAGE / "__init__.py").read_text())
    new = read_header((current / PACKAGE / "__init__.py").read_text())
    assert old is not None and new is not None
    assert (old.contract, old.version, new.version) == ("money", "1.0.0", "1.1.0")
    reg = Registry.open(registry)
    at_tag = reg.workspace("money/v1.0.0")
    entry = find_entry(at_tag, "money")
    assert entry is not None and old.content_hash == content_hash(at_tag, entry)
    assert old.content_hash != new.content_hash
    assert "longer description" in (current / PACKAGE / "__init__.py").read_text()
    assert "longer description" not in (released / PACKAGE / "__init__.py").read_text()


def test_bad_input_exits_2_with_one_line_and_writes_nothing(registry: Path,
                                                            tmp_path: Path) -> None:
    broken = registry / "contracts" / "broken"
    broken.mkdir()
    (broken / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: B, version: 1.0.0}\npaths: {}\ncomponents:\n"
        "  schemas:\n    X: {$ref: '../schemas/money/nowhere.schema.json'}\n")
    write_metadata(broken, "broken", "openapi", "openapi.yaml")
    odd = tmp_path / "odd.json"  # a schema the generator itself refuses: unsatisfiable
    odd.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                               "title": "Odd", "type": "object", "properties": {
                                   "x": {"allOf": [{"type": "string"}, False]}}}))
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("openapi: 3.1.0\ninfo: [unclosed\n")
    out = tmp_path / "out"
    cases = {
        ("nosuch",): "no contract 'nosuch'",
        ("money@9.9.9",): "no release 9.9.9",
        ("broken",): "nowhere.schema.json",
        ("money", "broken"): "nowhere.schema.json",  # the good one is not written either
        ("money@1.0.0", "money"): "same package",
        (str(odd),): "cannot generate models",
        (str(bad_yaml),): "bad.yaml",
    }
    for args, expected in cases.items():
        line = refused(run("generate", "models", *args, "--out", out, "--registry", registry))
        assert expected in line, line
        assert not out.exists(), args
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert "not a directory" in refused(run("generate", "models", "money", "--out", a_file,
                                            "--registry", registry))
    assert a_file.read_text() == "x"
    for args in (("money", "--all"), ()):
        result = run("generate", "models", *args, "--out", out, "--registry", registry)
        assert result.returncode == 2 and not out.exists(), result.stderr


def test_a_contract_cannot_choose_the_imports_of_generated_code(tmp_path: Path) -> None:
    schema = tmp_path / "sneaky.json"
    schema.write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Sneaky",
        "type": "object", "properties": {
            "x": {"type": "string", "x-python-type": "os.system"},
            "y": {"type": "object", "x-python-import": {"module": "os", "name": "system"}}}}))
    out = tmp_path / "out"
    assert run("generate", "models", schema, "--out", out).returncode == 0
    code = (out / "ledgerpact_models_sneaky" / "__init__.py").read_text()
    assert "import os" not in code and "from os" not in code and "system" not in code


def test_replace_regenerates_only_generated_packages(registry: Path, tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    (out / "acme_adapter").mkdir(parents=True)
    (out / "acme_adapter" / "__init__.py").write_text("VALUE = 1\n")
    assert run("generate", "models", "money", "--out", out, "--registry", registry
               ).returncode == 0
    first = files_under(out)
    line = refused(run("generate", "models", "money", "--out", out, "--registry", registry))
    assert "--replace" in line
    change_money(registry, "1.1.0", "Changed.")
    assert run("generate", "models", "money", "--out", out, "--replace",
               "--registry", registry).returncode == 0
    after = files_under(out)
    assert after["acme_adapter/__init__.py"] == b"VALUE = 1\n"
    assert after[f"{PACKAGE}/__init__.py"] != first[f"{PACKAGE}/__init__.py"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left
    # A hand-written package of the same name is never replaced.
    shutil.rmtree(out / PACKAGE)
    (out / PACKAGE).mkdir()
    (out / PACKAGE / "__init__.py").write_text("MINE = True\n")
    line = refused(run("generate", "models", "money", "--out", out, "--replace",
                       "--registry", registry))
    assert "not generated code" in line
    assert (out / PACKAGE / "__init__.py").read_text() == "MINE = True\n"


def test_a_file_outside_the_registry_generates_too(tmp_path: Path) -> None:
    spec = tmp_path / "vendor.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: Vendor Ledger, version: 4.1.0}\npaths: {}\n"
                    "components:\n  schemas:\n    Line:\n      type: object\n"
                    "      properties:\n        amount: {type: number, format: double}\n"
                    "        qty: {type: integer}\n")
    out = tmp_path / "out"
    result = run("generate", "models", spec, "--out", out, "--format", "json")
    assert result.returncode == 0, result.stderr
    (info,) = json.loads(result.stdout)
    assert (info["id"], info["version"], info["package"]) == (
        "vendor-ledger", "4.1.0", "ledgerpact_models_vendor_ledger")
    used = python("import json, ledgerpact_models_vendor_ledger as m\n"
                  "from decimal import Decimal\n"
                  "line = m.Line.model_validate_json('{\"amount\": 10.25, \"qty\": 3}')\n"
                  "assert type(line.amount) is Decimal and line.amount == Decimal('10.25')\n"
                  "assert type(line.qty) is int\n"
                  "assert json.loads(line.model_dump_json()) == {'amount': 10.25, 'qty': 3}\n",
                  out)
    assert used.returncode == 0, used.stderr


# -- stale models (what `ledgerpact check` reports) -------------------------------------------


def test_stale_models_reports_committed_models_out_of_date(registry: Path) -> None:
    models_dir = registry / "adapters" / "acme" / "models"
    assert run("generate", "models", "money", "--out", models_dir, "--registry", registry
               ).returncode == 0
    commit_all(registry, "acme adapter uses generated money models")
    reg = Registry.open(registry)
    path = f"adapters/acme/models/{PACKAGE}/__init__.py"
    assert set(committed_models(reg, "money")) == {path, path.replace("__init__", "_types")}
    assert committed_models(reg, "payments") == {}
    assert stale_models(reg, "money") == []
    assert stale_models(reg, "payments") == []

    change_money(registry, "1.1.0", "A new description.")
    commit_all(registry, "money 1.1.0")
    problems = stale_models(reg, "money")
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}: generated from money 1.0.0 (sha256:")
    assert "the contract is now 1.1.0" in problems[0]
    assert "ledgerpact generate models money --out adapters/acme/models --replace" \
        in problems[0]
    # At the old commit the same code was current: the check reads the side it is given.
    assert stale_models(reg, "money", reg.workspace("money/v1.0.0")) == []

    assert run("generate", "models", "money", "--out", models_dir, "--replace",
               "--registry", registry).returncode == 0
    assert stale_models(reg, "money") == []  # regenerated, not yet committed: current
    commit_all(registry, "regenerate")
    assert stale_models(reg, "money") == []

    init = registry / path
    init.write_text(init.read_text() + "\nHAND_EDIT = 1\n")
    (problem,) = stale_models(reg, "money")
    assert problem.startswith(f"{path}: was edited after it was generated")
    assert stale_models(reg, "money", regenerate=False) == []


def test_stale_models_without_git_and_for_a_removed_contract(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    money = root / "contracts" / "schemas" / "money"
    money.mkdir(parents=True)
    shutil.copy(MONEY, money)
    write_metadata(money, "money", "json-schema", "money.schema.json", version="1.0.0")
    assert run("generate", "models", "money", "--out", root / "gen",
               "--registry", root).returncode == 0
    reg = Registry.open(root)
    assert reg.repo is None
    assert len(committed_models(reg, "money")) == 2 and stale_models(reg, "money") == []
    shutil.rmtree(money)
    problems = stale_models(reg, "money")
    assert len(problems) == 2 and all("no longer in the registry" in p for p in problems)


def test_stale_models_reports_a_deleted_file_of_a_generated_package(registry: Path) -> None:
    models_dir = registry / "adapters" / "acme" / "models"
    assert run("generate", "models", "money", "--out", models_dir, "--registry", registry
               ).returncode == 0
    commit_all(registry, "generated money models")
    reg = Registry.open(registry)
    package = f"adapters/acme/models/{PACKAGE}"
    assert stale_models(reg, "money") == []

    (registry / package / "_types.py").unlink()
    (registry / package / "py.typed").unlink()
    problems = stale_models(reg, "money", regenerate=False)
    assert [p.split(":", 1)[0] for p in problems] == [f"{package}/_types.py",
                                                      f"{package}/py.typed"]
    assert all("is missing from the generated package of money" in p
               and "--out adapters/acme/models --replace" in p for p in problems)

    commit_all(registry, "lose two files")
    assert len(stale_models(reg, "money")) == 2  # committed without them: still stale
    assert stale_models(reg, "money", reg.workspace("HEAD~1")) == []  # read at that commit


def test_check_reports_a_generated_package_deleted_whole(registry: Path) -> None:
    """A committed package deleted in a pull request (every file of it) is reported by
    ``ledgerpact check`` on a real Git repository, as a deleted file inside one always was;
    once the contract is gone too, deleting its models is what is asked for."""
    models_dir = registry / "adapters" / "acme" / "models"
    assert run("generate", "models", "money", "--out", models_dir, "--registry", registry
               ).returncode == 0
    commit_all(registry, "acme adapter uses generated money models")
    git(registry, "checkout", "-q", "-b", "pr")
    package = f"adapters/acme/models/{PACKAGE}"
    reg = Registry.open(registry)
    assert deleted_packages(reg, "money", reg.workspace("main")) == []

    git(registry, "rm", "-q", "-r", package)
    commit_all(registry, "drop the generated models")
    assert not (registry / package).exists()
    (problem,) = deleted_packages(reg, "money", reg.workspace("main"))
    assert problem.startswith(f"{package}/: the generated package of money 1.0.0 was deleted")
    assert "ledgerpact generate models money --out adapters/acme/models --replace" in problem

    result = run("check", "--format", "json", cwd=registry)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    (money,) = [c for c in report["contracts"] if c["id"] == "money"]
    (generated,) = [s for s in money["steps"] if s["name"] == "generated-code"]
    assert generated["outcome"] == "failed", generated
    assert [(f["rule"], f["file"]) for f in generated["findings"]] == [
        ("generated-code-stale", f"{package}/")]

    shutil.rmtree(registry / "contracts" / "schemas" / "money")  # the contract goes as well
    assert deleted_packages(reg, "money", reg.workspace("main")) == []
