"""Verification records and pact files as they are stored in the registry.

A verification is evidence, so it lives in Git beside the contracts: reviewed, immutable once
committed, readable at any past revision. The layout is fixed so that a record's path alone
says which provider version verified which consumer version:

- ``pacts/<consumer>/<consumer-version>/<pact-provider>.json``
- ``verifications/<provider>/<provider-version>/<pact-provider>/<consumer>-<consumer-version>/
  <UTC time of the verification>.yaml``

Records are never overwritten: every verification is kept (a failed re-verification of the
same provider version must not erase, nor be erased by, an earlier success), and for one
provider version and one pact content the latest record decides. An adapter's record also
carries the sha256 of the adapter's code that was verified (``code``) and the summary of the
property-based tests of the same run (``schemathesis``), which are part of its outcome.

A pact's provider is either a participant (the provider verifies it itself) or a canonical
contract id (``erp-finance``): then every adapter registered as a provider of that contract
(``providers`` in its ``contract.yaml``) verifies it, and the record's ``provider`` is the
adapter while its ``contract.id`` is the pact's provider. The pact's provider is a folder of
the record's path because one consumer version can have pacts with two contracts that one
adapter provides (``erp-finance`` and ``finance-events``): each gets its own record.

A record names the pact it verified by content hash: a pact republished with new content is a
new pact, and an old verification must not vouch for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.output import to_yaml, write_atomic
from ledgerpact.registry.repository import Registry
from ledgerpact.registry.semver import is_semver
from ledgerpact.registry.workspace import Workspace

PACTS_DIR = "pacts"
VERIFICATIONS_DIR = "verifications"
OUTCOMES = ("passed", "failed")
# A participant name becomes a path segment: no separators, no dot-dot, no hidden files.
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = ("consumer", "consumer_version", "provider", "provider_version", "contract", "pact",
           "outcome", "verified_at", "verifier", "pending", "code", "schemathesis")
_STAMP = "%Y%m%dT%H%M%S%fZ"  # sorts as the time it names; no ':' (not portable in paths)
_PROPERTY_LISTS = ("operations", "checks", "failures")


@dataclass(frozen=True)
class Pact:
    """One pact file: who expects what of whom, identified by its content."""

    consumer: str
    consumer_version: str
    provider: str
    path: str
    sha256: str


@dataclass(frozen=True)
class VerificationRecord:
    """One provider version's verdict on one pact (pure data, as committed)."""

    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract_id: str
    contract_version: str
    pact_path: str
    pact_sha256: str
    outcome: str
    verified_at: datetime
    verifier_tool: str
    verifier_version: str
    pending: bool
    code_sha256: str | None = None  # sha256 of the adapter's code (adapters/<folder>/)
    schemathesis: Mapping[str, Any] | None = None  # contract, passed, operations, ...

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def pact_provider(self) -> str:
        """The provider named by the verified pact: this record's provider itself, or the
        contract the provider (an adapter) implements."""
        return self.pact_path.rsplit("/", 1)[-1][: -len(".json")]

    def as_dict(self) -> dict[str, Any]:
        return {
            "consumer": self.consumer, "consumer_version": self.consumer_version,
            "provider": self.provider, "provider_version": self.provider_version,
            "contract": {"id": self.contract_id, "version": self.contract_version},
            "pact": {"path": self.pact_path, "sha256": self.pact_sha256},
            "outcome": self.outcome, "verified_at": self.verified_at.isoformat(),
            "verifier": {"tool": self.verifier_tool, "version": self.verifier_version},
            "pending": self.pending,
            **({"code": {"sha256": self.code_sha256}} if self.code_sha256 else {}),
            **({"schemathesis": dict(self.schemathesis)} if self.schemathesis else {}),
        }


def pact_path(consumer: str, consumer_version: str, provider: str) -> str:
    return f"{PACTS_DIR}/{consumer}/{consumer_version}/{provider}.json"


def record_path(provider: str, provider_version: str, consumer: str, consumer_version: str,
                pact_provider: str, verified_at: datetime) -> str:
    stamp = verified_at.astimezone(UTC).strftime(_STAMP)
    return (f"{VERIFICATIONS_DIR}/{provider}/{provider_version}/{pact_provider}/"
            f"{consumer}-{consumer_version}/{stamp}.yaml")


