"""The invoice and credit-note mails carry what the buyer's e-invoicing setting asks for: the plain
PDF for consumers, the ZUGFeRD PDF instead of it, or the XRechnung XML beside the PDF (the real
rendered files, sent through the outbox)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail as django_mail
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree

from billing.models import ChannelEInvoicing, CreditNoteReason, CustomerEInvoicing, EInvoiceFormat
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from oms import outbox
from oms.models import CustomerMail, OutboxMessage
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

UBL = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _sent(subject_type: str, pk: int):
    """Deliver the customer mail about the document and return the message as sent."""
    customer_mail = CustomerMail.objects.get(subject_type=subject_type, subject_id=str(pk))
    outbox.deliver(OutboxMessage.objects.get(kind="customer_mail", payload__mail_id=customer_mail.pk).pk)
    customer_mail.refresh_from_db()
    assert customer_mail.status == "sent", customer_mail.last_error
    return django_mail.outbox[-1]


def _invoice(**customer):
    order = place({"MUG-1": (2, "19.99")}, **customer)
    return order, issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)


def test_a_consumer_gets_the_plain_pdf_only():
    _order, invoice = _invoice()
    sent = _sent("invoice", invoice.pk)
    assert [(name, mimetype) for name, _content, mimetype in sent.attachments] == [
        (f"{invoice.number}.pdf", "application/pdf")
    ]
    assert sent.attachments[0][1].startswith(b"%PDF")
    assert get_xml_from_pdf(sent.attachments[0][1], check_xsd=False) == (False, False)  # no XML embedded


def test_a_business_customer_gets_the_zugferd_pdf_instead_of_the_plain_pdf():
    _order, invoice = _invoice(company="Acme GmbH")
    sent = _sent("invoice", invoice.pk)

    assert [name for name, _content, _mimetype in sent.attachments] == [f"{invoice.number}-zugferd.pdf"]
    name, xml = get_xml_from_pdf(sent.attachments[0][1], check_xsd=True)
    assert name == "factur-x.xml"
    assert etree.fromstring(xml).xpath("//rsm:ExchangedDocument/ram:ID/text()", namespaces=CII) == [invoice.number]


def test_a_customer_asking_for_xrechnung_gets_the_ubl_xml_beside_the_pdf():
    order, invoice = _invoice(company="Stadtwerke Musterstadt")
    CustomerEInvoicing.objects.create(
        customer_id=order.customer_id, format=EInvoiceFormat.XRECHNUNG_UBL, buyer_reference="04011000-12345-67"
    )
    sent = _sent("invoice", invoice.pk)

    assert [(name, mimetype) for name, _content, mimetype in sent.attachments] == [
        (f"{invoice.number}.pdf", "application/pdf"),
        (f"{invoice.number}-xrechnung.xml", "application/xml"),
    ]
    assert sent.attachments[0][1].startswith(b"%PDF")
    xml = sent.attachments[1][1]
    xml = xml.encode() if isinstance(xml, str) else xml
    xml_check_xsd(xml, flavor="ubl-2.1", level="en16931")
    root = etree.fromstring(xml)
    assert root.xpath("/*/cbc:ID/text()", namespaces=UBL) == [invoice.number]
    assert root.xpath("/*/cbc:BuyerReference/text()", namespaces=UBL) == ["04011000-12345-67"]


def test_the_channels_default_for_business_customers_applies_to_credit_notes_too():
    order, invoice = _invoice(company="Acme GmbH")
    ChannelEInvoicing.objects.create(channel=order.channel, b2b_format=EInvoiceFormat.XRECHNUNG_CII)
    note = issue_credit_note(
        invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer", amount=Decimal("2.00")
    )
    sent = _sent("credit_note", note.pk)

    assert [name for name, _content, _mimetype in sent.attachments] == [
        f"{note.number}.pdf",
        f"{note.number}-xrechnung-cii.xml",
    ]
    xml = sent.attachments[1][1]
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=CII) == ["381"]
