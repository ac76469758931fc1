"""UBL parties (cac:Party and its siblings) mapped onto the canonical Party.

EN 16931 spreads a party over several UBL aggregates (legal entity, tax schemes, name,
address, contact); the canonical Party gathers them. Bank accounts are classified here as
IBAN only when the ISO 13616 check digits are right, so a domestic account number that merely
looks like an IBAN is never sent to a SEPA rail.
"""

from __future__ import annotations

import re
from typing import Any

from ledgerpact.adapters.ubl.nodes import Node
from ledgerpact.adapters.ubl.values import put, schemed_id

_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
MAX_ADDRESS_LINES = 3


def is_iban(candidate: str) -> bool:
    """ISO 13616: the right shape and the mod-97 check digits."""
    if not _IBAN.match(candidate):
        return False
    rearranged = candidate[4:] + candidate[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def address(node: Node, term: str) -> dict[str, Any]:
    lines = [
        text
        for text in (
            node.value("cbc:StreetName"),
            node.value("cbc:AdditionalStreetName"),
            *(line.value("cbc:Line") for line in node.children("cac:AddressLine")),
        )
        if text
    ]
    if len(lines) > MAX_ADDRESS_LINES:  # keep every word; the model has three lines
        lines = [*lines[: MAX_ADDRESS_LINES - 1], ", ".join(lines[MAX_ADDRESS_LINES - 1 :])]
    result: dict[str, Any] = {}
    put(result, "lines", lines)
    put(result, "city", node.value("cbc:CityName"))
    put(result, "postalCode", node.value("cbc:PostalZone"))
    put(result, "subdivision", node.value("cbc:CountrySubentity"))
    country = node.require("cac:Country", f"{term} country")
    result["countryCode"] = country.require_value("cbc:IdentificationCode", f"{term} country code")
    return result


def bank_account(node: Node) -> dict[str, Any]:
    """A cac:FinancialAccount (payee account BG-17 or debited account BT-91)."""
    raw = node.require_value("cbc:ID", "BT-84/BT-91 payment account identifier")
    compact = re.sub(r"\s+", "", raw).upper()
    result: dict[str, Any] = {"iban": compact} if is_iban(compact) else {"accountId": raw}
    branch = node.child("cac:FinancialInstitutionBranch")
    if branch is not None and (code := branch.value("cbc:ID")) is not None:
        if _BIC.match(code.upper()):
            result["bic"] = code.upper()
        else:
            result["bankCode"] = code
    put(result, "accountName", node.value("cbc:Name"))
    return result


def _contact(node: Node) -> dict[str, str] | None:
    result: dict[str, str] = {}
    put(result, "name", node.value("cbc:Name"))
    put(result, "phone", node.value("cbc:Telephone"))
    put(result, "email", node.value("cbc:ElectronicMail"))
    return result or None


def _tax_registration(node: Node) -> dict[str, str]:
    scheme = node.require("cac:TaxScheme", "tax scheme").require_value("cbc:ID", "tax scheme")
    return {
        "scheme": scheme,
        "id": node.require_value("cbc:CompanyID", "tax registration identifier"),
    }


def party(node: Node, term: str, *, address_required: bool) -> dict[str, Any]:
    """Map a party; ``term`` names the EN 16931 group (e.g. "BG-4 seller") for error messages."""
    legal = node.child("cac:PartyLegalEntity")
    legal_name = legal.value("cbc:RegistrationName") if legal is not None else None
    party_names = [
        text for n in node.children("cac:PartyName") if (text := n.value("cbc:Name")) is not None
    ]
    name = legal_name or (party_names[0] if party_names else None)
    if name is None:
        raise node.error(
            f"{term} has no name: expected cac:PartyLegalEntity/cbc:RegistrationName "
            "or cac:PartyName/cbc:Name"
        )
    result: dict[str, Any] = {"name": name}
    trading = [n for n in party_names if n != name]
    put(result, "tradingName", trading[0] if trading else None)
    put(
        result,
        "identifiers",
        [
            schemed_id(ident)
            for pid in node.children("cac:PartyIdentification")
            if (ident := pid.child("cbc:ID")) is not None
        ],
    )
    if legal is not None:
        company = legal.child("cbc:CompanyID")
        put(result, "legalRegistration", schemed_id(company) if company is not None else None)
        put(result, "additionalLegalInformation", legal.value("cbc:CompanyLegalForm"))
    put(
        result,
        "taxRegistrations",
        [_tax_registration(scheme) for scheme in node.children("cac:PartyTaxScheme")],
    )
    endpoint = node.child("cbc:EndpointID")
    put(result, "electronicAddress", schemed_id(endpoint) if endpoint is not None else None)
    postal = node.child("cac:PostalAddress")
    if postal is not None:
        result["postalAddress"] = address(postal, term)
    elif address_required:
        raise node.missing("cac:PostalAddress", f"{term} postal address")
    put(result, "contacts", [c for n in node.children("cac:Contact") if (c := _contact(n))])
    return result