def content_sha256(data: bytes) -> str:
    """The pact's identity: the hash of its bytes exactly as committed."""
    return hashlib.sha256(data).hexdigest()


def _check_name(value: str, what: str, file: str, pointer: str | None = None) -> None:
    if not _NAME.match(value):
        raise InputError(f"{what} {value!r} is not a valid name; expected lower-case letters, "
                         "digits, '.', '_' or '-'", file=file, pointer=pointer)


def _check_version(value: str, what: str, file: str, pointer: str | None = None) -> None:
    # Versions are ordered to find a consumer's latest pact: they must be semantic versions.
    if not is_semver(value):
        raise InputError(f"{what} {value!r} is not a semantic version; expected X.Y.Z",
                         file=file, pointer=pointer)


def load_pacts(ws: Workspace) -> list[Pact]:
    """Every pact file under ``pacts/``; a file off the path convention is an error, since a
    misplaced pact would silently escape every deployment check."""
    pacts = []
    for rel in ws.source.glob(PACTS_DIR, "*"):
        if ws.source.is_dir(rel):  # the working tree lists folders too; a commit does not
            continue
        parts = rel.split("/")
        if len(parts) != 4 or not parts[3].endswith(".json"):
            raise InputError("pact file off the layout; expected "
                             "pacts/<consumer>/<consumer-version>/<provider>.json", file=rel)
        _, consumer, version, name = parts
        provider = name[: -len(".json")]
        _check_name(consumer, "consumer", rel)
        _check_version(version, "consumer version", rel)
        _check_name(provider, "provider", rel)
        pacts.append(Pact(consumer, version, provider, rel, content_sha256(ws.source.read(rel))))
    return pacts


def read_pact(ws: Workspace, pact: Pact) -> dict[str, Any]:
    """The pact's document, refused unless it is a pact for the consumer and provider its
    path names, with interactions: verification replays it, and can-i-deploy must not count
    a file nobody could ever verify as a pact that is merely pending."""
    try:
        document = json.loads(ws.source.read(pact.path))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a JSON pact file: {exc}", file=pact.path) from None
    if not isinstance(document, dict) or not isinstance(document.get("consumer"), dict):
        raise InputError("not a pact file (no consumer)", file=pact.path, pointer="/consumer")
    named = (document["consumer"].get("name"), (document.get("provider") or {}).get("name"))
    if named != (pact.consumer, pact.provider):
        raise InputError(f"the pact names {named[0]} -> {named[1]}; its path says "
                         f"{pact.consumer} -> {pact.provider}", file=pact.path)
    items = document.get("interactions")
    if not isinstance(items, list) or not items:
        raise InputError(f"interactions must be a non-empty list, found {_short(items)}",
                         file=pact.path, pointer="/interactions")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("description"), str) or \
                not item["description"]:
            raise InputError("an interaction must be a mapping with a description, found "
                             f"{_short(item)}", file=pact.path, pointer=f"/interactions/{i}")
    return document


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field(ws: Workspace, data: dict[str, Any], key: str, rel: str, kind: type,
           prefix: str = "") -> Any:
    pointer = f"{prefix}/{key}"
    if key not in data:
        raise ws.error(f"missing required field {key!r}", rel, prefix or "")
    value = data[key]
    if not isinstance(value, kind) or (kind is str and not value) or \
            (kind is not bool and isinstance(value, bool)):
        raise ws.error(f"{key} must be a non-empty {kind.__name__}, found {value!r}", rel,
                       pointer)
    return value


def _object(ws: Workspace, data: dict[str, Any], key: str, rel: str,
            keys: tuple[str, ...]) -> dict[str, Any]:
    value = _field(ws, data, key, rel, dict)
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ws.error(f"unknown field {unknown[0]!r}; expected {', '.join(keys)}", rel,
                       f"/{key}/{unknown[0]}")
    return {k: _field(ws, value, k, rel, str, f"/{key}") for k in keys}


