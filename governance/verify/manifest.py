"""The adapter registry: one ``adapters/<package>/adapter.yaml`` manifest per adapter.

A manifest is what makes an adapter a participant: its name is the provider name in
verification records and can-i-deploy, ``provides`` lists the canonical contracts it
implements, and ``vendor``/``service``/``states`` say how ``ledgerpact verify`` wires it to
its vendor simulator. A wrong manifest would verify the wrong thing or nothing, so every
field is checked strictly and the first problem is one located line (exit 2).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.semver import is_semver
from ledgerpact.registry.workspace import Workspace

ADAPTERS_DIR = "adapters"
PACKAGE = "ledgerpact.adapters"  # adapters/<folder> is installed as ledgerpact.adapters.<folder>
MANIFEST_NAME = "adapter.yaml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_ENTRY = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")
_FIELDS = ("name", "version", "description", "owners", "provides", "vendor", "service",
           "states")
_REQUIRED = ("name", "version", "owners", "provides", "vendor", "service", "states")


@dataclass(frozen=True)
class Manifest:
    """One adapter as registered (pure data, as read from ``adapter.yaml``)."""

    name: str
    version: str
    description: str
    owners: tuple[str, ...]
    provides: tuple[str, ...]
    vendor_contract: str
    vendor_simulator: str
    service: str  # module:attribute of build(vendor_url, *, registry, events, auth)
    states: str  # module:attribute of the STATE_HANDLERS mapping
    path: str  # the manifest's path in the registry

    @property
    def folder(self) -> str:
        """The adapter's package folder: ``adapters/<folder>/``."""
        return self.path.split("/")[1]

    @property
    def package(self) -> str:
        return f"{PACKAGE}.{self.folder}"


