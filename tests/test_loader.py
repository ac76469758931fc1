"""The loader on real text and real files: YAML read as JSON would read it, and every guard
(nesting, aliases, merge keys, empty documents, numbers JSON cannot hold, duplicate keys)
refusing with a located one-line error instead of crashing, hanging or silently changing
data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import (
    Document,
    _composable_depth,
    _may_nest_deeper,
    load_file,
    parse,
)
from ledgerpact.registry.output import to_json, to_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "bad-input"


def refusal(text: str, name: str = "doc.yaml") -> InputError:
    with pytest.raises(InputError) as caught:
        parse(text, name)
    assert "\n" not in str(caught.value)
    return caught.value


# --- YAML 1.2 core schema: what a YAML contract means is what its JSON twin means --------

YAML_SCALARS = """\
countries: [GB, NO, SE, ON, Y]
flags: [true, false, True, FALSE, yes, no, on, off]
nothing: [~, null, NULL, ""]
account_code: 0123
octal: 0o17
hex: 0x1F
time_of_day: 12:30:00
sexagesimal: 1:30
underscored: 1_000
date: 2026-01-31
amount: 10.50
exponent: 1e3
negative: -7
version: 1.10
quoted: ['0123', 'NO', "1.10"]
keys: {200: ok, 0x1F: hex, 1.10: float, ~: tilde, true: bool, 007: bond}
"""

JSON_TWIN = """\
{
  "countries": ["GB", "NO", "SE", "ON", "Y"],
  "flags": [true, false, true, false, "yes", "no", "on", "off"],
  "nothing": [null, null, null, ""],
  "account_code": 123,
  "octal": 15,
  "hex": 31,
  "time_of_day": "12:30:00",
  "sexagesimal": "1:30",
  "underscored": "1_000",
  "date": "2026-01-31",
  "amount": 10.50,
  "exponent": 1e3,
  "negative": -7,
  "version": 1.10,
  "quoted": ["0123", "NO", "1.10"],
  "keys": {"200": "ok", "0x1F": "hex", "1.10": "float", "~": "tilde", "true": "bool",
           "007": "bond"}
}
"""


def test_yaml_scalars_resolve_by_the_yaml_1_2_core_schema() -> None:
    data = parse(YAML_SCALARS, "scalars.yaml")
    assert data == parse(JSON_TWIN, "scalars.json")
    assert data["countries"] == ["GB", "NO", "SE", "ON", "Y"]  # not [..., False, ...]
    assert data["account_code"] == 123  # not octal 83
    assert data["time_of_day"] == "12:30:00"  # not 45000 seconds


def test_a_number_keeps_the_text_it_was_written_as() -> None:
    """``version: 1.10`` is the number 1.1 (correct YAML); messages can still quote it."""
    text = "openapi: 3.1.0\ninfo: {title: T, version: 1.10}\npaths: {}\n"
    doc = Document("openapi.yaml", parse(text, "openapi.yaml"), text)
    assert doc.data["info"]["version"] == 1.1
    assert doc.source_text("/info/version") == "1.10"
    assert doc.source_text("/info/title") == "T"
    assert doc.source_text("/info") is None  # a mapping, not a scalar
    assert doc.source_text("/info/missing") is None


def test_merge_keys_merge_and_explicit_keys_win() -> None:
    text = """\
base: &base {currency: EUR, scale: 2, rounding: half-even}
other: &other {scale: 4, region: EU}
price:
  <<: *base
  scale: 6
both:
  <<: [*other, *base]
