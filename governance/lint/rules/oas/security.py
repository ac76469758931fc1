"""Rules about security requirements."""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, OAS30, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import as_dict, as_list, oauth2_scopes
from ledgerpact.governance.lint.rules.oas._shared import (
    component_entries,
    quoted_list,
    security_requirements,
)


@rule(
    "oas-operation-security-defined",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="Security requirements name schemes defined in components.securitySchemes, and "
            "OAuth2 scopes exist in one of the scheme's flows (spectral:oas "
            "oas3-operation-security-defined).",
    why="""A requirement naming an undefined scheme cannot be satisfied, so generated
    clients send no credentials and gateways may let the call through unauthenticated. A
    scope the authorization server does not define is one no token will ever carry.
    OpenID Connect scopes live on the provider and are not checked; in OpenAPI 3.0 other
    scheme types must list no scopes.""",
    bad=openapi("""security:
  - oauth: [payments:write]
paths: {}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.ledgerpact.example/token
          scopes: {"payments:read": Read payments.}
""", title="Payments"),
    good=openapi("""security:
  - oauth2: [payments:read]
paths: {}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.ledgerpact.example/token
          scopes: {"payments:read": Read payments.}
""", title="Payments"),
)
def operation_security_defined(index: Index) -> Iterator[Violation]:
    schemes = {name: as_dict(value)
               for name, value, _ in component_entries(index, "securitySchemes")}
    for loc, requirement, whose in security_requirements(index):
        for name, scopes in requirement.items():
            if name not in schemes:
                expected = (f"one of {quoted_list(schemes)}" if schemes
                            else "a scheme in components.securitySchemes (there is none)")
                yield Violation(loc.child(name), f"security requirement of {whose} names "
                                                 f"scheme {name!r}, which is not defined; "
                                                 f"expected {expected}")
                continue
            scheme = schemes[name]
            kind = scheme.get("type")
            if kind == "oauth2":
                defined = oauth2_scopes(scheme)
                for i, scope in enumerate(as_list(scopes)):
                    if isinstance(scope, str) and scope not in defined:
                        yield Violation(loc.child(name, i),
                                        f"scope {scope!r} required by {whose} is not defined "
                                        f"in any flow of OAuth2 scheme {name!r}; expected one "
                                        f"of {quoted_list(sorted(defined)) or 'its scopes'}")
            elif kind != "openIdConnect" and index.format == OAS30 and as_list(scopes):
                yield Violation(loc.child(name),
                                f"security requirement of {whose} lists scopes for {kind} "
                                f"scheme {name!r}; expected [] (OpenAPI 3.0 allows scopes only "
                                "for oauth2 and openIdConnect)")
