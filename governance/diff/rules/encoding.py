"""Encoding rules: how each property of a multipart or form body is written on the wire.

A multipart/form-data or application/x-www-form-urlencoded body's ``encoding`` map gives, per
property, the part's ``contentType`` (a CSV file, a PDF), its ``headers``, and for forms the
``style``/``explode``/``allowReserved`` serialisation. The schema may stay the same while the
part changes: a client uploading ``text/csv`` to an import that now takes only
``application/pdf`` is refused all the same. A property without an entry is written the
default way (``application/octet-stream`` for binary strings, ``text/plain`` for other
primitives, ``application/json`` for objects; ``form`` style, exploded), and the walker hands
such a side as an empty entry, so adding an entry that spells out the default is no change.
Part headers are compared by the header rules, with the body's direction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.engine import BASE, REV
from ledgerpact.governance.diff.model import Direction, Hit
from ledgerpact.governance.diff.openapi_walk import media_covers
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import places
from ledgerpact.governance.diff.rules._examples import created, openapi, post, request_body

_PRIMITIVES = frozenset({"string", "number", "integer", "boolean"})


def _import_doc(content_type: str = "text/csv", extra: str = "") -> str:
    """POST /invoices/import taking a multipart upload whose ``file`` part is
    ``content_type``; ``extra`` adds lines to that part's encoding (at 14 spaces)."""
    body = request_body(f"""        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {{type: string, contentMediaType: {content_type.split(',')[0]}}}
                batchReference: {{type: string}}
            encoding:
              file:
                contentType: {content_type}
{extra}""")
    return openapi("Invoices", post("/invoices/import", "importInvoices", body,
                                    created("The invoices were imported.")))


def _form_doc(style: str = "") -> str:
    """POST /payments/search taking a form whose ``status`` list is written ``style``."""
    entry = f"            encoding:\n              status: {{{style}}}\n" if style else ""
    body = request_body(f"""        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                status:
                  type: array
                  items: {{type: string}}
{entry}""")
    return openapi("Payments", post("/payments/search", "searchPayments", body,
                                    created("The search was stored.")))


def _property_schema(pair: Pair, side: int) -> Any:
    """The encoded property's schema, resolved (None when it cannot be found)."""
    media = pair.parent
    if media is None:
        return None
    node, loc = (media.base, media.base_loc) if side == BASE else (media.rev, media.rev_loc)
    if not isinstance(node, dict) or loc is None or "schema" not in node:
        return None
    engine = pair.engine
    schema, at = engine.resolve(side, node["schema"], loc.child("schema"))
    props = schema.get("properties") if isinstance(schema, dict) else None
    name = str(pair.info.get("property"))
    if not isinstance(props, dict) or name not in props:
        return None
    return engine.resolve(side, props[name], at.child("properties", name))[0]


def _default_type(schema: Any) -> str | None:
    """OpenAPI's default part content type for a property of this schema."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind == "string" and (schema.get("format") in ("binary", "byte")
                             or "contentEncoding" in schema):
        return "application/octet-stream"
    if kind in _PRIMITIVES:
        return "text/plain"
    if kind == "object":
        return "application/json"
    if kind == "array":
        return _default_type(schema.get("items"))
    return None


def _types(pair: Pair, side: int) -> list[str] | None:
    """A part's content types: its ``contentType`` (a comma-separated list), else the
    default for its property's schema; None when neither is known."""
    entry = pair.base if side == BASE else pair.rev
    written = entry.get("contentType") if isinstance(entry, dict) else None
    if not isinstance(written, str):
        written = _default_type(_property_schema(pair, side))
    if not written:
        return None
    return [t.strip() for t in written.split(",") if t.strip()]


def _accepts(listed: list[str], media: str) -> bool:
    key = media.lower().replace(" ", "")
    return any(t.lower().replace(" ", "") == key or media_covers(t, media) for t in listed)


def _only(pair: Pair, in_base: bool) -> list[str]:
    """Content types one side allows and the other does not."""
    if not any(isinstance(e, dict) and "contentType" in e for e in (pair.base, pair.rev)):
        return []  # both the default: a schema change, which the schema rules report
    old, new = _types(pair, BASE), _types(pair, REV)
    if old is None or new is None:
        return []
    mine, other = (old, new) if in_base else (new, old)
    return [t for t in mine if not _accepts(other, t)]


def _part(pair: Pair) -> str:
    return f"part {pair.info.get('property')!r}"


@diff_rule(
    "encoding-content-type-removed", kind="encoding", request="breaking", response="info",
    summary="A multipart or form part no longer allows a content type it did.",
    why="""In a request, clients upload the part as they always have (a CSV of invoices) and
    the server now refuses that type. In a response the server only sends fewer kinds of
    part.""",
    base=_import_doc("text/csv, application/pdf"),
    revision=_import_doc("application/pdf"),
)
def encoding_content_type_removed(pair: Pair) -> Iterator[Hit]:
    gone = _only(pair, in_base=True)
    if gone:
        yield Hit(f"{_part(pair)} no longer allows " + ", ".join(map(repr, gone)),
                  **places(pair, "contentType"))


@diff_rule(
    "encoding-content-type-added", kind="encoding", request="info", response="breaking",
    additive=True, example=Direction.REQUEST,
    summary="A multipart or form part may now have a content type it could not.",
    why="""In a request the server accepts more kinds of part: nothing breaks. In a response
    clients now get parts of a type they were never told about and cannot parse.""",
    base=_import_doc("text/csv"),
    revision=_import_doc("text/csv, application/pdf"),
)
def encoding_content_type_added(pair: Pair) -> Iterator[Hit]:
    new = _only(pair, in_base=False)
    if new:
        yield Hit(f"{_part(pair)} now allows " + ", ".join(map(repr, new)),
                  **places(pair, "contentType"))


def _serialisation(entry: Any) -> dict[str, Any]:
    """A form field's effective style, explode and allowReserved (OpenAPI's defaults)."""
    entry = entry if isinstance(entry, dict) else {}
    style = entry.get("style") if isinstance(entry.get("style"), str) else "form"
    explode = entry.get("explode")
    return {"style": style,
            "explode": explode if isinstance(explode, bool) else style == "form",
            "allowReserved": entry.get("allowReserved") is True}


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@diff_rule(
    "encoding-style-changed", kind="encoding", level="breaking",
    example=Direction.REQUEST,
    summary="A form or multipart field's style, explode or allowReserved changed.",
    why="""They decide how the value is written (status=paid&status=void, status=paid,void,
    status[0]=paid): whoever writes the body keeps the old form and whoever reads it
    misreads it, whichever way the data flows. OpenAPI's defaults (form, exploded, reserved
    characters encoded) count as written.""",
    base=_form_doc(),
    revision=_form_doc("explode: false"),
)
def encoding_style_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _serialisation(pair.base), _serialisation(pair.rev)
    changed = [k for k in old if old[k] != new[k]]
    if not changed:
        return
    what = "; ".join(f"{k} from {_shown(old[k])} to {_shown(new[k])}" for k in changed)
    yield Hit(f"{_part(pair)} serialisation changed: {what}", **places(pair, changed[0]))
