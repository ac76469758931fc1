"""Spectral-compatible custom rulesets (issue 3, item 4).

A team brings its ``.spectral.yaml``; the fixture one uses every supported core function,
``extends`` (Spectral's OpenAPI rules and a shared file), ``then`` lists, ``field`` with
``@key`` and with a JSONPath, ``..`` and filters, ``resolved: false``, numeric and named
severities and ``overrides`` by glob and JSON pointer. Each finding below is what Spectral's
documentation (and its functions' documented messages) says the rule produces on
``tests/fixtures/spectral/openapi.yaml``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ledgerpact.governance.lint.catalog import all_rules
from ledgerpact.governance.lint.catalog import ruleset as builtin_ruleset
from ledgerpact.governance.lint.engine import LintOptions, locate, run_rules
from ledgerpact.governance.lint.index import build_index
from ledgerpact.governance.lint.model import (
    ALL_FORMATS,
    ASYNCAPI,
    ASYNCAPI2,
    ASYNCAPI3,
    OAS3,
    OAS31,
    Rule,
    Severity,
)
from ledgerpact.governance.lint.spectral import (
    SPECTRAL_RULES,
    configure,
    load_ruleset,
    resolver,
)
from ledgerpact.governance.lint.spectral.functions import FUNCTIONS, FnResult
from ledgerpact.governance.lint.spectral.jsonpath import PathSyntaxError, Query, translate
from ledgerpact.governance.lint.spectral.values import UNDEFINED
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.pointer import join as join_pointer
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace
from tests.cli_helpers import run as run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "spectral"
RULESET = FIXTURES / ".spectral.yaml"

WARN, ERROR, INFO, HINT = Severity.WARN, Severity.ERROR, Severity.INFO, Severity.HINT
OPS = "/paths/~1invoices"
ONE = "/paths/~1invoices~1{invoiceId}~1"

# (rule, file, pointer, severity after the ruleset's overrides, message)
EXPECTED = [
    # casing: camel; the shorthand "operation-id-camel: error" re-rates the extended rule,
    # the file override makes it warn, the pointer override (more specific) info
    ("operation-id-camel", "openapi.yaml", f"{OPS}/get/operationId", INFO, "must be camel case"),
    # then as a list; a missing field is reported at its nearest existing parent, named by
    # its path from there
    ("contact-complete", "openapi.yaml", "/info/contact", WARN,
     '"contact.email" property must be defined'),
    # truthy on an empty string; severity 0 is error
    ("info-description", "openapi.yaml", "/info/description", ERROR,
     '"description" property must be truthy'),
    # falsy on deprecated: true; without a message the description is the message; the
    # pointer override switches it off under this path
    ("no-deprecated-operations", "openapi.yaml", f"{ONE}/get/deprecated", None,
     "Remove deprecated operations rather than keeping them around."),
    # undefined
    ("no-internal-operations", "openapi.yaml", f"{ONE}/get/x-internal", WARN,
     '"x-internal" property must be undefined'),
    # pattern notMatch over property names ($.paths[*]~)
    ("path-no-trailing-slash", "openapi.yaml", ONE, ERROR,
     '"/invoices/{invoiceId}/" must not match the pattern ".+\\\\/$"'),
    # pattern match with /regex/flags: HTTPS:// passes thanks to i, http:// does not; the
    # file override rates it hint
    ("server-https", "openapi.yaml", "/servers/2/url", HINT,
     '"http://legacy.example.com/v1" must match the pattern "/^https:/i"'),
    # casing pascal with a "-" separator, given by a filter under ".."; the $ref'd
    # X-Tenant-Id header and X-Request-Id pass
    ("header-pascal-case", "openapi.yaml", f"{OPS}/get/parameters/1/name", WARN,
     "Header x-correlation-id: must be pascal case"),
    # casing snake over keys (@key) with disallowDigits
    ("property-snake-case", "openapi.yaml", "/components/schemas/Invoice/properties/dueDate",
     WARN, "dueDate: must be snake case"),
    ("property-snake-case", "openapi.yaml", "/components/schemas/Invoice/properties/tax2", WARN,
     "tax2: must be snake case"),
    # enumeration
    ("allowed-tags", "openapi.yaml", f"{OPS}/post/tags/1", WARN,
     '"billing" must be equal to one of the allowed values: "invoices", "payments"'),
    ("allowed-tags", "openapi.yaml", f"{OPS}/post/tags/3", WARN,
     '"extra" must be equal to one of the allowed values: "invoices", "payments"'),
    # length: too many tags, and an empty list
    ("operation-tag-count", "openapi.yaml", f"{OPS}/post/tags", WARN,
     '"tags" property must be shorter than 3'),
    ("operation-tag-count", "openapi.yaml", f"{ONE}/get/tags", WARN,
     '"tags" property must be longer than 1'),
    # schema (draft 2020-12, allErrors) on a field: the error is located at the item
    ("servers-described", "openapi.yaml", "/servers/2", WARN,
     'Item at index 2 must have required property "description"'),
    # schema through an external $ref: reported in the file where the value lives
    ("money-amount-decimal-string", "components/money.yaml", "/Money/properties/amount/type",
     WARN, '"type" property must be equal to one of the allowed values: "string"'),
    # alphabetical keyedBy, and plain (with a @property filter)
    ("tags-alphabetical", "openapi.yaml", "/tags", WARN,
     "properties must follow the alphabetical order"),
    ("operation-tags-sorted", "openapi.yaml", f"{OPS}/post/tags/0", WARN,
     '"invoices" must be placed after "billing"'),
    # xor over ..examples[*]
    ("example-value-xor", "openapi.yaml",
     f"{OPS}/get/responses/200/content/application~1json/examples/first-page", WARN,
     'Just one of "value" and "externalValue" must be defined'),
    # resolved: false sees the raw $ref; {{value}} and {{path}} in the message
    ("no-external-refs", "openapi.yaml", "/components/schemas/Invoice/properties/amount/$ref",
     WARN, "./components/money.yaml#/Money is an external reference "
        "(at #/components/schemas/Invoice/properties/amount/%24ref)"),  # URI-encoded
]


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset(RULESET)


@pytest.fixture(scope="module")
def workspace():
    return Workspace(DirectorySource(FIXTURES))


@pytest.fixture(scope="module")
def index(workspace):
    return build_index(workspace, "openapi.yaml")


@pytest.fixture(scope="module")
def findings(ruleset, index):
    found = []
    for rule in ruleset.rules:
        assert rule.family == "custom"
        for violation in rule.check(index):
            override = ruleset.applies(rule.id, violation.loc.file, violation.loc.pointer)
            severity = rule.severity if override is ... else override
            found.append((rule.id, violation.loc.file, violation.loc.pointer, severity,
                          violation.message))
    return found


def test_fixture_ruleset_uses_every_core_function():
    def functions(data):
        for rule in (data.get("rules") or {}).values():
            if isinstance(rule, dict):
                thens = rule["then"] if isinstance(rule["then"], list) else [rule["then"]]
                yield from (then["function"] for then in thens)

    used = set(functions(yaml.safe_load(RULESET.read_text())))
    used |= set(functions(yaml.safe_load((FIXTURES / "base.spectral.yaml").read_text())))
    assert used == set(FUNCTIONS)
    assert len(FUNCTIONS) == 11


def test_findings_are_the_ones_spectral_documents(findings):
    def key(item):
        return item[:4]

    assert sorted(map(key, findings), key=str) == sorted(map(key, EXPECTED), key=str)
    messages = {key(f): f[4] for f in findings}
    for expected in EXPECTED:
        assert messages[key(expected)] == expected[4], expected[0]


def test_findings_point_at_real_lines(findings, workspace):
    for rule, file, pointer, _severity, _message in findings:
        position = workspace.document(file).position(pointer)
        assert position is not None, (rule, pointer)
    # inside the external Money schema, on its "type: number" line
    money = next(f for f in findings if f[0] == "money-amount-decimal-string")
    document = workspace.document(money[1])
    lines = document.text.splitlines()
    assert lines[document.line_of(money[2]) - 1].strip() == "type: number"


def test_rules_carry_ruleset_metadata(ruleset):
    rules = {rule.id: rule for rule in ruleset.rules}
    # recommended: false (not extended with "all") and severity off are not run
    assert "info-license" not in rules
    assert "unused-rule" not in rules
    assert rules["operation-id-camel"].severity is Severity.ERROR  # shorthand in the root
    assert rules["info-description"].severity is Severity.ERROR  # severity: 0
    assert rules["no-deprecated-operations"].severity is Severity.INFO
    assert rules["allowed-tags"].severity is Severity.WARN  # Spectral's default
    # formats: the shared file says [oas3]; oas2-only rules never apply; others apply to all
    assert rules["contact-complete"].formats == OAS3
    assert rules["swagger-host"].formats == frozenset()
    assert rules["allowed-tags"].formats == ALL_FORMATS
    assert rules["operation-id-camel"].doc.summary.startswith("Operation ids are camelCase")


def test_builtin_rulesets_and_shorthands_are_recorded(ruleset):
    # Spectral's names for spectral:oas rules are mapped to Ledgerpact's built-in ids
    assert {"oas-operation-tags", "oas-info-contact"} <= {r.id for r in all_rules()}
    assert ruleset.extends_builtin == {"oas:recommended"}
    # the fixture's own info-description redefines spectral:oas's rule of that name, and so
    # does the shared file's info-license (extended after spectral:oas, so it wins, as when
    # Spectral merges the extended rulesets in order)
    assert ruleset.replaced == {"oas-info-description": "info-description",
                                "oas-info-license": "info-license"}
    assert ruleset.disabled == {"oas-operation-tags", "oas-info-description",
                                "oas-info-license"}
    assert ruleset.severity_overrides == {"oas-operation-tags": None,
                                          "oas-info-contact": Severity.HINT,
                                          "oas-info-description": None,
                                          "oas-info-license": None}


def test_redefining_a_builtin_rule_replaces_it(tmp_path):
    redefined = _ruleset(tmp_path, """
