"""One walk over a contract that every lint rule reads from.

Spectral resolves and walks the whole document again for each rule; on a multi-megabyte spec
that costs seconds and hundreds of megabytes. Here the document is walked once: operations,
parameters, responses, media types, messages, channels and every schema object are collected
with their location, and each schema learns the directions it is used in (request, response,
publish, subscribe). Rules are then plain loops over these lists.

The walk reads the original files through the registry's Workspace and follows ``$ref``s
with the registry's guards (no URL, no escape, no loop), so a finding inside a canonical
schema points at that schema's file and line, and each shared schema is indexed once however
many operations use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from operator import attrgetter
from typing import Any, NamedTuple

from ledgerpact.governance.lint.model import ASYNCAPI2, ASYNCAPI3, OAS30, OAS31, Loc
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.pointer import escape
from ledgerpact.registry.refs import Target, follow, is_ref, parse_ref
from ledgerpact.registry.schema_keywords import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS
from ledgerpact.registry.workspace import Workspace

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keywords whose value is one subschema / a list of subschemas / a map of subschemas.
_ONE, _LIST, _MAP = SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS
# Where a keyword comes in the order children are pushed: _ONE, then _LIST, then _MAP.
_RANK = {key: rank for rank, key in enumerate((*_ONE, *_LIST, *_MAP))}
_SUBSCHEMA_KEYS = frozenset(_RANK)
# Keywords several rules look for among all schemas: the walk lists the schemas having each.
NOTABLE = ("enum", "discriminator", "example", "examples", "default")
_NOTABLE = frozenset(NOTABLE)
# Loc(file, pointer) without the named tuple's Python-level __new__ (the index makes tens of
# thousands of them): _loc((file, pointer)).
_loc = partial(tuple.__new__, Loc)

REQUEST, RESPONSE, PUBLISH, SUBSCRIBE = "request", "response", "publish", "subscribe"


def detect_format(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    version = str(doc.get("openapi", ""))
    if version.startswith("3.0"):
        return OAS30
    if version.startswith("3.1"):
        return OAS31
    version = str(doc.get("asyncapi", ""))
    if version.startswith("2."):
        return ASYNCAPI2
    if version.startswith("3."):
        return ASYNCAPI3
    return None


class SchemaNode:
    """One schema object, indexed once, wherever and however often it is used.

    A plain class with slots, not a dataclass: the index makes one per schema object of a
    spec (thirteen thousand on Stripe's), and a dataclass costs more per node (its
    ``__init__`` calls default factories) and a millisecond of start-up to generate."""

    __slots__ = ("children", "contexts", "directions", "keyword", "loc", "name", "order",
                 "parent", "schema")

    def __init__(self, loc: Loc, schema: dict[str, Any], parent: SchemaNode | None,
                 keyword: str, name: str | None, order: int = 0) -> None:
        self.loc = loc
        self.schema = schema
        self.parent = parent
        self.keyword = keyword  # how the parent reaches it: "properties", "items", "allOf"...
        self.name = name  # the property / $defs / component name, when it has one
        self.order = order  # its place in Index.schemas
        self.directions: set[str] = set()
        self.contexts: set[str] = set()  # component, media, parameter, header...
        # The walk's work items for the subschemas, made on the first visit (the index's
        # own bookkeeping; rules read ``schema``).
        self.children: list[_Work] | None = None

    def __repr__(self) -> str:
        return f"SchemaNode({self.loc!r}, keyword={self.keyword!r}, name={self.name!r})"

    @property
    def property_name(self) -> str | None:
        return self.name if self.keyword == "properties" else None


# The records below are named tuples: the index makes thousands of them on a large spec, a
# tuple is the cheapest immutable record to build, and a dataclass costs about a
# millisecond of start-up per class to generate.


class Operation(NamedTuple):
    path: str
    method: str
    loc: Loc
    op: dict[str, Any]
    path_item: dict[str, Any]
    path_item_loc: Loc
    kind: str = "path"  # path | webhook | callback (the provider calls the consumer)

    @property
    def label(self) -> str:
        prefix = "" if self.kind == "path" else f"{self.kind} "
        return f"{prefix}{self.method.upper()} {self.path}"


class Parameter(NamedTuple):
    loc: Loc  # where the parameter object is defined (after $ref)
    use: Loc  # where it is used (the operation's or path item's parameters entry)
    param: dict[str, Any]
    operation: Operation | None  # None for a path-level parameter
    path: str


class MediaType(NamedTuple):
    loc: Loc
    media_type: str
    media: dict[str, Any]
    direction: str
    operation: Operation | None
    status: str | None  # response status, None for a request body


class Response(NamedTuple):
    loc: Loc
    status: str
    response: dict[str, Any]
    operation: Operation


class RefUse(NamedTuple):
    loc: Loc  # the object holding "$ref"
    ref: str
    target: Loc | None  # None when the target is outside what the walk could read
    holder: dict[str, Any]  # that object itself ("$ref" and anything written next to it)


class Message(NamedTuple):
    loc: Loc
    name: str
    message: dict[str, Any]
    direction: str | None  # publish (sent by the application) / subscribe / None unknown


class Channel(NamedTuple):
    loc: Loc
    name: str
    channel: dict[str, Any]


class AsyncOperation(NamedTuple):
    loc: Loc
    name: str
    op: dict[str, Any]
    action: str  # send | receive (3.x) / publish | subscribe (2.x)


# RefUse((loc, ref, target, holder)) without the named tuple's Python-level __new__.
_ref_use = partial(tuple.__new__, RefUse)
# One step of the schema walk: (schema, where, parent node, keyword, name).
_Work = tuple[Any, Loc, "SchemaNode | None", str, "str | None"]
_NO_CHILDREN: list[_Work] = []


class Index:
    """What the rules read: the document, and the objects of it that rules are about."""

    def __init__(self, ws: Workspace, root: str, doc: dict[str, Any], format: str,
                 metadata: dict[str, Any] | None = None) -> None:
        self.ws = ws
        self.root = root
        self.doc = doc
        self.format = format
        self.metadata = metadata  # the registry's contract.yaml, when linted by id
        self.operations: list[Operation] = []
        self.parameters: list[Parameter] = []
        self.responses: list[Response] = []
        self.media_types: list[MediaType] = []
        self.schemas: list[SchemaNode] = []
        self.refs: list[RefUse] = []
        self.messages: list[Message] = []
        self.channels: list[Channel] = []
        self.async_operations: list[AsyncOperation] = []
        self.callback_operations: list[Operation] = []
        self._callbacks_seen: set[Loc] = set()
        # AsyncAPI only: every "$ref" written anywhere in the root document (servers,
        # channels, traits, bindings... not only the parts walked above), its target parsed
        # but not followed (None when it cannot be: a URL). The "unused component" rules
        # read it instead of walking the document again.
        self.document_refs: list[RefUse] = []
        self._schema_at: dict[Loc, SchemaNode] = {}
        self._with: dict[str, list[SchemaNode]] = {k: [] for k in NOTABLE}
        self._resolved: dict[Target, tuple[Loc, Any]] = {}
        # (file it is written in, $ref text) -> (where the chain ends, the value there)
        self._by_ref: dict[tuple[str, str], tuple[Loc, Any]] = {}

    def __repr__(self) -> str:
        return f"Index({self.root!r}, {self.format!r}, {len(self.schemas)} schemas)"

    @property
    def root_loc(self) -> Loc:
        return Loc(self.root, "")

    @property
    def is_openapi(self) -> bool:
        return self.format in (OAS30, OAS31)

    @property
    def is_asyncapi(self) -> bool:
        return self.format in (ASYNCAPI2, ASYNCAPI3)

    # -- references ------------------------------------------------------------------------

    def resolve(self, node: Any, loc: Loc) -> tuple[Any, Loc]:
        """``node`` itself, or what its ``$ref`` chain ends at, and where that is."""
        if not is_ref(node):
            return node, loc
        hit = self._by_ref.get((loc[0], node["$ref"]))
        if hit is None:
            hit = self._follow(node["$ref"], loc)
        return hit[1], hit[0]

    def _follow(self, ref: str, loc: Loc) -> tuple[Loc, Any]:
        """Resolve ``ref`` written in ``loc``'s file (refusing what is unsafe), once: a
        ``$ref`` means the same wherever it is written in one file, and chains that end at
        the same target are followed once."""
        target = parse_ref(ref, loc.file, loc.pointer + "/$ref", self.ws)
        hit = self._resolved.get(target)
        if hit is None:
            final, value = follow(target, loc.file, loc.pointer + "/$ref", self.ws)
            hit = self._resolved[target] = (Loc(final.file, final.pointer), value)
        self._by_ref[(loc.file, ref)] = hit
        return hit

    def _ref(self, node: dict[str, Any], loc: Loc) -> tuple[Any, Loc]:
        value, target = self.resolve(node, loc)
        self.refs.append(_ref_use((loc, node["$ref"], target, node)))
        return value, target

    def schema_at(self, loc: Loc) -> SchemaNode | None:
        return self._schema_at.get(loc)

    def schema_nodes(self, *, direction: str | None = None) -> Iterator[SchemaNode]:
        for node in self.schemas:
            if direction is None or direction in node.directions:
                yield node

    def schemas_with(self, *keywords: str) -> list[SchemaNode]:
        """The schemas that have any of ``keywords``, in index order. For the NOTABLE
        keywords the walk has listed them already, so a rule about enums or examples reads
        a few hundred schemas instead of every schema of the spec."""
        if not all(k in NOTABLE for k in keywords):
            return [n for n in self.schemas if any(k in n.schema for k in keywords)]
        if len(keywords) == 1:
            return list(self._with[keywords[0]])
        found = {node for k in keywords for node in self._with[k]}
        return sorted(found, key=attrgetter("order"))

    # -- schemas ---------------------------------------------------------------------------

    def walk_schema(self, schema: Any, loc: Loc, *, direction: str | None, context: str,
                    parent: SchemaNode | None = None, keyword: str = "",
                    name: str | None = None) -> None:
        """Index ``schema`` and everything below it (iteratively; depth is bounded by the
        loader). A node seen before is only revisited to spread a new direction."""
        work: list[_Work] = [(schema, loc, parent, keyword, name)]
        # Hot loop (every schema object of the spec passes here): locals, pointers built by
        # hand, the keyword loops skipped for the many leaf schemas, and a node's children
        # built once and kept for the revisits that spread a direction. The pushing order is
        # fixed: it decides which use of a shared schema is seen first.
        pop, extend, schema_at = work.pop, work.extend, self._schema_at
        by_ref, add_ref, schemas, having = self._by_ref, self.refs.append, self.schemas, \
            self._with
        while work:
            value, where, up, kw, nm = pop()
            if not isinstance(value, dict):
                continue  # boolean schemas and malformed ones (structure reports them)
            ref = value.get("$ref")
            if isinstance(ref, str):
                hit = by_ref.get((where[0], ref))
                if hit is None:
                    value, where = self._ref(value, where)
                else:
                    add_ref(_ref_use((where, ref, hit[0], value)))
                    where, value = hit
                if not isinstance(value, dict) or is_ref(value):
                    continue
            node = schema_at.get(where)
            if node is None:
                node = SchemaNode(where, value, up, kw, nm, len(schemas))
                schema_at[where] = node
                schemas.append(node)
                if not _NOTABLE.isdisjoint(value):
                    for key in _NOTABLE.intersection(value):
                        having[key].append(node)
            elif (direction is None or direction in node.directions) and \
                    context in node.contexts:
                continue
            node.contexts.add(context)
            if direction is not None:
                node.directions.add(direction)
            children = node.children
            if children is None:
                children = node.children = _children(node, value, where)
            if children:
                extend(children)


def _children(node: SchemaNode, value: dict[str, Any], where: Loc) -> list[_Work]:
    """The work items for ``node``'s subschemas, in the order they are pushed."""
    if _SUBSCHEMA_KEYS.isdisjoint(value):
        return _NO_CHILDREN  # a leaf: most schema objects of a large spec
    keys = sorted(_SUBSCHEMA_KEYS.intersection(value), key=_RANK.__getitem__)
    file, at = where
    out: list[_Work] = []
    push = out.append
    tuple_items = None
    for key in keys:
        sub = value[key]
        if isinstance(sub, dict):
            if key in _MAP:
                for n, item in sub.items():
                    token = escape(n) if "~" in n or "/" in n else n
                    push((item, _loc((file, f"{at}/{key}/{token}")), node, key, n))
            elif key not in _LIST:
                push((sub, _loc((file, f"{at}/{key}")), node, key, None))
        elif isinstance(sub, list):
            if key == "items":  # OpenAPI 3.0 / draft-04 tuple form: pushed last
                tuple_items = sub
            elif key in _LIST:
                for i, item in enumerate(sub):
                    push((item, _loc((file, f"{at}/{key}/{i}")), node, key, None))
    if tuple_items is not None:
        for i, item in enumerate(tuple_items):
            push((item, _loc((file, f"{at}/items/{i}")), node, "items", None))
    return out


