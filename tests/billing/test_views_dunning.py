"""Support pauses an invoice's dunning (a dispute) from the order page or the receivables list,
sees its reminders on the invoice's dunning page and resumes it there."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from billing.models import DunningPause
from billing.services.dunning import send_due_reminders
from orders.models import OrderEvent
from tests.billing.dunning_flows import at, invoice_issued_on

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 10, 1)
LATER = datetime.date(2026, 11, 20)  # 36 days past due


def test_support_pauses_dunning_from_the_order_page_and_the_sweep_leaves_the_invoice_alone(support_client):
    invoice = invoice_issued_on(ISSUED)
    order_url = reverse("orders:support-order-detail", args=[invoice.order.number])
    with at(LATER):
        page = support_client.get(order_url).content.decode()
        assert reverse("billing:support-invoice-dunning-pause", args=[invoice.number]) in page

        response = support_client.post(
            reverse("billing:support-invoice-dunning-pause", args=[invoice.number]),
            {"dunning-reason": "Kunde bestreitet die Lieferung"},
        )
        assert response.status_code == 302 and response["Location"] == order_url
        assert send_due_reminders() == 0
        page = support_client.get(order_url).content.decode()

    assert "Kunde bestreitet die Lieferung" in page and "paused" in page
    assert reverse("billing:support-invoice-dunning-resume", args=[invoice.number]) in page
    assert OrderEvent.objects.filter(order=invoice.order, message__contains="paused").exists()


def test_a_pause_without_a_reason_is_refused_with_the_form_and_nothing_written(support_client):
    invoice = invoice_issued_on(ISSUED)
    response = support_client.post(
        reverse("billing:support-invoice-dunning-pause", args=[invoice.number]), {"dunning-reason": "   "}
    )
    assert response.status_code == 422
    assert 'name="dunning-reason"' in response.content.decode()
    assert not DunningPause.objects.exists()


def test_the_dunning_page_lists_the_reminders_and_resumes_a_paused_invoice(support_client):
    invoice = invoice_issued_on(ISSUED)
    with at(LATER):
        send_due_reminders()
        url = reverse("billing:support-invoice-dunning", args=[invoice.number])
        support_client.post(
            reverse("billing:support-invoice-dunning-pause", args=[invoice.number]),
            {"dunning-reason": "Ratenzahlung vereinbart", "back": "dunning"},
        )
        page = support_client.get(url).content.decode()
        assert "Payment reminder" in page and "Ratenzahlung vereinbart" in page

        response = support_client.post(
            reverse("billing:support-invoice-dunning-resume", args=[invoice.number]), {"back": "dunning"}
        )
        assert response.status_code == 302 and response["Location"] == url
        again = support_client.post(reverse("billing:support-invoice-dunning-resume", args=[invoice.number]))
    assert again.status_code == 422 and "is not paused" in again.content.decode()
    assert DunningPause.objects.get().resumed_at is not None


def test_the_receivables_list_pauses_dunning_in_bulk_and_filters_paused_invoices(support_client):
    first, second, third = (invoice_issued_on(ISSUED) for _ in range(3))
    with at(LATER):
        response = support_client.post(
            reverse("billing:support-receivables-bulk"),
            {"ids": [first.pk, second.pk], "action": "pause_dunning", "reason": "Klärung mit dem Kunden"},
            follow=True,
        )
        assert "Dunning of 2 invoices paused." in response.content.decode()
        paused = support_client.get(reverse("billing:support-receivables"), {"dunning": "paused"}).content.decode()
        send_due_reminders()
        reminded = support_client.get(reverse("billing:support-receivables"), {"dunning": "1"}).content.decode()

    assert first.number in paused and second.number in paused and third.number not in paused
    assert third.number in reminded and first.number not in reminded


def test_a_number_that_names_no_invoice_is_a_404(support_client):
    assert support_client.get(reverse("billing:support-invoice-dunning", args=["RE-0000-000000"])).status_code == 404
