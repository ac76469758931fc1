"""Composition rules: oneOf/anyOf variants, a schema becoming or ceasing to be a oneOf/anyOf,
discriminators, and ``not``.

``allOf`` needs no rules: schema pairs arrive with it merged (schema_merge.schema_pairs), so
moving properties into or out of an ``allOf`` member is no change and everything merged is
reported by the rule for that keyword. Variants are paired with ``schema_variants.pair_variants``
-- the very pairing the walker uses to descend -- so what these rules call added or removed
is exactly what the walker did not compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ledgerpact.governance.diff.engine import BASE, REV
from ledgerpact.governance.diff.model import Check, Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import schema_rule
from ledgerpact.governance.diff.rules._examples import REQ, RESP, object_with
from ledgerpact.governance.diff.rules._examples import schema_example as example
from ledgerpact.governance.diff.schema_variants import pair_variants, variant_key
from ledgerpact.governance.lint.model import Loc

_VARIANTS = ("oneOf", "anyOf")

_PAYMENTS = """
components:
  schemas:
    CardPayment:
      type: object
      required: [method, cardToken]
      properties:
        method: {type: string}
        cardToken: {type: string}
    BankTransfer:
      type: object
      required: [method, iban]
      properties:
        method: {type: string}
        iban: {type: string}
    DirectDebit:
      type: object
      required: [method, mandateId]
      properties:
        method: {type: string}
        mandateId: {type: string}
