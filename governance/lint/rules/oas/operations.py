"""Rules about operations: ids, descriptions, tags, success responses, request bodies and
callbacks."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, OAS31, Loc, Violation
from ledgerpact.governance.lint.rules._examples import invoices_listed, openapi
from ledgerpact.governance.lint.rules._util import as_list, is_webhook
from ledgerpact.governance.lint.rules.oas._shared import callback_operations, quoted_list, text


@rule(
    "oas-operation-operationId",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every operation has an operationId (spectral:oas operation-operationId).",
    why="""Generated clients name their methods after operationIds, contract tests and
    mocks refer to operations by them, and diff reports use them to say what changed. An
    operation without one gets a name invented from its path, which changes when the path
    does.""",
    bad=openapi("""paths:
  /invoices:
    get:
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      responses:
        "200": {description: The invoices.}
"""),
)
def operation_id_present(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        if not str(op.op.get("operationId", "")).strip():
            yield Violation(op.loc, f"{op.label} has no operationId")


@rule(
    "oas-operation-operationId-unique",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="operationIds are unique in the document (spectral:oas "
            "operation-operationId-unique).",
    why="""Two operations with the same id collide in every generated client and make a
    pact interaction or a diff entry ambiguous about which endpoint it means.""",
    bad=openapi("""paths:
  /invoices:
    get:
      operationId: getInvoices
      responses:
        "200": {description: The invoices.}
  /invoices/{id}:
    get:
      operationId: getInvoices
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
"""),
    good=invoices_listed("""      responses:
        "200": {description: The invoices.}
  /invoices/{id}:
    get:
      operationId: getInvoice
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: One invoice.}
"""),
)
def operation_id_unique(index: Index) -> Iterator[Violation]:
    seen: dict[str, list[tuple[str, Loc]]] = defaultdict(list)
    for op in index.operations:
        op_id = op.op.get("operationId")
        if isinstance(op_id, str) and op_id:
            seen[op_id].append((op.label, op.loc.child("operationId")))
    for op_id, uses in seen.items():
        for label, loc in uses[1:]:
            yield Violation(loc, f"operationId {op_id!r} of {label} is already used by "
                                 f"{uses[0][0]}")


# Characters RFC 3986 allows unescaped in a URL (unreserved, reserved and "%"-free), the
# same set Spectral's operation-operationId-valid-in-url accepts.
_URL_SAFE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*$")


@rule(
    "oas-operation-operationId-valid-in-url",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="operationIds use only characters that are valid in a URL (spectral:oas "
            "operation-operationId-valid-in-url).",
    why="""Documentation portals, mock servers and contract-test reports put the operationId
    in URLs and file names. A space or a non-ASCII letter there has to be escaped, and the
    escaped form no longer matches what people search for.""",
    bad=openapi("""paths:
  /invoices:
    get:
      operationId: list invoices
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      responses:
        "200": {description: The invoices.}
"""),
)
def operation_id_valid_in_url(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        op_id = op.op.get("operationId")
        if isinstance(op_id, str) and not _URL_SAFE.match(op_id):
            bad = sorted({c for c in op_id if not _URL_SAFE.match(c)})
            yield Violation(op.loc.child("operationId"),
                            f"operationId {op_id!r} of {op.label} contains characters that "
                            f"are not valid in a URL ({quoted_list(bad)}); expected only "
                            "letters, digits and -._~:/?#[]@!$&'()*+,;=")


@rule(
    "oas-operation-description",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every operation has a non-empty description (spectral:oas "
            "operation-description).",
    why="""The summary names an operation; the description says what it does to the books:
    what it creates or posts, what it refuses and why. Consumers of a finance API need that
    to call it correctly, and reviewers need it to judge a change.""",
    bad=invoices_listed("""      summary: List invoices
      responses:
        "200": {description: The invoices.}
"""),
    good=invoices_listed("""      summary: List invoices
      description: Invoices received from suppliers, newest first, one page at a time.
      responses:
        "200": {description: The invoices.}
