"""Waivers: accepted exceptions to lint rules, each with a reason, an approver and an expiry.

A linter that can only be silenced forever (``# noqa``, Spectral's ``overrides`` turning a
rule off) turns every exception into permanent debt nobody reviews again. A waiver here is a
reviewed decision with an end date: while it is valid the finding it covers is reported as
waived (it no longer fails the build); once the date has passed the waiver stops applying,
the finding counts again, and the expired waiver is itself an error so somebody must either
fix the contract or renew the approval. A waiver that matches nothing is reported as stale,
so the waiver file shrinks when problems are fixed instead of hiding future ones.

The waiver file (for example ``governance/waivers.yaml`` in the registry) is YAML or JSON::

    waivers:
      - rule: finance-money-decimal-string
        contract: invoice-api            # a registry id, or a file path
        pointer: /components/schemas/LegacyTotal/**   # exact pointer, or a subtree
        reason: v1 consumers read totals as numbers until they move to v2
        approver: "@ledgerpact/finance-architecture"
        expires: 2026-06-30              # valid through this day, UTC

(a bare list of waivers is accepted too). Matching is pure: ``apply_waivers`` takes ``today``
as a parameter so the same inputs always give the same report. The commands pass
``utc_today()``: a waiver applies through its expiry day in UTC, so a build in Tokyo and one
in California agree on whether it has expired (the local date differs for hours a day).

The root of a document is the JSON pointer ``""``, but reports print it as ``/`` (an empty
pointer reads as nothing), so a waiver's ``pointer: "/"`` copied from a report means the root
too (and, as RFC 6901 reads it, the key ``""`` at the root, which reports also print as
``/``): whatever a report shows, a waiver can name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import posixpath
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ledgerpact.governance.lint.model import (
    ALL_FORMATS,
    LintFinding,
    Rule,
    RuleDoc,
    Severity,
    Violation,
)
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import Document, load_file

if TYPE_CHECKING:
    from ledgerpact.registry.catalog import Catalog

EXPIRED_RULE_ID = "waiver-expired"
STALE_RULE_ID = "waiver-stale"

FIELDS = ("rule", "contract", "pointer", "reason", "approver", "expires")
SUBTREE = "/**"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BAD_ESCAPE = re.compile(r"~(?![01])")


class Waiver(NamedTuple):
    """One approved exception, and where it is written (so reports can point at it).

    Named tuples here, not dataclasses: generating a dataclass costs about a millisecond of
    start-up, and every lint run in a registry with a waiver file imports this module."""

    rule: str
    contract: str
    pointer: str  # an exact JSON pointer, or a prefix ending in "/**" for a subtree
    reason: str
    approver: str
    expires: dt.date  # the last day the waiver applies
    file: str = ""  # the waiver file, as named to load_waivers
    at: str = ""  # JSON pointer of this waiver inside the waiver file
    line: int = 0  # 1-based position of the waiver in the waiver file (0: unknown)
    column: int = 0
    expires_line: int = 0  # position of its "expires" field
    expires_column: int = 0
    base: str = ""  # the waiver file's folder: a contract given as a path is relative to it

    @property
    def label(self) -> str:
        """How messages name the waiver: the place in the waiver file a reader opens."""
        return f"{self.file}:{self.line}" if self.line else (self.file or "waiver")

    def covers(self, finding: LintFinding, roots: tuple[Path, ...] = (), *,
               named: bool | None = None) -> bool:
        """True when the finding is this waiver's rule, contract and location (expiry is
        not considered here: an expired waiver still "would have matched"). ``roots`` are
        the folders finding paths may be relative to (the registry root, the working
        directory). ``named``: ``names_contract`` for the finding's contract and file,
        when the caller has it already (it resolves paths: thousands of findings of one
        file ask the same question)."""
        return (finding.rule == self.rule
                and (self.names_contract(finding.contract, finding.file, roots)
                     if named is None else named)
                and _pointer_matches(self.pointer, finding.pointer))

    def names_contract(self, contract: str, file: str, roots: tuple[Path, ...] = ()) -> bool:
        """A registry id matches the contract; a path (relative to the waiver file) matches
        the file, wherever the command was run from."""
        if _same_contract(self.contract, contract, file):
            return True
        if not self.base or not _looks_like_path(self.contract):
            return False
        wanted = (Path(self.base) / self.contract).resolve()
        return any((root / candidate).resolve() == wanted
                   for root in (*roots, Path.cwd()) for candidate in (file, contract)
                   if candidate)

    def names_a_file(self, roots: tuple[Path, ...] = ()) -> bool:
        """True when the contract is a path to a file that exists (relative to the waiver
        file, a root or the working directory): a file outside the registry may be linted
        by path, so such a waiver is not a misspelling even when no registry entry is it."""
        if not _looks_like_path(self.contract):
            return False
        folders = (*([Path(self.base)] if self.base else []), *roots, Path.cwd())
        return any((folder / self.contract).is_file() for folder in folders)

    def is_expired(self, today: dt.date) -> bool:
        return today > self.expires

    def justification(self) -> str:
        """What a report says about a finding this waiver covers (SARIF's suppression
        justification, the text report's note): the reason, who approved it, until when."""
        return (f"{self.reason} (approved by {self.approver}, until {self.expires.isoformat()}; "
                f"{self.label})")


class WaiverResult(NamedTuple):
    """The findings after waivers: originals (``waived_by`` set on waived ones) followed by
    the waiver findings (expired and stale waivers)."""

    findings: list[LintFinding]
    expired: list[Waiver]  # expired waivers that still matched a finding
    stale: list[Waiver]  # waivers that matched nothing (including expired ones)

    @property
    def waived(self) -> list[LintFinding]:
        return [f for f in self.findings if f.waived_by]


# -- loading -------------------------------------------------------------------------------


def load_waivers(path: Path, display: str | None = None,
                 known_rules: Collection[str] | None = None,
                 builtin_rules: Collection[str] = ()) -> list[Waiver]:
    """Read and check a waiver file; any problem is a one-line ``InputError`` naming the
    file, the line and the JSON pointer of the offending entry or field.

    ``known_rules``: the rule ids known in this run (built-in, waiver and loaded custom
    rules); ``builtin_rules``: Ledgerpact's own. A waiver naming no known rule but nearly a
    built-in one (``oas-unused-componnet``) is a typo that could never match, never be
    stale and never expire visibly: it would do nothing in silence, so it is refused with
    the id it meant. Any other unknown id may be a custom rule of a ruleset this run did not
    load (another ``--config``, ``--no-config``), so it is left alone: it only ever applies
    when its rule runs."""
    doc = load_file(path, display)
    data = doc.data
    folder = str(path.resolve().parent)
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"waivers"})
        if unknown:
            raise _error(doc, "/" + jp.escape(unknown[0]),
                         f"unknown top-level key {unknown[0]!r} (expected 'waivers')")
        entries = data.get("waivers")
        base = "/waivers"
        if entries is None:
            return []
    else:
        entries, base = data, ""
    if not isinstance(entries, list):
        raise _error(doc, base, f"waivers must be a list of waivers, not {_kind(entries)}")
    waivers = [_waiver(doc, entry, f"{base}/{index}", folder)
               for index, entry in enumerate(entries)]
    if known_rules is not None:
        for waiver in waivers:
            if waiver.rule in known_rules:
                continue
            typo = _near_miss(waiver.rule, builtin_rules)
            if typo is not None:
                raise _error(doc, f"{waiver.at}/rule", _unknown_rule(waiver.rule, typo))
    return waivers


