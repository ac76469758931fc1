"""``ledgerpact check``: the pull-request check of every contract a change touches.

A pull request is judged contract by contract: the contracts whose files changed, and those
that reach a changed file through ``$ref`` (a change to Money is a change to every API that
uses it), each through the same steps -- validity, lint, the diff against the base under
its compatibility mode, the version bump, lifecycle and deprecation policy, ownership,
approvals for breaking changes, and (once models exist) generated code. The pieces live
elsewhere (registry/impact.py, governance/lint, governance/diff, governance/policy,
governance/approvals); this package only orders them, keeps their verdicts apart per step,
and renders one report.

Modules: ``model`` (what a check result is), ``entries`` (one contract's metadata without
reading the whole registry), ``steps`` (one function per step), ``run`` (the order), ``catalog``
(every rule a check can report, for SARIF), ``report`` (the six formats), ``cli``.
"""