def build_index(ws: Workspace, root: str, metadata: dict[str, Any] | None = None) -> Index:
    """Parse (through ``ws``) and index the contract whose main file is ``root``."""
    doc = ws.document(root).data
    fmt = detect_format(doc)
    if fmt is None:
        # Name the version found: an OpenAPI 3.2 or Swagger 2.0 file must not be told that
        # it has no version field. The error points at that field.
        supported = "OpenAPI 3.0 and 3.1, AsyncAPI 2.x and 3.x are supported"
        found = [k for k in ("openapi", "swagger", "asyncapi") if isinstance(doc, dict)
                 and k in doc]
        if not found:
            message = ("not an OpenAPI or AsyncAPI document: it has no 'openapi' or "
                       f"'asyncapi' version field ({supported})")
        elif found[0] == "swagger":
            message = (f"Swagger {doc['swagger']} is not supported: convert it to OpenAPI 3 "
                       f"(e.g. with swagger2openapi or Swagger Editor's converter); "
                       f"{supported}")
        else:
            name = "OpenAPI" if found[0] == "openapi" else "AsyncAPI"
            message = f"{name} {doc[found[0]]} is not supported ({supported})"
        raise InputError(message, file=root, pointer="/" + found[0] if found else "")
    index = Index(ws, root, doc, fmt, metadata)
    if index.is_openapi:
        _index_openapi(index)
    else:
        _index_asyncapi(index)
    return index


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _index_openapi(ix: Index) -> None:
    doc, root = ix.doc, ix.root_loc
    components = _dict(doc.get("components"))
    for name, schema in _dict(components.get("schemas")).items():
        ix.walk_schema(schema, root.child("components", "schemas", name), direction=None,
                       context="component", name=name)
    for section in ("paths", "webhooks"):
        for path, item in _dict(doc.get(section)).items():
            item_loc = root.child(section, path)
            if is_ref(item):
                item, item_loc = ix._ref(item, item_loc)
            if not isinstance(item, dict):
                continue
            path_params = item.get("parameters") if isinstance(item.get("parameters"),
                                                               list) else []
            for i, param in enumerate(path_params):
                _parameter(ix, param, item_loc.child("parameters", i), None, path)
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                operation = Operation(path, method, item_loc.child(method), op, item, item_loc,
                                      "path" if section == "paths" else "webhook")
                ix.operations.append(operation)
                _operation(ix, operation)
    for name, param in _dict(components.get("parameters")).items():
        _parameter(ix, param, root.child("components", "parameters", name), None, "",
                   record=False)
    for name, body in _dict(components.get("requestBodies")).items():
        _content(ix, body, root.child("components", "requestBodies", name), REQUEST, None,
                 None, record=False)
    for name, response in _dict(components.get("responses")).items():
        _content(ix, response, root.child("components", "responses", name), RESPONSE, None,
                 None, record=False)
    for name, header in _dict(components.get("headers")).items():
        _schema_holder(ix, header, root.child("components", "headers", name), RESPONSE,
                       "header")


