"""The bundle as datamodel-code-generator should read it: decimals and extensible enums marked.

datamodel-code-generator has no notion of a decimal string or of an enum that grows, so this
pass says it in the generator's own vocabulary before generation: a decimal string (and a JSON
number) gets ``x-python-type`` naming a type of the package's ``_types`` module, which carries
the string's pattern and length limits, so the constraint is kept and checked on the text the
contract describes; a JSON number limited by ``enum`` or ``const`` gets a type of its own that
compares the values as decimals (the generator would otherwise write float values or lose the
enum); a ``type`` list holding ``number`` becomes one branch per type, so its number is a
Decimal too; defaults that contradict their schema's type are fixed or dropped
(``defaults``); a property that an ``allOf`` member or a ``$ref`` sibling narrows with
constraints is merged with the schema it narrows (the generator would replace it), and a
``$ref``'d decimal string narrowed by text limits gets a decimal type of its own, an object
narrowed by an ``allOf`` member's ``required`` a class of its own (``ref_narrowed``);
patterns, ECMA-262 regular expressions, are translated to Python's syntax with their
ECMA-262 meaning (``\\d`` is ``[0-9]``) or refused (``patterns``);
``if``/``then``/``else`` rules are collected for ``postprocess`` to attach to their classes;
extensible enums are only collected here (``postprocess`` gives their
classes a base that accepts unknown values). The input is never modified: the bundle is
read-only and shared with the workspace's cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from ledgerpact.generators.models.decimals import (
    is_decimal_string,
    is_json_number,
    is_nullable_json_number,
    narrowed_decimal,
    number_union,
)
from ledgerpact.generators.models.defaults import fit_default
from ledgerpact.generators.models.patterns import portable, python_form, rust_form
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.bundle import LITERAL_KEYS, NAME_MAPS
from ledgerpact.registry.errors import InputError

# Values that are data, not schema: never rewritten (the bundler's, plus OpenAPI's examples
# map, whose entries are examples too). Name maps are the bundler's: a property may be called
# "default" or "examples" and is still a schema.
_LITERAL_KEYS = LITERAL_KEYS | {"examples"}
_DEFINITION_MAPS = frozenset({"$defs", "definitions", "schemas"})
_TEXT_LIMITS = ("pattern", "maxLength", "minLength", "format")
# What an inlined allOf base does not bring along: its own definitions (still reachable where
# they are), its examples (of the base, not of the narrowed object) and its naming.
_NOT_INLINED = ("$defs", "definitions", "examples", "example", "title", "description", "$id",
                "$schema")
# datamodel-code-generator's own extensions (``x-python-type``, ``x-python-import``) name
# Python imports: only this pass may set them.
_GENERATOR_KEYS = ("x-python-",)
DECIMAL_NUMBER = "DecimalNumber"
# What a narrowing of a property may hold to be merged into the property (``narrowed``):
# constraints only. Text limits become class rules, bounds keep the stricter value.
_TEXT_RULES = ("pattern", "minLength", "maxLength")
_LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minItems", "minProperties"})
_UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxItems", "maxProperties"})
_NARROWING_KEYS = frozenset({*_TEXT_RULES, *_LOWER_BOUNDS, *_UPPER_BOUNDS, "contains",
                             "allOf", "description", "title", "$comment"})


@dataclass(frozen=True)
class DecimalSpec:
    """One kind of decimal string: its pattern and length limits."""

    pattern: str | None
    max_length: int | None
    min_length: int | None


@dataclass(frozen=True)
class EnumSchema:
    """One enum schema of the document: its values (``None`` aside) and whether the contract
    lets it grow."""

    values: frozenset[Any]
    extensible: bool


@dataclass
class Prepared:
    """The document to generate from, and what the ``_types`` module and the enum pass need.

    Enums are kept by the JSON pointer of their schema in ``document``: the generator records
    the schema each class came from, which is what tells an extensible enum from a closed one
    with the same values."""

    document: Any
    decimals: dict[str, DecimalSpec] = field(default_factory=dict)  # type name -> spec
    enums: dict[str, EnumSchema] = field(default_factory=dict)  # schema pointer -> enum
    # Type name -> the decimal texts a JSON number is limited to (its enum or const).
    numbers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Schema pointer -> its if/then/else rules, each (if, then, else) as plain JSON data.
    conditions: dict[str, list[tuple[Any, Any, Any]]] = field(default_factory=dict)


def _type_name(seed: str) -> str:
    """``DecimalString`` -> ``DecimalStringValue``: the suffix keeps the contract's own name
    free for the type alias the generator writes for that schema."""
    words = re.split(r"[^A-Za-z0-9]+", seed)
    name = "".join(w[:1].upper() + w[1:] for w in words if w) or "Decimal"
    return (name if name[0].isalpha() else f"Decimal{name}") + "Value"


class _Preparer:
    def __init__(self, document: Any, types_module: str) -> None:
        self.document = document
        self.types_module = types_module
        self.result = Prepared(None)
        self.by_spec: dict[DecimalSpec, str] = {}
        # Pointers of property schemas whose pattern must be in Python's syntax.
        self.python_patterns: set[str] = set()
        # Property pointer -> the patterns (Python's syntax) a narrowed decimal string could
        # not hold in its type: rules of the class that has the property.
        self.text_rules: dict[str, list[str]] = {}

    def decimal_type(self, spec: DecimalSpec, seed: str) -> str:
        if spec in self.by_spec:
            return self.by_spec[spec]
        base = _type_name(seed)
        name, n = base, 2
        while name in self.result.decimals or name in self.result.numbers or (
                name == DECIMAL_NUMBER):
            name, n = f"{base}{n}", n + 1
        self.by_spec[spec] = name
        self.result.decimals[name] = spec
        return name

    def number_type(self, values: tuple[str, ...], seed: str) -> str:
        for known, limited in self.result.numbers.items():
            if limited == values:
                return known
        base = _type_name(seed)
        name, n = base, 2
        taken = set(self.result.decimals) | {DECIMAL_NUMBER}
        while name in self.result.numbers or name in taken:
            name, n = f"{base}{n}", n + 1
        self.result.numbers[name] = values
        return name

    def schema(self, node: dict[str, Any], name: str | None, at: str) -> dict[str, Any]:
        node = self.ref_narrowed(node, at)
        pattern = python_form(node["pattern"], at) if isinstance(node.get("pattern"),
                                                                 str) else None
        if is_nullable_json_number(node):  # as a number or null, so the number is a Decimal
            number = {k: v for k, v in node.items() if k not in ("default", *_ANNOTATIONS)}
            number["type"] = "number"
            node = {**{k: v for k, v in node.items() if k in ("default", *_ANNOTATIONS)},
                    "anyOf": [number, {"type": "null"}]}
        node = number_union(node) or node  # [number, string]: the number a Decimal too
        narrowed, rules = self.narrowed(node, at)
        self.python_fields(narrowed, at)
        out = self.obj(self.inline_narrowed_base(narrowed), at)
        rules = rules + self.property_text_rules(narrowed, at)
        if pattern is not None and isinstance(out.get("pattern"), str):
            rust = None if at in self.python_patterns else rust_form(pattern)
            out["pattern"] = pattern if rust is None else rust  # ECMA-262's meaning
        fit_default(node, out)  # a default the generator would copy into wrong code
        decimals = self.decimal_properties(narrowed)
        conditions = (_conditions(narrowed, decimals) + _portable_rules(rules, decimals)
                      + self.unique_items(narrowed))
        if conditions:
            self.result.conditions[at] = conditions
        if is_decimal_string(node):
            spec = DecimalSpec(portable(pattern) if pattern is not None else None,
                               _int(node.get("maxLength")), _int(node.get("minLength")))
            type_name = self.decimal_type(spec, name or "Decimal")
            for key in _TEXT_LIMITS:
                out.pop(key, None)
            out["x-python-type"] = f"{self.types_module}.{type_name}"
            if not _decimal_default(out, spec):
                out.pop("default", None)
        elif is_json_number(node):
            out.pop("format", None)
            type_name = DECIMAL_NUMBER
            limited = _number_values(node)
            if limited:  # the generator would drop the enum (or write floats): ours checks it
                type_name = self.number_type(limited, name or "Number")
                out.pop("enum", None)
                out.pop("const", None)
            if not _is_number(out.get("default", 0)):
                out.pop("default", None)
            out["x-python-type"] = f"{self.types_module}.{type_name}"
            if limited:
                return out  # no enum class: the type holds the values
        if isinstance(node.get("enum"), list):
            try:
                values = frozenset(v for v in node["enum"] if v is not None)
            except TypeError:  # unhashable values: not a class the generator writes
                return out
            self.result.enums[at] = EnumSchema(values, node.get("x-extensible-enum") is True)
        return out

    def ref_narrowed(self, node: dict[str, Any], at: str) -> dict[str, Any]:
        """``node`` with what narrows a ``$ref`` (its siblings, or the other members of an
        ``allOf`` holding it) made part of the type, where the generator would misplace it.

        Text limits on a decimal string (``{$ref: Amount, minLength: 3}``) become the limits of
        a decimal type of their own, checked on the text (a pattern that type cannot hold too
        is a rule of the class with the property; elsewhere it is refused, never dropped).
        An ``allOf`` that adds ``required`` to a ``$ref``'d object becomes the ``$ref`` with
        ``required`` beside it, which the generator turns into a class of its own: of the
        ``allOf`` it keeps the referenced class alone. Anything else is left as it is."""
        found = _ref_and_narrowings(node)
        if found is None:
            return node
        ref, narrowings, kept = found
        base = self.resolve({"$ref": ref})
        if not isinstance(base, dict) or any(
                "type" in n and n["type"] != base.get("type") for n in narrowings):
            return node
        if is_decimal_string(base) and any(k in n for n in narrowings for k in _TEXT_RULES):
            merged, extra = narrowed_decimal(base, narrowings)
            if extra:
                self.text_rules[at] = [python_form(p, at) for p in extra]
            return {**kept, **merged}
        required = [r for n in narrowings for r in n.get("required", ())]
        if ("allOf" in node and required and (base.get("type") == "object"
                                               or isinstance(base.get("properties"), dict))
                and all(set(n) <= {"required", "type"} for n in narrowings)):
            return {**kept, "$ref": ref, "required": list(dict.fromkeys(required))}
        return node

    def property_text_rules(self, node: dict[str, Any], at: str
                            ) -> list[tuple[Any, Any, Any]]:
        """The patterns ``ref_narrowed`` left to ``node``'s class for its properties, as
        rules on the properties' text."""
        properties = node.get("properties")
        rules: list[tuple[Any, Any, Any]] = []
        for prop in (properties if isinstance(properties, dict) else ()):
            for pattern in self.text_rules.pop(_child(_child(at, "properties"), prop), ()):
                rules.append(({}, {"properties": {prop: {"pattern": pattern}}}, None))
        return rules

    def python_fields(self, node: dict[str, Any], at: str) -> None:
        """Mark the property patterns of an object whose generated class runs Python's
        engine (its own and its inline ``allOf`` members'): all of them, once one needs it
        (see ``rust_form``). The generator gives such a class ``regex_engine="python-re"``,
        which then reads every pattern of the class, so none may be in Rust's syntax
        there."""
        members = node.get("allOf")
        holders = [(node, at)] + [(m, _child(_child(at, "allOf"), i)) for i, m in
                                  enumerate(members if isinstance(members, list) else [])]
        patterns: dict[str, str] = {}  # property pointer -> pattern
        for holder, where in holders:
            props = holder.get("properties") if isinstance(holder, dict) else None
            for name, sub in (props.items() if isinstance(props, dict) else ()):
                if isinstance(sub, dict) and isinstance(sub.get("pattern"), str):
                    patterns[_child(_child(where, "properties"), name)] = sub["pattern"]
        if any(rust_form(python_form(p, ptr)) is None for ptr, p in patterns.items()):
            self.python_patterns.update(patterns)

    def decimal_properties(self, node: dict[str, Any]) -> frozenset[str]:
        """The properties of ``node`` (and of its ``allOf`` members) that are decimal
        strings: the JSON text a rule sees for them is a plain decimal."""
        members = node.get("allOf")
        found = set()
        for holder in [node, *(members if isinstance(members, list) else [])]:
            holder = self.resolve(holder)
            props = holder.get("properties") if isinstance(holder, dict) else None
            for name, sub in (props.items() if isinstance(props, dict) else ()):
                target = sub if isinstance(sub, dict) and "pattern" in sub else \
                    self.resolve(sub)
                if isinstance(target, dict) and is_decimal_string(target):
                    found.add(name)
        return frozenset(found)

    def unique_items(self, node: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
        """``uniqueItems: true`` of the object's array properties, as a rule that always
        applies: the generator drops the keyword (its only alternative, ``set``, loses the
        order and changes what is written back), so the model's class checks it like an
        ``if``/``then`` rule. Arrays that are not an object's property are not checked."""
        properties = node.get("properties")
        if not isinstance(properties, dict):
            return []
        unique = {}
        for name, sub in properties.items():
            target = self.resolve(sub)
            if isinstance(target, dict) and target.get("uniqueItems") is True:
                unique[name] = {"uniqueItems": True}
        return [({}, {"properties": unique}, None)] if unique else []

    def resolve(self, node: Any) -> Any:
        """``node`` with bundle-internal ``$ref``s followed (a few hops at most)."""
        for _ in range(8):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not (isinstance(ref, str) and ref.startswith("#")):
                return node
            try:
                node = jp.resolve(self.document, unquote(ref[1:]))
            except (KeyError, IndexError, TypeError, ValueError):
                return None
        return None

    def narrowed(self, node: dict[str, Any], at: str
                 ) -> tuple[dict[str, Any], list[tuple[Any, Any, Any]]]:
        """``node`` with the properties it narrows merged into the schemas they narrow, and
        the rules that carry what the merged schema cannot (see ``merge``).

        A property narrowed by an ``allOf`` member (``lines: {contains: ...}`` beside
        ``lines: {type: array, ...}``), or by a sibling of ``$ref`` (``{$ref: Money,
        properties: {amount: {pattern: ...}}}``), is left by the generator to the narrowing
        schema alone: the field loses its type, its constraints and whether it is required
        (or the narrowing is dropped). Only narrowings made of constraints are merged; one
        that names a type or values (``const``, ``enum``, ``$ref``) is the generator's to
        combine, as before. A ``$ref``'d object narrowed this way is inlined, its own
        if/then rules with it."""
        rules: list[tuple[Any, Any, Any]] = []
        if isinstance(node.get("$ref"), str) and isinstance(node.get("properties"), dict):
            node = self.flatten_ref(node, at, rules)
        members = node.get("allOf")
        if not isinstance(members, list):
            return node, rules
        holders: list[dict[str, Any]] = []
        node = dict(node)
        if isinstance(node.get("properties"), dict):
            node["properties"] = dict(node["properties"])
            holders.append(node["properties"])
        members = list(members)
        refs = [i for i, m in enumerate(members) if isinstance(m, dict) and "$ref" in m]
        base = self.resolve(members[refs[0]]) if len(refs) == 1 else None
        if isinstance(base, dict) and isinstance(base.get("properties"), dict) and any(
                _narrows(base["properties"], m.get("properties"))
                for i, m in enumerate(members) if i != refs[0] and isinstance(m, dict)):
            inlined = {k: v for k, v in base.items() if k not in _NOT_INLINED}
            inlined["properties"] = dict(base["properties"])
            members[refs[0]] = inlined
            holders.append(inlined["properties"])
        kept = []
        for i, member in enumerate(members):
            props = member.get("properties") if isinstance(member, dict) else None
            if isinstance(props, dict) and "$ref" not in member and not any(
                    props is h for h in holders):
                left = dict(props)
                for prop, sub in props.items():
                    holder = next((h for h in holders if prop in h), None)
                    if holder is not None and _is_narrowing(sub):
                        where = _child(_child(_child(_child(at, "allOf"), i), "properties"),
                                       prop)
                        holder[prop] = self.merge(holder[prop], sub, prop, where, rules)
                        del left[prop]
                if len(left) < len(props):
                    member = {**member, "properties": left}
                    if not left and set(member) <= {"properties", "type", *_ANNOTATIONS}:
                        continue  # nothing left: the member only narrowed
            kept.append(member)
        if kept:
            node["allOf"] = kept
        else:
            del node["allOf"]
        return node, rules

    def flatten_ref(self, node: dict[str, Any], at: str,
                    rules: list[tuple[Any, Any, Any]]) -> dict[str, Any]:
        """``{$ref: Money, properties: {amount: {pattern: ...}}}`` as Money's schema with
        the sibling properties merged in, when they narrow Money's (else as it is)."""
        base = self.resolve(node)
        base_props = base.get("properties") if isinstance(base, dict) else None
        if not (isinstance(base, dict) and isinstance(base_props, dict)
                and _narrows(base_props, node["properties"])):
            return node
        flat = {k: v for k, v in base.items() if k not in _NOT_INLINED}
        merged = dict(base_props)
        for prop, sub in node["properties"].items():
            if prop in merged and _is_narrowing(sub):
                where = _child(_child(at, "properties"), prop)
                merged[prop] = self.merge(merged[prop], sub, prop, where, rules)
            else:
                merged[prop] = sub
        for key, value in node.items():
            if key == "$ref":
                continue
            if key == "properties":
                flat[key] = merged
            elif key == "required" and isinstance(value, list) and isinstance(
                    flat.get(key), list):
                flat[key] = list(dict.fromkeys([*flat[key], *value]))
            elif key == "allOf" and isinstance(value, list) and isinstance(
                    flat.get(key), list):
                flat[key] = [*flat[key], *value]
            else:
                flat[key] = value
        return flat

    def merge(self, base: Any, narrowing: dict[str, Any], prop: str, at: str,
              rules: list[tuple[Any, Any, Any]]) -> Any:
        """``base`` (a property's schema) narrowed by ``narrowing`` (see ``_is_narrowing``).

        Bounds are kept at the stricter of the two. Text limits (``pattern``, ``minLength``,
        ``maxLength``) become a rule of the class instead (checked like an if/then rule on
        the property's JSON text): that holds whatever the base is, a ``$ref``'d decimal
        string with its own pattern included, where one ``pattern`` keyword would replace
        the other. ``contains`` is kept once, as the generator cannot check it anyway."""
        if not isinstance(base, dict):
            return base
        merged = dict(base)
        text: dict[str, Any] = {}
        for key, value in narrowing.items():
            if key == "allOf":
                for i, member in enumerate(value):
                    merged = self.merge(merged, member, prop, _child(_child(at, key), i), rules)
            elif key in _TEXT_RULES:
                if key in text:
                    rules.append(({}, {"properties": {prop: text}}, None))
                    text = {}
                text[key] = python_form(value, _child(at, key)) if key == "pattern" \
                    else value
            elif key in _LOWER_BOUNDS or key in _UPPER_BOUNDS:
                current = merged.get(key)
                if _is_number(current) and _is_number(value):
                    value = max(current, value) if key in _LOWER_BOUNDS else min(current, value)
                merged[key] = value
            elif key == "contains":
                merged.setdefault(key, value)
        if text:
            rules.append(({}, {"properties": {prop: text}}, None))
        return merged

    def inline_narrowed_base(self, node: dict[str, Any]) -> dict[str, Any]:
        """An ``allOf`` of one ``$ref``'d object and members that narrow one of its enum
        properties (``state: {const: approved}``) becomes a flat object. Left as it is, the
        generator writes a subclass whose field type (``Literal['approved']``) is not a subtype
        of the base's (the enum class), which type checkers rightly refuse."""
        members = node.get("allOf")
        if not isinstance(members, list):
            return node
        refs = [i for i, m in enumerate(members) if isinstance(m, dict) and "$ref" in m]
        if len(refs) != 1:
            return node
        base = self.resolve(members[refs[0]])
        base_props = base.get("properties") if isinstance(base, dict) else None
        if not isinstance(base_props, dict):
            return node
        narrowing = [node.get("properties")] + [m.get("properties") for i, m in
                                                 enumerate(members) if i != refs[0]
                                                 and isinstance(m, dict)]
        if not any(self.narrows_enum(base_props, props) for props in narrowing
                   if isinstance(props, dict)):
            return node
        inlined = {k: v for k, v in base.items() if k not in _NOT_INLINED}
        return {**node, "allOf": [inlined if i == refs[0] else m
                                  for i, m in enumerate(members)]}

    def narrows_enum(self, base_props: dict[str, Any], props: dict[str, Any]) -> bool:
        for prop, schema in props.items():
            base = self.resolve(base_props.get(prop))
            if (isinstance(base, dict) and "enum" in base and isinstance(schema, dict)
                    and ("const" in schema or "enum" in schema)):
                return True
        return False

    def obj(self, node: dict[str, Any], at: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key.startswith(_GENERATOR_KEYS):
                continue  # a contract does not choose what generated code imports
            if key in _LITERAL_KEYS or key.startswith("x-"):
                out[key] = value
            elif key in NAME_MAPS and isinstance(value, dict):
                named = key in _DEFINITION_MAPS
                out[key] = {k: self.value(v, k if named else None, _child(_child(at, key), k))
                            for k, v in value.items()}
            else:
                out[key] = self.value(value, None, _child(at, key))
        return out

    def value(self, node: Any, name: str | None, at: str) -> Any:
        if isinstance(node, dict):
            return self.schema(node, name, at)
        if isinstance(node, list):
            return [self.value(v, None, _child(at, i)) for i, v in enumerate(node)]
        return node


def _portable_rules(rules: list[tuple[Any, Any, Any]], decimals: frozenset[str]
                    ) -> list[tuple[Any, Any, Any]]:
    """``rules`` (always-applying ones from ``narrowed``) with the patterns of decimal
    properties ``portable``."""
    out = []
    for if_, then, else_ in rules:
        properties = {prop: {**sub, "pattern": portable(sub["pattern"])}
                      if prop in decimals and "pattern" in sub else sub
                      for prop, sub in then["properties"].items()}
        out.append((if_, {**then, "properties": properties}, else_))
    return out


def _is_narrowing(schema: Any) -> bool:
    """Whether ``schema``, in a narrowing position, only adds constraints to a property
    (``{contains: ...}``, ``{pattern: ...}``, an ``allOf`` of such), so merging it keeps the
    property's own type."""
    if not (isinstance(schema, dict) and set(schema) <= _NARROWING_KEYS):
        return False
    members = schema.get("allOf", [])
    if not isinstance(members, list) or not all(_is_narrowing(m) for m in members):
        return False
    pattern = schema.get("pattern", "")
    bounds = [schema[k] for k in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, "minLength", "maxLength")
              if k in schema]
    return isinstance(pattern, str) and all(_is_number(b) for b in bounds)


def _narrows(base: dict[str, Any], props: Any) -> bool:
    """Whether ``props`` narrows one of the ``base`` properties with constraints only."""
    return isinstance(props, dict) and any(p in base and _is_narrowing(s)
                                           for p, s in props.items())


# What may stand beside a narrowed ``$ref`` without narrowing it (``ref_narrowed``).
_REF_KEPT = frozenset({*("description", "title", "$comment"), "default", "examples",
                       "example", "deprecated", "readOnly", "writeOnly"})


def _ref_and_narrowings(node: dict[str, Any]
                        ) -> tuple[str, list[dict[str, Any]], dict[str, Any]] | None:
    """``node`` as a ``$ref`` narrowed by constraints only: the reference, the narrowing
    schemas (its siblings, the other ``allOf`` members, theirs flattened), and the
    annotations kept; None when ``node`` is not one (a sibling names a type of its own)."""
    kept = {k: v for k, v in node.items() if k in _REF_KEPT}
    rest = {k: v for k, v in node.items() if k not in _REF_KEPT}
    members: list[Any] = []
    if isinstance(rest.get("$ref"), str):
        ref = rest.pop("$ref")
    elif isinstance(rest.get("allOf"), list):
        members = list(rest.pop("allOf"))
        refs = [m for m in members if isinstance(m, dict) and isinstance(m.get("$ref"), str)]
        if len(refs) != 1 or not set(refs[0]) <= {"$ref", *_REF_KEPT}:
            return None
        ref = refs[0]["$ref"]
        members = [m for m in members if m is not refs[0]]
    else:
        return None
    narrowings: list[dict[str, Any]] = []
    pending: list[Any] = [rest, *members]
    while pending:
        part = pending.pop(0)
        if not isinstance(part, dict):
            return None
        part = {k: v for k, v in part.items() if k not in _REF_KEPT}
        required = part.get("required", [])
        if not (isinstance(required, list) and all(isinstance(r, str) for r in required)):
            return None
        constraints = {k: v for k, v in part.items() if k not in ("required", "type")}
        if constraints and not _is_narrowing(constraints):
            return None
        pending.extend(constraints.pop("allOf", []))
        narrowings.append({k: v for k, v in part.items() if k != "allOf"})
    return ref, narrowings, kept


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _decimal_default(out: dict[str, Any], spec: DecimalSpec) -> bool:
    """Whether ``out``'s default (if any) is a decimal string the type accepts; the generator
    copies it and ``postprocess`` makes it a ``Decimal``."""
    if "default" not in out:
        return True
    value = out["default"]
    if not (isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value)):
        return False
    try:
        return spec.pattern is None or re.search(spec.pattern, value) is not None
    except re.error:
        return False


