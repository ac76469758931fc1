"""Every ``--help`` example is a command line that works.

A user copies examples from ``--help`` verbatim, so each example line must be one the CLI
parses (click's own parser: no usage error), and the cheap, offline ones must run verbatim
from the root of a fresh clone of this repository and end in 0 (clean) or 1 (findings),
never 2 (usage or input error) and never a traceback. The clone carries the registry's
releases (Git tags ``<id>/v<semver>``) because examples name them (``erp-finance@1.0.0``,
``version check money``): tags the repository already has are used as they are; missing
ones (a checkout made before the tags were pushed) are made at the same commits as the
repository's own, annotated with the message ``ledgerpact registry release`` writes (see
``RELEASES``).

Not run, only parsed: ``simulate`` and ``verify`` (they start servers), lines that are not
``ledgerpact`` commands (``curl``, ``pip install``), and lines reading ``../shared`` when the
shared corpora are not beside the checkout. Absolute ``/tmp/`` output paths are moved into
the test's temp dir so runs never collide or leave files behind.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import yaml

from ledgerpact.registry.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BIN = Path(sys.executable).parent

# The commit on which erp-finance, invoice-automation and tax-engine were last at 1.0.0
# (the next commit, 4cf9950, bumped them to 1.1.0).
LAST_1_0_0 = "031bf9cb6650a49cedee5208c149fe0d19b3b73e"
# Every release the examples may name: tag -> commit ("HEAD" = the clone's HEAD, where the
# contract has been 1.0.0 since it was added). 1.1.0 of the three bumped contracts is left
# unreleased, so `registry release erp-finance` has something to release.
BUMPED = ("erp-finance", "invoice-automation", "tax-engine")
NEVER_BUMPED = ("finance-events", "netsuite-rest", "sap-s4hana-odata", "approval-state",
                "common", "credit-note", "event-envelope", "goods-receipt", "invoice",
                "journal-entry", "match-result", "money", "party", "payment", "problem",
                "purchase-order", "reference-data", "supplier")
RELEASES = {**{f"{c}/v1.0.0": LAST_1_0_0 for c in BUMPED},
            **{f"{c}/v1.0.0": "HEAD" for c in NEVER_BUMPED}}

SERVERS = ("simulate", "verify")  # start servers: parsed, never run here
SHELL_OPERATORS = {">", ">>", "|", "&", "&&", ";", "2>", "<"}


def _commands(cmd: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...],
                                                                             click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name=" ".join(path))
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None, f"{' '.join(path)} lists {name} but cannot load it"
            yield from _commands(sub, (*path, name))


def example_lines(help_text: str) -> list[str]:
    """The lines of the help's ``Example:`` block, continuation lines (``\\``) joined."""
    lines, block = [], False
    for raw in help_text.splitlines():
        stripped = raw.strip()
        if re.fullmatch(r"Examples?:", stripped):
            block = True
            continue
        if block and not stripped:
            block = False
        if block:
            if lines and lines[-1].endswith("\\"):
                lines[-1] = lines[-1][:-1].rstrip() + " " + stripped
            else:
                lines.append(stripped)
    return lines


def _all_examples() -> list[tuple[str, str]]:
    found = []
    for path, cmd in _commands(main, ("ledgerpact",)):
        text = cmd.get_help(click.Context(cmd, info_name=" ".join(path)))
        found += [(" ".join(path), line) for line in example_lines(text)
                  if line.startswith("ledgerpact ")]
    return found


EXAMPLES = _all_examples()
# Offline but not cheap (every contract generated: ~15 s); parsed, not run.
SLOW = {"ledgerpact generate models --all --out build/models"}
# Examples known not to run yet (xfail, strict: an entry must go once its example runs).
PENDING: dict[str, str] = {}  # example line -> why it cannot run yet (none now)


def _cases(examples: list[tuple[str, str]]) -> list[object]:
    """One case per distinct line (`registry validate` is in two helps: it runs once), the
    PENDING ones expected to fail."""
    first: dict[str, str] = {}
    for where, line in examples:
        first.setdefault(line, where)
    examples = [(where, line) for line, where in first.items()]
    return [pytest.param(where, line, marks=pytest.mark.xfail(reason=PENDING[line], strict=True))
            if line in PENDING else pytest.param(where, line) for where, line in examples]


def argv_of(line: str) -> list[str]:
    """The ledgerpact arguments of an example: comments dropped, stopped at a redirection
    or pipe (what the shell, not the CLI, reads)."""
    words = shlex.split(line, comments=True)
    for i, word in enumerate(words):
        if word in SHELL_OPERATORS:
            words = words[:i]
            break
    assert words[0] == "ledgerpact", line
    return words[1:]


