"""AsyncAPI rules about tags: the document declares them (2.x at the root, 3.x under
``info``), with descriptions, in order, without duplicates, and operations use only those.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, Loc, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi3
from ledgerpact.governance.lint.rules._util import as_list
from ledgerpact.governance.lint.rules.asyncapi._common import (
    is_v3,
    resolved_dict,
    root_tags_loc,
    tag_lists,
    tag_name,
    trait_sources,
)


def _where_tags(index: Index) -> str:
    return "info.tags" if is_v3(index) else "tags"


def _root_tags(index: Index) -> list[tuple[str, dict[str, object], Loc]]:
    """(name, tag object, where) for each document-level tag that has a name."""
    tags, loc = root_tags_loc(index)
    found = []
    for i, tag in enumerate(as_list(tags)):
        resolved = resolved_dict(index, tag, loc.child(i))
        if resolved is not None and isinstance(resolved[0].get("name"), str):
            found.append((resolved[0]["name"], resolved[0], resolved[1]))
    return found


@rule(
    "asyncapi-tags",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="The document declares a non-empty list of tags (2.x root tags, 3.x info.tags) "
            "(spectral:asyncapi asyncapi-tags, asyncapi-3-tags).",
    why="""Tags group operations and messages by business area in documentation and
    catalogues; without a declared list each author invents names and the grouping
    falls apart.""",
    bad=asyncapi3(""),
    good=asyncapi3("""  tags:
    - name: payments
      description: Outgoing payments and their status.
"""),
)
def tags_present(index: Index) -> Iterator[Violation]:
    tags, loc = root_tags_loc(index)
    if not (isinstance(tags, list) and tags):
        parent = index.root_loc.child("info") if is_v3(index) else index.root_loc
        yield Violation(loc if tags is not None else parent,
                        f"the document declares no tags; expected a non-empty "
                        f"{_where_tags(index)} list naming the business areas")


@rule(
    "asyncapi-tags-uniqueness",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="No tag name appears twice in one list of tags, wherever tags are written "
            "(spectral:asyncapi asyncapi-tags-uniqueness, asyncapi-3-tags-uniqueness).",
    why="""Duplicate tags make documentation list an operation twice and make it
    ambiguous which description of the tag applies. Each repeat is reported at its tag
    (.../tags/1); Spectral points at the tag's name (.../tags/1/name), on the same line in
    the usual one-line form.""",
    bad=asyncapi3("""  tags:
    - name: payments
    - name: payments
"""),
    good=asyncapi3("""  tags:
    - name: payments
    - name: suppliers
"""),
)
def tags_unique(index: Index) -> Iterator[Violation]:
    for tags, loc in tag_lists(index):
        first: dict[str, int] = {}
        for i, tag in enumerate(tags):
            named = tag_name(index, tag, loc.child(i))
            if named is None:
                continue
            if named[0] in first:
                yield Violation(loc.child(i), f"tag {named[0]!r} is listed twice (first at "
                                              f"index {first[named[0]]}); expected unique "
                                              "tag names")
            else:
                first[named[0]] = i


@rule(
    "asyncapi-tags-alphabetical",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    strict_only=True,
    summary="The document's tags are in alphabetical order of name (spectral:asyncapi "
            "asyncapi-tags-alphabetical, asyncapi-3-tags-alphabetical).",
    why="""Documentation renders tags in the order written; alphabetical order makes a
    long list scannable and makes merge conflicts rarer when teams add tags.""",
    bad=asyncapi3("""  tags:
    - name: suppliers
    - name: payments
"""),
    good=asyncapi3("""  tags:
    - name: payments
    - name: suppliers
"""),
)
def tags_alphabetical(index: Index) -> Iterator[Violation]:
    tags = _root_tags(index)
    for (before, _, _), (after, _, where) in pairwise(tags):
        if after.casefold() < before.casefold():
            ordered = sorted((name for name, _, _ in tags), key=str.casefold)
            yield Violation(where, f"tag {after!r} comes after {before!r}; expected the "
                                   f"{_where_tags(index)} in alphabetical order: "
                                   f"{', '.join(ordered)}")
            return  # one finding per list: reordering fixes them all


@rule(
    "asyncapi-tag-description",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    strict_only=True,
    summary="Every document-level tag has a description (spectral:asyncapi "
            "asyncapi-tag-description, asyncapi-3-tag-description).",
    why="""A tag name such as 'ap' or 'core' means something only to its author; the
    description tells readers what belongs under it.""",
    bad=asyncapi3("""  tags:
    - name: payments
"""),
    good=asyncapi3("""  tags:
    - name: payments
      description: Outgoing payments and their status.
"""),
)
def tag_description(index: Index) -> Iterator[Violation]:
    for name, tag, where in _root_tags(index):
        description = tag.get("description")
        if not (isinstance(description, str) and description.strip()):
            yield Violation(where, f"tag {name!r} has no description; expected a text "
                                   "saying what belongs under it")


@rule(
    "asyncapi-operation-tag-defined",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Tags used on operations are declared among the document's tags (the AsyncAPI "
            "counterpart of spectral:oas operation-tag-defined).",
    why="""An operation tag that the document does not declare is usually a typo
    ('payment' for 'payments'); documentation then shows a group of one, without a
    description.""",
    bad=asyncapi3("""  tags:
    - name: payments
channels:
  paymentSettled:
    address: finance.payment.settled
operations:
  publishPaymentSettled:
    action: send
    channel:
      $ref: '#/channels/paymentSettled'
    tags:
      - name: payment
"""),
    good=asyncapi3("""  tags:
    - name: payments
channels:
  paymentSettled:
    address: finance.payment.settled
operations:
  publishPaymentSettled:
    action: send
    channel:
      $ref: '#/channels/paymentSettled'
    tags:
      - name: payments
"""),
)
def operation_tag_defined(index: Index) -> Iterator[Violation]:
    declared = {name for name, _, _ in _root_tags(index)}
    if not declared:
        return  # asyncapi-tags reports the missing list
    done: set[Loc] = set()
    for op in index.async_operations:
        for tags, loc in trait_sources(index, op.op, op.loc, "tags"):
            if loc in done:
                continue
            done.add(loc)
            for i, tag in enumerate(as_list(tags)):
                named = tag_name(index, tag, loc.child(i))
                if named is not None and named[0] not in declared:
                    yield Violation(loc.child(i),
                                    f"operation tag {named[0]!r} is not declared in "
                                    f"{_where_tags(index)} (declared: "
                                    f"{', '.join(sorted(declared))})")
