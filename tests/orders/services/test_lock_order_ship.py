"""Shipping an order locks stock levels in primary-key order, like every reservation does, so a
shipment and a concurrent reservation of the same SKUs queue instead of deadlocking (PostgreSQL).

The order's lines name the SKUs against pk order (the second SKU's stock level first); a
concurrent transaction locks the levels in pk order, as ``reserve_stock`` does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connections, transaction

from inventory.models import StockLevel
from inventory.services.reservations import StockRequest, reserve_stock
from orders.models import Order, OrderState
from orders.services.drafts import LineDraft
from orders.services.intake import place_order
from orders.services.lifecycle import release_to_fulfillment, ship_order_lines
from tests.orders.factories import ChannelFactory, draft, stocked_product, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def order_against_pk_order() -> tuple[Order, StockLevel, StockLevel]:
    lej = warehouse("LEJ")
    first = stocked_product("K-1", {lej: 10})  # lower stock level pk
    second = stocked_product("K-2", {lej: 10})
    lines = [LineDraft(sku="K-2", quantity=1, unit_price=10), LineDraft(sku="K-1", quantity=1, unit_price=10)]
    order = place_order(channel=ChannelFactory(code="web"), draft=draft(lines, payment_method="invoice")).order
    assert order.state == OrderState.ALLOCATED
    low = StockLevel.objects.get(product=first)
    high = StockLevel.objects.get(product=second)
    assert low.pk < high.pk
    return order, low, high


def race(action: Callable[[], object], low: StockLevel, high: StockLevel) -> list[BaseException]:
    """Run ``action`` while another transaction holds the lower level and then reserves both."""
    errors: list[BaseException] = []
    holding = threading.Event()

    def reserver() -> None:
        try:
            with transaction.atomic():
                list(StockLevel.objects.select_for_update().filter(pk=low.pk))
                holding.set()
                time.sleep(1.0)  # the action is now waiting for the lower level
                reserve_stock(
                    requests=[
                        StockRequest(low.product_id, low.warehouse_id, 1),
                        StockRequest(high.product_id, high.warehouse_id, 1),
                    ],
                    reference="order:other",
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def actor() -> None:
        try:
            holding.wait(10)
            action()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reserver), threading.Thread(target=actor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_shipping_and_a_concurrent_reservation_do_not_deadlock():
    order, low, high = order_against_pk_order()
    release_to_fulfillment(order=order)

    errors = race(lambda: ship_order_lines(order=order), low, high)

    assert errors == []
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    low.refresh_from_db()
    high.refresh_from_db()
    assert (low.on_hand, low.reserved, high.on_hand, high.reserved) == (9, 1, 9, 1)
