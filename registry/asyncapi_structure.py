"""Structural check of AsyncAPI 2.6.0, 3.0.0 and 3.1.0 documents, with no official schema at hand.

Why it exists: ``ledgerpact registry validate`` runs on every change, offline, on machines that
do not have the official AsyncAPI JSON Schemas (they are test data only). So the product
carries its own model of the AsyncAPI object model (``ledgerpact.registry.asyncapi``), and the
tests hold it to the same valid/invalid verdict as the official schemas on every real document
we have.

Why not pydantic models: the verdict must match the official schemas exactly, and those encode
rules that are awkward as model unions. The main one: where the specification says "a Reference
Object or an X", the schemas say ``oneOf``. When X is a JSON Schema, an object holding only
``$ref`` is valid as both, so it is *invalid* there. (That is the one error in the Adeo 3.0.0
example: its Kafka message binding ``key``.) The model is a set of small declarative shapes
walked with an explicit stack: linear in the size of the document, no recursion limit, and every
problem located by a JSON pointer with what was expected there.

Out of scope, as in the official schemas' default evaluation: ``format`` keywords (uri, email,
regex...) are annotations, not assertions; ``$ref`` values are checked for shape only, never
resolved or fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPORTED_VERSIONS: tuple[str, ...] = ("2.6.0", "3.0.0", "3.1.0")


@dataclass(frozen=True)
class Violation:
    """One structural problem: where it is (a JSON pointer) and what was expected there."""

    pointer: str
    message: str


def check_asyncapi(document: dict[str, Any]) -> list[Violation]:
    """Every structural problem of an AsyncAPI document, in document order (empty if valid).

    The ``asyncapi`` field picks the model; an unsupported version is one violation at
    ``/asyncapi`` naming the versions that are supported.
    """
    # Imported here because the model imports ``Violation`` from this module.
    from ledgerpact.registry.asyncapi.shapes import got, show, walk
    from ledgerpact.registry.asyncapi.v2 import model_2_6
    from ledgerpact.registry.asyncapi.v3 import model_3

    supported = ", ".join(SUPPORTED_VERSIONS)
    if not isinstance(document, dict):
        return [Violation("", "expected an AsyncAPI document (an object at the top level), got "
                              f"{got(document)}")]
    if "asyncapi" not in document:
        return [Violation("/asyncapi", "missing required field 'asyncapi' (the AsyncAPI version; "
                                       f"supported: {supported})")]
    version = document["asyncapi"]
    if not (isinstance(version, str) and version in SUPPORTED_VERSIONS):
        return [Violation("/asyncapi", f"unsupported AsyncAPI version {show(version)}; "
                                       f"supported versions: {supported}")]
    model = model_2_6() if version == "2.6.0" else model_3(version)
    return walk(model, document, "")
