"""What the finance rules need from the index, gathered in one pass and shared by all of them.

The finance rules judge properties and parameters by their names, so they all start the same
way: go through every object schema's ``properties`` once, classify each name (amount, date,
status, sensitive, currency), and for the few that matter look at what the value really is
once ``$ref`` and ``allOf`` are followed (a :class:`View`). That pass is done once per index
and cached, so the whole pack costs one loop over the properties the index already found,
never a walk of the document.

Properties are judged where they are declared: a property of a shared component is seen once,
however many operations use the component, and a problem that lives in a ``$ref``'d schema
(``total: {$ref: Decimal}`` with ``Decimal`` typed ``number``) is reported at that schema.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

from ledgerpact.governance.lint.index import Index, Operation, Parameter, SchemaNode
from ledgerpact.governance.lint.model import Loc
from ledgerpact.governance.lint.rules._util import resolve
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.registry.refs import is_ref

_MAX_STEPS = 64  # schemas merged into one view; real ones need a handful
# The extensions the finance rules read (Ledgerpact's, Zalando's and Xero's).
MARKS = ("x-sensitive", "x-extensible-enum", "x-is-money", "x-is-msdate")
_MARK_KEYS = frozenset(MARKS)
# What makes a view follow other schemas: a $ref's target, allOf members, and (for types
# only) anyOf/oneOf branches.
_COMBINERS = frozenset({"$ref", "allOf", "anyOf", "oneOf"})


class View:
    """One schema as a reader sees it: its own keywords merged with those of its ``$ref``
    target and ``allOf`` members (and, for ``types`` only, its ``anyOf``/``oneOf`` branches).
    The first declaration wins, so a ``$ref``'s siblings override its target.

    A plain class with slots (as are the other records here): a large spec makes thousands
    of views, and a dataclass's generated ``__init__`` with default factories, like the
    class's own generation at start-up, costs several times more."""

    __slots__ = ("description", "enum", "enum_loc", "files", "fmt", "items", "loc",
                 "locs", "mark_locs", "marks", "pattern", "props", "required", "type_locs",
                 "types")

    def __init__(self, loc: Loc) -> None:
        self.loc = loc
        self.types: set[str] = set()
        self.type_locs: dict[str, Loc] = {}  # type -> schema declaring it
        self.fmt: str | None = None
        self.pattern: str | None = None
        self.enum: list[Any] | None = None
        self.enum_loc: Loc | None = None
        self.marks: dict[str, Any] = {}  # MARKS seen on the way
        self.mark_locs: dict[str, Loc] = {}
        self.description = ""
        self.items: tuple[Any, Loc] | None = None
        self.props: dict[str, tuple[Any, Loc]] = {}  # name -> (schema, holder)
        self.required: set[str] = set()
        self.files: set[str] = set()  # files of the $ref / allOf chain
        self.locs: list[Loc] = []  # the schemas of that chain, in order

    def __repr__(self) -> str:
        return f"View({self.loc!r}, types={sorted(self.types)})"

    def prop(self, name: str) -> tuple[Any, Loc]:
        """A property's schema and where it is written (its Loc is made only on demand:
        a page object of a large spec has hundreds of properties nobody asks about)."""
        sub, holder = self.props[name]
        return sub, holder.child("properties", name)

    def only(self, *types: str) -> bool:
        """Typed exactly as ``types`` (``null`` aside, for nullable values)."""
        return bool(self.types - {"null"}) and self.types - {"null"} <= set(types)


def view(index: Index, schema: Any, loc: Loc) -> View:
    out = View(loc)
    if isinstance(schema, dict) and _COMBINERS.isdisjoint(schema):
        # Most schemas stand alone (no $ref, allOf, anyOf or oneOf to follow): the walk
        # below would merge just this one, so merge it without the walk's bookkeeping.
        out.files.add(loc[0])
        out.locs.append(loc)
        _merge(out, schema, loc, True)
        return _implied_type(out)
    work: deque[tuple[Any, Loc, bool]] = deque([(schema, loc, True)])
    seen: set[Loc] = set()
    steps = 0
    while work and steps < _MAX_STEPS:
        node, where, own = work.popleft()
        steps += 1
        if not isinstance(node, dict) or where in seen:
            continue
        seen.add(where)
        if own:
            out.files.add(where.file)
            out.locs.append(where)
        _merge(out, node, where, own)
        if is_ref(node):
            target, tloc = resolve(index, node, where)
            if target is not None:
                work.append((target, tloc, own))
        for i, sub in enumerate(node.get("allOf") if isinstance(node.get("allOf"), list)
                                else []):
            work.append((sub, where.child("allOf", i), own))
        for key in ("anyOf", "oneOf"):
            for i, sub in enumerate(node.get(key) if isinstance(node.get(key), list) else []):
                work.append((sub, where.child(key, i), False))
    return _implied_type(out)


