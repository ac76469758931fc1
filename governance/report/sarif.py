"""SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps, IDE viewers) read.

Each rule is described once in ``tool.driver.rules`` (with its bad and good example as help)
and every result points at it by id and index, at the file and line/column, and at the JSON
pointer as a logical location (a line moves when a file is reformatted; the pointer does
not). Waived findings stay in the log as externally suppressed results with the waiver's
justification, which is how SARIF viewers show accepted exceptions instead of losing them.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from ledgerpact.governance.lint.model import LintFinding, Rule, Severity
from ledgerpact.governance.report.summary import by_location, rule_list
from ledgerpact.registry.output import to_json

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
INFORMATION_URI = "https://ledgerpact.dev"
LEVELS = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.INFO: "note",
          Severity.HINT: "note"}
_BACKTICKS = re.compile(r"`+")
SRCROOT = "%SRCROOT%"


def artifact_uri(path: str) -> tuple[str, bool]:
    """A file name as a URI reference, and whether it is relative to the source root, for
    a caller that cannot say where its files are (with that, ``Artifacts`` names them).

    Registry files are relative paths (``contracts/x/openapi.yaml``), which code scanning
    resolves against the checkout; an absolute path (a file linted from elsewhere) becomes
    a ``file://`` URI. So does a relative path that climbs out of the source root
    (``../fx/y.yaml``): ``%SRCROOT%`` cannot resolve it, so it is made absolute from the
    working directory it was given relative to (the report is rendered in the linting
    process). Characters a URI cannot hold (spaces, ``#``...) are percent-encoded.
    """
    if PureWindowsPath(path).drive:
        return PureWindowsPath(path).as_uri(), False
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute():
        return PurePosixPath(posix).as_uri(), False
    if posixpath.normpath(posix).split("/")[0] == "..":
        absolute = posixpath.normpath(posixpath.join(Path.cwd().as_posix(), posix))
        return artifact_uri(absolute)
    return quote(posix, safe="/"), True


class Artifacts:
    """Where the files findings name are, so every result's URI resolves to its file.

    A finding names its file as the command shows it -- relative to the registry root (a
    registry contract), to the working directory (a file linted by a relative path), or
    absolute -- and one string cannot say which. So each file is first located: ``places``
    maps a name to its file where the command knows it, any other relative name is
    relative to ``base``. Code scanning resolves a relative URI against the repository's
    root, so a file inside ``root`` (the Git work tree, else the registry's folder) is
    named relative to it under ``%SRCROOT%``, which ``run.originalUriBaseIds`` declares
    (SARIF 2.1.0 3.14.14) for every other viewer; any file outside it gets an absolute
    ``file://`` URI. Registry contracts and standalone files are named the same way.
    """

    def __init__(self, root: Path, base: Path, places: Mapping[str, Path] | None = None
                 ) -> None:
        self.root, self.base = root.resolve(), base.resolve()
        self.places = dict(places or {})
        self._seen: dict[str, dict[str, str]] = {}  # thousands of findings share a file

    def location(self, file: str) -> dict[str, str]:
        """The ``artifactLocation`` of ``file``, a name as a finding gives it."""
        found = self._seen.get(file)
        if found is None:
            found = self._seen[file] = self._locate(file)
        return dict(found)

    def _locate(self, file: str) -> dict[str, str]:
        path = self.places.get(file)
        if path is None:
            path = Path(file) if Path(file).is_absolute() else self.base / file
        path = path.resolve()
        if path.is_relative_to(self.root):
            return {"uri": quote(path.relative_to(self.root).as_posix(), safe="/"),
                    "uriBaseId": SRCROOT}
        return {"uri": path.as_uri()}

    def base_ids(self) -> dict[str, Any]:
        """``run.originalUriBaseIds``: what ``%SRCROOT%`` stands for (a base URI ends in a
        slash, SARIF 2.1.0 3.14.14)."""
        uri = self.root.as_uri()
        return {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/",
                          "description": {"text": "The root of the source tree: the Git "
                                                  "work tree (without one, the registry's "
                                                  "folder) the files were checked in."}}}


def _fence(text: str) -> str:
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def help_markdown(rule: Rule) -> str:
    """The rule's doc as markdown: why it matters, then a bad and a good example."""
    parts = [f"**{rule.doc.summary}**"]
    if rule.doc.why:
        parts.append(rule.doc.why)
    for label, example in (("Bad", rule.doc.bad), ("Good", rule.doc.good)):
        if example.strip():
            fence = _fence(example)
            parts.append(f"{label}:\n\n{fence}yaml\n{example.rstrip()}\n{fence}")
    return "\n\n".join(parts)


def help_text(rule: Rule) -> str:
    parts = [rule.doc.summary]
    if rule.doc.why:
        parts.append(rule.doc.why)
    for label, example in (("Bad", rule.doc.bad), ("Good", rule.doc.good)):
        if example.strip():
            parts.append(f"{label}:\n{example.rstrip()}")
    return "\n\n".join(parts)


def descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.doc.summary or rule.id},
        "fullDescription": {"text": rule.doc.why or rule.doc.summary or rule.id},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": [rule.family], "formats": sorted(rule.formats),
                       "rulesets": sorted(rule.rulesets)},
    }