"""),
)
def operation_description(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        if not text(op.op.get("description")):
            where = op.loc.child("description") if "description" in op.op else op.loc
            yield Violation(where, f"{op.label} has no description; expected a non-empty "
                                   "'description' saying what the operation does")


@rule(
    "oas-operation-tags",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every operation has at least one tag (spectral:oas operation-tags).",
    why="""Tags group operations in documentation, generated clients and coverage reports;
    an untagged operation lands in a "default" bucket nobody owns.""",
    bad=invoices_listed("""      responses:
        "200": {description: The invoices.}
"""),
    good=openapi("""tags:
  - name: Invoices
paths:
  /invoices:
    get:
      operationId: listInvoices
      tags: [Invoices]
      responses:
        "200": {description: The invoices.}
"""),
)
def operation_tags(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        tags = op.op.get("tags")
        if not isinstance(tags, list) or not tags:
            where = op.loc.child("tags") if "tags" in op.op else op.loc
            yield Violation(where, f"{op.label} has no tags; expected a non-empty 'tags' "
                                   "array naming the group it belongs to")


@rule(
    "oas-operation-tag-defined",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every tag an operation uses is declared in the top-level tags (spectral:oas "
            "operation-tag-defined).",
    why="""Top-level tags carry the description and order documentation shows; a tag used
    only on operations is usually a typo ("Invoice" next to "Invoices") that splits one
    group in two.""",
    bad=openapi("""tags:
  - name: Invoices
paths:
  /invoices:
    get:
      operationId: listInvoices
      tags: [Invoice]
      responses:
        "200": {description: The invoices.}
"""),
    good=openapi("""tags:
  - name: Invoices
paths:
  /invoices:
    get:
      operationId: listInvoices
      tags: [Invoices]
      responses:
        "200": {description: The invoices.}
"""),
)
def operation_tag_defined(index: Index) -> Iterator[Violation]:
    declared = [t["name"] for t in as_list(index.doc.get("tags"))
                if isinstance(t, dict) and isinstance(t.get("name"), str)]
    known = set(declared)
    for op in index.operations:
        for i, tag in enumerate(as_list(op.op.get("tags"))):
            if isinstance(tag, str) and tag not in known:  # structure reports a non-string
                expected = (f"one of {quoted_list(declared)}" if declared
                            else "a top-level 'tags' entry (there is none)")
                yield Violation(op.loc.child("tags", i),
                                f"tag {tag!r} of {op.label} is not declared in the top-level "
                                f"tags; expected {expected}")


@rule(
    "oas-operation-singular-tag",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="An operation has at most one tag (spectral:oas operation-singular-tag).",
    why="""Documentation portals and generated clients file an operation under each of its
    tags, so two tags publish it twice and generate the same method on two client classes.
    One tag per operation keeps one owner and one place. The finding points at the second
    tag (.../tags/1), the first one too many; Spectral points at the 'tags' list.""",
    bad=openapi("""tags:
  - name: Invoices
  - name: Payables
paths:
  /invoices:
    get:
      operationId: listInvoices
      tags: [Invoices, Payables]
      responses:
        "200": {description: The invoices.}
"""),
    good=openapi("""tags:
  - name: Invoices
paths:
  /invoices:
    get:
      operationId: listInvoices
      tags: [Invoices]
      responses:
        "200": {description: The invoices.}
"""),
)
def operation_singular_tag(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        tags = as_list(op.op.get("tags"))
        if len(tags) > 1:
            yield Violation(op.loc.child("tags", 1),
                            f"{op.label} has {len(tags)} tags ({quoted_list(map(str, tags))}); "
                            "expected exactly one")


_SUCCESS = re.compile(r"^[23](?:\d\d|XX)$")


@rule(
    "oas-operation-success-response",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Every operation has at least one 2xx or 3xx response (spectral:oas "
            "operation-success-response).",
    why="""An operation that documents only errors (or only "default") tells clients, mocks
    and contract tests nothing about what success looks like, so none of them can check
    it. Ranges such as "2XX" count.""",
    bad=invoices_listed("""      responses:
        "404": {description: No such supplier.}
        default: {description: Unexpected error.}
"""),
    good=invoices_listed("""      responses:
        "200": {description: The invoices.}
        default: {description: Unexpected error.}
