"""Rules for the JSON Schema keywords beyond the everyday ones: array items and ``contains``,
dependent requirements and schemas, pattern properties, property names, conditionals, content
encoding -- and ``schema-keyword-changed``, the one rule for any other change of a validation
keyword, so that nothing that changes which values are valid goes unreported.

Each keyword a specific rule covers is covered completely: the walker compares a subschema
present on both sides in place, and these rules report it appearing or disappearing (an
addition narrows what is accepted: request breaking, response info; a removal widens it: the
reverse). ``schema-keyword-changed`` (a warning both ways) takes what no rule can classify --
a tuple growing, draft-07 ``dependencies``, a ``$dynamicRef`` moved, content keywords added.
Annotations (title, description, examples, ``$comment``, ``x-`` extensions) stay silent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.model import Check, Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import places, schema_rule
from ledgerpact.governance.diff.rules._examples import REQ, RESP, object_with
from ledgerpact.governance.diff.rules._examples import schema_example as example
from ledgerpact.governance.diff.schema_json import same_json
from ledgerpact.governance.diff.schema_shape import VALIDATION

_MISSING = object()


def _anything(value: Any) -> bool:
    """A subschema that accepts every value (``true``, ``{}``): adding or removing it
    changes nothing."""
    return value is True or value == {}


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value, default=str)


def _check(events: Any, rule: str) -> Check:
    """The check of one rule among several that share the events of a pair."""
    def run(pair: Pair) -> Iterator[Hit]:
        for found, hit in events(pair):
            if found == rule:
                yield hit
    return run


# -- array items -------------------------------------------------------------------------------

_ITEMS = ("prefixItems", "items", "additionalItems", "unevaluatedItems")


def _items_message(pair: Pair, keyword: str, value: Any, added: bool) -> str:
    tuple_ = "prefixItems" in (pair.rev if added else pair.base)
    if keyword == "prefixItems":
        n = len(value) if isinstance(value, list) else 0
        return (f"prefixItems added: the first {n} item(s) must now match their schemas"
                if added else f"prefixItems removed: the first {n} item(s) may be anything")
    if value is False:
        which = {"items": "beyond the prefixItems" if tuple_ else "at all",
                 "additionalItems": "beyond the tuple",
                 "unevaluatedItems": "that no other keyword evaluates"}[keyword]
        return (f"{keyword}: false added: no items {which} are accepted" if added
                else f"{keyword}: false removed: items {which} are accepted again")
    return (f"{keyword} schema added: every item it applies to must now match it" if added
            else f"{keyword} schema removed: the items it applied to may be anything")


def _item_events(pair: Pair) -> Iterator[tuple[str, Hit]]:
    for keyword in _ITEMS:
        had, has = keyword in pair.base, keyword in pair.rev
        if had == has:
            continue
        value = pair.rev[keyword] if has else pair.base[keyword]
        if _anything(value):
            continue
        message = _items_message(pair, keyword, value, has)
        yield ("items-added" if has else "items-removed"), Hit(message, **places(pair, keyword))


schema_rule(
    "items-added", request="breaking", response="info",
    summary="An array gained a schema for its items (items, prefixItems, additionalItems or "
            "unevaluatedItems), or items: false.",
    why="""Before, the items were not constrained (an untyped `type: array`, a tuple open at
    its end); now each must match the schema, or there may be none beyond the tuple: arrays
    clients used to send are refused. Where the application writes the data, it produces
    less than readers accept.""",
    base=example(REQ, object_with("allocations", "{type: array}")),
    revision=example(REQ, object_with(
        "allocations", "{type: array, items: {type: string, format: uuid}}")),
)(_check(_item_events, "items-added"))
schema_rule(
    "items-removed", request="info", response="breaking", additive=True,
    summary="An array's items are no longer constrained (items, prefixItems, additionalItems "
            "or unevaluatedItems removed).",
    why="""The application may now write items of any shape where readers relied on the
    schema (a list of invoice ids becomes a list of anything). Where it reads the data, it
    accepts more.""",
    base=example(RESP, object_with("invoiceIds", "{type: array, items: {type: string}}")),
    revision=example(RESP, object_with("invoiceIds", "{type: array}")),
)(_check(_item_events, "items-removed"))


# -- contains ---------------------------------------------------------------------------------

def _contains_events(pair: Pair) -> Iterator[tuple[str, Hit]]:
    had, has = "contains" in pair.base, "contains" in pair.rev
    if had == has:
        return
    if has:
        least = _count(pair.rev, "minContains", 1)
        yield "contains-added", Hit(
            f"contains added: an array must now hold at least {least} matching item(s)",
            **places(pair, "contains"))
    else:
        yield "contains-removed", Hit("contains removed: no item has to match it any more",
                                      **places(pair, "contains"))


_LINES = "{type: array, items: {type: object}}"
_LINES_TAX = "{type: array, items: {type: object}, contains: {required: [taxCode]}}"

schema_rule(
    "contains-added", request="breaking", response="info",
    summary="An array must now contain items matching a schema (contains added).",
    why="""Arrays without such an item (by default at least one; `minContains` says how many)
    were valid and are now refused: clients sending them break. Where the application writes
    the data, it produces less than readers accept.""",
    base=example(REQ, object_with("lines", _LINES)),
    revision=example(REQ, object_with("lines", _LINES_TAX)),
)(_check(_contains_events, "contains-added"))
schema_rule(
    "contains-removed", request="info", response="breaking", additive=True,
    summary="An array no longer has to contain items matching a schema (contains removed).",
    why="""Readers relied on at least one such item being there (a tax line on every
    invoice); the application may now write arrays without one. Where it reads the data, it
    accepts more.""",
    base=example(RESP, object_with("lines", _LINES_TAX)),
    revision=example(RESP, object_with("lines", _LINES)),
)(_check(_contains_events, "contains-removed"))


def _count(schema: dict[str, Any], keyword: str, absent: int | None) -> int | None:
    value = schema.get(keyword)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return absent
    return int(value)


def _contains_count(pair: Pair, keyword: str, upper: bool) -> tuple[str, bool] | None:
    """(message, tightened) for a change of minContains (absent: 1) or maxContains (absent:
    no limit); they mean something only beside a ``contains`` on both sides."""
    if "contains" not in pair.base or "contains" not in pair.rev:
        return None
    absent = None if upper else 1
    old, new = _count(pair.base, keyword, absent), _count(pair.rev, keyword, absent)
    if old == new:
        return None
    if old is None or new is None:  # no upper limit on one side
        tightened = old is None
    elif upper:
        tightened = new < old
    else:
        tightened = new > old
    if keyword in pair.base and keyword in pair.rev:
        assert old is not None and new is not None
        verb = "lowered" if new < old else "raised"
        return f"{keyword} {verb} from {old} to {new}", tightened
    if keyword in pair.rev:
        return f"{keyword} {new} added", tightened
    return f"{keyword} {old} removed", tightened


def _contains_check(keyword: str, upper: bool, tightened: bool) -> Check:
    def check(pair: Pair) -> Iterator[Hit]:
        found = _contains_count(pair, keyword, upper)
        if found and found[1] is tightened:
            yield Hit(found[0], **places(pair, keyword))
    return check


def _with_contains(extra: str) -> str:
    return object_with("lines", "{type: array, items: {type: object}, "
                                f"contains: {{required: [taxCode]}}{extra}}}")


def _register_contains(keyword: str, stem: str, upper: bool, tight: tuple[str, str],
                       loose: tuple[str, str]) -> None:
    """``<stem>-tightened`` and ``<stem>-loosened`` for minContains or maxContains;
    ``tight``/``loose`` are what the example's ``lines`` array adds beside ``contains``."""
    what = "at most" if upper else "at least"
    absent = "no limit when absent" if upper else "1 when absent"
    schema_rule(
        f"{stem}-tightened", request="breaking", response="info",
        summary=f"{keyword} was {'added or lowered' if upper else 'raised'}: arrays must "
                f"hold {'fewer' if upper else 'more'} items matching contains.",
        why=f"""{keyword} asks for {what} that many items matching `contains` ({absent}).
        Tightening it refuses arrays that were valid: clients sending them are rejected.
        Where the application writes the data, it produces less than readers accept.""",
        base=example(REQ, _with_contains(tight[0])),
        revision=example(REQ, _with_contains(tight[1])),
    )(_contains_check(keyword, upper, True))
    schema_rule(
        f"{stem}-loosened", request="info", response="breaking", additive=True,
        summary=f"{keyword} was {'raised or removed' if upper else 'lowered or removed'}: "
                f"arrays may hold {'more' if upper else 'fewer'} items matching contains.",
        why=f"""{keyword} asks for {what} that many items matching `contains` ({absent}).
        Loosening it lets the application write arrays readers were promised never to see.
        Where it reads the data, it accepts more.""",
        base=example(RESP, _with_contains(loose[0])),
        revision=example(RESP, _with_contains(loose[1])),
    )(_contains_check(keyword, upper, False))


