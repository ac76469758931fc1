"""Writing generated packages into ``--out``: everything or nothing.

A new or empty ``--out`` is written the way ``registry get --out`` writes (one rename of a
staged folder). An existing folder may hold other things (an adapter's own code beside its
committed models): each generated package folder is staged beside its final place and renamed
into it, and a package folder already there is replaced only when asked and only when it is
generated code itself, never an adapter's hand-written package that happens to share the name.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ledgerpact.generators.models.header import GENERATED_LINE, read_header
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.output import write_tree_atomic


def _is_generated(path: Path) -> bool:
    """A package folder whose ``__init__.py`` has the generated header, or a file (the
    ``pyproject.toml`` of a generated package) whose first line says it was generated."""
    try:
        if path.is_dir():
            init = path / "__init__.py"
            return init.is_file() and read_header(init.read_text(encoding="utf-8")) is not None
        with path.open(encoding="utf-8") as handle:
            return GENERATED_LINE in handle.readline()
    except (OSError, UnicodeDecodeError):
        return False


def write_output(out: Path, files: dict[str, bytes], *, replace: bool = False) -> None:
    """Write ``files`` (paths relative to ``out``) so that an error leaves ``out`` as it was."""
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        write_tree_atomic(out, files)
        return
    if not out.is_dir():
        raise InputError("output path exists and is not a directory", file=str(out))
    tops = sorted({rel.split("/", 1)[0] for rel in files})
    for top in tops:
        target = out / top
        if not target.exists():
            continue
        if not replace:
            raise InputError(f"{top} already exists in the output directory (use --replace to "
                             "regenerate it)", file=str(out))
        if not _is_generated(target):
            raise InputError(f"{top} is not generated code; refusing to replace it",
                             file=str(target))
    try:
        staging = Path(tempfile.mkdtemp(prefix=".ledgerpact-", dir=out))
    except OSError as exc:
        raise InputError(f"cannot write the output here: {exc.strerror or exc}",
                         file=str(out)) from None
    placed: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # (old copy in staging, its place)
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for top in tops:
            target = out / top
            if target.exists():
                os.replace(target, staging / f".old-{top}")
                kept.append((staging / f".old-{top}", target))
            os.replace(staging / top, target)
            placed.append(target)
    except BaseException as exc:
        for target in placed:  # put back what was there before
            shutil.rmtree(target, ignore_errors=True)
        for old, target in kept:
            os.replace(old, target)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the output here: {exc.strerror or exc}",
                             file=str(out)) from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
