"""``governance/policy.yaml``: the few settings a registry chooses for its governance.

Kept in the repository, beside the waivers and approvals, so that a policy change is itself a
reviewed change with history. Every setting has a default, so a registry without the file
works (and a test registry needs none).
"""

from __future__ import annotations

from typing import NamedTuple

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.workspace import Workspace

POLICY_PATH = "governance/policy.yaml"
TEAMS_PATH = "governance/teams.yaml"
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


class Policy(NamedTuple):
    deprecation_days: int = 90  # a removal needs a deprecation announced this long before
    architects: str = "@ledgerpact/architects"  # may approve any breaking change
    default_branch: str | None = None  # for check's default base; None: origin/HEAD, main


_DEFAULTS = Policy()  # read defaults from an instance: on the class they are field getters
_KEYS = {"deprecation": "deprecation.minimum_days", "architects": "architects",
         "default_branch": "default_branch"}


def load_policy(ws: Workspace) -> Policy:
    """The policy of the registry ``ws`` reads (its defaults when there is no file)."""
    if not ws.source.exists(POLICY_PATH):
        return Policy()
    doc = ws.document(POLICY_PATH)
    data = doc.data
    if not isinstance(data, dict):
        raise InputError("the policy must be a mapping (deprecation, architects, ...)",
                         file=POLICY_PATH, line=1)
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ws.error(f"unknown policy setting {unknown[0]!r} (expected one of: "
                       f"{', '.join(_KEYS)})", POLICY_PATH, f"/{unknown[0]}")
    days = _DEFAULTS.deprecation_days
    deprecation = data.get("deprecation", {})
    if not isinstance(deprecation, dict) or set(deprecation) - {"minimum_days"}:
        raise ws.error("deprecation must be a mapping with minimum_days", POLICY_PATH,
                       "/deprecation")
    if "minimum_days" in deprecation:
        days = deprecation["minimum_days"]
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ws.error(f"minimum_days must be a whole number of days >= 0, not {days!r}",
                           POLICY_PATH, "/deprecation/minimum_days")
    architects = data.get("architects", _DEFAULTS.architects)
    if not isinstance(architects, str) or not architects.startswith("@"):
        raise ws.error(f"architects must be a team or user handle such as "
                       f"'@org/architects', not {architects!r}", POLICY_PATH, "/architects")
    branch = data.get("default_branch")
    if branch is not None and not isinstance(branch, str):
        raise ws.error("default_branch must be a branch name", POLICY_PATH, "/default_branch")
    return Policy(days, architects, branch)
