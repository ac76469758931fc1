"""AsyncAPI rules about servers (brokers): that there are some, that their addresses are
usable, that their variables are declared and used, and that their security is defined.

2.x writes a server's address as one ``url``; 3.x splits it into ``host`` and ``pathname``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, Loc, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi2, asyncapi3
from ledgerpact.governance.lint.rules._util import as_dict, as_list
from ledgerpact.governance.lint.rules.asyncapi._common import (
    VARIABLE,
    SecurityChecker,
    braced,
    is_v3,
    resolved_dict,
    servers,
)

# RFC 2606 reserves these second-level names for documentation: a contract that still
# points at one was never finished.
_EXAMPLE_HOST = re.compile(r"(^|[./@])example\.(com|net|org)\.?(:|/|$)", re.IGNORECASE)


def _address_fields(index: Index) -> list[str]:
    return ["host", "pathname"] if is_v3(index) else ["url"]


def _addresses(index: Index, server: dict[str, Any],
               loc: Loc) -> Iterator[tuple[str, str, Loc]]:
    for field in _address_fields(index):
        value = server.get(field)
        if isinstance(value, str):
            yield field, value, loc.child(field)


@rule(
    "asyncapi-servers",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="The document declares at least one server (spectral:asyncapi asyncapi-servers).",
    why="""Without a server nobody knows which broker (Kafka cluster, RabbitMQ vhost, NATS
    account) carries the events, so consumers cannot connect and contract tests cannot
    run against a real environment.""",
    bad=asyncapi3(""),
    good=asyncapi3("""servers:
  production:
    host: broker.payments.internal:9092
    protocol: kafka
"""),
)
def servers_present(index: Index) -> Iterator[Violation]:
    value = index.doc.get("servers")
    if not (isinstance(value, dict) and value):
        where = index.root_loc.child("servers") if "servers" in index.doc else index.root_loc
        yield Violation(where, "the document declares no servers; expected at least one "
                               "server naming the broker that carries these messages")


@rule(
    "asyncapi-server-no-trailing-slash",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A server url (2.x) or host / pathname (3.x) does not end with a slash "
            "(spectral:asyncapi asyncapi-server-no-trailing-slash, "
            "asyncapi-3-server-no-trailing-slash).",
    why="""Clients join the server address and the channel address; a trailing slash
    gives double slashes, which some brokers and gateways treat as a different
    resource.""",
    bad="""asyncapi: 3.0.0
info:
  title: Price feed
  version: 1.0.0
servers:
  public:
    host: feed.prices.internal/
    protocol: wss
""",
    good="""asyncapi: 3.0.0
info:
  title: Price feed
  version: 1.0.0
servers:
  public:
    host: feed.prices.internal
    protocol: wss
""",
)
def server_no_trailing_slash(index: Index) -> Iterator[Violation]:
    for name, server, loc in servers(index):
        for field, value, where in _addresses(index, server, loc):
            if value.endswith("/") and not (field == "pathname" and value == "/"):
                yield Violation(where, f"server {name!r} {field} {value!r} ends with a slash; "
                                       "expected no trailing slash")


@rule(
    "asyncapi-server-no-empty-variable",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A server address has no empty variable '{}' (spectral:asyncapi "
            "asyncapi-server-no-empty-variable, asyncapi-3-server-no-empty-variable).",
    why="""An empty substitution '{}' can never be filled in from the variables, so the
    address cannot be built and tools that expand server variables fail.""",
    bad=asyncapi3("""servers:
  production:
    host: 'broker.payments.internal:{}'
    protocol: kafka
"""),
    good=asyncapi3("""servers:
  production:
    host: 'broker.payments.internal:{port}'
    protocol: kafka
    variables:
      port:
        default: '9092'
"""),
)
def server_no_empty_variable(index: Index) -> Iterator[Violation]:
    for name, server, loc in servers(index):
        for field, value, where in _addresses(index, server, loc):
            if "{}" in value:
                yield Violation(where, f"server {name!r} {field} {value!r} has an empty "
                                       "variable '{}'; expected a named variable such as "
                                       "'{port}'")


@rule(
    "asyncapi-server-not-example-com",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    strict_only=True,
    summary="A server does not point at example.com / .net / .org (spectral:asyncapi "
            "asyncapi-server-not-example-com, asyncapi-3-server-not-example-com).",
    why="""Those names are reserved for documentation (RFC 2606). A contract whose broker
    is still example.com was copied from a template and never finished, so nobody can
    connect with it.""",
    bad=asyncapi3("""servers:
  production:
    host: kafka.example.com:9092
    protocol: kafka
