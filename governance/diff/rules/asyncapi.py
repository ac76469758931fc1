"""AsyncAPI rules: servers, channels, operations, messages, bindings and security.

Payload and headers schemas are compared by the schema rules (the walker hands them the
direction); the rules here are about everything around them. Levels follow one principle, the
same as for HTTP: what the application *sends* (``publish``) must not widen, what it
*receives* (``subscribe``) must not narrow, and what connects the two sides (addresses,
servers, protocols, exchanges, topics, security) must not move.

A new message type on an existing operation is therefore breaking when the application sends
it (consumers generated or validated against the documented set of messages reject what they
do not know, exactly like a new enum value in a response) and information when it receives it.
Adding a *new operation* (or channel) is the compatible way to publish a new kind of event:
consumers opt in by subscribing to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from ledgerpact.governance.diff.asyncapi_model import (
    At,
    Chan,
    Op,
    Security,
    is_json_schema_format,
)
from ledgerpact.governance.diff.catalog import diff_rule
from ledgerpact.governance.diff.model import Check, Direction, Hit
from ledgerpact.governance.diff.pairs import Pair
from ledgerpact.governance.diff.rules._common import only_on_one_side
from ledgerpact.governance.lint.model import ASYNCAPI, Loc
from ledgerpact.registry.refs import is_ref

FAMILY = "asyncapi"
# Every AsyncAPI rule is of this family and runs on AsyncAPI documents only.
async_rule = partial(diff_rule, family=FAMILY, formats=ASYNCAPI)
_MISSING = object()
# Keys that only document: never a change of the interface.
_DOCS = frozenset({"description", "summary", "title", "examples", "example", "externalDocs",
                   "tags"})


def _swap(text: str, *edits: tuple[str, str]) -> str:
    """The example document with exact edits applied (each must apply once)."""
    for old, new in edits:
        if text.count(old) != 1:
            raise ValueError(f"example edit does not apply once: {old!r}")
        text = text.replace(old, new)
    return text


_DOC = """asyncapi: 3.0.0
info:
  title: Invoice events
  version: 1.0.0
defaultContentType: application/json
servers:
  production:
    host: rabbitmq.example.com:5672
    protocol: amqp
    protocolVersion: 0.9.1
    security:
      - $ref: '#/components/securitySchemes/brokerUser'
channels:
  invoicePosted:
    address: finance.invoice.posted
    messages:
      invoicePosted:
        $ref: '#/components/messages/InvoicePosted'
    bindings:
      amqp:
        is: routingKey
        exchange:
          name: finance.events
          type: topic
          durable: true
        bindingVersion: 0.3.0
  paymentReceived:
    address: finance.payment.received
    messages:
      paymentReceived:
        $ref: '#/components/messages/PaymentReceived'
operations:
  sendInvoicePosted:
    action: send
    channel:
      $ref: '#/channels/invoicePosted'
    messages:
      - $ref: '#/channels/invoicePosted/messages/invoicePosted'
    bindings:
      amqp:
        cc: [finance.invoice.posted]
        deliveryMode: 2
        bindingVersion: 0.3.0
  receivePaymentReceived:
    action: receive
    channel:
      $ref: '#/channels/paymentReceived'
    messages:
      - $ref: '#/channels/paymentReceived/messages/paymentReceived'
components:
  securitySchemes:
    brokerUser:
      type: userPassword
  messages:
    InvoicePosted:
      name: InvoicePosted
      contentType: application/json
      correlationId:
        location: $message.header#/correlationId
      headers:
        type: object
        properties:
          correlationId: {type: string}
      payload:
        type: object
        required: [invoiceId, amount]
        properties:
          invoiceId: {type: string}
          amount: {type: string}
    PaymentReceived:
      name: PaymentReceived
      payload:
        type: object
        properties:
          paymentId: {type: string}
          amount: {type: string}
"""


def _channel(name: str, address: str, message: str, component: str) -> str:
    """A channel (at 2 spaces) carrying one message, a component one."""
    return (f"  {name}:\n    address: {address}\n    messages:\n      {message}:\n"
            f"        $ref: '#/components/messages/{component}'\n")


def _send(name: str, channel: str) -> str:
    """A send operation (at 2 spaces) on a channel, carrying all its messages."""
    return f"  {name}:\n    action: send\n    channel:\n      $ref: '#/channels/{channel}'\n"


def _receive_payments(channel: str) -> str:
    """The receive operation of _DOC, on ``channel``."""
    return (f"  receivePaymentReceived:\n    action: receive\n    channel:\n"
            f"      $ref: '#/channels/{channel}'\n    messages:\n"
            f"      - $ref: '#/channels/{channel}/messages/paymentReceived'\n")


# Edits of _DOC that several examples make (each an (old, new) pair for _swap), and the
# pieces of it they move. A second server:
_NATS = ("""    protocolVersion: 0.9.1
    security:
      - $ref: '#/components/securitySchemes/brokerUser'
""", """    protocolVersion: 0.9.1
    security:
      - $ref: '#/components/securitySchemes/brokerUser'
  nats:
    host: nats.example.com:4222
    protocol: nats
""")
# The paymentReceived channel on one server only:
_PAYMENTS_ON_PRODUCTION = ("""    address: finance.payment.received
""", """    address: finance.payment.received
    servers:
      - $ref: '#/servers/production'
""")
# The PaymentReceived message declares its own content type:
_PAYMENT_CONTENT_TYPE = ("""      name: PaymentReceived
""", """      name: PaymentReceived
      contentType: application/json
""")
# The receive operation, and the PaymentReceived message, whole:
_RECEIVE_PAYMENTS = _receive_payments("paymentReceived")
_PAYMENT_PAYLOAD = """      name: PaymentReceived
      payload:
        type: object
        properties:
          paymentId: {type: string}
          amount: {type: string}
"""

_TWO_SERVERS = _swap(_DOC, _NATS)


def _show(value: Any) -> str:
    if value is _MISSING or value is None:
        return "(none)"
    if isinstance(value, str):
        return repr(value)
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _at(entry: tuple[Any, Loc] | None, *path: str) -> At | None:
    """Where ``path`` leads under an entry (a node and its place): as deep as the node has
    it, so a keyword a side leaves out points at what would hold it. None without an
    entry."""
    if entry is None:
        return None
    node, loc = entry
    found: list[str] = []
    for token in path:
        if not isinstance(node, dict) or token not in node:
            break
        node = node[token]
        found.append(token)
    return tuple(loc.child(*found) if found else loc)  # type: ignore[return-value]


def _by_name(base: dict[str, Any], rev: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(name, base entry or None, revision entry or None) for each name either side has,
    the base's first."""
    for name in [*base, *(n for n in rev if n not in base)]:
        yield name, base.get(name), rev.get(name)


def _change(what: str, old: Any, new: Any) -> str:
    """A message for a value added, removed (either side ``_MISSING``) or changed."""
    if old is _MISSING:
        return f"{what} added ({_show(new)})"
    if new is _MISSING:
        return f"{what} removed (was {_show(old)})"
    return f"{what} changed from {_show(old)} to {_show(new)}"


