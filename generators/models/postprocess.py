"""The last touches on datamodel-code-generator's output, located with ``ast``.

What the generator has no option for: an extensible enum's class takes a base from
``_types`` that accepts unknown values; the package's own ``_types`` module is imported
relatively (``from ._types import ...``), so the code does not depend on the folder it is
installed under and import sorting is the same wherever a linter runs; a class whose schema has
``if``/``then`` rules carries them (``__contract_conditions__``, checked by ``ContractModel``);
and on decimal fields, defaults and numeric constraints (``ge=0.1``, ``multiple_of=0.01``) are
written as ``Decimal("0.1")``, because a float default would be handed out unvalidated and a
float bound compares with its binary value (``Decimal("0.1") >= 0.1`` is false). Edits are made
on lines the syntax tree points at, never by searching the text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ledgerpact.generators.models.prepare import EnumSchema
from ledgerpact.registry import pointer as jp

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


class _Names:
    """The names this pass writes (``Decimal``, ``Condition``, ``ExtensibleStrEnum``...) as the
    module may use them. A contract may have a schema (or a property) called ``Decimal``: the
    generator avoids names it imports itself, not those added here, and a class ``Decimal``
    would replace ``decimal.Decimal`` (or a field ``Condition`` shadow the helper in its class
    body). Such a name is imported under a reserved alias (``_lp_Decimal``) instead; a module
    with no clash keeps the plain names, so its bytes do not change."""

    def __init__(self, tree: ast.Module) -> None:
        self.defined: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                self.defined.add(node.name)
                self.defined.update(_targets(node.body))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.defined.add(node.name)
        self.defined.update(_targets(tree.body))
        self.taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
            a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
            for a in n.names} | self.defined

    def clashes(self, name: str) -> bool:
        return name in self.defined

    def __call__(self, name: str) -> str:
        """What the module calls ``name``."""
        if not self.clashes(name):
            return name
        alias = f"_lp_{name}"
        while alias in self.taken:
            alias += "_"
        return alias

    def imported(self, name: str) -> str:
        """``name`` as an import list item: ``Decimal`` or ``Decimal as _lp_Decimal``."""
        alias = self(name)
        return name if alias == name else f"{name} as {alias}"


def _targets(body: list[ast.stmt]) -> set[str]:
    found: set[str] = set()
    for stmt in body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            found.add(stmt.target.id)
        elif isinstance(stmt, ast.Assign):
            found.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return found


def _sort_key(name: str) -> tuple[int, str]:
    """isort's default order within one import: constants, classes, then the rest."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1, name) if name[:1].isupper() else (2, name)


def import_statement(module: str, names: set[str]) -> str:
    """One ``from`` import of the plain ``names``, then one per aliased name (``X as Y``), the
    way isort writes them without ``combine_as_imports``."""
    plain = {n for n in names if " as " not in n}
    statements = [(min(plain, key=_sort_key), _import_line(module, plain))] if plain else []
    statements.extend((n, f"from {module} import {n}") for n in names if " as " in n)
    return "\n".join(text for _, text in sorted(statements, key=lambda s: _sort_key(s[0])))


def _import_line(module: str, names: set[str]) -> str:
    ordered = sorted(names, key=_sort_key)
    one = f"from {module} import {', '.join(ordered)}"
    if len(one) <= _WIDTH:
        return one
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")"


_BOUNDS = frozenset({"ge", "gt", "le", "lt", "multiple_of"})