def _implied_type(out: View) -> View:
    """A schema that declares no type but only has properties, items or a list of strings
    is read as an object, an array or a string."""
    if not out.types:
        if out.props:
            out.types.add("object")
        elif out.items is not None:
            out.types.add("array")
        elif out.enum and all(isinstance(v, str) for v in out.enum):
            out.types.add("string")
    return out


def _merge(out: View, node: dict[str, Any], where: Loc, own: bool) -> None:
    declared = node.get("type")
    for t in ([declared] if isinstance(declared, str) else
              declared if isinstance(declared, list) else []):
        if isinstance(t, str):
            out.types.add(t)
            out.type_locs.setdefault(t, where)
    if node.get("nullable") is True:
        out.types.add("null")
    if not own:
        return
    if not _MARK_KEYS.isdisjoint(node):
        for key in MARKS:
            if key in node and key not in out.marks:
                out.marks[key] = node[key]
                out.mark_locs[key] = where
    if out.fmt is None and isinstance(node.get("format"), str):
        out.fmt = node["format"]
    if out.pattern is None and isinstance(node.get("pattern"), str):
        out.pattern = node["pattern"]
    if not out.description and isinstance(node.get("description"), str):
        out.description = node["description"]
    if out.enum is None and isinstance(node.get("enum"), list):
        out.enum, out.enum_loc = node["enum"], where
    if out.items is None and isinstance(node.get("items"), dict):
        out.items = (node["items"], where.child("items"))
    if isinstance(node.get("properties"), dict):
        for name, sub in node["properties"].items():
            out.props.setdefault(name, (sub, where))
    if isinstance(node.get("required"), list):
        out.required.update(r for r in node["required"] if isinstance(r, str))


class Prop(NamedTuple):
    """A property, where it is declared, the object schema declaring it, and its view."""

    name: str
    loc: Loc
    owner: SchemaNode
    view: View


class Param:
    """A parameter (as the index lists it, once per use) and the view of its schema,
    made on first use: most parameters of a large spec are never looked at closely."""

    __slots__ = ("_view", "index", "name", "param", "where")

    def __init__(self, index: Index, param: Parameter, name: str, where: str) -> None:
        self.index = index
        self.param = param
        self.name = name
        self.where = where  # query | path | header | cookie
        self._view: View | None = None

    @property
    def view(self) -> View:
        if self._view is None:
            if "schema" not in self.param.param:
                self._view = View(self.param.loc)
            else:
                self._view = view(self.index, self.param.param["schema"],
                                  self.param.loc.child("schema"))
        return self._view


class Named(NamedTuple):
    """A reusable schema (component or ``$defs`` entry) whose own name is telling."""

    node: SchemaNode
    name: str
    view: View


class Facts:
    __slots__ = ("_op_params", "_path_params", "_siblings", "dates", "memo", "money",
                 "named_money", "named_statuses", "params", "sensitive", "statuses")

    def __init__(self) -> None:
        self.money: list[Prop] = []
        self.dates: list[Prop] = []
        self.statuses: list[Prop] = []
        self.sensitive: list[Prop] = []
        self.params: list[Param] = []
        self.named_money: list[Named] = []
        self.named_statuses: list[Named] = []
        self.memo: dict[str, Any] = {}  # what several rules derive alike
        self._siblings: dict[Loc, frozenset[str]] = {}
        self._op_params: dict[int, list[Parameter]] = {}
        self._path_params: dict[str, list[Parameter]] = {}


# The facts of the index being linted. Rules run one index at a time, so one entry is
# enough, and it keeps at most one index alive after its lint is over.
_LAST: list[tuple[Index, Facts]] = []


def facts(index: Index) -> Facts:
    """The shared pass, computed on first use for this index and reused by every rule."""
    if _LAST and _LAST[0][0] is index:
        return _LAST[0][1]
    found = _gather(index)
    _LAST[:] = [(index, found)]
    return found


# Subschemas that test a value rather than declare one: a status enum in an ``if`` is a
# condition, not the status list.
_CONDITIONS = frozenset({"if", "not", "contains", "propertyNames"})


