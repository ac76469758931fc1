"""The small metadata file (``contract.yaml``) beside every contract in the registry.

It carries what the contract document itself cannot: who owns it, where it is in its
lifecycle, which compatibility mode governs its changes and who consumes it. The version is
deliberately NOT here for OpenAPI and AsyncAPI (``info.version`` is the one source of truth);
a JSON Schema has no ``info``, so its version lives here.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import Document
from ledgerpact.registry.semver import is_semver

METADATA_NAME = "contract.yaml"
# A participant name is a path segment in pacts/ and verifications/ (governance/deploy).
_PARTICIPANT = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class Kind(StrEnum):
    OPENAPI = "openapi"
    ASYNCAPI = "asyncapi"
    JSON_SCHEMA = "json-schema"


class Lifecycle(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class Compatibility(StrEnum):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"


def _not_blank(text: str) -> str:
    # An owner of "" or a title of "   " passes "is present" and means nothing.
    if not text.strip():
        raise ValueError("must not be blank")
    return text


NonBlank = Annotated[str, AfterValidator(_not_blank)]


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", max_length=64)
    title: NonBlank
    kind: Kind
    document: NonBlank
    version: str | None = None
    description: str = ""
    owners: list[NonBlank] = Field(min_length=1)
    lifecycle: Lifecycle
    compatibility: Compatibility
    consumers: list[NonBlank] = Field(default_factory=list)
    # The adapter participants (adapters/*/adapter.yaml ``name``) that implement this contract:
    # can-i-deploy requires each of them to verify a consumer's pact with the contract.
    providers: list[str] = Field(default_factory=list)

    @field_validator("providers")
    @classmethod
    def _participants(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _PARTICIPANT.match(name):
                raise ValueError(f"provider {name!r} is not a participant name (lower-case "
                                 "letters, digits, '.', '_' or '-')")
        if len(set(value)) != len(value):
            raise ValueError("providers must not repeat a name")
        return value

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str | None) -> str | None:
        if value is not None and not is_semver(value):
            raise ValueError(f"{value!r} is not a semantic version (expected MAJOR.MINOR.PATCH)")
        return value


def parse_metadata(doc: Document) -> Metadata:
    """Validate a ``contract.yaml``; the first problem becomes a located one-line error."""
    data: Any = doc.data
    if not isinstance(data, dict):
        raise InputError("contract metadata must be a mapping (id, title, kind, ...)",
                         file=doc.path, line=1)
    try:
        meta = Metadata.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        pointer = jp.join(str(p) for p in first["loc"])
        what = first["msg"]
        if first["type"] == "missing":
            what = f"missing required field {first['loc'][-1]!r}"
        elif first["type"] == "value_error":  # our own validators: just their words
            what = str(first.get("ctx", {}).get("error", what))
        elif first["type"] == "extra_forbidden":
            what = (f"unknown field {first['loc'][-1]!r} (expected one of: "
                    f"{', '.join(Metadata.model_fields)})")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise InputError(f"{what}{more}", file=doc.path, pointer=pointer,
                         line=doc.line_of(pointer)) from None
    if meta.kind is Kind.JSON_SCHEMA and meta.version is None:
        raise InputError("a json-schema contract needs a 'version' (it has no info.version)",
                         file=doc.path, pointer="", line=1)
    if meta.kind is not Kind.JSON_SCHEMA and meta.version is not None:
        raise InputError(
            f"'version' is not allowed for {meta.kind.value} contracts: info.version in the "
            "document is the one source of truth", file=doc.path, pointer="/version",
            line=doc.line_of("/version"))
    return meta
