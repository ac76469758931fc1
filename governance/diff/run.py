"""Diff two sides: pick the walker for their format, run it, return the changes."""

from __future__ import annotations

from ledgerpact.governance.diff.engine import DiffOptions, DocSide, Engine
from ledgerpact.governance.diff.model import Change, Direction
from ledgerpact.governance.lint.model import Loc
from ledgerpact.registry.errors import InputError

_FAMILY = {"oas3.0": "OpenAPI", "oas3.1": "OpenAPI", "asyncapi2": "AsyncAPI",
           "asyncapi3": "AsyncAPI", "json-schema": "JSON Schema"}
# A JSON Schema alone says nothing of who reads it: check both ways unless told otherwise.
BOTH_WAYS = (Direction.PUBLISH, Direction.SUBSCRIBE)


def diff_sides(base: DocSide, rev: DocSide, *, options: DiffOptions | None = None,
               directions: tuple[Direction, ...] = BOTH_WAYS) -> list[Change]:
    """Every change from ``base`` to ``rev``. ``directions`` apply to a JSON Schema contract
    only (its compatibility mode decides them); documents with operations carry their own."""
    bf, rf = base.format, rev.format
    if _FAMILY[bf] != _FAMILY[rf]:
        raise InputError(f"cannot diff {_article(_FAMILY[bf])} document ({base.label}) "
                         f"against {_article(_FAMILY[rf])} document ({rev.label})",
                         file=rev.label)
    engine = Engine(base, rev, options)
    if _FAMILY[bf] == "OpenAPI":
        from ledgerpact.governance.diff.openapi_walk import walk_openapi

        walk_openapi(engine)
    elif _FAMILY[bf] == "AsyncAPI":
        from ledgerpact.governance.diff.asyncapi_walk import walk_asyncapi

        walk_asyncapi(engine)
    else:
        from ledgerpact.governance.diff.schema_walk import compare_schemas

        label = rev.contract or rev.label
        for direction in directions:
            compare_schemas(engine, base.data, Loc(base.root, ""), rev.data,
                            Loc(rev.root, ""), direction, label, "the schema")
    return engine.finish()


def _article(name: str) -> str:
    return f"an {name}" if name[0] in "AEIOU" else f"a {name}"