extends: [spectral:oas, spectral:asyncapi]
rules:
  operation-tags:
    given: "$.paths[*][*]"
    then: {field: tags, function: truthy}
  asyncapi-info-contact: false
""")
    assert [r.id for r in redefined.rules] == ["operation-tags"]
    # it keeps the formats of the Spectral rule it redefines
    assert redefined.rules[0].formats == OAS3
    assert redefined.replaced == {"oas-operation-tags": "operation-tags"}
    assert redefined.disabled == {"oas-operation-tags", "asyncapi-info-contact"}
    assert redefined.applies("oas-operation-tags", "openapi.yaml", "/paths") is None
    assert redefined.applies("operation-tags", "openapi.yaml", "/paths") is ...


def test_overrides_by_glob_and_pointer(ruleset):
    applies = ruleset.applies
    # most specific pointer wins over the file-wide override
    assert applies("operation-id-camel", "openapi.yaml", f"{OPS}/get/operationId") is INFO
    assert applies("operation-id-camel", "openapi.yaml", f"{OPS}/post/operationId") is WARN
    # a pointer covers its subtree only (and "/paths/~1invoices" is not "/paths/~1invoices~1")
    assert applies("no-deprecated-operations", "openapi.yaml", f"{ONE}/get/deprecated") is None
    assert applies("no-deprecated-operations", "openapi.yaml", f"{OPS}/get/deprecated") is ...
    # "**/*.yaml" matches in subfolders; "openapi.yaml" (no slash) matches the name anywhere
    assert applies("no-deprecated-operations", "apis/ledger.yaml", f"{ONE}/get") is None
    assert applies("server-https", "apis/openapi.yaml", "/servers/0/url") is HINT
    assert applies("server-https", "apis/ledger.yaml", "/servers/0/url") is ...
    # absolute paths are taken relative to the ruleset's folder
    assert applies("server-https", str(FIXTURES.resolve() / "openapi.yaml"), "/servers") is HINT
    assert applies("info-description", "openapi.yaml", "/info/description") is ...
    # severities the rules section gives built-in rules are part of the same policy
    assert applies("oas-info-contact", "openapi.yaml", "/info") is HINT
    assert applies("oas-operation-tags", "openapi.yaml", f"{OPS}/get") is None


BAD = [
    ("unknown-function.yaml", 6, "/rules/operation-success/then/function",
     "unknown function 'oasOpSuccessResponse'"),
    ("bad-jsonpath.yaml", 3, "/rules/schema-parent/given", "@parent is not supported"),
    ("unbalanced-jsonpath.yaml", 3, "/rules/tag-names/given", "unbalanced '['"),
    ("bad-severity.yaml", 4, "/rules/info-title/severity", "unknown severity 'warning'"),
    ("missing-given.yaml", 2, "/rules/info-title", "missing 'given'"),
    ("url-extends.yaml", 2, "/extends/0", "URLs are refused, nothing is fetched"),
    ("bad-options.yaml", 8, "/rules/operation-id-case/then/functionOptions/type",
     '"casing" function and its "type" option accept the following values'),
    ("bad-regex.yaml", 7, "/rules/server-url/then/functionOptions/match",
     "is not a valid regular expression"),
    ("custom-functions.yaml", 1, "/functionsDir", "custom JavaScript functions cannot run"),
    ("unknown-rule-severity.yaml", 2, "/rules/operation-tags",
     "Cannot extend non-existing rule 'operation-tags' (spectral:oas is not extended)"),
]


@pytest.mark.parametrize(("name", "line", "pointer", "text"), BAD, ids=[b[0] for b in BAD])
def test_bad_rulesets_are_one_line_input_errors(name, line, pointer, text):
    path = FIXTURES / "bad" / name
    with pytest.raises(InputError) as caught:
        load_ruleset(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: at {pointer}:")
    assert text in message
    rule = pointer.split("/")[2] if pointer.startswith("/rules/") else None
    if rule and pointer.count("/") > 2:
        assert f"rule {rule!r}" in message


# -- extends modes, resolution, recursion ----------------------------------------------------

def _ruleset(tmp_path: Path, text: str, base: str | None = None):
    if base is not None:
        (tmp_path / "base.yaml").write_text(base)
    (tmp_path / ".spectral.yaml").write_text(text)
    return load_ruleset(tmp_path / ".spectral.yaml")


BASE = """
rules:
  info-title:
    given: $.info
    then: {field: title, function: truthy}
  info-terms:
    recommended: false
    given: $.info
    then: {field: termsOfService, function: truthy}
