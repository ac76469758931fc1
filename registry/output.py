"""Writing results: machine formats, plain tables, and files that are never half-written."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import yaml

from ledgerpact.registry.errors import InputError
from ledgerpact.registry.loader import CORE_SCHEMA

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


class _NoAliasDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Bundles share unchanged sub-trees with their sources; YAML must not turn that into
    anchors and aliases, which many consumers of a bundle refuse.

    A string is written plain only when no reader would take it for anything else. PyYAML
    decides that by YAML 1.1's rules, but the registry (and any YAML 1.2 tool) reads by the
    1.2 core schema, where ``0088``, ``1e3`` and ``0o17`` are numbers: written plain, a
    bundled identifier scheme or an approval's reason would come back as a number. So a
    string either schema would resolve to another type is quoted."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_NoAliasDumper.yaml_implicit_resolvers = {
    first: list(resolvers) for first, resolvers in _Dumper.yaml_implicit_resolvers.items()}
for _tag, _pattern, _first in CORE_SCHEMA:
    for _char in [*_first, ""] if _tag.endswith("null") else _first:
        _NoAliasDumper.yaml_implicit_resolvers.setdefault(_char, []).append(
            (_tag, re.compile(_pattern)))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # money stays exact: a decimal string, never a float
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any) -> str:
    """Indented JSON; orjson because the stdlib's indenting encoder is pure Python and costs
    five times the parse on a multi-megabyte bundle."""
    try:
        raw = orjson.dumps(data, default=_json_default,
                           option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:
        if "64-bit" not in str(exc):
            raise
        # JSON and YAML allow integers of any size; orjson stops at 64 bits, the standard
        # library does not (and writes the same layout).
        return json.dumps(data, default=_json_default, indent=2, ensure_ascii=False) + "\n"
    return raw.decode("utf-8") + "\n"


def to_yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True,
                          width=100)
    return text


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return "\n".join(lines) + "\n"


def _cannot_write(path: Path, exc: OSError) -> InputError:
    """An OS error while writing output, as the one-line input error it is (a path the user
    chose), saying why in words: "x is a file, not a directory" beats "File exists"."""
    reason = exc.strerror or str(exc)
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                reason = f"{parent} is a file, not a directory"
            break
    return InputError(f"cannot write the output here: {reason}", file=str(path))


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def _file_mode(path: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what a
    plain ``open()`` would give. ``mkstemp`` makes its file private (0600), and a report
    that CI or a colleague must read would otherwise turn unreadable on the first rewrite."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_atomic(path: Path, text: str) -> None:
    """Write all or nothing: a crash or error never leaves a truncated file behind."""
    import tempfile  # imported here: most commands print and never write a file

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), _file_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise


def write_tree_atomic(target: Path, files: dict[str, bytes]) -> None:
    """Write a set of files under ``target`` (which must not exist yet, or be an empty
    directory) all at once."""
    import shutil
    import tempfile

    try:
        if target.is_dir() and any(target.iterdir()):
            raise InputError("output directory exists and is not empty", file=str(target))
        if target.exists() and not target.is_dir():
            raise InputError("output path exists and is not a directory", file=str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        for rel, data in files.items():
            out = staging / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        staging.chmod(0o777 & ~_umask())  # mkdtemp's folder is private (0700)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _cannot_write(target, exc) from None
        raise
