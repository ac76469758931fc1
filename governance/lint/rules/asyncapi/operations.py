"""AsyncAPI rules about operations: ids, descriptions, security, and (3.x) that each
operation names a real channel and only messages of that channel.

2.x operations are the ``publish`` / ``subscribe`` of a channel, named by ``operationId``;
3.x operations are top-level, named by their key, with ``action`` send / receive, a
``channel`` reference and a list of message references. Traits are applied first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, ASYNCAPI2, ASYNCAPI3, Loc, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi2, asyncapi3, settled_publisher
from ledgerpact.governance.lint.rules._util import as_dict, as_list
from ledgerpact.governance.lint.rules.asyncapi._common import (
    SecurityChecker,
    is_v3,
    operations_v3,
    ref_target,
    resolved_dict,
    trait_sources,
    with_traits,
)
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.refs import is_ref


def _label(index: Index, loc: Loc, name: str) -> str:
    """How a message names an operation: its key (3.x) or channel + action (2.x)."""
    if is_v3(index):
        return f"operation {name!r}"
    tokens = jp.split(loc.pointer)
    return f"{tokens[-1]} operation of channel {tokens[-2]!r}" if len(tokens) >= 2 \
        else f"operation {name!r}"


@rule(
    "asyncapi-operation-operationId",
    severity="error",
    family="asyncapi",
    formats=frozenset({ASYNCAPI2}),
    summary="Every 2.x operation has an operationId (spectral:asyncapi "
            "asyncapi-operation-operationId).",
    why="""Code generators name the send / receive functions after the operationId, and
    contract tests and diffs refer to operations by it. (In 3.x the operation's key is
    its id, so it always has one.)""",
    bad=asyncapi2("""channels:
  finance.payment.settled:
    subscribe:
      message:
        payload: {type: object}
"""),
    good=asyncapi2("""channels:
  finance.payment.settled:
    subscribe:
      operationId: onPaymentSettled
      message:
        payload: {type: object}
"""),
)
def operation_id(index: Index) -> Iterator[Violation]:
    for op in index.async_operations:
        value = with_traits(index, op.op, op.loc).get("operationId")
        if not (isinstance(value, str) and value.strip()):
            yield Violation(op.loc, f"{_label(index, op.loc, op.name)} has no operationId; "
                                    "expected a unique name such as 'onPaymentSettled'")


@rule(
    "asyncapi-operation-operationId-uniqueness",
    severity="error",
    family="asyncapi",
    formats=frozenset({ASYNCAPI2}),
    summary="operationIds are unique in the document (spectral:asyncapi "
            "asyncapi-operation-operationId-uniqueness).",
    why="""Two operations with one id collide in generated code and make a diff or a
    contract test ambiguous about which channel and direction it means.""",
    bad=asyncapi2("""channels:
  finance.payment.settled:
    subscribe:
      operationId: onPayment
      message:
        payload: {type: object}
  finance.payment.failed:
    subscribe:
      operationId: onPayment
      message:
        payload: {type: object}
"""),
    good=asyncapi2("""channels:
  finance.payment.settled:
    subscribe:
      operationId: onPaymentSettled
      message:
        payload: {type: object}
  finance.payment.failed:
    subscribe:
      operationId: onPaymentFailed
      message:
        payload: {type: object}
"""),
)
def operation_id_unique(index: Index) -> Iterator[Violation]:
    seen: dict[str, list[tuple[str, Loc]]] = defaultdict(list)
    for op in index.async_operations:
        sources = trait_sources(index, op.op, op.loc, "operationId")
        if sources and isinstance(sources[0][0], str) and sources[0][0]:
            seen[sources[0][0]].append((_label(index, op.loc, op.name), sources[0][1]))
    for op_id, uses in seen.items():
        for label, loc in uses[1:]:
            yield Violation(loc, f"operationId {op_id!r} of the {label} is already used by "
                                 f"the {uses[0][0]}; expected unique operationIds")


@rule(
    "asyncapi-operation-description",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every operation has a non-empty description, on it or from a trait "
            "(spectral:asyncapi asyncapi-operation-description, "
            "asyncapi-3-operation-description).",
    why="""The description says when the event is sent, what triggers it and what
    guarantees hold (ordering, at-least-once, outbox); a consumer cannot infer that from
    the payload.""",
    bad=settled_publisher(""),
    good=settled_publisher("    description: Sent once the bank confirms settlement; at least "
                           "once, deduplicate by id.\n"),
)
def operation_description(index: Index) -> Iterator[Violation]:
    for op in index.async_operations:
        description = with_traits(index, op.op, op.loc).get("description")
        if not (isinstance(description, str) and description.strip()):
            yield Violation(op.loc, f"{_label(index, op.loc, op.name)} has no description; "
                                    "expected a text saying when the message is sent and what "
                                    "the receiver can rely on")


@rule(
    "asyncapi-operation-security",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="An operation's security names schemes defined in components.securitySchemes "
            "and only OAuth2 scopes they offer (spectral:asyncapi asyncapi-operation-security, "
            "asyncapi-3-operation-security).",
    why="""A security requirement that cannot be resolved leaves producers and consumers
    guessing how to authenticate, and an unknown scope can never be granted.""",
    bad=settled_publisher("""    security:
      - $ref: '#/components/securitySchemes/oauth'
"""),
    good=settled_publisher("""    security:
      - $ref: '#/components/securitySchemes/oauth'
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.payments.internal/token
          availableScopes:
            payments:publish: Publish payment events.
      scopes: ['payments:publish']