"""


def test_extends_modes(tmp_path):
    assert [r.id for r in _ruleset(tmp_path, "extends: ./base.yaml\n", BASE).rules] == \
        ["info-title"]
    assert [r.id for r in _ruleset(tmp_path, "extends: [[./base.yaml, all]]\n").rules] == \
        ["info-title", "info-terms"]
    # a bare off is YAML 1.1's false; Spectral (YAML 1.2) reads it as "off": both work
    off = _ruleset(tmp_path, "extends: [[./base.yaml, off]]\nrules:\n  info-terms: true\n")
    assert [r.id for r in off.rules] == ["info-terms"]
    builtin = _ruleset(tmp_path, "extends: [[spectral:oas, 'off'], spectral:asyncapi]\n"
                       "rules:\n  operation-tags: true\n")
    assert builtin.extends_builtin == {"oas:off", "asyncapi:recommended"}
    assert builtin.enabled == {"oas-operation-tags"}


def test_object_shorthand_merges_into_an_extended_rule(tmp_path):
    merged = _ruleset(tmp_path, "extends: ./base.yaml\nrules:\n  info-title:\n"
                      "    severity: hint\n    message: 'Title: {{error}}'\n", BASE)
    (rule,) = merged.rules
    assert rule.severity is Severity.HINT
    switched_off = _ruleset(tmp_path, "extends: ./base.yaml\nrules:\n  info-title:\n"
                            "    severity: off\n")
    assert switched_off.rules == []
    shutil.copy(FIXTURES / "openapi.yaml", tmp_path / "openapi.yaml")
    (tmp_path / "components").mkdir()
    shutil.copy(FIXTURES / "components" / "money.yaml", tmp_path / "components" / "money.yaml")
    index = build_index(Workspace(DirectorySource(tmp_path)), "openapi.yaml")
    assert list(rule.check(index)) == []  # the title is there


def test_resolved_and_raw_documents_differ(tmp_path, index):
    rule_text = """
rules:
  refs:
    message: "{{{{value}}}} / #{{{{print('value')}}}} / {{{{property}}}}"
    resolved: {resolved}
    given: "$.components.schemas.Invoice.properties.amount"
    then: {{field: "['$ref']", function: truthy}}
"""
    raw = _ruleset(tmp_path, rule_text.format(resolved="false")).rules[0]
    resolved = _ruleset(tmp_path, rule_text.format(resolved="true")).rules[0]
    assert list(raw.check(index)) == []  # the raw $ref is there and truthy
    (missing,) = list(resolved.check(index))  # resolved, it is Money, which has no $ref
    assert missing.loc.file == "components/money.yaml"
    assert missing.loc.pointer == "/Money"
    # {{value}} is String(value), print('value') Spectral's printValue; the absent property
    # is named from its nearest existing parent
    assert missing.message == "[object Object] / Object{} / Money.$ref"


def test_recursive_schemas_are_walked_once(tmp_path, index):
    rule = _ruleset(tmp_path, """
rules:
  typed:
    message: "{{property}}"
    given: "$.components.schemas.Category..properties[*]"
    then: {field: description, function: truthy}
""").rules[0]
    found = [v.loc.pointer for v in rule.check(index)]
    assert found == ["/components/schemas/Category/properties/name",
                     "/components/schemas/Category/properties/children"]


def test_aliases_and_given_lists(tmp_path, index):
    rule = _ruleset(tmp_path, """
aliases:
  Info: $.info
  Both: [$.info, "$.tags[0]"]
rules:
  described:
    message: "{{path}}"
    given: ["#Info.contact", "#Both"]
    then: {field: description, function: truthy}
