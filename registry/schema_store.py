"""Validators for instances against the registry's canonical JSON Schemas.

Canonical schemas reference each other with relative ``$ref``s (``../money/money.schema.json``)
and every ``$id`` mirrors the file's path under ``contracts/``, so one `referencing` registry
keyed by ``$id`` resolves every cross-file reference without ever touching the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.schema_patterns import bounded
from ledgerpact.registry.source import DirectorySource
from ledgerpact.registry.workspace import Workspace

ID_BASE = "https://ledgerpact.dev/contracts/"


def _no_retrieve(uri: str) -> Resource[Any]:
    """Refuse every URI the store does not already hold: schemas are never fetched."""
    raise Unresolvable(ref=uri)


def offline_registry(resources: list[tuple[str, Resource[Any]]]) -> Registry[Any]:
    """A `referencing` registry that knows exactly these resources and fetches nothing."""
    return Registry(retrieve=_no_retrieve).with_resources(resources)  # type: ignore[call-arg]


class SchemaStore:
    """All ``*.schema.json`` files below a contracts directory, ready to validate against."""

    def __init__(self, contracts_dir: Path) -> None:
        self.contracts_dir = contracts_dir.resolve()
        self.schemas: dict[str, dict[str, Any]] = {}
        ws = Workspace(DirectorySource(self.contracts_dir.parent))
        top = self.contracts_dir.name
        for path in ws.source.glob(top, "*.schema.json"):
            rel = path[len(top) + 1:]
            schema = ws.document(path).data
            expected = ID_BASE + rel
            if isinstance(schema, dict) and schema.get("$id", expected) != expected:
                # relative $refs resolve against $id: a mismatch would resolve elsewhere
                raise ws.error(f"$id must be {expected!r} (it mirrors the file's path)",
                               path, "/$id")
            self.schemas[rel] = schema

    @cached_property
    def registry(self) -> Registry[Any]:
        resources = [
            (ID_BASE + rel, Resource.from_contents(schema, default_specification=DRAFT202012))
            for rel, schema in self.schemas.items()
        ]
        return offline_registry(resources)

    def validator(self, rel_path: str, pointer: str = "") -> Draft202012Validator:
        """A validator for the schema at ``rel_path`` (relative to ``contracts/``), or a
        sub-schema of it given as a JSON pointer fragment such as ``/$defs/InvoiceLine``."""
        if rel_path not in self.schemas:
            raise InputError(f"no canonical schema at contracts/{rel_path}", file=rel_path)
        schema: dict[str, Any] = {"$ref": ID_BASE + rel_path + ("#" + pointer if pointer else "")}
        return bounded(Draft202012Validator)(  # see schema_patterns: never hung on a value
            schema,
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def iter_errors(
        self, rel_path: str, instance: Any, pointer: str = ""
    ) -> Iterator[ValidationError]:
        return self.validator(rel_path, pointer).iter_errors(instance)