"""
    data = parse(text, "merge.yaml")
    assert data["price"] == {"currency": "EUR", "scale": 6, "rounding": "half-even"}
    # the earlier source wins: scale 4 from *other, not 2 from *base
    assert data["both"] == {"scale": 4, "region": "EU", "currency": "EUR",
                            "rounding": "half-even"}


@pytest.mark.parametrize(("text", "words"), [
    ("a: !!set {x, y}\n", "the tag !!set has no JSON equivalent"),
    ("a: !!binary aGVsbG8=\n", "the tag !!binary has no JSON equivalent"),
    ("a: !!omap [{x: 1}]\n", "the tag !!omap has no JSON equivalent"),
    ("? [a, b]\n: c\n", "a mapping key must be a scalar"),
])
def test_yaml_without_a_json_meaning_is_refused(text: str, words: str) -> None:
    error = refusal(text)
    assert words in error.message and error.line == 1


def test_an_explicit_timestamp_stays_text() -> None:
    assert parse("when: !!timestamp 2026-01-31T10:00:00Z\n", "t.yaml") == {
        "when": "2026-01-31T10:00:00Z"}


# --- Duplicate keys -----------------------------------------------------------------------

def test_duplicate_yaml_keys_are_refused_at_the_second() -> None:
    error = refusal("components:\n  schemas:\n    Amount: {type: string}\n"
                    "    Other: {type: string}\n    Amount: {type: number}\n")
    assert error.line == 5
    assert "duplicate key 'Amount' (first given on line 3)" in error.message
    flow = refusal("x: {a: 1, b: 2, a: 3}\n")
    assert flow.line == 1 and "duplicate key 'a'" in flow.message
    # keys that differ as YAML values but are the same JSON text are duplicates too
    assert "duplicate key '1'" in refusal("{1: a, '1': b}\n").message


def test_keys_overriding_a_merge_are_not_duplicates() -> None:
    assert parse("b: &b {x: 1}\nm: {<<: *b, x: 2}\n", "m.yaml")["m"] == {"x": 2}


# --- Empty documents and numbers JSON cannot hold ------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("", "empty.yaml"), ("# only a comment\n\n# and another\n", "comments.yaml"),
    ("~\n", "null.yaml"), ("---\n...\n", "markers.yaml"), ("  \n\n", "blank.json"),
    ("null", "null.json"),
])
def test_an_empty_document_is_refused(text: str, name: str) -> None:
    error = refusal(text, name)
    assert "empty document" in error.message and error.line == 1


@pytest.mark.parametrize(("text", "line"), [
    ('{\n "a": 1,\n "b": NaN\n}', 3),
    ('{"a": [1,\n\n -Infinity]}', 3),
    ('{"a": "Infinity and NaN in a string are fine",\n "b": Infinity}', 2),
    ('{"a": "1e999",\n "b": 1e999}', 2),
    ('{"a": 1.5e308,\n "b": -2.5e308}', 2),
])
def test_json_numbers_that_are_not_finite_are_refused(text: str, line: int) -> None:
    error = refusal(text, "spec.json")
    assert "is not finite" in error.message and error.line == line, str(error)


def test_large_but_finite_json_numbers_load() -> None:
    assert parse('{"a": 1.7e308, "b": "NaN", "c": 12345678901234567890123}', "x.json") == {
        "a": 1.7e308, "b": "NaN", "c": 12345678901234567890123}


@pytest.mark.parametrize("scalar", [".inf", "-.Inf", "+.INF", ".nan", ".NaN", "1e999"])
def test_yaml_numbers_that_are_not_finite_are_refused(scalar: str) -> None:
    error = refusal(f"openapi: 3.1.0\nx-limit: {scalar}\n")
    assert "is not a finite number" in error.message and error.line == 2
    assert parse(f"x-limit: '{scalar}'\n", "quoted.yaml") == {"x-limit": scalar}


def test_integers_beyond_64_bits_are_written_exactly() -> None:
    data = parse("big: 123456789012345678901234567890\nnegative: -98765432109876543210\n",
                 "big.yaml")
    assert json.loads(to_json(data)) == {"big": 123456789012345678901234567890,
                                         "negative": -98765432109876543210}
    assert yaml.safe_load(to_yaml(data)) == data


# --- Nesting: refused with a line, never a crash -------------------------------------------

@pytest.mark.parametrize("shape", ["dashes", "flow"])
def test_very_deep_yaml_is_refused_not_a_crash(shape: str, tmp_path: Path) -> None:
    """libyaml's composer recurses in C: 30,000 ``- `` or 25,000 ``[`` overflowed the stack
    and killed the process (exit 139). Run in a child process so a crash cannot take the
    test run with it."""
    path = tmp_path / "deep.yaml"
    head = "openapi: 3.1.0\ninfo: {title: Deep, version: 1.0.0}\npaths: {}\n"
    path.write_text(head + ("x-deep:\n" + "- " * 30000 + "1\n" if shape == "dashes"
                            else "x-deep: " + "[" * 25000 + "\n"))
    code = ("import sys; from pathlib import Path\n"
            "from ledgerpact.registry.loader import load_file\n"
            "from ledgerpact.registry.errors import InputError\n"
            "try:\n    load_file(Path(sys.argv[1]), 'deep.yaml')\n"
            "except InputError as exc:\n    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    line = 5 if shape == "dashes" else 4
    assert result.stdout.strip() == f"deep.yaml:{line}: document is nested deeper than 256 " \
        "levels"


def test_moderately_deep_yaml_is_refused_with_line_and_pointer() -> None:
    text = "root:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300)) + " " * 301 + "x"
    error = refusal(text)
    assert "nested deeper than 256 levels" in error.message
    assert error.pointer is not None and error.pointer.startswith("/root/k0/k1/k2/")
    assert error.line == 257  # the member whose value passes the limit


def _real_depth(text: str) -> int:
    """How deep ``text`` really nests (parse events; errors end the count). PyYAML's pure
    Python parser, because libyaml 0.2.5+ stops counting at its own cap of ~1,000 levels."""
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    return deepest


def _deep_shapes(n: int) -> dict[str, str]:
    """Every way we know to nest YAML ``n`` deep: the cheap bound must see each of them."""
    return {
        "dash run": "- " * n + "x\n",
        "explicit keys": "? " * n + "x\n",
        "value of an explicit key": "? x\n: " + "- " * n + "y\n",
        "indented mappings": "".join(" " * i + f"k{i}:\n" for i in range(n)) + " " * n + "x\n",
        "sequence at its key's indentation": "k0:\n" + "".join(
            " " * (2 * i) + f"- k{i + 1}:\n" for i in range(n // 2 + 1)),
        "anchored mappings": "".join(" " * i + f"k{i}: &a{i}\n" for i in range(n)) + "x: 1\n",
        "flow sequences": "[" * n + "]" * n + "\n",
        "flow mappings": "{a: " * n + "1" + "}" * n + "\n",
        "block then flow": "".join(" " * i + f"k{i}:\n" for i in range(n // 2))
        + " " * (n // 2) + "[" * (n // 2 + 1) + "]" * (n // 2 + 1) + "\n",
        "carriage returns": "".join(" " * i + f"k{i}:\r" for i in range(n)) + " " * n + "x\r",
        "unicode line separators": "".join(" " * i + f"k{i}:\u2028" for i in range(n)) + "x",
        "next-line characters": "".join(" " * i + f"k{i}:\x85" for i in range(n)) + "x",
    }


def test_the_cheap_depth_bound_sees_every_deep_shape() -> None:
    """Only documents whose cheap bound exceeds what the stack can take get the exact
    (slower) check, so the bound must never be below the real depth."""
    limit = _composable_depth()
    assert limit > 256
    # Each shape nests in proportion to n: proved on a small n with PyYAML's pure-Python
    # parser (libyaml stops counting near 1,000 levels, and the pure-Python parser needs
    # minutes for the ~30 MB of indentation the full-size shapes hold).
    small = 300
    for name, text in _deep_shapes(small + 10).items():
        assert _real_depth(text) > small, f"{name}: the shape is not really that deep"
    for name, text in _deep_shapes(limit + 10).items():
        assert _may_nest_deeper(text, limit), name


def test_real_specs_stay_on_the_fast_path(corpora: Path) -> None:
    """Xero (1.1 MB of YAML) needs neither the exact depth check nor the alias walk."""
    for path in sorted((corpora / "xero").glob("*.yaml")) + sorted(
            (corpora / "asyncapi").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert not _may_nest_deeper(text, _composable_depth()), path.name
        load_file(path)


# --- Aliases and merge keys: bounded expansion --------------------------------------------

def test_alias_fan_out_of_a_few_hundred_bytes_is_refused() -> None:
    """453 bytes whose aliases fan out to 3.3 million nodes (a 124 MB bundle) stayed under
    the old 5,000,000-node limit."""
    path = FIXTURES / "alias-fanout" / "openapi.yaml"
    assert path.stat().st_size < 500
    with pytest.raises(InputError) as caught:
        load_file(path, "openapi.yaml")
    assert "alias bomb" in caught.value.message
    assert caught.value.pointer == "/x-l5" and caught.value.line == 9


def test_long_strings_count_toward_the_expansion() -> None:
    """A thousand aliases of one 100 kB string are 100 MB of output in few nodes."""
    text = ('s: &s "' + "x" * 100_000 + '"\n'
            + "a: &a [" + ", ".join(["*s"] * 10) + "]\n"
            + "b: &b [" + ", ".join(["*a"] * 10) + "]\n"
            + "c: [" + ", ".join(["*b"] * 10) + "]\n")
    error = refusal(text)
    assert "alias bomb" in error.message and error.pointer == "/c"


def test_a_large_spec_may_reuse_a_large_anchor() -> None:
    """Expansion is bounded relative to what is written: 15 uses of a 60,000-node anchor
    (1.2 million nodes expanded) is ordinary reuse in a large document."""
    rows = "".join(f"    p{i}: {{type: string, maxLength: {i}}}\n" for i in range(20_000))
    uses = "".join(f"  S{i}: *common\n" for i in range(15))
    text = f"common: &common\n  type: object\n  properties:\n{rows}schemas:\n{uses}"
    data = parse(text, "large.yaml")
    assert data["schemas"]["S14"]["properties"]["p19999"] == {"type": "string",
                                                              "maxLength": 19999}


def test_a_real_spec_with_a_few_anchors_loads() -> None:
    text = """\
