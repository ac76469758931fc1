"""JSON Schema's pattern keywords evaluated as ECMA-262 regular expressions, within bounds.

A contract's schemas carry ``pattern`` and ``patternProperties``, and its examples are checked
against them (``registry validate``, lint's example rules). ``jsonschema`` evaluates them with
Python's ``re``, which has no time limit: ``pattern: "^(a+)+$"`` next to the example
``"aaaa…a!"`` (forty characters) backtracks for hours, so one hostile pull request would hang
every check that reads it. Here each pattern goes through ``jsregex`` instead: JavaScript's
reading of the pattern (JSON Schema says patterns are ECMA-262, and ajv, which Spectral's
example checks run, reads them so), a time limit on each evaluation, and a cap on the memory a
repetition count may take (``^x{20000000}$``).

``bounded(cls)`` is a jsonschema validator class whose ``pattern``, ``patternProperties``,
``additionalProperties`` and ``unevaluatedProperties`` (the four keywords that evaluate
patterns) use these, with jsonschema's own messages. A value whose check ran out of time is an
error saying so, never a silent pass; a pattern that cannot be used (invalid, or too large) is
an error at the value it should have checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

from ledgerpact.registry.jsregex import JsRegex, RegexTimeout, compile_js


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> JsRegex | str:
    """The compiled pattern, or why it cannot be used. Shared per pattern, so its time
    budget is too (ajv compiles ``new RegExp(p)``: no flags)."""
    try:
        return compile_js(pattern, "", pattern)
    except ValueError as exc:
        return str(exc)


def compiled_or_reason(pattern: str) -> JsRegex | str:
    """The pattern compiled, or why it cannot be used: for a caller that must say why (the
    simulators' data generator), sharing the compiled pattern and its budget."""
    return _compiled(pattern)


def schema_regex(pattern: str) -> JsRegex | None:
    """The pattern compiled, or None when it cannot be used."""
    compiled = _compiled(pattern)
    return compiled if isinstance(compiled, JsRegex) else None


def timeout_error(exc: RegexTimeout) -> ValidationError:
    return ValidationError(str(exc), validator="patternTimeout")


def _unusable(pattern: str, reason: str) -> ValidationError:
    return ValidationError(f"the pattern {pattern!r} cannot be evaluated: {reason}",
                           validator="pattern")


def keyword_pattern(*, report_unusable: bool) -> Any:
    """``pattern``, bounded. ``report_unusable``: an unusable pattern is an error (registry
    checks) rather than skipped (Spectral's ``schema`` function, as ajv-based Spectral)."""

    def pattern(validator: Any, pattern: Any, instance: Any,
                schema: Any) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "string") or not isinstance(pattern, str):
            return
        compiled = _compiled(pattern)
        if not isinstance(compiled, JsRegex):
            if report_unusable:
                yield _unusable(pattern, compiled)
            return
        try:
            if not compiled.search(instance):
                yield ValidationError(f"{instance!r} does not match {pattern!r}")
        except RegexTimeout as exc:
            yield timeout_error(exc)

    return pattern


def pattern_properties(validator: Any, patterns: Any, instance: Any,
                       schema: Any) -> Iterator[ValidationError]:
    """``patternProperties``, bounded on each key."""
    if not validator.is_type(instance, "object") or not isinstance(patterns, Mapping):
        return
    for pattern, subschema in patterns.items():
        compiled = schema_regex(pattern)
        for key, item in instance.items():
            try:
                matched = compiled is not None and compiled.search(key)
            except RegexTimeout as exc:
                yield timeout_error(exc)
                continue
            if matched:
                yield from validator.descend(item, subschema, path=key, schema_path=pattern)


def pattern_keys(patterns: Any, instance: Mapping[str, Any],
                 timeouts: list[RegexTimeout]) -> set[str]:
    """The keys of ``instance`` some ``patternProperties`` pattern matches. A key whose
    evaluation timed out counts as matched (nothing false is claimed about it) and its
    timeout is collected, to be reported."""
    matched: set[str] = set()
    if not isinstance(patterns, Mapping):
        return matched
    for pattern in patterns:
        compiled = schema_regex(pattern)
        if compiled is None:
            continue
        for key in instance:
            try:
                if compiled.search(key):
                    matched.add(key)
            except RegexTimeout as exc:
                timeouts.append(exc)
                matched.add(key)
    return matched


def _is_valid(errors: Iterator[ValidationError]) -> bool:
    return next(errors, None) is None


