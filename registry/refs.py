"""``$ref`` parsing and following, with the guards hostile input needs.

A ``$ref`` may only name a file inside the registry (relative path) and a JSON pointer in it.
URLs are refused, never fetched; paths that climb out of the registry root are refused; a chain
of ``$ref``s that comes back to itself without ever reaching a value is refused. A legal
recursive schema (a node whose ``children`` items ``$ref`` the node) is not a chain: the
``$ref`` sits inside a real schema, so it is fine.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from ledgerpact.registry import pointer as jp
from ledgerpact.registry.workspace import Workspace

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
MAX_CHAIN = 64


@dataclass(frozen=True)
class Target:
    """Where a ``$ref`` points: a registry-relative file and a JSON pointer in it."""

    file: str
    pointer: str

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}"


def parse_ref(ref: str, from_file: str, at: str, ws: Workspace) -> Target:
    """Turn ``ref`` (found at ``from_file`` / ``at``) into a Target, refusing what is unsafe."""
    if re.match(r"^[A-Za-z]:[\\/]", ref):
        raise ws.error(f"$ref {ref!r} is an absolute Windows path; expected a path relative "
                       "to this file", from_file, at)
    if _SCHEME.match(ref) or ref.startswith("//"):
        raise ws.error(
            f"$ref to a URL is refused ({ref!r}); references must be relative paths inside "
            "the registry, and nothing is ever fetched", from_file, at)
    path_part, _, fragment = ref.partition("#")
    fragment = unquote(fragment)
    if fragment and not fragment.startswith("/"):
        raise ws.error(
            f"$ref {ref!r} uses a plain-name fragment; expected a JSON pointer such as "
            "'#/components/schemas/Name'", from_file, at)
    if not path_part:
        return Target(from_file, fragment)
    path_part = unquote(path_part)
    if path_part.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", path_part):
        raise ws.error(
            f"$ref {ref!r} is an absolute path; expected a path relative to this file",
            from_file, at)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_file), path_part))
    if ".git" in joined.split("/"):
        raise ws.error(f"$ref {ref!r} points inside .git; references must name contract files",
                       from_file, at)
    if joined == ".." or joined.startswith("../"):
        raise ws.error(
            f"$ref {ref!r} escapes the registry root; references must stay inside it",
            from_file, at)
    return Target(joined, fragment)


def is_ref(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get("$ref"), str)


def follow(target: Target, from_file: str, at: str, ws: Workspace,
           files: set[str] | None = None,
           stop: Callable[[Target, Any], bool] | None = None) -> tuple[Target, Any]:
    """The value ``target`` names, following ``$ref`` chains; loops and dead ends refused.
    Every file read on the way is added to ``files``. ``stop`` ends the chain early at a
    ``$ref`` that is more than a reference (2020-12 siblings that apply with it)."""
    chain: list[Target] = []
    site_file, site_at = from_file, at
    current = target
    while True:
        if current in chain:
            loop = " -> ".join(str(t) for t in [*chain, current])
            raise ws.error(f"$ref loop that never reaches a schema or value: {loop}",
                           from_file, at)
        if len(chain) >= MAX_CHAIN:
            raise ws.error(f"$ref chain longer than {MAX_CHAIN} hops (from {target})",
                           from_file, at)
        chain.append(current)
        if current.file != site_file and not ws.source.exists(current.file):
            raise ws.error(f"$ref points to a missing file: {current.file}", site_file, site_at)
        doc = ws.document(current.file)
        if files is not None:
            files.add(current.file)
        try:
            value = jp.resolve(doc.data, current.pointer)
        except KeyError as missing:
            raise ws.error(
                f"$ref target {current} does not exist (no {missing.args[0]!r} there)",
                site_file, site_at) from None
        except ValueError as exc:
            raise ws.error(f"$ref target {current}: {exc}", site_file, site_at) from None
        if not is_ref(value) or (stop is not None and stop(current, value)):
            return current, value
        site_file, site_at = current.file, current.pointer + "/$ref"
        current = parse_ref(value["$ref"], site_file, site_at, ws)


def fragment(pointer: str) -> str:
    """A JSON pointer written as a URI fragment (``#/a/b%7Bid%7D``)."""
    return "#" + quote(pointer, safe="/~!$&'()*+,;=:@-._")

