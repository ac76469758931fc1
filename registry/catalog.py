"""The catalog: every contract in a registry, found from its ``contract.yaml``.

A registry is a directory (usually a Git repository) whose ``contracts/`` folder holds one
folder per contract with a ``contract.yaml`` beside the document. The catalog is read through a
Workspace, so the same code lists today's registry or the registry as it was at any tag.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.metadata import METADATA_NAME, Kind, Metadata, parse_metadata
from ledgerpact.registry.workspace import Workspace

CONTRACTS_DIR = "contracts"


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
        if self.meta.kind is Kind.JSON_SCHEMA:
            return self.meta.version or ""
        data = ws.document(self.document_path).data
        info = data.get("info") if isinstance(data, dict) else None
        version = info.get("version") if isinstance(info, dict) else None
        if not isinstance(version, str) or not version:
            raise ws.error("the document has no info.version", self.document_path, "/info")
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
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.entries: dict[str, Entry] = {}
        for meta_path in ws.source.glob(CONTRACTS_DIR, METADATA_NAME):
            meta = parse_metadata(ws.document(meta_path))
            folder = posixpath.dirname(meta_path)
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
            if meta.id in self.entries:
                other = self.entries[meta.id].metadata_path
                raise ws.error(f"duplicate contract id {meta.id!r} (also in {other})",
                               meta_path, "/id")
            self.entries[meta.id] = Entry(meta, meta_path, doc_path)

    def get(self, contract_id: str) -> Entry:
        entry = self.entries.get(contract_id)
        if entry is None:
            near = difflib.get_close_matches(contract_id, self.entries, n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            where = self.ws.source.label
            raise InputError(f"no contract {contract_id!r} in the registry at {where}{hint}",
                             file=CONTRACTS_DIR)
        return entry

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self.entries.values(), key=lambda e: (e.meta.kind.value, e.id)))

    def __len__(self) -> int:
        return len(self.entries)