def _same_text(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return bool(a == b)


# -- channels --------------------------------------------------------------------------------

def _chan(pair: Pair, side: str) -> Chan | None:
    found: Chan | None = pair.info.get(side)
    return found


def _chan_name(chan: Chan) -> str:
    return chan.shown


@async_rule(
    "channel-added", kind="channel", level="info", additive=True,
    summary="A channel was added (with its operations).",
    why="""A new address nobody used before: existing producers and consumers are not
    affected, and those who want the new messages opt in by subscribing.""",
    base=_DOC,
    revision=_swap(_DOC, ("operations:\n", _channel(
        "invoiceVoided", "finance.invoice.voided", "invoiceVoided", "InvoicePosted")
        + "operations:\n" + _send("sendInvoiceVoided", "invoiceVoided"))),
)
def channel_added(pair: Pair) -> Iterator[Hit]:
    rev = _chan(pair, "rev")
    if pair.added and rev is not None:
        yield Hit(f"channel {_chan_name(rev)!r} added")


@async_rule(
    "channel-removed", kind="channel", level="breaking",
    summary="A channel was removed (with its operations).",
    why="""Consumers subscribed to the address stop receiving anything, and producers that
    still send to it reach nobody. The operations on it are listed as affected instead of
    being reported one by one.""",
    base=_DOC,
    revision=_swap(_DOC, (_channel("paymentReceived", "finance.payment.received",
                                   "paymentReceived", "PaymentReceived"), ""),
                   (_RECEIVE_PAYMENTS, "")),
)
def channel_removed(pair: Pair) -> Iterator[Hit]:
    base = _chan(pair, "base")
    if pair.removed and base is not None:
        yield Hit(f"channel {_chan_name(base)!r} removed")


@async_rule(
    "channel-address-changed", kind="channel", level="breaking",
    summary="A channel's address (topic, routing key, queue, path) changed.",
    why="""Producers and consumers meet at the address: after the change, those still using
    the old one no longer meet those using the new one. Renaming the channel's id while
    keeping its address is no change.""",
    base=_DOC,
    revision=_swap(_DOC, ("address: finance.invoice.posted", "address: finance.invoice.booked")),
)
def channel_address_changed(pair: Pair) -> Iterator[Hit]:
    base, rev = _chan(pair, "base"), _chan(pair, "rev")
    if base is None or rev is None or base.address == rev.address:
        return
    yield Hit(f"address changed from {_show(base.address)} to {_show(rev.address)}",
              base_at=_chan_at(base, "address"), rev_at=_chan_at(rev, "address"))


def _chan_at(chan: Chan, key: str) -> At | None:
    return _at((chan.node, chan.loc), key)


@async_rule(
    "channel-server-removed", kind="channel", level="breaking",
    summary="A channel is no longer available on a server that still exists.",
    why="""Clients connected to that server used the channel there; they now have to move to
    another server to reach it. (A channel listing no servers is on every server; a server
    removed altogether is reported once, as server-removed.)""",
    base=_TWO_SERVERS,
    revision=_swap(_TWO_SERVERS, _PAYMENTS_ON_PRODUCTION),
)
def channel_server_removed(pair: Pair) -> Iterator[Hit]:
    base, rev = _chan(pair, "base"), _chan(pair, "rev")
    if base is None or rev is None:
        return
    gone = pair.info["base_servers"] - pair.info["rev_servers"] - pair.info["removed_servers"]
    for name in sorted(gone):
        yield Hit(f"channel no longer available on server {name!r}",
                  base_at=_chan_at(base, "servers"), rev_at=_chan_at(rev, "servers"))


@async_rule(
    "channel-server-added", kind="channel", level="info", additive=True,
    summary="A channel became available on another existing server.",
    why="""Clients of that server can now reach the channel too; nothing changes for the
    others.""",
    base=_swap(_TWO_SERVERS, _PAYMENTS_ON_PRODUCTION),
    revision=_TWO_SERVERS,
)
def channel_server_added(pair: Pair) -> Iterator[Hit]:
    base, rev = _chan(pair, "base"), _chan(pair, "rev")
    if base is None or rev is None:
        return
    new = pair.info["rev_servers"] - pair.info["base_servers"] - pair.info["added_servers"]
    for name in sorted(new):
        yield Hit(f"channel now also available on server {name!r}",
                  base_at=_chan_at(base, "servers"), rev_at=_chan_at(rev, "servers"))


# -- channel parameters and server variables --------------------------------------------------

_PARAM_DOC = _swap(_DOC, ("""    address: finance.payment.received
""", """    address: finance.payment.{paymentType}
    parameters:
      paymentType:
        enum: [received, returned]
        location: $message.payload#/type
"""))
# The same address, its parameter not described:
_NO_PARAM_DOC = _swap(_PARAM_DOC, ("""    parameters:
      paymentType:
        enum: [received, returned]
        location: $message.payload#/type
""", """    parameters: {}
"""))


def _variables(pair: Pair, holder: str) -> Iterator[tuple[str, Any, Any]]:
    """(name, base entry, revision entry) for each variable of a holder; missing: None."""
    if pair.info.get("holder") == holder:
        yield from _by_name(pair.base, pair.rev)


def _description_check(holder: str, added: bool) -> Check:
    """A channel parameter or server variable now described (``added``), or no longer."""
    what = "parameter" if holder == "channel" else "server variable"

    def check(pair: Pair) -> Iterator[Hit]:
        if holder == "channel" and pair.info.get("address_changed"):
            return  # part of channel-address-changed
        for name, base, rev in _variables(pair, holder):
            if added and base is None and rev is not None:
                yield Hit(f"{what} {name!r} described", no_base=True, rev_at=_at(rev))
            elif not added and base is not None and rev is None:
                yield Hit(f"{what} {name!r} no longer described", base_at=_at(base),
                          no_rev=True)
    return check


async_rule(
    "channel-parameter-added", kind="variables", level="info", additive=True,
    summary="A parameter of an unchanged channel address is now described.",
    why="""The address is the same, so nobody sends or listens elsewhere: the new parameter
    object only says what the variable part may hold. (A parameter that comes with a new
    address is part of channel-address-changed.) Its values are then compared by the schema
    rules.""",
    base=_NO_PARAM_DOC,
    revision=_PARAM_DOC,
)(_description_check("channel", added=True))


async_rule(
    "channel-parameter-removed", kind="variables", level="warning",
    summary="A parameter of an unchanged channel address is no longer described.",
    why="""The address still has the variable, but what values it may take (its enum,
    default, location) is no longer said: any value may now appear, which readers that
    relied on the list should check.""",
    base=_PARAM_DOC,
    revision=_NO_PARAM_DOC,
)(_description_check("channel", added=False))


@async_rule(
    "channel-parameter-location-changed", kind="variables", level="warning",
    summary="Where a channel parameter's value is found in the message changed.",
    why="""Consumers that read the parameter's value from the message (instead of parsing the
    address) now look in the wrong place; the address itself did not change.""",
    base=_PARAM_DOC,
    revision=_swap(_PARAM_DOC, ("location: $message.payload#/type",
                                "location: $message.header#/paymentType")),
)
def channel_parameter_location_changed(pair: Pair) -> Iterator[Hit]:
    for name, base, rev in _variables(pair, "channel"):
        if base is None or rev is None:
            continue
        old, new = (_dict(base[0]).get("location", _MISSING),
                    _dict(rev[0]).get("location", _MISSING))
        if old != new:
            yield Hit(f"parameter {name!r} location changed from {_show(old)} to {_show(new)}",
                      base_at=_at(base, "location"), rev_at=_at(rev, "location"))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_VAR_DOC = _swap(_DOC, ("""    host: rabbitmq.example.com:5672
""", """    host: rabbitmq.example.com:{port}
    variables:
      port:
        enum: ['5672', '5671']
        default: '5672'
"""))
# The same host, its variable not described:
_NO_VAR_DOC = _swap(_VAR_DOC, ("""    variables:
      port:
        enum: ['5672', '5671']
        default: '5672'
""", "    variables: {}\n"))


async_rule(
    "server-variable-added", kind="variables", level="info", additive=True,
    summary="A variable of an unchanged server address is now described.",
    why="""The address is the same; the variable object only documents the values clients
    may choose. Its enum and default are then compared by the schema rules.""",
    base=_NO_VAR_DOC,
    revision=_VAR_DOC,
)(_description_check("server", added=True))


async_rule(
    "server-variable-removed", kind="variables", level="warning",
    summary="A variable of a server address is no longer described.",
    why="""Clients no longer learn which values (and which default) the variable takes: those
    that filled it from the documented enum or default should check it.""",
    base=_VAR_DOC,
    revision=_NO_VAR_DOC,
)(_description_check("server", added=False))


# -- servers ---------------------------------------------------------------------------------


@async_rule(
    "server-added", kind="server", level="info", additive=True,
    summary="A server (broker) was added.",
    why="""Another place to connect to; clients of the existing servers are not affected.""",
    base=_DOC,
    revision=_TWO_SERVERS,
)
def server_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        yield Hit(f"server {pair.info['name']!r} added")


@async_rule(
    "server-removed", kind="server", level="breaking",
    summary="A server (broker) was removed.",
    why="""Clients configured for that server can no longer connect, and the operations on
    its channels are gone from it.""",
    base=_TWO_SERVERS,
    revision=_DOC,
)
def server_removed(pair: Pair) -> Iterator[Hit]:
    if pair.removed:
        yield Hit(f"server {pair.info['name']!r} removed")


def _facts(pair: Pair) -> tuple[dict[str, Any], dict[str, Any]] | None:
    base, rev = pair.info.get("base"), pair.info.get("rev")
    if not isinstance(base, dict) or not isinstance(rev, dict):
        return None
    return base, rev


def _fact_changes(facts: tuple[dict[str, Any], dict[str, Any]], keys: tuple[str, ...],
                  same: Callable[[Any, Any], bool]) -> Iterator[Hit]:
    """Each of a server's ``keys`` (value, place) whose value is not the ``same`` on both
    sides."""
    for key in keys:
        old, new = facts[0][key], facts[1][key]
        if not same(old[0], new[0]):
            yield Hit(f"{key} changed from {_show(old[0])} to {_show(new[0])}",
                      base_at=old[1], rev_at=new[1])


@async_rule(
    "server-address-changed", kind="server", level="breaking",
    summary="A server's host, path or URL changed.",
    why="""Clients connect to the documented address: those configured from the old document
    no longer reach the broker.""",
    base=_DOC,
    revision=_swap(_DOC, ("host: rabbitmq.example.com:5672", "host: mq.example.com:5672")),
)
def server_address_changed(pair: Pair) -> Iterator[Hit]:
    facts = _facts(pair)
    if facts is not None:
        both_urls = "url" in facts[0] and "url" in facts[1]
        yield from _fact_changes(facts, ("url",) if both_urls else ("host", "pathname"),
                                 lambda a, b: bool(a == b))


@async_rule(
    "server-protocol-changed", kind="server", level="breaking",
    summary="A server's protocol or protocol version changed.",
    why="""A client speaking AMQP 0.9.1 cannot talk to an AMQP 1.0 broker, nor an MQTT
    client to a Kafka one: every client has to change.""",
    base=_DOC,
    revision=_swap(_DOC, ("protocolVersion: 0.9.1", "protocolVersion: 1.0.0")),
)
def server_protocol_changed(pair: Pair) -> Iterator[Hit]:
    facts = _facts(pair)
    if facts is not None:
        yield from _fact_changes(facts, ("protocol", "protocolVersion"), _same_text)


# -- operations ------------------------------------------------------------------------------

def _ops(pair: Pair) -> tuple[Op | None, Op | None]:
    return pair.info.get("base"), pair.info.get("rev")


def _described(op: Op) -> str:
    if op.keyword:
        return f"{op.keyword} operation on channel {op.chan!r}"
    return f"{op.action} operation {op.id!r}"


@async_rule(
    "async-operation-added", kind="async-operation", level="info", additive=True,
    summary="An operation (send or receive) was added on an existing channel.",
    why="""A new interaction: consumers of a new send operation opt in by subscribing to it,
    and a new receive operation accepts messages nobody had to send before.""",
    base=_DOC,
    revision=_swap(_DOC, ("components:\n",
                          _send("sendPaymentReceived", "paymentReceived") + "components:\n")),
)
def async_operation_added(pair: Pair) -> Iterator[Hit]:
    _, rev = _ops(pair)
    if pair.added and rev is not None:
        yield Hit(f"{_described(rev)} added")


@async_rule(
    "async-operation-removed", kind="async-operation", level="breaking",
    summary="An operation (send or receive) was removed from a channel that remains.",
    why="""A removed send operation means consumers waiting for its messages never get them
    again; a removed receive operation means producers still send messages that nobody in
    this application handles.""",
    base=_DOC,
    revision=_swap(_DOC, (_RECEIVE_PAYMENTS, "")),
)
def async_operation_removed(pair: Pair) -> Iterator[Hit]:
    base, _ = _ops(pair)
    if pair.removed and base is not None:
        yield Hit(f"{_described(base)} removed")


@async_rule(
    "async-operation-action-changed", kind="async-operation", level="breaking",
    summary="An operation changed from send to receive or back.",
    why="""The messages now flow the other way: the former consumers get nothing and the
    former producers' messages are no longer what the application sends.""",
    base=_DOC,
    revision=_swap(_DOC, ("""  receivePaymentReceived:
    action: receive""", """  receivePaymentReceived:
    action: send""")),
)
def async_operation_action_changed(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is None or rev is None or base.action == rev.action:
        return
    yield Hit(f"action changed from {base.action} to {rev.action}"
              + (f" ({base.keyword} -> {rev.keyword})" if base.keyword and rev.keyword else ""),
              base_at=base.obj.at("action") if "action" in base.obj.value else None,
              rev_at=rev.obj.at("action") if "action" in rev.obj.value else None)


# A second channel for payments:
_RETURNS_DOC = _swap(_DOC, ("operations:\n", _channel(
    "paymentReturned", "finance.payment.returned", "paymentReceived", "PaymentReceived")
    + "operations:\n"))


@async_rule(
    "async-operation-channel-changed", kind="async-operation", level="breaking",
    summary="An operation moved to another channel.",
    why="""Its messages are now sent or expected at another address: the other side, still
    at the old one, no longer meets it.""",
    base=_RETURNS_DOC,
    revision=_swap(_RETURNS_DOC, (_RECEIVE_PAYMENTS, _receive_payments("paymentReturned"))),
)
def async_operation_channel_changed(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is None or rev is None:
        return
    if pair.info["base_channel"] == rev.chan and base.chan is not None:
        return
    if base.chan is None and rev.chan is None:
        return
    old, new = pair.info["base_channel_shown"], pair.info["rev_channel_shown"]
    yield Hit(f"channel changed from {old!r} to {new!r}",
              base_at=base.obj.at("channel") if "channel" in base.obj.value else None,
              rev_at=rev.obj.at("channel") if "channel" in rev.obj.value else None)


@async_rule(
    "async-operation-id-changed", kind="async-operation", level="info",
    summary="An operation's id changed (3.x: its key under operations; 2.x: its "
            "operationId).",
    why="""The id is not on the wire: producers and consumers keep meeting at the same
    address with the same messages. Clients generated from the document see a new method
    name, which is worth a line in the changelog but breaks nobody at run time. (A 3.x
    operation whose id changed is found again by what the other side sees, its action,
    channel, messages and reply, or failing that by its action, channel and the ids of its
    messages; only one that changed those as well is reported as removed and added.)""",
    base=_DOC,
    revision=_swap(_DOC, ("  receivePaymentReceived:\n", "  handlePaymentReceived:\n")),
)
def async_operation_id_changed(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is None or rev is None or base.id == rev.id:
        return
    if not base.keyword and not rev.keyword:  # both 3.x: the id is the key
        yield Hit(f"operation id changed from {_show(base.id)} to {_show(rev.id)}",
                  base_at=base.id_at, rev_at=rev.id_at)
    elif base.keyword and rev.keyword:
        yield Hit(f"operationId changed from {_show(base.id or None)} to "
                  f"{_show(rev.id or None)}", base_at=base.id_at, rev_at=rev.id_at)


# -- replies (3.x request/reply) ---------------------------------------------------------------

_REPLY_DOC = _swap(_DOC, ("""    messages:
      - $ref: '#/channels/paymentReceived/messages/paymentReceived'
components:
""", """    messages:
      - $ref: '#/channels/paymentReceived/messages/paymentReceived'
    reply:
      address:
        location: $message.header#/replyTo
      channel:
        $ref: '#/channels/invoicePosted'
components:
"""))


@async_rule(
    "reply-added", kind="async-operation", level="info", additive=True,
    summary="An operation now replies to what it receives (or expects a reply).",
    why="""The reply is a new message on a separate flow: requesters that do not wait for it
    are not affected.""",
    base=_DOC,
    revision=_REPLY_DOC,
)
def reply_added(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is not None and rev is not None and base.reply is None and rev.reply is not None:
        yield Hit("reply added", no_base=True, rev_at=tuple(rev.reply.loc))  # type: ignore[arg-type]


@async_rule(
    "reply-removed", kind="async-operation", level="breaking",
    summary="An operation no longer replies.",
    why="""Requesters wait for a reply that never comes (request/reply over messaging has no
    status code to tell them).""",
    base=_REPLY_DOC,
    revision=_DOC,
)
def reply_removed(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is not None and rev is not None and base.reply is not None and rev.reply is None:
        yield Hit("reply removed", base_at=tuple(base.reply.loc), no_rev=True)  # type: ignore[arg-type]


@async_rule(
    "reply-channel-changed", kind="async-operation", level="breaking",
    summary="The channel a reply is sent on changed.",
    why="""Requesters listen for the reply where the document said it would come.""",
    base=_REPLY_DOC,
    revision=_swap(_REPLY_DOC, ("""      channel:
        $ref: '#/channels/invoicePosted'
components:""", """      channel:
        $ref: '#/channels/invoiceAcknowledged'
components:"""), ("operations:\n", _channel(
        "invoiceAcknowledged", "finance.invoice.acknowledged", "invoicePosted",
        "InvoicePosted") + "operations:\n")),
)
def reply_channel_changed(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is None or rev is None or base.reply is None or rev.reply is None:
        return
    old = pair.info["chan_map"].get(base.reply.chan) if base.reply.chan else None
    if old == rev.reply.chan and (base.reply.chan is None) == (rev.reply.chan is None):
        return
    yield Hit(f"reply channel changed from {_show(base.reply.chan)} to "
              f"{_show(rev.reply.chan)}",
              base_at=_reply_at(base, "channel"), rev_at=_reply_at(rev, "channel"))


def _reply_at(op: Op, key: str) -> At | None:
    assert op.reply is not None
    return _at((op.reply.node, op.reply.loc), key)


@async_rule(
    "reply-address-changed", kind="async-operation", level="breaking",
    summary="Where the reply address is taken from changed.",
    why="""Requesters put their reply address where the document told them (a header, a
    payload field); the replier now looks elsewhere, and the replies go astray.""",
    base=_REPLY_DOC,
    revision=_swap(_REPLY_DOC, ("location: $message.header#/replyTo",
                                "location: $message.header#/reply_to")),
)
def reply_address_changed(pair: Pair) -> Iterator[Hit]:
    base, rev = _ops(pair)
    if base is None or rev is None or base.reply is None or rev.reply is None:
        return
    old = _dict(base.reply.address[0]).get("location") if base.reply.address else None
    new = _dict(rev.reply.address[0]).get("location") if rev.reply.address else None
    if old == new:
        return
    yield Hit(f"reply address location changed from {_show(old)} to {_show(new)}",
              base_at=_address_at(base), rev_at=_address_at(rev))


def _address_at(op: Op) -> At | None:
    assert op.reply is not None
    if op.reply.address is None:
        return _at((op.reply.node, op.reply.loc))
    return _at(op.reply.address, "location")


# -- messages --------------------------------------------------------------------------------

_SEND_TWO = _swap(_DOC, ("""      invoicePosted:
        $ref: '#/components/messages/InvoicePosted'
""", """      invoicePosted:
        $ref: '#/components/messages/InvoicePosted'
      invoiceCorrected:
        $ref: '#/components/messages/InvoicePosted'
"""), ("""      - $ref: '#/channels/invoicePosted/messages/invoicePosted'
""", """      - $ref: '#/channels/invoicePosted/messages/invoicePosted'
      - $ref: '#/channels/invoicePosted/messages/invoiceCorrected'
"""))
_RECEIVE_TWO = _swap(_DOC, ("""      paymentReceived:
        $ref: '#/components/messages/PaymentReceived'
""", """      paymentReceived:
        $ref: '#/components/messages/PaymentReceived'
      paymentAdvised:
        $ref: '#/components/messages/PaymentReceived'
"""), ("""      - $ref: '#/channels/paymentReceived/messages/paymentReceived'
""", """      - $ref: '#/channels/paymentReceived/messages/paymentReceived'
      - $ref: '#/channels/paymentReceived/messages/paymentAdvised'
"""))


def _msg_facts(pair: Pair) -> tuple[dict[str, Any], dict[str, Any]] | None:
    base, rev = pair.info.get("base"), pair.info.get("rev")
    if base is None or rev is None:
        return None
    return base, rev


def _msg_fact(pair: Pair, key: str) -> tuple[Any, Any]:
    """One fact of a message kept on both sides: (base, revision); (None, None) when the
    message is not on both sides."""
    facts = _msg_facts(pair)
    return (None, None) if facts is None else (facts[0][key], facts[1][key])


def _schemas(pair: Pair) -> Iterator[tuple[str, Any, Any]]:
    """(part, base schema, revision schema) for a message's payload and headers, either
    schema None where that side has none; nothing when the message is not on both sides."""
    facts = _msg_facts(pair)
    if facts is not None:
        for part in ("payload", "headers"):
            yield part, facts[0][part], facts[1][part]


@async_rule(
    "message-added", kind="message", request="info", response="breaking", additive=True,
    example=Direction.PUBLISH,
    summary="An operation carries a message type it did not before.",
    why="""Sent by the application (publish), a new message type reaches consumers that were
    generated or validated against the documented set and do not know it: breaking, as a new
    value in a response enum is. Publish new kinds of events as a new operation (or channel)
    instead. Received by the application (subscribe), it only accepts more: information.""",
    base=_DOC,
    revision=_SEND_TWO,
)
def message_added(pair: Pair) -> Iterator[Hit]:
    if pair.added:
        facts = pair.info["rev"]
        yield Hit(f"message {facts['name']!r} added to {pair.info['holder']}")


@async_rule(
    "message-removed", kind="message", request="breaking", response="warning",
    example=Direction.SUBSCRIBE,
    summary="An operation no longer carries a message type.",
    why="""Received by the application (subscribe), producers still send it and nothing
    handles it any more: breaking. Sent by the application (publish), consumers parse nothing
    new but silently stop getting that message, which they may be waiting for: a warning.""",
    base=_RECEIVE_TWO,
    revision=_DOC,
)
def message_removed(pair: Pair) -> Iterator[Hit]:
    if pair.removed:
        facts = pair.info["base"]
        yield Hit(f"message {facts['name']!r} removed from {pair.info['holder']}")


@async_rule(
    "message-content-type-changed", kind="message", level="breaking",
    summary="A message's content type changed (its own, or the document default it uses).",
    why="""Producers serialise and consumers deserialise by the content type: JSON read as
    Avro, or CloudEvents structured mode read as plain JSON, fails for every message. A
    content type no longer declared at all leaves consumers guessing.""",
    base=_DOC,
    revision=_swap(_DOC, ("""      name: InvoicePosted
      contentType: application/json""", """      name: InvoicePosted
      contentType: application/cloudevents+json""")),
)
def message_content_type_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _msg_fact(pair, "content_type")
    if old is None or (new is not None and _same_text(old[0], new[0])):
        return  # none declared before: content-type-declared says it
    if new is None:
        yield Hit(f"content type {_show(old[0])} no longer declared", base_at=old[1],
                  rev_at=pair.rev_at())
        return
    yield Hit(f"content type changed from {_show(old[0])} to {_show(new[0])}",
              base_at=old[1], rev_at=new[1])


@async_rule(
    "message-content-type-declared", kind="message", level="info",
    summary="A message that declared no content type (nor had a default) now declares one.",
    why="""The document now says what was on the wire all along; nothing changes for
    producers or consumers that already agreed on it.""",
    base=_swap(_DOC, ("defaultContentType: application/json\n", "")),
    revision=_swap(_DOC, ("defaultContentType: application/json\n", ""),
                   _PAYMENT_CONTENT_TYPE),
)
def message_content_type_declared(pair: Pair) -> Iterator[Hit]:
    old, new = _msg_fact(pair, "content_type")
    if old is None and new is not None:
        yield Hit(f"content type {_show(new[0])} declared", base_at=pair.base_at(),
                  rev_at=new[1])


def _format_family(fmt: Any) -> str:
    if is_json_schema_format(fmt):
        return "AsyncAPI/JSON Schema"
    return str(fmt).split(";")[0].strip().lower()


_AVRO_DOC = _swap(_DOC, (_PAYMENT_PAYLOAD, """      name: PaymentReceived
      payload:
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        schema:
          type: record
          name: PaymentReceived
          fields:
            - {name: paymentId, type: string}
            - {name: amount, type: string}
"""))


@async_rule(
    "message-schema-format-changed", kind="message", level="breaking",
    summary="The schema language of a message's payload or headers changed (JSON Schema, "
            "Avro, Protobuf...).",
    why="""A new schema format means a new serialisation and new generated code on both
    sides; nothing can be compared between the two, so every reader and writer must
    change.""",
    base=_DOC,
    revision=_AVRO_DOC,
)
def message_schema_format_changed(pair: Pair) -> Iterator[Hit]:
    for part, old, new in _schemas(pair):
        if old is None or new is None:
            continue
        if _format_family(old.format) != _format_family(new.format):
            yield Hit(f"{part} schema format changed from {_format_family(old.format)} to "
                      f"{_format_family(new.format)}",
                      base_at=old.format_at or tuple(old.loc),
                      rev_at=new.format_at or tuple(new.loc))


@async_rule(
    "message-opaque-schema-changed", kind="message", level="warning",
    summary="A payload or headers schema in a format the schema rules cannot read (Avro, "
            "Protobuf, RAML...) changed.",
    why="""The change is real but its compatibility cannot be judged here: it is reported so
    it is never silently ignored (the AsyncAPI diff tool leaves it "unclassified"). Check it
    with the format's own compatibility rules, e.g. the schema registry's.""",
    base=_AVRO_DOC,
    revision=_swap(_AVRO_DOC, ("            - {name: amount, type: string}\n", "")),
)
def message_opaque_schema_changed(pair: Pair) -> Iterator[Hit]:
    for part, old, new in _schemas(pair):
        if old is None or new is None or old.json or new.json:
            continue
        if _format_family(old.format) != _format_family(new.format):
            continue  # message-schema-format-changed
        if old.value != new.value or (old.format or "") != (new.format or ""):
            what = "format version" if old.value == new.value else "schema"
            yield Hit(f"{part} {what} changed ({_format_family(new.format)}: not compared "
                      "by the schema rules)", base_at=tuple(old.loc), rev_at=tuple(new.loc))


@async_rule(
    "message-schema-added", kind="message", request="breaking", response="info",
    example=Direction.SUBSCRIBE,
    summary="A message's payload or headers got a schema where any value was allowed.",
    why="""A schema where there was none narrows what is accepted: received by the
    application, producers that sent something else now fail validation. Sent by it,
    consumers only learn more.""",
    base=_swap(_DOC, (_PAYMENT_PAYLOAD, "      name: PaymentReceived\n")),
    revision=_DOC,
)
def message_schema_added(pair: Pair) -> Iterator[Hit]:
    for part, old, new in _schemas(pair):
        if old is None and new is not None:
            yield Hit(f"{part} schema added", base_at=pair.base_at(), rev_at=tuple(new.loc))


@async_rule(
    "message-schema-removed", kind="message", request="info", response="breaking",
    example=Direction.PUBLISH,
    summary="A message's payload or headers lost its schema: any value is now allowed.",
    why="""Sent by the application, consumers relied on the documented structure and may now
    get anything. Received by it, producers are only freer.""",
    base=_DOC,
    revision=_swap(_DOC, ("""      headers:
        type: object
        properties:
          correlationId: {type: string}
""", "")),
)
def message_schema_removed(pair: Pair) -> Iterator[Hit]:
    for part, old, new in _schemas(pair):
        if old is not None and new is None:
            yield Hit(f"{part} schema removed", base_at=tuple(old.loc), rev_at=pair.rev_at())


@async_rule(
    "message-correlation-id-changed", kind="message", level="breaking",
    summary="Where a message's correlation id is found changed.",
    why="""Both sides correlate requests, replies and events of one business transaction by
    reading the id at the documented location: moved, the correlation breaks.""",
    base=_DOC,
    revision=_swap(_DOC, ("location: $message.header#/correlationId",
                          "location: $message.payload#/correlationId")),
)
def message_correlation_id_changed(pair: Pair) -> Iterator[Hit]:
    old, new = _msg_fact(pair, "correlation")
    if old is not None and new is not None and old[0] != new[0]:
        yield Hit(f"correlation id location changed from {_show(old[0])} to {_show(new[0])}",
                  base_at=old[1], rev_at=new[1])


@async_rule(
    "message-correlation-id-added", kind="message", level="info", additive=True,
    summary="A message now documents where its correlation id is.",
    why="""It tells readers where to find an id they could not rely on before; nothing that
    worked stops working.""",
    base=_DOC,
    revision=_swap(_DOC, ("""      name: PaymentReceived
""", """      name: PaymentReceived
      correlationId:
        location: $message.payload#/paymentId
""")),
)
def message_correlation_id_added(pair: Pair) -> Iterator[Hit]:
    old, new = _msg_fact(pair, "correlation")
    if old is None and new is not None:
        yield Hit(f"correlation id added at {_show(new[0])}", base_at=pair.base_at(),
                  rev_at=new[1])


@async_rule(
    "message-correlation-id-removed", kind="message", request="info", response="breaking",
    example=Direction.PUBLISH,
    summary="A message no longer documents its correlation id.",
    why="""Sent by the application, consumers that correlated its messages lose the
    guarantee the id is there. Received by it, the application simply stops reading it.""",
    base=_DOC,
    revision=_swap(_DOC, ("""      correlationId:
        location: $message.header#/correlationId
""", "")),
)
def message_correlation_id_removed(pair: Pair) -> Iterator[Hit]:
    old, new = _msg_fact(pair, "correlation")
    if old is not None and new is None:
        yield Hit(f"correlation id at {_show(old[0])} removed", base_at=old[1],
                  rev_at=pair.rev_at())


@async_rule(
    "message-name-changed", kind="message", level="warning",
    summary="A message's name changed.",
    why="""The name says which kind of message this is to whoever reads the document, and
    code generators name classes and handlers after it: review who relies on it. (The id
    the document gives a message, its key or 2.x messageId, is message-id-changed.)""",
    base=_DOC,
    revision=_swap(_DOC, ("name: InvoicePosted", "name: InvoiceBooked")),
)
def message_name_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.both:
        return
    old, new = pair.base.get("name", _MISSING), pair.rev.get("name", _MISSING)
    if old != new:
        b_msg, r_msg = pair.info["base_msg"], pair.info["rev_msg"]
        yield Hit(f"name changed from {_show(old)} to {_show(new)}",
                  base_at=b_msg.obj.at("name"), rev_at=r_msg.obj.at("name"))


@async_rule(
    "message-id-changed", kind="message", level="info",
    summary="The id the document gives a message changed (3.x: its key under the "
            "channel's messages; 2.x: its messageId) while the message did not.",
    why="""The id is not on the wire: the same name, content type, payload and headers still
    flow between the same producers and consumers. Clients generated from the document may
    see a new name, which is worth a changelog line but breaks nobody at run time. (A
    message whose id changed is found again by its name, content type, payload and headers,
    or failing that by its name alone, and any other change is then reported by its own
    rule; a message whose name changed as well is another message, removed and added.)""",
    base=_DOC,
    revision=_swap(_DOC, ("""      invoicePosted:
        $ref: '#/components/messages/InvoicePosted'""", """      invoiceBooked:
        $ref: '#/components/messages/InvoicePosted'"""),
                   ("messages/invoicePosted'", "messages/invoiceBooked'")),
    example=Direction.PUBLISH,
)
def message_id_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.both or pair.info.get("mixed"):
        return  # a 3.x key and a 2.x messageId are different things
    b_msg, r_msg = pair.info["base_msg"], pair.info["rev_msg"]
    if b_msg.id != r_msg.id:
        yield Hit(f"message id changed from {_show(b_msg.id)} to {_show(r_msg.id)}",
                  base_at=b_msg.id_at or tuple(b_msg.loc),
                  rev_at=r_msg.id_at or tuple(r_msg.loc))


# -- the document ----------------------------------------------------------------------------

@async_rule(
    "default-content-type-changed", kind="document", level="info",
    summary="The document's defaultContentType changed while no message relies on it.",
    why="""Every message declares its own content type, so nothing on the wire changes; it is
    reported so the change is not lost. (When messages do rely on the default, each change is
    message-content-type-changed, at the default.)""",
    base=_swap(_DOC, _PAYMENT_CONTENT_TYPE),
    revision=_swap(_DOC, _PAYMENT_CONTENT_TYPE,
                   ("defaultContentType: application/json", "defaultContentType: application/xml")),
)
def default_content_type_changed(pair: Pair) -> Iterator[Hit]:
    if not pair.info.get("asyncapi") or pair.info["default_used"]:
        return
    old, new = pair.info["base_ct"], pair.info["rev_ct"]
    if (old[0] if old else None) == (new[0] if new else None):
        return
    yield Hit(f"defaultContentType changed from {_show(old[0] if old else None)} to "
              f"{_show(new[0] if new else None)} (no message relies on it)",
              base_at=old[1] if old else None, rev_at=new[1] if new else None,
              no_base=old is None, no_rev=new is None)


# -- bindings --------------------------------------------------------------------------------

# (holder, protocol) -> the fields a specific rule reports, and which rule.
_DESTINATION = {("channel", "amqp"): (("is",), ("exchange", "name"), ("exchange", "type"),
                                      ("exchange", "vhost"), ("queue", "name"),
                                      ("queue", "vhost"))}
_TOPIC = {("channel", "kafka"): (("topic",),)}
_ROUTING = {("operation", "amqp"): (("cc",), ("bcc",))}


def _get(node: Any, path: tuple[str, ...]) -> Any:
    for token in path:
        if not isinstance(node, dict) or token not in node:
            return _MISSING
        node = node[token]
    return node


def _bindings(pair: Pair) -> Iterator[tuple[str, Any, Any]]:
    """(protocol, base (value, loc) or None, revision (value, loc) or None)."""
    return _by_name(pair.base, pair.rev)


def _specific(holder: str, protocol: str) -> tuple[tuple[str, ...], ...]:
    key = (holder, protocol)
    return _DESTINATION.get(key, ()) + _TOPIC.get(key, ()) + _ROUTING.get(key, ())


def _field_hits(pair: Pair, table: dict[tuple[str, str], tuple[tuple[str, ...], ...]]
                ) -> Iterator[Hit]:
    holder = pair.info["holder"]
    for protocol, base, rev in _bindings(pair):
        if base is None or rev is None:
            continue
        for path in table.get((holder, protocol), ()):
            old, new = _get(base[0], path), _get(rev[0], path)
            if old != new:
                yield Hit(f"{protocol} {holder} binding {'.'.join(path)} changed from "
                          f"{_show(old)} to {_show(new)}",
                          base_at=_at(base, *path), rev_at=_at(rev, *path))


@async_rule(
    "amqp-destination-changed", kind="binding", level="breaking",
    summary="An AMQP channel's exchange or queue (name, type, vhost) or its kind changed.",
    why="""Producers publish to the exchange by name and consumers bind their queues to it:
    a renamed exchange or another vhost splits them, and another exchange type (topic to
    direct or fanout) changes which queues get which messages.""",
    base=_DOC,
    revision=_swap(_DOC, ("name: finance.events", "name: finance.events.v2")),
)
def amqp_destination_changed(pair: Pair) -> Iterator[Hit]:
    yield from _field_hits(pair, _DESTINATION)


def _kafka_doc(topic: str) -> str:
    """The invoice channel also bound to a Kafka ``topic``."""
    return _swap(_DOC, ("""        bindingVersion: 0.3.0
  paymentReceived:""", f"""        bindingVersion: 0.3.0
      kafka:
        topic: {topic}
        bindingVersion: 0.5.0
  paymentReceived:"""))


@async_rule(
    "kafka-topic-changed", kind="binding", level="breaking",
    summary="The Kafka topic a channel binding names changed.",
    why="""Producers write to and consumer groups read from the topic by name: the two sides
    no longer meet.""",
    base=_kafka_doc("finance-invoices"),
    revision=_kafka_doc("finance-invoices-v2"),
)
def kafka_topic_changed(pair: Pair) -> Iterator[Hit]:
    yield from _field_hits(pair, _TOPIC)


def _routing_keys(entry: Any, field: str) -> list[Any]:
    if entry is None:
        return []
    value = _get(entry[0], (field,))
    return value if isinstance(value, list) else []


def _routing_key_check(added: bool) -> Check:
    """Routing keys (cc/bcc) an AMQP operation binding sends with now (``added``), or no
    longer."""
    def check(pair: Pair) -> Iterator[Hit]:
        if pair.info["holder"] != "operation":
            return
        for protocol, base, rev in _bindings(pair):
            if protocol != "amqp" or base is None or rev is None:
                continue
            for field in ("cc", "bcc"):
                old, new = _routing_keys(base, field), _routing_keys(rev, field)
                for key in only_on_one_side(old, new, added):
                    yield Hit(f"amqp routing key {_show(key)} "
                              f"{'added to' if added else 'removed from'} {field}",
                              base_at=_at(base, field), rev_at=_at(rev, field))
    return check


async_rule(
    "amqp-routing-key-removed", kind="binding", level="breaking",
    summary="An AMQP operation no longer sends with a routing key (cc/bcc).",
    why="""Consumers bind their queues by routing key: those bound to the removed key stop
    getting the messages.""",
    base=_DOC,
    revision=_swap(_DOC, ("cc: [finance.invoice.posted]", "cc: [finance.invoice.booked]")),
)(_routing_key_check(added=False))
async_rule(
    "amqp-routing-key-added", kind="binding", level="info", additive=True,
    summary="An AMQP operation also sends with another routing key (cc/bcc).",
    why="""Queues bound to the existing keys still get the messages; new bindings may use the
    new key.""",
    base=_DOC,
    revision=_swap(_DOC, ("cc: [finance.invoice.posted]",
                          "cc: [finance.invoice.posted, finance.invoice.booked]")),
)(_routing_key_check(added=True))


def _leaves(base: Any, rev: Any, path: tuple[str, ...] = ()
            ) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """Every leaf value that differs (lists are values), skipping documentation keys; a
    side where the key is missing is ``_MISSING``."""
    stack = [(base, rev, path)]
    while stack:
        b, r, p = stack.pop()
        bd = isinstance(b, dict) and not is_ref(b)
        rd = isinstance(r, dict) and not is_ref(r)
        if (bd or b is _MISSING) and (rd or r is _MISSING) and (bd or rd):
            bkeys = list(b) if bd else []
            rkeys = [k for k in (r if rd else []) if k not in bkeys]
            for key in reversed([*bkeys, *rkeys]):
                if key in _DOCS:
                    continue
                stack.append((b.get(key, _MISSING) if bd else _MISSING,
                              r.get(key, _MISSING) if rd else _MISSING, (*p, str(key))))
        elif b != r:
            yield p, b, r


@async_rule(
    "binding-changed", kind="binding", level="warning",
    summary="A protocol binding (server, channel, operation or message) changed where no "
            "more specific rule applies.",
    why="""Bindings carry the broker-level contract (queue durability, delivery mode, Kafka
    partitions, WebSocket query parameters, message keys): a change may well break clients,
    but its effect depends on the protocol, so it is a warning to review rather than a
    verdict. Exchange, queue, topic and routing-key changes have their own rules.""",
    base=_DOC,
    revision=_swap(_DOC, ("deliveryMode: 2", "deliveryMode: 1")),
)
def binding_changed(pair: Pair) -> Iterator[Hit]:
    holder = pair.info["holder"]
    for protocol, base, rev in _bindings(pair):
        if base is None and rev is not None:
            yield Hit(f"{protocol} {holder} binding added", no_base=True,
                      rev_at=_at(rev))
            continue
        if rev is None and base is not None:
            yield Hit(f"{protocol} {holder} binding removed", base_at=_at(base),
                      no_rev=True)
            continue
        covered = set(_specific(holder, protocol))
        for path, old, new in _leaves(base[0], rev[0]):
            if path in covered:
                continue
            shown = ".".join(path) or "value"
            yield Hit(_change(f"{protocol} {holder} binding {shown}", old, new),
                      base_at=_at(base, *path), rev_at=_at(rev, *path))


# -- security --------------------------------------------------------------------------------

def _security(pair: Pair) -> tuple[Security, Security]:
    return pair.base, pair.rev


def _alternatives(security: Security) -> dict[frozenset[str], Any]:
    return {frozenset(req.schemes): req for req in security.alternatives}


def _names(schemes: frozenset[str]) -> str:
    return " + ".join(sorted(schemes))


def _alternative_check(added: bool) -> Check:
    """A way to authenticate accepted now (``added``) or no longer, where both sides
    require some security (otherwise async-security-added/-removed say it once)."""
    def check(pair: Pair) -> Iterator[Hit]:
        base, rev = _security(pair)
        if not base.alternatives or not rev.alternatives:
            return
        old, new = _alternatives(base), _alternatives(rev)
        for key in only_on_one_side(old, new, added):
            if added:
                yield Hit(f"security alternative {_names(key)} added", no_base=True,
                          rev_at=new[key].at)
            else:
                yield Hit(f"security alternative {_names(key)} removed", base_at=old[key].at,
                          no_rev=True)
    return check


_SEC_TWO = _swap(_DOC, ("""    security:
      - $ref: '#/components/securitySchemes/brokerUser'
""", """    security:
      - $ref: '#/components/securitySchemes/brokerUser'
      - $ref: '#/components/securitySchemes/brokerCertificate'
"""), ("""    brokerUser:
      type: userPassword
""", """    brokerUser:
      type: userPassword
    brokerCertificate:
      type: X509
"""))
# The certificate scheme defined, but not accepted:
_SEC_ONE = _swap(_SEC_TWO, ("""      - $ref: '#/components/securitySchemes/brokerCertificate'
""", ""))
_SEC_NONE = _swap(_DOC, ("""    security:
      - $ref: '#/components/securitySchemes/brokerUser'
""", ""), ("""  securitySchemes:
    brokerUser:
      type: userPassword
""", ""))


@async_rule(
    "async-security-added", kind="async-security", level="breaking",
    summary="A server or operation that needed no security now requires it.",
    why="""Every client that connected without credentials is now refused.""",
    base=_SEC_NONE,
    revision=_DOC,
)
def async_security_added(pair: Pair) -> Iterator[Hit]:
    base, rev = _security(pair)
    if not base.alternatives and rev.alternatives:
        names = ", ".join(_names(k) for k in _alternatives(rev))
        yield Hit(f"security now required ({names})")


@async_rule(
    "async-security-removed", kind="async-security", level="info",
    summary="A server or operation no longer requires any security.",
    why="""Clients that send credentials are still served; review it anyway, as opening a
    broker is rarely intended.""",
    base=_DOC,
    revision=_SEC_NONE,
)
def async_security_removed(pair: Pair) -> Iterator[Hit]:
    base, rev = _security(pair)
    if base.alternatives and not rev.alternatives:
        yield Hit("security no longer required")


async_rule(
    "async-security-alternative-added", kind="async-security", level="info", additive=True,
    summary="Another way to authenticate is accepted.",
    why="""Security requirements are alternatives: clients using the existing ones are still
    accepted.""",
    base=_SEC_ONE,
    revision=_SEC_TWO,
)(_alternative_check(added=True))
async_rule(
    "async-security-alternative-removed", kind="async-security", level="breaking",
    summary="A way to authenticate is no longer accepted (others remain).",
    why="""Clients that authenticated that way are refused and must be reconfigured.""",
    base=_SEC_TWO,
    revision=_SEC_ONE,
)(_alternative_check(added=False))


_OAUTH = _swap(_DOC, ("""    security:
      - $ref: '#/components/securitySchemes/brokerUser'
""", """    security:
      - $ref: '#/components/securitySchemes/brokerOAuth'
"""), ("""    brokerUser:
      type: userPassword
""", """    brokerOAuth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          availableScopes:
            invoices:read: Read invoice events
            invoices:write: Publish invoice events
      scopes: [invoices:read]
"""))
_OAUTH_WRITE = _swap(_OAUTH, ("scopes: [invoices:read]", "scopes: [invoices:read, invoices:write]"))


def _scopes_check(added: bool) -> Check:
    """Scopes a scheme of an alternative both sides accept needs now (``added``), or no
    longer."""
    def check(pair: Pair) -> Iterator[Hit]:
        base, rev = _security(pair)
        new = _alternatives(rev)
        for key, breq in _alternatives(base).items():
            rreq = new.get(key)
            if rreq is None:
                continue
            for scheme in sorted(key):
                (old_scopes, b_at), (new_scopes, r_at) = breq.schemes[scheme], rreq.schemes[scheme]
                changed = only_on_one_side(old_scopes, new_scopes, added)
                if changed:
                    yield Hit(f"scopes {', '.join(sorted(set(changed)))} "
                              f"{'now' if added else 'no longer'} required by {scheme}",
                              base_at=b_at, rev_at=r_at)
    return check


async_rule(
    "async-security-scopes-added", kind="async-security", level="breaking",
    summary="A security requirement needs more scopes.",
    why="""Tokens issued with the old scopes are refused.""",
    base=_OAUTH,
    revision=_OAUTH_WRITE,
)(_scopes_check(added=True))
async_rule(
    "async-security-scopes-removed", kind="async-security", level="info",
    summary="A security requirement needs fewer scopes.",
    why="""Tokens with the old scopes still carry all that is needed.""",
    base=_OAUTH_WRITE,
    revision=_OAUTH,
)(_scopes_check(added=False))


_SCHEME_KEYS = ("type", "in", "name", "scheme")


def _schemes_both(pair: Pair) -> Iterator[tuple[str, Any, Any]]:
    base, rev = _security(pair)
    for name, (bnode, bloc) in base.definitions.items():
        if name in rev.definitions:
            yield name, (bnode, bloc), rev.definitions[name]


@async_rule(
    "async-security-scheme-type-changed", kind="async-security", level="breaking",
    summary="A security scheme in use changed how clients authenticate (type, in, name, "
            "HTTP scheme).",
    why="""Credentials of the old kind, or sent in the old place, are refused.""",
    base=_DOC,
    revision=_swap(_DOC, ("type: userPassword", "type: X509")),
)
def async_security_scheme_type_changed(pair: Pair) -> Iterator[Hit]:
    for name, base, rev in _schemes_both(pair):
        for key in _SCHEME_KEYS:
            old, new = base[0].get(key, _MISSING), rev[0].get(key, _MISSING)
            if old != new:
                yield Hit(f"security scheme {name!r} {key} changed from {_show(old)} to "
                          f"{_show(new)}", base_at=_at(base, key), rev_at=_at(rev, key))


@async_rule(
    "async-security-scheme-changed", kind="async-security", level="warning",
    summary="A security scheme in use changed otherwise (OAuth flows and URLs, scopes "
            "offered, bearer format, extensions).",
    why="""Clients configured from the old definition (a token URL, an offered scope) may
    fail to get or present credentials; whether they do depends on the change, so it is a
    warning to review.""",
    base=_OAUTH,
    revision=_swap(_OAUTH, ("tokenUrl: https://auth.example.com/token",
                            "tokenUrl: https://login.example.com/token")),
)
def async_security_scheme_changed(pair: Pair) -> Iterator[Hit]:
    for name, base, rev in _schemes_both(pair):
        old = {k: v for k, v in base[0].items() if k not in _SCHEME_KEYS and k != "scopes"}
        new = {k: v for k, v in rev[0].items() if k not in _SCHEME_KEYS and k != "scopes"}
        for path, b, r in _leaves(old, new):
            yield Hit(_change(f"security scheme {name!r} {'.'.join(path)}", b, r),
                      base_at=_at(base, *path), rev_at=_at(rev, *path))