""").rules[0]
    assert [v.message for v in rule.check(index)] == [
        "#/info/contact", "#/info/description"]


# -- the functions, as Spectral documents them -----------------------------------------------

def run(name, value, options=None, key=None):
    function = FUNCTIONS[name]
    return function.run(value, function.prepare(options), key)


# Spectral's documented sample for each casing type, and the types that accept it (a single
# lower-case word is flat, camel, kebab and snake at once).
CASES = {"flat": ("verylongname", {"flat", "camel", "kebab", "snake"}),
         "camel": ("veryLongName", {"camel"}), "pascal": ("VeryLongName", {"pascal"}),
         "kebab": ("very-long-name", {"kebab"}), "cobol": ("VERY-LONG-NAME", {"cobol"}),
         "snake": ("very_long_name", {"snake"}), "macro": ("VERY_LONG_NAME", {"macro"})}


@pytest.mark.parametrize("case", CASES)
def test_casing_types_match_spectrals_samples(case):
    for sample, accepted_by in CASES.values():
        expected = [] if case in accepted_by else [FnResult(f"must be {case} case")]
        assert run("casing", sample, {"type": case}) == expected, (case, sample)


def test_casing_digits_and_separators():
    assert run("casing", "v2Api", {"type": "camel"}) == []
    assert run("casing", "v2Api", {"type": "camel", "disallowDigits": True}) != []
    assert run("casing", "getHTTPStatus", {"type": "camel"}) != []  # capitals in a row
    assert run("casing", "X-YourMighty-Header",
               {"type": "pascal", "separator": {"char": "-"}}) == []
    assert run("casing", "/path/toThe/amazingResource",
               {"type": "camel", "separator": {"char": "/", "allowLeading": True}}) == []
    assert run("casing", "/path", {"type": "camel", "separator": {"char": "/"}}) != []
    assert run("casing", "/", {"type": "camel",
                               "separator": {"char": "/", "allowLeading": True}}) == []
    assert run("casing", 42, {"type": "camel"}) == []  # not a string: not for this function
    assert run("casing", "", {"type": "camel"}) == []


def test_truthy_falsy_defined_undefined_use_javascript_semantics():
    for falsy in (False, 0, 0.0, "", None, UNDEFINED):
        assert run("truthy", falsy) == [FnResult('#{{print("property")}}must be truthy')]
        assert run("falsy", falsy) == []
    for truthy in ({}, [], "0", "false", 1, -1):
        assert run("truthy", truthy) == []
        assert run("falsy", truthy) != []
    assert run("defined", None) == []  # "foo:" with no value is defined (and falsy)
    assert run("defined", UNDEFINED) != []
    assert run("undefined", None) != []
    assert run("undefined", UNDEFINED) == []


def test_length_counts_strings_arrays_objects_and_numbers():
    for value in ("123", 3, [1, 2, 3], {"one": 1, "two": 2, "three": 3}):
        assert [r.message for r in run("length", value, {"max": 2})] == \
            ['#{{print("property")}}must be shorter than 2']
        assert [r.message for r in run("length", value, {"min": 4})] == \
            ['#{{print("property")}}must be longer than 4']
        assert run("length", value, {"min": 3, "max": 3}) == []
    assert run("length", "€😀", {"max": 2}) != []  # UTF-16: the emoji counts twice
    assert run("length", True, {"max": 0}) == []


def test_pattern_match_and_not_match():
    assert run("pattern", "Stoplight", {"match": "^Stop"}) == []
    assert run("pattern", "stoplight", {"match": "/^STOP/i"}) == []
    assert [r.message for r in run("pattern", "Swagger", {"match": "^Stop",
                                                            "notMatch": "Swag"})] == [
        '#{{print("value")}} must match the pattern "^Stop"',
        '#{{print("value")}} must not match the pattern "Swag"']
    assert run("pattern", "a\n", {"match": "^a$"}) != []  # JavaScript's $: end of input
    assert run("pattern", 5, {"match": "x"}) == []


def test_enumeration_is_strict():
    options = {"values": ["users", 1, True, None]}
    for allowed in ("users", 1, True, None):
        assert run("enumeration", allowed, options) == []
    for other in ("Users", "1", 1.5, False):
        assert len(run("enumeration", other, options)) == 1
    assert run("enumeration", True, {"values": [1]}) != []  # true !== 1
    assert run("enumeration", {"a": 1}, options) == []  # objects are not checked


def test_alphabetical_arrays_objects_and_keyed():
    assert run("alphabetical", ["b", "a"]) == [FnResult('"b" must be placed after "a"', (0,))]
    assert run("alphabetical", [10, 1]) == [FnResult("10 must be placed after 1", (0,))]
    assert run("alphabetical", {"c": 2, "b": "xz"}) == \
        [FnResult('"c" must be placed after "b"', ("c",))]
    assert run("alphabetical", {"400": {}, "200": {}}) != []
    assert run("alphabetical", ["a", "ab", "B", "c"]) == []  # locale order, not code points
    assert run("alphabetical", [{"a": "10"}, {"a": "1"}], {"keyedBy": "a"}) == \
        [FnResult("properties must follow the alphabetical order")]
    assert run("alphabetical", [{"a": "1"}, {"a": "2"}, {"a": "2"}], {"keyedBy": "a"}) == []
    assert [r.message for r in run("alphabetical", [100, 1], {"keyedBy": "a"})] == \
        ['#{{print("property")}}must be an object']
    assert [r.message for r in run("alphabetical", [False, "a", None])] == \
        ['#{{print("property")}}must be one of the allowed types: number, string']


def test_xor():
    info = {"version": "1.0.0", "title": "Swagger Petstore"}
    both = 'Just one of "version" and "title" must be defined'
    assert [r.message for r in run("xor", info, {"properties": ["version", "title"]})] == [both]
    assert run("xor", info, {"properties": ["something", "title"]}) == []
    assert [r.message for r in run("xor", info, {"properties": ["a", "b", "c"]})] == \
        ['At least one of "a" or "b" or "c" must be defined']
    assert run("xor", None, {"properties": ["a", "b"]}) == []


def test_schema_messages_and_paths():
    nested = {"type": "object", "properties": {"foo": {
        "type": "object", "properties": {"bar": {"type": "string"}},
        "additionalProperties": False}}}
    assert run("schema", {"foo": {"bar": 0}}, {"schema": nested}) == \
        [FnResult('"bar" property type must be string', ("foo", "bar"))]
    assert run("schema", {"foo": {"baz": "x"}}, {"schema": nested}) == \
        [FnResult('Property "baz" is not expected to be here', ("foo",))]
    assert run("schema", 2, {"schema": {"type": "string"}}) == \
        [FnResult("Value type must be string", ())]
    assert run("schema", "not an email", {"schema": {"type": "string", "format": "email"}}) \
        == [FnResult('String must match format "email"', ())]
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number",
              "maximum": 2, "exclusiveMaximum": True}
    assert run("schema", 2, {"schema": draft4}) == [FnResult("Number must be < 2", ())]
    assert [r.message for r in run("schema", UNDEFINED, {"schema": {}})] == \
        ['#{{print("property")}}must exist']
    two = {"type": "object", "required": ["a", "b"]}
    assert len(run("schema", {}, {"schema": two})) == 1
    assert len(run("schema", {}, {"schema": two, "allErrors": True})) == 2


@pytest.mark.parametrize(("name", "options", "text"), [
    ("truthy", {}, '"truthy" function does not accept any options'),
    ("length", {"min": "2"}, '"length" function and its "min" option accepts only the '
                             "following types: number"),
    ("length", {}, '"length" function has invalid options specified'),
    ("xor", {"properties": ["one"]}, '"xor" requires at least two enumerated "properties"'),
    ("schema", {"schema": {"type": "object"}, "dialect": "foo"},
     '"schema" function and its "dialect" option accepts only the following values'),
    ("enumeration", {"values": [{}]}, '"enumeration" and its "values" option support only'),
    ("alphabetical", {"foo": True}, '"alphabetical" function does not support "foo" option'),
])
def test_function_options_are_checked_with_spectrals_wording(name, options, text):
    with pytest.raises(ValueError, match="^" + text.replace("(", r"\(").replace(")", r"\)")):
        FUNCTIONS[name].prepare(options)


# -- JSONPath dialect ------------------------------------------------------------------------

@pytest.mark.parametrize(("spectral", "python"), [
    ("$.paths[*]~", ('$["paths"][*]', True)),
    ("$.paths.[*][get,post]", ('$["paths"][*]["get", "post"]', False)),
    ("$..[?(@.type === 'object')]", ('$..[?(@["type"] == "object")]', False)),
    ("$..[?(@property === 'get' || @property.match(/^x-/i))]",
     ('$..[?(# == "get" || search(#, "(?i)^x-"))]', False)),
    ("$.info.x-logo", ('$["info"]["x-logo"]', False)),
    ("$.paths.*.responses.200", ('$["paths"][*]["responses"][200]', False)),
])
def test_spectral_jsonpath_is_translated(spectral, python):
    assert translate(spectral) == python


@pytest.mark.parametrize(("path", "text"), [
    ("$..[?(@parentProperty === 'paths')]", "@parentProperty is not supported"),
    ("$.a^", "'^' is not supported"),
    ("$.a~.b", "'~' (property names) is supported only at the end"),
    ("$.a[(@.length-1)]", "script expressions"),
    ("$..[?(typeof @ === 'string')]", "unsupported 'typeof'"),
    ("$..[?(@.x.includes('a'))]", ".includes() is not supported"),
    ("info.title", "must start with '$'"),
])
def test_unsupported_jsonpath_is_refused(path, text):
    with pytest.raises(PathSyntaxError, match=None) as caught:
        Query(path)
    assert text in str(caught.value)


def test_filters_test_javascript_truthiness(index, tmp_path):
    rule = _ruleset(tmp_path, """
