"""The UBL 2.1 reader against the real EN 16931 examples in ../shared/corpora/en16931-ubl.

Every corpus document must map, validate against the canonical Invoice/CreditNote schema and
reconcile; spot checks compare mapped values with the XML read independently here with plain
ElementTree, so a mapping bug cannot hide behind the mapper's own reading of the XML.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerpact.adapters.ubl import read_ubl, reconcile
from ledgerpact.adapters.ubl.parties import is_iban
from ledgerpact.registry.errors import InputError
from ledgerpact.registry.schema_store import SchemaStore

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "en16931-ubl"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
SCHEMA_FOR_ROOT = {
    INVOICE: "schemas/invoice/invoice.schema.json",
    CREDIT_NOTE: "schemas/credit-note/credit-note.schema.json",
}


def _corpus_names() -> list[str]:
    """Listed at collection time so each document is its own test case; the `corpora`
    fixture still decides (and skips) at run time when the folder is missing."""
    if not CORPUS.is_dir():
        return []
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix.lower() == ".xml")


NAMES = _corpus_names()


@pytest.fixture(scope="module")
def store(repo_root: Path) -> SchemaStore:
    return SchemaStore(repo_root / "contracts")


@pytest.fixture(params=NAMES or ["(corpus missing)"])
def ubl_path(request: pytest.FixtureRequest, corpora: Path) -> Path:
    return corpora / "en16931-ubl" / request.param


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path, NS)
    assert found is not None, path
    return " ".join((found.text or "").split())


def test_corpus_has_invoices_and_a_credit_note(corpora: Path) -> None:
    roots = {ET.parse(p).getroot().tag for p in (corpora / "en16931-ubl").glob("*") if p.is_file()}
    assert roots == {INVOICE, CREDIT_NOTE}


def test_document_maps_validates_and_reconciles(ubl_path: Path, store: SchemaStore) -> None:
    doc = read_ubl(ubl_path.read_bytes(), str(ubl_path))
    schema = SCHEMA_FOR_ROOT[ET.parse(ubl_path).getroot().tag]
    errors = [f"{e.json_path}: {e.message}" for e in store.iter_errors(schema, doc)]
    assert errors == []
    assert reconcile(doc) == []


def test_mapped_terms_match_the_xml(ubl_path: Path) -> None:
    root = ET.parse(ubl_path).getroot()
    doc = read_ubl(ubl_path.read_bytes(), str(ubl_path))
    is_invoice = root.tag == INVOICE

    assert doc["number"] == _text(root, "cbc:ID")
    assert doc["issueDate"] == _text(root, "cbc:IssueDate")
    assert doc["currency"] == _text(root, "cbc:DocumentCurrencyCode")
    assert doc["typeCode"] == _text(
        root, "cbc:InvoiceTypeCode" if is_invoice else "cbc:CreditNoteTypeCode"
    )

    payable = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS)
    assert payable is not None
    assert Decimal(doc["totals"]["payableAmount"]["amount"]) == Decimal(payable.text or "")
    assert doc["totals"]["payableAmount"]["currency"] == payable.get("currencyID")

    xml_lines = root.findall("cac:InvoiceLine" if is_invoice else "cac:CreditNoteLine", NS)
    assert len(doc["lines"]) == len(xml_lines)
    for mapped, element in zip(doc["lines"], xml_lines, strict=True):
        assert mapped["id"] == _text(element, "cbc:ID")
        assert Decimal(mapped["netAmount"]["amount"]) == Decimal(
            _text(element, "cbc:LineExtensionAmount")
        )
        assert mapped["item"]["name"] == _text(element, "cac:Item/cbc:Name")

    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert len(doc["vatBreakdown"]) == len(subtotals)
    assert [v["categoryCode"] for v in doc["vatBreakdown"]] == [
        _text(s, "cac:TaxCategory/cbc:ID") for s in subtotals
    ]

    tax_currency = root.findtext("cbc:TaxCurrencyCode", namespaces=NS)
    in_tax_currency = [
        t.find("cbc:TaxAmount", NS)
        for t in root.findall("cac:TaxTotal", NS)
        if tax_currency and t.find("cbc:TaxAmount", NS).get("currencyID") == tax_currency.strip()
    ]
    if tax_currency and tax_currency.strip() != doc["currency"]:
        assert len(in_tax_currency) == 1
        assert doc["totals"]["vatTotalInTaxCurrency"] == {
            "amount": in_tax_currency[0].text.strip(),
            "currency": tax_currency.strip(),
        }
    else:
        assert "vatTotalInTaxCurrency" not in doc["totals"]

    xml_vat_ids = [
        _text(scheme, "cbc:CompanyID")
        for scheme in root.findall("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme", NS)
        if _text(scheme, "cac:TaxScheme/cbc:ID") == "VAT"
    ]
    mapped_vat_ids = [
        t["id"] for t in doc["seller"].get("taxRegistrations", []) if t["scheme"] == "VAT"
    ]
    assert mapped_vat_ids == xml_vat_ids

    assert doc["seller"]["postalAddress"]["countryCode"] == _text(
        root,
        "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
    )


def test_embedded_attachments_are_referenced_by_sha256(corpora: Path) -> None:
    seen = 0
    for path in sorted((corpora / "en16931-ubl").glob("*")):
        root = ET.parse(path).getroot()
        embedded = root.findall(
            "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS
        )
        if not embedded:
            continue
        doc = read_ubl(path.read_bytes(), str(path))
        attachments = [d["attachment"] for d in doc["supportingDocuments"] if "attachment" in d]
        assert len(attachments) == len(embedded)
        for mapped, element in zip(attachments, embedded, strict=True):
            content = base64.b64decode("".join((element.text or "").split()))
            assert mapped["sha256"] == hashlib.sha256(content).hexdigest()
            assert mapped["size"] == len(content)
            assert mapped["filename"] == element.get("filename")
            assert mapped["mediaType"] == element.get("mimeCode")
            seen += 1
    assert seen > 0, "the corpus is expected to hold at least one embedded attachment"


@pytest.fixture(scope="module")
def sample(corpora: Path) -> bytes:
    """A rich invoice (payee, tax representative, allowances, prepaid amount)."""
    return (corpora / "en16931-ubl" / "ubl-tc434-example2.xml").read_bytes()


# --- tampered totals -------------------------------------------------------------------------


def _bump(xml: bytes, element: str, by: str = "0.01") -> bytes:
    """Add ``by`` to the first ``element`` amount in the raw bytes, keeping everything else."""
    pattern = re.compile(rb"(<cbc:" + element.encode() + rb"\b[^>]*>)\s*([^<]+?)\s*(</)")
    match = pattern.search(xml)
    assert match is not None, element
    bumped = str(Decimal(match.group(2).decode()) + Decimal(by)).encode()
    return xml[: match.start(2)] + bumped + xml[match.end(2) :]


def test_tampered_payable_amount_is_reported(ubl_path: Path) -> None:
    doc = read_ubl(_bump(ubl_path.read_bytes(), "PayableAmount"), str(ubl_path))
    findings = reconcile(doc)
    assert len(findings) == 1
    assert findings[0].startswith("totals.payableAmount")
    assert "off by 0.01" in findings[0]


def test_tampered_vat_total_is_reported(ubl_path: Path) -> None:
    doc = read_ubl(_bump(ubl_path.read_bytes(), "TaxAmount"), str(ubl_path))
    findings = reconcile(doc)
    assert any(f.startswith("totals.vatTotal") for f in findings), findings
    assert any(f.startswith("totals.grossTotal") for f in findings), findings


def test_tampered_line_amount_is_reported(sample: bytes) -> None:
    # the first LineExtensionAmount is the document total (BT-106); the second is line 1's
    first = sample.index(b"<cbc:LineExtensionAmount")
    second = sample.index(b"<cbc:LineExtensionAmount", first + 1)
    tampered = sample[:second] + _bump(sample[second:], "LineExtensionAmount", "1.00")
    doc = read_ubl(tampered, "tampered-line.xml")
    findings = reconcile(doc)
    assert any(f.startswith("totals.lineNetTotal") for f in findings), findings
    assert any("vatBreakdown[0]" in f and "taxableAmount" in f for f in findings), findings


def test_mixed_currency_is_reported(ubl_path: Path) -> None:
    doc = read_ubl(ubl_path.read_bytes(), str(ubl_path))
    doc["lines"][0]["netAmount"]["currency"] = "USD" if doc["currency"] != "USD" else "EUR"
    assert any("lines[0].netAmount is in" in f for f in reconcile(doc))


# --- bad input -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&g;</Invoice>
"""


