"""Which branch a change is compared with by default, from a policy the change cannot edit.

``default_branch`` in ``governance/policy.yaml`` names the branch whose merge base with HEAD
is the default base of ``check`` and ``approve``. Read from the working tree, a pull request
could point it at its own branch: the base would then be the pull request itself, nothing
would have changed, and no breaking change would need an approval. So the policy is read as
committed where the pull request cannot reach: the remote's default branch (``origin/HEAD``,
set by ``git clone``), else the merge base of HEAD with the first of ``main``,
``origin/main``, ``master``, ``origin/master`` that exists (what ``registry.impact`` falls
back to without a policy).
"""

from __future__ import annotations

from ledgerpact.governance.policy.config import load_policy
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.impact import FALLBACK_BRANCHES  # the order default_base tries
from ledgerpact.registry.impact_git import Git
from ledgerpact.registry.repository import Registry

_REMOTE_HEAD = "origin/HEAD"


def default_base_branch(reg: Registry) -> str:
    """The default branch: the ``default_branch`` of the policy as committed on
    ``origin/HEAD`` when that exists, else at the merge base of HEAD with main (or
    origin/main, master, origin/master); when that policy names none, the branch it was read
    from. Never the working tree's policy. Callers take the merge base with it:
    ``registry.impact.default_base(reg, default_base_branch(reg))``."""
    git = Git(reg)
    tried = (_REMOTE_HEAD, *(b for b in FALLBACK_BRANCHES if b != _REMOTE_HEAD))
    branch = next((name for name in tried if git.commit(name) is not None), None)
    if branch is None:
        raise InputError(f"cannot find the default branch, whose governance/policy.yaml "
                         f"says what to compare with (tried {', '.join(tried)}): fetch it "
                         "(git remote set-head origin --auto), or pass --base REF",
                         file="--base")
    if branch == _REMOTE_HEAD:
        at, label = branch, branch
    else:
        head = git.commit("HEAD")
        if head is None:
            raise InputError("the repository has no commit yet (HEAD names nothing); commit "
                             "first or pass --base REF", file=str(git.root))
        found = git.merge_base(head, branch)
        if found is None:
            raise InputError(f"HEAD and {branch} have no common ancestor (a shallow clone? "
                             "fetch with full history, e.g. fetch-depth: 0), or pass "
                             "--base REF", file="--base")
        at, label = found, f"merge base {found[:10]} of {branch} and HEAD"
    return load_policy(reg.workspace(at, label)).default_branch or branch


def review_base(reg: Registry, base_ref: str | None) -> tuple[str, str]:
    """(commit, label) of what a change is compared with: the merge base of HEAD with
    ``base_ref``, or with the default branch. ``check`` and ``approve`` both call this, so an
    approval is recorded against exactly the changes the check then compares (with ``ref``
    itself instead of the merge base, every change ``ref`` gained since the branch point
    would look like the pull request's, reversed). The label is what reports show."""
    from ledgerpact.registry.impact import default_base, merge_base

    if base_ref is None:
        commit = default_base(reg, default_base_branch(reg))
        return commit, f"merge base {commit[:10]}"
    tip = Git(reg).require_commit(base_ref)
    commit = merge_base(reg, base_ref)
    if commit == tip:  # REF is an ancestor of HEAD: its own name says it
        return commit, base_ref
    return commit, f"merge base {commit[:10]} of {base_ref} and HEAD"