rules:
  deprecated:
    message: "{{path}}"
    given: "$.paths[*][?(@.deprecated)]"
    then: {function: falsy}
    severity: info
  not-deprecated:
    message: "{{path}}"
    given: "$.paths[*][?(!@.deprecated && @.tags.length > 0)]"
    then: {field: deprecated, function: defined}
""").rules
    # {{path}} is URI-encoded as Spectral prints it: {invoiceId} -> %7BinvoiceId%7D
    encoded = ONE.replace("{", "%7B").replace("}", "%7D")
    assert [v.message for v in rule[0].check(index)] == [f"#{encoded}/get"]
    assert sorted(v.message for v in rule[1].check(index)) == [
        f"#{OPS}/get", f"#{OPS}/post"]


def test_a_custom_rule_on_a_real_spec(corpora, tmp_path):
    """A finance team's rule over Xero's accounting spec: amount-like properties typed as
    JSON numbers. The expected places are worked out from the raw YAML, independently."""
    spec = corpora / "xero" / "xero_accounting-3.0.2.yaml"
    rule = _ruleset(tmp_path, """
aliases:
  Properties: "$.components.schemas[*].properties"
rules:
  amount-decimal-string:
    message: "{{path}}"
    given: "#Properties[?(@property.match(/amount$/i) && @.type === 'number')]"
    then: {field: type, function: enumeration, functionOptions: {values: [string]}}
