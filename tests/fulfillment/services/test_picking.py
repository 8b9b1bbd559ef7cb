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
