"""AsyncAPI rules about channels: usable addresses, parameters declared and used, servers
that exist.

2.x names a channel by its address (the key under ``channels``); 3.x gives each channel an
id (the key) and an ``address``, which may be null when it is only known at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, Loc, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi3
from ledgerpact.governance.lint.rules._util import as_dict, as_list
from ledgerpact.governance.lint.rules.asyncapi._common import (
    VARIABLE,
    all_channels,
    braced,
    channel_address,
    channel_parameters,
    is_v3,
    ref_target,
    resolved_dict,
)
from ledgerpact.registry import pointer as jp
from ledgerpact.registry.refs import is_ref


def _root_addresses(index: Index) -> Iterator[tuple[str, str, Loc]]:
    """(channel name, address, where the address is written) for the root channels."""
    for channel in index.channels:
        address = channel_address(index, channel.name, channel.channel)
        if address is not None:
            where = channel.loc.child("address") if is_v3(index) else channel.loc
            yield channel.name, address, where


@rule(
    "asyncapi-channel-no-empty-parameter",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A channel address has no empty parameter '{}' (spectral:asyncapi "
            "asyncapi-channel-no-empty-parameter, asyncapi-3-channel-no-empty-parameter).",
    why="""An empty substitution '{}' cannot be bound to any parameter, so neither
    producers nor consumers can build the topic or routing key.""",
    bad=asyncapi3("""channels:
  paymentStatus:
    address: finance.payment.{}
"""),
    good=asyncapi3("""channels:
  paymentStatus:
    address: finance.payment.{eventType}
    parameters:
      eventType:
        description: The payment event type.
"""),
)
def channel_no_empty_parameter(index: Index) -> Iterator[Violation]:
    for name, address, where in _root_addresses(index):
        if "{}" in address:
            yield Violation(where, f"channel {name!r} address {address!r} has an empty "
                                   "parameter '{}'; expected a named parameter such as "
                                   "'{eventType}'")


@rule(
    "asyncapi-channel-no-query-nor-fragment",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A channel address has no query ('?') or fragment ('#') (spectral:asyncapi "
            "asyncapi-channel-no-query-nor-fragment, asyncapi-3-channel-no-query-nor-fragment).",
    why="""A channel address is a topic, subject, queue or path, not a URL with options.
    Query strings belong in protocol bindings (for example the WebSocket binding's
    'query'), where they are typed and documented.""",
    bad="""asyncapi: 3.0.0
info:
  title: Price feed
  version: 1.0.0
channels:
  marketData:
    address: /v1/marketdata?heartbeat=true
""",
    good="""asyncapi: 3.0.0
info:
  title: Price feed
  version: 1.0.0
channels:
  marketData:
    address: /v1/marketdata
""",
)
def channel_no_query_nor_fragment(index: Index) -> Iterator[Violation]:
    for name, address, where in _root_addresses(index):
        if "?" in address or "#" in address:
            yield Violation(where, f"channel {name!r} address {address!r} contains a query or "
                                   "fragment delimiter ('?' or '#'); expected a plain address, "
                                   "with options in bindings")


@rule(
    "asyncapi-channel-no-trailing-slash",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A channel address does not end with a slash (spectral:asyncapi "
            "asyncapi-channel-no-trailing-slash, asyncapi-3-channel-no-trailing-slash).",
    why="""'orders/' and 'orders' are different topics to most brokers; a trailing slash
    is almost always an accident that makes producers and consumers miss each other.""",
    bad=asyncapi3("""channels:
  paymentStatus:
    address: finance/payments/
"""),
    good=asyncapi3("""channels:
  paymentStatus:
    address: finance/payments
"""),
)
def channel_no_trailing_slash(index: Index) -> Iterator[Violation]:
    for name, address, where in _root_addresses(index):
        if len(address) > 1 and address.endswith("/"):
            yield Violation(where, f"channel {name!r} address {address!r} ends with a slash; "
                                   "expected no trailing slash")


@rule(
    "asyncapi-channel-parameters",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every parameter in a channel address is declared under 'parameters', and "
            "every declared parameter appears in the address (spectral:asyncapi "
            "asyncapi-channel-parameters).",
    why="""Code generators and contract tests substitute parameters into the address; an
    undeclared one has no type or allowed values, and a declared one the address never
    uses is a leftover that documents something that does not exist.""",
    bad=asyncapi3("""channels:
  paymentStatus:
    address: finance.payment.{eventType}
    parameters:
      paymentId:
        description: The payment.
"""),
    good=asyncapi3("""channels:
  paymentStatus:
    address: finance.payment.{eventType}
    parameters:
      eventType:
        description: The payment event type.
        enum: [released, settled]
