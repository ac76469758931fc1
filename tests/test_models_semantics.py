"""Generated models mean what their contract means (QA review of ``generate models``).

An ``allOf`` member that only adds a constraint to a property narrows it instead of replacing
it; a ``$ref`` with sibling ``properties`` keeps both the sibling's constraints and the
target's if/then rules; a ``type`` list holding ``number`` reads the number as a Decimal; and
patterns are ECMA-262 (``\\d`` is ``[0-9]``, ``$`` the very end), with a pattern that cannot be
translated refused at generation.

Every model is generated through the installed command and used in a fresh interpreter, from
small contracts written here and from the registry's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli_helpers import run

REPO = Path(__file__).resolve().parents[1]


def generate(out: Path, *targets: str | Path) -> Path:
    result = run("generate", "models", *targets, "--out", out, "--registry", REPO)
    assert result.returncode == 0, result.stderr
    return out


def check(code: str, path: Path) -> None:
    """Run ``code`` against the packages in ``path``; it prints ``ok`` when every claim holds."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    used = subprocess.run([sys.executable, "-c", HELPERS + code], cwd=path, capture_output=True,
                          text=True, check=False, env=env, timeout=120)
    assert used.returncode == 0 and used.stdout.strip().endswith("ok"), used.stderr[-3000:]


HELPERS = """
from decimal import Decimal
from pydantic import ValidationError

def refused(validate, data):
    try:
        validate(data)
    except ValidationError:
        return True
    return False

"""


def spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


# -- 1. allOf members that narrow a property ---------------------------------------------------

NARROWED = """\
openapi: 3.1.0
info: {title: Narrowed, version: 1.0.0}
paths: {}
components:
  schemas:
    Line:
      type: object
      required: [side]
      properties: {side: {type: string, enum: [debit, credit]}}
    Entry:
      type: object
      required: [lines]
      additionalProperties: false
      properties:
        lines: {type: array, minItems: 2, items: {$ref: '#/components/schemas/Line'}}
        code: {type: string, maxLength: 10}
      allOf:
        - properties:
            lines:
              allOf:
                - contains: {properties: {side: {const: debit}}}
                - contains: {properties: {side: {const: credit}}}
        - properties:
            code: {pattern: '^[A-Z]+$', minLength: 2}
    Base:
      type: object
      required: [lines, total]
      properties:
        lines: {type: array, items: {$ref: '#/components/schemas/Line'}}
        total: {type: integer, minimum: 0}
    Bigger:
      allOf:
        - $ref: '#/components/schemas/Base'
        - properties:
            lines: {minItems: 3}
            total: {minimum: 10}
"""

USE_NARROWED = """
import ledgerpact_models_narrowed as m
lines = [{"side": "debit"}, {"side": "credit"}]
entry = m.Entry.model_validate({"lines": lines, "code": "AB"})
assert [line.side.value for line in entry.lines] == ["debit", "credit"]
assert m.Entry.model_fields["lines"].is_required()
for bad in ({}, {"lines": [{"side": "sideways", "amount": 0.1}] * 2}, {"lines": lines[:1]},
            {"lines": lines, "code": "ab"}, {"lines": lines, "code": "A"},
            {"lines": lines, "code": "ABCDEFGHIJK"}):
    assert refused(m.Entry.model_validate, bad), bad
three = lines + [{"side": "debit"}]
m.Bigger.model_validate({"lines": three, "total": 10})
assert m.Bigger.model_fields["lines"].is_required()
for bad in ({"lines": lines, "total": 10}, {"lines": three, "total": 9}, {"total": 10},
            {"lines": three + [{"side": "up"}], "total": 10}):
    assert refused(m.Bigger.model_validate, bad), bad
print("ok")
"""


def test_an_allof_member_that_adds_constraints_narrows_the_property(tmp_path: Path) -> None:
    out = generate(tmp_path / "out", spec(tmp_path, NARROWED))
    check(USE_NARROWED, out)


