"""What a policy rule reports, and the catalogue of policy rules.

Policy findings are not lint findings (they judge a *change*, base to revision, not one
document) nor diff changes (they judge whether a change was allowed by the registry's own
process: lifecycle and deprecation). They get their own small record so that ``check`` can
render them beside the others, and their own catalogue so that every rule id a report shows
can be looked up with its reason.

Rule ids are stable forever: reports, waivers and people's habits refer to them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from ledgerpact.governance.diff.model import Change, Place  # pragma: no cover

Severity = Literal["error", "warn"]


@dataclass(frozen=True)
class PolicyFinding:
    rule: str
    severity: Severity
    message: str
    file: str
    pointer: str
    line: int
    contract: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PolicyRule(NamedTuple):
    id: str
    severity: Severity
    summary: str  # one line: what it refuses
    why: str  # one paragraph: why the registry refuses it


def _rule(rule_id: str, severity: Severity, summary: str, why: str) -> PolicyRule:
    """A rule whose texts are one line each, however they are wrapped in the source."""
    return PolicyRule(rule_id, severity, " ".join(summary.split()), " ".join(why.split()))


POLICY_RULES: dict[str, PolicyRule] = {r.id: r for r in (
    _rule(
        "lifecycle-retired-changed", "error",
        "A retired contract was changed.",
        """A retired contract is a record of what was once offered: nobody may build on it
        any more, and its history must stay as it was released. A change to it (its
        document, the files it uses, or its metadata, including a return to another
        lifecycle) is almost always a mistake, e.g. an edit meant for its successor.
        Deleting a retired contract from the registry is allowed: that is the end of its
        life, and Git keeps its history."""),
    _rule(
        "lifecycle-deprecated-addition", "error",
        "Something was added to a deprecated contract.",
        """A deprecated contract is on its way out: consumers are told to migrate away, so
        new operations, fields, values or capabilities would only attract new users to
        something that is going away. Fixes, deprecations and (approved) removals are still
        allowed. Put additions into the successor, or make the contract active again
        first, in its own reviewed change."""),
    _rule(
        "lifecycle-active-removed", "error",
        "An active contract was deleted from the registry, or retired straight away.",
        """Deleting an active contract, or setting its lifecycle straight to retired, removes
        every operation, channel and field it offers at once, without the deprecation period
        a single removed operation would need. Deprecate it first (its consumers are told to
        migrate), then retire or delete it in a later change."""),
    _rule(
        "lifecycle-back-to-draft", "error",
        "A contract that was active, deprecated or retired was set back to draft.",
        """Draft contracts change freely, without approvals or deprecation periods, because
        nobody depends on them yet. Setting a published contract back to draft would let
        any change through unreviewed while its consumers still depend on it."""),
    _rule(
        "removal-without-deprecation", "error",
        "An operation, path, parameter, property, channel or message was removed without "
        "having been deprecated first.",
        """Consumers get no notice before something they use disappears. The registry's
        process is: mark it `deprecated: true` with an `x-sunset` date (AsyncAPI 3 channels
        and operations, which have no `deprecated` field, use `x-deprecated: true`), release
        that, and remove it once the sunset date has come and the deprecation has been
        announced for at least the policy's minimum period."""),
    _rule(
        "removal-without-sunset", "error",
        "A deprecated element was removed, but its deprecation never announced a sunset date.",
        """`deprecated: true` alone tells consumers to move away, not by when. Without an
        `x-sunset` date (an ISO date such as 2025-06-30) they could not plan, and the
        registry cannot tell whether the removal comes too early."""),
    _rule(
        "removal-before-sunset", "error",
        "A deprecated element was removed before the x-sunset date it announced.",
        """The sunset date is a promise to consumers that the element keeps working until
        then; they plan their migration on it. Removing it earlier breaks the consumers
        that trusted the date."""),
    _rule(
        "deprecation-period-too-short", "error",
        "An element was removed less than the policy's minimum number of days after it was "
        "first deprecated.",
        """Consumers need time to hear about a deprecation and migrate; a sunset date set a
        week after the announcement gives them none. The registry's policy
        (governance/policy.yaml, deprecation.minimum_days) says how long the deprecation
        must have been announced; the announcement date is when `deprecated: true` first
        appeared, without interruption, in the Git history of the file that holds the
        element (first-parent history, newest first, at most 200 commits of that
        file)."""),
)}


def all_policy_rules() -> list[PolicyRule]:
    """Every policy rule, for the check's catalogue: each is an (id, severity, summary, why)
    tuple."""
    return list(POLICY_RULES.values())


def policy_rule(rule_id: str) -> PolicyRule:
    """The rule ``rule_id``; a KeyError names an id no module declares (a typo in code)."""
    return POLICY_RULES[rule_id]


def finding(rule_id: str, message: str, *, file: str, pointer: str, line: int,
            contract: str) -> PolicyFinding:
    """A finding at its rule's severity: severities live in one place, the catalogue."""
    return PolicyFinding(rule_id, policy_rule(rule_id).severity, message, file, pointer,
                         max(line, 1), contract)


def review_place(change: Change) -> Place:
    """Where a finding about ``change`` points: a place in the revision's files, which a pull
    request shows and annotates (for a removal, the nearest surviving parent), else the base."""
    place = change.revision or change.anchor or change.base
    assert place is not None
    return place
