"""Allocation through routing: split shipments, channels without splits, backorders that allocate
themselves when stock arrives (stock.received), and the stored "why this warehouse"."""

from __future__ import annotations

import datetime

import pytest

from inventory.models import StockLevel
from inventory.services.stock import receive_stock
from orders.models import Allocation, OrderState
from orders.services.allocation import sweep_backorders
from orders.services.intake import place_order
from tests.orders.factories import ChannelFactory, draft, stocked_product

pytestmark = pytest.mark.django_db


def reserved(product, warehouse) -> int:
    return StockLevel.objects.get(product=product, warehouse=warehouse).reserved


def test_an_austrian_customer_is_served_from_vienna(channel, lej, vie):
    product = stocked_product("R-1", {lej: 5, vie: 5})
    order = place_order(channel=channel, draft=draft({"R-1": 1}, country="AT")).order
    assert order.state == OrderState.ALLOCATED
    assert Allocation.objects.get().warehouse == vie
    assert (reserved(product, lej), reserved(product, vie)) == (0, 1)
    assert order.routing["code"] == "single_country"
    assert "VIE" in order.routing["message"]


def test_split_across_warehouses_when_the_channel_allows_it(channel, lej, vie):
    a = stocked_product("R-1", {lej: 1})
    b = stocked_product("R-2", {vie: 1})
    order = place_order(channel=channel, draft=draft({"R-1": 1, "R-2": 1})).order
    assert order.state == OrderState.ALLOCATED
    assert {(al.order_line.sku, al.warehouse.code) for al in Allocation.objects.all()} == {
        ("R-1", "LEJ"),
        ("R-2", "VIE"),
    }
    assert (reserved(a, lej), reserved(b, vie)) == (1, 1)
    assert order.routing["kind"] == "split"


def test_no_split_channel_backorders_and_reserves_nothing(lej, vie):
    marketplace = ChannelFactory(code="mp", name="Marktplatz", allows_split_shipments=False)
    a = stocked_product("R-1", {lej: 1})
    b = stocked_product("R-2", {vie: 1})
    order = place_order(channel=marketplace, draft=draft({"R-1": 1, "R-2": 1})).order
    assert order.state == OrderState.BACKORDERED
    assert (reserved(a, lej), reserved(b, vie)) == (0, 0)
    assert "Marktplatz" in order.events.last().message


def test_backordered_orders_allocate_oldest_first_when_stock_arrives(channel, lej, django_capture_on_commit_callbacks):
    product = stocked_product("R-1", {lej: 1})
    first = place_order(channel=channel, draft=draft({"R-1": 2})).order
    second = place_order(channel=channel, draft=draft({"R-1": 2})).order
    assert first.state == second.state == OrderState.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=product, warehouse=lej, quantity=2, reference="PO-1")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == OrderState.ALLOCATED  # 1 + 2 units on hand: enough for the older order only
    assert second.state == OrderState.BACKORDERED
    assert reserved(product, lej) == 2
    assert first.lines.get().quantity_allocated == 2
    event = first.events.last()
    assert (event.from_state, event.to_state, event.actor_label) == (
        OrderState.BACKORDERED,
        OrderState.ALLOCATED,
        "system:stock-received",
    )
    # The order that still waits gets no new timeline entry on every receipt.
    assert second.events.filter(kind="backorder").count() == 1


def test_stock_arriving_for_other_products_leaves_backorders_alone(channel, lej, django_capture_on_commit_callbacks):
    stocked_product("R-1", {lej: 0})
    other = stocked_product("R-9", {})
    order = place_order(channel=channel, draft=draft({"R-1": 1})).order
    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=other, warehouse=lej, quantity=5, reference="PO-2")
    order.refresh_from_db()
    assert order.state == OrderState.BACKORDERED


