"""An order split over two warehouses: a shipment from each, the order partially shipped when the
first leaves, shipped when both have, delivered when both have arrived."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fulfillment.models import Shipment, ShipmentState
from fulfillment.services.labels import book_label
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.services.planning import build_pick_list_for_order
from fulfillment.services.shipping import ship_shipment
from fulfillment.services.tracking import record_tracking_event_by_hand
from inventory.models import MovementKind, StockMovement
from orders.models import OrderState
from tests.fulfillment.shipping import service
from tests.fulfillment.warehouse_data import (
    allocated_order,
    box,
    channel,
    make_bin,
    make_warehouse,
    pick_all,
    stock_in_bins,
)

pytestmark = pytest.mark.django_db


def _ship(order, warehouse) -> Shipment:
    """Pick, pack, label and ship ``order``'s shipment from ``warehouse`` through the services."""
    pick_list = build_pick_list_for_order(order=order, warehouse=warehouse)
    pick_all(pick_list)
    shipment = Shipment.objects.get(order=order, warehouse=warehouse)
    scans = [line.product.sku for line in shipment.lines.select_related("product") for _ in range(line.quantity_picked)]
    pack_shipment(shipment=shipment, scans=scans, packages=[PackageSpec(box(), 900)], carrier_service=service())
    book_label(shipment.pk)  # the label task packing asked for
    return ship_shipment(shipment=Shipment.objects.get(pk=shipment.pk))


def _deliver(shipment: Shipment) -> None:
    record_tracking_event_by_hand(
        shipment=Shipment.objects.get(pk=shipment.pk),
        state="delivered",
        occurred_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def test_an_order_over_two_warehouses_ships_in_two_parts_and_is_delivered_when_both_arrive():
    berlin, munich = make_warehouse("BER", priority=10), make_warehouse("MUC", priority=20)
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 3})
    stock_in_bins("TEE-1", {make_bin(munich, "A-01-01", 10): 3})
    order = allocated_order(channel(split=True), {"MUG-1": 1, "TEE-1": 2})

    first = _ship(order, berlin)
    order.refresh_from_db()
    shipments = Shipment.objects.filter(order=order).order_by("reference")
    assert [(s.warehouse.code, s.state) for s in shipments] == [("BER", "shipped"), ("MUC", "planned")]
    assert order.state == OrderState.PARTIALLY_SHIPPED

    second = _ship(order, munich)
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    outgoing = StockMovement.objects.filter(kind=MovementKind.SHIP).select_related("product", "warehouse")
    assert sorted((m.reference, m.warehouse.code, m.product.sku, m.quantity) for m in outgoing) == [
        (first.reference, "BER", "MUG-1", -1),
        (second.reference, "MUC", "TEE-1", -2),
    ]

    _deliver(first)
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED  # one parcel is still on its way
    _deliver(second)
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert set(Shipment.objects.filter(order=order).values_list("state", flat=True)) == {ShipmentState.DELIVERED}