def _near_miss(rule: str, builtin: Collection[str]) -> str | None:
    """The built-in rule id ``rule`` is a misspelling of, if it is one: nearly the same
    text (a letter or two off). A custom rule of a ruleset this run did not load may share
    a built-in prefix (``finance-no-x-foo``) without being near any built-in id."""
    import difflib

    close = difflib.get_close_matches(rule, sorted(builtin), n=1, cutoff=0.85)
    return close[0] if close else None


def _unknown_rule(rule: str, meant: str) -> str:
    return (f"unknown rule {rule!r}: no rule has this id, so the waiver could never apply; "
            f"did you mean the built-in {meant!r}? (see ledgerpact rules)")


def _waiver(doc: Document, entry: Any, at: str, base: str) -> Waiver:
    if not isinstance(entry, dict):
        raise _error(doc, at, f"a waiver must be a mapping with {', '.join(FIELDS)}; "
                              f"found {_kind(entry)}")
    for key in entry:
        if key not in FIELDS:
            raise _error(doc, f"{at}/{jp.escape(key)}",
                         f"unknown waiver key {key!r} (expected {', '.join(FIELDS)})")
    for key in FIELDS:
        if key not in entry:
            raise _error(doc, at, f"waiver is missing {key!r} (every waiver names "
                                  f"{', '.join(FIELDS)})")
    values: dict[str, str] = {}
    for key in FIELDS:
        value = entry[key]
        if not isinstance(value, str) or (key != "pointer" and not value.strip()):
            what = "empty" if isinstance(value, str) else _kind(value)
            raise _error(doc, f"{at}/{key}", f"{key} must be a non-empty string, not {what}")
        values[key] = value.strip() if key != "pointer" else value
    _check_pointer(doc, f"{at}/pointer", values["pointer"])
    expires = _parse_date(doc, f"{at}/expires", values["expires"])
    line, column = doc.position(at) or (0, 0)
    expires_line, expires_column = doc.position(f"{at}/expires") or (line, column)
    return Waiver(rule=values["rule"], contract=values["contract"], pointer=values["pointer"],
                  reason=values["reason"], approver=values["approver"], expires=expires,
                  file=doc.path, at=at, line=line, column=column, expires_line=expires_line,
                  expires_column=expires_column, base=base)


