"""The invoice PDF states what was already paid and what was still due when it was issued
(pdftotext on the rendered PDF), whenever the PDF is drawn: a payment after issuing changes the
invoice's state, never its document."""

from __future__ import annotations

import datetime
import subprocess
from decimal import Decimal

import pytest
import time_machine

from billing.documents import INVOICE_DOCUMENT
from billing.models import InvoiceState
from billing.services.issuing import issue_invoice_for_shipment
from billing.services.payments import record_manual_payment
from oms import documents
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

ISSUED = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)


def _text(invoice) -> str:
    document = documents.render_document_now(INVOICE_DOCUMENT, subject=str(invoice.pk))
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=documents.read_document(document), capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def _pay_by_hand(order, amount: str, *, on: datetime.date) -> None:
    record_manual_payment(order=order, amount=Decimal(amount), method="bank_transfer", paid_on=on, reason="Kontoauszug")


def test_an_invoice_on_account_says_nothing_is_paid_and_all_is_due_even_when_drawn_after_the_payment():
    with time_machine.travel(ISSUED, tick=False):
        order = place({"MUG-1": (2, "19.99")}, shipping="4.90", payment_method="invoice")
        invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
    with time_machine.travel(ISSUED + datetime.timedelta(days=3), tick=False):
        _pay_by_hand(order, "44.88", on=datetime.date(2026, 12, 10))
        invoice.refresh_from_db()
        assert invoice.state == InvoiceState.PAID and invoice.amount_due == 0
        text = _text(invoice)  # drawn only now, after the payment

    assert "Rechnungsbetrag 44,88 €" in text
    assert "Bereits bezahlt 0,00 €" in text
    assert "Noch offen 44,88 €" in text
    assert f"Bitte zahlen Sie 44,88 € bis zum 21. Dezember 2026 unter Angabe von {invoice.number}." in text


def test_an_invoice_paid_by_card_at_checkout_says_it_is_paid():
    with time_machine.travel(ISSUED, tick=False):
        order = place({"MUG-1": (2, "19.99")}, shipping="4.90", payment_method="card")
        invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
        text = _text(invoice)

    assert "Bereits bezahlt 44,88 €" in text
    assert "Noch offen 0,00 €" in text
    assert "Vielen Dank, diese Rechnung ist bezahlt." in text
    assert "Bitte zahlen" not in text
    assert text.count("Seite") == 1  # the page number in the footer, no stray label in the text


def test_a_part_paid_before_shipping_is_paid_and_the_rest_is_due():
    with time_machine.travel(ISSUED - datetime.timedelta(days=1), tick=False):
        order = place({"MUG-1": (2, "19.99")}, shipping="4.90", payment_method="invoice")
        _pay_by_hand(order, "20.00", on=datetime.date(2026, 12, 6))
    with time_machine.travel(ISSUED, tick=False):
        invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
        assert invoice.state == InvoiceState.PARTIALLY_PAID
        text = _text(invoice)

    assert "Bereits bezahlt 20,00 €" in text
    assert "Noch offen 24,88 €" in text
    assert f"Bitte zahlen Sie 24,88 € bis zum 21. Dezember 2026 unter Angabe von {invoice.number}." in text
