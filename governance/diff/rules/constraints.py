"""Constraint rules: lengths, bounds, multipleOf, pattern, item and property counts,
uniqueItems, and how open an object is to properties it does not declare.

One naming scheme for every constraint: a constraint with a magnitude (a length, a bound, a
count, a multiple, how many extra properties are allowed) is ``<keyword>-tightened`` when the
revision accepts less, ``<keyword>-loosened`` when it accepts more -- adding it is the extreme
tightening, removing it the extreme loosening, so one id covers both and the message says
which. A constraint that is only present or absent (``pattern``, ``uniqueItems``) is
``-added`` / ``-removed``. ``-changed`` is for a change where neither side provably includes
the other (``multipleOf`` 0.25 to 0.1, any two patterns): breaking both ways. Exclusive
bounds in either spelling belong to ``maximum-*`` / ``minimum-*``: one bound, one rule.

Levels follow the direction: tightening narrows what the revision accepts (request breaking,
response info); loosening widens what it may produce (request info, response breaking).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV
from ledgerpact.governance.diff.model import Check, Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import flipped, places, schema_rule
from ledgerpact.governance.diff.rules._examples import REQ, RESP, object_with
from ledgerpact.governance.diff.rules._examples import schema_example as example
from ledgerpact.governance.diff.schema_merge import evaluates_elsewhere
from ledgerpact.governance.diff.schema_walk import rest_of


def _number(value: Any) -> int | float | None:
    """A JSON number (never a boolean, which Python counts as an int)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _shown(value: Any) -> str:
    return str(value)


def _hit(pair: Pair, message: str, keyword: str) -> Hit:
    return Hit(message, **places(pair, keyword))


# -- counts: lengths, items, properties -----------------------------------------------------

def _count(schema: dict[str, Any], keyword: str) -> int | None:
    value = _number(schema.get(keyword))
    return int(value) if value is not None and value >= 0 and value == int(value) else None


def _count_change(pair: Pair, keyword: str, upper: bool) -> tuple[str, bool] | None:
    """(message, tightened) for a change of a count limit, or None. A missing maximum is
    no limit, a missing minimum is 0: ``minLength: 0`` added is no change."""
    old, new = _count(pair.base, keyword), _count(pair.rev, keyword)
    absent = None if upper else 0
    eff_old = absent if old is None else old
    eff_new = absent if new is None else new
    if eff_old == eff_new:
        return None
    if eff_old is None or eff_new is None:
        tightened = eff_old is None
    else:
        tightened = eff_new < eff_old if upper else eff_new > eff_old
    if old is not None and new is not None:
        verb = "lowered" if new < old else "raised"
        return f"{keyword} {verb} from {old} to {new}", tightened
    if new is not None:
        return f"{keyword} {new} added", tightened
    return f"{keyword} {old} removed", tightened


def _count_check(keyword: str, upper: bool, tightened: bool) -> Check:
    def check(pair: Pair) -> Iterator[Hit]:
        found = _count_change(pair, keyword, upper)
        if found and found[1] is tightened:
            yield _hit(pair, found[0], keyword)
    return check


def _register_count(keyword: str, stem: str, upper: bool, noun: str, tight: tuple[str, str],
                    loose: tuple[str, str]) -> None:
    """Register ``<stem>-tightened`` and ``<stem>-loosened`` for one count keyword.
    ``tight``/``loose`` are (base schema, revision schema) YAML for the two examples."""
    what = f"{'at most' if upper else 'at least'} this many {noun}"
    schema_rule(
        f"{stem}-tightened", request="breaking", response="info",
        summary=f"{keyword} was {'added or lowered' if upper else 'added or raised'}: "
                f"fewer {noun} are accepted.",
        why=f"""{keyword} allows {what}. Tightening it refuses values that were valid: a
        client that sends them (a request, an event the application receives) is now
        rejected. Where the application writes the data, it only produces less than
        readers already accept.""",
        base=example(REQ, tight[0]), revision=example(REQ, tight[1]),
    )(_count_check(keyword, upper, True))
    schema_rule(
        f"{stem}-loosened", request="info", response="breaking", additive=True,
        summary=f"{keyword} was {'raised or removed' if upper else 'lowered or removed'}: "
                f"more {noun} are accepted.",
        why=f"""{keyword} allows {what}. Loosening it lets the application write values old
        readers were promised never to see (a response, an event it sends): a client with
        a fixed-size buffer, a database column or a validating parser breaks. Where the
        application reads the data, it only accepts more than before.""",
        base=example(RESP, loose[0]), revision=example(RESP, loose[1]),
    )(_count_check(keyword, upper, False))