def _operation(ix: Index, operation: Operation) -> None:
    op, loc = operation.op, operation.loc
    # A callback is a request the provider sends: its body travels like a response, and
    # what the consumer answers travels like a request.
    sent, answered = (RESPONSE, REQUEST) if operation.kind == "callback" else (REQUEST,
                                                                               RESPONSE)
    for i, param in enumerate(op.get("parameters") if isinstance(op.get("parameters"), list)
                              else []):
        _parameter(ix, param, loc.child("parameters", i), operation, operation.path)
    if "requestBody" in op:
        _content(ix, op["requestBody"], loc.child("requestBody"), sent, operation, None)
    for status, response in _dict(op.get("responses")).items():
        rloc = loc.child("responses", status)
        resolved, where = ix._ref(response, rloc) if is_ref(response) else (response, rloc)
        if isinstance(resolved, dict):
            ix.responses.append(Response(where, str(status), resolved, operation))
        _content(ix, response, rloc, answered, operation, str(status))
    _callbacks(ix, operation)


def _callbacks(ix: Index, operation: Operation) -> None:
    """Operations inside ``callbacks``: indexed (their parameters, bodies and schemas are
    linted like any other) but kept out of ``operations``, whose rules are about the API's
    own endpoints (path parameters, idempotency keys, pagination)."""
    for name, callback in _dict(operation.op.get("callbacks")).items():
        cloc = operation.loc.child("callbacks", name)
        if is_ref(callback):
            callback, cloc = ix._ref(callback, cloc)
        if cloc in ix._callbacks_seen or not isinstance(callback, dict):
            continue
        ix._callbacks_seen.add(cloc)
        for expression, item in callback.items():
            iloc = cloc.child(expression)
            if is_ref(item):
                item, iloc = ix._ref(item, iloc)
            if not isinstance(item, dict) or str(expression).startswith("x-"):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    inner = Operation(str(expression), method, iloc.child(method), op, item,
                                      iloc, "callback")
                    ix.callback_operations.append(inner)
                    _operation(ix, inner)


