"""Generated models against hostile contracts (issue 6 review): text copied from a contract
cannot become code, output does not depend on the directory generation runs in, the package
declares the pydantic it needs, schema names cannot shadow the helpers the models use, bad
regular expressions are refused, and the run-time checks hold for huge numbers, integer
extensible enums and ``uniqueItems``.

Every model is generated through the installed command and used in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ledgerpact.generators.models.generate import LINE_LENGTH
from ledgerpact.generators.models.header import one_line, read_header
from ledgerpact.generators.models.package import (
    PYDANTIC_FLOOR,
    PYDANTIC_SINCE,
    PYDANTIC_V2_NAMES,
)
from ledgerpact.generators.models.support import RUNTIME
from tests.cli_helpers import commit_all, init_repo, run, write_metadata

REPO = Path(__file__).resolve().parents[1]


def generate(spec: Path, out: Path, *args: str, cwd: Path | None = None) -> Path:
    result = run("generate", "models", spec, "--out", out, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    (package,) = [p for p in out.iterdir() if p.is_dir()]
    return package


def python(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run([sys.executable, "-c", code], cwd=path, capture_output=True,
                          text=True, check=False, env=env, timeout=120)


def refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- 1. contract text never becomes code -------------------------------------------------------


def test_one_line_escapes_every_line_break() -> None:
    for text in ("1.0.0\nx", "a\rb", "a\u2028b", "a\x0cb", "a\x85b", "a\x0bb", "a\x1cb"):
        assert len(one_line(text).splitlines()) == 1, text
        assert one_line(text).isprintable()
    assert one_line("plain 1.2.0 é") == "plain 1.2.0 é"
    assert one_line("a\\nb") != one_line("a\nb")  # a backslash cannot pose as an escape


def test_a_version_with_a_newline_does_not_run_code_on_import(tmp_path: Path) -> None:
    mark = tmp_path / "pwned"
    payload = f"1.0.0\n__import__('pathlib').Path({str(mark)!r}).touch()\n#"
    spec = tmp_path / "hdr.json"
    spec.write_text(json.dumps({
        "openapi": "3.1.0", "info": {"title": "Hdr", "version": payload}, "paths": {},
        "components": {"schemas": {"A": {"type": "object",
                                          "properties": {"x": {"type": "string"}}}}}}))
    package = generate(spec, tmp_path / "out")
    for name in ("__init__.py", "_types.py"):
        text = (package / name).read_text()
        header = read_header(text)
        assert header is not None and header.version == one_line(payload)
        head = text.split("\nfrom __future__", 1)[0] if name == "__init__.py" else \
            text.split('"""', 1)[0]
        assert all(line.startswith("#") for line in head.strip().splitlines()), head
    used = python(f"import {package.name}, {package.name}._types", tmp_path / "out")
    assert used.returncode == 0, used.stderr
    assert not mark.exists()


def test_hostile_descriptions_titles_and_values_stay_data(tmp_path: Path) -> None:
    """Docstrings, Field descriptions, titles, aliases, defaults, examples and enum values
    are all written by the generator as escaped literals: none of them runs."""
    mark = tmp_path / "pwned"
    code = f"__import__('pathlib').Path({str(mark)!r}).touch()"
    evil = [f'"""\n{code}\n"""', f"'''\n{code}\n'''", f"\\\n{code}", f"\r\n{code}\r\n#",
            f"\u2028{code}"]
    properties = {f"p{i}\n{text}": {"type": "string", "description": text, "title": text,
                                     "default": text, "examples": [text]}
                  for i, text in enumerate(evil)}
    properties["e"] = {"type": "string", "enum": evil, "description": evil[0]}
    spec = tmp_path / "evil.json"
    spec.write_text(json.dumps({
        "openapi": "3.1.0", "info": {"title": evil[1], "version": "1.0.0"}, "paths": {},
        "components": {"schemas": {
            "A": {"type": "object", "title": evil[0], "description": evil[2],
                  "properties": properties},
            "B": {"type": "string", "enum": ["x"], "description": evil[3]}}}}))
    package = generate(spec, tmp_path / "out")
    used = python(f"import {package.name} as m\nprint(m.A.__doc__)", tmp_path / "out")
    assert used.returncode == 0, used.stderr
    assert code in used.stdout  # the description is the docstring, as text
    assert not mark.exists()


