"""Loading a team's ``.spectral.yaml`` into Ledgerpact rules.

Teams already have Spectral rulesets; they should be able to bring them as they are. This
module reads the common subset of Spectral's ruleset format, checks all of it when it is
loaded (one-line ``InputError`` with file, line and JSON pointer, never a traceback halfway
through a lint run), and turns every enabled rule into a ``Rule`` (family ``custom``) whose
check runs over the contract ``Index``.

Supported, with Spectral's meaning:

- ``rules``: full definitions (``given``, ``then`` as one or a list, ``field``,
  ``function``, ``functionOptions``, ``description``, ``message``, ``severity``,
  ``formats``, ``recommended``, ``resolved``, ``documentationUrl``; legacy ``type`` is
  ignored), and shorthands that change an inherited rule: a severity (``error``, ``warn``,
  ``info``, ``hint``, ``off``, or ``0``..``3``/``-1``), ``true``/``false``; an object for an
  inherited rule is merged into it; as in Spectral's ``mergeRule``, a severity switches a
  rule on (even one its ruleset was extended ``off`` with, or a ``recommended: false`` one)
  and only ``off``/``false`` switch it off; a name that no extended ruleset defines is an
  error ("Cannot extend non-existing rule");
- ``extends``: Spectral's ``spectral:oas`` and ``spectral:asyncapi`` and Ledgerpact's
  ``ledgerpact:finance``, ``ledgerpact:recommended`` and ``ledgerpact:strict`` (built-in
  rules: each brings its own families only, see ``builtin.PACKS``; Spectral's rule names,
  versioned ones included, are mapped to the built-in ids by ``builtin.SPECTRAL_RULES``,
  ``operation-tags`` to ``oas-operation-tags``, ``oas3-schema`` to ``structure`` for
  OpenAPI 3, ``asyncapi-3-tags`` to ``asyncapi-tags`` for AsyncAPI 3; a full definition
  under such a name replaces the built-in rule on the formats the name covers), and ruleset
  files (YAML or JSON) anywhere on disk, by a path relative to the extending ruleset's
  directory or an absolute one (a ruleset is the team's own configuration, and a shared
  one often sits in a parent folder of a monorepo), each optionally as
  ``[ruleset, recommended|all|off]``; ``recommended: false`` rules run only when extended
  with ``all``; a ruleset extended again while it is being loaded (a cycle) is skipped, as
  Spectral skips it;
- ``formats`` (ruleset and rule level): ``oas3``, ``oas3.0``/``oas3_0``, ``oas3.1``/
  ``oas3_1``, ``asyncapi2``, ``asyncapi3``, and ``oas2``/``json-schema*`` (which never apply,
  Ledgerpact lints OpenAPI 3 and AsyncAPI 2/3);
- ``aliases`` (plain ones: a path or list of paths, used as ``#Name`` in ``given``);
- ``overrides`` in the root ruleset: ``files`` globs (relative to the ruleset's directory,
  minimatch style, a pattern without ``/`` matching the file name anywhere; a file outside
  that directory matches none), optionally with a JSON pointer after ``#``
  (``**/*.yaml#/paths``), and ``rules`` with severities; the most specific pointer wins,
  otherwise the last matching override. A versioned Spectral name in an override
  (``asyncapi-3-tags``) sets the Ledgerpact rule for the matching files whatever their
  version: a glob, not a format, chooses the files there.

Refused with a message saying so: URLs and npm packages in ``extends`` (nothing is fetched
or installed; a bare name that is no file next to the ruleset is taken for a package),
JavaScript rulesets and custom ``functions``, functions other than the eleven core ones,
format-scoped aliases, and ``overrides`` that state ``formats`` or define whole rules.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import EllipsisType
from typing import Any
from urllib.parse import unquote

from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import (
    ALL_FORMATS,
    ASYNCAPI2,
    ASYNCAPI3,
    OAS3,
    OAS30,
    OAS31,
    Rule,
    RuleDoc,
    Severity,
    Violation,
)
from ledgerpact.governance.lint.spectral.builtin import OFF, PACKS, BuiltinState, UnknownRule
from ledgerpact.governance.lint.spectral.functions import FUNCTIONS, UNSUPPORTED, OptionError
from ledgerpact.governance.lint.spectral.jsonpath import PathSyntaxError, Query, field_steps
from ledgerpact.governance.lint.spectral.runner import RuleSpec, ThenSpec, run_rule
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import Document, load_file
from ledgerpact.registry.pointer import join as join_pointer

EXTEND_MODES = ("recommended", "all", "off")
SEVERITY_NAMES = {"error": Severity.ERROR, "warn": Severity.WARN, "info": Severity.INFO,
                  "hint": Severity.HINT}
FORMATS: dict[str, frozenset[str]] = {
    "oas3": OAS3, "oas3.0": frozenset({OAS30}), "oas3_0": frozenset({OAS30}),
    "oas3.1": frozenset({OAS31}), "oas3_1": frozenset({OAS31}),
    "asyncapi2": frozenset({ASYNCAPI2}), "asyncapi3": frozenset({ASYNCAPI3}),
    "asyncapi": frozenset({ASYNCAPI2, ASYNCAPI3}),
    **{name: frozenset() for name in (
        "oas2", "json-schema", "json-schema-loose", "json-schema-draft4",
        "json-schema-draft6", "json-schema-draft7", "json-schema-draft2019-09",
        "json-schema-draft2020-12", "json-schema-2019-09", "json-schema-2020-12")},
}
RULESET_KEYS = ("extends", "rules", "overrides", "formats", "aliases", "documentationUrl",
                "description", "parserOptions")
RULE_KEYS = ("given", "then", "description", "message", "severity", "formats",
             "recommended", "resolved", "documentationUrl", "type", "tags", "extensions")
THEN_KEYS = ("field", "function", "functionOptions")

# (rule id, file as the workspace names it, JSON pointer) -> severity, None (off) or ...
SeverityPolicy = Callable[[str, str, str], "Severity | EllipsisType | None"]


# -- the result ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Override:
    """One entry of an override's ``files``: a glob (relative to the ruleset's directory),
    an optional JSON pointer inside matching files, and the severities it sets (``None`` =
    off)."""

    glob: str
    pointer: str | None
    rules: Mapping[str, Severity | None]
    _regex: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))

    def matches_file(self, rel: str | None) -> bool:
        if rel is None:  # outside the ruleset's directory
            return False
        if self._regex.fullmatch(rel):
            return True
        return "/" not in self.glob and bool(self._regex.fullmatch(posixpath.basename(rel)))

    def covers(self, pointer: str) -> bool:
        return self.pointer is not None and (pointer == self.pointer
                                             or pointer.startswith(self.pointer + "/"))


@dataclass
class CustomRuleset:
    """A loaded ruleset.

    ``rules``: the custom rules that are on, in definition order. ``extends_builtin``:
    ``"oas:recommended"``, ``"asyncapi:all"``, ``"finance:off"``, ``"strict:recommended"``...:
    the built-in packs extended (``spectral:oas``, ``ledgerpact:finance``...) and how.
    ``families``: the built-in rule families those packs bring (``None``: all of them).
    ``builtin``: for every built-in rule a pack brings, format → severity in force there
    (``None``: not run on that format), after every shorthand and redefinition; this is
    what ``configure`` turns into lint options.

    For the built-in rules the ``rules`` section names (Spectral's names mapped to
    Ledgerpact's ids): ``disabled`` (off on every format), ``enabled`` (on, at one severity
    on every format) and ``severity_overrides`` (id → that severity, ``None`` for off).
    ``replaced``: built-in id → the custom rule that redefines it (as in Spectral, the
    custom definition replaces the built-in rule)."""

    path: Path
    rules: list[Rule] = field(default_factory=list)
    extends_builtin: set[str] = field(default_factory=set)
    families: frozenset[str] | None = frozenset()
    builtin: dict[str, dict[str, Severity | None]] = field(default_factory=dict)
    disabled: set[str] = field(default_factory=set)
    # custom rules the ruleset defines but turns off (severity off, or recommended: false
    # where extended as "recommended"): known names that do not run
    defined_off: set[str] = field(default_factory=set)
    enabled: set[str] = field(default_factory=set)
    severity_overrides: dict[str, Severity | None] = field(default_factory=dict)
    replaced: dict[str, str] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)

    def applies(self, rule_id: str, file: str | Path, pointer: str
                ) -> Severity | EllipsisType | None:
        """The severity the ruleset gives ``rule_id`` for a finding at ``file`` (absolute, or
        relative to the ruleset's directory) and JSON ``pointer``: a Severity, ``None`` (off
        there), or ``...`` (the rule's own severity stands).

        In Spectral's order of precedence: the override with the most specific matching
        pointer, else the last override whose glob matches the file, else the severity the
        ``rules`` section gives a built-in rule (``operation-tags: off``)."""
        return self._decide(rule_id, self._relative(file), pointer)

    def policy(self, resolve: Callable[[str], Path] | None = None) -> SeverityPolicy:
        """``applies`` for the engine, which names files as its workspace does (relative to
        the workspace root, which need not be the ruleset's directory): ``resolve`` turns
        such a name into the file's absolute path, so override globs are matched against
        the path relative to the ruleset's directory, as Spectral matches them. Without
        ``resolve``, workspace names are taken as relative to the ruleset's directory."""
        relative: dict[str, str | None] = {}

        def decide(rule_id: str, file: str, pointer: str) -> Severity | EllipsisType | None:
            if not self.overrides:
                return self.severity_overrides.get(rule_id, ...)
            if file not in relative:
                relative[file] = self._relative(resolve(file) if resolve else file)
            return self._decide(rule_id, relative[file], pointer)

        return decide

    def _decide(self, rule_id: str, rel: str | None, pointer: str
                ) -> Severity | EllipsisType | None:
        best: Override | None = None
        for override in self.overrides:
            if rule_id in override.rules and override.covers(pointer) and \
                    override.matches_file(rel) and \
                    (best is None or len(override.pointer or "") >= len(best.pointer or "")):
                best = override
        if best is not None:
            return best.rules[rule_id]
        found: Severity | EllipsisType | None = self.severity_overrides.get(rule_id, ...)
        for override in self.overrides:
            if override.pointer is None and rule_id in override.rules and \
                    override.matches_file(rel):
                found = override.rules[rule_id]
        return found

    def _relative(self, file: str | Path) -> str | None:
        """``file`` relative to the ruleset's directory (``None``: outside it)."""
        path = Path(file)
        if path.is_absolute():
            try:
                return path.resolve().relative_to(self.path.resolve().parent).as_posix()
            except ValueError:
                return None
        return posixpath.normpath(PurePosixPath(path).as_posix())


def load_ruleset(path: Path) -> CustomRuleset:
    """Read, check and compile a Spectral ruleset file (and the files it extends)."""
    loader = _Loader(path)
    table, _ = loader.load(path, str(path), "recommended", root=True)
    result = loader.result
    for definition in table.values():
        if definition.enabled and definition.severity is not OFF:
            result.rules.append(definition.rule(loader.display))
        else:
            result.defined_off.add(definition.name)
    loader.finish(set(table))
    return result


# -- loading ---------------------------------------------------------------------------------

@dataclass
class _Source:
    display: str
    doc: Document


@dataclass
class _RuleDef:
    """A rule as the ruleset chain defines it so far (shared by every ruleset that extends
    its file, as in Spectral, so a later shorthand changes it everywhere)."""

    name: str
    definition: dict[str, Any]
    origins: dict[str, tuple[_Source, str]]  # key -> where it was written (file, pointer)
    ruleset_formats: frozenset[str] | None
    aliases: dict[str, Any]
    enabled: bool = True
    severity: Severity | None = Severity.WARN
    spec: RuleSpec | None = None
    formats: frozenset[str] = ALL_FORMATS
    doc_url: str | None = None
    beside_builtin: bool = False  # its ruleset extends a built-in one (for error hints)
    inherited_formats: frozenset[str] | None = None  # of the built-in rule it replaces

    def rule(self, ruleset_display: str) -> Rule:
        assert self.spec is not None
        spec, formats = self.spec, self.formats
        summary = (self.definition.get("description") or self.definition.get("message")
                   or f"custom rule {self.name}")
        why = f"A custom rule from the Spectral ruleset {ruleset_display}."
        if self.doc_url:
            why += f" More: {self.doc_url}"

        def check(index: Index) -> Iterator[Violation]:
            if index.format in formats:
                yield from run_rule(spec, index)

        severity = self.severity if self.severity is not None else Severity.WARN
        return Rule(id=self.name, severity=severity, formats=formats,
                    doc=RuleDoc(summary=" ".join(str(summary).split()), why=why, bad="",
                                good=""),
                    check=check, family="custom")


class _Error(Exception):
    """A problem at a path inside a rule definition (mapped to file and pointer later)."""

    def __init__(self, message: str, at: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


class _Loader:
    def __init__(self, path: Path) -> None:
        self.display = str(path)
        self.result = CustomRuleset(path=path)
        self.stack: list[Path] = []
        self.state = BuiltinState.of(_builtin_rules())

    def finish(self, custom_names: set[str]) -> None:
        """Record what the chain did to the built-in rules."""
        result, state = self.result, self.state
        result.builtin = state.outcome()
        result.families = state.families()
        for rule_id in sorted(state.touched - custom_names):
            values = set(result.builtin.get(rule_id, {}).values())
            if len(values) == 1:  # the same on every format: a plain severity policy
                (value,) = values
                result.severity_overrides[rule_id] = value
                (result.disabled if value is OFF else result.enabled).add(rule_id)

    # -- files -------------------------------------------------------------------------------

    def load(self, path: Path, display: str, mode: str, *, root: bool = False,
             extended_by: str | None = None) -> tuple[dict[str, _RuleDef], bool]:
        """The rules ``path`` defines (with what it extends), and whether it extends a
        built-in ruleset (directly or through a file). ``extended_by`` names the ruleset
        that extends ``path``: an extended file can be any file on disk, so when it is not
        a ruleset the message says where it was named."""
        doc = load_file(path, display)
        source = _Source(display, doc)
        data = doc.data
        if not isinstance(data, dict):
            named = f" (extended by {extended_by})" if extended_by else ""
            raise self._error(source, "", f"not a Spectral ruleset{named}: a ruleset must be "
                              "a mapping (with rules, extends, overrides, ...)")
        for key in data:
            if key in ("functions", "functionsDir"):
                raise self._error(source, f"/{key}", "custom JavaScript functions cannot run "
                                  "here; use the core functions (truthy, falsy, defined, "
                                  "undefined, pattern, casing, enumeration, length, schema, "
                                  "alphabetical, xor)")
            if key not in RULESET_KEYS:
                raise self._error(source, join_pointer([key]), f"unknown ruleset key {key!r} "
                                  f"(expected one of: {', '.join(RULESET_KEYS)})")
        self.stack.append(path.resolve())
        try:
            table: dict[str, _RuleDef] = {}
            has_builtin = self._extends(source, data.get("extends"), table)
            formats = self._formats(source, data.get("formats"), "/formats") \
                if "formats" in data else None
            aliases = self._aliases(source, data.get("aliases"))
            rules = data.get("rules") or {}
            if not isinstance(rules, dict):
                raise self._error(source, "/rules", "rules must be a mapping of rule names to "
                                  "definitions or severities")
            doc_url = data.get("documentationUrl")
            for name, definition in rules.items():
                self._rule(source, str(name), definition, table, mode, has_builtin, formats,
                           aliases, doc_url if isinstance(doc_url, str) else None)
            if root:  # as in Spectral, only the root ruleset's overrides apply
                self._overrides(source, data.get("overrides"), table)
            return table, has_builtin
        finally:
            self.stack.pop()

    def _extends(self, source: _Source, extends: Any, table: dict[str, _RuleDef]) -> bool:
        if extends is None:
            return False
        entries = extends if isinstance(extends, list) else [extends]
        has_builtin = False
        for i, entry in enumerate(entries):
            at = f"/extends/{i}" if isinstance(extends, list) else "/extends"
            mode = "recommended"
            if isinstance(entry, list):
                if len(entry) == 2 and entry[1] is False:
                    entry = [entry[0], "off"]  # YAML 1.1 reads a bare off as false
                if len(entry) != 2 or not isinstance(entry[0], str) or \
                        entry[1] not in EXTEND_MODES:
                    raise self._error(source, at, "an extends entry as a list must be "
                                      "[ruleset, recommended|all|off]")
                entry, mode = entry
            if not isinstance(entry, str):
                raise self._error(source, at, "extends entries must be ruleset names or paths")
            if entry in PACKS:
                self.state.extend(entry, mode)
                self.result.extends_builtin.add(f"{entry.split(':', 1)[1]}:{mode}")
                has_builtin = True
                continue
            child = self._extended_path(source, at, entry)
            if child.resolve() in self.stack:
                continue  # a cycle: Spectral ignores a ruleset already being loaded
            child_display = posixpath.normpath(posixpath.join(
                posixpath.dirname(source.display), entry))
            child_table, child_builtin = self.load(child, child_display, mode,
                                                   extended_by=source.display)
            table.update(child_table)
            has_builtin = has_builtin or child_builtin
        return has_builtin

    def _extended_path(self, source: _Source, at: str, entry: str) -> Path:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", entry) or entry.startswith("//"):
            raise self._error(source, at, f"extends {entry!r}: URLs are refused, nothing is "
                              "fetched; copy the ruleset into the repository and extend it by "
                              "path")
        if entry.startswith(("spectral:", "ledgerpact:")):
            raise self._error(source, at, f"extends {entry!r}: unknown built-in ruleset "
                              f"(supported: {', '.join(PACKS)})")
        if entry.endswith((".js", ".mjs", ".cjs", ".ts")):
            raise self._error(source, at, f"extends {entry!r}: JavaScript rulesets cannot run "
                              "here; use a YAML or JSON ruleset")
        base = self.stack[-1].parent
        try:
            candidate = (base / entry).resolve()  # an absolute entry stays itself
            if candidate.is_file():
                return candidate
            exists = candidate.exists()
        except (OSError, ValueError) as exc:  # a NUL byte, a name too long...
            raise self._error(source, at, f"extends {entry!r}: not a usable file path "
                              f"({exc})") from None
        if exists:
            raise self._error(source, at, f"extends {entry!r}: {candidate} is not a file; "
                              "extend a .yaml/.yml/.json ruleset file")
        if _path_like(entry):
            raise self._error(source, at, f"extends {entry!r}: file not found ({candidate})")
        raise self._error(source, at, f"extends {entry!r}: no such file ({candidate}), and "
                          "npm packages are not supported (nothing is installed or fetched); "
                          "copy the ruleset into the repository and extend it by path")

    def _formats(self, source: _Source, value: Any, at: str) -> frozenset[str]:
        if not isinstance(value, list) or not value:
            raise self._error(source, at, "formats must be a non-empty list such as [oas3]")
        result: set[str] = set()
        for i, name in enumerate(value):
            if name not in FORMATS:
                raise self._error(source, f"{at}/{i}", f"unknown format {name!r} (expected "
                                  f"one of: {', '.join(FORMATS)})")
            result |= FORMATS[name]
        return frozenset(result)

    def _aliases(self, source: _Source, aliases: Any) -> dict[str, Any]:
        if aliases is None:
            return {}
        if not isinstance(aliases, dict):
            raise self._error(source, "/aliases", "aliases must be a mapping of names to "
                              "JSONPath expressions")
        for name, value in aliases.items():
            at = join_pointer(["aliases", name])
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", str(name)):
                raise self._error(source, at, f"alias name {name!r} must start with a letter "
                                  "and use letters, digits, '_' or '-'")
            if isinstance(value, dict):
                raise self._error(source, at, f"alias {name!r}: aliases scoped by format "
                                  "(targets) are not supported; use plain paths")
            paths = value if isinstance(value, list) else [value]
            if not paths or not all(isinstance(p, str) for p in paths):
                raise self._error(source, at, f"alias {name!r} must be a JSONPath or a list "
                                  "of them")
        return dict(aliases)

    # -- rules -------------------------------------------------------------------------------

    def _rule(self, source: _Source, name: str, definition: Any, table: dict[str, _RuleDef],
              mode: str, has_builtin: bool, formats: frozenset[str] | None,
              aliases: dict[str, Any], doc_url: str | None) -> None:
        at = join_pointer(["rules", name])
        existing = table.get(name)
        if not isinstance(definition, dict):  # a shorthand: true, false/off or a severity
            value: bool | Severity | None = definition if isinstance(definition, bool) \
                else self._shorthand(source, at, name, definition)
            if existing is None:
                self._builtin_setting(source, at, name, value)
            elif isinstance(value, bool):
                existing.enabled = value
            else:
                existing.severity = value
                existing.enabled = value is not OFF
            return
        if existing is None and set(definition) == {"severity"} and self._is_builtin(name):
            # Spectral merges an object into the built-in rule it names; with nothing but a
            # severity that is a re-rating (and switches the rule on, as any merge does)
            value = self._shorthand(source, f"{at}/severity", name, definition["severity"])
            self._builtin_setting(source, at, name, value)
            return
        origins = {key: (source, at) for key in definition}
        if existing is not None:
            merged = {**existing.definition, **definition}
            existing.definition = merged
            existing.origins.update(origins)
            existing.aliases = {**existing.aliases, **aliases}
            existing.enabled = True
            self._compile(existing)
            return
        rule = _RuleDef(name, dict(definition), origins, formats, aliases,
                        beside_builtin=has_builtin)
        replaces = self._is_builtin(name)
        if replaces:  # as in Spectral, it keeps the formats of the rule it redefines
            rule.inherited_formats = self.state.formats_of(name)
        if doc_url is not None:
            rule.doc_url = f"{doc_url}#{name}"
        self._compile(rule)
        if replaces:  # redefining a built-in rule replaces it on the formats it covers
            builtin = self.state.replace(name)
            if builtin is not None:
                self.result.replaced[builtin] = name
        recommended = definition.get("recommended", True) is not False
        rule.enabled = mode == "all" or (mode == "recommended" and recommended)
        table[name] = rule

    def _shorthand(self, source: _Source, at: str, name: str, value: Any) -> Severity | None:
        try:
            return _severity(value)
        except ValueError as exc:
            raise self._error(source, at, f"rule {name!r}: {exc}") from None

    def _is_builtin(self, name: str) -> bool:
        """Whether ``name`` is a rule of an extended built-in ruleset (Spectral's name or
        Ledgerpact's id)."""
        return self.state.knows(name)

    def _builtin_setting(self, source: _Source, at: str, name: str,
                         value: bool | Severity | None) -> None:
        try:
            self.state.set(name, value)
        except UnknownRule as exc:
            raise self._error(source, at, str(exc)) from None

    def _compile(self, rule: _RuleDef) -> None:
        try:
            spec, severity, formats = _compile(rule)
        except _Error as exc:
            key = exc.at[0] if exc.at else ""
            source, at = rule.origins.get(str(key), next(iter(rule.origins.values())))
            pointer = at + join_pointer(list(exc.at))
            hint = ""
            if not exc.at and rule.beside_builtin:
                hint = ("; a built-in rule can be switched off or re-rated with a severity, "
                        "or replaced by a full definition, not changed in part")
            raise self._error(source, pointer,
                              f"rule {rule.name!r}: {exc.message}{hint}") from None
        rule.spec, rule.severity = spec, severity
        rule.formats = next(f for f in (formats, rule.inherited_formats, rule.ruleset_formats,
                                        ALL_FORMATS) if f is not None)

    # -- overrides ---------------------------------------------------------------------------

    def _overrides(self, source: _Source, overrides: Any, table: dict[str, _RuleDef]) -> None:
        if overrides is None:
            return
        if not isinstance(overrides, list):
            raise self._error(source, "/overrides", "overrides must be a list")
        for i, override in enumerate(overrides):
            at = f"/overrides/{i}"
            if not isinstance(override, dict):
                raise self._error(source, at, "an override must be a mapping with files and "
                                  "rules")
            for key in override:
                if key == "formats":
                    raise self._error(source, f"{at}/formats", "overrides by format are not "
                                      "supported; use files (globs) instead")
                if key not in ("files", "rules"):
                    raise self._error(source, f"{at}/{key}", f"unsupported override key "
                                      f"{key!r} (overrides here hold files and rules)")
            files = override.get("files")
            if not isinstance(files, list) or not files or \
                    not all(isinstance(f, str) for f in files):
                raise self._error(source, f"{at}/files", "override files must be a non-empty "
                                  "list of globs, optionally with #/json/pointer")
            severities = self._override_rules(source, f"{at}/rules", override.get("rules"),
                                              table)
            for j, entry in enumerate(files):
                glob, hashed, fragment = entry.partition("#")
                pointer = unquote(fragment) if hashed else None
                if pointer not in (None, "") and not str(pointer).startswith("/"):
                    raise self._error(source, f"{at}/files/{j}", f"override {entry!r}: the "
                                      "part after # must be a JSON pointer such as #/paths")
                glob = glob[2:] if glob.startswith("./") else glob
                try:
                    regex = _glob_regex(glob)
                except re.error as exc:
                    raise self._error(source, f"{at}/files/{j}", f"override glob {glob!r}: "
                                      f"{exc}") from None
                self.result.overrides.append(Override(glob, pointer, severities, regex))

    def _override_rules(self, source: _Source, at: str, rules: Any,
                        table: dict[str, _RuleDef]) -> dict[str, Severity | None]:
        if not isinstance(rules, dict) or not rules:
            raise self._error(source, at, "an override needs rules: a mapping of rule names "
                              "to severities")
        severities: dict[str, Severity | None] = {}
        for name, value in rules.items():
            rule_at = at + join_pointer([name])
            if isinstance(value, dict):
                raise self._error(source, rule_at, f"override of {name!r}: rule definitions "
                                  "in overrides are not supported; define the rule under "
                                  "rules and set its severity per file here")
            if value is True:
                raise self._error(source, rule_at, f"override of {name!r}: give a severity "
                                  "(error, warn, info, hint or off) rather than true")
            try:
                severity = OFF if value is False else _severity(value)
            except ValueError as exc:
                raise self._error(source, rule_at, f"override of {name!r}: {exc}") from None
            if name in table:
                severities[str(name)] = severity
                continue
            try:
                found = self.state.targets(str(name))
            except UnknownRule as exc:
                raise self._error(source, rule_at, f"override: {exc}") from None
            if found is not None:  # None: a Spectral rule for documents not linted here
                severities[found[0]] = severity
        return severities

    @staticmethod
    def _error(source: _Source, pointer: str, message: str) -> InputError:
        return InputError(message, file=source.display, pointer=pointer,
                          line=source.doc.line_of(pointer))


def _builtin_rules() -> list[Rule]:
    from ledgerpact.governance.lint.catalog import all_rules

    return all_rules()


def _path_like(entry: str) -> bool:
    """Whether an ``extends`` entry can only mean a file (so a missing one is reported as a
    missing file): absolute, ``./``/``../``, or a ruleset file name. A bare name such as
    ``spectral-owasp`` or ``@org/rules`` is what Spectral would look up as an npm package,
    so its message says both that no such file exists and that packages are not used."""
    return (entry.startswith(("/", "./", "../")) or Path(entry).is_absolute()
            or entry.endswith((".yaml", ".yml", ".json")))


def _severity(value: Any) -> Severity | None:
    """Spectral's severities: names, or 0 (error) .. 3 (hint); ``off``/``-1`` is ``None``.
    A bare ``off`` reaches us as ``False`` (YAML 1.1), so ``False`` is off too."""
    if value is False:
        return OFF
    if isinstance(value, bool):
        raise ValueError(f"severity {value!r}: expected error, warn, info, hint, off or 0-3")
    if isinstance(value, int):
        if value == -1:
            return OFF
        if 0 <= value <= 3:
            return Severity.parse(value)
    if isinstance(value, str):
        if value == "off":
            return OFF
        if value in SEVERITY_NAMES:
            return SEVERITY_NAMES[value]
    raise ValueError(f"unknown severity {value!r}: expected error, warn, info, hint, off, or "
                     "0 (error) to 3 (hint)")


def _compile(rule: _RuleDef) -> tuple[RuleSpec, Severity | None, frozenset[str] | None]:
    """Check a full rule definition and compile it; problems raise ``_Error``."""
    definition = rule.definition
    for key in definition:
        if key not in RULE_KEYS:
            raise _Error(f"unknown rule key {key!r} (expected one of: {', '.join(RULE_KEYS)})",
                         (key,))
    if "given" not in definition:
        raise _Error("missing 'given' (the JSONPath of what the rule checks)", ())
    if "then" not in definition:
        raise _Error("missing 'then' (the function to apply)", ())
    for key in ("description", "message", "documentationUrl", "type"):
        if key in definition and not isinstance(definition[key], str):
            raise _Error(f"{key} must be a string", (key,))
    for key in ("recommended", "resolved"):
        if key in definition and not isinstance(definition[key], bool):
            raise _Error(f"{key} must be true or false", (key,))
    try:
        severity = _severity(definition.get("severity", "warn"))
    except ValueError as exc:
        raise _Error(str(exc), ("severity",)) from None
    formats = None
    if "formats" in definition:
        names = definition["formats"]
        if not isinstance(names, list) or not names:
            raise _Error("formats must be a non-empty list such as [oas3]", ("formats",))
        formats = frozenset()
        for i, name in enumerate(names):
            if name not in FORMATS:
                raise _Error(f"unknown format {name!r} (expected one of: "
                             f"{', '.join(FORMATS)})", ("formats", i))
            formats |= FORMATS[name]
    spec = RuleSpec(
        name=rule.name,
        given=_givens(definition["given"], rule.aliases),
        then=_thens(definition["then"]),
        description=definition.get("description"),
        message=definition.get("message"),
        resolved=definition.get("resolved", True),
    )
    return spec, severity, formats


def _givens(given: Any, aliases: dict[str, Any]) -> tuple[Query, ...]:
    listed = isinstance(given, list)
    items = given if listed else [given]
    if not items or not all(isinstance(g, str) for g in items):
        raise _Error("given must be a JSONPath string or a non-empty list of them", ("given",))
    queries = []
    for i, text in enumerate(items):
        at: tuple[str | int, ...] = ("given", i) if listed else ("given",)
        try:
            for expanded in _expand_alias(text, aliases, 0):
                queries.append(Query(expanded))
        except PathSyntaxError as exc:
            raise _Error(str(exc), at) from None
    return tuple(queries)


def _expand_alias(text: str, aliases: dict[str, Any], depth: int) -> list[str]:
    match = re.match(r"#([A-Za-z][A-Za-z0-9_-]*)(.*)$", text.strip(), re.DOTALL)
    if match is None:
        return [text]
    name, rest = match.groups()
    if name not in aliases:
        raise PathSyntaxError(f"unknown alias #{name}")
    if depth > 10:
        raise PathSyntaxError(f"alias #{name} refers to itself")
    targets = aliases[name] if isinstance(aliases[name], list) else [aliases[name]]
    return [expanded for target in targets
            for expanded in _expand_alias(target + rest, aliases, depth + 1)]


def _thens(then: Any) -> tuple[ThenSpec, ...]:
    listed = isinstance(then, list)
    items = then if listed else [then]
    if not items:
        raise _Error("then must not be empty", ("then",))
    specs = []
    for i, item in enumerate(items):
        at: tuple[str | int, ...] = ("then", i) if listed else ("then",)
        if not isinstance(item, dict):
            raise _Error("then must be a mapping with function (and field, functionOptions)",
                         at)
        for key in item:
            if key not in THEN_KEYS:
                raise _Error(f"unknown key {key!r} in then (expected field, function, "
                             "functionOptions)", (*at, key))
        name = item.get("function")
        if not isinstance(name, str):
            raise _Error("then needs a function (one of: " + ", ".join(FUNCTIONS) + ")", at)
        if name not in FUNCTIONS:
            why = UNSUPPORTED.get(name, "custom functions cannot run here")
            raise _Error(f"unknown function {name!r} ({why}; supported: "
                         f"{', '.join(FUNCTIONS)})", (*at, "function"))
        function = FUNCTIONS[name]
        try:
            prepared = function.prepare(item.get("functionOptions"))
        except OptionError as exc:
            raise _Error(exc.message, (*at, "functionOptions", *exc.at)) from None
        specs.append(_then(function, prepared, item.get("field", None), at))
    return tuple(specs)


def _then(function: Any, prepared: Any, field_text: Any, at: tuple[str | int, ...]
          ) -> ThenSpec:
    if field_text is None:
        return ThenSpec(function, prepared)
    if not isinstance(field_text, str) or not field_text:
        raise _Error("field must be a non-empty string", (*at, "field"))
    try:
        if field_text == "@key":
            return ThenSpec(function, prepared, field_text)
        if field_text.startswith("$"):
            return ThenSpec(function, prepared, field_text, query=Query(field_text))
        return ThenSpec(function, prepared, field_text, steps=field_steps(field_text))
    except PathSyntaxError as exc:
        raise _Error(str(exc), (*at, "field")) from None


def _glob_regex(glob: str) -> re.Pattern[str]:
    """A minimatch-style glob as a regular expression over POSIX paths."""
    out, i = [], 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{" and "}" in glob[i:]:
            end = glob.index("}", i)
            alternatives = [_glob_regex(part).pattern for part in glob[i + 1:end].split(",")]
            out.append("(?:" + "|".join(alternatives) + ")")
            i = end + 1
            continue
        elif char == "[" and "]" in glob[i + 1:]:
            end = glob.index("]", i + 1)
            body = glob[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))