"""),
    good=asyncapi3("""servers:
  production:
    host: kafka.payments.internal:9092
    protocol: kafka
"""),
)
def server_not_example_com(index: Index) -> Iterator[Violation]:
    for name, server, loc in servers(index):
        for field, value, where in _addresses(index, server, loc):
            if field != "pathname" and _EXAMPLE_HOST.search(value.split("://", 1)[-1]):
                yield Violation(where, f"server {name!r} {field} {value!r} points at a "
                                       "documentation-only domain (RFC 2606); expected the "
                                       "real broker address")


@rule(
    "asyncapi-server-variables",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="Every variable a server address uses is declared, every declared variable is "
            "used, and defaults and examples are among the enum (spectral:asyncapi "
            "asyncapi-server-variables).",
    why="""Tools build the broker address by substituting variables: an undeclared one
    leaves '{port}' in the address, an unused one is dead configuration that misleads,
    and a default outside the enum gives an address the server itself says is invalid.""",
    bad=asyncapi3("""servers:
  production:
    host: 'broker.payments.internal:{port}'
    protocol: kafka
    variables:
      region:
        default: eu-west-1
"""),
    good=asyncapi3("""servers:
  production:
    host: 'broker.payments.internal:{port}'
    protocol: kafka
    variables:
      port:
        enum: ['9092', '9093']
        default: '9092'
"""),
)
def server_variables(index: Index) -> Iterator[Violation]:
    for name, server, loc in servers(index):
        used: list[str] = []
        for _, value, _ in _addresses(index, server, loc):
            used.extend(v for v in VARIABLE.findall(value) if v and v not in used)
        declared = as_dict(server.get("variables"))
        vloc = loc.child("variables")
        missing = [v for v in used if v not in declared]
        if missing:
            fields = " / ".join(_address_fields(index))
            yield Violation(vloc if "variables" in server else loc,
                            f"server {name!r} uses {braced(missing)} "
                            f"in its {fields} but does not declare it under 'variables'; "
                            "expected an entry under 'variables' for each")
        for var, variable in declared.items():
            if var not in used:
                yield Violation(vloc.child(var),
                                f"server {name!r} declares variable {var!r} that its "
                                "address never uses; expected it removed or used")
                continue
            yield from _variable_values(index, name, var, variable, vloc.child(var))


def _variable_values(index: Index, server: str, name: str, variable: Any,
                     loc: Loc) -> Iterator[Violation]:
    found = resolved_dict(index, variable, loc)
    if found is None:
        return
    variable, loc = found
    enum = variable.get("enum")
    if not isinstance(enum, list):
        return
    if "default" in variable and variable["default"] not in enum:
        yield Violation(loc.child("default"),
                        f"server {server!r} variable {name!r} has default "
                        f"{variable['default']!r}, which is not in its enum; expected one "
                        f"of {', '.join(map(repr, enum))}")
    for i, example in enumerate(as_list(variable.get("examples"))):
        if example not in enum:
            yield Violation(loc.child("examples", i),
                            f"server {server!r} variable {name!r} has example {example!r}, "
                            f"which is not in its enum; expected one of "
                            f"{', '.join(map(repr, enum))}")


@rule(
    "asyncapi-server-security",
    severity="error",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="A server's security names schemes defined in components.securitySchemes and "
            "only OAuth2 scopes they offer (spectral:asyncapi asyncapi-server-security).",
    why="""A security requirement that names a missing scheme cannot be satisfied: client
    generators and contract tests do not know how to authenticate, and reviewers cannot
    tell which credentials the broker accepts.""",
    bad=asyncapi2("""servers:
  production:
    url: broker.payments.internal:9092
    protocol: kafka
    security:
      - saslScram: []
channels: {}
"""),
    good=asyncapi2("""servers:
  production:
    url: broker.payments.internal:9092
    protocol: kafka
    security:
      - saslScram: []
channels: {}
components:
  securitySchemes:
    saslScram:
      type: scramSha256
      description: SASL/SCRAM with a per-service user.
"""),
)
def server_security(index: Index) -> Iterator[Violation]:
    checker = SecurityChecker(index)
    for name, server, loc in servers(index):
        for where, message in checker.check(server.get("security"), loc.child("security"),
                                             f"server {name!r}"):
            yield Violation(where, message)
