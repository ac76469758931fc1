"""Link rules: the ``links`` of a response, which say how its values feed another operation.

A link (``GetInvoice``: take ``$response.body#/id`` from the 201 and call ``getInvoice`` with
it) changes nothing on the wire, so no change here is breaking. But clients and tools follow
links to chain calls (HATEOAS-style clients, generated SDK helpers, test and documentation
tools), so a link removed or pointed elsewhere is a warning, and one added is new
information. Links are paired by name within each response; one that is a shared component
is located where the response names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import parent_at
from ledgerpact.governance.diff.rules._examples import openapi

# What a link does; its description and extensions document it only.
_MEANING = ("operationId", "operationRef", "parameters", "requestBody", "server")


def _doc(linked: bool = True, target: str = "getInvoice") -> str:
    """POST /invoices whose 201 response links (when ``linked``) to ``target`` with the
    created invoice's id."""
    links = (f"          links:\n            GetInvoice:\n              operationId: {target}\n"
             "              parameters: {id: '$response.body#/id'}\n") if linked else ""
    return openapi("Invoices", f"""  /invoices:
    post:
      operationId: createInvoice
      responses:
        "201":
          description: The invoice was created.
{links}          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {{type: string}}
  /invoices/{{id}}:
    get:
      operationId: getInvoice
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: The invoice.}}
    delete:
      operationId: deleteInvoice
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
      responses:
        "204": {{description: The invoice was deleted.}}
""")


_WITH = _doc()
_WITHOUT = _doc(linked=False)


def _name(pair: Pair) -> str:
    return str(pair.info.get("name", "?"))


def _meaning(link: Any) -> dict[str, Any]:
    return {k: link[k] for k in _MEANING if isinstance(link, dict) and k in link}


@diff_rule(
    "link-removed", kind="link", level="warning",
    summary="A response link was removed.",
    why="""Nothing changes on the wire, but clients and tools that follow the link (from a
    created invoice to getInvoice with its id) lose the documented way to chain the calls:
    generated helpers disappear and link-following clients stop. A warning, not breaking:
    both operations still work when called directly.""",
    base=_WITH,
    revision=_WITHOUT,
)
def link_removed(pair: Pair) -> Iterator[Hit]:
    if pair.removed:
        yield Hit(f"link {_name(pair)!r} removed",
                  base_at=parent_at(pair, "base", "links", _name(pair)))


@diff_rule(
    "link-added", kind="link", level="info", additive=True,
    summary="A response link was added.",
    why="""A new documented way to chain calls; nothing existing changes.""",
    base=_WITHOUT,
    revision=_WITH,
)
def link_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"link {_name(pair)!r} added",
                  rev_at=parent_at(pair, "rev", "links", _name(pair)))


@diff_rule(
    "link-changed", kind="link", level="warning",
    summary="A response link now leads to another operation or passes other values.",
    why="""Clients that follow the link now call another operation (deleteInvoice where it
    was getInvoice) or with other values: what they do by following it is no longer what
    they coded for. Descriptions are ignored.""",
    base=_WITH,
    revision=_doc(target="deleteInvoice"),
)
def link_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.both:
        return
    old, new = _meaning(pair.base), _meaning(pair.rev)
    changed = [k for k in _MEANING if old.get(k) != new.get(k)]
    if changed:
        what = ", ".join(changed)
        yield Hit(f"link {_name(pair)!r} changed ({what})")