asyncapi: 2.6.0
info: {title: Payments, version: 1.0.0}
channels:
  payment.settled:
    publish:
      message:
        headers: &headers
          type: object
          properties:
            correlationId: {type: string, format: uuid}
            occurredAt: {type: string, format: date-time}
        payload: {$ref: '#/components/schemas/Payment'}
  payment.failed:
    publish:
      message:
        headers: *headers
        payload: {$ref: '#/components/schemas/Payment'}
components:
  schemas:
    Payment:
      type: object
      properties:
        amount: &amount {type: string, pattern: '^-?[0-9]+(\\.[0-9]+)?$'}
        fee: *amount
"""
    data = parse(text, "asyncapi.yaml")
    channels = data["channels"]
    assert channels["payment.failed"]["publish"]["message"]["headers"] == \
        channels["payment.settled"]["publish"]["message"]["headers"]
    assert data["components"]["schemas"]["Payment"]["properties"]["fee"]["pattern"]


def test_a_shared_node_used_deep_down_counts_at_that_depth() -> None:
    deep = "[" * 200 + "1" + "]" * 200
    text = f"a: &deep {deep}\nb: {'[' * 100}*deep{']' * 100}\n"
    error = refusal(text)
    assert "nested deeper than 256 levels" in error.message and error.pointer


def test_recursive_anchor_is_refused() -> None:
    error = refusal("x-self: &self\n  again: *self\n")
    assert "recursive YAML alias" in error.message and error.pointer == "/x-self/again"


def test_merge_key_chains_are_bounded() -> None:
    """Each mapping merging the previous one holds all keys so far: quadratic growth
    (3,000 lines here would be 4.5 million entries)."""
    lines = ["m0: &m0 {k0: 0}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, 3000)]
    error = refusal("\n".join(lines) + "\n")
    assert "merge keys ('<<') expand this document past 1,000,000 entries" in error.message
    assert error.line is not None


def _merge_chain(levels: int) -> str:
    """Anchors that each merge the previous one twice: tiny text, and a 2**levels expansion
    for anything that follows every merge without remembering what it has seen."""
    lines = ["x-defs:", "  a0: &a0 {k0: 1}"]
    for n in range(1, levels + 1):
        lines += [f"  a{n}: &a{n}", f"    <<: [*a{n - 1}, *a{n - 1}]", f"    k{n}: 1"]
    lines += ["x-use:", f"  <<: *a{levels}", "  own: 1"]
    return "\n".join(lines) + "\n"


def test_positions_of_merged_keys_cost_the_size_of_the_merge_chain() -> None:
    text = _merge_chain(40)  # 2**40 paths: only a memo of each mapping's members ends
    doc = Document(path="chain.yaml", data=parse(text, "chain.yaml"), text=text)
    run = subprocess.run(  # in a child with a time limit: a regression would hang the suite
        [sys.executable, "-c", "import sys; from ledgerpact.registry.loader import Document, "
         "parse; t = sys.stdin.read(); d = Document(path='c', data=parse(t, 'c'), text=t); "
         "print(d.position('/x-use/k0'), d.position('/x-use/k40'), d.position('/x-use/own'))"],
        input=text, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    # merged values are placed where they are written, under their anchor
    k0 = text.splitlines().index("  a0: &a0 {k0: 1}") + 1
    k40 = text.splitlines().index("    k40: 1") + 1
    own = text.splitlines().index("  own: 1") + 1
    column = "  a0: &a0 {k0: 1}".index("k0") + 1
    assert run.stdout.strip() == f"({k0}, {column}) ({k40}, 5) ({own}, 3)"
    assert doc.data["x-use"]["k0"] == 1 and len(doc.data["x-use"]) == 42


def test_merged_keys_are_placed_at_any_depth_of_a_long_merge_chain() -> None:
    """A chain of 400 single merges: deeper than the walk's depth bound, and each mapping's
    members are the same wherever the walk first meets it."""
    lines = ["m0: &m0 {k0: 1}"]
    for n in range(1, 400):
        lines += [f"m{n}: &m{n}", f"  <<: *m{n - 1}", f"  k{n}: 1"]
    text = "\n".join(lines) + "\n"
    doc = Document(path="chain.yaml", data=parse(text, "chain.yaml"), text=text)
    assert doc.data["m399"]["k0"] == 1
    for name in ("m142", "m143", "m257", "m399"):
        assert doc.position(f"/{name}/k0") == (1, 10), name
