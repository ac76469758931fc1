"""Which files a contract file ``$ref``s, read leniently, and how such a ``$ref`` is spelled.

The bundler follows ``$ref``s to build a document and must refuse anything unsafe or broken.
Impact analysis asks a different question -- "does this file name that one?" -- and must keep
answering when the answer is a broken ``$ref``: a contract whose shared schema was just deleted
is the one most affected. So this walk looks for ``$ref``s exactly where the bundler does (the
same keyword tables, so the two never disagree on what is a reference) but never resolves,
reads or refuses anything: URLs and paths that leave the registry are simply not files of it.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any
from urllib.parse import quote, unquote

# One definition of where a $ref is a reference (and where it is data): the bundler's.
from ledgerpact.registry.bundle import (
    LIST_KEYWORDS,
    LITERAL_KEYS,
    NAME_MAPS,
    SCHEMA_PARENTS,
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_OBJECT, _NAMES, _SCHEMA_NAMES = 0, 1, 2


def ref_file(ref: str, from_file: str) -> str | None:
    """The registry file a ``$ref`` written in ``from_file`` names; None for a ref inside
    the same file, a URL, an absolute path or one that climbs out of the registry."""
    if _SCHEME.match(ref) or ref.startswith("//"):
        return None
    path = unquote(ref.partition("#")[0])
    if not path or path.startswith("/") or "\\" in path:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_file), path))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


def file_refs(from_file: str, data: Any) -> set[str]:
    """Every other registry file ``data`` (the parsed ``from_file``) references."""
    found: set[str] = set()
    _walk(data, from_file, "", _OBJECT, found)
    found.discard(from_file)
    return found


def _add(ref: Any, from_file: str, found: set[str]) -> None:
    if isinstance(ref, str):
        target = ref_file(ref, from_file)
        if target is not None:
            found.add(target)


def _walk(node: Any, from_file: str, key: str, mode: int, found: set[str]) -> None:
    """The bundler's ``_copy`` without the copy: the same modes decide whether a key is a
    keyword (only then is ``$ref`` a reference, ``example`` data, ``x-`` an extension)."""
    stack: list[tuple[Any, str, int]] = [(node, key, mode)]
    while stack:
        node, key, mode = stack.pop()
        if isinstance(node, list):
            stack.extend((item, str(i), _OBJECT) for i, item in enumerate(node)
                         if isinstance(item, dict | list))
            continue
        if not isinstance(node, dict):
            continue
        keywords = mode == _OBJECT
        for k, v in node.items():
            if keywords and k == "$ref":
                _add(v, from_file, found)
            elif (mode != _SCHEMA_NAMES and k.startswith("x-")) or (
                    keywords and k in LITERAL_KEYS):
                continue
            elif keywords and k == "examples":
                if isinstance(v, dict):  # an OpenAPI examples map may hold refs; data else
                    for entry in v.values():
                        if isinstance(entry, dict):
                            _add(entry.get("$ref"), from_file, found)
            elif keywords and k == "mapping" and key == "discriminator" and isinstance(v, dict):
                for value in v.values():  # a schema name, or a reference to a schema
                    if isinstance(value, str) and ("#" in value or "/" in value or
                                                   value.endswith((".json", ".yaml", ".yml"))):
                        _add(value, from_file, found)
            elif isinstance(v, dict | list):
                child = _OBJECT
                if keywords:
                    child = (_SCHEMA_NAMES if k in SCHEMA_PARENTS and k not in LIST_KEYWORDS
                             else _NAMES if k in NAME_MAPS else _OBJECT)
                stack.append((v, k, child))


def spellings(target: str) -> tuple[str, str]:
    """(bare, qualified): what any ``$ref`` to ``target`` must contain.

    A file in ``target``'s own folder or below it may write the bare file name
    (``money.schema.json``, ``../money.schema.json``); any file elsewhere must climb out and
    come back down through the folder, so its ``$ref`` contains ``<folder>/<name>``
    (``../money/money.schema.json``). The qualified spelling is what keeps a search for a
    common name (``openapi.yaml``) from matching every contract in the registry. Missed
    only: a path that re-enters the folder through ``.`` or ``..`` segments, or
    percent-encodes a character of the name that needs no encoding (see ``search_terms``)."""
    folder, name = posixpath.split(target)
    return name, f"{posixpath.basename(folder)}/{name}" if folder else name


def search_terms(term: str) -> set[str]:
    """``term`` as written, and percent-encoded when it holds characters a URI encodes."""
    encoded = quote(term, safe="/~!$&'()*+,;=:@-._")
    return {term, encoded}
