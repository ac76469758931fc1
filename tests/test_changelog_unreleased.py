"""`ledgerpact changelog`: the heading of changes made after a release without a version bump
(Keep a Changelog's ``[Unreleased]``), ranges that go backwards, and names from contracts
escaped -- the installed command on real Git registries in temp dirs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.cli_helpers import commit_all, git, init_repo, run, write_metadata

SPEC = """\
openapi: 3.1.0
info: {title: Payables, version: VERSION}
paths:
  /invoices:
    get:
      operationId: listInvoices
      responses:
        "200":
          description: The invoices.
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
"""
HOSTILE = "x`y*_[a](http://e.vil)"


def _write(root: Path, version: str, *extra: str) -> None:
    """``payables`` at ``version``, its response with an optional property per ``extra``."""
    folder = root / "contracts" / "payables"
    text = SPEC.replace("VERSION", version) + "".join(
        f"                  {json.dumps(name)}: {{type: string}}\n" for name in extra)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.yaml").write_text(text)
    write_metadata(folder, "payables", "openapi", "openapi.yaml")


def _released(tmp_path: Path) -> Path:
    """1.0.0 released, then 1.1.0 (``status`` added) released; nothing since."""
    root = init_repo(tmp_path / "reg")
    _write(root, "1.0.0")
    commit_all(root, "1.0.0")
    git(root, "tag", "payables/v1.0.0")
    _write(root, "1.1.0", "status")
    commit_all(root, "1.1.0")
    git(root, "tag", "payables/v1.1.0")
    return root


def _ok(*args: str | Path, cwd: Path) -> str:
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_changes_after_a_release_without_a_bump_are_unreleased(tmp_path: Path) -> None:
    root = _released(tmp_path)
    _write(root, "1.1.0", "status", "note")  # changed, still 1.1.0: released already
    text = _ok("changelog", "payables", cwd=root)
    assert text.startswith("## [Unreleased]\n\nChanges to `payables` since payables@1.1.0.\n")
    assert "## [1.1.0]" not in text
    assert text.endswith("### Added\n\n- property 'note' added [response] at "
                         "/paths/\\~1invoices/get/responses/200/content/application\\~1json/"
                         "schema/properties/note (GET /invoices)\n")
    data = json.loads(_ok("changelog", "payables", "--format", "json", cwd=root))
    assert (data["version"], data["unreleased"], data["date"]) == ("1.1.0", True, None)
    out = tmp_path / "CHANGES.md"
    said = _ok("changelog", "payables", "-o", out, cwd=root)
    assert said == f"wrote the Unreleased section (1 changes) to {out}\n"
    assert out.read_text() == text


def test_a_bumped_version_not_yet_released_heads_its_section(tmp_path: Path) -> None:
    root = _released(tmp_path)
    _write(root, "1.2.0", "status", "note")
    text = _ok("changelog", "payables", cwd=root)
    assert text.startswith(f"## [1.2.0] - {dt.date.today().isoformat()}\n")
    data = json.loads(_ok("changelog", "payables", "--format", "json", cwd=root))
    assert (data["version"], data["unreleased"]) == ("1.2.0", False)


def test_a_ref_after_its_release_is_unreleased_and_before_it_is_its_version(
        tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "1.0.0")
    commit_all(root, "1.0.0")
    git(root, "tag", "payables/v1.0.0")
    _write(root, "1.1.0", "status")
    prepared = commit_all(root, "1.1.0 prepared")  # before its release: on its way there
    (root / "README.md").write_text("payables\n")
    commit_all(root, "readme")
    git(root, "tag", "payables/v1.1.0")
    _write(root, "1.1.0", "status", "note")
    commit_all(root, "note, no bump")
    assert _ok("changelog", "payables", "1.0.0..1.1.0", cwd=root).startswith("## [1.1.0] - ")
    assert _ok("changelog", "payables", f"1.0.0..{prepared}", cwd=root).startswith(
        "## [1.1.0] - ")
    after = _ok("changelog", "payables", "1.1.0..main", cwd=root)
    assert after.startswith("## [Unreleased]\n")
    assert "property 'note' added" in after


def test_nothing_changed_since_the_release_is_an_empty_unreleased_section(
        tmp_path: Path) -> None:
    root = _released(tmp_path)
    text = _ok("changelog", "payables", cwd=root)
    assert text.startswith("## [Unreleased]\n") and "No changes to the contract." in text


def test_a_backwards_range_is_refused(tmp_path: Path) -> None:
    root = _released(tmp_path)
    out = tmp_path / "CHANGES.md"
    result = run("changelog", "payables", "1.1.0..1.0.0", "-o", out, cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr == (
        "error: 1.1.0..1.0.0: the range goes backwards: payables@1.1.0 is version 1.1.0, "
        "later than payables@1.0.0 (1.0.0); give the older version first\n")
    assert not out.exists()
    _write(root, "1.0.1", "status")  # the working tree older than the latest release
    behind = run("changelog", "payables", cwd=root)
    assert behind.returncode == 2 and "the range goes backwards" in behind.stderr


def test_names_from_the_contract_are_escaped(tmp_path: Path) -> None:
    """A property name holding markdown renders as text: no live link, no code span cut
    short (each markdown character escaped, as ``diff --format markdown`` escapes it)."""
    root = _released(tmp_path)
    _write(root, "1.2.0", "status", HOSTILE)
    text = _ok("changelog", "payables", cwd=root)
    entry = next(line for line in text.splitlines() if line.startswith("- "))
    name = "x\\`y\\*\\_\\[a\\](http:"  # every markdown character escaped
    assert entry == (f"- property '{name}//e.vil)' added [response] at /paths/\\~1invoices/"
                     "get/responses/200/content/application\\~1json/schema/properties/"
                     f"{name}\\~1\\~1e.vil) (GET /invoices)")
    # the diff's markdown report escapes the same message the same way
    diff = _ok("diff", "payables@1.1.0", "payables", "--format", "markdown", cwd=root)
    assert f"| property '{name}//e.vil)' added |" in diff