def _text(ws: Workspace, data: Mapping[str, Any], key: str, rel: str, prefix: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ws.error(f"{key} must be a non-empty string, found {value!r}", rel,
                       f"{prefix}/{key}")
    return value


def _names(ws: Workspace, data: Mapping[str, Any], key: str, rel: str,
           pattern: re.Pattern[str] | None) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ws.error(f"{key} must be a non-empty list, found {value!r}", rel, f"/{key}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or \
                (pattern is not None and not pattern.match(item)):
            raise ws.error(f"{key}[{i}] {item!r} is not a valid name", rel, f"/{key}/{i}")
    if len(set(value)) != len(value):
        raise ws.error(f"{key} repeats a name", rel, f"/{key}")
    return tuple(value)


def parse_manifest(ws: Workspace, rel: str) -> Manifest:
    """One manifest, validated field by field."""
    data = ws.document(rel).data
    if not isinstance(data, dict):
        raise InputError("an adapter manifest must be a mapping (name, version, provides, ...)",
                         file=rel, pointer="")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ws.error(f"unknown field {unknown[0]!r}; expected {', '.join(_FIELDS)}", rel,
                       f"/{unknown[0]}")
    for key in _REQUIRED:
        if key not in data:
            raise ws.error(f"missing required field {key!r}", rel, "")
    name = _text(ws, data, "name", rel)
    if not _NAME.match(name):
        raise ws.error(f"name {name!r} is not a participant name; expected lower-case "
                       "letters, digits, '.', '_' or '-'", rel, "/name")
    version = _text(ws, data, "version", rel)
    if not is_semver(version):
        raise ws.error(f"version {version!r} is not a semantic version; expected X.Y.Z", rel,
                       "/version")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ws.error("description must be a string", rel, "/description")
    vendor = data["vendor"]
    if not isinstance(vendor, dict) or sorted(vendor) != ["contract", "simulator"]:
        raise ws.error("vendor must be a mapping with exactly contract and simulator, found "
                       f"{vendor!r}", rel, "/vendor")
    entries = {}
    # The code verified must be this folder's: an entry into another package would let one
    # adapter's records vouch for another's code.
    own = f"{PACKAGE}.{rel.split('/')[1]}"
    for key in ("service", "states"):
        entries[key] = _text(ws, data, key, rel)
        if not _ENTRY.match(entries[key]):
            raise ws.error(f"{key} {entries[key]!r} is not an import path; expected "
                           "package.module:attribute", rel, f"/{key}")
        if not entries[key].startswith(f"{own}.") and not entries[key].startswith(f"{own}:"):
            raise ws.error(f"{key} {entries[key]!r} is outside this adapter's package; "
                           f"expected {own}.<module>:<attribute>", rel, f"/{key}")
    return Manifest(name, version, description, _names(ws, data, "owners", rel, None),
                    _names(ws, data, "provides", rel, _NAME),
                    _text(ws, vendor, "contract", rel, "/vendor"),
                    _text(ws, vendor, "simulator", rel, "/vendor"),
                    entries["service"], entries["states"], rel)


def load_manifests(ws: Workspace) -> dict[str, Manifest]:
    """Every registered adapter by participant name; two manifests claiming one name are an
    error (the records of one would vouch for the other)."""
    found: dict[str, Manifest] = {}
    for rel in ws.source.glob(ADAPTERS_DIR, MANIFEST_NAME):
        if len(rel.split("/")) != 3:
            raise InputError("adapter manifest off the layout; expected "
                             f"{ADAPTERS_DIR}/<package>/{MANIFEST_NAME}", file=rel)
        manifest = parse_manifest(ws, rel)
        if manifest.name in found:
            raise ws.error(f"adapter name {manifest.name!r} is already registered by "
                           f"{found[manifest.name].path}", rel, "/name")
        found[manifest.name] = manifest
    return found


def choose(manifests: Mapping[str, Manifest], name: str | None) -> Manifest:
    """The adapter ``name`` names; no name or an unknown one lists the known adapters."""
    known = ", ".join(sorted(manifests)) or f"none (no {ADAPTERS_DIR}/*/{MANIFEST_NAME})"
    if not name:
        raise InputError(f"name the adapter to verify; registered adapters: {known}",
                         file=ADAPTERS_DIR)
    if name not in manifests:
        raise InputError(f"unknown adapter {name!r}; registered adapters: {known}",
                         file=ADAPTERS_DIR)
    return manifests[name]


def check_registrations(ws: Workspace, manifests: Mapping[str, Manifest]) -> None:
    """The manifests and the contracts' ``providers`` must agree both ways, since
    can-i-deploy reads who must verify a contract's pacts from the contract's metadata: each
    contract an adapter provides exists and lists it, and each name a contract lists is a
    registered adapter that provides that contract."""
    for manifest in manifests.values():
        check_providers(ws, manifest, manifests)
    if not manifests:
        check_providers(ws, None, manifests)


def check_providers(ws: Workspace, manifest: Manifest | None,
                    manifests: Mapping[str, Manifest]) -> dict[str, str]:
    """``check_registrations`` for one adapter (None: the contracts' side only). Returns
    contract id -> version for the contracts ``manifest`` provides."""
    from ledgerpact.registry.cli_support import catalog_for

    catalog = catalog_for(ws)
    if catalog.errors:  # a broken contract.yaml may hide a providers declaration
        raise catalog.errors[sorted(catalog.errors)[0]]
    for entry in catalog:
        for i, name in enumerate(entry.meta.providers):
            other = manifests.get(name)
            if other is None:
                raise ws.error(f"providers names {name!r}, which no "
                               f"{ADAPTERS_DIR}/*/{MANIFEST_NAME} registers",
                               entry.metadata_path, f"/providers/{i}")
            if entry.id not in other.provides:
                raise ws.error(f"providers names {name!r}, but {other.path} does not list "
                               f"{entry.id} in provides", entry.metadata_path,
                               f"/providers/{i}")
    versions: dict[str, str] = {}
    for i, contract_id in enumerate(manifest.provides if manifest else ()):
        assert manifest is not None
        if contract_id not in catalog.entries:
            raise ws.error(f"provides {contract_id!r}, which is not a contract in the "
                           "registry", manifest.path, f"/provides/{i}")
        entry = catalog.entries[contract_id]
        if manifest.name not in entry.meta.providers:
            raise ws.error(f"{contract_id} does not list {manifest.name} in providers "
                           f"(found {list(entry.meta.providers) or 'none'}), but "
                           f"{manifest.path} provides it", entry.metadata_path, "/providers")
        versions[contract_id] = entry.version(ws)
    return versions


def resolve(manifest: Manifest, key: str) -> Any:
    """The object an import path of the manifest names (``service`` or ``states``)."""
    target = getattr(manifest, key)
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"{key} {target!r} cannot be imported: {exc}", file=manifest.path,
                         pointer=f"/{key}") from None
    if not hasattr(module, attribute):
        raise InputError(f"{key} {target!r}: {module_name} has no {attribute}",
                         file=manifest.path, pointer=f"/{key}")
    return getattr(module, attribute)


def _code_files(folder: Path) -> list[tuple[str, bytes]]:
    """An adapter package's files (path relative to it, bytes), sorted. Bytecode caches are
    no part of the code, and neither is the manifest: it is the registration (read from the
    registry, its version recorded on its own), and bumping it must not change the code."""
    if not folder.is_dir():
        return []
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes())
                  for p in folder.rglob("*") if p.is_file()
                  and "__pycache__" not in p.relative_to(folder).parts
                  and p.suffix not in (".pyc", ".pyo")
                  and p.relative_to(folder).as_posix() != MANIFEST_NAME)