USE_JOURNAL = """
import ledgerpact_models_journal_entry as je
import ledgerpact_models_erp_finance as erp
base = {"entryId": "je-1", "postingPeriod": {"fiscalYear": 2024, "period": 3},
        "postingDate": "2024-03-15", "documentDate": "2024-03-12", "currency": "EUR",
        "status": "posted"}
line = {"lineNumber": 1, "glAccount": "400000", "side": "debit",
        "amount": {"amount": "10.00", "currency": "EUR"}}
for model in (je.JournalEntry, erp.JournalEntry):
    assert model.model_fields["lines"].is_required(), model
    for bad in (base, {**base, "lines": [{"side": "sideways", "amount": 0.1}] * 2},
                {**base, "lines": [line]}):
        assert refused(model.model_validate, bad), (model, bad)
entry = je.JournalEntry.model_validate({**base, "lines": [line, {**line, "lineNumber": 2,
                                                                  "side": "credit"}]})
assert entry.lines[0].amount.amount == Decimal("10.00")
print("ok")
"""


def test_registry_journal_entries_keep_their_lines(tmp_path: Path) -> None:
    out = generate(tmp_path / "out", "journal-entry", "erp-finance")
    check(USE_JOURNAL, out)


# -- 2. $ref with sibling properties -----------------------------------------------------------

SIBLINGS = """\
openapi: 3.1.0
info: {title: Siblings, version: 1.0.0}
paths: {}
components:
  schemas:
    Money:
      type: object
      required: [amount, currency]
      additionalProperties: false
      properties:
        amount: {type: string, pattern: '^-?[0-9]+(\\.[0-9]+)?$'}
        currency: {type: string, pattern: '^[A-Z]{3}$'}
      allOf:
        - if: {properties: {currency: {const: JPY}}, required: [currency]}
          then: {properties: {amount: {pattern: '^-?[0-9]+$'}}}
    Payment:
      type: object
      required: [amount]
      properties:
        amount:
          $ref: '#/components/schemas/Money'
          description: Above zero.
          properties:
            amount: {pattern: '^[1-9][0-9]*(\\.[0-9]+)?$'}
"""

USE_SIBLINGS = """
import ledgerpact_models_siblings as m
amount = m.Payment.model_validate({"amount": {"amount": "7.00", "currency": "EUR"}}).amount
assert amount.amount == Decimal("7.00")
for bad in ({"amount": "-7.00", "currency": "EUR"}, {"amount": "7.5", "currency": "JPY"},
            {"amount": "7", "currency": "eur"}, {"amount": "7", "currency": "EUR", "x": 1}):
    assert refused(lambda d: m.Payment.model_validate({"amount": d}), bad), bad
assert m.Money.model_validate({"amount": "-7.00", "currency": "EUR"}).amount == Decimal("-7")
assert refused(m.Money.model_validate, {"amount": "7.5", "currency": "JPY"})
print("ok")
"""


def test_ref_siblings_keep_their_constraints_and_the_targets_rules(tmp_path: Path) -> None:
    out = generate(tmp_path / "out", spec(tmp_path, SIBLINGS))
    check(USE_SIBLINGS, out)


USE_PAYMENT = """
import ledgerpact_models_payment as p
import ledgerpact_models_erp_finance as e
for model in (p.Amount, e.Amount1):
    assert model.model_validate({"amount": "7.00", "currency": "EUR"}).amount == Decimal("7")
    for bad in ({"amount": "-7.00", "currency": "EUR"}, {"amount": "0", "currency": "EUR"},
                {"amount": "7.5", "currency": "JPY"}):
        assert refused(model.model_validate, bad), (model, bad)
print("ok")
"""


def test_registry_payment_amounts_are_above_zero_and_in_minor_units(tmp_path: Path) -> None:
    out = generate(tmp_path / "out", "payment", "erp-finance")
    check(USE_PAYMENT, out)


# -- 3. type lists holding number --------------------------------------------------------------

UNIONS = """\
openapi: 3.1.0
info: {title: Unions, version: 1.0.0}
paths: {}
components:
  schemas:
    U:
      type: object
      properties:
        a: {type: [number, string], pattern: '^[a-z]+$'}
        d: {type: [number, integer]}
        e: {type: [number, boolean, "null"]}
        f: {type: [string, number], enum: [0.5, 2, "off"]}
"""

USE_UNIONS = """
import json
import ledgerpact_models_unions as m
text = '{"a": 12345678901234567890.12, "d": 0.1, "e": 2.50}'
u = m.U.model_validate_json(text)
assert u.a == Decimal("12345678901234567890.12") and u.d == Decimal("0.1"), u
assert json.loads(u.model_dump_json(exclude_unset=True), parse_float=Decimal) == \\
    json.loads(text, parse_float=Decimal)
assert m.U(a="abc").a == "abc" and m.U(e=True).e is True and m.U(e=None).e is None
assert m.U(d=3).d == 3 and m.U(f="off").f == "off" and m.U(f=Decimal("0.5")).f == Decimal("0.5")
for bad in ({"a": 0.1}, {"d": 0.1}, {"e": 0.1}, {"a": "ABC"}, {"f": 3}, {"f": "on"}):
    assert refused(lambda d: m.U(**d), bad), bad
print("ok")
"""


