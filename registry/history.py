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
    """Every release of ``contract_id``, oldest version first.

    Tags whose name is not ``<id>/v<semver>`` are not releases, nor are tags that do not
    lead to a commit (``git tag money/v3.0.0 <blob>`` is possible by hand, and a release
    is a snapshot of the registry); annotated tags of a commit are releases."""
    prefix = f"{contract_id}/v"
    found = []
    for tag in repo.tags:
        if not tag.name.startswith(prefix):
            continue
        text = tag.name[len(prefix):]
        if not is_semver(text):
            continue
        try:
            commit = tag.commit
        except ValueError:  # points to a tree or a blob
            continue
        found.append(Release(contract_id, Version.parse(text), tag.name, commit.hexsha,
                             datetime.fromtimestamp(commit.committed_date, tz=UTC)))
    return sorted(found, key=lambda r: r.version)


def _is_commit(repo: git.Repo, ref: str) -> bool:
    import git

    try:
        repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        return False
    return True


def revision_for(repo: git.Repo, contract_id: str, spec: str) -> tuple[str, str]:
    """Resolve the part after ``@``: a released version (``1.2.0`` or ``v1.2.0``) first,
    then any Git tag, branch or commit (for a version, the repository-wide tags ``v1.2.0``
    and ``1.2.0``). Returns (revision, label for messages)."""
    bare = spec[1:] if spec.startswith("v") and is_semver(spec[1:]) else spec
    if is_semver(bare):
        wanted = Version.parse(bare)
        known = releases(repo, contract_id)
        exact = [r for r in known if str(r.version) == bare]
        same = exact or [r for r in known if r.version == wanted]  # build metadata aside
        if len(same) == 1:
            return same[0].tag, same[0].tag
        if len(same) > 1:
            tags = ", ".join(r.tag for r in same)
            raise InputError(f"{bare} matches several releases of {contract_id} ({tags}); "
                             "name one with its build metadata", file=f"{contract_id}@{spec}")
        for ref in (f"v{bare}", bare):
            if _is_commit(repo, ref):
                return ref, ref
        listed = ", ".join(str(r.version) for r in known) or "none"
        raise InputError(f"{contract_id} has no release {bare} (released: {listed}) and no "
                         f"Git tag or branch is named v{bare} or {bare}",
                         file=f"{contract_id}@{spec}")
    if not _is_commit(repo, spec):
        raise InputError(f"{spec!r} is neither a release of {contract_id} nor a Git tag, "
                         "branch or commit", file=f"{contract_id}@{spec}")
    return spec, spec


def split_spec(spec: str) -> tuple[str, str | None]:
    """``ID@REF`` -> (ID, REF); ``ID`` -> (ID, None)."""
    contract_id, sep, ref = spec.partition("@")
    if sep and not ref:
        raise InputError("expected ID@VERSION or ID@GITREF after '@'", file=spec)
    return contract_id, (ref if sep else None)
