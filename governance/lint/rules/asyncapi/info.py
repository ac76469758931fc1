"""AsyncAPI rules about the document itself: who owns it, what it is, under which licence,
and which version of AsyncAPI it is written in."""

from __future__ import annotations

from collections.abc import Iterator

from ledgerpact.governance.lint.catalog import rule
from ledgerpact.governance.lint.index import Index
from ledgerpact.governance.lint.model import ASYNCAPI, Violation
from ledgerpact.governance.lint.rules._examples import asyncapi2, asyncapi3
from ledgerpact.governance.lint.rules._util import as_dict
from ledgerpact.registry.asyncapi_structure import SUPPORTED_VERSIONS


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# The newest AsyncAPI version the registry can check structurally; the "latest version" rule
# follows it, so supporting a new version moves both together.
LATEST = max(SUPPORTED_VERSIONS, key=_version_key)


@rule(
    "asyncapi-info-contact",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="info has a contact object (spectral:asyncapi asyncapi-info-contact).",
    why="""An event contract outlives the team that wrote it. Consumers who find a broken
    payload at 2 a.m. need to know who owns the producer; the contact is the only place
    the document says so.""",
    bad=asyncapi3(""),
    good=asyncapi3("""  contact:
    name: Treasury platform team
    url: https://treasury.example.org
    email: treasury@example.org
"""),
)
def info_contact(index: Index) -> Iterator[Violation]:
    if not as_dict(index.doc.get("info")).get("contact"):
        yield Violation(index.root_loc.child("info"),
                        "info has no contact; expected a contact object naming the owner "
                        "(name, url, email)")


@rule(
    "asyncapi-info-contact-properties",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="info.contact has name, url and email (spectral:asyncapi "
            "asyncapi-info-contact-properties).",
    why="""A contact with only a name cannot be reached, and one with only an e-mail
    address says nothing about which team it is. All three make the owner findable and
    reachable.""",
    bad=asyncapi3("""  contact:
    name: Treasury platform team
"""),
    good=asyncapi3("""  contact:
    name: Treasury platform team
    url: https://treasury.example.org
    email: treasury@example.org
"""),
)
def info_contact_properties(index: Index) -> Iterator[Violation]:
    contact = as_dict(index.doc.get("info")).get("contact")
    if not isinstance(contact, dict):
        return
    where = index.root_loc.child("info", "contact")
    for field in ("name", "url", "email"):
        if not contact.get(field):
            yield Violation(where, f"info.contact has no {field!r}; expected name, url and "
                                   "email so the owner can be found and reached")


@rule(
    "asyncapi-info-description",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="info has a non-empty description (spectral:asyncapi asyncapi-info-description).",
    why="""The description is where a reader learns what the events are for, who
    produces them and what delivery guarantees hold. Without it every consumer has to
    reverse-engineer the producer.""",
    bad=asyncapi3(""),
    good=asyncapi3("  description: Status changes of outgoing payments, published by the ERP "
                   "at least once.\n"),
)
def info_description(index: Index) -> Iterator[Violation]:
    info = as_dict(index.doc.get("info"))
    description = info.get("description")
    if not (isinstance(description, str) and description.strip()):
        where = index.root_loc.child("info", "description") if "description" in info \
            else index.root_loc.child("info")
        yield Violation(where, "info has no description; expected a non-empty text saying "
                               "what the events are for and who produces them")


@rule(
    "asyncapi-info-license",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    summary="info has a license object (spectral:asyncapi asyncapi-info-license).",
    why="""Partners and other teams copy contracts into their own repositories and
    generate code from them; the licence says whether they may.""",
    bad=asyncapi3(""),
    good=asyncapi3("""  license:
    name: Apache-2.0
    url: https://www.apache.org/licenses/LICENSE-2.0
"""),
)
def info_license(index: Index) -> Iterator[Violation]:
    if not as_dict(index.doc.get("info")).get("license"):
        yield Violation(index.root_loc.child("info"),
                        "info has no license; expected a license object (name, url)")


@rule(
    "asyncapi-info-license-url",
    severity="warn",
    family="asyncapi",
    formats=ASYNCAPI,
    strict_only=True,
    summary="info.license has a url (spectral:asyncapi asyncapi-info-license-url).",
    why="""A licence name alone can be ambiguous (which "BSD"?); the URL pins the exact
    text. Like Spectral's rule, it also fires when info has no license at all (at /info,
    next to asyncapi-info-license).""",
    bad=asyncapi3("""  license:
    name: Apache-2.0
"""),
    good=asyncapi3("""  license:
    name: Apache-2.0
    url: https://www.apache.org/licenses/LICENSE-2.0
"""),
)
def info_license_url(index: Index) -> Iterator[Violation]:
    info = as_dict(index.doc.get("info"))
    license_ = info.get("license")
    if not isinstance(license_, dict):
        # As Spectral (given `$`, field info.license.url): no licence is no url either,
        # reported where the path stops.
        where = index.root_loc.child("info")
        if "license" in info:
            where = where.child("license")
        elif "info" not in index.doc:
            where = index.root_loc
        yield Violation(where, "info has no license, so no url; expected a license object "
                               "with a url linking to the licence text")
    elif not license_.get("url"):
        yield Violation(index.root_loc.child("info", "license"),
                        "info.license has no url; expected a link to the licence text")


@rule(
    "asyncapi-latest-version",
    severity="info",
    family="asyncapi",
    formats=ASYNCAPI,
    strict_only=True,
    summary=f"The document uses the latest AsyncAPI version, {LATEST} (spectral:asyncapi "
            "asyncapi-latest-version).",
    why="""Tooling support, bug fixes and new bindings land in the latest version; a
    contract left on an old one drifts away from what generators and brokers expect.
    AsyncAPI 2.x to 3.x is a real migration (operations and channels were split), so this
    is information, not a warning. Unlike Spectral, where it is recommended, it runs in the
    strict ruleset only: the registry standardises event contracts on AsyncAPI 3.0 for now,
    and the recommended ruleset is the one a 3.0 contract must pass clean.""",
    bad=asyncapi2("""channels: {}
"""),
    good=f"""asyncapi: {LATEST}
info:
  title: Payment events
  version: 1.0.0
""",
)
def latest_version(index: Index) -> Iterator[Violation]:
    version = index.doc.get("asyncapi")
    if version != LATEST:
        yield Violation(index.root_loc.child("asyncapi"),
                        f"AsyncAPI {version} is not the latest version; expected {LATEST}")
