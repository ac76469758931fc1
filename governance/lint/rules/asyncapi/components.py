"""AsyncAPI rules about reusable components nobody uses (schemas, messages, servers).

A component counts as used when some ``$ref`` anywhere in the contract (servers, channels,
operations, traits, bindings, other schemas, other files) points at it or into it, from
outside the component itself: a schema that only refers to itself is still unused.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi3
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.asyncapi._common import is_within, used_targets
from ledgerpact.registry import pointer as jp


def _unused(index: Index, section: str, what: str) -> Iterator[Violation]:
    components = as_dict(as_dict(index.doc.get("components")).get(section))
    if not components:
        return
    used: set[str] = set()
    for source, target in used_targets(index):
        if target.file != index.root:
            continue
        tokens = jp.split(target.pointer)
        if len(tokens) < 3 or tokens[0] != "components" or tokens[1] != section:
            continue
        if not is_within(source, index.root_loc.child("components", section, tokens[2])):
            used.add(tokens[2])
    for name in components:
        if name not in used:
            yield Violation(index.root_loc.child("components", section, name),
                            f"{what} {name!r} under components.{section} is never referenced; "
                            "expected it to be used through a $ref, or removed")


@rule(
    "asyncapi-unused-components-schema",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every schema under components.schemas is referenced somewhere "
            "(spectral:asyncapi asyncapi-unused-components-schema).",
    why="""An unreferenced schema is either dead weight or, worse, the schema someone meant
    to use: reviewers read it as part of the contract although no message carries it.""",
    bad=asyncapi3("""channels: {}
components:
  schemas:
    Payment:
      type: object
"""),
    good=asyncapi3("""channels: {}
components:
  messages:
    PaymentSettled:
      payload:
        $ref: '#/components/schemas/Payment'
  schemas:
    Payment:
      type: object
"""),
)
def unused_schema(index: Index) -> Iterator[Violation]:
    yield from _unused(index, "schemas", "schema")


@rule(
    "asyncapi-unused-components-message",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every message under components.messages is referenced by a channel or an "
            "operation (extends spectral:asyncapi asyncapi-unused-components-schema to "
            "messages).",
    why="""A reusable message that no channel carries is not part of the contract, yet
    readers and generators treat it as if it were: code gets generated for events that are
    never sent.""",
    bad=asyncapi3("""channels:
  paymentSettled:
    address: finance.payment.settled
components:
  messages:
    PaymentSettled:
      payload: {type: object}
"""),
    good=asyncapi3("""channels:
  paymentSettled:
    address: finance.payment.settled
    messages:
      settled:
        $ref: '#/components/messages/PaymentSettled'
components:
  messages:
    PaymentSettled:
      payload: {type: object}
"""),
)
def unused_message(index: Index) -> Iterator[Violation]:
    yield from _unused(index, "messages", "message")


@rule(
    "asyncapi-unused-components-server",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every server under components.servers is referenced somewhere "
            "(spectral:asyncapi asyncapi-unused-components-server).",
    why="""A reusable server nobody refers to documents a broker no channel is on;
    operators and consumers may connect to it and find nothing.""",
    bad=asyncapi3("""components:
  servers:
    staging:
      host: broker.staging.internal:9092
      protocol: kafka
"""),
    good=asyncapi3("""servers:
  staging:
    $ref: '#/components/servers/staging'
components:
  servers:
    staging:
      host: broker.staging.internal:9092
      protocol: kafka
"""),
)
def unused_server(index: Index) -> Iterator[Violation]:
    yield from _unused(index, "servers", "server")