def _parameter(ix: Index, param: Any, use: Loc, operation: Operation | None, path: str,
               record: bool = True) -> None:
    value, loc = ix._ref(param, use) if is_ref(param) else (param, use)
    if not isinstance(value, dict):
        return
    if record:
        ix.parameters.append(Parameter(loc, use, value, operation, path))
    _schema_holder(ix, value, loc, REQUEST, "parameter")


def _schema_holder(ix: Index, holder: Any, loc: Loc, direction: str, context: str) -> None:
    """A parameter or header: its ``schema``, or the schemas of its ``content``."""
    if is_ref(holder):
        holder, loc = ix._ref(holder, loc)
    if not isinstance(holder, dict):
        return
    if "schema" in holder:
        ix.walk_schema(holder["schema"], loc.child("schema"), direction=direction,
                       context=context)
    for media_type, media in _dict(holder.get("content")).items():
        if isinstance(media, dict) and "schema" in media:
            ix.walk_schema(media["schema"], loc.child("content", media_type, "schema"),
                           direction=direction, context=context)


def _content(ix: Index, holder: Any, loc: Loc, direction: str, operation: Operation | None,
             status: str | None, record: bool = True) -> None:
    """A request body or response: its media types (and a response's headers)."""
    if is_ref(holder):
        holder, loc = ix._ref(holder, loc)
    if not isinstance(holder, dict):
        return
    for media_type, media in _dict(holder.get("content")).items():
        if not isinstance(media, dict):
            continue
        mloc = loc.child("content", media_type)
        if record:
            ix.media_types.append(MediaType(mloc, media_type, media, direction, operation,
                                            status))
        if "schema" in media:
            ix.walk_schema(media["schema"], mloc.child("schema"), direction=direction,
                           context="media")
    for name, header in _dict(holder.get("headers")).items():
        _schema_holder(ix, header, loc.child("headers", name), direction, "header")


