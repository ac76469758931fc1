"""Spectral-compatible custom rulesets: bring a ``.spectral.yaml``, get the same findings.

``load_ruleset(path)`` reads and checks the ruleset (and the rulesets it extends) and returns
a ``CustomRuleset`` whose ``rules`` are ordinary lint rules (family ``custom``) that run over
the contract index like the built-in ones.
"""

from ledgerpact.governance.lint.spectral.ruleset import CustomRuleset, Override, load_ruleset

__all__ = ["CustomRuleset", "Override", "load_ruleset"]