""").rules[0]
    ws = Workspace(DirectorySource(spec.parent))
    found = {v.loc.pointer for v in rule.check(build_index(ws, spec.name))}

    data = ws.document(spec.name).data
    expected = set()
    for name, schema in data["components"]["schemas"].items():
        for prop, value in (schema.get("properties") or {}).items():
            if prop.lower().endswith("amount") and value.get("type") == "number":
                expected.add(join_pointer(["components", "schemas", name, "properties", prop,
                                           "type"]))
    assert expected
    assert found == expected


# -- built-in rulesets through configure: Spectral's names, families, formats, overrides -----

OPENAPI = FIXTURES / "openapi.yaml"
GEMINI = ("websocket-gemini-2.6.0.yml", "websocket-gemini-asyncapi.yml")  # 2.6, 3.1


def _options(tmp_path: Path, text: str) -> LintOptions:
    options = LintOptions()
    configure(options, _ruleset(tmp_path, text))
    return options


def _selected(options: LintOptions) -> list[Rule]:
    """The rules a lint runs: ``options.rules()`` with the family filter ``LintOptions``
    applies to built-in rules (``families``; ``None`` keeps every family)."""
    families = getattr(options, "families", None)  # the field engine.py is getting
    return [r for r in options.rules()
            if r.family == "custom" or families is None or r.family in families]


def _findings(options: LintOptions, ws: Workspace, rel: str) -> list[tuple[str, Severity]]:
    index = build_index(ws, rel)
    found = locate(ws, run_rules(index, _selected(options)), "", options.policy)
    return sorted({(f.rule, f.severity) for f in found})


def _file(path: Path) -> tuple[Workspace, str]:
    """A file as ``ledgerpact lint PATH`` reads it: from its own folder."""
    return Workspace(DirectorySource(path.parent)), path.name


def test_every_spectral_rule_name_maps_to_an_existing_rule_and_its_formats():
    rules = {r.id: r for r in all_rules()}
    packs = {pack for pack, _, _ in SPECTRAL_RULES.values()}
    assert packs == {"spectral:oas", "spectral:asyncapi"}
    for name, (_, target, formats) in SPECTRAL_RULES.items():
        if target is None:  # Swagger 2.0 and OpenAPI 3.2 rules: nothing linted here
            assert name.startswith(("oas2-", "oas3_2-")) and formats == frozenset(), name
            continue
        assert target in rules, f"{name} -> {target}: no such rule (ledgerpact rules)"
        assert formats and formats <= rules[target].formats, name
    # version-specific twins cover disjoint formats of one rule
    assert SPECTRAL_RULES["asyncapi-tags"][1:] == ("asyncapi-tags", frozenset({ASYNCAPI2}))
    assert SPECTRAL_RULES["asyncapi-3-tags"][1:] == ("asyncapi-tags", frozenset({ASYNCAPI3}))
    assert SPECTRAL_RULES["oas3-schema"][1:] == ("structure", OAS3)


def test_the_table_agrees_with_the_spectral_names_the_rules_document():
    """Each built-in rule's summary names the Spectral rules it stands for; the table must
    send exactly those names to it (and the OpenAPI list kept by test_lint_oas)."""
    from tests.test_lint_oas import SPECTRAL_OAS3

    for name, ours in SPECTRAL_OAS3.items():
        assert SPECTRAL_RULES[name][1] == ours, name
    documented: dict[str, str] = {}
    for rule in all_rules():
        for group in re.findall(r"\(spectral:asyncapi ([^);]+)", rule.doc.summary):
            for word in re.split(r",\s*|\s+and\s+|\s+", group):
                if word.startswith("asyncapi-"):
                    documented[word] = rule.id
    mapped = {name: target for name, (pack, target, _) in SPECTRAL_RULES.items()
              if pack == "spectral:asyncapi" and target != "structure"}
    assert documented == mapped


def test_versioned_spectral_names_change_the_rule_for_their_formats_only(tmp_path):
    options = _options(tmp_path, """
extends: [spectral:oas, spectral:asyncapi]
rules:
  oas3-schema: "off"
  asyncapi-3-tags: "off"
  asyncapi-payload-default: warn
  oas3-valid-media-example: hint
  oas2-schema: "off"
""")
    running: dict[str, list[tuple[frozenset[str], Severity]]] = {}
    for rule in _selected(options):
        running.setdefault(rule.id, []).append((rule.formats, rule.severity))
    # structure still checks AsyncAPI documents, not OpenAPI ones
    assert running["structure"] == [(ASYNCAPI, ERROR)]
    assert running["asyncapi-tags"] == [(frozenset({ASYNCAPI2}), WARN)]
    # Spectral's AsyncAPI 2 payload-default rule is half of asyncapi-schema-default
    default = next(r.severity for r in all_rules() if r.id == "asyncapi-schema-default")
    assert sorted(running["asyncapi-schema-default"], key=lambda x: sorted(x[0])) == [
        (frozenset({ASYNCAPI2}), WARN), (frozenset({ASYNCAPI3}), default)]
    # one severity on every format it has: the rule runs as it is, re-rated by the policy
    assert running["oas-valid-media-example"] == [(OAS3, ERROR)]
    assert options.policy("oas-valid-media-example", "openapi.yaml", "/paths") is HINT
    assert options.policy("oas-operation-tags", "openapi.yaml", "/paths") is ...


def test_versioned_names_on_real_asyncapi_2_and_3_documents(tmp_path, corpora):
    options = _options(tmp_path, """
extends: spectral:asyncapi
rules:
  asyncapi-3-tags: "off"
  asyncapi-operation-description: error
""")
    found = {}
    for name in GEMINI:
        found[name] = _findings(options, *_file(corpora / "asyncapi" / name))
        # spectral:asyncapi brings neither the finance pack nor OpenAPI rules
        assert not [rule for rule, _ in found[name] if not rule.startswith("asyncapi-")]
    v2, v3 = (dict(found[name]) for name in GEMINI)
    assert v2["asyncapi-tags"] is WARN and "asyncapi-tags" not in v3
    # asyncapi-operation-description is Spectral's AsyncAPI 2 rule (3 has its own)
    assert v2["asyncapi-operation-description"] is ERROR
    assert v3["asyncapi-operation-description"] is WARN


def test_an_unknown_rule_name_is_an_error_as_in_spectral(tmp_path):
    with pytest.raises(InputError) as caught:
        _ruleset(tmp_path, "extends: spectral:oas\nrules:\n  operation-tagz: error\n")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{tmp_path / '.spectral.yaml'}:3: ")
    assert "Cannot extend non-existing rule 'operation-tagz'" in message
    assert "did you mean 'operation-tags'?" in message
    # a rule of a ruleset that is not extended does not exist either
    with pytest.raises(InputError, match=r"Cannot extend non-existing rule 'asyncapi-tags' "
                                         r"\(spectral:asyncapi is not extended\)"):
        _ruleset(tmp_path, "extends: spectral:oas\nrules:\n  asyncapi-tags: 'off'\n")
    with pytest.raises(InputError, match="Cannot extend non-existing rule 'finance-pagination'"):
        _ruleset(tmp_path, "extends: spectral:oas\noverrides:\n  - files: ['*.yaml']\n"
                           "    rules: {finance-pagination: 'off'}\n")


def test_the_cli_reports_an_unknown_rule_on_one_line_and_exits_2(tmp_path):
    config = tmp_path / "ruleset.yaml"
    config.write_text("extends: spectral:oas\nrules:\n  operation-tagz: error\n")
    result = run_cli("lint", "--config", config, OPENAPI)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "Cannot extend non-existing rule 'operation-tagz'" in lines[0]
    assert result.stdout == ""


def test_a_severity_switches_a_builtin_rule_on_and_only_off_switches_it_off(tmp_path):
    off = _options(tmp_path, """
