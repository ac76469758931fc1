"""Small helpers every rule family needs, kept in one place so they cannot drift apart.

Rules read documents that may be broken in any way (the ``structure`` rule reports how), so
each helper here turns a wrongly-typed value or a reference that cannot be followed into an
empty or absent value instead of an exception: a rule then simply finds nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.index import Index, Operation
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.refs import is_ref

WEBHOOKS = "/webhooks/"


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (a list or a string written where
    an object belongs is a structure finding, not a reason for a rule to crash)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one (see ``as_dict``)."""
    return value if isinstance(value, list) else []


def resolve(index: Index, value: Any, loc: Loc) -> tuple[Any, Loc]:
    """``index.resolve`` that gives ``(None, loc)`` for a reference the index could not
    follow (dangling, a URL, a loop) instead of raising: the index already refused what it
    walked, the structure rule reports the rest, and a rule must not crash on it."""
    try:
        return index.resolve(value, loc)
    except InputError:
        return None, loc


def oauth2_scopes(scheme: dict[str, Any], field: str = "scopes") -> set[str]:
    """Every scope an OAuth2 security scheme's flows offer. OpenAPI and AsyncAPI 2.x list
    them under ``scopes``, AsyncAPI 3.x under ``availableScopes``."""
    found: set[str] = set()
    for flow in as_dict(scheme.get("flows")).values():
        found.update(k for k in as_dict(as_dict(flow).get(field)) if isinstance(k, str))
    return found


def is_webhook(index: Index, op: Operation) -> bool:
    """Whether an OpenAPI operation sits under ``webhooks`` rather than ``paths``: a request
    the API provider makes to its consumers, which path rules and rules about what a client
    sends do not apply to."""
    if op.path_item_loc.file == index.root and op.path_item_loc.pointer.startswith(WEBHOOKS):
        return True
    raw = as_dict(index.doc.get("paths")).get(op.path)
    if raw is None:
        return True
    return raw is not op.path_item and not is_ref(raw)


def no_findings(_index: Any) -> Iterator[Any]:
    """The check of a rule whose findings are produced elsewhere (waivers, findings of a rule
    a report only describes)."""
    return iter(())
