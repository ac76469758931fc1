"""What several AsyncAPI rules need: safe reference lookups, traits applied as each version
says, and the lists of servers, parameters and tags a document declares.

Everything here reads the index (or one top-level section of the root document); nothing
walks the document again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI3, Loc
from ledgerpact.governance.lint.rules._util import as_dict, as_list, oauth2_scopes
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.refs import is_ref, parse_ref

# A "{name}" substitution in a server URL / host / pathname or a channel address.
VARIABLE = re.compile(r"\{([^}]*)\}")


def braced(names: list[str]) -> str:
    """Variable names as written in an address: '{host}, {port}'."""
    return ", ".join("{" + name + "}" for name in names)


def is_v3(index: Index) -> bool:
    return index.format == ASYNCAPI3


def resolved(index: Index, node: Any, loc: Loc) -> tuple[Any, Loc] | None:
    """``node`` or what its ``$ref`` names; None when the reference cannot be followed (a
    dangling or refused ``$ref`` in a part the index did not walk is a finding of the rule
    that reads it, never a crash)."""
    if not is_ref(node):
        return node, loc
    try:
        return index.resolve(node, loc)
    except InputError:
        return None


def resolved_dict(index: Index, node: Any, loc: Loc) -> tuple[dict[str, Any], Loc] | None:
    found = resolved(index, node, loc)
    if found is None or not isinstance(found[0], dict):
        return None
    return found[0], found[1]


def ref_target(index: Index, node: Any, loc: Loc) -> Loc | None:
    """Where the ``$ref`` in ``node`` points (first hop, not followed), None if unsafe."""
    try:
        target = parse_ref(node["$ref"], loc.file, loc.pointer + "/$ref", index.ws)
    except InputError:
        return None
    return Loc(target.file, target.pointer)


def trait_items(obj: dict[str, Any], loc: Loc) -> Iterator[tuple[Any, Loc]]:
    """Each trait of ``obj`` and where it is written (3.x also accepts a message trait as a
    ``[trait, parameters]`` pair: the trait is its first item)."""
    for i, trait in enumerate(as_list(obj.get("traits"))):
        if isinstance(trait, list):
            if trait:
                yield trait[0], loc.child("traits", i, 0)
        else:
            yield trait, loc.child("traits", i)


def with_traits(index: Index, obj: dict[str, Any], loc: Loc) -> dict[str, Any]:
    """``obj`` with its ``traits`` applied, as the document's version defines it.

    2.x applies each trait with JSON Merge Patch (RFC 7386), so a trait overrides the
    object; 3.x reversed that ("traits merge mechanism"): the object's own values win.
    """
    if not as_list(obj.get("traits")):
        return obj
    merged: dict[str, Any] = {k: v for k, v in obj.items() if k != "traits"}
    for trait, where in trait_items(obj, loc):
        found = resolved_dict(index, trait, where)
        if found is None:
            continue
        merged = _merge_patch(found[0], merged) if is_v3(index) else \
            _merge_patch(merged, found[0])
    return merged


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def trait_sources(index: Index, obj: dict[str, Any], loc: Loc,
                  key: str) -> list[tuple[Any, Loc]]:
    """Every place ``key`` is written for ``obj``: on the object and on each trait (after
    ``$ref``), in the order the version gives precedence, the winner first."""
    own = [(obj[key], loc.child(key))] if key in obj else []
    from_traits: list[tuple[Any, Loc]] = []
    for trait, where in trait_items(obj, loc):
        found = resolved_dict(index, trait, where)
        if found is not None and key in found[0]:
            from_traits.append((found[0][key], found[1].child(key)))
    from_traits.reverse()  # a later trait beats an earlier one
    return own + from_traits if is_v3(index) else from_traits + own


def servers(index: Index) -> Iterator[tuple[str, dict[str, Any], Loc]]:
    """The root servers (after ``$ref``), then those under components, each once."""
    seen: set[Loc] = set()
    root = index.root_loc
    sections = (((), index.doc.get("servers")),
                (("components",), as_dict(index.doc.get("components")).get("servers")))
    for prefix, section in sections:
        for name, server in as_dict(section).items():
            found = resolved_dict(index, server, root.child(*prefix, "servers", name))
            if found is not None and found[1] not in seen:
                seen.add(found[1])
                yield name, found[0], found[1]


def channel_parameters(index: Index) -> Iterator[tuple[str, dict[str, Any], Loc]]:
    """Every parameter of every channel and of ``components.parameters`` (after ``$ref``),
    each defined object once: (name, parameter, where it is defined)."""
    seen: set[Loc] = set()
    holders = [(channel.get("parameters"), loc.child("parameters"))
               for _, channel, loc, _ in all_channels(index)]
    components = as_dict(index.doc.get("components"))
    holders.append((components.get("parameters"),
                    index.root_loc.child("components", "parameters")))
    for params, where in holders:
        for name, param in as_dict(params).items():
            found = resolved_dict(index, param, where.child(name))
            if found is not None and found[1] not in seen:
                seen.add(found[1])
                yield name, found[0], found[1]


def root_tags_loc(index: Index) -> tuple[Any, Loc]:
    """The document-level tags: ``tags`` at the root in 2.x, ``info.tags`` in 3.x."""
    if is_v3(index):
        return as_dict(index.doc.get("info")).get("tags"), index.root_loc.child("info", "tags")
    return index.doc.get("tags"), index.root_loc.child("tags")


def tag_lists(index: Index) -> Iterator[tuple[list[Any], Loc]]:
    """Every list of tags the document writes, each list once: the document's, servers',
    channels', operations' and messages' (and their traits'), and the reusable ones in
    components."""
    seen: set[Loc] = set()

    def emit(holder: Any, loc: Loc) -> Iterator[tuple[list[Any], Loc]]:
        found = resolved_dict(index, holder, loc)
        if found is None:
            return
        obj, where = found
        if isinstance(obj.get("tags"), list) and where.child("tags") not in seen:
            seen.add(where.child("tags"))
            yield obj["tags"], where.child("tags")
        for trait, trait_loc in trait_items(obj, where):
            yield from emit(trait, trait_loc)

    tags, loc = root_tags_loc(index)
    if isinstance(tags, list):
        seen.add(loc)
        yield tags, loc
    for _, server, where in servers(index):
        yield from emit(server, where)
    for _, channel, where, _ in all_channels(index):  # 3.x channels carry tags too
        yield from emit(channel, where)
    for op in index.async_operations:
        yield from emit(op.op, op.loc)
    for message in index.messages:
        yield from emit(message.message, message.loc)
    components = as_dict(index.doc.get("components"))
    for section in ("operations", "operationTraits", "messages", "messageTraits"):
        for name, item in as_dict(components.get(section)).items():
            yield from emit(item, index.root_loc.child("components", section, name))


def tag_name(index: Index, tag: Any, loc: Loc) -> tuple[str, Loc] | None:
    found = resolved_dict(index, tag, loc)
    if found is None or not isinstance(found[0].get("name"), str):
        return None
    return found[0]["name"], found[1]


RefTarget = tuple[Loc, Loc]  # (where a $ref is written, where it points)


def used_targets(index: Index) -> list[RefTarget]:
    """Every ``$ref`` of the contract that points somewhere known: where it is written and
    where it points (first hop)."""
    found = [(r.loc, r.target) for r in index.document_refs if r.target is not None]
    found.extend((r.loc, r.target) for r in index.refs if r.target is not None)
    return found


def is_within(loc: Loc, container: Loc) -> bool:
    return loc.file == container.file and (
        loc.pointer == container.pointer or loc.pointer.startswith(container.pointer + "/"))


class SecurityChecker:
    """Security requirements of servers and operations: each names a scheme that exists,
    and asks only for OAuth2 scopes that scheme offers. One per rule run, so a shared
    scheme's own problem is reported once, at the scheme."""

    def __init__(self, index: Index) -> None:
        self.index = index
        components = as_dict(index.doc.get("components"))
        self.schemes = as_dict(components.get("securitySchemes"))
        self.schemes_loc = index.root_loc.child("components", "securitySchemes")
        self._seen: set[Loc] = set()

    def check(self, security: Any, loc: Loc, what: str) -> Iterator[tuple[Loc, str]]:
        for i, entry in enumerate(as_list(security)):
            if is_v3(self.index):
                yield from self._v3(entry, loc.child(i), what)
            elif isinstance(entry, dict):
                for name, scopes in entry.items():
                    yield from self._v2(name, scopes, loc.child(i, name), what)

    def _defined(self) -> str:
        return ", ".join(sorted(self.schemes)) or "none"

    def _v2(self, name: str, scopes: Any, loc: Loc, what: str) -> Iterator[tuple[Loc, str]]:
        if name not in self.schemes:
            yield loc, (f"{what} requires security scheme {name!r}, which is not defined in "
                        f"components.securitySchemes (defined: {self._defined()})")
            return
        found = resolved_dict(self.index, self.schemes[name], self.schemes_loc.child(name))
        if found is None or found[0].get("type") != "oauth2":
            return
        available = oauth2_scopes(found[0], "scopes")
        for j, scope in enumerate(as_list(scopes)):
            if isinstance(scope, str) and scope not in available:
                yield loc.child(j), (f"{what} asks for OAuth2 scope {scope!r}, which security "
                                     f"scheme {name!r} does not offer (available: "
                                     f"{', '.join(sorted(available)) or 'none'})")

    def _v3(self, entry: Any, loc: Loc, what: str) -> Iterator[tuple[Loc, str]]:
        if not isinstance(entry, dict):
            return  # the structure rule reports an entry that is not an object
        found = resolved_dict(self.index, entry, loc)
        if found is None:
            yield loc, (f"{what} refers to security scheme {entry.get('$ref')!r}, which "
                        "cannot be resolved; expected a reference to an entry of "
                        f"components.securitySchemes (defined: {self._defined()})")
            return
        scheme, where = found
        if "type" not in scheme:
            yield loc, (f"{what} refers to {entry.get('$ref', 'an object')!r}, which is not a "
                        "security scheme (no 'type'); expected a reference to an entry of "
                        "components.securitySchemes")
            return
        if scheme.get("type") != "oauth2" or where in self._seen:
            return
        self._seen.add(where)
        available = oauth2_scopes(scheme, "availableScopes")
        for j, scope in enumerate(as_list(scheme.get("scopes"))):
            if isinstance(scope, str) and scope not in available:
                yield where.child("scopes", j), (
                    f"OAuth2 scheme asks for scope {scope!r}, which none of its flows "
                    f"offers (available: {', '.join(sorted(available)) or 'none'})")