def _check_pointer(doc: Document, at: str, pointer: str) -> None:
    exact = pointer[: -len(SUBTREE)] if pointer.endswith(SUBTREE) else pointer
    if (exact and not exact.startswith("/")) or "*" in exact or _BAD_ESCAPE.search(exact):
        raise _error(doc, at, f"pointer {pointer!r} is not a JSON pointer: expected '' or "
                              "'/' (the document root, as reports print it), '/a/b' (RFC "
                              "6901, '~1' for '/'), or a subtree '/a/**' ('/**' for the "
                              "whole document)")


def _parse_date(doc: Document, at: str, text: str) -> dt.date:
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise _error(doc, at, f"expires {text!r} is not a date: expected YYYY-MM-DD")


def _error(doc: Document, pointer: str, message: str) -> InputError:
    return InputError(message, file=doc.path, pointer=pointer, line=doc.line_of(pointer))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


# -- matching ------------------------------------------------------------------------------


def _norm_path(text: str) -> str:
    text = text.replace("\\", "/")
    return posixpath.normpath(text) if text else text


def _same_contract(wanted: str, contract: str, file: str) -> bool:
    """A waiver's contract is a registry id (matches the finding's contract) or a file path
    written as the finding names it."""
    if wanted in (contract, file):
        return True
    norm = _norm_path(wanted)
    return norm in (_norm_path(file), _norm_path(contract))


def _looks_like_path(text: str) -> bool:
    return "/" in text or text.endswith((".yaml", ".yml", ".json"))


def utc_today() -> dt.date:
    """Today in UTC: the day expiry dates are read in, whatever the machine's time zone."""
    return dt.datetime.now(dt.UTC).date()


ROOT_AS_PRINTED = "/"  # how reports print the root pointer ""


def _pointer_matches(pattern: str, pointer: str) -> bool:
    if pattern == ROOT_AS_PRINTED:  # the root as reports print it (see the module doc)
        return pointer in ("", ROOT_AS_PRINTED)
    if pattern.endswith(SUBTREE):
        prefix = pattern[: -len(SUBTREE)]
        return pointer == prefix or pointer.startswith(prefix + "/")
    return pointer == pattern


