"""JavaScript regular expressions in Spectral rulesets (``pattern``, ``.match(/re/)`` filters,
``schema`` patterns), and their time limit.

Spectral runs every regex with JavaScript's ``RegExp``: ``\\w``/``\\d``/``\\b`` are ASCII
even with the ``u`` flag, ``\\s`` is Unicode, ``$`` is the end of input; ``\\k<name>``,
``\\p{Lu}`` (with ``u``) and ``[^]`` are valid. The expected findings on
``tests/fixtures/spectral/regex/openapi.yaml`` are the ones Spectral 6.16.3 reports.

A pattern that backtracks catastrophically on a hostile document must not hang the linter:
each value it cannot evaluate in time is reported, and the whole run stays bounded.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ledgerpact.governance.lint.spectral.jsonpath import PathSyntaxError, Query
from ledgerpact.registry.jsregex import compile_js, python_pattern
from tests.cli_helpers import run as run_cli

REGEX = Path(__file__).parent / "fixtures" / "spectral" / "regex"
X_S = "/info/x-s"
PROPS = "/components/schemas/Invoice/properties"


def _lint(rules: Path, doc: Path, timeout: float = 120) -> tuple[int, list[dict], float]:
    started = time.monotonic()
    result = run_cli("lint", "--no-config", "--config", rules, "--format", "json", doc,
                     timeout=timeout)
    elapsed = time.monotonic() - started
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"], elapsed


@pytest.fixture(scope="module")
def findings() -> set[tuple[str, str, str]]:
    _, found, _ = _lint(REGEX / "rules.yaml", REGEX / "openapi.yaml")
    return {(f["rule"], f["pointer"], f["message"]) for f in found}


# (rule, pointer, message) as Spectral 6.16.3 reports them
EXPECTED = {
    ("upper-first", f"{X_S}/arabic", '"٣٤٥" must match the pattern "/^\\\\p{Lu}/u"'),
    ("upper-first", f"{X_S}/accented", '"café x" must match the pattern "/^\\\\p{Lu}/u"'),
    ("upper-first", f"{X_S}/word", '"naïve_x" must match the pattern "/^\\\\p{Lu}/u"'),
    ("upper-first", f"{X_S}/nbsp", '"a\xa0b" must match the pattern "/^\\\\p{Lu}/u"'),
    ("upper-first", f"{X_S}/nl", '"abc\\n" must match the pattern "/^\\\\p{Lu}/u"'),
    ("upper-first", f"{X_S}/backref", '"abab" must match the pattern "/^\\\\p{Lu}/u"'),
    ("upper-first", f"{X_S}/boundary", '"éx" must match the pattern "/^\\\\p{Lu}/u"'),
    ("value-space", f"{X_S}/accented", '"café x" must not match the pattern "\\\\s"'),
    ("value-space", f"{X_S}/nbsp", '"a\xa0b" must not match the pattern "\\\\s"'),
    ("value-space", f"{X_S}/nl", '"abc\\n" must not match the pattern "\\\\s"'),
    ("value-word-boundary", f"{X_S}/accented",
     '"café x" must not match the pattern "\\\\bx\\\\b"'),
    ("value-word-boundary", f"{X_S}/boundary", '"éx" must not match the pattern "\\\\bx\\\\b"'),
    ("any-char", f"{X_S}/nl", '"abc\\n" must not match the pattern "^[^]*\\\\n[^]*$"'),
    ("named-backref", f"{X_S}/backref",
     '"abab" must not match the pattern "^(?<w>ab)\\\\k<w>$"'),
    ("value-no-digits", f"{X_S}/plain", '"V2" must match the pattern "^\\\\D*$"'),
    ("key-filter-word", f"{PROPS}/montantTTC/type", '"type" property must be falsy'),
}


def test_findings_are_spectrals(findings):
    # key-ascii-word: Spectral prints its {{value}} as "Object{}" (the runner's business);
    # the places are what this test is about
    assert {f for f in findings if f[0] != "key-ascii-word"} == EXPECTED
    assert {f[1] for f in findings if f[0] == "key-ascii-word"} == \
        {f"{PROPS}/montantÉchu", f"{PROPS}/référence"}


def test_word_and_digit_classes_are_ascii(findings):
    """\\w on "montantÉchu" and \\D on "٣٤٥" (Arabic-Indic digits): JavaScript's classes are
    ASCII, so the first fails ^\\w+$ and the second passes ^\\D*$."""
    rules_at = {(f[0], f[1]) for f in findings}
    assert ("key-ascii-word", f"{PROPS}/montantÉchu") in rules_at
    assert ("key-filter-word", f"{PROPS}/montantÉchu/type") not in rules_at
    assert ("value-no-digits", f"{X_S}/arabic") not in rules_at


def test_dollar_is_the_end_of_input(findings):
    assert not any(f[0] == "value-dollar" for f in findings)  # "abc\n" does not end in c


@pytest.mark.parametrize(("source", "flags", "text", "found"), [
    (r"^\w+$", "", "café", False),
    (r"^\w+$", "u", "café", False),
    (r"^\w+$", "i", "CAFE_1", True),
    (r"\bx", "", "éx", True),
    (r"\Bx", "", "éx", False),
    (r"^\d+$", "", "٣٤٥", False),
    (r"[\d]", "", "٣", False),
    (r"[^\W]", "", "é", False),
    (r"^\s$", "", "\u2003", True),
    (r"^\s$", "", "\x1c", False),  # Python's \s, not JavaScript's
    (r"^[\S]$", "", "\x1c", True),
    (r"^.$", "", "\r", False),
    (r"^.$", "s", "\r", True),
    (r"c$", "", "abc\n", False),
    (r"c$", "m", "abc\u2028d", True),
    (r"^d", "m", "abc\rd", True),
    (r"^(?<w>ab)\k<w>$", "", "abab", True),
    (r"^\p{Lu}", "u", "Éclair", True),
    (r"^\p{Lu}", "u", "éclair", False),
    (r"^[^]+$", "", "a\nb", True),
    (r"[]", "", "anything", False),
    (r"\Z", "", "Z", True),  # an identity escape: the letter
    (r"\cJ", "", "\n", True),
    (r"\u{1F4B0}", "u", "💰", True),
    (r"^[[:a]+$", "", "[:a", True),  # no POSIX classes in JavaScript
    (r"(?<=a+)b", "", "aaab", True),  # variable-length lookbehind
    (r"/", "", "a/b", True),
])
def test_javascript_semantics(source, flags, text, found):
    assert compile_js(source, flags).search(text) is found


@pytest.mark.parametrize(("source", "flags"), [
    (r"\q", "u"),  # no identity escapes for letters with u
    (r"a", "x"),  # not a JavaScript flag
    (r"[a", ""),
    (r"(a", ""),
])
def test_invalid_javascript_regexes_are_refused(source, flags):
    with pytest.raises(ValueError):
        compile_js(source, flags)


def test_filters_use_the_same_translation():
    assert "[A-Za-z0-9_]" in python_pattern(r"\w", "")
    with pytest.raises(PathSyntaxError, match="invalid regular expression"):
        Query("$.a[?(@property.match(/a{2,1}/))]")


def test_bad_regex_messages_name_javascript_not_python(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text('rules:\n  r:\n    given: "$.info.title"\n'
                     '    then: {function: pattern, functionOptions: {match: "/a[/u"}}\n')
    result = run_cli("lint", "--no-config", "--config", rules, REGEX / "openapi.yaml")
    assert result.returncode == 2
    assert "not a valid regular expression" in result.stderr
    assert "\\Z" not in result.stderr


def test_a_hostile_document_is_bounded_and_reported():
    """30 values on which ^(a|a)*$ backtracks for hours: the run ends in seconds (each
    pattern has a time budget), every hostile value is reported as not evaluated, and the
    ordinary values are still checked."""
    code, found, elapsed = _lint(REGEX / "redos-rules.yaml", REGEX / "redos.yaml", timeout=60)
    assert elapsed < 30
    assert code == 1  # kebabish is an error: the run fails visibly
    by_rule: dict[str, list[dict]] = {}
    for f in found:
        by_rule.setdefault(f["rule"], []).append(f)
    for rule in ("kebabish", "kebabish-schema"):
        timed_out = [f for f in by_rule[rule] if "could not be evaluated within" in
                     f["message"] and "catastrophic backtracking" in f["message"]]
        assert {f["pointer"] for f in timed_out} == {f"/x-v/{i}" for i in range(30)}
        plain = [f for f in by_rule[rule] if f not in timed_out]
        assert [f["pointer"] for f in plain] == ["/x-v/31"]  # "b"; "aaaa" matches
    first = next(f for f in by_rule["kebabish"] if f["pointer"] == "/x-v/0")
    assert 'the pattern "^(a|a)*$" could not be evaluated within 1 s' in first["message"]


def test_a_hostile_filter_stops_its_rule_and_says_why():
    _, found, elapsed = _lint(REGEX / "redos-filter-rules.yaml", REGEX / "redos.yaml",
                              timeout=60)
    assert elapsed < 30
    assert len(found) == 1
    message = found[0]["message"]
    assert 'pattern "/^(a|a)*$/" could not be evaluated within 1 s' in message
    assert message.startswith("rule ") and "internal error" not in message, message


# -- review findings: schema patterns, budget scope, Annex B translation ---------------------

def test_schema_patterns_for_unevaluated_and_additional_properties_are_bounded():
    """``unevaluatedProperties``/``additionalProperties`` look at ``patternProperties`` too;
    jsonschema's own helpers run Python's ``re`` there with no time limit (a hostile key
    hung the linter). Ours: JavaScript semantics (``\\w`` is ASCII, so "référence" is
    neither matched nor evaluated, as Spectral 6.16.3 reports) and the time limit."""
    _, found, elapsed = _lint(REGEX / "unevaluated-rules.yaml", REGEX / "unevaluated.yaml",
                              timeout=60)
    assert elapsed < 30
    got = {(f["rule"], f["pointer"], f["message"]) for f in found}
    timed_out = ('"x-obj" property could not be checked: pattern "^(a|a)*$" could not be '
                 "evaluated within 1 s (catastrophic backtracking)")
    assert got == {
        ("ue-redos", "/x-obj", timed_out),
        ("ap-redos", "/x-obj", timed_out),
        ("ap-js", "/x-js", 'Property "référence" is not expected to be here'),
        ("ue-js", "/x-js", '"x-js" property must not have unevaluated properties'),
    }


def test_the_time_budget_is_per_contract():
    """redos.yaml spends the shared pattern's whole budget; the hostile value of
    redos-b.yaml still gets the full limit (as when it is linted alone): a contract's
    findings never depend on the contracts linted before it."""
    result = run_cli("lint", "--no-config", "--config", REGEX / "redos-rules.yaml",
                     "--format", "json", REGEX / "redos.yaml", REGEX / "redos-b.yaml",
                     timeout=120)
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)["findings"]
    second = {(f["rule"], f["message"]) for f in found
              if f["file"].endswith("redos-b.yaml") and f["pointer"] == "/x-v/0"}
    assert {rule for rule, _ in second} == {"kebabish", "kebabish-schema"}, found
    for _, message in second:  # not "within 0.005 s", as before the fix
        assert 'pattern "^(a|a)*$" could not be evaluated within 1 s' in message, message


def test_a_new_budget_scope_restores_the_full_limit(monkeypatch):
    from ledgerpact.registry import jsregex

    monkeypatch.setattr(jsregex, "CALL_TIMEOUT", 0.02)
    monkeypatch.setattr(jsregex, "PATTERN_BUDGET", 0.05)
    jsregex.new_budget_scope()
    compiled = compile_js("^(a|a)*$", "")
    limits = []
    for n in range(40, 45):  # distinct hostile values: each one times out
        with pytest.raises(jsregex.RegexTimeout) as caught:
            compiled.search("a" * n + "!")
        limits.append(caught.value.seconds)
    assert limits[0] == 0.02 and limits[-1] == jsregex.SPENT_TIMEOUT
    jsregex.new_budget_scope()  # the next rule run, or the next contract
    with pytest.raises(jsregex.RegexTimeout) as caught:
        compiled.search("a" * 40 + "!")
    assert caught.value.seconds == 0.02


@pytest.mark.parametrize(("source", "flags", "text", "found"), [
    # a backreference to a group that did not participate matches the empty string
    (r'^(")?[a-z]+\1$', "", "abc", True),
    (r'^(")?[a-z]+\1$', "", '"abc"', True),
    (r'^(")?[a-z]+\1$', "", '"abc', False),
    (r"^\1(a)$", "", "a", True),  # a forward reference
    (r"^(a)|\1b$", "", "b", True),
    (r"^(?<q>x)?\k<q>y$", "", "y", True),
    (r"^(?<q>x)?\k<q>y$", "", "xxy", True),
    # without u, a { or } that makes no quantifier is literal text
    (r"^a{,2}$", "", "a{,2}", True),
    (r"^a{,2}$", "", "a", False),
    (r"^a{$", "", "a{", True),
    (r"^a{2$", "", "a{2", True),
    (r"^a{a}$", "", "a{a}", True),
    (r"^a}$", "", "a}", True),
    (r"^a{2,}$", "", "aaa", True),
    (r"^a{1,2}?$", "", "a", True),
    # without u, \N with no group N is a legacy octal escape; \8 and \9 are the digits
    (r"^\8\9$", "", "89", True),
    (r"^\1$", "", "\x01", True),
    (r"^\12$", "", "\n", True),
    (r"^(a)\18$", "", "a\x018", True),
    (r"^\01$", "", "\x01", True),
    (r"^[\1]$", "", "\x01", True),
    # without u, i never makes a non-ASCII character equal to an ASCII one
    (r"\w", "i", "\u017f", False),
    (r"\w", "i", "\u212a", False),
    (r"\W", "i", "s", False),
    (r"\W", "i", "\u212a", True),
    (r"\bx", "i", "\u017fx", True),
    (r"^\w+$", "i", "Ab_9", True),
    (r"\w", "iu", "\u017f", True),  # with u, JavaScript folds cases (simple case folding)
])
def test_javascript_annex_b_semantics(source, flags, text, found):
    """Each expectation is what node's RegExp answers (``new RegExp(source, flags)``)."""
    assert compile_js(source, flags).search(text) is found


