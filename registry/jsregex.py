"""JavaScript regular expressions, as Spectral runs them, evaluated in Python with a time limit.

Spectral builds every ``pattern`` option and every ``.match(/re/)`` filter with JavaScript's
``RegExp``, and JSON Schema's ``pattern`` is an ECMA-262 regular expression too (what ajv,
and so Spectral's example checks, evaluate; see ``schema_patterns``). The registry layer
holds this module because a contract's own patterns are evaluated by registry validation as
well as by lint. Python's own dialect differs in ways that change results silently, so a body is
*translated*, token by token, into a pattern for the ``regex`` package:

- ``\\w``, ``\\d``, ``\\b`` (and ``\\W``, ``\\D``, ``\\B``) are ASCII in JavaScript, with or
  without the ``u`` flag; Python's are Unicode. ``\\s`` is Unicode in both, but not the same
  set, so it is spelled out.
- ``.`` does not match ``\\r``, ``\\u2028``, ``\\u2029`` in JavaScript (Python: only ``\\n``
  is excluded); ``$`` is the end of input (Python's also matches before a final newline);
  with ``m``, ``^``/``$`` work at all four JavaScript line terminators.
- ``(?<name>...)`` / ``\\k<name>``, ``[^]`` (any character), ``[]`` (nothing), ``\\cX``,
  ``\\u{...}`` and ``\\p{...}`` (with ``u``) have no Python spelling or a different one;
  an escaped letter JavaScript does not know is the letter itself (``\\Z`` is ``Z``).
- A backreference to a group that has not participated (``/^(")?[a-z]+\\1$/``, or a
  forward reference) matches the empty string in JavaScript and fails in Python, so it
  becomes a conditional ``(?(1)\\1|)``.
- Without ``u`` (Annex B), ``\\N`` with no group ``N`` is a legacy octal escape (``\\8`` and
  ``\\9`` are the digits), and a ``{`` or ``}`` that does not make a quantifier (``{,2}``,
  ``{a}``) is literal text; with ``u`` these are syntax errors, as in JavaScript.
- Without ``u``, ``i`` never lets a non-ASCII character match an ASCII one (JavaScript
  compares upper cases and refuses that mapping), while Python's case folding makes
  ``\\w`` match ``\u017f`` and ``\u212a``; the class escapes are therefore case-sensitive
  there (they are closed under JavaScript's case mapping). Inside ``[...]`` and for
  literal letters the difference remains (only those few characters are affected).
- A backreference inside the group it refers to (``/^(a\\1)+$/``) always matches the empty
  string in JavaScript (the group has not finished, and a repeated group's captures are
  reset each time round); Python would match the previous repetition's text, so it is
  dropped.
- A repetition maximum beyond what ``regex`` can count (``{0,99999999999}``) is unbounded:
  no text is that long.
- Without ``u``, JavaScript reads UTF-16 code units: ``/^.$/`` does not match an emoji and
  ``/\\uD83D/`` matches its first half, so such text is matched as its surrogates.
- What JavaScript refuses is refused, though ``regex`` would accept it with a Python meaning:
  ``(?i)``, ``(?P<n>``, ``(?#``, ``(?>``, possessive ``a*+``, a quantified ``^``, ``$``,
  ``\\b`` or lookbehind, a duplicate group name.

``regex`` compiles a repetition's minimum as that many copies of its item, so
``/x{20000000}/`` (twenty characters of ruleset) would take gigabytes before anything is
matched. The copies a pattern needs (nested minimums multiplied, each item weighed by what
its translation costs: a class escape is a long set, ``\\b`` four lookarounds) are counted
while it is translated, and a pattern needing more than ``MAX_COPIES`` is refused with a
message saying so, where JavaScript would accept it.

The ``regex`` package (rather than ``re``) is used because it evaluates with a ``timeout``:
a pattern such as ``^([a-z0-9]+-?)+$`` backtracks exponentially on ``"aaa…a!"``, and a
hostile document must never hang the linter. Each compiled pattern has a time budget; once
spent, further evaluations get only a short slice, so thousands of hostile values still end
in bounded time (each reported as not evaluated). The budget belongs to a *scope* (one rule
run on one contract, see ``new_budget_scope``): patterns are compiled once and shared, but
a hostile value in one contract must not change what is reported for another.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field

import regex

from ledgerpact.registry.errors import EvaluationStopped

#: Seconds one evaluation may take before it is abandoned.
CALL_TIMEOUT = 1.0
#: Seconds of abandoned evaluations a pattern may accumulate; afterwards each evaluation
#: gets only ``SPENT_TIMEOUT`` (enough for ordinary values, bounded for hostile ones).
PATTERN_BUDGET = 3.0
SPENT_TIMEOUT = 0.005
#: Items a pattern may need once its repetition minimums are expanded (about 25 MB and
#: 40 ms to compile at the limit; ordinary patterns need a few dozen).
MAX_COPIES = 100_000
#: The largest repetition count ``regex`` accepts; a larger maximum is unbounded instead.
_MAX_COUNT = 2**32 - 2

_FLAGS = set("dgimsuvy")
_WORD = "A-Za-z0-9_"
_NOT_WORD = r"\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\U0010ffff"
_DIGIT = "0-9"
_NOT_DIGIT = r"\x00-\x2f\x3a-\U0010ffff"
# ECMAScript WhiteSpace and LineTerminator (what \s matches), and the complement.
_SPACE = r"\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_NOT_SPACE = (r"\x00-\x08\x0e-\x1f\x21-\x9f\xa1-\u167f\u1681-\u1fff\u200b-\u2027"
              r"\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ufefe\uff00-\U0010ffff")
_CLASS_ESCAPES = {"w": _WORD, "W": _NOT_WORD, "d": _DIGIT, "D": _NOT_DIGIT, "s": _SPACE,
                  "S": _NOT_SPACE}
_TERMINATORS = r"\n\r\u2028\u2029"
_BOUNDARY = rf"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))"
_NOT_BOUNDARY = rf"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))"
_CONTROL = {"f": r"\x0c", "n": r"\n", "r": r"\r", "t": r"\t", "v": r"\x0b"}
_HEX = set("0123456789abcdefABCDEF")
_QUANTIFIER = regex.compile(r"\{([0-9]+)(?:(,)([0-9]*))?\}")

_GROUP_PREFIXES = ("(?:", "(?=", "(?!", "(?<=", "(?<!")  # groups that capture nothing
_GROUP_NAME = regex.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# What one copy of an escape costs once compiled, relative to a letter (measured with
# `regex`: a class escape is a long set, the others one item).
_ESCAPE_WEIGHT = {e: 8 for e in "wWdDsS"}
_BOUNDARY_WEIGHT = 25  # \b, \B: four lookarounds over the word class
_LINE_WEIGHT = 4  # ^ and $ with m: a lookaround over the line terminators

_scopes = itertools.count(1)
_current_scope = [next(_scopes)]


def new_budget_scope() -> None:
    """Start a new time-budget scope: every pattern's spent time counts from zero again.

    Called when a rule starts on a contract, so that the results for one contract never
    depend on which contracts were linted before it (a shared, compiled pattern would
    otherwise carry an exhausted budget over and give ordinary values only
    ``SPENT_TIMEOUT``)."""
    _current_scope[0] = next(_scopes)


class RegexTimeout(EvaluationStopped):
    """A pattern could not be evaluated on a value within its time limit."""

    def __init__(self, source: str, seconds: float) -> None:
        super().__init__(f"pattern {json.dumps(source, ensure_ascii=False)} could not be "
                         f"evaluated within {seconds:g} s (catastrophic backtracking)")
        self.source = source
        self.seconds = seconds


@dataclass
class JsRegex:
    """A compiled JavaScript regular expression with its own time budget.

    ``source`` is what the ruleset wrote (for messages). ``search`` raises ``RegexTimeout``
    instead of running for ever."""

    source: str
    compiled: regex.Pattern[str]
    # without the u flag JavaScript reads UTF-16 code units: an emoji is two "characters"
    # (`/^.$/` does not match it, `/\uD83D/` does), so such text is matched as its surrogates
    utf16: bool = False
    spent: float = field(default=0.0, compare=False)
    scope: int = field(default=0, compare=False)
    # texts that already timed out in this scope, and the limit they had: a schema may ask
    # about the same key several times (patternProperties, additionalProperties,
    # unevaluatedProperties); the answer is the same, and the budget is not spent again
    timed_out: dict[str, float] = field(default_factory=dict, compare=False)

    def search(self, text: str) -> bool:
        if self.scope != _current_scope[0]:  # a new rule run: a fresh budget
            self.scope = _current_scope[0]
            self.spent = 0.0
            self.timed_out.clear()
        if self.utf16 and not text.isascii():
            text = code_units(text)
        if text in self.timed_out:
            raise RegexTimeout(self.source, self.timed_out[text])
        limit = CALL_TIMEOUT if self.spent < PATTERN_BUDGET else SPENT_TIMEOUT
        started = time.monotonic()
        try:
            return self.compiled.search(text, timeout=limit) is not None
        except TimeoutError:
            self.spent += time.monotonic() - started
            self.timed_out[text] = limit
            raise RegexTimeout(self.source, limit) from None


def compile_js(body: str, flags: str, source: str | None = None) -> JsRegex:
    """Compile a JavaScript body and flags. Raises ``ValueError`` (with a message naming the
    problem) when JavaScript would not accept it or Python cannot run it."""
    return compile_python(python_pattern(body, flags),
                          source if source is not None else f"/{body}/{flags}",
                          utf16="u" not in flags and "v" not in flags)


def compile_python(pattern: str, source: str, *, utf16: bool = False) -> JsRegex:
    """An already translated pattern (for instance from ``python_pattern``, possibly with an
    inline ``(?i)``), compiled with the same time limit. ``utf16``: the JavaScript source had
    no ``u`` flag (see ``JsRegex.utf16``)."""
    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        raise ValueError(str(exc)) from None
    return JsRegex(source, compiled, utf16)


def code_units(text: str) -> str:
    """``text`` with every character beyond U+FFFF as its two UTF-16 surrogates."""
    if not text or max(text) <= "\uffff":  # (max: one pass in C, no Python loop)
        return text
    units = []
    for char in text:
        point = ord(char)
        if point > 0xFFFF:
            point -= 0x10000
            units.append(chr(0xD800 + (point >> 10)) + chr(0xDC00 + (point & 0x3FF)))
        else:
            units.append(char)
    return "".join(units)


def python_pattern(body: str, flags: str) -> str:
    """The ``regex``-package pattern for a JavaScript body and flags. ``i`` becomes an inline
    ``(?i)`` (so the string alone carries it, e.g. into a JSONPath filter); ``s``, ``m`` and
    ``u`` are applied by the translation itself; ``g``, ``y``, ``d`` do not change whether a
    value matches."""
    for flag in flags:
        if flag not in _FLAGS:
            raise ValueError(f"invalid regular expression flags {flags!r}")
    if len(set(flags)) != len(flags):
        raise ValueError(f"invalid regular expression flags {flags!r}")
    translated = _Translator(body, flags).run()
    return f"(?i){translated}" if "i" in flags else translated


class _Translator:
    """One pass over a JavaScript pattern body, emitting the equivalent ``regex`` syntax."""

    def __init__(self, body: str, flags: str) -> None:
        self.body = body
        self.unicode = "u" in flags or "v" in flags
        self.dotall = "s" in flags
        self.multiline = "m" in flags
        # without u, `i` must not fold non-ASCII characters onto the ASCII class escapes
        self.ascii_fold = "i" in flags and not self.unicode
        self.groups, self.names = _capture_groups(body)
        self.out: list[str] = []
        self.pos = 0
        # One frame per open group, the root first: the copies each item of the group needs
        # (see MAX_COPIES), and the group's capture number and name (None: not capturing).
        self.frames: list[list[int]] = [[]]
        self.open: list[tuple[int | None, str | None, str]] = [(None, None, "")]
        self.captures = 0  # capturing groups opened so far
        self.seen_names: set[str] = set()
        # What came last, for JavaScript's rule on what a quantifier may follow: "atom",
        # "quantifier", "lazy" (a quantifier's ?), "assertion" (^ $ \b \B lookbehind),
        # "lookahead" (quantifiable without u, Annex B) or "none" (start, after ( or |).
        self.last = "none"

    def run(self) -> str:
        body = self.body
        while self.pos < len(body):
            char = body[self.pos]
            if char == "\\":
                escaped = body[self.pos + 1:self.pos + 2]
                self.out.append(self._escape(in_class=False))
                if escaped in ("b", "B"):
                    self._assertion(_BOUNDARY_WEIGHT)
                else:
                    self._atom(_ESCAPE_WEIGHT.get(escaped, 1))
            elif char == "[":
                self._char_class()
                self._atom(1)
            elif char == "(":
                self._group()
            elif char == ")":
                self._close_group()
            elif char == ".":
                self.out.append(r"[\s\S]" if self.dotall else f"[^{_TERMINATORS}]")
                self.pos += 1
                self._atom(1)
            elif char == "$":
                self.out.append(rf"(?=[{_TERMINATORS}]|\Z)" if self.multiline else r"\Z")
                self.pos += 1
                self._assertion(_LINE_WEIGHT if self.multiline else 1)
            elif char == "^":
                self.out.append(rf"(?:\A|(?<=[{_TERMINATORS}]))" if self.multiline else "^")
                self.pos += 1
                self._assertion(_LINE_WEIGHT if self.multiline else 1)
            elif char in "{}":
                self._brace()
            elif char in "*+?":
                self._quantifier(char, 1)
                self.out.append(char)
                self.pos += 1
            else:
                self.out.append(char)
                self.pos += 1
                if char == "|":
                    self.last = "none"
                else:
                    self._atom(1)
        self._check_copies(sum(sum(frame) for frame in self.frames))
        return "".join(self.out)

    def _atom(self, weight: int) -> None:
        self.frames[-1].append(weight)
        self.last = "atom"

    def _assertion(self, weight: int) -> None:
        """An assertion: not quantifiable, but a repeated group holding it copies it too."""
        self.frames[-1].append(weight)
        self.last = "assertion"

    def _quantifier(self, char: str, low: int) -> None:
        """Check that a quantifier may stand here, as JavaScript does ("Nothing to repeat"),
        and multiply the copies its item needs. ``char`` is its first character."""
        if char == "?" and self.last == "quantifier":
            self.last = "lazy"  # `*?`, `{2}?`: the lazy form
            return
        if (self.last == "lookahead" and self.unicode) or self.last not in ("atom",
                                                                            "lookahead"):
            raise ValueError("nothing to repeat")
        self.last = "quantifier"
        frame = self.frames[-1]
        if frame:  # a quantified lookahead adds no item of its own
            frame[-1] *= max(low, 1)
            self._check_copies(frame[-1])

    def _check_copies(self, copies: int) -> None:
        if copies > MAX_COPIES:
            raise ValueError(f"its repetitions expand to {copies} copies of their items, "
                             f"more than the {MAX_COPIES} Ledgerpact allows (JavaScript "
                             "accepts it; the regular expression engine here would need "
                             "gigabytes of memory): use smaller repetition counts")

    def _brace(self) -> None:
        """A ``{`` that starts ``{n}``, ``{n,}`` or ``{n,m}`` is a quantifier; any other
        ``{`` or ``}`` is literal text without ``u`` (Annex B) and an error with it."""
        quantifier = _QUANTIFIER.match(self.body, self.pos)
        if quantifier is not None:
            low, comma, high = quantifier.groups()
            self._quantifier("{", int(low))
            self.pos = quantifier.end()
            if comma and high and int(high) > _MAX_COUNT:
                self.out.append(f"{{{low},}}")
            else:
                self.out.append(quantifier.group())
            return
        if self.unicode:
            raise ValueError("incomplete quantifier" if self.body[self.pos] == "{"
                             else "lone quantifier brackets")
        self.out.append("\\" + self.body[self.pos])
        self.pos += 1
        self._atom(1)

    def _group(self) -> None:
        body, pos = self.body, self.pos
        capture: int | None = None
        name: str | None = None
        kind = "group"
        end = body.find(">", pos)
        if body.startswith("(?<", pos) and not body.startswith(("(?<=", "(?<!"), pos):
            name = body[pos + 3:end] if end > 0 else ""
            if not _GROUP_NAME.fullmatch(name):
                raise ValueError("invalid capture group name")
            if name in self.seen_names:
                raise ValueError(f"duplicate capture group name {name!r}")
            self.seen_names.add(name)
            self.captures += 1
            capture = self.captures
            self.out.append(f"(?P<{name}>")
            self.pos = end + 1
        elif body.startswith(_GROUP_PREFIXES, pos):
            prefix = next(p for p in _GROUP_PREFIXES if body.startswith(p, pos))
            kind = {"(?=": "lookahead", "(?!": "lookahead", "(?<=": "lookbehind",
                    "(?<!": "lookbehind"}.get(prefix, "group")
            self.out.append(prefix)
            self.pos += len(prefix)
        elif body.startswith("(?", pos):  # (?i) (?P<n> (?# (?> ...: Python's, not JavaScript's
            raise ValueError("invalid group")
        else:
            self.captures += 1
            capture = self.captures
            self.out.append("(")
            self.pos += 1
        self.frames.append([])
        self.open.append((capture, name, kind))
        self.last = "none"

    def _close_group(self) -> None:
        self.out.append(")")
        self.pos += 1
        if len(self.frames) > 1:  # else an unmatched ")": `regex` refuses it
            inner = self.frames.pop()
            kind = self.open.pop()[2]
            self.frames[-1].append(max(sum(inner), 1))
            self.last = {"lookahead": "lookahead", "lookbehind": "assertion"}.get(kind, "atom")

    def _inside(self, capture: int | None = None, name: str | None = None) -> bool:
        """Whether the given group is open here (a backreference to it is inside it)."""
        return any((capture is not None and capture == number)
                   or (name is not None and name == own) for number, own, _ in self.open)

    def _char_class(self) -> None:
        body = self.body
        start = self.pos
        self.pos += 1
        negated = body.startswith("^", self.pos)
        if negated:
            self.pos += 1
        if body.startswith("]", self.pos):  # [] matches nothing, [^] anything
            self.pos += 1
            self.out.append(r"[\s\S]" if negated else "(?!)")
            return
        parts: list[str] = []
        while self.pos < len(body) and body[self.pos] != "]":
            char = body[self.pos]
            if char == "\\":
                parts.append(self._escape(in_class=True))
            elif char in "[&~|":
                parts.append("\\" + char)  # literal in JavaScript; set syntax in `regex`
                self.pos += 1
            else:
                parts.append(char)
                self.pos += 1
        if self.pos >= len(body):
            raise ValueError(f"unterminated character class at position {start + 1}")
        self.pos += 1
        self.out.append(("[^" if negated else "[") + "".join(parts) + "]")

    def _escape(self, *, in_class: bool) -> str:
        """The escape at ``self.pos`` (a backslash), advancing past it."""
        body = self.body
        if self.pos + 1 >= len(body):
            raise ValueError("\\ at end of pattern")
        char = body[self.pos + 1]
        self.pos += 2
        if char in _CLASS_ESCAPES:
            inner = _CLASS_ESCAPES[char]
            return inner if in_class else self._case_exact(f"[{inner}]")
        if char == "b":
            return r"\x08" if in_class else self._case_exact(_BOUNDARY)
        if char == "B" and not in_class:
            return self._case_exact(_NOT_BOUNDARY)
        if char in _CONTROL:
            return _CONTROL[char]
        if char == "c":
            follower = body[self.pos:self.pos + 1]
            # a control letter; in a class (Annex B) also a digit or _; else \c is literal
            annex_b = in_class and not self.unicode and (follower.isdigit() or follower == "_")
            if follower.isascii() and (follower.isalpha() or annex_b):
                self.pos += 1
                return f"\\x{ord(follower) % 32:02x}"
            if self.unicode:
                raise ValueError("invalid unicode escape")
            self.pos -= 1  # the backslash itself is the literal: read `c` again as text
            return "\\\\"
        if char == "x" and len(body) >= self.pos + 2 and \
                all(c in _HEX for c in body[self.pos:self.pos + 2]):
            self.pos += 2
            return "\\x" + body[self.pos - 2:self.pos]
        if char == "u":
            return self._unicode_escape()
        if char in "pP" and self.unicode:
            return self._property(char)
        if char == "k" and (self.unicode or self.names):
            end = body.find(">", self.pos)
            if not body.startswith("<", self.pos) or end < 0:
                raise ValueError("invalid named reference")
            name = body[self.pos + 1:end]
            if name not in self.names:
                raise ValueError(f"invalid named capture referenced: {name}")
            self.pos = end + 1
            if self._inside(name=name):
                return "(?:)"  # always empty in JavaScript (see the module's docstring)
            # an unset group matches the empty string in JavaScript (fails in Python)
            return f"(?({name})(?P={name})|)"
        if char.isdigit():
            return self._decimal(char, in_class=in_class)
        if char.isascii() and char.isalnum():
            if self.unicode:
                raise ValueError(f"invalid escape \\{char}")
            return char  # an identity escape: the letter itself
        return "\\" + char if not char.isalnum() else char

    def _decimal(self, char: str, *, in_class: bool) -> str:
        """``\\N``: a backreference when the pattern has a group ``N`` (outside a class);
        otherwise, without ``u``, a legacy octal escape (``\\8``, ``\\9``: the digit), as
        JavaScript reparses it; with ``u``, an error."""
        body = self.body
        if char == "0" and not (self.pos < len(body) and body[self.pos].isdigit()):
            return r"\x00"
        digits = char
        while self.pos < len(body) and body[self.pos].isdigit():
            digits += body[self.pos]
            self.pos += 1
        if not in_class and char != "0" and int(digits) <= self.groups:
            if self._inside(capture=int(digits)):
                return "(?:)"  # always empty in JavaScript (see the module's docstring)
            # an unset group matches the empty string in JavaScript (fails in Python)
            return f"(?({digits})\\{digits}|)"
        if self.unicode:
            raise ValueError(f"invalid escape \\{digits}")
        return _octal(digits)

    def _case_exact(self, pattern: str) -> str:
        """A class escape made immune to ``(?i)`` where JavaScript's ``i`` cannot change it
        (no ``u``: no non-ASCII character is case-equal to an ASCII one)."""
        return f"(?-i:{pattern})" if self.ascii_fold else pattern

    def _unicode_escape(self) -> str:
        body, pos = self.body, self.pos
        if self.unicode and body.startswith("{", pos):
            end = body.find("}", pos)
            digits = body[pos + 1:end] if end > 0 else ""
            if not digits or any(c not in _HEX for c in digits) or int(digits, 16) > 0x10FFFF:
                raise ValueError("invalid Unicode escape")
            self.pos = end + 1
            return f"\\U{int(digits, 16):08x}"
        digits = body[pos:pos + 4]
        if len(digits) == 4 and all(c in _HEX for c in digits):
            self.pos += 4
            return "\\u" + digits
        if self.unicode:
            raise ValueError("invalid Unicode escape")
        return "u"

    def _property(self, char: str) -> str:
        body, pos = self.body, self.pos
        end = body.find("}", pos)
        if not body.startswith("{", pos) or end < 0:
            raise ValueError("invalid property name")
        name = body[pos + 1:end]
        self.pos = end + 1
        return f"\\{char}{{{name}}}"


def _capture_groups(body: str) -> tuple[int, set[str]]:
    """How many capturing groups a JavaScript body has, and their names. JavaScript decides
    whether ``\\N`` is a backreference by the total count, wherever the group is."""
    count = 0
    names: set[str] = set()
    pos, in_class = 0, False
    while pos < len(body):
        char = body[pos]
        if char == "\\":
            pos += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if body.startswith("]", pos + 1) or body.startswith("^]", pos + 1):
                pos = body.index("]", pos + 1)  # [] and [^]: the ] closes the class
                in_class = False
        elif char == "(":
            if not body.startswith("?", pos + 1):
                count += 1
            elif body.startswith("?<", pos + 1) and not body.startswith(("?<=", "?<!"), pos + 1):
                count += 1
                end = body.find(">", pos)
                if end > 0:
                    names.add(body[pos + 3:end])
        pos += 1
    return count, names


def _octal(digits: str) -> str:
    """A ``\\NNN`` that is no backreference (inside a class, or without such a group, no
    ``u``): a legacy octal escape in JavaScript, ``\\8``/``\\9`` being the digits."""
    octal = ""
    for char in digits:
        if char in "01234567" and len(octal) < 3 and int(octal + char, 8) <= 0o377:
            octal += char
        else:
            break
    rest = digits[len(octal):]
    if not octal:
        return digits  # \8, \9: identity escapes
    return f"\\x{int(octal, 8):02x}" + rest
