"""The Factur-X/ZUGFeRD PDF: the invoice page as PDF/A-3 with the EN 16931 XML embedded, rendered
by WeasyPrint and stored like every document."""

from __future__ import annotations

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
import time_machine
from facturx import get_xml_from_pdf
from pypdf import PdfReader

from billing.einvoice.pdf import CREDIT_NOTE_FACTURX, INVOICE_FACTURX, facturx_document, facturx_xml
from billing.models import CreditNoteReason
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from oms import documents
from tests.billing.einvoice.schematron import failed_rules
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_zugferd_pdf_shows_the_invoice_and_embeds_its_valid_xml():
    order = place({"MUG-1": (2, "19.99")}, company="Acme GmbH", vat_id="")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)

    document = facturx_document(invoice)
    pdf = documents.read_document(document)

    assert document.kind == INVOICE_FACTURX and document.filename == f"{invoice.number}-zugferd.pdf"
    name, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    assert xml == facturx_xml(invoice)
    assert failed_rules(xml, syntax="cii") == []
    text = _text(pdf)
    assert invoice.number in text and "Acme GmbH" in text
    # PDF/A-3 as declared in the XMP metadata (Factur-X requires it).
    metadata = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in metadata
    # Asked again: the same stored file, not a second render.
    assert facturx_document(invoice).pk == document.pk


def test_a_credit_note_has_its_zugferd_pdf_too():
    order = place({"MUG-1": (2, "19.99")}, company="Acme GmbH")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
    note = issue_credit_note(
        invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer", amount=Decimal("2.00")
    )

    document = facturx_document(note)
    _name, xml = get_xml_from_pdf(documents.read_document(document), check_xsd=True)

    assert document.kind == CREDIT_NOTE_FACTURX
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert note.number in _text(documents.read_document(document))