"""),
)
def operation_success_response(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        responses = op.op.get("responses")
        if not isinstance(responses, dict):
            continue  # structure reports a missing responses object (3.0) or allows it
        if not any(_SUCCESS.match(str(status)) for status in responses):
            codes = quoted_list(map(str, responses)) if responses else "none"
            yield Violation(op.loc.child("responses"),
                            f"{op.label} has no success response (responses: {codes}); "
                            "expected at least one 2xx or 3xx status")


@rule(
    "oas-request-body-method",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="GET, HEAD and DELETE operations take no request body (no spectral:oas "
            "equivalent; APIMatic get/head/delete-operation-cannot-have-request-body).",
    why="""RFC 9110 gives a body on GET, HEAD or DELETE no meaning: proxies, caches and
    some HTTP clients drop it, so a filter or a reason sent there is silently lost. OpenAPI
    says such bodies SHOULD be avoided. Send searches as POST to a search resource, and
    reasons for a deletion as a state change.""",
    bad=openapi("""paths:
  /invoices:
    get:
      operationId: searchInvoices
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        "200": {description: The invoices.}
"""),
    good=openapi("""paths:
  /invoice-searches:
    post:
      operationId: searchInvoices
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        "200": {description: The invoices.}
"""),
)
def request_body_method(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        if op.method in ("get", "head", "delete") and "requestBody" in op.op:
            yield Violation(op.loc.child("requestBody"),
                            f"{op.label} has a request body, which has no defined meaning on "
                            f"{op.method.upper()}; expected no requestBody (use POST or "
                            "query parameters)")


@rule(
    "oas-callbacks-in-callbacks",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Callbacks do not declare callbacks of their own (spectral:oas "
            "oas3-callbacks-in-callbacks).",
    why="""A callback is a request the API makes to the consumer; a callback of a callback
    is a request the consumer would make back during it, which no tool generates or mocks
    and which is almost always a copy-paste mistake.""",
    bad=openapi("""paths:
  /payments:
    post:
      operationId: createPayment
      responses:
        "202": {description: Accepted.}
      callbacks:
        settled:
          "{$request.body#/callbackUrl}":
            post:
              responses:
                "204": {description: Received.}
              callbacks:
                again:
                  "{$request.body#/url}":
                    post:
                      responses:
                        "204": {description: Received.}
""", title="Payments"),
    good=openapi("""paths:
  /payments:
    post:
      operationId: createPayment
      responses:
        "202": {description: Accepted.}
      callbacks:
        settled:
          "{$request.body#/callbackUrl}":
            post:
              responses:
                "204": {description: Received.}
""", title="Payments"),
)
def callbacks_in_callbacks(index: Index) -> Iterator[Violation]:
    for loc, op, label in callback_operations(index):
        if "callbacks" in op:
            yield Violation(loc.child("callbacks"),
                            f"{label} declares callbacks of its own; expected callbacks only "
                            "on the operations under 'paths'")


@rule(
    "oas-callbacks-in-webhook",
    severity="warn",
    family="oas",
    formats=frozenset({OAS31}),
    summary="Webhooks do not declare callbacks (spectral:oas oas3_1-callbacks-in-webhook).",
    why="""A webhook is already a request the API sends on its own; a callback on it would
    be a request in answer to a notification, which no consumer implements and no tool
    generates.""",
    bad=openapi("""webhooks:
  paymentSettled:
    post:
      operationId: paymentSettled
      responses:
        "204": {description: Received.}
      callbacks:
        ack:
          "{$request.body#/url}":
            post:
              responses:
                "204": {description: Received.}
""", title="Payments"),
    good=openapi("""webhooks:
  paymentSettled:
    post:
      operationId: paymentSettled
      responses:
        "204": {description: Received.}
""", title="Payments"),
)
def callbacks_in_webhook(index: Index) -> Iterator[Violation]:
    for op in index.operations:
        if "callbacks" in op.op and is_webhook(index, op):
            yield Violation(op.loc.child("callbacks"),
                            f"webhook {op.path!r} ({op.method.upper()}) declares callbacks; "
                            "expected none on a webhook")