def _error(xml: bytes, source: str) -> str:
    with pytest.raises(InputError) as caught:
        read_ubl(xml, source)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(source)
    return message


def _without(xml: bytes, path: str) -> bytes:
    """The document with the first element at ``path`` (relative to the root) removed."""
    root = ET.fromstring(xml)
    parent_path, _, child = path.rpartition("/")
    parent = root.find(parent_path, NS) if parent_path else root
    assert parent is not None
    target = parent.find(child, NS)
    assert target is not None, path
    parent.remove(target)
    return ET.tostring(root)


def test_malformed_xml(sample: bytes) -> None:
    message = _error(sample[: len(sample) // 2], "truncated.xml")
    assert "malformed XML" in message


def test_billion_laughs_is_refused_before_expansion() -> None:
    started = time.perf_counter()
    message = _error(BILLION_LAUGHS, "laughs.xml")
    assert "DOCTYPE" in message
    assert time.perf_counter() - started < 1.0


def test_external_entity_is_refused() -> None:
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>'
    )
    assert "DOCTYPE" in _error(xml, "xxe.xml")


def test_doctype_in_utf16_is_refused() -> None:
    xml = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    assert "DOCTYPE" in _error(xml.encode("utf-16"), "laughs16.xml")


def test_non_ubl_root() -> None:
    xml = b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><x/></Order>'
    message = _error(xml, "order.xml")
    assert "root element is Order" in message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("cbc:IssueDate", "/Invoice/cbc:IssueDate"),
        (
            "cac:LegalMonetaryTotal/cbc:PayableAmount",
            "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        ("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity", "BG-4 seller has no name"),
        ("cac:InvoiceLine/cac:Item/cbc:Name", "/Invoice/cac:InvoiceLine[1]/cac:Item/cbc:Name"),
        ("cac:TaxTotal", "/Invoice/cac:TaxTotal"),
    ],
)
def test_missing_mandatory_term(sample: bytes, path: str, expected: str) -> None:
    message = _error(_without(sample, path), "broken.xml")
    assert expected in message