def parse_record(ws: Workspace, rel: str) -> VerificationRecord:
    """One record file, validated strictly: a wrong record would be a false deployment."""
    data = ws.document(rel).data
    if not isinstance(data, dict):
        raise InputError("a verification record must be a mapping", file=rel, pointer="")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ws.error(f"unknown field {unknown[0]!r}; expected {', '.join(_FIELDS)}", rel,
                       f"/{unknown[0]}")
    text = {k: _field(ws, data, k, rel, str) for k in
            ("consumer", "consumer_version", "provider", "provider_version", "outcome",
             "verified_at")}
    for key in ("consumer", "provider"):
        _check_name(text[key], key, rel, f"/{key}")
    for key in ("consumer_version", "provider_version"):
        _check_version(text[key], key.replace("_", " "), rel, f"/{key}")
    contract = _object(ws, data, "contract", rel, ("id", "version"))
    pact = _object(ws, data, "pact", rel, ("path", "sha256"))
    verifier = _object(ws, data, "verifier", rel, ("tool", "version"))
    pending = _field(ws, data, "pending", rel, bool)
    if text["outcome"] not in OUTCOMES:
        raise ws.error(f"outcome {text['outcome']!r} is not one of {', '.join(OUTCOMES)}",
                       rel, "/outcome")
    if not _SHA256.match(pact["sha256"]):
        raise ws.error("pact sha256 must be 64 lower-case hex digits", rel, "/pact/sha256")
    # The pact names the provider itself, or the contract the provider (an adapter) provides.
    allowed = [pact_path(text["consumer"], text["consumer_version"], name)
               for name in dict.fromkeys((text["provider"], contract["id"]))]
    if pact["path"] not in allowed:
        raise ws.error(f"pact path {pact['path']!r} does not match the record; expected "
                       f"{' or '.join(repr(a) for a in allowed)}", rel, "/pact/path")
    pact_provider = pact["path"].rsplit("/", 1)[-1][: -len(".json")]
    _check_name(pact_provider, "pact provider", rel, "/pact/path")
    try:
        verified_at = datetime.fromisoformat(text["verified_at"])
    except ValueError:
        verified_at = None
    if verified_at is None or verified_at.tzinfo is None:
        raise ws.error(f"verified_at {text['verified_at']!r} is not an ISO 8601 time with a "
                       "time zone; expected e.g. 2026-11-24T10:00:00+00:00", rel, "/verified_at")
    expected = record_path(text["provider"], text["provider_version"], text["consumer"],
                           text["consumer_version"], pact_provider, verified_at)
    if rel != expected:
        raise InputError(f"record stored at the wrong path; its content says {expected}",
                         file=rel)
    code = _object(ws, data, "code", rel, ("sha256",))["sha256"] if "code" in data else None
    if code is not None and not _SHA256.match(code):
        raise ws.error("code sha256 must be 64 lower-case hex digits", rel, "/code/sha256")
    properties = _schemathesis(ws, data, rel) if "schemathesis" in data else None
    if properties is not None and not properties["passed"] and text["outcome"] == "passed":
        raise ws.error("outcome is passed although schemathesis did not pass", rel,
                       "/outcome")
    return VerificationRecord(
        text["consumer"], text["consumer_version"], text["provider"], text["provider_version"],
        contract["id"], contract["version"], pact["path"], pact["sha256"], text["outcome"],
        verified_at, verifier["tool"], verifier["version"], pending, code, properties)


def _schemathesis(ws: Workspace, data: dict[str, Any], rel: str) -> dict[str, Any]:
    """The property-based tests of the run: contract, passed, operations, checks, cases,
    failures (their first lines)."""
    value = _field(ws, data, "schemathesis", rel, dict)
    keys = ("contract", "passed", "operations", "checks", "cases", "failures")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ws.error(f"unknown field {unknown[0]!r}; expected {', '.join(keys)}", rel,
                       f"/schemathesis/{unknown[0]}")
    found: dict[str, Any] = {
        "contract": _field(ws, value, "contract", rel, str, "/schemathesis"),
        "passed": _field(ws, value, "passed", rel, bool, "/schemathesis")}
    cases = value.get("cases")
    if not isinstance(cases, int) or isinstance(cases, bool) or cases < 0:
        raise ws.error(f"cases must be a count, found {cases!r}", rel, "/schemathesis/cases")
    found["cases"] = cases
    for key in _PROPERTY_LISTS:
        items = value.get(key)
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ws.error(f"{key} must be a list of strings, found {items!r}", rel,
                           f"/schemathesis/{key}")
        found[key] = items
    if found["passed"] == bool(found["failures"]):
        raise ws.error("passed must be true exactly when failures is empty", rel,
                       "/schemathesis/passed")
    return {k: found[k] for k in keys}


