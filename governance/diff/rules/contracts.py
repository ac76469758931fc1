"""Registry rules: a whole contract added to, or removed from, the registry.

They run on a ``contract`` pair, which only ``ledgerpact diff --base REF`` builds: its sides
are a contract's ``contract.yaml`` (parsed) at REF and in the working tree, either missing.
Their examples are therefore that metadata file before and after, not two API documents, and
their fixture test is a real Git registry (tests/test_diff_cli.py), not tests/test_diff_rules.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Hit
from ledgerpact.governance.diff.pairs import Pair

_ABSENT = "# contracts/supplier-payments/contract.yaml does not exist\n"
_METADATA = """\
# contracts/supplier-payments/contract.yaml
id: supplier-payments
title: Supplier Payments
kind: openapi
document: openapi.yaml
owners: ["@acme/payables"]
lifecycle: active
compatibility: BACKWARD
"""


def _kind(pair: Pair) -> str:
    meta = pair.rev if pair.rev is not None else pair.base
    kind = meta.get("kind") if isinstance(meta, dict) else None
    return f"{kind} contract" if isinstance(kind, str) else "contract"


@diff_rule(
    "contract-added",
    kind="contract",
    level="info",
    additive=True,
    family="registry",
    summary="A contract was added to the registry.",
    why="""A new contract breaks no one: nobody can depend on it yet. It is reported so that a
    review sees every contract a change brings in, with the owners and compatibility mode it
    starts with.""",
    base=_ABSENT,
    revision=_METADATA,
)
def contract_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"{_kind(pair)} {pair.subject!r} added", no_base=True)


@diff_rule(
    "contract-removed",
    kind="contract",
    level="breaking",
    family="registry",
    summary="A contract was removed from the registry.",
    why="""Every consumer of the contract loses it at once: clients generated from it, tests
    run against it, events decoded with it. Retire a contract through its lifecycle
    (deprecated, then retired, with consumers told) instead of deleting it; the removal itself
    is still a breaking change.""",
    base=_METADATA,
    revision=_ABSENT,
)
def contract_removed(pair: Pair) -> Iterator[Hit]:
    if pair.removed:
        yield Hit(f"{_kind(pair)} {pair.subject!r} removed", no_rev=True)


_STRENGTH = {"NONE": 0, "BACKWARD": 1, "FORWARD": 1, "FULL": 2}


def _strength(mode: str) -> tuple[int, bool]:
    return _STRENGTH.get(mode.removesuffix("_TRANSITIVE"), 0), mode.endswith("_TRANSITIVE")


@diff_rule(
    "compatibility-mode-changed",
    kind="contract",
    level="warning",
    family="registry",
    summary="A contract's compatibility mode changed.",
    why="""The mode decides which changes count as breaking for every later change. The change
    that alters it is still judged under the old mode (so a pull request cannot relax the
    policy and slip a breaking change through in the same breath), and the new mode deserves
    an explicit review: weakening FULL_TRANSITIVE to NONE, or BACKWARD to FORWARD, changes what
    consumers may rely on.""",
    base=_METADATA,
    revision=_METADATA.replace("compatibility: BACKWARD", "compatibility: NONE"),
)
def compatibility_mode_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.both:
        return
    old, new = pair.base.get("compatibility"), pair.rev.get("compatibility")
    if not isinstance(old, str) or not isinstance(new, str) or old == new:
        return
    (old_level, old_all), (new_level, new_all) = _strength(old), _strength(new)
    if new_level < old_level or (new_level == old_level and old_all and not new_all):
        how = "weakened"
    elif new_level > old_level or (new_level == old_level and new_all and not old_all):
        how = "strengthened"
    else:
        how = "changed direction"
    yield Hit(f"compatibility mode {how} from {old} to {new} (this change is still checked "
              f"under {old})", base_at=(pair.base_loc.file, "/compatibility")
              if pair.base_loc else None,
              rev_at=(pair.rev_loc.file, "/compatibility") if pair.rev_loc else None)
