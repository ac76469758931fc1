"""Instances generated from JSON Schemas of a bundled OpenAPI document.

The generic simulator answers operations nobody wrote behaviour for, so it needs data that
passes the same response validation the engine applies. Schemas are merged into one flat
"view" (``$ref`` with siblings, ``allOf``, a chosen ``oneOf``/``anyOf`` variant) and the value
is built from the view; what merging cannot express (``not``, ``oneOf`` exclusivity,
``if``/``then``/``else``) is settled by checking candidates with a jsonschema-rs validator
that resolves ``$ref`` inside the same document, and retrying. Recursion is bounded: past
``max_depth`` (or a node budget, for specifications as recursive as Stripe's) every choice
becomes the cheapest valid one (null, the shortest variant, no optional members).

Numbers of type ``number`` come out as ``Decimal`` so money never passes through a float.

``pattern`` and ``patternProperties`` are ECMA-262 regular expressions written by whoever
wrote the contract, so they are read as JavaScript reads them (``\\d`` is ASCII, ``$`` is the
end of the text, ``[^]`` is any character) and every check is bounded, through the registry's
``schema_patterns``: Python's ``re`` would misread some and backtrack for hours on others
(``^(a+)+$`` against ``"aaa…a!"``). A string is generated from the pattern's translation and
kept only once the bounded check says it matches. A ``pattern`` the generator cannot evaluate
(JavaScript refuses it, it is too large, or its check ran out of time on every candidate)
raises ``PatternNotEvaluated`` rather than yielding a value that may not match. Length
bounds are met where the pattern leaves room: an unbounded repeat is stretched, and an end
the pattern leaves open (no ``^`` or ``$``) is padded, each candidate checked again; a
``patternProperties`` pattern that cannot be evaluated on a member name leaves that optional
member out. Time budgets are the pattern's own (``jsregex``): a hostile contract spends its
budget once per process, not once per response.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import random
import re
import re._constants as _sre_c  # the stdlib regex parser (Python 3.11+)
import re._parser as _sre_p
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, unquote

import jsonschema_rs

from ledgerpact.generators.simulators.spec import PATTERN_KEYWORDS
from ledgerpact.registry.errors import EvaluationStopped
from ledgerpact.registry.jsregex import JsRegex, RegexTimeout
from ledgerpact.registry.schema_patterns import compiled_or_reason, schema_regex

__all__ = ["PatternNotEvaluated", "declared_properties", "generate",
           "generate_string_for_pattern", "is_valid"]

DOCUMENT_URI = "urn:ledgerpact:datagen"
_NODE_BUDGET = 1500  # nodes per generate() call before every choice turns minimal
# The most characters, items or members a generated value is asked for, whatever minLength,
# minItems or minProperties say: a contract demanding a two-billion-character string would
# otherwise hold the simulator (one event loop) for good. A value cut short of its minimum is
# returned anyway, and the engine's response validation reports it, as for any schema the
# generator cannot satisfy. (At most 256 items of 4,096 characters: a megabyte.)
_MAX_SIZES = {"minLength": 4096, "minItems": 256, "minProperties": 256}
_HARD_EXTRA_DEPTH = 24  # beyond max_depth + this, recursion stops outright
_INF = 10**9
_NUMERIC = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                      "multipleOf"})
_COST_DEPTH = 3  # references followed when estimating the smallest instance
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions",
                          "dependentSchemas"})
_DATA_KEYS = frozenset({"enum", "const", "example", "examples", "default"})
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_POOL = _ALNUM + "-._~:/?#@!$&'()*+,;= "
_WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "fjord", "gamma", "harbor", "iris",
          "juniper", "kilo", "lumen", "maple", "nova", "orbit", "pine", "quartz", "river")


class PatternNotEvaluated(EvaluationStopped):
    """A ``pattern`` a generated string had to match could not be evaluated: JavaScript
    refuses it, it is too large to run, or its check ran out of time on every candidate.

    Raised instead of returning a string nobody could check: the engine's validator reads
    patterns as the generator does (``spec.BoundedPattern``), so it could only flag the
    value as a violation of the contract when the fault is the pattern's. The generic
    responder lets it through, and the simulator answers with its problem+json 500 naming
    the pattern (journaled, logged once), as for anything else it cannot answer."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"cannot generate a string for the pattern "
                         f"{json.dumps(pattern, ensure_ascii=False)}: {reason}")
        self.pattern = pattern
        self.reason = reason


def generate(schema: Any, document: dict[str, Any], rng: random.Random, *,
             max_depth: int = 8) -> Any:
    """An instance valid against ``schema`` (whose ``$ref``s point into ``document``).

    Deterministic for a given rng state, as long as no pattern check runs out of time. When
    a schema defeats the generator (an unsatisfiable or exotic combination) the best
    candidate is returned anyway; the engine's response validation reports it. A pattern
    that cannot be evaluated raises ``PatternNotEvaluated`` (see the module docstring).
    """
    return _generator_for(document).generate(schema, rng, max_depth)


