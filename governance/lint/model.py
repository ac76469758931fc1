"""What a lint rule is, and what it finds.

A rule is metadata plus one function, as in ruff: a stable id, a default severity, the
formats it applies to, the rulesets that enable it, and a doc with a bad and a good example.
The catalogue (``ledgerpact rules``) and the docs are generated from this metadata, never
kept by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from enum import IntEnum
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from ledgerpact.registry.pointer import escape

if TYPE_CHECKING:
    from ledgerpact.governance.lint.index import Index  # pragma: no cover


class Severity(IntEnum):
    """Ordered so ``finding.severity >= fail_severity`` decides the exit code."""

    HINT = 0
    INFO = 1
    WARN = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str | int) -> Severity:
        if isinstance(text, int):  # Spectral's numeric severities: 0 error ... 3 hint
            numeric = {0: cls.ERROR, 1: cls.WARN, 2: cls.INFO, 3: cls.HINT}
            if text not in numeric:
                raise ValueError(f"unknown severity {text} (expected 0 error, 1 warn, 2 info, "
                                 "3 hint)")
            return numeric[text]
        names = {"error": cls.ERROR, "warn": cls.WARN, "warning": cls.WARN,
                 "info": cls.INFO, "information": cls.INFO, "hint": cls.HINT}
        try:
            return names[text.lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warn, info, hint, "
                             "or off)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


# Document formats a rule may apply to.
OAS30 = "oas3.0"
OAS31 = "oas3.1"
ASYNCAPI2 = "asyncapi2"
ASYNCAPI3 = "asyncapi3"
OAS3 = frozenset({OAS30, OAS31})
ASYNCAPI = frozenset({ASYNCAPI2, ASYNCAPI3})
ALL_FORMATS = OAS3 | ASYNCAPI

RECOMMENDED = "recommended"
STRICT = "strict"


class Loc(NamedTuple):
    """A place in the original files: registry-relative (or given) path + JSON pointer.

    A named tuple, not a dataclass: the index creates one for every node of a
    multi-megabyte spec, and tuple construction is several times cheaper."""

    file: str
    pointer: str

    def child(self, *tokens: str | int) -> Loc:
        # Called for most schemas of a large spec: tuple.__new__ directly (skipping the
        # named tuple's Python-level __new__) and no generator for several tokens.
        if len(tokens) == 1:
            return _new_loc((self[0], f"{self[1]}/{escape(tokens[0])}"))
        return _new_loc((self[0], "/".join([self[1], *map(escape, tokens)])))


_new_loc = partial(tuple.__new__, Loc)


class Violation(NamedTuple):
    """What a rule function yields: where, and what is wrong (and what was expected).

    A named tuple, like Loc: rules yield one per finding, and a frozen dataclass costs a
    millisecond of start-up to generate and several times more per instance."""

    loc: Loc
    message: str


class RuleDoc(NamedTuple):
    summary: str  # one line: what it checks
    why: str  # one paragraph: why it matters
    bad: str  # a small document fragment (YAML) that violates the rule
    good: str  # the same fragment, fixed


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    formats: frozenset[str]
    doc: RuleDoc
    check: Callable[[Index], Iterator[Violation]] = field(compare=False, repr=False)
    family: str = "general"  # structure | oas | asyncapi | finance | custom
    rulesets: frozenset[str] = frozenset({RECOMMENDED, STRICT})

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity.label, "family": self.family,
                "formats": sorted(self.formats), "rulesets": sorted(self.rulesets),
                "summary": self.doc.summary, "why": self.doc.why, "bad": self.doc.bad,
                "good": self.doc.good}


@dataclass(frozen=True, order=True)
class LintFinding:
    """A violation located in the source, with the severity in force after rulesets,
    overrides and waivers."""

    file: str
    line: int
    column: int
    pointer: str
    rule: str
    severity: Severity
    message: str
    contract: str = ""
    waived_by: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "pointer": self.pointer, "rule": self.rule, "severity": self.severity.label,
                "message": self.message, "contract": self.contract,
                **({"waivedBy": self.waived_by} if self.waived_by else {})}


# LintFinding's own order (its fields, in order) as a C-level key: sorting a thousand
# findings through the dataclass's Python __lt__ costs ten thousand Python calls.
FINDING_ORDER = attrgetter(*(f.name for f in fields(LintFinding)))
