"""OpenAPI 3.0/3.1 rules: what `spectral:oas` checks, and a little more.

One module per theme; importing a module registers its rules with the catalogue.
"""

from ledgerpact.governance.lint.rules.oas import (  # noqa: F401 - registers rules
    components,
    examples,
    info,
    markdown,
    operations,
    parameters,
    paths,
    responses,
    schemas,
    security,
    servers,
    tags,
)