extends: [[spectral:oas, "off"]]
rules:
  operation-tags: error
  operation-description: 2
  info-license: warn
  path-params: true
  info-contact: "off"
""")
    assert {r.id for r in _selected(off)} == {
        "oas-operation-tags", "oas-operation-description", "oas-info-license",
        "oas-path-params"}
    # a recommended: false rule is switched on by a severity too, and an object that
    # holds only a severity is the same shorthand
    recommended = _options(tmp_path, """
extends: spectral:oas
rules:
  openapi-tags: {severity: hint}
  operation-singular-tag: info
  oas3-api-servers: false
""")
    strict_only = {r.id for r in all_rules() if r.family == "oas"} - \
        {r.id for r in builtin_ruleset("recommended") if r.family == "oas"}
    running = {r.id for r in _selected(recommended)}
    assert running & strict_only == {"oas-openapi-tags", "oas-operation-singular-tag"}
    assert "oas-api-servers" not in running and "oas-operation-tags" in running
    assert recommended.policy("oas-openapi-tags", "openapi.yaml", "") is HINT
    # on the fixture: the untagged operation is now an error
    ws = Workspace(DirectorySource(FIXTURES))
    assert ("oas-operation-tags", ERROR) in _findings(off, ws, "openapi.yaml")
    assert ("oas-operation-description", INFO) in _findings(off, ws, "openapi.yaml")


@pytest.mark.parametrize(("extends", "families"), [
    ("spectral:oas", {"structure", "oas"}),
    ("spectral:asyncapi", {"structure", "asyncapi"}),
    ("ledgerpact:finance", {"finance"}),
])
def test_extends_brings_only_the_named_family(tmp_path, extends, families):
    options = _options(tmp_path, f"extends: {extends}\n")
    assert options.families == families
    selected = _selected(options)
    assert {r.family for r in selected} == families
    recommended = {r.id for r in builtin_ruleset("recommended") if r.family in families}
    assert {r.id for r in selected} == recommended
    # on the OpenAPI fixture only the named family reports anything, and the default
    # ruleset (every family) reports more
    ws = Workspace(DirectorySource(FIXTURES))
    found = {rule for rule, _ in _findings(options, ws, "openapi.yaml")}
    everything = {rule for rule, _ in _findings(LintOptions(), ws, "openapi.yaml")}
    family_of = {r.id: r.family for r in all_rules()}
    assert {family_of[rule] for rule in found} <= families
    on_openapi = {r.id for r in selected if OAS31 in r.formats}  # the fixture is 3.1
    assert found == {rule for rule in everything if rule in on_openapi}
    assert found < everything


def test_spectral_asyncapi_says_nothing_about_an_openapi_document(tmp_path):
    options = _options(tmp_path, "extends: spectral:asyncapi\n")
    assert _findings(options, Workspace(DirectorySource(FIXTURES)), "openapi.yaml") == []
    (structure,) = [r for r in _selected(options) if r.id == "structure"]
    assert structure.formats == ASYNCAPI


def test_ledgerpact_packs_by_name(tmp_path):
    all_finance = _options(tmp_path, "extends: [[ledgerpact:finance, all]]\n")
    assert {r.id for r in _selected(all_finance)} == \
        {r.id for r in all_rules() if r.family == "finance"}
    for name in ("recommended", "strict"):
        options = _options(tmp_path, f"extends: ledgerpact:{name}\n")
        assert options.families is None
        assert options.ruleset == name and options.only is None
        assert {r.id for r in _selected(options)} == {r.id for r in builtin_ruleset(name)}
    # a finance rule is known once its pack is extended
    options = _options(tmp_path, "extends: [spectral:oas, ledgerpact:finance]\n"
                                 "rules:\n  finance-money-minor-units: error\n")
    assert options.families == {"structure", "oas", "finance"}
    assert "finance-money-minor-units" in {r.id for r in _selected(options)}
    # no extends: the ruleset's own rules only
    options = _options(tmp_path, BASE)
    assert options.families == frozenset()
    assert [r.id for r in _selected(options)] == ["info-title"]


def test_override_globs_are_relative_to_the_ruleset_directory(tmp_path):
    """A ruleset at X/.spectral.yaml, files linted as ``ledgerpact lint X/apis/a.yaml
    X/other/a.yaml`` does: each from its own folder, where both are just "a.yaml"."""
    root = tmp_path / "X"
    for folder in ("apis", "other"):
        (root / folder).mkdir(parents=True)
        shutil.copy(OPENAPI, root / folder / "a.yaml")
        (root / folder / "components").mkdir()
        shutil.copy(FIXTURES / "components" / "money.yaml", root / folder / "components")
    (tmp_path / "elsewhere" / "apis").mkdir(parents=True)
    shutil.copy(OPENAPI, tmp_path / "elsewhere" / "apis" / "a.yaml")
    (tmp_path / "elsewhere" / "apis" / "components").mkdir()
    shutil.copy(FIXTURES / "components" / "money.yaml",
                tmp_path / "elsewhere" / "apis" / "components")
    custom = _ruleset(root, """
extends: spectral:oas
overrides:
  - files: [apis/a.yaml]
    rules: {operation-tags: error}
  - files: ["other/*.yaml#/info"]
    rules: {info-description: "off"}