def _gather(index: Index) -> Facts:
    out = Facts()
    classes = vocab.classes
    conditional: set[Loc] = set()
    for node in index.schemas:
        if node.keyword in _CONDITIONS or (
                conditional and node.parent is not None and node.parent.loc in conditional
                and lexical_parent(node) is not None):
            conditional.add(node.loc)
            continue
        schema = node.schema
        props = schema.get("properties")
        if isinstance(props, dict):
            # Hot (every property of the spec): most names are in no class, and are passed
            # over here without a call.
            for name, sub in props.items():
                if isinstance(name, str):
                    found = classes(name)
                    if True in found or (isinstance(sub, dict)
                                         and sub.get("x-is-money") is True):
                        _classify(index, out, node, name, sub, found)
        declared = schema.get("type")
        if not ("enum" in schema or "allOf" in schema or declared == "number"
                or declared == "integer" or (isinstance(declared, list)
                                             and _numeric(declared))):
            continue  # neither a status list nor a number: its name does not matter
        name = definition_name(node.loc)
        if name is not None:
            if vocab.money_kind(name):
                out.named_money.append(Named(node, name, view(index, node.schema, node.loc)))
            if vocab.is_status_name(name):
                out.named_statuses.append(Named(node, name,
                                                view(index, node.schema, node.loc)))
    for p in index.parameters:
        name, where = p.param.get("name"), p.param.get("in")
        if not isinstance(name, str) or not isinstance(where, str):
            continue
        out.params.append(Param(index, p, name, where))
        if p.operation is not None:
            out._op_params.setdefault(id(p.operation), []).append(p)
        else:
            out._path_params.setdefault(p.path, []).append(p)
    return out


def _numeric(declared: Any) -> bool:
    if isinstance(declared, list):
        return "number" in declared or "integer" in declared
    return declared in ("number", "integer")


def _classify(index: Index, out: Facts, owner: SchemaNode, name: str, sub: Any,
              found: tuple[bool, bool, bool, bool]) -> None:
    money, date, status, sensitive = found
    money = money or (isinstance(sub, dict) and sub.get("x-is-money") is True)
    if not (money or date or status or sensitive):
        return
    loc = owner.loc.child("properties", name)
    prop = Prop(name, loc, owner, view(index, sub, loc))
    if money:
        out.money.append(prop)
    if date:
        out.dates.append(prop)
    if status:
        out.statuses.append(prop)
    if sensitive:
        out.sensitive.append(prop)


def sibling_names(index: Index, f: Facts, owner: SchemaNode) -> frozenset[str]:
    """Names of the properties next to ``owner``'s: its own, those of its ``allOf``
    members, and, when ``owner`` is itself an ``allOf`` member, those of the other
    members (``allOf: [{$ref: Base}, {properties: {total: ...}}]`` sees Base's currency)."""
    cached = f._siblings.get(owner.loc)
    if cached is not None:
        return cached
    names = set(view(index, owner.schema, owner.loc).props)
    up = lexical_parent(owner)
    if owner.keyword == "allOf" and up is not None:
        names |= set(view(index, up.schema, up.loc).props)
    result = frozenset(names)
    f._siblings[owner.loc] = result
    return result


def inside(loc: Loc, outer: Loc) -> bool:
    """``loc`` is written inside ``outer`` in the same file (not reached by a ``$ref``)."""
    return loc.file == outer.file and (loc.pointer == outer.pointer
                                       or loc.pointer.startswith(outer.pointer + "/"))


def lexical_parent(node: SchemaNode) -> SchemaNode | None:
    """The schema ``node`` is written in. The index records the first schema that reached
    a node, which for a shared component is whichever user was walked first; a rule must
    not judge a component by one arbitrary user."""
    up = node.parent
    return up if up is not None and inside(node.loc, up.loc) else None


def definition_name(loc: Loc) -> str | None:
    """``Money`` for ``/components/schemas/Money`` or ``.../$defs/Money``, else None."""
    head, _, last = loc.pointer.rpartition("/")
    if head in ("/components/schemas", "/definitions") or head.endswith(("/$defs",
                                                                         "/definitions")):
        return last.replace("~1", "/").replace("~0", "~")
    return None


def currency_in_scope(index: Index, f: Facts, owner: SchemaNode, levels: int = 4) -> bool:
    """A currency property next to the amount, or in an object that encloses it in the
    same schema (Stripe's ``transfer_data.amount`` is in its request body's ``currency``).
    A shared component cannot know who uses it, so only what it contains counts."""
    node: SchemaNode | None = owner
    while node is not None and levels >= 0:
        if "properties" in node.schema or node is owner:
            if any(vocab.is_currency_name(n) for n in sibling_names(index, f, node)):
                return True
            levels -= 1
        node = lexical_parent(node)
    return False


def operation_parameters(f: Facts, op: Operation) -> list[Parameter]:
    """The parameters an operation takes: its own and its path item's (own ones win)."""
    own = f._op_params.get(id(op), [])
    names = {(p.param.get("name"), p.param.get("in")) for p in own}
    shared = [p for p in f._path_params.get(op.path, [])
              if (p.param.get("name"), p.param.get("in")) not in names]
    return own + shared


def array_item_views(index: Index, v: View, depth: int = 3) -> Iterator[View]:
    """The views of an array's items (and of nested arrays' items)."""
    while depth and v.items is not None and "array" in v.types:
        v = view(index, *v.items)
        yield v
        depth -= 1
