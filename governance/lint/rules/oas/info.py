"""Rules about the info object: description, contact, license."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import OAS3, OAS31, Loc, Violation
from ledgerpact.governance.lint.rules._examples import openapi
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.governance.lint.rules.oas._shared import text


def _info(index: Index) -> tuple[dict[str, Any], Loc]:
    loc = index.root_loc.child("info") if "info" in index.doc else index.root_loc
    return as_dict(index.doc.get("info")), loc


@rule(
    "oas-info-contact",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="info has a contact object (spectral:oas info-contact).",
    why="""When a consumer finds a problem in a payment or posting API they need to reach
    the owning team quickly; the contact is where every portal and generated client shows
    it.""",
    bad=openapi("""paths: {}
""", title="Payments"),
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  contact: {name: Payments team, email: payments@ledgerpact.example}
paths: {}
""",
)
def info_contact(index: Index) -> Iterator[Violation]:
    info, loc = _info(index)
    if not as_dict(info.get("contact")):
        where = loc.child("contact") if "contact" in info else loc
        yield Violation(where, "info has no contact; expected a 'contact' object with the "
                               "owning team's name, url and email")


@rule(
    "oas-info-description",
    severity="warn",
    family="oas",
    formats=OAS3,
    summary="info has a non-empty description (spectral:oas info-description).",
    why="""The API's description is its front page: what system of record it fronts, how
    authentication, idempotency and errors work. Without it every consumer asks the same
    questions.""",
    bad=openapi("""paths: {}
""", title="Payments"),
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  description: Payment runs and their settlement status, from the ERP's payment module.
paths: {}
""",
)
def info_description(index: Index) -> Iterator[Violation]:
    info, loc = _info(index)
    if not text(info.get("description")):
        where = loc.child("description") if "description" in info else loc
        yield Violation(where, "info has no description; expected a non-empty "
                               "'description' of what the API is for")


@rule(
    "oas-contact-properties",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="info.contact has a name, a url and an email (spectral:oas "
            "contact-properties).",
    why="""A contact with only a name says who owns the API but not how to reach them; an
    email and a url (a team page, an issue tracker) make the contact usable.""",
    bad="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  contact: {name: Payments team}
paths: {}
""",
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  contact:
    name: Payments team
    email: payments@ledgerpact.example
    url: https://ledgerpact.example/teams/payments
paths: {}
""",
)
def contact_properties(index: Index) -> Iterator[Violation]:
    info, loc = _info(index)
    contact = info.get("contact")
    if not isinstance(contact, dict):
        return  # oas-info-contact reports a missing contact
    missing = [field for field in ("name", "url", "email") if not text(contact.get(field))]
    if missing:
        yield Violation(loc.child("contact"), f"info.contact has no {' and no '.join(missing)}; "
                                              "expected name, url and email")


@rule(
    "oas-info-license",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="info has a license object (spectral:oas info-license).",
    why="""Partners and auditors ask under what terms an API description may be used and
    copied; for internal contracts the license can say so explicitly ("Proprietary").""",
    bad=openapi("""paths: {}
""", title="Payments"),
    good="""openapi: 3.1.0
info:
  title: Payments
  version: 1.0.0
  license: {name: Apache 2.0, identifier: Apache-2.0}
paths: {}
""",
)
def info_license(index: Index) -> Iterator[Violation]:
    info, loc = _info(index)
    if not as_dict(info.get("license")):
        where = loc.child("license") if "license" in info else loc
        yield Violation(where, "info has no license; expected a 'license' object naming the "
                               "terms the API description is published under")


@rule(
    "oas-license-url",
    severity="warn",
    family="oas",
    formats=OAS3,
    strict_only=True,
    summary="info.license links to the license text: a url, or in OpenAPI 3.1 an SPDX "
            "identifier (spectral:oas license-url).",
    why="""A license name alone ("BSD") is ambiguous; a link to the text, or an SPDX
    identifier that names exactly one text, settles which terms apply. Like Spectral's rule,
    it also fires when info has no license at all (at /info, next to oas-info-license);
    unlike it, an OpenAPI 3.1 SPDX 'identifier' is accepted in place of a url.""",
    bad="""openapi: 3.0.3
info:
  title: Payments
  version: 1.0.0
  license: {name: Apache 2.0}
paths: {}
""",
    good="""openapi: 3.0.3
info:
  title: Payments
  version: 1.0.0
  license: {name: Apache 2.0, url: "https://www.apache.org/licenses/LICENSE-2.0"}
paths: {}
""",
)
def license_url(index: Index) -> Iterator[Violation]:
    info, loc = _info(index)
    license_ = info.get("license")
    expected = "a 'url' or an SPDX 'identifier'" if index.format == OAS31 else "a 'url'"
    if not isinstance(license_, dict):
        # As Spectral (given `$`, field info.license.url): no license is no link either,
        # reported where the path stops, so selecting this rule alone still says so.
        where = loc.child("license") if "license" in info else loc
        yield Violation(where, f"info has no license, so no link to the license text; "
                               f"expected a license object with {expected}")
        return
    if text(license_.get("url")):
        return
    if index.format == OAS31 and text(license_.get("identifier")):
        return
    yield Violation(loc.child("license"), f"info.license has no link to the license text; "
                                          f"expected {expected}")
