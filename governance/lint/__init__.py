"""The lint engine: built-in rulesets, Spectral-compatible custom rules, waivers."""
