"""Diffing documents written in a test: each side is a real file in a temp dir."""

from __future__ import annotations

from pathlib import Path

from ledgerpact.governance.diff.model import Change
from ledgerpact.governance.diff.run import diff_sides
from ledgerpact.governance.diff.sides import side_from_file


def diff_texts(tmp_path: Path, base: str, revision: str, suffix: str = ".yaml") -> list[Change]:
    (tmp_path / "base").mkdir(exist_ok=True)
    (tmp_path / "revision").mkdir(exist_ok=True)
    b = tmp_path / "base" / f"contract{suffix}"
    r = tmp_path / "revision" / f"contract{suffix}"
    b.write_text(base)
    r.write_text(revision)
    return diff_files(b, r)


def diff_files(base: Path, revision: Path) -> list[Change]:
    return diff_sides(side_from_file(str(base)), side_from_file(str(revision)))