def _leading_args(ctx: click.Context) -> list[str]:
    """The subcommand name and what precedes ``ctx.args`` (click 8.2 renamed the attribute
    that holds them and deprecated the old name)."""
    held = ctx.__dict__.get("_protected_args")
    return list(held if held is not None else ctx.protected_args)


def parse(args: list[str]) -> click.Command:
    """Parse ``args`` with click's parser down to the leaf command, running nothing."""
    cmd: click.Command = main
    ctx: click.Context | None = None
    name = "ledgerpact"
    while True:
        ctx = cmd.make_context(name, list(args), parent=ctx)
        if not isinstance(cmd, click.Group):
            return cmd
        rest = [*_leading_args(ctx), *ctx.args]
        sub_name, sub, args = cmd.resolve_command(ctx, rest)
        assert sub is not None and sub_name is not None
        cmd, name = sub, sub_name


def test_every_command_has_examples() -> None:
    """The walk finds the commands (a lazily loaded group that lost one would skip it)."""
    commands = {where for where, _ in EXAMPLES}
    for expected in ("ledgerpact registry get", "ledgerpact diff", "ledgerpact can-i-deploy",
                     "ledgerpact version check", "ledgerpact changelog", "ledgerpact rules",
                     "ledgerpact lint", "ledgerpact generate models", "ledgerpact ubl read"):
        assert expected in commands


@pytest.mark.parametrize(("where", "line"), EXAMPLES)
def test_example_parses(where: str, line: str) -> None:
    try:
        parse(argv_of(line))
    except click.UsageError as exc:
        pytest.fail(f"{where} --help example does not parse: {line}\n  {exc.format_message()}")


def test_pending_examples_are_still_there() -> None:
    """An entry of PENDING whose example was corrected must go, or it would hide nothing
    but linger."""
    lines = {line for _, line in EXAMPLES}
    assert [line for line in PENDING if line not in lines] == []


def test_continuation_lines_are_joined() -> None:
    """A backslash-newline in a help example stays a shell continuation on its own line
    (a non-raw docstring's ``\\`` joins the lines before click ever sees them)."""
    ctx = click.Context(main)
    cmd = main.get_command(ctx, "can-i-deploy")
    assert cmd is not None
    text = cmd.get_help(click.Context(cmd, info_name="ledgerpact can-i-deploy"))
    assert re.search(r"--version 1\.0\.0 \\\n\s+--provider-version", text), text
    assert any("--provider-version" in line and line.startswith("ledgerpact can-i-deploy")
               for line in example_lines(text))


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True, env=env).stdout


def _clone(base: Path, name: str) -> Path:
    """A fresh clone of this repository (with its tags), ../shared beside it as in the
    checkout, and the releases the examples name."""
    target = base / name / "ledgerpact"
    target.parent.mkdir(parents=True)
    _git(base, "clone", "-q", str(REPO), str(target))
    if SHARED.is_dir():
        (target.parent / "shared").symlink_to(SHARED)
    tags = set(_git(target, "tag", "--list").split())
    has_history = subprocess.run(["git", "cat-file", "-e", f"{LAST_1_0_0}^{{commit}}"],
                                 cwd=target, capture_output=True, check=False).returncode == 0
    if not has_history and not set(RELEASES) <= tags:
        pytest.skip(f"history without {LAST_1_0_0[:10]} (a shallow clone): the 1.0.0 "
                    "releases cannot be made")
    for tag, commit in RELEASES.items():
        if tag not in tags:
            contract, _, version = tag.partition("/v")
            _git(target, "tag", "-a", tag, "-m", f"Release {contract} {version}", commit)
    return target


