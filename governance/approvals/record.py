"""Approval records: one YAML file per decision, reviewed in the pull request like any file.

A record lives at ``governance/approvals/<contract-id>/<date>-<base>-<revision>.yaml`` (the
first 8 hex digits of each content hash) and reads::

    contract: erp-finance
    approver: '@amara'
    date: '2025-11-24'
    reason: Consumers moved to /v2/invoice-postings in Q3 (INC-4411).
    base:
      label: main
      commit: 3f2a9c1...
      hash: sha256:ab12...
    revision:
      hash: sha256:cd34...
    breaking:
      - rule: path-removed
        file: contracts/erp-finance/openapi.yaml
        pointer: /paths/~1invoice-postings
        message: path '/invoice-postings' removed

Files, not a database or a PR label: the decision travels with the change it approves, shows
in the diff a reviewer reads, and stays in the history for ever (Buf keeps such a log only in
its paid service). A record is never rewritten: a new decision is a new file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ledgerpact.governance.approvals.codeowners import OWNER_HANDLE
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import Document

APPROVALS_DIR = "governance/approvals"
_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOP = ("contract", "approver", "date", "reason", "base", "revision", "breaking")


@dataclass(frozen=True)
class ApprovedChange:
    """One breaking change as the approver saw it."""

    rule: str
    file: str
    pointer: str
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the change across runs (the message may be reworded)."""
        return (self.rule, self.file, self.pointer)


@dataclass(frozen=True)
class ApprovalRecord:
    contract: str
    approver: str  # a person's handle, e.g. "@amara"
    date: str  # YYYY-MM-DD
    reason: str
    base_label: str  # the ref approve compared against, as typed ("main", "origin/main")
    base_commit: str  # the commit it named then ("" when unknown)
    base_hash: str
    revision_hash: str
    breaking: tuple[ApprovedChange, ...]
    path: str = ""  # where the record is, relative to the registry root


def folder_for(contract_id: str) -> str:
    return f"{APPROVALS_DIR}/{contract_id}"


def file_name(date: str, base_hash: str, revision_hash: str, n: int = 1) -> str:
    """``<date>-<base8>-<rev8>.yaml``; ``n`` > 1 for a further decision on the same day and
    content (a second approver), so no record is ever overwritten."""
    stem = f"{date}-{_short(base_hash, 8)}-{_short(revision_hash, 8)}"
    return f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml"


def _short(content_hash: str, n: int) -> str:
    return content_hash.removeprefix("sha256:")[:n]


def short_hash(content_hash: str) -> str:
    """How messages show a hash: enough to tell two apart, short enough to read."""
    return f"sha256:{_short(content_hash, 12)}..."


def render(record: ApprovalRecord) -> str:
    """The record file's text: a header saying what it is, then the fields."""
    from ledgerpact.registry.output import to_yaml

    header = (
        f"# Approval of breaking changes to {record.contract}, recorded by `ledgerpact approve`.\n"
        "# It counts while both content hashes match the change under review and the approver\n"
        "# owns the contract or is an architect; commit it with the approver's own Git identity\n"
        "# (an e-mail listed for them in governance/teams.yaml). Never edit it: record anew.\n"
    )
    base: dict[str, str] = {"label": record.base_label}
    if record.base_commit:
        base["commit"] = record.base_commit
    base["hash"] = record.base_hash
    data = {
        "contract": record.contract,
        "approver": record.approver,
        "date": record.date,
        "reason": record.reason,
        "base": base,
        "revision": {"hash": record.revision_hash},
        "breaking": [{"rule": c.rule, "file": c.file, "pointer": c.pointer,
                      "message": c.message} for c in record.breaking],
    }
    return header + to_yaml(data)


def parse_record(doc: Document) -> ApprovalRecord:
    """A record from its parsed file; anything missing or malformed is an ``InputError`` at
    the field that has it."""
    data = doc.data
    if not isinstance(data, dict):
        raise _error(doc, "", f"an approval record must be a mapping ({', '.join(_TOP)})")
    unknown = sorted(set(data) - set(_TOP))
    if unknown:
        raise _error(doc, "/" + jp.escape(unknown[0]),
                     f"unknown field {unknown[0]!r} (expected: {', '.join(_TOP)})")
    for key in _TOP:
        if key not in data:
            raise _error(doc, "", f"missing required field {key!r}")
    contract = _text(doc, data, "/contract")
    approver = _text(doc, data, "/approver")
    if not OWNER_HANDLE.fullmatch(approver) or "/" in approver:
        raise _error(doc, "/approver", f"approver {approver!r} must be a person's handle "
                     "such as '@amara' (a team cannot approve: a person does)")
    date = _text(doc, data, "/date")
    if not _DATE.fullmatch(date) or not _is_date(date):
        raise _error(doc, "/date", f"date {date!r} must be a YYYY-MM-DD date")
    reason = _text(doc, data, "/reason")
    base = _mapping(doc, data, "/base", required=("label", "hash"), optional=("commit",))
    revision = _mapping(doc, data, "/revision", required=("hash",), optional=())
    for at, value in (("/base/hash", base["hash"]), ("/revision/hash", revision["hash"])):
        if not _HASH.fullmatch(value):
            raise _error(doc, at, f"{value!r} is not a content hash ('sha256:' and 64 hex "
                         "digits)")
    breaking = data["breaking"]
    if not isinstance(breaking, list) or not breaking:
        raise _error(doc, "/breaking", "breaking must list the approved changes")
    changes = []
    for i, _ in enumerate(breaking):
        item = _mapping(doc, data, f"/breaking/{i}", required=("rule", "pointer", "message"),
                        optional=("file",), may_be_empty=("pointer",))
        changes.append(ApprovedChange(item["rule"], item.get("file", ""), item["pointer"],
                                      item["message"]))
    return ApprovalRecord(contract, approver, date, reason, base["label"],
                          base.get("commit", ""), base["hash"], revision["hash"],
                          tuple(changes), doc.path)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _get(data: Any, at: str) -> Any:
    for token in at.strip("/").split("/"):
        data = data[int(token)] if isinstance(data, list) else data[jp.unescape(token)]
    return data


def _text(doc: Document, data: Any, at: str) -> str:
    value = _get(data, at)
    if not isinstance(value, str) or not value.strip():
        raise _error(doc, at, f"{at.rsplit('/', 1)[-1]} must be a non-empty string")
    return value


def _mapping(doc: Document, data: Any, at: str, required: tuple[str, ...],
             optional: tuple[str, ...], may_be_empty: tuple[str, ...] = ()) -> dict[str, str]:
    value = _get(data, at)
    if not isinstance(value, dict):
        raise _error(doc, at, f"expected a mapping with {', '.join(required)}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        raise _error(doc, f"{at}/{jp.escape(unknown[0])}", f"unknown field {unknown[0]!r} "
                     f"(expected: {', '.join((*required, *optional))})")
    for key in required:
        if key not in value:
            raise _error(doc, at, f"missing required field {key!r}")
    out = {}
    for key in value:
        where = f"{at}/{jp.escape(key)}"
        if key in may_be_empty and value[key] == "":
            out[key] = ""  # the document's root: a pointer may be empty
        else:
            out[key] = _text(doc, data, where)
    return out


def _error(doc: Document, pointer: str, message: str) -> InputError:
    return InputError(message, file=doc.path, pointer=pointer, line=doc.line_of(pointer) or 1)