"""


def _variants(schema: dict[str, Any], keyword: str) -> list[Any] | None:
    value = schema.get(keyword)
    return value if isinstance(value, list) else None


def _name(key: str | None, keyword: str, index: int) -> str:
    """How a message names a variant: its component or title, else its position."""
    if key is None:
        return f"{keyword} variant #{index}"
    return f"{keyword} variant {key.split(':', 1)[1]!r}"


def _keys(pair: Pair, side: int, variants: list[Any], loc: Loc) -> list[str | None]:
    return [variant_key(pair.engine, side, v, loc.child(i)) for i, v in enumerate(variants)]


def _itself(pair: Pair, side: int, keyword: str) -> int | None:
    """The variant the other side became or came from, as the walker found it
    (schema_variants.wrapped_variant): then the other variants are what was added or removed."""
    wrap = pair.info.get("wrapped")
    if wrap is not None and wrap[0] == side and wrap[1] == keyword:
        return int(wrap[2])
    return None


Event = tuple[str, Hit]  # the rule that reports it, and what it reports


def _events(pair: Pair) -> Iterator[Event]:
    """Every oneOf/anyOf change of this pair, each with the rule that reports it."""
    b, r = pair.base, pair.rev
    base_kws = [k for k in _VARIANTS if _variants(b, k) is not None]
    rev_kws = [k for k in _VARIANTS if _variants(r, k) is not None]
    for keyword in _VARIANTS:
        bv, rv = _variants(b, keyword), _variants(r, keyword)
        if bv is not None and rv is not None:
            yield from _variant_events(pair, keyword, bv, keyword, rv)
    gone = [k for k in base_kws if k not in rev_kws]
    new = [k for k in rev_kws if k not in base_kws]
    if gone and new:  # oneOf <-> anyOf: the same choice, matched differently
        old_kw, new_kw = gone[0], new[0]
        rule = "one-of-became-any-of" if old_kw == "oneOf" else "any-of-became-one-of"
        yield rule, Hit(f"{old_kw} became {new_kw}", base_at=pair.base_at(old_kw),
                        rev_at=pair.rev_at(new_kw))
        yield from _variant_events(pair, old_kw, _variants(b, old_kw) or [], new_kw,
                                   _variants(r, new_kw) or [])
        return
    for keyword in new:
        yield from _became(pair, keyword, bool(base_kws))
    for keyword in gone:
        yield from _ceased(pair, keyword, bool(rev_kws))


def _became(pair: Pair, keyword: str, had_one: bool) -> Iterator[Event]:
    """The revision has a oneOf/anyOf the base did not: a new constraint, unless one of its
    variants is the base schema itself (then the others are new variants)."""
    rv = _variants(pair.rev, keyword) or []
    loc = Loc(*pair.rev_at(keyword))
    keys = _keys(pair, REV, rv, loc)
    itself = None if had_one else _itself(pair, REV, keyword)
    if itself is None:
        yield "composition-added", Hit(
            f"{keyword} with {len(rv)} variants added: a value must now match "
            f"{'exactly one' if keyword == 'oneOf' else 'at least one'} of them",
            base_at=pair.base_at(), rev_at=pair.rev_at(keyword))
        return
    was = _name(keys[itself], keyword, itself)
    for j in range(len(rv)):
        if j != itself:
            yield "variant-added", Hit(
                f"{_name(keys[j], keyword, j)} added (the schema became a {keyword}; what it "
                f"was is now {was})",
                base_at=pair.base_at(), rev_at=pair.rev_at(keyword, j))


def _ceased(pair: Pair, keyword: str, has_one: bool) -> Iterator[Event]:
    """The base had a oneOf/anyOf the revision has not: a constraint gone, unless the
    revision is one of the variants (then the others were removed)."""
    bv = _variants(pair.base, keyword) or []
    loc = Loc(*pair.base_at(keyword))
    keys = _keys(pair, BASE, bv, loc)
    itself = None if has_one else _itself(pair, BASE, keyword)
    if itself is None:
        yield "composition-removed", Hit(
            f"{keyword} with {len(bv)} variants removed",
            base_at=pair.base_at(keyword), rev_at=pair.rev_at())
        return
    kept = _name(keys[itself], keyword, itself)
    for i in range(len(bv)):
        if i != itself:
            yield "variant-removed", Hit(
                f"{_name(keys[i], keyword, i)} removed (the schema is no longer a {keyword}: "
                f"only {kept} is left)",
                base_at=pair.base_at(keyword, i), rev_at=pair.rev_at())


def _variant_events(pair: Pair, base_kw: str, bv: list[Any], rev_kw: str,
                    rv: list[Any]) -> Iterator[Event]:
    bloc, rloc = Loc(*pair.base_at(base_kw)), Loc(*pair.rev_at(rev_kw))
    _, removed, added = pair_variants(pair.engine, bv, bloc, rv, rloc)
    if not removed and not added:
        return
    bkeys, rkeys = _keys(pair, BASE, bv, bloc), _keys(pair, REV, rv, rloc)
    for i in removed:
        yield "variant-removed", Hit(f"{_name(bkeys[i], base_kw, i)} removed",
                                     base_at=pair.base_at(base_kw, i), rev_at=pair.rev_at(rev_kw))
    for j in added:
        yield "variant-added", Hit(f"{_name(rkeys[j], rev_kw, j)} added",
                                   base_at=pair.base_at(base_kw), rev_at=pair.rev_at(rev_kw, j))


def _composition_events(pair: Pair) -> list[Event]:
    events = pair.info.get("composition")
    if events is None:  # six rules share one pairing of the variants
        events = pair.info["composition"] = list(_events(pair))
    return events  # type: ignore[no-any-return]


def _check(rule: str, events: Callable[[Pair], Iterable[Event]] = _composition_events) -> Check:
    """The check of a rule that reports its share of the events a pair gives rise to."""
    def run(pair: Pair) -> Iterator[Hit]:
        for found, hit in events(pair):
            if found == rule:
                yield hit
    return run


def _payee(*names: str, choice: bool = False) -> str:
    """An object with a ``payee`` of string properties ``names``; with ``choice``, the payee
    must have an IBAN or a BIC (an anyOf)."""
    return ("type: object\nproperties:\n  payee:\n    type: object\n    properties:\n"
            + "".join(f"      {name}: {{type: string}}\n" for name in names)
            + ("    anyOf:\n      - required: [iban]\n      - required: [bic]\n" if choice
               else ""))


_ONE_OF = """
type: object
properties:
  payment:
    oneOf:
      - $ref: '#/components/schemas/CardPayment'
      - $ref: '#/components/schemas/BankTransfer'
