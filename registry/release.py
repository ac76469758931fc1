"""Releasing a contract: validate what is committed, then create its tag.

A release tags a commit, so it is checked at HEAD (not the working tree), and refused while
any file the contract uses has uncommitted changes: the tag must hold exactly what was
validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerpact.registry import history
from ledgerpact.registry.bundle import bundle
from ledgerpact.registry.catalog import Catalog
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.findings import Finding
from ledgerpact.registry.metadata import Kind
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.semver import Version
from ledgerpact.registry.validate import validate_bundle


@dataclass
class ReleaseResult:
    tag: str
    version: str
    commit: str
    findings: list[Finding] = field(default_factory=list)


def version_problem(version: Version, earlier: list[history.Release]) -> str | None:
    """Why ``version`` cannot be released after ``earlier`` releases, or None if it can.

    A version is released once: build metadata (``1.0.0+build.7``) does not make a new
    version (semver: it has no precedence). A release must be newer than every earlier one
    of its major line, so maintenance releases of an old line (1.4.1 after 2.0.0) are
    allowed; a major line cannot be opened below the latest release (0.9.0 after 1.1.0).
    """
    same = [r for r in earlier if r.version == version]
    if same:
        return (f"version {version} is already released ({same[0].tag} at "
                f"{same[0].commit[:10]}); bump the version")
    line = [r for r in earlier if r.version.major == version.major]
    if line and version < line[-1].version:
        return (f"version {version} is lower than {line[-1].version}, the latest "
                f"{version.major}.x release: a release must be newer than the latest of the "
                "same major version")
    if not line and earlier and version < earlier[-1].version:
        return (f"version {version} is lower than the latest release {earlier[-1].version} "
                f"and {version.major}.x has no releases to maintain")
    return None


def release(reg: Registry, contract_id: str, *, dry_run: bool = False) -> ReleaseResult:
    repo = reg.require_repo()
    if not repo.head.is_valid():
        raise InputError("the repository has no commits yet; commit the contract first",
                         file=str(reg.root))
    head = repo.head.commit
    ws = reg.workspace("HEAD", f"HEAD ({head.hexsha[:10]})")
    entry = Catalog(ws).get(contract_id)
    b = bundle(ws, entry.document_path)
    # Where the version is written: info.version, or contract.yaml for a JSON Schema.
    where = ((entry.metadata_path, "/version") if entry.meta.kind is Kind.JSON_SCHEMA
             else (entry.document_path, "/info/version"))
    try:
        version = Version.parse(entry.version(ws))
    except ValueError as exc:
        raise ws.error(str(exc), *where) from None
    tag = history.tag_name(contract_id, str(version))
    used = [entry.metadata_path, *b.files]
    dirty = repo.git.status("--porcelain", "--", *used).strip()
    if dirty:
        first = dirty.splitlines()[0].split(maxsplit=1)[-1]
        raise InputError(f"uncommitted changes to {first}: commit them first (a release tags "
                         "a commit)", file=first)
    problem = version_problem(version, history.releases(repo, contract_id))
    if problem:
        raise ws.error(problem, *where)
    if tag in repo.tags:  # a tag by that name that is no release: made by hand
        raise ws.error(f"a Git tag {tag} already exists but does not point to a commit; "
                       "delete it or bump the version", *where)
    findings = validate_bundle(ws, b, contract_id)
    result = ReleaseResult(tag, str(version), head.hexsha, findings)
    if not findings and not dry_run:
        repo.create_tag(tag, ref=head, message=f"Release {contract_id} {version}")
    return result