@pytest.mark.parametrize(("source", "flags"), [
    (r"a{,2}", "u"),  # incomplete quantifier
    (r"a{", "u"),
    (r"a}", "u"),  # lone quantifier brackets
    (r"\8", "u"),  # invalid escape
    (r"\1", "u"),
    (r"\01", "u"),  # invalid decimal escape
    (r"{2}", ""),  # nothing to repeat
    (r"(?<a>x)\k<b>", ""),  # invalid named capture referenced
])
def test_annex_b_errors_are_javascripts(source, flags):
    with pytest.raises(ValueError):
        compile_js(source, flags)


def test_schema_patterns_javascript_accepts_are_not_refused_at_load(tmp_path):
    """Spectral 6.16.3 loads a ``schema`` whose patterns Python's ``re`` cannot read and
    evaluates them as JavaScript: ``[^]`` (any character), named groups and references,
    ``\\p`` (without u: the letter p); with ``allErrors`` both findings, as Spectral's."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  js:\n    given: \"$.x-obj\"\n    severity: warn\n    then:\n"
        "      function: schema\n      functionOptions:\n        allErrors: true\n"
        "        schema:\n"
        "          type: object\n          properties:\n"
        "            x-a: {type: string, pattern: \"^[^]*!$\"}\n"
        "            x-b: {type: string, pattern: \"^(?<w>ab)\\\\k<w>$\"}\n"
        "          patternProperties:\n"
        "            \"^\\\\p{Lu}\": {type: integer}\n")
    doc = tmp_path / "doc.yaml"
    doc.write_text('openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n'
                   'x-obj: {x-a: "s", x-b: "abab", "p{Lu}": "s", "Upper": "s"}\n')
    _, found, _ = _lint(rules, doc)
    assert {(f["pointer"], f["message"]) for f in found} == {
        ("/x-obj/x-a", '"x-a" property must match pattern "^[^]*!$"'),
        ("/x-obj/p{Lu}", '"p{Lu}" property type must be integer'),
    }


def test_a_key_whose_pattern_timed_out_is_not_called_unexpected():
    """``"aaa...a!"`` matches ``^(a|a)*$|!`` in JavaScript (its ``!``), but the first branch
    backtracks past the time limit: the timeout is reported, and the key is not also named
    as an unexpected property (nothing false is said about it); ``zzz`` still is."""
    _, found, elapsed = _lint(REGEX / "timeout-extras-rules.yaml", REGEX / "timeout-extras.yaml",
                              timeout=60)
    assert elapsed < 30
    messages = sorted(f["message"] for f in found if f["rule"] == "ap-redos")
    assert len(messages) == 2, messages
    assert "could not be evaluated within 1 s" in messages[0]
    assert messages[1] == 'Property "zzz" is not expected to be here'


@pytest.mark.parametrize(("source", "flags", "text", "found"), [
    # a backreference inside the group it names is always empty in JavaScript
    (r"^(a\1)+$", "", "aaa", True),
    (r"^(a\1)+$", "", "aab", False),
    (r"^(?<n>a\k<n>)+$", "", "aa", True),
    (r"^((a)\1)+$", "", "aa", True),  # \1 is inside group 1 (group 2 closed already)
    (r"^(a)(b\1)$", "", "aba", True),  # group 1 closed: a real backreference
    # a maximum beyond what `regex` can count is unbounded (no text is that long)
    (r"^a{0,99999999999}$", "", "aaaa", True),
    (r"^a{2,99999999999}$", "", "a", False),
    (r"^(?:ab){1000}$", "", "ab" * 1000, True),
])
def test_javascript_references_and_counts(source, flags, text, found):
    """Each expectation is what node's RegExp answers."""
    assert compile_js(source, flags).search(text) is found