"""
_ONE_OF_MORE = _ONE_OF + "      - $ref: '#/components/schemas/DirectDebit'\n"

schema_rule(
    "variant-added", request="info", response="breaking", additive=True,
    summary="A oneOf/anyOf gained a variant (or a schema became a oneOf/anyOf of itself and "
            "new variants).",
    why="""Readers of the data (a response, an event the application sends) meet a shape they
    were never told about and cannot handle: a client switching on the payment method has
    no branch for direct debits. Where the application reads the data it accepts more.
    (A new oneOf variant overlapping an old one could make some values match twice, and
    so become invalid; that cannot be decided in general and is not reported.)""",
    base=example(RESP, _ONE_OF, _PAYMENTS), revision=example(RESP, _ONE_OF_MORE, _PAYMENTS),
)(_check("variant-added"))
schema_rule(
    "variant-removed", request="breaking", response="info",
    summary="A oneOf/anyOf lost a variant (or stopped being a oneOf/anyOf, keeping one "
            "variant).",
    why="""Clients that send the removed shape (a request, an event the application receives)
    are refused. Where the application writes the data, readers only stop seeing one of
    the shapes they handle.""",
    base=example(REQ, _ONE_OF_MORE, _PAYMENTS), revision=example(REQ, _ONE_OF, _PAYMENTS),
)(_check("variant-removed"))
schema_rule(
    "composition-added", request="breaking", response="info",
    summary="A schema became a oneOf/anyOf that does not include what it was.",
    why="""The variants are constraints added to the schema: a value must now also match one
    of them, so data that was valid may be refused (a request, an event the application
    receives). Where the application writes the data, it produces less than readers
    accept. When the schema itself became one of the variants, variant-added reports the
    others instead.""",
    base=example(REQ, _payee("name", "iban", "bic")),
    revision=example(REQ, _payee("name", "iban", "bic", choice=True)),
)(_check("composition-added"))
schema_rule(
    "composition-removed", request="info", response="breaking", additive=True,
    summary="A schema stopped being a oneOf/anyOf, and is none of its former variants.",
    why="""The choice no longer constrains the data: the application may write values that
    match none of the variants readers were promised (a response, an event it sends).
    Where it reads the data, it accepts more. When the schema became one of its former
    variants, variant-removed reports the others instead.""",
    base=example(RESP, _payee("iban", "bic", choice=True)),
    revision=example(RESP, _payee("iban", "bic")),
)(_check("composition-removed"))
schema_rule(
    "one-of-became-any-of", request="info", response="breaking", additive=True,
    summary="A oneOf became an anyOf.",
    why="""A value matching several variants was invalid and is now valid: the application
    may write such values (a response, an event it sends), which old readers refuse or
    cannot dispatch. Where it reads the data, it accepts more. Variants added or removed
    at the same time are reported too; variants kept are not compared in place.""",
    base=example(RESP, _ONE_OF, _PAYMENTS),
    revision=example(RESP, _ONE_OF.replace("oneOf", "anyOf"), _PAYMENTS),
)(_check("one-of-became-any-of"))
schema_rule(
    "any-of-became-one-of", request="breaking", response="info",
    summary="An anyOf became a oneOf.",
    why="""A value matching several variants was valid and is now refused: clients sending
    one (a request, an event the application receives) break. Where the application
    writes the data, it produces less than readers accept.""",
    base=example(REQ, _ONE_OF.replace("oneOf", "anyOf"), _PAYMENTS),
    revision=example(REQ, _ONE_OF, _PAYMENTS),
)(_check("any-of-became-one-of"))


# -- discriminator -----------------------------------------------------------------------------

def _discriminator(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The discriminator as an OpenAPI Discriminator Object; AsyncAPI 2's Schema Object
    names the property alone (``discriminator: paymentMethod``)."""
    value = schema.get("discriminator")
    if isinstance(value, str):
        return {"propertyName": value}
    return value if isinstance(value, dict) else None


def _target(value: Any) -> str:
    """A mapping value named as a component: ``CardPayment`` and
    ``#/components/schemas/CardPayment`` are the same target."""
    text = str(value)
    if "/" in text or "#" in text:
        text = text.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
    return text