def is_valid(schema: Any, document: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` satisfies ``schema`` as the engine's validator sees it (jsonschema-rs,
    formats checked, OpenAPI 3.0 ``nullable`` honoured); validators are cached per schema."""
    return _generator_for(document).valid(schema, value)


def declared_properties(schema: Any, document: dict[str, Any]) -> set[str]:
    """Member names ``schema`` declares (through ``$ref`` and ``allOf``), not counting the
    ones only a ``oneOf``/``anyOf`` variant brings."""
    return set(_generator_for(document).view([schema]).props)


def generate_string_for_pattern(pattern: str, rng: random.Random, *, min_length: int = 0,
                                max_length: int | None = None) -> str | None:
    """A string the ECMA-262 ``pattern`` matches somewhere (JSON Schema's reading), within
    the length bounds when the generator finds one, or None when it finds no match at all.
    Raises ``PatternNotEvaluated`` when the pattern cannot be evaluated."""
    found, stopped = _pattern_string(_js_pattern(pattern), rng, min_length, max_length)
    if found is None and stopped is not None:
        raise _stopped(stopped)
    return found


# --------------------------------------------------------------------------- per document

_GENERATORS: dict[int, _Generator] = {}


def _generator_for(document: dict[str, Any]) -> _Generator:
    gen = _GENERATORS.get(id(document))
    if gen is None or gen.document is not document:
        if len(_GENERATORS) > 16:
            _GENERATORS.clear()
        gen = _Generator(document)
        _GENERATORS[id(document)] = gen
    return gen


@dataclass
class _View:
    """Everything a list of schemas demands of one instance, merged."""

    impossible: bool = False
    types: set[str] | None = None
    nullable: bool = False  # OpenAPI 3.0 nullable next to a string type
    enum: list[Any] | None = None
    props: dict[str, list[Any]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    closed: list[tuple[set[str], list[str]]] = field(default_factory=list)
    additional: list[Any] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    prefix: list[list[Any]] = field(default_factory=list)
    contains: list[Any] = field(default_factory=list)
    unique: bool = False
    nums: dict[str, Any] = field(default_factory=dict)
    patterns: list[str] = field(default_factory=list)
    fmt: str | None = None
    multiple_of: list[Decimal] = field(default_factory=list)
    groups: list[tuple[str, list[Any], Any]] = field(default_factory=list)
    nots: list[Any] = field(default_factory=list)
    conds: list[tuple[Any, Any, Any]] = field(default_factory=list)
    discriminated: dict[str, str] = field(default_factory=dict)
    avoid: set[str] = field(default_factory=set)  # optional members another oneOf needs
    depends: dict[str, set[str]] = field(default_factory=dict)  # dependentRequired
    checked: bool = False  # a candidate must be validated (oneOf, not, if, contains)

    def bound(self, key: str, value: Any, tighter: Any) -> None:
        old = self.nums.get(key)
        self.nums[key] = value if old is None else tighter(old, value)

    def copy(self) -> _View:
        new = copy.copy(self)
        new.types = None if self.types is None else set(self.types)
        new.enum = None if self.enum is None else list(self.enum)
        new.props = {k: list(v) for k, v in self.props.items()}
        new.required = set(self.required)
        new.forbidden = set(self.forbidden)
        new.closed = list(self.closed)
        new.additional = list(self.additional)
        new.items = list(self.items)
        new.prefix = list(self.prefix)
        new.contains = list(self.contains)
        new.nums = dict(self.nums)
        new.patterns = list(self.patterns)
        new.multiple_of = list(self.multiple_of)
        new.groups = list(self.groups)
        new.nots = list(self.nots)
        new.conds = list(self.conds)
        new.discriminated = dict(self.discriminated)
        new.avoid = set(self.avoid)
        new.depends = {k: set(x) for k, x in self.depends.items()}
        return new


class _Generator:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.is30 = str(document.get("openapi", "")).startswith("3.0")
        self._refs: dict[str, Any] = {}
        self._validators: dict[Any, tuple[Any, Any]] = {}
        self._registry: Any = None
        self._views: dict[tuple[int, ...], tuple[tuple[Any, ...], _View]] = {}
        self._costs: dict[tuple[str, frozenset[str]], int] = {}
        self._budget = 0

    # ------------------------------------------------------------------ entry
    def generate(self, schema: Any, rng: random.Random, max_depth: int) -> Any:
        self._budget = 0
        self._max_depth = max_depth
        value = self._gen([schema], rng, 0)
        for _ in range(4):
            if self.valid(schema, value):
                break
            self._budget = 0
            value = self._gen([schema], rng, 0)
        return value

    # ------------------------------------------------------------------ refs & validation
    def resolve(self, ref: str) -> Any:
        if ref in self._refs:
            return self._refs[ref]
        if not ref.startswith("#"):
            raise ValueError(f"external $ref {ref!r}: bundle the document first")
        node: Any = self.document
        for token in unquote(ref[1:]).lstrip("/").split("/") if ref not in ("#", "#/") else []:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(token)]
            elif isinstance(node, Mapping) and token in node:
                node = node[token]
            else:
                raise ValueError(f"$ref {ref!r} does not resolve")
        self._refs[ref] = node
        return node

    def valid(self, schema: Any, value: Any) -> bool:
        if schema is True or schema is None:
            return True
        if schema is False:
            return False
        # A lone $ref is keyed by its target, so callers' throwaway wrappers share one
        # validator; other schemas by identity (they live in the document).
        key: Any = schema["$ref"] if isinstance(schema, Mapping) and len(schema) == 1 \
            and isinstance(schema.get("$ref"), str) else id(schema)
        cached = self._validators.get(key)
        if cached is None or (isinstance(key, int) and cached[0] is not schema):
            if self._registry is None:
                doc = _for_validation(self.document, self.is30)
                draft = jsonschema_rs.Draft4 if self.is30 else jsonschema_rs.Draft202012
                self._registry = jsonschema_rs.Registry([(DOCUMENT_URI, doc)], draft=draft)
            if len(self._validators) > 20_000:
                self._validators.clear()
            rewritten = _for_validation(schema, self.is30, DOCUMENT_URI)
            try:
                validator = self._compile(rewritten) if isinstance(rewritten, dict) else None
            except (jsonschema_rs.ValidationError, ValueError):
                validator = None  # a schema jsonschema-rs cannot compile: nothing to check
            cached = (schema, validator)
            self._validators[key] = cached
        validator = cached[1]
        try:
            return True if validator is None else bool(validator.is_valid(value))
        except (ValueError, TypeError, OverflowError):
            return False

    def _compile(self, schema: dict[str, Any]) -> Any:
        cls = jsonschema_rs.Draft4Validator if self.is30 else jsonschema_rs.Draft202012Validator
        return cls(schema, registry=self._registry, base_uri="urn:ledgerpact:datagen-wrap",
                   validate_formats=True, keywords=PATTERN_KEYWORDS)

    # ------------------------------------------------------------------ views
    def view(self, schemas: Sequence[Any]) -> _View:
        """The merged view of ``schemas``; cached, since a view depends on the document only
        (callers copy before they add a variant)."""
        key = tuple(id(s) for s in schemas)
        cached = self._views.get(key)
        if cached is not None and all(a is b for a, b in zip(cached[0], schemas, strict=True)):
            return cached[1]
        v = _View()
        for s in schemas:
            self._collect(s, v, frozenset())
        if len(self._views) > 50_000:
            self._views.clear()
        self._views[key] = (tuple(schemas), v)
        return v

    def _collect(self, schema: Any, v: _View, seen: frozenset[str]) -> None:
        if schema is True or schema is None:
            return
        if schema is False:
            v.impossible = True
            return
        if not isinstance(schema, Mapping):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            self._collect(self.resolve(ref), v, seen | {ref})
        for sub in schema.get("allOf") or ():
            self._collect(sub, v, seen)
        t = schema.get("type")
        if t is not None:
            ts = {t} if isinstance(t, str) else {x for x in t if isinstance(x, str)}
            if v.types is None:
                v.types = ts
            else:
                merged = v.types & ts
                if not merged and "integer" in (v.types | ts) and "number" in (v.types | ts):
                    merged = {"integer"}
                v.types = merged
            if schema.get("nullable") is True and isinstance(t, str):
                v.nullable = True
        elif schema.get("nullable") is True and isinstance(schema.get("enum"), list):
            v.nullable = True
        if "const" in schema:
            self._restrict_enum(v, [schema["const"]])
        if isinstance(schema.get("enum"), list):
            values = list(schema["enum"])
            if schema.get("nullable") is True and self.is30 and None not in values:
                values.append(None)
            self._restrict_enum(v, values)
        props = schema.get("properties")
        if isinstance(props, Mapping):
            for name, sub in props.items():
                v.props.setdefault(str(name), []).append(sub)
        req = schema.get("required")
        if isinstance(req, list):
            v.required.update(str(r) for r in req)
        for key in ("dependentRequired", "dependencies"):  # draft 2020-12 / draft 4 spelling
            deps = schema.get(key)
            if isinstance(deps, Mapping):
                for name, needed in deps.items():
                    if isinstance(needed, list):
                        v.depends.setdefault(str(name), set()).update(str(x) for x in needed)
        addl = schema.get("additionalProperties")
        if addl is False:
            names = set(props) if isinstance(props, Mapping) else set()
            pats = list(schema.get("patternProperties") or ())
            v.closed.append((names, pats))
        elif isinstance(addl, Mapping):
            v.additional.append(addl)
        items = schema.get("items")
        if isinstance(items, list):
            v.prefix.append(items)
        elif items is not None:
            v.items.append(items)
        if isinstance(schema.get("prefixItems"), list):
            v.prefix.append(schema["prefixItems"])
        if "contains" in schema:
            v.contains.append(schema["contains"])
            v.checked = True
        if schema.get("uniqueItems") is True:
            v.unique = True
        for key in ("minLength", "minItems", "minProperties"):
            if isinstance(schema.get(key), int):
                v.bound(key, min(schema[key], _MAX_SIZES[key]), max)
        for key in ("maxLength", "maxItems", "maxProperties"):
            if isinstance(schema.get(key), int):
                v.bound(key, schema[key], min)
        if not _NUMERIC.isdisjoint(schema):
            self._numbers(schema, v)
        if isinstance(schema.get("pattern"), str):
            v.patterns.append(schema["pattern"])
        if isinstance(schema.get("format"), str) and v.fmt is None:
            v.fmt = schema["format"]
        for kind in ("oneOf", "anyOf"):
            variants = schema.get(kind)
            if isinstance(variants, list) and variants:
                v.groups.append((kind, variants, schema.get("discriminator")))
                v.checked = v.checked or kind == "oneOf"
        if "not" in schema:
            self._negate(schema["not"], v)
        if "if" in schema:
            v.conds.append((schema["if"], schema.get("then"), schema.get("else")))
            v.checked = True

    def _restrict_enum(self, v: _View, values: list[Any]) -> None:
        if v.enum is None:
            v.enum = values
        else:
            keys = {_canon(x) for x in values}
            v.enum = [x for x in v.enum if _canon(x) in keys]

    def _numbers(self, schema: Mapping[str, Any], v: _View) -> None:
        def num(x: Any) -> Decimal | None:
            if isinstance(x, bool) or not isinstance(x, int | float | Decimal):
                return None
            return Decimal(str(x))

        lo, hi = num(schema.get("minimum")), num(schema.get("maximum"))
        xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if xlo is True and lo is not None:
            v.bound("xmin", lo, max)
            lo = None
        if xhi is True and hi is not None:
            v.bound("xmax", hi, min)
            hi = None
        if lo is not None:
            v.bound("min", lo, max)
        if hi is not None:
            v.bound("max", hi, min)
        if num(xlo) is not None:
            v.bound("xmin", num(xlo), max)
        if num(xhi) is not None:
            v.bound("xmax", num(xhi), min)
        m = num(schema.get("multipleOf"))
        if m is not None and m > 0:
            v.multiple_of.append(m)

    def _negate(self, sub: Any, v: _View) -> None:
        target = sub
        if isinstance(sub, Mapping) and isinstance(sub.get("$ref"), str) and len(sub) == 1:
            target = self.resolve(sub["$ref"])
        if isinstance(target, Mapping) and set(target) == {"required"} \
                and isinstance(target["required"], list) and len(target["required"]) == 1:
            v.forbidden.add(str(target["required"][0]))
            return
        if isinstance(target, Mapping) and set(target) == {"required"} \
                and isinstance(target["required"], list):
            v.forbidden.update(str(x) for x in target["required"])
            return
        v.nots.append(sub)
        v.checked = True

    # ------------------------------------------------------------------ costs
    def cost(self, schema: Any, stack: frozenset[str] = frozenset()) -> int:
        """A rough size of the smallest instance, to pick the shortest option when deep."""
        if not isinstance(schema, Mapping):
            return 0 if schema is not False else _INF
        ref = schema.get("$ref")
        total = 0
        if isinstance(ref, str):
            # A pure function of (ref, refs above it), so the choices it drives do not depend
            # on what the process generated before; past a few references, a flat guess.
            if ref in stack:
                return _INF
            if len(stack) >= _COST_DEPTH:
                total += 50
            else:
                key = (ref, stack)
                if key not in self._costs:
                    self._costs[key] = self.cost(self.resolve(ref), stack | {ref})
                total += self._costs[key]
        if schema.get("nullable") is True and isinstance(schema.get("type"), str):
            return 1
        t = schema.get("type")
        if isinstance(t, list) and "null" in t:
            return 1
        if "enum" in schema or "const" in schema:
            return total + 1
        for sub in schema.get("allOf") or ():
            total += self.cost(sub, stack)
        for kind in ("oneOf", "anyOf"):
            variants = schema.get(kind)
            if isinstance(variants, list) and variants:
                total += min(self.cost(x, stack) for x in variants)
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        for name in schema.get("required") or ():
            if name in props:
                total += self.cost(props[name], stack)
        items = schema.get("items")
        if isinstance(schema.get("minItems"), int) and schema["minItems"] > 0 and items:
            total += schema["minItems"] * self.cost(items, stack)
        return min(total + 1, _INF)

    # ------------------------------------------------------------------ generation
    def _gen(self, schemas: list[Any], rng: random.Random, depth: int) -> Any:
        self._budget += 1
        base = self.view(schemas)
        deep = depth >= self._max_depth or self._budget > _NODE_BUDGET
        if depth > self._max_depth + _HARD_EXTRA_DEPTH:
            return _shortest(base)
        tries = 6 if base.checked else 1
        value: Any = None
        for attempt in range(tries):
            view = self._choose(base, rng, deep, attempt)
            value = self._gen_view(view, rng, depth, deep)
            if not base.checked or all(self.valid(s, value) for s in schemas):
                return value
        return value

    def _choose(self, base: _View, rng: random.Random, deep: bool, attempt: int) -> _View:
        """Resolve every oneOf/anyOf group by merging one variant in (variants may bring
        groups of their own, hence the loop)."""
        if not base.groups:
            return base  # nothing to choose; views are never changed in place
        view = base.copy()
        done = 0
        while view.groups and done < 32:
            kind, variants, disc = view.groups.pop(0)
            done += 1
            order = list(range(len(variants)))
            if deep:
                order.sort(key=lambda i: self.cost(variants[i]))
                pick = order[attempt % len(order)]
            else:
                pick = order[(rng.randrange(len(order)) + attempt) % len(order)]
            chosen = variants[pick]
            self._collect(chosen, view, frozenset())
            if kind == "oneOf":
                # The common "exactly one of these members" shape: keep the members only the
                # other variants require out of the instance, so it matches one variant.
                for i, other in enumerate(variants):
                    target = other
                    if isinstance(other, Mapping) and isinstance(other.get("$ref"), str):
                        target = self.resolve(other["$ref"])
                    if i != pick and isinstance(target, Mapping) and \
                            isinstance(target.get("required"), list):
                        view.avoid.update(str(n) for n in target["required"])
            if isinstance(disc, Mapping) and isinstance(disc.get("propertyName"), str):
                key = _discriminator_value(disc, chosen)
                if key is not None:
                    view.discriminated[disc["propertyName"]] = key
        return view

    def _gen_view(self, view: _View, rng: random.Random, depth: int, deep: bool) -> Any:
        types = view.types
        null_ok = view.nullable or (types is not None and "null" in types)
        if view.enum is not None:
            options = [x for x in view.enum if _type_fits(x, types, view.nullable)]
            options = options or view.enum
            if not options:
                return None
            if deep:
                return copy.deepcopy(options[0])
            return copy.deepcopy(options[rng.randrange(len(options))])
        if null_ok and (deep or rng.random() < 0.1):
            return None
        concrete = sorted(t for t in (types or set()) if t != "null")
        if types is not None and not concrete:
            return None
        kind = concrete[rng.randrange(len(concrete))] if concrete else _infer_type(view)
        if kind == "object":
            return self._object(view, rng, depth, deep)
        if kind == "array":
            return self._array(view, rng, depth, deep)
        if kind == "string":
            return self._string(view, rng, deep)
        if kind == "integer":
            return _number(view, rng, integer=True)
        if kind == "number":
            return _number(view, rng, integer=False)
        if kind == "boolean":
            return rng.random() < 0.5
        return None

    def _allowed(self, view: _View, name: str) -> bool:
        if name in view.forbidden:
            return False
        for names, pats in view.closed:
            if name not in names and not any(_names_member(p, name) for p in pats):
                return False
        return True

    def _object(self, view: _View, rng: random.Random, depth: int, deep: bool,
                keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
        obj = self._fill(view, rng, depth, deep, keep or {})
        if not view.conds:
            return obj
        for _ in range(5):
            extra = []
            for cond, then, other in view.conds:
                branch = then if self.valid(cond, obj) else other
                if branch is not None:
                    extra.append(branch)
            if all(self.valid(b, obj) for b in extra):
                break
            grown = view.copy()
            grown.conds = []
            for b in extra:
                self._collect(b, grown, frozenset())
            grown = self._choose(grown, rng, deep, 0)
            obj = self._fill(grown, rng, depth, deep, obj)
        return obj

    def _fill(self, view: _View, rng: random.Random, depth: int, deep: bool,
              keep: Mapping[str, Any]) -> dict[str, Any]:
        max_props = view.nums.get("maxProperties")
        min_props = view.nums.get("minProperties", 0)
        names = [n for n in view.props if n in view.required or
                 (n not in view.forbidden and self._allowed(view, n))]
        required = [n for n in names if n in view.required]
        required += [n for n in sorted(view.required) if n not in view.props]
        optional = [n for n in names if n not in view.required]
        chosen = set(required)
        for n in optional:
            if n in keep or n in view.discriminated or (
                    not deep and n not in view.avoid and rng.random() < 0.5):
                chosen.add(n)
        for n in optional:
            if len(chosen) >= min_props:
                break
            chosen.add(n)
        for n in [x for x in names if x in chosen]:
            needed = view.depends.get(n, set())
            if n not in view.required and any(not self._allowed(view, d) for d in needed):
                chosen.discard(n)  # its companions are not allowed here: leave it out
            else:
                chosen.update(needed)
        if max_props is not None and len(chosen) > max_props:
            for n in reversed(optional):
                if len(chosen) <= max_props:
                    break
                chosen.discard(n)
        obj: dict[str, Any] = {}
        extra = sorted(chosen.difference(names, required))
        for n in [*names, *required, *extra]:
            if n not in chosen or n in obj:
                continue
            schemas = view.props.get(n) or view.additional or [True]
            if n in view.discriminated:
                obj[n] = view.discriminated[n]
            elif n in keep and all(self.valid(s, keep[n]) for s in schemas):
                obj[n] = keep[n]
            else:
                obj[n] = self._gen(list(schemas), rng, depth + 1)
        open_ = not view.closed
        want_extra = len(obj) < min_props or (
            open_ and view.additional and not view.props and not deep and rng.random() < 0.5)
        i = 1
        while want_extra and open_ and i <= 3 and (max_props is None or len(obj) < max_props):
            key = f"{_WORDS[rng.randrange(len(_WORDS))]}{i}"
            if key not in obj and key not in view.forbidden:
                obj[key] = self._gen(view.additional or [True], rng, depth + 1)
            i += 1
            want_extra = len(obj) < min_props or (i <= 2 and not deep)
        return obj

    def _array(self, view: _View, rng: random.Random, depth: int,
               deep: bool) -> list[Any]:
        lo = view.nums.get("minItems", 0)
        hi = view.nums.get("maxItems")
        n = lo if deep else rng.randint(lo, lo + 2 if lo else 2)
        n = min(n, _MAX_SIZES["minItems"]) if hi is None else min(n, hi, _MAX_SIZES["minItems"])
        prefix: list[list[Any]] = []
        for plist in view.prefix:
            for i, s in enumerate(plist):
                while len(prefix) <= i:
                    prefix.append([])
                prefix[i].append(s)
        if any(x is False for x in view.items):
            n = min(n, len(prefix))  # items: false closes the tuple after prefixItems
        out: list[Any] = []
        seen: set[str] = set()
        item_schemas = view.items or [True]
        for i in range(n):
            schemas = prefix[i] + view.items if i < len(prefix) else item_schemas
            value = self._gen(schemas, rng, depth + 1)
            if view.unique:
                for _ in range(8):
                    if _canon(value) not in seen:
                        break
                    value = self._gen(schemas, rng, depth + 1)
                if _canon(value) in seen:
                    if len(out) >= lo:
                        break
                    continue
                seen.add(_canon(value))
            out.append(value)
        for contained in view.contains:
            if any(self.valid(contained, x) for x in out):
                continue
            value = self._gen([*item_schemas, contained], rng, depth + 1)
            if hi is not None and len(out) >= hi and out:
                out[rng.randrange(len(out))] = value
            else:
                out.insert(rng.randint(0, len(out)), value)
        return out

    def _string(self, view: _View, rng: random.Random, deep: bool) -> str:
        lo = view.nums.get("minLength", 0)
        hi = view.nums.get("maxLength")
        patterns = [_js_pattern(p) for p in view.patterns]
        stopped: list[RegexTimeout] = []

        def matches_all(s: str) -> bool:
            try:
                return all(p.search(s) for p in patterns)
            except RegexTimeout as exc:  # unknown, so not kept; said if nothing else is
                stopped.append(exc)
                return False

        for _ in range(12):
            s = None
            if view.fmt is not None:
                s = _format_string(view.fmt, rng)
            if patterns and (s is None or not matches_all(s)):
                s, timeout = _pattern_string(patterns[0], rng, lo, hi, patterns[1:])
                stopped.extend([timeout] if timeout is not None else [])
            if s is None:
                s = _plain_string(rng, lo, hi, deep)
            if lo <= len(s) and (hi is None or len(s) <= hi) and matches_all(s):
                return s
        if stopped:
            raise _stopped(stopped[-1])
        return s if s is not None else "x" * lo


# --------------------------------------------------------------------------- helpers

def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _js_pattern(pattern: str) -> JsRegex:
    """``pattern`` compiled as JSON Schema reads it (shared with the registry's checks, and
    so is its time budget); ``PatternNotEvaluated`` when it cannot be used."""
    compiled = compiled_or_reason(pattern)
    if isinstance(compiled, str):
        raise PatternNotEvaluated(pattern, compiled)
    return compiled


def _stopped(exc: RegexTimeout) -> PatternNotEvaluated:
    return PatternNotEvaluated(exc.source, "no candidate could be shown to match it: its check "
                                           f"ran out of time after {exc.seconds:g} s "
                                           "(catastrophic backtracking)")


def _names_member(pattern: str, name: str) -> bool:
    """Whether a ``patternProperties`` pattern is known to match ``name``. One that cannot
    be used matches nothing (as in the registry's checks); a check that ran out of time
    counts as no match, so the generator leaves that optional member out."""
    compiled = schema_regex(pattern)
    try:
        return compiled is not None and compiled.search(name)
    except RegexTimeout:
        return False


def _type_fits(value: Any, types: set[str] | None, nullable: bool) -> bool:
    if types is None:
        return True
    if value is None:
        return "null" in types or nullable
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return bool(types & {"integer", "number"})
    if isinstance(value, float | Decimal):
        return "number" in types or ("integer" in types and value == int(value))
    if isinstance(value, str):
        return "string" in types
    if isinstance(value, list):
        return "array" in types
    return "object" in types


def _infer_type(view: _View) -> str:
    if view.props or view.required or view.additional or view.closed or \
            "minProperties" in view.nums:
        return "object"
    if view.items or view.prefix or view.contains or "minItems" in view.nums:
        return "array"
    if view.nums.keys() & {"min", "max", "xmin", "xmax"} or view.multiple_of:
        return "number"
    return "string"


def _shortest(view: _View) -> Any:
    if view.enum:
        return copy.deepcopy(view.enum[0])
    if view.nullable or (view.types and "null" in view.types):
        return None
    kind = sorted(view.types)[0] if view.types else _infer_type(view)
    return {"object": {}, "array": [], "integer": 0, "number": Decimal(0), "boolean": False,
            "string": "x" * view.nums.get("minLength", 0)}.get(kind)


def _discriminator_value(disc: Mapping[str, Any], chosen: Any) -> str | None:
    if not isinstance(chosen, Mapping) or not isinstance(chosen.get("$ref"), str):
        return None
    ref = str(chosen["$ref"])
    mapping = disc.get("mapping")
    if isinstance(mapping, Mapping):
        for key, target in mapping.items():
            if target == ref or (isinstance(target, str) and target.rsplit("/", 1)[-1]
                                 == ref.rsplit("/", 1)[-1] and "/" not in target):
                return str(key)
    return ref.rsplit("/", 1)[-1]


def _for_validation(node: Any, is30: bool, uri: str | None = None) -> Any:
    """A copy fit for jsonschema-rs: local $refs made absolute (``uri``) and, for OpenAPI 3.0,
    ``nullable`` spelt as JSON Schema spells it (as the engine's validator sees it)."""

    def walk(n: Any, schema_map: bool) -> Any:
        if isinstance(n, Mapping):
            out: dict[str, Any] = {}
            for k, val in n.items():
                if schema_map:
                    out[k] = walk(val, False)
                elif k in _DATA_KEYS:
                    out[k] = val
                elif k == "$ref" and isinstance(val, str) and val.startswith("#") and uri:
                    out[k] = f"{uri}#{quote(unquote(val[1:]), safe='/~')}"
                else:
                    out[k] = walk(val, k in _SCHEMA_MAPS)
            if is30 and out.get("nullable") is True and not schema_map:
                if isinstance(out.get("type"), str):
                    out["type"] = [out["type"], "null"]
                if isinstance(out.get("enum"), list) and None not in out["enum"]:
                    out["enum"] = [*out["enum"], None]
            return out
        if isinstance(n, list):
            return [walk(x, False) for x in n]
        return n

    if uri is None and not is30:
        return node
    return walk(node, False)


# --------------------------------------------------------------------------- numbers

def _number(view: _View, rng: random.Random, *, integer: bool) -> int | Decimal:
    nums = view.nums
    fmt = view.fmt
    lo: Decimal | None = nums.get("min")
    hi: Decimal | None = nums.get("max")
    step = Decimal(1) if integer else Decimal("0.01")
    if nums.get("xmin") is not None:
        x = nums["xmin"] + (step if integer else Decimal("0.01"))
        x = x.to_integral_value(ROUND_FLOOR) if integer else x
        lo = x if lo is None else max(lo, x)
    if nums.get("xmax") is not None:
        x = nums["xmax"] - (step if integer else Decimal("0.01"))
        x = x.to_integral_value(ROUND_CEILING) if integer else x
        hi = x if hi is None else min(hi, x)
    if fmt == "int32":
        lo = Decimal(-(2**31)) if lo is None else lo
        hi = Decimal(2**31 - 1) if hi is None else hi
    if fmt == "unix-time":
        lo = Decimal(1_600_000_000) if lo is None else lo
        hi = lo + 100_000_000 if hi is None else hi
    if lo is None and hi is None:
        lo, hi = Decimal(0), Decimal(1000)
    elif lo is None:
        assert hi is not None
        lo = min(hi - 1000, Decimal(0)) if hi > 0 else hi - 1000
    elif hi is None:
        hi = lo + 1000
    assert lo is not None and hi is not None
    if integer:
        lo = lo.to_integral_value(ROUND_CEILING)
        hi = hi.to_integral_value(ROUND_FLOOR)
    mults = view.multiple_of
    if mults:
        m = mults[0]
        for other in mults[1:]:
            m = _lcm(m, other)
        if integer and m != m.to_integral_value():
            m = _lcm(m, Decimal(1))
        k_lo = (lo / m).to_integral_value(ROUND_CEILING)
        k_hi = (hi / m).to_integral_value(ROUND_FLOOR)
        if k_hi < k_lo:
            k_hi = k_lo
        k = Decimal(rng.randint(int(k_lo), int(min(k_hi, k_lo + 10_000))))
        value = k * m
        return int(value) if integer else value.normalize() if value else Decimal(0)
    if integer:
        return rng.randint(int(lo), int(min(hi, lo + 1_000_000)))
    cents_lo = (lo * 100).to_integral_value(ROUND_CEILING)
    cents_hi = (hi * 100).to_integral_value(ROUND_FLOOR)
    if cents_hi < cents_lo:
        return lo
    cents = rng.randint(int(cents_lo), int(min(cents_hi, cents_lo + 10_000_000)))
    return Decimal(cents).scaleb(-2)


def _lcm(a: Decimal, b: Decimal) -> Decimal:
    try:
        scale = max(-a.as_tuple().exponent, -b.as_tuple().exponent, 0)  # type: ignore[operator]
        ia, ib = int(a.scaleb(scale)), int(b.scaleb(scale))
    except (InvalidOperation, ValueError, TypeError):
        return a
    from math import lcm
    return Decimal(lcm(ia, ib)).scaleb(-scale)


# --------------------------------------------------------------------------- strings

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _format_string(fmt: str, rng: random.Random) -> str | None:
    moment = _EPOCH + timedelta(seconds=rng.randrange(3 * 365 * 86400))
    if fmt == "date":
        return moment.date().isoformat()
    if fmt == "date-time":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "time":
        return moment.strftime("%H:%M:%SZ")
    if fmt in ("email", "idn-email"):
        return f"{_WORDS[rng.randrange(len(_WORDS))]}.{rng.randrange(1000)}@example.com"
    if fmt in ("uri", "iri", "url"):
        return f"https://example.com/{_WORDS[rng.randrange(len(_WORDS))]}/{rng.randrange(10**6)}"
    if fmt in ("uri-reference", "iri-reference"):
        return f"/{_WORDS[rng.randrange(len(_WORDS))]}/{rng.randrange(10**6)}"
    if fmt == "uri-template":
        return "https://example.com/{id}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "ipv4":
        return str(ipaddress.IPv4Address(rng.getrandbits(32)))
    if fmt == "ipv6":
        return str(ipaddress.IPv6Address(rng.getrandbits(128)))
    if fmt in ("hostname", "idn-hostname"):
        return f"{_WORDS[rng.randrange(len(_WORDS))]}{rng.randrange(100)}.example.com"
    if fmt == "json-pointer":
        return f"/{_WORDS[rng.randrange(len(_WORDS))]}/{rng.randrange(10)}"
    if fmt == "relative-json-pointer":
        return "0/a"
    if fmt == "duration":
        return f"P{rng.randrange(1, 30)}D"
    if fmt in ("decimal", "money"):
        return str(Decimal(rng.randrange(100000)).scaleb(-2))
    if fmt == "byte":
        return "bGVkZ2VycGFjdA=="
    if fmt == "regex":
        return "^[a-z]+$"
    if fmt == "date-fullyear" or fmt == "year":
        return str(date(2024, 1, 1).year)
    return None


def _plain_string(rng: random.Random, lo: int, hi: int | None, deep: bool) -> str:
    if deep:
        target = max(lo, min(hi if hi is not None else 8, 8))
    else:
        top = hi if hi is not None else max(lo, 24)
        target = rng.randint(min(max(lo, 3), top), min(max(lo, 3) + 16, top))
    words: list[str] = []
    length = -1  # of the words joined by single spaces
    while length < target:
        word = _WORDS[rng.randrange(len(_WORDS))]
        words.append(word)
        length += len(word) + 1
    s = " ".join(words)
    # Whole words when they fit, else cut at the limit: the contract's maximum, or the size
    # cap (a demand at the cap is met exactly, never a word past it).
    limit = hi if hi is not None else _MAX_SIZES["minLength"]
    if len(s) > limit:
        s = s[:limit]
    elif deep:
        s = s[:target]
    if s.endswith(" "):
        s = s[:-1] + "x"
    return s


_PARSED: dict[str, Any] = {}  # translated pattern -> parse tree, or None: not parseable


def _parse_tree(pattern: JsRegex) -> Any:
    """The stdlib parser's tree of the pattern's translation (what ``regex`` runs), which
    spells JavaScript's meaning in Python syntax (``\\d`` as ``[0-9]``, ``$`` as ``\\Z``);
    None when the stdlib parser cannot read a construct only ``regex`` knows."""
    source = pattern.compiled.pattern
    if source not in _PARSED:
        if len(_PARSED) > 4096:
            _PARSED.clear()
        try:
            _PARSED[source] = _sre_p.parse(source)
        except (re.error, OverflowError, RecursionError):
            _PARSED[source] = None
    return _PARSED[source]


def _pattern_string(pattern: JsRegex, rng: random.Random, lo: int = 0, hi: int | None = None,
                    others: Sequence[JsRegex] = ()) -> tuple[str | None, RegexTimeout | None]:
    """A string ``pattern`` and ``others`` (the schema's further patterns, which the
    candidates are not built from) match, within the length bounds if one is found, or
    None; and the last check that ran out of time, if any, so a caller left with nothing
    can say why."""
    parsed = _parse_tree(pattern)
    if parsed is None:
        return None, None
    best: str | None = None
    stopped: RegexTimeout | None = None

    def matches(s: str) -> bool:
        nonlocal stopped
        try:
            return bool(pattern.search(s) and all(other.search(s) for other in others))
        except RegexTimeout as exc:
            stopped = exc
            return False

    for attempt in range(24):
        want = None if hi is None and lo == 0 else (lo, hi)
        try:
            s = _Regen(rng, want, attempt).emit(parsed)
        except _Unsupported:
            return None, None
        if any("\ud800" <= ch <= "\udfff" for ch in s):
            continue  # half a UTF-16 pair: no JSON text can carry it
        if not matches(s):
            continue
        if len(s) < lo:
            s = next((x for x in _paddings(parsed, s, lo, rng) if matches(x)), s)
        if len(s) >= lo and (hi is None or len(s) <= hi):
            return s, None
        best = s
    return best, (stopped if best is None else None)


def _paddings(parsed: Any, s: str, lo: int, rng: random.Random) -> Iterator[str]:
    """``s`` lengthened to ``lo`` at the ends the pattern leaves open (no ``^`` first, no
    ``$`` last: JSON Schema's ``pattern`` matches anywhere), with its own characters or
    letters and digits; each is only a candidate, for the bounded check to accept.
    ``[0-9]`` with minLength 3 is matched by "a7b" though never generated as such."""
    items = list(parsed)
    open_start = not (items and items[0][0] is _sre_c.AT
                      and items[0][1] in (_sre_c.AT_BEGINNING, _sre_c.AT_BEGINNING_STRING))
    open_end = not (items and items[-1][0] is _sre_c.AT
                    and items[-1][1] in (_sre_c.AT_END, _sre_c.AT_END_STRING))
    missing = lo - len(s)
    for source in (s, _ALNUM):
        if not source:
            continue
        fill = "".join(rng.choice(source) for _ in range(missing))
        if open_end:
            yield s + fill
        if open_start:
            yield fill + s
        if open_start and open_end:
            half = missing // 2
            yield fill[:half] + s + fill[half:]


class _Unsupported(Exception):
    pass


_CATEGORY_CHARS = {
    _sre_c.CATEGORY_DIGIT: "0123456789",
    _sre_c.CATEGORY_NOT_DIGIT: "abcXYZ-_",
    _sre_c.CATEGORY_WORD: _ALNUM + "_",
    _sre_c.CATEGORY_NOT_WORD: " -.:/",
    _sre_c.CATEGORY_SPACE: " ",
    _sre_c.CATEGORY_NOT_SPACE: _ALNUM + "-._",
}


class _Regen:
    """Walks the parse tree of the stdlib regex parser and emits one matching string."""

    def __init__(self, rng: random.Random, length: tuple[int, int | None] | None,
                 attempt: int) -> None:
        self.rng = rng
        self.groups: dict[int, str] = {}
        self.length = length
        self.spread = 4 if attempt < 8 else 12

    def emit(self, tree: Any) -> str:
        out = []
        for op, arg in tree:
            out.append(self.node(op, arg))
        return "".join(out)

    def node(self, op: Any, arg: Any) -> str:
        c = _sre_c
        if op is c.LITERAL:
            return chr(arg)
        if op is c.NOT_LITERAL:
            return self.pick(_ALNUM.replace(chr(arg), ""), _POOL.replace(chr(arg), ""))
        if op is c.ANY:
            return self.rng.choice(_ALNUM)
        if op is c.IN:
            return self.char_class(arg)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = arg
            unbounded = high is c.MAXREPEAT
            high = low + self.spread if unbounded else min(high, low + 40)
            if self.length is not None:
                lo, hi = self.length
                if unbounded and lo > high:
                    high = lo  # stretched to reach a minimum length on its own
                if hi is not None and high > low:
                    high = max(low, min(high, hi))
                if lo > 0 and high >= lo and low < lo and self.rng.random() < 0.5:
                    low = min(lo, high)
            count = self.rng.randint(low, high)
            return "".join(self.emit(sub) for _ in range(count))
        if op is c.SUBPATTERN:
            group, _add, _del, sub = arg
            s = self.emit(sub)
            if group is not None:
                self.groups[group] = s
            return s
        if op is c.BRANCH:
            _, alternatives = arg
            return self.emit(alternatives[self.rng.randrange(len(alternatives))])
        if op is c.AT:
            return ""
        if op is c.GROUPREF:
            return self.groups.get(arg, "")
        if op in (c.ASSERT, c.ASSERT_NOT):
            return ""
        if op is getattr(c, "ATOMIC_GROUP", None):
            return self.emit(arg)
        if op is c.GROUPREF_EXISTS:
            group, yes, no = arg
            return self.emit(yes if group in self.groups else (no or []))
        if op is c.CATEGORY:
            return self.rng.choice(_CATEGORY_CHARS.get(arg, "a"))
        raise _Unsupported(str(op))

    def char_class(self, items: Any) -> str:
        c = _sre_c
        if items and items[0][0] is c.NEGATE:
            return self.pick(*_pool_members(items))
        choices: list[str] = []
        for op, arg in items:
            if op is c.LITERAL:
                choices.append(chr(arg))
            elif op is c.RANGE:
                a, b = arg
                b = min(b, a + 400)
                choices.append(chr(self.rng.randint(a, b)))
            elif op is c.CATEGORY:
                choices.append(self.rng.choice(_CATEGORY_CHARS.get(arg, "a")))
        if not choices:
            raise _Unsupported("empty class")
        picked = self.rng.choice(choices)
        if picked == " " or (picked.isprintable() and not picked.isspace()):
            return picked
        # JavaScript's \s and \S reach the generator spelt out as ranges of controls and
        # exotic spaces; a readable member of the class, when it has one, makes better data.
        readable = _pool_members(items)[1]
        return self.rng.choice(readable) if readable else picked

    def pick(self, alnum: str, pool: str) -> str:
        """One of the allowed letters and digits (``alnum``) or, now and then or when there
        are none, of the allowed ``_POOL`` characters: readable data, punctuation rare."""
        allowed = (alnum if self.rng.random() < 0.9 else pool) or pool
        if not allowed:
            raise _Unsupported("no character fits")
        return self.rng.choice(allowed)


_MEMBERS: dict[int, tuple[Any, str, str]] = {}


def _pool_members(items: Any) -> tuple[str, str]:
    """The characters of ``_ALNUM`` and of ``_POOL`` a class (``IN`` items, maybe negated)
    holds. Worked out once per class of a cached parse tree: a translated class spells
    JavaScript's \\s or \\W out in dozens of items, too many to scan for every character."""
    cached = _MEMBERS.get(id(items))
    if cached is None or cached[0] is not items:
        negate = bool(items) and items[0][0] is _sre_c.NEGATE
        body = items[1:] if negate else items
        alnum = "".join(ch for ch in _ALNUM if _class_has(body, ch) != negate)
        pool = "".join(ch for ch in _POOL if _class_has(body, ch) != negate)
        if len(_MEMBERS) > 16_384:
            _MEMBERS.clear()
        cached = _MEMBERS[id(items)] = (items, alnum, pool)  # items kept: ids stay unique
    return cached[1], cached[2]


def _class_has(items: Any, ch: str) -> bool:
    c = _sre_c
    code = ord(ch)
    for op, arg in items:
        if op is c.LITERAL and arg == code:
            return True
        if op is c.RANGE and arg[0] <= code <= arg[1]:
            return True
        if op is c.CATEGORY and ch in _CATEGORY_CHARS.get(arg, "") and \
                arg not in (c.CATEGORY_NOT_SPACE, c.CATEGORY_NOT_DIGIT, c.CATEGORY_NOT_WORD):
            return True
        if op is c.CATEGORY and arg in _NOT_CATEGORY and _NOT_CATEGORY[arg](ch):
            return True
    return False


# The negated categories as ``regex`` reads them (Unicode): they reach the generator only
# from a translation (``[^]`` is ``[\s\S]``), never from a contract's own \S, \D, \W.
_NOT_CATEGORY = {
    _sre_c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    _sre_c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdecimal(),
    _sre_c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}
