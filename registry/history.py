"""Releases: a contract's versions are Git tags ``<contract-id>/v<semver>``.

Tags make releases immutable and reviewable with ordinary Git tools; the tag name carries the
contract id so one repository can release each contract on its own cadence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.semver import Version, is_semver

if TYPE_CHECKING:
    import git


def tag_name(contract_id: str, version: str) -> str:
    return f"{contract_id}/v{version}"


@dataclass(frozen=True)
class Release:
    contract_id: str
    version: Version
    tag: str
    commit: str
    date: datetime

    def as_dict(self) -> dict[str, str]:
        return {"id": self.contract_id, "version": str(self.version), "tag": self.tag,
                "commit": self.commit, "date": self.date.isoformat()}


def releases(repo: git.Repo, contract_id: str) -> list[Release]:
    """Every release of ``contract_id``, oldest version first (tags that are not semver are
    not releases and are ignored)."""
    prefix = f"{contract_id}/v"
    found = []
    for tag in repo.tags:
        if not tag.name.startswith(prefix):
            continue
        text = tag.name[len(prefix):]
        if not is_semver(text):
            continue
        commit = tag.commit
        found.append(Release(contract_id, Version.parse(text), tag.name, commit.hexsha,
                             datetime.fromtimestamp(commit.committed_date, tz=UTC)))
    return sorted(found, key=lambda r: r.version)


def revision_for(repo: git.Repo, contract_id: str, spec: str) -> tuple[str, str]:
    """Resolve the part after ``@``: a released version (``1.2.0`` or ``v1.2.0``) first,
    then any Git tag, branch or commit. Returns (revision, label for messages)."""
    import git

    bare = spec[1:] if spec.startswith("v") and is_semver(spec[1:]) else spec
    if is_semver(bare):
        tag = tag_name(contract_id, bare)
        if tag in repo.tags:
            return tag, tag
        known = ", ".join(str(r.version) for r in releases(repo, contract_id)) or "none"
        raise InputError(f"{contract_id} has no release {bare} (released: {known})",
                         file=f"{contract_id}@{spec}")
    try:
        repo.commit(spec)
    except (git.BadName, ValueError, git.GitCommandError):
        raise InputError(f"{spec!r} is neither a release of {contract_id} nor a Git tag, "
                         "branch or commit", file=f"{contract_id}@{spec}") from None
    return spec, spec


def split_spec(spec: str) -> tuple[str, str | None]:
    """``ID@REF`` -> (ID, REF); ``ID`` -> (ID, None)."""
    contract_id, sep, ref = spec.partition("@")
    if sep and not ref:
        raise InputError("expected ID@VERSION or ID@GITREF after '@'", file=spec)
    return contract_id, (ref if sep else None)