def _number_values(node: dict[str, Any]) -> tuple[str, ...] | None:
    """The decimal texts a JSON number's ``enum``/``const`` allow: None when it has neither
    or the contract lets the enum grow, () when a value is not a number (left as it is)."""
    if node.get("x-extensible-enum") is True:
        return None
    raw: list[Any]
    if "const" in node:
        raw = [node["const"]]
    elif isinstance(node.get("enum"), list):
        raw = [v for v in node["enum"] if v is not None]
    else:
        return None
    if not raw or not all(_is_number(v) for v in raw):
        return ()
    # A float is what YAML or JSON made of the digits written: its shortest repr is them.
    texts = [format(Decimal(repr(v)) if isinstance(v, float) else Decimal(v), "f")
             for v in raw]
    return tuple(dict.fromkeys(texts))


# What a conditional rule may use to be enforced by the models (the Condition class of
# ``_types`` implements exactly these); a rule with anything else is left to schema validation.
_CONDITION_KEYS = frozenset({"properties", "required", "description", "title", "$comment"})
_CONDITION_PROPERTY_KEYS = frozenset({"const", "enum", "pattern", "minLength", "maxLength",
                                      "description", "title", "$comment"})
_ANNOTATIONS = ("description", "title", "$comment")


def _condition_part(part: Any, decimals: frozenset[str] = frozenset()
                    ) -> dict[str, Any] | None:
    """The enforceable content of an ``if``/``then``/``else`` subschema, or None."""
    if not isinstance(part, dict) or not set(part) <= _CONDITION_KEYS:
        return None
    out: dict[str, Any] = {}
    required = part.get("required", [])
    if not (isinstance(required, list) and all(isinstance(r, str) for r in required)):
        return None
    if required:
        out["required"] = list(required)
    properties = part.get("properties", {})
    if not isinstance(properties, dict):
        return None
    kept: dict[str, Any] = {}
    for prop, sub in properties.items():
        if not isinstance(sub, dict) or not set(sub) <= _CONDITION_PROPERTY_KEYS:
            return None
        values = [sub["const"]] if "const" in sub else sub.get("enum", [])
        if not isinstance(values, list) or any(isinstance(v, dict | list) for v in values):
            return None
        kept[prop] = {k: v for k, v in sub.items() if k not in _ANNOTATIONS}
        if isinstance(sub.get("pattern"), str):
            try:  # checked with ``re`` by ``_types.Condition``: in its syntax
                pattern = python_form(sub["pattern"], "")
            except InputError:
                return None
            kept[prop]["pattern"] = portable(pattern) if prop in decimals else pattern
    if kept:
        out["properties"] = kept
    return out


