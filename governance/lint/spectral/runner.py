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
    root = document_node(index, resolved=spec.resolved)
    reported: set[tuple[Any, str]] = set()
    for query in spec.given:
        for node in query.nodes(root):
            for then in spec.then:
                for target in _targets(node, then):
                    value = target.value
                    if then.function.plain_input and value is not UNDEFINED:
                        value = materialize(value)
                    for result in then.function.run(value, then.prepared, target.key):
                        where = target if result.path is None else descend(target, result.path)
                        text = _message(spec, result.message, where)
                        if (where.loc, text) not in reported:
                            reported.add((where.loc, text))
                            yield Violation(where.loc, text)


def _targets(node: Node, then: ThenSpec) -> list[Node]:
    value = node.value
    if then.field is None or not (is_object(value) or is_array(value)):
        return [node]
    if then.field == "@key":
        keys = list(value) if is_object(value) else [str(i) for i in range(len(value))]
        # a key is reported where the key is written, even when its value is a $ref
        targets = [Node(key, node.loc.child(key), key) for key in keys]
    elif then.query is not None:
        targets = list(then.query.nodes(node))
    else:
        targets = [descend(node, then.steps)]
    return targets or [Node(UNDEFINED, node.loc, node.key, (), node.value)]


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
    return {"property": prop, "error": "", "path": "#" + where.loc.pointer,
            "description": spec.description, "value": where.shown}


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