def _index_asyncapi(ix: Index) -> None:
    doc, root = ix.doc, ix.root_loc
    components = _dict(doc.get("components"))
    for name, schema in _dict(components.get("schemas")).items():
        ix.walk_schema(schema, root.child("components", "schemas", name), direction=None,
                       context="component", name=name)
    directions: dict[Loc, str] = {}
    if ix.format == ASYNCAPI3:
        for name, op in _dict(doc.get("operations")).items():
            oloc = root.child("operations", name)
            if is_ref(op):
                op, oloc = ix._ref(op, oloc)
            if not isinstance(op, dict):
                continue
            action = str(op.get("action", ""))
            ix.async_operations.append(AsyncOperation(oloc, name, op, action))
            direction = PUBLISH if action == "send" else SUBSCRIBE
            for i, message in enumerate(op["messages"] if isinstance(op.get("messages"), list)
                                        else []):
                if is_ref(message):
                    _, target = ix.resolve(message, oloc.child("messages", i))
                    directions[target] = direction
        for name, channel in _dict(doc.get("channels")).items():
            cloc = root.child("channels", name)
            if is_ref(channel):
                channel, cloc = ix._ref(channel, cloc)
            if not isinstance(channel, dict):
                continue
            ix.channels.append(Channel(cloc, name, channel))
            for mname, message in _dict(channel.get("messages")).items():
                _message(ix, message, cloc.child("messages", mname), mname, directions)
    else:
        for name, channel in _dict(doc.get("channels")).items():
            cloc = root.child("channels", name)
            if is_ref(channel):
                channel, cloc = ix._ref(channel, cloc)
            if not isinstance(channel, dict):
                continue
            ix.channels.append(Channel(cloc, name, channel))
            for action in ("publish", "subscribe"):
                op = channel.get(action)
                if not isinstance(op, dict):
                    continue
                oloc = cloc.child(action)
                ix.async_operations.append(AsyncOperation(oloc, str(op.get("operationId",
                                                                           action)), op, action))
                # 2.x: "publish" means other applications send to this one; the document's
                # application receives it.
                direction = SUBSCRIBE if action == "publish" else PUBLISH
                message = op.get("message")
                if isinstance(message, dict) and isinstance(message.get("oneOf"), list):
                    for i, sub in enumerate(message["oneOf"]):
                        _message(ix, sub, oloc.child("message", "oneOf", i), None, {},
                                 direction)
                elif message is not None:
                    _message(ix, message, oloc.child("message"), None, {}, direction)
    for name, message in _dict(components.get("messages")).items():
        _message(ix, message, root.child("components", "messages", name), name, directions)
    _document_refs(ix)