"""),
)
def channel_parameters_declared(index: Index) -> Iterator[Violation]:
    for name, channel, loc, _ in all_channels(index):
        address = channel_address(index, name, channel)
        if address is None:
            continue
        used: list[str] = []
        used.extend(p for p in VARIABLE.findall(address) if p and p not in used)
        declared = as_dict(channel.get("parameters"))
        ploc = loc.child("parameters")
        missing = [p for p in used if p not in declared]
        if missing:
            yield Violation(ploc if "parameters" in channel else loc,
                            f"channel {name!r} address {address!r} uses "
                            f"{braced(missing)} but does not declare "
                            "it under 'parameters'; expected an entry under 'parameters' "
                            "for each")
        for param in declared:
            if param not in used:
                yield Violation(ploc.child(param),
                                f"channel {name!r} declares parameter {param!r} that its "
                                f"address {address!r} never uses; expected it removed or used")


@rule(
    "asyncapi-channel-servers",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A channel's servers are servers the document defines; in 3.x a root channel "
            "refers to root servers only (spectral:asyncapi asyncapi-channel-servers, "
            "asyncapi-3-channel-servers; AsyncAPI parser "
            "asyncapi3-required-channel-servers-unambiguity).",
    why="""A channel bound to a server that does not exist is available nowhere, and one
    bound to a reusable server under components is ambiguous: the specification requires
    a root channel to name root servers so every tool agrees where the messages flow.""",
    bad=asyncapi3("""servers:
  production:
    host: broker.payments.internal:9092
    protocol: kafka
channels:
  paymentStatus:
    address: finance.payment.status
    servers:
      - $ref: '#/components/servers/staging'
components:
  servers:
    staging:
      host: broker.staging.internal:9092
      protocol: kafka
"""),
    good=asyncapi3("""servers:
  production:
    host: broker.payments.internal:9092
    protocol: kafka
channels:
  paymentStatus:
    address: finance.payment.status
    servers:
      - $ref: '#/servers/production'
"""),
)
def channel_servers(index: Index) -> Iterator[Violation]:
    root_servers = as_dict(index.doc.get("servers"))
    defined = ", ".join(root_servers) or "none"
    for name, channel, loc, is_root in all_channels(index):
        for i, entry in enumerate(as_list(channel.get("servers"))):
            where = loc.child("servers", i)
            if not is_v3(index):
                if isinstance(entry, str) and entry not in root_servers:
                    yield Violation(where, f"channel {name!r} lists server {entry!r}, which is "
                                           f"not defined under 'servers' (defined: {defined})")
                continue
            if not is_ref(entry):
                continue  # the structure rule reports a server entry that is not a $ref
            yield from _v3_channel_server(index, name, entry, where, is_root, root_servers)


def _v3_channel_server(index: Index, name: str, entry: dict[str, Any], where: Loc,
                       is_root: bool, root_servers: dict[str, Any]) -> Iterator[Violation]:
    target = ref_target(index, entry, where)
    ref = entry["$ref"]
    if is_root:
        tokens = jp.split(target.pointer) if target is not None else []
        if target is None or target.file != index.root or len(tokens) != 2 or \
                tokens[0] != "servers" or tokens[1] not in root_servers:
            yield Violation(where.child("$ref"),
                            f"channel {name!r} refers to server {ref!r}; a root channel must "
                            "refer to a server under the root 'servers' (defined: "
                            f"{', '.join(root_servers) or 'none'})")
        return
    if resolved_dict(index, entry, where) is None:
        yield Violation(where.child("$ref"), f"channel {name!r} refers to server {ref!r}, "
                                             "which cannot be resolved")


@rule(
    "asyncapi-parameter-description",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    strict_only=True,
    summary="Channel parameters have a description (spectral:asyncapi "
            "asyncapi-parameter-description).",
    why="""A parameter is part of the topic or routing key; consumers subscribing with
    wildcards need to know what each position means and which values occur.""",
    bad=asyncapi3("""channels:
  paymentStatus:
    address: finance.payment.{eventType}
    parameters:
      eventType:
        enum: [released, settled]
"""),
    good=asyncapi3("""channels:
  paymentStatus:
    address: finance.payment.{eventType}
    parameters:
      eventType:
        description: The payment event type.
        enum: [released, settled]
"""),
)
def parameter_description(index: Index) -> Iterator[Violation]:
    for name, param, loc in channel_parameters(index):
        description = param.get("description")
        if not (isinstance(description, str) and description.strip()):
            yield Violation(loc, f"channel parameter {name!r} has no description; expected a "
                                 "text saying what the value identifies and which values occur")