_register_contains("minContains", "min-contains", False,
                   tight=(", minContains: 1", ", minContains: 2"),
                   loose=(", minContains: 2", ""))
_register_contains("maxContains", "max-contains", True,
                   tight=("", ", maxContains: 1"), loose=(", maxContains: 1", ", maxContains: 3"))


# -- dependentRequired ------------------------------------------------------------------------

def _names(schema: dict[str, Any]) -> dict[str, list[str]]:
    found = schema.get("dependentRequired")
    if not isinstance(found, dict):
        return {}
    return {str(k): [n for n in v if isinstance(n, str)] for k, v in found.items()
            if isinstance(v, list)}


def _dependent_required(pair: Pair, added: bool) -> Iterator[Hit]:
    old, new = _names(pair.base), _names(pair.rev)
    source, other = (new, old) if added else (old, new)
    for key, names in source.items():
        for name in names:
            if name in other.get(key, ()):
                continue
            if added:
                yield Hit(f"when {key!r} is present, {name!r} is now required too",
                          base_at=pair.base_at("dependentRequired", key) if key in old
                          else None, rev_at=pair.rev_at("dependentRequired", key))
            else:
                yield Hit(f"when {key!r} is present, {name!r} is no longer required",
                          base_at=pair.base_at("dependentRequired", key),
                          rev_at=pair.rev_at("dependentRequired", key) if key in new
                          else None)


