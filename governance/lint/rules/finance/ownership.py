"""Every contract declares an owner and a lifecycle.

When a payment API breaks at month end, the first question is who owns it; when a consumer
plans a migration, the second is whether the contract is still active or already
deprecated. In the registry both come from ``contract.yaml``; a file linted on its own must
carry them in ``info`` (``x-owner``, ``x-lifecycle``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ALL_FORMATS, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules.finance.vocabulary import LIFECYCLES

EXPECTED_LIFECYCLE = f"one of {', '.join(LIFECYCLES)}"


def _owners(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, str) and v.strip() for v in value)


@rule(
    "finance-owner-lifecycle",
    severity="warn",
    family="finance",
    formats=ALL_FORMATS,
    summary="The contract declares an owner and a lifecycle: registry metadata (owners, "
            "lifecycle) or, outside the registry, info.x-owner and info.x-lifecycle (no "
            "Spectral equivalent; Zalando 'contain API meta information').",
    why="""An API nobody owns is an API nobody fixes, and consumers cannot plan around a
    contract whose lifecycle (draft, active, deprecated, retired) is unknown. The registry
    keeps both in contract.yaml; a contract linted as a plain file must carry them itself
    so the information travels with it.""",
    bad=openapi("""paths: {}
""", title="Payments"),
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  x-owner: '@ledgerpact/treasury'
  x-lifecycle: active
paths: {}
""",
)
def owner_lifecycle(index: Index) -> Iterator[Violation]:
    root = index.root_loc
    if index.metadata is not None:
        if not _owners(index.metadata.get("owners")):
            yield Violation(root, "the registry metadata (contract.yaml) names no owner; "
                                  "expected owners: a non-empty list of teams")
        if index.metadata.get("lifecycle") not in LIFECYCLES:
            yield Violation(root, f"the registry metadata (contract.yaml) has lifecycle "
                                  f"{index.metadata.get('lifecycle')!r}; expected "
                                  f"{EXPECTED_LIFECYCLE}")
        return
    info = index.doc.get("info")
    if not isinstance(info, dict):
        return  # the structure rule reports a missing info object
    loc = root.child("info")
    owner, lifecycle = info.get("x-owner"), info.get("x-lifecycle")
    missing = [k for k, ok in (("x-owner", _owners(owner)),
                               ("x-lifecycle", lifecycle is not None)) if not ok]
    if missing:
        yield Violation(loc, f"info declares no {' and no '.join(missing)}; expected "
                             "info.x-owner (the owning team, e.g. '@ledgerpact/treasury') and "
                             f"info.x-lifecycle ({EXPECTED_LIFECYCLE}), or the contract in the "
                             "registry with owners and lifecycle in contract.yaml")
    if lifecycle is not None and lifecycle not in LIFECYCLES:
        yield Violation(loc.child("x-lifecycle"), f"info.x-lifecycle is {lifecycle!r}; "
                                                  f"expected {EXPECTED_LIFECYCLE}")
