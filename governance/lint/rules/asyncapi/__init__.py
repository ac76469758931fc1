"""AsyncAPI 2.6 / 3.x rules: what `spectral:asyncapi` checks (one rule id where Spectral
has a 2.x and a 3.x variant), plus the AsyncAPI parser's 3.x reference rules and a few
more (unused messages, message names, operation tags)."""

from ledgerpact.governance.lint.rules.asyncapi import (  # noqa: F401 - each registers rules
    channels,
    components,
    info,
    messages,
    operations,
    schemas,
    servers,
    tags,
)
