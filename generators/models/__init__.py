"""Pydantic models generated from the registry's contracts (issue 6).

``generate`` drives datamodel-code-generator over a contract's bundle, ``package`` wraps the
result as an installable distribution, ``output`` writes either all or nothing, and
``stale`` tells which committed generated code no longer matches its contract (what
``ledgerpact check`` reports).
"""

from ledgerpact.generators.models.stale import committed_models, deleted_packages, stale_models

__all__ = ["committed_models", "deleted_packages", "stale_models"]
