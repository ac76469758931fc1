"""The last touches on datamodel-code-generator's output, located with ``ast``.

Two things the generator has no option for: an extensible enum's class takes a base from
``_types`` that accepts unknown values, and the package's own ``_types`` module is imported
relatively (``from ._types import ...``), so the code does not depend on the folder it is
installed under and import sorting is the same wherever a linter runs. Edits are made on
lines the syntax tree points at, never by searching the text.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from ledgerpact.generators.models.prepare import EnumSchema

_EXTENSIBLE_BASE = {"StrEnum": "ExtensibleStrEnum", "Enum": "ExtensibleEnum",
                    "IntEnum": "ExtensibleEnum"}
_WIDTH = 88
# typing's aliases of builtins (the generator still writes ``Dict`` for typed extra fields);
# ruff's pyupgrade rules ask for the builtin.
_BUILTIN_GENERICS = {"Dict": "dict", "List": "list", "Set": "set", "FrozenSet": "frozenset",
                     "Tuple": "tuple", "Type": "type"}


def _member_values(node: ast.ClassDef) -> set[Any] | None:
    values: set[Any] = set()
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant):
            values.add(stmt.value.value)
        elif not isinstance(stmt, ast.Expr | ast.Pass):
            return None
    return values


def extensible_classes(enums: Mapping[str, EnumSchema], names: Mapping[str, str]
                       ) -> tuple[set[str], list[frozenset[Any]]]:
    """(classes to make extensible, value sets that name an extensible enum by themselves).

    A class is matched by the schema the generator says it came from (``names``: schema
    pointer -> class), never by its values alone: a closed enum with the same values as an
    extensible one must stay closed. A class made from both kinds of schema stays closed. Only
    an extensible schema the generator did not report falls back to its values, and only when
    no closed enum of the document has the same values; otherwise there is no telling which
    class is which, and closed is the safe side."""
    kinds: dict[str, set[bool]] = {}
    for pointer, enum in enums.items():
        if pointer in names:
            kinds.setdefault(names[pointer], set()).add(enum.extensible)
    by_class = {name for name, flags in kinds.items() if flags == {True}}
    closed_values = {e.values for e in enums.values() if not e.extensible}
    by_values = [e.values for p, e in enums.items()
                 if e.extensible and p not in names and e.values
                 and e.values not in closed_values]
    return by_class, by_values


def _is_extensible(node: ast.ClassDef, by_class: set[str], by_values: list[frozenset[Any]],
                   reported: set[str]) -> bool:
    if node.name in by_class:
        return True
    if node.name in reported:
        return False
    values = _member_values(node)
    return bool(values) and any(frozenset(values or ()) == wanted for wanted in by_values)


def _sort_key(name: str) -> tuple[int, str]:
    """isort's default order within one import: constants, classes, then the rest."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1, name) if name[:1].isupper() else (2, name)


def import_statement(module: str, names: set[str]) -> str:
    ordered = sorted(names, key=_sort_key)
    one = f"from {module} import {', '.join(ordered)}"
    if len(one) <= _WIDTH:
        return one
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")"


def finish(code: str, types_module: str, enums: Mapping[str, EnumSchema],
           class_names: Mapping[str, str]) -> str:
    """``code`` with extensible enums based on ``_types`` and ``types_module`` imported
    relatively. ``enums`` are the document's enum schemas by pointer, ``names`` the class the
    generator wrote for each schema pointer."""
    tree = ast.parse(code)
    by_class, by_values = extensible_classes(enums, class_names)
    reported = set(class_names.values())
    edits: list[_Edit] = []
    names: set[str] = set()
    for node in tree.body:
        if (isinstance(node, ast.ClassDef) and len(node.bases) == 1
                and isinstance(node.bases[0], ast.Name)
                and node.bases[0].id in _EXTENSIBLE_BASE
                and _is_extensible(node, by_class, by_values, reported)):
            base = node.bases[0]
            names.add(_EXTENSIBLE_BASE[base.id])
            edits.append((base.lineno, base.col_offset, base.lineno, base.end_col_offset or 0,
                          _EXTENSIBLE_BASE[base.id]))
    typing_aliases = _typing_aliases(tree)
    for found in ast.walk(tree):
        if isinstance(found, ast.Name) and found.id in typing_aliases:
            edits.append((found.lineno, found.col_offset, found.lineno,
                          found.end_col_offset or 0, _BUILTIN_GENERICS[found.id]))
    replaced = {(e[0], e[1]) for e in edits}
    still_used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                  and (n.lineno, n.col_offset) not in replaced}
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    last_import = max((n.end_lineno or n.lineno for n in imports), default=0)
    for node in imports:
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.module == types_module:
            names.update(a.asname or a.name for a in node.names)
            edits.append(_whole_lines(node, ""))
        elif node.module in ("enum", "typing"):
            kept = {a.name for a in node.names if a.name in still_used or a.asname}
            if kept != {a.name for a in node.names}:
                text = import_statement(node.module, kept) + "\n" if kept else ""
                edits.append(_whole_lines(node, text))
    if names:
        edits.append((last_import + 1, 0, last_import + 1, 0,
                      "\n" + import_statement("._types", names) + "\n"))
    return _apply(code, edits)


def _typing_aliases(tree: ast.Module) -> set[str]:
    return {a.name for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "typing"
            for a in n.names if a.name in _BUILTIN_GENERICS and not a.asname}


_Edit = tuple[int, int, int, int, str]  # line, column, end line, end column, new text


def _whole_lines(node: ast.stmt, text: str) -> _Edit:
    return node.lineno, 0, (node.end_lineno or node.lineno) + 1, 0, text


def _apply(code: str, edits: list[_Edit]) -> str:
    """Apply edits (1-based lines, 0-based columns) from the last to the first, so each
    edit's offsets are still those of the original text."""
    lines = code.splitlines(keepends=True)
    starts = [0]
    for text in lines:
        starts.append(starts[-1] + len(text))

    def offset(line: int, col: int) -> int:
        if line > len(lines):
            return starts[-1]
        # ast columns count UTF-8 bytes; the string is indexed by characters.
        chars = len(lines[line - 1].encode()[:col].decode("utf-8", "ignore"))
        return starts[line - 1] + chars

    for line, col, end_line, end_col, text in sorted(edits, reverse=True):
        code = code[:offset(line, col)] + text + code[offset(end_line, end_col):]
    return code