def apply_waivers(findings: Iterable[LintFinding], waivers: list[Waiver],
                  today: dt.date, *, roots: tuple[Path, ...] = (),
                  in_scope: Callable[[Waiver], bool] | None = None,
                  hint: Callable[[Waiver], str] | None = None) -> WaiverResult:
    """Mark the findings valid waivers cover, and report expired and stale waivers.

    - A finding covered by a valid waiver (``today <= expires``) gets ``waived_by`` set to
      that waiver's justification (the first valid one in file order).
    - An expired waiver no longer applies; if it still covers a finding that no valid waiver
      covers, it is reported as ``waiver-expired`` (error) at its ``expires`` field, so the
      build fails until someone renews the approval or fixes the contract.
    - A waiver that covers no finding is ``waiver-stale`` (warn): the problem was fixed or
      moved, and the waiver would otherwise silently hide a future one. An expired waiver
      whose findings are all covered by another, valid waiver is stale too. Only a waiver
      ``in_scope`` can be stale: one whose contract was checked and whose rule ran (linting
      one contract, or with another ruleset, says nothing about the others). ``hint``
      says why a stale waiver could never match (its contract exists nowhere), or ``""``.
    """
    findings = list(findings)
    out: list[LintFinding] = []
    matched: set[int] = set()  # indexes of waivers that covered at least one finding
    expired_hits: dict[int, int] = {}  # expired waiver -> findings it would have waived
    # A large spec has thousands of findings and a registry dozens of waivers: only the
    # waivers of a finding's rule are looked at (in file order), and whether a waiver names
    # a contract is worked out once per contract and file (it normalises and resolves
    # paths), not once per finding.
    by_rule: dict[str, list[tuple[int, Waiver]]] = {}
    for number, waiver in enumerate(waivers):
        by_rule.setdefault(waiver.rule, []).append((number, waiver))
    names: dict[tuple[int, str, str], bool] = {}
    for finding in findings:
        valid: Waiver | None = None
        expired: list[int] = []
        for number, waiver in by_rule.get(finding.rule, ()):
            key = (number, finding.contract, finding.file)
            named = names.get(key)
            if named is None:
                named = names[key] = waiver.names_contract(finding.contract, finding.file,
                                                           roots)
            if not waiver.covers(finding, roots, named=named):
                continue
            matched.add(number)
            if waiver.is_expired(today):
                expired.append(number)
            elif valid is None:
                valid = waiver
        if valid is not None:
            out.append(dataclasses.replace(finding, waived_by=valid.justification()))
            continue
        for number in expired:
            expired_hits[number] = expired_hits.get(number, 0) + 1
        out.append(finding)

    stale = [n for n, w in enumerate(waivers)
             if (in_scope is None or in_scope(w)) and (n not in matched or (
                 w.is_expired(today) and n not in expired_hits))]
    for number in sorted(expired_hits):
        out.append(_expired_finding(waivers[number], expired_hits[number]))
    for number in stale:
        out.append(_stale_finding(waivers[number], today, superseded=number in matched,
                                  hint=hint(waivers[number]) if hint else ""))
    return WaiverResult(findings=out, expired=[waivers[n] for n in sorted(expired_hits)],
                        stale=[waivers[n] for n in stale])


class WaiverScope:
    """Which waivers a run can call stale or expired (``apply_waivers``'s ``in_scope``), and
    what a stale one says when it could never apply (its ``hint``): ``ledgerpact lint`` and
    the lint step of ``ledgerpact check`` ask the same questions here.

    In scope: a waiver whose rule ran and whose contract was checked -- by id, by a path
    naming a checked contract's document, or by the path that was linted -- and, when the
    registry was read (``catalog``), one whose contract names neither a registry id nor a
    registry file nor any file at all: a misspelt id or path could otherwise never match,
    never go stale and never expire visibly, whichever contracts a run checks."""

    def __init__(self, root: Path, checked: list[str], catalog: Catalog | None,
                 ran: set[str]) -> None:
        from ledgerpact.registry.cli_support import looks_like_path

        self.root, self.catalog, self.ran = root, catalog, ran
        self.paths = [t for t in checked if looks_like_path(t)]
        entries = catalog.entries if catalog is not None else {}
        self.entries = [entries[t] for t in checked if t in entries]

    def __call__(self, waiver: Waiver) -> bool:
        return waiver.rule in self.ran and (self._names_checked(waiver)
                                            or self._unknown(waiver))

    def _names_checked(self, waiver: Waiver) -> bool:
        roots = (self.root,)
        return (any(waiver.names_contract(e.id, e.document_path, roots) for e in self.entries)
                or any(waiver.names_contract(p, p, roots) for p in self.paths))

    def _unknown(self, waiver: Waiver) -> bool:
        if self.catalog is None:
            return False  # no registry read: nothing to say what exists
        roots = (self.root,)
        return not (waiver.contract in self.catalog.entries
                    or waiver.contract in self.catalog.errors
                    or any(waiver.names_contract(e.id, e.document_path, roots)
                           for e in self.catalog)
                    or waiver.names_a_file(roots))

    def hint(self, waiver: Waiver) -> str:
        """What a stale waiver's message says when its contract exists nowhere."""
        if not self._unknown(waiver):
            return ""
        from ledgerpact.registry.catalog import suggestions

        assert self.catalog is not None
        names = [*self.catalog.entries, *(e.document_path for e in self.catalog)]
        near = suggestions(waiver.contract, names, 1)
        meant = f"; did you mean {near[0]!r}?" if near else ""
        return (f"no contract {waiver.contract!r} in the registry (neither a contract id nor "
                f"a file), so it can never apply: fix its contract{meant}")


