"""Cancelling (and editing) an order releases its reservations; the locks it takes must follow
pk order like every reservation, so a cancellation and a concurrent reservation of the same SKUs
queue instead of deadlocking (PostgreSQL). See test_lock_order_ship.py for the set-up."""

from __future__ import annotations

import pytest

from orders.models import OrderState
from orders.services.cancellation import cancel_order
from tests.orders.services.test_lock_order_ship import order_against_pk_order, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_cancelling_and_a_concurrent_reservation_do_not_deadlock():
    order, low, high = order_against_pk_order()

    errors = race(lambda: cancel_order(order=order, reason="customer asked"), low, high)

    assert errors == []
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    low.refresh_from_db()
    high.refresh_from_db()
    assert (low.reserved, high.reserved) == (1, 1)