def _changed(name: str, before: str, after: str) -> tuple[str, str]:
    """(base, revision) example schemas: an object whose property ``name`` changed from the
    flow YAML ``before`` to ``after``."""
    return object_with(name, before), object_with(name, after)


_register_count(
    "maxLength", "max-length", True, "characters",
    tight=_changed("reference", "{type: string, maxLength: 140}",
                   "{type: string, maxLength: 35}"),
    loose=_changed("reference", "{type: string, maxLength: 35}",
                   "{type: string, maxLength: 140}"))
_register_count(
    "minLength", "min-length", False, "characters",
    tight=_changed("supplierCode", "{type: string}", "{type: string, minLength: 3}"),
    loose=_changed("invoiceNumber", "{type: string, minLength: 3}",
                   "{type: string, minLength: 1}"))
_register_count(
    "maxItems", "max-items", True, "items",
    tight=_changed("allocations", "{type: array, maxItems: 100, items: {type: string}}",
                   "{type: array, maxItems: 10, items: {type: string}}"),
    loose=_changed("lines", "{type: array, maxItems: 100, items: {type: string}}",
                   "{type: array, items: {type: string}}"))
_register_count(
    "minItems", "min-items", False, "items",
    tight=_changed("allocations", "{type: array, items: {type: string}}",
                   "{type: array, minItems: 1, items: {type: string}}"),
    loose=_changed("lines", "{type: array, minItems: 1, items: {type: string}}",
                   "{type: array, items: {type: string}}"))
_register_count(
    "maxProperties", "max-properties", True, "properties",
    tight=_changed("metadata",
                   "{type: object, maxProperties: 50, additionalProperties: {type: string}}",
                   "{type: object, maxProperties: 20, additionalProperties: {type: string}}"),
    loose=_changed("metadata",
                   "{type: object, maxProperties: 20, additionalProperties: {type: string}}",
                   "{type: object, maxProperties: 50, additionalProperties: {type: string}}"))
_register_count(
    "minProperties", "min-properties", False, "properties",
    tight=_changed("remittance", "{type: object, additionalProperties: {type: string}}",
                   "{type: object, minProperties: 1, additionalProperties: {type: string}}"),
    loose=_changed("taxBreakdown",
                   "{type: object, minProperties: 1, additionalProperties: {type: string}}",
                   "{type: object, additionalProperties: {type: string}}"))


# -- numeric bounds (maximum/minimum with either form of exclusiveness) ------------------------

Bound = tuple[float, bool, str, str]  # (value, exclusive, keyword to point at, how to show it)


def _bound(schema: dict[str, Any], upper: bool) -> Bound | None:
    """The bound that decides, whichever spelling: OpenAPI 3.0's ``exclusiveMaximum: true``
    beside ``maximum``, or 3.1's numeric ``exclusiveMaximum``; the stricter when both."""
    inclusive, exclusive = ("maximum", "exclusiveMaximum") if upper else (
        "minimum", "exclusiveMinimum")
    found: list[Bound] = []
    value = _number(schema.get(inclusive))
    if value is not None:
        flag = schema.get(exclusive) is True
        found.append((value, flag, inclusive,
                      f"{inclusive} {_shown(value)}{' (exclusive)' if flag else ''}"))
    value = _number(schema.get(exclusive))
    if value is not None:
        found.append((value, True, exclusive, f"{exclusive} {_shown(value)}"))
    if not found:
        return None
    strict = [_strictness(b, upper, False) for b in found]
    return found[strict.index(max(strict))]


