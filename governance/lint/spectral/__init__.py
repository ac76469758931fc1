"""Spectral-compatible custom rulesets: bring a ``.spectral.yaml``, get the same findings.

``load_ruleset(path)`` reads and checks the ruleset (and the rulesets it extends) and returns
a ``CustomRuleset`` whose ``rules`` are ordinary lint rules (family ``custom``) that run over
the contract index like the built-in ones; ``configure(options, custom)`` folds it into the
engine's ``LintOptions`` (which built-in rules run, where, at which severity).
"""

from ledgerpact.governance.lint.spectral.builtin import PACKS, SPECTRAL_RULES
from ledgerpact.governance.lint.spectral.configure import configure, resolver
from ledgerpact.governance.lint.spectral.ruleset import CustomRuleset, Override, load_ruleset

__all__ = ["PACKS", "SPECTRAL_RULES", "CustomRuleset", "Override", "configure", "load_ruleset",
           "resolver"]
