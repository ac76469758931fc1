"""Validating a value (an example, a default) against a schema that lives somewhere in the
files an index has read, with cross-file ``$ref``s resolved offline.

Each file the workspace parsed becomes a `referencing` resource under a placeholder URL of its
registry path, so a relative ``$ref`` inside a canonical schema resolves to the file next to
it, exactly as the bundler would resolve it, and nothing can be fetched.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS30, Loc
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.findings import shorten

_BASE = "https://registry.invalid/"  # hierarchical, so relative $refs join; never fetched


class InstanceChecker:
    """One per index; builds its resource registry once, on first use."""

    def __init__(self, index: Index) -> None:
        self.index = index

    @cached_property
    def _registry(self) -> Any:
        # jsonschema and referencing are imported here, on first use: a lint run on a
        # contract without examples should not pay for importing them.
        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        from ledgerpact.registry.schema_store import offline_registry

        resources = []
        for file in self.index.ws.files:
            data = self.index.ws.document(file).data
            resources.append((_BASE + file, Resource.from_contents(
                _strip_ids(data), default_specification=DRAFT202012)))
        return offline_registry(resources)

    def errors(self, schema_loc: Loc, value: Any, limit: int = 5) -> list[tuple[str, str]]:
        """(pointer inside ``value``, message) for each way ``value`` breaks the schema at
        ``schema_loc``; a schema that cannot be resolved is reported as one error."""
        from jsonschema import Draft202012Validator
        from referencing.exceptions import Unresolvable

        ref = f"{_BASE}{schema_loc.file}#{jp.join(jp.split(schema_loc.pointer))}"
        cls: Any = Draft202012Validator
        if self.index.format == OAS30:
            from openapi_schema_validator import OAS30Validator

            cls = OAS30Validator
        validator = cls({"$ref": ref}, registry=self._registry,
                        format_checker=cls.FORMAT_CHECKER)
        found: list[tuple[str, str]] = []
        try:
            for error in validator.iter_errors(value):
                found.append((jp.join(str(p) for p in error.absolute_path),
                              shorten(error.message)))
                if len(found) >= limit:
                    break
        except Unresolvable as exc:
            found.append(("", f"its schema has a reference that cannot be resolved: {exc}"))
        except Exception as exc:
            # e.g. a `pattern` Python's re cannot compile (\p{L}), or `required: 5`; the
            # structure rule reports the schema itself, here only this value goes unchecked.
            found.append(("", f"cannot check it: its schema is unusable "
                              f"({type(exc).__name__}: {shorten(str(exc), 120)})"))
        return found


def _strip_ids(data: Any) -> Any:
    """A canonical schema's ``$id`` would move relative ``$ref``s to its web address; here
    they must resolve against the file, as in the registry."""
    if isinstance(data, dict) and "$id" in data:
        return {k: v for k, v in data.items() if k != "$id"}
    return data