def _strictness(bound: Bound, upper: bool, integer: bool) -> tuple[float, int]:
    """A key that grows as the bound gets stricter. Over integers an exclusive bound is the
    next integer inside it (``exclusiveMinimum: 0`` is ``minimum: 1``)."""
    value, exclusive = bound[0], bound[1]
    if integer:
        if upper:
            value, exclusive = (math.ceil(value) - 1 if exclusive else math.floor(value)), False
        else:
            value, exclusive = (math.floor(value) + 1 if exclusive else math.ceil(value)), False
    return (-value if upper else value, 1 if exclusive else 0)


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer"


def _bound_change(pair: Pair, upper: bool) -> tuple[str, bool, str, str] | None:
    """(message, tightened, base keyword, revision keyword) or None."""
    old, new = _bound(pair.base, upper), _bound(pair.rev, upper)
    if old is None and new is None:
        return None
    if old is None:
        assert new is not None
        return f"{new[3]} added", True, new[2], new[2]
    if new is None:
        return f"{old[3]} removed", False, old[2], old[2]
    integer = _is_integer(pair.base) and _is_integer(pair.rev)
    before, after = _strictness(old, upper, integer), _strictness(new, upper, integer)
    if before == after:
        return None
    tightened = after > before
    if old[1:3] == new[1:3]:  # the same keyword moved
        verb = "lowered" if new[0] < old[0] else "raised"
        message = f"{old[2]} {verb} from {_shown(old[0])} to {_shown(new[0])}"
    else:
        message = (f"{'upper' if upper else 'lower'} bound "
                   f"{'tightened' if tightened else 'loosened'} from {old[3]} to {new[3]}")
    return message, tightened, old[2], new[2]


def _bound_check(upper: bool, tightened: bool) -> Check:
    def check(pair: Pair) -> Iterator[Hit]:
        found = _bound_change(pair, upper)
        if found and found[1] is tightened:
            message, _, base_keyword, rev_keyword = found
            yield Hit(message, **places(pair, base_keyword, rev_keyword))
    return check


def _register_bound(upper: bool, tight: tuple[str, str], loose: tuple[str, str]) -> None:
    keyword = "maximum" if upper else "minimum"
    exclusive = "exclusiveMaximum" if upper else "exclusiveMinimum"
    noun = "largest" if upper else "smallest"
    spelling = f"""Both spellings of an exclusive bound count as one bound: OpenAPI 3.0's
        boolean ``{exclusive}: true`` beside ``{keyword}``, and OpenAPI 3.1's numeric
        ``{exclusive}``, so moving between them is no change unless the bound itself moves
        (and over integers ``{exclusive}: 10`` is the same bound as
        ``{keyword}: {9 if upper else 11}``)."""
    schema_rule(
        f"{keyword}-tightened", request="breaking", response="info",
        summary=f"The {noun} accepted number is stricter ({keyword} or {exclusive} added or "
                "moved inwards).",
        why=f"""Values that were valid are now refused: clients sending them (a request, an
        event the application receives) are rejected. Where the application writes the
        data it only produces values readers already accept. {spelling}""",
        base=example(REQ, tight[0]), revision=example(REQ, tight[1]),
    )(_bound_check(upper, True))
    schema_rule(
        f"{keyword}-loosened", request="info", response="breaking", additive=True,
        summary=f"The {noun} accepted number is less strict ({keyword} or {exclusive} "
                "removed or moved outwards).",
        why=f"""The application may now write numbers old readers were promised never to
        see (a response, an event it sends): a client sizing a field, or validating
        against the old schema, breaks. Where the application reads the data, it accepts
        more than before. {spelling}""",
        base=example(RESP, loose[0]), revision=example(RESP, loose[1]),
    )(_bound_check(upper, False))


_register_bound(
    True,
    tight=_changed("discountPercent", "{type: number, maximum: 100}",
                   "{type: number, exclusiveMaximum: 50}"),
    loose=_changed("paymentTermDays", "{type: integer, maximum: 90}",
                   "{type: integer, maximum: 365}"))