@pytest.fixture(scope="module")
def shared_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clone the examples that change nothing but their own output files share."""
    return _clone(tmp_path_factory.mktemp("help-examples"), "shared")


def _skip_reason(line: str) -> str | None:
    """Why the example is not run here, or None when it is."""
    args = argv_of(line)
    if args[0] in SERVERS:
        return "starts a server"
    if line in SLOW:
        return "slow (~15 s): parsed only"
    if "../shared/" in line and not SHARED.is_dir():
        return "needs ../shared beside the checkout"
    if "| jq" in line and shutil.which("jq") is None:
        return "needs jq"
    return None


def _break_contracts(clone: Path) -> None:
    """A breaking change to money (and so to erp-finance, which $refs it) in the working
    tree: what `approve` exists for, and without which it refuses (exit 2) by design."""
    path = clone / "contracts" / "schemas" / "money" / "money.schema.json"
    schema = json.loads(path.read_text())
    schema["properties"]["valueDate"] = {"type": "string", "format": "date"}
    schema["required"].append("valueDate")
    path.write_text(json.dumps(schema, indent=2) + "\n")


def _context(shared: Path, own: Path, args: list[str]) -> tuple[Path, dict[str, str]]:
    """The clone and extra environment an example runs in: the shared clone, or one of its
    own where the example changes the repository (a release tag, an approval record)."""
    if args[0] == "approve":
        clone = _clone(own, "approve")
        _break_contracts(clone)
        return clone, {"GIT_AUTHOR_EMAIL": "amara@ledgerpact.dev"}  # an architect
    if args[:2] == ["registry", "release"] and "--dry-run" not in args:
        return _clone(own, "release"), {}
    return shared, {}


@pytest.mark.parametrize(("where", "line"), _cases(EXAMPLES))
def test_example_runs(where: str, line: str, shared_clone: Path, tmp_path: Path) -> None:
    reason = _skip_reason(line)
    if reason:
        pytest.skip(reason)
    clone, extra = _context(shared_clone, tmp_path, argv_of(line))
    command = line.replace("/tmp/", f"{tmp_path}/out/")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(extra, PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in (0, 1), (
        f"{where} --help example exited {done.returncode}: {line}\n{done.stderr[-2000:]}")
    assert "Traceback" not in done.stderr, done.stderr
    # the shell's own failures (a redirection into a missing folder, a missing tool) exit 1
    # too: they are not findings
    assert not re.search(r"^bash: ", done.stderr, re.MULTILINE), done.stderr


def test_check_benchmark_builds_its_registries_at_any_version(tmp_path: Path) -> None:
    """README's `benchmarks/check_registry.py` line: the registry it builds takes the change
    and its minor bump from whatever version erp-finance is at (it once required 1.0.0 and
    always failed after the contract moved to 1.1.0), and the check it times passes."""
    import importlib.util

    from ledgerpact.registry.semver import Version

    spec = importlib.util.spec_from_file_location(
        "check_registry_bench", REPO / "benchmarks" / "check_registry.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    root = tmp_path / "one"
    bench.make_repo(root, bench.build_small)
    assert bench.probe(root) == ""

    def version_at(ref: str) -> Version:
        text = _git(root, "show", f"{ref}:contracts/erp-finance/openapi.yaml")
        return Version.parse(str(yaml.safe_load(text)["info"]["version"]))

    before, after = version_at("main"), version_at("pr")
    assert (after.major, after.minor, after.patch) == (before.major, before.minor + 1, 0)


def readme_commands() -> list[str]:
    """The ``ledgerpact`` lines of README.md's ``sh`` blocks, continuations joined."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        lines: list[str] = []
        for raw in block.splitlines():
            if lines and lines[-1].endswith("\\"):
                lines[-1] = lines[-1][:-1].rstrip() + " " + raw.strip()
            else:
                lines.append(raw.strip())
        found += [line for line in lines if line.startswith("ledgerpact ")]
    return found


@pytest.mark.parametrize("line", readme_commands())
def test_readme_command_parses(line: str) -> None:
    """README lines are copied too: no placeholder syntax (`[--dry-run]`, `[ID|PATH ...]`)
    and no option a command does not have."""
    try:
        parse(argv_of(line))
    except click.UsageError as exc:
        pytest.fail(f"README example does not parse: {line}\n  {exc.format_message()}")


def test_readme_activates_the_environment_before_bare_commands() -> None:
    """After `.venv/bin/pip install -e .` the README calls `ledgerpact` bare: it must say
    to activate the environment first, or the first bare command is "command not found"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    activate = text.find(". .venv/bin/activate")
    first_bare = re.search(r"^ledgerpact ", text, re.MULTILINE)
    assert first_bare is not None
    assert 0 <= activate < first_bare.start()


def test_every_command_but_rules_takes_registry() -> None:
    """What the README says: every command that reads the registry takes --registry PATH;
    `rules` (a built-in catalogue) is the one that does not."""
    without = sorted(" ".join(path) for path, cmd in _commands(main, ("ledgerpact",))
                     if not isinstance(cmd, click.Group)
                     and "--registry" not in {o for p in cmd.params for o in p.opts})
    assert without == ["ledgerpact rules"]
