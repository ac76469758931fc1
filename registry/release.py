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
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.semver import Version
from ledgerpact.registry.validate import validate_bundle


@dataclass
class ReleaseResult:
    tag: str
    version: str
    commit: str
    findings: list[Finding] = field(default_factory=list)


def release(reg: Registry, contract_id: str, *, dry_run: bool = False) -> ReleaseResult:
    repo = reg.require_repo()
    if not repo.head.is_valid():
        raise InputError("the repository has no commits yet; commit the contract first",
                         file=str(reg.root))
    head = repo.head.commit
    ws = reg.workspace("HEAD", f"HEAD ({head.hexsha[:10]})")
    entry = Catalog(ws).get(contract_id)
    b = bundle(ws, entry.document_path)
    version_text = entry.version(ws)
    try:
        version = Version.parse(version_text)
    except ValueError as exc:
        raise InputError(str(exc), file=entry.document_path, pointer="/info/version") from None
    tag = history.tag_name(contract_id, str(version))
    used = [entry.metadata_path, *b.files]
    dirty = repo.git.status("--porcelain", "--", *used).strip()
    if dirty:
        first = dirty.splitlines()[0].split(maxsplit=1)[-1]
        raise InputError(f"uncommitted changes to {first}: commit them first (a release tags "
                         "a commit)", file=first)
    if tag in repo.tags:
        raise InputError(f"version {version} of {contract_id} is already released "
                         f"({tag} at {repo.tags[tag].commit.hexsha[:10]}); bump the version",
                         file=entry.document_path)
    earlier = history.releases(repo, contract_id)
    if earlier and version < earlier[-1].version:
        raise InputError(f"version {version} is lower than the latest release "
                         f"{earlier[-1].version}", file=entry.document_path)
    findings = validate_bundle(ws, b, contract_id)
    result = ReleaseResult(tag, str(version), head.hexsha, findings)
    if not findings and not dry_run:
        repo.create_tag(tag, ref=head, message=f"Release {contract_id} {version}")
    return result
