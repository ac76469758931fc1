"""Which adapters (``adapters/``) map onto which contracts, and how.

Two sources, because an adapter may say what it maps or may only show it in its code:

- Registered adapters say it. ``adapters/<package>/adapter.yaml`` lists in ``provides`` the
  canonical contracts the adapter implements and in ``vendor.contract`` the vendor contract
  it speaks; a contract's ``contract.yaml`` lists its ``providers`` by adapter name. The
  manifests are read with the loader ``verify`` and ``can-i-deploy`` use (``registry/``
  already reaches into ``governance/`` for the markdown escape, and one reader keeps the
  commands agreeing on which manifest is broken): one that cannot be read is the same
  one-line input error there and here. Either side declaring a provider is enough to list
  it, since impact answers "who do I tell"; making the two sides agree is
  ``check_registrations``'s job, so a one-sided declaration is listed and said to be one.
  A provider name that no manifest registers is listed under that name.
- Code that references schemas directly (the UBL reader has no manifest) is found by a
  deliberately narrow text search: a module names the contract's document by its path
  below ``contracts/`` (``schemas/invoice/invoice.schema.json``, as the UBL command's schema
  table does), or the contract's folder by its path from the registry root
  (``contracts/schemas/money``, not followed by more of a name, so
  ``contracts/schemas/money-market`` is not Money). Contract ids alone are never matched:
  ``money`` and ``invoice`` are ordinary words in an adapter's code. A module inside
  ``adapters/<name>/`` belongs to the adapter ``adapters/<name>``; a module directly in
  ``adapters/`` (a command line over several adapters) counts for each adapter package it
  imports, or as itself when it imports none.

An adapter is named by its folder, ``adapters/<package>``, whichever source found it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerpact.registry.repository import CONTRACTS_DIR

if TYPE_CHECKING:
    from ledgerpact.registry.catalog import Entry
    from ledgerpact.registry.workspace import Workspace

ADAPTERS_DIR = "adapters"
# ``ledgerpact.adapters.ubl`` (absolute) or ``from .ubl`` (relative) name an adapter package.
_IMPORT = re.compile(r"ledgerpact\.adapters\.([A-Za-z_]\w*)|from\s+\.([A-Za-z_]\w*)")


@dataclass(frozen=True)
class AdapterLink:
    """One way an adapter reaches one contract; ``how`` says it in words, with the
    adapter's name as the subject when it has one."""

    adapter: str  # adapters/<package>, or a provider name no manifest registers
    contract: str
    how: str


def adapter_links(ws: Workspace, root: Path,
                  contracts: Sequence[Entry]) -> dict[str, list[AdapterLink]]:
    """For each adapter that maps onto one of ``contracts``, how, in the order of
    ``contracts`` (declared links before code references to the same contract)."""
    found: dict[str, list[AdapterLink]] = {}
    for link in [*_declared(ws, contracts), *_named_in_code(root, contracts)]:
        found.setdefault(link.adapter, []).append(link)
    order = {e.id: n for n, e in enumerate(contracts)}
    return {adapter: sorted(links, key=lambda link: order[link.contract])
            for adapter, links in sorted(found.items())}


def _declared(ws: Workspace, contracts: Sequence[Entry]) -> list[AdapterLink]:
    from ledgerpact.governance.verify.manifest import load_manifests

    manifests = load_manifests(ws)
    links = []
    for entry in contracts:
        listed = entry.meta.providers
        for name in sorted({*listed, *(m.name for m in manifests.values()
                                       if entry.id in m.provides)}):
            manifest = manifests.get(name)
            if manifest is None:
                links.append(AdapterLink(name, entry.id, (
                    f"{name} provides {entry.id} (in {entry.metadata_path} providers; no "
                    f"{ADAPTERS_DIR}/*/adapter.yaml registers {name})")))
                continue
            how = f"{name} provides {entry.id}"
            if name not in listed:
                how += f" (in {manifest.path} only, not in {entry.metadata_path} providers)"
            elif entry.id not in manifest.provides:
                how += f" (in {entry.metadata_path} providers only, not in {manifest.path})"
            links.append(AdapterLink(_folder(manifest.path), entry.id, how))
        for manifest in sorted(manifests.values(), key=lambda m: m.name):
            if manifest.vendor_contract == entry.id:
                links.append(AdapterLink(_folder(manifest.path), entry.id,
                                         f"{manifest.name} speaks {entry.id}, its vendor "
                                         "contract"))
    return links


def _folder(manifest_path: str) -> str:
    return posixpath.dirname(manifest_path)


def _patterns(folder: str, document: str) -> list[re.Pattern[str]]:
    below = document.removeprefix(CONTRACTS_DIR + "/")
    return [re.compile(re.escape(below)),
            re.compile(re.escape(folder) + r"(?![\w-])")]


def _owners(module: Path, adapters: Path, text: str) -> list[str]:
    rel = module.relative_to(adapters)
    if len(rel.parts) > 1:
        return [f"{ADAPTERS_DIR}/{rel.parts[0]}"]
    packages = sorted({name for pair in _IMPORT.findall(text) for name in pair
                       if name and (adapters / name / "__init__.py").is_file()})
    return [f"{ADAPTERS_DIR}/{p}" for p in packages] or [f"{ADAPTERS_DIR}/{rel.as_posix()}"]


def _named_in_code(root: Path, contracts: Sequence[Entry]) -> list[AdapterLink]:
    """The text search: one link per adapter and contract, naming the first module (in path
    order) that names the contract."""
    adapters = root / ADAPTERS_DIR
    if not adapters.is_dir():
        return []
    wanted = [(e.id, _patterns(posixpath.dirname(e.metadata_path), e.document_path))
              for e in contracts]
    found: dict[tuple[str, str], str] = {}
    for module in sorted(adapters.rglob("*.py")):
        if "__pycache__" in module.parts:
            continue
        try:
            text = module.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        named = [ident for ident, patterns in wanted if any(p.search(text) for p in patterns)]
        for owner in _owners(module, adapters, text) if named else []:
            for ident in named:
                found.setdefault((owner, ident), module.relative_to(root).as_posix())
    return [AdapterLink(owner, ident, f"its code names {ident} ({module})")
            for (owner, ident), module in found.items()]