_BANK = "type: object\nproperties:\n  iban: {type: string}\n  bic: {type: string}\n"
_BANK_DEPENDENT = _BANK + "dependentRequired:\n  iban: [bic]\n"


@schema_rule(
    "dependent-required-added", request="breaking", response="info",
    summary="A property now requires another one when present (dependentRequired).",
    why="""Objects that carry the first property without the second were valid and are now
    refused (an IBAN sent without its BIC): clients sending them break. In a response it is a
    stronger promise, as a new required property is.""",
    base=example(REQ, _BANK),
    revision=example(REQ, _BANK_DEPENDENT),
)
def dependent_required_added(pair: Pair) -> Iterator[Hit]:
    yield from _dependent_required(pair, added=True)


@schema_rule(
    "dependent-required-removed", request="info", response="breaking",
    summary="A property no longer requires another one when present (dependentRequired).",
    why="""Readers relied on the second property being there whenever the first is (the BIC
    beside every IBAN); the application may now leave it out. In a request the server
    simply accepts more.""",
    base=example(RESP, _BANK_DEPENDENT),
    revision=example(RESP, _BANK),
)
def dependent_required_removed(pair: Pair) -> Iterator[Hit]:
    yield from _dependent_required(pair, added=False)


# -- maps of subschemas: dependentSchemas, patternProperties ----------------------------------

def _map_entries(pair: Pair, keyword: str, added: bool) -> Iterator[tuple[str, Any]]:
    old, new = pair.base.get(keyword), pair.rev.get(keyword)
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    source, other = (new, old) if added else (old, new)
    for key, value in source.items():
        if key not in other and not _anything(value):
            yield key, value


def _map_check(keyword: str, added: bool, say: str) -> Check:
    def check(pair: Pair) -> Iterator[Hit]:
        for key, _ in _map_entries(pair, keyword, added):
            message = say.format(key=repr(key))
            if added:
                yield Hit(message, rev_at=pair.rev_at(keyword, key),
                          **({"base_at": pair.base_at(keyword)} if keyword in pair.base
                             else {}))
            else:
                yield Hit(message, base_at=pair.base_at(keyword, key),
                          **({"rev_at": pair.rev_at(keyword)} if keyword in pair.rev
                             else {}))
    return check


_CARD = "type: object\nproperties:\n  cardNumber: {type: string}\n  expiry: {type: string}\n"
_CARD_DEPENDENT = _CARD + "dependentSchemas:\n  cardNumber:\n    required: [expiry]\n"

