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
                entry = self._entry(meta_path, folder)
            except InputError as exc:
                self.errors[posixpath.basename(folder)] = exc
                continue
            if entry.id in self.entries:
                other = self.entries[entry.id].metadata_path
                self.errors[entry.id] = ws.error(
                    f"duplicate contract id {entry.id!r} (also in {other})", meta_path, "/id")
                continue
            self.entries[entry.id] = entry

    def _entry(self, meta_path: str, folder: str) -> Entry:
        ws = self.ws
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

    def get(self, contract_id: str) -> Entry:
        entry = self.entries.get(contract_id)
        if entry is None and contract_id in self.errors:
            raise self.errors[contract_id]
        if entry is None:
            near = difflib.get_close_matches(contract_id, list(self.entries), n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            where = self.ws.source.label
            raise InputError(f"no contract {contract_id!r} in the registry at {where}{hint}",
                             file=CONTRACTS_DIR)
        return entry

    def __iter__(self) -> Iterator[Entry]:
        return iter(sorted(self.entries.values(), key=lambda e: (e.meta.kind.value, e.id)))

    def __len__(self) -> int:
        return len(self.entries)