def test_no_lines(sample: bytes) -> None:
    root = ET.fromstring(sample)
    for line in root.findall("cac:InvoiceLine", NS):
        root.remove(line)
    assert "BG-25" in _error(ET.tostring(root), "nolines.xml")


def test_bad_amount_is_located(sample: bytes) -> None:
    xml = re.sub(rb"(<cbc:PayableAmount[^>]*>)[^<]+", rb"\g<1>12,50", sample)
    message = _error(xml, "comma.xml")
    assert "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount" in message
    assert "'12,50'" in message


# --- mapping details -------------------------------------------------------------------------


def test_full_card_number_is_cut_to_last_digits(sample: bytes, store: SchemaStore) -> None:
    card = (
        b"<cac:CardAccount><cbc:PrimaryAccountNumberID>4111 1111 1111 1234"
        b"</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID>"
        b"<cbc:HolderName>J Doe</cbc:HolderName></cac:CardAccount>"
    )
    xml = sample.replace(
        b"<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>",
        b"<cbc:PaymentMeansCode>48</cbc:PaymentMeansCode>" + card,
        1,
    )
    doc = read_ubl(xml, "card.xml")
    assert doc["paymentInstructions"][0]["card"] == {
        "maskedAccountNumber": "1234",
        "holderName": "J Doe",
    }
    assert b"4111" not in repr(doc).encode()
    assert list(store.iter_errors("schemas/invoice/invoice.schema.json", doc)) == []


def test_iban_needs_valid_check_digits() -> None:
    assert is_iban("DE89370400440532013000")
    assert not is_iban("DE89370400440532013001")
    assert not is_iban("1234567890")