def test_package_files_of_a_multi_line_title_parse_and_stay_one_line(tmp_path: Path) -> None:
    title = 'Ti"tle \\ with\n[evil]\nx = 1\n\u2028-->'  # what YAML's folded `title: >` gives
    spec = tmp_path / "ttl.json"
    spec.write_text(json.dumps({
        "openapi": "3.1.0", "info": {"title": title, "version": "1.0.0"}, "paths": {},
        "components": {"schemas": {"A": {"type": "object",
                                          "properties": {"x": {"type": "string"}}}}}}))
    out = tmp_path / "pkg"
    result = run("generate", "package", spec, "--out", out)
    assert result.returncode == 0, result.stderr
    pyproject = tomllib.loads((out / "pyproject.toml").read_text())
    assert set(pyproject) == {"build-system", "project", "tool"}  # no [evil] table
    description = pyproject["project"]["description"]
    assert one_line(title) in description and "\n" not in description
    readme = (out / "README.md").read_text()
    first = readme.splitlines()[0]
    assert first.startswith("<!--") and first.endswith("-->") and first.count("-->") == 1
    assert f"({one_line(title)})" in readme  # the description, one line of Markdown


def test_a_version_with_a_trailing_newline_is_no_package_version(tmp_path: Path) -> None:
    spec = tmp_path / "v.json"
    spec.write_text(json.dumps({
        "openapi": "3.1.0", "info": {"title": "V", "version": "1.0.0\n"}, "paths": {},
        "components": {"schemas": {"A": {"type": "object"}}}}))
    out = tmp_path / "pkg"
    assert "PEP 440" in refused(run("generate", "package", spec, "--out", out))
    assert not out.exists()


# -- 2. the same bytes from any directory -------------------------------------------------------

WIDE = """\
openapi: 3.1.0
info: {title: Wide, version: 1.0.0}
paths: {}
components:
  schemas:
    Order:
      type: object
      properties:
        reference:
          {type: string, minLength: 1, maxLength: 35, pattern: '^[A-Z0-9-]+$',
           description: The buyer's reference}
        quantity:
          {type: integer, minimum: 1, maximum: 1000000,
           description: How many units were ordered here}
        lines: {type: array, minItems: 1, maxItems: 500, items: {type: string, maxLength: 80}}
"""

HOSTILE_PYPROJECT = """\
[tool.black]
line-length = 200
skip-string-normalization = false
[tool.ruff]
line-length = 40
[tool.isort]
known_first_party = ["pydantic", "typing_extensions"]
"""


