"""The semantic-version bump the detected changes require, and whether a version meets it.

breaking -> major, additive -> minor, any other change -> patch (semver.org). Before 1.0.0
semver promises nothing, but tools (Cargo, npm's caret) treat ``0.y`` as the major line and
``z`` as everything else: a breaking change then needs a new minor version, and anything else
a new patch, which is what we ask. Pre-releases of one version (``2.0.0-rc.1`` ->
``2.0.0-rc.2`` -> ``2.0.0``) are that version still being made: they may change freely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledgerpact.governance.diff.model import Bump, Change
from ledgerpact.registry.semver import Version


def required_bump(changes: Iterable[Change]) -> Bump:
    return max((c.bump for c in changes), default=Bump.NONE)


def bump_between(old: Version, new: Version) -> Bump | None:
    """How far ``new`` moved from ``old``; None when it did not move forward at all."""
    if new <= old:
        return None
    if new.major != old.major:
        return Bump.MAJOR
    if new.minor != old.minor:
        return Bump.MINOR
    if new.patch != old.patch:
        return Bump.PATCH
    # Same numbers, so ``new`` is a later pre-release (or the release of a pre-release).
    return Bump.PATCH


def _effective(required: Bump, old: Version) -> Bump:
    if old.major == 0 and required is Bump.MAJOR:
        return Bump.MINOR
    if old.major == 0 and required is Bump.MINOR:
        return Bump.PATCH
    return required


def next_version(old: Version, bump: Bump) -> Version:
    """The smallest version after ``old`` that makes the ``bump``."""
    bump = _effective(bump, old)
    if bump is Bump.MAJOR:
        return Version(old.major + 1, 0, 0)
    if bump is Bump.MINOR:
        return Version(old.major, old.minor + 1, 0)
    if bump is Bump.PATCH:
        return Version(old.major, old.minor, old.patch + (0 if old.prerelease else 1))
    return old


@dataclass(frozen=True)
class VersionVerdict:
    base: Version
    revision: Version
    required: Bump
    made: Bump | None  # None: not bumped (same or lower version)
    ok: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"baseVersion": str(self.base), "revisionVersion": str(self.revision),
                "required": self.required.label, "made": self.made.label if self.made else None,
                "minimum": str(next_version(self.base, self.required)), "ok": self.ok,
                "message": self.message}


def check_version(base: Version, revision: Version, changes: list[Change]) -> VersionVerdict:
    required = required_bump(changes)
    made = bump_between(base, revision)
    need = _effective(required, base)
    counts = _counts(changes)
    if required is Bump.NONE:
        if revision < base:
            return VersionVerdict(base, revision, required, made, False,
                                  f"version went down from {base} to {revision}")
        return VersionVerdict(base, revision, required, made, True,
                              f"no contract changes; {revision} is fine")
    minimum = next_version(base, required)
    core = (base.major, base.minor, base.patch)
    if base.prerelease and made is not None and (revision.major, revision.minor,
                                                 revision.patch) == core:
        return VersionVerdict(base, revision, required, made, True,
                              f"{base} -> {revision}: pre-releases of {'.'.join(map(str, core))}"
                              f" may change freely ({counts})")
    if made is None:
        what = "was not bumped" if revision == base else f"went down to {revision}"
        return VersionVerdict(base, revision, required, made, False,
                              f"version {what} from {base}, but the changes ({counts}) require a "
                              f"{need.label} bump: expected at least {minimum}")
    if made < need:
        return VersionVerdict(base, revision, required, made, False,
                              f"{base} -> {revision} is a {made.label} bump, but the changes "
                              f"({counts}) require a {need.label} bump: expected at least "
                              f"{minimum}")
    return VersionVerdict(base, revision, required, made, True,
                          f"{base} -> {revision} is a {made.label} bump; the changes ({counts}) "
                          f"require {need.label}")


def _counts(changes: list[Change]) -> str:
    by: dict[str, int] = {}
    for c in changes:
        by[c.level.label] = by.get(c.level.label, 0) + 1
    return ", ".join(f"{n} {label}" for label in ("breaking", "warning", "info")
                     if (n := by.get(label)))
