"""Which adapters (``adapters/**/*.py``) map onto which contracts.

No adapter declares its canonical schemas in a machine-readable way yet, so this is a
heuristic, and a deliberately narrow one: an adapter uses a contract when one of its modules
names

- the contract's document by its path below ``contracts/`` (``schemas/invoice/invoice.schema.json``,
  as the UBL command's schema table does), or
- the contract's folder by its path from the registry root (``contracts/schemas/money``,
  not followed by more of a name, so ``contracts/schemas/money-market`` is not Money).

Contract ids alone are never matched: ``money`` and ``invoice`` are ordinary words in an
adapter's code. A module inside ``adapters/<name>/`` belongs to the adapter ``adapters/<name>``;
a module directly in ``adapters/`` (a command line over several adapters) counts for each
adapter package it imports, or as itself when it imports none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ledgerpact.registry.repository import CONTRACTS_DIR

ADAPTERS_DIR = "adapters"
# ``ledgerpact.adapters.ubl`` (absolute) or ``from .ubl`` (relative) name an adapter package.
_IMPORT = re.compile(r"ledgerpact\.adapters\.([A-Za-z_]\w*)|from\s+\.([A-Za-z_]\w*)")


def _patterns(folder: str, document: str) -> list[re.Pattern[str]]:
    below = document.removeprefix(CONTRACTS_DIR + "/")
    return [re.compile(re.escape(below)),
            re.compile(re.escape(folder) + r"(?![\w-])")]


def _owners(module: Path, adapters: Path, text: str) -> list[str]:
    rel = module.relative_to(adapters)
    if len(rel.parts) > 1:
        return [f"{ADAPTERS_DIR}/{rel.parts[0]}"]
    packages = sorted({name for pair in _IMPORT.findall(text) for name in pair
                       if name and (adapters / name / "__init__.py").is_file()})
    return [f"{ADAPTERS_DIR}/{p}" for p in packages] or [f"{ADAPTERS_DIR}/{rel.as_posix()}"]


def adapters_of(root: Path, contracts: Iterable[tuple[str, str, str]]) -> dict[str, list[str]]:
    """For each adapter that names one of ``contracts`` (id, folder, document path, all
    registry-relative), the ids it names, in the order given."""
    adapters = root / ADAPTERS_DIR
    if not adapters.is_dir():
        return {}
    wanted = [(ident, _patterns(folder, document)) for ident, folder, document in contracts]
    found: dict[str, list[str]] = {}
    for module in sorted(adapters.rglob("*.py")):
        if "__pycache__" in module.parts:
            continue
        try:
            text = module.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        named = [ident for ident, patterns in wanted if any(p.search(text) for p in patterns)]
        if not named:
            continue
        for owner in _owners(module, adapters, text):
            ids = found.setdefault(owner, [])
            ids.extend(i for i in named if i not in ids)
    order = {ident: n for n, (ident, _) in enumerate(wanted)}
    return {owner: sorted(ids, key=order.__getitem__) for owner, ids in sorted(found.items())}
