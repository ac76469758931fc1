"""Bundling: one contract and every file it ``$ref``s, as one self-contained document.

External schema files are imported whole, once each, under the document's schema section
(``components/schemas`` for OpenAPI and AsyncAPI, ``$defs`` for a JSON Schema), so a pointer
into a file's ``$defs`` stays a pointer into the imported copy and two files can never clash
on a name. Other external targets (a shared parameter, a message) go to the component section
their position calls for. ``$ref``s inside the contract itself are left as written. Every
``$ref`` is checked on the way (URL, escape, loop, dead end), and the bundle remembers where
each imported part came from so findings on the bundle point back into the original files.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.refs import Target, follow, fragment, parse_ref
from ledgerpact.registry.schema_keywords import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS
from ledgerpact.registry.workspace import Workspace

# Keys whose values are data, not contract structure: never look for $refs inside them.
LITERAL_KEYS = frozenset({"example", "const", "default", "enum"})
# Keys whose values map user-chosen names to objects: their keys are never keywords.
NAME_MAPS = frozenset({
    "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "schemas",
    "paths", "responses", "headers", "content", "encoding", "links", "callbacks",
    "requestBodies", "securitySchemes", "channels", "messages", "operations", "servers",
    "parameters", "variables", "messageTraits", "operationTraits", "correlationIds",
    "serverVariables", "replies", "replyAddresses", "tags", "mapping",
    "webhooks", "pathItems", "serverBindings", "channelBindings", "operationBindings",
    "messageBindings", "scopes", "availableScopes",
})
# Keys whose value is a schema: JSON Schema's own, plus OpenAPI's and AsyncAPI's slots.
_SCHEMA_SLOTS = frozenset({*SUBSCHEMA, "schema", "payload"})
# Keys whose value holds schemas by name or by position.
SCHEMA_PARENTS = frozenset({*SUBSCHEMA_MAPS, *SUBSCHEMA_LISTS, "schemas"})
LIST_KEYWORDS = frozenset(SUBSCHEMA_LISTS)
_OBJECT, _NAMES, _SCHEMA_NAMES = "object", "names", "schema-names"
_SECTION_BY_PARENT = {
    "parameters": "parameters", "responses": "responses", "examples": "examples",
    "requestBodies": "requestBodies", "links": "links", "callbacks": "callbacks",
    "securitySchemes": "securitySchemes", "channels": "channels", "messages": "messages",
    "operations": "operations", "servers": "servers", "correlationIds": "correlationIds",
    "messageTraits": "messageTraits", "operationTraits": "operationTraits",
    "replies": "replies", "pathItems": "pathItems", "paths": "pathItems",
}


def document_kind(data: Any) -> str:
    if isinstance(data, dict):
        if "openapi" in data or "swagger" in data:
            return "openapi"
        if "asyncapi" in data:
            return "asyncapi"
        if "$schema" in data or "$defs" in data or "$id" in data:
            return "json-schema"
    return "unknown"


def _is_schema_file(path: str, data: Any) -> bool:
    return path.endswith(".schema.json") or (isinstance(data, dict) and "$schema" in data
                                             and "openapi" not in data)


def _component_name(seed: str, taken: set[str]) -> str:
    words = re.split(r"[^A-Za-z0-9]+", seed)
    name = "".join(w[:1].upper() + w[1:] for w in words if w) or "Component"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


@dataclass
class Bundle:
    """A self-contained document plus where each imported part came from."""

    root: str
    document: Any
    kind: str
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # root first, then every file it uses

    def locate(self, pointer: str) -> tuple[str, str]:
        """(file, pointer) in the original files for a pointer into the bundle."""
        best = ""
        for prefix in self.origins:
            if (pointer == prefix or pointer.startswith(prefix + "/")) and len(prefix) > len(best):
                best = prefix
        if not best:
            return self.root, pointer
        file, base = self.origins[best]
        return file, base + pointer[len(best):]


class _Bundler:
    def __init__(self, ws: Workspace, root: str) -> None:
        self.ws = ws
        self.root = root
        self.root_data = ws.document(root).data
        self.kind = document_kind(self.root_data)
        self.schema_section = "/$defs" if self.kind == "json-schema" else "/components/schemas"
        self.imported: dict[tuple[str, str], str] = {}
        self.components: dict[str, dict[str, Any]] = {}
        self.names: dict[str, set[str]] = {}
        self.origins: dict[str, tuple[str, str]] = {}
        self.queue: deque[tuple[str, str, str, Any, bool]] = deque()
        self.checked: set[Target] = set()
        self.files: set[str] = {root}
        self.overrides: dict[str, dict[str, Any]] = {}

    def run(self) -> Bundle:
        if isinstance(self.root_data, dict):
            for section, entries in self._existing_sections().items():
                self.names[section] = set(entries)
            self._adopt_wrappers()
        document = self._copy(self.root_data, self.root, "", "", "")
        while self.queue:
            section, name, file, value, whole_schema = self.queue.popleft()
            pointer = self.origins[f"{section}/{jp.escape(name)}"][1]
            copied = self._copy(value, file, pointer, "", "")
            if whole_schema and isinstance(copied, dict):
                copied.pop("$id", None)
                copied.pop("$schema", None)
                copied.update(self.overrides.get(f"{section}/{jp.escape(name)}", {}))
            self.components.setdefault(section, {})[name] = copied
        if self.components:
            document = self._attach(document)
        files = [self.root, *sorted(self.files - {self.root})]
        return Bundle(self.root, document, self.kind, self.origins, files)

    def _adopt_wrappers(self) -> None:
        """A component that only points at a whole schema file (``Money: {$ref:
        ../schemas/money/money.schema.json}``) becomes that file's home in the bundle, so the
        bundle says ``Money`` rather than ``Money`` plus a ``Money2`` copy."""
        entries = self._existing_sections().get(self.schema_section, {})
        base = jp.split(self.schema_section)
        for name, value in entries.items():
            if not (isinstance(value, dict) and set(value) <= {"$ref", "description"}
                    and isinstance(value.get("$ref"), str) and "#" not in value["$ref"]):
                continue
            at = jp.join([*base, name, "$ref"])
            target = parse_ref(value["$ref"], self.root, at, self.ws)
            if target.file == self.root or (target.file, "") in self.imported:
                continue
            follow(target, self.root, at, self.ws, self.files)
            self.checked.add(target)
            data = self.ws.document(target.file).data
            if not _is_schema_file(target.file, data):
                continue
            local = jp.join([*base, name])
            self.imported[(target.file, "")] = local
            self.origins[local] = (target.file, "")
            self.queue.append((self.schema_section, name, target.file, data, True))
            if "description" in value:  # the contract's own words win over the file's
                self.overrides[local] = {"description": value["description"]}

    def _existing_sections(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.kind == "json-schema":
            if isinstance(self.root_data.get("$defs"), dict):
                found["/$defs"] = self.root_data["$defs"]
            return found
        components = self.root_data.get("components")
        if isinstance(components, dict):
            for key, value in components.items():
                if isinstance(value, dict):
                    found[f"/components/{jp.escape(key)}"] = value
        return found

    def _attach(self, document: dict[str, Any]) -> dict[str, Any]:
        for section, entries in self.components.items():
            parts = jp.split(section)
            node = document
            for part in parts:
                node = node.setdefault(part, {})
            for name in sorted(entries):
                node[name] = entries[name]
        return document

    def _copy(self, node: Any, file: str, ptr: str, key: str, parent: str,
              mode: str = _OBJECT) -> Any:
        """Copy ``node`` rewriting every ``$ref`` in a reference position.

        ``mode`` says what the keys of ``node`` are: keywords of a spec or schema object
        (the only place a ``$ref``, a literal like ``example`` or an ``x-`` extension is what
        it looks like), names in a spec map (``paths``, ``responses``: ``x-`` keys are
        extensions there), or names in a schema map (``properties``: every key is a name,
        so a property may be called ``content``, ``example`` or ``x-id``).
        """
        if isinstance(node, list):
            return [
                self._copy(v, file, f"{ptr}/{i}", str(i), key) if isinstance(v, dict | list)
                else v
                for i, v in enumerate(node)
            ]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        keywords = mode == _OBJECT
        for k, v in node.items():
            if keywords and k == "$ref" and isinstance(v, str):
                out[k] = self._rewrite(v, file, ptr, key, parent)
            elif (mode != _SCHEMA_NAMES and k.startswith("x-")) or (
                    keywords and k in LITERAL_KEYS):
                out[k] = v
            elif keywords and k == "examples":
                out[k] = self._copy_examples(v, file, f"{ptr}/examples")
            elif keywords and k == "mapping" and key == "discriminator" and isinstance(v, dict):
                out[k] = {name: self._mapping_value(value, file, f"{ptr}/mapping", name)
                          for name, value in v.items()}
            elif isinstance(v, dict | list):
                child = _OBJECT
                if keywords:
                    child = (_SCHEMA_NAMES if k in SCHEMA_PARENTS and k not in LIST_KEYWORDS
                             else _NAMES if k in NAME_MAPS else _OBJECT)
                out[k] = self._copy(v, file, f"{ptr}/{jp.escape(k)}", k, key, child)
            else:
                out[k] = v
        return out

    def _mapping_value(self, value: Any, file: str, ptr: str, name: str) -> Any:
        """A discriminator mapping value is a schema name or a reference; rewrite the
        references so the bundle does not point at files it no longer needs."""
        if isinstance(value, str) and ("#" in value or "/" in value
                                       or value.endswith((".json", ".yaml", ".yml"))):
            return self._rewrite(value, file, f"{ptr}/{jp.escape(name)}", "mapping",
                                 "discriminator", at_suffix="")
        return value

    def _copy_examples(self, node: Any, file: str, ptr: str) -> Any:
        """Schema/message ``examples`` are data; an OpenAPI ``examples`` map may hold refs."""
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for name, entry in node.items():
            if isinstance(entry, dict) and isinstance(entry.get("$ref"), str):
                entry = dict(entry)
                entry["$ref"] = self._rewrite(entry["$ref"], file,
                                              f"{ptr}/{jp.escape(name)}", name, "examples")
            out[name] = entry
        return out

    def _rewrite(self, ref: str, file: str, ptr: str, key: str, parent: str,
                 at_suffix: str = "/$ref") -> str:
        at = ptr + at_suffix
        target = parse_ref(ref, file, at, self.ws)
        if target not in self.checked:
            follow(target, file, at, self.ws, self.files)
            self.checked.add(target)
        if target.file == self.root:
            return ref if file == self.root else fragment(target.pointer)
        data = self.ws.document(target.file).data
        if _is_schema_file(target.file, data):
            return fragment(self._import_file(target.file, data) + target.pointer)
        return fragment(self._import_value(target, self._section(key, parent)))

    def _import_file(self, file: str, data: Any) -> str:
        key = (file, "")
        if key not in self.imported:
            title = data.get("title") if isinstance(data, dict) else None
            seed = title if isinstance(title, str) and title else file.rsplit("/", 1)[-1]
            seed = seed.removesuffix(".json").removesuffix(".schema")
            self.imported[key] = self._enqueue(self.schema_section, seed, file, "", data, True)
        return self.imported[key]

    def _import_value(self, target: Target, section: str) -> str:
        key = (target.file, target.pointer)
        if key not in self.imported:
            value = jp.resolve(self.ws.document(target.file).data, target.pointer)
            tokens = jp.split(target.pointer) if target.pointer else []
            seed = tokens[-1] if tokens else target.file.rsplit("/", 1)[-1].split(".")[0]
            self.imported[key] = self._enqueue(section, seed, target.file, target.pointer,
                                               value, False)
        return self.imported[key]

    def _enqueue(self, section: str, seed: str, file: str, pointer: str, value: Any,
                 whole_schema: bool) -> str:
        name = _component_name(seed, self.names.setdefault(section, set()))
        local = f"{section}/{jp.escape(name)}"
        self.origins[local] = (file, pointer)
        self.queue.append((section, name, file, value, whole_schema))
        return local

    def _section(self, key: str, parent: str) -> str:
        if self.kind == "json-schema":
            return "/$defs"
        if key in _SCHEMA_SLOTS or parent in SCHEMA_PARENTS:
            return self.schema_section
        if key == "requestBody":
            return "/components/requestBodies"
        if key == "channel":
            return "/components/channels"
        if key == "headers" and self.kind == "asyncapi":
            return self.schema_section
        if parent == "headers":
            return "/components/headers"
        section = _SECTION_BY_PARENT.get(parent)
        return f"/components/{section}" if section else self.schema_section


def bundle(ws: Workspace, root: str) -> Bundle:
    """Bundle the contract whose main file is ``root`` (a path inside ``ws``'s source)."""
    return _Bundler(ws, root).run()