def test_a_type_list_with_number_reads_the_number_as_a_decimal(tmp_path: Path) -> None:
    out = generate(tmp_path / "out", spec(tmp_path, UNIONS))
    models = (out / "ledgerpact_models_unions" / "__init__.py").read_text()
    assert "float" not in models
    check(USE_UNIONS, out)


# -- 4. ECMA-262 patterns ------------------------------------------------------------------------

PATTERNS = """\
openapi: 3.1.0
info: {title: Patterns, version: 1.0.0}
paths: {}
components:
  schemas:
    Reference: {type: string, pattern: '^\\d{6}$'}
    Terms:
      type: object
      properties:
        reference: {type: string, pattern: '^\\d{6}$'}
        named: {$ref: '#/components/schemas/Reference'}
        line: {type: string, pattern: '^a.c$'}
        word: {type: string, pattern: '^\\w+$'}
        rate: {type: string, format: decimal, pattern: '^\\d+(\\.\\d{1,2})?$'}
        kind: {type: string}
      allOf:
        - if: {properties: {kind: {const: short}}, required: [kind]}
          then: {properties: {line: {pattern: '^\\d\\d$'}}}
    Mixed:
      type: object
      properties:
        word: {type: string, pattern: '\\bab\\b'}
        code: {type: string, pattern: '^\\d{2}$'}
"""

USE_PATTERNS = """
import ledgerpact_models_patterns as m
from pydantic import TypeAdapter
arabic = "\\u0661\\u0662\\u0663\\u0664\\u0665\\u0666"
assert m.Terms(reference="123456", named="654321", line="abc", word="a_1").word == "a_1"
assert m.Terms(rate="1.25").rate == Decimal("1.25")
assert TypeAdapter(m.Reference).validate_python("123456") == "123456"
for bad in ({"reference": arabic}, {"named": arabic}, {"reference": "123456\\n"},
            {"line": "a\\u2028c"}, {"line": "a\\rc"}, {"word": "\\u00e9t\\u00e9"},
            {"rate": "1.234"}, {"kind": "short", "line": "\\u0661\\u0662"}):
    assert refused(lambda d: m.Terms(**d), bad), bad
assert refused(TypeAdapter(m.Reference).validate_python, arabic)
assert m.Terms.model_validate_json('{"reference": "123456", "rate": "0.5"}').rate == \\
    Decimal("0.5")
assert m.Terms(kind="long", line="a\\u00e9c").line == "a\\u00e9c"
assert m.Mixed(word="x ab-y", code="12").word == "x ab-y"
assert m.Mixed(word="ab\\u00e9").word == "ab\\u00e9"  # \\b is ASCII: \\u00e9 is no letter
for bad in ({"word": "xab"}, {"word": "abc"}, {"code": "12\\n"},
            {"code": arabic[:2]}):
    assert refused(lambda d: m.Mixed(**d), bad), bad
print("ok")
"""


def test_patterns_are_read_as_ecma_262(tmp_path: Path) -> None:
    out = generate(tmp_path / "out", spec(tmp_path, PATTERNS))
    check(USE_PATTERNS, out)
    # Rust's engine (linear time) keeps every pattern it reads alike; only the class whose
    # \b needs look-around runs Python's, all its patterns in Python's syntax
    models = (out / "ledgerpact_models_patterns" / "__init__.py").read_text()
    assert models.count('regex_engine="python-re"') == 1 and "compile(" not in models
    assert "'^[0-9]{6}$'" in models and "'^[0-9]{2}\\\\Z'" in models


UNTRANSLATABLE = """\
openapi: 3.1.0
info: {title: Rx, version: 1.0.0}
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        s: {type: string, pattern: '%s'}
"""


def test_a_pattern_that_cannot_be_translated_is_refused_where_it_is(tmp_path: Path) -> None:
    # JavaScript refuses all three; Python's re would accept the first two with its own
    # meaning (a scoped flag, a possessive repetition)
    for pattern, why in (("(?i)abc", "invalid group"), ("^a*+$", "nothing to repeat"),
                         ("^\\p{L}.*$", "u flag")):
        path = tmp_path / "rx.yaml"
        path.write_text(UNTRANSLATABLE % pattern)
        out = tmp_path / "out"
        result = run("generate", "models", path, "--out", out)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert f"{path}:9: at /components/schemas/A/properties/s:" in line, line
        assert why in line and repr(pattern) in line, line
        assert not out.exists()