@pytest.mark.parametrize("source", [
    r"^x{20000000}$",  # twenty characters that took gigabytes (MemoryError, OOM kill)
    r"^x{99999999999}$",
    r"^(?:x{1000}){1000}$",  # nested minimums multiply
    r"^(?:(?:ab){400}){400}$",
])
def test_repetitions_too_large_to_expand_are_refused(source):
    started = time.monotonic()
    with pytest.raises(ValueError, match="more than the 100000 Ledgerpact allows"):
        compile_js(source, "")
    assert time.monotonic() - started < 1  # refused before anything is compiled


def test_a_ruleset_with_a_huge_repetition_is_an_input_error(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text('rules:\n  r:\n    given: "$.info.title"\n'
                     '    then: {function: pattern, functionOptions: {match: "^x{20000000}$"}}\n')
    result = run_cli("lint", "--no-config", "--config", rules, REGEX / "openapi.yaml",
                     timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert "rules.yaml:4" in result.stderr and "more than the 100000" in result.stderr


@pytest.mark.parametrize(("source", "flags", "text", "found"), [
    # without u, JavaScript reads UTF-16 code units: an emoji is two characters
    (r"^.$", "", "😀", False),
    (r"^..$", "", "😀", True),
    (r"^\uD83D\uDE00$", "", "😀", True),
    (r"^[^\uD800-\uDFFF]*$", "", "a😀", False),  # the usual "no emoji" check
    (r"^.$", "u", "😀", True),
    # a quantifier after a self-reference repeats nothing, not what came before
    (r"^(a\1{2})$", "", "a", True),
    (r"^(a\1{2})$", "", "aa", False),
    (r"^(a\1*)b$", "", "b", False),
    (r"^(?<n>a\k<n>?)b$", "", "b", False),
    (r"^(\1+a)$", "", "a", True),
    # \c without a control letter is a backslash and a c (Annex B); in a class, digits too
    (r"\c", "", "\\c", True),
    (r"\c", "", "c", False),
    (r"[\c1]", "", "\x11", True),
    (r"(?=a)*b", "", "b", True),  # a quantified lookahead, Annex B
])
def test_javascript_code_units_and_self_references(source, flags, text, found):
    """Each expectation is what node's RegExp answers."""
    assert compile_js(source, flags).search(text) is found


@pytest.mark.parametrize(("source", "flags"), [
    (r"(?i)^abc$", ""),  # Python's inline flags, comments, atomic groups: not JavaScript
    (r"(?P<n>a)", ""),
    (r"(?#c)a", ""),
    (r"a(?>b)", ""),
    (r"(?|a)", ""),
    (r"a*+", ""),  # possessive: "Nothing to repeat"
    (r"a{2}{3}", ""),
    (r"(?<n>a)(?<n>b)", ""),  # duplicate group name
    (r"\b+", ""),  # quantified assertions
    (r"$+", ""),
    (r"^*", ""),
    (r"(?<=a)?", ""),
    (r"(?=a)+", "u"),  # a quantified lookahead is Annex B only
    (r"[\c]", "u"),
])
def test_what_javascript_refuses_is_refused(source, flags):
    with pytest.raises(ValueError):
        compile_js(source, flags)


@pytest.mark.parametrize("source", [r"(?:\b){99999}", r"\S{99999}", r"(?:\B){50000}"])
def test_repetitions_are_weighed_by_what_their_items_cost(source):
    """\\b is four lookarounds and \\S a long set once translated: 99,999 copies of them
    took 540 MB and 160 MB where as many letters take 25 MB."""
    with pytest.raises(ValueError, match="more than the 100000"):
        compile_js(source, "")


def test_ordinary_repetitions_of_classes_still_compile():
    for source in (r"^\S{1000}$", r"^[0-9]{1,1000}$", r"^.{0,65535}$", r"(?:\b\w+\b\s?){1,50}"):
        compile_js(source, "")