def evaluated_keys(validator: Any, instance: Mapping[str, Any], schema: Any,
                   timeouts: list[RegexTimeout]) -> set[str]:
    """The properties of ``instance`` that ``schema`` evaluates (what
    ``unevaluatedProperties`` leaves alone): jsonschema's rules, but every pattern bounded
    rather than through its private helper's ``re.search``."""
    if not isinstance(schema, Mapping):
        return set()
    evaluated: set[str] = set()
    for keyword in ("$ref", "$dynamicRef"):
        ref = schema.get(keyword)
        if isinstance(ref, str):
            # `_resolver` is how jsonschema's own keywords follow a $ref (no public API)
            resolved = validator._resolver.lookup(ref)
            evaluated |= evaluated_keys(
                validator.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                instance, resolved.contents, timeouts)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        evaluated |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if (subschema := schema.get(keyword)) is not None:
            evaluated |= {key for key, value in instance.items()
                          if _is_valid(validator.descend(value, subschema))}
    if "patternProperties" in schema:
        evaluated |= pattern_keys(schema["patternProperties"], instance, timeouts)
    dependent = schema.get("dependentSchemas")
    if isinstance(dependent, Mapping):
        for name, subschema in dependent.items():
            if name in instance:
                evaluated |= evaluated_keys(validator, instance, subschema, timeouts)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, ()):
            if _is_valid(validator.descend(instance, subschema)):
                evaluated |= evaluated_keys(validator, instance, subschema, timeouts)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            evaluated |= evaluated_keys(validator, instance, schema["if"], timeouts)
            if "then" in schema:
                evaluated |= evaluated_keys(validator, instance, schema["then"], timeouts)
        elif "else" in schema:
            evaluated |= evaluated_keys(validator, instance, schema["else"], timeouts)
    return evaluated


def unevaluated_properties(validator: Any, instance: Mapping[str, Any], schema: Any
                           ) -> tuple[list[RegexTimeout], list[str]]:
    """The patterns that timed out on a key, and the keys ``schema`` leaves unevaluated (in
    the instance's order): what every ``unevaluatedProperties`` keyword starts from."""
    timeouts: list[RegexTimeout] = []
    evaluated = evaluated_keys(validator, instance, schema, timeouts)
    return timeouts, [key for key in instance if key not in evaluated]


def _unexpected(keys: list[str], verb: str) -> str:
    """jsonschema's list of extra keys: ``'a', 'b' were unexpected``."""
    return f"{', '.join(map(repr, keys))} {'was' if len(keys) == 1 else 'were'} {verb}"


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: Any) -> Iterator[ValidationError]:
    """``additionalProperties`` with the patterns bounded, in jsonschema's words."""
    if not validator.is_type(instance, "object"):
        return
    timeouts: list[RegexTimeout] = []
    patterns = schema.get("patternProperties", {})
    matched = pattern_keys(patterns, instance, timeouts)
    for exc in timeouts:
        yield timeout_error(exc)
    known = schema.get("properties", {})
    extras = [key for key in instance if key not in known and key not in matched]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if "patternProperties" in schema:
            joined = ", ".join(map(repr, sorted(extras)))
            verb = "does" if len(extras) == 1 else "do"
            regexes = ", ".join(map(repr, sorted(patterns)))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {regexes}")
        else:
            yield ValidationError("Additional properties are not allowed "
                                  f"({_unexpected(sorted(extras, key=str), 'unexpected')})")


def _unevaluated_properties(validator: Any, unevaluated: Any, instance: Any,
                            schema: Any) -> Iterator[ValidationError]:
    """``unevaluatedProperties`` with the patterns bounded, in jsonschema's words."""
    if not validator.is_type(instance, "object"):
        return
    timeouts, unevaluated_keys = unevaluated_properties(validator, instance, schema)
    yield from map(timeout_error, timeouts)
    failing = [key for key in unevaluated_keys
               if not _is_valid(validator.descend(instance[key], unevaluated, path=key,
                                                  schema_path=key))]
    if not failing:
        return
    if unevaluated is False:
        yield ValidationError("Unevaluated properties are not allowed "
                              f"({_unexpected(sorted(failing, key=str), 'unexpected')})")
    else:
        yield ValidationError("Unevaluated properties are not valid under the given schema "
                              f"({_unexpected(failing, 'unevaluated and invalid')})")


@cache
def bounded(cls: type[Any]) -> type[Any]:
    """``cls`` (a jsonschema validator class) with every pattern evaluated within bounds."""
    keywords: dict[str, Any] = {"pattern": keyword_pattern(report_unusable=True),
                                "patternProperties": pattern_properties,
                                "additionalProperties": _additional_properties,
                                "unevaluatedProperties": _unevaluated_properties}
    # only the keywords the class knows: OpenAPI 3.0's has no unevaluatedProperties
    return extend(cls, {k: v for k, v in keywords.items() if k in cls.VALIDATORS})
