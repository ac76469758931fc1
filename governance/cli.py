"""``ledgerpact lint`` and ``ledgerpact rules``: the lint engine at the command line."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledgerpact.registry import __version__
from ledgerpact.registry.cli_support import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    REPORT_FORMATS,
    batch_mode,
    input_errors_exit_2,
    registry_option,
)
from ledgerpact.registry.errors import InputError

if TYPE_CHECKING:
    from ledgerpact.governance.lint.waivers import WaiverScope
    from ledgerpact.registry.catalog import Catalog
    from ledgerpact.registry.repository import Registry
    from ledgerpact.registry.workspace import Workspace
from ledgerpact.registry.output import to_json, write_atomic

SEVERITIES = ("error", "warn", "info", "hint")
WAIVERS_FILE = Path("governance") / "waivers.yaml"
CONFIG_NAMES = (".spectral.yaml", ".spectral.yml", ".spectral.json")


@click.command("lint")
@click.argument("targets", nargs=-1, metavar="[ID|PATH]...")
@registry_option
@click.option("--ruleset", type=click.Choice(["recommended", "strict"]),
              default="recommended", show_default=True,
              help="Built-in ruleset. A ruleset file decides the rules instead: it keeps "
                   "the built-in ones with extends: [ledgerpact:recommended].")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="A Spectral-style ruleset (.spectral.yaml): it decides which rules run. "
                   "Default: .spectral.yaml in the registry root, if there is one.")
@click.option("--no-config", is_flag=True, help="Ignore any .spectral.yaml.")
@click.option("--select", "selected", multiple=True, metavar="RULE",
              help="Run only this rule (repeatable), whatever the ruleset.")
@click.option("--waivers", "waivers_path", type=click.Path(path_type=Path, dir_okay=False),
              help=f"Waiver file. Default: {WAIVERS_FILE} in the registry, if present.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--fail-severity", type=click.Choice(SEVERITIES), default="error",
              show_default=True, help="Exit 1 when a finding is at or above this severity.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file (atomically) instead of standard output. "
                   "Not written when an input cannot be read (exit 2): the file keeps what "
                   "it held.")
@input_errors_exit_2
def lint_cmd(targets: tuple[str, ...], registry_path: Path | None, ruleset: str,
             config_path: Path | None, no_config: bool, selected: tuple[str, ...],
             waivers_path: Path | None, fmt: str, fail_severity: str,
             output: Path | None) -> None:
    """Lint contracts: structure, the OpenAPI/AsyncAPI rules, the finance pack and your
    own Spectral-style rules. No argument: every OpenAPI and AsyncAPI contract in the
    registry. Exit 0 clean, 1 findings at or above --fail-severity, 2 unreadable input.

    \b
    Example:
      ledgerpact lint
      ledgerpact lint erp-finance --ruleset strict --format sarif -o lint.sarif
      ledgerpact lint ../shared/corpora/xero/xero_accounting-3.0.2.yaml --format json
      ledgerpact lint --config tests/fixtures/spectral/.spectral.yaml --fail-severity warn
      ledgerpact lint erp-finance --select finance-money-decimal-string
    """
    batch_mode()
    from ledgerpact.governance.lint.engine import LintOptions, lint
    from ledgerpact.governance.lint.model import LintFinding, Severity
    from ledgerpact.governance.report.text import visible
    from ledgerpact.registry.cli_support import (
        catalog_for,
        entry_for,
        file_workspace,
        is_file_name,
        looks_like_path,
        open_registry,
    )

    reg = open_registry(registry_path)
    options = LintOptions(ruleset=ruleset)
    config = config_path
    if config is None and not no_config:
        config = next((reg.root / n for n in CONFIG_NAMES if (reg.root / n).is_file()), None)
    custom = None
    ran_label = f"{ruleset} ruleset"
    # how messages name the ruleset file: as given, or by its name in the registry root
    shown = config.name if config is not None and config_path is None else str(config)
    if config is not None:
        from ledgerpact.governance.lint.spectral import configure, load_ruleset, resolver
        from ledgerpact.governance.lint.spectral.configure import describe

        custom = load_ruleset(config)
        _refuse_dropped_ruleset(ruleset, custom, shown)
        configure(options, custom)
        ran_label = describe(custom, shown)
    if selected:
        from ledgerpact.governance.lint.catalog import all_rules

        known = {r.id for r in [*all_rules(), *options.extra_rules]}
        unknown = sorted(set(selected) - known)
        off = [r for r in unknown if custom is not None and r in custom.defined_off]
        if off:
            raise InputError(f"rule {', '.join(off)} is defined in {config} but turned off "
                             "there (severity off, or recommended: false); --select runs "
                             "only rules that are on", file="--select")
        if unknown:
            from ledgerpact.registry.catalog import suggestions

            meant = [near[0] for r in unknown if (near := suggestions(r, known, 1))]
            hint = f"; did you mean {', '.join(meant)}?" if meant else ""
            raise InputError(f"unknown rule {', '.join(unknown)} (see ledgerpact rules){hint}",
                             file="--select")
        options.only = frozenset(selected)
        left_out = sorted(set(selected) - {r.id for r in options.rules()})
        if left_out:  # built-in rules of a pack the ruleset file does not extend
            raise InputError(f"rule {', '.join(left_out)} is not among the rules {shown} "
                             "runs (it extends no built-in ruleset that brings it); add "
                             "`extends: [ledgerpact:recommended]` to it, or pass --no-config",
                             file="--select")
        ran_label += f", only {len(selected)} selected rule{'s' if len(selected) != 1 else ''}"

    findings: list[LintFinding] = []
    errors: list[str] = []
    checked: list[str] = []
    # where the files of targets given by path are: their findings' names are relative to
    # the working directory or to another registry, not to this registry's root (SARIF)
    places: dict[str, Path] = {}
    catalog: Catalog | None = None
    no_catalog: InputError | None = None  # why registry ids cannot be looked up here
    if not targets or any(not looks_like_path(t) and not is_file_name(t) for t in targets):
        try:
            catalog = catalog_for(reg.workspace())
        except InputError as exc:
            if not targets:
                raise
            no_catalog = exc  # the files among the targets are still linted
        else:
            errors += [str(e) for e in catalog.errors.values()]
    elif any(looks_like_path(t) and Path(t).resolve().is_relative_to(reg.root.resolve())
             for t in targets):
        # a registry contract's document given by path is linted as that contract (its
        # contract.yaml, its waivers by id); a broken other contract is no concern here
        try:
            catalog = catalog_for(reg.workspace())
        except InputError:
            catalog = None
    if not targets:
        assert catalog is not None
        targets = tuple(e.id for e in catalog if e.meta.kind.value != "json-schema")
        if not targets and not errors:
            raise InputError("no contracts to lint under contracts/", file="contracts")
    for target in dict.fromkeys(_registry_id(t, reg.root, catalog) or t for t in targets):
        # (each contract once: `lint netsuite-rest contracts/netsuite-rest/openapi.yaml`)
        try:
            if looks_like_path(target):
                ws, rel, prefix = file_workspace(target)
                if custom is not None:  # override globs match paths from the ruleset's folder
                    options.policy = custom.policy(resolver(ws))
                try:
                    found = lint(ws, rel, options, contract=target)
                except InputError as exc:
                    if prefix and exc.file:
                        exc.file = f"{prefix}/{exc.file}"
                    raise
                findings += [replace(f, file=f"{prefix}/{f.file}") if prefix else f
                             for f in found]
                places.update(_places(ws, found, prefix))
            elif is_file_name(target) and (catalog is None or target not in catalog.entries):
                raise InputError("file not found", file=target)
            else:
                if catalog is None:
                    raise InputError(f"not a file, and there is no registry to look it up "
                                     f"in as a contract id ({no_catalog})", file=target)
                try:
                    entry = entry_for(catalog, target)
                except InputError:
                    if Path(target).is_dir():  # `lint .`, `lint contracts/`: not an id
                        raise InputError("is a directory; give a contract id or an OpenAPI "
                                         "or AsyncAPI file (no argument lints every "
                                         "contract in the registry)", file=target) from None
                    raise
                if custom is not None:
                    options.policy = custom.policy(resolver(catalog.ws))
                metadata = entry.meta.model_dump(mode="json")
                findings += lint(catalog.ws, entry.document_path, options, metadata=metadata,
                                 contract=entry.id)
            checked.append(target)
        except InputError as exc:
            errors.append(str(exc))

    waiver_file = waivers_path or (reg.root / WAIVERS_FILE)
    if waivers_path is not None or waiver_file.is_file():
        from ledgerpact.governance.lint.catalog import all_rules
        from ledgerpact.governance.lint.waivers import WAIVER_RULES, WaiverScope

        scope = WaiverScope(reg.root, checked, catalog, {r.id for r in options.rules()})
        # The rule ids known here: built-in, waiver, and the loaded ruleset's custom rules
        # (a waiver may also name a custom rule of a ruleset this run did not load).
        builtin = {r.id for r in [*all_rules(), *WAIVER_RULES]}
        known = builtin | {r.id for r in options.extra_rules}
        findings = _apply_waivers(findings, waiver_file, reg.root, scope, known, builtin)
        # a waiver file outside the registry is named as given (from the working directory)
        places.setdefault(str(waiver_file), waiver_file.resolve())

    threshold = Severity.parse(fail_severity)
    if checked:  # with nothing checked, the error lines are the whole answer
        text = _render(fmt, findings, options, checked, threshold, errors, ran_label,
                       (reg, places))
        if output is None:
            click.echo(text, nl=False)
        elif not errors:
            write_atomic(output, text)
    for error in errors:  # file names are the user's: no control character reaches the tty
        click.echo(f"error: {visible(error)}", err=True)
    if errors and output is not None:
        # A report that left inputs out is not the report asked for: the file keeps what
        # it held (a previous complete report, or nothing) rather than a partial one.
        click.echo(f"error: {output} not written: {len(errors)} input(s) could not be "
                   "read", err=True)
    if errors:
        sys.exit(EXIT_INPUT)
    if any(f.severity >= threshold and not f.waived_by for f in findings):
        sys.exit(EXIT_FINDINGS)


def _registry_id(target: str, root: Path, catalog: Catalog | None) -> str | None:
    """The id of the registry contract (OpenAPI or AsyncAPI) whose document ``target``, a
    file path, is: linted by path or by id, a contract gets the same metadata rules and
    waivers. ``None`` for any other target."""
    from ledgerpact.registry.cli_support import looks_like_path

    if catalog is None or not looks_like_path(target):
        return None
    path = Path(target).resolve()
    return next((e.id for e in catalog if e.meta.kind.value != "json-schema"
                 and (root / e.document_path).resolve() == path), None)


def _refuse_dropped_ruleset(ruleset: str, custom: Any, shown: str) -> None:
    """``--ruleset`` typed on the command line next to a ruleset file that does not extend
    that built-in ruleset would be dropped without a word (the file decides the rules):
    refuse it, saying how to get both. The default ``recommended`` is not a request."""
    from click.core import ParameterSource

    from ledgerpact.governance.lint.spectral.configure import extends_pack

    source = click.get_current_context().get_parameter_source("ruleset")
    if source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP, None):
        return
    pack = f"ledgerpact:{ruleset}"
    # strict brings every recommended rule: a file extending it satisfies either request
    if extends_pack(custom, pack) or extends_pack(custom, "ledgerpact:strict"):
        return
    raise InputError(f"the ruleset file {shown} decides which rules run and does not extend "
                     f"{pack}, so --ruleset {ruleset} would be ignored: add "
                     f"`extends: [{pack}]` to {shown}, or pass --no-config to run the "
                     f"built-in {ruleset} ruleset alone", file="--ruleset")


def _apply_waivers(findings: list[Any], path: Path, root: Path, scope: WaiverScope,
                   known_rules: set[str], builtin_rules: set[str]) -> list[Any]:
    from ledgerpact.governance.lint.waivers import apply_waivers, load_waivers, utc_today

    resolved = path.resolve()
    display = (resolved.relative_to(root).as_posix() if resolved.is_relative_to(root)
               else str(path))
    waivers = load_waivers(path, display=display, known_rules=known_rules,
                           builtin_rules=builtin_rules)
    result = apply_waivers(findings, waivers, utc_today(), roots=(root,), in_scope=scope,
                           hint=scope.hint)
    return list(result.findings)


def _places(ws: Workspace, found: list[Any], prefix: str) -> dict[str, Path]:
    """Each finding's file as the report names it -> the file (``ws`` reads from disk)."""
    from ledgerpact.registry.source import DirectorySource

    source = ws.source
    assert isinstance(source, DirectorySource)
    return {(f"{prefix}/{f.file}" if prefix else f.file): source.root / f.file for f in found}


