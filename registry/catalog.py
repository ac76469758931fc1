"""The catalog: every contract in a registry, found from its ``contract.yaml``.

A registry is a directory (usually a Git repository) whose ``contracts/`` folder holds one
folder per contract with a ``contract.yaml`` beside the document. The catalog is read through a
Workspace, so the same code lists today's registry or the registry as it was at any tag.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.metadata import METADATA_NAME, Kind, Metadata, parse_metadata
from ledgerpact.registry.repository import CONTRACTS_DIR
from ledgerpact.registry.workspace import Workspace


@dataclass(frozen=True)
class Entry:
    meta: Metadata
    metadata_path: str
    document_path: str

    @property
    def id(self) -> str:
        return self.meta.id

    def version(self, ws: Workspace) -> str:
        """The contract's version: ``info.version`` of its document (metadata for schemas)."""
        if self.meta.kind is Kind.JSON_SCHEMA and self.meta.version is not None:
            return self.meta.version
        data = ws.document(self.document_path).data
        info = data.get("info") if isinstance(data, dict) else None
        version = info.get("version") if isinstance(info, dict) else None
        if version is None or version == "":
            raise ws.error("the document has no info.version", self.document_path, "/info")
        if not isinstance(version, str):
            raw = ws.document(self.document_path).source_text("/info/version") or str(version)
            raise ws.error(f"info.version must be a string (quote it: '{raw}')",
                           self.document_path, "/info/version")
        return version

    def summary(self, ws: Workspace) -> dict[str, Any]:
        meta = self.meta
        return {
            "id": meta.id,
            "title": meta.title,
            "kind": meta.kind.value,
            "version": self.version(ws),
            "lifecycle": meta.lifecycle.value,
            "compatibility": meta.compatibility.value,
            "owners": list(meta.owners),
            "consumers": list(meta.consumers),
            "document": self.document_path,
            "metadata": self.metadata_path,
            "description": meta.description,
        }


class Catalog:
    """Every contract with readable metadata; a broken ``contract.yaml`` is kept in
    ``errors`` and never stops the others from being listed, validated or bundled."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.entries: dict[str, Entry] = {}
        self.errors: dict[str, InputError] = {}  # by the folder's name
        if not ws.source.is_dir(CONTRACTS_DIR):
            raise InputError(f"no {CONTRACTS_DIR}/ folder in the registry at "
                             f"{ws.source.label} (is --registry the registry's root?)",
                             file=CONTRACTS_DIR)
        for meta_path in ws.source.glob(CONTRACTS_DIR, METADATA_NAME):
            folder = posixpath.dirname(meta_path)
            try:
                entry = read_entry(ws, meta_path)
            except InputError as exc:
                self.errors[posixpath.basename(folder)] = exc
                continue
            if entry.id in self.entries:
                other = self.entries[entry.id].metadata_path
                self.errors[entry.id] = ws.error(
                    f"duplicate contract id {entry.id!r} (also in {other})", meta_path, "/id")
                continue
            self.entries[entry.id] = entry

    def get(self, contract_id: str) -> Entry:
        entry = self.entries.get(contract_id)
        if entry is None and contract_id in self.errors:
            raise self.errors[contract_id]
        if entry is None:
            near = suggestions(contract_id, self.entries)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            where = self.ws.source.label
            raise InputError(f"no contract {contract_id!r} in the registry at {where}{hint}",
                             file=CONTRACTS_DIR)
        return entry

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self.entries.values(), key=lambda e: (e.meta.kind.value, e.id)))

    def __len__(self) -> int:
        return len(self.entries)


def read_entry(ws: Workspace, meta_path: str) -> Entry:
    """The entry a ``contract.yaml`` describes, by the catalogue's rules: the id equals the
    folder's name, and the document lies inside that folder and exists."""
    folder = posixpath.dirname(meta_path)
    meta = parse_metadata(ws.document(meta_path))
    expected = posixpath.basename(folder)
    if meta.id != expected:
        raise ws.error(f"id {meta.id!r} must equal its folder's name {expected!r}",
                       meta_path, "/id")
    doc_path = posixpath.normpath(posixpath.join(folder, meta.document))
    if not doc_path.startswith(folder + "/"):
        raise ws.error(f"document {meta.document!r} must be inside {folder}/",
                       meta_path, "/document")
    if not ws.source.exists(doc_path):
        raise ws.error(f"document {meta.document!r} not found ({doc_path})",
                       meta_path, "/document")
    return Entry(meta, meta_path, doc_path)


def metadata_paths(ws: Workspace, contract_id: str) -> list[str]:
    """The ``contract.yaml`` of the folder named ``contract_id``: the direct one when it
    exists (without a scan, so a second folder of that name deeper down is the full
    catalogue's to report), else every deeper one (more than one is a duplicate id, which
    ``find_entry`` refuses as the catalogue does)."""
    direct = f"{CONTRACTS_DIR}/{contract_id}/{METADATA_NAME}"
    if ws.source.exists(direct):
        return [direct]
    return [p for p in ws.source.glob(CONTRACTS_DIR, METADATA_NAME)
            if posixpath.basename(posixpath.dirname(p)) == contract_id]


def find_entry(ws: Workspace, contract_id: str) -> Entry | None:
    """One contract's entry without reading every ``contract.yaml``: a check, diff or
    approval of one contract in a registry of hundreds must cost what that contract costs.
    A contract's folder is named after its id (``contracts/<id>/``, or deeper, as the
    canonical schemas in ``contracts/schemas/<id>/``). None when no such folder exists; bad
    metadata raises the catalogue's located InputError."""
    paths = metadata_paths(ws, contract_id)
    if not paths:
        return None
    entry = read_entry(ws, paths[0])
    if len(paths) > 1:
        raise ws.error(f"duplicate contract id {contract_id!r} (also in {paths[1]})",
                       paths[0], "/id")
    return entry


def suggestions(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Names a mistyped ``name`` probably meant: the same in another case, a spelling one
    letter away (``oas-operation-tag`` for ``oas-operation-tags``), names it begins (``erp``
    for ``erp-finance``), then other close spellings. difflib alone misses the prefixes
    (``erp`` is too short to be "close" to ``erp-finance``)."""
    known = list(known)
    lowered = name.lower()
    found = [k for k in known if k.lower() == lowered]
    found += [k for k in difflib.get_close_matches(name, known, n=n, cutoff=0.9)
              if k not in found]
    found += sorted(k for k in known if lowered and k.lower().startswith(lowered)
                    and k not in found)
    found += [k for k in difflib.get_close_matches(name, known, n=n) if k not in found]
    return found[:n]