def all_channels(index: Index) -> Iterator[tuple[str, dict[str, Any], Loc, bool]]:
    """(name, channel, where it is defined, whether it is a root channel): the root channels
    the index holds, then reusable ones under ``components.channels``, each object once."""
    seen: set[Loc] = set()
    for channel in index.channels:
        seen.add(channel.loc)
        yield channel.name, channel.channel, channel.loc, True
    section = index.root_loc.child("components", "channels")
    for name, value in as_dict(as_dict(index.doc.get("components")).get("channels")).items():
        found = resolved_dict(index, value, section.child(name))
        if found is not None and found[1] not in seen:
            seen.add(found[1])
            yield name, found[0], found[1], False


def channel_address(index: Index, name: str, channel: dict[str, Any]) -> str | None:
    """The address a channel is reached at: its key in 2.x, ``address`` in 3.x (None when
    3.x leaves it unknown, as for reply channels addressed at run time)."""
    if not is_v3(index):
        return name
    address = channel.get("address")
    return address if isinstance(address, str) else None


def operations_v3(index: Index) -> Iterator[tuple[str, dict[str, Any], Loc, bool]]:
    """(name, operation, where it is defined, whether it is a root operation) for 3.x: the
    root operations the index holds, then reusable ones under ``components.operations``."""
    seen: set[Loc] = set()
    for op in index.async_operations:
        seen.add(op.loc)
        yield op.name, op.op, op.loc, True
    section = index.root_loc.child("components", "operations")
    for name, value in as_dict(as_dict(index.doc.get("components")).get("operations")).items():
        found = resolved_dict(index, value, section.child(name))
        if found is not None and found[1] not in seen:
            seen.add(found[1])
            yield name, found[0], found[1], False


