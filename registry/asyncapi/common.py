"""Objects every supported AsyncAPI version shares, or shares with small differences.

Contact, License, Server Variable and Correlation ID objects, the Security Scheme Object (the
2.x and 3.x forms differ only in how OAuth scopes are named) and the Message Example Object.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ledgerpact.registry.asyncapi.shapes import (
    MISSING,
    OBJECT,
    STR,
    Arr,
    Dispatch,
    MapOf,
    Obj,
    Scalar,
    Shape,
    Task,
    child,
    got,
    show,
    str_enum,
)
from ledgerpact.registry.asyncapi_structure import Violation

# Names components may use, and what a runtime expression (correlation ids, reply addresses)
# looks like: the specification's own patterns.
COMPONENT_KEY = re.compile(r"^[\w\d\.\-_]+$")
RUNTIME_EXPRESSION = re.compile(r"^\$message\.(header|payload)#(\/(([^\/~])|(~[01]))*)*")

CONTACT = Obj("Contact Object", {"name": STR, "url": STR, "email": STR})
LICENSE = Obj("License Object", {"name": STR, "url": STR}, ("name",))
SERVER_VARIABLE = Obj("Server Variable Object", {"enum": Arr(STR, unique=True), "default": STR,
                                                 "description": STR, "examples": Arr(STR)})
LOCATION = Scalar("string", pattern=RUNTIME_EXPRESSION,
                  hint="a runtime expression such as '$message.header#/correlationId'")
CORRELATION_ID = Obj("Correlation ID Object", {"description": STR, "location": LOCATION},
                     ("location",))


def security_scheme(v3: bool) -> Dispatch:
    """The Security Scheme Object: one form per ``type`` (HTTP split on bearer or not)."""
    scopes_key = "availableScopes" if v3 else "scopes"

    def simple(kind: str, extra: dict[str, Shape] | None = None,
               required: Sequence[str] = ()) -> Obj:
        return Obj(f"{kind} Security Scheme Object",
                   {"type": STR, "description": STR, **(extra or {})}, ("type", *required))

    def flow(kind: str, required: Sequence[str], forbidden: Sequence[str]) -> Obj:
        return Obj(f"{kind} OAuth Flow Object",
                   {"authorizationUrl": STR, "tokenUrl": STR, "refreshUrl": STR,
                    scopes_key: MapOf(STR, "OAuth scopes")},
                   (*required, scopes_key), forbidden=forbidden)

    flows = Obj("OAuth Flows Object", {
        "implicit": flow("implicit", ("authorizationUrl",), ("tokenUrl",)),
        "password": flow("password", ("tokenUrl",), ("authorizationUrl",)),
        "clientCredentials": flow("clientCredentials", ("tokenUrl",), ("authorizationUrl",)),
        "authorizationCode": flow("authorizationCode", ("authorizationUrl", "tokenUrl"), ()),
    }, extensions=None)
    oauth2: dict[str, Shape] = {"flows": flows}
    open_id: dict[str, Shape] = {"openIdConnectUrl": STR}
    if v3:
        oauth2["scopes"] = Arr(STR)
        open_id["scopes"] = Arr(STR)
    forms: dict[str, Shape] = {
        "userPassword": simple("userPassword"),
        "apiKey": simple("apiKey", {"in": str_enum("user", "password")}, ("in",)),
        "X509": simple("X509"),
        "symmetricEncryption": simple("symmetricEncryption"),
        "asymmetricEncryption": simple("asymmetricEncryption"),
        "httpApiKey": simple("httpApiKey", {"name": STR, "in": str_enum("header", "query",
                                                                          "cookie")},
                             ("name", "in")),
        "oauth2": Obj("oauth2 Security Scheme Object", {"type": STR, "description": STR, **oauth2},
                      ("type", "flows"), closed=False),
        "openIdConnect": simple("openIdConnect", open_id, ("openIdConnectUrl",)),
        "plain": simple("plain"),
        "scramSha256": simple("scramSha256"),
        "scramSha512": simple("scramSha512"),
        "gssapi": simple("gssapi"),
    }
    bearer = simple("http (bearer)", {"scheme": STR, "bearerFormat": STR}, ("scheme",))
    other_http = simple("http", {"scheme": STR}, ("scheme",))
    kinds = ["http", *forms]

    def choose(value: Any, ptr: str, out: list[Violation]) -> Shape | None:
        if not isinstance(value, dict):
            out.append(Violation(ptr, f"expected a Security Scheme Object, got {got(value)}"))
            return None
        kind = value.get("type", MISSING)
        if kind == "http":
            return bearer if value.get("scheme") == "bearer" else other_http
        if isinstance(kind, str) and kind in forms:
            return forms[kind]
        if kind is MISSING:
            out.append(Violation(child(ptr, "type"), "missing required field 'type' (Security "
                                                     f"Scheme Object: {', '.join(kinds)})"))
        else:
            out.append(Violation(child(ptr, "type"), f"{show(kind)} is not a security scheme "
                                                     f"type; expected one of {', '.join(kinds)}"))
        return None

    return Dispatch("Security Scheme Object", choose)


def message_example(payload: Shape) -> Obj:
    """The Message Example Object; closed, and unlike its neighbours it takes no extensions."""
    def needs_content(value: dict[Any, Any], ptr: str, out: list[Violation]) -> Sequence[Task]:
        if "payload" not in value and "headers" not in value:
            out.append(Violation(ptr, "a Message Example Object needs 'payload' or 'headers'"))
        return ()

    return Obj("Message Example Object", {"name": STR, "summary": STR, "headers": OBJECT,
                                          "payload": payload},
               extensions=None, rule=needs_content)