def test_a_refused_pattern_in_a_shared_schema_names_that_file_and_line(tmp_path: Path) -> None:
    """The bundle a contract is generated from holds its shared schemas: an error found there
    names the schema file the author edits, at its own pointer and line, not the contract's
    root at a pointer that exists only in the bundle."""
    root = tmp_path / "reg"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True)
    schema = root / "contracts" / "schemas" / "supplier" / "supplier.schema.json"
    text = schema.read_text()
    before = '"status": {'
    assert before in text
    schema.write_text(text.replace(before, before + ' "pattern": "(?i)^a",', 1))
    line = next(n for n, row in enumerate(schema.read_text().splitlines(), 1) if "(?i)" in row)
    result = run("generate", "models", "erp-finance", "--out", tmp_path / "out",
                 "--registry", root)
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith(f"error: contracts/schemas/supplier/supplier.schema.json:{line}: "
                            "at /properties/status: "), error
    assert not (tmp_path / "out").exists()


# -- 4. a $ref narrowed by its siblings or by allOf members -------------------------------------

REF_NARROWED = """\
openapi: 3.1.0
info: {title: Refnarrow, version: 1.0.0}
paths: {}
components:
  schemas:
    Amount: {type: string, pattern: '^-?[0-9]+(\\.[0-9]{1,2})?$'}
    Base:
      type: object
      properties:
        code: {type: string, maxLength: 5}
        n: {type: integer}
    Probe:
      type: object
      properties:
        short: {allOf: [{$ref: '#/components/schemas/Amount'}, {maxLength: 6}]}
        long: {$ref: '#/components/schemas/Amount', minLength: 3}
        whole: {$ref: '#/components/schemas/Amount', pattern: '^[0-9]+$'}
        few: {type: array, items: {$ref: '#/components/schemas/Amount', maxLength: 4}}
        base: {allOf: [{$ref: '#/components/schemas/Base'}, {required: [code]}]}
        plain: {$ref: '#/components/schemas/Base'}
"""

USE_REF_NARROWED = """
import ledgerpact_models_refnarrow as m
ok = m.Probe.model_validate_json('{"short": "123.45", "long": "123", "whole": "12", '
                                 '"few": ["1.25"], "base": {"code": "x"}, "plain": {}}')
assert ok.short == Decimal("123.45") and ok.long == Decimal("123") and ok.few == [Decimal("1.25")]
assert m.Probe.model_validate_json('{"long": "1.5"}').long == Decimal("1.5")
for bad in ('{"short": "1234.56"}', '{"long": "12"}', '{"long": "1.555"}', '{"whole": "1.5"}',
            '{"whole": "-1"}', '{"few": ["12.50"]}', '{"base": {}}', '{"base": {"n": 1}}',
            '{"base": {"code": "toolong"}}'):
    assert refused(m.Probe.model_validate_json, bad), bad
assert refused(m.Probe.model_validate, {"long": Decimal("12")})
assert m.Base.model_validate({}).code is None  # the narrowing is the property's, not Base's
print("ok")
"""


def test_a_ref_narrowed_by_siblings_or_allof_members_keeps_both(tmp_path: Path) -> None:
    """A length beside a decimal string's ``$ref`` is judged on the text (pydantic would raise
    a TypeError on the Decimal for every value), a second pattern becomes a rule of the class,
    and an ``allOf`` member that only adds a limit or ``required`` narrows the type instead of
    being dropped."""
    out = generate(tmp_path / "out", spec(tmp_path, REF_NARROWED))
    check(USE_REF_NARROWED, out)


def test_a_second_decimal_pattern_outside_a_property_is_refused(tmp_path: Path) -> None:
    path = spec(tmp_path, REF_NARROWED.replace(
        "items: {$ref: '#/components/schemas/Amount', maxLength: 4}",
        "items: {$ref: '#/components/schemas/Amount', pattern: '^[0-9]+$'}"))
    result = run("generate", "models", path, "--out", tmp_path / "out")
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"{path}:18: at /components/schemas/Probe/properties/few/items:" in line, line
    assert "pattern of its own" in line, line
    assert not (tmp_path / "out").exists()