def _where(waiver: Waiver) -> str:
    at = (f"{ROOT_AS_PRINTED} (the document root)" if waiver.pointer in ("", ROOT_AS_PRINTED)
          else waiver.pointer)
    return f"{waiver.rule} on {waiver.contract} at {at}"


def _expired_finding(waiver: Waiver, hits: int) -> LintFinding:
    plural = "finding counts" if hits == 1 else "findings count"
    return LintFinding(
        file=waiver.file, line=waiver.expires_line, column=waiver.expires_column,
        pointer=f"{waiver.at}/expires", rule=EXPIRED_RULE_ID, severity=Severity.ERROR,
        message=(f"waiver for {_where(waiver)} (approved by {waiver.approver}) expired on "
                 f"{waiver.expires.isoformat()}; the {hits} {plural} again: fix the "
                 "contract, or renew the waiver with a new approval and date"),
        contract=waiver.contract)


def _stale_finding(waiver: Waiver, today: dt.date, *, superseded: bool,
                   hint: str = "") -> LintFinding:
    if superseded:
        state = (f"expired on {waiver.expires.isoformat()} and every finding it covers is "
                 "waived by another, valid waiver")
    else:
        state = "matches no finding" + (f" (and it expired on {waiver.expires.isoformat()})"
                                        if waiver.is_expired(today) else "")
    return LintFinding(
        file=waiver.file, line=waiver.line, column=waiver.column, pointer=waiver.at,
        rule=STALE_RULE_ID, severity=Severity.WARN,
        message=(f"waiver for {_where(waiver)} {state}: "
                 + (hint or "remove it (a waiver left behind would hide the next problem "
                            "at that place)")),
        contract=waiver.contract)


# -- the waiver findings as rules (for the catalogue and SARIF's rule list) -----------------


def _never(_index: Any) -> Iterator[Violation]:
    """Waiver rules are not checks over a contract: apply_waivers produces their findings."""
    return iter(())


WAIVER_EXPIRED = Rule(
    id=EXPIRED_RULE_ID, severity=Severity.ERROR, formats=ALL_FORMATS, family="waiver",
    check=_never,
    doc=RuleDoc(
        summary="A waiver has passed its expiry date while the finding it covered remains.",
        why=("Waivers are approved for a time, not forever: when the date passes the "
             "finding counts again and the build fails, so the exception is either fixed or "
             "consciously renewed by an approver."),
        bad=("waivers:\n  - rule: finance-money-decimal-string\n    contract: invoice-api\n"
             "    pointer: /components/schemas/LegacyTotal/**\n"
             "    reason: v1 consumers read totals as numbers\n"
             "    approver: \"@ledgerpact/finance-architecture\"\n    expires: 2024-12-31\n"),
        good=("waivers:\n  - rule: finance-money-decimal-string\n    contract: invoice-api\n"
              "    pointer: /components/schemas/LegacyTotal/**\n"
              "    reason: v1 consumers read totals as numbers until the v2 cut-over\n"
              "    approver: \"@ledgerpact/finance-architecture\"\n    expires: 2026-06-30\n"),
    ))

WAIVER_STALE = Rule(
    id=STALE_RULE_ID, severity=Severity.WARN, formats=ALL_FORMATS, family="waiver",
    check=_never,
    doc=RuleDoc(
        summary="A waiver matches no finding.",
        why=("A waiver left behind after its problem was fixed (or after the location "
             "moved) would silently hide the next problem at that place; removing it keeps "
             "the waiver file an accurate list of accepted exceptions."),
        bad=("waivers:\n  - rule: oas-operation-description\n    contract: invoice-api\n"
             "    pointer: /paths/~1invoices/get\n    reason: generated client needs it\n"
             "    approver: \"@ledgerpact/api-guild\"\n    expires: 2026-06-30\n"
             "# ...but GET /invoices now has a description\n"),
        good="waivers: []\n",
    ))

WAIVER_RULES: tuple[Rule, ...] = (WAIVER_EXPIRED, WAIVER_STALE)