def _mapping(pair: Pair, side: int) -> tuple[dict[str, str], dict[str, str]]:
    """(explicit mapping, effective mapping): OpenAPI maps each variant's component name to
    it implicitly, unless the explicit mapping gives that value another target."""
    schema = pair.base if side == BASE else pair.rev
    found = _discriminator(schema) or {}
    raw = found.get("mapping")
    explicit = {str(k): _target(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    effective: dict[str, str] = {}
    for keyword in _VARIANTS:
        variants = _variants(schema, keyword)
        if variants is None:
            continue
        at = Loc(*(pair.base_at(keyword) if side == BASE else pair.rev_at(keyword)))
        for key in _keys(pair, side, variants, at):
            if key is not None and key.startswith("ref:"):
                effective[key[4:]] = key[4:]
    effective.update(explicit)
    return explicit, effective


def _mapping_events(pair: Pair) -> Iterator[Event]:
    if _discriminator(pair.base) is None or _discriminator(pair.rev) is None:
        return
    b_explicit, b_effective = _mapping(pair, BASE)
    r_explicit, r_effective = _mapping(pair, REV)
    for value in [*b_explicit, *(v for v in r_explicit if v not in b_explicit)]:
        old, new = b_effective.get(value), r_effective.get(value)
        if old == new:
            continue  # e.g. an explicit entry that only repeated the implicit mapping
        base_at = (pair.base_at("discriminator", "mapping", value) if value in b_explicit
                   else pair.base_at("discriminator"))
        rev_at = (pair.rev_at("discriminator", "mapping", value) if value in r_explicit
                  else pair.rev_at("discriminator"))
        if old is None:
            yield "discriminator-mapping-added", Hit(
                f"discriminator value {value!r} added (maps to {new!r})", base_at=base_at,
                rev_at=rev_at)
        elif new is None:
            yield "discriminator-mapping-removed", Hit(
                f"discriminator value {value!r} removed (mapped to {old!r})", base_at=base_at,
                rev_at=rev_at)
        else:
            yield "discriminator-mapping-changed", Hit(
                f"discriminator value {value!r} now maps to {new!r} instead of {old!r}",
                base_at=base_at, rev_at=rev_at)


_MAPPED = {"card": "CardPayment", "bank": "BankTransfer", "sepa": "BankTransfer"}


def _with_discriminator(*values: str) -> str:
    """_ONE_OF with a discriminator on ``method`` mapping these values (card, bank, sepa)."""
    return (_ONE_OF + "    discriminator:\n      propertyName: method\n      mapping:\n"
            + "".join(f"        {v}: '#/components/schemas/{_MAPPED[v]}'\n" for v in values))


@schema_rule(
    "discriminator-added", request="info", response="info",
    example=Direction.RESPONSE,
    summary="A oneOf/anyOf gained a discriminator.",
    why="""A discriminator is an annotation: it tells readers which property names the variant,
    and generated clients start dispatching on it, but valid data is unchanged.""",
    base=example(RESP, _ONE_OF, _PAYMENTS),
    revision=example(RESP, _with_discriminator("card", "bank"), _PAYMENTS),
)
def discriminator_added(pair: Pair) -> Iterator[Hit]:
    new = _discriminator(pair.rev)
    if new is not None and _discriminator(pair.base) is None:
        yield Hit(f"discriminator on {str(new.get('propertyName'))!r} added",
                  rev_at=pair.rev_at("discriminator"))


@schema_rule(
    "discriminator-removed", request="info", response="warning",
    summary="A oneOf/anyOf lost its discriminator.",
    why="""Valid data is unchanged, but readers generated from the old contract dispatch on the
    discriminator; nothing now promises that the property still names the variant, so
    they may fail to deserialise what the application writes.""",
    base=example(RESP, _with_discriminator("card", "bank"), _PAYMENTS),
    revision=example(RESP, _ONE_OF, _PAYMENTS),
)
def discriminator_removed(pair: Pair) -> Iterator[Hit]:
    old = _discriminator(pair.base)
    if old is not None and _discriminator(pair.rev) is None:
        yield Hit(f"discriminator on {str(old.get('propertyName'))!r} removed",
                  base_at=pair.base_at("discriminator"))


@schema_rule(
    "discriminator-property-changed", request="breaking", response="breaking",
    example=Direction.REQUEST,
    summary="The property a discriminator reads changed.",
    why="""Writers set the old property and readers look for it: whichever way the data flows,
    one side names the variant in a property the other no longer reads.""",
    base=example(REQ, _with_discriminator("card", "bank"), _PAYMENTS),
    revision=example(REQ, _with_discriminator("card", "bank").replace(
        "propertyName: method", "propertyName: paymentMethod"), _PAYMENTS),
)
def discriminator_property_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _discriminator(pair.base), _discriminator(pair.rev)
    if old is None or new is None:
        return
    before, after = old.get("propertyName"), new.get("propertyName")
    if before != after:
        yield Hit(f"discriminator property changed from {str(before)!r} to {str(after)!r}",
                  base_at=pair.base_at("discriminator", "propertyName")
                  if "propertyName" in old else pair.base_at("discriminator"),
                  rev_at=pair.rev_at("discriminator", "propertyName")
                  if "propertyName" in new else pair.rev_at("discriminator"))


schema_rule(
    "discriminator-mapping-added", request="info", response="breaking", additive=True,
    summary="A discriminator maps a new value.",
    why="""Readers (a response, an event the application sends) meet a discriminator value they
    have no branch for. Where the application reads the data, it accepts a new value.
    Values a variant's component name already mapped implicitly are no change.""",
    base=example(RESP, _with_discriminator("card", "bank"), _PAYMENTS),
    revision=example(RESP, _with_discriminator("card", "bank", "sepa"), _PAYMENTS),
)(_check("discriminator-mapping-added", _mapping_events))
schema_rule(
    "discriminator-mapping-removed", request="breaking", response="info",
    summary="A discriminator no longer maps a value.",
    why="""Clients that send the value (a request, an event the application receives) are no
    longer understood. Where the application writes the data, readers only stop seeing a
    value they handle.""",
    base=example(REQ, _with_discriminator("card", "bank", "sepa"), _PAYMENTS),
    revision=example(REQ, _with_discriminator("card", "bank"), _PAYMENTS),
)(_check("discriminator-mapping-removed", _mapping_events))
schema_rule(
    "discriminator-mapping-changed", request="breaking", response="breaking",
    example=Direction.RESPONSE,
    summary="A discriminator value now maps to another schema.",
    why="""Data written with the value has the old variant's shape but is read as the new one
    (or the reverse), whichever way it flows.""",
    base=example(RESP, _with_discriminator("card", "bank"), _PAYMENTS),
    revision=example(RESP, _with_discriminator("card", "bank").replace(
        "bank: '#/components/schemas/BankTransfer'", "bank: '#/components/schemas/CardPayment'"),
        _PAYMENTS),
)(_check("discriminator-mapping-changed", _mapping_events))


# -- not ---------------------------------------------------------------------------------------

_FALSE = {"not": {}}  # JSON Schema's ``false``, as the walker hands it over
_CURRENCY = object_with("currency", "{type: string, pattern: '^[A-Z]{3}$'}")
_CURRENCY_NOT = """
    type: object
    properties:
      currency:
        type: string
        pattern: '^[A-Z]{3}$'
        not: {enum: [XXX, XTS]}
    """


@schema_rule(
    "not-added", request="breaking", response="info",
    summary="A schema gained a 'not' (or became false): values matching it are refused.",
    why="""What the ``not`` subschema matches was valid and is now refused: clients sending
    such values (a request, an event the application receives) break. Where the
    application writes the data, it produces less than readers accept. A ``not`` present
    on both sides is compared in place, in the opposite direction (what it accepts is
    what the schema refuses).""",
    base=example(REQ, _CURRENCY),
    revision=example(REQ, _CURRENCY_NOT),
)
def not_added(pair: Pair) -> Iterator[Hit]:
    if "not" in pair.rev and "not" not in pair.base:
        if pair.rev == _FALSE:
            yield Hit("schema became false: no value is accepted")
        else:
            yield Hit("'not' added: values matching it are now refused",
                      rev_at=pair.rev_at("not"))


@schema_rule(
    "not-removed", request="info", response="breaking", additive=True,
    summary="A schema lost its 'not' (or stopped being false): values it excluded are valid.",
    why="""The application may now write values the ``not`` excluded, which readers were
    promised never to see (a response, an event it sends). Where it reads the data, it
    accepts more.""",
    base=example(RESP, _CURRENCY_NOT),
    revision=example(RESP, _CURRENCY),
)
def not_removed(pair: Pair) -> Iterator[Hit]:
    if "not" in pair.base and "not" not in pair.rev:
        if pair.base == _FALSE:
            yield Hit("schema was false and now accepts values")
        else:
            yield Hit("'not' removed: values it excluded are now valid",
                      base_at=pair.base_at("not"))
