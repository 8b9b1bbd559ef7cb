"""Scanning, short picks and cancellations on the pick list."""

from __future__ import annotations

import pytest

from fulfillment.exceptions import PickListClosedError, WrongItemError
from fulfillment.models import PickLine, PickListState, Shipment, ShipmentState
from fulfillment.services.picking import report_short_pick, scan_pick
from fulfillment.services.planning import WaveRule, build_pick_list_for_order, build_wave
from inventory.models import BinStock
from orders.models import OrderState
from orders.services.lifecycle import cancel_order
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db


def test_a_wrong_item_is_refused_and_counts_nothing():
    berlin = make_warehouse()
    shelf = make_bin(berlin, "A-01-01", 10)
    stock_in_bins("MUG-1", {shelf: 2})
    stock_in_bins("TEE-1", {make_bin(berlin, "B-01-01", 20): 2})
    order = allocated_order(channel(), {"MUG-1": 1})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)

    with pytest.raises(WrongItemError, match="TEE-1"):
        scan_pick(pick_list=pick_list, code="TEE-1")

    line = PickLine.objects.get(pick_list=pick_list)
    assert line.quantity_picked == 0
    assert scan_pick(pick_list=pick_list, code="MUG-1").finished


def test_a_wave_takes_single_item_orders_only_when_the_rule_says_so():
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 10})
    shop = channel()
    single = allocated_order(shop, {"MUG-1": 1})
    allocated_order(shop, {"MUG-1": 3})

    wave = build_wave(warehouse=berlin, rule=WaveRule(single_item=True, max_orders=10))

    assert list(Shipment.objects.filter(pick_list=wave).values_list("order_id", flat=True)) == [single.pk]


def test_a_cancellation_while_picking_voids_the_pick_list_and_a_scan_says_so(django_capture_on_commit_callbacks):
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 3})
    order = allocated_order(channel(), {"MUG-1": 2})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    scan_pick(pick_list=pick_list, code="MUG-1")

    with django_capture_on_commit_callbacks(execute=True):  # order.cancelled reaches fulfillment
        cancel_order(order=order, reason="Kunde hat storniert")

    pick_list.refresh_from_db()
    assert pick_list.state == PickListState.VOIDED
    assert Shipment.objects.get(order=order).state == ShipmentState.CANCELLED
    with pytest.raises(PickListClosedError, match="Kunde hat storniert"):
        scan_pick(pick_list=pick_list, code="MUG-1")


def test_a_short_pick_is_taken_from_another_bin_of_the_warehouse():
    berlin = make_warehouse()
    first, second = make_bin(berlin, "A-01-01", 10), make_bin(berlin, "C-01-01", 30)
    mug = stock_in_bins("MUG-1", {first: 1, second: 4})
    order = allocated_order(channel(), {"MUG-1": 1})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    line = PickLine.objects.get(pick_list=pick_list)

    report_short_pick(pick_line=line, quantity=1)

    assert BinStock.objects.get(bin=first, stock_level__product=mug).quantity == 0  # counted down
    assert scan_pick(pick_list=pick_list, code="MUG-1").line.bin == second
    order.refresh_from_db()
    assert order.state == OrderState.IN_FULFILLMENT


def test_a_short_pick_without_other_stock_backorders_an_order_that_may_not_ship_in_parts():
    berlin = make_warehouse()
    shelf = make_bin(berlin, "A-01-01", 10)
    stock_in_bins("MUG-1", {shelf: 2})
    stock_in_bins("TEE-1", {make_bin(berlin, "B-01-01", 20): 1})
    order = allocated_order(channel(split=False), {"MUG-1": 2, "TEE-1": 1})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    scan_pick(pick_list=pick_list, code="MUG-1")
    mug_line = PickLine.objects.get(pick_list=pick_list, sku="MUG-1")

    report_short_pick(pick_line=mug_line, quantity=1)

    order.refresh_from_db()
    assert order.state == OrderState.BACKORDERED
    assert Shipment.objects.get(order=order).state == ShipmentState.CANCELLED
    assert BinStock.objects.get(bin=shelf).quantity == 1  # the missing unit counted out, the picked one back