def _conditions(node: dict[str, Any], decimals: frozenset[str] = frozenset()
                ) -> list[tuple[Any, Any, Any]]:
    """``node``'s own if/then/else and those of its ``allOf`` members that are nothing else,
    as far as ``_condition_part`` can enforce them. ``decimals``: the properties that are
    decimal strings (see ``portable``)."""
    found = []
    all_of = node.get("allOf")
    members: list[Any] = all_of if isinstance(all_of, list) else []
    for holder in [node, *[m for m in members if isinstance(m, dict)]]:
        if "if" not in holder or (holder is not node and not set(holder) <= {
                "if", "then", "else", *_ANNOTATIONS}):
            continue
        parts = [_condition_part(holder.get(k), decimals) if k in holder else None
                 for k in ("if", "then", "else")]
        if parts[0] is None or any(p is None for k, p in zip(("then", "else"), parts[1:],
                                                              strict=True) if k in holder):
            continue
        if parts[1] or parts[2]:
            found.append((parts[0], parts[1], parts[2]))
    return found


def _child(at: str, token: str | int) -> str:
    return f"{at}/{jp.escape(token)}"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def prepare(document: Any, types_module: str) -> Prepared:
    """A copy of ``document`` with decimals typed through ``types_module``, and what the
    support module must define."""
    preparer = _Preparer(document, types_module)
    preparer.result.document = preparer.value(document, None, "")
    for at in preparer.text_rules:  # not a property: no class to hold the second pattern
        raise InputError("a pattern narrows a decimal string that has a pattern of its own, "
                         "outside an object's property, where the generated models can "
                         "check one pattern only: write the two as one", pointer=at or "/")
    return preparer.result