def test_the_backorder_sweep_allocates_what_the_stock_now_covers_oldest_first(channel, lej, vie):
    """The sweep is the safety net for a reaction to arriving stock that never ran (here: the
    receipts' on-commit reactions are not executed). It takes each backordered order whose
    missing units are available now, oldest first, and leaves the rest waiting quietly."""
    one = stocked_product("R-1", {})
    two = stocked_product("R-2", {})
    oldest = place_order(channel=channel, draft=draft({"R-1": 2, "R-2": 1})).order
    too_big = place_order(channel=channel, draft=draft({"R-1": 9})).order
    youngest = place_order(channel=channel, draft=draft({"R-1": 1})).order
    missing_other = place_order(channel=channel, draft=draft({"R-2": 1, "R-1": 1})).order
    receive_stock(product=one, warehouse=lej, quantity=2, reference="PO-1")
    receive_stock(product=one, warehouse=vie, quantity=2, reference="PO-2")
    receive_stock(product=two, warehouse=lej, quantity=1, reference="PO-3")

    assert sweep_backorders() == 2

    for order in (oldest, too_big, youngest, missing_other):
        order.refresh_from_db()
    assert (oldest.state, youngest.state) == (OrderState.ALLOCATED, OrderState.ALLOCATED)
    assert too_big.state == OrderState.BACKORDERED  # 9 units wanted, 4 arrived
    assert missing_other.state == OrderState.BACKORDERED  # its R-2 went to the older order
    assert too_big.events.filter(kind="backorder").count() == 1  # no timeline entry per sweep
    assert sweep_backorders() == 0


def test_inactive_warehouses_are_not_used(channel, lej, vie):
    stocked_product("R-1", {vie: 5})
    vie.active = False
    vie.save()
    order = place_order(channel=channel, draft=draft({"R-1": 1})).order
    assert order.state == OrderState.BACKORDERED


def test_a_no_split_backorder_is_routed_again_when_stock_arrives_in_another_warehouse(
    lej, vie, django_capture_on_commit_callbacks
):
    marketplace = ChannelFactory(code="mp", name="Marktplatz", allows_split_shipments=False)
    a = stocked_product("R-1", {lej: 1})
    b = stocked_product("R-2", {vie: 1})
    order = place_order(channel=marketplace, draft=draft({"R-1": 1, "R-2": 1})).order
    assert (order.state, order.routing["code"]) == (OrderState.BACKORDERED, "backorder_no_split")

    # R-1 arrives in Vienna: Vienna alone can now ship the whole order.
    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=a, warehouse=vie, quantity=1, reference="PO-VIE")

    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert {al.warehouse.code for al in Allocation.objects.all()} == {"VIE"}
    assert (reserved(a, lej), reserved(a, vie), reserved(b, vie)) == (0, 1, 1)
    decision = order.events.filter(kind="routing").last()
    assert "VIE" in decision.message and decision.to_state == OrderState.ALLOCATED


def test_a_split_channel_backorder_is_split_when_the_missing_units_arrive_elsewhere(
    channel, lej, vie, django_capture_on_commit_callbacks
):
    a = stocked_product("R-1", {lej: 1})
    order = place_order(channel=channel, draft=draft({"R-1": 3})).order
    assert order.state == OrderState.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=a, warehouse=vie, quantity=2, reference="PO-VIE")

    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert sorted((al.warehouse.code, al.quantity) for al in Allocation.objects.all()) == [("LEJ", 1), ("VIE", 2)]
    assert order.routing["kind"] == "split"


