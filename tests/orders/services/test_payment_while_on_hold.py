"""A prepayment order held for review before the money came in: the payment arrives during the
hold, and releasing the hold must let the order go on (confirmed and allocated), not leave a
paid order waiting in pending for good."""

from __future__ import annotations

import pytest

from orders.models import EventKind, OrderState, PaymentState
from orders.services.intake import place_order
from orders.services.lifecycle import hold_order, unhold_order
from orders.services.payments import record_payment
from tests.orders.factories import draft, stocked_product

pytestmark = pytest.mark.django_db


def test_an_order_paid_during_its_hold_is_confirmed_and_allocated_when_the_hold_is_released(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, payment_method="prepayment")).order
    assert order.state == OrderState.PENDING
    hold_order(order=order, reason="Address check")
    record_payment(order=order, kind="capture", amount=order.total, provider="bank", provider_reference="TX-9")
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PAID
    assert order.state == OrderState.ON_HOLD

    unhold_order(order=order, reason="Address confirmed")

    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    transitions = list(order.events.filter(kind=EventKind.TRANSITION).values_list("from_state", "to_state"))
    assert (OrderState.PENDING, OrderState.CONFIRMED) in transitions


def test_an_unpaid_prepayment_order_stays_pending_after_its_hold(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, payment_method="prepayment")).order
    hold_order(order=order, reason="Address check")
    unhold_order(order=order)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
