"""Rules about the document's top-level tags."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import as_list
from ledgerpact.governance.lint.rules.oas._shared import text


def _tags(index: Index) -> Iterator[tuple[int, dict[str, object]]]:
    for i, tag in enumerate(as_list(index.doc.get("tags"))):
        if isinstance(tag, dict):
            yield i, tag


@rule(
    "oas-openapi-tags",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="The document declares a non-empty top-level tags list (spectral:oas "
            "openapi-tags).",
    why="""Top-level tags are where groups get a description and an order; without them
    documentation shows operation groups in whatever order it meets them, unexplained.""",
    bad=openapi("""paths: {}
"""),
    good=openapi("""tags:
  - name: Invoices
    description: Supplier invoices and their status.
paths: {}
"""),
)
def openapi_tags(index: Index) -> Iterator[Violation]:
    tags = index.doc.get("tags")
    if not isinstance(tags, list) or not tags:
        where = index.root_loc.child("tags") if "tags" in index.doc else index.root_loc
        yield Violation(where, "the document has no top-level tags; expected a non-empty "
                               "'tags' array naming and describing the operation groups")


@rule(
    "oas-openapi-tags-alphabetical",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="Top-level tags are in alphabetical order of name (spectral:oas "
            "openapi-tags-alphabetical); the comparison ignores case.",
    why="""Documentation lists groups in tag order; an alphabetical list is one a reader
    can scan, and one where a new tag has an obvious place, so merges do not reshuffle
    it. The finding points at the name of the first tag out of order (/tags/1/name);
    Spectral points at the 'tags' list.""",
    bad="""openapi: 3.1.0
info: {title: Finance, version: 1.0.0}
tags:
  - name: Payments
  - name: Invoices
paths: {}
""",
    good="""openapi: 3.1.0
info: {title: Finance, version: 1.0.0}
tags:
  - name: Invoices
  - name: Payments
paths: {}
""",
)
def openapi_tags_alphabetical(index: Index) -> Iterator[Violation]:
    named = [(i, tag["name"]) for i, tag in _tags(index) if isinstance(tag.get("name"), str)]
    for (_, previous), (i, name) in pairwise(named):
        if name.casefold() < previous.casefold():
            order = ", ".join(sorted((n for _, n in named), key=str.casefold))
            yield Violation(index.root_loc.child("tags", i, "name"),
                            f"tag {name!r} comes after {previous!r}; expected the top-level "
                            f"tags in alphabetical order of name: {order}")
            return  # one finding: the first place the order breaks


@rule(
    "oas-openapi-tags-uniqueness",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Top-level tag names are unique (spectral:oas openapi-tags-uniqueness).",
    why="""Two tags with one name give a group two descriptions; tools keep one at random
    and documentation may show the group twice. Each repeat is reported at its name
    (/tags/2/name), as Spectral does.""",
    bad="""openapi: 3.1.0
info: {title: Finance, version: 1.0.0}
tags:
  - name: Invoices
  - name: Invoices
paths: {}
""",
    good="""openapi: 3.1.0
info: {title: Finance, version: 1.0.0}
tags:
  - name: Invoices
  - name: Payments
paths: {}
""",
)
def openapi_tags_uniqueness(index: Index) -> Iterator[Violation]:
    first: dict[str, int] = {}
    for i, tag in _tags(index):
        name = tag.get("name")
        if not isinstance(name, str):
            continue
        if name in first:
            yield Violation(index.root_loc.child("tags", i, "name"),
                            f"tag {name!r} is declared twice (first at /tags/{first[name]}); "
                            "expected unique tag names")
        else:
            first[name] = i


@rule(
    "oas-tag-description",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="Every top-level tag has a description (spectral:oas tag-description).",
    why="""A tag named "Accounts" could mean user accounts, GL accounts or bank accounts;
    in a finance API the description is what tells them apart.""",
    bad="""openapi: 3.1.0
info: {title: Finance, version: 1.0.0}
tags:
  - name: Accounts
paths: {}
""",
    good="""openapi: 3.1.0
info: {title: Finance, version: 1.0.0}
tags:
  - name: Accounts
    description: General ledger accounts of the chart of accounts.
paths: {}
""",
)
def tag_description(index: Index) -> Iterator[Violation]:
    for i, tag in _tags(index):
        if not text(tag.get("description")):
            yield Violation(index.root_loc.child("tags", i),
                            f"tag {tag.get('name')!r} has no description; expected a "
                            "non-empty 'description'")