def _render(fmt: str, findings: list[Any], options: Any, checked: list[str],
            threshold: Any, errors: list[str], ruleset: str,
            where: tuple[Registry, dict[str, Path]]) -> str:
    """The report; SARIF also gets where the files are (``where``: the registry, and the
    files of targets given by path), so its URIs resolve from the repository's root."""
    from ledgerpact.governance.report import render

    if fmt == "sarif":
        from ledgerpact.governance.report import sarif

        reg, places = where
        artifacts = sarif.Artifacts(reg.git_root or reg.root, reg.root, places)
        return sarif.render(findings, rules=options.rules(), checked=checked,
                            fail_severity=threshold, tool_version=__version__,
                            errors=errors, ruleset=ruleset, artifacts=artifacts)
    return render(fmt, findings, rules=options.rules(), checked=checked,
                  fail_severity=threshold, tool_version=__version__, errors=errors,
                  ruleset=ruleset)


@click.command("rules")
@click.option("--kind", type=click.Choice(["lint", "diff"]), default="lint", show_default=True,
              help="Which rules: lint, or diff (breaking-change detection).")
@click.option("--ruleset", type=click.Choice(["all", "recommended", "strict"]),
              default="all", show_default=True, help="Lint rules of this ruleset only.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.argument("rule_id", required=False, metavar="[RULE]")
@input_errors_exit_2
def rules_cmd(kind: str, ruleset: str, fmt: str, rule_id: str | None) -> None:
    """The rule catalogue, generated from each rule's metadata: id, severity, formats,
    rulesets, and a doc with a bad and a good example. Give a RULE id for one rule. With
    --kind diff: the breaking-change rules, their level per direction, and a base and a
    revision example.

    \b
    Example:
      ledgerpact rules
      ledgerpact rules finance-money-decimal-string
      ledgerpact rules --format markdown > rules.md
      ledgerpact rules --kind diff property-removed
    """
    if kind == "diff":
        if ruleset != "all":
            raise InputError("--ruleset applies to lint rules only", file="rules")
        from ledgerpact.governance.diff.report.catalogue import render_catalogue

        click.echo(render_catalogue(fmt, rule_id), nl=False)
        return
    from ledgerpact.governance.lint.catalog import all_rules
    from ledgerpact.governance.lint.waivers import WAIVER_RULES

    rules = [r for r in [*all_rules(), *WAIVER_RULES]
             if ruleset == "all" or ruleset in r.rulesets]
    if rule_id is not None:
        rules = [r for r in rules if r.id == rule_id]
        if not rules:
            from ledgerpact.registry.catalog import suggestions

            near = suggestions(rule_id, [r.id for r in [*all_rules(), *WAIVER_RULES]], 1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise InputError(f"no rule {rule_id!r} (see ledgerpact rules){hint}", file="rules")
    if fmt == "json":
        click.echo(to_json([r.as_dict() for r in rules]), nl=False)
    elif fmt == "markdown":
        click.echo(_markdown(rules), nl=False)
    elif rule_id is not None:
        click.echo(_one_rule_text(rules[0]), nl=False)
    else:
        width = max(len(r.id) for r in rules)
        for r in rules:
            sets = "strict" if r.rulesets == {"strict"} else "recommended"
            click.echo(f"{r.id:<{width}}  {r.severity.label:<5}  {sets:<11}  {r.doc.summary}")


def _one_rule_text(r: Any) -> str:
    return (f"{r.id} ({r.severity.label}; {', '.join(sorted(r.formats))}; rulesets: "
            f"{', '.join(sorted(r.rulesets))})\n\n{r.doc.summary}\n\n{r.doc.why}\n\n"
            f"Bad:\n{_indent(r.doc.bad)}\nGood:\n{_indent(r.doc.good)}")


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.rstrip("\n").splitlines())


def _anchor(heading: str) -> str:
    """The anchor GitHub derives from a heading: lower case, punctuation dropped."""
    return "".join(c for c in heading.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown(rules: list[Any]) -> str:
    out = ["# Lint rules\n", "Generated by `ledgerpact rules --format markdown` from each "
           "rule's metadata.\n", "| id | severity | rulesets | formats | summary |",
           "|---|---|---|---|---|"]
    out += [f"| [`{r.id}`](#{_anchor(r.id)}) | {r.severity.label} | "
            f"{', '.join(sorted(r.rulesets))} | {', '.join(sorted(r.formats))} | "
            f"{_cell(r.doc.summary)} |" for r in rules]
    for r in rules:
        out += [f"\n## {r.id}\n", f"{r.doc.summary}\n", f"{r.doc.why}\n",
                "Bad:\n", f"```yaml\n{r.doc.bad.rstrip()}\n```\n", "Good:\n",
                f"```yaml\n{r.doc.good.rstrip()}\n```"]
    return "\n".join(out) + "\n"