def test_output_does_not_depend_on_the_current_directory(tmp_path: Path) -> None:
    spec = tmp_path / "wide.yaml"
    spec.write_text(WIDE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text(HOSTILE_PYPROJECT)
    from_repo = generate(spec, tmp_path / "a", cwd=REPO)
    from_tmp = generate(spec, tmp_path / "b", cwd=elsewhere)
    bare = tmp_path / "bare"
    bare.mkdir()
    from_bare = generate(spec, tmp_path / "c", cwd=bare)
    for name in ("__init__.py", "_types.py"):
        assert (from_repo / name).read_bytes() == (from_tmp / name).read_bytes(), name
        assert (from_repo / name).read_bytes() == (from_bare / name).read_bytes(), name
    widths = [len(line) for line in (from_repo / "__init__.py").read_text().splitlines()]
    assert max(widths) <= LINE_LENGTH


def test_check_from_another_directory_finds_fresh_models_fresh(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    api = root / "contracts" / "wide"
    api.mkdir(parents=True)
    (api / "openapi.yaml").write_text(WIDE)
    write_metadata(api, "wide", "openapi", "openapi.yaml")
    models = root / "adapters" / "acme" / "models"
    assert run("generate", "models", "wide", "--out", models, "--registry", root,
               cwd=root).returncode == 0
    commit_all(root, "wide 1.0.0 and its models")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text(HOSTILE_PYPROJECT)
    result = run("check", "wide", "--registry", root, "--format", "json", cwd=elsewhere)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    (wide,) = report["contracts"]
    (step,) = [s for s in wide["steps"] if s["name"] == "generated-code"]
    assert step["outcome"] == "passed", step


# -- 3. the package declares the pydantic it needs ---------------------------------------------


def _pydantic_names(source: str) -> set[str]:
    return {a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)
            and (n.module or "").split(".")[0] in ("pydantic", "pydantic_core")
            for a in n.names}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def test_declared_pydantic_floor_is_what_generated_code_imports(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    result = run("generate", "package", "erp-finance", "--out", out, "--registry", REPO)
    assert result.returncode == 0, result.stderr
    dependencies = tomllib.loads((out / "pyproject.toml").read_text())["project"][
        "dependencies"]
    assert f"pydantic>={PYDANTIC_FLOOR}" in dependencies
    used = set()
    for module in (out / "ledgerpact_models_erp_finance").glob("*.py"):
        used |= _pydantic_names(module.read_text())
    assert used >= _pydantic_names(RUNTIME) and "ModelWrapValidatorHandler" in used
    unknown = used - PYDANTIC_V2_NAMES - set(PYDANTIC_SINCE)
    assert not unknown, f"names whose first pydantic release is not recorded: {unknown}"
    needed = max((PYDANTIC_SINCE[n] for n in used if n in PYDANTIC_SINCE), key=_version)
    assert needed == PYDANTIC_FLOOR


@pytest.mark.skipif(not os.environ.get("LEDGERPACT_PYDANTIC_FLOOR_PYTHON"),
                    reason="set LEDGERPACT_PYDANTIC_FLOOR_PYTHON to a python with pydantic at "
                           "the declared floor to run the models on it")
def test_models_import_on_the_declared_pydantic_floor(tmp_path: Path) -> None:
    floor_python = os.environ["LEDGERPACT_PYDANTIC_FLOOR_PYTHON"]
    out = tmp_path / "models"
    generate(REPO / "contracts" / "schemas" / "money" / "money.schema.json", out)
    used = subprocess.run([floor_python, "-c", "import pydantic, ledgerpact_models_money as m;"
                           "print(pydantic.VERSION);"
                           "m.Money.model_validate_json('{\"amount\": \"1.00\", "
                           "\"currency\": \"EUR\"}')"], cwd=out, capture_output=True,
                          text=True, check=False)
    assert used.returncode == 0, used.stderr
    assert _version(used.stdout.strip())[:2] == _version(PYDANTIC_FLOOR)


# -- 4. schema names and regular expressions ---------------------------------------------------

CLASHES = """\
openapi: 3.1.0
info: {title: Clashes, version: 1.0.0}
paths: {}
components:
  schemas:
    Condition: {type: object, properties: {x: {type: string}}}
    Decimal: {type: object, properties: {w: {type: string}}}
    DecimalValue: {type: object, properties: {z: {type: string}}}
    ExtensibleStrEnum: {type: object, properties: {x: {type: string}}}
    ExtensibleEnum: {type: object, properties: {x: {type: string}}}
    MultipleOf: {type: object, properties: {x: {type: string}}}
    Color: {type: string, enum: [red, green], x-extensible-enum: true}
    Level: {type: integer, enum: [1, 2], x-extensible-enum: true}
    Price:
      type: object
      properties:
        amount:
          {type: string, format: decimal, pattern: '^-?[0-9]+(\\.[0-9]{1,2})?$', default: "1.00"}
        n: {type: number, minimum: 0.5, multipleOf: 0.5}
        kind: {type: string}
        color: {$ref: '#/components/schemas/Color'}
        level: {$ref: '#/components/schemas/Level'}
        decimal: {$ref: '#/components/schemas/Decimal'}
      if: {properties: {kind: {const: a}}, required: [kind]}
      then: {required: [n]}
"""

USE_CLASHES = """
from decimal import Decimal
import ledgerpact_models_clashes as m
assert m.Decimal.model_fields.keys() == {"w"}
assert type(m.Price().amount) is Decimal and m.Price().amount == Decimal("1.00")
assert m.Price(color="blue").color == "blue" and m.Price(level=7).level.value == 7
try:
    m.Price(kind="a")
except ValueError as exc:
    assert "n is required" in str(exc)
else:
    raise AssertionError("the if/then rule was not checked")
print("ok")
"""


def test_schema_names_that_shadow_our_helpers_still_work(tmp_path: Path) -> None:
    spec = tmp_path / "clashes.yaml"
    spec.write_text(CLASHES)
    out = tmp_path / "out"
    package = generate(spec, out)
    used = python(USE_CLASHES, out)
    assert used.returncode == 0, used.stderr
    bin_dir = Path(sys.executable).parent
    mypy = subprocess.run([str(bin_dir / "mypy"), "--strict", "--no-incremental", "--cache-dir",
                           str(tmp_path / "mypy"), str(package)], capture_output=True,
                          text=True, check=False, cwd=out)
    assert mypy.returncode == 0, mypy.stdout[-3000:]
    ruff = subprocess.run([str(bin_dir / "ruff"), "check", "--isolated", "--no-cache",
                           str(package)], capture_output=True, text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout[-3000:]


@pytest.mark.parametrize(("pattern", "decimal"), [
    ("(unclosed", False), ("(unclosed", True), ("^\\\\p{N}+$", True), ("^\\\\p{N}+$", False)])
def test_a_pattern_the_models_cannot_compile_is_refused(tmp_path: Path, pattern: str,
                                                         decimal: bool) -> None:
    """Python's ``re`` decides: the generator switches a whole model to it when one pattern
    needs look-ahead, so an ECMA-only ``\\p{N}`` would fail at import there."""
    kind = "type: string, format: decimal" if decimal else "type: string"
    spec = tmp_path / "rx.yaml"
    spec.write_text(f"""\
openapi: 3.1.0
info: {{title: Rx, version: 1.0.0}}
paths: {{}}
components:
  schemas:
    A:
      type: object
      properties:
        s: {{{kind}, pattern: "{pattern}"}}
""")
    out = tmp_path / "out"
    line = refused(run("generate", "models", spec, "--out", out))
    assert str(spec) in line and "/components/schemas/A/properties/s" in line
    assert "pattern" in line
    assert not out.exists()


def test_look_ahead_and_back_references_are_kept(tmp_path: Path) -> None:
    spec = tmp_path / "ok.yaml"
    spec.write_text("""\
openapi: 3.1.0
info: {title: Rxok, version: 1.0.0}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        look: {type: string, pattern: '^(?!0)[0-9]+$'}
        twice: {type: string, pattern: '^(a)\\1$'}
""")
    out = tmp_path / "out"
    generate(spec, out)
    used = python("import ledgerpact_models_rxok as m\n"
                  "m.A(look='10', twice='aa')\n"
                  "for bad in ({'twice': 'ab'}, {'look': '01'}):\n"
                  "    try:\n        m.A(**bad)\n    except ValueError:\n        continue\n"
                  "    raise AssertionError(bad)\nprint('ok')", out)
    assert used.returncode == 0, used.stderr


# -- 5. numbers and integer enums at run time --------------------------------------------------

NUMBERS = """\
openapi: 3.1.0
info: {title: Numbers, version: 1.0.0}
paths: {}
components:
  schemas:
    Rate: {type: number, multipleOf: 0.01, minimum: 0}
    Code: {type: integer, enum: [1, 2], x-extensible-enum: true}
    Order:
      type: object
      properties:
        total: {type: number, multipleOf: 0.01}
        half: {type: number, multipleOf: 0.5, minimum: 0, maximum: 100}
        amount: {type: string, format: decimal}
        rate: {$ref: '#/components/schemas/Rate'}
        code: {$ref: '#/components/schemas/Code'}
        extra: {}
"""

USE_NUMBERS = """
import json
from decimal import Decimal
from pydantic import ValidationError
import ledgerpact_models_numbers as m
from ledgerpact_models_numbers._types import ExactAdapter

def refused(text):
    try:
        m.Order.model_validate_json(text)
    except ValidationError:
        return True
    return False

for text in ['{"total": 1e30}', '{"total": 123456789012345678901234567890.01}',
             '{"half": 50.5}', '{"total": 12.34}', '{"total": 0}']:
    order = m.Order.model_validate_json(text)
    assert json.loads(order.model_dump_json(exclude_unset=True), parse_float=Decimal) == \\
        json.loads(text, parse_float=Decimal), text
for text in ['{"total": 1.005}', '{"total": 123456789012345678901234567890.015}',
             '{"half": 0.25}', '{"total": 1e100000000}', '{"extra": 1e-100000000}',
             '{"rate": 1E+1001}', '{"code": "1"}', '{"code": 1.5}', '{"code": 1.0}',
             '{"code": true}', '{"code": false}', '{"code": {}}', '{"code": [1]}']:
    assert refused(text), text
assert m.Order.model_validate_json('{"code": 7}').code.value == 7
assert m.Order.model_validate_json('{"code": 1}').code is m.Code.INTEGER_1
for value in (Decimal("1E+30"), Decimal("1E+5000"), Decimal("1E-5000")):
    try:
        m.Order(total=value) if value.adjusted() < 1000 else m.Order(total=value)
    except ValidationError:
        assert abs(value.as_tuple().exponent) > 1000, value
    else:
        assert abs(value.as_tuple().exponent) <= 1000, value
try:
    m.Order(amount=Decimal("1E+5000"))
except ValidationError:
    pass
else:
    raise AssertionError("a decimal string of exponent 5000 was accepted")
rate = ExactAdapter(m.Rate)
assert rate.validate_json("1e30") == Decimal("1e30")
try:
    rate.validate_json("0.015")
except ValidationError:
    pass
else:
    raise AssertionError("0.015 is not a multiple of 0.01")
print("ok")
"""


def test_huge_numbers_and_integer_enums_give_validation_errors(tmp_path: Path) -> None:
    spec = tmp_path / "numbers.yaml"
    spec.write_text(NUMBERS)
    out = tmp_path / "out"
    generate(spec, out)
    used = python(USE_NUMBERS, out)
    assert used.returncode == 0, used.stderr[-3000:]
    assert used.stdout.strip() == "ok"


# -- 6. uniqueItems ----------------------------------------------------------------------------


def _unique_check(package: str, model: str, example: object, field: str,
                  good: list[object]) -> str:
    """The contract's own example, with ``field`` set to ``good`` and then to ``good`` with
    its first item twice."""
    return f"""
import json
from pydantic import ValidationError
import {package} as m
example = json.loads({json.dumps(example)!r})
def problems(value):
    try:
        m.{model}.model_validate_json(json.dumps({{**example, {field!r}: value}}))
    except ValidationError as exc:
        return [e["msg"] for e in exc.errors()]
    return []
assert problems({good!r}) == []
found = problems({good!r} + [{good!r}[0]])
assert len(found) == 1 and "uniqueItems" in found[0], found
print("ok")
"""


@pytest.mark.parametrize(("contract", "model", "field", "good"), [
    ("supplier", "Supplier", "categories", ["office", "travel"]),
    ("match-result", "MatchResult", "goodsReceipts", ["GR-1", "GR-2"]),
])
def test_unique_items_of_the_registry_are_enforced(tmp_path: Path, contract: str, model: str,
                                                   field: str, good: list[str]) -> None:
    out = tmp_path / "out"
    result = run("generate", "models", contract, "--out", out, "--registry", REPO)
    assert result.returncode == 0, result.stderr
    schema = REPO / "contracts" / "schemas" / contract / f"{contract}.schema.json"
    example = json.loads(schema.read_text())["examples"][0]
    package = "ledgerpact_models_" + contract.replace("-", "_")
    used = python(_unique_check(package, model, example, field, good), out)
    assert used.returncode == 0, used.stderr[-3000:]


def test_unique_items_compare_as_json_values(tmp_path: Path) -> None:
    spec = tmp_path / "u.yaml"
    spec.write_text("""\
openapi: 3.1.0
info: {title: Uniq, version: 1.0.0}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        nums: {type: array, items: {type: number}, uniqueItems: true}
        objs: {type: array, items: {type: object}, uniqueItems: true}
        flags: {type: array, items: {}, uniqueItems: true}
""")
    out = tmp_path / "out"
    generate(spec, out)
    used = python("""
from pydantic import ValidationError
import ledgerpact_models_uniq as m
def ok(text):
    try:
        m.A.model_validate_json(text)
    except ValidationError:
        return False
    return True
assert not ok('{"nums": [1, 1.0]}') and ok('{"nums": [1, 1.5]}')
assert not ok('{"objs": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}')
assert ok('{"flags": [1, true, "1"]}') and not ok('{"flags": [true, true]}')
a = m.A(nums=[1])
try:
    a.nums = [2, 2]
except ValidationError:
    pass
else:
    raise AssertionError("assignment skipped uniqueItems")
print("ok")
""", out)
    assert used.returncode == 0, used.stderr[-3000:]
