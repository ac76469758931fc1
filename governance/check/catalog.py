"""Every rule a check can report, described once, so SARIF (and a reader) can look each up.

A check reports findings from four families: lint rules (and the waiver rules), diff rules
(a change is a finding), policy rules (lifecycle, deprecation) and the check's own rules
below (validity, version, ownership, approvals). ``describe`` finds the description of a
rule id in whichever family owns it.
"""

from __future__ import annotations

from functools import cache

from ledgerpact.governance.lint.model import ALL_FORMATS, Rule, RuleDoc, Severity
from ledgerpact.governance.lint.rules._util import no_findings


def _rule(rule_id: str, severity: Severity, summary: str, why: str, bad: str = "",
          good: str = "") -> Rule:
    return Rule(id=rule_id, severity=severity, formats=ALL_FORMATS,
                doc=RuleDoc(summary=summary, why=" ".join(why.split()), bad=bad, good=good),
                check=no_findings, family="check", rulesets=frozenset())


INPUT_ERROR = "input-error"
EXAMPLE = "example"
METADATA = "metadata"
VERSION_BUMP = "version-bump"
OWNERS_DECLARED = "owners-declared"
OWNER_UNKNOWN = "owner-unknown"
APPROVAL_REQUIRED = "approval-required"
GENERATED_CODE_STALE = "generated-code-stale"

CHECK_RULES: tuple[Rule, ...] = (
    _rule(INPUT_ERROR, Severity.ERROR,
          "The contract's files cannot be read: broken YAML or JSON, or a $ref that cannot "
          "be followed.",
          """Nothing else can be checked about a contract whose files do not load; the
          message names the file, line and JSON pointer to fix."""),
    _rule(EXAMPLE, Severity.ERROR, "An example does not match the schema it illustrates.",
          """Examples are what people copy and what mocks serve: one that its own schema
          rejects teaches clients to send invalid data.""",
          bad="Amount:\n  type: string\n  pattern: '^-?[0-9]+(\\.[0-9]+)?$'\n"
              "  examples: ['12,50']\n",
          good="Amount:\n  type: string\n  pattern: '^-?[0-9]+(\\.[0-9]+)?$'\n"
               "  examples: ['12.50']\n"),
    _rule(METADATA, Severity.ERROR,
          "contract.yaml describes the document it names (its kind matches the document).",
          """The registry routes a contract to the validator, linter and diff of its kind;
          metadata that says openapi for an AsyncAPI document sends it to the wrong ones."""),
    _rule(VERSION_BUMP, Severity.ERROR,
          "The contract's version moved at least as far as its changes require: breaking -> "
          "major, additive -> minor, any other change -> patch.",
          """Consumers pin versions by their promise: a breaking change published as a
          minor version reaches clients that asked never to receive one.""",
          bad="# a required request property was added\ninfo: {version: 1.4.0}  # was 1.3.0\n",
          good="# a required request property was added\ninfo: {version: 2.0.0}  # was 1.3.0\n"),
    _rule(OWNERS_DECLARED, Severity.ERROR,
          "The contract names its owners in contract.yaml.",
          """Someone must answer for a contract: its owners review its changes and may
          approve a breaking one. A contract without owners has nobody to ask."""),
    _rule(OWNER_UNKNOWN, Severity.WARN,
          "Every owner of the contract is a team or a person governance/teams.yaml knows.",
          """Approvals are checked against the owners' team membership; an owner handle
          the teams file does not know can never approve anything, so breaking changes to
          the contract could only ever be approved by the architects."""),
    _rule(APPROVAL_REQUIRED, Severity.ERROR,
          "A breaking change to a contract that is not a draft has a valid approval: a record "
          "under governance/approvals/ for exactly this base and revision, by an owner or an "
          "architect.",
          """Breaking a published contract breaks its consumers; the decision to do it
          anyway belongs to the people accountable for the contract, recorded in the
          repository and bound to the exact content they approved, so a later edit needs
          a new decision."""),
    _rule(GENERATED_CODE_STALE, Severity.ERROR,
          "Committed models generated from the contract match what the contract generates "
          "now.",
          """Adapter teams import the committed models, not the contract: models generated
          from an older version of the contract (or edited by hand since) silently disagree
          with what the API or event now carries. Regenerate them in the same pull request
          as the contract change (`ledgerpact generate models ID --out DIR --replace`)."""),
)


@cache
def _known() -> dict[str, Rule]:
    from ledgerpact.governance.diff.catalog import all_diff_rules
    from ledgerpact.governance.diff.report.adapt import lint_rule
    from ledgerpact.governance.lint.catalog import all_rules
    from ledgerpact.governance.lint.waivers import WAIVER_RULES

    out: dict[str, Rule] = {}
    for rule in [*CHECK_RULES, *policy_rules(), *all_rules(), *WAIVER_RULES]:
        out.setdefault(rule.id, rule)
    for diff_rule in all_diff_rules():
        out.setdefault(diff_rule.id, lint_rule(diff_rule))
    return out


def policy_rules() -> list[Rule]:
    """The lifecycle and deprecation rules, described as lint rules."""
    from ledgerpact.governance.policy.model import all_policy_rules

    return [_rule(rule_id, Severity.parse(severity), summary, why)
            for rule_id, severity, summary, why in all_policy_rules()]


def describe(rule_id: str) -> Rule | None:
    return _known().get(rule_id)