_register_bound(
    False,
    tight=_changed("instalments", "{type: integer, minimum: 1}",
                   "{type: integer, minimum: 2}"),
    loose=_changed("quantity", "{type: number, exclusiveMinimum: 0}", "{type: number}"))


# -- multipleOf --------------------------------------------------------------------------------

def _decimal(value: Any) -> Decimal | None:
    found = _number(value)
    if found is None:
        return None
    try:
        exact = Decimal(repr(found)) if isinstance(found, float) else Decimal(found)
    except InvalidOperation:  # pragma: no cover - repr of a finite float always parses
        return None
    return exact if exact.is_finite() and exact > 0 else None


def _divides(small: Decimal, big: Decimal) -> bool:
    return (big / small) == (big / small).to_integral_value()


def _multiple_change(pair: Pair) -> tuple[str, str] | None:
    """(message, verdict) with verdict tightened, loosened or changed; exact decimal
    arithmetic, so ``0.01`` and ``0.05`` compare as written, not as binary floats."""
    old, new = _decimal(pair.base.get("multipleOf")), _decimal(pair.rev.get("multipleOf"))
    if old == new:
        return None
    if old is None:
        return f"multipleOf {_shown(pair.rev['multipleOf'])} added", "tightened"
    if new is None:
        return f"multipleOf {_shown(pair.base['multipleOf'])} removed", "loosened"
    message = (f"multipleOf changed from {_shown(pair.base['multipleOf'])} to "
               f"{_shown(pair.rev['multipleOf'])}")
    if _divides(old, new):  # every multiple of the new value was valid before
        return f"{message} (a multiple of the old value: fewer numbers are valid)", "tightened"
    if _divides(new, old):
        return f"{message} (a divisor of the old value: more numbers are valid)", "loosened"
    return f"{message} (neither divides the other)", "changed"


def _multiple_check(verdict: str) -> Check:
    def run(pair: Pair) -> Iterator[Hit]:
        found = _multiple_change(pair)
        if found and found[1] == verdict:
            yield _hit(pair, found[0], "multipleOf")
    return run


schema_rule(
    "multiple-of-tightened", request="breaking", response="info",
    summary="multipleOf was added, or changed to a multiple of the old value.",
    why="""Fewer numbers are valid (``0.01`` to ``0.05``: a price in cents becomes a price in
    five-cent steps): clients sending the others are rejected. Where the application
    writes the data, everything it produces was already valid. Compared in exact decimal
    arithmetic.""",
    base=example(REQ, object_with("unitPrice", "{type: number, multipleOf: 0.01}")),
    revision=example(REQ, object_with("unitPrice", "{type: number, multipleOf: 0.05}")),
)(_multiple_check("tightened"))
schema_rule(
    "multiple-of-loosened", request="info", response="breaking", additive=True,
    summary="multipleOf was removed, or changed to a divisor of the old value.",
    why="""More numbers are valid (``1`` to ``0.01``: whole currency units become cents): the
    application may now write values old readers never expected, such as a client that
    stores whole units. Where the application reads the data, it accepts more.""",
    base=example(RESP, object_with("total", "{type: number, multipleOf: 1}")),
    revision=example(RESP, object_with("total", "{type: number, multipleOf: 0.01}")),
)(_multiple_check("loosened"))
schema_rule(
    "multiple-of-changed", request="breaking", response="breaking", example=Direction.RESPONSE,
    summary="multipleOf changed to a value that neither divides nor is a multiple of the old.",
    why="""Neither set of valid numbers includes the other (``0.25`` to ``0.1``: ``0.25`` was
    valid and no longer is, ``0.1`` is valid and was not), so both old writers and old
    readers break, whichever way the data flows.""",
    base=example(RESP, object_with("quantity", "{type: number, multipleOf: 0.25}")),
    revision=example(RESP, object_with("quantity", "{type: number, multipleOf: 0.1}")),
)(_multiple_check("changed"))


# -- pattern -----------------------------------------------------------------------------------

def _pattern(schema: dict[str, Any]) -> str | None:
    value = schema.get("pattern")
    return value if isinstance(value, str) else None


