"""The order page shows the order's invoices and credit notes with their PDFs, its money summary
counts what was invoiced and credited, and the support search finds the order by an invoice or
credit-note number."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from billing.models import CreditNoteReason
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from oms import documents
from orders.selectors.money import order_money_summary
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        order = place({"MUG-1": (2, "19.99")})
        invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
        mug = invoice.lines.get()
        note = issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={mug.pk: 1})
    return order, invoice, note


def test_the_order_page_lists_invoices_and_credit_notes_with_their_pdfs(support_client, billed):
    order, invoice, note = billed
    documents.render_document(invoice.document_id)
    body = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()

    assert 'id="order-invoices"' in body
    assert invoice.number in body and note.number in body
    assert reverse("document-file", args=[invoice.document_id]) in body
    assert reverse("document-file", args=[note.document_id]) not in body  # not rendered yet


def test_the_money_summary_counts_invoiced_and_credited(billed):
    order, invoice, note = billed
    summary = order_money_summary(order)
    assert (summary.invoiced, summary.credited) == (invoice.total, note.total)
    assert summary.due == invoice.total - note.total


@pytest.mark.parametrize("which", ["invoice", "note"])
def test_support_finds_the_order_by_an_invoice_or_credit_note_number(support_client, billed, which):
    order, invoice, note = billed
    number = invoice.number if which == "invoice" else note.number
    body = support_client.get(reverse("orders:support-order-list"), {"q": number}).content.decode()
    assert order.number in body
