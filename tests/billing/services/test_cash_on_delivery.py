"""Cash on delivery: the carrier collects when the parcel is handed over, so its delivery books
the capture, once, and a sweep books any delivery the reaction missed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.services.cash_on_delivery import collect_cash_on_delivery, sweep_cash_on_delivery
from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from orders.models import Order, OrderEvent, PaymentState, PaymentTransaction, TransactionKind
from tests.fulfillment.shipping import shipped_shipment

pytestmark = pytest.mark.django_db


def _deliver(shipment):
    record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=timezone.now())


def _captures(order):
    return list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE))


def test_delivering_a_cash_on_delivery_parcel_books_what_the_carrier_collected(django_capture_on_commit_callbacks):
    shipment = shipped_shipment(payment_method="cash_on_delivery")

    with django_capture_on_commit_callbacks(execute=True):
        _deliver(shipment)

    order = Order.objects.get(pk=shipment.order_id)
    (paid,) = _captures(order)
    assert (paid.provider, paid.provider_reference) == ("cash_on_delivery", f"shipment:{shipment.pk}")
    assert paid.amount == order.total  # the only parcel collects everything, shipping included
    assert order.payment_state == PaymentState.PAID
    assert OrderEvent.objects.filter(order=order, data__source="cash_on_delivery").count() == 1


def test_a_delivery_reported_twice_and_the_sweep_book_nothing_more(django_capture_on_commit_callbacks):
    shipment = shipped_shipment(payment_method="cash_on_delivery")
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(shipment)

    assert collect_cash_on_delivery(shipment_id=shipment.pk) is None
    assert sweep_cash_on_delivery() == 0
    assert len(_captures(shipment.order)) == 1


def test_the_sweep_books_a_delivery_whose_reaction_was_lost():
    shipment = shipped_shipment(payment_method="cash_on_delivery")
    _deliver(shipment)  # committed, but the subscriber never ran (no on_commit callbacks here)
    assert _captures(shipment.order) == []

    assert sweep_cash_on_delivery() == 1
    (paid,) = _captures(shipment.order)
    assert paid.amount == Order.objects.get(pk=shipment.order_id).total


def test_a_parcel_paid_by_invoice_books_nothing_on_delivery(django_capture_on_commit_callbacks):
    shipment = shipped_shipment()
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(shipment)

    assert _captures(shipment.order) == []
    assert sweep_cash_on_delivery() == 0
    assert Order.objects.get(pk=shipment.order_id).total > Decimal(0)
