"""Validating a value (an example, a default) against a schema that lives somewhere in the
files an index has read, with cross-file ``$ref``s resolved offline.

Each file the workspace parsed becomes a `referencing` resource under a placeholder URL of its
registry path, so a relative ``$ref`` inside a canonical schema resolves to the file next to
it, exactly as the bundler would resolve it, and nothing can be fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache, cached_property
from typing import Any

from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS30, OAS31, Loc
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

    def errors(self, schema_loc: Loc, value: Any, limit: int = 5,
               direction: str | None = None) -> list[tuple[str, str]]:
        """(pointer inside ``value``, message) for each way ``value`` breaks the schema at
        ``schema_loc``; a schema that cannot be resolved is reported as one error.

        ``direction`` ("request" or "response") is where ``value`` travels. OpenAPI's
        ``readOnly`` properties are sent in responses only and ``writeOnly`` ones in requests
        only, so a required property the direction never carries may be missing: a request
        example need not invent a server-assigned ``id``, and a response example must not
        echo a password. With no direction (a schema's own example, an AsyncAPI payload)
        OpenAPI 3.0 relaxes both, as OAS30Validator always did, and 3.1 neither."""
        from referencing.exceptions import Unresolvable

        ref = f"{_BASE}{schema_loc.file}#{jp.join(jp.split(schema_loc.pointer))}"
        cls = _validator_class(self.index.format, direction)
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
            # e.g. `required: 5` or `minimum: "3"`; the structure rule reports the schema
            # itself, here only this value goes unchecked.
            found.append(("", f"cannot check it: its schema is unusable "
                              f"({type(exc).__name__}: {shorten(str(exc), 120)})"))
        return found


# The flag that lets a required property be missing, per direction: what a request never
# carries is readOnly, what a response never carries is writeOnly.
_ABSENT_FROM = {"request": "readOnly", "response": "writeOnly"}


@cache
def _validator_class(fmt: str, direction: str | None) -> Any:
    """The jsonschema validator class for a document format and a direction, built once.

    Only ``required`` changes with the direction, the way Spectral's oas3-valid-media-example
    relaxes it (in 3.0 and 3.1 alike); a readOnly property that IS present in a request
    example is not an error, for Spectral neither. openapi-schema-validator's
    OAS30Read/WriteValidator would report it ("Tried to write read-only property"), and they
    look at a property's own keywords only, not through its ``$ref``; hence this keyword."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    if fmt == OAS30:
        from openapi_schema_validator import OAS30Validator

        base: Any = OAS30Validator  # its own `required` relaxes readOnly and writeOnly
    else:
        base = Draft202012Validator
    from ledgerpact.registry.schema_patterns import bounded

    base = bounded(base)  # patterns: ECMA-262, as ajv reads them, and never hung on
    flag = _ABSENT_FROM.get(direction or "")
    if flag is None or fmt not in (OAS30, OAS31):
        return base
    return extend(base, validators={"required": _required_unless(flag)})


def _required_unless(flag: str) -> Callable[..., Iterator[Any]]:
    """A ``required`` keyword that lets a property be missing when its schema (or the schema
    its ``$ref`` names) says ``flag: true``."""
    from jsonschema.exceptions import ValidationError

    def required(validator: Any, required: Any, instance: Any,
                 schema: Mapping[str, Any]) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "object") or not isinstance(required, list):
            return
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        for name in required:
            if name in instance:
                continue
            if isinstance(properties, Mapping) and _flagged(validator, properties.get(name),
                                                            flag):
                continue
            yield ValidationError(f"{name!r} is a required property")

    return required


def _flagged(validator: Any, schema: Any, flag: str, hops: int = 8) -> bool:
    """Whether ``schema`` says ``flag: true``, itself or through a chain of ``$ref``s."""
    while isinstance(schema, Mapping) and hops > 0:
        if schema.get(flag) is True:
            return True
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return False
        try:
            # jsonschema keeps its resolver private; it is the one that already resolves
            # this schema's own $refs (relative to the file it sits in).
            schema = validator._resolver.lookup(ref).contents
        except Exception:
            return False  # an unresolvable $ref is reported where the value meets it
        hops -= 1
    return False


def _strip_ids(data: Any) -> Any:
    """A canonical schema's ``$id`` would move relative ``$ref``s to its web address; here
    they must resolve against the file, as in the registry."""
    if isinstance(data, dict) and "$id" in data:
        return {k: v for k, v in data.items() if k != "$id"}
    return data