schema_rule(
    "dependent-schema-added", request="breaking", response="info",
    summary="An object must match a further schema when it has a property "
            "(dependentSchemas entry added).",
    why="""Objects with that property must now also match the schema: some that were valid are
    refused, so clients sending them break. Where the application writes the data, it
    produces less than readers accept.""",
    base=example(REQ, _CARD), revision=example(REQ, _CARD_DEPENDENT),
)(_map_check("dependentSchemas", True,
             "dependentSchemas entry for {key} added: objects with it must now match it"))
schema_rule(
    "dependent-schema-removed", request="info", response="breaking", additive=True,
    summary="A dependentSchemas entry was removed.",
    why="""Readers relied on objects with that property matching the schema (an expiry date
    with every card number); the application may now write objects that do not. Where it
    reads the data, it accepts more.""",
    base=example(RESP, _CARD_DEPENDENT), revision=example(RESP, _CARD),
)(_map_check("dependentSchemas", False,
             "dependentSchemas entry for {key} removed: objects with it need not match it"))

_META = "type: object\nproperties:\n  reference: {type: string}\n"
_META_PATTERN = _META + "patternProperties:\n  '^x-':\n    type: string\n    maxLength: 64\n"

schema_rule(
    "pattern-property-added", request="breaking", response="info",
    summary="Properties whose names match a pattern must now match a schema "
            "(patternProperties entry added).",
    why="""Clients that send such properties with other values (an `x-` extension holding a
    number, a note longer than allowed) are refused. Where the application writes the data,
    it produces less than readers accept.""",
    base=example(REQ, _META), revision=example(REQ, _META_PATTERN),
)(_map_check("patternProperties", True,
             "patternProperties {key} added: properties whose names match must now match "
             "its schema"))
schema_rule(
    "pattern-property-removed", request="info", response="breaking", additive=True,
    summary="A patternProperties entry was removed.",
    why="""Readers relied on properties whose names match the pattern having that shape; the
    application may now write anything there. Where it reads the data, it accepts more.""",
    base=example(RESP, _META_PATTERN), revision=example(RESP, _META),
)(_map_check("patternProperties", False,
             "patternProperties {key} removed: properties whose names match may hold "
             "anything the rest of the schema allows"))


# -- propertyNames ----------------------------------------------------------------------------

def _names_events(pair: Pair) -> Iterator[tuple[str, Hit]]:
    had, has = "propertyNames" in pair.base, "propertyNames" in pair.rev
    if had == has:
        return
    value = pair.rev["propertyNames"] if has else pair.base["propertyNames"]
    if _anything(value):
        return
    if has:
        yield "property-names-added", Hit(
            "propertyNames added: every property name must now match it",
            **places(pair, "propertyNames"))
    else:
        yield "property-names-removed", Hit(
            "propertyNames removed: property names may be anything",
            **places(pair, "propertyNames"))


_TAGS = "{type: object, additionalProperties: {type: string}}"
_TAGS_NAMED = ("{type: object, additionalProperties: {type: string}, "
               "propertyNames: {pattern: '^[a-z][a-z0-9-]*$'}}")

schema_rule(
    "property-names-added", request="breaking", response="info",
    summary="An object's property names must now match a schema (propertyNames added).",
    why="""Objects keyed by names outside the new rule (a cost-centre map keyed `CC 100`) were
    valid and are now refused: clients sending them break. Where the application writes the
    data, it produces less than readers accept.""",
    base=example(REQ, object_with("costCentres", _TAGS)),
    revision=example(REQ, object_with("costCentres", _TAGS_NAMED)),
)(_check(_names_events, "property-names-added"))
schema_rule(
    "property-names-removed", request="info", response="breaking", additive=True,
    summary="An object's property names are no longer constrained (propertyNames removed).",
    why="""Readers relied on the names following the rule (to use them as keys, or parse
    them); the application may now write any name. Where it reads the data, it accepts
    more.""",
    base=example(RESP, object_with("costCentres", _TAGS_NAMED)),
    revision=example(RESP, object_with("costCentres", _TAGS)),
)(_check(_names_events, "property-names-removed"))


# -- if / then / else -------------------------------------------------------------------------

_BRANCHES = ("then", "else")