@schema_rule(
    "pattern-added", request="breaking", response="info",
    summary="A pattern was added to a string.",
    why="""Strings that do not match are now refused: clients sending them are rejected. Where
    the application writes the data, it only produces strings readers already accept.""",
    base=example(REQ, object_with("iban", "{type: string}")),
    revision=example(REQ, object_with(
        "iban", "{type: string, pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'}")),
)
def pattern_added(pair: Pair) -> Iterator[Hit]:
    new = _pattern(pair.rev)
    if new is not None and _pattern(pair.base) is None:
        yield _hit(pair, f"pattern {new!r} added", "pattern")


@schema_rule(
    "pattern-removed", request="info", response="breaking", additive=True,
    summary="A string's pattern was removed.",
    why="""The application may now write strings of any shape where readers relied on the
    pattern (a currency code they look up, an account number they parse). Where the
    application reads the data, it accepts more.""",
    base=example(RESP, object_with("currency", "{type: string, pattern: '^[A-Z]{3}$'}")),
    revision=example(RESP, object_with("currency", "{type: string}")),
)
def pattern_removed(pair: Pair) -> Iterator[Hit]:
    old = _pattern(pair.base)
    if old is not None and _pattern(pair.rev) is None:
        yield _hit(pair, f"pattern {old!r} removed", "pattern")


@schema_rule(
    "pattern-changed", request="breaking", response="breaking", example=Direction.REQUEST,
    summary="A string's pattern changed.",
    why="""Whether one regular expression accepts everything another does cannot be decided in
    general, so a changed pattern is assumed to refuse some strings that were valid (old
    clients break) and to admit some that were not (old readers break): breaking both
    ways. Review the change and waive it when the new pattern provably widens.""",
    base=example(REQ, object_with(
        "vatNumber", "{type: string, pattern: '^[A-Z]{2}[0-9A-Z]{2,12}$'}")),
    revision=example(REQ, object_with("vatNumber", "{type: string, pattern: '^GB[0-9]{9}$'}")),
)
def pattern_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _pattern(pair.base), _pattern(pair.rev)
    if old is not None and new is not None and old != new:
        yield _hit(pair, f"pattern changed from {old!r} to {new!r}", "pattern")


# -- uniqueItems -------------------------------------------------------------------------------

def _unique_items_check(now: bool) -> Check:
    def check(pair: Pair) -> Iterator[Hit]:
        if flipped(pair, "uniqueItems", now):
            yield _hit(pair, f"uniqueItems {'added' if now else 'removed'}", "uniqueItems")
    return check


schema_rule(
    "unique-items-added", request="breaking", response="info",
    summary="An array now requires unique items.",
    why="""Arrays with repeated items are now refused: clients sending them are rejected.
    Where the application writes the data, it only produces arrays readers accept.""",
    base=example(REQ, object_with("invoiceIds", "{type: array, items: {type: string}}")),
    revision=example(REQ, object_with(
        "invoiceIds", "{type: array, uniqueItems: true, items: {type: string}}")),
)(_unique_items_check(True))
schema_rule(
    "unique-items-removed", request="info", response="breaking", additive=True,
    summary="An array no longer requires unique items.",
    why="""The application may now write repeated items where readers relied on a set (a
    client keying payments by id would double count). Where the application reads the
    data, it accepts more.""",
    base=example(RESP, object_with(
        "paymentIds", "{type: array, uniqueItems: true, items: {type: string}}")),
    revision=example(RESP, object_with("paymentIds", "{type: array, items: {type: string}}")),
)(_unique_items_check(False))


# -- additionalProperties / unevaluatedProperties ---------------------------------------------

OPEN, SCHEMA, CLOSED = 0, 1, 2  # how much a keyword restricts undeclared properties


def _openness(rest: tuple[str, Any] | None) -> int:
    value = True if rest is None else rest[1]
    if value is False or value == {"not": {}}:
        return CLOSED
    if value is True or value == {}:
        return OPEN
    return SCHEMA if isinstance(value, dict) else OPEN


