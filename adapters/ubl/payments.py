"""UBL payment means (cac:PaymentMeans) mapped onto canonical payment instructions (BG-16).

One canonical instruction per UBL PaymentMeans, so an invoice offering two accounts or two
means keeps both. Card numbers are cut down to their last digits here, at the edge, so a
full card number never enters the canonical model (PCI DSS scope).
"""

from __future__ import annotations

import re
from typing import Any

from ledgerpact.adapters.ubl.nodes import Node
from ledgerpact.adapters.ubl.parties import bank_account
from ledgerpact.adapters.ubl.values import put


def payment_instructions(
    doc: Node, seller: dict[str, Any], payee: dict[str, Any] | None
) -> list[dict[str, Any]]:
    result = []
    for means in doc.children("cac:PaymentMeans"):
        code = means.require("cbc:PaymentMeansCode", "BT-81 payment means type code")
        if not code.line_text:
            raise code.error("cbc:PaymentMeansCode (BT-81 payment means type code) is empty")
        entry: dict[str, Any] = {"meansCode": code.line_text}
        put(entry, "meansText", code.attr("name"))
        remittance = [n.line_text for n in means.children("cbc:PaymentID") if n.text]
        put(entry, "remittanceInformation", remittance[0] if remittance else None)
        put(
            entry,
            "creditTransfers",
            [bank_account(a) for a in means.children("cac:PayeeFinancialAccount")],
        )
        card = means.child("cac:CardAccount")
        if card is not None:
            entry["card"] = _card(card)
        mandate = means.child("cac:PaymentMandate")
        if mandate is not None:
            entry["directDebit"] = _direct_debit(mandate, payee or seller)
        result.append(entry)
    return result


def _card(node: Node) -> dict[str, str]:
    """BG-18. Only the last digits are kept even if a full card number was sent."""
    pan = node.require("cbc:PrimaryAccountNumberID", "BT-87 payment card primary account number")
    digits = re.sub(r"[^0-9]", "", pan.text)
    if len(digits) < 4:
        raise pan.error("expected at least the last 4 digits of the card number (BT-87)")
    result = {"maskedAccountNumber": digits[-4:] if len(digits) > 6 else digits}
    put(result, "holderName", node.value("cbc:HolderName"))
    return result


def _direct_debit(node: Node, creditor: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    put(result, "mandateReference", node.value("cbc:ID"))
    sepa = [i["id"] for i in creditor.get("identifiers", []) if i.get("scheme") == "SEPA"]
    put(result, "creditorId", sepa[0] if sepa else None)
    account = node.child("cac:PayerFinancialAccount")
    put(result, "debitedAccount", bank_account(account) if account is not None else None)
    return result
