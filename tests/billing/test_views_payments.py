"""The order page's payments: the payment state badge, a payment entered by hand, a refund."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, PaymentTransaction, TransactionKind
from tests.billing.factories import capture, placed_order

pytestmark = pytest.mark.django_db


def _page(client, order):
    return client.get(reverse("orders:support-order-detail", args=[order.number]))


def test_the_order_page_shows_the_payment_state_beside_the_order_state(support_client):
    order = placed_order(payment_method="prepayment")

    page = _page(support_client, order).content.decode()
    head = page[page.index("<h1>") : page.index("</h1>")]
    assert 'data-payment-state="unpaid"' in head and "Unpaid" in head

    capture(order, "44.88")
    head = _page(support_client, order).content.decode()
    assert 'data-payment-state="paid"' in head


def test_support_books_a_bank_transfer_from_the_order_page(support_client):
    order = placed_order(payment_method="prepayment")
    page = _page(support_client, order).content.decode()
    assert "Enter a payment" in page and 'name="payment-token"' in page

    response = support_client.post(
        reverse("billing:support-order-payment-record", args=[order.number]),
        {
            "payment-amount": "44,88",
            "payment-method": "bank_transfer",
            "payment-paid_on": timezone.localdate().isoformat(),
            "payment-reason": "Kontoauszug vom Montag",
            "payment-token": "form-1",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("orders:support-order-detail", args=[order.number])
    assert "Payment of 44.88 EUR booked." in response.content.decode()
    assert Order.objects.get(pk=order.pk).payment_state == "paid"
    assert "Kontoauszug vom Montag" in response.content.decode()  # on the timeline


def test_a_payment_above_the_open_amount_shows_the_form_again_and_books_nothing(support_client):
    order = placed_order(payment_method="prepayment")

    response = support_client.post(
        reverse("billing:support-order-payment-record", args=[order.number]),
        {
            "payment-amount": "100",
            "payment-method": "cash",
            "payment-paid_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "payment-reason": "zu viel",
        },
    )

    assert response.status_code == 422
    assert "still open" in response.content.decode()
    assert not PaymentTransaction.objects.filter(order=order).exists()


def test_support_refunds_part_of_a_card_payment_and_more_than_captured_is_refused(support_client):
    order = placed_order()
    capture(order, "44.88")
    url = reverse("billing:support-order-refund", args=[order.number])

    refused = support_client.post(url, {"refund-amount": "50,00", "refund-reason": "zu viel"})
    assert refused.status_code == 422 and "still refundable" in refused.content.decode()

    done = support_client.post(
        url, {"refund-amount": "4,88", "refund-reason": "Versand erstattet", "refund-token": "x"}
    )
    assert done.status_code == 302
    (refund,) = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    assert (refund.amount, refund.provider) == (Decimal("4.88"), "stripe")


def test_the_warehouse_may_not_book_payments(warehouse_client):
    order = placed_order(payment_method="prepayment")
    response = warehouse_client.post(
        reverse("billing:support-order-payment-record", args=[order.number]), {"payment-amount": "1"}
    )
    assert response.status_code == 403
    assert not PaymentTransaction.objects.filter(order=order).exists()
