"""A backordered order put on hold misses the stock that arrives meanwhile (held orders are not
allocated). Releasing the hold must try again at once, not leave the order waiting for the
next receipt or the periodic sweep while the units sit on the shelf."""

from __future__ import annotations

import pytest

from inventory.services.stock import receive_stock
from orders.models import OrderState
from orders.services.lifecycle import hold_order, unhold_order
from tests.orders.factories import order_for, stocked_product

pytestmark = pytest.mark.django_db


def test_releasing_the_hold_of_a_backordered_order_allocates_stock_that_arrived_meanwhile(channel, lej):
    product = stocked_product("B-1", {})
    order = order_for(channel, {"B-1": 2}, payment_method="invoice")
    assert order.state == OrderState.BACKORDERED
    hold_order(order=order, reason="Address check")
    receive_stock(product=product, warehouse=lej, quantity=5, reference="po:1")
    order.refresh_from_db()
    assert order.state == OrderState.ON_HOLD

    unhold_order(order=order, reason="Address confirmed")

    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert sum(line.quantity_allocated for line in order.lines.all()) == 2