""")

    def lint_file(path: Path) -> dict[str, Severity]:
        ws, rel = _file(path)
        options = LintOptions()
        configure(options, custom, resolver(ws))
        return dict(_findings(options, ws, rel))

    apis, other = lint_file(root / "apis" / "a.yaml"), lint_file(root / "other" / "a.yaml")
    assert apis["oas-operation-tags"] is ERROR and other["oas-operation-tags"] is WARN
    assert apis["oas-info-description"] is WARN and "oas-info-description" not in other
    # a file outside the ruleset's directory matches no override
    outside = lint_file(tmp_path / "elsewhere" / "apis" / "a.yaml")
    assert outside["oas-operation-tags"] is WARN
    # a registry-style workspace rooted at X names the same files differently
    registry = Workspace(DirectorySource(root))
    options = LintOptions()
    configure(options, custom, resolver(registry))
    assert dict(_findings(options, registry, "apis/a.yaml"))["oas-operation-tags"] is ERROR
    assert "oas-info-description" not in dict(_findings(options, registry, "other/a.yaml"))


# -- schema and xor against Spectral 6.16.3 (tests/fixtures/spectral/schema-compat) ----------

SCHEMA_COMPAT = FIXTURES / "schema-compat"
NONE_MATCHED = ". None of the schemas matched, see the other errors reported for this value"

# (rule, pointer, message): every finding Spectral 6.16.3 reports on the fixture, no other
SCHEMA_COMPAT_EXPECTED = {
    # oneOf/anyOf: the branches' errors, then the combinator's, as ajv reports them
    ("any-of", "/x-one", '"x-one" property must be <= 1'),
    ("any-of", "/x-one", f'"x-one" property must match a schema in anyOf{NONE_MATCHED}'),
    ("any-of", "/x-one", '"x-one" property type must be string'),
    ("one-of", "/x-one", f'"x-one" property must match exactly one schema in oneOf{NONE_MATCHED}'),
    ("one-of", "/x-one", '"x-one" property type must be boolean'),
    ("one-of", "/x-one", '"x-one" property type must be string'),
    ("one-of-two-match", "/x-one", '"x-one" property must match exactly one schema in oneOf'),
    # without allErrors, ajv's first error (its keyword order, not the schema's)
    ("first-additional", "/x-first", 'Property "tags" is not expected to be here'),
    ("first-enum", "/x-first/currency",
     '"currency" property must be equal to one of the allowed values: "EUR", "USD"'),
    ("first-max-items", "/x-first/tags", '"tags" property must not have more than 1 items'),
    ("first-required", "/x-first", '"x-first" property must have required property "missing"'),
    # formats ajv-formats checks; the good values pass
    ("formats-bad", "/x-formats-bad/braced", '"braced" property must match format "uuid"'),
    ("formats-bad", "/x-formats-bad/hostname",
     '"hostname" property must match format "hostname"'),
    ("formats-bad", "/x-formats-bad/relative", '"relative" property must match format "uri"'),
    ("formats-bad", "/x-formats-bad/underscore",
     '"underscore" property must match format "hostname"'),
    ("formats-bad", "/x-formats-bad/uri", '"uri" property must match format "uri"'),
    ("formats-bad", "/x-formats-bad/uuid", '"uuid" property must match format "uuid"'),
    # array items
    ("items", "/x-arr/1", "Item at index 1 must be integer"),
    ("items-enum", "/x-arr/1", "Item at index 1 must be equal to one of the allowed values: 1, 2"),
    # unevaluatedProperties: false is one error on the object; a schema checks each extra
    ("uneval-false", "/x-uneval", '"x-uneval" property must not have unevaluated properties'),
    ("uneval-schema", "/x-uneval/extra", '"extra" property type must be string'),
    # xor: the defined properties in the object's order
    ("xor", "/x-both", 'Just one of "j" and "k" must be defined'),
    ("xor", "/x-none", 'At least one of "k" or "j" must be defined'),
    ("xor-many", "/x-none",
     'At least one of "a" or "b" or "c" or 2 other properties must be defined'),
}


@pytest.fixture(scope="module")
def schema_compat_findings():
    result = run_cli("lint", "--no-config", "--config", SCHEMA_COMPAT / "rules.yaml",
                     "--format", "json", SCHEMA_COMPAT / "openapi.yaml")
    assert result.returncode == 1, result.stderr  # uneval-false is an error
    return [(f["rule"], f["pointer"], f["message"])
            for f in json.loads(result.stdout)["findings"]]


def test_schema_and_xor_findings_are_spectrals(schema_compat_findings):
    assert len(schema_compat_findings) == len(set(schema_compat_findings))
    assert set(schema_compat_findings) == SCHEMA_COMPAT_EXPECTED


def test_unevaluated_properties_names_no_declared_property(schema_compat_findings):
    rules = {"uneval-false", "uneval-schema", "uneval-all-of"}
    messages = [f[2] for f in schema_compat_findings if f[0] in rules]
    assert not any("not expected" in m for m in messages)
    assert not any(f[0] == "uneval-all-of" for f in schema_compat_findings)  # allOf evaluates


@pytest.mark.parametrize(("fmt", "value", "valid"), [
    ("uri", "https://example.com", True),
    ("uri", "mailto:someone@example.com", True),
    ("uri", "http://[v1.fe80::a]/", True),
    ("uri", "http://[fe80::1%25eth0]/", False),
    ("uri", "http://[not-ip]/", False),
    ("uri", "//example.com/no-scheme", False),
    ("uri", "1http://example.com", False),
    ("uri", "http://example.com/a b", False),
    ("uri", "http://example.com/%zz", False),
    ("uuid", "urn:uuid:123e4567-e89b-12d3-a456-426614174000", True),
    ("uuid", "123e4567e89b12d3a456426614174000", False),
    ("uuid", "123e4567-e89b-12d3-a456-42661417400_", False),
    ("uuid", "+23e4567-e89b-12d3-a456-426614174000", False),
    ("hostname", "a" * 63 + ".com", True),
    ("hostname", "a" * 64 + ".com", False),
    ("hostname", ".".join(["abcdefghi"] * 25) + ".abc", True),  # 253 characters
    ("hostname", ".".join(["abcdefghi"] * 25) + ".abcd", False),
    ("hostname", "", False),
    ("hostname", "xn--bcher-kva.example", True),
    ("hostname", "bücher.example", False),
])
def test_formats_ajv_formats_checks(fmt, value, valid):
    found = run("schema", value, {"schema": {"format": fmt}})
    assert (found == []) is valid, found


def test_schema_patterns_are_javascript_regexes():
    # ajv compiles "pattern" with new RegExp(p): \w is ASCII
    found = run("schema", "café", {"schema": {"pattern": "^\\w+$"}}, key="name")
    assert [r.message for r in found] == ['"name" property must match pattern "^\\w+$"']
    assert run("schema", {"é": 1}, {"schema": {"patternProperties": {"^\\w$": {
        "type": "string"}}}}) == []