def _conditional_events(pair: Pair) -> Iterator[tuple[str, Hit]]:
    """A ``then`` or ``else`` branch that applies (beside an ``if``) on one side only: the
    branch itself added or removed, or the ``if`` that makes it apply (without one it is
    ignored)."""
    for branch in _BRANCHES:
        had = branch in pair.base and "if" in pair.base
        has = branch in pair.rev and "if" in pair.rev
        if had == has:
            continue
        value = pair.rev[branch] if has else pair.base[branch]
        if _anything(value):
            continue
        when = "match" if branch == "then" else "do not match"
        if has:
            yield "conditional-added", Hit(
                f"'{branch}' added: values that {when} 'if' must now also match it",
                **places(pair, branch))
        else:
            yield "conditional-removed", Hit(
                f"'{branch}' removed: values that {when} 'if' need not match it any more",
                **places(pair, branch))


_PAYEE = "type: object\nproperties:\n  country: {type: string}\n  iban: {type: string}\n"
_PAYEE_IF = (_PAYEE + "if:\n  properties:\n    country: {enum: [DE, FR, NL]}\n"
             "  required: [country]\nthen:\n  required: [iban]\n")

schema_rule(
    "conditional-added", request="breaking", response="info",
    summary="A conditional branch was added: values matching (or not matching) 'if' must now "
            "match 'then' (or 'else').",
    why="""Values the condition selects must now match one more schema (a payee in a SEPA
    country must have an IBAN): some that were valid are refused, so clients sending them
    break. Where the application writes the data, it produces less than readers accept.
    A branch present on both sides is compared in place.""",
    base=example(REQ, _PAYEE), revision=example(REQ, _PAYEE_IF),
)(_check(_conditional_events, "conditional-added"))
schema_rule(
    "conditional-removed", request="info", response="breaking", additive=True,
    summary="A conditional branch ('then' or 'else') was removed.",
    why="""Readers relied on values the condition selects matching the branch (an IBAN for
    every SEPA payee); the application may now write values that do not. Where it reads the
    data, it accepts more.""",
    base=example(RESP, _PAYEE_IF), revision=example(RESP, _PAYEE),
)(_check(_conditional_events, "conditional-removed"))


_PAYEE_BOTH = (_PAYEE + "  accountNumber: {type: string}\n"
               "if:\n  properties:\n    country: {enum: [DE, FR, NL]}\n"
               "  required: [country]\nthen:\n  required: [iban]\n"
               "else:\n  required: [accountNumber]\n")


@schema_rule(
    "conditional-changed", request="breaking", response="breaking", example=Direction.REQUEST,
    summary="The 'if' of a conditional with both 'then' and 'else' changed: values move "
            "between the branches.",
    why="""With both branches, a value matching the new condition but not the old (or the
    reverse) must now match the other branch: an Austrian payee that needed an account
    number now needs an IBAN, and one that had an IBAN but no account number is refused.
    Whichever way the condition changed, some values valid before are refused and some
    refused are valid, so it breaks both ways. With only 'then', a change inside 'if' is
    compared in the mirror direction (a narrower condition frees values from 'then'); with
    only 'else', in the same direction.""",
    base=example(REQ, _PAYEE_BOTH),
    revision=example(REQ, _PAYEE_BOTH.replace("[DE, FR, NL]", "[AT, DE, FR, NL]")),
)
def conditional_changed(pair: Pair) -> Iterator[Hit]:
    """The walker compares the two ``if`` schemas on their own, as no rule can (through
    ``$ref``s, in any direction), and leaves what it found in ``pair.info["condition"]``
    (schema_walk._Walk.condition_changes): this rule only reports it."""
    found = pair.info.get("condition")
    if found:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        yield Hit(f"condition 'if' changed ({found[0]}{more}): with both 'then' and 'else', "
                  "values now move between the branches", **places(pair, "if"))


# -- contentEncoding / contentMediaType -------------------------------------------------------

def _content_check(keyword: str) -> Check:
    def check(pair: Pair) -> Iterator[Hit]:
        old, new = pair.base.get(keyword), pair.rev.get(keyword)
        if isinstance(old, str) and isinstance(new, str) and old != new:
            yield Hit(f"{keyword} changed from {old!r} to {new!r}", **places(pair, keyword))
    return check