"""),
)
def operation_security(index: Index) -> Iterator[Violation]:
    checker = SecurityChecker(index)
    done: set[Loc] = set()
    for op in index.async_operations:
        label = _label(index, op.loc, op.name)
        for security, where in trait_sources(index, op.op, op.loc, "security"):
            if where in done:  # a shared trait: checked once
                continue
            done.add(where)
            for loc, message in checker.check(security, where, label):
                yield Violation(loc, message)


@rule(
    "asyncapi-operation-channel",
    severity="error",
    family="asyncapi",
    formats=frozenset({ASYNCAPI3}),
    summary="A 3.x root operation's channel is a reference to a channel under the root "
            "'channels', and a reply's channel resolves (AsyncAPI parser "
            "asyncapi3-required-operation-channel-unambiguity).",
    why="""The channel reference is how tools know where an operation sends or receives.
    The specification requires a root operation to point at a root channel, not at a
    reusable one under components, so that every tool resolves the same address.""",
    bad=asyncapi3("""channels:
  paymentSettled:
    address: finance.payment.settled
operations:
  publishPaymentSettled:
    action: send
    channel:
      $ref: '#/channels/paymentSetled'
"""),
    good=settled_publisher(""),
)
def operation_channel(index: Index) -> Iterator[Violation]:
    root_channels = as_dict(index.doc.get("channels"))
    defined = ", ".join(root_channels) or "none"
    for name, op, loc, is_root in operations_v3(index):
        channel = op.get("channel")
        if is_root and is_ref(channel):
            target = ref_target(index, channel, loc.child("channel"))
            tokens = jp.split(target.pointer) if target is not None else []
            if target is None or target.file != index.root or len(tokens) != 2 or \
                    tokens[0] != "channels" or tokens[1] not in root_channels:
                yield Violation(loc.child("channel", "$ref"),
                                f"operation {name!r} refers to channel {channel['$ref']!r}; "
                                "expected a reference to a channel under the root "
                                f"'channels' (defined: {defined})")
        elif is_ref(channel) and resolved_dict(index, channel, loc.child("channel")) is None:
            yield Violation(loc.child("channel", "$ref"),
                            f"operation {name!r} refers to channel {channel['$ref']!r}, which "
                            "cannot be resolved")
        reply = resolved_dict(index, op.get("reply"), loc.child("reply"))
        if reply is not None and is_ref(reply[0].get("channel")) and resolved_dict(
                index, reply[0]["channel"], reply[1].child("channel")) is None:
            yield Violation(reply[1].child("channel", "$ref"),
                            f"the reply of operation {name!r} refers to channel "
                            f"{reply[0]['channel']['$ref']!r}, which cannot be resolved")


def _settled_sent_as(message_ref: str) -> str:
    """The example of the rule below: its bad and good documents differ only in the message
    reference of publishPaymentSettled, whose channel carries the message as ``settled``."""
    return asyncapi3(
        "channels:\n  paymentSettled:\n    address: finance.payment.settled\n"
        "    messages:\n      settled:\n        $ref: '#/components/messages/PaymentSettled'\n"
        "operations:\n  publishPaymentSettled:\n    action: send\n    channel:\n"
        "      $ref: '#/channels/paymentSettled'\n"
        f"    messages:\n      - $ref: '{message_ref}'\n"
        "components:\n  messages:\n    PaymentSettled:\n      payload: {type: object}\n")


@rule(
    "asyncapi-operation-messages-from-referred-channel",
    severity="error",
    family="asyncapi",
    formats=frozenset({ASYNCAPI3}),
    summary="A 3.x operation's (and its reply's) messages are references to messages of "
            "the channel it names (AsyncAPI parser "
            "asyncapi3-operation-messages-from-referred-channel).",
    why="""An operation can only send or receive what travels on its channel. A message
    reference that points elsewhere (another channel, or straight at components.messages)
    describes a message that never appears where the operation listens, so generated
    code and contract tests check the wrong thing.""",
    bad=_settled_sent_as("#/components/messages/PaymentSettled"),
    good=_settled_sent_as("#/channels/paymentSettled/messages/settled"),
)
def operation_messages_from_channel(index: Index) -> Iterator[Violation]:
    for name, op, loc, _ in operations_v3(index):
        yield from _messages_of_channel(index, f"operation {name!r}", op, loc)
        reply = resolved_dict(index, op.get("reply"), loc.child("reply"))
        if reply is not None:
            yield from _messages_of_channel(index, f"the reply of operation {name!r}",
                                            reply[0], reply[1])


def _messages_of_channel(index: Index, label: str, holder: dict[str, Any],
                         loc: Loc) -> Iterator[Violation]:
    channel_ref = holder.get("channel")
    messages = as_list(holder.get("messages"))
    if not messages or not is_ref(channel_ref):
        return
    channel = resolved_dict(index, channel_ref, loc.child("channel"))
    target = ref_target(index, channel_ref, loc.child("channel"))
    if channel is None or target is None:
        return  # asyncapi-operation-channel reports it
    own = as_dict(channel[0].get("messages"))
    # A message may be named through the reference the operation uses or through the
    # channel's own location (they differ when the channel is itself a reference).
    parents = {(target.file, target.pointer + "/messages"),
               (channel[1].file, channel[1].pointer + "/messages")}
    for i, message in enumerate(messages):
        if not is_ref(message):
            continue
        where = loc.child("messages", i)
        found = ref_target(index, message, where)
        ok = False
        if found is not None:
            parent, _, key = found.pointer.rpartition("/")
            ok = (found.file, parent) in parents and jp.unescape(key) in own
        if not ok:
            names = ", ".join(f"{channel_ref['$ref']}/messages/{jp.escape(m)}" for m in own)
            yield Violation(where.child("$ref"),
                            f"{label} lists message {message['$ref']!r}, which is not a "
                            f"message of its channel {channel_ref['$ref']!r}; expected one "
                            f"of: {names or 'none (the channel declares no messages)'}")