def fingerprint(finding: LintFinding) -> str:
    """Stable across reformatting (no line numbers), so code scanning can track a result
    from one run to the next."""
    key = "\0".join((finding.rule, finding.file, finding.pointer, finding.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def result(finding: LintFinding, index: int, artifacts: Artifacts | None = None
           ) -> dict[str, Any]:
    """One result; without ``artifacts`` a relative file name is taken to be relative to
    the source root already (and a name climbing out of it, to the working directory)."""
    artifact: dict[str, Any]
    if artifacts is not None:
        artifact = artifacts.location(finding.file)
    else:
        uri, relative = artifact_uri(finding.file)
        artifact = {"uri": uri, **({"uriBaseId": SRCROOT} if relative else {})}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if finding.line > 0:
        physical["region"] = {"startLine": finding.line,
                              "startColumn": max(finding.column, 1)}
    where: dict[str, Any] = {"physicalLocation": physical}
    if finding.pointer:
        where["logicalLocations"] = [{"fullyQualifiedName": finding.pointer}]
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [where],
        "partialFingerprints": {"ledgerpact/v1": fingerprint(finding)},
        "properties": {"severity": finding.severity.label,
                       **({"contract": finding.contract} if finding.contract else {})},
    }
    if finding.waived_by:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": finding.waived_by}]
    return out


def invocation(errors: list[str]) -> dict[str, Any]:
    """The run's invocation: unsuccessful, with a notification per input that could not be
    read, when any could not (SARIF's place for "the tool could not do all it was asked")."""
    if not errors:
        return {"executionSuccessful": True}
    return {"executionSuccessful": False,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": error}}
                                           for error in errors]}


def render(findings: list[LintFinding], *, rules: list[Rule], checked: list[str],
           fail_severity: Severity, tool_version: str, errors: list[str] | None = None,
           ruleset: str = "", artifacts: Artifacts | None = None) -> str:
    """The SARIF log; ``artifacts`` locates the findings' files (see ``Artifacts``)."""
    described = rule_list(rules, findings)
    index = {rule.id: n for n, rule in enumerate(described)}
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "ledgerpact", "version": tool_version,
                            "informationUri": INFORMATION_URI,
                            "rules": [descriptor(rule) for rule in described]}},
        "invocations": [invocation(errors or [])],
        **({"originalUriBaseIds": artifacts.base_ids()} if artifacts is not None else {}),
        "columnKind": "unicodeCodePoints",
        "results": [result(f, index[f.rule], artifacts) for f in by_location(findings)],
        "properties": {"checked": list(checked), "failSeverity": fail_severity.label,
                       "ruleset": ruleset},
    }
    return to_json({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})
