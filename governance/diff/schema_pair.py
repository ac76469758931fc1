"""The pair the schema rules see, and what inverted it.

Inside ``not`` (or an ``if`` with only ``then``) a schema change means the opposite of what it
means outside. The walk notes which keyword put a comparison there (``within``); the pair
carries it, so that a rule's verdict is mirrored and its message says why. Both the merged
views (schema_merge.py) and the walk (schema_walk.py) create these pairs.
"""

from __future__ import annotations

from typing import Any

from ledgerpact.governance.diff.model import DiffRule, Direction
from ledgerpact.governance.diff.pairs import Pair


class SchemaPair(Pair):
    """A schema pair that knows what inverted it. Inside ``if`` with only ``then`` a change
    means the opposite of what it means outside, as inside ``not``, but what it does reads
    differently: it decides which values ``then`` applies to."""

    __slots__ = ()

    def reported(self, rule: DiffRule, message: str) -> tuple[Direction, str]:
        if not self.negated or self.info.get("within") != "if":
            return super().reported(rule, message)
        reads, writes = rule.levels[Direction.REQUEST], rule.levels[Direction.RESPONSE]
        if reads < writes:  # the rule reports a widening: "then" now applies to more values
            message += ", so values it now matches must also match 'then'"
        elif reads > writes:
            message += ", so values it no longer matches need not match 'then'"
        return self.direction.mirror, f"within 'if': {message}"


def make_pair(within: str, *args: Any, **kwargs: Any) -> SchemaPair:
    """A schema pair, negated when ``within`` names the inverting keyword it is inside."""
    pair = SchemaPair(*args, negated=bool(within), **kwargs)
    if within:
        pair.info["within"] = within
    return pair


def within_of(pair: Pair) -> str:
    """The inverting keyword a pair is inside ("" for none); a negated pair made elsewhere
    counts as inside ``not``."""
    found = pair.info.get("within", "not" if pair.negated else "")
    return str(found)
