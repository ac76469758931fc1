"""Status enums say whether they may grow: ``x-extensible-enum: true|false``.

Finance statuses grow: an ERP adds ``parked``, a bank adds ``returned``, a tax authority adds
a clearance state. A consumer that switches over the values it was generated with fails on
the first new one, unless the contract said the list is open and the consumer kept a
default branch. Saying ``false`` is as useful: the producer promises a new value is a
breaking change.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ALL_FORMATS, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules.finance import vocabulary as vocab
from ledgerpact.governance.lint.rules.finance.facts import View, array_item_views, facts

MARK = "x-extensible-enum"


def _problem(v: View) -> tuple[Loc, str] | None:
    if not isinstance(v.enum, list) or len(v.enum) < 2 or v.enum_loc is None:
        return None  # a one-value enum is a constant (a discriminator), not a status list
    if MARK not in v.marks:
        return v.enum_loc, "does not say whether new values may be added"
    if not isinstance(v.marks[MARK], bool):
        return v.mark_locs[MARK], (f"has {MARK}: {v.marks[MARK]!r}; expected true or false "
                                   "next to the enum")
    return None


@rule(
    "finance-status-enum-extensible",
    severity="warn",
    family="finance",
    formats=ALL_FORMATS,
    summary="Status enums (status, state, *Status) declare x-extensible-enum: true or false "
            "(no Spectral equivalent; Zalando 112 'use open-ended list of values "
            "(x-extensible-enum)').",
    why="""Status lists are the part of a finance contract that changes most (a new
    approval step, a new bank return reason), and a closed enum turns every addition into a
    breaking change for generated clients. Declaring x-extensible-enum: true tells
    consumers to keep a default branch; false is an explicit promise that the list is
    complete and a new value means a new major version.""",
    bad=openapi("""paths: {}
components:
  schemas:
    Invoice:
      type: object
      properties:
        status: {type: string, enum: [draft, approved, posted, paid]}
"""),
    good=openapi("""paths: {}
components:
  schemas:
    Invoice:
      type: object
      properties:
        status:
          type: string
          enum: [draft, approved, posted, paid]
          x-extensible-enum: true
"""),
)
def status_enum_extensible(index: Index) -> Iterator[Violation]:
    f = facts(index)
    seen: set[Loc] = set()
    candidates: list[tuple[str, View]] = [(p.name, p.view) for p in f.statuses]
    candidates += [(n.name, n.view) for n in f.named_statuses]
    candidates += [(p.name, p.view) for p in f.params if vocab.is_status_name(p.name)]
    for name, v in candidates:
        for each in (v, *array_item_views(index, v)):
            found = _problem(each)
            if found is None:
                continue
            where, what = found
            if where not in seen:
                seen.add(where)
                yield Violation(where, f"status enum {name!r} {what}; expected "
                                       f"{MARK}: true (consumers must accept new values) "
                                       "or false (the list is closed)")
            break