schema_rule(
    "content-encoding-changed", request="breaking", response="breaking",
    example=Direction.RESPONSE,
    summary="The encoding of a string's content changed (contentEncoding).",
    why="""The bytes are written one way and decoded the other (base64 read as base32, or
    the reverse): whichever way the data flows, one side gets garbage. Adding or removing
    the keyword is `schema-keyword-changed`.""",
    base=example(RESP, object_with("pdf", "{type: string, contentEncoding: base64}")),
    revision=example(RESP, object_with("pdf", "{type: string, contentEncoding: base32}")),
)(_content_check("contentEncoding"))
schema_rule(
    "content-media-type-changed", request="breaking", response="breaking",
    example=Direction.RESPONSE,
    summary="The media type of a string's content changed (contentMediaType).",
    why="""Readers process the content as the old media type (a PDF viewer handed a PNG, a
    UBL parser handed CII): whichever way the data flows, the receiving side cannot use it.
    Adding or removing the keyword is `schema-keyword-changed`.""",
    base=example(RESP, object_with(
        "document", "{type: string, contentEncoding: base64, contentMediaType: "
                    "application/pdf}")),
    revision=example(RESP, object_with(
        "document", "{type: string, contentEncoding: base64, contentMediaType: "
                    "application/xml}")),
)(_content_check("contentMediaType"))


# -- everything else --------------------------------------------------------------------------

# Every change of these is reported by a specific rule or compared in place by the walker.
_COVERED = frozenset({
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired", "format", "nullable", "properties", "patternProperties",
    "additionalProperties", "unevaluatedProperties", "propertyNames", "additionalItems",
    "unevaluatedItems", "contains", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "dependentSchemas", "$ref", "discriminator"})
# Covered when present on both sides (compared by the walker, or by a rule); adding or
# removing them has no specific rule.
_COVERED_WHEN_BOTH = frozenset({"contentEncoding", "contentMediaType", "contentSchema"})


def _uncovered(pair: Pair, keyword: str, old: Any, new: Any) -> bool:
    """Whether a change of ``keyword`` (from ``old`` to ``new``, either possibly missing)
    is one no specific rule reports and the walker does not compare."""
    both = old is not _MISSING and new is not _MISSING
    if keyword in _COVERED:
        return False
    if keyword in _COVERED_WHEN_BOTH:
        return not both
    if keyword == "items":  # a tuple (draft-07) against one schema, or a tuple resized
        if not both:
            return False  # items-added / items-removed
        if isinstance(old, list) and isinstance(new, list):
            return len(old) != len(new)
        return isinstance(old, list) != isinstance(new, list)
    if keyword == "prefixItems":
        if not both:
            return False
        return not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new))
    return True  # dependencies, $dynamicRef, $recursiveRef


def _describe(keyword: str, old: Any, new: Any) -> str:
    if old is _MISSING:
        return f"{keyword} added"
    if new is _MISSING:
        return f"{keyword} removed"
    if isinstance(old, list) and isinstance(new, list):
        return f"{keyword} changed from {len(old)} to {len(new)} entries"
    if all(isinstance(v, str | int | float | bool) for v in (old, new)):
        return f"{keyword} changed from {_shown(old)} to {_shown(new)}"
    return f"{keyword} changed"


_TUPLE = "{type: array, prefixItems: [{type: string}, {type: string, format: date}]}"
_TUPLE_LONGER = ("{type: array, prefixItems: [{type: string}, {type: string, format: date}, "
                 "{type: string}]}")


@schema_rule(
    "schema-keyword-changed", request="warning", response="warning", example=Direction.REQUEST,
    summary="A validation keyword changed in a way no specific rule classifies.",
    why="""Some changes alter which values are valid without a safe direction to call: a
    tuple (prefixItems) growing or shrinking, draft-07 `dependencies`, a `$dynamicRef`,
    content keywords added or removed, a tuple written as an items array becoming one
    schema.
    Reported so that nothing validation-relevant is silent; review it, and waive it when it
    is harmless. Annotations (title, description, examples, `$comment`, `x-` extensions)
    are never reported.""",
    base=example(REQ, object_with("settlement", _TUPLE)),
    revision=example(REQ, object_with("settlement", _TUPLE_LONGER)),
)
def schema_keyword_changed(pair: Pair) -> Iterator[Hit]:
    for keyword in VALIDATION:
        old, new = pair.base.get(keyword, _MISSING), pair.rev.get(keyword, _MISSING)
        if old is _MISSING and new is _MISSING:
            continue
        if old is not _MISSING and new is not _MISSING and same_json(old, new):
            continue
        if _uncovered(pair, keyword, old, new):
            yield Hit(_describe(keyword, old, new), **places(pair, keyword))
