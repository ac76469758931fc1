"""Rules about Server Objects: present, real, no trailing slash, variables that work."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, OAS31, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import as_dict, as_list, is_webhook
from ledgerpact.governance.lint.rules.oas._shared import quoted_list, servers

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+$|^\[[0-9A-Fa-f:.]+\]$")
_EXAMPLE_HOST = re.compile(r"(?:^|\.)example\.(?:com|net|org)\.?$", re.IGNORECASE)
_MAX_SUBSTITUTIONS = 256


@rule(
    "oas-api-servers",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="The document declares at least one server (spectral:oas oas3-api-servers).",
    why="""Without servers, clients, mocks and contract tests resolve every path against
    "/", which is where nothing runs; the servers list is also where consumers learn which
    environments exist.""",
    bad=openapi("""paths: {}
""", title="Payments"),
    good=openapi("""servers:
  - url: https://payments.ledgerpact.example/v1
    description: Production
paths: {}
""", title="Payments"),
)
def api_servers(index: Index) -> Iterator[Violation]:
    found = index.doc.get("servers")
    if not isinstance(found, list) or not any(isinstance(s, dict) for s in found):
        where = index.root_loc.child("servers") if "servers" in index.doc else index.root_loc
        yield Violation(where, "the document declares no servers; expected a non-empty "
                               "'servers' array with the API's base URLs")


def _host(url: str) -> str | None:
    if not _SCHEME.match(url):
        return None
    netloc = url.split("://", 1)[1] if "://" in url else ""
    netloc = re.split(r"[/?#]", netloc, maxsplit=1)[0].rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.split(":", 1)[0]


@rule(
    "oas-server-not-example.com",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="Server URLs do not point at example.com, example.net or example.org "
            "(spectral:oas oas3-server-not-example.com).",
    why="""The example domains (RFC 2606) never serve an API: a server left on one is a
    placeholder that clients and contract tests will call and fail.""",
    bad=openapi("""servers:
  - url: https://api.example.com/v1
paths: {}
""", title="Payments"),
    good=openapi("""servers:
  - url: https://payments.ledgerpact.example/v1
paths: {}
""", title="Payments"),
)
def server_not_example_com(index: Index) -> Iterator[Violation]:
    for loc, server, whose in servers(index):
        url = server.get("url")
        if isinstance(url, str):
            host = _host(url)
            if host and _EXAMPLE_HOST.search(host):
                yield Violation(loc.child("url"), f"server URL {url!r} of {whose} points at "
                                                  f"the documentation domain {host!r}; "
                                                  "expected the real host")


@rule(
    "oas-server-trailing-slash",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Server URLs do not end with a slash (spectral:oas oas3-server-trailing-slash).",
    why="""Paths start with "/", so a server URL ending in "/" gives
    `https://host/v1//invoices` in every tool that joins them naively, which some gateways
    reject.""",
    bad=openapi("""servers:
  - url: https://payments.ledgerpact.example/v1/
paths: {}
""", title="Payments"),
    good=openapi("""servers:
  - url: https://payments.ledgerpact.example/v1
paths: {}
""", title="Payments"),
)
def server_trailing_slash(index: Index) -> Iterator[Violation]:
    for loc, server, whose in servers(index):
        url = server.get("url")
        if isinstance(url, str) and len(url) > 1 and url.endswith("/"):
            yield Violation(loc.child("url"), f"server URL {url!r} of {whose} ends with a "
                                              f"slash; expected {url.rstrip('/')!r}")


@rule(
    "oas-server-variables",
    severity="error",
    family="oas",
    formats=OAS3,
    summary="Server variables are declared for every {name} in the URL, all used, with a "
            "default that is in the enum (if any), a non-empty enum, and substitutions that "
            "give valid URLs (spectral:oas oas3-server-variables).",
    why="""Clients build the base URL by substituting server variables; an undeclared
    variable leaves a literal `{region}` in the host, an unused one is a setting that does
    nothing, and a default outside the enum gives a URL the API says is not allowed.""",
    bad=openapi("""servers:
  - url: https://{region}.payments.ledgerpact.example/v1
    variables:
      environment: {default: prod}