def _document_refs(ix: Index) -> None:
    """Collect every ``$ref`` of the root document (iteratively; AsyncAPI documents are
    small, and this is the one pass the unused-component rules need)."""
    work: list[tuple[Any, Loc]] = [(ix.doc, ix.root_loc)]
    while work:
        value, loc = work.pop()
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                try:
                    target = parse_ref(value["$ref"], loc.file, loc.pointer + "/$ref", ix.ws)
                    where: Loc | None = Loc(target.file, target.pointer)
                except InputError:
                    where = None
                ix.document_refs.append(RefUse(loc, value["$ref"], where, value))
            work.extend((sub, loc.child(key)) for key, sub in value.items()
                        if isinstance(sub, (dict, list)))
        elif isinstance(value, list):
            work.extend((sub, loc.child(i)) for i, sub in enumerate(value)
                        if isinstance(sub, (dict, list)))


def _message(ix: Index, message: Any, use: Loc, name: str | None,
             directions: dict[Loc, str], direction: str | None = None) -> None:
    loc = use
    if is_ref(message):
        message, loc = ix._ref(message, use)
    if not isinstance(message, dict):
        return
    direction = direction or directions.get(loc) or directions.get(use)
    if any(m.loc == loc for m in ix.messages):
        return
    ix.messages.append(Message(loc, name or str(message.get("name", "")), message, direction))
    payload = message.get("payload")
    ploc = loc.child("payload")
    if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:
        payload, ploc = payload["schema"], ploc.child("schema")
    if payload is not None:
        ix.walk_schema(payload, ploc, direction=direction, context="payload")
    if "headers" in message:
        ix.walk_schema(message["headers"], loc.child("headers"), direction=direction,
                       context="header")