def _extra_changes(pair: Pair) -> Iterator[tuple[str, str, str, bool]]:
    """(base keyword, revision keyword, message, tightened) for a change in how open the
    object is: what decides its undeclared properties (``schema_walk.rest_of``:
    ``additionalProperties``, else ``unevaluatedProperties``), compared across the two
    keywords. Without anyOf/oneOf/if subschemas evaluating properties the two say the same:
    ``additionalProperties: false`` becoming ``unevaluatedProperties: false`` is no change.
    Two schemas for the rest are compared by the walker, subschema against subschema; a
    ``false`` against anything else (the object closed or opened) is ours."""
    brest, rrest = rest_of(pair.base), rest_of(pair.rev)
    old, new = _openness(brest), _openness(rrest)
    if brest is not None and rrest is not None and (brest[1] is False) == (rrest[1] is False):
        if brest[0] != rrest[0] and OPEN not in (old, new) \
                and (evaluates_elsewhere(pair, BASE) or evaluates_elsewhere(pair, REV)):
            tightened = rrest[0] == "additionalProperties"
            yield brest[0], rrest[0], (
                f"{brest[0]} became {rrest[0]}: undeclared properties that anyOf, oneOf or "
                f"if subschemas evaluate are {'now' if tightened else 'no longer'} "
                "restricted by it"), tightened
        return
    if old == new:
        return
    base_kw = brest[0] if brest is not None else None
    rev_kw = rrest[0] if rrest is not None else None
    if new == CLOSED:
        message = f"{rev_kw}: false added: undeclared properties are now refused"
    elif old == CLOSED:
        message = (f"{base_kw}: false removed: undeclared properties are now allowed"
                   + (" when they match a schema" if new == SCHEMA else ""))
    elif new == SCHEMA:
        message = f"{rev_kw} schema added: undeclared properties must now match it"
    else:
        message = f"{base_kw} schema removed: undeclared properties may be anything"
    yield (base_kw or rev_kw or ""), (rev_kw or base_kw or ""), message, new > old


def _extra_check(tightened: bool) -> Check:
    def run(pair: Pair) -> Iterator[Hit]:
        for base_kw, rev_kw, message, tighter in _extra_changes(pair):
            if tighter is tightened:
                yield Hit(message, **places(pair, base_kw, rev_kw))
    return run


_AMOUNT = "properties:\n  amount: {type: string}\n  currency: {type: string}\n"
_TOTAL = "properties:\n  id: {type: string}\n  total: {type: string}\n"

schema_rule(
    "additional-properties-tightened", request="breaking", response="info",
    summary="An object now refuses (or restricts) properties it does not declare: "
            "additionalProperties or unevaluatedProperties became false or a schema.",
    why="""Closing an object's content model refuses what was valid: clients that send extra
    fields (many do: a newer client version, a field the server used to ignore) are
    rejected. Where the application writes the data, it only produces less than readers
    accept. ``unevaluatedProperties`` (JSON Schema 2019-09+, the way to close an object
    built with ``allOf``) is treated the same way, and trading one keyword for the other is
    no change unless anyOf, oneOf or if subschemas evaluate properties (which
    ``unevaluatedProperties`` lets through and ``additionalProperties`` does not).""",
    base=example(REQ, "type: object\n" + _AMOUNT),
    revision=example(REQ, "type: object\nadditionalProperties: false\n" + _AMOUNT),
)(_extra_check(True))
schema_rule(
    "additional-properties-loosened", request="info", response="breaking", additive=True,
    summary="An object that refused (or restricted) undeclared properties now allows them.",
    why="""Opening a closed content model lets the application write properties that readers
    validating against the old, closed schema refuse: the schema-registry view (Confluent
    treats removing ``additionalProperties: false`` as backward compatible but not forward
    compatible: old readers cannot read new data). Generated clients with strict
    deserialisers fail the same way. Where the application reads the data, it accepts
    more.""",
    base=example(RESP, "type: object\nadditionalProperties: false\n" + _TOTAL),
    revision=example(RESP, "type: object\n" + _TOTAL),
)(_extra_check(False))
