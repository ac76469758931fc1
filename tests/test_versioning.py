"""Semantic versioning from detected changes, compatibility modes against released versions,
and changelogs: the pure verdicts, then the real commands on real Git registries in temp dirs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ledgerpact.governance.diff.model import Bump, Change, Direction, Level
from ledgerpact.governance.diff.versioning import bump_between, check_version, next_version
from ledgerpact.registry.semver import Version
from tests.cli_helpers import commit_all, git, init_repo, run

XERO = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "xero"
V = Version.parse


def _change(level: Level, bump: Bump) -> Change:
    return Change("some-rule", level, Direction.RESPONSE, "changed", None, None, bump=bump)


@pytest.mark.parametrize(("old", "new", "made"), [
    ("1.2.3", "2.0.0", Bump.MAJOR), ("1.2.3", "1.3.0", Bump.MINOR),
    ("1.2.3", "1.2.4", Bump.PATCH), ("1.2.3", "1.2.3", None), ("1.2.3", "1.2.2", None),
    ("1.0.0-rc.1", "1.0.0", Bump.PATCH), ("1.9.0", "2.0.0-beta.1", Bump.MAJOR),
])
def test_bump_between(old: str, new: str, made: Bump | None) -> None:
    assert bump_between(V(old), V(new)) is made


def test_breaking_needs_major_additive_minor_other_patch() -> None:
    breaking = [_change(Level.BREAKING, Bump.MAJOR), _change(Level.INFO, Bump.MINOR)]
    assert not check_version(V("1.4.0"), V("1.5.0"), breaking).ok
    assert check_version(V("1.4.0"), V("2.0.0"), breaking).ok
    additive = [_change(Level.INFO, Bump.MINOR)]
    assert not check_version(V("1.4.0"), V("1.4.1"), additive).ok
    assert check_version(V("1.4.0"), V("1.5.0"), additive).ok
    other = [_change(Level.WARNING, Bump.PATCH)]
    assert not check_version(V("1.4.0"), V("1.4.0"), other).ok
    assert check_version(V("1.4.0"), V("1.4.1"), other).ok
    assert check_version(V("1.4.0"), V("1.4.0"), []).ok
    assert not check_version(V("1.4.0"), V("1.3.0"), []).ok


def test_zero_major_lines_take_breaking_changes_in_a_minor() -> None:
    breaking = [_change(Level.BREAKING, Bump.MAJOR)]
    assert check_version(V("0.3.1"), V("0.4.0"), breaking).ok
    assert not check_version(V("0.3.1"), V("0.3.2"), breaking).ok
    additive = [_change(Level.INFO, Bump.MINOR)]  # Cargo: 0.y.z takes additions in z
    assert check_version(V("0.3.1"), V("0.3.2"), additive).ok
    assert not check_version(V("0.3.1"), V("0.3.1"), additive).ok


def test_pre_releases_of_one_version_change_freely() -> None:
    breaking = [_change(Level.BREAKING, Bump.MAJOR)]
    assert check_version(V("2.0.0-rc.1"), V("2.0.0-rc.2"), breaking).ok
    assert check_version(V("2.0.0-rc.1"), V("2.0.0"), breaking).ok
    assert not check_version(V("2.0.0-rc.2"), V("2.0.0-rc.1"), breaking).ok
    assert not check_version(V("2.0.0"), V("2.0.1-rc.1"), breaking).ok
    assert str(next_version(V("0.3.1"), Bump.MAJOR)) == "0.4.0"
    assert str(next_version(V("1.3.1"), Bump.MAJOR)) == "2.0.0"


def test_message_says_what_was_expected() -> None:
    verdict = check_version(V("2.38.0"), V("2.39.0"), [_change(Level.BREAKING, Bump.MAJOR)])
    assert "expected at least 3.0.0" in verdict.message and "1 breaking" in verdict.message


needs_xero = pytest.mark.skipif(not XERO.is_dir(), reason="corpora not beside the checkout")


@needs_xero
def test_version_check_fails_xero_2_39_minor_release_that_removed_a_property() -> None:
    result = run("version", "check", XERO / "xero_accounting-2.38.0.yaml",
                 XERO / "xero_accounting-2.39.0.yaml", "--format", "json")
    assert result.returncode == 1, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["required"] == "major" and verdict["made"] == "minor"
    assert verdict["minimum"] == "3.0.0"
    removed = [c for c in verdict["changes"] if c["rule"] == "property-removed"
               and c["level"] == "breaking"]
    assert removed and removed[0]["base"]["pointer"] == \
        "/components/schemas/Contact/properties/SkypeUserName"


@needs_xero
def test_version_check_text_is_one_line_with_the_verdict() -> None:
    result = run("version", "check", XERO / "xero_accounting-2.38.0.yaml",
                 XERO / "xero_accounting-2.39.0.yaml")
    assert result.returncode == 1
    assert result.stdout.startswith("error: ") and "require a major bump" in result.stdout


# -- registries in Git: modes, transitivity, version check and changelog ----------------------

def _schema(props: dict[str, object], *, closed: bool = False) -> str:
    schema: dict[str, object] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ledgerpact.dev/contracts/schemas/party/party.schema.json",
        "title": "Party", "type": "object", "properties": props, "required": ["name"]}
    if closed:
        schema["additionalProperties"] = False
    return json.dumps(schema, indent=2) + "\n"


def _write(root: Path, mode: str, version: str, props: dict[str, object],
           closed: bool = False) -> None:
    folder = root / "contracts" / "schemas" / "party"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "party.schema.json").write_text(_schema(props, closed=closed))
    (folder / "contract.yaml").write_text(yaml.safe_dump({
        "id": "party", "title": "Party", "kind": "json-schema",
        "document": "party.schema.json", "version": version, "owners": ["@test/owners"],
        "lifecycle": "active", "compatibility": mode}, sort_keys=False))


def _release(root: Path, version: str) -> None:
    commit_all(root, f"party {version}")
    git(root, "tag", f"party/v{version}")


NAME = {"type": "string"}


def _history(tmp_path: Path, mode: str) -> Path:
    """Released while the contract's mode was NONE: v1.0.0 has ``name`` and ``code``; v1.1.0
    adds an optional ``note`` to the open model, which BACKWARD forbids (v1's writers may
    have sent any ``note``: Confluent's PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL). The working
    tree keeps v1.1.0's schema and adopts ``mode``: the history it must now answer for."""
    root = init_repo(tmp_path / "reg")
    _write(root, "NONE", "1.0.0", {"name": NAME, "code": {"type": "string"}})
    _release(root, "1.0.0")
    _write(root, "NONE", "1.1.0", {"name": NAME, "code": {"type": "string"}, "note": NAME})
    _release(root, "1.1.0")
    _write(root, mode, "1.1.1", {"name": NAME, "code": {"type": "string"}, "note": NAME})
    return root


def test_backward_checks_the_latest_release_only(tmp_path: Path) -> None:
    root = _history(tmp_path, "BACKWARD")
    result = run("compat", "party", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)[0]
    assert report["compatible"] and [c["version"] for c in report["checked"]] == ["1.1.0"]


def test_backward_transitive_checks_every_release(tmp_path: Path) -> None:
    root = _history(tmp_path, "BACKWARD_TRANSITIVE")
    result = run("compat", "party", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)[0]
    verdicts = {c["version"]: c["compatible"] for c in report["checked"]}
    assert verdicts == {"1.0.0": False, "1.1.0": True}
    bad = next(c for c in report["checked"] if c["version"] == "1.0.0")
    breaking = [c for c in bad["changes"] if c["level"] == "breaking"]
    assert {c["direction"] for c in breaking} == {"subscribe"}
    assert breaking[0]["revision"]["pointer"].startswith("/properties/note")
    text = run("compat", "party", cwd=root)
    assert "INCOMPATIBLE with 1.0.0" in text.stdout and text.returncode == 1


def test_compat_judges_history_by_the_mode_in_force_now(tmp_path: Path) -> None:
    """Releases made under NONE are checked under today's mode: the policy is the
    contract's current one (a pull request changing it is judged by ``check``/``diff``
    under the base's mode instead)."""
    root = _history(tmp_path, "FULL_TRANSITIVE")
    report = json.loads(run("compat", "party", "--format", "json", cwd=root).stdout)[0]
    assert report["mode"] == "FULL_TRANSITIVE" and not report["compatible"]


def test_none_lists_changes_but_nothing_breaks(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "NONE", "1.0.0", {"name": NAME, "code": NAME})
    _release(root, "1.0.0")
    _write(root, "NONE", "1.0.1", {"name": NAME, "code": {"type": "integer"}})
    result = run("compat", "party", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stdout
    changes = [c for r in json.loads(result.stdout)[0]["checked"] for c in r["changes"]]
    assert changes and all(c["level"] != "breaking" for c in changes)


def test_forward_and_closed_content_model(tmp_path: Path) -> None:
    """Adding an optional property: harmless to old readers of an open model; an old reader
    of a closed model (additionalProperties: false) rejects the new data."""
    for closed, compatible in ((False, True), (True, False)):
        root = init_repo(tmp_path / f"reg-{closed}")
        _write(root, "FORWARD", "1.0.0", {"name": NAME}, closed=closed)
        _release(root, "1.0.0")
        _write(root, "FORWARD", "1.1.0", {"name": NAME, "note": NAME}, closed=closed)
        result = run("compat", "party", "--format", "json", cwd=root)
        report = json.loads(result.stdout)[0]
        assert report["compatible"] is compatible, (closed, result.stdout)
        assert result.returncode == (0 if compatible else 1)


def test_version_check_against_latest_release_and_base_ref(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "FULL", "1.0.0", {"name": NAME, "code": NAME})
    _release(root, "1.0.0")
    _write(root, "FULL", "1.1.0", {"name": NAME})  # removed a property: breaking one way
    result = run("version", "check", "party", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "expected at least 2.0.0" in result.stdout
    _write(root, "FULL", "2.0.0", {"name": NAME})
    assert run("version", "check", "party", cwd=root).returncode == 0
    assert run("version", "check", "party", "--base", "party/v1.0.0", cwd=root).returncode == 0
    commit_all(root, "2.0.0")
    same = run("version", "check", "party", "--base", "HEAD", "--format", "json", cwd=root)
    assert same.returncode == 0 and json.loads(same.stdout)["required"] == "none"


def test_version_check_without_releases_asks_for_a_base(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "FULL", "1.0.0", {"name": NAME})
    commit_all(root, "first")
    result = run("version", "check", "party", cwd=root)
    assert result.returncode == 2
    assert "no releases yet" in result.stderr and "Traceback" not in result.stderr


def test_changelog_section_from_detected_changes(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "FULL", "1.0.0", {"name": NAME, "code": NAME})
    _release(root, "1.0.0")
    _write(root, "FULL", "2.0.0", {"name": NAME, "email": NAME})
    _release(root, "2.0.0")
    result = run("changelog", "party", "1.0.0..2.0.0", cwd=root)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("## [2.0.0] - ")
    assert "### Removed" in text and "**BREAKING** property 'code' removed" in text
    assert "### Added" in text and "'email'" in text
    out = tmp_path / "CHANGES.md"
    assert run("changelog", "party", "1.0.0..2.0.0", "-o", out, cwd=root).returncode == 0
    assert out.read_text() == text
    # The working tree by default, from the latest release: nothing changed since.
    assert "No changes" in run("changelog", "party", cwd=root).stdout


def test_changelog_bad_range_is_a_usage_error(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "FULL", "1.0.0", {"name": NAME})
    _release(root, "1.0.0")
    result = run("changelog", "party", "1.0.0", cwd=root)
    assert result.returncode == 2 and "FROM..TO" in result.stderr


def test_version_check_every_contract_since_a_ref(tmp_path: Path) -> None:
    """What a pull request runs: every contract that existed at the base ref."""
    root = init_repo(tmp_path / "reg")
    _write(root, "FULL", "1.0.0", {"name": NAME, "code": NAME})
    commit_all(root, "first")
    git(root, "branch", "base")
    _write(root, "FULL", "1.0.1", {"name": NAME})  # removal: a patch is not enough
    result = run("version", "check", "--base", "base", "--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr
    [verdict] = json.loads(result.stdout)
    assert verdict["revision"] == "party (working tree)" and verdict["minimum"] == "2.0.0"
    assert "error: party (working tree)" in run("version", "check", "--base", "base",
                                                 cwd=root).stdout
    assert run("version", "check", cwd=root).returncode == 2  # no ID and no --base


def test_weakening_the_mode_in_the_same_change_does_not_let_a_break_through(
        tmp_path: Path) -> None:
    """A pull request that sets NONE and removes a property at once is judged under the
    base's FULL mode; the mode change is itself reported; semver still wants a major."""
    root = init_repo(tmp_path / "reg")
    _write(root, "FULL", "1.0.0", {"name": NAME, "code": NAME})
    _release(root, "1.0.0")
    _write(root, "NONE", "1.0.1", {"name": NAME})
    diff = run("diff", "party@1.0.0", "party", "--format", "json", cwd=root)
    assert diff.returncode == 1, diff.stdout + diff.stderr
    changes = json.loads(diff.stdout)["changes"]
    mode = [c for c in changes if c["rule"] == "compatibility-mode-changed"]
    assert mode and "weakened from FULL to NONE" in mode[0]["message"]
    assert mode[0]["revision"]["pointer"] == "/compatibility"
    assert any(c["level"] == "breaking" and c["rule"].startswith("property-removed")
               for c in changes)
    version = run("version", "check", "party", cwd=root)
    assert version.returncode == 1 and "expected at least 2.0.0" in version.stdout
    # compat judges the release history by the mode now in force (NONE): once merged, the
    # weaker policy is the policy; the pull request itself was judged under FULL above.
    assert run("compat", "party", cwd=root).returncode == 0


def test_under_none_nothing_breaks_but_semver_still_counts(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "reg")
    _write(root, "NONE", "1.0.0", {"name": NAME, "code": NAME})
    _release(root, "1.0.0")
    _write(root, "NONE", "1.0.1", {"name": NAME})
    assert run("compat", "party", cwd=root).returncode == 0
    version = run("version", "check", "party", "--format", "json", cwd=root)
    assert version.returncode == 1 and json.loads(version.stdout)["required"] == "major"
