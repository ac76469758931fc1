"""Schema defaults made to fit their schema before generation.

datamodel-code-generator copies a ``default`` into the generated field as it is, so a default
that does not match the schema's own type becomes wrong code: Xero writes ``default: "false"``
on booleans, which came out as ``HasAttachments: bool | None = 'false'`` -- a truthy string
that ``mypy --strict`` rightly refuses and that pydantic hands out unvalidated. Contracts that do
this mean the typed value, so text that reads unambiguously as the typed value is converted
("false" -> ``False``, "12.5" on a number -> ``12.5``); any other default that does not validate
against the schema's type, enum or const is dropped, because no default is better than one that
contradicts the contract. Only the schema's own keywords are judged (a ``$ref``'d type is not
followed), so nothing is dropped on a guess.
"""

from __future__ import annotations

import re
from typing import Any

_MISSING = object()
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _types(node: dict[str, Any]) -> set[str] | None:
    kind = node.get("type")
    if isinstance(kind, str):
        types = {kind}
    elif isinstance(kind, list) and all(isinstance(k, str) for k in kind):
        types = set(kind)
    else:
        return None
    if node.get("nullable") is True:  # OpenAPI 3.0
        types.add("null")
    return types


def _is_type(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True  # a type this pass does not know: not its business


def _converted(value: Any, types: set[str]) -> Any:
    """``value`` as the typed value it unambiguously writes, or ``_MISSING``."""
    if not isinstance(value, str):
        return _MISSING
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "number" in types and _NUMBER.fullmatch(value):
        return int(value) if _INTEGER.fullmatch(value) else float(value)
    return _MISSING


def _valid(value: Any, node: dict[str, Any], types: set[str] | None) -> bool:
    if types is not None and not any(_is_type(value, kind) for kind in types):
        return False
    enum = node.get("enum")
    if isinstance(enum, list) and value not in enum:
        return False
    return not ("const" in node and node["const"] != value)


def fit_default(node: dict[str, Any], out: dict[str, Any]) -> None:
    """Make ``out`` (the prepared copy of ``node``) carry a default that fits ``node``'s
    type, enum and const, converting or dropping it as the module docstring says."""
    if "default" not in node:
        return
    value = node["default"]
    types = _types(node)
    if _valid(value, node, types):
        return
    if types is not None:
        converted = _converted(value, types)
        if converted is not _MISSING and _valid(converted, node, types):
            out["default"] = converted
            return
    out.pop("default", None)