def test_allocation_records_demand_for_the_forecast_and_a_backorder_only_once_it_allocates(
    channel, lej, django_capture_on_commit_callbacks, time_machine
):
    from inventory.models import DailyDemand

    # Tue 00:30 in Berlin (still Monday in UTC): demand counts on the business's day.
    time_machine.move_to(datetime.datetime(2026, 11, 23, 23, 30, tzinfo=datetime.UTC), tick=False)
    a = stocked_product("R-1", {lej: 2})
    place_order(channel=channel, draft=draft({"R-1": 2}))
    waiting = place_order(channel=channel, draft=draft({"R-1": 3})).order
    assert list(DailyDemand.objects.values_list("product_id", "warehouse_id", "date", "quantity")) == [
        (a.pk, lej.pk, datetime.date(2026, 11, 24), 2)
    ]

    # The goods arrive on Thursday: the backorder's units count on the day it allocates.
    time_machine.move_to(datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=a, warehouse=lej, quantity=3, reference="PO-1")

    waiting.refresh_from_db()
    assert waiting.state == OrderState.ALLOCATED
    assert list(DailyDemand.objects.order_by("date").values_list("date", "quantity")) == [
        (datetime.date(2026, 11, 24), 2),
        (datetime.date(2026, 11, 26), 3),
    ]


def test_cancelling_an_order_gives_its_units_to_the_oldest_backorder(channel, lej, django_capture_on_commit_callbacks):
    from orders.services.cancellation import cancel_order

    product = stocked_product("R-1", {lej: 2})
    first = place_order(channel=channel, draft=draft({"R-1": 2})).order
    waiting = place_order(channel=channel, draft=draft({"R-1": 2})).order
    assert waiting.state == OrderState.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=first, reason="Kundenwunsch")

    waiting.refresh_from_db()
    assert waiting.state == OrderState.ALLOCATED
    assert reserved(product, lej) == 2
    assert waiting.lines.get().quantity_allocated == 2


def test_cancelling_part_of_a_line_lets_a_smaller_backorder_allocate(channel, lej, django_capture_on_commit_callbacks):
    from orders.services.cancellation import cancel_order_lines

    product = stocked_product("R-1", {lej: 3})
    big = place_order(channel=channel, draft=draft({"R-1": 3})).order
    waiting = place_order(channel=channel, draft=draft({"R-1": 1})).order
    assert waiting.state == OrderState.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order_lines(order=big, quantities={big.lines.get().pk: 1}, reason="Zu viel bestellt")

    waiting.refresh_from_db()
    assert waiting.state == OrderState.ALLOCATED
    assert reserved(product, lej) == 3


def test_cancelling_the_missing_line_of_a_backorder_allocates_the_rest_at_once(channel, lej):
    from orders.services.cancellation import cancel_order_lines

    stocked_product("R-1", {lej: 5})
    stocked_product("R-2", {})
    order = place_order(channel=channel, draft=draft({"R-1": 1, "R-2": 1})).order
    assert order.state == OrderState.BACKORDERED

    cancel_order_lines(order=order, quantities={order.lines.get(sku="R-2").pk: 1}, reason="Nicht lieferbar")

    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert order.lines.get(sku="R-1").quantity_allocated == 1
    assert order.events.filter(kind="routing", to_state=OrderState.ALLOCATED).exists()


def test_blocked_units_are_never_allocated_and_allocate_once_unblocked(
    channel, lej, vie, django_capture_on_commit_callbacks
):
    from inventory.services.stock import block_stock, unblock_stock

    product = stocked_product("R-9", {lej: 3, vie: 2})
    block_stock(product=product, warehouse=lej, quantity=3, reason="Quarantäne")
    # Leipzig has 3 on hand, all blocked: the German customer is served from Vienna.
    first = place_order(channel=channel, draft=draft({"R-9": 2})).order
    assert first.state == OrderState.ALLOCATED
    assert [a.warehouse.code for a in Allocation.objects.filter(order_line__order=first)] == ["VIE"]
    # Nothing sellable is left anywhere: the next order waits, although 3 units are on hand.
    second = place_order(channel=channel, draft=draft({"R-9": 1})).order
    assert second.state == OrderState.BACKORDERED
    assert (reserved(product, lej), reserved(product, vie)) == (0, 2)
    with django_capture_on_commit_callbacks(execute=True):
        unblock_stock(product=product, warehouse=lej, quantity=1, reason="Geprüft: verkaufsfähig")
    second.refresh_from_db()
    assert second.state == OrderState.ALLOCATED
    assert reserved(product, lej) == 1