paths: {}
""", title="Payments"),
    good=openapi("""servers:
  - url: https://{region}.payments.ledgerpact.example/v1
    variables:
      region: {default: eu, enum: [eu, us]}
paths: {}
""", title="Payments"),
)
def server_variables(index: Index) -> Iterator[Violation]:
    for loc, server, whose in servers(index):
        url = server.get("url")
        if isinstance(url, str):
            yield from _check_server(loc, url, as_dict(server.get("variables")),
                                     "variables" in server, whose)


def _check_server(loc: Loc, url: str, variables: dict[str, Any], has_variables: bool,
                  whose: str) -> Iterator[Violation]:
    used = list(dict.fromkeys(_VARIABLE.findall(url)))
    for name in variables:
        if name not in used:
            yield Violation(loc.child("variables", name),
                            f"server variable {name!r} of {whose} is not used in the URL "
                            f"{url!r}; expected {{{name}}} in the URL, or no such variable")
    missing = [name for name in used if name not in variables]
    if missing:
        yield Violation(loc.child("variables") if has_variables else loc.child("url"),
                        f"server URL {url!r} of {whose} uses {quoted_list(missing)} without "
                        "declaring them; expected an entry in 'variables' for each")
    choices: list[list[str]] = []
    for name in used:
        variable = variables.get(name)
        if not isinstance(variable, dict):
            continue
        vloc = loc.child("variables", name)
        default, enum = variable.get("default"), variable.get("enum")
        if default is None:
            yield Violation(vloc, f"server variable {name!r} of {whose} has no default; "
                                  "expected a 'default' value")
        if isinstance(enum, list):
            if not enum:
                yield Violation(vloc.child("enum"), f"server variable {name!r} of {whose} "
                                                    "has an empty enum; expected at least "
                                                    "one value, or no enum")
            elif default is not None and default not in enum:
                allowed = quoted_list(map(str, enum))
                yield Violation(vloc.child("default"),
                                f"default {default!r} of server variable {name!r} of {whose} "
                                f"is not in its enum; expected one of {allowed}")
            choices.append([str(v) for v in enum] or [str(default)])
        elif default is not None:
            choices.append([str(default)])
    if missing or len(choices) != len(used) or not used:
        return
    invalid: list[str] = []
    for values in itertools.islice(itertools.product(*choices), _MAX_SUBSTITUTIONS):
        candidate = url
        for name, value in zip(used, values, strict=True):
            candidate = candidate.replace("{" + name + "}", value)
        if not _valid_url(candidate):
            invalid.append(candidate)
    if invalid:
        yield Violation(loc.child("variables"),
                        f"substituting the server variables of {whose} gives invalid URLs "
                        f"({quoted_list(invalid, 3)}); expected values that make a valid URL")


def _valid_url(url: str) -> bool:
    if not url or any(c.isspace() for c in url) or "{" in url or "}" in url:
        return False
    if not _SCHEME.match(url):
        return True  # a relative server URL, resolved against the document's location
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if parts.scheme.lower() in ("http", "https", "ws", "wss"):
        return bool(parts.hostname) and bool(_HOST.match(parts.hostname or ""))
    return True


@rule(
    "oas-servers-in-webhook",
    severity="warn",
    family="oas",
    formats=frozenset({OAS31}),
    summary="Webhooks do not declare servers (spectral:oas oas3_1-servers-in-webhook).",
    why="""A webhook is sent by the API to a URL the consumer registers; a server on it
    claims a fixed destination, which generators then hard-code.""",
    bad=openapi("""webhooks:
  paymentSettled:
    post:
      operationId: paymentSettled
      servers:
        - url: https://hooks.ledgerpact.example
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
def servers_in_webhook(index: Index) -> Iterator[Violation]:
    seen: set[Loc] = set()
    for op in index.operations:
        if not is_webhook(index, op):
            continue
        if as_list(op.path_item.get("servers")) and op.path_item_loc not in seen:
            seen.add(op.path_item_loc)
            yield Violation(op.path_item_loc.child("servers"),
                            f"webhook {op.path!r} declares servers; expected none on a webhook")
        if "servers" in op.op:
            yield Violation(op.loc.child("servers"),
                            f"webhook {op.path!r} ({op.method.upper()}) declares servers; "
                            "expected none on a webhook")
