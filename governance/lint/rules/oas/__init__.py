"""OpenAPI 3.0/3.1 rules: what `spectral:oas` checks, and a little more."""

from ledgerpact.governance.lint.rules.oas import operations  # noqa: F401 - registers rules
