"""Spectral's built-in rulesets (and Ledgerpact's own packs) in terms of Ledgerpact's rules.

A team's ``.spectral.yaml`` names Spectral's rules: ``operation-tags``, ``oas3-schema``,
``asyncapi-3-tags``. Ledgerpact has its own ids for the same checks (``oas-operation-tags``,
``structure``, ``asyncapi-tags``), and one Ledgerpact rule often stands for several
version-specific Spectral rules (``asyncapi-tags`` for AsyncAPI 2, ``asyncapi-3-tags`` for
3). ``SPECTRAL_RULES`` is the one table from Spectral's names to Ledgerpact's rule and to
the document formats the Spectral rule covers, so ``asyncapi-3-tags: off`` turns
``asyncapi-tags`` off for AsyncAPI 3 documents only, as in Spectral.

``BuiltinState`` replays what a ruleset chain says about built-in rules (``extends``
entries, severity shorthands, redefinitions) the way Spectral's ``mergeRule`` does, per
rule and per format, and reports the outcome: which built-in rule runs on which format with
which severity.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ledgerpact.governance.lint.model import (
    ASYNCAPI,
    ASYNCAPI2,
    ASYNCAPI3,
    OAS3,
    OAS30,
    OAS31,
    RECOMMENDED,
    STRICT,
    Rule,
    Severity,
)

SPECTRAL_OAS = "spectral:oas"
SPECTRAL_ASYNCAPI = "spectral:asyncapi"
LEDGERPACT_FINANCE = "ledgerpact:finance"
LEDGERPACT_RECOMMENDED = "ledgerpact:recommended"
LEDGERPACT_STRICT = "ledgerpact:strict"

# extends name -> (the built-in rule families it brings, None = all; the Ledgerpact ruleset
# whose members count as Spectral's ``recommended: true`` rules of the pack)
PACKS: dict[str, tuple[frozenset[str] | None, str]] = {
    SPECTRAL_OAS: (frozenset({"structure", "oas"}), RECOMMENDED),
    SPECTRAL_ASYNCAPI: (frozenset({"structure", "asyncapi"}), RECOMMENDED),
    LEDGERPACT_FINANCE: (frozenset({"finance"}), RECOMMENDED),
    LEDGERPACT_RECOMMENDED: (None, RECOMMENDED),
    LEDGERPACT_STRICT: (None, STRICT),
}
# The structural check is one rule here; each Spectral pack brings it for its own formats.
STRUCTURE = "structure"
_STRUCTURE_FORMATS = {SPECTRAL_OAS: OAS3, SPECTRAL_ASYNCAPI: ASYNCAPI}

_O30 = frozenset({OAS30})
_O31 = frozenset({OAS31})
_A2 = frozenset({ASYNCAPI2})
_A3 = frozenset({ASYNCAPI3})
_NOWHERE: frozenset[str] = frozenset()  # Swagger 2.0 and OpenAPI 3.2 are not linted here

# Spectral rule name -> (its ruleset, the Ledgerpact rule that does its job or None when
# Ledgerpact lints no document it applies to, the formats it covers here). Every
# ``spectral:oas`` and ``spectral:asyncapi`` rule of Spectral 6 is listed.
SPECTRAL_RULES: dict[str, tuple[str, str | None, frozenset[str]]] = {
    # spectral:oas, OpenAPI 2 and 3
    "operation-success-response": (SPECTRAL_OAS, "oas-operation-success-response", OAS3),
    "operation-operationId-unique": (SPECTRAL_OAS, "oas-operation-operationId-unique", OAS3),
    "operation-parameters": (SPECTRAL_OAS, "oas-operation-parameters", OAS3),
    "operation-tag-defined": (SPECTRAL_OAS, "oas-operation-tag-defined", OAS3),
    "path-params": (SPECTRAL_OAS, "oas-path-params", OAS3),
    "contact-properties": (SPECTRAL_OAS, "oas-contact-properties", OAS3),
    "duplicated-entry-in-enum": (SPECTRAL_OAS, "oas-duplicated-entry-in-enum", OAS3),
    "info-contact": (SPECTRAL_OAS, "oas-info-contact", OAS3),
    "info-description": (SPECTRAL_OAS, "oas-info-description", OAS3),
    "info-license": (SPECTRAL_OAS, "oas-info-license", OAS3),
    "license-url": (SPECTRAL_OAS, "oas-license-url", OAS3),
    "no-eval-in-markdown": (SPECTRAL_OAS, "oas-no-eval-in-markdown", OAS3),
    "no-script-tags-in-markdown": (SPECTRAL_OAS, "oas-no-script-tags-in-markdown", OAS3),
    "openapi-tags-alphabetical": (SPECTRAL_OAS, "oas-openapi-tags-alphabetical", OAS3),
    "openapi-tags-uniqueness": (SPECTRAL_OAS, "oas-openapi-tags-uniqueness", OAS3),
    "openapi-tags": (SPECTRAL_OAS, "oas-openapi-tags", OAS3),
    "operation-description": (SPECTRAL_OAS, "oas-operation-description", OAS3),
    "operation-operationId": (SPECTRAL_OAS, "oas-operation-operationId", OAS3),
    "operation-operationId-valid-in-url":
        (SPECTRAL_OAS, "oas-operation-operationId-valid-in-url", OAS3),
    "operation-singular-tag": (SPECTRAL_OAS, "oas-operation-singular-tag", OAS3),
    "operation-tags": (SPECTRAL_OAS, "oas-operation-tags", OAS3),
    "path-declarations-must-exist": (SPECTRAL_OAS, "oas-path-declarations-must-exist", OAS3),
    "path-keys-no-trailing-slash": (SPECTRAL_OAS, "oas-path-keys-no-trailing-slash", OAS3),
    "path-not-include-query": (SPECTRAL_OAS, "oas-path-not-include-query", OAS3),
    "tag-description": (SPECTRAL_OAS, "oas-tag-description", OAS3),
    "no-$ref-siblings": (SPECTRAL_OAS, "oas-no-$ref-siblings", _O30),
    "array-items": (SPECTRAL_OAS, "oas-array-items", OAS3),
    "typed-enum": (SPECTRAL_OAS, "oas-typed-enum", OAS3),
    # spectral:oas, OpenAPI 2 only
    "oas2-operation-formData-consume-check": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-api-host": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-api-schemes": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-discriminator": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-host-not-example": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-host-trailing-slash": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-parameter-description": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-operation-security-defined": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-valid-schema-example": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-valid-media-example": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-anyOf": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-oneOf": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-schema": (SPECTRAL_OAS, None, _NOWHERE),
    "oas2-unused-definition": (SPECTRAL_OAS, None, _NOWHERE),
    # spectral:oas, OpenAPI 3
    "oas3-api-servers": (SPECTRAL_OAS, "oas-api-servers", OAS3),
    "oas3-examples-value-or-externalValue":
        (SPECTRAL_OAS, "oas-examples-value-or-externalValue", OAS3),
    "oas3-operation-security-defined": (SPECTRAL_OAS, "oas-operation-security-defined", OAS3),
    "oas3-parameter-description": (SPECTRAL_OAS, "oas-parameter-description", OAS3),
    "oas3-server-not-example.com": (SPECTRAL_OAS, "oas-server-not-example.com", OAS3),
    "oas3-server-trailing-slash": (SPECTRAL_OAS, "oas-server-trailing-slash", OAS3),
    "oas3-valid-media-example": (SPECTRAL_OAS, "oas-valid-media-example", OAS3),
    "oas3-valid-schema-example": (SPECTRAL_OAS, "oas-valid-schema-example", OAS3),
    "oas3-schema": (SPECTRAL_OAS, STRUCTURE, OAS3),
    "oas3-unused-component": (SPECTRAL_OAS, "oas-unused-component", OAS3),
    "oas3-links-parameters-expression": (SPECTRAL_OAS, "oas-links-parameters-expression", OAS3),
    "oas3-server-variables": (SPECTRAL_OAS, "oas-server-variables", OAS3),
    "oas3-callbacks-in-callbacks": (SPECTRAL_OAS, "oas-callbacks-in-callbacks", OAS3),
    "oas3_1-servers-in-webhook": (SPECTRAL_OAS, "oas-servers-in-webhook", _O31),
    "oas3_1-callbacks-in-webhook": (SPECTRAL_OAS, "oas-callbacks-in-webhook", _O31),
    "oas3_2-no-deprecated-xml-attribute": (SPECTRAL_OAS, None, _NOWHERE),
    # spectral:asyncapi, AsyncAPI 2 (and 3 where Spectral has no asyncapi-3- twin)
    "asyncapi-channel-no-empty-parameter":
        (SPECTRAL_ASYNCAPI, "asyncapi-channel-no-empty-parameter", _A2),
    "asyncapi-channel-no-query-nor-fragment":
        (SPECTRAL_ASYNCAPI, "asyncapi-channel-no-query-nor-fragment", _A2),
    "asyncapi-channel-no-trailing-slash":
        (SPECTRAL_ASYNCAPI, "asyncapi-channel-no-trailing-slash", _A2),
    "asyncapi-channel-parameters": (SPECTRAL_ASYNCAPI, "asyncapi-channel-parameters", ASYNCAPI),
    "asyncapi-channel-servers": (SPECTRAL_ASYNCAPI, "asyncapi-channel-servers", _A2),
    "asyncapi-headers-schema-type-object":
        (SPECTRAL_ASYNCAPI, "asyncapi-headers-schema-type-object", _A2),
    "asyncapi-info-contact-properties":
        (SPECTRAL_ASYNCAPI, "asyncapi-info-contact-properties", ASYNCAPI),
    "asyncapi-info-contact": (SPECTRAL_ASYNCAPI, "asyncapi-info-contact", ASYNCAPI),
    "asyncapi-info-description": (SPECTRAL_ASYNCAPI, "asyncapi-info-description", ASYNCAPI),
    "asyncapi-info-license-url": (SPECTRAL_ASYNCAPI, "asyncapi-info-license-url", ASYNCAPI),
    "asyncapi-info-license": (SPECTRAL_ASYNCAPI, "asyncapi-info-license", ASYNCAPI),
    "asyncapi-latest-version": (SPECTRAL_ASYNCAPI, "asyncapi-latest-version", ASYNCAPI),
    "asyncapi-message-examples": (SPECTRAL_ASYNCAPI, "asyncapi-message-examples", _A2),
    "asyncapi-message-messageId-uniqueness":
        (SPECTRAL_ASYNCAPI, "asyncapi-message-messageId-uniqueness", _A2),
    "asyncapi-operation-description": (SPECTRAL_ASYNCAPI, "asyncapi-operation-description", _A2),
    "asyncapi-operation-operationId-uniqueness":
        (SPECTRAL_ASYNCAPI, "asyncapi-operation-operationId-uniqueness", _A2),
    "asyncapi-operation-operationId": (SPECTRAL_ASYNCAPI, "asyncapi-operation-operationId", _A2),
    "asyncapi-operation-security": (SPECTRAL_ASYNCAPI, "asyncapi-operation-security", _A2),
    "asyncapi-parameter-description":
        (SPECTRAL_ASYNCAPI, "asyncapi-parameter-description", ASYNCAPI),
    "asyncapi-payload-default": (SPECTRAL_ASYNCAPI, "asyncapi-schema-default", _A2),
    "asyncapi-payload-examples": (SPECTRAL_ASYNCAPI, "asyncapi-schema-examples", _A2),
    "asyncapi-payload-unsupported-schemaFormat":
        (SPECTRAL_ASYNCAPI, "asyncapi-payload-unsupported-schemaFormat", _A2),
    "asyncapi-payload": (SPECTRAL_ASYNCAPI, STRUCTURE, _A2),  # payload schemas are structure
    "asyncapi-schema-default": (SPECTRAL_ASYNCAPI, "asyncapi-schema-default", _A2),
    "asyncapi-schema-examples": (SPECTRAL_ASYNCAPI, "asyncapi-schema-examples", _A2),
    "asyncapi-schema": (SPECTRAL_ASYNCAPI, STRUCTURE, _A2),
    "asyncapi-server-variables": (SPECTRAL_ASYNCAPI, "asyncapi-server-variables", _A2),
    "asyncapi-server-no-empty-variable":
        (SPECTRAL_ASYNCAPI, "asyncapi-server-no-empty-variable", _A2),
    "asyncapi-server-no-trailing-slash":
        (SPECTRAL_ASYNCAPI, "asyncapi-server-no-trailing-slash", _A2),
    "asyncapi-server-not-example-com":
        (SPECTRAL_ASYNCAPI, "asyncapi-server-not-example-com", _A2),
    "asyncapi-server-security": (SPECTRAL_ASYNCAPI, "asyncapi-server-security", _A2),
    "asyncapi-servers": (SPECTRAL_ASYNCAPI, "asyncapi-servers", ASYNCAPI),
    "asyncapi-tag-description": (SPECTRAL_ASYNCAPI, "asyncapi-tag-description", _A2),
    "asyncapi-tags-alphabetical": (SPECTRAL_ASYNCAPI, "asyncapi-tags-alphabetical", _A2),
    "asyncapi-tags-uniqueness": (SPECTRAL_ASYNCAPI, "asyncapi-tags-uniqueness", _A2),
    "asyncapi-tags": (SPECTRAL_ASYNCAPI, "asyncapi-tags", _A2),
    "asyncapi-unused-components-schema":
        (SPECTRAL_ASYNCAPI, "asyncapi-unused-components-schema", ASYNCAPI),
    "asyncapi-unused-components-server":
        (SPECTRAL_ASYNCAPI, "asyncapi-unused-components-server", ASYNCAPI),
    # spectral:asyncapi, AsyncAPI 3 twins
    "asyncapi-3-channel-no-empty-parameter":
        (SPECTRAL_ASYNCAPI, "asyncapi-channel-no-empty-parameter", _A3),
    "asyncapi-3-channel-no-query-nor-fragment":
        (SPECTRAL_ASYNCAPI, "asyncapi-channel-no-query-nor-fragment", _A3),
    "asyncapi-3-channel-no-trailing-slash":
        (SPECTRAL_ASYNCAPI, "asyncapi-channel-no-trailing-slash", _A3),
    "asyncapi-3-channel-servers": (SPECTRAL_ASYNCAPI, "asyncapi-channel-servers", _A3),
    "asyncapi-3-headers-schema-type-object":
        (SPECTRAL_ASYNCAPI, "asyncapi-headers-schema-type-object", _A3),
    "asyncapi-3-operation-description":
        (SPECTRAL_ASYNCAPI, "asyncapi-operation-description", _A3),
    "asyncapi-3-operation-security": (SPECTRAL_ASYNCAPI, "asyncapi-operation-security", _A3),
    "asyncapi-3-payload-unsupported-schemaFormat":
        (SPECTRAL_ASYNCAPI, "asyncapi-payload-unsupported-schemaFormat", _A3),
    "asyncapi-3-server-no-empty-variable":
        (SPECTRAL_ASYNCAPI, "asyncapi-server-no-empty-variable", _A3),
    "asyncapi-3-server-no-trailing-slash":
        (SPECTRAL_ASYNCAPI, "asyncapi-server-no-trailing-slash", _A3),
    "asyncapi-3-server-not-example-com":
        (SPECTRAL_ASYNCAPI, "asyncapi-server-not-example-com", _A3),
    "asyncapi-3-tag-description": (SPECTRAL_ASYNCAPI, "asyncapi-tag-description", _A3),
    "asyncapi-3-tags-alphabetical": (SPECTRAL_ASYNCAPI, "asyncapi-tags-alphabetical", _A3),
    "asyncapi-3-tags-uniqueness": (SPECTRAL_ASYNCAPI, "asyncapi-tags-uniqueness", _A3),
    "asyncapi-3-tags": (SPECTRAL_ASYNCAPI, "asyncapi-tags", _A3),
    "asyncapi-3-document-resolved": (SPECTRAL_ASYNCAPI, STRUCTURE, _A3),
    "asyncapi-3-document-unresolved": (SPECTRAL_ASYNCAPI, STRUCTURE, _A3),
}

OFF = None  # the severity of a rule that is switched off


class UnknownRule(LookupError):
    """A name that no extended ruleset defines (Spectral: "Cannot extend non-existing
    rule")."""

    def __init__(self, name: str, hint: str) -> None:
        super().__init__(f"Cannot extend non-existing rule {name!r}{hint}")


def pack_formats(pack: str, rule: Rule) -> frozenset[str]:
    """The formats on which extending ``pack`` brings ``rule``."""
    families, _ = PACKS[pack]
    if families is None:
        return rule.formats
    if rule.id == STRUCTURE and pack in _STRUCTURE_FORMATS:
        return rule.formats & _STRUCTURE_FORMATS[pack]
    return rule.formats if rule.family in families else frozenset()


@dataclass
class _Cell:
    """One built-in rule on one format, as the ruleset chain has left it so far."""

    on: bool
    severity: Severity | None


@dataclass
class BuiltinState:
    """What the ruleset chain says about the built-in rules, replayed in Spectral's order:
    an ``extends`` entry (re)defines the rules of its pack, ``recommended`` ones on unless
    the mode says ``all`` or ``off``; a severity shorthand re-rates a rule and switches it on
    (only ``off`` switches it off); ``true``/``false`` switch it on or off; a full definition
    under a built-in name replaces the built-in rule for the formats that name covers."""

    rules: dict[str, Rule]
    cells: dict[tuple[str, str], _Cell] = field(default_factory=dict)
    extended: dict[str, str] = field(default_factory=dict)  # pack -> last mode
    touched: set[str] = field(default_factory=set)  # built-in ids a setting names

    @classmethod
    def of(cls, rules: Iterable[Rule]) -> BuiltinState:
        return cls({rule.id: rule for rule in rules})

    def extend(self, pack: str, mode: str) -> None:
        _, recommended_in = PACKS[pack]
        self.extended[pack] = mode
        for rule in self.rules.values():
            for fmt in pack_formats(pack, rule):
                on = mode == "all" or (mode == "recommended" and recommended_in in rule.rulesets)
                self.cells[(rule.id, fmt)] = _Cell(on, rule.severity)

    def families(self) -> frozenset[str] | None:
        """The built-in families the extended packs bring (None: every family)."""
        found: set[str] = set()
        for pack in self.extended:
            families, _ = PACKS[pack]
            if families is None:
                return None
            found |= families
        return frozenset(found)

    def targets(self, name: str) -> tuple[str, frozenset[str]] | None:
        """The built-in rule and formats a name in the ruleset stands for, if it exists in
        what is extended so far. Spectral's names come first (``asyncapi-tags`` is
        Spectral's AsyncAPI 2 rule); Ledgerpact's own ids are accepted too. ``None``: a
        known Spectral rule with nothing to do here (Swagger 2.0, OpenAPI 3.2).
        ``UnknownRule``: nothing extended defines the name."""
        if name in SPECTRAL_RULES:
            pack, target, formats = SPECTRAL_RULES[name]
            if target is not None and self._present(target, formats):
                return target, formats
            if pack in self.extended:
                return None
            raise UnknownRule(name, f" ({pack} is not extended)")
        if name in self.rules and self._present(name, self.rules[name].formats):
            return name, self.rules[name].formats
        raise UnknownRule(name, self._hint(name))

    def knows(self, name: str) -> bool:
        """Whether ``targets(name)`` would find the name (without explaining why not)."""
        if name in SPECTRAL_RULES:
            pack, target, formats = SPECTRAL_RULES[name]
            return pack in self.extended or (target is not None
                                             and self._present(target, formats))
        return name in self.rules and self._present(name, self.rules[name].formats)

    def _present(self, rule_id: str, formats: frozenset[str]) -> bool:
        return any((rule_id, fmt) in self.cells for fmt in formats)

    def _hint(self, name: str) -> str:
        if name in self.rules:
            packs = [p for p in PACKS if pack_formats(p, self.rules[name])]
            return f" (it comes with {', '.join(packs)}; none of them is extended)"
        known = [n for n in [*SPECTRAL_RULES, *self.rules] if self.knows(n)]
        close = difflib.get_close_matches(name, known, n=1)
        where = ": it is not defined here or in an extended ruleset"
        return f"{where}; did you mean {close[0]!r}?" if close else where

    def set(self, name: str, value: bool | Severity | None) -> None:
        """A shorthand: ``True``/``False`` (enabled), a severity, or ``OFF``."""
        found = self.targets(name)
        if found is None:
            return
        rule_id, formats = found
        self.touched.add(rule_id)
        for cell in self._cells(rule_id, formats):
            if isinstance(value, bool):
                cell.on = value
            else:
                cell.severity = value
                cell.on = value is not OFF

    def replace(self, name: str) -> str | None:
        """A full definition under a built-in name: the built-in rule stops running on the
        formats the name covers. Returns the replaced rule's id."""
        found = self.targets(name)
        if found is None:
            return None
        rule_id, formats = found
        self.touched.add(rule_id)
        for cell in self._cells(rule_id, formats):
            cell.on = False
        return rule_id

    def formats_of(self, name: str) -> frozenset[str] | None:
        """The formats a built-in name covers (for a definition that replaces it)."""
        if name in SPECTRAL_RULES:
            return SPECTRAL_RULES[name][2]
        return self.rules[name].formats if name in self.rules else None

    def _cells(self, rule_id: str, formats: frozenset[str]) -> list[_Cell]:
        return [self.cells[(rule_id, fmt)] for fmt in sorted(formats)
                if (rule_id, fmt) in self.cells]

    def outcome(self) -> dict[str, dict[str, Severity | None]]:
        """Every built-in rule some pack brings: format -> severity in force (``None``: not
        run there), over all the rule's formats."""
        result: dict[str, dict[str, Severity | None]] = {}
        for rule in self.rules.values():
            per_format: dict[str, Severity | None] = {}
            for fmt in sorted(rule.formats):
                cell = self.cells.get((rule.id, fmt))
                per_format[fmt] = cell.severity if cell is not None and cell.on else OFF
            if any((rule.id, fmt) in self.cells for fmt in rule.formats):
                result[rule.id] = per_format
        return result