def test_a_short_pick_of_an_order_that_may_ship_in_parts_ships_what_was_picked_and_backorders_the_rest():
    from fulfillment.services.shipping import ship_shipment
    from inventory.models import MovementKind, StockLevel, StockMovement
    from tests.fulfillment.warehouse_data import label, pack

    berlin = make_warehouse()
    shelf = make_bin(berlin, "A-01-01", 10)
    mug = stock_in_bins("MUG-1", {shelf: 2})
    stock_in_bins("TEE-1", {make_bin(berlin, "B-01-01", 20): 1})
    order = allocated_order(channel(split=True), {"MUG-1": 2, "TEE-1": 1})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)
    mug_line = PickLine.objects.get(pick_list=pick_list, sku="MUG-1")

    report_short_pick(pick_line=mug_line, quantity=1)
    order.refresh_from_db()
    assert order.state == OrderState.IN_FULFILLMENT  # what is there still ships
    scan_pick(pick_list=pick_list, code="MUG-1")
    assert scan_pick(pick_list=pick_list, code="TEE-1").finished

    shipment = Shipment.objects.get(order=order)
    ship_shipment(shipment=label(pack(shipment)))
    order.refresh_from_db()
    assert order.state == OrderState.BACKORDERED  # the missing mug waits for stock
    mug_order_line = order.lines.get(sku="MUG-1")
    assert (mug_order_line.quantity_shipped, mug_order_line.quantity_allocated) == (1, 0)
    assert StockMovement.objects.filter(kind=MovementKind.SHIP, product=mug).get().quantity == -1
    level = StockLevel.objects.get(product=mug, warehouse=berlin)
    assert (level.on_hand, level.reserved) == (0, 0)  # one counted out, one shipped


def test_a_short_pick_releases_the_reservation_of_its_own_warehouse_only():
    from inventory.models import StockLevel

    berlin, munich = make_warehouse("BER", priority=10), make_warehouse("MUC", priority=20)
    mug = stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 1})
    stock_in_bins("MUG-1", {make_bin(munich, "A-01-01", 10): 1})
    order = allocated_order(channel(split=True), {"MUG-1": 2})
    pick_list = build_pick_list_for_order(order=order, warehouse=berlin)

    report_short_pick(pick_line=PickLine.objects.get(pick_list=pick_list), quantity=1)

    reserved = dict(StockLevel.objects.filter(product=mug).values_list("warehouse__code", "reserved"))
    assert reserved == {"BER": 0, "MUC": 1}  # Munich's unit stays promised to the order
    order.refresh_from_db()
    assert order.state == OrderState.IN_FULFILLMENT
    states = dict(Shipment.objects.filter(order=order).values_list("warehouse__code", "state"))
    assert states == {"BER": ShipmentState.CANCELLED, "MUC": ShipmentState.PLANNED}


def test_building_a_wave_costs_the_same_statements_for_three_orders_as_for_twelve():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.models import OrderEvent

    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 50})
    stock_in_bins("TEE-1", {make_bin(berlin, "B-01-01", 20): 50})
    shop = channel()
    counts = []
    for size in (3, 12):
        orders = [allocated_order(shop, {"MUG-1": 1, "TEE-1": 1}) for _ in range(size)]
        with CaptureQueriesContext(connection) as queries:
            wave = build_wave(warehouse=berlin, rule=WaveRule(max_orders=50))
        counts.append(len(queries.captured_queries))
        assert wave.shipments.count() == size
        for order in orders:
            order.refresh_from_db()
            assert order.state == OrderState.IN_FULFILLMENT and order.released_at is not None
            assert OrderEvent.objects.filter(order=order, to_state=OrderState.IN_FULFILLMENT).count() == 1
    assert counts[0] == counts[1], counts
