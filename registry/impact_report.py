"""``ledgerpact impact`` output: the same answer as text, JSON or a markdown comment.

The question behind the command is "who do I have to tell before I change this?", so each
dependent says how it is reached (directly, or through which file), each consumer which
contract declares it, each adapter which contracts it maps and how: the declaration or code
that ties it to a contract, then that contract's way to the target, as its own entry says.
"""

from __future__ import annotations

from typing import Any

from ledgerpact.registry.impact import Dependent, Impact
from ledgerpact.registry.impact_adapters import AdapterLink
from ledgerpact.registry.output import table, to_json


def as_dict(impact: Impact) -> dict[str, Any]:
    return {
        "target": impact.target,
        "files": impact.files,
        "contracts": [{"id": d.id, "via": d.via} for d in impact.contracts],
        "consumers": [{"name": name, "declared_by": impact.declared_by.get(name, [])}
                      for name in impact.consumers],
        "adapters": [{"adapter": name, "contracts": impact.adapter_contracts.get(name, []),
                      "reasons": reasons(impact, name)}
                     for name in impact.adapters],
    }


def how(dependent: Dependent) -> str:
    """How a dependent reaches the target, in words."""
    middle = dependent.via[1:-1]
    if not middle:
        return f"$refs {dependent.via[-1]} directly"
    return f"through {' -> '.join(middle)}"


def why(impact: Impact, link: AdapterLink) -> str:
    """How an adapter reaches the target: its link to a contract, then that contract's
    chain (nothing more when the contract is the target)."""
    dependent = next((d for d in impact.contracts if d.id == link.contract), None)
    if dependent is None:
        return link.how
    middle = dependent.via[1:-1]
    if not middle:
        return f"{link.how}, which $refs {dependent.via[-1]} directly"
    return f"{link.how}, which uses {dependent.via[-1]} through {' -> '.join(middle)}"


def reasons(impact: Impact, adapter: str) -> list[str]:
    return [why(impact, link) for link in impact.adapter_links.get(adapter, [])]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def text(impact: Impact) -> str:
    out = [f"{impact.target}: {', '.join(impact.files)}", ""]
    out.append(_count(len(impact.contracts), "contract uses it", "contracts use it")
               + (":" if impact.contracts else "."))
    if impact.contracts:
        out.append(_indent(table(["contract", "how"],
                                 [[d.id, how(d)] for d in impact.contracts])))
    out.append(_count(len(impact.consumers), "declared consumer", "declared consumers")
               + (":" if impact.consumers else "."))
    if impact.consumers:
        out.append(_indent(table(["consumer", "declared by"],
                                 [[c, ", ".join(impact.declared_by.get(c, []))]
                                  for c in impact.consumers])))
    out.append(_count(len(impact.adapters), "adapter", "adapters")
               + (":" if impact.adapters else "."))
    if impact.adapters:
        rows = table(["adapter", "maps"], [[a, ", ".join(impact.adapter_contracts.get(a, []))]
                                           for a in impact.adapters]).splitlines()
        out.append(_indent(rows[0]).rstrip("\n"))
        for row, adapter in zip(rows[1:], impact.adapters, strict=True):
            out.append(_indent(row).rstrip("\n"))
            out += [f"    - {reason}" for reason in reasons(impact, adapter)]
    return "\n".join(out).rstrip("\n") + "\n"


def _indent(block: str) -> str:
    return "".join(f"  {line}\n" for line in block.splitlines())


def markdown(impact: Impact) -> str:
    from ledgerpact.governance.report.markdown import escape

    def code(value: str) -> str:
        return f"`{value}`" if "`" not in value else escape(value)

    out = [f"### What depends on {code(impact.target)}", "",
           "Files: " + ", ".join(code(f) for f in impact.files), ""]
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        (_count(len(impact.contracts), "contract uses it", "contracts use it"),
         ["Contract", "How"], [[d.id, how(d)] for d in impact.contracts]),
        (_count(len(impact.consumers), "declared consumer", "declared consumers"),
         ["Consumer", "Declared by"],
         [[c, ", ".join(impact.declared_by.get(c, []))] for c in impact.consumers]),
        (_count(len(impact.adapters), "adapter", "adapters"),
         ["Adapter", "Maps", "How"],
         [[a, ", ".join(impact.adapter_contracts.get(a, [])), "; ".join(reasons(impact, a))]
          for a in impact.adapters]),
    ]
    for title, headers, rows in sections:
        out += [f"**{escape(title)}**", ""]
        if rows:
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "---|" * len(headers))
            out += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render(fmt: str, impact: Impact) -> str:
    if fmt == "json":
        return to_json(as_dict(impact))
    if fmt == "markdown":
        return markdown(impact)
    return text(impact)