def registry_code_files(ws: Workspace, manifest: Manifest) -> list[tuple[str, bytes]]:
    """``_code_files`` of the adapter's folder as the registry holds it at the workspace's
    revision (a commit or the working tree): what can-i-deploy compares records against."""
    folder = f"{ADAPTERS_DIR}/{manifest.folder}"
    files = []
    for rel in ws.source.glob(folder, "*"):
        inside = rel[len(folder) + 1:]
        if (ws.source.is_dir(rel) or "__pycache__" in inside.split("/")
                or inside.endswith((".pyc", ".pyo")) or inside == MANIFEST_NAME):
            continue
        files.append((inside, ws.source.read(rel)))
    return sorted(files)


def code_sha256(files: list[tuple[str, bytes]]) -> str:
    """The identity of an adapter's code: sha256 over its sorted files, path and bytes."""
    digest = hashlib.sha256()
    for rel, data in files:
        for part in (rel.encode(), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def check_code(root: Path, manifest: Manifest) -> str:
    """The installed package must be the registry's adapter code, compared before anything
    is imported (``find_spec`` locates a package without executing it): ``--registry``
    would otherwise verify whatever code the environment happens to have installed. Returns
    the code's sha256."""
    mine = _code_files(root / ADAPTERS_DIR / manifest.folder)
    if not mine:
        raise InputError(f"{ADAPTERS_DIR}/{manifest.folder}/ holds no adapter code beside "
                         "its manifest", file=manifest.path, pointer="/service")
    try:
        spec = importlib.util.find_spec(manifest.package)
    except ImportError:
        spec = None
    places = list(spec.submodule_search_locations or []) if spec is not None else []
    if not places:
        raise InputError(f"{manifest.package} is not installed in this environment; run "
                         "verify from the environment of the registry's checkout",
                         file=manifest.path, pointer="/service")
    installed = Path(places[0])
    if _code_files(installed) != mine:
        raise InputError(f"{ADAPTERS_DIR}/{manifest.folder} in {root} differs from the "
                         f"installed {manifest.package} at {installed}; run verify from that "
                         "checkout's environment", file=manifest.path)
    return code_sha256(mine)