def load_records(ws: Workspace) -> list[VerificationRecord]:
    """Every verification record under ``verifications/``."""
    return [parse_record(ws, rel) for rel in ws.source.glob(VERIFICATIONS_DIR, "*")
            if not ws.source.is_dir(rel)]


def load(registry: Registry, ref: str | None = "HEAD"
         ) -> tuple[list[VerificationRecord], list[Pact]]:
    """Records and pacts as committed at ``ref`` (None: the working tree)."""
    ws = registry.workspace(ref)
    return load_records(ws), load_pacts(ws)


def contract_providers(ws: Workspace, pacts: Sequence[Pact]) -> dict[str, list[str]]:
    """Contract id -> the adapters its metadata registers as providers (possibly none), for
    each contract a pact names as provider (read at the same revision as the pacts, so an old
    answer uses the providers registered then). A pact provider that is no contract is a
    participant."""
    from ledgerpact.registry.catalog import find_entry

    providers: dict[str, list[str]] = {}
    for name in sorted({p.provider for p in pacts}):
        entry = find_entry(ws, name)
        if entry is not None:
            providers[name] = list(entry.meta.providers)
    return providers


def of_current_code(records: Sequence[VerificationRecord],
                    code: Mapping[str, tuple[str, str]]
                    ) -> tuple[list[VerificationRecord], list[str]]:
    """The records that vouch for the code the registry holds, and a line for each group
    left out. ``code``: adapter -> (its registered version, sha256 of its code there).

    A record verifies one adapter version *and* the code that was run (``code``). When the
    code of the registered version has changed since, the version number was reused for
    code nobody verified: such records do not count (the Pact Broker ties a verification
    to a commit in the same way). Records of other versions cannot be compared (their code
    is not in this revision) and records without a code hash have nothing to compare."""
    kept: list[VerificationRecord] = []
    dropped: dict[tuple[str, str, str], int] = {}
    for record in records:
        current = code.get(record.provider)
        if (current is not None and record.provider_version == current[0]
                and record.code_sha256 is not None and record.code_sha256 != current[1]):
            group = (record.provider, record.provider_version, record.code_sha256)
            dropped[group] = dropped.get(group, 0) + 1
            continue
        kept.append(record)
    notes = [f"{n} record{'s' if n != 1 else ''} of {provider} {version} verified other code "
             f"(sha256 {sha[:12]}) than the registry holds for that version "
             f"({code[provider][1][:12]}): not counted; verify this code, or give it a new "
             "version"
             for (provider, version, sha), n in sorted(dropped.items())]
    return kept, notes


def write_record(root: Path, record: VerificationRecord) -> Path:
    """Write ``record`` under the registry ``root`` at its conventional path, atomically (a
    half-written record would fail every later can-i-deploy); committing it is the caller's
    job. An existing record is never replaced: every verification is evidence."""
    rel = record_path(record.provider, record.provider_version, record.consumer,
                      record.consumer_version, record.pact_provider, record.verified_at)
    for value, what in ((record.consumer, "consumer"), (record.provider, "provider"),
                        (record.pact_provider, "pact provider")):
        _check_name(value, what, rel)
    for value, what in ((record.consumer_version, "consumer version"),
                        (record.provider_version, "provider version")):
        _check_version(value, what, rel)
    path = root / rel
    if path.exists():
        raise InputError("a verification record for this very time exists already; records "
                         "are never overwritten", file=rel)
    write_atomic(path, to_yaml(record.as_dict()))
    return path