def _decimal_names(tree: ast.Module, decimal_types: set[str]) -> set[str]:
    """``decimal_types`` and the module's aliases that name one of them (``Rate =
    TypeAliasType("Rate", Annotated[DecimalNumber, ...])``), through any number of aliases."""
    aliases: dict[str, ast.expr] = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            aliases[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and (
                node.value is not None):
            aliases[node.target.id] = node.value
    names = set(decimal_types)
    while True:
        more = {alias for alias, value in aliases.items() if alias not in names
                and _mentions(value, names)}
        if not more:
            return names
        names |= more


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _decimal_literal(node: ast.expr, decimal: str = "Decimal") -> str | None:
    """``Decimal("...")`` for a number or decimal-text constant, else None."""
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    value = node.value
    if isinstance(value, float):
        text = repr(value)  # the shortest digits that are this float: those written
    elif isinstance(value, int | str):
        text = str(value)
    else:
        return None
    if re.fullmatch(r"-?[0-9]+", text) and text != "-0":
        return f"{decimal}({int(text)})"  # ruff's FURB157 asks for the int
    return f'{decimal}("{text}")'


def _decimal_edits(tree: ast.Module, decimal_types: set[str], decimal: str = "Decimal",
                   multiple_of: str = "MultipleOf") -> tuple[list[_Edit], bool]:
    """Defaults and numeric bounds of decimal fields and aliases, written as Decimals; and
    whether a ``multiple_of`` was moved out of ``Field`` into ``_types.MultipleOf`` (pydantic's
    own check raises ``decimal.InvalidOperation`` on large decimals)."""
    names = _decimal_names(tree, decimal_types)
    edits: list[_Edit] = []
    moved = False

    def move_multiple_of(call: ast.Call) -> bool:
        """``Annotated[T, Field(ge=.., multiple_of=X)]`` -> ``Annotated[T, Field(ge=..),
        MultipleOf(X)]``."""
        nonlocal moved
        keywords = call.keywords
        index = next((i for i, k in enumerate(keywords) if k.arg == "multiple_of"), None)
        if index is None:
            return False
        keyword = keywords[index]
        text = _decimal_literal(keyword.value, decimal)
        if text is None:
            return False
        parts: list[ast.AST] = [*call.args, *keywords]
        at = len(call.args) + index
        if len(parts) == 1:
            start, end = keyword, keyword
            span = (start.lineno, start.col_offset, end.end_lineno or end.lineno,
                    end.end_col_offset or 0)
        elif at < len(parts) - 1:
            after = parts[at + 1]
            span = (keyword.lineno, keyword.col_offset, getattr(after, "lineno", 0),
                    getattr(after, "col_offset", 0))
        else:
            before = parts[at - 1]
            span = (getattr(before, "end_lineno", 0), getattr(before, "end_col_offset", 0),
                    keyword.end_lineno or keyword.lineno, keyword.end_col_offset or 0)
        edits.append((*span, ""))
        end_line, end_col = call.end_lineno or call.lineno, call.end_col_offset or 0
        edits.append((end_line, end_col, end_line, end_col, f", {multiple_of}({text})"))
        moved = True
        return True

    def literal(node: ast.expr) -> None:
        if isinstance(node, ast.List | ast.Tuple):
            for item in node.elts:
                literal(item)
            return
        text = _decimal_literal(node, decimal)
        if text is not None:
            edits.append((node.lineno, node.col_offset, node.end_lineno or node.lineno,
                           node.end_col_offset or 0, text))

    def bounds(annotation: ast.AST) -> None:
        in_annotated = {id(e) for n in ast.walk(annotation) if isinstance(n, ast.Subscript)
                        and isinstance(n.value, ast.Name) and n.value.id == "Annotated"
                        and isinstance(n.slice, ast.Tuple) for e in n.slice.elts[1:]}
        for call in ast.walk(annotation):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and (
                    call.func.id == "Field"):
                movable = id(call) in in_annotated and move_multiple_of(call)
                for keyword in call.keywords:
                    if keyword.arg in _BOUNDS and not (movable and keyword.arg == "multiple_of"):
                        literal(keyword.value)

    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and _mentions(stmt.annotation, names):
                    bounds(stmt.annotation)
                    if stmt.value is not None:
                        literal(stmt.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and (
                _mentions(node.value, names)):
            bounds(node.value)
    return edits, moved


def _mutable_default_edits(tree: ast.Module, field: str = "Field") -> list[_Edit]:
    """A list, dict or set default of a field becomes ``Field(default_factory=lambda: ...)``:
    pydantic copies it either way, but ruff (RUF012) cannot know a ``ContractModel`` subclass
    is a pydantic model and reports a mutable class attribute."""
    edits: list[_Edit] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            value = stmt.value if isinstance(stmt, ast.AnnAssign) else None
            if isinstance(value, ast.List | ast.Dict | ast.Set):
                end_line, end_col = value.end_lineno or value.lineno, value.end_col_offset or 0
                edits.append((value.lineno, value.col_offset, value.lineno, value.col_offset,
                              f"{field}(default_factory=lambda: "))
                edits.append((end_line, end_col, end_line, end_col, ")"))
    return edits


def _field_import(tree: ast.Module, names: _Names) -> _Edit | None:
    pydantic = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "pydantic"]
    if not names.clashes("Field") and any(a.name == "Field" and not a.asname
                                          for n in pydantic for a in n.names):
        return None
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    line = (imports[-1].end_lineno or imports[-1].lineno) + 1 if imports else 1
    return line, 0, line, 0, f"from pydantic import {names.imported('Field')}\n"


def _condition_lines(conditions: list[tuple[Any, Any, Any]], condition: str) -> str:
    items = "".join(f"        {condition}({_args(c)}),\n" for c in conditions)
    return f"    __contract_conditions__ = (\n{items}    )\n"


def _args(condition: tuple[Any, Any, Any]) -> str:
    if_, then, else_ = condition
    args = [repr(if_), repr(then)]
    if else_ is not None:
        args.append(f"else_={else_!r}")
    return ", ".join(args)


def _condition_edits(tree: ast.Module, conditions: Mapping[str, list[tuple[Any, Any, Any]]],
                     class_names: Mapping[str, str], condition: str = "Condition"
                     ) -> list[_Edit]:
    """The schema's if/then rules, as a class attribute after the class's last line."""
    wanted: dict[str, list[tuple[Any, Any, Any]]] = {}
    for pointer, rules in sorted(conditions.items()):
        name = class_names.get(pointer)
        if name is not None and name not in wanted:
            wanted[name] = rules
    edits: list[_Edit] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in wanted and not any(
                isinstance(b, ast.Name) and b.id in _EXTENSIBLE_BASE for b in node.bases):
            end = (node.end_lineno or node.lineno) + 1
            edits.append((end, 0, end, 0, _condition_lines(wanted[node.name], condition)))
    return edits


def _resolved(schema: Any, document: Any) -> Any:
    """``schema`` with a local ``$ref`` followed (its sibling keywords are judged on their
    own by the caller); a reference that does not resolve gives None."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str):
        return None
    if not ref.startswith("#"):
        return None
    try:
        return jp.resolve(document, unquote(ref[1:]))
    except KeyError:
        return None


def allows_null(schema: Any, document: Any, depth: int = 0) -> bool:
    """Whether JSON Schema (or OpenAPI 3.0's ``nullable``) lets ``schema`` be null. When in
    doubt (a reference that does not resolve, a cycle), yes: the runtime then takes null as
    it did before it was told, rather than refuse what the contract may allow."""
    if depth > 50 or not isinstance(schema, dict):
        return schema is not False
    if schema.get("nullable") is True:
        return True
    checks: list[bool] = []
    if "$ref" in schema:
        target = _resolved(schema, document)
        checks.append(True if target is None else allows_null(target, document, depth + 1))
    if "const" in schema:
        checks.append(schema["const"] is None)
    if isinstance(schema.get("enum"), list):
        checks.append(None in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, str):
        checks.append(kind == "null")
    elif isinstance(kind, list):
        checks.append("null" in kind)
    if isinstance(schema.get("allOf"), list):
        checks.append(all(allows_null(s, document, depth + 1) for s in schema["allOf"]))
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            checks.append(any(allows_null(s, document, depth + 1) for s in schema[key]))
    return all(checks)


def _properties(schema: Any, document: Any, depth: int = 0) -> dict[str, list[Any]]:
    """Each property an object schema declares (through ``$ref`` and ``allOf``), with every
    subschema that constrains it."""
    found: dict[str, list[Any]] = {}
    if depth > 50 or not isinstance(schema, dict):
        return found
    parts = [schema]
    target = _resolved(schema, document)
    if target is not None:
        parts.append(target)
    if isinstance(schema.get("allOf"), list):
        parts.extend(schema["allOf"])
    for index, part in enumerate(parts):
        if index == 0:
            properties = part.get("properties")
            if isinstance(properties, dict):
                for name, sub in properties.items():
                    found.setdefault(name, []).append(sub)
            continue
        for name, subs in _properties(part, document, depth + 1).items():
            found.setdefault(name, []).extend(subs)
    return found


def nullable_fields(document: Any, class_names: Mapping[str, str]
                    ) -> dict[str, frozenset[str]]:
    """Class name -> the JSON names of its properties whose contract allows null, for each
    class made from an object schema of ``document`` (schema pointer -> class)."""
    wanted: dict[str, frozenset[str]] = {}
    for pointer, name in sorted(class_names.items()):
        try:
            schema = jp.resolve(document, pointer)
        except KeyError:
            continue
        properties = _properties(schema, document)
        if not properties or name in wanted:
            continue
        wanted[name] = frozenset(p for p, subs in properties.items()
                                 if all(allows_null(s, document) for s in subs))
    return wanted


def _nullable_block(tree: ast.Module, nullable: Mapping[str, frozenset[str]]) -> str:
    """``Class.__contract_nullable__ = ...`` for each model class whose properties are known
    (the runtime refuses JSON null for the others, see ``ContractModel``), as statements
    after the whole module: set there, no line of the generated code has to be counted
    (contract text in comments may hold characters that end a line for one reader and not
    for another)."""
    block: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in nullable and not any(
                isinstance(b, ast.Name) and b.id in _EXTENSIBLE_BASE for b in node.bases):
            names = [repr(n) for n in sorted(nullable[node.name])]
            line = f"{node.name}.__contract_nullable__ = frozenset({{{', '.join(names)}}})\n"
            if not names:
                line = f"{node.name}.__contract_nullable__ = frozenset()\n"
            elif len(line) > _WIDTH + 1:
                items = "".join(f"        {n},\n" for n in names)
                line = (f"{node.name}.__contract_nullable__ = frozenset(\n    {{\n"
                        f"{items}    }}\n)\n")
            block.append(line)
    return "".join(block)


def _decimal_import(tree: ast.Module, names: _Names) -> _Edit | None:
    """``from decimal import Decimal`` among the standard library imports, unless there."""
    statement = f"from decimal import {names.imported('Decimal')}\n"
    stdlib = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 0
              and n.module not in (None, "__future__") and not str(n.module).startswith(
                  ("pydantic", "typing_extensions"))]
    if not names.clashes("Decimal") and any(
            n.module == "decimal" and any(a.name == "Decimal" and not a.asname
                                          for a in n.names) for n in stdlib):
        return None
    after = [n for n in stdlib if str(n.module) < "decimal"]
    if after:
        line = (after[-1].end_lineno or after[-1].lineno) + 1
    elif stdlib:
        line = stdlib[0].lineno
    else:
        future = [n for n in tree.body if isinstance(n, ast.ImportFrom)
                  and n.module == "__future__"]
        line = (future[-1].end_lineno or future[-1].lineno) + 1 if future else 1
        return line, 0, line, 0, "\n" + statement
    return line, 0, line, 0, statement


def finish(code: str, types_module: str, enums: Mapping[str, EnumSchema],
           class_names: Mapping[str, str],
           conditions: Mapping[str, list[tuple[Any, Any, Any]]] | None = None,
           decimal_types: set[str] | None = None, document: Any = None) -> str:
    """``code`` with extensible enums based on ``_types`` and ``types_module`` imported
    relatively, conditional rules attached and decimal defaults and bounds made Decimals.
    ``enums`` are the document's enum schemas by pointer, ``names`` the class the generator
    wrote for each schema pointer, ``conditions`` the if/then rules by schema pointer and
    ``decimal_types`` the names of ``_types`` that are Decimals. Given the ``document`` the
    classes were made from, each model class records which of its properties may be null."""
    code = code if code.endswith("\n") else code + "\n"  # lines are added after the last
    tree = ast.parse(code)
    helper = _Names(tree)
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
            names.add(helper.imported(_EXTENSIBLE_BASE[base.id]))
            edits.append((base.lineno, base.col_offset, base.lineno, base.end_col_offset or 0,
                          helper(_EXTENSIBLE_BASE[base.id])))
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
    decimal_edits, moved = _decimal_edits(tree, decimal_types or set(), helper("Decimal"),
                                          helper("MultipleOf"))
    if moved:
        names.add(helper.imported("MultipleOf"))
    edits.extend(decimal_edits)
    if any(f"{helper('Decimal')}(" in e[4] for e in decimal_edits):
        decimal_import = _decimal_import(tree, helper)
        if decimal_import is not None:
            edits.append(decimal_import)
    mutable_edits = _mutable_default_edits(tree, helper("Field"))
    if mutable_edits:
        edits.extend(mutable_edits)
        field_import = _field_import(tree, helper)
        if field_import is not None:
            edits.append(field_import)
    condition_edits = _condition_edits(tree, conditions or {}, class_names,
                                       helper("Condition"))
    if condition_edits:
        edits.extend(condition_edits)
        names.add(helper.imported("Condition"))
    nullable = "" if document is None else _nullable_block(
        tree, nullable_fields(document, class_names))
    if not helper.clashes("ExactAdapter"):
        # the package's way to read and write a bare type (a list of models, a Money) with
        # the contract's JSON rules: the README and the models' own errors name it, so it is
        # re-exported (``X as X``) for ``from ledgerpact_models_<id> import ExactAdapter``
        names.add("ExactAdapter as ExactAdapter")
    if names:
        edits.append((last_import + 1, 0, last_import + 1, 0,
                      "\n" + import_statement("._types", names) + "\n"))
    code = _apply(code, edits)
    if nullable:
        code = code.rstrip("\n") + "\n\n\n" + nullable
    return _tidy_imports(code)


def _tidy_imports(code: str) -> str:
    """At most one blank line between the import statements at the top: removing an import
    the module no longer uses (``from enum import StrEnum``) leaves its group's lines empty."""
    tree = ast.parse(code)
    end = 0
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        end = node.end_lineno or node.lineno
    lines = code.splitlines(keepends=True)
    head: list[str] = []
    for line in lines[:end]:
        if not (line.strip() == "" and head and head[-1].strip() == ""):
            head.append(line)
    return "".join(head + lines[end:])


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
