"""Support downloads each invoice's and credit note's e-invoice (the ZUGFeRD PDF and the XRechnung
XML) from the order page's invoices panel and the invoice pages; the warehouse may not; an
unknown number is a 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree

from billing.einvoice.xml import XRECHNUNG_ID
from billing.models import CreditNoteReason, CustomerEInvoicing, EInvoiceFormat
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from oms.models import CustomerDataAccess
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

UBL = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@pytest.fixture
def billed():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        order = place({"MUG-1": (2, "19.99")}, company="Acme GmbH")
        invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
        note = issue_credit_note(
            invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer", amount=Decimal("2.00")
        )
    return order, invoice, note


def _zugferd(number: str) -> str:
    return reverse("billing:support-einvoice-zugferd", args=[number])


def _xrechnung(number: str) -> str:
    return reverse("billing:support-einvoice-xrechnung", args=[number])


def test_the_invoices_panel_links_each_documents_zugferd_pdf_and_xrechnung(support_client, billed):
    order, invoice, note = billed
    body = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    for number in (invoice.number, note.number):
        assert f'href="{_zugferd(number)}"' in body
        assert f'href="{_xrechnung(number)}"' in body
        assert f'aria-label="ZUGFeRD PDF of {number}"' in body


@pytest.mark.parametrize("page", ["billing:support-invoice-dunning", "billing:support-invoice-credit"])
def test_the_invoice_pages_link_the_e_invoice(support_client, billed, page):
    _order, invoice, _note = billed
    body = support_client.get(reverse(page, args=[invoice.number])).content.decode()
    assert _zugferd(invoice.number) in body and _xrechnung(invoice.number) in body


def test_support_downloads_the_invoices_zugferd_pdf_with_its_xml_embedded(support_client, support_user, billed):
    _order, invoice, _note = billed
    response = support_client.get(_zugferd(invoice.number))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}-zugferd.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    name, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    root = etree.fromstring(xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:ID/text()", namespaces=CII) == [invoice.number]
    assert root.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=CII) == ["380"]
    # The download is in the access log, like the PDF's.
    access = CustomerDataAccess.objects.get(subject_type="invoice:zugferd")
    assert (access.user, access.customer_id, access.action) == (support_user, invoice.customer_id, "exported")


def test_support_downloads_the_credit_notes_zugferd_pdf(support_client, billed):
    _order, _invoice, note = billed
    response = support_client.get(_zugferd(note.number))

    assert response.status_code == 200
    _name, xml = get_xml_from_pdf(response.content, check_xsd=True)
    root = etree.fromstring(xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:ID/text()", namespaces=CII) == [note.number]
    assert root.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=CII) == ["381"]


def test_the_xrechnung_is_ubl_valid_against_the_xsd_with_xrechnungs_identifier(manager_client, billed):
    _order, invoice, _note = billed
    response = manager_client.get(_xrechnung(invoice.number))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}-xrechnung.xml"'
    xml_check_xsd(response.content, flavor="ubl-2.1", level="en16931")
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "Invoice"
    assert root.xpath("/*/cbc:ID/text()", namespaces=UBL) == [invoice.number]
    assert root.xpath("/*/cbc:CustomizationID/text()", namespaces=UBL) == [XRECHNUNG_ID]


def test_the_credit_notes_xrechnung_is_a_ubl_credit_note(support_client, billed):
    _order, _invoice, note = billed
    root = etree.fromstring(support_client.get(_xrechnung(note.number)).content)
    assert etree.QName(root).localname == "CreditNote"
    assert root.xpath("/*/cbc:ID/text()", namespaces=UBL) == [note.number]


def test_the_xrechnung_follows_the_buyers_syntax_and_leitweg_id(support_client, billed):
    order, invoice, _note = billed
    CustomerEInvoicing.objects.create(
        customer_id=order.customer_id, format=EInvoiceFormat.XRECHNUNG_CII, buyer_reference="04011000-12345-67"
    )
    response = support_client.get(_xrechnung(invoice.number))

    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}-xrechnung-cii.xml"'
    root = etree.fromstring(response.content)
    assert root.xpath("//ram:BuyerReference/text()", namespaces=CII) == ["04011000-12345-67"]
    assert root.xpath("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()", namespaces=CII) == [
        XRECHNUNG_ID
    ]


@pytest.mark.parametrize("url", [_zugferd, _xrechnung])
def test_an_unknown_number_is_a_404(support_client, billed, url):
    assert support_client.get(url("RE-2026-999999")).status_code == 404
    assert support_client.get(url("GS-2026-999999")).status_code == 404


@pytest.mark.parametrize("url", [_zugferd, _xrechnung])
def test_the_warehouse_may_not_download_e_invoices(warehouse_client, billed, url):
    _order, invoice, note = billed
    assert warehouse_client.get(url(invoice.number)).status_code == 403
    assert warehouse_client.get(url(note.number)).status_code == 403
    assert not CustomerDataAccess.objects.exists()
