"""The deprecation policy: nothing a consumer uses disappears without notice.

Removing an OpenAPI path, operation, parameter or schema property, or an AsyncAPI channel,
operation or message, is allowed only when, in the base:

1. it was deprecated: ``deprecated: true`` (AsyncAPI 3 channels and operations have no
   ``deprecated`` field, so ``x-deprecated: true`` there); a path counts as deprecated when
   each of its operations is. The mark may sit on the element or on what its ``$ref``
   chain leads to (a ``$ref`` with ``deprecated: true`` beside it, or the referenced
   parameter or message);
2. it announced a sunset date: ``x-sunset`` (an ISO date) on the element, or, for an
   OpenAPI operation, on its path item;
3. the sunset date has come (``today >= x-sunset``);
4. the deprecation was announced at least ``policy.deprecation_days`` before ``today``: the
   date the mark first appeared, without interruption, in the Git history of the file that
   holds it (see ``history``: first-parent, at most 200 commits of that file).

Each unmet condition is its own finding, saying what is missing and the dates involved.
Removals in a contract that was a draft at the base are free (nobody depends on a draft).
A removal is found by the diff rules that report it (``REMOVALS``); the element is read at
the change's base place, so the policy and the diff agree on what was removed.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledgerpact.governance.diff.model import Change, Place
from ledgerpact.governance.diff.openapi_walk import HTTP_METHODS
from ledgerpact.governance.diff.rules._common import sunset_date
from ledgerpact.governance.policy.config import Policy
from ledgerpact.governance.policy.history import HISTORY_LIMIT, Locator, Since, marked_since
from ledgerpact.governance.policy.model import PolicyFinding, finding, review_place
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.metadata import METADATA_NAME, Lifecycle, parse_metadata
from ledgerpact.registry.refs import Target, follow
from ledgerpact.registry.repository import CONTRACTS_DIR, Registry
from ledgerpact.registry.workspace import Workspace

# The diff rules that report a removal, and what kind of element each removes.
REMOVALS: dict[str, str] = {
    "path-removed": "path",
    "path-removed-before-sunset": "path",
    "deprecated-path-removed": "path",
    "operation-removed": "operation",
    "operation-removed-before-sunset": "operation",
    "deprecated-operation-removed": "operation",
    "parameter-removed": "parameter",
    "header-or-cookie-parameter-removed": "parameter",
    "parameter-removed-before-sunset": "parameter",
    "deprecated-parameter-removed": "parameter",
    "property-removed": "property",
    "property-removed-from-closed-schema": "property",
    "channel-removed": "channel",
    "async-operation-removed": "async-operation",
    "message-removed": "message",
}
# Kinds whose object has no ``deprecated`` field in AsyncAPI 3: an extension marks them.
_EXTENSION_MARKED = frozenset({"channel", "async-operation"})


@dataclass(frozen=True)
class _Element:
    """One removed thing, as it was at the base (a removed path is one per operation)."""

    what: str  # "operation DELETE /invoices/{id}", for messages
    kind: str
    contract: str
    place: Place  # where findings point
    file: str  # the base file that holds its mark (or the element itself, when unmarked)
    locator: Locator
    node: Any
    holder: Any = field(default=None, compare=False)  # an operation's path item

    @property
    def mark(self) -> str:
        return "x-deprecated" if self.kind in _EXTENSION_MARKED else "deprecated"

    @property
    def marked(self) -> bool:
        return _is_marked(self.node, self.kind in _EXTENSION_MARKED)

    @property
    def sunset(self) -> Any:
        if isinstance(self.node, dict) and "x-sunset" in self.node:
            return self.node["x-sunset"]
        return self.holder.get("x-sunset") if isinstance(self.holder, dict) else None


def deprecation_findings(reg: Registry, base_ref: str, changes: Iterable[Change],
                         policy: Policy, today: dt.date) -> list[PolicyFinding]:
    """Every removal in ``changes`` (base ``base_ref`` to the revision) that the
    deprecation policy does not allow, with what is missing. Costs nothing without
    removals; otherwise one bounded history walk per file holding a deprecated element."""
    removals = [c for c in changes if c.rule in REMOVALS and c.base is not None]
    if not removals:
        return []
    ws = reg.workspace(base_ref)
    base_commit = reg.require_repo().commit(base_ref).hexsha
    elements = _elements(ws, removals)
    since = _deprecation_dates(reg, base_commit, [e for e in elements if e.marked])
    out: list[PolicyFinding] = []
    for element in elements:
        out += _judge(element, since.get((element.file, element.locator)), policy, today)
    return out


# -- the removed elements, at the base ----------------------------------------------------------


def _elements(ws: Workspace, removals: list[Change]) -> list[_Element]:
    drafts: dict[str, bool] = {}
    seen: set[tuple[str, str, Locator]] = set()
    out = []
    for change in removals:
        if change.contract not in drafts:
            drafts[change.contract] = _was_draft(ws, change.contract)
        if drafts[change.contract]:
            continue
        for element in _expand(ws, change, REMOVALS[change.rule]):
            key = (element.contract, element.file, element.locator)
            if key not in seen:  # a property removed is reported once per direction
                seen.add(key)
                out.append(element)
    return out


def _was_draft(ws: Workspace, contract_id: str) -> bool:
    path = _metadata_path(ws, contract_id) if contract_id else None
    if path is None:
        return False
    try:
        return parse_metadata(ws.document(path)).lifecycle is Lifecycle.DRAFT
    except InputError:  # a broken contract.yaml is validity's finding; keep the rules on
        return False


def _metadata_path(ws: Workspace, contract_id: str) -> str | None:
    """The contract's ``contract.yaml`` at the base: its folder is named after its id, at
    ``contracts/<id>/`` or deeper (``contracts/schemas/money/``). Only this one file is
    parsed; the listing is read only when the usual place has none."""
    usual = f"{CONTRACTS_DIR}/{contract_id}/{METADATA_NAME}"
    if ws.source.exists(usual):
        return usual
    for path in ws.source.glob(CONTRACTS_DIR, METADATA_NAME):
        if posixpath.basename(posixpath.dirname(path)) == contract_id:
            return path
    return None


def _expand(ws: Workspace, change: Change, kind: str) -> list[_Element]:
    assert change.base is not None
    file, pointer = change.base.file, change.base.pointer
    what = _subject(change)
    if kind == "path":
        item_file, item_ptr, item = _locate(ws, file, pointer, kind)
        path = jp.split(pointer)[-1] if pointer else pointer
        ops = [m for m in HTTP_METHODS if isinstance(item, dict) and isinstance(item.get(m), dict)]
        return [_Element(f"{what} (operation {m.upper()} {path})", "operation", change.contract,
                         review_place(change), item_file, Locator(f"{item_ptr}/{m}"), item[m], item)
                for m in ops]
    holder = None
    if kind == "operation":
        tokens = jp.split(pointer)
        if len(tokens) == 3 and tokens[0] == "paths":
            holder = _value(ws, file, jp.join(tokens[:2]))
    at_file, at_ptr, node = _locate(ws, file, pointer, kind)
    return [_Element(what, kind, change.contract, review_place(change), at_file,
                     _locator(at_ptr, node), node, holder)]


def _locate(ws: Workspace, file: str, pointer: str, kind: str) -> tuple[str, str, Any]:
    """The element at (file, pointer), or the first node of its ``$ref`` chain that carries
    the mark: where the mark is, is where its history is read."""
    extension = kind in _EXTENSION_MARKED
    try:
        target, value = follow(Target(file, pointer), file, pointer, ws,
                               stop=lambda _t, v: _is_marked(v, extension))
    except InputError:  # a broken chain in the base: judge the node as written
        return file, pointer, _value(ws, file, pointer)
    return target.file, target.pointer, value


def _value(ws: Workspace, file: str, pointer: str) -> Any:
    try:
        return jp.resolve(ws.document(file).data, pointer)
    except (KeyError, ValueError, InputError):
        return None


def _locator(pointer: str, node: Any) -> Locator:
    """A list item (an inline parameter, an AsyncAPI 2 message in a list) is found again by
    its name, not its index."""
    tokens = jp.split(pointer)
    if tokens and tokens[-1].isdigit() and isinstance(node, dict):
        if isinstance(node.get("name"), str) and isinstance(node.get("in"), str):
            return Locator(pointer, (("name", node["name"]), ("in", node["in"])))
        for key in ("messageId", "name"):
            if isinstance(node.get(key), str):
                return Locator(pointer, ((key, node[key]),))
    return Locator(pointer)


def _subject(change: Change) -> str:
    """What was removed, in the diff's words: "operation DELETE /invoices/{id}",
    "query parameter 'cursor'", "message 'paymentFailed' (from send publishPaid)"."""
    text = change.message.removeprefix("deprecated ")
    head, found, tail = text.partition(" removed")
    if not found:
        return f"{REMOVALS[change.rule]} at {change.base.pointer if change.base else '?'}"
    tail = tail.strip()
    return f"{head} ({tail})" if tail.startswith("from ") else head


def _is_marked(node: Any, extension: bool) -> bool:
    if not isinstance(node, dict):
        return False
    return node.get("deprecated") is True or (extension and node.get("x-deprecated") is True)


# -- when each was deprecated ------------------------------------------------------------------


def _deprecation_dates(reg: Registry, base_commit: str, elements: list[_Element]
                       ) -> dict[tuple[str, Locator], Since | None]:
    """One bounded history walk per file, shared by every element in it."""
    by_file: dict[tuple[str, bool], list[Locator]] = {}
    for e in elements:
        by_file.setdefault((e.file, e.kind in _EXTENSION_MARKED), []).append(e.locator)
    out: dict[tuple[str, Locator], Since | None] = {}
    for (file, extension), locators in by_file.items():
        found = marked_since(reg, base_commit, file, locators,
                             lambda node, ext=extension: _is_marked(node, ext))
        out.update({(file, loc): since for loc, since in found.items()})
    return out


# -- the verdict --------------------------------------------------------------------------------


def _judge(e: _Element, since: Since | None, policy: Policy, today: dt.date
           ) -> list[PolicyFinding]:
    days = policy.deprecation_days

    def say(rule: str, message: str) -> PolicyFinding:
        return finding(rule, message, file=e.place.file, pointer=e.place.pointer,
                       line=e.place.line, contract=e.contract)

    if not e.marked:
        return [say("removal-without-deprecation",
                    f"{e.what} removed without deprecation: mark it `{e.mark}: true` with an "
                    f"`x-sunset` date, release that, and remove it once the sunset date has "
                    f"come and the deprecation is at least {days} days old")]
    out = []
    raw = e.sunset
    sunset = sunset_date(raw)
    if raw is None:
        out.append(say("removal-without-sunset",
                       f"{e.what} removed, but its deprecation announced no sunset date: add "
                       f"`x-sunset: YYYY-MM-DD` (at least {days} days after the deprecation) "
                       "and remove it once that date has come"))
    elif sunset is None:
        out.append(say("removal-without-sunset",
                       f"{e.what} removed, but its x-sunset {raw!r} is not a date "
                       "(expected YYYY-MM-DD), so no consumer could know when it would go"))
    elif today < sunset:
        out.append(say("removal-before-sunset",
                       f"{e.what} removed before its sunset: x-sunset is {sunset.isoformat()}, "
                       f"today is {today.isoformat()} ({(sunset - today).days} days early)"))
    if since is None:
        out.append(say("deprecation-period-too-short",
                       f"{e.what} removed, but no commit in the history of {e.file} shows it "
                       f"deprecated (read the last {HISTORY_LIMIT} commits of that file at "
                       f"most); the policy requires {days} days of deprecation"))
    elif since.date + dt.timedelta(days=days) > today:
        earliest = since.date + dt.timedelta(days=days)
        when = (f"at least since {since.date.isoformat()} (the oldest of the "
                f"{HISTORY_LIMIT} commits of {e.file} read)" if since.bounded
                else f"since {since.date.isoformat()} (commit {since.commit[:10]})")
        age = (today - since.date).days
        out.append(say("deprecation-period-too-short",
                       f"{e.what} removed {age} days after it was deprecated: deprecated "
                       f"{when}, and the policy requires {days} days, so not before "
                       f"{earliest.isoformat()} (today is {today.isoformat()})"))
    return out