# Schema formats whose schemas are JSON Schema (draft-07 or AsyncAPI's superset of it), so
# examples and defaults can be checked; Avro, RAML, Protobuf, OpenAPI... cannot be here.
_CHECKABLE_FORMAT = re.compile(
    r"^application/(vnd\.aai\.asyncapi|schema)(\+json|\+yaml)?;version=[^;]+$")


def checkable_format(schema_format: Any) -> bool:
    if schema_format is None:
        return True
    if not isinstance(schema_format, str):
        return False
    match = _CHECKABLE_FORMAT.match(schema_format.replace(" ", ""))
    if match is None:
        return False
    return match.group(1) != "schema" or schema_format.rstrip().endswith("draft-07")


def payload_schema(index: Index, message: dict[str, Any],
                   loc: Loc) -> tuple[Any, Loc, Any] | None:
    """(payload schema, where it is, its schemaFormat or None) of a message, None when it
    has no payload. 2.x names the format on the message; 3.x may wrap the payload in a
    Multi Format Schema Object."""
    if "payload" not in message:
        return None
    payload, where = message["payload"], loc.child("payload")
    if is_v3(index):
        found = resolved_dict(index, payload, where)
        if found is not None and "schemaFormat" in found[0] and "schema" in found[0]:
            return found[0]["schema"], found[1].child("schema"), found[0]["schemaFormat"]
        return payload, where, None
    return payload, where, message.get("schemaFormat")


def unchecked_payloads(index: Index) -> set[Loc]:
    """Where the payload schemas written in a format other than JSON Schema are."""
    found: set[Loc] = set()
    for message in index.messages:
        payload = payload_schema(index, message.message, message.loc)
        if payload is not None and not checkable_format(payload[2]):
            found.add(payload[1])
            target = resolved(index, payload[0], payload[1])
            if target is not None:
                found.add(target[1])
    return found
