"""Running one Spectral rule over an indexed contract: ``given`` → ``then`` → findings.

This is Spectral's rule loop, step for step, so a ported ruleset reports what Spectral
reports:

1. every ``given`` path is evaluated over the resolved document (or the raw one with
   ``resolved: false``);
2. for every match and every ``then``: ``field`` picks the target (a property path in lodash
   syntax, ``@key`` for each key, or a JSONPath starting with ``$``); a non-object match is
   the target itself; when nothing is picked, the function still runs once, on ``undefined``;
3. each problem the function returns is located: at the target, or below it (the function's
   own path), or, when that does not exist, at its nearest existing parent;
4. the message is the rule's ``message`` template (``{{error}}``, ``{{description}}``,
   ``{{path}}``, ``{{property}}``, ``{{value}}``), else the rule's ``description``, else
   the function's message; the same message at the same place is reported once.

One deliberate difference: when the target is a property *name* (``field: "@key"`` or a
``given`` ending in ``~``), the finding is placed on the name as written (not on the
``$ref`` target of its value), and ``{{value}}`` is the name; Spectral prints the value under
the name there (``Object{}``), which says nothing about the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import Violation
from ledgerpact.governance.lint.spectral.functions import CoreFunction
from ledgerpact.governance.lint.spectral.jsonpath import (
    Node,
    Query,
    descend,
    document_node,
    materialize,
    pointer_steps,
)
from ledgerpact.governance.lint.spectral.values import (
    UNDEFINED,
    is_array,
    is_object,
    js_string,
    print_value,
)
from ledgerpact.registry.jsregex import new_budget_scope


@dataclass(frozen=True)
class ThenSpec:
    function: CoreFunction
    prepared: Any  # the function's checked options
    field: str | None = None  # as written: None, "@key", "a.b[0]" or "$..x"
    steps: tuple[str, ...] = ()  # a lodash-style field, split
    query: Query | None = None  # a JSONPath field


@dataclass(frozen=True)
class RuleSpec:
    name: str
    given: tuple[Query, ...]
    then: tuple[ThenSpec, ...]
    description: str | None = None
    message: str | None = None
    resolved: bool = True


def run_rule(spec: RuleSpec, index: Index) -> Iterator[Violation]:
    # the regex time budget is per rule run on one contract: compiled patterns are shared,
    # but a hostile value in another contract must not shorten this one's limits
    new_budget_scope()
    root = document_node(index, resolved=spec.resolved)
    reported: set[tuple[Any, str]] = set()
    for query in spec.given:
        for node in query.nodes(root):
            for then in spec.then:
                for value, target in _targets(node, then):
                    if then.function.plain_input and value is not UNDEFINED:
                        value = materialize(value)
                    for result in then.function.run(value, then.prepared, target.key):
                        where = target if result.path is None else descend(target, result.path)
                        text = _message(spec, result.message, where)
                        if (where.loc, text) not in reported:
                            reported.add((where.loc, text))
                            yield Violation(where.loc, text)


def _targets(node: Node, then: ThenSpec) -> list[tuple[Any, Node]]:
    """What the function checks (the value it is given, and the node its problems are
    placed at and named after). These are the same except for a lodash ``field`` that
    names a key with a dot in it, see ``_field_target``."""
    value = node.value
    if then.field is None or not (is_object(value) or is_array(value)):
        return [(value, node)]
    if then.field == "@key":
        keys = list(value) if is_object(value) else [str(i) for i in range(len(value))]
        # a key is reported where the key is written, even when its value is a $ref
        targets = [Node(key, node.loc.child(key), key) for key in keys]
    elif then.query is not None:
        targets = list(then.query.nodes(node))
    else:
        return [_field_target(node, then.field, then.steps)]
    if not targets:
        targets = [Node(UNDEFINED, node.loc, node.key, (), node.value)]
    return [(target.value, target) for target in targets]


def _field_target(node: Node, field: str, steps: tuple[str, ...]) -> tuple[Any, Node]:
    """A lodash-style ``field``, as Spectral reads it: the value is ``_.get(value, field)``
    and the place is the given path plus ``_.toPath(field)``.

    ``_.get`` first asks lodash's ``isKey``, which takes the whole string as one key when
    the object has a property of that name, so ``field: "a.b"`` on ``{"a.b": 1}`` checks
    ``1``; but the place is still ``a`` → ``b`` (``toPath`` never looks at the object), so
    a problem with that value is reported at the nearest existing part of ``a.b``, with
    the ``{{value}}`` found there. A field without a dot or brackets is one key anyway
    (``steps == (field,)``); inherited JavaScript properties (``constructor``...) have
    no dots, so ``in`` on the object's own keys is lodash's ``value in Object(object)``."""
    place = descend(node, steps)
    if steps != (field,) and is_object(node.value) and field in node.value:
        return node.value[field], place
    return place.value, place


# -- messages --------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(#?)\{\{([^}\n]+)\}\}")
_PRINT = re.compile(r"""print\(\s*(["'])(\w+)\1\s*\)""")


def _message(spec: RuleSpec, function_message: str, where: Node) -> str:
    variables = _variables(spec, where)
    variables["error"] = render(function_message, variables)
    if spec.message is None:
        text = spec.description if spec.description is not None else variables["error"]
    else:
        text = render(spec.message, variables)
    return str(text).strip()


def _variables(spec: RuleSpec, where: Node) -> dict[str, Any]:
    steps: list[Any] = pointer_steps(where.loc)
    if where.missing:
        # Spectral names an absent property by its path from the last existing step:
        # "contact.email" when info.contact has no email.
        full = steps + list(where.missing)
        prop = _dotted(full[len(steps) - 1:] if steps else full[-1:])
    else:
        prop = steps[-1] if steps else ""
    return {"property": prop, "error": "", "path": uri_pointer(steps),
            "description": spec.description, "value": where.shown}


# what Spectral (@stoplight/json ``encodeUriPointer``) percent-encodes: all but this class;
# its source spells the upper-case and digit ranges with en dashes (U+2013), but
# encodeURIComponent keeps letters and digits anyway, so the effect is this class; lone
# surrogates stay as they are
_URI_ENCODED = re.compile(r"[^A-Za-z0-9_.!~*'()/\-\ud800-\udfff]")


def uri_pointer(steps: list[Any]) -> str:
    """``{{path}}``: Spectral prints the place as a URI fragment (``pathToPointer``), each
    step escaped as in a JSON pointer (``~0``, ``~1``) and then percent-encoded as
    ``encodeURIComponent`` does (UTF-8; ``{`` is ``%7B``, a space ``%20``), so a message
    says ``#/paths/~1users~1%7Bid%7D`` exactly as Spectral's does."""
    if not steps:
        return "#"
    return "#/" + "/".join(
        _URI_ENCODED.sub(lambda m: quote(m.group(), safe=""),
                      str(step).replace("~", "~0").replace("/", "~1"))
        for step in steps)


def _dotted(steps: list[Any]) -> str:
    out = ""
    for step in steps:
        text = str(step)
        if text.isdigit():
            out += f"[{text}]"
        else:
            out += ("." if out else "") + text
    return out


def render(template: str, variables: dict[str, Any]) -> str:
    """Spectral's message templates: ``{{name}}`` is the variable as JavaScript's
    ``String()`` prints it; ``#{{print("property")}}`` / ``#{{print("value")}}`` are the
    helpers Spectral's own functions use. Other ``#{{...}}`` expressions are not evaluated
    (they print nothing, as a failed expression does in Spectral)."""

    def replace(match: re.Match[str]) -> str:
        evaluate, body = match.group(1), match.group(2)
        if not evaluate:
            return js_string(variables[body]) if body in variables else ""
        call = _PRINT.fullmatch(body.strip())
        if call is None:
            name = body.strip()
            return js_string(variables[name]) if name in variables else ""
        what = call.group(2)
        if what == "property":
            prop = variables.get("property")
            return f'"{prop}" property ' if prop not in (None, "") else "The document "
        if what == "value":
            return print_value(variables.get("value", UNDEFINED))
        found = variables.get(what)
        return "" if found is None else js_string(found)

    return _PLACEHOLDER.sub(replace, template)
