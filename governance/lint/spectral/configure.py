"""Folding a loaded Spectral ruleset into the engine's ``LintOptions``.

The ruleset says, per built-in rule and per document format, whether the rule runs and at
which severity (``CustomRuleset.builtin``). The engine selects rules by ruleset, family and
id, and gives severities through a policy, so this module translates:

- a built-in rule on at one severity on every format it has runs as it is (a severity other
  than its default comes from the policy, with the per-file overrides);
- a built-in rule that differs between formats (``asyncapi-3-tags: off``; ``structure``
  when only ``spectral:oas`` brings it) is replaced by copies with the same id, narrowed to
  the formats that share a severity;
- ``families`` is what the extended packs bring, ``ruleset`` and ``only`` pick exactly the
  rules that are on (``only`` stays ``None`` when a built-in ruleset, cut to the families,
  already is that set).

A ruleset decides which rules run (Spectral's semantics): one that extends no built-in pack
runs only its own rules. That is never silent: ``describe`` is how reports name what ran,
and ``extends_pack`` lets ``--ruleset strict`` given together with a ruleset that does not
bring ``ledgerpact:strict`` be refused instead of dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerpact.governance.lint.model import RECOMMENDED, STRICT, Rule, Severity
from ledgerpact.governance.lint.spectral.ruleset import CustomRuleset

if TYPE_CHECKING:
    from ledgerpact.governance.lint.engine import LintOptions
    from ledgerpact.registry.workspace import Workspace


def configure(options: LintOptions, custom: CustomRuleset,
              resolve: Callable[[str], Path] | None = None) -> None:
    """Set ``options`` from ``custom``: ``extra_rules``, ``policy``, ``replaced``,
    ``ruleset``, ``only`` and ``families`` (the built-in families to keep, ``None`` for all;
    ``LintOptions.rules()`` keeps a built-in rule only if its family is in it).

    ``resolve`` turns a file as the linted workspace names it into its absolute path, so
    override globs match paths relative to the ruleset's directory (see
    ``CustomRuleset.policy``); the caller gives one per workspace."""
    from ledgerpact.governance.lint.catalog import all_rules, ruleset

    as_is, copies = plan(all_rules(), custom)
    replaced = frozenset(custom.replaced) | {rule.id for rule in copies}
    families = custom.families
    options.extra_rules = [*custom.rules, *copies]
    options.policy = custom.policy(resolve)
    options.replaced = replaced
    options.families = families  # a new LintOptions field (the lead adds it to engine.py)
    for name in (RECOMMENDED, STRICT):
        natural = {rule.id for rule in ruleset(name)
                   if (families is None or rule.family in families) and rule.id not in replaced}
        if natural == as_is:
            options.ruleset, options.only = name, None
            return
    options.ruleset = STRICT
    options.only = frozenset(as_is | {r.id for r in copies} | {r.id for r in custom.rules})


def extended_packs(custom: CustomRuleset) -> list[str]:
    """The built-in packs the ruleset chain extends, as written in ``extends``
    (``ledgerpact:recommended``, ``spectral:oas (all)``), in a stable order; a pack extended
    ``off`` brings no rule and is left out."""
    from ledgerpact.governance.lint.spectral.builtin import PACKS

    names = {pack.split(":", 1)[1]: pack for pack in PACKS}
    out = []
    for entry in sorted(custom.extends_builtin):
        short, _, mode = entry.partition(":")
        if mode == "off":
            continue
        name = names.get(short, short)
        out.append(name if mode == "recommended" else f"{name} ({mode})")
    return out


def extends_pack(custom: CustomRuleset, pack: str) -> bool:
    """True when the ruleset chain extends the built-in ``pack`` (``ledgerpact:strict``)
    in a mode that brings rules (``recommended`` or ``all``)."""
    short = pack.split(":", 1)[1]
    return any(entry in custom.extends_builtin for entry in
               (f"{short}:recommended", f"{short}:all"))


def describe(custom: CustomRuleset, display: str) -> str:
    """How a report names the rules that ran: ``custom ruleset .spectral.yaml (extends
    ledgerpact:recommended)``, or ``(no built-in rules)`` when it extends none, so a run
    whose built-in rules a ruleset replaced never reads like a built-in ruleset's run."""
    packs = extended_packs(custom)
    what = f"extends {', '.join(packs)}" if packs else "no built-in rules"
    return f"custom ruleset {display} ({what})"


def resolver(ws: Workspace) -> Callable[[str], Path] | None:
    """The ``resolve`` for files of ``ws`` (a registry, or the folder of a file given by
    path): its files are named relative to its root. ``None`` for a workspace that is not
    a folder on disk (a Git revision): its names are then taken as relative to the
    ruleset's directory."""
    root = getattr(ws.source, "root", None)
    if not isinstance(root, Path):
        return None
    return lambda name: root / name


def plan(rules: list[Rule], custom: CustomRuleset) -> tuple[set[str], list[Rule]]:
    """The built-in rules that run unchanged (by id), and the format-narrowed copies that
    stand in for the rules whose severity differs between formats."""
    as_is: set[str] = set()
    copies: list[Rule] = []
    for rule in rules:
        per_format = custom.builtin.get(rule.id)
        if per_format is None:
            continue
        by_severity: dict[Severity, set[str]] = defaultdict(set)
        for fmt, severity in per_format.items():
            if severity is not None:
                by_severity[severity].add(fmt)
        if not by_severity:
            continue
        uniform = len(by_severity) == 1 and None not in per_format.values()
        if not uniform or rule.id in custom.replaced:
            copies += [replace(rule, formats=frozenset(formats), severity=severity)
                       for severity, formats in sorted(by_severity.items())]
        else:
            as_is.add(rule.id)
    return as_is, copies
